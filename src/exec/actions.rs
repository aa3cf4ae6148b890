//! Actions that run on the controller (ansible's action plugins that never
//! reach a target): debug, set_fact, assert, fail, include_vars, set_stats.
//! Each takes templated arguments and returns ansible's result mapping.

use super::conditional;
use super::report::TaskError;
use crate::playbook::model::Origin;
use crate::templating::bridge::from_jinja;
use crate::templating::render::Templar;
use crate::value::{Map, Value};
use minijinja::value::Value as Jv;

pub struct ActionInput<'a> {
    pub templar: &'a Templar,
    pub context: &'a Jv,
    pub verbosity: u8,
    /// Arguments after templating.
    pub args: Map,
    /// Arguments as written (debug's `var`, assert's `that` are
    /// expressions, not templates).
    pub raw_args: &'a indexmap::IndexMap<String, Value>,
    pub origin: &'a Origin,
    /// Where each argument's value was written.
    pub arg_spans: &'a indexmap::IndexMap<String, crate::playbook::yaml::Span>,
    /// Directories relative files are looked up in (`ansible_search_path`).
    pub search_path: &'a [std::path::PathBuf],
    pub vault: Option<&'a crate::vault::Vault>,
    /// The task's role directory (`include_vars` looks under its `vars/`).
    pub role_path: Option<&'a std::path::Path>,
    /// DEFAULT_HASH_BEHAVIOUR.
    pub hash: crate::inventory::vars::HashBehaviour,
}

/// The short name of a builtin action (`ansible.builtin.debug` → `debug`).
pub fn short_name(action: &str) -> &str {
    action
        .strip_prefix("ansible.builtin.")
        .or_else(|| action.strip_prefix("ansible.legacy."))
        .unwrap_or(action)
}

/// Is this action handled on the controller?
pub fn is_controller_action(action: &str) -> bool {
    matches!(
        short_name(action),
        "debug" | "set_fact" | "assert" | "fail" | "set_stats" | "include_vars"
    )
}

pub fn run(action: &str, input: ActionInput) -> Result<Map, TaskError> {
    match short_name(action) {
        "debug" => debug(input),
        "set_fact" => set_fact(input),
        "assert" => assert(input),
        "fail" => fail(input),
        "include_vars" => super::include_vars::run(input),
        "set_stats" => Ok(Map::from_iter([("changed".into(), Value::Bool(false))])),
        other => Err(TaskError::new(format!(
            "the action '{other}' is not a controller action"
        ))),
    }
}

fn unsupported_params(args: &Map, allowed: &[&str], action: &str) -> Result<(), TaskError> {
    let mut bad: Vec<&String> = args
        .keys()
        .filter(|k| !allowed.contains(&k.as_str()))
        .collect();
    if bad.is_empty() {
        return Ok(());
    }
    bad.sort();
    let names: Vec<String> = bad.iter().map(|s| s.to_string()).collect();
    let mut supported: Vec<&str> = allowed.to_vec();
    supported.sort();
    Err(TaskError::new(format!(
        "Finalization of task args for 'ansible.builtin.{action}' failed: Unsupported parameters for (ansible.builtin.{action}) module: {}. Supported parameters include: {}.",
        names.join(", "),
        supported.join(", ")
    )))
}

fn debug(input: ActionInput) -> Result<Map, TaskError> {
    unsupported_params(&input.args, &["msg", "var", "verbosity"], "debug")?;
    if input.args.contains_key("msg") && input.args.contains_key("var") {
        return Err(TaskError::new(
            "Finalization of task args for 'ansible.builtin.debug' failed: parameters are mutually exclusive: msg|var",
        ));
    }
    let verbosity = match input.args.get("verbosity") {
        None => 0,
        Some(Value::Int(i)) => *i,
        Some(Value::Str(s) | Value::Unsafe(s)) => s.trim().parse::<i64>().unwrap_or(0),
        Some(_) => 0,
    };
    let mut result = Map::new();
    if verbosity <= i64::from(input.verbosity) {
        if let Some(var) = input.args.get("var") {
            let expr = var.python_str();
            // ansible 2.19 shows an undefined value as an error marker.
            let undefined = |message: String| Value::str(format!("<< error 1 - {message} >>"));
            let value = match input.templar.evaluate(&expr, input.context) {
                Ok(v) if v.is_undefined() => {
                    match input
                        .templar
                        .template_jinja(&format!("{{{{ {expr} }}}}"), input.context)
                    {
                        Err(e) => undefined(e.message),
                        Ok(_) => undefined(format!("'{expr}' is undefined")),
                    }
                }
                Ok(v) => from_jinja(&v),
                Err(e) if e.message.contains("is undefined") => undefined(e.message),
                Err(e) => {
                    return Err(TaskError::new(format!(
                        "Error while resolving `var` expression.: {}",
                        e.message
                    )));
                }
            };
            result.insert(expr, value);
        } else {
            let msg = input
                .args
                .get("msg")
                .cloned()
                .unwrap_or_else(|| Value::str("Hello world!"));
            result.insert("msg".into(), msg);
        }
        result.insert("_ansible_verbose_always".into(), Value::Bool(true));
    } else {
        result.insert(
            "skipped_reason".into(),
            Value::str("Verbosity threshold not met."),
        );
        result.insert("skipped".into(), Value::Bool(true));
    }
    result.insert("failed".into(), Value::Bool(false));
    Ok(result)
}

