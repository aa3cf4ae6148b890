//! ansible's `validate_variable_name`: which names a task may create
//! (`set_fact` keys, `register`, `include_vars` names), and the wording of
//! the error when one is refused.

use crate::value::Value;

/// Names Jinja gives a meaning of its own; they can never be variables.
const JINJA_KEYWORDS: &[&str] = &["true", "false", "none", "True", "False", "None", "not"];

/// An ASCII identifier that Jinja does not reserve.
pub fn is_valid(name: &str) -> bool {
    let mut chars = name.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() || c == '_' => {}
        _ => return false,
    }
    chars.all(|c| c.is_ascii_alphanumeric() || c == '_') && !JINJA_KEYWORDS.contains(&name)
}

/// The help text ansible adds to a refused name.
pub const HELP: &str = "Variable names must be strings starting with a letter or underscore character, and contain only letters, numbers and underscores.";

/// `Ok(name)` when `name` may be a variable, else ansible's message:
/// scalars are shown as `str(name)` quoted, and a name that is not a
/// string also gets its type (`Invalid variable name '1' of type 'int'.`).
pub fn validate(name: &Value) -> Result<String, String> {
    if let Value::Str(s) | Value::Unsafe(s) = name
        && is_valid(s)
    {
        return Ok(s.clone());
    }
    let mut description = match name {
        Value::Str(_)
        | Value::Unsafe(_)
        | Value::Int(_)
        | Value::BigInt(_)
        | Value::Float(_)
        | Value::Bool(_)
        | Value::Null => format!("name {}", Value::str(name.python_str()).python_repr()),
        _ => "name".to_string(),
    };
    if !matches!(name, Value::Str(_) | Value::Unsafe(_)) {
        description.push_str(&format!(" of type '{}'", name.python_type_name()));
    }
    Err(format!("Invalid variable {description}."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_match_ansible() {
        assert_eq!(validate(&Value::str("my_key")), Ok("my_key".to_string()));
        assert_eq!(
            validate(&Value::str("true")),
            Err("Invalid variable name 'true'.".to_string())
        );
        assert_eq!(
            validate(&Value::Int(1)),
            Err("Invalid variable name '1' of type 'int'.".to_string())
        );
        assert_eq!(
            validate(&Value::Null),
            Err("Invalid variable name 'None' of type 'NoneType'.".to_string())
        );
        assert_eq!(
            validate(&Value::List(vec![])),
            Err("Invalid variable name of type 'list'.".to_string())
        );
        assert!(!is_valid("café"));
        assert!(!is_valid("1a"));
        assert!(is_valid("_a1"));
    }
}
