//! The inventory layers of a host's variables, merged in ansible's order
//! (`VariableManager.get_vars` before plays and facts are involved):
//!
//! 1. the `all` group: inventory vars, group_vars/all beside each source,
//!    group_vars/all beside the playbook (configurable order, see
//!    `VARIABLE_PRECEDENCE`);
//! 2. the host's other groups sorted by (depth, priority, name), in the same
//!    three flavours;
//! 3. the host's own vars, host_vars/ beside each source, then beside the
//!    playbook.

use super::data::{GroupId, HostId, InventoryData};
use super::vars::{HashBehaviour, combine_into};
use super::vars_files::{EntityKind, VarsFileError, VarsFiles};
use crate::value::{Map, Value};
use std::path::{Path, PathBuf};

/// Names ansible strips from inventory dumps (`C.INTERNAL_STATIC_VARS`).
pub const INTERNAL_STATIC_VARS: &[&str] = &[
    "ansible_async_path",
    "ansible_collection_name",
    "ansible_config_file",
    "ansible_dependent_role_names",
    "ansible_diff_mode",
    "ansible_facts",
    "ansible_forks",
    "ansible_inventory_sources",
    "ansible_limit",
    "ansible_play_batch",
    "ansible_play_hosts",
    "ansible_play_hosts_all",
    "ansible_play_role_names",
    "ansible_playbook_python",
    "ansible_role_name",
    "ansible_role_names",
    "ansible_run_tags",
    "ansible_skip_tags",
    "ansible_verbosity",
    "ansible_version",
    "inventory_dir",
    "inventory_file",
    "inventory_hostname",
    "inventory_hostname_short",
    "groups",
    "group_names",
    "hostvars",
    "playbook_dir",
    "play_hosts",
    "role_name",
    "role_names",
    "role_path",
    "role_uuid",
];

pub fn remove_internal(vars: &mut Map) {
    vars.retain(|k, _| !INTERNAL_STATIC_VARS.contains(&k.as_str()));
}

/// Default `VARIABLE_PRECEDENCE`.
pub const DEFAULT_PRECEDENCE: &[&str] = &[
    "all_inventory",
    "groups_inventory",
    "all_plugins_inventory",
    "all_plugins_play",
    "groups_plugins_inventory",
    "groups_plugins_play",
];

/// Resolves inventory-level variables for hosts and groups.
pub struct InventoryVars<'a> {
    pub inv: &'a InventoryData,
    /// Directories whose host_vars/group_vars belong to the inventory.
    source_dirs: Vec<PathBuf>,
    /// Directories whose host_vars/group_vars belong to the playbook.
    pub playbook_dirs: Vec<PathBuf>,
    pub hash: HashBehaviour,
    pub precedence: Vec<String>,
    pub files: VarsFiles,
    /// `-e` values: above everything in merged host vars.
    pub extra_vars: Map,
}

impl<'a> InventoryVars<'a> {
    pub fn new(inv: &'a InventoryData, sources: &[String], yaml_extensions: &[String]) -> Self {
        InventoryVars {
            inv,
            source_dirs: sources.iter().filter_map(|s| source_vars_dir(s)).collect(),
            playbook_dirs: Vec::new(),
            hash: HashBehaviour::Replace,
            precedence: DEFAULT_PRECEDENCE.iter().map(|s| s.to_string()).collect(),
            files: VarsFiles::new(yaml_extensions),
            extra_vars: Map::new(),
        }
    }

    /// Sorted non-`all` groups of a host: the merge order of group vars.
    fn sorted_groups(&self, hid: HostId) -> Vec<GroupId> {
        let all = self.inv.all();
        let mut groups: Vec<GroupId> = self
            .inv
            .host(hid)
            .groups
            .iter()
            .copied()
            .filter(|g| *g != all)
            .collect();
        groups.sort_by(|a, b| {
            let (ga, gb) = (self.inv.group(*a), self.inv.group(*b));
            (ga.depth, ga.priority, ga.name.as_bytes()).cmp(&(
                gb.depth,
                gb.priority,
                gb.name.as_bytes(),
            ))
        });
        groups
    }

    fn files_for(
        &mut self,
        dirs: &[PathBuf],
        kind: EntityKind,
        names: &[String],
    ) -> Result<Map, VarsFileError> {
        let mut data = Map::new();
        for dir in dirs {
            for name in names {
                let found = self.files.vars_for(dir, kind, name, self.hash)?;
                if !found.is_empty() {
                    combine_into(&mut data, &found, self.hash);
                }
            }
        }
        Ok(data)
    }

    fn group_names(&self, groups: &[GroupId]) -> Vec<String> {
        groups
            .iter()
            .map(|g| self.inv.group(*g).name.clone())
            .collect()
    }

