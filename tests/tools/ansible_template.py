#!/usr/bin/env python3
"""Evaluate templates with ansible-core's own Templar (the reference).

Usage:
    python tests/tools/ansible_template.py < cases.jsonl

Each input line is a JSON object {"template": "...", "vars": {...}} (vars
optional) or a bare JSON string (the template). Each output line is the
input object plus {"value": <native result>, "type": "<python type name>"}
or {"error": "<exception type>", "message": "<message>"}.

ansible 2.19 returns native values for a template that is a single
`{{ expr }}`; those are written with json.dumps (tuples become lists,
anything not JSON-serialisable becomes {"__repr__": repr(value)}).
Run it with the reference interpreter, e.g. /tmp/ref/bin/python.

By default templates are rendered as in a playbook, where ansible doubles
every backslash inside string literals of a template before compiling it
(`escape_backslashes=True`): `'\\d'` written in YAML reaches the filter as
two backslashes and a `d`. A case with "escape_backslashes": false (or the
`--no-escape-backslashes` flag for all cases) turns that off, as ansible does
for `when:` conditions and the template module, so the filter sees the
literal exactly as a Jinja2 expression.
"""
from __future__ import annotations

import json
import sys

from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar, trust_as_template


def _default(value):
    if isinstance(value, (set, frozenset)):
        return list(value)
    if hasattr(value, "__iter__") and not isinstance(value, (str, bytes, dict)):
        try:
            return list(value)
        except Exception:  # pragma: no cover - fall through to repr
            pass
    return {"__repr__": repr(value)}


def _plain(value):
    """Strip ansible's tagged/lazy wrappers so json.dumps sees plain types."""
    if isinstance(value, dict):
        return {str(k) if not isinstance(k, (str, int, float, bool)) and k is not None else k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)
    return value


def evaluate(template: str, variables: dict, escape_backslashes: bool = True) -> dict:
    templar = Templar(loader=DataLoader(), variables=variables)
    try:
        result = templar.template(trust_as_template(template), escape_backslashes=escape_backslashes)
    except Exception as ex:  # report, don't stop
        return {"error": type(ex).__name__, "message": str(ex)}
    type_name = type(result).__name__
    try:
        text = json.dumps(_plain(result), default=_default)
    except Exception as ex:
        return {"error": "not-serialisable", "message": f"{type(ex).__name__}: {ex}", "repr": repr(result)}
    return {"value": json.loads(text), "type": type_name}


def main() -> None:
    escape_default = "--no-escape-backslashes" not in sys.argv[1:]
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        case = json.loads(line)
        if isinstance(case, str):
            case = {"template": case}
        out = dict(case)
        escape = case.get("escape_backslashes", escape_default)
        out.update(evaluate(case["template"], case.get("vars") or {}, escape))
        sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
