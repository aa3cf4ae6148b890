//! Variables stored unrendered and templated when a template reads them, as
//! ansible does: `url: "http://{{ host }}:{{ port }}"` in group_vars works
//! because `host` and `port` are looked up only when `url` is used.
//!
//! `LazyVars` is the template context of one host: a minijinja object whose
//! lookups render the raw value with the same context, cache the result,
//! and report a variable that needs itself as ansible's recursion error.

use super::bridge::to_jinja;
use super::lookups::{set_failed_variable, set_undefined_reason, take_failed_variable};
use super::render::{Templar, is_template};
use crate::value::{Map, Value};
use crate::vault::Vault;
use minijinja::value::{Enumerator, Object, ObjectRepr, Value as Jv};
use minijinja::{Error, ErrorKind};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub const RECURSION_MESSAGE: &str = "Recursive loop detected in template";

/// A variable's resolved value, why it is undefined (when it is), and for
/// a value whose template failed, the variable where the failure arose
/// with its message.
#[derive(Clone)]
struct Resolved {
    value: Jv,
    undefined_reason: Option<String>,
    failure: Option<(String, String)>,
}

pub struct LazyVars {
    raw: Map,
    /// Ready values that shadow `raw` and are never templated (`hostvars`,
    /// `omit`, ...).
    objects: Vec<(String, Jv)>,
    templar: Arc<Templar>,
    /// Decrypts `!vault` values when a template reads them.
    vault: Option<Arc<Vault>>,
    /// Resolved values; an undefined one keeps why it is undefined.
    cache: Mutex<HashMap<String, Resolved>>,
    /// Names being resolved right now, to detect self-reference.
    resolving: Mutex<Vec<String>>,
}

impl std::fmt::Debug for LazyVars {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LazyVars")
            .field("vars", &self.raw.len())
            .finish()
    }
}

impl LazyVars {
    /// The context value for templates of a host with these (raw) vars.
    pub fn context(raw: Map, templar: Arc<Templar>, vault: Option<Arc<Vault>>) -> Jv {
        LazyVars::context_with(raw, Vec::new(), templar, vault)
    }

    /// As `context`, with ready values (objects) next to the raw vars. The
    /// name `vars` is the context itself unless `raw` has it, as ansible's
    /// `vars` variable holds all variables.
    pub fn context_with(
        raw: Map,
        objects: Vec<(String, Jv)>,
        templar: Arc<Templar>,
        vault: Option<Arc<Vault>>,
    ) -> Jv {
        Jv::from_object(LazyVars {
            raw,
            objects,
            templar,
            vault,
            cache: Mutex::new(HashMap::new()),
            resolving: Mutex::new(Vec::new()),
        })
    }

    /// Whether `context` has a variable `name` at all, however its template
    /// resolves (one that gives undefined reads as undefined, as a missing
    /// one does). A lazy context answers from its raw names; any other
    /// value is enumerated.
    pub fn holds(context: &Jv, name: &str) -> bool {
        match context.downcast_object_ref::<LazyVars>() {
            Some(vars) => {
                vars.raw.contains_key(name) || vars.objects.iter().any(|(n, _)| n == name)
            }
            None => context
                .try_iter()
                .is_ok_and(|mut keys| keys.any(|key| key.as_str() == Some(name))),
        }
    }

    /// `value` as templates see it; `key` is its origin key (see
    /// `vars::origins::entry_key`), which the entries of a container
    /// extend to report where a failed one was written.
    fn resolve(self: &Arc<Self>, value: &Value, key: Option<&str>) -> Jv {
        match value {
            Value::Str(s) if is_template(s) => {
                let context = Jv::from_dyn_object(Arc::clone(self));
                match self.templar.template_jinja(s, &context) {
                    Ok(v) => v,
                    Err(e) => Jv::from(Error::new(ErrorKind::InvalidOperation, e.message)),
                }
            }
            // Containers holding templates render an entry only when it
            // is read, as ansible's lazy containers do: a template in an
            // entry nobody reads (a lookup with side effects) never runs.
            Value::List(items) if items.iter().any(needs_resolving) => Jv::from_object(LazySeq {
                raw: items.clone(),
                vars: Arc::clone(self),
                key: key.map(Arc::from),
                cache: Mutex::new(vec![None; items.len()]),
            }),
            Value::Map(map) if map.values().any(needs_resolving) => Jv::from_object(LazyMap {
                raw: map.clone(),
                vars: Arc::clone(self),
                key: key.map(Arc::from),
                cache: Mutex::new(HashMap::new()),
            }),
            // Vaulted text is plaintext to templates (never templated further,
            // as ansible treats decrypted values as unsafe).
            Value::Vault(ciphertext) => {
                let no_secrets = Vault::new(Vec::new());
                let vault = self.vault.as_deref().unwrap_or(&no_secrets);
                match super::vaulted::decrypt(vault, ciphertext) {
                    Ok(plain) => plain,
                    // Fails whatever uses it (printing, serialising), as
                    // ansible's undecryptable marker does.
                    Err(e) => super::vaulted::undecryptable(
                        format!(
                            "{}{}{e}",
                            super::printf::RENDER_ERROR,
                            super::vaulted::UNDECRYPTABLE
                        ),
                        ciphertext,
                    ),
                }
            }
            other => to_jinja(other),
        }
    }
}

