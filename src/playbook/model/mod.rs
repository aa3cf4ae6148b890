//! The playbook model: what ansible-core 2.19 builds from a playbook file
//! before running it. Plays, blocks, tasks, handlers and roles keep their
//! keywords raw (untemplated [`Value`]s) with the position they came from;
//! static imports (`import_playbook`, `import_tasks`, `import_role`) are
//! expanded while loading, dynamic includes stay tasks.
//!
//! - `load` reads files and builds the tree, validating keywords as
//!   ansible does;
//! - `action` finds a task's action and arguments (ansible's
//!   `ModuleArgsParser`);
//! - `modules` knows which names are modules or actions;
//! - `keywords` lists the keywords each object accepts;
//! - `tags` selects tasks by `--tags`/`--skip-tags`.

pub mod action;
pub mod argspec;
pub mod error;
pub mod keywords;
pub mod load;
pub mod module_defaults;
pub mod modules;
pub mod routing;
pub mod tags;

use std::path::PathBuf;
use std::sync::Arc;

use indexmap::IndexMap;

use crate::playbook::yaml::Span;
use crate::value::Value;

pub use error::{Origin, ParseError, SourceFile};
pub use load::{
    IncludeSite, LoadOptions, expand_static_import, load_included_role, load_included_tasks,
    load_playbook,
};
pub use modules::ActionResolver;

/// A keyword's raw value and where it was written.
#[derive(Debug, Clone)]
pub struct Attr {
    pub value: Value,
    /// Span of the value.
    pub span: Span,
    /// Span of the key.
    pub key_span: Span,
    /// Spans of the items when the value is a list written in YAML (the
    /// conditions of a `when` list are reported where each was written).
    pub item_spans: Vec<Span>,
    /// When the value is a mapping written in YAML: each key with the
    /// spans of the key and of its value, in order (where each of a
    /// `vars:` block's variables was named and defined).
    pub key_spans: Vec<(String, Span, Span)>,
}

/// Keywords in the order they were written (values untemplated).
pub type Keywords = IndexMap<String, Attr>;

#[derive(Debug, Clone)]
pub struct Playbook {
    /// The playbook as named on the command line.
    pub path: PathBuf,
    pub plays: Vec<Play>,
}

#[derive(Debug, Clone)]
pub struct Play {
    /// The `name` keyword, or the host patterns joined with `,`.
    pub name: Value,
    /// The `hosts` keyword as written (a string, a list, a template).
    pub hosts: Value,
    /// Every keyword of the play as written, including `hosts`, `name`,
    /// `vars`, `tags` (but the task lists and roles are below).
    pub keywords: Keywords,
    pub tags: Vec<Value>,
    pub roles: Vec<Role>,
    pub pre_tasks: Vec<Item>,
    pub tasks: Vec<Item>,
    pub post_tasks: Vec<Item>,
    pub handlers: Vec<Item>,
    /// `when` of the `import_playbook` that brought this play in.
    pub included_conditional: Vec<Value>,
    /// Directory of the imported playbook file this play came from.
    pub included_path: Option<PathBuf>,
    /// The directory relative paths of this play resolve against.
    pub basedir: PathBuf,
    pub origin: Origin,
    /// Where each variable of the play's `vars` was written.
    pub var_origins: crate::vars::origins::VarOrigins,
}

/// An entry of a task list.
// Both variants are large; lists of them are short-lived and few.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Item {
    Block(Block),
    Task(Task),
}

/// Why a block exists.
#[derive(Debug, Clone)]
pub enum BlockKind {
    /// `block:` written in the file.
    Explicit,
    /// Consecutive plain tasks, grouped as ansible groups them.
    Implicit,
    /// The content of an `import_tasks` (its keywords are those of the
    /// import task).
    ImportTasks { file: PathBuf },
    /// A role's compiled content: `import_role` (keywords of the import
    /// task), an entry of `roles:` or a dependency of another role.
    Role(Arc<RoleInfo>),
}

/// How a role got into the play: decides whether its defaults and vars are
/// visible outside it (ansible's `public`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleSource {
    /// An entry of the play's `roles:`.
    PlayRoles,
    /// `import_role` (static).
    Import,
    /// A `meta/main.yml` dependency of another role.
    Dependency,
    /// `include_role` (dynamic).
    Include,
}

