# mitorun agent: the native `setup` module (facts). This file holds the
# module's frame: arguments, the choice of collectors from gather_subset,
# the filter, and the helpers collectors share (reading /proc and /sys the
# way ansible's facts code does, finding and running programs). The
# collectors themselves live in native_facts_*.py, by theme, and register
# in FACT_COLLECTORS; the module entry point is at the end of the last one
# (native_facts_setup.py). These files are not part of the agent's boot
# source: the controller sends them with the first `setup` call and the
# agent runs them in its own namespace (runner.load_native_code), so agent
# names are available here and these names must not clash with them.

import configparser
import fnmatch
import platform
import socket


class FactCollector(object):
    """One of ansible's fact collectors: `name` (a gather_subset name),
    `ids` (the other subset names that select it), `requires` (collectors
    whose facts it reads), `collect(ctx)` returning unprefixed facts, and
    `commands(ctx)`: programs to start before collection begins, so they
    run while other collectors read files."""

    def __init__(self, name, collect, ids=(), requires=(), commands=None):
        self.name = name
        self.collect = collect
        self.ids = frozenset(ids)
        self.requires = frozenset(requires)
        self.commands = commands


# Collectors in the order ansible's default_collectors lists them; each
# one's requirements come before it, so this order is a valid run order.
FACT_COLLECTORS = []


def fact_collector(name, ids=(), requires=(), commands=None):
    def register(fn):
        FACT_COLLECTORS.append(FactCollector(name, fn, ids, requires, commands))
        return fn
    return register


# Collected with `min` and kept by `!all` (the setup module's list).
FACTS_MINIMAL = frozenset(("apparmor", "caps", "cmdline", "date_time", "distribution", "dns",
                           "env", "fips", "local", "lsb", "pkg_mgr", "platform", "python",
                           "selinux", "service_mgr", "ssh_pub_keys", "user"))

FACTS_DEFAULT_TIMEOUT = 10


def facts_read(path, default=None, strip=True):
    """A file's text as ansible's get_file_content reads it: only when it
    exists and is readable, without blocking, stripped; empty or unreadable
    gives `default`."""
    if not (os.path.exists(path) and os.access(path, os.R_OK)):
        return default
    data = default
    try:
        with open(path) as f:
            try:
                flags = fcntl.fcntl(f.fileno(), fcntl.F_GETFL)
                fcntl.fcntl(f.fileno(), fcntl.F_SETFL, flags | os.O_NONBLOCK)
            except Exception:
                pass
            data = f.read()
        if strip:
            data = data.strip()
        if len(data) == 0:
            data = default
    except Exception:
        # Some containers allow the open but not the read.
        pass
    return data


def facts_lines(path, strip=True, sep=None):
    data = facts_read(path, strip=strip)
    if not data:
        return []
    if sep is None:
        return data.splitlines()
    if len(sep) == 1:
        return data.rstrip(sep).split(sep)
    return data.split(sep)


def facts_bin_dirs(opt_dirs=()):
    """get_bin_path's search list: opt_dirs, PATH, then the sbin dirs."""
    return bin_search_dirs(os.environ.get("PATH", ""), opt_dirs)


def facts_bin(name, opt_dirs=()):
    """get_bin_path: the first executable `name` in facts_bin_dirs, or None."""
    return find_bin(name, facts_bin_dirs(opt_dirs))


class FactsCommand(object):
    """A program started now and read later (AnsibleModule.run_command's
    environment and decoding), so several run side by side."""

    def __init__(self, argv, shell=False, env=None):
        self.result_value = None
        self.proc = None
        self.started = time.time()
        if env is None:
            env = facts_command_env()
        try:
            self.proc = subprocess.Popen(argv, shell=shell, stdin=subprocess.DEVNULL,
                                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                         close_fds=True, env=env)
        except OSError as e:
            self.result_value = (e.errno or 1, "", str(e))

    def result(self):
        """(rc, stdout, stderr) as text."""
        if self.result_value is None:
            out, err = self.proc.communicate()
            self.result_value = (self.proc.returncode,
                                 out.decode("utf-8", "surrogateescape"),
                                 err.decode("utf-8", "surrogateescape"))
        return self.result_value

    def kill(self):
        if self.proc is not None and self.result_value is None:
            try:
                self.proc.kill()
                self.proc.communicate()
            except Exception:
                pass


def facts_command_env(update=None):
    """The environment run_command gives programs: the module's, with
    ANSIBLE_* entries of PYTHONPATH left as they are (we have none)."""
    env = dict(os.environ)
    env.update(update or {})
    return env


