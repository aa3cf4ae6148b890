//! Which names are modules or actions: ansible.builtin's own (a table of
//! names), modules in `library/` directories (beside the playbook, in roles,
//! configured paths), action plugins in `action_plugins/` directories, and
//! collections installed on disk.

use std::path::{Path, PathBuf};

use super::routing::{self, PluginKind};

/// ansible-core 2.19's `ansible/modules/*.py` and `ansible/plugins/action/*.py`
/// file names (`ansible.builtin.NAME`).
pub const BUILTIN_ACTIONS: &[&str] = &[
    "add_host",
    "apt",
    "apt_key",
    "apt_repository",
    "assemble",
    "assert",
    "async_status",
    "async_wrapper",
    "blockinfile",
    "command",
    "copy",
    "cron",
    "deb822_repository",
    "debconf",
    "debug",
    "dnf",
    "dnf5",
    "dpkg_selections",
    "expect",
    "fail",
    "fetch",
    "file",
    "find",
    "gather_facts",
    "get_url",
    "getent",
    "git",
    "group",
    "group_by",
    "hostname",
    "import_playbook",
    "import_role",
    "import_tasks",
    "include_role",
    "include_tasks",
    "include_vars",
    "iptables",
    "known_hosts",
    "lineinfile",
    "meta",
    "mount_facts",
    "normal",
    "package",
    "package_facts",
    "pause",
    "ping",
    "pip",
    "raw",
    "reboot",
    "replace",
    "rpm_key",
    "script",
    "service",
    "service_facts",
    "set_fact",
    "set_stats",
    "setup",
    "shell",
    "slurp",
    "stat",
    "subversion",
    "systemd",
    "systemd_service",
    "sysvinit",
    "tempfile",
    "template",
    "unarchive",
    "uri",
    "user",
    "validate_argument_spec",
    "wait_for",
    "wait_for_connection",
    "yum_repository",
];

/// ansible-core 2.19's action redirects (`plugin_routing.action` of its
/// runtime.yml) for names that have no module of their own: `yum` is the
/// dnf action, which picks the dnf module generation. (A module named
/// `yum` in a `library/` dir still wins for `yum`/`ansible.legacy.yum`.)
pub const BUILTIN_ACTION_REDIRECTS: &[(&str, &str)] = &[("yum", "dnf")];

fn builtin(name: &str) -> Option<String> {
    if BUILTIN_ACTIONS.contains(&name) {
        return Some(format!("ansible.builtin.{name}"));
    }
    BUILTIN_ACTION_REDIRECTS
        .iter()
        .find(|(from, _)| *from == name)
        .map(|(_, to)| format!("ansible.builtin.{to}"))
}

/// Actions whose free-form string is kept whole (`check_raw`).
pub const FREEFORM_ACTIONS: &[&str] = &[
    "command",
    "raw",
    "script",
    "shell",
    "win_command",
    "win_shell",
];

/// Short names (any of `X`, `ansible.builtin.X`, `ansible.legacy.X`) of `name`.
pub fn short_builtin(name: &str) -> Option<&str> {
    name.strip_prefix("ansible.builtin.")
        .or_else(|| name.strip_prefix("ansible.legacy."))
        .or(if name.contains('.') { None } else { Some(name) })
}

/// Whether `name` is one of `names` spelled short, `ansible.builtin.` or
/// `ansible.legacy.`.
pub fn is_builtin_one_of(name: &str, names: &[&str]) -> bool {
    short_builtin(name).is_some_and(|s| names.contains(&s))
}

pub fn is_freeform(action: &str) -> bool {
    is_builtin_one_of(action, FREEFORM_ACTIONS)
        || matches!(
            action,
            "ansible.windows.win_command" | "ansible.windows.win_shell"
        )
}

