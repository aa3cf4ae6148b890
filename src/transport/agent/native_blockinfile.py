# mitorun agent: native blockinfile, result for result with ansible-core
# 2.19's module: a marked block inserted, replaced or removed, the
# insertion point found line by line or, for a multiline regex, in the
# whole file.

BLOCKINFILE_SPEC = ArgSpec(
    {
        "path": {"type": "path", "required": True, "aliases": ["dest", "destfile", "name"]},
        "state": {"type": "str", "default": "present", "choices": ["absent", "present"]},
        "marker": {"type": "str", "default": "# {mark} ANSIBLE MANAGED BLOCK"},
        "block": {"type": "str", "default": "", "aliases": ["content"]},
        "insertafter": {"type": "str"},
        "insertbefore": {"type": "str"},
        "create": {"type": "bool", "default": False},
        "backup": {"type": "bool", "default": False},
        "validate": {"type": "str"},
        "marker_begin": {"type": "str", "default": "BEGIN"},
        "marker_end": {"type": "str", "default": "END"},
        "append_newline": {"type": "bool", "default": False},
        "prepend_newline": {"type": "bool", "default": False},
    },
    mutually_exclusive=[["insertbefore", "insertafter"]],
).extended(FILE_COMMON_SPEC)


def marker_line(marker, mark):
    # As in ansible: the mark is latin-1 encoded (six.b) and substituted
    # with re.sub, so backslash escapes in it act as in a replacement.
    return re.sub(b"{mark}", mark.encode("latin-1"), marker) + LINESEP


def block_position(lines, original, anchor_re, after, before):
    """Where a block goes when the file has no complete marked block."""
    if anchor_re is None:
        return 0 if before is not None else len(lines)
    at = None
    if anchor_re.flags & re.MULTILINE:
        m = anchor_re.search(original)
        if m:
            text = as_text(original)
            if after:
                at = text.count("\n", 0, m.end())
            elif before:
                at = text.count("\n", 0, m.start())
    else:
        for i, line in enumerate(lines):
            if anchor_re.search(line):
                at = i
    if at is None:
        return len(lines)
    return at + 1 if after is not None else at


def blockinfile_body(p, m):
    path = p["path"]
    if os.path.isdir(path):
        m.fail("Path %s is a directory !" % path, rc=256)
    exists = os.path.exists(path)
    if exists:
        with open(path, "rb") as f:
            original = f.read()
        lines = original.splitlines(True)
    else:
        if not p["create"]:
            m.fail("Path %s does not exist !" % path, rc=257)
        parent = os.path.dirname(path)
        if parent and not os.path.exists(parent) and not m.check_mode:
            try:
                os.makedirs(parent)
            except OSError as e:
                m.fail("Error creating %s Error code: %s Error description: %s"
                       % (parent, e.errno, e.strerror))
            except Exception as e:
                m.fail("Error creating %s Error: %s" % (parent, e))
        original = None
        lines = []
    diff = content_diff(path)
    if m.diff and original:
        diff["before"] = as_text(original)
    present = p["state"] == "present"
    if not present and not exists:
        return {"changed": False, "msg": "File %s not present" % path}
    before, after = p["insertbefore"], p["insertafter"]
    if before is None and after is None:
        after = "EOF"
    if after not in (None, "EOF"):
        anchor_re = re.compile(as_bytes(after))
    elif before not in (None, "BOF"):
        anchor_re = re.compile(as_bytes(before))
    else:
        anchor_re = None
    marker = as_bytes(p["marker"])
    begin = marker_line(marker, p["marker_begin"])
    end = marker_line(marker, p["marker_end"])
    block = as_bytes(p["block"])
    if present and block:
        if not block.endswith(LINESEP):
            block += LINESEP
        block_lines = [begin] + block.splitlines(True) + [end]
    else:
        block_lines = []
    # The last begin and the last end marker delimit the managed block.
    n_begin = n_end = None
    for i, line in enumerate(lines):
        if line == begin:
            n_begin = i
        if line == end:
            n_end = i
    if n_begin is None or n_end is None:
        at = block_position(lines, original, anchor_re, after, before)
    else:
        at = min(n_begin, n_end)
        del lines[at:max(n_begin, n_end) + 1]
    if at > 0 and not lines[at - 1].endswith(LINESEP):
        lines[at - 1] += LINESEP
    if p["prepend_newline"] and present:
        if at != 0 and lines[at - 1] != LINESEP:
            lines[at:at] = [LINESEP]
            at += 1
    lines[at:at] = block_lines
    if p["append_newline"] and present:
        following = at + len(block_lines)
        if following < len(lines) and lines[following] != LINESEP:
            lines[following:following] = [LINESEP]
    result = b"".join(lines)
    if m.diff:
        diff["after"] = as_text(result)
    if original == result:
        msg, changed = "", False
    elif original is None:
        msg, changed = "File created", True
    elif not block_lines:
        msg, changed = "Block removed", True
    else:
        msg, changed = "Block inserted", True
    backup = None
    if changed and not m.check_mode:
        if p["backup"] and exists:
            backup = backup_local(m, path)
        # The real file behind a symlink is the one rewritten.
        write_validated(m, result, os.path.realpath(path), p["validate"], p["unsafe_writes"])
    if m.check_mode and not exists:
        return {"changed": changed, "msg": msg, "diff": diff}
    attr_diff = {}
    msg, changed = note_attribute_changes(m, p, changed, msg, attr_diff)
    out = {"changed": changed, "msg": msg, "diff": [diff, attributes_diff(path, attr_diff)]}
    if backup is not None:
        out["backup_file"] = backup
    return out


@native("blockinfile")
def native_blockinfile(agent, args, header):
    return run_module_body("blockinfile", BLOCKINFILE_SPEC, args, header, blockinfile_body)
