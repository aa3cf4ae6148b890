# mitorun agent: what AnsibleModule gives file-handling modules, stdlib
# only: the common file arguments (mode, owner, group, attributes), their
# "set if different" logic with check mode and diff, symbolic modes,
# lsattr/chattr, add_path_info, checksums. Behaviour follows
# ansible-core 2.19's module_utils/basic.py so native results match.

import grp
import pwd
import re
import shlex
import shutil as _fs_shutil
import subprocess
import tempfile
import time as _fs_time

FILE_ATTRIBUTES = {
    "A": "noatime", "a": "append", "c": "compressed", "C": "nocow", "d": "nodump",
    "D": "dirsync", "e": "extents", "E": "encrypted", "h": "blocksize", "i": "immutable",
    "I": "indexed", "j": "journalled", "N": "inline", "s": "zero", "S": "synchronous",
    "t": "notail", "T": "blockroot", "u": "undelete", "X": "compressedraw",
    "Z": "compresseddirty",
}

# The common file arguments every file-handling module accepts
# (add_file_common_args=True).
FILE_COMMON_SPEC = {
    "mode": {"type": "raw"},
    "owner": {"type": "str"},
    "group": {"type": "str"},
    "seuser": {"type": "str"},
    "serole": {"type": "str"},
    "selevel": {"type": "str"},
    "setype": {"type": "str"},
    "attributes": {"type": "str", "aliases": ["attr"]},
    "unsafe_writes": {"type": "bool", "default": False,
                      "fallback": (env_fallback, ["ANSIBLE_UNSAFE_WRITES"])},
}

MODE_OPERATOR_RE = re.compile(r"[+=-]")
USERS_RE = re.compile(r"^[ugo]+$")
PERMS_RE = re.compile(r"^[rwxXstugo]*$")
PERM_BITS = 0o7777
S_IXANY = 0o111



def bin_search_dirs(path_env, opt_dirs=()):
    """ansible's get_bin_path search list: the opt_dirs that exist, PATH,
    then the sbin dirs PATH lacks."""
    dirs = [d for d in opt_dirs if d is not None and os.path.exists(d)]
    dirs += path_env.split(os.pathsep)
    for d in ("/sbin", "/usr/sbin", "/usr/local/sbin"):
        if d not in dirs and os.path.exists(d):
            dirs.append(d)
    return dirs


def find_bin(name, dirs):
    """The first `name` in `dirs` that is not a directory and has an
    execute bit (ansible's is_executable reads the mode, not access()),
    or None."""
    for d in dirs:
        if not d:
            continue
        path = os.path.join(d, name)
        try:
            mode = os.stat(path).st_mode
        except (OSError, ValueError):
            continue
        if not _stat.S_ISDIR(mode) and mode & (_stat.S_IXUSR | _stat.S_IXGRP | _stat.S_IXOTH):
            return path
    return None

