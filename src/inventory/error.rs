//! The error an inventory source parser returns. The manager turns it into
//! ansible's "Failed to parse ... with 'X' plugin" warning, or a fatal
//! diagnostic when unparsed sources are configured to fail.

/// A failure to read one inventory source, with the position when known.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct SourceError {
    pub message: String,
    /// 1-based line and column in the source file.
    pub line: Option<usize>,
    pub col: Option<usize>,
    /// The errors that caused this one, outermost first (each a level of
    /// ansible's "<<< caused by >>>" report).
    pub causes: Vec<String>,
}

impl SourceError {
    pub fn new(message: impl Into<String>) -> Self {
        SourceError {
            message: message.into(),
            line: None,
            col: None,
            causes: Vec::new(),
        }
    }

    /// This error, caused by `cause`.
    pub fn caused_by(mut self, cause: impl Into<String>) -> Self {
        self.causes.push(cause.into());
        self
    }

    pub fn at(message: impl Into<String>, line: usize, col: usize) -> Self {
        SourceError {
            message: message.into(),
            line: Some(line),
            col: Some(col),
            causes: Vec::new(),
        }
    }
}
