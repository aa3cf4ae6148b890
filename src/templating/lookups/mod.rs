//! ansible-core's lookup plugins, written in Rust, and the template globals
//! that call them: `lookup(name, *terms, **kwargs)`, `query(...)` and its
//! alias `q(...)`, with ansible 2.19's rules (see `invoke`).
//!
//! # Layout
//! - here: [`LookupServices`] (what lookups need from the run: vault,
//!   configuration, the loader's base directory, collected warnings),
//!   [`LookupError`], the registry of lookups, the globals and
//!   [`run_lookup`] for `with_<lookup>` loops.
//! - `context.rs`: how a lookup reads template variables (`ansible_search_path`,
//!   `role_path`, `groups`, ...), through minijinja's `State` or a given
//!   context.
//! - `options.rs`: lookup options (kwargs) typed as ansible's config
//!   manager types them, with its error texts.
//! - `search.rs`: ansible's `find_file_in_search_path` and file reading
//!   (vault decryption included).
//! - one file per theme: `files.rs` (file, fileglob, first_found, unvault),
//!   `template.rs`, `data.rs` (items, list, dict, indexed_items, nested,
//!   together, subelements, random_choice, vars, varnames, env),
//!   `commands.rs` (pipe, lines), `sequence.rs`, `ini.rs`, `csvfile.rs`,
//!   `password.rs`, `inventory.rs` (inventory_hostnames), `config.rs`,
//!   `url.rs` (done in the controller's Python worker).
//!
//! # API for the executor
//! `with_<name>` loops call
//! [`run_lookup`]`(templar, name, terms, &kwargs, context, Some(action))`:
//! `terms` is the task's `with_` value as written (a string is templated and
//! wrapped in a list when it does not give one; each term is then templated,
//! as ansible does), `action` the task's action name (first_found picks its
//! search subdirectory from it), `context` the host's template variables
//! (usually a [`LazyVars`](super::lazy::LazyVars) context, holding
//! `ansible_search_path`). The result is the lookup's list, unmodified
//! (`wantlist=True`). Errors are [`LookupError`]s worded as ansible words
//! them (an undefined term or result is `LookupError::Undefined` with
//! ansible's reason, e.g. "'x' is undefined"). Warnings lookups raise
//! (`errors='warn'`, missing files) are collected in
//! [`LookupServices::take_warnings`]; the caller prints them.

mod commands;
mod config;
mod context;
mod csvfile;
mod data;
mod files;
mod ini;
mod inventory;
mod options;
mod password;
mod search;
mod sequence;
mod template;
mod url;

#[cfg(test)]
mod tests;

pub use context::{
    ContextGuard, WarningOriginGuard, is_undef_hint, take_failed_variable, take_undefined_reason,
};
pub use context::{ErrorCause, take_error_cause};
pub(crate) use context::{forget_undefined_reason, set_failed_variable, set_undefined_reason};

use crate::config::Config;
use crate::value::{Map, Value};
use crate::vault::Vault;
use context::Vars;
use indexmap::IndexMap;
use minijinja::value::{Kwargs, Rest, Value as Jv, ValueKind};
use minijinja::{Environment, Error, ErrorKind, State};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use super::bridge::{from_jinja, to_jinja};
use super::render::Templar;

/// What lookups need from the run they are part of.
pub struct LookupServices {
    /// Secrets for vaulted files (`file`, `unvault`, `template`, `ini`, ...).
    pub vault: Option<Arc<Vault>>,
    /// The run's configuration, for the `config` lookup.
    pub config: Option<Arc<Config>>,
    /// The loader's base directory (the playbook's directory): the last
    /// place files are searched, and the working directory of `pipe`.
    pub base_dir: PathBuf,
    /// The project's own Python plugins, when it has any.
    pub python: Option<Arc<super::python_plugins::PythonPlugins>>,
    /// The controller's Python worker, for lookups done with Python's
    /// standard library (`url`); `None` where there is none (tests).
    pub controller_python: Option<Arc<dyn super::python_plugins::PluginWorker>>,
    warnings: Mutex<Vec<String>>,
}

