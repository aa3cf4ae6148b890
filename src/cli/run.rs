//! Running playbooks from the command line: builds the variable store,
//! the templar, the output callback and the executor from the parsed
//! flags and configuration.

use std::path::Path;
use std::sync::{Arc, Mutex};

use crate::config::Config;
use crate::errors::{Exit, Fatal};
use crate::exec::playbook::{InventoryVarsSpec, PlaybookRunner};
use crate::exec::{NoTransport, RunOptions, Shared};
use crate::inventory::data::InventoryData;
use crate::inventory::patterns::HostSelector;
use crate::output::default::DefaultCallback;
use crate::output::python_callbacks::CallbackSources;
use crate::output::{Display, Stats};
use crate::playbook::model::Playbook;
use crate::playbook::model::routing::{PluginKind, route};
use crate::templating::render::Templar;
use crate::value::{Map, Value};
use crate::vars::VarsStore;
use crate::vars::fact_cache::{CacheSettings, FactCache};
use crate::vars::hostvars::ContextFactory;
use crate::vault::Vault;

pub struct RunContext<'a> {
    pub config: &'a Config,
    pub cwd: &'a Path,
    pub vault: &'a Arc<Vault>,
    pub sources: &'a [String],
    pub extra_vars: Map,
    /// Where each extra variable was named (`extra_vars::name_origins`).
    pub extra_var_names: crate::vars::origins::VarOrigins,
    /// The common run flags (verbosity, check, diff, forks, connection
    /// and become options).
    pub options: &'a super::args::RunOpts,
    pub force_handlers: bool,
    pub only_tags: Vec<String>,
    pub skip_tags: Vec<String>,
    pub limit: Option<String>,
    pub load_options: crate::playbook::model::LoadOptions,
    /// Which callbacks print the run.
    pub callbacks: CallbackChoice,
    pub start_at_task: Option<String>,
    /// `--flush-cache`: forget the cached facts of every inventory host.
    pub flush_cache: bool,
    /// `--step`: confirm each task before it runs.
    pub step: bool,
}

/// The stdout callback a program asks for, and how it treats enabled
/// callbacks.
pub struct CallbackChoice {
    /// The stdout callback's name (ansible-playbook: DEFAULT_STDOUT_CALLBACK;
    /// ad hoc: `minimal`, `oneline` for `-o`, or the configured one with
    /// `bin_ansible_callbacks`).
    pub stdout: String,
    /// False for ad hoc runs without `bin_ansible_callbacks`: no enabled
    /// callback loads.
    pub run_enabled: bool,
    /// Ad hoc `--tree DIR`.
    pub tree_dir: Option<std::path::PathBuf>,
}

impl CallbackChoice {
    /// ansible-playbook's: the configured stdout callback, every enabled one.
    pub fn playbook(config: &Config) -> CallbackChoice {
        CallbackChoice {
            stdout: config
                .str("DEFAULT_STDOUT_CALLBACK")
                .unwrap_or("default")
                .to_string(),
            run_enabled: true,
            tree_dir: None,
        }
    }
}

