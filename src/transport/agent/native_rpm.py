# mitorun agent: the RPM family, result for result with ansible-core
# 2.19's modules. yum_repository only edits INI `.repo` files, so it is
# complete here (Python's configparser reads and writes them, as the
# module's does). rpm_key drives rpm and gpg with the module's command
# lines. dnf and dnf5 validate their arguments and run the module's first
# checks; then, where the target has no dnf (libdnf5) Python bindings,
# they fail as the modules do there, and where it has them they ask the
# controller to run ansible-core's module for the package work (the
# `RPM_WANTS_ANSIBLE_CORE` key, see modules::NATIVE_FRONT_ONLY): mitorun
# does not drive dnf's Python API itself. Shipped with the first call of
# one of them (modules::native_code) after native_dev_run.py, whose
# run_command rpm_key and dnf5 use.

import configparser as _rpm_configparser
import ssl as _rpm_ssl
import urllib.error as _rpm_urlerror
import urllib.parse as _rpm_urlparse
import urllib.request as _rpm_urlrequest

# The result key that tells the controller to run ansible-core's module
# instead (the controller removes it); the result around it is what the
# task gets when ansible-core is not there.
RPM_WANTS_ANSIBLE_CORE = "_mitorun_wants_ansible_core"

# Where ansible's dnf modules look for an interpreter with the bindings
# when their own has none.
RPM_SYSTEM_INTERPRETERS = ["/usr/libexec/platform-python", "/usr/bin/python3", "/usr/bin/python"]


# --- yum_repository ---------------------------------------------------------

YUM_REPOSITORY_OPTIONS = {
    "async": {"type": "bool"},
    "bandwidth": {},
    "baseurl": {"type": "list", "elements": "str"},
    "cost": {},
    "countme": {"type": "bool"},
    "deltarpm_metadata_percentage": {},
    "deltarpm_percentage": {},
    "description": {},
    "enabled": {"type": "bool"},
    "enablegroups": {"type": "bool"},
    "exclude": {"type": "list", "elements": "str", "aliases": ["excludepkgs"]},
    "failovermethod": {"choices": ["roundrobin", "priority"]},
    "file": {},
    "gpgcakey": {"no_log": False},
    "gpgcheck": {"type": "bool"},
    "gpgkey": {"type": "list", "elements": "str", "no_log": False},
    "module_hotfixes": {"type": "bool"},
    "http_caching": {"choices": ["all", "packages", "none"]},
    "include": {},
    "includepkgs": {"type": "list", "elements": "str"},
    "ip_resolve": {"choices": ["4", "6", "IPv4", "IPv6", "whatever"]},
    "keepalive": {"type": "bool"},
    "keepcache": {"choices": ["0", "1"]},
    "metadata_expire": {},
    "metadata_expire_filter": {"choices": ["never", "read-only:past", "read-only:present",
                                           "read-only:future"]},
    "metalink": {},
    "mirrorlist": {},
    "mirrorlist_expire": {},
    "name": {"required": True},
    "password": {"no_log": True},
    "priority": {},
    "protect": {"type": "bool"},
    "proxy": {},
    "proxy_password": {"no_log": True},
    "proxy_username": {},
    "repo_gpgcheck": {"type": "bool"},
    "reposdir": {"default": "/etc/yum.repos.d", "type": "path"},
    "retries": {},
    "s3_enabled": {"type": "bool"},
    "skip_if_unavailable": {"type": "bool"},
    "sslcacert": {"aliases": ["ca_cert"]},
    "ssl_check_cert_permissions": {"type": "bool"},
    "sslclientcert": {"aliases": ["client_cert"]},
    "sslclientkey": {"aliases": ["client_key"], "no_log": False},
    "sslverify": {"type": "bool", "aliases": ["validate_certs"]},
    "state": {"choices": ["present", "absent"], "default": "present"},
    "throttle": {},
    "timeout": {},
    "ui_repoid_vars": {},
    "username": {},
}

