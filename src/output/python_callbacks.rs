//! A project's own Python callback plugins (DESIGN §3): the
//! `callback_plugins/` dirs beside playbooks and in roles, the configured
//! callback plugin paths, and collections' callbacks enabled by full name.
//! They subclass ansible-core's CallbackBase, so they run in a controller
//! Python worker that imports ansible-core (`agent/native_callback_plugins.py`),
//! loaded there as ansible's task queue manager loads callbacks. Each event
//! of the run goes to them after mitorun's own callbacks have printed it,
//! and what they display is printed here, in the run's order. A run with
//! no such plugin starts no worker.

use crate::errors::{Exit, Fatal};
use crate::exec::plugin_worker::LocalPluginWorker;
use crate::output::default::TaskInfo;
use crate::templating::python_plugins::PluginWorker;
use crate::transport::modules::CALLBACK_PLUGIN_MODULE;
use crate::value::{Map, Value};
use std::path::PathBuf;

/// Where a run's Python callbacks may come from, and what they are told of
/// the run.
pub struct CallbackSources {
    /// `callback_plugins/` dirs and the configured callback plugin paths.
    pub dirs: Vec<PathBuf>,
    /// Collection roots (`…/ansible_collections`) for callbacks named by
    /// their full names.
    pub collection_roots: Vec<PathBuf>,
    /// The stdout callback, when it is a Python plugin.
    pub stdout: Option<String>,
    /// Enabled callbacks mitorun does not run natively.
    pub enabled: Vec<String>,
    /// Enabled callbacks mitorun runs natively (they still count as
    /// enabled for a plugin that asks to be).
    pub enabled_native: Vec<String>,
    /// False for ad hoc runs without `bin_ansible_callbacks`.
    pub run_additional: bool,
    /// ansible's CLIARGS the plugins may read: verbosity, check, diff,
    /// connection.
    pub cli: Map,
}

impl CallbackSources {
    /// Whether there is anything to load: an enabled name, or a Python
    /// file in one of the dirs.
    fn any(&self) -> bool {
        self.stdout.is_some()
            || !self.enabled.is_empty()
            || self
                .dirs
                .iter()
                .any(|dir| !crate::templating::python_plugins::python_files(dir).is_empty())
    }
}

/// The loaded plugins, in their worker.
pub struct PythonCallbacks {
    worker: LocalPluginWorker,
}

impl PythonCallbacks {
    /// Load the plugins (printing what they display while loading and
    /// ansible's warnings for those that cannot load). None when there is
    /// none to run; Err when the stdout callback cannot load (ansible's
    /// "Could not load" error).
    pub fn load(
        sources: &CallbackSources,
        warn: impl Fn(&str),
    ) -> Result<Option<PythonCallbacks>, Fatal> {
        if !sources.any() {
            return Ok(None);
        }
        let stdout_failed = |why: Option<&str>| -> Result<Option<PythonCallbacks>, Fatal> {
            match (&sources.stdout, why) {
                (Some(name), Some(why)) => Err(Fatal::msg(
                    Exit::Error,
                    format!("Could not load '{name}' callback plugin: {why}"),
                )),
                (Some(name), None) => Err(Fatal::msg(
                    Exit::Error,
                    format!("Could not load '{name}' callback plugin."),
                )),
                (None, _) => Ok(None),
            }
        };
        let cannot_run = |why: &str| {
            for name in &sources.enabled {
                warn(&format!(
                    "Skipping callback plugin '{name}', unable to load"
                ));
            }
            if sources.dirs.iter().any(|dir| {
                crate::templating::python_plugins::python_files(dir)
                    .iter()
                    .any(|file| loads_unasked(file))
            }) {
                warn(&format!("cannot run the project's callback plugins: {why}"));
            }
        };
        let (python, ansible_path) = match crate::exec::action_plugins::ansible_python() {
            Ok(found) => found,
            Err(why) => {
                cannot_run(&why);
                return stdout_failed(Some(&why));
            }
        };
        let callbacks = PythonCallbacks {
            worker: LocalPluginWorker::new(vec![python]),
        };
        let paths = |list: &[PathBuf]| -> Value {
            Value::List(
                list.iter()
                    .map(|p| Value::str(p.to_string_lossy().as_ref()))
                    .collect(),
            )
        };
        let names = |list: &[String]| -> Value {
            Value::List(list.iter().map(|n| Value::str(n.as_str())).collect())
        };
        let mut args = Map::new();
        args.insert("op".into(), Value::str("load"));
        args.insert("dirs".into(), paths(&sources.dirs));
        args.insert("collections_paths".into(), paths(&sources.collection_roots));
        args.insert(
            "stdout".into(),
            sources
                .stdout
                .as_deref()
                .map(Value::str)
                .unwrap_or(Value::Null),
        );
        args.insert("enabled".into(), names(&sources.enabled));
        args.insert("enabled_native".into(), names(&sources.enabled_native));
        args.insert("run_additional".into(), Value::Bool(sources.run_additional));
        args.insert("cli".into(), Value::Map(sources.cli.clone()));
        if let Some(path) = ansible_path {
            args.insert("ansible_path".into(), Value::str(path));
        }
        match callbacks.worker.call_module(CALLBACK_PLUGIN_MODULE, args) {
            Ok(result) => {
                show_lines(&result);
                if let Some(missing) = result.get("no_ansible") {
                    let why = missing.python_str();
                    cannot_run(&why);
                    return stdout_failed(Some(&why));
                }
                if let Some(fatal) = result.get("fatal") {
                    return Err(Fatal::msg(Exit::Error, fatal.python_str()));
                }
                if matches!(result.get("stdout_loaded"), Some(Value::Bool(false))) {
                    return stdout_failed(None);
                }
                let loaded = matches!(result.get("loaded"), Some(Value::List(l)) if !l.is_empty());
                Ok(loaded.then_some(callbacks))
            }
            Err(e) => {
                cannot_run(&e);
                stdout_failed(Some(&e))
            }
        }
    }

