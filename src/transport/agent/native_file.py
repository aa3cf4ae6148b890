# mitorun agent: native stat, file and tempfile, matching ansible-core
# 2.19's modules result for result (keys, changed, msg, check mode, diff).

STAT_SPEC = ArgSpec({
    "path": {"type": "path", "required": True, "aliases": ["dest", "name"]},
    "follow": {"type": "bool", "default": False},
    "get_checksum": {"type": "bool", "default": True},
    "get_mime": {"type": "bool", "default": True, "aliases": ["mime", "mime_type", "mime-type"]},
    "get_attributes": {"type": "bool", "default": True, "aliases": ["attr", "attributes"]},
    "checksum_algorithm": {"type": "str", "default": "sha1", "aliases": ["checksum", "checksum_algo"],
                           "choices": ["md5", "sha1", "sha224", "sha256", "sha384", "sha512"]},
})

# Platform fields stat adds when os.stat_result has them.
STAT_EXTRA = [("st_blocks", "blocks"), ("st_blksize", "block_size"), ("st_rdev", "device_type"),
              ("st_flags", "flags"), ("st_gen", "generation"), ("st_birthtime", "birthtime"),
              ("st_ftype", "file_type"), ("st_attrs", "attrs"), ("st_obtype", "object_type"),
              ("st_rsize", "real_size"), ("st_creator", "creator"), ("st_type", "file_type")]


def stat_output(path, st):
    mode = st.st_mode
    out = dict(
        exists=True, path=path, mode="%04o" % _stat.S_IMODE(mode),
        isdir=_stat.S_ISDIR(mode), ischr=_stat.S_ISCHR(mode), isblk=_stat.S_ISBLK(mode),
        isreg=_stat.S_ISREG(mode), isfifo=_stat.S_ISFIFO(mode), islnk=_stat.S_ISLNK(mode),
        issock=_stat.S_ISSOCK(mode), uid=st.st_uid, gid=st.st_gid, size=st.st_size,
        inode=st.st_ino, dev=st.st_dev, nlink=st.st_nlink, atime=st.st_atime,
        mtime=st.st_mtime, ctime=st.st_ctime,
        wusr=bool(mode & _stat.S_IWUSR), rusr=bool(mode & _stat.S_IRUSR),
        xusr=bool(mode & _stat.S_IXUSR), wgrp=bool(mode & _stat.S_IWGRP),
        rgrp=bool(mode & _stat.S_IRGRP), xgrp=bool(mode & _stat.S_IXGRP),
        woth=bool(mode & _stat.S_IWOTH), roth=bool(mode & _stat.S_IROTH),
        xoth=bool(mode & _stat.S_IXOTH), isuid=bool(mode & _stat.S_ISUID),
        isgid=bool(mode & _stat.S_ISGID),
    )
    for attr, key in STAT_EXTRA:
        if hasattr(st, attr):
            out[key] = getattr(st, attr)
    return out


@native("stat")
def native_stat(agent, args, header):
    def body(p, m):
        path = p["path"]
        try:
            st = os.stat(path) if p["follow"] else os.lstat(path)
        except FileNotFoundError:
            return {"changed": False, "stat": {"exists": False}}
        except OSError as e:
            m.fail(e.strerror)
        out = stat_output(path, st)
        for key, flag in (("readable", os.R_OK), ("writeable", os.W_OK), ("executable", os.X_OK)):
            out[key] = os.access(path, flag)
        if out.get("islnk"):
            out["lnk_source"] = os.path.realpath(path)
            out["lnk_target"] = os.readlink(path)
        try:
            out["pw_name"] = pwd.getpwuid(st.st_uid).pw_name
        except (TypeError, KeyError):
            pass
        try:
            out["gr_name"] = grp.getgrgid(st.st_gid).gr_name
        except (KeyError, ValueError, OverflowError):
            pass
        if out.get("isreg") and out.get("readable") and p["get_checksum"]:
            out["checksum"] = digest_from_file(path, p["checksum_algorithm"])
        if p["get_mime"]:
            out["mimetype"] = out["charset"] = "unknown"
            cmd = m.get_bin_path("file")
            if cmd:
                try:
                    rc, o, _ = m.run_command([cmd, "--mime-type", "--mime-encoding", path])
                    if rc == 0:
                        mimetype, charset = o.rsplit(":", 1)[1].split(";")
                        out["mimetype"] = mimetype.strip()
                        out["charset"] = charset.split("=")[1].strip()
                except Exception:
                    pass
        if p["get_attributes"]:
            out["version"] = None
            out["attributes"] = []
            out["attr_flags"] = ""
            got = m.get_file_attributes(path)
            for k in ("version", "attributes", "attr_flags"):
                if k in got:
                    out[k] = got[k]
        return {"changed": False, "stat": out}
    return run_module_body("stat", STAT_SPEC, args, header, body)