impl std::fmt::Debug for LookupServices {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LookupServices")
            .field("vault", &self.vault)
            .field("config", &self.config)
            .field("base_dir", &self.base_dir)
            .field("python", &self.python)
            .field("controller_python", &self.controller_python.is_some())
            .finish()
    }
}

impl Default for LookupServices {
    /// No vault, no configuration, the current directory as base.
    fn default() -> Self {
        LookupServices::new(None, None, PathBuf::from(crate::pypath::cwd()))
    }
}

impl LookupServices {
    pub fn new(
        vault: Option<Arc<Vault>>,
        config: Option<Arc<Config>>,
        base_dir: PathBuf,
    ) -> LookupServices {
        LookupServices {
            vault,
            config,
            base_dir,
            python: None,
            controller_python: None,
            warnings: Mutex::new(Vec::new()),
        }
    }

    /// The warnings lookups raised since the last call, in order (the text
    /// ansible prints after `[WARNING]: `).
    pub fn take_warnings(&self) -> Vec<String> {
        self.warnings
            .lock()
            .map(|mut w| std::mem::take(&mut *w))
            .unwrap_or_default()
    }

    pub(crate) fn warn(&self, message: impl Into<String>) {
        if let Ok(mut w) = self.warnings.lock() {
            w.push(message.into());
        }
    }

    /// A warning about the text being templated: the message, then where
    /// that text was written (when known) and the help, as ansible shows a
    /// warning that carries an origin.
    pub(crate) fn warn_at_origin(&self, message: &str, help: &str) {
        match context::warning_origin() {
            Some(origin) => self.warn(format!("{message}\n{origin}\n\n{help}\n")),
            None => self.warn(message),
        }
    }

    fn base_dir_text(&self) -> String {
        self.base_dir.to_string_lossy().into_owned()
    }
}

/// A lookup that failed, worded as ansible words it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LookupError {
    #[error("The lookup plugin {name} was not found.")]
    NotFound { name: String },
    #[error("The lookup plugin {name} failed to load: {reason}")]
    LoadFailed { name: String, reason: String },
    /// The lookup raised; `message` is its own text.
    #[error("The lookup plugin {name} failed: {message}")]
    Failed { name: String, message: String },
    /// The lookup gave an undefined value (`vars` of a missing variable,
    /// `env` with an undefined default); `message` says why.
    #[error("{message}")]
    Undefined { message: String },
    /// Templates nested without end (ansible reports the recursion as it
    /// is, not as the lookup's failure).
    #[error("{message}")]
    Recursion { message: String },
}

/// A lookup's own failure (before ansible wraps it with the plugin name).
pub(crate) type Failure = String;

/// One lookup call: the services, the variables, and how it was invoked.
pub(crate) struct Call<'a> {
    pub services: &'a LookupServices,
    pub vars: Vars<'a>,
    pub env: &'a Environment<'a>,
    /// The task action when invoked as `with_<name>`.
    pub with_action: Option<&'a str>,
}

impl Call<'_> {
    /// `LookupBase.get_basedir`: `role_path` when set, else the loader's.
    pub fn basedir(&self) -> String {
        match self.vars.get("role_path").map(|v| from_jinja(&v)) {
            Some(Value::Str(p)) => p,
            Some(other) if !matches!(other, Value::Null) => other.python_str(),
            _ => self.services.base_dir_text(),
        }
    }
}

/// A lookup: terms (already templated) and options → its list of results.
pub(crate) type LookupFn = fn(&Call, Vec<Jv>, &IndexMap<String, Jv>) -> Result<Vec<Jv>, Failure>;

struct Plugin {
    name: &'static str,
    run: LookupFn,
    /// Whether undefined terms reach the lookup (ansible's
    /// `accept_args_markers`); others return the first undefined term.
    accepts_undefined: bool,
}

