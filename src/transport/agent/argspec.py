# mitorun agent: module argument validation with AnsibleModule's semantics
# (ansible-core 2.19's ArgumentSpecValidator and the checks it runs), for
# the native modules. A spec is data: the same dict-of-dicts AnsibleModule
# takes (type, default, aliases, choices, required, no_log, elements,
# options, apply_defaults, fallback, ...) plus the module-level groups.
# The order of the steps decides which error comes first, so it follows
# ansible's exactly; every message uses ansible's wording.
#
# This file imports what it needs itself: tests run it on its own.

import ast
import collections.abc as _abc
import copy as _copy
import decimal
import json
import os
import re

BOOLEANS_TRUE = frozenset(("y", "yes", "on", "1", "true", "t", 1, 1.0, True))
BOOLEANS_FALSE = frozenset(("n", "no", "off", "0", "false", "f", 0, 0.0, False))
# ansible builds the union the same way; within one interpreter (same hash
# seed) the error listing then iterates in the same order.
BOOLEANS = BOOLEANS_TRUE.union(BOOLEANS_FALSE)

NO_LOG_PLACEHOLDER = "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"

# Parameters whose name looks like a secret get a warning unless the spec
# says no_log either way (AnsibleModule's invocation logging).
PASSWORD_NAME_RE = re.compile(
    r"^(?:.+[-_\s])?pass(?:[-_\s]?(?:word|phrase|wrd|wd)?)(?:[-_\s].+)?$", re.I)

# The internal `_ansible_<name>` arguments AnsibleModule takes out of the
# parameters before validating them.
INTERNAL_ARGS = ("check_mode", "debug", "diff", "keep_remote_files", "ignore_unknown_opts",
                 "module_name", "no_log", "remote_tmp", "target_log_info", "selinux_special_fs",
                 "shell_executable", "socket", "syslog_facility", "tmpdir", "tracebacks_for",
                 "verbosity", "version")

# Errors are (kind, message); kinds are named as ansible's exception
# classes. AnsibleModule treats an unsupported-parameter error specially.
UNSUPPORTED = "UnsupportedError"


class FallbackNotFound(Exception):
    """A fallback found no value (the parameter stays unset)."""


def env_fallback(*names):
    """Fallback strategy: the first of the environment variables set."""
    for name in names:
        if name in os.environ:
            return os.environ[name]
    raise FallbackNotFound()


class ArgSpec(object):
    """A module's argument spec and its module-level constraint groups."""

    def __init__(self, options, mutually_exclusive=None, required_together=None,
                 required_one_of=None, required_if=None, required_by=None):
        self.options = options
        self.mutually_exclusive = mutually_exclusive
        self.required_together = required_together
        self.required_one_of = required_one_of
        self.required_if = required_if
        self.required_by = required_by

    def extended(self, more):
        """A copy with more options (spec entries already present win, as
        add_file_common_args does)."""
        options = dict(self.options)
        for k, v in more.items():
            options.setdefault(k, v)
        return ArgSpec(options, self.mutually_exclusive, self.required_together,
                       self.required_one_of, self.required_if, self.required_by)


class Validation(object):
    """What validating one set of parameters found."""

    def __init__(self, params):
        self.params = params
        self.errors = []          # (kind, message), in the order ansible finds them
        self.warnings = []        # messages, in the order AnsibleModule emits them
        self.deprecations = []    # {"msg", "version", "date", "collection_name"}
        self.no_log_values = set()
        self.aliases = {}
        self.unsupported = set()
        self.supported = {}

    @property
    def error_messages(self):
        return [m for _, m in self.errors]


# -- small helpers with Python/ansible semantics ------------------------------

def is_text(v):
    return isinstance(v, (str, bytes))


def iterable_not_text(v):
    if is_text(v):
        return False
    try:
        iter(v)
        return True
    except TypeError:
        return False


def as_native_text(v):
    """str(v) the way ansible's to_native renders non-strings."""
    if isinstance(v, str):
        return v
    if isinstance(v, bytes):
        return v.decode("utf-8", "surrogateescape")
    try:
        return str(v)
    except UnicodeError:
        return repr(v)


def type_name(v):
    return type(v).__name__