YUM_REPOSITORY_SPEC = ArgSpec(
    YUM_REPOSITORY_OPTIONS,
    required_if=[["state", "present", ["baseurl", "mirrorlist", "metalink"], True],
                 ["state", "present", ["description"]]],
).extended(FILE_COMMON_SPEC)

# Options the module still writes but reports as deprecated, with the
# release that drops them.
YUM_REPOSITORY_NO_EFFECT_WITH_DNF = frozenset((
    "deltarpm_metadata_percentage", "gpgcakey", "http_caching", "keepalive",
    "metadata_expire_filter", "mirrorlist_expire", "protect", "ssl_check_cert_permissions",
    "ui_repoid_vars"))


def yumrepo_dump(parser):
    """The text the module diffs: sections and their options sorted,
    `key = value` lines, a blank line after each section."""
    out = ""
    for section in sorted(parser.sections()):
        out += "[%s]\n" % section
        for key, value in sorted(parser.items(section)):
            out += "%s = %s\n" % (key, value)
        out += "\n"
    return out


def yumrepo_deprecation(m, key):
    if key == "keepcache":
        m.deprecate("'keepcache' parameter is deprecated as it is only valid in the main "
                    "configuration.", version="2.20")
    elif key == "async":
        m.deprecate("'async' parameter is deprecated as it has been removed on systems "
                    "supported by ansible-core", version="2.22")
    elif key in YUM_REPOSITORY_NO_EFFECT_WITH_DNF:
        m.deprecate("'%s' parameter is deprecated as it has no effect with dnf as an "
                    "underlying package manager." % key, version="2.22")


def yumrepo_save(m, parser, dest):
    """Write the file back, or remove it when no section is left."""
    if parser.sections():
        try:
            with open(dest, "w") as f:
                parser.write(f)
        except OSError as e:
            m.fail("Problems handling file %r." % dest, details=str(e),
                   exception={"event": exception_event(e), "__ansible_type": "ErrorSummary"})
    else:
        try:
            os.remove(dest)
        except OSError as e:
            m.fail("Cannot remove empty repo file %s." % dest, details=str(e))


def yumrepo_body(p, m):
    repo = dict(p)
    # The module's own copy of the parameters: no alias names, no common
    # file arguments, no module-only options.
    for opts in YUM_REPOSITORY_SPEC.options.values():
        for alias in opts.get("aliases", ()):
            repo.pop(alias, None)
    file_params = dict((k, repo.pop(k)) for k in FILE_COMMON_SPEC)
    state = repo.pop("state")
    name = repo["name"]
    repo["name"] = repo.pop("description")
    for key in ("baseurl", "gpgkey"):
        if repo[key] is not None:
            repo[key] = "\n".join(repo[key])
    for key in ("exclude", "includepkgs"):
        if repo[key] is not None:
            repo[key] = " ".join(repo[key])
    repos_dir = repo.pop("reposdir")
    if not os.path.isdir(repos_dir):
        m.fail("Repo directory '%s' does not exist." % repos_dir)
    file_name = repo.pop("file")
    if file_name is None:
        file_name = name
    dest = os.path.join(repos_dir, "%s.repo" % file_name)

    parser = _rpm_configparser.RawConfigParser()
    if os.path.isfile(dest):
        parser.read(dest)
    diff = {"before_header": dest, "before": yumrepo_dump(parser), "after_header": dest,
            "after": ""}
    parser.remove_section(name)
    if state == "present":
        parser.add_section(name)
        for key, value in sorted(repo.items()):
            if value is None:
                continue
            yumrepo_deprecation(m, key)
            if isinstance(value, bool):
                value = str(int(value))
            parser.set(name, key, value)
    diff["after"] = yumrepo_dump(parser)
    changed = diff["before"] != diff["after"]
    if changed and not m.check_mode:
        yumrepo_save(m, parser, dest)
    if os.path.isfile(dest):
        file_params["dest"] = dest
        changed = m.set_fs_attributes_if_different(m.file_args(file_params, dest), changed)
    return {"changed": changed, "repo": name, "state": state, "diff": diff}


