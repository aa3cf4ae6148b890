//! The `async`, `poll` and `timeout` task keywords and the `async_status`
//! action: ansible's `TaskExecutor._poll_async_result`, the action layer's
//! `wrap_async`, the task timeout alarm and the async_status action plugin.
//!
//! A task with `async: N` starts its module as a background job on the
//! target (the agent forks it, `transport/agent/jobs.py`); the result is
//! the job's start (`ansible_job_id`, `results_file`, `started`). With
//! `poll: M > 0` the executor then runs async_status every M seconds until
//! the job is done or N seconds of polling are used up, and the job's
//! result becomes the task's. `timeout: T` abandons the action (and kills
//! its remote process) after T seconds.

use super::actions;
use super::execute::{Outcome, TaskRun};
use super::report::TaskError;
use crate::output::default::AsyncEvent;
use crate::playbook::model::Origin;
use crate::value::{Map, Value};
use minijinja::value::Value as Jv;

/// The keywords that bound how a task's action runs, templated.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ActionLimits {
    /// `async`: seconds the background job may run (0: not async).
    pub async_val: i64,
    /// `poll`: seconds between status checks (0 or less: do not wait).
    pub poll: i64,
    /// `timeout`: seconds the action may take (0: no limit).
    pub timeout: i64,
}

/// What running an action gave: a result that goes on through retries
/// and `failed_when`, or an error that ends the task at once (ansible
/// raises those out of its attempt loop).
pub enum ActionRun {
    Done(Outcome),
    Aborted(Outcome),
}

/// The largest `timeout` ansible accepts (BSD's alarm limit).
const MAX_TIMEOUT: i64 = 100_000_000;
/// The `timedout.frame` text of a task timeout when tracebacks are off.
const TIMEOUT_FRAME: &str = "Configure `DISPLAY_TRACEBACK` to see a traceback on timeout errors.";
/// The shell plugin's `async_dir` when nothing sets it.
pub const DEFAULT_ASYNC_DIR: &str = "~/.ansible_async";

