//! `host_vars/` and `group_vars/` directories (ansible's host_group_vars
//! plugin): for an entity NAME beside a base directory, the first of
//! `NAME`, `NAME.yml`, `NAME.yaml`, `NAME.json` that exists is used; a
//! directory contributes all its files (recursively, sorted, hidden and `~`
//! backups skipped), merged in order.

use super::vars::{HashBehaviour, combine_into};
use crate::value::{Map, Value};
use crate::vault::Vault;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntityKind {
    Host,
    Group,
}

impl EntityKind {
    pub fn subdir(self) -> &'static str {
        match self {
            EntityKind::Host => "host_vars",
            EntityKind::Group => "group_vars",
        }
    }
}

/// A vars file that could not be read or is not a mapping.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum VarsFileError {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Data(#[from] crate::playbook::loader::DataError),
    #[error("Could not process '{path}': {reason}")]
    Invalid { path: String, reason: String },
}

/// Loads and caches vars files; one per run, shared by all lookups.
#[derive(Debug, Default)]
pub struct VarsFiles {
    extensions: Vec<String>,
    /// (vars dir, entity name) → files found.
    found: HashMap<(PathBuf, String), Vec<PathBuf>>,
    /// Parsed content per file (`None` for empty files).
    content: HashMap<PathBuf, Option<Map>>,
    /// Canonical base directories.
    canonical: HashMap<PathBuf, PathBuf>,
    pub warnings: Vec<String>,
    vault: Option<Arc<Vault>>,
}

impl VarsFiles {
    pub fn new(yaml_extensions: &[String], vault: Option<Arc<Vault>>) -> Self {
        VarsFiles {
            extensions: yaml_extensions.to_vec(),
            vault,
            ..Default::default()
        }
    }

    /// Vars for `entity` from `basedir/{host_vars,group_vars}/`.
    pub fn vars_for(
        &mut self,
        basedir: &Path,
        kind: EntityKind,
        name: &str,
        how: HashBehaviour,
    ) -> Result<Map, VarsFileError> {
        let mut data = Map::new();
        // Names like /path/to/chroot are not looked up (ansible skips them).
        if name.is_empty() || name.starts_with('/') {
            return Ok(data);
        }
        let base = self.canonical_dir(basedir);
        let vars_dir = base.join(kind.subdir());
        let key = (vars_dir.clone(), name.to_string());
        let files = match self.found.get(&key) {
            Some(files) => files.clone(),
            None => {
                let files = if vars_dir.is_dir() {
                    self.find_vars_files(&vars_dir, name)
                } else {
                    if vars_dir.exists() {
                        let msg = format!(
                            "Found {} that is not a directory, skipping: {}",
                            kind.subdir(),
                            vars_dir.display()
                        );
                        if !self.warnings.contains(&msg) {
                            self.warnings.push(msg);
                        }
                    }
                    Vec::new()
                };
                self.found.insert(key, files.clone());
                files
            }
        };
        for file in files {
            if let Some(map) = self.load(&file)? {
                combine_into(&mut data, &map, how);
            }
        }
        Ok(data)
    }

    fn canonical_dir(&mut self, dir: &Path) -> PathBuf {
        if let Some(c) = self.canonical.get(dir) {
            return c.clone();
        }
        let c = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
        self.canonical.insert(dir.to_path_buf(), c.clone());
        c
    }

    fn find_vars_files(&self, dir: &Path, name: &str) -> Vec<PathBuf> {
        let plain = std::iter::once(String::new());
        for ext in plain.chain(self.extensions.iter().cloned()) {
            let candidate = dir.join(format!("{name}{ext}"));
            if !candidate.exists() {
                continue;
            }
            if candidate.is_dir() {
                return dir_vars_files(&candidate, &self.extensions);
            }
            return vec![candidate];
        }
        Vec::new()
    }

    fn load(&mut self, file: &Path) -> Result<Option<Map>, VarsFileError> {
        if let Some(cached) = self.content.get(file) {
            return Ok(cached.clone());
        }
        let (value, warnings) =
            crate::playbook::loader::load_data_file(file, self.vault.as_deref())?;
        self.warnings.extend(warnings);
        let map = match value {
            None | Some(Value::Null) => None,
            Some(Value::Map(m)) if m.is_empty() => None,
            Some(Value::Map(m)) => Some(m),
            Some(other) if !other.is_truthy() => None,
            Some(other) => {
                return Err(VarsFileError::Invalid {
                    path: file.display().to_string(),
                    reason: format!(
                        "failed to combine variables, expected dicts but got a 'dict' and a '{}'",
                        other.python_type_name()
                    ),
                });
            }
        };
        self.content.insert(file.to_path_buf(), map.clone());
        Ok(map)
    }
}

/// The files of a vars directory (`group_vars/web/`, a role's
/// `defaults/main/`), as ansible's `_get_dir_vars_files` lists them: sorted
/// by name, recursing into subdirectories without an extension, skipping
/// hidden and backup (`~`) files and extensions not in `extensions`.
pub fn dir_vars_files(dir: &Path, extensions: &[String]) -> Vec<PathBuf> {
    let mut names: Vec<String> = match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => return Vec::new(),
    };
    names.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    let mut found = Vec::new();
    for name in names {
        if name.starts_with('.') || name.ends_with('~') {
            continue;
        }
        let full = dir.join(&name);
        let ext = Path::new(&name)
            .extension()
            .map(|e| format!(".{}", e.to_string_lossy()));
        if full.is_dir() && ext.is_none() {
            found.extend(dir_vars_files(&full, extensions));
        } else if full.is_file() && ext.as_ref().is_none_or(|e| extensions.contains(e)) {
            found.push(full);
        }
    }
    found
}
