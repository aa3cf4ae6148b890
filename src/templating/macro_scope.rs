//! Template-level names seen by templates a macro includes.
//!
//! In Jinja2, a template's top-level `{% set %}`, `{% import %}`,
//! `{% from ... import %}` and `{% macro %}` names live in the template's
//! context, so a template `{% include %}`d from inside a macro sees them.
//! minijinja gives a macro a closure of only the names its own body
//! mentions, and an include reads from that closure, so the included
//! template misses the rest (ansible's template target, issue 72262:
//! `{% import 'v.j2' as vars %}` then a macro including a file that reads
//! `vars.test`).
//!
//! Before compiling we therefore make each top-level macro whose body
//! includes another template mention the top-level names assigned before
//! it, in a statement that never evaluates them:
//!
//! `{% macro m() %}` becomes `{% macro m() %}{% set __mitorun_scope = false and (a, b,) %}`
//!
//! minijinja's closure tracker then captures `a` and `b` when the macro is
//! declared, and later top-level assignments keep the shared closure up to
//! date, as Jinja2's context would be. Names assigned only after the macro
//! are left out: captured before they exist they would hide a variable of
//! the same name. The inserted tag copies the macro tag's whitespace
//! control, so the output is unchanged.

use std::borrow::Cow;

/// The local the inserted statement assigns (never read).
const SCOPE_LOCAL: &str = "__mitorun_scope";

/// Rewrite the top-level macros of `text` that include other templates.
pub fn enclose_template_names(text: &str) -> Cow<'_, str> {
    if !text.contains("macro") || !text.contains("include") {
        return Cow::Borrowed(text);
    }
    let mut names: Vec<&str> = Vec::new();
    let mut depth = 0usize;
    // (insert position, closing modifier, names known then, includes seen)
    let mut open_macro: Option<(usize, &str, usize, bool)> = None;
    let mut inserts: Vec<(usize, String)> = Vec::new();
    for stmt in statements(text) {
        let mut words = stmt.body.split_whitespace();
        let Some(keyword) = words.next() else {
            continue;
        };
        match keyword {
            "include" => {
                if let Some(m) = open_macro.as_mut() {
                    m.3 = true;
                }
            }
            "macro" if depth == 0 => {
                open_macro = Some((stmt.end, stmt.close_marker, names.len(), false));
                if let Some(name) = stmt.body["macro".len()..].trim_start().split('(').next() {
                    names.push(name.trim());
                }
                depth += 1;
            }
            "for" | "macro" | "call" | "filter" | "with" | "block" => depth += 1,
            "set" if !has_assignment(stmt.body) => {
                if depth == 0 {
                    names.extend(set_targets(&stmt.body["set".len()..]));
                }
                depth += 1;
            }
            "set" if depth == 0 => {
                if let Some((targets, _)) = stmt.body["set".len()..].split_once('=') {
                    names.extend(set_targets(targets));
                }
            }
            "import" if depth == 0 => names.extend(import_alias(stmt.body)),
            "from" if depth == 0 => names.extend(from_import_names(stmt.body)),
            "endmacro" if depth == 1 => {
                depth = 0;
                if let Some((at, marker, known, true)) = open_macro.take() {
                    let mut visible: Vec<&str> = Vec::new();
                    for name in &names[..known] {
                        if !visible.contains(name) {
                            visible.push(name);
                        }
                    }
                    if !visible.is_empty() {
                        let list: String = visible.iter().map(|n| format!("{n}, ")).collect();
                        inserts.push((
                            at,
                            format!("{{% set {SCOPE_LOCAL} = false and ({list}) {marker}%}}"),
                        ));
                    }
                }
                open_macro = None;
            }
            "endfor" | "endmacro" | "endcall" | "endfilter" | "endwith" | "endblock" | "endset" => {
                depth = depth.saturating_sub(1)
            }
            _ => {}
        }
    }
    if inserts.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + inserts.len() * 64);
    let mut last = 0;
    for (at, insert) in inserts {
        out.push_str(&text[last..at]);
        out.push_str(&insert);
        last = at;
    }
    out.push_str(&text[last..]);
    Cow::Owned(out)
}

/// One `{% ... %}` statement.
struct Statement<'a> {
    /// The text between the delimiters and their `-`/`+` markers, trimmed.
    body: &'a str,
    /// `-`, `+` or nothing before the closing `%}`.
    close_marker: &'a str,
    /// Just past the closing `%}`.
    end: usize,
}

