//! A project's own Python action plugins: `action_plugins/` beside the
//! playbooks, in roles and in DEFAULT_ACTION_PLUGIN_PATH, and a
//! collection's `plugins/action/NAME.py` (which ansible runs in place of
//! the collection's module of the same name).
//!
//! They subclass ansible-core's real `ActionBase`, so they run in a
//! controller-local worker whose Python imports ansible-core
//! (`agent/native_action_plugins.py`, started on first use). A plugin's
//! `run(tmp, task_vars)` gives the task's result; what it does on the
//! target (`_execute_module`, `_low_level_execute_command`, transfers,
//! `~` expansion) comes back here as questions mid-call, answered on the
//! task's thread by running the module or command on the task's host
//! exactly as a task would (same connection, become, delegation).
//!
//! Builtin action names (`copy`, `debug`, `command` ...) always stay
//! mitorun's own, even when a project file of that name exists.

use super::ModuleRequest;
use super::execute::{Outcome, TaskRun, full_action_name};
use super::plugin_worker::LocalPluginWorker;
use super::report::{TaskError, failed_result_report};
use crate::templating::bridge::from_jinja;
use crate::transport::modules::ACTION_PLUGIN_MODULE;
use crate::value::{Map, Value};
use minijinja::value::Value as Jv;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The action plugins a run may use, and the worker that runs them.
pub struct ActionPlugins {
    /// Plugin name → file, from the `action_plugins/` dirs (first wins).
    legacy: Vec<(String, PathBuf)>,
    /// Directories named `ansible_collections`.
    collection_roots: Vec<PathBuf>,
    /// Started on the first plugin run.
    worker: OnceLock<Result<Worker, String>>,
}

struct Worker {
    worker: LocalPluginWorker,
    /// A `sys.path` entry that makes ansible-core importable, when the
    /// interpreter does not find it by itself (MITORUN_ANSIBLE_CORE).
    ansible_path: Option<String>,
}

impl std::fmt::Debug for ActionPlugins {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ActionPlugins")
            .field("legacy", &self.legacy)
            .field("collection_roots", &self.collection_roots)
            .finish()
    }
}

impl ActionPlugins {
    /// The plugins of `dirs` (action plugin directories, in ansible's
    /// search order) and of the collections under `collection_roots`.
    pub fn new(dirs: &[PathBuf], collection_roots: &[PathBuf]) -> ActionPlugins {
        let mut legacy: Vec<(String, PathBuf)> = Vec::new();
        for dir in dirs {
            for file in crate::templating::python_plugins::python_files(dir) {
                let Some(name) = file.file_stem().map(|s| s.to_string_lossy().into_owned()) else {
                    continue;
                };
                if !legacy.iter().any(|(n, _)| *n == name) {
                    legacy.push((name, file));
                }
            }
        }
        ActionPlugins {
            legacy,
            collection_roots: collection_roots.to_vec(),
            worker: OnceLock::new(),
        }
    }

    /// The plugin an action name runs (its name as ansible resolves it,
    /// and its file), when it is a project or collection action plugin.
    pub fn find(&self, action: &str) -> Option<(String, PathBuf)> {
        let parts: Vec<&str> = action.split('.').collect();
        // A project's own plugin wins over a builtin action of its name,
        // as ansible's `ansible.legacy` search finds it first.
        let short = match parts.as_slice() {
            [short] => *short,
            ["ansible", "builtin", ..] => return None,
            ["ansible", "legacy", short] => *short,
            [namespace, collection, rest @ ..] if !rest.is_empty() => {
                return self.find_in_collection(action, namespace, collection, rest);
            }
            _ => return None,
        };
        self.legacy
            .iter()
            .find(|(name, _)| name == short)
            .map(|(name, path)| (format!("ansible.legacy.{name}"), path.clone()))
    }

    fn find_in_collection(
        &self,
        action: &str,
        namespace: &str,
        collection: &str,
        rest: &[&str],
    ) -> Option<(String, PathBuf)> {
        let (last, subdirs) = rest.split_last()?;
        for root in &self.collection_roots {
            let mut file = root
                .join(namespace)
                .join(collection)
                .join("plugins")
                .join("action");
            for dir in subdirs {
                file.push(dir);
            }
            file.push(format!("{last}.py"));
            if file.is_file() {
                return Some((action.to_string(), file));
            }
        }
        None
    }

