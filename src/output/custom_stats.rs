//! `set_stats` data kept for the end of the run (ansible's
//! `AggregateStats.custom`): by host name, the run-wide ones under `_run`.
//! Aggregation follows Python's rules, because users see its results:
//! numbers add (a bool counts as an int, but an int does not join a bool
//! or a float), text and lists concatenate, mappings merge recursively,
//! and a value of another type leaves the old one as it was.

use crate::value::{Map, Value};

/// The key the run-wide stats are kept under.
pub const RUN_KEY: &str = "_run";

/// Where one stat goes: a host's stats, or the run's (`per_host: false`).
fn owner(host: Option<&str>) -> &str {
    host.unwrap_or(RUN_KEY)
}

/// `set_custom_stats`: the value replaces what the owner had under `key`.
pub fn set(custom: &mut Map, host: Option<&str>, key: &str, value: Value) {
    let entry = custom
        .entry(owner(host).to_string())
        .or_insert_with(|| Value::Map(Map::new()));
    if let Value::Map(stats) = entry {
        stats.insert(key.to_string(), value);
    } else {
        // Only this module writes here, always mappings; a stray value is
        // replaced rather than trusted.
        *entry = Value::Map(Map::from_iter([(key.to_string(), value)]));
    }
}

/// `update_custom_stats`: combine the value with what the owner had under
/// `key` (set it when there was nothing). An error is the TypeError Python
/// raises where `+=` has no meaning (`None += None`).
pub fn update(custom: &mut Map, host: Option<&str>, key: &str, value: Value) -> Result<(), String> {
    let existing = match custom.get_mut(owner(host)) {
        Some(Value::Map(stats)) => stats.get_mut(key),
        _ => None,
    };
    let Some(existing) = existing else {
        set(custom, host, key, value);
        return Ok(());
    };
    if let Some(combined) = combine(existing, value)? {
        *existing = combined;
    }
    Ok(())
}

/// `old += new` when `isinstance(new, type(old))`; None when the types do
/// not match (the old value stays).
fn combine(old: &Value, new: Value) -> Result<Option<Value>, String> {
    let combined = match (old, new) {
        (Value::Map(old), Value::Map(new)) => {
            let mut merged = old.clone();
            crate::inventory::vars::merge_into(&mut merged, &new);
            Value::Map(merged)
        }
        (Value::List(old), Value::List(new)) => {
            let mut joined = old.clone();
            joined.extend(new);
            Value::List(joined)
        }
        (Value::Str(old) | Value::Unsafe(old), Value::Str(new) | Value::Unsafe(new)) => {
            Value::Unsafe(format!("{old}{new}"))
        }
        // A bool is an int in Python; True + True is 2.
        (Value::Bool(old), Value::Bool(new)) => Value::Int(i64::from(*old) + i64::from(new)),
        (
            Value::Int(_) | Value::BigInt(_),
            new @ (Value::Int(_) | Value::BigInt(_) | Value::Bool(_)),
        ) => add_ints(old, &new),
        (Value::Float(old), Value::Float(new)) => Value::Float(old + new),
        (Value::Null, Value::Null) => {
            return Err(
                "unsupported operand type(s) for +=: 'NoneType' and 'NoneType'".to_string(),
            );
        }
        _ => return Ok(None),
    };
    Ok(Some(combined))
}

fn as_int(value: &Value) -> i128 {
    match value {
        Value::Int(i) => i128::from(*i),
        Value::BigInt(i) => *i,
        Value::Bool(b) => i128::from(*b),
        _ => 0,
    }
}

/// Python ints do not overflow; past i128 the sum is kept as a float.
fn add_ints(old: &Value, new: &Value) -> Value {
    let (a, b) = (as_int(old), as_int(new));
    match a.checked_add(b) {
        Some(sum) => Value::int(sum),
        None => Value::Float(a as f64 + b as f64),
    }
}

/// One `set_stats` result (`ansible_stats`) applied as the strategy does:
/// to each of `hosts` with `per_host`, else to the run; aggregated unless
/// `aggregate` is false. Nothing happens for empty `data`.
pub fn apply(custom: &mut Map, ansible_stats: &Map, hosts: &[String]) -> Result<(), String> {
    let Some(Value::Map(data)) = ansible_stats.get("data") else {
        return Ok(());
    };
    if data.is_empty() {
        return Ok(());
    }
    let flag = |name: &str| ansible_stats.get(name).is_some_and(truthy);
    let per_host = ansible_stats.get("per_host").is_none_or(truthy);
    let owners: Vec<Option<&str>> = if per_host {
        hosts.iter().map(|h| Some(h.as_str())).collect()
    } else {
        vec![None]
    };
    let aggregate = flag("aggregate");
    for host in owners {
        for (key, value) in data {
            if aggregate {
                update(custom, host, key, value.clone())?;
            } else {
                set(custom, host, key, value.clone());
            }
        }
    }
    Ok(())
}

