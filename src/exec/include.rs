//! Dynamic includes (`include_tasks`, `include_role`): evaluated per host
//! (conditions, loops, templated names), grouped like ansible's
//! `IncludedFile`s (same file and same loop variables → one include for
//! several hosts), reported as `included: FILE for h1, h2`, then loaded and
//! run for those hosts in order.

use super::execute::{TaskOutcome, TaskRun};
use super::free::{IncludeGroup, IncludeLoad, IncludeRequest, TaskKey};
use super::scope::Scope;
use super::walk::PlayRun;
use crate::output::callback_view;
use crate::playbook::model::{
    Block, BlockKind, IncludeSite, Item, ParseError, Role, RoleSource, Task, TaskKind,
    load_included_role, load_included_tasks,
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
    /// The task's result for this target as ansible's TaskExecutor gives
    /// it (`include`, `include_args`); callbacks other than `default` show
    /// it.
    pub result: Map,
}

impl PlayRun<'_> {
    pub(super) fn run_include(
        &mut self,
        task: &Task,
        scope: &Scope,
        hosts: &[String],
        info: &crate::output::default::TaskInfo,
        key: TaskKey,
    ) -> Vec<String> {
        // `run_once` on an include processes it for the first host only:
        // only that host runs the included tasks.
        let first_only: Vec<String>;
        let hosts = if self.free.is_none() && is_true(scope.keyword(task, "run_once")) {
            first_only = hosts.iter().take(1).cloned().collect();
            &first_only[..]
        } else {
            hosts
        };
        let evaluated: Vec<(String, IncludeOutcome)> = match self.free {
            // Under `free` the include is evaluated while other hosts go on,
            // like any task.
            Some(port) => {
                port.start(key);
                let outcomes = hosts
                    .first()
                    .map(|host| (host.clone(), self.include_targets(task, scope, host)))
                    .into_iter()
                    .collect();
                if !port.finish_task() {
                    self.ended = true;
                    return Vec::new();
                }
                self.sync_play();
                outcomes
            }
            None => hosts
                .iter()
                .map(|host| (host.clone(), self.include_targets(task, scope, host)))
                .collect(),
        };
        let mut groups: Vec<Included> = Vec::new();
        let mut failed = Vec::new();
        for (host, outcome) in evaluated {
            self.results_seen += 1;
            match outcome {
                IncludeOutcome::Skipped(result) => {
                    let outcome = super::execute::Outcome {
                        result,
                        error: None,
                    };
                    if self.process_include_result(task, scope, &host, info, outcome) {
                        failed.push(host.clone());
                    }
                }
                IncludeOutcome::Failed(outcome) => {
                    if self.process_include_result(task, scope, &host, info, outcome) {
                        failed.push(host.clone());
                    }
                }
                IncludeOutcome::Targets(targets) => {
                    // The include's own result shows nothing but its
                    // banner (which a `free` play prints only now).
                    let shown = match targets.as_slice() {
                        [single] if single.label.is_none() => Some(&single.result),
                        [first, ..] if self.free.is_some() => Some(&first.result),
                        _ => None,
                    };
                    if let Ok(mut cb) = self.shared.callback.lock() {
                        match shown {
                            Some(result) => {
                                cb.runner_on_ok(&host, info, callback_view(result, false, false))
                            }
                            // A looped include's result prints its banner
                            // too (deferred when skipped hosts are hidden).
                            None => cb.include_banner(info),
                        }
                    }
                    for IncludeTarget {
                        target,
                        from,
                        params,
                        label,
                        ..
                    } in targets
                    {
                        // A host joins an equal include of other hosts, not
                        // one it is in already (`IncludedFile.add_host`).
                        match groups.iter_mut().find(|g| {
                            g.target == target
                                && g.from == from
                                && g.params == params
                                && !g.hosts.contains(&host)
                        }) {
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
        // As ansible's strategies: every included file is loaded and
        // reported first (`included: ...`, or the error and a failure for
        // its hosts), then the loaded ones run.
        let (loaded_groups, failed_loading) = match self.free {
            Some(port) if !groups.is_empty() => {
                // Hosts whose results came in the same round share one
                // load of each include.
                let requests = groups
                    .iter()
                    .map(|g| IncludeRequest {
                        task: key,
                        target: g.target.clone(),
                        from: g.from.clone(),
                        params: g.params.clone(),
                        label: g.label.clone(),
                    })
                    .collect();
                let mut load = |group: &IncludeGroup| {
                    let included = Included {
                        target: group.request.target.clone(),
                        from: group.request.from.clone(),
                        params: group.request.params.clone(),
                        label: group.request.label.clone(),
                        hosts: group.hosts.clone(),
                    };
                    self.load_and_report(task, &included, &site, scope, info)
                };
                let Some(answers) = port.wait_includes(requests, &mut load) else {
                    self.ended = true;
                    return failed;
                };
                self.sync_play();
                let mut loaded = Vec::new();
                let mut failed_loading = Vec::new();
                let me: Vec<String> = hosts.iter().take(1).cloned().collect();
                for (group, answer) in answers {
                    match answer {
                        Ok(load) => {
                            if let Some(role) = &load.role {
                                self.add_included_role_handlers(role, scope);
                            }
                            loaded.push((group.request.params, me.clone(), load));
                        }
                        Err(_) => {
                            for host in &me {
                                if !failed_loading.contains(host) {
                                    failed_loading.push(host.clone());
                                }
                            }
                        }
                    }
                }
                (loaded, failed_loading)
            }
            _ => {
                let mut loaded = Vec::new();
                let mut failed_loading: Vec<String> = Vec::new();
                for group in groups {
                    match self.load_and_report(task, &group, &site, scope, info) {
                        Ok(load) => loaded.push((group.params, group.hosts, load)),
                        Err(_) => {
                            for host in &group.hosts {
                                if !failed_loading.contains(host) {
                                    failed_loading.push(host.clone());
                                }
                            }
                        }
                    }
                }
                (loaded, failed_loading)
            }
        };
        if let Some(e) = self.include_abort.take() {
            self.abort(super::RunAbort::Parse(Box::new(e)));
            return failed;
        }
        for host in &failed_loading {
            self.mark_failed(host, scope);
        }
        failed.extend(failed_loading.iter().cloned());
        // The include failed on some host: under any_errors_fatal every
        // host of the batch fails with it (`LinearStrategy.run` counts the
        // include's results), and nothing it included runs.
        let fatal = self.free.is_none()
            && is_true(scope.keyword(task, "any_errors_fatal"))
            && !is_true(scope.keyword(task, "ignore_errors"));
        if fatal && !failed.is_empty() {
            for host in hosts {
                if !failed.contains(host) {
                    self.mark_failed(host, scope);
                }
            }
            return hosts.to_vec();
        }
        for (params, group_hosts, load) in loaded_groups {
            let hosts: Vec<String> = group_hosts
                .iter()
                .filter(|h| !failed_loading.contains(h))
                .cloned()
                .collect();
            let mut inner = scope.with_keywords(&include_keywords(task), &apply_tags(task), false);
            // An include's `vars` are also include params, which rank above
            // set_fact and role params (`Task.get_include_params`).
            if let Some(Value::Map(vars)) = task.keyword("vars") {
                for (k, v) in vars {
                    inner.include_params.insert(k.clone(), v.clone());
                }
            }
            for (k, v) in &params {
                inner.include_params.insert(k.clone(), v.clone());
            }
            let active = self.active(&hosts);
            let newly_failed = self.run_items(&load.items, &inner, &active);
            for host in newly_failed {
                if !failed.contains(&host) {
                    failed.push(host);
                }
            }
        }
        failed
    }

    /// A skipped or failed include is reported, registered and counted like
    /// any task's result (`ignore_errors` too); true when the host failed.
    fn process_include_result(
        &mut self,
        task: &Task,
        scope: &Scope,
        host: &str,
        info: &crate::output::default::TaskInfo,
        outcome: super::execute::Outcome,
    ) -> bool {
        let applies_to = [host.to_string()];
        self.process(
            task,
            scope,
            host,
            &applies_to,
            info,
            TaskOutcome::Single(outcome),
        )
    }

    fn include_targets(&self, task: &Task, scope: &Scope, host: &str) -> IncludeOutcome {
        TaskRun::new(self.shared, &self.play, task, scope, host).include_targets()
    }

    /// Load one include for its hosts and say so: `included: ...` (their
    /// `ok`), or the error and a failure for each of them.
    fn load_and_report(
        &mut self,
        task: &Task,
        group: &Included,
        site: &IncludeSite,
        scope: &Scope,
        info: &crate::output::default::TaskInfo,
    ) -> Result<Arc<IncludeLoad>, String> {
        match self.load_include(task, group, site, scope) {
            Ok((shown, items, role)) => {
                for host in &group.hosts {
                    self.stats.host(host).ok += 1;
                }
                if let Ok(mut cb) = self.shared.callback.lock() {
                    cb.on_include(info, &shown, &group.hosts, group.label.clone());
                }
                Ok(Arc::new(IncludeLoad { items, role }))
            }
            // ansible's strategies re-raise parser errors of included
            // content: they end the run (exit 4); other errors fail the
            // include's hosts.
            Err(e) if e.exit == crate::errors::Exit::PARSE_ERROR => {
                let e = match (&e.location, task.arg_spans.get("name")) {
                    (None, Some(span)) if task.kind == TaskKind::IncludeRole => {
                        let origin = crate::playbook::model::Origin::new(&task.origin.file, *span);
                        ParseError::at(e.exit, e.message.clone(), &origin)
                    }
                    _ => e,
                };
                let message = e.message.clone();
                self.include_abort.get_or_insert(e);
                Err(message)
            }
            Err(e) => {
                self.report_include_failure(task, group, info, &e.message);
                Err(e.message)
            }
        }
    }

    /// A boolean argument of an include_role, templated for the group's
    /// first host.
    fn include_flag(
        &self,
        task: &Task,
        group: &Included,
        scope: &Scope,
        name: &str,
    ) -> Option<bool> {
        let raw = task.args.get(name)?;
        let host = group.hosts.first()?;
        TaskRun::new(self.shared, &self.play, task, scope, host)
            .template_plain(raw)
            .ok()
            .and_then(|v| v.ansible_bool())
    }

    /// Read what one include asks for: the name shown in `included:` and
    /// the content, or the reason it cannot be loaded (ansible's wording).
    fn load_include(
        &mut self,
        task: &Task,
        group: &Included,
        site: &IncludeSite,
        scope: &Scope,
    ) -> Result<(String, Vec<Item>, Option<Role>), ParseError> {
        if task.kind == TaskKind::IncludeRole {
            // `allow_duplicates`, `public` and `rolespec_validate` may be
            // templates.
            let validate = self
                .include_flag(task, group, scope, "rolespec_validate")
                .unwrap_or(true);
            let (role, warnings) = load_included_role(
                &group.target,
                group.from.clone(),
                validate,
                site,
                &self.shared.load_options,
            )?;
            for w in &warnings {
                crate::cli::display::warning(w);
            }
            // An included role's handlers join the play's.
            self.add_included_role_handlers(&role, scope);
            let mut info = (*role.info()).clone();
            info.source = RoleSource::Include;
            info.allow_duplicates = self
                .include_flag(task, group, scope, "allow_duplicates")
                .unwrap_or(true);
            info.public = self.include_flag(task, group, scope, "public");
            // A public included role joins the play's roles: its defaults
            // and vars are seen by every host from now on (`play.roles`).
            let public = info
                .public
                .unwrap_or(self.options.private_role_vars == Some(false));
            if public {
                let info = Arc::new(info.clone());
                self.update_play(|play| play.public_roles.push(info));
            }
            let block = Block {
                kind: BlockKind::Role(Arc::new(info)),
                keywords: Default::default(),
                tags: Vec::new(),
                block: role.compile(),
                rescue: Vec::new(),
                always: Vec::new(),
                origin: None,
            };
            return Ok((group.target.clone(), vec![Item::Block(block)], Some(role)));
        }
        let path = crate::playbook::model::load::resolve_task_file(&group.target, site);
        match load_included_tasks(&group.target, site, &self.shared.load_options) {
            Ok((path, items, warnings)) => {
                for w in &warnings {
                    crate::cli::display::warning(w);
                }
                Ok((path.to_string_lossy().into_owned(), items, None))
            }
            // `_load_included_file`: a missing file is named first, the
            // loader's error follows as the cause.
            Err(e) if !path.exists() => Err(ParseError::general(format!(
                "Could not find or access '{}' on the Ansible Controller: {}",
                path.display(),
                e.message
            ))),
            // A file the included file imports is missing: named the same
            // way (AnsibleFileNotFound's file name).
            Err(e) => match missing_file_of(&e.message) {
                Some(missing) => Err(ParseError::general(format!(
                    "Could not find or access '{missing}' on the Ansible Controller: {}",
                    e.message
                ))),
                None => Err(e),
            },
        }
    }

    /// An include that cannot be loaded: the error once, then a failure
    /// for each of its hosts (shown only when the include has no loop, as
    /// ansible's callback shows it).
    fn report_include_failure(
        &mut self,
        task: &Task,
        group: &Included,
        info: &crate::output::default::TaskInfo,
        reason: &str,
    ) {
        let mut text = reason.to_string();
        if task.kind == TaskKind::IncludeRole
            && !info.is_loop
            && let Some(span) = task.arg_spans.get("name")
        {
            let origin = crate::playbook::model::Origin::new(&task.origin.file, *span);
            text = format!("{text}\n{}", origin.context());
        }
        let mut result = Map::new();
        result.insert("changed".into(), Value::Bool(false));
        if task.kind == TaskKind::IncludeTasks {
            result.insert("include".into(), Value::str(group.target.as_str()));
        }
        result.insert("reason".into(), Value::str(reason));
        // The strategy prints this through `display.error`: stderr, not
        // the callback's stream.
        {
            use std::io::Write;
            let _ = writeln!(std::io::stderr(), "[ERROR]: {text}\n");
        }
        let mut cb = match self.shared.callback.lock() {
            Ok(cb) => cb,
            Err(poisoned) => poisoned.into_inner(),
        };
        for host in &group.hosts {
            self.stats.host(host).failures += 1;
            if !info.is_loop {
                cb.runner_on_failed(host, info, result.clone(), false);
            }
        }
    }
}

/// The path in the loader's "file not found" message.
fn missing_file_of(message: &str) -> Option<&str> {
    let rest =
        message.strip_prefix("Unable to retrieve file contents.\nCould not find or access '")?;
    rest.split_once('\'').map(|(path, _)| path)
}

fn is_true(value: Option<&Value>) -> bool {
    value.and_then(Value::ansible_bool).unwrap_or(false)
}

/// `apply: {tags: ...}`: tags the included content carries (a list, or
/// a comma-separated string).
fn apply_tags(task: &Task) -> Vec<Value> {
    let Some(Value::Map(apply)) = task.args.get("apply") else {
        return Vec::new();
    };
    match apply.get("tags") {
        Some(Value::List(tags)) => tags.clone(),
        Some(Value::Str(text)) => text.split(',').map(|t| Value::str(t.trim())).collect(),
        Some(Value::Null) | None => Vec::new(),
        Some(other) => vec![other.clone()],
    }
}

/// What an include's content inherits from the include task itself: only
/// its `apply` keywords. A dynamic include's own keywords (`become`,
/// `ignore_errors`, `run_once`...) apply to the include alone, as ansible
/// skips a parent that is not statically loaded; its `vars` reach the
/// content as include parameters.
fn include_keywords(task: &Task) -> crate::playbook::model::Keywords {
    let mut keywords = crate::playbook::model::Keywords::new();
    if let Some(Value::Map(apply)) = task.args.get("apply") {
        for (k, v) in apply {
            keywords.insert(
                k.clone(),
                crate::playbook::model::Attr {
                    value: v.clone(),
                    span: task.origin.span,
                    key_span: task.origin.span,
                    item_spans: Vec::new(),
                    key_spans: Vec::new(),
                },
            );
        }
    }
    keywords
}