/// Looks modules and actions up as ansible's plugin loaders would.
#[derive(Debug, Clone, Default)]
pub struct ActionResolver {
    module_dirs: Vec<PathBuf>,
    action_dirs: Vec<PathBuf>,
    /// The `library/` dirs of playbooks and roles, in the order they were
    /// loaded (ansible's loader searches them before the configured ones).
    plugin_module_dirs: Vec<PathBuf>,
    /// Directories named `ansible_collections`.
    collection_roots: Vec<PathBuf>,
}

impl ActionResolver {
    pub fn new(
        module_paths: &[PathBuf],
        action_paths: &[PathBuf],
        collection_paths: &[PathBuf],
    ) -> Self {
        let mut r = ActionResolver::default();
        for p in module_paths {
            r.push_unique_module(p.clone());
        }
        for p in action_paths {
            r.push_unique_action(p.clone());
        }
        for p in collection_paths {
            r.add_collection_path(p);
        }
        r
    }

    fn push_unique_module(&mut self, p: PathBuf) {
        if !self.module_dirs.contains(&p) {
            self.module_dirs.push(p);
        }
    }

    fn push_unique_action(&mut self, p: PathBuf) {
        if !self.action_dirs.contains(&p) {
            self.action_dirs.push(p);
        }
    }

    /// A collections path entry: the `ansible_collections` directory itself
    /// or its parent.
    pub fn add_collection_path(&mut self, p: &Path) {
        let root = if p.file_name().is_some_and(|n| n == "ansible_collections") {
            p.to_path_buf()
        } else {
            p.join("ansible_collections")
        };
        if !self.collection_roots.contains(&root) {
            self.collection_roots.push(root);
        }
    }

    /// ansible's `add_all_plugin_dirs`: `library/` and `action_plugins/`
    /// below `dir` (a playbook directory or a role).
    pub fn add_plugin_dirs(&mut self, dir: &Path) {
        let lib = dir.join("library");
        if lib.is_dir() {
            if !self.plugin_module_dirs.contains(&lib) {
                self.plugin_module_dirs.push(lib.clone());
            }
            self.push_unique_module(lib);
        }
        let act = dir.join("action_plugins");
        if act.is_dir() {
            self.push_unique_action(act);
        }
    }

    /// The `library/` dirs loading found, first loaded first.
    pub fn plugin_module_dirs(&self) -> &[PathBuf] {
        &self.plugin_module_dirs
    }

    pub fn collection_roots(&self) -> &[PathBuf] {
        &self.collection_roots
    }

    /// ansible's `_get_collection_name_from_path`: `ns.col` when `path` lies
    /// in a collection (one `ansible_collections` component, then a
    /// namespace and a name) that is the one these roots load by that name
    /// (not masked by an earlier root).
    pub fn collection_of_path(&self, path: &Path) -> Option<String> {
        let path = crate::pypath::abspath(&path.to_string_lossy());
        let parts: Vec<&str> = path.split('/').collect();
        if parts
            .iter()
            .filter(|p| **p == "ansible_collections")
            .count()
            != 1
        {
            return None;
        }
        let at = parts.iter().position(|p| *p == "ansible_collections")?;
        let (namespace, name) = (*parts.get(at + 1)?, *parts.get(at + 2)?);
        if namespace.is_empty() || name.is_empty() {
            return None;
        }
        let prefix = PathBuf::from(parts[..at + 3].join("/"));
        let loaded = self
            .collection_roots
            .iter()
            .map(|root| root.join(namespace).join(name))
            .find(|dir| dir.is_dir())?;
        (loaded == prefix).then(|| format!("{namespace}.{name}"))
    }

    /// The fully qualified name a task's action resolves to, as ansible's
    /// ModuleArgsParser says (`_get_action_context`): a module routed to an
    /// action plugin names that plugin; else the action plugin of the
    /// name, else the module. Short names try the collections of the
    /// `collections` keyword, then `ansible.legacy`.
    pub fn resolve(&self, name: &str, collections: &[String]) -> Option<String> {
        let module = self.find(PluginKind::Module, name, collections);
        // A `library/` module named like a builtin action runs itself here
        // (ansible would run the builtin action around it).
        if let Some(found) = &module
            && found.fqcn.starts_with("ansible.legacy.")
        {
            return Some(found.fqcn.clone());
        }
        let action_name = module
            .as_ref()
            .and_then(|m| m.action_plugin.clone())
            .unwrap_or_else(|| name.to_string());
        self.find(PluginKind::Action, &action_name, collections)
            .or(module)
            .map(|found| found.fqcn)
    }

