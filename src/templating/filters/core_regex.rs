//! `regex_replace`, `regex_search`, `regex_findall`, `regex_escape` with
//! Python `re` syntax, translated to the `regex` crate.
//!
//! The translation covers what differs in meaning between the two syntaxes
//! (`\Z`, octal and `\<`-style escapes, literal `{`, `[` inside classes,
//! `(?#...)`), and reports Python's `re.error` messages for the common
//! malformed patterns. Not supported (the `regex` crate has no such
//! features; the filter fails with the crate's message): backreferences
//! (`\1`, `(?P=name)`), lookaround, atomic groups, possessive quantifiers.
//! Known divergence: without MULTILINE, Python's `$` also matches before a
//! final newline; ours matches only at the very end.

use super::{Args, Num, add, py_str, tuple};
use minijinja::value::Value as Jv;
use minijinja::{Environment, Error};
use regex::{Captures, Regex, RegexBuilder};

pub(super) fn register(env: &mut Environment<'static>) {
    add(env, "regex_replace", regex_replace);
    add(env, "regex_search", regex_search);
    add(env, "regex_findall", regex_findall);
    add(env, "regex_escape", regex_escape);
}

/// Python's `re.compile(pattern, flags)`.
pub(crate) fn compile(pattern: &str, ignorecase: bool, multiline: bool) -> Result<Regex, String> {
    let translated = translate(pattern)?;
    RegexBuilder::new(&translated)
        .case_insensitive(ignorecase)
        .multi_line(multiline)
        .size_limit(1 << 24)
        .build()
        .map_err(|e| e.to_string())
}

fn err(message: &str, pos: usize) -> String {
    format!("{message} at position {pos}")
}

/// Python pattern → `regex` crate pattern.
fn translate(pattern: &str) -> Result<String, String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut open: Vec<usize> = Vec::new();
    // Can a quantifier follow here (Python: "nothing to repeat")?
    let mut repeatable = false;
    // Did the last token end in a quantifier ("multiple repeat")?
    let mut quantified = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => {
                let (text, next) = escape(&chars, i, false)?;
                out.push_str(&text);
                i = next;
                repeatable = true;
                quantified = false;
                continue;
            }
            '[' => {
                let (text, next) = class(&chars, i)?;
                out.push_str(&text);
                i = next;
                repeatable = true;
                quantified = false;
                continue;
            }
            '(' => {
                if chars.get(i + 1) == Some(&'?') && chars.get(i + 2) == Some(&'#') {
                    // A comment group: dropped.
                    match chars[i..].iter().position(|&c| c == ')') {
                        Some(end) => {
                            i += end + 1;
                            continue;
                        }
                        None => return Err(err("missing ), unterminated comment", i)),
                    }
                }
                open.push(i);
                out.push('(');
                repeatable = false;
                quantified = false;
                // Inline flags / group kinds are copied as they are.
                if chars.get(i + 1) == Some(&'?') {
                    let mut j = i + 1;
                    while j < chars.len() && chars[j] != ':' && chars[j] != ')' && chars[j] != '>' {
                        out.push(chars[j]);
                        j += 1;
                    }
                    if j < chars.len() {
                        out.push(chars[j]);
                        if chars[j] == ')' {
                            open.pop();
                            repeatable = false;
                        }
                        j += 1;
                    }
                    i = j;
                    continue;
                }
            }
            ')' => {
                if open.pop().is_none() {
                    return Err(err("unbalanced parenthesis", i));
                }
                out.push(')');
                repeatable = true;
                quantified = false;
            }
            '*' | '+' | '?' => {
                if c == '?' && quantified && !out.ends_with('?') {
                    // Lazy modifier.
                    out.push('?');
                    i += 1;
                    continue;
                }
                if quantified {
                    return Err(err("multiple repeat", i));
                }
                if !repeatable {
                    return Err(err("nothing to repeat", i));
                }
                out.push(c);
                quantified = true;
            }
            '{' => match repetition(&chars, i) {
                Some((text, next)) => {
                    if quantified {
                        return Err(err("multiple repeat", i));
                    }
                    if !repeatable {
                        return Err(err("nothing to repeat", i));
                    }
                    out.push_str(&text);
                    i = next;
                    quantified = true;
                    continue;
                }
                None => {
                    out.push_str("\\{");
                    repeatable = true;
                    quantified = false;
                }
            },
            '}' => {
                out.push_str("\\}");
                repeatable = true;
                quantified = false;
            }
            '|' => {
                out.push('|');
                repeatable = false;
                quantified = false;
            }
            '^' | '$' => {
                out.push(c);
                repeatable = false;
                quantified = false;
            }
            _ => {
                out.push(c);
                repeatable = true;
                quantified = false;
            }
        }
        i += 1;
    }
    if let Some(&pos) = open.last() {
        return Err(err("missing ), unterminated subpattern", pos));
    }
    Ok(out)
}

