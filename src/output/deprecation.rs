//! The text of a deprecation a task reported, as ansible 2.19's display
//! words it (`get_deprecation_message_with_plugin_info`): the message,
//! then what will remove the feature and when — "This feature will be
//! removed from module 'yum_repository' in ansible-core version 2.20."

use crate::value::{Map, Value};

/// A result's deprecation (the playbook-visible form: `msg`,
/// `deprecator` {resolved_name, type}, `version` or `date`) as displayed
/// after `[DEPRECATION WARNING]: `.
pub fn message(deprecation: &Map) -> String {
    let text = |v: Option<&Value>| {
        v.filter(|v| !matches!(v, Value::Null))
            .map(Value::python_str)
    };
    let msg = text(deprecation.get("msg")).unwrap_or_default();
    let deprecator = deprecation.get("deprecator").and_then(Value::as_map);
    let resolved_name = deprecator.and_then(|d| text(d.get("resolved_name")));
    let plugin_type = deprecator.and_then(|d| text(d.get("type")));
    let (collection, plugin) = match (&resolved_name, &plugin_type) {
        // Indeterminate (no type): a collection at most, no plugin.
        (name, None) => (name.clone(), String::new()),
        (Some(name), Some(kind)) if name == "ansible.builtin" => {
            (Some(name.clone()), format!("the {} API", type_name(kind)))
        }
        (Some(name), Some(kind)) => {
            let parts: Vec<&str> = name.split('.').collect();
            let collection = (parts.len() > 2).then(|| parts[..2].join("."));
            let plugin_name = parts.last().copied().unwrap_or_default();
            let quoted = Value::str(plugin_name).python_repr();
            (collection, format!("{} {quoted}", type_name(kind)))
        }
        (None, Some(kind)) => (None, format!("the {} API", type_name(kind))),
    };
    let mut fragments = vec!["This feature will be removed".to_string()];
    let collection_fragment = match collection.as_deref() {
        Some("ansible.builtin") => "ansible-core".to_string(),
        Some(other) => format!("collection {}", Value::str(other).python_repr()),
        None => String::new(),
    };
    if !plugin.is_empty() || !collection_fragment.is_empty() {
        fragments.push("from".into());
    }
    if !plugin.is_empty() {
        fragments.push(if collection.is_some() {
            format!("{plugin} in")
        } else {
            plugin
        });
    }
    if !collection_fragment.is_empty() {
        fragments.push(collection_fragment);
    }
    let when = if collection.is_none() {
        "in the future".to_string()
    } else if let Some(date) = text(deprecation.get("date")) {
        format!("in a release after {date}")
    } else if let Some(version) = text(deprecation.get("version")) {
        format!("version {version}")
    } else {
        "in a future release".to_string()
    };
    fragments.push(when);
    join_sentences(&msg, &format!("{}.", fragments.join(" ")))
}

/// `module` for modules, `NAME plugin` for the other plugin types.
fn type_name(kind: &str) -> String {
    if kind == "module" {
        kind.to_string()
    } else {
        format!("{kind} plugin")
    }
}

/// Two sentences joined by a space, each ending in `.`, `!` or `?`.
fn join_sentences(first: &str, second: &str) -> String {
    let end = |s: &str| {
        let s = s.trim().to_string();
        if !s.is_empty() && !s.ends_with(['!', '?', '.']) {
            format!("{s}.")
        } else {
            s
        }
    };
    let (first, second) = (end(first), end(second));
    match (first.is_empty(), second.is_empty()) {
        (false, true) => first,
        (true, _) => second,
        (false, false) => format!("{first} {second}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deprecation(resolved: Value, kind: Value, version: Option<&str>) -> Map {
        let mut deprecator = Map::new();
        deprecator.insert("resolved_name".into(), resolved);
        deprecator.insert("type".into(), kind);
        let mut d = Map::new();
        d.insert(
            "msg".into(),
            Value::str("'keepcache' parameter is deprecated"),
        );
        d.insert(
            "version".into(),
            version.map(Value::str).unwrap_or(Value::Null),
        );
        d.insert("deprecator".into(), Value::Map(deprecator));
        d
    }

    #[test]
    fn names_the_module_and_release() {
        let d = deprecation(
            Value::str("ansible.builtin.yum_repository"),
            Value::str("module"),
            Some("2.20"),
        );
        assert_eq!(
            message(&d),
            "'keepcache' parameter is deprecated. This feature will be removed from module 'yum_repository' in ansible-core version 2.20."
        );
    }

    #[test]
    fn argument_spec_deprecations_name_ansible_core_only() {
        let d = deprecation(Value::str("ansible.builtin"), Value::Null, Some("2.20"));
        assert_eq!(
            message(&d),
            "'keepcache' parameter is deprecated. This feature will be removed from ansible-core version 2.20."
        );
    }

    #[test]
    fn collections_plugins_and_unknown_deprecators() {
        let d = deprecation(
            Value::str("community.general.thing"),
            Value::str("lookup"),
            Some("12.0.0"),
        );
        assert_eq!(
            message(&d),
            "'keepcache' parameter is deprecated. This feature will be removed from lookup plugin 'thing' in collection 'community.general' version 12.0.0."
        );
        let mut unknown = d.clone();
        unknown.insert("deprecator".into(), Value::Null);
        assert_eq!(
            message(&unknown),
            "'keepcache' parameter is deprecated. This feature will be removed in the future."
        );
        let mut dated = deprecation(
            Value::str("ansible.builtin.dnf"),
            Value::str("module"),
            None,
        );
        dated.insert("date".into(), Value::str("2026-01-01"));
        assert!(
            message(&dated)
                .ends_with("from module 'dnf' in ansible-core in a release after 2026-01-01.")
        );
    }
}
