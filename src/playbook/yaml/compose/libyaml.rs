//! Where saphyr (YAML 1.2) and libyaml (YAML 1.1, ansible's parser)
//! disagree: error wording and positions, and a few texts one accepts and
//! the other rejects. Each rule here was found by comparing both on real and
//! mutated files.

use saphyr_parser::ScanError;

use super::super::error::{Failure, YamlError, YamlErrorKind};
use super::super::patch::{Fix, closing_quote};
use super::super::source::python_lines;
use super::{ComposeError, Composer, Frame, FrameContent, Nesting, skip_properties};
use crate::playbook::yaml::Span;

impl Composer<'_> {
    /// Byte offset of a block scalar's `|` or `>`. saphyr's span starts at
    /// the node's properties if it has any, else at the first content line;
    /// PyYAML's node starts at the properties or the indicator.
    pub(super) fn block_scalar_header(&self, span: Span) -> Option<usize> {
        let from_props = self.text.get(span.start..).map(skip_properties)?;
        if from_props.starts_with(['|', '>']) {
            return Some(self.text.len() - from_props.len());
        }
        // Untagged: the header is on the last non-blank line before the content.
        let before = self.text.get(..span.start)?;
        let mut line_end = before.len();
        loop {
            let line_start = before[..line_end].rfind(['\n', '\r']).map_or(0, |i| i + 1);
            let line = &before[line_start..line_end];
            if !line.trim().is_empty() {
                return block_indicator(line).map(|i| line_start + i);
            }
            if line_start == 0 {
                return None;
            }
            line_end = line_start - 1;
            if before[..line_end].ends_with('\r') && before.as_bytes().get(line_end) == Some(&b'\n')
            {
                line_end -= 1;
            }
        }
    }

    /// `span` extended back to start at byte `start`.
    pub(super) fn span_from(&self, start: usize, span: Span) -> Span {
        let end = span.start + span.len;
        Span {
            len: end.saturating_sub(start),
            ..self.source.span_at_byte(start)
        }
    }

    /// A block scalar running into the end of a text that lacks a final line
    /// break: saphyr acts as if the break were there, libyaml does not, so
    /// for clip and keep chomping saphyr's value has one `\n` too many.
    /// (`key: |` + `\n  cmd` at the very end of a file is "cmd" for ansible.)
    pub(super) fn block_scalar_at_eof(&self, value: &mut String, span: Span, header: usize) {
        let text = self.text;
        if span.start + span.len < text.len()
            || text.ends_with(['\n', '\r'])
            || !value.ends_with('\n')
        {
            return;
        }
        let Some(header) = text.get(header..) else {
            return;
        };
        let indicators: String = header.chars().skip(1).take(2).collect();
        if indicators.contains('-') {
            return;
        }
        let last_line = text.rsplit(['\n', '\r']).next().unwrap_or_default();
        let body = header.split_once(['\n', '\r']).map_or("", |(_, body)| body);
        let has_content = value.chars().any(|c| c != '\n');
        let extra_newline = if has_content {
            let leading = last_line.len() - last_line.trim_start_matches(' ').len();
            !last_line.trim().is_empty() || leading >= first_content_indent(body)
        } else {
            // Keep chomping of a scalar whose only line is blank: saphyr
            // reports "\n" for the missing break.
            value == "\n" && indicators.contains('+') && !body.contains(['\n', '\r'])
        };
        if extra_newline {
            value.pop();
        }
    }

    /// saphyr reads a line starting with `: ` as a pair with an empty key;
    /// libyaml only allows that after an explicit `?`.
    pub(super) fn check_empty_key(&self, span: Span) -> Result<(), Failure> {
        let expecting_key = matches!(
            self.frames.last(),
            Some(Frame {
                content: FrameContent::Map { key: None, .. },
                ..
            })
        );
        let at_colon = self
            .text
            .get(span.start..)
            .is_some_and(|rest| rest.starts_with(':'));
        if !expecting_key || !at_colon || follows_question_mark(&self.text[..span.start]) {
            return Ok(());
        }
        let in_flow = self.frames.iter().any(|f| f.nesting == Nesting::Flow);
        let (context, problem) = if in_flow {
            (
                "while parsing a flow node",
                "did not find expected node content",
            )
        } else {
            ("while parsing a block mapping", "did not find expected key")
        };
        Err(YamlError::marked(
            self.source,
            YamlErrorKind::Syntax,
            Some(context),
            problem,
            Span { len: 0, ..span },
        ))
    }

    /// Turns a saphyr error (at `at`, in original coordinates) into ours,
    /// or into a whitespace fix when libyaml would have accepted the text.
    pub(super) fn scan_error(&self, e: &ScanError, at: saphyr_parser::Marker) -> ComposeError {
        let at = self.source.point(at);
        let (context, problem) = self.libyaml_wording(e.info(), at);
        let error = YamlError::marked(
            self.source,
            YamlErrorKind::Syntax,
            context,
            &problem,
            self.libyaml_position(e.info(), at),
        );
        let fix = match e.info() {
            "':' must be followed by a valid YAML whitespace" => {
                Some(Fix::SeparationTabs { end: at.start })
            }
            "invalid indentation in quoted scalar" => {
                // libyaml ignores the indentation and, if the quote is never
                // closed, fails at the end of the text.
                if self.text.get(at.start..).and_then(closing_quote).is_none() {
                    let end = self.source.span_at_byte(self.text.len());
                    let context = Some("while scanning a quoted scalar");
                    let problem = "found unexpected end of stream";
                    return ComposeError::Yaml(YamlError::marked(
                        self.source,
                        YamlErrorKind::Syntax,
                        context,
                        problem,
                        end,
                    ));
                }
                Some(Fix::IndentQuoted {
                    quote: at.start,
                    leading: at.col.saturating_sub(1),
                })
            }
            "invalid indentation in flow construct" | "invalid indentation" => {
                self.outermost_flow_col().map(|col| Fix::IndentLine {
                    line: at.line,
                    leading: col,
                })
            }
            _ => None,
        };
        match fix {
            Some(fix) => ComposeError::Fixable { fix, error },
            None => ComposeError::Yaml(error),
        }
    }

    /// 1-based column of the outermost open flow collection: continuation
    /// lines indented that far are acceptable to saphyr.
    fn outermost_flow_col(&self) -> Option<usize> {
        self.frames
            .iter()
            .find(|f| f.nesting == Nesting::Flow)
            .map(|f| f.start.col)
    }

    /// saphyr's messages, reworded as libyaml's (context, problem) where they
    /// describe the same failure, so ansible's wording and hints carry over.
    fn libyaml_wording(&self, info: &str, at: Span) -> (Option<&'static str>, String) {
        let innermost = self
            .frames
            .last()
            .map(|f| (f.nesting, matches!(f.content, FrameContent::Map { .. })));
        match info {
            "while parsing a node, did not find expected node content" => {
                let in_flow = self.frames.iter().any(|f| f.nesting == Nesting::Flow);
                let context = if in_flow {
                    "while parsing a flow node"
                } else {
                    "while parsing a block node"
                };
                (Some(context), "did not find expected node content".into())
            }
            "while scanning an anchor or alias, did not find expected alphabetic or numeric character" =>
            {
                let alias = self
                    .text
                    .get(at.start..)
                    .is_some_and(|t| t.starts_with('*'));
                let context = if alias {
                    "while scanning an alias"
                } else {
                    "while scanning an anchor"
                };
                (
                    Some(context),
                    "did not find expected alphabetic or numeric character".into(),
                )
            }
            // A stray `]` or `}`: libyaml's parser reports what it expected.
            "misplaced bracket" => match innermost {
                Some((Nesting::Block, true)) => (
                    Some("while parsing a block mapping"),
                    "did not find expected key".into(),
                ),
                Some((Nesting::Block, false)) => (
                    Some("while parsing a block collection"),
                    "did not find expected '-' indicator".into(),
                ),
                None => (None, "did not find expected <document start>".into()),
                _ => libyaml_wording(info),
            },
            _ => libyaml_wording(info),
        }
    }

    /// Where libyaml reports the same failure, when it differs from saphyr.
    fn libyaml_position(&self, info: &str, at: Span) -> Span {
        match info {
            // libyaml points at the character after `*`/`&`.
            "while scanning an anchor or alias, did not find expected alphabetic or numeric character" =>
            {
                let next = self
                    .text
                    .get(at.start..)
                    .and_then(|t| t.chars().next())
                    .map_or(0, char::len_utf8);
                self.source.span_at_byte(at.start + next)
            }
            // saphyr reports the token after a run of `- ` entries; libyaml
            // the first `-`.
            "while parsing a block mapping, did not find expected key" => {
                let line_start = self.text[..at.start.min(self.text.len())]
                    .rfind(['\n', '\r'])
                    .map_or(0, |i| i + 1);
                let prefix = &self.text[line_start..at.start.min(self.text.len())];
                let entries = prefix.trim_start_matches(' ');
                let is_entries = !entries.is_empty()
                    && entries.split_whitespace().all(|t| t == "-")
                    && entries.ends_with([' ', '\t']);
                if is_entries {
                    self.source
                        .span_at_byte(line_start + (prefix.len() - entries.len()))
                } else {
                    at
                }
            }
            // libyaml notices at the end of the text.
            "while scanning a quoted scalar, found unexpected end of stream" => {
                self.source.span_at_byte(self.text.len())
            }
            // libyaml points past the indicators, at the offending character.
            "while scanning a block scalar, did not find expected comment or line break" => {
                let header = self.text.get(at.start..).unwrap_or_default();
                let rest = header
                    .get(1..)
                    .unwrap_or_default()
                    .trim_start_matches(|c: char| c == '+' || c == '-' || c.is_ascii_digit())
                    .trim_start_matches([' ', '\t']);
                self.source.span_at_byte(self.text.len() - rest.len())
            }
            _ => at,
        }
    }
}