    fn worker(&self) -> Result<&Worker, String> {
        self.worker
            .get_or_init(start_worker)
            .as_ref()
            .map_err(Clone::clone)
    }
}

/// A controller Python that imports ansible-core: MITORUN_ANSIBLE_PYTHON
/// when set (and only it: the user chose it), else the PATH python3 or
/// /usr/bin/python3 when one has it, else one of them with
/// MITORUN_ANSIBLE_CORE's parent directory on its path. Err says why none.
pub(crate) fn ansible_python() -> Result<(String, Option<String>), String> {
    use crate::transport::modules::ansible_dir_of;
    if let Ok(python) = std::env::var("MITORUN_ANSIBLE_PYTHON") {
        return match ansible_dir_of(&python) {
            Some(_) => Ok((python, None)),
            None => Err(format!(
                "MITORUN_ANSIBLE_PYTHON ({python}) cannot import ansible-core"
            )),
        };
    }
    let candidates = [
        crate::cli::setup::controller_python(),
        "/usr/bin/python3".to_string(),
    ];
    for python in &candidates {
        if ansible_dir_of(python).is_some() {
            return Ok((python.clone(), None));
        }
    }
    let missing = "no Python with ansible-core was found on the controller \
                   (set MITORUN_ANSIBLE_PYTHON to an interpreter that imports ansible)";
    let core = std::env::var("MITORUN_ANSIBLE_CORE").map_err(|_| missing.to_string())?;
    let parent = Path::new(&core)
        .parent()
        .ok_or_else(|| missing.to_string())?
        .to_string_lossy()
        .into_owned();
    Ok((candidates[0].clone(), Some(parent)))
}

fn start_worker() -> Result<Worker, String> {
    let (python, ansible_path) = ansible_python()?;
    // Started on its first call; a failure to start is that call's.
    let worker = LocalPluginWorker::new(vec![python]);
    Ok(Worker {
        worker,
        ansible_path,
    })
}

/// The task's variables as a plugin's `task_vars` (without `hostvars` and
/// `vars`, which hold every host's variables).
fn task_vars(context: &Jv) -> Map {
    let mut out = Map::new();
    let Ok(keys) = context.try_iter() else {
        return out;
    };
    for key in keys {
        let Some(name) = key.as_str() else {
            continue;
        };
        if matches!(name, "hostvars" | "vars") {
            continue;
        }
        if let Ok(value) = context.get_attr(name)
            && !value.is_undefined()
        {
            out.insert(name.to_string(), from_jinja(&value));
        }
    }
    out
}

fn error_answer(msg: impl Into<String>) -> (Map, Vec<u8>) {
    let mut answer = Map::new();
    answer.insert("error".into(), Value::str(msg.into()));
    (answer, Vec::new())
}

/// A failed result's message, for an answer.
fn failure_text(result: &Map) -> String {
    result
        .get("msg")
        .map(Value::python_str)
        .unwrap_or_else(|| "failed".to_string())
}

/// A display line of the plugin, where ansible's display writes it.
fn show(line: &str, on_stderr: bool) {
    use std::io::Write;
    if on_stderr {
        let _ = writeln!(std::io::stderr(), "{line}");
        return;
    }
    let out = std::io::stdout();
    let mut out = out.lock();
    crate::output::progress::erase(&mut out);
    let _ = writeln!(out, "{line}");
}

fn text(value: Option<&Value>) -> Value {
    match value {
        Some(Value::Null) | None => Value::Null,
        Some(v) => Value::str(v.python_str()),
    }
}