def present_count(terms, params):
    """How many of the names in terms are keys of params."""
    if not iterable_not_text(terms):
        terms = [terms]
    return len(set(terms).intersection(params))


def in_context(msg, context):
    if context:
        return "%s found in %s" % (msg, " -> ".join(context))
    return msg


def boolean(value):
    """ansible's strict boolean conversion."""
    if isinstance(value, bool):
        return value
    key = value
    if is_text(value):
        key = as_native_text(value).lower().strip()
    if not isinstance(value, _abc.Hashable):
        key = None
    if key in BOOLEANS_TRUE:
        return True
    if key in BOOLEANS_FALSE:
        return False
    raise TypeError("The value '%s' is not a valid boolean. Valid booleans include: %s"
                    % (as_native_text(value), ", ".join(repr(i) for i in BOOLEANS)))


# -- type checkers (each raises TypeError/ValueError with ansible's text) -----

SIZE_UNITS = {"Y": 1 << 80, "Z": 1 << 70, "E": 1 << 60, "P": 1 << 50, "T": 1 << 40,
              "G": 1 << 30, "M": 1 << 20, "K": 1 << 10, "B": 1}
UNIT_NAMES = {"B": (("byte", "B"), ("bit", "b")), "K": (("kilobyte", "KB"), ("kilobit", "Kb")),
              "M": (("megabyte", "MB"), ("megabit", "Mb")), "G": (("gigabyte", "GB"), ("gigabit", "Gb")),
              "T": (("terabyte", "TB"), ("terabit", "Tb")), "P": (("petabyte", "PB"), ("petabit", "Pb")),
              "E": (("exabyte", "EB"), ("exabit", "Eb")), "Z": (("zetabyte", "ZB"), ("zetabit", "Zb")),
              "Y": (("yottabyte", "YB"), ("yottabit", "Yb"))}
HUMAN_SIZE_RE = re.compile(r"^([0-9]*\.?[0-9]+)(?:\s*([A-Za-z]+))?\s*$")


def human_to_bytes(number, isbits=False):
    """'10M' -> 10485760 (bits: '10Mb'), as ansible's formatter reads them."""
    m = HUMAN_SIZE_RE.search(str(number))
    if m is None:
        raise ValueError("human_to_bytes() can't interpret following string: %s" % str(number))
    num = float(m.group(1))
    unit = m.group(2)
    if unit is None:
        return int(round(num))
    key = unit[0].upper()
    if key not in SIZE_UNITS:
        raise ValueError("human_to_bytes() failed to convert %s (unit = %s). The suffix must be one of %s"
                         % (number, unit, ", ".join(SIZE_UNITS)))
    if len(unit) > 1:
        spelled, short = UNIT_NAMES[key][1 if isbits else 0]
        if unit.lower() != spelled and unit != short:
            raise ValueError("human_to_bytes() failed to convert %s. Value is not a valid string" % number)
    return int(round(num * SIZE_UNITS[key]))


def check_str(value):
    if isinstance(value, str):
        return value
    if value is None:
        # 2.19 keeps the old "None renders as empty text" equivalence.
        return ""
    return as_native_text(value)


def _check_type_str_no_conversion(value):
    # Named as ansible's checker: the name appears in error messages.
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    raise TypeError("'%r' is not a string and conversion is not allowed" % (value,))


def check_list(value):
    if isinstance(value, list):
        return value
    if isinstance(value, str):
        return value.split(",")
    if isinstance(value, (int, float)):
        return [str(value)]
    raise TypeError("%s cannot be converted to a list" % type(value))


def split_kv_fields(text):
    """The fields of 'k1=v1, k2="v 2"' (quotes group, backslash escapes)."""
    fields, buf = [], []
    quote, escaped = None, False
    for c in text.strip():
        if escaped:
            buf.append(c)
            escaped = False
        elif c == "\\":
            escaped = True
        elif quote is None and c in ("'", '"'):
            quote = c
        elif quote is not None and c == quote:
            quote = None
        elif quote is None and c in (",", " "):
            if buf:
                fields.append("".join(buf))
            buf = []
        else:
            buf.append(c)
    if buf:
        fields.append("".join(buf))
    return fields


