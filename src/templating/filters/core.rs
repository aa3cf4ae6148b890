//! ansible-core's `core.py` filters (`ansible.builtin.*`), and the Jinja2
//! builtins whose Python behaviour differs from minijinja's where ansible
//! users rely on it (`int`, `float`, `string`, `join`, `default`, `sort`,
//! `dictsort`, `split`).
//!
//! Every filter is written against Python semantics: values are shown with
//! `str()`/`repr()` as Python shows them, comparisons raise where Python
//! raises, and errors carry ansible's message, prefixed as ansible prefixes
//! a failing plugin: `The filter plugin 'ansible.builtin.NAME' failed: ...`.
//!
//! Layout: this file has the registration and the shared helpers
//! (arguments, Python `str`/`repr`, equality and ordering); the siblings
//! `core_*.rs` hold the filters, one group per file.

#[path = "core_crypt.rs"]
mod crypt;
#[path = "core_data.rs"]
mod data;
#[path = "core_encoding.rs"]
mod encoding;
#[path = "core_jinja.rs"]
mod jinja;
#[path = "core_path.rs"]
mod path;
#[path = "core_random.rs"]
mod random;
#[path = "core_regex.rs"]
mod regex;
#[path = "core_serial.rs"]
mod serial;
#[cfg(test)]
#[path = "core_tests.rs"]
mod tests;
#[path = "core_time.rs"]
mod time;

pub(crate) use time::civil_from_days;
pub use time::{local_datetime_text, local_now_text, local_time_text};

use indexmap::IndexMap;
use minijinja::value::{Rest, Tuple, Value as Jv, ValueKind, ValueOrKwargs};
use minijinja::{Environment, Error, ErrorKind};
use std::cmp::Ordering;

use crate::value::{python_float_repr, python_str_repr};

pub(crate) use encoding::base64_decode;
pub(crate) use jinja::py_center;
pub(crate) use random::Mt;
pub(crate) use time::DateTime;

/// Register the filters of ansible's `core.py` plus the Jinja2 overrides.
pub fn register(env: &mut Environment<'static>) {
    data::register(env);
    crypt::register(env);
    encoding::register(env);
    jinja::register(env);
    path::register(env);
    random::register(env);
    regex::register(env);
    serial::register(env);
    time::register(env);
}

/// A filter as all of ours are written: the input, then the call's
/// positional and keyword arguments.
pub(super) type Filter = fn(Jv, &mut Args) -> Result<Jv, Error>;

/// Filters that ansible calls with undefined arguments
/// (`@accept_args_markers`).
const ACCEPTS_UNDEFINED: &[&str] = &["default", "d", "mandatory", "ternary", "type_debug"];

/// Registers `f` as filter `name`: arguments are collected into [`Args`],
/// and keyword arguments nobody asked for are rejected as Python would.
pub(super) fn add(env: &mut Environment<'static>, name: &'static str, f: Filter) {
    env.add_filter(
        name,
        move |value: Jv, rest: Rest<ValueOrKwargs>| -> Result<Jv, Error> {
            let values = rest.into_values();
            // ansible passes an undefined argument on without calling the
            // filter, except to those that handle undefined values.
            if !ACCEPTS_UNDEFINED.contains(&name)
                && let Some(undefined) = std::iter::once(&value)
                    .chain(values.iter().filter(|v| !v.is_kwargs()))
                    .find(|v| v.is_undefined())
            {
                return Ok(undefined.clone());
            }
            let mut args = Args::new(name, values);
            let out = f(value, &mut args)?;
            args.finish()?;
            Ok(out)
        },
    );
}

/// The arguments of one filter call, taken by position or by name.
pub(super) struct Args {
    pub name: &'static str,
    positional: Vec<Jv>,
    keywords: IndexMap<String, Jv>,
    used: Vec<String>,
    max_positional: usize,
}

