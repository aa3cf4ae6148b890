//! `ansible-inventory` output: `--list` (JSON), `--graph [--vars]`, `--host`.

use super::data::{GroupId, HostId};
use super::hostvars::{InventoryVars, remove_internal};
use super::vars_files::VarsFileError;
use crate::value::{Map, Value};
use crate::vault::Vault;
use std::collections::HashSet;
use std::path::Path;

/// How host and group vars are chosen for a dump.
pub struct DumpOptions<'p> {
    /// `--export`: only vars defined for the entity itself, not merged.
    pub export: bool,
    /// `--playbook-dir`, when given explicitly.
    pub basedir: Option<&'p Path>,
}

pub fn host_vars_for_dump(
    vars: &mut InventoryVars,
    hid: HostId,
    opts: &DumpOptions,
) -> Result<Map, VarsFileError> {
    let mut m = if opts.export {
        vars.host_vars_export(hid, opts.basedir)?
    } else {
        vars.host_vars(hid)?
    };
    remove_internal(&mut m);
    Ok(m)
}

fn group_vars_for_dump(
    vars: &mut InventoryVars,
    gid: GroupId,
    opts: &DumpOptions,
) -> Result<Map, VarsFileError> {
    let mut m = vars.group_vars_export(gid, opts.basedir)?;
    remove_internal(&mut m);
    Ok(m)
}

/// `--list`: every group reachable from `all` with its hosts (those the
/// limit keeps) and children, plus `_meta.hostvars`.
pub fn list_json(
    vars: &mut InventoryVars,
    hosts: &[HostId],
    opts: &DumpOptions,
) -> Result<String, VarsFileError> {
    let inv = vars.inv;
    let available: HashSet<HostId> = hosts.iter().copied().collect();
    let mut out = Map::new();
    let mut seen: HashSet<GroupId> = HashSet::new();
    format_group(vars, inv.all(), &available, &mut seen, opts, &mut out)?;
    let mut hostvars = Map::new();
    for hid in hosts {
        let hv = host_vars_for_dump(vars, *hid, opts)?;
        if !hv.is_empty() {
            hostvars.insert(inv.host(*hid).name.clone(), Value::Map(hv));
        }
    }
    let mut meta = Map::new();
    meta.insert("hostvars".into(), Value::Map(hostvars));
    meta.insert("profile".into(), Value::str("inventory_legacy"));
    out.insert("_meta".into(), Value::Map(meta));
    Ok(Value::Map(out).to_python_json_tagged())
}

fn format_group(
    vars: &mut InventoryVars,
    gid: GroupId,
    available: &HashSet<HostId>,
    seen: &mut HashSet<GroupId>,
    opts: &DumpOptions,
    out: &mut Map,
) -> Result<(), VarsFileError> {
    let inv = vars.inv;
    let group = inv.group(gid);
    let mut entry = Map::new();
    if gid != inv.all() {
        let hosts: Vec<Value> = group
            .hosts
            .iter()
            .filter(|h| available.contains(h))
            .map(|h| Value::str(&inv.host(*h).name))
            .collect();
        if !hosts.is_empty() {
            entry.insert("hosts".into(), Value::List(hosts));
        }
    }
    let mut children = Vec::new();
    for child in &group.children {
        children.push(Value::str(&inv.group(*child).name));
        if seen.insert(*child) {
            format_group(vars, *child, available, seen, opts, out)?;
        }
    }
    if !children.is_empty() {
        entry.insert("children".into(), Value::List(children));
    }
    if opts.export {
        let gv = group_vars_for_dump(vars, gid, opts)?;
        if !gv.is_empty() {
            entry.insert("vars".into(), Value::Map(gv));
        }
    }
    if !entry.is_empty() {
        out.insert(group.name.clone(), Value::Map(entry));
    }
    Ok(())
}

/// `--list --yaml`: groups nest their children; each host shows its vars the
/// first time it appears and `{}` after that.
pub fn list_yaml(
    vars: &mut InventoryVars,
    hosts: &[HostId],
    opts: &DumpOptions,
) -> Result<String, VarsFileError> {
    let available: HashSet<HostId> = hosts.iter().copied().collect();
    let mut seen_groups = HashSet::new();
    let mut seen_hosts = HashSet::new();
    let mut walk = YamlWalk {
        available: &available,
        seen_groups: &mut seen_groups,
        seen_hosts: &mut seen_hosts,
        opts,
    };
    let top = walk.group(vars, vars.inv.all())?;
    Ok(crate::playbook::yaml_dump::dump(
        &Value::Map(top),
        &crate::playbook::yaml_dump::DumpOptions::inventory(),
    ))
}

