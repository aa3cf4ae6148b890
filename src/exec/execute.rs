//! One task on one host (ansible's `TaskExecutor`): loop items, `when`,
//! argument templating, the action, then `failed`/`changed` defaults,
//! `changed_when`/`failed_when` and `until` retries.

use super::actions::{self, ActionInput};
use super::async_job::ActionRun;
use super::conditional;
use super::report::{TaskError, failed_result_report};
use super::scope::Scope;
use super::{ModuleRequest, Shared};
use crate::playbook::model::{Origin, Task};
use crate::templating::bridge::from_jinja;
use crate::value::{Map, Value};
use crate::vars::hostvars::OMIT_TOKEN;
use crate::vars::{PlayScope, TaskScope};
use minijinja::value::Value as Jv;
use std::sync::Arc;

/// The outcome of a task (or of one loop item) on a host.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub result: Map,
    /// ansible's `[ERROR]:` text for a failure, printed before the result.
    pub error: Option<String>,
}

impl Outcome {
    pub(super) fn from_error(e: &TaskError, origin: &Origin) -> Outcome {
        let mut result = Map::new();
        result.insert("failed".into(), Value::Bool(true));
        result.insert("msg".into(), Value::str(e.result_message()));
        result.insert("exception".into(), Value::str("(traceback unavailable)"));
        // ansible's `result.setdefault('changed', False)` for a task error.
        result.insert("changed".into(), Value::Bool(false));
        Outcome {
            result,
            error: Some(e.report(origin)),
        }
    }

    /// A result with no error report of its own.
    pub fn plain(result: Map) -> Outcome {
        Outcome {
            result,
            error: None,
        }
    }

    pub fn flag(&self, key: &str) -> bool {
        matches!(self.result.get(key), Some(Value::Bool(true)))
    }

    /// Whether the host failed the task, as ansible's `TaskResult.is_failed`
    /// decides: a `failed_when` verdict wins over `failed` (so a task whose
    /// `until` ran out is not a failure when `failed_when` says so).
    pub fn is_failed(&self) -> bool {
        let items: &[Value] = match self.result.get("results") {
            Some(Value::List(items)) => items,
            _ => &[],
        };
        let has_verdict = |m: &Map| m.contains_key("failed_when_result");
        let key = if has_verdict(&self.result)
            || items
                .iter()
                .any(|i| matches!(i, Value::Map(m) if has_verdict(m)))
        {
            "failed_when_result"
        } else {
            "failed"
        };
        // `_check_key`: the result's own value, else any item's.
        match self.result.get(key) {
            Some(value) => value.is_truthy(),
            None => items
                .iter()
                .any(|i| matches!(i, Value::Map(m) if m.get(key).is_some_and(Value::is_truthy))),
        }
    }
}

/// A task with everything needed to run it on one host.
pub struct TaskRun<'a> {
    pub shared: &'a Shared,
    pub play: &'a Arc<PlayScope>,
    pub task: &'a Task,
    pub scope: &'a Scope,
    pub host: &'a str,
    /// When the action being run must end (the `timeout` keyword): every
    /// module call it makes carries this deadline.
    pub(super) deadline: std::cell::Cell<Option<std::time::Instant>>,
}

/// Loop items and the per-item outcomes, reported one by one.
pub struct LoopRun {
    pub items: Vec<Outcome>,
    pub overall: Outcome,
}

pub enum TaskOutcome {
    Single(Outcome),
    Loop(LoopRun),
}

