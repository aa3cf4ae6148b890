//! Running plays (ansible's `PlaybookExecutor` + the linear strategy):
//! hosts are selected per play, every task runs on every active host in
//! lock-step, results go to the output callback and into the variable
//! manager (register, set_fact, facts), handlers run at section ends.
//!
//! - `scope` — what a task inherits from its blocks and roles;
//! - `walk` — blocks (rescue/always), tasks over hosts, handlers, meta;
//! - `execute` — one task on one host (loops, when, args, retries);
//! - `actions` — actions that run on the controller (`include_vars` has
//!   its own module);
//! - `conditional` — `when`-style conditions;
//! - `report` — ansible's task error texts.
//!
//! Modules go through a `ModuleRunner`; until the transport is wired in,
//! the runner says plainly that it cannot run them.

pub mod action_plugins;
pub mod actions;
pub mod argspec_action;
pub mod assemble;
pub mod async_job;
pub mod batch;
pub mod conditional;
pub mod copy_dir;
pub mod dnf;
pub mod execute;
pub mod fetch;
pub mod free;
pub mod gather;
pub mod handlers;
pub mod include;
pub mod include_vars;
pub mod inventory_actions;
pub mod live_inventory;
pub mod loop_batch;
pub mod meta;
pub mod package;
pub mod playbook;
pub mod plugin_worker;
pub mod reboot;
pub mod reboot_args;
pub mod remote;
pub mod report;
pub mod rlimit;
pub mod scope;
pub mod script;
pub mod service;
pub mod strategy;
pub mod transfer;
pub mod unarchive;
pub mod uri;
pub mod vars_prompt;
pub mod wait_for_connection;
pub mod walk;

use crate::errors::Exit;
use crate::output::Stats;
use crate::output::default::{DefaultCallback, TaskInfo};
use crate::playbook::model::Task;
use crate::templating::render::Templar;
use crate::value::{Map, Value};
use crate::vars::hostvars::ContextFactory;
use std::sync::{Arc, Mutex};

/// A module call for a host: the action's full name, templated arguments
/// and everything that decides where and how it runs.
#[derive(Debug, Clone, Default)]
pub struct ModuleRequest {
    /// The inventory name of the host the module runs on (the delegate
    /// when delegated).
    pub host: String,
    pub action: String,
    pub args: Map,
    /// Connection settings: `ansible_*`/`mitogen_*` variables over the
    /// connection keywords, templated.
    pub connection: Map,
    /// `mitogen_via` hops, nearest to the controller first: (host, vars).
    pub via: Vec<(String, Map)>,
    pub check_mode: bool,
    pub diff: bool,
    pub no_log: bool,
    pub verbosity: u8,
    pub environment: Map,
    pub library_dirs: Vec<std::path::PathBuf>,
    pub module_utils_dirs: Vec<std::path::PathBuf>,
    /// `mitogen_task_isolation=fork`.
    pub fork: bool,
    /// `ansible_<name>_interpreter` values other than python.
    pub interpreters: Vec<(String, String)>,
    /// Add `discovered_interpreter_python` to the result's facts.
    pub report_interpreter: bool,
    /// Controller data put into the interpreter's temp dir before the
    /// module runs; each sets a module argument to the remote path.
    pub uploads: Vec<Upload>,
    /// Start the module as a background job (the `async` keyword).
    pub async_job: Option<crate::transport::AsyncJob>,
    /// When the task's `timeout` runs out: the call is abandoned (and its
    /// remote process killed) and its result carries [`TIMED_OUT`].
    pub deadline: Option<std::time::Instant>,
    /// `PYTHON_MODULE_RLIMIT_NOFILE` (0: the limit is left alone).
    pub rlimit_nofile: i64,
}

/// The key a runner puts in the result of a call it abandoned at the
/// request's deadline; the executor turns it into ansible's timeout
/// failure.
pub const TIMED_OUT: &str = "_mitorun_timed_out";
/// A failed result whose error ansible raises with help text (a module
/// interpreter that is not there): the help, for the task's `[ERROR]`
/// report. Taken out of the result before anyone sees it.
pub const ERROR_HELP: &str = "_mitorun_error_help";

/// What an upload carries: bytes made on the controller (rendered
/// templates, `content`, decrypted vault files, scripts) or a controller
/// file read from disk while it streams, so a large `copy` source is never
/// held in memory.
#[derive(Debug, Clone)]
pub enum UploadData {
    Bytes(Vec<u8>),
    File(std::path::PathBuf),
}

