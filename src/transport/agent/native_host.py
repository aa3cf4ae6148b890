
# mitorun agent: native mount_facts and hostname, result for result with
# ansible-core 2.19's modules on Linux: the same mount sources read the
# same way (fstab/vfstab/mnttab/AIX stanza parsers tried in ansible's
# order, `mount` output as a fallback), the same UUID probes and
# timeouts; hostname's strategies (file, systemd's hostnamectl, Alpine,
# OpenRC, Red Hat, SLES, OpenBSD) chosen as ansible chooses them. Shipped
# with the first call of either (modules::native_code).

import codecs as _host_codecs
import fnmatch as _host_fnmatch
import platform as _host_platform
import socket as _host_socket
import threading as _host_threading

HOST_STATIC_SOURCES = ["/etc/fstab", "/etc/vfstab", "/etc/filesystems"]
HOST_DYNAMIC_SOURCES = ["/etc/mtab", "/proc/mounts", "/etc/mnttab"]
HOST_LINUX_MOUNT_RE = re.compile(
    r"^(?P<device>\S+) on (?P<mount>\S+) type (?P<fstype>\S+) \((?P<options>.+)\)$")
HOST_BSD_MOUNT_RE = re.compile(r"^(?P<device>\S+) on (?P<mount>\S+) \((?P<fstype>.+)\)$")
HOST_AIX_MOUNT_RE = re.compile(
    r"^(?P<node>\S*)\s+(?P<mounted>\S+)\s+(?P<mount>\S+)\s+(?P<fstype>\S+)\s+"
    r"(?P<time>\S+\s+\d+\s+\d+:\d+)\s+(?P<options>.*)$")
HOST_DEFAULT_TIMEOUT = 10


class HostTimeout(Exception):
    """The facts timeout's TimeoutError."""


def host_file_content(path, default=None, strip=True):
    """facts.utils.get_file_content: the text, stripped, or default when
    unreadable or empty."""
    data = default
    if os.path.exists(path) and os.access(path, os.R_OK):
        try:
            with open(path) as f:
                data = f.read()
            if strip:
                data = data.strip()
            if len(data) == 0:
                data = default
        except Exception:
            data = default
    return data


def host_bin(m, name):
    return find_bin(name, bin_search_dirs(m.env.get("PATH", "")))


