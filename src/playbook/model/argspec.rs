//! Role argument specs: the task ansible-core 2.19 puts first in a role's
//! task list when the role's `meta/argument_specs` (or the `argument_specs`
//! of `meta/main`) has a spec for the entry point being loaded (`main`, or
//! the `tasks_from` name). The task runs the `validate_argument_spec`
//! action (`exec/argspec_action.rs`) with the entry point's `options`, the
//! role's parameters and a context naming the role.
//!
//! ansible builds that task from a plain dict, so it has no position: its
//! errors show `Origin: <unknown>` and the dict's text, shortened as
//! `textwrap.shorten(str(ds), width=120)` does. The task is built here the
//! same way, as YAML nodes without positions.

use std::path::Path;

use indexmap::IndexMap;

use crate::playbook::yaml::{Node, NodeKind, Span};
use crate::value::{Map, Value};

/// The validation task ansible prepends for `entrypoint`, when the specs
/// have a (non-empty) spec for it: the task's node and the text its errors
/// show as their origin.
pub fn validation_task(
    specs: &Value,
    entrypoint: &str,
    role_name: &str,
    role_path: &Path,
    params: &IndexMap<String, Value>,
) -> Option<(Node, String)> {
    let Value::Map(specs) = specs else {
        return None;
    };
    let spec = specs.get(entrypoint).filter(|s| s.is_truthy())?;
    let mut name = format!("Validating arguments against arg spec '{entrypoint}'");
    let options = match spec {
        Value::Map(spec) => {
            if let Some(description) = spec.get("short_description") {
                name = format!("{name} - {}", description.python_str());
            }
            spec.get("options")
                .cloned()
                .unwrap_or_else(|| Value::Map(Map::new()))
        }
        // ansible's `.get` on a spec that is not a mapping fails; a
        // mapping-less spec validates nothing here and the action reports
        // the wrong type.
        other => other.clone(),
    };
    let mut context = Map::new();
    context.insert("type".into(), Value::str("role"));
    context.insert("name".into(), Value::str(role_name));
    context.insert("argument_spec_name".into(), Value::str(entrypoint));
    context.insert("path".into(), Value::str(role_path.display().to_string()));
    let mut args = Map::new();
    args.insert("argument_spec".into(), options);
    args.insert(
        "provided_arguments".into(),
        Value::Map(params.clone().into_iter().collect()),
    );
    args.insert("validate_args_context".into(), Value::Map(context));
    let mut task = Map::new();
    task.insert(
        "action".into(),
        Value::str("ansible.builtin.validate_argument_spec"),
    );
    task.insert("args".into(), Value::Map(args));
    task.insert("name".into(), Value::str(name));
    task.insert("tags".into(), Value::List(vec![Value::str("always")]));
    let task = Value::Map(task);
    let origin_text = shorten(&task.python_str(), 120);
    Some((node_of(&task), origin_text))
}

/// A value as a YAML node without a position.
fn node_of(value: &Value) -> Node {
    let kind = match value {
        Value::Map(map) => NodeKind::Map(
            map.iter()
                .map(|(k, v)| (node_of(&Value::str(k.as_str())), node_of(v)))
                .collect(),
        ),
        Value::List(items) => NodeKind::Seq(items.iter().map(node_of).collect()),
        scalar => NodeKind::Scalar(scalar.clone()),
    };
    Node {
        kind,
        span: Span::default(),
    }
}

/// Python's `textwrap.shorten(text, width)`: whitespace collapsed, then as
/// many words as fit with the ` [...]` placeholder when the text is too
/// long. (textwrap also breaks words after hyphens; the cut here only
/// falls between whitespace-separated words.)
pub fn shorten(text: &str, width: usize) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    let collapsed = words.join(" ");
    if collapsed.chars().count() <= width {
        return collapsed;
    }
    const PLACEHOLDER: &str = " [...]";
    let mut kept = String::new();
    for word in words {
        let candidate_len = if kept.is_empty() {
            word.chars().count()
        } else {
            kept.chars().count() + 1 + word.chars().count()
        };
        if candidate_len + PLACEHOLDER.len() > width {
            break;
        }
        if !kept.is_empty() {
            kept.push(' ');
        }
        kept.push_str(word);
    }
    if kept.is_empty() {
        return PLACEHOLDER.trim_start().to_string();
    }
    kept + PLACEHOLDER
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected values from Python 3.11's textwrap.shorten.
    #[test]
    fn shorten_keeps_short_text_and_collapses_whitespace() {
        assert_eq!(shorten("a  b\n c", 120), "a b c");
    }

    #[test]
    fn shorten_cuts_between_words_with_the_placeholder() {
        assert_eq!(shorten("hello world foo bar", 15), "hello [...]");
        assert_eq!(shorten("hello world foo bar", 17), "hello world [...]");
        assert_eq!(shorten("abcdefghijklmnop qr", 10), "[...]");
    }

    #[test]
    fn no_task_without_a_spec_for_the_entry_point() {
        let specs = crate::playbook::yaml::load_value(
            "main: {options: {a: {type: int}}}\nother: {}\n",
            Path::new("argument_specs.yml"),
        )
        .ok()
        .flatten()
        .unwrap_or(Value::Null);
        let params = IndexMap::new();
        assert!(validation_task(&specs, "other", "r", Path::new("/r"), &params).is_none());
        assert!(validation_task(&specs, "missing", "r", Path::new("/r"), &params).is_none());
        let (node, origin) = validation_task(&specs, "main", "r", Path::new("/r"), &params)
            .expect("a task for main");
        assert!(matches!(node.kind, NodeKind::Map(_)));
        assert_eq!(
            origin,
            "{'action': 'ansible.builtin.validate_argument_spec', 'args': {'argument_spec': {'a': {'type': 'int'}}, [...]"
        );
    }
}
