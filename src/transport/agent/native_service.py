# mitorun agent: native service, systemd (systemd_service), sysvinit and
# service_facts for Linux targets, result for result with ansible-core
# 2.19's modules: the same tools found the same way (service, update-rc.d,
# chkconfig, insserv, initctl, rc-service, systemctl), the same command
# lines read the same way, the same check-mode answers, warnings and
# failure messages. Shipped with the first call of one of them
# (modules::native_code), not part of every agent: most connections
# manage no services. Other systems run ansible-core's modules
# (modules::LINUX_ONLY).

import glob as _svc_glob
import time as _svc_time

# Where ansible's service modules look for their tools before PATH.
SVC_TOOL_DIRS = ["/sbin", "/usr/sbin", "/bin", "/usr/bin"]
SVC_LOCALE_PREFERENCES = ("C.utf8", "C.UTF-8", "en_US.utf8", "en_US.UTF-8", "C", "POSIX")


class SvcExit(Exception):
    """exit_json in the middle of a module: this result and nothing else
    (the check-mode answers of service are such early exits)."""

    def __init__(self, **result):
        Exception.__init__(self, "exit")
        self.result = result


class SvcModule(object):
    """The AnsibleModule pieces these modules use, over a native Mod: the
    task environment (which systemd extends with XDG_RUNTIME_DIR as
    ansible's module sets it in os.environ), run_command, get_bin_path."""

    def __init__(self, m, args):
        self.m = m
        self.env = m.env
        self.check_mode = m.check_mode
        self.shell_exe = args.get("_ansible_shell_executable")
        self.environ_update = {}
        self._locale = None

    def warn(self, msg):
        self.m.warn(msg)

    def fail(self, msg, **kw):
        self.m.fail(msg, **kw)

    def get_bin_path(self, name, required=False, opt_dirs=()):
        dirs = bin_search_dirs(self.env.get("PATH", ""), opt_dirs)
        found = find_bin(name, dirs)
        if found is None and required:
            self.fail('Failed to find required executable "%s" in paths: %s'
                      % (name, os.pathsep.join(dirs)))
        return found

    def parsable_locale(self):
        """get_best_parsable_locale: the first of ansible's preferences that
        `locale -a` lists, else C."""
        if self._locale is None:
            self._locale = "C"
            tool = self.get_bin_path("locale")
            if tool:
                rc, out, _err = self.run(tool + " -a")
                if rc == 0 and out:
                    available = out.strip().splitlines()
                    for preference in SVC_LOCALE_PREFERENCES:
                        if preference in available:
                            self._locale = preference
                            break
        return self._locale

    def argv(self, cmd):
        """run_command's argv for a command given as text or list: split as
        a shell would (no shell runs), `~` and $VARs expanded."""
        if isinstance(cmd, str):
            cmd = shlex.split(cmd)
        return [os.path.expanduser(expand_vars(str(a), self.env)) for a in cmd if a is not None]

    def run(self, cmd, environ_update=None, use_unsafe_shell=False, check_rc=False):
        """AnsibleModule.run_command: the task environment plus the
        module's and the call's updates; output read until the command has
        exited and its pipes are quiet."""
        env = dict(self.env)
        env.update(self.environ_update)
        env.update(environ_update or {})
        shell = False
        if use_unsafe_shell:
            if self.shell_exe not in (None, "/bin/sh"):
                argv = [self.shell_exe, "-c", cmd]
            else:
                argv = cmd
                shell = True
        else:
            argv = self.argv(cmd)
        printable = argv if isinstance(argv, str) else " ".join(shlex.quote(a) for a in argv)
        try:
            proc = subprocess.Popen(argv, shell=shell, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, close_fds=True, env=env)
        except OSError as e:
            self.fail("Error executing command.", rc=e.errno, stdout="", stderr="", cmd=printable,
                      exception=error_summary("Error executing command.", str(e)))
        out, err = read_until_exit(proc, None)
        rc = proc.returncode
        out = out.decode("utf-8", "surrogateescape")
        err = err.decode("utf-8", "surrogateescape")
        if check_rc and rc != 0:
            self.fail(err.rstrip(), cmd=printable, rc=rc, stdout=out, stderr=err)
        return rc, out, err

    def run_detached(self, cmd, env):
        """A command run the way ansible's service modules daemonize it: in
        its own session, from /, stdin on /dev/null, with `env`; its output
        and status returned all the same. (ansible double-forks its own
        process for that; the agent starts the command detached instead,
        which leaves the started daemon just as unattached.)"""
        argv = [str(a) for a in shlex.split(cmd)]
        try:
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, close_fds=True, env=env, cwd="/",
                                    start_new_session=True)
        except OSError as e:
            # ansible's daemon child dies on this and its parent cannot
            # read a result: the module fails.
            self.fail("Error executing command.", rc=e.errno, stdout="", stderr="",
                      cmd=" ".join(shlex.quote(a) for a in argv),
                      exception=error_summary("Error executing command.", str(e)))
        out, err = read_until_exit(proc, None)
        return (proc.returncode, out.decode("utf-8", "surrogateescape"),
                err.decode("utf-8", "surrogateescape"))

    def ps_lines(self, text_cmd=True):
        """`ps auxww` output lines (rc, lines)."""
        ps = self.get_bin_path("ps", required=True)
        if text_cmd:
            rc, out, _err = self.run("%s auxww" % ps)
        else:
            rc, out, _err = self.run([ps, "auxww"])
        return rc, out


# --- module_utils/service.py ---------------------------------------------

def svc_sysv_is_enabled(name, runlevel=None):
    """An S link for the service in the runlevel's rc dir (any runlevel
    without one), where SysV rc dirs live on this system."""
    if runlevel:
        if not os.path.isdir("/etc/rc0.d/"):
            return bool(_svc_glob.glob("/etc/init.d/rc%s.d/S??%s" % (runlevel, name)))
        return bool(_svc_glob.glob("/etc/rc%s.d/S??%s" % (runlevel, name)))
    if not os.path.isdir("/etc/rc0.d/"):
        return bool(_svc_glob.glob("/etc/init.d/rc?.d/S??%s" % name))
    return bool(_svc_glob.glob("/etc/rc?.d/S??%s" % name))


def svc_sysv_script(name):
    if name.startswith("/"):
        return name
    return "/etc/init.d/%s" % name


