//! The gather_facts action (ansible's `gather_facts` plugin): the facts
//! modules of FACTS_MODULES (`ansible_facts_modules`; `smart` is `setup`)
//! run with the task's arguments, one after the other or, with `parallel`
//! (the default for more than one module), as async jobs polled together;
//! their facts, warnings and deprecations merged, failures and skips
//! reported as ansible words them.

use super::execute::{Outcome, TaskRun};
use super::report::{error_summary_message, failed_with_sub_events};
use crate::playbook::model::Origin;
use crate::templating::bridge::from_jinja;
use crate::transport::AsyncJob;
use crate::value::{Map, Value};
use minijinja::value::Value as Jv;

/// The time limit of a parallel facts module that has none of its own
/// (ansible's async_wrapper kills a job without a limit after its first
/// 5-second check).
const UNLIMITED_JOB: u64 = 5;

/// How often the parallel jobs' status is read.
const JOB_POLL: std::time::Duration = std::time::Duration::from_millis(100);

impl TaskRun<'_> {
    pub(super) fn gather_facts_action(&self, mut args: Map, context: &Jv) -> Outcome {
        let modules = self.facts_modules(context);
        let parallel_arg = args.shift_remove("parallel");
        let parallel = context_value(context, "ansible_facts_parallel")
            .or(parallel_arg)
            .filter(|v| !matches!(v, Value::Null))
            .map(|v| v.ansible_bool().unwrap_or(v.is_truthy()))
            .unwrap_or(modules.len() > 1);
        let mut warnings = Vec::new();
        let mut runs: Vec<(String, Map)> = Vec::new();
        // Each module's arguments (with its module_defaults), before any runs.
        let mut prepared: Vec<(String, Map)> = Vec::new();
        for module in &modules {
            let written = module_args(module, &args, &mut warnings);
            match self.module_args_with_defaults(&legacy_name(module), written, context) {
                Ok(module_args) => prepared.push((module.clone(), module_args)),
                Err(e) => return Outcome::from_error(&e, &self.task.origin),
            }
        }
        if parallel {
            let timeout = args.get("gather_timeout").and_then(as_int);
            let mut jobs = Vec::new();
            for (module, module_args) in prepared {
                let limit = match timeout {
                    Some(t) if t > 0 && !module_args.contains_key("gather_timeout") => {
                        t.unsigned_abs()
                    }
                    _ => UNLIMITED_JOB,
                };
                let mut request = self.module_request(&legacy_name(&module), module_args, context);
                request.async_job = Some(AsyncJob {
                    time_limit: limit,
                    dir: Self::async_dir(&request),
                });
                let started = self.shared.modules.run(request);
                jobs.push((module, started));
            }
            runs = self.wait_for_fact_jobs(jobs, context);
        } else {
            for (module, module_args) in prepared {
                let request = self.module_request(&legacy_name(&module), module_args, context);
                runs.push((module, self.shared.modules.run(request)));
            }
        }
        combine_fact_results(&modules, runs, warnings, &self.task.origin)
    }

    /// FACTS_MODULES as ansible's `_handle_smart` reads it: `smart` stands
    /// for `setup` (added last when the list has no setup of its own).
    fn facts_modules(&self, context: &Jv) -> Vec<String> {
        let configured = match context_value(context, "ansible_facts_modules") {
            Some(Value::List(items)) => items.iter().map(Value::python_str).collect(),
            Some(Value::Str(s)) => s.split(',').map(|m| m.trim().to_string()).collect(),
            _ => self.shared.facts_modules.clone(),
        };
        let mut modules: Vec<String> = configured
            .iter()
            .filter(|m| *m != "smart")
            .cloned()
            .collect();
        if configured.iter().any(|m| m == "smart") && !modules.iter().any(|m| is_setup(m)) {
            modules.push("ansible.legacy.setup".to_string());
        }
        modules
    }

    /// Poll the jobs until each has finished (or could not start).
    fn wait_for_fact_jobs(&self, jobs: Vec<(String, Map)>, context: &Jv) -> Vec<(String, Map)> {
        let mut done: Vec<(String, Map)> = Vec::new();
        let mut pending: Vec<(String, Value, String)> = Vec::new();
        for (module, started) in jobs {
            match (started.get("ansible_job_id"), started.get("results_file")) {
                (Some(jid), Some(file)) if !flag(&started, "failed") => {
                    let file = file.python_str();
                    let dir = file
                        .rsplit_once('/')
                        .map(|(d, _)| d.to_string())
                        .unwrap_or_default();
                    pending.push((module, jid.clone(), dir));
                }
                _ => done.push((module, started)),
            }
        }
        while !pending.is_empty() {
            std::thread::sleep(JOB_POLL);
            let mut still = Vec::new();
            for (module, jid, dir) in pending {
                let status = self.fact_job_status(&jid, &dir, "status", context);
                if flag(&status, "finished") || flag(&status, "unreachable") {
                    self.fact_job_status(&jid, &dir, "cleanup", context);
                    done.push((module, status));
                } else {
                    still.push((module, jid, dir));
                }
            }
            pending = still;
        }
        done
    }

    fn fact_job_status(&self, jid: &Value, dir: &str, mode: &str, context: &Jv) -> Map {
        let mut args = Map::new();
        args.insert("jid".into(), jid.clone());
        args.insert("mode".into(), Value::str(mode));
        args.insert("_async_dir".into(), Value::str(dir));
        let request = self.module_request("ansible.legacy.async_status", args, context);
        self.shared.modules.run(request)
    }
}