def check_dict(value):
    if isinstance(value, dict):
        return value
    if not isinstance(value, str):
        raise TypeError("%s cannot be converted to a dict" % type(value))
    if value.startswith("{"):
        try:
            return json.loads(value)
        except Exception:
            try:
                parsed = ast.literal_eval(value)
            except Exception:
                parsed = None
            if isinstance(parsed, dict):
                return parsed
            raise TypeError("unable to evaluate string as dictionary")
    if "=" not in value:
        raise TypeError("dictionary requested, could not parse JSON or key=value")
    out = {}
    for field in split_kv_fields(value):
        if "=" not in field:
            raise TypeError('unable to evaluate string in the "key=value" format as dictionary')
        k, v = field.split("=", 1)
        out[k] = v
    return out


def check_bool(value):
    if isinstance(value, bool):
        return value
    if isinstance(value, (str, int, float)):
        return boolean(value)
    raise TypeError("%s cannot be converted to a bool" % type(value))


def check_int(value):
    if isinstance(value, int):
        return value
    try:
        exact = decimal.Decimal(value)
        whole = int(exact)
        if exact != whole:
            raise ValueError("Significant decimal part found")
        return whole
    except (decimal.DecimalException, TypeError, ValueError):
        raise TypeError('"%r" cannot be converted to an int' % (value,))


def check_float(value):
    if isinstance(value, float):
        return value
    try:
        return float(value)
    except (TypeError, ValueError):
        raise TypeError("%s cannot be converted to a float" % type(value))


def check_path(value):
    return os.path.expanduser(os.path.expandvars(check_str(value)))


def check_raw(value):
    return value


def check_jsonarg(value):
    if is_text(value):
        return value.strip()
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, default=lambda o: o.decode(errors="surrogateescape")
                          if isinstance(o, bytes) else str(o))
    raise TypeError("%s cannot be converted to a json string" % type(value))


def check_bytes(value):
    try:
        return human_to_bytes(value)
    except ValueError:
        raise TypeError("%s cannot be converted to a Byte value" % type(value))


def check_bits(value):
    try:
        return human_to_bytes(value, isbits=True)
    except ValueError:
        raise TypeError("%s cannot be converted to a Bit value" % type(value))


TYPE_CHECKERS = {
    "str": check_str, "list": check_list, "dict": check_dict, "bool": check_bool,
    "int": check_int, "float": check_float, "path": check_path, "raw": check_raw,
    "jsonarg": check_jsonarg, "json": check_jsonarg, "bytes": check_bytes, "bits": check_bits,
}


def type_checker(wanted):
    """(checker, name shown in messages). An unknown type name yields no
    checker: calling it fails as ansible's does, with a TypeError."""
    if callable(wanted):
        return wanted, getattr(wanted, "__name__", str(type(wanted)))
    if wanted is None:
        wanted = "str"
    return TYPE_CHECKERS.get(wanted), wanted


def call_checker(checker, value):
    if checker is None:
        raise TypeError("'NoneType' object is not callable")
    return checker(value)


# -- the steps of validation ---------------------------------------------------

def apply_fallbacks(options, params):
    """Fill unset parameters from their fallback; returns no_log values."""
    secrets = set()
    for name, opts in options.items():
        fallback = opts.get("fallback", (None,))
        strategy = fallback[0]
        if name in params or strategy is None:
            continue
        args, kwargs = [], {}
        for item in fallback[1:]:
            if isinstance(item, dict):
                kwargs = item
            else:
                args = item
        try:
            value = strategy(*args, **kwargs)
        except FallbackNotFound:
            continue
        if opts.get("no_log", False) and value:
            secrets.add(value)
        params[name] = value
    return secrets


def resolve_aliases(options, params, both_set=None, deprecated=None):
    """Copy alias values to their option; returns {alias: option}. Raises
    ValueError/TypeError for a broken spec, as ansible does, part way."""
    found = {}
    for name, opts in options.items():
        aliases = opts.get("aliases", None)
        if deprecated is not None:
            for alias in opts.get("deprecated_aliases", []):
                if alias.get("name") in params:
                    deprecated.append(alias)
        if opts.get("default", None) is not None and opts.get("required", False):
            raise ValueError("internal error: required and default are mutually exclusive for %s" % name)
        if aliases is None:
            continue
        if not iterable_not_text(aliases):
            raise TypeError("internal error: aliases must be a list or tuple")
        for alias in aliases:
            found[alias] = name
            if alias in params:
                if name in params and both_set is not None:
                    both_set.append((name, alias))
                params[name] = params[alias]
    return found


