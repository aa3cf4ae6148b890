//! `config`: resolved values of ansible's configuration settings (the
//! run's `Config`, or a variable for the settings one may set) and of
//! plugin settings (`plugin_type`/`plugin_name`), resolved from their
//! option definitions as ansible's config manager does: variables,
//! environment, ansible.cfg, default.

use super::options::{
    BOOL, BOOLEAN, DICT, DICTIONARY, Default, FLOAT, INT, INTEGER, Kind, OptionDef, Options, STR,
    STRING, ensure_type, opt,
};
use super::{Call, Failure};
use crate::config::plugin_options::PluginOption;
use crate::config::settings::{self, SETTING_VARS, SETTINGS};
use crate::config::{Config, ConfigValue, Origin};
use crate::templating::filters::math::py;
use indexmap::IndexMap;
use minijinja::value::Value as Jv;

pub(super) static OPTIONS: &[OptionDef] = &[
    OptionDef {
        name: "on_missing",
        kind: STRING,
        default: Default::Str("error"),
        choices: &["error", "warn", "skip"],
        aliases: &[],
    },
    OptionDef {
        name: "plugin_type",
        kind: STRING,
        default: Default::None,
        choices: &[
            "become",
            "cache",
            "callback",
            "cliconf",
            "connection",
            "httpapi",
            "inventory",
            "lookup",
            "netconf",
            "shell",
            "vars",
        ],
        aliases: &[],
    },
    opt("plugin_name", STRING, Default::None),
    opt("show_origin", BOOL, Default::None),
];

pub(crate) fn config(
    call: &Call,
    terms: Vec<Jv>,
    kwargs: &IndexMap<String, Jv>,
) -> Result<Vec<Jv>, Failure> {
    let options = Options::parse("config", OPTIONS, kwargs)?;
    let missing = options.text("on_missing").unwrap_or_else(|| "error".into());
    let plugin_type = options.text("plugin_type");
    let plugin_name = options.text("plugin_name");
    let show_origin = options.bool("show_origin");
    let plugin = match (&plugin_type, &plugin_name) {
        (None, None) => None,
        (Some(kind), Some(name)) => Some((kind.as_str(), name.as_str())),
        _ => {
            return Err(
                "Both plugin_type and plugin_name are required, cannot use one without the other."
                    .into(),
            );
        }
    };
    let Some(config) = call.services.config.as_deref() else {
        return Err("mitorun has no configuration loaded for the 'config' lookup".into());
    };
    let mut out = Vec::new();
    for term in terms {
        let Some(name) = term.as_str() else {
            return Err(format!(
                "Invalid setting identifier, {} is not a <class 'str'>, its a <class '{}'>.",
                py::repr(&term),
                py::type_name(&term)
            ));
        };
        let found = match plugin {
            Some((kind, plugin_name)) => plugin_setting(call, config, kind, plugin_name, name)?,
            None => base_setting(call, config, name)?,
        };
        let (value, origin) = match found {
            Some(found) => found,
            None => {
                let label = match plugin {
                    Some((kind, plugin_name)) => plugin_label(kind, plugin_name, name),
                    None => py::repr(&Jv::from(name)),
                };
                let message = format!("No config definition exists for {label}.");
                match missing.as_str() {
                    "skip" => continue,
                    "warn" => {
                        call.services.warn(format!("Skipping {name}: {message}"));
                        continue;
                    }
                    _ => return Err(message),
                }
            }
        };
        out.push(if show_origin {
            Jv::from(vec![value, origin])
        } else {
            value
        });
    }
    Ok(out)
}

/// A base setting (`None`: no such setting): a variable that sets it
/// first, then the run's configuration.
fn base_setting(call: &Call, config: &Config, name: &str) -> Result<Option<(Jv, Jv)>, Failure> {
    if name == "CONFIG_FILE" {
        let file = config
            .file_path()
            .map_or(Jv::from(()), |p| Jv::from(p.to_string_lossy().into_owned()));
        return Ok(Some((file, Jv::from(""))));
    }
    let Some(origin) = config.origin(name) else {
        return Ok(None);
    };
    let vars = SETTING_VARS
        .iter()
        .find(|(setting, _)| *setting == name)
        .map_or(&[][..], |(_, vars)| *vars);
    if let Some((value, origin)) = super::options::configured_value(call, vars, &[], &[]) {
        let kind = match SETTINGS.iter().find(|s| s.name == name).map(|s| s.kind) {
            Some(settings::Kind::Bool) => BOOLEAN,
            Some(settings::Kind::Int) => INTEGER,
            Some(settings::Kind::Float) => FLOAT,
            Some(settings::Kind::List) => Kind::List,
            _ => Kind::Raw,
        };
        let value = ensure_type(&value, kind).map_err(|reason| {
            format!(
                "Config {} from '{origin}' has an invalid value: {reason}",
                py::repr(&Jv::from(name))
            )
        })?;
        return Ok(Some((value, Jv::from(origin))));
    }
    Ok(Some((
        to_jinja(config.value(name)),
        Jv::from(origin_text(origin)),
    )))
}