/// Python truth of the flags (they are bools by the time they get here).
fn truthy(value: &Value) -> bool {
    match value {
        Value::Bool(b) => *b,
        Value::Null => false,
        Value::Int(i) => *i != 0,
        Value::Str(s) | Value::Unsafe(s) => !s.is_empty(),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats_of<'a>(custom: &'a Map, owner: &str) -> &'a Map {
        match custom.get(owner) {
            Some(Value::Map(m)) => m,
            other => panic!("no stats for {owner}: {other:?}"),
        }
    }

    #[test]
    fn numbers_add_as_python_does() {
        let mut custom = Map::new();
        update(&mut custom, None, "n", Value::Int(1)).unwrap();
        update(&mut custom, None, "n", Value::Bool(true)).unwrap();
        // A float does not join an int: the int stays.
        update(&mut custom, None, "n", Value::Float(0.5)).unwrap();
        assert_eq!(stats_of(&custom, RUN_KEY)["n"], Value::Int(2));
        // An int does not join a bool...
        update(&mut custom, None, "b", Value::Bool(true)).unwrap();
        update(&mut custom, None, "b", Value::Int(5)).unwrap();
        assert_eq!(stats_of(&custom, RUN_KEY)["b"], Value::Bool(true));
        // ...but True + True is the int 2, which later ints join.
        update(&mut custom, None, "b", Value::Bool(true)).unwrap();
        assert_eq!(stats_of(&custom, RUN_KEY)["b"], Value::Int(2));
        update(&mut custom, None, "b", Value::Int(5)).unwrap();
        assert_eq!(stats_of(&custom, RUN_KEY)["b"], Value::Int(7));
        update(&mut custom, None, "f", Value::Float(1.5)).unwrap();
        update(&mut custom, None, "f", Value::Int(2)).unwrap();
        update(&mut custom, None, "f", Value::Float(1.5)).unwrap();
        assert_eq!(stats_of(&custom, RUN_KEY)["f"], Value::Float(3.0));
        update(&mut custom, None, "big", Value::Int(i64::MAX)).unwrap();
        update(&mut custom, None, "big", Value::Int(1)).unwrap();
        assert_eq!(
            stats_of(&custom, RUN_KEY)["big"],
            Value::BigInt(i128::from(i64::MAX) + 1)
        );
    }

    #[test]
    fn text_lists_and_mappings_combine() {
        let mut custom = Map::new();
        let map = |pairs: &[(&str, Value)]| {
            Value::Map(
                pairs
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.clone()))
                    .collect(),
            )
        };
        update(&mut custom, Some("h1"), "s", Value::str("ab")).unwrap();
        update(&mut custom, Some("h1"), "s", Value::str("cd")).unwrap();
        update(
            &mut custom,
            Some("h1"),
            "l",
            Value::List(vec![Value::Int(1)]),
        )
        .unwrap();
        update(
            &mut custom,
            Some("h1"),
            "l",
            Value::List(vec![Value::Int(2)]),
        )
        .unwrap();
        update(&mut custom, Some("h1"), "l", Value::str("x")).unwrap();
        update(
            &mut custom,
            Some("h1"),
            "d",
            map(&[("a", map(&[("x", Value::Int(1))])), ("b", Value::Int(1))]),
        )
        .unwrap();
        update(
            &mut custom,
            Some("h1"),
            "d",
            map(&[("a", map(&[("y", Value::Int(2))])), ("b", Value::Int(3))]),
        )
        .unwrap();
        let h1 = stats_of(&custom, "h1");
        assert_eq!(h1["s"].python_str(), "abcd");
        assert_eq!(h1["l"], Value::List(vec![Value::Int(1), Value::Int(2)]));
        assert_eq!(
            h1["d"],
            map(&[
                ("a", map(&[("x", Value::Int(1)), ("y", Value::Int(2))])),
                ("b", Value::Int(3))
            ])
        );
        assert!(!custom.contains_key(RUN_KEY));
    }

    #[test]
    fn none_twice_is_pythons_type_error() {
        let mut custom = Map::new();
        update(&mut custom, None, "n", Value::Null).unwrap();
        assert!(update(&mut custom, None, "n", Value::Null).is_err());
        // A None meeting another type is only a mismatch.
        update(&mut custom, None, "n", Value::Int(1)).unwrap();
        assert_eq!(stats_of(&custom, RUN_KEY)["n"], Value::Null);
    }

    #[test]
    fn apply_follows_per_host_and_aggregate() {
        let mut custom = Map::new();
        let hosts = vec!["h1".to_string(), "h2".to_string()];
        let result = |per_host: bool, aggregate: bool, n: i64| {
            Map::from_iter([
                (
                    "data".to_string(),
                    Value::Map(Map::from_iter([("n".to_string(), Value::Int(n))])),
                ),
                ("per_host".to_string(), Value::Bool(per_host)),
                ("aggregate".to_string(), Value::Bool(aggregate)),
            ])
        };
        apply(&mut custom, &result(false, true, 1), &hosts).unwrap();
        apply(&mut custom, &result(false, true, 2), &hosts).unwrap();
        apply(&mut custom, &result(true, true, 5), &hosts).unwrap();
        apply(&mut custom, &result(true, false, 7), &hosts[..1]).unwrap();
        assert_eq!(stats_of(&custom, RUN_KEY)["n"], Value::Int(3));
        assert_eq!(stats_of(&custom, "h1")["n"], Value::Int(7));
        assert_eq!(stats_of(&custom, "h2")["n"], Value::Int(5));
        // Empty data records nothing, not even an empty owner.
        let mut empty = Map::new();
        let mut nothing = result(true, true, 0);
        nothing.insert("data".into(), Value::Map(Map::new()));
        apply(&mut empty, &nothing, &hosts).unwrap();
        assert!(empty.is_empty());
    }
}