impl Default for UploadData {
    fn default() -> UploadData {
        UploadData::Bytes(Vec::new())
    }
}

impl UploadData {
    /// Size in bytes (a file's as it is now).
    pub fn len(&self) -> Result<u64, String> {
        match self {
            UploadData::Bytes(b) => Ok(b.len() as u64),
            UploadData::File(p) => std::fs::metadata(p)
                .map(|m| m.len())
                .map_err(|e| format!("could not read {}: {e}", p.display())),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len().is_ok_and(|n| n == 0)
    }

    /// All the bytes; for a file only where the caller has checked the
    /// size (diffs of small files).
    pub fn read_all(&self) -> Result<std::borrow::Cow<'_, [u8]>, String> {
        match self {
            UploadData::Bytes(b) => Ok(std::borrow::Cow::Borrowed(b)),
            UploadData::File(p) => std::fs::read(p)
                .map(std::borrow::Cow::Owned)
                .map_err(|e| format!("could not read {}: {e}", p.display())),
        }
    }

    /// SHA-1 in hex, a file read in chunks.
    pub fn sha1_hex(&self) -> Result<String, String> {
        use sha1::Digest;
        let mut hasher = sha1::Sha1::new();
        match self {
            UploadData::Bytes(b) => hasher.update(b),
            UploadData::File(p) => {
                use std::io::Read;
                let fail = |e: std::io::Error| format!("could not read {}: {e}", p.display());
                let mut file = std::fs::File::open(p).map_err(fail)?;
                let mut buf = vec![0u8; 1 << 20];
                loop {
                    let n = file.read(&mut buf).map_err(fail)?;
                    if n == 0 {
                        break;
                    }
                    hasher.update(&buf[..n]);
                }
            }
        }
        Ok(crate::transport::modules::hex(&hasher.finalize()))
    }
}

/// A file the module needs on the target (`copy`'s source).
#[derive(Debug, Clone, Default)]
pub struct Upload {
    /// The module argument that receives the remote path.
    pub arg: String,
    /// Keys inside `arg`'s mapping down to the value that receives the
    /// path (uri's `body.<field>.filename`); empty for `arg` itself.
    pub within: Vec<String>,
    /// File name inside the temp dir.
    pub name: String,
    pub data: UploadData,
    /// Permissions of the uploaded file (`0o600`; scripts `0o700`).
    pub mode: u32,
}

/// Runs modules on targets and returns the module's result mapping.
pub trait ModuleRunner: Send + Sync {
    fn run(&self, request: ModuleRequest) -> Map;
    /// The results of `requests` (a loop's items), in order, each as its
    /// call ends. The calls must run on their targets in order, as one
    /// `run` after another would; a runner may send them all at once (the
    /// transport does: one round trip for the loop). The default runs
    /// each when its result is asked for.
    fn run_in_order(&self, requests: Vec<ModuleRequest>) -> Box<dyn Iterator<Item = Map> + '_> {
        Box::new(requests.into_iter().map(move |request| self.run(request)))
    }
    /// `path` with a leading `~`/`~user` expanded on the request's target
    /// (ansible's `_remote_expand_user`); a failure is the task's result.
    fn expand_user(&self, _request: &ModuleRequest, path: &str) -> Result<String, Map> {
        Ok(path.to_string())
    }
    /// Copy the target's file `src` to `dest` on the controller (the
    /// connection's `fetch_file`); a failure is the task's result.
    fn fetch_file(
        &self,
        request: &ModuleRequest,
        _src: &str,
        _dest: &std::path::Path,
    ) -> Result<(), Map> {
        Err(self.run(request.clone()))
    }
    /// Run `cmd` on the request's target as ansible's connection
    /// `exec_command` does (an action plugin's `_low_level_execute_command`),
    /// `stdin` fed to it; a failure to run it is the task's result.
    fn exec_command(
        &self,
        _request: &ModuleRequest,
        _cmd: &str,
        _stdin: Vec<u8>,
    ) -> Result<crate::transport::ExecResult, Map> {
        Err(no_transport_result("running a command"))
    }
    /// Write `data` to `dest` on the request's target (an action plugin's
    /// `_transfer_data`/`_transfer_file`); a failure is the task's result.
    fn put_bytes(&self, _request: &ModuleRequest, _data: Vec<u8>, _dest: &str) -> Result<(), Map> {
        Err(no_transport_result("a transfer"))
    }
    /// ansible's `connection.reset()`: forget the request's target
    /// interpreter (and what runs on it) without connecting; the next call
    /// connects and starts a new one.
    fn reset_connection(&self, _request: &ModuleRequest) {}
    /// The account `user` is about to be removed on the request's target:
    /// stop the interpreters running as it there (a persistent become
    /// interpreter would make userdel fail).
    fn retire_account(&self, _request: &ModuleRequest, _user: &str) {}
    /// Close connections at the end of the run.
    fn shutdown(&self) {}
}

