//! Actions that run on the controller (ansible's action plugins that never
//! reach a target): debug, set_fact, assert, fail, include_vars, set_stats.
//! Each takes templated arguments and returns ansible's result mapping.

use super::conditional;
use super::report::TaskError;
use crate::playbook::model::Origin;
use crate::templating::bridge::from_jinja;
use crate::templating::render::Templar;
use crate::value::{Map, Value};
use minijinja::value::Value as Jv;

pub struct ActionInput<'a> {
    pub templar: &'a Templar,
    pub context: &'a Jv,
    pub verbosity: u8,
    /// Arguments after templating.
    pub args: Map,
    /// Arguments as written (debug's `var`, assert's `that` are
    /// expressions, not templates).
    pub raw_args: &'a indexmap::IndexMap<String, Value>,
    pub origin: &'a Origin,
    /// Where each argument's value was written.
    pub arg_spans: &'a indexmap::IndexMap<String, crate::playbook::yaml::Span>,
    /// Directories relative files are looked up in (`ansible_search_path`).
    pub search_path: &'a [std::path::PathBuf],
    pub vault: Option<&'a crate::vault::Vault>,
    /// The task's role directory (`include_vars` looks under its `vars/`).
    pub role_path: Option<&'a std::path::Path>,
    /// DEFAULT_HASH_BEHAVIOUR.
    pub hash: crate::inventory::vars::HashBehaviour,
    /// When the task's `timeout` runs out (a pause stops there).
    pub deadline: Option<std::time::Instant>,
    /// Where a variable of the task was defined, when known.
    pub definition_of: &'a dyn Fn(&str) -> Option<Origin>,
}

/// The short name of a builtin action (`ansible.builtin.debug` → `debug`).
pub fn short_name(action: &str) -> &str {
    action
        .strip_prefix("ansible.builtin.")
        .or_else(|| action.strip_prefix("ansible.legacy."))
        .unwrap_or(action)
}

/// Is this action handled on the controller?
pub fn is_controller_action(action: &str) -> bool {
    matches!(
        short_name(action),
        "debug" | "set_fact" | "assert" | "fail" | "set_stats" | "include_vars" | "pause"
    )
}

pub fn run(action: &str, input: ActionInput) -> Result<Map, TaskError> {
    // Results are data: text that templates produced is untrusted and
    // never templated again. set_fact and include_vars keep what was
    // written in the playbook or vars file trusted, as ansible does.
    let data = |r: Result<Map, TaskError>| {
        r.map(|m| m.into_iter().map(|(k, v)| (k, v.into_data())).collect())
    };
    match short_name(action) {
        "debug" => data(debug(input)),
        "set_fact" => set_fact(input),
        "assert" => data(assert(input)),
        "fail" => data(fail(input)),
        "pause" => data(pause(input)),
        "include_vars" => super::include_vars::run(input),
        "set_stats" => data(set_stats(input)),
        other => Err(TaskError::new(format!(
            "the action '{other}' is not a controller action"
        ))),
    }
}

