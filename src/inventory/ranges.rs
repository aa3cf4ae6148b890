//! Host range expansion: `web[01:03]` → `web01 web02 web03`, as ansible's
//! `_expand_hostpattern` and `expand_hostname_range` do it, including their
//! quirks (multi-letter alphabetic bounds are substrings of `a..zA..Z`, a
//! reversed numeric range is silently empty, Python's `int()` leniency).

use super::address::parse_address;
use super::error::SourceError;
use super::pyliteral::py_strip;
use crate::value::python_str_repr;

/// The alphabet alphabetic ranges index into (Python's `string.ascii_letters`).
const ASCII_LETTERS: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// Split an inventory host pattern into host names and an optional port.
/// A pattern that is not a valid address is taken verbatim (port included),
/// as ansible does, and still range-expanded if it contains `[`.
pub fn expand_host_pattern(pattern: &str) -> Result<(Vec<String>, Option<i64>), SourceError> {
    let (host, port) = parse_address(pattern, true).unwrap_or_else(|_| (pattern.to_string(), None));
    if host.contains('[') {
        Ok((expand_hostname_range(&host)?, port))
    } else {
        Ok((vec![host], port))
    }
}

/// Expand every `[begin:end(:step)]` in `line`, leftmost range outermost:
/// `a[1:2]b[x:y]` gives `a1bx a1by a2bx a2by`.
pub fn expand_hostname_range(line: &str) -> Result<Vec<String>, SourceError> {
    // ansible returns None for an empty line; no hosts is the equivalent.
    if line.is_empty() {
        return Ok(Vec::new());
    }
    // Depth-first with an explicit stack (ansible recurses), so the output
    // order matches and deep patterns cannot exhaust our stack. Like
    // ansible, the first expansion happens even without a `[`.
    let mut hosts = Vec::new();
    let mut pending: Vec<String> = expand_first_range(line)?.into_iter().rev().collect();
    while let Some(name) = pending.pop() {
        if name.contains('[') {
            pending.extend(expand_first_range(&name)?.into_iter().rev());
        } else {
            hosts.push(name);
        }
    }
    Ok(hosts)
}

/// Expand only the first range of `line`.
fn expand_first_range(line: &str) -> Result<Vec<String>, SourceError> {
    let (head, spec, tail) = split_first_range(line)?;
    let bounds: Vec<&str> = spec.split(':').collect();
    let (begin, end, step) = match bounds.as_slice() {
        [b, e] => (*b, *e, None),
        [b, e, s] => (*b, *e, Some(*s)),
        _ => {
            return Err(SourceError::new(
                "host range must be begin:end or begin:end:step",
            ));
        }
    };
    let begin = if begin.is_empty() { "0" } else { begin };
    if end.is_empty() {
        return Err(SourceError::new("host range must specify end value"));
    }
    let width = zero_padding_width(begin, end)?;
    let values = match alphabetic_sequence(begin, end, step)? {
        Some(letters) => letters,
        None => numeric_sequence(begin, end, step)?,
    };
    Ok(values
        .into_iter()
        .map(|v| format!("{head}{}{tail}", zfill(&v, width)))
        .collect())
}

/// ansible turns the first `[` and then the first `]` into `|` and splits
/// on `|`; anything but three pieces is Python's unpacking error.
fn split_first_range(line: &str) -> Result<(String, String, String), SourceError> {
    let marked = line.replacen('[', "|", 1).replacen(']', "|", 1);
    let parts: Vec<&str> = marked.split('|').collect();
    match parts.as_slice() {
        [head, spec, tail] => Ok((head.to_string(), spec.to_string(), tail.to_string())),
        short if short.len() < 3 => Err(SourceError::new(format!(
            "not enough values to unpack (expected 3, got {})",
            short.len()
        ))),
        _ => Err(SourceError::new("too many values to unpack (expected 3)")),
    }
}

/// A begin bound with a leading zero (`01`) pads every value to its width,
/// and then the end bound must be written with the same width.
fn zero_padding_width(begin: &str, end: &str) -> Result<Option<usize>, SourceError> {
    let width = begin.chars().count();
    if !begin.starts_with('0') || width <= 1 {
        return Ok(None);
    }
    if width != end.chars().count() {
        return Err(SourceError::new(
            "host range must specify equal-length begin and end formats",
        ));
    }
    Ok(Some(width))
}

/// Python's `str.zfill`: left-pad with zeros, after any sign.
fn zfill(value: &str, width: Option<usize>) -> String {
    let Some(width) = width else {
        return value.to_string();
    };
    let len = value.chars().count();
    if len >= width {
        return value.to_string();
    }
    let zeros = "0".repeat(width - len);
    match value.strip_prefix(['+', '-']) {
        Some(rest) => format!("{}{zeros}{rest}", value.get(..1).unwrap_or_default()),
        None => format!("{zeros}{value}"),
    }
}

