//! Messages to the user on stderr, in ansible's `[WARNING]: ...` /
//! `[ERROR]: ...` form, with a source snippet when the error knows its
//! file:line:col.

use crate::inventory::data::Notice;
use miette::{GraphicalReportHandler, GraphicalTheme};
use std::io::{IsTerminal, Write};

/// A line on stderr, after erasing the progress line (same terminal),
/// also recorded at `level` in the `log_path` file, where (as ansible's
/// messages end in a newline) a blank line follows it.
fn to_stderr(text: &str, level: crate::output::log_file::Level) {
    crate::output::log_file::record(&format!("{text}\n"), level);
    let out = std::io::stdout();
    let mut out = out.lock();
    crate::output::progress::erase(&mut out);
    // As on stdout, CRLF becomes LF (a lone CR stays).
    let _ = writeln!(std::io::stderr(), "{}", crate::output::crlf_to_lf(text));
}

static WARNINGS_SHOWN: std::sync::Mutex<Option<std::collections::HashSet<String>>> =
    std::sync::Mutex::new(None);

/// `[WARNING]: message` on stderr, once per run for each distinct text
/// (ansible's Display deduplicates warnings when it shows them, so one a
/// task result repeats is not shown twice).
pub fn warning(msg: &str) {
    // ansible ends a message of several lines (one with an origin or a
    // help text) with a blank line.
    let tail = if msg.contains('\n') && !msg.ends_with('\n') {
        "\n"
    } else {
        ""
    };
    let text = format!("[WARNING]: {msg}{tail}");
    if let Ok(mut shown) = WARNINGS_SHOWN.lock()
        && !shown
            .get_or_insert_with(Default::default)
            .insert(text.clone())
    {
        return;
    }
    to_stderr(&text, crate::output::log_file::Level::Warning);
}

/// `[ERROR]: message` on stderr (an error that does not stop the run).
pub fn error_text(msg: &str) {
    to_stderr(
        &format!("[ERROR]: {msg}"),
        crate::output::log_file::Level::Error,
    );
}

/// What ansible warns before the first deprecation it shows.
const DEPRECATION_HINT: &str =
    "Deprecation warnings can be disabled by setting `deprecation_warnings=False` in ansible.cfg.";

static DEPRECATIONS_OFF: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
static DEPRECATIONS_SHOWN: std::sync::Mutex<Option<std::collections::HashSet<String>>> =
    std::sync::Mutex::new(None);

/// DEPRECATION_WARNINGS: whether `deprecated` shows anything.
pub fn set_deprecation_warnings(on: bool) {
    DEPRECATIONS_OFF.store(!on, std::sync::atomic::Ordering::Relaxed);
}

/// ansible's `Display._deprecated` for a run's deprecations (tasks,
/// callbacks, filters, conditionals): unless DEPRECATION_WARNINGS is off,
/// the hint how to turn them off (once per run), then the message, each
/// distinct text once per run.
pub fn deprecated(text: &str) {
    show_deprecation(text, true);
}

/// An inventory's deprecation: every one is shown (ansible's, unlike
/// mitorun's, differ by their origin), after the hint, once per run.
fn inventory_deprecation(text: &str) {
    show_deprecation(text, false);
}

/// A deprecation unless DEPRECATION_WARNINGS is off, after the hint how to
/// turn them off (once per run); with `once`, a text already shown is not
/// shown again.
fn show_deprecation(text: &str, once: bool) {
    if DEPRECATIONS_OFF.load(std::sync::atomic::Ordering::Relaxed) {
        return;
    }
    let (hint, new) = {
        let Ok(mut shown) = DEPRECATIONS_SHOWN.lock() else {
            return;
        };
        let shown = shown.get_or_insert_with(Default::default);
        let hint = shown.insert(DEPRECATION_HINT.to_string());
        (hint, !once || shown.insert(text.to_string()))
    };
    if hint {
        warning(DEPRECATION_HINT);
    }
    if new {
        deprecation(text);
    }
}

/// `[DEPRECATION WARNING]: msg` as is (see `deprecated`); logged at INFO,
/// as ansible's Display logs deprecations.
pub fn deprecation(msg: &str) {
    to_stderr(
        &format!("[DEPRECATION WARNING]: {msg}"),
        crate::output::log_file::Level::Info,
    );
}

pub fn notices(notices: &[Notice]) {
    for n in notices {
        match n {
            Notice::Warning(m) => warning(m),
            Notice::Deprecation(m) => inventory_deprecation(m),
            Notice::Verbose(level, m) if verbosity() >= *level => println!("{m}"),
            Notice::Verbose(..) => {}
        }
    }
}

/// The run's `-v` count, for messages printed outside a callback.
static VERBOSITY: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(0);

pub fn set_verbosity(level: u8) {
    VERBOSITY.store(level, std::sync::atomic::Ordering::Relaxed);
}

pub fn verbosity() -> u8 {
    VERBOSITY.load(std::sync::atomic::Ordering::Relaxed)
}

/// `[ERROR]: message`, then the annotated source when the error has one.
pub fn error(report: &miette::Report) {
    let mut out = format!("[ERROR]: {report}\n");
    let has_source = report.source_code().is_some() && report.labels().is_some();
    if has_source || report.help().is_some() {
        let theme = if std::io::stderr().is_terminal() {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        let handler = GraphicalReportHandler::new_themed(theme);
        let mut rendered = String::new();
        if handler
            .render_report(&mut rendered, report.as_ref())
            .is_ok()
        {
            // The message is already on the [ERROR] line: keep the snippet
            // and help, drop the handler's own copy of the message.
            let snippet: Vec<&str> = rendered
                .lines()
                .skip_while(|l| !l.contains("╭─["))
                .collect();
            for line in snippet {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    crate::output::log_file::record(&out, crate::output::log_file::Level::Error);
    let _ = std::io::stderr().write_all(out.as_bytes());
}
