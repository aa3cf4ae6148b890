//! Python `re` pattern syntax → the syntax the `regex` and `fancy-regex`
//! crates read.
//!
//! Only what differs in meaning is rewritten (`\Z`, octal and `\<`-style
//! escapes, a literal `{`, `[` inside classes, `(?#...)`, `{,n}`, Python's
//! `$`); Python's `re.error` messages are reported for malformed patterns,
//! with Python's positions (in characters). The translation also notes
//! whether the pattern needs a backtracking engine: lookaround,
//! backreferences, atomic groups, possessive quantifiers, conditionals.

use std::collections::HashMap;

/// A translated pattern.
#[derive(Debug)]
pub(super) struct Translation {
    /// Python's meaning, for `fancy-regex`: a `$` outside MULTILINE is
    /// `(?:\z|(?=\n\z))`.
    pub exact: String,
    /// The same with such a `$` read as `\z`: equal to `exact` on a subject
    /// that does not end in a newline. Only meaningful when
    /// `needs_backtracking` is false.
    pub fast: String,
    /// Lookaround, backreferences, atomic groups, possessive quantifiers or
    /// conditionals: only `fancy-regex` can run it.
    pub needs_backtracking: bool,
    /// A `$` outside MULTILINE occurs: `fast` differs from `exact` on
    /// subjects ending in a newline.
    pub has_end_dollar: bool,
}

fn err(message: &str, pos: usize) -> String {
    format!("{message} at position {pos}")
}

/// What the last token was, for Python's "nothing to repeat" and
/// "multiple repeat" checks.
#[derive(Clone, Copy, PartialEq)]
enum Last {
    /// Start of the pattern or of a group, or after `|`.
    Nothing,
    /// `^`, `$`, `\A`, `\b`, `\B`, `\Z`: Python does not repeat these.
    Anchor,
    /// Something repeatable.
    Item,
    /// A greedy quantifier: `?` makes it lazy, `+` possessive.
    Greedy,
    /// A lazy or possessive quantifier: nothing more may follow.
    Modified,
}

/// What a `(` started.
enum Read {
    /// A group, closed by a later `)`.
    Opened,
    /// A whole item: `(?P=name)`.
    Item,
    /// Nothing that matches: a comment or global flags.
    Nothing,
}

/// A group opened and not yet closed.
struct Open {
    pos: usize,
    /// Its number when it captures.
    capture: Option<usize>,
    /// MULTILINE as it was outside the group (scoped flags change it).
    multiline_outside: bool,
}

struct Translator<'p> {
    chars: &'p [char],
    exact: String,
    fast: String,
    needs_backtracking: bool,
    has_end_dollar: bool,
    multiline: bool,
    open: Vec<Open>,
    /// Capturing groups opened so far.
    groups: usize,
    names: HashMap<String, usize>,
    /// Only global flag groups have been read so far.
    at_start: bool,
}

/// Translate `pattern`; `multiline` is the MULTILINE flag given with it.
pub(super) fn translate(pattern: &str, multiline: bool) -> Result<Translation, String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut t = Translator {
        chars: &chars,
        exact: String::with_capacity(pattern.len() + 8),
        fast: String::with_capacity(pattern.len() + 8),
        needs_backtracking: false,
        has_end_dollar: false,
        multiline,
        open: Vec::new(),
        groups: 0,
        names: HashMap::new(),
        at_start: true,
    };
    t.run()?;
    Ok(Translation {
        exact: t.exact,
        fast: t.fast,
        needs_backtracking: t.needs_backtracking,
        has_end_dollar: t.has_end_dollar,
    })
}

