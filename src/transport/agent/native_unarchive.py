# mitorun agent: native unarchive, result for result with ansible-core
# 2.19's module. The archive is handled by the same programs in the same
# order (unzip + zipinfo, then GNU tar with -z, none, -j, -J, zstd), with
# the same command lines, because the result carries them (`handler`,
# `extract_results` with cmd/rc/out/err) and `changed` comes from their
# answers: `tar --diff` lines, or for zip a file-by-file comparison of the
# `zipinfo -T -s` listing with the disk. A `://` src with remote_src is
# downloaded first as fetch_file does, through native_net.py's `fetch`
# (shipped in the same code item, ahead of this file). Shipped with the
# first unarchive call (modules::native_code).

import binascii as _ua_binascii
import codecs as _ua_codecs
import ctypes as _ua_ctypes
import platform as _ua_platform
import tempfile as _ua_tempfile
import time as _ua_time
import zipfile as _ua_zipfile
from fnmatch import fnmatch as _ua_fnmatch
from shlex import quote as _ua_quote

UNARCHIVE_SPEC = ArgSpec({
    "src": {"type": "path", "required": True},
    "dest": {"type": "path", "required": True},
    "remote_src": {"type": "bool", "default": False},
    "creates": {"type": "path"},
    "list_files": {"type": "bool", "default": False},
    "keep_newer": {"type": "bool", "default": False},
    "exclude": {"type": "list", "elements": "str", "default": []},
    "include": {"type": "list", "elements": "str", "default": []},
    "extra_opts": {"type": "list", "elements": "str", "default": []},
    "validate_certs": {"type": "bool", "default": True},
    "io_buffer_size": {"type": "int", "default": 64 * 1024},
    # The action's options, accepted (and shown in invocation) as ansible's
    # module accepts them.
    "copy": {"type": "bool", "default": True},
    "decrypt": {"type": "bool", "default": True},
}, mutually_exclusive=[["include", "exclude"]]).extended(FILE_COMMON_SPEC)

# What `tar --diff` reports when the disk differs from the archive.
UA_OWNER_DIFF = re.compile(r": Uid differs$")
UA_GROUP_DIFF = re.compile(r": Gid differs$")
UA_MODE_DIFF = re.compile(r": Mode differs$")
UA_EMPTY_NAME = re.compile(r": : Warning: Cannot stat: No such file or directory$")
UA_ALWAYS_DIFFER = [re.compile(p) for p in (
    r": Mod time differs$",
    r": Warning: Cannot stat: No such file or directory$",
    r": Invalid owner",
    r": Invalid group",
    r": Symlink differs$",
    r": Contents differ$",
    r": Size differs$",
)]
UA_ZIP_MODE = re.compile(r"([r-][w-][SsTtx-]){3}")
UA_ZIP_TIME = re.compile(r"^(\d{4})(\d{2})(\d{2})\.(\d{2})(\d{2})(\d{2})$")


class UnarchiveError(Exception):
    pass


def ua_run(m, argv, cwd=None, env_update=None):
    """run_command for an argv list: the task's environment plus
    env_update, no shell, output decoded as AnsibleModule does."""
    env = dict(m.env)
    if env_update:
        env.update(env_update)
    argv = [a if isinstance(a, bytes) else str(a) for a in argv]
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, close_fds=True, env=env, cwd=cwd)
    except OSError as e:
        # run_command's answer for a program that cannot start.
        m.fail(str(e), rc=e.errno, cmd=" ".join(_ua_quote(a) for a in argv))
    out, err = proc.communicate()
    return (proc.returncode, out.decode("utf-8", "surrogateescape"),
            err.decode("utf-8", "surrogateescape"))


def ua_parsable_locale(m):
    """get_best_parsable_locale: the first of ansible's preferred locales
    `locale -a` lists, else C."""
    cmd = m.get_bin_path("locale")
    if not cmd:
        return "C"
    try:
        rc, out, err = ua_run(m, [cmd, "-a"])
    except ModuleFail:
        return "C"
    if rc != 0 or not out:
        return "C"
    available = out.strip().splitlines()
    for pref in ("C.utf8", "C.UTF-8", "en_US.utf8", "en_US.UTF-8", "C", "POSIX"):
        if pref in available:
            return pref
    return "C"


