# mitorun agent: native implementations of ansible.builtin modules. Each
# takes the module arguments (with ansible's internal _ansible_* keys) and
# returns the result dict the real module would print, including
# `invocation.module_args` with defaults filled in as AnsibleModule does.

import base64
import datetime
import glob
import stat as _stat

BOOL_TRUE = ("y", "yes", "on", "1", "true", "t", "1.0")
BOOL_FALSE = ("n", "no", "off", "0", "false", "f", "0.0")
# Built exactly as ansible's convert_bool builds them: in one process both
# iterate in the same order, so the error message lists them alike.
BOOLEANS_TRUE = frozenset(("y", "yes", "on", "1", "true", "t", 1, 1.0, True))
BOOLEANS_FALSE = frozenset(("n", "no", "off", "0", "false", "f", 0, 0.0, False))
BOOLEANS = BOOLEANS_TRUE.union(BOOLEANS_FALSE)


class ModuleFail(Exception):
    def __init__(self, **result):
        Exception.__init__(self, result.get("msg", "failed"))
        self.result = result


def to_bool(v, name):
    if isinstance(v, bool):
        return v
    s = str(v).lower()
    if s in BOOL_TRUE:
        return True
    if s in BOOL_FALSE:
        return False
    raise ModuleFail(msg="argument '%s' is of type %s and we were unable to convert to bool: "
                     "The value '%s' is not a valid boolean. Valid booleans include: %s"
                     % (name, type(v).__name__, v, ", ".join(repr(i) for i in BOOLEANS)))


def to_path(v):
    return os.path.expanduser(os.path.expandvars(str(v)))


def validate(module, spec, args):
    """AnsibleModule's parameter handling for the types native modules use.
    spec: name -> (type, default, aliases[, {"choices": [...],
    "required": True}]). Raises ModuleFail with the first error, as
    AnsibleModule reports it, carrying the parameters as far as they were
    validated (they become `invocation.module_args`)."""
    params = {}
    known = {}
    errors = []
    spec = dict((k, tuple(v) + ({},) * (4 - len(v))) for k, v in spec.items())
    for name, (_, _, aliases, _) in spec.items():
        known[name] = name
        for a in aliases:
            known[a] = name
    unknown = sorted(k for k in args if not k.startswith("_ansible_") and k not in known)
    if unknown:
        supported = ", ".join(sorted(spec))
        aliases = sorted(a for (_, _, al, _) in spec.values() for a in al)
        if aliases:
            supported += " (%s)" % ", ".join(aliases)
        errors.append("Unsupported parameters for (%s) module: %s. Supported parameters "
                      "include: %s." % (module, ", ".join(unknown), supported))
        for k in unknown:
            params[k] = args[k]
    missing = sorted(name for name, (_, _, aliases, opts) in spec.items()
                     if opts.get("required")
                     and all(args.get(k) is None for k in [name] + list(aliases)))
    if missing:
        errors.append("missing required arguments: %s" % ", ".join(missing))
    for name, (kind, default, aliases, opts) in spec.items():
        value = None
        for key in [name] + list(aliases):
            if key in args and args[key] is not None:
                value = args[key]
                break
        if value is None:
            value = default
        if value is not None:
            try:
                if kind == "bool":
                    value = to_bool(value, name)
                elif kind == "path":
                    value = to_path(value)
                elif kind == "str" and not isinstance(value, str):
                    value = str(value)
                elif kind == "list" and not isinstance(value, list):
                    value = [x.strip() for x in str(value).split(",")]
                elif kind == "int":
                    value = int(value)
                choices = opts.get("choices")
                if choices is not None and value not in choices:
                    errors.append("value of %s must be one of: %s, got: %s"
                                  % (name, ", ".join(choices), value))
            except ModuleFail as e:
                errors.append(e.result.get("msg"))
            except (TypeError, ValueError) as e:
                errors.append("argument '%s' is of type %s and we were unable to convert to %s: %s"
                              % (name, type(value).__name__, kind, e))
        params[name] = value
        # AnsibleModule keeps an alias the caller used beside the name.
        for a in aliases:
            if a in args:
                params[a] = value
    if errors:
        raise ModuleFail(msg=errors[0], invocation={"module_args": params})
    return params


def warning_summary(w):
    """2.19's serialized form of a module warning."""
    if isinstance(w, dict):
        return w
    return {"event": {"msg": str(w), "__ansible_type": "Event"},
            "__ansible_type": "WarningSummary"}


