//! A loop's items sent to the target together (DESIGN.md §5 "Loops"):
//! when each item is one plain module call, the items are prepared ahead
//! (`when`, arguments, the request), sent at once through
//! `ModuleRunner::run_in_order` (the transport puts them in one agent
//! queue, so they still run one after another, in order) and settled and
//! reported one by one as their results come: one round trip for the
//! loop instead of one per item.
//!
//! Preparing item N before item N-1 has run is only sound when nothing
//! the preparation reads depends on earlier items. What could:
//! - the registered variable, which ansible sets to each item's result
//!   for the next: later items are prepared with a stand-in for it
//!   (`NotYetRegistered`) that notes any use, and the batch ends before
//!   the first item that used it (that item is prepared again, with the
//!   real value, when its turn comes);
//! - facts an item returns: only modules that return none are batched
//!   (`FACTLESS_MODULES`, and not when a `library/` dir has a module of
//!   that name), and no request that reports the discovered interpreter;
//! - controller state read by a lookup (or `now()`), which an earlier item
//!   may change on a local target: a task whose own text calls one is not
//!   batched (a variable defined elsewhere that calls one is the gap).
//!
//! Loops with `until`/retries, a pause, `break_when`, a timeout, async,
//! delegation or an action plugin (copy, template ...) run item by item.

use super::ModuleRequest;
use super::actions;
use super::execute::{Outcome, TaskRun, add_output_lines, skipped};
use crate::value::{Map, Value};
use minijinja::value::{Enumerator, Object, ObjectRepr, Value as Jv};
use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Modules that never return `ansible_facts` and run as one call (no
/// action plugin around them).
const FACTLESS_MODULES: &[&str] = &[
    "command",
    "shell",
    "raw",
    "file",
    "stat",
    "lineinfile",
    "blockinfile",
    "replace",
    "ping",
    "slurp",
    "find",
    "tempfile",
];

/// Fewer calls than this are sent one by one (nothing to gain).
const MIN_BATCH_CALLS: usize = 2;

/// Items of a loop prepared and sent together, settled in order.
pub(super) struct LoopBatch<'r> {
    /// The loop index of the first entry.
    next_index: usize,
    entries: VecDeque<Entry>,
    results: Box<dyn Iterator<Item = Map> + 'r>,
}

enum Entry {
    /// Settled without a call (skipped by `when`, a templating error).
    Settled(Outcome),
    /// A module call of this action, result pending in `results`.
    Called(String),
}

impl LoopBatch<'_> {
    /// The outcome of loop item `index`, when this batch holds it (items
    /// are taken in order). `extra` is the item's real variables (the
    /// registered result of the item before it included), for
    /// changed_when/failed_when.
    pub(super) fn take(&mut self, run: &TaskRun, index: usize, extra: &Map) -> Option<Outcome> {
        if index != self.next_index {
            return None;
        }
        let entry = self.entries.pop_front()?;
        self.next_index += 1;
        Some(match entry {
            Entry::Settled(outcome) => outcome,
            Entry::Called(action) => {
                let mut result = self.results.next().unwrap_or_else(|| {
                    let mut lost = Map::new();
                    lost.insert("failed".into(), Value::Bool(true));
                    lost.insert("msg".into(), Value::str("the item's call gave no result"));
                    lost
                });
                add_output_lines(&mut result);
                run.settle_batched(&action, Outcome::plain(result), extra)
            }
        })
    }
}

/// Stands for the loop's registered variable while later items are
/// prepared before the earlier items' results exist. It is a mapping, as
/// the real value (a result) is, so `is defined`/`is mapping` answer as
/// they would; any look inside it marks it used.
#[derive(Debug)]
struct NotYetRegistered {
    used: Arc<AtomicBool>,
}

impl NotYetRegistered {
    fn mark(&self) {
        self.used.store(true, Ordering::Relaxed);
    }
}

impl Object for NotYetRegistered {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, _key: &Jv) -> Option<Jv> {
        self.mark();
        None
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        self.mark();
        Enumerator::Empty
    }

    fn enumerator_len(self: &Arc<Self>) -> Option<usize> {
        self.mark();
        Some(0)
    }

    fn is_true(self: &Arc<Self>) -> bool {
        self.mark();
        true
    }

    fn render(self: &Arc<Self>, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result
    where
        Self: Sized + 'static,
    {
        self.mark();
        f.write_str("{}")
    }
}

/// A string of the task that calls a lookup or `now()`.
fn calls_lookup(value: &Value) -> bool {
    match value {
        Value::Str(s) => ["lookup(", "query(", "q(", "now("]
            .iter()
            .any(|call| s.contains(call)),
        Value::List(items) => items.iter().any(calls_lookup),
        Value::Map(map) => map.values().any(calls_lookup),
        _ => false,
    }
}

/// A module named `short` in one of `dirs` (a `library/` module shadows
/// the builtin one and may return facts).
fn library_has(dirs: &[std::path::PathBuf], short: &str) -> bool {
    dirs.iter().any(|dir| {
        std::fs::read_dir(dir).is_ok_and(|entries| {
            entries
                .filter_map(Result::ok)
                .any(|entry| entry.path().file_stem().and_then(|s| s.to_str()) == Some(short))
        })
    })
}