/// ansible's label of a plugin setting in messages.
fn plugin_label(kind: &str, plugin: &str, name: &str) -> String {
    format!(
        "{} for {} {kind} plugin",
        py::repr(&Jv::from(name)),
        py::repr(&Jv::from(plugin))
    )
}

/// A plugin's setting (`None`: the plugin declares no such option).
fn plugin_setting(
    call: &Call,
    config: &Config,
    kind: &str,
    plugin: &str,
    name: &str,
) -> Result<Option<(Jv, Jv)>, Failure> {
    let Some(options) = plugin_definitions(call, kind, plugin) else {
        return Err(format!(
            "Unable to load {kind} plugin {}.",
            py::repr(&Jv::from(plugin))
        ));
    };
    let Some(option) = options.into_iter().find(|o| o.name == name) else {
        return Ok(None);
    };
    let label = plugin_label(kind, plugin, name);
    let ini: Vec<(&str, &str)> = option
        .ini
        .iter()
        .map(|(section, key)| (section.as_str(), key.as_str()))
        .collect();
    let vars: Vec<&str> = option.vars.iter().map(String::as_str).collect();
    let env: Vec<&str> = option.env.iter().map(String::as_str).collect();
    let configured = super::options::configured_value(call, &vars, &env, &ini);
    let from_file = |origin: &str| {
        config
            .file_path()
            .is_some_and(|p| p.to_string_lossy() == origin)
    };
    let (value, origin) = match configured {
        Some((value, origin)) if from_file(&origin) => (
            Jv::from(crate::playbook::kv::unquote(
                value.as_str().unwrap_or_default(),
            )),
            origin,
        ),
        Some(found) => found,
        // ansible's internal lookup option: never resolved here.
        None if kind == "lookup" && name == "_terms" => {
            return Ok(Some((Jv::from(()), Jv::from(()))));
        }
        None if option.required => {
            return Err(format!("Required config {label} not provided."));
        }
        None => (
            super::super::bridge::to_jinja(&option.default),
            "default".to_string(),
        ),
    };
    let value = typed(&value, &option).or_else(|reason| {
        if origin.starts_with("env:") && value.as_str() == Some("") {
            typed(&super::super::bridge::to_jinja(&option.default), &option)
        } else {
            Err(format!(
                "Config {label} from {} has an invalid value: {reason}",
                py::repr(&Jv::from(origin.as_str()))
            ))
        }
    })?;
    if !option.choices.is_empty()
        && !value.is_none()
        && !option
            .choices
            .iter()
            .any(|choice| super::super::bridge::to_jinja(choice) == value)
    {
        let message = format!("Invalid value {} for config {label}.", py::repr(&value));
        let valid: Vec<String> = option.choices.iter().map(|c| c.python_str()).collect();
        super::context::set_error_cause_with_help(
            &message,
            &format!("Valid values are: {}", valid.join(", ")),
        );
        return Err(message);
    }
    Ok(Some((value, Jv::from(origin))))
}

/// `value` as the option's declared type makes it (`ensure_type`); a path
/// has `~` expanded and is made absolute.
fn typed(value: &Jv, option: &PluginOption) -> Result<Jv, String> {
    if value.is_none() {
        return Ok(value.clone());
    }
    let kind = match option.kind.as_deref() {
        Some("bool") => BOOL,
        Some("boolean") => BOOLEAN,
        Some("int") => INT,
        Some("integer") => INTEGER,
        Some("float") => FLOAT,
        Some("str") => STR,
        Some("string") => STRING,
        Some("list") => Kind::List,
        Some("dict") => DICT,
        Some("dictionary") => DICTIONARY,
        Some("path" | "tmppath" | "tmp" | "temppath") => {
            let Some(text) = value.as_str() else {
                return Err(format!(
                    "Invalid value provided for {}: {}",
                    py::repr(&Jv::from(option.kind.as_deref().unwrap_or("path"))),
                    py::repr(value)
                ));
            };
            let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
            let path = crate::config::expand_user(text, home.as_deref());
            let path = std::env::current_dir()
                .map(|cwd| cwd.join(&path))
                .unwrap_or(path);
            return Ok(Jv::from(path.to_string_lossy().into_owned()));
        }
        _ => Kind::Raw,
    };
    ensure_type(value, kind)
}

