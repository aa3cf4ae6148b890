//! The `module_defaults` keyword, as ansible-core 2.19 reads it.
//!
//! Loading (`Base._load_module_defaults`): the value is a mapping or a list
//! of mappings whose keys are static action names or `group/NAME`. Action
//! names without a collection belong to `ansible.legacy` (module_defaults
//! ignore the `collections` keyword) and are stored under the name they
//! resolve to; an `ansible.legacy.X` entry also applies to
//! `ansible.builtin.X`. A group name without a collection is
//! ansible.builtin's; its actions come from the collection's
//! `meta/runtime.yml` `action_groups`, extended by `metadata.extend_group`.
//! Resolved groups are remembered process-wide (ansible keeps them on the
//! play; a group resolves the same in every play).
//!
//! Running (`_get_action_arg_defaults`): the layers of the play, blocks and
//! task are merged (a later entry replaces an earlier one whole), then the
//! defaults of every group holding the task's action apply, then the
//! action's own; the task's arguments win over all of them.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use super::error::{Origin, ParseError};
use super::modules::ActionResolver;
use super::routing::{self, is_fqcr};
use crate::value::{Map, Value};

/// Resolved groups: fully qualified group name → the actions in it.
fn groups() -> &'static Mutex<HashMap<String, Vec<String>>> {
    static GROUPS: OnceLock<Mutex<HashMap<String, Vec<String>>>> = OnceLock::new();
    GROUPS.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Whether resolved group `group` (fully qualified) holds `action`.
pub fn group_contains(group: &str, action: &str) -> bool {
    groups()
        .lock()
        .map(|g| {
            g.get(group)
                .is_some_and(|actions| actions.iter().any(|a| a == action))
        })
        .unwrap_or(false)
}

/// Normalizes a `module_defaults` value at load time: a list of mappings
/// keyed by resolved action names and `group/<fully qualified group>`.
/// `warn` receives the action group metadata warnings.
pub fn normalize(
    value: &Value,
    resolver: &ActionResolver,
    validate_metadata: bool,
    warn: &mut dyn FnMut(String),
    origin: &Origin,
) -> Result<Value, ParseError> {
    let layers: Vec<&Value> = match value {
        Value::Null => return Ok(Value::Null),
        Value::List(items) => items.iter().collect(),
        other => vec![other],
    };
    let mut out = Vec::with_capacity(layers.len());
    for layer in layers {
        let Value::Map(entries) = layer else {
            return Err(ParseError::parser_at(
                "The field 'module_defaults' is supposed to be a dictionary or list of dictionaries, \
                 the keys of which must be static action, module, or group names. Only the values may contain \
                 templates. For example: {'ping': \"{{ ping_defaults }}\"}",
                origin,
            ));
        };
        let mut normalized = Map::new();
        for (key, defaults) in entries {
            if let Some(group) = key.strip_prefix("group/") {
                // ansible takes what follows the last `group/`.
                let group = key.rsplit("group/").next().unwrap_or(group);
                let resolver = GroupResolver {
                    resolver,
                    validate_metadata,
                    warn: &mut *warn,
                };
                let fq_group = resolver.resolve(group, true)?;
                normalized.insert(format!("group/{fq_group}"), defaults.clone());
                continue;
            }
            let name = if key.split('.').count() < 3 {
                format!("ansible.legacy.{key}")
            } else {
                key.clone()
            };
            let Some(resolved) = resolver.defaults_key(&name) else {
                // ansible's error names no origin here.
                return Err(ParseError::parser(format!(
                    "Could not resolve action {name} in module_defaults"
                )));
            };
            normalized.insert(resolved, defaults.clone());
            if let Some(short) = name.strip_prefix("ansible.legacy.")
                && let Some(builtin) = resolver.defaults_key(&format!("ansible.builtin.{short}"))
            {
                normalized.insert(builtin, defaults.clone());
            }
        }
        out.push(Value::Map(normalized));
    }
    Ok(Value::List(out))
}

struct GroupResolver<'a> {
    resolver: &'a ActionResolver,
    validate_metadata: bool,
    warn: &'a mut dyn FnMut(String),
}

