//! Constructed scalars as the Python objects PyYAML builds: enough type
//! information to compare mapping keys the way a Python dict does and to
//! print them with `repr()` in warnings.

use crate::value::{Value, python_float_repr, python_str_repr};

use super::resolve::{PyInt, Timestamp};

/// A constructed scalar with the Python type information needed for key
/// comparison and `repr()`, before it is flattened into a `Value`.
#[derive(Debug, Clone)]
pub(super) enum PyScalar {
    Null,
    Bool(bool),
    Int(PyInt),
    Float(f64),
    Str(String),
    Unsafe(String),
    Vault(String),
    Timestamp(Timestamp),
    Bytes(Vec<u8>),
}

impl PyScalar {
    pub fn into_value(self) -> Value {
        match self {
            PyScalar::Null => Value::Null,
            PyScalar::Bool(b) => Value::Bool(b),
            PyScalar::Int(PyInt::Exact(i)) => Value::int(i),
            // Python ints are unbounded; beyond i128 we keep the magnitude.
            PyScalar::Int(PyInt::Huge(f)) => Value::Float(f),
            PyScalar::Float(f) => Value::Float(f),
            PyScalar::Str(s) => Value::Str(s),
            PyScalar::Unsafe(s) => Value::Unsafe(s),
            PyScalar::Vault(s) => Value::Vault(s),
            // Dates have no Value variant; their ISO text is what JSON shows.
            PyScalar::Timestamp(t) => Value::Str(t.isoformat()),
            PyScalar::Bytes(b) => Value::Str(String::from_utf8_lossy(&b).into_owned()),
        }
    }

    pub fn python_repr(&self) -> String {
        match self {
            PyScalar::Null => "None".into(),
            PyScalar::Bool(true) => "True".into(),
            PyScalar::Bool(false) => "False".into(),
            PyScalar::Int(PyInt::Exact(i)) => i.to_string(),
            PyScalar::Int(PyInt::Huge(f)) => format!("{f:.0}"),
            PyScalar::Float(f) => python_float_repr(*f),
            PyScalar::Str(s) | PyScalar::Unsafe(s) | PyScalar::Vault(s) => python_str_repr(s),
            PyScalar::Timestamp(t) => t.python_repr(),
            PyScalar::Bytes(b) => format!("b{}", python_str_repr(&String::from_utf8_lossy(b))),
        }
    }

    /// The key Python's dict and set would use.
    pub fn dict_key(&self, unique: usize) -> DictKey {
        match self {
            PyScalar::Null => DictKey::None,
            PyScalar::Bool(b) => DictKey::Int(i128::from(*b)),
            PyScalar::Int(PyInt::Exact(i)) => DictKey::Int(*i),
            PyScalar::Int(PyInt::Huge(f)) | PyScalar::Float(f) => float_key(*f, unique),
            PyScalar::Str(s) | PyScalar::Unsafe(s) => DictKey::Str(s.clone()),
            PyScalar::Vault(s) => DictKey::Vault(s.clone()),
            PyScalar::Timestamp(t) => DictKey::Timestamp(t.clone()),
            PyScalar::Bytes(b) => DictKey::Bytes(b.clone()),
        }
    }
}

/// Python equality classes: numbers compare by value across bool/int/float,
/// and every NaN is distinct.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) enum DictKey {
    None,
    Int(i128),
    Float(u64),
    Str(String),
    Vault(String),
    Timestamp(Timestamp),
    Bytes(Vec<u8>),
    Distinct(usize),
}

fn float_key(f: f64, unique: usize) -> DictKey {
    if f.is_nan() {
        DictKey::Distinct(unique)
    } else if f.fract() == 0.0 && f.abs() < 1e38 {
        DictKey::Int(f as i128)
    } else {
        DictKey::Float(f.to_bits())
    }
}
