# mitorun agent: facts about the platform and the distribution (the
# `platform`, `distribution` and `lsb` collectors). ansible answers the
# distribution from its bundled `distro` library plus its own release-file
# parsers; FactsDistro answers the same questions from the same sources.

FACTS_QUOTES = "'\"\\"


@fact_collector("platform", ids=("system", "kernel", "kernel_version", "machine", "python_version",
                                 "architecture", "machine_id"))
def facts_platform(ctx):
    uname = os.uname()
    f = {
        "system": uname.sysname,
        "kernel": uname.release,
        "kernel_version": uname.version,
        "machine": uname.machine,
        "python_version": platform.python_version(),
        "fqdn": socket.getfqdn(),
        "hostname": uname.nodename.split(".")[0],
        "nodename": uname.nodename,
    }
    f["domain"] = ".".join(f["fqdn"].split(".")[1:])
    f["userspace_bits"] = str(struct.calcsize("P") * 8)
    machine = f["machine"]
    if machine == "x86_64" or re.search(r"i([3456]86|86pc)", machine):
        f["architecture"] = "x86_64" if machine == "x86_64" else "i386"
        bits = {"64": "x86_64", "32": "i386"}.get(f["userspace_bits"])
        if bits:
            f["userspace_architecture"] = bits
    else:
        f["architecture"] = machine
    machine_id = facts_read("/var/lib/dbus/machine-id") or facts_read("/etc/machine-id")
    if machine_id:
        f["machine_id"] = machine_id.splitlines()[0]
    return f


def facts_lsb_release(ctx):
    """`lsb_release -a`, once for both the distribution guess and the lsb
    facts: (rc, stdout) or None when the program is missing."""
    path = ctx.bin("lsb_release")
    if path is None:
        return None
    emulated = facts_minimal_lsb_release_cached(ctx, path)
    if emulated is not None:
        return 0, emulated
    rc, out, _ = ctx.run("lsb_release", [path, "-a"])
    return rc, out


def facts_minimal_lsb_release_cached(ctx, path):
    if "minimal_lsb" not in ctx.cache:
        ctx.cache["minimal_lsb"] = facts_minimal_lsb_release(path)
    return ctx.cache["minimal_lsb"]


def facts_start_lsb_release(ctx):
    path = ctx.bin("lsb_release")
    if path is not None and facts_minimal_lsb_release_cached(ctx, path) is None:
        ctx.start("lsb_release", [path, "-a"])


# The lines that make up the behaviour of the minimal shell lsb_release
# (Debian 12+, Ubuntu 24.04+): its output is os-release's fields.
FACTS_MINIMAL_LSB_LINES = (
    '[ -f /usr/lib/os-release ] && os_release=/usr/lib/os-release',
    '[ -f /etc/os-release ] && os_release=/etc/os-release',
    '[ "${LSB_OS_RELEASE-x}" != "x" ] && [ -f "$LSB_OS_RELEASE" ] && os_release="$LSB_OS_RELEASE"',
    '[ "${os_release-x}" != "x" ] && . "$os_release"',
    'display_line "Distributor ID" "${ID:-n/a}"',
    'display_line "Description" "${PRETTY_NAME:-n/a}"',
    'display_line "Release" "${VERSION_ID:-n/a}"',
    'display_line "Codename" "${VERSION_CODENAME:-n/a}"',
)


