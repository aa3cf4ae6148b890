//! The reboot action (ansible's `reboot` action plugin), run on the
//! controller: it reads the target's distribution (a `setup` run with
//! `gather_subset: min`) and boot identity, runs the reboot command, then
//! forgets the pooled interpreter — the target's agent dies with it — and
//! polls over new connections, each bootstrapping a new agent, until the
//! boot identity changed and the test command succeeds, with ansible's
//! backoff, timeouts, messages and result keys.
//!
//! Commands run as ansible's `_low_level_execute_command` runs them: one
//! shell line, under become when the task has it (the native `raw`). A
//! connection lost while the reboot command runs is the target going
//! down under it, so it counts as success.

use super::execute::{Outcome, TaskRun};
use super::reboot_args::{self as rargs, ArgError, Distribution, ShutdownProgram};
use super::report::{TaskError, failed_result_report};
use super::{ModuleRequest, TIMED_OUT};
use crate::value::{Map, Value};
use minijinja::value::Value as Jv;
use std::time::{Duration, Instant, SystemTime};

/// How the action ends before it has a result of its own.
enum Stop {
    /// AnsibleActionFail: the message is the result's `msg` as it is.
    ActionFail(String),
    /// An error raised out of the action: "Task failed: MSG".
    Raised(String),
    /// The same, raised while ansible handled another error: its report
    /// shows the task level and the message as its cause.
    RaisedWhileHandling(String),
    /// A result that stands as it is: the target unreachable while a
    /// module ran, or the task's `timeout` ran out.
    Result(Map),
}

impl From<ArgError> for Stop {
    fn from(e: ArgError) -> Stop {
        match e {
            ArgError::Plain(msg) => Stop::Raised(msg),
            ArgError::WhileHandling(msg) => Stop::RaisedWhileHandling(msg),
        }
    }
}

/// What a shell command on the target gave.
enum Ran {
    Exited {
        rc: i64,
        stdout: String,
        stderr: String,
    },
    /// The connection failed or was lost (ansible's
    /// AnsibleConnectionFailure).
    ConnectionLost(String),
    /// The task's `timeout` ran out during the call (the runner's result).
    TimedOut(Map),
    /// Anything else that went wrong; ansible raises it.
    Failed(String),
}

/// Why one step of the wait failed.
enum Failure {
    /// Raised by the step; `connection` when the connection failed
    /// (ansible resets it then).
    Error { msg: String, connection: bool },
    /// The task's `timeout` ran out: the action ends.
    Deadline(Map),
}

/// How waiting for a step ended without success.
enum WaitEnd {
    /// `reboot_timeout` passed: ansible's TimedOutException message.
    TimedOut(String),
    Deadline(Map),
}

/// One run of the action on one host.
struct Reboot<'r, 'a> {
    run: &'r TaskRun<'a>,
    args: &'r Map,
    context: &'r Jv,
    /// The task's action as written (ansible's `self._task.action`).
    action: &'r str,
}

impl TaskRun<'_> {
    /// The reboot action; `async_requested` when the task has `async`
    /// (refused, but only after the local-connection and check-mode
    /// answers, as ansible orders them).
    pub(super) fn reboot_action(&self, args: Map, context: &Jv, async_requested: bool) -> Outcome {
        if args.contains_key("_raw_params") {
            let e = TaskError::new("Action 'ansible.builtin.reboot' does not support raw params.");
            return Outcome::from_error(&e, &self.task.origin);
        }
        let reboot = Reboot {
            run: self,
            args: &args,
            context,
            action: &self.task.action,
        };
        let origin = &self.task.origin;
        match reboot.run(async_requested) {
            Ok(result) => {
                let error = result.get("failed").is_some_and(Value::is_truthy).then(|| {
                    let msg = result.get("msg").map(Value::python_str).unwrap_or_default();
                    failed_result_report("Action", &msg, origin)
                });
                Outcome { result, error }
            }
            Err(Stop::ActionFail(msg)) => super::package::action_failure(&msg, origin),
            // A raised error's text is stripped, as ansible shows it.
            Err(Stop::Raised(msg)) => Outcome::from_error(&TaskError::new(msg.trim()), origin),
            Err(Stop::RaisedWhileHandling(msg)) => raised_while_handling(msg.trim(), origin),
            Err(Stop::Result(result)) => Outcome::plain(result),
        }
    }
}

