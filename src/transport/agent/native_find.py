# mitorun agent: native find, result for result with ansible-core 2.19's
# module: os.walk over each path with the same filters in the same order,
# the same per-file stat dicts, skipped paths and warnings.

import fnmatch as _fnmatch

FIND_SPEC = ArgSpec({
    "paths": {"type": "list", "required": True, "aliases": ["name", "path"], "elements": "path"},
    "patterns": {"type": "list", "default": [], "aliases": ["pattern"], "elements": "str"},
    "excludes": {"type": "list", "aliases": ["exclude"], "elements": "str"},
    "contains": {"type": "str"},
    "read_whole_file": {"type": "bool", "default": False},
    "file_type": {"type": "str", "default": "file", "choices": ["any", "directory", "file", "link"]},
    "age": {"type": "str"},
    "age_stamp": {"type": "str", "default": "mtime", "choices": ["atime", "ctime", "mtime"]},
    "size": {"type": "str"},
    "recurse": {"type": "bool", "default": False},
    "hidden": {"type": "bool", "default": False},
    "follow": {"type": "bool", "default": False},
    "get_checksum": {"type": "bool", "default": False},
    "checksum_algorithm": {"type": "str", "default": "sha1", "aliases": ["checksum", "checksum_algo"],
                           "choices": ["md5", "sha1", "sha224", "sha256", "sha384", "sha512"]},
    "use_regex": {"type": "bool", "default": False},
    "depth": {"type": "int"},
    "mode": {"type": "raw"},
    "exact_mode": {"type": "bool", "default": True},
    "encoding": {"type": "str"},
    "limit": {"type": "int"},
})

FIND_AGE_RE = re.compile(r"^(-?\d+)(s|m|h|d|w)?$")
FIND_AGE_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
FIND_SIZE_RE = re.compile(r"^(-?\d+)(b|k|m|g|t)?$")
FIND_SIZE_UNITS = {"b": 1, "k": 1024, "m": 1024 ** 2, "g": 1024 ** 3, "t": 1024 ** 4}


class ModeOnly(object):
    """A stat result with only a mode, for symbolic modes."""

    def __init__(self, st_mode):
        self.st_mode = st_mode


def name_matches(name, patterns, excludes, use_regex):
    """The first pattern that matches decides; excludes only count for a
    name a pattern matched (regexes anchored at the start, as re.match)."""
    if not patterns and not excludes:
        return True
    if not patterns:
        return False

    def hit(pattern):
        if use_regex:
            return re.compile(pattern).match(name) is not None
        return _fnmatch.fnmatch(name, pattern)
    for pattern in patterns:
        if hit(pattern):
            return not (excludes and any(hit(e) for e in excludes))
    return False


def age_matches(st, now, age, stamp):
    if age is None:
        return True
    elapsed = now - getattr(st, "st_%s" % stamp)
    return elapsed >= abs(age) if age >= 0 else elapsed <= abs(age)


def size_matches(st, size):
    if size is None:
        return True
    return st.st_size >= abs(size) if size >= 0 else st.st_size <= abs(size)


def content_matches(path, pattern, encoding, whole_file):
    """Whether a line of the file (or the whole file) matches. Unreadable
    files do not match; a bad encoding name or undecodable content is an
    error for the whole path, as in ansible."""
    if pattern is None:
        return True
    expression = re.compile(pattern)
    try:
        with open(path, encoding=encoding) as f:
            if whole_file:
                return bool(expression.search(f.read()))
            for line in f:
                if expression.match(line):
                    return True
    except LookupError:
        raise
    except UnicodeDecodeError as e:
        shown = encoding
        if shown is None:
            shown = 'None (default determined by the Python built-in function "open")'
        raise Exception("Failed to read the file %s due to an encoding error. current encoding: %s"
                        % (path, shown)) from e
    except Exception:
        pass
    return False


