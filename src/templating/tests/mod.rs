//! ansible-core's test plugins (`is failed`, `is match`, `is version`,
//! `is file`, `is subset`, `is url`, ...) and Jinja2's builtin tests with
//! Python's semantics where minijinja's differ (`'abc' is sequence` is true,
//! `1 is lt('a')` is an error, ...).
//!
//! As in ansible 2.19, every test but `defined`/`undefined` fails when it
//! is given an undefined value. Tests that Jinja2 does not have
//! (minijinja's `int`, `safe`, `startingwith`, `endingwith`) are removed so
//! that using them is an error, as in ansible.
//!
//! Layout: this file registers everything and holds the small tests;
//! `version.rs` (LooseVersion, StrictVersion, SemanticVersion, PEP 440),
//! `re_test.rs` (Python `re` patterns, through `crate::pyre`) and `files.rs`
//! (`os.path` tests) hold the larger ones; `parity.rs` compares the whole
//! set against values observed from ansible-core.

mod files;
#[cfg(test)]
mod gaps;
#[cfg(test)]
mod parity;
mod re_test;
mod version;

use minijinja::value::{Kwargs, Rest, Value, ValueKind};
use minijinja::{Environment, Error, State};

use super::filters::math::is_subset;
use super::filters::math::py::{self, add_test, bind, require_defined};
use super::filters::urls;

