//! Executable inventory scripts: `SCRIPT --list` prints JSON groups and,
//! ideally, `_meta.hostvars`; without `_meta`, ansible asks `SCRIPT --host H`
//! for every host.

use super::data::InventoryData;
use super::error::SourceError;
use crate::value::{Map, Value};
use std::path::Path;
use std::process::Command;

pub fn parse_script(inv: &mut InventoryData, path: &Path) -> Result<(), SourceError> {
    let (stdout, stderr_help) = run(path, &["--list"])?;
    let parsed: serde_json::Value = serde_json::from_str(&stdout).map_err(|e| {
        with_help(
            format!("Inventory script result could not be parsed as JSON: {e}"),
            &stderr_help,
        )
    })?;
    let serde_json::Value::Object(top) = parsed else {
        return Err(with_help(
            format!(
                "Unable to get JSON decoder for inventory script result: Value is '{}' instead of 'dict'.",
                json_type_name(&parsed)
            ),
            &stderr_help,
        ));
    };
    check_profile(&top).map_err(|m| {
        with_help(
            format!("Unable to get JSON decoder for inventory script result: {m}"),
            &stderr_help,
        )
    })?;

    let mut meta_hostvars: Option<Map> = None;
    let mut hosts: Vec<String> = Vec::new();
    for (group, gdata) in &top {
        if group == "_meta" {
            match gdata.get("hostvars") {
                Some(serde_json::Value::Object(hv)) => {
                    meta_hostvars = Some(
                        hv.iter()
                            .map(|(k, v)| (k.clone(), Value::from_json(v)))
                            .collect(),
                    );
                }
                other => {
                    return Err(SourceError::new(format!(
                        "Value contains '_meta.hostvars' which is '{}' instead of 'dict'.",
                        other.map(json_type_name).unwrap_or("NoneType")
                    )));
                }
            }
        } else {
            parse_group(inv, group, gdata, &mut hosts)?;
        }
    }
    if meta_hostvars.is_none() {
        inv.deprecate("Inventory scripts should always provide 'meta.hostvars'. Host variables will be collected by running the inventory script with the '--host' option for each host.");
    }
    for host in hosts {
        let vars = match &meta_hostvars {
            Some(all) => all.get(&host).cloned().unwrap_or(Value::Map(Map::new())),
            None => host_vars_from_script(path, &host)?,
        };
        let Value::Map(vars) = vars else {
            return Err(SourceError::new(format!(
                "Invalid data from file, expected dictionary and got:\n\n{}",
                vars.python_str()
            )));
        };
        for (k, v) in vars {
            inv.set_variable(&host, &k, v)
                .map_err(|e| SourceError::new(e.to_string()))?;
        }
    }
    Ok(())
}

fn parse_group(
    inv: &mut InventoryData,
    group: &str,
    data: &serde_json::Value,
    hosts: &mut Vec<String>,
) -> Result<(), SourceError> {
    let graph = |e: super::data::GraphError| SourceError::new(e.to_string());
    inv.add_group(group).map_err(graph)?;
    // Old-style scripts: a list is the group's hosts; a mapping without any
    // known key is a single host named like the group, with those vars.
    let normalized: serde_json::Value = match data {
        serde_json::Value::Object(o)
            if ["hosts", "vars", "children"]
                .iter()
                .any(|k| o.contains_key(*k)) =>
        {
            data.clone()
        }
        serde_json::Value::Object(o) => serde_json::json!({"hosts": [group], "vars": o}),
        other => serde_json::json!({ "hosts": other }),
    };
    if let Some(h) = normalized.get("hosts") {
        let serde_json::Value::Array(list) = h else {
            return Err(SourceError::new(format!(
                "Value contains '{group}.hosts' which is '{}' instead of 'list'.",
                json_type_name(h)
            )));
        };
        for host in list {
            let name = match host {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            if !hosts.contains(&name) {
                hosts.push(name.clone());
            }
            inv.add_host(&name, Some(group), None).map_err(graph)?;
        }
    }
    if let Some(v) = normalized.get("vars") {
        let serde_json::Value::Object(vars) = v else {
            return Err(SourceError::new(format!(
                "Value contains '{group}.vars' which is '{}' instead of 'dict'.",
                json_type_name(v)
            )));
        };
        for (k, val) in vars {
            inv.set_variable(group, k, Value::from_json(val))
                .map_err(graph)?;
        }
    }
    if let Some(serde_json::Value::Array(children)) = normalized.get("children") {
        for child in children {
            let name = child
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| child.to_string());
            inv.add_group(&name).map_err(graph)?;
            inv.add_child(group, &name).map_err(graph)?;
        }
    }
    Ok(())
}

