//! Reading playbooks, task files and roles into the model, with ansible's
//! validation and messages.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use indexmap::IndexMap;

use super::action::{ArgsParser, python_class};
use super::argspec;
use super::error::{Origin, ParseError, Result, SourceFile};
use super::keywords;
use super::module_defaults;
use super::modules::{self, ActionResolver};
use super::{
    Attr, Block, BlockKind, Item, Keywords, Play, Playbook, Role, RoleSource, Task, TaskKind,
};
use crate::playbook::yaml::{self, Node, NodeKind, Span};
use crate::value::{Map, Value};

/// What loading needs from the configuration.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// `DEFAULT_ROLES_PATH`.
    pub roles_path: Vec<PathBuf>,
    pub resolver: ActionResolver,
    /// `INVALID_TASK_ATTRIBUTE_FAILED`.
    pub invalid_task_attribute_failed: bool,
    /// Extra vars: static import names may use them.
    pub extra_vars: Map,
    /// `DEFAULT_HASH_BEHAVIOUR`: how the files of a role's `vars/main/`
    /// directory combine.
    pub hash_behaviour: crate::inventory::vars::HashBehaviour,
    /// `YAML_FILENAME_EXTENSIONS`: which files of such a directory count.
    pub yaml_extensions: Vec<String>,
    /// `VALIDATE_ACTION_GROUP_METADATA`: warn about malformed `metadata`
    /// entries of action groups named in module_defaults.
    pub validate_action_group_metadata: bool,
    /// The collection the playbook (or the ad hoc basedir) lies in: first
    /// in every collection search list (ansible's `default_collection`).
    pub default_collection: Option<String>,
}

/// Loads the playbook `path` (as named on the command line). Returns the
/// playbook and the warnings ansible would print while loading it. The
/// plugin directories loading found (the playbook's, every role's
/// `library/` and `action_plugins/`) join `opts.resolver`: ansible's plugin
/// loaders keep them for the rest of the run, so a task a role includes at
/// run time finds that role's modules.
pub fn load_playbook(path: &Path, opts: &mut LoadOptions) -> Result<(Playbook, Vec<String>)> {
    let mut loader = Loader {
        opts: opts.clone(),
        resolver: opts.resolver.clone(),
        warnings: Vec::new(),
        role_cache: HashMap::new(),
        role_depth: 0,
        import_handlers: Vec::new(),
        import_vars: Map::new(),
    };
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let abs = normalize(&cwd.join(path));
    if let Some(dir) = abs.parent() {
        loader.resolver.add_plugin_dirs(dir);
        loader
            .resolver
            .add_collection_path(&dir.join("collections"));
        // A playbook inside a collection runs with it as the default
        // collection (content included at run time too).
        loader.opts.default_collection = loader.resolver.collection_of_path(dir);
        opts.default_collection = loader.opts.default_collection.clone();
    }
    let plays = loader.load_playbook_file(&abs)?;
    opts.resolver = loader.resolver;
    Ok((
        Playbook {
            path: path.to_path_buf(),
            plays,
        },
        loader.warnings,
    ))
}

/// Where a dynamic include (`include_tasks`, `include_role`) was written:
/// what relative names are resolved against.
#[derive(Debug, Clone)]
pub struct IncludeSite {
    /// The play's directory.
    pub basedir: PathBuf,
    /// The file holding the include task.
    pub file: PathBuf,
    /// The role the include task belongs to: (display name, path).
    pub role: Option<(String, PathBuf)>,
    pub handlers: bool,
}

fn loader_for(opts: &LoadOptions) -> Loader {
    Loader {
        opts: opts.clone(),
        resolver: opts.resolver.clone(),
        warnings: Vec::new(),
        role_cache: HashMap::new(),
        role_depth: 0,
        import_handlers: Vec::new(),
        import_vars: Map::new(),
    }
}

/// A loader for content included at run time: the play's directory adds
/// its plugin dirs and collections, as loading the playbook did (ansible's
/// loaders keep them for the whole run).
fn loader_at(opts: &LoadOptions, site: &IncludeSite) -> Loader {
    let mut loader = loader_for(opts);
    loader.resolver.add_plugin_dirs(&site.basedir);
    loader
        .resolver
        .add_collection_path(&site.basedir.join("collections"));
    loader
}

fn site_ctx(site: &IncludeSite, default_collection: Option<&str>) -> Ctx {
    Ctx {
        basedir: site.basedir.clone(),
        file: Arc::new(SourceFile {
            path: site.file.clone(),
            text: String::new(),
        }),
        file_dir: site.file.parent().unwrap_or(Path::new("/")).to_path_buf(),
        role: site.role.as_ref().map(|(display, path)| RoleCtx {
            display: display.clone(),
            path: path.clone(),
        }),
        collections: with_legacy(Vec::new(), default_collection),
        handlers: site.handlers,
        vars: Map::new(),
    }
}

/// `include_tasks` at run time: the tasks of `target` (resolved like
/// `import_tasks`), the file's path, and loading warnings.
pub fn load_included_tasks(
    target: &str,
    site: &IncludeSite,
    opts: &LoadOptions,
) -> Result<(PathBuf, Vec<Item>, Vec<String>)> {
    let mut loader = loader_at(opts, site);
    let ctx = site_ctx(site, opts.default_collection.as_deref());
    let path = loader.task_file_path(target, &ctx);
    let items = loader.task_file_items(&path, &ctx)?;
    Ok((path, items, loader.warnings))
}

/// Where `include_tasks` of `target` is read from.
pub fn resolve_task_file(target: &str, site: &IncludeSite) -> PathBuf {
    let loader = loader_for(&LoadOptions::default());
    loader.task_file_path(target, &site_ctx(site, None))
}

/// `include_role` at run time: the role `name` with `*_from` files.
pub fn load_included_role(
    name: &str,
    from: [Option<String>; 4],
    validate: bool,
    site: &IncludeSite,
    opts: &LoadOptions,
) -> Result<(Role, Vec<String>)> {
    let mut loader = loader_at(opts, site);
    let ctx = site_ctx(site, opts.default_collection.as_deref());
    let [tasks, handlers, vars, defaults] = from;
    let files = RoleFiles {
        tasks,
        handlers,
        vars,
        defaults,
        skip_validation: !validate,
    };
    let name_node = Node {
        kind: NodeKind::Scalar(Value::Str(name.to_string())),
        span: crate::playbook::yaml::Span::default(),
    };
    let role_basedir = site
        .role
        .as_ref()
        .and_then(|(_, path)| path.parent().map(Path::to_path_buf));
    let mut role = loader.load_role_definition(&name_node, &ctx, role_basedir, &files)?;
    // Roles its tasks import bring their handlers along with it.
    role.handlers.append(&mut loader.import_handlers);
    Ok((role, loader.warnings))
}

/// A static import (`import_tasks`, `import_role`) that is no file's
/// task: the ad hoc CLI's `-m import_role`, which ansible loads as a
/// playbook task in `basedir`. Gives the items it expands to, the handlers
/// of an imported role (for the play) and loading warnings.
pub fn expand_static_import(
    task: Task,
    basedir: &Path,
    opts: &LoadOptions,
) -> Result<(Vec<Item>, Vec<Item>, Vec<String>)> {
    let site = IncludeSite {
        basedir: basedir.to_path_buf(),
        file: basedir.join("__adhoc__"),
        role: None,
        handlers: false,
    };
    let mut loader = loader_at(opts, &site);
    let ctx = site_ctx(&site, opts.default_collection.as_deref());
    let items = if modules::short_builtin(&task.action) == Some("import_role") {
        vec![Item::Block(loader.import_role(task, &ctx)?)]
    } else {
        loader.import_tasks(task, &ctx)?
    };
    let handlers = std::mem::take(&mut loader.import_handlers);
    Ok((items, handlers, loader.warnings))
}

/// `os.path.normpath` of an absolute path.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}

struct Loader {
    opts: LoadOptions,
    resolver: ActionResolver,
    warnings: Vec<String>,
    role_cache: HashMap<String, Role>,
    role_depth: usize,
    /// Handlers of roles brought in by `import_role` in the play being
    /// read: ansible adds them to the play's handlers.
    import_handlers: Vec<Item>,
    /// `vars` of the `import_playbook` statements being loaded: the
    /// imported plays' static imports see them.
    import_vars: Map,
}

/// Where a list of tasks is being read.
#[derive(Clone)]
struct Ctx {
    basedir: PathBuf,
    file: Arc<SourceFile>,
    /// Directory of the file being read (for nested imports).
    file_dir: PathBuf,
    role: Option<RoleCtx>,
    collections: Vec<String>,
    handlers: bool,
    /// Variables a static import's name is templated with (besides extra
    /// vars): the play's, the role's defaults and vars, enclosing blocks'.
    vars: Map,
}

