# mitorun agent: a project's own Python action plugins (action_plugins/
# beside playbooks and in roles, a collection's plugins/action/). The
# controller starts one local agent for them, with an interpreter that
# imports ansible-core (plugins subclass its real ActionBase), and calls
# this native module once per task run: it imports the plugin file, builds
# the objects ActionBase expects (task, connection, play context, loader,
# templar) and runs `ActionModule.run(tmp, task_vars)`.
#
# What reaches the target goes back to the controller instead of through an
# ansible connection: the call sends DATA frames for its own request (an
# "ask") and waits for the controller's answer on the call's stream; the
# controller runs the module, command or transfer on the task's host as the
# task itself would (same connection, become, delegation).
# Shipped with the first call (modules::native_code), never part of the
# agents sent to targets.

import importlib.util as _action_util
import tempfile as _action_tempfile

# One lock (re-entrant) over imports and object set-up: ansible's plugin
# loaders and first imports are not safe to run from several threads at
# once (hosts run their plugins concurrently); plugin runs themselves are
# not serialized.
_ACTION_STATE = {"classes": {}, "seq": 0, "patched": False, "lock": threading.RLock()}
# The plugin run of the current thread (its warnings and display lines).
_ACTION_LOCAL = threading.local()


class _ActionAsker(object):
    """Questions to the controller while one plugin runs, in order."""

    def __init__(self, agent, header):
        self.agent = agent
        self.src = int(header.get("call_src") or 0)
        self.req = header.get("call_req")
        self.lock = threading.Lock()
        self.stream = agent.open_stream(self.req) if self.req is not None else None

    def ask(self, op, fields=None, payload=b""):
        if self.stream is None:
            raise RuntimeError("this call cannot reach the controller")
        header = dict(fields or {})
        header["ask"] = op
        with self.lock:
            self.agent.send_to(self.src, self.req, DATA, header, payload)
            _kind, answer, data = self.stream.get()
        if answer.get("error") is not None:
            from ansible.errors import AnsibleError
            raise AnsibleError(str(answer["error"]))
        return answer, data

    def close(self):
        if self.req is not None:
            self.agent.close_stream(self.req)


class _MitorunTask(object):
    """What ActionBase and ordinary plugins read of `self._task`."""

    def __init__(self, info):
        self.args = dict(info.get("args") or {})
        self.action = info.get("action") or ""
        self.resolved_action = info.get("resolved_action") or self.action
        self.name = info.get("name") or ""
        self.async_val = int(info.get("async_val") or 0)
        self.poll = int(info.get("poll") or 0)
        environment = info.get("environment")
        self.environment = environment if isinstance(environment, list) else (
            [environment] if environment else [])
        self.delegate_to = info.get("delegate_to")
        self.delegate_facts = bool(info.get("delegate_facts"))
        self.check_mode = bool(info.get("check_mode"))
        self.diff = bool(info.get("diff"))
        self.no_log = bool(info.get("no_log"))
        self.become = bool(info.get("become"))
        self.become_user = info.get("become_user")
        self.collections = list(info.get("collections") or [])
        self.register = info.get("register")
        self.ignore_errors = bool(info.get("ignore_errors"))
        self.loop = None
        self.tags = list(info.get("tags") or [])
        self._role = None
        self._parent = None
        self._uuid = info.get("uuid") or ""
        self._search_path = list(info.get("search_path") or [])

    def get_name(self, include_role_fqcn=True):
        return self.name or self.action

    def get_search_path(self):
        return list(self._search_path)

    def get_ds(self):
        return None

    def dump_attrs(self):
        return dict(self.__dict__)


