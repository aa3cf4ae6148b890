# mitorun agent: starting child agents (become methods and via hops).
#
# The controller builds the whole command line (it owns the flag rules);
# this side runs it, answers a password prompt at most once, sends the
# agent source when the first stage says it is ready, and waits for the
# child's HELLO frame.

import re
import subprocess
import termios

# Prompts of sudo (we pass our own with -p), su and doas in the common
# locales, as mitogen recognises them.
PASSWORD_RE = re.compile(
    r"(mitorun-password-prompt|\bpassword|\bpasswort|\bcontrase.a|mot de passe|"
    r"\bparola|\bsalasana|\bsenha|\bwachtwoord|\bhas.o|\bjelsz.)[^\n]*:\s*$",
    re.IGNORECASE,
)
FAILURE_RE = re.compile(
    r"(incorrect password|sorry, try again|authentication failure|"
    r"authentication failed|authentication required|authorization required|"
    r"a password is required|is not in the sudoers|not allowed to|"
    r"operation not permitted|permission denied|no password entry)",
    re.IGNORECASE,
)
# After a typed password, how su ("Authentication failure") and doas
# ("Authentication failed": opendoas gives one try, then exits) say it was
# wrong; sudo asks again instead, which the prompt loop catches.
REJECTED_RE = re.compile(r"authentication fail", re.IGNORECASE)
# doas -n when the rule wants a password: opendoas says "Authentication
# required", OpenBSD's doas "Authorization required".
NEEDS_PASSWORD_RE = re.compile(r"(authentication|authorization) required", re.IGNORECASE)


def spawn_child(agent, header):
    argv = [str(a) for a in header["argv"]]
    ctx_id = int(header["id"])
    password = header.get("password")
    timeout = float(header.get("timeout") or 30)
    config = dict(header.get("config") or {})
    config["id"] = ctx_id
    config["parent"] = agent.my_id
    env = None
    if header.get("env"):
        env = dict(os.environ)
        env.update(dict((str(k), str(v)) for k, v in header["env"].items()))

    master = slave = None
    if password is not None:
        master, slave = os.openpty()
        attrs = termios.tcgetattr(slave)
        attrs[3] &= ~termios.ECHO  # do not echo the password back at us
        termios.tcsetattr(slave, termios.TCSANOW, attrs)

        def preexec():
            fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
    else:
        preexec = None

    if header.get("shown"):
        # Which become command runs, as ansible shows its EXEC lines.
        agent_log("context %d: become: %s" % (ctx_id, header["shown"]))
    try:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            close_fds=True,
            pass_fds=(slave,) if slave is not None else (),
            start_new_session=True,
            preexec_fn=preexec,
            env=env,
        )
    except OSError as e:
        for fd in (master, slave):
            if fd is not None:
                os.close(fd)
        raise CallFailed("could not run %s: %s" % (argv[0], e))
    # Our copy of the pty's slave stays open until the child has booted:
    # doas closes every inherited fd above stderr before it opens /dev/tty
    # for its prompt, and while no slave fd is open reading the master
    # fails (EIO), which would look like the terminal going away.
    child = Child(ctx_id, proc, os.dup(proc.stdin.fileno()), os.dup(proc.stdout.fileno()))
    set_cloexec(child.wfd)
    set_cloexec(child.rfd)
    proc.stdin.close()
    proc.stdout.close()
    # The pty master stays open as long as the child lives: closing it
    # would hang up the child's controlling terminal and kill it.
    child.master = master
    try:
        hello = handshake(agent, child, proc, master, password, config, timeout)
    except Exception:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            pass
        reap(child)
        raise
    finally:
        if slave is not None:
            os.close(slave)
    # stderr of a running child goes to ours, so it ends up in the log.
    t = threading.Thread(target=drain, args=(proc.stderr,))
    t.daemon = True
    t.start()
    child.hello = hello
    return child, hello


def drain(stream):
    try:
        while True:
            data = stream.read1(65536) if hasattr(stream, "read1") else stream.read(65536)
            if not data:
                break
            os.write(2, data)
    except (OSError, ValueError):
        pass