impl<'a> TaskRun<'a> {
    pub fn new(
        shared: &'a Shared,
        play: &'a Arc<PlayScope>,
        task: &'a Task,
        scope: &'a Scope,
        host: &'a str,
    ) -> TaskRun<'a> {
        TaskRun {
            shared,
            play,
            task,
            scope,
            host,
            deadline: std::cell::Cell::new(None),
        }
    }

    /// The task's `ansible_search_path`.
    pub(super) fn search_path(&self) -> Vec<std::path::PathBuf> {
        self.scope.task_search_path(&self.task.origin.file.path)
    }

    pub(super) fn task_scope(&self) -> TaskScope {
        TaskScope {
            role: self.scope.role.clone(),
            dep_chain: self.scope.dep_chain.clone(),
            vars: self.scope.task_vars(self.task),
            var_names: self.scope.task_var_names(self.task),
            include_params: self.scope.include_params.clone(),
            search_path: self.search_path(),
        }
    }

    /// The task's template context on this host, with `extra` variables.
    pub(super) fn context(&self, extra: Map) -> Jv {
        let scope = self.task_scope();
        let context = self.shared.factory.context_with_defaults(
            self.play,
            self.host,
            Some(&scope),
            extra.clone(),
            self.connection_magic_vars(),
        );
        // A delegated task also sees the delegated host's variables as
        // `ansible_delegated_vars[<host>]` (VariableManager._get_delegated_vars).
        let Some(delegate) = self
            .keyword("delegate_to")
            .or(self.task.delegate_to.as_ref())
            .and_then(|v| self.template_value(v, &context).ok())
            .map(|v| v.python_str())
            .filter(|d| !d.is_empty())
        else {
            return context;
        };
        let vars = match hostvars_of(&context, &delegate) {
            Some(vars) => vars,
            // The implicit localhost has variables of its own too.
            None if matches!(delegate.as_str(), "localhost" | "127.0.0.1" | "::1") => self
                .shared
                .factory
                .context(self.play, &delegate, None, Map::new()),
            None => return context,
        };
        let delegated = Jv::from_object(
            [(Jv::from(delegate.as_str()), vars)]
                .into_iter()
                .collect::<indexmap::IndexMap<Jv, Jv>>(),
        );
        self.shared.factory.context_with_objects(
            self.play,
            self.host,
            Some(&scope),
            extra,
            self.connection_magic_vars(),
            vec![("ansible_delegated_vars".into(), delegated)],
        )
    }

    /// The task's template context without delegation, with ready values
    /// (`objects`) that shadow variables of their names.
    pub(super) fn context_with_objects(&self, extra: Map, objects: Vec<(String, Jv)>) -> Jv {
        self.shared.factory.context_with_objects(
            self.play,
            self.host,
            Some(&self.task_scope()),
            extra,
            self.connection_magic_vars(),
            objects,
        )
    }

    /// The variables a task sees about its connection when no variable
    /// sets them (`PlayContext.update_vars` with `MAGIC_VARIABLE_MAPPING`):
    /// the address is the inventory name, the rest comes from keywords and
    /// configuration. Become settings are left out, as ansible does.
    fn connection_magic_vars(&self) -> Map {
        let mut vars = Map::new();
        vars.insert("ansible_host".into(), Value::str(self.host));
        vars.insert("ansible_ssh_host".into(), Value::str(self.host));
        let defaults = &self.shared.connection_defaults;
        let connection = self
            .keyword("connection")
            .filter(|v| matches!(v, Value::Str(_)))
            .or_else(|| defaults.get("ansible_connection"))
            .cloned()
            .unwrap_or_else(|| Value::str("ssh"));
        vars.insert("ansible_connection".into(), connection);
        let user = self
            .keyword("remote_user")
            .filter(|v| matches!(v, Value::Str(_)))
            .or_else(|| defaults.get("ansible_user"));
        if let Some(user) = user {
            vars.insert("ansible_user".into(), user.clone());
            vars.insert("ansible_ssh_user".into(), user.clone());
        }
        if let Some(timeout) = defaults.get("ansible_timeout") {
            vars.insert("ansible_timeout".into(), timeout.clone());
            vars.insert("ansible_ssh_timeout".into(), timeout.clone());
        }
        if let Some(port) = self.keyword("port").filter(|v| matches!(v, Value::Int(_))) {
            vars.insert("ansible_port".into(), port.clone());
            vars.insert("ansible_ssh_port".into(), port.clone());
        }
        vars
    }

    pub(super) fn keyword(&self, name: &str) -> Option<&Value> {
        self.scope.keyword(self.task, name)
    }

    /// A connection keyword (`become`, `remote_user` ...) templated: the
    /// task's own, or what it inherits when it has none or its own is
    /// `omit` (ansible resets an omitted keyword to the inherited value).
    fn connection_keyword(&self, name: &str, context: &Jv) -> Option<Value> {
        let usable = |raw: Option<&Value>| {
            raw.and_then(|raw| self.template_value(raw, context).ok())
                .filter(|v| !matches!(v, Value::Null))
                .filter(|v| !matches!(v, Value::Str(s) if s == OMIT_TOKEN))
        };
        usable(
            self.task
                .keyword(name)
                .filter(|v| !matches!(v, Value::Null)),
        )
        .or_else(|| usable(self.scope.keywords.get(name)))
    }

    /// The first of the task's conditions (inherited ones first) that does
    /// not hold; each is reported where it was written.
    pub(super) fn when_first_false(&self, context: &Jv) -> Result<Option<Value>, TaskError> {
        let conditions = self.scope.conditions(self.task);
        let own = self.task.keywords.get("when");
        let own_count = match own.map(|a| &a.value) {
            Some(Value::List(items)) => items.len(),
            Some(Value::Null) | None => 0,
            Some(_) => 1,
        };
        let inherited = conditions.len().saturating_sub(own_count);
        let origin_of = |index: usize| -> Option<Origin> {
            let attr = own?;
            let span = index
                .checked_sub(inherited)
                .and_then(|i| attr.item_spans.get(i))
                .copied()
                .unwrap_or(attr.span);
            Some(Origin::new(&self.task.origin.file, span))
        };
        conditional::first_false_at(
            &self.shared.templar,
            &conditions,
            context,
            &origin_of,
            &|name| self.definition_of(name),
        )
    }

    fn keyword_origin(&self, name: &str) -> Option<Origin> {
        self.task
            .keywords
            .get(name)
            .map(|a| Origin::new(&self.task.origin.file, a.span))
    }

    pub fn run(&self) -> TaskOutcome {
        let has_loop = self.task.keyword("loop").is_some() || self.task.loop_with.is_some();
        if !has_loop {
            return TaskOutcome::Single(self.run_once(Map::new()));
        }
        let context = self.context(Map::new());
        let items = match self.loop_items(&context) {
            Ok(items) => items,
            Err(e) => {
                // A loop that cannot be evaluated still lets `when` skip
                // the task, as ansible does.
                if let Ok(Some(cond)) = self.when_first_false(&context) {
                    return TaskOutcome::Single(skipped(cond));
                }
                let mut outcome = Outcome::from_error(&e, &self.task.origin);
                self.mark_no_log(&mut outcome, &context);
                return TaskOutcome::Single(outcome);
            }
        };
        if items.is_empty() {
            let mut result = Map::new();
            result.insert("changed".into(), Value::Bool(false));
            result.insert("skipped".into(), Value::Bool(true));
            result.insert("skipped_reason".into(), Value::str("No items in the list"));
            result.insert("results".into(), Value::List(Vec::new()));
            return TaskOutcome::Single(Outcome {
                result,
                error: None,
            });
        }
        TaskOutcome::Loop(self.run_loop(items, &context))
    }

    /// The includes this host asks for (one per loop item).
    pub fn include_targets(&self) -> super::include::IncludeOutcome {
        use super::include::IncludeOutcome;
        let has_loop = self.task.keyword("loop").is_some() || self.task.loop_with.is_some();
        let base = self.context(Map::new());
        let items: Vec<Option<Value>> = if has_loop {
            match self.loop_items(&base) {
                Ok(items) => items.into_iter().map(Some).collect(),
                Err(e) => {
                    // As for tasks: `when` may still skip the include.
                    if let Ok(Some(cond)) = self.when_first_false(&base) {
                        return IncludeOutcome::Skipped(skipped(cond).result);
                    }
                    return IncludeOutcome::Failed(Outcome::from_error(&e, &self.task.origin));
                }
            }
        } else {
            vec![None]
        };
        let control = self.loop_control(&base);
        let loop_var = control
            .get("loop_var")
            .map(Value::python_str)
            .unwrap_or_else(|| "item".into());
        let index_var = control.get("index_var").map(Value::python_str);
        let extended = control
            .get("extended")
            .and_then(Value::ansible_bool)
            .unwrap_or(false);
        let allitems = control
            .get("extended_allitems")
            .and_then(Value::ansible_bool)
            .unwrap_or(true);
        let all: Vec<Value> = items.iter().flatten().cloned().collect();
        let mut targets = Vec::new();
        for (index, item) in items.into_iter().enumerate() {
            // What `IncludedFile.process_include_results` passes on from
            // each item's result: the loop, index and `ansible_loop` vars.
            let mut params = Map::new();
            if let Some(item) = &item {
                params.insert(loop_var.clone(), item.clone());
                params.insert("ansible_loop_var".into(), Value::str(loop_var.as_str()));
                if let Some(index_var) = &index_var {
                    params.insert(index_var.clone(), Value::Int(index as i64));
                    params.insert("ansible_index_var".into(), Value::str(index_var.as_str()));
                }
                if extended {
                    params.insert("ansible_loop".into(), loop_info(&all, index, allitems));
                }
            }
            let context = self.context(params.clone());
            match self.when_first_false(&context) {
                Ok(Some(cond)) => {
                    if item.is_none() {
                        return IncludeOutcome::Skipped(skipped(cond).result);
                    }
                    continue;
                }
                Ok(None) => {}
                Err(e) => {
                    return IncludeOutcome::Failed(Outcome::from_error(&e, &self.task.origin));
                }
            }
            let arg = |name: &str| -> Result<Option<String>, TaskError> {
                match self.task.args.get(name) {
                    None => Ok(None),
                    // An omitted argument is not given at all.
                    Some(raw) => self
                        .template_value(raw, &context)
                        .map(|v| Some(v.python_str()))
                        .map(|v| v.filter(|v| v != crate::templating::omit::OMIT_TOKEN))
                        .map_err(TaskError::new),
                }
            };
            let target = if self.task.kind == crate::playbook::model::TaskKind::IncludeRole {
                arg("name").and_then(|n| match n {
                    Some(n) => Ok(Some(n)),
                    None => arg("role"),
                })
            } else {
                arg("_raw_params").and_then(|n| match n {
                    Some(n) => Ok(Some(n)),
                    None => arg("file"),
                })
            };
            let from = ["tasks_from", "handlers_from", "vars_from", "defaults_from"].map(arg);
            let target = match target {
                Ok(Some(t)) => t,
                Ok(None) => String::new(),
                Err(e) => {
                    return IncludeOutcome::Failed(Outcome::from_error(&e, &self.task.origin));
                }
            };
            let mut from_values: [Option<String>; 4] = Default::default();
            for (slot, value) in from_values.iter_mut().zip(from) {
                match value {
                    Ok(v) => *slot = v,
                    Err(e) => {
                        return IncludeOutcome::Failed(Outcome::from_error(&e, &self.task.origin));
                    }
                }
            }
            let label = match (&item, control.get("label")) {
                (None, _) => None,
                (Some(_), Some(label)) => self
                    .template_value(label, &context)
                    .ok()
                    .map(|v| v.python_str()),
                (Some(item), None) => Some(item.python_str()),
            };
            let result = self.include_result(&target, &context);
            targets.push(super::include::IncludeTarget {
                target,
                from: from_values,
                params,
                label,
                result,
            });
        }
        IncludeOutcome::Targets(targets)
    }

    /// What ansible's TaskExecutor returns for an include task: the
    /// templated arguments (without the file for `include_tasks`, which is
    /// `include`).
    fn include_result(&self, target: &str, context: &Jv) -> Map {
        let mut args = Map::new();
        for (name, raw) in &self.task.args {
            let value = self
                .template_value(raw, context)
                .unwrap_or_else(|_| raw.clone());
            args.insert(name.clone(), value);
        }
        let mut result = Map::new();
        if self.task.kind == crate::playbook::model::TaskKind::IncludeTasks {
            args.shift_remove("_raw_params");
            args.shift_remove("file");
            result.insert("include".into(), Value::str(target));
        }
        result.insert("include_args".into(), Value::Map(args));
        result.insert("changed".into(), Value::Bool(false));
        result
    }

    /// A keyword value templated with the task's variables on this host.
    pub fn template_plain(&self, value: &Value) -> Result<Value, String> {
        let context = self.context(Map::new());
        self.template_value(value, &context)
    }

    /// Do these conditions hold for this host (errors count as false)?
    pub fn conditions_hold(&self, conditions: &[Value]) -> bool {
        let context = self.context(Map::new());
        matches!(
            conditional::first_false(&self.shared.templar, conditions, &context, None),
            Ok(None)
        )
    }

    /// `loop_control`, with its fields templated (`post_validate`) except
    /// `label` and `break_when`, which are evaluated for each item.
    fn loop_control(&self, context: &Jv) -> Map {
        let Some(Value::Map(raw)) = self.task.keyword("loop_control") else {
            return Map::new();
        };
        raw.iter()
            .map(|(k, v)| {
                let value = if k == "label" || k == "break_when" {
                    v.clone()
                } else {
                    self.template_value(v, context)
                        .unwrap_or_else(|_| v.clone())
                };
                (k.clone(), value)
            })
            .collect()
    }

    fn loop_items(&self, context: &Jv) -> Result<Vec<Value>, TaskError> {
        let origin = self.keyword_origin("loop");
        let raw = self.task.keyword("loop").cloned().unwrap_or(Value::Null);
        if let Some(lookup) = self.task.loop_with.as_deref() {
            // `with_<lookup>`: the lookup plugin turns the terms into items.
            let action = self.action_name();
            return crate::templating::lookups::run_lookup(
                &self.shared.templar,
                lookup,
                raw,
                &Map::new(),
                context,
                Some(actions::short_name(&action)),
            )
            .map_err(|e| TaskError::at(e.to_string(), origin));
        }
        let value = match &raw {
            // A list written in the task: text its templates make is not
            // trusted (2.19), so a loop item cannot smuggle a template
            // into a conditional (`assert: that:` from the item).
            Value::List(items) => items
                .iter()
                .map(|item| self.template_untrusting(item, context))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::List),
            _ => self.template_value(&raw, context),
        }
        .map_err(|m| TaskError::at(m, origin.clone()))?;
        match value {
            Value::List(items) => Ok(items),
            other => Err(TaskError::at(
                format!(
                    "Invalid data passed to 'loop', it requires a list, got this instead: {}. Hint: If you passed a list/dict of just one element, try adding wantlist=True to your lookup invocation or use q/query instead of lookup.",
                    other.python_str()
                ),
                origin,
            )),
        }
    }

    /// [`Self::template_value`], where a string a template made (not one
    /// it passed on from a variable) comes back untrusted.
    fn template_untrusting(&self, raw: &Value, context: &Jv) -> Result<Value, String> {
        self.template_tree(raw, context, true)
    }

    fn run_loop(&self, items: Vec<Value>, context: &Jv) -> LoopRun {
        let control = self.loop_control(context);
        let text = |k: &str| control.get(k).map(Value::python_str);
        let loop_var = text("loop_var").unwrap_or_else(|| "item".into());
        let index_var = text("index_var");
        let flag = |k: &str, default: bool| {
            control
                .get(k)
                .and_then(Value::ansible_bool)
                .unwrap_or(default)
        };
        let extended = flag("extended", false);
        let allitems = flag("extended_allitems", true);
        let pause = control
            .get("pause")
            .and_then(|v| match v {
                Value::Int(i) => Some(*i as f64),
                Value::Float(f) => Some(*f),
                Value::Str(s) => s.trim().parse().ok(),
                _ => None,
            })
            .filter(|p| p.is_finite() && *p > 0.0);
        let break_when = control
            .get("break_when")
            .filter(|v| !matches!(v, Value::Null))
            .map(as_list);
        let register = self.task.keyword("register").map(Value::python_str);
        let label = control.get("label").cloned();
        let view = super::ItemView {
            is_debug: actions::short_name(&self.task.action) == "debug",
            no_log: self
                .keyword("no_log")
                .and_then(Value::ansible_bool)
                .unwrap_or(false),
            diff: self
                .keyword("diff")
                .and_then(Value::ansible_bool)
                .unwrap_or(self.shared.diff),
        };
        let count = items.len();
        let mut outcomes = Vec::with_capacity(count);
        // Facts set by earlier items (set_fact in a loop) are visible to
        // later ones, as ansible updates the loop's variables.
        let mut facts_so_far = Map::new();
        // The previous item's registered result (ansible puts it in the
        // loop's variables, so later items and labels see it).
        let mut registered: Option<Value> = None;
        // An item's variables, given the facts and registered result the
        // items before it left.
        let item_extra = |index: usize, registered: Option<&Value>, facts: &Map| -> Map {
            let mut extra = facts.clone();
            if let (Some(name), Some(value)) = (&register, registered) {
                extra.insert(name.clone(), value.clone());
            }
            extra.insert("ansible_loop_var".into(), Value::str(loop_var.as_str()));
            extra.insert(loop_var.clone(), items[index].clone());
            if let Some(index_var) = &index_var {
                extra.insert("ansible_index_var".into(), Value::str(index_var.as_str()));
                extra.insert(index_var.clone(), Value::Int(index as i64));
            }
            if extended {
                extra.insert("ansible_loop".into(), loop_info(&items, index, allitems));
            }
            extra
        };
        // Items sent to the target together (loop_batch.rs). After a
        // failed attempt batching is not tried again, but for one retry at
        // item 1 (item 0 may be alone for reporting the interpreter found).
        let mut batch: Option<super::loop_batch::LoopBatch> = None;
        let mut try_batching = self.loop_may_batch(&control);
        for (index, item) in items.iter().enumerate() {
            if index > 0
                && let Some(pause) = pause
            {
                std::thread::sleep(std::time::Duration::from_secs_f64(pause));
            }
            let mut extra = item_extra(index, registered.as_ref(), &facts_so_far);
            let loop_info = extended.then(|| loop_info(&items, index, allitems));
            let mut batched = batch.as_mut().and_then(|b| b.take(self, index, &extra));
            if batched.is_none() && try_batching {
                let facts = &facts_so_far;
                batch = self.start_loop_batch(&items, index, registered.as_ref(), &|i, r| {
                    item_extra(i, r, facts)
                });
                try_batching = batch.is_some() || index == 0;
                batched = batch.as_mut().and_then(|b| b.take(self, index, &extra));
            }
            let mut outcome = match batched {
                Some(mut outcome) => {
                    self.mark_no_log(&mut outcome, &self.context(extra.clone()));
                    outcome
                }
                None => self.run_once(extra.clone()),
            };
            if let Some(Value::Map(facts)) = outcome.result.get("ansible_facts")
                && !outcome.flag("failed")
            {
                for (k, v) in facts {
                    facts_so_far.insert(k.clone(), v.clone());
                }
            }
            let result = &mut outcome.result;
            result.insert(loop_var.clone(), item.clone());
            result.insert("ansible_loop_var".into(), Value::str(loop_var.as_str()));
            if let Some(index_var) = &index_var {
                result.insert(index_var.clone(), Value::Int(index as i64));
                result.insert("ansible_index_var".into(), Value::str(index_var.as_str()));
            }
            if let Some(info) = loop_info {
                result.insert("ansible_loop".into(), info);
            }
            result.insert("_ansible_item_result".into(), Value::Bool(true));
            result.insert(
                "_ansible_ignore_errors".into(),
                self.keyword("ignore_errors")
                    .cloned()
                    .unwrap_or(Value::Null),
            );
            if let Some(name) = &register {
                let value = Value::Map(crate::output::strip_internal_keys(result));
                extra.insert(name.clone(), value.clone());
                registered = Some(value);
            }
            let label_template = label
                .clone()
                .unwrap_or_else(|| Value::str(format!("{{{{{loop_var}}}}}")));
            let context = self.context(extra);
            match self.template_value(&label_template, &context) {
                Ok(l) => {
                    result.insert("_ansible_item_label".into(), l);
                }
                Err(e) => {
                    result.insert("failed".into(), Value::Bool(true));
                    result.insert(
                        "msg".into(),
                        Value::str(format!("Failed to template loop_control.label: {e}")),
                    );
                }
            }
            // add_host/group_by items are reported once the strategy has
            // applied them (their `changed` depends on the inventory).
            let applied_later = super::inventory_actions::is_inventory_action(actions::short_name(
                &self.task.action,
            )) && !["failed", "skipped", "unreachable"]
                .iter()
                .any(|k| outcome.flag(k));
            if !applied_later {
                self.shared.report_item(self.host, &outcome, view);
            }
            outcomes.push(outcome);
            if let Some(conditions) = &break_when {
                match conditional::first_false(&self.shared.templar, conditions, &context, None) {
                    Ok(None) => break,
                    Ok(Some(_)) => {}
                    Err(e) => {
                        // ansible fails the task when break_when cannot be
                        // evaluated.
                        if let Some(last) = outcomes.last_mut() {
                            last.result.insert("failed".into(), Value::Bool(true));
                            last.result
                                .insert("msg".into(), Value::str(e.message.clone()));
                        }
                        break;
                    }
                }
            }
        }
        let overall = loop_overall(&outcomes);
        LoopRun {
            items: outcomes,
            overall,
        }
    }

    /// Template a raw value: strings through the templar, containers
    /// element by element.
    pub fn template_value(&self, value: &Value, context: &Jv) -> Result<Value, String> {
        self.template_tree(value, context, false)
    }

    /// [`Self::template_value`]; with `untrusting`, text a template made
    /// comes back untrusted (see [`Self::template_untrusting`]).
    fn template_tree(
        &self,
        value: &Value,
        context: &Jv,
        untrusting: bool,
    ) -> Result<Value, String> {
        match value {
            // The value leaves the template system: a failed entry of a
            // lazy container in it fails the argument.
            Value::Str(s) => {
                let made = self
                    .shared
                    .templar
                    .template_in(s, context)
                    .map_err(|e| e.message)?;
                Ok(match made {
                    Value::Str(text)
                        if untrusting
                            && crate::templating::render::is_template(s)
                            && !passes_through(value) =>
                    {
                        Value::Unsafe(text)
                    }
                    other => other,
                })
            }
            Value::List(items) => items
                .iter()
                .map(|v| self.template_tree(v, context, untrusting))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::List),
            Value::Map(map) => {
                let mut out = Map::new();
                for (k, v) in map {
                    out.insert(k.clone(), self.template_tree(v, context, untrusting)?);
                }
                Ok(Value::Map(out))
            }
            // An inline `!vault` argument reaches the action as its plaintext.
            Value::Vault(ciphertext) => {
                let no_secrets = crate::vault::Vault::new(Vec::new());
                let vault = self.shared.factory.vault.as_deref().unwrap_or(&no_secrets);
                vault
                    .decrypt_to_string(ciphertext, "")
                    .map(Value::Str)
                    .map_err(|e| e.to_string())
            }
            other => Ok(other.clone()),
        }
    }

    pub(super) fn action_name(&self) -> String {
        if let Some(resolved) = &self.task.resolved_action {
            return resolved.clone();
        }
        // A templated action (`action: '{{ module }}'`) names its action per
        // host, as the linear strategy templates `task.action`.
        if crate::templating::render::is_template(&self.task.action)
            && let Ok(value) = self.template_plain(&Value::str(self.task.action.as_str()))
        {
            return value.python_str();
        }
        self.task.action.clone()
    }

    /// An ad hoc `-m` naming no action or module (the ad hoc task carries
    /// what it resolved to): ansible fails each host before connecting
    /// ("Cannot resolve ..."), pointing at the option. Playbook tasks are
    /// checked when loaded.
    pub(super) fn adhoc_unresolvable(&self, action: &str) -> Option<TaskError> {
        let is_adhoc = self
            .task
            .origin
            .file
            .path
            .to_string_lossy()
            .starts_with("<adhoc ");
        // A templated `-m` is resolved per host once templated, as a
        // playbook's templated `action:` is.
        if !is_adhoc
            || self.task.resolved_action.is_some()
            || crate::templating::render::is_template(&self.task.action)
        {
            return None;
        }
        let option = std::sync::Arc::new(crate::playbook::model::SourceFile {
            path: std::path::PathBuf::from("<CLI option '-m'>"),
            text: action.to_string(),
        });
        Some(TaskError::at(
            format!("Cannot resolve '{action}' to an action or module."),
            Some(Origin::new(&option, crate::playbook::yaml::Span::default())),
        ))
    }

    /// The task (or one item) once: `when`, arguments, action, results.
    fn run_once(&self, extra: Map) -> Outcome {
        let context = self.context(extra.clone());
        let mut outcome = self.run_once_in(extra, &context);
        self.mark_no_log(&mut outcome, &context);
        if let Some(delegated) = self.delegated_vars(&context) {
            outcome
                .result
                .insert("_ansible_delegated_vars".into(), Value::Map(delegated));
        }
        outcome
    }

    /// The task's `no_log` on this host (or item): its own keyword, else
    /// the one it inherits, else DEFAULT_NO_LOG.
    pub(super) fn task_no_log(&self, context: &Jv) -> Result<bool, TaskError> {
        self.bool_keyword("no_log", self.shared.no_log_default, context)
    }

    /// The task's `check_mode` (else `--check`), once validated.
    pub(super) fn check_mode(&self, context: &Jv) -> bool {
        self.bool_keyword("check_mode", self.shared.check_mode, context)
            .unwrap_or(self.shared.check_mode)
    }

    /// The task's `diff` (else `--diff`), once validated.
    pub(super) fn diff_mode(&self, context: &Jv) -> bool {
        self.bool_keyword("diff", self.shared.diff, context)
            .unwrap_or(self.shared.diff)
    }

    /// A `bool` keyword (its own or inherited, else `default`), templated
    /// and read as a boolean, as ansible post-validates the attribute.
    pub(super) fn bool_keyword(
        &self,
        name: &str,
        default: bool,
        context: &Jv,
    ) -> Result<bool, TaskError> {
        let Some(raw) = self.keyword(name) else {
            return Ok(default);
        };
        if let Some(plain) = raw.ansible_bool() {
            return Ok(plain);
        }
        let origin = self.keyword_origin(name);
        let stage = format!("Error processing keyword '{name}'");
        let value = self
            .template_value(raw, context)
            .map_err(|e| TaskError::in_stage(&stage, origin.clone(), e, origin.clone()))?;
        // An omitted keyword is reset to what the task inherits (ansible
        // post-validates the parent's value), else the default.
        if matches!(&value, Value::Str(s) | Value::Unsafe(s) if s == OMIT_TOKEN) {
            return match self.scope.keywords.get(name) {
                Some(inherited) if self.task.keyword(name).is_some() => {
                    let inherited = self.template_value(inherited, context).map_err(|e| {
                        TaskError::in_stage(&stage, origin.clone(), e, origin.clone())
                    })?;
                    Ok(inherited.ansible_bool().unwrap_or(default))
                }
                _ => Ok(default),
            };
        }
        value.ansible_bool().ok_or_else(|| {
            TaskError::in_stage(
                &stage,
                origin.clone(),
                format!(
                    "The value {} could not be converted to 'bool'.",
                    value.python_repr()
                ),
                origin,
            )
        })
    }

    /// ansible's `update_result_no_log`: the result is censored when the
    /// task says `no_log` or the result itself asks for it with a true
    /// `_ansible_no_log` (an action plugin may set it); a `no_log` that
    /// cannot be evaluated, or an `_ansible_no_log` that is not a boolean,
    /// censors it too, with a warning, since leaking is the worse error.
    fn mark_no_log(&self, outcome: &mut Outcome, context: &Jv) {
        let task_no_log = self.task_no_log(context).unwrap_or_else(|e| {
            // ansible words the keyword's error without the task level.
            let message = e.result_message();
            let cause = message.strip_prefix("Task failed: ").unwrap_or(&message);
            crate::cli::display::warning(&format!(
                "Invalid no_log value for task, output will be masked: {cause}"
            ));
            true
        });
        let result_no_log = match outcome.result.get("_ansible_no_log") {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(other) => {
                crate::cli::display::warning(&format!(
                    "Invalid _ansible_no_log value of type '{}' in task result, output will be masked.",
                    other.python_type_name()
                ));
                true
            }
        };
        if task_no_log || result_no_log {
            outcome
                .result
                .insert("_ansible_no_log".into(), Value::Bool(true));
        }
    }

    /// Where a delegated task ran, for the callback's `[host -> delegate]`
    /// label: the delegated host's name and address.
    fn delegated_vars(&self, context: &Jv) -> Option<Map> {
        let delegate = self
            .keyword("delegate_to")
            .or(self.task.delegate_to.as_ref())
            .and_then(|v| self.template_value(v, context).ok())
            .map(|v| v.python_str())
            .filter(|d| !d.is_empty())?;
        let address = hostvars_of(context, &delegate)
            .and_then(|vars| vars.get_attr("ansible_host").ok())
            .filter(|v| !v.is_undefined() && !v.is_none())
            .map(|v| from_jinja(&v).python_str())
            .unwrap_or_else(|| delegate.clone());
        let mut vars = Map::new();
        vars.insert("ansible_delegated_host".into(), Value::str(delegate));
        vars.insert("ansible_host".into(), Value::str(address));
        Some(vars)
    }

    fn run_once_in(&self, extra: Map, context: &Jv) -> Outcome {
        let context = context.clone();
        match self.when_first_false(&context) {
            Ok(Some(cond)) => return skipped(cond),
            Ok(None) => {}
            Err(e) => return Outcome::from_error(&e, &self.task.origin),
        }
        let action = self.action_name();
        if let Some(e) = self.adhoc_unresolvable(&action) {
            return Outcome::from_error(&e, &self.task.origin);
        }
        let args = match self.template_args(&action, &context) {
            Ok(args) => args,
            Err(e) => return Outcome::from_error(&e, &self.task.origin),
        };
        let register = self.task.keyword("register").map(Value::python_str);
        let retries = self.retries(&context);
        let delay = self.retry_delay(&context);
        let limits = match self.action_limits(&context) {
            Ok(limits) => limits,
            Err(e) => return Outcome::from_error(&e, &self.task.origin),
        };
        // An unusable no_log fails the task (as post-validating the
        // keyword does); `mark_no_log` then masks the failure.
        if let Err(e) = self.task_no_log(&context) {
            return Outcome::from_error(&e, &self.task.origin);
        }
        for (flag, default) in [
            ("check_mode", self.shared.check_mode),
            ("diff", self.shared.diff),
        ] {
            if let Err(e) = self.bool_keyword(flag, default, &context) {
                return Outcome::from_error(&e, &self.task.origin);
            }
        }
        let mut attempt = 1;
        loop {
            let mut outcome = match self.run_limited(&action, args.clone(), &context, &limits) {
                ActionRun::Done(outcome) => outcome,
                // Raised out of ansible's attempt loop: no retries, no
                // changed_when/failed_when.
                ActionRun::Aborted(outcome) => return self.finish(outcome, &action, false),
            };
            let attempts = (retries > 1).then_some(attempt);
            let failed_by_module =
                match self.settle(&mut outcome, &action, register.as_deref(), &extra, attempts) {
                    Ok(failed_by_module) => failed_by_module,
                    Err(e) => return Outcome::from_error(&e, &self.task.origin),
                };
            if outcome.flag("unreachable") {
                break self.finish(outcome, &action, failed_by_module);
            }
            if retries > 1 {
                let done = self.until_holds(&outcome, register.as_deref(), &extra);
                if done {
                    break self.finish(outcome, &action, failed_by_module);
                }
                if attempt < retries {
                    outcome
                        .result
                        .insert("_ansible_retry".into(), Value::Bool(true));
                    outcome.result.insert("retries".into(), Value::Int(retries));
                    self.shared.report_retry(
                        self.host,
                        self.task,
                        &outcome.result,
                        retries - attempt,
                    );
                    std::thread::sleep(delay);
                    attempt += 1;
                    continue;
                }
                outcome
                    .result
                    .insert("attempts".into(), Value::Int(retries - 1));
                outcome.result.insert("failed".into(), Value::Bool(true));
                break self.finish(outcome, &action, failed_by_module);
            }
            break self.finish(outcome, &action, failed_by_module);
        }
    }

    /// One attempt's result as ansible's TaskExecutor settles it before
    /// `until`: the module's error normalised, `failed` from `rc`,
    /// `attempts` (with retries), `changed` defaulted, changed_when and
    /// failed_when applied. True when the module itself failed the result;
    /// the error is a changed_when/failed_when that could not be evaluated.
    pub(super) fn settle(
        &self,
        outcome: &mut Outcome,
        action: &str,
        register: Option<&str>,
        extra: &Map,
        attempts: Option<i64>,
    ) -> Result<bool, TaskError> {
        // A result that comes back failed is the module's failure in
        // ansible's report; one failed later (failed_when, until) is the
        // action's.
        // ansible's connection raises on an unreachable host: the result
        // is the exception's, with no failed/changed_when/until applied.
        if outcome.flag("unreachable") {
            outcome
                .result
                .entry("changed".to_string())
                .or_insert(Value::Bool(false));
            return Ok(false);
        }
        // raw and script run a command line, not a module: their failures
        // are the action's in ansible's report.
        let runs_module = !matches!(actions::short_name(action), "raw" | "script");
        let failed_by_module = outcome.flag("failed") && runs_module;
        // ansible normalises a failed result's error right away, so
        // failed_when can suppress it (failed_when_suppressed_exception).
        if outcome.flag("failed") {
            self.normalize_module_error(outcome, action);
        }
        let result = &mut outcome.result;
        if !result.contains_key("failed") {
            let rc_failed = match result.get("rc") {
                Some(Value::Int(rc)) => *rc != 0,
                Some(Value::Str(s)) => s != "0",
                Some(_) => true,
                None => false,
            };
            result.insert("failed".into(), Value::Bool(rc_failed));
        }
        if let Some(attempt) = attempts {
            result.insert("attempts".into(), Value::Int(attempt));
        }
        if !result.contains_key("changed") {
            result.insert("changed".into(), Value::Bool(false));
        }
        if !result.contains_key("skipped") {
            self.apply_changed_failed_when(outcome, register, extra)?;
        }
        Ok(failed_by_module)
    }

    /// A failed result's error as ansible reads it: a serialized
    /// `ErrorSummary` in `exception` (2.19 modules) gives the report's
    /// message (and `msg` when the result has none); `exception` becomes
    /// the text tracebacks-off runs show.
    fn normalize_module_error(&self, outcome: &mut Outcome, action: &str) {
        let exception = outcome.result.get("exception");
        let brief = exception.and_then(super::report::error_summary_message);
        // With error tracebacks (DISPLAY_TRACEBACK), the module's own
        // traceback; else ansible's placeholder.
        let traceback = match exception {
            _ if !crate::config::tracebacks::for_errors() => None,
            Some(text @ (Value::Str(_) | Value::Unsafe(_))) => {
                text.as_str().filter(|t| !t.is_empty()).map(str::to_string)
            }
            Some(summary) => super::report::error_summary_traceback(summary),
            None => None,
        };
        outcome.result.insert(
            "exception".into(),
            Value::str(traceback.unwrap_or_else(|| "(traceback unavailable)".into())),
        );
        let Some(brief) = brief else {
            return;
        };
        if outcome.error.is_some() || actions::is_controller_action(action) {
            return;
        }
        if !outcome.result.contains_key("msg") {
            outcome.result.insert(
                "msg".into(),
                Value::str(super::report::failed_result_message("Module", &brief)),
            );
        }
        outcome.error = Some(failed_result_report("Module", &brief, &self.task.origin));
    }

    /// The failure report of a failed result that carries none yet.
    pub(super) fn finish(
        &self,
        mut outcome: Outcome,
        action: &str,
        failed_by_module: bool,
    ) -> Outcome {
        if outcome.flag("unreachable") && !outcome.flag("failed") && outcome.error.is_none() {
            // ansible reports an unreachable host as a task error.
            let msg = outcome
                .result
                .get("msg")
                .map(Value::python_str)
                .unwrap_or_default();
            let e = TaskError::new(msg);
            outcome
                .result
                .insert("msg".into(), Value::str(e.result_message()));
            // The result ansible makes of the connection's exception.
            outcome
                .result
                .entry("exception".to_string())
                .or_insert_with(|| Value::str("(traceback unavailable)"));
            outcome.error = Some(e.report(&self.task.origin));
        }
        let help = outcome.result.shift_remove(super::ERROR_HELP);
        if outcome.flag("failed")
            && outcome.error.is_none()
            && let Some(help) = help
        {
            // An error the action raised with help text: ansible shows the
            // message again below, with the help.
            let msg = outcome
                .result
                .get("msg")
                .map(Value::python_str)
                .unwrap_or_default();
            let error = TaskError::new(format!("Action failed: {msg}"))
                .caused_by_bare(&msg, Some(&help.python_str()));
            outcome.error = Some(error.report(&self.task.origin));
        }
        if outcome.flag("failed") && outcome.error.is_none() {
            let kind = if actions::is_controller_action(action)
                || super::inventory_actions::is_inventory_action(actions::short_name(action))
                || !failed_by_module
            {
                "Action"
            } else {
                "Module"
            };
            let msg = outcome
                .result
                .get("msg")
                .map(Value::python_str)
                .unwrap_or_else(|| "Unknown error.".into());
            // A failure without `msg` gets the error's text as its `msg`.
            if !outcome.result.contains_key("msg") {
                outcome.result.insert(
                    "msg".into(),
                    Value::str(super::report::failed_result_message(kind, &msg)),
                );
            }
            outcome.error = Some(failed_result_report(kind, &msg, &self.task.origin));
            outcome
                .result
                .entry("exception".into())
                .or_insert_with(|| Value::str("(traceback unavailable)"));
        }
        outcome
    }

    /// How many times the action may run: `retries` (an int keyword,
    /// templated with the item's variables) plus the first run; 3 retries
    /// when only `until` is set.
    pub(super) fn retries(&self, context: &Jv) -> i64 {
        let until = self.task.keyword("until").is_some();
        let retries = self
            .task
            .keyword("retries")
            .filter(|v| !matches!(v, Value::Null))
            .and_then(|v| self.template_value(v, context).ok())
            .and_then(|v| super::async_job::python_int(&v));
        match retries {
            Some(n) => 1 + n.max(0),
            None if until => 4,
            None => 1,
        }
    }

    /// Seconds between retries: `delay` (a float keyword, templated with
    /// the item's variables), 5 when unset.
    fn retry_delay(&self, context: &Jv) -> std::time::Duration {
        let seconds = self
            .task
            .keyword("delay")
            .and_then(|v| self.template_value(v, context).ok())
            .and_then(|v| match v {
                Value::Int(i) => Some(i as f64),
                Value::Float(f) => Some(f),
                Value::Str(s) => s.trim().parse().ok(),
                _ => None,
            })
            .unwrap_or(5.0);
        std::time::Duration::try_from_secs_f64(seconds.max(0.0)).unwrap_or_default()
    }

    fn context_with_result(&self, outcome: &Outcome, register: Option<&str>, extra: &Map) -> Jv {
        let mut extra = extra.clone();
        if let Some(name) = register {
            extra.insert(
                name.to_string(),
                Value::Map(crate::output::strip_internal_keys(&outcome.result)),
            );
        }
        self.context(extra)
    }

    pub(super) fn apply_changed_failed_when(
        &self,
        outcome: &mut Outcome,
        register: Option<&str>,
        extra: &Map,
    ) -> Result<(), TaskError> {
        let changed_when = self.task.keyword("changed_when").cloned();
        let failed_when = self.task.keyword("failed_when").cloned();
        if changed_when.is_none() && failed_when.is_none() {
            return Ok(());
        }
        let templar = &self.shared.templar;
        if let Some(cond) = changed_when.filter(|c| !matches!(c, Value::Null)) {
            let context = self.context_with_result(outcome, register, extra);
            let conds = as_list(&cond);
            let all = conditional::first_false(
                templar,
                &conds,
                &context,
                self.keyword_origin("changed_when").as_ref(),
            );
            match all {
                Ok(false_cond) => {
                    outcome
                        .result
                        .insert("changed".into(), Value::Bool(false_cond.is_none()));
                }
                Err(e) => {
                    outcome.result.insert("failed".into(), Value::Bool(true));
                    outcome
                        .result
                        .insert("changed_when_result".into(), Value::str(e.message));
                    return Ok(());
                }
            }
        }
        if let Some(cond) = failed_when.filter(|c| !matches!(c, Value::Null)) {
            let context = self.context_with_result(outcome, register, extra);
            // failed_when is true when any condition holds.
            let conds = as_list(&cond);
            let mut failed = false;
            for c in &conds {
                match conditional::holds(
                    templar,
                    c,
                    &context,
                    self.keyword_origin("failed_when").as_ref(),
                ) {
                    Ok(true) => {
                        failed = true;
                        break;
                    }
                    Ok(false) => {}
                    Err(e) => {
                        outcome.result.insert("failed".into(), Value::Bool(true));
                        outcome
                            .result
                            .insert("failed_when_result".into(), Value::str(e.message));
                        return Ok(());
                    }
                }
            }
            outcome
                .result
                .insert("failed_when_result".into(), Value::Bool(failed));
            outcome.result.insert("failed".into(), Value::Bool(failed));
            if !failed && let Some(exception) = outcome.result.shift_remove("exception") {
                outcome
                    .result
                    .insert("failed_when_suppressed_exception".into(), exception);
                outcome.error = None;
            }
        }
        Ok(())
    }

    fn until_holds(&self, outcome: &Outcome, register: Option<&str>, extra: &Map) -> bool {
        let context = self.context_with_result(outcome, register, extra);
        let conds = match self.task.keyword("until") {
            Some(c) => as_list(c),
            None => vec![Value::Bool(!outcome.flag("failed"))],
        };
        matches!(
            conditional::first_false(&self.shared.templar, &conds, &context, None),
            Ok(None)
        )
    }

    /// The `environment` keyword for this run, as ansible post-validates
    /// it: each entry templated on its own (an omitted one dropped, one
    /// that reads the not yet gathered `ansible_env` skipped), list items
    /// that are not mappings skipped with a warning (when `warn`).
    pub(super) fn task_environment(&self, context: &Jv, warn: bool) -> Result<Map, String> {
        let chain = self.scope.environment_chain(Some(self.task));
        let mut env = Map::new();
        let is_omit = |v: &Value| matches!(v, Value::Str(s) if s == OMIT_TOKEN);
        for item in &chain {
            match item {
                Value::Map(entries) => {
                    for (key, raw) in entries {
                        match self.template_value(raw, context) {
                            Ok(value) if is_omit(&value) => {}
                            Ok(value) => {
                                env.insert(key.clone(), strip_omitted(value));
                            }
                            Err(e) if reads_ungathered_env(&e) => {}
                            Err(e) => return Err(e),
                        }
                    }
                }
                other => match self.template_value(other, context)? {
                    value if is_omit(&value) => {}
                    Value::Map(entries) => {
                        env.extend(entries.into_iter().filter(|(_, v)| !is_omit(v)));
                    }
                    _ if warn => crate::cli::display::warning(&format!(
                        "could not parse environment value, skipping: {}",
                        Value::List(chain.clone()).python_repr()
                    )),
                    _ => {}
                },
            }
        }
        Ok(env)
    }

    /// The task's arguments, templated, with `omit` values dropped.
    pub(super) fn template_args(&self, action: &str, context: &Jv) -> Result<Map, TaskError> {
        let short = actions::short_name(action);
        let splat = self
            .args_from_template(short, context)
            .map_err(|e| self.args_finalization_error(action, e))?;
        let splat_key = splat.as_ref().map(|(key, _)| *key);
        let mut out = splat.map(|(_, args)| args).unwrap_or_default();
        for (name, raw) in &self.task.args {
            if splat_key == Some(name.as_str()) {
                continue;
            }
            // Expressions that the action evaluates itself.
            // set_fact keeps a `!vault` value encrypted, as ansible's
            // EncryptedString stays one (`x is vault_encrypted`).
            let keep_raw = (short == "debug"
                && name == "var"
                && !matches!(raw, Value::Str(s) if crate::templating::render::is_template(s)))
                || (short == "assert" && name == "that")
                || (short == "set_fact" && matches!(raw, Value::Vault(_)));
            if keep_raw {
                out.insert(name.clone(), raw.clone());
                continue;
            }
            // Warnings raised while templating point at this argument.
            let _origin = self.arg_origin(name).map(|origin| {
                crate::templating::lookups::WarningOriginGuard::enter(std::rc::Rc::new(move || {
                    origin.context()
                }))
            });
            crate::templating::lookups::take_failed_variable();
            crate::templating::lookups::take_error_cause();
            let value = self.template_value(raw, context).map_err(|message| {
                self.pointing_at_failed_variable(self.finalization_error(
                    action,
                    format!("Error while resolving value for '{name}': {message}"),
                    self.arg_origin(name),
                ))
            })?;
            if matches!(&value, Value::Str(s) if s == OMIT_TOKEN) {
                continue;
            }
            // A templated `var` names a variable only when the template
            // passes a trusted string through (`{{ item }}`); text the
            // template made (`{{ "name" }}`) is not trusted, as in 2.19.
            let value = match value {
                Value::Str(text) if short == "debug" && name == "var" && !passes_through(raw) => {
                    Value::Unsafe(text)
                }
                other => other,
            };
            out.insert(name.clone(), strip_omitted(value));
        }
        self.with_module_defaults(action, out, context)
    }

    /// The task's arguments over the module_defaults that apply to its
    /// action (ansible's TaskArgsFinalizer layers): a default keeps its
    /// place, the task's value wins; defaults are templated like
    /// arguments, a whole-template entry (`ping: "{{ x }}"`) to a mapping.
    fn with_module_defaults(
        &self,
        action: &str,
        args: Map,
        context: &Jv,
    ) -> Result<Map, TaskError> {
        let Some(target) = &self.task.defaults_action else {
            return Ok(args);
        };
        let written = |name: &str| self.task.args.contains_key(name);
        self.apply_module_defaults(target, action, args, &written, context)
    }

    /// `_apply_action_arg_defaults`: the module_defaults of `module` (a
    /// module an action runs itself, like gather_facts' setup) under the
    /// arguments the action gives it.
    pub(super) fn module_args_with_defaults(
        &self,
        module: &str,
        args: Map,
        context: &Jv,
    ) -> Result<Map, TaskError> {
        let target = self
            .shared
            .load_options
            .resolver
            .module_of(module, &[])
            .unwrap_or_else(|| module.to_string());
        let given: Vec<String> = args.keys().cloned().collect();
        let written = |name: &str| given.iter().any(|k| k == name);
        self.apply_module_defaults(&target, module, args, &written, context)
    }

    /// Defaults that apply to `target`, templated, with `args` over them;
    /// `written` says which names the arguments set (those defaults are
    /// not templated).
    fn apply_module_defaults(
        &self,
        target: &str,
        action: &str,
        args: Map,
        written: &dyn Fn(&str) -> bool,
        context: &Jv,
    ) -> Result<Map, TaskError> {
        let mut layers: Vec<&Value> = self.scope.module_defaults.iter().collect();
        if let Some(own) = self.task.keyword("module_defaults") {
            layers.push(own);
        }
        let applicable = crate::playbook::model::module_defaults::applicable(&layers, target);
        if applicable.is_empty() {
            return Ok(args);
        }
        let failed = |name: &str, message: String| {
            self.finalization_error(
                action,
                format!("Error while resolving value for '{name}': {message}"),
                None,
            )
        };
        let mut defaults = Map::new();
        for entry in applicable {
            let entries = match entry {
                Value::Map(map) => map,
                Value::Str(_) => match self.template_value(&entry, context) {
                    Ok(Value::Map(map)) => map,
                    Ok(other) => {
                        return Err(TaskError::new(format!(
                            "Task args must resolve to a 'dict' not '{}'.",
                            other.python_type_name()
                        )));
                    }
                    Err(message) => return Err(TaskError::new(message)),
                },
                _ => Map::new(),
            };
            for (k, v) in entries {
                defaults.insert(k, v);
            }
        }
        let mut merged = Map::new();
        for (name, raw) in defaults {
            if written(&name) {
                if let Some(own) = args.get(&name) {
                    merged.insert(name, own.clone());
                }
                continue;
            }
            let value = self
                .template_value(&raw, context)
                .map_err(|message| self.pointing_at_failed_variable(failed(&name, message)))?;
            if matches!(&value, Value::Str(s) if s == OMIT_TOKEN) {
                continue;
            }
            merged.insert(name, strip_omitted(value));
        }
        for (name, value) in args {
            merged.insert(name, value);
        }
        Ok(merged)
    }

    /// `action: '{{ args_dict }}'`: for an action without free-form
    /// arguments, a `_raw_params` that is all template resolves to the
    /// mapping of its arguments, below the ones written beside it
    /// (ansible's TaskArgsFinalizer layers).
    /// `args: '{{ args_dict }}'` likewise (`_variable_params`), where an
    /// omitted value means no arguments. Gives the argument the mapping
    /// came from and the mapping.
    fn args_from_template(
        &self,
        short: &str,
        context: &Jv,
    ) -> Result<Option<(&'static str, Map)>, TaskError> {
        let (key, text) = match (
            self.task.args.get("_variable_params"),
            self.task.args.get("_raw_params"),
        ) {
            (Some(Value::Str(text)), _) => ("_variable_params", text),
            (_, Some(Value::Str(text)))
                if !supports_raw_params(short) && conditional::is_possibly_all_template(text) =>
            {
                ("_raw_params", text)
            }
            _ => return Ok(None),
        };
        if self.shared.factory.store.injects_facts_as_vars() {
            let origin = self.arg_origin(key).map(|o| format!("\n{}\n", o.context()));
            crate::cli::display::warning(&format!(
                "Using a template for task args is unsafe in some situations (see https://docs.ansible.com/ansible/devel/reference_appendices/faq.html#argsplat-unsafe).{}",
                origin.unwrap_or_default()
            ));
        }
        match self.template_value(&Value::Str(text.clone()), context) {
            Ok(Value::Map(map)) => Ok(Some((
                key,
                map.into_iter()
                    .filter(|(_, v)| !matches!(v, Value::Str(s) if s == OMIT_TOKEN))
                    .collect(),
            ))),
            Ok(Value::Str(s)) if s == OMIT_TOKEN => Ok(Some((key, Map::new()))),
            Ok(other) => Err(TaskError::at(
                format!(
                    "Task args must resolve to a 'dict' not '{}'.",
                    other.python_type_name()
                ),
                self.arg_origin(key),
            )),
            Err(message) => Err(TaskError::at(message, self.arg_origin(key))),
        }
    }

    /// A failure of the whole arguments' templating, as ansible's
    /// "Finalization of task args" stage.
    fn args_finalization_error(&self, action: &str, error: TaskError) -> TaskError {
        self.pointing_at_failed_variable(self.finalization_error(
            action,
            error.message,
            error.origin,
        ))
    }

    /// An error of ansible's "Finalization of task args" stage (at the
    /// task's arguments), caused by `message` written at `origin`.
    fn finalization_error(
        &self,
        action: &str,
        message: String,
        origin: Option<Origin>,
    ) -> TaskError {
        TaskError::in_stage(
            format!(
                "Finalization of task args for '{}' failed",
                resolved_action_label(action)
            ),
            self.task
                .args_span
                .map(|span| Origin::new(&self.task.origin.file, span)),
            message,
            origin,
        )
    }

    /// `error` with, as its innermost level, the definition of the
    /// variable whose value failed to template (when the templating that
    /// raised it recorded one and its layer knows where it was written).
    pub(super) fn pointing_at_failed_variable(&self, error: TaskError) -> TaskError {
        let error = match crate::templating::lookups::take_error_cause() {
            Some(cause) => error.caused_by_bare(&cause.message, cause.help.as_deref()),
            None => error,
        };
        let Some((name, message)) = crate::templating::lookups::take_failed_variable() else {
            return error;
        };
        match self.definition_of(&name) {
            Some(definition) => error.caused_by_variable(&message, definition),
            None => error,
        }
    }

    /// Where the task's variable `name` was defined, when known.
    pub(super) fn definition_of(&self, name: &str) -> Option<Origin> {
        let store = &self.shared.factory.store;
        store.origin_of(Some(self.play), self.host, Some(&self.task_scope()), name)
    }

    /// Where an argument's value was written.
    fn arg_origin(&self, name: &str) -> Option<Origin> {
        self.task
            .arg_spans
            .get(name)
            .map(|span| Origin::new(&self.task.origin.file, *span))
    }

    /// Sleep `period`, or until the task's `timeout` runs out (false then).
    pub(super) fn sleep_within_deadline(&self, period: std::time::Duration) -> bool {
        let Some(deadline) = self.deadline.get() else {
            std::thread::sleep(period);
            return true;
        };
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        std::thread::sleep(period.min(left));
        period < left
    }

    /// The deadline of module calls made from now on (`timeout`).
    pub(super) fn set_deadline(&self, deadline: Option<std::time::Instant>) {
        self.deadline.set(deadline);
    }

    /// The action itself; a module call becomes a background job of
    /// `async_limit` seconds when given (the result is the job's start).
    pub(super) fn run_action(
        &self,
        action: &str,
        args: Map,
        context: &Jv,
        async_limit: Option<u64>,
    ) -> Outcome {
        // A project's or collection's Python action plugin (never one with
        // a builtin action's name).
        if let Some((name, path)) = self.shared.action_plugins.find(action) {
            return self.action_plugin_action(&name, &path, args, context, async_limit);
        }
        let short = actions::short_name(action);
        // ansible's shell action refuses the command module's own option.
        if short == "shell" && args.contains_key("expand_argument_vars") {
            let msg = format!(
                "Unsupported parameters for ({}) module: expand_argument_vars",
                self.task.action
            );
            let mut result = Map::new();
            result.insert("failed".into(), Value::Bool(true));
            result.insert("msg".into(), Value::str(msg.as_str()));
            result.insert("exception".into(), Value::str("(traceback unavailable)"));
            return Outcome {
                result,
                error: Some(TaskError::new(msg.clone()).report(&self.task.origin)),
            };
        }
        if super::inventory_actions::is_inventory_action(short) {
            let arg_origin = |name: &str| self.arg_origin(name);
            return super::inventory_actions::run(
                short,
                super::inventory_actions::InventoryActionInput {
                    action: &self.task.action,
                    args,
                    task_origin: &self.task.origin,
                    arg_origin: &arg_origin,
                },
            );
        }
        if actions::is_controller_action(action) {
            if args.contains_key("_raw_params") && actions::short_name(action) != "include_vars" {
                let e = TaskError::new(format!(
                    "Action '{}' does not support raw params.",
                    full_action_name(action)
                ));
                return Outcome::from_error(&e, &self.task.origin);
            }
            if let Some(msg) = actions::invalid_arguments(&self.task.action, &args) {
                return super::package::action_failure(&msg, &self.task.origin);
            }
            let search_path = self.search_path();
            let definition_of = |name: &str| self.definition_of(name);
            let input = ActionInput {
                templar: &self.shared.templar,
                context,
                verbosity: self.shared.verbosity,
                args,
                raw_args: &self.task.args,
                origin: &self.task.origin,
                arg_spans: &self.task.arg_spans,
                search_path: &search_path,
                vault: self.shared.factory.vault.as_deref(),
                role_path: self.scope.role.as_ref().map(|r| r.path.as_path()),
                hash: self.shared.factory.store.hash_behaviour(),
                deadline: self.deadline.get(),
                definition_of: &definition_of,
            };
            crate::templating::lookups::take_failed_variable();
            return match actions::run(action, input) {
                Ok(result) => Outcome {
                    result,
                    error: None,
                },
                Err(e) => {
                    Outcome::from_error(&self.pointing_at_failed_variable(e), &self.task.origin)
                }
            };
        }
        if actions::short_name(action) == "script" {
            return self.script_action(args, context);
        }
        if actions::short_name(action) == "assemble" {
            return self.assemble_action(args, context);
        }
        if matches!(actions::short_name(action), "copy" | "template") {
            let mut outcome = self.transfer_action(action, args, context);
            add_output_lines(&mut outcome.result);
            return outcome;
        }
        // An async uri runs as a plain module (its uploads would be gone
        // before the job reads them).
        if actions::short_name(action) == "uri" && async_limit.is_none() {
            return self.uri_action(action, args, context);
        }
        // (An async unarchive was refused before: its action does not
        // support async.)
        if actions::short_name(action) == "unarchive" {
            return self.unarchive_action(action, args, context);
        }
        match actions::short_name(action) {
            "gather_facts" => return self.gather_facts_action(args, context),
            "reboot" => return self.reboot_action(args, context, async_limit.is_some()),
            "validate_argument_spec" => return self.validate_argument_spec_action(args, context),
            "fetch" => return self.fetch_action(args, context),
            "wait_for_connection" => return self.wait_for_connection_action(args, context),
            _ => {}
        }
        // `package` runs the host's package manager module in its place,
        // `service` its service manager module.
        let is_package = actions::short_name(action) == "package";
        // A `library/` module named yum still runs through the dnf action
        // (ansible finds the action by the task's name, redirected).
        let is_dnf = matches!(actions::short_name(action), "dnf" | "yum");
        let mut action_warnings = Vec::new();
        let mut action_result = Map::new();
        let (action, args) = if is_package {
            match self.package_backend(args, context) {
                Ok((module, args)) => (module, args),
                Err(outcome) => return outcome,
            }
        } else if is_dnf {
            match self.dnf_backend(args, context) {
                Ok(backend) => {
                    action_result = backend.result;
                    (backend.module, backend.args)
                }
                Err(outcome) => return outcome,
            }
        } else if actions::short_name(action) == "service" {
            let backend = self.service_backend(args, context, &self.search_dirs("library"));
            action_warnings = backend.warnings;
            (backend.module, backend.args)
        } else {
            (action.to_string(), args)
        };
        let action = action.as_str();
        if let Err(e) = self.module_rlimit_nofile(action, context) {
            return Outcome::from_error(&e, &self.task.origin);
        }
        let mut request = self.module_request(action, args, context);
        if let Some(user) = removed_account(action, &request.args) {
            self.shared.modules.retire_account(&request, &user);
        }
        if let Some(time_limit) = async_limit {
            request.async_job = Some(crate::transport::AsyncJob {
                time_limit,
                dir: Self::async_dir(&request),
            });
        }
        let mut result = self.shared.modules.run(request);
        if is_package && let Some(missing) = super::package::missing_backend(action, &result) {
            return super::package::action_failure(&missing, &self.task.origin);
        }
        if is_dnf {
            if let Some(missing) = super::dnf::missing_backend(action, &result) {
                let mut result = action_result;
                result.insert("failed".into(), Value::Bool(true));
                result.insert("msg".into(), Value::str(missing.as_str()));
                return Outcome {
                    result,
                    error: Some(failed_result_report("Action", &missing, &self.task.origin)),
                };
            }
            // The module's result is laid over what the action set.
            action_result.extend(result);
            result = action_result;
        }
        if !action_warnings.is_empty() {
            // What the action warned comes before the module's warnings.
            if let Some(Value::List(more)) = result.get("warnings") {
                action_warnings.extend(more.iter().cloned());
            }
            result.insert("warnings".into(), Value::List(action_warnings));
        }
        // ansible's normal action keeps setup's facts out of -v output.
        if actions::short_name(action) == "setup" {
            result.insert("_ansible_verbose_override".into(), Value::Bool(true));
        }
        // ansible marks every async start changed (whatever the module
        // will do).
        if async_limit.is_some() && !result.contains_key(super::TIMED_OUT) {
            result.insert("changed".into(), Value::Bool(true));
        }
        add_output_lines(&mut result);
        Outcome {
            result,
            error: None,
        }
    }

    /// The task's search path's `sub` dirs that exist (`library`,
    /// `module_utils`).
    pub(super) fn search_dirs(&self, sub: &str) -> Vec<std::path::PathBuf> {
        self.scope
            .search_path
            .iter()
            .map(|d| d.join(sub))
            .filter(|d| d.is_dir())
            .collect()
    }

    /// Where a task's modules are looked for before the configured
    /// library: every playbook's and loaded role's `library/`, first loaded
    /// first, as ansible's module loader keeps them for the whole run (a
    /// play's task finds a role's module); then those of the task's own
    /// search path not among them (a role included at run time).
    fn library_dirs(&self) -> Vec<std::path::PathBuf> {
        let mut dirs = self
            .shared
            .load_options
            .resolver
            .plugin_module_dirs()
            .to_vec();
        for dir in self.search_dirs("library") {
            if !dirs.contains(&dir) {
                dirs.push(dir);
            }
        }
        dirs
    }

    /// Where and how a module call runs: connection settings (variables over
    /// keywords, as ansible ranks them), via hops, environment, library dirs.
    pub(super) fn module_request(&self, action: &str, args: Map, context: &Jv) -> ModuleRequest {
        let delegate = self
            .keyword("delegate_to")
            .or(self.task.delegate_to.as_ref())
            .and_then(|v| self.template_value(v, context).ok())
            .map(|v| v.python_str())
            .filter(|d| !d.is_empty() && d != self.host);
        let (target, target_vars) = match &delegate {
            Some(d) => (d.clone(), hostvars_of(context, d)),
            // The host's own variables, without the connection defaults
            // the task's context adds: those would hide `ansible_ssh_*`
            // and keyword values from the connection spec.
            None => (
                self.host.to_string(),
                Some(self.shared.factory.context(
                    self.play,
                    self.host,
                    Some(&self.task_scope()),
                    Map::new(),
                )),
            ),
        };
        let mut connection = self.shared.connection_defaults.clone();
        for (keyword, var) in [
            ("connection", "ansible_connection"),
            ("remote_user", "ansible_user"),
            ("port", "ansible_port"),
            ("become", "ansible_become"),
            ("become_user", "ansible_become_user"),
            ("become_method", "ansible_become_method"),
            ("become_flags", "ansible_become_flags"),
            ("become_exe", "ansible_become_exe"),
        ] {
            if let Some(value) = self.connection_keyword(keyword, context) {
                connection.insert(var.to_string(), value);
            }
        }
        match &target_vars {
            Some(vars) => connection_vars(vars, &mut connection),
            None if matches!(delegate.as_deref(), Some("localhost" | "127.0.0.1")) => {
                // The implicit localhost: local, with the controller's
                // Python (`ansible_playbook_python`), as ansible makes it.
                connection.insert("ansible_connection".into(), Value::str("local"));
                if let Ok(python) = context.get_attr("ansible_playbook_python")
                    && let Some(python) = python.as_str()
                {
                    connection.insert("ansible_python_interpreter".into(), Value::str(python));
                }
            }
            None => {}
        }
        let mut via = Vec::new();
        let mut next = connection.get("mitogen_via").map(Value::python_str);
        let mut seen = vec![target.clone()];
        while let Some(hop) = next.take() {
            let (user, name) = match hop.rsplit_once('@') {
                Some((u, h)) => (Some(u.to_string()), h.to_string()),
                None => (None, hop.clone()),
            };
            if seen.contains(&name) {
                break;
            }
            seen.push(name.clone());
            let mut hop_vars = Map::new();
            if let Some(vars) = hostvars_of(context, &name) {
                connection_vars(&vars, &mut hop_vars);
            }
            if let Some(user) = user {
                hop_vars.insert("ansible_user".into(), Value::str(user));
            }
            next = hop_vars.get("mitogen_via").map(Value::python_str);
            via.insert(0, (name, hop_vars));
        }
        // Failures were reported before the action ran (action_limits).
        let environment = self.task_environment(context, false).unwrap_or_default();
        let dirs = |sub: &str| self.search_dirs(sub);
        let fork = connection
            .get("mitogen_task_isolation")
            .is_some_and(|v| v.python_str() == "fork");
        let interpreters = connection
            .iter()
            .filter_map(|(k, v)| {
                let name = k.strip_prefix("ansible_")?.strip_suffix("_interpreter")?;
                (name != "python").then(|| (name.to_string(), v.python_str()))
            })
            .collect();
        let report_interpreter = !connection.contains_key("ansible_python_interpreter")
            && context
                .get_attr("ansible_facts")
                .ok()
                .and_then(|f| f.get_attr("discovered_interpreter_python").ok())
                .is_none_or(|v| v.is_undefined());
        ModuleRequest {
            host: target,
            action: full_action_name(action),
            args,
            connection,
            via,
            check_mode: self.check_mode(context),
            diff: self.diff_mode(context),
            // A no_log that cannot be evaluated hides the arguments too.
            no_log: self.task_no_log(context).unwrap_or(true),
            verbosity: self.shared.verbosity,
            environment,
            library_dirs: self.library_dirs(),
            module_utils_dirs: dirs("module_utils"),
            fork,
            interpreters,
            report_interpreter,
            uploads: Vec::new(),
            async_job: None,
            deadline: self.deadline.get(),
            // Errors were reported before the module ran (run_action).
            rlimit_nofile: self.module_rlimit_nofile(action, context).unwrap_or(0),
        }
    }
}

