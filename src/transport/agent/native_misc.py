# mitorun agent: native wait_for, getent, known_hosts, package_facts and
# debconf, result for result with ansible-core 2.19's modules: the same
# waits and probes, the same getent/ssh-keygen/debconf-show/
# debconf-set-selections command lines read the same way, the same facts.
# Shipped with the first call of one of them (modules::native_code), not
# part of every agent: most connections use none of them.

import base64 as _misc_base64
import binascii as _misc_binascii
import contextlib as _misc_contextlib
import copy as _misc_copy
import datetime as _misc_datetime
import errno as _misc_errno
import hashlib as _misc_hashlib
import hmac as _misc_hmac
import math as _misc_math
import mmap as _misc_mmap
import platform as _misc_platform
import select as _misc_select
import socket as _misc_socket
import time as _misc_time


class MiscBinNotFound(ValueError):
    """get_bin_path's ValueError (its text is what ansible reports)."""


def misc_bin_path(name, env):
    """ansible's get_bin_path: PATH (the task's), then the sbin dirs."""
    paths = bin_search_dirs(env.get("PATH", ""))
    found = find_bin(name, paths)
    if found:
        return found
    raise MiscBinNotFound('Failed to find required executable "%s" in paths: %s'
                          % (name, os.pathsep.join(paths)))


def misc_required_bin(m, name):
    """AnsibleModule.get_bin_path(name, required=True)."""
    try:
        return misc_bin_path(name, m.env)
    except MiscBinNotFound as e:
        m.fail(str(e))


def misc_run(m, argv, data=None, check_rc=False):
    """AnsibleModule.run_command for an argv in the task's environment;
    data gets the newline ansible appends; check_rc fails as ansible does."""
    argv = [str(a) for a in argv]
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE if data is not None else subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, close_fds=True, env=m.env)
    except OSError as e:
        m.fail(str(e), rc=e.errno, stdout="", stderr="", cmd=" ".join(shlex.quote(a) for a in argv))
    out, err = proc.communicate((data + "\n").encode("utf-8", "surrogateescape") if data is not None else None)
    out = out.decode("utf-8", "surrogateescape")
    err = err.decode("utf-8", "surrogateescape")
    if check_rc and proc.returncode != 0:
        m.fail(err.rstrip(), cmd=" ".join(shlex.quote(a) for a in argv), rc=proc.returncode,
               stdout=out, stderr=err)
    return proc.returncode, out, err