@native("yum_repository")
def native_yum_repository(agent, args, header):
    return run_module_body("yum_repository", YUM_REPOSITORY_SPEC, args, header, yumrepo_body)


# --- rpm_key ----------------------------------------------------------------

RPM_KEY_SPEC = ArgSpec({
    "state": {"type": "str", "default": "present", "choices": ["absent", "present"]},
    "key": {"type": "str", "required": True, "no_log": False},
    "fingerprint": {"type": "list", "elements": "str"},
    "validate_certs": {"type": "bool", "default": True},
})

RPM_PUBKEY_RE = re.compile(
    ".*?(-----BEGIN PGP PUBLIC KEY BLOCK-----.*?-----END PGP PUBLIC KEY BLOCK-----).*",
    re.DOTALL)
RPM_KEYID_RE = re.compile("(0x)?[0-9a-f]{8}", re.IGNORECASE)
RPM_GPG_LIST = ["--no-tty", "--batch", "--with-colons", "--fixed-list-mode"]


def rpm_mask_url(url):
    """mask_url: the URL's credentials shown as ****."""
    parsed = _rpm_urlparse.urlparse(url)
    if not parsed.username and not parsed.password:
        return url
    if parsed.password:
        netloc = parsed.netloc.replace("%s:%s@" % (parsed.username, parsed.password),
                                       "****:****@")
    else:
        netloc = parsed.netloc.replace("%s@" % parsed.username, "****@")
    return _rpm_urlparse.urlunparse(parsed._replace(netloc=netloc))


def rpm_fetch(m, url, validate_certs):
    """fetch_url with the module's defaults: (body, status, msg). Its own
    failures (a URL urllib cannot take) end the module as they do there."""
    masked = rpm_mask_url(url)
    parts = _rpm_urlparse.urlsplit(url)
    handlers = []
    if parts.username is not None:
        # Credentials in the URL answer a server's challenge; the request
        # goes to the host without them.
        manager = _rpm_urlrequest.HTTPPasswordMgrWithDefaultRealm()
        netloc = parts.netloc.rsplit("@", 1)[-1]
        url = _rpm_urlparse.urlunsplit(parts._replace(netloc=netloc))
        manager.add_password(None, netloc, parts.username, parts.password or "")
        handlers += [_rpm_urlrequest.HTTPBasicAuthHandler(manager),
                     _rpm_urlrequest.HTTPDigestAuthHandler(manager)]
    if not validate_certs:
        context = _rpm_ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = _rpm_ssl.CERT_NONE
        handlers.append(_rpm_urlrequest.HTTPSHandler(context=context))
    try:
        request = _rpm_urlrequest.Request(url, headers={"User-Agent": "ansible-httpget"})
        response = _rpm_urlrequest.build_opener(*handlers).open(request, None, 10)
        data = response.read()
        return data, response.code, "OK (%s bytes)" % response.headers.get("Content-Length",
                                                                         "unknown")
    except _rpm_urlerror.HTTPError as e:
        return None, e.code, str(e)
    except _rpm_urlerror.URLError as e:
        return None, -1, "Request failed: %s" % e
    except (ConnectionError, ValueError) as e:
        m.fail(str(e), url=masked, status=-1)
    except OSError as e:
        return None, -1, "Connection failure: %s" % e
    except Exception as e:
        return None, -1, "An unknown error occurred: %s" % e