impl Reboot<'_, '_> {
    fn run(&self, async_requested: bool) -> Result<Map, Stop> {
        // The task's own request: its connection and its check mode.
        let probe = self
            .run
            .module_request("ansible.builtin.raw", Map::new(), self.context);
        if is_local(&probe) {
            let mut result = Map::new();
            result.insert("changed".into(), Value::Bool(false));
            result.insert("elapsed".into(), Value::Int(0));
            result.insert("rebooted".into(), Value::Bool(false));
            result.insert("failed".into(), Value::Bool(true));
            result.insert(
                "msg".into(),
                Value::str(format!(
                    "Running {} with local connection would reboot the control node.",
                    self.action
                )),
            );
            return Ok(result);
        }
        if probe.check_mode {
            let mut result = Map::new();
            result.insert("changed".into(), Value::Bool(true));
            result.insert("elapsed".into(), Value::Int(0));
            result.insert("rebooted".into(), Value::Bool(true));
            return Ok(result);
        }
        if async_requested {
            return Err(Stop::ActionFail(format!(
                "This action ({}) does not support async.",
                self.action
            )));
        }
        let invalid = rargs::invalid_options(self.args);
        if !invalid.is_empty() {
            return Err(Stop::ActionFail(format!(
                "Invalid options for {}: {}",
                self.action,
                invalid.join(",")
            )));
        }
        let system = self.distribution()?;
        let previous = match self.boot_time(&system, None) {
            Ok(previous) => previous,
            Err(Failure::Deadline(result)) => return Err(Stop::Result(result)),
            Err(Failure::Error { msg, .. }) => {
                let mut result = Map::new();
                result.insert("failed".into(), Value::Bool(true));
                // ansible's key (not `rebooted`) for this failure.
                result.insert("reboot".into(), Value::Bool(false));
                result.insert("msg".into(), Value::str(msg));
                return Ok(result);
            }
        };
        let started = match self.perform_reboot(&system)? {
            Ok(started) => started,
            Err(failed) => return Ok(failed),
        };
        let post_delay =
            rargs::delay_argument(self.args, "post_reboot_delay").map_err(Stop::Raised)?;
        if post_delay != 0 {
            self.vvv(&format!(
                "{}: waiting an additional {post_delay} seconds",
                self.action
            ));
            if !self
                .run
                .sleep_within_deadline(Duration::from_secs(post_delay.unsigned_abs()))
            {
                return Err(Stop::Result(deadline_result()));
            }
        }
        let mut result = self.validate_reboot(&system, &previous)?;
        result.insert("elapsed".into(), Value::Int(whole_seconds_since(started)));
        Ok(result)
    }

    /// A module request for this task's host with the task's connection;
    /// the commands of this action must run even under `--check`.
    fn request(&self, action: &str, args: Map) -> ModuleRequest {
        let mut request = self.run.module_request(action, args, self.context);
        request.check_mode = false;
        request
    }

    /// Run `command` as ansible's low-level command execution would: a
    /// shell line (no module environment), become as the task says. With
    /// `connect_timeout`, new connections wait that long.
    fn shell(&self, command: &str, connect_timeout: Option<&Value>) -> Ran {
        let mut args = Map::new();
        args.insert("_raw_params".into(), Value::str(command));
        let mut request = self.request("ansible.builtin.raw", args);
        request.environment = Map::new();
        if let Some(timeout) = connect_timeout {
            let seconds = Value::str(timeout.python_str());
            for name in ["ansible_timeout", "ansible_ssh_timeout"] {
                request.connection.insert(name.into(), seconds.clone());
            }
        }
        let result = self.run.shared.modules.run(request);
        ran_from(result)
    }

    /// Forget the target's interpreter: the next command connects anew.
    fn reset_connection(&self) {
        let request = self.request("ansible.builtin.raw", Map::new());
        self.run.shared.modules.reset_connection(&request);
    }

    /// A line shown from `-vvv` on, as ansible's `display.vvv`.
    fn vvv(&self, text: &str) {
        if self.run.shared.verbosity >= 3
            && let Ok(cb) = self.run.shared.callback.lock()
        {
            cb.display.colored(text, crate::output::Color::Blue);
        }
    }

