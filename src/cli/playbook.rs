//! Playbook mode (`ansible-playbook`). Playbooks are read and checked
//! (`--syntax-check`) and listed (`--list-tasks`, `--list-tags`,
//! `--list-hosts`) exactly as ansible-core 2.19 prints them; running them
//! arrives with the executor, until then it says so instead of pretending.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use super::args::PlaybookCli;
use super::setup;
use crate::errors::{Exit, Fatal};
use crate::inventory::patterns::HostOrder;
use crate::playbook::model::{self, ActionResolver, Item, LoadOptions, Playbook};
use crate::value::Value;

pub fn run(cli: PlaybookCli) -> Result<Exit, Fatal> {
    if cli.version {
        println!("mitorun {}", env!("CARGO_PKG_VERSION"));
        return Ok(Exit::Ok);
    }
    if cli.playbooks.is_empty() {
        eprintln!("usage: ansible-playbook [-h] [--version] [-v] ... playbook [playbook ...]");
        eprintln!("ansible-playbook: error: the following arguments are required: playbook");
        return Err(Fatal::silent(Exit::HostFailed));
    }
    for pb in &cli.playbooks {
        let path = Path::new(pb);
        if !path.exists() {
            return Err(Fatal::msg(
                Exit::Error,
                format!("the playbook: {pb} could not be found"),
            ));
        }
        if !path.is_file() {
            return Err(Fatal::msg(
                Exit::Error,
                format!("the playbook: {pb} does not appear to be a file"),
            ));
        }
    }
    let run = &cli.run;
    let listing = run.syntax_check || run.list_hosts || cli.list_tasks || cli.list_tags;
    if !listing {
        super::run::refuse_unsupported_run_flags(run)?;
    }
    let config = setup::load_config_verbose(cli.run.verbosity)?;
    let cwd = setup::cwd();
    let sources = setup::inventory_sources(&run.inventory.inventory, &config, &cwd);
    let vault = setup::vault(&run.vault, &config, &cwd)?;
    let extra_vars = setup::extra_vars(
        &run.extra.extra_vars,
        &cwd,
        config.str("DEFAULT_HASH_BEHAVIOUR") == Some("merge"),
    )?;
    let mut loaded =
        setup::load_inventory(&sources, &config, Some(Arc::clone(&vault)), &extra_vars)?;
    let inv = &mut loaded.data;
    let extra_var_names = crate::playbook::extra_vars::name_origins(&run.extra.extra_vars, &cwd);
    let limit = run.inventory.limit.as_deref();
    let mut selector = setup::host_selector(&config, None)?;
    // ansible's `CLI.get_host_list(inventory, subset)`: only a limit that
    // leaves no hosts is an error here.
    let selected = selector.get_host_list(inv, limit, "all", config.bool("LOCALHOST_WARNING"));
    setup::flush_notices(inv);
    if let Err(e) = selected
        && limit.is_some_and(|l| !l.is_empty())
    {
        return Err(super::adhoc::pattern_fatal(e));
    }

    let mut opts = load_options(&config, &run.module_path);
    opts.extra_vars = extra_vars.clone();
    let mut playbooks: Vec<Playbook> = Vec::new();
    for pb in &cli.playbooks {
        let (playbook, warnings) = model::load_playbook(Path::new(pb), &mut opts)?;
        for w in &warnings {
            super::display::warning(w);
        }
        // Selecting each play's hosts (ansible does it for the play's magic
        // variables) reports unmatched patterns even in a syntax check.
        for play in playbook.plays.iter().filter(|_| listing) {
            let patterns = play.host_patterns();
            let hosts = selector.get_hosts_from(inv, &patterns, HostOrder::Inventory, true, false);
            setup::flush_notices(inv);
            hosts.map_err(super::adhoc::pattern_fatal)?;
        }
        playbooks.push(playbook);
    }

    if !listing {
        let only = tag_list(&config.list("TAGS_RUN"), &cli.tags, true);
        let skip = tag_list(&config.list("TAGS_SKIP"), &cli.skip_tags, false);
        let context = super::run::RunContext {
            config: &config,
            cwd: &cwd,
            vault: &vault,
            sources: &loaded.sources,
            extra_vars,
            extra_var_names,
            options: run,
            force_handlers: cli.force_handlers,
            only_tags: only,
            skip_tags: skip,
            limit: limit.map(str::to_string),
            load_options: opts.clone(),
            callbacks: super::run::CallbackChoice::playbook(&config),
            start_at_task: cli.start_at_task.clone(),
            flush_cache: cli.flush_cache,
            step: cli.step,
        };
        return super::run::run_playbooks(&playbooks, inv, &mut selector, context);
    }
    let mut only = tag_list(&config.list("TAGS_RUN"), &cli.tags, true);
    let skip = tag_list(&config.list("TAGS_SKIP"), &cli.skip_tags, false);
    let have_tags = !config.list("TAGS_RUN").is_empty()
        || !cli.tags.is_empty()
        || !config.list("TAGS_SKIP").is_empty()
        || !cli.skip_tags.is_empty();
    // As ansible: `--list-tags` without any tag selection lists `never`
    // tasks too.
    if cli.list_tags && !have_tags {
        only = vec!["never".into(), "all".into()];
    }
    let mut out = String::new();
    for playbook in &playbooks {
        out.push_str(&format!("\nplaybook: {}\n", playbook.path.display()));
        if run.syntax_check {
            // ansible validates each play, templating its name.
            for play in &playbook.plays {
                let templar = Arc::new(crate::templating::render::Templar::new());
                let play_vars = listing_vars(play, &extra_vars, &templar, &vault);
                listed_play_name(play, &play_vars, &templar, &vault)?;
            }
            continue;
        }
        for (idx, play) in playbook.plays.iter().enumerate() {
            let patterns = play.host_patterns();
            let play_tags = unique_tags(&play.tags);
            let templar = Arc::new(crate::templating::render::Templar::new());
            let play_vars = listing_vars(play, &extra_vars, &templar, &vault);
            let name = listed_play_name(play, &play_vars, &templar, &vault)?;
            out.push_str(&format!(
                "\n  play #{} ({}): {}\tTAGS: [{}]",
                idx + 1,
                patterns.join(","),
                name,
                play_tags.join(",")
            ));
            if run.list_hosts {
                let hosts = selector
                    .get_hosts_from(inv, &patterns, HostOrder::Inventory, true, true)
                    .map_err(super::adhoc::pattern_fatal)?;
                setup::flush_notices(inv);
                let pattern =
                    Value::List(patterns.iter().map(|p| Value::str(p.as_str())).collect());
                out.push_str(&format!(
                    "\n    pattern: {}\n    hosts ({}):",
                    pattern.python_repr(),
                    hosts.len()
                ));
                for h in hosts {
                    out.push_str(&format!("\n      {}", inv.host(h).name));
                }
            }
            out.push('\n');
            if cli.list_tags || cli.list_tasks {
                let mut taskmsg = String::new();
                if cli.list_tasks {
                    taskmsg.push_str("    tasks:\n");
                }
                // Templated tags are rendered with the play's vars and
                // the extra vars, as `evaluate_tags` does when listing.
                let context = crate::templating::lazy::LazyVars::context(
                    play_vars.clone(),
                    Arc::clone(&templar),
                    Some(Arc::clone(&vault)),
                );
                let render = |tag: &str| templar.template_in(tag, &context).ok();
                let play_tags =
                    model::tags::render_tags(play_tags.iter().cloned().collect(), &render)
                        .into_iter()
                        .collect::<Vec<_>>();
                let mut lister = Lister {
                    render: &render,
                    only: &only,
                    skip: &skip,
                    list_tasks: cli.list_tasks,
                    all_tags: BTreeSet::new(),
                    out: String::new(),
                };
                let base: BTreeSet<String> = play_tags.iter().cloned().collect();
                lister.items(&play.compile(), &base);
                taskmsg.push_str(&lister.out);
                if cli.list_tags {
                    let mut all: BTreeSet<String> = base.clone();
                    all.extend(lister.all_tags.iter().cloned());
                    taskmsg.push_str(&format!(
                        "      TASK TAGS: [{}]\n",
                        all.into_iter().collect::<Vec<_>>().join(", ")
                    ));
                }
                // ansible's display adds a newline only when missing.
                out.push_str(&taskmsg);
                if !taskmsg.ends_with('\n') {
                    out.push('\n');
                }
            }
        }
    }
    print!("{out}");
    Ok(Exit::Ok)
}