/// `stdout_lines`/`stderr_lines` next to `stdout`/`stderr`, as ansible's
/// action layer adds them to every module result.
pub(super) fn add_output_lines(result: &mut Map) {
    for (text_key, lines_key) in [("stdout", "stdout_lines"), ("stderr", "stderr_lines")] {
        if result.contains_key(lines_key) {
            continue;
        }
        let Some(source) = result.get(text_key) else {
            continue;
        };
        // Lines of untrusted output stay untrusted (never templated).
        let untrusted = matches!(source, Value::Unsafe(_));
        if let Some(text) = source.as_str() {
            let lines = python_splitlines(text)
                .into_iter()
                .map(|line| {
                    if untrusted {
                        Value::Unsafe(line.to_string())
                    } else {
                        Value::str(line)
                    }
                })
                .collect();
            result.insert(lines_key.to_string(), Value::List(lines));
        }
    }
}

/// Python's `str.splitlines()`.
pub fn python_splitlines(text: &str) -> Vec<&str> {
    let is_break = |c: char| {
        matches!(
            c,
            '\n' | '\r'
                | '\x0b'
                | '\x0c'
                | '\x1c'
                | '\x1d'
                | '\x1e'
                | '\u{85}'
                | '\u{2028}'
                | '\u{2029}'
        )
    };
    let mut lines = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if is_break(c) {
            lines.push(&text[start..i]);
            let mut end = i + c.len_utf8();
            if c == '\r'
                && let Some(&(j, '\n')) = chars.peek()
            {
                chars.next();
                end = j + 1;
            }
            start = end;
        }
    }
    if start < text.len() {
        lines.push(&text[start..]);
    }
    lines
}

