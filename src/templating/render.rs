//! Rendering a string the way ansible 2.19's Templar does.
//!
//! - A string that is exactly one `{{ expression }}` yields the expression's
//!   native value (list, dict, int, bool, ...); anything else renders to text.
//! - Undefined values: attribute lookups on an undefined value stay
//!   undefined (so `foo.bar | default('x')` and `foo is defined` work), but
//!   printing one is an error naming the variable, as in ansible. minijinja
//!   has no custom undefined types, so this is `Chainable` plus a formatter
//!   that refuses undefined output. Known gaps: `{% if undefined %}`,
//!   `{% for x in undefined %}` and `'a' ~ undefined` are lenient here,
//!   where ansible errors.

use super::bridge::{from_jinja, to_jinja};
use super::lookups::{self, ContextGuard, LookupServices};
use crate::value::{Map, Value};
use minijinja::value::Value as Jv;
use minijinja::{Environment, ErrorKind, UndefinedBehavior};
use std::sync::Arc;

/// A template that failed: ansible's message.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct TemplateError {
    pub message: String,
}

/// An environment plus ansible's rendering rules, with the services its
/// lookups use (vault, configuration, base directory).
pub struct Templar {
    env: Environment<'static>,
    services: Arc<LookupServices>,
}

impl Default for Templar {
    fn default() -> Self {
        Templar::new()
    }
}

/// Does this string need templating at all?
pub fn is_template(text: &str) -> bool {
    text.contains("{{") || text.contains("{%") || text.contains("{#")
}

/// The expression of a string that is exactly `{{ expr }}`: what is
/// between the outer braces must parse as one expression, which rules out
/// `{{ a }} {{ b }}` but keeps `{{ {'a': {'b': 1}} }}`.
/// Comments around the block produce no output, so they do not count.
fn single_expression<'t>(env: &Environment, text: &'t str) -> Option<&'t str> {
    let text = strip_outer_comments(text);
    let inner = text.strip_prefix("{{")?.strip_suffix("}}")?;
    env.compile_expression(inner).is_ok().then_some(inner)
}

impl Templar {
    /// A Templar whose lookups have no vault and search the current
    /// directory.
    pub fn new() -> Templar {
        Templar::with_services(Arc::new(LookupServices::default()))
    }

    /// A Templar whose lookups use these services.
    pub fn with_services(services: Arc<LookupServices>) -> Templar {
        let mut env = super::environment();
        lookups::register(&mut env, Arc::clone(&services));
        if let Some(python) = &services.python {
            python.register(&mut env);
            python.register_collections(&mut env);
        }
        // Debug mode makes minijinja name the expression that produced an
        // undefined value, which ansible's messages need (errors.rs).
        env.set_debug(true);
        env.set_undefined_behavior(UndefinedBehavior::Chainable);
        env.set_formatter(|out, state, value| {
            if value.is_undefined() {
                // An attribute of an undefined value is the public way to
                // get an error that remembers where the value came from.
                return Err(value.get_attr("__undefined__").err().unwrap_or_else(|| {
                    minijinja::Error::new(ErrorKind::UndefinedError, "undefined value printed")
                }));
            }
            // ansible finalizes a node before joining it to others, so an
            // undefined value inside a printed list or dict is an error.
            // A failed entry of a lazy container likewise (one walk finds
            // either).
            let unusable =
                |v: &Jv| v.is_undefined() || v.kind() == minijinja::value::ValueKind::Invalid;
            if let Some(bad) = nested_matching(value, 0, &unusable) {
                if let Some(failure) = invalid_error_of(&bad) {
                    return Err(failure);
                }
                return Err(bad.get_attr("__undefined__").err().unwrap_or_else(|| {
                    minijinja::Error::new(ErrorKind::UndefinedError, "undefined value printed")
                }));
            }
            native_nodes::record(value);
            if value.is_none() {
                // ansible drops None nodes when it joins a template's output.
                return Ok(());
            }
            minijinja::escape_formatter(out, state, value)
        });
        Templar { env, services }
    }