impl Translator<'_> {
    fn emit(&mut self, text: &str) {
        self.exact.push_str(text);
        self.fast.push_str(text);
    }

    fn run(&mut self) -> Result<(), String> {
        let chars = self.chars;
        let mut last = Last::Nothing;
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if c != '(' {
                self.at_start = false;
            }
            match c {
                '\\' => {
                    let (text, next, kind) = escape(chars, i, false)?;
                    match kind {
                        Escaped::Backref(group) => self.backref(group, i)?,
                        _ => self.emit(&text),
                    }
                    last = if kind == Escaped::Anchor {
                        Last::Anchor
                    } else {
                        Last::Item
                    };
                    i = next;
                    continue;
                }
                '[' => {
                    let (text, next) = class(chars, i)?;
                    self.emit(&text);
                    i = next;
                    last = Last::Item;
                    continue;
                }
                '(' => {
                    let (next, read) = self.open_group(i)?;
                    match read {
                        Read::Opened => {
                            self.at_start = false;
                            last = Last::Nothing;
                        }
                        Read::Item => {
                            self.at_start = false;
                            last = Last::Item;
                        }
                        // Comments and global flags leave the last token as it was.
                        Read::Nothing => {}
                    }
                    i = next;
                    continue;
                }
                ')' => {
                    let Some(group) = self.open.pop() else {
                        return Err(err("unbalanced parenthesis", i));
                    };
                    self.multiline = group.multiline_outside;
                    self.emit(")");
                    last = Last::Item;
                }
                '*' | '+' | '?' => {
                    last = self.quantifier(&c.to_string(), last, i)?;
                }
                '{' => match repetition(chars, i) {
                    Some((text, next)) => {
                        last = self.quantifier(&text, last, i)?;
                        i = next;
                        continue;
                    }
                    None => {
                        self.emit("\\{");
                        last = Last::Item;
                    }
                },
                '}' => {
                    self.emit("\\}");
                    last = Last::Item;
                }
                '|' => {
                    self.emit("|");
                    last = Last::Nothing;
                }
                '^' => {
                    self.emit("^");
                    last = Last::Anchor;
                }
                '$' => {
                    if self.multiline {
                        self.emit("$");
                    } else {
                        // Python's `$` also matches before a final newline.
                        self.exact.push_str("(?:\\z|(?=\\n\\z))");
                        self.fast.push_str("\\z");
                        self.has_end_dollar = true;
                    }
                    last = Last::Anchor;
                }
                _ => {
                    let mut buf = [0u8; 4];
                    self.emit(c.encode_utf8(&mut buf));
                    last = Last::Item;
                }
            }
            i += 1;
        }
        if let Some(group) = self.open.last() {
            return Err(err("missing ), unterminated subpattern", group.pos));
        }
        Ok(())
    }

    /// A quantifier (`text` in the crates' spelling) at `pos`, after `last`.
    fn quantifier(&mut self, text: &str, last: Last, pos: usize) -> Result<Last, String> {
        match last {
            Last::Greedy if text == "?" => {
                self.emit("?");
                Ok(Last::Modified)
            }
            Last::Greedy if text == "+" => {
                self.emit("+");
                self.needs_backtracking = true;
                Ok(Last::Modified)
            }
            Last::Greedy | Last::Modified => Err(err("multiple repeat", pos)),
            Last::Nothing | Last::Anchor => Err(err("nothing to repeat", pos)),
            Last::Item => {
                self.emit(text);
                Ok(Last::Greedy)
            }
        }
    }

    /// A numbered backreference `\N` at `pos`.
    fn backref(&mut self, group: usize, pos: usize) -> Result<(), String> {
        if group > self.groups {
            return Err(err(&format!("invalid group reference {group}"), pos + 1));
        }
        if self.open.iter().any(|o| o.capture == Some(group)) {
            return Err(err("cannot refer to an open group", pos));
        }
        self.needs_backtracking = true;
        // Grouped, so that a digit after it stays a literal.
        self.emit(&format!("(?:\\{group})"));
        Ok(())
    }

    /// What starts at `chars[i] == '('`: returns where the pattern goes on
    /// and what was read.
    fn open_group(&mut self, i: usize) -> Result<(usize, Read), String> {
        let chars = self.chars;
        let outside = self.multiline;
        if chars.get(i + 1) != Some(&'?') {
            self.groups += 1;
            self.push_open(i, Some(self.groups), outside);
            self.emit("(");
            return Ok((i + 1, Read::Opened));
        }
        let rest = |n: usize| chars.get(i + 2 + n).copied();
        match rest(0) {
            Some('#') => match chars[i..].iter().position(|&c| c == ')') {
                Some(end) => Ok((i + end + 1, Read::Nothing)),
                None => Err(err("missing ), unterminated comment", i)),
            },
            Some(':') => {
                self.push_open(i, None, outside);
                self.emit("(?:");
                Ok((i + 3, Read::Opened))
            }
            Some('=' | '!') => self.lookaround(i, &format!("(?{}", rest(0).unwrap_or('=')), 3),
            Some('<') if matches!(rest(1), Some('=' | '!')) => {
                self.lookaround(i, &format!("(?<{}", rest(1).unwrap_or('=')), 4)
            }
            Some('>') => self.lookaround(i, "(?>", 3),
            Some('P') => match rest(1) {
                Some('<') => self.named_group(i),
                Some('=') => self.named_backref(i),
                Some(c) => Err(err(&format!("unknown extension ?P{c}"), i + 1)),
                None => Err(err("unexpected end of pattern", i + 3)),
            },
            Some('(') => self.conditional(i),
            Some(c) if c == '-' || FLAG_LETTERS.contains(c) => self.flags(i),
            Some(c) => Err(err(&format!("unknown extension ?{c}"), i + 1)),
            None => Err(err("unexpected end of pattern", i + 2)),
        }
    }

    fn push_open(&mut self, pos: usize, capture: Option<usize>, multiline_outside: bool) {
        self.open.push(Open {
            pos,
            capture,
            multiline_outside,
        });
    }

    /// Lookahead, lookbehind or an atomic group: `opener` is its text,
    /// `len` its length in the pattern.
    fn lookaround(&mut self, i: usize, opener: &str, len: usize) -> Result<(usize, Read), String> {
        self.needs_backtracking = true;
        self.push_open(i, None, self.multiline);
        self.emit(opener);
        Ok((i + len, Read::Opened))
    }

    /// `(?P<name>`.
    fn named_group(&mut self, i: usize) -> Result<(usize, Read), String> {
        let (name, next) = self.name_until(i + 4, '>')?;
        if self.names.contains_key(&name) {
            return Err(err(&format!("redefinition of group name '{name}'"), i + 4));
        }
        self.groups += 1;
        self.names.insert(name.clone(), self.groups);
        self.push_open(i, Some(self.groups), self.multiline);
        self.emit(&format!("(?P<{name}>"));
        Ok((next, Read::Opened))
    }

    /// `(?P=name)`.
    fn named_backref(&mut self, i: usize) -> Result<(usize, Read), String> {
        let (name, next) = self.name_until(i + 4, ')')?;
        let Some(&group) = self.names.get(&name) else {
            return Err(err(&format!("unknown group name '{name}'"), i + 4));
        };
        if self.open.iter().any(|o| o.capture == Some(group)) {
            return Err(err("cannot refer to an open group", i));
        }
        self.needs_backtracking = true;
        self.emit(&format!("(?:\\{group})"));
        Ok((next, Read::Item))
    }

    /// A group name from `start` to the `end` character: the name and the
    /// index after `end`.
    fn name_until(&self, start: usize, end: char) -> Result<(String, usize), String> {
        let chars = self.chars;
        let Some(len) = chars
            .get(start..)
            .and_then(|r| r.iter().position(|&c| c == end))
        else {
            return Err(err(
                &format!("missing {end}, unterminated name"),
                start.min(chars.len()),
            ));
        };
        let name: String = chars[start..start + len].iter().collect();
        if name.is_empty() {
            return Err(err("missing group name", start));
        }
        let mut letters = name.chars();
        let identifier = letters
            .next()
            .is_some_and(|c| c == '_' || c.is_alphabetic())
            && letters.all(|c| c == '_' || c.is_alphanumeric());
        if !identifier {
            return Err(err(&format!("bad character in group name '{name}'"), start));
        }
        Ok((name, start + len + 1))
    }

    /// `(?(group)yes|no)`: the condition names an earlier group.
    fn conditional(&mut self, i: usize) -> Result<(usize, Read), String> {
        let chars = self.chars;
        let start = i + 3;
        let Some(len) = chars[start..].iter().position(|&c| c == ')') else {
            return Err(err("missing ), unterminated name", start));
        };
        let name: String = chars[start..start + len].iter().collect();
        let group = if !name.is_empty() && name.chars().all(|c| c.is_ascii_digit()) {
            match name.parse::<usize>() {
                Ok(g) if g >= 1 && g <= self.groups => g,
                _ => return Err(err(&format!("invalid group reference {name}"), start)),
            }
        } else {
            match self.names.get(&name) {
                Some(&g) => g,
                None if name.is_empty() => return Err(err("missing group name", start)),
                None => return Err(err(&format!("unknown group name '{name}'"), start)),
            }
        };
        self.needs_backtracking = true;
        self.push_open(i, None, self.multiline);
        self.emit(&format!("(?({group})"));
        Ok((start + len + 1, Read::Opened))
    }

    /// Inline flags: global `(?aiLmsux)` or scoped `(?aiLmsux-imsx:...)`.
    fn flags(&mut self, i: usize) -> Result<(usize, Read), String> {
        let chars = self.chars;
        let mut on = String::new();
        let mut off = String::new();
        let mut j = i + 2;
        let mut negative = false;
        loop {
            let Some(&c) = chars.get(j) else {
                return Err(err("missing -, : or )", j));
            };
            match c {
                ')' | ':' => break,
                '-' if !negative => negative = true,
                c if FLAG_LETTERS.contains(c) => {
                    if c == 'L' {
                        return Err(err(
                            "bad inline flags: cannot use 'L' flag with a str pattern",
                            j,
                        ));
                    }
                    if negative { &mut off } else { &mut on }.push(c);
                }
                _ => return Err(err("missing -, : or )", j)),
            }
            j += 1;
        }
        // Only i, m, s and x mean something to the crates; a and u choose
        // ASCII or Unicode classes, which we leave Unicode.
        let kept = |s: &str| {
            s.chars()
                .filter(|c| "imsx".contains(*c))
                .collect::<String>()
        };
        let (on_kept, off_kept) = (kept(&on), kept(&off));
        if chars[j] == ')' {
            if negative {
                return Err(err("missing :", j));
            }
            if !self.at_start {
                return Err(err("global flags not at the start of the expression", i));
            }
            if on.contains('m') {
                self.multiline = true;
            }
            if !on_kept.is_empty() {
                self.emit(&format!("(?{on_kept})"));
            }
            return Ok((j + 1, Read::Nothing));
        }
        let outside = self.multiline;
        if on.contains('m') {
            self.multiline = true;
        }
        if off.contains('m') {
            self.multiline = false;
        }
        self.push_open(i, None, outside);
        let off_text = if off_kept.is_empty() {
            String::new()
        } else {
            format!("-{off_kept}")
        };
        self.emit(&format!("(?{on_kept}{off_text}:"));
        Ok((j + 1, Read::Opened))
    }
}

