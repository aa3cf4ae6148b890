//! Turning `-i` arguments into an inventory: each source is offered to the
//! enabled source kinds in ansible's order (host_list, script, auto, yaml,
//! ini, toml); the first that parses it wins. Directories are walked in
//! sorted order with ansible's ignore rules. A source nothing can parse is a
//! warning (ansible's default) or an error when configured so.

use super::data::InventoryData;
use super::error::SourceError;
use super::{ini, script, yaml_source};
use crate::vault::Vault;
use regex::Regex;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Settings that shape source loading (from ansible.cfg / env).
#[derive(Debug, Clone)]
pub struct LoadOptions {
    pub enabled: Vec<String>,
    pub ignore_extensions: Vec<String>,
    pub ignore_patterns: Vec<String>,
    pub yaml_extensions: Vec<String>,
    pub unparsed_is_failed: bool,
    pub any_unparsed_is_failed: bool,
    pub unparsed_warning: bool,
    /// Secrets for vault-encrypted sources.
    pub vault: Option<Arc<Vault>>,
    /// `DEFAULT_HASH_BEHAVIOUR`, for variables set twice.
    pub hash_behaviour: super::vars::HashBehaviour,
    /// `TRANSFORM_INVALID_GROUP_CHARS`.
    pub group_chars: super::data::GroupChars,
    /// `-e` values, which inventory plugins may read (`constructed` with
    /// `use_extra_vars`).
    pub extra_vars: crate::value::Map,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            enabled: ["host_list", "script", "auto", "yaml", "ini", "toml"]
                .map(String::from)
                .to_vec(),
            ignore_extensions: [
                ".pyc", ".pyo", ".swp", ".bak", "~", ".rpm", ".md", ".txt", ".rst", ".orig",
                ".cfg", ".retry",
            ]
            .map(String::from)
            .to_vec(),
            ignore_patterns: Vec::new(),
            yaml_extensions: [".yml", ".yaml", ".json"].map(String::from).to_vec(),
            unparsed_is_failed: false,
            any_unparsed_is_failed: false,
            unparsed_warning: true,
            vault: None,
            hash_behaviour: super::vars::HashBehaviour::Replace,
            group_chars: super::data::GroupChars::Never,
            extra_vars: crate::value::Map::new(),
        }
    }
}

/// A source that could not be parsed, fatal under `*unparsed_is_failed`.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct LoadError(pub String);

/// The loaded inventory plus the source list as ansible keeps it (absolute
/// paths, host lists verbatim), which vars loading needs later.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub data: InventoryData,
    pub sources: Vec<String>,
}

/// ansible's `unfrackpath(follow=False)`: absolute and normalised, symlinks kept.
pub fn absolute_source(source: &str, cwd: &Path) -> String {
    if source.contains(',') {
        return source.to_string();
    }
    let expanded = crate::config::expand_user(
        source,
        std::env::var_os("HOME").map(PathBuf::from).as_deref(),
    );
    let joined = if expanded.is_absolute() {
        expanded
    } else {
        cwd.join(expanded)
    };
    normalize(&joined).to_string_lossy().into_owned()
}

/// Lexical normalisation (`os.path.normpath`): drop `.`, resolve `..`.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

pub fn load(sources: &[String], opts: &LoadOptions) -> Result<Loaded, LoadError> {
    let mut inv = InventoryData::new();
    inv.hash_behaviour = opts.hash_behaviour;
    inv.group_chars = opts.group_chars;
    let ignored = ignore_regex(opts);
    let mut parsed_any = false;
    for source in sources.iter().filter(|s| !s.is_empty()) {
        if parse_source(&mut inv, source, opts, &ignored)? {
            parsed_any = true;
        }
    }
    if parsed_any {
        inv.reconcile();
    } else if opts.unparsed_is_failed {
        return Err(LoadError(
            "No inventory was parsed, please check your configuration and options.".into(),
        ));
    } else if opts.unparsed_warning {
        inv.warn("No inventory was parsed, only implicit localhost is available");
    }
    Ok(Loaded {
        data: inv,
        sources: sources.to_vec(),
    })
}

