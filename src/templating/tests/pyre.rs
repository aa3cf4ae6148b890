//! Python `re` patterns for the `match`/`search`/`regex` tests, run on the
//! `regex` crate.
//!
//! The translation handles the syntax whose meaning differs (`\Z`, a
//! literal `{`, `[` inside classes, `(?#...)`, `{,n}`, octal escapes) and
//! gives Python's anchoring for `re.match`/`re.fullmatch`. Without
//! MULTILINE, Python's `$` also matches before a final newline; it is
//! translated to `(?:\n?\z)`, which gives the same yes/no answer except
//! when more pattern follows the `$`. Backreferences, lookaround, atomic
//! groups and possessive quantifiers have no equivalent in the `regex`
//! crate and are reported as errors.

use regex::RegexBuilder;

fn unsupported(what: &str) -> String {
    format!("{what} are not supported in regular expressions here")
}

/// Is `chars[i..]` a Python repetition `{m}`, `{m,}`, `{,n}`, `{m,n}`?
/// Returns its translation and length.
fn quantifier(chars: &[char], i: usize) -> Option<(String, usize)> {
    let mut j = i + 1;
    let mut lo = String::new();
    while j < chars.len() && chars[j].is_ascii_digit() {
        lo.push(chars[j]);
        j += 1;
    }
    let mut hi: Option<String> = None;
    if j < chars.len() && chars[j] == ',' {
        j += 1;
        let mut h = String::new();
        while j < chars.len() && chars[j].is_ascii_digit() {
            h.push(chars[j]);
            j += 1;
        }
        hi = Some(h);
    }
    if j >= chars.len() || chars[j] != '}' {
        return None;
    }
    if lo.is_empty() && hi.as_deref().is_none_or(str::is_empty) {
        return None;
    }
    let lo = if lo.is_empty() { "0".to_string() } else { lo };
    let text = match hi {
        None => format!("{{{lo}}}"),
        Some(h) if h.is_empty() => format!("{{{lo},}}"),
        Some(h) => format!("{{{lo},{h}}}"),
    };
    Some((text, j + 1 - i))
}

/// Translate one escape (`chars[i] == '\\'`); returns the text and the
/// number of characters consumed.
fn escape(chars: &[char], i: usize, in_class: bool) -> Result<(String, usize), String> {
    let Some(&c) = chars.get(i + 1) else {
        return Err("bad escape (end of pattern)".into());
    };
    let simple = |s: &str| Ok((s.to_string(), 2));
    match c {
        'Z' if !in_class => simple(r"\z"),
        'A' | 'B' if !in_class => Ok((format!("\\{c}"), 2)),
        'b' if in_class => simple(r"\x08"),
        'b' => simple(r"\b"),
        'd' | 'D' | 's' | 'S' | 'w' | 'W' | 'n' | 't' | 'r' | 'f' | 'v' | 'a' => {
            Ok((format!("\\{c}"), 2))
        }
        'x' => {
            let hex: String = chars.iter().skip(i + 2).take(2).collect();
            if hex.len() == 2 && hex.chars().all(|h| h.is_ascii_hexdigit()) {
                Ok((format!("\\x{hex}"), 4))
            } else {
                Err(format!("incomplete escape \\x{hex}"))
            }
        }
        'u' | 'U' => {
            let len = if c == 'u' { 4 } else { 8 };
            let hex: String = chars.iter().skip(i + 2).take(len).collect();
            if hex.len() == len && hex.chars().all(|h| h.is_ascii_hexdigit()) {
                Ok((format!("\\x{{{hex}}}"), 2 + len))
            } else {
                Err(format!("incomplete escape \\{c}{hex}"))
            }
        }
        '0' => {
            let oct: String = chars
                .iter()
                .skip(i + 2)
                .take(2)
                .take_while(|d| ('0'..='7').contains(*d))
                .collect();
            let value = u32::from_str_radix(&format!("0{oct}"), 8).unwrap_or(0);
            Ok((format!("\\x{{{value:x}}}"), 2 + oct.len()))
        }
        '1'..='9' => {
            let oct: String = chars.iter().skip(i + 1).take(3).collect();
            if in_class || (oct.len() == 3 && oct.chars().all(|d| ('0'..='7').contains(&d))) {
                let digits: String = oct
                    .chars()
                    .take_while(|d| ('0'..='7').contains(d))
                    .collect();
                let value = u32::from_str_radix(&digits, 8).unwrap_or(0);
                return Ok((format!("\\x{{{value:x}}}"), 1 + digits.len()));
            }
            Err(unsupported("backreferences"))
        }
        c if c.is_ascii_alphanumeric() => Err(format!("bad escape \\{c}")),
        c => Ok((regex::escape(&c.to_string()), 2)),
    }
}

/// Translate a character class starting at `chars[i] == '['`.
fn class(chars: &[char], i: usize) -> Result<(String, usize), String> {
    let mut out = String::from("[");
    let mut j = i + 1;
    if chars.get(j) == Some(&'^') {
        out.push('^');
        j += 1;
    }
    if chars.get(j) == Some(&']') {
        out.push_str(r"\]");
        j += 1;
    }
    loop {
        let Some(&c) = chars.get(j) else {
            return Err(format!("unterminated character set at position {i}"));
        };
        match c {
            ']' => {
                out.push(']');
                return Ok((out, j + 1 - i));
            }
            '\\' => {
                let (text, used) = escape(chars, j, true)?;
                out.push_str(&text);
                j += used;
            }
            '[' | '&' | '~' => {
                out.push('\\');
                out.push(c);
                j += 1;
            }
            '-' if chars.get(j + 1) == Some(&'-') => {
                out.push_str(r"\-");
                j += 1;
            }
            c => {
                out.push(c);
                j += 1;
            }
        }
    }
}

