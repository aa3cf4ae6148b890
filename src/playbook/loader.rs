//! ansible's DataLoader for data files (inventory, host_vars/group_vars,
//! vars files): JSON first, with Python's json rules, then YAML.

use super::{pyjson, yaml};
use crate::value::Value;
use std::path::Path;

/// The value of a data file (`None` when empty) and YAML warnings.
pub fn load_data_file(path: &Path) -> Result<(Option<Value>, Vec<String>), yaml::YamlError> {
    if let Ok(text) = std::fs::read_to_string(path)
        && let Some(value) = pyjson::parse(&text)
    {
        return Ok((Some(value), Vec::new()));
    }
    yaml::load_file(path)
}
