# mitorun agent: what a fresh login would have picked up since this
# interpreter started. sshd and sudo re-read /etc/environment and
# ~/.pam_environment (pam_env) on every login; a persistent interpreter
# does not, so edits made by earlier tasks are applied here before each
# module run, by the seed's rules (Mitogen's EnvironmentFileWatcher):
#   - a key the file adds is set unless the environment already has it;
#   - keys that came from the old file (same value) are removed when the
#     file changes, then the new file applies;
#   - keys the environment set otherwise (another value) are left alone.
# And glibc caches resolv.conf at start: res_init() before each run.

import ctypes


def shlex_split_b(line):
    """shlex.split over bytes of an unknown encoding (latin-1 round trip)."""
    try:
        return [w.encode("latin-1") for w in shlex.split(line.decode("latin-1"), comments=False)]
    except ValueError:
        return []


class EnvironmentFileWatcher(object):
    environ = getattr(os, "environb", os.environ)

    def __init__(self, path):
        self.path = os.path.expanduser(path)
        self._st = self._stat()
        # Keys whose inherited value matches the file: they came from it.
        self._keys = [k for k, v in self._load() if v == self.environ.get(k)]

    def _stat(self):
        try:
            st = os.stat(self.path)
            return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
        except OSError:
            return None

    def _load(self):
        try:
            with open(self.path, "rb") as f:
                return list(self._parse(f))
        except (IOError, OSError):
            return []

    def _parse(self, f):
        # pam_env's format: KEY=VALUE lines, optional `export`, # comments.
        for line in f:
            bits = shlex_split_b(line)
            if not bits or bits[0].startswith(b"#"):
                continue
            if bits[0] == b"export":
                bits.pop(0)
            key, sep, value = b" ".join(bits).partition(b"=")
            if key and sep:
                yield key, value

    def check(self):
        st = self._stat()
        if st == self._st:
            return
        self._st = st
        for key in self._keys:
            self.environ.pop(key, None)
        self._keys = []
        if st is None:
            return
        for key, value in self._load():
            if key not in self.environ:
                self._keys.append(key)
                self.environ[key] = value
        agent_log("%s changed: environment now has %s from it" % (
            self.path, ", ".join(k.decode("latin-1") for k in self._keys) or "nothing"))


ENV_WATCHERS = []


def install_env_watchers(config):
    files = config.get("env_files")
    if files is None:
        files = ["~/.pam_environment", "/etc/environment"]
    del ENV_WATCHERS[:]
    for path in files:
        ENV_WATCHERS.append(EnvironmentFileWatcher(str(path)))


def _find_res_init():
    try:
        libc = ctypes.CDLL(None)
    except OSError:
        return None
    for symbol in ("res_init", "__res_init"):
        fn = getattr(libc, symbol, None)
        if fn is not None:
            return fn
    return None


RES_INIT = _find_res_init()


def before_module_run():
    """Bring the interpreter up to date with what a new login would see."""
    for w in ENV_WATCHERS:
        try:
            w.check()
        except Exception as e:
            log_stderr("environment file %s: %s" % (w.path, e))
    if RES_INIT is not None:
        try:
            RES_INIT()
        except Exception:
            pass
