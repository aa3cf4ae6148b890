# mitorun agent: startup and shutdown. Concatenated last.

import pwd
import shutil
import tempfile
import traceback

ST_NOEXEC = getattr(os, "ST_NOEXEC", 8)


def read_config():
    raw = read_exact(0, 10)
    if raw is None:
        sys.exit(1)
    data = read_exact(0, int(raw))
    if data is None:
        sys.exit(1)
    return json.loads(data.decode("utf-8"))


def tmpdir_candidates(config):
    for d in config.get("remote_tmp") or []:
        yield os.path.expanduser(os.path.expandvars(d)), True
    for d in config.get("system_tmpdirs") or []:
        yield os.path.expanduser(os.path.expandvars(d)), False
    for var in ("TMPDIR", "TEMP", "TMP"):
        if os.environ.get(var):
            yield os.environ[var], False
    for d in ("/tmp", "/var/tmp", "/usr/tmp"):
        yield d, False
    try:
        yield os.getcwd(), False
    except OSError:
        pass


def make_tmpdir(config):
    """The interpreter's private temp dir: the first candidate that is
    writable and not on a noexec filesystem."""
    for base, create in tmpdir_candidates(config):
        try:
            if create and not os.path.isdir(base):
                os.makedirs(base, mode=0o700)
            if not os.access(base, os.W_OK | os.X_OK):
                continue
            if os.statvfs(base).f_flag & ST_NOEXEC:
                continue
            return tempfile.mkdtemp(prefix="mitorun_", dir=base)
        except OSError:
            continue
    return None


def remove_tmpdir(path):
    if path:
        shutil.rmtree(path, ignore_errors=True)


def selinux_enabled():
    """What AnsibleModule.selinux_enabled() would say: libselinux loads and
    reports SELinux on. The native file modules do not manage contexts,
    so the controller uses ansible-core's modules on such hosts."""
    try:
        import ctypes
        lib = ctypes.CDLL("libselinux.so.1")
        return lib.is_selinux_enabled() == 1
    except Exception:
        return False


def readable_dir(path):
    return bool(path) and os.path.isdir(path) and os.access(path, os.R_OK | os.X_OK)


def settle_cwd(agent, config):
    """Choose the directory modules and commands start in. A local
    connection's comes from the controller: ansible runs local work in the
    playbook's dir. An interpreter started by become can find itself in a
    dir its user cannot read (the login user's home); it moves, as
    AnsibleModule does, to its temp dir, $HOME or the system temp dir, so
    a command there does not fail to start."""
    wanted = config.get("cwd")
    if wanted and readable_dir(wanted):
        try:
            os.chdir(wanted)
        except OSError:
            pass
    try:
        here = os.getcwd()
    except OSError:
        here = None
    if not readable_dir(here):
        for there in (agent.tmpdir, os.environ.get("HOME"), tempfile.gettempdir(), "/"):
            if readable_dir(there):
                try:
                    os.chdir(there)
                    here = there
                    break
                except OSError:
                    continue
    agent.cwd = here or "/"


def hello(agent, config):
    try:
        user = pwd.getpwuid(os.geteuid())
        name, home = user.pw_name, user.pw_dir
    except KeyError:
        name, home = str(os.geteuid()), os.environ.get("HOME", "/")
    return {
        "pid": os.getpid(),
        "uid": os.getuid(),
        "euid": os.geteuid(),
        "user": name,
        "home": home,
        "python": sys.executable,
        "version": list(sys.version_info[:3]),
        "discovered": sys.argv[1] if len(sys.argv) > 1 and sys.argv[1] else None,
        "tmpdir": agent.tmpdir,
        "selinux": selinux_enabled(),
        "system": os.uname().sysname,
    }


def thread_stacks():
    """Every thread's stack but the caller's, as text."""
    names = dict((t.ident, t.name) for t in threading.enumerate())
    me = threading.current_thread().ident
    parts = []
    for ident, frame in sorted(sys._current_frames().items()):
        if ident == me:
            continue
        parts.append("thread %s (%s):\n%s" % (
            names.get(ident, "?"), ident, "".join(traceback.format_stack(frame)).rstrip()))
    return "\n".join(parts)


def dump_stacks_every(secs):
    """MITOGEN_DUMP_THREAD_STACKS: log every thread's stack each `secs`
    seconds (shown at -vvv), to find where a hang sits."""
    def loop():
        while True:
            time.sleep(secs)
            agent_log("thread stacks of pid %d:\n%s" % (os.getpid(), thread_stacks()))
    threading.Thread(target=loop, name="dump-stacks", daemon=True).start()


def main():
    config = read_config()
    rfd, wfd = take_stdio()
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    agent = Agent(config, rfd, wfd)
    agent.tmpdir = make_tmpdir(config)
    settle_cwd(agent, config)
    install_env_watchers(config)
    if config.get("log"):
        LOG_TO["agent"], LOG_TO["pid"] = agent, os.getpid()
        if config.get("dump_stacks"):
            dump_stacks_every(float(config["dump_stacks"]))
    install_importer(agent)
    with agent.up_lock:
        write_all(wfd, HELLO_MAGIC + encode_frame(agent.parent_id, agent.my_id, 0, HELLO,
                                                  hello(agent, config)))
    try:
        agent.serve()
    finally:
        agent.shutdown()
    os._exit(0)


main()