class MountRun(object):
    """One mount_facts run: its parameters, warnings, and the per-run
    caches ansible keeps with lru_cache."""

    def __init__(self, m, p):
        self.m = m
        self.p = p
        self.uuid_devices = {}
        self.udev_uuids = {}
        self.lsblk_pairs = None
        self.by_uuid = None

    def timeout_handled(self, call, default=None):
        """handle_timeout: a timeout fails, warns or is ignored."""
        try:
            return call()
        except (subprocess.TimeoutExpired, HostTimeout) as e:
            if self.p["on_timeout"] == "error":
                self.m.fail(str(e))
            elif self.p["on_timeout"] == "warn":
                self.m.warn(str(e))
            return default

    def output(self, argv):
        """subprocess.check_output(text=True, timeout) in the task's env."""
        return subprocess.check_output(argv, universal_newlines=True, timeout=self.p["timeout"],
                                       env=self.m.env)

    def device_by_uuid(self, uuid):
        if uuid not in self.uuid_devices:
            found = None
            blkid = host_bin(self.m, "blkid")
            if blkid:
                try:
                    found = self.timeout_handled(lambda: self.output([blkid, "--uuid", uuid]))
                except subprocess.CalledProcessError:
                    pass
            self.uuid_devices[uuid] = found
        return self.uuid_devices[uuid]

    def lsblk(self):
        if self.lsblk_pairs is None:
            text = ""
            tool = host_bin(self.m, "lsblk")
            if tool:
                text = self.output([tool, "--list", "--noheadings", "--paths", "--output",
                                    "NAME,UUID", "--exclude", "2"])
            self.lsblk_pairs = [line.split() for line in text.splitlines()
                                if len(line.split()) == 2]
        return self.lsblk_pairs

    def udev_uuid(self, device):
        if device not in self.udev_uuids:
            text = ""
            tool = host_bin(self.m, "udevadm")
            if tool:
                text = self.output([tool, "info", "--query", "property", "--name", device])
            uuid = None
            for line in text.splitlines():
                if line.startswith("ID_FS_UUID="):
                    uuid = line.split("=", 1)[1]
                    break
            self.udev_uuids[device] = uuid
        return self.udev_uuids[device]

    def partition_uuid(self, device):
        if self.by_uuid is None:
            try:
                self.by_uuid = os.listdir("/dev/disk/by-uuid")
            except OSError:
                self.by_uuid = []
        for uuid in self.by_uuid:
            if device == os.path.realpath(os.path.join("/dev/disk/by-uuid", uuid)):
                return uuid
        for dev, uuid in self.timeout_handled(self.lsblk, default=[]):
            if device == dev:
                return uuid
        return self.timeout_handled(lambda: self.udev_uuid(device))

    def mount_size(self, mount, fstype):
        """get_mount_size in a thread, given up after the timeout (10 s
        when none is set)."""
        seconds = self.p["timeout"]
        if seconds is None:
            seconds = HOST_DEFAULT_TIMEOUT
        box = {}

        def measure():
            box["size"] = mount_sizes(mount)

        worker = _host_threading.Thread(target=measure, daemon=True)
        worker.start()
        worker.join(seconds)
        if worker.is_alive():
            raise HostTimeout("Timed out getting mount size for mount %s (type %s) after %s seconds"
                              % (mount, fstype, seconds))
        return box.get("size")

    def mount_bin_output(self):
        name = self.p["mount_binary"]
        dirs = bin_search_dirs(self.m.env.get("PATH", ""))
        path = find_bin(name, dirs)
        if path is None:
            self.m.fail('Failed to find required executable "%s" in paths: %s'
                        % (name, os.pathsep.join(dirs)))
        try:
            return self.timeout_handled(lambda: self.output(path), default="")
        except subprocess.CalledProcessError as e:
            self.m.fail("Failed to execute %s: %s" % (path, e))


def host_octal_unescape(value):
    return re.sub(r"(\\[0-7]{3})",
                  lambda mo: _host_codecs.decode(mo.group(0), "unicode_escape"), value)


def host_mount_pattern(stdout):
    lines = stdout.splitlines()
    if all(HOST_LINUX_MOUNT_RE.match(line) for line in lines):
        return HOST_LINUX_MOUNT_RE
    if all(HOST_BSD_MOUNT_RE.match(line) for line in lines if not line.startswith("map ")):
        return HOST_BSD_MOUNT_RE
    if len(lines) > 2 and all(HOST_AIX_MOUNT_RE.match(line) for line in lines[2:]):
        return HOST_AIX_MOUNT_RE
    return None


def host_mounts_from_stdout(stdout):
    """(mount point, line, fields) of each line of `mount`'s output."""
    pattern = host_mount_pattern(stdout)
    if pattern is None:
        return []
    found = []
    for line in stdout.splitlines():
        match = pattern.match(line)
        if not match:
            continue
        info = match.groupdict()
        if pattern is HOST_BSD_MOUNT_RE:
            parts = re.split(r"\s*,\s*", match.group("fstype"), maxsplit=1)
            info["fstype"] = parts[0]
            if len(parts) > 1:
                info["options"] = parts[1]
        elif pattern is HOST_AIX_MOUNT_RE:
            device = info.pop("mounted")
            node = info.pop("node")
            if device and node:
                device = "%s:%s" % (node, device)
            info["device"] = device
        found.append((info["mount"], line, info))
    return found


def host_fstab_entries(lines):
    found = []
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        fields = [host_octal_unescape(f) for f in line.split()]
        info = {"device": fields[0], "mount": fields[1], "fstype": fields[2], "options": fields[3]}
        try:
            info["dump"] = int(fields[4])
            info["passno"] = int(fields[5])
        except IndexError:
            pass
        found.append((fields[1], line, info))
    return found


def host_vfstab_entries(lines):
    found = []
    for line in lines:
        if not line.strip() or line.strip().startswith("#"):
            continue
        fields = line.split()
        passno = fields[4]
        try:
            passno = int(passno)
        except ValueError:
            pass
        info = {"device": fields[0], "device_to_fsck": fields[1], "mount": fields[2],
                "fstype": fields[3], "passno": passno, "mount_at_boot": fields[5],
                "options": fields[6]}
        found.append((fields[2], line, info))
    return found


