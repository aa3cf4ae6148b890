# mitorun agent: native ansible.builtin.pip, result for result with
# ansible-core 2.19's module: the same pip command lines (pip of the
# agent's interpreter, a virtualenv's, or `executable`), virtualenvs made
# with virtualenv_command, changed read from pip's "Successfully ..."
# lines or from `pip list` before and after, check mode answered from
# `pip list --format=freeze`. ansible parses requirement strings with the
# `packaging` library on the target; this module carries its own PEP 508
# name/extras/specifier parser and PEP 440 version ordering instead, so
# the target needs no library. Shipped with the first pip call
# (modules::native_code) after native_dev_run.py.

import sys as _pip_sys

PIP_SPEC = ArgSpec({
    "state": {"type": "str", "default": "present",
              "choices": ["present", "absent", "latest", "forcereinstall"]},
    "name": {"type": "list", "elements": "str"},
    "version": {"type": "str"},
    "requirements": {"type": "str"},
    "virtualenv": {"type": "path"},
    "virtualenv_site_packages": {"type": "bool", "default": False},
    "virtualenv_command": {"type": "path", "default": "virtualenv"},
    "virtualenv_python": {"type": "str"},
    "extra_args": {"type": "str"},
    "editable": {"type": "bool", "default": False},
    "chdir": {"type": "path"},
    "executable": {"type": "path"},
    "umask": {"type": "str"},
    "break_system_packages": {"type": "bool", "default": False},
}, required_one_of=[["name", "requirements"]],
    mutually_exclusive=[["name", "requirements"], ["executable", "virtualenv"]])

PIP_STATE_ARGS = {
    "present": ["install"],
    "absent": ["uninstall", "-y"],
    "latest": ["install", "-U"],
    "forcereinstall": ["install", "-U", "--force-reinstall"],
}

PIP_VCS_RE = re.compile(r"(svn|git|hg|bzr)\+")
PIP_SPEC_OPERATORS = (">=", "<=", ">", "<", "==", "!=", "~=")

# --- PEP 440 versions ---------------------------------------------------------

PIP_VERSION_RE = re.compile(
    r"^\s*v?(?:(?P<epoch>[0-9]+)!)?(?P<release>[0-9]+(?:\.[0-9]+)*)"
    r"(?P<pre>[-_.]?(?P<pre_l>alpha|a|beta|b|preview|pre|c|rc)[-_.]?(?P<pre_n>[0-9]+)?)?"
    r"(?P<post>(?:-(?P<post_n1>[0-9]+))|(?:[-_.]?(?P<post_l>post|rev|r)[-_.]?(?P<post_n2>[0-9]+)?))?"
    r"(?P<dev>[-_.]?(?P<dev_l>dev)[-_.]?(?P<dev_n>[0-9]+)?)?"
    r"(?:\+(?P<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?\s*$", re.I)

PIP_PRE_NAMES = {"alpha": "a", "a": "a", "beta": "b", "b": "b", "c": "rc", "rc": "rc",
                 "pre": "rc", "preview": "rc"}
PIP_INF = (1, 0)
PIP_NEG_INF = (-1, 0)


class PipVersion(object):
    """A PEP 440 version and the key it sorts by."""

    def __init__(self, text):
        m = PIP_VERSION_RE.match(text)
        if not m:
            raise ValueError("Invalid version: %r" % text)
        self.epoch = int(m.group("epoch") or 0)
        self.release = tuple(int(x) for x in m.group("release").split("."))
        self.pre = None
        if m.group("pre"):
            self.pre = (PIP_PRE_NAMES[m.group("pre_l").lower()], int(m.group("pre_n") or 0))
        self.post = None
        if m.group("post"):
            self.post = int(m.group("post_n1") or m.group("post_n2") or 0)
        self.dev = int(m.group("dev_n") or 0) if m.group("dev") else None
        self.local = None
        if m.group("local"):
            self.local = tuple(int(p) if p.isdigit() else p.lower()
                               for p in re.split(r"[-_.]", m.group("local")))

    @property
    def is_prerelease(self):
        return self.pre is not None or self.dev is not None

    def public_key(self):
        release = list(self.release)
        while len(release) > 1 and release[-1] == 0:
            release.pop()
        if self.pre is None and self.post is None and self.dev is not None:
            pre = PIP_NEG_INF
        elif self.pre is None:
            pre = PIP_INF
        else:
            pre = (0, self.pre)
        post = PIP_NEG_INF if self.post is None else (0, self.post)
        dev = PIP_INF if self.dev is None else (0, self.dev)
        return (self.epoch, tuple(release), pre, post, dev)

    def key(self):
        if self.local is None:
            local = ((-1, ""),)
        else:
            local = tuple((1, p, "") if isinstance(p, int) else (0, 0, p) for p in self.local)
        return self.public_key() + (local,)


