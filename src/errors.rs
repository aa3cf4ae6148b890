//! Process exit codes, as ansible-core 2.19 actually returns them (measured,
//! not as documented: an unreachable host gives 4, not 3).

use std::process::ExitCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Ok,
    /// Generic error (e.g. a missing playbook file).
    Error,
    /// One or more hosts failed.
    HostFailed,
    /// One or more hosts were unreachable; also YAML/parse errors.
    Unreachable,
    /// Bad or unsupported command-line options, invalid configuration.
    BadOptions,
    /// Interrupted by the user (Ctrl-C).
    Interrupted,
    /// Unexpected internal error.
    Unexpected,
}

impl Exit {
    pub const PARSE_ERROR: Exit = Exit::Unreachable;

    pub fn code(self) -> u8 {
        match self {
            Exit::Ok => 0,
            Exit::Error => 1,
            Exit::HostFailed => 2,
            Exit::Unreachable => 4,
            Exit::BadOptions => 5,
            Exit::Interrupted => 99,
            Exit::Unexpected => 250,
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e.code())
    }
}

/// An error that ends the run: what to print and which exit code to use.
#[derive(Debug)]
pub struct Fatal {
    pub exit: Exit,
    /// `None` when the message was already printed (e.g. clap's usage errors).
    pub report: Option<miette::Report>,
}

impl Fatal {
    pub fn new(exit: Exit, report: impl Into<miette::Report>) -> Fatal {
        Fatal {
            exit,
            report: Some(report.into()),
        }
    }

    pub fn msg(exit: Exit, message: impl std::fmt::Display) -> Fatal {
        Fatal {
            exit,
            report: Some(miette::miette!("{message}")),
        }
    }

    pub fn silent(exit: Exit) -> Fatal {
        Fatal { exit, report: None }
    }

    /// A flag or feature that is parsed but not implemented yet: never
    /// silently ignored.
    pub fn unsupported(what: impl std::fmt::Display) -> Fatal {
        Fatal::msg(
            Exit::BadOptions,
            format!("{what} is not supported yet by mitorun"),
        )
    }
}