def host_mnttab_entries(lines):
    if not any(len(line.split()[4]) == 10 for line in lines):
        raise ValueError("not mnttab")
    found = []
    for line in lines:
        fields = line.split()
        datetime.date.fromtimestamp(int(fields[4]))
        info = {"device": fields[0], "mount": fields[1], "fstype": fields[2], "options": fields[3],
                "time": int(fields[4])}
        found.append((fields[1], line, info))
    return found


def host_aix_entries(lines):
    stanzas = []
    for line in lines:
        if line.startswith("*") or not line.strip():
            continue
        if line.rstrip().endswith(":"):
            stanzas.append([line])
        else:
            if "=" not in line:
                stanzas = []
                break
            stanzas[-1].append(line)
    found = []
    for stanza in stanzas:
        original = "\n".join(stanza)
        mount = stanza.pop(0)[:-1]
        attrs = {}
        for line in stanza:
            attr, value = line.split("=", 1)
            attrs[attr.strip()] = value.strip()
        device = attrs.get("nodename") or ""
        if attrs.get("dev"):
            device = device + ":" + attrs["dev"] if device else attrs["dev"]
        found.append((mount, original, {"mount": mount, "device": device or "unknown",
                                        "fstype": attrs.get("vfs") or "unknown",
                                        "attributes": attrs}))
    return found


def host_mounts_in_file(path):
    """The entries of the first parser that takes the whole file (vfstab,
    mnttab, fstab, then AIX's stanzas: fewest false positives first)."""
    lines = host_file_content(path, "").splitlines()
    if not lines:
        return []
    for parser in (host_vfstab_entries, host_mnttab_entries, host_fstab_entries, host_aix_entries):
        try:
            return parser(lines)
        except (IndexError, ValueError):
            continue
    return []


def host_sources(run):
    sources = []
    for source in run.p["sources"] or ["all"]:
        if not source:
            run.m.fail("sources contains an empty string")
        if source in ("dynamic", "all"):
            sources.extend(HOST_DYNAMIC_SOURCES)
        if source in ("static", "all"):
            sources.extend(HOST_STATIC_SOURCES)
        elif source not in ("static", "dynamic", "all"):
            sources.append(source)
    return sources


def host_mounts_by_source(run):
    sources = host_sources(run)
    if len(set(sources)) < len(sources):
        run.m.warn("mount_facts option 'sources' contains duplicate entries, repeat sources will "
                   "be ignored: %s" % python_repr(sources))
    fallback = bool(run.p["mount_binary"]) and bool(set(sources).intersection(HOST_DYNAMIC_SOURCES))
    seen = set()
    found = []
    for source in sources:
        if source in seen:
            continue
        real = os.path.realpath(source)
        if real in seen:
            continue
        if source == "mount":
            seen.add(source)
            entries = host_mounts_from_stdout(run.mount_bin_output())
        else:
            seen.add(real)
            entries = host_mounts_in_file(source)
        if entries and source in ["mount"] + HOST_DYNAMIC_SOURCES:
            fallback = False
        found.extend((source,) + e for e in entries)
    if fallback:
        found.extend(("mount",) + e for e in host_mounts_from_stdout(run.mount_bin_output()))
    return found


def python_repr(value):
    """repr() of a list of str as Python 3 writes it (the text ansible's
    messages embed)."""
    return repr(value)


def host_mount_facts(run):
    mounts = []
    for source, mount, origin, fields in host_mounts_by_source(run):
        device, fstype = fields["device"], fields["fstype"]
        uuid = None
        if device.startswith("UUID="):
            uuid = device.split("=", 1)[1]
            device = run.device_by_uuid(uuid) or device
        if not any(_host_fnmatch.fnmatch(device, pat) for pat in run.p["devices"] or ["*"]):
            continue
        if not any(_host_fnmatch.fnmatch(fstype, pat) for pat in run.p["fstypes"] or ["*"]):
            continue
        size = run.timeout_handled(lambda: run.mount_size(mount, fstype))
        if size:
            fields.update(size)
        if uuid is None:
            try:
                uuid = run.partition_uuid(device)
            except subprocess.CalledProcessError:
                pass
        fields.update({"ansible_context": {"source": source, "source_data": origin}, "uuid": uuid})
        mounts.append(fields)
    return mounts


