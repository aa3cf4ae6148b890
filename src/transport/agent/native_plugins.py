# mitorun agent: a project's own Python filter, test and lookup plugins
# (filter_plugins/, test_plugins/, lookup_plugins/ beside playbooks and in
# roles). The controller starts one local agent for them and calls this
# native module with an `op`: `load` imports the filter and test files and
# names what they define; `filter`, `test` and `lookup` call one plugin.
# Plugins stay imported for the whole run. Values cross as JSON.
#
# Plugins import ansible's own modules (ansible.errors, LookupBase, ...).
# Those few are given here, so that no ansible-core is needed on the
# controller; any other `ansible.*` module is read from an installed
# ansible-core when the interpreter has one.
# Shipped with the first call (modules::native_code), not part of every agent.

import importlib.abc as _plugins_abc
import importlib.machinery as _plugins_machinery
import importlib.util as _plugins_util
import types as _plugins_types

_PLUGIN_SHIMS = {
    "ansible.errors": '''
class AnsibleError(Exception):
    def __init__(self, message="", obj=None, show_content=True, suppress_extended_error=False,
                 orig_exc=None, help_text=None):
        super().__init__(message)
        self.message = str(message)
        self.obj = obj
        self.orig_exc = orig_exc

    def __str__(self):
        return self.message


class AnsibleAssertionError(AnsibleError, AssertionError):
    pass


class AnsibleOptionsError(AnsibleError):
    pass


class AnsibleRuntimeError(AnsibleError):
    pass


class AnsibleParserError(AnsibleError):
    pass


class AnsibleTemplateError(AnsibleRuntimeError):
    pass


class AnsibleFilterError(AnsibleTemplateError):
    pass


class AnsibleLookupError(AnsibleTemplateError):
    pass


class AnsibleUndefinedVariable(AnsibleTemplateError):
    pass


class AnsibleFileNotFound(AnsibleRuntimeError):
    def __init__(self, message="", obj=None, file_name=None, paths=None, **kwargs):
        text = message or "Could not find or access '%s'" % (file_name,)
        super().__init__(text, obj=obj, **kwargs)
        self.file_name = file_name
        self.paths = paths


class AnsibleFilterTypeError(AnsibleFilterError, TypeError):
    pass


class AnsibleTypeError(AnsibleRuntimeError, TypeError):
    pass


class AnsibleValueOmittedError(AnsibleRuntimeError):
    pass
''',
    "ansible.module_utils.common.text.converters": '''
def to_bytes(obj, encoding="utf-8", errors=None, nonstring="simplerepr"):
    if isinstance(obj, bytes):
        return obj
    if not isinstance(obj, str):
        if nonstring == "passthru":
            return obj
        if nonstring == "empty":
            return b""
        if nonstring == "strict":
            raise TypeError("obj must be a string type")
        obj = str(obj)
    return obj.encode(encoding, "surrogateescape" if errors in (None, "surrogate_or_strict",
                                                                "surrogate_or_replace",
                                                                "surrogate_then_replace")
                      else errors)


def to_text(obj, encoding="utf-8", errors=None, nonstring="simplerepr"):
    if isinstance(obj, str):
        return obj
    if isinstance(obj, bytes):
        return obj.decode(encoding, "surrogateescape" if errors in (None, "surrogate_or_strict",
                                                                    "surrogate_or_replace",
                                                                    "surrogate_then_replace")
                          else errors)
    if nonstring == "passthru":
        return obj
    if nonstring == "empty":
        return ""
    if nonstring == "strict":
        raise TypeError("obj must be a string type")
    return str(obj)


to_native = to_text
''',
    "ansible.utils.display": '''
class Display:
    verbosity = 0

    def __init__(self, verbosity=0):
        pass

    def display(self, msg, *args, **kwargs):
        pass

    def _log(self, *args, **kwargs):
        pass

    v = vv = vvv = vvvv = vvvvv = vvvvvv = debug = _log

    def warning(self, msg, *args, **kwargs):
        WARNINGS.append(str(msg))

    def deprecated(self, msg, *args, **kwargs):
        WARNINGS.append(str(msg))

    def error(self, msg, *args, **kwargs):
        pass


WARNINGS = []
''',
    "ansible.plugins.lookup": '''
import os
from ansible.errors import AnsibleError, AnsibleFileNotFound


class LookupBase:
    def __init__(self, loader=None, templar=None, **kwargs):
        self._loader = loader
        self._templar = templar
        self._options = {}
        self._load_name = type(self).__module__.rsplit(".", 1)[-1]

    def set_options(self, task_keys=None, var_options=None, direct=None):
        self._options = dict(direct or {})

    def get_option(self, option, hostvars=None):
        if option not in self._options:
            raise KeyError(option)
        return self._options[option]

    def get_options(self, hostvars=None):
        return dict(self._options)

    def has_option(self, option):
        return option in self._options

    @staticmethod
    def _flatten(terms):
        out = []
        for term in terms:
            if isinstance(term, (list, tuple)):
                out.extend(term)
            else:
                out.append(term)
        return out

    @staticmethod
    def _combine(a, b):
        return [x + y for x in a for y in b]

    @staticmethod
    def _flatten_hash_to_list(terms):
        return [{"key": k, "value": v} for k, v in terms.items()]

    def find_file_in_search_path(self, myvars, subdir, needle, ignore_missing=False):
        myvars = myvars or {}
        if os.path.isabs(needle):
            if os.path.exists(needle):
                return needle
        else:
            bases = []
            for key in ("role_path", "playbook_dir"):
                if myvars.get(key):
                    bases.append(myvars[key])
            for base in bases:
                for candidate in (os.path.join(base, subdir, needle), os.path.join(base, needle)):
                    if os.path.exists(candidate):
                        return candidate
        if not ignore_missing:
            raise AnsibleFileNotFound(file_name=needle)
        return None
''',
}