/// A short facts module name resolves as ansible's module loader resolves
/// it: `library/` dirs first, then the builtin module (`ansible.legacy`).
fn legacy_name(module: &str) -> String {
    if module.contains('.') {
        module.to_string()
    } else {
        format!("ansible.legacy.{module}")
    }
}

fn context_value(context: &Jv, name: &str) -> Option<Value> {
    context
        .get_attr(name)
        .ok()
        .filter(|v| !v.is_undefined())
        .map(|v| from_jinja(&v))
}

fn is_setup(module: &str) -> bool {
    matches!(
        module,
        "setup" | "ansible.builtin.setup" | "ansible.legacy.setup"
    )
}

fn as_int(value: &Value) -> Option<i64> {
    match value {
        Value::Int(i) => Some(*i),
        Value::Str(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn flag(result: &Map, key: &str) -> bool {
    result.get(key).is_some_and(Value::is_truthy)
}

/// A facts module's arguments: the task's, without those only setup
/// takes (with a warning when a value that matters is dropped), without
/// `None` values.
fn module_args(module: &str, args: &Map, warnings: &mut Vec<Value>) -> Map {
    let mut out = args.clone();
    if !is_setup(module) {
        if let Some(subset) = out.shift_remove("gather_subset") {
            let all = match &subset {
                Value::Null => true,
                Value::Str(s) => s == "all",
                Value::List(items) => items.len() == 1 && items[0] == Value::str("all"),
                _ => false,
            };
            if !all {
                warnings.push(Value::str(format!(
                    "Not passing subset({}) to {module}",
                    subset.python_str()
                )));
            }
        }
        for (key, word) in [("gather_timeout", "timeout"), ("filter", "filter")] {
            if let Some(value) = out.shift_remove(key)
                && !matches!(value, Value::Null)
            {
                warnings.push(Value::str(format!(
                    "Not passing {word}({}) to {module}",
                    value.python_str()
                )));
            }
        }
    }
    out.retain(|_, v| !matches!(v, Value::Null));
    out
}

/// The action's result from each module's: facts, warnings and
/// deprecations merged in module order (later facts win, lists append);
/// skipped and failed modules listed. A host that cannot be reached is
/// that, whatever the other modules gave.
/// The action's own warnings come first (ansible shows what the action
/// warned while it ran with the result).
fn combine_fact_results(
    modules: &[String],
    runs: Vec<(String, Map)>,
    action_warnings: Vec<Value>,
    origin: &Origin,
) -> Outcome {
    if let Some((_, unreachable)) = runs.iter().find(|(_, r)| flag(r, "unreachable")) {
        return Outcome::plain(unreachable.clone());
    }
    let mut facts = Map::new();
    let mut warnings = action_warnings;
    let mut sub_events = Vec::new();
    let mut deprecations = Vec::new();
    let mut skipped = Map::new();
    let mut failed = Map::new();
    let mut failed_order = Vec::new();
    let mut skipped_order = Vec::new();
    // Results in the order of the module list (jobs finish in any order).
    let mut runs = runs;
    runs.sort_by_key(|(m, _)| modules.iter().position(|x| x == m));
    for (module, mut result) in runs {
        if flag(&result, "failed") {
            // Each module's error as ansible normalises it.
            let brief = result
                .get("exception")
                .and_then(error_summary_message)
                .or_else(|| result.get("msg").map(Value::python_str))
                .unwrap_or_else(|| "Unknown error.".to_string());
            sub_events.push(brief);
            result.insert("exception".into(), Value::str("(traceback unavailable)"));
            failed_order.push(module.clone());
            failed.insert(module, Value::Map(result));
        } else if flag(&result, "skipped") {
            skipped_order.push(module.clone());
            skipped.insert(module, Value::Map(result));
        } else {
            if let Some(Value::Map(f)) = result.get("ansible_facts") {
                merge_facts(&mut facts, f);
            }
            if let Some(Value::List(w)) = result.get("warnings") {
                warnings.extend(w.iter().cloned());
            }
            if let Some(Value::List(d)) = result.get("deprecations") {
                deprecations.extend(d.iter().cloned());
            }
        }
    }
    let mut result = Map::new();
    if !warnings.is_empty() {
        result.insert("warnings".into(), Value::List(warnings));
    }
    if !deprecations.is_empty() {
        result.insert("deprecations".into(), Value::List(deprecations));
    }
    if !skipped_order.is_empty() {
        result.insert(
            "msg".into(),
            Value::str(format!(
                "The following modules were skipped: {}.",
                skipped_order.join(", ")
            )),
        );
        let all = skipped_order.len() == modules.len();
        result.insert("skipped_modules".into(), Value::Map(skipped));
        if all {
            result.insert("skipped".into(), Value::Bool(true));
        }
    }
    let mut error = None;
    if !failed_order.is_empty() {
        let msg = format!(
            "The following modules failed to execute: {}.",
            failed_order.join(", ")
        );
        result.insert("failed_modules".into(), Value::Map(failed));
        result.insert("failed".into(), Value::Bool(true));
        result.insert("msg".into(), Value::str(msg.as_str()));
        // The action's own failure (not a module's) in ansible's report.
        error = Some(failed_with_sub_events(&msg, &sub_events, origin));
    }
    facts.insert("_ansible_facts_gathered".into(), Value::Bool(true));
    result.insert("ansible_facts".into(), Value::Map(facts));
    result.insert("_ansible_verbose_override".into(), Value::Bool(true));
    Outcome { result, error }
}

/// `merge_hash(..., list_merge='append_rp')` for facts: maps merge
/// recursively, lists append what is new, other values are replaced.
fn merge_facts(into: &mut Map, from: &Map) {
    for (key, value) in from {
        match (into.get_mut(key), value) {
            (Some(Value::Map(old)), Value::Map(new)) => merge_facts(old, new),
            (Some(Value::List(old)), Value::List(new)) => {
                let kept: Vec<Value> = old.iter().filter(|v| !new.contains(v)).cloned().collect();
                *old = kept.into_iter().chain(new.iter().cloned()).collect();
            }
            _ => {
                into.insert(key.clone(), value.clone());
            }
        }
    }
}
