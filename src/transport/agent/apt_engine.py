# mitorun: the work of the native `apt` module, as a standalone program.
# It runs in a child process (never in the agent): python3-apt keeps
# process-wide state (apt_pkg.config, the opened cache, the locale the
# module sets), which must not outlive one task in a persistent agent, and
# the agent's interpreter may not see the bindings at all, in which case
# this program re-runs itself under the system interpreter that does, as
# ansible's module respawns. Stdlib + python3-apt only; no agent names.
#
# Input (from native_apt.py through the boot code): a request dict with
# the validated parameters and the run flags. Output: one JSON object,
# {"result", "warnings", "params"} or {"crash": traceback}.

import datetime
import fnmatch
import json
import locale as locale_module
import os
import re
import secrets
import selectors
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import traceback

APT_DEFAULT_DPKG_OPTIONS = "force-confdef,force-confold"
# What apt-get prints when it changes nothing (how ansible tells
# "changed" for upgrades and build-dep).
APT_GET_NOTHING = "\n0 upgraded, 0 newly installed, 0 to remove"
APTITUDE_NOTHING = "\n0 packages upgraded, 0 newly installed, 0 to remove"
APT_LISTS_DIR = "/var/lib/apt/lists"
APT_UPDATE_STAMP = "/var/lib/apt/periodic/update-success-stamp"
APT_MARK_BAD_OPERATION = ("Invalid operation",
                          "Usage: apt-mark [options] {markauto|unmarkauto} packages")
# What a cleanup's output contains when it did something.
APT_CLEANUP_DID_SOMETHING = {"autoremove": "The following packages will be REMOVED",
                             "autoclean": "Del "}
APT_BINDINGS_PACKAGE = "python3-apt"
APT_SYSTEM_INTERPRETERS = ["/usr/bin/python3", "/usr/bin/python"]
POLICY_RC_D = "/usr/sbin/policy-rc.d"
UPGRADE_PROMPT = r"(^Do you want to ignore this warning and proceed anyway\?|^\*\*\*.*\[default=.*\])"


class AptExit(Exception):
    """Ends the module with this result (exit_json / fail_json)."""

    def __init__(self, result):
        Exception.__init__(self, result.get("msg", ""))
        self.result = result


class AptRun(object):
    """The module's run: parameters, flags, warnings, and the parts of
    AnsibleModule the apt code needs (run_command, get_bin_path)."""

    def __init__(self, request):
        self.params = request["params"]
        self.check_mode = bool(request.get("check_mode"))
        self.diff = bool(request.get("diff"))
        self.warnings = []
        self.env_update = {}
        self.cleanup_files = []

    def warn(self, msg):
        self.warnings.append(msg)

    def exit(self, **result):
        raise AptExit(result)

    def fail(self, **result):
        result["failed"] = True
        raise AptExit(result)

    def get_bin_path(self, name, required=False):
        paths = os.environ.get("PATH", "").split(os.pathsep)
        for sbin in ("/sbin", "/usr/sbin", "/usr/local/sbin"):
            if sbin not in paths and os.path.exists(sbin):
                paths.append(sbin)
        for d in paths:
            if not d:
                continue
            candidate = os.path.join(d, name)
            if (os.path.exists(candidate) and not os.path.isdir(candidate)
                    and os.access(candidate, os.X_OK)):
                return candidate
        if required:
            self.fail(msg='Failed to find required executable "%s" in paths: %s'
                      % (name, os.pathsep.join(paths)))
        return None

    def run_command(self, args, check_rc=False, data=None, prompt_regex=None):
        """AnsibleModule.run_command without a shell: a string is split
        like a shell would, `~` and `$VAR` are expanded, output is text."""
        if isinstance(args, str):
            args = shlex.split(args)
        argv = [os.path.expanduser(os.path.expandvars(a)) for a in args if a is not None]
        printable = " ".join(shlex.quote(a) for a in argv)
        env = dict(os.environ)
        env.update(self.env_update)
        prompt = re.compile(prompt_regex.encode(), re.MULTILINE) if prompt_regex else None
        try:
            proc = subprocess.Popen(argv, stdin=subprocess.PIPE if data else None,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    close_fds=True, env=env)
        except OSError as e:
            self.fail(rc=e.errno, stdout="", stderr="", msg="Error executing command.",
                      cmd=printable)
        if data:
            proc.stdin.write((data + "\n").encode())
            proc.stdin.close()
        out, err = b"", b""
        selector = selectors.DefaultSelector()
        selector.register(proc.stdout, selectors.EVENT_READ)
        selector.register(proc.stderr, selectors.EVENT_READ)
        while True:
            events = selector.select(1)
            out_grew = False
            for key, _ in events:
                chunk = os.read(key.fileobj.fileno(), 32768)
                if not chunk:
                    selector.unregister(key.fileobj)
                elif key.fileobj is proc.stdout:
                    out += chunk
                    out_grew = True
                else:
                    err += chunk
            if prompt and out_grew and prompt.search(out) and not data:
                return (257, out.decode("utf-8", "surrogateescape"),
                        "A prompt was encountered while running a command, "
                        "but no input data was specified")
            if (not events or not selector.get_map()) and proc.poll() is not None:
                break
            if not selector.get_map() and proc.poll() is None:
                proc.wait()
                break
        proc.stdout.close()
        proc.stderr.close()
        selector.close()
        rc = proc.returncode
        out = out.decode("utf-8", "surrogateescape")
        err = err.decode("utf-8", "surrogateescape")
        if rc != 0 and check_rc:
            self.fail(cmd=printable, rc=rc, stdout=out, stderr=err, msg=err.rstrip())
        return rc, out, err


