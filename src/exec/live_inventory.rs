//! The inventory while plays run: `add_host` and `group_by` results change
//! it (ansible's `InventoryManager.add_dynamic_host`/`add_dynamic_group`),
//! and the variable store's snapshot of the affected hosts and of `groups`
//! follows at once, so later tasks, `hostvars` and later plays' host
//! patterns see the change.

use super::playbook::InventoryVarsSpec;
use crate::inventory::data::{HostId, InventoryData, LOCALHOST_NAMES};
use crate::inventory::vars::{HashBehaviour, combine_into};
use crate::value::{Map, Value};
use crate::vars::VarsStore;
use std::sync::{Arc, Mutex};

/// What the executor may change in the inventory while plays run.
pub trait InventoryEdits: Sync {
    /// Apply an `add_host` result's `add_host` mapping; true when the
    /// inventory changed (the result's `changed`).
    fn add_host(&self, info: &Map) -> Result<bool, String>;
    /// Apply a `group_by` result for `host`; true when the inventory
    /// changed.
    fn add_group(&self, host: &str, result: &Map) -> Result<bool, String>;
    /// `meta: refresh_inventory`: parse the sources again and apply the
    /// `add_host`/`group_by` results so far to what they give; the names
    /// of the hosts the inventory has now.
    fn refresh_inventory(&self) -> Result<std::collections::HashSet<String>, String>;
}

pub struct LiveInventory<'i> {
    data: Mutex<&'i mut InventoryData>,
    spec: &'i InventoryVarsSpec,
    store: &'i VarsStore,
    hash: HashBehaviour,
}

impl<'i> LiveInventory<'i> {
    pub fn new(
        data: &'i mut InventoryData,
        spec: &'i InventoryVarsSpec,
        store: &'i VarsStore,
    ) -> Self {
        LiveInventory {
            data: Mutex::new(data),
            spec,
            store,
            hash: store.hash_behaviour(),
        }
    }

    /// New inventory variables for `hosts` and a new `groups` mapping in
    /// the variable store.
    fn refresh(&self, data: &InventoryData, hosts: &[HostId]) {
        let mut vars = self.spec.make(data);
        let mut updated = Vec::new();
        for id in hosts {
            match vars.host_vars(*id) {
                Ok(map) => updated.push((data.host(*id).name.clone(), Arc::new(map))),
                Err(e) => crate::cli::display::warning(&e.to_string()),
            }
        }
        self.store.update_inventory(updated, groups_value(data));
    }
}

/// One `add_host` or `group_by` result, kept to be applied again when the
/// inventory is refreshed.
#[derive(Debug, Clone)]
pub enum DynamicEdit {
    AddHost(Map),
    AddGroup { host: String, result: Map },
}

impl InventoryEdits for LiveInventory<'_> {
    fn add_host(&self, info: &Map) -> Result<bool, String> {
        let mut guard = self.data.lock().map_err(|_| "inventory lock poisoned")?;
        let data: &mut InventoryData = &mut guard;
        let changed = match add_dynamic_host(data, info, self.hash)? {
            Some(id) => {
                data.reconcile();
                self.refresh(data, &[id]);
                true
            }
            None => false,
        };
        self.remember(DynamicEdit::AddHost(info.clone()));
        Ok(changed)
    }

    fn add_group(&self, host: &str, result: &Map) -> Result<bool, String> {
        let mut guard = self.data.lock().map_err(|_| "inventory lock poisoned")?;
        let data: &mut InventoryData = &mut guard;
        let id = find_host(data, host)
            .ok_or_else(|| format!("{host} cannot be matched in inventory"))?;
        let changed = match add_dynamic_group(data, id, result)? {
            Some(affected) => {
                self.refresh(data, &affected);
                true
            }
            None => false,
        };
        self.remember(DynamicEdit::AddGroup {
            host: host.to_string(),
            result: result.clone(),
        });
        Ok(changed)
    }

    fn refresh_inventory(&self) -> Result<std::collections::HashSet<String>, String> {
        let mut fresh =
            crate::inventory::sources::load(&self.spec.sources, &self.spec.load_options)
                .map_err(|e| e.to_string())?
                .data;
        let mut guard = self.data.lock().map_err(|_| "inventory lock poisoned")?;
        let data: &mut InventoryData = &mut guard;
        // The implicit localhost the run created stays (ansible's
        // InventoryManager creates it again on its next lookup).
        if let Some(old) = data.localhost.filter(|id| data.host(*id).implicit) {
            let host = data.host(old);
            let python = host
                .vars
                .get("ansible_python_interpreter")
                .map(Value::python_str)
                .unwrap_or_default();
            fresh.get_or_implicit_host(&host.name, &python);
        }
        let edits = self
            .spec
            .dynamic_edits
            .lock()
            .map(|e| e.clone())
            .unwrap_or_default();
        for edit in &edits {
            match edit {
                DynamicEdit::AddHost(info) => {
                    if add_dynamic_host(&mut fresh, info, self.hash)?.is_some() {
                        fresh.reconcile();
                    }
                }
                // A host the refresh removed loses its groupings.
                DynamicEdit::AddGroup { host, result } => {
                    if let Some(id) = find_host(&fresh, host) {
                        add_dynamic_group(&mut fresh, id, result)?;
                    }
                }
            }
        }
        crate::cli::display::notices(&std::mem::take(&mut fresh.warnings));
        *data = fresh;
        let mut vars = self.spec.make(data);
        let mut hosts = std::collections::HashMap::new();
        for id in data.host_ids().chain(data.localhost) {
            let map = vars.host_vars(id).map_err(|e| e.to_string())?;
            hosts.insert(data.host(id).name.clone(), Arc::new(map));
        }
        let names = hosts.keys().cloned().collect();
        self.store.set_inventory(hosts, groups_value(data));
        Ok(names)
    }
}