/// `{m}`, `{m,}`, `{,n}`, `{m,n}` at `i`: the crate's form and where it ends.
fn repetition(chars: &[char], i: usize) -> Option<(String, usize)> {
    let end = i + chars[i..].iter().position(|&c| c == '}')?;
    let body: String = chars[i + 1..end].iter().collect();
    let (lo, hi) = match body.split_once(',') {
        Some((lo, hi)) => (lo, Some(hi)),
        None => (body.as_str(), None),
    };
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    // `{}` is a literal; `{,}` means `{0,}` (Python 3.11).
    if !digits(lo) || !hi.is_none_or(digits) || (lo.is_empty() && hi.is_none()) {
        return None;
    }
    let lo = if lo.is_empty() { "0" } else { lo };
    let text = match hi {
        None => format!("{{{lo}}}"),
        Some("") => format!("{{{lo},}}"),
        Some(hi) => format!("{{{lo},{hi}}}"),
    };
    let mut next = end + 1;
    let mut text = text;
    if chars.get(next) == Some(&'?') {
        text.push('?');
        next += 1;
    }
    Some((text, next))
}

/// A character class starting at `i` (`[`).
fn class(chars: &[char], start: usize) -> Result<(String, usize), String> {
    let mut out = String::from("[");
    let mut i = start + 1;
    if chars.get(i) == Some(&'^') {
        out.push('^');
        i += 1;
    }
    // A `]` first in the class is a literal.
    if chars.get(i) == Some(&']') {
        out.push_str("\\]");
        i += 1;
    }
    loop {
        let Some(&c) = chars.get(i) else {
            return Err(err("unterminated character set", start));
        };
        match c {
            ']' => {
                out.push(']');
                return Ok((out, i + 1));
            }
            '\\' => {
                let (text, next) = escape(chars, i, true)?;
                out.push_str(&text);
                i = next;
                continue;
            }
            '[' | '&' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '-' if chars.get(i + 1) == Some(&'-') => out.push_str("\\-"),
            _ => out.push(c),
        }
        i += 1;
    }
}

/// An escape at `i` (a backslash): the crate's form and where it ends.
fn escape(chars: &[char], i: usize, in_class: bool) -> Result<(String, usize), String> {
    let Some(&c) = chars.get(i + 1) else {
        return Err(err("bad escape (end of pattern)", i));
    };
    let hex = |n: usize| -> Result<(String, usize), String> {
        let digits: String = chars.iter().skip(i + 2).take(n).collect();
        if digits.len() == n && digits.chars().all(|d| d.is_ascii_hexdigit()) {
            let cp = u32::from_str_radix(&digits, 16).unwrap_or(0);
            if char::from_u32(cp).is_none() {
                return Err(err(&format!("bad escape \\{c}{digits}"), i));
            }
            Ok((format!("\\x{{{cp:x}}}"), i + 2 + n))
        } else {
            Err(err(&format!("incomplete escape \\{c}{digits}"), i))
        }
    };
    let simple = |s: &str| Ok((s.to_string(), i + 2));
    match c {
        'd' | 'D' | 'w' | 'W' | 's' | 'S' | 'n' | 't' | 'r' | 'f' | 'v' => {
            simple(&format!("\\{c}"))
        }
        'b' if in_class => simple("\\x08"),
        'B' if in_class => Err(err("bad escape \\B", i)),
        'A' | 'b' | 'B' if !in_class => simple(&format!("\\{c}")),
        'Z' if !in_class => simple("\\z"),
        'a' => simple("\\x07"),
        'x' => hex(2),
        'u' => hex(4),
        'U' => hex(8),
        '0' => {
            // Up to two more octal digits.
            let mut j = i + 2;
            let mut value = 0u32;
            while j < chars.len() && j < i + 4 && ('0'..='7').contains(&chars[j]) {
                value = value * 8 + chars[j].to_digit(8).unwrap_or(0);
                j += 1;
            }
            Ok((format!("\\x{{{value:x}}}"), j))
        }
        '1'..='9' => {
            // Three octal digits are a character; otherwise a group
            // reference, which the regex crate cannot do.
            let oct: String = chars.iter().skip(i + 1).take(3).collect();
            if oct.len() == 3 && oct.chars().all(|d| ('0'..='7').contains(&d)) {
                let value = u32::from_str_radix(&oct, 8).unwrap_or(0);
                if value > 0o377 {
                    return Err(err(
                        &format!("octal escape value \\{oct} outside of range 0-0o377"),
                        i,
                    ));
                }
                return Ok((format!("\\x{{{value:x}}}"), i + 4));
            }
            if in_class {
                return Err(err(&format!("bad escape \\{c}"), i));
            }
            Err(format!(
                "backreferences (\\{c}) are not supported by mitorun's regular expressions, at \
                 position {i}"
            ))
        }
        c if c.is_ascii_alphanumeric() => Err(err(&format!("bad escape \\{c}"), i)),
        c => simple(&regex::escape(&c.to_string())),
    }
}