class Mod(object):
    """The parts of AnsibleModule a native module uses: check mode, diff,
    warnings, failing with ansible's wording."""

    def __init__(self, args, header):
        self.check_mode = bool(args.get("_ansible_check_mode"))
        self.diff = bool(args.get("_ansible_diff"))
        self.warnings = []
        self.deprecations = []
        self._tmpdir = args.get("_ansible_tmpdir")
        self._own_tmpdir = None
        self._tmp_base = header.get("agent_tmpdir")
        self.env = module_env(header)

    @property
    def tmpdir(self):
        """The module's temp dir: the one the caller gave, else a new one in
        the agent's private temp dir, removed when the module is done."""
        if self._tmpdir is None:
            self._tmpdir = self._own_tmpdir = tempfile.mkdtemp(
                prefix="ansible-moduletmp-%s-" % _fs_time.time(), dir=self._tmp_base)
        return self._tmpdir

    def cleanup(self):
        if self._own_tmpdir is not None:
            _fs_shutil.rmtree(self._own_tmpdir, ignore_errors=True)
            self._own_tmpdir = None

    def warn(self, msg):
        self.warnings.append(msg)

    def deprecate(self, msg, version=None, date=None):
        self.deprecations.append({"msg": msg, "version": version, "date": date})

    def fail(self, msg, **kw):
        kw["msg"] = msg
        raise ModuleFail(**kw)

    def get_bin_path(self, name):
        return find_bin(name, bin_search_dirs(os.environ.get("PATH", "")))

    def run_command(self, argv, data=None, cwd=None):
        """run_command's behaviour for list argv: C locale, no shell."""
        env = dict(self.env)
        env.update(LANG="C", LC_ALL="C", LC_MESSAGES="C")
        argv = [a if isinstance(a, bytes) else str(a) for a in argv]
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE if data is not None else subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, close_fds=True,
                                env=env, cwd=cwd)
        out, err = proc.communicate(data)
        return (proc.returncode, out.decode("utf-8", "surrogateescape"),
                err.decode("utf-8", "surrogateescape"))

    def run_command_line(self, line):
        """run_command for a command line given as text: split as a shell
        would (no shell runs), ~ and $VARs expanded in every word."""
        argv = [os.path.expanduser(os.path.expandvars(a)) for a in shlex.split(line)]
        try:
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, close_fds=True, env=dict(self.env))
        except OSError as e:
            self.fail("Error executing command.", rc=e.errno, stdout="", stderr="",
                      cmd=" ".join(shlex.quote(a) for a in argv))
        out, err = proc.communicate()
        return (proc.returncode, out.decode("utf-8", "surrogateescape"),
                err.decode("utf-8", "surrogateescape"))

    # -- attributes (lsattr / chattr) ------------------------------------

    def get_file_attributes(self, path, include_version=True):
        output = {}
        cmd = self.get_bin_path("lsattr")
        if cmd:
            try:
                rc, out, err = self.run_command([cmd, "-vd" if include_version else "-d", path])
                if rc == 0:
                    res = out.split()
                    idx = 0
                    if include_version:
                        idx = 1
                        output["version"] = res[0].strip()
                    output["attr_flags"] = res[idx].replace("-", "").strip()
                    output["attributes"] = [FILE_ATTRIBUTES[a] for a in output["attr_flags"]
                                            if a in FILE_ATTRIBUTES]
            except Exception:
                pass
        return output

    # -- the common file arguments ---------------------------------------

    def file_args(self, params, path=None):
        if path is None:
            path = params.get("path", params.get("dest"))
        if path is None:
            return {}
        path = os.path.expanduser(os.path.expandvars(path))
        if params.get("follow", False) and os.path.islink(path):
            path = os.path.realpath(path)
        return {"path": path, "mode": params.get("mode"), "owner": params.get("owner"),
                "group": params.get("group"), "attributes": params.get("attributes")}

    def absent_in_check_mode(self, path):
        return self.check_mode and not os.path.exists(path)

    def set_owner_if_different(self, path, owner, changed, diff=None, expand=True):
        if owner is None:
            return changed
        if expand:
            path = os.path.expanduser(os.path.expandvars(path))
        if self.absent_in_check_mode(path):
            return True
        orig_uid = os.lstat(path).st_uid
        try:
            uid = int(owner)
        except ValueError:
            try:
                uid = pwd.getpwnam(owner).pw_uid
            except KeyError:
                self.fail("chown failed: failed to look up user %s" % owner, path=path)
        if orig_uid != uid:
            if diff is not None:
                diff.setdefault("before", {})["owner"] = orig_uid
                diff.setdefault("after", {})["owner"] = uid
            if self.check_mode:
                return True
            try:
                os.lchown(path, uid, -1)
            except OSError as e:
                # 2.19 words it so, the OSError goes in `exception`.
                self.fail("chown failed", path=path,
                          exception={"event": exception_event(e),
                                     "__ansible_type": "ErrorSummary"})
            changed = True
        return changed

    def set_group_if_different(self, path, group, changed, diff=None, expand=True):
        if group is None:
            return changed
        if expand:
            path = os.path.expanduser(os.path.expandvars(path))
        if self.absent_in_check_mode(path):
            return True
        orig_gid = os.lstat(path).st_gid
        try:
            gid = int(group)
        except ValueError:
            try:
                gid = grp.getgrnam(group).gr_gid
            except KeyError:
                self.fail("chgrp failed: failed to look up group %s" % group, path=path)
        if orig_gid != gid:
            if diff is not None:
                diff.setdefault("before", {})["group"] = orig_gid
                diff.setdefault("after", {})["group"] = gid
            if self.check_mode:
                return True
            try:
                os.lchown(path, -1, gid)
            except OSError:
                self.fail("chgrp failed", path=path)
            changed = True
        return changed

    def set_mode_if_different(self, path, mode, changed, diff=None, expand=True):
        if mode is None:
            return changed
        if expand:
            path = os.path.expanduser(os.path.expandvars(path))
        if self.absent_in_check_mode(path):
            return True
        path_stat = os.lstat(path)
        if not isinstance(mode, int):
            try:
                mode = int(mode, 8)
            except Exception:
                try:
                    mode = symbolic_mode_to_octal(path_stat, mode)
                except Exception as e:
                    self.fail("mode must be in octal or symbolic form", path=path, details=str(e))
                if mode != _stat.S_IMODE(mode):
                    self.fail("Invalid mode supplied, only permission info is allowed",
                              path=path, details=mode)
        prev_mode = _stat.S_IMODE(path_stat.st_mode)
        if prev_mode != mode:
            if diff is not None:
                diff.setdefault("before", {})["mode"] = "0%03o" % prev_mode
                diff.setdefault("after", {})["mode"] = "0%03o" % mode
            if self.check_mode:
                return True
            try:
                if not os.path.islink(path):
                    os.chmod(path, mode)
                else:
                    # No lchmod on Linux: chmod follows the link; undo a
                    # change to the target, as AnsibleModule does.
                    under = os.stat(path)
                    os.chmod(path, mode)
                    if under.st_mode != os.stat(path).st_mode:
                        os.chmod(path, _stat.S_IMODE(under.st_mode))
            except OSError as e:
                if os.path.islink(path) and e.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
                    pass
                elif e.errno in (errno.ENOENT, errno.ELOOP):
                    pass
                else:
                    self.fail("chmod failed", path=path, details=str(e))
            if _stat.S_IMODE(os.lstat(path).st_mode) != prev_mode:
                changed = True
        return changed

    def set_attributes_if_different(self, path, attributes, changed, diff=None, expand=True):
        if attributes is None:
            return changed
        if expand:
            path = os.path.expanduser(os.path.expandvars(path))
        if self.absent_in_check_mode(path):
            return True
        existing = self.get_file_attributes(path, include_version=False)
        op = "="
        if attributes.startswith(("-", "+")):
            op, attributes = attributes[0], attributes[1:]
        if attributes and (existing.get("attr_flags", "") != attributes or op == "-"):
            cmd = self.get_bin_path("chattr")
            if cmd:
                changed = True
                if diff is not None:
                    diff.setdefault("before", {})["attributes"] = existing.get("attr_flags")
                    diff.setdefault("after", {})["attributes"] = op + attributes
                if not self.check_mode:
                    try:
                        rc, out, err = self.run_command([cmd, op + attributes, path])
                        if rc != 0 or err:
                            raise Exception("Error while setting attributes: %s" % (out + err))
                    except Exception as e:
                        self.fail("chattr failed", path=path, details=str(e))
        return changed

    def set_fs_attributes_if_different(self, file_args, changed, diff=None, expand=True):
        # expand=False: the path is taken as it is (unarchive's extracted
        # names may hold `$` or start with `~`).
        path = file_args["path"]
        changed = self.set_owner_if_different(path, file_args["owner"], changed, diff, expand)
        changed = self.set_group_if_different(path, file_args["group"], changed, diff, expand)
        changed = self.set_mode_if_different(path, file_args["mode"], changed, diff, expand)
        changed = self.set_attributes_if_different(path, file_args["attributes"], changed, diff,
                                                   expand)
        return changed


