//! Ad hoc mode (`ansible PATTERN -m MODULE -a ARGS`): one task in a play
//! named "Ansible Ad-Hoc", run by the executor and printed by the minimal
//! (or, with `-o`, oneline) callback, as ansible does.

use super::args::AdhocCli;
use super::setup;
use crate::errors::{Exit, Fatal};
use crate::inventory::patterns::{ADHOC_NO_HOSTS_MATCHED, HostSelector, PatternError};

pub fn run(cli: AdhocCli) -> Result<Exit, Fatal> {
    if cli.version {
        println!("mitorun {}", env!("CARGO_PKG_VERSION"));
        return Ok(Exit::Ok);
    }
    let Some(pattern) = cli.pattern.clone() else {
        eprintln!(
            "usage: ansible [-h] [--version] [-v] [-b] [--become-method BECOME_METHOD] ... pattern"
        );
        eprintln!("ansible: error: the following arguments are required: pattern");
        return Err(Fatal::silent(Exit::HostFailed));
    };
    if cli.run.connection.ask_pass || cli.run.become_.become_ask_pass {
        return Err(Fatal::unsupported("password prompts (-k, -K)"));
    }
    if !cli.run.list_hosts {
        super::run::refuse_unsupported_run_flags(&cli.run)?;
    }
    let config = setup::load_config_verbose(cli.run.verbosity)?;
    let cwd = setup::cwd();
    let sources = setup::inventory_sources(&cli.run.inventory.inventory, &config, &cwd);
    let vault = setup::vault(&cli.run.vault, &config, &cwd)?;
    let extra_vars = setup::extra_vars(
        &cli.run.extra.extra_vars,
        &cwd,
        config.str("DEFAULT_HASH_BEHAVIOUR") == Some("merge"),
    )?;
    let mut loaded = setup::load_inventory(
        &sources,
        &config,
        Some(std::sync::Arc::clone(&vault)),
        &extra_vars,
    )?;
    let inv = &mut loaded.data;
    let limit = cli.run.inventory.limit.as_deref();
    let mut selector =
        HostSelector::new(setup::mismatch_policy(&config), setup::controller_python());
    let selected = selector.get_host_list(inv, limit, &pattern, config.bool("LOCALHOST_WARNING"));
    setup::flush_notices(inv);
    // As ansible: with a limit any selection error is fatal; without one it
    // becomes a warning and an empty host list.
    let hosts = match selected {
        Ok(hosts) => hosts,
        Err(e) if limit.is_some_and(|l| !l.is_empty()) => return Err(pattern_fatal(e)),
        Err(_) => {
            super::display::warning(ADHOC_NO_HOSTS_MATCHED);
            Vec::new()
        }
    };
    if !cli.run.list_hosts {
        // ansible runs the play even so: a templated pattern selects its
        // hosts once the play templates it.
        if hosts.is_empty() && !crate::templating::render::is_template(&pattern) {
            return Ok(Exit::Ok);
        }
        let extra_var_names =
            crate::playbook::extra_vars::name_origins(&cli.run.extra.extra_vars, &cwd);
        let module = cli
            .module_name
            .clone()
            .or_else(|| config.str("DEFAULT_MODULE_NAME").map(str::to_string))
            .unwrap_or_else(|| "command".into());
        let module_args = cli.module_args.clone().unwrap_or_default();
        // `--playbook-dir` (or `playbook_dir` in the config) is ansible's
        // basedir: its library/, action_plugins/ and collections/ are
        // searched as a playbook's own dir is. Without it, nothing is.
        let playbook_dir = cli
            .playbook_dir
            .clone()
            .or_else(|| config.path("PLAYBOOK_DIR").map(|p| cwd.join(p)));
        let basedir = playbook_dir.clone().unwrap_or_else(|| cwd.clone());
        let limits = AdhocLimits {
            async_val: cli.background.unwrap_or(0),
            poll: cli
                .poll
                .or_else(|| config.int("DEFAULT_POLL_INTERVAL"))
                .unwrap_or(15),
            timeout: cli
                .run
                .task_timeout
                .or_else(|| config.int("TASK_TIMEOUT"))
                .unwrap_or(0),
        };
        let mut load_options = super::playbook::load_options(&config, &cli.run.module_path);
        if let Some(dir) = &playbook_dir {
            load_options.resolver.add_plugin_dirs(dir);
            load_options
                .resolver
                .add_collection_path(&dir.join("collections"));
        }
        load_options.extra_vars = extra_vars.clone();
        // A basedir inside a collection makes it the default collection:
        // unqualified names are looked up there first.
        let default_collection = playbook_dir
            .as_deref()
            .and_then(|dir| load_options.resolver.collection_of_path(dir));
        let mut search_list = Vec::new();
        if let Some(collection) = default_collection {
            super::display::warning(&format!("running with default collection {collection}"));
            search_list = vec![collection, "ansible.legacy".to_string()];
        }
        let resolved = load_options.resolver.resolve(&module, &search_list);
        let play = adhoc_play(
            &pattern,
            AdhocTask {
                module: &module,
                resolved_action: resolved,
                module_args: &module_args,
                limits,
            },
            &basedir,
            &load_options,
        )?;
        let playbook = crate::playbook::model::Playbook {
            path: basedir.join("__adhoc__"),
            plays: vec![play],
        };
        if cli.one_line {
            super::display::deprecation(
                "The '-o' argument is deprecated. This feature will be removed from ansible-core version 2.23. Use callback configuration to enable the oneline callback instead.",
            );
        }
        if cli.tree.is_some() {
            super::display::deprecation(
                "The '-t' argument is deprecated. This feature will be removed from ansible-core version 2.23. Use callback configuration to enable the tree callback instead.",
            );
        }
        let context = super::run::RunContext {
            config: &config,
            cwd: &cwd,
            vault: &vault,
            sources: &loaded.sources,
            extra_vars,
            extra_var_names,
            options: &cli.run,
            force_handlers: false,
            only_tags: vec!["all".into()],
            skip_tags: Vec::new(),
            limit: limit.map(str::to_string),
            load_options,
            start_at_task: None,
            flush_cache: cli.flush_cache,
            step: false,
            callbacks: adhoc_callbacks(&config, cli.one_line, cli.tree.clone()),
        };
        return super::run::run_playbooks(&[playbook], inv, &mut selector, context);
    }
    let mut out = format!("  hosts ({}):\n", hosts.len());
    for h in &hosts {
        out.push_str(&format!("    {h}\n"));
    }
    print!("{out}");
    Ok(Exit::Ok)
}

