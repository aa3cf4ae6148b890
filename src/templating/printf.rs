//! What Python's `%` does, as the `__py_mod` filter that `percent.rs`
//! rewrites the operator into: printf-style formatting when the left
//! operand is a string (`str.__mod__`), a modulo with Python's sign rules
//! for numbers, a TypeError otherwise. Errors carry the text ansible shows
//! for an exception raised while rendering ("Error rendering template: ...").

use super::filters::core::{Num, py_repr, py_str, type_name};
use super::percent::FILTER;
use minijinja::value::{Value as Jv, ValueKind};
use minijinja::{Environment, Error, ErrorKind};

pub fn register(env: &mut Environment<'static>) {
    env.add_filter(FILTER, py_mod);
}

/// The prefix ansible puts on an exception raised while rendering.
pub const RENDER_ERROR: &str = "Error rendering template: ";

fn render_error(message: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorKind::InvalidOperation,
        format!("{RENDER_ERROR}{message}"),
    )
}

/// Python `left % right`.
fn py_mod(left: &Jv, right: &Jv) -> Result<Jv, Error> {
    for side in [left, right] {
        if side.is_undefined() {
            // Reported by the Templar with the name of the variable.
            return Err(Error::new(
                ErrorKind::UndefinedError,
                "undefined operand of %",
            ));
        }
    }
    if let Some(format) = left.as_str() {
        return printf(format, right).map(Jv::from).map_err(render_error);
    }
    match (Num::of(left), Num::of(right)) {
        (Some(Num::Int(a)), Some(Num::Int(b))) => {
            if b == 0 {
                return Err(render_error("integer modulo by zero"));
            }
            let r = a.checked_rem(b).unwrap_or(0);
            let floor = if r != 0 && ((r < 0) != (b < 0)) {
                r + b
            } else {
                r
            };
            Ok(Jv::from(floor))
        }
        (Some(a), Some(b)) => {
            let (a, b) = (a.as_f64(), b.as_f64());
            if b == 0.0 {
                return Err(render_error("float modulo"));
            }
            // CPython's float_rem: the result takes the divisor's sign.
            let mut r = a % b;
            if r != 0.0 {
                if (b < 0.0) != (r < 0.0) {
                    r += b;
                }
            } else {
                r = 0.0f64.copysign(b);
            }
            Ok(Jv::from(r))
        }
        _ => Err(render_error(format!(
            "unsupported operand type(s) for %: '{}' and '{}'",
            type_name(left),
            type_name(right)
        ))),
    }
}

/// One conversion specification: `%[(key)][flags][width][.precision]type`.
#[derive(Default)]
struct Spec {
    left: bool,
    plus: bool,
    space: bool,
    alternate: bool,
    zero: bool,
    width: usize,
    precision: Option<usize>,
}

/// The arguments of a `%` as Python takes them: a tuple's items in turn, or
/// the single value; a mapping (any non-tuple, non-string container) also
/// serves `%(key)s`.
struct Arguments<'a> {
    items: Vec<Jv>,
    next: usize,
    mapping: Option<&'a Jv>,
}

