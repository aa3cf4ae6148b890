//! Jinja2 builtins as Python's Jinja2 runs them under ansible, where
//! minijinja's versions differ: `int`, `float`, `string`, `join`,
//! `default`/`d` (ansible's replacement), `sort`, `dictsort`, and `split`
//! (ansible's `str.split` wrapper), plus Jinja2 builtins minijinja lacks or
//! shapes differently (`truncate`, `wordcount`, `center`, `length` with
//! Python's `len()` errors).

use super::{Args, Num, add, get_path, iterate, map_entries, py_sort, py_str, tuple, type_name};
use minijinja::value::{Value as Jv, ValueKind};
use minijinja::{Environment, Error};

pub(super) fn register(env: &mut Environment<'static>) {
    add(env, "int", int);
    add(env, "float", float);
    add(env, "string", string);
    add(env, "join", join);
    add(env, "default", default);
    add(env, "d", default);
    add(env, "sort", sort);
    add(env, "dictsort", dictsort);
    add(env, "split", split);
    add(env, "truncate", truncate);
    add(env, "wordcount", wordcount);
    add(env, "center", center);
    add(env, "length", length);
    add(env, "count", length);
    add(env, "escape", escape);
    add(env, "e", escape);
    add(env, "forceescape", escape);
}

/// markupsafe's `escape`. minijinja's skips strings marked safe, and the
/// bridge marks untrusted (`Unsafe`) strings that way to track trust, so
/// this one always escapes: ansible escapes module output too.
fn escape(value: Jv, args: &mut Args) -> Result<Jv, Error> {
    args.positional_limit(0);
    let text = py_str(&value);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    Ok(Jv::from_safe_string(out))
}

/// Characters Python's `str.strip()`/`str.split()` treat as whitespace.
pub(super) fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Python `int(text, base)`; `None` where Python raises ValueError.
pub(super) fn parse_py_int(text: &str, base: u32) -> Option<i128> {
    let s = text.trim_matches(is_py_space);
    let (negative, s) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let requested = base;
    let lower = s.to_ascii_lowercase();
    let prefixed = |p: &str| lower.starts_with(p);
    let (base, digits, had_prefix) = match base {
        0 if prefixed("0x") => (16, &s[2..], true),
        0 if prefixed("0o") => (8, &s[2..], true),
        0 if prefixed("0b") => (2, &s[2..], true),
        0 => (10, s, false),
        16 if prefixed("0x") => (16, &s[2..], true),
        8 if prefixed("0o") => (8, &s[2..], true),
        2 if prefixed("0b") => (2, &s[2..], true),
        2..=36 => (base, s, false),
        _ => return None,
    };
    // Underscores: single, between digits (or right after a base prefix).
    let digits = digits
        .strip_prefix('_')
        .filter(|_| had_prefix)
        .unwrap_or(digits);
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
    {
        return None;
    }
    let clean: String = digits.chars().filter(|&c| c != '_').collect();
    if !clean.chars().all(|c| c.is_digit(base)) {
        return None;
    }
    // int('017', 0) is an error: decimal literals have no leading zeros.
    if requested == 0 && !had_prefix && clean.starts_with('0') && clean.chars().any(|c| c != '0') {
        return None;
    }
    let value = i128::from_str_radix(&clean, base).ok()?;
    Some(if negative { -value } else { value })
}

/// Python `float(text)`; `None` where Python raises ValueError.
pub(super) fn parse_py_float(text: &str) -> Option<f64> {
    let s = text.trim_matches(is_py_space);
    let body = s.trim_start_matches(['+', '-']);
    if s.len() - body.len() > 1 {
        return None;
    }
    let lower = body.to_ascii_lowercase();
    if matches!(lower.as_str(), "inf" | "infinity" | "nan") {
        return s.to_ascii_lowercase().parse::<f64>().ok();
    }
    if !body
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-' | '_'))
    {
        return None;
    }
    let bytes = body.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'_' {
            let before = i > 0 && bytes[i - 1].is_ascii_digit();
            let after = bytes.get(i + 1).is_some_and(u8::is_ascii_digit);
            if !before || !after {
                return None;
            }
        }
    }
    let clean: String = s.chars().filter(|&c| c != '_').collect();
    clean.parse::<f64>().ok()
}