def svc_sysv_exists(name):
    return os.path.exists(svc_sysv_script(name))


def svc_fail_if_missing(sm, found, service, msg=""):
    if not found:
        sm.fail("Could not find the requested service %s: %s" % (service, msg))


def svc_is_systemd_managed(sm):
    """systemctl installed and systemd booted (sd_booted's canaries, else
    pid 1's comm)."""
    if sm.get_bin_path("systemctl"):
        for canary in ("/run/systemd/system/", "/dev/.run/systemd/", "/dev/.systemd/"):
            if os.path.exists(canary):
                return True
        try:
            with open("/proc/1/comm", "r") as f:
                return f.readline().strip() == "systemd"
        except OSError:
            return False
    return False


def svc_get_ps(sm, pattern):
    """module_utils' get_ps: any `ps auxww` line holding the pattern."""
    rc, out = sm.ps_lines(text_cmd=False)
    if rc == 0:
        for line in out.splitlines():
            if pattern in line:
                return True
    return False


def svc_is_chroot(sm):
    """ansible's is_chroot: debian_chroot set, else / is not pid 1's root
    (or, without /proc, not the file system's root inode)."""
    if sm.env.get("debian_chroot"):
        return True
    my_root = os.stat("/")
    try:
        proc_root = os.stat("/proc/1/root/.")
        return my_root.st_ino != proc_root.st_ino or my_root.st_dev != proc_root.st_dev
    except Exception:
        fs_root_ino = 2
        stat_path = sm.get_bin_path("stat")
        if stat_path:
            _rc, out, _err = sm.run([stat_path, "-f", "--format=%T", "/"])
            if "btrfs" in out:
                fs_root_ino = 256
            elif "xfs" in out:
                fs_root_ino = 128
        return my_root.st_ino != fs_root_ino


def svc_loose_version(text):
    """LooseVersion's components: numbers as ints, other runs as text."""
    parts = []
    for piece in re.split(r"(\d+|[a-z]+|\.)", text):
        if piece and piece != ".":
            parts.append(int(piece) if piece.isdigit() else piece)
    return parts


# --- service ---------------------------------------------------------------

SERVICE_SPEC = ArgSpec({
    "name": {"type": "str", "required": True},
    "state": {"type": "str", "choices": ["started", "stopped", "reloaded", "restarted"]},
    "sleep": {"type": "int"},
    "pattern": {"type": "str"},
    "enabled": {"type": "bool"},
    "runlevel": {"type": "str", "default": "default"},
    "arguments": {"type": "str", "default": "", "aliases": ["args"]},
}, required_one_of=[["state", "enabled"]])