def mode_matches(st, mode, exact):
    if not mode:
        return True
    actual = _stat.S_IMODE(st.st_mode)
    try:
        wanted = int(mode, 8)
    except ValueError:
        wanted = symbolic_mode_to_octal(ModeOnly(0), mode)
    wanted = _stat.S_IMODE(wanted)
    return actual == wanted if exact else bool(actual & wanted)


def stat_info(st):
    mode = st.st_mode
    try:
        pw_name = pwd.getpwuid(st.st_uid).pw_name
    except Exception:
        pw_name = ""
    try:
        gr_name = grp.getgrgid(st.st_gid).gr_name
    except Exception:
        gr_name = ""
    return {
        "mode": "%04o" % _stat.S_IMODE(mode),
        "isdir": _stat.S_ISDIR(mode), "ischr": _stat.S_ISCHR(mode), "isblk": _stat.S_ISBLK(mode),
        "isreg": _stat.S_ISREG(mode), "isfifo": _stat.S_ISFIFO(mode), "islnk": _stat.S_ISLNK(mode),
        "issock": _stat.S_ISSOCK(mode), "uid": st.st_uid, "gid": st.st_gid, "size": st.st_size,
        "inode": st.st_ino, "dev": st.st_dev, "nlink": st.st_nlink, "atime": st.st_atime,
        "mtime": st.st_mtime, "ctime": st.st_ctime, "gr_name": gr_name, "pw_name": pw_name,
        "wusr": bool(mode & _stat.S_IWUSR), "rusr": bool(mode & _stat.S_IRUSR),
        "xusr": bool(mode & _stat.S_IXUSR), "wgrp": bool(mode & _stat.S_IWGRP),
        "rgrp": bool(mode & _stat.S_IRGRP), "xgrp": bool(mode & _stat.S_IXGRP),
        "woth": bool(mode & _stat.S_IWOTH), "roth": bool(mode & _stat.S_IROTH),
        "xoth": bool(mode & _stat.S_IXOTH), "isuid": bool(mode & _stat.S_ISUID),
        "isgid": bool(mode & _stat.S_ISGID),
    }


def parse_quantity(m, text, pattern, units, what):
    """'-2d' -> seconds, '10k' -> bytes; None stays None."""
    if text is None:
        return None
    found = pattern.match(text.lower())
    if not found:
        m.fail("failed to process %s" % what, **{what: text})
    return int(found.group(1)) * units.get(found.group(2), 1)


def skipped_entry_warning(path, e):
    """error_as_warning's form: the message, caused by the exception."""
    return {"event": {"msg": "Skipped entry %r due to access issue." % path,
                      "chain": {"msg_reason": "<<< caused by >>>",
                                "traceback_reason": "The above exception was the direct cause of "
                                                    "the following warning:",
                                "event": exception_event(e), "follow": True,
                                "__ansible_type": "EventChain"},
                      "__ansible_type": "Event"},
            "__ansible_type": "WarningSummary"}