/// The stdout callback and the enabled ones, loaded as ansible's task
/// queue manager does (its `-vv` lines, warnings and errors included).
fn load_callbacks(
    config: &Config,
    choice: &CallbackChoice,
    display: Display,
    cwd: &Path,
    python: CallbackSources,
) -> Result<DefaultCallback, Fatal> {
    use crate::output::select::Timing;
    let enabled = config.list("CALLBACKS_ENABLED");
    let (selection, verbose_lines) = crate::output::select::select(
        &choice.stdout,
        &enabled,
        choice.tree_dir.is_some(),
        choice.run_enabled,
        |name| python_callback_exists(name, &python.dirs, &python.collection_roots),
        crate::cli::display::warning,
    )?;
    if display.verbosity >= 2 {
        for line in &verbose_lines {
            display.display(line);
        }
    }
    let mut callback = DefaultCallback::new(
        display,
        config.bool("DISPLAY_SKIPPED_HOSTS"),
        config.bool("DISPLAY_OK_HOSTS"),
    );
    callback.style = crate::output::default::Style::of(selection.stdout);
    callback.failed_to_stderr = config.bool("DISPLAY_FAILED_STDERR");
    callback.task_path_on_failure = config.bool("SHOW_TASK_PATH_ON_FAILURE");
    callback.check_mode_markers = config.bool("CHECK_MODE_MARKERS");
    if matches!(
        callback.style,
        crate::output::default::Style::Default | crate::output::default::Style::Minimal
    ) {
        use crate::output::result_format::{Dumper, ResultFormat};
        callback.result_format = ResultFormat {
            dumper: if selection.stdout == crate::output::select::StdoutCallback::CommunityYaml {
                Dumper::CommunityGeneralYaml
            } else if selection.stdout == crate::output::select::StdoutCallback::PosixDebug {
                Dumper::PosixDebug
            } else if config.str("RESULT_FORMAT") == Some("yaml") {
                Dumper::Yaml
            } else {
                Dumper::Json
            },
            pretty: config.opt_bool("PRETTY_RESULTS"),
        };
    }
    callback.show_custom_stats = config.bool("SHOW_CUSTOM_STATS");
    crate::cli::display::set_deprecation_warnings(config.bool("DEPRECATION_WARNINGS"));
    if selection.stdout == crate::output::select::StdoutCallback::Oneline {
        callback.deprecate(
            "The oneline callback plugin is deprecated. This feature will be removed from ansible-core version 2.23.",
        );
    }
    if selection.stdout == crate::output::select::StdoutCallback::CommunityYaml {
        callback.deprecate(
            "community.general.yaml has been deprecated. The plugin has been superseded by the option `result_format=yaml` in callback plugin ansible.builtin.default from ansible-core 2.13 onwards. This feature will be removed from collection 'community.general' version 12.0.0.",
        );
    }
    if selection.stdout == crate::output::select::StdoutCallback::Json {
        callback.json = Some(crate::output::json::JsonCallback::new(
            config.int("CALLBACK_JSON_INDENT").unwrap_or(4),
            config.bool("SHOW_CUSTOM_STATS"),
        ));
    }
    if selection.junit {
        callback.junit = Some(crate::output::junit::Junit::new());
    }
    if selection.tree {
        callback.deprecate(
            "The tree callback plugin is deprecated. This feature will be removed from ansible-core version 2.23.",
        );
        // `--tree` wins over the configured directory (ansible's TREE_DIR).
        let dir = match &choice.tree_dir {
            Some(dir) => std::path::PathBuf::from(crate::pypath::abspath(
                &crate::pypath::expanduser(&dir.to_string_lossy()),
            )),
            None => config
                .path("CALLBACK_TREE_DIR")
                .map(|p| cwd.join(p))
                .unwrap_or_else(|| cwd.join(".ansible/tree")),
        };
        callback.tree = Some(crate::output::tree::TreeCallback::new(dir));
    }
    for timing in selection.timing {
        callback.timing.push(match timing {
            Timing::Timer => crate::output::TimingCallback::Timer(crate::output::timer::Timer::new()),
            Timing::ProfileTasks => {
                let limit = config.str("PROFILE_TASKS_OUTPUT_LIMIT").unwrap_or("20");
                let profile = crate::output::profile_tasks::ProfileTasks::from_options(
                    config.str("PROFILE_TASKS_SORT_ORDER").unwrap_or("descending"),
                    limit,
                    config.bool("PROFILE_TASKS_SUMMARY_ONLY"),
                )
                .ok_or_else(|| {
                    Fatal::msg(
                        Exit::Error,
                        format!(
                            "Failed to load callback plugin 'profile_tasks': invalid literal for int() with base 10: {}",
                            crate::value::python_str_repr(limit)
                        ),
                    )
                })?;
                crate::output::TimingCallback::ProfileTasks(profile)
            }
        });
    }
    callback.python = crate::output::python_callbacks::PythonCallbacks::load(
        &CallbackSources {
            stdout: selection.python_stdout.clone(),
            enabled_native: enabled
                .iter()
                .filter(|name| !selection.python.contains(name))
                .cloned()
                .collect(),
            enabled: selection.python,
            run_additional: choice.run_enabled,
            ..python
        },
        crate::cli::display::warning,
    )?;
    Ok(callback)
}

