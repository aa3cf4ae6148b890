//! Python's `re.sub` replacement templates: `\1`, `\g<1>`, `\g<name>`,
//! character escapes (`\n`, octal), and Python's errors for bad ones.

use super::{Captures, Regex};

fn err(message: &str, pos: usize) -> String {
    format!("{message} at position {pos}")
}

/// One piece of a template.
#[derive(Debug)]
enum Piece {
    Text(String),
    Group(usize),
}

/// A parsed replacement template, checked against its pattern's groups.
#[derive(Debug)]
pub struct Template {
    pieces: Vec<Piece>,
}

impl Template {
    /// Parse `template` for `re` (group references must exist in it).
    pub fn parse(template: &str, re: &Regex) -> Result<Template, String> {
        let chars: Vec<char> = template.chars().collect();
        let mut parser = Parser {
            pieces: Vec::new(),
            text: String::new(),
        };
        let groups = re.group_count() + 1;
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
                parser.text.push(c);
                i += 1;
                continue;
            }
            let Some(&n) = chars.get(i + 1) else {
                return Err(err("bad escape (end of pattern)", i));
            };
            let octal_digits = |from: usize, max: usize| {
                chars
                    .iter()
                    .skip(from)
                    .take(max)
                    .take_while(|d| ('0'..='7').contains(*d))
                    .count()
            };
            let octal_char = |from: usize, len: usize| {
                let value = chars[from..from + len]
                    .iter()
                    .fold(0u32, |v, d| v * 8 + d.to_digit(8).unwrap_or(0));
                char::from_u32(value).unwrap_or('\0')
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
                        match re.group_index(&name) {
                            Some(g) => g,
                            None => return Err(format!("unknown group name '{name}'")),
                        }
                    };
                    parser.group(g);
                    i += 4 + end;
                }
                '0' => {
                    let len = 1 + octal_digits(i + 2, 2);
                    parser.text.push(octal_char(i + 1, len));
                    i += 1 + len;
                }
                '1'..='9' => {
                    if octal_digits(i + 1, 3) == 3 {
                        parser.text.push(octal_char(i + 1, 3));
                        i += 4;
                        continue;
                    }
                    let mut g = n.to_digit(10).unwrap_or(0) as usize;
                    let mut j = i + 2;
                    if let Some(d) = chars.get(j).and_then(|c| c.to_digit(10)) {
                        g = g * 10 + d as usize;
                        j += 1;
                    }
                    parser.group(group_ref(g, i + 1)?);
                    i = j;
                }
                '\\' => {
                    parser.text.push('\\');
                    i += 2;
                }
                c => match control(c) {
                    Some(ch) => {
                        parser.text.push(ch);
                        i += 2;
                    }
                    None if c.is_ascii_alphabetic() => {
                        return Err(err(&format!("bad escape \\{c}"), i));
                    }
                    None => {
                        parser.text.push('\\');
                        parser.text.push(c);
                        i += 2;
                    }
                },
            }
        }
        if !parser.text.is_empty() {
            parser.pieces.push(Piece::Text(parser.text));
        }
        Ok(Template {
            pieces: parser.pieces,
        })
    }

    /// Append the replacement for one match of `subject` to `out`.
    pub fn expand(&self, caps: &Captures, subject: &str, out: &mut String) {
        for piece in &self.pieces {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Group(g) => out.push_str(caps.text(*g, subject).unwrap_or("")),
            }
        }
    }
}

/// The character a letter escape stands for in a template.
fn control(c: char) -> Option<char> {
    Some(match c {
        'n' => '\n',
        't' => '\t',
        'r' => '\r',
        'f' => '\u{c}',
        'v' => '\u{b}',
        'a' => '\u{7}',
        'b' => '\u{8}',
        _ => return None,
    })
}

struct Parser {
    pieces: Vec<Piece>,
    text: String,
}

impl Parser {
    fn group(&mut self, g: usize) {
        if !self.text.is_empty() {
            self.pieces
                .push(Piece::Text(std::mem::take(&mut self.text)));
        }
        self.pieces.push(Piece::Group(g));
    }
}