class RpmKeys(object):
    """rpm's key store through rpm and gpg, with the module's commands."""

    def __init__(self, m, run):
        self.m = m
        self.run = run
        self.rpm = run.bin_path("rpm", required=True)

    def find_gpg(self):
        self.gpg = self.run.bin_path("gpg") or self.run.bin_path("gpg2", required=True)

    def execute(self, cmd):
        rc, out, err = self.run.run(cmd, use_unsafe_shell=True)
        if rc != 0:
            self.m.fail(err)
        return out

    def key_id(self, keyfile):
        out = self.execute([self.gpg] + RPM_GPG_LIST + [keyfile])
        for line in out.splitlines():
            line = line.strip()
            if line.startswith("pub:"):
                return line.split(":")[4]
        self.m.fail("Unexpected gpg output")

    def fingerprints(self, keyfile):
        out = self.execute([self.gpg] + RPM_GPG_LIST + [
            "--import", "--import-options", "show-only", "--dry-run", keyfile])
        found = set()
        for line in out.splitlines():
            line = line.strip()
            if line.startswith("fpr:"):
                found.add(line.split(":")[9])
        if found:
            return found
        self.m.fail("Unexpected gpg output")

    def imported(self, keyid):
        cmd = self.rpm + " -q  gpg-pubkey"
        rc, _out, _err = self.run.run(cmd)
        if rc != 0:
            # No key at all: rpm knows no gpg-pubkey package.
            return False
        cmd += ' --qf "%{description}" | ' + self.gpg + " " + " ".join(RPM_GPG_LIST) + " -"
        for line in self.execute(cmd).splitlines():
            # (a line of fewer than five fields fails as it does in the
            # module)
            if keyid in line.split(":")[4]:
                return True
        return False

    def fetch(self, url, validate_certs):
        data, status, msg = rpm_fetch(self.m, url, validate_certs)
        if status != 200:
            self.m.fail("failed to fetch key at %s , error was: %s" % (rpm_mask_url(url), msg))
        if not RPM_PUBKEY_RE.match(data.decode("utf-8", "surrogateescape")):
            self.m.fail("Not a public key: %s" % rpm_mask_url(url))
        fd, path = tempfile.mkstemp()
        with os.fdopen(fd, "w+b") as f:
            f.write(data)
        return path


def rpm_normalize_keyid(keyid):
    ret = keyid.strip().upper()
    if ret.startswith("0x") or ret.startswith("0X"):
        return ret[2:]
    return ret


def rpm_key_body(p, m, run, cleanup):
    keys = RpmKeys(m, run)
    state, key = p["state"], p["key"]
    fingerprints = set()
    if p["fingerprint"]:
        fingerprints = set(f.replace(" ", "").upper() for f in p["fingerprint"])
    keys.find_gpg()
    keyfile = None
    if "://" in key:
        keyfile = keys.fetch(key, p["validate_certs"])
        cleanup.append(keyfile)
        keyid = keys.key_id(keyfile)
    elif RPM_KEYID_RE.match(key):
        keyid = key
    elif os.path.isfile(key):
        keyfile = key
        keyid = keys.key_id(keyfile)
    else:
        m.fail("Not a valid key %s" % key)
    keyid = rpm_normalize_keyid(keyid)
    if state == "present":
        if keys.imported(keyid):
            return {"changed": False}
        if not keyfile:
            m.fail("When importing a key, a valid file must be given")
        if fingerprints:
            in_file = keys.fingerprints(keyfile)
            if not fingerprints.issubset(in_file):
                m.fail("The specified fingerprint, '%s', does not match any key fingerprints "
                       "in '%s'" % (fingerprints, in_file))
        if not m.check_mode:
            keys.execute([keys.rpm, "--import", keyfile])
        return {"changed": True}
    if keys.imported(keyid):
        if not m.check_mode:
            keys.execute([keys.rpm, "--erase", "--allmatches",
                          "gpg-pubkey-%s" % keyid[-8:].lower()])
        return {"changed": True}
    return {"changed": False}


@native("rpm_key")
def native_rpm_key(agent, args, header):
    def body(p, m):
        # A downloaded key is removed however the module ends.
        cleanup = []
        try:
            return rpm_key_body(p, m, DevRunner(m, args), cleanup)
        finally:
            for path in cleanup:
                try:
                    os.unlink(path)
                except OSError:
                    pass
    return run_module_body("rpm_key", RPM_KEY_SPEC, args, header, body)