def ua_crc32(path, buffer_size):
    crc = _ua_binascii.crc32(b"")
    with open(path, "rb") as f:
        while True:
            block = f.read(buffer_size)
            if not block:
                break
            crc = _ua_binascii.crc32(block, crc)
    return crc & 0xffffffff


def ua_y2038_impacted():
    if hasattr(_ua_ctypes, "c_time_t"):
        return _ua_ctypes.sizeof(_ua_ctypes.c_time_t) < 8
    try:
        _ua_time.gmtime(2 ** 31)
    except OverflowError:
        return True
    return False


def ua_zip_time(text):
    """A zipinfo -T time (yyyymmdd.hhmmss, local time) as an epoch, with
    the module's clamping to 1980..2107 (2038 on 32-bit time_t)."""
    found = UA_ZIP_TIME.match(text)
    epoch = (1980, 1, 1, 0, 0, 0, 0, 0, 0)
    parts = epoch
    if found:
        try:
            year = int(found.group(1))
            if year < 1980:
                parts = epoch
            elif year >= 2038 and ua_y2038_impacted():
                parts = (2038, 1, 1, 0, 0, 0, 0, 0, 0)
            elif year > 2107:
                parts = (2107, 12, 31, 23, 59, 59, 0, 0, 0)
            else:
                parts = tuple(int(g) for g in found.groups()) + (0, 0, 0)
        except ValueError:
            parts = epoch
    return _ua_time.mktime(_ua_time.struct_time(parts))


