"""Runs the reference ansible-core CLIs (ansible-playbook, ansible,
ansible-inventory) for the parity tests from one pre-warmed interpreter.

Started by tests/common/zygote.rs with the reference venv's python. It
imports the third-party libraries and the parts of ansible-core that do not
read configuration, then serves requests on a Unix socket: each request is
handled by a forked child that takes the request's cwd, environment, argv
and stdio files, then runs the CLI's real entry point. So a run is the same
ansible-core code as `ansible-playbook ARGS`; only the ~0.3 s of imports
that every run repeated is shared.

Nothing that reads ansible's configuration is imported here:
`ansible.constants` reads ansible.cfg (from the cwd) and ANSIBLE_* at import,
and plugin loaders bind paths from it. The modules to preload are found at
start: each candidate is imported first in a forked child, and kept when
that left `ansible.constants` unimported.

Protocol (one request per connection, JSON lines):
  client -> {"prog": path, "args": [...], "cwd": dir, "env": {...},
             "stdin": file, "stdout": file, "stderr": file}
  server -> {"pid": N}            once the child has started
  server -> {"exit": code}        when the CLI has returned
A child that dies without sending its exit code (killed) closes the socket.
"""

import atexit
import importlib
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import traceback

ENTRY_POINTS = {
    "ansible-playbook": "ansible.cli.playbook",
    "ansible-inventory": "ansible.cli.inventory",
    "ansible": "ansible.cli.adhoc",
}


def imported_modules_of(code):
    """Module names a fresh interpreter has imported after running `code`."""
    probe = code + "\nimport sys\nprint('\\n'.join(sorted(sys.modules)))\n"
    out = subprocess.run(
        [sys.executable, "-c", probe], check=True, stdout=subprocess.PIPE
    ).stdout
    return out.decode().split()


def imports_config(name):
    """Whether importing `name` (on top of what is imported here) imports
    ansible.constants: tried in a forked child, so this process stays clean."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        try:
            importlib.import_module(name)
            verdict = b"1" if "ansible.constants" in sys.modules else b"0"
        except BaseException:
            verdict = b"1"
        os.write(write_end, verdict)
        os._exit(0)
    os.close(write_end)
    verdict = os.read(read_end, 1)
    os.close(read_end)
    os.waitpid(pid, 0)
    return verdict != b"0"


def config_free_modules():
    """The modules to preload, in import order: the third-party ones and the
    ansible ones whose import leaves ansible.constants unimported. Imports
    them while finding them."""
    wanted = imported_modules_of("import " + ", ".join(ENTRY_POINTS.values()))
    chosen = []
    tainted = set()
    for name in wanted:
        if name in sys.modules:
            continue
        if name.split(".")[0] != "ansible":
            try:
                importlib.import_module(name)
                chosen.append(name)
            except Exception:
                pass
            continue
        # A submodule's import starts with its package's.
        if name.rpartition(".")[0] in tainted or imports_config(name):
            tainted.add(name)
            continue
        importlib.import_module(name)
        chosen.append(name)
    return chosen


def preload():
    """Imports what `config_free_modules` chooses. Finding them takes ~20 s
    of forks, so the choice is kept in the venv, keyed by ansible-core's
    version (a new venv or version finds them again)."""
    from ansible.release import __version__

    cache = os.path.join(sys.prefix, "mitorun-zygote-preload.json")
    try:
        with open(cache) as f:
            saved = json.load(f)
        if saved.get("ansible") != __version__:
            raise ValueError("another ansible-core")
        for name in saved["modules"]:
            try:
                importlib.import_module(name)
            except Exception:
                pass
    except (OSError, ValueError, KeyError):
        modules = config_free_modules()
        partial = "%s.%d" % (cache, os.getpid())
        with open(partial, "w") as f:
            json.dump({"ansible": __version__, "modules": modules}, f)
        os.replace(partial, cache)
    if "ansible.constants" in sys.modules:
        raise SystemExit("ansible_zygote: ansible.constants was imported")


def run_request(conn, request):
    """In the forked child: becomes the CLI run the request describes."""
    os.setsid()
    for sig in (signal.SIGCHLD, signal.SIGINT, signal.SIGTERM, signal.SIGPIPE):
        signal.signal(sig, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    random.seed()
    for fd, path, mode in (
        (0, request["stdin"], os.O_RDONLY),
        (1, request["stdout"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC),
        (2, request["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC),
    ):
        opened = os.open(path, mode, 0o600)
        os.dup2(opened, fd)
        os.close(opened)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    prog = request["prog"]
    sys.argv = [prog] + request["args"]
    conn.sendall((json.dumps({"pid": os.getpid()}) + "\n").encode())
    code = 0
    try:
        module = importlib.import_module(ENTRY_POINTS[os.path.basename(prog)])
        code = module.main()
    except SystemExit as exc:
        code = exc.code
    except BaseException:
        traceback.print_exc()
        code = 1
    if code is None:
        code = 0
    elif not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    try:
        atexit._run_exitfuncs()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
    conn.sendall((json.dumps({"exit": code}) + "\n").encode())
    os._exit(code & 0xFF)


def read_request(conn):
    data = b""
    while not data.endswith(b"\n"):
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    return json.loads(data)


def serve(path):
    parent = os.getppid()
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(64)
    server.settimeout(1.0)
    # Children are reaped by the kernel: their exit codes travel on the
    # socket. Each child restores SIGCHLD before running ansible.
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    print("ready", flush=True)
    while True:
        if os.getppid() != parent:
            # The test binary is gone: take the scratch dir that holds the
            # socket with us (nothing else cleans it up).
            server.close()
            shutil.rmtree(os.path.dirname(os.path.abspath(path)), ignore_errors=True)
            return
        try:
            conn, _ = server.accept()
        except socket.timeout:
            continue
        conn.settimeout(None)
        if os.fork() == 0:
            server.close()
            try:
                request = read_request(conn)
                if request is not None:
                    run_request(conn, request)
            except BaseException:
                traceback.print_exc()
            os._exit(1)
        conn.close()


def main():
    preload()
    serve(sys.argv[1])


if __name__ == "__main__":
    main()
