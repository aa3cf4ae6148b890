//! The variable manager: every variable a task sees, in ansible-core 2.19's
//! precedence order (`VariableManager.get_vars`), stored unrendered.
//!
//! Layers, lowest first:
//! 1. role defaults (public roles of the play, then the task's role and its
//!    dependency chain);
//! 2. inventory: group vars, host vars, group_vars/ and host_vars/ files
//!    (precomputed per host by `inventory::hostvars`);
//! 3. facts (`ansible_facts` and, with INJECT_FACTS_AS_VARS, `ansible_*`);
//! 4. play `vars`, then `vars_files`, then exported vars of public roles;
//! 5. the task's role vars (dependency chain, dependencies, own), then the
//!    block and task `vars`;
//! 6. `include_vars` results, then `set_fact`/`register` results;
//! 7. role params, include params;
//! 8. extra vars (`-e`);
//! 9. magic variables (`hostvars`, `groups`, `inventory_hostname`, ...).
//!
//! The result is a raw map: templates inside it render when a template
//! reads them (`templating::lazy`). Results of tasks and facts arrive as
//! data (`Value::into_data`, applied where they are produced: module
//! results, controller action outputs) so they are never templated again,
//! while what a playbook wrote in `set_fact`/`include_vars` stays trusted.

pub mod cache_json;
pub mod fact_cache;
pub mod hostvars;
pub mod magic;
pub mod names;
pub mod origins;
pub mod reserved;
pub mod roles;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};

use crate::inventory::vars::{HashBehaviour, combine_into};
use crate::playbook::model::RoleInfo;
use crate::value::{Map, Value};
use fact_cache::{CacheError, FactCache};

/// Per-host variables that tasks add while a run goes on.
#[derive(Debug, Default, Clone)]
struct HostRuntime {
    /// `set_fact` (not cacheable) and `register` results.
    nonpersistent: Map,
    /// `include_vars` results.
    included: Map,
    /// Where the variables of `nonpersistent` and `included` were named
    /// (`origins::name_key`), the first naming kept as ansible keeps a
    /// dict's first key.
    names: origins::VarOrigins,
}

/// Everything a run knows about variables; shared by all tasks and hosts.
pub struct VarsStore {
    hash: HashBehaviour,
    inject_facts_as_vars: bool,
    extra_vars: Map,
    /// Where each extra variable was named (`origins::name_key`).
    extra_var_names: origins::VarOrigins,
    /// Inventory-level vars of each host (magic host vars included),
    /// by inventory hostname.
    inventory: RwLock<HashMap<String, Arc<Map>>>,
    /// `groups`: group name → host names.
    groups: RwLock<Value>,
    runtime: Mutex<HashMap<String, HostRuntime>>,
    /// Facts (gathered, `set_fact: cacheable=yes`, modules' `ansible_facts`)
    /// by host, with their keys as the producers gave them.
    facts: FactCache,
    /// Run-wide magic variables (`ansible_version`, `ansible_check_mode`,
    /// `playbook_dir`, ...).
    pub options_vars: Map,
}

/// What a play contributes to the variables of its tasks.
#[derive(Debug, Clone, Default)]
pub struct PlayScope {
    pub name: String,
    /// The play's `vars` keyword.
    pub vars: Map,
    /// Where each of `vars` was written.
    pub var_origins: origins::VarOrigins,
    /// `vars_files` loaded for each host (their names may use the host's
    /// variables), in order.
    pub vars_files: HashMap<String, Vec<(Map, origins::VarOrigins)>>,
    /// Roles of the play whose defaults and vars everyone sees.
    pub public_roles: Vec<Arc<RoleInfo>>,
    /// Every role of the play (for `ansible_role_names`).
    pub roles: Vec<Arc<RoleInfo>>,
    pub hosts_all: Vec<String>,
    pub hosts: Vec<String>,
    pub batch: Vec<String>,
}

