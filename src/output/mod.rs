//! What a run prints: ansible's stdout callbacks byte for byte (`default.rs`
//! with the minimal, oneline and json styles), the enabled callbacks
//! (junit, tree, profile_tasks, timer), which of them a run uses
//! (`select.rs`), and the per-host counters of the PLAY RECAP (`Stats`).

pub mod custom_stats;
pub mod default;
pub mod deprecation;
pub mod diff;
pub mod json;
pub mod junit;
pub mod log_file;
pub mod profile_tasks;
pub mod progress;
pub mod python_callbacks;
pub mod result_format;
pub mod select;
pub mod timer;
pub mod tree;

/// An enabled callback that prints after the stdout callback.
pub enum TimingCallback {
    ProfileTasks(profile_tasks::ProfileTasks),
    Timer(timer::Timer),
}

use crate::value::{Map, Value};
use std::collections::BTreeMap;
use std::io::Write;

/// ansible's default colours (`COLOR_*` settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Color {
    /// COLOR_OK
    Green,
    /// COLOR_CHANGED
    Yellow,
    /// COLOR_SKIP, COLOR_INCLUDED
    Cyan,
    /// COLOR_ERROR
    Red,
    /// COLOR_UNREACHABLE
    BrightRed,
    /// COLOR_DEBUG
    DarkGray,
    /// COLOR_WARN
    BrightPurple,
    /// COLOR_VERBOSE
    Blue,
}

impl Color {
    fn code(self) -> &'static str {
        match self {
            Color::Green => "0;32",
            Color::Yellow => "0;33",
            Color::Cyan => "0;36",
            Color::Red => "0;31",
            Color::BrightRed => "1;31",
            Color::DarkGray => "1;30",
            Color::BrightPurple => "1;35",
            Color::Blue => "0;34",
        }
    }
}

