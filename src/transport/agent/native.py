# mitorun agent: native implementations of ansible.builtin modules. Each
# takes the module arguments (with ansible's internal _ansible_* keys) and
# returns the result dict the real module would print, including
# `invocation.module_args` with defaults filled in as AnsibleModule does.

import base64
import datetime
import glob
import stat as _stat


class ModuleFail(Exception):
    def __init__(self, **result):
        Exception.__init__(self, result.get("msg", "failed"))
        self.result = result


def warning_summary(w):
    """2.19's serialized form of a module warning."""
    if isinstance(w, dict):
        return w
    return {"event": {"msg": str(w), "__ansible_type": "Event"},
            "__ansible_type": "WarningSummary"}


def deprecation_summary(d):
    """2.19's serialized form of a deprecation a module reports."""
    if d.get("module"):
        # Deprecations a module reports itself name the module.
        deprecator = {"resolved_name": "ansible.builtin.%s" % d["module"],
                      "type": {"value": "module", "__ansible_type": "PluginType"},
                      "__ansible_type": "PluginInfo"}
    else:
        deprecator = {"resolved_name": d.get("collection_name") or "ansible.builtin",
                      "type": None, "__ansible_type": "PluginInfo"}
    out = {"event": {"msg": d["msg"], "__ansible_type": "Event"}, "deprecator": deprecator,
           "__ansible_type": "DeprecationSummary"}
    for k in ("version", "date"):
        if d.get(k) is not None:
            out[k] = d[k]
    return out


def exception_event(e, depth=0):
    """2.19's Event for an exception, with its cause (or the exception it
    was raised while handling) chained."""
    if depth > 10:
        return {"msg": "Maximum depth exceeded, omitting further events.",
                "__ansible_type": "Event"}
    event = {"msg": str(e).strip(), "__ansible_type": "Event"}
    if e.__cause__ is not None:
        event["chain"] = {"msg_reason": "<<< caused by >>>",
                          "traceback_reason": "The above exception was the direct cause of the "
                                              "following exception:",
                          "event": exception_event(e.__cause__, depth + 1), "follow": True,
                          "__ansible_type": "EventChain"}
    elif e.__context__ is not None and not e.__suppress_context__:
        event["chain"] = {"msg_reason": "<<< while handling >>>",
                          "traceback_reason": "During handling of the above exception, another "
                                              "exception occurred:",
                          "event": exception_event(e.__context__, depth + 1), "follow": False,
                          "__ansible_type": "EventChain"}
    return event


def module_params(args):
    """The module's parameters: its arguments without the internal
    `_ansible_*` ones AnsibleModule consumes."""
    internal = set("_ansible_" + k for k in INTERNAL_ARGS)
    return dict((k, v) for k, v in args.items() if k not in internal)


def validation_failure(module, v, ignore_unknown):
    """The message AnsibleModule fails with, or None."""
    if not v.errors:
        return None
    kind, msg = v.errors[0]
    if kind == UNSUPPORTED:
        if ignore_unknown:
            return None
        return "Unsupported parameters for (%s) module: %s" % (module, msg)
    return msg


def run_module_body(module, spec, args, header, body, supports_check_mode=True):
    """AnsibleModule's life cycle for a native module: validate (spec is an
    ArgSpec), skip in check mode when unsupported, run body(params, mod),
    then what exit_json/fail_json add (path info, warnings, deprecations,
    invocation) with no_log values masked everywhere."""
    v = validate_arguments(spec, module_params(args))
    params = v.params
    mod = Mod(args, header)
    for w in v.warnings:
        mod.warn(w)
    failure = validation_failure(module, v, boolean_flag(args.get("_ansible_ignore_unknown_opts")))
    try:
        if failure is not None:
            result = {"failed": True, "msg": failure}
        elif mod.check_mode and not supports_check_mode:
            result = {"skipped": True,
                      "msg": "remote module (%s) does not support check mode" % module}
        else:
            if not boolean_flag(args.get("_ansible_no_log")):
                for w in password_warnings(spec, params, v.aliases):
                    mod.warn(w)
            try:
                result = body(params, mod)
            except ModuleFail as e:
                result = dict(e.result)
                result["failed"] = True
            except Exception as e:
                # What ansible's module runner prints for an exception the
                # module did not handle: nothing else (no invocation).
                return {"failed": True,
                        "exception": {"event": exception_event(e),
                                      "__ansible_type": "ErrorSummary"}}
    finally:
        mod.cleanup()
    add_path_info(result)
    warnings = []
    for w in list(result.pop("warnings", None) or []) + mod.warnings:
        if w not in warnings:
            warnings.append(w)
    if warnings:
        result["warnings"] = [warning_summary(w) for w in warnings]
    deprecations = list(v.deprecations) + [dict(d, module=module) for d in mod.deprecations]
    if deprecations:
        result["deprecations"] = [deprecation_summary(d) for d in deprecations]
    result.setdefault("invocation", {"module_args": params})
    if v.no_log_values:
        result = mask_secrets(result, v.no_log_values)
    return result


def boolean_flag(value):
    try:
        return boolean(value) if value is not None else False
    except TypeError:
        return False


def run_native(module, spec, args, body):
    """run_module_body for a body that needs only the parameters."""
    return run_module_body(module, spec, args, {}, lambda p, m: body(p))


