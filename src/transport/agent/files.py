# mitorun agent: file transfer. Data travels as raw DATA frames with a
# window of WINDOW unacknowledged chunks in each direction; a destination
# is written to a hidden temp file beside it, fsync'd and renamed over.

STREAM_TIMEOUT = 300


def atomic_target(path):
    d = os.path.dirname(path) or "."
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".mitorun", dir=d)
    return fd, tmp


def final_mode(path, mode):
    if mode is not None:
        return int(mode)
    try:
        return _stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def commit(fd, tmp, path, mode):
    os.fchmod(fd, final_mode(path, mode))
    os.fsync(fd)
    os.close(fd)
    os.rename(tmp, path)
    try:
        dfd = os.open(os.path.dirname(path) or ".", os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass


@call("put_file")
def call_put_file(agent, src, req, header, payload):
    path = os.path.expanduser(str(header["path"]))
    mode = header.get("mode")
    digest = hashlib.sha1()
    size = 0
    try:
        fd, tmp = atomic_target(path)
    except OSError as e:
        raise CallFailed("could not write %s: %s" % (path, e))
    ok = False
    try:
        if header.get("inline"):
            write_all(fd, payload)
            digest.update(payload)
            size = len(payload)
        else:
            q = agent.streams.get(req)
            if q is None:
                raise CallFailed("stream not open")
            while True:
                try:
                    kind, h, data = q.get(timeout=STREAM_TIMEOUT)
                except queue.Empty:
                    raise CallFailed("timeout waiting for file data")
                if kind != DATA:
                    continue
                if h.get("abort"):
                    raise CallFailed("transfer aborted by the controller")
                if data:
                    write_all(fd, data)
                    digest.update(data)
                    size += len(data)
                    agent.send_to(src, req, ACK, {"n": 1})
                if h.get("eof"):
                    break
        commit(fd, tmp, path, mode)
        fd = None
        ok = True
    except OSError as e:
        raise CallFailed("could not write %s: %s" % (path, e))
    finally:
        agent.close_stream(req)
        if fd is not None:
            try:
                os.close(fd)
            except OSError:
                pass
        if not ok:
            try:
                os.unlink(tmp)
            except OSError:
                pass
    return {"sha1": digest.hexdigest(), "size": size}, b""


@call("fetch_file")
def call_fetch_file(agent, src, req, header, payload):
    path = os.path.expanduser(str(header["path"]))
    q = agent.streams.get(req)
    try:
        f = open(path, "rb")
    except OSError as e:
        agent.close_stream(req)
        raise CallFailed("could not read %s: %s" % (path, e))
    digest = hashlib.sha1()
    size = 0
    credit = WINDOW
    try:
        with f:
            while True:
                while credit <= 0:
                    try:
                        kind, h, _ = q.get(timeout=STREAM_TIMEOUT)
                    except queue.Empty:
                        raise CallFailed("timeout waiting for the controller")
                    if kind == ACK:
                        credit += int(h.get("n", 1))
                    if h.get("abort"):
                        raise CallFailed("transfer aborted by the controller")
                data = f.read(CHUNK)
                if not data:
                    break
                digest.update(data)
                size += len(data)
                agent.send_to(src, req, DATA, {}, data)
                credit -= 1
    finally:
        agent.close_stream(req)
    return {"sha1": digest.hexdigest(), "size": size}, b""


STREAM_CALLS = set(["put_file", "fetch_file"])


def inside_private_tmp(agent, path):
    base = os.path.realpath(agent.tmpdir or "")
    real = os.path.realpath(path)
    return bool(agent.tmpdir) and real != base and real.startswith(base + os.sep)


@call("task_tmp")
def call_task_tmp(agent, src, req, header, payload):
    """A fresh directory in the private temp dir for one task's files (what
    ansible's per-task `ansible-tmp-*` dir is for)."""
    if not agent.tmpdir:
        raise CallFailed("this interpreter has no private temp dir")
    # A name chosen by the controller lets it send the uploads and the
    # module call along with this call (the private dir is this user's
    # alone, so a fixed name is as safe there as a random one).
    name = header.get("name")
    try:
        if name is None:
            path = tempfile.mkdtemp(prefix="ansible-tmp-", dir=agent.tmpdir)
        else:
            name = str(name)
            if not name.startswith("ansible-tmp-") or "/" in name or name in (".", ".."):
                raise CallFailed("not a task temp dir name: %r" % name)
            path = os.path.join(agent.tmpdir, name)
            os.mkdir(path, 0o700)
    except OSError as e:
        raise CallFailed("could not create a task temp dir in %s: %s" % (agent.tmpdir, e))
    return {"path": path}, b""


@call("remove_task_tmp")
def call_remove_task_tmp(agent, src, req, header, payload):
    path = str(header.get("path") or "")
    if not inside_private_tmp(agent, path):
        raise CallFailed("refusing to remove %r: not inside the private temp dir" % path)
    _shutil.rmtree(path, ignore_errors=True)
    return {}, b""


@call("expand_user")
def call_expand_user(agent, src, req, header, payload):
    """`~` or `~user` at the start of a path, as this interpreter's user
    sees it."""
    return {"path": os.path.expanduser(str(header.get("path") or ""))}, b""
