# mitorun agent: running Ansible modules (all styles) from the code cache.

import atexit
import importlib
import importlib.abc
import importlib.util
import io
import shlex
import shutil as _shutil


class CacheImporter(importlib.abc.MetaPathFinder, importlib.abc.InspectLoader):
    """Serves module and module_utils sources the controller shipped.

    `names` maps a dotted module name to the digest of its current source;
    a call updates it before the module runs, and a name whose digest
    changed is dropped from sys.modules so the new source is used.
    """

    def __init__(self, agent):
        self.agent = agent
        self.names = {}
        self.lock = threading.Lock()

    def update(self, digests):
        with self.lock:
            for d in digests:
                entry = self.agent.code.get(d)
                if entry is None:
                    continue
                name, is_pkg, _ = entry
                if self.names.get(name) != d:
                    if name in self.names:
                        sys.modules.pop(name, None)
                    self.names[name] = d

    def _entry(self, fullname):
        with self.lock:
            d = self.names.get(fullname)
        return self.agent.code.get(d) if d else None

    def find_spec(self, fullname, path=None, target=None):
        entry = self._entry(fullname)
        if entry is None:
            return None
        _, is_pkg, _ = entry
        spec = importlib.util.spec_from_loader(fullname, self, origin=self._filename(fullname, is_pkg),
                                               is_package=is_pkg)
        spec.has_location = True
        if is_pkg:
            spec.submodule_search_locations = [os.path.dirname(spec.origin)]
        return spec

    def _filename(self, fullname, is_pkg):
        base = os.path.join(self.agent.tmpdir or "/tmp", "mitorun_modlib", *fullname.split("."))
        return os.path.join(base, "__init__.py") if is_pkg else base + ".py"

    def is_package(self, fullname):
        entry = self._entry(fullname)
        if entry is None:
            raise ImportError(fullname)
        return entry[1]

    def get_source(self, fullname):
        entry = self._entry(fullname)
        if entry is None:
            raise ImportError(fullname)
        return entry[2].decode("utf-8")

    def get_code(self, fullname):
        entry = self._entry(fullname)
        if entry is None:
            raise ImportError(fullname)
        return compile(entry[2], self._filename(fullname, entry[1]), "exec", dont_inherit=True)

    def exec_module(self, module):
        module.__file__ = module.__spec__.origin
        exec(self.get_code(module.__name__), module.__dict__)
        if module.__name__ == RESPAWN_MODULE:
            # Another interpreter may now import the call's code from
            # modlib_path (probe_interpreters_for_module, respawn_module).
            self.materialize()
            module.respawn_module = respawn_captured

    def modlib_path(self):
        """The directory holding `ansible/` as the call's files lay out."""
        return os.path.dirname(os.path.dirname(self._filename("ansible", True)))

    def materialize(self):
        """Write each source of the current call to its path (only files
        that are missing or differ)."""
        with self.lock:
            names = dict(self.names)
        for name, digest in names.items():
            entry = self.agent.code.get(digest)
            if entry is None:
                continue
            _, is_pkg, source = entry
            path = self._filename(name, is_pkg)
            try:
                with open(path, "rb") as f:
                    if f.read() == source:
                        continue
            except OSError:
                pass
            try:
                os.makedirs(os.path.dirname(path), exist_ok=True)
                tmp = "%s.%d.tmp" % (path, os.getpid())
                with open(tmp, "wb") as f:
                    f.write(source)
                os.rename(tmp, path)
            except OSError:
                pass


# ansible's module_utils that re-runs a module under another interpreter.
RESPAWN_MODULE = "ansible.module_utils.common.respawn"