/// What the variable manager needs of a role: its variables and where it
/// lives, without its task lists.
#[derive(Debug, Clone)]
pub struct RoleInfo {
    pub name: String,
    pub display_name: String,
    pub path: PathBuf,
    pub params: IndexMap<String, Value>,
    /// `defaults/main` as loaded (a mapping, or `Null` when absent).
    pub defaults: Value,
    /// `vars/main` as loaded.
    pub vars: Value,
    /// Where each variable of `defaults` and of `vars` was defined (a
    /// file's, not a directory's).
    pub default_origins: crate::vars::origins::VarOrigins,
    pub var_origins: crate::vars::origins::VarOrigins,
    /// The `vars:` keyword of the role's entry in `roles:`.
    pub keyword_vars: Value,
    pub dependencies: Vec<Arc<RoleInfo>>,
    pub source: RoleSource,
    /// The `public` keyword of an import, when given.
    pub public: Option<bool>,
    /// `allow_duplicates` of the role's meta (of the import/include task
    /// for `import_role`/`include_role`): a role met again runs again on
    /// a host that completed it.
    pub allow_duplicates: bool,
    /// `tasks_from`/`handlers_from`/`vars_from`/`defaults_from` as given
    /// (part of the role's identity).
    pub from_files: String,
}

#[derive(Debug, Clone)]
pub struct Block {
    pub kind: BlockKind,
    pub keywords: Keywords,
    /// Tags of this block alone (not inherited ones).
    pub tags: Vec<Value>,
    pub block: Vec<Item>,
    pub rescue: Vec<Item>,
    pub always: Vec<Item>,
    pub origin: Option<Origin>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskKind {
    Task,
    Handler,
    /// `include_tasks` (dynamic).
    IncludeTasks,
    /// `include_role` (dynamic).
    IncludeRole,
}

#[derive(Debug, Clone)]
pub struct Task {
    pub kind: TaskKind,
    /// The `name` keyword, untemplated.
    pub name: Option<Value>,
    /// The action as written (`copy`, `ansible.builtin.copy`, ...).
    pub action: String,
    /// The fully qualified name it resolved to, when known.
    pub resolved_action: Option<String>,
    /// The name module_defaults entries are matched against (its action
    /// plugin, else its module), when known.
    pub defaults_action: Option<String>,
    /// The module the action runs (redirects followed), when there is one.
    pub module: Option<String>,
    pub args: IndexMap<String, Value>,
    /// Where the arguments mapping was written (none for `k=v`).
    pub args_span: Option<Span>,
    /// Where each argument's value was written.
    pub arg_spans: IndexMap<String, Span>,
    /// `delegate_to` (`localhost` for `local_action`).
    pub delegate_to: Option<Value>,
    /// The lookup of a `with_<lookup>` loop (its items are in `loop`).
    pub loop_with: Option<String>,
    /// The other keywords as written (`when`, `loop`, `register`, ...).
    pub keywords: Keywords,
    pub tags: Vec<Value>,
    /// The role the task belongs to, as ansible names it in output.
    pub role: Option<String>,
    pub origin: Origin,
}

impl Task {
    /// The keywords an import or include passes on to its content: its
    /// own, with `delegate_to` (kept apart on the task) among them.
    pub fn inherited_keywords(&self) -> Keywords {
        let mut keywords = self.keywords.clone();
        if let Some(delegate) = &self.delegate_to
            && !keywords.contains_key("delegate_to")
        {
            keywords.insert(
                "delegate_to".to_string(),
                Attr {
                    value: delegate.clone(),
                    span: self.origin.span,
                    key_span: self.origin.span,
                    item_spans: Vec::new(),
                    key_spans: Vec::new(),
                },
            );
        }
        keywords
    }

    /// The name ansible prints for the task: `role : name`, or the action
    /// when unnamed.
    pub fn display_name(&self) -> String {
        if self.kind == TaskKind::IncludeRole {
            if let Some(name) = &self.name {
                return name.python_str();
            }
            // `IncludeRole.get_name`: "action : role".
            if let Some(role) = self.args.get("name").or_else(|| self.args.get("role")) {
                return format!("{} : {}", self.action, role.python_str());
            }
        }
        match (&self.role, &self.name) {
            (Some(role), Some(name)) => format!("{role} : {}", name.python_str()),
            (None, Some(name)) => name.python_str(),
            (Some(role), None) => format!("{role} : {}", self.action),
            (None, None) => self.action.clone(),
        }
    }