const PLUGINS: &[Plugin] = &[
    plugin("config", config::config),
    plugin("csvfile", csvfile::csvfile),
    plugin("dict", data::dict),
    plugin_undef("env", data::env),
    plugin("file", files::file),
    plugin("fileglob", files::fileglob),
    plugin_undef("first_found", files::first_found),
    plugin("indexed_items", data::indexed_items),
    plugin("ini", ini::ini),
    plugin("inventory_hostnames", inventory::inventory_hostnames),
    plugin("items", data::items),
    plugin("lines", commands::lines),
    plugin("list", data::list),
    plugin("nested", data::nested),
    plugin("password", password::password),
    plugin("pipe", commands::pipe),
    plugin("random_choice", data::random_choice),
    plugin("sequence", sequence::sequence),
    plugin("subelements", data::subelements),
    plugin("template", template::template),
    plugin("together", data::together),
    plugin("unvault", files::unvault),
    plugin("url", url::url),
    plugin("varnames", data::varnames),
    plugin("vars", data::vars),
];

const fn plugin(name: &'static str, run: LookupFn) -> Plugin {
    Plugin {
        name,
        run,
        accepts_undefined: false,
    }
}

const fn plugin_undef(name: &'static str, run: LookupFn) -> Plugin {
    Plugin {
        name,
        run,
        accepts_undefined: true,
    }
}

/// The lookup called `name`: its short name or `ansible.builtin.`/
/// `ansible.legacy.` + it.
fn find_plugin(name: &str) -> Option<&'static Plugin> {
    let short = name
        .strip_prefix("ansible.builtin.")
        .or_else(|| name.strip_prefix("ansible.legacy."))
        .unwrap_or(name);
    PLUGINS.iter().find(|p| p.name == short)
}

/// The options the builtin lookup `name` declares (`None`: no such lookup).
pub(crate) fn option_defs(name: &str) -> Option<&'static [options::OptionDef]> {
    let plugin = find_plugin(name)?;
    Some(match plugin.name {
        "config" => config::OPTIONS,
        "csvfile" => csvfile::OPTIONS,
        "file" => files::FILE_OPTIONS,
        "first_found" => files::FIRST_FOUND_OPTIONS,
        "ini" => ini::OPTIONS,
        "password" => password::OPTIONS,
        "sequence" => sequence::OPTIONS,
        "template" => template::OPTIONS,
        "url" => url::OPTIONS,
        "vars" => data::VARS_OPTIONS,
        _ => &[],
    })
}

/// The names of every builtin lookup.
pub fn lookup_names() -> impl Iterator<Item = &'static str> {
    PLUGINS.iter().map(|p| p.name)
}

/// Register `lookup`, `query`, `q` (with these services) and `undef`.
pub fn register(env: &mut Environment<'static>, services: Arc<LookupServices>) {
    env.add_function("undef", undef);
    for (global, wantlist) in [("lookup", false), ("query", true), ("q", true)] {
        let services = Arc::clone(&services);
        env.add_function(
            global,
            move |state: &State, args: Rest<Jv>, kwargs: Kwargs| -> Result<Jv, Error> {
                call_global(state, &services, args.0, kwargs, wantlist)
            },
        );
    }
}

/// ansible's `undef(hint=None)`: an undefined value (for a variable that
/// must be overridden) whose use fails with the hint.
fn undef(args: Rest<Jv>, kwargs: Kwargs) -> Result<Jv, Error> {
    let hint = match (args.0.as_slice(), kwargs.get::<Option<Jv>>("hint")?) {
        ([], None) => None,
        ([hint], None) => Some(hint.clone()),
        ([], Some(hint)) => Some(hint),
        _ => {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                "undef() takes from 0 to 1 positional arguments",
            ));
        }
    };
    kwargs.assert_all_used()?;
    let hint = match hint {
        Some(h) if h.is_none() => None,
        Some(h) if h.kind() == ValueKind::String => Some(h.to_string()),
        Some(h) => {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                format!(
                    "{}The 'hint' argument must be of type 'str' or 'NoneType', not '{}'.",
                    super::printf::RENDER_ERROR,
                    super::filters::core::type_name(&h)
                ),
            ));
        }
        None => None,
    };
    let hint = hint
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "Mandatory variable has not been overridden".to_string());
    context::set_undef_hint(&hint);
    Ok(Jv::UNDEFINED)
}