    pub fn environment(&self) -> &Environment<'static> {
        &self.env
    }

    pub fn services(&self) -> &LookupServices {
        &self.services
    }

    /// Template `text` with `vars`; strings without template syntax are
    /// returned as they are.
    pub fn template(&self, text: &str, vars: &Map) -> Result<Value, TemplateError> {
        self.template_in(text, &to_jinja(&Value::Map(vars.clone())))
    }

    /// Template `text` with a ready minijinja context (e.g. lazy host vars).
    /// The value leaves the template system here, so a failed entry of a
    /// lazy container in it fails the template (only here: a variable
    /// that merely passes a container on must not resolve all of it).
    pub fn template_in(&self, text: &str, context: &Jv) -> Result<Value, TemplateError> {
        let value = self.template_jinja(text, context)?;
        if let Some(failure) = nested_failure(&value) {
            return Err(error(&self.env, &failure, text, text, context));
        }
        Ok(from_jinja(&value))
    }

    /// As `template_in`, keeping the minijinja value.
    pub fn template_jinja(&self, text: &str, context: &Jv) -> Result<Jv, TemplateError> {
        template_in_env(&self.env, text, context)
    }

    /// [`Templar::template_jinja`], the error saying whether it is an
    /// undefined value.
    pub fn template_jinja_kind(
        &self,
        text: &str,
        context: &Jv,
    ) -> Result<Jv, (TemplateError, bool)> {
        template_in_env_kind(&self.env, text, context)
    }

    /// Evaluate a bare expression (as `when:` conditions are) to a value.
    pub fn evaluate(&self, expr: &str, context: &Jv) -> Result<Jv, TemplateError> {
        let env = &self.env;
        let _render = ContextGuard::enter_template(context, expr);
        // Python's `%` (string formatting) as a filter call; see percent.rs.
        let rewritten = super::percent::rewrite_expression(expr);
        let expr = rewritten.as_ref();
        let compiled = env
            .compile_expression(expr)
            .map_err(|e| error(env, &e, expr, expr, context))?;
        if let Some(message) = undefined_operand(env, &compiled, expr, context) {
            return Err(TemplateError { message });
        }
        compiled
            .eval(context)
            .map_err(|e| error(env, &e, expr, expr, context))
    }
}

/// Evaluate `source`, the operand of a filter that accepts failures
/// (see `percent::CAPTURING_FILTERS`), in the caller's scope. A failure
/// becomes an invalid value carrying ansible's message for that filter
/// to look at, as ansible's error markers reach such filters; any other
/// use of it fails with that message.
pub(crate) fn capture_expression(state: &minijinja::State, source: &str) -> Jv {
    let env = state.env();
    let failed =
        |message: String| Jv::from(minijinja::Error::new(ErrorKind::InvalidOperation, message));
    let rewritten = super::percent::rewrite_expression(source);
    let expr = rewritten.as_ref();
    let compiled = match env.compile_expression(expr) {
        Ok(compiled) => compiled,
        Err(e) => return failed(error(env, &e, expr, expr, &Jv::UNDEFINED).message),
    };
    let scope: std::collections::BTreeMap<String, Jv> = compiled
        .undeclared_variables(false)
        .into_iter()
        .filter_map(|name| state.lookup(&name).map(|value| (name, value)))
        .collect();
    let context = Jv::from(scope);
    match compiled.eval(&context) {
        Ok(value) => value,
        Err(e) => {
            let message = error(env, &e, expr, expr, &context).message;
            // An undecryptable vault value stays one (`unvault` opens it).
            match super::vaulted::sealed_ciphertext(&e) {
                Some(ciphertext) => super::vaulted::undecryptable(message, &ciphertext),
                None => failed(message),
            }
        }
    }
}

/// ansible's undefined values fail any operation but the tests and filters
/// made for them (`x == 'a'` is an error when `x` is undefined), where
/// minijinja compares them quietly. For an expression without such guards
/// and without short-circuit operators (whose other side ansible might
/// never evaluate), a top-level variable that is undefined is reported as
/// ansible reports it.
fn undefined_operand(
    env: &Environment,
    compiled: &minijinja::Expression<'_, '_>,
    expr: &str,
    context: &Jv,
) -> Option<String> {
    const GUARDS: &[&str] = &[
        "defined",
        "undefined",
        "default",
        "d",
        "omit",
        "or",
        "and",
        "if",
        "lookup",
        "query",
        "q",
        "mandatory",
    ];
    let guarded = expr
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .any(|word| GUARDS.contains(&word));
    if guarded {
        return None;
    }
    let mut names: Vec<String> = compiled
        .undeclared_variables(false)
        .into_iter()
        .filter(|name| {
            !env.globals().any(|(global, _)| global == name)
                && context.get_attr(name).is_ok_and(|v| v.is_undefined())
        })
        .collect();
    names.sort();
    let name = names.first()?;
    // A variable defined as a template reading an undefined value names
    // that inner value, as ansible does.
    Some(lookups::take_undefined_reason().unwrap_or_else(|| format!("'{name}' is undefined")))
}

