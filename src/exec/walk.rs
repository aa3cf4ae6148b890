//! The linear strategy over a play's task tree: each task runs on every
//! active host before the next one starts; a host that fails leaves the
//! block, goes through its `rescue` (if any) and `always` sections, and is
//! out of the play unless rescued. Handlers run at the end of each section
//! (pre_tasks, roles + tasks, post_tasks) and on `meta: flush_handlers`.

use super::execute::{TaskOutcome, TaskRun};
use super::scope::Scope;
use super::{RunOptions, Shared};
use crate::output::default::TaskInfo;
use crate::output::{Stats, callback_view};
use crate::playbook::model::tags::should_run;
use crate::playbook::model::{Block, BlockKind, Item, Role, RoleSource, Task, TaskKind};
use crate::value::{Map, Value};
use crate::vars::PlayScope;
use std::collections::HashSet;
use std::sync::Arc;

/// A handler with the scope it was defined in.
struct Handler {
    task: Task,
    scope: Scope,
    /// Hosts notified and not yet run.
    notified: Vec<String>,
    /// The name, templated with the play's variables on first use; `None`
    /// inside when it cannot be templated (the handler is then reachable
    /// through `listen` only).
    resolved_name: Option<Option<String>>,
    /// The handler block it belongs to (numbered in load order).
    block: usize,
}

/// The state of one play being run.
pub struct PlayRun<'a> {
    pub shared: &'a Shared,
    pub options: &'a RunOptions,
    pub(super) stats: &'a mut Stats,
    pub play: Arc<PlayScope>,
    handlers: Vec<Handler>,
    /// Hosts out of the play (failed or `end_host`).
    removed: HashSet<String>,
    /// Hosts that failed (or were unreachable) and stay failed for the
    /// rest of the run (ansible's `TaskQueueManager._failed_hosts`).
    pub failed_for_run: HashSet<String>,
    /// Hosts whose errors `meta: clear_host_errors` cleared: earlier plays'
    /// failures of these hosts are forgotten too.
    pub cleared_for_run: HashSet<String>,
    /// How many times `meta: clear_host_errors` ran, and at which of those
    /// counts each host last failed: a block's `always` that clears errors
    /// forgets the failures from before the clear.
    clear_epoch: usize,
    failed_at: std::collections::HashMap<String, usize>,
    /// By role identity (`Scope::role_key`): hosts on which a task of the
    /// role gave a result, and hosts on which the role completed (ansible's
    /// `_had_task_run` and `_completed`).
    role_ran: std::collections::HashMap<String, HashSet<String>>,
    role_completed: std::collections::HashMap<String, HashSet<String>>,
    /// Handler blocks registered so far.
    handler_blocks: usize,
    /// Included roles whose handlers are registered.
    included_role_handlers: HashSet<String>,
    /// `meta: end_play`/`end_batch` was run: nothing more in this batch.
    ended: bool,
    /// `meta: end_play` was run: no later batch either.
    play_ended: bool,
    /// An error that ends the whole run (a notified handler that does not
    /// exist, under `ERROR_ON_MISSING_HANDLER`).
    pub fatal: Option<String>,
    /// Handlers run on failed hosts too (the play's `force_handlers`, else
    /// the command line and configuration).
    pub force_handlers: bool,
}

fn task_info(task: &Task, uuid: usize, prefix: &'static str, name: String) -> TaskInfo {
    TaskInfo {
        uuid,
        prefix,
        name,
        action: task.action.clone(),
        is_loop: task.keyword("loop").is_some() || task.loop_with.is_some(),
        is_include: matches!(task.kind, TaskKind::IncludeTasks | TaskKind::IncludeRole),
        delegate_to: None,
        path: format!(
            "{}:{}",
            task.origin.file.path.display(),
            task.origin.span.line
        ),
        args_text: task
            .args
            .iter()
            .map(|(k, v)| format!("{k}={}", v.python_str()))
            .collect::<Vec<_>>()
            .join(", "),
        no_log: is_true(task.keyword("no_log")),
    }
}

fn is_true(value: Option<&Value>) -> bool {
    value.and_then(Value::ansible_bool).unwrap_or(false)
}