TEMPFILE_SPEC = ArgSpec({
    "state": {"type": "str", "default": "file", "choices": ["file", "directory"]},
    "path": {"type": "path"},
    "prefix": {"type": "str", "default": "ansible."},
    "suffix": {"type": "str", "default": ""},
})


@native("tempfile")
def native_tempfile(agent, args, header):
    def body(p, m):
        prefix, suffix = p["prefix"], p["suffix"]
        if prefix and prefix != os.path.basename(prefix):
            m.fail("prefix must be a valid file name component, got %r" % prefix)
        if suffix and suffix != os.path.basename(suffix):
            m.fail("suffix must be a valid file name component, got %r" % suffix)
        try:
            if p["state"] == "file":
                fd, path = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=p["path"])
                os.close(fd)
            else:
                path = tempfile.mkdtemp(prefix=prefix, suffix=suffix, dir=p["path"])
        except Exception as e:
            m.fail(str(e))
        return {"changed": True, "path": path}
    return run_module_body("tempfile", TEMPFILE_SPEC, args, header, body,
                           supports_check_mode=False)


FILE_SPEC = ArgSpec({
    "state": {"type": "str", "choices": ["absent", "directory", "file", "hard", "link", "touch"]},
    "path": {"type": "path", "required": True, "aliases": ["dest", "name"]},
    "_original_basename": {"type": "str"},
    "recurse": {"type": "bool", "default": False},
    "force": {"type": "bool", "default": False},
    "follow": {"type": "bool", "default": True},
    "_diff_peek": {"type": "bool"},
    "src": {"type": "path"},
    "modification_time": {"type": "str"},
    "modification_time_format": {"type": "str", "default": "%Y%m%d%H%M.%S"},
    "access_time": {"type": "str"},
    "access_time_format": {"type": "str", "default": "%Y%m%d%H%M.%S"},
}).extended(FILE_COMMON_SPEC)

# `now` for timestamps (ansible's Sentinel).
NOW = object()


def file_state(path):
    try:
        if os.path.lexists(path):
            if os.path.islink(path):
                return "link"
            if os.path.isdir(path):
                return "directory"
            if os.stat(path).st_nlink > 1:
                return "hard"
            return "file"
        return "absent"
    except FileNotFoundError:
        return "absent"


def initial_diff(path, state, prev_state):
    diff = {"before": {"path": path}, "after": {"path": path}}
    if prev_state != state:
        diff["before"]["state"] = prev_state
        diff["after"]["state"] = state
        if state == "absent" and prev_state == "directory":
            walk = {"directories": [], "files": []}
            for base, dirs, files in os.walk(path):
                walk["directories"].extend(os.path.join(base, d) for d in dirs)
                walk["files"].extend(os.path.join(base, f) for f in files)
            diff["before"]["path_content"] = walk
    return diff


def timestamp_for(m, formatted, fmt):
    if formatted == "preserve":
        return None
    if formatted == "now":
        return NOW
    try:
        return _fs_time.mktime(_fs_time.strptime(formatted, fmt))
    except (ValueError, OverflowError) as e:
        m.fail("Error while obtaining timestamp for time %s using format %s: %s" % (formatted, fmt, e))


def update_timestamp(m, path, mtime, atime, diff=None):
    try:
        if mtime is NOW and atime is NOW:
            # utime(path, None) needs no ownership of the file; the diff
            # shows the current time, as ansible does.
            mtime = atime = _fs_time.time()
            st = os.stat(path)
            prev_m, prev_a = st.st_mtime, st.st_atime
            set_time = None
        else:
            if mtime is None and atime is None:
                return False
            st = os.stat(path)
            prev_m, prev_a = st.st_mtime, st.st_atime
            if mtime is None:
                mtime = prev_m
            elif mtime is NOW:
                mtime = _fs_time.time()
            if atime is None:
                atime = prev_a
            elif atime is NOW:
                atime = _fs_time.time()
            if mtime == prev_m and atime == prev_a:
                return False
            set_time = (atime, mtime)
        if not m.check_mode:
            os.utime(path, set_time)
        if diff is not None:
            diff.setdefault("before", {})
            diff.setdefault("after", {})
            if mtime != prev_m:
                diff["before"]["mtime"] = prev_m
                diff["after"]["mtime"] = mtime
            if atime != prev_a:
                diff["before"]["atime"] = prev_a
                diff["after"]["atime"] = atime
    except OSError as e:
        m.fail("Error while updating modification or access time: %s" % e, path=path)
    return True


