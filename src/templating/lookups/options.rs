//! Lookup options (the keyword arguments of a lookup call) as ansible's
//! config manager reads them: each option has a declared type, a default
//! and maybe a list of choices; values given as `None` take the default;
//! keywords a lookup does not declare are ignored. Conversion follows
//! `ensure_type`, and failures use its words:
//! `Config 'col' for 'csvfile' lookup plugin from 'Direct' has an invalid
//! value: Invalid value provided for 'int': 'abc'`.

use super::Failure;
use crate::templating::filters::math::py;
use indexmap::IndexMap;
use minijinja::value::{Value as Jv, ValueKind};

/// An option's declared type, by the name ansible's documentation uses
/// (it appears in error messages).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Kind {
    Bool(&'static str),
    Int(&'static str),
    Float(&'static str),
    Str(&'static str),
    List,
    Dict(&'static str),
    /// No declared type: the value as given.
    Raw,
}

pub(crate) const BOOL: Kind = Kind::Bool("bool");
pub(crate) const BOOLEAN: Kind = Kind::Bool("boolean");
pub(crate) const INT: Kind = Kind::Int("int");
pub(crate) const INTEGER: Kind = Kind::Int("integer");
pub(crate) const STR: Kind = Kind::Str("str");
pub(crate) const STRING: Kind = Kind::Str("string");
pub(crate) const DICT: Kind = Kind::Dict("dict");
pub(crate) const DICTIONARY: Kind = Kind::Dict("dictionary");
pub(crate) const FLOAT: Kind = Kind::Float("float");

/// A default as the documentation writes it.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Default {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(&'static str),
    List(&'static [&'static str]),
    EmptyDict,
}

#[derive(Debug)]
pub(crate) struct OptionDef {
    pub name: &'static str,
    pub kind: Kind,
    pub default: Default,
    pub choices: &'static [&'static str],
    pub aliases: &'static [&'static str],
}

pub(crate) const fn opt(name: &'static str, kind: Kind, default: Default) -> OptionDef {
    OptionDef {
        name,
        kind,
        default,
        choices: &[],
        aliases: &[],
    }
}

/// Typed option values of one lookup call.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    plugin: &'static str,
    defs: &'static [OptionDef],
    values: IndexMap<&'static str, Jv>,
}

impl Options {
    /// Read `defs` from the keyword arguments (`set_options(direct=kwargs)`).
    pub fn parse(
        plugin: &'static str,
        defs: &'static [OptionDef],
        kwargs: &IndexMap<String, Jv>,
    ) -> Result<Options, Failure> {
        Options::parse_with(plugin, defs, kwargs, |_| None)
    }

    /// As [`Options::parse`], for options that may also be configured:
    /// an option not given (or given as `None`) takes `configured(def)`,
    /// a value and its origin as ansible names it in errors (`var: NAME`,
    /// `env: NAME`, the ansible.cfg path), before its default.
    pub fn parse_with(
        plugin: &'static str,
        defs: &'static [OptionDef],
        kwargs: &IndexMap<String, Jv>,
        configured: impl Fn(&OptionDef) -> Option<(Jv, String)>,
    ) -> Result<Options, Failure> {
        let mut options = Options {
            plugin,
            defs,
            values: IndexMap::new(),
        };
        for def in defs {
            let given = std::iter::once(def.name)
                .chain(def.aliases.iter().copied())
                .find_map(|k| kwargs.get(k))
                .filter(|v| !v.is_none());
            match given {
                Some(value) => options.set_from(def, Some((value.clone(), "Direct".into())))?,
                None => options.set_from(def, configured(def))?,
            }
        }
        Ok(options)
    }

    /// `set_option(name, value)`: one option from text or a value.
    pub fn set(&mut self, name: &str, value: Jv) -> Result<(), Failure> {
        let Some(def) = self.defs.iter().find(|d| d.name == name) else {
            return Ok(());
        };
        let given = if value.is_none() {
            None
        } else {
            Some((value, "Direct".to_string()))
        };
        self.set_from(def, given)
    }

