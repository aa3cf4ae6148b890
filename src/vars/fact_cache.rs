//! The fact cache: where each host's facts live (ansible's
//! `VariableManager._fact_cache`, a cache plugin chosen by CACHE_PLUGIN).
//!
//! Two plugins, as ansible-core ships them:
//! - `memory` (the default): facts last for the run;
//! - `jsonfile`: one file per host in CACHE_PLUGIN_CONNECTION, named
//!   CACHE_PLUGIN_PREFIX + `s1_` + host, in 2.19's format
//!   (`cache_json`), so a later run (of mitorun or ansible-playbook)
//!   starts with them. A file older than CACHE_PLUGIN_TIMEOUT seconds
//!   (by mtime; 0 = never) is not read. A file read or written once stays
//!   in memory for the rest of the run, so facts do not expire mid-run.
//!
//! A plugin that cannot be set up is a warning and the run uses `memory`,
//! as ansible does.

use std::collections::HashMap;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::SystemTime;

use super::cache_json::{self, DecodeError, SCHEMA_PREFIX};
use crate::value::Map;

/// The fact cache settings, as the config gives them.
#[derive(Debug, Clone, Default)]
pub struct CacheSettings {
    /// CACHE_PLUGIN.
    pub plugin: String,
    /// CACHE_PLUGIN_CONNECTION (`~` and `$VARS` expanded), if set.
    pub connection: Option<PathBuf>,
    /// CACHE_PLUGIN_PREFIX when set explicitly: `jsonfile`'s own option
    /// has no default, so the base setting's default does not apply.
    pub prefix: String,
    /// CACHE_PLUGIN_TIMEOUT in seconds; 0 keeps files forever.
    pub timeout: i64,
}

/// A cache failure that ends the run, as ansible raises it.
#[derive(Debug, Clone, PartialEq)]
pub struct CacheError {
    pub message: String,
    /// True for what ansible reports as an unexpected exception (exit
    /// 250) rather than an AnsibleError (exit 1).
    pub unexpected: bool,
}

/// Where the facts go.
enum Backend {
    Memory,
    JsonFile(JsonFileStore),
}

/// `jsonfile`'s directory, file name prefix and expiry.
struct JsonFileStore {
    dir: PathBuf,
    prefix: String,
    timeout: i64,
}

pub struct FactCache {
    backend: Backend,
    /// Facts by host: all of them for `memory`; for `jsonfile`, those
    /// read or written this run.
    entries: Mutex<HashMap<String, Map>>,
    /// A failure met while reading facts for a caller that cannot stop
    /// the run; the executor reports it at the next point it can.
    pending_error: Mutex<Option<CacheError>>,
    /// Names temporary files uniquely within this process.
    temp_counter: AtomicUsize,
}

impl Default for FactCache {
    fn default() -> FactCache {
        FactCache::with_backend(Backend::Memory)
    }
}

impl FactCache {
    fn with_backend(backend: Backend) -> FactCache {
        FactCache {
            backend,
            entries: Mutex::new(HashMap::new()),
            pending_error: Mutex::new(None),
            temp_counter: AtomicUsize::new(0),
        }
    }

    /// The cache CACHE_PLUGIN names, and the warnings ansible prints when
    /// it falls back to `memory`.
    pub fn from_settings(settings: &CacheSettings) -> (FactCache, Vec<String>) {
        match settings.plugin.as_str() {
            "memory" | "ansible.builtin.memory" | "ansible.legacy.memory" => {
                (FactCache::default(), Vec::new())
            }
            "jsonfile" | "ansible.builtin.jsonfile" | "ansible.legacy.jsonfile" => {
                match JsonFileStore::open(settings) {
                    Ok(store) => (
                        FactCache::with_backend(Backend::JsonFile(store)),
                        Vec::new(),
                    ),
                    Err(warning) => (FactCache::default(), vec![warning]),
                }
            }
            other => (
                FactCache::default(),
                vec![format!("Unable to load the cache plugin '{other}'.")],
            ),
        }
    }

    /// The facts cached for `host`. A failure is kept for
    /// `take_error` and reads as no facts.
    pub fn get(&self, host: &str) -> Option<Map> {
        match self.try_get(host) {
            Ok(facts) => facts,
            Err(error) => {
                if let Ok(mut pending) = self.pending_error.lock() {
                    pending.get_or_insert(error);
                }
                None
            }
        }
    }

    /// `f` of the host's cached facts (empty when none), without copying
    /// them when they are in memory: variables are built from them for
    /// every task on every host.
    pub fn read<R>(&self, host: &str, f: impl FnOnce(&Map) -> R) -> R {
        if let Ok(entries) = self.entries.lock()
            && let Some(facts) = entries.get(host)
        {
            return f(facts);
        }
        f(&self.get(host).unwrap_or_default())
    }

