//! The live progress line: on a terminal, a task that has run for more
//! than two seconds gets one line under its output saying so (its name,
//! how long it has run, how many hosts have reported), redrawn in place
//! and erased before anything else is printed. Off when stdout is not a
//! terminal (CI logs and pipes see exactly ansible's output) and with
//! `MITORUN_PROGRESS=0`.

use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// How long a task runs before the line appears.
const SHOW_AFTER: Duration = Duration::from_secs(2);
/// How often the line is redrawn.
const TICK: Duration = Duration::from_millis(250);
/// Erase the current terminal line.
const ERASE_LINE: &str = "\r\x1b[K";

/// The task being watched.
struct Watched {
    label: String,
    started: Instant,
    hosts_done: usize,
}

static WATCHED: Mutex<Option<Watched>> = Mutex::new(None);
/// The line is on the screen (and must be erased before other output).
static SHOWN: AtomicBool = AtomicBool::new(false);
static STARTED: AtomicBool = AtomicBool::new(false);

/// Start redrawing the line, once per process, if stdout is a terminal.
pub fn enable(columns: usize) {
    let wanted = std::io::stdout().is_terminal()
        && std::env::var("MITORUN_PROGRESS").map_or(true, |v| v != "0");
    if !wanted || STARTED.swap(true, Ordering::SeqCst) {
        return;
    }
    let spawned = std::thread::Builder::new()
        .name("progress".into())
        .spawn(move || {
            loop {
                std::thread::sleep(TICK);
                redraw(columns);
            }
        });
    if spawned.is_err() {
        STARTED.store(false, Ordering::SeqCst);
    }
}

/// A task began: watch it instead of the previous one.
pub fn task_started(label: &str) {
    if !STARTED.load(Ordering::Relaxed) {
        return;
    }
    if let Ok(mut watched) = WATCHED.lock() {
        *watched = Some(Watched {
            label: label.to_string(),
            started: Instant::now(),
            hosts_done: 0,
        });
    }
}

/// A host reported a result for the watched task.
pub fn host_done() {
    if !STARTED.load(Ordering::Relaxed) {
        return;
    }
    if let Ok(mut watched) = WATCHED.lock()
        && let Some(w) = watched.as_mut()
    {
        w.hosts_done += 1;
    }
}

/// Nothing is running any more (the recap): the line goes away for good.
pub fn stop() {
    if let Ok(mut watched) = WATCHED.lock() {
        *watched = None;
    }
    erase(&mut std::io::stdout().lock());
}

/// Erase the line if it is shown; every writer of stdout or stderr calls
/// this first (holding stdout's lock, so the ticker cannot redraw between).
pub fn erase(out: &mut (impl Write + ?Sized)) {
    if SHOWN.swap(false, Ordering::SeqCst) {
        let _ = out.write_all(ERASE_LINE.as_bytes());
        let _ = out.flush();
    }
}

fn redraw(columns: usize) {
    let text = match WATCHED.lock() {
        Ok(watched) => match watched.as_ref() {
            Some(w) if w.started.elapsed() >= SHOW_AFTER => {
                progress_text(&w.label, w.started.elapsed(), w.hosts_done, columns)
            }
            _ => return,
        },
        Err(_) => return,
    };
    let mut out = std::io::stdout().lock();
    let _ = write!(out, "{ERASE_LINE}{text}");
    let _ = out.flush();
    SHOWN.store(true, Ordering::SeqCst);
}

/// The line's text, cut to fit `columns`.
pub fn progress_text(label: &str, elapsed: Duration, hosts_done: usize, columns: usize) -> String {
    let hosts = match hosts_done {
        1 => "1 host done".to_string(),
        n => format!("{n} hosts done"),
    };
    let line = format!("… {label}: running for {}s, {hosts}", elapsed.as_secs());
    line.chars().take(columns.max(10)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_names_the_task_its_time_and_hosts_done() {
        assert_eq!(
            progress_text("TASK [wait]", Duration::from_millis(12_400), 3, 79),
            "… TASK [wait]: running for 12s, 3 hosts done"
        );
        assert_eq!(
            progress_text("TASK [w]", Duration::from_secs(2), 1, 79),
            "… TASK [w]: running for 2s, 1 host done"
        );
        assert_eq!(
            progress_text("TASK [a long name]", Duration::from_secs(5), 0, 12)
                .chars()
                .count(),
            12
        );
    }
}