/// Where modules are looked for: `-M` entries (colon-separated, `~`
/// expanded) before DEFAULT_MODULE_PATH.
pub fn module_dirs(
    config: &crate::config::Config,
    module_path: &[String],
) -> Vec<std::path::PathBuf> {
    let mut modules: Vec<std::path::PathBuf> = Vec::new();
    for entry in module_path {
        for p in entry.split(':').filter(|p| !p.is_empty()) {
            modules.push(crate::config::expand_user(
                p,
                std::env::home_dir().as_deref(),
            ));
        }
    }
    modules.extend(config.paths("DEFAULT_MODULE_PATH"));
    modules
}

pub fn load_options(config: &crate::config::Config, module_path: &[String]) -> LoadOptions {
    let modules = module_dirs(config, module_path);
    LoadOptions {
        roles_path: config.paths("DEFAULT_ROLES_PATH"),
        resolver: ActionResolver::new(
            &modules,
            &config.paths("DEFAULT_ACTION_PLUGIN_PATH"),
            &config.collection_roots(),
        ),
        invalid_task_attribute_failed: config.bool("INVALID_TASK_ATTRIBUTE_FAILED"),
        extra_vars: crate::value::Map::new(),
        hash_behaviour: config.hash_behaviour(),
        yaml_extensions: config.list("YAML_FILENAME_EXTENSIONS"),
        validate_action_group_metadata: config.bool("VALIDATE_ACTION_GROUP_METADATA"),
        default_collection: None,
    }
}

