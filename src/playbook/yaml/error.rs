//! `YamlError`, worded the way ansible 2.19 reports YAML failures.
//!
//! Ansible turns a PyYAML `MarkedYAMLError` into "YAML parsing failed: " plus
//! the error's context and problem joined, capitalised and ending with a
//! period, then runs a few heuristics on the offending line (tabs, unquoted
//! templates, stray colons, unbalanced quotes) that replace the message and
//! move the column. Errors raised by ansible's own constructors skip the
//! heuristics, and plain Python exceptions (`int("abc")` failing) are shown
//! as their text. All of that is reproduced here so `ansible_report` reads
//! like ansible's output.

use std::sync::{Arc, LazyLock};

use miette::{Diagnostic, NamedSource, SourceSpan};
use regex::Regex;
use thiserror::Error;

use super::Span;
use super::source::Source;

/// Where a failure came from; decides which of ansible's wordings applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum YamlErrorKind {
    /// The scanner/parser/composer rejected the text.
    Syntax,
    /// A tag or value PyYAML's constructors reject (unknown tag, bad merge).
    Constructor,
    /// A check of ansible's own constructors (`!vault` on a non-string).
    AnsibleConstructor,
    /// A Python exception outside YAML's error classes (`int()` failing).
    Value,
    /// An alias expansion or size limit protecting memory.
    Limit,
    /// The file could not be read or decoded.
    Io,
}

/// A YAML file that could not be loaded. Kept under clippy's "large error"
/// size: the source (named after the file) is shared behind an `Arc`, and
/// the file name and `file:line:col` are derived from it.
#[derive(Debug, Clone, Error, Diagnostic)]
#[error("YAML parsing failed: {message} ({})", self.location())]
pub struct YamlError {
    pub kind: YamlErrorKind,
    /// The reason, as ansible prints it after "YAML parsing failed: ".
    pub message: String,
    /// 1-based line and column (in characters); 0 when unknown.
    pub line: usize,
    pub col: usize,
    /// Ansible's `Origin:` line and annotated excerpt.
    pub context: String,
    #[help]
    pub help: Option<String>,
    /// The loaded text, named after the file (the path as given).
    #[source_code]
    pub src: Arc<NamedSource<String>>,
    #[label("here")]
    pub span: SourceSpan,
}

/// Internal error type: results inside the loader box the error, which
/// keeps the recursive parts of the loader light on stack.
pub(super) type Failure = Box<YamlError>;

impl YamlError {
    /// The file, as the caller named it.
    pub fn file(&self) -> &str {
        self.src.name()
    }

    /// `file:line:col`, or just the file when the position is unknown.
    pub fn location(&self) -> String {
        match (self.line, self.col) {
            (0, _) => self.file().to_string(),
            (line, 0) => format!("{}:{line}", self.file()),
            (line, col) => format!("{}:{line}:{col}", self.file()),
        }
    }

    /// The full text ansible prints after `[ERROR]: `.
    pub fn ansible_report(&self) -> String {
        let mut out = format!("YAML parsing failed: {}\n{}", self.message, self.context);
        if let Some(help) = &self.help {
            // Ansible's help texts start and end with a newline.
            out.push_str(&format!("\n\n\n{help}\n"));
        }
        out
    }

    pub(super) fn io(path: &std::path::Path, message: String) -> Failure {
        let file = path.display().to_string();
        Box::new(YamlError {
            kind: YamlErrorKind::Io,
            context: format!("Origin: {file}"),
            src: Arc::new(NamedSource::new(&file, String::new())),
            message,
            line: 0,
            col: 0,
            help: None,
            span: SourceSpan::from((0, 0)),
        })
    }

    /// A marked error of the YAML layer: `context` and `problem` as PyYAML
    /// words them, positioned at `at`.
    pub(super) fn marked(
        source: &Source<'_>,
        kind: YamlErrorKind,
        context: Option<&str>,
        problem: &str,
        at: Span,
    ) -> Failure {
        let message = ansible_sentence(context, problem);
        let mut err = YamlError::build(source, kind, message, at.line, at.col, None);
        // Ansible only second-guesses errors raised by PyYAML itself.
        if matches!(kind, YamlErrorKind::Syntax | YamlErrorKind::Constructor)
            && let Some(hint) = source.line_text(at.line).and_then(analyze_line)
        {
            err = YamlError::build(
                source,
                kind,
                hint.message.into(),
                at.line,
                hint.col,
                hint.help,
            );
        }
        Box::new(err)
    }

