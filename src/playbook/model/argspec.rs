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

/// Python's `textwrap.shorten(text, width, placeholder=" [...]")`:
/// whitespace collapsed, then the first line of a one-line wrap, cut back
/// to leave room for the placeholder when text remains.
pub fn shorten(text: &str, width: usize) -> String {
    const PLACEHOLDER: &str = " [...]";
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut chunks: Vec<Vec<char>> = wrap_chunks(&collapsed);
    chunks.reverse();
    let mut line: Vec<Vec<char>> = Vec::new();
    let mut len = 0;
    while let Some(next) = chunks.last() {
        if len + next.len() > width {
            break;
        }
        len += next.len();
        line.extend(chunks.pop());
    }
    // `_handle_long_word`: a chunk wider than the line is cut (after a
    // hyphen when one fits).
    if let Some(next) = chunks.last_mut()
        && next.len() > width
    {
        let room = width.saturating_sub(len).max(1);
        let mut end = room;
        if next.len() > room
            && let Some(hyphen) = next[..room].iter().rposition(|c| *c == '-')
            && hyphen > 0
            && next[..hyphen].iter().any(|c| *c != '-')
        {
            end = hyphen + 1;
        }
        let rest = next.split_off(end.min(next.len()));
        let head = std::mem::replace(next, rest);
        len += head.len();
        line.push(head);
    }
    if line.last().is_some_and(|c| c.iter().all(|ch| *ch == ' ')) {
        len -= line.last().map_or(0, Vec::len);
        line.pop();
    }
    let rest_is_blank = chunks.iter().all(|c| c.iter().all(|ch| *ch == ' '));
    if rest_is_blank && len <= width {
        return line.into_iter().flatten().collect();
    }
    while let Some(last) = line.last() {
        if last.iter().any(|c| *c != ' ') && len + PLACEHOLDER.len() <= width {
            let mut out: String = line.into_iter().flatten().collect();
            out.push_str(PLACEHOLDER);
            return out;
        }
        len -= last.len();
        line.pop();
    }
    PLACEHOLDER.trim_start().to_string()
}

/// textwrap's chunks of single-spaced text (`wordsep_re` with
/// `break_on_hyphens`): each space alone, words cut after a hyphen that
/// follows two letters (or letter-hyphen-letter) and precedes a letter,
/// an optional hyphen and a letter. (Em-dash runs are not cut apart.)
fn wrap_chunks(text: &str) -> Vec<Vec<char>> {
    let letter = |c: Option<&char>| c.is_some_and(|c| c.is_alphabetic() || *c == '_');
    let chars: Vec<char> = text.chars().collect();
    let mut chunks = Vec::new();
    let mut current: Vec<char> = Vec::new();
    for (i, c) in chars.iter().enumerate() {
        if *c == ' ' {
            if !current.is_empty() {
                chunks.push(std::mem::take(&mut current));
            }
            chunks.push(vec![' ']);
            continue;
        }
        current.push(*c);
        if *c != '-' || current.len() < 2 {
            continue;
        }
        let at = |offset: isize| -> Option<&char> {
            i.checked_add_signed(offset).and_then(|j| chars.get(j))
        };
        let behind = (letter(at(-1)) && letter(at(-2)))
            || (letter(at(-1)) && at(-2) == Some(&'-') && letter(at(-3)));
        let ahead = letter(at(1)) && (letter(at(2)) || (at(2) == Some(&'-') && letter(at(3))));
        if behind && ahead {
            chunks.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        chunks.push(current);
    }
    chunks
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected values from Python 3.11's textwrap.shorten.
    #[test]
    fn shorten_keeps_short_text_and_collapses_whitespace() {
        assert_eq!(shorten("a  b\n c", 120), "a b c");
    }

    // Expected values from Python 3.11's textwrap.shorten.
    #[test]
    fn shorten_cuts_after_hyphens_as_textwrap() {
        assert_eq!(shorten("aaa user-facing-name zzz", 18), "aaa user- [...]");
        assert_eq!(shorten("aaa user-facing-name zzz", 20), "aaa user- [...]");
        assert_eq!(shorten("aaa x-y 12-34 zzzz", 14), "aaa x-y [...]");
        assert_eq!(shorten("abcdefghij-klmnop qr", 12), "[...]");
        assert_eq!(
            shorten("{'a': 'the user-facing name of the thing', 'b': 1}", 30),
            "{'a': 'the user-facing [...]"
        );
        assert_eq!(shorten("one two-three-four five", 16), "one two- [...]");
        assert_eq!(shorten("re-do is-it ok", 9), "re- [...]");
    }

    // Expected values from Python 3.11's textwrap.shorten.
    #[test]
    fn shorten_cuts_words_wider_than_the_line() {
        assert_eq!(shorten(&format!("x {}", "a".repeat(30)), 20), "x [...]");
        assert_eq!(
            shorten(&format!("ab {}-{}", "c".repeat(10), "d".repeat(20)), 20),
            "ab cccccccccc- [...]"
        );
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
