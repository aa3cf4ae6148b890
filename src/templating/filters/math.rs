//! ansible-core's `mathstuff` filters (set theory, logarithms and powers,
//! `human_readable`, `rekey_on_member`, `zip`, the `itertools` wrappers) and
//! Jinja2's `min`/`max`, which ansible users rely on with `attribute` and
//! `case_sensitive`.
//!
//! ansible runs these on Python objects, so the observable details follow
//! Python: equality (`1 == 1.0 == True`), ordering errors (`'<' not
//! supported between instances of 'int' and 'str'`), hashability, and the
//! order in which a `set` yields its members. `py` holds those rules;
//! `pyset` replays CPython's set table so `union`/`intersect`/... return
//! numbers in the order ansible does.

use minijinja::value::{Kwargs, Rest, Tuple, Value, ValueKind};
use minijinja::{Environment, Error};

use py::{Num, PyHash, bind, error, require_defined};

/// Register the filters of ansible's `mathstuff.py` plus Jinja2's `min`/`max`.
pub fn register(env: &mut Environment<'static>) {
    py::add_filter(env, "unique", unique);
    py::add_filter(env, "intersect", intersect);
    py::add_filter(env, "difference", difference);
    py::add_filter(env, "symmetric_difference", symmetric_difference);
    py::add_filter(env, "union", union);
    py::add_filter(env, "min", min);
    py::add_filter(env, "max", max);
    py::add_filter(env, "log", log);
    py::add_filter(env, "pow", pow);
    py::add_filter(env, "root", root);
    py::add_filter(env, "human_readable", human_readable);
    py::add_filter(env, "human_to_bytes", human_to_bytes);
    py::add_filter(env, "rekey_on_member", rekey_on_member);
    py::add_filter(env, "zip", zip);
    py::add_filter(env, "zip_longest", zip_longest);
    py::add_filter(env, "product", product);
    py::add_filter(env, "permutations", permutations);
    py::add_filter(env, "combinations", combinations);
}

/// Python's object model, as far as ansible's filters and tests observe it,
/// applied to minijinja values.
pub(crate) mod py {
    use minijinja::value::{Kwargs, Rest, Value, ValueKind};
    use minijinja::{Environment, Error, ErrorKind};
    use std::cmp::Ordering;

    /// An error raised by a plugin (ansible wraps it as "The filter plugin
    /// ... failed: <message>").
    pub(crate) fn error(msg: impl Into<String>) -> Error {
        Error::new(ErrorKind::InvalidOperation, msg.into())
    }

    /// A filter or test as ours are written: the input, the positional
    /// arguments, the keyword arguments.
    pub(crate) type Plugin<R> = fn(Value, Rest<Value>, Kwargs) -> Result<R, Error>;

    /// The names a plugin is found by: its own and its FQCNs.
    pub(crate) fn plugin_names(name: &str) -> [String; 3] {
        [
            name.to_string(),
            format!("ansible.builtin.{name}"),
            format!("ansible.legacy.{name}"),
        ]
    }

    /// Register filter `name` (and its FQCNs); its failures are reported as
    /// ansible reports a failing plugin.
    pub(crate) fn add_filter(env: &mut Environment<'static>, name: &'static str, f: Plugin<Value>) {
        for alias in plugin_names(name) {
            env.add_filter(alias, move |v: Value, rest: Rest<Value>, kwargs: Kwargs| {
                f(v, rest, kwargs).map_err(|e| plugin_error("filter", name, e))
            });
        }
    }

    /// Register test `name` (see [`add_filter`]).
    pub(crate) fn add_test(env: &mut Environment<'static>, name: &'static str, f: Plugin<bool>) {
        for alias in plugin_names(name) {
            env.add_test(alias, move |v: Value, rest: Rest<Value>, kwargs: Kwargs| {
                f(v, rest, kwargs).map_err(|e| plugin_error("test", name, e))
            });
        }
    }

    /// `The filter plugin 'ansible.builtin.NAME' failed: MESSAGE`; undefined
    /// errors are reported as they are.
    pub(crate) fn plugin_error(kind: &str, name: &str, err: Error) -> Error {
        if err.kind() != ErrorKind::InvalidOperation {
            return err;
        }
        let detail = err.detail().unwrap_or_default();
        if detail.starts_with("The ") && detail.contains(" plugin '") {
            return err;
        }
        Error::new(
            ErrorKind::InvalidOperation,
            format!("The {kind} plugin 'ansible.builtin.{name}' failed: {detail}"),
        )
    }

    /// ansible 2.19 raises as soon as a plugin receives an undefined value.
    pub(crate) fn require_defined(value: &Value) -> Result<(), Error> {
        if value.is_undefined() {
            // minijinja does not tell plugins the variable's name.
            Err(Error::from(ErrorKind::UndefinedError))
        } else {
            Ok(())
        }
    }

    /// Bind positional and keyword arguments to Python parameter names.
    /// Undefined arguments are errors, as in ansible.
    pub(crate) fn bind(
        func: &str,
        args: &[Value],
        kwargs: &Kwargs,
        names: &[&str],
    ) -> Result<Vec<Option<Value>>, Error> {
        if args.len() > names.len() {
            return Err(error(format!(
                "{func}() takes at most {} arguments ({} given)",
                names.len() + 1,
                args.len() + 1
            )));
        }
        let mut out: Vec<Option<Value>> = vec![None; names.len()];
        for (slot, arg) in out.iter_mut().zip(args) {
            *slot = Some(arg.clone());
        }
        let keys: Vec<String> = kwargs.args().map(str::to_string).collect();
        for key in keys {
            let Some(index) = names.iter().position(|n| *n == key) else {
                return Err(error(format!(
                    "{func}() got an unexpected keyword argument '{key}'"
                )));
            };
            if out[index].is_some() {
                return Err(error(format!(
                    "{func}() got multiple values for argument '{key}'"
                )));
            }
            out[index] = Some(kwargs.get::<Value>(&key)?);
        }
        kwargs.assert_all_used()?;
        for value in out.iter().flatten() {
            require_defined(value)?;
        }
        Ok(out)
    }

    /// A Python number: `bool` and `int` as integers, `float` as `f64`.
    #[derive(Clone, Copy, Debug)]
    pub(crate) enum Num {
        Int(i128),
        Float(f64),
    }

    impl Num {
        pub(crate) fn as_f64(self) -> f64 {
            match self {
                Num::Int(i) => i as f64,
                Num::Float(f) => f,
            }
        }
    }

    /// The value as a Python number, if it is one (`bool` included).
    pub(crate) fn num(value: &Value) -> Option<Num> {
        match value.kind() {
            ValueKind::Bool => Some(Num::Int(i128::from(value.is_true()))),
            ValueKind::Number => {
                if value.is_integer()
                    && let Ok(i) = i128::try_from(value.clone())
                {
                    return Some(Num::Int(i));
                }
                f64::try_from(value.clone()).ok().map(Num::Float)
            }
            _ => None,
        }
    }

