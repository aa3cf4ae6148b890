//! Task selection by tags (`--tags`, `--skip-tags`), with ansible's special
//! tags `always`, `never`, `all`, `tagged` and `untagged`.

use std::collections::BTreeSet;

use crate::value::Value;

/// A tag as ansible compares it (tags may be written as integers).
pub fn tag_text(v: &Value) -> String {
    v.python_str()
}

/// Tags written as templates (`tags: "{{ the_tags }}"`) rendered by
/// `render`, as `evaluate_tags` templates them with the play's variables:
/// a list gives several tags (`_flatten_tags`); a tag that cannot be
/// rendered stays as written.
pub fn render_tags(
    tags: BTreeSet<String>,
    render: &dyn Fn(&str) -> Option<Value>,
) -> BTreeSet<String> {
    if !tags
        .iter()
        .any(|t| crate::templating::render::is_template(t))
    {
        return tags;
    }
    let mut out = BTreeSet::new();
    for tag in tags {
        if !crate::templating::render::is_template(&tag) {
            out.insert(tag);
            continue;
        }
        match render(&tag) {
            Some(Value::List(items)) => out.extend(items.iter().map(tag_text)),
            Some(other) => {
                out.insert(tag_text(&other));
            }
            None => {
                out.insert(tag);
            }
        }
    }
    out
}

/// ansible's `Taggable.evaluate_tags` on a task whose inherited tags are
/// `tags`. An empty `only` means `all`.
pub fn should_run(tags: &BTreeSet<String>, only: &[String], skip: &[String]) -> bool {
    let untagged: BTreeSet<String> = ["untagged".to_string()].into();
    let tags = if tags.is_empty() { &untagged } else { tags };
    let has = |t: &str| tags.contains(t);
    let any_in = |list: &[String]| list.iter().any(|t| tags.contains(t));
    let mut run = true;
    let all_only: Vec<String>;
    let only = if only.is_empty() {
        all_only = vec!["all".to_string()];
        &all_only
    } else {
        only
    };
    if !only.is_empty() {
        run = has("always")
            || (only.iter().any(|t| t == "all") && !has("never"))
            || any_in(only)
            || (only.iter().any(|t| t == "tagged") && *tags != untagged && !has("never"));
    }
    if run && !skip.is_empty() {
        if skip.iter().any(|t| t == "all") {
            if !has("always") || skip.iter().any(|t| t == "always") {
                run = false;
            }
        } else if any_in(skip) || (skip.iter().any(|t| t == "tagged") && *tags != untagged) {
            run = false;
        }
    }
    run
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(v: &[&str]) -> BTreeSet<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn selection_rules() {
        assert!(should_run(&set(&[]), &[], &[]));
        assert!(!should_run(&set(&["never"]), &[], &[]));
        assert!(should_run(&set(&["never", "x"]), &s(&["x"]), &[]));
        assert!(should_run(&set(&["always"]), &s(&["x"]), &[]));
        assert!(!should_run(&set(&["always"]), &[], &s(&["always"])));
        assert!(should_run(&set(&["always"]), &[], &s(&["all"])));
        assert!(should_run(&set(&[]), &s(&["untagged"]), &[]));
        assert!(!should_run(&set(&["a"]), &s(&["untagged"]), &[]));
        assert!(should_run(&set(&["a"]), &s(&["tagged"]), &[]));
        assert!(!should_run(&set(&["a"]), &[], &s(&["tagged"])));
    }
}