class SvcLinuxService(object):
    """ansible's LinuxService: SysV scripts, upstart, OpenRC or systemd,
    whichever manages the service here."""

    def __init__(self, sm, p):
        self.sm = sm
        self.name = p["name"]
        self.state = p["state"]
        self.sleep = p["sleep"]
        self.pattern = p["pattern"]
        self.enable = p["enabled"]
        self.runlevel = p["runlevel"]
        self.arguments = p["arguments"]
        self.changed = False
        self.running = None
        self.crashed = None
        self.action = None
        self.svc_cmd = None
        self.svc_initscript = None
        self.svc_initctl = None
        self.enable_cmd = None
        self.svc_change = False
        self.systemd_unit = None
        self.upstart_version = [0, 0, 0]

    # -- commands ----------------------------------------------------------

    def execute(self, cmd, daemonize=False):
        """execute_command: the parsable locale; daemonized commands get
        only the locale variables as their environment."""
        locale = self.sm.parsable_locale()
        lang_env = {"LANG": locale, "LC_ALL": locale, "LC_MESSAGES": locale}
        if not daemonize:
            return self.sm.run(cmd, environ_update=lang_env)
        return self.sm.run_detached(cmd, lang_env)

    def check_ps(self):
        ps = self.sm.get_bin_path("ps", required=True)
        rc, out, _err = self.execute("%s %s" % (ps, "auxww"))
        if rc == 0:
            self.running = False
            for line in out.split("\n"):
                if self.pattern in line and "pattern=" not in line:
                    self.running = True
                    break

    def check_service_changed(self):
        if self.state and self.running is None:
            self.sm.fail("failed determining service state, possible typo of service name?")
        if not self.running and self.state in ("reloaded", "started"):
            self.svc_change = True
        elif self.running and self.state in ("reloaded", "stopped"):
            self.svc_change = True
        elif self.state == "restarted":
            self.svc_change = True
        if self.sm.check_mode and self.svc_change:
            raise SvcExit(changed=True, msg="service state changed")

    def modify_service_state(self):
        if not self.svc_change:
            return 0, "", ""
        if self.state == "started":
            self.action = "start"
        elif not self.running and self.state == "reloaded":
            self.action = "start"
        elif self.state == "stopped":
            self.action = "stop"
        elif self.state == "reloaded":
            self.action = "reload"
        elif self.state == "restarted":
            self.action = "restart"
        if self.sm.check_mode:
            raise SvcExit(changed=True, msg="changing service state")
        return self.service_control()

    # -- tools -------------------------------------------------------------

    def get_service_tools(self):
        binaries = ["service", "chkconfig", "update-rc.d", "rc-service", "rc-update", "initctl",
                    "systemctl", "start", "stop", "restart", "insserv"]
        location = {}
        for binary in binaries:
            location[binary] = self.sm.get_bin_path(binary, opt_dirs=SVC_TOOL_DIRS)
        initscript = "/etc/init.d/%s" % self.name
        if os.path.isfile(initscript):
            self.svc_initscript = initscript

        systemd = bool(location.get("systemctl")) and svc_is_systemd_managed(self.sm)
        if systemd:
            self.systemd_unit = self.name
            self.svc_cmd = location["systemctl"]
            self.enable_cmd = location["systemctl"]
        elif location.get("initctl") and os.path.exists("/etc/init/%s.conf" % self.name):
            self.enable_cmd = location["initctl"]
            try:
                rc, out, _err = self.sm.run("%s version" % location["initctl"])
                if rc == 0:
                    found = re.search(r"\(upstart (.*)\)", out)
                    if found:
                        self.upstart_version = svc_loose_version(found.groups()[0])
            except Exception:
                pass
            self.svc_cmd = location["initctl"]
        elif location.get("rc-service"):
            self.svc_cmd = location["rc-service"]
            self.enable_cmd = location["rc-update"]
            return
        elif self.svc_initscript:
            if location.get("update-rc.d"):
                self.enable_cmd = location["update-rc.d"]
            elif location.get("insserv"):
                self.enable_cmd = location["insserv"]
            elif location.get("chkconfig"):
                self.enable_cmd = location["chkconfig"]

        if self.enable_cmd is None:
            svc_fail_if_missing(self.sm, False, self.name, msg="host")
        if self.svc_cmd is None and location.get("service"):
            self.svc_cmd = location["service"]
        if self.svc_cmd is None and not self.svc_initscript:
            self.sm.fail("cannot find 'service' binary or init script for service,  possible typo in "
                         "service name?, aborting")
        if location.get("initctl"):
            self.svc_initctl = location["initctl"]

    # -- status ------------------------------------------------------------

    def systemd_enabled(self):
        rc, out, _err = self.execute("%s is-enabled %s" % (self.enable_cmd, self.systemd_unit))
        if rc == 0:
            return True
        if out.startswith("disabled"):
            return False
        if os.access("/etc/init.d/" + self.systemd_unit, os.X_OK):
            return bool(_svc_glob.glob("/etc/rc?.d/S??" + self.systemd_unit))
        return False

    def systemd_status_dict(self):
        rc, out, err = self.execute("%s show '%s'" % (self.enable_cmd, self.systemd_unit))
        if rc != 0:
            self.sm.fail("failure %d running systemctl show for %r: %s" % (rc, self.systemd_unit, err))
        elif "LoadState=not-found" in out:
            self.sm.fail('systemd could not find the requested service "%r": %s' % (self.systemd_unit, err))
        return service_parse_show(out)

    def systemd_service_status(self):
        d = self.systemd_status_dict()
        active = d.get("ActiveState")
        if active == "active":
            # run-once services count as running once they succeeded
            self.running = True
            self.crashed = False
        elif active == "failed":
            self.running = False
            self.crashed = True
        elif active is None:
            self.sm.fail("No ActiveState value in systemctl show output for %r" % (self.systemd_unit,))
        else:
            self.running = False
            self.crashed = False
        return self.running

    def get_service_status(self):
        if self.svc_cmd and self.svc_cmd.endswith("systemctl"):
            return self.systemd_service_status()
        self.action = "status"
        rc, status_stdout, _status_stderr = self.service_control()
        if self.svc_initctl and self.running is None:
            _rc, out, _err = self.execute("%s status %s %s" % (self.svc_initctl, self.name, self.arguments))
            if "stop/waiting" in out:
                self.running = False
            elif "start/running" in out:
                self.running = True
        if self.svc_cmd and self.svc_cmd.endswith("rc-service") and self.running is None:
            _rc, out, err = self.execute("%s %s status" % (self.svc_cmd, self.name))
            self.running = "started" in out
            self.crashed = "crashed" in err
        # LSB status codes for "not running"
        if self.running is None and rc in (1, 2, 3, 4, 69):
            self.running = False
        # Keywords only when the script said one line: verbose scripts
        # print words that would mislead.
        if self.running is None and status_stdout.count("\n") <= 1:
            cleanout = status_stdout.lower().replace(self.name.lower(), "")
            if "stop" in cleanout:
                self.running = False
            elif "run" in cleanout:
                self.running = "not " not in cleanout
            elif "start" in cleanout and "not " not in cleanout:
                self.running = True
            elif "could not access pid file" in cleanout:
                self.running = False
            elif "is dead and pid file exists" in cleanout:
                self.running = False
            elif "dead but subsys locked" in cleanout:
                self.running = False
            elif "dead but pid file exists" in cleanout:
                self.running = False
        if self.running is None and rc == 0:
            self.running = True
        if self.running is None and self.name == "iptables" and "ACCEPT" in status_stdout:
            self.running = True
        return self.running

    # -- enable ------------------------------------------------------------

    def service_enable(self):
        if self.enable_cmd is None:
            self.sm.fail("cannot detect command to enable service %s, typo or init system potentially "
                         "unknown" % self.name)
        self.changed = True
        action = None
        tool = self.enable_cmd

        if tool.endswith("initctl"):
            return self.upstart_enable()

        if tool.endswith("chkconfig"):
            action = "on" if self.enable else "off"
            _rc, out, err = self.execute("%s --list %s" % (tool, self.name))
            if "chkconfig --add %s" % self.name in err:
                self.execute("%s --add %s" % (tool, self.name))
                _rc, out, err = self.execute("%s --list %s" % (tool, self.name))
            if self.name not in out:
                self.sm.fail("service %s does not support chkconfig" % self.name)
            if "3:%s" % action in out and "5:%s" % action in out:
                self.changed = False
                return

        if tool.endswith("systemctl"):
            action = "enable" if self.enable else "disable"
            if self.enable == self.systemd_enabled():
                self.changed = False
                return

        if tool.endswith("rc-update"):
            action = "add" if self.enable else "delete"
            _rc, out, _err = self.execute("%s show" % tool)
            for line in out.splitlines():
                service_name, runlevels = line.split("|")
                if service_name.strip() != self.name:
                    continue
                runlevels = re.split(r"\s+", runlevels)
                if self.enable and self.runlevel in runlevels:
                    self.changed = False
                elif not self.enable and self.runlevel not in runlevels:
                    self.changed = False
                break
            else:
                if not self.enable:
                    self.changed = False
            if not self.changed:
                return

        if tool.endswith("update-rc.d"):
            return self.update_rc_d_enable(tool)

        if tool.endswith("insserv"):
            return self.insserv_enable(tool)

        self.changed = True
        if tool.endswith("rc-update"):
            words = (tool, action, self.name + " " + self.runlevel)
        elif tool.endswith("systemctl"):
            words = (tool, action, self.systemd_unit)
        else:
            words = (tool, self.name, action)
        if self.sm.check_mode:
            raise SvcExit(changed=self.changed)
        rc, out, err = self.execute("%s %s %s" % words)
        if rc != 0:
            if err:
                self.sm.fail("Error when trying to %s %s: rc=%s %s" % (action, self.name, rc, err))
            self.sm.fail("Failure for %s %s: rc=%s %s" % (action, self.name, rc, out))
        return rc, out, err

    def update_rc_d_enable(self, tool):
        enabled = bool(_svc_glob.glob("/etc/rc?.d/S??" + self.name))
        if self.enable == enabled:
            self.changed = False
            return
        self.changed = True
        if self.enable:
            action = "enable"
            if not _svc_glob.glob("/etc/rc?.d/K??" + self.name) and not self.sm.check_mode:
                rc, out, err = self.execute("%s %s defaults" % (tool, self.name))
                if rc != 0:
                    self.sm.fail(err if err else out)
        else:
            action = "disable"
        if not self.sm.check_mode:
            rc, out, err = self.execute("%s %s %s" % (tool, self.name, action))
            if rc != 0:
                self.sm.fail(err if err else out)

    def insserv_enable(self, tool):
        if self.enable:
            _rc, _out, err = self.execute("%s -n -v %s" % (tool, self.name))
        else:
            _rc, _out, err = self.execute("%s -n -r -v %s" % (tool, self.name))
        self.changed = False
        for line in err.splitlines():
            if self.enable and line.find("enable service") != -1:
                self.changed = True
                break
            if not self.enable and line.find("remove service") != -1:
                self.changed = True
                break
        if self.sm.check_mode:
            raise SvcExit(changed=self.changed)
        if not self.changed:
            return
        if self.enable:
            rc, out, err = self.execute("%s %s" % (tool, self.name))
            if rc != 0 or err != "":
                self.sm.fail("Failed to install service. rc: %s, out: %s, err: %s" % (rc, out, err))
        else:
            rc, out, err = self.execute("%s -r %s" % (tool, self.name))
            if rc != 0 or err != "":
                self.sm.fail("Failed to remove service. rc: %s, out: %s, err: %s" % (rc, out, err))
        return rc, out, err

    def upstart_enable(self):
        """Upstart: a `manual` stanza in /etc/init/NAME.override disables."""
        if self.upstart_version >= [0, 6, 7]:
            manreg = re.compile(r"^manual\s*$", re.M | re.I)
            config_line = "manual\n"
        else:
            manreg = re.compile(r"^start on manual\s*$", re.M | re.I)
            config_line = "start on manual\n"
        conf_file = "/etc/init/%s.conf" % self.name
        override_file = "/etc/init/%s.override" % self.name
        with open(conf_file) as f:
            if manreg.search(f.read()):
                self.sm.fail("manual stanza not supported in a .conf file")
        self.changed = False
        override_state = None
        if os.path.exists(override_file):
            with open(override_file) as f:
                contents = f.read()
            if self.enable and manreg.search(contents):
                self.changed = True
                override_state = manreg.sub("", contents)
            elif not self.enable and not manreg.search(contents):
                self.changed = True
                override_state = "\n".join((contents, config_line))
        elif not self.enable:
            self.changed = True
            override_state = config_line
        if self.sm.check_mode:
            raise SvcExit(changed=self.changed)
        if self.changed:
            try:
                with open(override_file, "w") as f:
                    f.write(override_state)
            except Exception:
                self.sm.fail("Could not modify override file")

    # -- control -----------------------------------------------------------

    def service_control(self):
        svc_cmd = ""
        arguments = self.arguments
        if self.svc_cmd:
            if not self.svc_cmd.endswith("systemctl"):
                if self.svc_cmd.endswith("initctl"):
                    svc_cmd = self.svc_cmd
                    arguments = "%s %s" % (self.name, arguments)
                else:
                    svc_cmd = "%s %s" % (self.svc_cmd, self.name)
            else:
                svc_cmd = self.svc_cmd
                arguments = "%s %s" % (self.systemd_unit, arguments)
        elif self.svc_cmd is None and self.svc_initscript:
            svc_cmd = "%s" % self.svc_initscript

        # OpenRC refuses to start a crashed service until it is zapped.
        if self.svc_cmd and self.svc_cmd.endswith("rc-service") and self.action == "start" and self.crashed:
            self.execute("%s zap" % svc_cmd, daemonize=True)

        if self.action != "restart":
            if svc_cmd != "":
                return self.execute("%s %s %s" % (svc_cmd, self.action, arguments), daemonize=True)
            return self.execute("%s %s %s" % (self.action, self.name, arguments), daemonize=True)
        if self.svc_cmd and self.svc_cmd.endswith("rc-service"):
            return self.execute("%s %s %s" % (svc_cmd, self.action, arguments), daemonize=True)
        # Not every script can restart: stop, then start.
        if svc_cmd != "":
            rc1, out1, err1 = self.execute("%s %s %s" % (svc_cmd, "stop", arguments), daemonize=True)
        else:
            rc1, out1, err1 = self.execute("%s %s %s" % ("stop", self.name, arguments), daemonize=True)
        if self.sleep:
            _svc_time.sleep(self.sleep)
        if svc_cmd != "":
            rc2, out2, err2 = self.execute("%s %s %s" % (svc_cmd, "start", arguments), daemonize=True)
        else:
            rc2, out2, err2 = self.execute("%s %s %s" % ("start", self.name, arguments), daemonize=True)
        if rc1 != 0 and rc2 == 0:
            return rc2, out2, err2
        return rc1 + rc2, out1 + out2, err1 + err2


