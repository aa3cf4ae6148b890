//! The variable value model shared by inventory, playbooks and (later) templating.
//!
//! Ansible variables are Python objects produced by YAML, JSON, INI literal
//! evaluation or scripts. `Value` keeps exactly the distinctions Ansible can
//! observe: scalar types, insertion-ordered mappings, and the two YAML tags that
//! change behaviour (`!unsafe` text is never templated, `!vault` text is
//! ciphertext decrypted on use).
//!
//! Rendering follows Python, because users compare our output with ansible's:
//! `python_str`/`python_repr` mirror `str()`/`repr()`, and `to_python_json`
//! mirrors `json.dumps(v, sort_keys=True, indent=4, ensure_ascii=False)`.

use indexmap::IndexMap;
use std::fmt::Write as _;

/// Insertion-ordered mapping, as Python dicts are.
pub type Map = IndexMap<String, Value>;

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    /// An integer beyond i64 (Python ints are unbounded; past i128 we fall
    /// back to `Float`).
    BigInt(i128),
    Float(f64),
    Str(String),
    List(Vec<Value>),
    Map(Map),
    /// Text tagged `!unsafe`: a plain string that must never be templated.
    Unsafe(String),
    /// Text tagged `!vault`: the armoured ciphertext, decrypted on use.
    Vault(String),
}

impl Value {
    /// An integer of any size we can hold exactly.
    pub fn int(i: i128) -> Value {
        match i64::try_from(i) {
            Ok(small) => Value::Int(small),
            Err(_) => Value::BigInt(i),
        }
    }

    pub fn str(s: impl Into<String>) -> Value {
        Value::Str(s.into())
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) | Value::Unsafe(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&Map> {
        match self {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(l) => Some(l),
            _ => None,
        }
    }

    /// Python's name for this value's type, for error messages that quote it.
    pub fn python_type_name(&self) -> &'static str {
        match self {
            Value::Null => "NoneType",
            Value::Bool(_) => "bool",
            Value::Int(_) | Value::BigInt(_) => "int",
            Value::Float(_) => "float",
            Value::Str(_) | Value::Unsafe(_) => "str",
            Value::List(_) => "list",
            Value::Map(_) => "dict",
            Value::Vault(_) => "EncryptedString",
        }
    }

    /// Python truthiness (`bool(v)`).
    /// ansible's `boolean(value, strict=True)` (keywords such as
    /// `ignore_errors`, `become`, `public`): `None` for anything that is
    /// neither a true nor a false spelling.
    pub fn ansible_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            Value::Int(1) => Some(true),
            Value::Int(0) => Some(false),
            Value::Float(f) if *f == 1.0 => Some(true),
            Value::Float(f) if *f == 0.0 => Some(false),
            Value::Str(s) | Value::Unsafe(s) => match s.trim().to_lowercase().as_str() {
                "y" | "yes" | "on" | "1" | "true" | "t" => Some(true),
                "n" | "no" | "off" | "0" | "false" | "f" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    /// The same value with every string marked as data (`Unsafe`), so that
    /// it is never templated again: results of tasks, facts and decrypted
    /// text are data in ansible 2.19, not templates.
    pub fn into_data(self) -> Value {
        match self {
            Value::Str(s) => Value::Unsafe(s),
            Value::List(items) => Value::List(items.into_iter().map(Value::into_data).collect()),
            Value::Map(map) => {
                Value::Map(map.into_iter().map(|(k, v)| (k, v.into_data())).collect())
            }
            other => other,
        }
    }

    pub fn is_truthy(&self) -> bool {
        match self {
            Value::Null => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::BigInt(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::Str(s) | Value::Unsafe(s) | Value::Vault(s) => !s.is_empty(),
            Value::List(l) => !l.is_empty(),
            Value::Map(m) => !m.is_empty(),
        }
    }

    /// Python `str(v)`: strings bare, containers as their repr.
    pub fn python_str(&self) -> String {
        match self {
            Value::Str(s) | Value::Unsafe(s) | Value::Vault(s) => s.clone(),
            other => other.python_repr(),
        }
    }

    /// Python `repr(v)`.
    pub fn python_repr(&self) -> String {
        let mut out = String::new();
        self.write_repr(&mut out);
        out
    }

    fn write_repr(&self, out: &mut String) {
        match self {
            Value::Null => out.push_str("None"),
            Value::Bool(true) => out.push_str("True"),
            Value::Bool(false) => out.push_str("False"),
            Value::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Value::BigInt(i) => {
                let _ = write!(out, "{i}");
            }
            Value::Float(f) => out.push_str(&python_float_repr(*f)),
            Value::Str(s) | Value::Unsafe(s) | Value::Vault(s) => out.push_str(&python_str_repr(s)),
            Value::List(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    item.write_repr(out);
                }
                out.push(']');
            }
            Value::Map(map) => {
                out.push('{');
                for (i, (k, v)) in map.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(&python_str_repr(k));
                    out.push_str(": ");
                    v.write_repr(out);
                }
                out.push('}');
            }
        }
    }