/// The statements of `text`, outside comments and `{% raw %}` sections.
fn statements(text: &str) -> Vec<Statement<'_>> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut in_raw = false;
    let mut i = 0;
    while i + 1 < bytes.len() {
        match (bytes[i], bytes[i + 1]) {
            (b'{', b'#') if !in_raw => {
                i = text[i + 2..]
                    .find("#}")
                    .map_or(bytes.len(), |e| i + 2 + e + 2);
            }
            (b'{', b'{') if !in_raw => i = block_end(text, i + 2, b'}').unwrap_or(bytes.len()),
            (b'{', b'%') => {
                let Some(end) = block_end(text, i + 2, b'%') else {
                    break;
                };
                let inner = &text[i + 2..end - 2];
                let inner = inner.strip_prefix(['-', '+']).unwrap_or(inner);
                let (inner, close_marker) = match inner.strip_suffix(['-', '+']) {
                    Some(rest) => (rest, &text[end - 3..end - 2]),
                    None => (inner, ""),
                };
                let body = inner.trim();
                if in_raw {
                    in_raw = body != "endraw";
                } else if body == "raw" {
                    in_raw = true;
                } else {
                    out.push(Statement {
                        body,
                        close_marker,
                        end,
                    });
                }
                i = end;
            }
            _ => i += 1,
        }
    }
    out
}

/// Just past the `X}` closing a block whose body starts at `from`, skipping
/// quoted strings.
fn block_end(text: &str, from: usize, close: u8) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = from;
    while i + 1 < bytes.len() {
        match bytes[i] {
            q @ (b'\'' | b'"') => {
                i += 1;
                while i < bytes.len() && bytes[i] != q {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            c if c == close && bytes[i + 1] == b'}' => return Some(i + 2),
            _ => i += 1,
        }
    }
    None
}

/// A `set` statement with `=` outside strings (not the block form).
fn has_assignment(body: &str) -> bool {
    let mut quote = None;
    for c in body.chars() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '=') => return true,
            _ => {}
        }
    }
    false
}

/// The plain names a `set` assigns (`a`, `a, b`; not `ns.attr`).
fn set_targets(targets: &str) -> impl Iterator<Item = &str> {
    targets
        .split(',')
        .map(|t| t.trim().trim_matches(['(', ')']).trim())
        .filter(|t| is_identifier(t))
}

/// `import 'x' as NAME [with context]`.
fn import_alias(body: &str) -> Option<&str> {
    let words: Vec<&str> = body.split_whitespace().collect();
    let at = words.iter().rposition(|w| *w == "as")?;
    words.get(at + 1).copied().filter(|n| is_identifier(n))
}

/// `from 'x' import a, b as c [with context]`: `a`, `c`.
fn from_import_names(body: &str) -> Vec<&str> {
    let Some((_, imported)) = body.rsplit_once(" import ") else {
        return Vec::new();
    };
    let imported = imported
        .trim()
        .trim_end_matches("with context")
        .trim_end_matches("without context")
        .trim_end_matches(',');
    imported
        .split(',')
        .filter_map(|item| item.split_whitespace().last())
        .filter(|n| is_identifier(n))
        .collect()
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macro_including_a_template_names_earlier_top_level_assignments() {
        let text = "{% set test = 1 %}\n{% import 'v.j2' as vars with context %}\n\
                    {% macro inc() -%}{% include 'x.j2' %}{% endmacro %}\n";
        assert_eq!(
            enclose_template_names(text),
            "{% set test = 1 %}\n{% import 'v.j2' as vars with context %}\n\
             {% macro inc() -%}{% set __mitorun_scope = false and (test, vars, ) -%}\
             {% include 'x.j2' %}{% endmacro %}\n"
        );
    }

    #[test]
    fn other_templates_are_unchanged() {
        for text in [
            "{% macro m() %}{{ a }}{% endmacro %}{% include 'x' %}",
            "{% macro m() %}{% include 'x' %}{% endmacro %}{% set late = 1 %}",
            "{% raw %}{% set a = 1 %}{% macro m() %}{% include 'x' %}{% endmacro %}{% endraw %}",
            "{% for i in x %}{% set a = 1 %}{% endfor %}{% macro m() %}{% include 'x' %}{% endmacro %}",
        ] {
            assert_eq!(enclose_template_names(text), text);
        }
    }

    #[test]
    fn from_imports_block_sets_and_earlier_macros_count() {
        let text = "{% from 'f' import a, b as c %}{% set blk %}x{% endset %}\
                    {% macro first() %}{% endmacro %}{% macro m() +%}{% include 'x' %}{% endmacro %}";
        let out = enclose_template_names(text);
        assert!(
            out.contains(
                "{% macro m() +%}{% set __mitorun_scope = false and (a, c, blk, first, ) +%}"
            ),
            "{out}"
        );
    }
}