def add_path_info(result):
    """AnsibleModule.add_path_info: owner, group, mode, state, size of the
    result's path (or dest) when it exists."""
    path = result.get("path", result.get("dest"))
    if path is None or not isinstance(path, str) or not os.path.exists(path):
        return result
    st = os.lstat(path)
    result["uid"], result["gid"] = st.st_uid, st.st_gid
    try:
        result["owner"] = pwd.getpwuid(st.st_uid)[0]
    except KeyError:
        result["owner"] = str(st.st_uid)
    try:
        result["group"] = grp.getgrgid(st.st_gid)[0]
    except KeyError:
        result["group"] = str(st.st_gid)
    result["mode"] = "0%03o" % _stat.S_IMODE(st.st_mode)
    if os.path.islink(path):
        result["state"] = "link"
    elif os.path.isdir(path):
        result["state"] = "directory"
    elif os.stat(path).st_nlink > 1:
        result["state"] = "hard"
    else:
        result["state"] = "file"
    result["size"] = st.st_size
    return result


def symbolic_mode_to_octal(path_stat, symbolic_mode):
    """chmod's symbolic modes ("u=rw-x+X,g=r-x+X,o=r-x+X") as AnsibleModule
    reads them."""
    new_mode = _stat.S_IMODE(path_stat.st_mode)
    for mode in symbolic_mode.split(","):
        permlist = MODE_OPERATOR_RE.split(mode)
        opers = MODE_OPERATOR_RE.findall(mode)
        users = permlist.pop(0)
        use_umask = users == ""
        if users == "a" or users == "":
            users = "ugo"
        if not USERS_RE.match(users):
            raise ValueError("bad symbolic permission for mode: %s" % mode)
        for idx, perms in enumerate(permlist):
            if not PERMS_RE.match(perms):
                raise ValueError("bad symbolic permission for mode: %s" % mode)
            for user in users:
                to_apply = symbolic_perms(path_stat, user, perms, use_umask, new_mode)
                new_mode = apply_mode_operation(user, opers[idx], to_apply, new_mode)
    return new_mode


