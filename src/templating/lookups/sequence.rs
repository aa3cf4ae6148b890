//! `sequence`: numbers from `start` to `end` (or `count` of them) by
//! `stride`, each formatted with a printf-style `format`. Terms are the
//! shortcut `[start-]end[/stride][:format]` or `k=v` words; options given
//! as keywords apply to every term.

use super::options::{Default, INTEGER, Kind, OptionDef, Options, opt};
use super::{Call, Failure};
use crate::playbook::kv::parse_kv;
use crate::templating::filters::math::py;
use indexmap::IndexMap;
use minijinja::value::Value as Jv;

pub(super) static OPTIONS: &[OptionDef] = &[
    opt("start", INTEGER, Default::Int(1)),
    opt("end", INTEGER, Default::None),
    opt("count", INTEGER, Default::None),
    opt("stride", INTEGER, Default::Int(1)),
    opt("format", Kind::Raw, Default::Str("%d")),
];

const FIELDS: [&str; 5] = ["start", "end", "stride", "count", "format"];

/// More items than this is an error rather than an exhausted machine.
const MAX_ITEMS: i128 = 10_000_000;

pub(crate) fn sequence(
    _: &Call,
    terms: Vec<Jv>,
    kwargs: &IndexMap<String, Jv>,
) -> Result<Vec<Jv>, Failure> {
    let terms = if !kwargs.is_empty() && terms.is_empty() {
        vec![Jv::from("")]
    } else {
        terms
    };
    let mut out = Vec::new();
    for term in terms {
        let mut options = Options::parse("sequence", OPTIONS, kwargs)?;
        let Some(text) = term.as_str() else {
            return Err(format!(
                "unknown error parsing with_sequence arguments: {}. Error was: expected string or bytes-like object, got '{}'",
                py::repr(&term),
                py::type_name(&term)
            ));
        };
        if !parse_shortcut(text, &mut options)? {
            let args = parse_kv(text, false).map_err(|e| e.to_string())?;
            let mut unknown = Vec::new();
            for (key, value) in args {
                if FIELDS.contains(&key.as_str()) {
                    options.set(&key, Jv::from(value))?;
                } else {
                    unknown.push(py::repr(&Jv::from(key)));
                }
            }
            if !unknown.is_empty() {
                return Err(format!(
                    "unrecognized arguments to with_sequence: [{}]",
                    unknown.join(", ")
                ));
            }
        }
        out.extend(generate(&options)?);
    }
    Ok(out)
}

/// The shortcut form: `(0?x?[0-9a-f]+-)?(0?x?[0-9a-f]+)(/0?x?[0-9a-f]+)?(:.+)?`,
/// case-insensitive. Values go through the option types (so hex fails
/// there, as in ansible).
fn parse_shortcut(term: &str, options: &mut Options) -> Result<bool, Failure> {
    let (numbers, format) = match term.find(':') {
        Some(i) if i + 1 < term.len() => (&term[..i], Some(&term[i + 1..])),
        Some(_) => return Ok(false),
        None => (term, None),
    };
    if format.is_some_and(|f| f.contains('\n')) {
        return Ok(false);
    }
    let (range, stride) = match numbers.split_once('/') {
        Some((r, s)) => (r, Some(s)),
        None => (numbers, None),
    };
    let (start, end) = match range.split_once('-') {
        Some((s, e)) => (Some(s), e),
        None => (None, range),
    };
    let all: Vec<&str> = [start, Some(end), stride].into_iter().flatten().collect();
    if !all.iter().all(|n| is_shortcut_number(n)) {
        return Ok(false);
    }
    if let Some(s) = start {
        options.set("start", Jv::from(s))?;
    }
    options.set("end", Jv::from(end))?;
    if let Some(s) = stride {
        options.set("stride", Jv::from(s))?;
    }
    if let Some(f) = format {
        options.set("format", Jv::from(f))?;
    }
    Ok(true)
}

/// `0?x?[0-9a-f]+`, case-insensitive.
fn is_shortcut_number(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    let rest = lower
        .strip_prefix('0')
        .filter(|r| r.starts_with('x'))
        .unwrap_or(&lower);
    let rest = rest.strip_prefix('x').unwrap_or(rest);
    // `0?x?` may also consume nothing; what remains must be hex digits.
    !rest.is_empty() && rest.chars().all(|c| c.is_ascii_hexdigit())
}

