//! The linear strategy over a play's task tree: each task runs on every
//! active host before the next one starts; a host that fails leaves the
//! block, goes through its `rescue` (if any) and `always` sections, and is
//! out of the play unless rescued. Handlers run at the end of each section
//! (pre_tasks, roles + tasks, post_tasks) and on `meta: flush_handlers`.

use super::execute::{Outcome, TaskOutcome, TaskRun};
use super::free::{End, HostPort, Step, TaskKey};
use super::handlers::Handler;
use super::inventory_actions::{bypasses_host_loop, is_inventory_action};
use super::live_inventory::InventoryEdits;
use super::scope::Scope;
use super::{RunOptions, Shared};
use crate::output::default::TaskInfo;
use crate::output::{Stats, callback_view};
use crate::playbook::model::tags::should_run;
use crate::playbook::model::{Block, BlockKind, Item, Task, TaskKind};
use crate::value::{Map, Value};
use crate::vars::PlayScope;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// The state of one play being run.
pub struct PlayRun<'a> {
    pub shared: &'a Shared,
    pub options: &'a RunOptions,
    pub(super) stats: &'a mut Stats,
    pub play: Arc<PlayScope>,
    pub(super) handlers: Vec<Handler>,
    /// Hosts out of the play (failed or `end_host`).
    pub(super) removed: HashSet<String>,
    /// Hosts that failed (or were unreachable) and stay failed for the
    /// rest of the run (ansible's `TaskQueueManager._failed_hosts`).
    pub failed_for_run: HashSet<String>,
    /// Hosts whose errors `meta: clear_host_errors` cleared: earlier plays'
    /// failures of these hosts are forgotten too.
    pub cleared_for_run: HashSet<String>,
    /// How many times `meta: clear_host_errors` ran, and at which of those
    /// counts each host last failed: a block's `always` that clears errors
    /// forgets the failures from before the clear.
    pub(super) clear_epoch: usize,
    pub(super) failed_at: std::collections::HashMap<String, usize>,
    /// By role identity (`Scope::role_key`): hosts on which a task of the
    /// role gave a result, and hosts on which the role completed (ansible's
    /// `_had_task_run` and `_completed`).
    pub(super) role_ran: std::collections::HashMap<String, HashSet<String>>,
    pub(super) role_completed: std::collections::HashMap<String, HashSet<String>>,
    /// Handler blocks registered so far.
    pub(super) handler_blocks: usize,
    /// Included roles whose handlers are registered.
    pub(super) included_role_handlers: HashSet<String>,
    /// `meta: end_play`/`end_batch` was run: nothing more in this batch.
    pub(super) ended: bool,
    /// `meta: end_play` was run: no later batch either.
    pub(super) play_ended: bool,
    /// An error that ends the whole run (a notified handler that does not
    /// exist, under `ERROR_ON_MISSING_HANDLER`).
    pub fatal: Option<super::RunAbort>,
    /// A parser error met while loading an include's content: it ends the
    /// run once the include's loading is over.
    pub(super) include_abort: Option<crate::playbook::model::ParseError>,
    /// Hosts that ran `meta: end_role`, by the role (`Scope::role_key`)
    /// whose remaining tasks they skip.
    pub(super) role_ended: HashMap<String, String>,
    /// Handler notifications by host, saved by name until the next flush.
    pub(super) saved_notifications: HashMap<String, Vec<String>>,
    /// Handlers are running: notifications reach handlers at once.
    pub(super) flushing_handlers: bool,
    /// Handlers run on failed hosts too (the play's `force_handlers`, else
    /// the command line and configuration).
    pub force_handlers: bool,
    /// Where `add_host` and `group_by` results go (none: they change
    /// nothing, as in a run without an inventory).
    pub inventory: Option<&'a dyn InventoryEdits>,
    /// The play's `max_fail_percentage` (linear strategy only) and the
    /// size of the batch it is measured against.
    pub max_fail_percentage: Option<f64>,
    pub batch_size: usize,
    /// The hosts this run started with.
    pub batch_hosts: Vec<String>,
    /// `max_fail_percentage` was exceeded: no later play runs.
    pub break_play: bool,
    /// Hosts found unreachable in this run of the play (they do not count
    /// as failed for `max_fail_percentage`).
    pub(super) unreachable: HashSet<String>,
    /// Results reported so far (a task that reported none is not checked
    /// against `max_fail_percentage`).
    pub(super) results_seen: usize,
    /// Under `free`/`host_pinned`: this walker's host and the scheduler.
    pub(super) free: Option<HostPort<'a>>,
    /// The handler about to run (its banner identity under `free`).
    pub(super) handler_key: Option<usize>,
    /// Under `free`: handlers still notified after the one about to start.
    pub(super) flush_after: Option<usize>,
    /// The batch's fact gathering task (its address) and the batch number:
    /// its banner identity is the batch's own.
    pub gather_key: Option<(usize, usize)>,
}