def misc_text(value):
    """to_text for what a module puts in its result (regex groups are
    bytes in wait_for)."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "surrogateescape")
    return value


# --- wait_for ---------------------------------------------------------------

WAIT_FOR_STATES = {"ESTABLISHED": "01", "SYN_SENT": "02", "SYN_RECV": "03",
                   "FIN_WAIT1": "04", "FIN_WAIT2": "05", "TIME_WAIT": "06"}

WAIT_FOR_SPEC = ArgSpec({
    "host": {"type": "str", "default": "127.0.0.1"},
    "timeout": {"type": "int", "default": 300},
    "connect_timeout": {"type": "int", "default": 5},
    "delay": {"type": "int", "default": 0},
    "port": {"type": "int"},
    "active_connection_states": {"type": "list", "elements": "str",
                                 "default": ["ESTABLISHED", "FIN_WAIT1", "FIN_WAIT2", "SYN_RECV",
                                             "SYN_SENT", "TIME_WAIT"]},
    "path": {"type": "path"},
    "search_regex": {"type": "str"},
    "state": {"type": "str", "default": "started",
              "choices": ["absent", "drained", "present", "started", "stopped"]},
    "exclude_hosts": {"type": "list", "elements": "str"},
    "sleep": {"type": "int", "default": 1},
    "msg": {"type": "str"},
})


def wait_for_now():
    return _misc_datetime.datetime.now(_misc_datetime.timezone.utc)


def wait_for_host_ips(host):
    """Forward resolution as ansible does it: every address, and each IPv4
    one again as its IPv4-mapped IPv6 form."""
    ips = []
    for family, _t, _p, _c, sockaddr in _misc_socket.getaddrinfo(host, 80, 0, 0, _misc_socket.SOL_TCP):
        ips.append((family, sockaddr[0]))
        if family == _misc_socket.AF_INET:
            ips.append((_misc_socket.AF_INET6, "::ffff:" + sockaddr[0]))
    return ips


def wait_for_host_hex(host):
    """The host's addresses as /proc/net/tcp* writes them: 32-bit words in
    host byte order, upper-case hex."""
    out = []
    if host is None:
        return out
    for family, ip in wait_for_host_ips(host):
        network_hex = _misc_binascii.b2a_hex(_misc_socket.inet_pton(family, ip))
        words = ""
        for i in range(0, len(network_hex), 8):
            words += "%08X" % _misc_socket.ntohl(int(network_hex[i:i + 8], 16))
        out.append((family, words))
    return out


class WaitForConnections(object):
    """Active TCP connections on the port, from procfs (ansible's Linux
    strategy; it needs no psutil there)."""

    SOURCES = ((_misc_socket.AF_INET, "/proc/net/tcp"), (_misc_socket.AF_INET6, "/proc/net/tcp6"))
    MATCH_ALL = {_misc_socket.AF_INET: "00000000",
                 _misc_socket.AF_INET6: "00000000000000000000000000000000"}
    MAPPED_PREFIX = "0000000000000000FFFF0000"
    MAPPED_ALL = "0000000000000000FFFF000000000000"

    def __init__(self, p):
        self.ips = wait_for_host_hex(p["host"])
        self.port = "%0.4X" % int(p["port"])
        self.exclude = []
        for host in p["exclude_hosts"] or []:
            self.exclude.extend(wait_for_host_hex(host))
        self.states = [WAIT_FOR_STATES[s] for s in p["active_connection_states"]]

    def count(self):
        active = 0
        for family, source in self.SOURCES:
            if not os.path.isfile(source):
                continue
            try:
                with open(source) as f:
                    for line in f.readlines():
                        fields = line.strip().split()
                        if fields[1] == "local_address" or fields[3] not in self.states:
                            continue
                        local_ip, local_port = fields[1].split(":")
                        if local_port != self.port:
                            continue
                        remote_ip = fields[2].split(":")[0]
                        if (family, remote_ip) in self.exclude:
                            continue
                        if ((family, local_ip) in self.ips
                                or (family, self.MATCH_ALL[family]) in self.ips
                                or (local_ip.startswith(self.MAPPED_PREFIX)
                                    and (family, self.MAPPED_ALL) in self.ips)):
                            active += 1
            except OSError:
                pass
        return active


class WaitForPsutilConnections(object):
    """Active TCP connections on the port from psutil: ansible's strategy
    on systems other than Linux (it fails there without psutil)."""

    MATCH_ALL = {_misc_socket.AF_INET: "0.0.0.0", _misc_socket.AF_INET6: "::"}

    def __init__(self, p, m):
        try:
            import psutil
        except ImportError:
            m.fail(package_missing_lib("psutil"))
        self.psutil = psutil
        self.ips = wait_for_host_ips(p["host"])
        self.port = int(p["port"])
        self.exclude = []
        for host in p["exclude_hosts"] or []:
            self.exclude.extend(wait_for_host_ips(host))
        self.states = p["active_connection_states"]

    def count(self):
        active = 0
        for proc in self.psutil.process_iter():
            try:
                connections = proc.connections(kind="inet")
            except self.psutil.Error:
                # zombies and processes gone meanwhile
                continue
            for conn in connections:
                if conn.status not in self.states:
                    continue
                local_ip, local_port = conn.laddr
                if local_port != self.port:
                    continue
                remote_ip = conn.raddr[0] if conn.raddr else None
                if (conn.family, remote_ip) in self.exclude:
                    continue
                if ((conn.family, local_ip) in self.ips
                        or (conn.family, self.MATCH_ALL.get(conn.family)) in self.ips
                        or (local_ip.startswith("::ffff")
                            and (conn.family, "::ffff:0.0.0.0") in self.ips)):
                    active += 1
        return active


def wait_for_close(s):
    """Shut the probe socket down; a peer that already dropped it is fine."""
    try:
        s.shutdown(_misc_socket.SHUT_RDWR)
    except OSError as e:
        if e.errno != _misc_errno.ENOTCONN:
            raise
    else:
        s.close()


def wait_for_seconds_left(end):
    return _misc_math.ceil((end - wait_for_now()).total_seconds())


def wait_for_file_match(path, compiled, m):
    """(found, groups, groupdict) for the regex in the file, read through
    mmap as ansible does (plain read when the file cannot be mapped)."""
    try:
        with open(path, "rb") as f:
            try:
                with _misc_contextlib.closing(_misc_mmap.mmap(f.fileno(), 0, access=_misc_mmap.ACCESS_READ)) as mm:
                    found = compiled.search(mm)
                    if found:
                        return True, found.groups(), found.groupdict()
            except (ValueError, OSError):
                found = compiled.search(f.read())
                if found:
                    return True, found.groups(), found.groupdict()
            except Exception as e:
                m.warn('wait_for failed on "%s", unexpected exception(%s): %s.).' % (path, e.__class__, e))
    except OSError:
        pass
    return False, (), {}


def wait_for_port_match(s, compiled, end):
    """Read from the connection until the regex matches what came, the
    peer closes, or the time is up."""
    data = b""
    while wait_for_now() < end:
        if not _misc_select.select([s], [], [], wait_for_seconds_left(end))[0]:
            continue
        chunk = s.recv(1024)
        if not chunk:
            return False
        data += chunk
        if compiled.search(data):
            return True
    return False


def wait_for_checks(p):
    """The argument checks ansible makes before waiting: message or None."""
    if p["port"] and p["path"]:
        return "port and path parameter can not both be passed to wait_for"
    if p["path"] and p["state"] == "stopped":
        return "state=stopped should only be used for checking a port in the wait_for module"
    if p["path"] and p["state"] == "drained":
        return "state=drained should only be used for checking a port in the wait_for module"
    if p["exclude_hosts"] is not None and p["state"] != "drained":
        return "exclude_hosts should only be with state=drained"
    for name in p["active_connection_states"]:
        if name not in WAIT_FOR_STATES:
            return "unknown active_connection_state (%s) defined" % name
    return None


def wait_for_body(p, m):
    host, port, path, state = p["host"], p["port"], p["path"], p["state"]
    timeout, connect_timeout, msg = p["timeout"], p["connect_timeout"], p["msg"]
    search_regex = p["search_regex"]
    compiled = None
    if search_regex is not None:
        try:
            compiled = re.compile(search_regex.encode("utf-8", "surrogateescape"), re.MULTILINE)
        except re.error as e:
            m.fail("Invalid regular expression: %s" % e)
    problem = wait_for_checks(p)
    if problem is not None:
        m.fail(problem, elapsed=0)
    groups, groupdict = (), {}
    start = wait_for_now()

    def fail_timeout(default):
        m.fail(msg or default, elapsed=(wait_for_now() - start).seconds)

    if p["delay"]:
        _misc_time.sleep(p["delay"])
    end = start + _misc_datetime.timedelta(seconds=timeout)
    if not port and not path and state != "drained":
        _misc_time.sleep(timeout)
    elif state in ("absent", "stopped"):
        while wait_for_now() < end:
            if path:
                try:
                    if not os.access(path, os.F_OK):
                        break
                except OSError:
                    break
            elif port:
                try:
                    s = _misc_socket.create_connection((host, port), connect_timeout)
                    s.shutdown(_misc_socket.SHUT_RDWR)
                    s.close()
                except Exception:
                    break
            _misc_time.sleep(p["sleep"])
        else:
            if port:
                fail_timeout("Timeout when waiting for %s:%s to stop." % (host, port))
            elif path:
                fail_timeout("Timeout when waiting for %s to be absent." % path)
    elif state in ("started", "present"):
        while wait_for_now() < end:
            if path:
                try:
                    os.stat(path)
                except OSError as e:
                    if e.errno != _misc_errno.ENOENT:
                        fail_timeout("Failed to stat %s, %s" % (path, e.strerror))
                else:
                    if compiled is None:
                        break
                    found, g, gd = wait_for_file_match(path, compiled, m)
                    if found:
                        groups = g or groups
                        groupdict = gd or groupdict
                        break
            elif port:
                try:
                    s = _misc_socket.create_connection(
                        (host, int(port)), min(connect_timeout, wait_for_seconds_left(end)))
                except Exception:
                    pass
                else:
                    if compiled is not None:
                        matched = wait_for_port_match(s, compiled, end)
                        wait_for_close(s)
                        if matched:
                            break
                    else:
                        wait_for_close(s)
                        break
            _misc_time.sleep(p["sleep"])
        else:
            if port:
                if search_regex:
                    fail_timeout("Timeout when waiting for search string %s in %s:%s"
                                 % (search_regex, host, port))
                fail_timeout("Timeout when waiting for %s:%s" % (host, port))
            elif path:
                if search_regex:
                    fail_timeout("Timeout when waiting for search string %s in %s" % (search_regex, path))
                fail_timeout("Timeout when waiting for file %s" % path)
    elif state == "drained":
        if _misc_platform.system() == "Linux":
            connections = WaitForConnections(p)
        else:
            connections = WaitForPsutilConnections(p, m)
        while wait_for_now() < end:
            if connections.count() == 0:
                break
            _misc_time.sleep(p["sleep"])
        else:
            fail_timeout("Timeout when waiting for %s:%s to drain" % (host, port))
    return {"state": state, "port": port, "search_regex": search_regex,
            "match_groups": [misc_text(g) for g in groups],
            "match_groupdict": dict((k, misc_text(v)) for k, v in groupdict.items()),
            "path": path, "elapsed": (wait_for_now() - start).seconds}


@native("wait_for")
def native_wait_for(agent, args, header):
    return run_module_body("wait_for", WAIT_FOR_SPEC, args, header, wait_for_body,
                           supports_check_mode=False)


# --- getent -----------------------------------------------------------------

GETENT_SPEC = ArgSpec({
    "database": {"type": "str", "required": True},
    "key": {"type": "str", "no_log": False},
    "service": {"type": "str"},
    "split": {"type": "str"},
    "fail_key": {"type": "bool", "default": True},
})

GETENT_COLON_DATABASES = ("passwd", "shadow", "group", "gshadow")


def getent_body(p, m):
    database, key, split = p["database"], p["key"], p["split"]
    cmd = [misc_required_bin(m, "getent"), database]
    if key is not None:
        cmd.append(key)
    if p["service"] is not None:
        cmd.extend(["-s", p["service"]])
    if split is None and database in GETENT_COLON_DATABASES:
        split = ":"
    rc, out, _err = misc_run(m, cmd)
    tree = "getent_%s" % database
    entries = {}
    if rc == 0:
        seen = {}
        for line in out.splitlines():
            record = line.split(split)
            name = record[0]
            if name in seen:
                # Several entries for one key become a list of them.
                if seen[name] == 1:
                    entries[name] = [entries[name]]
                entries[name].append(record[1:])
                seen[name] += 1
            else:
                entries[name] = record[1:]
                seen[name] = 1
        return {"ansible_facts": {tree: entries}}
    msg = "Unexpected failure!"
    if rc == 1:
        msg = "Missing arguments, or database unknown."
    elif rc == 2:
        msg = "One or more supplied key could not be found in the database."
        if not p["fail_key"]:
            entries[key] = None
            return {"ansible_facts": {tree: entries}, "msg": msg}
    elif rc == 3:
        msg = "Enumeration not supported on this database."
    m.fail(msg)


@native("getent")
def native_getent(agent, args, header):
    return run_module_body("getent", GETENT_SPEC, args, header, getent_body)


# --- known_hosts ------------------------------------------------------------

KNOWN_HOSTS_SPEC = ArgSpec({
    "name": {"required": True, "type": "str", "aliases": ["host"]},
    "key": {"required": False, "type": "str", "no_log": False},
    "path": {"default": "~/.ssh/known_hosts", "type": "path"},
    "hash_host": {"required": False, "type": "bool", "default": False},
    "state": {"default": "present", "choices": ["absent", "present"]},
})


def known_hosts_hash(host, key):
    """The key line with its host field replaced by a `|1|salt|hmac` hash
    under a fresh salt, as ssh-keygen -H writes it."""
    salt = os.urandom(20)
    digest = _misc_hmac.new(salt, host.encode("utf-8", "surrogateescape"), _misc_hashlib.sha1).digest()
    parts = key.strip().split()
    # A leading @cert-authority/@revoked marker comes before the host.
    i = 1 if parts[0][0] == "@" else 0
    parts[i] = "|1|%s|%s" % (_misc_base64.b64encode(salt).decode(), _misc_base64.b64encode(digest).decode())
    return " ".join(parts)


def known_hosts_fields(line):
    """A key line as {options?, host, type, key}, comment dropped."""
    k = line.strip().split()
    if k[0][0] == "@":
        return {"options": k[0], "host": k[1], "type": k[2], "key": k[3]}
    return {"host": k[0], "type": k[1], "key": k[2]}


def known_hosts_sanity(m, host, key, keygen):
    """The key given must be for the host (ssh-keygen -F on a file holding
    only it decides, which also covers hashed host fields)."""
    if not key:
        return
    if re.search(r"\S+(\s+)?,(\s+)?", host):
        m.fail("Comma separated list of names is not supported. "
               "Please pass a single name to lookup in the known_hosts file.")
    with tempfile.NamedTemporaryFile(mode="w+") as keyfile:
        try:
            keyfile.write(key)
            keyfile.flush()
        except OSError as e:
            raise Exception("Failed to write to temporary file %r." % keyfile.name) from e
        _rc, out, _err = misc_run(m, [keygen, "-F", host, "-f", keyfile.name])
    if out == "":
        m.fail("Host parameter does not match hashed host field in supplied key")


def known_hosts_search(m, host, key, path, keygen):
    """(found, replace_or_add, found_line) for the host and key in path,
    from ssh-keygen -F's listing ('# Host h found: line N' before each)."""
    if not os.path.exists(path):
        return False, False, None
    rc, out, err = misc_run(m, [keygen, "-F", host, "-f", path])
    # ssh-keygen answers 1 (OpenSSH >= 6.4) or 0 for a host it lacks.
    if out == "" and err == "" and rc in (0, 1):
        return False, False, None
    if rc != 0:
        m.fail("ssh-keygen failed (rc=%d, stdout='%s',stderr='%s')" % (rc, out, err))
    if not key:
        return True, False, None
    wanted = known_hosts_fields(key)
    found_line = None
    for line in out.split("\n"):
        if line == "":
            continue
        if line[0] == "#":
            number = re.search(r"found: line (\d+)", line)
            if number is None:
                # ansible's parse error here is an AttributeError.
                raise AttributeError("'NoneType' object has no attribute 'group'")
            found_line = int(number.group(1))
            continue
        have = known_hosts_fields(line)
        marker = have.get("options")
        if marker is not None and (marker[:15] == "@cert-authority" or marker[:7] == "@revoke"):
            if wanted == have:
                return True, False, found_line
            continue
        # An entry already hashed keeps its hash.
        if wanted["host"][:3] == "|1|" and have["host"][:3] == "|1|":
            wanted["host"] = have["host"]
        if wanted == have:
            return True, False, found_line
        if wanted["type"] == have["type"]:
            return True, True, found_line
    return True, True, None