/// Letters from `begin` to `end` when both are substrings of
/// `ascii_letters`; `None` sends ansible to the numeric path (also when the
/// step is not an integer or is zero, which Python reports as `ValueError`).
fn alphabetic_sequence(
    begin: &str,
    end: &str,
    step: Option<&str>,
) -> Result<Option<Vec<String>>, SourceError> {
    let (Some(first), Some(last)) = (ASCII_LETTERS.find(begin), ASCII_LETTERS.find(end)) else {
        return Ok(None);
    };
    if first > last {
        return Err(SourceError::new("host range must have begin <= end"));
    }
    let step = match step.map(python_int) {
        None => 1,
        Some(Ok(s)) if s != 0 => s,
        Some(_) => return Ok(None),
    };
    // A negative slice step walks backwards from `first` and, since
    // first <= last, yields nothing.
    if step < 0 {
        return Ok(Some(Vec::new()));
    }
    let step = usize::try_from(step).unwrap_or(usize::MAX);
    let letters = ASCII_LETTERS.get(first..=last).unwrap_or_default();
    Ok(Some(
        letters.chars().step_by(step).map(String::from).collect(),
    ))
}

/// `range(int(begin), int(end) + 1, int(step))` rendered with `str()`.
fn numeric_sequence(
    begin: &str,
    end: &str,
    step: Option<&str>,
) -> Result<Vec<String>, SourceError> {
    let begin = python_int(begin).map_err(SourceError::new)?;
    let end = python_int(end).map_err(SourceError::new)?;
    let step = match step {
        Some(s) => python_int(s).map_err(SourceError::new)?,
        None => 1,
    };
    if step == 0 {
        return Err(SourceError::new("range() arg 3 must not be zero"));
    }
    let stop = end.saturating_add(1);
    let mut values = Vec::new();
    let mut current = begin;
    while (step > 0 && current < stop) || (step < 0 && current > stop) {
        values.push(current.to_string());
        match current.checked_add(step) {
            Some(next) => current = next,
            None => break,
        }
    }
    Ok(values)
}