/// Register every test plugin.
pub fn register(env: &mut Environment<'static>) {
    for name in ["int", "safe", "startingwith", "endingwith"] {
        env.remove_test(name);
    }

    // Jinja2's builtins (defined/undefined stay minijinja's).
    add_test(env, "none", |v, r, k| {
        unary(v, r, k, "none", |v| v.is_none())
    });
    add_test(env, "boolean", |v, r, k| {
        unary(v, r, k, "boolean", |v| v.kind() == ValueKind::Bool)
    });
    add_test(env, "true", |v, r, k| {
        unary(v, r, k, "true", |v| {
            v.kind() == ValueKind::Bool && v.is_true()
        })
    });
    add_test(env, "false", |v, r, k| {
        unary(v, r, k, "false", |v| {
            v.kind() == ValueKind::Bool && !v.is_true()
        })
    });
    add_test(env, "integer", |v, r, k| {
        unary(v, r, k, "integer", |v| {
            v.kind() == ValueKind::Number && v.is_integer()
        })
    });
    add_test(env, "float", |v, r, k| {
        unary(v, r, k, "float", |v| {
            v.kind() == ValueKind::Number && !v.is_integer()
        })
    });
    add_test(env, "number", |v, r, k| {
        unary(v, r, k, "number", |v| {
            matches!(v.kind(), ValueKind::Number | ValueKind::Bool)
        })
    });
    add_test(env, "string", |v, r, k| {
        unary(v, r, k, "string", |v| v.kind() == ValueKind::String)
    });
    add_test(env, "mapping", |v, r, k| {
        unary(v, r, k, "mapping", py::is_mapping)
    });
    add_test(env, "iterable", |v, r, k| {
        unary(v, r, k, "iterable", |v| {
            matches!(
                v.kind(),
                ValueKind::String
                    | ValueKind::Bytes
                    | ValueKind::Seq
                    | ValueKind::Map
                    | ValueKind::Iterable
            )
        })
    });
    add_test(env, "sequence", |v, r, k| {
        unary(v, r, k, "sequence", |v| {
            matches!(
                v.kind(),
                ValueKind::String | ValueKind::Bytes | ValueKind::Seq | ValueKind::Map
            )
        })
    });
    add_test(env, "callable", |v, r, k| {
        unary(v, r, k, "callable", |v| v.kind() == ValueKind::Plain)
    });
    add_test(env, "escaped", |v, r, k| {
        unary(v, r, k, "escaped", Value::is_safe)
    });
    add_test(env, "lower", |v, r, k| {
        unary(v, r, k, "lower", |v| is_lower(&py::to_str(v)))
    });
    add_test(env, "upper", |v, r, k| {
        unary(v, r, k, "upper", |v| is_upper(&py::to_str(v)))
    });
    add_test(env, "odd", |v, r, k| modulo_test(v, r, k, "odd", 1));
    add_test(env, "even", |v, r, k| modulo_test(v, r, k, "even", 0));
    add_test(env, "divisibleby", divisibleby);
    add_test(env, "sameas", |v, r, k| {
        let other = one_arg(&v, &r, &k, "sameas", "other")?;
        Ok(minijinja::tests::is_sameas(&v, &other))
    });
    for alias in py::plugin_names("filter") {
        env.add_test(alias, |state: &State, value: Value| {
            plugin_exists(state, &value, minijinja::tests::is_filter)
        });
    }
    for alias in py::plugin_names("test") {
        env.add_test(alias, |state: &State, value: Value| {
            plugin_exists(state, &value, minijinja::tests::is_test)
        });
    }
    // Jinja2's `defined`/`undefined` (also under their FQCNs). An
    // undefined value they look at is handled: why it is undefined must
    // not name a later, unrelated undefined value.
    for alias in py::plugin_names("defined") {
        env.add_test(alias, |value: Value| {
            crate::templating::lookups::forget_undefined_reason(&value);
            !value.is_undefined()
        });
    }
    for alias in py::plugin_names("undefined") {
        env.add_test(alias, |value: Value| {
            crate::templating::lookups::forget_undefined_reason(&value);
            value.is_undefined()
        });
    }
    add_test(env, "in", |v, r, k| {
        let seq = one_arg(&v, &r, &k, "in", "seq")?;
        py::contains(&seq, &v)
    });
    for name in ["eq", "equalto", "=="] {
        add_test(env, name, |v, r, k| {
            let other = one_arg(&v, &r, &k, "eq", "b")?;
            Ok(py::eq(&v, &other))
        });
    }
    for name in ["ne", "!="] {
        add_test(env, name, |v, r, k| {
            let other = one_arg(&v, &r, &k, "ne", "b")?;
            Ok(!py::eq(&v, &other))
        });
    }
    for name in ["lt", "lessthan", "<"] {
        add_test(env, name, |v, r, k| {
            py::lt(&v, &one_arg(&v, &r, &k, "lt", "b")?)
        });
    }
    for name in ["le", "<="] {
        add_test(env, name, |v, r, k| {
            py::le(&v, &one_arg(&v, &r, &k, "le", "b")?)
        });
    }
    for name in ["gt", "greaterthan", ">"] {
        add_test(env, name, |v, r, k| {
            py::gt(&v, &one_arg(&v, &r, &k, "gt", "b")?)
        });
    }
    for name in ["ge", ">="] {
        add_test(env, name, |v, r, k| {
            py::ge(&v, &one_arg(&v, &r, &k, "ge", "b")?)
        });
    }

    // ansible's core.py: task results.
    for name in ["failed", "failure"] {
        add_test(env, name, |v, r, k| {
            result_test(v, r, k, "failed", |m| Ok(get_truthy(m, "failed")))
        });
    }
    for name in ["succeeded", "success", "successful"] {
        add_test(env, name, |v, r, k| {
            result_test(v, r, k, "failed", |m| Ok(!get_truthy(m, "failed")))
        });
    }
    add_test(env, "unreachable", |v, r, k| {
        result_test(v, r, k, "unreachable", |m| Ok(get_truthy(m, "unreachable")))
    });
    add_test(env, "reachable", |v, r, k| {
        result_test(v, r, k, "unreachable", |m| {
            Ok(!get_truthy(m, "unreachable"))
        })
    });
    add_test(env, "timedout", |v, r, k| {
        result_test(v, r, k, "timedout", timedout)
    });
    for name in ["changed", "change"] {
        add_test(env, name, |v, r, k| {
            result_test(v, r, k, "changed", changed)
        });
    }
    for name in ["skipped", "skip"] {
        add_test(env, name, |v, r, k| {
            result_test(v, r, k, "skipped", |m| Ok(get_truthy(m, "skipped")))
        });
    }
    add_test(env, "finished", |v, r, k| {
        result_test(v, r, k, "finished", |m| Ok(async_state(m, "finished")))
    });
    add_test(env, "started", |v, r, k| {
        result_test(v, r, k, "started", |m| Ok(async_state(m, "started")))
    });

    // Regular expressions.
    add_test(env, "match", |v, r, k| regex_test(v, r, k, Some("match")));
    add_test(env, "search", |v, r, k| regex_test(v, r, k, Some("search")));
    add_test(env, "regex", |v, r, k| regex_test(v, r, k, None));

    // Versions.
    add_test(env, "version", version::version_compare);
    add_test(env, "version_compare", version::version_compare);

    // Python's any/all.
    add_test(env, "any", |v, r, k| {
        no_args(&v, &r, &k, "any")?;
        Ok(py::iterate(&v)?.iter().any(py::truthy))
    });
    add_test(env, "all", |v, r, k| {
        no_args(&v, &r, &k, "all")?;
        Ok(py::iterate(&v)?.iter().all(py::truthy))
    });

    // Truthiness.
    add_test(env, "truthy", |v, r, k| truthy(v, r, k, "truthy"));
    add_test(env, "falsy", |v, r, k| Ok(!truthy(v, r, k, "falsy")?));

    // Vault.
    add_test(env, "vault_encrypted", |v, r, k| {
        no_args(&v, &r, &k, "vault_encrypted")?;
        // Only a value decrypted from `!vault` (ansible's EncryptedString);
        // ciphertext in a plain string is just text.
        Ok(crate::templating::vaulted::is_decrypted(&v))
    });
    add_test(env, "vaulted_file", files::vaulted_file);

    // mathstuff.py.
    for name in ["subset", "issubset"] {
        add_test(env, name, |v, r, k| subset(v, r, k, false));
    }
    for name in ["superset", "issuperset"] {
        add_test(env, name, |v, r, k| subset(v, r, k, true));
    }
    add_test(env, "contains", |v, r, k| {
        let item = one_arg(&v, &r, &k, "contains", "value")?;
        py::contains(&v, &item)
    });
    for name in ["nan", "isnan"] {
        add_test(env, name, |v, r, k| {
            no_args(&v, &r, &k, "isnotanumber")?;
            Ok(matches!(py::num(&v), Some(py::Num::Float(f)) if f.is_nan()))
        });
    }

    // files.py.
    files::register(env);

    // uri.py.
    add_test(env, "uri", |v, r, k| {
        require_defined(&v)?;
        let args = bind("is_uri", &r, &k, &["schemes"])?;
        Ok(urls::is_uri(&v, args[0].as_ref()))
    });
    add_test(env, "url", |v, r, k| {
        require_defined(&v)?;
        let args = bind("is_url", &r, &k, &["schemes"])?;
        Ok(urls::is_url(&v, args[0].as_ref()))
    });
    add_test(env, "urn", |v, r, k| {
        require_defined(&v)?;
        bind("is_urn", &r, &k, &[])?;
        Ok(urls::is_uri(
            &v,
            Some(&Value::from(vec![Value::from("urn")])),
        ))
    });
}

