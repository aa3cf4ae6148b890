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
use crate::vault::Vault;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

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
    /// Secrets for vaulted values and files.
    pub vault: Option<Arc<Vault>>,
    /// `-e` values: above everything in merged host vars.
    pub extra_vars: Map,
    entity_cache: HashMap<(DirSet, usize, Entity), Rc<Map>>,
    vars_dir_exists: HashMap<(DirSet, usize, EntityKind), bool>,
    empty: Rc<Map>,
}

/// Which directories' host_vars/group_vars: the inventory's or the playbook's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum DirSet {
    Sources,
    Playbook,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Entity {
    Group(GroupId),
    Host(HostId),
}

impl<'a> InventoryVars<'a> {
    pub fn new(
        inv: &'a InventoryData,
        sources: &[String],
        yaml_extensions: &[String],
        vault: Option<Arc<Vault>>,
    ) -> Self {
        InventoryVars {
            inv,
            source_dirs: sources.iter().filter_map(|s| source_vars_dir(s)).collect(),
            playbook_dirs: Vec::new(),
            hash: HashBehaviour::Replace,
            precedence: DEFAULT_PRECEDENCE.iter().map(|s| s.to_string()).collect(),
            files: VarsFiles::new(yaml_extensions, vault.clone()),
            vault,
            extra_vars: Map::new(),
            entity_cache: HashMap::new(),
            vars_dir_exists: HashMap::new(),
            empty: Rc::new(Map::new()),
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

    /// Layer the vars files of `entities` from one set of directories into
    /// `out`: directories outer, entities inner, as ansible walks them.
    fn combine_files(
        &mut self,
        out: &mut Map,
        which: DirSet,
        entities: &[Entity],
    ) -> Result<(), VarsFileError> {
        let dir_count = match which {
            DirSet::Sources => self.source_dirs.len(),
            DirSet::Playbook => self.playbook_dirs.len(),
        };
        for dir_index in 0..dir_count {
            for entity in entities {
                let found = self.entity_files(which, dir_index, *entity)?;
                if !found.is_empty() {
                    combine_into(out, &found, self.hash);
                }
            }
        }
        Ok(())
    }

    /// One entity's vars files in one directory, loaded once per run.
    fn entity_files(
        &mut self,
        which: DirSet,
        dir_index: usize,
        entity: Entity,
    ) -> Result<Rc<Map>, VarsFileError> {
        let key = (which, dir_index, entity);
        if let Some(found) = self.entity_cache.get(&key) {
            return Ok(Rc::clone(found));
        }
        let dir = match which {
            DirSet::Sources => &self.source_dirs[dir_index],
            DirSet::Playbook => &self.playbook_dirs[dir_index],
        };
        let (kind, name) = match entity {
            Entity::Group(g) => (EntityKind::Group, &self.inv.group(g).name),
            Entity::Host(h) => (EntityKind::Host, &self.inv.host(h).name),
        };
        // Most directories have no host_vars/ (or group_vars/): one stat
        // answers for every entity.
        let has_vars_dir = *self
            .vars_dir_exists
            .entry((which, dir_index, kind))
            .or_insert_with(|| dir.join(kind.subdir()).exists());
        if !has_vars_dir {
            return Ok(Rc::clone(&self.empty));
        }
        let found = Rc::new(self.files.vars_for(dir, kind, name, self.hash)?);
        self.entity_cache.insert(key, Rc::clone(&found));
        Ok(found)
    }

    /// All inventory-derived vars of a host, magic host vars included
    /// (`inventory_hostname`, `group_names`, ...).
    pub fn host_vars(&mut self, hid: HostId) -> Result<Map, VarsFileError> {
        let mut out = Map::new();
        let all = [Entity::Group(self.inv.all())];
        let groups: Vec<Entity> = self
            .sorted_groups(hid)
            .into_iter()
            .map(Entity::Group)
            .collect();
        for entry in self.precedence.clone() {
            match entry.as_str() {
                "all_inventory" => {
                    combine_into(&mut out, &self.inv.group(self.inv.all()).vars, self.hash)
                }
                "all_plugins_inventory" => self.combine_files(&mut out, DirSet::Sources, &all)?,
                "all_plugins_play" => self.combine_files(&mut out, DirSet::Playbook, &all)?,
                "groups_inventory" => {
                    for g in &groups {
                        if let Entity::Group(gid) = g {
                            combine_into(&mut out, &self.inv.group(*gid).vars, self.hash);
                        }
                    }
                }
                "groups_plugins_inventory" => {
                    self.combine_files(&mut out, DirSet::Sources, &groups)?
                }
                "groups_plugins_play" => self.combine_files(&mut out, DirSet::Playbook, &groups)?,
                "plugins_by_groups" => {
                    for g in &groups {
                        let one = std::slice::from_ref(g);
                        self.combine_files(&mut out, DirSet::Sources, one)?;
                        self.combine_files(&mut out, DirSet::Playbook, one)?;
                    }
                }
                // ansible warns and ignores unknown entries.
                _ => {}
            }
        }
        combine_into(&mut out, &self.host_own_vars(hid), self.hash);
        let host = [Entity::Host(hid)];
        self.combine_files(&mut out, DirSet::Sources, &host)?;
        self.combine_files(&mut out, DirSet::Playbook, &host)?;
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
        let mut out = self.host_own_vars(hid);
        let name = self.inv.host(hid).name.clone();
        self.combine_export_files(
            &mut out,
            Entity::Host(hid),
            EntityKind::Host,
            &name,
            basedir,
        )?;
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
        let (name, priority) = (group.name.clone(), group.priority);
        let mut out = group.vars.clone();
        self.combine_export_files(
            &mut out,
            Entity::Group(gid),
            EntityKind::Group,
            &name,
            basedir,
        )?;
        if priority != 1 {
            out.insert("ansible_group_priority".into(), Value::Int(priority));
        }
        Ok(out)
    }

    /// Files beside the sources, then beside an explicit `--playbook-dir`
    /// (not the implicit cwd, which only merged vars consult).
    fn combine_export_files(
        &mut self,
        out: &mut Map,
        entity: Entity,
        kind: EntityKind,
        name: &str,
        basedir: Option<&Path>,
    ) -> Result<(), VarsFileError> {
        self.combine_files(out, DirSet::Sources, &[entity])?;
        if let Some(dir) = basedir {
            let found = self.files.vars_for(dir, kind, name, self.hash)?;
            combine_into(out, &found, self.hash);
        }
        Ok(())
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
