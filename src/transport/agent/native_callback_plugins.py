# mitorun agent: a project's own Python callback plugins (callback_plugins/
# beside playbooks and in roles, the configured callback plugin paths, a
# collection's plugins/callback/ by full name). The controller starts one
# local agent for them, with an interpreter that imports ansible-core (the
# plugins subclass its CallbackBase), loads them once as ansible's task
# queue manager does (`load`), then sends each event of the run (`event`):
# the plugin's method gets objects built from the event's data, and what
# it displays comes back to be printed in the run's order.
# Shipped with the first call (modules::native_code), never part of the
# agents sent to targets.

import importlib as _cb_importlib

_CB_STATE = {"plugins": [], "hosts": {}, "patched": False, "capture": None, "cli": {}}
# ansible-core's own callbacks: mitorun's output already is them.
_CB_BUILTIN_DIR = os.sep + os.path.join("ansible", "plugins", "callback") + os.sep


def _cb_patch_display():
    """Catch what plugins display (warnings and errors end there too)
    while an event runs, for the controller to print in order."""
    if _CB_STATE["patched"]:
        return
    from ansible.utils.display import Display
    original = Display.display

    def display(self, msg, color=None, stderr=False, screen_only=False, log_only=False,
                *args, **kwargs):
        lines = _CB_STATE["capture"]
        if lines is None:
            return original(self, msg, color, stderr, screen_only, log_only, *args, **kwargs)
        if not log_only:
            lines.append([str(msg), bool(stderr)])

    Display.display = display
    _CB_STATE["patched"] = True


def _cb_set_cli_args(cli):
    """ansible's context.CLIARGS, which plugins read (`check`, `diff`,
    `verbosity`) and task defaults come from (`connection`)."""
    from ansible import context
    from ansible.module_utils.common.collections import ImmutableDict
    values = {
        "verbosity": 0, "check": False, "diff": False, "connection": "ssh",
        "args": [], "tags": [], "skip_tags": [], "subset": None, "forks": 5,
        "listhosts": False, "listtasks": False, "listtags": False, "syntax": False,
        "start_at_task": None, "become": False,
    }
    values.update(cli or {})
    context.CLIARGS = ImmutableDict(values)
    _CB_STATE["cli"] = values


def _cb_is_builtin(plugin):
    path = getattr(plugin, "_original_path", "") or ""
    return _CB_BUILTIN_DIR in path


def _cb_load(args):
    """ansible's TaskQueueManager.load_callbacks for the plugins mitorun
    does not run itself: the adjacent and configured ones that ask for no
    enabling, and the enabled names."""
    from ansible.plugins import loader as plugin_loader
    from ansible.plugins.loader import callback_loader
    plugin_loader.init_plugin_loader(list(args.get("collections_paths") or []))
    for directory in args.get("dirs") or []:
        callback_loader.add_directory(directory)
    enabled = list(args.get("enabled") or [])
    run_additional = bool(args.get("run_additional"))
    stdout_name = args.get("stdout")
    stdout_plugin = None
    if stdout_name:
        stdout_plugin = callback_loader.get(stdout_name)
        if not stdout_plugin:
            return None
        if hasattr(stdout_plugin, "_init_callback_methods"):
            stdout_plugin._init_callback_methods()
        stdout_plugin.set_options()
        _CB_STATE["plugins"].append(stdout_plugin)
    plugin_types = {}
    for plugin in callback_loader.all(class_only=True):
        if not _cb_is_builtin(plugin):
            plugin_types[plugin.ansible_name] = plugin
    for name in enabled:
        try:
            plugin = callback_loader.get(name, class_only=True)
        except _cb_fatal_errors() as e:
            raise _CbFatal(str(e))
        except Exception as e:
            from ansible.utils.display import Display
            Display().warning("Skipping callback plugin '%s', unable to load: %s" % (name, e))
            continue
        if plugin:
            plugin_types.setdefault(plugin.ansible_name, plugin)
        else:
            from ansible.utils.display import Display
            Display().warning("Skipping callback plugin '%s', unable to load" % name)
    if stdout_plugin is not None:
        plugin_types.pop(stdout_plugin.ansible_name, None)
    all_enabled = set(enabled) | set(args.get("enabled_native") or [])
    for plugin in plugin_types.values():
        if _cb_is_builtin(plugin):
            continue
        callback_type = getattr(plugin, "CALLBACK_TYPE", "")
        needs_enabled = getattr(plugin, "CALLBACK_NEEDS_ENABLED",
                                getattr(plugin, "CALLBACK_NEEDS_WHITELIST", False))
        redirected = getattr(plugin, "_redirected_names", [])
        if redirected:
            name = redirected[0]
        else:
            name = os.path.splitext(os.path.basename(plugin._original_path))[0]
        if callback_type == "stdout":
            continue
        if not run_additional or (needs_enabled and name not in all_enabled):
            continue
        from ansible.utils.display import Display
        try:
            instance = plugin()
            if not instance:
                Display().warning("Skipping callback '%s', as it does not create a valid plugin instance." % name)
                continue
            if hasattr(instance, "_init_callback_methods"):
                instance._init_callback_methods()
            instance.set_options()
            _CB_STATE["plugins"].append(instance)
        except Exception as ex:
            Display().error_as_warning("Failed to load callback plugin %r." % name, exception=ex)
    return [getattr(p, "_load_name", "") for p in _CB_STATE["plugins"]]