def service_parse_show(out):
    """The service module's reading of `systemctl show`: values that start
    with `{` run to the line ending in `}`."""
    key = None
    value = ""
    buffer = []
    status = {}
    for line in out.splitlines():
        if "=" in line:
            if not key:
                key, value = line.split("=", 1)
                if value.lstrip().startswith("{"):
                    if value.rstrip().endswith("}"):
                        status[key] = value
                        key = None
                    else:
                        buffer.append(value)
                else:
                    status[key] = value
                    key = None
            else:
                if line.rstrip().endswith("}"):
                    status[key] = "\n".join(buffer)
                    key = None
                else:
                    buffer.append(value)
        else:
            buffer.append(value)
    return status


def service_body(sm, p):
    service = SvcLinuxService(sm, p)
    result = {"name": service.name}
    service.get_service_tools()
    if p["enabled"] is not None:
        service.service_enable()
        result["enabled"] = service.enable
    if p["state"] is None:
        result["changed"] = service.changed
        return result
    result["state"] = service.state
    if service.pattern:
        service.check_ps()
    else:
        service.get_service_status()
    service.check_service_changed()
    rc, out, err = service.modify_service_state()
    if rc != 0 and not (err and "Job is already running" in err):
        # (upstart says that when it lost track of a job: not a failure)
        sm.fail(err if err else out)
    result["changed"] = service.changed | service.svc_change
    if p["enabled"] is not None:
        result["enabled"] = p["enabled"]
    # The service may not report its new state yet: say what was run.
    result["state"] = "started" if p["state"] in ("reloaded", "restarted", "started") else "stopped"
    return result


