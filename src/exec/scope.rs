//! What a task inherits from the blocks, roles and includes around it:
//! keywords (a task's own value wins, `when` conditions accumulate), tags,
//! block `vars`, its role and dependency chain, and where its relative
//! files are found.

use crate::inventory::vars::combine_into;
use crate::playbook::model::{Block, BlockKind, Keywords, RoleInfo, RoleSource, Task};
use crate::value::{Map, Value};
use indexmap::IndexMap;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;

/// Keywords that flow from a play or block down to its tasks.
const INHERITED: &[&str] = &[
    "any_errors_fatal",
    "become",
    "become_exe",
    "become_flags",
    "become_method",
    "become_user",
    "check_mode",
    "collections",
    "connection",
    "debugger",
    "delegate_facts",
    "delegate_to",
    "diff",
    "environment",
    "ignore_errors",
    "ignore_unreachable",
    "no_log",
    "notify",
    "port",
    "remote_user",
    "run_once",
    "throttle",
    "timeout",
];

#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// Inherited keyword values (raw).
    pub keywords: IndexMap<String, Value>,
    /// `when` conditions of the enclosing blocks/roles/includes, outermost
    /// first.
    pub when: Vec<Value>,
    pub tags: BTreeSet<String>,
    /// Block `vars`, outermost first, merged.
    pub vars: Map,
    /// Where each of `vars` was named (`origins::name_key`), for ansible's
    /// reserved-name warning.
    pub var_names: crate::vars::origins::VarOrigins,
    pub role: Option<Arc<RoleInfo>>,
    /// Identity of the innermost role for "has this role run on the host"
    /// (`Role._get_hash_dict`): same role, params, `when`, tags and vars.
    pub role_key: Option<String>,
    pub dep_chain: Vec<Arc<RoleInfo>>,
    /// Directories for relative paths, most specific first.
    pub search_path: Vec<PathBuf>,
    /// A failure here is caught by the `rescue` of an enclosing block.
    pub rescuable: bool,
    /// Parameters of the dynamic include this content came from.
    pub include_params: Map,
    /// Handlers section (prefix `RUNNING HANDLER`).
    pub handlers: bool,
    /// `module_defaults` of the play and enclosing blocks, outermost first
    /// (ansible prepends a parent's list to its child's).
    pub module_defaults: Vec<Value>,
}

fn when_list(value: &Value) -> Vec<Value> {
    match value {
        Value::Null => Vec::new(),
        Value::List(items) => items.clone(),
        other => vec![other.clone()],
    }
}

/// A role's identity within a play, as ansible compares `Role` objects
/// (`Role._get_hash_dict`): an `import_role`/`include_role` role has no
/// `when`/`tags` of its own (they stay on the task) and is `from_include`.
pub fn role_key(role: &RoleInfo, block: &Block) -> String {
    let params: Map = role
        .params
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let from_include = matches!(role.source, RoleSource::Include | RoleSource::Import);
    let (when, tags) = if from_include {
        (String::new(), Vec::new())
    } else {
        let when = block
            .keywords
            .get("when")
            .map(|a| a.value.python_repr())
            .unwrap_or_default();
        (when, block.tags.iter().map(Value::python_repr).collect())
    };
    format!(
        "{}\0{}\0{}\0{}\0{}\0{}\0{}",
        role.path.display(),
        Value::Map(params).python_repr(),
        when,
        tags.join(","),
        role.keyword_vars.python_repr(),
        role.from_files,
        from_include,
    )
}

impl Scope {
    /// Apply the keywords of a play, block or role entry.
    pub fn with_keywords(&self, keywords: &Keywords, tags: &[Value], skip_vars: bool) -> Scope {
        let mut scope = self.clone();
        for (name, attr) in keywords {
            if name == "environment" {
                // Environments add up: the outer ones first, an inner one
                // wins for a key they share (ansible extends the list).
                let mut chain = scope.environment_chain(None);
                chain.extend(as_items(&attr.value));
                scope.keywords.insert(name.clone(), Value::List(chain));
            } else if INHERITED.contains(&name.as_str()) {
                scope.keywords.insert(name.clone(), attr.value.clone());
            }
        }
        if let Some(when) = keywords.get("when") {
            scope.when.extend(when_list(&when.value));
        }
        if let Some(defaults) = keywords.get("module_defaults")
            && !matches!(defaults.value, Value::Null)
        {
            scope.module_defaults.push(defaults.value.clone());
        }
        for t in tags {
            scope.tags.insert(crate::playbook::model::tags::tag_text(t));
        }
        if !skip_vars && let Some(Value::Map(vars)) = keywords.get("vars").map(|a| &a.value) {
            combine_into(
                &mut scope.vars,
                vars,
                crate::inventory::vars::HashBehaviour::Replace,
            );
        }
        scope
    }

    /// The scope inside `block`.
    pub fn enter_block(&self, block: &Block) -> Scope {
        match &block.kind {
            BlockKind::Role(role) => {
                // `vars:` of a `roles:` entry belong to the role (role vars
                // level); an import's `vars:` are block vars.
                let skip_vars = role.source != RoleSource::Import;
                let mut scope = self.with_keywords(&block.keywords, &block.tags, skip_vars);
                if !skip_vars && let Some(origin) = &block.origin {
                    scope.var_names = with_var_names(&scope.var_names, &block.keywords, origin);
                }
                scope.enter_role(role);
                scope.role_key = Some(role_key(role, block));
                scope
            }
            _ => {
                let mut scope = self.with_keywords(&block.keywords, &block.tags, false);
                if let Some(origin) = &block.origin {
                    scope.var_names = with_var_names(&scope.var_names, &block.keywords, origin);
                }
                scope
            }
        }
    }

