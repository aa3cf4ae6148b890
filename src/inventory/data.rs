//! The inventory graph: hosts, groups and the relationships between them.
//!
//! This mirrors ansible-core's `InventoryData`/`Group`/`Host` because every
//! observable order (of groups in `--graph`, of hosts in a pattern, of group
//! vars when merged) falls out of how those objects are built. Hosts and groups
//! live in vectors and refer to each other by index; names map to indices.

use super::pyliteral::is_py_word_char;
use super::vars::{HashBehaviour, combine_into};
use crate::value::{Map, Value, python_str_repr};
use indexmap::IndexMap;
use std::collections::HashSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HostId(pub usize);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GroupId(pub usize);

/// Host names ansible treats as "this machine" (implicit localhost).
pub const LOCALHOST_NAMES: [&str; 3] = ["127.0.0.1", "localhost", "::1"];

#[derive(Debug, Clone)]
pub struct Host {
    pub name: String,
    pub vars: Map,
    /// Every group the host belongs to, ancestors included, in the order
    /// ansible appends them (ancestors of a group before the group itself).
    pub groups: Vec<GroupId>,
    /// The implicit localhost: not listed under `all`, never in `ungrouped`.
    pub implicit: bool,
}

#[derive(Debug, Clone)]
pub struct Group {
    pub name: String,
    pub vars: Map,
    pub hosts: Vec<HostId>,
    pub children: Vec<GroupId>,
    pub parents: Vec<GroupId>,
    /// Longest distance from `all`; deeper groups' vars win when merged.
    pub depth: usize,
    pub priority: i64,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum GraphError {
    #[error("Adding group '{child}' as child to '{parent}' creates a recursive dependency loop.")]
    RecursiveChild { parent: String, child: String },
    #[error("can't add group to itself")]
    SelfChild,
    #[error("The group named '{0}' has a recursive dependency loop.")]
    DepthLoop(String),
    #[error("{0} is not a known host nor group")]
    UnknownMember(String),
    #[error("{0} is not a known group")]
    UnknownGroup(String),
    #[error("Could not identify group or host named {0}")]
    UnknownEntity(String),
    #[error("Invalid empty host name provided: {0}")]
    EmptyHostName(String),
    #[error("Invalid empty/false group name provided: {0}")]
    EmptyGroupName(String),
    #[error("invalid literal for int() with base 10: '{0}'")]
    BadPriority(String),
}

/// Something to tell the user while loading, in ansible's two flavours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    Warning(String),
    Deprecation(String),
    /// A message for `-v` runs: shown from that many `v`s on, on stdout.
    Verbose(u8, String),
}

#[derive(Debug, Clone)]
pub struct InventoryData {
    pub hosts: Vec<Host>,
    pub groups: Vec<Group>,
    host_index: IndexMap<String, HostId>,
    group_index: IndexMap<String, GroupId>,
    pub localhost: Option<HostId>,
    /// The source being parsed; hosts record the first source that named them.
    pub current_source: Option<String>,
    /// The sources parsed so far, in order (what `constructed` with
    /// `use_vars_plugins` reads host_vars/group_vars beside).
    pub processed_sources: Vec<String>,
    /// `(source, its directory)` for the current source.
    current_source_dir: Option<(String, String)>,
    /// Warnings collected while building, printed by the CLI like ansible's.
    pub warnings: Vec<Notice>,
    /// `DEFAULT_HASH_BEHAVIOUR`: how a mapping set over a mapping combines.
    pub hash_behaviour: HashBehaviour,
    /// `TRANSFORM_INVALID_GROUP_CHARS`: what happens to a group name that
    /// is not a valid variable name.
    pub group_chars: GroupChars,
}

/// `TRANSFORM_INVALID_GROUP_CHARS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GroupChars {
    /// Keep the name, warn.
    #[default]
    Never,
    /// Replace each invalid character with `_`, warn.
    Always,
    /// Keep the name, say nothing.
    Ignore,
    /// Replace, say nothing.
    Silently,
}

impl GroupChars {
    /// The setting's value; anything else is the default.
    pub fn parse(value: Option<&str>) -> GroupChars {
        match value {
            Some("always") => GroupChars::Always,
            Some("ignore") => GroupChars::Ignore,
            Some("silently") => GroupChars::Silently,
            _ => GroupChars::Never,
        }
    }
}

impl Default for InventoryData {
    fn default() -> Self {
        Self::new()
    }
}

