//! Role variables as ansible's `Role` exposes them: defaults include every
//! dependency's, vars follow the dependency chain, params come from the
//! role's invocation (`- role: x` + `param: value`).

use crate::inventory::vars::{HashBehaviour, combine_into};
use crate::playbook::model::RoleInfo;
use crate::value::{Map, Value};
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
