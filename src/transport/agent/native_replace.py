# mitorun agent: native replace, result for result with ansible-core 2.19's
# module: a multiline regexp substituted in the whole file or in the
# section between the `after` and `before` patterns.

REPLACE_SPEC = ArgSpec({
    "path": {"type": "path", "required": True, "aliases": ["dest", "destfile", "name"]},
    "regexp": {"type": "str", "required": True},
    "replace": {"type": "str", "default": ""},
    "after": {"type": "str"},
    "before": {"type": "str"},
    "backup": {"type": "bool", "default": False},
    "validate": {"type": "str"},
    "encoding": {"type": "str", "default": "utf-8"},
}).extended(FILE_COMMON_SPEC)


def section_pattern(after, before):
    """The pattern that isolates the section to work on ('' for the whole
    file); the section is its `subsection` group."""
    if after and before:
        return "%s(?P<subsection>.*?)%s" % (after, before)
    if after:
        return "%s(?P<subsection>.*)" % after
    if before:
        return "(?P<subsection>.*)%s" % before
    return ""


def encode_lenient(text, encoding):
    """ansible's to_bytes: undecodable bytes come back as they were; what
    the encoding cannot represent becomes '?'."""
    try:
        return text.encode(encoding, "surrogateescape")
    except UnicodeEncodeError:
        clean = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        return clean.encode(encoding, "replace")


def replace_body(p, m):
    path = p["path"]
    encoding = p["encoding"]
    result = {"rc": 0}
    if os.path.isdir(path):
        m.fail("Path %s is a directory !" % path, rc=256)
    if not os.path.exists(path):
        m.fail("Path %s does not exist !" % path, rc=257)
    try:
        with open(path, "rb") as f:
            contents = f.read().decode(encoding, "surrogateescape")
    except OSError as e:
        raise Exception("Unable to read the contents of %r." % path) from e
    pattern = section_pattern(p["after"], p["before"])
    if pattern:
        found = re.search(re.compile(pattern, re.DOTALL), contents)
        if not found:
            result["msg"] = ("Pattern for before/after params did not match the given file: %s"
                             % pattern)
            result["changed"] = False
            return result
        section = found.group("subsection")
        start, end = found.start("subsection"), found.end("subsection")
    else:
        section = contents
    expression = re.compile(p["regexp"], re.MULTILINE)
    try:
        new_section, count = re.subn(expression, p["replace"], section, 0)
    except re.error as e:
        m.fail("Unable to process replace due to error: %s" % e)
    changed = count > 0 and new_section != section
    msg = ""
    if changed:
        new = contents[:start] + new_section + contents[end:] if pattern else new_section
        msg = "%s replacements made" % count
        if m.diff:
            result["diff"] = {"before_header": path, "before": contents,
                              "after_header": path, "after": new}
        if not m.check_mode:
            if p["backup"] and os.path.exists(path):
                result["backup_file"] = backup_local(m, path)
            # The real file behind a symlink is the one rewritten.
            write_validated(m, encode_lenient(new, encoding), os.path.realpath(path),
                            p["validate"], p["unsafe_writes"])
    result["msg"], result["changed"] = note_attribute_changes(m, p, changed, msg)
    return result


@native("replace")
def native_replace(agent, args, header):
    return run_module_body("replace", REPLACE_SPEC, args, header, replace_body)