/// Python's `int(text)` for base 10: surrounding whitespace, an optional
/// sign, digits with single underscores between them. Values beyond
/// `i128` (Python has no limit) are reported as unsupported.
fn python_int(text: &str) -> Result<i128, String> {
    let invalid = || {
        format!(
            "invalid literal for int() with base 10: {}",
            python_str_repr(text)
        )
    };
    let trimmed = py_strip(text);
    let (negative, digits) = match trimmed.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, trimmed.strip_prefix('+').unwrap_or(trimmed)),
    };
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
    {
        return Err(invalid());
    }
    let mut value: i128 = 0;
    for c in digits.chars().filter(|&c| c != '_') {
        let digit = c.to_digit(10).ok_or_else(invalid)?;
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(i128::from(digit)))
            .ok_or_else(|| format!("host range bound {} is too large", python_str_repr(text)))?;
    }
    Ok(if negative { -value } else { value })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::write_json_string_ascii as write_json_string;

    fn describe(pattern: &str) -> String {
        match expand_host_pattern(pattern) {
            Ok((hosts, port)) => {
                let names: Vec<String> = hosts
                    .iter()
                    .map(|h| {
                        let mut s = String::new();
                        write_json_string(&mut s, h);
                        s
                    })
                    .collect();
                let port = port.map_or("null".to_string(), |p| p.to_string());
                format!("[[{}], {port}]", names.join(", "))
            }
            Err(e) => format!("ERR {}", e.message),
        }
    }

    /// (pattern, expansion) recorded from ansible-core 2.19's
    /// `BaseInventoryPlugin._expand_hostpattern`. (The `:`/`---` checks
    /// belong to the INI plugin and are tested there.)
    #[rustfmt::skip]
    const OBSERVED: &[(&str, &str)] = &[
        ("web[01:03]", "[[\"web01\", \"web02\", \"web03\"], null]"),
        ("db[a:c]", "[[\"dba\", \"dbb\", \"dbc\"], null]"),
        ("x[0:10:5]", "[[\"x0\", \"x5\", \"x10\"], null]"),
        ("a[1:2]b[x:y]", "[[\"a1bx\", \"a1by\", \"a2bx\", \"a2by\"], null]"),
        ("web[1:3]:22", "[[\"web1\", \"web2\", \"web3\"], 22]"),
        ("web[01:", "ERR not enough values to unpack (expected 3, got 2)"),
        ("web[a:5]", "ERR invalid literal for int() with base 10: 'a'"),
        ("web[c:a]", "ERR host range must have begin <= end"),
        ("web[01:5]", "ERR host range must specify equal-length begin and end formats"),
        ("web[1:]", "ERR host range must specify end value"),
        ("web[:2]", "[[\"web0\", \"web1\", \"web2\"], null]"),
        ("web[1:2:3:4]", "ERR host range must be begin:end or begin:end:step"),
        ("web[3:1]", "[[], null]"),
        ("web[1:3:0]", "ERR range() arg 3 must not be zero"),
        ("w[ab:cd]", "[[\"wa\", \"wb\", \"wc\"], null]"),
        ("w[a:C]", "[[\"wa\", \"wb\", \"wc\", \"wd\", \"we\", \"wf\", \"wg\", \"wh\", \"wi\", \"wj\", \"wk\", \"wl\", \"wm\", \"wn\", \"wo\", \"wp\", \"wq\", \"wr\", \"ws\", \"wt\", \"wu\", \"wv\", \"ww\", \"wx\", \"wy\", \"wz\", \"wA\", \"wB\", \"wC\"], null]"),
        ("w[A:c]", "ERR host range must have begin <= end"),
        ("w[x]", "ERR host range must be begin:end or begin:end:step"),
        ("w[1:3:-1]", "[[], null]"),
        ("w[1: 3]", "[[\"w1\", \"w2\", \"w3\"], null]"),
        ("w[ 1:3]", "[[\"w1\", \"w2\", \"w3\"], null]"),
        ("w[1_0:12]", "[[\"w10\", \"w11\", \"w12\"], null]"),
        ("a|b[1:2]", "ERR too many values to unpack (expected 3)"),
        ("a]b[1:2]", "ERR host range must be begin:end or begin:end:step"),
        ("[web]", "ERR host range must be begin:end or begin:end:step"),
        ("w[a:c:0]", "ERR invalid literal for int() with base 10: 'a'"),
        ("w[a:c:x]", "ERR invalid literal for int() with base 10: 'a'"),
        ("w[1:3:x]", "ERR invalid literal for int() with base 10: 'x'"),
        ("w[05:-9:-1]", "[[\"w05\", \"w04\", \"w03\", \"w02\", \"w01\", \"w00\", \"w-1\", \"w-2\", \"w-3\", \"w-4\", \"w-5\", \"w-6\", \"w-7\"], null]"),
        ("w[-1:1]", "[[\"w-1\", \"w0\", \"w1\"], null]"),
        ("w[+1:2]", "[[\"w1\", \"w2\"], null]"),
        ("w[1:2]-[3:4].x", "[[\"w1-3.x\", \"w1-4.x\", \"w2-3.x\", \"w2-4.x\"], null]"),
        ("w[08:10]", "[[\"w08\", \"w09\", \"w10\"], null]"),
        ("w[0:1]x[00:01]", "[[\"w0x00\", \"w0x01\", \"w1x00\", \"w1x01\"], null]"),
        ("we$b:22", "[[\"we$b:22\"], null]"),
        ("h:", "[[\"h:\"], null]"),
        ("---", "[[\"---\"], null]"),
        ("web[1:2]:", "[[\"web1:\", \"web2:\"], null]"),
        ("w[9:11]", "[[\"w9\", \"w10\", \"w11\"], null]"),
        ("w[z:b:-1]", "ERR host range must have begin <= end"),
        ("w[a:z:5]", "[[\"wa\", \"wf\", \"wk\", \"wp\", \"wu\", \"wz\"], null]"),
        ("we$b[1:2]", "[[\"we$b1\", \"we$b2\"], null]"),
        ("[1:2]", "[[\"1\", \"2\"], null]"),
        ("w[1:2]]", "[[\"w1]\", \"w2]\"], null]"),
        ("w[[1:2]", "ERR invalid literal for int() with base 10: '[1'"),
        ("w[a:c:-1]", "[[], null]"),
        ("w[1:3:2]", "[[\"w1\", \"w3\"], null]"),
        ("w[001:010:4]", "[[\"w001\", \"w005\", \"w009\"], null]"),
        ("w[1:1]", "[[\"w1\"], null]"),
        ("w[1:2:99999999999999999999]", "[[\"w1\"], null]"),
        ("w[a:c:99999999999999999999]", "[[\"wa\"], null]"),
        ("plain", "[[\"plain\"], null]"),
        ("w[1_:2]", "ERR invalid literal for int() with base 10: '1_'"),

    ];

    #[test]
    fn expansion_matches_observed_ansible() {
        let mut failures = Vec::new();
        for (pattern, expected) in OBSERVED {
            let got = describe(pattern);
            if got != *expected {
                failures.push(format!("{pattern:?}: expected {expected}, got {got}"));
            }
        }
        assert!(
            failures.is_empty(),
            "{} mismatches:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }

    #[test]
    fn python_int_rules() {
        assert_eq!(python_int(" +1_0 "), Ok(10));
        assert_eq!(python_int("-7"), Ok(-7));
        assert_eq!(
            python_int("1__0"),
            Err("invalid literal for int() with base 10: '1__0'".into())
        );
        assert_eq!(
            python_int("- 1"),
            Err("invalid literal for int() with base 10: '- 1'".into())
        );
        assert_eq!(
            python_int("it's"),
            Err("invalid literal for int() with base 10: \"it's\"".into())
        );
    }

    #[test]
    fn zfill_keeps_the_sign_first() {
        assert_eq!(zfill("-7", Some(3)), "-07");
        assert_eq!(zfill("7", Some(3)), "007");
        assert_eq!(zfill("1234", Some(3)), "1234");
        assert_eq!(zfill("7", None), "7");
    }

    #[test]
    fn many_ranges_expand_depth_first() {
        let pattern = "h".to_string() + &"[1:1]".repeat(2000);
        let (hosts, _) = expand_host_pattern(&pattern).unwrap_or_default();
        assert_eq!(hosts, vec!["h".to_string() + &"1".repeat(2000)]);
    }
}
