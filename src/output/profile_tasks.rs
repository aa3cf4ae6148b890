//! ansible.posix's `profile_tasks` callback (`callbacks_enabled =
//! profile_tasks`): a time line after every task banner and, after the
//! recap, the tasks that took longest. Options: PROFILE_TASKS_OUTPUT_LIMIT
//! (a number or `all`), PROFILE_TASKS_SORT_ORDER, PROFILE_TASKS_SUMMARY_ONLY.

use super::Display;
use super::default::TaskInfo;
use std::time::{Duration, Instant, SystemTime};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortOrder {
    Descending,
    Ascending,
    /// In the order the tasks first ran.
    None,
}

struct TaskTime {
    uuid: usize,
    name: String,
    /// `file:line`, shown at -vv.
    path: Option<String>,
    started: Instant,
    elapsed: Duration,
}

pub struct ProfileTasks {
    sort_order: SortOrder,
    /// How many tasks the summary lists (`None`: all).
    output_limit: Option<usize>,
    summary_only: bool,
    /// The start of the run (`t0`) and of the previous time line (`tn`).
    run_started: Instant,
    last_line: Instant,
    tasks: Vec<TaskTime>,
    current: Option<usize>,
}

impl ProfileTasks {
    pub fn new(sort_order: SortOrder, output_limit: Option<usize>, summary_only: bool) -> Self {
        let now = Instant::now();
        ProfileTasks {
            sort_order,
            output_limit,
            summary_only,
            run_started: now,
            last_line: now,
            tasks: Vec::new(),
            current: None,
        }
    }

    /// The options as the plugin reads them; `None` for an output limit
    /// that is neither a number nor `all` (the plugin's `int()` fails).
    pub fn from_options(sort_order: &str, output_limit: &str, summary_only: bool) -> Option<Self> {
        let sort_order = match sort_order {
            "ascending" => SortOrder::Ascending,
            "none" => SortOrder::None,
            _ => SortOrder::Descending,
        };
        let output_limit = match output_limit.trim() {
            "all" => None,
            n => Some(n.parse::<usize>().ok()?),
        };
        Some(ProfileTasks::new(sort_order, output_limit, summary_only))
    }

    /// A task (or handler) starts: the time line, and the clock of the
    /// previous task stops.
    pub fn task_start(&mut self, task: &TaskInfo, display: &Display) {
        if !self.summary_only {
            display.display(&self.time_line());
        }
        self.stop_current();
        let now = Instant::now();
        self.current = Some(task.uuid);
        let path = (display.verbosity >= 2).then(|| task.path.clone());
        match self.tasks.iter_mut().find(|t| t.uuid == task.uuid) {
            // A task run again (another `serial` batch) adds to its time.
            Some(known) => {
                known.started = now;
                if path.is_some() {
                    known.path = path;
                }
            }
            None => self.tasks.push(TaskTime {
                uuid: task.uuid,
                name: task.name.clone(),
                path,
                started: now,
                elapsed: Duration::ZERO,
            }),
        }
    }

    fn stop_current(&mut self) {
        if let Some(uuid) = self.current
            && let Some(task) = self.tasks.iter_mut().find(|t| t.uuid == uuid)
        {
            task.elapsed += task.started.elapsed();
        }
    }

    pub fn stats(&mut self, display: &Display) {
        display.banner("TASKS RECAP");
        display.display(&self.time_line());
        display.display(&filled("", '='));
        self.stop_current();
        self.current = None;
        let mut order: Vec<&TaskTime> = self.tasks.iter().collect();
        match self.sort_order {
            // Python's sort is stable, as Rust's.
            SortOrder::Descending => order.sort_by_key(|t| std::cmp::Reverse(t.elapsed)),
            SortOrder::Ascending => order.sort_by_key(|t| t.elapsed),
            SortOrder::None => {}
        }
        let shown = self.output_limit.unwrap_or(order.len());
        for task in order.into_iter().take(shown) {
            display.display(&summary_line(task, display.columns));
        }
    }