impl<'a> Arguments<'a> {
    fn new(value: &'a Jv) -> Arguments<'a> {
        let is_tuple = value.is_tuple();
        let mapping =
            (!is_tuple && matches!(value.kind(), ValueKind::Map | ValueKind::Seq)).then_some(value);
        let items = if is_tuple {
            value.try_iter().map(Iterator::collect).unwrap_or_default()
        } else {
            vec![value.clone()]
        };
        Arguments {
            items,
            next: 0,
            mapping,
        }
    }

    fn next(&mut self) -> Result<Jv, String> {
        let item = self
            .items
            .get(self.next)
            .cloned()
            .ok_or("not enough arguments for format string")?;
        self.next += 1;
        Ok(item)
    }

    /// Python's check after the last conversion.
    fn all_used(&self, used_mapping: bool) -> Result<(), String> {
        let unused = self.next < self.items.len();
        if unused && self.mapping.is_none() && !used_mapping {
            return Err("not all arguments converted during string formatting".into());
        }
        Ok(())
    }
}

/// Python's `format % args`.
pub fn printf(format: &str, args: &Jv) -> Result<String, String> {
    let chars: Vec<char> = format.chars().collect();
    let mut args = Arguments::new(args);
    let mut used_mapping = false;
    let mut out = String::with_capacity(format.len() + 8);
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '%' {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        i += 1;
        if chars.get(i) == Some(&'%') {
            out.push('%');
            i += 1;
            continue;
        }
        let mut keyed = None;
        if chars.get(i) == Some(&'(') {
            let mapping = args.mapping.ok_or("format requires a mapping")?;
            let mut depth = 1;
            let start = i + 1;
            i += 1;
            while i < chars.len() && depth > 0 {
                match chars[i] {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ => {}
                }
                i += 1;
            }
            if depth > 0 {
                return Err("incomplete format key".into());
            }
            let key: String = chars[start..i - 1].iter().collect();
            let value = mapping
                .get_item(&Jv::from(key.as_str()))
                .ok()
                .filter(|v| !v.is_undefined())
                .ok_or_else(|| crate::value::python_str_repr(&key))?;
            keyed = Some(value);
            used_mapping = true;
        }
        let mut spec = Spec::default();
        while let Some(&c) = chars.get(i) {
            match c {
                '-' => spec.left = true,
                '+' => spec.plus = true,
                ' ' => spec.space = true,
                '#' => spec.alternate = true,
                '0' => spec.zero = true,
                _ => break,
            }
            i += 1;
        }
        if chars.get(i) == Some(&'*') {
            i += 1;
            let width = star_argument(&mut args)?;
            if width < 0 {
                spec.left = true;
            }
            spec.width = usize::try_from(width.unsigned_abs()).unwrap_or(usize::MAX);
        } else {
            spec.width = digits(&chars, &mut i)?.unwrap_or(0);
        }
        if chars.get(i) == Some(&'.') {
            i += 1;
            if chars.get(i) == Some(&'*') {
                i += 1;
                spec.precision =
                    Some(usize::try_from(star_argument(&mut args)?.max(0)).unwrap_or(0));
            } else {
                spec.precision = Some(digits(&chars, &mut i)?.unwrap_or(0));
            }
        }
        while matches!(chars.get(i), Some('h' | 'l' | 'L')) {
            i += 1;
        }
        let Some(&conversion) = chars.get(i) else {
            return Err("incomplete format".into());
        };
        i += 1;
        if conversion == '%' {
            out.push('%');
            continue;
        }
        let value = match keyed.take() {
            Some(v) => v,
            None => args.next()?,
        };
        if value.is_undefined() {
            return Err("undefined".into());
        }
        let piece = convert(conversion, &spec, &value, i - 1)?;
        out.push_str(&piece);
    }
    args.all_used(used_mapping)?;
    Ok(out)
}

fn star_argument(args: &mut Arguments) -> Result<i128, String> {
    let value = args.next()?;
    match Num::of(&value) {
        Some(Num::Int(n)) => Ok(n),
        _ => Err("* wants int".into()),
    }
}

fn digits(chars: &[char], i: &mut usize) -> Result<Option<usize>, String> {
    let start = *i;
    while chars.get(*i).is_some_and(char::is_ascii_digit) {
        *i += 1;
    }
    if start == *i {
        return Ok(None);
    }
    let text: String = chars[start..*i].iter().collect();
    text.parse()
        .map(Some)
        .map_err(|_| "width too big".to_string())
}

/// One converted value, padded.
fn convert(conversion: char, spec: &Spec, value: &Jv, index: usize) -> Result<String, String> {
    match conversion {
        's' | 'r' | 'a' => {
            let mut text = match conversion {
                's' => py_str(value),
                'r' => py_repr(value),
                _ => ascii(&py_repr(value)),
            };
            if let Some(p) = spec.precision {
                text = text.chars().take(p).collect();
            }
            Ok(pad(spec, "", &text, false))
        }
        'd' | 'i' | 'u' => {
            let n = match Num::of(value) {
                Some(Num::Int(n)) => n,
                Some(Num::Float(f)) => float_to_int(f)?,
                None => {
                    return Err(format!(
                        "%{conversion} format: a real number is required, not {}",
                        type_name(value)
                    ));
                }
            };
            Ok(integer(spec, n, 10, false, ""))
        }
        'x' | 'X' | 'o' => {
            let n = match Num::of(value) {
                Some(Num::Int(n)) => n,
                _ => {
                    return Err(format!(
                        "%{conversion} format: an integer is required, not {}",
                        type_name(value)
                    ));
                }
            };
            let (radix, prefix) = match conversion {
                'x' => (16, "0x"),
                'X' => (16, "0X"),
                _ => (8, "0o"),
            };
            Ok(integer(spec, n, radix, conversion == 'X', prefix))
        }
        'e' | 'E' | 'f' | 'F' | 'g' | 'G' => {
            let f = match Num::of(value) {
                Some(n) => n.as_f64(),
                None => return Err(format!("must be real number, not {}", type_name(value))),
            };
            Ok(float(spec, f, conversion))
        }
        'c' => {
            let c = match (value.as_str(), Num::of(value)) {
                (Some(s), _) if s.chars().count() == 1 => s.to_string(),
                (None, Some(Num::Int(n))) => u32::try_from(n)
                    .ok()
                    .and_then(char::from_u32)
                    .map(String::from)
                    .ok_or("%c arg not in range(0x110000)")?,
                _ => return Err("%c requires int or char".into()),
            };
            Ok(pad(spec, "", &c, false))
        }
        other => Err(format!(
            "unsupported format character '{other}' ({:#x}) at index {index}",
            u32::from(other)
        )),
    }
}

/// Python's `int(float)` as `%d` applies it.
fn float_to_int(f: f64) -> Result<i128, String> {
    if f.is_nan() {
        return Err("cannot convert float NaN to integer".into());
    }
    if f.is_infinite() {
        return Err("cannot convert float infinity to integer".into());
    }
    Ok(f.trunc() as i128)
}

fn sign(spec: &Spec, negative: bool) -> &'static str {
    match (negative, spec.plus, spec.space) {
        (true, _, _) => "-",
        (false, true, _) => "+",
        (false, false, true) => " ",
        _ => "",
    }
}

