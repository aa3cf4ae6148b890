//! Whitespace patches that make saphyr (YAML 1.2) accept what libyaml
//! (YAML 1.1, ansible's parser) accepts.
//!
//! Two leniencies of libyaml matter in real files:
//! - a tab right after a `:` indicator is separation (`key:<TAB>value`);
//! - continuation lines of flow collections and quoted scalars may sit at any
//!   indentation (`key: "some\ntext"` with the second line at column 0).
//!
//! saphyr rejects both and reports where. The fix is applied to a copy of
//! the text: the tab becomes a space, or the continuation line gets leading
//! spaces. Neither changes what the document means (separation whitespace and
//! the indentation of those lines are not content), and parsing restarts.
//! Markers reported on the patched copy are translated back, so every
//! position still refers to the original text.

use std::collections::{BTreeMap, BTreeSet};

use saphyr_parser::Marker;

use super::source::Source;

/// A change requested by the composer after a saphyr error, in original
/// coordinates.
#[derive(Debug, Clone, Copy)]
pub(super) enum Fix {
    /// Turn the tabs of the blank run ending at this byte into spaces.
    SeparationTabs { end: usize },
    /// Give this (1-based) line at least `leading` leading blanks.
    IndentLine { line: usize, leading: usize },
    /// Indent every continuation line of the quoted scalar opening at this
    /// byte to at least `leading` blanks.
    IndentQuoted { quote: usize, leading: usize },
}

#[derive(Debug, Default)]
pub(super) struct Patches {
    /// Byte offsets (original text) of tabs to read as spaces.
    tabs: BTreeSet<usize>,
    /// Spaces inserted at the start of a line, by 1-based line number.
    indents: BTreeMap<usize, usize>,
}

impl Patches {
    pub fn is_empty(&self) -> bool {
        self.tabs.is_empty() && self.indents.is_empty()
    }

    /// Records `fix`; `false` if it changes nothing (retrying would fail the
    /// same way).
    pub fn add(&mut self, fix: Fix, source: &Source<'_>) -> bool {
        match fix {
            Fix::SeparationTabs { end } => self.add_tabs(source.text, end),
            Fix::IndentLine { line, leading } => self.add_indent(source, line, leading),
            Fix::IndentQuoted { quote, leading } => {
                let mut changed = false;
                for line in quoted_continuation_lines(source, quote) {
                    changed |= self.add_indent(source, line, leading);
                }
                changed
            }
        }
    }

    fn add_tabs(&mut self, text: &str, end: usize) -> bool {
        let Some(before) = text.get(..end) else {
            return false;
        };
        let run_start = before.trim_end_matches([' ', '\t']).len();
        let mut changed = false;
        for (i, b) in before.bytes().enumerate().skip(run_start) {
            if b == b'\t' {
                changed |= self.tabs.insert(i);
            }
        }
        changed
    }

    fn add_indent(&mut self, source: &Source<'_>, line: usize, leading: usize) -> bool {
        let Some(text) = source.line_text(line) else {
            return false;
        };
        let current = text.len() - text.trim_start_matches([' ', '\t']).len();
        // libyaml rejects document markers at column 0 even inside quotes.
        if text.starts_with("---") || text.starts_with("...") {
            return false;
        }
        let already = self.indents.get(&line).copied().unwrap_or(0);
        let wanted = leading.saturating_sub(current);
        if wanted <= already {
            return false;
        }
        self.indents.insert(line, wanted);
        true
    }

    /// The text saphyr parses: the original with the patches applied.
    pub fn apply(&self, text: &str) -> String {
        let extra: usize = self.indents.values().sum();
        let mut out = String::with_capacity(text.len() + extra);
        let mut line = 1;
        let mut at_line_start = true;
        let bytes = text.as_bytes();
        for (i, c) in text.char_indices() {
            if at_line_start {
                if let Some(n) = self.indents.get(&line) {
                    out.extend(std::iter::repeat_n(' ', *n));
                }
                at_line_start = false;
            }
            if c == '\t' && self.tabs.contains(&i) {
                out.push(' ');
            } else {
                out.push(c);
            }
            let ends_line = c == '\n' || (c == '\r' && bytes.get(i + 1) != Some(&b'\n'));
            if ends_line {
                line += 1;
                at_line_start = true;
            }
        }
        out
    }

    /// Translates a marker on the patched text back to the original text.
    pub fn to_original(&self, m: Marker) -> Marker {
        if self.indents.is_empty() {
            return m;
        }
        let before: usize = self.indents.range(..m.line()).map(|(_, n)| n).sum();
        let here = self.indents.get(&m.line()).copied().unwrap_or(0);
        let inserted_before_marker = here.min(m.col());
        Marker::new(
            m.index().saturating_sub(before + inserted_before_marker),
            m.line(),
            m.col() - inserted_before_marker,
        )
    }
}

/// The lines after the first one spanned by the quoted scalar opening at
/// byte `quote`; empty if it is not closed (a genuine error).
fn quoted_continuation_lines(source: &Source<'_>, quote: usize) -> Vec<usize> {
    let text = source.text;
    let Some(rest) = text.get(quote..) else {
        return Vec::new();
    };
    let Some(end) = closing_quote(rest) else {
        return Vec::new();
    };
    let first_line = source.span_at_byte(quote).line;
    let last_line = source.span_at_byte(quote + end).line;
    (first_line + 1..=last_line)
        .filter(|l| source.line_text(*l).is_some_and(|t| !t.trim().is_empty()))
        .collect()
}

/// Byte offset of the quote closing the scalar `s` starts with.
pub(super) fn closing_quote(s: &str) -> Option<usize> {
    let mut chars = s.char_indices();
    let (_, open) = chars.next()?;
    match open {
        '\'' => {
            let mut iter = chars.peekable();
            while let Some((i, c)) = iter.next() {
                if c == '\'' {
                    if iter.peek().is_some_and(|(_, n)| *n == '\'') {
                        iter.next();
                    } else {
                        return Some(i);
                    }
                }
            }
            None
        }
        '"' => {
            let mut escaped = false;
            for (i, c) in chars {
                match (escaped, c) {
                    (true, _) => escaped = false,
                    (false, '\\') => escaped = true,
                    (false, '"') => return Some(i),
                    _ => {}
                }
            }
            None
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn indents_and_tabs_are_applied_and_translated_back() {
        let text = "a:\tb\nc: \"x\ny\"\n";
        let source = Source::new(text, Path::new("t"));
        let mut patches = Patches::default();
        assert!(patches.add(Fix::SeparationTabs { end: 3 }, &source));
        assert!(patches.add(
            Fix::IndentQuoted {
                quote: 8,
                leading: 3
            },
            &source
        ));
        assert!(!patches.add(
            Fix::IndentQuoted {
                quote: 8,
                leading: 3
            },
            &source
        ));
        assert_eq!(patches.apply(text), "a: b\nc: \"x\n   y\"\n");
        let m = patches.to_original(Marker::new(14, 3, 3));
        assert_eq!((m.index(), m.line(), m.col()), (11, 3, 0));
    }

    #[test]
    fn closing_quotes_respect_escapes() {
        assert_eq!(closing_quote("'it''s' x"), Some(6));
        assert_eq!(closing_quote(r#""a\"b" x"#), Some(5));
        assert_eq!(closing_quote("\"open"), None);
    }
}
