//! `when`, `changed_when`, `failed_when`, `until`, `assert: that` and
//! `break_when`: conditions evaluated as ansible 2.19 does. A condition is
//! a boolean, or an expression string (`{{ }}` is allowed and rendered
//! first); its result must be a boolean.

use super::report::TaskError;
use crate::playbook::model::Origin;
use crate::templating::bridge::from_jinja;
use crate::templating::render::{Templar, is_template};
use crate::value::Value;
use minijinja::value::{Value as Jv, ValueKind};
use std::sync::atomic::{AtomicBool, Ordering};

/// ALLOW_BROKEN_CONDITIONALS and ALLOW_EMBEDDED_TEMPLATES: process-wide,
/// like ansible's template configuration.
#[derive(Debug, Clone, Copy)]
pub struct ConditionalConfig {
    pub allow_broken: bool,
    pub allow_embedded_templates: bool,
}

static ALLOW_BROKEN: AtomicBool = AtomicBool::new(false);
static ALLOW_EMBEDDED: AtomicBool = AtomicBool::new(true);

pub fn configure(config: ConditionalConfig) {
    ALLOW_BROKEN.store(config.allow_broken, Ordering::Relaxed);
    ALLOW_EMBEDDED.store(config.allow_embedded_templates, Ordering::Relaxed);
}

/// The first condition that is false (as written), or `None` when all hold.
pub fn first_false(
    templar: &Templar,
    conditions: &[Value],
    context: &Jv,
    origin: Option<&Origin>,
) -> Result<Option<Value>, TaskError> {
    for condition in conditions {
        if !holds(templar, condition, context, origin)? {
            return Ok(Some(condition.clone()));
        }
    }
    Ok(None)
}

/// As `first_false`, each condition reported at its own origin; a
/// condition that is a lone variable with a non-boolean value is said to
/// come from that variable's definition (`definition_of`), as ansible's
/// value origins say.
pub fn first_false_at(
    templar: &Templar,
    conditions: &[Value],
    context: &Jv,
    origin_of: &dyn Fn(usize) -> Option<Origin>,
    definition_of: &dyn Fn(&str) -> Option<Origin>,
) -> Result<Option<Value>, TaskError> {
    for (index, condition) in conditions.iter().enumerate() {
        let origin = origin_of(index);
        if !holds_with(
            templar,
            condition,
            context,
            origin.as_ref(),
            Some(definition_of),
        )? {
            return Ok(Some(condition.clone()));
        }
    }
    Ok(None)
}

/// Finds where a variable was defined.
type DefinitionOf<'a> = &'a dyn Fn(&str) -> Option<Origin>;

/// Where a broken conditional's value came from: the definition of the
/// variable a condition names alone (when known), else the condition.
fn value_origin(
    condition: &str,
    written: Option<&Origin>,
    definition_of: Option<DefinitionOf<'_>>,
) -> Option<Origin> {
    let is_name = !condition.is_empty()
        && !condition.starts_with(|c: char| c.is_ascii_digit())
        && condition.chars().all(|c| c.is_alphanumeric() || c == '_');
    is_name
        .then(|| definition_of.and_then(|find| find(condition)))
        .flatten()
        .or_else(|| written.cloned())
}

pub fn holds(
    templar: &Templar,
    condition: &Value,
    context: &Jv,
    origin: Option<&Origin>,
) -> Result<bool, TaskError> {
    holds_with(templar, condition, context, origin, None)
}

/// `holds`, with a way to find where a variable was defined (for the
/// broken-conditional message).
fn holds_with(
    templar: &Templar,
    condition: &Value,
    context: &Jv,
    origin: Option<&Origin>,
    definition_of: Option<DefinitionOf<'_>>,
) -> Result<bool, TaskError> {
    let text = match condition {
        Value::Bool(b) => return Ok(*b),
        Value::Null => return Ok(true),
        Value::Str(s) => s.trim().to_string(),
        Value::Unsafe(_) => return Err(untrusted(origin)),
        other => {
            if ALLOW_BROKEN.load(Ordering::Relaxed) {
                let truth = other.is_truthy();
                allowed_broken(truth, other.python_type_name(), origin, origin);
                return Ok(truth);
            }
            return Err(broken(other.python_str(), other.python_type_name(), origin));
        }
    };
    if text.is_empty() {
        return Ok(true);
    }
    let result = if is_possibly_all_template(&text) {
        delimited_conditional(origin);
        // Indirection: a conditional that is all template names an
        // expression; the expression it yields must be trusted text.
        let rendered = templar
            .template_jinja(&text, context)
            .map_err(|e| evaluation_error(e.message, origin))?;
        match rendered.kind() {
            ValueKind::String => {
                if !is_trusted_indirection(&text, &rendered) {
                    return Err(untrusted(origin));
                }
                let expr = rendered.as_str().unwrap_or_default().to_string();
                evaluate(templar, &expr, context, origin)?
            }
            _ => rendered,
        }
    } else {
        evaluate(templar, &text, context, origin).map_err(|e| {
            if is_template(&text) && e.message.contains("Syntax error") {
                delimiters_in_expression(e)
            } else {
                e
            }
        })?
    };
    match result.kind() {
        ValueKind::Bool => Ok(result.is_true()),
        _ => {
            let value = from_jinja(&result);
            let from = value_origin(&text, origin, definition_of);
            if ALLOW_BROKEN.load(Ordering::Relaxed) {
                allowed_broken(
                    value.is_truthy(),
                    value.python_type_name(),
                    from.as_ref(),
                    origin,
                );
                return Ok(value.is_truthy());
            }
            let truth = if value.is_truthy() { "True" } else { "False" };
            let mut error = broken(truth.to_string(), value.python_type_name(), from.as_ref());
            error.origin = origin.cloned();
            Err(error)
        }
    }
}