    /// `json.dumps(v, sort_keys=True, indent=4, ensure_ascii=False)`, with
    /// `!unsafe` text as plain strings.
    pub fn to_python_json(&self) -> String {
        self.to_json_as(&JsonFormat::PRETTY)
    }

    /// `json.dumps(v, sort_keys=True, ensure_ascii=False)`: one line, with
    /// Python's default `, ` and `: ` separators.
    pub fn to_python_json_compact(&self) -> String {
        self.to_json_as(&JsonFormat::COMPACT)
    }

    /// As `to_python_json`, but `!unsafe` text as `{"__ansible_unsafe": ...}`
    /// objects, as ansible's legacy inventory profile writes it in `--list`.
    pub fn to_python_json_tagged(&self) -> String {
        self.to_json_as(&JsonFormat {
            tag_unsafe: true,
            ..JsonFormat::PRETTY
        })
    }

    /// `json.dumps(v, sort_keys=True, ...)` with the given indentation and
    /// escaping.
    pub fn to_json_as(&self, format: &JsonFormat) -> String {
        let mut out = String::new();
        self.write_json(&mut out, 0, format);
        out
    }

    /// `depth` is the nesting level (used only when indenting).
    fn write_json(&self, out: &mut String, depth: usize, format: &JsonFormat) {
        let inner = depth + 1;
        match self {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Value::BigInt(i) => {
                let _ = write!(out, "{i}");
            }
            Value::Float(f) => out.push_str(&python_json_float(*f)),
            Value::Str(s) => format.write_string(out, s),
            // ansible's legacy JSON profile keeps the tags as marker objects.
            Value::Unsafe(s) if format.tag_unsafe => {
                tagged_json("__ansible_unsafe", s).write_json(out, depth, format)
            }
            Value::Unsafe(s) => format.write_string(out, s),
            Value::Vault(s) => tagged_json("__ansible_vault", s).write_json(out, depth, format),
            Value::List(items) => {
                if items.is_empty() {
                    out.push_str("[]");
                    return;
                }
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    format.separate(out, i, inner);
                    item.write_json(out, inner, format);
                }
                format.close(out, depth);
                out.push(']');
            }
            Value::Map(map) => {
                if map.is_empty() {
                    out.push_str("{}");
                    return;
                }
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort_by(|a, b| python_str_cmp(a, b));
                out.push('{');
                for (i, k) in keys.iter().enumerate() {
                    format.separate(out, i, inner);
                    format.write_string(out, k);
                    out.push_str(": ");
                    map[*k].write_json(out, inner, format);
                }
                format.close(out, depth);
                out.push('}');
            }
        }
    }

    /// Convert from JSON (script inventories, `-e` JSON, facts).
    pub fn from_json(v: &serde_json::Value) -> Value {
        match v {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => {
                if let Some(i) = n.as_i64() {
                    Value::Int(i)
                } else if let Some(u) = n.as_u64() {
                    Value::int(i128::from(u))
                } else {
                    Value::Float(n.as_f64().unwrap_or(f64::NAN))
                }
            }
            serde_json::Value::String(s) => Value::Str(s.clone()),
            serde_json::Value::Array(a) => Value::List(a.iter().map(Value::from_json).collect()),
            serde_json::Value::Object(o) => Value::Map(
                o.iter()
                    .map(|(k, v)| (k.clone(), Value::from_json(v)))
                    .collect(),
            ),
        }
    }
}