def ua_current_umask():
    """The process umask, read from /proc where possible: setting it to
    read it (as ansible's module does) would race with other calls the
    agent runs in threads."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    umask = os.umask(0)
    os.umask(umask)
    return umask


def ua_permstr_to_octal(modestr, umask):
    """rw-r--r-- as 0o644 (no set-id/sticky bits: unzip does not set them)."""
    reverse = modestr[::-1]
    mode = 0
    for j in range(3):
        for i in range(3):
            if reverse[i + 3 * j] in "rwxst":
                mode += 2 ** (i + 3 * j)
    return mode & ~umask


class UaOwnership(object):
    """Who runs the module and who should own the files (zip handler)."""

    def __init__(self, file_args):
        self.groups = os.getgroups()
        self.run_uid = os.getuid()
        self.run_gid = os.getgid()
        try:
            self.run_owner = pwd.getpwuid(self.run_uid).pw_name
        except (TypeError, KeyError):
            self.run_owner = self.run_uid
        try:
            self.run_group = grp.getgrgid(self.run_gid).gr_name
        except (KeyError, ValueError, OverflowError):
            self.run_group = self.run_gid
        if file_args["owner"]:
            try:
                entry = pwd.getpwnam(file_args["owner"])
            except KeyError:
                try:
                    entry = pwd.getpwuid(int(file_args["owner"]))
                except (TypeError, KeyError, ValueError):
                    entry = pwd.getpwuid(self.run_uid)
            self.owner, self.uid = entry.pw_name, entry.pw_uid
        else:
            self.owner, self.uid = self.run_owner, self.run_uid
        if file_args["group"]:
            try:
                entry = grp.getgrnam(file_args["group"])
            except (ValueError, KeyError):
                try:
                    entry = grp.getgrgid(int(file_args["group"]))
                except (KeyError, ValueError, OverflowError):
                    entry = grp.getgrgid(self.run_gid)
            self.group, self.gid = entry.gr_name, entry.gr_gid
        else:
            self.group, self.gid = self.run_group, self.run_gid


class UaZip(object):
    """ansible's ZipArchive: listing through Python's zipfile, the
    "is unarchived" check through zipinfo, extraction through unzip."""

    name = "ZipArchive"
    binaries = (("unzip", "cmd_path"), ("zipinfo", "zipinfo_cmd_path"))
    zipinfo_flag = ""

    def __init__(self, src, dest, file_args, m, p):
        self.src = src
        self.dest = dest
        self.file_args = file_args
        self.m = m
        self.p = p
        self.opts = p["extra_opts"]
        self.io_buffer_size = p["io_buffer_size"]
        # The parameter's own list: files kept by keep_newer are added to
        # it, so they show in invocation as they do in ansible's result.
        self.excludes = p["exclude"]
        self.includes = []
        self.include_files = p["include"]
        self.cmd_path = None
        self.zipinfo_cmd_path = None
        self._files = []
        self._crcs = {}

    def _legacy_listing(self):
        rc, out, err = ua_run(self.m, [self.cmd_path, "-v", self.src])
        if rc:
            raise UnarchiveError("Neither python zipfile nor unzip can read %s" % self.src)
        for line in out.splitlines()[3:-2]:
            fields = line.split(None, 7)
            self._files.append(fields[7])
            self._crcs[fields[7]] = int(fields[6])

    def _open(self):
        """The archive, or None when the unzip listing was used instead
        (zipfile's "bad magic number")."""
        try:
            return _ua_zipfile.ZipFile(self.src)
        except _ua_zipfile.BadZipFile as e:
            if e.args and str(e.args[0]).lower().startswith("bad magic number"):
                self._legacy_listing()
                return None
            raise

    def crc32(self, path):
        if self._crcs:
            return self._crcs[path]
        archive = self._open()
        if archive is not None:
            try:
                for item in archive.infolist():
                    self._crcs[item.filename] = int(item.CRC)
            except Exception:
                archive.close()
                raise UnarchiveError("Unable to list files in the archive")
        return self._crcs[path]

    @property
    def files_in_archive(self):
        if self._files:
            return self._files
        self._files = []
        archive = self._open()
        if archive is None:
            return self._files
        try:
            for member in archive.namelist():
                if self.include_files:
                    for pattern in self.include_files:
                        if _ua_fnmatch(member, pattern):
                            self._files.append(member)
                elif not any(_ua_fnmatch(member, e) for e in self.excludes or []):
                    self._files.append(member)
        except Exception as e:
            archive.close()
            raise UnarchiveError("Unable to list files in the archive: %s" % e)
        archive.close()
        return self._files

    def can_handle_archive(self):
        missing = []
        for program, attr in self.binaries:
            found = self.m.get_bin_path(program)
            if found is None:
                missing.append(program)
            else:
                setattr(self, attr, found)
        if missing:
            return False, "Unable to find required '%s' binary in the path." % "' or '".join(missing)
        rc, out, err = ua_run(self.m, [self.cmd_path, "-l", self.src])
        if rc == 0:
            return True, None
        return False, 'Command "%s" could not handle archive: %s' % (self.cmd_path, err)

    def _wanted_mode(self, st, path, ztype, permstr, file_umask):
        mode = self.file_args["mode"]
        if mode:
            if isinstance(mode, int):
                return mode
            try:
                return int(mode, 8)
            except Exception:
                try:
                    return symbolic_mode_to_octal(st, mode)
                except ValueError as e:
                    self.m.fail("%s" % e, path=path)
        if ztype == "?":
            return ua_permstr_to_octal(permstr, 0)
        return ua_permstr_to_octal(permstr, file_umask)

    def is_unarchived(self):
        cmd = [self.zipinfo_cmd_path]
        if self.zipinfo_flag:
            cmd.append(self.zipinfo_flag)
        cmd.extend(["-T", "-s", self.src])
        if self.excludes:
            cmd.extend(["-x"] + self.excludes)
        if self.include_files:
            cmd.extend(self.include_files)
        rc, listing, err = ua_run(self.m, cmd)
        diff = ""
        out = ""
        unarchived = rc == 0
        umask = ua_current_umask()
        bsd = "bsd" in _ua_platform.system().lower()
        who = UaOwnership(self.file_args)

        for line in listing.splitlines():
            change = False
            pcs = line.split(None, 7)
            # Header, footer and non-Unix entries are skipped by shape.
            if len(pcs) != 8 or len(pcs[0]) not in (7, 8, 10) or len(pcs[6]) != 15:
                continue
            if pcs[0][0] not in "dl-?" or not frozenset(pcs[0][1:]).issubset("rwxstah-"):
                continue
            ztype = pcs[0][0]
            permstr = pcs[0][1:]
            size = int(pcs[3])
            path = pcs[7]

            if path in self.excludes:
                out += "Path %s is excluded on request\n" % path
                continue

            ftype = None
            if path[-1] == "/":
                if ztype != "d":
                    err += 'Path %s incorrectly tagged as "%s", but is a directory.\n' % (path, ztype)
                ftype = "d"
            elif ztype == "l":
                ftype = "L"
            elif ztype in "-?":
                ftype = "f"

            # FAT/HPFS entries carry no Unix permissions: 777 for dirs and
            # executables, else 666, both under the umask; Unix ones are
            # taken as they are (BSD applies the umask anyway).
            if len(permstr) == 6:
                if path[-1] == "/" or permstr == "rwx---":
                    permstr = "rwxrwxrwx"
                else:
                    permstr = "rw-rw-rw-"
                file_umask = umask
            elif len(permstr) == 7:
                permstr = "rwxrwxrwx" if permstr == "rwxa---" else "rw-rw-rw-"
                file_umask = umask
            elif bsd:
                file_umask = umask
            else:
                file_umask = 0
            if len(permstr) != 9 or not UA_ZIP_MODE.match(permstr):
                raise UnarchiveError("ZIP info perm format incorrect, %s" % permstr)

            target = os.path.join(self.dest, path)
            try:
                st = os.lstat(target)
            except Exception:
                self.includes.append(path)
                err += "Path %s is missing\n" % path
                diff += ">%s++++++.?? %s\n" % (ftype, path)
                continue

            if ftype == "d" and not _stat.S_ISDIR(st.st_mode):
                self.includes.append(path)
                err += "File %s already exists, but not as a directory\n" % path
                diff += "c%s++++++.?? %s\n" % (ftype, path)
                continue
            if ftype == "f" and not _stat.S_ISREG(st.st_mode):
                unarchived = False
                self.includes.append(path)
                err += "Directory %s already exists, but not as a regular file\n" % path
                diff += "c%s++++++.?? %s\n" % (ftype, path)
                continue
            if ftype == "L" and not _stat.S_ISLNK(st.st_mode):
                self.includes.append(path)
                err += "Directory %s already exists, but not as a symlink\n" % path
                diff += "c%s++++++.?? %s\n" % (ftype, path)
                continue

            itemized = list(".%s.......??" % ftype)
            timestamp = ua_zip_time(pcs[6])
            regular = _stat.S_ISREG(st.st_mode)
            if regular:
                if self.p["keep_newer"]:
                    if timestamp > st.st_mtime:
                        change = True
                        self.includes.append(path)
                        err += "File %s is older, replacing file\n" % path
                        itemized[4] = "t"
                    elif timestamp < st.st_mtime:
                        out += "File %s is newer, excluding file\n" % path
                        self.excludes.append(path)
                        continue
                elif timestamp != st.st_mtime:
                    change = True
                    self.includes.append(path)
                    err += "File %s differs in mtime (%f vs %f)\n" % (path, timestamp, st.st_mtime)
                    itemized[4] = "t"
            if regular and size != st.st_size:
                change = True
                err += "File %s differs in size (%d vs %d)\n" % (path, size, st.st_size)
                itemized[3] = "s"
            if regular:
                crc = ua_crc32(target, self.io_buffer_size)
                if crc != self.crc32(path):
                    change = True
                    err += "File %s differs in CRC32 checksum (0x%08x vs 0x%08x)\n" % (
                        path, self.crc32(path), crc)
                    itemized[2] = "c"

            if ftype != "L":
                mode = self._wanted_mode(st, path, ztype, permstr, file_umask)
                if mode != _stat.S_IMODE(st.st_mode):
                    change = True
                    itemized[5] = "p"
                    err += "Path %s differs in permissions (%o vs %o)\n" % (
                        path, mode, _stat.S_IMODE(st.st_mode))

            owner = uid = None
            try:
                owner = pwd.getpwuid(st.st_uid).pw_name
            except (TypeError, KeyError):
                uid = st.st_uid
            if who.run_uid != 0 and (who.owner != who.run_owner or who.uid != who.run_uid):
                raise UnarchiveError("Cannot change ownership of %s to %s, as user %s"
                                     % (path, who.owner, who.run_owner))
            if owner and owner != who.owner:
                change = True
                err += "Path %s is owned by user %s, not by user %s as expected\n" % (
                    path, owner, who.owner)
                itemized[6] = "o"
            elif uid and uid != who.uid:
                change = True
                err += "Path %s is owned by uid %s, not by uid %s as expected\n" % (
                    path, uid, who.uid)
                itemized[6] = "o"

            group = gid = None
            try:
                group = grp.getgrgid(st.st_gid).gr_name
            except (KeyError, ValueError, OverflowError):
                gid = st.st_gid
            if (who.run_uid != 0 and (who.group != who.run_group or who.gid != who.run_gid)
                    and who.gid not in who.groups):
                raise UnarchiveError("Cannot change group ownership of %s to %s, as user %s"
                                     % (path, who.group, who.run_owner))
            if group and group != who.group:
                change = True
                err += "Path %s is owned by group %s, not by group %s as expected\n" % (
                    path, group, who.group)
                itemized[6] = "g"
            elif gid and gid != who.gid:
                change = True
                err += "Path %s is owned by gid %s, not by gid %s as expected\n" % (
                    path, gid, who.gid)
                itemized[6] = "g"

            if change:
                if path not in self.includes:
                    self.includes.append(path)
                diff += "%s %s\n" % ("".join(itemized), path)

        if self.includes:
            unarchived = False
        return {"unarchived": unarchived, "rc": rc, "out": out, "err": err, "cmd": cmd,
                "diff": diff}

    def unarchive(self):
        cmd = [self.cmd_path, "-o"]
        if self.opts:
            cmd.extend(self.opts)
        cmd.append(self.src)
        if self.excludes:
            cmd.extend(["-x"] + self.excludes)
        if self.include_files:
            cmd.extend(self.include_files)
        cmd.extend(["-d", self.dest])
        rc, out, err = ua_run(self.m, cmd)
        return {"cmd": cmd, "rc": rc, "out": out, "err": err}


class UaZipZ(UaZip):
    """ansible's ZipZArchive: zip without a zipinfo program (`unzip -Z`)."""

    name = "ZipZArchive"
    binaries = (("unzip", "cmd_path"), ("unzip", "zipinfo_cmd_path"))
    zipinfo_flag = "-Zl"

    def can_handle_archive(self):
        ok, reason = UaZip.can_handle_archive(self)
        if not ok:
            return ok, reason
        rc, out, err = ua_run(self.m, [self.zipinfo_cmd_path, self.zipinfo_flag])
        if "zipinfo" in out.lower():
            return True, None
        return False, 'Command "unzip -Z" could not handle archive: %s' % err


class UaTar(object):
    """ansible's TgzArchive and its siblings: GNU tar with a compression
    flag; "is unarchived" is what `tar --diff` reports."""

    def __init__(self, name, zipflag, src, dest, file_args, m, p):
        if m.check_mode:
            # ansible's handler exits from its constructor.
            raise UaExit({"skipped": True,
                          "msg": "remote module (%s) does not support check mode when using gtar"
                          % m.module_name})
        self.name = name
        self.zipflag = zipflag
        self.src = src
        self.dest = dest
        self.file_args = file_args
        self.m = m
        self.p = p
        self.opts = p["extra_opts"]
        self.excludes = [e.rstrip("/") for e in p["exclude"]]
        self.include_files = p["include"]
        self.cmd_path = None
        self._files = []
        self._locale = None

    def _env(self):
        if self._locale is None:
            self._locale = ua_parsable_locale(self.m)
        loc = self._locale
        return {"LANG": loc, "LC_ALL": loc, "LC_MESSAGES": loc, "LANGUAGE": loc}

    def _command(self, operation, with_file_args):
        cmd = [self.cmd_path, operation, "-C", self.dest]
        if self.zipflag:
            cmd.append(self.zipflag)
        if self.opts:
            cmd.extend(["--show-transformed-names"] + self.opts)
        if with_file_args:
            if self.file_args["owner"]:
                cmd.append("--owner=" + _ua_quote(self.file_args["owner"]))
            if self.file_args["group"]:
                cmd.append("--group=" + _ua_quote(self.file_args["group"]))
            if self.p["keep_newer"]:
                cmd.append("--keep-newer-files")
        if self.excludes:
            cmd.extend(["--exclude=" + e for e in self.excludes])
        cmd.extend(["-f", self.src])
        if self.include_files:
            cmd.extend(self.include_files)
        return cmd

    @property
    def files_in_archive(self):
        if self._files:
            return self._files
        cmd = self._command("--list", False)
        rc, out, err = ua_run(self.m, cmd, cwd=self.dest, env_update=self._env())
        if rc != 0:
            raise UnarchiveError("Unable to list files in the archive: %s" % err)
        for name in out.splitlines():
            # gtar writes non-ASCII names as octal escapes in some locales.
            name = _ua_codecs.escape_decode(name.encode("utf-8", "surrogateescape"))[0]
            name = name.decode("utf-8", "surrogateescape")
            # Absolute names are extracted under dest, as gtar does.
            if name.startswith("/"):
                name = name[1:]
            if not any(_ua_fnmatch(name, e) for e in self.excludes):
                self._files.append(name)
        return self._files

    def is_unarchived(self):
        cmd = self._command("--diff", True)
        rc, listing, err = ua_run(self.m, cmd, cwd=self.dest, env_update=self._env())
        out = ""
        root = os.getuid() == 0
        fa = self.file_args
        for line in listing.splitlines() + err.splitlines():
            if UA_EMPTY_NAME.search(line):
                continue
            # Differences the module sets anyway afterwards do not count.
            if root and not fa["owner"] and UA_OWNER_DIFF.search(line):
                out += line + "\n"
            if root and not fa["group"] and UA_GROUP_DIFF.search(line):
                out += line + "\n"
            if not fa["mode"] and UA_MODE_DIFF.search(line):
                out += line + "\n"
            for regex in UA_ALWAYS_DIFFER:
                if regex.search(line):
                    out += line + "\n"
        return {"unarchived": not out, "rc": rc, "out": out, "err": err, "cmd": cmd}

    def unarchive(self):
        cmd = self._command("--extract", True)
        rc, out, err = ua_run(self.m, cmd, cwd=self.dest, env_update=self._env())
        return {"cmd": cmd, "rc": rc, "out": out, "err": err}

    def _tar_type(self):
        rc, out, err = ua_run(self.m, [self.cmd_path, "--version"])
        if out.startswith("bsdtar"):
            return "bsd"
        if out.startswith("tar") and "GNU" in out:
            return "gnu"
        return None

    def can_handle_archive(self):
        self.cmd_path = self.m.get_bin_path("gtar") or self.m.get_bin_path("tar")
        if self.cmd_path is None:
            return False, "Unable to find required 'gtar' or 'tar' binary in the path"
        tar_type = self._tar_type()
        if tar_type != "gnu":
            return False, 'Command "%s" detected as tar type %s. GNU tar required.' % (
                self.cmd_path, tar_type)
        try:
            if self.files_in_archive:
                return True, None
        except UnarchiveError as e:
            return False, 'Command "%s" could not handle archive: %s' % (self.cmd_path, e)
        return False, ('Command "%s" found no files in archive. Empty archive files are not supported.'
                       % self.cmd_path)


class UaExit(Exception):
    """A handler ends the module early with this result (exit_json)."""

    def __init__(self, result):
        Exception.__init__(self, "exit")
        self.result = result


UA_TAR_FLAVOURS = (
    ("TgzArchive", "-z"),
    ("TarArchive", ""),
    ("TarBzipArchive", "-j"),
    ("TarXzArchive", "-J"),
    ("TarZstdArchive", "--use-compress-program=zstd"),
)


def ua_pick_handler(src, dest, file_args, m, p):
    """The first handler that can read the archive, in ansible's order."""
    makers = [lambda: UaZip(src, dest, file_args, m, p), lambda: UaZipZ(src, dest, file_args, m, p)]
    for name, flag in UA_TAR_FLAVOURS:
        makers.append(lambda name=name, flag=flag: UaTar(name, flag, src, dest, file_args, m, p))
    reasons = []
    for make in makers:
        handler = make()
        ok, reason = handler.can_handle_archive()
        if ok:
            return handler
        # ansible collects the reasons in a set: each once (its order
        # varies run to run; this is one of its orders).
        if reason not in reasons:
            reasons.append(reason)
    m.fail('Failed to find handler for "%s". Make sure the required command to extract the file '
           'is installed.\n%s' % (src, "\n".join(reasons)))


def ua_split_multiext(name, low=3, high=4, count=2):
    """urls._split_multiext: up to `count` trailing extensions of 3 or 4
    characters, stopping at the first other one (the name is cut with
    rstrip, as ansible does)."""
    if name.endswith("."):
        suffixes = []
    else:
        suffixes = ["." + x for x in name.lstrip(".").split(".")[1:]]
    extension = ""
    for i, sfx in enumerate(reversed(suffixes)):
        if i >= count or not low <= len(sfx) <= high:
            break
        extension = sfx + extension
        name = name.rstrip(sfx)
    return name, extension


def ua_fetch_file(agent, header, m, p, url):
    """fetch_file: the URL downloaded (with the task's environment for
    proxies and netrc) into a temp file named after it in the module's
    temp dir; its path, removed when the module ends."""
    name = os.path.basename(_net_urlparse.urlparse(url).path)
    prefix, ext = ua_split_multiext(name)
    target = _ua_tempfile.NamedTemporaryFile(dir=m.tmpdir, prefix=prefix, suffix=ext,
                                             delete=False)
    m.download = target.name
    # fetch_url reads these from the module's parameters; unarchive has
    # only validate_certs, the rest are fetch_url's defaults.
    options = {"validate_certs": p["validate_certs"], "http_agent": "ansible-httpget"}

    def get():
        try:
            response, info = fetch(m, options, url)
            if not response or (response.code and response.code >= 400):
                m.fail("Failure downloading %s, %s" % (mask_url(url), info["msg"]))
            while True:
                block = response.read(65536)
                if not block:
                    break
                target.write(block)
            target.close()
        except ModuleFail:
            raise
        except FetchFail as e:
            raise ModuleFail(**e.result)
        except Exception as e:
            m.fail("Failure downloading %s, %s" % (mask_url(url), e))
    with_task_environment(agent, header, get)
    return target.name


def ua_error_summary(e):
    """fail_json(exception=e) as 2.19 serializes it."""
    return {"event": exception_event(e), "__ansible_type": "ErrorSummary"}


def ua_set_attributes(m, file_args, path, changed, res):
    """set_fs_attributes_if_different on one extracted path; an OSError
    fails the module with what was done so far."""
    args = dict(file_args)
    args["path"] = path
    try:
        return m.set_fs_attributes_if_different(args, changed, expand=False)
    except OSError as e:
        m.fail("Unexpected error when accessing exploded file.", exception=ua_error_summary(e),
               **res)


def unarchive_body(agent, header, p, m):
    src = p["src"]
    dest = p["dest"]
    abs_dest = os.path.abspath(dest)
    if not os.path.isabs(dest):
        m.warn("Relative destination path '%s' was resolved to absolute path '%s'."
               % (dest, abs_dest))
    file_args = m.file_args(p)

    if not os.path.exists(src):
        if not p["remote_src"]:
            m.fail("Source '%s' failed to transfer" % src)
        elif "://" in src:
            src = ua_fetch_file(agent, header, m, p, src)
        else:
            m.fail("Source '%s' does not exist" % src)
    if not os.access(src, os.R_OK):
        m.fail("Source '%s' not readable" % src)
    src = os.path.abspath(src)
    try:
        if os.path.getsize(src) == 0:
            m.fail("Invalid archive '%s', the file is 0 bytes" % src)
    except OSError as e:
        m.fail("Source '%s' not readable, %s" % (src, e))
    if not os.path.isdir(abs_dest):
        m.fail("Destination '%s' is not a directory" % dest)

    try:
        handler = ua_pick_handler(src, abs_dest, file_args, m, p)
    except UaExit as done:
        return done.result
    res = {"handler": handler.name, "dest": dest, "src": src}
    # An UnarchiveError here escapes, as it does from ansible's main().
    check = handler.is_unarchived()

    if m.check_mode:
        res["changed"] = not check["unarchived"]
    elif check["unarchived"]:
        res["changed"] = False
    else:
        try:
            res["extract_results"] = handler.unarchive()
        except OSError as e:
            m.fail("Failed to unpack %r to %r." % (src, dest), exception=ua_error_summary(e), **res)
        if res["extract_results"]["rc"] != 0:
            m.fail("failed to unpack %s to %s" % (src, dest), **res)
        res["changed"] = True

    if check.get("diff"):
        res["diff"] = {"prepared": check["diff"]}

    if res.get("diff", True) and not m.check_mode:
        top_folders = []
        for name in handler.files_in_archive:
            res["changed"] = ua_set_attributes(m, file_args, os.path.join(abs_dest, name),
                                               res["changed"], res)
            if "/" in name:
                top = name.split("/")[0]
                if top not in top_folders:
                    top_folders.append(top)
        # The top folders too (ansible issue 35426), named from dest as given.
        for top in top_folders:
            res["changed"] = ua_set_attributes(m, file_args, "%s/%s" % (dest, top),
                                               res["changed"], res)

    if p["list_files"]:
        res["files"] = handler.files_in_archive
    return res


@native("unarchive")
def native_unarchive(agent, args, header):
    def body(p, m):
        m.module_name = args.get("_ansible_module_name") or "unarchive"
        m.download = None
        try:
            return unarchive_body(agent, header, p, m)
        finally:
            # ansible's cleanup file: the download goes when the module ends.
            if m.download is not None:
                try:
                    os.unlink(m.download)
                except OSError:
                    pass
    return run_module_body("unarchive", UNARCHIVE_SPEC, args, header, body)
