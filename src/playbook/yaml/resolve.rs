//! PyYAML's YAML 1.1 implicit resolvers and the scalar constructors of its
//! `SafeConstructor`, reimplemented.
//!
//! Ansible resolves untagged plain scalars with `yaml.resolver.Resolver`: a
//! list of regular expressions tried in registration order, selected by the
//! first character of the text. The patterns below are PyYAML's (verbose-mode
//! whitespace removed). The constructors then turn the text into a value with
//! Python's own parsing rules (`int(s, base)`, `float(s)`), which accept more
//! than the resolvers do; that matters for explicitly tagged scalars
//! (`!!int "0x_1"`) and for `!unsafe`/`!vault`, which re-resolve quoted text.
//! Construction failures carry Python's exception text, because that is what
//! ansible shows for them.

use std::sync::LazyLock;

use regex::Regex;

use crate::value::python_str_repr;

pub const TAG_NULL: &str = "tag:yaml.org,2002:null";
pub const TAG_BOOL: &str = "tag:yaml.org,2002:bool";
pub const TAG_INT: &str = "tag:yaml.org,2002:int";
pub const TAG_FLOAT: &str = "tag:yaml.org,2002:float";
pub const TAG_STR: &str = "tag:yaml.org,2002:str";
pub const TAG_TIMESTAMP: &str = "tag:yaml.org,2002:timestamp";
pub const TAG_MERGE: &str = "tag:yaml.org,2002:merge";
/// The `=` "value key" of YAML 1.1; it has no constructor outside of keys.
pub const TAG_VALUE: &str = "tag:yaml.org,2002:value";
pub const TAG_SEQ: &str = "tag:yaml.org,2002:seq";
pub const TAG_MAP: &str = "tag:yaml.org,2002:map";
pub const TAG_BINARY: &str = "tag:yaml.org,2002:binary";
pub const TAG_SET: &str = "tag:yaml.org,2002:set";
pub const TAG_OMAP: &str = "tag:yaml.org,2002:omap";
pub const TAG_PAIRS: &str = "tag:yaml.org,2002:pairs";
pub const TAG_PYTHON_DICT: &str = "tag:yaml.org,2002:python/dict";
pub const TAG_PYTHON_UNICODE: &str = "tag:yaml.org,2002:python/unicode";

fn anchored(pattern: &str) -> Regex {
    // The patterns are constants; a typo is caught by the unit tests.
    Regex::new(&format!(r"\A(?:{pattern})\z")).unwrap_or_else(|e| panic!("bad built-in regex: {e}"))
}

static BOOL_RE: LazyLock<Regex> = LazyLock::new(|| {
    anchored("yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF")
});
static FLOAT_RE: LazyLock<Regex> = LazyLock::new(|| {
    anchored(concat!(
        r"[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?",
        r"|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?",
        r"|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*",
        r"|[-+]?\.(?:inf|Inf|INF)",
        r"|\.(?:nan|NaN|NAN)",
    ))
});
static INT_RE: LazyLock<Regex> = LazyLock::new(|| {
    anchored(concat!(
        r"[-+]?0b[0-1_]+",
        r"|[-+]?0[0-7_]+",
        r"|[-+]?(?:0|[1-9][0-9_]*)",
        r"|[-+]?0x[0-9a-fA-F_]+",
        r"|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+",
    ))
});
static NULL_RE: LazyLock<Regex> = LazyLock::new(|| anchored("~|null|Null|NULL|"));
static TIMESTAMP_RE: LazyLock<Regex> = LazyLock::new(|| {
    anchored(concat!(
        r"[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]",
        r"|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?",
        r"(?:[Tt]|[ \t]+)[0-9][0-9]?",
        r":[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?",
        r"(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?",
    ))
});
/// `SafeConstructor.timestamp_regexp`: looser than the resolver (one-digit
/// months and days), used to split an explicitly tagged timestamp.
static TIMESTAMP_PARTS_RE: LazyLock<Regex> = LazyLock::new(|| {
    anchored(concat!(
        r"(?P<year>[0-9][0-9][0-9][0-9])-(?P<month>[0-9][0-9]?)-(?P<day>[0-9][0-9]?)",
        r"(?:(?:[Tt]|[ \t]+)(?P<hour>[0-9][0-9]?):(?P<minute>[0-9][0-9]):(?P<second>[0-9][0-9])",
        r"(?:\.(?P<fraction>[0-9]*))?",
        r"(?:[ \t]*(?P<tz>Z|(?P<tz_sign>[-+])(?P<tz_hour>[0-9][0-9]?)(?::(?P<tz_minute>[0-9][0-9]))?))?)?",
    ))
});