/// Jinja2's `filter`/`test` tests as ansible answers them: names are
/// looked up (with or without the `ansible.builtin.` prefix); other
/// hashable values make ansible's plugin loader fail, which it reports
/// as "exists".
fn plugin_exists(
    state: &State,
    value: &Value,
    lookup: fn(&State, &str) -> bool,
) -> Result<bool, Error> {
    require_defined(value)?;
    match value.kind() {
        ValueKind::String => {
            let name = value.as_str().unwrap_or_default();
            let short = name
                .strip_prefix("ansible.builtin.")
                .or_else(|| name.strip_prefix("ansible.legacy."))
                .unwrap_or(name);
            Ok(!short.is_empty() && lookup(state, short))
        }
        _ => match py::hash(value) {
            py::PyHash::Unhashable(t) => Err(py::error(format!("unhashable type: '{t}'"))),
            _ => Ok(true),
        },
    }
}

/// A test of the value alone.
fn unary(
    value: Value,
    rest: Rest<Value>,
    kwargs: Kwargs,
    name: &str,
    f: impl Fn(&Value) -> bool,
) -> Result<bool, Error> {
    no_args(&value, &rest, &kwargs, name)?;
    Ok(f(&value))
}

fn no_args(value: &Value, rest: &[Value], kwargs: &Kwargs, name: &str) -> Result<(), Error> {
    require_defined(value)?;
    bind(name, rest, kwargs, &[])?;
    Ok(())
}

/// The single required argument of a test.
fn one_arg(
    value: &Value,
    rest: &[Value],
    kwargs: &Kwargs,
    name: &str,
    param: &str,
) -> Result<Value, Error> {
    require_defined(value)?;
    let args = bind(name, rest, kwargs, &[param])?;
    args.into_iter().next().flatten().ok_or_else(|| {
        py::error(format!(
            "{name}() missing 1 required positional argument: '{param}'"
        ))
    })
}