/// Python `int(x)` of a float; `None` for inf/nan (OverflowError/ValueError).
fn float_to_int(f: f64) -> Option<i128> {
    (f.is_finite() && f.abs() < 1.7e38).then(|| f.trunc() as i128)
}

fn int(value: Jv, args: &mut Args) -> Result<Jv, Error> {
    let default = args.get(0, "default").unwrap_or(Jv::from(0));
    let base = match args.get(1, "base") {
        Some(b) => match Num::of(&b) {
            Some(Num::Int(b)) => b,
            _ => return Ok(default),
        },
        None => 10,
    };
    args.positional_limit(2);
    let first = match value.kind() {
        ValueKind::String => u32::try_from(base)
            .ok()
            .and_then(|b| parse_py_int(value.as_str().unwrap_or_default(), b)),
        _ => match Num::of(&value) {
            Some(Num::Int(i)) => Some(i),
            Some(Num::Float(f)) => float_to_int(f),
            None => None,
        },
    };
    if let Some(i) = first {
        return Ok(Jv::from(i));
    }
    // Jinja2 then tries int(float(value)).
    let float = match value.kind() {
        ValueKind::String => parse_py_float(value.as_str().unwrap_or_default()),
        _ => None,
    };
    Ok(match float.and_then(float_to_int) {
        Some(i) => Jv::from(i),
        None => default,
    })
}

fn float(value: Jv, args: &mut Args) -> Result<Jv, Error> {
    let default = args.get(0, "default").unwrap_or(Jv::from(0.0));
    args.positional_limit(1);
    let out = match value.kind() {
        ValueKind::String => parse_py_float(value.as_str().unwrap_or_default()),
        _ => Num::of(&value).map(Num::as_f64),
    };
    Ok(out.map(Jv::from).unwrap_or(default))
}

fn string(value: Jv, args: &mut Args) -> Result<Jv, Error> {
    args.positional_limit(0);
    if value.kind() == ValueKind::String {
        return Ok(value);
    }
    // Python's str() of a container reaches every entry: a failed one
    // (an undecryptable value, a lazy entry whose template failed) fails.
    if let Some(failure) = crate::templating::render::nested_failure(&value) {
        return Err(failure);
    }
    Ok(Jv::from(py_str(&value)))
}

fn join(value: Jv, args: &mut Args) -> Result<Jv, Error> {
    let sep = args.get(0, "d").map(|d| py_str(&d)).unwrap_or_default();
    let attribute = args.opt(1, "attribute");
    args.positional_limit(2);
    let list = iterate(&value).map_err(|e| args.fail(e))?;
    let parts: Vec<String> = list
        .iter()
        .map(|item| match &attribute {
            Some(attr) => py_str(&get_path(item, &py_str(attr))),
            None => py_str(item),
        })
        .collect();
    Ok(Jv::from(parts.join(&sep)))
}

/// ansible's replacement of Jinja2's `default`.
fn default(value: Jv, args: &mut Args) -> Result<Jv, Error> {
    let fallback = args.get(0, "default_value").unwrap_or(Jv::from(""));
    let boolean = args.get(1, "boolean");
    args.positional_limit(2);
    let boolean = match boolean {
        None => false,
        Some(b) if b.kind() == ValueKind::Bool => b.is_true(),
        Some(b) => {
            return Err(args.fail(format!(
                "The 'boolean' argument must be of type 'bool', not '{}'.",
                type_name(&b)
            )));
        }
    };
    crate::templating::lookups::forget_undefined_reason(&value);
    if value.is_undefined() || (boolean && !value.is_true()) {
        Ok(fallback)
    } else {
        Ok(value)
    }
}

/// Jinja2's `ignore_case` postprocessor.
fn fold(v: Jv, case_sensitive: bool) -> Jv {
    match v.as_str() {
        Some(s) if !case_sensitive => Jv::from(s.to_lowercase()),
        _ => v,
    }
}

