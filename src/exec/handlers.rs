//! Handlers: registered per play (roles' first, then the play's, then
//! those of included roles), notified by name or `listen` topic, run at
//! flushes in definition order.

use super::execute::TaskRun;
use super::scope::Scope;
use super::walk::PlayRun;
use crate::playbook::model::{Item, Role, Task};
use crate::value::{Map, Value};
use std::collections::HashSet;

/// A handler with the scope it was defined in.
pub(super) struct Handler {
    pub(super) task: Task,
    pub(super) scope: Scope,
    /// Hosts notified and not yet run.
    pub(super) notified: Vec<String>,
    /// The name, templated with the play's variables on first use; `None`
    /// inside when it cannot be templated (the handler is then reachable
    /// through `listen` only).
    pub(super) resolved_name: Option<Option<String>>,
    /// The handler block it belongs to (numbered in load order).
    pub(super) block: usize,
}

impl PlayRun<'_> {
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

    pub(super) fn notify(&mut self, task: &Task, scope: &Scope, host: &str) {
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
            let matched = self.search_handlers(&name);
            if matched.is_empty() {
                let msg = format!(
                    "The requested handler '{name}' was not found in either the main handlers list nor in the listening handlers list"
                );
                if self.options.error_on_missing_handler {
                    self.set_fatal(msg);
                    return;
                }
                crate::cli::display::warning(&msg);
                continue;
            }
            if self.flushing_handlers {
                // A handler notifying during a flush: its handlers are
                // found now, as ansible expands it while iterating them.
                for index in matched {
                    self.notify_handler(index, host);
                }
                continue;
            }
            // Saved by name and looked up at the next flush, so that the
            // handlers loaded last by then are the ones that run.
            let saved = self
                .saved_notifications
                .entry(host.to_string())
                .or_default();
            if !saved.contains(&name) {
                saved.push(name.clone());
            }
            self.verbose_line(&format!("Notification for handler {name} has been saved."));
        }
    }

    /// The handlers a notification reaches, as
    /// `search_handlers_by_notification`: the first handler with that
    /// name (plain or role-qualified), then every handler listening to it
    /// (one per handler name). Blocks loaded last are searched first
    /// ("last handler loaded with the same name wins"), tasks in a block
    /// in order.
    fn search_handlers(&self, name: &str) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.handlers.len()).collect();
        order.sort_by_key(|i| (std::cmp::Reverse(self.handlers[*i].block), *i));
        let mut matched: Vec<usize> = Vec::new();
        if let Some(index) = order.iter().copied().find(|i| {
            let handler = &self.handlers[*i];
            let Some(Some(own)) = &handler.resolved_name else {
                return false;
            };
            own == name || role_qualified(handler, own).iter().any(|q| q == name)
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
                .any(|t| t == name || role_qualified(handler, t).iter().any(|q| q == name));
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
        matched
    }

    /// Mark handler `index` notified for `host` (`Handler.notify_host`),
    /// with the callback's `NOTIFIED HANDLER` line the first time.
    fn notify_handler(&mut self, index: usize, host: &str) {
        let handler = &mut self.handlers[index];
        if handler.notified.iter().any(|h| h == host) {
            return;
        }
        handler.notified.push(host.to_string());
        let name = handler.task.display_name();
        self.verbose_line(&format!("NOTIFIED HANDLER {name} for {host}"));
    }

    /// The notifications saved for `hosts` become notified handlers (at
    /// a flush: ansible's `flush_handlers` meta task does this).
    pub(super) fn expand_saved_notifications(&mut self, hosts: &[String]) {
        if self.saved_notifications.is_empty() {
            return;
        }
        self.resolve_handler_names();
        for host in hosts {
            let Some(names) = self.saved_notifications.remove(host) else {
                continue;
            };
            for name in names {
                for index in self.search_handlers(&name) {
                    self.notify_handler(index, host);
                }
            }
        }
    }

    /// A line shown from `-vv` on, in the verbose colour (`display.vv`).
    pub(super) fn verbose_line(&self, text: &str) {
        if self.options.verbosity >= 2
            && let Ok(cb) = self.shared.callback.lock()
        {
            cb.display.colored(text, crate::output::Color::Blue);
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
        if self.free.is_some() && !self.implicit_flush_turn(hosts) {
            return;
        }
        self.expand_saved_notifications(hosts);
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
    pub(super) fn flush_handlers_in(&mut self, hosts: &[String], rescuable: bool) -> Vec<String> {
        self.expand_saved_notifications(hosts);
        let outer = std::mem::replace(&mut self.flushing_handlers, true);
        let failed = self.run_notified_handlers(hosts, rescuable);
        self.flushing_handlers = outer;
        failed
    }

    fn run_notified_handlers(&mut self, hosts: &[String], rescuable: bool) -> Vec<String> {
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
                self.handler_key = Some(index);
                if let Some(port) = self.free {
                    // Other hosts see this host's handlers as notified
                    // until each one starts (ansible's `notified_hosts`).
                    let after = self.handlers[index + 1..]
                        .iter()
                        .filter(|h| targets.iter().any(|t| h.notified.contains(t)))
                        .count();
                    port.set_flush_pending(after + 1);
                    self.flush_after = Some(after);
                }
                for host in self.run_task(&task, &scope, &targets) {
                    if !failed.contains(&host) {
                        failed.push(host);
                    }
                }
            }
            index += 1;
        }
        if let Some(port) = self.free {
            port.set_flush_pending(0);
        }
        failed
    }

    /// Under `free`, the implicit `flush_handlers` at the end of a section
    /// is a step of its own on the host's turn, which ansible's iterator
    /// skips while no handler is notified (for this host, or in any host's
    /// flush). False when there is nothing to flush or the batch ended.
    fn implicit_flush_turn(&mut self, hosts: &[String]) -> bool {
        let Some(port) = self.free else {
            return true;
        };
        let own = self
            .handlers
            .iter()
            .any(|h| hosts.iter().any(|host| h.notified.contains(host)))
            || hosts
                .iter()
                .any(|h| self.saved_notifications.contains_key(h));
        if !own && !port.run().any_flush_pending() {
            return false;
        }
        if !port.ready(super::free::Step {
            key: super::free::TaskKey::Implicit,
            throttle: 0,
            meta: true,
        }) {
            self.stop_for_end();
            return false;
        }
        self.sync_play();
        true
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