fn task_info(task: &Task, uuid: usize, prefix: &'static str, name: String) -> TaskInfo {
    // ansible's `result.task_name`: the name as written (templated),
    // without the role in front; the full display name when it has none.
    let own_name = match (&task.role, &task.name) {
        (Some(role), Some(written)) if !written.python_str().is_empty() => name
            .strip_prefix(&format!("{role} : "))
            .unwrap_or(&name)
            .to_string(),
        _ => name.clone(),
    };
    TaskInfo {
        uuid,
        prefix,
        name,
        own_name,
        action: task.action.clone(),
        is_loop: task.keyword("loop").is_some() || task.loop_with.is_some(),
        is_include: matches!(task.kind, TaskKind::IncludeTasks | TaskKind::IncludeRole),
        delegate_to: None,
        path: origin_path(&task.origin),
        args_text: task
            .args
            .iter()
            .map(|(k, v)| format!("{k}={}", v.python_str()))
            .collect::<Vec<_>>()
            .join(", "),
        no_log: is_true(task.keyword("no_log")),
        check_mode: false,
    }
}

/// ansible's `get_path()`: `file:line`, or nothing for what was not read
/// from a file (ad hoc tasks, role argument spec checks).
pub(super) fn origin_path(origin: &crate::playbook::model::error::Origin) -> String {
    if origin.span.line == 0 {
        return String::new();
    }
    format!("{}:{}", origin.file.path.display(), origin.span.line)
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
            include_abort: None,
            role_ended: HashMap::new(),
            saved_notifications: HashMap::new(),
            flushing_handlers: false,
            force_handlers: options.force_handlers,
            inventory: None,
            max_fail_percentage: None,
            batch_size: 0,
            batch_hosts: Vec::new(),
            break_play: false,
            unreachable: HashSet::new(),
            results_seen: 0,
            free: None,
            handler_key: None,
            flush_after: None,
            gather_key: None,
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

    /// Change the play (under `free`, as the other hosts left it, and for
    /// them too).
    pub(super) fn update_play(&mut self, change: impl FnOnce(&mut crate::vars::PlayScope)) {
        if let Some(port) = self.free {
            self.play = port.play();
        }
        let mut play = (*self.play).clone();
        change(&mut play);
        self.play = Arc::new(play);
        if let Some(port) = self.free {
            port.set_play(Arc::clone(&self.play));
        }
    }

    /// `ansible_play_hosts` and `ansible_play_batch` leave out hosts that
    /// failed or ended (the play's `_removed_hosts`); a clear of host
    /// errors does not bring them back, as in ansible.
    pub(super) fn leave_play_hosts(&mut self, host: &str) {
        if !self.play.hosts.iter().any(|h| h == host) && !self.play.batch.iter().any(|h| h == host)
        {
            return;
        }
        self.update_play(|play| {
            play.hosts.retain(|h| h != host);
            play.batch.retain(|h| h != host);
        });
    }

    /// An error that ends the run (and, under `free`, every host's walk).
    pub(super) fn set_fatal(&mut self, msg: String) {
        self.abort(super::RunAbort::Error(msg));
    }

    /// End the run (every host, every later play) with `abort`.
    pub(super) fn abort(&mut self, abort: super::RunAbort) {
        if let Some(port) = self.free {
            port.end_all(End::Fatal(abort.clone()));
        }
        self.fatal = Some(abort);
        self.ended = true;
    }

    /// Under `free`, another host ended the batch (or the run): stop.
    pub(super) fn stop_for_end(&mut self) {
        self.ended = true;
        if let Some(End::Play) = self.free.and_then(|p| p.run().end()) {
            self.play_ended = true;
        }
    }

    /// The banner identity of the task about to run.
    fn task_key(&mut self, task: &Task) -> TaskKey {
        let address = task as *const Task as usize;
        match (self.handler_key.take(), self.gather_key) {
            (Some(index), _) => TaskKey::Handler(index),
            (None, Some((gather, batch))) if gather == address => TaskKey::Gather(batch),
            _ => TaskKey::Task(address),
        }
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
            active.retain(|h| {
                !newly_failed.contains(h)
                    && !self.removed.contains(h)
                    && !self.role_ended.contains_key(h)
            });
            failed.extend(newly_failed);
        }
        failed
    }

    fn run_block(&mut self, block: &Block, scope: &Scope, hosts: &[String]) -> Vec<String> {
        let inner = scope.enter_block(block);
        // A role's content ends with an implicit `role_complete` that marks
        // it done for hosts that ran a task of it; a role met again skips
        // those hosts unless it allows duplicates (roles are the same when
        // ansible's `Role` objects compare equal: `role_key`).
        let role = match &block.kind {
            BlockKind::Role(info) => inner
                .role_key
                .clone()
                .map(|key| (key, info.allow_duplicates)),
            _ => None,
        };
        let Some((key, allow_duplicates)) = role else {
            return self.run_block_sections(block, &inner, hosts);
        };
        let done = self.role_completed.get(&key).cloned().unwrap_or_default();
        let todo: Vec<String> = hosts
            .iter()
            .filter(|h| allow_duplicates || !done.contains(*h))
            .cloned()
            .collect();
        if todo.is_empty() {
            return Vec::new();
        }
        let failed = self.run_block_sections(block, &inner, &todo);
        // `meta: end_role` ends only the innermost role.
        self.role_ended.retain(|_, ended| *ended != key);
        self.role_complete_turn(block, &todo, &failed);
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

    /// Under `free`, a role ends with ansible's implicit `role_complete`
    /// meta task: a step on the host's turn (it shows nothing) for a host
    /// still in the play.
    fn role_complete_turn(&mut self, block: &Block, hosts: &[String], failed: &[String]) {
        let Some(port) = self.free else {
            return;
        };
        if self.ended || self.active(hosts).iter().all(|h| failed.contains(h)) {
            return;
        }
        if !port.ready(Step {
            key: TaskKey::RoleEnd(block as *const Block as usize),
            throttle: 0,
            meta: true,
        }) {
            self.stop_for_end();
            return;
        }
        self.sync_play();
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
                hosts
                    .iter()
                    .filter(|h| !self.role_ended.contains_key(*h))
                    .cloned()
                    .collect()
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
    pub(super) fn new_task_info(
        &mut self,
        task: &Task,
        scope: &Scope,
        hosts: &[String],
        key: TaskKey,
    ) -> TaskInfo {
        let prefix = if scope.handlers {
            "RUNNING HANDLER"
        } else {
            "TASK"
        };
        // Under `free` every host's run of a task shares one identity and
        // the name the first host gave it.
        let (uuid, name) = match self.free {
            Some(port) => port.identity(key, &mut || {
                (
                    self.next_uuid(),
                    self.display_name(task, scope, hosts.first()),
                )
            }),
            None => (
                self.next_uuid(),
                self.display_name(task, scope, hosts.first()),
            ),
        };
        let mut info = task_info(task, uuid, prefix, name);
        // The attribute as written (a template counts as true, as in
        // ansible's callback).
        info.check_mode = scope
            .keyword(task, "check_mode")
            .map_or(self.shared.check_mode, Value::is_truthy);
        info
    }

    /// A task identity unique in the whole run (callbacks key on it).
    fn next_uuid(&self) -> usize {
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

    /// `--step`: may the task run? Asked once per task (per host under
    /// `free`); `continue` runs it and ends step mode; anything but
    /// `y`/`yes`/`c`/`continue` skips it silently. Meta tasks are never
    /// asked about.
    fn take_step(&self, task: &Task, hosts: &[String]) -> bool {
        use std::sync::atomic::Ordering;
        if !self.shared.step.load(Ordering::SeqCst) {
            return true;
        }
        let mut msg = format!("Perform task: TASK: {} ", task.display_name());
        if self.free.is_some()
            && let Some(host) = hosts.first()
        {
            msg.push_str(&format!("on {host} "));
        }
        msg.push_str("(N)o/(y)es/(c)ontinue: ");
        let answer = match self.shared.callback.lock() {
            Ok(mut cb) => cb.step_prompt(&msg),
            Err(_) => None,
        };
        match answer.map(|a| a.to_lowercase()).as_deref() {
            Some("y" | "yes") => true,
            Some("c" | "continue") => {
                self.shared.step.store(false, Ordering::SeqCst);
                true
            }
            _ => false,
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

    pub(super) fn run_task(&mut self, task: &Task, scope: &Scope, hosts: &[String]) -> Vec<String> {
        let seen = self.results_seen;
        let mut failed = self.run_task_on(task, scope, hosts);
        if self.results_seen > seen && self.max_fail_exceeded() {
            failed = hosts.to_vec();
        }
        failed
    }

    /// `max_fail_percentage` after a task (`LinearStrategy.run`): when the
    /// batch's failed hosts exceed it, every host fails and the batch ends
    /// ("NO MORE HOSTS LEFT", twice, as ansible says it), and so does the
    /// playbook after this play.
    fn max_fail_exceeded(&mut self) -> bool {
        let Some(percentage) = self.max_fail_percentage else {
            return false;
        };
        let batch_size = self.batch_size.max(1) as f64;
        let failed = self
            .failed_for_run
            .iter()
            .filter(|h| !self.unreachable.contains(*h))
            .count();
        if failed as f64 / batch_size <= percentage / 100.0 {
            return false;
        }
        for host in self.batch_hosts.clone() {
            self.failed_for_run.insert(host.clone());
            self.removed.insert(host);
        }
        if let Ok(mut cb) = self.shared.callback.lock() {
            cb.no_hosts_remaining();
            cb.no_hosts_remaining();
        }
        self.break_play = true;
        self.ended = true;
        true
    }

    /// A variable a task sets (register, set_fact) on `hosts`: where it
    /// was named is kept, and a reserved name is warned about then, as
    /// ansible's `set_host_variable`/`set_nonpersistent_facts` do.
    fn note_task_variable(
        &self,
        name: &str,
        named_at: Option<crate::playbook::model::Origin>,
        hosts: &[String],
    ) {
        if let Some(origin) = &named_at {
            for host in hosts {
                self.shared
                    .factory
                    .store
                    .record_name_origin(host, name, origin.clone());
            }
        }
        if crate::vars::reserved::is_reserved(name) {
            crate::cli::display::warning(&crate::vars::reserved::warning_text(
                name,
                named_at.as_ref(),
            ));
        }
    }

    /// Variables include_vars set on `host`: where a reserved name among
    /// them was named is read again from the files the result lists
    /// (`ansible_included_var_files`; rare, so nothing is kept for the
    /// others), and warned about as ansible's `set_host_variable` does.
    fn note_included_names(&self, vars: &Map, result: &Map, host: &str) {
        let reserved: Vec<&String> = vars
            .keys()
            .filter(|name| crate::vars::reserved::is_reserved(name))
            .collect();
        if reserved.is_empty() {
            return;
        }
        let mut named = std::collections::HashMap::new();
        if let Some(Value::List(files)) = result.get("ansible_included_var_files") {
            for file in files {
                let path = std::path::PathBuf::from(crate::pypath::normpath(&file.python_str()));
                let vault = self.shared.factory.vault.as_deref();
                if let Ok((_, origins, _)) = crate::playbook::loader::load_vars_file(&path, vault) {
                    for name in &reserved {
                        let key = crate::vars::origins::name_key(name);
                        if let Some(origin) = origins.get(&key) {
                            named
                                .entry((*name).clone())
                                .or_insert_with(|| origin.clone());
                        }
                    }
                }
            }
        }
        for name in reserved {
            let origin = named.remove(name);
            self.note_task_variable(name, origin, std::slice::from_ref(&host.to_string()));
        }
    }

    /// ansible's reserved-name warnings for the variables the task sees on
    /// each host (its strategy reads them before it announces the task);
    /// each name and origin is shown once per run.
    fn warn_reserved_names(&self, task: &Task, scope: &Scope, hosts: &[String]) {
        let Some(first) = hosts.first() else {
            return;
        };
        let task_scope = TaskRun::new(self.shared, &self.play, task, scope, first).task_scope();
        for host in hosts {
            let store = &self.shared.factory.store;
            for (name, origin) in
                store.reserved_names_in_use(Some(&self.play), host, Some(&task_scope))
            {
                crate::cli::display::warning(&crate::vars::reserved::warning_text(
                    &name,
                    origin.as_ref(),
                ));
            }
        }
    }

    fn run_task_on(&mut self, task: &Task, scope: &Scope, hosts: &[String]) -> Vec<String> {
        let key = self.task_key(task);
        // Notified handlers run whatever the tag selection (ansible does not
        // filter the play's handlers by tags).
        if (!scope.handlers && !self.selected(task, scope)) || !self.started(task) {
            return Vec::new();
        }
        let short = super::actions::short_name(&task.action);
        if self.free.is_some() && !self.free_turn(task, scope, hosts, key) {
            return Vec::new();
        }
        self.warn_reserved_names(task, scope, hosts);
        if short == "meta" {
            return self.run_meta(task, scope, hosts, key);
        }
        if !self.take_step(task, hosts) {
            return Vec::new();
        }
        let info = self.new_task_info(task, scope, hosts, key);
        if let Ok(mut cb) = self.shared.callback.lock() {
            cb.task_start(&info);
        }
        if let Ok(mut current) = self.shared.current.lock() {
            for host in hosts {
                current.insert(host.clone(), info.clone());
            }
        }
        if matches!(task.kind, TaskKind::IncludeTasks | TaskKind::IncludeRole) {
            return self.run_include(task, scope, hosts, &info, key);
        }
        let run_once = is_true(scope.keyword(task, "run_once"));
        // An action that bypasses the host loop (`add_host`) runs once, on
        // the first host, like run_once, but registers only for that host.
        let bypass = bypasses_host_loop(super::actions::short_name(&task.action));
        let targets: Vec<String> = if run_once || bypass {
            hosts.iter().take(1).cloned().collect()
        } else {
            hosts.to_vec()
        };
        // ansible ignores `throttle` on run_once tasks.
        let throttle = if run_once || self.free.is_some() {
            0
        } else {
            match targets.first().map(|h| self.throttle(task, scope, h)) {
                Some(Ok(n)) => n,
                Some(Err(msg)) => {
                    self.set_fatal(msg);
                    return Vec::new();
                }
                None => 0,
            }
        };
        let mut failed = Vec::new();
        let mut handle = |walk: &mut Self, host: &str, outcome: TaskOutcome| {
            // A run_once result counts for every host of the batch (the
            // strategy's hosts cache), also those outside this task's
            // host list (e.g. an include run for the first host only).
            let applies_to: Vec<String> = if run_once {
                let mut all = hosts.to_vec();
                for h in &walk.play.batch {
                    if !all.contains(h) && !walk.removed.contains(h) {
                        all.push(h.clone());
                    }
                }
                all
            } else {
                vec![host.to_string()]
            };
            if walk.process(task, scope, host, &applies_to, &info, outcome) {
                failed.push(host.to_string());
            }
        };
        match self.free {
            Some(port) => {
                // Under `free` the task runs while the other hosts go on.
                port.start(key);
                let outcome = targets
                    .first()
                    .map(|host| TaskRun::new(self.shared, &self.play, task, scope, host).run());
                if !port.finish_task() {
                    self.ended = true;
                    return Vec::new();
                }
                self.sync_play();
                if let (Some(host), Some(outcome)) = (targets.first(), outcome) {
                    handle(self, host, outcome);
                }
            }
            None => self.run_on_hosts(task, scope, &targets, throttle, &mut handle),
        }
        // A failure of a run_once or any_errors_fatal task fails every
        // host of the batch (they go to their rescue, if any), unless the
        // task ignores errors (`LinearStrategy.run`).
        let fatal = (run_once || bypass || is_true(scope.keyword(task, "any_errors_fatal")))
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
    /// are there (at most `throttle` at once when it is set; so output is stable, and with one fork each host's result
    /// is printed before the next host starts, as ansible prints it).
    fn run_on_hosts(
        &mut self,
        task: &Task,
        scope: &Scope,
        hosts: &[String],
        throttle: usize,
        done: &mut dyn FnMut(&mut Self, &str, TaskOutcome),
    ) {
        let shared = self.shared;
        let play = Arc::clone(&self.play);
        let run_one = |host: &String| TaskRun::new(shared, &play, task, scope, host).run();
        let mut workers = shared.forks.min(hosts.len());
        if throttle > 0 {
            workers = workers.min(throttle);
        }
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

    /// Under `free`: wait for this host's turn to run the task (false: the
    /// batch or the run ended). What ansible's free strategy says about
    /// keywords it does not honour is said here.
    fn free_turn(&mut self, task: &Task, scope: &Scope, hosts: &[String], key: TaskKey) -> bool {
        let (Some(port), Some(host)) = (self.free, hosts.first()) else {
            return true;
        };
        let throttle = match self.throttle(task, scope, host) {
            Ok(n) => n,
            Err(msg) => {
                self.set_fatal(msg);
                return false;
            }
        };
        let short = super::actions::short_name(&task.action);
        let meta = short == "meta";
        if !port.ready(Step {
            key,
            throttle,
            meta,
        }) {
            self.stop_for_end();
            return false;
        }
        self.sync_play();
        if scope.handlers
            && let Some(after) = self.flush_after.take()
        {
            port.set_flush_pending(after);
        }
        if bypasses_host_loop(short) {
            let origin = task.origin.context();
            self.set_fatal(format!(
                "The '{}' module bypasses the host loop, which is currently not supported in the free strategy and would instead execute for every host in the inventory list.\n{origin}",
                task.action
            ));
            return false;
        }
        if is_true(scope.keyword(task, "run_once")) {
            port.run().warn_once(
                "Using run_once with the free strategy is not currently supported. This task will still be executed for every host in the inventory list.",
            );
        }
        if !meta && is_true(scope.keyword(task, "any_errors_fatal")) {
            port.run().warn_once(
                "Using any_errors_fatal with the free strategy is not supported, as tasks are executed independently on each host",
            );
        }
        true
    }

    /// The task's `throttle` for `host` (templated, as `_queue_task` does;
    /// 0: no limit), or ansible's error when it is not an integer.
    pub(super) fn throttle(&self, task: &Task, scope: &Scope, host: &str) -> Result<usize, String> {
        let Some(raw) = scope.keyword(task, "throttle").cloned() else {
            return Ok(0);
        };
        let run = TaskRun::new(self.shared, &self.play, task, scope, host);
        let converted = run
            .template_plain(&raw)
            .and_then(|v| super::strategy::python_int(&v));
        match converted {
            Ok(n) => Ok(usize::try_from(n).unwrap_or(0)),
            Err(e) => {
                let mut text = format!("Failed to convert the throttle value to an integer: {e}");
                let origin = task
                    .keywords
                    .get("throttle")
                    .map(|a| crate::playbook::model::Origin::new(&task.origin.file, a.span))
                    .unwrap_or_else(|| task.origin.clone());
                text.push('\n');
                text.push_str(&origin.context());
                Err(text)
            }
        }
    }

    /// Report an outcome, update stats and variables; true when the host
    /// failed (and the failure is not ignored).
    pub(super) fn process(
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
        self.results_seen += 1;
        // A templated action is this host's own (callbacks see it so).
        let host_info;
        let info = if crate::templating::render::is_template(&info.action) {
            let run = TaskRun::new(self.shared, &self.play, task, scope, host);
            host_info = TaskInfo {
                action: run.action_name(),
                ..info.clone()
            };
            &host_info
        } else {
            info
        };
        let action = info.action.clone();
        let is_debug = super::actions::short_name(&action) == "debug";
        let no_log = is_true(scope.keyword(task, "no_log"));
        let ignore_errors = is_true(scope.keyword(task, "ignore_errors"));
        // `add_host`/`group_by` results change the inventory here, as the
        // strategy applies them; their successful items are reported after
        // that, with the `changed` it decided.
        let inventory_task = is_inventory_action(super::actions::short_name(&action));
        let overall = match outcome {
            TaskOutcome::Single(mut o) => {
                if inventory_task && is_ok(&o.result) {
                    self.apply_inventory_result(task, scope, host, &mut o, &Map::new());
                }
                o
            }
            TaskOutcome::Loop(mut run) => {
                // Items were reported as they finished (but for the ok
                // items of add_host/group_by, reported once applied).
                if inventory_task && is_ok(&run.overall.result) {
                    self.apply_inventory_items(task, scope, host, info, &mut run, no_log);
                }
                run.overall
            }
        };
        let result = &overall.result;
        let failed = overall.is_failed();
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
            let named_at = task
                .keywords
                .get("register")
                .map(|attr| crate::playbook::model::Origin::new(&task.origin.file, attr.span));
            self.note_task_variable(&name, named_at, applies_to);
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
        // ansible's clean_facts: facts that cannot become variables are
        // named as they arrive.
        if !matches!(short, "include_vars" | "set_fact" | "debug") {
            for (facts, _) in &fact_sets {
                for key in facts.keys().filter(|k| crate::vars::restricted_fact(k)) {
                    crate::cli::display::warning(&format!(
                        "Removed restricted key from module data: {key}"
                    ));
                }
            }
        }
        for (facts, cacheable) in fact_sets {
            for target in applies_to {
                if short == "include_vars" {
                    self.note_included_names(&facts, result, target);
                    self.shared
                        .factory
                        .store
                        .set_included(target, facts.clone());
                } else if short == "set_fact" {
                    for name in facts.keys() {
                        let named_at = task
                            .arg_spans
                            .get(&crate::vars::origins::name_key(name))
                            .map(|span| {
                                crate::playbook::model::Origin::new(&task.origin.file, *span)
                            });
                        self.note_task_variable(name, named_at, std::slice::from_ref(target));
                    }
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
            cb.task_error(info, error);
        }
        if unreachable {
            // `ignore_unreachable`: counted ok and ignored, the host stays.
            let ignored = is_true(scope.keyword(task, "ignore_unreachable"));
            if ignored {
                stats.ok += 1;
                stats.ignored += 1;
            } else {
                if let Some(port) = self.free {
                    port.mark_unreachable();
                }
                self.unreachable.insert(host.to_string());
                stats.unreachable += 1;
            }
            cb.runner_on_unreachable(host, info, view, ignored);
            return !ignored;
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
        self.record_custom_stats(result, applies_to);
        if self.fatal.is_some() {
            return false;
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

    /// Record the `set_stats` data of an ok result (of each item of a
    /// loop), in the order results are processed, as ansible's strategy
    /// does. `applies_to` are the hosts per-host stats go to (every host
    /// of the play under `run_once`).
    fn record_custom_stats(&mut self, result: &Map, applies_to: &[String]) {
        let items: Vec<&Map> = match result.get("results") {
            Some(Value::List(items)) => items
                .iter()
                .filter_map(|item| match item {
                    Value::Map(m) => Some(m),
                    _ => None,
                })
                .collect(),
            _ => vec![result],
        };
        let mut error = None;
        {
            let mut custom = match self.shared.custom_stats.lock() {
                Ok(custom) => custom,
                Err(poisoned) => poisoned.into_inner(),
            };
            for item in items {
                if let Some(Value::Map(ansible_stats)) = item.get("ansible_stats")
                    && let Err(e) =
                        crate::output::custom_stats::apply(&mut custom, ansible_stats, applies_to)
                {
                    error = Some(e);
                    break;
                }
            }
        }
        if let Some(e) = error {
            // ansible's strategy crashes on this TypeError; the run ends.
            self.set_fatal(format!("Unexpected Exception, this is probably a bug: {e}"));
        }
    }

    /// Apply one `add_host`/`group_by` result (a task's or a loop item's)
    /// to the inventory; its `changed` says whether anything changed, then
    /// `changed_when`/`failed_when` are evaluated again with it.
    fn apply_inventory_result(
        &mut self,
        task: &Task,
        scope: &Scope,
        host: &str,
        outcome: &mut Outcome,
        item_vars: &Map,
    ) {
        let Some(inventory) = self.inventory else {
            return;
        };
        let applied = if let Some(Value::Map(info)) = outcome.result.get("add_host") {
            let name = info.get("host_name").map(Value::python_str);
            inventory.add_host(info).map(|changed| (changed, name))
        } else if outcome.result.contains_key("add_group") {
            inventory
                .add_group(host, &outcome.result)
                .map(|changed| (changed, None))
        } else {
            return;
        };
        match applied {
            Ok((changed, added)) => {
                outcome
                    .result
                    .insert("changed".into(), Value::Bool(changed));
                // A host added by the play joins `ansible_play_hosts_all`
                // (the strategy's `_hosts_cache_all`).
                if let Some(name) = added.filter(|n| changed && !self.play.hosts_all.contains(n)) {
                    let mut play = (*self.play).clone();
                    play.hosts_all.push(name);
                    self.play = Arc::new(play);
                }
            }
            Err(msg) => {
                outcome.result.insert("failed".into(), Value::Bool(true));
                outcome.result.insert("msg".into(), Value::str(msg));
                return;
            }
        }
        let register = task.keyword("register").map(Value::python_str);
        let run = TaskRun::new(self.shared, &self.play, task, scope, host);
        if let Err(e) = run.apply_changed_failed_when(outcome, register.as_deref(), item_vars) {
            *outcome = Outcome::from_error(&e, &task.origin);
        }
    }

    /// The items of an `add_host`/`group_by` loop: each applied and
    /// reported, the task's result following them.
    fn apply_inventory_items(
        &mut self,
        task: &Task,
        scope: &Scope,
        host: &str,
        info: &TaskInfo,
        run: &mut super::execute::LoopRun,
        no_log: bool,
    ) {
        for item in &mut run.items {
            if !(item.result.contains_key("add_host") || item.result.contains_key("add_group")) {
                continue;
            }
            let vars = loop_item_vars(&item.result);
            self.apply_inventory_result(task, scope, host, item, &vars);
            self.report_item(host, info, item, false, no_log);
            if item.flag("changed") {
                run.overall
                    .result
                    .insert("changed".into(), Value::Bool(true));
            }
            if item.is_failed() {
                run.overall
                    .result
                    .insert("failed".into(), Value::Bool(true));
            }
        }
        run.overall.result.insert(
            "results".into(),
            Value::List(
                run.items
                    .iter()
                    .map(|o| Value::Map(o.result.clone()))
                    .collect(),
            ),
        );
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
            cb.task_error(info, error);
        }
        if item.is_failed() {
            cb.item_on_failed(host, info, view);
        } else if item.flag("skipped") {
            cb.item_on_skipped(host, info, view);
        } else {
            cb.item_on_ok(host, info, view);
        }
    }
}

/// A result that is neither failed, skipped nor unreachable.
fn is_ok(result: &Map) -> bool {
    !["failed", "skipped", "unreachable"]
        .iter()
        .any(|k| matches!(result.get(*k), Some(Value::Bool(true))))
}

/// The loop variables of an item's result (`_get_item_vars`): the loop
/// and index variables, the label and `ansible_loop`.
fn loop_item_vars(result: &Map) -> Map {
    let mut vars = Map::new();
    let loop_var = result
        .get("ansible_loop_var")
        .map(Value::python_str)
        .unwrap_or_else(|| "item".into());
    if let Some(v) = result.get(&loop_var) {
        vars.insert(loop_var, v.clone());
    }
    if let Some(index_var) = result.get("ansible_index_var").map(Value::python_str)
        && let Some(v) = result.get(&index_var)
    {
        vars.insert(index_var, v.clone());
    }
    for key in ["_ansible_item_label", "ansible_loop"] {
        if let Some(v) = result.get(key) {
            vars.insert(key.to_string(), v.clone());
        }
    }
    vars
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