/// Python's `$` also matches just before a final newline, which only matters
/// for re-resolved block scalars (`!unsafe |` text ends with one).
fn regex_subject(text: &str) -> &str {
    text.strip_suffix('\n').unwrap_or(text)
}

/// The tag PyYAML's resolver gives an implicitly typed scalar.
pub fn resolve_implicit(text: &str) -> &'static str {
    let subject = regex_subject(text);
    let candidates: &[(&LazyLock<Regex>, &'static str)] = match text.chars().next() {
        None => &[(&NULL_RE, TAG_NULL)],
        Some('y' | 'Y' | 't' | 'T' | 'f' | 'F' | 'o' | 'O') => &[(&BOOL_RE, TAG_BOOL)],
        Some('n' | 'N') => &[(&BOOL_RE, TAG_BOOL), (&NULL_RE, TAG_NULL)],
        Some('~') => &[(&NULL_RE, TAG_NULL)],
        Some('-' | '+') => &[(&FLOAT_RE, TAG_FLOAT), (&INT_RE, TAG_INT)],
        Some('.') => &[(&FLOAT_RE, TAG_FLOAT)],
        Some('0'..='9') => &[
            (&FLOAT_RE, TAG_FLOAT),
            (&INT_RE, TAG_INT),
            (&TIMESTAMP_RE, TAG_TIMESTAMP),
        ],
        Some('<') => return if subject == "<<" { TAG_MERGE } else { TAG_STR },
        Some('=') => return if subject == "=" { TAG_VALUE } else { TAG_STR },
        Some(_) => &[],
    };
    candidates
        .iter()
        .find(|(re, _)| re.is_match(subject))
        .map_or(TAG_STR, |(_, tag)| tag)
}

/// A Python `int`: exact while it fits in 128 bits. Bigger values (only
/// reachable with absurd literals) degrade to a float approximation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PyInt {
    Exact(i128),
    Huge(f64),
}

impl PyInt {
    fn from_digits(digits: &str, base: u32) -> PyInt {
        let mut exact: Option<i128> = Some(0);
        let mut approx = 0f64;
        for d in digits.chars().filter_map(|c| c.to_digit(base)) {
            exact = exact
                .and_then(|v| v.checked_mul(i128::from(base)))
                .and_then(|v| v.checked_add(i128::from(d)));
            approx = approx * f64::from(base) + f64::from(d);
        }
        exact.map_or(PyInt::Huge(approx), PyInt::Exact)
    }

    fn negate(self) -> PyInt {
        match self {
            PyInt::Exact(v) => v
                .checked_neg()
                .map_or(PyInt::Huge(-(v as f64)), PyInt::Exact),
            PyInt::Huge(f) => PyInt::Huge(-f),
        }
    }

    fn mul_add(self, factor: i128, add: PyInt) -> PyInt {
        match (self, add) {
            (PyInt::Exact(a), PyInt::Exact(b)) => {
                a.checked_mul(factor).and_then(|v| v.checked_add(b)).map_or(
                    PyInt::Huge(a as f64 * factor as f64 + b as f64),
                    PyInt::Exact,
                )
            }
            _ => PyInt::Huge(self.as_f64() * factor as f64 + add.as_f64()),
        }
    }

    pub fn as_f64(self) -> f64 {
        match self {
            PyInt::Exact(v) => v as f64,
            PyInt::Huge(f) => f,
        }
    }
}

/// Python's `str.strip()` with no argument strips Unicode whitespace.
fn py_strip(s: &str) -> &str {
    s.trim_matches(char::is_whitespace)
}

/// Python's `int(s, base)` for the bases PyYAML uses.
fn py_int(s: &str, base: u32) -> Result<PyInt, String> {
    let invalid = || {
        format!(
            "invalid literal for int() with base {base}: {}",
            python_str_repr(s)
        )
    };
    let body = py_strip(s);
    let (negative, body) = match body.as_bytes().first() {
        Some(b'-') => (true, &body[1..]),
        Some(b'+') => (false, &body[1..]),
        _ => (false, body),
    };
    let prefix = match base {
        2 => Some("0b"),
        8 => Some("0o"),
        16 => Some("0x"),
        _ => None,
    };
    let digits = match prefix {
        Some(p) if body.len() >= 2 && body[..2].eq_ignore_ascii_case(p) => &body[2..],
        _ => body,
    };
    if digits.is_empty()
        || !digits
            .chars()
            .all(|c| c.is_ascii_digit() || c.is_ascii_alphabetic())
    {
        return Err(invalid());
    }
    if !digits.chars().all(|c| c.is_digit(base)) {
        return Err(invalid());
    }
    let value = PyInt::from_digits(digits, base);
    Ok(if negative { value.negate() } else { value })
}