/// The template context of another host (`hostvars[name]`), if known.
fn hostvars_of(context: &Jv, name: &str) -> Option<Jv> {
    let hostvars = context.get_attr("hostvars").ok()?;
    let vars = hostvars.get_item(&Jv::from(name)).ok()?;
    (!vars.is_undefined()).then_some(vars)
}

/// Copy the connection variables (`ansible_*`, `mitogen_*`, `mitorun_*`) of a context,
/// rendering only those; ones that fail to render are left out.
fn connection_vars(vars: &Jv, out: &mut Map) {
    let Ok(keys) = vars.try_iter() else {
        return;
    };
    for key in keys {
        let Some(name) = key.as_str() else { continue };
        if !(name.starts_with("ansible_")
            || name.starts_with("mitogen_")
            || name.starts_with("mitorun_"))
            || name == "ansible_facts"
        {
            continue;
        }
        if let Ok(value) = vars.get_item(&key)
            && !value.is_undefined()
        {
            out.insert(name.to_string(), from_jinja(&value));
        }
    }
}

/// The account a `user` task removes (`state: absent`), if it does.
pub(super) fn removed_account(action: &str, args: &Map) -> Option<String> {
    if actions::short_name(action) != "user"
        || args.get("state").map(Value::python_str).as_deref() != Some("absent")
    {
        return None;
    }
    args.get("name")
        .or_else(|| args.get("user"))
        .map(Value::python_str)
}

