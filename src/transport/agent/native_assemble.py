# mitorun agent: native assemble (what ansible-core 2.19's assemble
# *module* does: the remote_src case, where the fragments are already on
# the target), result for result.

import codecs

ASSEMBLE_SPEC = ArgSpec({
    "src": {"type": "path", "required": True},
    "delimiter": {"type": "str"},
    "dest": {"type": "path", "required": True},
    "backup": {"type": "bool", "default": False},
    "remote_src": {"type": "bool", "default": True},
    "regexp": {"type": "str"},
    "ignore_hidden": {"type": "bool", "default": False},
    "validate": {"type": "str"},
    # Read by the action plugin only; the module accepts it all the same.
    "decrypt": {"type": "bool", "default": True},
}).extended(FILE_COMMON_SPEC)


def fragment_names(src, pattern, ignore_hidden):
    """The fragments to join, in order: the regular files (or links to
    them) of `src` by sorted name, those `pattern` finds a match in."""
    for name in sorted(os.listdir(src)):
        if pattern is not None and not pattern.search(name):
            continue
        path = os.path.join(src, name)
        if not os.path.isfile(path) or (ignore_hidden and name.startswith(".")):
            continue
        yield path


def write_fragments(out, src, delimiter, pattern, ignore_hidden):
    """Join the fragments into `out` as ansible does: a newline after a
    fragment that lacks one, the delimiter (escapes decoded, a newline
    added unless it ends in one) only between fragments."""
    after_first = False
    missing_newline = False
    for path in fragment_names(src, pattern, ignore_hidden):
        with open(path, "rb") as f:
            content = f.read()
        if missing_newline:
            out.write(b"\n")
        if after_first and delimiter:
            # ansible decodes the already decoded delimiter again before
            # each further fragment, so `\\n` is a backslash-n once and a
            # newline after that; the output depends on it.
            delimiter = codecs.escape_decode(delimiter)[0]
            out.write(delimiter)
            # An empty decoded delimiter raises IndexError here, as in
            # ansible (its module crashes the same way).
            if delimiter[-1] != 10:
                out.write(b"\n")
        out.write(content)
        after_first = True
        missing_newline = not content.endswith(b"\n")


def assemble_to_temp(m, src, delimiter, pattern, ignore_hidden):
    fd, path = tempfile.mkstemp(dir=m.tmpdir)
    with os.fdopen(fd, "wb") as out:
        write_fragments(out, src, delimiter, pattern, ignore_hidden)
    return path


def remove_temp(m, path, warn):
    """Remove the assembled temp file if it is still there; a failure is
    a warning (once the module has a result to report) as in ansible."""
    if not os.path.exists(path):
        return
    try:
        os.remove(path)
    except OSError as e:
        if warn:
            m.warn(error_warning("Unable to remove temp file %r." % path, e))


def error_warning(msg, e):
    """2.19's WarningSummary for error_as_warning(msg, exception)."""
    return {"event": {"msg": msg,
                      "chain": {"msg_reason": "<<< caused by >>>",
                                "traceback_reason": "The above exception was the direct cause "
                                                    "of the following warning:",
                                "event": exception_event(e), "follow": True,
                                "__ansible_type": "EventChain"},
                      "__ansible_type": "Event"},
            "__ansible_type": "WarningSummary"}


def md5_or_none(path):
    """The md5 ansible still reports, None where FIPS forbids md5."""
    try:
        return digest_from_file(path, "md5")
    except ValueError:
        return None


def assemble_body(p, m):
    src, dest, validate = p["src"], p["dest"], p["validate"]
    result = {"src": src, "dest": dest}
    if not os.path.exists(src):
        m.fail("Source (%s) does not exist" % src)
    if not os.path.isdir(src):
        m.fail("Source (%s) is not a directory" % src)
    pattern = None
    if p["regexp"] is not None:
        try:
            pattern = re.compile(p["regexp"])
        except re.error as e:
            m.fail("Invalid Regexp (%s) in \"%s\"" % (e, p["regexp"]))
    if validate and "%s" not in validate:
        m.fail("validate must contain %%s: %s" % validate)
    path = assemble_to_temp(m, src, p["delimiter"], pattern, p["ignore_hidden"])
    new_checksum = digest_from_file(path, "sha1")
    result["checksum"] = new_checksum
    result["md5sum"] = md5_or_none(path)
    changed = False
    if new_checksum != digest_from_file(dest, "sha1"):
        if validate:
            rc, out, err = m.run_command_line(validate % path)
            result["validation"] = {"rc": rc, "stdout": out, "stderr": err}
            if rc != 0:
                remove_temp(m, path, False)
                m.fail("failed to validate: rc:%s error:%s" % (rc, err))
        # ansible backs up only a dest it could checksum (a file).
        if p["backup"] and os.path.exists(dest):
            result["backup_file"] = backup_local(m, dest)
        if not m.check_mode:
            atomic_move(m, path, dest, unsafe_writes=p["unsafe_writes"])
        changed = True
    remove_temp(m, path, True)
    result["changed"] = m.set_fs_attributes_if_different(m.file_args(p), changed)
    result["msg"] = "OK"
    return result


@native("assemble")
def native_assemble(agent, args, header):
    return run_module_body("assemble", ASSEMBLE_SPEC, args, header, assemble_body)