#[derive(Clone)]
struct RoleCtx {
    display: String,
    path: PathBuf,
}

fn key_string(node: &Node) -> String {
    match &node.kind {
        NodeKind::Scalar(v) => match v {
            Value::Null => "None".into(),
            Value::Bool(true) => "True".into(),
            Value::Bool(false) => "False".into(),
            other => other.python_str(),
        },
        _ => node.to_value().python_str(),
    }
}

fn pairs(node: &Node) -> Vec<(String, &Node, &Node)> {
    match &node.kind {
        NodeKind::Map(p) => p.iter().map(|(k, v)| (key_string(k), k, v)).collect(),
        _ => Vec::new(),
    }
}

fn str_of(node: &Node) -> Option<&str> {
    match &node.kind {
        NodeKind::Scalar(Value::Str(s) | Value::Unsafe(s)) => Some(s),
        _ => None,
    }
}

/// The class name ansible 2.19 prints for a loaded YAML value.
fn tagged_class(node: &Node) -> &'static str {
    match &node.kind {
        NodeKind::Map(_) => "<class 'ansible.module_utils._internal._datatag._AnsibleTaggedDict'>",
        NodeKind::Seq(_) => "<class 'ansible.module_utils._internal._datatag._AnsibleTaggedList'>",
        NodeKind::Scalar(Value::Str(_) | Value::Unsafe(_)) => {
            "<class 'ansible.module_utils._internal._datatag._AnsibleTaggedStr'>"
        }
        NodeKind::Scalar(Value::Int(_)) => {
            "<class 'ansible.module_utils._internal._datatag._AnsibleTaggedInt'>"
        }
        NodeKind::Scalar(Value::Float(_)) => {
            "<class 'ansible.module_utils._internal._datatag._AnsibleTaggedFloat'>"
        }
        // Booleans and None cannot carry tags.
        _ => python_class(node),
    }
}

/// ansible's `Play._validate_hosts`: a play's `hosts` is a non-empty
/// string or list of strings.
fn check_hosts(hosts: &Value) -> Result<()> {
    let fail = |msg: String| Err(ParseError::parser(msg));
    if !hosts.is_truthy() {
        return fail("Hosts list cannot be empty. Please check your playbook".into());
    }
    match hosts {
        Value::List(entries) => {
            for entry in entries {
                match entry {
                    Value::Null => {
                        return fail(
                            "Hosts list cannot contain values of 'None'. Please check your playbook"
                                .into(),
                        );
                    }
                    Value::Str(_) | Value::Unsafe(_) => {}
                    other => {
                        return fail(format!(
                            "Hosts list contains an invalid host value: '{}'",
                            other.python_str()
                        ));
                    }
                }
            }
            Ok(())
        }
        Value::Str(_) | Value::Unsafe(_) => Ok(()),
        _ => fail("Hosts list must be a sequence or string. Please check your playbook.".into()),
    }
}

fn is_null(node: &Node) -> bool {
    matches!(node.kind, NodeKind::Scalar(Value::Null))
}

const IMPORT_PLAYBOOK: &[&str] = &[
    "import_playbook",
    "ansible.builtin.import_playbook",
    "ansible.legacy.import_playbook",
];

impl Loader {
    fn read_yaml(&mut self, path: &Path) -> Result<(Arc<SourceFile>, Option<Node>)> {
        let bytes = std::fs::read(path).map_err(|e| ParseError::unreadable(path, &e))?;
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let (node, warnings) = yaml::load_node(&text, path).map_err(ParseError::yaml)?;
        self.warnings.extend(warnings);
        Ok((
            Arc::new(SourceFile {
                path: path.to_path_buf(),
                text,
            }),
            node,
        ))
    }

    // -- playbooks ---------------------------------------------------------

    /// Resolves the names in a `module_defaults` keyword (see
    /// `module_defaults::normalize`), keeping the metadata warnings.
    fn normalize_module_defaults(&mut self, kw: &mut Keywords, origin: &Origin) -> Result<()> {
        let Some(attr) = kw.get_mut("module_defaults") else {
            return Ok(());
        };
        let mut warnings = Vec::new();
        attr.value = module_defaults::normalize(
            &attr.value,
            &self.resolver,
            self.opts.validate_action_group_metadata,
            &mut |w| warnings.push(w),
            origin,
        )?;
        self.warnings.extend(warnings);
        Ok(())
    }

    fn load_playbook_file(&mut self, abs: &Path) -> Result<Vec<Play>> {
        let basedir = abs.parent().unwrap_or(Path::new("/")).to_path_buf();
        let (file, node) = self.read_yaml(abs)?;
        let Some(node) = node else {
            return Err(ParseError::parser(format!(
                "Empty playbook, nothing to do: {}",
                abs.display()
            )));
        };
        let NodeKind::Seq(entries) = &node.kind else {
            return Err(ParseError::parser_at(
                format!(
                    "A playbook must be a list of plays, got a {} instead: {}",
                    tagged_class(&node),
                    abs.display()
                ),
                &Origin::new(&file, node.span),
            ));
        };
        if entries.is_empty() {
            return Err(ParseError::parser(format!(
                "A playbook must contain at least one play: {}",
                abs.display()
            )));
        }
        let mut plays = Vec::new();
        for entry in entries {
            let origin = Origin::new(&file, entry.span);
            if !matches!(entry.kind, NodeKind::Map(_)) {
                return Err(ParseError::parser_at(
                    "playbook entries must be either valid plays or 'import_playbook' statements",
                    &origin,
                ));
            }
            let keys = pairs(entry);
            if keys
                .iter()
                .any(|(k, _, _)| IMPORT_PLAYBOOK.contains(&k.as_str()))
            {
                plays.extend(self.import_playbook(entry, &file, &basedir)?);
            } else {
                plays.push(self.load_play(entry, &file, &basedir)?);
            }
        }
        Ok(plays)
    }