/// Where the run's Python callbacks may be: the configured callback plugin
/// paths, then `callback_plugins/` beside each playbook and play and in
/// each role; collections by full name.
fn callback_sources(
    ctx: &RunContext,
    playbooks: &[Playbook],
    collection_roots: &[std::path::PathBuf],
) -> CallbackSources {
    use crate::templating::python_plugins::PluginDirs;
    let config = ctx.config;
    let configured = PluginDirs {
        callback: config.paths("DEFAULT_CALLBACK_PLUGIN_PATH"),
        ..PluginDirs::default()
    };
    let dirs = crate::exec::plugin_worker::plugin_dirs(
        playbooks,
        &configured,
        &config.paths("DEFAULT_ROLES_PATH"),
    );
    let mut cli = Map::new();
    cli.insert(
        "verbosity".into(),
        Value::Int(i64::from(ctx.options.verbosity)),
    );
    cli.insert("check".into(), Value::Bool(ctx.options.check));
    cli.insert("diff".into(), Value::Bool(ctx.options.diff));
    let connection = ctx
        .options
        .connection
        .connection
        .clone()
        .or_else(|| config.str("DEFAULT_TRANSPORT").map(str::to_string))
        .unwrap_or_else(|| "ssh".to_string());
    cli.insert("connection".into(), Value::str(connection));
    CallbackSources {
        dirs: dirs.callback,
        collection_roots: collection_roots.to_vec(),
        stdout: None,
        enabled: Vec::new(),
        enabled_native: Vec::new(),
        run_additional: true,
        cli,
    }
}

/// Whether an enabled callback name is a Python plugin file: a short name
/// in one of `dirs`, a full name (`ns.col.name`) in a collection.
fn python_callback_exists(
    name: &str,
    dirs: &[std::path::PathBuf],
    collection_roots: &[std::path::PathBuf],
) -> bool {
    let parts: Vec<&str> = name.split('.').collect();
    match parts[..] {
        // A name ansible-core itself redirects (`dense`) is found where
        // the redirect points.
        [short] => {
            dirs.iter()
                .any(|dir| dir.join(format!("{short}.py")).is_file())
                || route(
                    collection_roots,
                    "ansible.builtin",
                    PluginKind::Callback,
                    short,
                )
                .redirect
                .is_some_and(|target| {
                    target.split('.').count() > 2
                        && python_callback_exists(&target, dirs, collection_roots)
                })
        }
        [namespace, collection, ref rest @ ..] if !rest.is_empty() => {
            let Some((last, subdirs)) = rest.split_last() else {
                return false;
            };
            let file_exists = collection_roots.iter().any(|root| {
                let mut file = root
                    .join(namespace)
                    .join(collection)
                    .join("plugins")
                    .join("callback");
                for dir in subdirs {
                    file.push(dir);
                }
                file.join(format!("{last}.py")).is_file()
            });
            // A name the collection routes (redirect or tombstone) is the
            // worker's loader's to resolve or report.
            let routed = || {
                let route = route(
                    collection_roots,
                    &format!("{namespace}.{collection}"),
                    PluginKind::Callback,
                    &rest.join("."),
                );
                route.redirect.is_some() || route.removed
            };
            file_exists || routed()
        }
        _ => false,
    }
}

/// Connection settings from the command line and configuration: the
/// lowest layer under keywords and variables (`ansible_*` names).
fn connection_defaults(ctx: &RunContext) -> Map {
    let config = ctx.config;
    let opts = ctx.options;
    let mut out = Map::new();
    let mut set = |name: &str, value: Option<Value>| {
        if let Some(v) = value {
            out.insert(name.to_string(), v);
        }
    };
    let text = |flag: &Option<String>, setting: &str| {
        flag.clone()
            .or_else(|| config.str(setting).map(str::to_string))
            .map(Value::Str)
    };
    set(
        "ansible_user",
        text(&opts.connection.remote_user, "DEFAULT_REMOTE_USER"),
    );
    set(
        "ansible_connection",
        text(&opts.connection.connection, "DEFAULT_TRANSPORT"),
    );
    set(
        "ansible_ssh_private_key_file",
        opts.connection
            .private_key_file
            .as_ref()
            .map(|p| Value::str(p.to_string_lossy().as_ref()))
            .or_else(|| config.str("DEFAULT_PRIVATE_KEY_FILE").map(Value::str)),
    );
    set(
        "ansible_ssh_common_args",
        opts.connection.ssh_common_args.clone().map(Value::Str),
    );
    set(
        "ansible_ssh_extra_args",
        opts.connection.ssh_extra_args.clone().map(Value::Str),
    );
    set(
        "ansible_timeout",
        opts.connection
            .timeout
            .or_else(|| config.int("DEFAULT_TIMEOUT"))
            .map(Value::Int),
    );
    if opts.become_.become_ || config.bool("DEFAULT_BECOME") {
        set("ansible_become", Some(Value::Bool(true)));
    }
    set(
        "ansible_become_method",
        text(&opts.become_.become_method, "DEFAULT_BECOME_METHOD"),
    );
    set(
        "ansible_become_user",
        text(&opts.become_.become_user, "DEFAULT_BECOME_USER"),
    );
    // The shell plugin's option, under `ansible_async_dir` variables.
    set("ansible_async_dir", config.str("ASYNC_DIR").map(Value::str));
    // Read per task (`exec::rlimit`), under its variable's name.
    set(
        crate::exec::rlimit::RLIMIT_NOFILE_VAR,
        config
            .str("PYTHON_MODULE_RLIMIT_NOFILE")
            .filter(|v| v.trim() != "0")
            .map(Value::str),
    );
    out
}

