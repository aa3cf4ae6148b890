//! Positions in the loaded text, and ansible's annotated source excerpt.
//!
//! The event parser reports positions in characters; spans handed out use
//! byte offsets (what `&src[..]` and miette want), lines and 1-based columns
//! in characters (what ansible prints).

use std::cell::OnceCell;
use std::path::Path;
use std::sync::Arc;

use miette::NamedSource;
use saphyr_parser::Marker;

use super::Span;

pub struct Source<'a> {
    pub text: &'a str,
    /// The path as ansible prints it in `Origin:` lines.
    pub path: String,
    /// Byte offset of every character, plus the end; `None` for ASCII text,
    /// where both coincide.
    char_to_byte: Option<Vec<usize>>,
    /// The text for error reports, copied once however many errors are made.
    named: OnceCell<Arc<NamedSource<String>>>,
}

impl<'a> Source<'a> {
    pub fn new(text: &'a str, path: &Path) -> Self {
        let char_to_byte = (!text.is_ascii()).then(|| {
            text.char_indices()
                .map(|(byte, _)| byte)
                .chain(std::iter::once(text.len()))
                .collect()
        });
        Source {
            text,
            path: path.display().to_string(),
            char_to_byte,
            named: OnceCell::new(),
        }
    }

    /// The text for error reports, shared by every error made from it.
    pub fn named_source(&self) -> Arc<NamedSource<String>> {
        let named = self
            .named
            .get_or_init(|| Arc::new(NamedSource::new(&self.path, self.text.to_string())));
        Arc::clone(named)
    }

    pub fn byte_offset(&self, char_index: usize) -> usize {
        match &self.char_to_byte {
            None => char_index.min(self.text.len()),
            Some(table) => table.get(char_index).copied().unwrap_or(self.text.len()),
        }
    }

    pub fn span(&self, start: Marker, end: Marker) -> Span {
        let from = self.byte_offset(start.index());
        let to = self.byte_offset(end.index()).max(from);
        Span {
            start: from,
            len: to - from,
            line: start.line(),
            col: start.col() + 1,
        }
    }

    /// A zero-length span at a byte offset, with its line and column.
    pub fn span_at_byte(&self, offset: usize) -> Span {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &self.text[..offset];
        let bytes = before.as_bytes();
        let (mut line, mut line_start) = (1, 0);
        for (i, b) in bytes.iter().enumerate() {
            let ends_line = *b == b'\n' || (*b == b'\r' && bytes.get(i + 1) != Some(&b'\n'));
            if ends_line {
                line += 1;
                line_start = i + 1;
            }
        }
        let col = before[line_start..].chars().count() + 1;
        Span {
            start: offset,
            len: 0,
            line,
            col,
        }
    }

    pub fn point(&self, at: Marker) -> Span {
        self.span(at, at)
    }

    /// `Origin: path:line:col` followed by the annotated excerpt, exactly as
    /// ansible's `SourceContext` renders it.
    pub fn context(&self, line: usize, col: usize) -> String {
        let mut out = format!("Origin: {}", self.path);
        if line > 0 {
            out.push_str(&format!(":{line}"));
            if col > 0 {
                out.push_str(&format!(":{col}"));
            }
        }
        let lines = self.annotated_lines(line, col);
        if !lines.is_empty() {
            out.push_str("\n\n");
            out.push_str(&lines.join("\n"));
        }
        out
    }

    /// The line at `line` (1-based), as Python reads it (universal newlines).
    pub fn line_text(&self, line: usize) -> Option<&'a str> {
        python_lines(self.text).nth(line.checked_sub(1)?)
    }

    /// Up to two lines of context, the target line and a column marker, with
    /// ansible's width limits (`_error_utils.SourceContext.from_origin`).
    fn annotated_lines(&self, line: usize, col: usize) -> Vec<String> {
        const CONTEXT_LINES: usize = 2;
        const MAX_WIDTH: usize = 120;
        const TRUNCATION: &str = "...";
        if line == 0 {
            return Vec::new();
        }
        let first = line.saturating_sub(1 + CONTEXT_LINES);
        let window: Vec<&str> = python_lines(self.text)
            .skip(first)
            .take(line - first)
            .collect();
        if window.len() != line - first {
            return vec!["(source not shown: file truncated)".into()];
        }
        let label_width = line.to_string().len();
        let max_line_len = MAX_WIDTH - label_width - 1;
        let mut usable_len = max_line_len;
        let mut out = Vec::with_capacity(window.len() + 1);
        for (i, text) in window.iter().enumerate() {
            let mut text = text.replace('\t', " ");
            if text.chars().count() > max_line_len {
                text = text
                    .chars()
                    .take(max_line_len - TRUNCATION.len())
                    .collect::<String>()
                    + TRUNCATION;
                usable_len = max_line_len - TRUNCATION.len();
            }
            let number = first + i + 1;
            let gap = if text.is_empty() { "" } else { " " };
            out.push(format!("{number:>label_width$}{gap}{text}"));
        }
        if col >= 1 && col <= usable_len {
            let label = format!("column {col}");
            let marker = if col - 1 + 2 + label.len() > max_line_len {
                format!(
                    "{}{label} ^",
                    " ".repeat((col - 1).saturating_sub(label.len() + 1))
                )
            } else {
                format!("{}^ {label}", " ".repeat(col - 1))
            };
            out.push(format!("{} {marker}", " ".repeat(label_width)));
        }
        out
    }
}

/// Lines split the way Python's text mode reads them: `\n`, `\r\n` and `\r`
/// all end a line, and a final terminator does not start an empty line.
pub(super) fn python_lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        match rest.find(['\n', '\r']) {
            None => Some(std::mem::take(&mut rest)),
            Some(i) => {
                let line = &rest[..i];
                let skip = if rest[i..].starts_with("\r\n") { 2 } else { 1 };
                rest = &rest[i + skip..];
                Some(line)
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_matches_ansible_layout() {
        let src = Source::new(
            "- hosts: localhost\n  vars:\n    a: 1\n    b: 2\n    a: 3\n",
            Path::new("/p/dup.yml"),
        );
        let want = "Origin: /p/dup.yml:5:5\n\n3     a: 1\n4     b: 2\n5     a: 3\n      ^ column 5";
        assert_eq!(src.context(5, 5), want);
    }

    #[test]
    fn context_past_the_last_line_is_truncated() {
        let src = Source::new("a: [1\n", Path::new("f.yml"));
        assert_eq!(
            src.context(2, 1),
            "Origin: f.yml:2:1\n\n(source not shown: file truncated)"
        );
    }

    #[test]
    fn universal_newlines() {
        let lines: Vec<&str> = python_lines("a\r\nb\rc\n\nd").collect();
        assert_eq!(lines, ["a", "b", "c", "", "d"]);
    }

    #[test]
    fn byte_offsets_for_multibyte_text() {
        let src = Source::new("é: ü", Path::new("x"));
        assert_eq!(src.byte_offset(3), 4);
        assert_eq!(src.byte_offset(99), "é: ü".len());
    }
}
