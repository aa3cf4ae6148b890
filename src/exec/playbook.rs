//! Playbooks to plays to sections (`PlaybookExecutor`): host selection per
//! play, the play's variable scope, fact gathering, pre_tasks / roles +
//! tasks / post_tasks each followed by a handler flush, then the recap.

use super::batch::{BatchPlan, PlayContent};
use super::free::Identities;
use super::live_inventory::LiveInventory;
use super::scope::Scope;
use super::strategy::{self, Strategy};
use super::{RunOptions, Shared, exit_code};
use crate::errors::{Exit, Fatal};
use crate::inventory::data::InventoryData;
use crate::inventory::hostvars::InventoryVars;
use crate::inventory::patterns::{HostOrder, HostSelector};
use crate::output::Stats;
use crate::playbook::model::{
    BlockKind, Item, Keywords, Play, Playbook, RoleInfo, RoleSource, Task, TaskKind,
};
use crate::value::{Map, Value};
use crate::vars::PlayScope;
use crate::vars::origins::VarOrigins;
use std::collections::HashMap;
use std::sync::Arc;

/// How to compute hosts' inventory variables: what `InventoryVars` needs
/// besides the inventory itself.
pub struct InventoryVarsSpec {
    pub sources: Vec<String>,
    pub yaml_extensions: Vec<String>,
    pub precedence: Vec<String>,
    pub vault: Option<Arc<crate::vault::Vault>>,
    pub playbook_dirs: Vec<std::path::PathBuf>,
    pub hash: crate::inventory::vars::HashBehaviour,
    /// How the sources were parsed, for `meta: refresh_inventory`.
    pub load_options: crate::inventory::sources::LoadOptions,
    /// `add_host` and `group_by` results so far, applied again after a
    /// refresh (ansible's `_cached_dynamic_hosts`/`_cached_dynamic_grouping`).
    pub dynamic_edits: std::sync::Mutex<Vec<super::live_inventory::DynamicEdit>>,
}

impl InventoryVarsSpec {
    pub fn make<'i>(&self, inv: &'i InventoryData) -> InventoryVars<'i> {
        let mut vars = InventoryVars::new(
            inv,
            &self.sources,
            &self.yaml_extensions,
            self.vault.clone(),
        );
        vars.playbook_dirs = self.playbook_dirs.clone();
        vars.hash = self.hash;
        vars.precedence = self.precedence.clone();
        vars
    }
}

pub struct PlaybookRunner<'a> {
    pub shared: Shared,
    pub options: RunOptions,
    pub inventory: &'a mut InventoryData,
    pub selector: &'a mut HostSelector,
    pub inventory_vars: InventoryVarsSpec,
    pub stats: Stats,
    /// Hosts that failed in earlier plays: later plays leave them out.
    pub failed_hosts: std::collections::HashSet<String>,
    /// A batch failed entirely: no further plays run.
    pub stop_run: bool,
    /// `max_fail_percentage` was exceeded in this play.
    pub break_play: bool,
}

/// A play's keywords that decide how its batches run.
struct PlayKeywords {
    /// An unknown strategy is reported when the first batch starts.
    strategy: Result<Strategy, String>,
    max_fail_percentage: Option<f64>,
}

/// The same, once the strategy is known, with what every batch shares.
struct PlaySettings<'p> {
    strategy: Strategy,
    max_fail_percentage: Option<f64>,
    content: &'p PlayContent,
    identities: &'p Identities,
    batch_index: usize,
}