# Packages the shims live in: stand-ins that still find an installed
# ansible-core's other modules (their `__path__` points into it).
_PLUGIN_SHIM_PACKAGES = ("ansible", "ansible.plugins", "ansible.utils", "ansible.module_utils",
                         "ansible.module_utils.common", "ansible.module_utils.common.text")


def _plugins_real_ansible_dir():
    for entry in sys.path:
        candidate = os.path.join(entry or ".", "ansible")
        if os.path.isfile(os.path.join(candidate, "__init__.py")):
            return candidate
    return None


class _PluginShimFinder(_plugins_abc.MetaPathFinder, _plugins_abc.Loader):
    def __init__(self):
        self.real = _plugins_real_ansible_dir()

    def find_spec(self, fullname, path=None, target=None):
        if fullname in _PLUGIN_SHIMS:
            return _plugins_util.spec_from_loader(fullname, self, is_package=False)
        if fullname in _PLUGIN_SHIM_PACKAGES:
            spec = _plugins_machinery.ModuleSpec(fullname, self, is_package=True)
            parts = fullname.split(".")[1:]
            spec.submodule_search_locations = (
                [os.path.join(self.real, *parts)] if self.real else [])
            return spec
        return None

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        source = _PLUGIN_SHIMS.get(module.__name__)
        if source is not None:
            exec(compile(source, "<mitorun shim %s>" % module.__name__, "exec"), module.__dict__)


_PLUGIN_STATE = {"finder": None, "filter": {}, "test": {}, "lookup": {}}


def _plugins_install_shims():
    if _PLUGIN_STATE["finder"] is None:
        finder = _PluginShimFinder()
        sys.meta_path.insert(0, finder)
        _PLUGIN_STATE["finder"] = finder


def _plugins_import(path, kind):
    """Import one plugin file as a module of its own, named as ansible's
    loader names a project's plugin (code may read its `__name__`):
    `ansible.plugins.<kind>.<file>`, where filter and test files also get a
    number from their path (their plugins' names do not come from the
    file, so two files of one name must not shadow each other)."""
    base = os.path.splitext(os.path.basename(path))[0]
    if kind in ("filter", "test"):
        base += "_%d" % abs(hash(path))
    name = "ansible.plugins.%s.%s" % (kind, base)
    spec = _plugins_util.spec_from_file_location(name, path)
    module = _plugins_util.module_from_spec(spec)
    sys.modules[name] = module
    directory = os.path.dirname(path)
    if directory not in sys.path:
        sys.path.append(directory)
    spec.loader.exec_module(module)
    return module


def _plugins_import_collection(args):
    """Import a collection's plugin file as ansible's collection loader
    names it (`ansible_collections.<ns>.<col>.plugins.<kind>.<file>`),
    once. The parent of its `ansible_collections` dir goes on sys.path, so
    the plugin's own `ansible_collections...` imports resolve (a namespace
    package, as collections have no __init__.py)."""
    cache = _PLUGIN_STATE.setdefault("collection_modules", {})
    path = args["path"]
    if path in cache:
        return cache[path]
    parent = os.path.dirname(os.path.abspath(args["root"]))
    if parent not in sys.path:
        sys.path.append(parent)
    name = args["module"]
    try:
        spec = _plugins_util.spec_from_file_location(name, path)
        module = _plugins_util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        cache[path] = module
    except Exception as e:
        sys.modules.pop(name, None)
        cache[path] = e
    return cache[path]