/// A task error for a refused variable name, with ansible's help text.
pub fn invalid_variable_name(message: String) -> TaskError {
    TaskError {
        message,
        stage: None,
        origin: None,
        help: Some(crate::vars::names::HELP.into()),
    }
}

fn set_fact(input: ActionInput) -> Result<Map, TaskError> {
    let mut args = input.args;
    let cacheable = args
        .shift_remove("cacheable")
        .map(|v| v.ansible_bool().unwrap_or(false))
        .unwrap_or(false);
    if args.is_empty() {
        return Err(TaskError::new(
            "Action failed: No key/value pairs provided, at least one is required for this action to succeed",
        ));
    }
    let mut facts = Map::new();
    for (k, v) in args {
        // The one place ansible templates a key: names chosen at run time.
        let key = if crate::templating::render::is_template(&k) {
            input
                .templar
                .template_jinja(&k, input.context)
                .map(|v| from_jinja(&v))
                .map_err(|e| TaskError::new(e.message))?
        } else {
            Value::str(k)
        };
        let name = crate::vars::names::validate(&key).map_err(invalid_variable_name)?;
        facts.insert(name, v);
    }
    let mut result = Map::new();
    result.insert("ansible_facts".into(), Value::Map(facts));
    result.insert("_ansible_facts_cacheable".into(), Value::Bool(cacheable));
    result.insert("changed".into(), Value::Bool(false));
    Ok(result)
}

fn string_or_list(value: Option<&Value>, default: &str) -> Value {
    match value {
        None | Some(Value::Null) => Value::str(default),
        Some(v) => v.clone(),
    }
}

fn assert(input: ActionInput) -> Result<Map, TaskError> {
    let quiet = input
        .args
        .get("quiet")
        .and_then(Value::ansible_bool)
        .unwrap_or(false);
    let fail_msg = string_or_list(
        input.args.get("fail_msg").or_else(|| input.args.get("msg")),
        "Assertion failed",
    );
    let success_msg = string_or_list(input.args.get("success_msg"), "All assertions passed");
    // `that` as written; from the templated arguments when they came from
    // a template (`assert: '{{ args }}'`).
    let that = match input
        .raw_args
        .get("that")
        .or_else(|| input.args.get("that"))
    {
        Some(Value::List(items)) => items.clone(),
        Some(Value::Null) | None => {
            return Err(TaskError::new(
                "Finalization of task args for 'ansible.builtin.assert' failed: missing required arguments: that",
            ));
        }
        Some(Value::Str(text)) if conditional::is_possibly_all_template(text.trim()) => {
            // `that: '{{ list_var }}'` names the list of conditions.
            match input.templar.template_jinja(text, input.context) {
                Ok(v) => match from_jinja(&v) {
                    Value::List(items) => items,
                    _ => vec![Value::Str(text.clone())],
                },
                Err(_) => vec![Value::Str(text.clone())],
            }
        }
        Some(other) => vec![other.clone()],
    };
    let mut result = Map::new();
    if !quiet {
        result.insert("_ansible_verbose_always".into(), Value::Bool(true));
    }
    let that_origin = input
        .arg_spans
        .get("that")
        .map(|span| Origin::new(&input.origin.file, *span));
    for condition in &that {
        let ok = conditional::holds(
            input.templar,
            condition,
            input.context,
            that_origin.as_ref(),
        )?;
        if !ok {
            result.insert("failed".into(), Value::Bool(true));
            result.insert("evaluated_to".into(), Value::Bool(false));
            result.insert("assertion".into(), condition.clone());
            result.insert("msg".into(), fail_msg);
            return Ok(result);
        }
    }
    result.insert("changed".into(), Value::Bool(false));
    result.insert("msg".into(), success_msg);
    Ok(result)
}

fn fail(input: ActionInput) -> Result<Map, TaskError> {
    let msg = input
        .args
        .get("msg")
        .cloned()
        .unwrap_or_else(|| Value::str("Failed as requested from task"));
    let mut result = Map::new();
    result.insert("failed".into(), Value::Bool(true));
    result.insert("msg".into(), msg);
    Ok(result)
}
