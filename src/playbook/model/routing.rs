//! Plugin routing of collections (`meta/runtime.yml`): `plugin_routing`
//! redirects, removed (`tombstone`) plugins, a module's `action_plugin`,
//! and `action_groups` (module_defaults groups). ansible.builtin's own
//! routing is the small table below: the entries that point inside
//! ansible-core or at its test collections, and its action groups (most
//! only extend groups of other collections).

use std::path::{Path, PathBuf};

use crate::value::Value;

/// Which plugin loader a name goes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PluginKind {
    Module,
    Action,
    Callback,
}

impl PluginKind {
    fn routing_key(self) -> &'static str {
        match self {
            PluginKind::Module => "modules",
            PluginKind::Action => "action",
            PluginKind::Callback => "callback",
        }
    }
}

/// What `plugin_routing.<kind>.<name>` says.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Route {
    /// A redirect: another fully qualified name (ansible refuses short ones).
    pub redirect: Option<String>,
    /// The plugin was removed; the name resolves to nothing.
    pub removed: bool,
    /// For a module: the action plugin that runs it.
    pub action_plugin: Option<String>,
}

/// ansible.builtin module redirects that stay inside what mitorun knows
/// (its other redirects point at collections moved out of ansible-core).
const BUILTIN_MODULE_REDIRECTS: &[(&str, &str)] = &[
    ("formerly_core_ping", "testns.testcoll.ping"),
    ("uses_redirected_action", "ansible.builtin.ping"),
];

/// ansible.builtin's action groups, as runtime.yml data.
const BUILTIN_ACTION_GROUPS: &str = r#"
testgroup:
  - metadata:
      extend_group: [testns.testcoll.testgroup, testns.testcoll.anothergroup, testns.boguscoll.testgroup]
  - ping
  - legacy_ping
  - formerly_core_ping
testlegacy: [ansible.legacy.legacy_ping]
aws: [{metadata: {extend_group: [amazon.aws.aws, community.aws.aws]}}]
acme: [{metadata: {extend_group: [community.crypto.acme]}}]
azure: [{metadata: {extend_group: [azure.azcollection.azure]}}]
cpm: [{metadata: {extend_group: [wti.remote.cpm]}}]
docker: [{metadata: {extend_group: [community.general.docker, community.docker.docker]}}]
gcp: [{metadata: {extend_group: [google.cloud.gcp]}}]
k8s: [{metadata: {extend_group: [community.kubernetes.k8s, community.general.k8s, community.kubevirt.k8s, community.okd.k8s, kubernetes.core.k8s]}}]
os: [{metadata: {extend_group: [openstack.cloud.os]}}]
ovirt: [{metadata: {extend_group: [ovirt.ovirt.ovirt, community.general.ovirt]}}]
vmware: [{metadata: {extend_group: [community.vmware.vmware]}}]
"#;

/// The directory of collection `ns.coll` under the first root holding it.
pub fn collection_dir(roots: &[PathBuf], collection: &str) -> Option<PathBuf> {
    let (ns, coll) = collection.split_once('.')?;
    roots
        .iter()
        .map(|root| root.join(ns).join(coll))
        .find(|dir| dir.is_dir())
}

/// A collection's `meta/runtime.yml` (`None` when absent or unreadable:
/// ansible treats a collection without one as having no routing).
pub fn runtime_metadata(roots: &[PathBuf], collection: &str) -> Option<Value> {
    if collection == "ansible.builtin" {
        let groups = crate::playbook::yaml::load_value(
            BUILTIN_ACTION_GROUPS,
            Path::new("<ansible.builtin runtime>"),
        )
        .ok()
        .flatten()?;
        let mut meta = crate::value::Map::new();
        meta.insert("action_groups".into(), groups);
        return Some(Value::Map(meta));
    }
    let dir = collection_dir(roots, collection)?;
    let text = std::fs::read_to_string(dir.join("meta").join("runtime.yml")).ok()?;
    crate::playbook::yaml::load_value(&text, &dir.join("meta").join("runtime.yml"))
        .ok()
        .flatten()
}

