//! ansible's wording for template errors.
//!
//! minijinja reports its own texts ("unknown filter: filter x is unknown",
//! "tried to use + operator on unsupported types string and number") and,
//! in debug mode, a source excerpt. ansible shows the Python exception as
//! its Jinja2 wraps it: "No filter named 'x'.", "can only concatenate str
//! (not \"int\") to str", "object of type 'dict' has no attribute 'k'".
//! This module turns the first into the second. Where minijinja's text
//! lacks what the Python message names (operand types, the container and
//! key of a failed lookup), the operands are evaluated again from the
//! expression at the error's source range: only on the error path.

use super::filters::core::{py_repr, type_name};
use super::printf::RENDER_ERROR;
use minijinja::value::{Value as Jv, ValueKind};
use minijinja::{Environment, Error, ErrorKind};

/// ansible's message for `e`, raised by `source` evaluated in `context`.
/// `None` when the error is about an undefined value that minijinja could
/// not describe (the caller names the first undefined variable instead).
pub fn message(env: &Environment<'_>, e: &Error, source: &str, context: &Jv) -> Option<String> {
    let detail = e.detail().unwrap_or_default();
    if let Some(described) = undefined_description(detail) {
        return Some(undefined_message(env, described, context));
    }
    Some(match e.kind() {
        ErrorKind::UndefinedError => return None,
        ErrorKind::UnknownFilter => format!(
            "Syntax error in template: No filter named '{}'.",
            between(detail, "filter ", " is unknown")
        ),
        ErrorKind::UnknownTest => format!(
            "Syntax error in template: No test named '{}'.",
            if detail.is_empty() {
                dispatched_test_name(env, source).unwrap_or_default()
            } else {
                between(detail, "test ", " is unknown").to_string()
            }
        ),
        // Jinja2 looks functions up as variables.
        ErrorKind::UnknownFunction => {
            format!("'{}' is undefined", detail.trim_end_matches(" is unknown"))
        }
        ErrorKind::SyntaxError => syntax_message(detail, token_at(e, source)),
        ErrorKind::InvalidOperation => {
            operation_message(env, detail, operands_at(e, source), context)
                .unwrap_or_else(|| detail.to_string())
        }
        kind if detail.is_empty() => kind.to_string(),
        _ => detail.to_string(),
    })
}

/// The unknown test a `select`/`reject`/`selectattr`/`rejectattr` call in
/// `source` names (minijinja's error for a test looked up at run time
/// carries no name).
fn dispatched_test_name(env: &Environment<'_>, source: &str) -> Option<String> {
    static CALLS: std::sync::LazyLock<Option<regex::Regex>> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r#"(?:select|reject)\(\s*(?:'([^']*)'|"([^"]*)")|(?:selectattr|rejectattr)\(\s*(?:'[^']*'|"[^"]*")\s*,\s*(?:'([^']*)'|"([^"]*)")"#,
        )
        .ok()
    });
    let calls = CALLS.as_ref()?;
    // The first named test that does not evaluate is the unknown one.
    calls.captures_iter(source).find_map(|c| {
        let name = (1..=4).find_map(|i| c.get(i))?.as_str();
        let known = env
            .compile_expression(&format!("none is {name}"))
            .is_ok_and(|test| test.eval(()).is_ok());
        (!known).then(|| name.to_string())
    })
}

/// The expression in minijinja's "`EXPR` is undefined" (debug mode names
/// the expression that produced an undefined value).
pub(super) fn undefined_description(detail: &str) -> Option<&str> {
    let end = detail.find("` is undefined")?;
    let start = detail[..end].rfind('`')? + 1;
    Some(&detail[start..end])
}

fn between<'a>(text: &'a str, prefix: &str, suffix: &str) -> &'a str {
    let text = text.strip_prefix(prefix).unwrap_or(text);
    text.strip_suffix(suffix).unwrap_or(text)
}

/// The source text at the error's range.
fn token_at<'a>(e: &Error, source: &'a str) -> Option<&'a str> {
    e.range().and_then(|r| source.get(r))
}

fn operands_at<'a>(e: &Error, source: &'a str) -> Option<&'a str> {
    token_at(e, source)
}

