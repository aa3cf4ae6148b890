# mitorun agent: native ansible.builtin.expect, result for result with
# ansible-core 2.19's module, without pexpect: the command runs on a pty
# made with the stdlib (24x80, echo off unless asked, its own session with
# the pty as controlling terminal, as pexpect's spawn makes it), its output
# is searched with the response patterns the way pexpect.run searches
# (bytes regexes with DOTALL, the earliest match in the unread output wins,
# ties to the first pattern, a timeout per wait), and the child is closed
# as pexpect closes it (exit status None when a signal ended it). Shipped
# with the first expect call (modules::native_code).

import signal as _expect_signal
import struct as _expect_struct
import termios as _expect_termios
import time as _expect_time
import datetime as _expect_datetime

EXPECT_SPEC = ArgSpec({
    "command": {"required": True},
    "chdir": {"type": "path"},
    "creates": {"type": "path"},
    "removes": {"type": "path"},
    "responses": {"type": "dict", "required": True},
    "timeout": {"type": "raw", "default": 30},
    "echo": {"type": "bool", "default": False},
})

# pexpect's read size, and the pause it makes before each send.
EXPECT_READ_SIZE = 2000
EXPECT_SEND_DELAY = 0.05


class ExpectError(Exception):
    """What pexpect raises as ExceptionPexpect: the module fails with its
    text."""


def expect_bytes(value):
    """to_bytes with ansible's simplerepr for what is not text."""
    if isinstance(value, bytes):
        return value
    if not isinstance(value, str):
        value = str(value)
    return value.encode("utf-8", "surrogateescape")


def expect_split_command(line):
    """pexpect's command line splitting: whitespace separates words,
    quotes group, a backslash takes the next character as it is; a run of
    whitespace at the start gives one empty first word."""
    words = []
    word = ""
    quote = None
    escaped = False
    between = False
    for c in line:
        if escaped:
            word += c
            escaped = False
            between = False
        elif quote is not None:
            if c == quote:
                quote = None
            else:
                word += c
        elif c == "\\":
            escaped = True
        elif c in ("'", '"'):
            quote = c
            between = False
        elif c.isspace():
            if not between:
                words.append(word)
                word = ""
                between = True
        else:
            word += c
            between = False
    if word != "":
        words.append(word)
    return words


def expect_is_executable(path):
    real = os.path.realpath(path)
    return os.path.isfile(real) and os.access(real, os.X_OK)


def expect_which(name, env):
    """pexpect's which(): a name with a directory part as it is, else the
    first executable file of that name on PATH."""
    if os.path.dirname(name) != "" and expect_is_executable(name):
        return name
    for d in (env.get("PATH") or os.defpath).split(os.pathsep):
        candidate = os.path.join(d, name)
        if expect_is_executable(candidate):
            return candidate
    return None


def expect_controlling_tty():
    """In the child, after its new session starts: its stdin (the pty) is
    its controlling terminal."""
    import fcntl as _fcntl
    _fcntl.ioctl(0, _expect_termios.TIOCSCTTY, 0)


class ExpectChild(object):
    """A command on a pty, read and closed as pexpect's spawn does."""

    def __init__(self, argv, cwd, env, echo):
        import pty as _pty
        import fcntl as _fcntl
        self.master, slave = _pty.openpty()
        try:
            _fcntl.ioctl(slave, _expect_termios.TIOCSWINSZ, _expect_struct.pack("HHHH", 24, 80, 0, 0))
            if not echo:
                attrs = _expect_termios.tcgetattr(slave)
                attrs[3] &= ~_expect_termios.ECHO
                _expect_termios.tcsetattr(slave, _expect_termios.TCSANOW, attrs)
            self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, cwd=cwd,
                                         env=env, close_fds=True, start_new_session=True,
                                         preexec_fn=expect_controlling_tty)
        except BaseException:
            os.close(self.master)
            raise
        finally:
            os.close(slave)
        self.eof = False
        self.unread = b""
        self.status = None

    def alive(self, block=False):
        if self.proc.returncode is not None:
            return False
        try:
            pid, status = os.waitpid(self.proc.pid, 0 if block else os.WNOHANG)
        except ChildProcessError:
            self.proc.returncode = -1
            return False
        if pid == 0:
            return False if block else True
        self.status = status
        self.proc.returncode = status
        return False

    def read(self, timeout):
        """One read of at most EXPECT_READ_SIZE bytes; 'eof' or 'timeout'
        when there is nothing."""
        if not self.alive():
            ready = select.select([self.master], [], [], 0)[0]
            if not ready:
                self.eof = True
                return "eof"
        ready = select.select([self.master], [], [], timeout)[0]
        if not ready:
            if not self.alive():
                self.eof = True
                return "eof"
            return "timeout"
        try:
            data = os.read(self.master, EXPECT_READ_SIZE)
        except OSError:
            data = b""
        if not data:
            self.eof = True
            return "eof"
        return data

    def expect(self, patterns, timeout):
        """(index, before, matched) for the earliest match of any pattern in
        the unread output, reading more until one matches; (None, before,
        reason) at 'eof' or 'timeout', before being all that was unread."""
        end = None if timeout is None else _expect_time.time() + timeout
        fresh = True
        while True:
            if fresh or self.unread:
                found = self.search(patterns)
                if found is not None:
                    return found
            fresh = False
            if end is not None and end - _expect_time.time() < 0:
                return self.give_up("timeout")
            wait = None if end is None else max(0, end - _expect_time.time())
            got = self.read(wait)
            if isinstance(got, str):
                return self.give_up(got)
            self.unread += got

    def search(self, patterns):
        best = None
        for index, pattern in enumerate(patterns):
            match = pattern.search(self.unread)
            if match is not None and (best is None or match.start() < best[1].start()):
                best = (index, match)
        if best is None:
            return None
        index, match = best
        before, matched = self.unread[:match.start()], self.unread[match.start():match.end()]
        self.unread = self.unread[match.end():]
        return index, before, matched

    def give_up(self, reason):
        before, self.unread = self.unread, b""
        return None, before, reason

    def send(self, data):
        _expect_time.sleep(EXPECT_SEND_DELAY)
        os.write(self.master, data)

    def close(self):
        """pexpect's close(force=True): close the pty, then hang up,
        continue, interrupt and kill the child while it lives. The exit
        status, or None when a signal ended it."""
        try:
            os.close(self.master)
        except OSError:
            pass
        _expect_time.sleep(0.1)
        for sig in (_expect_signal.SIGHUP, _expect_signal.SIGCONT, _expect_signal.SIGINT,
                    _expect_signal.SIGKILL):
            if not self.alive(block=self.eof):
                break
            try:
                os.kill(self.proc.pid, sig)
            except OSError:
                pass
            _expect_time.sleep(0.1)
        if self.alive():
            self.alive(block=True)
        if self.status is None or not os.WIFEXITED(self.status):
            return None
        return os.WEXITSTATUS(self.status)