/// Template `text` with `env` and `context` by the rules of [`Templar`]
/// (the lookups use it for nested templates).
pub(crate) fn template_in_env(
    env: &Environment,
    text: &str,
    context: &Jv,
) -> Result<Jv, TemplateError> {
    template_in_env_kind(env, text, context).map_err(|(e, _)| e)
}

/// [`template_in_env`], the error saying whether it is an undefined value.
pub(crate) fn template_in_env_kind(
    env: &Environment,
    text: &str,
    context: &Jv,
) -> Result<Jv, (TemplateError, bool)> {
    template_in_env_checked(env, text, context, true)
}

/// [`template_in_env_kind`] for lookup terms: an undefined variable used as
/// a value inside a literal (`[{"files": missing}]`) stays an undefined
/// element, as ansible's lazy markers do, for the lookup to skip or report.
pub(crate) fn template_terms(
    env: &Environment,
    text: &str,
    context: &Jv,
) -> Result<Jv, (TemplateError, bool)> {
    template_in_env_checked(env, text, context, false)
}

fn template_in_env_checked(
    env: &Environment,
    text: &str,
    context: &Jv,
    check_operands: bool,
) -> Result<Jv, (TemplateError, bool)> {
    if !is_template(text) {
        return Ok(Jv::from(text));
    }
    let _render = ContextGuard::enter_template(context, text);
    // ansible keeps backslashes in string literals of templates as
    // written ('x\nabc' is 6 characters); minijinja would decode them.
    let escaped = keep_literal_backslashes(text);
    refuse_repeated_keyword(escaped.as_ref())?;
    // Python's `%` (string formatting) as a filter call; see percent.rs.
    let rewritten = super::percent::rewrite_template(escaped.as_ref());
    render_native_kind(env, rewritten.as_ref(), context, check_operands)
}

/// Jinja2 refuses a call naming a keyword argument twice when it compiles
/// the template (minijinja keeps the last). ansible's message ends with
/// the line of Jinja2's generated code, which is not reproduced.
fn refuse_repeated_keyword(text: &str) -> Result<(), (TemplateError, bool)> {
    match super::percent::repeated_keyword(text) {
        Some(name) => Err((
            TemplateError {
                message: format!(
                    "{}keyword argument repeated: {name}",
                    super::printf::RENDER_ERROR
                ),
            },
            false,
        )),
        None => Ok(()),
    }
}

/// Render a template file's text as ansible's template engine does for
/// the `template` lookup: no backslash escaping, a lone `{{ expr }}`
/// gives its native value. The error says whether it is an undefined
/// value (ansible passes those on rather than failing the lookup).
pub(crate) fn template_file_text(
    env: &Environment,
    text: &str,
    context: &Jv,
) -> Result<Jv, (TemplateError, bool)> {
    let _render = ContextGuard::enter_template(context, text);
    refuse_repeated_keyword(text)?;
    let text = super::macro_scope::enclose_template_names(text);
    render_native_kind(env, text.as_ref(), context, true)
}

fn render_native_kind(
    env: &Environment,
    text: &str,
    context: &Jv,
    check_operands: bool,
) -> Result<Jv, (TemplateError, bool)> {
    let fail = |e: minijinja::Error, source: &str| {
        if let Some((inner, inner_source)) = included_error(env, &e) {
            let is_undefined = inner.kind() == ErrorKind::UndefinedError;
            return (
                error(env, inner, &inner_source, &inner_source, context),
                is_undefined,
            );
        }
        let is_undefined = e.kind() == ErrorKind::UndefinedError;
        (error(env, &e, source, text, context), is_undefined)
    };
    if let Some(expr) = single_expression(env, text) {
        let compiled = env.compile_expression(expr).map_err(|e| fail(e, expr))?;
        if check_operands && let Some(message) = undefined_operand(env, &compiled, expr, context) {
            return Err((TemplateError { message }, true));
        }
        let result = compiled.eval(context).map_err(|e| fail(e, expr))?;
        if result.is_undefined() {
            // Printing it names where the undefined value came from.
            return Err(match env.render_str(text, context) {
                Err(e) => (error(env, &e, text, text, context), true),
                Ok(_) => (undefined(env, text, context), true),
            });
        }
        return Ok(result);
    }
    let capture = native_nodes::Capture::start();
    let rendered = env.render_str(text, context).map_err(|e| fail(e, text))?;
    // The template's trailing newlines are given back to text results only.
    match capture.native_result(&rendered) {
        Some(native) if native.kind() != minijinja::value::ValueKind::String => Ok(native),
        _ => Ok(Jv::from(keep_trailing_newlines(text, rendered))),
    }
}