impl TaskRun<'_> {
    /// `async`, `poll` and `timeout` for this run (loop variables
    /// included), or ansible's "Error processing keyword" failure.
    pub(super) fn action_limits(&self, context: &Jv) -> Result<ActionLimits, TaskError> {
        let async_val = self.int_keyword("async_val", false, 0, context)?;
        let poll = self.int_keyword("poll", false, self.shared.poll_interval, context)?;
        let timeout = self.int_keyword("timeout", true, self.shared.task_timeout, context)?;
        if !(0..=MAX_TIMEOUT).contains(&timeout) {
            return Err(TaskError::new(format!(
                "Timeout {timeout} is invalid, it must be between 0 and {MAX_TIMEOUT}."
            )));
        }
        // The environment is post-validated with the other keywords; the
        // module requests use it (quietly) later.
        if let Err(e) = self.task_environment(context, true) {
            return Err(self.environment_error(e));
        }
        Ok(ActionLimits {
            async_val,
            poll,
            timeout,
        })
    }

    /// ansible's error for an `environment` entry that failed to template:
    /// the keyword's level shows the whole (inherited) list, as it has no
    /// origin of its own; the cause points at the task's keyword.
    fn environment_error(&self, message: String) -> TaskError {
        let chain = Value::List(self.scope.environment_chain(Some(self.task)));
        let listing = Origin::new(
            &std::sync::Arc::new(crate::playbook::model::SourceFile {
                path: "<unknown>".into(),
                text: chain.python_repr(),
            }),
            crate::playbook::yaml::Span::default(),
        );
        let written_at = self
            .task
            .keywords
            .get("environment")
            .map(|a| Origin::new(&self.task.origin.file, a.span));
        let stage = "Error processing keyword 'environment'";
        self.pointing_at_failed_variable(TaskError::in_stage(
            stage,
            Some(listing),
            message,
            written_at,
        ))
    }

    /// An `int` keyword (`isa='int'`): templated, then converted as
    /// ansible's FieldAttribute does (integral decimals only). `async` is
    /// the alias of `async_val`; only `timeout` is inherited from blocks.
    fn int_keyword(
        &self,
        name: &str,
        inherited: bool,
        default: i64,
        context: &Jv,
    ) -> Result<i64, TaskError> {
        let written = if name == "async_val" {
            ["async", "async_val"]
                .into_iter()
                .find(|k| self.task.keyword(k).is_some())
        } else {
            Some(name)
        };
        let Some(written) = written else {
            return Ok(default);
        };
        let raw = if inherited {
            self.scope.keyword(self.task, written)
        } else {
            self.task.keyword(written)
        };
        let Some(raw) = raw.filter(|v| !matches!(v, Value::Null)) else {
            return Ok(default);
        };
        let origin = self
            .task
            .keywords
            .get(written)
            .map(|a| Origin::new(&self.task.origin.file, a.span));
        let stage = format!("Error processing keyword '{name}'");
        let value = self
            .template_value(raw, context)
            .map_err(|e| TaskError::in_stage(&stage, origin.clone(), e, origin.clone()))?;
        python_int(&value).ok_or_else(|| {
            TaskError::in_stage(
                &stage,
                origin.clone(),
                format!(
                    "The value {} could not be converted to 'int'.",
                    value.python_repr()
                ),
                origin,
            )
        })
    }

    /// The action under `limits`: refused when it cannot run async, cut
    /// off at the timeout, polled to the end when `poll` says so.
    pub(super) fn run_limited(
        &self,
        action: &str,
        args: Map,
        context: &Jv,
        limits: &ActionLimits,
    ) -> ActionRun {
        if limits.async_val > 0 && !supports_async(action) {
            return ActionRun::Aborted(self.action_failure(format!(
                "This action ({}) does not support async.",
                self.task.action
            )));
        }
        if actions::short_name(action) == "fetch"
            && let Some(skipped) = self.fetch_check_mode_skip(context)
        {
            return ActionRun::Aborted(skipped);
        }
        if actions::short_name(action) == "uri"
            && let Some(skipped) = self.uri_check_mode_skip(context)
        {
            return ActionRun::Aborted(skipped);
        }
        if limits.timeout > 0 {
            let period = std::time::Duration::from_secs(limits.timeout.unsigned_abs());
            self.set_deadline(Some(std::time::Instant::now() + period));
        }
        let run = if actions::short_name(action) == "async_status" {
            self.async_status_action(args, context)
        } else {
            let job_limit = (limits.async_val > 0).then(|| limits.async_val.unsigned_abs());
            ActionRun::Done(self.run_action(action, args, context, job_limit))
        };
        let deadline = self.deadline.get();
        self.set_deadline(None);
        let outcome = match run {
            ActionRun::Aborted(outcome) => return ActionRun::Aborted(outcome),
            ActionRun::Done(outcome) => outcome,
        };
        if outcome.result.contains_key(super::TIMED_OUT) {
            return ActionRun::Aborted(self.timed_out(limits.timeout, false));
        }
        // A controller action (pause) stops at the deadline by itself.
        if actions::is_controller_action(action)
            && deadline.is_some_and(|d| std::time::Instant::now() >= d)
        {
            return ActionRun::Aborted(self.timed_out(limits.timeout, true));
        }
        let started = limits.async_val > 0
            && limits.poll > 0
            && !outcome.flag("skipped")
            && !outcome.flag("failed");
        if !started {
            return ActionRun::Done(outcome);
        }
        let polled = self.poll_async_job(&outcome.result, limits, context);
        let (result, error) = match polled {
            Ok(result) => (result, None),
            // A failure of the executor's own making is the action's (not
            // a module's) in ansible's error report.
            Err(result) => {
                let msg = result.get("msg").map(Value::python_str).unwrap_or_default();
                let report = super::report::failed_result_report("Action", &msg, &self.task.origin);
                (result, Some(report))
            }
        };
        let event = if flag(&result, "failed") {
            AsyncEvent::Failed
        } else {
            AsyncEvent::Ok
        };
        let no_log = self.task_no_log(context).unwrap_or(true);
        self.shared.report_async(event, self.host, &result, no_log);
        ActionRun::Done(Outcome { result, error })
    }

    /// Where this task's jobs keep their status files: the shell option
    /// `async_dir` (`ansible_async_dir`, ANSIBLE_ASYNC_DIR, ansible.cfg),
    /// unexpanded.
    pub(super) fn async_dir(request: &super::ModuleRequest) -> String {
        request
            .connection
            .get("ansible_async_dir")
            .filter(|v| !matches!(v, Value::Null))
            .map(Value::python_str)
            .unwrap_or_else(|| DEFAULT_ASYNC_DIR.to_string())
    }

    /// `_poll_async_result`: async_status every `poll` seconds while
    /// `async` seconds last; the job's result (its status), or the
    /// executor's failure when there is none.
    fn poll_async_job(&self, start: &Map, limits: &ActionLimits, context: &Jv) -> Result<Map, Map> {
        let Some(jid) = start.get("ansible_job_id").cloned() else {
            return Err(failure("No job id was returned by the async task"));
        };
        let pause = std::time::Duration::from_secs(limits.poll.unsigned_abs());
        let mut time_left = limits.async_val;
        let mut status = Map::new();
        while time_left > 0 {
            std::thread::sleep(pause);
            status = self.async_status_result(&jid, "status", context);
            time_left -= limits.poll;
            // A lost connection is retried while time is left (ansible
            // resets the connection and polls again).
            if flag(&status, "unreachable") {
                if time_left <= 0 {
                    return Ok(status);
                }
                continue;
            }
            if flag(&status, "finished")
                || (flag(&status, "failed") && parsed(&status))
                || flag(&status, "skipped")
            {
                break;
            }
            let no_log = self.task_no_log(context).unwrap_or(true);
            self.shared
                .report_async(AsyncEvent::Poll, self.host, &status, no_log);
        }
        if !flag(&status, "finished") {
            let msg = if parsed(&status) {
                format!(
                    "async task did not complete within the requested time - {}s",
                    limits.async_val
                )
            } else {
                "async task produced unparsable results".to_string()
            };
            let mut result = failure(&msg);
            result.insert("async_result".into(), Value::Map(status));
            return Err(result);
        }
        // The status file of a finished job is removed, as ansible does.
        self.async_status_result(&jid, "cleanup", context);
        Ok(status)
    }

    /// The async_status action on a job, its result only.
    fn async_status_result(&self, jid: &Value, mode: &str, context: &Jv) -> Map {
        let mut args = Map::new();
        args.insert("jid".into(), jid.clone());
        args.insert("mode".into(), Value::str(mode));
        match self.async_status_action(args, context) {
            ActionRun::Done(outcome) | ActionRun::Aborted(outcome) => outcome.result,
        }
    }

    /// ansible's async_status action: checks its arguments, finds the
    /// async dir on the target, runs the module and completes its result
    /// (`started`/`finished` as booleans, empty output, the status file).
    fn async_status_action(&self, args: Map, context: &Jv) -> ActionRun {
        let unknown: Vec<&str> = args
            .keys()
            .map(String::as_str)
            .filter(|k| !matches!(*k, "jid" | "mode"))
            .collect();
        if !unknown.is_empty() {
            let mut unknown = unknown;
            unknown.sort_unstable();
            return ActionRun::Aborted(self.action_failure(format!(
                "Unsupported parameters for (async_status) module: {}. Supported parameters include: jid, mode.",
                unknown.join(", ")
            )));
        }
        let Some(jid) = args
            .get("jid")
            .filter(|v| !matches!(v, Value::Null))
            .map(Value::python_str)
        else {
            return ActionRun::Aborted(
                self.action_failure("missing required arguments: jid".to_string()),
            );
        };
        let mode = args
            .get("mode")
            .filter(|v| !matches!(v, Value::Null))
            .map(Value::python_str)
            .unwrap_or_else(|| "status".to_string());
        if mode != "status" && mode != "cleanup" {
            return ActionRun::Aborted(self.action_failure(format!(
                "value of mode must be one of: status, cleanup, got: {mode}"
            )));
        }
        let request = self.module_request("ansible.legacy.async_status", Map::new(), context);
        let dir = match self.remote_expand_user(&request, &Self::async_dir(&request)) {
            Ok(dir) => dir,
            Err(outcome) => return ActionRun::Aborted(outcome),
        };
        let log_path = crate::pypath::join(&[&dir, &jid]);
        let mut result = Map::new();
        result.insert("started".into(), Value::Bool(mode == "status"));
        result.insert("finished".into(), Value::Bool(false));
        for key in ["stdout", "stderr"] {
            result.insert(key.into(), Value::str(""));
            result.insert(format!("{key}_lines"), Value::List(Vec::new()));
        }
        result.insert("ansible_job_id".into(), Value::str(jid.as_str()));
        let path_key = if mode == "cleanup" {
            "erased"
        } else {
            "results_file"
        };
        result.insert(path_key.into(), Value::str(log_path));
        let mut module_args = Map::new();
        module_args.insert("jid".into(), Value::str(jid));
        module_args.insert("mode".into(), Value::str(mode));
        module_args.insert("_async_dir".into(), Value::str(dir));
        let mut request = request;
        request.args = module_args;
        let mut module_result = self.shared.modules.run(request);
        super::execute::add_output_lines(&mut module_result);
        for (key, value) in module_result {
            result.insert(key, value);
        }
        for key in ["started", "finished"] {
            let truth = result.get(key).is_some_and(Value::is_truthy);
            result.insert(key.into(), Value::Bool(truth));
        }
        ActionRun::Done(Outcome::plain(result))
    }

    /// ansible's `_remote_expand_user`: `~`/`~user` expanded on the
    /// request's target, refused when the home it gives climbs with `..`.
    pub(super) fn remote_expand_user(
        &self,
        request: &super::ModuleRequest,
        path: &str,
    ) -> Result<String, Outcome> {
        if !path.starts_with('~') {
            return Ok(path.to_string());
        }
        let expanded = self
            .shared
            .modules
            .expand_user(request, path)
            .map_err(Outcome::plain)?;
        if crate::pypath::dirname(&expanded)
            .split('/')
            .any(|p| p == "..")
        {
            let address = request
                .connection
                .get("ansible_host")
                .map(Value::python_str)
                .unwrap_or_else(|| request.host.clone());
            let error = TaskError::new(format!(
                "'{address}' returned an invalid relative home directory path containing '..'"
            ));
            return Err(Outcome::from_error(&error, &self.task.origin));
        }
        Ok(expanded)
    }

    /// An error an action plugin raises (`AnsibleActionFail`): its message
    /// is the result's `msg`, and `Task failed: msg` is printed.
    pub(super) fn action_failure(&self, msg: String) -> Outcome {
        let mut result = Map::new();
        result.insert("failed".into(), Value::Bool(true));
        result.insert("msg".into(), Value::str(msg.as_str()));
        result.insert("exception".into(), Value::str("(traceback unavailable)"));
        result.insert("changed".into(), Value::Bool(false));
        Outcome {
            result,
            error: Some(TaskError::new(msg).report(&self.task.origin)),
        }
    }

    /// The task's timeout ran out (ansible's `TaskTimeoutError`). Raised
    /// inside a controller action, ansible reports the timeout as the
    /// cause of "Task failed." rather than in one line.
    fn timed_out(&self, timeout: i64, in_controller_action: bool) -> Outcome {
        let message = format!("Timed out after {timeout} second(s).");
        let error = TaskError::new(message.as_str());
        let mut outcome = Outcome::from_error(&error, &self.task.origin);
        if in_controller_action {
            outcome.error = Some(format!(
                "Task failed: {message}\n\nTask failed.\n{}\n\n<<< caused by >>>\n\n{message}",
                self.task.origin.context()
            ));
        }
        let mut detail = Map::new();
        detail.insert("frame".into(), Value::str(TIMEOUT_FRAME));
        detail.insert("period".into(), Value::Int(timeout));
        outcome.result.insert("timedout".into(), Value::Map(detail));
        outcome.result.insert("changed".into(), Value::Bool(false));
        outcome
    }
}

