//! Host addresses with an optional port, as ansible's `parse_address` reads
//! them: host names, IPv4 and IPv6 addresses, any of which may contain
//! `[x:y]` range expressions, followed by `:port` (IPv6 only in brackets).
//!
//! ansible matches a series of regular expressions; we check the same
//! grammars by hand because one of them needs a look-behind, and because
//! Python's `$` also matches before a final newline, which we mirror.

use super::error::SourceError;
use super::pyliteral::{is_py_word_char, py_strip};

/// Split `address` into host and port. With `allow_ranges` false, a host
/// containing a range expression is refused.
pub fn parse_address(
    address: &str,
    allow_ranges: bool,
) -> Result<(String, Option<i64>), SourceError> {
    let (host, port) = split_port(address);
    if !(is_ipv4(host) || is_ipv6(host) || is_hostname(host)) {
        return Err(SourceError::new(py_strip(&format!(
            "Not a valid network hostname: {host}"
        ))));
    }
    if !allow_ranges && host.contains('[') {
        return Err(SourceError::new(
            "Detected range in host but was asked to ignore ranges",
        ));
    }
    Ok((host.to_string(), port))
}

/// ansible tries `[host]:port` and then `host:port`, each on what the
/// previous step left, so `[h:22]:33` ends up as host `h`, port 22.
fn split_port(address: &str) -> (&str, Option<i64>) {
    let mut host = address;
    let mut port = None;
    if let Some((inner, p)) = match_bracketed_port(host) {
        host = inner;
        port = Some(p);
    }
    if let Some((inner, p)) = match_host_port(host) {
        host = inner;
        port = Some(p);
    }
    (host, port)
}

/// The text a Python `...$` pattern must match: `$` also accepts a single
/// newline at the very end.
fn anchored_body(text: &str) -> &str {
    text.strip_suffix('\n').unwrap_or(text)
}

/// A port number: ASCII digits. Python's `int()` has no upper bound; ports
/// that do not fit an `i64` are treated as not matching.
fn parse_port(digits: &str) -> Option<i64> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// `^\[(.+)\]:([0-9]+)$`: the greedy `.+` means the port follows the last
/// `]:` that precedes only digits; `.` does not match a newline.
fn match_bracketed_port(address: &str) -> Option<(&str, i64)> {
    let body = anchored_body(address);
    let rest = body.strip_prefix('[')?;
    let (inner, digits) = rest.rsplit_once("]:")?;
    let port = parse_port(digits)?;
    if inner.is_empty() || inner.contains('\n') {
        return None;
    }
    Some((inner, port))
}

/// `^((?:[^:\[\]]|\[[^\]]*\])*):([0-9]+)$`: the host is made of non-bracket,
/// non-colon characters and complete `[...]` groups, up to the first colon
/// outside brackets, which must introduce the port.
fn match_host_port(address: &str) -> Option<(&str, i64)> {
    let body = anchored_body(address);
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            ':' => {
                let host = body.get(..i)?;
                let port = parse_port(body.get(i + 1..)?)?;
                return Some((host, port));
            }
            '[' => {
                // Everything up to the next ']' belongs to the group.
                chars.by_ref().find(|&(_, c)| c == ']')?;
            }
            ']' => return None,
            _ => {}
        }
    }
    None
}

/// `(?:c\.){3}c` where `c` is 0..255 written in at most three digits, or a
/// numeric range `[x:y(:z)]`.
fn is_ipv4(address: &str) -> bool {
    let parts: Vec<&str> = anchored_body(address).split('.').collect();
    parts.len() == 4 && parts.iter().all(|p| is_ipv4_component(p))
}

fn is_ipv4_component(part: &str) -> bool {
    if is_numeric_range(part) {
        return true;
    }
    let b = part.as_bytes();
    if b.is_empty() || b.len() > 3 || !b.iter().all(u8::is_ascii_digit) {
        return false;
    }
    // [01]?[0-9]{1,2} | 2[0-4][0-9] | 25[0-5]
    match b {
        [first, second, third] => match first {
            b'0' | b'1' => true,
            b'2' => *second <= b'4' || (*second == b'5' && *third <= b'5'),
            _ => false,
        },
        _ => true,
    }
}

