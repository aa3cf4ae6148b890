# mitorun agent: native lineinfile, result for result with ansible-core
# 2.19's module (changed, msg, backup, the two-part diff, check mode). The
# file is handled as bytes lines, as ansible does, so line endings and
# undecodable bytes survive.

LINEINFILE_SPEC = ArgSpec(
    {
        "path": {"type": "path", "required": True, "aliases": ["dest", "destfile", "name"]},
        "state": {"type": "str", "default": "present", "choices": ["absent", "present"]},
        "regexp": {"type": "str", "aliases": ["regex"]},
        "search_string": {"type": "str"},
        "line": {"type": "str", "aliases": ["value"]},
        "insertafter": {"type": "str"},
        "insertbefore": {"type": "str"},
        "backrefs": {"type": "bool", "default": False},
        "create": {"type": "bool", "default": False},
        "backup": {"type": "bool", "default": False},
        "firstmatch": {"type": "bool", "default": False},
        "validate": {"type": "str"},
    },
    mutually_exclusive=[["insertbefore", "insertafter"], ["regexp", "search_string"],
                        ["backrefs", "search_string"]],
).extended(FILE_COMMON_SPEC)

# What a line may end with (stripped before comparing lines).
EOL = b"\r\n"


def read_lines(path):
    with open(path, "rb") as f:
        return f.readlines()


def save_lines(m, p, lines, dest):
    # The real file behind a symlink is the one rewritten.
    write_validated(m, b"".join(lines), os.path.realpath(dest), p["validate"],
                    p["unsafe_writes"])


def ends_with_newline(lines):
    return not lines or lines[-1][-1:] in (b"\n", b"\r")


def locate(lines, p, line, after, before):
    """(index of the line to replace or -1, index to insert at or -1, the
    match, whether `line` itself was found). A regexp or search string
    match wins; only without one are the line itself and the insert
    anchor looked for."""
    regexp, search, first = p["regexp"], p["search_string"], p["firstmatch"]
    found, insert_at, match, exact = -1, -1, None, False
    if regexp is not None:
        pattern = re.compile(as_bytes(regexp))
        for i, cur in enumerate(lines):
            m = pattern.search(cur)
            if m:
                found, match = i, m
                if first:
                    break
    if search is not None:
        needle = as_bytes(search)
        for i, cur in enumerate(lines):
            if needle in cur:
                found, match = i, True
                if first:
                    break
    if match:
        return found, insert_at, match, exact
    anchor = after if after not in (None, "BOF", "EOF") else None
    if anchor is None and before not in (None, "BOF"):
        anchor = before
    anchor_re = re.compile(as_bytes(anchor)) if anchor is not None else None
    for i, cur in enumerate(lines):
        if line == cur.rstrip(EOL):
            found, exact = i, True
        elif anchor_re is not None and anchor_re.search(cur):
            # after: the line following the anchor; before: the anchor's.
            # (An empty insertafter anchors nothing, as in ansible.)
            if after:
                insert_at = i + 1
                if first:
                    break
            if before:
                insert_at = i
                if first:
                    break
    return found, insert_at, match, exact


def place_line(lines, p, line, after, before):
    """Edits lines in place; returns the message ('' when unchanged)."""
    found, insert_at, match, _ = locate(lines, p, line, after, before)
    if found != -1:
        new = match.expand(line) if p["backrefs"] and match else line
        if not new.endswith(LINESEP):
            new += LINESEP
        if lines[found] == new:
            return ""
        lines[found] = new
        return "line replaced"
    if p["backrefs"]:
        # Without a match there is nothing to fill the backreferences.
        return ""
    if "BOF" in (before, after):
        lines.insert(0, line + LINESEP)
        return "line added"
    if after == "EOF" or insert_at == -1:
        if not ends_with_newline(lines):
            lines.append(LINESEP)
        lines.append(line + LINESEP)
        return "line added"
    if after:
        # Not again when the line already follows the anchor.
        if insert_at == len(lines):
            if lines[insert_at - 1].rstrip(EOL) == line:
                return ""
            lines.append(line + LINESEP)
            return "line added"
        if lines[insert_at].rstrip(EOL) == line:
            return ""
    lines.insert(insert_at, line + LINESEP)
    return "line added"


