//! ansible's DataLoader for data files (inventory, host_vars/group_vars,
//! vars files): a vault-encrypted file is decrypted first, then the text is
//! read as JSON (Python's json rules) or else as YAML.

use super::pyjson;
use super::yaml::{self, Node, YamlError};
use crate::value::Value;
use crate::vault::{Vault, VaultError, is_encrypted};
use std::path::Path;

/// Why a data file could not be loaded.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum DataError {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Yaml(Box<YamlError>),
    #[error("{error}\nOrigin: {path}")]
    Vault { path: String, error: VaultError },
}

impl DataError {
    /// 1-based line and column, when the error has a position.
    pub fn position(&self) -> Option<(usize, usize)> {
        match self {
            DataError::Yaml(e) => Some((e.line, e.col)),
            DataError::Vault { .. } => None,
        }
    }
}

impl From<YamlError> for DataError {
    fn from(e: YamlError) -> Self {
        DataError::Yaml(Box::new(e))
    }
}

/// The text of a data file, decrypted when it is vault-encrypted.
/// `Ok(None)` when the file is not readable as text (the YAML loader then
/// words the error).
pub fn read_data_text(path: &Path, vault: Option<&Vault>) -> Result<Option<String>, DataError> {
    let Ok(bytes) = std::fs::read(path) else {
        return Ok(None);
    };
    if is_encrypted(&bytes) {
        let origin = path.display().to_string();
        let text = String::from_utf8_lossy(&bytes);
        let no_secrets = Vault::new(Vec::new());
        let plain = vault
            .unwrap_or(&no_secrets)
            .decrypt_to_string(&text, &origin)
            .map_err(|error| DataError::Vault {
                path: origin,
                error,
            })?;
        return Ok(Some(plain));
    }
    Ok(String::from_utf8(bytes).ok())
}

/// The value of a data file (`None` when empty) and YAML warnings.
pub fn load_data_file(
    path: &Path,
    vault: Option<&Vault>,
) -> Result<(Option<Value>, Vec<String>), DataError> {
    Ok(match load_data_node(path, vault)? {
        Loaded::Value(value, warnings) => (value, warnings),
        Loaded::Yaml(node, warnings) => (node.map(|n| n.to_value()), warnings),
    })
}

/// A vars file's data with the origin of each top-level variable (YAML
/// only; JSON carries no positions, as in ansible), for the `caused by`
/// level of errors raised while templating those variables.
pub fn load_vars_file(
    path: &Path,
    vault: Option<&Vault>,
) -> Result<(Option<Value>, crate::vars::origins::VarOrigins, Vec<String>), DataError> {
    // The text the YAML was parsed from (read and decrypted once) is the
    // origins' source.
    Ok(match load_data_node_and_text(path, vault)? {
        (Loaded::Yaml(Some(node), warnings), Some(text)) => {
            let file = std::sync::Arc::new(crate::playbook::model::SourceFile {
                path: path.to_path_buf(),
                text,
            });
            let origins = crate::vars::origins::of_mapping(&node, &file);
            (Some(node.to_value()), origins, warnings)
        }
        (Loaded::Yaml(node, warnings), _) => {
            (node.map(|n| n.to_value()), Default::default(), warnings)
        }
        (Loaded::Value(value, warnings), _) => (value, Default::default(), warnings),
    })
}

/// A data file as a value (JSON) or as a YAML node tree, where mapping keys
/// keep their YAML types.
pub enum Loaded {
    Value(Option<Value>, Vec<String>),
    Yaml(Option<Node>, Vec<String>),
}

pub fn load_data_node(path: &Path, vault: Option<&Vault>) -> Result<Loaded, DataError> {
    load_data_node_and_text(path, vault).map(|(loaded, _)| loaded)
}

/// [`load_data_node`], with the YAML text it parsed.
fn load_data_node_and_text(
    path: &Path,
    vault: Option<&Vault>,
) -> Result<(Loaded, Option<String>), DataError> {
    let Some(text) = read_data_text(path, vault)? else {
        // Unreadable or not UTF-8: the YAML loader words the error.
        let (value, warnings) = yaml::load_file(path)?;
        return Ok((Loaded::Value(value, warnings), None));
    };
    if let Some(value) = pyjson::parse(&text) {
        return Ok((Loaded::Value(Some(value), Vec::new()), None));
    }
    let (node, warnings) = yaml::load_node(&text, path)?;
    Ok((Loaded::Yaml(node, warnings), Some(text)))
}