    /// The target's system, from a `setup` run limited to `min`.
    fn distribution(&self) -> Result<Distribution, Stop> {
        let mut args = Map::new();
        args.insert("gather_subset".into(), Value::str("min"));
        let output = self
            .run
            .shared
            .modules
            .run(self.request("ansible.legacy.setup", args));
        if output.get("unreachable").is_some_and(Value::is_truthy) || output.contains_key(TIMED_OUT)
        {
            return Err(Stop::Result(output));
        }
        if output.get("failed").is_some_and(Value::is_truthy) {
            // ansible reads the module's raw output; a failure reported
            // as a result has none, which ansible reports as a missing key.
            let text = |key: &str| output.get(key).map(|v| v.python_str().trim().to_string());
            return match (text("module_stdout"), text("module_stderr")) {
                (Some(stdout), Some(stderr)) => Err(Stop::Raised(format!(
                    "Failed to determine system distribution. {stdout}, {stderr}"
                ))),
                (None, _) => Err(missing_fact("module_stdout")),
                (_, None) => Err(missing_fact("module_stderr")),
            };
        }
        let facts = output
            .get("ansible_facts")
            .and_then(Value::as_map)
            .ok_or_else(|| missing_fact("ansible_facts"))?;
        Distribution::from_facts(facts).map_err(missing_fact)
    }

    /// The boot identity the boot time command prints, trimmed.
    fn boot_time(
        &self,
        system: &Distribution,
        connect_timeout: Option<&Value>,
    ) -> Result<String, Failure> {
        let command =
            rargs::boot_time_command(self.args, system).map_err(|msg| Failure::Error {
                msg,
                connection: false,
            })?;
        match self.shell(&command, connect_timeout) {
            Ran::Exited { rc: 0, stdout, .. } => Ok(stdout.trim().to_string()),
            // An error's text is stripped as a whole when ansible shows it.
            Ran::Exited { rc, stdout, stderr } => Err(Failure::Error {
                msg: format!(
                    "{}: failed to get host boot time info, rc: {rc}, stdout: {stdout}, stderr: {stderr}",
                    self.action
                )
                .trim()
                .to_string(),
                connection: false,
            }),
            Ran::ConnectionLost(msg) => Err(Failure::Error {
                msg,
                connection: true,
            }),
            Ran::Failed(msg) => Err(Failure::Error {
                msg,
                connection: false,
            }),
            Ran::TimedOut(result) => Err(Failure::Deadline(result)),
        }
    }

    /// The reboot command; `Ok(Ok(start))` once it ran (or the target went
    /// away under it), `Ok(Err(result))` when it failed.
    fn perform_reboot(&self, system: &Distribution) -> Result<Result<Instant, Map>, Stop> {
        let program = match rargs::shutdown_program(self.args, system)? {
            ShutdownProgram::Path(path) => path,
            ShutdownProgram::Search { name, paths } => self.find_program(&name, paths)?,
        };
        let arguments = rargs::shutdown_arguments(self.args, system)?;
        let command = format!("{program} {arguments}");
        self.vvv(&format!("{}: rebooting server...", self.action));
        let ran = self.shell(&command, None);
        let started = Instant::now();
        let started_at = SystemTime::now();
        match ran {
            Ran::Exited { rc: 0, .. } | Ran::ConnectionLost(_) => {}
            Ran::Exited { stdout, stderr, .. } => {
                let mut result = Map::new();
                result.insert("start".into(), Value::str(rargs::utc_isoformat(started_at)));
                result.insert("failed".into(), Value::Bool(true));
                result.insert("rebooted".into(), Value::Bool(false));
                result.insert(
                    "msg".into(),
                    Value::str(format!(
                        "Reboot command failed. Error was: '{}, {}'",
                        stdout.trim(),
                        stderr.trim()
                    )),
                );
                result.insert("elapsed".into(), Value::Int(whole_seconds_since(started)));
                return Ok(Err(result));
            }
            Ran::TimedOut(result) => return Err(Stop::Result(result)),
            Ran::Failed(msg) => return Err(Stop::Raised(msg)),
        }
        Ok(Ok(started))
    }