def apt_parsable_locale(run):
    """The first of ansible's preferred locales `locale -a` lists, else C."""
    tool = run.get_bin_path("locale")
    if not tool:
        return "C"
    rc, out, _ = run.run_command([tool, "-a"])
    if rc != 0 or not out:
        return "C"
    available = out.strip().splitlines()
    for preferred in ("C.utf8", "C.UTF-8", "en_US.utf8", "en_US.UTF-8", "C", "POSIX"):
        if preferred in available:
            return preferred
    return "C"


class AptPolicyRcD(object):
    """While apt runs, /usr/sbin/policy-rc.d exits with `policy_rc_d`
    (so maintainer scripts leave services alone); an existing file is
    moved aside and put back."""

    def __init__(self, run):
        self.run = run
        self.code = run.params["policy_rc_d"]
        self.backup_dir = None
        if self.code is not None and os.path.exists(POLICY_RC_D):
            self.backup_dir = tempfile.mkdtemp(prefix="ansible")

    def __enter__(self):
        if self.code is None:
            return
        if self.backup_dir:
            try:
                shutil.move(POLICY_RC_D, self.backup_dir)
            except Exception:
                self.run.fail(msg="Fail to move /usr/sbin/policy-rc.d to %s" % self.backup_dir)
        try:
            with open(POLICY_RC_D, "w") as f:
                f.write("#!/bin/sh\nexit %d\n" % self.code)
            os.chmod(POLICY_RC_D, 0o755)
        except Exception:
            self.run.fail(msg="Failed to create or chmod /usr/sbin/policy-rc.d")

    def __exit__(self, *exc):
        if self.code is None:
            return
        if self.backup_dir:
            saved = os.path.join(self.backup_dir, "policy-rc.d")
            try:
                shutil.move(saved, POLICY_RC_D)
                os.rmdir(self.backup_dir)
            except Exception:
                self.run.fail(msg="Fail to move back %s to /usr/sbin/policy-rc.d" % saved)
        else:
            try:
                os.remove(POLICY_RC_D)
            except Exception:
                self.run.fail(msg="Fail to remove /usr/sbin/policy-rc.d (after package manipulation)")


def apt_split_spec(spec):
    """`name`, `name=version`, `name>=version` -> (name, op, version)."""
    parts = re.split(r"(>?=)", spec, maxsplit=1)
    if len(parts) > 1:
        return parts[0], parts[1], parts[2]
    return parts[0], None, None


def apt_dpkg_option_args(compressed):
    """`a,b` -> `-o "Dpkg::Options::=--a" -o "Dpkg::Options::=--b"`."""
    return " ".join('-o "Dpkg::Options::=--%s"' % o for o in compressed.split(","))