def known_hosts_diff(path, found_line, replace_or_add, state, key):
    diff = {"before_header": path, "after_header": path, "before": "", "after": ""}
    try:
        with open(path, "r") as f:
            diff["before"] = f.read()
    except FileNotFoundError:
        diff["before_header"] = "/dev/null"
    except OSError:
        pass
    lines = diff["before"].splitlines(True)
    if (replace_or_add or state == "absent") and found_line is not None and 1 <= found_line <= len(lines):
        del lines[found_line - 1]
    if state == "present" and (replace_or_add or found_line is None):
        lines.append(key)
    diff["after"] = "".join(lines)
    return diff


def known_hosts_rewrite(m, path, found_line, drop_found, state, key):
    """Write path again without the found line (when it goes) and with the
    key appended (present), through a temp file beside it."""
    try:
        source = open(path, "r")
    except FileNotFoundError:
        source = None
    except OSError as e:
        raise Exception("Failed to read %r." % path) from e
    try:
        with tempfile.NamedTemporaryFile(mode="w+", dir=os.path.dirname(path), delete=False) as out:
            if source is not None:
                for number, line in enumerate(source):
                    if found_line == number + 1 and drop_found:
                        continue
                    out.write(line)
                source.close()
            if state == "present":
                out.write(key)
    except OSError as e:
        raise Exception("Failed to write to file %r." % path) from e
    atomic_move(m, out.name, path)