/// Python pattern → `regex` crate pattern.
fn translate(pattern: &str, multiline: bool) -> Result<String, String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut multiline = multiline;
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => {
                let (text, used) = escape(&chars, i, false)?;
                out.push_str(&text);
                i += used;
            }
            '[' => {
                let (text, used) = class(&chars, i)?;
                out.push_str(&text);
                i += used;
            }
            '{' => match quantifier(&chars, i) {
                Some((text, used)) => {
                    out.push_str(&text);
                    i += used;
                    if matches!(chars.get(i), Some('+')) {
                        return Err(unsupported("possessive quantifiers"));
                    }
                }
                None => {
                    out.push_str(r"\{");
                    i += 1;
                }
            },
            '}' => {
                out.push_str(r"\}");
                i += 1;
            }
            '$' if !multiline => {
                out.push_str(r"(?:\n?\z)");
                i += 1;
            }
            '*' | '+' | '?' => {
                out.push(c);
                i += 1;
                if matches!(chars.get(i), Some('+')) {
                    return Err(unsupported("possessive quantifiers"));
                }
            }
            '(' if chars.get(i + 1) == Some(&'?') => {
                let rest: String = chars[i + 2..].iter().take(3).collect();
                if rest.starts_with('#') {
                    // A comment: skip to the closing parenthesis.
                    match chars[i..].iter().position(|&ch| ch == ')') {
                        Some(end) => i += end + 1,
                        None => return Err("missing ), unterminated comment".into()),
                    }
                } else if rest.starts_with('=')
                    || rest.starts_with('!')
                    || rest.starts_with("<=")
                    || rest.starts_with("<!")
                {
                    return Err(unsupported("lookaround assertions"));
                } else if rest.starts_with('>') {
                    return Err(unsupported("atomic groups"));
                } else if rest.starts_with("P=") {
                    return Err(unsupported("backreferences"));
                } else if rest.starts_with("P<") || rest.starts_with(':') {
                    out.push_str("(?");
                    i += 2;
                } else if rest.starts_with('(') {
                    return Err(unsupported("conditional groups"));
                } else {
                    // Inline flags: (?aiLmsux) or (?flags:...).
                    let mut j = i + 2;
                    let mut flags = String::new();
                    while let Some(&f) = chars.get(j) {
                        if f == ')' || f == ':' {
                            break;
                        }
                        flags.push(f);
                        j += 1;
                    }
                    if flags.contains('m') && chars.get(j) == Some(&')') {
                        multiline = true;
                    }
                    let kept: String = flags
                        .chars()
                        .filter(|f| matches!(f, 'i' | 'm' | 's' | 'x' | '-'))
                        .collect();
                    match chars.get(j) {
                        Some(')') if kept.is_empty() => {}
                        Some(')') => out.push_str(&format!("(?{kept})")),
                        Some(':') if kept.is_empty() => out.push_str("(?:"),
                        Some(':') => out.push_str(&format!("(?{kept}:")),
                        _ => return Err("missing ), unterminated subpattern".into()),
                    }
                    i = j + 1;
                }
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(out)
}

/// `bool(getattr(re.compile(pattern, flags), how)(text))`.
pub(super) fn test(
    text: &str,
    pattern: &str,
    ignorecase: bool,
    multiline: bool,
    how: &str,
) -> Result<bool, String> {
    let body = translate(pattern, multiline)?;
    let full = match how {
        "match" => format!(r"\A(?:{body})"),
        "fullmatch" => format!(r"\A(?:{body})\z"),
        "search" | "findall" | "finditer" | "split" | "scanner" => body,
        "sub" | "subn" => {
            return Err(format!(
                "{how}() missing required argument 'string' (pos 2)"
            ));
        }
        "pattern" | "flags" | "groups" | "groupindex" => {
            return Err(format!(
                "'{}' object is not callable",
                if how == "pattern" {
                    "str"
                } else if how == "groupindex" {
                    "mappingproxy"
                } else {
                    "int"
                }
            ));
        }
        _ => return Err("'str' object is not callable".into()),
    };
    let re = RegexBuilder::new(&full)
        .case_insensitive(ignorecase)
        .multi_line(multiline)
        .size_limit(1 << 24)
        .build()
        .map_err(|e| e.to_string())?;
    Ok(match how {
        // An iterator, a list with at least the whole string, an object:
        // always true.
        "finditer" | "split" | "scanner" => true,
        _ => re.is_match(text),
    })
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn anchoring_follows_python() {
        assert_eq!(test("abc", "b", false, false, "match"), Ok(false));
        assert_eq!(test("abc", "b", false, false, "search"), Ok(true));
        assert_eq!(test("abc", "abc", false, false, "fullmatch"), Ok(true));
        assert_eq!(test("abc\n", "abc$", false, false, "match"), Ok(true));
        assert_eq!(test("x\nabc", "^abc", false, true, "search"), Ok(true));
        assert_eq!(test("x\nabc", "^abc", false, false, "search"), Ok(false));
        assert_eq!(test("ABC", "a", true, false, "match"), Ok(true));
    }

    #[test]
    fn python_syntax_is_translated() {
        assert_eq!(test("a{b", "a{b", false, false, "search"), Ok(true));
        assert_eq!(test("aaa", "a{,2}$", false, false, "match"), Ok(false));
        assert_eq!(test("a[", "[[]", false, false, "search"), Ok(true));
        assert_eq!(test("ab", "a(?#c)b", false, false, "search"), Ok(true));
        assert!(test("aa", r"(a)\1", false, false, "search").is_err());
        assert!(test("abc", "(", false, false, "search").is_err());
    }
}
