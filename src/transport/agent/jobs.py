# mitorun agent: background jobs (the `async` task keyword), their status
# (the native async_status module) and calls the controller may cancel
# (the `timeout` task keyword).
#
# A job is a forked child of the agent that leaves the agent's session, so
# it outlives the agent, the connection and the controller, as ansible's
# async_wrapper jobs do. Nothing is written to start it: the module code is
# already in this process. Its status lives in ASYNC_DIR/<jid> in
# async_wrapper's format (first {"started", "finished", "ansible_job_id"},
# then the module's result), so ansible-core's async_status reads it too.

import random

# How long the agent waits for a new job to report its id.
JOB_START_TIMEOUT = 30
JOB_ID_RANGE = 999999999999
_JOB_RANDOM = random.SystemRandom()

# Forked calls the controller may kill, by the key it gave them.
_CANCEL_LOCK = threading.Lock()
_CANCELLABLE = {}
_CANCELLED = set()


def watch_cancellable(key, pid):
    """Remember the process group of a forked call; kill it at once when
    its cancel came first."""
    with _CANCEL_LOCK:
        early = key in _CANCELLED
        _CANCELLED.discard(key)
        if not early:
            _CANCELLABLE[key] = pid
    if early:
        kill_group(pid)


def forget_cancellable(key):
    with _CANCEL_LOCK:
        _CANCELLABLE.pop(key, None)


def kill_group(pid):
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


@call("cancel")
def call_cancel(agent, src, req, header, payload):
    key = str(header.get("key") or "")
    with _CANCEL_LOCK:
        pid = _CANCELLABLE.pop(key, None)
        if pid is None and key:
            _CANCELLED.add(key)
    if pid is not None:
        kill_group(pid)
    return {"killed": pid is not None}, b""


def job_write(path, info):
    """Replace the status file in one step (readers never see half)."""
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(json.dumps(info))
    os.rename(tmp, path)


def split_module_json(text):
    """The JSON object in a module's output and warnings about trailing
    noise, by async_wrapper's rules: lines before the first line starting
    with '{' are dropped, lines after the last one ending with '}' are
    dropped with a warning. Raises ValueError without such lines."""
    lines = text.splitlines()
    start = None
    for i, line in enumerate(lines):
        if line.strip().startswith("{"):
            start = i
            break
    if start is None:
        raise ValueError("No start of json char found")
    lines = lines[start:]
    end = None
    for i in range(len(lines) - 1, -1, -1):
        if lines[i].strip().endswith("}"):
            end = i
            break
    if end is None:
        raise ValueError("No end of json char found")
    warnings = []
    if end < len(lines) - 1:
        warnings.append("Module invocation had junk after the JSON data: %s"
                        % "\n".join(lines[end + 1:]))
    return "\n".join(lines[:end + 1]), warnings


def close_inherited_fds(keep):
    """Close every fd above stderr but `keep`: the job must not hold the
    agent's stream (or a connection would never see EOF)."""
    try:
        fds = [int(n) for n in os.listdir("/proc/self/fd")]
    except (OSError, ValueError):
        fds = range(3, 65536)
    for fd in fds:
        if fd > 2 and fd != keep:
            try:
                os.close(fd)
            except OSError:
                pass


def detach_stdio():
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    if null > 2:
        os.close(null)


def run_job_module(agent, header, runner, jid, job_path, call_tmp):
    """The job's module run (in the job's runner process): its result, or
    what went wrong, goes to the status file."""
    name = header.get("native") or header.get("fqn") or header.get("short") or "module"
    text, err = "", ""
    try:
        rc, out, err_bytes = runner(agent, header, call_tmp)
        text = out.decode("utf-8", "surrogateescape")
        err = err_bytes.decode("utf-8", "surrogateescape")
        body, junk = split_module_json(text)
        result = json.loads(body)
        if junk and isinstance(result, dict):
            warnings = result.get("warnings", [])
            if not isinstance(warnings, list):
                warnings = [warnings]
            warnings.extend(junk)
            result["warnings"] = warnings
        if err and isinstance(result, dict):
            result["stderr"] = err
        job_write(job_path, result)
    except Exception:
        job_write(job_path, {"failed": True, "cmd": name, "data": text, "stderr": err,
                             "msg": traceback.format_exc(), "ansible_job_id": jid})