    /// Set `def` from `given` (a value and its origin), else its default.
    fn set_from(
        &mut self,
        def: &'static OptionDef,
        given: Option<(Jv, String)>,
    ) -> Result<(), Failure> {
        let (value, origin) = match given {
            Some(given) => given,
            None => (default_value(def.default), "default".to_string()),
        };
        let value = if value.is_none() {
            value
        } else {
            ensure_type(&value, def.kind).map_err(|reason| {
                format!(
                    "Config '{}' for '{}' lookup plugin from '{origin}' has an invalid value: {reason}",
                    def.name, self.plugin
                )
            })?
        };
        if !def.choices.is_empty()
            && !value.is_none()
            && !value.as_str().is_some_and(|s| def.choices.contains(&s))
        {
            let message = format!(
                "Invalid value {} for config '{}' for '{}' lookup plugin.",
                py::repr(&value),
                def.name,
                self.plugin
            );
            super::context::set_error_cause_with_help(
                &message,
                &format!("Valid values are: {}", def.choices.join(", ")),
            );
            return Err(message);
        }
        self.values.insert(def.name, value);
        Ok(())
    }

    /// The option's value (`None` when unset without default).
    pub fn get(&self, name: &str) -> Jv {
        self.values.get(name).cloned().unwrap_or(Jv::from(()))
    }

    pub fn bool(&self, name: &str) -> bool {
        self.get(name).is_true()
    }

    pub fn int(&self, name: &str) -> Option<i128> {
        match py::num(&self.get(name)) {
            Some(py::Num::Int(i)) => Some(i),
            _ => None,
        }
    }

    /// A text option (`str()` of whatever it holds), `None` when unset.
    pub fn text(&self, name: &str) -> Option<String> {
        let v = self.get(name);
        (!v.is_none()).then(|| py::to_str(&v))
    }

    pub fn list(&self, name: &str) -> Vec<Jv> {
        let v = self.get(name);
        v.try_iter().map(|i| i.collect()).unwrap_or_default()
    }
}

pub(super) fn default_value(default: Default) -> Jv {
    match default {
        Default::None => Jv::from(()),
        Default::Bool(b) => Jv::from(b),
        Default::Int(i) => Jv::from(i),
        Default::Float(f) => Jv::from(f),
        Default::Str(s) => Jv::from(s),
        Default::List(items) => Jv::from(items.iter().map(|s| Jv::from(*s)).collect::<Vec<_>>()),
        Default::EmptyDict => Jv::from(IndexMap::<Jv, Jv>::new()),
    }
}

/// ansible's `ensure_type` for the types lookups declare.
pub(crate) fn ensure_type(value: &Jv, kind: Kind) -> Result<Jv, String> {
    let invalid = |type_name: &str| {
        format!(
            "Invalid value provided for '{type_name}': {}",
            py::repr(value)
        )
    };
    match kind {
        Kind::Raw => Ok(value.clone()),
        Kind::Bool(_) => Ok(Jv::from(boolean(value))),
        Kind::Int(name) => to_int(value).map(Jv::from).ok_or_else(|| invalid(name)),
        Kind::Float(name) => to_float(value).map(Jv::from).ok_or_else(|| invalid(name)),
        Kind::Str(name) => match value.kind() {
            ValueKind::String => Ok(value.clone()),
            ValueKind::Bool | ValueKind::Number => Ok(Jv::from(py::to_str(value))),
            _ => Err(invalid(name)),
        },
        Kind::List => match value.kind() {
            ValueKind::Seq | ValueKind::Iterable => Ok(Jv::from(
                value
                    .try_iter()
                    .map(|i| i.collect::<Vec<_>>())
                    .unwrap_or_default(),
            )),
            ValueKind::String => Ok(Jv::from(
                value
                    .as_str()
                    .unwrap_or_default()
                    .split(',')
                    .map(|x| Jv::from(crate::playbook::kv::unquote(py_strip(x))))
                    .collect::<Vec<_>>(),
            )),
            _ => Err(invalid("list")),
        },
        Kind::Dict(name) => match value.kind() {
            ValueKind::Map => Ok(value.clone()),
            _ => Err(invalid(name)),
        },
    }
}