    fn import_playbook(
        &mut self,
        entry: &Node,
        file: &Arc<SourceFile>,
        basedir: &Path,
    ) -> Result<Vec<Play>> {
        let mut kw = Keywords::new();
        let mut target: Option<&Node> = None;
        for (k, key, value) in pairs(entry) {
            if IMPORT_PLAYBOOK.contains(&k.as_str()) {
                target = Some(value);
                continue;
            }
            if !keywords::PLAYBOOK_INCLUDE.contains(&k.as_str()) {
                return Err(ParseError::parser_at(
                    format!("'{k}' is not a valid attribute for a PlaybookInclude"),
                    &Origin::new(file, key.span),
                ));
            }
            kw.insert(k, attr(key, value));
        }
        let origin = Origin::new(file, entry.span);
        let target = target.expect("checked by the caller");
        let Some(name) = str_of(target).map(str::trim).filter(|s| !s.is_empty()) else {
            return Err(ParseError::parser_at(
                "import_playbook statements must specify the file name to import",
                &origin,
            ));
        };
        // Templated with the import's vars and the extra vars.
        let import_ctx = Ctx {
            basedir: basedir.to_path_buf(),
            file: file.clone(),
            file_dir: basedir.to_path_buf(),
            role: None,
            collections: Vec::new(),
            handlers: false,
            vars: Map::new(),
        };
        let name = self.template_static(
            name,
            &import_ctx,
            kw.get("vars").map(|a| &a.value),
            &Origin::new(file, target.span),
        )?;
        let name = name.as_str();
        let path = self
            .collection_playbook(name)
            .unwrap_or_else(|| normalize(&basedir.join(name)));
        let tags = match kw.get("tags") {
            Some(a) => load_tags(&a.value, &Origin::new(file, a.span))?,
            None => Vec::new(),
        };
        let when: Vec<Value> = match kw.get("when").map(|a| &a.value) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::List(l)) => l.clone(),
            Some(v) => vec![v.clone()],
        };
        // A missing file is the loader's "Unable to retrieve file contents"
        // (reading it below), as in ansible.
        let mut nested_vars = self.import_vars.clone();
        if let Some(Value::Map(m)) = kw.get("vars").map(|a| &a.value) {
            nested_vars.extend(m.clone());
        }
        // The imported playbook's `library/` and `action_plugins/` join the
        // search paths, as ansible adds each playbook's directory.
        if let Some(dir) = path.parent() {
            self.resolver.add_plugin_dirs(dir);
        }
        let outer_vars = std::mem::replace(&mut self.import_vars, nested_vars);
        let loaded = self.load_playbook_file(&path);
        self.import_vars = outer_vars;
        let mut plays = loaded?;
        let dir = path.parent().unwrap_or(Path::new("/")).to_path_buf();
        for play in &mut plays {
            if !when.is_empty() {
                play.included_conditional = when.clone();
                // The import's `when` comes first on each top-level task
                // and role of the play (not on its handlers).
                for items in [&mut play.pre_tasks, &mut play.tasks, &mut play.post_tasks] {
                    for item in items.iter_mut() {
                        match item {
                            Item::Task(task) => prepend_when(&mut task.keywords, &when),
                            Item::Block(block) => prepend_when(&mut block.keywords, &when),
                        }
                    }
                }
                for role in &mut play.roles {
                    prepend_when(&mut role.keywords, &when);
                }
            }
            if let Some(vars) = kw.get("vars") {
                if let Some(Value::Str(param_tags)) =
                    vars.value.as_map().and_then(|m| m.get("tags"))
                {
                    for t in param_tags.split(',') {
                        play.tags.push(Value::str(t));
                    }
                }
                merge_vars(&mut play.keywords, vars);
            }
            for t in &tags {
                if !play.tags.contains(t) {
                    play.tags.push(t.clone());
                }
            }
            if play.included_path.is_none() {
                play.included_path = Some(dir.clone());
            }
        }
        Ok(plays)
    }

    /// `ns.coll.name` naming a playbook of an installed collection.
    fn collection_playbook(&self, name: &str) -> Option<PathBuf> {
        let parts: Vec<&str> = name.split('.').collect();
        if parts.len() < 3 || name.contains('/') {
            return None;
        }
        let rest = parts[2..].join("/");
        for root in self.resolver.collection_roots() {
            let dir = root.join(parts[0]).join(parts[1]).join("playbooks");
            for ext in ["", ".yml", ".yaml"] {
                let p = dir.join(format!("{rest}{ext}"));
                if p.is_file() {
                    return Some(p);
                }
            }
        }
        None
    }

    // -- plays -------------------------------------------------------------

    fn load_play(&mut self, node: &Node, file: &Arc<SourceFile>, basedir: &Path) -> Result<Play> {
        let origin = Origin::new(file, node.span);
        let mut kw = Keywords::new();
        let entries = pairs(node);
        let has_user = entries.iter().any(|(k, _, _)| k == "user");
        let has_remote_user = entries.iter().any(|(k, _, _)| k == "remote_user");
        if has_user && has_remote_user {
            return Err(ParseError::parser_at(
                "both 'user' and 'remote_user' are set for this play. The use of 'user' is deprecated, and should be removed",
                &origin,
            ));
        }
        for (k, key, value) in &entries {
            let k = if k == "user" {
                "remote_user".to_string()
            } else {
                k.clone()
            };
            if !keywords::PLAY.contains(&k.as_str()) {
                return Err(ParseError::parser_at(
                    format!("'{k}' is not a valid attribute for a Play"),
                    &Origin::new(file, key.span),
                ));
            }
            kw.insert(k, attr(key, value));
        }
        let get = |k: &str| {
            entries
                .iter()
                .rev()
                .find(|(n, _, _)| n == k)
                .map(|(_, _, v)| *v)
        };
        let hosts = match get("hosts") {
            Some(h) => {
                let hosts = h.to_value();
                check_hosts(&hosts)?;
                hosts
            }
            None => {
                return Err(ParseError::parser_at(
                    "The field 'hosts' is required but was not set.",
                    &origin,
                ));
            }
        };
        let name = match get("name") {
            Some(n) => n.to_value(),
            None => match &hosts {
                Value::List(items) => Value::str(
                    items
                        .iter()
                        .map(Value::python_str)
                        .collect::<Vec<_>>()
                        .join(","),
                ),
                other => other.clone(),
            },
        };
        let tags = match get("tags") {
            Some(t) => load_tags(&t.to_value(), &Origin::new(file, t.span))?,
            None => Vec::new(),
        };
        if let Some(prompts) = get("vars_prompt") {
            check_vars_prompt(prompts, file)?;
        }
        let collections = match get("collections") {
            Some(c) => string_list(c),
            None => Vec::new(),
        };
        let ctx = Ctx {
            basedir: basedir.to_path_buf(),
            file: file.clone(),
            file_dir: basedir.to_path_buf(),
            role: None,
            collections: with_legacy(collections, self.opts.default_collection.as_deref()),
            handlers: false,
            vars: {
                let mut vars = self.import_vars.clone();
                if let Some(Value::Map(m)) = get("vars").map(|v| v.to_value()) {
                    vars.extend(m);
                }
                vars
            },
        };
        let roles = match get("roles") {
            None => Vec::new(),
            Some(r) if is_null(r) => Vec::new(),
            Some(r) => {
                let NodeKind::Seq(items) = &r.kind else {
                    return Err(ParseError::parser_at(
                        format!(
                            "A malformed role declaration was encountered: ds ({}) should be a list but was a {}",
                            r.to_value().python_str(),
                            tagged_class(r)
                        ),
                        &origin,
                    ));
                };
                let mut roles = Vec::new();
                for item in items {
                    roles.push(self.load_role_definition(
                        item,
                        &ctx,
                        None,
                        &RoleFiles::default(),
                    )?);
                }
                roles
            }
        };
        let mut lists: [Vec<Item>; 4] = Default::default();
        for (i, section) in ["pre_tasks", "tasks", "post_tasks", "handlers"]
            .iter()
            .enumerate()
        {
            if let Some(list) = get(section) {
                let mut c = ctx.clone();
                c.handlers = *section == "handlers";
                lists[i] = self.load_section(list, &c, &origin, section)?;
            }
        }
        let [pre_tasks, tasks, post_tasks, mut handlers] = lists;
        handlers.append(&mut self.import_handlers);
        // Vars of an `import_playbook` replace the play's own and were
        // not written here.
        let var_origins = get("vars")
            .map(|vars| crate::vars::origins::of_mapping(vars, file))
            .map(|origins| {
                let mut origins = (*origins).clone();
                origins.retain(|key, _| {
                    !self
                        .import_vars
                        .contains_key(crate::vars::origins::variable_of(key))
                });
                Arc::new(origins)
            })
            .unwrap_or_default();
        self.normalize_module_defaults(&mut kw, &origin)?;
        Ok(Play {
            name,
            hosts,
            keywords: kw,
            tags,
            roles,
            pre_tasks,
            tasks,
            post_tasks,
            handlers,
            included_conditional: Vec::new(),
            included_path: None,
            basedir: basedir.to_path_buf(),
            origin,
            var_origins,
        })
    }

    /// A task list keyword's value: a list of blocks/tasks or null.
    fn load_section(
        &mut self,
        list: &Node,
        ctx: &Ctx,
        owner: &Origin,
        what: &str,
    ) -> Result<Vec<Item>> {
        match &list.kind {
            NodeKind::Scalar(Value::Null) => Ok(Vec::new()),
            NodeKind::Seq(items) => self.load_list_of_blocks(items, ctx),
            _ => Err(ParseError::parser_at(
                format!(
                    "A malformed block was encountered while loading {what}: {} should be a list or None but is {}",
                    list.to_value().python_repr(),
                    tagged_class(list)
                ),
                owner,
            )),
        }
    }

    // -- blocks and tasks --------------------------------------------------

    fn load_list_of_blocks(&mut self, items: &[Node], ctx: &Ctx) -> Result<Vec<Item>> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < items.len() {
            let item = &items[i];
            if is_block(item) {
                out.push(Item::Block(self.load_block(item, ctx)?));
                i += 1;
                continue;
            }
            let start = i;
            while i < items.len() && !is_block(&items[i]) {
                i += 1;
            }
            let run = &items[start..i];
            let tasks = self.load_list_of_tasks(run, ctx)?;
            out.push(Item::Block(Block {
                kind: BlockKind::Implicit,
                keywords: Keywords::new(),
                tags: Vec::new(),
                block: tasks,
                rescue: Vec::new(),
                always: Vec::new(),
                origin: None,
            }));
        }
        Ok(out)
    }

    fn load_block(&mut self, node: &Node, ctx: &Ctx) -> Result<Block> {
        let origin = Origin::new(&ctx.file, node.span);
        let mut kw = Keywords::new();
        let mut sections: [Vec<Item>; 3] = Default::default();
        let mut tags = Vec::new();
        let mut ctx = ctx.clone();
        let entries = pairs(node);
        let truthy = |k: &str| node.get(k).is_some_and(|v| v.to_value().is_truthy());
        if !truthy("block") {
            for section in ["rescue", "always"] {
                if truthy(section) {
                    return Err(ParseError::parser_at(
                        format!("'{section}' keyword cannot be used without 'block'"),
                        &origin,
                    ));
                }
            }
        }
        for (k, key, value) in &entries {
            if !keywords::BLOCK.contains(&k.as_str()) {
                return Err(ParseError::parser_at(
                    format!("'{k}' is not a valid attribute for a Block"),
                    &Origin::new(&ctx.file, key.span),
                ));
            }
            if k == "collections" {
                ctx.collections =
                    with_legacy(string_list(value), self.opts.default_collection.as_deref());
            }
            if k == "vars"
                && let Value::Map(vars) = value.to_value()
            {
                ctx.vars.extend(vars);
            }
        }
        for (k, key, value) in &entries {
            match k.as_str() {
                "block" | "rescue" | "always" => {
                    let idx = ["block", "rescue", "always"]
                        .iter()
                        .position(|s| s == k)
                        .unwrap_or(0);
                    sections[idx] = match &value.kind {
                        NodeKind::Scalar(Value::Null) => Vec::new(),
                        NodeKind::Seq(items) => self.load_list_of_tasks(items, &ctx)?,
                        _ => {
                            return Err(ParseError::parser_at(
                                format!(
                                    "A malformed block was encountered while loading a block: {} should be a list or None but is {}",
                                    value.to_value().python_repr(),
                                    tagged_class(value)
                                ),
                                &origin,
                            ));
                        }
                    };
                }
                "tags" => {
                    tags = load_tags(&value.to_value(), &Origin::new(&ctx.file, value.span))?;
                    kw.insert(k.clone(), attr(key, value));
                }
                _ => {
                    kw.insert(k.clone(), attr(key, value));
                }
            }
        }
        self.normalize_module_defaults(&mut kw, &origin)?;
        let [block, rescue, always] = sections;
        Ok(Block {
            kind: BlockKind::Explicit,
            keywords: kw,
            tags,
            block,
            rescue,
            always,
            origin: Some(origin),
        })
    }

    fn load_list_of_tasks(&mut self, items: &[Node], ctx: &Ctx) -> Result<Vec<Item>> {
        let mut out = Vec::new();
        for item in items {
            if !matches!(item.kind, NodeKind::Map(_)) {
                let list = Value::List(items.iter().map(Node::to_value).collect());
                return Err(ParseError::parser(format!(
                    "A malformed block was encountered while loading a block: The ds ({}) should be a dict but was a <class 'list'>",
                    list.python_repr()
                )));
            }
            if item.get("block").is_some() {
                if ctx.handlers {
                    return Err(ParseError::parser_at(
                        "Using a block as a handler is not supported.",
                        &Origin::new(&ctx.file, item.span),
                    ));
                }
                out.push(Item::Block(self.load_block(item, ctx)?));
                continue;
            }
            let origin = Origin::new(&ctx.file, item.span);
            let entries = pairs(item);
            let kv: Vec<(String, &Node)> =
                entries.iter().map(|(k, _, v)| (k.clone(), *v)).collect();
            let parser = ArgsParser {
                pairs: &kv,
                origin: &origin,
                file: &ctx.file,
            };
            let pre = parser.parse(None)?;
            let short = modules::short_builtin(&pre.action).unwrap_or("");
            match short {
                "import_tasks" | "include_tasks" => {
                    let task = self.load_task(item, ctx, TaskKind::IncludeTasks)?;
                    if short == "include_tasks" {
                        out.push(Item::Task(task));
                    } else {
                        out.extend(self.import_tasks(task, ctx)?);
                    }
                }
                "import_role" | "include_role" => {
                    if ctx.handlers {
                        return Err(ParseError::parser_at(
                            format!("Using '{}' as a handler is not supported.", pre.action),
                            &origin,
                        ));
                    }
                    let task = self.load_task(item, ctx, TaskKind::IncludeRole)?;
                    if short == "include_role" {
                        out.push(Item::Task(task));
                    } else {
                        out.push(Item::Block(self.import_role(task, ctx)?));
                    }
                }
                _ => {
                    let kind = if ctx.handlers {
                        TaskKind::Handler
                    } else {
                        TaskKind::Task
                    };
                    let task = self.load_task(item, ctx, kind)?;
                    if short == "meta"
                        && task.args.get("_raw_params").and_then(Value::as_str) == Some("end_role")
                    {
                        if ctx.handlers {
                            return Err(ParseError::parser_at(
                                "Cannot execute 'end_role' from a handler",
                                &origin,
                            ));
                        }
                        if ctx.role.is_none() {
                            return Err(ParseError::parser_at(
                                "Cannot execute 'end_role' from outside of a role",
                                &origin,
                            ));
                        }
                    }
                    out.push(Item::Task(task));
                }
            }
        }
        Ok(out)
    }

    /// ansible's `Task.load` (and its include/handler variants).
    fn load_task(&mut self, node: &Node, ctx: &Ctx, kind: TaskKind) -> Result<Task> {
        let origin = Origin::new(&ctx.file, node.span);
        let entries = pairs(node);
        let collections = match node.get("collections") {
            Some(c) => with_legacy(string_list(c), self.opts.default_collection.as_deref()),
            None => ctx.collections.clone(),
        };
        let kv: Vec<(String, &Node)> = entries.iter().map(|(k, _, v)| (k.clone(), *v)).collect();
        let parser = ArgsParser {
            pairs: &kv,
            origin: &origin,
            file: &ctx.file,
        };
        let mut parsed = parser.parse(Some((&self.resolver, &collections)))?;
        // ansible points at the action's key when its arguments mapping
        // fails to finalize.
        if parsed.args_span.is_some() {
            parsed.args_span = entries
                .iter()
                .rev()
                .find(|(k, _, _)| *k == parsed.action || k == "action" || k == "local_action")
                .map(|(_, key, _)| key.span);
        }
        let class = match kind {
            TaskKind::Task => "Task",
            TaskKind::Handler => "Handler",
            TaskKind::IncludeTasks if ctx.handlers => "HandlerTaskInclude",
            TaskKind::IncludeTasks => "TaskInclude",
            TaskKind::IncludeRole => "IncludeRole",
        };
        let valid: &[&str] = match kind {
            TaskKind::IncludeTasks if ctx.handlers => keywords::HANDLER,
            TaskKind::Task | TaskKind::IncludeTasks => keywords::TASK,
            TaskKind::Handler => keywords::HANDLER,
            TaskKind::IncludeRole => keywords::INCLUDE_ROLE,
        };
        let mut kw = Keywords::new();
        let mut loop_with = None;
        let mut has_loop = false;
        for (k, key, value) in &entries {
            if matches!(
                k.as_str(),
                "action" | "local_action" | "args" | "delegate_to" | "shell"
            ) || *k == parsed.action
            {
                continue;
            }
            if let Some(lookup) = k.strip_prefix("with_")
                && self.is_lookup(lookup)
            {
                if has_loop || loop_with.is_some() {
                    return Err(ParseError::general_at(
                        format!("duplicate loop in task: {lookup}"),
                        &origin,
                    ));
                }
                if is_null(value) {
                    return Err(ParseError::general_at(
                        format!("you must specify a value when using {k}"),
                        &origin,
                    ));
                }
                loop_with = Some(lookup.to_string());
                kw.insert("loop".into(), attr(key, value));
                continue;
            }
            if k == "loop" {
                has_loop = true;
            }
            kw.insert(k.clone(), attr(key, value));
        }
        let is_include = matches!(kind, TaskKind::IncludeTasks | TaskKind::IncludeRole);
        let dynamic =
            modules::is_builtin_one_of(&parsed.action, &["include_tasks", "include_role"]);
        if is_include && dynamic {
            let delegate = entries.iter().any(|(k, _, _)| k == "delegate_to");
            let mut keys: Vec<&str> = kw.keys().map(String::as_str).collect();
            if delegate {
                keys.push("delegate_to");
            }
            let listen_ok = |k: &&str| ctx.handlers && *k == "listen";
            if let Some(bad) = keys
                .iter()
                .find(|k| !keywords::INCLUDE.contains(k) && !listen_ok(k))
            {
                let key_origin = entries
                    .iter()
                    .find(|(k, _, _)| k == bad)
                    .map(|(_, key, _)| Origin::new(&ctx.file, key.span))
                    .unwrap_or_else(|| origin.clone());
                return Err(ParseError::parser_at(
                    format!("'{bad}' is not a valid attribute for a {class}"),
                    &key_origin,
                ));
            }
        }
        for (k, a) in &kw {
            if !valid.contains(&k.as_str()) {
                if self.opts.invalid_task_attribute_failed {
                    let o = Origin::new(&ctx.file, a.key_span);
                    return Err(ParseError::parser_at(
                        format!("'{k}' is not a valid attribute for a {class}"),
                        &o,
                    ));
                }
                self.warnings
                    .push(format!("Ignoring invalid attribute: {k}"));
            }
        }
        if !self.opts.invalid_task_attribute_failed {
            kw.retain(|k, _| valid.contains(&k.as_str()));
        }
        let tags = match kw.get("tags") {
            Some(a) => load_tags(&a.value, &Origin::new(&ctx.file, a.span))?,
            None => Vec::new(),
        };
        if let Some(lc) = kw.get("loop_control")
            && let Value::Map(m) = &lc.value
            && let Some(bad) = m
                .keys()
                .find(|k| !keywords::LOOP_CONTROL.contains(&k.as_str()))
        {
            return Err(ParseError::parser_at(
                format!("'{bad}' is not a valid attribute for a LoopControl"),
                &Origin::new(&ctx.file, lc.span),
            ));
        }
        // `Task._validate_register`: the name is checked when the task loads.
        if let Some(register) = kw.get("register")
            && !matches!(register.value, Value::Null)
            && let Err(why) = crate::vars::names::validate(&register.value)
        {
            return Err(ParseError::parser_at(
                format!("Invalid 'register' specified: {why}"),
                &Origin::new(&ctx.file, register.span),
            ));
        }
        let name = kw.get("name").map(|a| a.value.clone());
        let mut args = parsed.args;
        match kind {
            TaskKind::IncludeTasks => {
                let bad: Vec<&str> = args
                    .keys()
                    .map(String::as_str)
                    .filter(|k| !matches!(*k, "file" | "_raw_params" | "apply"))
                    .collect();
                if !bad.is_empty() {
                    return Err(ParseError::parser_at(
                        format!("Invalid options for {}: {}", parsed.action, bad.join(",")),
                        &origin,
                    ));
                }
                let raw_empty = args.get("_raw_params").is_none_or(|v| !v.is_truthy());
                if raw_empty {
                    let file = args.shift_remove("file").unwrap_or(Value::Null);
                    if !file.is_truthy() {
                        return Err(ParseError::parser_at(
                            format!("No file specified for {}", parsed.action),
                            &origin,
                        ));
                    }
                    args.insert("_raw_params".into(), file);
                }
                check_apply(&args, &parsed.action, "include_tasks", &origin)?;
            }
            TaskKind::IncludeRole => {
                if args.get("name").or_else(|| args.get("role")).is_none() {
                    return Err(ParseError::parser_at(
                        format!("'name' is a required field for {}.", parsed.action),
                        &origin,
                    ));
                }
                let bad: Vec<&str> = args
                    .keys()
                    .map(String::as_str)
                    .filter(|k| {
                        !matches!(
                            *k,
                            "name"
                                | "role"
                                | "tasks_from"
                                | "vars_from"
                                | "defaults_from"
                                | "handlers_from"
                                | "apply"
                                | "public"
                                | "allow_duplicates"
                                | "rolespec_validate"
                        )
                    })
                    .collect();
                if !bad.is_empty() {
                    return Err(ParseError::parser_at(
                        format!("Invalid options for {}: {}", parsed.action, bad.join(",")),
                        &origin,
                    ));
                }
                for key in ["tasks_from", "vars_from", "defaults_from", "handlers_from"] {
                    if let Some(v) = args.get(key)
                        && v.as_str().is_none()
                    {
                        return Err(ParseError::parser(format!(
                            "Expected a string for {key} but got <class '{}'> instead",
                            v.python_type_name()
                        )));
                    }
                }
                check_apply(&args, &parsed.action, "include_role", &origin)?;
            }
            _ => {}
        }
        self.normalize_module_defaults(&mut kw, &origin)?;
        let defaults_action = self.resolver.defaults_name(&parsed.action, &collections);
        let module = self.resolver.module_of(&parsed.action, &collections);
        Ok(Task {
            kind,
            name,
            action: parsed.action,
            resolved_action: parsed.resolved,
            defaults_action,
            module,
            args,
            args_span: parsed.args_span,
            arg_spans: parsed.arg_spans,
            delegate_to: parsed.delegate_to,
            loop_with,
            keywords: kw,
            tags,
            role: ctx.role.as_ref().map(|r| r.display.clone()),
            origin,
        })
    }

    fn is_lookup(&self, name: &str) -> bool {
        keywords::BUILTIN_LOOKUPS.contains(&name)
            || modules::short_builtin(name).is_some_and(|s| keywords::BUILTIN_LOOKUPS.contains(&s))
            || name.split('.').count() >= 3
    }

    /// Expands `import_tasks` into a block carrying the import's keywords.
    fn import_tasks(&mut self, task: Task, ctx: &Ctx) -> Result<Vec<Item>> {
        if task
            .keywords
            .get("loop")
            .is_some_and(|a| !matches!(a.value, Value::Null))
        {
            return Err(ParseError::parser_at(
                "You cannot use loops on 'import_tasks' statements. You should use 'include_tasks' instead.",
                &task.origin,
            ));
        }
        // `file=` is the free-form target's other spelling (an ad hoc
        // `-a file=...` arrives here without the playbook loader's rewrite).
        let target = task
            .args
            .get("_raw_params")
            .or_else(|| task.args.get("file"))
            .map(Value::python_str)
            .unwrap_or_default();
        let target = self.template_static(&target, ctx, task.keyword("vars"), &task.origin)?;
        let path = self.task_file_path(&target, ctx);
        let blocks = self.task_file_items(&path, ctx)?;
        Ok(vec![Item::Block(Block {
            kind: BlockKind::ImportTasks { file: path },
            keywords: task.inherited_keywords(),
            tags: task.tags,
            block: blocks,
            rescue: Vec::new(),
            always: Vec::new(),
            origin: Some(task.origin),
        })])
    }

    /// Where `import_tasks`/`include_tasks` of `target` is found.
    fn task_file_path(&self, target: &str, ctx: &Ctx) -> PathBuf {
        let subdir = if ctx.handlers { "handlers" } else { "tasks" };
        let mut candidates: Vec<PathBuf> = Vec::new();
        let t = Path::new(target);
        if t.is_absolute() {
            candidates.push(t.to_path_buf());
        } else {
            candidates.push(ctx.file_dir.join(t));
            match &ctx.role {
                Some(role) => {
                    // ansible's `path_dwim_relative(role, subdir, target)`.
                    candidates.push(role.path.join(subdir).join(t));
                    candidates.push(role.path.join("tasks").join(t));
                    candidates.push(role.path.join(t));
                    candidates.push(ctx.basedir.join(subdir).join(t));
                    candidates.push(ctx.basedir.join(t));
                }
                None => candidates.push(ctx.basedir.join(t)),
            }
        }
        let path = candidates
            .iter()
            .find(|p| p.exists())
            .cloned()
            .unwrap_or_else(|| candidates.last().cloned().unwrap_or_default());
        normalize(&path)
    }

    /// The tasks of a task file (empty, with ansible's warning, when the
    /// file is empty).
    fn task_file_items(&mut self, path: &Path, ctx: &Ctx) -> Result<Vec<Item>> {
        let (file, node) = self.read_yaml(path)?;
        let items = match node {
            None => {
                self.warnings.push(format!(
                    "file {} is empty and had no tasks to include",
                    path.display()
                ));
                return Ok(Vec::new());
            }
            Some(n) => n,
        };
        let NodeKind::Seq(list) = &items.kind else {
            return Err(ParseError::parser_at(
                "included task files must contain a list of tasks",
                &Origin::new(&file, items.span),
            ));
        };
        let mut inner = ctx.clone();
        inner.file = file;
        inner.file_dir = path.parent().unwrap_or(Path::new("/")).to_path_buf();
        self.load_list_of_blocks(list, &inner)
    }

    /// Expands `import_role` into a block carrying the import's keywords.
    fn import_role(&mut self, task: Task, ctx: &Ctx) -> Result<Block> {
        if task
            .keywords
            .get("loop")
            .is_some_and(|a| !matches!(a.value, Value::Null))
        {
            return Err(ParseError::parser_at(
                "You cannot use loops on 'import_role' statements. You should use 'include_role' instead.",
                &task.origin,
            ));
        }
        let task_vars = task.keyword("vars");
        let static_arg = |loader: &Self, name: &str| -> Result<Option<String>> {
            task.args
                .get(name)
                .map(|v| loader.template_static(&v.python_str(), ctx, task_vars, &task.origin))
                .transpose()
        };
        let name = match static_arg(self, "name")? {
            Some(name) => name,
            None => static_arg(self, "role")?.unwrap_or_default(),
        };
        let validate = match static_arg(self, "rolespec_validate")? {
            Some(text) => Value::str(text).ansible_bool().unwrap_or(true),
            None => true,
        };
        let from = RoleFiles {
            tasks: static_arg(self, "tasks_from")?,
            handlers: static_arg(self, "handlers_from")?,
            vars: static_arg(self, "vars_from")?,
            defaults: static_arg(self, "defaults_from")?,
            skip_validation: !validate,
        };
        let name_node = Node {
            kind: NodeKind::Scalar(Value::Str(name)),
            span: task.origin.span,
        };
        let mut c = ctx.clone();
        c.file = task.origin.file.clone();
        if let Some(Value::List(l)) = task.keyword("collections") {
            c.collections = with_legacy(
                l.iter().map(Value::python_str).collect(),
                self.opts.default_collection.as_deref(),
            );
        }
        let role_basedir = ctx
            .role
            .as_ref()
            .and_then(|r| r.path.parent().map(Path::to_path_buf));
        let mut role = self.load_role_definition(&name_node, &c, role_basedir, &from)?;
        role.source = RoleSource::Import;
        // The task's `allow_duplicates` (default yes) replaces the meta's.
        // Both may be templates, resolved as the import is loaded.
        let static_flag = |loader: &Self, name: &str| -> Result<Option<bool>> {
            Ok(static_arg(loader, name)?.and_then(|v| Value::str(v).ansible_bool()))
        };
        role.allow_duplicates = static_flag(self, "allow_duplicates")?.unwrap_or(true);
        role.public = static_flag(self, "public")?;
        // The role's handlers keep the import as their parent: they inherit
        // its keywords (`delegate_to`, `become`, `vars`...).
        let mut keywords = task.inherited_keywords();
        keywords.shift_remove("tags");
        for handler_block in role.handler_blocks() {
            self.import_handlers.push(Item::Block(Block {
                kind: BlockKind::Implicit,
                keywords: keywords.clone(),
                tags: Vec::new(),
                block: vec![handler_block],
                rescue: Vec::new(),
                always: Vec::new(),
                origin: Some(task.origin.clone()),
            }));
        }
        let content = role.compile();
        Ok(Block {
            kind: BlockKind::Role(role.info()),
            keywords: task.inherited_keywords(),
            tags: task.tags,
            block: content,
            rescue: Vec::new(),
            always: Vec::new(),
            origin: Some(task.origin),
        })
    }

    // -- roles -------------------------------------------------------------

    fn load_role_definition(
        &mut self,
        def: &Node,
        ctx: &Ctx,
        role_basedir: Option<PathBuf>,
        from: &RoleFiles,
    ) -> Result<Role> {
        let origin = Origin::new(&ctx.file, def.span);
        let mut kw = Keywords::new();
        let mut params = IndexMap::new();
        let name = match &def.kind {
            NodeKind::Scalar(Value::Str(s) | Value::Unsafe(s)) if s.contains(',') => {
                return Err(ParseError::general(format!(
                    "Invalid old style role requirement: {s}"
                )));
            }
            NodeKind::Scalar(Value::Str(s) | Value::Unsafe(s)) => s.clone(),
            NodeKind::Map(_) => {
                let n = def.get("role").or_else(|| def.get("name"));
                let name = n.and_then(str_of).filter(|s| !s.is_empty());
                let Some(name) = name else {
                    return Err(ParseError::general_at(
                        "role definitions must contain a role name",
                        &origin,
                    ));
                };
                for (k, key, value) in pairs(def) {
                    if keywords::ROLE_DEFINITION.contains(&k.as_str()) {
                        kw.insert(k, attr(key, value));
                    } else {
                        params.insert(k, value.to_value());
                    }
                }
                name.to_string()
            }
            _ => return Err(ParseError::parser_at("Invalid role definition.", &origin)),
        };
        self.normalize_module_defaults(&mut kw, &origin)?;
        let tags = match kw.get("tags") {
            Some(a) => load_tags(&a.value, &Origin::new(&ctx.file, a.span))?,
            None => Vec::new(),
        };
        let collections: Vec<String> = match kw.get("collections") {
            Some(a) => match &a.value {
                Value::List(l) => l.iter().map(Value::python_str).collect(),
                _ => Vec::new(),
            },
            None => ctx.collections.clone(),
        };
        let (display, path) =
            self.find_role(&name, ctx, role_basedir.as_deref(), &collections, &origin)?;
        let cache_key = format!(
            "{}|{}|{:?}|{:?}|{:?}|{:?}|{:?}|{}",
            display,
            path.display(),
            Value::Map(params.clone().into_iter().collect()).python_repr(),
            from.tasks,
            from.handlers,
            from.vars,
            from.defaults,
            from.skip_validation
        );
        let mut role = match self.role_cache.get(&cache_key) {
            Some(r) => r.clone(),
            None => {
                if self.role_depth > 64 {
                    return Err(ParseError::general_at(
                        format!("role dependency loop involving '{name}'"),
                        &origin,
                    ));
                }
                self.role_depth += 1;
                let loaded = self.load_role_content(&name, &display, &path, ctx, from, &params);
                self.role_depth -= 1;
                let loaded = loaded?;
                self.role_cache.insert(cache_key, loaded.clone());
                loaded
            }
        };
        role.params = params;
        role.keywords = kw;
        role.tags = tags;
        role.origin = Some(origin);
        Ok(role)
    }

    fn find_role(
        &self,
        name: &str,
        ctx: &Ctx,
        role_basedir: Option<&Path>,
        collections: &[String],
        origin: &Origin,
    ) -> Result<(String, PathBuf)> {
        // Collection roles: `ns.coll.role`, or a short name in `collections`.
        let parts: Vec<&str> = name.split('.').collect();
        let fq = parts.len() == 3 && parts.iter().all(|p| is_identifier(p));
        let mut coll_candidates: Vec<(String, String)> = Vec::new();
        if fq {
            coll_candidates.push((format!("{}.{}", parts[0], parts[1]), parts[2].to_string()));
        } else if !name.contains('/') && !name.contains('.') {
            for c in collections {
                if c != "ansible.legacy" && c != "ansible.builtin" {
                    coll_candidates.push((c.clone(), name.to_string()));
                }
            }
        }
        for (coll, role) in &coll_candidates {
            let Some((ns, cn)) = coll.split_once('.') else {
                continue;
            };
            for root in self.resolver.collection_roots() {
                let p = root.join(ns).join(cn).join("roles").join(role);
                if p.is_dir() {
                    return Ok((format!("{coll}.{role}"), p));
                }
            }
        }
        let mut search: Vec<PathBuf> = vec![ctx.basedir.join("roles")];
        search.extend(self.opts.roles_path.iter().cloned());
        if let Some(b) = role_basedir {
            search.push(b.to_path_buf());
        }
        search.push(ctx.basedir.clone());
        {
            for dir in &search {
                let p = normalize(&dir.join(name));
                if p.exists() {
                    return Ok((name.to_string(), p));
                }
            }
            let cwd = std::env::current_dir().unwrap_or_default();
            let p = normalize(&cwd.join(name));
            if p.exists() {
                let base = p
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                return Ok((base, p));
            }
        }
        let mut listed: Vec<String> = collections
            .iter()
            .filter(|c| fq || !c.is_empty())
            .cloned()
            .collect();
        if collections.is_empty() || fq {
            listed.clear();
            listed.extend(collections.iter().cloned());
        }
        listed.extend(search.iter().map(|p| p.display().to_string()));
        Err(ParseError::general_at(
            format!("the role '{name}' was not found in {}", listed.join(":")),
            origin,
        ))
    }

    fn load_role_content(
        &mut self,
        name: &str,
        display: &str,
        path: &Path,
        ctx: &Ctx,
        from: &RoleFiles,
        params: &IndexMap<String, Value>,
    ) -> Result<Role> {
        self.resolver.add_plugin_dirs(path);
        let mut argument_specs = Value::Null;
        let mut role = Role {
            name: name.to_string(),
            display_name: display.to_string(),
            path: path.to_path_buf(),
            params: IndexMap::new(),
            keywords: Keywords::new(),
            tags: Vec::new(),
            dependencies: Vec::new(),
            allow_duplicates: false,
            source: RoleSource::PlayRoles,
            public: None,
            from_files: from.identity(),
            tasks: Vec::new(),
            handlers: Vec::new(),
            defaults: None,
            vars: None,
            default_origins: Default::default(),
            var_origins: Default::default(),
            origin: None,
        };
        let mut role_collections: Vec<String> = Vec::new();
        // ansible's `_role_name`: a collection role's own name, without
        // its collection (the validation context names it so).
        let mut short_name = name;
        let parts: Vec<&str> = display.split('.').collect();
        if let [namespace, collection, role_name] = parts[..]
            && path
                .components()
                .any(|c| c.as_os_str() == "ansible_collections")
        {
            role_collections.push(format!("{namespace}.{collection}"));
            short_name = role_name;
        }
        // Only a legacy role searches the default collection first.
        let default_collection = if role_collections.is_empty() {
            self.opts.default_collection.clone()
        } else {
            None
        };
        // meta/main: dependencies and role keywords.
        if let Some(meta_path) = find_main(&path.join("meta"), "main") {
            let (file, node) = self.read_yaml(&meta_path)?;
            if let Some(node) = node {
                let origin = Origin::new(&file, node.span);
                if !matches!(node.kind, NodeKind::Map(_)) {
                    return Err(ParseError::parser_at(
                        format!("the 'meta/main.yml' for role {name} is not a dictionary"),
                        &origin,
                    ));
                }
                for (k, key, _) in pairs(&node) {
                    if !keywords::ROLE_METADATA.contains(&k.as_str()) {
                        return Err(ParseError::parser_at(
                            format!("'{k}' is not a valid attribute for a RoleMetadata"),
                            &Origin::new(&file, key.span),
                        ));
                    }
                }
                if let Some(c) = node.get("collections") {
                    role_collections.extend(string_list(c));
                }
                if let Some(specs) = node.get("argument_specs") {
                    argument_specs = specs.to_value();
                }
                role.allow_duplicates = node
                    .get("allow_duplicates")
                    .is_some_and(|v| v.to_value().is_truthy());
                let mut dep_ctx = ctx.clone();
                dep_ctx.file = file.clone();
                dep_ctx.collections =
                    with_legacy(role_collections.clone(), default_collection.as_deref());
                if let Some(deps) = node.get("dependencies") {
                    match &deps.kind {
                        NodeKind::Seq(items) => {
                            let parent = path.parent().map(Path::to_path_buf);
                            for d in items {
                                let d = if let Some(s) = str_of(d)
                                    && s.contains(',')
                                {
                                    // Old `src,version,name` requirement strings.
                                    let first =
                                        s.split(',').next().unwrap_or("").trim().to_string();
                                    Node {
                                        kind: NodeKind::Scalar(Value::Str(first)),
                                        span: d.span,
                                    }
                                } else {
                                    d.clone()
                                };
                                let mut dep = self.load_role_definition(
                                    &d,
                                    &dep_ctx,
                                    parent.clone(),
                                    &RoleFiles::default(),
                                )?;
                                dep.source = RoleSource::Dependency;
                                role.dependencies.push(dep);
                            }
                        }
                        NodeKind::Scalar(Value::Null) => {}
                        _ => {
                            return Err(ParseError::parser_at(
                                "Expected role dependencies to be a list.",
                                &Origin::new(&file, deps.span),
                            ));
                        }
                    }
                }
            }
        }
        // meta/argument_specs.{yml,yaml,json}, when present, replaces the
        // specs of meta/main (they are not combined).
        let meta_dir = path.join("meta");
        if ["yml", "yaml", "json"]
            .iter()
            .any(|ext| meta_dir.join(format!("argument_specs.{ext}")).is_file())
            && let Some(specs_path) = find_main(&meta_dir, "argument_specs")
        {
            let (_, node) = self.read_yaml(&specs_path)?;
            argument_specs = node
                .as_ref()
                .and_then(|n| n.get("argument_specs"))
                .map(Node::to_value)
                .unwrap_or(Value::Null);
        }
        for (subdir, wanted) in [("defaults", &from.defaults), ("vars", &from.vars)] {
            let main = wanted.as_deref().unwrap_or("main");
            let Some(file_path) = find_main(&path.join(subdir), main) else {
                if wanted.is_some() {
                    return Err(ParseError::parser(format!(
                        "Could not find specified file in role: {subdir}/{main}"
                    )));
                }
                continue;
            };
            inside_role(&file_path, &path.join(subdir), name)?;
            let (value, origins) = if file_path.is_dir() {
                (self.read_vars_dir(&file_path)?, Default::default())
            } else {
                let (file, node) = self.read_yaml(&file_path)?;
                let origins = node
                    .as_ref()
                    .map(|n| crate::vars::origins::of_mapping(n, &file))
                    .unwrap_or_default();
                (node.map(|n| n.to_value()), origins)
            };
            if subdir == "defaults" {
                role.defaults = value;
                role.default_origins = origins;
            } else {
                role.vars = value;
                role.var_origins = origins;
            }
        }
        let role_ctx = Ctx {
            basedir: ctx.basedir.clone(),
            file: ctx.file.clone(),
            file_dir: path.join("tasks"),
            role: Some(RoleCtx {
                display: display.to_string(),
                path: path.to_path_buf(),
            }),
            collections: with_legacy(role_collections, default_collection.as_deref()),
            handlers: false,
            vars: {
                let mut vars = match &role.defaults {
                    Some(Value::Map(m)) => m.clone(),
                    _ => Map::new(),
                };
                vars.extend(ctx.vars.clone());
                if let Some(Value::Map(m)) = &role.vars {
                    vars.extend(m.clone());
                }
                vars
            },
        };
        for (subdir, wanted) in [("tasks", &from.tasks), ("handlers", &from.handlers)] {
            let dir = path.join(subdir);
            let main = wanted.as_deref().unwrap_or("main");
            let found = find_main(&dir, main);
            let Some(file_path) = found else {
                if wanted.is_some() {
                    return Err(ParseError::parser(format!(
                        "Could not find specified file in role: {subdir}/{main}"
                    )));
                }
                continue;
            };
            inside_role(&file_path, &dir, name)?;
            let (file, node) = self.read_yaml(&file_path)?;
            let Some(node) = node else { continue };
            let mut c = role_ctx.clone();
            c.file = file.clone();
            c.file_dir = file_path.parent().unwrap_or(Path::new("/")).to_path_buf();
            c.handlers = subdir == "handlers";
            let items = match &node.kind {
                NodeKind::Seq(items) => self.load_list_of_blocks(items, &c)?,
                _ => {
                    return Err(ParseError::parser_at(
                        format!(
                            "The {subdir}/{main}.yml file for role '{name}' must contain a list of tasks"
                        ),
                        &Origin::new(&file, node.span),
                    ));
                }
            };
            if subdir == "tasks" {
                role.tasks = items;
            } else {
                role.handlers = items;
            }
        }
        if !from.skip_validation {
            let entrypoint = from.tasks.as_deref().unwrap_or("main");
            if let Some((node, origin_text)) =
                argspec::validation_task(&argument_specs, entrypoint, short_name, path, params)
            {
                // A task built from a dict: its origin is unknown, errors
                // show the dict's text instead.
                let mut c = role_ctx.clone();
                c.file = Arc::new(SourceFile {
                    path: PathBuf::from("<unknown>"),
                    text: origin_text,
                });
                let validation = self.load_list_of_tasks(std::slice::from_ref(&node), &c)?;
                prepend_to_first_block(&mut role.tasks, validation);
            }
        }
        Ok(role)
    }
}