impl<'a> TaskRun<'a> {
    /// Whether this loop's items may be batched at all (see the module
    /// doc): the same for every item.
    pub(super) fn loop_may_batch(&self, control: &Map) -> bool {
        let set = |key: &str| control.get(key).is_some_and(|v| !matches!(v, Value::Null));
        // Retries may differ per item (`retries` is templated with it).
        let retrying = ["until", "retries"].iter().any(|k| {
            self.task
                .keyword(k)
                .is_some_and(|v| !matches!(v, Value::Null))
        });
        if set("pause") || set("break_when") || retrying {
            return false;
        }
        if self.keyword("delegate_to").is_some() || self.task.delegate_to.is_some() {
            return false;
        }
        let action = self.action_name();
        let short = actions::short_name(&action);
        if !FACTLESS_MODULES.contains(&short) {
            return false;
        }
        if !action.starts_with("ansible.builtin.") {
            let mut library = self.search_dirs("library");
            if let Ok(dirs) = std::env::var("ANSIBLE_LIBRARY") {
                library.extend(
                    dirs.split(':')
                        .filter(|d| !d.is_empty())
                        .map(|d| std::path::PathBuf::from(crate::pypath::expanduser(d))),
                );
            }
            if library_has(&library, short) {
                return false;
            }
        }
        let task_text = self
            .task
            .args
            .values()
            .chain(self.task.keywords.values().map(|attr| &attr.value))
            .chain(self.scope.conditions(self.task).iter())
            .chain(self.scope.environment_chain(Some(self.task)).iter())
            .any(calls_lookup);
        !task_text && !self.task_scope().vars.values().any(calls_lookup)
    }

    /// Prepare the loop's items from `start` on and send those that can
    /// go together. `extra_of(index, registered)` gives an item's
    /// variables; the item at `start` gets the real registered value,
    /// later ones the stand-in. None when fewer than two calls would go.
    pub(super) fn start_loop_batch(
        &self,
        items: &[Value],
        start: usize,
        registered: Option<&Value>,
        extra_of: &dyn Fn(usize, Option<&Value>) -> Map,
    ) -> Option<LoopBatch<'a>> {
        let register = self.task.keyword("register").map(Value::python_str);
        let used = Arc::new(AtomicBool::new(false));
        let mut entries = VecDeque::new();
        let mut requests = Vec::new();
        for index in start..items.len() {
            let context = if index == start {
                self.context(extra_of(index, registered))
            } else {
                let objects = match &register {
                    Some(name) => vec![(
                        name.clone(),
                        Jv::from_object(NotYetRegistered { used: used.clone() }),
                    )],
                    None => Vec::new(),
                };
                self.context_with_objects(extra_of(index, None), objects)
            };
            let Some(prepared) = self.prepare_item(&context) else {
                break;
            };
            if used.load(Ordering::Relaxed) {
                break;
            }
            match prepared {
                Prepared::Settled(outcome) => entries.push_back(Entry::Settled(outcome)),
                Prepared::Call(action, request) => {
                    entries.push_back(Entry::Called(action));
                    requests.push(*request);
                }
            }
        }
        if requests.len() < MIN_BATCH_CALLS {
            return None;
        }
        Some(LoopBatch {
            next_index: start,
            entries,
            results: self.shared.modules.run_in_order(requests),
        })
    }

    /// An item's preparation as `run_once_in` does it up to the module
    /// call; None when this item cannot be batched.
    fn prepare_item(&self, context: &Jv) -> Option<Prepared> {
        let origin = &self.task.origin;
        match self.when_first_false(context) {
            Ok(Some(cond)) => return Some(Prepared::Settled(skipped(cond))),
            Ok(None) => {}
            Err(e) => return Some(Prepared::Settled(Outcome::from_error(&e, origin))),
        }
        let action = self.action_name();
        if let Some(e) = self.adhoc_unresolvable(&action) {
            return Some(Prepared::Settled(Outcome::from_error(&e, origin)));
        }
        let args = match self.template_args(&action, context) {
            Ok(args) => args,
            Err(e) => return Some(Prepared::Settled(Outcome::from_error(&e, origin))),
        };
        let limits = match self.action_limits(context) {
            Ok(limits) => limits,
            Err(e) => return Some(Prepared::Settled(Outcome::from_error(&e, origin))),
        };
        if limits.async_val != 0 || limits.timeout != 0 {
            return None;
        }
        // The shell action's own refusal (run_action) stays with the
        // one-by-one path.
        if actions::short_name(&action) == "shell" && args.contains_key("expand_argument_vars") {
            return None;
        }
        // A setting that fails is reported by the one-by-one path.
        if self.module_rlimit_nofile(&action, context).is_err() {
            return None;
        }
        // Removing an account stops its interpreters first (run_action).
        if super::execute::removed_account(&action, &args).is_some() {
            return None;
        }
        let request = self.module_request(&action, args, context);
        if request.report_interpreter || request.deadline.is_some() {
            return None;
        }
        Some(Prepared::Call(action, Box::new(request)))
    }

    /// A batched item's result settled as `run_once_in` settles a single
    /// attempt (no retries: batched loops have none).
    fn settle_batched(&self, action: &str, mut outcome: Outcome, extra: &Map) -> Outcome {
        let register = self.task.keyword("register").map(Value::python_str);
        match self.settle(&mut outcome, action, register.as_deref(), extra, None) {
            Ok(failed_by_module) => self.finish(outcome, action, failed_by_module),
            Err(e) => Outcome::from_error(&e, &self.task.origin),
        }
    }
}

enum Prepared {
    Settled(Outcome),
    Call(String, Box<ModuleRequest>),
}