fn no_transport_result(what: &str) -> Map {
    let mut result = Map::new();
    result.insert("failed".into(), Value::Bool(true));
    result.insert(
        "msg".into(),
        Value::str(format!("{what} needs a transport, and none is configured")),
    );
    result
}

/// The runner used while no transport is configured: every module call
/// fails with a message that says so.
pub struct NoTransport;

impl ModuleRunner for NoTransport {
    fn run(&self, request: ModuleRequest) -> Map {
        let mut result = Map::new();
        result.insert("failed".into(), Value::Bool(true));
        result.insert(
            "msg".into(),
            Value::str(format!(
                "mitorun cannot run the module '{}' yet: running modules on targets is not supported yet",
                request.action
            )),
        );
        result
    }
}

/// Run-wide options from the command line and configuration.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub verbosity: u8,
    pub check: bool,
    pub diff: bool,
    pub only_tags: Vec<String>,
    pub skip_tags: Vec<String>,
    pub force_handlers: bool,
    /// ERROR_ON_MISSING_HANDLER: notifying an unknown handler ends the run.
    pub error_on_missing_handler: bool,
    /// DEFAULT_GATHERING: implicit, explicit or smart.
    pub gathering: String,
    /// DEFAULT_PRIVATE_ROLE_VARS when it is configured (None: its default,
    /// under which imported roles are public and included ones private).
    pub private_role_vars: Option<bool>,
    /// `--start-at-task`: tasks are skipped until one matches (name or
    /// glob); it stays found for the rest of the run.
    pub start_at_task: Option<String>,
    /// DIFF_CONTEXT: lines of context around diff hunks.
    pub diff_context: usize,
    pub display_skipped_hosts: bool,
    pub display_ok_hosts: bool,
    /// DEFAULT_STRATEGY: the strategy of plays that name none.
    pub strategy: String,
    /// `--step`: every play batch starts in step mode (ansible's strategy
    /// object, made per batch, reads the flag anew).
    pub step: bool,
}

/// What every task run shares.
pub struct Shared {
    pub templar: Arc<Templar>,
    pub factory: ContextFactory,
    pub verbosity: u8,
    /// `--check` / `--diff` (task keywords override them).
    pub check_mode: bool,
    pub diff: bool,
    /// Hosts a task runs on at once.
    pub forks: usize,
    /// Connection settings from flags and configuration (`ansible_*`
    /// names), under keywords and variables.
    pub connection_defaults: Map,
    pub modules: Box<dyn ModuleRunner>,
    pub callback: Mutex<DefaultCallback>,
    /// The task each host is running (for retry lines; hosts run
    /// different tasks under `free`).
    pub current: Mutex<std::collections::HashMap<String, TaskInfo>>,
    /// How task files and roles are read (dynamic includes).
    pub load_options: crate::playbook::model::LoadOptions,
    /// Counter behind task identities.
    pub task_counter: std::sync::atomic::AtomicUsize,
    /// `--start-at-task` has matched.
    pub start_found: std::sync::atomic::AtomicBool,
    /// `--step` is on: each task is confirmed before it runs, until the
    /// user answers `continue`.
    pub step: std::sync::atomic::AtomicBool,
    /// DEFAULT_POLL_INTERVAL: `poll` of async tasks that set none.
    pub poll_interval: i64,
    /// TASK_TIMEOUT: `timeout` of tasks that set none (0: none).
    pub task_timeout: i64,
    /// DEFAULT_NO_LOG: `no_log` of tasks that neither set it nor inherit
    /// it from a block or play.
    pub no_log_default: bool,
    /// DIFF_CONTEXT: lines of context around diff hunks.
    pub diff_context: usize,
    /// FACTS_MODULES: what gather_facts runs (`smart`: setup).
    pub facts_modules: Vec<String>,
    /// `set_stats` data (`Stats::custom`), shared because hosts of a
    /// `free` play record theirs from their own walks.
    pub custom_stats: Mutex<crate::value::Map>,
    /// The project's and collections' Python action plugins.
    pub action_plugins: Arc<action_plugins::ActionPlugins>,
}