fn evaluate(
    templar: &Templar,
    expr: &str,
    context: &Jv,
    origin: Option<&Origin>,
) -> Result<Jv, TaskError> {
    let expr = render_constant_templates(templar, expr, context)
        .map_err(|message| evaluation_error(message, origin))?;
    let expr = expr.as_ref();
    let value = templar
        .evaluate(expr, context)
        .map_err(|e| evaluation_error(e.message, origin))?;
    if value.is_undefined() {
        // Let the templar name the undefined variable.
        let message = match templar.template_jinja(&format!("{{{{ {expr} }}}}"), context) {
            Err(e) => e.message,
            Ok(_) => format!("'{expr}' is undefined"),
        };
        return Err(evaluation_error(message, origin));
    }
    Ok(value)
}

/// ansible's `is_possibly_all_template`: a `#jinja2:` header, or text
/// that starts and ends with template delimiters.
pub fn is_possibly_all_template(text: &str) -> bool {
    if text.starts_with("#jinja2:") {
        return true;
    }
    let starts = ["{{", "{%", "{#"].iter().any(|d| text.starts_with(d));
    let ends = ["}}", "%}", "#}"].iter().any(|d| text.ends_with(d));
    starts && ends
}

/// Is the expression a template produced trusted? ansible trusts only text
/// loaded from playbooks, roles and vars files, and a template passes that
/// trust on only by handing such a value through unchanged: a lone
/// `{{ variable.path }}`. Constants and computed strings are untrusted, and
/// so are module results and `!unsafe` values (the bridge marks those).
fn is_trusted_indirection(text: &str, rendered: &Jv) -> bool {
    if rendered.is_safe() {
        return false;
    }
    let Some(inner) = text
        .strip_prefix("{{")
        .and_then(|t| t.strip_suffix("}}"))
        .map(str::trim)
    else {
        return false;
    };
    is_variable_path(inner)
}

/// `name`, `name.attr`, `name['key']`, `name[0]` chains.
pub fn is_variable_path(expr: &str) -> bool {
    let mut rest = expr;
    let ident = |s: &str| -> usize {
        s.char_indices()
            .take_while(|(_, c)| c.is_alphanumeric() || *c == '_')
            .map(|(i, c)| i + c.len_utf8())
            .last()
            .unwrap_or(0)
    };
    let n = ident(rest);
    if n == 0 || rest.starts_with(|c: char| c.is_ascii_digit()) {
        return false;
    }
    rest = &rest[n..];
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            return true;
        }
        if let Some(after) = rest.strip_prefix('.') {
            let n = ident(after.trim_start());
            if n == 0 {
                return false;
            }
            rest = &after.trim_start()[n..];
        } else if let Some(after) = rest.strip_prefix('[') {
            let Some(close) = after.find(']') else {
                return false;
            };
            let key = after[..close].trim();
            let quoted = key.len() >= 2
                && ((key.starts_with('\'') && key.ends_with('\''))
                    || (key.starts_with('"') && key.ends_with('"')));
            if !quoted && key.parse::<i64>().is_err() {
                return false;
            }
            rest = &after[close + 1..];
        } else {
            return false;
        }
    }
}

pub(super) fn untrusted(origin: Option<&Origin>) -> TaskError {
    TaskError {
        message: "Encountered untrusted template or expression.".into(),
        stage: None,
        origin: origin.cloned(),
        cause: None,
        bare_cause: None,
        help: Some(
            "Templates and expressions must be defined by trusted sources such as playbooks or roles, not untrusted sources such as module results.".into(),
        ),
    }
}