fn sort(value: Jv, args: &mut Args) -> Result<Jv, Error> {
    let reverse = args.flag(0, "reverse");
    let case_sensitive = args.flag(1, "case_sensitive");
    let attribute = args.opt(2, "attribute").map(|a| py_str(&a));
    args.positional_limit(3);
    let list = iterate(&value).map_err(|e| args.fail(e))?;
    let mut keyed: Vec<(Jv, Jv)> = list
        .into_iter()
        .map(|item| {
            // Jinja2's multi-attribute getter makes every key a list, so
            // equal items compare equal before `<` is ever tried.
            let key = Jv::from(match &attribute {
                Some(attr) => attr
                    .split(',')
                    .map(|a| fold(get_path(&item, a), case_sensitive))
                    .collect::<Vec<_>>(),
                None => vec![fold(item.clone(), case_sensitive)],
            });
            (key, item)
        })
        .collect();
    py_sort(&mut keyed, |(k, _)| k, reverse).map_err(|e| args.fail(e))?;
    Ok(Jv::from(
        keyed.into_iter().map(|(_, v)| v).collect::<Vec<_>>(),
    ))
}

fn dictsort(value: Jv, args: &mut Args) -> Result<Jv, Error> {
    let case_sensitive = args.flag(0, "case_sensitive");
    let by = args.string(1, "by", "key");
    let reverse = args.flag(2, "reverse");
    args.positional_limit(3);
    let pos = match by.as_str() {
        "key" => 0,
        "value" => 1,
        _ => return Err(args.fail("You can only sort by either \"key\" or \"value\"")),
    };
    if value.kind() != ValueKind::Map {
        return Err(args.fail(format!(
            "'{}' object has no attribute 'items'",
            type_name(&value)
        )));
    }
    let mut pairs: Vec<(Jv, Jv, Jv)> = map_entries(&value)
        .into_iter()
        .map(|(k, v)| {
            let key = fold(if pos == 0 { k.clone() } else { v.clone() }, case_sensitive);
            (key, k, v)
        })
        .collect();
    py_sort(&mut pairs, |(key, _, _)| key, reverse).map_err(|e| args.fail(e))?;
    Ok(Jv::from(
        pairs
            .into_iter()
            .map(|(_, k, v)| tuple(vec![k, v]))
            .collect::<Vec<_>>(),
    ))
}

/// `str.split(sep=None, maxsplit=-1)`.
fn split(value: Jv, args: &mut Args) -> Result<Jv, Error> {
    let sep = args.opt(0, "sep");
    let maxsplit = args.get(1, "maxsplit");
    args.positional_limit(2);
    let Some(text) = value.as_str().filter(|_| value.kind() == ValueKind::String) else {
        return Err(args.fail(format!(
            "descriptor 'split' for 'str' objects doesn't apply to a '{}' object",
            type_name(&value)
        )));
    };
    let maxsplit = match maxsplit {
        None => -1,
        Some(m) => match Num::of(&m) {
            Some(Num::Int(i)) => i,
            _ => {
                return Err(args.fail(format!(
                    "'{}' object cannot be interpreted as an integer",
                    type_name(&m)
                )));
            }
        },
    };
    let limit = usize::try_from(maxsplit).ok();
    let parts: Vec<String> = match sep {
        Some(sep) => {
            let Some(sep) = sep.as_str().filter(|_| sep.kind() == ValueKind::String) else {
                return Err(args.fail(format!("must be str or None, not {}", type_name(&sep))));
            };
            if sep.is_empty() {
                return Err(args.fail("empty separator"));
            }
            match limit {
                Some(n) => text
                    .splitn(n.saturating_add(1), sep)
                    .map(String::from)
                    .collect(),
                None => text.split(sep).map(String::from).collect(),
            }
        }
        None => split_whitespace(text, limit),
    };
    Ok(Jv::from(
        parts.into_iter().map(Jv::from).collect::<Vec<_>>(),
    ))
}