impl GroupResolver<'_> {
    /// `Base._resolve_group`: the fully qualified group name, its actions
    /// registered. A group that cannot be found is an error when
    /// `mandatory` (a `group/` key), else an empty group (`extend_group`).
    fn resolve(mut self, group: &str, mandatory: bool) -> Result<String, ParseError> {
        let mut visiting = Vec::new();
        self.resolve_inner(group, mandatory, &mut visiting)
            .map(|(name, _)| name)
    }

    fn resolve_inner(
        &mut self,
        group: &str,
        mandatory: bool,
        visiting: &mut Vec<String>,
    ) -> Result<(String, Vec<String>), ParseError> {
        let (collection, fq_group) = if is_fqcr(group) {
            let mut parts = group.splitn(3, '.');
            let ns = parts.next().unwrap_or_default();
            let coll = parts.next().unwrap_or_default();
            (format!("{ns}.{coll}"), group.to_string())
        } else {
            (
                "ansible.builtin".to_string(),
                format!("ansible.builtin.{group}"),
            )
        };
        if let Some(actions) = groups().lock().ok().and_then(|g| g.get(&fq_group).cloned()) {
            return Ok((fq_group, actions));
        }
        // A group extending itself (directly or not) is being resolved.
        if visiting.contains(&fq_group) {
            return Ok((fq_group, Vec::new()));
        }
        // ansible's error names no origin here.
        let not_found = || {
            ParseError::parser(format!(
                "Error loading module_defaults: could not resolve the module_defaults group {fq_group}"
            ))
        };
        let roots = self.resolver.collection_roots().to_vec();
        let resource = fq_group
            .strip_prefix(&format!("{collection}."))
            .unwrap_or(&fq_group)
            .to_string();
        let entries = routing::action_groups(&roots, &collection)
            .and_then(|all| all.get(&fq_group).or_else(|| all.get(&resource)).cloned());
        let entries = match entries {
            Some(Value::List(items)) => items,
            Some(_) => Vec::new(),
            None if mandatory => return Err(not_found()),
            None => return Ok((fq_group, Vec::new())),
        };
        let mut actions = Vec::new();
        let mut extends: Vec<String> = Vec::new();
        let mut found_metadata = false;
        for entry in &entries {
            let Value::Str(action) = entry else {
                self.check_metadata(entry, found_metadata, &fq_group);
                if let Some(Value::Map(meta)) = entry_metadata(entry) {
                    found_metadata = true;
                    extends = match meta.get("extend_group") {
                        Some(Value::Str(one)) => vec![one.clone()],
                        Some(Value::List(many)) => many.iter().map(Value::python_str).collect(),
                        _ => Vec::new(),
                    };
                }
                continue;
            };
            let action = if is_fqcr(action) {
                action.clone()
            } else {
                format!("{collection}.{action}")
            };
            if let Some(resolved) = self.resolver.defaults_key(&action) {
                actions.push(resolved);
            }
        }
        if let Ok(mut registry) = groups().lock() {
            registry.insert(fq_group.clone(), actions.clone());
        }
        visiting.push(fq_group.clone());
        for extended in extends {
            let extended = if is_fqcr(&extended) {
                extended
            } else {
                format!("{collection}.{extended}")
            };
            let (_, more) = self.resolve_inner(&extended, false, visiting)?;
            actions.extend(more);
        }
        visiting.pop();
        if let Ok(mut registry) = groups().lock() {
            registry.insert(fq_group.clone(), actions.clone());
        }
        Ok((fq_group, actions))
    }

    /// `_validate_action_group_metadata`: one warning listing what is
    /// wrong with a non-string entry of a group.
    fn check_metadata(&mut self, entry: &Value, found_metadata: bool, fq_group: &str) {
        if !self.validate_metadata {
            return;
        }
        let mut problems = Vec::new();
        let metadata_only =
            matches!(entry, Value::Map(m) if m.len() == 1 && m.contains_key("metadata"));
        if !metadata_only {
            let mut keys: Vec<String> = match entry {
                Value::Map(m) => m.keys().cloned().collect(),
                _ => Vec::new(),
            };
            keys.sort();
            problems.push(format!(
                "The only expected key is metadata, but got keys: {}",
                keys.join(", ")
            ));
        } else {
            if found_metadata {
                problems.push("The group contains multiple metadata entries.".to_string());
            }
            match entry_metadata(entry) {
                Some(Value::Map(meta)) => {
                    let unexpected: Vec<&str> = meta
                        .keys()
                        .map(String::as_str)
                        .filter(|k| *k != "extend_group")
                        .collect();
                    if !unexpected.is_empty() {
                        problems.push(format!(
                            "The metadata contains unexpected keys: {}",
                            unexpected.join(", ")
                        ));
                    }
                    if let Some(extend) = meta.get("extend_group")
                        && !matches!(extend, Value::List(_) | Value::Str(_))
                    {
                        problems.push(format!(
                            "The metadata contains unexpected key types: extend_group is {} (expected type list)",
                            extend.python_str()
                        ));
                    }
                }
                other => problems.push(format!(
                    "The metadata is not a dictionary. Got {}",
                    other.map(Value::python_str).unwrap_or_default()
                )),
            }
        }
        if !problems.is_empty() {
            problems.insert(
                0,
                format!(
                    "Invalid metadata was found for action_group {fq_group} while loading module_defaults."
                ),
            );
            (self.warn)(problems.join(" "));
        }
    }
}