impl Loader {
    /// The name of a static import (`import_playbook`, `import_tasks`,
    /// `import_role`'s name and `*_from`) templated as ansible does while
    /// loading: with the play's and enclosing blocks' vars, the role's
    /// defaults and vars, the import's own `vars` and the extra vars; no
    /// host or inventory vars exist yet.
    fn template_static(
        &self,
        text: &str,
        ctx: &Ctx,
        task_vars: Option<&Value>,
        origin: &Origin,
    ) -> Result<String> {
        if !crate::templating::render::is_template(text) {
            return Ok(text.to_string());
        }
        let mut vars = ctx.vars.clone();
        if let Some(Value::Map(own)) = task_vars {
            vars.extend(own.clone());
        }
        vars.extend(self.opts.extra_vars.clone());
        vars.entry("playbook_dir".to_string())
            .or_insert_with(|| Value::str(ctx.basedir.display().to_string()));
        // The magic variables of a role's task (they win over extra vars).
        if let Some(role) = &ctx.role {
            let short = match role.display.rsplitn(2, '.').collect::<Vec<_>>().as_slice() {
                [last, prefix] if prefix.contains('.') => last.to_string(),
                _ => role.display.clone(),
            };
            vars.insert(
                "role_path".into(),
                Value::str(role.path.display().to_string()),
            );
            vars.insert("role_name".into(), Value::str(short));
            vars.insert(
                "ansible_role_name".into(),
                Value::str(role.display.as_str()),
            );
        }
        let templar = Arc::new(crate::templating::render::Templar::new());
        let context = crate::templating::lazy::LazyVars::context(vars, Arc::clone(&templar), None);
        templar
            .template_in(text, &context)
            .map(|v| v.python_str())
            .map_err(|e| ParseError::parser_at(e.message, origin))
    }