impl PlaybookRunner<'_> {
    pub fn run(&mut self, playbooks: &[Playbook]) -> Result<Exit, Fatal> {
        for playbook in playbooks {
            if let Ok(mut cb) = self.shared.callback.lock() {
                cb.playbook_start(&playbook.path.to_string_lossy());
                // `PlaybookExecutor.run` says this at -vv, after the callback
                // (ansible-playbook only: ad hoc runs have no executor; their
                // play is in the `__adhoc__` pseudo-file).
                let adhoc = playbook.path.file_name().is_some_and(|n| n == "__adhoc__");
                if self.options.verbosity >= 2 && !adhoc {
                    cb.display.display(&format!(
                        "{} plays in {}",
                        playbook.plays.len(),
                        playbook.path.display()
                    ));
                }
            }
            for play in &playbook.plays {
                if self.stop_run {
                    break;
                }
                self.run_play(play)?;
            }
        }
        self.shared.modules.shutdown();
        if let Some(wanted) = &self.options.start_at_task
            && !self
                .shared
                .start_found
                .load(std::sync::atomic::Ordering::SeqCst)
        {
            crate::cli::display::error_text(&format!(
                "No matching task \"{wanted}\" found. Note: --start-at-task can only follow static includes."
            ));
        }
        if let Ok(mut custom) = self.shared.custom_stats.lock() {
            self.stats.custom = std::mem::take(&mut *custom);
        }
        if let Ok(mut cb) = self.shared.callback.lock() {
            cb.stats(&self.stats);
        }
        Ok(exit_code(&self.stats, &self.failed_hosts))
    }

    /// Snapshot the inventory variables of every host for the vars store.
    /// `extra` are hosts the inventory does not list (the implicit
    /// localhost) but the play runs on.
    fn snapshot_inventory(
        &mut self,
        extra: &[crate::inventory::data::HostId],
    ) -> Result<(), Fatal> {
        let inv: &InventoryData = self.inventory;
        let mut vars = self.inventory_vars.make(inv);
        let mut hosts = HashMap::new();
        let mut ids: Vec<_> = inv.host_ids().collect();
        for id in extra {
            if !ids.contains(id) {
                ids.push(*id);
            }
        }
        for id in ids {
            let map = vars
                .host_vars(id)
                .map_err(|e| Fatal::msg(Exit::Error, e.to_string()))?;
            hosts.insert(inv.host(id).name.clone(), Arc::new(map));
        }
        let groups: Map = inv
            .groups_dict()
            .into_iter()
            .map(|(g, hs)| (g, Value::List(hs.into_iter().map(Value::Str).collect())))
            .collect();
        self.shared
            .factory
            .store
            .set_inventory(hosts, Value::Map(groups));
        Ok(())
    }

    fn run_play(&mut self, play: &Play) -> Result<(), Fatal> {
        // vars_prompt comes first: the answers are play vars that the
        // play's keywords (name, hosts...) may use.
        let prompted;
        let play = match self.prompt_vars(play)? {
            Some(with_answers) => {
                prompted = with_answers;
                &prompted
            }
            None => play,
        };
        // ansible reads the play's variables (to template it) before
        // anything else, and warns about reserved names among them.
        let play_vars = match play.keywords.get("vars").map(|a| &a.value) {
            Some(Value::Map(vars)) => vars.clone(),
            _ => Map::new(),
        };
        let store = &self.shared.factory.store;
        for (name, origin) in store.reserved_names_of_play(&play_vars, &play.var_origins) {
            crate::cli::display::warning(&crate::vars::reserved::warning_text(
                &name,
                origin.as_ref(),
            ));
        }
        let patterns = self.play_patterns(play)?;
        let order = match self.templated_play_keyword(play, "order")? {
            Some(o) => HostOrder::parse(&o.python_str())
                .map_err(|e| Fatal::msg(Exit::Error, e.to_string()))?,
            None => HostOrder::Inventory,
        };
        let ids = self
            .selector
            .get_hosts_from(self.inventory, &patterns, order, true, true)
            .map_err(crate::cli::adhoc::pattern_fatal)?;
        crate::cli::setup::flush_notices(self.inventory);
        let matched = !ids.is_empty();
        // `ansible_play_hosts_all` names every host of the play; hosts that
        // failed in earlier plays do not run it.
        let hosts_all: Vec<String> = ids
            .iter()
            .map(|id| self.inventory.host(*id).name.clone())
            .collect();
        let hosts: Vec<String> = hosts_all
            .iter()
            .filter(|h| !self.failed_hosts.contains(*h))
            .cloned()
            .collect();
        self.snapshot_inventory(&ids)?;

        let name = self.play_name(play)?;
        let settings = self.play_settings(play)?;
        if hosts.is_empty() {
            // Hosts that all failed earlier leave an empty play; a pattern
            // that matched nothing says so.
            if let Ok(mut cb) = self.shared.callback.lock() {
                cb.play_start(&play_info(
                    play,
                    &name,
                    &settings.strategy,
                    self.shared.check_mode,
                ));
                if !matched {
                    cb.no_hosts_matched();
                }
            }
            return Ok(());
        }

        let compiled = play.compile();
        // Batches are cut from every host of the play, failed ones included
        // (they just do not run), as ansible's `_get_serialized_batches`.
        let serial = self.templated_play_keyword(play, "serial")?;
        let batches = serial_batches(serial.as_ref(), &hosts_all)?;
        self.break_play = false;
        let content = play_content(play);
        let identities = Identities::default();
        for (batch_index, batch_all) in batches.into_iter().enumerate() {
            let batch: Vec<String> = batch_all
                .iter()
                .filter(|h| !self.failed_hosts.contains(*h))
                .cloned()
                .collect();
            // ansible announces the play again for every batch.
            if let Ok(mut cb) = self.shared.callback.lock() {
                cb.play_start(&play_info(
                    play,
                    &name,
                    &settings.strategy,
                    self.shared.check_mode,
                ));
            }
            self.shared
                .step
                .store(self.options.step, std::sync::atomic::Ordering::SeqCst);
            // An unknown strategy fails once the play has been announced.
            let strategy = settings.strategy.clone().map_err(|msg| {
                let mut text = msg;
                text.push('\n');
                text.push_str(&play.origin.context());
                Fatal::msg(Exit::Error, text)
            })?;
            if batch.is_empty() {
                continue;
            }
            let failed_before = self.failed_hosts.len();
            let run_settings = PlaySettings {
                strategy,
                max_fail_percentage: settings.max_fail_percentage,
                content: &content,
                identities: &identities,
                batch_index,
            };
            let ended = self.run_batch(
                play,
                &name,
                &hosts,
                &hosts_all,
                &batch,
                batch_all.len(),
                &compiled,
                &run_settings,
            )?;
            // A batch whose every host failed ends the whole run, as
            // ansible's PlaybookExecutor does (counting the batch's earlier
            // failed hosts too).
            let newly_failed = self.failed_hosts.len().saturating_sub(failed_before);
            if newly_failed >= batch_all.len() {
                self.stop_run = true;
            }
            if self.stop_run || ended {
                break;
            }
        }
        // `max_fail_percentage` ends the playbook after this play.
        if self.break_play {
            self.stop_run = true;
        }
        Ok(())
    }

    /// The play's `strategy` and `max_fail_percentage`, templated with the
    /// play's vars (ansible's `post_validate`); the percentage's errors
    /// stop the run here, an unknown strategy only when a batch starts.
    fn play_settings(&self, play: &Play) -> Result<PlayKeywords, Fatal> {
        let strategy_value = match play.keywords.get("strategy").map(|a| &a.value) {
            Some(Value::Str(raw)) if crate::templating::render::is_template(raw) => {
                Some(self.template_play_keyword(play, "strategy", raw)?)
            }
            other => other.cloned(),
        };
        let strategy = strategy::play_strategy(strategy_value.as_ref(), &self.options.strategy);
        let max_fail_percentage = match play.keywords.get("max_fail_percentage") {
            None => None,
            Some(attr) => {
                let value = match &attr.value {
                    Value::Str(raw) if crate::templating::render::is_template(raw) => {
                        self.template_play_keyword(play, "max_fail_percentage", raw)?
                    }
                    other => other.clone(),
                };
                strategy::percent(&value).map_err(|e| {
                    let origin = crate::playbook::model::Origin::new(&play.origin.file, attr.span);
                    Fatal::msg(
                        Exit::PARSE_ERROR,
                        format!(
                            "Error processing keyword 'max_fail_percentage': {e}\n{}",
                            origin.context()
                        ),
                    )
                })?
            }
        };
        Ok(PlayKeywords {
            strategy,
            max_fail_percentage,
        })
    }

    /// One `serial` batch of a play: the whole play (facts, sections,
    /// handlers) on these hosts under the play's strategy. True when the
    /// play was ended.
    #[allow(clippy::too_many_arguments)]
    fn run_batch(
        &mut self,
        play: &Play,
        name: &str,
        hosts: &[String],
        hosts_all: &[String],
        batch: &[String],
        batch_size: usize,
        compiled: &[Item],
        settings: &PlaySettings<'_>,
    ) -> Result<bool, Fatal> {
        // A broken fact cache file fails the run when the batch's hosts
        // are first looked at, as ansible's first `get_vars` does.
        if let Err(e) = self.shared.factory.store.load_facts(batch) {
            let exit = if e.unexpected {
                Exit::Unexpected
            } else {
                Exit::Error
            };
            return Err(Fatal::msg(exit, e.message));
        }
        let mut scope_data = self.play_scope(play, name, hosts, compiled);
        scope_data.hosts_all = hosts_all.to_vec();
        scope_data.batch = batch.to_vec();
        scope_data.vars_files = self.load_vars_files(play, &scope_data, batch)?;
        let play_scope = Arc::new(scope_data);
        let mut base = Scope::default().with_keywords(&play.keywords, &play.tags, true);
        base.search_path = vec![play.basedir.clone()];

        let live = LiveInventory::new(
            &mut *self.inventory,
            &self.inventory_vars,
            &self.shared.factory.store,
        );
        let plan = BatchPlan {
            play,
            base,
            content: settings.content,
            identities: settings.identities,
            gather: gather_facts(play, &self.options)
                .then(|| vec![Item::Task(gathering_task(play))]),
            smart_gathering: self.options.gathering == "smart",
            batch_index: settings.batch_index,
            inventory: &live,
            max_fail_percentage: settings.max_fail_percentage,
            batch_size,
        };
        let outcome = plan.run(
            settings.strategy,
            &self.shared,
            &self.options,
            &mut self.stats,
            play_scope,
            batch,
        );
        if let Some(abort) = outcome.fatal {
            return Err(abort.into_fatal());
        }
        self.failed_hosts.retain(|h| !outcome.cleared.contains(h));
        self.failed_hosts.extend(outcome.failed);
        if outcome.break_play {
            self.break_play = true;
        }
        Ok(outcome.play_ended)
    }

    /// `vars_files` for each host: every entry (or the first existing file
    /// of a list of alternatives) templated with the host's variables and
    /// looked up under `vars/` and beside the playbook. Entries that cannot
    /// be templated are skipped with ansible's warning; missing files are
    /// skipped silently, as ansible does.
    fn load_vars_files(
        &self,
        play: &Play,
        scope: &PlayScope,
        hosts: &[String],
    ) -> Result<HashMap<String, Vec<(Map, VarOrigins)>>, Fatal> {
        let entries: Vec<Value> = match play.keywords.get("vars_files").map(|a| &a.value) {
            None | Some(Value::Null) => return Ok(HashMap::new()),
            Some(Value::List(items)) => items.clone(),
            Some(other) => vec![other.clone()],
        };
        let store = &self.shared.factory.store;
        let templar = &self.shared.templar;
        let vault = self.shared.factory.vault.clone();
        // Without a host (as ansible first evaluates them): warn about
        // entries that need host variables.
        let mut play_only = scope.vars.clone();
        for (k, v) in store.extra_vars() {
            play_only.insert(k.clone(), v.clone());
        }
        let play_context = crate::templating::lazy::LazyVars::context(
            play_only,
            Arc::clone(templar),
            vault.clone(),
        );
        for entry in &entries {
            let names = match entry {
                Value::List(alternatives) => alternatives.clone(),
                other => vec![other.clone()],
            };
            if names
                .iter()
                .any(|n| templar.template_in(&n.python_str(), &play_context).is_err())
            {
                crate::cli::display::warning(
                    "skipping vars_files item due to an undefined variable",
                );
            }
        }
        let mut cache: HashMap<std::path::PathBuf, (Map, VarOrigins)> = HashMap::new();
        let mut out = HashMap::new();
        for host in hosts {
            let context =
                self.shared
                    .factory
                    .context(&Arc::new(scope.clone()), host, None, Map::new());
            let mut files = Vec::new();
            for entry in &entries {
                let names = match entry {
                    Value::List(alternatives) => alternatives.clone(),
                    other => vec![other.clone()],
                };
                for name in names {
                    let Ok(rendered) = templar.template_in(&name.python_str(), &context) else {
                        break;
                    };
                    let Value::Str(rendered) = rendered else {
                        return Err(Fatal::msg(
                            Exit::PARSE_ERROR,
                            format!(
                                "Invalid `vars_files` value of type {:?}.",
                                rendered.python_type_name()
                            ),
                        ));
                    };
                    let Some(path) = find_vars_file(&play.basedir, &rendered) else {
                        continue;
                    };
                    if let Some(vars) = cache.get(&path) {
                        files.push(vars.clone());
                        break;
                    }
                    let (value, origins, warnings) =
                        crate::playbook::loader::load_vars_file(&path, vault.as_deref())
                            .map_err(|e| Fatal::msg(Exit::Error, e.to_string()))?;
                    for w in &warnings {
                        crate::cli::display::warning(w);
                    }
                    let vars = match value {
                        Some(Value::Map(m)) => m,
                        None | Some(Value::Null) => Map::new(),
                        Some(_) => {
                            return Err(Fatal::msg(
                                Exit::Error,
                                format!("Invalid vars_files file '{}'.", path.display()),
                            ));
                        }
                    };
                    cache.insert(path, (vars.clone(), origins.clone()));
                    files.push((vars, origins));
                    break;
                }
            }
            out.insert(host.clone(), files);
        }
        Ok(out)
    }

    /// The play's host patterns, templated like its name.
    fn play_patterns(&self, play: &Play) -> Result<Vec<String>, Fatal> {
        let patterns = play.host_patterns();
        if !patterns
            .iter()
            .any(|p| crate::templating::render::is_template(p))
        {
            return Ok(patterns);
        }
        let mut out = Vec::new();
        for pattern in patterns {
            match self.template_play_keyword(play, "hosts", &pattern)? {
                Value::List(items) => out.extend(items.iter().map(Value::python_str)),
                other => out.push(other.python_str()),
            }
        }
        Ok(out)
    }

    /// The play's name, templated with the play's own vars and extra vars
    /// (inventory vars are not available at this point, as in ansible).
    fn play_name(&self, play: &Play) -> Result<String, Fatal> {
        let raw = play.name.python_str();
        if !crate::templating::render::is_template(&raw) {
            return Ok(raw);
        }
        self.template_play_keyword(play, "name", &raw)
            .map(|v| v.python_str())
    }

    /// The play with the answers of its `vars_prompt` among its vars
    /// (`None` when it prompts for nothing). Entries given as extra vars
    /// are not asked.
    fn prompt_vars(&self, play: &Play) -> Result<Option<Play>, Fatal> {
        let Some(attr) = play.keywords.get("vars_prompt") else {
            return Ok(None);
        };
        if matches!(attr.value, Value::Null) {
            return Ok(None);
        }
        let context = self.play_context(play);
        let templated = template_deep(&self.shared.templar, &attr.value, &context)
            .map_err(|message| Fatal::msg(Exit::Error, message))?;
        let extra = self.shared.factory.store.extra_vars();
        let mut answers = Map::new();
        let mut terminal = super::vars_prompt::ProcessTerminal;
        for entry in super::vars_prompt::entries(&templated) {
            if extra.contains_key(&entry.name) {
                continue;
            }
            let value = super::vars_prompt::answer(&entry, &mut terminal, &self.shared.templar)
                .map_err(|message| Fatal::msg(Exit::Error, message))?;
            answers.insert(entry.name.clone(), value);
        }
        let mut play = play.clone();
        let vars = play.keywords.entry("vars".to_string()).or_insert_with(|| {
            crate::playbook::model::Attr {
                value: Value::Map(Map::new()),
                span: attr.span,
                key_span: attr.key_span,
                item_spans: Vec::new(),
                key_spans: Vec::new(),
            }
        });
        match &mut vars.value {
            Value::Map(map) => map.extend(answers),
            other => *other = Value::Map(answers),
        }
        Ok(Some(play))
    }

    /// The play's vars and the extra vars, as a template context (what
    /// ansible's `get_vars(play=play)` gives before any host is chosen).
    fn play_context(&self, play: &Play) -> minijinja::value::Value {
        let mut vars = match play.keywords.get("vars").map(|a| &a.value) {
            Some(Value::Map(m)) => m.clone(),
            _ => Map::new(),
        };
        for (k, v) in self.shared.factory.store.extra_vars() {
            vars.insert(k.clone(), v.clone());
        }
        crate::templating::lazy::LazyVars::context(
            vars,
            Arc::clone(&self.shared.templar),
            self.shared.factory.vault.clone(),
        )
    }

    /// A play keyword templated with the play's vars and extra vars;
    /// failures are ansible's "Error processing keyword" (exit 4).
    /// A play keyword's value templated with the play's variables (no
    /// host's): `None` when unset, null or `omit`, which leave the default.
    fn templated_play_keyword(&self, play: &Play, keyword: &str) -> Result<Option<Value>, Fatal> {
        let value = match play.keywords.get(keyword).map(|a| &a.value) {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::Str(raw)) if crate::templating::render::is_template(raw) => {
                self.template_play_keyword(play, keyword, raw)?
            }
            Some(other) => other.clone(),
        };
        Ok(match value {
            Value::Null => None,
            Value::Str(s) if s == crate::templating::omit::OMIT_TOKEN => None,
            other => Some(other),
        })
    }

    fn template_play_keyword(&self, play: &Play, keyword: &str, raw: &str) -> Result<Value, Fatal> {
        let context = self.play_context(play);
        match self.shared.templar.template_in(raw, &context) {
            Ok(v) => Ok(v),
            Err(e) => {
                let mut text = format!("Error processing keyword '{keyword}': {}", e.message);
                if let Some(attr) = play.keywords.get(keyword) {
                    let origin = crate::playbook::model::Origin::new(&play.origin.file, attr.span);
                    text.push('\n');
                    text.push_str(&origin.context());
                }
                Err(Fatal::msg(Exit::PARSE_ERROR, text))
            }
        }
    }

    fn play_scope(
        &self,
        play: &Play,
        name: &str,
        hosts: &[String],
        compiled: &[Item],
    ) -> PlayScope {
        let vars = match play.keywords.get("vars").map(|a| &a.value) {
            Some(Value::Map(m)) => m.clone(),
            _ => Map::new(),
        };
        let mut roles: Vec<Arc<RoleInfo>> = play.roles.iter().map(|r| r.info()).collect();
        collect_imported_roles(compiled, &mut roles);
        let public_roles = roles
            .iter()
            .filter(|r| match r.source {
                RoleSource::PlayRoles => self.options.private_role_vars != Some(true),
                RoleSource::Import => r
                    .public
                    .unwrap_or(self.options.private_role_vars != Some(true)),
                RoleSource::Dependency | RoleSource::Include => false,
            })
            .cloned()
            .collect();
        PlayScope {
            name: name.to_string(),
            vars,
            var_origins: play.var_origins.clone(),
            vars_files: HashMap::new(),
            public_roles,
            roles,
            hosts_all: hosts.to_vec(),
            hosts: hosts.to_vec(),
            batch: hosts.to_vec(),
        }
    }
}

