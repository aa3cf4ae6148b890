//! `config`: resolved values of ansible's configuration settings, from the
//! run's `Config` (only the settings mitorun knows; plugin settings —
//! `plugin_type`/`plugin_name` — are not supported yet).

use super::options::{BOOL, Default, OptionDef, Options, STRING, opt};
use super::{Call, Failure};
use crate::config::{ConfigValue, Origin};
use crate::templating::filters::math::py;
use indexmap::IndexMap;
use minijinja::value::Value as Jv;

static OPTIONS: &[OptionDef] = &[
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
    match (&plugin_type, &plugin_name) {
        (None, None) => {}
        (Some(_), Some(_)) => {
            return Err(
                "mitorun does not support plugin settings (plugin_type/plugin_name) in the 'config' lookup yet"
                    .into(),
            );
        }
        _ => {
            return Err(
                "Both plugin_type and plugin_name are required, cannot use one without the other."
                    .into(),
            );
        }
    }
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
        let (value, origin) = if name == "CONFIG_FILE" {
            let file = config
                .file_path()
                .map_or(Jv::from(()), |p| Jv::from(p.to_string_lossy().into_owned()));
            (file, String::new())
        } else {
            match config.origin(name) {
                Some(origin) => (to_jinja(config.value(name)), origin_text(origin)),
                None => {
                    let message = format!("No config definition exists for '{name}'.");
                    match missing.as_str() {
                        "skip" => continue,
                        "warn" => {
                            call.services.warn(format!("Skipping {name}: {message}"));
                            continue;
                        }
                        _ => return Err(message),
                    }
                }
            }
        };
        out.push(if show_origin {
            Jv::from(vec![value, Jv::from(origin)])
        } else {
            value
        });
    }
    Ok(out)
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