/// Python's `float(s)`.
fn py_float(s: &str) -> Result<f64, String> {
    let body = py_strip(s);
    // Rust's grammar is Python's (digits, optional point and exponent,
    // inf/infinity/nan in any case) once surrounding whitespace is gone.
    body.parse::<f64>()
        .map_err(|_| format!("could not convert string to float: {}", python_str_repr(s)))
}

const INDEX_ERROR: &str = "string index out of range";

/// Splits PyYAML's leading sign off `value`; `None` means `value[0]` would
/// raise `IndexError`.
fn split_sign(value: &str) -> Option<(bool, &str)> {
    match value.chars().next()? {
        '-' => Some((true, &value[1..])),
        '+' => Some((false, &value[1..])),
        _ => Some((false, value)),
    }
}

/// `SafeConstructor.construct_yaml_int`.
pub fn construct_int(text: &str) -> Result<PyInt, String> {
    let value: String = text.chars().filter(|&c| c != '_').collect();
    let (negative, rest) = split_sign(&value).ok_or_else(|| INDEX_ERROR.to_string())?;
    let magnitude = if rest == "0" {
        PyInt::Exact(0)
    } else if let Some(bin) = rest.strip_prefix("0b") {
        py_int(bin, 2)?
    } else if let Some(hex) = rest.strip_prefix("0x") {
        py_int(hex, 16)?
    } else if rest.is_empty() {
        return Err(INDEX_ERROR.to_string());
    } else if rest.starts_with('0') {
        py_int(rest, 8)?
    } else if rest.contains(':') {
        let mut total = PyInt::Exact(0);
        for part in rest.split(':') {
            total = total.mul_add(60, py_int(part, 10)?);
        }
        total
    } else {
        py_int(rest, 10)?
    };
    Ok(if negative {
        magnitude.negate()
    } else {
        magnitude
    })
}

/// `SafeConstructor.construct_yaml_float`.
pub fn construct_float(text: &str) -> Result<f64, String> {
    let value: String = text
        .chars()
        .filter(|&c| c != '_')
        .collect::<String>()
        .to_lowercase();
    let (negative, rest) = split_sign(&value).ok_or_else(|| INDEX_ERROR.to_string())?;
    let sign = if negative { -1.0 } else { 1.0 };
    if rest == ".inf" {
        Ok(sign * f64::INFINITY)
    } else if rest == ".nan" {
        Ok(f64::NAN)
    } else if rest.contains(':') {
        let mut total = 0.0;
        for part in rest.split(':') {
            total = total * 60.0 + py_float(part)?;
        }
        Ok(sign * total)
    } else {
        Ok(sign * py_float(rest)?)
    }
}

/// `SafeConstructor.construct_yaml_bool`: a dictionary lookup, so failures
/// read like Python's `KeyError` (the repr of the key).
pub fn construct_bool(text: &str) -> Result<bool, String> {
    let lower = text.to_lowercase();
    match lower.as_str() {
        "yes" | "true" | "on" => Ok(true),
        "no" | "false" | "off" => Ok(false),
        _ => Err(python_str_repr(&lower)),
    }
}

/// A `datetime.date` or `datetime.datetime` as PyYAML builds it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Timestamp {
    pub year: u32,
    pub month: u32,
    pub day: u32,
    pub time: Option<TimeOfDay>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TimeOfDay {
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub microsecond: u32,
    /// UTC offset in minutes; `None` for a naive datetime.
    pub offset_minutes: Option<i32>,
}

impl Timestamp {
    /// `isoformat()`, which is how the value is rendered as text.
    pub fn isoformat(&self) -> String {
        let date = format!("{:04}-{:02}-{:02}", self.year, self.month, self.day);
        let Some(t) = &self.time else { return date };
        let mut out = format!("{date}T{:02}:{:02}:{:02}", t.hour, t.minute, t.second);
        if t.microsecond != 0 {
            out.push_str(&format!(".{:06}", t.microsecond));
        }
        if let Some(offset) = t.offset_minutes {
            let sign = if offset < 0 { '-' } else { '+' };
            let abs = offset.unsigned_abs();
            out.push_str(&format!("{sign}{:02}:{:02}", abs / 60, abs % 60));
        }
        out
    }