class AptEngine(object):
    """The apt operations over one opened cache."""

    def __init__(self, run, apt, apt_pkg):
        self.run = run
        self.apt = apt
        self.apt_pkg = apt_pkg
        self.apt_get = None
        self.aptitude = None
        self._native_names = None
        self._all_names = None

    # -- package state ---------------------------------------------------

    def best_version(self, name, op, version, release, cache):
        """The candidate apt would pick under the pin files, with the
        release pinned at 990 (`-t`) and an exact version above all pins."""
        apt_pkg = self.apt_pkg
        policy = apt_pkg.Policy(cache)
        policy.read_pinfile(apt_pkg.config.find_file("Dir::Etc::preferences"))
        policy.read_pindir(apt_pkg.config.find_file("Dir::Etc::preferencesparts"))
        if release:
            policy.create_pin("Release", name, release, 990)
        if op == "=":
            policy.create_pin("Version", name, version, 1001)
        candidate = policy.get_candidate_ver(cache[name])
        if not candidate:
            return None
        if op == "=" and not fnmatch.fnmatch(candidate.ver_str, version):
            return None
        return candidate.ver_str

    def status(self, name, op, version, release, cache, installing):
        """(installed, wanted version installed, version to install or
        True for "let apt choose", files left on disk)."""
        try:
            pkg = cache[name]
            low = cache._cache[name]
        except KeyError:
            if not installing:
                return False, False, None, False
            try:
                providers = cache.get_providing_packages(name)
            except AttributeError:
                return False, False, True, False
            if providers:
                if cache.is_virtual_package(name) and len(providers) == 1:
                    found = self.status(providers[0].name, op, version, release, cache, True)
                    if found[0]:
                        return found
                return False, False, True, False
            self.run.fail(msg="No package matching '%s' is available" % name)
        try:
            has_files = len(pkg.installed_files) > 0
        except UnicodeDecodeError:
            has_files = True
        except AttributeError:
            has_files = False
        installed = low.current_state == self.apt_pkg.CURSTATE_INSTALLED
        best = self.best_version(name, op, version, release, cache._cache)
        wanted_installed = False
        installable = None
        if not installed:
            return installed, wanted_installed, best, has_files
        current = pkg.installed.version
        compare = self.apt_pkg.version_compare
        if op == "=":
            wanted_installed = fnmatch.fnmatch(current, version)
            if best and current != best and fnmatch.fnmatch(best, version):
                installable = best
        elif op == ">=":
            wanted_installed = compare(current, version) >= 0
            if best and current != best and compare(best, version) >= 0:
                installable = best
        else:
            wanted_installed = True
            if best and current != best:
                installable = best
        return installed, wanted_installed, installable, has_files

    def expand_wildcards(self, specs, cache):
        """Names with `*?[]!` become the matching package names (native
        architecture only unless the pattern names one)."""
        expanded = []
        for spec in specs or []:
            if not isinstance(spec, str):
                self.run.fail(msg="Invalid type for package name, expected string but got %s"
                              % type(spec))
            pattern = apt_split_spec(spec)[0]
            if not frozenset("*?[]!").intersection(pattern):
                expanded.append(spec)
                continue
            if ":" not in pattern:
                if self._native_names is None:
                    self._native_names = [p.name for p in cache if ":" not in p.name]
                names = self._native_names
            else:
                if self._all_names is None:
                    self._all_names = [p.name for p in cache]
                names = self._all_names
            matches = fnmatch.filter(names, pattern)
            if not matches:
                self.run.fail(msg="No package(s) matching '%s' available" % pattern)
            expanded.extend(matches)
        return expanded

    # -- operations ------------------------------------------------------

    def diff_of(self, output):
        """The part of apt's output between its header and its summary."""
        lines = output.splitlines()
        start = -1
        for marker in ("Resolving dependencies...", "Reading state information..."):
            if marker in lines:
                start = lines.index(marker)
                break
        end = len(lines)
        for i, line in enumerate(lines):
            if re.match("[0-9]+ (packages )?upgraded", line):
                end = i
                break
        return {"prepared": "\n".join(lines[start + 1:end + 1])}

    def mark_manual(self, names):
        if not names:
            return
        apt_mark = self.run.get_bin_path("apt-mark")
        if apt_mark is None:
            self.run.warn("Could not find apt-mark binary, not marking package(s) as manually installed.")
            return
        cmd = "%s manual %s" % (apt_mark, " ".join(names))
        rc, out, err = self.run.run_command(cmd)
        if any(bad in err for bad in APT_MARK_BAD_OPERATION):
            cmd = "%s unmarkauto %s" % (apt_mark, " ".join(names))
            rc, out, err = self.run.run_command(cmd)
        if rc != 0:
            self.run.fail(msg="'%s' failed: %s" % (cmd, err), stdout=out, stderr=err, rc=rc)

    def install(self, specs, cache, dpkg_options, upgrade=False, release=None,
                recommends=None, force=False, build_dep=False, fixed=False,
                autoremove=False, no_remove=False, only_upgrade=False,
                unauthenticated=False, downgrade=False, change_held=False):
        """apt-get install (or build-dep) of what is not as asked; returns
        (ok, result)."""
        run = self.run
        quoted = []
        names = []
        for spec in self.expand_wildcards(specs, cache):
            if build_dep:
                quoted.append("'%s'" % spec)
                continue
            name, op, version = apt_split_spec(spec)
            names.append(name)
            installed, wanted, installable, _ = self.status(name, op, version, release, cache, True)
            if not installed and only_upgrade:
                continue
            if not wanted and not installable:
                return False, {"msg": "no available installation candidate for %s" % spec}
            if installable and ((not installed and not only_upgrade) or upgrade or not wanted):
                if installable is not True:
                    quoted.append("'%s=%s'" % (name, installable))
                elif version:
                    quoted.append("'%s=%s'" % (name, version))
                else:
                    quoted.append("'%s'" % name)
            elif wanted and installable and op == "=":
                # A wildcard version matching both the installed and a
                # newer version: ansible passes the pattern on.
                quoted.append("'%s=%s'" % (name, version))
        if quoted:
            packages = " ".join(quoted)
            flags = [dpkg_options, "--only-upgrade" if only_upgrade else "",
                     "--fix-broken" if fixed else "", "--force-yes" if force else ""]
            if build_dep:
                flags += ["--no-remove" if no_remove else "",
                          "--simulate" if run.check_mode else ""]
                cmd = "%s -y %s build-dep %s" % (self.apt_get, " ".join(flags), packages)
            else:
                flags += ["--auto-remove" if autoremove else "", "--no-remove" if no_remove else "",
                          "--simulate" if run.check_mode else ""]
                cmd = "%s -y %s install %s" % (self.apt_get, " ".join(flags), packages)
            if release:
                cmd += " -t '%s'" % release
            if recommends is False:
                cmd += " -o APT::Install-Recommends=no"
            elif recommends is True:
                cmd += " -o APT::Install-Recommends=yes"
            if unauthenticated:
                cmd += " --allow-unauthenticated"
            if downgrade:
                cmd += " --allow-downgrades"
            if change_held:
                cmd += " --allow-change-held-packages"
            with AptPolicyRcD(run):
                rc, out, err = run.run_command(cmd)
            diff = self.diff_of(out) if run.diff else {}
            changed = APT_GET_NOTHING not in out if build_dep else True
            if rc:
                ok, result = False, {"msg": "'%s' failed: %s" % (cmd, err), "stdout": out,
                                     "stderr": err, "rc": rc}
            else:
                ok, result = True, {"changed": changed, "stdout": out, "stderr": err, "diff": diff}
        else:
            ok, result = True, {"changed": False}
        if not build_dep and not run.check_mode:
            self.mark_manual(names)
        return ok, result

    def deb_field(self, path, field):
        dpkg = self.run.get_bin_path("dpkg", True)
        cmd = dpkg + " --field %s %s" % (path, field)
        rc, out, err = self.run.run_command(cmd)
        if rc != 0:
            self.run.fail(msg="%s failed" % cmd, stdout=out, stderr=err)
        return out.strip("\n")

    def install_debs(self, debs, cache, p):
        """dpkg -i of the .deb files not installed at their version, after
        apt-get installs their missing dependencies (and recommends)."""
        run, apt, apt_pkg = self.run, self.apt, self.apt_pkg
        changed = False
        deps = []
        to_install = []
        for path in debs.split(","):
            try:
                deb = apt.debfile.DebPackage(path, cache=apt.Cache())
                name = self.deb_field(path, "Package")
                version = self.deb_field(path, "Version")
                key = name
                if hasattr(apt_pkg, "get_architectures") and len(apt_pkg.get_architectures()) > 1:
                    key = "%s:%s" % (name, self.deb_field(path, "Architecture"))
                try:
                    current = apt.Cache()[key].installed.version
                    if apt_pkg.version_compare(version, current) == 0:
                        continue
                except Exception:
                    pass
                if not deb.check():
                    failure = deb._failure_string
                    if not (p["force"] or ("later version" in failure and p["allow_downgrade"])):
                        run.fail(msg=failure)
                deps.extend(deb.missing_deps)
            except AptExit:
                raise
            except Exception as e:
                run.fail(msg="Unable to install package: %s" % e)
            if p["install_recommends"]:
                deps.extend(r.strip() for r in self.deb_field(path, "Recommends").split())
            to_install.append(path)
        done = {}
        if deps:
            options = "%s -o DPkg::Lock::Timeout=%s" % (
                apt_dpkg_option_args(p["dpkg_options"]), p["lock_timeout"])
            ok, done = self.install(deps, cache, options, recommends=p["install_recommends"],
                                    no_remove=p["fail_on_autoremove"],
                                    unauthenticated=p["allow_unauthenticated"],
                                    downgrade=p["allow_downgrade"],
                                    change_held=p["allow_change_held_packages"])
            if not ok:
                run.fail(**done)
            changed = done.get("changed", False)
        if not to_install:
            run.exit(changed=changed, stdout=done.get("stdout", ""), stderr=done.get("stderr", ""),
                     diff=done.get("diff", ""))
        options = " ".join("--%s" % o for o in p["dpkg_options"].split(","))
        if run.check_mode:
            options += " --simulate"
        if p["force"]:
            options += " --force-all"
        cmd = "dpkg %s -i %s" % (options, " ".join(to_install))
        with AptPolicyRcD(run):
            rc, out, err = run.run_command(cmd)
        stdout = done.get("stdout", "") + out
        stderr = done.get("stderr", "") + err
        if "diff" in done:
            diff = done["diff"]
            if "prepared" in diff:
                diff["prepared"] += "\n\n" + out
        else:
            diff = self.diff_of(out)
        if rc == 0:
            run.exit(changed=True, stdout=stdout, stderr=stderr, diff=diff)
        run.fail(msg="%s failed" % cmd, stdout=stdout, stderr=stderr)

    def remove(self, specs, cache, dpkg_options, purge=False, force=False, autoremove=False,
               change_held=False):
        run = self.run
        quoted = []
        for spec in self.expand_wildcards(specs, cache):
            name, op, version = apt_split_spec(spec)
            _, wanted, _, has_files = self.status(name, op, version, None, cache, False)
            if wanted or (has_files and purge):
                quoted.append("'%s'" % spec)
        if not quoted:
            run.exit(changed=False)
        packages = " ".join(quoted)
        cmd = "%s -q -y %s %s %s %s %s %s remove %s" % (
            self.apt_get, dpkg_options, "--purge" if purge else "", "--force-yes" if force else "",
            "--auto-remove" if autoremove else "", "--simulate" if run.check_mode else "",
            "--allow-change-held-packages" if change_held else "", packages)
        with AptPolicyRcD(run):
            rc, out, err = run.run_command(cmd)
        diff = self.diff_of(out) if run.diff else {}
        if rc:
            run.fail(msg="'apt-get remove %s' failed: %s" % (packages, err), stdout=out, stderr=err,
                     rc=rc)
        run.exit(changed=True, stdout=out, stderr=err, diff=diff)

    def cleanup(self, operation, dpkg_options, purge=False, force=False):
        """apt-get autoremove / autoclean."""
        run = self.run
        cmd = "%s -y %s %s %s %s %s" % (
            self.apt_get, dpkg_options, "--purge" if purge else "", "--force-yes" if force else "",
            operation, "--simulate" if run.check_mode else "")
        with AptPolicyRcD(run):
            rc, out, err = run.run_command(cmd)
        diff = self.diff_of(out) if run.diff else {}
        if rc:
            run.fail(msg="'apt-get %s' failed: %s" % (operation, err), stdout=out, stderr=err, rc=rc)
        run.exit(changed=APT_CLEANUP_DID_SOMETHING[operation] in out, stdout=out, stderr=err,
                 diff=diff)

    def clean(self):
        """apt-get clean: (stdout, stderr, diff)."""
        run = self.run
        rc, out, err = run.run_command(["apt-get", "clean"])
        diff = self.diff_of(out) if run.diff else {}
        if rc:
            run.fail(msg="apt-get clean failed", stdout=out, rc=rc)
        if err:
            run.fail(msg="apt-get clean failed: %s" % err, stdout=out, rc=rc)
        return out, err, diff

    def upgrade(self, mode, p, dpkg_options, use_apt_get):
        """apt-get upgrade/dist-upgrade or aptitude safe-upgrade/full-upgrade."""
        run = self.run
        autoremove = "--auto-remove" if p["autoremove"] else ""
        prompt = None
        if mode == "dist" or (mode == "full" and use_apt_get):
            tool, command = self.apt_get, "dist-upgrade %s" % autoremove
        elif mode == "full":
            tool, command = self.aptitude, "full-upgrade"
        elif use_apt_get:
            tool, command = self.apt_get, "upgrade --with-new-pkgs %s" % autoremove
        else:
            tool, command, prompt = self.aptitude, "safe-upgrade", UPGRADE_PROMPT
        with_apt_get = tool == self.apt_get
        force = ""
        if p["force"]:
            force = "--force-yes" if with_apt_get else "--assume-yes --allow-untrusted"
        no_remove = ""
        if p["fail_on_autoremove"]:
            if with_apt_get:
                no_remove = "--no-remove"
            else:
                run.warn("APTITUDE does not support '--no-remove', ignoring the "
                         "'fail_on_autoremove' parameter.")
        downgrade = ""
        if p["allow_downgrade"]:
            if with_apt_get:
                downgrade = "--allow-downgrades"
            else:
                run.warn("APTITUDE does not support '--allow-downgrades', ignoring the "
                         "'allow_downgrade' parameter.")
        if tool is None:
            if not use_apt_get:
                run.fail(msg="Unable to find APTITUDE in path. Please make sure to have APTITUDE "
                             "in path or use 'force_apt_get=True'")
            tool = self.apt_get
        tool_path = run.get_bin_path(tool, required=True)
        cmd = "%s -y %s %s %s %s %s %s %s" % (
            tool_path, dpkg_options, force, no_remove,
            "--allow-unauthenticated" if p["allow_unauthenticated"] else "", downgrade,
            "--simulate" if run.check_mode else "", command)
        if p["default_release"]:
            cmd += " -t '%s'" % p["default_release"]
        with AptPolicyRcD(run):
            rc, out, err = run.run_command(cmd, prompt_regex=prompt)
        diff = self.diff_of(out) if run.diff else {}
        if rc:
            run.fail(msg="'%s %s' failed: %s" % (tool, command, err), stdout=out, rc=rc)
        if ((with_apt_get and APT_GET_NOTHING in out)
                or (tool == self.aptitude and APTITUDE_NOTHING in out)):
            run.exit(changed=False, msg=out, stdout=out, stderr=err)
        run.exit(changed=True, msg=out, stdout=out, stderr=err, diff=diff)