def apply_mode_operation(user, operator, to_apply, current):
    if operator == "=":
        mask = {"u": _stat.S_IRWXU | _stat.S_ISUID, "g": _stat.S_IRWXG | _stat.S_ISGID,
                "o": _stat.S_IRWXO | _stat.S_ISVTX}[user]
        return (current & (mask ^ PERM_BITS)) | to_apply
    if operator == "+":
        return current | to_apply
    return current - (current & to_apply)


def symbolic_perms(path_stat, user, perms, use_umask, prev_mode):
    is_dir = _stat.S_ISDIR(path_stat.st_mode)
    apply_x = is_dir or (prev_mode & S_IXANY) > 0
    umask = os.umask(0)
    os.umask(umask)
    rev = umask ^ PERM_BITS

    def m(bit):
        return rev & bit if use_umask else bit

    table = {
        "u": {"r": m(_stat.S_IRUSR), "w": m(_stat.S_IWUSR), "x": m(_stat.S_IXUSR),
              "s": _stat.S_ISUID, "t": 0, "u": prev_mode & _stat.S_IRWXU,
              "g": (prev_mode & _stat.S_IRWXG) << 3, "o": (prev_mode & _stat.S_IRWXO) << 6,
              "X": _stat.S_IXUSR if apply_x else 0},
        "g": {"r": m(_stat.S_IRGRP), "w": m(_stat.S_IWGRP), "x": m(_stat.S_IXGRP),
              "s": _stat.S_ISGID, "t": 0, "u": (prev_mode & _stat.S_IRWXU) >> 3,
              "g": prev_mode & _stat.S_IRWXG, "o": (prev_mode & _stat.S_IRWXO) << 3,
              "X": _stat.S_IXGRP if apply_x else 0},
        "o": {"r": m(_stat.S_IROTH), "w": m(_stat.S_IWOTH), "x": m(_stat.S_IXOTH),
              "s": 0, "t": _stat.S_ISVTX, "u": (prev_mode & _stat.S_IRWXU) >> 6,
              "g": (prev_mode & _stat.S_IRWXG) >> 3, "o": prev_mode & _stat.S_IRWXO,
              "X": _stat.S_IXOTH if apply_x else 0},
    }
    mode = 0
    for p in perms:
        mode |= table[user][p]
    return mode