/// The routing entry of `name` (the part after `ns.coll.`) in a collection.
pub fn route(roots: &[PathBuf], collection: &str, kind: PluginKind, name: &str) -> Route {
    if collection == "ansible.builtin" {
        let redirect = match kind {
            PluginKind::Module => BUILTIN_MODULE_REDIRECTS
                .iter()
                .find(|(from, _)| *from == name)
                .map(|(_, to)| (*to).to_string()),
            PluginKind::Action => None,
            PluginKind::Callback => installed_builtin_redirect(kind, name),
        };
        return Route {
            redirect,
            ..Route::default()
        };
    }
    let Some(meta) = runtime_metadata(roots, collection) else {
        return Route::default();
    };
    let entry = lookup(&meta, &["plugin_routing", kind.routing_key(), name])
        .cloned()
        .unwrap_or(Value::Null);
    let text = |key: &str| match lookup(&entry, &[key]) {
        Some(Value::Str(s)) if !s.is_empty() => Some(s.clone()),
        _ => None,
    };
    Route {
        redirect: text("redirect"),
        removed: lookup(&entry, &["tombstone"]).is_some_and(|t| !matches!(t, Value::Null)),
        action_plugin: match kind {
            PluginKind::Module => text("action_plugin"),
            PluginKind::Action | PluginKind::Callback => None,
        },
    }
}

/// A redirect in the installed ansible-core's own routing
/// (`config/ansible_builtin_runtime.yml`): where it sends a plugin it no
/// longer ships, e.g. the callback `dense` to community.general.dense.
fn installed_builtin_redirect(kind: PluginKind, name: &str) -> Option<String> {
    let core = crate::transport::modules::find_ansible_core()?;
    let path = core.join("config").join("ansible_builtin_runtime.yml");
    let text = std::fs::read_to_string(&path).ok()?;
    let meta = crate::playbook::yaml::load_value(&text, &path)
        .ok()
        .flatten()?;
    match lookup(
        &meta,
        &["plugin_routing", kind.routing_key(), name, "redirect"],
    ) {
        Some(Value::Str(target)) if !target.is_empty() => Some(target.clone()),
        _ => None,
    }
}

/// The `action_groups` mapping of a collection.
pub fn action_groups(roots: &[PathBuf], collection: &str) -> Option<crate::value::Map> {
    match lookup(&runtime_metadata(roots, collection)?, &["action_groups"]) {
        Some(Value::Map(groups)) => Some(groups.clone()),
        _ => None,
    }
}

/// The value at `path` through nested mappings.
fn lookup<'v>(value: &'v Value, path: &[&str]) -> Option<&'v Value> {
    path.iter().try_fold(value, |current, key| match current {
        Value::Map(map) => map.get(*key),
        _ => None,
    })
}

/// `AnsibleCollectionRef.is_valid_fqcr`: `ns.coll.name` (or deeper), each
/// part a Python identifier.
pub fn is_fqcr(name: &str) -> bool {
    let parts: Vec<&str> = name.split('.').collect();
    parts.len() >= 3
        && parts.iter().all(|p| {
            let mut chars = p.chars();
            chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
                && chars.all(|c| c.is_alphanumeric() || c == '_')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callback_routes_are_read_from_the_callback_section() {
        let root = std::env::temp_dir().join(format!("mitorun-cb-routing-{}", std::process::id()));
        let meta = root.join("ns/col/meta");
        std::fs::create_dir_all(&meta).expect("mkdir");
        std::fs::write(
            meta.join("runtime.yml"),
            "plugin_routing:\n  action:\n    moved:\n      redirect: wrong.place.moved\n  callback:\n    moved:\n      redirect: other.col.moved\n    gone:\n      tombstone:\n        removal_date: '2020-01-01'\n",
        )
        .expect("write");
        let roots = [root.clone()];
        let moved = route(&roots, "ns.col", PluginKind::Callback, "moved");
        assert_eq!(moved.redirect.as_deref(), Some("other.col.moved"));
        assert!(!moved.removed);
        let gone = route(&roots, "ns.col", PluginKind::Callback, "gone");
        assert!(gone.removed && gone.redirect.is_none());
        assert_eq!(
            route(&roots, "ns.col", PluginKind::Callback, "absent"),
            Route::default()
        );
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn fqcr_needs_three_identifier_parts() {
        assert!(is_fqcr("ns.coll.name"));
        assert!(is_fqcr("ns.coll.sub.name"));
        assert!(!is_fqcr("ping"));
        assert!(!is_fqcr("ns.name"));
        assert!(!is_fqcr("ns.coll.{{ x }}"));
    }

    #[test]
    fn builtin_routing_table() {
        let route = route(
            &[],
            "ansible.builtin",
            PluginKind::Module,
            "formerly_core_ping",
        );
        assert_eq!(route.redirect.as_deref(), Some("testns.testcoll.ping"));
        let groups = action_groups(&[], "ansible.builtin").unwrap_or_default();
        assert!(groups.contains_key("testgroup"));
        assert!(groups.contains_key("testlegacy"));
    }
}