fn debug(input: ActionInput) -> Result<Map, TaskError> {
    let verbosity = match input.args.get("verbosity") {
        None => 0,
        Some(Value::Int(i)) => *i,
        Some(Value::Str(s) | Value::Unsafe(s)) => s.trim().parse::<i64>().unwrap_or(0),
        Some(_) => 0,
    };
    let mut result = Map::new();
    if verbosity <= i64::from(input.verbosity) {
        if let Some(var) = input.args.get("var") {
            // An expression from an untrusted source (`!unsafe`) is never
            // evaluated.
            if let Value::Unsafe(_) = var {
                let at = input
                    .arg_spans
                    .get("var")
                    .map(|span| Origin::new(&input.origin.file, *span));
                let mut error = conditional::untrusted(at.as_ref());
                error.stage = Some(Box::new((
                    "Error while resolving `var` expression".to_string(),
                    at,
                )));
                return Err(error);
            }
            let expr = var.python_str();
            // ansible 2.19 shows an undefined value as an error marker.
            // The marker's message is also a warning naming where `var`
            // was written (ReplacingMarkerBehavior.emit_warnings).
            // A variable whose own value failed to template is reported
            // at its definition.
            crate::templating::lookups::take_failed_variable();
            // The markers' warnings are the result's (the callback shows
            // them), as ansible's deferred warnings are.
            let warnings = std::cell::RefCell::new(Vec::new());
            let undefined = |message: String| {
                let definition = crate::templating::lookups::take_failed_variable()
                    .filter(|(_, failed)| *failed == message)
                    .and_then(|(name, _)| (input.definition_of)(&name));
                let origin = definition
                    .or_else(|| {
                        input
                            .arg_spans
                            .get("var")
                            .map(|span| Origin::new(&input.origin.file, *span))
                    })
                    .unwrap_or_else(|| input.origin.clone());
                warnings.borrow_mut().push(Value::str(format!(
                    "Encountered 1 template error.\nerror 1 - {message}\n{}\n",
                    origin.context()
                )));
                Value::str(format!("<< error 1 - {message} >>"))
            };
            let value = match input.templar.evaluate(&expr, input.context) {
                Ok(v) if v.is_undefined() => {
                    match input
                        .templar
                        .template_jinja(&format!("{{{{ {expr} }}}}"), input.context)
                    {
                        Err(e) => undefined(e.message),
                        Ok(_) => undefined(format!("'{expr}' is undefined")),
                    }
                }
                Ok(v) => {
                    // A failed entry inside the value: an undefined one
                    // becomes a numbered marker (each with its warning),
                    // any other failure fails the task.
                    let mut markers = 0;
                    let mut failure: Option<String> = None;
                    let value =
                        crate::templating::bridge::from_jinja_replacing_failures(&v, &mut |e| {
                            let message = e.detail().unwrap_or_default().to_string();
                            if is_undefined_message(&message) {
                                markers += 1;
                                let written_at = crate::templating::lookups::take_failed_variable()
                                    .and_then(|(name, _)| (input.definition_of)(&name));
                                let (marker, warning) =
                                    numbered_marker(markers, message, written_at);
                                warnings.borrow_mut().push(warning);
                                marker
                            } else {
                                failure.get_or_insert(message);
                                Value::Null
                            }
                        });
                    if let Some(message) = failure {
                        return Err(var_expression_error(&input, message));
                    }
                    value
                }
                Err(e)
                    if e.message.contains("is undefined")
                        || crate::templating::lookups::is_undef_hint(&e.message) =>
                {
                    undefined(e.message)
                }
                Err(e) => {
                    // ansible evaluates `var` as an expression, so its
                    // render error says so.
                    let rendering = crate::templating::printf::RENDER_ERROR;
                    let message = match e.message.strip_prefix(rendering) {
                        Some(rest) => format!("Error rendering expression: {rest}"),
                        None => e.message,
                    };
                    return Err(var_expression_error(&input, message));
                }
            };
            // A variable whose value is `omit` cannot be left out here.
            let value = match value {
                Value::Str(s) if s == crate::templating::omit::OMIT_TOKEN => {
                    let at = input
                        .arg_spans
                        .get("var")
                        .map(|span| Origin::new(&input.origin.file, *span).context())
                        .map(|context| format!("\n{context}\n"))
                        .unwrap_or_default();
                    warnings.borrow_mut().push(Value::str(format!(
                        "The result of the `var` expression could not be omitted; a placeholder was used instead.{at}"
                    )));
                    Value::str("<<Omit>>")
                }
                other => other,
            };
            result.insert(expr, value);
            let warnings = warnings.into_inner();
            if !warnings.is_empty() {
                result.insert("warnings".into(), Value::List(warnings));
            }
        } else {
            let msg = input
                .args
                .get("msg")
                .cloned()
                .unwrap_or_else(|| Value::str("Hello world!"));
            result.insert("msg".into(), msg);
        }
        result.insert("_ansible_verbose_always".into(), Value::Bool(true));
    } else {
        result.insert(
            "skipped_reason".into(),
            Value::str("Verbosity threshold not met."),
        );
        result.insert("skipped".into(), Value::Bool(true));
    }
    result.insert("failed".into(), Value::Bool(false));
    Ok(result)
}