def run_native(module, spec, args, body):
    try:
        params = validate(module, spec, args)
    except ModuleFail as e:
        r = dict(e.result)
        r["failed"] = True
        return r
    try:
        result = body(params)
    except ModuleFail as e:
        result = dict(e.result)
        result["failed"] = True
    if result.get("warnings"):
        result["warnings"] = [warning_summary(w) for w in result["warnings"]]
    result.setdefault("invocation", {"module_args": params})
    if args.get("_ansible_no_log"):
        result["invocation"] = {"module_args": "NOT_LOGGING_PARAMETER_VALUES"}
    return result


def run_module_body(module, spec, args, header, body, supports_check_mode=True):
    """AnsibleModule's life cycle for a native module: validate, skip in
    check mode when unsupported, run body(params, mod), then what
    exit_json/fail_json add (path info, warnings, invocation)."""
    try:
        params = validate(module, spec, args)
    except ModuleFail as e:
        r = dict(e.result)
        r["failed"] = True
        return r
    mod = Mod(args, header)
    if mod.check_mode and not supports_check_mode:
        result = {"skipped": True,
                  "msg": "remote module (%s) does not support check mode" % module}
    else:
        try:
            result = body(params, mod)
        except ModuleFail as e:
            result = dict(e.result)
            result["failed"] = True
    add_path_info(result)
    warnings = list(result.get("warnings") or []) + mod.warnings
    if warnings:
        result["warnings"] = [warning_summary(w) for w in warnings]
    result.setdefault("invocation", {"module_args": params})
    if args.get("_ansible_no_log"):
        result["invocation"] = {"module_args": "NOT_LOGGING_PARAMETER_VALUES"}
    return result


PING_SPEC = {"data": ("str", "pong", ())}


@native("ping")
def native_ping(agent, args, header):
    def body(p):
        if p["data"] == "crash":
            raise ModuleFail(msg="boom", exception="Exception: boom")
        return {"ping": p["data"]}
    return run_native("ping", PING_SPEC, args, body)


COMMAND_SPEC = {
    "_raw_params": ("str", None, ()),
    "_uses_shell": ("bool", False, ()),
    "cmd": ("str", None, ()),
    "argv": ("list", None, ()),
    "chdir": ("path", None, ()),
    "executable": ("str", None, ()),
    "expand_argument_vars": ("bool", True, ()),
    "creates": ("path", None, ()),
    "removes": ("path", None, ()),
    "stdin": ("str", None, ()),
    "stdin_add_newline": ("bool", True, ()),
    "strip_empty_ends": ("bool", True, ()),
}


def module_env(header):
    env = dict(os.environ)
    for k, v in (header.get("env") or {}).items():
        if v is None:
            env.pop(str(k), None)
        else:
            env[str(k)] = str(v)
    return env


@native("command")
def native_command(agent, args, header):
    check_mode = bool(args.get("_ansible_check_mode"))
    shell_exe = args.get("_ansible_shell_executable")

    def body(p):
        given = [k for k in ("_raw_params", "cmd", "argv") if p[k]]
        if not given:
            raise ModuleFail(msg="one of the following is required: _raw_params, cmd, argv")
        if len(given) > 1:
            raise ModuleFail(msg="parameters are mutually exclusive: _raw_params|cmd|argv")
        shell = p["_uses_shell"]
        executable = p["executable"]
        r = {"changed": False, "stdout": "", "stderr": "", "rc": None, "cmd": None,
             "start": None, "end": None, "delta": None, "msg": ""}
        warnings = []
        if not shell and executable:
            warnings.append("As of Ansible 2.4, the parameter 'executable' is no longer supported "
                            "with the 'command' module. Not using '%s'." % executable)
            executable = None
        cmd = p["_raw_params"] or p["cmd"]
        if not shell and cmd:
            cmd = shlex.split(cmd)
        cmd = cmd or p["argv"]
        if isinstance(cmd, list):
            cmd = [str(a) for a in cmd]
        r["cmd"] = cmd
        cwd = None
        if p["chdir"]:
            cwd = p["chdir"]
            if not os.path.isdir(cwd):
                r["msg"] = "Unable to change directory before execution."
                raise ModuleFail(**r)
        would = "Would" if check_mode else "Did"
        if p["creates"] and glob.glob(p["creates"]):
            r["msg"] = "%s not run command since '%s' exists" % (would, p["creates"])
            r["stdout"] = "skipped, since %s exists" % p["creates"]
            r["rc"] = 0
        if not r["msg"] and p["removes"] and not glob.glob(p["removes"]):
            r["msg"] = "%s not run command since '%s' does not exist" % (would, p["removes"])
            r["stdout"] = "skipped, since %s does not exist" % p["removes"]
            r["rc"] = 0
        if r["msg"]:
            if warnings:
                r["warnings"] = warnings
            return r
        r["changed"] = True
        if not check_mode:
            start = datetime.datetime.now()
            r["rc"], r["stdout"], r["stderr"] = run_command(
                cmd, shell, executable, shell_exe, p["stdin"], p["stdin_add_newline"],
                p["expand_argument_vars"], cwd, module_env(header))
            end = datetime.datetime.now()
            r["start"], r["end"], r["delta"] = str(start), str(end), str(end - start)
        else:
            r["rc"] = 0
            r["msg"] = "Command would have run if not in check mode"
            if p["creates"] is None and p["removes"] is None:
                r["skipped"] = True
                r["changed"] = False
        if p["strip_empty_ends"]:
            r["stdout"] = r["stdout"].rstrip("\r\n")
            r["stderr"] = r["stderr"].rstrip("\r\n")
        if warnings:
            r["warnings"] = warnings
        if r["rc"] != 0:
            r["msg"] = "non-zero return code"
            raise ModuleFail(**r)
        return r
    return run_native("command", COMMAND_SPEC, args, body)