/// An error raised inside an included or imported template, with that
/// template's text: Jinja2 reports it as the inner template's own error,
/// where minijinja wraps it in "error in \"NAME\"".
fn included_error<'e>(
    env: &Environment,
    e: &'e minijinja::Error,
) -> Option<(&'e minijinja::Error, String)> {
    let mut current = e;
    let mut found = None;
    while current.kind() == ErrorKind::BadInclude {
        let Some(inner) =
            std::error::Error::source(current).and_then(|s| s.downcast_ref::<minijinja::Error>())
        else {
            break;
        };
        found = Some(inner);
        current = inner;
    }
    let inner = found?;
    let source = inner
        .name()
        .and_then(|name| env.get_template(name).ok())
        .map(|t| t.source().to_string())?;
    Some((inner, source))
}

/// The first undefined value inside a list or dict (depth-limited: data
/// from templates is never that deep, and cycles must not hang).
pub(crate) fn nested_undefined(value: &Jv, depth: usize) -> Option<Jv> {
    nested_matching(value, depth, &Jv::is_undefined)
}

/// The first failed (invalid) value inside a list or dict: an entry of a
/// lazy container whose template failed, which fails whatever finalizes
/// the container, as ansible's markers do.
pub(crate) fn nested_failure(value: &Jv) -> Option<minijinja::Error> {
    let is_invalid = |v: &Jv| v.kind() == minijinja::value::ValueKind::Invalid;
    invalid_error_of(&nested_matching(value, 0, &is_invalid)?)
}

/// The error a failed (invalid) value carries, as a fresh error.
fn invalid_error_of(failed: &Jv) -> Option<minijinja::Error> {
    super::bridge::with_invalid_error(failed, |e| {
        minijinja::Error::new(e.kind(), e.detail().unwrap_or_default().to_string())
    })
}

fn nested_matching(value: &Jv, depth: usize, found: &dyn Fn(&Jv) -> bool) -> Option<Jv> {
    use minijinja::value::ValueKind;
    if depth > 64 {
        return None;
    }
    let check = |item: Jv| {
        if found(&item) {
            Some(item)
        } else {
            nested_matching(&item, depth + 1, found)
        }
    };
    match value.kind() {
        ValueKind::Seq => value.try_iter().ok()?.find_map(check),
        ValueKind::Map => value
            .try_iter()
            .ok()?
            .find_map(|key| check(value.get_item(&key).unwrap_or_default())),
        _ => None,
    }
}

/// ansible's native concatenation: a template whose output is exactly one
/// `{{ }}` node (`{% if x %}{{ n }}{% endif %}`) yields that node's value,
/// not its text, and one that outputs nothing yields None. The formatter
/// records the values it prints for the innermost render in progress.
/// Macros return their output as text here, where ansible's return their
/// native value: printing a macro whose body printed one value is that
/// value again, as text, so such text records do not count.
mod native_nodes {
    use minijinja::value::{Value as Jv, ValueKind};
    use std::cell::RefCell;

    /// More printed values than this: the result is text anyway.
    const MAX_RECORDS: usize = 16;

    #[derive(Default)]
    struct Frame {
        printed: Vec<Jv>,
        overflow: bool,
    }

    thread_local! {
        static FRAMES: RefCell<Vec<Frame>> = const { RefCell::new(Vec::new()) };
    }

    /// Called by the formatter for every printed value. None nodes do not
    /// count (ansible drops them before concatenating).
    pub fn record(value: &Jv) {
        if value.is_none() {
            return;
        }
        FRAMES.with(|frames| {
            if let Some(frame) = frames.borrow_mut().last_mut() {
                if frame.printed.len() < MAX_RECORDS {
                    frame.printed.push(value.clone());
                } else {
                    frame.overflow = true;
                }
            }
        });
    }

    /// A render in progress; dropping it ends the recording.
    pub struct Capture {
        depth: usize,
    }

    impl Capture {
        pub fn start() -> Capture {
            let depth = FRAMES.with(|frames| {
                let mut frames = frames.borrow_mut();
                frames.push(Frame::default());
                frames.len()
            });
            Capture { depth }
        }

