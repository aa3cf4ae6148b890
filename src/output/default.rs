//! ansible-core 2.19's `default` stdout callback, event by event, with the
//! same text so that logs and people's habits keep working.

use super::result_format::{Dumper, ResultFormat};
use super::{Color, Display, Stats, stringc, strip_internal_keys};
use crate::value::{Map, Value};

/// What the callback needs to know about a task.
#[derive(Debug, Clone)]
pub struct TaskInfo {
    /// Identity of the task in this run (banner de-duplication).
    pub uuid: usize,
    /// `TASK`, `RUNNING HANDLER`.
    pub prefix: &'static str,
    pub name: String,
    /// The task's own name (without its role), as retry lines show it.
    pub own_name: String,
    /// The action as ansible reports it (`debug`, `ansible.builtin.copy`).
    pub action: String,
    pub is_loop: bool,
    pub is_include: bool,
    pub delegate_to: Option<String>,
    /// `file:line` for `task path:` lines.
    pub path: String,
    /// The task's arguments as `k=v, k=v` (the junit test name).
    pub args_text: String,
    pub no_log: bool,
    /// The task's `check_mode` as written (inherited, else `--check`): the
    /// `[CHECK MODE]` banner marker.
    pub check_mode: bool,
}

const DEBUG_ACTIONS: &[&str] = &["debug", "ansible.builtin.debug", "ansible.legacy.debug"];
const DEBUG_ALLOWED_KEYS: &[&str] = &["msg", "exception", "warnings", "deprecations"];
const HIDE_IN_DEBUG: &[&str] = &[
    "changed",
    "failed",
    "skipped",
    "invocation",
    "skip_reason",
    "ansible_loop_var",
    "ansible_index_var",
    "ansible_loop",
];

/// Events of async jobs the default callback prints a line for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AsyncEvent {
    /// A poll found the job still running.
    Poll,
    /// The polled job finished and the task succeeded.
    Ok,
    /// The polled job failed or did not finish in time.
    Failed,
}

/// Which of ansible's stdout callbacks this is: `default` for playbooks,
/// `minimal` and `oneline` (`-o`) for ad hoc runs, or any of them and
/// `json` as DEFAULT_STDOUT_CALLBACK says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Default,
    Minimal,
    Oneline,
    /// Prints nothing until the end: the `json` field holds the run. Also
    /// the style under a Python stdout callback, which prints the run
    /// itself (`python_callbacks.rs`; `json` is None then).
    Json,
}

impl Style {
    pub fn of(callback: super::select::StdoutCallback) -> Style {
        use super::select::StdoutCallback;
        match callback {
            StdoutCallback::Default
            | StdoutCallback::CommunityYaml
            | StdoutCallback::PosixDebug => Style::Default,
            StdoutCallback::Minimal => Style::Minimal,
            StdoutCallback::Oneline => Style::Oneline,
            StdoutCallback::Json | StdoutCallback::Python => Style::Json,
        }
    }
}

/// Modules whose results `minimal`/`oneline` print as command output.
const NO_JSON_MODULES: &[&str] = &["command", "win_command", "shell", "win_shell", "raw"];

fn is_no_json(action: &str) -> bool {
    let short = action
        .strip_prefix("ansible.builtin.")
        .or_else(|| action.strip_prefix("ansible.legacy."))
        .or_else(|| action.strip_prefix("ansible.windows."))
        .unwrap_or(action);
    NO_JSON_MODULES.contains(&short)
}

pub struct DefaultCallback {
    pub display: Display,
    pub style: Style,
    last_task_banner: Option<usize>,
    display_skipped_hosts: bool,
    display_ok_hosts: bool,
    /// DISPLAY_FAILED_STDERR: failed and unreachable results (and their
    /// `[ERROR]` reports) go to stderr.
    pub failed_to_stderr: bool,
    /// SHOW_TASK_PATH_ON_FAILURE: a failed task's path before its result
    /// (below `-vv`, which shows it with every banner).
    pub task_path_on_failure: bool,
    /// CHECK_MODE_MARKERS: `[CHECK MODE]` after the banners of plays and
    /// tasks in check mode, `DRY RUN` around a `--check` run.
    pub check_mode_markers: bool,
    /// `--check` was given.
    pub cli_check: bool,
    /// `[ERROR]` texts already shown: ansible's Display prints each once.
    errors_shown: std::collections::HashSet<String>,
    /// The junit callback, when enabled.
    pub junit: Option<super::junit::Junit>,
    /// The project's Python callback plugins, when it has any: they get
    /// each event after the callbacks above (`python_callbacks.rs`).
    pub python: Option<super::python_callbacks::PythonCallbacks>,
    /// The json stdout callback's record of the run (style `Json`).
    pub json: Option<super::json::JsonCallback>,
    /// The tree callback, when enabled (ad hoc `--tree`).
    pub tree: Option<super::tree::TreeCallback>,
    /// profile_tasks and timer, in the order they were enabled.
    pub timing: Vec<super::TimingCallback>,
    /// The error reported just before a failed result (junit's message).
    pending_error: Option<String>,
    /// A task's `[ERROR]` report not shown yet: it follows the result's
    /// warnings, as `_handle_warnings_and_exception` orders them.
    deferred_error: Option<String>,
    /// The play runs `free`/`host_pinned`: a task's banner is printed with
    /// its first result, not when it starts.
    pub independent_hosts: bool,
    /// SHOW_CUSTOM_STATS: the `set_stats` data follow the recap.
    pub show_custom_stats: bool,
    /// `result_format` / `pretty_results` (the default and minimal
    /// callbacks declare them; oneline, tree and junit write json).
    pub result_format: super::result_format::ResultFormat,
}

