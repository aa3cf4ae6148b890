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
        let groups: Map = data
            .groups_dict()
            .into_iter()
            .map(|(g, hs)| (g, Value::List(hs.into_iter().map(Value::Str).collect())))
            .collect();
        self.store.update_inventory(updated, Value::Map(groups));
    }
}

impl InventoryEdits for LiveInventory<'_> {
    fn add_host(&self, info: &Map) -> Result<bool, String> {
        let Some(name) = info.get("host_name").map(Value::python_str) else {
            return Ok(false);
        };
        let mut guard = self.data.lock().map_err(|_| "inventory lock poisoned")?;
        let data: &mut InventoryData = &mut guard;
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
            combine_into(&mut combined, &data_vars, self.hash);
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
        if changed {
            data.reconcile();
            self.refresh(data, &[id]);
        }
        Ok(changed)
    }

    fn add_group(&self, host: &str, result: &Map) -> Result<bool, String> {
        let Some(group) = result.get("add_group").map(Value::python_str) else {
            return Ok(false);
        };
        let parents: Vec<String> = match result.get("parent_groups") {
            Some(Value::List(items)) => items.iter().map(Value::python_str).collect(),
            _ => Vec::new(),
        };
        let mut guard = self.data.lock().map_err(|_| "inventory lock poisoned")?;
        let data: &mut InventoryData = &mut guard;
        let id = data
            .host_id(host)
            .or_else(|| {
                LOCALHOST_NAMES
                    .contains(&host)
                    .then_some(data.localhost)
                    .flatten()
            })
            .ok_or_else(|| format!("{host} cannot be matched in inventory"))?;
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
        if changed {
            data.reconcile();
            // Every host of the group may have gained ancestors.
            let mut affected = data.group_hosts(gid);
            if !affected.contains(&id) {
                affected.push(id);
            }
            self.refresh(data, &affected);
        }
        Ok(changed)
    }
}