def handshake(agent, child, proc, master, password, config, timeout):
    """Drive the child until its first stage is ready, then boot it."""
    deadline = time.time() + timeout
    out_buf = b""
    err_buf = b""
    pty_buf = b""
    sent_password = False
    errfd = proc.stderr.fileno()
    watch = [child.rfd, errfd] + ([master] if master is not None else [])
    while True:
        left = deadline - time.time()
        if left <= 0:
            raise CallFailed("timeout waiting for the child to start: %s"
                             % tail_text(err_buf + pty_buf))
        ready, _, _ = select.select(watch, [], [], left)
        for fd in ready:
            try:
                data = os.read(fd, 4096)
            except OSError:
                data = b""
            if not data:
                watch.remove(fd)
                if fd == child.rfd:
                    proc.wait()
                    err_buf += drain_now(errfd)
                    if master is not None:
                        pty_buf += drain_now(master, 0.2)
                    said = err_buf + pty_buf
                    text = said.decode("utf-8", "replace")
                    if sent_password and REJECTED_RE.search(text):
                        raise CallFailed("incorrect password: %s" % tail_text(said))
                    if password is None and NEEDS_PASSWORD_RE.search(text):
                        raise CallFailed("a password is required: %s" % tail_text(said))
                    raise CallFailed(child_failure(said, out_buf, proc.returncode))
                continue
            if fd == child.rfd:
                out_buf += data
            elif fd == errfd:
                err_buf += data
            else:
                pty_buf += data
        if S1_MARKER in out_buf:
            break
        if out_buf.startswith(b"MITORUN-PY-OLD"):
            raise CallFailed("python too old: %s" % out_buf.decode("utf-8", "replace").strip())
        for buf, where in ((err_buf, "stderr"), (pty_buf, "pty")):
            text = buf.decode("utf-8", "replace")
            last = text.rsplit("\n", 1)[-1] if text else ""
            if not PASSWORD_RE.search(last):
                continue
            if password is None:
                raise CallFailed("a password is required: %s" % tail_text(buf))
            if sent_password:
                raise CallFailed("incorrect password: %s" % tail_text(buf))
            line = (password + "\n").encode("utf-8")
            if where == "pty":
                write_all(master, line)
                pty_buf = b""
            else:
                write_all(child.wfd, line)
                err_buf = b""
            sent_password = True
            break
    rest = out_buf.split(S1_MARKER, 1)[1]
    blob = AGENT_BLOB
    cfg = json.dumps(config).encode("utf-8")
    write_all(child.wfd, b"%010d" % len(blob) + blob + b"%010d" % len(cfg) + cfg)
    # The child's HELLO is the first frame; anything before it is noise
    # from a login shell and is skipped up to the frame magic.
    buf = rest
    while True:
        pos = buf.find(HELLO_MAGIC)
        if pos >= 0:
            buf = buf[pos + len(HELLO_MAGIC):]
            break
        left = deadline - time.time()
        if left <= 0:
            raise CallFailed("timeout waiting for the child agent")
        ready, _, _ = select.select([child.rfd], [], [], left)
        if ready:
            data = os.read(child.rfd, 4096)
            if not data:
                raise CallFailed("child exited during boot: %s" % tail_text(err_buf))
            buf += data
    # Push back what was read past the magic by reading the HELLO frame
    # from a small prefix buffer, then the fd.
    frame = read_frame_prefixed(child.rfd, buf)
    if frame is None or frame[3] != HELLO:
        raise CallFailed("child did not send HELLO")
    return frame[4]


def drain_now(fd, wait=1.0):
    """What is left on an exited child's stderr."""
    out = b""
    deadline = time.time() + wait
    while time.time() < deadline:
        ready, _, _ = select.select([fd], [], [], max(0, deadline - time.time()))
        if not ready:
            break
        try:
            data = os.read(fd, 4096)
        except OSError:
            break
        if not data:
            break
        out += data
    return out


def read_frame_prefixed(fd, prefix):
    need = FRAME_HEAD.size
    while len(prefix) < need:
        c = os.read(fd, need - len(prefix))
        if not c:
            return None
        prefix += c
    length = FRAME_HEAD.unpack(prefix[:FRAME_HEAD.size])[0]
    total = 4 + length
    if length > MAX_FRAME:
        raise ProtocolError("bad frame length")
    while len(prefix) < total:
        c = os.read(fd, total - len(prefix))
        if not c:
            return None
        prefix += c
    if len(prefix) > total:
        raise ProtocolError("child sent data before its HELLO was read")
    r, w = os.pipe()
    try:
        write_all(w, prefix)
        os.close(w)
        w = None
        return read_frame(r)
    finally:
        os.close(r)
        if w is not None:
            os.close(w)


def child_failure(err, out, rc):
    text = (err + out).decode("utf-8", "replace")
    m = FAILURE_RE.search(text)
    if m:
        return "%s (exit %s)" % (tail_text(err + out), rc)
    return "child exited with status %s before starting: %s" % (rc, tail_text(err + out))


def tail_text(buf):
    text = buf.decode("utf-8", "replace").strip()
    return text[-400:]
