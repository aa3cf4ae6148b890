//! Errors found while reading a playbook, worded as ansible-core 2.19 words
//! them, with the position of the offending data (`Origin: file:line:col`)
//! and the exit code ansible uses for them (4 for parser errors, 1 for the
//! generic `AnsibleError`s such as a missing role or file).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use miette::{Diagnostic, NamedSource, SourceSpan};

use crate::errors::{Exit, Fatal};
use crate::playbook::yaml::{Span, YamlError};

/// The text of a loaded file, shared by every node that came from it.
#[derive(Debug)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: String,
}

/// Where a piece of playbook data came from.
#[derive(Debug, Clone)]
pub struct Origin {
    pub file: Arc<SourceFile>,
    pub span: Span,
}

impl Origin {
    pub fn new(file: &Arc<SourceFile>, span: Span) -> Origin {
        Origin {
            file: file.clone(),
            span,
        }
    }

    /// `Origin: path:line:col` and the annotated source lines, as ansible
    /// prints them under an error.
    pub fn context(&self) -> String {
        // A synthetic origin (an ad hoc task) shows its text without a
        // position.
        if self.span.line == 0 && !self.file.text.is_empty() {
            return format!("Origin: {}\n\n{}", self.file.path.display(), self.file.text);
        }
        crate::playbook::yaml::Source::new(&self.file.text, &self.file.path)
            .context(self.span.line, self.span.col)
    }

    /// `path:line:col` as ansible prints it after `Origin: `.
    pub fn location(&self) -> String {
        format!(
            "{}:{}:{}",
            self.file.path.display(),
            self.span.line,
            self.span.col
        )
    }
}

#[derive(Debug, Clone, thiserror::Error, Diagnostic)]
#[error("{text}")]
pub struct ParseError {
    /// The message alone (what ansible prints after `[ERROR]: `).
    pub message: String,
    /// The message plus ansible's `Origin:` line.
    text: String,
    pub exit: Exit,
    pub location: Option<String>,
    #[source_code]
    src: Option<Arc<NamedSource<String>>>,
    #[label("here")]
    span: Option<SourceSpan>,
}

impl ParseError {
    /// A parser error (exit 4) without a position.
    pub fn parser(message: impl Into<String>) -> ParseError {
        ParseError::plain(Exit::PARSE_ERROR, message)
    }

    /// A generic error (exit 1) without a position.
    pub fn general(message: impl Into<String>) -> ParseError {
        ParseError::plain(Exit::Error, message)
    }

    pub fn plain(exit: Exit, message: impl Into<String>) -> ParseError {
        let message = message.into();
        ParseError {
            text: message.clone(),
            message,
            exit,
            location: None,
            src: None,
            span: None,
        }
    }

    /// An error about the data at `origin`.
    pub fn at(exit: Exit, message: impl Into<String>, origin: &Origin) -> ParseError {
        let message = message.into();
        let location = origin.location();
        let named = NamedSource::new(
            origin.file.path.display().to_string(),
            origin.file.text.clone(),
        );
        let start = origin.span.start.min(origin.file.text.len());
        ParseError {
            text: format!("{message}\nOrigin: {location}"),
            message,
            exit,
            location: Some(location),
            src: Some(Arc::new(named)),
            span: Some(SourceSpan::from((start, origin.span.len.max(1)))),
        }
    }

    /// `Origin: path:line:col` and the annotated source lines, as ansible
    /// prints them under the message (`None` without a position).
    pub fn ansible_context(&self) -> Option<String> {
        let (src, location) = (self.src.as_ref()?, self.location.as_ref()?);
        let mut parts = location.rsplitn(3, ':');
        let col: usize = parts.next()?.parse().ok()?;
        let line: usize = parts.next()?.parse().ok()?;
        let path = Path::new(src.name());
        Some(crate::playbook::yaml::Source::new(src.inner(), path).context(line, col))
    }

    pub fn parser_at(message: impl Into<String>, origin: &Origin) -> ParseError {
        ParseError::at(Exit::PARSE_ERROR, message, origin)
    }

    pub fn general_at(message: impl Into<String>, origin: &Origin) -> ParseError {
        ParseError::at(Exit::Error, message, origin)
    }

    pub fn yaml(e: YamlError) -> ParseError {
        ParseError::plain(Exit::PARSE_ERROR, e.ansible_report())
    }

    /// ansible's message for a file that cannot be read.
    pub fn unreadable(path: &Path, err: &std::io::Error) -> ParseError {
        let errno = err.raw_os_error().unwrap_or(0);
        let reason = match err.kind() {
            std::io::ErrorKind::NotFound => "No such file or directory".to_string(),
            std::io::ErrorKind::PermissionDenied => "Permission denied".to_string(),
            _ => err.to_string(),
        };
        ParseError::general(format!(
            "Unable to retrieve file contents.\nCould not find or access '{p}' on the Ansible Controller.\n\
             If you are using a module and expect the file to exist on the remote, see the remote_src option: \
             [Errno {errno}] {reason}: '{p}'",
            p = path.display()
        ))
    }
}

impl From<ParseError> for Fatal {
    fn from(e: ParseError) -> Fatal {
        let exit = e.exit;
        Fatal::new(exit, e)
    }
}

pub type Result<T> = std::result::Result<T, ParseError>;