impl<'a> PlayRun<'a> {
    pub fn new(
        shared: &'a Shared,
        options: &'a RunOptions,
        stats: &'a mut Stats,
        play: Arc<PlayScope>,
    ) -> PlayRun<'a> {
        PlayRun {
            shared,
            options,
            stats,
            play,
            handlers: Vec::new(),
            removed: HashSet::new(),
            failed_for_run: HashSet::new(),
            cleared_for_run: HashSet::new(),
            clear_epoch: 0,
            failed_at: Default::default(),
            role_ran: Default::default(),
            role_completed: Default::default(),
            included_role_handlers: HashSet::new(),
            handler_blocks: 0,
            ended: false,
            play_ended: false,
            fatal: None,
            force_handlers: options.force_handlers,
        }
    }

    /// Register the play's handlers: roles' (dependencies first), then the
    /// play's own.
    pub fn add_handlers(&mut self, roles: &[Role], play_handlers: &[Item], scope: &Scope) {
        let mut items = Vec::new();
        for role in roles {
            items.extend(role.handler_blocks());
        }
        items.extend(play_handlers.iter().cloned());
        let mut scope = scope.clone();
        scope.handlers = true;
        self.collect_handlers(&items, &scope);
    }

    /// The handlers of a role that `include_role` brought in, once per
    /// role and handlers file: later tasks can notify them.
    pub(super) fn add_included_role_handlers(&mut self, role: &Role, scope: &Scope) {
        let items = role.handler_blocks();
        if items.is_empty() {
            return;
        }
        let key = format!("{}\0{:?}", role.path.display(), role_handler_files(&items));
        if !self.included_role_handlers.insert(key) {
            return;
        }
        let mut scope = scope.clone();
        scope.handlers = true;
        self.collect_handlers(&items, &scope);
    }

    /// Register handlers. Each top-level block, and each run of
    /// consecutive bare tasks (ansible's implicit block), is one handler
    /// block: lookups by name search the blocks last loaded first.
    fn collect_handlers(&mut self, items: &[Item], scope: &Scope) {
        let mut after_task = false;
        for item in items {
            if !(after_task && matches!(item, Item::Task(_))) {
                self.handler_blocks += 1;
            }
            after_task = matches!(item, Item::Task(_));
            self.collect_in_block(item, scope);
        }
    }

    fn collect_in_block(&mut self, item: &Item, scope: &Scope) {
        match item {
            Item::Task(task) => self.handlers.push(Handler {
                task: task.clone(),
                scope: scope.clone(),
                notified: Vec::new(),
                resolved_name: None,
                block: self.handler_blocks,
            }),
            Item::Block(block) => {
                let inner = scope.enter_block(block);
                for inner_item in block.block.iter().chain(&block.rescue).chain(&block.always) {
                    self.collect_in_block(inner_item, &inner);
                }
            }
        }
    }

    /// A host failed a task: it leaves the current block (and the play,
    /// unless a `rescue` catches it).
    pub(super) fn mark_failed(&mut self, host: &str, scope: &Scope) {
        self.removed.insert(host.to_string());
        self.failed_at.insert(host.to_string(), self.clear_epoch);
        if !scope.rescuable {
            self.failed_for_run.insert(host.to_string());
            self.leave_play_hosts(host);
        }
    }

    /// `ansible_play_hosts` and `ansible_play_batch` leave out hosts that
    /// failed or ended (the play's `_removed_hosts`); a clear of host
    /// errors does not bring them back, as in ansible.
    fn leave_play_hosts(&mut self, host: &str) {
        if !self.play.hosts.iter().any(|h| h == host) && !self.play.batch.iter().any(|h| h == host)
        {
            return;
        }
        let mut play = (*self.play).clone();
        play.hosts.retain(|h| h != host);
        play.batch.retain(|h| h != host);
        self.play = Arc::new(play);
    }

    /// `meta: end_play` ends every batch of the play, `end_batch` only this one.
    pub fn is_play_ended(&self) -> bool {
        self.play_ended
    }

    pub fn is_ended(&self) -> bool {
        self.ended
    }

    pub fn active(&self, hosts: &[String]) -> Vec<String> {
        hosts
            .iter()
            .filter(|h| !self.removed.contains(*h))
            .cloned()
            .collect()
    }

    /// Run a task list on `hosts`; returns the hosts that failed in it.
    pub fn run_items(&mut self, items: &[Item], scope: &Scope, hosts: &[String]) -> Vec<String> {
        let mut active = self.active(hosts);
        let mut failed: Vec<String> = Vec::new();
        for item in items {
            if active.is_empty() || self.ended {
                break;
            }
            let newly_failed = match item {
                Item::Block(block) => self.run_block(block, scope, &active),
                Item::Task(task) => self.run_task(task, scope, &active),
            };
            active.retain(|h| !newly_failed.contains(h) && !self.removed.contains(h));
            failed.extend(newly_failed);
        }
        failed
    }

    fn run_block(&mut self, block: &Block, scope: &Scope, hosts: &[String]) -> Vec<String> {
        let inner = scope.enter_block(block);
        // A role from `roles:` or a dependency runs once per host unless
        // it allows duplicates; its content ends with an implicit
        // `role_complete` that marks it done for hosts that ran a task of it.
        let dedup_key = match &block.kind {
            BlockKind::Role(info)
                if !info.allow_duplicates
                    && matches!(info.source, RoleSource::PlayRoles | RoleSource::Dependency) =>
            {
                inner.role_key.clone()
            }
            _ => None,
        };
        let Some(key) = dedup_key else {
            return self.run_block_sections(block, &inner, hosts);
        };
        let done = self.role_completed.get(&key).cloned().unwrap_or_default();
        let todo: Vec<String> = hosts
            .iter()
            .filter(|h| !done.contains(*h))
            .cloned()
            .collect();
        if todo.is_empty() {
            return Vec::new();
        }
        let failed = self.run_block_sections(block, &inner, &todo);
        let ran = self.role_ran.get(&key).cloned().unwrap_or_default();
        let completed: Vec<String> = self
            .active(&todo)
            .into_iter()
            .filter(|h| !failed.contains(h) && ran.contains(h))
            .collect();
        if !self.ended {
            self.role_completed
                .entry(key)
                .or_default()
                .extend(completed);
        }
        failed
    }

    /// A block's `block`, `rescue` and `always` sections on `hosts`.
    fn run_block_sections(
        &mut self,
        block: &Block,
        inner: &Scope,
        hosts: &[String],
    ) -> Vec<String> {
        let mut block_scope = inner.clone();
        if !block.rescue.is_empty() {
            block_scope.rescuable = true;
        }
        let failed_in_block = self.run_items(&block.block, &block_scope, hosts);
        let mut still_failed = failed_in_block.clone();
        if !block.rescue.is_empty() && !failed_in_block.is_empty() {
            for host in &failed_in_block {
                self.removed.remove(host);
            }
            let failed_in_rescue = self.run_items(&block.rescue, inner, &failed_in_block);
            still_failed = failed_in_rescue;
        }
        if !block.always.is_empty() {
            // `always` runs for every host that entered the block.
            let always_hosts: Vec<String> = if self.ended {
                Vec::new()
            } else {
                hosts.to_vec()
            };
            for host in &still_failed {
                self.removed.remove(host);
            }
            let epoch = self.clear_epoch;
            let failed_in_always = self.run_items(&block.always, inner, &always_hosts);
            for host in failed_in_always {
                if !still_failed.contains(&host) {
                    still_failed.push(host);
                }
            }
            if self.clear_epoch != epoch {
                // `meta: clear_host_errors` ran in `always`: failures from
                // before it no longer count (`_clear_state_errors`).
                let current = self.clear_epoch;
                still_failed.retain(|h| self.failed_at.get(h) == Some(&current));
            }
        }
        for host in &still_failed {
            self.removed.insert(host.clone());
        }
        still_failed
    }

    /// What the callback is told about a task about to run (a fresh
    /// identity, the banner prefix and the templated name).
    fn new_task_info(&mut self, task: &Task, scope: &Scope, hosts: &[String]) -> TaskInfo {
        let uuid = self.next_uuid();
        let prefix = if scope.handlers {
            "RUNNING HANDLER"
        } else {
            "TASK"
        };
        let name = self.display_name(task, scope, hosts.first());
        task_info(task, uuid, prefix, name)
    }

    /// A task identity unique in the whole run (callbacks key on it).
    fn next_uuid(&mut self) -> usize {
        self.shared
            .task_counter
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst)
            + 1
    }

    fn selected(&self, task: &Task, scope: &Scope) -> bool {
        let tags = scope.task_tags(task);
        // Templated tags see the play's variables (no host's own: ansible
        // filters tasks before running them on hosts; the first host
        // stands in for the play here).
        let tags = match self.play.hosts_all.first() {
            Some(host) => {
                let context = std::cell::OnceCell::new();
                let render = |tag: &str| {
                    let context = context.get_or_init(|| {
                        self.shared
                            .factory
                            .context(&self.play, host, None, scope.vars.clone())
                    });
                    self.shared.templar.template_in(tag, context).ok()
                };
                crate::playbook::model::tags::render_tags(tags, &render)
            }
            None => tags,
        };
        should_run(&tags, &self.options.only_tags, &self.options.skip_tags)
    }

    /// The name shown in the banner: the task's name templated with the
    /// first host's variables when possible (as ansible does), else as
    /// written.
    fn display_name(&self, task: &Task, scope: &Scope, host: Option<&String>) -> String {
        let raw = task.display_name();
        let Some(Value::Str(name)) = &task.name else {
            return raw;
        };
        if !crate::templating::render::is_template(name) {
            return raw;
        }
        let Some(host) = host else {
            return raw;
        };
        let run = TaskRun::new(self.shared, &self.play, task, scope, host);
        let context = self
            .shared
            .factory
            .context(&self.play, host, None, Map::new());
        match run.template_value(&Value::Str(name.clone()), &context) {
            Ok(v) => match &task.role {
                Some(role) => format!("{role} : {}", v.python_str()),
                None => v.python_str(),
            },
            Err(_) => raw,
        }
    }

    /// `--start-at-task`: has the run reached the named task?
    fn started(&self, task: &Task) -> bool {
        use std::sync::atomic::Ordering;
        let Some(wanted) = &self.options.start_at_task else {
            return true;
        };
        if self.shared.start_found.load(Ordering::SeqCst) {
            return true;
        }
        let raw = task
            .name
            .as_ref()
            .map(Value::python_str)
            .unwrap_or_default();
        let full = task.display_name();
        let glob = globset::Glob::new(wanted).ok().map(|g| g.compile_matcher());
        let matches =
            |name: &str| name == wanted.as_str() || glob.as_ref().is_some_and(|g| g.is_match(name));
        if matches(&raw) || matches(&full) {
            self.shared.start_found.store(true, Ordering::SeqCst);
            return true;
        }
        false
    }

    fn run_task(&mut self, task: &Task, scope: &Scope, hosts: &[String]) -> Vec<String> {
        // Notified handlers run whatever the tag selection (ansible does not
        // filter the play's handlers by tags).
        if (!scope.handlers && !self.selected(task, scope)) || !self.started(task) {
            return Vec::new();
        }
        let short = super::actions::short_name(&task.action);
        if short == "meta" {
            return self.run_meta(task, scope, hosts);
        }
        let info = self.new_task_info(task, scope, hosts);
        if let Ok(mut cb) = self.shared.callback.lock() {
            cb.task_start(&info);
        }
        if let Ok(mut current) = self.shared.current.lock() {
            *current = Some(info.clone());
        }
        if matches!(task.kind, TaskKind::IncludeTasks | TaskKind::IncludeRole) {
            return self.run_include(task, scope, hosts, &info);
        }
        let run_once = is_true(scope.keyword(task, "run_once"));
        let targets: Vec<String> = if run_once {
            hosts.iter().take(1).cloned().collect()
        } else {
            hosts.to_vec()
        };
        let mut failed = Vec::new();
        self.run_on_hosts(task, scope, &targets, &mut |walk, host, outcome| {
            let applies_to: Vec<String> = if run_once {
                hosts.to_vec()
            } else {
                vec![host.to_string()]
            };
            if walk.process(task, scope, host, &applies_to, &info, outcome) {
                failed.push(host.to_string());
            }
        });
        // A failure of a run_once or any_errors_fatal task fails every
        // host of the batch (they go to their rescue, if any), unless the
        // task ignores errors (`LinearStrategy.run`).
        let fatal = (run_once || is_true(scope.keyword(task, "any_errors_fatal")))
            && !is_true(scope.keyword(task, "ignore_errors"));
        if fatal && !failed.is_empty() {
            failed = hosts.to_vec();
        }
        for host in &failed {
            self.mark_failed(host, scope);
        }
        failed
    }

    /// Run `task` on every host, up to `forks` at once, handing each
    /// outcome to `done` in host order as soon as it and the ones before it
    /// are there (so output is stable, and with one fork each host's result
    /// is printed before the next host starts, as ansible prints it).
    fn run_on_hosts(
        &mut self,
        task: &Task,
        scope: &Scope,
        hosts: &[String],
        done: &mut dyn FnMut(&mut Self, &str, TaskOutcome),
    ) {
        let shared = self.shared;
        let play = Arc::clone(&self.play);
        let run_one = |host: &String| TaskRun::new(shared, &play, task, scope, host).run();
        let workers = shared.forks.min(hosts.len());
        if workers <= 1 {
            for host in hosts {
                let outcome = run_one(host);
                done(self, host, outcome);
            }
            return;
        }
        let next = std::sync::atomic::AtomicUsize::new(0);
        let (sender, finished) = std::sync::mpsc::channel::<(usize, TaskOutcome)>();
        std::thread::scope(|s| {
            for _ in 0..workers {
                let sender = sender.clone();
                let (next, run_one) = (&next, &run_one);
                s.spawn(move || {
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        let Some(host) = hosts.get(i) else { break };
                        if sender.send((i, run_one(host))).is_err() {
                            break;
                        }
                    }
                });
            }
            drop(sender);
            let mut waiting: std::collections::BTreeMap<usize, TaskOutcome> = Default::default();
            let mut reported = 0;
            for (i, outcome) in finished.iter() {
                waiting.insert(i, outcome);
                while let Some(outcome) = waiting.remove(&reported) {
                    done(self, &hosts[reported], outcome);
                    reported += 1;
                }
            }
            // A worker that panicked leaves its host failed rather than
            // the run hung.
            while reported < hosts.len() {
                let outcome = waiting.remove(&reported).unwrap_or_else(|| {
                    let mut result = Map::new();
                    result.insert("failed".into(), Value::Bool(true));
                    result.insert(
                        "msg".into(),
                        Value::str(format!(
                            "internal error while running the task on {}",
                            hosts[reported]
                        )),
                    );
                    TaskOutcome::Single(super::execute::Outcome {
                        result,
                        error: None,
                    })
                });
                done(self, &hosts[reported], outcome);
                reported += 1;
            }
        });
    }

    /// Report an outcome, update stats and variables; true when the host
    /// failed (and the failure is not ignored).
    fn process(
        &mut self,
        task: &Task,
        scope: &Scope,
        host: &str,
        applies_to: &[String],
        info: &TaskInfo,
        outcome: TaskOutcome,
    ) -> bool {
        for warning in self.shared.templar.services().take_warnings() {
            crate::cli::display::warning(&warning);
        }
        let action = info.action.clone();
        let is_debug = super::actions::short_name(&action) == "debug";
        let no_log = is_true(scope.keyword(task, "no_log"));
        let ignore_errors = is_true(scope.keyword(task, "ignore_errors"));
        let overall = match outcome {
            TaskOutcome::Single(o) => o,
            // Items were reported as they finished.
            TaskOutcome::Loop(run) => run.overall,
        };
        let result = &overall.result;
        let failed = overall.flag("failed");
        let skipped = overall.flag("skipped");
        let changed = overall.flag("changed");
        let unreachable = overall.flag("unreachable");
        if !skipped
            && !unreachable
            && let Some(key) = &scope.role_key
        {
            self.role_ran
                .entry(key.clone())
                .or_default()
                .insert(host.to_string());
        }

        // Variables first: later tasks (and handlers) see them.
        if let Some(register) = task.keyword("register") {
            let name = register.python_str();
            // As ansible registers it: internal keys and `invocation` removed.
            let mut clean = crate::output::strip_internal_keys(result);
            clean.shift_remove("invocation");
            for target in applies_to {
                let mut vars = Map::new();
                vars.insert(name.clone(), Value::Map(clean.clone()));
                self.shared.factory.store.set_nonpersistent(target, vars);
            }
        }
        // Facts of the task, or of each item of a loop.
        let mut fact_sets: Vec<(Map, bool)> = Vec::new();
        let collect = |r: &Map, out: &mut Vec<(Map, bool)>| {
            let ok = !matches!(r.get("failed"), Some(Value::Bool(true)))
                && !matches!(r.get("skipped"), Some(Value::Bool(true)));
            if ok && let Some(Value::Map(facts)) = r.get("ansible_facts") {
                out.push((facts.clone(), is_true(r.get("_ansible_facts_cacheable"))));
            }
        };
        match result.get("results") {
            Some(Value::List(items)) => {
                for item in items {
                    if let Value::Map(m) = item {
                        collect(m, &mut fact_sets);
                    }
                }
            }
            _ => collect(result, &mut fact_sets),
        }
        let short = super::actions::short_name(&action);
        for (facts, cacheable) in fact_sets {
            for target in applies_to {
                if short == "include_vars" {
                    self.shared
                        .factory
                        .store
                        .set_included(target, facts.clone());
                } else if short == "set_fact" {
                    self.shared
                        .factory
                        .store
                        .set_nonpersistent(target, facts.clone());
                    if cacheable {
                        self.shared.factory.store.set_facts(target, facts.clone());
                    }
                } else if short != "debug" {
                    self.shared.factory.store.set_facts(target, facts.clone());
                }
            }
        }

        let view = callback_view(result, is_debug, no_log);
        let stats = self.stats.host(host);
        let mut cb = match self.shared.callback.lock() {
            Ok(cb) => cb,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Some(error) = &overall.error {
            cb.error(error);
        }
        if unreachable {
            stats.unreachable += 1;
            cb.runner_on_unreachable(host, info, view);
            return true;
        }
        if failed {
            if ignore_errors {
                stats.ok += 1;
                stats.ignored += 1;
                if changed {
                    stats.changed += 1;
                }
            } else if scope.rescuable {
                stats.rescued += 1;
            } else {
                stats.failures += 1;
            }
            cb.runner_on_failed(host, info, view, ignore_errors);
            drop(cb);
            if !ignore_errors && scope.rescuable {
                let mut vars = Map::new();
                vars.insert(
                    "ansible_failed_result".into(),
                    Value::Map(crate::output::strip_internal_keys(result)),
                );
                vars.insert("ansible_failed_task".into(), failed_task(task, info));
                self.shared.factory.store.set_nonpersistent(host, vars);
            }
            return !ignore_errors;
        }
        if skipped {
            stats.skipped += 1;
            cb.runner_on_skipped(host, info, view);
            return false;
        }
        drop(cb);
        // Handlers are notified before the result is reported; a missing
        // one can end the run right there.
        if changed {
            self.notify(task, scope, host);
            if self.fatal.is_some() {
                return false;
            }
        }
        let stats = self.stats.host(host);
        stats.ok += 1;
        if changed {
            stats.changed += 1;
        }
        let mut cb = match self.shared.callback.lock() {
            Ok(cb) => cb,
            Err(poisoned) => poisoned.into_inner(),
        };
        let diff_mode = scope
            .keyword(task, "diff")
            .and_then(Value::ansible_bool)
            .unwrap_or(self.shared.diff);
        // Loop items printed their diffs with their results.
        if diff_mode && result.contains_key("diff") {
            cb.on_file_diff(info, result, self.options.diff_context);
        }
        cb.runner_on_ok(host, info, view);
        false
    }

    fn notify(&mut self, task: &Task, scope: &Scope, host: &str) {
        // Blocks pass `notify` down to their tasks (`Notifiable`); the
        // names may be templates (of a name or a list of names).
        let Some(raw) = scope.keyword(task, "notify").cloned() else {
            return;
        };
        let run = TaskRun::new(self.shared, &self.play, task, scope, host);
        let value = run.template_plain(&raw).unwrap_or(raw);
        let names: Vec<String> = match value {
            Value::List(items) => items.iter().map(Value::python_str).collect(),
            Value::Null => return,
            other => vec![other.python_str()],
        };
        self.resolve_handler_names();
        for name in names {
            // As `search_handlers_by_notification`: the first handler with
            // that name (plain or role-qualified), then every handler
            // listening to it (one per handler name).
            // Blocks loaded last are searched first ("last handler loaded
            // with the same name wins"), tasks in a block in order.
            let mut order: Vec<usize> = (0..self.handlers.len()).collect();
            order.sort_by_key(|i| (std::cmp::Reverse(self.handlers[*i].block), *i));
            let mut matched: Vec<usize> = Vec::new();
            if let Some(index) = order.iter().copied().find(|i| {
                let handler = &self.handlers[*i];
                let Some(Some(own)) = &handler.resolved_name else {
                    return false;
                };
                *own == name || role_qualified(handler, own).contains(&name)
            }) {
                matched.push(index);
            }
            let mut seen: HashSet<String> = HashSet::new();
            for index in order {
                let handler = &self.handlers[index];
                let topics: Vec<String> = match handler.task.keyword("listen") {
                    Some(Value::List(l)) => l.iter().map(Value::python_str).collect(),
                    Some(Value::Null) | None => Vec::new(),
                    Some(v) => vec![v.python_str()],
                };
                // A role's handler also listens to `role : topic`
                // (`Handler._validate_listen`).
                let listens = topics
                    .iter()
                    .any(|t| *t == name || role_qualified(handler, t).contains(&name));
                if !listens {
                    continue;
                }
                let own = handler.task.name.as_ref().map(Value::python_str);
                if let Some(own) = own.filter(|n| !n.is_empty())
                    && !seen.insert(own)
                {
                    continue;
                }
                matched.push(index);
            }
            if matched.is_empty() {
                let msg = format!(
                    "The requested handler '{name}' was not found in either the main handlers list nor in the listening handlers list"
                );
                if self.options.error_on_missing_handler {
                    self.fatal = Some(msg);
                    self.ended = true;
                    return;
                }
                crate::cli::display::warning(&msg);
            }
            for index in matched {
                let notified = &mut self.handlers[index].notified;
                if !notified.iter().any(|h| h == host) {
                    notified.push(host.to_string());
                }
            }
        }
    }

    /// Template handler names with the play's variables (once each), as
    /// ansible does when it first looks handlers up; a name that cannot be
    /// templated makes its handler unusable unless it listens to topics.
    fn resolve_handler_names(&mut self) {
        let Some(host) = self.play.hosts_all.first().cloned() else {
            return;
        };
        let mut context = None;
        for index in 0..self.handlers.len() {
            if self.handlers[index].resolved_name.is_some() {
                continue;
            }
            let handler = &self.handlers[index];
            let resolved = match &handler.task.name {
                None => None,
                Some(Value::Str(name)) if crate::templating::render::is_template(name) => {
                    let context = context.get_or_insert_with(|| {
                        self.shared
                            .factory
                            .context(&self.play, &host, None, Map::new())
                    });
                    match self.shared.templar.template_in(name, context) {
                        Ok(v) => Some(v.python_str()),
                        Err(e) => {
                            if handler.task.keyword("listen").is_none() {
                                crate::cli::display::warning(&format!(
                                    "Handler '{name}' is unusable because it has no listen topics and the name could not be templated (host-specific variables are not supported in handler names). The error: {}",
                                    e.message
                                ));
                            }
                            None
                        }
                    }
                }
                Some(other) => Some(other.python_str()),
            };
            self.handlers[index].resolved_name = Some(resolved);
        }
    }

    /// Run notified handlers in definition order (handlers may notify
    /// later handlers in the same flush).
    pub fn flush_handlers(&mut self, hosts: &[String]) {
        if let Ok(cb) = self.shared.callback.lock() {
            for host in hosts {
                if self.handlers.iter().any(|h| h.notified.contains(host)) {
                    cb.display
                        .debug(&format!("META: triggered running handlers for {host}"));
                }
            }
        }
        self.flush_handlers_in(hosts, false);
    }

    /// Run notified handlers; `rescuable` when the flush sits in a block
    /// with a `rescue` (a failing handler then goes there). Returns the
    /// hosts whose handlers failed.
    fn flush_handlers_in(&mut self, hosts: &[String], rescuable: bool) -> Vec<String> {
        let mut failed: Vec<String> = Vec::new();
        let mut index = 0;
        while index < self.handlers.len() {
            let notified = std::mem::take(&mut self.handlers[index].notified);
            let targets: Vec<String> = hosts
                .iter()
                .filter(|h| notified.contains(h))
                .filter(|h| self.force_handlers || !self.removed.contains(*h))
                .cloned()
                .collect();
            if !targets.is_empty() && !self.ended {
                let task = self.handlers[index].task.clone();
                let mut scope = self.handlers[index].scope.clone();
                scope.rescuable = rescuable;
                if self.force_handlers {
                    for h in &targets {
                        self.removed.remove(h);
                    }
                }
                for host in self.run_task(&task, &scope, &targets) {
                    if !failed.contains(&host) {
                        failed.push(host);
                    }
                }
            }
            index += 1;
        }
        failed
    }

    /// `meta:` tasks (`StrategyBase._execute_meta` under the linear
    /// strategy): some run per host, the others once for all hosts; each
    /// run shows the task banner, and a false `when` reports a skip.
    fn run_meta(&mut self, task: &Task, scope: &Scope, hosts: &[String]) -> Vec<String> {
        let what = task
            .args
            .get("_raw_params")
            .map(Value::python_str)
            .unwrap_or_default();
        let what = what.trim().to_string();
        let per_host = matches!(
            what.as_str(),
            "noop"
                | "reset_connection"
                | "end_host"
                | "role_complete"
                | "flush_handlers"
                | "end_role"
        );
        let targets: Vec<String> = if per_host {
            hosts.to_vec()
        } else {
            hosts.iter().take(1).cloned().collect()
        };
        let info = self.new_task_info(task, scope, hosts);
        let mut flush_for: Vec<String> = Vec::new();
        for host in &targets {
            if let Ok(mut cb) = self.shared.callback.lock() {
                cb.task_start(&info);
            }
            if scope.handlers && what == "flush_handlers" {
                // An error that ends the run, as in `_execute_meta`.
                self.fatal = Some("flush_handlers cannot be used as a handler".into());
                self.ended = true;
                return Vec::new();
            }
            let conditions = scope.conditions(task);
            let supports_when = !matches!(
                what.as_str(),
                "noop" | "refresh_inventory" | "reset_connection"
            );
            let holds = if conditions.is_empty() || !supports_when {
                true
            } else {
                let run = TaskRun::new(self.shared, &self.play, task, scope, host);
                run.conditions_hold(&conditions)
            };
            if !holds {
                let suffix = match what.as_str() {
                    "flush_handlers" => format!(", not running handlers for {host}"),
                    "clear_facts" => format!(", not clearing facts and fact cache for {host}"),
                    "clear_host_errors" => {
                        format!(", not clearing host error state for {host}")
                    }
                    "end_batch" => ", continuing current batch".to_string(),
                    "end_play" => ", continuing play".to_string(),
                    "end_host" => format!(", continuing execution for {host}"),
                    _ => String::new(),
                };
                let reason = format!("{what} conditional evaluated to False{suffix}");
                self.meta_verbose(&reason);
                let mut result = Map::new();
                result.insert("msg".into(), Value::str(what.as_str()));
                result.insert("skipped".into(), Value::Bool(true));
                result.insert("skip_reason".into(), Value::str(reason));
                // Reported, but not counted in the recap (as ansible).
                let view = callback_view(&result, false, false);
                if let Ok(mut cb) = self.shared.callback.lock() {
                    cb.runner_on_skipped(host, &info, view);
                }
                continue;
            }
            match what.as_str() {
                "flush_handlers" => flush_for.push(host.clone()),
                "end_play" => {
                    self.ended = true;
                    self.play_ended = true;
                    for h in hosts {
                        self.removed.insert(h.clone());
                    }
                }
                "end_batch" => {
                    for h in hosts {
                        self.removed.insert(h.clone());
                    }
                    self.ended = true;
                }
                "end_host" => {
                    self.removed.insert(host.clone());
                    self.leave_play_hosts(host);
                }
                "clear_facts" => {
                    for h in hosts {
                        self.shared.factory.store.clear_facts(h);
                    }
                }
                "clear_host_errors" => {
                    // Hosts still in the play (in a rescue or always) go on
                    // as if they had not failed; hosts already out of the
                    // play stay out, as their iterator state is complete.
                    self.clear_epoch += 1;
                    for h in &self.play.hosts_all {
                        self.failed_for_run.remove(h);
                        self.cleared_for_run.insert(h.clone());
                    }
                }
                // noop, refresh_inventory, reset_connection, end_role:
                // nothing observable to do without a transport or inventory
                // plugins.
                _ => {}
            }
            let msg = match what.as_str() {
                "refresh_inventory" => "inventory successfully refreshed".to_string(),
                "clear_facts" => "facts cleared".to_string(),
                "clear_host_errors" => "cleared host errors".to_string(),
                "end_batch" => "ending batch".to_string(),
                "end_play" => "ending play".to_string(),
                "end_host" => format!("ending play for {host}"),
                "reset_connection" => "reset connection".to_string(),
                other => other.to_string(),
            };
            self.meta_verbose(&msg);
        }
        if !flush_for.is_empty() {
            // Hosts whose handlers failed fail here, in this block.
            return self.flush_handlers_in(&flush_for, scope.rescuable);
        }
        Vec::new()
    }
}

