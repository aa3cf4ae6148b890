//! Role variables as ansible's `Role` exposes them: defaults include every
//! dependency's, vars follow the dependency chain, params come from the
//! role's invocation (`- role: x` + `param: value`).

use crate::inventory::vars::{HashBehaviour, combine_into};
use crate::playbook::model::{Origin, RoleInfo};
use crate::value::{Map, Value};
use crate::vars::origins::VarOrigins;
use std::collections::HashMap;
use std::sync::Arc;

fn as_map(value: &Value) -> Map {
    match value {
        Value::Map(m) => m.clone(),
        _ => Map::new(),
    }
}

/// Dependencies of `role`, recursively, each after its own dependencies
/// (`Role.get_all_dependencies`).
pub fn all_dependencies(role: &RoleInfo) -> Vec<Arc<RoleInfo>> {
    let mut out = Vec::new();
    for dep in &role.dependencies {
        out.extend(all_dependencies(dep));
        out.push(Arc::clone(dep));
    }
    out
}

/// `Role.get_default_vars(dep_chain)`.
pub fn default_vars(role: &RoleInfo, dep_chain: &[Arc<RoleInfo>], hash: HashBehaviour) -> Map {
    let mut out = Map::new();
    for dep in all_dependencies(role) {
        combine_into(&mut out, &default_vars(&dep, &[], hash), hash);
    }
    for parent in dep_chain {
        combine_into(&mut out, &as_map(&parent.defaults), hash);
    }
    combine_into(&mut out, &as_map(&role.defaults), hash);
    out
}

/// Where the variables `default_vars` gives were defined: the same walk,
/// later definitions winning.
pub fn default_origins(role: &RoleInfo, dep_chain: &[Arc<RoleInfo>]) -> VarOrigins {
    let mut out = HashMap::new();
    collect_default_origins(role, dep_chain, &mut out);
    Arc::new(out)
}

fn collect_default_origins(
    role: &RoleInfo,
    dep_chain: &[Arc<RoleInfo>],
    out: &mut HashMap<String, Origin>,
) {
    for dep in all_dependencies(role) {
        collect_default_origins(&dep, &[], out);
    }
    for parent in dep_chain {
        overlay(out, &parent.default_origins);
    }
    overlay(out, &role.default_origins);
}

/// Where the variables `role_vars` gives were defined (`vars/` files only;
/// the `vars:` keyword of a role entry has no recorded positions).
pub fn role_var_origins(
    role: &RoleInfo,
    dep_chain: &[Arc<RoleInfo>],
    only_exports: bool,
) -> VarOrigins {
    let mut out = HashMap::new();
    collect_role_var_origins(role, dep_chain, only_exports, &mut out);
    Arc::new(out)
}

fn collect_role_var_origins(
    role: &RoleInfo,
    dep_chain: &[Arc<RoleInfo>],
    only_exports: bool,
    out: &mut HashMap<String, Origin>,
) {
    for parent in dep_chain {
        if only_exports {
            collect_role_var_origins(parent, &[], true, out);
        } else {
            overlay(out, &parent.var_origins);
        }
    }
    let mut seen: Vec<*const RoleInfo> = Vec::new();
    for dep in all_dependencies(role) {
        let id = Arc::as_ptr(&dep);
        if !seen.contains(&id) {
            collect_role_var_origins(&dep, &[], true, out);
            seen.push(id);
        }
    }
    overlay(out, &role.var_origins);
    if !only_exports && let Value::Map(keyword_vars) = &role.keyword_vars {
        // These win over `vars/`, and have no recorded position.
        for name in keyword_vars.keys() {
            out.remove(name);
        }
    }
}

fn overlay(out: &mut HashMap<String, Origin>, layer: &VarOrigins) {
    for (name, origin) in layer.iter() {
        out.insert(name.clone(), origin.clone());
    }
}

/// `Role.get_vars(dep_chain, include_params=False, only_exports)`.
pub fn role_vars(
    role: &RoleInfo,
    dep_chain: &[Arc<RoleInfo>],
    only_exports: bool,
    hash: HashBehaviour,
) -> Map {
    let mut out = Map::new();
    for parent in dep_chain {
        if only_exports {
            combine_into(&mut out, &role_vars(parent, &[], true, hash), hash);
        } else {
            combine_into(&mut out, &as_map(&parent.keyword_vars), hash);
            combine_into(&mut out, &as_map(&parent.vars), hash);
        }
    }
    let mut seen: Vec<*const RoleInfo> = Vec::new();
    for dep in all_dependencies(role) {
        let id = Arc::as_ptr(&dep);
        if !seen.contains(&id) {
            combine_into(&mut out, &role_vars(&dep, &[], true, hash), hash);
            seen.push(id);
        }
    }
    combine_into(&mut out, &as_map(&role.vars), hash);
    if !only_exports {
        combine_into(&mut out, &as_map(&role.keyword_vars), hash);
    }
    out
}

/// `Role.get_role_params(dep_chain)`.
pub fn role_params(role: &RoleInfo, dep_chain: &[Arc<RoleInfo>], hash: HashBehaviour) -> Map {
    let mut out = Map::new();
    for parent in dep_chain {
        combine_into(&mut out, &parent.params.clone(), hash);
    }
    combine_into(&mut out, &role.params.clone(), hash);
    out
}

/// Names of a play's roles and their dependencies, for the magic variables.
pub fn dependency_names(roles: &[Arc<RoleInfo>]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for role in roles {
        for dep in all_dependencies(role) {
            if !names.contains(&dep.display_name) {
                names.push(dep.display_name.clone());
            }
        }
    }
    names
}
