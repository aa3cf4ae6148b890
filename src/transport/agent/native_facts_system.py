# mitorun agent: facts about the running system: security modules, the
# interpreter, package and service managers, the kernel command line,
# time, environment, host keys and the user (ansible's collectors of the
# same names).

import getpass

FACTS_SELINUX_MODES = {1: "enforcing", 0: "permissive", -1: "disabled"}


def facts_selinux_lib():
    """libselinux as ansible's compat wrapper loads it: None unless every
    function that wrapper needs is there."""
    try:
        import ctypes
        lib = ctypes.CDLL("libselinux.so.1", use_errno=True)
    except (ImportError, OSError):
        return None
    for fn in ("is_selinux_enabled", "is_selinux_mls_enabled", "lgetfilecon_raw", "matchpathcon",
               "security_policyvers", "selinux_getenforcemode", "security_getenforce",
               "lsetfilecon", "selinux_getpolicytype", "freecon"):
        if not hasattr(lib, fn):
            return None
    return lib


@fact_collector("selinux")
def facts_selinux(ctx):
    lib = facts_selinux_lib()
    if lib is None:
        return {"selinux": {"status": "Missing selinux Python library"},
                "selinux_python_present": False}
    import ctypes
    s = {}
    if not lib.is_selinux_enabled():
        s["status"] = "disabled"
    else:
        s["status"] = "enabled"
        s["policyvers"] = lib.security_policyvers()
        mode = ctypes.c_int()
        rc = lib.selinux_getenforcemode(ctypes.byref(mode))
        s["config_mode"] = FACTS_SELINUX_MODES.get(mode.value, "unknown") if rc == 0 else "unknown"
        s["mode"] = FACTS_SELINUX_MODES.get(lib.security_getenforce(), "unknown")
        policy = ctypes.c_char_p()
        try:
            rc = lib.selinux_getpolicytype(ctypes.byref(policy))
            if rc < 0:
                s["type"] = "unknown"
            else:
                s["type"] = policy.value.decode("utf-8", "surrogateescape") if rc == 0 else "unknown"
        finally:
            lib.freecon(policy)
    return {"selinux": s, "selinux_python_present": True}


@fact_collector("apparmor")
def facts_apparmor(ctx):
    enabled = os.path.exists("/sys/kernel/security/apparmor")
    return {"apparmor": {"status": "enabled" if enabled else "disabled"}}


@fact_collector("chroot", ids=("is_chroot",))
def facts_chroot(ctx):
    if os.environ.get("debian_chroot", False):
        return {"is_chroot": True}
    root = os.stat("/")
    try:
        init_root = os.stat("/proc/1/root/.")
        return {"is_chroot": root.st_ino != init_root.st_ino or root.st_dev != init_root.st_dev}
    except Exception:
        # Without access to init's root: the root of a filesystem has a
        # known inode number.
        expected = 2
        stat_bin = ctx.bin("stat")
        if stat_bin:
            _, out, _ = ctx.run("stat-root", [stat_bin, "-f", "--format=%T", "/"])
            if "btrfs" in out:
                expected = 256
            elif "xfs" in out:
                expected = 128
        return {"is_chroot": root.st_ino != expected}


@fact_collector("fips")
def facts_fips(ctx):
    return {"fips": facts_read("/proc/sys/crypto/fips_enabled") == "1"}


@fact_collector("python")
def facts_python(ctx):
    try:
        from ssl import create_default_context, SSLContext  # noqa: F401
        has_ssl = True
    except ImportError:
        has_ssl = False
    v = sys.version_info
    python = {
        "version": {"major": v[0], "minor": v[1], "micro": v[2], "releaselevel": v[3],
                    "serial": v[4]},
        "version_info": list(v),
        "executable": sys.executable,
        "has_sslcontext": has_ssl,
    }
    try:
        python["type"] = sys.implementation.name
    except AttributeError:
        python["type"] = None
    return {"python": python}


def facts_start_capsh(ctx):
    path = ctx.bin("capsh")
    if path:
        ctx.start("capsh", [path, "--print"])


@fact_collector("caps", ids=("system_capabilities", "system_capabilities_enforced"),
                commands=facts_start_capsh)
def facts_caps(ctx):
    f = {"system_capabilities_enforced": "N/A", "system_capabilities": "N/A"}
    path = ctx.bin("capsh")
    if not path:
        return f
    rc, out, _ = ctx.run("capsh", [path, "--print"])
    if rc != 0:
        return f
    enforced, caps = "NA", []
    for line in out.splitlines():
        if line.startswith("Current:"):
            if line.split(":")[1].strip() == "=ep":
                enforced = "False"
            else:
                enforced = "True"
                caps = [c.strip() for c in line.split("=")[1].split(",")]
    f["system_capabilities_enforced"] = enforced
    f["system_capabilities"] = caps
    return f