class FactsContext(object):
    """What collectors share during one setup run: the parameters, facts
    collected so far (prefixed, unfiltered), warnings, and programs
    started once and read by whichever collector asks first."""

    def __init__(self, params):
        self.params = params
        self.collected = {}
        self.warnings = []
        self.commands = {}
        self.bins = {}
        # Results computed once per run, by name.
        self.cache = {}
        self.gather_timeout = params.get("gather_timeout") or FACTS_DEFAULT_TIMEOUT

    def warn(self, msg):
        self.warnings.append(msg)

    def bin(self, name):
        if name not in self.bins:
            self.bins[name] = facts_bin(name)
        return self.bins[name]

    def start(self, key, argv, shell=False, env=None):
        """Start `argv` under `key` unless it already runs."""
        if key not in self.commands:
            self.commands[key] = FactsCommand(argv, shell=shell, env=env)
        return self.commands[key]

    def run(self, key, argv, shell=False, env=None):
        return self.start(key, argv, shell=shell, env=env).result()

    def finish(self):
        for cmd in self.commands.values():
            cmd.kill()


FACTS_SPEC = ArgSpec({
    "gather_subset": {"type": "list", "elements": "str", "default": ["all"]},
    "gather_timeout": {"type": "int", "default": 10},
    "filter": {"type": "list", "elements": "str", "default": []},
    "fact_path": {"type": "path", "default": "/etc/ansible/facts.d"},
})


def facts_params(args):
    """The setup module's arguments, checked as AnsibleModule does (the
    agent's shared validator)."""
    v = validate_arguments(FACTS_SPEC, module_params(args))
    failure = validation_failure("setup", v, boolean_flag(args.get("_ansible_ignore_unknown_opts")))
    if failure is not None:
        raise ModuleFail(msg=failure, invocation={"module_args": v.params})
    return v.params


def facts_subset_tables(collectors):
    """name -> collector for every gather_subset name this platform knows,
    and collector name -> its other ids (what `!name` also excludes)."""
    by_id = {}
    aliases = {}
    for c in collectors:
        by_id.setdefault(c.name, []).append(c)
        for i in c.ids:
            by_id.setdefault(i, []).append(c)
        aliases.setdefault(c.name, set()).update(c.ids)
    return by_id, aliases


def facts_selected_names(gather_subset, valid, aliases):
    """Which subset names gather_subset asks for: `min` always first, then
    each entry adds or (with `!`) removes; `!all` keeps the minimal set;
    names added explicitly survive any exclusion."""
    add, drop, explicit = set(), set(), set()
    for entry in ["min"] + list(gather_subset or ["all"]):
        if entry == "min":
            add.update(FACTS_MINIMAL)
        elif entry == "all":
            add.update(valid)
        elif entry.startswith("!"):
            name = entry[1:]
            if name == "min":
                drop.update(FACTS_MINIMAL)
            elif name == "all":
                drop.update(valid - FACTS_MINIMAL)
            else:
                drop.update(aliases.get(name, ()))
                drop.add(name)
        else:
            if entry not in valid:
                raise ModuleFail(msg="Bad subset '%s' given to Ansible. gather_subset options "
                                 "allowed: all, %s" % (entry, ", ".join(sorted(valid))))
            explicit.add(entry)
            add.add(entry)
    if not add:
        add.update(valid)
    return add - (drop - explicit)


def facts_select(gather_subset):
    """The collectors to run, in run order."""
    by_id, aliases = facts_subset_tables(FACT_COLLECTORS)
    valid = frozenset(by_id)
    names = facts_selected_names(gather_subset, valid, aliases)
    # Requirements join the selection (their facts are returned too).
    while True:
        missing = set()
        for n in names:
            for c in by_id.get(n, ()):
                missing.update(r for r in c.requires if r not in names)
        if not missing:
            break
        names.update(missing)
    chosen = set()
    for n in names:
        chosen.update(id(c) for c in by_id.get(n, ()))
    return [c for c in FACT_COLLECTORS if id(c) in chosen]


def facts_key(name):
    return "ansible_" + name.replace("-", "_")


def facts_filtered(facts, patterns):
    """The facts whose names match one of the patterns (a bare pattern
    also tries with the `ansible_` prefix); no patterns keeps all."""
    if not patterns or patterns == "*":
        return list(facts.items())
    if isinstance(patterns, str):
        patterns = [patterns]
    found = []
    for p in patterns:
        for k, v in facts.items():
            if not p or fnmatch.fnmatch(k, p):
                found.append((k, v))
            elif not p.startswith(("ansible_", "facter", "ohai")) and fnmatch.fnmatch(k, "ansible_" + p):
                found.append((k, v))
    return found


def facts_gather(params):
    """Run the chosen collectors; returns (ansible_facts, warnings)."""
    collectors = facts_select(params["gather_subset"])
    ctx = FactsContext(params)
    try:
        for c in collectors:
            if c.commands is not None:
                try:
                    c.commands(ctx)
                except Exception:
                    pass
        facts = {}
        for c in collectors:
            try:
                found = c.collect(ctx) or {}
            except ModuleFail:
                # What fails the module in ansible (fail_json) fails it here.
                raise
            except Exception:
                # ansible writes the error to stderr and goes on without
                # this collector's facts.
                found = {}
            found = dict((facts_key(k), v) for k, v in found.items())
            ctx.collected.update(found)
            facts.update(facts_filtered(found, params["filter"]))
        meta = {"gather_subset": params["gather_subset"], "module_setup": True}
        facts.update(facts_filtered(meta, params["filter"]))
    finally:
        ctx.finish()
    return facts, ctx.warnings