impl Object for LazyVars {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Jv) -> Option<Jv> {
        let name = key.as_str()?;
        if let Some((_, object)) = self.objects.iter().find(|(n, _)| n == name) {
            return Some(object.clone());
        }
        if let Some(hit) = self.cache.lock().ok()?.get(name) {
            if let Some(reason) = &hit.undefined_reason {
                set_undefined_reason(reason);
            }
            if let Some((source, message)) = &hit.failure {
                set_failed_variable(source, message);
            }
            return Some(hit.value.clone());
        }
        let Some(raw) = self.raw.get(name) else {
            return (name == "vars").then(|| Jv::from_dyn_object(Arc::clone(self)));
        };
        {
            let mut resolving = self.resolving.lock().ok()?;
            if resolving.iter().any(|n| n == name) {
                return Some(Jv::from(Error::new(
                    ErrorKind::InvalidOperation,
                    format!("{RECURSION_MESSAGE}: maximum recursion depth exceeded"),
                )));
            }
            resolving.push(name.to_string());
        }
        let mut failure = None;
        let (value, reason) = match raw {
            // A variable whose template reads an undefined value is itself
            // undefined to ansible (`x is undefined`, `x | default(...)`
            // work); using it fails with the inner cause.
            Value::Str(s) if is_template(s) => {
                let context = Jv::from_dyn_object(Arc::clone(self));
                let outer = take_failed_variable();
                let result = self.templar.template_jinja_kind(s, &context);
                let inner = take_failed_variable();
                let message = result.as_ref().err().map(|(e, _)| e.message.clone());
                match message {
                    // The failure arose in the variable this one read when
                    // it fails with the same message (`a: "{{ b }}"` with b
                    // undefined-by-template); otherwise in this one.
                    Some(message) => {
                        let source = inner
                            .filter(|(_, inner_message)| *inner_message == message)
                            .map(|(source, _)| source)
                            .unwrap_or_else(|| name.to_string());
                        set_failed_variable(&source, &message);
                        failure = Some((source, message));
                    }
                    None => {
                        if let Some((source, message)) = outer {
                            set_failed_variable(&source, &message);
                        }
                    }
                }
                match result {
                    Ok(v) => (v, None),
                    Err((e, true)) => (Jv::UNDEFINED, Some(e.message)),
                    Err((e, false)) => (
                        Jv::from(Error::new(ErrorKind::InvalidOperation, e.message)),
                        None,
                    ),
                }
            }
            _ => {
                let value = self.resolve(raw, Some(name));
                // An undecryptable vaulted value: ansible reports the
                // render error, caused by the attempt, at the variable.
                if matches!(raw, Value::Vault(_))
                    && let Some(message) = super::bridge::with_invalid_error(&value, |e| {
                        e.detail().unwrap_or_default().to_string()
                    })
                {
                    let cause = message
                        .strip_prefix(super::printf::RENDER_ERROR)
                        .unwrap_or(&message)
                        .to_string();
                    set_failed_variable(name, &cause);
                    failure = Some((name.to_string(), cause));
                }
                (value, None)
            }
        };
        if let Ok(mut resolving) = self.resolving.lock() {
            resolving.retain(|n| n != name);
        }
        if let Some(reason) = &reason {
            set_undefined_reason(reason);
        }
        if let Ok(mut cache) = self.cache.lock() {
            let resolved = Resolved {
                value: value.clone(),
                undefined_reason: reason,
                failure,
            };
            cache.insert(name.to_string(), resolved);
        }
        Some(value)
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        let mut names: Vec<Jv> = self.raw.keys().map(|k| Jv::from(k.as_str())).collect();
        for (name, _) in &self.objects {
            if !self.raw.contains_key(name) {
                names.push(Jv::from(name.as_str()));
            }
        }
        Enumerator::Values(names)
    }
}