def respawn_captured(interpreter_path):
    """ansible's `respawn_module` for a module running in the agent: the
    same payload on the other interpreter's stdin, but its output is the
    module's output (the respawned process cannot inherit the agent's
    stdout, which is not the module's)."""
    main = sys.modules["__main__"]
    if hasattr(main, "_respawned"):
        raise Exception("module has already been respawned")
    from ansible.module_utils._internal._ansiballz import _respawn
    payload = _respawn.create_payload().encode("utf-8")
    proc = subprocess.Popen([interpreter_path, "--"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate(payload)
    for stream, data in ((sys.stdout, out), (sys.stderr, err)):
        stream.flush()
        stream.buffer.write(data)
    sys.exit(proc.returncode)


IMPORTER = None


def install_importer(agent):
    global IMPORTER
    IMPORTER = CacheImporter(agent)
    sys.meta_path.insert(0, IMPORTER)


class ModuleSandbox(object):
    """Process state a module may change, saved before and restored after,
    so the next module in this interpreter starts as in a fresh process."""

    def __init__(self, env, argv0):
        self.saved_env = dict(os.environ)
        self.saved_argv = sys.argv[:]
        self.saved_io = (sys.stdin, sys.stdout, sys.stderr)
        self.saved_hook = sys.excepthook
        try:
            self.saved_cwd = os.getcwd()
        except OSError:
            self.saved_cwd = None
        self.exit_funcs = []
        self.saved_register = atexit.register
        for k, v in (env or {}).items():
            if v is None:
                os.environ.pop(str(k), None)
            else:
                os.environ[str(k)] = str(v)
        sys.argv[:] = [argv0]
        self.out = io.BytesIO()
        self.err = io.BytesIO()
        sys.stdin = io.TextIOWrapper(io.BytesIO(b""), encoding="utf-8")
        self.wrappers = (io.TextIOWrapper(self.out, encoding="utf-8", write_through=True),
                         io.TextIOWrapper(self.err, encoding="utf-8", write_through=True))
        sys.stdout, sys.stderr = self.wrappers
        atexit.register = self._register

    def _register(self, func, *args, **kwargs):
        self.exit_funcs.append((func, args, kwargs))
        return func

    def restore(self):
        for func, args, kwargs in reversed(self.exit_funcs):
            try:
                func(*args, **kwargs)
            except BaseException:
                pass
        # Detach, so collecting the wrappers does not close the buffers.
        for w in self.wrappers:
            try:
                w.flush()
                w.detach()
            except Exception:
                pass
        atexit.register = self.saved_register
        sys.stdin, sys.stdout, sys.stderr = self.saved_io
        sys.excepthook = self.saved_hook
        sys.argv[:] = self.saved_argv
        os.environ.clear()
        os.environ.update(self.saved_env)
        if self.saved_cwd:
            try:
                os.chdir(self.saved_cwd)
            except OSError:
                pass


def clear_module_utils_globals():
    w = sys.modules.get("ansible.module_utils.common.warnings")
    if w is None:
        return
    for name in ("_global_warnings", "_global_deprecations"):
        g = getattr(w, name, None)
        if isinstance(g, list):
            del g[:]
        elif isinstance(g, dict):
            g.clear()


def run_new_style(agent, header, call_tmp):
    """Run an AnsibleModule-based module in this interpreter; returns
    (rc, stdout bytes, stderr bytes)."""
    fqn = str(header["fqn"])
    args = header.get("args") or {}
    json_params = json.dumps({"ANSIBLE_MODULE_ARGS": args}).encode("utf-8")
    box = ModuleSandbox(header.get("env"), IMPORTER._filename(fqn, False))
    rc = 0
    try:
        os.chdir(header.get("cwd") or agent.cwd)
    except OSError:
        pass
    try:
        clear_module_utils_globals()
        try:
            loader = importlib.import_module("ansible.module_utils._internal._ansiballz._loader")
        except ImportError:
            loader = None
        if loader is not None and hasattr(loader, "run_module"):
            loader.run_module(json_params=json_params, profile="legacy", module_fqn=fqn,
                              modlib_path=IMPORTER.modlib_path(),
                              extensions={})
        else:
            basic = importlib.import_module("ansible.module_utils.basic")
            basic._ANSIBLE_ARGS = json_params
            import runpy
            runpy.run_module(fqn, run_name="__main__", alter_sys=True)
        raise CallFailed("module %s did not exit" % fqn)
    except SystemExit as e:
        code = e.code
        if code is None:
            rc = 0
        elif isinstance(code, int):
            rc = code
        else:
            try:
                sys.stderr.write(str(code) + "\n")
            except Exception:
                pass
            rc = 1
    except CallFailed:
        raise
    except BaseException:
        try:
            sys.stderr.write(traceback.format_exc())
        except Exception:
            pass
        rc = 1
    finally:
        box.restore()
        b = sys.modules.get("ansible.module_utils.basic")
        if b is not None:
            b._ANSIBLE_ARGS = None
    return rc, box.out.getvalue(), box.err.getvalue()


def old_style_args(args):
    return "".join("%s=%s " % (k, shlex.quote(str(v))) for k, v in args.items())


def run_program(agent, header, call_tmp):
    """Modules run as programs: binary, WANT_JSON, JSON_ARGS, old-style and
    scripts with any interpreter."""
    style = header["style"]
    name = str(header.get("short") or "module")
    entry = agent.code.get(header["module"])
    if entry is None:
        raise CallFailed("module source missing from cache")
    source = entry[2]
    args = header.get("args") or {}
    shebang = header.get("shebang")
    if shebang and source.startswith(b"#!"):
        nl = source.find(b"\n")
        source = shebang.encode("utf-8") + (source[nl:] if nl >= 0 else b"\n")
    if style == "json_args":
        source = source.replace(b"<<INCLUDE_ANSIBLE_MODULE_JSON_ARGS>>",
                                json.dumps(args).encode("utf-8"))
    path = os.path.join(call_tmp, name)
    with open(path, "wb") as f:
        f.write(source)
    os.chmod(path, 0o700)
    argv = []
    if source.startswith(b"#!"):
        line = source[2:source.find(b"\n")].decode("utf-8", "replace").strip()
        argv = shlex.split(line)
    argv.append(path)
    if style in ("want_json", "binary"):
        args_path = os.path.join(call_tmp, "args")
        with open(args_path, "w") as f:
            json.dump(args, f)
        argv.append(args_path)
    elif style == "old":
        args_path = os.path.join(call_tmp, "args")
        with open(args_path, "w") as f:
            f.write(old_style_args(args))
        argv.append(args_path)
    env = dict(os.environ)
    for k, v in (header.get("env") or {}).items():
        if v is None:
            env.pop(str(k), None)
        else:
            env[str(k)] = str(v)
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env, close_fds=True,
                            cwd=header.get("cwd") or agent.cwd)
    out, err = proc.communicate()
    return proc.returncode, out, err


def new_call_tmp(agent):
    base = agent.tmpdir or tempfile.gettempdir()
    return tempfile.mkdtemp(prefix="ansible-tmp-", dir=base)


def run_isolated(fn, agent, header, call_tmp):
    """Run fn in a forked child so nothing it does stays in this process.
    A call with a `cancel_key` can be killed by a `cancel` call (the
    controller's task timeout): the child leads its own process group so
    the kill reaches what the module started too."""
    key = header.get("cancel_key")
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            if key:
                os.setpgid(0, 0)
            agent.code.lock = threading.Lock()
            if IMPORTER is not None:
                IMPORTER.lock = threading.Lock()
            rc, out, err = fn(agent, header, call_tmp)
            blob = json.dumps({"rc": rc, "stderr": err.decode("utf-8", "replace")}).encode("utf-8")
            write_all(w, struct.pack(">I", len(blob)) + blob + out)
            os._exit(0)
        except BaseException:
            try:
                write_all(w, struct.pack(">I", 0) + traceback.format_exc().encode("utf-8"))
            finally:
                os._exit(1)
    os.close(w)
    if key:
        watch_cancellable(key, pid)
    try:
        chunks = []
        while True:
            c = os.read(r, 1 << 16)
            if not c:
                break
            chunks.append(c)
        os.close(r)
        os.waitpid(pid, 0)
    finally:
        if key:
            forget_cancellable(key)
    data = b"".join(chunks)
    if len(data) < 4:
        raise CallFailed("forked module runner died")
    n = struct.unpack(">I", data[:4])[0]
    if n == 0:
        raise CallFailed("forked module runner failed: " + data[4:].decode("utf-8", "replace"))
    meta = json.loads(data[4:4 + n].decode("utf-8"))
    return meta["rc"], data[4 + n:], meta["stderr"].encode("utf-8")


def run_native_style(agent, header, call_tmp):
    """A native module, with the (rc, stdout, stderr) of a module process."""
    fn = NATIVE.get(header.get("native"))
    if fn is None:
        raise CallFailed("no native module %r" % header.get("native"))
    # A native module that needs a temp dir makes it in the agent's.
    result = fn(agent, header.get("args") or {}, dict(header, agent_tmpdir=agent.tmpdir))
    return 0, json.dumps(result).encode("utf-8"), b""


def module_runner(style):
    """The function that runs a module of this style:
    (agent, header, call_tmp) -> (rc, stdout bytes, stderr bytes)."""
    if style == "native":
        return run_native_style
    if style == "new":
        return run_new_style
    if style in ("json_args", "want_json", "old", "binary"):
        return run_program
    raise CallFailed("unknown module style %r" % (style,))


ARGS_BASES = {}
ARGS_BASES_LOCK = threading.Lock()


def merge_args_base(agent, header):
    """`args` laid over the base arguments the call names by digest
    (shipped once per connection): the same mapping, in the same order,
    as if the controller had sent it whole."""
    digest = header.get("args_base")
    if not digest:
        return
    with ARGS_BASES_LOCK:
        text = ARGS_BASES.get(digest)
        if text is None:
            agent.fetch_code([digest])
            text = agent.code.get(digest)[2].decode("utf-8")
            ARGS_BASES[digest] = text
    # Parsed anew for each call: a module that changes a list in its
    # arguments must not change the next call's.
    args = json.loads(text)
    args.update(header.get("args") or {})
    header["args"] = args


class OpenFilesLimit(object):
    """PYTHON_MODULE_RLIMIT_NOFILE: the soft limit on open files while the
    call runs (capped by the hard limit, as ansible's module wrapper caps
    it), restored after; processes the module starts keep the limit they
    were started with, as under ansible. The limit is the process's, so
    calls running side by side in this interpreter share it."""

    def __init__(self, wanted):
        self.wanted = wanted
        self.saved = None

    def __enter__(self):
        if not self.wanted:
            return self
        try:
            import resource
            soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
            requested = min(hard, self.wanted) if hard >= 0 else self.wanted
            if requested != soft:
                resource.setrlimit(resource.RLIMIT_NOFILE, (requested, hard))
                self.saved = (soft, hard)
        except (ImportError, ValueError, OSError):
            # Platforms that lie about their hard limit (ansible ignores
            # this too).
            pass
        return self

    def __exit__(self, *exc):
        if self.saved is not None:
            try:
                import resource
                resource.setrlimit(resource.RLIMIT_NOFILE, self.saved)
            except (ValueError, OSError):
                pass
        return False


@call("run_module")
def call_run_module(agent, src, req, header, payload):
    with OpenFilesLimit(int(header.get("rlimit_nofile") or 0)):
        return run_module_call(agent, src, req, header)


def run_module_call(agent, src, req, header):
    before_module_run()
    merge_args_base(agent, header)
    style = header.get("style")
    agent_log("run_module %s style=%s%s%s" % (
        header.get("native") or header.get("fqn") or header.get("short"), style,
        " fork" if header.get("fork") else "", " async" if header.get("async") else ""))
    runner = module_runner(style)
    if style == "native":
        if header.get("native_code"):
            load_native_code(agent, header["native_code"])
    else:
        digests = list(header.get("code") or [])
        if header.get("module"):
            digests.append(header["module"])
        agent.fetch_code(digests)
        if style == "new":
            IMPORTER.update(digests)
    if header.get("async"):
        return start_job(agent, header, runner)
    cancellable = bool(header.get("cancel_key"))
    if style == "native" and not cancellable:
        # Where the call came from: a native module that asks the
        # controller something mid-call (action plugins) sends DATA frames
        # for this request and reads the answers from its stream.
        header["call_src"] = src
        header["call_req"] = req
        return {"rc": 0, "stderr": ""}, run_native_style(agent, header, None)[1]
    call_tmp = new_call_tmp(agent)
    args = header.get("args") or {}
    if "_ansible_tmpdir" in args and args["_ansible_tmpdir"] is None:
        args["_ansible_tmpdir"] = call_tmp
    try:
        if cancellable or (style == "new" and header.get("fork")):
            rc, out, err = run_isolated(runner, agent, header, call_tmp)
        elif style == "new":
            with agent.module_lock:
                rc, out, err = run_new_style(agent, header, call_tmp)
        else:
            rc, out, err = runner(agent, header, call_tmp)
    finally:
        _shutil.rmtree(call_tmp, ignore_errors=True)
    return {"rc": rc, "stderr": err.decode("utf-8", "replace")}, out


NATIVE = {}
NATIVE_CODE_LOADED = set()
NATIVE_CODE_LOCK = threading.Lock()


def load_native_code(agent, digest):
    """Run the code a native module brought with its call (zlib source
    when its name ends in `.z`) in the agent's namespace, once."""
    with NATIVE_CODE_LOCK:
        if digest in NATIVE_CODE_LOADED:
            return
        agent.fetch_code([digest])
        name, _, source = agent.code.get(digest)
        if name.endswith(".z"):
            import zlib
            source = zlib.decompress(source)
        exec(compile(source, "<%s>" % name, "exec"), globals())
        NATIVE_CODE_LOADED.add(digest)


def native(name):
    def register(fn):
        NATIVE[name] = fn
        return fn
    return register