/// The colour of a minimal/oneline line.
fn state_color(state: &str) -> Color {
    match state {
        "CHANGED" => Color::Yellow,
        "SUCCESS" => Color::Green,
        "SKIPPED" => Color::Cyan,
        "UNREACHABLE" => Color::BrightRed,
        _ => Color::Red,
    }
}

fn flag(result: &Map, key: &str) -> bool {
    matches!(result.get(key), Some(Value::Bool(true)))
}

impl DefaultCallback {
    pub fn new(display: Display, display_skipped_hosts: bool, display_ok_hosts: bool) -> Self {
        super::progress::enable(display.columns);
        DefaultCallback {
            display,
            style: Style::Default,
            last_task_banner: None,
            display_skipped_hosts,
            display_ok_hosts,
            failed_to_stderr: false,
            task_path_on_failure: false,
            check_mode_markers: false,
            cli_check: false,
            errors_shown: std::collections::HashSet::new(),
            junit: None,
            python: None,
            json: None,
            tree: None,
            timing: Vec::new(),
            pending_error: None,
            deferred_error: None,
            independent_hosts: false,
            show_custom_stats: false,
            result_format: super::result_format::ResultFormat::JSON,
        }
    }

    pub(super) fn print_playbook_start(&mut self, file_name: &str) {
        self.show_deferred_error();
        if let Some(junit) = &mut self.junit {
            junit.playbook_start(file_name);
        }
        // The banner is the default callback's own.
        if self.style == Style::Default && self.display.verbosity > 1 {
            let base = file_name.rsplit('/').next().unwrap_or(file_name);
            self.display.banner(&format!("PLAYBOOK: {base}"));
        }
        self.dry_run_banner();
    }

    /// `DRY RUN` when `--check` runs with CHECK_MODE_MARKERS.
    fn dry_run_banner(&self) {
        if self.style == Style::Default && self.cli_check && self.check_mode_markers {
            self.display.banner("DRY RUN");
        }
    }