/// `debug var=`'s failure: it points at the value of `var` and, below it,
/// at a failed variable. An undecryptable vault value surfaces only when
/// the whole expression is finalized, so ansible blames the expression.
fn var_expression_error(input: &ActionInput, message: String) -> TaskError {
    let message = match message.strip_prefix(crate::templating::printf::RENDER_ERROR) {
        Some(rest) if rest.starts_with(crate::templating::vaulted::UNDECRYPTABLE) => {
            format!("Error rendering expression: {rest}")
        }
        _ => message,
    };
    let at = input
        .arg_spans
        .get("var")
        .map(|span| Origin::new(&input.origin.file, *span));
    let mut error = TaskError::at(
        format!("Error while resolving `var` expression: {message}"),
        at,
    );
    if let Some((name, failed)) = crate::templating::lookups::take_failed_variable()
        && let Some(definition) = (input.definition_of)(&name)
    {
        error = error.caused_by_variable(&failed, definition);
    }
    error
}

/// An error that says a value is undefined (ansible shows those as markers).
fn is_undefined_message(message: &str) -> bool {
    message.contains("is undefined") || crate::templating::lookups::is_undef_hint(message)
}

/// `debug var=`'s marker for the `number`th undefined value, and its
/// warning (naming where the value was written, when known).
fn numbered_marker(number: usize, message: String, written_at: Option<Origin>) -> (Value, Value) {
    let origin = written_at.map(|o| o.context()).unwrap_or_default();
    let warning = Value::str(format!(
        "Encountered 1 template error.\nerror {number} - {message}\n{origin}\n"
    ));
    (
        Value::str(format!("<< error {number} - {message} >>")),
        warning,
    )
}

/// A task error for a refused variable name, with ansible's help text.
pub fn invalid_variable_name(message: String) -> TaskError {
    TaskError {
        message,
        stage: None,
        origin: None,
        cause: None,
        bare_cause: None,
        help: Some(crate::vars::names::HELP.into()),
    }
}

fn set_fact(input: ActionInput) -> Result<Map, TaskError> {
    let mut args = input.args;
    let cacheable = args
        .shift_remove("cacheable")
        .map(|v| v.ansible_bool().unwrap_or(false))
        .unwrap_or(false);
    if args.is_empty() {
        return Err(TaskError::new(
            "Action failed: No key/value pairs provided, at least one is required for this action to succeed",
        ));
    }
    let mut facts = Map::new();
    // ansible-core 2.19 hands set_fact its arguments sorted by name, and
    // the facts keep that order (it shows in `vars` and the fact cache).
    args.sort_by(|a, _, b, _| a.as_bytes().cmp(b.as_bytes()));
    for (k, v) in args {
        let k: String = k;
        // The one place ansible templates a key: names chosen at run time.
        let key = if crate::templating::render::is_template(&k) {
            input
                .templar
                .template_jinja(&k, input.context)
                .map(|v| from_jinja(&v))
                .map_err(|e| TaskError::new(e.message))?
        } else {
            Value::str(k.as_str())
        };
        let name = crate::vars::names::validate(&key).map_err(invalid_variable_name)?;
        // A value written without a template stays trusted; what a
        // template produced is data.
        let templated = input.raw_args.get(&k).is_none_or(contains_template);
        facts.insert(name, if templated { v.into_data() } else { v });
    }
    let mut result = Map::new();
    result.insert("ansible_facts".into(), Value::Map(facts));
    result.insert("_ansible_facts_cacheable".into(), Value::Bool(cacheable));
    result.insert("changed".into(), Value::Bool(false));
    Ok(result)
}

