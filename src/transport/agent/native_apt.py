
# mitorun agent: native apt and dpkg_selections, result for result with
# ansible-core 2.19's modules. Shipped with the first call of either
# (modules::native_code), preceded by `APT_ENGINE_SOURCE`, the text of
# apt_engine.py: apt's work runs in a child interpreter (see there why),
# this side validates the arguments as AnsibleModule does and turns the
# child's answer into the module result.

APT_SPEC = ArgSpec(
    {
        "state": {"type": "str", "default": "present",
                  "choices": ["absent", "build-dep", "fixed", "latest", "present"]},
        "update_cache": {"type": "bool", "aliases": ["update-cache"]},
        "update_cache_retries": {"type": "int", "default": 5},
        "update_cache_retry_max_delay": {"type": "int", "default": 12},
        "cache_valid_time": {"type": "int", "default": 0},
        "purge": {"type": "bool", "default": False},
        "package": {"type": "list", "elements": "str", "aliases": ["pkg", "name"]},
        "deb": {"type": "path"},
        "default_release": {"type": "str", "aliases": ["default-release"]},
        "install_recommends": {"type": "bool", "aliases": ["install-recommends"]},
        "force": {"type": "bool", "default": False},
        "upgrade": {"type": "str", "choices": ["dist", "full", "no", "safe", "yes"],
                    "default": "no"},
        "dpkg_options": {"type": "str", "default": "force-confdef,force-confold"},
        "autoremove": {"type": "bool", "default": False},
        "autoclean": {"type": "bool", "default": False},
        "fail_on_autoremove": {"type": "bool", "default": False},
        "policy_rc_d": {"type": "int", "default": None},
        "only_upgrade": {"type": "bool", "default": False},
        "force_apt_get": {"type": "bool", "default": False},
        "clean": {"type": "bool", "default": False},
        "allow_unauthenticated": {"type": "bool", "default": False,
                                  "aliases": ["allow-unauthenticated"]},
        "allow_downgrade": {"type": "bool", "default": False,
                            "aliases": ["allow-downgrade", "allow_downgrades", "allow-downgrades"]},
        "allow_change_held_packages": {"type": "bool", "default": False},
        "lock_timeout": {"type": "int", "default": 60},
        "auto_install_module_deps": {"type": "bool", "default": True},
    },
    mutually_exclusive=[["deb", "package", "upgrade"]],
    required_one_of=[["autoremove", "deb", "package", "update_cache", "upgrade"]],
)

# Run by `python -c` in the child: reads `%010d` + engine source + request
# JSON from stdin, keeps its own stdout for the answer (what apt's tools
# print goes to /dev/null, never into the answer).
APT_CHILD_BOOT = """import json,os,sys
r=sys.stdin.buffer
n=int(r.read(10))
src=r.read(n).decode()
req=json.loads(r.read().decode())
o=os.dup(1)
d=os.open(os.devnull,os.O_RDWR)
os.dup2(d,0)
os.dup2(d,1)
g={"__name__":"mitorun_apt","APT_ENGINE_SOURCE":src}
exec(compile(src,"<mitorun-apt>","exec"),g)
a=json.dumps(g["apt_engine_run"](req)).encode()
with os.fdopen(o,"wb") as f:
    f.write(a)
"""


def apt_child_answer(request, env):
    """The engine's answer, run under this agent's interpreter (it
    respawns itself elsewhere when this one lacks python3-apt)."""
    source = APT_ENGINE_SOURCE.encode()
    payload = b"%010d" % len(source) + source + json.dumps(request).encode()
    proc = subprocess.Popen([sys.executable, "-c", APT_CHILD_BOOT], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, close_fds=True,
                            env=env)
    out, err = proc.communicate(payload)
    try:
        answer = json.loads(out.decode("utf-8"))
    except ValueError:
        raise RuntimeError("apt child ended with status %s: %s"
                           % (proc.returncode, err.decode("utf-8", "replace").strip()))
    if "crash" in answer:
        raise RuntimeError(answer["crash"])
    return answer


@native("apt")
def native_apt(agent, args, header):
    def body(params, mod):
        request = {"params": params, "check_mode": mod.check_mode, "diff": mod.diff,
                   "boot": APT_CHILD_BOOT}
        answer = apt_child_answer(request, mod.env)
        for w in answer.get("warnings") or []:
            mod.warn(w)
        result = dict(answer["result"])
        # The engine changes some parameters as ansible's module does
        # (upgrade "no" -> None, a deb URL -> the downloaded file), and
        # ansible reports them changed.
        result["invocation"] = {"module_args": answer["params"]}
        if result.pop("failed", False):
            raise ModuleFail(**result)
        return result
    return run_module_body("apt", APT_SPEC, args, header, body)


DPKG_SELECTIONS_SPEC = ArgSpec({
    "name": {"required": True},
    "selection": {"choices": ["install", "hold", "deinstall", "purge"], "required": True},
})


def dpkg_locale_env(mod):
    """The module environment with the locale ansible's modules pick to
    read tool output (get_best_parsable_locale)."""
    chosen = "C"
    try:
        listed = subprocess.run(["locale", "-a"], stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, env=mod.env)
        available = listed.stdout.decode("utf-8", "replace").strip().splitlines()
        if listed.returncode == 0:
            for preferred in ("C.utf8", "C.UTF-8", "en_US.utf8", "en_US.UTF-8", "C", "POSIX"):
                if preferred in available:
                    chosen = preferred
                    break
    except OSError:
        pass
    env = dict(mod.env)
    for name in ("LANG", "LC_ALL", "LC_MESSAGES", "LC_CTYPE", "LANGUAGE"):
        env[name] = chosen
    return env


def dpkg_checked(argv, env, data=None):
    """run_command(check_rc=True): (stdout, stderr), or the module fails
    with the command's stderr."""
    proc = subprocess.run(argv, input=data, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          env=env)
    out = proc.stdout.decode("utf-8", "surrogateescape")
    err = proc.stderr.decode("utf-8", "surrogateescape")
    if proc.returncode != 0:
        raise ModuleFail(cmd=" ".join(shlex.quote(a) for a in argv), rc=proc.returncode,
                         stdout=out, stderr=err, msg=err.rstrip())
    return out, err


@native("dpkg_selections")
def native_dpkg_selections(agent, args, header):
    def body(p, mod):
        dpkg = mod.get_bin_path("dpkg")
        if dpkg is None:
            raise ModuleFail(msg='Failed to find required executable "dpkg" in paths: %s'
                             % dpkg_search_path())
        env = dpkg_locale_env(mod)
        name, selection = p["name"], p["selection"]
        out, err = dpkg_checked([dpkg, "--get-selections", name], env)
        if "no packages found matching" in err:
            raise ModuleFail(msg="Failed to find package '%s' to perform selection '%s'."
                             % (name, selection))
        current = out.split()[1] if out else "not present"
        changed = current != selection
        if changed and not mod.check_mode:
            dpkg_checked([dpkg, "--set-selections"], env,
                         data=("%s %s\n" % (name, selection)).encode())
        return {"changed": changed, "before": current, "after": selection}
    return run_module_body("dpkg_selections", DPKG_SELECTIONS_SPEC, args, header, body)


def dpkg_search_path():
    """The dirs get_bin_path searched (PATH, then the sbin dirs)."""
    return os.pathsep.join(bin_search_dirs(os.environ.get("PATH", "")))