# --- dnf, dnf5 --------------------------------------------------------------

# module_utils/yumdnf.py's shared argument spec.
YUMDNF_OPTIONS = {
    "allow_downgrade": {"type": "bool", "default": False},
    "allowerasing": {"default": False, "type": "bool"},
    "autoremove": {"type": "bool", "default": False},
    "best": {"type": "bool"},
    "bugfix": {"required": False, "type": "bool", "default": False},
    "cacheonly": {"type": "bool", "default": False},
    "conf_file": {"type": "str"},
    "disable_excludes": {"type": "str", "default": None},
    "disable_gpg_check": {"type": "bool", "default": False},
    "disable_plugin": {"type": "list", "elements": "str", "default": []},
    "disablerepo": {"type": "list", "elements": "str", "default": []},
    "download_only": {"type": "bool", "default": False},
    "download_dir": {"type": "str", "default": None},
    "enable_plugin": {"type": "list", "elements": "str", "default": []},
    "enablerepo": {"type": "list", "elements": "str", "default": []},
    "exclude": {"type": "list", "elements": "str", "default": []},
    "installroot": {"type": "str", "default": "/"},
    "install_repoquery": {"type": "bool", "default": True, "removed_in_version": "2.20",
                          "removed_from_collection": "ansible.builtin"},
    "install_weak_deps": {"type": "bool", "default": True},
    "list": {"type": "str"},
    "name": {"type": "list", "elements": "str", "aliases": ["pkg"], "default": []},
    "nobest": {"type": "bool"},
    "releasever": {"default": None},
    "security": {"type": "bool", "default": False},
    "skip_broken": {"type": "bool", "default": False},
    "state": {"type": "str", "default": None,
              "choices": ["absent", "installed", "latest", "present", "removed"]},
    "update_cache": {"type": "bool", "default": False, "aliases": ["expire-cache"]},
    "update_only": {"required": False, "default": "no", "type": "bool"},
    "validate_certs": {"type": "bool", "default": True},
    "sslverify": {"type": "bool", "default": True},
    "lock_timeout": {"type": "int", "default": 30},
}


def yumdnf_spec(extra):
    options = dict(YUMDNF_OPTIONS)
    options.update(extra)
    return ArgSpec(options, required_one_of=[["name", "list", "update_cache"]],
                   mutually_exclusive=[["name", "list"], ["best", "nobest"]])


DNF_SPEC = yumdnf_spec({"use_backend": {
    "default": "auto", "choices": ["auto", "dnf", "yum", "yum4", "dnf4", "dnf5"]}})
DNF5_SPEC = yumdnf_spec({"auto_install_module_deps": {"type": "bool", "default": True}})


def yumdnf_split_commas(items):
    """The list with comma-separated entries replaced by their parts (at
    the end), changed in place as the module changes its parameters (they
    show so in `invocation`); [""] becomes []."""
    joined = [item for item in items if "," in item]
    parts = []
    for item in joined:
        parts.extend(part.strip() for part in item.split(","))
    for item in joined:
        items.remove(item)
    items.extend(parts)
    if items == [""]:
        return []
    return items


def yumdnf_checks(p, m):
    """What the modules check before looking for dnf (YumDnf.__init__)."""
    names = yumdnf_split_commas([name.strip() for name in p["name"]])
    for key in ("disablerepo", "enablerepo", "exclude"):
        yumdnf_split_commas(p[key])
    for name in names:
        if " " in name and not any(spec in name for spec in ("@", ">", "<", "=")):
            m.fail("It appears that a space separated string of packages was passed in as an "
                   "argument. To operate on several packages, pass a comma separated string of "
                   "packages or a list of packages.")
    state = p["state"]
    if state is None:
        state = "absent" if p["autoremove"] else "present"
    if p["autoremove"] and state != "absent":
        m.fail("Autoremove should be used alone or with state=absent", results=[])