    /// A role's `defaults/main/` or `vars/main/` directory: its files in
    /// name order, each mapping combined over the ones before it.
    fn read_vars_dir(&mut self, dir: &Path) -> Result<Option<Value>> {
        let mut combined: Option<Value> = None;
        for file in crate::inventory::vars_files::dir_vars_files(dir, &self.opts.yaml_extensions) {
            let (_, node) = self.read_yaml(&file)?;
            let Some(value) = node.map(|n| n.to_value()) else {
                continue;
            };
            combined = match (combined.take(), value) {
                (Some(Value::Map(mut lower)), Value::Map(upper)) => {
                    crate::inventory::vars::combine_into(
                        &mut lower,
                        &upper,
                        self.opts.hash_behaviour,
                    );
                    Some(Value::Map(lower))
                }
                (kept, Value::Null) => kept,
                (_, value) => Some(value),
            };
        }
        Ok(combined)
    }
}

/// ansible's `Play._load_vars_prompt`: a list of mappings (one mapping
/// counts as a list), each with a `name` and only the keys it knows.
fn check_vars_prompt(prompts: &Node, file: &Arc<SourceFile>) -> Result<()> {
    let items: Vec<&Node> = match &prompts.kind {
        NodeKind::Scalar(Value::Null) => return Ok(()),
        NodeKind::Seq(items) => items.iter().collect(),
        _ => vec![prompts],
    };
    let whole = Origin::new(file, prompts.span);
    for item in &items {
        if !matches!(item.kind, NodeKind::Map(_)) {
            // ansible adds its help text: "Variable files must contain
            // either a dictionary of variables, or a list of
            // dictionaries."
            return Err(ParseError::parser_at(
                "Invalid variable file contents.",
                &Origin::new(file, item.span),
            ));
        }
    }
    for item in items {
        let keys: Vec<String> = pairs(item).into_iter().map(|(k, _, _)| k).collect();
        if !keys.iter().any(|k| k == "name") {
            return Err(ParseError::parser_at(
                "Invalid vars_prompt data structure, missing 'name' key",
                &whole,
            ));
        }
        if let Some(bad) = keys
            .iter()
            .find(|k| !crate::exec::vars_prompt::KEYS.contains(&k.as_str()))
        {
            return Err(ParseError::parser_at(
                format!("Invalid vars_prompt data structure, found unsupported key '{bad}'"),
                &whole,
            ));
        }
    }
    Ok(())
}