fn generate(options: &Options) -> Result<Vec<Jv>, Failure> {
    let start = options.int("start").unwrap_or(1);
    let stride = options.int("stride").unwrap_or(1);
    let count = options.int("count");
    let mut end = options.int("end");
    let format = options.text("format").unwrap_or_else(|| "%d".into());
    match (count, end) {
        (None, None) => return Err("must specify count or end in with_sequence".into()),
        (Some(_), Some(_)) => {
            return Err("can't specify both count and end in with_sequence".into());
        }
        (Some(0), None) => return Ok(Vec::new()),
        (Some(c), None) => {
            end = c
                .checked_mul(stride)
                .and_then(|span| span.checked_add(start))
                .map(|e| e - 1);
            if end.is_none() {
                return Err(too_large());
            }
        }
        (None, Some(_)) => {}
    }
    let end = end.unwrap_or(start);
    if stride > 0 && end < start {
        return Err("to count backwards make stride negative".into());
    }
    if stride < 0 && end > start {
        return Err("to count forward don't make stride negative".into());
    }
    if stride == 0 {
        return Ok(Vec::new());
    }
    if format.matches('%').count() != 1 {
        return Err(format!("bad formatting string: {format}"));
    }
    let stop = if stride > 0 { end + 1 } else { end - 1 };
    let len = stop
        .checked_sub(start)
        .and_then(|d| d.checked_add(stride - stride.signum()))
        .ok_or_else(too_large)?
        / stride;
    if len > MAX_ITEMS {
        return Err(format!(
            "mitorun refuses to generate a sequence of {len} items (more than {MAX_ITEMS})"
        ));
    }
    let mut out = Vec::new();
    let mut i = start;
    while (stride > 0 && i < stop) || (stride < 0 && i > stop) {
        let formatted = percent_format(&format, i).ok_or_else(|| {
            format!(
                "problem formatting {i} with {}",
                py::repr(&Jv::from(format.as_str()))
            )
        })?;
        out.push(Jv::from(formatted));
        match i.checked_add(stride) {
            Some(next) => i = next,
            None => break,
        }
    }
    Ok(out)
}

fn too_large() -> Failure {
    "unknown error generating sequence: the numbers are too large for mitorun".into()
}

/// Python's `format % number` for a format with exactly one conversion;
/// `None` where Python raises `TypeError`/`ValueError`.
pub(crate) fn percent_format(format: &str, n: i128) -> Option<String> {
    let pos = format.find('%')?;
    let (prefix, spec) = (&format[..pos], &format[pos + 1..]);
    let chars: Vec<char> = spec.chars().collect();
    let mut i = 0;
    let mut flags = String::new();
    while i < chars.len() && "#0- +".contains(chars[i]) {
        flags.push(chars[i]);
        i += 1;
    }
    let mut width = String::new();
    while i < chars.len() && chars[i].is_ascii_digit() {
        width.push(chars[i]);
        i += 1;
    }
    let mut precision: Option<usize> = None;
    if chars.get(i) == Some(&'.') {
        i += 1;
        let mut p = String::new();
        while i < chars.len() && chars[i].is_ascii_digit() {
            p.push(chars[i]);
            i += 1;
        }
        precision = Some(p.parse().unwrap_or(0));
    }
    // Length modifiers are accepted and ignored.
    while i < chars.len() && "hlL".contains(chars[i]) {
        i += 1;
    }
    let conv = *chars.get(i)?;
    let rest: String = chars[i + 1..].iter().collect();
    let width: usize = if width.is_empty() {
        0
    } else {
        width.parse().ok()?
    };
    if width > 10_000 || precision.is_some_and(|p| p > 10_000) {
        return None;
    }
    let left = flags.contains('-');
    let zero = flags.contains('0') && !left;
    let alt = flags.contains('#');
    let sign = if n < 0 {
        "-"
    } else if flags.contains('+') {
        "+"
    } else if flags.contains(' ') {
        " "
    } else {
        ""
    };
    let magnitude = n.unsigned_abs();
    let (body, numeric) = match conv {
        'd' | 'i' | 'u' => (magnitude.to_string(), true),
        'o' => (
            format!("{}{magnitude:o}", if alt { "0o" } else { "" }),
            true,
        ),
        'x' => (
            format!("{}{magnitude:x}", if alt { "0x" } else { "" }),
            true,
        ),
        'X' => (
            format!("{}{magnitude:X}", if alt { "0X" } else { "" }),
            true,
        ),
        'e' | 'E' | 'f' | 'F' | 'g' | 'G' => (
            float_format(magnitude as f64, conv, precision.unwrap_or(6), alt),
            true,
        ),
        'c' => {
            let c = u32::try_from(n).ok().and_then(char::from_u32)?;
            (c.to_string(), false)
        }
        's' | 'r' | 'a' => {
            let text = n.to_string();
            let text = match precision {
                Some(p) => text.chars().take(p).collect(),
                None => text,
            };
            (text, false)
        }
        _ => return None,
    };
    // Integer precision pads the digits with zeros.
    let body = match (numeric, precision, conv) {
        (true, Some(p), 'd' | 'i' | 'u') if body.len() < p => {
            format!("{}{body}", "0".repeat(p - body.len()))
        }
        _ => body,
    };
    let sign = if numeric { sign } else { "" };
    let len = sign.chars().count() + body.chars().count();
    let padded = if len >= width {
        format!("{sign}{body}")
    } else if left {
        format!("{sign}{body}{}", " ".repeat(width - len))
    } else if zero && numeric {
        // Zeros go after the sign and any `0x` prefix.
        let (radix_prefix, digits) = match body.get(..2) {
            Some(p @ ("0x" | "0X" | "0o")) => (p, &body[2..]),
            _ => ("", body.as_str()),
        };
        format!("{sign}{radix_prefix}{}{digits}", "0".repeat(width - len))
    } else {
        format!("{}{sign}{body}", " ".repeat(width - len))
    };
    Some(format!("{prefix}{padded}{rest}"))
}