MOUNT_FACTS_SPEC = ArgSpec({
    "sources": {"type": "list", "elements": "str", "default": None},
    "mount_binary": {"default": "mount", "type": "raw"},
    "devices": {"type": "list", "elements": "str", "default": None},
    "fstypes": {"type": "list", "elements": "str", "default": None},
    "timeout": {"type": "float"},
    "on_timeout": {"choices": ["error", "warn", "ignore"], "default": "error"},
    "include_aggregate_mounts": {"default": None, "type": "bool"},
})


@native("mount_facts")
def native_mount_facts(agent, args, header):
    def body(p, m):
        seconds = p["timeout"]
        if seconds is not None and seconds <= 0:
            m.fail("argument 'timeout' must be a positive number or null, not %s" % seconds)
        if p["mount_binary"] is not None and not isinstance(p["mount_binary"], str):
            m.fail("argument 'mount_binary' must be a string or null, not %s" % p["mount_binary"])
        run = MountRun(m, p)
        mounts = host_mount_facts(run)
        points, by_source = {}, {}
        for mount in mounts:
            point = mount["mount"]
            if point not in points:
                points[point] = mount
            by_source.setdefault(mount["ansible_context"]["source"], []).append(point)
        repeats = [(src, pts) for src, pts in by_source.items() if len(set(pts)) != len(pts)]
        if repeats and p["include_aggregate_mounts"] is None:
            m.warn("mount_facts: ignoring repeat mounts in the following sources: %s. You can "
                   "disable this warning by configuring the 'include_aggregate_mounts' option as "
                   "True or False." % ", ".join("%s (%s)" % (src, python_repr(pts))
                                               for src, pts in repeats))
        aggregate = mounts if p["include_aggregate_mounts"] else []
        return {"ansible_facts": {"mount_points": points, "aggregate_mounts": aggregate}}
    return run_module_body("mount_facts", MOUNT_FACTS_SPEC, args, header, body)


# --- hostname ----------------------------------------------------------------

HOSTNAME_STRATEGIES = {
    "alpine": "Alpine", "debian": "Systemd", "freebsd": "FreeBSD", "generic": "Base",
    "macos": "Darwin", "macosx": "Darwin", "darwin": "Darwin", "openbsd": "OpenBSD",
    "openrc": "OpenRC", "redhat": "RedHat", "sles": "SLES", "solaris": "Solaris",
    "systemd": "Systemd",
}
HOSTNAME_SPEC = ArgSpec({
    "name": {"type": "str", "required": True},
    "use": {"type": "str", "choices": ["alpine", "debian", "freebsd", "generic", "macos", "macosx",
                                       "darwin", "openbsd", "openrc", "redhat", "sles", "solaris",
                                       "systemd"]},
})
# Linux distributions (as get_distribution names them) by strategy; any
# other Linux gets the Red Hat one (ansible's generic Linux subclass).
HOSTNAME_FILE_DISTROS = ("Debian", "Kylin", "Cumulus-linux", "Kali", "Parrot", "Ubuntu",
                         "Linuxmint", "Linaro", "Devuan", "Raspbian", "Uos", "Deepin", "Neon",
                         "Void", "Pop")
# distro.id()'s renames of os-release IDs.
HOSTNAME_DISTRO_IDS = {"ol": "oracle", "opensuse-leap": "opensuse", "sles_sap": "sles",
                       "ubuntu-core": "ubuntu", "amzn": "amazon", "arch": "arch",
                       "cloudlinux": "cloudlinux", "rhel": "rhel"}


def hostname_distribution():
    """get_distribution(): distro.id() capitalized, with ansible's renames."""
    ident = ""
    try:
        with open("/etc/os-release") as f:
            for line in f:
                key, _eq, value = line.strip().partition("=")
                if key == "ID":
                    words = shlex.split(value)
                    ident = words[0] if words else ""
    except OSError:
        pass
    ident = ident.lower().replace(" ", "_")
    ident = HOSTNAME_DISTRO_IDS.get(ident, ident)
    name = ident.capitalize()
    if name == "Amzn":
        return "Amazon"
    if name == "Rhel":
        return "Redhat"
    return name or "OtherLinux"