    pub fn keyword(&self, name: &str) -> Option<&Value> {
        self.keywords.get(name).map(|a| &a.value)
    }
}

#[derive(Debug, Clone)]
pub struct Role {
    /// The name as written (or the basename of a path).
    pub name: String,
    /// The name ansible shows (`ns.coll.role` for collection roles).
    pub display_name: String,
    pub path: PathBuf,
    /// Role parameters (keys of the definition that are not keywords).
    pub params: IndexMap<String, Value>,
    /// Keywords of the role definition (`tags`, `when`, `become`, ...).
    pub keywords: Keywords,
    pub tags: Vec<Value>,
    pub dependencies: Vec<Role>,
    pub allow_duplicates: bool,
    pub source: RoleSource,
    pub public: Option<bool>,
    /// See `RoleInfo::from_files`.
    pub from_files: String,
    pub tasks: Vec<Item>,
    pub handlers: Vec<Item>,
    pub defaults: Option<Value>,
    pub vars: Option<Value>,
    pub default_origins: crate::vars::origins::VarOrigins,
    pub var_origins: crate::vars::origins::VarOrigins,
    pub origin: Option<Origin>,
}

impl Role {
    /// Dependencies' content first (depth first), then the role's tasks,
    /// each wrapped in a block carrying the role's keywords, as ansible's
    /// `Role.compile` orders them.
    pub fn compile(&self) -> Vec<Item> {
        let mut out = Vec::new();
        for dep in &self.dependencies {
            out.push(Item::Block(dep.wrapped(dep.compile_chain())));
        }
        out.extend(self.tasks.iter().cloned());
        out
    }

    /// The role's handlers and its dependencies' (dependencies first), each
    /// role's in a block of its own (`Role.get_handler_blocks`).
    pub fn handler_blocks(&self) -> Vec<Item> {
        let mut out = Vec::new();
        for dep in &self.dependencies {
            out.extend(dep.handler_blocks());
        }
        if !self.handlers.is_empty() {
            out.push(Item::Block(self.wrapped(self.handlers.clone())));
        }
        out
    }

    fn compile_chain(&self) -> Vec<Item> {
        self.compile()
    }

    /// The role's variables and identity, shared by the blocks of its
    /// content.
    pub fn info(&self) -> Arc<RoleInfo> {
        Arc::new(RoleInfo {
            name: self.name.clone(),
            display_name: self.display_name.clone(),
            path: self.path.clone(),
            params: self.params.clone(),
            defaults: self.defaults.clone().unwrap_or(Value::Null),
            vars: self.vars.clone().unwrap_or(Value::Null),
            default_origins: self.default_origins.clone(),
            var_origins: self.var_origins.clone(),
            keyword_vars: self
                .keywords
                .get("vars")
                .map(|a| a.value.clone())
                .unwrap_or(Value::Null),
            dependencies: self.dependencies.iter().map(Role::info).collect(),
            source: self.source,
            public: self.public,
            allow_duplicates: self.allow_duplicates,
            from_files: self.from_files.clone(),
        })
    }

    /// The role's compiled content in a block that carries its keywords.
    pub fn wrapped(&self, content: Vec<Item>) -> Block {
        Block {
            kind: BlockKind::Role(self.info()),
            keywords: self.keywords.clone(),
            tags: self.tags.clone(),
            block: content,
            rescue: Vec::new(),
            always: Vec::new(),
            origin: self.origin.clone(),
        }
    }
}

impl Play {
    /// ansible's `Play.compile` without the implicit meta tasks:
    /// pre_tasks, roles, tasks, post_tasks.
    pub fn compile(&self) -> Vec<Item> {
        let mut out = self.pre_tasks.clone();
        for role in &self.roles {
            out.push(Item::Block(role.wrapped(role.compile())));
        }
        out.extend(self.tasks.iter().cloned());
        out.extend(self.post_tasks.iter().cloned());
        out
    }

    /// The host patterns of `hosts`, as ansible stores them (a string is
    /// one pattern; it is split on `,` and `:` only when hosts are selected).
    pub fn host_patterns(&self) -> Vec<String> {
        match &self.hosts {
            Value::List(items) => items.iter().map(Value::python_str).collect(),
            Value::Null => Vec::new(),
            other => vec![other.python_str()],
        }
    }
}