def digest_from_file(path, algorithm):
    if not os.path.exists(path):
        return None
    if os.path.isdir(path):
        raise ModuleFail(msg="attempted to take checksum of directory: %s" % path)
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        while True:
            block = f.read(64 * 1024)
            if not block:
                break
            h.update(block)
    return h.hexdigest()


# ansible's default mode for a file atomic_move creates (before umask).
S_IRWU_RWG_RWO = 0o666


def backup_local(m, path):
    """A date-marked copy beside the file, owner and attributes kept."""
    if not os.path.exists(path):
        return ""
    ext = _fs_time.strftime("%Y-%m-%d@%H:%M:%S~", _fs_time.localtime(_fs_time.time()))
    dest = "%s.%s.%s" % (path, os.getpid(), ext)
    if not m.check_mode:
        try:
            _fs_shutil.copy2(path, dest)
        except (_fs_shutil.Error, IOError) as e:
            raise Exception("Could not make backup of %r to %r." % (path, dest)) from e
        try:
            src_st, dst_st = os.stat(path), os.stat(dest)
            if (dst_st.st_uid, dst_st.st_gid) != (src_st.st_uid, src_st.st_gid):
                os.chown(dest, src_st.st_uid, src_st.st_gid)
        except OSError as e:
            if e.errno != errno.EPERM:
                raise
        flags = m.get_file_attributes(path, include_version=False).get("attr_flags", "")
        m.set_attributes_if_different(dest, flags, True)
    return dest


def write_in_place(src, dest):
    """unsafe_writes: overwrite dest's content, not atomic."""
    try:
        with open(dest, "wb") as out, open(src, "rb") as data:
            _fs_shutil.copyfileobj(data, out)
    except (_fs_shutil.Error, OSError) as e:
        raise Exception("Could not write data to file %r from %r." % (dest, src)) from e


# Rename failures that a copy beside the destination may get around.
RENAME_WORKAROUND_ERRNOS = (errno.EPERM, errno.EXDEV, errno.EACCES, errno.ETXTBSY, errno.EBUSY)