/// `ansible.builtin.X` for short builtin names, as ansible names actions in
/// messages.
pub fn full_action_name(action: &str) -> String {
    if action.contains('.') {
        action.to_string()
    } else {
        format!("ansible.builtin.{action}")
    }
}

/// Whether `raw` is a template that only passes a variable's value on
/// (`{{ name }}`, `{{ name.attr }}`).
fn passes_through(raw: &Value) -> bool {
    let Value::Str(text) = raw else {
        return false;
    };
    text.trim()
        .strip_prefix("{{")
        .and_then(|t| t.strip_suffix("}}"))
        .is_some_and(|expr| conditional::is_variable_path(expr.trim()))
}

/// An `environment` entry that failed because it reads facts not gathered
/// yet: ansible skips it (its test matches the names in any action).
fn reads_ungathered_env(error: &str) -> bool {
    let undefined =
        error.contains("is undefined") || crate::templating::lookups::is_undef_hint(error);
    undefined && (error.contains("ansible_env") || error.contains("ansible_facts.env"))
}

/// The name ansible's errors give a resolved action: a project's own
/// module or action plugin (`ansible.legacy.x`, found in `library/` or
/// `action_plugins/`) by its plain name, a builtin by its FQCN.
fn resolved_action_label(action: &str) -> String {
    match action.strip_prefix("ansible.legacy.") {
        Some(plain) => plain.to_string(),
        None => full_action_name(action),
    }
}

