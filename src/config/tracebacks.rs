//! DISPLAY_TRACEBACK: the events whose tracebacks are collected (error,
//! warning, deprecated, deprecated_value), as ansible's
//! `_is_controller_traceback_enabled` reads the setting. Process-wide, set
//! once the configuration is read: modules receive the list as
//! `_ansible_tracebacks_for`, and a failed result keeps its traceback in
//! `exception` only when errors are among them.

use std::sync::Mutex;

static ENABLED: Mutex<Vec<&'static str>> = Mutex::new(Vec::new());

const EVENTS: [&str; 4] = ["error", "warning", "deprecated", "deprecated_value"];

/// Record the events the setting's values enable.
pub fn set(values: &[String]) {
    let has = |name: &str| values.iter().any(|v| v == name);
    let enabled: Vec<&'static str> = if has("always") {
        EVENTS.to_vec()
    } else if has("never") {
        Vec::new()
    } else {
        EVENTS
            .into_iter()
            .filter(|event| has(event) || (*event == "deprecated" && has("deprecated_value")))
            .collect()
    };
    if let Ok(mut current) = ENABLED.lock() {
        *current = enabled;
    }
}

/// The enabled events, in ansible's order.
pub fn enabled() -> Vec<&'static str> {
    ENABLED.lock().map(|e| e.clone()).unwrap_or_default()
}

/// Whether failures keep their tracebacks.
pub fn for_errors() -> bool {
    enabled().contains(&"error")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_enable_events_as_ansible_reads_them() {
        let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        set(&strings(&["error", "never"]));
        assert!(enabled().is_empty());
        set(&strings(&["deprecated_value"]));
        assert_eq!(enabled(), ["deprecated", "deprecated_value"]);
        set(&strings(&["never", "always"]));
        assert_eq!(enabled(), EVENTS);
        set(&strings(&["error"]));
        assert!(for_errors());
        set(&[]);
        assert!(!for_errors());
    }
}
