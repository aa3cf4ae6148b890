//! The template context of a task on a host, and `hostvars`: a mapping
//! from host name to that host's variables, each rendered lazily with its
//! own host's context, as ansible's `HostVars` does.

use super::{PlayScope, TaskScope, VarsStore};
use crate::templating::lazy::LazyVars;
use crate::templating::render::Templar;
use crate::value::Map;
use crate::vault::Vault;
use minijinja::value::{Enumerator, Object, ObjectRepr, Value as Jv};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// ansible's omit placeholder (templates see an object, see
/// `templating::omit`): a task argument whose value is exactly this string
/// is dropped before the action runs.
pub use crate::templating::omit::OMIT_TOKEN;

/// Shared pieces every template context needs.
#[derive(Clone)]
pub struct ContextFactory {
    pub store: Arc<VarsStore>,
    pub templar: Arc<Templar>,
    pub vault: Option<Arc<Vault>>,
}

impl ContextFactory {
    /// The context of `task` on `host` in `play`: all variables, lazily
    /// rendered, plus `hostvars` and `omit`. `extra` are variables that
    /// the executor adds on top (loop variables, `ansible_loop`, ...).
    pub fn context(
        &self,
        play: &Arc<PlayScope>,
        host: &str,
        task: Option<&TaskScope>,
        extra: Map,
    ) -> Jv {
        self.context_with_defaults(play, host, task, extra, Map::new())
    }

    /// `context`, plus `defaults` for the names no variable sets (what
    /// `PlayContext.update_vars` adds for a task: `ansible_host`, ...).
    pub fn context_with_defaults(
        &self,
        play: &Arc<PlayScope>,
        host: &str,
        task: Option<&TaskScope>,
        extra: Map,
        defaults: Map,
    ) -> Jv {
        self.context_with_objects(play, host, task, extra, defaults, Vec::new())
    }

    /// As `context_with_defaults`, with ready values (e.g. another host's
    /// lazy variables) that no variable can shadow.
    pub fn context_with_objects(
        &self,
        play: &Arc<PlayScope>,
        host: &str,
        task: Option<&TaskScope>,
        extra: Map,
        defaults: Map,
        objects: Vec<(String, Jv)>,
    ) -> Jv {
        let mut raw = self.store.get_vars(Some(play), host, task);
        for (k, v) in extra {
            raw.insert(k, v);
        }
        for (k, v) in defaults {
            raw.entry(k).or_insert(v);
        }
        let hostvars = Jv::from_object(HostVars {
            factory: self.clone(),
            play: Arc::clone(play),
            cache: Mutex::new(HashMap::new()),
        });
        let mut ready = vec![
            ("hostvars".into(), hostvars),
            ("omit".into(), crate::templating::omit::value()),
        ];
        ready.extend(objects);
        LazyVars::context_with(raw, ready, Arc::clone(&self.templar), self.vault.clone())
    }
}

struct HostVars {
    factory: ContextFactory,
    play: Arc<PlayScope>,
    cache: Mutex<HashMap<String, Jv>>,
}

impl std::fmt::Debug for HostVars {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HostVars")
    }
}

impl Object for HostVars {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Jv) -> Option<Jv> {
        let host = key.as_str()?;
        if let Some(hit) = self.cache.lock().ok()?.get(host) {
            return Some(hit.clone());
        }
        self.factory.store.inventory_vars(host)?;
        let raw = self.factory.store.get_vars(Some(&self.play), host, None);
        let context = LazyVars::context_with(
            raw,
            vec![("omit".into(), crate::templating::omit::value())],
            Arc::clone(&self.factory.templar),
            self.factory.vault.clone(),
        );
        if let Ok(mut cache) = self.cache.lock() {
            cache.insert(host.to_string(), context.clone());
        }
        Some(context)
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        let mut names = self.factory.store.host_names();
        names.sort();
        Enumerator::Values(names.into_iter().map(Jv::from).collect())
    }
}