/// A conditional that mixes an expression with `{{ }}` is a syntax error
/// in 2.19, worded as ansible words it.
fn delimiters_in_expression(e: TaskError) -> TaskError {
    let detail = e
        .message
        .rsplit_once("Syntax error in template: ")
        .map(|(_, d)| d.to_string())
        .unwrap_or_else(|| e.message.clone());
    TaskError {
        message: format!(
            "Syntax error in expression. Template delimiters are not supported in expressions: {detail}"
        ),
        ..e
    }
}

/// String constants of a conditional that hold a template are rendered
/// first (2.19 still does, with a warning): `"{{ x }}" == "hi"`.
fn render_constant_templates<'e>(
    templar: &Templar,
    expr: &'e str,
    context: &Jv,
) -> Result<std::borrow::Cow<'e, str>, String> {
    if !is_template(expr) || !ALLOW_EMBEDDED.load(Ordering::Relaxed) {
        return Ok(std::borrow::Cow::Borrowed(expr));
    }
    let mut out = String::with_capacity(expr.len());
    let mut rendered_any = false;
    let mut chars = expr.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if c != '\'' && c != '"' {
            out.push(c);
            continue;
        }
        // A string literal: up to the same unescaped quote.
        let mut end = None;
        while let Some((i, d)) = chars.next() {
            if d == '\\' {
                chars.next();
            } else if d == c {
                end = Some(i);
                break;
            }
        }
        let Some(end) = end else {
            out.push_str(&expr[start..]);
            break;
        };
        let content = &expr[start + 1..end];
        if is_template(content) {
            let value = templar
                .template_jinja(content, context)
                .map_err(|e| e.message)?;
            let text = crate::templating::bridge::from_jinja(&value).python_str();
            out.push('\'');
            out.push_str(&text.replace('\\', "\\\\").replace('\'', "\\'"));
            out.push('\'');
            rendered_any = true;
        } else {
            out.push_str(&expr[start..=end]);
        }
    }
    if !rendered_any {
        return Ok(std::borrow::Cow::Borrowed(expr));
    }
    crate::cli::display::warning(
        "Jinja constant strings should not contain embedded templates. This feature will be disabled by default in ansible-core 2.23.",
    );
    Ok(std::borrow::Cow::Owned(out))
}

fn evaluation_error(message: String, origin: Option<&Origin>) -> TaskError {
    TaskError::at(
        format!("Error while evaluating conditional: {message}"),
        origin.cloned(),
    )
}

/// ansible 2.19's deprecation of a conditional written as a template
/// (`when: '{{ x }}'`), shown where it was written.
fn delimited_conditional(origin: Option<&Origin>) {
    let message = "Conditionals should not be surrounded by templating delimiters such as {{ }} or {% %}. This feature will be removed from ansible-core version 2.23.";
    crate::cli::display::deprecated(&match origin {
        Some(origin) => format!("{message}\n{}\n", origin.context()),
        None => message.to_string(),
    });
}

/// A non-boolean result while ALLOW_BROKEN_CONDITIONALS is on: its
/// truth, with ansible's deprecation warning: where the value came from
/// (`from`), the condition's source (`written`) and the help.
fn allowed_broken(truth: bool, type_name: &str, from: Option<&Origin>, written: Option<&Origin>) {
    let at = from.map(|o| o.location()).unwrap_or_default();
    let truth = if truth { "True" } else { "False" };
    let help = "Broken conditionals are currently allowed because the `ALLOW_BROKEN_CONDITIONALS` configuration option is enabled.";
    let message = format!(
        "Conditional result ({truth}) was derived from value of type '{type_name}' at '{at}'. Conditionals must have a boolean result. This feature will be removed from ansible-core version 2.23."
    );
    crate::cli::display::deprecated(&match written {
        Some(written) => format!("{message}\n{}\n\n{help}\n", written.context()),
        None => format!("{message}\n{help}"),
    });
}

/// The error of a non-boolean result, its value said to come from
/// `origin` (the caller puts the condition's own origin on the error).
fn broken(truth: String, type_name: &str, origin: Option<&Origin>) -> TaskError {
    let at = origin.map(|o| o.location()).unwrap_or_default();
    TaskError {
        message: format!(
            "Conditional result ({truth}) was derived from value of type '{type_name}' at '{at}'. Conditionals must have a boolean result."
        ),
        stage: None,
        origin: origin.cloned(),
        cause: None,
        bare_cause: None,
        help: Some(
            "Broken conditionals can be temporarily allowed with the `ALLOW_BROKEN_CONDITIONALS` configuration option.".into(),
        ),
    }
}