/// One piece of a Python replacement template.
enum Piece {
    Text(String),
    Group(usize),
}

/// Python's `re` replacement template (`\1`, `\g<name>`, `\n`, ...).
fn parse_template(template: &str, re: &Regex) -> Result<Vec<Piece>, String> {
    let chars: Vec<char> = template.chars().collect();
    let mut pieces = Vec::new();
    let mut text = String::new();
    let groups = re.captures_len();
    let group_ref = |n: usize, pos: usize| -> Result<usize, String> {
        if n < groups {
            Ok(n)
        } else {
            Err(err(&format!("invalid group reference {n}"), pos))
        }
    };
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c != '\\' {
            text.push(c);
            i += 1;
            continue;
        }
        let Some(&n) = chars.get(i + 1) else {
            return Err(err("bad escape (end of pattern)", i));
        };
        let push_group = |pieces: &mut Vec<Piece>, text: &mut String, g: usize| {
            if !text.is_empty() {
                pieces.push(Piece::Text(std::mem::take(text)));
            }
            pieces.push(Piece::Group(g));
        };
        match n {
            'g' => {
                if chars.get(i + 2) != Some(&'<') {
                    return Err(err("missing <", i + 2));
                }
                let Some(end) = chars[i + 3..].iter().position(|&c| c == '>') else {
                    return Err(err("missing >, unterminated name", i + 3));
                };
                let name: String = chars[i + 3..i + 3 + end].iter().collect();
                if name.is_empty() {
                    return Err(err("missing group name", i + 3));
                }
                let g = if name.chars().all(|c| c.is_ascii_digit()) {
                    group_ref(name.parse::<usize>().unwrap_or(usize::MAX), i + 3)?
                } else {
                    let found = re.capture_names().position(|n| n == Some(name.as_str()));
                    match found {
                        Some(g) => g,
                        None => return Err(format!("unknown group name '{name}'")),
                    }
                };
                push_group(&mut pieces, &mut text, g);
                i += 4 + end;
            }
            '0' => {
                let mut j = i + 2;
                let mut value = 0u32;
                while j < chars.len() && j < i + 4 && ('0'..='7').contains(&chars[j]) {
                    value = value * 8 + chars[j].to_digit(8).unwrap_or(0);
                    j += 1;
                }
                text.push(char::from_u32(value).unwrap_or('\0'));
                i = j;
            }
            '1'..='9' => {
                let oct: String = chars.iter().skip(i + 1).take(3).collect();
                if oct.len() == 3 && oct.chars().all(|d| ('0'..='7').contains(&d)) {
                    let value = u32::from_str_radix(&oct, 8).unwrap_or(0);
                    text.push(char::from_u32(value).unwrap_or('\0'));
                    i += 4;
                    continue;
                }
                let mut g = n.to_digit(10).unwrap_or(0) as usize;
                let mut j = i + 2;
                if let Some(d) = chars.get(j).and_then(|c| c.to_digit(10)) {
                    g = g * 10 + d as usize;
                    j += 1;
                }
                push_group(&mut pieces, &mut text, group_ref(g, i + 1)?);
                i = j;
            }
            'n' => {
                text.push('\n');
                i += 2;
            }
            't' => {
                text.push('\t');
                i += 2;
            }
            'r' => {
                text.push('\r');
                i += 2;
            }
            'f' => {
                text.push('\u{c}');
                i += 2;
            }
            'v' => {
                text.push('\u{b}');
                i += 2;
            }
            'a' => {
                text.push('\u{7}');
                i += 2;
            }
            'b' => {
                text.push('\u{8}');
                i += 2;
            }
            '\\' => {
                text.push('\\');
                i += 2;
            }
            c if c.is_ascii_alphabetic() => return Err(err(&format!("bad escape \\{c}"), i)),
            c => {
                text.push('\\');
                text.push(c);
                i += 2;
            }
        }
    }
    if !text.is_empty() {
        pieces.push(Piece::Text(text));
    }
    Ok(pieces)
}