def pip_padded(a, b):
    """Release tuples of the same length (shorter padded with zeros)."""
    n = max(len(a), len(b))
    return tuple(a) + (0,) * (n - len(a)), tuple(b) + (0,) * (n - len(b))


def pip_prefix_match(candidate, spec_text):
    """`==V.*`: the candidate's epoch and release start with V's."""
    spec = PipVersion(spec_text[:-2])
    if spec.epoch != candidate.epoch:
        return False
    if spec.pre is not None or spec.post is not None or spec.dev is not None:
        # a prefix with a pre/post/dev part matches public versions by text
        return False
    wanted = spec.release
    have = candidate.release + (0,) * max(0, len(wanted) - len(candidate.release))
    return have[:len(wanted)] == wanted


def pip_spec_contains(op, spec_text, candidate):
    """Whether one PEP 440 specifier clause admits the version
    (pre-releases allowed, as ansible asks)."""
    if op == "===":
        return str(candidate.text).lower() == spec_text.lower()
    if op in ("==", "!=") and spec_text.endswith(".*"):
        result = pip_prefix_match(candidate, spec_text)
        return result if op == "==" else not result
    spec = PipVersion(spec_text)
    if op in ("==", "!="):
        have = candidate
        if spec.local is None:
            equal = candidate.public_key() == spec.public_key()
        else:
            equal = have.key() == spec.key()
        return equal if op == "==" else not equal
    if op == "~=":
        prefix = ".".join(str(x) for x in spec.release[:-1]) + ".*"
        if spec.epoch:
            prefix = "%d!%s" % (spec.epoch, prefix)
        return (pip_spec_contains(">=", spec_text, candidate)
                and pip_prefix_match(candidate, prefix))
    c = candidate.public_key()
    s = spec.public_key()
    if op == "<=":
        return c <= s
    if op == ">=":
        return c >= s
    if op == "<":
        if not c < s:
            return False
        # <V leaves out V's own pre-releases unless V is one
        if not spec.is_prerelease and candidate.is_prerelease:
            base_c, base_s = pip_padded(candidate.release, spec.release)
            if (candidate.epoch, base_c) == (spec.epoch, base_s):
                return False
        return True
    if op == ">":
        if not c > s:
            return False
        base_c, base_s = pip_padded(candidate.release, spec.release)
        same_base = (candidate.epoch, base_c) == (spec.epoch, base_s)
        # >V leaves out V's post-releases unless V is one, and V+local
        if spec.post is None and candidate.post is not None and same_base:
            return False
        if candidate.local is not None and candidate.public_key() == s:
            return False
        return True
    return False


# --- PEP 508 requirements -----------------------------------------------------

PIP_NAME_RE = re.compile(r"^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*")
PIP_EXTRAS_RE = re.compile(r"^\[\s*([^\]]*)\]\s*")
PIP_CLAUSE_RE = re.compile(r"^\s*(===|==|!=|<=|>=|~=|<|>)\s*([^,;\s)]+)\s*$")