fn call_global(
    state: &State,
    services: &LookupServices,
    mut args: Vec<Jv>,
    kwargs: Kwargs,
    force_wantlist: bool,
) -> Result<Jv, Error> {
    if args.is_empty() {
        let func = if force_wantlist { "_query" } else { "_lookup" };
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            format!("{func}() missing 1 required positional argument: 'plugin_name'"),
        ));
    }
    let name = args.remove(0);
    let mut options: IndexMap<String, Jv> = IndexMap::new();
    for key in kwargs.args() {
        let value: Jv = kwargs.get(key)?;
        options.insert(key.to_string(), value);
    }
    if force_wantlist {
        options.insert("wantlist".into(), Jv::from(true));
    }
    let vars = Vars::from_state(state);
    let result = invoke(services, state.env(), vars, &name, args, options, None);
    result.map_err(|e| match e {
        LookupError::Undefined { message } => {
            context::set_undefined_reason(&message);
            Error::new(ErrorKind::UndefinedError, message)
        }
        other => Error::new(ErrorKind::InvalidOperation, other.to_string()),
    })
}

/// The variables a Python lookup's `run` receives: every variable that
/// resolves (ansible hands over its lazy variable dict), except the
/// other hosts' variables, which are left out to keep each call small.
fn python_variables(call: &Call) -> crate::value::Map {
    let mut out = crate::value::Map::new();
    for name in call.vars.names() {
        if matches!(name.as_str(), "hostvars" | "vars") {
            continue;
        }
        if let Some(value) = call.vars.get(&name) {
            let value = from_jinja(&value);
            out.insert(name, value);
        }
    }
    out
}

/// ansible's `_invoke_lookup`: find the lookup, short-circuit undefined
/// arguments, template string terms that hold templates (ansible does
/// this for constant strings, with a deprecation warning), run it, and
/// shape the result:
/// - `errors='warn'` / `'ignore'`: a failure gives `None` (`[]` with
///   `wantlist`), with a warning for `warn`;
/// - without `wantlist`, a one-item result is that item, a result of
///   several strings is joined with commas, any other is the list.
fn invoke(
    services: &LookupServices,
    env: &Environment,
    vars: Vars,
    name: &Jv,
    terms: Vec<Jv>,
    mut kwargs: IndexMap<String, Jv>,
    with_action: Option<&str>,
) -> Result<Jv, LookupError> {
    let shown_name = super::filters::math::py::repr(name);
    let Some(name_text) = name.as_str() else {
        return Err(LookupError::LoadFailed {
            name: shown_name,
            reason: format!(
                "unsupported type <class '{}'>",
                super::filters::math::py::type_name(name)
            ),
        });
    };
    let python = services
        .python
        .as_ref()
        .and_then(|p| p.lookup_path(name_text).map(|path| (p, path)));
    let builtin = find_plugin(name_text);
    if python.is_none() && builtin.is_none() {
        return Err(LookupError::NotFound {
            name: shown_name.clone(),
        });
    }
    let accepts_undefined = python.is_none() && builtin.is_some_and(|p| p.accepts_undefined);
    // ansible returns the first undefined argument instead of running a
    // lookup that does not handle them.
    if !accepts_undefined && terms.iter().chain(kwargs.values()).any(Jv::is_undefined) {
        return Ok(Jv::UNDEFINED);
    }
    let wantlist = kwargs
        .shift_remove("wantlist")
        .is_some_and(|w| from_jinja(&w).is_truthy());
    let errors = kwargs
        .shift_remove("errors")
        .and_then(|e| e.as_str().map(str::to_string))
        .unwrap_or_else(|| "strict".into());
    let call = Call {
        services,
        vars,
        env,
        with_action,
    };
    let outcome = match (python, builtin) {
        (Some((plugins, path)), _) => {
            let short = name_text
                .strip_prefix("ansible.legacy.")
                .unwrap_or(name_text);
            match template_terms(&call, terms) {
                Err(message) => Err(message),
                Ok(terms) => {
                    use super::python_plugins::LookupFailure;
                    let options: crate::value::Map = kwargs
                        .iter()
                        .map(|(k, v)| (k.clone(), from_jinja(v)))
                        .collect();
                    let terms = terms.iter().map(from_jinja).collect();
                    match plugins.lookup(short, path, terms, options, python_variables(&call)) {
                        Ok(values) => Ok(values.iter().map(super::bridge::to_jinja).collect()),
                        Err(LookupFailure::Load(reason)) => {
                            return Err(LookupError::LoadFailed {
                                name: shown_name,
                                reason,
                            });
                        }
                        Err(LookupFailure::Failed(message) | LookupFailure::Worker(message)) => {
                            Err(message)
                        }
                    }
                }
            }
        }
        (None, Some(plugin)) => {
            template_terms(&call, terms).and_then(|terms| (plugin.run)(&call, terms, &kwargs))
        }
        (None, None) => return Err(LookupError::NotFound { name: shown_name }),
    };
    let results = match outcome {
        Ok(results) => results,
        Err(message) => {
            // ansible's messages never end in whitespace.
            let message = message.trim_end().to_string();
            if message.starts_with(super::lazy::RECURSION_MESSAGE) {
                return Err(LookupError::Recursion { message });
            }
            if matches!(errors.as_str(), "warn" | "ignore") {
                // A failure turned into a warning or nothing is reported
                // by no task error.
                context::take_error_cause();
            }
            match errors.as_str() {
                "warn" => services.warn(format!(
                    "An error occurred while running the lookup plugin {shown_name}: {message}"
                )),
                "ignore" => {}
                _ => {
                    return Err(LookupError::Failed {
                        name: shown_name,
                        message,
                    });
                }
            }
            return Ok(if wantlist {
                Jv::from(Vec::<Jv>::new())
            } else {
                Jv::from(())
            });
        }
    };
    if results.iter().any(|v| v.is_undefined()) {
        // A lone undefined result stays undefined (so `| default(...)`
        // works); inside a list it is an error when the list is used.
        if !wantlist && results.len() == 1 {
            return Ok(Jv::UNDEFINED);
        }
        return Err(LookupError::Undefined {
            message: context::take_undefined_reason()
                .unwrap_or_else(|| "an undefined value was used".into()),
        });
    }
    if wantlist || results.is_empty() {
        return Ok(Jv::from(results));
    }
    if results.len() == 1 {
        return Ok(results.into_iter().next().unwrap_or_default());
    }
    if results.iter().all(|v| v.kind() == ValueKind::String) {
        let joined: Vec<&str> = results.iter().filter_map(|v| v.as_str()).collect();
        return Ok(Jv::from(joined.join(",")));
    }
    Ok(Jv::from(results))
}