/// Flags whose feature does not exist yet: refused (exit 5) rather than
/// ignored, so a run never silently logs in or becomes without them.
pub fn refuse_unsupported_run_flags(opts: &super::args::RunOpts) -> Result<(), Fatal> {
    if opts.connection.connection_password_file.is_some() {
        return Err(Fatal::unsupported("--connection-password-file"));
    }
    if opts.become_.become_password_file.is_some() {
        return Err(Fatal::unsupported("--become-password-file"));
    }
    Ok(())
}

/// ansible's `load_options_vars` plus the run-wide magic variables.
fn options_vars(ctx: &RunContext, playbook_dir: &Path) -> Map {
    let mut vars = Map::new();
    let strs =
        |items: &[String]| Value::List(items.iter().map(|s| Value::str(s.as_str())).collect());
    let mut version = Map::new();
    version.insert("full".into(), Value::str("2.19.0"));
    version.insert("major".into(), Value::Int(2));
    version.insert("minor".into(), Value::Int(19));
    version.insert("revision".into(), Value::Int(0));
    version.insert("string".into(), Value::str("2.19.0"));
    vars.insert("ansible_version".into(), Value::Map(version));
    vars.insert("ansible_check_mode".into(), Value::Bool(ctx.options.check));
    vars.insert("ansible_diff_mode".into(), Value::Bool(ctx.options.diff));
    vars.insert("ansible_forks".into(), Value::Int(forks(ctx) as i64));
    vars.insert("ansible_inventory_sources".into(), strs(ctx.sources));
    vars.insert("ansible_skip_tags".into(), strs(&ctx.skip_tags));
    vars.insert("ansible_run_tags".into(), strs(&ctx.only_tags));
    if let Some(limit) = &ctx.limit {
        vars.insert("ansible_limit".into(), Value::str(limit.as_str()));
    }
    vars.insert(
        "ansible_verbosity".into(),
        Value::Int(i64::from(ctx.options.verbosity)),
    );
    vars.insert(
        "playbook_dir".into(),
        Value::str(playbook_dir.to_string_lossy().as_ref()),
    );
    vars.insert(
        "ansible_playbook_python".into(),
        Value::str(super::setup::controller_python()),
    );
    vars.insert(
        "ansible_config_file".into(),
        match ctx.config.file_path() {
            Some(p) => Value::str(p.to_string_lossy().as_ref()),
            None => Value::Null,
        },
    );
    vars
}

/// The fact cache CACHE_PLUGIN names (warnings printed when ansible would
/// fall back to `memory`).
fn fact_cache(config: &Config) -> FactCache {
    let prefix = match config.origin("CACHE_PLUGIN_PREFIX") {
        Some(crate::config::Origin::Default) | None => String::new(),
        Some(_) => config.str("CACHE_PLUGIN_PREFIX").unwrap_or("").to_string(),
    };
    let settings = CacheSettings {
        plugin: config.str("CACHE_PLUGIN").unwrap_or("memory").to_string(),
        connection: config
            .path("CACHE_PLUGIN_CONNECTION")
            .map(Path::to_path_buf),
        prefix,
        timeout: config.int("CACHE_PLUGIN_TIMEOUT").unwrap_or(86400),
    };
    let (cache, warnings) = FactCache::from_settings(&settings);
    for warning in warnings {
        super::display::warning(&warning);
    }
    cache
}