    /// ` [CHECK MODE]` for a play or task in check mode, when wanted.
    fn check_marker(&self, check_mode: bool) -> &'static str {
        if check_mode && self.check_mode_markers {
            " [CHECK MODE]"
        } else {
            ""
        }
    }

    pub(super) fn print_play_start(&mut self, play: &super::json::PlayInfo) {
        self.show_deferred_error();
        let name = play.name.as_str();
        if let Some(junit) = &mut self.junit {
            junit.play_start(name.trim());
        }
        if let Some(json) = &mut self.json {
            json.play_start(play);
        }
        if self.style != Style::Default {
            return;
        }
        let name = name.trim();
        let marker = self.check_marker(play.check_mode);
        if name.is_empty() {
            self.display.banner(&format!("PLAY{marker}"));
        } else {
            self.display.banner(&format!("PLAY [{name}]{marker}"));
        }
    }

    /// An `[ERROR]:` report, unless the same text was already shown.
    pub fn error(&mut self, text: &str) {
        self.show_deferred_error();
        self.pending_error = text.lines().next().map(str::to_string);
        if self.errors_shown.insert(text.to_string()) {
            self.display.error(&error_block(text));
        }
    }

    /// The `[ERROR]:` report of a task's failed result: after the task's
    /// banner (which a `free` play prints only with the first result).
    /// It is shown with the result that follows, after its warnings.
    pub fn task_error(&mut self, task: &TaskInfo, text: &str) {
        self.ensure_banner(task);
        self.show_deferred_error();
        self.pending_error = text.lines().next().map(str::to_string);
        self.deferred_error = Some(text.to_string());
    }

    /// The task error [`Self::task_error`] kept back for the coming result.
    pub(super) fn deferred_error(&self) -> Option<String> {
        self.deferred_error.clone()
    }

    /// Shows the task error [`Self::task_error`] kept back, if any.
    fn show_deferred_error(&mut self) {
        if let Some(text) = self.deferred_error.take()
            && self.errors_shown.insert(text.clone())
        {
            self.display
                .error_on(&error_block(&text), self.failed_to_stderr);
        }
    }

    pub(super) fn print_no_hosts_matched(&mut self) {
        self.show_deferred_error();
        self.display
            .colored("skipping: no hosts matched", Color::Cyan);
    }

    /// `--step`: ask whether to run the task (`Perform task: TASK: x
    /// (N)o/(y)es/(c)ontinue: ` on stdout, the answer from stdin), then
    /// repeat the question as a banner, as ansible's `_take_step` does.
    /// `None` when stdin has ended.
    pub fn step_prompt(&mut self, msg: &str) -> Option<String> {
        self.show_deferred_error();
        use std::io::{BufRead, Write};
        {
            let mut out = std::io::stdout().lock();
            super::progress::erase(&mut out);
            let _ = write!(out, "{msg}");
            let _ = out.flush();
        }
        let mut answer = String::new();
        let read = std::io::stdin().lock().read_line(&mut answer);
        self.display.banner(msg);
        match read {
            Ok(0) | Err(_) => None,
            Ok(_) => Some(answer.trim_end_matches(['\n', '\r']).to_string()),
        }
    }

    pub(super) fn print_no_hosts_remaining(&mut self) {
        self.show_deferred_error();
        self.display.banner("NO MORE HOSTS LEFT");
    }

    pub(super) fn print_task_start(&mut self, task: &TaskInfo) {
        self.show_deferred_error();
        super::progress::task_started(&format!("{} [{}]", task.prefix, task.name.trim()));
        if let Some(junit) = &mut self.junit {
            junit.task_start(task);
        }
        if let Some(json) = &mut self.json {
            json.task_start(task);
        }
        if self.style == Style::Default
            && self.display_skipped_hosts
            && self.display_ok_hosts
            && !self.independent_hosts
        {
            self.print_task_banner(task);
        }
        for timing in &mut self.timing {
            if let super::TimingCallback::ProfileTasks(profile) = timing {
                profile.task_start(task, &self.display);
            }
        }
    }

    fn print_task_banner(&mut self, task: &TaskInfo) {
        let marker = self.check_marker(task.check_mode);
        self.display
            .banner(&format!("{} [{}]{marker}", task.prefix, task.name.trim()));
        if self.display.verbosity >= 2 && !task.path.is_empty() {
            self.display
                .colored(&format!("task path: {}", task.path), Color::DarkGray);
        }
        self.last_task_banner = Some(task.uuid);
    }

    fn ensure_banner(&mut self, task: &TaskInfo) {
        if self.style != Style::Default {
            return;
        }
        if self.last_task_banner != Some(task.uuid) {
            self.print_task_banner(task);
        }
    }

    /// `host`, or `host -> delegate` (and the delegate's address when it
    /// differs from its name) for a delegated task's result.
    fn host_label(host: &str, result: &Map) -> String {
        let Some(Value::Map(delegated)) = result.get("_ansible_delegated_vars") else {
            return host.to_string();
        };
        let Some(name) = delegated
            .get("ansible_delegated_host")
            .map(Value::python_str)
        else {
            return host.to_string();
        };
        if name == host {
            return host.to_string();
        }
        let mut label = format!("{host} -> {name}");
        if let Some(address) = delegated.get("ansible_host").map(Value::python_str)
            && address != name
        {
            label.push_str(&format!("({address})"));
        }
        label
    }

    fn is_verbose(&self, result: &Map, verbosity: u8) -> bool {
        (self.display.verbosity > verbosity || flag(result, "_ansible_verbose_always"))
            && !flag(result, "_ansible_verbose_override")
    }

    /// What `_dump_results` shows of a result: no internal keys, no
    /// invocation or diff below -vvv, no exception/warnings/deprecations.
    fn abridged(&self, result: &Map) -> Map {
        let mut abridged = strip_internal_keys(result);
        if self.display.verbosity < 3 {
            abridged.shift_remove("invocation");
            abridged.shift_remove("diff");
        }
        for key in ["exception", "warnings", "deprecations"] {
            abridged.shift_remove(key);
        }
        abridged
    }

    /// `_dump_results`: the result without internal keys, in the
    /// callback's result format.
    pub fn dump_results(&self, result: &Map) -> String {
        self.dump_results_as(self.result_format, result, None)
    }

    /// ansible.posix.debug's `_dump_results`: the result without its
    /// output, errors and message, as always-verbose json, then each of
    /// those that is not empty under its own upper-case heading.
    fn posix_debug_dump(&self, result: &Map) -> String {
        const TEXT_KEYS: [&str; 5] = ["stdout", "stderr", "msg", "module_stdout", "module_stderr"];
        let mut rest = result.clone();
        rest.insert("_ansible_verbose_always".into(), Value::Bool(true));
        let mut saved = Map::new();
        for key in [
            "stdout",
            "stdout_lines",
            "stderr",
            "stderr_lines",
            "msg",
            "module_stdout",
            "module_stderr",
        ] {
            if let Some(v) = rest.shift_remove(key) {
                saved.insert(key.to_string(), v);
            }
        }
        let mut out =
            ResultFormat::JSON.dump(self.abridged(&rest), None, true, self.display.verbosity);
        for key in TEXT_KEYS {
            if let Some(v) = saved.get(key).filter(|v| v.is_truthy()) {
                out.push_str(&format!(
                    "\n\n{}:\n\n{}\n",
                    key.to_uppercase(),
                    v.python_str()
                ));
            }
        }
        out
    }

    /// `_dump_results(result, indent=asked)` of a callback writing `format`.
    fn dump_results_as(&self, format: ResultFormat, result: &Map, asked: Option<usize>) -> String {
        if format.dumper == Dumper::PosixDebug {
            return self.posix_debug_dump(result);
        }
        if format.dumper == Dumper::CommunityGeneralYaml && flag(result, "_ansible_no_log") {
            return r#"{"censored": "The output has been hidden due to the fact that 'no_log: true' was specified for this result"}"#.to_string();
        }
        format.dump(
            self.abridged(result),
            asked,
            flag(result, "_ansible_verbose_always"),
            self.display.verbosity,
        )
    }

    fn clean_results(result: &mut Map, action: &str) {
        if !DEBUG_ACTIONS.contains(&action) {
            return;
        }
        if result.contains_key("msg") {
            result.retain(|k, _| DEBUG_ALLOWED_KEYS.contains(&k.as_str()) || k.starts_with('_'));
        } else {
            for key in HIDE_IN_DEBUG {
                result.shift_remove(*key);
            }
        }
    }

    /// Warnings and the exception of a result (`_handle_warnings_and_exception`).
    fn handle_warnings_and_exception(&mut self, result: &mut Map) {
        if let Some(Value::List(warnings)) = result.shift_remove("warnings") {
            for w in warnings {
                self.display.warning(&w.python_str());
            }
        }
        if let Some(Value::List(deprecations)) = result.shift_remove("deprecations") {
            for d in deprecations {
                self.show_deprecation(&d);
            }
        }
        // The executor reports the error of a failed task (it knows the
        // task's origin); it is shown here, after the warnings.
        self.show_deferred_error();
        result.shift_remove("exception");
    }

    /// One deprecation a task reported (`Display._deprecated`): unless
    /// DEPRECATION_WARNINGS is off, the hint how to turn them off (once
    /// per run), then the message, each distinct one once per run.
    fn show_deprecation(&mut self, deprecation: &Value) {
        let text = match deprecation {
            Value::Map(m) => super::deprecation::message(m),
            other => other.python_str(),
        };
        self.deprecate(&text);
    }

    /// A deprecation warning, as `cli::display::deprecated` shows them.
    pub fn deprecate(&mut self, text: &str) {
        crate::cli::display::deprecated(text);
    }

    /// `_command_generic_msg` of the minimal and oneline callbacks.
    fn command_message(&self, host: &str, result: &Map, caption: &str) -> String {
        let text = |k: &str| result.get(k).map(Value::python_str).unwrap_or_default();
        let rc = result
            .get("rc")
            .map(Value::python_str)
            .unwrap_or_else(|| "-1".into());
        if self.style == Style::Oneline {
            let escape = |s: String| s.replace('\n', "\\n").replace('\r', "\\r");
            let stderr = text("stderr");
            if stderr.is_empty() {
                format!(
                    "{host} | {caption} | rc={rc} | (stdout) {}",
                    escape(text("stdout"))
                )
            } else {
                format!(
                    "{host} | {caption} | rc={rc} | (stdout) {} (stderr) {}",
                    escape(text("stdout")),
                    escape(stderr)
                )
            }
        } else {
            format!(
                "{host} | {caption} | rc={rc} >>\n{}{}{}\n",
                text("stdout"),
                text("stderr"),
                text("msg")
            )
        }
    }

    /// The result as the minimal (indent 4) or oneline (indent 0, joined)
    /// callback dumps it.
    fn adhoc_dump(&self, result: &Map) -> String {
        if self.style == Style::Oneline {
            // `_dump_results(indent=0)`, which indents by 4 anyway for
            // verbose results, without its newlines.
            self.dump_results_as(ResultFormat::JSON, result, Some(0))
                .replace('\n', "")
        } else {
            self.dump_results_as(self.result_format, result, Some(4))
        }
    }

    /// A result as the minimal, oneline or json callback reports it.
    fn adhoc_result(&mut self, host: &str, task: &TaskInfo, result: Map, state: &str) {
        match self.style {
            Style::Minimal => self.minimal_result(host, task, result, state),
            Style::Oneline => self.oneline_result(host, task, result, state),
            // Neither reads the result's warnings nor its error.
            Style::Json | Style::Default => self.deferred_error = None,
        }
    }

    fn minimal_result(&mut self, host: &str, task: &TaskInfo, mut result: Map, state: &str) {
        self.handle_warnings_and_exception(&mut result);
        if state != "FAILED" {
            Self::clean_results(&mut result, &task.action);
        }
        let no_json = is_no_json(&task.action);
        let line = match state {
            "SKIPPED" => format!("{host} | SKIPPED"),
            "UNREACHABLE" => format!("{host} | UNREACHABLE! => {}", self.adhoc_dump(&result)),
            "FAILED" if no_json && !result.contains_key("module_stderr") => {
                self.command_message(host, &result, "FAILED")
            }
            "FAILED" => format!("{host} | FAILED! => {}", self.adhoc_dump(&result)),
            _ if no_json && !result.contains_key("ansible_job_id") => {
                self.command_message(host, &result, state)
            }
            _ => format!("{host} | {state} => {}", self.adhoc_dump(&result)),
        };
        self.display.message(&line, Some(state_color(state)));
    }

    /// oneline reads neither warnings nor the error report; a failed
    /// result with an exception gets its own line first.
    fn oneline_result(&mut self, host: &str, task: &TaskInfo, result: Map, state: &str) {
        self.deferred_error = None;
        let no_json = is_no_json(&task.action);
        let color = state_color(state);
        let line = match state {
            "SKIPPED" => format!("{host} | SKIPPED"),
            "UNREACHABLE" => format!(
                "{host} | UNREACHABLE!: {}",
                result.get("msg").map(Value::python_str).unwrap_or_default()
            ),
            "FAILED" => {
                if let Some(exception) = result.get("exception") {
                    let first = if no_json && !result.contains_key("module_stderr") {
                        self.command_message(host, &result, "FAILED")
                    } else {
                        self.exception_message(&exception.python_str())
                    };
                    self.display.colored(&first, color);
                }
                format!("{host} | FAILED! => {}", self.adhoc_dump(&result))
            }
            _ if no_json && !result.contains_key("ansible_job_id") => {
                self.command_message(host, &result, state)
            }
            _ => format!("{host} | {state} => {}", self.adhoc_dump(&result)),
        };
        self.display.message(&line, Some(color));
    }

    /// oneline's text for a failed result's exception.
    fn exception_message(&self, error_text: &str) -> String {
        if self.display.verbosity < 3 {
            let last = error_text.trim().rsplit('\n').next().unwrap_or("");
            format!(
                "An exception occurred during task execution. To see the full traceback, use -vvv. The error was: {last}"
            )
        } else {
            format!(
                "An exception occurred during task execution. The full traceback is:\n{}",
                error_text.replace('\n', "")
            )
        }
    }

    /// `v2_on_file_diff`: the diff of a changed result (or of each changed
    /// item of a loop), after the task banner.
    pub(super) fn print_on_file_diff(&mut self, task: &TaskInfo, result: &Map, context: usize) {
        match self.style {
            Style::Default => {}
            // minimal shows any diff of the result, changed or not.
            Style::Minimal => {
                if let Some(d) = result.get("diff").filter(|d| d.is_truthy()) {
                    let text =
                        super::diff::render(d, self.display.color, context, &self.result_format);
                    self.display
                        .display(text.strip_suffix('\n').unwrap_or(&text));
                }
                return;
            }
            Style::Oneline | Style::Json => return,
        }
        let mut diffs: Vec<&Value> = Vec::new();
        match result.get("results") {
            Some(Value::List(items)) if task.is_loop => {
                for item in items {
                    if let Value::Map(m) = item
                        && flag(m, "changed")
                        && let Some(d) = m.get("diff").filter(|d| d.is_truthy())
                    {
                        diffs.push(d);
                    }
                }
            }
            _ => {
                if flag(result, "changed")
                    && let Some(d) = result.get("diff").filter(|d| d.is_truthy())
                {
                    diffs.push(d);
                }
            }
        }
        if self.result_format.dumper == Dumper::CommunityGeneralYaml
            && diffs.iter().any(|d| super::diff::has_structured_side(d))
        {
            // community.general.yaml's `_serialize_diff` names a class it
            // no longer imports under ansible-core 2.19: the diff is lost.
            self.display.warning(
                "Callback dispatch 'v2_on_file_diff' failed for plugin 'ansible_collections.community.general.plugins.callback.yaml': name 'AnsibleDumper' is not defined",
            );
            return;
        }
        for d in diffs {
            let text = super::diff::render(d, self.display.color, context, &self.result_format);
            if !text.is_empty() {
                self.ensure_banner(task);
                // ansible's Display adds no newline to text ending in one.
                self.display
                    .display(text.strip_suffix('\n').unwrap_or(&text));
            }
        }
    }

    pub(super) fn print_runner_on_ok(&mut self, host: &str, task: &TaskInfo, mut result: Map) {
        super::progress::host_done();
        if let Some(junit) = &mut self.junit
            && !task.is_include
        {
            junit.on_ok(task, host, result.clone());
        }
        self.notify_result(host, task, &result, super::json::Outcome::Ok);
        if self.style != Style::Default {
            let state = if flag(&result, "changed") {
                "CHANGED"
            } else {
                "SUCCESS"
            };
            return self.adhoc_result(host, task, result, state);
        }
        let label = Self::host_label(host, &result);
        if task.is_include {
            self.ensure_banner(task);
            return;
        }
        let changed = flag(&result, "changed");
        let mut msg = if changed {
            self.ensure_banner(task);
            format!("changed: [{label}]")
        } else {
            if !self.display_ok_hosts {
                return;
            }
            self.ensure_banner(task);
            format!("ok: [{label}]")
        };
        self.handle_warnings_and_exception(&mut result);
        if task.is_loop && result.contains_key("results") {
            return;
        }
        Self::clean_results(&mut result, &task.action);
        if self.is_verbose(&result, 0) {
            msg.push_str(&format!(" => {}", self.dump_results(&result)));
        }
        self.display.message(
            &msg,
            Some(if changed { Color::Yellow } else { Color::Green }),
        );
    }

    pub(super) fn print_runner_on_failed(
        &mut self,
        host: &str,
        task: &TaskInfo,
        mut result: Map,
        ignore_errors: bool,
    ) {
        super::progress::host_done();
        let error = self.pending_error.take();
        if let Some(junit) = &mut self.junit {
            let error = result.contains_key("exception").then_some(error).flatten();
            junit.on_failed(task, host, result.clone(), ignore_errors, error);
        }
        self.notify_result(host, task, &result, super::json::Outcome::Failed);
        if self.style != Style::Default {
            return self.adhoc_result(host, task, result, "FAILED");
        }
        let label = Self::host_label(host, &result);
        self.ensure_banner(task);
        self.handle_warnings_and_exception(&mut result);
        Self::clean_results(&mut result, &task.action);
        if !(task.is_loop && result.contains_key("results")) {
            if self.task_path_on_failure && self.display.verbosity < 2 && !task.path.is_empty() {
                self.display
                    .colored(&format!("task path: {}", task.path), Color::DarkGray);
            }
            self.display.message_on(
                &format!(
                    "fatal: [{label}]: FAILED! => {}",
                    self.dump_results(&result)
                ),
                Color::Red,
                self.failed_to_stderr,
            );
        }
        if ignore_errors {
            self.display.colored("...ignoring", Color::Cyan);
        }
    }

    pub(super) fn print_runner_on_skipped(&mut self, host: &str, task: &TaskInfo, mut result: Map) {
        super::progress::host_done();
        if let Some(junit) = &mut self.junit {
            junit.on_skipped(task, host, result.clone());
        }
        self.notify_result(host, task, &result, super::json::Outcome::Skipped);
        if self.style != Style::Default {
            return self.adhoc_result(host, task, result, "SKIPPED");
        }
        if !self.display_skipped_hosts {
            return;
        }
        Self::clean_results(&mut result, &task.action);
        self.ensure_banner(task);
        self.handle_warnings_and_exception(&mut result);
        // `_process_items`: the items were shown by their own callbacks.
        if task.is_loop {
            result.shift_remove("results");
        }
        let mut msg = format!("skipping: [{host}]");
        if self.is_verbose(&result, 0) {
            msg.push_str(&format!(" => {}", self.dump_results(&result)));
        }
        self.display.message(&msg, Some(Color::Cyan));
    }

    pub(super) fn print_runner_on_unreachable(
        &mut self,
        host: &str,
        task: &TaskInfo,
        mut result: Map,
        ignored: bool,
    ) {
        super::progress::host_done();
        self.notify_result(host, task, &result, super::json::Outcome::Unreachable);
        if self.style != Style::Default {
            return self.adhoc_result(host, task, result, "UNREACHABLE");
        }
        self.ensure_banner(task);
        self.handle_warnings_and_exception(&mut result);
        let label = Self::host_label(host, &result);
        self.display.message_on(
            &format!(
                "fatal: [{label}]: UNREACHABLE! => {}",
                self.dump_results(&result)
            ),
            Color::BrightRed,
            self.failed_to_stderr,
        );
        if ignored {
            self.display.colored("...ignoring", Color::Cyan);
        }
    }

    fn item_label(result: &Map) -> String {
        if flag(result, "_ansible_no_log") {
            return "(censored due to no_log)".into();
        }
        result
            .get("_ansible_item_label")
            .or_else(|| result.get("item"))
            .map(Value::python_str)
            .unwrap_or_else(|| "None".into())
    }

    /// Item results are the default callback's alone; the others drop
    /// the item's error report too.
    fn items_shown(&mut self) -> bool {
        if self.style != Style::Default {
            self.deferred_error = None;
            return false;
        }
        true
    }

    pub(super) fn print_item_on_ok(&mut self, host: &str, task: &TaskInfo, mut result: Map) {
        if !self.items_shown() || task.is_include {
            return;
        }
        let label = Self::host_label(host, &result);
        let status = if flag(&result, "changed") {
            "changed"
        } else {
            if !self.display_ok_hosts {
                return;
            }
            "ok"
        };
        self.ensure_banner(task);
        self.handle_warnings_and_exception(&mut result);
        let mut msg = format!(
            "{status}: [{label}] => (item={})",
            Self::item_label(&result)
        );
        Self::clean_results(&mut result, &task.action);
        if self.is_verbose(&result, 0) {
            msg.push_str(&format!(" => {}", self.dump_results(&result)));
        }
        let color = if status == "changed" {
            Color::Yellow
        } else {
            Color::Green
        };
        self.display.message(&msg, Some(color));
    }

    pub(super) fn print_item_on_failed(&mut self, host: &str, task: &TaskInfo, mut result: Map) {
        if !self.items_shown() {
            return;
        }
        self.ensure_banner(task);
        self.handle_warnings_and_exception(&mut result);
        let label = Self::host_label(host, &result);
        Self::clean_results(&mut result, &task.action);
        self.display.message_on(
            &format!(
                "failed: [{label}] (item={}) => {}",
                Self::item_label(&result),
                self.dump_results(&result)
            ),
            Color::Red,
            self.failed_to_stderr,
        );
    }

    pub(super) fn print_item_on_skipped(&mut self, host: &str, task: &TaskInfo, mut result: Map) {
        if !self.items_shown() || !self.display_skipped_hosts {
            return;
        }
        self.ensure_banner(task);
        self.handle_warnings_and_exception(&mut result);
        Self::clean_results(&mut result, &task.action);
        let mut msg = format!(
            "skipping: [{host}] => (item={}) ",
            Self::item_label(&result)
        );
        if self.is_verbose(&result, 0) {
            msg.push_str(&format!(" => {}", self.dump_results(&result)));
        }
        self.display.message(&msg, Some(Color::Cyan));
    }

    /// A looped include's own result: the default callback shows only the
    /// task's banner, if it is not shown yet.
    pub fn include_banner(&mut self, task: &TaskInfo) {
        self.ensure_banner(task);
    }

    pub(super) fn print_on_include(
        &mut self,
        task: &TaskInfo,
        file: &str,
        hosts: &[String],
        label: Option<String>,
    ) {
        self.show_deferred_error();
        if let Some(junit) = &mut self.junit {
            junit.on_include(task, file);
        }
        // `included:` is the default callback's; minimal and oneline show
        // the include's result instead.
        if self.style != Style::Default {
            return;
        }
        let mut msg = format!("included: {file} for {}", hosts.join(", "));
        if let Some(label) = label {
            msg.push_str(&format!(" => (item={label})"));
        }
        self.display.message(&msg, Some(Color::Cyan));
    }

    /// `v2_runner_on_async_poll`/`_ok`/`_failed`: one line, when the event
    /// happens; only the default style prints them.
    pub(super) fn print_async_event(&mut self, event: AsyncEvent, host: &str, result: &Map) {
        if self.style != Style::Default {
            return;
        }
        let text = |map: &Map, key: &str| {
            map.get(key)
                .map(Value::python_str)
                .unwrap_or_else(|| "None".into())
        };
        let line = match event {
            AsyncEvent::Poll => format!(
                "ASYNC POLL on {host}: jid={} started={} finished={}",
                text(result, "ansible_job_id"),
                text(result, "started"),
                text(result, "finished")
            ),
            AsyncEvent::Ok => format!("ASYNC OK on {host}: jid={}", text(result, "ansible_job_id")),
            AsyncEvent::Failed => {
                // A job that did not finish in time has its id only in the
                // last status (`async_result`).
                let own = result.get("ansible_job_id").filter(|v| v.is_truthy());
                let jid = match (own, result.get("async_result")) {
                    (Some(jid), _) => jid.python_str(),
                    (None, Some(Value::Map(status))) => text(status, "ansible_job_id"),
                    (None, _) => text(result, "ansible_job_id"),
                };
                format!("ASYNC FAILED on {host}: jid={jid}")
            }
        };
        self.display.message(&line, Some(Color::DarkGray));
    }

    pub(super) fn print_retry(
        &mut self,
        host: &str,
        task: &TaskInfo,
        result: &Map,
        retries_left: i64,
    ) {
        if self.style != Style::Default {
            return;
        }
        let label = Self::host_label(host, result);
        let mut msg = format!(
            "FAILED - RETRYING: [{label}]: {} ({retries_left} retries left).",
            task.own_name
        );
        if self.is_verbose(result, 2) {
            msg.push_str(&format!("Result was: {}", self.dump_results(result)));
        }
        self.display.message(&msg, Some(Color::DarkGray));
    }

    /// `_dump_results(result, indent=0)` as junit's system-out holds it.
    fn junit_dump(&self, result: &Map) -> String {
        self.dump_results_as(ResultFormat::JSON, result, Some(0))
    }

    pub(super) fn print_stats(&mut self, stats: &Stats) {
        self.show_deferred_error();
        super::progress::stop();
        if let Some(junit) = &self.junit {
            junit.write(&|r| self.junit_dump(r));
        }
        match self.style {
            Style::Default => {
                self.recap(stats);
                if self.show_custom_stats {
                    self.custom_stats(stats);
                }
                self.dry_run_banner();
            }
            Style::Json => {
                if let Some(json) = &self.json {
                    self.display.display(&json.document(stats));
                }
            }
            Style::Minimal | Style::Oneline => {}
        }
        for timing in &mut self.timing {
            match timing {
                super::TimingCallback::ProfileTasks(profile) => profile.stats(&self.display),
                super::TimingCallback::Timer(timer) => timer.stats(&self.display),
            }
        }
    }

    /// What the result-recording callbacks (json, tree) get of a result.
    fn notify_result(
        &mut self,
        host: &str,
        task: &TaskInfo,
        result: &Map,
        outcome: super::json::Outcome,
    ) {
        if let Some(json) = &mut self.json {
            json.result(host, task, result, outcome);
        }
        if let Some(tree) = &self.tree
            && outcome != super::json::Outcome::Skipped
        {
            // Each callback gets its own copy: what the stdout callback
            // removed for display (debug's keys) is still there.
            tree.write(
                host,
                &self.dump_results_as(ResultFormat::JSON, result, None),
            );
        }
    }

    /// The default callback's CUSTOM STATS: each host's stats (sorted by
    /// name), then the run's; each dumped as `_dump_results(indent=1)` on
    /// one line.
    fn custom_stats(&self, stats: &Stats) {
        if stats.custom.is_empty() {
            return;
        }
        let dump = |value: &Value| {
            let Value::Map(map) = value else {
                return value.to_python_json_compact();
            };
            self.dump_results_as(self.result_format, map, Some(1))
                .replace('\n', "")
        };
        self.display.banner("CUSTOM STATS: ");
        let mut owners: Vec<&String> = stats.custom.keys().collect();
        // Python sorts the names by code point.
        owners.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        for owner in owners {
            if owner == super::custom_stats::RUN_KEY {
                continue;
            }
            self.display
                .display(&format!("\t{owner}: {}", dump(&stats.custom[owner])));
        }
        if let Some(run) = stats.custom.get(super::custom_stats::RUN_KEY) {
            self.display.screen_only("");
            self.display.display(&format!("\tRUN: {}", dump(run)));
        }
        self.display.screen_only("");
    }

    /// The default callback's PLAY RECAP.
    fn recap(&self, stats: &Stats) {
        self.display.banner("PLAY RECAP");
        let color = self.display.color;
        for (host, t) in &stats.hosts {
            // ansible's `colorize` and `hostcolor`.
            let col = |lead: &str, n: u64, c: Color| {
                let text = format!("{lead}={n:<4}");
                if color && n != 0 {
                    stringc(&text, c)
                } else {
                    text
                }
            };
            let host_text = if color {
                let c = if t.failures != 0 || t.unreachable != 0 {
                    Color::Red
                } else if t.changed != 0 {
                    Color::Yellow
                } else {
                    Color::Green
                };
                format!("{:<37}", stringc(host, c))
            } else {
                format!("{host:<26}")
            };
            self.display.screen_only(&format!(
                "{host_text} : {} {} {} {} {} {} {}",
                col("ok", t.ok, Color::Green),
                col("changed", t.changed, Color::Yellow),
                col("unreachable", t.unreachable, Color::BrightRed),
                col("failed", t.failures, Color::Red),
                col("skipped", t.skipped, Color::Cyan),
                col("rescued", t.rescued, Color::Green),
                col("ignored", t.ignored, Color::BrightPurple),
            ));
            // The log file gets the line without colours.
            self.display.log_only(&format!(
                "{host:<26} : ok={:<4} changed={:<4} unreachable={:<4} failed={:<4} skipped={:<4} rescued={:<4} ignored={:<4}",
                t.ok, t.changed, t.unreachable, t.failures, t.skipped, t.rescued, t.ignored
            ));
        }
        self.display.screen_only("");
    }
}

/// An `[ERROR]:` block: a report with source context (or causes) ends with
/// a blank line, as ansible's formatted context ends with a newline; a
/// bare message does not.
fn error_block(text: &str) -> String {
    if text.contains('\n') {
        format!("[ERROR]: {text}\n")
    } else {
        format!("[ERROR]: {text}")
    }
}
