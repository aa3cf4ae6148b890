//! The file format of ansible-core 2.19's persistent fact caches.
//!
//! 2.19 wraps every persistent cache plugin (`_internal/_plugins/_cache.py`):
//! keys get a schema prefix (`s1_`) and a host's facts are stored as
//! `{"__payload__": "<JSON text>"}`, the inner text written by the
//! `cache_persistence` JSON profile, which keeps data tags as
//! `{"value": ..., "tags": [...], "__ansible_type": "_AnsibleTagged..."}`.
//! `jsonfile` then writes that object with a plain `json.dumps`: one line,
//! insertion order, ASCII escapes. Writing the same bytes lets mitorun and
//! ansible-playbook share a cache directory.
//!
//! Trust is the one tag mitorun's values carry: a trusted string (`Str`)
//! is written tagged `TrustedAsTemplate`, data (`Unsafe`) plainly, and on
//! reading only `TrustedAsTemplate` strings come back trusted, as in 2.19.
//! Origins (file, line, column) that ansible records on values from a
//! playbook are not known here and are not written; when reading, they
//! are dropped.

use std::fmt::Write;

use crate::value::{Map, Value, python_json_float, write_json_string_ascii};

/// The schema id of 2.19's cache persistence profile, part of every key.
pub const SCHEMA_PREFIX: &str = "s1_";

const PAYLOAD_KEY: &str = "__payload__";
const TYPE_KEY: &str = "__ansible_type";

/// Why a cache file could not be read back.
#[derive(Debug, Clone, PartialEq)]
pub enum DecodeError {
    /// The file is not JSON at all (`jsonfile` then deletes it and fails
    /// the run).
    NotJson,
    /// The file is JSON but holds no payload object: ansible's lookup
    /// raises KeyError, which every caller takes as "no facts cached".
    NoPayload,
    /// The payload is not valid JSON text: an unexpected exception in
    /// ansible (exit 250).
    BadPayload,
}

/// The text `jsonfile` writes for `facts`.
pub fn encode_file(facts: &Map) -> String {
    let mut payload = String::new();
    write_value(&mut payload, &Value::Map(facts.clone()));
    let mut out = String::from("{\"");
    out.push_str(PAYLOAD_KEY);
    out.push_str("\": ");
    write_json_string_ascii(&mut out, &payload);
    out.push('}');
    out
}

/// The facts in a cache file's text.
pub fn decode_file(text: &str) -> Result<Map, DecodeError> {
    let outer = crate::playbook::pyjson::parse_plain(text).ok_or(DecodeError::NotJson)?;
    let payload = match &outer {
        Value::Map(m) => match m.get(PAYLOAD_KEY) {
            Some(Value::Str(p)) => p,
            Some(_) => return Err(DecodeError::BadPayload),
            None => return Err(DecodeError::NoPayload),
        },
        _ => return Err(DecodeError::NoPayload),
    };
    match crate::playbook::pyjson::parse_plain(payload).map(decode_value) {
        Some(Value::Map(facts)) => Ok(facts),
        // A payload that is JSON but not an object: no facts to merge.
        Some(_) => Err(DecodeError::NoPayload),
        None => Err(DecodeError::BadPayload),
    }
}

/// `json.dumps` with Python's defaults (`, ` and `: `, ASCII escapes, keys
/// in insertion order), tagging values as the persistence profile does.
fn write_value(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::BigInt(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Float(f) => out.push_str(&python_json_float(*f)),
        Value::Str(s) => {
            out.push_str("{\"value\": ");
            write_json_string_ascii(out, s);
            out.push_str(", \"tags\": [{\"");
            out.push_str(TYPE_KEY);
            out.push_str("\": \"TrustedAsTemplate\"}], \"");
            out.push_str(TYPE_KEY);
            out.push_str("\": \"_AnsibleTaggedStr\"}");
        }
        Value::Unsafe(s) => write_json_string_ascii(out, s),
        Value::Vault(ciphertext) => {
            out.push_str("{\"ciphertext\": ");
            write_json_string_ascii(out, ciphertext);
            out.push_str(", \"");
            out.push_str(TYPE_KEY);
            out.push_str("\": \"EncryptedString\"}");
        }
        Value::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value(out, item);
            }
            out.push(']');
        }
        Value::Map(map) => {
            out.push('{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_json_string_ascii(out, k);
                out.push_str(": ");
                write_value(out, v);
            }
            out.push('}');
        }
    }
}