def recursive_set_attributes(m, path, follow, file_args, mtime, atime):
    changed = False
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            full = os.path.join(root, name)
            args = dict(file_args, path=full)
            changed |= m.set_fs_attributes_if_different(args, changed)
            changed |= update_timestamp(m, full, mtime, atime)
            if os.path.islink(full) and follow:
                target = os.path.join(root, os.readlink(full))
                if os.path.exists(target):
                    if os.path.isdir(target):
                        changed |= recursive_set_attributes(m, target, follow, file_args, mtime, atime)
                    args = dict(file_args, path=target)
                    changed |= m.set_fs_attributes_if_different(args, changed)
                    changed |= update_timestamp(m, target, mtime, atime)
    return changed


def file_absent(m, path):
    prev = file_state(path)
    if prev == "absent":
        return {"path": path, "changed": False, "state": "absent"}
    diff = initial_diff(path, "absent", prev)
    if not m.check_mode:
        if prev == "directory":
            try:
                _fs_shutil.rmtree(path, ignore_errors=False)
            except Exception as e:
                m.fail("rmtree failed: %s" % e)
        else:
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass
            except OSError as e:
                m.fail("Unlinking failed.", path=path, exception=str(e))
    return {"path": path, "changed": True, "diff": diff, "state": "absent"}


def file_touch(m, p, path, mtime, atime):
    prev = file_state(path)
    changed = False
    result = {"dest": path}
    if prev == "absent":
        if m.check_mode:
            result["changed"] = True
            return result
        try:
            open(path, "wb").close()
            changed = True
        except OSError as e:
            m.fail("Error, could not touch target.", path=path, exception=str(e))
    diff = initial_diff(path, "touch", prev)
    file_args = m.file_args(p)
    try:
        changed = m.set_fs_attributes_if_different(file_args, changed, diff)
        changed |= update_timestamp(m, file_args["path"], mtime, atime, diff)
    except ModuleFail:
        if prev == "absent":
            os.remove(path)
        raise
    result["changed"] = changed
    result["diff"] = diff
    return result


def file_file(m, p, path, follow, mtime, atime):
    prev = file_state(path)
    file_args = m.file_args(p)
    if prev != "file" and follow and prev == "link":
        path = os.path.realpath(path)
        prev = file_state(path)
        file_args["path"] = path
    if prev not in ("file", "hard"):
        m.fail("file (%s) is %s, cannot continue" % (path, prev), path=path, state=prev)
    diff = initial_diff(path, "file", prev)
    changed = m.set_fs_attributes_if_different(file_args, False, diff)
    changed |= update_timestamp(m, file_args["path"], mtime, atime, diff)
    return {"path": path, "changed": changed, "diff": diff}


def file_directory(m, p, path, follow, recurse, mtime, atime):
    prev = file_state(path)
    file_args = m.file_args(p)
    if follow and prev == "link":
        path = os.path.realpath(path)
        file_args["path"] = path
        prev = file_state(path)
    changed = False
    diff = initial_diff(path, "directory", prev)
    if prev == "absent":
        if m.check_mode:
            return {"path": path, "changed": True, "diff": diff}
        cur = ""
        try:
            for part in path.strip("/").split("/"):
                cur = "/".join([cur, part])
                if not os.path.isabs(path):
                    cur = cur.lstrip("/")
                if not os.path.exists(cur):
                    try:
                        os.mkdir(cur)
                        changed = True
                    except OSError as e:
                        if not (e.errno == errno.EEXIST and os.path.isdir(cur)):
                            raise
                    changed = m.set_fs_attributes_if_different(dict(file_args, path=cur), changed, diff)
                    changed |= update_timestamp(m, file_args["path"], mtime, atime, diff)
        except ModuleFail:
            raise
        except Exception as e:
            m.fail("There was an issue creating %s as requested: %s" % (cur, e), path=path)
        return {"path": path, "changed": changed, "diff": diff}
    if prev != "directory":
        m.fail("%s already exists as a %s" % (path, prev), path=path)
    changed = m.set_fs_attributes_if_different(file_args, changed, diff)
    changed |= update_timestamp(m, file_args["path"], mtime, atime, diff)
    if recurse:
        changed |= recursive_set_attributes(m, path, follow, file_args, mtime, atime)
    return {"path": path, "changed": changed, "diff": diff}