class _MitorunPlayContext(object):
    def __init__(self, info):
        self.check_mode = bool(info.get("check_mode"))
        self.diff = bool(info.get("diff"))
        self.verbosity = int(info.get("verbosity") or 0)
        self.remote_addr = info.get("remote_addr")
        self.remote_user = info.get("remote_user")
        self.port = info.get("port")
        self.connection = info.get("transport") or "ssh"
        self.become = bool(info.get("become"))
        self.become_user = info.get("become_user")
        self.become_method = info.get("become_method") or "sudo"
        self.executable = "/bin/sh"
        self.shell = "sh"
        self.timeout = 10
        self.no_log = bool(info.get("no_log"))


class _MitorunConnection(object):
    """The task's connection as ActionBase uses it: commands and files go
    to the controller, which runs them on the task's host. `become` stays
    None: the controller's interpreter for the task already is the become
    user's."""

    def __init__(self, asker, info, play_context):
        from ansible.plugins.loader import shell_loader
        self._asker = asker
        self._play_context = play_context
        self.transport = info.get("transport") or "ssh"
        self._load_name = self.transport
        shell = shell_loader.get("sh")
        shell.set_options(var_options={}, direct={})
        self._shell = shell
        self.become = None
        self.allow_executable = True
        self.always_pipeline_modules = False
        self.has_pipelining = False
        self.has_native_async = False
        self.module_implementation_preferences = (".py", "")
        self.cwd = None
        self.default_user = None
        self._connected = True
        self._options = {"remote_user": info.get("remote_user"),
                         "host": info.get("remote_addr"),
                         "port": info.get("port")}
        self._options = dict((k, v) for k, v in self._options.items() if v is not None)

    @property
    def connected(self):
        return True

    def get_option(self, option, hostvars=None):
        if option not in self._options:
            raise KeyError(option)
        return self._options[option]

    def set_option(self, option, value):
        self._options[option] = value

    def has_option(self, option):
        return option in self._options

    def set_options(self, task_keys=None, var_options=None, direct=None):
        self._options.update(direct or {})

    def is_pipelining_enabled(self, wrap_async=False):
        return False

    def exec_command(self, cmd, in_data=None, sudoable=True):
        if isinstance(in_data, str):
            in_data = in_data.encode("utf-8", "surrogateescape")
        answer, data = self._asker.ask("command", {"cmd": cmd, "sudoable": bool(sudoable)},
                                       in_data or b"")
        cut = len(data) - int(answer.get("stderr_len") or 0)
        return int(answer.get("rc", -1)), data[:cut], data[cut:]

    def put_file(self, in_path, out_path):
        with open(in_path, "rb") as f:
            data = f.read()
        self._asker.ask("put", {"path": out_path}, data)

    def fetch_file(self, in_path, out_path):
        self._asker.ask("fetch", {"src": in_path, "dest": out_path})

    def _connect(self):
        return self

    def close(self):
        pass

    def reset(self):
        pass


def _action_execute_module(self, module_name=None, module_args=None, tmp=None, task_vars=None,
                           persist_files=False, delete_remote_tmp=None, wrap_async=False,
                           ignore_unknown_opts=False):
    """ActionBase._execute_module: the controller runs the module on the
    task's host, as a task naming it would, in the plugin's check and diff
    mode (a plugin may change `self._task.check_mode` first)."""
    if module_name is None:
        module_name = self._task.action
    if module_args is None:
        module_args = self._task.args
    if ignore_unknown_opts:
        module_args = dict(module_args, _ansible_ignore_unknown_opts=True)
    answer, _ = self._connection._asker.ask("module", {
        "name": module_name,
        "args": plain_json(module_args),
        "check_mode": bool(self._task.check_mode),
        "diff": bool(self._task.diff),
        "no_log": bool(self._task.no_log),
    })
    data = answer.get("result")
    if not isinstance(data, dict):
        data = {}
    for key in ("stdout", "stderr"):
        if key in data and key + "_lines" not in data:
            data[key + "_lines"] = (data.get(key) or "").splitlines()
    return data