/// `--tags`/`--skip-tags` values after the configured defaults, each split
/// on `,`; `--tags` defaults to `all`.
fn tag_list(defaults: &[String], cli: &[String], default_all: bool) -> Vec<String> {
    let mut all: Vec<String> = Vec::new();
    for set in defaults.iter().chain(cli) {
        for t in set.split(',') {
            let t = t.trim().to_string();
            if !all.contains(&t) {
                all.push(t);
            }
        }
    }
    if all.is_empty() && default_all {
        all.push("all".into());
    }
    all
}

/// A play's tags without repeats. ansible prints them from a Python set,
/// whose order is not stable across runs; we keep the written order.
fn unique_tags(tags: &[Value]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in tags {
        let t = model::tags::tag_text(t);
        if !out.contains(&t) {
            out.push(t);
        }
    }
    out
}

/// Walks a play's compiled blocks as ansible's `--list-tasks`/`--list-tags`
/// do: only the `block` section of each block, tasks filtered by tags.
struct Lister<'a> {
    render: &'a dyn Fn(&str) -> Option<Value>,
    only: &'a [String],
    skip: &'a [String],
    list_tasks: bool,
    all_tags: BTreeSet<String>,
    out: String,
}

impl Lister<'_> {
    fn items(&mut self, items: &[Item], inherited: &BTreeSet<String>) {
        for item in items {
            match item {
                Item::Block(b) => {
                    let mut tags = inherited.clone();
                    tags.extend(b.tags.iter().map(model::tags::tag_text));
                    self.items(&b.block, &tags);
                }
                Item::Task(t) => {
                    let mut tags = inherited.clone();
                    tags.extend(t.tags.iter().map(model::tags::tag_text));
                    let tags = model::tags::render_tags(tags, self.render);
                    if !model::tags::should_run(&tags, self.only, self.skip) {
                        continue;
                    }
                    let own: BTreeSet<String> = tags;
                    self.all_tags.extend(own.iter().cloned());
                    if self.list_tasks {
                        let named = t.name.as_ref().is_some_and(Value::is_truthy);
                        let label = if named {
                            t.display_name()
                        } else {
                            t.action.clone()
                        };
                        self.out.push_str(&format!(
                            "      {label}\tTAGS: [{}]\n",
                            own.into_iter().collect::<Vec<_>>().join(", ")
                        ));
                    }
                }
            }
        }
    }
}

/// The vars a listed play's keywords see: its `vars`, the `default` of
/// each `vars_prompt` entry (ansible asks nothing when listing) unless
/// given as an extra var, and the extra vars.
fn listing_vars(
    play: &model::Play,
    extra_vars: &crate::value::Map,
    templar: &Arc<crate::templating::render::Templar>,
    vault: &Arc<crate::vault::Vault>,
) -> crate::value::Map {
    let mut vars = match play.keywords.get("vars").map(|a| &a.value) {
        Some(Value::Map(m)) => m.clone(),
        _ => crate::value::Map::new(),
    };
    if let Some(prompts) = play.keywords.get("vars_prompt") {
        let mut known = vars.clone();
        known.extend(extra_vars.clone());
        let context = crate::templating::lazy::LazyVars::context(
            known,
            Arc::clone(templar),
            Some(Arc::clone(vault)),
        );
        for entry in crate::exec::vars_prompt::entries(&prompts.value) {
            if extra_vars.contains_key(&entry.name) {
                continue;
            }
            let default = match entry.default {
                Some(Value::Str(text)) => templar
                    .template_in(&text, &context)
                    .unwrap_or(Value::Str(text)),
                Some(other) => other,
                None => Value::Null,
            };
            vars.insert(entry.name, default);
        }
    }
    vars.extend(extra_vars.clone());
    vars
}

/// The play's name as listed: templated with [`listing_vars`] (ansible's
/// `post_validate`); a failure is ansible's keyword error (exit 4).
fn listed_play_name(
    play: &model::Play,
    vars: &crate::value::Map,
    templar: &Arc<crate::templating::render::Templar>,
    vault: &Arc<crate::vault::Vault>,
) -> Result<String, Fatal> {
    let raw = play.name.python_str();
    if !crate::templating::render::is_template(&raw) {
        return Ok(raw);
    }
    let context = crate::templating::lazy::LazyVars::context(
        vars.clone(),
        Arc::clone(templar),
        Some(Arc::clone(vault)),
    );
    templar
        .template_in(&raw, &context)
        .map(|v| v.python_str())
        .map_err(|e| {
            let mut text = format!("Error processing keyword 'name': {}", e.message);
            if let Some(attr) = play.keywords.get("name") {
                let origin = model::Origin::new(&play.origin.file, attr.span);
                text.push('\n');
                text.push_str(&origin.context());
            }
            Fatal::msg(Exit::PARSE_ERROR, text)
        })
}
