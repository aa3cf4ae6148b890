//! Dynamic includes (`include_tasks`, `include_role`): evaluated per host
//! (conditions, loops, templated names), grouped like ansible's
//! `IncludedFile`s (same file and same loop variables → one include for
//! several hosts), reported as `included: FILE for h1, h2`, then loaded and
//! run for those hosts in order.

use super::execute::TaskRun;
use super::scope::Scope;
use super::walk::PlayRun;
use crate::output::callback_view;
use crate::playbook::model::{
    Block, BlockKind, IncludeSite, Item, RoleSource, Task, TaskKind, load_included_role,
    load_included_tasks,
};
use crate::value::{Map, Value};
use std::sync::Arc;

/// One include to run: what to load, for which hosts, with which loop
/// variables.
struct Included {
    target: String,
    /// `*_from` of include_role.
    from: [Option<String>; 4],
    /// Loop variables (`item`, ...) given to the included tasks.
    params: Map,
    label: Option<String>,
    hosts: Vec<String>,
}

/// What one host's evaluation of the include task produced.
pub enum IncludeOutcome {
    Skipped(Map),
    Failed(super::execute::Outcome),
    /// One per loop item (or one without a loop).
    Targets(Vec<IncludeTarget>),
}

/// What one include asks for.
pub struct IncludeTarget {
    pub target: String,
    /// `tasks_from`, `handlers_from`, `vars_from`, `defaults_from`.
    pub from: [Option<String>; 4],
    /// Loop variables for the included tasks.
    pub params: Map,
    pub label: Option<String>,
}

impl PlayRun<'_> {
    pub(super) fn run_include(
        &mut self,
        task: &Task,
        scope: &Scope,
        hosts: &[String],
        info: &crate::output::default::TaskInfo,
    ) -> Vec<String> {
        let mut groups: Vec<Included> = Vec::new();
        let mut failed = Vec::new();
        for host in hosts {
            let run = TaskRun {
                shared: self.shared,
                play: &self.play,
                task,
                scope,
                host,
            };
            match run.include_targets() {
                IncludeOutcome::Skipped(result) => {
                    self.stats.host(host).skipped += 1;
                    let view = callback_view(&result, false, false);
                    if let Ok(mut cb) = self.shared.callback.lock() {
                        cb.runner_on_skipped(host, info, view);
                    }
                }
                IncludeOutcome::Failed(outcome) => {
                    self.stats.host(host).failures += 1;
                    let view = callback_view(&outcome.result, false, false);
                    if let Ok(mut cb) = self.shared.callback.lock() {
                        if let Some(error) = &outcome.error {
                            cb.error(error);
                        }
                        cb.runner_on_failed(host, info, view, false);
                    }
                    failed.push(host.clone());
                }
                IncludeOutcome::Targets(targets) => {
                    for IncludeTarget {
                        target,
                        from,
                        params,
                        label,
                    } in targets
                    {
                        self.stats.host(host).ok += 1;
                        match groups
                            .iter_mut()
                            .find(|g| g.target == target && g.from == from && g.params == params)
                        {
                            Some(group) => group.hosts.push(host.clone()),
                            None => groups.push(Included {
                                target,
                                from,
                                params,
                                label,
                                hosts: vec![host.clone()],
                            }),
                        }
                    }
                }
            }
        }
        for host in &failed {
            self.mark_failed(host, scope);
        }
        let site = IncludeSite {
            basedir: scope
                .search_path
                .last()
                .cloned()
                .unwrap_or_else(|| std::path::PathBuf::from(".")),
            file: task.origin.file.path.clone(),
            role: scope
                .role
                .as_ref()
                .map(|r| (r.display_name.clone(), r.path.clone())),
            handlers: scope.handlers,
        };
        // ansible reports every include of the task, then runs them.
        for group in &groups {
            let shown = if task.kind == TaskKind::IncludeRole {
                group.target.clone()
            } else {
                crate::playbook::model::load::resolve_task_file(&group.target, &site)
                    .to_string_lossy()
                    .into_owned()
            };
            if let Ok(mut cb) = self.shared.callback.lock() {
                cb.on_include(&shown, &group.hosts, group.label.clone());
            }
        }
        for group in groups {
            let mut handler_roles = Vec::new();
            let loaded = if task.kind == TaskKind::IncludeRole {
                load_included_role(
                    &group.target,
                    group.from.clone(),
                    &site,
                    &self.shared.load_options,
                )
                .map(|(role, warnings)| {
                    handler_roles.push(role.clone());
                    let mut info = (*role.info()).clone();
                    info.source = RoleSource::Include;
                    info.public = task.args.get("public").and_then(Value::ansible_bool);
                    let block = Block {
                        kind: BlockKind::Role(Arc::new(info)),
                        keywords: Default::default(),
                        tags: Vec::new(),
                        block: role.compile(),
                        rescue: Vec::new(),
                        always: Vec::new(),
                        origin: None,
                    };
                    (group.target.clone(), vec![Item::Block(block)], warnings)
                })
            } else {
                load_included_tasks(&group.target, &site, &self.shared.load_options).map(
                    |(path, items, warnings)| {
                        (path.to_string_lossy().into_owned(), items, warnings)
                    },
                )
            };
            match loaded {
                Ok((_, items, warnings)) => {
                    for w in &warnings {
                        crate::cli::display::warning(w);
                    }
                    for role in &handler_roles {
                        self.add_included_role_handlers(role, scope);
                    }
                    let mut inner = scope.with_keywords(&include_keywords(task), &[], false);
                    for (k, v) in &group.params {
                        inner.include_params.insert(k.clone(), v.clone());
                    }
                    let active = self.active(&group.hosts);
                    let newly_failed = self.run_items(&items, &inner, &active);
                    failed.extend(newly_failed);
                }
                Err(e) => {
                    // A file that cannot be read fails the include on each
                    // of its hosts.
                    for host in &group.hosts {
                        self.stats.host(host).failures += 1;
                        let mut result = Map::new();
                        result.insert("failed".into(), Value::Bool(true));
                        result.insert("reason".into(), Value::str(e.message.as_str()));
                        if let Ok(mut cb) = self.shared.callback.lock() {
                            cb.runner_on_failed(host, info, result, false);
                        }
                        failed.push(host.clone());
                        self.mark_failed(host, scope);
                    }
                }
            }
        }
        failed
    }
}

/// The include task's keywords that its content inherits (`vars`, `become`,
/// ...); its `when`, loop and tags apply to the include itself.
fn include_keywords(task: &Task) -> crate::playbook::model::Keywords {
    let mut keywords = task.keywords.clone();
    for name in ["when", "loop", "loop_control", "tags", "register", "notify"] {
        keywords.shift_remove(name);
    }
    if let Some(Value::Map(apply)) = task.args.get("apply") {
        for (k, v) in apply {
            keywords.insert(
                k.clone(),
                crate::playbook::model::Attr {
                    value: v.clone(),
                    span: task.origin.span,
                    key_span: task.origin.span,
                },
            );
        }
    }
    keywords
}
