//! The package action (ansible's `package` plugin): the generic module
//! runs the host's package manager module. Which one: the `use` argument,
//! else `ansible_package_use`, else the host's `pkg_mgr` fact, else the
//! `ansible_pkg_mgr` fact from a quick setup run (`gather_subset: !all`),
//! as ansible's action finds it. The chosen module then runs as the task
//! would (async included) with the same arguments minus `use`.

use super::execute::{Outcome, TaskRun};
use super::report::TaskError;
use crate::playbook::model::Origin;
use crate::templating::bridge::from_jinja;
use crate::value::{Map, Value};
use minijinja::value::Value as Jv;

/// ansible-core's PKG_MGRS names: these run as `ansible.legacy.NAME`
/// (a `library/` module of that name wins, a collection's does not).
const BUILTIN_PKG_MGRS: &[&str] = &[
    "apk",
    "apt",
    "atomic_container",
    "dnf",
    "dnf5",
    "homebrew",
    "installp",
    "macports",
    "opkg",
    "pacman",
    "pkg5",
    "pkgin",
    "pkgng",
    "portage",
    "sorcery",
    "svr4pkg",
    "swdepot",
    "swupd",
    "urpmi",
    "xbps",
    "zypper",
];

impl TaskRun<'_> {
    /// The module a `package` task runs and its arguments, or the
    /// failure ansible's action reports.
    pub(super) fn package_backend(
        &self,
        mut args: Map,
        context: &Jv,
    ) -> Result<(String, Map), Outcome> {
        let fail = |msg: &str, extra: Option<Map>| {
            let mut outcome = action_failure(msg, &self.task.origin);
            if let Some(extra) = extra {
                for (k, v) in extra {
                    outcome.result.entry(k).or_insert(v);
                }
            }
            outcome
        };
        let mut module = args
            .get("use")
            .map(Value::python_str)
            .unwrap_or_else(|| "auto".to_string());
        if module == "auto" {
            module = match self.package_manager_known(context) {
                Some(known) => known,
                None => match self.probe_pkg_mgr(context, "package")? {
                    Some(found) => found,
                    None => {
                        return Err(fail(
                            "Could not detect a package manager. Try using the \"use\" option.",
                            None,
                        ));
                    }
                },
            };
        }
        if module.is_empty() || module == "auto" {
            return Err(fail(
                "Could not detect which package manager to use. Try gathering facts or setting the \"use\" option.",
                None,
            ));
        }
        args.shift_remove("use");
        let name = if BUILTIN_PKG_MGRS.contains(&module.as_str()) {
            format!("ansible.legacy.{module}")
        } else {
            module
        };
        Ok((name, args))
    }

    /// `ansible_pkg_mgr` from a setup run limited to it (`None` when the
    /// facts do not name one), or the failure of `action` (package, dnf)
    /// that needed it.
    pub(super) fn probe_pkg_mgr(
        &self,
        context: &Jv,
        action: &str,
    ) -> Result<Option<String>, Outcome> {
        let mut probe = Map::new();
        probe.insert("filter".into(), Value::str("ansible_pkg_mgr"));
        probe.insert("gather_subset".into(), Value::str("!all"));
        let request = self.module_request("ansible.legacy.setup", probe, context);
        let facts = self.shared.modules.run(request);
        if facts.get("failed").is_some_and(Value::is_truthy) {
            let msg = format!(
                "Failed to fetch ansible_pkg_mgr to determine the {action} action backend: {}",
                facts
                    .get("msg")
                    .map(Value::python_str)
                    .unwrap_or("None".into())
            );
            let mut outcome = action_failure(&msg, &self.task.origin);
            for (k, v) in facts {
                outcome.result.entry(k).or_insert(v);
            }
            return Err(outcome);
        }
        Ok(facts
            .get("ansible_facts")
            .and_then(Value::as_map)
            .and_then(|f| f.get("ansible_pkg_mgr"))
            .map(Value::python_str))
    }

    /// `ansible_package_use`, else the `pkg_mgr` fact of the host (the
    /// delegated one under `delegate_to`).
    fn package_manager_known(&self, context: &Jv) -> Option<String> {
        let non_empty = |v: Value| {
            let text = v.python_str();
            (v.is_truthy() && !text.is_empty()).then_some(text)
        };
        if let Some(chosen) = jinja_var(context, "ansible_package_use").and_then(non_empty) {
            return Some(chosen);
        }
        self.host_fact(context, "pkg_mgr")
            .map(|v| from_jinja(&v))
            .and_then(non_empty)
    }

    /// The fact `name` of the task's host, or of the delegated host under
    /// `delegate_to` (as ansible resolves `ansible_facts.NAME` in the
    /// package and service actions); `None` when unknown.
    pub(super) fn host_fact(&self, context: &Jv, name: &str) -> Option<Jv> {
        let delegate = self
            .task
            .delegate_to
            .as_ref()
            .and_then(|v| self.template_value(v, context).ok())
            .map(|v| v.python_str())
            .filter(|d| !d.is_empty());
        let vars = match delegate {
            Some(host) => context
                .get_attr("hostvars")
                .ok()?
                .get_item(&Jv::from(host.as_str()))
                .ok()
                .filter(|v| !v.is_undefined())?,
            None => context.clone(),
        };
        let fact = vars.get_attr("ansible_facts").ok()?.get_attr(name).ok()?;
        (!fact.is_undefined()).then_some(fact)
    }
}

/// What an AnsibleActionFail raised by the action gives: the message as
/// `msg` (no "Task failed: " there), the usual report.
pub(super) fn action_failure(msg: &str, origin: &Origin) -> Outcome {
    let mut outcome = Outcome::from_error(&TaskError::new(msg), origin);
    outcome.result.insert("msg".into(), Value::str(msg));
    outcome
}

/// ansible's failure for a `package` backend no module loader knows
/// (it looks before running; mitorun learns it from the run).
pub(super) fn missing_backend(module: &str, result: &Map) -> Option<String> {
    let msg = result.get("msg")?.as_str()?;
    // The name as `use` or the facts gave it.
    let short = module.strip_prefix("ansible.legacy.").unwrap_or(module);
    let unknown = msg.starts_with("The module ")
        && msg.ends_with(" was not found in configured module paths")
        && msg.contains(short);
    let failed = result.get("failed").is_some_and(Value::is_truthy);
    (failed && unknown)
        .then(|| format!("Could not find a matching action for the \"{short}\" package manager."))
}

fn jinja_var(context: &Jv, name: &str) -> Option<Value> {
    context
        .get_attr(name)
        .ok()
        .filter(|v| !v.is_undefined())
        .map(|v| from_jinja(&v))
}
