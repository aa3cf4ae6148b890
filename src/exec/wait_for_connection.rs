//! The `wait_for_connection` action: ansible's controller-side plugin.
//! After `delay` seconds it resets the connection and runs `ping` until a
//! ping answers or `timeout` seconds have passed, `sleep` seconds apart;
//! each attempt connects with `connect_timeout`.

use super::execute::{Outcome, TaskRun};
use super::report::{TaskError, failed_result_report};
use crate::value::{Map, Value};
use minijinja::value::Value as Jv;
use std::time::{Duration, Instant};

/// The plugin's settings, with its defaults.
struct Settings {
    connect_timeout: i64,
    delay: i64,
    sleep: i64,
    timeout: i64,
}

impl Settings {
    /// Each setting as Python's `int()` reads it; the first that is not a
    /// number is ansible's ValueError.
    fn from_args(args: &Map) -> Result<Settings, String> {
        let int = |name: &str, default: i64| match args.get(name) {
            None => Ok(default),
            Some(value) => super::strategy::python_int(value),
        };
        Ok(Settings {
            connect_timeout: int("connect_timeout", 5)?,
            delay: int("delay", 0)?,
            sleep: int("sleep", 1)?,
            timeout: int("timeout", 600)?,
        })
    }
}

impl TaskRun<'_> {
    pub(super) fn wait_for_connection_action(&self, args: Map, context: &Jv) -> Outcome {
        let origin = &self.task.origin;
        let settings = match Settings::from_args(&args) {
            Ok(settings) => settings,
            Err(msg) => return Outcome::from_error(&TaskError::new(msg), origin),
        };
        if self.check_mode(context) {
            let mut result = Map::new();
            result.insert("skipped".into(), Value::Bool(true));
            return Outcome::plain(result);
        }
        if let Some(msg) = super::actions::invalid_arguments(&self.task.action, &args) {
            return super::package::action_failure(&msg, origin);
        }
        let started = Instant::now();
        let mut result = Map::new();
        if settings.delay > 0 && !self.sleep_within_deadline(seconds(settings.delay)) {
            return Outcome::plain(super::reboot::deadline_result());
        }
        match self.ping_until_answered(&settings, context) {
            Ok(()) => {}
            Err(Waited::TaskTimedOut(timed_out)) => return Outcome::plain(timed_out),
            Err(Waited::GaveUp(error)) => {
                result.insert("failed".into(), Value::Bool(true));
                result.insert(
                    "msg".into(),
                    Value::str(format!("timed out waiting for ping module test: {error}")),
                );
            }
        }
        // A timedelta's `.seconds`: whole seconds, days left out.
        let elapsed = started.elapsed().as_secs() % 86_400;
        result.insert(
            "elapsed".into(),
            Value::Int(i64::try_from(elapsed).unwrap_or(0)),
        );
        let error = result.get("failed").is_some_and(Value::is_truthy).then(|| {
            let msg = result.get("msg").map(Value::python_str).unwrap_or_default();
            failed_result_report("Action", &msg, origin)
        });
        Outcome { result, error }
    }

    /// ansible's `do_until_success_or_timeout` around its ping test: each
    /// attempt forgets the interpreter first, so it connects anew.
    fn ping_until_answered(&self, settings: &Settings, context: &Jv) -> Result<(), Waited> {
        let give_up_at = Instant::now() + seconds(settings.timeout);
        let mut error = String::new();
        while Instant::now() < give_up_at {
            let mut request = self.module_request("ansible.legacy.ping", Map::new(), context);
            request.check_mode = false;
            self.shared.modules.reset_connection(&request);
            let timeout = Value::Int(settings.connect_timeout);
            for name in ["ansible_timeout", "ansible_ssh_timeout"] {
                request.connection.insert(name.into(), timeout.clone());
            }
            let reply = self.shared.modules.run(request);
            if reply.contains_key(super::TIMED_OUT) {
                return Err(Waited::TaskTimedOut(reply));
            }
            match ping_error(&reply) {
                None => return Ok(()),
                Some(e) => error = e,
            }
            if !self.sleep_within_deadline(seconds(settings.sleep)) {
                return Err(Waited::TaskTimedOut(super::reboot::deadline_result()));
            }
        }
        Err(Waited::GaveUp(error))
    }
}

/// Why the wait ended without an answer.
enum Waited {
    /// The plugin's own `timeout` passed: the last attempt's error.
    GaveUp(String),
    /// The task's `timeout` keyword cut the wait off.
    TaskTimedOut(Map),
}

/// What the ping test raised, if it did: the connection's error, or the
/// KeyError of a reply without `ping`, or its own "ping test failed".
fn ping_error(reply: &Map) -> Option<String> {
    let flag = |key: &str| reply.get(key).is_some_and(Value::is_truthy);
    let msg = || reply.get("msg").map(Value::python_str).unwrap_or_default();
    if flag("unreachable") {
        return Some(msg());
    }
    match reply.get("ping") {
        Some(pong) if pong.as_str() == Some("pong") => None,
        Some(_) => Some("ping test failed".to_string()),
        None if flag("failed") => Some(msg()),
        None => Some("'ping'".to_string()),
    }
}

fn seconds(n: i64) -> Duration {
    Duration::from_secs(u64::try_from(n).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(pairs: &[(&str, Value)]) -> Map {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    #[test]
    fn a_pong_ends_the_wait_and_anything_else_is_the_attempts_error() {
        assert_eq!(ping_error(&reply(&[("ping", Value::str("pong"))])), None);
        assert_eq!(
            ping_error(&reply(&[
                ("unreachable", Value::Bool(true)),
                ("msg", Value::str("refused"))
            ])),
            Some("refused".to_string())
        );
        assert_eq!(
            ping_error(&reply(&[("ping", Value::str("x"))])),
            Some("ping test failed".to_string())
        );
        assert_eq!(ping_error(&Map::new()), Some("'ping'".to_string()));
    }

    #[test]
    fn settings_have_ansibles_defaults_and_int_conversion() {
        let settings = Settings::from_args(&reply(&[("timeout", Value::str("30"))])).unwrap();
        assert_eq!(
            (
                settings.connect_timeout,
                settings.delay,
                settings.sleep,
                settings.timeout
            ),
            (5, 0, 1, 30)
        );
        assert_eq!(
            Settings::from_args(&reply(&[("sleep", Value::str("soon"))])).err(),
            Some("invalid literal for int() with base 10: 'soon'".to_string())
        );
    }
}