fn tagged_json(marker: &str, text: &str) -> Value {
    let mut m = Map::new();
    m.insert(marker.into(), Value::str(text));
    Value::Map(m)
}

/// Python compares `str` by code point, which for UTF-8 is byte order.
fn python_str_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    a.as_bytes().cmp(b.as_bytes())
}

/// How `json.dumps(..., sort_keys=True)` lays a value out.
#[derive(Debug, Clone, Copy)]
pub struct JsonFormat {
    /// `indent=N` (spaces per level; 0 still breaks lines), or `None` for
    /// one line with `, ` between items.
    pub indent: Option<usize>,
    /// `ensure_ascii=True`: non-ASCII text as `\uXXXX` escapes.
    pub ascii: bool,
    /// `!unsafe` text as `{"__ansible_unsafe": ...}` objects.
    pub tag_unsafe: bool,
}

impl JsonFormat {
    pub const PRETTY: JsonFormat = JsonFormat {
        indent: Some(4),
        ascii: false,
        tag_unsafe: false,
    };
    pub const COMPACT: JsonFormat = JsonFormat {
        indent: None,
        ascii: false,
        tag_unsafe: false,
    };

    fn write_string(&self, out: &mut String, s: &str) {
        if self.ascii {
            write_json_string_ascii(out, s);
        } else {
            write_json_string(out, s);
        }
    }

    /// What goes before the `i`th element of a container at `depth`.
    fn separate(&self, out: &mut String, i: usize, depth: usize) {
        match self.indent {
            Some(width) => {
                if i > 0 {
                    out.push(',');
                }
                newline_indent(out, depth * width);
            }
            None if i > 0 => out.push_str(", "),
            None => {}
        }
    }

    /// What goes before the closing bracket of a container at `depth`.
    fn close(&self, out: &mut String, depth: usize) {
        if let Some(width) = self.indent {
            newline_indent(out, depth * width);
        }
    }
}

fn newline_indent(out: &mut String, spaces: usize) {
    out.push('\n');
    out.extend(std::iter::repeat_n(' ', spaces));
}

/// JSON string escaped as Python's json module does with `ensure_ascii=False`
/// (what ansible-inventory prints): only quotes, backslashes and control
/// characters are escaped.
pub fn write_json_string(out: &mut String, s: &str) {
    out.push('"');
    // Most strings need no escaping: copy them whole.
    if !s.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\') {
        out.push_str(s);
        out.push('"');
        return;
    }
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// JSON string with Python's default `ensure_ascii=True` escaping (`json.dumps(s)`).
pub fn write_json_string_ascii(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Python `repr(str)`: single quotes unless the text holds `'` and no `"`.
pub fn python_str_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if is_python_printable(c) => out.push(c),
            c => {
                let cp = c as u32;
                let _ = if cp < 0x100 {
                    write!(out, "\\x{cp:02x}")
                } else if cp < 0x10000 {
                    write!(out, "\\u{cp:04x}")
                } else {
                    write!(out, "\\U{cp:08x}")
                };
            }
        }
    }
    out.push(quote);
    out
}

/// An approximation of Python's `str.isprintable` per character: control
/// characters, separators other than the ASCII space and unassigned surrogates
/// are escaped; everything else is shown as is.
fn is_python_printable(c: char) -> bool {
    let cp = c as u32;
    !(cp < 0x20
        || (0x7f..=0xa0).contains(&cp)
        || cp == 0xad
        || (0x2000..=0x200f).contains(&cp)
        || (0x2028..=0x202f).contains(&cp)
        || (0x205f..=0x206f).contains(&cp)
        || cp == 0x3000
        || cp == 0xfeff
        || (0xe000..=0xf8ff).contains(&cp))
}