/// Actions whose plugin runs a module the way async can wrap (ansible's
/// `_supports_async`): plain modules, command/shell, package managers,
/// service, uri. Controller actions, transfers (copy, template, fetch,
/// unarchive), raw, script, gather_facts and async_status itself refuse it.
fn supports_async(action: &str) -> bool {
    let short = actions::short_name(action);
    !(actions::is_controller_action(action)
        || matches!(
            short,
            "copy"
                | "template"
                | "fetch"
                | "unarchive"
                | "raw"
                | "script"
                | "gather_facts"
                | "async_status"
        ))
}

/// Python's `int()` of a keyword value as FieldAttribute(isa='int')
/// applies it: ints and bools, and decimals without a fraction.
pub(super) fn python_int(value: &Value) -> Option<i64> {
    match value {
        Value::Bool(b) => Some(i64::from(*b)),
        Value::Int(i) => Some(*i),
        Value::Float(f) if f.is_finite() && f.fract() == 0.0 => Some(*f as i64),
        Value::Str(s) | Value::Unsafe(s) => {
            let text = s.trim();
            if let Ok(i) = text.parse::<i64>() {
                return Some(i);
            }
            let decimal = text
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '.' | '+' | '-' | 'e' | 'E' | '_'));
            match text.parse::<f64>() {
                Ok(f) if decimal && f.is_finite() && f.fract() == 0.0 => Some(f as i64),
                _ => None,
            }
        }
        _ => None,
    }
}