/// Where a task sits: its role (with the roles that depend on it) and the
/// merged `vars` of its blocks and itself.
#[derive(Debug, Clone, Default)]
pub struct TaskScope {
    /// The task's role, if any.
    pub role: Option<Arc<RoleInfo>>,
    /// Roles above `role` in the dependency chain, outermost first.
    pub dep_chain: Vec<Arc<RoleInfo>>,
    /// Block vars (outermost first) and the task's own vars, merged.
    pub vars: Map,
    /// Where each of `vars` was named (`origins::name_key`).
    pub var_names: origins::VarOrigins,
    /// Parameters of the dynamic include the task came from.
    pub include_params: Map,
    /// `ansible_search_path`: where relative files of the task are looked
    /// up (role dir, then the including files' dirs, then the playbook dir).
    pub search_path: Vec<PathBuf>,
}

impl VarsStore {
    pub fn new(
        hash: HashBehaviour,
        inject_facts_as_vars: bool,
        extra_vars: Map,
        options_vars: Map,
    ) -> VarsStore {
        VarsStore {
            hash,
            inject_facts_as_vars,
            extra_vars,
            extra_var_names: Default::default(),
            inventory: RwLock::new(HashMap::new()),
            groups: RwLock::new(Value::Map(Map::new())),
            runtime: Mutex::new(HashMap::new()),
            facts: FactCache::default(),
            options_vars,
        }
    }

    /// Keep facts in `cache` (CACHE_PLUGIN) rather than in memory.
    pub fn with_fact_cache(mut self, cache: FactCache) -> VarsStore {
        self.facts = cache;
        self
    }

    pub fn extra_vars(&self) -> &Map {
        &self.extra_vars
    }

    pub fn hash_behaviour(&self) -> HashBehaviour {
        self.hash
    }

    /// INJECT_FACTS_AS_VARS.
    pub fn injects_facts_as_vars(&self) -> bool {
        self.inject_facts_as_vars
    }

    /// Replace the inventory snapshot (at start and after add_host/group_by).
    pub fn set_inventory(&self, hosts: HashMap<String, Arc<Map>>, groups: Value) {
        if let Ok(mut inv) = self.inventory.write() {
            *inv = hosts;
        }
        if let Ok(mut g) = self.groups.write() {
            *g = groups;
        }
    }

    /// Replace some hosts' inventory variables (adding hosts that are new)
    /// and the `groups` mapping, after `add_host`/`group_by`.
    pub fn update_inventory(&self, hosts: Vec<(String, Arc<Map>)>, groups: Value) {
        if let Ok(mut inv) = self.inventory.write() {
            inv.extend(hosts);
        }
        if let Ok(mut g) = self.groups.write() {
            *g = groups;
        }
    }

    pub fn inventory_vars(&self, host: &str) -> Option<Arc<Map>> {
        self.inventory.read().ok()?.get(host).cloned()
    }

    pub fn groups(&self) -> Value {
        self.groups.read().map(|g| g.clone()).unwrap_or(Value::Null)
    }

    pub fn host_names(&self) -> Vec<String> {
        self.inventory
            .read()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    }

    fn with_runtime<R>(&self, host: &str, f: impl FnOnce(&mut HostRuntime) -> R) -> Option<R> {
        let mut all = self.runtime.lock().ok()?;
        Some(f(all.entry(host.to_string()).or_default()))
    }

    /// Where a variable that a task set on `host` was named, unless an
    /// earlier task already named it.
    pub fn record_name_origin(
        &self,
        host: &str,
        name: &str,
        origin: crate::playbook::model::Origin,
    ) {
        self.with_runtime(host, |rt| {
            Arc::make_mut(&mut rt.names)
                .entry(origins::name_key(name))
                .or_insert(origin);
        });
    }

    /// The store with where each extra variable was named.
    pub fn with_extra_var_names(mut self, names: origins::VarOrigins) -> VarsStore {
        self.extra_var_names = names;
        self
    }

    /// `set_fact` without `cacheable`, and `register`.
    pub fn set_nonpersistent(&self, host: &str, vars: Map) {
        let hash = self.hash;
        self.with_runtime(host, |rt| combine_into(&mut rt.nonpersistent, &vars, hash));
    }