impl PlayRun<'_> {
    /// `META: ...`, what `_execute_meta` says at -vv about a meta task.
    fn meta_verbose(&self, text: &str) {
        if self.options.verbosity >= 2
            && let Ok(cb) = self.shared.callback.lock()
        {
            cb.display.display(&format!("META: {text}"));
        }
    }
}

/// `role : text` with the handler's role name, short and fully qualified.
fn role_qualified(handler: &Handler, text: &str) -> Vec<String> {
    match &handler.scope.role {
        Some(role) => {
            // A collection role's short name is the last part of its FQCN.
            let short = match role.display_name.matches('.').count() {
                n if n >= 2 => role.display_name.rsplit('.').next().unwrap_or(&role.name),
                _ => role.name.as_str(),
            };
            vec![
                format!("{short} : {text}"),
                format!("{} : {text}", role.display_name),
            ]
        }
        None => Vec::new(),
    }
}

/// Which files the handlers came from (tells `handlers_from` apart).
fn role_handler_files(items: &[Item]) -> Vec<String> {
    let mut files = Vec::new();
    for item in items {
        match item {
            Item::Task(t) => files.push(t.origin.file.path.display().to_string()),
            Item::Block(b) => files.extend(role_handler_files(&b.block)),
        }
    }
    files.dedup();
    files
}

/// `ansible_failed_task`: the task's main attributes.
fn failed_task(task: &Task, info: &TaskInfo) -> Value {
    let mut map = Map::new();
    // The task's own (templated) name: without the role prefix of the
    // banner, empty when the task has none.
    let name = match (&task.name, &task.role) {
        (None, _) => String::new(),
        (Some(_), Some(role)) => info
            .name
            .strip_prefix(&format!("{role} : "))
            .unwrap_or(&info.name)
            .to_string(),
        (Some(_), None) => info.name.clone(),
    };
    map.insert("name".into(), Value::str(name));
    map.insert("action".into(), Value::str(task.action.as_str()));
    let args: Map = task
        .args
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    map.insert("args".into(), Value::Map(args));
    Value::Map(map)
}