class _CbFatal(Exception):
    """A load failure that ends the run, as it ends ansible's."""


def _cb_fatal_errors():
    from ansible.errors import AnsiblePluginRemovedError
    return (AnsiblePluginRemovedError,)


class _CbTask(object):
    """What callback plugins read of a task."""

    def __init__(self, info):
        info = info or {}
        self.name = info.get("own_name") or ""
        self._display_name = info.get("name") or self.name
        self.action = info.get("action") or ""
        self.resolved_action = self.action
        self.args = dict(info.get("args") or {})
        self._uuid = str(info.get("uuid") or "")
        self.no_log = bool(info.get("no_log"))
        self.check_mode = bool(info.get("check_mode"))
        self.diff = bool(_CB_STATE["cli"].get("diff"))
        # Callbacks test a task's `loop` for truth (the items themselves
        # reached them as item results).
        self.loop = ["{{ loop }}"] if info.get("is_loop") else None
        self.loop_control = None
        self.delegate_to = info.get("delegate_to")
        self.connection = _CB_STATE["cli"].get("connection") or "ssh"
        self.implicit = False
        self.tags = []
        self.when = []
        self.register = None
        self.ignore_errors = False
        self.async_val = 0
        self.poll = 15
        self.environment = []
        self.become = False
        self.become_user = None
        self._role = None
        self._path = info.get("path") or ""

    def get_name(self, include_role_fqcn=True):
        return self._display_name

    def get_path(self):
        return self._path

    def dump_attrs(self):
        return {"name": self.name, "action": self.action}


class _CbPlay(object):
    def __init__(self, info):
        info = info or {}
        self.name = info.get("name") or ""
        self.hosts = info.get("hosts") or []
        self.check_mode = bool(info.get("check_mode"))
        self.strategy = info.get("strategy") or "linear"
        self._uuid = str(info.get("uuid") or "")
        self._path = info.get("path") or ""
        self.vars = {}
        self.roles = []
        self.gather_facts = None
        self.serial = []
        self.force_handlers = False

    def get_name(self):
        return self.name

    def get_path(self):
        return self._path


class _CbPlaybook(object):
    def __init__(self, info):
        info = info or {}
        self._file_name = info.get("file_name") or ""
        self._basedir = os.path.dirname(self._file_name)
        self._entries = []


class _CbIncludedFile(object):
    """What callbacks read of an included file (`IncludedFile`)."""

    def __init__(self, info):
        info = info or {}
        self._filename = info.get("filename") or ""
        self._hosts = [_cb_host(h) for h in info.get("hosts") or []]
        self._args = dict(info.get("args") or {})
        self._vars = {}
        self._task = _cb_task(info.get("task"))
        self._is_role = False


def _cb_host(name):
    host = _CB_STATE["hosts"].get(name)
    if host is None:
        from ansible.inventory.host import Host
        host = Host(name)
        _CB_STATE["hosts"][name] = host
    return host


def _cb_result_class():
    """ansible's CallbackTaskResult with the exception, warnings and
    deprecations ansible keeps as objects beside the result's data: built
    from mitorun's `[ERROR]` report and the result's texts."""
    cls = _CB_STATE.get("result_class")
    if cls is not None:
        return cls
    from ansible.executor.task_result import CallbackTaskResult
    from ansible.module_utils._internal import _messages

    class _CbTaskResult(CallbackTaskResult):
        def __init__(self, host, task, data, fields, error):
            super().__init__(host, task, data, fields)
            self._mitorun_error = error

        @property
        def exception(self):
            text = self._mitorun_error
            if not text:
                return None
            # A report with source context ends with a blank line.
            if "\n" in text:
                text += "\n"
            return _messages.ErrorSummary(event=_messages.Event(msg=text))

        @property
        def warnings(self):
            return [_messages.WarningSummary(event=_messages.Event(msg=str(w)))
                    for w in self._return_data.get("warnings") or []]

        @property
        def deprecations(self):
            out = []
            for d in self._return_data.get("deprecations") or []:
                if not isinstance(d, dict):
                    d = {"msg": str(d)}
                out.append(_messages.DeprecationSummary(
                    event=_messages.Event(msg=str(d.get("msg") or "")),
                    version=d.get("version"), date=d.get("date")))
            return out

    _CB_STATE["result_class"] = _CbTaskResult
    return _CbTaskResult


def _cb_result(event, task):
    host = _cb_host(event.get("host") or "")
    data = dict(event.get("result") or {})
    error = data.pop("_mitorun_error", None)
    if error and not data.get("exception"):
        data["exception"] = "(traceback unavailable)"
    fields = {"name": task.name, "action": task.action, "args": task.args}
    return _cb_result_class()(host, task, data, fields, error)