    /// Facts (from setup, `set_fact: cacheable=yes`, `ansible_facts` of a
    /// module result), merged into the host's cached facts as ansible's
    /// `set_host_facts` does (top-level keys replaced). Keys stay as given:
    /// `ansible_facts` shows them without the `ansible_` prefix and the
    /// injected variables as given (`fact_vars`).
    pub fn set_facts(&self, host: &str, facts: Map) {
        let mut cached = self.facts.get(host).unwrap_or_default();
        cached.extend(facts);
        self.facts.set(host, cached);
    }

    /// The host's facts as cached (keys as given).
    pub fn facts(&self, host: &str) -> Map {
        self.facts.get(host).unwrap_or_default()
    }

    /// Whether gather_facts ran for the host (in this run or, with a
    /// persistent cache, one before): `gathering: smart` skips it then.
    pub fn facts_gathered(&self, host: &str) -> bool {
        self.facts
            .get(host)
            .and_then(|f| f.get("_ansible_facts_gathered").map(Value::is_truthy))
            .unwrap_or(false)
    }

    /// Forget the host's facts, in the cache too (`meta: clear_facts`,
    /// `--flush-cache`).
    pub fn clear_facts(&self, host: &str) {
        self.facts.delete(host);
    }

    /// Read the cached facts of `hosts` now, so that a broken cache file
    /// fails the run where ansible fails it (the first time the host's
    /// variables are needed), together with any failure met earlier.
    pub fn load_facts(&self, hosts: &[String]) -> Result<(), CacheError> {
        if let Some(error) = self.facts.take_error() {
            return Err(error);
        }
        for host in hosts {
            self.facts.try_get(host)?;
        }
        Ok(())
    }

    /// `include_vars` results.
    pub fn set_included(&self, host: &str, vars: Map) {
        let hash = self.hash;
        self.with_runtime(host, |rt| combine_into(&mut rt.included, &vars, hash));
    }

    /// The raw variables of `host` for a task (`task = None`: play level,
    /// as `hostvars` sees them).
    pub fn get_vars(&self, play: Option<&PlayScope>, host: &str, task: Option<&TaskScope>) -> Map {
        let mut all = Map::new();
        self.for_each_layer(play, host, task, false, |layer, _| {
            combine_into(&mut all, layer, self.hash)
        });
        let magic = magic::variables(self, play, host, task);
        for (k, v) in magic {
            all.insert(k, v);
        }
        all
    }

    /// Where the variable `name` that `get_vars` gives was defined, when
    /// the layer it comes from knows (only looked up when an error is
    /// reported, so `get_vars` carries no origins).
    pub fn origin_of(
        &self,
        play: Option<&PlayScope>,
        host: &str,
        task: Option<&TaskScope>,
        name: &str,
    ) -> Option<crate::playbook::model::Origin> {
        if magic::variables(self, play, host, task).contains_key(origins::variable_of(name)) {
            return None;
        }
        // `name` may be an entry's key inside a variable's value.
        let variable = origins::variable_of(name);
        let mut origin = None;
        self.for_each_layer(play, host, task, true, |layer, origins| {
            if layer.contains_key(variable) {
                origin = origins.and_then(|o| o.get(name)).cloned();
            }
        });
        origin
    }

    /// [`VarsStore::reserved_names_in_use`] for a play before any host
    /// (ansible's `get_vars(play=play)` that templates the play): its
    /// `vars` (named at `names`) and the extra vars.
    pub fn reserved_names_of_play(
        &self,
        vars: &Map,
        names: &origins::VarOrigins,
    ) -> Vec<(String, Option<crate::playbook::model::Origin>)> {
        let mut found: Vec<(String, Option<crate::playbook::model::Origin>)> = Vec::new();
        for (layer, layer_names) in [(vars, names), (&self.extra_vars, &self.extra_var_names)] {
            for name in layer.keys() {
                if reserved::is_reserved(name) && !found.iter().any(|(n, _)| n == name) {
                    let origin = layer_names.get(&origins::name_key(name)).cloned();
                    found.push((name.clone(), origin));
                }
            }
        }
        found
    }

