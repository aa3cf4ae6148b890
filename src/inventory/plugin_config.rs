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