impl InventoryData {
    pub fn new() -> Self {
        let mut inv = InventoryData {
            hosts: Vec::new(),
            groups: Vec::new(),
            host_index: IndexMap::new(),
            group_index: IndexMap::new(),
            localhost: None,
            current_source: None,
            processed_sources: Vec::new(),
            current_source_dir: None,
            warnings: Vec::new(),
            hash_behaviour: HashBehaviour::Replace,
            group_chars: GroupChars::Never,
        };
        inv.insert_group("all");
        inv.insert_group("ungrouped");
        // Infallible: both groups exist and differ.
        let _ = inv.add_child("all", "ungrouped");
        inv
    }

    pub fn all(&self) -> GroupId {
        GroupId(0)
    }

    pub fn ungrouped(&self) -> GroupId {
        GroupId(1)
    }

    pub fn host_id(&self, name: &str) -> Option<HostId> {
        self.host_index.get(name).copied()
    }

    pub fn group_id(&self, name: &str) -> Option<GroupId> {
        self.group_index.get(name).copied()
    }

    pub fn host(&self, id: HostId) -> &Host {
        &self.hosts[id.0]
    }

    pub fn group(&self, id: GroupId) -> &Group {
        &self.groups[id.0]
    }

    pub fn host_by_name(&self, name: &str) -> Option<&Host> {
        self.host_id(name).map(|id| self.host(id))
    }

    pub fn group_by_name(&self, name: &str) -> Option<&Group> {
        self.group_id(name).map(|id| self.group(id))
    }