    /// Send the event `name` (ansible's method name) with its data.
    pub fn event(&self, name: &str, mut data: Map) {
        data.insert("op".into(), Value::str("event"));
        data.insert("event".into(), Value::str(name));
        match self.worker.call_module(CALLBACK_PLUGIN_MODULE, data) {
            Ok(result) => show_lines(&result),
            Err(e) => {
                crate::cli::display::warning(&format!("Callback dispatch '{name}' failed: {e}"))
            }
        }
    }
}

/// The result key carrying a task's `[ERROR]` report to the worker (its
/// ErrorSummary); never shown to a plugin as a key.
const ERROR_KEY: &str = "_mitorun_error";

/// Whether a callback file would load without being named (neither a
/// stdout callback nor one that asks to be enabled), read from its text:
/// only to decide whether a run that cannot load it says so.
fn loads_unasked(file: &std::path::Path) -> bool {
    let text = std::fs::read_to_string(file).unwrap_or_default();
    let asks = regex::Regex::new(
        r#"CALLBACK_TYPE\s*=\s*['"]stdout['"]|CALLBACK_NEEDS_(ENABLED|WHITELIST)\s*=\s*True"#,
    )
    .is_ok_and(|re| re.is_match(&text));
    !asks
}

/// A task as the plugins' task objects are built from it.
pub fn task_data(task: &TaskInfo) -> Value {
    let mut out = Map::new();
    out.insert("uuid".into(), Value::Int(task.uuid as i64));
    out.insert("name".into(), Value::str(task.name.as_str()));
    out.insert("own_name".into(), Value::str(task.own_name.as_str()));
    out.insert("action".into(), Value::str(task.action.as_str()));
    out.insert("is_loop".into(), Value::Bool(task.is_loop));
    out.insert("is_include".into(), Value::Bool(task.is_include));
    out.insert(
        "delegate_to".into(),
        task.delegate_to
            .as_deref()
            .map(Value::str)
            .unwrap_or(Value::Null),
    );
    out.insert("path".into(), Value::str(task.path.as_str()));
    out.insert("no_log".into(), Value::Bool(task.no_log));
    out.insert("check_mode".into(), Value::Bool(task.check_mode));
    Value::Map(out)
}

/// An event about one host's result.
pub fn result_data(host: &str, task: &TaskInfo, result: &Map) -> Map {
    let mut out = Map::new();
    out.insert("host".into(), Value::str(host));
    out.insert("task".into(), task_data(task));
    out.insert("result".into(), Value::Map(result.clone()));
    out
}