impl LiveInventory<'_> {
    fn remember(&self, edit: DynamicEdit) {
        if let Ok(mut edits) = self.spec.dynamic_edits.lock() {
            edits.push(edit);
        }
    }
}

/// `host` as a name the inventory knows, or the implicit localhost.
fn find_host(data: &InventoryData, host: &str) -> Option<HostId> {
    data.host_id(host).or_else(|| {
        LOCALHOST_NAMES
            .contains(&host)
            .then_some(data.localhost)
            .flatten()
    })
}

/// The `groups` magic variable of `data`.
fn groups_value(data: &InventoryData) -> Value {
    let groups: Map = data
        .groups_dict()
        .into_iter()
        .map(|(g, hs)| (g, Value::List(hs.into_iter().map(Value::Str).collect())))
        .collect();
    Value::Map(groups)
}

/// `add_dynamic_host`: the host (added when new), its variables and
/// groups; the host when anything changed (then the caller reconciles).
fn add_dynamic_host(
    data: &mut InventoryData,
    info: &Map,
    hash: HashBehaviour,
) -> Result<Option<HostId>, String> {
    let Some(name) = info.get("host_name").map(Value::python_str) else {
        return Ok(None);
    };
    let mut changed = false;
    let id = match data.host_id(&name) {
        Some(id) => id,
        None => {
            changed = true;
            data.add_host(&name, Some("all"), None)
                .map_err(|e| e.to_string())?
        }
    };
    if let Some(Value::Map(host_vars)) = info.get("host_vars") {
        let mut combined = data.host(id).vars.clone();
        let data_vars: Map = host_vars
            .iter()
            .map(|(k, v)| (k.clone(), v.clone().into_data()))
            .collect();
        combine_into(&mut combined, &data_vars, hash);
        if combined != data.host(id).vars {
            changed = true;
            for (k, v) in combined {
                data.set_host_var(id, &k, v);
            }
        }
    }
    if let Some(Value::List(groups)) = info.get("groups") {
        for group in groups {
            let group = group.python_str();
            let gid = match data.group_id(&group) {
                Some(gid) => gid,
                None => {
                    changed = true;
                    data.add_group(&group).map_err(|e| e.to_string())?
                }
            };
            if data.add_host_to_group(gid, id) {
                changed = true;
            }
        }
    }
    Ok(changed.then_some(id))
}

/// `add_dynamic_group`: host `id` joins the result's `add_group` (and
/// that group the `parent_groups`); when anything changed, the inventory
/// is reconciled and the hosts whose variables may differ are returned.
fn add_dynamic_group(
    data: &mut InventoryData,
    id: HostId,
    result: &Map,
) -> Result<Option<Vec<HostId>>, String> {
    let Some(group) = result.get("add_group").map(Value::python_str) else {
        return Ok(None);
    };
    let parents: Vec<String> = match result.get("parent_groups") {
        Some(Value::List(items)) => items.iter().map(Value::python_str).collect(),
        _ => Vec::new(),
    };
    let mut changed = false;
    let gid = match data.group_id(&group) {
        Some(gid) => gid,
        None => data.add_group(&group).map_err(|e| e.to_string())?,
    };
    for parent in &parents {
        if data.group_id(parent).is_none() {
            data.add_group(parent).map_err(|e| e.to_string())?;
            changed = true;
        }
    }
    for parent in &parents {
        let Some(pid) = data.group_id(parent) else {
            continue;
        };
        if data.add_child_group(pid, gid).map_err(|e| e.to_string())? {
            changed = true;
        }
    }
    if !data.group_hosts(gid).contains(&id) {
        changed = data.add_host_to_group(gid, id);
    }
    if !changed {
        return Ok(None);
    }
    data.reconcile();
    // Every host of the group may have gained ancestors.
    let mut affected = data.group_hosts(gid);
    if !affected.contains(&id) {
        affected.push(id);
    }
    Ok(Some(affected))
}
