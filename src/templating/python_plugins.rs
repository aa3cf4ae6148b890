//! A project's own Python filter, test and lookup plugins.
//!
//! ansible loads `filter_plugins/`, `test_plugins/` and `lookup_plugins/`
//! beside the playbook, in roles and in the configured plugin paths. They
//! are Python, so mitorun runs them in a persistent Python worker on the
//! controller (the agent, started locally: `agent/native_plugins.py`),
//! started only when such files exist. This module knows which plugins a
//! project has and turns template calls into worker calls; the worker
//! itself is behind [`PluginWorker`] so templating does not depend on the
//! transport (`exec::plugin_worker` implements it).
//!
//! Values cross as JSON, the way ansible finalizes plugin results (tuples
//! become lists). A plugin that fails to load fails when used, with
//! ansible's "The filter plugin 'x' failed to load: ..." text.

use super::bridge::{from_jinja, to_jinja};
use crate::value::{Map, Value};
use minijinja::value::{Kwargs, Rest, Value as Jv};
use minijinja::{Environment, Error, ErrorKind};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Runs one plugin operation in the Python worker: the arguments of the
/// `mitorun_python_plugin` native module in, its result out.
pub trait PluginWorker: Send + Sync {
    fn call(&self, args: Map) -> Result<Map, String>;

    /// Run another native module of the worker (the `url` lookup's).
    fn call_module(&self, module: &str, args: Map) -> Result<Map, String>;
}

/// The plugin directories of a project, by kind.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PluginDirs {
    pub filter: Vec<PathBuf>,
    pub test: Vec<PathBuf>,
    pub lookup: Vec<PathBuf>,
    /// `action_plugins/` dirs (run by `exec::action_plugins`, not here).
    pub action: Vec<PathBuf>,
}

impl PluginDirs {
    /// Add `base/filter_plugins`, `base/test_plugins`, `base/lookup_plugins`
    /// and `base/action_plugins`.
    pub fn add_adjacent(&mut self, base: &Path) {
        push_unique(&mut self.filter, base.join("filter_plugins"));
        push_unique(&mut self.test, base.join("test_plugins"));
        push_unique(&mut self.lookup, base.join("lookup_plugins"));
        push_unique(&mut self.action, base.join("action_plugins"));
    }

    /// Whether any of the filter, test or lookup directories holds a
    /// Python file.
    pub fn has_python(&self) -> bool {
        self.filter
            .iter()
            .chain(&self.test)
            .chain(&self.lookup)
            .any(|dir| !python_files(dir).is_empty())
    }
}

fn push_unique(list: &mut Vec<PathBuf>, dir: PathBuf) {
    if !list.contains(&dir) {
        list.push(dir);
    }
}

/// The `.py` files of `dir` (not `__init__.py`), sorted by name as
/// ansible's loader reads them.
pub(crate) fn python_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "py")
                && p.file_name().is_some_and(|n| n != "__init__.py")
                && p.is_file()
        })
        .collect();
    files.sort();
    files
}

/// The project's plugins and the worker that runs them.
pub struct PythonPlugins {
    worker: Arc<dyn PluginWorker>,
    /// Filter and test names: `None`, or why the plugin fails to load.
    filters: Vec<(String, Option<String>)>,
    tests: Vec<(String, Option<String>)>,
    /// Lookup name → its file (first directory wins).
    lookups: Vec<(String, PathBuf)>,
    /// Plugin files that could not be imported at all.
    pub skipped: Vec<String>,
}

impl std::fmt::Debug for PythonPlugins {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PythonPlugins")
            .field("filters", &self.filters)
            .field("tests", &self.tests)
            .field("lookups", &self.lookups)
            .finish()
    }
}

impl PythonPlugins {
    /// Import the filter and test files of `dirs` in the worker and list
    /// the lookup files.
    pub fn load(dirs: &PluginDirs, worker: Arc<dyn PluginWorker>) -> Result<Self, String> {
        let paths = |list: &[PathBuf]| -> Value {
            Value::List(
                list.iter()
                    .flat_map(|d| python_files(d))
                    .map(|p| Value::str(p.to_string_lossy().as_ref()))
                    .collect(),
            )
        };
        let mut args = Map::new();
        args.insert("op".into(), Value::str("load"));
        args.insert("filter".into(), paths(&dirs.filter));
        args.insert("test".into(), paths(&dirs.test));
        let loaded = worker.call(args)?;
        let names = |kind: &str| -> Vec<(String, Option<String>)> {
            match loaded.get(kind) {
                Some(Value::Map(m)) => m
                    .iter()
                    .map(|(name, err)| (name.clone(), err.as_str().map(str::to_string)))
                    .collect(),
                _ => Vec::new(),
            }
        };
        let mut skipped = Vec::new();
        for kind in ["filter_skipped", "test_skipped"] {
            if let Some(Value::List(items)) = loaded.get(kind) {
                skipped.extend(items.iter().map(Value::python_str));
            }
        }
        let mut lookups: Vec<(String, PathBuf)> = Vec::new();
        for file in dirs.lookup.iter().flat_map(|d| python_files(d)) {
            let Some(name) = file.file_stem().map(|s| s.to_string_lossy().into_owned()) else {
                continue;
            };
            if !lookups.iter().any(|(n, _)| *n == name) {
                lookups.push((name, file));
            }
        }
        Ok(PythonPlugins {
            worker,
            filters: names("filter"),
            tests: names("test"),
            lookups,
            skipped,
        })
    }