    /// Hosts in the order they were first added (ansible's dict order).
    pub fn host_ids(&self) -> impl Iterator<Item = HostId> + '_ {
        self.host_index.values().copied()
    }

    /// Groups in the order they were first added.
    pub fn group_ids(&self) -> impl Iterator<Item = GroupId> + '_ {
        self.group_index.values().copied()
    }

    fn insert_group(&mut self, name: &str) -> GroupId {
        let id = GroupId(self.groups.len());
        self.groups.push(Group {
            name: name.to_string(),
            vars: Map::new(),
            hosts: Vec::new(),
            children: Vec::new(),
            parents: Vec::new(),
            depth: 0,
            priority: 1,
        });
        self.group_index.insert(name.to_string(), id);
        id
    }

    /// Add a group if it is new (as `InventoryData.add_group`); its name
    /// may have been made safe first (`safe_group_name`): the group's name
    /// is the one to use after.
    pub fn add_group(&mut self, name: &str) -> Result<GroupId, GraphError> {
        if name.is_empty() {
            return Err(GraphError::EmptyGroupName(name.to_string()));
        }
        if let Some(id) = self.group_id(name) {
            return Ok(id);
        }
        let name = self.safe_group_name(name);
        if let Some(id) = self.group_id(&name) {
            return Ok(id);
        }
        Ok(self.insert_group(&name))
    }

    /// ansible's `to_safe_group_name` under TRANSFORM_INVALID_GROUP_CHARS:
    /// a name that is not a valid variable name gets `_` for each invalid
    /// character (always, silently) or stays (never, ignore), with the
    /// warning of `always` or `never`.
    pub fn safe_group_name(&mut self, name: &str) -> String {
        if !has_invalid_group_chars(name) {
            return name.to_string();
        }
        let mode = self.group_chars;
        if mode == GroupChars::Always {
            self.warn(
                "Invalid characters were found in group names and automatically replaced, use -vvvv to see details",
            );
        } else if mode == GroupChars::Never {
            self.warn(
                "Invalid characters were found in group names but not replaced, use -vvvv to see details",
            );
        }
        match mode {
            GroupChars::Always | GroupChars::Silently => replace_invalid_group_chars(name),
            GroupChars::Never | GroupChars::Ignore => name.to_string(),
        }
    }

    /// Add a host (and put it in `group` when given). A new host records the
    /// source it came from in `inventory_file`/`inventory_dir`.
    pub fn add_host(
        &mut self,
        name: &str,
        group: Option<&str>,
        port: Option<i64>,
    ) -> Result<HostId, GraphError> {
        if name.is_empty() {
            return Err(GraphError::EmptyHostName(name.to_string()));
        }
        let group_id = match group {
            Some(g) => Some(
                self.group_id(g)
                    .ok_or_else(|| GraphError::UnknownGroup(g.to_string()))?,
            ),
            None => None,
        };
        let id = match self.host_id(name) {
            Some(id) => id,
            None => {
                let id = HostId(self.hosts.len());
                let mut vars = Map::new();
                if let Some(port) = port {
                    vars.insert("ansible_port".into(), Value::Int(port));
                }
                self.hosts.push(Host {
                    name: name.to_string(),
                    vars,
                    groups: Vec::new(),
                    implicit: false,
                });
                self.host_index.insert(name.to_string(), id);
                let (file, dir) = match &self.current_source {
                    Some(src) => {
                        // One stat per source, not per host.
                        let dir = match &self.current_source_dir {
                            Some((for_src, dir)) if for_src == src => dir.clone(),
                            _ => {
                                let dir = source_dir(src);
                                self.current_source_dir = Some((src.clone(), dir.clone()));
                                dir
                            }
                        };
                        (Value::Str(src.clone()), Value::Str(dir))
                    }
                    None => (Value::Null, Value::Null),
                };
                // By name, as ansible does: a group of the same name takes them.
                self.set_variable(name, "inventory_file", file)?;
                self.set_variable(name, "inventory_dir", dir)?;
                if LOCALHOST_NAMES.contains(&name) {
                    match self.localhost {
                        None => self.localhost = Some(id),
                        Some(first) => {
                            let msg = format!(
                                "A duplicate localhost-like entry was found ({name}). First found localhost was {}",
                                self.host(first).name
                            );
                            self.warn(&msg);
                        }
                    }
                }
                id
            }
        };
        if let Some(gid) = group_id {
            self.group_add_host(gid, id);
        }
        Ok(id)
    }

    /// `set_variable` on a host or group by name; dict values replace,
    /// except that a dict set over a dict merges (ansible's combine_vars).
    pub fn set_variable(
        &mut self,
        entity: &str,
        key: &str,
        value: Value,
    ) -> Result<(), GraphError> {
        if !is_valid_variable_name(key) {
            self.deprecate(&format!(
                "Accepting inventory variable with invalid name {}.",
                python_str_repr(key)
            ));
        }
        if let Some(gid) = self.group_id(entity) {
            if key == "ansible_group_priority" && python_int(&value).is_none() {
                return Err(GraphError::BadPriority(value.python_str()));
            }
            self.set_group_var(gid, key, value);
            Ok(())
        } else if let Some(hid) = self.host_id(entity) {
            set_var(&mut self.hosts[hid.0].vars, key, value, self.hash_behaviour);
            Ok(())
        } else {
            Err(GraphError::UnknownEntity(entity.to_string()))
        }
    }

    pub fn set_group_var(&mut self, gid: GroupId, key: &str, value: Value) {
        if key == "ansible_group_priority" {
            if let Some(p) = python_int(&value) {
                self.groups[gid.0].priority = p;
            }
            return;
        }
        set_var(
            &mut self.groups[gid.0].vars,
            key,
            value,
            self.hash_behaviour,
        );
    }

    pub fn set_host_var(&mut self, hid: HostId, key: &str, value: Value) {
        set_var(&mut self.hosts[hid.0].vars, key, value, self.hash_behaviour);
    }

    /// Put a host or a group (by name) into a group.
    pub fn add_child(&mut self, group: &str, child: &str) -> Result<bool, GraphError> {
        let gid = self
            .group_id(group)
            .ok_or_else(|| GraphError::UnknownGroup(group.to_string()))?;
        if let Some(cid) = self.group_id(child) {
            self.add_child_group(gid, cid)
        } else if let Some(hid) = self.host_id(child) {
            Ok(self.group_add_host(gid, hid))
        } else {
            Err(GraphError::UnknownMember(child.to_string()))
        }
    }

    pub fn add_child_group(&mut self, parent: GroupId, child: GroupId) -> Result<bool, GraphError> {
        if parent == child {
            return Err(GraphError::SelfChild);
        }
        if self.groups[parent.0].children.contains(&child) {
            return Ok(false);
        }
        let start_ancestors = self.ancestors(child);
        let mut new_ancestors = self.ancestors(parent);
        if new_ancestors.contains(&child) {
            return Err(GraphError::RecursiveChild {
                parent: self.groups[parent.0].name.clone(),
                child: self.groups[child.0].name.clone(),
            });
        }
        new_ancestors.insert(parent);
        new_ancestors.retain(|g| !start_ancestors.contains(g));

        self.groups[parent.0].children.push(child);
        let parent_depth = self.groups[parent.0].depth;
        let child_group = &mut self.groups[child.0];
        child_group.depth = child_group.depth.max(parent_depth + 1);
        self.check_children_depth(child)?;
        if !self.groups[child.0].parents.contains(&parent) {
            self.groups[child.0].parents.push(parent);
            // Hosts already in the child gain the new ancestors. Python adds
            // them in set order; we use creation order, which is what small
            // CPython sets of freshly made objects usually yield.
            let mut additions: Vec<GroupId> = new_ancestors.into_iter().collect();
            additions.sort();
            for hid in self.group_hosts(child) {
                let host = &mut self.hosts[hid.0];
                for g in &additions {
                    if !host.groups.contains(g) {
                        host.groups.push(*g);
                    }
                }
            }
        }
        Ok(true)
    }

    /// Propagate depth to descendants, detecting loops as ansible does.
    fn check_children_depth(&mut self, gid: GroupId) -> Result<(), GraphError> {
        let start_depth = self.groups[gid.0].depth;
        let mut depth = start_depth;
        let mut seen: HashSet<GroupId> = HashSet::new();
        let mut unprocessed: Vec<GroupId> = self.groups[gid.0].children.clone();
        while !unprocessed.is_empty() {
            seen.extend(unprocessed.iter().copied());
            depth += 1;
            let mut next: Vec<GroupId> = Vec::new();
            for g in unprocessed {
                if self.groups[g.0].depth < depth {
                    self.groups[g.0].depth = depth;
                    for c in &self.groups[g.0].children {
                        if !next.contains(c) {
                            next.push(*c);
                        }
                    }
                }
            }
            if depth - start_depth > seen.len() {
                return Err(GraphError::DepthLoop(self.groups[gid.0].name.clone()));
            }
            unprocessed = next;
        }
        Ok(())
    }

    /// Put a host into a group (and its ancestors); false when it was
    /// already a member.
    pub fn add_host_to_group(&mut self, gid: GroupId, hid: HostId) -> bool {
        self.group_add_host(gid, hid)
    }

    fn group_add_host(&mut self, gid: GroupId, hid: HostId) -> bool {
        if self.groups[gid.0].hosts.contains(&hid) {
            return false;
        }
        self.groups[gid.0].hosts.push(hid);
        let mut ancestors: Vec<GroupId> = self.ancestors(gid).into_iter().collect();
        ancestors.sort();
        let host = &mut self.hosts[hid.0];
        for g in ancestors {
            if !host.groups.contains(&g) {
                host.groups.push(g);
            }
        }
        if !host.groups.contains(&gid) {
            host.groups.push(gid);
        }
        true
    }

    /// Remove a host from a group, and from ancestors no other group of the
    /// host still leads to (ansible's `Host.remove_group`).
    pub fn group_remove_host(&mut self, gid: GroupId, hid: HostId) {
        self.groups[gid.0].hosts.retain(|h| *h != hid);
        self.host_remove_group(hid, gid);
    }

    fn host_remove_group(&mut self, hid: HostId, gid: GroupId) {
        let Some(pos) = self.hosts[hid.0].groups.iter().position(|g| *g == gid) else {
            return;
        };
        self.hosts[hid.0].groups.remove(pos);
        let mut ancestors: Vec<GroupId> = self.ancestors(gid).into_iter().collect();
        ancestors.sort();
        for old in ancestors {
            if old == self.all() {
                continue;
            }
            let still_reached = self.hosts[hid.0]
                .groups
                .iter()
                .any(|g| self.ancestors(*g).contains(&old));
            if !still_reached {
                self.host_remove_group(hid, old);
            }
        }
    }

    /// All groups above `gid` (not including it).
    pub fn ancestors(&self, gid: GroupId) -> HashSet<GroupId> {
        let mut seen = HashSet::new();
        let mut stack: Vec<GroupId> = self.groups[gid.0].parents.clone();
        while let Some(g) = stack.pop() {
            if seen.insert(g) {
                stack.extend(self.groups[g.0].parents.iter().copied());
            }
        }
        seen
    }

    /// The group and all groups below it, breadth first: direct children in
    /// their order, deeper levels in creation order (see `add_child_group`).
    pub fn descendants_ordered(&self, gid: GroupId) -> Vec<GroupId> {
        let mut ordered = vec![gid];
        let mut seen: HashSet<GroupId> = HashSet::new();
        seen.insert(gid);
        for c in &self.groups[gid.0].children {
            if seen.insert(*c) {
                ordered.push(*c);
            }
        }
        let mut level: Vec<GroupId> = self.groups[gid.0].children.clone();
        while !level.is_empty() {
            level.sort();
            level.dedup();
            let mut next = Vec::new();
            for g in &level {
                for c in &self.groups[g.0].children {
                    if seen.insert(*c) {
                        ordered.push(*c);
                        next.push(*c);
                    }
                }
            }
            level = next;
        }
        ordered
    }

    /// Hosts of a group and its descendants, deduplicated, as `Group.get_hosts`.
    pub fn group_hosts(&self, gid: GroupId) -> Vec<HostId> {
        let is_all = gid == self.all();
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for g in self.descendants_ordered(gid) {
            for h in &self.groups[g.0].hosts {
                if seen.insert(*h) && !(is_all && self.hosts[h.0].implicit) {
                    out.push(*h);
                }
            }
        }
        out
    }

    /// Enforce ansible's invariants after sources are parsed: orphan groups
    /// hang under `all`, hosts with no group go to `ungrouped`, and hosts in
    /// another group leave `ungrouped`.
    pub fn reconcile(&mut self) {
        self.current_source = None;
        let all = self.all();
        let ungrouped = self.ungrouped();
        let gids: Vec<GroupId> = self.group_ids().collect();
        for gid in gids {
            if gid != all && self.ancestors(gid).is_empty() {
                // Cannot fail: `all` has no ancestors, so no loop is possible.
                let _ = self.add_child_group(all, gid);
            }
        }
        let hids: Vec<HostId> = self.host_ids().collect();
        for hid in hids {
            let groups = self.hosts[hid.0].groups.clone();
            if groups.contains(&ungrouped) {
                if groups.iter().any(|g| *g != all && *g != ungrouped) {
                    self.group_remove_host(ungrouped, hid);
                }
            } else if !self.hosts[hid.0].implicit
                && (groups.is_empty() || (groups.len() == 1 && groups[0] == all))
            {
                // By name, as ansible does: a group of the same name is what
                // lands in `ungrouped` (and the host stays groupless).
                let name = self.hosts[hid.0].name.clone();
                let _ = self.add_child("ungrouped", &name);
            }
        }
        let mut conflicts: Vec<String> = self
            .host_index
            .keys()
            .filter(|h| self.group_index.contains_key(*h))
            .cloned()
            .collect();
        conflicts.sort();
        for name in conflicts {
            self.warn(&format!("Found both group and host with same name: {name}"));
        }
    }

    /// The host for `name`, creating the implicit localhost when the name is
    /// a localhost alias that the inventory does not define.
    pub fn get_or_implicit_host(&mut self, name: &str, controller_python: &str) -> Option<HostId> {
        if let Some(id) = self.host_id(name) {
            return Some(id);
        }
        if !LOCALHOST_NAMES.contains(&name) {
            return None;
        }
        if let Some(id) = self.localhost {
            return Some(id);
        }
        let id = HostId(self.hosts.len());
        let mut vars = self.groups[0].vars.clone();
        vars.insert(
            "ansible_python_interpreter".into(),
            Value::str(controller_python),
        );
        vars.insert("ansible_connection".into(), Value::str("local"));
        self.hosts.push(Host {
            name: name.to_string(),
            vars,
            groups: Vec::new(),
            implicit: true,
        });
        self.localhost = Some(id);
        Some(id)
    }

    /// `groups` magic variable: every group name → its hosts' names.
    pub fn groups_dict(&self) -> IndexMap<String, Vec<String>> {
        self.group_ids()
            .map(|g| {
                let names = self
                    .group_hosts(g)
                    .into_iter()
                    .map(|h| self.host(h).name.clone())
                    .collect();
                (self.group(g).name.clone(), names)
            })
            .collect()
    }

    /// Record a warning once (ansible's display deduplicates them too).
    pub fn warn(&mut self, msg: &str) {
        self.notice(Notice::Warning(msg.to_string()));
    }

    /// Record a message shown at verbosity `level` and above.
    pub fn verbose(&mut self, level: u8, msg: &str) {
        self.notice(Notice::Verbose(level, msg.to_string()));
    }

    pub fn deprecate(&mut self, msg: &str) {
        self.notice(Notice::Deprecation(msg.to_string()));
    }

    fn notice(&mut self, notice: Notice) {
        if !self.warnings.contains(&notice) {
            self.warnings.push(notice);
        }
    }
}