def alias_deprecation(d):
    return {"msg": "Alias '%s' is deprecated. See the module docs for more information" % d["name"],
            "version": d.get("version"), "date": d.get("date"),
            "collection_name": d.get("collection_name")}


def secret_strings(value):
    """The strings no_log masks for a value (leaves of containers)."""
    if is_text(value):
        if value:
            yield as_native_text(value)
    elif isinstance(value, _abc.Mapping):
        for v in value.values():
            for s in secret_strings(v):
                yield s
    elif iterable_not_text(value):
        for v in value:
            for s in secret_strings(v):
                yield s
    elif value is None or isinstance(value, bool):
        return
    elif isinstance(value, (int, float)):
        yield as_native_text(value)
    else:
        raise TypeError("Unknown parameter type: %s" % type(value))


def list_no_log_values(options, params):
    secrets = set()
    for name, opts in options.items():
        if opts.get("no_log", False):
            value = params.get(name, None)
            if value:
                try:
                    secrets.update(secret_strings(value))
                except TypeError as e:
                    raise TypeError('Failed to convert "%s": %s' % (name, e))
        sub_options = opts.get("options")
        if sub_options is None:
            continue
        wanted = opts.get("type")
        subs = params.get(name)
        if subs is None:
            continue
        if wanted == "dict" or (wanted == "list" and opts.get("elements", "") == "dict"):
            if not isinstance(subs, list):
                subs = [subs]
            for sub in subs:
                if isinstance(sub, str):
                    sub = check_dict(sub)
                if not isinstance(sub, _abc.Mapping):
                    raise TypeError("Value '%s' in the sub parameter field '%s' must be a %s, not '%s'"
                                    % (sub, name, wanted, type(sub).__name__))
                secrets.update(list_no_log_values(sub_options, sub))
    return secrets


def list_deprecations(options, params, prefix=""):
    found = []
    for name, opts in options.items():
        if name not in params:
            continue
        where = '%s["%s"]' % (prefix, name) if prefix else name
        msg = "Param '%s' is deprecated. See the module docs for more information" % where
        if opts.get("removed_at_date") is not None:
            found.append({"msg": msg, "date": opts.get("removed_at_date"),
                          "collection_name": opts.get("removed_from_collection")})
        elif opts.get("removed_in_version") is not None:
            found.append({"msg": msg, "version": opts.get("removed_in_version"),
                          "collection_name": opts.get("removed_from_collection")})
        sub_options = opts.get("options")
        if sub_options is not None:
            subs = params[name]
            if isinstance(subs, _abc.Mapping):
                subs = [subs]
            if isinstance(subs, list):
                for sub in subs:
                    if isinstance(sub, _abc.Mapping):
                        found.extend(list_deprecations(sub_options, sub, prefix=where))
    return found


def find_unsupported(options, params, legal, context=None, supported=None):
    unknown = set()
    for k in params.keys():
        if k in legal:
            continue
        where = tuple(context + [k]) if context else k
        unknown.add(where)
        if supported is not None:
            alias_map = resolve_aliases(options, params)
            names = [o for o in legal if o not in alias_map]
            supported[where] = (names, alias_map)
    return unknown


def check_mutually_exclusive(groups, params, context=None):
    if groups is None:
        return
    clashing = [g for g in groups if present_count(g, params) > 1]
    if clashing:
        raise TypeError(in_context("parameters are mutually exclusive: %s"
                                   % ", ".join("|".join(g) for g in clashing), context))


def check_required_arguments(options, params, context=None):
    missing = sorted(k for k, v in options.items() if v.get("required", False) and k not in params)
    if missing:
        raise TypeError(in_context("missing required arguments: %s" % ", ".join(missing), context))


def check_required_together(groups, params, context=None):
    if groups is None:
        return
    for group in groups:
        counts = [present_count(name, params) for name in group]
        if any(c > 0 for c in counts) and 0 in counts:
            raise TypeError(in_context("parameters are required together: %s" % ", ".join(group),
                                       context))