const FLAG_LETTERS: &str = "aiLmsux";

/// `{m}`, `{m,}`, `{,n}`, `{m,n}` at `i`: the crates' form and where it
/// ends; `None` when Python reads a literal `{`.
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
    Some((text, end + 1))
}

/// A character class starting at `start` (`[`).
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
                let (text, next, _) = escape(chars, i, true)?;
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

/// What an escape stands for.
#[derive(Clone, Copy, PartialEq)]
enum Escaped {
    /// A character or a class.
    Item,
    /// `\A`, `\b`, `\B`, `\Z`.
    Anchor,
    /// `\N`: a backreference to group N.
    Backref(usize),
}

fn octal_value(digits: &[char]) -> u32 {
    digits
        .iter()
        .fold(0, |value, d| value * 8 + d.to_digit(8).unwrap_or(0))
}

/// An escape at `i` (a backslash): the crates' form, where it ends, and
/// what it is.
fn escape(chars: &[char], i: usize, in_class: bool) -> Result<(String, usize, Escaped), String> {
    let Some(&c) = chars.get(i + 1) else {
        return Err(err("bad escape (end of pattern)", i));
    };
    let item = |s: String, next: usize| Ok((s, next, Escaped::Item));
    let anchor = |s: &str| Ok((s.to_string(), i + 2, Escaped::Anchor));
    let hex = |n: usize| -> Result<(String, usize, Escaped), String> {
        let digits: String = chars.iter().skip(i + 2).take(n).collect();
        if digits.chars().count() == n && digits.chars().all(|d| d.is_ascii_hexdigit()) {
            let cp = u32::from_str_radix(&digits, 16).unwrap_or(0);
            if char::from_u32(cp).is_none() {
                return Err(err(&format!("bad escape \\{c}{digits}"), i));
            }
            item(format!("\\x{{{cp:x}}}"), i + 2 + n)
        } else {
            Err(err(&format!("incomplete escape \\{c}{digits}"), i))
        }
    };
    let is_octal = |j: usize| chars.get(j).is_some_and(|d| ('0'..='7').contains(d));
    match c {
        'd' | 'D' | 'w' | 'W' | 's' | 'S' | 'n' | 't' | 'r' | 'f' | 'v' => {
            item(format!("\\{c}"), i + 2)
        }
        'b' if in_class => item("\\x08".into(), i + 2),
        'A' | 'B' | 'Z' if in_class => Err(err(&format!("bad escape \\{c}"), i)),
        'A' | 'b' | 'B' => anchor(&format!("\\{c}")),
        'Z' => anchor("\\z"),
        'a' => item("\\x07".into(), i + 2),
        'x' => hex(2),
        'u' => hex(4),
        'U' => hex(8),
        '0' => {
            // Up to two more octal digits.
            let mut j = i + 2;
            while j < i + 4 && is_octal(j) {
                j += 1;
            }
            item(format!("\\x{{{:x}}}", octal_value(&chars[i + 1..j])), j)
        }
        '1'..='9' => {
            // Outside a class, three octal digits are a character and
            // anything else a group reference (one or two digits); inside
            // a class, up to three octal digits are a character.
            let three_octal = is_octal(i + 1) && is_octal(i + 2) && is_octal(i + 3);
            if three_octal || (in_class && is_octal(i + 1)) {
                let mut j = i + 2;
                while j < i + 4 && is_octal(j) {
                    j += 1;
                }
                let value = octal_value(&chars[i + 1..j]);
                if value > 0o377 {
                    let digits: String = chars[i + 1..j].iter().collect();
                    return Err(err(
                        &format!("octal escape value \\{digits} outside of range 0-0o377"),
                        i,
                    ));
                }
                return item(format!("\\x{{{value:x}}}"), j);
            }
            if in_class {
                return Err(err(&format!("bad escape \\{c}"), i));
            }
            let mut group = c.to_digit(10).unwrap_or(0) as usize;
            let mut next = i + 2;
            if let Some(d) = chars.get(next).and_then(|d| d.to_digit(10)) {
                group = group * 10 + d as usize;
                next += 1;
            }
            Ok((String::new(), next, Escaped::Backref(group)))
        }
        c if c.is_ascii_alphanumeric() => Err(err(&format!("bad escape \\{c}"), i)),
        c => item(regex::escape(&c.to_string()), i + 2),
    }
}