def _cb_stats(event):
    from ansible.executor.stats import AggregateStats
    stats = AggregateStats()
    for host, counts in (event.get("stats") or {}).items():
        stats.processed[host] = 1
        for key, attr in (("ok", "ok"), ("changed", "changed"), ("failures", "failures"),
                          ("unreachable", "dark"), ("skipped", "skipped"),
                          ("rescued", "rescued"), ("ignored", "ignored")):
            value = int(counts.get(key) or 0)
            if value:
                getattr(stats, attr)[host] = value
    custom = event.get("custom") or {}
    stats.custom = dict(custom)
    return stats


def _cb_task(info):
    """The task object for `info`: an include is a real TaskInclude
    (callbacks tell includes apart with isinstance)."""
    task = _CbTask(info)
    if not (info or {}).get("is_include"):
        return task
    cls = _CB_STATE.get("include_class")
    if cls is None:
        from ansible.playbook.task_include import TaskInclude

        class _CbTaskInclude(TaskInclude):
            def get_name(self, include_role_fqcn=True):
                return self._mitorun_name

            def get_path(self):
                return self._mitorun_path

        cls = _CB_STATE["include_class"] = _CbTaskInclude
    include = cls()
    for key in ("name", "action", "args", "no_log", "check_mode", "loop", "delegate_to",
                "connection"):
        try:
            setattr(include, key, getattr(task, key))
        except Exception:
            pass
    include._uuid = task._uuid
    include._mitorun_name = task.get_name()
    include._mitorun_path = task.get_path()
    return include


def _cb_arguments(name, event):
    """The positional and keyword arguments ansible passes `name`."""
    task = _cb_task(event.get("task"))
    if name == "v2_playbook_on_start":
        return [_CbPlaybook(event.get("playbook"))], {}
    if name == "v2_playbook_on_play_start":
        return [_CbPlay(event.get("play"))], {}
    if name == "v2_playbook_on_task_start":
        return [task], {"is_conditional": False}
    if name in ("v2_playbook_on_handler_task_start", "v2_playbook_on_cleanup_task_start"):
        return [task], {}
    if name == "v2_playbook_on_include":
        return [_CbIncludedFile(event.get("included_file"))], {}
    if name == "v2_playbook_on_stats":
        return [_cb_stats(event)], {}
    if name in ("v2_playbook_on_no_hosts_matched", "v2_playbook_on_no_hosts_remaining"):
        return [], {}
    if name == "v2_runner_on_failed":
        return [_cb_result(event, task)], {"ignore_errors": event.get("ignore_errors")}
    return [_cb_result(event, task)], {}


def _cb_dispatch(name, event):
    from ansible.utils.display import Display
    for plugin in _CB_STATE["plugins"]:
        if getattr(plugin, "disabled", False):
            continue
        implemented = getattr(plugin, "_implemented_callback_methods", None)
        methods = []
        for method_name in (name, "v2_on_any"):
            if implemented is not None:
                if method_name in implemented:
                    methods.append(getattr(plugin, method_name))
            elif callable(getattr(plugin, method_name, None)):
                methods.append(getattr(plugin, method_name))
        for method in methods:
            args, kwargs = _cb_arguments(name, event)
            for arg in args:
                if hasattr(arg, "is_changed"):
                    plugin._current_task_result = arg
            try:
                method(*args, **kwargs)
            except Exception as ex:
                from ansible.errors import AnsibleCallbackError
                error = AnsibleCallbackError("Callback dispatch %r failed for plugin %r."
                                             % (name, getattr(plugin, "_load_name", "")))
                error.__cause__ = ex
                Display().error_as_warning(None, exception=error)
            plugin._current_task_result = None


class _CbPrinted(object):
    """sys.stdout while plugins run: what they print() joins the
    displayed lines, in order, written as it is."""

    def __init__(self, lines):
        self.lines = lines

    def write(self, text):
        if text:
            self.lines.append([str(text), False, True])
        return len(text)

    def flush(self):
        pass

    def isatty(self):
        return False


@native("mitorun_callback_plugin")
def native_mitorun_callback_plugin(agent, args, header):
    lines = []
    _CB_STATE["capture"] = lines
    saved_stdout = sys.stdout
    sys.stdout = _CbPrinted(lines)
    out = {}
    try:
        if args.get("op") == "load":
            missing = _action_import_ansible(args.get("ansible_path"))
            if missing is not None:
                return {"no_ansible": missing}
            _cb_patch_display()
            _cb_set_cli_args(args.get("cli"))
            from ansible.utils.display import Display
            Display().verbosity = int(_CB_STATE["cli"].get("verbosity") or 0)
            try:
                loaded = _cb_load(args)
            except _CbFatal as e:
                out["fatal"] = str(e)
                loaded = []
            out["stdout_loaded"] = loaded is not None
            out["loaded"] = loaded or []
        else:
            _cb_dispatch(args.get("event") or "", args)
    finally:
        _CB_STATE["capture"] = None
        sys.stdout = saved_stdout
    out["display"] = lines
    return out