impl Args {
    fn new(name: &'static str, values: Vec<Jv>) -> Args {
        let mut positional = Vec::new();
        let mut keywords = IndexMap::new();
        for value in values {
            if value.is_kwargs() {
                if let Ok(keys) = value.try_iter() {
                    for key in keys {
                        let item = value.get_item(&key).unwrap_or_default();
                        keywords.insert(key.as_str().unwrap_or_default().to_string(), item);
                    }
                }
            } else {
                positional.push(value);
            }
        }
        Args {
            name,
            positional,
            keywords,
            used: Vec::new(),
            max_positional: usize::MAX,
        }
    }

    /// The argument at `index` (after the input) or named `key`.
    pub fn get(&mut self, index: usize, key: &str) -> Option<Jv> {
        self.used.push(key.to_string());
        if let Some(v) = self.positional.get(index) {
            return Some(v.clone());
        }
        self.keywords.get(key).cloned()
    }

    /// As [`Args::get`], with `None`/undefined treated as absent.
    pub fn opt(&mut self, index: usize, key: &str) -> Option<Jv> {
        self.get(index, key)
            .filter(|v| !v.is_none() && !v.is_undefined())
    }

    /// A keyword-only argument.
    pub fn kw(&mut self, key: &str) -> Option<Jv> {
        self.used.push(key.to_string());
        self.keywords.get(key).cloned()
    }

    /// A truthy flag (Python `if arg:`).
    pub fn flag(&mut self, index: usize, key: &str) -> bool {
        self.get(index, key).is_some_and(|v| v.is_true())
    }

    /// A string argument (`str()` of whatever was passed), or `default`.
    pub fn string(&mut self, index: usize, key: &str, default: &str) -> String {
        match self.get(index, key) {
            Some(v) => py_str(&v),
            None => default.to_string(),
        }
    }

    /// Every positional argument from `index` on (Python `*args`).
    pub fn rest(&mut self, index: usize) -> Vec<Jv> {
        self.positional.get(index..).unwrap_or_default().to_vec()
    }

    /// Every keyword argument (Python `**kwargs`), marking them used.
    pub fn all_keywords(&mut self) -> IndexMap<String, Jv> {
        self.used.extend(self.keywords.keys().cloned());
        self.keywords.clone()
    }

    /// Declares that the filter takes at most `n` positional arguments.
    pub fn positional_limit(&mut self, n: usize) {
        self.max_positional = n;
    }

    fn finish(&self) -> Result<(), Error> {
        if self.positional.len() > self.max_positional {
            return Err(type_error(format!(
                "{}() takes from 1 to {} positional arguments but {} were given",
                self.name,
                self.max_positional + 1,
                self.positional.len() + 1
            )));
        }
        if let Some(key) = self.keywords.keys().find(|k| !self.used.contains(k)) {
            return Err(type_error(format!(
                "{}() got an unexpected keyword argument '{key}'",
                self.name
            )));
        }
        Ok(())
    }

    /// The error ansible reports when this filter raises `message`.
    pub fn fail(&self, message: impl std::fmt::Display) -> Error {
        fail(self.name, message)
    }
}

/// `The filter plugin 'ansible.builtin.NAME' failed: MESSAGE`.
pub(super) fn fail(name: &str, message: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorKind::InvalidOperation,
        format!("The filter plugin 'ansible.builtin.{name}' failed: {message}"),
    )
}

/// A call error that ansible reports through Jinja2 rather than the plugin.
fn type_error(message: String) -> Error {
    Error::new(ErrorKind::InvalidOperation, message)
}

// ---------------------------------------------------------------------------
// Python views of minijinja values

/// A number as Python sees it (`bool` is an `int`).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Num {
    Int(i128),
    Float(f64),
}

impl Num {
    pub fn of(v: &Jv) -> Option<Num> {
        match v.kind() {
            ValueKind::Bool => Some(Num::Int(i128::from(v.is_true()))),
            ValueKind::Number if v.is_integer() => i128::try_from(v.clone()).ok().map(Num::Int),
            ValueKind::Number => f64::try_from(v.clone()).ok().map(Num::Float),
            _ => None,
        }
    }