impl TaskRun<'_> {
    /// Run the action plugin `name` (file `path`) for this task and host.
    pub(super) fn action_plugin_action(
        &self,
        name: &str,
        path: &Path,
        args: Map,
        context: &Jv,
        async_limit: Option<u64>,
    ) -> Outcome {
        let origin = &self.task.origin;
        let worker = match self.shared.action_plugins.worker() {
            Ok(worker) => worker,
            Err(e) => {
                let msg = format!("The action plugin '{name}' needs ansible-core: {e}");
                return super::package::action_failure(&msg, origin);
            }
        };
        let base = self.module_request(name, Map::new(), context);
        let mut call = Map::new();
        call.insert("name".into(), Value::str(name));
        call.insert("path".into(), Value::str(path.to_string_lossy().as_ref()));
        if let Some(extra) = &worker.ansible_path {
            call.insert("ansible_path".into(), Value::str(extra.as_str()));
        }
        let collections_paths = self
            .shared
            .action_plugins
            .collection_roots
            .iter()
            .filter_map(|root| root.parent())
            .map(|dir| Value::str(dir.to_string_lossy().as_ref()))
            .collect();
        call.insert("collections_paths".into(), Value::List(collections_paths));
        let library_dirs = base
            .library_dirs
            .iter()
            .map(|dir| Value::str(dir.to_string_lossy().as_ref()))
            .collect();
        call.insert("library_dirs".into(), Value::List(library_dirs));
        call.insert(
            "task".into(),
            Value::Map(self.plugin_task_info(name, &args, &base, context, async_limit)),
        );
        call.insert("task_vars".into(), Value::Map(task_vars(context)));
        let mut answer =
            |question: Map, payload: Vec<u8>| self.answer_plugin(&base, question, payload);
        let out = match worker
            .worker
            .call_answering(ACTION_PLUGIN_MODULE, call, &mut answer)
        {
            Ok(out) => out,
            Err(e) => return super::package::action_failure(&e, origin),
        };
        if let Some(reason) = out.get("no_ansible") {
            let msg = format!(
                "The action plugin '{name}' needs ansible-core, which the controller's Python \
                 cannot import ({}): set MITORUN_ANSIBLE_PYTHON to an interpreter that imports \
                 ansible",
                reason.python_str()
            );
            return super::package::action_failure(&msg, origin);
        }
        if let Some(reason) = out.get("load_error") {
            let msg = format!(
                "The action plugin '{name}' failed to load: {}",
                reason.python_str()
            );
            return super::package::action_failure(&msg, origin);
        }
        if let Some(Value::List(lines)) = out.get("display") {
            for line in lines {
                if let Value::List(parts) = line {
                    let message = parts.first().map(Value::python_str).unwrap_or_default();
                    let on_stderr = matches!(parts.get(1), Some(Value::Bool(true)));
                    show(&message, on_stderr);
                }
            }
        }
        let mut result = match out.get("result") {
            Some(Value::Map(result)) => result.clone(),
            _ => Map::new(),
        };
        // What the plugin warned while it ran comes before the warnings
        // of its result (ansible's deferred warnings, in capture order).
        if let Some(Value::List(warned)) = out.get("warnings")
            && !warned.is_empty()
        {
            let mut warnings = warned.clone();
            if let Some(Value::List(more)) = result.get("warnings") {
                warnings.extend(more.iter().cloned());
            }
            result.insert("warnings".into(), Value::List(warnings));
        }
        let mut outcome = Outcome::plain(result);
        if out.get("queue_failure").is_some_and(Value::is_truthy) {
            // The result could not be pickled (ansible's worker replaces
            // it): its report is the bare message, with no task origin.
            let msg = outcome
                .result
                .get("msg")
                .map(Value::python_str)
                .unwrap_or_default();
            outcome.error = Some(msg);
            outcome
                .result
                .insert("exception".into(), Value::str("(traceback unavailable)"));
        } else if let Some(Value::Map(raised)) = out.get("raised") {
            // An exception out of `run`: the task's error, its message
            // the exception's.
            let message = raised
                .get("message")
                .map(Value::python_str)
                .unwrap_or_default();
            outcome.error = Some(TaskError::new(message).report(origin));
            outcome
                .result
                .insert("exception".into(), Value::str("(traceback unavailable)"));
        } else if outcome.flag("failed") {
            // A failed result the plugin returned is the action's failure.
            let msg = outcome
                .result
                .get("msg")
                .map(Value::python_str)
                .unwrap_or_default();
            outcome.error = Some(failed_result_report("Action", &msg, origin));
            outcome
                .result
                .entry("exception".to_string())
                .or_insert_with(|| Value::str("(traceback unavailable)"));
        }
        outcome
    }

    /// What the plugin's `self._task` and `self._play_context` say.
    fn plugin_task_info(
        &self,
        name: &str,
        args: &Map,
        base: &ModuleRequest,
        context: &Jv,
        async_limit: Option<u64>,
    ) -> Map {
        let connection = &base.connection;
        let mut info = Map::new();
        info.insert("args".into(), Value::Map(args.clone()));
        info.insert("action".into(), Value::str(self.task.action.as_str()));
        info.insert("resolved_action".into(), Value::str(name));
        let task_name = self
            .task
            .name
            .as_ref()
            .and_then(|n| self.template_value(n, context).ok())
            .map(|n| Value::str(n.python_str()))
            .unwrap_or(Value::Null);
        info.insert("name".into(), task_name);
        info.insert(
            "async_val".into(),
            Value::Int(async_limit.map_or(0, |limit| i64::try_from(limit).unwrap_or(i64::MAX))),
        );
        let environment = if base.environment.is_empty() {
            Vec::new()
        } else {
            vec![Value::Map(base.environment.clone())]
        };
        info.insert("environment".into(), Value::List(environment));
        let delegated = base.host != self.host;
        info.insert(
            "delegate_to".into(),
            if delegated {
                Value::str(base.host.as_str())
            } else {
                Value::Null
            },
        );
        info.insert("check_mode".into(), Value::Bool(base.check_mode));
        info.insert("diff".into(), Value::Bool(base.diff));
        info.insert("no_log".into(), Value::Bool(base.no_log));
        info.insert("verbosity".into(), Value::Int(i64::from(base.verbosity)));
        info.insert(
            "become".into(),
            Value::Bool(
                connection
                    .get("ansible_become")
                    .and_then(Value::ansible_bool)
                    .unwrap_or(false),
            ),
        );
        info.insert(
            "become_user".into(),
            text(connection.get("ansible_become_user")),
        );
        info.insert(
            "become_method".into(),
            text(connection.get("ansible_become_method")),
        );
        info.insert(
            "transport".into(),
            connection
                .get("ansible_connection")
                .map(|c| Value::str(c.python_str()))
                .unwrap_or_else(|| Value::str("ssh")),
        );
        info.insert("remote_user".into(), text(connection.get("ansible_user")));
        info.insert(
            "remote_addr".into(),
            connection
                .get("ansible_host")
                .map(|h| Value::str(h.python_str()))
                .unwrap_or_else(|| Value::str(base.host.as_str())),
        );
        info.insert("port".into(), text(connection.get("ansible_port")));
        info.insert("register".into(), text(self.task.keyword("register")));
        info.insert(
            "search_path".into(),
            Value::List(
                self.search_path()
                    .iter()
                    .map(|p| Value::str(p.to_string_lossy().as_ref()))
                    .collect(),
            ),
        );
        let basedir = context
            .get_attr("playbook_dir")
            .ok()
            .and_then(|d| d.as_str().map(str::to_string));
        info.insert(
            "basedir".into(),
            basedir.map(Value::str).unwrap_or(Value::Null),
        );
        info
    }

    /// Answer one question of a running plugin on this task's host:
    /// `module` (run a module as a task would), `command` (a shell command
    /// line), `put` (write a file), `fetch` (copy a file back) and
    /// `expand_user` (a `~` path on the target).
    fn answer_plugin(
        &self,
        base: &ModuleRequest,
        question: Map,
        payload: Vec<u8>,
    ) -> (Map, Vec<u8>) {
        let field = |key: &str| question.get(key).map(Value::python_str).unwrap_or_default();
        let flag = |key: &str, default: bool| match question.get(key) {
            Some(Value::Bool(b)) => *b,
            _ => default,
        };
        let modules = &self.shared.modules;
        match field("ask").as_str() {
            "module" => {
                let module = field("name");
                if module.is_empty() {
                    return error_answer("_execute_module needs a module name");
                }
                let mut request = base.clone();
                // A short name is looked up as ansible's module loader
                // does: `library/` dirs first, then the builtin modules.
                // The task's own action is the module the loader found for
                // it (the `collections` keyword and redirects applied).
                request.action = match &self.task.module {
                    Some(resolved) if module == self.task.action => resolved.clone(),
                    _ if module.contains('.') => full_action_name(&module),
                    _ => format!("ansible.legacy.{module}"),
                };
                request.args = match question.get("args") {
                    Some(Value::Map(args)) => args.clone(),
                    _ => Map::new(),
                };
                request.check_mode = flag("check_mode", base.check_mode);
                request.diff = flag("diff", base.diff);
                request.no_log = flag("no_log", base.no_log);
                let result = modules.run(request);
                let mut answer = Map::new();
                answer.insert("result".into(), Value::Map(result));
                (answer, Vec::new())
            }
            "command" => match modules.exec_command(base, &field("cmd"), payload) {
                Ok(done) => {
                    let mut answer = Map::new();
                    answer.insert("rc".into(), Value::Int(done.rc));
                    answer.insert(
                        "stderr_len".into(),
                        Value::Int(i64::try_from(done.stderr.len()).unwrap_or(0)),
                    );
                    let mut data = done.stdout;
                    data.extend_from_slice(&done.stderr);
                    (answer, data)
                }
                Err(failed) => error_answer(failure_text(&failed)),
            },
            "put" => match modules.put_bytes(base, payload, &field("path")) {
                Ok(()) => (Map::new(), Vec::new()),
                Err(failed) => error_answer(failure_text(&failed)),
            },
            "fetch" => {
                let dest = PathBuf::from(field("dest"));
                match modules.fetch_file(base, &field("src"), &dest) {
                    Ok(()) => (Map::new(), Vec::new()),
                    Err(failed) => error_answer(failure_text(&failed)),
                }
            }
            "expand_user" => match modules.expand_user(base, &field("path")) {
                Ok(path) => {
                    let mut answer = Map::new();
                    answer.insert("path".into(), Value::str(path));
                    (answer, Vec::new())
                }
                Err(failed) => error_answer(failure_text(&failed)),
            },
            other => error_answer(format!("mitorun cannot answer '{other}'")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project() -> (tempfile_dir::Dir, ActionPlugins) {
        let dir = tempfile_dir::Dir::new();
        let actions = dir.path.join("action_plugins");
        std::fs::create_dir_all(&actions).expect("mkdir");
        for file in ["hello.py", "debug.py", "__init__.py"] {
            std::fs::write(actions.join(file), "").expect("write");
        }
        let plugins = dir
            .path
            .join("ansible_collections/ns/coll/plugins/action/sub");
        std::fs::create_dir_all(&plugins).expect("mkdir");
        std::fs::write(plugins.join("../thing.py"), "").expect("write");
        std::fs::write(plugins.join("deep.py"), "").expect("write");
        let found = ActionPlugins::new(&[actions], &[dir.path.join("ansible_collections")]);
        (dir, found)
    }

    /// A directory removed when dropped (no new crate for it).
    mod tempfile_dir {
        pub struct Dir {
            pub path: std::path::PathBuf,
        }
        impl Dir {
            pub fn new() -> Dir {
                static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
                let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let path = std::env::temp_dir()
                    .join(format!("mitorun-action-plugins-{}-{n}", std::process::id()));
                let _ = std::fs::remove_dir_all(&path);
                Dir { path }
            }
        }
        impl Drop for Dir {
            fn drop(&mut self) {
                let _ = std::fs::remove_dir_all(&self.path);
            }
        }
    }

    #[test]
    fn project_plugins_are_found_by_short_and_legacy_names() {
        let (_dir, plugins) = project();
        let (name, path) = plugins.find("hello").expect("hello");
        assert_eq!(name, "ansible.legacy.hello");
        assert!(path.ends_with("action_plugins/hello.py"));
        assert_eq!(
            plugins.find("ansible.legacy.hello").map(|(n, _)| n),
            Some("ansible.legacy.hello".to_string())
        );
        assert!(plugins.find("ansible.builtin.hello").is_none());
        assert!(plugins.find("__init__").is_none());
        assert!(plugins.find("nothere").is_none());
    }

    #[test]
    fn project_plugins_override_builtin_names_but_not_builtin_fqcns() {
        let (_dir, plugins) = project();
        for name in ["debug", "ansible.legacy.debug"] {
            assert_eq!(
                plugins.find(name).map(|(n, _)| n),
                Some("ansible.legacy.debug".to_string()),
                "{name}"
            );
        }
        assert!(plugins.find("ansible.builtin.debug").is_none());
    }

    #[test]
    fn collection_plugins_are_found_by_their_full_names() {
        let (_dir, plugins) = project();
        assert_eq!(
            plugins.find("ns.coll.thing").map(|(n, _)| n),
            Some("ns.coll.thing".to_string())
        );
        assert!(plugins.find("ns.coll.sub.deep").is_some());
        assert!(plugins.find("ns.coll.other").is_none());
        assert!(plugins.find("ns.other.thing").is_none());
        assert!(plugins.find("ns.coll").is_none());
    }
}