/// A value with every string in it templated.
fn template_deep(
    templar: &crate::templating::render::Templar,
    value: &Value,
    context: &minijinja::value::Value,
) -> Result<Value, String> {
    match value {
        Value::Str(text) => templar.template_in(text, context).map_err(|e| e.message),
        Value::List(items) => items
            .iter()
            .map(|v| template_deep(templar, v, context))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::List),
        Value::Map(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                out.insert(k.clone(), template_deep(templar, v, context)?);
            }
            Ok(Value::Map(out))
        }
        other => Ok(other.clone()),
    }
}

/// Roles brought in by `import_role` anywhere in the play.
fn collect_imported_roles(items: &[Item], out: &mut Vec<Arc<RoleInfo>>) {
    for item in items {
        if let Item::Block(block) = item {
            if let BlockKind::Role(info) = &block.kind
                && info.source == RoleSource::Import
            {
                out.push(Arc::clone(info));
            }
            collect_imported_roles(&block.block, out);
            collect_imported_roles(&block.rescue, out);
            collect_imported_roles(&block.always, out);
        }
    }
}

/// The play's hosts cut into `serial` batches (numbers, percentages, or a
/// list of them whose last entry repeats), as ansible's `_get_serialized_batches`.
fn serial_batches(serial: Option<&Value>, hosts: &[String]) -> Result<Vec<Vec<String>>, Fatal> {
    let sizes: Vec<Value> = match serial {
        None | Some(Value::Null) => return Ok(vec![hosts.to_vec()]),
        Some(Value::List(items)) => items.clone(),
        Some(other) => vec![other.clone()],
    };
    if sizes.is_empty() {
        return Ok(vec![hosts.to_vec()]);
    }
    let total = hosts.len();
    let size_of = |v: &Value| -> Result<usize, Fatal> {
        let text = v.python_str();
        let text = text.trim();
        let size = if let Some(percent) = text.strip_suffix('%') {
            let p: f64 = percent
                .trim()
                .parse()
                .map_err(|_| Fatal::msg(Exit::Error, format!("invalid serial value: {text}")))?;
            ((p / 100.0) * total as f64) as usize
        } else {
            text.parse::<usize>()
                .map_err(|_| Fatal::msg(Exit::Error, format!("invalid serial value: {text}")))?
        };
        // ansible: a size of 0 (or a percentage below one host) means one,
        // and a batch never exceeds what is left.
        Ok(size.max(1))
    };
    let mut batches = Vec::new();
    let mut rest: &[String] = hosts;
    let mut index = 0;
    while !rest.is_empty() {
        let spec = &sizes[index.min(sizes.len() - 1)];
        let size = size_of(spec)?.min(rest.len()).max(1);
        batches.push(rest[..size].to_vec());
        rest = &rest[size..];
        index += 1;
    }
    Ok(batches)
}

