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
    /// `callback_plugins/` dirs (run by `output::python_callbacks`).
    pub callback: Vec<PathBuf>,
    /// `ansible_collections` dirs whose collections' filter, test and
    /// lookup plugins are used by their full names (`ns.col.name`).
    pub collection_roots: Vec<PathBuf>,
}

impl PluginDirs {
    /// Add `base/filter_plugins`, `base/test_plugins`, `base/lookup_plugins`,
    /// `base/action_plugins` and `base/callback_plugins`.
    pub fn add_adjacent(&mut self, base: &Path) {
        push_unique(&mut self.filter, base.join("filter_plugins"));
        push_unique(&mut self.test, base.join("test_plugins"));
        push_unique(&mut self.lookup, base.join("lookup_plugins"));
        push_unique(&mut self.action, base.join("action_plugins"));
        push_unique(&mut self.callback, base.join("callback_plugins"));
    }

    /// Whether any of the filter, test or lookup directories holds a
    /// Python file.
    pub fn has_python(&self) -> bool {
        self.filter
            .iter()
            .chain(&self.test)
            .chain(&self.lookup)
            .any(|dir| !python_files(dir).is_empty())
            || self.collection_roots.iter().any(|root| {
                // Listing only: `PythonPlugins::load` reads the files.
                sorted_dirs(root)
                    .iter()
                    .flat_map(|ns| sorted_dirs(ns))
                    .any(|col| {
                        ["filter", "test", "lookup"]
                            .iter()
                            .any(|kind| !python_files(&col.join("plugins").join(kind)).is_empty())
                    })
            })
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
    /// Filters, tests and lookups of collections, imported when first used.
    collection: Vec<CollectionPlugin>,
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
        let has_files = |v: &Value| matches!(v, Value::List(items) if !items.is_empty());
        // The worker starts only when something needs it: collections'
        // plugins are imported when first used.
        let loaded = if args.values().any(has_files) {
            worker.call(args)?
        } else {
            Map::new()
        };
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
            collection: collection_plugins(&dirs.collection_roots),
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

    /// Register the collections' filters and tests under their full
    /// names; each file is imported in the worker when first used.
    pub fn register_collections(self: &Arc<Self>, env: &mut Environment<'static>) {
        for (index, plugin) in self.collection.iter().enumerate() {
            let plugins = Arc::clone(self);
            match plugin.kind {
                CollectionKind::Filter => {
                    env.add_filter(
                        plugin.fqcn.clone(),
                        move |value: Jv, args: Rest<Jv>, kwargs: Kwargs| {
                            let mut all = vec![value];
                            all.extend(args.0);
                            plugins.call_collection(index, all, &kwargs)
                        },
                    );
                }
                CollectionKind::Test => {
                    env.add_test(
                        plugin.fqcn.clone(),
                        move |value: Jv, args: Rest<Jv>, kwargs: Kwargs| {
                            let mut all = vec![value];
                            all.extend(args.0);
                            plugins
                                .call_collection(index, all, &kwargs)
                                .map(|v| from_jinja(&v).is_truthy())
                        },
                    );
                }
                CollectionKind::Lookup => {}
            }
        }
    }

    /// The file of the project lookup `name` (short or `ansible.legacy.`),
    /// or of a collection's lookup by its full name.
    pub fn lookup_path(&self, name: &str) -> Option<&Path> {
        let short = name.strip_prefix("ansible.legacy.").unwrap_or(name);
        self.lookups
            .iter()
            .find(|(n, _)| n == short)
            .map(|(_, p)| p.as_path())
            .or_else(|| {
                self.collection
                    .iter()
                    .find(|p| p.kind == CollectionKind::Lookup && p.fqcn == name)
                    .map(|p| p.file.as_path())
            })
    }

    fn call_collection(&self, index: usize, args: Vec<Jv>, kwargs: &Kwargs) -> Result<Jv, Error> {
        let Some(plugin) = self.collection.get(index) else {
            return Err(Error::new(ErrorKind::InvalidOperation, "no such plugin"));
        };
        let mut call = plugin.worker_fields();
        call.insert("op".into(), Value::str("collection"));
        self.call_with(call, args, kwargs)
    }

    fn call_function(
        &self,
        kind: &str,
        name: &str,
        args: Vec<Jv>,
        kwargs: &Kwargs,
    ) -> Result<Jv, Error> {
        let mut call = Map::new();
        call.insert("op".into(), Value::str(kind));
        call.insert("name".into(), Value::str(name));
        self.call_with(call, args, kwargs)
    }

    /// Run the worker call `call` with a filter's or test's arguments.
    fn call_with(&self, mut call: Map, args: Vec<Jv>, kwargs: &Kwargs) -> Result<Jv, Error> {
        // ansible trips an undefined argument before the plugin runs.
        if let Some(undefined) = args.iter().find(|a| a.is_undefined()) {
            return Err(undefined_error(undefined));
        }
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
        if let Some(plugin) = self
            .collection
            .iter()
            .find(|p| p.kind == CollectionKind::Lookup && p.file == path)
        {
            call.extend(plugin.worker_fields());
            call.insert("name".into(), Value::str(name));
        }
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

/// What a collection's plugin file provides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CollectionKind {
    Filter,
    Test,
    Lookup,
}

/// One filter, test or lookup of a collection: its full name, its file,
/// the module name ansible's collection loader imports it as, and the
/// `ansible_collections` dir it is under.
#[derive(Debug, Clone)]
struct CollectionPlugin {
    kind: CollectionKind,
    fqcn: String,
    /// The name inside its file (`filters()`/`tests()` key).
    name: String,
    file: PathBuf,
    module: String,
    root: PathBuf,
}

impl CollectionPlugin {
    fn worker_fields(&self) -> Map {
        let mut fields = Map::new();
        let kind = match self.kind {
            CollectionKind::Filter => "filter",
            CollectionKind::Test => "test",
            CollectionKind::Lookup => "lookup",
        };
        fields.insert("kind".into(), Value::str(kind));
        fields.insert("name".into(), Value::str(self.name.as_str()));
        fields.insert("fqcn".into(), Value::str(self.fqcn.as_str()));
        fields.insert(
            "path".into(),
            Value::str(self.file.to_string_lossy().as_ref()),
        );
        fields.insert("module".into(), Value::str(self.module.as_str()));
        fields.insert(
            "root".into(),
            Value::str(self.root.to_string_lossy().as_ref()),
        );
        fields
    }
}

/// The filters, tests and lookups of every collection under `roots` (the
/// first root holding a collection wins, as in ansible's search order).
/// Filter and test names are read from the file's `filters()`/`tests()`
/// mapping without importing it; lookups are named by their files.
fn collection_plugins(roots: &[PathBuf]) -> Vec<CollectionPlugin> {
    let mut seen: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for root in roots {
        for namespace in sorted_dirs(root) {
            for collection in sorted_dirs(&namespace) {
                let (Some(ns), Some(col)) = (dir_name(&namespace), dir_name(&collection)) else {
                    continue;
                };
                let coll = format!("{ns}.{col}");
                if seen.contains(&coll) {
                    continue;
                }
                seen.push(coll.clone());
                for (kind, dir, method) in [
                    (CollectionKind::Filter, "filter", "filters"),
                    (CollectionKind::Test, "test", "tests"),
                    (CollectionKind::Lookup, "lookup", ""),
                ] {
                    for file in python_files(&collection.join("plugins").join(dir)) {
                        let Some(stem) = file.file_stem().map(|s| s.to_string_lossy().into_owned())
                        else {
                            continue;
                        };
                        let module = format!("ansible_collections.{coll}.plugins.{dir}.{stem}");
                        let names = match kind {
                            CollectionKind::Lookup => vec![stem.clone()],
                            _ => std::fs::read_to_string(&file)
                                .map(|text| declared_names(&text, method))
                                .unwrap_or_default(),
                        };
                        for name in names {
                            out.push(CollectionPlugin {
                                kind,
                                fqcn: format!("{coll}.{name}"),
                                name,
                                file: file.clone(),
                                module: module.clone(),
                                root: root.clone(),
                            });
                        }
                    }
                }
            }
        }
    }
    out
}

/// The directories in `dir`, sorted by name.
pub(crate) fn sorted_dirs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut dirs: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn dir_name(dir: &Path) -> Option<String> {
    let name = dir.file_name()?.to_str()?;
    (!name.starts_with('.') && !name.starts_with('_')).then(|| name.to_string())
}

/// The keys of the mapping `def <method>(self)` returns, read from the
/// source: the quoted names followed by `:` in the method's body.
fn declared_names(source: &str, method: &str) -> Vec<String> {
    let header = format!("def {method}(self");
    let Some(start) = source.find(&header) else {
        return Vec::new();
    };
    let body = &source[start + header.len()..];
    let indent_of = |line: &str| line.len() - line.trim_start().len();
    let def_indent = source[..start]
        .rsplit('\n')
        .next()
        .map_or(0, |prefix| prefix.len());
    let mut names = Vec::new();
    for line in body.lines().skip(1) {
        let trimmed = line.trim_start();
        if !trimmed.is_empty() && !trimmed.starts_with('#') && indent_of(line) <= def_indent {
            break;
        }
        let mut rest = trimmed;
        while let Some(open) = rest.find(['\'', '"']) {
            let quote = rest[open..].chars().next().unwrap_or('"');
            let after = &rest[open + 1..];
            let Some(close) = after.find(quote) else {
                break;
            };
            let name = &after[..close];
            let tail = after[close + 1..].trim_start();
            if tail.starts_with(':')
                && !name.is_empty()
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !names.iter().any(|n| n == name)
            {
                names.push(name.to_string());
            }
            rest = &after[close + 1..];
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_names_are_the_keys_of_the_returned_mapping() {
        let source = "def helper(x):\n    return {'not': 1}\n\nclass FilterModule(object):\n    def filters(self):\n        filters = {\n            'first': first,  # a comment\n            \"second\": second, 'third': third,\n        }\n        return filters\n\n    def other(self):\n        return {'nope': 1}\n";
        assert_eq!(
            declared_names(source, "filters"),
            ["first", "second", "third"]
        );
        assert!(declared_names(source, "tests").is_empty());
        let tests = "class TestModule:\n    def tests(self):\n        return {\n            'test_name_ok': test_name_ok,\n        }\n";
        assert_eq!(declared_names(tests, "tests"), ["test_name_ok"]);
    }
}