/// What a controller action refuses in its arguments before it runs, as
/// ansible's action plugins word it (their `_VALID_ARGS` check or argument
/// spec validation): the plain message of the action's failure. `written`
/// is the action as the task names it.
pub fn invalid_arguments(written: &str, args: &Map) -> Option<String> {
    let unknown = |allowed: &[&str]| -> Vec<&str> {
        args.keys()
            .map(String::as_str)
            .filter(|k| !allowed.contains(k))
            .collect()
    };
    // ansible joins a set for `_VALID_ARGS`; sorted, the order is at
    // least stable.
    let invalid_options = |allowed: &[&str]| {
        let mut bad = unknown(allowed);
        bad.sort_unstable();
        (!bad.is_empty()).then(|| format!("Invalid options for {written}: {}", bad.join(",")))
    };
    let unsupported = |allowed: &[&str], aliases: &str| {
        let mut bad = unknown(allowed);
        bad.retain(|k| !aliases.contains(&format!("({k})")));
        if bad.is_empty() {
            return None;
        }
        bad.sort_unstable();
        let supported: Vec<&str> = allowed
            .iter()
            .copied()
            .filter(|k| !aliases.contains(&format!("({k})")))
            .collect();
        Some(format!(
            "Unsupported parameters for ({}) module: {}. Supported parameters include: {}{aliases}.",
            plugin_name(written),
            bad.join(", "),
            supported.join(", ")
        ))
    };
    let both = |a: &str, b: &str| {
        (args.contains_key(a) && args.contains_key(b))
            .then(|| format!("parameters are mutually exclusive: {a}|{b}"))
    };
    match short_name(written) {
        "set_stats" => invalid_options(&["aggregate", "data", "per_host"]),
        "fail" => invalid_options(&["msg"]),
        "wait_for_connection" => {
            invalid_options(&["connect_timeout", "delay", "sleep", "timeout"])
        }
        "assert" => unsupported(&["fail_msg", "msg", "quiet", "success_msg", "that"], " (msg)"),
        "pause" => unsupported(&["echo", "minutes", "prompt", "seconds"], "")
            .or_else(|| both("minutes", "seconds"))
            .or_else(|| pause_argument_types(args)),
        "debug" => unsupported(&["msg", "var", "verbosity"], "")
            .or_else(|| both("msg", "var"))
            .or_else(|| match args.get("var") {
                // A string argument that is never converted.
                Some(var @ (Value::Int(_) | Value::BigInt(_) | Value::Float(_) | Value::Bool(_) | Value::List(_) | Value::Map(_))) => Some(format!(
                    "argument 'var' is of type {} and we were unable to convert to _check_type_str_no_conversion: '{}' is not a string and conversion is not allowed",
                    var.python_type_name(),
                    var.python_str()
                )),
                _ => None,
            }),
        _ => None,
    }
}

/// The type checks of pause's argument spec: `echo` a boolean, `minutes`
/// and `seconds` whatever Python's `int()` takes (floats are truncated).
fn pause_argument_types(args: &Map) -> Option<String> {
    /// ansible lists a set; its order changes from run to run.
    const VALID_BOOLEANS: &str =
        "'y', 'yes', 'on', '1', 'true', 't', 1, 'n', 'no', 'off', '0', 'false', 'f', 0";
    if let Some(echo) = args.get("echo").filter(|v| !matches!(v, Value::Null))
        && echo.ansible_bool().is_none()
    {
        return Some(format!(
            "argument 'echo' is of type {} and we were unable to convert to bool: The value '{}' is not a valid boolean. Valid booleans include: {VALID_BOOLEANS}",
            echo.python_type_name(),
            echo.python_str()
        ));
    }
    ["minutes", "seconds"].into_iter().find_map(|name| {
        let value = args.get(name)?;
        pause_duration(value).is_none().then(|| {
            format!(
                "argument '{name}' is of type {} and we were unable to convert to int: invalid literal for int() with base 10: '{}'",
                value.python_type_name(),
                value.python_str()
            )
        })
    })
}

/// A pause duration as Python's `int()` reads it (None is no duration).
fn pause_duration(value: &Value) -> Option<Option<i64>> {
    match value {
        Value::Null => Some(None),
        Value::Int(i) => Some(Some(*i)),
        Value::Bool(b) => Some(Some(i64::from(*b))),
        Value::Float(f) if f.is_finite() => Some(Some(f.trunc() as i64)),
        Value::Str(s) | Value::Unsafe(s) => s.trim().replace('_', "").parse::<i64>().ok().map(Some),
        _ => None,
    }
}

/// How an argument spec failure names the action: as written, but a
/// builtin FQCN by its Python module (ansible names the plugin's module).
fn plugin_name(written: &str) -> String {
    match written.strip_prefix("ansible.builtin.") {
        Some(short) => format!("ansible_collections.ansible.builtin.plugins.action.{short}"),
        None => written.to_string(),
    }
}