/// ansible's `boolean(value, strict=False)`.
pub(crate) fn boolean(value: &Jv) -> bool {
    match value.kind() {
        ValueKind::Bool => value.is_true(),
        ValueKind::String => matches!(
            py_strip(value.as_str().unwrap_or_default())
                .to_lowercase()
                .as_str(),
            "y" | "yes" | "on" | "1" | "true" | "t"
        ),
        ValueKind::Number => py::num(value).is_some_and(|n| n.as_f64() == 1.0),
        _ => false,
    }
}

/// `int` conversion as `ensure_type` does it: ints and bools as they are,
/// floats and numeric text when they have no fractional part (Python's
/// `Decimal` syntax for text).
pub(crate) fn to_int(value: &Jv) -> Option<i128> {
    match value.kind() {
        ValueKind::Bool | ValueKind::Number => match py::num(value)? {
            py::Num::Int(i) => Some(i),
            py::Num::Float(f) => float_to_int(f),
        },
        ValueKind::String => decimal_to_int(value.as_str().unwrap_or_default()),
        _ => None,
    }
}

/// `float` conversion as `ensure_type` does it: floats as they are, ints
/// (and bools, Python ints) and text as Python's `float()` reads them.
pub(crate) fn to_float(value: &Jv) -> Option<f64> {
    match value.kind() {
        ValueKind::Bool | ValueKind::Number => py::num(value).map(|n| n.as_f64()),
        ValueKind::String => python_float_text(value.as_str().unwrap_or_default()),
        _ => None,
    }
}

/// Python's `float(text)`: spaces around, a decimal or exponent literal
/// (with `_` only between digits), `inf`/`infinity`/`nan` in any case.
fn python_float_text(text: &str) -> Option<f64> {
    let t = py_strip(text);
    let unsigned = t.strip_prefix(['+', '-']).unwrap_or(t);
    let word = unsigned.to_ascii_lowercase();
    if matches!(word.as_str(), "inf" | "infinity" | "nan") {
        return t.parse().ok();
    }
    if !unsigned
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-' | '_'))
    {
        return None;
    }
    let bytes = t.as_bytes();
    let underscores_between_digits = t.char_indices().filter(|(_, c)| *c == '_').all(|(i, _)| {
        i > 0
            && bytes.get(i - 1).is_some_and(u8::is_ascii_digit)
            && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)
    });
    if !underscores_between_digits {
        return None;
    }
    t.replace('_', "").parse().ok()
}

fn float_to_int(f: f64) -> Option<i128> {
    (f.is_finite() && f.fract() == 0.0 && f.abs() < 1e38).then_some(f as i128)
}