    /// ansible's reserved-name check of the variables `get_vars` gives
    /// (`warn_if_reserved(all_vars)`): each reserved name among them, in
    /// the order the merged variables first had it, with where the lowest
    /// layer that sets it named it (a Python dict keeps its first key,
    /// and ansible's warning points at that key), when that is known.
    pub fn reserved_names_in_use(
        &self,
        play: Option<&PlayScope>,
        host: &str,
        task: Option<&TaskScope>,
    ) -> Vec<(String, Option<crate::playbook::model::Origin>)> {
        let mut found: Vec<String> = Vec::new();
        self.for_each_layer(play, host, task, false, |layer, _| {
            for name in layer.keys() {
                if reserved::is_reserved(name) && !found.contains(name) {
                    found.push(name.clone());
                }
            }
        });
        if found.is_empty() {
            return Vec::new();
        }
        let mut named: Vec<Option<Option<crate::playbook::model::Origin>>> =
            vec![None; found.len()];
        self.for_each_layer(play, host, task, true, |layer, origins| {
            for (name, slot) in found.iter().zip(named.iter_mut()) {
                if slot.is_none() && layer.contains_key(name) {
                    *slot = Some(
                        origins
                            .and_then(|o| o.get(&origins::name_key(name)))
                            .cloned(),
                    );
                }
            }
        });
        found
            .into_iter()
            .zip(named)
            .map(|(name, origin)| (name, origin.flatten()))
            .collect()
    }

    /// Each layer of variables, lowest precedence first, with the origins
    /// of its variables when known.
    /// Origins of role layers are merged only with `with_origins` (error
    /// reports), not on every `get_vars`.
    fn for_each_layer(
        &self,
        play: Option<&PlayScope>,
        host: &str,
        task: Option<&TaskScope>,
        with_origins: bool,
        mut add: impl FnMut(&Map, Option<&origins::VarOrigins>),
    ) {
        let wanted = |make: &dyn Fn() -> origins::VarOrigins| with_origins.then(make);
        if let Some(play) = play {
            for role in &play.public_roles {
                add(
                    &roles::default_vars(role, &[], self.hash),
                    wanted(&|| roles::default_origins(role, &[])).as_ref(),
                );
            }
        }
        if let Some(task) = task
            && let Some(role) = &task.role
        {
            add(
                &roles::default_vars(role, &task.dep_chain, self.hash),
                wanted(&|| roles::default_origins(role, &task.dep_chain)).as_ref(),
            );
        }
        if let Some(inventory) = self.inventory_vars(host) {
            add(&inventory, None);
        }
        let runtime = self.with_runtime(host, |rt| rt.clone()).unwrap_or_default();
        add(&self.facts.read(host, |facts| self.fact_vars(facts)), None);
        if let Some(play) = play {
            add(&play.vars, Some(&play.var_origins));
            for (file, origins) in play.vars_files.get(host).into_iter().flatten() {
                add(file, Some(origins));
            }
            for role in &play.public_roles {
                add(
                    &roles::role_vars(role, &[], true, self.hash),
                    wanted(&|| roles::role_var_origins(role, &[], true)).as_ref(),
                );
            }
        }
        if let Some(task) = task {
            if let Some(role) = &task.role {
                add(
                    &roles::role_vars(role, &task.dep_chain, false, self.hash),
                    wanted(&|| roles::role_var_origins(role, &task.dep_chain, false)).as_ref(),
                );
            }
            add(&task.vars, Some(&task.var_names));
        }
        add(&runtime.included, Some(&runtime.names));
        add(&runtime.nonpersistent, Some(&runtime.names));
        if let Some(task) = task {
            if let Some(role) = &task.role {
                add(&roles::role_params(role, &task.dep_chain, self.hash), None);
            }
            add(&task.include_params, None);
        }
        add(&self.extra_vars, Some(&self.extra_var_names));
    }