/// Directory entries ansible never treats as sources: hidden files, the
/// vars directories, and configured extensions/patterns.
fn ignore_regex(opts: &LoadOptions) -> Option<Regex> {
    let mut parts: Vec<String> = vec![
        r"^\.".into(),
        "^host_vars$".into(),
        "^group_vars$".into(),
        "^vars_plugins$".into(),
    ];
    parts.extend(opts.ignore_patterns.iter().cloned());
    parts.extend(
        opts.ignore_extensions
            .iter()
            .map(|e| format!("{}$", regex::escape(e))),
    );
    Regex::new(&parts.join("|")).ok()
}

fn parse_source(
    inv: &mut InventoryData,
    source: &str,
    opts: &LoadOptions,
    ignored: &Option<Regex>,
) -> Result<bool, LoadError> {
    let path = Path::new(source);
    if path.is_dir() {
        let mut entries: Vec<String> = match std::fs::read_dir(path) {
            Ok(rd) => rd
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect(),
            Err(_) => Vec::new(),
        };
        entries.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        let mut parsed = false;
        for name in entries {
            if ignored.as_ref().is_some_and(|re| re.is_match(&name)) {
                continue;
            }
            let full = path.join(&name).to_string_lossy().into_owned();
            if parse_source(inv, &full, opts, ignored)? {
                parsed = true;
            }
        }
        // A directory none of whose entries parsed (an empty one too) is
        // an unparsed source of its own, as in ansible.
        if !parsed {
            if opts.any_unparsed_is_failed {
                return Err(LoadError(format!(
                    "Completely failed to parse inventory source {source}"
                )));
            }
            inv.warn(&format!("Unable to parse {source} as an inventory source"));
        }
        return Ok(parsed);
    }

    inv.current_source = Some(source.to_string());
    let mut failures: Vec<(&str, SourceError)> = Vec::new();
    let mut parsed = false;
    for kind in &opts.enabled {
        let Some(attempt) = try_kind(kind, inv, source, opts) else {
            continue;
        };
        match attempt {
            Ok(()) => {
                parsed = true;
                inv.processed_sources.push(source.to_string());
                break;
            }
            Err(e) => failures.push((kind_name(kind), e)),
        }
    }
    inv.current_source = None;
    if !parsed && (source != "/etc/ansible/hosts" || path.exists()) {
        for (kind, err) in &failures {
            inv.warn(&failure_report(kind, source, err));
        }
        if opts.any_unparsed_is_failed {
            return Err(LoadError(format!(
                "Completely failed to parse inventory source {source}"
            )));
        }
        inv.warn(&format!("Unable to parse {source} as an inventory source"));
    }
    Ok(parsed)
}

/// ansible's warning for a plugin that failed on a source: the levels
/// joined on one line, then each level below "<<< caused by >>>". The ini
/// plugin words its errors as "Failed to parse inventory: ..." and points
/// at the file; the others point at themselves with the source.
fn failure_report(kind: &str, source: &str, err: &SourceError) -> String {
    let (message, origin) = match kind {
        "ini" => (
            format!("Failed to parse inventory: {}", err.message),
            source.to_string(),
        ),
        _ => (
            err.message.clone(),
            format!("<inventory plugin '{kind}' with source '{source}'>"),
        ),
    };
    let mut levels: Vec<&str> = vec![&message];
    levels.extend(err.causes.iter().map(String::as_str));
    let last = levels.len() - 1;
    let joined: Vec<&str> = levels
        .iter()
        .enumerate()
        .map(|(i, level)| {
            if i < last {
                level.strip_suffix('.').unwrap_or(level)
            } else {
                level
            }
        })
        .collect();
    let mut text = format!(
        "Failed to parse inventory with '{kind}' plugin: {}\n\n\
         Failed to parse inventory with '{kind}' plugin.\n\n<<< caused by >>>\n\n\
         {message}\nOrigin: {origin}\n",
        joined.join(": ")
    );
    for cause in &err.causes {
        text.push_str(&format!("\n<<< caused by >>>\n\n{cause}\n"));
    }
    text
}

