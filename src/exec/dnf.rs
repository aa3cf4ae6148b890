//! The dnf action (ansible's `dnf` plugin, which `yum` redirects to): it
//! picks the dnf module generation. Which one: `use` or `use_backend`
//! (not both), where `auto` and `yum` mean the host's `pkg_mgr` fact;
//! anything that is not a dnf backend then asks a quick setup run
//! (`gather_subset: !all`) for `ansible_pkg_mgr`, which the result
//! reports as the `pkg_mgr` fact. `yum4`/`dnf4` mean the `dnf` module.
//! The chosen `ansible.legacy.` module then runs with the task's
//! arguments minus `use`/`use_backend` (async included).

use super::execute::{Outcome, TaskRun};
use super::package::action_failure;
use super::report::failed_result_report;
use crate::templating::bridge::from_jinja;
use crate::value::{Map, Value};
use minijinja::value::Value as Jv;

/// ansible's VALID_BACKENDS of the dnf action.
const VALID_BACKENDS: &[&str] = &["yum", "yum4", "dnf", "dnf4", "dnf5"];

/// What the dnf action runs: the module and its arguments, and the
/// result keys the action set while choosing (the `pkg_mgr` fact), which
/// the module's result is laid over.
pub(super) struct DnfBackend {
    pub module: String,
    pub args: Map,
    pub result: Map,
}

impl TaskRun<'_> {
    /// The module a `dnf` (or `yum`) task runs, or the action's failure.
    pub(super) fn dnf_backend(&self, mut args: Map, context: &Jv) -> Result<DnfBackend, Outcome> {
        if args.contains_key("use") && args.contains_key("use_backend") {
            return Err(action_failure(
                "parameters are mutually exclusive: ('use', 'use_backend')",
                &self.task.origin,
            ));
        }
        let mut result = Map::new();
        let mut module = args
            .get("use")
            .or_else(|| args.get("use_backend"))
            .map(Value::python_str)
            .unwrap_or_else(|| "auto".to_string());
        if (module == "yum" || module == "auto")
            && let Some(known) = self.host_fact(context, "pkg_mgr")
        {
            module = from_jinja(&known).python_str();
        }
        if !VALID_BACKENDS.contains(&module.as_str()) {
            module = self
                .probe_pkg_mgr(context, "dnf")?
                .unwrap_or_else(|| "auto".to_string());
            if (!self.delegated(context) || self.delegates_facts()) && module != "auto" {
                let mut facts = Map::new();
                facts.insert("pkg_mgr".into(), Value::str(module.as_str()));
                result.insert("ansible_facts".into(), Value::Map(facts));
            }
        }
        if !VALID_BACKENDS.contains(&module.as_str()) {
            // A tuple in ansible: a list in the result, its repr in the
            // report.
            let parts = [
                "Could not detect which major revision of dnf is in use, which is required to determine module backend.",
                "You should manually specify use_backend to tell the module whether to use the dnf4 or dnf5 backend})",
            ];
            result.insert("failed".into(), Value::Bool(true));
            result.insert(
                "msg".into(),
                Value::List(parts.iter().map(|p| Value::str(*p)).collect()),
            );
            let repr = format!(
                "({})",
                parts
                    .iter()
                    .map(|p| Value::str(*p).python_repr())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            return Err(Outcome {
                result,
                error: Some(failed_result_report("Action", &repr, &self.task.origin)),
            });
        }
        if module == "yum4" || module == "dnf4" {
            module = "dnf".into();
        }
        args.shift_remove("use_backend");
        args.shift_remove("use");
        Ok(DnfBackend {
            module: format!("ansible.legacy.{module}"),
            args,
            result,
        })
    }

    /// Whether the task runs on another host (`delegate_to`).
    fn delegated(&self, context: &Jv) -> bool {
        self.task
            .delegate_to
            .as_ref()
            .and_then(|v| self.template_value(v, context).ok())
            .is_some_and(|v| !v.python_str().is_empty())
    }

    fn delegates_facts(&self) -> bool {
        self.scope
            .keyword(self.task, "delegate_facts")
            .and_then(Value::ansible_bool)
            .unwrap_or(false)
    }
}

/// ansible's failure for a backend no module loader knows (`yum` without
/// a library module of that name): the action checks before running,
/// mitorun learns it from the run.
pub(super) fn missing_backend(module: &str, result: &Map) -> Option<String> {
    let msg = result.get("msg")?.as_str()?;
    let unknown = msg == format!("The module {module} was not found in configured module paths");
    let failed = result.get("failed").is_some_and(Value::is_truthy);
    (failed && unknown).then(|| format!("Could not find a dnf module backend for {module}."))
}