def replace_with(m, path, make, prev):
    """Put a new link at path atomically (temp name beside it, rename)."""
    tmp = os.path.join(os.path.dirname(path), ".%s.%s.tmp" % (os.getpid(), _fs_time.time()))
    try:
        if prev == "directory":
            os.rmdir(path)
        make(tmp)
        os.rename(tmp, path)
    except OSError as e:
        if os.path.lexists(tmp):
            os.unlink(tmp)
        m.fail("Error while replacing: %s" % e, path=path)


def file_link(m, p, path, src, follow, force, mtime, atime):
    prev = file_state(path)
    if src is None and follow and os.path.exists(path):
        src = os.readlink(path)
    if not os.path.islink(path) and os.path.isdir(path):
        relpath = path
    else:
        relpath = os.path.dirname(path)
    absrc = None if src is None else os.path.join(relpath, src)
    if not force and src is not None and not os.path.exists(absrc):
        m.fail("src file does not exist, use 'force=yes' if you really want to create the link: %s"
               % absrc, path=path, src=src)
    if prev == "directory":
        if not force:
            m.fail("refusing to convert from %s to symlink for %s" % (prev, path), path=path)
        elif os.listdir(path):
            m.fail("the directory %s is not empty, refusing to convert it" % path, path=path)
    elif prev in ("file", "hard") and not force:
        m.fail("refusing to convert from %s to symlink for %s" % (prev, path), path=path)
    diff = initial_diff(path, "link", prev)
    changed = False
    if prev in ("hard", "file", "directory", "absent"):
        if src is None:
            m.fail("src is required for creating new symlinks")
        changed = True
    elif prev == "link" and src is not None:
        old = os.readlink(path)
        if old != src:
            diff["before"]["src"] = old
            diff["after"]["src"] = src
            changed = True
    if changed and not m.check_mode:
        if prev != "absent":
            replace_with(m, path, lambda tmp: os.symlink(src, tmp), prev)
        else:
            try:
                os.symlink(src, path)
            except OSError as e:
                m.fail("Error while linking: %s" % e, path=path)
    if m.check_mode and not os.path.exists(path):
        return {"dest": path, "src": src, "changed": changed, "diff": diff}
    file_args = m.file_args(p)
    if follow and os.path.islink(path) and not os.path.exists(file_args["path"]):
        m.warn("Cannot set fs attributes on a non-existent symlink target. follow should be"
               " set to False to avoid this.")
    else:
        changed = m.set_fs_attributes_if_different(file_args, changed, diff)
        changed |= update_timestamp(m, file_args["path"], mtime, atime, diff)
    return {"dest": path, "src": src, "changed": changed, "diff": diff}


