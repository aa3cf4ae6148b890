//! Configuration: ansible.cfg + ANSIBLE_* environment + defaults, resolved
//! with ansible's precedence (env > file > default; command-line flags are
//! applied on top by the CLI layer).

pub mod cfgfile;
pub mod plugin_options;
pub mod settings;
pub mod tracebacks;

use cfgfile::{CfgFile, CfgSyntaxError};
use settings::{Kind, SETTINGS, Setting};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// A typed setting value.
#[derive(Debug, Clone, PartialEq)]
pub enum ConfigValue {
    Unset,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    List(Vec<String>),
    Path(PathBuf),
    Paths(Vec<PathBuf>),
}

/// Where a value came from, for error messages and `ansible-config dump`-like output.
#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    Default,
    Env(&'static str),
    File { path: PathBuf, line: usize },
}

/// A configuration problem; carries the file and line when it came from ansible.cfg.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{message}")]
#[diagnostic(code(mitorun::config))]
pub struct ConfigError {
    pub message: String,
    #[source_code]
    pub src: Option<miette::NamedSource<String>>,
    #[label("here")]
    pub span: Option<miette::SourceSpan>,
}

impl ConfigError {
    fn plain(message: String) -> Self {
        ConfigError {
            message,
            src: None,
            span: None,
        }
    }

    fn in_file(message: String, file: &CfgFile, line: usize) -> Self {
        let (offset, len) = line_span(&file.text, line);
        ConfigError {
            message: format!("{message}\n  --> {}:{line}:1", file.path.display()),
            src: Some(miette::NamedSource::new(
                file.path.display().to_string(),
                file.text.clone(),
            )),
            span: Some((offset, len).into()),
        }
    }
}

/// Byte offset and length of a 1-based line.
fn line_span(text: &str, line: usize) -> (usize, usize) {
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            return (offset, l.trim_end().len());
        }
        offset += l.len();
    }
    (text.len(), 0)
}

#[derive(Debug, Clone)]
pub struct Config {
    /// The ansible.cfg in use, if any.
    pub file: Option<CfgFile>,
    values: HashMap<&'static str, (ConfigValue, Origin)>,
    /// Warnings to print once (e.g. a world-writable cwd config ignored).
    pub warnings: Vec<String>,
}

/// The process environment and location the configuration is read in.
pub struct Environment<'a> {
    pub vars: &'a dyn Fn(&str) -> Option<String>,
    pub cwd: PathBuf,
    pub home: Option<PathBuf>,
}

impl Environment<'_> {
    pub fn from_process(vars: &dyn Fn(&str) -> Option<String>) -> Environment<'_> {
        Environment {
            vars,
            cwd: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
            home: std::env::var_os("HOME").map(PathBuf::from),
        }
    }
}

impl Config {
    /// Find and read ansible.cfg, then resolve every known setting.
    pub fn load(env: &Environment) -> Result<Config, ConfigError> {
        let mut warnings = Vec::new();
        let file = match find_config_file(env, &mut warnings) {
            Some(path) => {
                let text = std::fs::read_to_string(&path).map_err(|e| {
                    ConfigError::plain(format!(
                        "Error reading config file ({}): {e}",
                        path.display()
                    ))
                })?;
                let parsed =
                    CfgFile::parse(&path, &text).map_err(|CfgSyntaxError { message, line }| {
                        let file = CfgFile {
                            path: path.clone(),
                            text: text.clone(),
                            ..Default::default()
                        };
                        ConfigError::in_file(
                            format!("Error reading config file ({}): {message}", path.display()),
                            &file,
                            line,
                        )
                    })?;
                Some(parsed)
            }
            None => None,
        };
        let mut config = Config {
            file,
            values: HashMap::new(),
            warnings,
        };
        let home = config.resolve_home(env)?;
        for setting in SETTINGS {
            let resolved = config.resolve(setting, env, &home)?;
            config.values.insert(setting.name, resolved);
        }
        Ok(config)
    }

    /// ANSIBLE_HOME first: other defaults are relative to it.
    fn resolve_home(&self, env: &Environment) -> Result<PathBuf, ConfigError> {
        let setting = SETTINGS.iter().find(|s| s.name == "ANSIBLE_HOME");
        let fallback = expand_user("~/.ansible", env.home.as_deref());
        match setting {
            Some(s) => match self.resolve(s, env, &fallback)?.0 {
                ConfigValue::Path(p) => Ok(p),
                _ => Ok(fallback),
            },
            None => Ok(fallback),
        }
    }