def apt_cache_time():
    """(datetime, epoch seconds) of the last successful update, as
    ansible reads it: the periodic stamp, else the lists dir, else 0."""
    mtime = 0
    if os.path.exists(APT_UPDATE_STAMP):
        mtime = os.stat(APT_UPDATE_STAMP).st_mtime
    elif os.path.exists(APT_LISTS_DIR):
        mtime = os.stat(APT_LISTS_DIR).st_mtime
    stamp = datetime.datetime.fromtimestamp(mtime)
    return stamp, int(time.mktime(stamp.timetuple()))


def apt_open_cache(run, apt):
    """apt.Cache(); corrupt lists are refreshed (twice at most) first."""
    try:
        return apt.Cache()
    except SystemError as e:
        if "/var/lib/apt/lists/" not in str(e).lower():
            run.fail(msg=str(e))
        rc, out, err = 1, "", ""
        for _ in range(2):
            rc, out, err = run.run_command(["apt-get", "update", "-q"])
            if rc == 0:
                break
        if rc != 0:
            run.fail(msg="Updating the cache to correct corrupt package lists failed:\n%s\n%s"
                     % (e, out + err), rc=rc)
        return apt.Cache()


def apt_interpreter_with_bindings():
    """The first system interpreter that imports apt, or None."""
    for interpreter in APT_SYSTEM_INTERPRETERS:
        if not os.path.exists(interpreter):
            continue
        try:
            if subprocess.call([interpreter, "-c", "import apt"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL) == 0:
                return interpreter
        except Exception:
            continue
    return None


def apt_respawn(request, interpreter):
    """This program's answer under another interpreter."""
    child = dict(request, respawned=True)
    source = APT_ENGINE_SOURCE.encode()  # noqa: F821 (set by the boot code)
    payload = b"%010d" % len(source) + source + json.dumps(child).encode()
    proc = subprocess.run([interpreter, "-c", request["boot"]], input=payload,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        return json.loads(proc.stdout.decode())
    except ValueError:
        return {"crash": "apt under %s ended with status %s: %s"
                % (interpreter, proc.returncode, proc.stderr.decode("utf-8", "replace"))}


def apt_without_bindings(run, request, p, apt_get, dpkg_options):
    """No python3-apt here: respawn under a system interpreter that has
    it, else install it (not in check mode) and try again, else fail."""
    if request.get("respawned"):
        run.fail(msg="%s must be installed and visible from %s."
                 % (APT_BINDINGS_PACKAGE, sys.executable))
    interpreter = apt_interpreter_with_bindings()
    if interpreter:
        raise AptRespawn(interpreter)
    if run.check_mode:
        run.fail(msg="%s must be installed to use check mode. If run normally this module can "
                     "auto-install it, see the auto_install_module_deps option."
                 % APT_BINDINGS_PACKAGE)
    if p["auto_install_module_deps"]:
        if p["update_cache"] is False:
            run.warn("Auto-installing missing dependency without updating cache: %s"
                     % APT_BINDINGS_PACKAGE)
        else:
            run.warn("Updating cache and auto-installing missing dependency: %s"
                     % APT_BINDINGS_PACKAGE)
            run.run_command([apt_get, "update"], check_rc=True)
        argv = [apt_get, "install", APT_BINDINGS_PACKAGE, "-y", "-q", dpkg_options]
        if p["install_recommends"] is False:
            argv += ["-o", "APT::Install-Recommends=no"]
        elif p["install_recommends"] is True:
            argv += ["-o", "APT::Install-Recommends=yes"]
        run.run_command(argv, check_rc=True)
        interpreter = apt_interpreter_with_bindings()
        if interpreter:
            raise AptRespawn(interpreter)
    version = sys.version.replace("\n", "")
    run.fail(msg="Could not import the %s module using %s (%s). Ensure %s package is installed "
                 "(either manually or via the auto_install_module_deps option) or that you have "
                 "specified the correct ansible_python_interpreter. (attempted %s)."
             % (APT_BINDINGS_PACKAGE, sys.executable, version, APT_BINDINGS_PACKAGE,
                APT_SYSTEM_INTERPRETERS))


class AptRespawn(Exception):
    def __init__(self, interpreter):
        Exception.__init__(self, interpreter)
        self.interpreter = interpreter


def apt_update_cache(run, apt, cache, p):
    """apt-get update (python-apt's) with ansible's retries and backoff;
    returns whether the lists changed (always "yes" in check mode) and
    the update time."""
    retries = p["update_cache_retries"]
    max_delay = p["update_cache_retry_max_delay"]
    jitter = secrets.randbelow(1000) / 1000.0
    _, before = apt_cache_time()
    error = ""
    for attempt in range(retries):
        try:
            if not run.check_mode:
                cache.update()
            break
        except apt.cache.FetchFailedException as e:
            error = e
            run.warn("Failed to update cache after %d retries due to %s, retrying"
                     % (attempt + 1, e))
        delay = 2 ** attempt + jitter
        if delay > max_delay:
            delay = max_delay + jitter
        time.sleep(delay)
        run.warn("Sleeping for %d seconds, before attempting to refresh the cache again"
                 % int(round(delay)))
    else:
        run.fail(msg="Failed to update apt cache after %d retries: %s"
                 % (retries, error if error else "unknown reason"))
    cache.open(progress=None)
    _, after = apt_cache_time()
    return run.check_mode or before != after, after


def apt_refresh_lists(run, request):
    """apt_repository's update_cache: apt.Cache().update() with its
    retries and backoff, warnings worded as that module words them."""
    try:
        import apt
    except ImportError:
        interpreter = None if request.get("respawned") else apt_interpreter_with_bindings()
        if interpreter:
            raise AptRespawn(interpreter)
        run.fail(msg="%s must be installed and visible from %s."
                 % (APT_BINDINGS_PACKAGE, sys.executable))
    retries = run.params["retries"]
    max_delay = run.params["max_delay"]
    jitter = secrets.randbelow(1000) / 1000.0
    error = ""
    cache = apt.Cache()
    for attempt in range(retries):
        try:
            cache.update()
            run.exit(changed=True)
        except apt.cache.FetchFailedException as e:
            error = e
            run.warn("Failed to update cache after %d due to %s retry, retrying" % (attempt + 1, e))
        delay = 2 ** attempt + jitter
        if delay > max_delay:
            delay = max_delay + jitter
        time.sleep(delay)
        run.warn("Sleeping for %d seconds, before attempting to update the cache again"
                 % int(round(delay)))
    run.fail(msg="Failed to update apt cache after %d retries: %s"
             % (retries, error if error else "unknown reason"))


def apt_main(run, request):
    if request.get("op") == "update_cache":
        apt_refresh_lists(run, request)
    p = run.params
    chosen = apt_parsable_locale(run)
    locale_module.setlocale(locale_module.LC_ALL, chosen)
    run.env_update = {"DEBIAN_FRONTEND": "noninteractive", "DEBIAN_PRIORITY": "critical",
                      "LANG": chosen, "LC_ALL": chosen, "LC_MESSAGES": chosen,
                      "LC_CTYPE": chosen, "LANGUAGE": chosen}
    aptitude = run.get_bin_path("aptitude", False)
    apt_get = run.get_bin_path("apt-get")
    dpkg_options = "%s -o DPkg::Lock::Timeout=%s" % (apt_dpkg_option_args(p["dpkg_options"]),
                                                     p["lock_timeout"])
    try:
        import warnings
        warnings.filterwarnings("ignore", "apt API not stable yet", FutureWarning)
        import apt
        import apt.debfile
        import apt_pkg
    except ImportError:
        apt_without_bindings(run, request, p, apt_get, dpkg_options)
    engine = AptEngine(run, apt, apt_pkg)
    engine.apt_get, engine.aptitude = apt_get, aptitude

    if p["clean"] is True:
        out, err, diff = engine.clean()
        if not p["package"] and p["upgrade"] == "no" and not p["deb"]:
            run.exit(changed=True, msg=out, stdout=out, stderr=err, diff=diff)
    if p["upgrade"] == "no":
        # ansible changes the parameter itself (it shows in invocation).
        p["upgrade"] = None
    use_apt_get = p["force_apt_get"] or not aptitude
    deadline = time.time() + p["lock_timeout"]
    while True:
        cache = apt_open_cache(run, apt)
        try:
            apt_run_once(run, engine, cache, p, dpkg_options, use_apt_get)
        except apt.cache.LockFailedException as e:
            if time.time() < deadline:
                continue
            run.fail(msg="Failed to lock apt for exclusive operation: %s" % e)
        except apt.cache.FetchFailedException as e:
            run.fail(msg="Could not fetch updated apt files: %s" % e)
        run.fail(msg="Unexpected code path taken, we really should have exited before, this is a bug")


def apt_run_once(run, engine, cache, p, dpkg_options, use_apt_get):
    """One attempt at the whole task (lock failures start it again)."""
    apt_pkg = engine.apt_pkg
    if p["default_release"]:
        apt_pkg.config["APT::Default-Release"] = p["default_release"]
        cache.open(progress=None)
    stamp, update_time = apt_cache_time()
    updated = False
    if p["update_cache"] or p["cache_valid_time"]:
        valid_until = stamp + datetime.timedelta(seconds=p["cache_valid_time"])
        if not valid_until >= datetime.datetime.now():
            updated, update_time = apt_update_cache(run, engine.apt, cache, p)
        if not p["package"] and not p["upgrade"] and not p["deb"]:
            run.exit(changed=updated, cache_updated=updated, cache_update_time=update_time)
    force = p["force"]
    if p["upgrade"]:
        engine.upgrade(p["upgrade"], p, dpkg_options, use_apt_get)
    if p["deb"]:
        if p["state"] != "present":
            run.fail(msg="deb only supports state=present")
        if "://" in p["deb"]:
            p["deb"] = apt_download(run, p["deb"])
        engine.install_debs(p["deb"], cache, p)
    given = p["package"] or ()
    packages = [name.strip() for name in given if name != "*"]
    if p["state"] == "latest" and "*" in given:
        if packages:
            run.fail(msg="unable to install additional packages when upgrading all installed packages")
        engine.upgrade("yes", p, dpkg_options, use_apt_get)
    for name in packages:
        if name.count("=") > 1:
            run.fail(msg="invalid package spec: %s" % name)
    if not packages:
        if p["autoclean"]:
            engine.cleanup("autoclean", dpkg_options, p["purge"], force)
        if p["autoremove"]:
            engine.cleanup("autoremove", dpkg_options, p["purge"], force)
    if p["state"] in ("latest", "present", "build-dep", "fixed"):
        ok, result = engine.install(
            packages, cache, dpkg_options, upgrade=p["state"] == "latest",
            release=p["default_release"], recommends=p["install_recommends"], force=force,
            build_dep=p["state"] == "build-dep", fixed=p["state"] == "fixed",
            autoremove=p["autoremove"], no_remove=p["fail_on_autoremove"],
            only_upgrade=p["only_upgrade"], unauthenticated=p["allow_unauthenticated"],
            downgrade=p["allow_downgrade"], change_held=p["allow_change_held_packages"])
        result["cache_updated"] = updated
        result["cache_update_time"] = update_time
        if ok:
            run.exit(**result)
        run.fail(**result)
    elif p["state"] == "absent":
        engine.remove(packages, cache, dpkg_options, p["purge"], force=force,
                      autoremove=p["autoremove"], change_held=p["allow_change_held_packages"])


def apt_download(run, url):
    """A `deb` URL fetched into a temp file named after it (removed when
    the run ends)."""
    import urllib.parse
    import urllib.request
    base = os.path.basename(urllib.parse.urlparse(url).path)
    prefix, dot, ext = base.partition(".")
    fd, path = tempfile.mkstemp(prefix=prefix, suffix=dot + ext)
    run.cleanup_files.append(path)
    import urllib.error
    shown = mask_url_password(url)
    try:
        with urllib.request.urlopen(url, timeout=10) as response, os.fdopen(fd, "wb") as f:
            shutil.copyfileobj(response, f, 65536)
    except urllib.error.HTTPError as e:
        run.fail(msg="Failure downloading %s, %s" % (shown, e))
    except urllib.error.URLError as e:
        # fetch_url's wording of what went wrong.
        run.fail(msg="Failure downloading %s, Request failed: %s" % (shown, e))
    except OSError as e:
        run.fail(msg="Failure downloading %s, Connection failure: %s" % (shown, e))
    except Exception as e:
        run.fail(msg="Failure downloading %s, An unknown error occurred: %s" % (shown, e))
    return path


def mask_url_password(url):
    """The URL with its credentials shown as **** (ansible's mask_url).
    native_net.py has the same function; this engine runs as a program of
    its own under the system Python, without the agent's net code."""
    import urllib.parse
    parsed = urllib.parse.urlparse(url)
    if not parsed.username and not parsed.password:
        return url
    if parsed.password:
        netloc = parsed.netloc.replace("%s:%s@" % (parsed.username, parsed.password), "****:****@")
    else:
        netloc = parsed.netloc.replace("%s@" % parsed.username, "****@")
    return urllib.parse.urlunparse(parsed._replace(netloc=netloc))


def apt_engine_run(request):
    """The program's entry point: request -> answer (see the top)."""
    run = AptRun(request)
    try:
        try:
            apt_main(run, request)
            result = {"failed": True, "msg": "apt ended without a result"}
        except AptExit as e:
            result = e.result
        except AptRespawn as e:
            return apt_respawn(request, e.interpreter)
    except Exception:
        return {"crash": traceback.format_exc()}
    finally:
        for path in run.cleanup_files:
            try:
                os.unlink(path)
            except OSError:
                pass
    return {"result": result, "warnings": run.warnings, "params": run.params}