def known_hosts_enforce(p, m):
    result = {"changed": False}
    host = p["name"].lower()
    key, path, state = p["key"], p["path"], p["state"]
    keygen = misc_required_bin(m, "ssh-keygen")
    if not key and state != "absent":
        m.fail("No key specified when adding a host")
    if key and p["hash_host"]:
        key = known_hosts_hash(host, key)
    if key and not key.endswith("\n"):
        key += "\n"
    known_hosts_sanity(m, host, key, keygen)
    found, replace_or_add, found_line = known_hosts_search(m, host, key, path, keygen)
    result["diff"] = known_hosts_diff(path, found_line, replace_or_add, state, key)
    # Removing a key that is not there changes nothing.
    if state == "absent" and not found_line and key:
        return result, False
    if m.check_mode:
        result["changed"] = replace_or_add or (state == "present") != found
        return result, True
    if found and not key and state == "absent":
        misc_run(m, [keygen, "-R", host, "-f", path], check_rc=True)
        result["changed"] = True
    if replace_or_add or found != (state == "present"):
        known_hosts_rewrite(m, path, found_line, replace_or_add or state == "absent", state, key)
        result["changed"] = True
    return result, False


def known_hosts_body(p, m):
    outcome, check_exit = known_hosts_enforce(p, m)
    if check_exit:
        # ansible exits from inside the check before adding the parameters.
        return outcome
    result = _misc_copy.copy(p)
    result.update(outcome)
    return result


