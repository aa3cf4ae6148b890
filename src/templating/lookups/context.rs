//! How lookups see the template's variables.
//!
//! A lookup called from a template gets minijinja's `State`, which finds
//! one variable by name (locals included) but cannot hand out the context
//! as a whole. Some lookups need the whole: `varnames` lists variable
//! names, `template` renders a file with every variable plus its own. So
//! the `Templar` records the context it renders with (and the template
//! text) for the duration of a render, on a per-thread stack
//! ([`ContextGuard`]); rendering is synchronous, so the top of the stack is
//! the render a lookup runs in.
//!
//! The same stack carries why a lookup gave an undefined value (`vars` of
//! a missing variable): ansible reports that reason when the value is
//! used, and `Templar` asks for it when a template ends undefined.

use minijinja::State;
use minijinja::value::{Enumerator, Object, ObjectRepr, Value as Jv};
use std::cell::RefCell;
use std::sync::Arc;

struct Frame {
    context: Jv,
    source: Option<String>,
}

thread_local! {
    static FRAMES: RefCell<Vec<Frame>> = const { RefCell::new(Vec::new()) };
    static TEMPLATE_DEPTH: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    static UNDEFINED_REASON: RefCell<Option<String>> = const { RefCell::new(None) };
    /// The innermost variable whose value failed to template, and the
    /// message it failed with.
    static FAILED_VARIABLE: RefCell<Option<(String, String)>> = const { RefCell::new(None) };
    /// The last lookup failure's cause that ansible shows as a level of
    /// its own (an exception raised while handling another), which the
    /// failure's message ends with.
    static ERROR_CAUSE: RefCell<Option<ErrorCause>> = const { RefCell::new(None) };
    /// The hints of `undef()` calls since the outermost render started.
    static UNDEF_HINTS: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
    /// Describes where the text being templated was written (`Origin:`
    /// and its snippet), for warnings that point at it.
    static WARNING_ORIGIN: RefCell<Option<std::rc::Rc<dyn Fn() -> String>>> =
        const { RefCell::new(None) };
}

/// While alive, warnings raised by templating point at this origin.
pub struct WarningOriginGuard {
    previous: Option<std::rc::Rc<dyn Fn() -> String>>,
}

impl WarningOriginGuard {
    /// `describe` gives ansible's `Origin: path:line:col` block with its
    /// source snippet; it runs only if a warning needs it.
    pub fn enter(describe: std::rc::Rc<dyn Fn() -> String>) -> WarningOriginGuard {
        let previous = WARNING_ORIGIN.with(|o| o.borrow_mut().replace(describe));
        WarningOriginGuard { previous }
    }
}

impl Drop for WarningOriginGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        WARNING_ORIGIN.with(|o| *o.borrow_mut() = previous);
    }
}

/// The origin block of what is being templated, if known.
pub(crate) fn warning_origin() -> Option<String> {
    WARNING_ORIGIN.with(|o| o.borrow().as_ref().map(|describe| describe()))
}

/// Records a render's context (and template text) while it lives.
pub struct ContextGuard {
    _private: (),
}

impl ContextGuard {
    /// A render with this context starts (no template text: lookup terms
    /// are never templated again).
    pub fn enter(context: &Jv) -> ContextGuard {
        ContextGuard::push(context, None)
    }

    /// A render of `source` with this context starts. The text is kept
    /// only when it may call a lookup (it is only needed then).
    pub fn enter_template(context: &Jv, source: &str) -> ContextGuard {
        let calls_lookup = ["lookup(", "query(", "q("]
            .iter()
            .any(|call| source.contains(call));
        ContextGuard::push(context, calls_lookup.then(|| source.to_string()))
    }

    fn push(context: &Jv, source: Option<String>) -> ContextGuard {
        FRAMES.with(|f| {
            let mut frames = f.borrow_mut();
            if frames.is_empty() {
                UNDEFINED_REASON.with(|r| r.borrow_mut().take());
                UNDEF_HINTS.with(|h| h.borrow_mut().clear());
            }
            frames.push(Frame {
                context: context.clone(),
                source,
            });
        });
        ContextGuard { _private: () }
    }
}