def service_run(module, spec, args, header, body):
    """run_module_body for these modules: an SvcModule over the Mod, and
    early exits (SvcExit) as their own results."""
    def run(p, m):
        sm = SvcModule(m, args)
        try:
            return body(sm, p)
        except SvcExit as e:
            return e.result
    return run_module_body(module, spec, args, header, run)


@native("service")
def native_service(agent, args, header):
    return service_run("service", SERVICE_SPEC, args, header, service_body)


# --- systemd / systemd_service ---------------------------------------------

SYSTEMD_SPEC = ArgSpec({
    "name": {"type": "str", "aliases": ["service", "unit"]},
    "state": {"type": "str", "choices": ["reloaded", "restarted", "started", "stopped"]},
    "enabled": {"type": "bool"},
    "force": {"type": "bool"},
    "masked": {"type": "bool"},
    "daemon_reload": {"type": "bool", "default": False, "aliases": ["daemon-reload"]},
    "daemon_reexec": {"type": "bool", "default": False, "aliases": ["daemon-reexec"]},
    "scope": {"type": "str", "default": "system", "choices": ["system", "user", "global"]},
    "no_block": {"type": "bool", "default": False},
}, required_one_of=[["state", "enabled", "masked", "daemon_reload", "daemon_reexec"]],
    required_by={"state": ("name",), "enabled": ("name",), "masked": ("name",)})

# `systemctl is-enabled` answers that name a unit systemd knows (man
# systemctl, systemd 244).
SYSTEMD_KNOWN_STATES = ("enabled", "enabled-runtime", "linked", "linked-runtime", "masked",
                        "masked-runtime", "static", "indirect", "disabled", "generated", "transient")


def systemd_request_ignored(out):
    return "=" not in out and ("ignoring request" in out or "ignoring command" in out)


def systemd_parse_show(lines):
    """systemd_service's reading of `systemctl show`: only Exec* values
    that open with `{` may span lines."""
    parsed = {}
    multival = []
    key = None
    for line in lines:
        if key is None:
            if "=" in line:
                key, value = line.split("=", 1)
                if key.startswith("Exec") and value.lstrip().startswith("{"):
                    if not value.rstrip().endswith("}"):
                        multival.append(value)
                        continue
                parsed[key] = value.strip()
                key = None
        else:
            multival.append(line)
            if line.rstrip().endswith("}"):
                parsed[key] = "\n".join(multival).strip()
                multival = []
                key = None
    return parsed


class SystemdUnit(object):
    """One systemd_service task on one unit (`name`)."""

    def __init__(self, sm, p, systemctl, result):
        self.sm = sm
        self.p = p
        self.systemctl = systemctl
        self.result = result
        self.unit = p["name"]
        self.is_initd = svc_sysv_exists(self.unit)
        self.is_systemd = False
        self.found = False

    def offline(self):
        return svc_is_chroot(self.sm) or self.sm.env.get("SYSTEMD_OFFLINE") == "1"

    def probe(self):
        """What systemd knows of the unit: `show`, else (a bus systemd
        cannot parse) list-unit-files + is-active, else is-enabled and
        list-unit-files (chroots)."""
        sm, systemctl, unit = self.sm, self.systemctl, self.unit
        rc, out, err = sm.run("%s show '%s'" % (systemctl, unit))
        if rc == 0 and not (systemd_request_ignored(out) or systemd_request_ignored(err)):
            if out:
                status = systemd_parse_show(out.split("\n"))
                self.result["status"] = status
                self.is_systemd = "LoadState" in status and status["LoadState"] != "not-found"
                masked = "LoadState" in status and status["LoadState"] == "masked"
                if self.is_systemd and not masked and "LoadError" in status:
                    sm.fail("Error loading unit file '%s': %s" % (unit, status["LoadError"]))
        elif err and rc == 1 and "Failed to parse bus message" in err:
            self.result["status"] = systemd_parse_show(out.split("\n"))
            unit_base, sep, _suffix = unit.partition("@")
            unit_search = "%s%s" % (unit_base, sep)
            _rc, out, _err = sm.run("%s list-unit-files '%s*'" % (systemctl, unit_search))
            self.is_systemd = unit_search in out
            _rc, out, _err = sm.run("%s is-active '%s'" % (systemctl, unit))
            self.result["status"]["ActiveState"] = out.rstrip("\n")
        else:
            _rc, out, _err = sm.run("%s is-enabled '%s'" % (systemctl, unit))
            if out.strip() in SYSTEMD_KNOWN_STATES:
                self.is_systemd = True
            else:
                rc, out, _err = sm.run("%s list-unit-files '%s'" % (systemctl, unit))
                if rc == 0:
                    self.is_systemd = True
                else:
                    # fails with systemctl's own words when systemctl does
                    sm.run(systemctl, check_rc=True)
        self.found = self.is_systemd or self.is_initd
        if self.is_initd and not self.is_systemd:
            sm.warn("The service (%s) is actually an init script but the system is managed by systemd"
                    % unit)

    def mask(self):
        sm, unit = self.sm, self.unit
        _rc, out, _err = sm.run("%s is-enabled '%s'" % (self.systemctl, unit))
        masked = out.strip() == "masked"
        if masked == self.p["masked"]:
            return
        self.result["changed"] = True
        action = "mask" if self.p["masked"] else "unmask"
        if sm.check_mode:
            return
        rc, _out, err = sm.run("%s %s '%s'" % (self.systemctl, action, unit))
        if rc != 0:
            # some systemd versions mask units that do not exist
            svc_fail_if_missing(sm, self.found, unit, msg="host")
            sm.fail("Failed to %s the service (%s): %s" % (action, unit, err.strip()))

    def enable(self):
        sm, unit, p = self.sm, self.unit, self.p
        action = "enable" if p["enabled"] else "disable"
        svc_fail_if_missing(sm, self.found, unit, msg="host")
        enabled = False
        rc, out, _err = sm.run("%s is-enabled '%s' -l" % (self.systemctl, unit))
        if rc == 0:
            # transient, indirect and alias units are enabled again: systemd
            # decides what that means for them
            enabled = out.rstrip() not in ("enabled-runtime", "indirect", "alias")
        elif rc == 1:
            if (p["scope"] == "system" and self.is_initd and not out.strip().endswith("disabled")
                    and svc_sysv_is_enabled(unit)):
                enabled = True
        self.result["enabled"] = enabled
        if enabled != p["enabled"]:
            self.result["changed"] = True
            if not sm.check_mode:
                rc, out, err = sm.run("%s %s '%s'" % (self.systemctl, action, unit))
                if rc != 0:
                    sm.fail("Unable to %s service %s: %s" % (action, unit, out + err))
            self.result["enabled"] = not enabled

    def set_state(self):
        sm, unit, p = self.sm, self.unit, self.p
        svc_fail_if_missing(sm, self.found, unit, msg="host")
        self.result["state"] = p["state"]
        status = self.result["status"]
        if "ActiveState" in status:
            running = status["ActiveState"] in ("active", "activating")
            action = None
            if p["state"] == "started":
                if not running:
                    action = "start"
            elif p["state"] == "stopped":
                if running or status["ActiveState"] == "deactivating":
                    action = "stop"
            else:
                action = "start" if not running else p["state"][:-2]
                self.result["state"] = "started"
            if action:
                self.result["changed"] = True
                if not sm.check_mode:
                    rc, _out, err = sm.run("%s %s '%s'" % (self.systemctl, action, unit))
                    if rc != 0:
                        sm.fail("Unable to %s service %s: %s" % (action, unit, err))
        elif self.offline():
            sm.warn("Target is a chroot or systemd is offline. This can lead to false positives or "
                    "prevent the init system tools from working.")
        else:
            sm.fail("Service is in unknown state", status=status)


