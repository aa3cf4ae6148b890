//! Plugin option definitions, for the `config` lookup's plugin settings:
//! the builtin plugins' from `plugin_options.yml`, a project plugin's from
//! the `DOCUMENTATION` block of its Python file. Both use the shape of
//! ansible's option definitions, so one reader serves both.

use crate::value::{Map, Value};
use std::path::Path;
use std::sync::OnceLock;

const BUILTIN: &str = include_str!("plugin_options.yml");

/// One option: its declared type, default, whether it is required, and
/// the variables, environment variables and ansible.cfg `(section, key)`
/// pairs that set it (later entries win).
#[derive(Debug, Clone, PartialEq)]
pub struct PluginOption {
    pub name: String,
    /// ansible's type name (`bool`, `int`, `list`, `path` ...), if declared.
    pub kind: Option<String>,
    /// `Null` when there is none.
    pub default: Value,
    pub required: bool,
    pub vars: Vec<String>,
    pub env: Vec<String>,
    pub ini: Vec<(String, String)>,
    pub choices: Vec<Value>,
}

/// The options of the builtin plugin `name` of `plugin_type`, `None` when
/// mitorun has no definitions for it.
pub fn builtin(plugin_type: &str, name: &str) -> Option<Vec<PluginOption>> {
    static TABLE: OnceLock<Map> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        match crate::playbook::yaml::load_value(BUILTIN, Path::new("plugin_options.yml")) {
            Ok(Some(Value::Map(map))) => map,
            _ => Map::new(),
        }
    });
    let short = name
        .strip_prefix("ansible.builtin.")
        .or_else(|| name.strip_prefix("ansible.legacy."))
        .unwrap_or(name);
    match table.get(&format!("{plugin_type}/{short}"))? {
        Value::Map(options) => Some(from_options(options)),
        _ => Some(Vec::new()),
    }
}

/// The options a Python plugin's `DOCUMENTATION` declares (an empty list
/// when it has none or they do not parse).
pub fn from_python_source(source: &str) -> Vec<PluginOption> {
    let Some(doc) = documentation_text(source) else {
        return Vec::new();
    };
    match crate::playbook::yaml::load_value(doc, Path::new("DOCUMENTATION")) {
        Ok(Some(Value::Map(doc))) => match doc.get("options") {
            Some(Value::Map(options)) => from_options(options),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// The text of `DOCUMENTATION = """..."""` (or `'''`, with an optional
/// `r` prefix) at the start of a line.
fn documentation_text(source: &str) -> Option<&str> {
    const NAME: &str = "DOCUMENTATION";
    let (at, _) = source
        .match_indices(NAME)
        .find(|(at, _)| *at == 0 || source[..*at].ends_with('\n'))?;
    let after = source[at + NAME.len()..]
        .trim_start()
        .strip_prefix('=')?
        .trim_start();
    let after = after.strip_prefix(['r', 'R', 'u', 'U']).unwrap_or(after);
    let quote = ["\"\"\"", "'''"]
        .into_iter()
        .find(|q| after.starts_with(q))?;
    let body = &after[quote.len()..];
    body.find(quote).map(|end| &body[..end])
}

fn from_options(options: &Map) -> Vec<PluginOption> {
    options
        .iter()
        .map(|(name, def)| {
            let empty = Map::new();
            let def = match def {
                Value::Map(def) => def,
                _ => &empty,
            };
            let names = |key: &str| -> Vec<String> {
                list(def.get(key))
                    .iter()
                    .filter_map(|entry| match entry {
                        Value::Map(m) => m.get("name").map(Value::python_str),
                        Value::Null => None,
                        other => Some(other.python_str()),
                    })
                    .collect()
            };
            let ini = list(def.get("ini"))
                .iter()
                .filter_map(|entry| match entry {
                    Value::Map(m) => Some((
                        m.get("section")
                            .map_or_else(|| "defaults".to_string(), Value::python_str),
                        m.get("key").map(Value::python_str)?,
                    )),
                    Value::List(pair) if pair.len() == 2 => {
                        Some((pair[0].python_str(), pair[1].python_str()))
                    }
                    _ => None,
                })
                .collect();
            let choices = match def.get("choices") {
                Some(Value::List(items)) => items.clone(),
                Some(Value::Map(m)) => m.keys().map(|k| Value::str(k.as_str())).collect(),
                _ => Vec::new(),
            };
            PluginOption {
                name: name.clone(),
                kind: def
                    .get("type")
                    .filter(|t| !matches!(t, Value::Null))
                    .map(Value::python_str),
                default: def.get("default").cloned().unwrap_or(Value::Null),
                required: def.get("required").is_some_and(Value::is_truthy),
                vars: names("vars"),
                env: names("env"),
                ini,
                choices,
            }
        })
        .collect()
}

fn list(value: Option<&Value>) -> Vec<Value> {
    match value {
        Some(Value::List(items)) => items.clone(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_definitions_parse_and_resolve_by_short_or_full_name() {
        let ssh = builtin("connection", "ansible.builtin.ssh").expect("ssh is defined");
        let port = ssh.iter().find(|o| o.name == "port").expect("port");
        assert_eq!(port.kind.as_deref(), Some("int"));
        assert_eq!(port.vars, ["ansible_port", "ansible_ssh_port"]);
        assert_eq!(
            port.ini,
            [("defaults".to_string(), "remote_port".to_string())]
        );
        let sudo = builtin("become", "sudo").expect("sudo is defined");
        let flags = sudo
            .iter()
            .find(|o| o.name == "become_flags")
            .expect("flags");
        assert_eq!(flags.default, Value::str("-H -S -n"));
        assert_eq!(builtin("cache", "memory"), Some(Vec::new()));
        assert_eq!(builtin("connection", "nosuch"), None);
    }

    #[test]
    fn documentation_of_a_python_plugin_gives_its_options() {
        let source = "from x import y\n\nDOCUMENTATION = r'''\n    name: bogus\n    options:\n        _terms:\n            description: stuff\n        test_list:\n            type: string\n            required: True\n            env:\n              - name: BOGUS_LIST\n'''\n\nclass LookupModule: pass\n";
        let options = from_python_source(source);
        let names: Vec<&str> = options.iter().map(|o| o.name.as_str()).collect();
        assert_eq!(names, ["_terms", "test_list"]);
        assert!(options[1].required);
        assert_eq!(options[1].env, ["BOGUS_LIST"]);
        assert_eq!(from_python_source("DOCUMENTATION = 1\n"), Vec::new());
        assert_eq!(from_python_source("x = 1\n"), Vec::new());
    }
}