class Finder(object):
    """One run of find over all paths."""

    def __init__(self, p, m):
        self.p, self.m = p, m
        self.files = []
        self.skipped = {}
        self.examined = 0
        self.warned = False
        self.now = _fs_time.time()
        self.age = parse_quantity(m, p["age"], FIND_AGE_RE, FIND_AGE_UNITS, "age")
        self.size = parse_quantity(m, p["size"], FIND_SIZE_RE, FIND_SIZE_UNITS, "size")

    def filtered(self, name, st, size_too=False):
        p = self.p
        return (name_matches(name, p["patterns"], p["excludes"], p["use_regex"])
                and age_matches(st, self.now, self.age, p["age_stamp"])
                and (not size_too or size_matches(st, self.size)))

    def consider(self, name, path, st):
        """Add path to the results when it passes the filters its type has."""
        p = self.p
        kind = p["file_type"]
        regular = _stat.S_ISREG(st.st_mode)
        entry = {"path": path}
        if kind == "any":
            if self.filtered(name, st) and mode_matches(st, p["mode"], p["exact_mode"]):
                entry.update(stat_info(st))
                if regular and p["get_checksum"]:
                    entry["checksum"] = digest_from_file(path, p["checksum_algorithm"])
                if not regular or size_matches(st, self.size):
                    self.files.append(entry)
        elif kind == "directory" and _stat.S_ISDIR(st.st_mode):
            if self.filtered(name, st) and mode_matches(st, p["mode"], p["exact_mode"]):
                entry.update(stat_info(st))
                self.files.append(entry)
        elif kind == "file" and regular:
            if (self.filtered(name, st, size_too=True)
                    and content_matches(path, p["contains"], p["encoding"], p["read_whole_file"])
                    and mode_matches(st, p["mode"], p["exact_mode"])):
                entry.update(stat_info(st))
                if p["get_checksum"]:
                    entry["checksum"] = digest_from_file(path, p["checksum_algorithm"])
                self.files.append(entry)
        elif kind == "link" and _stat.S_ISLNK(st.st_mode):
            if self.filtered(name, st) and mode_matches(st, p["mode"], p["exact_mode"]):
                entry.update(stat_info(st))
                self.files.append(entry)

    def walk_error(self, e):
        if e.errno in (errno.EPERM, errno.EACCES, errno.ENOENT):
            self.skipped[e.filename] = str(e)
            return
        raise e

    def search(self, top):
        """Walks one path; returns the message when the limit was hit."""
        p = self.p
        limit = p["limit"]
        if not os.path.isdir(top):
            raise Exception("'%s' is not a directory" % top)
        msg = None
        for root, dirs, files in os.walk(top, onerror=self.walk_error, followlinks=p["follow"],
                                         topdown=True):
            self.examined += len(files) + len(dirs)
            for name in files + dirs:
                path = os.path.normpath(os.path.join(root, name))
                if p["depth"]:
                    base = top.rstrip(os.path.sep) + os.path.sep
                    if path.count(os.path.sep) - base.count(os.path.sep) + 1 > p["depth"]:
                        # Nothing below this level is wanted: prune the walk.
                        del dirs[:]
                        continue
                if os.path.basename(path).startswith(".") and not p["hidden"]:
                    continue
                try:
                    st = os.lstat(path)
                except OSError as e:
                    self.m.warn(skipped_entry_warning(path, e))
                    self.skipped[path] = str(e)
                    self.warned = True
                    continue
                self.consider(name, path, st)
                if len(self.files) == limit:
                    msg = "Limit of matches reached"
                    break
            if not p["recurse"] or len(self.files) == limit:
                break
        return msg


def find_body(p, m):
    mode = p["mode"]
    if mode and not isinstance(mode, str):
        m.fail("argument 'mode' is not a string and conversion is not allowed, value is of type %s"
               % type(mode).__name__)
    if not p["patterns"]:
        # Match everything, so excludes alone work.
        p["patterns"] = [".*"] if p["use_regex"] else ["*"]
    finder = Finder(p, m)
    if p["limit"] is not None and p["limit"] <= 0:
        m.fail("limit cannot be %d (use None for unlimited)" % p["limit"])
    msg = "All paths examined"
    for top in p["paths"]:
        try:
            msg = finder.search(top) or msg
        except Exception as e:
            finder.skipped[top] = str(e)
            m.warn("Skipped '%s' path due to this access issue: %s\n" % (top, finder.skipped[top]))
            finder.warned = True
    if finder.warned:
        msg = "Not all paths examined, check warnings for details"
    return {"files": finder.files, "changed": False, "msg": msg, "matched": len(finder.files),
            "examined": finder.examined, "skipped_paths": finder.skipped}


@native("find")
def native_find(agent, args, header):
    return run_module_body("find", FIND_SPEC, args, header, find_body)