def _plugins_collection_call(args):
    """Call a collection's filter or test by its name in its file."""
    kind = args["kind"]
    fqcn = args.get("fqcn") or args["name"]
    module = _plugins_import_collection(args)
    if isinstance(module, Exception):
        return {"error": "The %s plugin %r failed to load: %s"
                % (kind, fqcn, str(module).strip() or type(module).__name__)}
    holder = "FilterModule" if kind == "filter" else "TestModule"
    method = "filters" if kind == "filter" else "tests"
    try:
        fn = dict(getattr(getattr(module, holder)(), method)())[args["name"]]
    except Exception:
        return {"error": "No %s named %r." % (kind, fqcn)}
    return _plugins_call(kind, fqcn, fn,
                         lambda f: f(*(args.get("args") or []), **(args.get("kwargs") or {})))


def _plugins_load(kind, files):
    """Filters or tests defined by `files` (later files win, as ansible's
    loader lets a later definition replace an earlier one): name -> None,
    or the text of the error that makes the plugin fail to load."""
    registry = _PLUGIN_STATE[kind]
    holder = "FilterModule" if kind == "filter" else "TestModule"
    method = "filters" if kind == "filter" else "tests"
    loaded = {}
    skipped = []
    for path in files:
        try:
            module = _plugins_import(path, kind)
            cls = getattr(module, holder, None)
            if cls is None:
                continue
            plugins = getattr(cls(), method)()
        except Exception as e:
            skipped.append("%s: %s" % (path, e))
            continue
        for name, fn in dict(plugins).items():
            try:
                # What ansible's loader reads when it wraps the plugin.
                getattr(fn, "accept_args_markers", False)
                getattr(fn, "accept_lazy_markers", False)
                if not callable(fn):
                    raise TypeError("%r is not callable" % (fn,))
            except Exception as e:
                registry[name] = e
                loaded[name] = str(e)
                continue
            registry[name] = fn
            loaded[name] = None
    return loaded, skipped


def _plugins_call(kind, name, fn, call, wrap=True):
    """Run call(fn): {"value": result} or {"error": message} (worded as
    ansible words a plugin's failure when `wrap`), plus its warnings."""
    shims = sys.modules.get("ansible.utils.display")
    if shims is not None and hasattr(shims, "WARNINGS"):
        del shims.WARNINGS[:]
    try:
        value = call(fn)
        out = {"value": plain_json(value, iterables=True)}
    except Exception as e:
        message = str(e).strip() or type(e).__name__
        if wrap:
            message = "The %s plugin %r failed: %s" % (kind, name, message)
        out = {"error": message}
    if shims is not None and getattr(shims, "WARNINGS", None):
        out["warnings"] = list(shims.WARNINGS)
    return out


def _plugins_lookup(args):
    name = args["name"]
    registry = _PLUGIN_STATE["lookup"]
    entry = registry.get(name)
    if entry is None:
        try:
            if args.get("module"):
                module = _plugins_import_collection(args)
                if isinstance(module, Exception):
                    raise module
            else:
                module = _plugins_import(args["path"], "lookup")
            entry = getattr(module, "LookupModule")
        except Exception as e:
            entry = e
        registry[name] = entry
    if isinstance(entry, Exception):
        return {"load_error": str(entry).strip() or type(entry).__name__}
    variables = args.get("variables") or {}
    kwargs = args.get("kwargs") or {}

    def run(cls):
        plugin = cls()
        return plugin.run(list(args.get("terms") or []), variables=variables, **kwargs)
    return _plugins_call("lookup", name, entry, run, wrap=False)


@native("mitorun_python_plugin")
def native_mitorun_python_plugin(agent, args, header):
    _plugins_install_shims()
    op = args.get("op")
    if op == "load":
        out = {}
        for kind in ("filter", "test"):
            loaded, skipped = _plugins_load(kind, args.get(kind) or [])
            out[kind] = loaded
            out[kind + "_skipped"] = skipped
        return out
    if op in ("filter", "test"):
        name = args["name"]
        fn = _PLUGIN_STATE[op].get(name)
        if fn is None:
            return {"error": "No %s named %r." % (op, name)}
        if isinstance(fn, Exception):
            return {"error": "The %s plugin %r failed to load: %s" % (op, name, str(fn).strip())}
        return _plugins_call(op, name, fn,
                             lambda f: f(*(args.get("args") or []), **(args.get("kwargs") or {})))
    if op == "lookup":
        return _plugins_lookup(args)
    if op == "collection":
        return _plugins_collection_call(args)
    return {"error": "unknown plugin operation %r" % (op,)}