@native("known_hosts")
def native_known_hosts(agent, args, header):
    return run_module_body("known_hosts", KNOWN_HOSTS_SPEC, args, header, known_hosts_body)


# --- debconf ----------------------------------------------------------------

DEBCONF_SPEC = ArgSpec({
    "name": {"type": "str", "required": True, "aliases": ["pkg"]},
    "question": {"type": "str", "aliases": ["selection", "setting"]},
    "vtype": {"type": "str", "choices": ["boolean", "error", "multiselect", "note", "password", "seen",
                                          "select", "string", "text", "title"]},
    "value": {"type": "raw", "aliases": ["answer"]},
    "unseen": {"type": "bool", "default": False},
}, required_together=[["question", "vtype", "value"]])


def debconf_text(value):
    """to_text: str() for what is not text already."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "surrogateescape")
    return value if isinstance(value, str) else str(value)


def debconf_password(m, pkg, question, vtype):
    """The stored value of a password question (debconf-show masks it),
    from debconf-get-selections' tab-separated lines."""
    rc, out, err = misc_run(m, [misc_required_bin(m, "debconf-get-selections")])
    if rc != 0:
        m.fail("Failed to get the value '%s' from '%s': %s" % (question, pkg, err))
    for line in out.split("\n"):
        if not line.startswith(pkg):
            continue
        fields = line.split("\t")
        if len(fields) <= 3:
            return ""
        if fields[1] == question and fields[2] == vtype:
            return fields[3]
    return None