fn kind_name(kind: &str) -> &'static str {
    match kind {
        "host_list" | "ansible.builtin.host_list" => "host_list",
        "advanced_host_list" | "ansible.builtin.advanced_host_list" => "advanced_host_list",
        "script" | "ansible.builtin.script" => "script",
        "auto" | "ansible.builtin.auto" => "auto",
        "yaml" | "ansible.builtin.yaml" => "yaml",
        "ini" | "ansible.builtin.ini" => "ini",
        "toml" | "ansible.builtin.toml" => "toml",
        "constructed" | "ansible.builtin.constructed" => "constructed",
        "generator" | "ansible.builtin.generator" => "generator",
        _ => "unknown",
    }
}

/// `None` when this kind declines the source (ansible's `verify_file`).
fn try_kind(
    kind: &str,
    inv: &mut InventoryData,
    source: &str,
    opts: &LoadOptions,
) -> Option<Result<(), SourceError>> {
    let path = Path::new(source);
    let readable_file = path.exists() && std::fs::File::open(path).is_ok();
    let ext = extension(source);
    match kind_name(kind) {
        "host_list" => {
            (!path.exists() && source.contains(',')).then(|| parse_host_list(inv, source))
        }
        "advanced_host_list" => {
            (!path.exists() && source.contains(',')).then(|| parse_advanced_host_list(inv, source))
        }
        "script" => (readable_file && is_executable(path)).then(|| script::parse_script(inv, path)),
        "auto" => (readable_file && (source.ends_with(".yml") || source.ends_with(".yaml")))
            .then(|| auto_plugin(inv, path, opts)),
        "constructed" => (readable_file && super::plugin_config::accepts(path, opts))
            .then(|| super::constructed::parse(inv, path, opts)),
        "generator" => (readable_file && super::plugin_config::accepts(path, opts))
            .then(|| super::generator::parse(inv, path, opts)),
        "yaml" => {
            let wants = readable_file && (ext.is_empty() || opts.yaml_extensions.contains(&ext));
            wants.then(|| yaml_source::parse_yaml_inventory(inv, path, opts.vault.as_deref()))
        }
        "ini" => (readable_file && ext != ".toml").then(|| {
            read_text(path, opts.vault.as_deref()).and_then(|t| ini::parse_ini(inv, path, &t))
        }),
        "toml" => (readable_file && ext == ".toml").then(|| {
            Err(SourceError::new(
                "TOML inventory sources are not supported yet by mitorun",
            ))
        }),
        _ => None,
    }
}

/// `os.path.splitext(path)[1]`: the last `.suffix` of the file name, unless
/// the name starts with its only dot.
fn extension(source: &str) -> String {
    let name = source.rsplit('/').next().unwrap_or(source);
    let trimmed = name.trim_start_matches('.');
    match trimmed.rfind('.') {
        Some(pos) => trimmed[pos..].to_string(),
        None => String::new(),
    }
}

/// The file as text, decrypted when vault-encrypted. Bytes that are not
/// UTF-8 become `?`, which is how they reach ansible's output (decoded with
/// surrogateescape, printed replaced).
pub fn read_text(path: &Path, vault: Option<&Vault>) -> Result<String, SourceError> {
    let bytes = std::fs::read(path)
        .map_err(|e| SourceError::new(format!("Unable to read {}: {e}", path.display())))?;
    if crate::vault::is_encrypted(&bytes) {
        return crate::playbook::loader::read_data_text(path, vault)
            .map_err(yaml_source::data_error)
            .map(Option::unwrap_or_default);
    }
    Ok(decode_lossy_per_byte(&bytes))
}