def check_required_one_of(groups, params, context=None):
    if groups is None:
        return
    for group in groups:
        if present_count(group, params) == 0:
            raise TypeError(in_context("one of the following is required: %s" % ", ".join(group),
                                       context))


def check_required_if(rules, params, context=None):
    if rules is None:
        return
    for rule in rules:
        if len(rule) == 4:
            key, value, needed, any_of = rule
        else:
            key, value, needed = rule
            any_of = False
        missing = []
        if key in params and params[key] == value:
            missing = [n for n in needed if present_count(n, params) == 0]
        enough = len(needed) if any_of else 0
        if missing and len(missing) >= enough:
            raise TypeError(in_context("%s is %s but %s of the following are missing: %s"
                                       % (key, value, "any" if any_of else "all",
                                          ", ".join(missing)), context))


def check_required_by(rules, params, context=None):
    if rules is None:
        return
    for key, needed in rules.items():
        if key not in params or params[key] is None:
            continue
        if isinstance(needed, str):
            needed = [needed]
        missing = [n for n in needed if n not in params or params[n] is None]
        if missing:
            raise TypeError(in_context("missing parameter(s) required by '%s': %s"
                                       % (key, ", ".join(missing)), context))


GROUP_CHECKS = (
    ("required_together", check_required_together, "RequiredTogetherError"),
    ("required_one_of", check_required_one_of, "RequiredOneOfError"),
    ("required_if", check_required_if, "RequiredIfError"),
    ("required_by", check_required_by, "RequiredByError"),
)


def fill_defaults(options, params, all_options=True):
    """Set defaults of unset parameters (only non-None ones on the first
    pass); returns the no_log defaults."""
    secrets = set()
    for name, opts in options.items():
        default = opts.get("default", None)
        if name not in params and (default is not None or all_options):
            if opts.get("no_log", False) and default:
                secrets.add(default)
            # A copy: specs live as long as the agent, and a module may
            # change its parameters (uri adds headers).
            params[name] = _copy.deepcopy(default)
    return secrets


def convert_elements(wanted, name, values, context, errors):
    checker, wanted_name = type_checker(wanted)
    out = []
    for v in values:
        try:
            out.append(call_checker(checker, v))
        except (TypeError, ValueError) as e:
            msg = "Elements value for option '%s'" % name
            if context:
                msg += " found in '%s'" % " -> ".join(context)
            msg += " is of type %s and we were unable to convert to %s: %s" % (
                type_name(v), wanted_name, as_native_text(e))
            errors.append(("ElementError", msg))
    return out


def convert_types(options, params, context, errors):
    for name, opts in options.items():
        if name not in params:
            continue
        value = params[name]
        if value is None and not opts.get("required") and opts.get("default") is None:
            continue
        checker, wanted_name = type_checker(opts.get("type"))
        try:
            params[name] = call_checker(checker, value)
            elements = opts.get("elements", None)
            if elements:
                converted = params[name]
                if not isinstance(converted, list):
                    msg = "Invalid type %s for option '%s'" % (wanted_name, converted)
                    if context:
                        msg += " found in '%s'." % " -> ".join(context)
                    msg += ", elements value check is supported only with 'list' type"
                    errors.append(("ArgumentTypeError", msg))
                params[name] = convert_elements(elements, name, converted, context, errors)
        except (TypeError, ValueError) as e:
            msg = "argument '%s' is of type %s" % (name, type_name(value))
            if context:
                msg += " found in '%s'." % " -> ".join(context)
            msg += " and we were unable to convert to %s: %s" % (wanted_name, as_native_text(e))
            errors.append(("ArgumentTypeError", msg))