/// ansible's `stringc`: every line wrapped in the colour's escape codes.
/// Text with every CRLF turned into LF.
pub fn crlf_to_lf(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains("\r\n") {
        std::borrow::Cow::Owned(text.replace("\r\n", "\n"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

pub fn stringc(text: &str, color: Color) -> String {
    text.split('\n')
        .map(|line| format!("\x1b[{}m{line}\x1b[0m", color.code()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Colours as ansible decides them: ANSIBLE_FORCE_COLOR forces them,
/// ANSIBLE_NOCOLOR or NO_COLOR turn them off, else only on a terminal.
pub fn colors_wanted() -> bool {
    use std::io::IsTerminal;
    let set = |name: &str| {
        std::env::var(name)
            .ok()
            .is_some_and(|v| crate::config::parse_bool_lenient(&v))
    };
    if set("ANSIBLE_FORCE_COLOR") {
        return true;
    }
    if set("ANSIBLE_NOCOLOR") || std::env::var_os("NO_COLOR").is_some() {
        return false;
    }
    std::io::stdout().is_terminal()
}

/// ansible's `Display`: stdout lines and `[WARNING]`s on stderr. Banners
/// are padded to the terminal width minus one, 79 when not a terminal.
pub struct Display {
    pub verbosity: u8,
    pub columns: usize,
    pub color: bool,
}

impl Display {
    pub fn new(verbosity: u8) -> Display {
        Display {
            verbosity,
            columns: 79,
            color: colors_wanted(),
        }
    }

    /// A line on stdout (a newline is always added; see `message`).
    pub fn display(&self, text: &str) {
        log_file::record(text, log_file::Level::Info);
        self.print(text);
    }

    fn print(&self, text: &str) {
        self.print_on(text, false);
    }

    /// A line on stdout, or on stderr (`display(..., stderr=True)`).
    fn print_on(&self, text: &str, stderr: bool) {
        // As ansible's Display: CRLF becomes LF (some CI logs render a CR
        // as one more line break).
        let text = crlf_to_lf(text);
        let write = |out: &mut dyn Write| {
            progress::erase(out);
            let _ = writeln!(out, "{text}");
            let _ = out.flush();
        };
        if stderr {
            // stdout's lock keeps the progress ticker from redrawing.
            let _stdout = std::io::stdout().lock();
            write(&mut std::io::stderr().lock());
        } else {
            write(&mut std::io::stdout().lock());
        }
    }

    /// [`Self::message`] in a colour, on stderr when `stderr` says so
    /// (ansible's DISPLAY_FAILED_STDERR for failures).
    pub fn message_on(&self, text: &str, color: Color, stderr: bool) {
        self.colored_on(text.strip_suffix('\n').unwrap_or(text), color, stderr);
    }

    /// A message as ansible's `Display.display` prints it: a newline the
    /// text already ends in is not doubled, and stays outside the colour
    /// (yaml results end in one).
    pub fn message(&self, text: &str, color: Option<Color>) {
        let text = text.strip_suffix('\n').unwrap_or(text);
        match color {
            Some(color) => self.colored(text, color),
            None => self.display(text),
        }
    }

    /// Printed, not recorded in the `log_path` file (ansible's
    /// `screen_only`).
    pub fn screen_only(&self, text: &str) {
        self.print(text);
    }

    /// Recorded in the `log_path` file, not printed (`log_only`).
    pub fn log_only(&self, text: &str) {
        log_file::record(text, log_file::Level::Info);
    }

    /// An `[ERROR]:` report on stdout, in red, recorded as an error. The
    /// record ends in the blank line ansible's message has.
    pub fn error(&self, text: &str) {
        self.error_on(text, false);
    }

    /// [`Self::error`] on stderr when `stderr` says so.
    pub fn error_on(&self, text: &str, stderr: bool) {
        log_file::record(&format!("{text}\n"), log_file::Level::Error);
        if self.color {
            self.print_on(&stringc(text, Color::Red), stderr);
        } else {
            self.print_on(text, stderr);
        }
    }

    pub fn colored(&self, text: &str, color: Color) {
        self.colored_on(text, color, false);
    }

    fn colored_on(&self, text: &str, color: Color, stderr: bool) {
        log_file::record(text, log_file::Level::Info);
        if self.color {
            self.print_on(&stringc(text, color), stderr);
        } else {
            self.print_on(text, stderr);
        }
    }

    pub fn banner(&self, msg: &str) {
        let msg = msg.trim();
        let stars = self.columns.saturating_sub(msg.chars().count()).max(3);
        self.display(&format!("\n{msg} {}", "*".repeat(stars)));
    }

    pub fn warning(&self, msg: &str) {
        crate::cli::display::warning(msg);
    }

    /// `Display.debug`: shown only with ANSIBLE_DEBUG, prefixed with the
    /// pid and the time as ansible does.
    pub fn debug(&self, msg: &str) {
        let on = std::env::var("ANSIBLE_DEBUG")
            .ok()
            .and_then(|v| Value::str(v.as_str()).ansible_bool())
            .unwrap_or(false);
        if on {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs_f64())
                .unwrap_or(0.0);
            self.display(&format!("{:6} {now:.5}: {msg}", std::process::id()));
        }
    }
}

/// Per-host counters (`AggregateStats`).
#[derive(Debug, Default, Clone)]
pub struct HostStats {
    pub ok: u64,
    pub changed: u64,
    pub unreachable: u64,
    pub failures: u64,
    pub skipped: u64,
    pub rescued: u64,
    pub ignored: u64,
}

impl HostStats {
    /// Add another run's counters (hosts counted in separate walks).
    pub fn add(&mut self, other: &HostStats) {
        self.ok += other.ok;
        self.changed += other.changed;
        self.unreachable += other.unreachable;
        self.failures += other.failures;
        self.skipped += other.skipped;
        self.rescued += other.rescued;
        self.ignored += other.ignored;
    }
}

#[derive(Debug, Default)]
pub struct Stats {
    /// By host name; sorted like Python sorts the names.
    pub hosts: BTreeMap<String, HostStats>,
    /// `set_stats` data by host, the run-wide ones under `_run`.
    pub custom: Map,
}

impl Stats {
    pub fn host(&mut self, name: &str) -> &mut HostStats {
        self.hosts.entry(name.to_string()).or_default()
    }
}

/// ansible's `strip_internal_keys`: every `_ansible_*` key, at any depth.
pub fn strip_internal_keys(result: &Map) -> Map {
    result
        .iter()
        .filter(|(k, _)| !k.starts_with("_ansible_"))
        .map(|(k, v)| (k.clone(), strip_value(v)))
        .collect()
}

fn strip_value(value: &Value) -> Value {
    match value {
        Value::Map(m) => Value::Map(strip_internal_keys(m)),
        Value::List(items) => Value::List(items.iter().map(strip_value).collect()),
        other => other.clone(),
    }
}

/// Internal keys callbacks still need (`CLEAN_EXCEPTIONS`).
const CALLBACK_KEYS: &[&str] = &[
    "_ansible_verbose_always",
    "_ansible_item_label",
    "_ansible_no_log",
    "_ansible_verbose_override",
    "_ansible_delegated_vars",
];

/// Keys a `no_log` result keeps (`_PRESERVE`).
const NO_LOG_KEYS: &[&str] = &[
    "attempts",
    "changed",
    "retries",
    "_ansible_no_log",
    "exception",
    "warnings",
    "deprecations",
    "_ansible_delegated_vars",
];

pub const CENSORED: &str =
    "the output has been hidden due to the fact that 'no_log: true' was specified for this result";

fn censor(result: &Map) -> Map {
    let mut out: Map = NO_LOG_KEYS
        .iter()
        .filter_map(|k| result.get(*k).map(|v| (k.to_string(), v.clone())))
        .collect();
    out.insert("censored".into(), Value::str(CENSORED));
    out
}

fn strip_except_callback_keys(value: &Value) -> Value {
    match value {
        Value::Map(m) => Value::Map(
            m.iter()
                .filter(|(k, _)| !k.starts_with("_ansible_") || CALLBACK_KEYS.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), strip_except_callback_keys(v)))
                .collect(),
        ),
        Value::List(items) => Value::List(items.iter().map(strip_except_callback_keys).collect()),
        other => other.clone(),
    }
}

/// What a callback sees of a task result (`as_callback_task_result`): no
/// `failed`/`skipped` (the event says it), internal keys stripped, and
/// everything but a few keys hidden under `no_log`.
pub fn callback_view(result: &Map, is_debug: bool, no_log: bool) -> Map {
    if no_log || matches!(result.get("_ansible_no_log"), Some(Value::Bool(true))) {
        let mut censored = censor(result);
        if let Some(Value::List(items)) = result.get("results") {
            let items = items
                .iter()
                .map(|item| match item {
                    Value::Map(m)
                        if matches!(m.get("_ansible_no_log"), Some(Value::Bool(true))) =>
                    {
                        Value::Map(censor(m))
                    }
                    other => other.clone(),
                })
                .collect();
            censored.insert("results".into(), Value::List(items));
        }
        return censored;
    }
    let kept: Map = result
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "failed" | "skipped"))
        .filter(|(k, _)| !(is_debug && k.as_str() == "invocation"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    match strip_except_callback_keys(&Value::Map(kept)) {
        Value::Map(m) => m,
        _ => Map::new(),
    }
}