/// `set_stats`: the stats to record, as the result's `ansible_stats`
/// (`data` with templated keys, `per_host`, `aggregate`); the strategy
/// records them when the result is ok (see `output::custom_stats`).
fn set_stats(input: ActionInput) -> Result<Map, TaskError> {
    let mut data = Map::new();
    match input.args.get("data") {
        // No arguments at all, or no `data`: nothing to record.
        None => {}
        Some(Value::Map(written)) => {
            for (k, v) in written {
                // Keys are not templated with the arguments; ansible
                // templates them here, so names can be chosen at run time.
                let key = if crate::templating::render::is_template(k) {
                    input
                        .templar
                        .template_jinja(k, input.context)
                        .map(|v| from_jinja(&v))
                        .map_err(|e| TaskError::new(e.message))?
                } else {
                    Value::str(k.as_str())
                };
                let name = crate::vars::names::validate(&key).map_err(invalid_variable_name)?;
                data.insert(name, v.clone());
            }
        }
        Some(_) => {
            return Ok(Map::from_iter([
                ("failed".into(), Value::Bool(true)),
                (
                    "msg".into(),
                    Value::str("The 'data' option needs to be a dictionary/hash"),
                ),
            ]));
        }
    }
    // `boolean(..., strict=False)`: anything not true-like is false.
    let option = |name: &str, default: bool| match input.args.get(name) {
        None | Some(Value::Null) => default,
        Some(v) => v.ansible_bool().unwrap_or(false),
    };
    let stats = Map::from_iter([
        ("data".into(), Value::Map(data)),
        ("per_host".into(), Value::Bool(option("per_host", false))),
        ("aggregate".into(), Value::Bool(option("aggregate", true))),
    ]);
    Ok(Map::from_iter([
        ("changed".into(), Value::Bool(false)),
        ("ansible_stats".into(), Value::Map(stats)),
    ]))
}

fn string_or_list(value: Option<&Value>, default: &str) -> Value {
    match value {
        None | Some(Value::Null) => Value::str(default),
        Some(v) => v.clone(),
    }
}

fn assert(input: ActionInput) -> Result<Map, TaskError> {
    let quiet = input
        .args
        .get("quiet")
        .and_then(Value::ansible_bool)
        .unwrap_or(false);
    let fail_msg = string_or_list(
        input.args.get("fail_msg").or_else(|| input.args.get("msg")),
        "Assertion failed",
    );
    let success_msg = string_or_list(input.args.get("success_msg"), "All assertions passed");
    // `that` as written; from the templated arguments when they came from
    // a template (`assert: '{{ args }}'`).
    let that = match input
        .raw_args
        .get("that")
        .or_else(|| input.args.get("that"))
    {
        Some(Value::List(items)) => items.clone(),
        None => {
            return Err(TaskError::new(
                "Finalization of task args for 'ansible.builtin.assert' failed: missing required arguments: that",
            ));
        }
        // Given, but empty: a conditional 2.19 refuses.
        Some(Value::Null) => {
            const EMPTY: &str = "Empty conditional expressions are not allowed.";
            return Err(TaskError {
                bare_cause: Some(Box::new(super::report::BareCause {
                    message: EMPTY.into(),
                    help: Some("Broken conditionals can be temporarily allowed with the `ALLOW_BROKEN_CONDITIONALS` configuration option.".into()),
                })),
                ..TaskError::new(EMPTY)
            });
        }
        Some(Value::Str(text)) if conditional::is_possibly_all_template(text.trim()) => {
            // `that: '{{ list_var }}'` names the list of conditions.
            match input.templar.template_jinja(text, input.context) {
                Ok(v) => match from_jinja(&v) {
                    Value::List(items) => items,
                    _ => vec![Value::Str(text.clone())],
                },
                Err(_) => vec![Value::Str(text.clone())],
            }
        }
        Some(other) => vec![other.clone()],
    };
    let mut result = Map::new();
    if !quiet {
        result.insert("_ansible_verbose_always".into(), Value::Bool(true));
    }
    let that_origin = input
        .arg_spans
        .get("that")
        .map(|span| Origin::new(&input.origin.file, *span));
    for condition in &that {
        let ok = conditional::holds(
            input.templar,
            condition,
            input.context,
            that_origin.as_ref(),
        )?;
        if !ok {
            result.insert("failed".into(), Value::Bool(true));
            result.insert("evaluated_to".into(), Value::Bool(false));
            result.insert("assertion".into(), condition.clone());
            result.insert("msg".into(), fail_msg);
            return Ok(result);
        }
    }
    result.insert("changed".into(), Value::Bool(false));
    result.insert("msg".into(), success_msg);
    Ok(result)
}