/// The recap's counters by host, and the `set_stats` data.
pub fn stats_data(stats: &super::Stats) -> Map {
    let mut hosts = Map::new();
    for (name, counts) in &stats.hosts {
        let mut m = Map::new();
        for (key, value) in [
            ("ok", counts.ok),
            ("changed", counts.changed),
            ("failures", counts.failures),
            ("unreachable", counts.unreachable),
            ("skipped", counts.skipped),
            ("rescued", counts.rescued),
            ("ignored", counts.ignored),
        ] {
            m.insert(key.into(), Value::Int(value as i64));
        }
        hosts.insert(name.clone(), Value::Map(m));
    }
    let mut out = Map::new();
    out.insert("stats".into(), Value::Map(hosts));
    out.insert("custom".into(), Value::Map(stats.custom.clone()));
    out
}

/// Print what the plugins displayed: `[text, on_stderr]` pairs.
fn show_lines(result: &Map) {
    use std::io::Write;
    let Some(Value::List(lines)) = result.get("display") else {
        return;
    };
    for line in lines {
        let Value::List(pair) = line else { continue };
        let text = pair.first().map(Value::python_str).unwrap_or_default();
        let on_stderr = matches!(pair.get(1), Some(Value::Bool(true)));
        // What a plugin print()s is written as it is; Display ends a line
        // unless the text already does (warnings do).
        let raw = matches!(pair.get(2), Some(Value::Bool(true)));
        let line = if raw || text.ends_with('\n') {
            text
        } else {
            format!("{text}\n")
        };
        if on_stderr {
            let _ = std::io::stderr().write_all(line.as_bytes());
        } else {
            super::log_file::record(line.trim_end_matches('\n'), super::log_file::Level::Info);
            let out = std::io::stdout();
            let mut out = out.lock();
            super::progress::erase(&mut out);
            let _ = out.write_all(line.as_bytes());
        }
    }
}

/// The run's events: mitorun's own callbacks print each first, then the
/// Python plugins get it, as ansible sends events to the stdout callback
/// before the others.
impl super::default::DefaultCallback {
    fn forward(&self, name: &str, data: impl FnOnce() -> Map) {
        if let Some(python) = &self.python {
            python.event(name, data());
        }
    }

    pub fn playbook_start(&mut self, file_name: &str) {
        self.print_playbook_start(file_name);
        self.forward("v2_playbook_on_start", || {
            let mut playbook = Map::new();
            playbook.insert("file_name".into(), Value::str(file_name));
            Map::from_iter([("playbook".to_string(), Value::Map(playbook))])
        });
    }

    pub fn play_start(&mut self, play: &super::json::PlayInfo) {
        self.print_play_start(play);
        self.forward("v2_playbook_on_play_start", || {
            let mut data = Map::new();
            data.insert("name".into(), Value::str(play.name.as_str()));
            data.insert("path".into(), Value::str(play.path.as_str()));
            data.insert("check_mode".into(), Value::Bool(play.check_mode));
            Map::from_iter([("play".to_string(), Value::Map(data))])
        });
    }

    pub fn no_hosts_matched(&mut self) {
        self.print_no_hosts_matched();
        self.forward("v2_playbook_on_no_hosts_matched", Map::new);
    }

    pub fn no_hosts_remaining(&mut self) {
        self.print_no_hosts_remaining();
        self.forward("v2_playbook_on_no_hosts_remaining", Map::new);
    }

    pub fn task_start(&mut self, task: &TaskInfo) {
        self.print_task_start(task);
        let event = if task.prefix == "RUNNING HANDLER" {
            "v2_playbook_on_handler_task_start"
        } else {
            "v2_playbook_on_task_start"
        };
        self.forward(event, || {
            Map::from_iter([("task".to_string(), task_data(task))])
        });
    }

    /// The result as it was before mitorun's callbacks trimmed it, when a
    /// plugin will get it, with the task's `[ERROR]` report kept back for
    /// it (a plugin shows it as its `exception`).
    fn kept(&self, result: &Map) -> Option<Map> {
        self.python.as_ref().map(|_| {
            let mut kept = result.clone();
            if let Some(error) = self.deferred_error() {
                kept.insert(ERROR_KEY.into(), Value::str(error));
            }
            kept
        })
    }

    /// Send a result event about `host` with the result `kept` for it.
    fn forward_kept(&self, name: &str, host: &str, task: &TaskInfo, kept: Option<Map>) {
        if let Some(result) = kept {
            self.forward(name, || result_data(host, task, &result));
        }
    }