/// "'x' is undefined", or, for an attribute or item of a defined value,
/// ansible's "object of type 'dict' has no attribute 'k'".
fn undefined_message(env: &Environment<'_>, described: &str, context: &Jv) -> String {
    let Some((container, key)) = split_access(described) else {
        return format!("'{described}' is undefined");
    };
    let eval = |expr: &str| {
        env.compile_expression(expr)
            .ok()
            .and_then(|e| e.eval(context).ok())
    };
    let object = match eval(container) {
        Some(v) if v.is_undefined() => return undefined_message(env, container, context),
        Some(v) => v,
        None => return format!("'{described}' is undefined"),
    };
    let key = match key {
        Access::Attr(name) => Jv::from(name),
        Access::Item(expr) => match eval(expr) {
            Some(k) => k,
            None => return format!("'{described}' is undefined"),
        },
    };
    // Jinja2's own message where ansible's hint needs a truthy name.
    if !key.is_true() {
        let owner = match object.kind() {
            ValueKind::None => "None".to_string(),
            ValueKind::Map => {
                "ansible._internal._templating._lazy_containers._AnsibleLazyTemplateDict object"
                    .to_string()
            }
            ValueKind::Seq if !object.is_tuple() => {
                "ansible._internal._templating._lazy_containers._AnsibleLazyTemplateList object"
                    .to_string()
            }
            _ => format!("{} object", type_name(&object)),
        };
        return format!("{owner} has no element {}", py_repr(&key));
    }
    format!(
        "object of type '{}' has no attribute {}",
        type_name(&object),
        py_repr(&key)
    )
}

/// A plugin's own message (it carries ansible's text already), with
/// `mandatory`'s variable name filled in.
pub fn plugin_message(env: &Environment<'_>, detail: &str, source: &str, context: &Jv) -> String {
    name_mandatory(env, detail, source, context).unwrap_or_else(|| detail.to_string())
}

/// The `mandatory` filter's message when minijinja could not say which
/// variable was undefined; `message` fills the name in.
pub const NAMELESS_MANDATORY: &str = "Mandatory variable not defined.";

/// `mandatory`'s message naming what was undefined: the expression piped
/// into `| mandatory` in `source` whose value is undefined gives ansible's
/// `_undefined_name` (the variable, or the missing attribute/key).
fn name_mandatory(
    env: &Environment<'_>,
    detail: &str,
    source: &str,
    context: &Jv,
) -> Option<String> {
    let prefix = detail.strip_suffix(NAMELESS_MANDATORY)?;
    let pattern =
        regex::Regex::new(r#"([A-Za-z_][\w.]*(?:\[[^\]]*\])*)\s*\|\s*mandatory\b"#).ok()?;
    let name = pattern.captures_iter(source).find_map(|c| {
        let expr = c.get(1)?.as_str();
        let value = env.compile_expression(expr).ok()?.eval(context).ok()?;
        value
            .is_undefined()
            .then(|| undefined_name(env, expr, context))
    })?;
    Some(format!(
        "{prefix}Mandatory variable {} not defined.",
        py_repr(&Jv::from(name))
    ))
}

/// The name of the first undefined part of `described` (`d.b` with `d`
/// defined → `b`; `hey.x` with `hey` undefined → `hey`).
fn undefined_name(env: &Environment<'_>, described: &str, context: &Jv) -> String {
    let Some((container, key)) = split_access(described) else {
        return described.to_string();
    };
    let container_undefined = env
        .compile_expression(container)
        .ok()
        .and_then(|e| e.eval(context).ok())
        .is_none_or(|v| v.is_undefined());
    if container_undefined {
        return undefined_name(env, container, context);
    }
    match key {
        Access::Attr(name) => name.to_string(),
        Access::Item(expr) => env
            .compile_expression(expr)
            .ok()
            .and_then(|e| e.eval(context).ok())
            .map(|k| {
                k.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| k.to_string())
            })
            .unwrap_or_else(|| expr.to_string()),
    }
}