    /// `Weekday DD Month YYYY  HH:MM:SS +ZZZZ (since the last line)
    /// since the start ****`, as the plugin's `tasktime`.
    fn time_line(&mut self) -> String {
        let now = Instant::now();
        let since_epoch = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default();
        let date = crate::templating::filters::core::local_time_text(
            since_epoch,
            "%A %d %B %Y  %H:%M:%S %z",
        );
        let line = format!(
            "{date} ({}){}{}",
            clock(now - self.last_line),
            " ".repeat(7),
            clock(now - self.run_started)
        );
        self.last_line = now;
        filled(&line, '*')
    }
}

/// `H:MM:SS.mmm`, the plugin's `secondsToStr`.
fn clock(elapsed: Duration) -> String {
    let millis = elapsed.as_millis();
    format!(
        "{}:{:02}:{:02}.{:03}",
        millis / 3_600_000,
        (millis / 60_000) % 60,
        (millis / 1000) % 60,
        millis % 1000
    )
}

/// The plugin's `filled`: the text, a space and `fill` up to 79 columns
/// (at least 3), and a trailing space.
fn filled(msg: &str, fill: char) -> String {
    let (msg, width) = if msg.is_empty() {
        (String::new(), 79)
    } else {
        let msg = format!("{msg} ");
        let width = 79usize.saturating_sub(msg.chars().count());
        (msg, width)
    };
    let fill: String = std::iter::repeat_n(fill, width.max(3)).collect();
    format!("{msg}{fill} ")
}

/// `name ------ 0.12s`: the name padded with dashes to the width less 9,
/// then the time right-aligned in 9 columns (and the path line at -vv).
fn summary_line(task: &TaskTime, columns: usize) -> String {
    let name = format!("{} ", task.name);
    let time = format!(" {:.2}s", task.elapsed.as_secs_f64());
    let mut line = format!(
        "{}{}",
        pad_right(&name, columns.saturating_sub(9)),
        pad_left(&time, 9)
    );
    if let Some(path) = &task.path {
        line.push('\n');
        line.push_str(&pad_right(&format!("{path} "), columns));
    }
    line
}

fn pad_right(text: &str, width: usize) -> String {
    let len = text.chars().count();
    format!("{text}{}", "-".repeat(width.saturating_sub(len)))
}

fn pad_left(text: &str, width: usize) -> String {
    let len = text.chars().count();
    format!("{}{text}", "-".repeat(width.saturating_sub(len)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_is_hours_minutes_seconds_and_milliseconds() {
        assert_eq!(clock(Duration::from_millis(3_723_045)), "1:02:03.045");
        assert_eq!(clock(Duration::from_millis(5)), "0:00:00.005");
    }

    #[test]
    fn filled_pads_to_79_columns_and_a_space() {
        assert_eq!(filled("", '='), format!("{} ", "=".repeat(79)));
        let line = filled("abc", '*');
        assert_eq!(line, format!("abc {} ", "*".repeat(75)));
        assert_eq!(
            filled(&"x".repeat(90), '*'),
            format!("{} *** ", "x".repeat(90))
        );
    }

    #[test]
    fn summary_lines_align_the_time_in_the_last_nine_columns() {
        let task = TaskTime {
            uuid: 1,
            name: "slow".into(),
            path: Some("/p.yml:3".into()),
            started: Instant::now(),
            elapsed: Duration::from_millis(1234),
        };
        let text = summary_line(&task, 79);
        let (first, second) = text.split_once('\n').expect("two lines");
        assert_eq!(first, format!("slow {}--- 1.23s", "-".repeat(65)));
        assert_eq!(first.len(), 79);
        assert_eq!(second, format!("/p.yml:3 {}", "-".repeat(70)));
    }

    #[test]
    fn the_summary_is_sorted_and_limited_as_configured() {
        let bad = ProfileTasks::from_options("descending", "many", false);
        assert!(bad.is_none());
        let all = ProfileTasks::from_options("none", "all", true).expect("valid");
        assert_eq!(all.output_limit, None);
        assert_eq!(all.sort_order, SortOrder::None);
    }
}