/// Unicode titlecase letters (category Lt), which Python's `islower` and
/// `isupper` treat like uppercase.
fn is_titlecase(c: char) -> bool {
    matches!(c as u32,
        0x01c5 | 0x01c8 | 0x01cb | 0x01f2 | 0x1f88..=0x1f8f | 0x1f98..=0x1f9f
        | 0x1fa8..=0x1faf | 0x1fbc | 0x1fcc | 0x1ffc)
}

/// Python's `str.islower`.
fn is_lower(s: &str) -> bool {
    let mut cased = false;
    for c in s.chars() {
        if c.is_uppercase() || is_titlecase(c) {
            return false;
        }
        cased |= c.is_lowercase();
    }
    cased
}

/// Python's `str.isupper`.
fn is_upper(s: &str) -> bool {
    let mut cased = false;
    for c in s.chars() {
        if c.is_lowercase() || is_titlecase(c) {
            return false;
        }
        cased |= c.is_uppercase();
    }
    cased
}

/// Python's `value % divisor` for numbers; `None` when the types do not
/// support it.
fn py_mod(value: &Value, divisor: &Value) -> Result<py::Num, Error> {
    use py::Num;
    let (Some(a), Some(b)) = (py::num(value), py::num(divisor)) else {
        let msg = if value.kind() == ValueKind::String {
            "not all arguments converted during string formatting".to_string()
        } else {
            format!(
                "unsupported operand type(s) for %: '{}' and '{}'",
                py::type_name(value),
                py::type_name(divisor)
            )
        };
        return Err(py::error(msg));
    };
    match (a, b) {
        (Num::Int(_), Num::Int(0)) => Err(py::error("integer modulo by zero")),
        (Num::Int(x), Num::Int(y)) => {
            let r = x.checked_rem(y).unwrap_or(0);
            Ok(Num::Int(if r != 0 && (r < 0) != (y < 0) {
                r + y
            } else {
                r
            }))
        }
        (x, y) => {
            let (x, y) = (x.as_f64(), y.as_f64());
            if y == 0.0 {
                return Err(py::error("float modulo"));
            }
            let mut m = x % y;
            if m != 0.0 && ((m < 0.0) != (y < 0.0)) {
                m += y;
            }
            Ok(Num::Float(m))
        }
    }
}

fn num_is(n: py::Num, target: i128) -> bool {
    py::num_eq(n, py::Num::Int(target))
}

/// Jinja2's `odd` (`value % 2 == 1`) and `even` (`value % 2 == 0`).
fn modulo_test(
    value: Value,
    rest: Rest<Value>,
    kwargs: Kwargs,
    name: &str,
    want: i128,
) -> Result<bool, Error> {
    no_args(&value, &rest, &kwargs, name)?;
    Ok(num_is(py_mod(&value, &Value::from(2))?, want))
}

fn divisibleby(value: Value, rest: Rest<Value>, kwargs: Kwargs) -> Result<bool, Error> {
    let num = one_arg(&value, &rest, &kwargs, "divisibleby", "num")?;
    Ok(num_is(py_mod(&value, &num)?, 0))
}

/// The mapping check shared by the task result tests.
fn result_test(
    value: Value,
    rest: Rest<Value>,
    kwargs: Kwargs,
    name: &str,
    f: impl Fn(&Value) -> Result<bool, Error>,
) -> Result<bool, Error> {
    no_args(&value, &rest, &kwargs, name)?;
    if !py::is_mapping(&value) {
        return Err(py::error(format!("The '{name}' test expects a dictionary")));
    }
    f(&value)
}

fn get(map: &Value, key: &str) -> Option<Value> {
    py::map_get(map, &Value::from(key))
}

fn get_truthy(map: &Value, key: &str) -> bool {
    get(map, key).is_some_and(|v| py::truthy(&v))
}

fn timedout(result: &Value) -> Result<bool, Error> {
    let Some(t) = get(result, "timedout").filter(py::truthy) else {
        return Ok(false);
    };
    if !py::is_mapping(&t) {
        return Err(py::error(format!(
            "'{}' object has no attribute 'get'",
            py::type_name(&t)
        )));
    }
    Ok(get_truthy(&t, "period"))
}