    /// Python's `type(value).__name__`.
    pub(crate) fn type_name(value: &Value) -> &'static str {
        match value.kind() {
            ValueKind::Undefined => "AnsibleUndefined",
            ValueKind::None => "NoneType",
            ValueKind::Bool => "bool",
            ValueKind::Number if value.is_integer() => "int",
            ValueKind::Number => "float",
            ValueKind::String => "str",
            ValueKind::Bytes => "bytes",
            ValueKind::Seq if value.is_tuple() => "tuple",
            ValueKind::Seq => "list",
            ValueKind::Map => "dict",
            ValueKind::Iterable => "generator",
            _ => "object",
        }
    }

    /// `str(value)`.
    pub(crate) fn to_str(value: &Value) -> String {
        match value.kind() {
            ValueKind::String => value.as_str().unwrap_or_default().to_string(),
            _ => repr(value),
        }
    }

    /// `repr(value)`.
    pub(crate) fn repr(value: &Value) -> String {
        let mut out = String::new();
        write_repr(value, &mut out);
        out
    }

    fn write_repr(value: &Value, out: &mut String) {
        match value.kind() {
            ValueKind::Undefined => out.push_str("AnsibleUndefined"),
            ValueKind::None => out.push_str("None"),
            ValueKind::Bool => out.push_str(if value.is_true() { "True" } else { "False" }),
            ValueKind::Number => match num(value) {
                Some(Num::Int(i)) => out.push_str(&i.to_string()),
                Some(Num::Float(f)) => out.push_str(&crate::value::python_float_repr(f)),
                None => out.push_str(&value.to_string()),
            },
            ValueKind::String => out.push_str(&crate::value::python_str_repr(
                value.as_str().unwrap_or_default(),
            )),
            ValueKind::Seq | ValueKind::Iterable => {
                let tuple = value.is_tuple();
                let items: Vec<Value> = value.try_iter().map(|i| i.collect()).unwrap_or_default();
                out.push(if tuple { '(' } else { '[' });
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    write_repr(item, out);
                }
                if tuple && items.len() == 1 {
                    out.push(',');
                }
                out.push(if tuple { ')' } else { ']' });
            }
            ValueKind::Map => {
                out.push('{');
                if let Ok(keys) = value.try_iter() {
                    for (i, key) in keys.enumerate() {
                        if i > 0 {
                            out.push_str(", ");
                        }
                        write_repr(&key, out);
                        out.push_str(": ");
                        write_repr(&value.get_item(&key).unwrap_or_default(), out);
                    }
                }
                out.push('}');
            }
            _ => out.push_str(&value.to_string()),
        }
    }

    /// `iter(value)` collected: strings give characters, mappings their
    /// keys; `None`, numbers and booleans are not iterable.
    pub(crate) fn iterate(value: &Value) -> Result<Vec<Value>, Error> {
        require_defined(value)?;
        match value.kind() {
            ValueKind::String | ValueKind::Seq | ValueKind::Map | ValueKind::Iterable => {
                Ok(value.try_iter()?.collect())
            }
            ValueKind::Bytes => Ok(value
                .as_bytes()
                .unwrap_or_default()
                .iter()
                .map(|b| Value::from(*b))
                .collect()),
            _ => Err(error(format!(
                "'{}' object is not iterable",
                type_name(value)
            ))),
        }
    }

    pub(crate) fn is_mapping(value: &Value) -> bool {
        value.kind() == ValueKind::Map
    }

    fn float_int_eq(i: i128, f: f64) -> bool {
        f.is_finite()
            && f.fract() == 0.0
            && (-1.7014118346046923e38..1.7014118346046923e38).contains(&f)
            && f as i128 == i
    }

    pub(crate) fn num_eq(a: Num, b: Num) -> bool {
        match (a, b) {
            (Num::Int(x), Num::Int(y)) => x == y,
            (Num::Float(x), Num::Float(y)) => x == y,
            (Num::Int(i), Num::Float(f)) | (Num::Float(f), Num::Int(i)) => float_int_eq(i, f),
        }
    }

    /// Exact comparison of an integer with a float; `None` for NaN.
    fn int_float_cmp(i: i128, f: f64) -> Option<Ordering> {
        if f.is_nan() {
            return None;
        }
        if f == f64::INFINITY {
            return Some(Ordering::Less);
        }
        if f == f64::NEG_INFINITY {
            return Some(Ordering::Greater);
        }
        let floor = f.floor();
        if floor >= 1.7014118346046923e38 {
            return Some(Ordering::Less);
        }
        if floor < -1.7014118346046923e38 {
            return Some(Ordering::Greater);
        }
        let fi = floor as i128;
        Some(if f.fract() == 0.0 {
            i.cmp(&fi)
        } else if i <= fi {
            Ordering::Less
        } else {
            Ordering::Greater
        })
    }

    pub(crate) fn num_cmp(a: Num, b: Num) -> Option<Ordering> {
        match (a, b) {
            (Num::Int(x), Num::Int(y)) => Some(x.cmp(&y)),
            (Num::Float(x), Num::Float(y)) => x.partial_cmp(&y),
            (Num::Int(i), Num::Float(f)) => int_float_cmp(i, f),
            (Num::Float(f), Num::Int(i)) => int_float_cmp(i, f).map(Ordering::reverse),
        }
    }

    /// Python `a == b`.
    pub(crate) fn eq(a: &Value, b: &Value) -> bool {
        if let (Some(x), Some(y)) = (num(a), num(b)) {
            return num_eq(x, y);
        }
        match (a.kind(), b.kind()) {
            (ValueKind::String, ValueKind::String) => a.as_str() == b.as_str(),
            (ValueKind::None, ValueKind::None) => true,
            (ValueKind::Undefined, ValueKind::Undefined) => true,
            (ValueKind::Seq, ValueKind::Seq) => {
                if a.is_tuple() != b.is_tuple() || a.len() != b.len() {
                    return false;
                }
                match (a.try_iter(), b.try_iter()) {
                    (Ok(x), Ok(y)) => x.zip(y).all(|(x, y)| eq(&x, &y)),
                    _ => false,
                }
            }
            (ValueKind::Map, ValueKind::Map) => {
                if a.len() != b.len() {
                    return false;
                }
                let Ok(keys) = a.try_iter() else {
                    return false;
                };
                keys.into_iter().all(|key| match map_get(b, &key) {
                    Some(other) => eq(&a.get_item(&key).unwrap_or_default(), &other),
                    None => false,
                })
            }
            (ValueKind::Bytes, ValueKind::Bytes) => a.as_bytes() == b.as_bytes(),
            (ValueKind::Number | ValueKind::Bool, _) | (_, ValueKind::Number | ValueKind::Bool) => {
                false
            }
            _ => a == b,
        }
    }

    /// `mapping[key]` with Python key equality (`1` finds `1.0` and `True`).
    pub(crate) fn map_get(map: &Value, key: &Value) -> Option<Value> {
        if key.kind() == ValueKind::String {
            // String keys compare the same way in both worlds.
            return map.get_item(key).ok().filter(|v| !v.is_undefined());
        }
        // Numbers (1 == 1.0 == True), tuples, None: Python's equality.
        let keys = map.try_iter().ok()?;
        for k in keys {
            if eq(&k, key) {
                return map.get_item(&k).ok();
            }
        }
        None
    }

    /// `key in mapping` (Python dict membership).
    pub(crate) fn map_contains(map: &Value, key: &Value) -> bool {
        map_get(map, key).is_some()
    }

    fn unorderable(op: &str, a: &Value, b: &Value) -> Error {
        error(format!(
            "'{op}' not supported between instances of '{}' and '{}'",
            type_name(a),
            type_name(b)
        ))
    }

    /// The ordering Python's rich comparison gives `a` and `b`; `Ok(None)`
    /// when comparisons are all false (NaN). `op` names the operator for the
    /// `TypeError` message.
    pub(crate) fn partial_cmp(a: &Value, b: &Value, op: &str) -> Result<Option<Ordering>, Error> {
        if let (Some(x), Some(y)) = (num(a), num(b)) {
            return Ok(num_cmp(x, y));
        }
        match (a.kind(), b.kind()) {
            (ValueKind::String, ValueKind::String) => Ok(Some(
                a.as_str()
                    .unwrap_or_default()
                    .cmp(b.as_str().unwrap_or_default()),
            )),
            (ValueKind::Bytes, ValueKind::Bytes) => Ok(Some(a.as_bytes().cmp(&b.as_bytes()))),
            (ValueKind::Seq, ValueKind::Seq) if a.is_tuple() == b.is_tuple() => {
                let x: Vec<Value> = a.try_iter()?.collect();
                let y: Vec<Value> = b.try_iter()?.collect();
                for (p, q) in x.iter().zip(&y) {
                    if !eq(p, q) {
                        return partial_cmp(p, q, op);
                    }
                }
                Ok(Some(x.len().cmp(&y.len())))
            }
            _ => Err(unorderable(op, a, b)),
        }
    }

    /// Python `a < b`.
    pub(crate) fn lt(a: &Value, b: &Value) -> Result<bool, Error> {
        Ok(partial_cmp(a, b, "<")? == Some(Ordering::Less))
    }

    /// Python `a > b`.
    pub(crate) fn gt(a: &Value, b: &Value) -> Result<bool, Error> {
        Ok(partial_cmp(a, b, ">")? == Some(Ordering::Greater))
    }

    /// Python `a <= b`.
    pub(crate) fn le(a: &Value, b: &Value) -> Result<bool, Error> {
        Ok(matches!(
            partial_cmp(a, b, "<=")?,
            Some(Ordering::Less | Ordering::Equal)
        ))
    }

    /// Python `a >= b`.
    pub(crate) fn ge(a: &Value, b: &Value) -> Result<bool, Error> {
        Ok(matches!(
            partial_cmp(a, b, ">=")?,
            Some(Ordering::Greater | Ordering::Equal)
        ))
    }

    /// Python `needle in haystack`.
    pub(crate) fn contains(haystack: &Value, needle: &Value) -> Result<bool, Error> {
        require_defined(haystack)?;
        match haystack.kind() {
            ValueKind::String => match needle.as_str() {
                Some(n) if needle.kind() == ValueKind::String => {
                    Ok(haystack.as_str().unwrap_or_default().contains(n))
                }
                _ => Err(error(format!(
                    "'in <string>' requires string as left operand, not {}",
                    type_name(needle)
                ))),
            },
            ValueKind::Map => {
                if let PyHash::Unhashable(t) = hash(needle) {
                    return Err(error(format!("unhashable type: '{t}'")));
                }
                Ok(map_contains(haystack, needle))
            }
            ValueKind::Seq | ValueKind::Iterable => {
                Ok(haystack.try_iter()?.any(|item| eq(&item, needle)))
            }
            _ => Err(error(format!(
                "argument of type '{}' is not iterable",
                type_name(haystack)
            ))),
        }
    }

    /// What `hash(value)` gives in CPython 3.11.
    #[derive(Clone, Copy, Debug, PartialEq)]
    pub(crate) enum PyHash {
        /// The same in every process (numbers, tuples of numbers).
        Fixed(i64),
        /// Salted per process (`str`) or address based (`None`, NaN):
        /// hashable, but the order of a set of these is not reproducible.
        Salted,
        /// `TypeError: unhashable type: '<name>'`.
        Unhashable(&'static str),
    }

    pub(crate) use crate::pyhash::{hash_float, hash_int};

    /// `hash(value)`.
    pub(crate) fn hash(value: &Value) -> PyHash {
        match value.kind() {
            ValueKind::Bool | ValueKind::Number => match num(value) {
                Some(Num::Int(i)) => PyHash::Fixed(hash_int(i)),
                Some(Num::Float(f)) => hash_float(f).map_or(PyHash::Salted, PyHash::Fixed),
                None => PyHash::Salted,
            },
            // hash('') is 0 whatever the salt.
            ValueKind::String if value.as_str() == Some("") => PyHash::Fixed(0),
            ValueKind::String | ValueKind::Bytes | ValueKind::None => PyHash::Salted,
            ValueKind::Seq if value.is_tuple() => {
                let items: Vec<Value> = value.try_iter().map(|i| i.collect()).unwrap_or_default();
                let mut salted = false;
                let mut lanes = Vec::with_capacity(items.len());
                for item in &items {
                    match hash(item) {
                        PyHash::Fixed(h) => lanes.push(h),
                        PyHash::Salted => salted = true,
                        unhashable => return unhashable,
                    }
                }
                if salted {
                    PyHash::Salted
                } else {
                    PyHash::Fixed(tuple_hash(&lanes))
                }
            }
            ValueKind::Seq => PyHash::Unhashable("list"),
            ValueKind::Map => PyHash::Unhashable("dict"),
            _ => PyHash::Salted,
        }
    }

    /// CPython's xxHash-based `tuplehash` (64-bit).
    fn tuple_hash(lanes: &[i64]) -> i64 {
        const P1: u64 = 11400714785074694791;
        const P2: u64 = 14029467366897019727;
        const P5: u64 = 2870177450012600261;
        let mut acc = P5;
        for &lane in lanes {
            acc = acc.wrapping_add((lane as u64).wrapping_mul(P2));
            acc = acc.rotate_left(31);
            acc = acc.wrapping_mul(P1);
        }
        acc = acc.wrapping_add((lanes.len() as u64) ^ (P5 ^ 3527539));
        if acc == u64::MAX {
            return 1546275796;
        }
        acc as i64
    }

    /// Python's `bool(value)`.
    pub(crate) fn truthy(value: &Value) -> bool {
        value.is_true()
    }

    /// Python `str.isspace` for one character (`\s` in `re`).
    pub(crate) fn is_space(c: char) -> bool {
        c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
    }

    /// Python `float(text)` for strings.
    pub(crate) fn parse_float(text: &str) -> Option<f64> {
        let t = text.trim_matches(is_space);
        if t.is_empty() {
            return None;
        }
        let cleaned: String;
        let t = if t.contains('_') {
            // Underscores are allowed between digits only.
            let chars: Vec<char> = t.chars().collect();
            for (i, c) in chars.iter().enumerate() {
                if *c == '_'
                    && !(i > 0
                        && chars[i - 1].is_ascii_digit()
                        && chars.get(i + 1).is_some_and(char::is_ascii_digit))
                {
                    return None;
                }
            }
            cleaned = t.replace('_', "");
            cleaned.as_str()
        } else {
            t
        };
        let lower = t.to_ascii_lowercase();
        let body = lower.trim_start_matches(['+', '-']);
        if matches!(body, "inf" | "infinity" | "nan") {
            if lower.len() - body.len() > 1 {
                return None;
            }
            return lower.parse::<f64>().ok();
        }
        if !body
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | '+' | '-'))
        {
            return None;
        }
        t.parse::<f64>().ok()
    }
}