def _action_remote_expand_user(self, path, sudoable=True, pathsep=None):
    """ActionBase._remote_expand_user, answered by the task's interpreter
    (the become user's when the task becomes one)."""
    if not path.startswith("~"):
        return path
    answer, _ = self._connection._asker.ask("expand_user", {"path": path})
    return answer.get("path") or path


def _action_fixup_perms2(self, remote_paths, remote_user=None, execute=True):
    # Files the controller writes belong to the task's interpreter user,
    # who also runs what uses them: nothing to share with another user.
    return remote_paths


def _action_patch_ansible():
    """Route what ActionBase sends to the target through the controller,
    and catch the display's warnings and messages per plugin run."""
    with _ACTION_STATE["lock"]:
        if _ACTION_STATE["patched"]:
            return
        from ansible.plugins.action import ActionBase
        from ansible.utils.display import Display
        ActionBase._execute_module = _action_execute_module
        ActionBase._remote_expand_user = _action_remote_expand_user
        ActionBase._fixup_perms2 = _action_fixup_perms2
        original_warning = Display.warning
        original_display = Display.display

        def warning(self, msg, *args, **kwargs):
            run = getattr(_ACTION_LOCAL, "run", None)
            if run is None:
                return original_warning(self, msg, *args, **kwargs)
            text = str(msg)
            if text not in run["warnings"]:
                run["warnings"].append(text)

        def display(self, msg, *args, **kwargs):
            run = getattr(_ACTION_LOCAL, "run", None)
            if run is None:
                return original_display(self, msg, *args, **kwargs)
            stderr = kwargs.get("stderr", False)
            run["display"].append([str(msg), bool(stderr)])

        Display.warning = warning
        Display.display = display
        _ACTION_STATE["patched"] = True


def _action_init_loaders(collections_paths, library_dirs):
    """ansible-playbook's start: the collection loader over the run's
    collections paths (once), and the task's `library/` dirs for the
    module loader plugins ask (`has_plugin`, `find_plugin`)."""
    from ansible.plugins import loader as plugin_loader
    with _ACTION_STATE["lock"]:
        if not _ACTION_STATE.get("collections_ready"):
            plugin_loader.init_plugin_loader(list(collections_paths or []))
            _ACTION_STATE["collections_ready"] = True
        for directory in library_dirs or []:
            plugin_loader.module_loader.add_directory(directory)


def _action_collection_module(path):
    """A collection's plugin imported as ansible imports it, under
    `ansible_collections.<ns>.<col>.plugins.action.<name>` (its relative
    imports resolve then); None when `path` is not one the collection
    loader finds at that name."""
    parts = os.path.realpath(path).split(os.sep)
    if parts.count("ansible_collections") != 1 or not path.endswith(".py"):
        return None
    at = parts.index("ansible_collections")
    dotted = parts[at:]
    dotted[-1] = dotted[-1][:-3]
    import importlib
    try:
        module = importlib.import_module(".".join(dotted))
    except Exception:
        return None
    found = getattr(module, "__file__", None) or ""
    if os.path.realpath(found) != os.path.realpath(path):
        return None
    return module


def _action_class(name, path):
    """The plugin file's ActionModule (imported once per path)."""
    with _ACTION_STATE["lock"]:
        cls = _ACTION_STATE["classes"].get(path)
        if cls is not None:
            return cls
        module = _action_collection_module(path)
        if module is None:
            _ACTION_STATE["seq"] += 1
            module_name = "mitorun_action_plugin_%d_%s" % (_ACTION_STATE["seq"], name.replace(".", "_"))
            spec = _action_util.spec_from_file_location(module_name, path)
            module = _action_util.module_from_spec(spec)
            sys.modules[module_name] = module
            spec.loader.exec_module(module)
        cls = getattr(module, "ActionModule", None)
        if cls is None:
            raise ImportError("%s defines no ActionModule" % (path,))
        _ACTION_STATE["classes"][path] = cls
        return cls