    /// Register the filters and tests in `env`, under their short names
    /// and as `ansible.legacy.NAME` (a project's plugin replaces a builtin
    /// of the same short name, as ansible's legacy plugin path comes first).
    pub fn register(self: &Arc<Self>, env: &mut Environment<'static>) {
        for (name, _) in &self.filters {
            for shown in [name.clone(), format!("ansible.legacy.{name}")] {
                let plugins = Arc::clone(self);
                let name = name.clone();
                env.add_filter(shown, move |value: Jv, args: Rest<Jv>, kwargs: Kwargs| {
                    let mut all = vec![value];
                    all.extend(args.0);
                    plugins.call_function("filter", &name, all, &kwargs)
                });
            }
        }
        for (name, _) in &self.tests {
            for shown in [name.clone(), format!("ansible.legacy.{name}")] {
                let plugins = Arc::clone(self);
                let name = name.clone();
                env.add_test(shown, move |value: Jv, args: Rest<Jv>, kwargs: Kwargs| {
                    let mut all = vec![value];
                    all.extend(args.0);
                    plugins
                        .call_function("test", &name, all, &kwargs)
                        .map(|v| from_jinja(&v).is_truthy())
                });
            }
        }
    }

    /// The file of the project lookup `name` (short or `ansible.legacy.`).
    pub fn lookup_path(&self, name: &str) -> Option<&Path> {
        let short = name.strip_prefix("ansible.legacy.").unwrap_or(name);
        self.lookups
            .iter()
            .find(|(n, _)| n == short)
            .map(|(_, p)| p.as_path())
    }

    fn call_function(
        &self,
        kind: &str,
        name: &str,
        args: Vec<Jv>,
        kwargs: &Kwargs,
    ) -> Result<Jv, Error> {
        // ansible trips an undefined argument before the plugin runs.
        if let Some(undefined) = args.iter().find(|a| a.is_undefined()) {
            return Err(undefined_error(undefined));
        }
        let mut call = Map::new();
        call.insert("op".into(), Value::str(kind));
        call.insert("name".into(), Value::str(name));
        call.insert(
            "args".into(),
            Value::List(args.iter().map(from_jinja).collect()),
        );
        call.insert("kwargs".into(), Value::Map(kwargs_map(kwargs)?));
        let result = self.run(call)?;
        Ok(to_jinja(&result))
    }

    /// Run the project lookup `name` on `terms`; `Err` is the plugin's
    /// failure (`Ok(Err)`), or its load failure.
    pub fn lookup(
        &self,
        name: &str,
        path: &Path,
        terms: Vec<Value>,
        kwargs: Map,
        variables: Map,
    ) -> Result<Vec<Value>, LookupFailure> {
        let mut call = Map::new();
        call.insert("op".into(), Value::str("lookup"));
        call.insert("name".into(), Value::str(name));
        call.insert("path".into(), Value::str(path.to_string_lossy().as_ref()));
        call.insert("terms".into(), Value::List(terms));
        call.insert("kwargs".into(), Value::Map(kwargs));
        call.insert("variables".into(), Value::Map(variables));
        let result = self.worker.call(call).map_err(LookupFailure::Worker)?;
        if let Some(reason) = result.get("load_error") {
            return Err(LookupFailure::Load(reason.python_str()));
        }
        if let Some(message) = result.get("error") {
            return Err(LookupFailure::Failed(message.python_str()));
        }
        Ok(match result.get("value") {
            Some(Value::List(items)) => items.clone(),
            Some(Value::Null) | None => Vec::new(),
            Some(other) => vec![other.clone()],
        })
    }

    fn run(&self, call: Map) -> Result<Value, Error> {
        let result = self
            .worker
            .call(call)
            .map_err(|e| Error::new(ErrorKind::InvalidOperation, e))?;
        if let Some(message) = result.get("error") {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                message.python_str(),
            ));
        }
        Ok(result.get("value").cloned().unwrap_or(Value::Null))
    }
}

/// Why a project lookup gave no result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LookupFailure {
    /// The plugin file could not be imported.
    Load(String),
    /// The plugin raised; its message.
    Failed(String),
    /// The worker could not run it.
    Worker(String),
}

fn kwargs_map(kwargs: &Kwargs) -> Result<Map, Error> {
    let mut out = Map::new();
    for key in kwargs.args() {
        let value: Jv = kwargs.get(key)?;
        if value.is_undefined() {
            return Err(undefined_error(&value));
        }
        out.insert(key.to_string(), from_jinja(&value));
    }
    Ok(out)
}

/// The error an undefined value raises when used (it names itself).
fn undefined_error(value: &Jv) -> Error {
    value
        .get_attr("__undefined__")
        .err()
        .unwrap_or_else(|| Error::new(ErrorKind::UndefinedError, "undefined value"))
}