fn changed(result: &Value) -> Result<bool, Error> {
    if let Some(c) = get(result, "changed") {
        return Ok(py::truthy(&c));
    }
    let Some(results) = get(result, "results") else {
        return Ok(false);
    };
    if results.kind() != ValueKind::Seq || results.is_tuple() {
        return Ok(false);
    }
    let items: Vec<Value> = results.try_iter()?.collect();
    let Some(first) = items.first() else {
        return Err(py::error("list index out of range"));
    };
    if !py::is_mapping(first) {
        return Ok(false);
    }
    for item in &items {
        if !py::is_mapping(item) {
            return Err(py::error(format!(
                "'{}' object has no attribute 'get'",
                py::type_name(item)
            )));
        }
        if get_truthy(item, "changed") {
            return Ok(true);
        }
    }
    Ok(false)
}

/// `started`/`finished`: the key's truthiness, or true for results of
/// tasks that were not async (ansible also warns then).
fn async_state(result: &Value, key: &str) -> bool {
    match get(result, key) {
        Some(v) => py::truthy(&v),
        None => true,
    }
}

fn regex_test(
    value: Value,
    rest: Rest<Value>,
    kwargs: Kwargs,
    fixed: Option<&str>,
) -> Result<bool, Error> {
    require_defined(&value)?;
    let (name, params): (&str, &[&str]) = match fixed {
        Some("match") => ("match", &["pattern", "ignorecase", "multiline"]),
        Some(_) => ("search", &["pattern", "ignorecase", "multiline"]),
        None => (
            "regex",
            &["pattern", "ignorecase", "multiline", "match_type"],
        ),
    };
    let args = bind(name, &rest, &kwargs, params)?;
    let text = py::to_str(&value);
    let pattern = match &args[0] {
        None => String::new(),
        Some(p) if p.kind() == ValueKind::String => p.as_str().unwrap_or_default().to_string(),
        Some(p) => {
            return Err(py::error(format!(
                "first argument must be string or compiled pattern, not {}",
                py::type_name(p)
            )));
        }
    };
    let ignorecase = args[1].as_ref().is_some_and(py::truthy);
    let multiline = args[2].as_ref().is_some_and(py::truthy);
    let how = match fixed {
        Some(how) => how.to_string(),
        None => match args.get(3).cloned().flatten() {
            None => "search".to_string(),
            Some(m) => py::to_str(&m),
        },
    };
    re_test::test(&text, &pattern, ignorecase, multiline, &how).map_err(py::error)
}

/// ansible's `boolean()` conversion, for `truthy(convert_bool=True)`.
fn convert_bool(value: &Value) -> Option<bool> {
    match value.kind() {
        ValueKind::Bool => Some(value.is_true()),
        ValueKind::String => {
            let s = value.as_str().unwrap_or_default();
            let norm = s.trim_matches(py::is_space).to_lowercase();
            match norm.as_str() {
                "y" | "yes" | "on" | "1" | "true" | "t" => Some(true),
                "n" | "no" | "off" | "0" | "false" | "f" => Some(false),
                _ => None,
            }
        }
        ValueKind::Number => match py::num(value) {
            Some(n) if num_is(n, 1) => Some(true),
            Some(n) if num_is(n, 0) => Some(false),
            _ => None,
        },
        _ => None,
    }
}

fn truthy(value: Value, rest: Rest<Value>, kwargs: Kwargs, name: &str) -> Result<bool, Error> {
    require_defined(&value)?;
    let args = bind(name, &rest, &kwargs, &["convert_bool"])?;
    if args[0].as_ref().is_some_and(py::truthy)
        && let Some(b) = convert_bool(&value)
    {
        return Ok(b);
    }
    Ok(py::truthy(&value))
}

fn subset(value: Value, rest: Rest<Value>, kwargs: Kwargs, superset: bool) -> Result<bool, Error> {
    let other = one_arg(
        &value,
        &rest,
        &kwargs,
        if superset { "issuperset" } else { "issubset" },
        "b",
    )?;
    if superset {
        is_subset(&other, &value)
    } else {
        is_subset(&value, &other)
    }
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn python_case_predicates() {
        assert!(is_lower("['a']"));
        assert!(!is_lower("[1]"));
        assert!(is_upper("ABC1"));
        assert!(!is_upper("ǅ"));
        assert!(!is_lower(""));
    }

    #[test]
    fn python_modulo() {
        let m = py_mod(&Value::from(-3), &Value::from(2)).unwrap();
        assert!(num_is(m, 1));
        let m = py_mod(&Value::from(3.0), &Value::from(2)).unwrap();
        assert!(num_is(m, 1));
        assert!(py_mod(&Value::from(1), &Value::from(0)).is_err());
        assert!(py_mod(&Value::from("a"), &Value::from(2)).is_err());
    }
}