    pub fn runner_on_ok(&mut self, host: &str, task: &TaskInfo, result: Map) {
        let kept = self.kept(&result);
        self.print_runner_on_ok(host, task, result);
        self.forward_kept("v2_runner_on_ok", host, task, kept);
    }

    pub fn runner_on_failed(
        &mut self,
        host: &str,
        task: &TaskInfo,
        result: Map,
        ignore_errors: bool,
    ) {
        let kept = self.kept(&result);
        self.print_runner_on_failed(host, task, result, ignore_errors);
        if let Some(result) = kept {
            self.forward("v2_runner_on_failed", || {
                let mut data = result_data(host, task, &result);
                // ansible passes the task's keyword: None when not set.
                let ignored = if ignore_errors {
                    Value::Bool(true)
                } else {
                    Value::Null
                };
                data.insert("ignore_errors".into(), ignored);
                data
            });
        }
    }

    pub fn runner_on_skipped(&mut self, host: &str, task: &TaskInfo, result: Map) {
        let kept = self.kept(&result);
        self.print_runner_on_skipped(host, task, result);
        self.forward_kept("v2_runner_on_skipped", host, task, kept);
    }

    pub fn runner_on_unreachable(
        &mut self,
        host: &str,
        task: &TaskInfo,
        result: Map,
        ignored: bool,
    ) {
        let kept = self.kept(&result);
        self.print_runner_on_unreachable(host, task, result, ignored);
        self.forward_kept("v2_runner_on_unreachable", host, task, kept);
    }

    pub fn item_on_ok(&mut self, host: &str, task: &TaskInfo, result: Map) {
        let kept = self.kept(&result);
        self.print_item_on_ok(host, task, result);
        self.forward_kept("v2_runner_item_on_ok", host, task, kept);
    }

    pub fn item_on_failed(&mut self, host: &str, task: &TaskInfo, result: Map) {
        let kept = self.kept(&result);
        self.print_item_on_failed(host, task, result);
        self.forward_kept("v2_runner_item_on_failed", host, task, kept);
    }

    pub fn item_on_skipped(&mut self, host: &str, task: &TaskInfo, result: Map) {
        let kept = self.kept(&result);
        self.print_item_on_skipped(host, task, result);
        self.forward_kept("v2_runner_item_on_skipped", host, task, kept);
    }

    pub fn async_event(&mut self, event: super::default::AsyncEvent, host: &str, result: &Map) {
        use super::default::AsyncEvent;
        self.print_async_event(event, host, result);
        let name = match event {
            AsyncEvent::Poll => "v2_runner_on_async_poll",
            AsyncEvent::Ok => "v2_runner_on_async_ok",
            AsyncEvent::Failed => "v2_runner_on_async_failed",
        };
        self.forward(name, || {
            let mut data = Map::new();
            data.insert("host".into(), Value::str(host));
            data.insert("result".into(), Value::Map(result.clone()));
            data
        });
    }

    pub fn retry(&mut self, host: &str, task: &TaskInfo, result: &Map, retries_left: i64) {
        self.print_retry(host, task, result, retries_left);
        self.forward("v2_runner_retry", || result_data(host, task, result));
    }

    pub fn on_file_diff(&mut self, task: &TaskInfo, result: &Map, context: usize) {
        self.print_on_file_diff(task, result, context);
        // The default callback shows each looped item's diff with the item.
        self.forward("v2_on_file_diff", || result_data("", task, result));
    }

    pub fn on_include(
        &mut self,
        task: &TaskInfo,
        file: &str,
        hosts: &[String],
        label: Option<String>,
    ) {
        self.print_on_include(task, file, hosts, label.clone());
        self.forward("v2_playbook_on_include", || {
            let mut included = Map::new();
            included.insert("filename".into(), Value::str(file));
            included.insert(
                "hosts".into(),
                Value::List(hosts.iter().map(|h| Value::str(h.as_str())).collect()),
            );
            included.insert("task".into(), task_data(task));
            let mut args = Map::new();
            if let Some(label) = label {
                args.insert("item".into(), Value::str(label));
            }
            included.insert("args".into(), Value::Map(args));
            Map::from_iter([("included_file".to_string(), Value::Map(included))])
        });
    }

    pub fn stats(&mut self, stats: &super::Stats) {
        self.print_stats(stats);
        self.forward("v2_playbook_on_stats", || stats_data(stats));
    }
}