/// The matches `re.sub`/`re.findall` visit: like Python 3.7+, an empty
/// match right after a non-empty one counts, and after an empty match the
/// search moves on. (When a lazy pattern could match both empty and
/// non-empty at one place, Python retries for the non-empty match there;
/// the `regex` crate cannot, so we move one character on instead.)
fn py_matches<'t>(re: &Regex, text: &'t str, limit: usize) -> Vec<Captures<'t>> {
    let mut out = Vec::new();
    let mut pos = 0;
    let mut must_advance = false;
    while pos <= text.len() && out.len() < limit {
        let Some(caps) = re.captures_at(text, pos) else {
            break;
        };
        let Some(m) = caps.get(0) else { break };
        if must_advance && m.is_empty() && m.start() == pos {
            match text[pos..].chars().next() {
                Some(c) => pos += c.len_utf8(),
                None => break,
            }
            must_advance = false;
            continue;
        }
        must_advance = m.is_empty();
        pos = m.end();
        out.push(caps);
    }
    out
}

fn expand(pieces: &[Piece], caps: &Captures<'_>, out: &mut String) {
    for piece in pieces {
        match piece {
            Piece::Text(t) => out.push_str(t),
            Piece::Group(g) => out.push_str(caps.get(*g).map_or("", |m| m.as_str())),
        }
    }
}

/// `to_text(value, nonstring='simplerepr')`.
fn subject(value: &Jv) -> String {
    py_str(value)
}

fn regex_replace(value: Jv, args: &mut Args) -> Result<Jv, Error> {
    let text = subject(&value);
    let pattern = args.string(0, "pattern", "");
    let replacement = args.string(1, "replacement", "");
    let ignorecase = args.flag(2, "ignorecase");
    let multiline = args.flag(3, "multiline");
    let count = args
        .get(4, "count")
        .and_then(|c| Num::of(&c))
        .map_or(0, |n| match n {
            Num::Int(i) => i,
            Num::Float(f) => f as i128,
        });
    let mandatory = args
        .get(5, "mandatory_count")
        .and_then(|c| Num::of(&c))
        .map_or(0, |n| match n {
            Num::Int(i) => i,
            Num::Float(f) => f as i128,
        });
    let re = compile(&pattern, ignorecase, multiline).map_err(|e| args.fail(e))?;
    let pieces = parse_template(&replacement, &re).map_err(|e| args.fail(e))?;
    let limit = if count <= 0 {
        usize::MAX
    } else {
        usize::try_from(count).unwrap_or(usize::MAX)
    };
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    let mut subs = 0i128;
    for caps in py_matches(&re, &text, limit) {
        let Some(m) = caps.get(0) else { continue };
        out.push_str(&text[last..m.start()]);
        expand(&pieces, &caps, &mut out);
        last = m.end();
        subs += 1;
    }
    out.push_str(&text[last..]);
    if mandatory != 0 && mandatory != subs {
        // ansible reports `count` (the argument) where it means the matches.
        return Err(args.fail(format!(
            "{} should match {mandatory} times, but matches {count} times in {}",
            crate::value::python_str_repr(&pattern),
            crate::value::python_str_repr(&text)
        )));
    }
    Ok(Jv::from(out))
}