fn flag(result: &Map, key: &str) -> bool {
    result.get(key).is_some_and(Value::is_truthy)
}

/// Whether the controller could read the status (`_ansible_parsed`).
fn parsed(result: &Map) -> bool {
    !matches!(result.get("_ansible_parsed"), Some(Value::Bool(false)))
}

fn failure(msg: &str) -> Map {
    let mut result = Map::new();
    result.insert("failed".into(), Value::Bool(true));
    result.insert("msg".into(), Value::str(msg));
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyword_ints_convert_as_ansible_does() {
        assert_eq!(python_int(&Value::Int(5)), Some(5));
        assert_eq!(python_int(&Value::Bool(true)), Some(1));
        assert_eq!(python_int(&Value::str(" 12 ")), Some(12));
        assert_eq!(python_int(&Value::str("2.0")), Some(2));
        assert_eq!(python_int(&Value::Float(3.0)), Some(3));
        assert_eq!(python_int(&Value::Float(1.5)), None);
        assert_eq!(python_int(&Value::str("1.5")), None);
        assert_eq!(python_int(&Value::str("abc")), None);
        assert_eq!(python_int(&Value::str("inf")), None);
        assert_eq!(python_int(&Value::List(Vec::new())), None);
    }

    #[test]
    fn async_is_refused_where_ansible_refuses_it() {
        assert!(supports_async("command"));
        assert!(supports_async("ansible.builtin.shell"));
        assert!(supports_async("community.general.thing"));
        for refused in [
            "debug",
            "ansible.builtin.copy",
            "template",
            "raw",
            "async_status",
        ] {
            assert!(!supports_async(refused), "{refused}");
        }
    }
}