enum Access<'a> {
    Attr(&'a str),
    Item(&'a str),
}

/// `a.b[0].c` as (`a.b[0]`, `.c`); `None` for a bare name or an access
/// minijinja could not describe (`[...]`).
fn split_access(described: &str) -> Option<(&str, Access<'_>)> {
    if let Some(body) = described.strip_suffix(']') {
        let open = matching_open(body)?;
        let key = &body[open + 1..];
        if key.contains("...") {
            return None;
        }
        return Some((&described[..open], Access::Item(key)));
    }
    let dot = described.rfind('.')?;
    let (container, attr) = (&described[..dot], &described[dot + 1..]);
    if container.is_empty() || container.contains("...") || attr.is_empty() {
        return None;
    }
    Some((container, Access::Attr(attr)))
}

/// The `[` matching the end of `body` (which had its final `]` removed).
fn matching_open(body: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    for (i, c) in body.char_indices().rev() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, ']') => depth += 1,
            (None, '[') if depth == 0 => return Some(i),
            (None, '[') => depth -= 1,
            _ => {}
        }
    }
    None
}

/// Jinja2's words for the syntax errors users meet most.
fn syntax_message(detail: &str, token: Option<&str>) -> String {
    let text = match detail {
        "unexpected end of variable block" => "unexpected 'end of print statement'".to_string(),
        "unexpected end of block" => "unexpected 'end of statement block'".to_string(),
        _ => match (detail.split_once(", expected `"), token) {
            (Some((_, expected)), Some(token)) if detail.starts_with("unexpected") => format!(
                "expected token '{}', got '{}'",
                expected.trim_end_matches('`'),
                token.trim()
            ),
            _ => detail.replace('`', "'"),
        },
    };
    format!("Syntax error in template: {text}")
}

/// Python's TypeError/ZeroDivisionError text for a failed operator.
fn operation_message(
    env: &Environment<'_>,
    detail: &str,
    expr: Option<&str>,
    context: &Jv,
) -> Option<String> {
    if detail == "object is not callable"
        || (detail.starts_with("value of type ") && detail.ends_with(" is not callable"))
    {
        return not_callable_message(env, detail, expr?, context);
    }
    if let Some(calc) = detail.strip_prefix("unable to calculate ") {
        let float = |s: &str| s.contains(['.', 'e', 'n']);
        let (op, any_float) = [" // ", " / ", " % ", " ** "].iter().find_map(|op| {
            calc.split_once(op)
                .map(|(a, b)| (op.trim(), float(a) || float(b)))
        })?;
        let text = match (op, any_float) {
            ("/", false) => "division by zero",
            ("/", true) => "float division by zero",
            ("//", false) => "integer division or modulo by zero",
            ("//", true) => "float floor division by zero",
            ("%", false) => "integer modulo by zero",
            ("%", true) => "float modulo",
            _ => return None,
        };
        return Some(format!("{RENDER_ERROR}{text}"));
    }
    let op = if let Some(rest) = detail.strip_prefix("tried to use ") {
        rest.split(' ').next()?
    } else if detail == "strings can only be multiplied with integers" {
        "*"
    } else {
        return None;
    };
    let (left, right) = split_binary(expr?, op)?;
    let eval = |e: &str| {
        env.compile_expression(e)
            .ok()
            .and_then(|c| c.eval(context).ok())
    };
    let (a, b) = (eval(left)?, eval(right)?);
    let (ta, tb) = (type_name(&a), type_name(&b));
    let sequence = |t: &str| matches!(t, "str" | "list" | "tuple");
    let text = match op {
        "+" if sequence(ta) => format!("can only concatenate {ta} (not \"{tb}\") to {ta}"),
        "*" if sequence(ta) || sequence(tb) => {
            let other = if sequence(ta) { tb } else { ta };
            format!("can't multiply sequence by non-int of type '{other}'")
        }
        "**" => format!("unsupported operand type(s) for ** or pow(): '{ta}' and '{tb}'"),
        _ => format!("unsupported operand type(s) for {op}: '{ta}' and '{tb}'"),
    };
    Some(format!("{RENDER_ERROR}{text}"))
}