/// ansible templates the constant strings of a template that are given to
/// a lookup (`lookup('file', '{{ playbook_dir }}/x')`, deprecated). A
/// term is taken for a constant when the template's text holds it
/// literally; values of variables are never templated again (they may be
/// `!unsafe` or come from a host).
fn template_terms(call: &Call, terms: Vec<Jv>) -> Result<Vec<Jv>, Failure> {
    terms
        .into_iter()
        .map(|term| template_constant(call, term, 0))
        .collect()
}

/// A term, with the strings written in the template that hold templates
/// templated, also inside list and dict literals (`lookup('list',
/// ['{{ 1 }}'])` gives `[1]`), as ansible does with a deprecation warning.
/// Other values (variables' contents) are left alone.
fn template_constant(call: &Call, term: Jv, depth: usize) -> Result<Jv, Failure> {
    if let Some(text) = term.as_str() {
        if super::render::is_template(text) && context::is_constant_of_template(text) {
            call.services.warn_at_origin(
                "Jinja constant strings should not contain embedded templates. This feature \
                 will be disabled by default in ansible-core 2.23.",
                "Use inline expressions, for example: \
                 `msg: \"{{ lookup('env', '{{ a_var }}') }}\"` becomes \
                 `msg: \"{{ lookup('env', a_var) }}\"`",
            );
            return super::render::template_in_env(call.env, text, &call.vars.context())
                .map_err(|e| e.message);
        }
        return Ok(term);
    }
    if depth >= 8 {
        return Ok(term);
    }
    // Only the containers a template literal builds.
    if let Some(items) = term.downcast_object_ref::<Vec<Jv>>() {
        return items
            .iter()
            .map(|item| template_constant(call, item.clone(), depth + 1))
            .collect::<Result<Vec<Jv>, Failure>>()
            .map(Jv::from);
    }
    if let Some(map) = term.downcast_object_ref::<IndexMap<Jv, Jv>>() {
        let mut out = IndexMap::new();
        for (k, v) in map {
            out.insert(k.clone(), template_constant(call, v.clone(), depth + 1)?);
        }
        return Ok(Jv::from_object(out));
    }
    Ok(term)
}