def systemd_daemon_step(sm, systemctl, step):
    """daemon-reload / daemon-reexec; in a chroot or with systemd offline a
    failure is a warning."""
    rc, _out, err = sm.run("%s %s" % (systemctl, step))
    if rc != 0:
        offline = svc_is_chroot(sm) or sm.env.get("SYSTEMD_OFFLINE") == "1"
        if offline:
            sm.warn("%s failed, but target is a chroot or systemd is offline. Continuing. Error was: "
                    "%d / %s" % (step, rc, err))
        else:
            sm.fail("failure %d during %s: %s" % (rc, step, err))


def systemd_body(sm, p):
    unit = p["name"]
    if unit is not None:
        for globpattern in ("*", "?", "["):
            if globpattern in unit:
                sm.fail("This module does not currently support using glob patterns, found '%s' in "
                        "service name: %s" % (globpattern, unit))
    systemctl = sm.get_bin_path("systemctl", required=True)
    if sm.env.get("XDG_RUNTIME_DIR") is None:
        # ansible's module sets it in its own environment: every command
        # after this sees it
        sm.env["XDG_RUNTIME_DIR"] = "/run/user/%s" % os.geteuid()
    if p["scope"] != "system":
        systemctl += " --%s" % p["scope"]
    if p["no_block"]:
        systemctl += " --no-block"
    if p["force"]:
        systemctl += " --force"
    result = {"name": unit, "changed": False, "status": {}}
    if p["daemon_reload"] and not sm.check_mode:
        systemd_daemon_step(sm, systemctl, "daemon-reload")
    if p["daemon_reexec"] and not sm.check_mode:
        systemd_daemon_step(sm, systemctl, "daemon-reexec")
    if unit:
        target = SystemdUnit(sm, p, systemctl, result)
        target.probe()
        if p["masked"] is not None:
            target.mask()
        if p["enabled"] is not None:
            target.enable()
        if p["state"] is not None:
            target.set_state()
    return result


def systemd_native(module):
    def run(agent, args, header):
        return service_run(module, SYSTEMD_SPEC, args, header, systemd_body)
    return run


native("systemd")(systemd_native("systemd"))
native("systemd_service")(systemd_native("systemd_service"))


# --- sysvinit ----------------------------------------------------------------

SYSVINIT_SPEC = ArgSpec({
    "name": {"required": True, "type": "str", "aliases": ["service"]},
    "state": {"choices": ["started", "stopped", "restarted", "reloaded"], "type": "str"},
    "enabled": {"type": "bool"},
    "sleep": {"type": "int", "default": 1},
    "pattern": {"type": "str"},
    "arguments": {"type": "str", "aliases": ["args"]},
    "runlevels": {"type": "list", "elements": "str"},
    "daemonize": {"type": "bool", "default": False},
}, required_one_of=[["state", "enabled"]])

SYSVINIT_TOOLS = ("chkconfig", "update-rc.d", "insserv", "service")


def sysvinit_is_started(sm, p, name, script, location):
    """Whether the service runs, whether that could be told (pattern,
    status output, status code, ps), and the status command's rc, stdout
    and stderr (ansible's module reports them as the enable step's when
    no enable tool runs)."""
    if p["pattern"]:
        started = svc_get_ps(sm, p["pattern"])
        return started, started, (0, "", "")
    if location.get("service"):
        cmd = "%s %s status" % (location["service"], name)
    elif script:
        cmd = "%s status" % script
    else:
        sm.fail("Unable to determine service status")
    rc, out, err = sm.run(cmd)
    started = worked = False
    if rc != -1:
        if name == "iptables" and "ACCEPT" in out:
            started = worked = True
        # the words of a one-line answer tell more than most codes
        if not worked and out.count("\n") <= 1:
            cleanout = out.lower().replace(name.lower(), "")
            for stopped in ("stop", "is dead ", "dead but ", "could not access pid file", "inactive"):
                if stopped in cleanout:
                    worked = True
                    break
            if not worked:
                for running in ("run", "start", "active"):
                    if running in cleanout and "not " not in cleanout:
                        started = worked = True
                        break
        if not worked and rc in (1, 2, 3, 4, 69):
            worked = True
    if not worked:
        if rc == 0:
            started = worked = True
        elif svc_get_ps(sm, name):
            started = worked = True
            sm.warn("Used ps output to match service name and determine it is up, this is very unreliable")
    return started, worked, (rc, out, err)


