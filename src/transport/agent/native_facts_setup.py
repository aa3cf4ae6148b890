# mitorun agent: local facts (fact_path), the facter/ohai subset names and
# the `setup` module itself.


def facts_local_run(ctx, path):
    """Run an executable .fact file as run_command would (its path split
    like a command line); a failure to start it fails the module, as in
    ansible."""
    argv = [os.path.expanduser(os.path.expandvars(a)) for a in shlex.split(path)]
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, close_fds=True, env=facts_command_env())
    except OSError as e:
        cause = str(e)
        if e.filename is not None:
            # ansible runs commands with bytes argv, so the path is bytes.
            cause = cause.replace(repr(e.filename), repr(os.fsencode(str(e.filename))))
        raise ModuleFail(rc=e.errno, stdout="", stderr="", msg="Error executing command.",
                         exception=error_summary("Error executing command.", cause),
                         cmd=" ".join(shlex.quote(a) for a in argv))
    out, err = proc.communicate()
    return proc.returncode, out, err


def facts_local_parse(ctx, path, text):
    """A fact file's text as JSON, else as INI; a message when neither."""
    try:
        return json.loads(text)
    except ValueError:
        pass
    cp = configparser.ConfigParser()
    try:
        cp.read_file(io.StringIO(text))
    except configparser.Error:
        msg = "error loading facts as JSON or ini - please check content: %s" % path
        ctx.warn(msg)
        return msg
    fact = {}
    for section in cp.sections():
        values = fact.setdefault(section, {})
        for option in cp.options(section):
            try:
                values[option] = cp.get(section, option)
            except configparser.Error as e:
                msg = "error loading facts as ini - please check content: %s (%s)" % (path, e)
                ctx.warn(msg)
                return msg
    return fact


@fact_collector("local")
def facts_local(ctx):
    fact_path = ctx.params.get("fact_path")
    if not fact_path or not os.path.exists(fact_path):
        return {"local": {}}
    local = {}
    for path in sorted(glob.glob(fact_path + "/*.fact")):
        base = os.path.basename(path).replace(".fact", "")
        try:
            executable = os.stat(path).st_mode & _stat.S_IXUSR
        except OSError as e:
            local[base] = "Could not stat fact (%s): %s" % (path, e)
            ctx.warn(local[base])
            continue
        if executable:
            rc, out, err = facts_local_run(ctx, path)
            if rc != 0:
                local[base] = "Failure executing fact script (%s), rc: %s, err: %s" % (
                    path, rc, err.decode("utf-8", "surrogateescape"))
                ctx.warn(local[base])
                continue
            try:
                text = out.decode("utf-8")
            except UnicodeError:
                local[base] = 'error loading fact - output of running "%s" was not utf-8' % path
                ctx.warn(local[base])
                continue
        else:
            text = facts_read(path, default="")
        local[base] = facts_local_parse(ctx, path, text)
    return {"local": local}


# ansible runs these only when the facter / ohai programs exist and puts
# their output under facter_* / ohai_*; the native module accepts the
# names and gathers nothing for them.
@fact_collector("facter", ids=("facter",))
def facts_facter(ctx):
    return {}


@fact_collector("ohai")
def facts_ohai(ctx):
    return {}


@native("setup")
def native_setup(agent, args, header):
    try:
        params = facts_params(args)
    except ModuleFail as e:
        r = dict(e.result)
        r["failed"] = True
        return r
    # Facts see the process as a module would: the task's environment
    # and working directory (restored afterwards, one module at a time).
    with agent.module_lock:
        box = ModuleSandbox(header.get("env"), sys.argv[0] if sys.argv else "setup")
        try:
            try:
                os.chdir(header.get("cwd") or agent.cwd)
            except OSError:
                pass
            facts, warnings = facts_gather(params)
            result = {"ansible_facts": facts}
            if warnings:
                result["warnings"] = [warning_summary(w) for w in warnings]
        except ModuleFail as e:
            result = dict(e.result)
            result["failed"] = True
        finally:
            box.restore()
    result["invocation"] = {"module_args": params}
    if args.get("_ansible_no_log"):
        result["invocation"] = {"module_args": "NOT_LOGGING_PARAMETER_VALUES"}
    return result
