"""Runs argument-spec cases through one implementation and prints one JSON
line per case, for tests/argspec_parity.rs to compare.

    argspec_driver.py ref   CASES.json           # ansible-core (the venv's python)
    argspec_driver.py agent CASES.json AGENT.py  # mitorun's agent (any python3)

For each case: what the validator found (errors with their kind, the
validated parameters in order, no_log values, unsupported names, warnings,
deprecations) and what the module printed (AnsibleModule, or the agent's
run_module_body, with a body that exits with the parameters it saw).

Spec values that name functions ("env_fallback", "callable:NAME" types)
are mapped to each side's function of that name.
"""

import contextlib
import io
import json
import sys


def load_ref():
    from ansible.module_utils import basic
    from ansible.module_utils.common import arg_spec, parameters, validation, warnings
    funcs = {"env_fallback": parameters.env_fallback,
             "_check_type_str_no_conversion": validation._check_type_str_no_conversion}

    def validator(spec, groups, params):
        warnings._global_warnings.clear()
        warnings._global_deprecations.clear()
        v = arg_spec.ModuleArgumentSpecValidator(spec, **groups)
        r = v.validate(params)
        return {
            "errors": [[type(e).__name__, e.msg] for e in r.errors],
            "params": r.validated_parameters,
            "no_log_values": sorted(str(x) for x in r._no_log_values),
            "unsupported": sorted(".".join(u) if isinstance(u, tuple) else u
                                  for u in r.unsupported_parameters),
            "warnings": [w.event.msg for w in warnings.get_warnings()],
            "deprecations": [[d.event.msg, d.version, d.date] for d in warnings.get_deprecations()],
        }

    def module(spec, groups, params, supports_check_mode):
        warnings._global_warnings.clear()
        warnings._global_deprecations.clear()
        basic._ANSIBLE_ARGS = json.dumps({"ANSIBLE_MODULE_ARGS": params}).encode()
        basic._ANSIBLE_PROFILE = "legacy"
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            try:
                m = basic.AnsibleModule(argument_spec=spec, supports_check_mode=supports_check_mode,
                                        **groups)
                m.exit_json(changed=False, seen=dict(m.params))
            except SystemExit:
                pass
        basic._ANSIBLE_ARGS = None
        return json.loads(out.getvalue())

    return funcs, validator, module


def load_agent(path):
    ns = {"__name__": "mitorun_agent"}
    with open(path) as f:
        exec(compile(f.read(), path, "exec"), ns)
    funcs = {"env_fallback": ns["env_fallback"],
             "_check_type_str_no_conversion": ns["_check_type_str_no_conversion"]}

    def validator(spec, groups, params):
        r = ns["validate_arguments"](ns["ArgSpec"](spec, **groups), params)
        return {
            "errors": [[kind, msg] for kind, msg in r.errors],
            "params": r.params,
            "no_log_values": sorted(str(x) for x in r.no_log_values),
            "unsupported": sorted(".".join(u) if isinstance(u, tuple) else u
                                  for u in r.unsupported),
            "warnings": r.warnings,
            "deprecations": [[d["msg"], d.get("version"), d.get("date")] for d in r.deprecations],
        }

    def module(spec, groups, params, supports_check_mode):
        def body(p, m):
            return {"changed": False, "seen": dict(p)}
        return ns["run_module_body"](params.get("_ansible_module_name", "probe"),
                                     ns["ArgSpec"](spec, **groups), params, {}, body,
                                     supports_check_mode)

    return funcs, validator, module


def with_functions(spec, funcs):
    """Copy of spec with named functions put in."""
    out = {}
    for name, opts in spec.items():
        opts = dict(opts)
        t = opts.get("type")
        if isinstance(t, str) and t.startswith("callable:"):
            opts["type"] = funcs[t.split(":", 1)[1]]
        if "elements" in opts and isinstance(opts["elements"], str) and opts["elements"].startswith("callable:"):
            opts["elements"] = funcs[opts["elements"].split(":", 1)[1]]
        if "fallback" in opts:
            fb = list(opts["fallback"])
            fb[0] = funcs.get(fb[0], fb[0]) if isinstance(fb[0], str) else fb[0]
            opts["fallback"] = tuple(fb)
        if isinstance(opts.get("options"), dict):
            opts["options"] = with_functions(opts["options"], funcs)
        out[name] = opts
    return out


def main():
    mode, cases_path = sys.argv[1], sys.argv[2]
    if mode == "ref":
        funcs, validator, module = load_ref()
    else:
        funcs, validator, module = load_agent(sys.argv[3])
    with open(cases_path) as f:
        cases = json.load(f)
    internal = {"_ansible_module_name": "probe", "_ansible_check_mode": False,
                "_ansible_no_log": False, "_ansible_diff": False, "_ansible_verbosity": 0,
                "_ansible_tmpdir": None, "_ansible_tracebacks_for": []}
    for case in cases:
        spec = with_functions(case["spec"], funcs)
        groups = case.get("groups", {})
        params = case["params"]
        line = {"name": case["name"]}
        try:
            line["validator"] = validator(spec, groups, json.loads(json.dumps(params)))
        except Exception as e:
            line["validator"] = {"crash": type(e).__name__}
        module_args = dict(internal)
        module_args.update(case.get("internal", {}))
        module_args.update(params)
        try:
            line["module"] = module(spec, groups, module_args, case.get("supports_check_mode", True))
        except Exception as e:
            line["module"] = {"crash": type(e).__name__}
        print(json.dumps(line["name"]))
        print(json.dumps(line["validator"], default=repr))
        print(json.dumps(line["module"], sort_keys=True, default=repr))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
