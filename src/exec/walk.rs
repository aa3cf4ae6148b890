//! The linear strategy over a play's task tree: each task runs on every
//! active host before the next one starts; a host that fails leaves the
//! block, goes through its `rescue` (if any) and `always` sections, and is
//! out of the play unless rescued. Handlers run at the end of each section
//! (pre_tasks, roles + tasks, post_tasks) and on `meta: flush_handlers`.

use super::execute::{Outcome, TaskOutcome, TaskRun};
use super::scope::Scope;
use super::{RunOptions, Shared};
use crate::output::default::TaskInfo;
use crate::output::{Stats, callback_view};
use crate::playbook::model::tags::should_run;
use crate::playbook::model::{Block, BlockKind, Item, Role, Task, TaskKind};
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
    /// rest of the run.
    pub failed_for_run: HashSet<String>,
    /// Hosts stopped by another host's any_errors_fatal failure: left out
    /// of later plays, but not failed themselves.
    pub stopped_for_run: HashSet<String>,
    /// `meta: end_play`/`end_batch` was run: nothing more in this batch.
    ended: bool,
    /// `meta: end_play` was run: no later batch either.
    play_ended: bool,
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
            stopped_for_run: HashSet::new(),
            ended: false,
            play_ended: false,
        }
    }

    /// Register the play's handlers: roles' (dependencies first), then the
    /// play's own.
    pub fn add_handlers(&mut self, roles: &[Role], play_handlers: &[Item], scope: &Scope) {
        fn role_handlers(role: &Role, out: &mut Vec<Item>) {
            for dep in &role.dependencies {
                role_handlers(dep, out);
            }
            if !role.handlers.is_empty() {
                out.push(Item::Block(role.wrapped(role.handlers.clone())));
            }
        }
        let mut items = Vec::new();
        for role in roles {
            role_handlers(role, &mut items);
        }
        items.extend(play_handlers.iter().cloned());
        let mut scope = scope.clone();
        scope.handlers = true;
        self.collect_handlers(&items, &scope);
    }

    fn collect_handlers(&mut self, items: &[Item], scope: &Scope) {
        for item in items {
            match item {
                Item::Task(task) => self.handlers.push(Handler {
                    task: task.clone(),
                    scope: scope.clone(),
                    notified: Vec::new(),
                }),
                Item::Block(block) => {
                    let inner = scope.enter_block(block);
                    self.collect_handlers(&block.block, &inner);
                    self.collect_handlers(&block.rescue, &inner);
                    self.collect_handlers(&block.always, &inner);
                }
            }
        }
    }

    /// Take a host out of the rest of the play.
    pub(super) fn remove_host(&mut self, host: &str) {
        self.removed.insert(host.to_string());
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
            let failed_in_rescue = self.run_items(&block.rescue, &inner, &failed_in_block);
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
            let failed_in_always = self.run_items(&block.always, &inner, &always_hosts);
            for host in failed_in_always {
                if !still_failed.contains(&host) {
                    still_failed.push(host);
                }
            }
        }
        for host in &still_failed {
            self.removed.insert(host.clone());
        }
        still_failed
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
        let run = TaskRun {
            shared: self.shared,
            play: &self.play,
            task,
            scope,
            host,
        };
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
        if !self.selected(task, scope) || !self.started(task) {
            return Vec::new();
        }
        let short = super::actions::short_name(&task.action);
        if short == "meta" {
            return self.run_meta(task, scope, hosts);
        }
        let uuid = self.next_uuid();
        let prefix = if scope.handlers {
            "RUNNING HANDLER"
        } else {
            "TASK"
        };
        let name = self.display_name(task, scope, hosts.first());
        let info = task_info(task, uuid, prefix, name);
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
        let outcomes = self.run_on_hosts(task, scope, &targets);
        for (host, outcome) in targets.iter().zip(outcomes) {
            let applies_to: Vec<String> = if run_once {
                hosts.to_vec()
            } else {
                vec![host.clone()]
            };
            if self.process(task, scope, host, &applies_to, &info, outcome) {
                failed.push(host.clone());
            }
        }
        if run_once && failed.len() == 1 {
            // A failed run_once task fails the whole batch.
            failed = hosts.to_vec();
        }
        for host in &failed {
            self.removed.insert(host.clone());
            if !scope.rescuable {
                self.failed_for_run.insert(host.clone());
            }
        }
        // any_errors_fatal: one unrescued failure ends the play for every
        // host (they are not counted as failed, but the play and the run's
        // later batches stop).
        if !failed.is_empty()
            && !scope.rescuable
            && is_true(scope.keyword(task, "any_errors_fatal"))
        {
            self.ended = true;
            self.play_ended = true;
            for host in hosts {
                self.removed.insert(host.clone());
                if !self.failed_for_run.contains(host) {
                    self.stopped_for_run.insert(host.clone());
                }
            }
        }
        failed
    }

    /// Run `task` on every host, up to `forks` at once; outcomes come back
    /// in host order (so output is stable).
    fn run_on_hosts(&self, task: &Task, scope: &Scope, hosts: &[String]) -> Vec<TaskOutcome> {
        let run_one = |host: &String| {
            TaskRun {
                shared: self.shared,
                play: &self.play,
                task,
                scope,
                host,
            }
            .run()
        };
        let workers = self.shared.forks.min(hosts.len());
        if workers <= 1 {
            return hosts.iter().map(run_one).collect();
        }
        let next = std::sync::atomic::AtomicUsize::new(0);
        let slots: Vec<std::sync::Mutex<Option<TaskOutcome>>> =
            hosts.iter().map(|_| std::sync::Mutex::new(None)).collect();
        std::thread::scope(|s| {
            for _ in 0..workers {
                s.spawn(|| {
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        let Some(host) = hosts.get(i) else { break };
                        let outcome = run_one(host);
                        if let Ok(mut slot) = slots[i].lock() {
                            *slot = Some(outcome);
                        }
                    }
                });
            }
        });
        slots
            .into_iter()
            .zip(hosts)
            .map(|(slot, host)| {
                slot.into_inner().ok().flatten().unwrap_or_else(|| {
                    // A worker that panicked leaves its host failed rather
                    // than the run hung.
                    let mut result = Map::new();
                    result.insert("failed".into(), Value::Bool(true));
                    result.insert(
                        "msg".into(),
                        Value::str(format!("internal error while running the task on {host}")),
                    );
                    TaskOutcome::Single(super::execute::Outcome {
                        result,
                        error: None,
                    })
                })
            })
            .collect()
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
            TaskOutcome::Loop(run) => {
                for item in &run.items {
                    self.report_item(host, info, item, is_debug, no_log);
                }
                run.overall
            }
        };
        let result = &overall.result;
        let failed = overall.flag("failed");
        let skipped = overall.flag("skipped");
        let changed = overall.flag("changed");
        let unreachable = overall.flag("unreachable");

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
        stats.ok += 1;
        if changed {
            stats.changed += 1;
        }
        let diff_mode = scope
            .keyword(task, "diff")
            .and_then(Value::ansible_bool)
            .unwrap_or(self.shared.diff);
        if diff_mode && (result.contains_key("diff") || result.contains_key("results")) {
            cb.on_file_diff(info, result, self.options.diff_context);
        }
        cb.runner_on_ok(host, info, view);
        drop(cb);
        if changed {
            self.notify(task, scope, host);
        }
        false
    }

    fn report_item(
        &mut self,
        host: &str,
        info: &TaskInfo,
        item: &Outcome,
        is_debug: bool,
        no_log: bool,
    ) {
        let view = callback_view(&item.result, is_debug, no_log);
        let mut cb = match self.shared.callback.lock() {
            Ok(cb) => cb,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Some(error) = &item.error {
            cb.error(error);
        }
        if item.flag("failed") {
            cb.item_on_failed(host, info, view);
        } else if item.flag("skipped") {
            cb.item_on_skipped(host, info, view);
        } else {
            cb.item_on_ok(host, info, view);
        }
    }

    fn notify(&mut self, task: &Task, scope: &Scope, host: &str) {
        // Blocks and imports pass `notify` down to their tasks.
        let names: Vec<String> = match scope.keyword(task, "notify") {
            Some(Value::List(items)) => items.iter().map(Value::python_str).collect(),
            Some(Value::Null) | None => return,
            Some(other) => vec![other.python_str()],
        };
        for name in names {
            let mut found = false;
            for handler in &mut self.handlers {
                let own = handler.task.name.as_ref().map(Value::python_str);
                let qualified = handler
                    .scope
                    .role
                    .as_ref()
                    .zip(own.as_ref())
                    .map(|(r, n)| format!("{} : {n}", r.name));
                let listens = match handler.task.keyword("listen") {
                    Some(Value::List(l)) => l.iter().any(|v| v.python_str() == name),
                    Some(v) => v.python_str() == name,
                    None => false,
                };
                if own.as_deref() == Some(name.as_str())
                    || qualified.as_deref() == Some(name.as_str())
                    || listens
                {
                    found = true;
                    if !handler.notified.iter().any(|h| h == host) {
                        handler.notified.push(host.to_string());
                    }
                }
            }
            if !found {
                crate::cli::display::warning(&format!(
                    "The requested handler '{name}' was not found in either the main handlers list nor in the listening handlers list"
                ));
            }
        }
    }

    /// Run notified handlers in definition order (handlers may notify
    /// later handlers in the same flush).
    pub fn flush_handlers(&mut self, hosts: &[String]) {
        let mut index = 0;
        while index < self.handlers.len() {
            let notified = std::mem::take(&mut self.handlers[index].notified);
            let targets: Vec<String> = hosts
                .iter()
                .filter(|h| notified.contains(h))
                .filter(|h| self.options.force_handlers || !self.removed.contains(*h))
                .cloned()
                .collect();
            if !targets.is_empty() && !self.ended {
                let task = self.handlers[index].task.clone();
                let scope = self.handlers[index].scope.clone();
                if self.options.force_handlers {
                    for h in &targets {
                        self.removed.remove(h);
                    }
                }
                self.run_task(&task, &scope, &targets);
            }
            index += 1;
        }
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
        let uuid = self.next_uuid();
        let prefix = if scope.handlers {
            "RUNNING HANDLER"
        } else {
            "TASK"
        };
        let name = self.display_name(task, scope, hosts.first());
        let info = task_info(task, uuid, prefix, name);
        let mut flush_for: Vec<String> = Vec::new();
        for host in &targets {
            if let Ok(mut cb) = self.shared.callback.lock() {
                cb.task_start(&info);
            }
            let conditions = scope.conditions(task);
            let supports_when = !matches!(
                what.as_str(),
                "noop" | "refresh_inventory" | "reset_connection"
            );
            let holds = if conditions.is_empty() || !supports_when {
                true
            } else {
                let run = TaskRun {
                    shared: self.shared,
                    play: &self.play,
                    task,
                    scope,
                    host,
                };
                run.conditions_hold(&conditions)
            };
            if !holds {
                let mut result = Map::new();
                result.insert("msg".into(), Value::str(what.as_str()));
                result.insert("skipped".into(), Value::Bool(true));
                result.insert(
                    "skip_reason".into(),
                    Value::str(format!("{what} conditional evaluated to False")),
                );
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
                }
                "clear_facts" => {
                    for h in hosts {
                        self.shared.factory.store.clear_facts(h);
                    }
                }
                "clear_host_errors" => {
                    self.removed.clear();
                }
                // noop, refresh_inventory, reset_connection, end_role:
                // nothing observable to do without a transport or inventory
                // plugins.
                _ => {}
            }
        }
        if !flush_for.is_empty() {
            self.flush_handlers(&flush_for);
        }
        Vec::new()
    }
}

/// `ansible_failed_task`: the task's main attributes.
fn failed_task(task: &Task, info: &TaskInfo) -> Value {
    let mut map = Map::new();
    map.insert("name".into(), Value::str(info.name.as_str()));
    map.insert("action".into(), Value::str(task.action.as_str()));
    let args: Map = task
        .args
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    map.insert("args".into(), Value::Map(args));
    Value::Map(map)
}

/// Is this block kind a role's content?
pub fn role_of(block: &Block) -> Option<&crate::playbook::model::RoleInfo> {
    match &block.kind {
        BlockKind::Role(info) => Some(info),
        _ => None,
    }
}
