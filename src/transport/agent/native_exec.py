# mitorun agent: raw and the remote side of script. In ansible both are
# action plugins around the connection's exec_command; here the agent runs
# the command itself and returns what the action would (rc, stdout(_lines),
# stderr(_lines), changed, failed + msg on a non-zero rc).
#
# raw before Python exists cannot run here (the agent *is* a Python
# process): the controller then runs it without an agent
# (src/transport/agentless.rs).


def exec_result(rc, out, err):
    out = out.decode("utf-8", "replace")
    err = err.decode("utf-8", "replace")
    r = {"rc": rc, "stdout": out, "stdout_lines": out.splitlines(),
         "stderr": err, "stderr_lines": err.splitlines(), "changed": True}
    if rc != 0:
        r["failed"] = True
        r["msg"] = "non-zero return code"
    return r


def shell_exec(agent, header, argv, cwd=None, env=None, tty_addr=None):
    if tty_addr:
        return tty_exec(agent, header, argv, cwd, env, tty_addr)
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, close_fds=True, env=env or dict(os.environ),
                                cwd=cwd or header.get("cwd") or agent.cwd)
    except OSError as e:
        # What a shell prints when it cannot run the program.
        return 127, b"", ("%s: %s" % (argv[0], e.strerror)).encode()
    out, err = proc.communicate()
    return proc.returncode, out, err


def tty_exec(agent, header, argv, cwd, env, tty_addr):
    """What ansible's ssh connection gives for a command it runs with
    `-tt`: output and errors merged on stdout as a terminal writes them
    (\r\n line ends), and ssh's closing notice as stderr. stdin stays
    empty (a terminal there would wait for input nobody types)."""
    import pty
    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave,
                                close_fds=True, env=env or dict(os.environ),
                                cwd=cwd or header.get("cwd") or agent.cwd)
    except OSError as e:
        os.close(master)
        os.close(slave)
        return 127, b"", ("%s: %s" % (argv[0], e.strerror)).encode()
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break  # EIO: every writer of the terminal has gone
        if not data:
            break
        chunks.append(data)
    os.close(master)
    rc = proc.wait()
    closing = "Shared connection to %s closed.\r\n" % tty_addr
    return rc, b"".join(chunks), closing.encode("utf-8")


@native("raw")
def native_raw(agent, args, header):
    if args.get("_ansible_check_mode"):
        return {"skipped": True}
    cmd = args.get("_raw_params")
    if not isinstance(cmd, str) or not cmd.strip():
        return {"failed": True, "msg": "raw requires a command line (_raw_params)"}
    executable = args.get("executable") or args.get("_ansible_shell_executable") or "/bin/sh"
    return exec_result(*shell_exec(agent, header, [executable, "-c", cmd],
                                   tty_addr=args.get("_mitorun_tty_addr")))


@native("script")
def native_script(agent, args, header):
    """Runs a script the controller already put on the target: the command
    line names its remote path (ansible's action substitutes it)."""
    raw = args.get("_raw_params")
    cmd = args.get("cmd")
    if raw and cmd:
        return {"failed": True, "msg": "parameters are mutually exclusive: _raw_params|cmd"}
    if not raw and not cmd:
        return {"failed": True, "msg": "one of the following is required: _raw_params, cmd"}
    creates, removes = args.get("creates"), args.get("removes")
    if creates and os.path.exists(creates):
        return {"skipped": True, "msg": "%s exists, matching creates option" % creates,
                "changed": False}
    if removes and not os.path.exists(removes):
        return {"skipped": True, "msg": "%s does not exist, matching removes option" % removes,
                "changed": False}
    chdir = args.get("chdir")
    if chdir and not str(chdir).startswith("/"):
        return {"failed": True,
                "msg": "chdir %s must be an absolute path for a Unix-aware remote node" % chdir}
    if args.get("_ansible_check_mode"):
        if creates or removes:
            return {"changed": True}
        return {"skipped": True, "msg": "Check mode is not supported for this task.",
                "changed": False}
    line = str(raw or cmd).strip()
    script_path = args.get("_mitorun_script_path")
    if script_path:
        # As ansible's action: every occurrence of the script's word in the
        # command line becomes the uploaded file's path.
        line = line.replace(str(args.get("_mitorun_script_word")), script_path)
    if args.get("executable"):
        line = "%s %s" % (args["executable"], line)
    shell = args.get("_ansible_shell_executable") or "/bin/sh"
    if chdir:
        if not os.path.isdir(chdir):
            # ansible's `cd DIR && ...` fails in the shell, rc 1 or 2.
            line = "cd %s && %s" % (shlex.quote(str(chdir)), line)
            chdir = None
    # Unlike raw, script runs with the task's `environment` (ansible's
    # action prefixes it to the command line).
    return exec_result(*shell_exec(agent, header, [shell, "-c", line], cwd=chdir,
                                   env=module_env(header),
                                   tty_addr=args.get("_mitorun_tty_addr")))