struct YamlWalk<'w, 'p> {
    available: &'w HashSet<HostId>,
    seen_groups: &'w mut HashSet<GroupId>,
    seen_hosts: &'w mut HashSet<HostId>,
    opts: &'w DumpOptions<'p>,
}

impl YamlWalk<'_, '_> {
    fn group(&mut self, vars: &mut InventoryVars, gid: GroupId) -> Result<Map, VarsFileError> {
        let inv = vars.inv;
        let group = inv.group(gid);
        let mut entry = Map::new();
        let mut children = Map::new();
        for child in &group.children {
            if *child == inv.all() {
                continue;
            }
            if self.seen_groups.contains(child) {
                children.insert(inv.group(*child).name.clone(), Value::Map(Map::new()));
            } else {
                children.extend(self.group(vars, *child)?);
                self.seen_groups.insert(*child);
            }
        }
        if !children.is_empty() {
            entry.insert("children".into(), Value::Map(children));
        }
        if gid != inv.all() {
            let mut hosts = Map::new();
            for hid in group.hosts.iter().filter(|h| self.available.contains(h)) {
                let host_vars = if self.seen_hosts.insert(*hid) {
                    host_vars_for_dump(vars, *hid, self.opts)?
                } else {
                    Map::new()
                };
                hosts.insert(inv.host(*hid).name.clone(), Value::Map(host_vars));
            }
            if !hosts.is_empty() {
                entry.insert("hosts".into(), Value::Map(hosts));
            }
        }
        if self.opts.export {
            let gv = group_vars_for_dump(vars, gid, self.opts)?;
            if !gv.is_empty() {
                entry.insert("vars".into(), Value::Map(gv));
            }
        }
        let mut out = Map::new();
        if !entry.is_empty() {
            out.insert(group.name.clone(), Value::Map(entry));
        }
        Ok(out)
    }
}

/// `--graph [--vars]` starting at `gid`.
pub fn graph(
    vars: &mut InventoryVars,
    gid: GroupId,
    show_vars: bool,
    basedir: Option<&Path>,
) -> Result<String, VarsFileError> {
    let mut lines = Vec::new();
    let opts = DumpOptions {
        export: false,
        basedir,
    };
    graph_group(vars, gid, 0, show_vars, &opts, &mut lines)?;
    Ok(lines.join("\n"))
}

fn graph_name(name: &str, depth: usize) -> String {
    if depth == 0 {
        name.to_string()
    } else {
        format!("{}--{name}", "  |".repeat(depth))
    }
}

/// `{name = str(value)}` lines; `str()` of vaulted text is its plaintext.
fn show_vars(vars: &Map, vault: Option<&Vault>, depth: usize, lines: &mut Vec<String>) {
    let mut keys: Vec<&String> = vars.keys().collect();
    keys.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    for k in keys {
        let value = &vars[k];
        let shown = match vault {
            Some(vault) => vault.decrypt_value(value).unwrap_or_else(|_| value.clone()),
            None => value.clone(),
        };
        lines.push(graph_name(
            &format!("{{{k} = {}}}", shown.python_str()),
            depth,
        ));
    }
}

fn graph_group(
    vars: &mut InventoryVars,
    gid: GroupId,
    depth: usize,
    with_vars: bool,
    opts: &DumpOptions,
    lines: &mut Vec<String>,
) -> Result<(), VarsFileError> {
    let inv = vars.inv;
    let group = inv.group(gid);
    lines.push(graph_name(&format!("@{}:", group.name), depth));
    for child in &group.children {
        graph_group(vars, *child, depth + 1, with_vars, opts, lines)?;
    }
    if gid != inv.all() {
        for hid in &group.hosts {
            lines.push(graph_name(&inv.host(*hid).name, depth + 1));
            if with_vars {
                let hv = host_vars_for_dump(vars, *hid, opts)?;
                show_vars(&hv, vars.vault.as_deref(), depth + 2, lines);
            }
        }
    }
    if with_vars {
        let gv = group_vars_for_dump(vars, gid, opts)?;
        show_vars(&gv, vars.vault.as_deref(), depth + 1, lines);
    }
    Ok(())
}

/// `--host H`: the host's merged vars as JSON.
pub fn host_json(
    vars: &mut InventoryVars,
    hid: HostId,
    opts: &DumpOptions,
) -> Result<String, VarsFileError> {
    Ok(Value::Map(host_vars_for_dump(vars, hid, opts)?).to_python_json())
}

/// `--host H --yaml`.
pub fn host_yaml(
    vars: &mut InventoryVars,
    hid: HostId,
    opts: &DumpOptions,
) -> Result<String, VarsFileError> {
    let host_vars = Value::Map(host_vars_for_dump(vars, hid, opts)?);
    Ok(crate::playbook::yaml_dump::dump(
        &host_vars,
        &crate::playbook::yaml_dump::DumpOptions::inventory(),
    ))
}