    /// A plain Python exception: ansible shows its text verbatim and knows
    /// no position, but we still point at the node for the CLI.
    pub(super) fn python(source: &Source<'_>, message: String, at: Span) -> Failure {
        let mut err =
            YamlError::build(source, YamlErrorKind::Value, message, at.line, at.col, None);
        err.context = source.context(0, 0);
        Box::new(err)
    }

    pub(super) fn limit(source: &Source<'_>, message: String, at: Span) -> Failure {
        Box::new(YamlError::build(
            source,
            YamlErrorKind::Limit,
            message,
            at.line,
            at.col,
            None,
        ))
    }

    fn build(
        source: &Source<'_>,
        kind: YamlErrorKind,
        message: String,
        line: usize,
        col: usize,
        help: Option<&str>,
    ) -> YamlError {
        let offset = offset_of(source.text, line, col);
        YamlError {
            kind,
            message,
            line,
            col,
            context: source.context(line, col),
            help: help.map(|h| h.trim_matches('\n').to_string()),
            src: source.named_source(),
            span: SourceSpan::from((offset, 0)),
        }
    }
}

/// Byte offset of a 1-based line and character column, clamped to the text.
fn offset_of(text: &str, line: usize, col: usize) -> usize {
    let mut start = 0;
    for _ in 1..line {
        match text[start..].find(['\n', '\r']) {
            Some(i) => {
                let skip = if text[start + i..].starts_with("\r\n") {
                    2
                } else {
                    1
                };
                start += i + skip;
            }
            None => return text.len(),
        }
    }
    let rest = &text[start..];
    start
        + rest
            .char_indices()
            .nth(col.saturating_sub(1))
            .map_or(rest.len(), |(i, _)| i)
}

