//! `add_host` and `group_by`, the two actions that change the in-memory
//! inventory. As in ansible, the action only describes the change (an
//! `add_host` or `add_group` key in its result); the strategy applies it
//! when it processes the result (`live_inventory`), which is also where
//! `changed` is decided.

use super::execute::Outcome;
use super::report::TaskError;
use crate::playbook::model::Origin;
use crate::value::{Map, Value};

/// `add_host`, `ansible.builtin.add_host`, ... by their short name.
pub fn is_inventory_action(short: &str) -> bool {
    matches!(short, "add_host" | "group_by")
}

/// Actions that run once for the whole batch, on its first host
/// (`BYPASS_HOST_LOOP`).
pub fn bypasses_host_loop(short: &str) -> bool {
    short == "add_host"
}

/// What an inventory action needs from its task.
pub struct InventoryActionInput<'a> {
    /// The action as written (ansible quotes it in errors).
    pub action: &'a str,
    /// Templated arguments.
    pub args: Map,
    pub task_origin: &'a Origin,
    /// Where an argument's value was written.
    pub arg_origin: &'a dyn Fn(&str) -> Option<Origin>,
}

pub fn run(short: &str, input: InventoryActionInput) -> Outcome {
    let result = match short {
        "add_host" => add_host(&input),
        _ => group_by(&input),
    };
    match result {
        Ok(result) => Outcome {
            result,
            error: None,
        },
        Err(e) => action_failure(&e, input.task_origin),
    }
}

/// A failure the action raises (ansible's `AnsibleActionFail`): the
/// result's `msg` is the bare message, the report says "Task failed: ...".
fn action_failure(e: &TaskError, task_origin: &Origin) -> Outcome {
    let mut result = Map::new();
    result.insert("failed".into(), Value::Bool(true));
    result.insert("msg".into(), Value::str(e.message.as_str()));
    result.insert("changed".into(), Value::Bool(false));
    result.insert("exception".into(), Value::str("(traceback unavailable)"));
    Outcome {
        result,
        error: Some(e.report(task_origin)),
    }
}

/// Arguments that name the host or its groups rather than set variables.
const ADD_HOST_SPECIAL: &[&str] = &["name", "hostname", "groupname", "groups"];