/// ansible's choice for ad hoc runs: `oneline` with `-o`, the configured
/// stdout callback only with `bin_ansible_callbacks`, else `minimal`;
/// enabled callbacks only with `bin_ansible_callbacks`, and `tree` with
/// `--tree`.
fn adhoc_callbacks(
    config: &crate::config::Config,
    one_line: bool,
    tree_dir: Option<std::path::PathBuf>,
) -> super::run::CallbackChoice {
    let load_configured = config.bool("DEFAULT_LOAD_CALLBACK_PLUGINS");
    let configured = config.str("DEFAULT_STDOUT_CALLBACK").unwrap_or("default");
    let stdout = if one_line {
        "oneline"
    } else if load_configured && configured != "default" {
        configured
    } else {
        "minimal"
    };
    super::run::CallbackChoice {
        stdout: stdout.to_string(),
        run_enabled: load_configured,
        tree_dir,
    }
}

/// ansible exits 250 where it crashes on a pattern, 1 otherwise.
pub fn pattern_fatal(e: PatternError) -> Fatal {
    let exit = if e.is_unexpected() {
        Exit::Unexpected
    } else {
        Exit::Error
    };
    Fatal::msg(exit, e)
}

/// The ad hoc task: `-m`, its resolution, `-a` and the limits.
struct AdhocTask<'a> {
    module: &'a str,
    resolved_action: Option<String>,
    module_args: &'a str,
    limits: AdhocLimits,
}

/// `-B`, `-P` and `--task-timeout`: the task's `async_val`, `poll` and
/// `timeout`.
struct AdhocLimits {
    async_val: i64,
    poll: i64,
    timeout: i64,
}

/// The play ansible builds for an ad hoc run: the pattern, no fact
/// `-a '{"cmd": "whoami"}'`: arguments written as a JSON object, as
/// ansible's ad hoc CLI reads them (an empty object, or text that is no
/// JSON object, is read as `k=v` instead; ansible fails on bad JSON).
fn json_arguments(module_args: &str) -> Option<indexmap::IndexMap<String, crate::value::Value>> {
    if !(module_args.starts_with('{') && module_args.ends_with('}')) {
        return None;
    }
    let serde_json::Value::Object(map) = serde_json::from_str(module_args).ok()? else {
        return None;
    };
    (!map.is_empty()).then(|| {
        map.iter()
            .map(|(k, v)| (k.clone(), crate::value::Value::from_json(v)))
            .collect()
    })
}