def file_hard(m, p, path, src, follow, force, mtime, atime):
    prev = file_state(path)
    file_args = m.file_args(p)
    if prev != "hard" and src is None:
        m.fail("src is required for creating new hardlinks")
    if src is not None and not os.path.exists(src):
        m.fail("src does not exist", dest=path, src=src)
    diff = initial_diff(path, "hard", prev)
    changed = False
    if prev == "absent":
        changed = True
    elif prev == "link":
        old = os.readlink(path)
        if old != src:
            diff["before"]["src"] = old
            diff["after"]["src"] = src
            changed = True
    elif prev == "hard":
        if src is not None and os.stat(path).st_ino != os.stat(src).st_ino:
            changed = True
            if not force:
                m.fail("Cannot link, different hard link exists at destination", dest=path, src=src)
    elif prev == "file":
        changed = True
        if not force:
            m.fail("Cannot link, %s exists at destination" % prev, dest=path, src=src)
    elif prev == "directory":
        changed = True
        if os.path.exists(path):
            if os.stat(path).st_ino == os.stat(src).st_ino:
                return {"path": path, "changed": False}
            elif not force:
                m.fail("Cannot link: different hard link exists at destination", dest=path, src=src)
    if changed and not m.check_mode:
        if prev != "absent":
            tmp = os.path.join(os.path.dirname(path), ".%s.%s.tmp" % (os.getpid(), _fs_time.time()))
            try:
                if prev == "directory" and os.path.exists(path):
                    try:
                        os.unlink(path)
                    except FileNotFoundError:
                        pass
                os.link(src, tmp)
                os.rename(tmp, path)
            except OSError as e:
                if os.path.exists(tmp):
                    os.unlink(tmp)
                m.fail("Error while replacing: %s" % e, path=path)
        else:
            try:
                target = os.readlink(src) if follow and os.path.islink(src) else src
                os.link(target, path)
            except OSError as e:
                m.fail("Error while linking: %s" % e, path=path)
    if m.check_mode and not os.path.exists(path):
        return {"dest": path, "src": src, "changed": changed, "diff": diff}
    changed = m.set_fs_attributes_if_different(file_args, changed, diff)
    changed |= update_timestamp(m, file_args["path"], mtime, atime, diff)
    return {"dest": path, "src": src, "changed": changed, "diff": diff}


def warn_missing_owner(m, owner, group):
    if owner:
        try:
            uid = int(owner)
            try:
                pwd.getpwuid(uid)
            except KeyError:
                m.warn("failed to look up user with uid %s. Create user up to this point in real play" % uid)
        except ValueError:
            try:
                pwd.getpwnam(owner)
            except KeyError:
                m.warn("failed to look up user %s. Create user up to this point in real play" % owner)
    if group:
        try:
            gid = int(group)
            try:
                grp.getgrgid(gid)
            except KeyError:
                m.warn("failed to look up group with gid %s. Create group up to this point in real play" % gid)
        except ValueError:
            try:
                grp.getgrnam(group)
            except KeyError:
                m.warn("failed to look up group %s. Create group up to this point in real play" % group)


@native("file")
def native_file(agent, args, header):
    def body(p, m):
        # additional_parameter_handling: a directory path with a file state
        # means the file inside it; the state defaults to what exists.
        if p["state"] not in ("link", "absent") and os.path.isdir(p["path"]):
            base = p["_original_basename"] or (os.path.basename(p["src"]) if p["src"] else None)
            if base:
                p["path"] = os.path.join(p["path"], base)
        prev = file_state(p["path"])
        if p["state"] is None:
            if prev != "absent":
                p["state"] = prev
            elif p["recurse"]:
                p["state"] = "directory"
            else:
                p["state"] = "file"
        if p["recurse"] and p["state"] != "directory":
            m.fail("recurse option requires state to be 'directory'", path=p["path"])
        if p["src"] and p["state"] not in ("link", "hard"):
            m.fail("src option requires state to be 'link' or 'hard'", path=p["path"])
        state, path, follow = p["state"], p["path"], p["follow"]
        if m.check_mode and state != "absent":
            fa = m.file_args(p)
            warn_missing_owner(m, fa["owner"], fa["group"])

        def stamp(value):
            if value is None and state in ("file", "hard", "directory", "link"):
                return "preserve"
            if value is None and state == "touch":
                return "now"
            return value
        mtime_text, atime_text = stamp(p["modification_time"]), stamp(p["access_time"])
        if p["_diff_peek"] is not None:
            binary = False
            try:
                with open(path, "rb") as f:
                    binary = b"\x00" in f.read(8192)
            except Exception:
                pass
            return {"path": path, "changed": False, "appears_binary": binary}
        if state == "absent":
            result = file_absent(m, path)
        else:
            mtime = timestamp_for(m, mtime_text, p["modification_time_format"])
            atime = timestamp_for(m, atime_text, p["access_time_format"])
            if state == "file":
                result = file_file(m, p, path, follow, mtime, atime)
            elif state == "directory":
                result = file_directory(m, p, path, follow, p["recurse"], mtime, atime)
            elif state == "link":
                result = file_link(m, p, path, p["src"], follow, p["force"], mtime, atime)
            elif state == "hard":
                result = file_hard(m, p, path, p["src"], follow, p["force"], mtime, atime)
            else:
                result = file_touch(m, p, path, mtime, atime)
        if not m.diff:
            result.pop("diff", None)
        return result
    return run_module_body("file", FILE_SPEC, args, header, body)