    /// The shutdown program's path from the `find` module, as ansible
    /// looks it up.
    fn find_program(&self, name: &str, paths: Vec<Value>) -> Result<String, Stop> {
        let mut args = Map::new();
        args.insert("paths".into(), Value::List(paths.clone()));
        args.insert("patterns".into(), Value::List(vec![Value::str(name)]));
        args.insert("file_type".into(), Value::str("any"));
        let found = self
            .run
            .shared
            .modules
            .run(self.request("ansible.legacy.find", args));
        if found.get("unreachable").is_some_and(Value::is_truthy) || found.contains_key(TIMED_OUT) {
            return Err(Stop::Result(found));
        }
        let Some(files) = found.get("files").and_then(Value::as_list) else {
            // ansible indexes the result by `files` (a KeyError's text).
            return Err(Stop::Raised("'files'".into()));
        };
        let first = files
            .iter()
            .filter_map(Value::as_map)
            .find_map(|file| file.get("path").map(Value::python_str));
        first.ok_or_else(|| {
            Stop::Raised(format!(
                "Unable to find command \"{name}\" in search paths: {}",
                Value::List(paths).python_repr()
            ))
        })
    }

    /// Wait for the new boot identity, then for the test command: the
    /// result of a reboot that happened (or timed out waiting).
    fn validate_reboot(&self, system: &Distribution, previous: &str) -> Result<Map, Stop> {
        self.vvv(&format!("{}: validating reboot", self.action));
        let timeout = rargs::reboot_timeout(self.args).map_err(Stop::Raised)?;
        let connect_timeout = rargs::connect_timeout(self.args);
        let waited = self
            .until_success("last boot time check", timeout, || {
                self.vvv(&format!(
                    "{}: attempting to get system boot time",
                    self.action
                ));
                // Every try starts from a new connection and a new agent:
                // the one that ran the reboot command, or one an earlier
                // try made while the target was still going down, may
                // hang instead of failing. (ansible resets before each
                // try when given connect_timeout, to apply it.)
                self.reset_connection();
                let current = self.boot_time(system, connect_timeout)?;
                // An empty answer is no answer (FreeBSD gives one just
                // before it goes down).
                if current.is_empty() || current == previous {
                    return Err(Failure::Error {
                        msg: "boot time has not changed".into(),
                        connection: false,
                    });
                }
                Ok(())
            })
            .and_then(|()| {
                self.until_success("post-reboot test command", timeout, || {
                    self.test_command(system, connect_timeout)
                })
            });
        let mut result = Map::new();
        match waited {
            Ok(()) => {
                result.insert("rebooted".into(), Value::Bool(true));
                result.insert("changed".into(), Value::Bool(true));
            }
            Err(WaitEnd::TimedOut(msg)) => {
                result.insert("failed".into(), Value::Bool(true));
                result.insert("rebooted".into(), Value::Bool(true));
                result.insert("msg".into(), Value::str(msg));
            }
            Err(WaitEnd::Deadline(result)) => return Err(Stop::Result(result)),
        }
        Ok(result)
    }

    fn test_command(
        &self,
        system: &Distribution,
        connect_timeout: Option<&Value>,
    ) -> Result<(), Failure> {
        let command = rargs::test_command(self.args, system);
        self.vvv(&format!(
            "{}: attempting post-reboot test command",
            self.action
        ));
        match self.shell(&command, connect_timeout) {
            Ran::Exited { rc: 0, .. } => {
                self.vvv(&format!("{}: system successfully rebooted", self.action));
                Ok(())
            }
            Ran::Exited { stdout, stderr, .. } => Err(Failure::Error {
                msg: format!("Test command failed: {stderr} {stdout}"),
                connection: false,
            }),
            // Another reboot may have taken the connection: start over.
            Ran::ConnectionLost(msg) => {
                self.reset_connection();
                Err(Failure::Error {
                    msg,
                    connection: true,
                })
            }
            Ran::Failed(msg) => {
                self.reset_connection();
                Err(Failure::Error {
                    msg,
                    connection: false,
                })
            }
            Ran::TimedOut(result) => Err(Failure::Deadline(result)),
        }
    }