    fn enter_role(&mut self, role: &Arc<RoleInfo>) {
        if matches!(role.source, RoleSource::Import | RoleSource::Include)
            && let Some(parent) = self.role.clone()
        {
            self.add_parent_role(&parent);
        }
        // A dependency, and a role imported or included from inside
        // another role, has that role as its parent (`Role._parents`): the
        // parent's defaults, vars and path stay visible.
        match self.role.take() {
            Some(parent) => self.dep_chain.push(parent),
            None => self.dep_chain.clear(),
        }
        self.role = Some(Arc::clone(role));
        self.search_path.insert(0, role.path.clone());
    }

    /// A role imported or included from inside `parent` gets the parent's
    /// params and learns its parents (`IncludeRole.get_include_params`):
    /// `ansible_parent_role_names`/`_paths`, nearest first.
    fn add_parent_role(&mut self, parent: &RoleInfo) {
        for (k, v) in &parent.params {
            self.include_params.insert(k.clone(), v.clone());
        }
        for (key, value) in [
            (
                "ansible_parent_role_names",
                Value::str(parent.name.as_str()),
            ),
            (
                "ansible_parent_role_paths",
                Value::str(parent.path.to_string_lossy().as_ref()),
            ),
        ] {
            let mut list = match self.include_params.get(key) {
                Some(Value::List(items)) => items.clone(),
                _ => Vec::new(),
            };
            list.insert(0, value);
            self.include_params
                .insert(key.to_string(), Value::List(list));
        }
    }

    /// The play's base directory (last of `search_path`).
    pub fn basedir(&self) -> Option<&PathBuf> {
        self.search_path.last()
    }

    /// ansible's `Task.get_search_path()`: the roles of the chain, nearest
    /// first, then the directory of the task's own file unless listed.
    pub fn role_search_path(&self, task_file: &std::path::Path) -> Vec<PathBuf> {
        let roles = self.search_path.split_last().map_or(&[][..], |(_, r)| r);
        let mut paths: Vec<PathBuf> = roles.to_vec();
        // An ad hoc task has no file: its directory is the base directory.
        if let Some(dir) = task_file.parent().filter(|d| !d.as_os_str().is_empty())
            && !paths.iter().any(|p| p == dir)
        {
            paths.push(dir.to_path_buf());
        }
        paths
    }

    /// `ansible_search_path`: `role_search_path` plus the base directory
    /// unless listed, as the TaskExecutor builds it.
    pub fn task_search_path(&self, task_file: &std::path::Path) -> Vec<PathBuf> {
        let mut paths = self.role_search_path(task_file);
        if let Some(base) = self.basedir()
            && !paths.contains(base)
        {
            paths.push(base.clone());
        }
        paths
    }

    /// Keyword of a task, falling back to the inherited value.
    /// The `environment` entries in force for `task` (or at this scope):
    /// the inherited ones, then the task's own.
    pub fn environment_chain(&self, task: Option<&Task>) -> Vec<Value> {
        let mut chain = self
            .keywords
            .get("environment")
            .map(as_items)
            .unwrap_or_default();
        if let Some(own) = task.and_then(|t| t.keyword("environment")) {
            chain.extend(as_items(own));
        }
        chain
    }

    pub fn keyword<'a>(&'a self, task: &'a Task, name: &str) -> Option<&'a Value> {
        task.keyword(name)
            .filter(|v| !matches!(v, Value::Null))
            .or_else(|| self.keywords.get(name))
    }

    /// Conditions of a task: inherited ones first.
    pub fn conditions(&self, task: &Task) -> Vec<Value> {
        let mut all = self.when.clone();
        if let Some(when) = task.keyword("when") {
            all.extend(when_list(when));
        }
        all
    }

    /// Tags of a task with those it inherits.
    pub fn task_tags(&self, task: &Task) -> BTreeSet<String> {
        let mut tags = self.tags.clone();
        for t in &task.tags {
            tags.insert(crate::playbook::model::tags::tag_text(t));
        }
        tags
    }

    /// Block vars plus the task's own `vars`.
    /// Where the block and task `vars` of `task` were named.
    pub fn task_var_names(&self, task: &Task) -> crate::vars::origins::VarOrigins {
        with_var_names(&self.var_names, &task.keywords, &task.origin)
    }

    pub fn task_vars(&self, task: &Task) -> Map {
        let mut vars = self.vars.clone();
        if let Some(Value::Map(own)) = task.keyword("vars") {
            for (k, v) in own {
                vars.insert(k.clone(), v.clone());
            }
        }
        vars.shift_remove("tags");
        vars.shift_remove("when");
        vars
    }
}

/// `names` plus where each variable of the `vars` keyword among
/// `keywords` was named (in the file of `origin`); `names` itself when
/// there are none.
fn with_var_names(
    names: &crate::vars::origins::VarOrigins,
    keywords: &Keywords,
    origin: &crate::playbook::model::Origin,
) -> crate::vars::origins::VarOrigins {
    let Some(attr) = keywords.get("vars").filter(|a| !a.key_spans.is_empty()) else {
        return names.clone();
    };
    let mut merged = (**names).clone();
    for (name, key_span, value_span) in &attr.key_spans {
        merged.insert(
            crate::vars::origins::name_key(name),
            crate::playbook::model::Origin::new(&origin.file, *key_span),
        );
        merged.insert(
            name.clone(),
            crate::playbook::model::Origin::new(&origin.file, *value_span),
        );
    }
    Arc::new(merged)
}

/// A keyword value as the list ansible makes of it (`environment` is a
/// list; null is none).
fn as_items(value: &Value) -> Vec<Value> {
    match value {
        Value::Null => Vec::new(),
        Value::List(items) => items.clone(),
        other => vec![other.clone()],
    }
}