/// CPython's set table, replayed so that set operations on numbers come out
/// in the order `list(set(...))` gives in ansible.
pub(crate) mod pyset {
    use super::py;
    use minijinja::value::Value;

    const LINEAR_PROBES: usize = 9;
    const PERTURB_SHIFT: u32 = 5;
    const MINSIZE: usize = 8;

    #[derive(Clone)]
    enum Slot {
        Empty,
        Dummy,
        Active(i64, Value),
    }

    #[derive(Clone)]
    pub(crate) struct PySet {
        table: Vec<Slot>,
        fill: usize,
        used: usize,
    }

    impl PySet {
        pub(crate) fn new() -> PySet {
            PySet {
                table: vec![Slot::Empty; MINSIZE],
                fill: 0,
                used: 0,
            }
        }

        /// `set(items)`: items with their (fixed) hashes, added in order.
        pub(crate) fn from_items(items: &[(i64, Value)]) -> PySet {
            let mut set = PySet::new();
            for (hash, key) in items {
                set.add(key.clone(), *hash);
            }
            set
        }

        fn mask(&self) -> usize {
            self.table.len() - 1
        }

        pub(crate) fn len(&self) -> usize {
            self.used
        }

        /// Members in table order (what iterating the set yields).
        pub(crate) fn entries(&self) -> Vec<(i64, Value)> {
            self.table
                .iter()
                .filter_map(|slot| match slot {
                    Slot::Active(h, v) => Some((*h, v.clone())),
                    _ => None,
                })
                .collect()
        }

        pub(crate) fn values(&self) -> Vec<Value> {
            self.entries().into_iter().map(|(_, v)| v).collect()
        }

        /// `set_lookkey`: the index of the slot holding `key`, or of the
        /// empty slot that ends its probe sequence.
        fn lookup(&self, key: &Value, hash: i64) -> (usize, bool) {
            let mask = self.mask();
            let mut perturb = hash as u64;
            let mut i = (hash as u64 as usize) & mask;
            loop {
                let probes = if i + LINEAR_PROBES <= mask {
                    LINEAR_PROBES
                } else {
                    0
                };
                for j in i..=i + probes {
                    match &self.table[j] {
                        Slot::Empty => return (j, false),
                        Slot::Active(h, k) if *h == hash && py::eq(k, key) => return (j, true),
                        _ => {}
                    }
                }
                perturb >>= PERTURB_SHIFT;
                i = (i
                    .wrapping_mul(5)
                    .wrapping_add(1)
                    .wrapping_add(perturb as usize))
                    & mask;
            }
        }