/// A decoded JSON value with the profile's markers resolved: tagged
/// values become their plain value (strings trusted only when tagged
/// `TrustedAsTemplate`), vaulted text becomes `Vault`, date and time
/// objects their ISO 8601 text, every other string data.
fn decode_value(value: Value) -> Value {
    match value {
        Value::Str(s) => Value::Unsafe(s),
        Value::List(items) => Value::List(items.into_iter().map(decode_value).collect()),
        Value::Map(map) => match map.get(TYPE_KEY).and_then(Value::as_str) {
            Some(type_name) => decode_tagged(type_name.to_string(), map),
            None => Value::Map(map.into_iter().map(|(k, v)| (k, decode_value(v))).collect()),
        },
        other => other,
    }
}

fn decode_tagged(type_name: String, mut map: Map) -> Value {
    if type_name == "EncryptedString"
        && let Some(Value::Str(ciphertext)) = map.get("ciphertext")
    {
        return Value::Vault(ciphertext.clone());
    }
    if let Some(Value::Str(iso)) = map.get("iso8601") {
        return Value::Unsafe(iso.clone());
    }
    let Some(inner) = map.shift_remove("value") else {
        // Not a form this profile writes: keep the object as data.
        map.shift_remove(TYPE_KEY);
        return decode_value(Value::Map(map));
    };
    let trusted = match map.get("tags") {
        Some(Value::List(tags)) => tags.iter().any(|tag| {
            tag.as_map()
                .and_then(|t| t.get(TYPE_KEY))
                .and_then(Value::as_str)
                == Some("TrustedAsTemplate")
        }),
        _ => false,
    };
    match (decode_value(inner), trusted) {
        (Value::Unsafe(s), true) => Value::Str(s),
        (plain, _) => plain,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(pairs: &[(&str, Value)]) -> Map {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    #[test]
    fn module_facts_are_written_as_ansible_writes_them() {
        let mut nested = Map::new();
        nested.insert(
            "y".into(),
            Value::List(vec![
                Value::Int(1),
                Value::Float(2.5),
                Value::Null,
                Value::Bool(true),
            ]),
        );
        nested.insert("b".into(), Value::Unsafe("x".into()));
        let facts = facts(&[
            ("zeta", Value::Int(1)),
            ("alpha", Value::Unsafe("A\u{e9}".into())),
            ("ansible_mid", Value::Map(nested)),
            ("big", Value::int(12345678901234567890)),
            ("fl", Value::Float(1e20)),
        ]);
        // What ansible-core 2.19's jsonfile wrote for these module facts.
        let want = r#"{"__payload__": "{\"zeta\": 1, \"alpha\": \"A\\u00e9\", \"ansible_mid\": {\"y\": [1, 2.5, null, true], \"b\": \"x\"}, \"big\": 12345678901234567890, \"fl\": 1e+20}"}"#;
        assert_eq!(encode_file(&facts), want);
        assert_eq!(decode_file(want), Ok(facts));
    }

    #[test]
    fn trusted_strings_carry_their_tag_both_ways() {
        let facts = facts(&[
            ("lit", Value::str("bar")),
            ("data", Value::Unsafe("{{ x }}".into())),
            (
                "vaulted",
                Value::Vault("$ANSIBLE_VAULT;1.1;AES256\n3131\n".into()),
            ),
        ]);
        let text = encode_file(&facts);
        assert!(text.contains(r#"{\"value\": \"bar\", \"tags\": [{\"__ansible_type\": \"TrustedAsTemplate\"}], \"__ansible_type\": \"_AnsibleTaggedStr\"}"#));
        assert_eq!(decode_file(&text), Ok(facts));
    }

    #[test]
    fn ansible_origins_are_dropped_and_trust_kept() {
        let text = r#"{"__payload__": "{\"n\": {\"value\": 3, \"tags\": [{\"path\": \"/p.yml\", \"line_num\": 8, \"col_num\": 14, \"__ansible_type\": \"Origin\"}], \"__ansible_type\": \"_AnsibleTaggedInt\"}, \"s\": {\"value\": \"v\", \"tags\": [{\"path\": \"/p.yml\", \"line_num\": 7, \"col_num\": 14, \"__ansible_type\": \"Origin\"}, {\"__ansible_type\": \"TrustedAsTemplate\"}], \"__ansible_type\": \"_AnsibleTaggedStr\"}, \"t\": {\"value\": \"abc\", \"tags\": [], \"__ansible_type\": \"_AnsibleTaggedStr\"}}"}"#;
        let got = decode_file(text);
        let want = facts(&[
            ("n", Value::Int(3)),
            ("s", Value::str("v")),
            ("t", Value::Unsafe("abc".into())),
        ]);
        assert_eq!(got, Ok(want));
    }

    #[test]
    fn broken_files_are_told_apart() {
        assert_eq!(decode_file(""), Err(DecodeError::NotJson));
        assert_eq!(decode_file("{\"a\": 1}"), Err(DecodeError::NoPayload));
        assert_eq!(
            decode_file("{\"__payload__\": \"{bad\"}"),
            Err(DecodeError::BadPayload)
        );
    }
}