    fn resolve(
        &self,
        setting: &Setting,
        env: &Environment,
        home: &Path,
    ) -> Result<(ConfigValue, Origin), ConfigError> {
        let from_env = setting
            .env
            .iter()
            .filter_map(|name| (env.vars)(name).map(|v| (v, Origin::Env(name))))
            .next_back();
        let from_file = self.file.as_ref().and_then(|f| {
            setting
                .ini
                .iter()
                .filter_map(|(sec, key)| f.get(sec, key))
                .next_back()
                .map(|entry| {
                    (
                        cfgfile::interpolate(&entry.value),
                        Origin::File {
                            path: f.path.clone(),
                            line: entry.line,
                        },
                    )
                })
        });
        let (text, origin) = match from_env.or(from_file) {
            Some(found) => found,
            None => match setting.default {
                Some(d) => (d.to_string(), Origin::Default),
                None => return Ok((ConfigValue::Unset, Origin::Default)),
            },
        };
        let base_dir = match &origin {
            Origin::File { path, .. } => path
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| env.cwd.clone()),
            _ => env.cwd.clone(),
        };
        let converted = convert(setting, &text, &base_dir, env, home);
        // An empty environment variable that is not valid for the type
        // means the default, as in ansible's config manager.
        if converted.is_err() && text.is_empty() && matches!(origin, Origin::Env(_)) {
            return match setting.default {
                Some(d) => convert(setting, d, &base_dir, env, home)
                    .map(|typed| (typed, Origin::Default))
                    .map_err(|reason| {
                        ConfigError::plain(format!(
                            "Config '{}' has an invalid default value: {reason}",
                            setting.name
                        ))
                    }),
                None => Ok((ConfigValue::Unset, Origin::Default)),
            };
        }
        let typed = converted.map_err(|reason| {
            let msg = match &origin {
                Origin::Default => format!(
                    "Config '{}' has an invalid default value: {reason}",
                    setting.name
                ),
                Origin::Env(name) => format!(
                    "Config '{}' from 'env: {name}' has an invalid value: {reason}",
                    setting.name
                ),
                Origin::File { path, .. } => {
                    format!(
                        "Config '{}' from '{}' has an invalid value: {reason}",
                        setting.name,
                        path.display()
                    )
                }
            };
            match (&origin, &self.file) {
                (Origin::File { line, .. }, Some(file)) => ConfigError::in_file(msg, file, *line),
                _ => ConfigError::plain(msg),
            }
        })?;
        Ok((typed, origin))
    }

    pub fn value(&self, name: &str) -> &ConfigValue {
        self.values
            .get(name)
            .map(|(v, _)| v)
            .unwrap_or(&ConfigValue::Unset)
    }

    pub fn origin(&self, name: &str) -> Option<&Origin> {
        self.values.get(name).map(|(_, o)| o)
    }

    pub fn bool(&self, name: &str) -> bool {
        matches!(self.value(name), ConfigValue::Bool(true))
    }

    /// A boolean setting with no default: None while unset.
    pub fn opt_bool(&self, name: &str) -> Option<bool> {
        match self.value(name) {
            ConfigValue::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn int(&self, name: &str) -> Option<i64> {
        match self.value(name) {
            ConfigValue::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// `DEFAULT_HASH_BEHAVIOUR`.
    pub fn hash_behaviour(&self) -> crate::inventory::vars::HashBehaviour {
        if self.str("DEFAULT_HASH_BEHAVIOUR") == Some("merge") {
            crate::inventory::vars::HashBehaviour::Merge
        } else {
            crate::inventory::vars::HashBehaviour::Replace
        }
    }

    pub fn str(&self, name: &str) -> Option<&str> {
        match self.value(name) {
            ConfigValue::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn list(&self, name: &str) -> Vec<String> {
        match self.value(name) {
            ConfigValue::List(l) => l.clone(),
            _ => Vec::new(),
        }
    }

    pub fn path(&self, name: &str) -> Option<&Path> {
        match self.value(name) {
            ConfigValue::Path(p) => Some(p),
            _ => None,
        }
    }

    pub fn paths(&self, name: &str) -> Vec<PathBuf> {
        match self.value(name) {
            ConfigValue::Paths(p) => p.clone(),
            ConfigValue::Path(p) => vec![p.clone()],
            _ => Vec::new(),
        }
    }

    /// COLLECTIONS_PATHS as collection roots: an entry naming an
    /// `ansible_collections` dir stands for its parent, as ansible's
    /// collection finder reads it.
    pub fn collection_roots(&self) -> Vec<PathBuf> {
        self.paths("COLLECTIONS_PATHS")
            .into_iter()
            .map(crate::transport::modules::collection_root)
            .collect()
    }

    /// The path of the config file in use, as `ansible_config_file` reports it.
    pub fn file_path(&self) -> Option<&Path> {
        self.file.as_ref().map(|f| f.path.as_path())
    }
}

/// ansible's search order: $ANSIBLE_CONFIG (a file, or a directory holding
/// ansible.cfg), ./ansible.cfg unless the cwd is world-writable,
/// ~/.ansible.cfg, /etc/ansible/ansible.cfg. The first that exists wins.
fn find_config_file(env: &Environment, warnings: &mut Vec<String>) -> Option<PathBuf> {
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Some(from_env) = (env.vars)("ANSIBLE_CONFIG") {
        let p = expand_user(&from_env, env.home.as_deref());
        let p = if p.is_dir() { p.join("ansible.cfg") } else { p };
        candidates.push(p);
    }
    let cwd_cfg = env.cwd.join("ansible.cfg");
    let mut cwd_ignored = false;
    if cwd_is_world_writable(&env.cwd) {
        cwd_ignored = cwd_cfg.exists();
    } else {
        candidates.push(cwd_cfg.clone());
    }
    if let Some(home) = &env.home {
        candidates.push(home.join(".ansible.cfg"));
    }
    candidates.push(PathBuf::from("/etc/ansible/ansible.cfg"));
    let found = candidates.into_iter().find(|p| p.exists());
    if cwd_ignored && found.as_deref() != Some(cwd_cfg.as_path()) {
        warnings.push(format!(
            "Ansible is being run in a world writable directory ({}), ignoring it as an ansible.cfg source. For more information see https://docs.ansible.com/ansible/devel/reference_appendices/config.html#cfg-in-world-writable-dir",
            env.cwd.display()
        ));
    }
    found
}

#[cfg(unix)]
fn cwd_is_world_writable(cwd: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(cwd)
        .map(|m| m.permissions().mode() & 0o002 != 0)
        .unwrap_or(false)
}

#[cfg(not(unix))]
fn cwd_is_world_writable(_cwd: &Path) -> bool {
    false
}

/// `~` and `~/x` expansion (ansible also expands `$VARS` in paths).
pub fn expand_user(path: &str, home: Option<&Path>) -> PathBuf {
    match (path.strip_prefix('~'), home) {
        (Some(""), Some(h)) => h.to_path_buf(),
        (Some(rest), Some(h)) if rest.starts_with('/') => h.join(&rest[1..]),
        _ => PathBuf::from(path),
    }
}

/// ansible's `boolean(value, strict=False)`.
pub fn parse_bool_lenient(text: &str) -> bool {
    matches!(
        text.trim().to_lowercase().as_str(),
        "y" | "yes" | "on" | "1" | "true" | "t" | "1.0"
    )
}

/// ansible's `resolve_path`: expand `~` and `$VARS`, make absolute against `base`.
fn resolve_path(text: &str, base: &Path, env: &Environment, home: &Path) -> PathBuf {
    let text = text.trim();
    let text = if let Some(rest) = text.strip_prefix("~/.ansible") {
        format!("{}{rest}", home.display())
    } else {
        text.to_string()
    };
    let expanded = expand_env_vars(&text, env);
    let p = expand_user(&expanded, env.home.as_deref());
    if p.is_absolute() { p } else { base.join(p) }
}

/// `os.path.expandvars`: `$NAME` and `${NAME}`; unknown names stay as written.
fn expand_env_vars(text: &str, env: &Environment) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find('$') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        let (name, consumed) = if let Some(braced) = after.strip_prefix('{') {
            match braced.find('}') {
                Some(end) => (&braced[..end], end + 2),
                None => ("", 0),
            }
        } else {
            let end = after
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (&after[..end], end)
        };
        match (name.is_empty(), (env.vars)(name)) {
            (false, Some(value)) => out.push_str(&value),
            _ => out.push_str(&rest[pos..pos + 1 + consumed]),
        }
        rest = &after[consumed..];
    }
    out.push_str(rest);
    out
}

fn convert(
    setting: &Setting,
    text: &str,
    base: &Path,
    env: &Environment,
    home: &Path,
) -> Result<ConfigValue, String> {
    let value = match setting.kind {
        Kind::Bool => ConfigValue::Bool(parse_bool_lenient(text)),
        Kind::Int => {
            let t = text.trim();
            match t.parse::<i64>() {
                Ok(i) => ConfigValue::Int(i),
                // ansible accepts "3.0" (a decimal equal to an integer).
                Err(_) => match t.parse::<f64>() {
                    Ok(f) if f.fract() == 0.0 && f.is_finite() => ConfigValue::Int(f as i64),
                    _ => return Err(format!("Invalid value provided for 'integer': '{text}'")),
                },
            }
        }
        Kind::Float => match text.trim().parse::<f64>() {
            Ok(f) => ConfigValue::Float(f),
            Err(_) => return Err(format!("Invalid value provided for 'float': '{text}'")),
        },
        Kind::Str => ConfigValue::Str(text.to_string()),
        Kind::List => ConfigValue::List(split_list(text)),
        Kind::Path => ConfigValue::Path(resolve_path(text, base, env, home)),
        Kind::PathSpec => ConfigValue::Paths(
            text.split(':')
                .map(|p| resolve_path(p, base, env, home))
                .collect(),
        ),
        Kind::PathList => ConfigValue::Paths(
            text.split(',')
                .map(|p| resolve_path(p, base, env, home))
                .collect(),
        ),
    };
    if !setting.choices.is_empty()
        && let ConfigValue::Str(s) = &value
        && !setting.choices.contains(&s.as_str())
    {
        return Err(format!(
            "Invalid value \"{s}\" for configuration option \"{}\", valid values are: {}",
            setting.name,
            setting.choices.join(", ")
        ));
    }
    Ok(value)
}

/// Comma-separated list, items stripped and unquoted.
fn split_list(text: &str) -> Vec<String> {
    if text.trim().is_empty() {
        return Vec::new();
    }
    text.split(',')
        .map(|item| {
            let item = item.trim();
            let unquoted = item
                .strip_prefix('"')
                .and_then(|s| s.strip_suffix('"'))
                .or_else(|| item.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')));
            unquoted.unwrap_or(item).to_string()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_with(vars: &[(&str, &str)], cfg: Option<&str>) -> Result<Config, ConfigError> {
        let dir = std::env::temp_dir().join(format!(
            "mitorun-cfg-{}-{}",
            std::process::id(),
            rand_suffix()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        if let Some(text) = cfg {
            std::fs::write(dir.join("ansible.cfg"), text).unwrap();
        }
        let owned: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let lookup = move |name: &str| {
            owned
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        };
        let env = Environment {
            vars: &lookup,
            cwd: dir.clone(),
            home: Some(dir.join("home")),
        };
        let result = Config::load(&env);
        let _ = std::fs::remove_dir_all(&dir);
        result
    }

    fn rand_suffix() -> u128 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    }

    #[test]
    fn env_beats_file_beats_default() {
        let c = load_with(&[], None).unwrap();
        assert_eq!(c.int("DEFAULT_FORKS"), Some(5));
        let c = load_with(&[], Some("[defaults]\nforks = 12\n")).unwrap();
        assert_eq!(c.int("DEFAULT_FORKS"), Some(12));
        let c = load_with(&[("ANSIBLE_FORKS", "30")], Some("[defaults]\nforks = 12\n")).unwrap();
        assert_eq!(c.int("DEFAULT_FORKS"), Some(30));
        assert_eq!(
            c.origin("DEFAULT_FORKS"),
            Some(&Origin::Env("ANSIBLE_FORKS"))
        );
    }

    #[test]
    fn an_empty_env_value_invalid_for_the_type_means_the_default() {
        let c = load_with(&[("ANSIBLE_TIMEOUT", "")], None).unwrap();
        assert_eq!(c.int("DEFAULT_TIMEOUT"), Some(10));
        assert_eq!(c.origin("DEFAULT_TIMEOUT"), Some(&Origin::Default));
        assert!(load_with(&[("ANSIBLE_TIMEOUT", "lola")], None).is_err());
    }

    #[test]
    fn malformed_value_reports_file_and_line() {
        let err = load_with(&[], Some("[defaults]\n\nforks = abc\n")).unwrap_err();
        assert!(
            err.message.contains("Config 'DEFAULT_FORKS'"),
            "{}",
            err.message
        );
        assert!(err.message.contains("ansible.cfg:3:1"), "{}", err.message);
    }

    #[test]
    fn choices_are_enforced_and_unknown_keys_ignored() {
        assert!(load_with(&[("ANSIBLE_HOST_PATTERN_MISMATCH", "loud")], None).is_err());
        let c = load_with(
            &[],
            Some("[defaults]\nno_such_key = 1\n[inventory]\nhost_pattern_mismatch = error\n"),
        )
        .unwrap();
        assert_eq!(c.str("HOST_PATTERN_MISMATCH"), Some("error"));
    }

    #[test]
    fn paths_are_relative_to_the_config_file_and_lists_split() {
        let c = load_with(
            &[],
            Some("[defaults]\nroles_path = roles:/abs\ncallbacks_enabled = junit, 'timer'\n"),
        )
        .unwrap();
        let roles = c.paths("DEFAULT_ROLES_PATH");
        assert!(roles[0].ends_with("roles") && roles[0].is_absolute());
        assert_eq!(roles[1], PathBuf::from("/abs"));
        assert_eq!(c.list("CALLBACKS_ENABLED"), ["junit", "timer"]);
    }
}