        /// The native value of a finished render whose text is `rendered`.
        pub fn native_result(&self, rendered: &str) -> Option<Jv> {
            let frame = FRAMES.with(|frames| frames.borrow_mut().pop())?;
            if frame.overflow {
                return None;
            }
            if frame.printed.is_empty() {
                return rendered.is_empty().then(|| Jv::from(()));
            }
            // The output must be that value's text alone: any literal text
            // around it makes the result a string.
            if frame.printed.iter().any(|v| v.to_string() != rendered) {
                return None;
            }
            let mut data = frame
                .printed
                .iter()
                .filter(|v| v.kind() != ValueKind::String);
            match (data.next(), data.next()) {
                (Some(value), None) => Some(value.clone()),
                (None, _) if frame.printed.len() == 1 => frame.printed.into_iter().next(),
                _ => None,
            }
        }
    }

    impl Drop for Capture {
        fn drop(&mut self) {
            FRAMES.with(|frames| frames.borrow_mut().truncate(self.depth - 1));
        }
    }
}

/// ansible appends the trailing newlines of the template that Jinja2
/// dropped from the result.
fn keep_trailing_newlines(template: &str, mut rendered: String) -> String {
    let count = |s: &str| s.len() - s.trim_end_matches('\n').len();
    let missing = count(template).saturating_sub(count(&rendered));
    rendered.push_str(&"\n".repeat(missing));
    rendered
}

/// ansible's message for `e`, raised by `source` (what was compiled)
/// while templating `text`.
fn error(
    env: &Environment,
    e: &minijinja::Error,
    source: &str,
    text: &str,
    context: &Jv,
) -> TemplateError {
    // Errors raised inside lazy variables and by plugins carry ansible's
    // text already.
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cause {
        if let Some(inner) = err.downcast_ref::<minijinja::Error>()
            && let Some(detail) = inner.detail()
            && (detail.starts_with(super::lazy::RECURSION_MESSAGE) || is_plugin_error(detail))
        {
            let message = super::errors::plugin_message(env, detail, source, context);
            return TemplateError { message };
        }
        cause = err.source();
    }
    if let Some(message) = lookups::take_undefined_reason() {
        // The reason was left by the last undefined variable read, which
        // is not always the one that failed (minijinja reads every
        // variable of an expression again to describe an error): when the
        // error names the failing variable, only its own reason counts.
        let Some(name) = e
            .detail()
            .and_then(super::errors::undefined_description)
            .map(|expr| {
                expr.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .next()
                    .unwrap_or(expr)
            })
            .filter(|name| !name.is_empty())
        else {
            return TemplateError { message };
        };
        let _ = context.get_attr(name);
        if let Some(own) = lookups::take_undefined_reason() {
            return TemplateError { message: own };
        }
    }
    match super::errors::message(env, e, source, context) {
        Some(message) => TemplateError { message },
        None => undefined(env, text, context),
    }
}

/// ansible's "'NAME' is undefined", naming the first variable the
/// template reads that is not defined (or why a lookup's result is
/// undefined).
fn undefined(env: &Environment, text: &str, context: &Jv) -> TemplateError {
    if let Some(message) = lookups::take_undefined_reason() {
        return TemplateError { message };
    }
    let names = match single_expression(env, text) {
        Some(expr) => env
            .compile_expression(expr)
            .map(|e| e.undeclared_variables(false))
            .ok(),
        None => env
            .template_from_str(text)
            .map(|t| t.undeclared_variables(false))
            .ok(),
    };
    // Globals (`lookup`, `range`, ...) are not variables.
    let defined = |name: &str| {
        env.globals().any(|(global, _)| global == name)
            || context.get_attr(name).is_ok_and(|v| !v.is_undefined())
    };
    let mut missing: Vec<String> = names
        .unwrap_or_default()
        .into_iter()
        .filter(|n| !defined(n))
        .collect();
    missing.sort();
    match missing.first() {
        Some(name) => TemplateError {
            message: format!("'{name}' is undefined"),
        },
        None => TemplateError {
            message: "an undefined value was used".into(),
        },
    }
}

/// ansible's words for a failing plugin: "The lookup plugin 'x' failed:
/// ..." (also "was not found", "failed to load", filters and tests).
fn is_plugin_error(detail: &str) -> bool {
    [
        "The lookup plugin ",
        "The filter plugin ",
        "The test plugin ",
    ]
    .iter()
    .any(|p| detail.starts_with(p))
}