def check_choices(options, params, context, errors):
    for name, opts in options.items():
        choices = opts.get("choices")
        if choices is None:
            continue
        if is_text(choices) or not isinstance(choices, (frozenset, _abc.KeysView, _abc.Sequence)):
            errors.append(("ArgumentTypeError", in_context("internal error: choices for argument %s are not iterable: %s"
                                              % (name, choices), context)))
            continue
        if name not in params:
            continue
        shown = ", ".join(as_native_text(c) for c in choices)
        value = params[name]
        if isinstance(value, list):
            stray = [v for v in value if v not in choices]
            if stray:
                errors.append(("ArgumentValueError", in_context(
                    "value of %s must be one or more of: %s. Got no match for: %s"
                    % (name, shown, ", ".join(as_native_text(v) for v in stray)), context)))
            continue
        if value in choices:
            continue
        # A YAML boolean that was a choice spelled another way: take the
        # spelling the choices use when exactly one fits.
        for text, spellings in (("False", BOOLEANS_FALSE), ("True", BOOLEANS_TRUE)):
            if params[name] == text:
                overlap = spellings.intersection(choices)
                if len(overlap) == 1:
                    params[name] = next(iter(overlap))
        if params[name] not in choices:
            errors.append(("ArgumentValueError", in_context("value of %s must be one of: %s, got: %s"
                                               % (name, shown, params[name]), context)))


def run_group_checks(holder, params, context, errors):
    for attr, check, kind in GROUP_CHECKS:
        try:
            if context is None:
                check(holder(attr), params)
            else:
                check(holder(attr), params, context)
        except TypeError as e:
            errors.append((kind, as_native_text(e)))


def validate_suboptions(options, params, v, prefix="", context=None):
    if context is None:
        context = []
    for name, opts in options.items():
        wanted = opts.get("type")
        if not (wanted == "dict" or (wanted == "list" and opts.get("elements", "") == "dict")):
            continue
        sub_options = opts.get("options")
        if opts.get("apply_defaults", False):
            if sub_options is None:
                continue
            if params.get(name) is None:
                params[name] = {}
        elif sub_options is None or name not in params or params[name] is None:
            continue
        context.append(name)
        value = params[name]
        if not isinstance(value, _abc.Sequence) or isinstance(value, str):
            items = [value]
        else:
            items = value
        for idx, sub in enumerate(items):
            v.no_log_values.update(apply_fallbacks(sub_options, sub))
            if not isinstance(sub, dict):
                v.errors.append(("SubParameterTypeError",
                                 "value of '%s' must be of type dict or list of dicts" % name))
                continue
            where = prefix + name + ("[%d]" % idx if wanted == "list" else "") + "."
            both, deprecated = [], []
            try:
                sub_aliases = resolve_aliases(sub_options, sub, both, deprecated)
            except (TypeError, ValueError) as e:
                sub_aliases = {}
                v.errors.append(("AliasError", as_native_text(e)))
            for option, alias in both:
                v.sub_warnings.append("Both option %s%s and its alias %s%s are set."
                                      % (where, option, where, alias))
            for d in deprecated:
                v.sub_deprecations.append(dict(d, name=where + d["name"]))
            try:
                v.no_log_values.update(list_no_log_values(sub_options, sub))
            except TypeError as e:
                v.errors.append(("NoLogError", as_native_text(e)))
            legal = list(sub_aliases.keys()) + list(sub_options.keys())
            v.unsupported.update(find_unsupported(sub_options, sub, legal, context, v.supported))
            try:
                check_mutually_exclusive(opts.get("mutually_exclusive"), sub, context)
            except TypeError as e:
                v.errors.append(("MutuallyExclusiveError", as_native_text(e)))
            v.no_log_values.update(fill_defaults(sub_options, sub, False))
            try:
                check_required_arguments(sub_options, sub, context)
            except TypeError as e:
                v.errors.append(("RequiredError", as_native_text(e)))
            convert_types(sub_options, sub, context, v.errors)
            check_choices(sub_options, sub, context, v.errors)
            run_group_checks(opts.get, sub, context, v.errors)
            v.no_log_values.update(fill_defaults(sub_options, sub))
            validate_suboptions(sub_options, sub, v, where, context)
        context.pop()


def unsupported_message(v):
    """"a, b. Supported parameters include: x, y (alias1, alias2)." The
    supported list is the one of the context iterated last, as ansible's."""
    names = []
    last = None
    for item in v.unsupported:
        last = item
        names.append(".".join(item) if isinstance(item, tuple) else item)
    supported, aliases = [], []
    if v.supported.get(last):
        supported = sorted(v.supported[last][0])
        aliases = sorted(v.supported[last][1])
    text = ", ".join(supported)
    if aliases:
        text += " (%s)" % ", ".join(aliases)
    return "%s. Supported parameters include: %s." % (", ".join(sorted(names)), text)