        pub(crate) fn contains(&self, key: &Value, hash: i64) -> bool {
            self.lookup(key, hash).1
        }

        /// `set_add_entry`.
        pub(crate) fn add(&mut self, key: Value, hash: i64) {
            let mask = self.mask();
            let mut perturb = hash as u64;
            let mut i = (hash as u64 as usize) & mask;
            let mut freeslot: Option<usize> = None;
            let empty = loop {
                let probes = if i + LINEAR_PROBES <= mask {
                    LINEAR_PROBES
                } else {
                    0
                };
                let mut found = None;
                for j in i..=i + probes {
                    match &self.table[j] {
                        Slot::Empty => {
                            found = Some(j);
                            break;
                        }
                        Slot::Active(h, k) => {
                            if *h == hash && py::eq(k, &key) {
                                return;
                            }
                        }
                        Slot::Dummy => freeslot = Some(j),
                    }
                }
                if let Some(j) = found {
                    break j;
                }
                perturb >>= PERTURB_SHIFT;
                i = (i
                    .wrapping_mul(5)
                    .wrapping_add(1)
                    .wrapping_add(perturb as usize))
                    & mask;
            };
            if let Some(free) = freeslot {
                self.used += 1;
                self.table[free] = Slot::Active(hash, key);
                return;
            }
            self.fill += 1;
            self.used += 1;
            self.table[empty] = Slot::Active(hash, key);
            if self.fill * 5 < mask * 3 {
                return;
            }
            let minused = if self.used > 50000 {
                self.used * 2
            } else {
                self.used * 4
            };
            self.resize(minused);
        }

        /// `set_insert_clean`.
        fn insert_clean(table: &mut [Slot], key: Value, hash: i64) {
            let mask = table.len() - 1;
            let mut perturb = hash as u64;
            let mut i = (hash as u64 as usize) & mask;
            loop {
                if matches!(table[i], Slot::Empty) {
                    table[i] = Slot::Active(hash, key);
                    return;
                }
                if i + LINEAR_PROBES <= mask
                    && let Some(k) = table[i + 1..=i + LINEAR_PROBES]
                        .iter()
                        .position(|slot| matches!(slot, Slot::Empty))
                {
                    table[i + 1 + k] = Slot::Active(hash, key);
                    return;
                }
                perturb >>= PERTURB_SHIFT;
                i = (i
                    .wrapping_mul(5)
                    .wrapping_add(1)
                    .wrapping_add(perturb as usize))
                    & mask;
            }
        }

        /// `set_table_resize`.
        fn resize(&mut self, minused: usize) {
            let mut newsize = MINSIZE;
            while newsize <= minused {
                newsize <<= 1;
            }
            if newsize == MINSIZE && self.table.len() == MINSIZE && self.fill == self.used {
                return;
            }
            let old = std::mem::replace(&mut self.table, vec![Slot::Empty; newsize]);
            for slot in old {
                if let Slot::Active(h, k) = slot {
                    Self::insert_clean(&mut self.table, k, h);
                }
            }
            self.fill = self.used;
        }

        /// `set_discard_entry`: whether the key was present.
        pub(crate) fn discard(&mut self, key: &Value, hash: i64) -> bool {
            let (index, found) = self.lookup(key, hash);
            if found {
                self.table[index] = Slot::Dummy;
                self.used -= 1;
            }
            found
        }

        /// `set_merge` (`update` with another set).
        pub(crate) fn merge(&mut self, other: &PySet) {
            if other.used == 0 {
                return;
            }
            if (self.fill + other.used) * 5 >= self.mask() * 3 {
                self.resize((self.used + other.used) * 2);
            }
            if self.fill == 0 && self.mask() == other.mask() && other.fill == other.used {
                for (mine, theirs) in self.table.iter_mut().zip(&other.table) {
                    if let Slot::Active(..) = theirs {
                        *mine = theirs.clone();
                    }
                }
                self.fill = other.fill;
                self.used = other.used;
                return;
            }
            if self.fill == 0 {
                self.fill = other.used;
                self.used = other.used;
                for slot in &other.table {
                    if let Slot::Active(h, k) = slot {
                        Self::insert_clean(&mut self.table, k.clone(), *h);
                    }
                }
                return;
            }
            for slot in &other.table {
                if let Slot::Active(h, k) = slot {
                    self.add(k.clone(), *h);
                }
            }
        }

        /// `set(self)`, a copy.
        pub(crate) fn copy(&self) -> PySet {
            let mut set = PySet::new();
            set.merge(self);
            set
        }

        /// `self | other`.
        pub(crate) fn union(&self, other: &PySet) -> PySet {
            let mut result = self.copy();
            result.merge(other);
            result
        }

        /// `self & other`.
        pub(crate) fn intersection(&self, other: &PySet) -> PySet {
            let (big, small) = if other.len() > self.len() {
                (other, self)
            } else {
                (self, other)
            };
            let mut result = PySet::new();
            for (h, k) in small.entries() {
                if big.contains(&k, h) {
                    result.add(k, h);
                }
            }
            result
        }

        /// `set_difference_update_internal`.
        fn difference_update(&mut self, other: &PySet) {
            let smaller;
            let other = if (other.len() >> 3) > self.len() {
                smaller = self.intersection(other);
                &smaller
            } else {
                other
            };
            for (h, k) in other.entries() {
                self.discard(&k, h);
            }
            if self.fill - self.used <= self.mask() / 4 {
                return;
            }
            let minused = if self.used > 50000 {
                self.used * 2
            } else {
                self.used * 4
            };
            self.resize(minused);
        }

        /// `self - other`.
        pub(crate) fn difference(&self, other: &PySet) -> PySet {
            if (self.len() >> 2) > other.len() {
                let mut result = self.copy();
                result.difference_update(other);
                return result;
            }
            let mut result = PySet::new();
            for (h, k) in self.entries() {
                if !other.contains(&k, h) {
                    result.add(k, h);
                }
            }
            result
        }

        /// `self ^ other`.
        pub(crate) fn symmetric_difference(&self, other: &PySet) -> PySet {
            let mut result = other.copy();
            for (h, k) in self.entries() {
                if !result.discard(&k, h) {
                    result.add(k, h);
                }
            }
            result
        }
    }
}

// ---------------------------------------------------------------- set theory

/// How `set()` would treat a list of values.
enum Hashing {
    /// Every member has a fixed hash: CPython's order can be replayed.
    Fixed(Vec<(i64, Value)>),
    /// Hashable, but some hashes are salted per process (strings): ansible's
    /// order is not reproducible, so first-seen order is used.
    Salted,
    /// Some member is unhashable: ansible falls back to list operations.
    Unhashable(&'static str),
}

fn hashing(items: &[Value]) -> Hashing {
    let mut fixed = Vec::with_capacity(items.len());
    let mut salted = false;
    for item in items {
        match py::hash(item) {
            PyHash::Fixed(h) => fixed.push((h, item.clone())),
            PyHash::Salted => salted = true,
            PyHash::Unhashable(t) => return Hashing::Unhashable(t),
        }
    }
    if salted {
        Hashing::Salted
    } else {
        Hashing::Fixed(fixed)
    }
}

/// A collection of values with Python's `==` as membership, bucketed by a
/// hash that equal values share (so `1`, `1.0` and `True` meet).
#[derive(Default)]
struct Members {
    buckets: std::collections::HashMap<u64, Vec<Value>>,
}

impl Members {
    fn from_values(values: &[Value]) -> Members {
        let mut m = Members::default();
        for v in values {
            m.insert(v.clone());
        }
        m
    }

    fn contains(&self, value: &Value) -> bool {
        self.buckets
            .get(&eq_hash(value))
            .is_some_and(|b| b.iter().any(|x| py::eq(x, value)))
    }