def hostname_distribution_version():
    try:
        with open("/etc/os-release") as f:
            for line in f:
                key, _eq, value = line.strip().partition("=")
                if key == "VERSION_ID":
                    words = shlex.split(value)
                    return words[0] if words else ""
    except OSError:
        pass
    return ""


class HostnameStrategy(object):
    """BaseStrategy: current hostname = permanent one; subclasses read and
    write them their own way."""

    def __init__(self, m):
        self.m = m
        self.changed = False

    def update_both(self, name):
        self.update_current(name)
        self.update_permanent(name)
        return self.changed

    def update_current(self, name):
        if self.current() != name:
            if not self.m.check_mode:
                self.set_current(name)
            self.changed = True

    def update_permanent(self, name):
        if self.permanent() != name:
            if not self.m.check_mode:
                self.set_permanent(name)
            self.changed = True

    def current(self):
        return self.permanent()

    def set_current(self, name):
        pass

    def permanent(self):
        raise NotImplementedError

    def set_permanent(self, name):
        raise NotImplementedError

    def command(self, argv):
        rc, out, err = self.m.run_command(argv)
        if rc != 0:
            self.m.fail("Command failed rc=%d, out=%s, err=%s" % (rc, out, err))
        return out.strip()

    def required_bin(self, name):
        dirs = bin_search_dirs(self.m.env.get("PATH", ""))
        found = find_bin(name, dirs)
        if found is None:
            self.m.fail('Failed to find required executable "%s" in paths: %s'
                        % (name, os.pathsep.join(dirs)))
        return found


class HostnameUnimplemented(HostnameStrategy):
    def update_both(self, name):
        self.unsupported()

    def current(self):
        self.unsupported()

    def permanent(self):
        self.unsupported()

    def unsupported(self):
        system = _host_platform.system()
        self.m.fail("hostname module cannot be used on platform %s (%s)"
                    % (system, hostname_distribution()))


class HostnameFile(HostnameStrategy):
    FILE = "/etc/hostname"

    def permanent(self):
        if not os.path.isfile(self.FILE):
            return ""
        return host_file_content(self.FILE, default="", strip=True)

    def set_permanent(self, name):
        try:
            with open(self.FILE, "w+") as f:
                f.write("%s\n" % name)
        except Exception as e:
            self.m.fail("failed to update hostname: %s" % e)


class HostnameSLES(HostnameFile):
    FILE = "/etc/HOSTNAME"


class HostnameAlpine(HostnameFile):
    def set_current(self, name):
        self.command([self.required_bin("hostname"), "-F", self.FILE])


class HostnameOpenBSD(HostnameFile):
    FILE = "/etc/myname"

    def __init__(self, m):
        HostnameFile.__init__(self, m)
        self.hostname_cmd = self.required_bin("hostname")

    def current(self):
        return self.command([self.hostname_cmd])

    def set_current(self, name):
        self.command([self.hostname_cmd, name])


class HostnameRedHat(HostnameStrategy):
    NETWORK_FILE = "/etc/sysconfig/network"

    def permanent(self):
        try:
            for line in (host_file_content(self.NETWORK_FILE) or "").splitlines():
                line = line.strip()
                if line.startswith("HOSTNAME"):
                    _key, value = line.split("=")
                    return value.strip()
        except Exception as e:
            self.m.fail("failed to read hostname: %s" % e)
        self.m.fail("Unable to locate HOSTNAME entry in %s" % self.NETWORK_FILE)

    def set_permanent(self, name):
        try:
            content = host_file_content(self.NETWORK_FILE, strip=False) or ""
            lines, found = [], False
            for line in content.splitlines(True):
                if line.strip().startswith("HOSTNAME"):
                    lines.append("HOSTNAME=%s\n" % name)
                    found = True
                else:
                    lines.append(line)
            if not found:
                lines.append("HOSTNAME=%s\n" % name)
            with open(self.NETWORK_FILE, "w+") as f:
                f.writelines(lines)
        except Exception as e:
            self.m.fail("failed to update hostname: %s" % e)