/// DIFF_CONTEXT: lines of context around diff hunks.
fn diff_context(config: &Config) -> usize {
    config
        .int("DIFF_CONTEXT")
        .filter(|n| *n >= 0)
        .map(|n| n as usize)
        .unwrap_or(3)
}

/// `-f` or DEFAULT_FORKS.
fn forks(ctx: &RunContext) -> usize {
    ctx.options
        .forks
        .or_else(|| ctx.config.int("DEFAULT_FORKS"))
        .filter(|f| *f > 0)
        .map(|f| f as usize)
        .unwrap_or(5)
}

/// Modules run through the transport's connection pool; without a tokio
/// runtime (which cannot really fail here) they are refused plainly.
fn module_runner(
    config: &Config,
    module_path: &[String],
    forks: usize,
    verbosity: u8,
    playbook_dir: &Path,
) -> Box<dyn crate::exec::ModuleRunner> {
    let mut options = crate::transport::PoolOptions {
        forks,
        local_cwd: Some(playbook_dir.to_path_buf()),
        ..Default::default()
    };
    // What agents log (module runs, become command lines, environment
    // file changes, warnings, thread stacks when asked for). At -vvv it
    // goes to stdout, where ansible's display shows its own connection
    // lines (`<host> EXEC ...`) at that verbosity; stack dumps asked for
    // below -vvv go to stderr, out of the play's output.
    if verbosity >= 3 || options.dump_stacks.is_some() {
        let to_stdout = verbosity >= 3;
        options.log = Some(Arc::new(move |record: crate::transport::LogRecord| {
            use std::io::Write;
            let line = format!(
                "<{}> mitorun agent[{}] context {} {}: {}\n",
                record.host, record.pid, record.context, record.level, record.msg
            );
            // Not println!/eprintln!, which panic when the stream is gone.
            if to_stdout {
                let out = std::io::stdout();
                let mut out = out.lock();
                crate::output::progress::erase(&mut out);
                let _ = out.write_all(line.as_bytes());
                let _ = out.flush();
            } else {
                let _ = std::io::stderr().write_all(line.as_bytes());
            }
        }));
    }
    // COLLECTIONS_PATHS (ansible.cfg `collections_path` or
    // ANSIBLE_COLLECTIONS_PATH): where collection modules are found, as
    // collection roles are.
    // A playbook's own `collections/` dir comes first, as ansible adds it.
    let mut collections = vec![playbook_dir.join("collections")];
    collections.extend(config.collection_roots());
    options.collections_paths = Some(collections);
    // ansible.cfg's ssh-related settings, by the ssh plugin's option names
    // (host and environment variables still win).
    if config.origin("HOST_KEY_CHECKING").is_some() {
        options.ssh_settings.push((
            "host_key_checking".into(),
            config.bool("HOST_KEY_CHECKING").to_string(),
        ));
    }
    for dir in super::playbook::module_dirs(config, module_path) {
        if !options.library.contains(&dir) {
            options.library.push(dir);
        }
    }
    match crate::exec::remote::TransportRunner::new(options) {
        Ok(runner) => Box::new(runner),
        Err(e) => {
            super::display::warning(&format!("cannot start the transport: {e}"));
            Box::new(NoTransport)
        }
    }
}

/// The controller's Python worker, started on first use: by the
/// project's own plugins, or a lookup written in Python (`url`).
fn controller_python() -> Arc<crate::exec::plugin_worker::LocalPluginWorker> {
    let mut pythons = vec![super::setup::controller_python()];
    if !pythons.iter().any(|p| p == "/usr/bin/python3") {
        pythons.push("/usr/bin/python3".into());
    }
    Arc::new(crate::exec::plugin_worker::LocalPluginWorker::new(pythons))
}

/// The project's and collections' Python action plugins: the dirs beside
/// playbooks and in roles first, then DEFAULT_ACTION_PLUGIN_PATH (ansible's
/// plugin loader searches the dirs added to it before its configured
/// paths).
fn action_plugins(
    config: &Config,
    playbooks: &[Playbook],
    load_options: &crate::playbook::model::LoadOptions,
) -> crate::exec::action_plugins::ActionPlugins {
    use crate::templating::python_plugins::PluginDirs;
    let adjacent = crate::exec::plugin_worker::plugin_dirs(
        playbooks,
        &PluginDirs::default(),
        &config.paths("DEFAULT_ROLES_PATH"),
    );
    let mut dirs = adjacent.action;
    for dir in config.paths("DEFAULT_ACTION_PLUGIN_PATH") {
        if !dirs.contains(&dir) {
            dirs.push(dir);
        }
    }
    crate::exec::action_plugins::ActionPlugins::new(
        &dirs,
        &collection_roots(playbooks, load_options),
    )
}

