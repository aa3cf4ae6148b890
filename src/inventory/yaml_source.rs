//! YAML (and JSON) inventory files: top-level keys are groups, each with
//! optional `hosts`, `children` and `vars` mappings (ansible's yaml plugin).

use super::data::InventoryData;
use super::error::SourceError;
use super::ranges::expand_host_pattern;
use crate::playbook::loader::{DataError, Loaded, load_data_node};
use crate::playbook::yaml::{Node, NodeKind};
use crate::value::{Map, Value};
use crate::vault::Vault;
use std::path::Path;

pub fn parse_yaml_inventory(
    inv: &mut InventoryData,
    path: &Path,
    vault: Option<&Vault>,
) -> Result<(), SourceError> {
    let (data, warnings) = load(path, vault)?;
    for w in warnings {
        inv.warn(&w);
    }
    let data = match data {
        None => return Err(SourceError::new("Parsed empty YAML file")),
        Some(Value::Map(m)) if m.is_empty() => {
            return Err(SourceError::new("Parsed empty YAML file"));
        }
        Some(Value::Map(m)) => m,
        Some(Value::Null) => return Err(SourceError::new("Parsed empty YAML file")),
        Some(other) if !other.is_truthy() => {
            return Err(SourceError::new("Parsed empty YAML file"));
        }
        Some(other) => {
            return Err(SourceError::new(format!(
                "YAML inventory has invalid structure, it should be a dictionary, got: <class '{}'>",
                loaded_class(&other)
            )));
        }
    };
    if data.get("plugin").is_some_and(Value::is_truthy) {
        return Err(SourceError::new(
            "Plugin configuration YAML file, not YAML inventory",
        ));
    }
    for (group, group_data) in &data {
        parse_group(inv, group, group_data)?;
    }
    Ok(())
}

/// ansible's loader: JSON first, then YAML, whose host keys must be strings
/// (checked on the node tree, where keys keep their YAML types).
fn load(path: &Path, vault: Option<&Vault>) -> Result<(Option<Value>, Vec<String>), SourceError> {
    match load_data_node(path, vault).map_err(data_error)? {
        Loaded::Value(value, warnings) => Ok((value, warnings)),
        Loaded::Yaml(node, warnings) => {
            if let Some(root) = &node {
                check_host_keys(root)?;
            }
            Ok((node.map(|n| n.to_value()), warnings))
        }
    }
}

/// A data file error as a source error, keeping its position.
pub fn data_error(e: DataError) -> SourceError {
    let mut err = SourceError::new(e.to_string());
    if let Some((line, col)) = e.position() {
        err.line = Some(line);
        err.col = Some(col);
    }
    err
}

fn check_host_keys(groups: &Node) -> Result<(), SourceError> {
    let NodeKind::Map(groups) = &groups.kind else {
        return Ok(());
    };
    for (_, group) in groups {
        let NodeKind::Map(sections) = &group.kind else {
            continue;
        };
        for (name, section) in sections {
            let (NodeKind::Scalar(name), NodeKind::Map(entries)) = (&name.kind, &section.kind)
            else {
                continue;
            };
            match name.as_str() {
                Some("hosts") => {
                    for (host, _) in entries {
                        if let NodeKind::Scalar(key) = &host.kind
                            && !matches!(key, Value::Str(_) | Value::Unsafe(_))
                        {
                            return Err(SourceError::at(
                                format!(
                                    "Host pattern {} must be a string. Enclose integers/floats in quotation marks.",
                                    key.python_str()
                                ),
                                host.span.line,
                                host.span.col,
                            ));
                        }
                    }
                }
                Some("children") => check_host_keys(section)?,
                _ => {}
            }
        }
    }
    Ok(())
}

fn graph_err(e: super::data::GraphError) -> SourceError {
    SourceError::new(e.to_string())
}

fn parse_group(inv: &mut InventoryData, group: &str, data: &Value) -> Result<String, SourceError> {
    let sections = match data {
        Value::Null => None,
        Value::Map(m) => Some(m),
        _ => {
            inv.warn(&format!(
                "Skipping '{group}' as this is not a valid group definition"
            ));
            return Ok(group.to_string());
        }
    };
    let id = inv
        .add_group(group)
        .map_err(|e| SourceError::new(format!("Unable to add group {group}: {e}")))?;
    // The name the group got (TRANSFORM_INVALID_GROUP_CHARS may change it).
    let safe = inv.group(id).name.clone();
    let group = safe.as_str();
    let Some(sections) = sections else {
        return Ok(group.to_string());
    };
    // A bare string section is shorthand for a one-key mapping.
    let normalized: Map = sections
        .iter()
        .map(|(k, v)| {
            let v = match (k.as_str(), v) {
                ("vars" | "children" | "hosts", Value::Str(s)) => {
                    Value::Map(Map::from_iter([(s.clone(), Value::Null)]))
                }
                _ => v.clone(),
            };
            (k.clone(), v)
        })
        .collect();
    for section in ["vars", "children", "hosts"] {
        if let Some(v) = normalized.get(section)
            && !matches!(v, Value::Map(_) | Value::Null)
        {
            return Err(SourceError::new(format!(
                "Invalid \"{section}\" entry for \"{group}\" group, requires a dictionary, found \"<class '{}'>\" instead.",
                loaded_class(v)
            )));
        }
    }
    for (key, value) in &normalized {
        let entries = match value {
            Value::Map(m) => m,
            Value::Null => continue,
            other => {
                inv.warn(&format!(
                    "Skipping key ({key}) in group ({group}) as it is not a mapping, it is a <class '{}'>",
                    other.python_type_name()
                ));
                continue;
            }
        };
        match key.as_str() {
            "vars" => {
                for (name, v) in entries {
                    inv.set_variable(group, name, v.clone()).map_err(graph_err)?;
                }
            }
            "children" => {
                for (child, child_data) in entries {
                    let child = parse_group(inv, child, child_data)?;
                    inv.add_child(group, &child).map_err(graph_err)?;
                }
            }
            "hosts" => {
                for (pattern, host_vars) in entries {
                    let (hosts, port) = expand_host_pattern(pattern)?;
                    let vars = match host_vars {
                        Value::Null => Map::new(),
                        Value::Map(m) => m.clone(),
                        other if !other.is_truthy() => Map::new(),
                        other => {
                            return Err(SourceError::new(format!(
                                "Invalid data from file, expected dictionary and got:\n\n{}",
                                other.python_str()
                            )));
                        }
                    };
                    for host in hosts {
                        inv.add_host(&host, Some(group), port).map_err(graph_err)?;
                        for (k, v) in &vars {
                            inv.set_variable(&host, k, v.clone()).map_err(graph_err)?;
                        }
                    }
                }
            }
            _ => inv.warn(&format!(
                "Skipping unexpected key ({key}) in group ({group}), only \"vars\", \"children\" and \"hosts\" are valid"
            )),
        }
    }
    Ok(group.to_string())
}

/// The class of a value ansible's YAML loader made: strings, numbers and
/// containers carry their origin, so they are its tagged subclasses.
pub(super) fn loaded_class(value: &Value) -> String {
    let tagged = match value {
        Value::Str(_) | Value::Unsafe(_) => "Str",
        Value::Int(_) | Value::BigInt(_) => "Int",
        Value::Float(_) => "Float",
        Value::List(_) => "List",
        Value::Map(_) => "Dict",
        other => return other.python_type_name().to_string(),
    };
    format!("ansible.module_utils._internal._datatag._AnsibleTagged{tagged}")
}