fn entry_metadata(entry: &Value) -> Option<&Value> {
    match entry {
        Value::Map(m) => m.get("metadata"),
        _ => None,
    }
}

/// The defaults that apply to `action` (the name module_defaults match,
/// see `ActionResolver::defaults_name`), from normalized layers outermost
/// first, untemplated: group defaults in the order the merged keys come,
/// then the action's own. Each value is a mapping or (templated later) a
/// string.
pub fn applicable(layers: &[&Value], action: &str) -> Vec<Value> {
    let mut merged = Map::new();
    for layer in layers {
        let items: Vec<&Value> = match layer {
            Value::List(items) => items.iter().collect(),
            Value::Null => Vec::new(),
            other => vec![other],
        };
        for item in items {
            if let Value::Map(entries) = item {
                for (k, v) in entries {
                    merged.insert(k.clone(), v.clone());
                }
            }
        }
    }
    let mut out = Vec::new();
    for (key, defaults) in &merged {
        if let Some(group) = key.strip_prefix("group/")
            && group_contains(group, action)
        {
            out.push(defaults.clone());
        }
    }
    if let Some(own) = merged.get(action) {
        out.push(own.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, Value)]) -> Value {
        Value::Map(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    fn origin() -> Origin {
        let file = std::sync::Arc::new(super::super::SourceFile {
            path: "play.yml".into(),
            text: String::new(),
        });
        Origin::new(&file, crate::playbook::yaml::Span::default())
    }

    #[test]
    fn short_names_are_legacy_with_their_builtin_twin() {
        let resolver = ActionResolver::default();
        let value = map(&[("ping", map(&[("data", Value::str("x"))]))]);
        let normalized = normalize(&value, &resolver, true, &mut |_| {}, &origin()).expect("valid");
        let Value::List(layers) = normalized else {
            panic!("a list of layers")
        };
        let Some(Value::Map(keys)) = layers.first() else {
            panic!("one mapping")
        };
        // ansible.legacy.ping resolves to the builtin module.
        assert_eq!(
            keys.keys().collect::<Vec<_>>(),
            vec!["ansible.builtin.ping"]
        );
    }

    #[test]
    fn unknown_actions_and_groups_are_load_errors() {
        let resolver = ActionResolver::default();
        let action = map(&[("no_such_thing", map(&[]))]);
        let err = normalize(&action, &resolver, true, &mut |_| {}, &origin()).expect_err("unknown");
        assert!(
            err.to_string().contains(
                "Could not resolve action ansible.legacy.no_such_thing in module_defaults"
            )
        );
        let group = map(&[("group/ns.coll.nothing", map(&[]))]);
        let err = normalize(&group, &resolver, true, &mut |_| {}, &origin()).expect_err("unknown");
        assert!(
            err.to_string()
                .contains("could not resolve the module_defaults group ns.coll.nothing")
        );
        let not_a_map = Value::List(vec![Value::str("ping")]);
        assert!(normalize(&not_a_map, &resolver, true, &mut |_| {}, &origin()).is_err());
    }

    #[test]
    fn builtin_groups_hold_their_actions() {
        let resolver = ActionResolver::default();
        let value = map(&[("group/testgroup", map(&[("data", Value::str("g"))]))]);
        normalize(&value, &resolver, true, &mut |_| {}, &origin()).expect("valid");
        assert!(group_contains(
            "ansible.builtin.testgroup",
            "ansible.builtin.ping"
        ));
        assert!(!group_contains(
            "ansible.builtin.testgroup",
            "ansible.builtin.debug"
        ));
    }

    #[test]
    fn later_layers_replace_entries_and_groups_come_before_the_action() {
        groups()
            .lock()
            .expect("registry")
            .insert("t.c.grp".into(), vec!["t.c.act".into()]);
        let outer = Value::List(vec![map(&[
            (
                "t.c.act",
                map(&[("a", Value::Int(1)), ("b", Value::Int(1))]),
            ),
            ("group/t.c.grp", map(&[("g", Value::Int(1))])),
        ])]);
        let inner = Value::List(vec![map(&[("t.c.act", map(&[("a", Value::Int(2))]))])]);
        let applicable = applicable(&[&outer, &inner], "t.c.act");
        assert_eq!(
            applicable,
            vec![
                map(&[("g", Value::Int(1))]),
                // The inner entry replaced the outer one whole: no `b`.
                map(&[("a", Value::Int(2))]),
            ]
        );
        assert!(super::applicable(&[&outer], "t.c.other").is_empty());
    }
}