    pub fn as_f64(self) -> f64 {
        match self {
            Num::Int(i) => i as f64,
            Num::Float(f) => f,
        }
    }

    fn cmp(self, other: Num) -> Option<Ordering> {
        match (self, other) {
            (Num::Int(a), Num::Int(b)) => Some(a.cmp(&b)),
            (a, b) => a.as_f64().partial_cmp(&b.as_f64()),
        }
    }
}

/// Is `v` a Python `tuple` (minijinja keeps tuples apart from lists)?
pub(super) fn is_tuple(v: &Jv) -> bool {
    v.is_tuple()
        || v.downcast_object_ref::<crate::templating::passthrough::GroupTuple>()
            .is_some()
}

/// Python `list` (a mutable sequence): sequences that are not tuples.
pub(super) fn is_list(v: &Jv) -> bool {
    v.kind() == ValueKind::Seq && !is_tuple(v) && v.as_object().is_some()
}

/// ansible's `is_sequence`: lists and tuples, never strings or mappings.
pub(super) fn is_sequence(v: &Jv) -> bool {
    matches!(v.kind(), ValueKind::Seq | ValueKind::Iterable)
}

pub(super) fn is_map(v: &Jv) -> bool {
    v.kind() == ValueKind::Map
}

/// Python `type(v).__name__` for the types templates can hold.
pub(crate) fn type_name(v: &Jv) -> &'static str {
    match v.kind() {
        ValueKind::Undefined => "UndefinedMarker",
        ValueKind::None => "NoneType",
        ValueKind::Bool => "bool",
        ValueKind::Number if v.is_integer() => "int",
        ValueKind::Number => "float",
        ValueKind::String => "str",
        ValueKind::Bytes => "bytes",
        ValueKind::Seq if is_tuple(v) => "tuple",
        ValueKind::Seq => "list",
        ValueKind::Iterable => "generator",
        ValueKind::Map => "dict",
        _ if v.downcast_object_ref::<DateTime>().is_some() => "datetime",
        _ if crate::templating::omit::is_omit(v) => "_OmitType",
        _ => "object",
    }
}

/// Python `str(v)`.
pub(crate) fn py_str(v: &Jv) -> String {
    match v.kind() {
        ValueKind::String => v.as_str().unwrap_or_default().to_string(),
        ValueKind::Undefined => String::new(),
        _ => match v.downcast_object_ref::<DateTime>() {
            Some(dt) => dt.to_string(),
            None => py_repr(v),
        },
    }
}

/// Python `repr(v)`.
pub(crate) fn py_repr(v: &Jv) -> String {
    let mut out = String::new();
    write_repr(v, &mut out, 0);
    out
}

fn write_repr(v: &Jv, out: &mut String, depth: usize) {
    if depth > 200 {
        out.push_str("...");
        return;
    }
    match v.kind() {
        ValueKind::Undefined => out.push_str("AnsibleUndefined"),
        ValueKind::None => out.push_str("None"),
        ValueKind::Bool => out.push_str(if v.is_true() { "True" } else { "False" }),
        ValueKind::Number => out.push_str(&num_repr(v)),
        ValueKind::String => out.push_str(&python_str_repr(v.as_str().unwrap_or_default())),
        ValueKind::Bytes => {
            out.push('b');
            let text: String = v
                .as_bytes()
                .unwrap_or_default()
                .iter()
                .map(|&b| b as char)
                .collect();
            out.push_str(&python_str_repr(&text));
        }
        ValueKind::Seq | ValueKind::Iterable => {
            let tuple = is_tuple(v);
            out.push(if tuple { '(' } else { '[' });
            let mut n = 0;
            if let Ok(items) = v.try_iter() {
                for (i, item) in items.enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    write_repr(&item, out, depth + 1);
                    n += 1;
                }
            }
            if tuple && n == 1 {
                out.push(',');
            }
            out.push(if tuple { ')' } else { ']' });
        }
        ValueKind::Map => {
            out.push('{');
            if let Ok(keys) = v.try_iter() {
                for (i, key) in keys.enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    write_repr(&key, out, depth + 1);
                    out.push_str(": ");
                    write_repr(&v.get_item(&key).unwrap_or_default(), out, depth + 1);
                }
            }
            out.push('}');
        }
        _ => match v.downcast_object_ref::<DateTime>() {
            Some(dt) => out.push_str(&dt.repr()),
            None => out.push_str(&v.to_string()),
        },
    }
}