fn fail(input: ActionInput) -> Result<Map, TaskError> {
    let msg = input
        .args
        .get("msg")
        .cloned()
        .unwrap_or_else(|| Value::str("Failed as requested from task"));
    let mut result = Map::new();
    result.insert("failed".into(), Value::Bool(true));
    result.insert("msg".into(), msg);
    Ok(result)
}

/// The `pause` action without a terminal to talk to: a timed pause sleeps;
/// a prompt is not waited for when stdin is not interactive (ansible's
/// warning), else one line is read as `user_input`.
fn pause(input: ActionInput) -> Result<Map, TaskError> {
    // The argument types were checked (`pause_argument_types`).
    let number = |name: &str| input.args.get(name).and_then(pause_duration).flatten();
    let echo = input
        .args
        .get("echo")
        .and_then(Value::ansible_bool)
        .unwrap_or(true);
    let (seconds, unit) = match (number("minutes"), number("seconds")) {
        (Some(m), _) => (Some(m * 60), "minutes"),
        (None, Some(s)) => (Some(s), "seconds"),
        (None, None) => (None, "minutes"),
    };
    let hidden = if echo { "" } else { " (output is hidden)" };
    let start = std::time::Instant::now();
    let mut result = Map::new();
    result.insert("changed".into(), Value::Bool(false));
    result.insert("rc".into(), Value::Int(0));
    result.insert("stderr".into(), Value::str(""));
    result.insert("stdout".into(), Value::str(""));
    result.insert(
        "start".into(),
        Value::str(crate::templating::filters::core::local_now_text()),
    );
    let mut user_input = String::new();
    // A pause is its own display: no progress line over it.
    crate::output::progress::stop();
    match seconds {
        Some(secs) => {
            let secs = secs.max(1);
            println!("Pausing for {secs} seconds{hidden}");
            if input.args.get("prompt").is_some_and(|p| p.is_truthy()) {
                println!("(ctrl+C then 'C' = continue early, ctrl+C then 'A' = abort)\r");
            }
            // The task's timeout cuts the pause short (the executor then
            // reports it timed out).
            let mut wait = std::time::Duration::from_secs(secs.unsigned_abs());
            if let Some(deadline) = input.deadline {
                wait = wait.min(deadline.saturating_duration_since(start));
            }
            std::thread::sleep(wait);
        }
        None => {
            use std::io::IsTerminal;
            if std::io::stdin().is_terminal() {
                let text = input
                    .args
                    .get("prompt")
                    .map(Value::python_str)
                    .unwrap_or_else(|| "Press enter to continue, Ctrl+C to interrupt".into());
                print!("{text}{hidden}:");
                let _ = std::io::Write::flush(&mut std::io::stdout());
                let mut line = String::new();
                let _ = std::io::stdin().read_line(&mut line);
                user_input = line.trim_end_matches(['\n', '\r']).to_string();
            } else {
                crate::cli::display::warning(
                    "Not waiting for response to prompt as stdin is not interactive",
                );
            }
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    result.insert(
        "stop".into(),
        Value::str(crate::templating::filters::core::local_now_text()),
    );
    result.insert("delta".into(), Value::Int(elapsed as i64));
    let shown = if unit == "minutes" {
        (elapsed / 60.0 * 100.0).round() / 100.0
    } else {
        (elapsed * 100.0).round() / 100.0
    };
    result.insert(
        "stdout".into(),
        Value::str(format!(
            "Paused for {} {unit}",
            Value::Float(shown).python_str()
        )),
    );
    result.insert("user_input".into(), Value::str(user_input));
    result.insert("echo".into(), Value::Bool(echo));
    Ok(result)
}

/// Does a value as written hold a template anywhere?
fn contains_template(value: &Value) -> bool {
    match value {
        Value::Str(s) => crate::templating::render::is_template(s),
        Value::List(items) => items.iter().any(contains_template),
        Value::Map(map) => map
            .iter()
            .any(|(k, v)| crate::templating::render::is_template(k) || contains_template(v)),
        _ => false,
    }
}