fn regex_findall(value: Jv, args: &mut Args) -> Result<Jv, Error> {
    let text = subject(&value);
    let pattern = args.string(0, "regex", "");
    let multiline = args.flag(1, "multiline");
    let ignorecase = args.flag(2, "ignorecase");
    let re = compile(&pattern, ignorecase, multiline).map_err(|e| args.fail(e))?;
    let groups = re.captures_len() - 1;
    let group = |caps: &Captures<'_>, g: usize| Jv::from(caps.get(g).map_or("", |m| m.as_str()));
    let out: Vec<Jv> = py_matches(&re, &text, usize::MAX)
        .into_iter()
        .map(|caps| match groups {
            0 => group(&caps, 0),
            1 => group(&caps, 1),
            n => tuple((1..=n).map(|g| group(&caps, g)).collect()),
        })
        .collect();
    Ok(Jv::from(out))
}

/// A group named by a `regex_search` argument: `\N` or `\g<name>`.
enum GroupRef {
    Index(usize),
    Name(String),
}

fn regex_search(value: Jv, args: &mut Args) -> Result<Jv, Error> {
    let text = subject(&value);
    let pattern = args.string(0, "regex", "");
    let mut refs = Vec::new();
    for arg in args.rest(1) {
        let arg = py_str(&arg);
        if let Some(rest) = arg.strip_prefix("\\g") {
            let name = rest
                .strip_prefix('<')
                .and_then(|r| r.split_once('>'))
                .map(|(n, _)| n)
                .filter(|n| !n.is_empty() && !n.contains(char::is_whitespace));
            match name {
                Some(n) => refs.push(GroupRef::Name(n.to_string())),
                None => return Err(args.fail("'NoneType' object has no attribute 'group'")),
            }
        } else if let Some(rest) = arg.strip_prefix('\\') {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            match digits.parse::<usize>() {
                Ok(n) => refs.push(GroupRef::Index(n)),
                Err(_) => return Err(args.fail("'NoneType' object has no attribute 'group'")),
            }
        } else {
            return Err(args.fail("Unknown argument"));
        }
    }
    let ignorecase = args.kw("ignorecase").is_some_and(|v| v.is_true());
    let multiline = args.kw("multiline").is_some_and(|v| v.is_true());
    let _ = args.all_keywords();
    let re = compile(&pattern, ignorecase, multiline).map_err(|e| args.fail(e))?;
    let Some(caps) = re.captures(&text) else {
        return Ok(Jv::from(()));
    };
    if refs.is_empty() {
        return Ok(Jv::from(caps.get(0).map_or("", |m| m.as_str())));
    }
    let mut out = Vec::new();
    for r in refs {
        let index = match r {
            GroupRef::Index(i) if i < re.captures_len() => i,
            GroupRef::Name(n) => match re.capture_names().position(|x| x == Some(n.as_str())) {
                Some(i) => i,
                None => return Err(args.fail("no such group")),
            },
            GroupRef::Index(_) => return Err(args.fail("no such group")),
        };
        out.push(
            caps.get(index)
                .map_or(Jv::from(()), |m| Jv::from(m.as_str())),
        );
    }
    Ok(Jv::from(out))
}

/// Python's `re.escape`.
pub(crate) fn py_re_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "()[]{}?*+-|^$\\.&~# \t\n\r\u{b}\u{c}".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn regex_escape(value: Jv, args: &mut Args) -> Result<Jv, Error> {
    let text = subject(&value);
    let kind = args.string(0, "re_type", "python");
    match kind.as_str() {
        "python" => Ok(Jv::from(py_re_escape(&text))),
        "posix_basic" => {
            let mut out = String::with_capacity(text.len());
            for c in text.chars() {
                if "].[^$*\\".contains(c) {
                    out.push('\\');
                }
                out.push(c);
            }
            Ok(Jv::from(out))
        }
        "posix_extended" => Err(args.fail(format!("Regex type ({kind}) not yet implemented"))),
        _ => Err(args.fail(format!("Invalid regex type ({kind})"))),
    }
}