impl Drop for ContextGuard {
    fn drop(&mut self) {
        FRAMES.with(|f| {
            f.borrow_mut().pop();
        });
    }
}

/// How deeply `template` lookups may nest (a template that looks itself
/// up would otherwise exhaust the stack; ansible stops at Python's
/// recursion limit).
const MAX_TEMPLATE_DEPTH: usize = 16;

/// Marks one `template` lookup render in progress.
pub(crate) struct TemplateDepth {
    _private: (),
}

impl TemplateDepth {
    /// `None` when templates are nested too deeply.
    pub fn enter() -> Option<TemplateDepth> {
        TEMPLATE_DEPTH.with(|d| {
            if d.get() >= MAX_TEMPLATE_DEPTH {
                return None;
            }
            d.set(d.get() + 1);
            Some(TemplateDepth { _private: () })
        })
    }
}

impl Drop for TemplateDepth {
    fn drop(&mut self) {
        TEMPLATE_DEPTH.with(|d| d.set(d.get().saturating_sub(1)));
    }
}

fn current_context() -> Option<Jv> {
    FRAMES.with(|f| f.borrow().last().map(|fr| fr.context.clone()))
}

/// Whether `text` is written literally in the template being rendered
/// (so a lookup term equal to it is a constant of the template).
pub(crate) fn is_constant_of_template(text: &str) -> bool {
    FRAMES.with(|f| {
        f.borrow()
            .last()
            .and_then(|fr| fr.source.as_deref())
            .is_some_and(|src| src.contains(text))
    })
}

/// Remember why a lookup result is undefined.
pub(crate) fn set_undefined_reason(reason: &str) {
    UNDEFINED_REASON.with(|r| *r.borrow_mut() = Some(reason.to_string()));
}

/// An `undef(hint)` value was made: its use fails with `hint`.
pub(crate) fn set_undef_hint(hint: &str) {
    set_undefined_reason(hint);
    UNDEF_HINTS.with(|h| h.borrow_mut().push(hint.to_string()));
}

/// Is `message` the hint of an `undef()` made by the last render? Such a
/// failure is an undefined value to ansible (shown as a marker by `debug`'s
/// `var`), not an error.
pub fn is_undef_hint(message: &str) -> bool {
    UNDEF_HINTS.with(|h| {
        h.borrow()
            .iter()
            .any(|hint| message.ends_with(hint.as_str()))
    })
}

/// Remember that the value of variable `name` failed to template with
/// `message` (the error report then points at its definition).
pub(crate) fn set_failed_variable(name: &str, message: &str) {
    FAILED_VARIABLE.with(|f| *f.borrow_mut() = Some((name.to_string(), message.to_string())));
}

/// The variable whose value failed to template last, and its message,
/// once. Taking it before templating also forgets a stale one.
pub fn take_failed_variable() -> Option<(String, String)> {
    FAILED_VARIABLE.with(|f| f.borrow_mut().take())
}

/// The end of a lookup failure's message that ansible reports as a level
/// of its own below the lookup's (`<<< caused by >>>`, no origin).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorCause {
    /// The cause's text, which the failure's message ends with.
    pub message: String,
    /// Help text ansible shows after it in that level (not in the
    /// message): an option error's "Valid values are: ...".
    pub help: Option<String>,
}

/// Remember that the lookup failure being raised ends with `message`, an
/// error its library raised while handling another (urllib's
/// `<urlopen error ...>`).
pub(crate) fn set_error_cause(message: &str) {
    set_cause(ErrorCause {
        message: message.to_string(),
        help: None,
    });
}

/// Remember that the lookup failure being raised is `message`, an error
/// with help text (an invalid choice of an option), which ansible shows
/// below "The lookup plugin 'x' failed.".
pub(crate) fn set_error_cause_with_help(message: &str, help: &str) {
    set_cause(ErrorCause {
        message: message.to_string(),
        help: Some(help.to_string()),
    });
}

