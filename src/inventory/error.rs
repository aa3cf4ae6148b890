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
}

impl SourceError {
    pub fn new(message: impl Into<String>) -> Self {
        SourceError {
            message: message.into(),
            line: None,
            col: None,
        }
    }

    pub fn at(message: impl Into<String>, line: usize, col: usize) -> Self {
        SourceError {
            message: message.into(),
            line: Some(line),
            col: Some(col),
        }
    }
}