fn decode_lossy_per_byte(mut bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    loop {
        match std::str::from_utf8(bytes) {
            Ok(valid) => {
                out.push_str(valid);
                return out;
            }
            Err(e) => {
                let (valid, rest) = bytes.split_at(e.valid_up_to());
                out.push_str(std::str::from_utf8(valid).unwrap_or_default());
                let bad = e.error_len().unwrap_or(rest.len());
                out.extend(std::iter::repeat_n('?', bad));
                bytes = &rest[bad..];
            }
        }
    }
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

#[cfg(not(unix))]
fn is_executable(_path: &Path) -> bool {
    false
}

/// ansible's `auto` plugin loads the inventory plugin a YAML config names:
/// mitorun has `constructed` and `generator`; for any other plugin it
/// declines with the reason, and the yaml kind then gets its turn, as in
/// ansible.
fn auto_plugin(
    inv: &mut InventoryData,
    path: &Path,
    opts: &LoadOptions,
) -> Result<(), SourceError> {
    let loaded = crate::playbook::loader::load_data_file(path, opts.vault.as_deref())
        .map_err(|e| SourceError::new(e.to_string()))?;
    let plugin = loaded
        .0
        .as_ref()
        .and_then(|v| v.as_map())
        .and_then(|m| m.get("plugin"))
        .and_then(|p| p.as_str());
    match plugin {
        None => Err(SourceError::new(format!(
            "no root 'plugin' key found, '{}' is not a valid YAML inventory plugin config file",
            path.display()
        ))),
        Some(name)
            if super::constructed::NAMES.contains(&name)
                || super::generator::NAMES.contains(&name) =>
        {
            if !super::plugin_config::accepts(path, opts) {
                return Err(SourceError::new(format!(
                    "inventory source '{}' could not be verified by inventory plugin '{name}'",
                    path.display()
                )));
            }
            if super::generator::NAMES.contains(&name) {
                super::generator::parse(inv, path, opts)
            } else {
                super::constructed::parse(inv, path, opts)
            }
        }
        Some(name) => Err(SourceError::new(format!(
            "inventory config '{}' specifies plugin '{name}', which is not supported yet by mitorun",
            path.display()
        ))),
    }
}

/// `-i 'a,b:2222,c'`: hosts into `ungrouped`, bad addresses kept verbatim.
fn parse_host_list(inv: &mut InventoryData, list: &str) -> Result<(), SourceError> {
    for item in list.split(',') {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        let (host, port) = match super::address::parse_address(item, false) {
            Ok((h, p)) => (h, p),
            Err(_) => (item.to_string(), None),
        };
        if inv.host_id(&host).is_none() {
            inv.add_host(&host, Some("ungrouped"), port).map_err(|e| {
                SourceError::new(format!("Invalid data from string, could not parse: {e}"))
            })?;
        }
    }
    Ok(())
}

/// `-i 'web[1:3],db'` with `advanced_host_list` enabled: a host list whose
/// names may hold ranges. A range ansible rejects as such ("host range
/// ...") leaves the name as written, said at -vvv; any other failure (a
/// bound that is no number) fails the source, as Python's ValueError does.
fn parse_advanced_host_list(inv: &mut InventoryData, list: &str) -> Result<(), SourceError> {
    for item in list.split(',') {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        let (hosts, port) = match super::ranges::expand_host_pattern(item) {
            Ok(expanded) => expanded,
            Err(e) if e.message.starts_with("host range") => {
                inv.verbose(
                    3,
                    &format!(
                        "Unable to parse address from hostname, leaving unchanged: {}",
                        e.message
                    ),
                );
                (vec![item.to_string()], None)
            }
            Err(e) => {
                return Err(SourceError::new(format!(
                    "Invalid data from string, could not parse: {}",
                    e.message
                )));
            }
        };
        for host in hosts {
            if inv.host_id(&host).is_none() {
                inv.add_host(&host, Some("ungrouped"), port).map_err(|e| {
                    SourceError::new(format!("Invalid data from string, could not parse: {e}"))
                })?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extension_matches_python_splitext() {
        assert_eq!(extension("/a/hosts.yml"), ".yml");
        assert_eq!(extension("/a/hosts"), "");
        assert_eq!(extension("/a/.hidden"), "");
        assert_eq!(extension("/a.d/hosts"), "");
        assert_eq!(extension("x.tar.gz"), ".gz");
    }

    #[test]
    fn host_list_source_adds_ungrouped_hosts() {
        let loaded = load(&["a, b:2222,a,".to_string()], &LoadOptions::default()).unwrap();
        let inv = &loaded.data;
        let names: Vec<&str> = inv.host_ids().map(|h| inv.host(h).name.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
        assert_eq!(
            inv.host_by_name("b").unwrap().vars.get("ansible_port"),
            Some(&crate::value::Value::Int(2222))
        );
    }
}