def move_via_sibling(src, dest, dest_stat, unsafe_writes, keep_dest_attrs):
    """The rename failed (another file system, a busy file...): copy src to
    a temp file beside dest and rename that; unsafe_writes overwrites dest
    in place when even that is impossible."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=".ansible_tmp", dir=os.path.dirname(dest),
                                   suffix=os.path.basename(dest))
    except OSError as e:
        if unsafe_writes:
            write_in_place(src, dest)
            return
        raise Exception("The destination directory %r is not writable by the current user."
                        % os.path.dirname(dest)) from e
    copy = _fs_shutil.copy if keep_dest_attrs else _fs_shutil.copy2
    try:
        try:
            os.close(fd)
            try:
                _fs_shutil.move(src, tmp, copy_function=copy)
            except OSError:
                copy(src, tmp)
            try:
                if keep_dest_attrs:
                    st = os.stat(tmp)
                    if dest_stat and (st.st_uid, st.st_gid) != (dest_stat.st_uid, dest_stat.st_gid):
                        os.chown(tmp, dest_stat.st_uid, dest_stat.st_gid)
                    os.utime(tmp, times=(_fs_time.time(), _fs_time.time()))
            except OSError as e:
                if e.errno != errno.EPERM:
                    raise
            try:
                os.rename(tmp, dest)
            except (_fs_shutil.Error, OSError) as e:
                if unsafe_writes and getattr(e, "errno", None) == errno.EBUSY:
                    write_in_place(tmp, dest)
                else:
                    raise Exception("Unable to make %r into to %r, failed final rename from %r."
                                    % (src, dest, tmp)) from e
        except (_fs_shutil.Error, OSError) as e:
            if not unsafe_writes:
                raise Exception("Failed to replace %r with %r." % (dest, src)) from e
            write_in_place(src, dest)
    finally:
        if os.path.exists(tmp):
            try:
                os.unlink(tmp)
            except OSError:
                pass


def atomic_move(m, src, dest, unsafe_writes=False, keep_dest_attrs=True):
    """AnsibleModule.atomic_move: rename into place, taking the old file's
    owner and mode when keep_dest_attrs; a new file gets 0666 & ~umask."""
    dest_stat = None
    if os.path.exists(dest) and keep_dest_attrs:
        try:
            dest_stat = os.stat(dest)
            os.chown(src, dest_stat.st_uid, dest_stat.st_gid)
            _fs_shutil.copystat(dest, src)
            os.utime(src, times=(_fs_time.time(), _fs_time.time()))
        except OSError as e:
            if e.errno != errno.EPERM:
                raise
    creating = not os.path.exists(dest)
    try:
        os.rename(src, dest)
    except OSError as e:
        if e.errno not in RENAME_WORKAROUND_ERRNOS:
            raise Exception("Could not replace %r with %r." % (dest, src)) from e
        move_via_sibling(src, dest, dest_stat, unsafe_writes, keep_dest_attrs)
    if creating:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(dest, S_IRWU_RWG_RWO & ~umask)
        dir_st = os.stat(os.path.dirname(dest))
        try:
            if dir_st.st_mode & _stat.S_ISGID:
                os.chown(dest, os.geteuid(), dir_st.st_gid)
            else:
                os.chown(dest, os.geteuid(), os.getegid())
        except OSError:
            pass


def write_validated(m, data, dest, validate, unsafe_writes):
    """What lineinfile, blockinfile and replace do to save: the new content
    goes to a temp file in the module's temp dir, `validate` (with %s for
    that file) must accept it, then it replaces dest atomically."""
    fd, tmp = tempfile.mkstemp(dir=m.tmpdir)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    if validate:
        if "%s" not in validate:
            m.fail("validate must contain %%s: %s" % validate)
        rc, out, err = m.run_command_line(validate % tmp)
        if rc != 0:
            m.fail("failed to validate: rc:%s error:%s" % (rc, err))
    atomic_move(m, tmp, dest, unsafe_writes=unsafe_writes)


def note_attribute_changes(m, params, changed, msg, diff=None):
    """Apply the common file arguments after a content change; the message
    says so as ansible's modules word it."""
    if m.set_fs_attributes_if_different(m.file_args(params), False, diff):
        if changed:
            msg += " and "
        changed = True
        msg += "ownership, perms or SE linux context changed"
    return msg, changed


def content_diff(path):
    """The content part of a text module's diff, empty until filled."""
    return {"before": "", "after": "", "before_header": "%s (content)" % path,
            "after_header": "%s (content)" % path}


def attributes_diff(path, diff):
    diff["before_header"] = "%s (file attributes)" % path
    diff["after_header"] = "%s (file attributes)" % path
    return diff


# The line separator the text modules write.
LINESEP = os.linesep.encode()


def as_bytes(text):
    """File bytes for module text (surrogates back to the bytes they were)."""
    return text.encode("utf-8", "surrogateescape")


def as_text(data):
    """Module output text from file bytes (undecodable bytes kept as
    surrogates, as ansible's to_native does)."""
    return data.decode("utf-8", "surrogateescape")


def mount_sizes(path):
    """The size/block/inode keys ansible's mount facts (setup's mounts,
    mount_facts) report for a mounted filesystem; none when it cannot be
    statted."""
    size = {}
    try:
        st = os.statvfs(path)
        size["size_total"] = st.f_frsize * st.f_blocks
        size["size_available"] = st.f_frsize * st.f_bavail
        size["block_size"] = st.f_bsize
        size["block_total"] = st.f_blocks
        size["block_available"] = st.f_bavail
        size["block_used"] = st.f_blocks - st.f_bavail
        size["inode_total"] = st.f_files
        size["inode_available"] = st.f_favail
        size["inode_used"] = st.f_files - st.f_favail
    except OSError:
        pass
    return size