    /// Adds the value; whether it was new.
    fn insert(&mut self, value: Value) -> bool {
        let bucket = self.buckets.entry(eq_hash(&value)).or_default();
        if bucket.iter().any(|x| py::eq(x, &value)) {
            return false;
        }
        bucket.push(value);
        true
    }
}

/// A hash consistent with `py::eq`: equal values hash alike.
fn eq_hash(value: &Value) -> u64 {
    use std::hash::{Hash, Hasher};
    fn feed(value: &Value, h: &mut std::collections::hash_map::DefaultHasher) {
        match py::num(value) {
            Some(Num::Int(i)) => {
                0u8.hash(h);
                i.hash(h);
            }
            Some(Num::Float(f)) => {
                if f.is_finite() && f.fract() == 0.0 && f.abs() < 1.7e38 {
                    0u8.hash(h);
                    (f as i128).hash(h);
                } else {
                    1u8.hash(h);
                    f.to_bits().hash(h);
                }
            }
            None => match value.kind() {
                ValueKind::String => {
                    2u8.hash(h);
                    value.as_str().hash(h);
                }
                ValueKind::Seq => {
                    3u8.hash(h);
                    value.is_tuple().hash(h);
                    if let Ok(items) = value.try_iter() {
                        for item in items {
                            feed(&item, h);
                        }
                    }
                }
                ValueKind::Map => {
                    // Order-insensitive: only the size.
                    4u8.hash(h);
                    value.len().hash(h);
                }
                kind => {
                    5u8.hash(h);
                    format!("{kind:?}").hash(h);
                }
            },
        }
    }
    let mut h = std::collections::hash_map::DefaultHasher::new();
    feed(value, &mut h);
    h.finish()
}

/// ansible's fallback `unique`: first occurrences, Python equality.
fn dedup(items: impl IntoIterator<Item = Value>) -> Vec<Value> {
    let mut seen = Members::default();
    items
        .into_iter()
        .filter(|item| seen.insert(item.clone()))
        .collect()
}

#[derive(Clone, Copy)]
enum SetOp {
    Intersect,
    Difference,
    Symmetric,
    Union,
}

fn set_filter(name: &str, a: &Value, rest: &[Value], kwargs: &Kwargs) -> Result<Value, Error> {
    require_defined(a)?;
    let args = bind(name, rest, kwargs, &["b"])?;
    let b = args[0].clone().ok_or_else(|| {
        error(format!(
            "{name}() missing 1 required positional argument: 'b'"
        ))
    })?;
    let op = match name {
        "intersect" => SetOp::Intersect,
        "difference" => SetOp::Difference,
        "symmetric_difference" => SetOp::Symmetric,
        _ => SetOp::Union,
    };
    Ok(Value::from(set_operation(op, a, &b)?))
}

fn set_operation(op: SetOp, a: &Value, b: &Value) -> Result<Vec<Value>, Error> {
    let la = py::iterate(a)?;
    let lb = match py::iterate(b) {
        Ok(items) => items,
        // `set(b)` failed; the fallback's `x in b` fails too unless `a`
        // is empty.
        Err(err) => {
            return match op {
                SetOp::Intersect | SetOp::Difference if la.is_empty() => Ok(Vec::new()),
                _ => Err(err),
            };
        }
    };
    if let (Hashing::Fixed(ha), Hashing::Fixed(hb)) = (hashing(&la), hashing(&lb)) {
        let sa = pyset::PySet::from_items(&ha);
        let sb = pyset::PySet::from_items(&hb);
        let result = match op {
            SetOp::Intersect => sa.intersection(&sb),
            SetOp::Difference => sa.difference(&sb),
            SetOp::Symmetric => sa.symmetric_difference(&sb),
            SetOp::Union => sa.union(&sb),
        };
        return Ok(result.values());
    }
    // ansible's TypeError fallback (also used, for a stable order, when
    // salted hashes make the set order unreproducible).
    Ok(match op {
        SetOp::Intersect => {
            let mb = Members::from_values(&lb);
            dedup(la.into_iter().filter(|x| mb.contains(x)))
        }
        SetOp::Difference => {
            let mb = Members::from_values(&lb);
            dedup(la.into_iter().filter(|x| !mb.contains(x)))
        }
        SetOp::Union => dedup(la.into_iter().chain(lb)),
        SetOp::Symmetric => {
            let mb = Members::from_values(&lb);
            let isect = Members::from_values(&dedup(la.iter().filter(|x| mb.contains(x)).cloned()));
            dedup(la.into_iter().chain(lb))
                .into_iter()
                .filter(|x| !isect.contains(x))
                .collect()
        }
    })
}

fn intersect(a: Value, rest: Rest<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    set_filter("intersect", &a, &rest, &kwargs)
}

fn difference(a: Value, rest: Rest<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    set_filter("difference", &a, &rest, &kwargs)
}

fn symmetric_difference(a: Value, rest: Rest<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    set_filter("symmetric_difference", &a, &rest, &kwargs)
}

fn union(a: Value, rest: Rest<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    set_filter("union", &a, &rest, &kwargs)
}

/// `set(a) <= set(b)`, for the `subset`/`superset` tests: Python's
/// `TypeError` for unhashable members.
pub(crate) fn is_subset(a: &Value, b: &Value) -> Result<bool, Error> {
    let mut sides = Vec::with_capacity(2);
    for value in [a, b] {
        let items = py::iterate(value)?;
        if let Hashing::Unhashable(t) = hashing(&items) {
            return Err(error(format!("unhashable type: '{t}'")));
        }
        sides.push(items);
    }
    let big = Members::from_values(&sides[1]);
    Ok(sides[0].iter().all(|x| big.contains(x)))
}

/// Jinja2's `make_attrgetter`: `attribute` may be a dotted path whose
/// all-digit parts are indexes.
fn attr_path(attribute: &Value) -> Vec<Value> {
    match attribute.as_str() {
        Some(path) if attribute.kind() == ValueKind::String => path
            .split('.')
            .map(|part| {
                if !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()) {
                    part.parse::<i64>()
                        .map(Value::from)
                        .unwrap_or_else(|_| Value::from(part))
                } else {
                    Value::from(part)
                }
            })
            .collect(),
        _ => vec![attribute.clone()],
    }
}

/// `environment.getitem(item, part)`, with ansible 2.19's error for a
/// missing attribute.
fn get_path(item: &Value, path: &[Value]) -> Result<Value, Error> {
    let mut current = item.clone();
    for part in path {
        let next = if py::is_mapping(&current) {
            py::map_get(&current, part)
        } else {
            match current.kind() {
                ValueKind::Seq | ValueKind::String if py::num(part).is_some() => {
                    current.get_item(part).ok().filter(|v| !v.is_undefined())
                }
                _ => None,
            }
        };
        current = match next {
            Some(v) => v,
            None => {
                // ansible gets an Undefined here, which raises when used.
                return Err(minijinja::Error::new(
                    minijinja::ErrorKind::UndefinedError,
                    format!(
                        "object of type '{}' has no attribute {}",
                        py::type_name(&current),
                        py::repr(part)
                    ),
                ));
            }
        };
    }
    Ok(current)
}

/// Jinja2's `ignore_case` postprocessor.
fn fold_case(value: Value) -> Value {
    match value.as_str() {
        Some(s) if value.kind() == ValueKind::String => Value::from(s.to_lowercase()),
        _ => value,
    }
}

fn key_of(item: &Value, path: Option<&[Value]>, case_sensitive: bool) -> Result<Value, Error> {
    let key = match path {
        Some(path) => get_path(item, path)?,
        None => item.clone(),
    };
    Ok(if case_sensitive { key } else { fold_case(key) })
}