/// Run lookup `name` as `with_<name>` does (or as `query` with these
/// kwargs when `with_action` is `None`): see the module documentation.
pub fn run_lookup(
    templar: &Templar,
    name: &str,
    terms: Value,
    kwargs: &Map,
    context: &Jv,
    with_action: Option<&str>,
) -> Result<Vec<Value>, LookupError> {
    let _guard = ContextGuard::enter(context);
    let failed = |message: String| LookupError::Failed {
        name: super::filters::math::py::repr(&Jv::from(name)),
        message,
    };
    let terms = match terms {
        Value::Str(text) => {
            let templated = super::render::template_terms(templar.environment(), &text, context)
                .map_err(|(e, undefined)| match undefined {
                    true => LookupError::Undefined { message: e.message },
                    false => failed(e.message),
                })?;
            // Kept as template values, so undefined elements reach the
            // lookup; string elements are templated once more as ansible
            // does with terms.
            match templated.kind() {
                ValueKind::Seq | ValueKind::Iterable => templated
                    .try_iter()
                    .map_err(|e| failed(e.to_string()))?
                    .map(|term| template_term(templar, term, context))
                    .collect::<Result<Vec<Jv>, _>>()
                    .map_err(failed)?,
                _ => vec![template_term(templar, templated, context).map_err(failed)?],
            }
        }
        Value::List(items) => items
            .iter()
            .map(|term| template_value(templar, term, context))
            .collect::<Result<Vec<Jv>, _>>()
            .map_err(failed)?,
        other => vec![template_value(templar, &other, context).map_err(failed)?],
    };
    let mut options: IndexMap<String, Jv> = kwargs
        .iter()
        .map(|(k, v)| (k.clone(), to_jinja(v)))
        .collect();
    options.insert("wantlist".into(), Jv::from(true));
    let vars = Vars::from_context(context);
    let result = invoke(
        templar.services(),
        templar.environment(),
        vars,
        &Jv::from(name),
        terms,
        options,
        with_action,
    )?;
    if result.is_undefined() {
        return Err(LookupError::Undefined {
            message: context::take_undefined_reason()
                .unwrap_or_else(|| "an undefined value was used".into()),
        });
    }
    match from_jinja(&result) {
        Value::List(items) => Ok(items),
        Value::Null => Ok(Vec::new()),
        other => Ok(vec![other]),
    }
}

/// A term that templating produced, as `template_value` takes terms; one
/// holding undefined elements is kept as it is for the lookup to judge.
fn template_term(templar: &Templar, term: Jv, context: &Jv) -> Result<Jv, String> {
    if term.is_undefined() || super::render::nested_undefined(&term, 0).is_some() {
        return Ok(term);
    }
    template_value(templar, &from_jinja(&term), context)
}

/// A term of a `with_` loop templated as ansible's `templar.template`
/// does: strings holding templates are rendered, containers item by item.
fn template_value(templar: &Templar, value: &Value, context: &Jv) -> Result<Jv, String> {
    match value {
        Value::Str(text) if super::render::is_template(text) => {
            match super::render::template_in_env_kind(templar.environment(), text, context) {
                Ok(v) => Ok(v),
                // Undefined terms stay undefined: `with_first_found` drops
                // them, other lookups report them.
                Err((e, true)) => {
                    context::set_undefined_reason(&e.message);
                    Ok(Jv::UNDEFINED)
                }
                Err((e, false)) => Err(e.message),
            }
        }
        Value::List(items) => items
            .iter()
            .map(|v| template_value(templar, v, context))
            .collect::<Result<Vec<_>, _>>()
            .map(Jv::from),
        Value::Map(map) => map
            .iter()
            .map(|(k, v)| Ok((Jv::from(k.as_str()), template_value(templar, v, context)?)))
            .collect::<Result<IndexMap<Jv, Jv>, String>>()
            .map(Jv::from_object),
        other => Ok(to_jinja(other)),
    }
}