# (path, pkg_mgr) in ansible's order; with several present the last wins.
FACTS_PKG_MGRS = (
    ("/usr/bin/rpm-ostree", "atomic_container"), ("/usr/bin/yum", "dnf"),
    ("/usr/bin/dnf-3", "dnf"), ("/usr/bin/dnf5", "dnf5"), ("/usr/bin/apt-get", "apt"),
    ("/usr/bin/zypper", "zypper"), ("/usr/sbin/urpmi", "urpmi"), ("/usr/bin/pacman", "pacman"),
    ("/bin/opkg", "opkg"), ("/usr/pkg/bin/pkgin", "pkgin"), ("/opt/local/bin/pkgin", "pkgin"),
    ("/opt/tools/bin/pkgin", "pkgin"), ("/opt/local/bin/port", "macports"),
    ("/usr/local/bin/brew", "homebrew"), ("/opt/homebrew/bin/brew", "homebrew"),
    ("/sbin/apk", "apk"), ("/usr/sbin/pkg", "pkgng"), ("/usr/sbin/swlist", "swdepot"),
    ("/usr/bin/emerge", "portage"), ("/usr/sbin/pkgadd", "svr4pkg"), ("/usr/bin/pkg", "pkg5"),
    ("/usr/bin/xbps-install", "xbps"), ("/usr/local/sbin/pkg", "pkgng"),
    ("/usr/bin/swupd", "swupd"), ("/usr/sbin/sorcery", "sorcery"),
    ("/usr/bin/installp", "installp"),
)


def facts_redhat_pkg_mgr():
    if os.path.exists("/run/ostree-booted"):
        return "atomic_container"
    for path in ("/usr/bin/dnf", "/usr/bin/microdnf"):
        if os.path.exists(path):
            return "dnf5" if os.path.realpath(path) == "/usr/bin/dnf5" else "dnf"
    return "unknown"