class HostnameOpenRC(HostnameStrategy):
    FILE = "/etc/conf.d/hostname"

    def permanent(self):
        if not os.path.isfile(self.FILE):
            return ""
        try:
            for line in (host_file_content(self.FILE) or "").splitlines():
                line = line.strip()
                if line.startswith("hostname="):
                    return line[10:].strip('"')
        except Exception as e:
            self.m.fail("failed to read hostname: %s" % e)
        return None

    def set_permanent(self, name):
        try:
            lines = [x.strip() for x in (host_file_content(self.FILE) or "").splitlines()]
            for i, line in enumerate(lines):
                if line.startswith("hostname="):
                    lines[i] = 'hostname="%s"' % name
                    break
            with open(self.FILE, "w") as f:
                f.write("\n".join(lines) + "\n")
        except Exception as e:
            self.m.fail("failed to update hostname: %s" % e)


class HostnameSystemd(HostnameStrategy):
    def __init__(self, m):
        HostnameStrategy.__init__(self, m)
        self.hostnamectl = self.required_bin("hostnamectl")

    def current(self):
        return self.command([self.hostnamectl, "--transient", "status"])

    def set_current(self, name):
        self.check_length(name)
        self.command([self.hostnamectl, "--transient", "set-hostname", name])

    def permanent(self):
        return self.command([self.hostnamectl, "--static", "status"])

    def set_permanent(self, name):
        self.check_length(name)
        self.command([self.hostnamectl, "--pretty", "--static", "set-hostname", name])

    def check_length(self, name):
        if len(name) > 64:
            self.m.fail("name cannot be longer than 64 characters on systemd servers, try a "
                        "shorter name")

    def update_both(self, name):
        self.update_permanent(name)
        self.update_current(name)
        return self.changed


HOSTNAME_CLASSES = {"Alpine": HostnameAlpine, "Systemd": HostnameSystemd, "Base": HostnameStrategy,
                    "OpenBSD": HostnameOpenBSD, "OpenRC": HostnameOpenRC,
                    "RedHat": HostnameRedHat, "SLES": HostnameSLES}


def hostname_systemd_managed(m):
    """ServiceMgrFactCollector.is_systemd_managed: systemctl exists and
    one of systemd's runtime dirs does."""
    if host_bin(m, "systemctl") is None:
        return False
    return any(os.path.exists(d) for d in ("/run/systemd/system/", "/dev/.run/systemd/",
                                           "/dev/.systemd/"))


def hostname_default_class():
    """The strategy of this Linux distribution's Hostname subclass."""
    distribution = hostname_distribution()
    if distribution in HOSTNAME_FILE_DISTROS:
        return HostnameFile
    if distribution == "Gentoo":
        return HostnameOpenRC
    if distribution == "Alpine":
        return HostnameAlpine
    if distribution == "Sles":
        try:
            version = hostname_distribution_version()
            if version and 10 <= float(version) <= 12:
                return HostnameSLES
        except ValueError:
            pass
        return HostnameUnimplemented
    return HostnameRedHat


@native("hostname")
def native_hostname(agent, args, header):
    def body(p, m):
        if p["use"] is not None:
            strategy = HOSTNAME_CLASSES[HOSTNAME_STRATEGIES[p["use"]]](m)
        elif hostname_systemd_managed(m):
            strategy = HostnameSystemd(m)
        else:
            strategy = hostname_default_class()(m)
        name = p["name"]
        current = strategy.current()
        permanent = strategy.permanent()
        changed = strategy.update_both(name)
        before = current if name != current else permanent
        fqdn = _host_socket.getfqdn()
        result = {"changed": changed, "name": name,
                  "ansible_facts": {"ansible_hostname": name.split(".")[0],
                                    "ansible_nodename": name, "ansible_fqdn": fqdn,
                                    "ansible_domain": ".".join(_host_socket.getfqdn().split(".")[1:])}}
        if changed:
            result["diff"] = {"after": "hostname = " + name + "\n",
                              "before": "hostname = " + before + "\n"}
        return result
    return run_module_body("hostname", HOSTNAME_SPEC, args, header, body)