def _action_failure(ex):
    """ansible's result for an exception out of a plugin's run
    (TaskExecutor._execute: the error chained to the task's), with the
    message its report prints; `failed` is missing for a skip."""
    from ansible.errors import AnsibleTaskError
    from ansible._internal._errors import _error_utils
    try:
        raise AnsibleTaskError() from ex
    except AnsibleTaskError as atex:
        result = _error_utils.result_dict_from_exception(atex, accept_result_contribution=True)
    result.setdefault("changed", False)
    if "exception" in result:
        result["exception"] = traceback.format_exc()
    contributed = isinstance(ex, _error_utils.ContributesToTaskResult)
    return result, (str(ex).strip() or type(ex).__name__), contributed


def _action_unpicklable(result):
    """ansible's worker pickles each result to send it to the strategy; a
    result that cannot be pickled is replaced by this failure (None: it
    pickles)."""
    import pickle
    try:
        pickle.dumps(result)
        return None
    except Exception as ex:
        from ansible.errors import AnsibleError
        from ansible._internal._errors import _error_utils
        try:
            raise AnsibleError("Task result omitted due to queue send failure.") from ex
        except AnsibleError as wrapper:
            replaced = _error_utils.result_dict_from_exception(wrapper)
            if "exception" in replaced:
                replaced["exception"] = traceback.format_exc()
            return replaced


def _action_import_ansible(extra_path):
    if extra_path and extra_path not in sys.path:
        sys.path.insert(0, extra_path)
    try:
        import ansible.plugins.action  # noqa: F401
    except Exception as e:
        return "%s: %s" % (type(e).__name__, e)
    return None


@native("mitorun_action_plugin")
def native_mitorun_action_plugin(agent, args, header):
    with _ACTION_STATE["lock"]:
        missing = _action_import_ansible(args.get("ansible_path"))
        if missing is not None:
            return {"no_ansible": missing}
        _action_patch_ansible()
        from ansible.parsing.dataloader import DataLoader
        from ansible.template import Templar
        from ansible.utils.display import Display
        name = args.get("name") or ""
        try:
            _action_init_loaders(args.get("collections_paths"), args.get("library_dirs"))
            cls = _action_class(name, args["path"])
        except Exception as e:
            return {"load_error": "%s: %s" % (type(e).__name__, e)}
    info = args.get("task") or {}
    task_vars = args.get("task_vars") or {}
    asker = _ActionAsker(agent, header)
    run = {"warnings": [], "display": []}
    _ACTION_LOCAL.run = run
    Display().verbosity = int(info.get("verbosity") or 0)
    out = {}
    plugin = None
    try:
        with _ACTION_STATE["lock"]:
            task = _MitorunTask(info)
            play_context = _MitorunPlayContext(info)
            connection = _MitorunConnection(asker, info, play_context)
            loader = DataLoader()
            if info.get("basedir"):
                loader.set_basedir(info["basedir"])
            templar = Templar(loader=loader, variables=task_vars)
            plugin = cls(task, connection, play_context, loader, templar, None)
            plugin._load_name = name
            plugin._original_path = args["path"]
        result = plugin.run(task_vars=task_vars)
        if not isinstance(result, dict):
            raise TypeError("the action plugin returned %s, not a dict" % type(result).__name__)
        replaced = _action_unpicklable(result)
        if replaced is not None:
            out["queue_failure"] = True
        out["result"] = plain_json(result if replaced is None else replaced)
    except Exception as e:
        result, message, contributed = _action_failure(e)
        out["result"] = plain_json(result)
        if "failed" in result:
            out["raised"] = {"message": message, "contributed": contributed}
    finally:
        if plugin is not None:
            try:
                plugin.cleanup()
            except Exception:
                pass
        _ACTION_LOCAL.run = None
        asker.close()
    out["warnings"] = run["warnings"]
    out["display"] = run["display"]
    return out