def debconf_selections(m, pkg):
    """debconf-show's answers for the package, `*` (seen) marks dropped.
    ansible passes the command as one string, split shell-like."""
    cmd = " ".join([misc_required_bin(m, "debconf-show"), pkg])
    rc, out, err = misc_run(m, shlex.split(cmd))
    if rc != 0:
        m.fail(err)
    selections = {}
    for line in out.splitlines():
        key, value = line.split(":", 1)
        selections[key.strip("*").strip()] = value.strip()
    return selections


def debconf_body(p, m):
    pkg, question, vtype, value = p["name"], p["question"], p["vtype"], p["value"]
    prev = debconf_selections(m, pkg)
    changed = False
    msg = ""
    if question is not None:
        if vtype is None or value is None:
            m.fail("when supplying a question you must supply a valid vtype and value")
        # debconf shows booleans as true/false.
        if vtype == "boolean":
            value = debconf_text(value).lower()
        if question not in prev:
            changed = True
        else:
            existing = prev[question]
            if vtype == "boolean":
                existing = debconf_text(prev[question]).lower()
            elif vtype == "password":
                existing = debconf_password(m, pkg, question, vtype)
            elif vtype == "multiselect" and isinstance(value, list):
                try:
                    value = sorted(value)
                except TypeError as e:
                    m.fail("Invalid value provided for 'multiselect': %s" % e)
                existing = sorted([i.strip() for i in existing.split(",")])
            if value != existing:
                changed = True
    if not changed:
        return {"changed": changed, "msg": msg, "current": prev}
    if not m.check_mode:
        if vtype == "multiselect" and isinstance(value, list):
            try:
                value = ", ".join(value)
            except TypeError as e:
                m.fail("Invalid value provided for 'multiselect': %s" % e)
        cmd = [misc_required_bin(m, "debconf-set-selections")]
        if p["unseen"]:
            cmd.append("-u")
        rc, msg, err = misc_run(m, cmd, data=" ".join([pkg, question, vtype, value]))
        if rc:
            m.fail(err)
    current = {question: value}
    if question in prev:
        prev = {question: prev[question]}
    else:
        prev[question] = ""
    diff = {}
    if m.diff:
        after = dict(prev)
        after.update(current)
        diff = {"before": prev, "after": after}
    return {"changed": changed, "msg": msg, "current": current, "previous": prev, "diff": diff}


@native("debconf")
def native_debconf(agent, args, header):
    return run_module_body("debconf", DEBCONF_SPEC, args, header, debconf_body)


# --- package_facts ----------------------------------------------------------

PACKAGE_FACTS_SPEC = ArgSpec({
    "manager": {"type": "list", "elements": "str", "default": ["auto"]},
    "strategy": {"choices": ["first", "all"], "default": "first"},
})

# ansible's manager names (its PkgMgr subclasses, sorted) then the aliases.
PACKAGE_MANAGERS = ["apk", "apt", "pacman", "pkg", "pkg_info", "portage", "rpm"]
PACKAGE_MANAGER_ALIASES = [("rpm", ["dnf", "dnf5", "yum", "zypper"]), ("pkg", ["pkg5", "pkgng"]),
                           ("pkg_info", ["openbsd_pkg"])]

# Lists installed packages with a Python library (apt, rpm) in a child
# interpreter: the library's caches and config are process-wide and must
# not stay in the agent, and the agent's interpreter may lack it (ansible
# then respawns the module under the system Python).
PACKAGE_LIB_LISTER = r'''
import json, sys
lib = sys.argv[1]
try:
    mod = __import__(lib)
except ImportError:
    print(json.dumps({"import_error": True}))
    sys.exit(0)
def text(v):
    if isinstance(v, bytes):
        return v.decode("utf-8", "surrogateescape")
    return str(v)
try:
    found = []
    if lib == "apt":
        cache = mod.Cache()
        for name in [pk for pk in cache.keys() if cache[pk].is_installed]:
            inst = cache[name].installed
            found.append(dict(name=name, version=inst.version, arch=inst.architecture,
                              category=inst.section, origin=inst.origins[0].origin))
    else:
        for h in mod.TransactionSet().dbMatch():
            found.append(dict(name=text(h[mod.RPMTAG_NAME]), version=text(h[mod.RPMTAG_VERSION]),
                              release=text(h[mod.RPMTAG_RELEASE]), epoch=text(h[mod.RPMTAG_EPOCH]),
                              arch=text(h[mod.RPMTAG_ARCH])))
    print(json.dumps({"packages": found}))
except Exception as e:
    print(json.dumps({"error": str(e)}))
'''