    /// `ansible_facts` (ansible's `namespace_facts`: the `ansible_` prefix
    /// dropped, except from `ansible_local`) plus, when
    /// INJECT_FACTS_AS_VARS, each fact as a variable under the name it
    /// was given (`clean_facts`); otherwise only `ansible_local`.
    fn fact_vars(&self, facts: &Map) -> Map {
        let mut namespaced = Map::new();
        for (k, v) in facts {
            let key = match k.strip_prefix("ansible_") {
                Some(rest) if k != "ansible_local" => rest.to_string(),
                _ => k.clone(),
            };
            namespaced.insert(key, v.clone());
        }
        let mut out = Map::new();
        out.insert("ansible_facts".into(), Value::Map(namespaced));
        if self.inject_facts_as_vars {
            for (k, v) in facts {
                // Internal keys (`_ansible_facts_gathered`) are not
                // variables; restricted ones never become variables.
                if k.starts_with("_ansible_") || restricted_fact(k) {
                    continue;
                }
                out.insert(k.clone(), v.clone());
            }
        } else {
            let local = facts
                .get("ansible_local")
                .cloned()
                .unwrap_or_else(|| Value::Map(Map::new()));
            out.insert("ansible_local".into(), local);
        }
        out
    }
}

/// A fact that must not become a variable of its own (ansible's
/// `clean_facts`): connection and become variables, connection plugins'
/// own (`ansible_ssh_*` ..., but not a `_bridge` device), interpreters,
/// and keys reserved for results. SSH host keys are kept.
pub fn restricted_fact(name: &str) -> bool {
    const CONNECTION_VARS: &[&str] = &[
        "ansible_connection",
        "ansible_connection_user",
        "ansible_host",
        "ansible_ssh_host",
        "ansible_user",
        "ansible_ssh_user",
        "ansible_port",
        "ansible_ssh_port",
        "ansible_password",
        "ansible_ssh_pass",
        "ansible_pipelining",
        "ansible_ssh_pipelining",
        "ansible_timeout",
        "ansible_ssh_timeout",
        "ansible_shell_type",
        "ansible_shell_executable",
        "ansible_module_compression",
        "ansible_private_key_file",
        "ansible_ssh_private_key_file",
        "ansible_ssh_executable",
        "ansible_ssh_common_args",
        "ansible_ssh_extra_args",
        "ansible_scp_extra_args",
        "ansible_sftp_extra_args",
        "ansible_ssh_transfer_method",
        "ansible_docker_extra_args",
        "ansible_network_os",
        "ansible_become",
        "ansible_become_exe",
        "ansible_become_flags",
        "ansible_become_method",
        "ansible_become_pass",
        "ansible_become_password",
        "ansible_become_user",
        // RESTRICTED_RESULT_KEYS and INTERNAL_RESULT_KEYS.
        "ansible_rsync_path",
        "ansible_playbook_python",
        "ansible_facts",
        "add_host",
        "add_group",
    ];
    const CONNECTION_PLUGINS: &[&str] = &["local", "ssh", "paramiko_ssh", "psrp", "winrm"];
    // Called for every fact of every host's variables: most names are
    // settled by their prefix.
    if !name.starts_with("ansible_") {
        return matches!(name, "add_host" | "add_group");
    }
    if name.starts_with("ansible_ssh_host_key_") {
        return false;
    }
    if CONNECTION_VARS.contains(&name) || name.starts_with("ansible_become_") {
        return true;
    }
    let plugin_var = CONNECTION_PLUGINS.iter().any(|plugin| {
        name.strip_prefix("ansible_")
            .and_then(|rest| rest.strip_prefix(plugin))
            .is_some_and(|rest| rest.starts_with('_'))
    });
    if plugin_var && !(name.ends_with("_bridge") || name.ends_with("_gwbridge")) {
        return true;
    }
    // `^ansible_.*_interpreter$`
    name.len() >= "ansible__interpreter".len()
        && name.starts_with("ansible_")
        && name.ends_with("_interpreter")
}

#[cfg(test)]
mod tests;