/// `path_dwim_relative_stack(..., 'vars', name)` for a play: absolute
/// paths as they are, else `vars/NAME` then `NAME` under the play's dir.
fn find_vars_file(basedir: &std::path::Path, name: &str) -> Option<std::path::PathBuf> {
    let path = std::path::Path::new(name);
    if path.is_absolute() {
        return path.is_file().then(|| path.to_path_buf());
    }
    [basedir.join("vars").join(name), basedir.join(name)]
        .into_iter()
        .find(|p| p.is_file())
}

/// The play's sections: pre_tasks, roles + tasks, post_tasks.
fn play_content(play: &Play) -> PlayContent {
    let mut main: Vec<Item> = Vec::new();
    for role in &play.roles {
        main.push(Item::Block(role.wrapped(role.compile())));
    }
    main.extend(play.tasks.iter().cloned());
    PlayContent {
        sections: vec![play.pre_tasks.clone(), main, play.post_tasks.clone()],
    }
}

fn gather_facts(play: &Play, options: &RunOptions) -> bool {
    match play.keywords.get("gather_facts").map(|a| &a.value) {
        Some(v) => v.ansible_bool().unwrap_or(true),
        None => options.gathering != "explicit",
    }
}

/// ansible's implicit `Gathering Facts` task (`gather_facts` action).
fn gathering_task(play: &Play) -> Task {
    let origin = play.origin.clone();
    let mut keywords = Keywords::new();
    for name in ["gather_subset", "gather_timeout", "fact_path"] {
        if let Some(attr) = play.keywords.get(name) {
            keywords.insert(name.to_string(), attr.clone());
        }
    }
    let mut args = indexmap::IndexMap::new();
    for (k, attr) in &keywords {
        args.insert(k.clone(), attr.value.clone());
    }
    Task {
        kind: TaskKind::Task,
        name: Some(Value::str("Gathering Facts")),
        action: "gather_facts".into(),
        resolved_action: Some("ansible.builtin.gather_facts".into()),
        defaults_action: Some("ansible.builtin.gather_facts".into()),
        module: None,
        args,
        args_span: None,
        arg_spans: Default::default(),
        delegate_to: None,
        loop_with: None,
        keywords: {
            let mut keywords = included_when(play);
            // A play's run_once would copy one host's facts to all
            // (ansible's setup block sets it false).
            keywords.insert(
                "run_once".to_string(),
                crate::playbook::model::Attr {
                    value: Value::Bool(false),
                    span: Default::default(),
                    key_span: Default::default(),
                    item_spans: Vec::new(),
                    key_spans: Vec::new(),
                },
            );
            keywords
        },
        tags: vec![Value::str("always")],
        role: None,
        origin,
    }
}

/// A play imported with `when` gathers facts only where it holds
/// (`Play._included_conditional` becomes the setup task's `when`).
fn included_when(play: &Play) -> Keywords {
    let mut keywords = Keywords::new();
    if !play.included_conditional.is_empty() {
        keywords.insert(
            "when".to_string(),
            crate::playbook::model::Attr {
                value: Value::List(play.included_conditional.clone()),
                span: Default::default(),
                key_span: Default::default(),
                item_spans: Vec::new(),
                key_spans: Vec::new(),
            },
        );
    }
    keywords
}

/// What the callbacks are told about a play when it starts.
fn play_info(
    play: &crate::playbook::model::Play,
    name: &str,
    strategy: &Result<Strategy, String>,
    cli_check: bool,
) -> crate::output::json::PlayInfo {
    crate::output::json::PlayInfo {
        name: name.to_string(),
        path: super::walk::origin_path(&play.origin),
        lockstep: matches!(strategy, Ok(s) if s.scheduling == strategy::Scheduling::Linear),
        // The attribute as written: a template counts as true, as in
        // ansible's callback.
        check_mode: play
            .keywords
            .get("check_mode")
            .map_or(cli_check, |a| a.value.is_truthy()),
    }
}