fn strip_omitted(value: Value) -> Value {
    match value {
        Value::Map(map) => Value::Map(
            map.into_iter()
                .filter(|(_, v)| !matches!(v, Value::Str(s) if s == OMIT_TOKEN))
                .map(|(k, v)| (k, strip_omitted(v)))
                .collect(),
        ),
        Value::List(items) => Value::List(
            items
                .into_iter()
                .filter(|v| !matches!(v, Value::Str(s) if s == OMIT_TOKEN))
                .map(strip_omitted)
                .collect(),
        ),
        other => other,
    }
}

fn as_list(value: &Value) -> Vec<Value> {
    match value {
        Value::List(items) => items.clone(),
        other => vec![other.clone()],
    }
}

pub(super) fn skipped(condition: Value) -> Outcome {
    let mut result = Map::new();
    result.insert("changed".into(), Value::Bool(false));
    result.insert("skipped".into(), Value::Bool(true));
    result.insert(
        "skip_reason".into(),
        Value::str("Conditional result was False"),
    );
    result.insert("false_condition".into(), condition);
    Outcome {
        result,
        error: None,
    }
}

fn loop_info(items: &[Value], index: usize, allitems: bool) -> Value {
    let len = items.len() as i64;
    let i = index as i64;
    let mut info = Map::new();
    info.insert("index".into(), Value::Int(i + 1));
    info.insert("index0".into(), Value::Int(i));
    info.insert("first".into(), Value::Bool(index == 0));
    info.insert("last".into(), Value::Bool(i + 1 == len));
    info.insert("length".into(), Value::Int(len));
    info.insert("revindex".into(), Value::Int(len - i));
    info.insert("revindex0".into(), Value::Int(len - i - 1));
    if allitems {
        info.insert("allitems".into(), Value::List(items.to_vec()));
    }
    if let Some(next) = items.get(index + 1) {
        info.insert("nextitem".into(), next.clone());
    }
    if index > 0 {
        info.insert("previtem".into(), items[index - 1].clone());
    }
    Value::Map(info)
}