/// Put `tasks` first in `items`: in the first block when it holds plain
/// tasks (ansible groups them with the tasks after them), else in a block
/// of their own.
fn prepend_to_first_block(items: &mut Vec<Item>, mut tasks: Vec<Item>) {
    if let Some(Item::Block(first)) = items.first_mut()
        && matches!(first.kind, BlockKind::Implicit)
    {
        tasks.append(&mut first.block);
        first.block = tasks;
        return;
    }
    items.insert(
        0,
        Item::Block(Block {
            kind: BlockKind::Implicit,
            keywords: Keywords::new(),
            tags: Vec::new(),
            block: tasks,
            rescue: Vec::new(),
            always: Vec::new(),
            origin: None,
        }),
    );
}

/// Put `conditions` before the `when` of `keywords`.
fn prepend_when(keywords: &mut Keywords, conditions: &[Value]) {
    let mut all = conditions.to_vec();
    let mut item_spans = vec![Span::default(); conditions.len()];
    let (span, key_span) = match keywords.get("when") {
        Some(attr) => {
            match &attr.value {
                Value::Null => {}
                Value::List(own) => {
                    all.extend(own.iter().cloned());
                    item_spans.extend(attr.item_spans.iter().copied());
                }
                other => {
                    all.push(other.clone());
                    item_spans.push(attr.span);
                }
            }
            (attr.span, attr.key_span)
        }
        None => Default::default(),
    };
    keywords.insert(
        "when".to_string(),
        Attr {
            value: Value::List(all),
            span,
            key_span,
            item_spans,
            key_spans: Vec::new(),
        },
    );
}