/// `text` without `{# ... #}` comments at its start and end.
fn strip_outer_comments(mut text: &str) -> &str {
    while let Some(rest) = text.strip_prefix("{#") {
        match rest.find("#}") {
            Some(end) => text = &rest[end + 2..],
            None => break,
        }
    }
    while let Some(body) = text.strip_suffix("#}") {
        match body.rfind("{#") {
            Some(start) => text = &body[..start],
            None => break,
        }
    }
    text
}

/// Rewrite the string literals inside `{{ }}` and `{% %}` blocks so that
/// minijinja's escape decoding yields the backslashes as written: each `\`
/// becomes `\\`, and an escaped quote stays escaped. Text outside blocks,
/// comments and `{% raw %}` sections are left alone. Conditionals
/// (`Templar::evaluate`) do not get this: ansible decodes escapes there.
pub fn keep_literal_backslashes(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains('\\') {
        return std::borrow::Cow::Borrowed(text);
    }
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + 8);
    let mut i = 0;
    while i < chars.len() {
        let opens = |c: char| chars.get(i) == Some(&'{') && chars.get(i + 1) == Some(&c);
        if opens('#') {
            let end = find_seq(&chars, i + 2, &['#', '}']).map_or(chars.len(), |e| e + 2);
            out.extend(&chars[i..end]);
            i = end;
        } else if opens('%') && is_raw_start(&chars, i) {
            let end = find_endraw(&chars, i + 2).unwrap_or(chars.len());
            out.extend(&chars[i..end]);
            i = end;
        } else if opens('{') || opens('%') {
            let close = if chars[i + 1] == '{' { '}' } else { '%' };
            out.push(chars[i]);
            out.push(chars[i + 1]);
            i += 2;
            i = copy_block(&chars, i, close, &mut out);
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Copy a block's body up to and including its closing delimiter, doubling
/// backslashes inside string literals.
fn copy_block(chars: &[char], mut i: usize, close: char, out: &mut String) -> usize {
    while i < chars.len() {
        let c = chars[i];
        if c == close && chars.get(i + 1) == Some(&'}') {
            out.push(c);
            out.push('}');
            return i + 2;
        }
        if c == '\'' || c == '"' {
            out.push(c);
            i += 1;
            while i < chars.len() && chars[i] != c {
                if chars[i] == '\\' {
                    out.push_str("\\\\");
                    if chars.get(i + 1) == Some(&c) {
                        out.push('\\');
                        out.push(c);
                        i += 2;
                        continue;
                    }
                    i += 1;
                    continue;
                }
                out.push(chars[i]);
                i += 1;
            }
            if i < chars.len() {
                out.push(c);
                i += 1;
            }
            continue;
        }
        out.push(c);
        i += 1;
    }
    i
}

fn find_seq(chars: &[char], from: usize, seq: &[char]) -> Option<usize> {
    (from..chars.len()).find(|&k| chars[k..].starts_with(seq))
}

/// `{% raw %}` (with optional `-`/`+` whitespace control).
fn is_raw_start(chars: &[char], i: usize) -> bool {
    let Some(end) = find_seq(chars, i + 2, &['%', '}']) else {
        return false;
    };
    let body: String = chars[i + 2..end].iter().collect();
    body.trim_matches(|c: char| c == '-' || c == '+' || c.is_whitespace()) == "raw"
}

/// The index just past the `{% endraw %}` that closes a raw section.
fn find_endraw(chars: &[char], mut from: usize) -> Option<usize> {
    while let Some(start) = find_seq(chars, from, &['{', '%']) {
        let end = find_seq(chars, start + 2, &['%', '}'])?;
        let body: String = chars[start + 2..end].iter().collect();
        if body.trim_matches(|c: char| c == '-' || c == '+' || c.is_whitespace()) == "endraw" {
            return Some(end + 2);
        }
        from = end + 2;
    }
    None
}

/// The `template` action's rendering of a template file: text out (a lone
/// expression gives its value as text), trailing newlines kept. `options`
/// are the action's arguments: `trim_blocks`, `lstrip_blocks` and the
/// `*_start_string`/`*_end_string` delimiters change the syntax;
/// `newline_sequence` the line ends. `searchpath` is where `{% include %}`,
/// `import` and `extends` find templates.
pub fn render_template_file(
    templar: &Templar,
    text: &str,
    context: &Jv,
    options: &crate::value::Map,
    searchpath: &[std::path::PathBuf],
) -> Result<String, TemplateError> {
    // A `#jinja2:` first line overrides the action's options.
    let (text, header) = template_overrides(text)?;
    let merged: crate::value::Map;
    let options = if header.is_empty() {
        options
    } else {
        let mut all = options.clone();
        all.extend(header);
        merged = all;
        &merged
    };
    let syntax = template_syntax(options)?;
    let value = if syntax.is_some() || uses_other_templates(text) {
        let mut env = templar.environment().clone();
        if let Some(syntax) = syntax {
            env.set_syntax(syntax);
        }
        let dirs = searchpath.to_vec();
        env.set_loader(move |name: &str| {
            Ok(dirs
                .iter()
                .map(|d| d.join(name))
                .find(|p| p.is_file())
                .and_then(|p| std::fs::read_to_string(p).ok())
                .map(|text| super::macro_scope::enclose_template_names(&text).into_owned()))
        });
        template_file_text(&env, text, context).map_err(|(e, _)| e)?
    } else {
        template_file_text(templar.environment(), text, context).map_err(|(e, _)| e)?
    };
    // A template that outputs nothing is None to ansible; the file is empty.
    let rendered = match from_jinja(&value) {
        Value::Null => String::new(),
        other => other.python_str(),
    };
    Ok(
        match options.get("newline_sequence").map(|v| v.python_str()) {
            Some(seq) if seq == "\\r\\n" || seq == "\r\n" => rendered.replace('\n', "\r\n"),
            _ => rendered,
        },
    )
}

/// The syntax the template action's options ask for, or `None` for
/// ansible's defaults.
fn template_syntax(
    options: &crate::value::Map,
) -> Result<Option<minijinja::syntax::SyntaxConfig>, TemplateError> {
    let text = |key: &str, default: &str| -> String {
        options
            .get(key)
            .filter(|v| !matches!(v, crate::value::Value::Null))
            .map(crate::value::Value::python_str)
            .unwrap_or_else(|| default.to_string())
    };
    let flag = |key: &str, default: bool| -> bool {
        options
            .get(key)
            .and_then(crate::value::Value::ansible_bool)
            .unwrap_or(default)
    };
    // Every override but the two applied after rendering.
    let syntax_keys = OVERRIDE_FIELDS
        .iter()
        .filter(|k| !matches!(**k, "newline_sequence" | "keep_trailing_newline"));
    if !syntax_keys.clone().any(|k| options.contains_key(*k)) {
        return Ok(None);
    }
    let mut builder = minijinja::syntax::SyntaxConfig::builder();
    if let Some(prefix) = options
        .get("line_statement_prefix")
        .filter(|v| !matches!(v, Value::Null))
    {
        builder.line_statement_prefix(prefix.python_str());
    }
    if let Some(prefix) = options
        .get("line_comment_prefix")
        .filter(|v| !matches!(v, Value::Null))
    {
        builder.line_comment_prefix(prefix.python_str());
    }
    builder
        .trim_blocks(flag("trim_blocks", true))
        .lstrip_blocks(flag("lstrip_blocks", false))
        .block_delimiters(
            text("block_start_string", "{%"),
            text("block_end_string", "%}"),
        )
        .variable_delimiters(
            text("variable_start_string", "{{"),
            text("variable_end_string", "}}"),
        )
        .comment_delimiters(
            text("comment_start_string", "{#"),
            text("comment_end_string", "#}"),
        )
        .build()
        .map(Some)
        .map_err(|e| TemplateError {
            message: e.to_string(),
        })
}

/// The fields a `#jinja2:` header may set (`TemplateOverrides`).
const OVERRIDE_FIELDS: &[&str] = &[
    "block_start_string",
    "block_end_string",
    "variable_start_string",
    "variable_end_string",
    "comment_start_string",
    "comment_end_string",
    "line_statement_prefix",
    "line_comment_prefix",
    "trim_blocks",
    "lstrip_blocks",
    "newline_sequence",
    "keep_trailing_newline",
];

/// A template's `#jinja2: key: value, ...` first line, as ansible reads
/// it (`_extract_template_overrides`): the rest of the text and the
/// overrides, values as Python literals; ansible's errors otherwise.
fn template_overrides(text: &str) -> Result<(&str, crate::value::Map), TemplateError> {
    const HEADER: &str = "#jinja2:";
    let mut overrides = crate::value::Map::new();
    let Some(rest) = text.strip_prefix(HEADER) else {
        return Ok((text, overrides));
    };
    let fail = |message: String| TemplateError { message };
    let Some(eol) = rest.find('\n') else {
        return Err(fail(format!("Missing newline after '{HEADER}' override.")));
    };
    for pair in rest[..eol].split(',') {
        if pair.trim().is_empty() {
            return Err(fail(format!("Empty '{HEADER}' override pair not allowed.")));
        }
        let Some((key, value)) = pair.split_once(':') else {
            return Err(fail(format!(
                "Missing key-value separator `:` in '{HEADER}' override pair '{pair}'."
            )));
        };
        let key = key.trim();
        if !OVERRIDE_FIELDS.contains(&key) {
            return Err(fail(format!("Invalid '{HEADER}' override key '{key}'.")));
        }
        let value = python_literal(value.trim()).ok_or_else(|| {
            fail(format!(
                "malformed node or string in '{HEADER}' override: {value}"
            ))
        })?;
        overrides.insert(key.to_string(), value);
    }
    Ok((&rest[eol + 1..], overrides))
}

/// The Python literals a `#jinja2:` value may be: booleans, None, ints and
/// quoted strings with the usual escapes.
fn python_literal(text: &str) -> Option<Value> {
    match text {
        "True" => return Some(Value::Bool(true)),
        "False" => return Some(Value::Bool(false)),
        "None" => return Some(Value::Null),
        _ => {}
    }
    if let Ok(i) = text.parse::<i64>() {
        return Some(Value::Int(i));
    }
    let quote = text.chars().next().filter(|c| *c == '\'' || *c == '"')?;
    let body = text.strip_prefix(quote)?.strip_suffix(quote)?;
    let mut out = String::new();
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            other => out.push(other),
        }
    }
    Some(Value::str(out))
}