/// The task result of a loop (`TaskExecutor.run`): `changed` if any item
/// changed, `failed` if any failed, `skipped` if all were skipped.
fn loop_overall(items: &[Outcome]) -> Outcome {
    let mut result = Map::new();
    let mut skipped = true;
    let mut failed = false;
    let mut changed = false;
    let mut no_log = false;
    let mut unreachable = false;
    for item in items {
        no_log |= item.flag("_ansible_no_log");
        unreachable |= item.flag("unreachable");
        changed |= item.flag("changed");
        if !item.flag("skipped") {
            skipped = false;
        }
        failed |= item.flag("failed");
    }
    if no_log {
        result.insert("_ansible_no_log".into(), Value::Bool(true));
    }
    if changed {
        result.insert("changed".into(), Value::Bool(true));
    }
    if failed {
        result.insert("failed".into(), Value::Bool(true));
        result.insert("msg".into(), Value::str("One or more items failed"));
    } else {
        result.insert("msg".into(), Value::str("All items completed"));
    }
    if skipped {
        result.insert("msg".into(), Value::str("All items skipped"));
    }
    // An unreachable item makes the host unreachable for the task.
    if unreachable {
        result.insert("unreachable".into(), Value::Bool(true));
    }
    result.insert(
        "results".into(),
        Value::List(items.iter().map(|o| Value::Map(o.result.clone())).collect()),
    );
    result.insert("skipped".into(), Value::Bool(skipped));
    if !result.contains_key("changed") {
        result.insert("changed".into(), Value::Bool(false));
    }
    Outcome {
        result,
        error: None,
    }
}

/// Actions that take free-form arguments (ansible's RAW_PARAM_MODULES).
fn supports_raw_params(short: &str) -> bool {
    matches!(
        short,
        "include_vars"
            | "include_tasks"
            | "include_role"
            | "import_tasks"
            | "import_role"
            | "add_host"
            | "group_by"
            | "set_fact"
            | "meta"
            | "command"
            | "shell"
            | "raw"
            | "script"
            | "win_command"
            | "win_shell"
    )
}