fn set_cause(cause: ErrorCause) {
    ERROR_CAUSE.with(|c| *c.borrow_mut() = Some(cause));
}

/// The cause the last failing lookup recorded, once. Taking it before
/// templating also forgets a stale one.
pub fn take_error_cause() -> Option<ErrorCause> {
    ERROR_CAUSE.with(|c| c.borrow_mut().take())
}

/// Why the last lookup result that was undefined is undefined, once.
pub fn take_undefined_reason() -> Option<String> {
    UNDEFINED_REASON.with(|r| r.borrow_mut().take())
}

/// A guard (`default`, `is defined`) handled `value`: when it is
/// undefined, why (and which variable's template failed) no longer
/// matters, and must not be blamed for a later undefined value.
pub fn forget_undefined_reason(value: &Jv) {
    if value.is_undefined() {
        take_undefined_reason();
        take_failed_variable();
    }
}

/// The variables a lookup reads.
pub(crate) struct Vars<'a> {
    state: Option<&'a State<'a, 'a>>,
    root: Option<Jv>,
}

impl<'a> Vars<'a> {
    pub fn from_state(state: &'a State<'a, 'a>) -> Vars<'a> {
        Vars {
            state: Some(state),
            root: current_context(),
        }
    }

    pub fn from_context(context: &Jv) -> Vars<'static> {
        Vars {
            state: None,
            root: Some(context.clone()),
        }
    }

    /// The variable `name`, if defined.
    pub fn get(&self, name: &str) -> Option<Jv> {
        let from_state = self.state.and_then(|s| s.lookup(name));
        let found = match from_state {
            Some(v) if !v.is_undefined() => Some(v),
            _ => self.root.as_ref().and_then(|root| root.get_attr(name).ok()),
        };
        found.filter(|v| !v.is_undefined())
    }

    /// The names of every variable, in the context's order.
    pub fn names(&self) -> Vec<String> {
        if let Some(root) = &self.root
            && let Ok(keys) = root.try_iter()
        {
            return keys
                .filter_map(|k| k.as_str().map(str::to_string))
                .collect();
        }
        let Some(state) = self.state else {
            return Vec::new();
        };
        let globals: Vec<&str> = state.env().globals().map(|(name, _)| name).collect();
        state
            .known_variables()
            .into_iter()
            .filter(|n| !globals.contains(&n.as_ref()))
            .map(|n| n.into_owned())
            .collect()
    }

    /// The whole context as one value, for rendering nested templates.
    pub fn context(&self) -> Jv {
        if let Some(root) = &self.root {
            return root.clone();
        }
        let mut map = indexmap::IndexMap::new();
        for name in self.names() {
            if let Some(v) = self.get(&name) {
                map.insert(Jv::from(name), v);
            }
        }
        Jv::from_object(map)
    }

    /// The context with `extra` variables over it (later ones win).
    pub fn context_with(&self, extra: indexmap::IndexMap<String, Jv>) -> Jv {
        Jv::from_object(Layered {
            top: extra,
            base: self.context(),
        })
    }
}

/// Variables over a base context, without copying the base.
#[derive(Debug)]
struct Layered {
    top: indexmap::IndexMap<String, Jv>,
    base: Jv,
}

impl Object for Layered {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Jv) -> Option<Jv> {
        if let Some(name) = key.as_str()
            && let Some(v) = self.top.get(name)
        {
            return Some(v.clone());
        }
        self.base.get_item(key).ok().filter(|v| !v.is_undefined())
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        let mut names: Vec<Jv> = self.top.keys().map(|k| Jv::from(k.as_str())).collect();
        if let Ok(keys) = self.base.try_iter() {
            for k in keys {
                if !k.as_str().is_some_and(|n| self.top.contains_key(n)) {
                    names.push(k);
                }
            }
        }
        Enumerator::Values(names)
    }
}