/// ansible's `unique`: Jinja2's (case-insensitive unless told otherwise,
/// optionally by attribute), falling back to ansible's equality-based
/// version when members are unhashable.
fn unique(a: Value, rest: Rest<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    require_defined(&a)?;
    let args = bind("unique", &rest, &kwargs, &["case_sensitive", "attribute"])?;
    let case_sensitive = args[0].as_ref().is_some_and(py::truthy);
    let explicit_false = args[0]
        .as_ref()
        .is_some_and(|v| v.kind() == ValueKind::Bool && !v.is_true());
    let attribute = args[1].clone().filter(|v| !v.is_none());
    let strict = explicit_false || attribute.as_ref().is_some_and(py::truthy);
    let cannot_fall_back = |err: Error| {
        py::error(format!(
            "Jinja2's unique filter failed and we cannot fall back to Ansible's version as it \
             does not support the parameters supplied: {}",
            err.detail().unwrap_or_default()
        ))
    };

    let items = match py::iterate(&a) {
        Ok(items) => items,
        Err(err) if strict => return Err(cannot_fall_back(err)),
        Err(err) => return Err(err),
    };
    let path = attribute.as_ref().map(attr_path);

    // Jinja2's do_unique: a `seen` set of keys.
    let mut seen = Members::default();
    let mut out = Vec::new();
    let mut failed = None;
    for item in &items {
        let key = match key_of(item, path.as_deref(), case_sensitive) {
            Ok(key) => key,
            Err(err) => {
                failed = Some(err);
                break;
            }
        };
        if let PyHash::Unhashable(t) = py::hash(&key) {
            failed = Some(py::error(format!("unhashable type: '{t}'")));
            break;
        }
        if seen.insert(key) {
            out.push(item.clone());
        }
    }
    match failed {
        None => Ok(Value::from(out)),
        Some(err) if strict => Err(cannot_fall_back(err)),
        Some(_) => Ok(Value::from(dedup(items))),
    }
}

/// Jinja2's `min`/`max` (`case_sensitive=False`, `attribute=None`).
fn min_or_max(
    name: &str,
    value: &Value,
    rest: &[Value],
    kwargs: &Kwargs,
    want_max: bool,
) -> Result<Value, Error> {
    require_defined(value)?;
    let args = bind(name, rest, kwargs, &["case_sensitive", "attribute"])?;
    let case_sensitive = args[0].as_ref().is_some_and(py::truthy);
    let path = args[1].as_ref().filter(|v| !v.is_none()).map(attr_path);
    let items = py::iterate(value)?;
    let mut iter = items.into_iter();
    let Some(mut best) = iter.next() else {
        return Err(minijinja::Error::new(
            minijinja::ErrorKind::UndefinedError,
            "No aggregated item, sequence was empty.",
        ));
    };
    let mut best_key = key_of(&best, path.as_deref(), case_sensitive)?;
    for item in iter {
        let key = key_of(&item, path.as_deref(), case_sensitive)?;
        let better = if want_max {
            py::gt(&key, &best_key)?
        } else {
            py::lt(&key, &best_key)?
        };
        if better {
            best = item;
            best_key = key;
        }
    }
    Ok(best)
}

fn min(value: Value, rest: Rest<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    min_or_max("min", &value, &rest, &kwargs, false)
}

fn max(value: Value, rest: Rest<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    min_or_max("max", &value, &rest, &kwargs, true)
}

// ------------------------------------------------------- logs and powers

/// A `math` function argument: a real number or `TypeError`.
fn real(value: &Value) -> Result<f64, Error> {
    py::num(value)
        .map(Num::as_f64)
        .ok_or_else(|| py::error(format!("must be real number, not {}", py::type_name(value))))
}

fn domain_error() -> Error {
    py::error("math domain error")
}

/// `math.log(x)` (natural logarithm) with Python's domain errors.
fn math_ln(value: &Value) -> Result<f64, Error> {
    let x = real(value)?;
    if let Some(Num::Int(i)) = py::num(value)
        && i <= 0
    {
        return Err(domain_error());
    }
    if x.is_nan() {
        return Ok(x);
    }
    if x <= 0.0 {
        return Err(domain_error());
    }
    Ok(x.ln())
}

fn math_log10(value: &Value) -> Result<f64, Error> {
    let x = real(value)?;
    if x.is_nan() {
        return Ok(x);
    }
    if x <= 0.0 {
        return Err(domain_error());
    }
    Ok(x.log10())
}

fn log(x: Value, rest: Rest<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    require_defined(&x)?;
    let args = bind("logarithm", &rest, &kwargs, &["base"])?;
    let wrap = |err: Error| {
        if err
            .detail()
            .is_some_and(|d| d.starts_with("must be real number"))
        {
            py::error(format!(
                "log() can only be used on numbers: {}",
                err.detail().unwrap_or_default()
            ))
        } else {
            err
        }
    };
    let result = match &args[0] {
        Some(base) if py::eq(base, &Value::from(10)) => math_log10(&x).map_err(wrap)?,
        Some(base) => {
            let num = math_ln(&x).map_err(wrap)?;
            let den = math_ln(base).map_err(wrap)?;
            if den == 0.0 {
                return Err(py::error("float division by zero"));
            }
            num / den
        }
        None => math_ln(&x).map_err(wrap)?,
    };
    Ok(Value::from(result))
}

/// `math.pow` with CPython's error rules.
fn math_pow(x: f64, y: f64) -> Result<f64, Error> {
    if !x.is_finite() || !y.is_finite() {
        let r = if x.is_nan() {
            if y == 0.0 { 1.0 } else { x }
        } else if y.is_nan() {
            if x == 1.0 { 1.0 } else { y }
        } else if x.is_infinite() {
            let odd_y = y.is_finite() && (y.abs() % 2.0) == 1.0;
            if y > 0.0 {
                if odd_y { x } else { x.abs() }
            } else if y == 0.0 {
                1.0
            } else if odd_y {
                0f64.copysign(x)
            } else {
                0.0
            }
        } else if x.abs() == 1.0 {
            1.0
        } else if (y > 0.0 && x.abs() > 1.0) || (y < 0.0 && x.abs() < 1.0) {
            f64::INFINITY
        } else {
            0.0
        };
        return Ok(r);
    }
    let r = x.powf(y);
    if r.is_nan() || (r.is_infinite() && x == 0.0) {
        return Err(domain_error());
    }
    if r.is_infinite() {
        return Err(py::error("math range error"));
    }
    Ok(r)
}

fn pow(x: Value, rest: Rest<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    require_defined(&x)?;
    let args = bind("power", &rest, &kwargs, &["y"])?;
    let y = args[0]
        .clone()
        .ok_or_else(|| py::error("power() missing 1 required positional argument: 'y'"))?;
    let (a, b) = match (real(&x), real(&y)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(err), _) | (_, Err(err)) => {
            return Err(py::error(format!(
                "pow() can only be used on numbers: {}",
                err.detail().unwrap_or_default()
            )));
        }
    };
    Ok(Value::from(math_pow(a, b)?))
}

/// Python's `float(value)` for the `root` base.
fn to_float(value: &Value) -> Result<f64, Error> {
    if let Some(n) = py::num(value) {
        return Ok(n.as_f64());
    }
    if let Some(s) = value.as_str()
        && value.kind() == ValueKind::String
    {
        return py::parse_float(s).ok_or_else(|| {
            py::error(format!(
                "could not convert string to float: {}",
                py::repr(value)
            ))
        });
    }
    Err(py::error(format!(
        "float() argument must be a string or a real number, not '{}'",
        py::type_name(value)
    )))
}

fn root(x: Value, rest: Rest<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    require_defined(&x)?;
    let args = bind("inversepower", &rest, &kwargs, &["base"])?;
    let wrap = |err: Error| {
        py::error(format!(
            "root() can only be used on numbers: {}",
            err.detail().unwrap_or_default()
        ))
    };
    let base = args[0].clone().unwrap_or_else(|| Value::from(2));
    let result = if py::eq(&base, &Value::from(2)) {
        let v = real(&x).map_err(wrap)?;
        if v < 0.0 {
            return Err(wrap(domain_error()));
        }
        v.sqrt()
    } else {
        let b = to_float(&base).map_err(wrap)?;
        if b == 0.0 {
            return Err(py::error("float division by zero"));
        }
        let v = real(&x).map_err(wrap)?;
        math_pow(v, 1.0 / b).map_err(wrap)?
    };
    Ok(Value::from(result))
}

// ------------------------------------------------------------ human sizes

const SIZE_RANGES: [(char, u128); 9] = [
    ('Y', 1 << 80),
    ('Z', 1 << 70),
    ('E', 1 << 60),
    ('P', 1 << 50),
    ('T', 1 << 40),
    ('G', 1 << 30),
    ('M', 1 << 20),
    ('K', 1 << 10),
    ('B', 1),
];