/// Python `repr` of a number.
pub(super) fn num_repr(v: &Jv) -> String {
    match Num::of(v) {
        Some(Num::Int(i)) => i.to_string(),
        Some(Num::Float(f)) => python_float_repr(f),
        None => v.to_string(),
    }
}

/// Python `==`.
pub(super) fn py_eq(a: &Jv, b: &Jv) -> bool {
    if let (Some(x), Some(y)) = (Num::of(a), Num::of(b)) {
        return x.cmp(y) == Some(Ordering::Equal);
    }
    match (a.kind(), b.kind()) {
        (ValueKind::None | ValueKind::Undefined, ValueKind::None | ValueKind::Undefined) => true,
        (ValueKind::String, ValueKind::String) => a.as_str() == b.as_str(),
        (ValueKind::Seq | ValueKind::Iterable, ValueKind::Seq | ValueKind::Iterable) => {
            if is_tuple(a) != is_tuple(b) {
                return false;
            }
            let xs = items(a);
            let ys = items(b);
            xs.len() == ys.len() && xs.iter().zip(&ys).all(|(x, y)| py_eq(x, y))
        }
        (ValueKind::Map, ValueKind::Map) => {
            let xs = map_entries(a);
            let ys = map_entries(b);
            xs.len() == ys.len()
                && xs.iter().all(|(k, v)| {
                    ys.iter()
                        .find(|(k2, _)| py_eq(k, k2))
                        .is_some_and(|(_, v2)| py_eq(v, v2))
                })
        }
        _ => a == b,
    }
}

/// Python `a < b` ordering, or the TypeError Python raises.
pub(super) fn py_cmp(a: &Jv, b: &Jv) -> Result<Ordering, String> {
    if let (Some(x), Some(y)) = (Num::of(a), Num::of(b)) {
        // NaN compares false both ways: Python keeps the order it has.
        return Ok(x.cmp(y).unwrap_or(Ordering::Equal));
    }
    let unsupported = || {
        format!(
            "'<' not supported between instances of '{}' and '{}'",
            type_name(a),
            type_name(b)
        )
    };
    match (a.kind(), b.kind()) {
        (ValueKind::String, ValueKind::String) => Ok(a
            .as_str()
            .unwrap_or_default()
            .cmp(b.as_str().unwrap_or_default())),
        (ValueKind::Seq, ValueKind::Seq) if is_tuple(a) == is_tuple(b) => {
            let xs = items(a);
            let ys = items(b);
            for (x, y) in xs.iter().zip(&ys) {
                if !py_eq(x, y) {
                    return py_cmp(x, y);
                }
            }
            Ok(xs.len().cmp(&ys.len()))
        }
        _ => match (
            a.downcast_object_ref::<DateTime>(),
            b.downcast_object_ref::<DateTime>(),
        ) {
            (Some(x), Some(y)) => Ok(x.cmp(y)),
            _ => Err(unsupported()),
        },
    }
}