/// The `ansible_collections` dirs plugins are searched in: the one beside
/// each playbook, then the configured collection paths.
fn collection_roots(
    playbooks: &[Playbook],
    load_options: &crate::playbook::model::LoadOptions,
) -> Vec<std::path::PathBuf> {
    let mut roots: Vec<std::path::PathBuf> = Vec::new();
    for playbook in playbooks {
        if let Some(dir) = playbook.path.parent() {
            let dir = std::path::PathBuf::from(crate::pypath::abspath(&dir.to_string_lossy()));
            let root = dir.join("collections").join("ansible_collections");
            if !roots.contains(&root) {
                roots.push(root);
            }
        }
    }
    for root in load_options.resolver.collection_roots() {
        if !roots.contains(root) {
            roots.push(root.clone());
        }
    }
    roots
}

/// The project's own Python filter/test/lookup plugins, loaded in the
/// controller's worker when there are any (a warning and none when the
/// worker cannot start).
fn python_plugins(
    config: &Config,
    playbooks: &[Playbook],
    collection_roots: &[std::path::PathBuf],
    worker: Arc<dyn crate::templating::python_plugins::PluginWorker>,
) -> Option<Arc<crate::templating::python_plugins::PythonPlugins>> {
    use crate::templating::python_plugins::{PluginDirs, PythonPlugins};
    let configured = PluginDirs {
        filter: config.paths("DEFAULT_FILTER_PLUGIN_PATH"),
        test: config.paths("DEFAULT_TEST_PLUGIN_PATH"),
        lookup: config.paths("DEFAULT_LOOKUP_PLUGIN_PATH"),
        action: Vec::new(),
        callback: Vec::new(),
        collection_roots: collection_roots.to_vec(),
    };
    let dirs = crate::exec::plugin_worker::plugin_dirs(
        playbooks,
        &configured,
        &config.paths("DEFAULT_ROLES_PATH"),
    );
    if !dirs.has_python() {
        return None;
    }
    match PythonPlugins::load(&dirs, worker) {
        Ok(plugins) => {
            for skipped in &plugins.skipped {
                super::display::warning(&format!("Skipping plugin ({skipped})"));
            }
            Some(Arc::new(plugins))
        }
        Err(e) => {
            super::display::warning(&format!("cannot run the project's Python plugins: {e}"));
            None
        }
    }
}