/// `Decimal(text)` when it is a whole number: optional sign, digits (with
/// `_` between them), an optional fraction and exponent; spaces around.
fn decimal_to_int(text: &str) -> Option<i128> {
    let t = py_strip(text);
    let (negative, body) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let (int_part, frac_part) = match mantissa.find('.') {
        Some(i) => (&mantissa[..i], &mantissa[i + 1..]),
        None => (mantissa, ""),
    };
    let digits_ok = |s: &str| {
        !s.starts_with('_')
            && !s.ends_with('_')
            && !s.contains("__")
            && s.chars().all(|c| c.is_ascii_digit() || c == '_')
    };
    if (int_part.is_empty() && frac_part.is_empty())
        || !digits_ok(int_part)
        || !digits_ok(frac_part)
    {
        return None;
    }
    let exp: i64 = match exponent {
        Some(e) => {
            let e = e.replace('_', "");
            if e.is_empty() || e == "+" || e == "-" {
                return None;
            }
            e.parse().ok()?
        }
        None => 0,
    };
    let mut digits: String = format!("{int_part}{frac_part}").replace('_', "");
    let mut scale = exp - frac_part.replace('_', "").len() as i64;
    // Trailing zeros of the digits may absorb a negative scale.
    while scale < 0 && digits.ends_with('0') {
        digits.pop();
        scale += 1;
    }
    if scale < 0 {
        // Only zeros remain after removing them: the value is zero.
        return digits.chars().all(|c| c == '0').then_some(0);
    }
    let trimmed = digits.trim_start_matches('0');
    if trimmed.is_empty() {
        return Some(0);
    }
    if trimmed.len() as i64 + scale > 38 {
        return None;
    }
    let mut n: i128 = trimmed.parse().ok()?;
    for _ in 0..scale {
        n = n.checked_mul(10)?;
    }
    Some(if negative { -n } else { n })
}

/// Python's `str.strip()`.
pub(crate) fn py_strip(s: &str) -> &str {
    s.trim_matches(py::is_space)
}

/// A setting's configured value and its origin as ansible names it
/// (`var: NAME`, `env: NAME`, the ansible.cfg path), looked up as ansible's
/// config manager does: variables first (the last one defined and not
/// `None` wins), then environment variables (the last one set), then
/// ansible.cfg `(section, key)` entries (the last one present).
pub(crate) fn configured_value(
    call: &super::Call,
    vars: &[&str],
    env: &[&str],
    ini: &[(&str, &str)],
) -> Option<(Jv, String)> {
    let from_vars = vars
        .iter()
        .filter_map(|name| {
            call.vars
                .get(name)
                .filter(|v| !v.is_undefined() && !v.is_none())
                .map(|value| (value, format!("var: {name}")))
        })
        .next_back();
    let from_env = || {
        env.iter()
            .filter_map(|name| {
                std::env::var(name)
                    .ok()
                    .map(|value| (Jv::from(value), format!("env: {name}")))
            })
            .next_back()
    };
    let from_file = || {
        let file = call.services.config.as_ref()?.file.as_ref()?;
        ini.iter()
            .filter_map(|(section, key)| file.get(section, key))
            .next_back()
            .map(|entry| {
                (
                    Jv::from(crate::config::cfgfile::interpolate(&entry.value)),
                    file.path.to_string_lossy().into_owned(),
                )
            })
    };
    from_vars.or_else(from_env).or_else(from_file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_text_converts_like_python() {
        assert_eq!(decimal_to_int(" 12 "), Some(12));
        assert_eq!(decimal_to_int("1.0"), Some(1));
        assert_eq!(decimal_to_int("1e3"), Some(1000));
        assert_eq!(decimal_to_int("1_000"), Some(1000));
        assert_eq!(decimal_to_int("-0.50e1"), Some(-5));
        assert_eq!(decimal_to_int("1.5"), None);
        assert_eq!(decimal_to_int("0x10"), None);
        assert_eq!(decimal_to_int(""), None);
        assert_eq!(decimal_to_int("."), None);
        assert_eq!(decimal_to_int("1e999999999999"), None);
    }

    #[test]
    fn float_text_converts_like_python() {
        assert_eq!(python_float_text(" 2.5 "), Some(2.5));
        assert_eq!(python_float_text("1e3"), Some(1000.0));
        assert_eq!(python_float_text("1_0.5"), Some(10.5));
        assert_eq!(python_float_text("-Infinity"), Some(f64::NEG_INFINITY));
        assert!(python_float_text("nan").is_some_and(f64::is_nan));
        assert_eq!(python_float_text("soon"), None);
        assert_eq!(python_float_text("_1"), None);
        assert_eq!(python_float_text("1__0"), None);
        assert_eq!(python_float_text(""), None);
    }
}