    /// The first failure met by `get` since the last call.
    pub fn take_error(&self) -> Option<CacheError> {
        self.pending_error.lock().ok()?.take()
    }

    /// The facts cached for `host`, reading its file the first time.
    pub fn try_get(&self, host: &str) -> Result<Option<Map>, CacheError> {
        if let Some(facts) = self.entries.lock().ok().and_then(|e| e.get(host).cloned()) {
            return Ok(Some(facts));
        }
        let Backend::JsonFile(store) = &self.backend else {
            return Ok(None);
        };
        let Some(facts) = store.load(host)? else {
            return Ok(None);
        };
        if let Ok(mut entries) = self.entries.lock() {
            entries.insert(host.to_string(), facts.clone());
        }
        Ok(Some(facts))
    }

    /// Replace the facts of `host` (and its file).
    pub fn set(&self, host: &str, facts: Map) {
        if let Backend::JsonFile(store) = &self.backend {
            let n = self.temp_counter.fetch_add(1, Ordering::Relaxed);
            for warning in store.save(host, &facts, n) {
                crate::cli::display::warning(&warning);
            }
        }
        if let Ok(mut entries) = self.entries.lock() {
            entries.insert(host.to_string(), facts);
        }
    }

    /// Forget the facts of `host` (and remove its file).
    pub fn delete(&self, host: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(host);
        }
        if let Backend::JsonFile(store) = &self.backend {
            // As jsonfile: a file that cannot be removed is no error.
            let _ = std::fs::remove_file(store.file_name(host));
        }
    }
}

impl JsonFileStore {
    /// `BaseFileCacheModule.__init__` + `validate_cache_connection`:
    /// the directory must be configured and is created when missing.
    fn open(settings: &CacheSettings) -> Result<JsonFileStore, String> {
        let dir = settings.connection.clone().ok_or_else(|| {
            "Required config '_uri' for 'jsonfile' cache plugin not provided.".to_string()
        })?;
        if dir.as_os_str().is_empty() {
            return Err("error, 'jsonfile' cache plugin requires the 'fact_caching_connection' config option to be set (to a writeable directory path)".into());
        }
        if !dir.exists()
            && let Err(e) = std::fs::create_dir_all(&dir)
        {
            return Err(format!(
                "Error in 'jsonfile' cache plugin while trying to create cache dir '{}': {e}",
                dir.display()
            ));
        }
        if std::fs::read_dir(&dir).is_err() {
            return Err(format!(
                "error in 'jsonfile' cache, configured path ({}) does not have necessary permissions (rwx), disabling plugin",
                dir.display()
            ));
        }
        Ok(JsonFileStore {
            dir,
            prefix: settings.prefix.clone(),
            timeout: settings.timeout,
        })
    }

    /// `<dir>/<prefix>s1_<host>`, joined as ansible joins it (with `/`).
    fn file_name(&self, host: &str) -> PathBuf {
        PathBuf::from(format!(
            "{}/{}{SCHEMA_PREFIX}{host}",
            self.dir.display(),
            self.prefix
        ))
    }

    /// True when the host's file is older than the timeout.
    fn has_expired(&self, file: &Path) -> bool {
        if self.timeout == 0 {
            return false;
        }
        let modified = match std::fs::metadata(file).and_then(|m| m.modified()) {
            Ok(t) => t,
            Err(e) if e.kind() == ErrorKind::NotFound => return false,
            Err(e) => {
                crate::cli::display::warning(&format!(
                    "Error in 'jsonfile' cache plugin while trying to stat '{}': {e}",
                    file.display()
                ));
                return false;
            }
        };
        let age = SystemTime::now()
            .duration_since(modified)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0);
        age > self.timeout as f64
    }

    /// The facts in the host's file: none when there is no file, it has
    /// expired, or it holds no payload. A file that is not JSON is removed
    /// and fails the run, as jsonfile does.
    fn load(&self, host: &str) -> Result<Option<Map>, CacheError> {
        let file = self.file_name(host);
        if host.is_empty() || self.has_expired(&file) {
            return Ok(None);
        }
        let text = match std::fs::read(&file) {
            Ok(bytes) => String::from_utf8(bytes).ok(),
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(CacheError {
                    message: format!(
                        "Error while accessing the cache file '{}': {e}",
                        file.display()
                    ),
                    unexpected: false,
                });
            }
        };
        match text.as_deref().map(cache_json::decode_file) {
            Some(Ok(facts)) => Ok(Some(facts)),
            Some(Err(DecodeError::NoPayload)) => Ok(None),
            Some(Err(DecodeError::BadPayload)) => Err(CacheError {
                message: format!(
                    "Unexpected Exception, this is probably a bug: the cache file {} holds a payload that is not JSON",
                    file.display()
                ),
                unexpected: true,
            }),
            Some(Err(DecodeError::NotJson)) | None => {
                let reason = if text.as_deref().is_some_and(|t| t.trim().is_empty()) {
                    "Expecting value: line 1 column 1 (char 0)"
                } else {
                    "not valid JSON"
                };
                crate::cli::display::warning(&format!(
                    "error in 'jsonfile' cache plugin while trying to read {} : b'{reason}'. Most likely a corrupt file, so erasing and failing.",
                    file.display()
                ));
                let _ = std::fs::remove_file(&file);
                Err(CacheError {
                    message: format!(
                        "The cache file {} was corrupt, or did not otherwise contain valid data. It has been removed, so you can re-run your command now.",
                        file.display()
                    ),
                    unexpected: false,
                })
            }
        }
    }

    /// Write the host's file through a temporary file in the same
    /// directory (renamed over it, then mode 0644). Failures are warnings.
    fn save(&self, host: &str, facts: &Map, n: usize) -> Vec<String> {
        let file = self.file_name(host);
        // A leading dot: ansible's key listing skips such names.
        let temp = self
            .dir
            .join(format!(".tmp-mitorun-{}-{n}", std::process::id()));
        let mut warnings = Vec::new();
        if let Err(e) = std::fs::write(&temp, cache_json::encode_file(facts)) {
            warnings.push(format!(
                "Error in 'jsonfile' cache plugin while trying to write to '{}': {e}",
                temp.display()
            ));
        }
        let moved = std::fs::rename(&temp, &file).and_then(|()| set_mode_0644(&file));
        if let Err(e) = moved {
            warnings.push(format!(
                "Error in 'jsonfile' cache plugin while trying to move '{}' to '{}': {e}",
                temp.display(),
                file.display()
            ));
        }
        let _ = std::fs::remove_file(&temp);
        warnings
    }
}