fn human_readable(size: Value, rest: Rest<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    require_defined(&size)?;
    let args = bind("human_readable", &rest, &kwargs, &["isbits", "unit"])?;
    let isbits = args[0].as_ref().is_some_and(py::truthy);
    let unit = args[1].clone().filter(|u| !u.is_none());
    let Some(n) = py::num(&size) else {
        return Err(py::error(format!(
            "human_readable() failed on bad input: '>=' not supported between instances of \
             '{}' and 'int'",
            py::type_name(&size)
        )));
    };
    let unit_upper = match &unit {
        None => None,
        Some(u) => match u.as_str() {
            Some(s) if u.kind() == ValueKind::String => Some(s.to_uppercase()),
            _ => {
                return Err(py::error(format!(
                    "human_readable() can't interpret the input: '{}' object has no attribute \
                     'upper'",
                    py::type_name(u)
                )));
            }
        },
    };
    let mut chosen = SIZE_RANGES[SIZE_RANGES.len() - 1];
    for (suffix, limit) in SIZE_RANGES {
        let hit = match &unit_upper {
            None => py::num_cmp(n, Num::Int(limit as i128))
                .is_some_and(|o| o != std::cmp::Ordering::Less),
            Some(u) => u.chars().eq(std::iter::once(suffix)),
        };
        if hit {
            chosen = (suffix, limit);
            break;
        }
    }
    let (suffix, limit) = chosen;
    let base = if isbits { "bits" } else { "Bytes" };
    let suffix = if limit != 1 {
        format!("{suffix}{}", &base[..1])
    } else {
        base.to_string()
    };
    let quotient = match n {
        Num::Int(i) => int_true_div(i, limit),
        Num::Float(f) => f / limit as f64,
    };
    Ok(Value::from(format!("{} {suffix}", format_fixed2(quotient))))
}

/// `int / int` for a power-of-two divisor (exact after one rounding).
fn int_true_div(i: i128, limit: u128) -> f64 {
    i as f64 / limit as f64
}

/// Python's `'%.2f' % x`.
fn format_fixed2(x: f64) -> String {
    if x.is_nan() {
        "nan".into()
    } else if x.is_infinite() {
        if x > 0.0 { "inf".into() } else { "-inf".into() }
    } else {
        format!("{x:.2}")
    }
}

fn human_to_bytes(size: Value, rest: Rest<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    require_defined(&size)?;
    let args = bind(
        "human_to_bytes",
        &rest,
        &kwargs,
        &["default_unit", "isbits"],
    )?;
    let isbits = args[1].as_ref().is_some_and(py::truthy);
    let text = py::to_str(&size);
    let cant =
        |msg: String| py::error(format!("human_to_bytes() can't interpret the input: {msg}"));
    let Some((number, unit)) = split_human(&text) else {
        return Err(cant(format!(
            "human_to_bytes() can't interpret following string: {text}"
        )));
    };
    let num: f64 = number.parse().map_err(|_| {
        cant(format!(
            "human_to_bytes() can't interpret following number: {number} (original input \
             string: {text})"
        ))
    })?;
    let unit: Option<String> = match unit {
        Some(u) => Some(u.to_string()),
        None => match &args[0] {
            None => None,
            Some(v) if v.is_none() => None,
            Some(v) => match v.as_str() {
                Some(s) if v.kind() == ValueKind::String => Some(s.to_string()),
                _ => {
                    return Err(py::error(format!(
                        "human_to_bytes() failed on bad input: '{}' object is not subscriptable",
                        py::type_name(v)
                    )));
                }
            },
        },
    };
    let Some(unit) = unit else {
        return Ok(round_to_int(num));
    };
    let Some(first) = unit.chars().next() else {
        return Err(cant("string index out of range".into()));
    };
    let range_key: String = first.to_uppercase().collect();
    let Some(&(key, limit)) = SIZE_RANGES
        .iter()
        .find(|(k, _)| range_key.chars().eq(std::iter::once(*k)))
    else {
        return Err(cant(format!(
            "human_to_bytes() failed to convert {text} (unit = {unit}). The suffix must be one \
             of Y, Z, E, P, T, G, M, K, B"
        )));
    };
    if unit.chars().count() > 1 {
        let (unit_class, unit_class_name) = if isbits { ('b', "bit") } else { ('B', "byte") };
        let expect = if key == 'B' {
            format!("expect {unit_class} or {unit_class_name}")
        } else {
            format!("expect {key}{unit_class} or {key}")
        };
        let names = valid_unit(key, isbits);
        if unit.to_lowercase() != names.0 && unit != names.1 {
            return Err(cant(format!(
                "human_to_bytes() failed to convert {text}. Value is not a valid string \
                 ({expect})"
            )));
        }
    }
    Ok(round_to_int(num * limit as f64))
}

/// `VALID_UNITS[key][isbits]`: the long name and the abbreviation.
fn valid_unit(key: char, isbits: bool) -> (String, String) {
    let prefix = match key {
        'B' => "",
        'K' => "kilo",
        'M' => "mega",
        'G' => "giga",
        'T' => "tera",
        'P' => "peta",
        'E' => "exa",
        'Z' => "zeta",
        _ => "yotta",
    };
    let (word, letter) = if isbits { ("bit", 'b') } else { ("byte", 'B') };
    let abbrev = if key == 'B' {
        letter.to_string()
    } else {
        format!("{key}{letter}")
    };
    (format!("{prefix}{word}"), abbrev)
}

