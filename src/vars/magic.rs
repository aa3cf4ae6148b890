//! Magic variables (`VariableManager._get_magic_variables`): what ansible
//! sets itself about the play, the task's role and the run's options.
//! Host-level ones (`inventory_hostname`, `group_names`, ...) come with the
//! inventory vars; `hostvars` and `omit` are objects of the template
//! context (see `hostvars.rs`).

use super::{PlayScope, TaskScope, VarsStore, roles};
use crate::value::{Map, Value};

fn names(items: &[String]) -> Value {
    Value::List(items.iter().map(|s| Value::str(s.as_str())).collect())
}

pub fn variables(
    store: &VarsStore,
    play: Option<&PlayScope>,
    _host: &str,
    task: Option<&TaskScope>,
) -> Map {
    let mut vars = Map::new();
    if let Some(play) = play {
        let play_roles: Vec<String> = play.roles.iter().map(|r| r.display_name.clone()).collect();
        let dependent = roles::dependency_names(&play.roles);
        let mut all_roles = dependent.clone();
        for name in &play_roles {
            if !all_roles.contains(name) {
                all_roles.push(name.clone());
            }
        }
        vars.insert("ansible_role_names".into(), names(&all_roles));
        vars.insert("ansible_play_role_names".into(), names(&play_roles));
        vars.insert("ansible_dependent_role_names".into(), names(&dependent));
        vars.insert("role_names".into(), names(&play_roles));
        vars.insert("ansible_play_name".into(), Value::str(play.name.as_str()));
    }
    if let Some(task) = task
        && let Some(role) = &task.role
    {
        vars.insert("role_name".into(), Value::str(role.name.as_str()));
        vars.insert(
            "role_path".into(),
            Value::str(role.path.to_string_lossy().as_ref()),
        );
        vars.insert(
            "ansible_role_name".into(),
            Value::str(role.display_name.as_str()),
        );
        vars.insert("ansible_collection_name".into(), Value::Null);
    }
    vars.insert("groups".into(), store.groups());
    if let Some(play) = play {
        vars.insert("ansible_play_hosts_all".into(), names(&play.hosts_all));
        vars.insert("ansible_play_hosts".into(), names(&play.hosts));
        vars.insert("ansible_play_batch".into(), names(&play.batch));
        vars.insert("play_hosts".into(), names(&play.batch));
    }
    if let Some(task) = task {
        let paths: Vec<String> = task
            .search_path
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        vars.insert("ansible_search_path".into(), names(&paths));
    }
    for (k, v) in &store.options_vars {
        vars.insert(k.clone(), v.clone());
    }
    vars
}