fn integer(spec: &Spec, n: i128, radix: u32, upper: bool, prefix: &str) -> String {
    let magnitude = n.unsigned_abs();
    let mut digits = match radix {
        16 if upper => format!("{magnitude:X}"),
        16 => format!("{magnitude:x}"),
        8 => format!("{magnitude:o}"),
        _ => magnitude.to_string(),
    };
    if let Some(p) = spec.precision
        && digits.len() < p
    {
        digits = format!("{}{digits}", "0".repeat(p - digits.len()));
    }
    let prefix = if spec.alternate { prefix } else { "" };
    let lead = format!("{}{prefix}", sign(spec, n < 0));
    pad(spec, &lead, &digits, true)
}

fn float(spec: &Spec, f: f64, conversion: char) -> String {
    let upper = conversion.is_ascii_uppercase();
    let body = if f.is_finite() {
        let precision = spec.precision.unwrap_or(6);
        match conversion.to_ascii_lowercase() {
            'f' => {
                let mut s = format!("{:.precision$}", f.abs());
                if spec.alternate && precision == 0 {
                    s.push('.');
                }
                s
            }
            'e' => exponent(f.abs(), precision, spec.alternate),
            _ => general(f.abs(), precision, spec.alternate),
        }
    } else if f.is_nan() {
        "nan".to_string()
    } else {
        "inf".to_string()
    };
    let body = if upper { body.to_uppercase() } else { body };
    let negative = f.is_sign_negative() && !f.is_nan();
    let lead = sign(spec, negative);
    pad(spec, lead, &body, f.is_finite())
}

/// C's `%.Ne`: mantissa, `e`, sign and at least two exponent digits.
fn exponent(f: f64, precision: usize, alternate: bool) -> String {
    let s = format!("{f:.precision$e}");
    let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let dot = if alternate && precision == 0 { "." } else { "" };
    let sign = if exp < 0 { '-' } else { '+' };
    format!("{mantissa}{dot}e{sign}{:02}", exp.abs())
}

/// C's `%.Ng`: `%e` or `%f` by the exponent, trailing zeros removed
/// unless `#` is given.
fn general(f: f64, precision: usize, alternate: bool) -> String {
    let p = precision.max(1);
    let probe = format!("{f:.prec$e}", prec = p - 1);
    let exp: i64 = probe
        .split_once('e')
        .and_then(|(_, e)| e.parse().ok())
        .unwrap_or(0);
    let mut s = if exp < -4 || exp >= p as i64 {
        exponent(f, p - 1, alternate)
    } else {
        let decimals = usize::try_from(p as i64 - 1 - exp).unwrap_or(0);
        let mut s = format!("{f:.decimals$}");
        if alternate && !s.contains('.') {
            s.push('.');
        }
        s
    };
    if !alternate {
        let (mantissa, rest) = match s.find('e') {
            Some(at) => (s[..at].to_string(), s[at..].to_string()),
            None => (s.clone(), String::new()),
        };
        let mantissa = if mantissa.contains('.') {
            mantissa
                .trim_end_matches('0')
                .trim_end_matches('.')
                .to_string()
        } else {
            mantissa
        };
        s = format!("{mantissa}{rest}");
    }
    s
}

/// Pad to the width: left-justified, zero-filled after the sign and
/// prefix (numbers only), or right-justified with spaces.
fn pad(spec: &Spec, lead: &str, body: &str, numeric: bool) -> String {
    let len = lead.chars().count() + body.chars().count();
    let fill = spec.width.saturating_sub(len);
    if spec.left {
        format!("{lead}{body}{}", " ".repeat(fill))
    } else if spec.zero && numeric {
        format!("{lead}{}{body}", "0".repeat(fill))
    } else {
        format!("{}{lead}{body}", " ".repeat(fill))
    }
}

/// Python's `ascii()` of a repr: non-ASCII characters escaped.
fn ascii(repr: &str) -> String {
    let mut out = String::with_capacity(repr.len());
    for c in repr.chars() {
        match u32::from(c) {
            0..=0x7f => out.push(c),
            n @ 0x80..=0xff => out.push_str(&format!("\\x{n:02x}")),
            n @ 0x100..=0xffff => out.push_str(&format!("\\u{n:04x}")),
            n => out.push_str(&format!("\\U{n:08x}")),
        }
    }
    out
}