/// Python `repr(float)`: shortest round-trip digits, scientific notation when
/// the decimal exponent is below -4 or at least 16.
pub fn python_float_repr(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let (digits, exp) = shortest_digits(f.abs());
    let mut out = String::new();
    if f.is_sign_negative() {
        out.push('-');
    }
    if !(-4..16).contains(&exp) {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let _ = write!(
            out,
            "e{}{:02}",
            if exp < 0 { '-' } else { '+' },
            exp.unsigned_abs()
        );
    } else if exp < 0 {
        out.push_str("0.");
        for _ in 0..(-exp - 1) {
            out.push('0');
        }
        out.push_str(&digits);
    } else {
        let int_len = exp.unsigned_abs() as usize + 1;
        if digits.len() <= int_len {
            out.push_str(&digits);
            out.extend(std::iter::repeat_n('0', int_len - digits.len()));
            out.push_str(".0");
        } else {
            out.push_str(&digits[..int_len]);
            out.push('.');
            out.push_str(&digits[int_len..]);
        }
    }
    out
}

/// The shortest round-trip decimal digits of a finite, non-negative `f` and
/// its decimal exponent. When two shortest candidates are equally close,
/// Python picks the even last digit while Rust's formatting rounds up, so an
/// odd last digit is checked against the exact expansion.
fn shortest_digits(f: f64) -> (String, i32) {
    let shortest = format!("{f:e}");
    let (mantissa, exp) = match shortest.split_once('e') {
        Some((m, e)) => (m, e.parse::<i32>().unwrap_or(0)),
        None => (shortest.as_str(), 0),
    };
    let mut digits: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).collect();
    if let Some(last) = digits.last().copied()
        && (last - b'0') % 2 == 1
        && digits.len() > 1
    {
        // Every double's exact decimal expansion fits in 800 digits.
        let exact = format!("{f:.800e}");
        if let Some((exact_mantissa, exact_exp)) = exact.split_once('e')
            && exact_exp.parse::<i32>() == Ok(exp)
        {
            let exact_digits: Vec<u8> = exact_mantissa.bytes().filter(u8::is_ascii_digit).collect();
            let n = digits.len();
            let mut halfway = digits.clone();
            halfway[n - 1] = last - 1;
            halfway.push(b'5');
            let tie = exact_digits.len() >= halfway.len()
                && exact_digits[..halfway.len()] == halfway[..]
                && exact_digits[halfway.len()..].iter().all(|&d| d == b'0');
            if tie {
                digits[n - 1] = last - 1;
            }
        }
    }
    (String::from_utf8(digits).unwrap_or_default(), exp)
}

/// Python's json module writes floats with `float.__repr__`, and the
/// non-finite ones as JavaScript names.
pub(crate) fn python_json_float(f: f64) -> String {
    if f.is_nan() {
        "NaN".into()
    } else if f.is_infinite() {
        if f > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        }
    } else {
        python_float_repr(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_repr_matches_python() {
        let cases = [
            (1.0, "1.0"),
            (1.5, "1.5"),
            (0.1, "0.1"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (1.5e-5, "1.5e-05"),
            (0.0001, "0.0001"),
            (-2.25, "-2.25"),
            (123456789.125, "123456789.125"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (-0.0, "-0.0"),
        ];
        for (f, want) in cases {
            assert_eq!(python_float_repr(f), want, "repr of {f}");
        }
        // A tie between two shortest candidates: Python picks the even digit.
        let tie: f64 = "1682801408316077.25".parse().unwrap_or_default();
        assert_eq!(python_float_repr(tie), "1682801408316077.2");
    }

    #[test]
    fn str_repr_picks_quotes_like_python() {
        assert_eq!(python_str_repr("a b"), "'a b'");
        assert_eq!(python_str_repr("it's"), "\"it's\"");
        assert_eq!(python_str_repr("'\""), "'\\'\"'");
        assert_eq!(python_str_repr("tab\there\n"), "'tab\\there\\n'");
    }

    #[test]
    fn json_is_sorted_indented_and_ascii() {
        let mut m = Map::new();
        m.insert(
            "b".into(),
            Value::List(vec![Value::Int(1), Value::Str("é".into())]),
        );
        m.insert("a".into(), Value::Map(Map::new()));
        let want = "{\n    \"a\": {},\n    \"b\": [\n        1,\n        \"é\"\n    ]\n}";
        assert_eq!(Value::Map(m).to_python_json(), want);
    }
}