fn add_host(input: &InventoryActionInput) -> Result<Map, TaskError> {
    let mut args = input.args.clone();
    match args.shift_remove("_raw_params") {
        None => {}
        Some(Value::Map(raw)) => {
            // The free-form mapping, with the named arguments over it.
            let mut combined = raw;
            for (k, v) in args {
                combined.insert(k, v);
            }
            args = combined;
        }
        Some(other) => {
            return Err(TaskError::new(format!(
                "Invalid raw parameters passed, requires a dictionary/mapping got a  {}",
                python_class(&other)
            )));
        }
    }
    let new_name = ["name", "hostname", "host"]
        .iter()
        .find_map(|k| args.get(*k))
        .filter(|v| !matches!(v, Value::Null))
        .map(Value::python_str)
        .ok_or_else(|| TaskError::new("name, host or hostname needs to be provided"))?;
    let (name, port) = match crate::inventory::address::parse_address(&new_name, false) {
        Ok((host, port)) => (host, port),
        // Not an address: the name may still be usable as it is.
        Err(_) => (new_name.clone(), None),
    };
    if let Some(port) = port {
        args.insert("ansible_ssh_port".into(), Value::Int(port));
    }
    let groups_arg = ["groupname", "groups", "group"]
        .iter()
        .find_map(|k| args.get(*k).map(|v| (*k, v)));
    let mut groups: Vec<String> = Vec::new();
    if let Some((key, value)) = groups_arg
        && value.is_truthy()
    {
        let list: Vec<String> = match value {
            Value::List(items) => items.iter().map(Value::python_str).collect(),
            Value::Str(s) | Value::Unsafe(s) => s.split(',').map(str::to_string).collect(),
            _ => {
                return Err(TaskError::at(
                    "Groups must be specified as a list.",
                    (input.arg_origin)(key),
                ));
            }
        };
        for group in list {
            // ansible compares the name as given with the stripped names
            // already taken.
            if !groups.contains(&group) {
                groups.push(group.trim().to_string());
            }
        }
    }
    let host_vars: Map = args
        .iter()
        .filter(|(k, _)| !ADD_HOST_SPECIAL.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let mut info = Map::new();
    info.insert("host_name".into(), Value::str(name));
    info.insert(
        "groups".into(),
        Value::List(groups.into_iter().map(Value::Str).collect()),
    );
    info.insert("host_vars".into(), Value::Map(host_vars));
    let mut result = Map::new();
    result.insert("changed".into(), Value::Bool(false));
    result.insert("add_host".into(), Value::Map(info));
    Ok(result)
}

fn group_by(input: &InventoryActionInput) -> Result<Map, TaskError> {
    let bad: Vec<&str> = input
        .args
        .keys()
        .map(String::as_str)
        .filter(|k| !matches!(*k, "key" | "parents"))
        .collect();
    if !bad.is_empty() {
        return Err(TaskError::new(format!(
            "Invalid options for {}: {}",
            input.action,
            bad.join(",")
        )));
    }
    let mut result = Map::new();
    let Some(key) = input.args.get("key") else {
        result.insert("failed".into(), Value::Bool(true));
        result.insert(
            "msg".into(),
            Value::str("the 'key' param is required when using group_by"),
        );
        return Ok(result);
    };
    let parents: Vec<String> = match input.args.get("parents") {
        None => vec!["all".to_string()],
        Some(Value::List(items)) => items.iter().map(Value::python_str).collect(),
        Some(other) => vec![other.python_str()],
    };
    result.insert("changed".into(), Value::Bool(false));
    result.insert(
        "add_group".into(),
        Value::str(key.python_str().replace(' ', "-")),
    );
    result.insert(
        "parent_groups".into(),
        Value::List(
            parents
                .iter()
                .map(|p| Value::str(p.replace(' ', "-")))
                .collect(),
        ),
    );
    Ok(result)
}

/// `type(value)` as Python prints it; ansible 2.19's strings carry tags.
fn python_class(value: &Value) -> String {
    match value {
        Value::Str(_) | Value::Unsafe(_) => {
            "<class 'ansible.module_utils._internal._datatag._AnsibleTaggedStr'>".to_string()
        }
        other => format!("<class '{}'>", other.python_type_name()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin() -> Origin {
        let file = crate::playbook::model::SourceFile {
            path: "t.yml".into(),
            text: String::new(),
        };
        Origin::new(&std::sync::Arc::new(file), Default::default())
    }

    fn run_action(action: &str, args: Map) -> Outcome {
        let origin = origin();
        let none = |_: &str| None;
        run(
            super::super::actions::short_name(action),
            InventoryActionInput {
                action,
                args,
                task_origin: &origin,
                arg_origin: &none,
            },
        )
    }

    fn map(pairs: &[(&str, Value)]) -> Map {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    #[test]
    fn add_host_splits_groups_and_keeps_other_arguments_as_host_vars() {
        let out = run_action(
            "add_host",
            map(&[
                ("hostname", Value::str("n3:2201")),
                ("group", Value::str(" g5 , g6,g5")),
                ("foo", Value::str("1")),
            ]),
        );
        let info = out.result.get("add_host").and_then(Value::as_map).unwrap();
        assert_eq!(info.get("host_name"), Some(&Value::str("n3")));
        assert_eq!(
            info.get("groups"),
            Some(&Value::List(vec![Value::str("g5"), Value::str("g6")]))
        );
        let vars = info.get("host_vars").and_then(Value::as_map).unwrap();
        // `group` is not one of the special names, so it stays a variable.
        let keys: Vec<&str> = vars.keys().map(String::as_str).collect();
        assert_eq!(keys, ["group", "foo", "ansible_ssh_port"]);
        assert_eq!(vars.get("ansible_ssh_port"), Some(&Value::Int(2201)));
    }

    #[test]
    fn add_host_without_a_name_fails_with_the_bare_message() {
        let out = run_action("add_host", map(&[("foo", Value::Int(1))]));
        assert_eq!(
            out.result.get("msg"),
            Some(&Value::str("name, host or hostname needs to be provided"))
        );
        assert!(
            out.error
                .unwrap()
                .starts_with("Task failed: name, host or hostname needs to be provided")
        );
    }

    #[test]
    fn group_by_names_unknown_options_and_replaces_spaces() {
        let out = run_action("ansible.builtin.group_by", map(&[("foo", Value::Int(1))]));
        assert_eq!(
            out.result.get("msg"),
            Some(&Value::str(
                "Invalid options for ansible.builtin.group_by: foo"
            ))
        );
        let out = run_action(
            "group_by",
            map(&[("key", Value::str("a b")), ("parents", Value::str("p q"))]),
        );
        assert_eq!(out.result.get("add_group"), Some(&Value::str("a-b")));
        assert_eq!(
            out.result.get("parent_groups"),
            Some(&Value::List(vec![Value::str("p-q")]))
        );
    }
}