def rpm_imports(interpreter, module, env):
    """Whether `interpreter` can import `module` (run apart: the agent
    must not load dnf, and a probe's output must not reach the agent's)."""
    try:
        return subprocess.call([interpreter, "-c", "import %s" % module], env=env,
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL) == 0
    except OSError:
        return False


def rpm_bindings_interpreter(m, module, own_imports):
    """The interpreter with the bindings: this one, else the first system
    interpreter that exists and imports them (where the module respawns)."""
    if rpm_imports(sys.executable, own_imports, m.env):
        return sys.executable
    for path in RPM_SYSTEM_INTERPRETERS:
        if os.path.exists(path) and rpm_imports(path, module, m.env):
            return path
    return None


def rpm_hand_over(header, module, interpreter, result):
    """The result that asks for ansible-core's module: the bindings are
    there, the package work is the real module's. Without ansible-core on
    the controller the task fails with this message. (An async job cannot
    be handed over: the controller chose ansible-core's module for those
    when it had it.)"""
    result["msg"] = ("%s found its Python bindings (%s): mitorun runs ansible-core's %s module "
                     "for the package work, and ansible-core is not installed on the "
                     "controller." % (module, interpreter, module))
    if not header.get("async"):
        result[RPM_WANTS_ANSIBLE_CORE] = True
    raise ModuleFail(**result)


@native("dnf")
def native_dnf(agent, args, header):
    def body(p, m):
        yumdnf_checks(p, m)
        interpreter = rpm_bindings_interpreter(
            m, "dnf", "dnf, dnf.const, dnf.exceptions, dnf.package, dnf.subject, dnf.util")
        if interpreter is not None:
            rpm_hand_over(header, "dnf", interpreter, {"results": []})
        m.fail("Could not import the dnf python module using %s (%s). Please install "
               "`python3-dnf` package or ensure you have specified the correct "
               "ansible_python_interpreter. (attempted %s)"
               % (sys.executable, sys.version.replace("\n", ""), RPM_SYSTEM_INTERPRETERS),
               results=[])
    return run_module_body("dnf", DNF_SPEC, args, header, body)


@native("dnf5")
def native_dnf5(agent, args, header):
    def body(p, m):
        yumdnf_checks(p, m)
        run = DevRunner(m, args)
        # The module sets the best parsable locale before it looks, so the
        # `dnf install` it may run has it too.
        chosen = run.best_locale()
        run.env.update(LC_ALL=chosen, LC_MESSAGES=chosen, LANGUAGE=chosen, LANG=chosen)
        m.env = run.env
        if rpm_imports(sys.executable, "libdnf5", m.env):
            rpm_hand_over(header, "dnf5", sys.executable, {"failures": []})
        for attempt in (1, 2):
            interpreter = None
            for path in RPM_SYSTEM_INTERPRETERS:
                if os.path.exists(path) and rpm_imports(path, "libdnf5", m.env):
                    interpreter = path
                    break
            if interpreter is not None:
                rpm_hand_over(header, "dnf5", interpreter, {"failures": []})
            if attempt == 1:
                if m.check_mode:
                    m.fail("python3-libdnf5 must be installed to use check mode. If run normally "
                           "this module can auto-install it, see the auto_install_module_deps "
                           "option.")
                elif p["auto_install_module_deps"]:
                    run.run(["dnf", "install", "-y", "python3-libdnf5"], check_rc=True)
                else:
                    break
        m.fail("Could not import the libdnf5 python module using %s (%s). Ensure "
               "python3-libdnf5 package is installed (either manually or via the "
               "auto_install_module_deps option) or that you have specified the correct "
               "ansible_python_interpreter. (attempted %s)."
               % (sys.executable, sys.version.replace("\n", ""), RPM_SYSTEM_INTERPRETERS),
               failures=[])
    return run_module_body("dnf5", DNF5_SPEC, args, header, body)