    /// Try `step` until it succeeds or `timeout` seconds have passed, with
    /// ansible's backoff: 2^n seconds plus up to one second at random,
    /// never more than 12 (plus that second). A step that lost the
    /// connection drops the pooled interpreter before the next try.
    fn until_success(
        &self,
        description: &str,
        timeout: i64,
        mut step: impl FnMut() -> Result<(), Failure>,
    ) -> Result<(), WaitEnd> {
        let start = Instant::now();
        let span = Duration::from_secs(timeout.max(0).unsigned_abs());
        let mut failures: i32 = 0;
        let mut last_error = String::new();
        while start.elapsed() < span {
            let (msg, connection) = match step() {
                Ok(()) => return Ok(()),
                Err(Failure::Deadline(result)) => return Err(WaitEnd::Deadline(result)),
                Err(Failure::Error { msg, connection }) => (msg, connection),
            };
            if connection {
                self.reset_connection();
            }
            let jitter = f64::from(random_below(1000)) / 1000.0;
            let mut wait = 2f64.powi(failures.min(16)) + jitter;
            if wait > 12.0 {
                wait = 12.0 + jitter;
            }
            // The last line of the error (Python's IndexError text when
            // there is none).
            let line = msg
                .lines()
                .last()
                .unwrap_or("list index out of range")
                .to_string();
            last_error = format!("{}: {description} fail '{line}'", self.action);
            self.vvv(&format!("{last_error}, retrying in {wait:.4} seconds..."));
            failures = failures.saturating_add(1);
            if !self
                .run
                .sleep_within_deadline(Duration::from_secs_f64(wait))
            {
                return Err(WaitEnd::Deadline(deadline_result()));
            }
        }
        if !last_error.is_empty() {
            self.vvv(&format!(
                "Last error message before the timeout exception - {last_error}"
            ));
        }
        Err(WaitEnd::TimedOut(format!(
            "Timed out waiting for {description} (timeout={timeout})"
        )))
    }
}

/// The connection is ansible's `local` plugin (rebooting would reboot the
/// controller).
fn is_local(request: &ModuleRequest) -> bool {
    request
        .connection
        .get("ansible_connection")
        .map(Value::python_str)
        .is_some_and(|name| {
            matches!(
                name.as_str(),
                "local" | "ansible.builtin.local" | "ansible.legacy.local"
            )
        })
}

/// What a `raw` run's result says about the command.
fn ran_from(result: Map) -> Ran {
    if result.contains_key(TIMED_OUT) {
        return Ran::TimedOut(result);
    }
    let text = |key: &str| result.get(key).map(Value::python_str).unwrap_or_default();
    if result.get("unreachable").is_some_and(Value::is_truthy) {
        return Ran::ConnectionLost(text("msg"));
    }
    match result.get("rc") {
        Some(Value::Int(rc)) => Ran::Exited {
            rc: *rc,
            stdout: text("stdout"),
            stderr: text("stderr"),
        },
        _ => Ran::Failed(text("msg")),
    }
}

/// ansible's failure for a fact (or output key) missing from `setup`'s
/// answer, raised while it handled the KeyError.
fn missing_fact(name: &str) -> Stop {
    Stop::RaisedWhileHandling(format!(
        "Failed to get distribution information. Missing \"{name}\" in output."
    ))
}

/// The report of an error ansible raised while handling another one: the
/// task's level ("Task failed.") caused by the message, which has no
/// origin of its own.
fn raised_while_handling(msg: &str, origin: &crate::playbook::model::Origin) -> Outcome {
    let mut outcome = Outcome::from_error(&TaskError::new(msg), origin);
    outcome.error = Some(format!(
        "Task failed: {msg}\n\nTask failed.\n{}\n\n<<< caused by >>>\n\n{msg}",
        origin.context()
    ));
    outcome
}

/// The runner's mark of a call cut off by the task's `timeout`, for a
/// wait the action itself cut off.
pub(super) fn deadline_result() -> Map {
    let mut result = Map::new();
    result.insert("failed".into(), Value::Bool(true));
    result.insert("msg".into(), Value::str("the task's timeout ran out"));
    result.insert(TIMED_OUT.into(), Value::Bool(true));
    result
}

/// Whole seconds since `start`, as a timedelta's `.seconds` (whole days
/// are not counted there).
fn whole_seconds_since(start: Instant) -> i64 {
    i64::try_from(start.elapsed().as_secs() % 86_400).unwrap_or(0)
}

/// A random number below `bound` (the backoff's jitter); 0 when the
/// system has no randomness to give.
fn random_below(bound: u16) -> u16 {
    let mut bytes = [0u8; 2];
    if getrandom::fill(&mut bytes).is_err() {
        return 0;
    }
    u16::from_le_bytes(bytes) % bound.max(1)
}