/// gathering, one task with the module and its `k=v` (or free-form)
/// arguments. The task's origin reads `<adhoc 'MODULE' task>` and shows
/// the task as ansible's error reports do.
fn adhoc_play(
    pattern: &str,
    adhoc: AdhocTask,
    basedir: &std::path::Path,
    load_options: &crate::playbook::model::LoadOptions,
) -> Result<crate::playbook::model::Play, Fatal> {
    use crate::playbook::model::{Attr, Item, Keywords, Origin, Play, SourceFile, Task, TaskKind};
    use crate::value::Value;
    let AdhocTask {
        module,
        resolved_action,
        module_args,
        limits,
    } = adhoc;
    let freeform = crate::playbook::model::modules::is_freeform(module);
    let args = match json_arguments(module_args) {
        Some(args) => args,
        None => crate::playbook::kv::parse_kv(module_args, freeform)
            .map_err(|e| Fatal::msg(Exit::BadOptions, e))?
            .into_iter()
            .map(|(k, v)| (k, Value::Str(v)))
            .collect(),
    };
    if freeform && !args.contains_key("_raw_params") && !args.contains_key("cmd") && module != "raw"
    {
        return Err(Fatal::msg(
            Exit::BadOptions,
            format!("No argument passed to {module} module"),
        ));
    }
    // As a playbook task outside a role, loaded by ansible's helpers.
    if crate::exec::actions::short_name(module) == "meta"
        && args
            .get("_raw_params")
            .and_then(Value::as_str)
            .map(str::trim)
            == Some("end_role")
    {
        return Err(Fatal::msg(
            Exit::PARSE_ERROR,
            "Cannot execute 'end_role' from outside of a role\nOrigin: <unknown>\n\nTASK: meta (end_role)",
        ));
    }
    let args_repr = Value::Map(args.iter().map(|(k, v)| (k.clone(), v.clone())).collect());
    let AdhocLimits {
        async_val,
        poll,
        timeout,
    } = limits;
    let text = format!(
        "{{'action': {}, 'args': {}, 'timeout': {timeout}, 'async_val': {async_val}, 'poll': {poll}}}",
        Value::str(module).python_repr(),
        args_repr.python_repr()
    );
    let file = std::sync::Arc::new(SourceFile {
        path: std::path::PathBuf::from(format!("<adhoc '{module}' task>")),
        text,
    });
    let origin = Origin::new(&file, crate::playbook::yaml::Span::default());
    let mut keywords = Keywords::new();
    keywords.insert(
        "gather_facts".into(),
        Attr {
            value: Value::Bool(false),
            span: Default::default(),
            key_span: Default::default(),
            item_spans: Vec::new(),
            key_spans: Vec::new(),
        },
    );
    // ansible sets async_val and poll unless both are 0 (or the module is
    // an include), and always the timeout.
    let mut task_keywords = Keywords::new();
    let mut keyword = |name: &str, value: i64| {
        task_keywords.insert(
            name.into(),
            Attr {
                value: Value::Int(value),
                span: Default::default(),
                key_span: Default::default(),
                item_spans: Vec::new(),
                key_spans: Vec::new(),
            },
        );
    };
    keyword("timeout", timeout);
    let include = matches!(
        crate::exec::actions::short_name(module),
        "include_tasks" | "import_tasks" | "include_role" | "import_role"
    );
    if !include && (async_val != 0 || poll != 0) {
        keyword("async_val", async_val);
        keyword("poll", poll);
    }
    // ansible loads the ad hoc task like a playbook's, so the dynamic
    // includes work here too.
    let short = crate::exec::actions::short_name(module);
    let kind = match short {
        "include_role" | "import_role" => TaskKind::IncludeRole,
        "include_tasks" | "import_tasks" => TaskKind::IncludeTasks,
        _ => TaskKind::Task,
    };
    let task = Task {
        kind,
        name: None,
        action: module.to_string(),
        resolved_action,
        defaults_action: None,
        module: None,
        args,
        args_span: None,
        arg_spans: Default::default(),
        delegate_to: None,
        loop_with: None,
        keywords: task_keywords,
        tags: Vec::new(),
        role: None,
        origin: origin.clone(),
    };
    // Static imports expand as the play is loaded, as in a playbook; an
    // imported role brings its handlers to the play.
    let (tasks, handlers) = if matches!(short, "import_role" | "import_tasks") {
        let (items, handlers, warnings) =
            crate::playbook::model::expand_static_import(task, basedir, load_options)?;
        for w in &warnings {
            super::display::warning(w);
        }
        (items, handlers)
    } else {
        (vec![Item::Task(task)], Vec::new())
    };
    Ok(Play {
        name: Value::str("Ansible Ad-Hoc"),
        hosts: Value::str(pattern),
        keywords,
        tags: Vec::new(),
        roles: Vec::new(),
        pre_tasks: Vec::new(),
        tasks,
        post_tasks: Vec::new(),
        handlers,
        included_conditional: Vec::new(),
        included_path: None,
        basedir: basedir.to_path_buf(),
        origin,
        var_origins: Default::default(),
    })
}