    /// The name module_defaults entries are matched against for a task's
    /// action (`Task._post_validate_args`): its action plugin, else its
    /// module.
    pub fn defaults_name(&self, name: &str, collections: &[String]) -> Option<String> {
        self.find(PluginKind::Action, name, collections)
            .or_else(|| self.find(PluginKind::Module, name, collections))
            .map(|found| found.fqcn)
    }

    /// What a module_defaults key names (`Base._resolve_action`): the
    /// module, unless an action plugin of that name exists and the module
    /// has no `action_plugin` of its own.
    pub fn defaults_key(&self, name: &str) -> Option<String> {
        match self.find(PluginKind::Module, name, &[]) {
            Some(module) if module.action_plugin.is_none() => Some(
                self.find(PluginKind::Action, name, &[])
                    .map_or(module.fqcn, |action| action.fqcn),
            ),
            Some(module) => Some(module.fqcn),
            None => self.find(PluginKind::Action, name, &[]).map(|a| a.fqcn),
        }
    }

    /// The module a task's action runs (redirects followed), when there is
    /// one.
    pub fn module_of(&self, name: &str, collections: &[String]) -> Option<String> {
        self.find(PluginKind::Module, name, collections)
            .map(|found| found.fqcn)
    }

    /// A plugin loader's `find_plugin_with_context`.
    pub fn find(&self, kind: PluginKind, name: &str, collections: &[String]) -> Option<Found> {
        let parts: Vec<&str> = name.split('.').collect();
        if parts.len() >= 3 {
            let coll = format!("{}.{}", parts[0], parts[1]);
            let rest = parts[2..].join(".");
            return self.find_in(kind, &coll, &rest, 0);
        }
        if parts.len() != 1 {
            return None;
        }
        for coll in collections {
            if let Some(found) = self.find_in(kind, coll, name, 0) {
                return Some(found);
            }
        }
        self.find_in(kind, "ansible.legacy", name, 0)
    }

    fn find_in(
        &self,
        kind: PluginKind,
        collection: &str,
        name: &str,
        hops: usize,
    ) -> Option<Found> {
        // Redirect loops end somewhere; ansible detects them, we stop.
        if hops > MAX_REDIRECTS {
            return None;
        }
        let plain = |fqcn: String| Found {
            fqcn,
            action_plugin: None,
        };
        match collection {
            "ansible.builtin" => {
                let route = routing::route(&self.collection_roots, collection, kind, name);
                if let Some(target) = route.redirect {
                    return self.follow(kind, &target, hops);
                }
                builtin(name).map(plain)
            }
            "ansible.legacy" => {
                // Callbacks are not resolved here (output::python_callbacks).
                let dirs: &[PathBuf] = match kind {
                    PluginKind::Module => &self.module_dirs,
                    PluginKind::Action => &self.action_dirs,
                    PluginKind::Callback => &[],
                };
                if dirs.iter().any(|d| has_plugin_file(d, name)) {
                    return Some(plain(format!("ansible.legacy.{name}")));
                }
                if let Some(found) = self.find_in(kind, "ansible.builtin", name, hops) {
                    return Some(found);
                }
                // ansible's last resort for a legacy name: the deprecated
                // spelling with a leading underscore (`_name.py`).
                let alias = format!("_{name}");
                if name.starts_with('_') || !dirs.iter().any(|d| has_plugin_file(d, &alias)) {
                    return None;
                }
                crate::cli::display::deprecated(&format!(
                    "Plugin '{name}' automatically redirected to '{alias}'. This feature will be \
                     removed from ansible-core version 2.23. Use '{alias}' instead of '{name}' to \
                     refer to the plugin."
                ));
                Some(plain(format!("ansible.legacy.{alias}")))
            }
            _ => {
                let route = routing::route(&self.collection_roots, collection, kind, name);
                if route.removed {
                    return None;
                }
                if let Some(target) = route.redirect {
                    return self.follow(kind, &target, hops);
                }
                let rel: PathBuf = name.split('.').collect();
                let stem = rel.file_name()?.to_string_lossy().into_owned();
                let dir = routing::collection_dir(&self.collection_roots, collection)?
                    .join("plugins")
                    .join(kind_dir(kind))
                    .join(rel.parent().unwrap_or(Path::new("")));
                has_plugin_file(&dir, &stem).then(|| Found {
                    fqcn: format!("{collection}.{name}"),
                    action_plugin: route.action_plugin,
                })
            }
        }
    }

