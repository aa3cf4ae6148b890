//! Running plays (ansible's `PlaybookExecutor` + the linear strategy):
//! hosts are selected per play, every task runs on every active host in
//! lock-step, results go to the output callback and into the variable
//! manager (register, set_fact, facts), handlers run at section ends.
//!
//! - `scope` — what a task inherits from its blocks and roles;
//! - `walk` — blocks (rescue/always), tasks over hosts, handlers, meta;
//! - `execute` — one task on one host (loops, when, args, retries);
//! - `actions` — actions that run on the controller;
//! - `conditional` — `when`-style conditions;
//! - `report` — ansible's task error texts.
//!
//! Modules go through a `ModuleRunner`; until the transport is wired in,
//! the runner says plainly that it cannot run them.

pub mod actions;
pub mod conditional;
pub mod execute;
pub mod include;
pub mod playbook;
pub mod report;
pub mod scope;
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
/// and the host's variables (connection settings live there).
#[derive(Debug, Clone)]
pub struct ModuleRequest {
    pub host: String,
    pub action: String,
    pub args: Map,
    pub host_vars: Value,
}

/// Runs modules on targets and returns the module's result mapping.
pub trait ModuleRunner: Send + Sync {
    fn run(&self, request: ModuleRequest) -> Map;
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
    /// DEFAULT_GATHERING: implicit, explicit or smart.
    pub gathering: String,
    pub private_role_vars: bool,
    pub display_skipped_hosts: bool,
    pub display_ok_hosts: bool,
}

/// What every task run shares.
pub struct Shared {
    pub templar: Arc<Templar>,
    pub factory: ContextFactory,
    pub verbosity: u8,
    pub modules: Box<dyn ModuleRunner>,
    pub callback: Mutex<DefaultCallback>,
    /// The task being reported (for retry lines).
    pub current: Mutex<Option<TaskInfo>>,
    /// How task files and roles are read (dynamic includes).
    pub load_options: crate::playbook::model::LoadOptions,
}

impl Shared {
    pub fn report_retry(&self, host: &str, _task: &Task, result: &Map, retries_left: i64) {
        let Ok(current) = self.current.lock() else {
            return;
        };
        if let (Some(info), Ok(mut cb)) = (current.as_ref(), self.callback.lock()) {
            cb.retry(host, info, result, retries_left);
        }
    }
}

/// The exit code of a run (`StrategyBase.run`): unreachable hosts beat
/// failed ones.
pub fn exit_code(stats: &Stats) -> Exit {
    if stats.hosts.values().any(|s| s.unreachable > 0) {
        Exit::Unreachable
    } else if stats.hosts.values().any(|s| s.failures > 0) {
        Exit::HostFailed
    } else {
        Exit::Ok
    }
}