    /// `repr()`, used in duplicate-key warnings.
    pub fn python_repr(&self) -> String {
        let Some(t) = &self.time else {
            return format!("datetime.date({}, {}, {})", self.year, self.month, self.day);
        };
        let mut fields = vec![
            self.year,
            self.month,
            self.day,
            t.hour,
            t.minute,
            t.second,
            t.microsecond,
        ];
        // datetime.__repr__ drops a zero microsecond, then a zero second.
        for _ in 0..2 {
            if fields.last() == Some(&0) {
                fields.pop();
            }
        }
        let mut out = format!(
            "datetime.datetime({}",
            fields
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        );
        match t.offset_minutes {
            None => {}
            Some(0) => out.push_str(", tzinfo=datetime.timezone.utc"),
            Some(minutes) => {
                let seconds = i64::from(minutes) * 60;
                let days = seconds.div_euclid(86_400);
                let rest = seconds.rem_euclid(86_400);
                let delta = match (days, rest) {
                    (0, s) => format!("seconds={s}"),
                    (d, 0) => format!("days={d}"),
                    (d, s) => format!("days={d}, seconds={s}"),
                };
                out.push_str(&format!(
                    ", tzinfo=datetime.timezone(datetime.timedelta({delta}))"
                ));
            }
        }
        out.push(')');
        out
    }
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// `SafeConstructor.construct_yaml_timestamp`, with `datetime`'s range checks.
pub fn construct_timestamp(text: &str) -> Result<Timestamp, String> {
    let caps = TIMESTAMP_PARTS_RE
        .captures(regex_subject(text))
        .ok_or_else(|| "'NoneType' object has no attribute 'groupdict'".to_string())?;
    let num = |name: &str| -> u32 {
        caps.name(name)
            .and_then(|m| m.as_str().parse().ok())
            .unwrap_or(0)
    };
    let (year, month, day) = (num("year"), num("month"), num("day"));
    if year == 0 {
        return Err("year 0 is out of range".into());
    }
    if !(1..=12).contains(&month) {
        return Err("month must be in 1..12".into());
    }
    if day == 0 || day > days_in_month(year, month) {
        return Err("day is out of range for month".into());
    }
    if caps.name("hour").is_none() {
        return Ok(Timestamp {
            year,
            month,
            day,
            time: None,
        });
    }
    let (hour, minute, second) = (num("hour"), num("minute"), num("second"));
    if hour > 23 {
        return Err("hour must be in 0..23".into());
    }
    if minute > 59 {
        return Err("minute must be in 0..59".into());
    }
    if second > 59 {
        return Err("second must be in 0..59".into());
    }
    // The fraction is cut to six digits and right-padded: ".1" is 100000µs.
    let fraction = caps.name("fraction").map_or("", |m| m.as_str());
    let microsecond = if fraction.is_empty() {
        0
    } else {
        format!("{fraction:0<6}")
            .get(..6)
            .and_then(|d| d.parse().ok())
            .unwrap_or(0)
    };
    let offset_minutes = if let Some(sign) = caps.name("tz_sign") {
        let minutes = i32::try_from(num("tz_hour") * 60 + num("tz_minute")).unwrap_or(i32::MAX);
        if minutes >= 24 * 60 {
            return Err(format!(
                "offset must be a timedelta strictly between -timedelta(hours=24) and \
                 timedelta(hours=24), not {}.",
                timedelta_repr(if sign.as_str() == "-" {
                    -minutes
                } else {
                    minutes
                })
            ));
        }
        Some(if sign.as_str() == "-" {
            -minutes
        } else {
            minutes
        })
    } else if caps.name("tz").is_some() {
        Some(0)
    } else {
        None
    };
    Ok(Timestamp {
        year,
        month,
        day,
        time: Some(TimeOfDay {
            hour,
            minute,
            second,
            microsecond,
            offset_minutes,
        }),
    })
}

fn timedelta_repr(minutes: i32) -> String {
    let seconds = i64::from(minutes) * 60;
    let (days, rest) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    match (days, rest) {
        (0, 0) => "datetime.timedelta(0)".into(),
        (0, s) => format!("datetime.timedelta(seconds={s})"),
        (d, 0) => format!("datetime.timedelta(days={d})"),
        (d, s) => format!("datetime.timedelta(days={d}, seconds={s})"),
    }
}

/// `SafeConstructor.construct_yaml_binary`: `base64.decodebytes`, which skips
/// characters outside the alphabet.
pub fn construct_binary(text: &str) -> Result<Vec<u8>, String> {
    if !text.is_ascii() {
        return Err("failed to convert base64 data to bytes".into());
    }
    let mut sextets = Vec::with_capacity(text.len());
    let mut padded = false;
    for b in text.bytes() {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => {
                padded = true;
                continue;
            }
            _ => continue,
        };
        if padded {
            break;
        }
        sextets.push(v);
    }
    match sextets.len() % 4 {
        1 => {
            return Err(format!(
                "failed to decode base64 data: Invalid base64-encoded string: number of data \
                 characters ({}) cannot be 1 more than a multiple of 4",
                sextets.len()
            ));
        }
        2 | 3 if !padded => return Err("failed to decode base64 data: Incorrect padding".into()),
        _ => {}
    }
    let mut out = Vec::with_capacity(sextets.len() * 3 / 4);
    for chunk in sextets.chunks(4) {
        let mut acc = 0u32;
        for (i, s) in chunk.iter().enumerate() {
            acc |= u32::from(*s) << (18 - 6 * i);
        }
        let bytes = acc.to_be_bytes();
        out.extend_from_slice(bytes.get(1..chunk.len()).unwrap_or_default());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn implicit_resolution_follows_first_character_dispatch() {
        let cases = [
            ("", TAG_NULL),
            ("~", TAG_NULL),
            ("Null", TAG_NULL),
            ("nULL", TAG_STR),
            ("no", TAG_BOOL),
            ("On", TAG_BOOL),
            ("y", TAG_STR),
            ("0644", TAG_INT),
            ("08", TAG_STR),
            ("09.5", TAG_FLOAT),
            ("1e3", TAG_STR),
            ("1.0e+3", TAG_FLOAT),
            ("1:30", TAG_INT),
            ("1:60", TAG_STR),
            ("2001-12-14", TAG_TIMESTAMP),
            ("2001-1-14", TAG_STR),
            ("2001-12-14 21:59:43.10 -5", TAG_TIMESTAMP),
            ("<<", TAG_MERGE),
            ("=", TAG_VALUE),
            ("12\n", TAG_INT),
            ("\n", TAG_STR),
        ];
        for (text, tag) in cases {
            assert_eq!(resolve_implicit(text), tag, "{text:?}");
        }
    }

    #[test]
    fn int_construction_matches_python() {
        // Python's int(s, 8) accepts the 0o prefix (only `!!int` reaches this).
        assert_eq!(construct_int("0o17"), Ok(PyInt::Exact(15)));
        assert_eq!(
            construct_int("018"),
            Err("invalid literal for int() with base 8: '018'".into())
        );
        assert_eq!(construct_int("-0b1_01"), Ok(PyInt::Exact(-5)));
        assert_eq!(construct_int("190:20:30"), Ok(PyInt::Exact(685_230)));
        assert_eq!(construct_int(""), Err(INDEX_ERROR.into()));
        assert_eq!(construct_int("-"), Err(INDEX_ERROR.into()));
        assert_eq!(
            construct_int("0b_"),
            Err("invalid literal for int() with base 2: ''".into())
        );
        assert_eq!(construct_int("12\n"), Ok(PyInt::Exact(12)));
        assert!(matches!(
            construct_int("99999999999999999999999999999999999999999"),
            Ok(PyInt::Huge(_))
        ));
    }

    #[test]
    fn timestamp_text_and_repr() {
        let ts = construct_timestamp("2001-12-14t21:59:43.10-05:00").map_err(|e| e.to_string());
        let ts = ts.as_ref().map(Timestamp::isoformat);
        assert_eq!(ts, Ok("2001-12-14T21:59:43.100000-05:00".to_string()));
        assert_eq!(
            construct_timestamp("2001-02-29"),
            Err("day is out of range for month".into())
        );
    }

    #[test]
    fn binary_decodes_base64() {
        assert_eq!(construct_binary("aGVs\nbG8="), Ok(b"hello".to_vec()));
        assert!(construct_binary("aGVsbG8").is_err());
    }
}