/// Python's `str.split()` without a separator.
fn split_whitespace(text: &str, limit: Option<usize>) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text.trim_start_matches(is_py_space);
    while !rest.is_empty() {
        if limit.is_some_and(|n| out.len() >= n) {
            out.push(rest.to_string());
            break;
        }
        let end = rest.find(is_py_space).unwrap_or(rest.len());
        out.push(rest[..end].to_string());
        rest = rest[end..].trim_start_matches(is_py_space);
    }
    out
}

/// An integer argument (Python `int` or `bool`), or `default`.
fn int_arg(args: &mut Args, index: usize, key: &str, default: i128) -> Result<i128, Error> {
    match args.get(index, key) {
        None => Ok(default),
        Some(v) => match Num::of(&v) {
            Some(Num::Int(i)) => Ok(i),
            _ => Err(args.fail(format!(
                "'{}' object cannot be interpreted as an integer",
                type_name(&v)
            ))),
        },
    }
}

/// Jinja2's `truncate(s, length=255, killwords=False, end='...',
/// leeway=None)`; the leeway defaults to the `truncate.leeway` policy, 5,
/// so text up to five characters too long is kept whole.
fn truncate(value: Jv, args: &mut Args) -> Result<Jv, Error> {
    let length = int_arg(args, 0, "length", 255)?;
    let killwords = args.flag(1, "killwords");
    let end = args.string(2, "end", "...");
    let leeway = match args.opt(3, "leeway") {
        None => 5,
        Some(_) => int_arg(args, 3, "leeway", 5)?,
    };
    args.positional_limit(4);
    let text: Vec<char> = py_str(&value).chars().collect();
    let end_len = end.chars().count() as i128;
    if length < end_len {
        return Err(args.fail(format!("expected length >= {end_len}, got {length}")));
    }
    if leeway < 0 {
        return Err(args.fail(format!("expected leeway >= 0, got {leeway}")));
    }
    if text.len() as i128 <= length + leeway {
        return Ok(Jv::from(text.into_iter().collect::<String>()));
    }
    let keep = usize::try_from(length - end_len)
        .unwrap_or(0)
        .min(text.len());
    let head: String = text[..keep].iter().collect();
    let head = if killwords {
        head
    } else {
        // `rsplit(" ", 1)[0]`: drop the last, possibly cut, word.
        head.rsplit_once(' ')
            .map_or(head.clone(), |(h, _)| h.to_string())
    };
    Ok(Jv::from(format!("{head}{end}")))
}

/// Jinja2's `wordcount`: the number of `\w+` runs.
fn wordcount(value: Jv, args: &mut Args) -> Result<Jv, Error> {
    args.positional_limit(0);
    let text = py_str(&value);
    let mut count = 0;
    let mut in_word = false;
    for c in text.chars() {
        let word = c.is_alphanumeric() || c == '_';
        if word && !in_word {
            count += 1;
        }
        in_word = word;
    }
    Ok(Jv::from(count))
}

/// Jinja2's `center(value, width=80)`: Python's `str.center`.
fn center(value: Jv, args: &mut Args) -> Result<Jv, Error> {
    let width = int_arg(args, 0, "width", 80)?;
    args.positional_limit(1);
    Ok(Jv::from(py_center(&py_str(&value), width, ' ')))
}

/// Python's `str.center(width, fill)`, which puts the odd space on the
/// left when the width is odd.
pub(crate) fn py_center(text: &str, width: i128, fill: char) -> String {
    let len = text.chars().count() as i128;
    if width <= len {
        return text.to_string();
    }
    let margin = width - len;
    let left = margin / 2 + (margin & width & 1);
    let pad = |n: i128| fill.to_string().repeat(usize::try_from(n).unwrap_or(0));
    format!("{}{text}{}", pad(left), pad(margin - left))
}

/// Python's `len()`.
fn length(value: Jv, args: &mut Args) -> Result<Jv, Error> {
    args.positional_limit(0);
    let len = match value.kind() {
        ValueKind::String => value.as_str().unwrap_or_default().chars().count(),
        ValueKind::Seq | ValueKind::Map => value.len().unwrap_or(0),
        _ => {
            return Err(args.fail(format!(
                "object of type '{}' has no len()",
                type_name(&value)
            )));
        }
    };
    Ok(Jv::from(len))
}