#[cfg(unix)]
fn set_mode_0644(file: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn set_mode_0644(_file: &Path) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("mitorun-fact-cache-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    fn jsonfile(dir: &Path, prefix: &str, timeout: i64) -> FactCache {
        let (cache, warnings) = FactCache::from_settings(&CacheSettings {
            plugin: "jsonfile".into(),
            connection: Some(dir.to_path_buf()),
            prefix: prefix.into(),
            timeout,
        });
        assert!(warnings.is_empty(), "{warnings:?}");
        cache
    }

    fn one_fact() -> Map {
        let mut facts = Map::new();
        facts.insert("foo".into(), Value::str("bar"));
        facts
    }

    #[test]
    fn jsonfile_writes_a_file_per_host_that_a_new_cache_reads() {
        let dir = scratch("rw");
        jsonfile(&dir, "pre_", 0).set("h1", one_fact());
        assert!(dir.join("pre_s1_h1").is_file(), "the directory was created");
        let later = jsonfile(&dir, "pre_", 0);
        assert_eq!(later.try_get("h1"), Ok(Some(one_fact())));
        assert_eq!(later.try_get("h2"), Ok(None));
        later.delete("h1");
        assert!(!dir.join("pre_s1_h1").exists());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn expired_files_are_not_read() {
        let dir = scratch("expiry");
        jsonfile(&dir, "", 0).set("h1", one_fact());
        let file = std::fs::File::options()
            .write(true)
            .open(dir.join("s1_h1"))
            .expect("cache file");
        let old = SystemTime::now() - std::time::Duration::from_secs(120);
        file.set_modified(old).expect("set mtime");
        assert_eq!(jsonfile(&dir, "", 60).try_get("h1"), Ok(None));
        assert_eq!(jsonfile(&dir, "", 600).try_get("h1"), Ok(Some(one_fact())));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_corrupt_file_is_removed_and_fails() {
        let dir = scratch("corrupt");
        let _ = std::fs::create_dir_all(&dir);
        let _ = std::fs::write(dir.join("s1_h1"), "");
        let cache = jsonfile(&dir, "", 0);
        assert_eq!(cache.get("h1"), None);
        let error = cache.take_error().expect("the failure is kept");
        assert!(error.message.contains("was corrupt"), "{}", error.message);
        assert!(!error.unexpected);
        assert!(!dir.join("s1_h1").exists());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn unusable_plugins_fall_back_to_memory_with_ansibles_warnings() {
        let (_, warnings) = FactCache::from_settings(&CacheSettings {
            plugin: "redis".into(),
            ..Default::default()
        });
        assert_eq!(warnings, ["Unable to load the cache plugin 'redis'."]);
        let (cache, warnings) = FactCache::from_settings(&CacheSettings {
            plugin: "jsonfile".into(),
            ..Default::default()
        });
        assert_eq!(
            warnings,
            ["Required config '_uri' for 'jsonfile' cache plugin not provided."]
        );
        cache.set("h1", one_fact());
        assert_eq!(cache.try_get("h1"), Ok(Some(one_fact())));
    }
}