/// `' '.join((context, problem))`, capitalised, ending with a period and
/// with runs of whitespace collapsed, as ansible prints YAML errors.
fn ansible_sentence(context: Option<&str>, problem: &str) -> String {
    let joined = [context.unwrap_or(""), problem]
        .iter()
        .filter(|part| !part.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ");
    let mut words = joined.split_whitespace().collect::<Vec<_>>().join(" ");
    if let Some(first) = words.chars().next() {
        words = first.to_uppercase().chain(words.chars().skip(1)).collect();
    }
    if !words.ends_with('.') {
        words.push('.');
    }
    words
}

struct Hint {
    col: usize,
    message: &'static str,
    help: Option<&'static str>,
}

const TEMPLATE_HELP: &str = "
For example:

    raw: {{ some_var }}

Should be:

    raw: \"{{ some_var }}\"
";

const COLON_HELP: &str = "
For example:

    raw: echo 'name: ansible'

Should be:

    raw: \"echo 'name: ansible'\"
";

const QUOTE_HELP: &str = "
For example:

    raw: \"foo\" in bar

Should be:

    raw: '\"foo\" in bar'
";

const QUOTES_HELP: &str = "
For example:

    raw: \"foo\" in \"bar\"

Should be:

    raw: '\"foo\" in \"bar\"'
";

fn regex(pattern: &str) -> Regex {
    Regex::new(pattern).unwrap_or_else(|e| panic!("bad built-in regex: {e}"))
}

static TEMPLATE_RE: LazyLock<Regex> =
    LazyLock::new(|| regex(r"^\s*(?:-\s+)*(?:[\w\s]+:\s+)?(?P<value>\{\{.*\}\})"));
static VALUE_RE: LazyLock<Regex> =
    LazyLock::new(|| regex(r"^\s*(?:-\s+)*(?:[\w\s\[\]{}]+:\s+)?(?P<value>.*)$"));
static QUOTED_VALUE_RE: LazyLock<Regex> = LazyLock::new(|| regex(r#"^\s*('[^']*'|"[^"]*")\s*$"#));
static COLON_RE: LazyLock<Regex> = LazyLock::new(|| regex(r":($| )"));
static QUOTE_START_RE: LazyLock<Regex> =
    LazyLock::new(|| regex(r#"^\s*(?:-\s+)*(?:[\w\s]+:\s+)?(?P<value>["'].*?\s*)$"#));

fn char_col(line: &str, byte: usize) -> usize {
    line.get(..byte).map_or(0, |s| s.chars().count()) + 1
}

/// Ansible's `AnsibleYAMLParserError.handle_exception` guesses, in order.
fn analyze_line(line: &str) -> Option<Hint> {
    tab_hint(line)
        .or_else(|| template_hint(line))
        .or_else(|| colon_hint(line))
        .or_else(|| quote_hint(line))
}

fn tab_hint(line: &str) -> Option<Hint> {
    let tab = line.find('\t')?;
    Some(Hint {
        col: char_col(line, tab),
        message: "Tabs are usually invalid in YAML.",
        help: None,
    })
}

fn template_hint(line: &str) -> Option<Hint> {
    let value = TEMPLATE_RE.captures(line)?.name("value")?;
    Some(Hint {
        col: char_col(line, value.start()),
        message: "This may be an issue with missing quotes around a template block.",
        help: Some(TEMPLATE_HELP),
    })
}

fn colon_hint(line: &str) -> Option<Hint> {
    if line.trim_start().starts_with(':') {
        return None;
    }
    let value = VALUE_RE.captures(line)?.name("value")?;
    // A value that is one quoted string is blanked out, so a colon inside
    // the quotes does not count.
    let fragment = if QUOTED_VALUE_RE.is_match(value.as_str()) {
        ".".repeat(value.as_str().chars().count())
    } else {
        value.as_str().to_string()
    };
    let colon = COLON_RE.find(&fragment)?;
    let prefix_chars = fragment
        .get(..colon.start())
        .map_or(0, |s| s.chars().count());
    Some(Hint {
        col: char_col(line, value.start()) + prefix_chars,
        message: "Colons in unquoted values must be followed by a non-space character.",
        help: Some(COLON_HELP),
    })
}

fn quote_hint(line: &str) -> Option<Hint> {
    let value = QUOTE_START_RE.captures(line)?.name("value")?;
    let text = value.as_str();
    let first = text.chars().next()?;
    let last = text.chars().last()?;
    let message = if first != last {
        "Values starting with a quote must end with the same quote."
    } else if line.matches(first).count() > 2 {
        "Values starting with a quote must end with the same quote, and not contain that quote."
    } else {
        return None;
    };
    let help = if first != last {
        QUOTE_HELP
    } else {
        QUOTES_HELP
    };
    Some(Hint {
        col: char_col(line, value.start()),
        message,
        help: Some(help),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentence_is_capitalised_and_terminated() {
        assert_eq!(
            ansible_sentence(
                Some("while parsing a block mapping"),
                "did not find expected key"
            ),
            "While parsing a block mapping did not find expected key."
        );
        assert_eq!(
            ansible_sentence(None, "found  undefined\nalias"),
            "Found undefined alias."
        );
    }

    #[test]
    fn heuristics_follow_ansible_order() {
        let hint = |l: &str| analyze_line(l).map(|h| (h.col, h.message));
        assert_eq!(hint("\ta: 1").map(|h| h.0), Some(1));
        assert_eq!(hint("    a: {{ x }}").map(|h| h.0), Some(8));
        assert_eq!(
            hint("- msg: echo 'name: x': y").map(|h| h.1),
            Some("Colons in unquoted values must be followed by a non-space character.")
        );
        assert_eq!(
            hint("  a: \"foo\" in bar").map(|h| (h.0, h.1)),
            Some((
                6,
                "Values starting with a quote must end with the same quote."
            ))
        );
        assert_eq!(hint("   b: 2"), None);
    }

    #[test]
    fn offsets_count_characters() {
        assert_eq!(offset_of("ab\r\nçd\n", 2, 2), 6);
        assert_eq!(offset_of("a", 5, 1), 1);
    }
}