    fn follow(&self, kind: PluginKind, target: &str, hops: usize) -> Option<Found> {
        // ansible refuses redirects that are not fully qualified.
        if !routing::is_fqcr(target) {
            return None;
        }
        let parts: Vec<&str> = target.split('.').collect();
        let coll = format!("{}.{}", parts[0], parts[1]);
        self.find_in(kind, &coll, &parts[2..].join("."), hops + 1)
    }
}

/// How many redirects a lookup follows.
const MAX_REDIRECTS: usize = 20;

/// A plugin found by [`ActionResolver::find`].
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    /// The name it resolved to.
    pub fqcn: String,
    /// For a module: the action plugin its routing names.
    pub action_plugin: Option<String>,
}

fn kind_dir(kind: PluginKind) -> &'static str {
    match kind {
        PluginKind::Module => "modules",
        PluginKind::Action => "action",
        PluginKind::Callback => "callback",
    }
}

/// A file `name` or `name.EXT` in `dir` (not a compiled Python file).
fn has_plugin_file(dir: &Path, name: &str) -> bool {
    if dir.join(name).is_file() {
        return true;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    entries.flatten().any(|e| {
        let file = e.file_name();
        let file = file.to_string_lossy();
        match file.rsplit_once('.') {
            Some((stem, ext)) => {
                stem == name
                    && !matches!(
                        ext,
                        "pyc" | "pyo" | "swp" | "bak" | "orig" | "md" | "txt" | "rst"
                    )
            }
            None => false,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_names_resolve_in_every_spelling() {
        let r = ActionResolver::default();
        assert_eq!(
            r.resolve("copy", &[]).as_deref(),
            Some("ansible.builtin.copy")
        );
        assert_eq!(
            r.resolve("ansible.builtin.copy", &[]).as_deref(),
            Some("ansible.builtin.copy")
        );
        assert_eq!(
            r.resolve("ansible.legacy.copy", &[]).as_deref(),
            Some("ansible.builtin.copy")
        );
        assert_eq!(r.resolve("nosuchmodule", &[]), None);
        for yum in ["yum", "ansible.builtin.yum", "ansible.legacy.yum"] {
            assert_eq!(
                r.resolve(yum, &[]).as_deref(),
                Some("ansible.builtin.dnf"),
                "{yum}"
            );
        }
        assert_eq!(r.resolve("ns.coll.thing", &[]), None);
    }

    #[test]
    fn a_path_inside_a_loaded_collection_names_it() {
        let base =
            std::env::temp_dir().join(format!("mitorun-default-coll-{}", std::process::id()));
        let first = base.join("first");
        let second = base.join("second");
        for root in [&first, &second] {
            std::fs::create_dir_all(root.join("ansible_collections/ns/col/playbooks"))
                .expect("mkdir");
        }
        std::fs::create_dir_all(second.join("ansible_collections/ns/other")).expect("mkdir");
        let r = ActionResolver::new(&[], &[], &[first.clone(), second.clone()]);
        let inside = |root: &PathBuf, rest: &str| root.join("ansible_collections").join(rest);
        assert_eq!(
            r.collection_of_path(&inside(&first, "ns/col/playbooks"))
                .as_deref(),
            Some("ns.col")
        );
        assert_eq!(
            r.collection_of_path(&inside(&second, "ns/other"))
                .as_deref(),
            Some("ns.other")
        );
        // Masked by the same name in an earlier root.
        assert_eq!(
            r.collection_of_path(&inside(&second, "ns/col/playbooks")),
            None
        );
        // Not down to a collection, or not under any collection.
        assert_eq!(r.collection_of_path(&inside(&first, "ns")), None);
        assert_eq!(r.collection_of_path(&base), None);
        let _ = std::fs::remove_dir_all(&base);
    }

    #[test]
    fn collection_routing_redirects_and_action_plugins() {
        let root = std::env::temp_dir().join(format!("mitorun-routing-{}", std::process::id()));
        let coll = root.join("ansible_collections/ns/coll");
        std::fs::create_dir_all(coll.join("meta")).expect("mkdir");
        std::fs::create_dir_all(coll.join("plugins/modules")).expect("mkdir");
        std::fs::create_dir_all(coll.join("plugins/action")).expect("mkdir");
        std::fs::write(
            coll.join("meta/runtime.yml"),
            "plugin_routing:\n  modules:\n    old: {redirect: ns.coll.new}\n    gone: {tombstone: {removal_version: '1'}}\n    facts: {action_plugin: ns.coll.platform}\n    loop: {redirect: ns.coll.loop}\n    short: {redirect: new}\n  action:\n    alias: {redirect: ns.coll.platform}\n",
        )
        .expect("write");
        for module in ["new", "gone", "facts", "plain"] {
            std::fs::write(coll.join(format!("plugins/modules/{module}.py")), "").expect("write");
        }
        std::fs::write(coll.join("plugins/action/platform.py"), "").expect("write");
        let r = ActionResolver::new(&[], &[], std::slice::from_ref(&root));
        let colls = vec!["ns.coll".to_string()];
        assert_eq!(r.resolve("old", &colls).as_deref(), Some("ns.coll.new"));
        assert_eq!(
            r.module_of("ns.coll.old", &[]).as_deref(),
            Some("ns.coll.new")
        );
        assert_eq!(r.resolve("ns.coll.gone", &[]), None);
        // A module routed to an action plugin names the plugin; its
        // defaults and the module it runs stay the module's.
        assert_eq!(
            r.resolve("ns.coll.facts", &[]).as_deref(),
            Some("ns.coll.platform")
        );
        assert_eq!(
            r.defaults_name("ns.coll.facts", &[]).as_deref(),
            Some("ns.coll.facts")
        );
        assert_eq!(
            r.module_of("ns.coll.facts", &[]).as_deref(),
            Some("ns.coll.facts")
        );
        assert_eq!(
            r.defaults_key("ns.coll.facts").as_deref(),
            Some("ns.coll.facts")
        );
        assert_eq!(
            r.resolve("ns.coll.alias", &[]).as_deref(),
            Some("ns.coll.platform")
        );
        // Loops end, short redirects are refused.
        assert_eq!(r.resolve("ns.coll.loop", &[]), None);
        assert_eq!(r.resolve("ns.coll.short", &[]), None);
        assert_eq!(r.resolve("plain", &colls).as_deref(), Some("ns.coll.plain"));
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn builtin_module_redirects_leave_ansible_builtin() {
        let r = ActionResolver::default();
        // ansible-core's test entry points at a collection that is absent.
        assert_eq!(r.resolve("formerly_core_ping", &[]), None);
        assert_eq!(
            r.defaults_key("ansible.builtin.ping").as_deref(),
            Some("ansible.builtin.ping")
        );
    }

    #[test]
    fn freeform() {
        assert!(is_freeform("shell"));
        assert!(is_freeform("ansible.builtin.command"));
        assert!(!is_freeform("copy"));
    }
}