def error_summary(msg, cause):
    """2.19's serialized ErrorSummary for an error with one cause (what
    fail_json(exception=...) prints when tracebacks are off)."""
    return {
        "event": {
            "msg": msg,
            "chain": {
                "msg_reason": "<<< caused by >>>",
                "traceback_reason": "The above exception was the direct cause of the following error:",
                "event": {"msg": cause, "__ansible_type": "Event"},
                "follow": True,
                "__ansible_type": "EventChain",
            },
            "__ansible_type": "Event",
        },
        "__ansible_type": "ErrorSummary",
    }


def run_command(cmd, shell, executable, shell_exe, stdin, add_newline, expand, cwd, env):
    use_shell = False
    if shell:
        if isinstance(cmd, list):
            cmd = " ".join(shlex.quote(c) for c in cmd)
        if executable:
            argv = [executable, "-c", cmd]
        elif shell_exe not in (None, "/bin/sh"):
            argv = [shell_exe, "-c", cmd]
        else:
            argv = cmd
            use_shell = True
    else:
        argv = cmd
        if expand:
            argv = [os.path.expanduser(os.path.expandvars(a)) for a in argv]
    data = None
    if stdin:
        data = stdin + ("\n" if add_newline else "")
    try:
        proc = subprocess.Popen(argv, shell=use_shell, stdin=subprocess.PIPE if data else None,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, close_fds=True,
                                cwd=cwd, env=env)
    except OSError as e:
        if isinstance(argv, list):
            clean = " ".join(shlex.quote(a) for a in argv)
        else:
            clean = argv
        cause = str(e)
        if e.filename:
            # ansible runs commands with bytes argv, so the path is bytes.
            cause = cause.replace(repr(e.filename), repr(str(e.filename).encode()))
        raise ModuleFail(rc=e.errno, stdout="", stderr="", msg="Error executing command.",
                         exception=error_summary("Error executing command.", cause), cmd=clean)
    out, err = proc.communicate(data.encode("utf-8") if data else None)
    return (proc.returncode, out.decode("utf-8", "surrogateescape"),
            err.decode("utf-8", "surrogateescape"))


SLURP_SPEC = {"src": ("path", None, ("path",))}


@native("slurp")
def native_slurp(agent, args, header):
    def body(p):
        if p["src"] is None:
            raise ModuleFail(msg="missing required arguments: src")
        src = p["src"]
        try:
            with open(src, "rb") as f:
                data = base64.b64encode(f.read()).decode("ascii")
        except OSError as e:
            if e.errno == errno.ENOENT:
                msg = "File not found: %s" % src
            elif e.errno == errno.EACCES:
                msg = "File is not readable: %s" % src
            elif e.errno == errno.EISDIR:
                msg = "Source is a directory and must be a file: %s" % src
            else:
                msg = "Unable to slurp file: {source}"
            # As slurp's fail_json(msg, exception=ex): the OSError is the cause.
            raise ModuleFail(msg=msg, exception=error_summary(msg, str(e)))
        return {"content": data, "source": src, "encoding": "base64"}
    return run_native("slurp", SLURP_SPEC, args, body)


@call("exec_command")
def call_exec_command(agent, src, req, header, payload):
    """Run a command line through /bin/sh (ansible's exec_command / raw)."""
    cmd = header.get("cmd")
    if isinstance(cmd, list):
        argv = [str(a) for a in cmd]
    else:
        argv = [header.get("executable") or "/bin/sh", "-c", str(cmd)]
    env = module_env(header)
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, close_fds=True, env=env,
                                cwd=header.get("cwd") or agent.cwd)
    except OSError as e:
        raise CallFailed("could not run %s: %s" % (argv[0], e))
    out, err = proc.communicate(payload or None)
    return {"rc": proc.returncode, "stderr_len": len(err)}, out + err