/// Whether `value` holds anything that is rendered when read: a template
/// or a vaulted value, at any depth.
fn needs_resolving(value: &Value) -> bool {
    match value {
        Value::Str(s) => is_template(s),
        Value::Vault(_) => true,
        Value::List(items) => items.iter().any(needs_resolving),
        Value::Map(map) => map.values().any(needs_resolving),
        _ => false,
    }
}

/// Resolve entry `raw` of a lazy container whose origin key is `parent`.
/// A failed entry is remembered as the failed variable under its own key
/// (unless a variable it read failed with the same message first), so an
/// error report can point at the entry.
fn resolve_entry(vars: &Arc<LazyVars>, raw: &Value, parent: Option<&str>, step: &str) -> Jv {
    let key = parent.map(|p| crate::vars::origins::entry_key(p, step));
    let outer = take_failed_variable();
    let value = vars.resolve(raw, key.as_deref());
    let inner = take_failed_variable();
    match (failure_cause(&value), key) {
        (Some(cause), Some(key)) => {
            let source = inner
                .filter(|(_, message)| *message == cause)
                .map(|(source, _)| source)
                .unwrap_or(key);
            set_failed_variable(&source, &cause);
        }
        _ => {
            if let Some((source, message)) = inner.or(outer) {
                set_failed_variable(&source, &message);
            }
        }
    }
    value
}

/// Remember a cached failed entry again: each report looks for it.
fn recall_failed_entry(value: &Jv, parent: Option<&str>, step: &str) {
    if let (Some(cause), Some(parent)) = (failure_cause(value), parent) {
        set_failed_variable(&crate::vars::origins::entry_key(parent, step), &cause);
    }
}

/// The cause ansible reports for a failed entry: its error, an
/// undecryptable value's without the render prefix.
fn failure_cause(value: &Jv) -> Option<String> {
    let message =
        super::bridge::with_invalid_error(value, |e| e.detail().unwrap_or_default().to_string())?;
    Some(match message.strip_prefix(super::printf::RENDER_ERROR) {
        Some(rest) if rest.starts_with(super::vaulted::UNDECRYPTABLE) => rest.to_string(),
        _ => message,
    })
}

/// A mapping variable whose entries are resolved (and cached) one by one
/// when read.
#[derive(Debug)]
struct LazyMap {
    raw: Map,
    vars: Arc<LazyVars>,
    /// The origin key of this value, when known.
    key: Option<Arc<str>>,
    cache: Mutex<HashMap<String, Jv>>,
}

impl Object for LazyMap {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Jv) -> Option<Jv> {
        let name = key.as_str()?;
        let raw = self.raw.get(name)?;
        if let Some(hit) = self.cache.lock().ok()?.get(name) {
            recall_failed_entry(hit, self.key.as_deref(), name);
            return Some(hit.clone());
        }
        let value = resolve_entry(&self.vars, raw, self.key.as_deref(), name);
        if let Ok(mut cache) = self.cache.lock() {
            cache.insert(name.to_string(), value.clone());
        }
        Some(value)
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Values(self.raw.keys().map(|k| Jv::from(k.as_str())).collect())
    }

    fn enumerator_len(self: &Arc<Self>) -> Option<usize> {
        Some(self.raw.len())
    }
}

/// A list variable whose items are resolved (and cached) one by one when
/// read.
#[derive(Debug)]
struct LazySeq {
    raw: Vec<Value>,
    vars: Arc<LazyVars>,
    /// The origin key of this value, when known.
    key: Option<Arc<str>>,
    cache: Mutex<Vec<Option<Jv>>>,
}

