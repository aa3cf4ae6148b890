# mitorun agent: native copy (the remote side: what ansible-core 2.19's
# copy *module* does once the action plugin has put the source on the
# target, or with remote_src), result for result.

import filecmp

COPY_SPEC = ArgSpec({
    "src": {"type": "path"},
    "_original_basename": {"type": "str"},
    "content": {"type": "str", "no_log": True},
    "dest": {"type": "path", "required": True},
    "backup": {"type": "bool", "default": False},
    "force": {"type": "bool", "default": True},
    "validate": {"type": "str"},
    "directory_mode": {"type": "raw"},
    "remote_src": {"type": "bool", "default": False},
    "local_follow": {"type": "bool"},
    "checksum": {"type": "str"},
    "follow": {"type": "bool", "default": False},
}).extended(FILE_COMMON_SPEC)

def split_pre_existing_dir(m, dirname):
    head, tail = os.path.split(dirname)
    if head == "":
        return ".", [tail]
    if not os.path.exists(head):
        if head == "/":
            m.fail("The '/' directory doesn't exist on this machine.")
        pre, new = split_pre_existing_dir(m, head)
    else:
        return head, [tail]
    new.append(tail)
    return pre, new


def adjust_dir_permissions(m, pre, new, dir_args, changed):
    if new:
        working = os.path.join(pre, new.pop(0))
        dir_args["path"] = working
        changed = m.set_fs_attributes_if_different(dir_args, changed)
        changed = adjust_dir_permissions(m, working, new, dir_args, changed)
    return changed


def chown_path(m, path, owner, group):
    changed = m.set_owner_if_different(path, owner, False)
    return m.set_group_if_different(path, group, changed)


def chown_recursive(m, p, path):
    changed = False
    for dirpath, dirnames, filenames in os.walk(path):
        changed |= chown_path(m, dirpath, p["owner"], p["group"])
        for d in dirnames:
            changed |= chown_path(m, os.path.join(dirpath, d), p["owner"], p["group"])
        for f in filenames:
            changed |= chown_path(m, os.path.join(dirpath, f), p["owner"], p["group"])
    return changed


def copy_diff_files(m, p, src, dest):
    changed = False
    diff_files = filecmp.dircmp(src, dest).diff_files
    if diff_files:
        changed = True
    if not m.check_mode:
        for item in diff_files:
            s, d = os.path.join(src, item), os.path.join(dest, item)
            if os.path.islink(s) and p["local_follow"] is False:
                os.symlink(os.readlink(s), d)
            else:
                _fs_shutil.copyfile(s, d)
                _fs_shutil.copymode(s, d)
            chown_path(m, d, p["owner"], p["group"])
            changed = True
    return changed


def copy_left_only(m, p, src, dest):
    changed = False
    follow = p["local_follow"]
    left_only = filecmp.dircmp(src, dest).left_only
    if left_only:
        changed = True
    if not m.check_mode:
        for item in left_only:
            s, d = os.path.join(src, item), os.path.join(dest, item)
            link = os.path.islink(s)
            if link and os.path.isdir(s) and follow is True:
                _fs_shutil.copytree(s, d, symlinks=not follow)
                chown_recursive(m, p, d)
            if link and os.path.isdir(s) and follow is False:
                os.symlink(os.readlink(s), d)
            if link and os.path.isfile(s) and follow is True:
                _fs_shutil.copyfile(s, d)
                chown_path(m, d, p["owner"], p["group"])
            if link and os.path.isfile(s) and follow is False:
                os.symlink(os.readlink(s), d)
            if not link and os.path.isfile(s):
                _fs_shutil.copyfile(s, d)
                _fs_shutil.copymode(s, d)
                chown_path(m, d, p["owner"], p["group"])
            if not link and os.path.isdir(s):
                _fs_shutil.copytree(s, d, symlinks=not follow)
                chown_recursive(m, p, d)
            changed = True
    return changed


def copy_common_dirs(m, p, src, dest):
    changed = False
    for item in filecmp.dircmp(src, dest).common_dirs:
        s, d = os.path.join(src, item), os.path.join(dest, item)
        a = copy_diff_files(m, p, s, d)
        b = copy_left_only(m, p, s, d)
        changed = changed or a or b
        changed = copy_common_dirs(m, p, s, d) or changed
    return changed


def copy_directory(m, p, src, dest):
    if not os.path.exists(dest):
        if not m.check_mode:
            _fs_shutil.copytree(src, dest, symlinks=not p["local_follow"])
            chown_recursive(m, p, dest)
        return True
    results = [copy_diff_files(m, p, src, dest), copy_left_only(m, p, src, dest),
               copy_common_dirs(m, p, src, dest), chown_recursive(m, p, dest)]
    return any(results)


def file_digest(path, algorithm):
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(64 * 1024), b""):
            h.update(block)
    return h.hexdigest()


