# mitorun agent: AnsibleModule.run_command as the native cron, git, pip and
# expect modules need it (their results carry its failure texts and the
# command lines it cleans): text or argv commands, the unsafe shell, the
# environment updates and PATH prefix, a cwd that is ignored when it is
# not a directory, check_rc, and the best parsable locale. Shipped in front
# of each of those modules' code (modules::native_code).

_DEV_PASSWD_ARG = re.compile(r"^[-]{0,2}pass[-]?(word|wd)?")
_DEV_LOCALE_PREFERENCES = ("C.utf8", "C.UTF-8", "en_US.utf8", "en_US.UTF-8", "C", "POSIX")


def dev_hide_url_passwords(text):
    """heuristic_log_sanitize without no_log values: the password part of
    `scheme://user:password@host` and `user:password@host` becomes
    ********. Works from the last `@` backwards, as ansible's does, so the
    same (sometimes too eager) spans are hidden."""
    pieces = []
    stop = len(text)
    while True:
        at = text.rfind("@", 0, stop)
        if at < 0:
            pieces.append(text[:stop])
            break
        search_end = at
        colon = -1
        start = 0
        while colon < 0:
            start = text.rfind("://", 0, search_end)
            if start < 0:
                start = 0
            colon = text.find(":", start + 3, at)
            if colon >= 0:
                break
            if start == 0:
                break
            search_end = start
        if colon < 0:
            pieces.append(text[:stop])
            break
        pieces.append(text[at:stop])
        pieces.append("********")
        pieces.append(text[start:colon + 1])
        stop = start
    return "".join(reversed(pieces))


def dev_clean_args(args):
    """AnsibleModule._clean_args: the command as one shell-quoted line,
    password options and URL passwords hidden."""
    words = shlex.split(args) if isinstance(args, str) else [str(a) for a in args]
    clean = []
    hide_next = False
    for word in words:
        if hide_next:
            hide_next = False
            clean.append("********")
            continue
        if _DEV_PASSWD_ARG.match(word):
            eq = word.find("=")
            if eq > -1:
                clean.append("%s=********" % word[:eq])
                continue
            hide_next = True
        clean.append(dev_hide_url_passwords(word))
    return " ".join(shlex.quote(w) for w in clean)


class DevRunner(object):
    """run_command for one module run: `env_update` is the module's
    run_command_environ_update, `env` the module process's environment
    (the task's), which a module may change as ansible's change
    os.environ."""

    def __init__(self, m, args):
        self.m = m
        self.env = dict(m.env)
        self.env_update = {}
        self.shell = args.get("_ansible_shell_executable")

    def bin_path(self, name, required=False, opt_dirs=()):
        """get_bin_path: opt_dirs, PATH, then the sbin dirs."""
        dirs = bin_search_dirs(self.env.get("PATH", ""), opt_dirs)
        found = find_bin(name, dirs)
        if found is None and required:
            self.m.fail('Failed to find required executable "%s" in paths: %s'
                        % (name, os.pathsep.join(dirs)))
        return found

    def best_locale(self):
        """get_best_parsable_locale: the first preferred locale that
        `locale -a` lists, else C."""
        tool = self.bin_path("locale")
        if not tool:
            return "C"
        rc, out, _err = self.run([tool, "-a"])
        available = out.strip().splitlines() if rc == 0 else []
        for pref in _DEV_LOCALE_PREFERENCES:
            if pref in available:
                return pref
        return "C"

    def run(self, args, check_rc=False, cwd=None, environ_update=None, path_prefix=None,
            use_unsafe_shell=False, data=None):
        """(rc, stdout, stderr) as text; failures worded as ansible's."""
        use_shell = False
        if use_unsafe_shell:
            line = args if isinstance(args, str) else " ".join(shlex.quote(str(a)) for a in args)
            if self.shell not in (None, "/bin/sh"):
                argv = [self.shell, "-c", line]
            else:
                argv = line
                use_shell = True
        else:
            words = shlex.split(args) if isinstance(args, str) else args
            argv = [os.path.expanduser(expand_vars(str(w), self.env)) for w in words if w is not None]
        env = dict(self.env)
        env.update(self.env_update)
        env.update(environ_update or {})
        if path_prefix:
            env["PATH"] = "%s:%s" % (path_prefix, env["PATH"]) if env.get("PATH") else path_prefix
        run_dir = None
        if cwd:
            cwd = os.path.abspath(os.path.expanduser(cwd))
            if os.path.isdir(cwd):
                run_dir = cwd
        try:
            proc = subprocess.Popen(argv, shell=use_shell, close_fds=True,
                                    stdin=subprocess.PIPE if data else None,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    env=env, cwd=run_dir)
        except OSError as e:
            self.m.fail("Error executing command.", rc=e.errno, stdout="", stderr="",
                        cmd=dev_clean_args(argv),
                        exception=error_summary("Error executing command.",
                                                command_oserror_text(e)))
        out, err = read_until_exit(proc, (data + "\n").encode("utf-8") if data else None)
        out = out.decode("utf-8", "surrogateescape")
        err = err.decode("utf-8", "surrogateescape")
        if check_rc and proc.returncode != 0:
            self.m.fail(dev_hide_url_passwords(err.rstrip()), cmd=dev_clean_args(argv),
                        rc=proc.returncode, stdout=out, stderr=err)
        return proc.returncode, out, err