def sysvinit_enable(sm, p, name, location, runlevel_status, result, last_run):
    enabled, runlevels = p["enabled"], p["runlevels"]
    rc, out, err = last_run
    update_rc_d, chkconfig = location.get("update-rc.d"), location.get("chkconfig")
    if runlevels:
        result["status"]["enabled"]["runlevels"] = runlevels
        for rl in runlevels:
            if enabled != runlevel_status[rl]["enabled"]:
                result["changed"] = True
                result["status"]["enabled"]["changed"] = True
        if not sm.check_mode and result["changed"]:
            verb = "enable" if enabled else "disable"
            if update_rc_d:
                rc, out, err = sm.run("%s %s %s %s" % (update_rc_d, name, verb, " ".join(runlevels)))
            elif chkconfig:
                rc, out, err = sm.run("%s --level %s %s %s" % (chkconfig, "".join(runlevels), name,
                                                              "on" if enabled else "off"))
    else:
        if enabled is not None and enabled != runlevel_status["enabled"]:
            result["changed"] = True
            result["status"]["enabled"]["changed"] = True
        if not sm.check_mode and result["changed"]:
            if update_rc_d:
                rc, out, err = sm.run("%s %s %s" % (update_rc_d, name, "defaults" if enabled else "disable"))
            elif chkconfig:
                rc, out, err = sm.run("%s %s %s" % (chkconfig, name, "on" if enabled else "off"))
    if not sm.check_mode and result["status"]["enabled"]["changed"]:
        result["status"]["enabled"].update(rc=rc, stdout=out, stderr=err)
        if "illegal runlevel specified" in err:
            sm.fail("Illegal runlevel specified for enable operation on service %s" % name, **result)


def sysvinit_run_script(sm, p, script, name, action, doit):
    args = p["arguments"]
    cmd = "%s %s %s" % (script, doit, "" if args is None else args)
    if p["daemonize"]:
        # module_utils' daemonize keeps the module's environment
        rc, out, err = sm.run_detached(cmd, dict(sm.env))
    else:
        rc, out, err = sm.run(cmd)
    if rc != 0:
        sm.fail("Failed to %s service: %s" % (action, name), rc=rc, stdout=out, stderr=err)
    return rc, out, err


def sysvinit_body(sm, p):
    name = p["name"]
    runlevels = p["runlevels"]
    result = {"name": name, "changed": False, "status": {}}
    svc_fail_if_missing(sm, svc_sysv_exists(name), name)
    script = svc_sysv_script(name)
    location = dict((tool, sm.get_bin_path(tool, opt_dirs=SVC_TOOL_DIRS)) for tool in SYSVINIT_TOOLS)
    runlevel_status = {}
    if runlevels:
        for rl in runlevels:
            runlevel_status.setdefault(rl, {})["enabled"] = svc_sysv_is_enabled(name, runlevel=rl)
    else:
        runlevel_status["enabled"] = svc_sysv_is_enabled(name)
    is_started, worked, last_run = sysvinit_is_started(sm, p, name, script, location)
    if not worked:
        sm.warn("Unable to determine if service is up, assuming it is down")

    result["status"]["enabled"] = {"changed": False, "rc": None, "stdout": None, "stderr": None}
    sysvinit_enable(sm, p, name, location, runlevel_status, result, last_run)

    state = p["state"]
    entry = result["status"].setdefault(state, {})
    entry.update(changed=False, rc=None, stdout=None, stderr=None)
    if state:
        action = re.sub(r"p?ed$", "", state.lower())
        rc = out = err = None
        if action == "restart":
            result["changed"] = True
            entry["changed"] = True
            if not sm.check_mode:
                # an init script's own restart cannot be relied on
                for step in ("stop", "start"):
                    rc, out, err = sysvinit_run_script(sm, p, script, name, action, step)
                    if p["sleep"]:
                        _svc_time.sleep(p["sleep"])
        elif is_started != (action == "start") or is_started == (action == "stop"):
            result["changed"] = True
            entry["changed"] = True
            if not sm.check_mode:
                rc, out, err = sysvinit_run_script(sm, p, script, name, action, action)
        if not sm.check_mode and entry["changed"]:
            entry.update(rc=rc, stdout=out, stderr=err)
    return result


@native("sysvinit")
def native_sysvinit(agent, args, header):
    return service_run("sysvinit", SYSVINIT_SPEC, args, header, sysvinit_body)


# --- service_facts -------------------------------------------------------------

SERVICE_FACTS_SPEC = ArgSpec({})

SERVICE_FACTS_BAD_STATES = ("not-found", "masked", "failed")


def service_facts_sysv(sm, service_path, services):
    rc, out, err = sm.run("%s --status-all" % service_path)
    if rc == 4 and not os.path.exists("/etc/init.d"):
        # `service` without /etc/init.d (RHEL 9 without chkconfig)
        return
    if rc != 0:
        sm.warn("Unable to query 'service' tool (%s): %s" % (rc, err))
    for match in re.finditer(r"^\s*\[ (?P<state>\+|\-) \]\s+(?P<name>.+)$", out, flags=re.M):
        name = match.group("name")
        state = "running" if match.group("state") == "+" else "stopped"
        services[name] = {"name": name, "state": state, "source": "sysv"}


def service_facts_upstart(sm, initctl_path, services):
    line_re = re.compile(r"^\s?(?P<name>.*)\s(?P<goal>\w+)\/(?P<state>\w+)(\,\sprocess\s(?P<pid>[0-9]+))?\s*$")
    rc, out, err = sm.run("%s list" % initctl_path)
    if rc != 0:
        sm.warn("Unable to query upstart for service data: %s" % err)
        return
    for line in out.replace("\r", "").split("\n"):
        found = line_re.match(line)
        if not found:
            continue
        name = found.group("name")
        services[name] = {"name": name, "state": found.group("state"), "goal": found.group("goal"),
                          "source": "upstart"}