    /// All inventory-derived vars of a host, magic host vars included
    /// (`inventory_hostname`, `group_names`, ...).
    pub fn host_vars(&mut self, hid: HostId) -> Result<Map, VarsFileError> {
        let mut out = Map::new();
        let all = self.inv.all();
        let all_names = vec!["all".to_string()];
        let groups = self.sorted_groups(hid);
        let group_names = self.group_names(&groups);
        let source_dirs = self.source_dirs.clone();
        let playbook_dirs = self.playbook_dirs.clone();
        for entry in self.precedence.clone() {
            let layer = match entry.as_str() {
                "all_inventory" => self.inv.group(all).vars.clone(),
                "all_plugins_inventory" => {
                    self.files_for(&source_dirs, EntityKind::Group, &all_names)?
                }
                "all_plugins_play" => {
                    self.files_for(&playbook_dirs, EntityKind::Group, &all_names)?
                }
                "groups_inventory" => {
                    let mut m = Map::new();
                    for g in &groups {
                        combine_into(&mut m, &self.inv.group(*g).vars, self.hash);
                    }
                    m
                }
                "groups_plugins_inventory" => {
                    self.files_for(&source_dirs, EntityKind::Group, &group_names)?
                }
                "groups_plugins_play" => {
                    self.files_for(&playbook_dirs, EntityKind::Group, &group_names)?
                }
                "plugins_by_groups" => {
                    let mut m = Map::new();
                    for name in &group_names {
                        let names = std::slice::from_ref(name);
                        let inv_layer = self.files_for(&source_dirs, EntityKind::Group, names)?;
                        combine_into(&mut m, &inv_layer, self.hash);
                        let play_layer =
                            self.files_for(&playbook_dirs, EntityKind::Group, names)?;
                        combine_into(&mut m, &play_layer, self.hash);
                    }
                    m
                }
                _ => Map::new(),
            };
            combine_into(&mut out, &layer, self.hash);
        }
        let host_names = vec![self.inv.host(hid).name.clone()];
        combine_into(&mut out, &self.host_own_vars(hid), self.hash);
        let layer = self.files_for(&source_dirs, EntityKind::Host, &host_names)?;
        combine_into(&mut out, &layer, self.hash);
        let layer = self.files_for(&playbook_dirs, EntityKind::Host, &host_names)?;
        combine_into(&mut out, &layer, self.hash);
        combine_into(&mut out, &self.extra_vars, self.hash);
        Ok(out)
    }

    /// `Host.get_vars()`: the host's vars plus its magic variables.
    pub fn host_own_vars(&self, hid: HostId) -> Map {
        let host = self.inv.host(hid);
        let mut vars = host.vars.clone();
        vars.insert("inventory_hostname".into(), Value::str(&host.name));
        vars.insert(
            "inventory_hostname_short".into(),
            Value::str(short_hostname(&host.name)),
        );
        let mut names: Vec<String> = host
            .groups
            .iter()
            .filter(|g| **g != self.inv.all())
            .map(|g| self.inv.group(*g).name.clone())
            .collect();
        names.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        vars.insert(
            "group_names".into(),
            Value::List(names.into_iter().map(Value::Str).collect()),
        );
        vars
    }

    /// `--export` host vars: own vars + host_vars files (sources, then the
    /// explicit playbook dir when given).
    pub fn host_vars_export(
        &mut self,
        hid: HostId,
        basedir: Option<&Path>,
    ) -> Result<Map, VarsFileError> {
        let names = vec![self.inv.host(hid).name.clone()];
        let mut out = self.host_own_vars(hid);
        let source_dirs = self.source_dirs.clone();
        let layer = self.files_for(&source_dirs, EntityKind::Host, &names)?;
        combine_into(&mut out, &layer, self.hash);
        if let Some(dir) = basedir {
            let layer = self.files_for(&[dir.to_path_buf()], EntityKind::Host, &names)?;
            combine_into(&mut out, &layer, self.hash);
        }
        Ok(out)
    }

    /// Group vars as `ansible-inventory` shows them: inventory vars +
    /// group_vars files (sources, then the explicit playbook dir) and a
    /// non-default `ansible_group_priority`.
    pub fn group_vars_export(
        &mut self,
        gid: GroupId,
        basedir: Option<&Path>,
    ) -> Result<Map, VarsFileError> {
        let group = self.inv.group(gid);
        let names = vec![group.name.clone()];
        let priority = group.priority;
        let mut out = group.vars.clone();
        let source_dirs = self.source_dirs.clone();
        let layer = self.files_for(&source_dirs, EntityKind::Group, &names)?;
        combine_into(&mut out, &layer, self.hash);
        if let Some(dir) = basedir {
            let layer = self.files_for(&[dir.to_path_buf()], EntityKind::Group, &names)?;
            combine_into(&mut out, &layer, self.hash);
        }
        if priority != 1 {
            out.insert("ansible_group_priority".into(), Value::Int(priority));
        }
        Ok(out)
    }
}

/// The directory whose host_vars/group_vars belong to a source: the source
/// itself when it is a directory, else its parent; host lists have none.
fn source_vars_dir(source: &str) -> Option<PathBuf> {
    let path = Path::new(source);
    if source.contains(',') && !path.exists() {
        return None;
    }
    if path.is_dir() {
        return Some(path.to_path_buf());
    }
    let parent = path.parent().map(Path::to_path_buf).unwrap_or_default();
    Some(if parent.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        parent
    })
}

/// `inventory_hostname_short`: IP addresses stay whole, names lose their domain.
pub fn short_hostname(name: &str) -> &str {
    if name.parse::<std::net::IpAddr>().is_ok() {
        return name;
    }
    name.split('.').next().unwrap_or(name)
}