/// `%e`, `%f`, `%g` of a non-negative number, as C's printf writes them.
fn float_format(x: f64, conv: char, precision: usize, alt: bool) -> String {
    let upper = conv.is_ascii_uppercase();
    let out = match conv.to_ascii_lowercase() {
        'f' => format!("{x:.precision$}"),
        'e' => exp_format(x, precision),
        _ => {
            let p = precision.max(1);
            let exponent = if x == 0.0 {
                0
            } else {
                x.abs().log10().floor() as i64
            };
            // The exponent after rounding to `p` significant digits.
            let rounded = exp_format(x, p - 1);
            let exponent = rounded
                .rsplit_once('e')
                .and_then(|(_, e)| e.parse::<i64>().ok())
                .unwrap_or(exponent);
            let mut s = if exponent < -4 || exponent >= p as i64 {
                rounded
            } else {
                let decimals = (p as i64 - 1 - exponent).max(0) as usize;
                format!("{x:.decimals$}")
            };
            if !alt {
                s = strip_fraction_zeros(&s);
            }
            s
        }
    };
    if upper { out.to_uppercase() } else { out }
}

fn exp_format(x: f64, precision: usize) -> String {
    let s = format!("{x:.precision$e}");
    match s.split_once('e') {
        Some((mantissa, exp)) => {
            let e: i64 = exp.parse().unwrap_or(0);
            format!("{mantissa}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs())
        }
        None => s,
    }
}

fn strip_fraction_zeros(s: &str) -> String {
    let (mantissa, exp) = match s.find('e') {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, ""),
    };
    let mantissa = if mantissa.contains('.') {
        mantissa.trim_end_matches('0').trim_end_matches('.')
    } else {
        mantissa
    };
    format!("{mantissa}{exp}")
}

#[cfg(test)]
mod tests {
    use super::percent_format;

    /// Expected values printed by CPython 3.11 (`fmt % n`).
    #[test]
    fn percent_format_matches_python() {
        let cases: &[(&str, i128, &str)] = &[
            ("%d", 5, "5"),
            ("host%02d", 3, "host03"),
            ("0x%02x", 10, "0x0a"),
            ("%#x", 255, "0xff"),
            ("%#o", 8, "0o10"),
            ("%5d|", -3, "   -3|"),
            ("%-5d|", 3, "3    |"),
            ("%+d", 3, "+3"),
            ("%05d", -3, "-0003"),
            ("%.3d", 7, "007"),
            ("%f", 1, "1.000000"),
            ("%5.2f", 1, " 1.00"),
            ("%e", 12345, "1.234500e+04"),
            ("%g", 1234567, "1.23457e+06"),
            ("%g", 100, "100"),
            ("%G", 1234567, "1.23457E+06"),
            ("%s-x", 4, "4-x"),
            ("%c", 65, "A"),
            ("%X", 255, "FF"),
            ("%#08x", 255, "0x0000ff"),
        ];
        for (fmt, n, want) in cases {
            assert_eq!(
                percent_format(fmt, *n).as_deref(),
                Some(*want),
                "{fmt} % {n}"
            );
        }
        assert_eq!(percent_format("%(x)s", 1), None);
        assert_eq!(percent_format("%y", 1), None);
        assert_eq!(percent_format("%c", -1), None);
    }
}