/// `tasks_from` and friends may not reach outside their directory of the
/// role (ansible's `is_subpath` check, on the paths as written).
fn inside_role(found: &Path, dir: &Path, role: &str) -> Result<()> {
    if normalize(found).starts_with(normalize(dir)) {
        return Ok(());
    }
    Err(ParseError::parser(format!(
        "Failed loading '{}' for role ({role}) as it is not inside the expected role path: '{}'",
        found.display(),
        dir.display()
    )))
}

/// Which files of a role to read instead of `main` (`tasks_from`, ...).
#[derive(Debug, Clone, Default)]
struct RoleFiles {
    tasks: Option<String>,
    handlers: Option<String>,
    vars: Option<String>,
    defaults: Option<String>,
    /// `rolespec_validate: false` of an import/include: no argument
    /// validation task.
    skip_validation: bool,
}

impl RoleFiles {
    /// The files as part of a role's identity (ansible's `from_files` in
    /// `Role._get_hash_dict`).
    fn identity(&self) -> String {
        [&self.tasks, &self.handlers, &self.vars, &self.defaults]
            .iter()
            .map(|f| f.as_deref().unwrap_or(""))
            .collect::<Vec<_>>()
            .join("\0")
    }
}

/// `main`, `main.yml`, `main.yaml` or `main.json` in `dir` (for `vars`
/// and `defaults`, also a directory `main/`).
fn find_main(dir: &Path, name: &str) -> Option<PathBuf> {
    for ext in ["", ".yml", ".yaml", ".json"] {
        let p = dir.join(format!("{name}{ext}"));
        let vars_dir = dir.ends_with("vars") || dir.ends_with("defaults");
        if p.is_file() || (ext.is_empty() && p.is_dir() && vars_dir) {
            return Some(p);
        }
    }
    None
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
}

