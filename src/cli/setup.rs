//! What every program does before its real work: read the configuration,
//! find and load the inventory, prepare host selection.

use super::args::VaultOpts;
use crate::config::{Config, Environment, Origin};
use crate::errors::{Exit, Fatal};
use crate::inventory::patterns::{HostSelector, MismatchPolicy};
use crate::inventory::sources::{self, LoadOptions, Loaded};
use crate::playbook::yaml::DuplicateKeys;
use crate::vault::{SecretOptions, Vault};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Read the configuration; with `-v` or more, say which file is used on
/// stdout, as ansible does.
pub fn load_config_verbose(verbosity: u8) -> Result<Config, Fatal> {
    super::display::set_verbosity(verbosity);
    let config = load_config()?;
    // Before the inventory loads: its deprecations obey it too.
    super::display::set_deprecation_warnings(config.bool("DEPRECATION_WARNINGS"));
    crate::config::tracebacks::set(&config.list("DISPLAY_TRACEBACK"));
    if verbosity > 0 {
        let line = match config.file_path() {
            Some(path) => format!("Using {} as config file", path.display()),
            None => "No config file found; using defaults".to_string(),
        };
        crate::output::log_file::record(&line, crate::output::log_file::Level::Info);
        println!("{line}");
    }
    Ok(config)
}

pub fn load_config() -> Result<Config, Fatal> {
    let lookup = |name: &str| std::env::var(name).ok();
    let env = Environment::from_process(&lookup);
    let config = Config::load(&env).map_err(|e| Fatal::new(Exit::BadOptions, e))?;
    if let Some(path) = config.path("DEFAULT_LOG_PATH") {
        crate::output::log_file::open(path);
    }
    // The choices are checked by `Config::load`, so only the default is left.
    let duplicate_keys = config
        .str("DUPLICATE_YAML_DICT_KEY")
        .and_then(DuplicateKeys::from_setting)
        .unwrap_or(DuplicateKeys::Warn);
    crate::playbook::yaml::set_duplicate_keys(duplicate_keys);
    for w in &config.warnings {
        super::display::warning(w);
    }
    Ok(config)
}

pub fn cwd() -> PathBuf {
    std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."))
}

/// `-i` values, or the configured default inventory, as ansible keeps them.
pub fn inventory_sources(cli: &[String], config: &Config, cwd: &Path) -> Vec<String> {
    if cli.is_empty() {
        config
            .paths("DEFAULT_HOST_LIST")
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect()
    } else {
        cli.iter()
            .map(|s| sources::absolute_source(s, cwd))
            .collect()
    }
}

pub fn load_options(config: &Config, vault: Option<Arc<Vault>>) -> LoadOptions {
    LoadOptions {
        vault,
        enabled: config.list("INVENTORY_ENABLED"),
        ignore_extensions: config.list("INVENTORY_IGNORE_EXTS"),
        ignore_patterns: config.list("INVENTORY_IGNORE_PATTERNS"),
        yaml_extensions: config.list("YAML_FILENAME_EXTENSIONS"),
        unparsed_is_failed: config.bool("INVENTORY_UNPARSED_IS_FAILED"),
        any_unparsed_is_failed: config.bool("INVENTORY_ANY_UNPARSED_IS_FAILED"),
        unparsed_warning: config.bool("INVENTORY_UNPARSED_WARNING"),
        hash_behaviour: config.hash_behaviour(),
        group_chars: crate::inventory::data::GroupChars::parse(
            config.str("TRANSFORM_INVALID_GROUP_CHARS"),
        ),
        extra_vars: crate::value::Map::new(),
    }
}

/// Parse the inventory sources; `extra_vars` are the `-e` values, which
/// inventory plugins may read.
pub fn load_inventory(
    sources: &[String],
    config: &Config,
    vault: Option<Arc<Vault>>,
    extra_vars: &crate::value::Map,
) -> Result<Loaded, Fatal> {
    let mut options = load_options(config, vault);
    options.extra_vars = extra_vars.clone();
    let mut loaded = sources::load(sources, &options).map_err(|e| Fatal::msg(Exit::Error, e))?;
    super::display::notices(&loaded.data.warnings);
    loaded.data.warnings.clear();
    Ok(loaded)
}