pub fn run_playbooks(
    playbooks: &[Playbook],
    inventory: &mut InventoryData,
    selector: &mut HostSelector,
    ctx: RunContext,
) -> Result<Exit, Fatal> {
    let config = ctx.config;
    let hash = config.hash_behaviour();
    let playbook_dir = playbooks
        .first()
        .and_then(|p| p.path.parent().map(Path::to_path_buf))
        .map(|p| crate::pypath::abspath(&p.to_string_lossy()))
        .unwrap_or_else(|| ctx.cwd.to_string_lossy().into_owned());
    let playbook_dir = std::path::PathBuf::from(playbook_dir);
    let store = VarsStore::new(
        hash,
        config.bool("INJECT_FACTS_AS_VARS"),
        ctx.extra_vars.clone(),
        options_vars(&ctx, &playbook_dir),
    )
    .with_fact_cache(fact_cache(config))
    .with_extra_var_names(ctx.extra_var_names.clone());
    if ctx.flush_cache {
        // ansible's `CLI._flush_cache`: localhost and every inventory host.
        store.clear_facts("localhost");
        for id in inventory.host_ids() {
            let host = inventory.host(id);
            if !host.implicit {
                store.clear_facts(&host.name);
            }
        }
    }
    let store = Arc::new(store);
    let mut services = crate::templating::lookups::LookupServices::new(
        Some(Arc::clone(ctx.vault)),
        Some(Arc::new(config.clone())),
        playbook_dir.clone(),
    );
    let worker = controller_python();
    let roots = collection_roots(playbooks, &ctx.load_options);
    services.python = python_plugins(config, playbooks, &roots, worker.clone());
    services.controller_python = Some(worker);
    let templar = Arc::new(Templar::with_services(Arc::new(services)));
    let factory = ContextFactory {
        store,
        templar: Arc::clone(&templar),
        vault: Some(Arc::clone(ctx.vault)),
    };
    let display = Display::new(ctx.options.verbosity);
    let python_callbacks = callback_sources(&ctx, playbooks, &roots);
    let mut callback = load_callbacks(config, &ctx.callbacks, display, ctx.cwd, python_callbacks)?;
    callback.cli_check = ctx.options.check;
    let action_plugins = Arc::new(action_plugins(config, playbooks, &ctx.load_options));
    let shared = Shared {
        templar,
        factory,
        verbosity: ctx.options.verbosity,
        check_mode: ctx.options.check,
        diff: ctx.options.diff,
        forks: forks(&ctx),
        connection_defaults: connection_defaults(&ctx),
        modules: module_runner(
            config,
            &ctx.options.module_path,
            forks(&ctx),
            ctx.options.verbosity,
            &playbook_dir,
        ),
        callback: Mutex::new(callback),
        current: Mutex::new(Default::default()),
        load_options: ctx.load_options,
        task_counter: Default::default(),
        start_found: Default::default(),
        step: std::sync::atomic::AtomicBool::new(ctx.step),
        poll_interval: config.int("DEFAULT_POLL_INTERVAL").unwrap_or(15),
        task_timeout: ctx
            .options
            .task_timeout
            .or_else(|| config.int("TASK_TIMEOUT"))
            .unwrap_or(0),
        no_log_default: config.bool("DEFAULT_NO_LOG"),
        diff_context: diff_context(config),
        facts_modules: config.list("FACTS_MODULES"),
        custom_stats: Mutex::new(Default::default()),
        action_plugins,
    };
    crate::exec::conditional::configure(crate::exec::conditional::ConditionalConfig {
        allow_broken: config.bool("ALLOW_BROKEN_CONDITIONALS"),
        allow_embedded_templates: config.bool("ALLOW_EMBEDDED_TEMPLATES"),
    });
    let options = RunOptions {
        verbosity: ctx.options.verbosity,
        check: ctx.options.check,
        diff: ctx.options.diff,
        only_tags: ctx.only_tags.clone(),
        skip_tags: ctx.skip_tags.clone(),
        force_handlers: ctx.force_handlers || config.bool("DEFAULT_FORCE_HANDLERS"),
        error_on_missing_handler: config.bool("ERROR_ON_MISSING_HANDLER"),
        gathering: config
            .str("DEFAULT_GATHERING")
            .unwrap_or("implicit")
            .to_string(),
        private_role_vars: match config.origin("DEFAULT_PRIVATE_ROLE_VARS") {
            Some(crate::config::Origin::Default) | None => None,
            Some(_) => Some(config.bool("DEFAULT_PRIVATE_ROLE_VARS")),
        },
        start_at_task: ctx.start_at_task.clone(),
        diff_context: diff_context(config),
        display_skipped_hosts: config.bool("DISPLAY_SKIPPED_HOSTS"),
        display_ok_hosts: config.bool("DISPLAY_OK_HOSTS"),
        strategy: config
            .str("DEFAULT_STRATEGY")
            .unwrap_or("linear")
            .to_string(),
        step: ctx.step,
    };
    let inventory_vars = InventoryVarsSpec {
        sources: ctx.sources.to_vec(),
        yaml_extensions: config.list("YAML_FILENAME_EXTENSIONS"),
        precedence: config.list("VARIABLE_PRECEDENCE"),
        vault: Some(Arc::clone(ctx.vault)),
        playbook_dirs: vec![playbook_dir.clone()],
        hash,
        load_options: crate::inventory::sources::LoadOptions {
            extra_vars: ctx.extra_vars.clone(),
            ..super::setup::load_options(config, Some(Arc::clone(ctx.vault)))
        },
        dynamic_edits: Default::default(),
    };
    let mut runner = PlaybookRunner {
        shared,
        options,
        inventory,
        selector,
        inventory_vars,
        stats: Stats::default(),
        failed_hosts: Default::default(),
        stop_run: false,
        break_play: false,
    };
    runner.run(playbooks)
}
