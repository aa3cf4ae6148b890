use super::*;
use crate::playbook::model::RoleSource;

fn map(pairs: &[(&str, i64)]) -> Map {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), Value::Int(*v)))
        .collect()
}

fn role(name: &str, defaults: Map, vars: Map, deps: Vec<Arc<RoleInfo>>) -> Arc<RoleInfo> {
    Arc::new(RoleInfo {
        name: name.into(),
        display_name: name.into(),
        path: PathBuf::from(format!("/roles/{name}")),
        params: Default::default(),
        defaults: Value::Map(defaults),
        vars: Value::Map(vars),
        default_origins: Default::default(),
        var_origins: Default::default(),
        keyword_vars: Value::Null,
        dependencies: deps,
        source: RoleSource::PlayRoles,
        public: None,
        allow_duplicates: false,
        from_files: String::new(),
    })
}

fn store() -> VarsStore {
    let store = VarsStore::new(
        HashBehaviour::Replace,
        true,
        map(&[("x_extra", 9)]),
        Map::new(),
    );
    let mut hosts = HashMap::new();
    hosts.insert(
        "h1".to_string(),
        Arc::new(map(&[("a", 2), ("b", 2), ("x_extra", 2)])),
    );
    store.set_inventory(hosts, Value::Map(Map::new()));
    store
}

#[test]
fn layers_apply_in_ansible_order() {
    let store = store();
    let dep = role("dep", map(&[("a", 0), ("d", 0)]), map(&[("dv", 1)]), vec![]);
    let r = role("r", map(&[("a", 1), ("c", 1)]), map(&[("c", 5)]), vec![dep]);
    let play = PlayScope {
        vars: map(&[("b", 3)]),
        public_roles: vec![Arc::clone(&r)],
        ..Default::default()
    };
    let task = TaskScope {
        role: Some(r),
        vars: map(&[("t", 4)]),
        ..Default::default()
    };
    store.set_nonpersistent("h1", map(&[("t", 6)]));
    let vars = store.get_vars(Some(&play), "h1", Some(&task));
    // inventory beats role defaults; play vars beat inventory; role vars
    // beat play vars; set_fact beats task vars; extra vars beat everything.
    assert_eq!(vars.get("a"), Some(&Value::Int(2)));
    assert_eq!(vars.get("b"), Some(&Value::Int(3)));
    assert_eq!(vars.get("c"), Some(&Value::Int(5)));
    assert_eq!(vars.get("d"), Some(&Value::Int(0)));
    assert_eq!(vars.get("dv"), Some(&Value::Int(1)));
    assert_eq!(vars.get("t"), Some(&Value::Int(6)));
    assert_eq!(vars.get("x_extra"), Some(&Value::Int(9)));
}

#[test]
fn facts_merge_by_key_and_inject_under_the_name_given() {
    // As ansible's set_host_facts + namespace_facts/clean_facts: a fact
    // without the `ansible_` prefix is injected as is.
    let store = store();
    store.set_facts("h1", map(&[("plain", 1), ("ansible_pre", 2)]));
    store.set_facts("h1", map(&[("plain", 3)]));
    let vars = store.get_vars(None, "h1", None);
    assert_eq!(vars.get("plain"), Some(&Value::Int(3)));
    assert_eq!(vars.get("ansible_pre"), Some(&Value::Int(2)));
    assert_eq!(vars.get("ansible_plain"), None);
    let Some(Value::Map(ns)) = vars.get("ansible_facts") else {
        panic!("ansible_facts missing");
    };
    assert_eq!(ns.get("plain"), Some(&Value::Int(3)));
    assert_eq!(ns.get("pre"), Some(&Value::Int(2)));
}

#[test]
fn gathered_marker_and_clearing() {
    let store = store();
    assert!(!store.facts_gathered("h1"));
    let mut facts = Map::new();
    facts.insert("_ansible_facts_gathered".into(), Value::Bool(true));
    store.set_facts("h1", facts);
    assert!(store.facts_gathered("h1"));
    assert!(
        !store
            .get_vars(None, "h1", None)
            .contains_key("_ansible_facts_gathered")
    );
    store.clear_facts("h1");
    assert!(!store.facts_gathered("h1"));
    assert!(store.facts("h1").is_empty());
}

#[test]
fn facts_are_kept_as_given_and_injected_with_prefix() {
    // Producers hand facts over as data (module results are untrusted);
    // the store keeps them as they are.
    let store = store();
    let mut facts = Map::new();
    facts.insert(
        "ansible_os_family".into(),
        Value::Unsafe("{{ not_a_template }}".into()),
    );
    store.set_facts("h1", facts);
    let vars = store.get_vars(None, "h1", None);
    assert_eq!(
        vars.get("ansible_os_family"),
        Some(&Value::Unsafe("{{ not_a_template }}".into()))
    );
    let Some(Value::Map(ns)) = vars.get("ansible_facts") else {
        panic!("ansible_facts missing");
    };
    assert!(ns.contains_key("os_family"));
}

#[test]
fn restricted_facts_follow_clean_facts() {
    use super::restricted_fact;
    for name in [
        "ansible_facts",
        "ansible_host",
        "ansible_become_anything",
        "ansible_ssh_args",
        "ansible_python_interpreter",
        "ansible__interpreter",
        "add_host",
    ] {
        assert!(restricted_fact(name), "{name}");
    }
    for name in [
        "ansible_ssh_host_key_rsa_public",
        "ansible_local_bridge",
        "ansible_interpreter",
        "ansible_hostname",
        "discovered_interpreter_python",
        "dansible_iscovered_interpreter_python",
    ] {
        assert!(!restricted_fact(name), "{name}");
    }
}