/// The regex `^([0-9]*\.?[0-9]+)(?:\s*([A-Za-z]+))?\s*$`: the number and
/// the unit, if any.
fn split_human(text: &str) -> Option<(&str, Option<&str>)> {
    let bytes = text.as_bytes();
    let digits = |from: usize| {
        bytes[from..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
    };
    let d1 = digits(0);
    let mut end = d1;
    if bytes.get(d1) == Some(&b'.') {
        let d2 = digits(d1 + 1);
        if d2 > 0 {
            end = d1 + 1 + d2;
        }
    }
    if end == 0 {
        return None;
    }
    let number = &text[..end];
    let rest = &text[end..];
    let after_space = rest.trim_start_matches(py::is_space);
    let letters = after_space
        .bytes()
        .take_while(|b| b.is_ascii_alphabetic())
        .count();
    let (unit, tail) = if letters > 0 {
        (Some(&after_space[..letters]), &after_space[letters..])
    } else {
        (None, rest)
    };
    if !tail.chars().all(py::is_space) {
        return None;
    }
    Some((number, unit))
}

/// Python's `int(round(x))` (banker's rounding).
fn round_to_int(x: f64) -> Value {
    let r = x.round_ties_even();
    if r.is_finite() && r.abs() < 1.7e38 {
        Value::from(r as i128)
    } else {
        Value::from(r)
    }
}

// ------------------------------------------------------- rekey_on_member

fn rekey_on_member(data: Value, rest: Rest<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    require_defined(&data)?;
    let args = bind("rekey_on_member", &rest, &kwargs, &["key", "duplicates"])?;
    let key = args[0].clone().ok_or_else(|| {
        py::error("rekey_on_member() missing 1 required positional argument: 'key'")
    })?;
    let duplicates = args[1].clone().unwrap_or_else(|| Value::from("error"));
    let overwrite = match duplicates.as_str() {
        Some("error") if duplicates.kind() == ValueKind::String => false,
        Some("overwrite") if duplicates.kind() == ValueKind::String => true,
        _ => {
            return Err(py::error(format!(
                "duplicates parameter to rekey_on_member has unknown value {}",
                py::repr(&duplicates)
            )));
        }
    };
    let items: Vec<Value> = match data.kind() {
        ValueKind::Map => data
            .try_iter()?
            .map(|k| data.get_item(&k).unwrap_or_default())
            .collect(),
        ValueKind::Seq | ValueKind::Iterable => data.try_iter()?.collect(),
        _ => return Err(py::error("Type is not a valid list, set, or dict")),
    };
    let mut out: Vec<(Value, Value)> = Vec::new();
    for item in items {
        if !py::is_mapping(&item) {
            return Err(py::error("List item is not a valid dict"));
        }
        let Some(key_elem) = py::map_get(&item, &key) else {
            return Err(py::error(format!("Key {} was not found.", py::repr(&key))));
        };
        if let PyHash::Unhashable(t) = py::hash(&key_elem) {
            return Err(py::error(format!("unhashable type: '{t}'")));
        }
        match out.iter_mut().find(|(k, _)| py::eq(k, &key_elem)) {
            Some(existing) => {
                if !overwrite {
                    return Err(py::error(format!(
                        "Key {} is not unique, cannot convert to dict.",
                        py::repr(&key_elem)
                    )));
                }
                existing.1 = item;
            }
            None => out.push((key_elem, item)),
        }
    }
    Ok(Value::from_object(
        out.into_iter()
            .collect::<indexmap::IndexMap<Value, Value>>(),
    ))
}

// ------------------------------------------------------ zip and itertools

fn tuple(items: Vec<Value>) -> Value {
    Value::from(Tuple::new(items))
}

fn iterables(first: &Value, rest: &[Value]) -> Result<Vec<Vec<Value>>, Error> {
    std::iter::once(first)
        .chain(rest)
        .map(py::iterate)
        .collect()
}

fn zip(value: Value, rest: Rest<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    require_defined(&value)?;
    let strict: Option<Value> = kwargs.get("strict")?;
    if let Some(key) = kwargs.args().find(|k| *k != "strict") {
        return Err(py::error(format!(
            "zip() got an unexpected keyword argument '{key}'"
        )));
    }
    let lists = iterables(&value, &rest)?;
    let len = lists.iter().map(Vec::len).min().unwrap_or(0);
    if strict.as_ref().is_some_and(py::truthy)
        && let Some(i) = lists.iter().position(|l| l.len() != lists[0].len())
    {
        let relation = if lists[i].len() < lists[0].len() {
            "shorter"
        } else {
            "longer"
        };
        let which = if lists[i].len() < lists[0].len() || i == 1 {
            format!("argument {} is {relation} than argument 1", i + 1)
        } else {
            format!("argument {} is {relation} than arguments 1-{i}", i + 1)
        };
        return Err(py::error(format!("zip() {which}")));
    }
    Ok(Value::from(
        (0..len)
            .map(|i| tuple(lists.iter().map(|l| l[i].clone()).collect()))
            .collect::<Vec<_>>(),
    ))
}

fn zip_longest(value: Value, rest: Rest<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    require_defined(&value)?;
    let fill: Option<Value> = kwargs.get("fillvalue")?;
    kwargs.assert_all_used()?;
    let fill = fill.unwrap_or_else(|| Value::from(()));
    let lists = iterables(&value, &rest)?;
    let len = lists.iter().map(Vec::len).max().unwrap_or(0);
    Ok(Value::from(
        (0..len)
            .map(|i| {
                tuple(
                    lists
                        .iter()
                        .map(|l| l.get(i).cloned().unwrap_or_else(|| fill.clone()))
                        .collect(),
                )
            })
            .collect::<Vec<_>>(),
    ))
}

/// Results beyond this many tuples are refused rather than exhausting memory.
const MAX_COMBINATORIAL: u128 = 10_000_000;

fn too_many() -> Error {
    py::error("result too large")
}

fn count_int(value: &Value, what: &str) -> Result<i128, Error> {
    match py::num(value) {
        Some(Num::Int(i)) => Ok(i),
        _ => Err(py::error(format!(
            "'{}' object cannot be interpreted as an integer ({what})",
            py::type_name(value)
        ))),
    }
}

fn product(value: Value, rest: Rest<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    require_defined(&value)?;
    let repeat: Option<Value> = kwargs.get("repeat")?;
    kwargs.assert_all_used()?;
    let repeat = match repeat {
        Some(r) => count_int(&r, "repeat")?,
        None => 1,
    };
    if repeat < 0 {
        return Err(py::error("repeat argument cannot be negative"));
    }
    let base = iterables(&value, &rest)?;
    if base.iter().any(Vec::is_empty) && repeat > 0 {
        return Ok(Value::from(Vec::<Value>::new()));
    }
    if (base.len() as u128).saturating_mul(repeat as u128) > 100_000 {
        return Err(too_many());
    }
    let mut pools = Vec::new();
    for _ in 0..repeat {
        pools.extend(base.iter().cloned());
    }
    let total = pools
        .iter()
        .try_fold(1u128, |acc, p| acc.checked_mul(p.len() as u128))
        .unwrap_or(u128::MAX);
    if total > MAX_COMBINATORIAL {
        return Err(too_many());
    }
    let mut result: Vec<Vec<Value>> = vec![Vec::new()];
    for pool in &pools {
        let mut next = Vec::with_capacity(result.len() * pool.len());
        for prefix in &result {
            for item in pool {
                let mut row = prefix.clone();
                row.push(item.clone());
                next.push(row);
            }
        }
        result = next;
    }
    Ok(Value::from(
        result.into_iter().map(tuple).collect::<Vec<_>>(),
    ))
}

fn r_arg(
    name: &str,
    rest: &[Value],
    kwargs: &Kwargs,
    required: bool,
) -> Result<Option<usize>, Error> {
    let args = bind(name, rest, kwargs, &["r"])?;
    match args[0].as_ref().filter(|v| !v.is_none()) {
        None if required => Err(py::error(format!(
            "{name}() missing required argument 'r' (pos 2)"
        ))),
        None => Ok(None),
        Some(r) => {
            let r = count_int(r, "r")?;
            if r < 0 {
                return Err(py::error("r must be non-negative"));
            }
            Ok(Some(usize::try_from(r).unwrap_or(usize::MAX)))
        }
    }
}

fn binomial(n: usize, k: usize) -> u128 {
    if k > n {
        return 0;
    }
    let mut acc: u128 = 1;
    for i in 0..k.min(n - k) {
        acc = acc.saturating_mul((n - i) as u128) / (i as u128 + 1);
        if acc > MAX_COMBINATORIAL * 1000 {
            return u128::MAX;
        }
    }
    acc
}

fn permutations(value: Value, rest: Rest<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    require_defined(&value)?;
    let r = r_arg("permutations", &rest, &kwargs, false)?;
    let pool = py::iterate(&value)?;
    let n = pool.len();
    let r = r.unwrap_or(n);
    if r > n {
        return Ok(Value::from(Vec::<Value>::new()));
    }
    let mut count: u128 = 1;
    for i in 0..r {
        count = count.saturating_mul((n - i) as u128);
    }
    if count > MAX_COMBINATORIAL {
        return Err(too_many());
    }
    // itertools.permutations' algorithm, for its output order.
    let mut indices: Vec<usize> = (0..n).collect();
    let mut cycles: Vec<usize> = (n - r + 1..=n).rev().collect();
    let mut out = vec![tuple(
        indices[..r].iter().map(|&i| pool[i].clone()).collect(),
    )];
    if n == 0 {
        return Ok(Value::from(out));
    }
    'outer: loop {
        for i in (0..r).rev() {
            cycles[i] -= 1;
            if cycles[i] == 0 {
                let moved = indices.remove(i);
                indices.push(moved);
                cycles[i] = n - i;
            } else {
                let j = cycles[i];
                indices.swap(i, n - j);
                out.push(tuple(
                    indices[..r].iter().map(|&k| pool[k].clone()).collect(),
                ));
                continue 'outer;
            }
        }
        break;
    }
    Ok(Value::from(out))
}

fn combinations(value: Value, rest: Rest<Value>, kwargs: Kwargs) -> Result<Value, Error> {
    require_defined(&value)?;
    let r = r_arg("combinations", &rest, &kwargs, true)?.unwrap_or(0);
    let pool = py::iterate(&value)?;
    let n = pool.len();
    if r > n {
        return Ok(Value::from(Vec::<Value>::new()));
    }
    if binomial(n, r) > MAX_COMBINATORIAL {
        return Err(too_many());
    }
    let mut indices: Vec<usize> = (0..r).collect();
    let mut out = vec![tuple(indices.iter().map(|&i| pool[i].clone()).collect())];
    while let Some(i) = (0..r).rev().find(|&i| indices[i] != i + n - r) {
        indices[i] += 1;
        for j in i + 1..r {
            indices[j] = indices[j - 1] + 1;
        }
        out.push(tuple(indices.iter().map(|&k| pool[k].clone()).collect()));
    }
    Ok(Value::from(out))
}