/// The fields of a bracketed `[begin:end]` or `[begin:end:step]`.
fn range_bounds(part: &str) -> Option<(&str, &str, Option<&str>)> {
    let inner = part.strip_prefix('[')?.strip_suffix(']')?;
    let fields: Vec<&str> = inner.split(':').collect();
    match fields.as_slice() {
        [begin, end] => Some((begin, end, None)),
        [begin, end, step] => Some((begin, end, Some(step))),
        _ => None,
    }
}

fn is_digits(field: &str) -> bool {
    !field.is_empty() && field.bytes().all(|b| b.is_ascii_digit())
}

fn is_hex_digits(field: &str) -> bool {
    !field.is_empty() && field.bytes().all(|b| b.is_ascii_hexdigit())
}

/// `\[[0-9]+:[0-9]+(:[0-9]+)?\]`
fn is_numeric_range(part: &str) -> bool {
    range_bounds(part)
        .is_some_and(|(b, e, step)| is_digits(b) && is_digits(e) && step.is_none_or(is_digits))
}

/// `\[[0-9a-f]+:[0-9a-f]+(:[0-9]+)?\]`, case-insensitive.
fn is_hex_range(part: &str) -> bool {
    range_bounds(part).is_some_and(|(b, e, step)| {
        is_hex_digits(b) && is_hex_digits(e) && step.is_none_or(is_digits)
    })
}

/// One lexical piece of an IPv6 address.
#[derive(Debug, Clone, Copy, PartialEq)]
enum V6Token<'a> {
    /// 1–4 hex digits or a hex range.
    Component(&'a str),
    Colon,
    Dot,
}

fn ipv6_tokens(address: &str) -> Option<Vec<V6Token<'_>>> {
    let mut tokens = Vec::new();
    let mut rest = address;
    while let Some(c) = rest.chars().next() {
        let len = match c {
            ':' | '.' => {
                tokens.push(if c == ':' {
                    V6Token::Colon
                } else {
                    V6Token::Dot
                });
                1
            }
            '[' => {
                let len = rest.find(']')? + 1;
                let range = rest.get(..len)?;
                if !is_hex_range(range) {
                    return None;
                }
                tokens.push(V6Token::Component(range));
                len
            }
            c if c.is_ascii_hexdigit() => {
                let len = rest
                    .find(|c: char| !c.is_ascii_hexdigit())
                    .unwrap_or(rest.len());
                if len > 4 {
                    return None;
                }
                tokens.push(V6Token::Component(rest.get(..len)?));
                len
            }
            _ => return None,
        };
        rest = rest.get(len..)?;
    }
    Some(tokens)
}

/// ansible's IPv6 pattern: eight groups, a `::`-compressed form, or one of
/// three IPv4-in-IPv6 spellings — each group possibly a hex range.
fn is_ipv6(address: &str) -> bool {
    let Some(tokens) = ipv6_tokens(anchored_body(address)) else {
        return false;
    };
    if tokens.contains(&V6Token::Dot) {
        return is_ipv4_in_ipv6(&tokens);
    }
    match find_double_colon(&tokens) {
        Some(at) => {
            let (Some(left), Some(right)) = (tokens.get(..at), tokens.get(at + 2..)) else {
                return false;
            };
            match (colon_separated_count(left), colon_separated_count(right)) {
                (Some(l), Some(r)) => l <= 6 && r <= 6 && l + r <= 7,
                _ => false,
            }
        }
        None => colon_separated_count(&tokens) == Some(8),
    }
}