/// Context-free part of [`Composer::libyaml_wording`].
fn libyaml_wording(info: &str) -> (Option<&'static str>, String) {
    let fixed: Option<(Option<&'static str>, &'static str)> = match info {
        "simple key expect ':'" | "simple key expected" => Some((
            Some("while scanning a simple key"),
            "could not find expected ':'",
        )),
        "while parsing a flow sequence, expected ',' or ']'" => Some((
            Some("while parsing a flow sequence"),
            "did not find expected ',' or ']'",
        )),
        "while parsing node, found unknown anchor" => Some((None, "found undefined alias")),
        "tabs disallowed within this context (block indentation)"
        | "tabs disallowed in this context"
        | "tab cannot be used as indentation"
        | "while scanning a plain scalar, found a tab" => Some((
            Some("while scanning for the next token"),
            "found character that cannot start any token",
        )),
        _ if info.starts_with("unexpected character: ") => Some((
            Some("while scanning for the next token"),
            "found character that cannot start any token",
        )),
        _ => None,
    };
    if let Some((context, problem)) = fixed {
        return (context, problem.to_string());
    }
    // Most saphyr messages are libyaml's "context, problem" joined by a comma.
    if let Some((context, problem)) = info.split_once(", ")
        && context.starts_with("while ")
    {
        return (known_context(context), problem.to_string());
    }
    (None, info.to_string())
}