def copy_body(p, m):
    src = p["src"]
    dest = p["dest"]
    if os.path.sep not in dest:
        dest = "." + os.path.sep + dest
    base_name = p["_original_basename"]
    if src is None or not os.path.exists(src):
        m.fail("Source %s not found" % src)
    if not os.access(src, os.R_OK):
        m.fail("Source %s not readable" % src)
    if p["mode"] == "preserve":
        p["mode"] = "0%03o" % _stat.S_IMODE(os.stat(src).st_mode)
    mode = p["mode"]
    changed = False
    checksum_dest = checksum_src = md5sum_src = None
    if os.path.isfile(src):
        try:
            checksum_src = file_digest(src, "sha1")
        except OSError as e:
            m.warn("Unable to calculate src checksum, assuming change.: %s" % e)
        try:
            md5sum_src = file_digest(src, "md5")
        except ValueError:
            pass
    elif p["remote_src"] and not os.path.isdir(src):
        m.fail("Cannot copy invalid source '%s': not a file" % src)
    if p["checksum"] and checksum_src != p["checksum"]:
        m.fail("Copied file does not match the expected checksum. Transfer failed.",
               checksum=checksum_src, expected_checksum=p["checksum"])
    if dest.endswith(os.sep):
        if base_name:
            dest = os.path.join(dest, base_name)
        dirname = os.path.dirname(dest)
        if not os.path.exists(dirname):
            try:
                pre, new = split_pre_existing_dir(m, dirname)
            except ModuleFail as e:
                e.result["msg"] += " Could not copy to {0}".format(dest)
                raise
            if m.check_mode:
                return {"msg": "dest directory %s would be created" % dirname, "changed": True,
                        "src": src}
            os.makedirs(dirname)
            changed = True
            dir_args = m.file_args(p)
            dir_args["mode"] = p["directory_mode"]
            adjust_dir_permissions(m, pre, new, dir_args, changed)
    if os.path.isdir(dest):
        dest = os.path.join(dest, base_name or os.path.basename(src))
    if os.path.exists(dest):
        if os.path.islink(dest) and p["follow"]:
            dest = os.path.realpath(dest)
        if not p["force"]:
            return {"msg": "file already exists", "src": src, "dest": dest, "changed": False}
        if os.access(dest, os.R_OK) and os.path.isfile(dest):
            checksum_dest = file_digest(dest, "sha1")
    elif not os.path.exists(os.path.dirname(dest)):
        try:
            os.stat(os.path.dirname(dest))
        except OSError as e:
            if "permission denied" in str(e).lower():
                m.fail("Destination directory %s is not accessible" % os.path.dirname(dest))
        m.fail("Destination directory %s does not exist" % os.path.dirname(dest))
    if not os.access(os.path.dirname(dest), os.W_OK) and not p["unsafe_writes"]:
        m.fail("Destination %s not writable" % os.path.dirname(dest))
    backup_file = None
    if checksum_src != checksum_dest or os.path.islink(dest):
        if not m.check_mode:
            try:
                if p["backup"] and os.path.exists(dest):
                    backup_file = backup_local(m, dest)
                if os.path.islink(dest):
                    os.unlink(dest)
                    open(dest, "w").close()
                if p["validate"]:
                    m.set_mode_if_different(src, mode, False)
                    chown_path(m, src, p["owner"], p["group"])
                    if "%s" not in p["validate"]:
                        m.fail("validate must contain %%s: %s" % p["validate"])
                    rc, out, err = m.run_command(shlex.split(p["validate"] % src))
                    if rc != 0:
                        m.fail("failed to validate", exit_status=rc, stdout=out, stderr=err)
                mysrc = src
                if p["remote_src"] and os.path.isfile(src):
                    fd, mysrc = tempfile.mkstemp(dir=os.path.dirname(dest))
                    os.close(fd)
                    _fs_shutil.copyfile(src, mysrc)
                    try:
                        _fs_shutil.copystat(src, mysrc)
                    except OSError as err:
                        if err.errno == errno.ENOSYS and mode == "preserve":
                            m.warn("Unable to copy stats {0}".format(src))
                        else:
                            raise
                atomic_move(m, mysrc, dest, unsafe_writes=p["unsafe_writes"],
                            keep_dest_attrs=not p["remote_src"])
            except OSError as e:
                m.fail("Failed to copy %r to %r.: %s" % (src, dest, e))
        changed = True
    both_dirs = os.path.isdir(p["src"]) and (os.path.isdir(p["dest"]) or not os.path.exists(p["dest"]))
    if checksum_src is None and checksum_dest is None and p["remote_src"] and both_dirs:
        s, d = p["src"], p["dest"]
        if not s.endswith(os.path.sep):
            d = os.path.join(d, os.path.basename(s))
            s = os.path.join(s, "")
        changed |= copy_directory(m, p, s, d)
    result = {"dest": dest, "src": src, "md5sum": md5sum_src, "checksum": checksum_src,
              "changed": changed}
    if backup_file:
        result["backup_file"] = backup_file
    file_args = m.file_args(p, path=dest)
    result["changed"] = m.set_fs_attributes_if_different(file_args, result["changed"])
    return result


@native("copy")
def native_copy(agent, args, header):
    return run_module_body("copy", COPY_SPEC, args, header, copy_body)