fn find_double_colon(tokens: &[V6Token<'_>]) -> Option<usize> {
    tokens
        .windows(2)
        .position(|w| w == [V6Token::Colon, V6Token::Colon])
}

/// Number of components in `c(:c)*` (0 for an empty slice), or `None` if
/// the tokens are not of that shape.
fn colon_separated_count(tokens: &[V6Token<'_>]) -> Option<usize> {
    if tokens.is_empty() {
        return Some(0);
    }
    let mut count = 0;
    for (i, token) in tokens.iter().enumerate() {
        let expect_component = i % 2 == 0;
        match token {
            V6Token::Component(_) if expect_component => count += 1,
            V6Token::Colon if !expect_component => {}
            _ => return None,
        }
    }
    // Must end on a component, not a colon.
    (tokens.len() % 2 == 1).then_some(count)
}

/// `(0:){6}q`, `::(ffff:)?q` or `(0:){5}ffff:q`, where `q` is four IPv6
/// components separated by dots.
fn is_ipv4_in_ipv6(tokens: &[V6Token<'_>]) -> bool {
    let Some(split) = tokens.len().checked_sub(7) else {
        return false;
    };
    let (prefix, quad) = tokens.split_at(split);
    let quad_ok = quad.iter().enumerate().all(|(i, t)| match t {
        V6Token::Component(_) => i % 2 == 0,
        V6Token::Dot => i % 2 == 1,
        V6Token::Colon => false,
    });
    quad_ok && is_ipv4_in_ipv6_prefix(prefix)
}

fn is_ipv4_in_ipv6_prefix(prefix: &[V6Token<'_>]) -> bool {
    use V6Token::Colon;
    let is = |t: &V6Token<'_>, text: &str| matches!(t, V6Token::Component(c) if c.eq_ignore_ascii_case(text));
    let zero_pairs = |p: &[V6Token<'_>]| {
        p.chunks(2)
            .all(|pair| matches!(pair, [z, Colon] if is(z, "0")))
    };
    match prefix {
        [Colon, Colon] => true,
        [Colon, Colon, f, Colon] => is(f, "ffff"),
        _ if prefix.len() == 12 => {
            let (head, last) = prefix.split_at(10);
            zero_pairs(head) && (zero_pairs(last) || matches!(last, [f, Colon] if is(f, "ffff")))
        }
        _ => false,
    }
}

/// Labels separated by dots; see [`is_label`].
fn is_hostname(address: &str) -> bool {
    anchored_body(address).split('.').all(is_label)
}

/// `(?:\w|R)(?:[\w-]|R)*(?<![_-])` with `R` an alphanumeric range: word
/// characters, dashes and ranges, not starting with a dash and not ending
/// with a dash or an underscore.
fn is_label(label: &str) -> bool {
    if label.starts_with('-') || label.ends_with('-') || label.ends_with('_') || label.is_empty() {
        return false;
    }
    let mut rest = label;
    while let Some(c) = rest.chars().next() {
        let len = if c == '[' {
            let Some(end) = rest.find(']') else {
                return false;
            };
            if !rest.get(..=end).is_some_and(is_alphanumeric_range) {
                return false;
            }
            end + 1
        } else if is_py_word_char(c) || c == '-' {
            c.len_utf8()
        } else {
            return false;
        };
        let Some(next) = rest.get(len..) else {
            return false;
        };
        rest = next;
    }
    true
}

/// `\[(?:[a-z]:[a-z]|[0-9]+:[0-9]+)(?::[0-9]+)?\]`, case-insensitive.
fn is_alphanumeric_range(part: &str) -> bool {
    let letter = |f: &str| {
        let mut chars = f.chars();
        matches!((chars.next(), chars.next()), (Some(c), None) if is_case_insensitive_letter(c))
    };
    range_bounds(part).is_some_and(|(b, e, step)| {
        step.is_none_or(is_digits) && ((letter(b) && letter(e)) || (is_digits(b) && is_digits(e)))
    })
}

/// `[a-z]` under Python's `re.IGNORECASE` also matches four non-ASCII
/// letters whose case mapping lands in ASCII.
fn is_case_insensitive_letter(c: char) -> bool {
    c.is_ascii_alphabetic() || matches!(c, '\u{130}' | '\u{131}' | '\u{17f}' | '\u{212a}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn describe(address: &str, allow_ranges: bool) -> String {
        match parse_address(address, allow_ranges) {
            Ok((host, port)) => {
                let mut quoted = String::new();
                crate::value::write_json_string_ascii(&mut quoted, &host);
                let port = port.map_or("null".to_string(), |p| p.to_string());
                format!("[{quoted}, {port}]")
            }
            Err(e) => format!("ERR {}", e.message),
        }
    }

    /// (address, with ranges allowed, with ranges refused), recorded from
    /// ansible-core 2.19's `parse_address`.
    #[rustfmt::skip]
    const OBSERVED: &[(&str, &str, &str)] = &[
        ("host", "[\"host\", null]", "[\"host\", null]"),
        ("host:22", "[\"host\", 22]", "[\"host\", 22]"),
        ("host.example.com:2222", "[\"host.example.com\", 2222]", "[\"host.example.com\", 2222]"),
        ("[::1]:22", "[\"::1\", 22]", "[\"::1\", 22]"),
        ("::1", "[\"::1\", null]", "[\"::1\", null]"),
        ("::", "[\"::\", null]", "[\"::\", null]"),
        ("fe80::1", "[\"fe80::1\", null]", "[\"fe80::1\", null]"),
        ("fe80::1:22", "[\"fe80::1:22\", null]", "[\"fe80::1:22\", null]"),
        ("[fe80::1]", "ERR Not a valid network hostname: [fe80::1]", "ERR Not a valid network hostname: [fe80::1]"),
        ("192.168.1.1", "[\"192.168.1.1\", null]", "[\"192.168.1.1\", null]"),
        ("192.168.1.1:22", "[\"192.168.1.1\", 22]", "[\"192.168.1.1\", 22]"),
        ("192.168.1.256", "[\"192.168.1.256\", null]", "[\"192.168.1.256\", null]"),
        ("10.0.0.[1:3]", "[\"10.0.0.[1:3]\", null]", "ERR Detected range in host but was asked to ignore ranges"),
        ("10.0.0.[1:3]:22", "[\"10.0.0.[1:3]\", 22]", "ERR Detected range in host but was asked to ignore ranges"),
        ("web[01:10].example.com:2222", "[\"web[01:10].example.com\", 2222]", "ERR Detected range in host but was asked to ignore ranges"),
        ("web[a:f]", "[\"web[a:f]\", null]", "ERR Detected range in host but was asked to ignore ranges"),
        ("web[A:F]", "[\"web[A:F]\", null]", "ERR Detected range in host but was asked to ignore ranges"),
        ("web[a:f:2]", "[\"web[a:f:2]\", null]", "ERR Detected range in host but was asked to ignore ranges"),
        ("web[1:2:3:4]", "ERR Not a valid network hostname: web[1:2:3:4]", "ERR Not a valid network hostname: web[1:2:3:4]"),
        ("web[01:", "ERR Not a valid network hostname: web[01:", "ERR Not a valid network hostname: web[01:"),
        ("web-", "ERR Not a valid network hostname: web-", "ERR Not a valid network hostname: web-"),
        ("-web", "ERR Not a valid network hostname: -web", "ERR Not a valid network hostname: -web"),
        ("web_", "ERR Not a valid network hostname: web_", "ERR Not a valid network hostname: web_"),
        ("_web", "[\"_web\", null]", "[\"_web\", null]"),
        ("we$b", "ERR Not a valid network hostname: we$b", "ERR Not a valid network hostname: we$b"),
        ("a..b", "ERR Not a valid network hostname: a..b", "ERR Not a valid network hostname: a..b"),
        ("", "ERR Not a valid network hostname:", "ERR Not a valid network hostname:"),
        ("host:", "ERR Not a valid network hostname: host:", "ERR Not a valid network hostname: host:"),
        ("[host]:22", "[\"host\", 22]", "[\"host\", 22]"),
        ("[host:22]:33", "[\"host\", 22]", "[\"host\", 22]"),
        ("h:0", "[\"h\", 0]", "[\"h\", 0]"),
        ("h:00022", "[\"h\", 22]", "[\"h\", 22]"),
        ("a:1", "[\"a\", 1]", "[\"a\", 1]"),
        ("abcd:1234", "[\"abcd\", 1234]", "[\"abcd\", 1234]"),
        ("web[x]", "ERR Not a valid network hostname: web[x]", "ERR Not a valid network hostname: web[x]"),
        ("a.b.c", "[\"a.b.c\", null]", "[\"a.b.c\", null]"),
        ("[::ffff:1.2.3.4]:80", "[\"::ffff:1.2.3.4\", 80]", "[\"::ffff:1.2.3.4\", 80]"),
        ("::ffff:1.2.3.4", "[\"::ffff:1.2.3.4\", null]", "[\"::ffff:1.2.3.4\", null]"),
        ("1:2:3:4:5:6:7:8", "[\"1:2:3:4:5:6:7:8\", null]", "[\"1:2:3:4:5:6:7:8\", null]"),
        ("1:2:3:4:5:6:7:8:9", "ERR Not a valid network hostname: 1:2:3:4:5:6:7:8:9", "ERR Not a valid network hostname: 1:2:3:4:5:6:7:8:9"),
        ("1:2:3:4:5:6:7::", "ERR Not a valid network hostname: 1:2:3:4:5:6:7::", "ERR Not a valid network hostname: 1:2:3:4:5:6:7::"),
        ("::2:3:4:5:6:7:8", "ERR Not a valid network hostname: ::2:3:4:5:6:7:8", "ERR Not a valid network hostname: ::2:3:4:5:6:7:8"),
        ("1::2::3", "ERR Not a valid network hostname: 1::2::3", "ERR Not a valid network hostname: 1::2::3"),
        ("[1:2]::", "[\"[1:2]::\", null]", "ERR Detected range in host but was asked to ignore ranges"),
        ("0:0:0:0:0:0:1.2.3.4", "[\"0:0:0:0:0:0:1.2.3.4\", null]", "[\"0:0:0:0:0:0:1.2.3.4\", null]"),
        ("0:0:0:0:0:ffff:1.2.3.4", "[\"0:0:0:0:0:ffff:1.2.3.4\", null]", "[\"0:0:0:0:0:ffff:1.2.3.4\", null]"),
        ("1::1.2.3.4", "ERR Not a valid network hostname: 1::1.2.3.4", "ERR Not a valid network hostname: 1::1.2.3.4"),
        ("h\n", "[\"h\\n\", null]", "[\"h\\n\", null]"),
        ("h:22\n", "[\"h\", 22]", "[\"h\", 22]"),
        ("\u{e9}t\u{e9}", "[\"\\u00e9t\\u00e9\", null]", "[\"\\u00e9t\\u00e9\", null]"),
        ("a-b.c_d", "[\"a-b.c_d\", null]", "[\"a-b.c_d\", null]"),
        ("web[\u{212a}:z]", "[\"web[\\u212a:z]\", null]", "ERR Detected range in host but was asked to ignore ranges"),
        ("x[1:3]y[a:b]", "[\"x[1:3]y[a:b]\", null]", "ERR Detected range in host but was asked to ignore ranges"),
        ("1.2.3.4.5", "[\"1.2.3.4.5\", null]", "[\"1.2.3.4.5\", null]"),
        ("ab[1:2]c:22", "[\"ab[1:2]c\", 22]", "ERR Detected range in host but was asked to ignore ranges"),
        ("1.2.3.[1:3:2]", "[\"1.2.3.[1:3:2]\", null]", "ERR Detected range in host but was asked to ignore ranges"),
        ("a[1:2]:b", "ERR Not a valid network hostname: a[1:2]:b", "ERR Not a valid network hostname: a[1:2]:b"),
        ("fe80::[a:f]", "[\"fe80::[a:f]\", null]", "ERR Detected range in host but was asked to ignore ranges"),
        ("[fe80::[1:2]]:22", "[\"fe80::[1:2]\", 22]", "ERR Detected range in host but was asked to ignore ranges"),
        ("12345::1", "ERR Not a valid network hostname: 12345::1", "ERR Not a valid network hostname: 12345::1"),
        ("ABCD::EF", "[\"ABCD::EF\", null]", "[\"ABCD::EF\", null]"),
        ("h o", "ERR Not a valid network hostname: h o", "ERR Not a valid network hostname: h o"),
        ("h:99999", "[\"h\", 99999]", "[\"h\", 99999]"),
    ];

    #[test]
    fn parse_address_matches_observed_ansible() {
        let mut failures = Vec::new();
        for (address, allowed, refused) in OBSERVED {
            for (allow, expected) in [(true, allowed), (false, refused)] {
                let got = describe(address, allow);
                if got != *expected {
                    failures.push(format!(
                        "{address:?} (ranges {allow}): expected {expected}, got {got}"
                    ));
                }
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
    fn oversized_port_is_not_a_port() {
        // Python would keep the huge integer; we cannot, so no port matches.
        assert!(parse_address("h:99999999999999999999", true).is_err());
    }
}