impl Object for LazySeq {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Seq
    }

    fn get_value(self: &Arc<Self>, key: &Jv) -> Option<Jv> {
        let index = key.as_usize()?;
        let raw = self.raw.get(index)?;
        if let Some(Some(hit)) = self.cache.lock().ok()?.get(index) {
            recall_failed_entry(hit, self.key.as_deref(), &index.to_string());
            return Some(hit.clone());
        }
        let value = resolve_entry(&self.vars, raw, self.key.as_deref(), &index.to_string());
        if let Ok(mut cache) = self.cache.lock()
            && let Some(slot) = cache.get_mut(index)
        {
            *slot = Some(value.clone());
        }
        Some(value)
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Seq(self.raw.len())
    }

    fn enumerator_len(self: &Arc<Self>) -> Option<usize> {
        Some(self.raw.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vaulted_values_are_decrypted_when_read() {
        let secret = crate::vault::VaultSecret::new("default", b"pw".to_vec());
        let Ok(ciphertext) = crate::vault::encrypt(b"tok-123", b"pw", None) else {
            panic!("encrypt failed");
        };
        let mut raw = Map::new();
        raw.insert("token".into(), Value::Vault(ciphertext));
        raw.insert("url".into(), Value::str("https://x/?t={{ token }}"));
        let templar = Arc::new(Templar::new());
        let vault = Arc::new(Vault::new(vec![secret]));
        let ctx = LazyVars::context(raw.clone(), Arc::clone(&templar), Some(vault));
        assert_eq!(
            templar.template_in("{{ url }}", &ctx),
            Ok(Value::str("https://x/?t=tok-123"))
        );
        let locked = LazyVars::context(raw, Arc::clone(&templar), None);
        assert!(templar.template_in("{{ token }}", &locked).is_err());
    }

    /// ansible points an error at the innermost variable whose own value
    /// failed (b for a → b → undefined).
    #[test]
    fn the_variable_a_failure_arose_in_is_recorded() {
        let mut raw = Map::new();
        raw.insert("a".into(), Value::str("{{ b }}"));
        raw.insert("b".into(), Value::str("{{ nope }}"));
        let templar = Arc::new(Templar::new());
        let ctx = LazyVars::context(raw, Arc::clone(&templar), None);
        take_failed_variable();
        assert!(templar.template_in("{{ a }}", &ctx).is_err());
        assert_eq!(
            take_failed_variable(),
            Some(("b".to_string(), "'nope' is undefined".to_string()))
        );
        // A cached failure is recorded again on each use.
        assert!(templar.template_in("{{ a }}", &ctx).is_err());
        assert_eq!(
            take_failed_variable().map(|(name, _)| name),
            Some("b".into())
        );
        // A variable read directly records nothing.
        assert!(templar.template_in("{{ nope }}", &ctx).is_err());
        assert_eq!(take_failed_variable(), None);
    }

    /// A guard that handled an undefined variable does not leave its
    /// reason behind for a later, unrelated undefined value (ansible names
    /// `other` in both).
    #[test]
    fn a_guarded_undefined_value_is_not_blamed_for_a_later_one() {
        let mut raw = Map::new();
        raw.insert("via_b".into(), Value::str("{{ b }}"));
        let templar = Arc::new(Templar::new());
        let ctx = LazyVars::context(raw, Arc::clone(&templar), None);
        for text in [
            "{{ via_b is defined }}{{ other }}",
            "{{ via_b | default(1) }}{{ other }}",
        ] {
            let message = templar.template_in(text, &ctx).map_err(|e| e.message);
            assert_eq!(message, Err("'other' is undefined".to_string()), "{text}");
        }
    }

    /// Observed with ansible-core 2.19's Templar and the same variables.
    #[test]
    fn variables_render_on_use_and_recursion_is_an_error() {
        let mut raw = Map::new();
        raw.insert("a".into(), Value::str("{{ b }}"));
        raw.insert("b".into(), Value::str("{{ a }}"));
        raw.insert("c".into(), Value::str("{{ n + 1 }}"));
        raw.insert("n".into(), Value::Int(1));
        raw.insert("url".into(), Value::str("http://{{ host }}:{{ port }}"));
        raw.insert("host".into(), Value::str("h"));
        raw.insert("port".into(), Value::Int(80));
        raw.insert(
            "lst".into(),
            Value::List(vec![Value::str("{{ n }}"), Value::str("x{{ n }}")]),
        );
        let templar = Arc::new(Templar::new());
        let ctx = LazyVars::context(raw, Arc::clone(&templar), None);
        let t = |s: &str| templar.template_in(s, &ctx).map_err(|e| e.message);
        assert_eq!(t("{{ c }}"), Ok(Value::Int(2)));
        assert_eq!(t("{{ c + 1 }}"), Ok(Value::Int(3)));
        assert_eq!(t("{{ url }}"), Ok(Value::str("http://h:80")));
        assert_eq!(
            t("{{ lst }}"),
            Ok(Value::List(vec![Value::Int(1), Value::str("x1")]))
        );
        assert_eq!(
            t("{{ a }}"),
            Err(
                "Recursive loop detected in template: maximum recursion depth exceeded".to_string()
            )
        );
    }
}
