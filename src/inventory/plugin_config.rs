//! What inventory plugins configured by a YAML file share: which files
//! they take (`verify_file`) and reading the file (`_read_config_data`).

use super::error::SourceError;
use super::sources::LoadOptions;
use crate::value::{Map, Value};
use std::path::Path;

/// Whether a config-file plugin takes `path`: a file with no extension,
/// `.config`, or a YAML extension.
pub fn accepts(path: &Path, opts: &LoadOptions) -> bool {
    let ext = path
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_default();
    ext.is_empty() || ext == ".config" || opts.yaml_extensions.contains(&ext)
}

/// The plugin's config: a non-empty mapping whose `plugin` is one of
/// `names` (else the file is not this plugin's), with ansible's errors.
pub fn read(path: &Path, opts: &LoadOptions, names: &[&str]) -> Result<Map, SourceError> {
    let shown = path.display().to_string();
    let loaded = crate::playbook::loader::load_data_file(path, opts.vault.as_deref())
        .map_err(|e| SourceError::new(e.to_string()))?;
    let config = match loaded.0 {
        None | Some(Value::Null) => return Err(SourceError::new(format!("{shown} is empty"))),
        Some(Value::Map(m)) if m.is_empty() => {
            return Err(SourceError::new(format!("{shown} is empty")));
        }
        Some(Value::Map(m)) => m,
        Some(other) => {
            return Err(SourceError::new(format!(
                "inventory source has invalid structure, it should be a dictionary, got: <class '{}'>",
                other.python_type_name()
            )));
        }
    };
    let plugin = config.get("plugin").map(Value::python_str);
    if !plugin.as_deref().is_some_and(|p| names.contains(&p)) {
        return Err(SourceError::new(format!(
            "Incorrect plugin name in file: {}",
            plugin.as_deref().unwrap_or("none found")
        )));
    }
    Ok(config)
}

/// A config option as ansible's config manager types it (`ensure_type`),
/// for the plugin whose Python module is `plugin` (named in errors).
pub struct Options<'a> {
    pub config: &'a Map,
    pub plugin: &'a str,
}

impl Options<'_> {
    /// A `bool` option: ansible's non-strict boolean, so a value that is
    /// not one of its true words is false.
    pub fn bool(&self, name: &str, default: bool) -> bool {
        match self.config.get(name) {
            None | Some(Value::Null) => default,
            Some(value) => value.ansible_bool().unwrap_or(false),
        }
    }

    /// A `dict` option (empty when unset).
    pub fn dict(&self, name: &str) -> Result<Map, String> {
        match self.config.get(name) {
            None | Some(Value::Null) => Ok(Map::new()),
            Some(Value::Map(m)) => Ok(m.clone()),
            Some(other) => Err(self.invalid(name, "dict", other)),
        }
    }

    /// A `list` option (empty when unset); text is split at commas, each
    /// part stripped and unquoted.
    pub fn list(&self, name: &str) -> Result<Vec<Value>, String> {
        match self.config.get(name) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::List(items)) => Ok(items.clone()),
            Some(Value::Str(text) | Value::Unsafe(text)) => Ok(text
                .split(',')
                .map(|part| Value::str(crate::playbook::kv::unquote(part.trim())))
                .collect()),
            Some(other) => Err(self.invalid(name, "list", other)),
        }
    }

    fn invalid(&self, name: &str, kind: &str, value: &Value) -> String {
        format!(
            "Config '{name}' for '{}' inventory plugin from 'Direct' has an invalid value: Invalid value provided for '{kind}': {}",
            self.plugin,
            value.python_repr()
        )
    }
}