/// Does a template name other templates (include, import, extends)?
fn uses_other_templates(text: &str) -> bool {
    text.contains("{%")
        && ["include", "import", "extends", "from"]
            .iter()
            .any(|w| text.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> Map {
        let mut m = Map::new();
        m.insert("d".into(), Value::Map(Map::new()));
        m.insert("n".into(), Value::Int(1));
        m.insert("s".into(), Value::str("a b"));
        m.insert("l".into(), Value::List(vec![Value::Int(1), Value::Int(2)]));
        m
    }

    /// Expected results observed from ansible-core 2.19's Templar with the
    /// same variables (d={}, n=1, s='a b', l=[1, 2]).
    #[test]
    fn matches_ansible_native_and_undefined_rules() {
        let t = Templar::new();
        let v = vars();
        let ok = |tpl: &str, want: Value| assert_eq!(t.template(tpl, &v), Ok(want), "{tpl}");
        ok("{{ foo.bar | default('x') }}", Value::str("x"));
        ok("{{ foo is defined }}", Value::Bool(false));
        ok("x {{ n }} y", Value::str("x 1 y"));
        ok("{{ n }}{{ n }}", Value::str("11"));
        ok("{{ l }}", Value::List(vec![Value::Int(1), Value::Int(2)]));
        ok(" {{ l }}", Value::str(" [1, 2]"));
        ok("{{ d.bar | default(5) }}", Value::Int(5));
        ok("{{ s }}", Value::str("a b"));
        ok("{{ n + 1 }}", Value::Int(2));
        ok("plain", Value::str("plain"));
        ok(
            "{{ {'a': {'b': 1}}['a'] }}",
            Value::Map(Map::from_iter([("b".to_string(), Value::Int(1))])),
        );
        let err = |tpl: &str, want: &str| {
            assert_eq!(
                t.template(tpl, &v).map_err(|e| e.message),
                Err(want.to_string()),
                "{tpl}"
            )
        };
        // Backslashes in literals stay as written (observed with ansible).
        ok(r"{{ 'x\nabc' | length }}", Value::Int(6));
        ok(r"{{ 'a\\b' }}", Value::str(r"a\\b"));
        ok(r"{{ 'it\'s' }}", Value::str(r"it\'s"));
        ok(r#"{{ "q\"q" }}"#, Value::str(r#"q\"q"#));
        ok(r"x{{ 'a\\nb' }}y", Value::str(r"xa\\nby"));
        ok(
            r"{% raw %}{{ 'a\nb' }}{% endraw %}",
            Value::str(r"{{ 'a\nb' }}"),
        );
        ok(r"{# 'c\n' #}{{ 'd\n' | length }}", Value::Int(3));
        let ctx = to_jinja(&Value::Map(v.clone()));
        assert_eq!(
            t.evaluate(r"('x\nabc' | length) == 5", &ctx)
                .map(|r| r.is_true()),
            Ok(true)
        );
        err("{{ foo }}", "'foo' is undefined");
        err("{{ foo.bar.baz }}", "'foo' is undefined");
    }
}
