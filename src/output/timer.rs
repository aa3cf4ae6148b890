//! ansible.posix's `timer` callback (`callbacks_enabled = timer`): how
//! long the whole run took, after the recap.

use super::Display;
use std::time::Instant;

pub struct Timer {
    started: Instant,
}

impl Timer {
    /// Started when the callbacks are loaded, as the plugin's `__init__`.
    pub fn new() -> Timer {
        Timer {
            started: Instant::now(),
        }
    }

    pub fn stats(&self, display: &Display) {
        display.banner("PLAYBOOK RECAP");
        display.display(&run_took(self.started.elapsed().as_secs()));
    }
}

impl Default for Timer {
    fn default() -> Self {
        Timer::new()
    }
}

/// The plugin's line, with its trailing `\n\r` (Display then adds the
/// newline, as the text does not end with one).
fn run_took(seconds: u64) -> String {
    let days = seconds / 86_400;
    let rest = seconds % 86_400;
    format!(
        "Playbook run took {days} days, {} hours, {} minutes, {} seconds\n\r",
        rest / 3600,
        (rest / 60) % 60,
        rest % 60
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_run_time_is_split_into_days_hours_minutes_and_seconds() {
        assert_eq!(
            super::run_took(90_061),
            "Playbook run took 1 days, 1 hours, 1 minutes, 1 seconds\n\r"
        );
        assert_eq!(
            super::run_took(59),
            "Playbook run took 0 days, 0 hours, 0 minutes, 59 seconds\n\r"
        );
    }
}