/// Set a variable. ansible routes a mapping set over a mapping through
/// `combine_vars`: `hash_behaviour=replace` replaces it, `merge` merges
/// (a host named in two sources gets both mappings' keys).
fn set_var(vars: &mut Map, key: &str, value: Value, how: HashBehaviour) {
    if let (Some(Value::Map(_)), Value::Map(_)) = (vars.get(key), &value) {
        let upper = Map::from_iter([(key.to_string(), value)]);
        combine_into(vars, &upper, how);
        return;
    }
    vars.insert(key.to_string(), value);
}

/// `int(value)` as Python would for the priority setting.
fn python_int(value: &Value) -> Option<i64> {
    match value {
        Value::Int(i) => Some(*i),
        Value::Bool(b) => Some(*b as i64),
        Value::Float(f) => Some(f.trunc() as i64),
        Value::Str(s) | Value::Unsafe(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// ansible's `basedir(path)`: the directory of a source file, or the source
/// itself when it is a directory.
fn source_dir(src: &str) -> String {
    let p = std::path::Path::new(src);
    if p.is_dir() {
        return src.to_string();
    }
    match p.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_string_lossy().into_owned(),
        _ => String::new(),
    }
}

/// ansible's `validate_variable_name`: an ASCII Python identifier that Jinja
/// does not reserve.
fn is_valid_variable_name(name: &str) -> bool {
    const JINJA_KEYWORDS: &[&str] = &["true", "false", "none", "True", "False", "None", "not"];
    let mut chars = name.chars();
    let starts_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    starts_ok
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !JINJA_KEYWORDS.contains(&name)
}

/// ansible's INVALID_VARIABLE_NAMES: a leading digit or any non-word char.
/// `INVALID_VARIABLE_NAMES.sub('_', name)`: a leading digit or non-word
/// character, and every other non-word character, become `_`.
/// A plugin's `_sanitize_group_name`: invalid characters replaced
/// whatever TRANSFORM_INVALID_GROUP_CHARS says, without a warning.
pub fn force_safe_group_name(name: &str) -> String {
    replace_invalid_group_chars(name)
}

fn replace_invalid_group_chars(name: &str) -> String {
    name.chars()
        .enumerate()
        .map(|(i, c)| {
            if !is_py_word_char(c) || (i == 0 && c.is_ascii_digit()) {
                '_'
            } else {
                c
            }
        })
        .collect()
}

/// ansible's group-name check (`^[\d\W]|[^\w]`, Python's `\w`).
fn has_invalid_group_chars(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_digit()) || !name.chars().all(is_py_word_char)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_group_names_are_made_safe_when_asked() {
        let mut inv = InventoryData::new();
        inv.group_chars = GroupChars::Always;
        assert_eq!(inv.safe_group_name("local-"), "local_");
        assert_eq!(inv.safe_group_name("1web.eu"), "_web_eu");
        assert_eq!(inv.safe_group_name("ok_name"), "ok_name");
        // One warning: the same text is kept once.
        assert_eq!(inv.warnings.len(), 1);
        inv.group_chars = GroupChars::Ignore;
        assert_eq!(inv.safe_group_name("local-"), "local-");
        assert_eq!(inv.warnings.len(), 1);
        inv.group_chars = GroupChars::Never;
        assert_eq!(inv.safe_group_name("local-"), "local-");
        assert_eq!(inv.warnings.len(), 2);
    }

    #[test]
    fn reconcile_moves_orphans_under_all_and_ungrouped() {
        let mut inv = InventoryData::new();
        inv.add_host("lonely", None, None).unwrap();
        inv.add_group("web").unwrap();
        inv.add_host("w1", Some("web"), None).unwrap();
        inv.reconcile();
        let all = inv.group(inv.all());
        let names: Vec<&str> = all
            .children
            .iter()
            .map(|g| inv.group(*g).name.as_str())
            .collect();
        assert_eq!(names, ["ungrouped", "web"]);
        let ungrouped: Vec<&str> = inv
            .group(inv.ungrouped())
            .hosts
            .iter()
            .map(|h| inv.host(*h).name.as_str())
            .collect();
        assert_eq!(ungrouped, ["lonely"]);
    }

    #[test]
    fn depth_follows_longest_path_and_loops_are_errors() {
        let mut inv = InventoryData::new();
        for g in ["a", "b", "c"] {
            inv.add_group(g).unwrap();
        }
        inv.add_child("a", "b").unwrap();
        inv.add_child("b", "c").unwrap();
        inv.reconcile();
        assert_eq!(inv.group_by_name("c").unwrap().depth, 3);
        assert!(matches!(
            inv.add_child("c", "a"),
            Err(GraphError::RecursiveChild { .. })
        ));
    }
}