PING_SPEC = ArgSpec({"data": {"type": "str", "default": "pong"}})


@native("ping")
def native_ping(agent, args, header):
    if args.get("data") == "crash":
        # What ansible's module loader prints for an exception the module
        # does not catch: no msg, no invocation, only the error summary.
        return {"failed": True,
                "exception": {"event": {"msg": "boom", "__ansible_type": "Event"},
                              "__ansible_type": "ErrorSummary"}}
    return run_native("ping", PING_SPEC, args, lambda p: {"ping": p["data"]})


@native("validate_argument_spec")
def native_validate_argument_spec(agent, args, header):
    """The check ansible's validate_argument_spec action makes on the
    controller (ArgumentSpecValidator.validate): the errors of validating
    `provided_arguments` against `argument_spec`, in ansible's order. The
    executor builds the action's result around them; no module life cycle
    (invocation, no_log masking) applies to an action."""
    spec = args.get("argument_spec") or {}
    provided = args.get("provided_arguments") or {}
    v = validate_arguments(ArgSpec(spec), provided)
    return {"argument_errors": v.error_messages}


COMMAND_SPEC = ArgSpec(
    {
        "_raw_params": {},
        "_uses_shell": {"type": "bool", "default": False},
        "cmd": {},
        "argv": {"type": "list", "elements": "str"},
        "chdir": {"type": "path"},
        "executable": {},
        "expand_argument_vars": {"type": "bool", "default": True},
        "creates": {"type": "path"},
        "removes": {"type": "path"},
        "stdin": {"required": False},
        "stdin_add_newline": {"type": "bool", "default": True},
        "strip_empty_ends": {"type": "bool", "default": True},
    },
    required_one_of=[["_raw_params", "cmd", "argv"]],
    mutually_exclusive=[["_raw_params", "cmd", "argv"]],
)


def plain_json(value, iterables=False, depth=0):
    """A Python plugin's value as JSON data: mappings are dicts (keys as
    text), lists, tuples and sets are lists, bytes are text; with
    `iterables` any other iterable is a list too (ansible's finalization
    of a filter's result); anything else is its text."""
    if depth > 200:
        raise ValueError("maximum nesting depth exceeded")
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "surrogateescape")
    if isinstance(value, dict) or hasattr(value, "items"):
        return dict((k if isinstance(k, str) else str(k), plain_json(v, iterables, depth + 1))
                    for k, v in value.items())
    if isinstance(value, (list, tuple, set, frozenset)) or (
            iterables and hasattr(value, "__iter__")):
        return [plain_json(v, iterables, depth + 1) for v in value]
    return str(value)


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


_VAR_REFERENCE = re.compile(r"\$(\w+|\{[^}]*\})", re.ASCII)


def expand_vars(text, env):
    """os.path.expandvars against the module's environment (the task's
    `environment` included), which a module run by ansible has as its own;
    unknown names stay as written."""
    names = os.environ if env is None else env

    def replace(match):
        name = match.group(1)
        if name.startswith("{"):
            name = name[1:-1]
        return names.get(name, match.group(0))

    return _VAR_REFERENCE.sub(replace, text)


def command_oserror_text(e):
    """The text of an OSError from starting a command, as run_command's
    (ansible runs commands with bytes argv, so a path in it is bytes)."""
    cause = str(e)
    if e.filename:
        cause = cause.replace(repr(e.filename), repr(str(e.filename).encode()))
    return cause


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
            argv = [os.path.expanduser(expand_vars(a, env)) for a in argv]
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
        raise ModuleFail(rc=e.errno, stdout="", stderr="", msg="Error executing command.",
                         exception=error_summary("Error executing command.",
                                                 command_oserror_text(e)),
                         cmd=clean)
    out, err = read_until_exit(proc, data.encode("utf-8") if data else None)
    return (proc.returncode, out.decode("utf-8", "surrogateescape"),
            err.decode("utf-8", "surrogateescape"))


def read_until_exit(proc, data):
    """The process's output, as AnsibleModule.run_command collects it: stop
    once the process has exited and its pipes gave nothing for a second,
    even if a backgrounded child still holds them open."""
    import selectors
    if data:
        try:
            proc.stdin.write(data)
        except BrokenPipeError:
            pass
    if proc.stdin:
        proc.stdin.close()
    chunks = {proc.stdout: [], proc.stderr: []}
    selector = selectors.DefaultSelector()
    for stream in chunks:
        selector.register(stream, selectors.EVENT_READ)
    while True:
        events = selector.select(1)
        for key, _ in events:
            block = os.read(key.fileobj.fileno(), 32768)
            if block:
                chunks[key.fileobj].append(block)
            else:
                selector.unregister(key.fileobj)
        if (not events or not selector.get_map()) and proc.poll() is not None:
            break
        if not selector.get_map():
            # Both pipes are closed: wait for the exit here, as ansible
            # does, instead of a select over nothing (a second's sleep).
            proc.wait()
            break
    selector.close()
    proc.wait()
    for stream in chunks:
        stream.close()
    return b"".join(chunks[proc.stdout]), b"".join(chunks[proc.stderr])


SLURP_SPEC = ArgSpec({"src": {"type": "path", "required": True, "aliases": ["path"]}})


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