/// Maps a "while ..." context to a static string (YamlError wants owned
/// text anyway; this keeps the common ones allocation-free).
fn known_context(context: &str) -> Option<&'static str> {
    const CONTEXTS: &[&str] = &[
        "while parsing a block mapping",
        "while parsing a block collection",
        "while parsing a flow mapping",
        "while parsing a flow sequence",
        "while parsing a node",
        "while scanning a quoted scalar",
        "while scanning a block scalar",
        "while scanning a plain scalar",
        "while scanning a directive",
        "while scanning a tag",
        "while scanning a verbatim tag",
        "while scanning an anchor or alias",
        "while parsing a tag",
        "while parsing a quoted scalar",
        "while scanning a YAML directive",
        "while parsing a tag directive",
    ];
    CONTEXTS.iter().copied().find(|c| *c == context)
}

/// Leading spaces of the first line with content: a block scalar's
/// auto-detected indentation.
fn first_content_indent(body: &str) -> usize {
    python_lines(body)
        .find(|line| !line.trim().is_empty())
        .map_or(usize::MAX, |line| {
            line.len() - line.trim_start_matches(' ').len()
        })
}

/// Position of the block scalar indicator in a header line such as
/// `key: |+2 # comment`: a `|` or `>` after a blank (or at the start),
/// followed only by chomping/indentation indicators and a comment.
fn block_indicator(line: &str) -> Option<usize> {
    line.char_indices().find_map(|(i, c)| {
        if !matches!(c, '|' | '>') {
            return None;
        }
        let after_blank = line[..i]
            .chars()
            .next_back()
            .is_none_or(|p| p == ' ' || p == '\t');
        let rest =
            line[i + 1..].trim_start_matches(|c: char| c == '+' || c == '-' || c.is_ascii_digit());
        let rest = rest.trim_start_matches([' ', '\t']);
        (after_blank && (rest.is_empty() || rest.starts_with('#'))).then_some(i)
    })
}

/// Whether the last token of `before` (ignoring blanks and comments) is an
/// explicit key indicator `?`.
fn follows_question_mark(before: &str) -> bool {
    for line in before.rsplit(['\n', '\r']) {
        let code = match line.find(" #").or_else(|| line.find("\t#")) {
            _ if line.trim_start().starts_with('#') => "",
            Some(i) => &line[..i],
            None => line,
        };
        let code = code.trim_end();
        if let Some(last) = code.chars().next_back() {
            let before_last = code[..code.len() - 1].chars().next_back();
            return last == '?' && before_last.is_none_or(|c| c == ' ' || c == '\t' || c == '-');
        }
    }
    false
}