SERVICE_FACTS_RH_RE = re.compile(
    r"(?P<service>.*?)\s+[0-9]:(?P<rl0>on|off)\s+[0-9]:(?P<rl1>on|off)\s+[0-9]:(?P<rl2>on|off)\s+"
    r"[0-9]:(?P<rl3>on|off)\s+[0-9]:(?P<rl4>on|off)\s+[0-9]:(?P<rl5>on|off)\s+[0-9]:(?P<rl6>on|off)")


def service_facts_rh(sm, chkconfig_path, service_path, services):
    _rc, out, err = sm.run("%s" % chkconfig_path, use_unsafe_shell=True)
    if not any(SERVICE_FACTS_RH_RE.match(line) for line in out.split("\n")):
        simple = re.compile(r"(?P<service>.*?)\s+(?P<rl0>on|off)")
        if any(simple.match(line) for line in out.split("\n")):
            # SLES 11 lists everything only when asked
            _rc, out, err = sm.run("%s -l --allservices" % chkconfig_path, use_unsafe_shell=True)
        elif "--list" in err:
            # RHEL 5
            _rc, out, err = sm.run("%s --list" % chkconfig_path, use_unsafe_shell=True)
    for line in out.split("\n"):
        found = SERVICE_FACTS_RH_RE.match(line)
        if not found:
            continue
        name = found.group("service")
        status = "enabled" if found.group("rl3") == "on" else "disabled"
        rc, _out, err = sm.run("%s %s status" % (service_path, name), use_unsafe_shell=True)
        state = rc
        if rc in (0,):
            state = "running"
        else:
            output = err.lower()
            for word in ("root", "permission", "not in sudoers"):
                if word in output:
                    sm.warn('Insufficient permissions to query sysV service "%s" and their states' % name)
                    break
            else:
                state = "stopped"
        services[name] = {"name": name, "state": state, "status": status, "source": "sysv"}


def service_facts_openrc(sm, rc_status_path, rc_update_path, services):
    _rc, out, _err = sm.run("%s -a -s -m 2>&1 | grep '^ ' | tr -d '[]'" % rc_status_path,
                            use_unsafe_shell=True)
    _rc, out_u, _err = sm.run("%s show -v 2>&1 | grep '|'" % rc_update_path, use_unsafe_shell=True)
    runlevels_of = {}
    for line in out_u.split("\n"):
        fields = line.split("|")
        if len(fields) < 2:
            continue
        runlevels = fields[1].strip()
        runlevels_of[fields[0].strip()] = runlevels.split() if runlevels else None
    for line in out.split("\n"):
        fields = line.split()
        if len(fields) < 2 or fields[0] == "*":
            continue
        name = fields[0]
        if name not in runlevels_of:
            sm.warn("Service %s not found in the service list" % name)
            continue
        services[name] = {"name": name, "runlevels": runlevels_of[name], "state": fields[1],
                          "source": "openrc"}


def service_facts_scan_tools(sm):
    services = {}
    service_path = sm.get_bin_path("service")
    chkconfig_path = sm.get_bin_path("chkconfig")
    initctl_path = sm.get_bin_path("initctl")
    rc_status_path = sm.get_bin_path("rc-status")
    rc_update_path = sm.get_bin_path("rc-update")
    if service_path and chkconfig_path is None and rc_status_path is None:
        service_facts_sysv(sm, service_path, services)
    if initctl_path and chkconfig_path is None:
        service_facts_upstart(sm, initctl_path, services)
    elif chkconfig_path:
        service_facts_rh(sm, chkconfig_path, service_path, services)
    elif rc_status_path is not None and rc_update_path is not None:
        service_facts_openrc(sm, rc_status_path, rc_update_path, services)
    return services


def service_facts_systemd_units(sm, systemctl, services):
    rc, out, err = sm.run("%s list-units --no-pager --type service --all --plain" % systemctl,
                          use_unsafe_shell=True)
    if rc != 0:
        sm.warn("Could not list units from systemd: %s" % err)
        return
    for line in [ln for ln in out.split("\n") if ".service" in ln]:
        fields = line.split()
        # systemd's own words can mislead: a bad state anywhere but in the
        # description wins
        for bad in SERVICE_FACTS_BAD_STATES:
            if bad in fields[:-1]:
                status = bad
                break
        else:
            status = fields[2]
        name = fields[0]
        state = "running" if fields[3] == "running" else "stopped"
        services[name] = {"name": name, "state": state, "status": status, "source": "systemd"}


def service_facts_systemd_files(sm, systemctl, services):
    rc, out, err = sm.run("%s list-unit-files --no-pager --type service --all" % systemctl,
                          use_unsafe_shell=True)
    if rc != 0:
        sm.warn("Could not get unit files data from systemd: %s" % err)
        return
    for line in [ln for ln in out.split("\n") if ".service" in ln]:
        try:
            name, status = line.split()[:2]
        except ValueError:
            sm.fail("Malformed output discovered from systemd list-unit-files: {0}".format(line))
        if name not in services:
            rc, shown, _err = sm.run("%s show %s --property=ActiveState" % (systemctl, name),
                                     use_unsafe_shell=True)
            state = "unknown"
            if not rc and shown != "":
                state = shown.replace("ActiveState=", "").rstrip()
            services[name] = {"name": name, "state": state, "status": status, "source": "systemd"}
        elif services[name]["status"] not in SERVICE_FACTS_BAD_STATES:
            services[name]["status"] = status


def service_facts_scan_systemd(sm):
    services = {}
    if svc_is_systemd_managed(sm):
        systemctl = sm.get_bin_path("systemctl", opt_dirs=["/usr/bin", "/usr/local/bin"])
        if systemctl:
            service_facts_systemd_units(sm, systemctl, services)
            service_facts_systemd_files(sm, systemctl, services)
    return services


def service_facts_body(sm, p):
    locale = sm.parsable_locale()
    sm.environ_update = {"LANG": locale, "LC_ALL": locale}
    found = {}
    for scan in (service_facts_scan_tools, service_facts_scan_systemd):
        services = scan(sm)
        if services:
            found.update(services)
    if not found:
        return {"skipped": True, "msg": "Failed to find any services. This can be due to privileges or "
                                        "some other configuration issue."}
    return {"ansible_facts": {"services": found}}


@native("service_facts")
def native_service_facts(agent, args, header):
    return service_run("service_facts", SERVICE_FACTS_SPEC, args, header, service_facts_body)