fn host_vars_from_script(path: &Path, host: &str) -> Result<Value, SourceError> {
    let (stdout, stderr_help) = run(path, &["--host", host])?;
    if stdout.trim().is_empty() {
        return Ok(Value::Map(Map::new()));
    }
    let parsed: serde_json::Value = serde_json::from_str(&stdout).map_err(|e| {
        with_help(
            format!("Inventory script result for host '{host}' could not be parsed as JSON: {e}"),
            &stderr_help,
        )
    })?;
    Ok(Value::from_json(&parsed))
}

/// `_meta.profile`, when present, must name an inventory JSON profile.
fn check_profile(top: &serde_json::Map<String, serde_json::Value>) -> Result<(), String> {
    let Some(meta) = top.get("_meta") else {
        return Ok(());
    };
    let serde_json::Value::Object(meta) = meta else {
        return Err(format!(
            "Value contains '_meta' which is '{}' instead of 'dict'.",
            json_type_name(meta)
        ));
    };
    match meta.get("profile") {
        None => Ok(()),
        Some(serde_json::Value::String(p)) if p.starts_with("inventory_") => Ok(()),
        Some(serde_json::Value::String(p)) => {
            Err(format!("Non-inventory profile '{p}' is not allowed."))
        }
        Some(other) => Err(format!(
            "Value contains '_meta.profile' which is '{}' instead of 'str'.",
            json_type_name(other)
        )),
    }
}

/// Runs the script; returns stdout and, when stderr has text, a help line.
fn run(path: &Path, args: &[&str]) -> Result<(String, Option<String>), SourceError> {
    let output = Command::new(path).args(args).output().map_err(|e| {
        SourceError::new(format!(
            "Failed to execute inventory script command '{} {}': {e}",
            path.display(),
            args.join(" ")
        ))
    })?;
    let mut stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    if !stderr.is_empty() && !stderr.ends_with('\n') {
        stderr.push('\n');
    }
    let help = (!stderr.trim().is_empty())
        .then(|| format!("Standard error from inventory script:\n{stderr}"));
    if !output.status.success() {
        let code = output
            .status
            .code()
            .map(|c| c.to_string())
            .unwrap_or_else(|| "from a signal".into());
        return Err(with_help(
            format!("Inventory script returned non-zero exit code {code}."),
            &help,
        ));
    }
    let stdout = String::from_utf8(output.stdout).map_err(|_| {
        with_help(
            "Inventory script result contained characters that cannot be interpreted as UTF-8."
                .into(),
            &help,
        )
    })?;
    Ok((stdout, help))
}

fn with_help(message: String, help: &Option<String>) -> SourceError {
    match help {
        Some(h) => SourceError::new(format!("{message}\n{h}")),
        None => SourceError::new(message),
    }
}

fn json_type_name(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "NoneType",
        serde_json::Value::Bool(_) => "bool",
        serde_json::Value::Number(n) if n.is_f64() => "float",
        serde_json::Value::Number(_) => "int",
        serde_json::Value::String(_) => "str",
        serde_json::Value::Array(_) => "list",
        serde_json::Value::Object(_) => "dict",
    }
}