# Interpreters ansible probes for the library, and the commands whose
# presence makes it try (RespawningLibMgr's CLI_BINARIES/INTERPRETERS).
PACKAGE_LIB_MANAGERS = {
    "apt": ("apt", ["apt", "apt-get", "aptitude"], ["/usr/bin/python3"]),
    "rpm": ("rpm", ["rpm"], ["/usr/libexec/platform-python", "/usr/bin/python3"]),
}


def package_missing_lib(library, executable=None):
    return ("Failed to import the required Python library (%s) on %s's Python %s. Please read the module "
            "documentation and install it in the appropriate location. If the required library is "
            "installed, but Ansible is using the wrong Python interpreter, please consult the "
            "documentation on ansible_python_interpreter"
            % (library, _misc_platform.node(), executable or sys.executable))


class PackageRespawn(Exception):
    """ansible's module respawned under this interpreter: everything runs
    again as if it had started there."""

    def __init__(self, interpreter):
        Exception.__init__(self, interpreter)
        self.interpreter = interpreter


def package_lib_list(m, interpreter, lib):
    """The lister's answer under this interpreter, or None when it cannot
    import the library."""
    try:
        proc = subprocess.Popen([interpreter, "-c", PACKAGE_LIB_LISTER, lib], stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, close_fds=True, env=m.env)
    except OSError:
        return None
    out, _err = proc.communicate()
    try:
        answer = json.loads(out.decode("utf-8", "surrogateescape"))
    except ValueError:
        return None
    if not isinstance(answer, dict) or answer.get("import_error"):
        return None
    return answer


def package_lib_manager(m, name, python):
    """is_available + list_installed for a library-backed manager under
    python = {"executable", "respawned"}: the package details, or an
    exception with ansible's reason, or PackageRespawn when ansible would
    respawn the module under an interpreter that has the library."""
    lib, binaries, interpreters = PACKAGE_LIB_MANAGERS[name]
    answer = package_lib_list(m, python["executable"], lib)
    if answer is None:
        found_bin = None
        for binary in binaries:
            try:
                found_bin = misc_bin_path(binary, m.env)
            except MiscBinNotFound:
                continue
            break
        if found_bin is None:
            raise Exception(package_missing_lib(lib, python["executable"]))
        if not python["respawned"]:
            for interpreter in interpreters:
                if os.path.exists(interpreter) and package_lib_list(m, interpreter, lib) is not None:
                    raise PackageRespawn(interpreter)
        raise Exception("Found executable at %s. %s" % (found_bin, package_missing_lib(lib, python["executable"])))
    if "error" in answer:
        return None, answer["error"]
    return answer["packages"], None


def package_cli_lines(m, cli, argv, strict):
    rc, out, err = misc_run(m, [cli] + argv)
    if rc != 0 or (strict and err):
        raise Exception("Unable to list packages rc=%s : %s" % (rc, err))
    return out


def package_pacman_details(block):
    raw = {}
    last = None
    for line in block.splitlines():
        found = re.match(r"([\w ]*[\w]) +: (.*)", line)
        if found:
            last = found.group(1)
            raw[last] = found.group(2)
        else:
            raw[last] = raw[last] + "  " + line.lstrip()
    provides = None
    if raw["Provides"] != "None":
        provides = [x.split("=")[0] for x in raw["Provides"].split("  ")]
    return {"name": raw["Name"], "version": raw["Version"], "arch": raw["Architecture"], "provides": provides}


def package_pkg_details(line):
    pkg = dict(zip(["name", "version", "origin", "installed", "automatic", "arch", "category", "prefix",
                    "vital"], line.split("\t")))
    if "arch" in pkg:
        try:
            pkg["arch"] = pkg["arch"].split(":")[2]
        except IndexError:
            pass
    if "automatic" in pkg:
        pkg["automatic"] = bool(int(pkg["automatic"]))
    if "category" in pkg:
        pkg["category"] = pkg["category"].split("/", 1)[0]
    if "version" in pkg:
        if "," in pkg["version"]:
            pkg["version"], pkg["port_epoch"] = pkg["version"].split(",", 1)
        else:
            pkg["port_epoch"] = 0
        if "_" in pkg["version"]:
            pkg["version"], pkg["revision"] = pkg["version"].split("_", 1)
        else:
            pkg["revision"] = "0"
    if "vital" in pkg:
        pkg["vital"] = bool(int(pkg["vital"]))
    return pkg


def package_apk_details(line):
    nvr = line.rsplit("-", 2)
    if len(nvr) < 3:
        return {"name": line, "version": "", "release": ""}
    return {"name": nvr[0], "version": nvr[1], "release": nvr[2]}