class PipRequirement(object):
    """A requirement string parsed as packaging's Requirement: name,
    extras, specifier clauses, URL and marker; ValueError when it is not
    one."""

    def __init__(self, text):
        m = PIP_NAME_RE.match(text)
        if not m:
            raise ValueError("Expected package name at the start of dependency specifier")
        self.name = m.group(1)
        rest = text[m.end():]
        self.extras = []
        e = PIP_EXTRAS_RE.match(rest)
        if e:
            self.extras = [x.strip() for x in e.group(1).split(",") if x.strip()]
            if any(not re.match(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$", x) for x in self.extras):
                raise ValueError("Expected extra name")
            rest = rest[e.end():]
        self.marker = None
        if ";" in rest:
            rest, marker = rest.split(";", 1)
            marker = marker.strip()
            if not marker:
                raise ValueError("Expected marker")
            self.marker = " ".join(marker.split())
        rest = rest.strip()
        self.url = None
        self.clauses = []
        if rest.startswith("@"):
            self.url = rest[1:].strip()
            if not self.url or " " in self.url:
                raise ValueError("Expected URL")
            return
        if rest.startswith("(") and rest.endswith(")"):
            rest = rest[1:-1]
        if rest.strip():
            for clause in rest.split(","):
                c = PIP_CLAUSE_RE.match(clause)
                if not c:
                    raise ValueError("Expected end or semicolon")
                op, version = c.group(1), c.group(2)
                self.check_clause(op, version)
                self.clauses.append((op, version))

    @staticmethod
    def check_clause(op, version):
        if op == "===":
            return
        if version.endswith(".*"):
            if op not in ("==", "!="):
                raise ValueError("Invalid specifier")
            PipVersion(version[:-2])
            return
        parsed = PipVersion(version)
        if op == "~=" and len(parsed.release) < 2:
            raise ValueError("Invalid specifier")

    def contains(self, text):
        try:
            candidate = PipVersion(text)
        except ValueError:
            return False
        candidate.text = text
        return all(pip_spec_contains(op, v, candidate) for op, v in self.clauses)

    def __str__(self):
        out = self.name
        if self.extras:
            out += "[%s]" % ",".join(sorted(self.extras))
        if self.clauses:
            out += ",".join(sorted("%s%s" % c for c in self.clauses))
        if self.url:
            out += "@ %s" % self.url
            if self.marker:
                out += " "
        if self.marker:
            out += "; %s" % self.marker
        return out


def pip_canonical_name(name):
    return re.sub(r"[-_.]+", "-", name).lower()


class PipPackage(object):
    """ansible's Package: a requirement when the text parses as one, else
    the text itself (paths, URLs, VCS links)."""

    def __init__(self, name, version=None):
        self.plain = False
        self.package_name = name
        self.requirement = None
        if version:
            version = version.lstrip()
            name = ("==" if version[0].isdigit() else " ").join((name, version))
        try:
            self.requirement = PipRequirement(name)
        except ValueError:
            return
        project = pip_canonical_name(self.requirement.name)
        self.package_name = project
        self.plain = True

    @property
    def has_version_specifier(self):
        return self.plain and bool(self.requirement.clauses)

    def satisfied_by(self, version):
        return self.plain and self.requirement.contains(version)

    def __str__(self):
        return str(self.requirement) if self.plain else self.package_name


def pip_is_package_name(text):
    return not text.lstrip().startswith(PIP_SPEC_OPERATORS)


def pip_recover_names(names):
    """The names list as package requirements: a clause given as its own
    item (or after a comma) joins the package before it."""
    parts = []
    for item in names:
        parts.extend(item.split(","))
    packages = []
    current = []
    in_brackets = False
    for part in parts:
        if pip_is_package_name(part) and not in_brackets:
            if current:
                packages.append(",".join(current))
            current = []
        if "[" in part:
            in_brackets = True
        if in_brackets and "]" in part:
            in_brackets = False
        current.append(part)
    packages.append(",".join(current))
    return packages


def pip_is_venv_command(command):
    """Whether virtualenv_command runs the venv module (or pyvenv), which
    takes no -p."""
    argv = shlex.split(command)
    if argv[0] == "pyvenv":
        return True
    module = None
    words = argv[1:]
    i = 0
    while i < len(words):
        w = words[i]
        if w == "-m" and i + 1 < len(words):
            module = words[i + 1]
            i += 2
            continue
        if w.startswith("-m") and len(w) > 2:
            module = w[3:] if w[2] == "=" else w[2:]
        i += 1
    return module == "venv"


class PipRun(object):
    """One pip task."""

    def __init__(self, p, m, run):
        self.p = p
        self.m = m
        self.run = run

    def fail_output(self, cmd, out, err):
        msg = ""
        if out:
            msg += "stdout: %s" % out
        if err:
            msg += "\n:stderr: %s" % err
        self.m.fail(msg, cmd=cmd)

    def have_pip_module(self):
        import importlib.util as _importlib_util
        try:
            return bool(_importlib_util.find_spec("pip"))
        except Exception:
            return False

    def pip_command(self, env):
        executable = self.p["executable"]
        names = ("pip3",)
        if executable is not None:
            if os.path.isabs(executable):
                return [executable]
            names = (executable,)
        elif env is None and self.have_pip_module():
            return [_pip_sys.executable, "-m", "pip"]
        if env is None:
            for name in names:
                found = self.run.bin_path(name)
                if found is not None:
                    return [found]
            self.m.fail("Unable to find any of %s to use.  pip needs to be installed." % ", ".join(names))
        names = (names[0], "pip")
        for name in names:
            candidate = os.path.join(env, "bin", name)
            if os.path.exists(candidate) and pip_executable(candidate):
                return [candidate]
        self.m.fail("Unable to find pip in the virtualenv, %s, under any of these names: %s. "
                    "Make sure pip is present in the virtualenv." % (env, ", ".join(names)))

    def installed(self, pip, chdir):
        """(command text, output, errors) of listing what is installed."""
        command = pip + ["list", "--format=freeze"]
        locale = self.run.best_locale()
        rc, out, err = self.run.run(command, cwd=chdir, environ_update={
            "LANG": locale, "LC_ALL": locale, "LC_MESSAGES": locale})
        if rc != 0:
            command = pip + ["freeze"]
            rc, out, err = self.run.run(command, cwd=chdir)
            if rc != 0:
                self.fail_output(command, out, err)
        return " ".join(command), out, err

    def special_version(self, package, python):
        """pip and setuptools are missing from `pip freeze`: their
        versions from the interpreter."""
        if python is None:
            return None
        probes = {"setuptools": 'from importlib.metadata import version; print(version("setuptools"))',
                  "pip": 'from importlib.metadata import version; print(version("pip"))'}
        if self.run.run([python, "-c", "import importlib.metadata"])[0] != 0:
            probes = {"setuptools": "import setuptools; print(setuptools.__version__)",
                      "pip": 'import pkg_resources; print(pkg_resources.get_distribution("pip").version)'}
        rc, out, _err = self.run.run([python, "-c", probes[package]])
        return None if rc else "%s==%s" % (package, out.strip())

    def make_virtualenv(self, env, chdir, out, err):
        if self.m.check_mode:
            raise PipExit({"changed": True})
        cmd = shlex.split(self.p["virtualenv_command"])
        if os.path.basename(cmd[0]) == cmd[0]:
            cmd[0] = self.run.bin_path(cmd[0], required=True)
        if self.p["virtualenv_site_packages"]:
            cmd.append("--system-site-packages")
        else:
            help_cmd = cmd[0] + " --help"
            rc, hout, herr = self.run.run(help_cmd)
            if rc != 0:
                self.m.fail("Could not get output from %s: %s" % (help_cmd, hout + herr))
            if "--no-site-packages" in [w for w in hout.strip().split() if w.startswith("--")]:
                cmd.append("--no-site-packages")
        if not pip_is_venv_command(self.p["virtualenv_command"]):
            cmd.append("-p%s" % (self.p["virtualenv_python"] or _pip_sys.executable))
        elif self.p["virtualenv_python"]:
            self.m.fail("virtualenv_python should not be used when using the venv module or "
                        "pyvenv as virtualenv_command")
        cmd.append(env)
        rc, vout, verr = self.run.run(cmd, cwd=chdir)
        out += vout
        err += verr
        if rc != 0:
            self.fail_output(cmd, out, err)
        return out, err


class PipExit(Exception):
    """exit_json before the end: the result so far."""

    def __init__(self, result):
        Exception.__init__(self)
        self.result = result


def pip_executable(path):
    """ansible's is_executable: an execute bit in the mode."""
    try:
        return bool(os.stat(path).st_mode & 0o111)
    except OSError:
        return False


def pip_body(p, m, run):
    state, name, version = p["state"], p["name"], p["version"]
    requirements, extra_args, chdir = p["requirements"], p["extra_args"], p["chdir"]
    env = p["virtualenv"]
    if env and chdir:
        env = os.path.join(chdir, env)
    if state == "latest" and version is not None:
        m.fail("version is incompatible with state=latest")
    if chdir is None:
        chdir = tempfile.gettempdir()
    task = PipRun(p, m, run)
    out = err = ""
    venv_created = False
    if env:
        if not os.path.exists(os.path.join(env, "bin", "activate")):
            venv_created = True
            out, err = task.make_virtualenv(env, chdir, out, err)
        py_bin = os.path.join(env, "bin", "python")
    else:
        py_bin = p["executable"] or _pip_sys.executable
    pip = task.pip_command(env)
    cmd = pip + PIP_STATE_ARGS[state]
    path_prefix = os.path.join(env, "bin") if env else None
    has_vcs = False
    packages = []
    if name:
        has_vcs = any(pkg and PIP_VCS_RE.match(pkg) for pkg in name)
        packages = [PipPackage(pkg) for pkg in pip_recover_names(name)]
        if version is not None:
            if len(packages) > 1:
                m.fail("'version' argument is ambiguous when installing multiple package "
                       "distributions. Please specify version restrictions next to each package "
                       "in 'name' argument.")
            if packages[0].has_version_specifier:
                m.fail("The 'version' argument conflicts with any version specifier provided "
                       "along with a package name. Please keep the version specifier, but "
                       "remove the 'version' argument.")
            packages[0] = PipPackage(str(packages[0]), version)
    if p["editable"]:
        words = extra_args.split(" ") if extra_args else []
        if "-e" not in words:
            words.append("-e")
            extra_args = " ".join(words)
    if extra_args:
        cmd.extend(shlex.split(extra_args))
    if p["break_system_packages"]:
        run.env["PIP_BREAK_SYSTEM_PACKAGES"] = "1"
    if name:
        cmd.extend(str(pkg) for pkg in packages)
    elif requirements:
        cmd.extend(["-r", requirements])
    else:
        m.warn("No valid name or requirements file found.")
        return {"changed": False}
    if m.check_mode:
        if extra_args or requirements or state == "latest" or not name:
            return {"changed": True}
        pkg_cmd, out_pip, err_pip = task.installed(pip, chdir)
        out += out_pip
        err += err_pip
        changed = False
        listed = [line for line in out.split("\n") if line and not line.startswith("You are using")
                  and not line.startswith("You should consider")]
        if pkg_cmd.endswith(" freeze") and ("pip" in name or "setuptools" in name):
            for special in ("setuptools", "pip"):
                if special in name:
                    found = task.special_version(special, py_bin)
                    if found is not None:
                        listed.append(found)
                        out += "%s\n" % found
        for package in packages:
            present = pip_is_present(package, listed)
            if (state == "present" and not present) or (state == "absent" and present):
                changed = True
                break
        return {"changed": changed, "cmd": pkg_cmd, "stdout": out, "stderr": err}
    before = None
    if requirements or has_vcs:
        before = task.installed(pip, chdir)[1]
    rc, out_pip, err_pip = run.run(cmd, path_prefix=path_prefix, cwd=chdir)
    out += out_pip
    err += err_pip
    uninstall_missing = (rc == 1 and state == "absent"
                         and ("not installed" in out_pip or "not installed" in err_pip))
    if rc != 0 and not uninstall_missing:
        task.fail_output(cmd, out, err)
    if state == "absent":
        changed = "Successfully uninstalled" in out_pip
    elif before is None:
        changed = "Successfully installed" in out_pip
    else:
        changed = before != task.installed(pip, chdir)[1]
    return {"changed": changed or venv_created, "cmd": cmd, "name": name, "version": version,
            "state": state, "requirements": requirements, "virtualenv": env,
            "stdout": out, "stderr": err}


def pip_is_present(package, listed):
    for line in listed:
        if "==" not in line:
            continue
        pkg_name, pkg_version = line.split("==")
        if pip_canonical_name(pkg_name) == package.package_name and package.satisfied_by(pkg_version):
            return True
    return False


@native("pip")
def native_pip(agent, args, header):
    def body(p, m):
        umask = None
        if p["umask"]:
            try:
                umask = int(p["umask"], 8)
            except Exception as e:
                m.fail("umask must be an octal integer", details=str(e))
        run = DevRunner(m, args)
        if umask is None:
            try:
                return pip_body(p, m, run)
            except PipExit as e:
                return e.result
        # The module lock keeps other in-process modules from running
        # under the task's umask.
        with agent.module_lock:
            saved = os.umask(umask)
            try:
                return pip_body(p, m, run)
            except PipExit as e:
                return e.result
            finally:
                os.umask(saved)
    return run_module_body("pip", PIP_SPEC, args, header, body)
