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

pub fn holds(
    templar: &Templar,
    condition: &Value,
    context: &Jv,
    origin: Option<&Origin>,
) -> Result<bool, TaskError> {
    let text = match condition {
        Value::Bool(b) => return Ok(*b),
        Value::Null => return Ok(true),
        Value::Str(s) | Value::Unsafe(s) => s.trim().to_string(),
        other => {
            return Err(broken(other.python_str(), other.python_type_name(), origin));
        }
    };
    if text.is_empty() {
        return Ok(true);
    }
    let result = if is_template(&text) {
        let rendered = templar
            .template_jinja(&text, context)
            .map_err(|e| evaluation_error(e.message, origin))?;
        match rendered.kind() {
            ValueKind::Bool => rendered,
            ValueKind::String => {
                let expr = rendered.as_str().unwrap_or_default().to_string();
                evaluate(templar, &expr, context, origin)?
            }
            _ => rendered,
        }
    } else {
        evaluate(templar, &text, context, origin)?
    };
    match result.kind() {
        ValueKind::Bool => Ok(result.is_true()),
        _ => {
            let value = from_jinja(&result);
            let truth = if value.is_truthy() { "True" } else { "False" };
            Err(broken(truth.to_string(), value.python_type_name(), origin))
        }
    }
}

fn evaluate(
    templar: &Templar,
    expr: &str,
    context: &Jv,
    origin: Option<&Origin>,
) -> Result<Jv, TaskError> {
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

fn evaluation_error(message: String, origin: Option<&Origin>) -> TaskError {
    TaskError::at(
        format!("Error while evaluating conditional: {message}"),
        origin.cloned(),
    )
}

fn broken(truth: String, type_name: &str, origin: Option<&Origin>) -> TaskError {
    let at = origin.map(|o| o.location()).unwrap_or_default();
    TaskError {
        message: format!(
            "Conditional result ({truth}) was derived from value of type '{type_name}' at '{at}'. Conditionals must have a boolean result."
        ),
        stage: None,
        origin: origin.cloned(),
        help: Some(
            "Broken conditionals can be temporarily allowed with the `ALLOW_BROKEN_CONDITIONALS` configuration option.".into(),
        ),
    }
}