@fact_collector("pkg_mgr", requires=("distribution",))
def facts_pkg_mgr(ctx):
    family = ctx.collected["ansible_os_family"]
    name = "unknown"
    for path, mgr in FACTS_PKG_MGRS:
        # On ALT Linux /usr/bin/pkg is a Perl tool, not Solaris' manager.
        if family == "Altlinux" and path == "/usr/bin/pkg":
            continue
        if os.path.exists(path):
            name = mgr
    if family == "RedHat":
        name = facts_redhat_pkg_mgr()
    elif family == "Debian" and name != "apt":
        name = "apt"
    elif family == "Altlinux" and name == "apt":
        name = "apt_rpm"
    if name == "apt" and os.path.exists("/usr/bin/rpm"):
        # APT-RPM when rpm owns apt-get.
        try:
            rc = subprocess.call(["/usr/bin/rpm", "-q", "--whatprovides", "/usr/bin/apt-get"],
                                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
            name = "apt_rpm" if rc == 0 else "apt"
        except OSError:
            pass
    return {"pkg_mgr": name}


def facts_systemd_booted(ctx):
    if not ctx.bin("systemctl"):
        return False
    return any(os.path.exists(p) for p in ("/run/systemd/system/", "/dev/.run/systemd/",
                                           "/dev/.systemd/"))


def facts_pid1_name(ctx):
    name = facts_read("/proc/1/comm")
    if name is None:
        rc, out, _ = ctx.run("ps-pid1", "ps -p 1 -o comm|tail -n 1", shell=True)
        name = None if rc != 0 or not out.strip() or re.match(r" *[0-9]+ ", out) else out
    if name == "COMMAND\n":
        name = None
    if name is None and os.path.islink("/sbin/init"):
        name = os.readlink("/sbin/init")
    if name is not None:
        name = os.path.basename(name).strip()
    # `init` says nothing, and a shell as pid 1 means a container.
    if name is not None and (name == "init" or name.endswith("sh")):
        name = None
    return name


@fact_collector("service_mgr", requires=("platform", "distribution"))
def facts_service_mgr(ctx):
    c = ctx.collected
    pid1 = facts_pid1_name(ctx)
    system = c.get("ansible_system", "")
    distribution = c.get("ansible_distribution")
    name = None
    if pid1 is not None:
        name = {"procd": "openwrt_init", "runit-init": "runit", "svscan": "svc",
                "openrc-init": "openrc"}.get(pid1, pid1)
    elif distribution == "MacOSX":
        version = [int(p) if p.isdigit() else p for p in platform.mac_ver()[0].split(".")]
        name = "launchd" if version >= [10, 4] else "systemstarter"
    elif "BSD" in system or system in ("Bitrig", "DragonFly"):
        name = "bsdinit"
    elif system == "AIX":
        name = "src"
    elif system == "SunOS":
        name = "smf"
    elif distribution == "OpenWrt":
        name = "openwrt_init"
    elif distribution == "SMGL":
        name = "simpleinit_msb"
    elif system == "Linux":
        if facts_systemd_booted(ctx):
            name = "systemd"
        elif ctx.bin("initctl") and os.path.exists("/etc/init/"):
            name = "upstart"
        elif os.path.exists("/sbin/openrc"):
            name = "openrc"
        elif (ctx.bin("systemctl") and os.path.islink("/sbin/init")
              and os.path.basename(os.readlink("/sbin/init")) == "systemd"):
            name = "systemd"
        elif os.path.exists("/etc/init.d/"):
            name = "sysvinit"
        elif os.path.exists("/etc/dinit.d/"):
            name = "dinit"
    return {"service_mgr": name or "service"}


def facts_cmdline_pieces(data):
    try:
        pieces = shlex.split(data, posix=False)
    except ValueError:
        return
    for piece in pieces:
        yield piece.split("=", 1)


@fact_collector("cmdline")
def facts_cmdline(ctx):
    data = facts_read("/proc/cmdline")
    if not data:
        return {}
    last, every = {}, {}
    for item in facts_cmdline_pieces(data):
        if len(item) == 1:
            last[item[0]] = True
            every[item[0]] = True
            continue
        key, value = item
        last[key] = value
        # proc_cmdline keeps every value of a repeated key, as a list.
        if key in every:
            if isinstance(every[key], list):
                every[key].append(value)
            else:
                every[key] = [every[key], value]
        else:
            every[key] = value
    return {"cmdline": last, "proc_cmdline": every}


@fact_collector("date_time")
def facts_date_time(ctx):
    epoch = time.time()
    now = datetime.datetime.fromtimestamp(epoch)
    utc = datetime.datetime.fromtimestamp(epoch, tz=datetime.timezone.utc)
    d = {}
    for key, fmt in (("year", "%Y"), ("month", "%m"), ("weekday", "%A"), ("weekday_number", "%w"),
                     ("weeknumber", "%W"), ("day", "%d"), ("hour", "%H"), ("minute", "%M"),
                     ("second", "%S"), ("epoch", "%s")):
        d[key] = now.strftime(fmt)
    if d["epoch"] == "" or d["epoch"][0] == "%":
        d["epoch"] = str(int(epoch))
    try:
        d["epoch_int"] = str(int(now.strftime("%s")))
    except ValueError:
        d["epoch_int"] = str(int(epoch))
    d["date"] = now.strftime("%Y-%m-%d")
    d["time"] = now.strftime("%H:%M:%S")
    d["iso8601_micro"] = utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    d["iso8601"] = utc.strftime("%Y-%m-%dT%H:%M:%SZ")
    d["iso8601_basic"] = now.strftime("%Y%m%dT%H%M%S%f")
    d["iso8601_basic_short"] = now.strftime("%Y%m%dT%H%M%S")
    d["tz"] = time.strftime("%Z")
    d["tz_dst"] = time.tzname[1]
    d["tz_offset"] = time.strftime("%z")
    return {"date_time": d}


@fact_collector("env")
def facts_env(ctx):
    return {"env": dict(os.environ)}


@fact_collector("loadavg")
def facts_loadavg(ctx):
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return {}
    return {"loadavg": {"1m": one, "5m": five, "15m": fifteen}}


@fact_collector("ssh_pub_keys", ids=("ssh_host_pub_keys", "ssh_host_key_dsa_public",
                                     "ssh_host_key_rsa_public", "ssh_host_key_ecdsa_public",
                                     "ssh_host_key_ed25519_public"))
def facts_ssh_pub_keys(ctx):
    f = {}
    for keydir in ("/etc/ssh", "/etc/openssh", "/etc"):
        for algo in ("dsa", "rsa", "ecdsa", "ed25519"):
            name = "ssh_host_key_%s_public" % algo
            # Reaching a key type an earlier dir had ends the search.
            if name in f:
                return f
            data = facts_read("%s/ssh_host_%s_key.pub" % (keydir, algo))
            if data is not None:
                keytype, key = data.split()[0:2]
                f[name] = key
                f[name + "_keytype"] = keytype
    return f


@fact_collector("user", ids=("user_id", "user_uid", "user_gid", "user_gecos", "user_dir",
                             "user_shell", "real_user_id", "effective_user_id",
                             "effective_group_ids"))
def facts_user(ctx):
    login = getpass.getuser()
    try:
        pw = pwd.getpwnam(login)
    except KeyError:
        pw = pwd.getpwuid(os.getuid())
    return {
        "user_id": login,
        "user_uid": pw.pw_uid,
        "user_gid": pw.pw_gid,
        "user_gecos": pw.pw_gecos,
        "user_dir": pw.pw_dir,
        "user_shell": pw.pw_shell,
        "real_user_id": os.getuid(),
        "effective_user_id": os.geteuid(),
        "real_group_id": os.getgid(),
        # ansible reports the real gid here too.
        "effective_group_id": os.getgid(),
    }


def facts_start_systemctl(ctx):
    if facts_systemd_booted(ctx):
        ctx.start("systemctl-version", [ctx.bin("systemctl"), "--version"])


@fact_collector("systemd", commands=facts_start_systemctl)
def facts_systemd(ctx):
    if not facts_systemd_booted(ctx):
        return {}
    rc, out, _ = ctx.run("systemctl-version", [ctx.bin("systemctl"), "--version"])
    if rc != 0:
        return {}
    return {"systemd": {"features": str(out.split("\n")[1]), "version": int(out.split(" ")[1])}}