fn is_block(node: &Node) -> bool {
    matches!(node.kind, NodeKind::Map(_))
        && (node.get("block").is_some()
            || node.get("rescue").is_some()
            || node.get("always").is_some())
}

fn attr(key: &Node, value: &Node) -> Attr {
    Attr {
        value: value.to_value(),
        span: value.span,
        key_span: key.span,
        item_spans: match &value.kind {
            NodeKind::Seq(items) => items.iter().map(|item| item.span).collect(),
            _ => Vec::new(),
        },
        key_spans: match &value.kind {
            NodeKind::Map(pairs) => pairs
                .iter()
                .filter_map(|(k, v)| match &k.kind {
                    NodeKind::Scalar(name) => Some((name.python_str(), k.span, v.span)),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        },
    }
}

fn string_list(node: &Node) -> Vec<String> {
    match node.to_value() {
        Value::List(l) => l.iter().map(Value::python_str).collect(),
        Value::Null => Vec::new(),
        other => vec![other.python_str()],
    }
}

/// ansible appends `ansible.legacy` to a non-empty `collections` list that
/// names neither `ansible.builtin` nor `ansible.legacy`.
/// ansible's `_ensure_default_collection`: the default collection first,
/// then, when the list names any, `ansible.legacy` unless a builtin name is
/// there.
fn with_legacy(mut list: Vec<String>, default_collection: Option<&str>) -> Vec<String> {
    if let Some(collection) = default_collection
        && !list.iter().any(|c| c == collection)
    {
        list.insert(0, collection.to_string());
    }
    if !list.is_empty()
        && !list
            .iter()
            .any(|c| c == "ansible.builtin" || c == "ansible.legacy")
    {
        list.push("ansible.legacy".into());
    }
    list
}

/// ansible's `_load_tags`: a list as is, a string split on `,`.
fn load_tags(value: &Value, origin: &Origin) -> Result<Vec<Value>> {
    match value {
        Value::List(l) => Ok(l.clone()),
        Value::Str(s) | Value::Unsafe(s) => {
            Ok(s.split(',').map(|t| Value::str(t.trim())).collect())
        }
        _ => Err(ParseError::general_at(
            "tags must be specified as a list",
            origin,
        )),
    }
}

fn check_apply(
    args: &IndexMap<String, Value>,
    action: &str,
    dynamic: &str,
    origin: &Origin,
) -> Result<()> {
    let Some(apply) = args.get("apply") else {
        return Ok(());
    };
    if apply.is_truthy() && modules::short_builtin(action) != Some(dynamic) {
        return Err(ParseError::parser_at(
            format!("Invalid options for {action}: apply"),
            origin,
        ));
    }
    if !matches!(apply, Value::Map(_)) && apply.is_truthy() {
        return Err(ParseError::parser_at(
            format!(
                "Expected a dict for apply but got <class '{}'> instead",
                apply.python_type_name()
            ),
            origin,
        ));
    }
    Ok(())
}

/// `play.vars | import_vars` for an imported play.
fn merge_vars(keywords: &mut Keywords, vars: &Attr) {
    let Value::Map(extra) = &vars.value else {
        return;
    };
    let mut extra = extra.clone();
    extra.shift_remove("tags");
    match keywords.get_mut("vars") {
        Some(existing) => {
            if let Value::Map(m) = &mut existing.value {
                m.extend(extra);
            }
        }
        None => {
            keywords.insert(
                "vars".into(),
                Attr {
                    value: Value::Map(extra),
                    span: vars.span,
                    key_span: vars.key_span,
                    item_spans: Vec::new(),
                    key_spans: Vec::new(),
                },
            );
        }
    }
}