def validate_arguments(spec, parameters):
    """Validate parameters (a dict, not modified) against spec (ArgSpec).
    Mirrors ModuleArgumentSpecValidator.validate step for step."""
    options = spec.options
    v = Validation(_copy.deepcopy(parameters))
    v.sub_warnings = []
    v.sub_deprecations = []
    params = v.params
    v.no_log_values.update(apply_fallbacks(options, params))

    both, deprecated = [], []
    try:
        v.aliases.update(resolve_aliases(options, params, both, deprecated))
    except (TypeError, ValueError) as e:
        v.errors.append(("AliasError", as_native_text(e)))
    legal = list(v.aliases.keys()) + list(options.keys())
    deprecations = [alias_deprecation(d) for d in deprecated]

    try:
        v.no_log_values.update(list_no_log_values(options, params))
    except TypeError as e:
        v.errors.append(("NoLogError", as_native_text(e)))
    try:
        deprecations.extend(list_deprecations(options, params))
    except TypeError as e:
        v.errors.append(("DeprecationError", as_native_text(e)))
    try:
        v.unsupported.update(find_unsupported(options, params, legal, supported=v.supported))
    except TypeError as e:
        v.errors.append(("RequiredDefaultError", as_native_text(e)))
    except ValueError as e:
        v.errors.append(("AliasError", as_native_text(e)))
    try:
        check_mutually_exclusive(spec.mutually_exclusive, params)
    except TypeError as e:
        v.errors.append(("MutuallyExclusiveError", as_native_text(e)))
    v.no_log_values.update(fill_defaults(options, params, False))
    try:
        check_required_arguments(options, params)
    except TypeError as e:
        v.errors.append(("RequiredError", as_native_text(e)))
    convert_types(options, params, None, v.errors)
    check_choices(options, params, None, v.errors)
    run_group_checks(lambda attr: getattr(spec, attr), params, None, v.errors)
    v.no_log_values.update(fill_defaults(options, params))

    validate_suboptions(options, params, v)
    deprecations.extend(alias_deprecation(d) for d in v.sub_deprecations)
    if v.unsupported:
        v.errors.append((UNSUPPORTED, unsupported_message(v)))

    v.deprecations = deprecations
    # AnsibleModule's order: warnings from suboptions were emitted while
    # validating, the top level's after.
    v.warnings = v.sub_warnings + ["Both option %s and its alias %s are set." % pair for pair in both]
    return v


def password_warnings(spec, params, aliases):
    """AnsibleModule's invocation logging warns about parameters that look
    like passwords when the spec does not say no_log either way."""
    out = []
    for name in params:
        opts = spec.options.get(aliases.get(name, name), {})
        if opts.get("no_log", None) is None and PASSWORD_NAME_RE.search(name):
            out.append("Module did not set no_log for %s" % name)
    return out


# -- no_log masking of results ---------------------------------------------------

def mask_secrets(value, secrets):
    """ansible's remove_values: a string equal to a secret becomes the
    placeholder, secrets inside strings become ********, numbers that
    contain one become the placeholder; containers are walked."""
    ordered = sorted((as_native_text(s) for s in secrets), key=len, reverse=True)
    return _mask(value, ordered)


def _mask(value, secrets):
    if is_text(value):
        text = as_native_text(value)
        if text in secrets:
            return NO_LOG_PLACEHOLDER
        for s in secrets:
            text = text.replace(s, "*" * 8)
        if isinstance(value, bytes):
            return text.encode("utf-8", "surrogateescape")
        return text
    if value is True or value is False or value is None:
        return value
    if isinstance(value, _abc.Mapping):
        return dict((k, _mask(v, secrets)) for k, v in value.items())
    if isinstance(value, (_abc.Sequence, _abc.Set)):
        items = [_mask(v, secrets) for v in value]
        return set(items) if isinstance(value, _abc.Set) else items
    if isinstance(value, (int, float)):
        text = as_native_text(value)
        if text in secrets or any(s in text for s in secrets):
            return NO_LOG_PLACEHOLDER
    return value