/// Python's "'T' object is not callable" for `expr`, a call (`x()`) whose
/// callee is no function. A variable as loaded (a bare name) is one of
/// ansible's tagged types (`_AnsibleTaggedStr`); a computed value is not.
fn not_callable_message(
    env: &Environment<'_>,
    detail: &str,
    expr: &str,
    context: &Jv,
) -> Option<String> {
    let callee = callee_of(expr.trim())?;
    // The error's span may cover only the last calls of a chain
    // (`x.upper()()` gives `()()`): then minijinja's kind names the type.
    if callee.starts_with('(') {
        let kind = detail
            .strip_prefix("value of type ")?
            .strip_suffix(" is not callable")?;
        let name = match kind {
            "string" => "str",
            "map" => "dict",
            "sequence" => "list",
            "bool" => "bool",
            "none" => "NoneType",
            _ => return None,
        };
        return Some(format!("{RENDER_ERROR}'{name}' object is not callable"));
    }
    let value = env
        .compile_expression(callee)
        .ok()
        .and_then(|c| c.eval(context).ok())?;
    let plain = type_name(&value);
    let is_name = callee
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !callee.starts_with(|c: char| c.is_ascii_digit());
    // Containers are read through ansible's lazy templating wrappers.
    let name = match plain {
        "str" if is_name => "_AnsibleTaggedStr",
        "int" if is_name => "_AnsibleTaggedInt",
        "float" if is_name => "_AnsibleTaggedFloat",
        "dict" if is_name => "_AnsibleLazyTemplateDict",
        "list" if is_name => "_AnsibleLazyTemplateList",
        other => other,
    };
    Some(format!("{RENDER_ERROR}'{name}' object is not callable"))
}

/// The callee of a call expression: what comes before its last top-level
/// argument list.
fn callee_of(expr: &str) -> Option<&str> {
    let body = expr.strip_suffix(')')?;
    let mut depth = 0usize;
    for (i, c) in body.char_indices().rev() {
        match c {
            ')' | ']' | '}' => depth += 1,
            '(' if depth == 0 => return Some(body[..i].trim()).filter(|c| !c.is_empty()),
            '(' | '[' | '{' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// `expr` split at its last top-level binary `op` (operators of one level
/// associate to the left, so the last one is applied last).
fn split_binary<'a>(expr: &'a str, op: &str) -> Option<(&'a str, &'a str)> {
    let bytes = expr.as_bytes();
    let mut depth = 0i32;
    let mut quote: Option<u8> = None;
    let mut found = None;
    let mut last_significant: Option<u8> = None;
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if let Some(q) = quote {
            if c == b'\\' {
                i += 2;
                continue;
            }
            if c == q {
                quote = None;
                last_significant = Some(c);
            }
            i += 1;
            continue;
        }
        match c {
            b'\'' | b'"' => quote = Some(c),
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth -= 1,
            _ => {}
        }
        let operand_before = last_significant.is_some_and(|p| {
            p.is_ascii_alphanumeric() || matches!(p, b'_' | b')' | b']' | b'}' | b'\'' | b'"')
        });
        if depth == 0
            && operand_before
            && expr[i..].starts_with(op)
            && !expr[i + op.len()..].starts_with(['*', '/'])
        {
            found = Some(i);
            i += op.len();
            last_significant = Some(b'+');
            continue;
        }
        if !c.is_ascii_whitespace() && quote.is_none() {
            last_significant = Some(c);
        }
        i += 1;
    }
    let at = found?;
    Some((expr[..at].trim(), expr[at + op.len()..].trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_operands_are_split_at_the_last_top_level_operator() {
        assert_eq!(split_binary("'a' + 1", "+"), Some(("'a'", "1")));
        assert_eq!(
            split_binary("a + f(1 + 2) + 'x+'", "+"),
            Some(("a + f(1 + 2)", "'x+'"))
        );
        assert_eq!(split_binary("a - -1", "-"), Some(("a", "-1")));
        assert_eq!(split_binary("a * 2 ** 3", "*"), Some(("a", "2 ** 3")));
        assert_eq!(split_binary("a ** 3", "*"), None);
    }

    #[test]
    fn accesses_split_into_container_and_key() {
        let split = |s| {
            split_access(s).map(|(c, k)| match k {
                Access::Attr(a) => format!("{c} . {a}"),
                Access::Item(i) => format!("{c} [ {i} ]"),
            })
        };
        assert_eq!(split("d.missing"), Some("d . missing".into()));
        assert_eq!(split("lst[10]"), Some("lst [ 10 ]".into()));
        assert_eq!(split("a.b['x]']"), Some("a.b [ 'x]' ]".into()));
        assert_eq!(split("d[...]"), None);
        assert_eq!(split("foo"), None);
    }
}
