//! Conversion between mitorun's `Value` and minijinja's value type.
//!
//! Templates see variables as minijinja values; results come back as
//! `Value` so they can be stored, compared and rendered like Python would.

use crate::value::{Map, Value};
use minijinja::value::{Value as Jv, ValueKind};

/// Looks at the error an invalid value carries (a failed lazy variable,
/// an undecryptable vault value), which minijinja keeps private:
/// serialising the value is the public way to reach it (as the cause of
/// the serialiser's own error).
pub fn with_invalid_error<R>(value: &Jv, look: impl FnOnce(&minijinja::Error) -> R) -> Option<R> {
    if value.kind() != ValueKind::Invalid {
        return None;
    }
    let no_kwargs = minijinja::value::Kwargs::from_iter(Vec::<(&str, Jv)>::new());
    let wrapped = minijinja::filters::tojson(value, None, no_kwargs).err()?;
    let carried = std::error::Error::source(&wrapped)
        .and_then(|cause| cause.downcast_ref::<minijinja::Error>())
        .unwrap_or(&wrapped);
    Some(look(carried))
}

/// A mitorun value as minijinja sees it. Mappings keep their order.
pub fn to_jinja(value: &Value) -> Jv {
    match value {
        Value::Null => Jv::from(()),
        Value::Bool(b) => Jv::from(*b),
        Value::Int(i) => Jv::from(*i),
        Value::BigInt(i) => Jv::from(*i),
        Value::Float(f) => Jv::from(*f),
        Value::Str(s) => Jv::from(s.as_str()),
        // Untrusted text (module results, `!unsafe`) is marked "safe" in
        // minijinja's sense, the one flag its strings carry, so that a
        // conditional can refuse to evaluate it (see exec/conditional.rs).
        // Autoescaping is off, so the flag changes no output.
        Value::Unsafe(s) => Jv::from_safe_string(s.clone()),
        // Decryption happens before values reach templates; ciphertext that
        // gets here is shown as the text it is.
        Value::Vault(s) => Jv::from(s.as_str()),
        Value::List(items) => Jv::from(items.iter().map(to_jinja).collect::<Vec<_>>()),
        Value::Map(map) => Jv::from_object(
            map.iter()
                .map(|(k, v)| (Jv::from(k.as_str()), to_jinja(v)))
                .collect::<indexmap::IndexMap<Jv, Jv>>(),
        ),
    }
}

/// A template result as a mitorun value. Undefined becomes `Null`; keys of
/// mappings become strings the way `json.dumps` writes them.
pub fn from_jinja(value: &Jv) -> Value {
    if super::omit::is_omit(value) {
        return Value::str(super::omit::OMIT_TOKEN);
    }
    match value.kind() {
        ValueKind::Undefined | ValueKind::None => Value::Null,
        ValueKind::Bool => Value::Bool(value.is_true()),
        ValueKind::Number => number(value),
        // Marked text stays untrusted (see `to_jinja`).
        ValueKind::String if value.is_safe() => {
            Value::Unsafe(value.as_str().unwrap_or_default().to_string())
        }
        ValueKind::String => Value::Str(value.as_str().unwrap_or_default().to_string()),
        ValueKind::Bytes => {
            Value::Str(String::from_utf8_lossy(value.as_bytes().unwrap_or_default()).into_owned())
        }
        ValueKind::Seq | ValueKind::Iterable => match value.try_iter() {
            Ok(items) => Value::List(items.map(|v| from_jinja(&v)).collect()),
            Err(_) => Value::List(Vec::new()),
        },
        ValueKind::Map => {
            let mut map = Map::new();
            if let Ok(keys) = value.try_iter() {
                for key in keys {
                    let item = value.get_item(&key).unwrap_or_default();
                    map.insert(key_string(&key), from_jinja(&item));
                }
            }
            Value::Map(map)
        }
        // Plain objects (loop, namespace, ...) and invalid values: their text.
        _ => Value::Str(value.to_string()),
    }
}

/// [`from_jinja`], with each failed (invalid) entry of a container (a lazy
/// entry whose template failed) replaced by what `replace` makes of the
/// error it carries.
pub fn from_jinja_replacing_failures(
    value: &Jv,
    replace: &mut dyn FnMut(&minijinja::Error) -> Value,
) -> Value {
    from_jinja_replacing_at(value, replace, 0)
}

fn from_jinja_replacing_at(
    value: &Jv,
    replace: &mut dyn FnMut(&minijinja::Error) -> Value,
    depth: usize,
) -> Value {
    // Data from templates is never this deep; a cycle must not hang.
    if depth > 64 {
        return from_jinja(value);
    }
    match value.kind() {
        ValueKind::Invalid => {
            with_invalid_error(value, |e| replace(e)).unwrap_or_else(|| from_jinja(value))
        }
        ValueKind::Seq | ValueKind::Iterable if !super::omit::is_omit(value) => {
            match value.try_iter() {
                Ok(items) => Value::List(
                    items
                        .map(|v| from_jinja_replacing_at(&v, replace, depth + 1))
                        .collect(),
                ),
                Err(_) => Value::List(Vec::new()),
            }
        }
        ValueKind::Map if !super::omit::is_omit(value) => {
            let mut map = Map::new();
            if let Ok(keys) = value.try_iter() {
                for key in keys {
                    let item = value.get_item(&key).unwrap_or_default();
                    map.insert(
                        key_string(&key),
                        from_jinja_replacing_at(&item, replace, depth + 1),
                    );
                }
            }
            Value::Map(map)
        }
        _ => from_jinja(value),
    }
}

fn number(value: &Jv) -> Value {
    if value.is_integer() {
        if let Some(i) = value.as_i64() {
            return Value::Int(i);
        }
        if let Ok(i) = i128::try_from(value.clone()) {
            return Value::int(i);
        }
    }
    match f64::try_from(value.clone()) {
        Ok(f) => Value::Float(f),
        Err(_) => Value::Str(value.to_string()),
    }
}

fn key_string(key: &Jv) -> String {
    match key.kind() {
        ValueKind::String => key.as_str().unwrap_or_default().to_string(),
        ValueKind::None | ValueKind::Undefined => "null".into(),
        ValueKind::Bool => if key.is_true() { "true" } else { "false" }.into(),
        _ => from_jinja(key).python_str(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip() {
        let mut inner = Map::new();
        inner.insert("z".into(), Value::Int(1));
        inner.insert(
            "a".into(),
            Value::List(vec![Value::Bool(true), Value::Null, Value::Float(1.5)]),
        );
        let original = Value::Map(Map::from_iter([
            ("s".to_string(), Value::str("x")),
            ("big".to_string(), Value::BigInt(1 << 80)),
            ("m".to_string(), Value::Map(inner)),
        ]));
        assert_eq!(from_jinja(&to_jinja(&original)), original);
    }
}
