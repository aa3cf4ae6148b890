//! Which strategy runs a play, and the play/task keywords that shape how
//! hosts are scheduled: `strategy`, `throttle`, `max_fail_percentage`.

use crate::value::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// Every host finishes a task before the next task starts.
    Linear,
    /// Each host goes through its tasks on its own, up to `forks` at once.
    Free,
    /// `free`, but a host keeps its worker until it is done.
    HostPinned,
}

impl Strategy {
    /// ansible's plugin names (short, `ansible.builtin.`/`ansible.legacy.`)
    /// and Mitogen's, which mitorun always stands in for.
    pub fn from_name(name: &str) -> Option<Strategy> {
        let short = name
            .strip_prefix("ansible.builtin.")
            .or_else(|| name.strip_prefix("ansible.legacy."))
            .unwrap_or(name);
        match short {
            "linear" | "mitogen_linear" => Some(Strategy::Linear),
            "free" | "mitogen_free" => Some(Strategy::Free),
            "host_pinned" | "mitogen_host_pinned" => Some(Strategy::HostPinned),
            _ => None,
        }
    }

    /// `free` and `host_pinned`: hosts do not wait for each other (the
    /// default callback then prints a task's banner with its results).
    pub fn runs_hosts_independently(self) -> bool {
        !matches!(self, Strategy::Linear)
    }
}

/// The play's strategy: its `strategy` keyword (already templated) or the
/// configured default; an unknown name is ansible's error.
pub fn play_strategy(play_value: Option<&Value>, default: &str) -> Result<Strategy, String> {
    let name = match play_value {
        Some(Value::Null) | None => default.to_string(),
        Some(v) => v.python_str(),
    };
    Strategy::from_name(&name).ok_or_else(|| format!("Invalid play strategy specified: {name}"))
}

/// Python's `int(value)` for a keyword value, with Python's error texts.
pub fn python_int(value: &Value) -> Result<i64, String> {
    match value {
        Value::Int(i) => Ok(*i),
        Value::Bool(b) => Ok(i64::from(*b)),
        Value::Float(f) if f.is_finite() => Ok(f.trunc() as i64),
        Value::Float(f) => Err(format!("cannot convert float {f} to integer")),
        Value::Str(s) | Value::Unsafe(s) => s.trim().parse::<i64>().map_err(|_| {
            format!(
                "invalid literal for int() with base 10: {}",
                crate::value::python_str_repr(s)
            )
        }),
        other => Err(format!(
            "int() argument must be a string, a bytes-like object or a real number, not '{}'",
            other.python_type_name()
        )),
    }
}

/// ansible's `percent` type (`max_fail_percentage`): a number, or text
/// whose `%` signs are dropped.
pub fn percent(value: &Value) -> Result<Option<f64>, String> {
    let invalid = || {
        format!(
            "The value {} could not be converted to 'percent'.",
            value.python_repr()
        )
    };
    match value {
        Value::Null => Ok(None),
        Value::Int(i) => Ok(Some(*i as f64)),
        Value::Float(f) => Ok(Some(*f)),
        Value::Bool(b) => Ok(Some(f64::from(u8::from(*b)))),
        Value::Str(s) | Value::Unsafe(s) => s
            .replace('%', "")
            .trim()
            .parse::<f64>()
            .map(Some)
            .map_err(|_| invalid()),
        _ => Err(invalid()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strategy_names_and_aliases() {
        for (name, want) in [
            ("linear", Strategy::Linear),
            ("ansible.builtin.free", Strategy::Free),
            ("mitogen_host_pinned", Strategy::HostPinned),
            ("mitogen_linear", Strategy::Linear),
            ("ansible.legacy.host_pinned", Strategy::HostPinned),
        ] {
            assert_eq!(Strategy::from_name(name), Some(want), "{name}");
        }
        assert_eq!(
            play_strategy(Some(&Value::str("bogus")), "linear"),
            Err("Invalid play strategy specified: bogus".to_string())
        );
        assert_eq!(play_strategy(None, "free"), Ok(Strategy::Free));
    }

    #[test]
    fn int_conversion_follows_python() {
        assert_eq!(python_int(&Value::str(" 3 ")), Ok(3));
        assert_eq!(python_int(&Value::Float(2.7)), Ok(2));
        assert_eq!(
            python_int(&Value::str("abc")),
            Err("invalid literal for int() with base 10: 'abc'".to_string())
        );
        assert!(python_int(&Value::Null).is_err());
    }
}
