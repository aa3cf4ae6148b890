//! The service action (ansible's `service` plugin): the generic module
//! runs the host's service manager module. Which one: the `use` argument
//! (lowercased), else the host's (or delegate's) `service_mgr` fact, else
//! `ansible_service_mgr` from a quick setup run (`gather_subset: !all`);
//! a name no module answers to (`process_api`, `openrc`, ...) means the
//! generic `service` module, as ansible's `has_plugin` check decides.
//! The chosen module then runs as the task would (async included) with
//! the same arguments minus `use`; for systemd minus the arguments it
//! does not take, with ansible's warning.

use super::execute::TaskRun;
use crate::templating::bridge::from_jinja;
use crate::value::{Map, Value};
use minijinja::value::Value as Jv;
use std::path::PathBuf;

/// ansible's BUILTIN_SVC_MGR_MODULES: these run as `ansible.legacy.NAME`
/// (a `library/` module of that name wins, a collection's does not).
const BUILTIN_SERVICE_MODULES: &[&str] = &["openwrt_init", "service", "systemd", "sysvinit"];

/// Arguments of the generic module a backend does not take (ansible's
/// UNUSED_PARAMS): dropped with a warning.
const UNUSED_BY: &[(&str, &[&str])] = &[(
    "systemd",
    &["pattern", "runlevel", "sleep", "arguments", "args"],
)];

/// What the service action runs: the module, its arguments, and the
/// warnings the action gave while choosing.
pub(super) struct ServiceBackend {
    pub module: String,
    pub args: Map,
    pub warnings: Vec<Value>,
}

impl TaskRun<'_> {
    /// The module a `service` task runs and its arguments.
    pub(super) fn service_backend(
        &self,
        mut args: Map,
        context: &Jv,
        library_dirs: &[PathBuf],
    ) -> ServiceBackend {
        let mut module = args
            .get("use")
            .map(Value::python_str)
            .unwrap_or_else(|| "auto".to_string())
            .to_lowercase();
        if module == "auto"
            && let Some(known) = self.service_manager_known(context)
        {
            module = known;
        }
        if module == "auto" {
            let mut probe = Map::new();
            probe.insert("gather_subset".into(), Value::str("!all"));
            probe.insert("filter".into(), Value::str("ansible_service_mgr"));
            let request = self.module_request("ansible.legacy.setup", probe, context);
            let facts = self.shared.modules.run(request);
            // A failed probe leaves no fact: the generic module then runs.
            module = facts
                .get("ansible_facts")
                .and_then(Value::as_map)
                .and_then(|f| f.get("ansible_service_mgr"))
                .map(Value::python_str)
                .unwrap_or_else(|| "auto".to_string());
        }
        if module.is_empty() || module == "auto" || !module_exists(&module, library_dirs) {
            module = "ansible.legacy.service".to_string();
        }
        args.shift_remove("use");
        let mut warnings = Vec::new();
        if let Some((_, unused)) = UNUSED_BY.iter().find(|(m, _)| *m == module) {
            for key in *unused {
                if args.shift_remove(*key).is_some() {
                    warnings.push(Value::str(format!(
                        "Ignoring \"{key}\" as it is not used in \"{module}\""
                    )));
                }
            }
        }
        if BUILTIN_SERVICE_MODULES.contains(&module.as_str()) {
            module = format!("ansible.legacy.{module}");
        }
        ServiceBackend {
            module,
            args,
            warnings,
        }
    }

    /// The `service_mgr` fact of the host (the delegated one under
    /// `delegate_to`), as ansible resolves `ansible_facts.service_mgr`.
    fn service_manager_known(&self, context: &Jv) -> Option<String> {
        self.host_fact(context, "service_mgr")
            .map(|manager| from_jinja(&manager).python_str())
    }
}

/// ansible's `module_loader.has_plugin` for a service manager's name: a
/// `library/` module of that name, or a module ansible-core (or mitorun,
/// natively) has. Collection names are left to the module loader, which
/// reports a missing one.
fn module_exists(name: &str, library_dirs: &[PathBuf]) -> bool {
    let short = name
        .strip_prefix("ansible.builtin.")
        .or_else(|| name.strip_prefix("ansible.legacy."))
        .unwrap_or(name);
    if short.is_empty() || short.contains('/') {
        return false;
    }
    if short.contains('.') {
        return true;
    }
    let in_library = library_dirs.iter().any(|dir| {
        dir.join(format!("{short}.py")).is_file()
            || dir.join(short).is_file()
            || std::fs::read_dir(dir).is_ok_and(|entries| {
                entries.flatten().any(|e| {
                    let path = e.path();
                    path.is_file() && path.file_stem().and_then(|s| s.to_str()) == Some(short)
                })
            })
    });
    in_library
        || crate::transport::modules::NATIVE.contains(&short)
        || crate::transport::modules::find_ansible_core()
            .is_some_and(|core| core.join("modules").join(format!("{short}.py")).is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_managers_without_a_module_are_unknown() {
        for manager in [
            "process_api",
            "openrc",
            "upstart",
            "bsdinit",
            "",
            "../service",
        ] {
            assert!(!module_exists(manager, &[]), "{manager}");
        }
    }

    #[test]
    fn native_service_managers_exist() {
        for manager in [
            "service",
            "systemd",
            "sysvinit",
            "ansible.builtin.systemd_service",
            "ansible.legacy.sysvinit",
        ] {
            assert!(module_exists(manager, &[]), "{manager}");
        }
    }

    #[test]
    fn library_modules_count_whatever_their_extension() {
        let dir = std::env::temp_dir().join(format!("mitorun-svc-lib-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let _ = std::fs::write(dir.join("openrc.sh"), "#!/bin/sh\n");
        let found = module_exists("openrc", std::slice::from_ref(&dir));
        let _ = std::fs::remove_dir_all(&dir);
        assert!(found);
    }
}