/// What ends the whole run from inside a play, as an exception raised out
/// of ansible's strategy does.
#[derive(Debug, Clone)]
pub enum RunAbort {
    /// A generic error (exit 1), e.g. a notified handler that does not exist.
    Error(String),
    /// A parser error in a file loaded by an include (exit 4), with its
    /// origin.
    Parse(Box<crate::playbook::model::ParseError>),
}

impl RunAbort {
    pub fn into_fatal(self) -> crate::errors::Fatal {
        match self {
            RunAbort::Error(msg) => crate::errors::Fatal::msg(Exit::Error, msg),
            // Reported as ansible's strategy reports it (the annotated
            // source in ansible's layout), not as a diagnostic.
            RunAbort::Parse(e) => match e.ansible_context() {
                Some(context) => {
                    crate::errors::Fatal::msg(e.exit, format!("{}\n{context}", e.message))
                }
                None => crate::errors::Fatal::from(*e),
            },
        }
    }
}

// Ends are compared by what they say (a free play checks which end it has).
impl PartialEq for RunAbort {
    fn eq(&self, other: &RunAbort) -> bool {
        match (self, other) {
            (RunAbort::Error(a), RunAbort::Error(b)) => a == b,
            (RunAbort::Parse(a), RunAbort::Parse(b)) => a.to_string() == b.to_string(),
            _ => false,
        }
    }
}

/// How a task's item results are shown.
#[derive(Debug, Clone, Copy)]
pub struct ItemView {
    /// The action is `debug` (its results are shown abridged).
    pub is_debug: bool,
    pub no_log: bool,
    /// `--diff`/`diff:` is on: item diffs are printed before the item.
    pub diff: bool,
}

impl Shared {
    /// A line about a host's async job (`ASYNC POLL`, `ASYNC OK`, ...),
    /// printed as it happens, as ansible's callbacks are.
    /// An async job's poll/ok/failed line; under `no_log` the callback
    /// sees the censored result (so no job id), as in ansible.
    pub fn report_async(
        &self,
        event: crate::output::default::AsyncEvent,
        host: &str,
        result: &Map,
        no_log: bool,
    ) {
        let censored;
        let shown = if no_log {
            censored = crate::output::callback_view(result, false, true);
            &censored
        } else {
            result
        };
        if let Ok(mut cb) = self.callback.lock() {
            cb.async_event(event, host, shown);
        }
    }

    /// A loop item's result, printed when the item is done (ansible sends
    /// item results to the callback as they come).
    pub fn report_item(&self, host: &str, item: &execute::Outcome, view: ItemView) {
        for warning in self.templar.services().take_warnings() {
            crate::cli::display::warning(&warning);
        }
        let Ok(current) = self.current.lock() else {
            return;
        };
        let Some(info) = current.get(host) else {
            return;
        };
        let shown = crate::output::callback_view(&item.result, view.is_debug, view.no_log);
        let mut cb = match self.callback.lock() {
            Ok(cb) => cb,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Some(error) = &item.error {
            cb.task_error(info, error);
        }
        if item.is_failed() || item.flag("unreachable") {
            cb.item_on_failed(host, info, shown);
        } else if item.flag("skipped") {
            cb.item_on_skipped(host, info, shown);
        } else {
            if view.diff {
                cb.on_file_diff(info, &item.result, self.diff_context);
            }
            cb.item_on_ok(host, info, shown);
        }
    }

    pub fn report_retry(&self, host: &str, _task: &Task, result: &Map, retries_left: i64) {
        let Ok(current) = self.current.lock() else {
            return;
        };
        if let (Some(info), Ok(mut cb)) = (current.get(host), self.callback.lock()) {
            cb.retry(host, info, result, retries_left);
        }
    }
}

/// The exit code of a run (`StrategyBase.run`): unreachable hosts beat
/// failed ones. A host counts as failed while it is in the run's failed
/// set (`meta: clear_host_errors` takes it out; the recap keeps counting
/// its failures).
pub fn exit_code(stats: &Stats, failed_hosts: &std::collections::HashSet<String>) -> Exit {
    if stats.hosts.values().any(|s| s.unreachable > 0) {
        Exit::Unreachable
    } else if !failed_hosts.is_empty() {
        Exit::HostFailed
    } else {
        Exit::Ok
    }
}
