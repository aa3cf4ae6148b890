//! `meta:` tasks, as `StrategyBase._execute_meta` runs them.

use super::execute::TaskRun;
use super::free::{End, TaskKey};
use super::scope::Scope;
use super::walk::PlayRun;
use crate::output::callback_view;
use crate::playbook::model::Task;
use crate::value::{Map, Value};

impl PlayRun<'_> {
    /// `meta:` tasks (`StrategyBase._execute_meta` under the linear
    /// strategy): some run per host, the others once for all hosts; each
    /// run shows the task banner, and a false `when` reports a skip.
    pub(super) fn run_meta(
        &mut self,
        task: &Task,
        scope: &Scope,
        hosts: &[String],
        key: TaskKey,
    ) -> Vec<String> {
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
        let info = self.new_task_info(task, scope, hosts, key);
        let mut flush_for: Vec<String> = Vec::new();
        for host in &targets {
            self.results_seen += 1;
            if let Ok(mut cb) = self.shared.callback.lock() {
                cb.task_start(&info);
            }
            if scope.handlers && what == "flush_handlers" {
                // An error that ends the run, as in `_execute_meta`.
                self.set_fatal("flush_handlers cannot be used as a handler".into());
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
                    // Without a separator, as ansible words it.
                    "end_role" => format!("continuing role {} for {host}", role_name(scope)),
                    _ => String::new(),
                };
                let reason = format!("{what} conditional evaluated to False{suffix}");
                self.meta_verbose(&reason);
                let mut result = Map::new();
                let msg = if what == "end_host" {
                    format!(
                        "end_host conditional evaluated to false, continuing execution for {host}"
                    )
                } else {
                    what.clone()
                };
                result.insert("msg".into(), Value::str(msg));
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
                "flush_handlers" => {
                    // The host's saved notifications find their handlers
                    // now (`NOTIFIED HANDLER` lines before the META one).
                    self.expand_saved_notifications(std::slice::from_ref(host));
                    flush_for.push(host.clone());
                }
                "end_play" => {
                    self.ended = true;
                    self.play_ended = true;
                    for h in hosts {
                        self.removed.insert(h.clone());
                    }
                    // Under `free` it ends every host's walk.
                    if let Some(port) = self.free {
                        port.end_all(End::Play);
                    }
                }
                "end_batch" => {
                    for h in hosts {
                        self.removed.insert(h.clone());
                    }
                    self.ended = true;
                    if let Some(port) = self.free {
                        port.end_all(End::Batch);
                    }
                }
                "end_host" => {
                    self.removed.insert(host.clone());
                    self.leave_play_hosts(host);
                }
                "clear_facts" => {
                    // Under `free` this walker runs one host; the facts of
                    // the whole batch go.
                    let all = if self.free.is_some() {
                        self.batch_hosts.clone()
                    } else {
                        hosts.to_vec()
                    };
                    for h in &all {
                        self.shared.factory.store.clear_facts(h);
                    }
                }
                "end_role" => {
                    if let Some(key) = &scope.role_key {
                        self.role_ended.insert(host.clone(), key.clone());
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
                "reset_connection" => {
                    // The host's interpreter goes (as ansible closes its
                    // connection): the next task connects and starts a new
                    // agent, which sees e.g. group memberships changed
                    // since the last login.
                    let run = TaskRun::new(self.shared, &self.play, task, scope, host);
                    let context = run.context(Map::new());
                    let request = run.module_request("meta", Map::new(), &context);
                    self.shared.modules.reset_connection(&request);
                }
                "refresh_inventory" => {
                    match self.inventory.map(|i| i.refresh_inventory()) {
                        None => {}
                        // Hosts the sources no longer list run no more
                        // tasks in this play (ansible's hosts left skip
                        // what the inventory cannot find).
                        Some(Ok(known)) => {
                            let gone: Vec<String> = self
                                .play
                                .hosts_all
                                .iter()
                                .filter(|h| !known.contains(*h))
                                .cloned()
                                .collect();
                            for host in gone {
                                self.removed.insert(host.clone());
                                self.leave_play_hosts(&host);
                            }
                        }
                        Some(Err(e)) => {
                            self.set_fatal(e);
                            return Vec::new();
                        }
                    }
                }
                _ => {}
            }
            let msg = match what.as_str() {
                "refresh_inventory" => "inventory successfully refreshed".to_string(),
                "clear_facts" => "facts cleared".to_string(),
                "clear_host_errors" => "cleared host errors".to_string(),
                "end_batch" => "ending batch".to_string(),
                "end_play" => "ending play".to_string(),
                "end_host" => format!("ending play for {host}"),
                "flush_handlers" => format!("triggered running handlers for {host}"),
                "end_role" => format!("ending role {} for {host}", role_name(scope)),
                "reset_connection" => "reset connection".to_string(),
                other => other.to_string(),
            };
            if what == "end_role" {
                // ansible words this after stepping to the role's implicit
                // `role_complete` task, so it goes out as that task's
                // debug message.
                if let Ok(cb) = self.shared.callback.lock() {
                    cb.display.debug(&format!("META: {msg}"));
                }
            } else {
                self.meta_verbose(&msg);
            }
        }
        if !flush_for.is_empty() {
            // Hosts whose handlers failed fail here, in this block.
            return self.flush_handlers_in(&flush_for, scope.rescuable);
        }
        Vec::new()
    }
    /// `META: ...`, what `_execute_meta` says at -vv about a meta task.
    fn meta_verbose(&self, text: &str) {
        self.verbose_line(&format!("META: {text}"));
    }
}

/// The name of the role a task belongs to, as `Role.get_name()` gives it.
fn role_name(scope: &Scope) -> String {
    scope
        .role
        .as_ref()
        .map(|r| r.display_name.clone())
        .unwrap_or_default()
}
