//! `--diff` output: the default callback's `_get_diff`, a unified diff of a
//! result's `before`/`after` laid out as Python's `difflib.unified_diff`
//! writes it (headers, hunk ranges, `\ No newline at end of file`).

use super::result_format::ResultFormat;
use super::{Color, stringc};
use crate::value::{Map, Value};
use similar::{Algorithm, DiffTag, capture_diff_slices, group_diff_ops};

/// Lines with their endings, as `str.splitlines(True)` (on `\n`).
fn lines_keepends(text: &str) -> Vec<String> {
    let mut out: Vec<String> = text.split_inclusive('\n').map(str::to_string).collect();
    if let Some(last) = out.last_mut()
        && !last.ends_with('\n')
    {
        last.push_str("\n\\ No newline at end of file\n");
    }
    out
}

/// difflib's `_format_range_unified`.
fn range(start: usize, stop: usize) -> String {
    let mut beginning = start + 1;
    let length = stop - start;
    if length == 1 {
        return beginning.to_string();
    }
    if length == 0 {
        beginning -= 1;
    }
    format!("{beginning},{length}")
}

fn side(diff: &Map, key: &str, format: &ResultFormat) -> String {
    match diff.get(key) {
        None | Some(Value::Null) => String::new(),
        // ansible serialises structures as "files" in the result format.
        Some(v @ Value::Map(_)) => format.serialize_diff(v),
        Some(v) => v.python_str(),
    }
}

/// Whether `_get_diff` would serialise a side of this diff (a mapping as
/// `before` or `after`, with both present).
pub fn has_structured_side(diff: &Value) -> bool {
    let list: Vec<&Map> = match diff {
        Value::Map(m) => vec![m],
        Value::List(items) => items.iter().filter_map(Value::as_map).collect(),
        _ => Vec::new(),
    };
    list.iter().any(|d| {
        d.contains_key("before")
            && d.contains_key("after")
            && ["before", "after"]
                .iter()
                .any(|k| matches!(d.get(*k), Some(Value::Map(_))))
    })
}

/// The text `_get_diff` builds for a result's `diff` (one mapping or a
/// list of them); empty when there is nothing to show.
pub fn render(diff: &Value, color: bool, context: usize, format: &ResultFormat) -> String {
    let list: Vec<&Map> = match diff {
        Value::Map(m) => vec![m],
        Value::List(items) => items.iter().filter_map(Value::as_map).collect(),
        _ => Vec::new(),
    };
    let paint = |line: String, c: Color| if color { stringc(&line, c) } else { line };
    let mut out = String::new();
    for d in list {
        for (key, text) in [
            (
                "dst_binary",
                "diff skipped: destination file appears to be binary\n",
            ),
            (
                "src_binary",
                "diff skipped: source file appears to be binary\n",
            ),
        ] {
            if d.contains_key(key) {
                out.push_str(text);
            }
        }
        if let Some(size) = d.get("dst_larger") {
            out.push_str(&format!(
                "diff skipped: destination file size is greater than {}\n",
                size.python_str()
            ));
        }
        if let Some(size) = d.get("src_larger") {
            out.push_str(&format!(
                "diff skipped: source file size is greater than {}\n",
                size.python_str()
            ));
        }
        if d.contains_key("before") && d.contains_key("after") {
            let header = |key: &str, name: &str| match d.get(key) {
                Some(h) => format!("{name}: {}", h.python_str()),
                None => name.to_string(),
            };
            let before = lines_keepends(&side(d, "before", format));
            let after = lines_keepends(&side(d, "after", format));
            let ops = capture_diff_slices(Algorithm::Myers, &before, &after);
            let groups = group_diff_ops(ops, context);
            let has_changes = groups
                .iter()
                .any(|g| g.iter().any(|op| op.tag() != DiffTag::Equal));
            if has_changes {
                out.push_str(&paint(
                    format!("--- {}\n", header("before_header", "before")),
                    Color::Red,
                ));
                out.push_str(&paint(
                    format!("+++ {}\n", header("after_header", "after")),
                    Color::Green,
                ));
                for group in &groups {
                    let (Some(first), Some(last)) = (group.first(), group.last()) else {
                        continue;
                    };
                    let old = range(first.old_range().start, last.old_range().end);
                    let new = range(first.new_range().start, last.new_range().end);
                    out.push_str(&paint(format!("@@ -{old} +{new} @@\n"), Color::Cyan));
                    for op in group {
                        let (tag, old_range, new_range) = op.as_tag_tuple();
                        if tag == DiffTag::Equal {
                            for line in &before[old_range] {
                                out.push_str(&format!(" {line}"));
                            }
                            continue;
                        }
                        if matches!(tag, DiffTag::Delete | DiffTag::Replace) {
                            for line in &before[old_range] {
                                out.push_str(&paint(format!("-{line}"), Color::Red));
                            }
                        }
                        if matches!(tag, DiffTag::Insert | DiffTag::Replace) {
                            for line in &after[new_range] {
                                out.push_str(&paint(format!("+{line}"), Color::Green));
                            }
                        }
                    }
                }
                out.push('\n');
            }
        }
        if let Some(prepared) = d.get("prepared") {
            out.push_str(&prepared.python_str());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Observed with Python's difflib through ansible's `_get_diff`.
    #[test]
    fn unified_diff_like_difflib() {
        let mut d = Map::new();
        d.insert("before".into(), Value::str("a\nb\nc\n"));
        d.insert("after".into(), Value::str("a\nB\nc"));
        d.insert("after_header".into(), Value::str("/tmp/x"));
        let text = render(&Value::Map(d), false, 3, &ResultFormat::JSON);
        assert_eq!(
            text,
            "--- before\n+++ after: /tmp/x\n@@ -1,3 +1,3 @@\n a\n-b\n-c\n+B\n+c\n\\ No newline at end of file\n\n"
        );
    }
}
