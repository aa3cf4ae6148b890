//! Errors of the transport: why a host is unreachable, why a call failed,
//! why connection variables are unusable. Messages are worded for the
//! UNREACHABLE / FAILED lines the executor prints.

use std::fmt;

/// The cause of an unreachable host, as the output and tests distinguish.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnreachableKind {
    Auth,
    HostKey,
    Refused,
    Timeout,
    NoPython,
    PythonTooOld,
    /// become (sudo/su/doas) failed: wrong or missing password, no rights.
    /// ansible reports this as a task failure, not UNREACHABLE.
    Become,
    /// The configured (not discovered) interpreter does not exist on the
    /// target. ansible, which runs modules through the shell, reports a
    /// task failure ("The module interpreter '...' was not found.").
    InterpreterNotFound,
    /// The connection or the interpreter went away after it was up.
    Disconnected,
    /// Anything else (resolution failure, a become failure while
    /// connecting, a protocol error ...).
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreachable {
    pub kind: UnreachableKind,
    pub msg: String,
    /// What the target said, when the message quotes it (a failed start's
    /// stderr).
    pub stderr: String,
}

impl Unreachable {
    pub fn new(kind: UnreachableKind, msg: impl Into<String>) -> Unreachable {
        Unreachable {
            kind,
            msg: msg.into(),
            stderr: String::new(),
        }
    }

    /// The same failure with what the target wrote to stderr.
    pub fn with_stderr(mut self, stderr: impl Into<String>) -> Unreachable {
        self.stderr = stderr.into();
        self
    }

    /// A missing interpreter that was configured explicitly (`argv`), in
    /// ansible's words; anything else as it is.
    pub fn for_configured_interpreter(self, argv: &[String]) -> Unreachable {
        if self.kind != UnreachableKind::NoPython {
            return self;
        }
        Unreachable {
            kind: UnreachableKind::InterpreterNotFound,
            msg: format!("The module interpreter '{}' was not found.", argv.join(" ")),
            stderr: self.stderr,
        }
    }
}

impl fmt::Display for Unreachable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.msg)
    }
}

impl std::error::Error for Unreachable {}

/// A call that did not produce a module result.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CallError {
    /// The context (or the whole connection) is gone: the executor reports
    /// the host UNREACHABLE.
    #[error("{0}")]
    Unreachable(Unreachable),
    /// The call failed on the target (bad arguments, an I/O error, a
    /// module that printed no JSON ...): the task fails.
    #[error("{msg}")]
    Failed {
        msg: String,
        /// What the module or command wrote, when there was something.
        stdout: String,
        stderr: String,
        rc: Option<i64>,
    },
    /// The module could not be found or prepared on the controller.
    #[error("{0}")]
    Module(String),
}

impl CallError {
    pub fn failed(msg: impl Into<String>) -> CallError {
        CallError::Failed {
            msg: msg.into(),
            stdout: String::new(),
            stderr: String::new(),
            rc: None,
        }
    }
}

impl From<Unreachable> for CallError {
    fn from(u: Unreachable) -> CallError {
        CallError::Unreachable(u)
    }
}

/// Connection variables that cannot describe a connection.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SpecError(pub String);

/// Classify why a transport command ended before the agent said hello,
/// from its stderr and exit status (ssh, sudo, a shell without python).
pub fn classify_boot_failure(stderr: &str, status: Option<i32>, what: &str) -> Unreachable {
    let text = stderr.trim();
    let lower = text.to_ascii_lowercase();
    let kind = if lower.contains("remote host identification has changed")
        || lower.contains("host key verification failed")
        || lower.contains("host key for") && lower.contains("has changed")
    {
        UnreachableKind::HostKey
    } else if lower.contains("permission denied (")
        || lower.contains("too many authentication failures")
    {
        UnreachableKind::Auth
    } else if lower.contains("connection refused") {
        UnreachableKind::Refused
    } else if lower.contains("timed out") || lower.contains("timeout") {
        UnreachableKind::Timeout
    } else if lower.contains("mitorun-py-old") {
        UnreachableKind::PythonTooOld
    } else if status == Some(127)
        || lower.contains("not found")
        || lower.contains("no such file or directory")
    {
        UnreachableKind::NoPython
    } else {
        UnreachableKind::Other
    };
    let detail = match kind {
        UnreachableKind::NoPython => format!("no usable Python interpreter on the target: {text}"),
        UnreachableKind::HostKey => format!("host key verification failed: {text}"),
        UnreachableKind::Auth => format!("authentication failed: {text}"),
        _ if text.is_empty() => format!(
            "{what} exited with status {} before the agent started",
            status.map_or("?".to_string(), |s| s.to_string())
        ),
        _ => text.to_string(),
    };
    Unreachable::new(
        kind,
        format!("Failed to connect to the host via {what}: {detail}"),
    )
    .with_stderr(stderr)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_ssh_messages() {
        let c = |s: &str, st| classify_boot_failure(s, st, "ssh").kind;
        assert_eq!(
            c("deploy@h: Permission denied (publickey).", Some(255)),
            UnreachableKind::Auth
        );
        assert_eq!(
            c(
                "ssh: connect to host 127.0.0.1 port 1: Connection refused",
                Some(255)
            ),
            UnreachableKind::Refused
        );
        assert_eq!(
            c(
                "@@@ WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED! @@@",
                Some(255)
            ),
            UnreachableKind::HostKey
        );
        assert_eq!(
            c("Host key verification failed.", Some(255)),
            UnreachableKind::HostKey
        );
        assert_eq!(
            c(
                "ssh: connect to host 10.0.0.1 port 22: Connection timed out",
                Some(255)
            ),
            UnreachableKind::Timeout
        );
        assert_eq!(
            c("sh: 1: /nope/python: not found", Some(127)),
            UnreachableKind::NoPython
        );
        assert_eq!(c("", Some(1)), UnreachableKind::Other);
    }
}