def lineinfile_present(m, p, dest, after, before):
    diff = content_diff(dest)
    if os.path.exists(dest):
        lines = read_lines(dest)
    else:
        if not p["create"]:
            m.fail("Destination %s does not exist !" % dest, rc=257)
        parent = os.path.dirname(dest)
        if parent and not os.path.exists(parent) and not m.check_mode:
            try:
                os.makedirs(parent)
            except Exception as e:
                m.fail("Error creating %s (%s)" % (parent, e))
        lines = []
    if m.diff:
        diff["before"] = as_text(b"".join(lines))
    msg = place_line(lines, p, as_bytes(p["line"]), after, before)
    changed = msg != ""
    if m.diff:
        diff["after"] = as_text(b"".join(lines))
    backup = ""
    if changed and not m.check_mode:
        if p["backup"] and os.path.exists(dest):
            backup = backup_local(m, dest)
        save_lines(m, p, lines, dest)
    if m.check_mode and not os.path.exists(dest):
        return {"changed": changed, "msg": msg, "backup": backup, "diff": diff}
    attr_diff = {}
    msg, changed = note_attribute_changes(m, p, changed, msg, attr_diff)
    return {"changed": changed, "msg": msg, "backup": backup,
            "diff": [diff, attributes_diff(dest, attr_diff)]}


def lineinfile_absent(m, p, dest):
    if not os.path.exists(dest):
        return {"changed": False, "msg": "file not present"}
    diff = content_diff(dest)
    lines = read_lines(dest)
    if m.diff:
        diff["before"] = as_text(b"".join(lines))
    if p["regexp"] is not None:
        pattern = re.compile(as_bytes(p["regexp"]))

        def doomed(cur):
            return pattern.search(cur)
    elif p["search_string"] is not None:
        needle = as_bytes(p["search_string"])

        def doomed(cur):
            return needle in cur
    else:
        line = as_bytes(p["line"])

        def doomed(cur):
            return cur.rstrip(EOL) == line
    kept = [cur for cur in lines if not doomed(cur)]
    removed = len(lines) - len(kept)
    changed = removed > 0
    if m.diff:
        diff["after"] = as_text(b"".join(kept))
    backup = ""
    if changed and not m.check_mode:
        if p["backup"]:
            backup = backup_local(m, dest)
        save_lines(m, p, kept, dest)
    msg = "%s line(s) removed" % removed if changed else ""
    attr_diff = {}
    msg, changed = note_attribute_changes(m, p, changed, msg, attr_diff)
    return {"changed": changed, "found": removed, "msg": msg, "backup": backup,
            "diff": [diff, attributes_diff(dest, attr_diff)]}


def lineinfile_body(p, m):
    regexp, search = p["regexp"], p["search_string"]
    if "" in (regexp, search):
        what = "regular expression" if regexp == "" else "search string"
        warning = ("The %s is an empty string, which will match every line in the file. This may "
                   "have unintended consequences, such as replacing the last line in the file "
                   "rather than appending." % what)
        if regexp == "":
            warning += (" If this is desired, use '^' to match every line in the file and avoid "
                        "this warning.")
        m.warn(warning)
    path = p["path"]
    if os.path.isdir(path):
        m.fail("Path %s is a directory !" % path, rc=256)
    if p["state"] == "present":
        if p["backrefs"] and regexp is None:
            m.fail("regexp is required with backrefs=true")
        if p["line"] is None:
            m.fail("line is required with state=present")
        before, after = p["insertbefore"], p["insertafter"]
        if before is None and after is None:
            after = "EOF"
        return lineinfile_present(m, p, path, after, before)
    if (regexp, search, p["line"]) == (None, None, None):
        m.fail("one of line, search_string, or regexp is required with state=absent")
    return lineinfile_absent(m, p, path)


@native("lineinfile")
def native_lineinfile(agent, args, header):
    return run_module_body("lineinfile", LINEINFILE_SPEC, args, header, lineinfile_body)