/// The options of plugin `name` of type `kind`: for a lookup, the
/// project's Python lookup of that name (its DOCUMENTATION) or mitorun's
/// builtin one; otherwise mitorun's table of ansible's builtin plugins.
fn plugin_definitions(call: &Call, kind: &str, name: &str) -> Option<Vec<PluginOption>> {
    // ansible loads `ansible.builtin.ssh`, but keeps its definitions under
    // the name it loaded it by (`ssh`): by the full name it has none.
    if let Some(short) = name
        .strip_prefix("ansible.builtin.")
        .or_else(|| name.strip_prefix("ansible.legacy."))
    {
        return plugin_definitions(call, kind, short).map(|_| Vec::new());
    }
    if kind == "lookup" {
        if let Some(path) = call
            .services
            .python
            .as_ref()
            .and_then(|plugins| plugins.lookup_path(name))
        {
            let source = std::fs::read_to_string(path).unwrap_or_default();
            return Some(crate::config::plugin_options::from_python_source(&source));
        }
        if let Some(defs) = super::option_defs(name) {
            return Some(lookup_options(name, defs));
        }
    }
    crate::config::plugin_options::builtin(kind, name)
}

/// A builtin lookup's options (with ansible's internal `_terms`).
fn lookup_options(name: &str, defs: &[OptionDef]) -> Vec<PluginOption> {
    let short = name.rsplit('.').next().unwrap_or(name);
    let mut options = vec![PluginOption {
        name: "_terms".into(),
        kind: None,
        default: crate::value::Value::Null,
        required: true,
        vars: Vec::new(),
        env: Vec::new(),
        ini: Vec::new(),
        choices: Vec::new(),
    }];
    for def in defs {
        let configured = (short == "url")
            .then(|| {
                super::url::CONFIGURED
                    .iter()
                    .find(|(option, ..)| *option == def.name)
            })
            .flatten();
        options.push(PluginOption {
            name: def.name.to_string(),
            kind: kind_name(def.kind).map(str::to_string),
            default: super::super::bridge::from_jinja(&super::options::default_value(def.default)),
            required: false,
            vars: configured
                .map(|c| vec![c.1.to_string()])
                .unwrap_or_default(),
            env: configured
                .map(|c| vec![c.2.to_string()])
                .unwrap_or_default(),
            ini: configured
                .map(|c| vec![("url_lookup".to_string(), c.3.to_string())])
                .unwrap_or_default(),
            choices: def
                .choices
                .iter()
                .map(|c| crate::value::Value::str(*c))
                .collect(),
        });
    }
    options
}

/// The type name a lookup option's kind was declared with.
fn kind_name(kind: Kind) -> Option<&'static str> {
    match kind {
        Kind::Bool(name)
        | Kind::Int(name)
        | Kind::Float(name)
        | Kind::Str(name)
        | Kind::Dict(name) => Some(name),
        Kind::List => Some("list"),
        Kind::Raw => None,
    }
}

fn origin_text(origin: &Origin) -> String {
    match origin {
        Origin::Default => "default".into(),
        Origin::Env(name) => format!("env: {name}"),
        Origin::File { path, .. } => path.to_string_lossy().into_owned(),
    }
}

fn to_jinja(value: &ConfigValue) -> Jv {
    let path = |p: &std::path::Path| Jv::from(p.to_string_lossy().into_owned());
    match value {
        ConfigValue::Unset => Jv::from(()),
        ConfigValue::Bool(b) => Jv::from(*b),
        ConfigValue::Int(i) => Jv::from(*i),
        ConfigValue::Float(f) => Jv::from(*f),
        ConfigValue::Str(s) => Jv::from(s.as_str()),
        ConfigValue::List(items) => Jv::from(
            items
                .iter()
                .map(|s| Jv::from(s.as_str()))
                .collect::<Vec<_>>(),
        ),
        ConfigValue::Path(p) => path(p),
        ConfigValue::Paths(ps) => Jv::from(ps.iter().map(|p| path(p)).collect::<Vec<_>>()),
    }
}