def supervise_job(agent, header, runner, jobdir, limit, notify_fd):
    """The job's first process, in its own session: writes the first
    status, starts the module in a child process group, tells the agent
    the job id, then kills the group if it outlives `limit` seconds."""
    detach_stdio()
    close_inherited_fds(notify_fd)
    os.umask(0o022)
    LOG_TO["agent"] = None
    agent.code.lock = threading.Lock()
    if IMPORTER is not None:
        IMPORTER.lock = threading.Lock()
    jid = "j%d.%d" % (_JOB_RANDOM.randrange(JOB_ID_RANGE), os.getpid())
    job_path = os.path.join(jobdir, jid)
    try:
        job_write(job_path, {"started": True, "finished": False, "ansible_job_id": jid})
        base = os.path.dirname(agent.tmpdir) if agent.tmpdir else tempfile.gettempdir()
        call_tmp = tempfile.mkdtemp(prefix="ansible-tmp-", dir=base)
    except Exception as e:
        write_all(notify_fd, ("!%s\n" % e).encode("utf-8", "replace"))
        os._exit(1)
    args = header.get("args") or {}
    if "_ansible_tmpdir" in args and args["_ansible_tmpdir"] is None:
        args["_ansible_tmpdir"] = call_tmp
    pid = os.fork()
    if pid == 0:
        try:
            os.close(notify_fd)
            os.setpgid(0, 0)
            run_job_module(agent, header, runner, jid, job_path, call_tmp)
        finally:
            os._exit(0)
    try:
        os.setpgid(pid, pid)
    except OSError:
        pass  # the child already did it, or has exited
    write_all(notify_fd, (jid + "\n").encode("ascii"))
    os.close(notify_fd)
    deadline = time.time() + limit
    pause = 0.05
    while os.waitpid(pid, os.WNOHANG) == (0, 0):
        if time.time() >= deadline:
            kill_group(pid)
            try:
                os.waitpid(pid, 0)
            except OSError:
                pass
            # As async_wrapper: the verdict is written a second after the
            # kill, so a poll right at the limit still sees the job running.
            time.sleep(1)
            job_write(job_path, {"msg": "Timeout exceeded", "failed": True, "child_pid": pid})
            break
        time.sleep(min(pause, max(0.0, deadline - time.time())) or 0.01)
        pause = min(pause * 2, 1.0)
    _shutil.rmtree(call_tmp, ignore_errors=True)
    os._exit(0)


def read_job_id(fd):
    """The line the job's supervisor writes (its id, or `!error`)."""
    data = b""
    deadline = time.time() + JOB_START_TIMEOUT
    while not data.endswith(b"\n"):
        left = deadline - time.time()
        if left <= 0:
            raise CallFailed("the async job did not start within %d seconds" % JOB_START_TIMEOUT)
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            continue
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        data += chunk
    line = data.decode("utf-8", "replace").strip()
    if not line:
        raise CallFailed("the async job died before it started")
    if line.startswith("!"):
        raise CallFailed("the async job could not start: %s" % line[1:])
    return line


def start_job(agent, header, runner):
    """Start the call's module as a background job; the reply is what
    async_wrapper prints when its job has started."""
    spec = header.get("async") or {}
    limit = int(spec.get("limit") or 0)
    async_dir = str(spec.get("dir") or "~/.ansible_async")
    env = dict(header.get("env") or {})
    env["ANSIBLE_ASYNC_DIR"] = async_dir
    header["env"] = env
    jobdir = os.path.expanduser(async_dir)
    try:
        os.makedirs(jobdir, exist_ok=True)
    except Exception as e:
        result = {"failed": True, "msg": "could not create directory: %s - %s" % (jobdir, e),
                  "exception": traceback.format_exc()}
        return {"rc": 1, "stderr": ""}, json.dumps(result).encode("utf-8")
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            os.setsid()
            if os.fork() == 0:
                supervise_job(agent, header, runner, jobdir, limit, w)
        finally:
            os._exit(0)
    os.close(w)
    try:
        os.waitpid(pid, 0)
        jid = read_job_id(r)
    finally:
        os.close(r)
    result = {"failed": False, "started": True, "finished": False, "ansible_job_id": jid,
              "results_file": os.path.join(jobdir, jid)}
    return {"rc": 0, "stderr": ""}, json.dumps(result).encode("utf-8")


ASYNC_STATUS_SPEC = ArgSpec({
    "jid": {"type": "str", "required": True},
    "mode": {"type": "str", "default": "status", "choices": ["cleanup", "status"]},
    "_async_dir": {"type": "path", "required": True},
})


@native("async_status")
def native_async_status(agent, args, header):
    """ansible.builtin.async_status (the module; the controller adds the
    action's part): a job's status file, or its removal. A job's own
    result goes back as the file has it, as the real module prints it."""
    v = validate_arguments(ASYNC_STATUS_SPEC, module_params(args))
    p = v.params

    def answer(**result):
        result["invocation"] = {"module_args": p}
        if args.get("_ansible_no_log"):
            result["invocation"] = {"module_args": "NOT_LOGGING_PARAMETER_VALUES"}
        return result

    failure = validation_failure("async_status", v,
                                 boolean_flag(args.get("_ansible_ignore_unknown_opts")))
    if failure is not None:
        return answer(failed=True, msg=failure)
    jid = p["jid"]
    log_path = os.path.join(p["_async_dir"], jid)
    if not os.path.exists(log_path):
        return answer(failed=True, msg="could not find job", ansible_job_id=jid,
                      started=True, finished=True)
    if p["mode"] == "cleanup":
        try:
            os.unlink(log_path)
        except OSError as e:
            return answer(failed=True, msg=str(e), ansible_job_id=jid)
        return answer(ansible_job_id=jid, erased=log_path)
    try:
        with open(log_path) as f:
            data = json.loads(f.read())
    except Exception:
        # Not written yet (or being replaced): the job is running.
        return answer(results_file=log_path, ansible_job_id=jid, started=True, finished=False)
    if not isinstance(data, dict):
        return answer(failed=True, ansible_job_id=jid, results_file=log_path,
                      msg="Could not parse job output: %s" % (data,), started=True,
                      finished=True)
    if "started" not in data:
        data["finished"] = True
        data["ansible_job_id"] = jid
    elif "finished" not in data:
        data["finished"] = False
    return data