pub fn mismatch_policy(config: &Config) -> MismatchPolicy {
    match config.str("HOST_PATTERN_MISMATCH") {
        Some("error") => MismatchPolicy::Error,
        Some("ignore") => MismatchPolicy::Ignore,
        _ => MismatchPolicy::Warning,
    }
}

pub fn host_selector(config: &Config, limit: Option<&str>) -> Result<HostSelector, Fatal> {
    let mut selector = HostSelector::new(mismatch_policy(config), controller_python());
    selector
        .set_limit(limit)
        .map_err(|e| Fatal::msg(Exit::Error, e))?;
    Ok(selector)
}

/// The implicit localhost's interpreter: ansible uses its own
/// `sys.executable`; mitorun uses the first python3 on PATH.
pub fn controller_python() -> String {
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        let candidate = dir.join("python3");
        if candidate.is_file() {
            return candidate.to_string_lossy().into_owned();
        }
    }
    "/usr/bin/python3".to_string()
}

/// Print and clear the warnings gathered on the inventory so far.
pub fn flush_notices(inv: &mut crate::inventory::data::InventoryData) {
    super::display::notices(&inv.warnings);
    inv.warnings.clear();
}

/// `-e` values, warnings printed, errors with ansible's exit codes.
pub fn extra_vars(items: &[String], cwd: &Path, merge: bool) -> Result<crate::value::Map, Fatal> {
    let (vars, warnings) =
        crate::playbook::extra_vars::load_extra_vars_with_warnings(items, cwd, merge)
            .map_err(|e| Fatal::msg(e.exit(), e.ansible_report()))?;
    for w in &warnings {
        super::display::warning(w);
    }
    Ok(vars)
}

/// The vault secrets of a run, from flags and configuration, in ansible's
/// order. A run without any still gets a `Vault`, so that encrypted data
/// fails with ansible's "no vault secrets" error.
pub fn vault(opts: &VaultOpts, config: &Config, cwd: &Path) -> Result<Arc<Vault>, Fatal> {
    let id_match = match config.origin("DEFAULT_VAULT_ID_MATCH") {
        Some(Origin::Default) | None => false,
        Some(_) => crate::vault::id_match_setting(config.str("DEFAULT_VAULT_ID_MATCH")),
    };
    let options = SecretOptions {
        vault_ids: opts.vault_ids.clone(),
        password_files: opts.vault_password_files.clone(),
        ask_vault_pass: opts.ask_vault_pass || config.bool("DEFAULT_ASK_VAULT_PASS"),
        default_identity_list: config.list("DEFAULT_VAULT_IDENTITY_LIST"),
        default_password_file: config
            .path("DEFAULT_VAULT_PASSWORD_FILE")
            .map(Path::to_path_buf),
        id_match,
        cwd: Some(cwd.to_path_buf()),
        ..SecretOptions::default()
    };
    let mut warnings: Vec<String> = Vec::new();
    let secrets = options
        .load(&prompt_no_echo, &mut |w: &str| warnings.push(w.to_string()))
        .map_err(|e| Fatal::msg(Exit::Error, e))?;
    for w in &warnings {
        super::display::warning(w);
    }
    Ok(Arc::new(Vault::new(secrets).with_id_match(id_match)))
}

/// Ask on the terminal without echo (`stty -echo`), as getpass does.
pub(crate) fn prompt_no_echo(prompt: &str) -> std::io::Result<String> {
    use std::io::{BufRead, Write};
    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")?;
    let stty = |arg: &str| -> std::io::Result<()> {
        std::process::Command::new("stty")
            .arg(arg)
            .stdin(tty.try_clone()?)
            .status()
            .map(|_| ())
    };
    let mut out = tty.try_clone()?;
    write!(out, "{prompt}")?;
    out.flush()?;
    stty("-echo")?;
    let mut line = String::new();
    let read = std::io::BufReader::new(tty.try_clone()?).read_line(&mut line);
    let _ = stty("echo");
    writeln!(out)?;
    read?;
    if line.is_empty() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "EOF on prompt",
        ));
    }
    Ok(line.trim_end_matches(['\n', '\r']).to_string())
}
