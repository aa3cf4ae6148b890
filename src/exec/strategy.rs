//! Which strategy runs a play, and the play/task keywords that shape how
//! hosts are scheduled: `strategy`, `throttle`, `max_fail_percentage`.

use crate::value::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheduling {
    /// Every host finishes a task before the next task starts.
    Linear,
    /// Each host goes through its tasks on its own, up to `forks` at once.
    Free,
    /// `free`, but a host keeps its worker until it is done.
    HostPinned,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Strategy {
    pub scheduling: Scheduling,
    /// The default callback prints a task's banner with its first result
    /// rather than when it starts: it does so for the plugins named `free`
    /// and `host_pinned`, not for Mitogen's, whose names it does not know.
    pub late_banners: bool,
}

impl Strategy {
    /// ansible's plugin names (short, `ansible.builtin.`/`ansible.legacy.`)
    /// and Mitogen's, which mitorun always stands in for.
    pub fn from_name(name: &str) -> Option<Strategy> {
        let short = name
            .strip_prefix("ansible.builtin.")
            .or_else(|| name.strip_prefix("ansible.legacy."))
            .unwrap_or(name);
        let (scheduling, late_banners) = match short {
            "linear" => (Scheduling::Linear, false),
            "mitogen_linear" => (Scheduling::Linear, false),
            "free" => (Scheduling::Free, true),
            "mitogen_free" => (Scheduling::Free, false),
            "host_pinned" => (Scheduling::HostPinned, true),
            "mitogen_host_pinned" => (Scheduling::HostPinned, false),
            _ => return None,
        };
        Some(Strategy {
            scheduling,
            late_banners,
        })
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
        Value::Str(s) | Value::Unsafe(s) => parse_python_int(s).ok_or_else(|| {
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

/// A base-10 integer literal as `int()` reads it: surrounding whitespace,
/// a sign, and single underscores between digits.
fn parse_python_int(text: &str) -> Option<i64> {
    let text = text.trim();
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
        || !digits.chars().all(|c| c.is_ascii_digit() || c == '_')
    {
        return None;
    }
    let magnitude: i64 = digits.replace('_', "").parse().ok()?;
    Some(if negative { -magnitude } else { magnitude })
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
        for (name, want, late) in [
            ("linear", Scheduling::Linear, false),
            ("ansible.builtin.free", Scheduling::Free, true),
            ("mitogen_host_pinned", Scheduling::HostPinned, false),
            ("mitogen_free", Scheduling::Free, false),
            ("mitogen_linear", Scheduling::Linear, false),
            ("ansible.legacy.host_pinned", Scheduling::HostPinned, true),
        ] {
            let got = Strategy::from_name(name).map(|s| (s.scheduling, s.late_banners));
            assert_eq!(got, Some((want, late)), "{name}");
        }
        assert_eq!(
            play_strategy(Some(&Value::str("bogus")), "linear"),
            Err("Invalid play strategy specified: bogus".to_string())
        );
        assert_eq!(
            play_strategy(None, "free").map(|s| s.scheduling),
            Ok(Scheduling::Free)
        );
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