/// A stable sort by Python comparison; the first TypeError wins.
pub(super) fn py_sort<T>(
    items: &mut [T],
    key: impl Fn(&T) -> &Jv,
    reverse: bool,
) -> Result<(), String> {
    let mut error = None;
    items.sort_by(|a, b| {
        if error.is_some() {
            return Ordering::Equal;
        }
        // The standard sort, like Python's, compares a later item (`a`)
        // with an earlier one, which decides the wording of a TypeError.
        match py_cmp(key(a), key(b)) {
            Ok(o) => {
                if reverse {
                    o.reverse()
                } else {
                    o
                }
            }
            Err(e) => {
                error = Some(e);
                Ordering::Equal
            }
        }
    });
    match error {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// The items of an iterable (characters of a string, keys of a mapping).
pub(super) fn items(v: &Jv) -> Vec<Jv> {
    match v.kind() {
        ValueKind::String => v
            .as_str()
            .unwrap_or_default()
            .chars()
            .map(|c| Jv::from(c.to_string()))
            .collect(),
        _ => v.try_iter().map(|i| i.collect()).unwrap_or_default(),
    }
}

/// Python `iter(v)`, or the TypeError for a value that is not iterable.
pub(super) fn iterate(v: &Jv) -> Result<Vec<Jv>, String> {
    match v.kind() {
        ValueKind::String | ValueKind::Seq | ValueKind::Iterable | ValueKind::Map => Ok(items(v)),
        ValueKind::Bytes => Ok(v
            .as_bytes()
            .unwrap_or_default()
            .iter()
            .map(|&b| Jv::from(b))
            .collect()),
        _ => Err(format!("'{}' object is not iterable", type_name(v))),
    }
}

/// The entries of a mapping in order.
pub(super) fn map_entries(v: &Jv) -> Vec<(Jv, Jv)> {
    match v.try_iter() {
        Ok(keys) => keys
            .map(|k| {
                let item = v.get_item(&k).unwrap_or_default();
                (k, item)
            })
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// A mapping built from entries (later keys replace earlier ones).
pub(super) fn make_map(entries: Vec<(Jv, Jv)>) -> Jv {
    let mut map: IndexMap<Jv, Jv> = IndexMap::new();
    for (k, v) in entries {
        map.insert(k, v);
    }
    Jv::from_object(map)
}

pub(super) fn tuple(values: Vec<Jv>) -> Jv {
    Jv::from_object(Tuple::from(values))
}

/// Python's `int()` of an argument that must be an integer.
pub(super) fn as_int(v: &Jv) -> Option<i128> {
    match Num::of(v) {
        Some(Num::Int(i)) => Some(i),
        _ => v
            .as_str()
            .and_then(|s| s.trim().replace('_', "").parse::<i128>().ok()),
    }
}

/// Jinja2's `environment.getitem(obj, key)`: item first, then attribute.
pub(super) fn getitem(container: &Jv, key: &Jv) -> Jv {
    if let ValueKind::Seq | ValueKind::String = container.kind()
        && let Some(Num::Int(i)) = Num::of(key)
    {
        let len = container.len().unwrap_or(0) as i128;
        let idx = if i < 0 { i + len } else { i };
        if idx < 0 || idx >= len {
            return Jv::UNDEFINED;
        }
        if container.kind() == ValueKind::String {
            return container
                .as_str()
                .and_then(|s| s.chars().nth(idx as usize))
                .map(|c| Jv::from(c.to_string()))
                .unwrap_or(Jv::UNDEFINED);
        }
        return container
            .get_item_by_index(idx as usize)
            .unwrap_or(Jv::UNDEFINED);
    }
    match container.get_item(key) {
        Ok(v) if !v.is_undefined() => v,
        _ => match key.as_str() {
            Some(name) => container.get_attr(name).unwrap_or(Jv::UNDEFINED),
            None => Jv::UNDEFINED,
        },
    }
}

/// Jinja2's attribute getter for `sort(attribute=...)` and friends:
/// dotted paths, with integer parts used as indexes.
pub(super) fn get_path(item: &Jv, path: &str) -> Jv {
    let mut value = item.clone();
    for part in path.split('.') {
        let numeric = !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
        let key = match part.parse::<i64>() {
            Ok(i) if numeric => Jv::from(i),
            _ => Jv::from(part),
        };
        value = getitem(&value, &key);
        if value.is_undefined() {
            break;
        }
    }
    value
}