def facts_minimal_lsb_release(path):
    """What `lsb_release -a` prints when it is the minimal shell script
    (recognised by its defining lines and nothing else), computed here
    instead of running it and the ten programs it runs; None otherwise."""
    try:
        if os.path.getsize(path) > 8192:
            return None
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except (OSError, UnicodeError):
        return None
    lines = set(line.strip() for line in text.splitlines())
    if not text.startswith("#!/bin/sh") or not all(l in lines for l in FACTS_MINIMAL_LSB_LINES):
        return None
    shell = dict((k, os.environ[k]) for k in ("ID", "NAME", "PRETTY_NAME", "VERSION_ID",
                                              "VERSION_CODENAME", "os_release") if k in os.environ)
    if os.path.isfile("/usr/lib/os-release"):
        shell["os_release"] = "/usr/lib/os-release"
    if os.path.isfile("/etc/os-release"):
        shell["os_release"] = "/etc/os-release"
    custom = os.environ.get("LSB_OS_RELEASE")
    if custom is not None and os.path.isfile(custom):
        shell["os_release"] = custom
    if "os_release" in shell:
        try:
            with open(shell["os_release"], encoding="utf-8") as f:
                lexer = shlex.shlex(f, posix=True)
                lexer.whitespace_split = True
                for token in list(lexer):
                    if "=" in token:
                        k, v = token.split("=", 1)
                        shell[k] = v
        except (OSError, UnicodeError, ValueError):
            return None
    ascii_lower = dict((ord(c), ord(c) + 32) for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    distro_id = shell.get("ID", "")
    if distro_id[:1] in "abcdefghijklmnopqrstuvwxyz" and distro_id:
        distro_id = distro_id[0].upper() + distro_id[1:]
    if "NAME" in shell and distro_id.translate(ascii_lower) == shell["NAME"].translate(ascii_lower):
        distro_id = shell["NAME"]
    return "".join("%s:\t%s\n" % (label, value or "n/a") for label, value in (
        ("Distributor ID", distro_id), ("Description", shell.get("PRETTY_NAME")),
        ("Release", shell.get("VERSION_ID")), ("Codename", shell.get("VERSION_CODENAME"))))


class FactsDistro(object):
    """The answers of the `distro` library ansible bundles: os-release
    first, then lsb_release, then a *-release file in /etc, then uname."""

    RELEASE_LINE = re.compile(r"(?:[^)]*\)(.*)\()? *(?:STL )?([\d.+\-a-z]*\d) *(?:esaeler *)?(.+)")
    RELEASE_NAME = re.compile(r"(\w+)[-_](release|version)$")
    IGNORED = ("debian_version", "lsb-release", "oem-release", "os-release", "system-release",
               "plesk-release", "iredmail-release", "board-release", "ec2_version")
    OS_ID = {"ol": "oracle", "opensuse-leap": "opensuse"}
    LSB_ID = {"enterpriseenterpriseas": "oracle", "enterpriseenterpriseserver": "oracle",
              "redhatenterpriseworkstation": "rhel", "redhatenterpriseserver": "rhel",
              "redhatenterprisecomputenode": "rhel"}
    FILE_ID = {"redhat": "rhel"}

    def __init__(self, ctx):
        self.ctx = ctx
        self._lsb = None
        self._release_file = None
        self.os_release = self.read_os_release()

    @staticmethod
    def read_os_release():
        etc, usr = "/etc/os-release", "/usr/lib/os-release"
        path = etc if os.path.isfile(etc) or not os.path.isfile(usr) else usr
        if not os.path.isfile(path):
            return {}
        with open(path, encoding="utf-8") as f:
            lexer = shlex.shlex(f, posix=True)
            lexer.whitespace_split = True
            props = {}
            for token in list(lexer):
                if "=" in token:
                    k, v = token.split("=", 1)
                    props[k.lower()] = v
        if "version" in props:
            m = re.search(r"\((\D+)\)|,\s*(\D+)", props["version"])
            if m:
                props["codename"] = props["release_codename"] = m.group(1) or m.group(2)
        if "version_codename" in props:
            props["codename"] = props["version_codename"]
        elif "ubuntu_codename" in props:
            props["codename"] = props["ubuntu_codename"]
        return props

    @property
    def lsb(self):
        if self._lsb is None:
            self._lsb = {}
            got = facts_lsb_release(self.ctx)
            if got is not None and got[0] == 0:
                for line in got[1].splitlines():
                    kv = line.strip("\n").split(":", 1)
                    if len(kv) == 2:
                        self._lsb[kv[0].replace(" ", "_").lower()] = kv[1].strip()
        return self._lsb

    @property
    def release_file(self):
        if self._release_file is None:
            self._release_file = self.read_release_file()
        return self._release_file

    def read_release_file(self):
        try:
            names = sorted(n for n in os.listdir("/etc")
                           if n not in self.IGNORED and os.path.isfile(os.path.join("/etc", n)))
        except OSError:
            names = ["SuSE-release", "altlinux-release", "arch-release", "base-release",
                     "centos-release", "fedora-release", "gentoo-release", "mageia-release",
                     "mandrake-release", "mandriva-release", "mandrivalinux-release",
                     "manjaro-release", "oracle-release", "redhat-release", "rocky-release",
                     "sl-release", "slackware-version"]
        for name in names:
            m = self.RELEASE_NAME.match(name)
            if m is None:
                continue
            try:
                with open(os.path.join("/etc", name), encoding="utf-8") as f:
                    info = self.parse_release_line(f.readline())
            except OSError:
                info = {}
            if "name" not in info:
                continue
            info["id"] = m.group(1)
            if "cloudlinux" in info.get("name", "").lower():
                info["id"] = "cloudlinux"
            return info
        return {}

    @classmethod
    def parse_release_line(cls, line):
        # The pattern reads the line backwards: version and codename sit
        # at its end.
        m = cls.RELEASE_LINE.match(line.strip()[::-1])
        info = {}
        if m:
            info["name"] = m.group(3)[::-1]
            if m.group(2):
                info["version_id"] = m.group(2)[::-1]
            if m.group(1):
                info["codename"] = m.group(1)[::-1]
        elif line:
            info["name"] = line.strip()
        return info

    @staticmethod
    def uname():
        u = os.uname()
        m = re.search(r"^([^\s]+)\s+([\d\.]+)", ("%s %s" % (u.sysname, u.release)).strip())
        if not m or m.group(1) == "Linux":
            return {}
        return {"id": m.group(1).lower(), "name": m.group(1), "release": m.group(2)}

    def id(self):
        for value, table in ((self.os_release.get("id", ""), self.OS_ID),
                             (self.lsb.get("distributor_id", ""), self.LSB_ID),
                             (self.release_file.get("id", ""), self.FILE_ID),
                             (self.uname().get("id", ""), self.FILE_ID)):
            if value:
                value = value.lower().replace(" ", "_")
                return table.get(value, value)
        return ""

    def like(self):
        return self.os_release.get("id_like", "")

    def debian_version(self):
        try:
            with open("/etc/debian_version", encoding="ascii") as f:
                return f.readline().rstrip()
        except FileNotFoundError:
            return ""

    def version(self, best=False):
        candidates = [
            self.os_release.get("version_id", ""),
            self.lsb.get("release", ""),
            self.release_file.get("version_id", ""),
            self.parse_release_line(self.os_release.get("pretty_name", "")).get("version_id", ""),
            self.parse_release_line(self.lsb.get("description", "")).get("version_id", ""),
            self.uname().get("release", ""),
        ]
        if self.uname().get("id", "").startswith("aix"):
            candidates.insert(0, "")
        elif self.id() == "debian" or "debian" in self.like().split():
            candidates.append(self.debian_version())
        version = ""
        for v in candidates:
            if best:
                # The most precise one; among equals, the last.
                if v.count(".") > version.count(".") or version == "":
                    version = v
            elif v != "":
                return v
        return version

    def codename(self):
        if "codename" in self.os_release:
            return self.os_release["codename"]
        return self.lsb.get("codename", "") or self.release_file.get("codename", "") or ""

    # ansible's sys_info wrappers around the library.
    def ansible_name(self):
        name = self.id().capitalize()
        return {"Amzn": "Amazon", "Rhel": "Redhat", "": "OtherLinux"}.get(name, name)

    def ansible_version(self):
        version = self.version()
        distro_id = self.id()
        if distro_id == "centos":
            version = ".".join(self.version(best=True).split(".")[:2])
        elif distro_id == "debian":
            version = self.version(best=True)
        return version

    def ansible_codename(self):
        codename = self.os_release.get("version_codename")
        if codename is None:
            codename = self.os_release.get("ubuntu_codename")
        if codename is None and self.id() == "ubuntu":
            codename = self.lsb.get("codename")
        if codename is None:
            codename = self.codename() or None
        return codename


# The files ansible looks at, in its order: (path, name, may be empty).
FACTS_DIST_FILES = (
    ("/etc/altlinux-release", "Altlinux", False),
    ("/etc/oracle-release", "OracleLinux", False),
    ("/etc/slackware-version", "Slackware", False),
    ("/etc/centos-release", "CentOS", False),
    ("/etc/redhat-release", "RedHat", False),
    ("/etc/vmware-release", "VMwareESX", True),
    ("/etc/openwrt_release", "OpenWrt", False),
    ("/etc/os-release", "Amazon", False),
    ("/etc/system-release", "Amazon", False),
    ("/etc/alpine-release", "Alpine", False),
    ("/etc/arch-release", "Archlinux", True),
    ("/etc/os-release", "Archlinux", False),
    ("/etc/os-release", "SUSE", False),
    ("/etc/SuSE-release", "SUSE", False),
    ("/etc/gentoo-release", "Gentoo", False),
    ("/etc/os-release", "Debian", False),
    ("/etc/lsb-release", "Debian", False),
    ("/etc/lsb-release", "Mandriva", False),
    ("/etc/sourcemage-release", "SMGL", False),
    ("/usr/lib/os-release", "ClearLinux", False),
    ("/etc/coreos/update.conf", "Coreos", False),
    ("/etc/os-release", "Flatcar", False),
    ("/etc/os-release", "NA", False),
)

# A name found in the file's text names the distribution as is.
FACTS_DIST_SEARCH = {"OracleLinux": "Oracle Linux", "RedHat": "Red Hat", "Altlinux": "ALT",
                     "SMGL": "Source Mage GNU/Linux"}
FACTS_DIST_ALIAS = {"Archlinux": "Arch Linux"}

FACTS_OS_FAMILY = {}
for _family, _names in (
        ("RedHat", ("RedHat", "RHEL", "Fedora", "CentOS", "Scientific", "SLC", "Ascendos",
                    "CloudLinux", "PSBM", "OracleLinux", "OVS", "OEL", "Amazon", "Amzn",
                    "Virtuozzo", "XenServer", "Alibaba", "EulerOS", "openEuler", "AlmaLinux",
                    "Rocky", "TencentOS", "EuroLinux", "Kylin Linux Advanced Server", "MIRACLE")),
        ("Debian", ("Debian", "Ubuntu", "Raspbian", "Neon", "KDE neon", "Linux Mint", "SteamOS",
                    "Devuan", "Kali", "Cumulus Linux", "Pop!_OS", "Parrot", "Pardus GNU/Linux",
                    "Uos", "Deepin", "OSMC", "Linux Mint Debian Edition")),
        ("Suse", ("SuSE", "SLES", "SLED", "openSUSE", "openSUSE Tumbleweed", "SLES_SAP",
                  "SUSE_LINUX", "openSUSE Leap", "ALP-Dolomite", "SL-Micro", "openSUSE MicroOS")),
        ("Archlinux", ("Archlinux", "Antergos", "Manjaro")),
        ("Mandrake", ("Mandrake", "Mandriva")),
        ("Solaris", ("Solaris", "Nexenta", "OmniOS", "OpenIndiana", "SmartOS")),
        ("Slackware", ("Slackware",)),
        ("Altlinux", ("Altlinux",)),
        ("SMGL", ("SMGL",)),
        ("Gentoo", ("Gentoo", "Funtoo")),
        ("Alpine", ("Alpine",)),
        ("AIX", ("AIX",)),
        ("HP-UX", ("HPUX",)),
        ("Darwin", ("MacOSX",)),
        ("FreeBSD", ("FreeBSD", "TrueOS")),
        ("ClearLinux", ("Clear Linux OS", "Clear Linux Mix")),
        ("DragonFly", ("DragonflyBSD", "DragonFlyBSD", "Gentoo/DragonflyBSD", "Gentoo/DragonFlyBSD")),
        ("NetBSD", ("NetBSD",))):
    for _name in _names:
        FACTS_OS_FAMILY[_name] = _family


def facts_dist_slackware(ctx, data, path, known):
    if "Slackware" not in data:
        return False, {}
    f = {"distribution": "Slackware"}
    version = re.findall(r"\w+[.]\w+\+?", data)
    if version:
        f["distribution_version"] = version[0]
    return True, f


def facts_dist_amazon(ctx, data, path, known):
    if "Amazon" not in data:
        return False, {}
    f = {"distribution": "Amazon"}
    if path == "/etc/os-release":
        m = re.search(r"VERSION_ID=\"(.*)\"", data)
        if m:
            f["distribution_version"] = m.group(1)
            parts = m.group(1).split(".")
            # ansible unpacks exactly two parts: more is an error there too.
            if len(parts) > 1:
                major, minor = parts
            else:
                major, minor = parts[0], "NA"
            f["distribution_major_version"] = major
            f["distribution_minor_version"] = minor
    else:
        digits = [w for w in data.split() if w.isdigit()]
        f["distribution_version"] = digits[0] if digits else "NA"
    return True, f


def facts_dist_openwrt(ctx, data, path, known):
    if "OpenWrt" not in data:
        return False, {}
    f = {"distribution": "OpenWrt"}
    m = re.search('DISTRIB_RELEASE="(.*)"', data)
    if m:
        f["distribution_version"] = m.group(1)
    m = re.search('DISTRIB_CODENAME="(.*)"', data)
    if m:
        f["distribution_release"] = m.group(1)
    return True, f


def facts_dist_alpine(ctx, data, path, known):
    return True, {"distribution": "Alpine", "distribution_version": data}


def facts_dist_suse(ctx, data, path, known):
    if "suse" not in data.lower():
        return False, {}
    f = {}
    lower = data.lower()
    if path == "/etc/os-release":
        for line in data.splitlines():
            m = re.search("^NAME=(.*)", line)
            if m:
                f["distribution"] = m.group(1).strip('"')
            m = re.search(r'^VERSION_ID="?([0-9]+\.?[0-9]*)"?', line)
            if m:
                f["distribution_version"] = m.group(1)
                f["distribution_major_version"] = m.group(1).split(".")[0]
            if "open" in lower:
                m = re.search(r'^VERSION_ID="?[0-9]+\.?([0-9]*)"?', line)
                if m:
                    f["distribution_release"] = m.group(1)
            elif "enterprise" in lower and "VERSION_ID" in line:
                m = re.search(r'^VERSION_ID="?[0-9]+\.?([0-9]*)"?', line)
                f["distribution_release"] = m.group(1) or "0"
    elif path == "/etc/SuSE-release":
        if "open" in lower:
            f["distribution"] = facts_read(path).splitlines()[0].split()[0]
            for line in data.splitlines():
                m = re.search("CODENAME *= *([^\n]+)", line)
                if m:
                    f["distribution_release"] = m.group(1).strip()
        elif "enterprise" in lower:
            lines = data.splitlines()
            # ansible reads the first word of the first line (and fails
            # on an empty one) before looking for the product.
            lines[0].split()[0]
            if "Server" in data:
                f["distribution"] = "SLES"
            elif "Desktop" in data:
                f["distribution"] = "SLED"
            for line in lines:
                m = re.search("PATCHLEVEL = ([0-9]+)", line)
                if m:
                    f["distribution_release"] = m.group(1)
                    f["distribution_version"] = known["distribution_version"] + "." + m.group(1)
    m = re.search(r'^VARIANT_ID="?([^"\n]*)"?', data, re.MULTILINE)
    if m:
        if m.group(1) in ("server-sap", "sles-sap"):
            f["distribution"] = "SLES_SAP"
        elif m.group(1) == "transactional":
            f["distribution"] = "SL-Micro"
    elif os.path.islink("/etc/products.d/baseproduct"):
        target = os.path.realpath("/etc/products.d/baseproduct")
        if target.endswith("SLES_SAP.prod"):
            f["distribution"] = "SLES_SAP"
        elif target.endswith("SL-Micro.prod"):
            f["distribution"] = "SL-Micro"
    return True, f


def facts_dist_debian_release_from_dpkg(ctx):
    dpkg = ctx.bin("dpkg")
    if not dpkg:
        return None
    # ansible passes this pipeline without a shell, so dpkg sees the pipe
    # signs as arguments; it is kept as ansible runs it.
    cmd = shlex.split("%s --status tzdata|grep Provides|cut -f2 -d'-'" % dpkg)
    rc, out, _ = ctx.run("dpkg-tzdata", cmd)
    return out.strip() if rc == 0 else None


def facts_version_pair(data, key_re, major_split=True):
    m = re.search(key_re, data)
    if not m:
        return {}
    version = m.group(1)
    return {"distribution_version": version,
            "distribution_major_version": version.split(".")[0] if major_split else version}


def facts_dist_debian(ctx, data, path, known):
    f = {}
    if "Debian" in data or "Raspbian" in data:
        f["distribution"] = "Debian"
        m = re.search(r"PRETTY_NAME=[^(]+ \(?([^)]+?)\)", data)
        if m:
            f["distribution_release"] = m.group(1)
        if known["distribution_release"] == "NA" and "Debian" in data:
            release = facts_dist_debian_release_from_dpkg(ctx)
            if release is not None:
                f["distribution_release"] = release
        for line in facts_lines("/etc/debian_version"):
            m = re.search(r"(\d+)\.(\d+)", line.strip())
            if m:
                f["distribution_minor_version"] = m.group(2)
    elif "Ubuntu" in data:
        f["distribution"] = "Ubuntu"
    elif "SteamOS" in data:
        f["distribution"] = "SteamOS"
    elif path in ("/etc/lsb-release", "/etc/os-release") and ("Kali" in data or "Parrot" in data):
        f["distribution"] = "Kali" if "Kali" in data else "Parrot"
        m = re.search("DISTRIB_RELEASE=(.*)", data)
        if m:
            f["distribution_release"] = m.group(1)
    elif "Devuan" in data:
        f["distribution"] = "Devuan"
        m = re.search(r"PRETTY_NAME=\"?[^(\"]+ \(?([^) \"]+)\)?", data)
        if m:
            f["distribution_release"] = m.group(1)
        f.update(facts_version_pair(data, r"VERSION_ID=\"(.*)\"", major_split=False))
    elif "Cumulus" in data:
        f["distribution"] = "Cumulus Linux"
        m = re.search(r"VERSION_ID=(.*)", data)
        if m:
            major, _minor, _patch = m.group(1).split(".")
            f["distribution_version"] = m.group(1)
            f["distribution_major_version"] = major
        m = re.search(r'VERSION="(.*)"', data)
        if m:
            f["distribution_release"] = m.group(1)
    elif "Mint" in data:
        f["distribution"] = "Linux Mint"
        f.update(facts_version_pair(data, r"VERSION_ID=\"(.*)\""))
    elif "UOS" in data or "Uos" in data or "uos" in data:
        f["distribution"] = "Uos"
        m = re.search(r"VERSION_CODENAME=\"?([^\"]+)\"?", data)
        if m:
            f["distribution_release"] = m.group(1)
        f.update(facts_version_pair(data, r"VERSION_ID=\"(.*)\""))
    elif "Deepin" in data or "deepin" in data:
        f["distribution"] = "Deepin"
        m = re.search(r"VERSION_CODENAME=\"?([^\"]+)\"?", data)
        if m:
            f["distribution_release"] = m.group(1)
        f.update(facts_version_pair(data, r"VERSION_ID=\"(.*)\""))
    elif "LMDE" in data:
        f["distribution"] = "Linux Mint Debian Edition"
    else:
        return False, f
    return True, f


def facts_dist_mandriva(ctx, data, path, known):
    if "Mandriva" not in data:
        return False, {}
    f = {"distribution": "Mandriva"}
    m = re.search('DISTRIB_RELEASE="(.*)"', data)
    if m:
        f["distribution_version"] = m.group(1)
    m = re.search('DISTRIB_CODENAME="(.*)"', data)
    if m:
        f["distribution_release"] = m.group(1)
    return True, f


def facts_dist_na(ctx, data, path, known):
    f = {}
    for line in data.splitlines():
        m = re.search("^NAME=(.*)", line)
        if m:
            f["distribution"] = m.group(1).strip('"')
        m = re.search("^VERSION=(.*)", line)
        if m and known["distribution_version"] == "NA":
            f["distribution_version"] = m.group(1).strip('"')
    return True, f


def facts_dist_coreos(ctx, data, path, known):
    if FactsDistro(ctx).ansible_name().lower() != "coreos" or not data:
        return False, {}
    f = {}
    m = re.search("^GROUP=(.*)", data)
    if m:
        f["distribution_release"] = m.group(1).strip('"')
    return True, f


def facts_dist_flatcar(ctx, data, path, known):
    if FactsDistro(ctx).ansible_name().lower() != "flatcar" or not data:
        return False, {}
    f = {}
    m = re.search("VERSION=(.*)", data)
    if m:
        version = m.group(1).strip('"')
        f["distribution_major_version"] = version.split(".")[0]
        f["distribution_version"] = version
    return True, f


def facts_dist_clearlinux(ctx, data, path, known):
    f = {}
    m = re.search('NAME="(.*)"', data)
    if m:
        if "Clear Linux" not in m.group(1):
            return False, {}
        f["distribution"] = m.group(1)
    m = re.search("VERSION_ID=(.*)", data)
    if m:
        f["distribution_major_version"] = m.group(1)
        f["distribution_version"] = m.group(1)
    m = re.search("ID=(.*)", data)
    if m:
        f["distribution_release"] = m.group(1)
    return True, f


def facts_dist_centos(ctx, data, path, known):
    if "CentOS Stream" in data:
        return True, {"distribution_release": "Stream"}
    if "TencentOS Server" in data:
        return True, {"distribution": "TencentOS"}
    return False, {}


FACTS_DIST_PARSERS = {
    "Slackware": facts_dist_slackware, "Amazon": facts_dist_amazon,
    "OpenWrt": facts_dist_openwrt, "Alpine": facts_dist_alpine, "SUSE": facts_dist_suse,
    "Debian": facts_dist_debian, "Mandriva": facts_dist_mandriva, "NA": facts_dist_na,
    "Coreos": facts_dist_coreos, "Flatcar": facts_dist_flatcar,
    "ClearLinux": facts_dist_clearlinux, "CentOS": facts_dist_centos,
}


def facts_parse_dist_file(ctx, name, data, path, known):
    data = data.strip(FACTS_QUOTES)
    if name in FACTS_DIST_SEARCH:
        if FACTS_DIST_SEARCH[name] in data:
            return True, {"distribution": name,
                          "distribution_file_search_string": FACTS_DIST_SEARCH[name]}
        return True, {"distribution": data.split()[0]}
    if name in FACTS_DIST_ALIAS:
        if FACTS_DIST_ALIAS[name] in data:
            return True, {"distribution": name}
        return False, {}
    parser = FACTS_DIST_PARSERS.get(name)
    if parser is None:
        return False, {}
    return parser(ctx, data, path, known)


def facts_linux_distribution(ctx):
    distro = FactsDistro(ctx)
    name, version, codename = distro.ansible_name(), distro.ansible_version(), distro.ansible_codename()
    f = {
        "distribution": name or "NA",
        "distribution_version": version or "NA",
        "distribution_release": "NA" if codename is None else codename,
    }
    f["distribution_major_version"] = f["distribution_version"].split(".")[0] or "NA"
    for path, name, may_be_empty in FACTS_DIST_FILES:
        if not os.path.isfile(path) or (not may_be_empty and os.path.getsize(path) == 0):
            continue
        if may_be_empty:
            f.update(distribution=name, distribution_file_path=path, distribution_file_variety=name)
            break
        parsed, found = facts_parse_dist_file(ctx, name, facts_read(path), path, f)
        if parsed:
            f.update(distribution=name, distribution_file_path=path,
                     distribution_file_variety=name, distribution_file_parsed=parsed)
            f.update(found)
            break
    return f


@fact_collector("distribution", ids=("distribution_version", "distribution_release",
                                     "distribution_major_version", "os_family"),
                commands=facts_start_lsb_release)
def facts_distribution(ctx):
    u = os.uname()
    f = {"distribution": u.sysname, "distribution_release": u.release,
         "distribution_version": u.version}
    if u.sysname == "Linux":
        f.update(facts_linux_distribution(ctx))
    f["os_family"] = FACTS_OS_FAMILY.get(f["distribution"]) or f["distribution"]
    return f


@fact_collector("lsb", commands=facts_start_lsb_release)
def facts_lsb(ctx):
    lsb = {}
    got = facts_lsb_release(ctx)
    if got is not None and got[0] == 0:
        for line in got[1].splitlines():
            if len(line) < 1 or ":" not in line:
                continue
            value = line.split(":", 1)[1].strip()
            for label, key in (("LSB Version:", "release"), ("Distributor ID:", "id"),
                               ("Description:", "description"), ("Release:", "release"),
                               ("Codename:", "codename")):
                if label in line:
                    lsb[key] = value
                    break
    if not lsb and os.path.exists("/etc/lsb-release"):
        for line in facts_lines("/etc/lsb-release"):
            value = line.split("=", 1)[1].strip()
            for label, key in (("DISTRIB_ID", "id"), ("DISTRIB_RELEASE", "release"),
                               ("DISTRIB_DESCRIPTION", "description"),
                               ("DISTRIB_CODENAME", "codename")):
                if label in line:
                    lsb[key] = value
                    break
    if "release" in lsb:
        lsb["major_release"] = lsb["release"].split(".")[0]
    for k, v in list(lsb.items()):
        if v:
            lsb[k] = v.strip(FACTS_QUOTES)
    return {"lsb": lsb}