def expect_converse(child, responses, timeout):
    """pexpect.run's loop: answer each match, stop at EOF or timeout.
    Returns all output seen."""
    patterns = [re.compile(expect_bytes(k), re.DOTALL) for k in responses]
    answers = []
    for key, value in responses.items():
        if isinstance(value, list):
            answers.append((key, [expect_bytes(r).rstrip(b"\n") + b"\n" for r in value]))
        else:
            answers.append((key, expect_bytes(value).rstrip(b"\n") + b"\n"))
    seen = []
    while True:
        index, before, matched = child.expect(patterns, timeout)
        if index is None:
            seen.append(before)
            return b"".join(seen)
        seen.append(before + matched)
        question, answer = answers[index]
        if isinstance(answer, list):
            if not answer:
                raise ModuleFail(msg="No remaining responses for '%s', output was '%s'"
                                 % (question, repr(seen[-1])))
            answer = answer.pop(0)
        child.send(answer)


def expect_timeout(value):
    """check_type_int for the timeout (None waits for ever)."""
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    if isinstance(value, bool):
        return int(value)
    try:
        import decimal as _decimal
        number = _decimal.Decimal(value)
        whole = int(number)
        if number != whole:
            raise ValueError("Significant decimal part found")
        return whole
    except (ArithmeticError, TypeError, ValueError):
        raise ModuleFail(msg="argument 'timeout' is of type %s and we were unable to convert to "
                             "int: \"%r\" cannot be converted to an int" % (type(value), value))


def expect_body(p, m):
    command = p["command"]
    timeout = expect_timeout(p["timeout"])
    if timeout == -1:
        timeout = 30
    responses = p["responses"]
    if command.strip() == "":
        m.fail("no command given", rc=256)
    chdir = p["chdir"]
    if chdir:
        chdir = os.path.abspath(chdir)
        # ansible changes into it first: a missing one fails the module.
        os.stat(chdir)
        if not os.path.isdir(chdir):
            raise NotADirectoryError(20, "Not a directory", chdir)

    def exists(path):
        return os.path.exists(os.path.join(chdir, path) if chdir else path)
    if p["creates"] and exists(p["creates"]):
        return {"cmd": command, "stdout": "skipped, since %s exists" % p["creates"],
                "changed": False, "rc": 0}
    if p["removes"] and not exists(p["removes"]):
        return {"cmd": command, "stdout": "skipped, since %s does not exist" % p["removes"],
                "changed": False, "rc": 0}
    start = _expect_datetime.datetime.now()
    argv = expect_split_command(command)
    program = expect_which(argv[0], m.env)
    if program is None:
        m.fail("The command was not found or was not executable: %s." % argv[0])
    argv[0] = program
    child = ExpectChild(argv, chdir, m.env, p["echo"])
    rc = None
    try:
        output = expect_converse(child, responses, timeout)
    finally:
        rc = child.close()
    end = _expect_datetime.datetime.now()
    result = {"cmd": command, "stdout": output.decode("utf-8", "surrogateescape").rstrip("\r\n"),
              "rc": rc, "start": str(start), "end": str(end), "delta": str(end - start),
              "changed": True}
    if rc is None:
        m.fail("command exceeded timeout", **result)
    if rc != 0:
        m.fail("non-zero return code", **result)
    return result


@native("expect")
def native_expect(agent, args, header):
    return run_module_body("expect", EXPECT_SPEC, args, header, expect_body,
                           supports_check_mode=False)