def package_pkg_info_details(line):
    details = line.split(maxsplit=1)[0].rsplit("-", maxsplit=1)
    if len(details) < 2:
        return {"name": line, "version": ""}
    return {"name": details[0], "version": details[1]}


def package_cli_manager(m, name):
    """is_available (raising get_bin_path's error) and the details of each
    installed package for a command-line manager."""
    cli = misc_bin_path({"apk": "apk", "pacman": "pacman", "pkg": "pkg", "pkg_info": "pkg_info",
                         "portage": "qlist"}[name], m.env)
    try:
        if name == "apk":
            details = [package_apk_details(x) for x in package_cli_lines(m, cli, ["info", "-v"], False).splitlines()]
        elif name == "pacman":
            rc, out, err = misc_run_env(m, [cli, "-Qi"], {"LC_ALL": "C"})
            if rc != 0 or err:
                raise Exception("Unable to list packages rc=%s : %s" % (rc, err))
            details = [package_pacman_details(b) for b in out.split("\n\n")[:-1]]
        elif name == "pkg":
            query = "%%%s" % "\t%".join(["n", "v", "R", "t", "a", "q", "o", "p", "V"])
            details = [package_pkg_details(x) for x in package_cli_lines(m, cli, ["query", query], True).splitlines()]
        elif name == "pkg_info":
            details = [package_pkg_info_details(x) for x in package_cli_lines(m, cli, ["-a"], True).splitlines()]
        else:
            rc, out, err = misc_run_env(m, ["/bin/sh", "-c", " ".join([cli, "-Iv", "|", "xargs", "-n", "1024", "qatom"])], {})
            if rc != 0:
                raise RuntimeError("Unable to list packages rc=%s : %s" % (rc, err))
            details = [dict(zip(["category", "name", "version", "ebuild_revision", "slots", "prefixes",
                                 "sufixes"], x.split())) for x in out.splitlines()]
    except Exception as e:
        return None, str(e)
    return details, None


def misc_run_env(m, argv, update):
    """misc_run with environment additions (environ_update)."""
    saved = m.env
    m.env = dict(saved)
    m.env.update(update)
    try:
        return misc_run(m, argv)
    finally:
        m.env = saved


def package_group(name, details):
    """get_packages: details by package name, each tagged with its source."""
    packages = {}
    for d in details:
        if "source" not in d:
            d["source"] = name
        packages.setdefault(d["name"], []).append(d)
    return packages


def package_facts_body(p, m):
    python = {"executable": sys.executable, "respawned": False}
    warned = len(m.warnings)
    while True:
        try:
            return package_facts_run(p, m, python)
        except PackageRespawn as e:
            # The respawned module starts over: what it warned so far goes.
            del m.warnings[warned:]
            python = {"executable": e.interpreter, "respawned": True}


def package_facts_run(p, m, python):
    names = PACKAGE_MANAGERS + [a for _base, aliases in PACKAGE_MANAGER_ALIASES for a in aliases]
    managers = [x.lower() for x in p["manager"]]
    if "auto" in managers:
        managers.extend(names)
        managers.remove("auto")
    unsupported = set(managers).difference(names)
    if unsupported:
        if "auto" in p["manager"]:
            m.fail("Could not auto detect a usable package manager, check warnings for details.")
        m.fail("Unsupported package managers requested: %s" % ", ".join(unsupported))
    packages = {}
    found = 0
    seen = set()
    for name in managers:
        if p["strategy"] == "first" and found:
            break
        for base, aliases in PACKAGE_MANAGER_ALIASES:
            if name in aliases:
                name = base
                break
        if name in seen:
            continue
        seen.add(name)
        try:
            if name in PACKAGE_LIB_MANAGERS:
                details, failure = package_lib_manager(m, name, python)
            else:
                details, failure = package_cli_manager(m, name)
        except PackageRespawn:
            raise
        except Exception as e:
            if name in p["manager"]:
                m.warn("Requested package manager %s was not usable by this module: %s" % (name, e))
            continue
        if failure is not None:
            m.warn("Failed to retrieve packages with %s: %s" % (name, failure))
        found_here = package_group(name, details or [])
        if found_here:
            found += 1
            for k, v in found_here.items():
                packages.setdefault(k, []).extend(v)
        else:
            m.warn('Found "%s" but no associated packages' % name)
    if found == 0:
        m.fail("Could not detect a supported package manager from the following list: %s, or the required "
               "Python library is not installed. Check warnings for details." % managers)
    return {"ansible_facts": {"packages": packages}}


@native("package_facts")
def native_package_facts(agent, args, header):
    return run_module_body("package_facts", PACKAGE_FACTS_SPEC, args, header, package_facts_body)
