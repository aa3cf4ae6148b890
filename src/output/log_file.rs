//! ansible's `log_path` (DEFAULT_LOG_PATH, ANSIBLE_LOG_PATH): what the run
//! displays, also appended to a file, one record per message in the format
//! of ansible's logger (`2026-11-26 06:31:23,133 p=PID u=USER n=ansible
//! INFO| text`). Set up once, after the configuration is read; until then
//! (and without `log_path`) nothing is logged.

use std::io::Write;
use std::path::Path;
use std::sync::{Mutex, OnceLock};

/// A record's level, as ansible's Display picks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Warning,
    Error,
}

impl Level {
    fn name(self) -> &'static str {
        match self {
            Level::Info => "INFO",
            Level::Warning => "WARNING",
            Level::Error => "ERROR",
        }
    }
}

struct LogFile {
    file: std::fs::File,
    user: String,
}

static LOG: OnceLock<Mutex<LogFile>> = OnceLock::new();

/// Start logging to `path` (once per process). ansible's checks: the file
/// must be writable or creatable, and not a directory; otherwise the
/// warning it prints, and no log.
pub fn open(path: &Path) {
    let shown = path.display();
    if path.is_dir() {
        eprintln_safe(&format!(
            "[WARNING]: DEFAULT_LOG_PATH can not be a directory '{shown}', aborting"
        ));
        return;
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path);
    match file {
        Ok(file) => {
            let _ = LOG.set(Mutex::new(LogFile {
                file,
                user: user_name(),
            }));
        }
        Err(_) => eprintln_safe(&format!(
            "[WARNING]: log file at '{shown}' is not writeable and we cannot create it, aborting\n"
        )),
    }
}

/// Append one record (a no-op without `log_path`). Leading newlines are
/// dropped, as ansible's `_log` does (banners start with one).
pub fn record(text: &str, level: Level) {
    let Some(log) = LOG.get() else { return };
    let Ok(mut log) = log.lock() else { return };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let stamp = crate::templating::filters::core::local_time_text(now, "%Y-%m-%d %H:%M:%S");
    let line = format!(
        "{stamp},{:03} p={} u={} n=ansible {}| {}\n",
        now.subsec_millis(),
        std::process::id(),
        log.user,
        level.name(),
        super::crlf_to_lf(text).trim_start_matches('\n')
    );
    let _ = log.file.write_all(line.as_bytes());
}

/// `getpass.getuser()`: LOGNAME, USER, LNAME or USERNAME, else the
/// password database's name for the uid (`uid=N` when it has none).
fn user_name() -> String {
    for var in ["LOGNAME", "USER", "LNAME", "USERNAME"] {
        if let Ok(name) = std::env::var(var)
            && !name.is_empty()
        {
            return name;
        }
    }
    let uid = current_uid();
    std::fs::read_to_string("/etc/passwd")
        .ok()
        .and_then(|passwd| {
            passwd.lines().find_map(|line| {
                let mut fields = line.split(':');
                let name = fields.next()?;
                (fields.nth(1)? == uid.to_string()).then(|| name.to_string())
            })
        })
        .unwrap_or_else(|| format!("uid={uid}"))
}

fn current_uid() -> u32 {
    use std::os::unix::fs::MetadataExt;
    // /proc/self belongs to the process's own user.
    std::fs::metadata("/proc/self")
        .map(|m| m.uid())
        .unwrap_or(0)
}

fn eprintln_safe(text: &str) {
    let _ = writeln!(std::io::stderr(), "{text}");
}
