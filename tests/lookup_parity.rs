//! Every lookup against ansible-core 2.19: `tests/fixtures/lookups/expected.json`
//! holds template expressions and what ansible's Templar returned for them
//! (`repr()` of the native result, or the error it raised) plus the
//! warnings it displayed, as written by `tests/tools/ansible_lookup_ref.py`
//! over the fixture tree next to it. Nothing in it is written by hand.
//!
//! A case listed in `KNOWN_DEVIATIONS` is expected to differ (the reason is
//! given); the test fails once it matches, so the list stays true.
//!
//! This binary holds one test only: it sets environment variables (for the
//! `env` lookup) before anything else runs.

use mitorun::config::{Config, Environment};
use mitorun::templating::lookups::LookupServices;
use mitorun::templating::render::Templar;
use mitorun::value::{Map, Value};
use mitorun::vault::{Vault, VaultSecret};
use std::path::{Path, PathBuf};
use std::sync::Arc;

const EXPECTED: &str = include_str!("fixtures/lookups/expected.json");

/// Expressions whose result deliberately differs from ansible's.
const KNOWN_DEVIATIONS: &[(&str, &str)] = &[(
    "lookup('password', '/dev/null seed=1 length=6 encrypt=sha512_crypt')",
    "the reference install has no passlib, so ansible fails (\"Unable to encrypt nor hash, \
     passlib must be installed.\"); we hash with the password_hash filter, as passlib would",
)];

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lookups")
}

/// `@F@`/`@T@` placeholders replaced by this run's paths, recursively.
fn concrete(value: &serde_json::Value, f: &str, t: &str) -> serde_json::Value {
    match value {
        serde_json::Value::String(s) => {
            serde_json::Value::String(s.replace("@F@", f).replace("@T@", t))
        }
        serde_json::Value::Array(items) => {
            serde_json::Value::Array(items.iter().map(|v| concrete(v, f, t)).collect())
        }
        serde_json::Value::Object(map) => serde_json::Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), concrete(v, f, t)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// ansible names its lazy containers' classes in a few messages.
fn normalize(message: &str) -> String {
    message
        .replace(
            "<class 'ansible._internal._templating._lazy_containers._AnsibleLazyTemplateList'>",
            "<class 'list'>",
        )
        .replace(
            "<class 'ansible._internal._templating._lazy_containers._AnsibleLazyTemplateDict'>",
            "<class 'dict'>",
        )
}

fn templar(fixture: &Path) -> Templar {
    let cfg = fixture.join("ansible.cfg").to_string_lossy().into_owned();
    let vars = move |name: &str| (name == "ANSIBLE_CONFIG").then(|| cfg.clone());
    let config = Config::load(&Environment {
        vars: &vars,
        cwd: fixture.to_path_buf(),
        home: None,
    })
    .expect("fixture ansible.cfg loads");
    let vault = Vault::new(vec![VaultSecret::new("default", b"lookup-secret".to_vec())]);
    let services = LookupServices::new(
        Some(Arc::new(vault)),
        Some(Arc::new(config)),
        fixture.to_path_buf(),
    );
    Templar::with_services(Arc::new(services))
}

#[test]
fn lookups_match_ansible() {
    let data: serde_json::Value = serde_json::from_str(EXPECTED).expect("expected.json");
    for (name, value) in data["env"].as_object().expect("env") {
        // SAFETY: this test binary runs this one test; nothing else reads
        // the environment concurrently.
        unsafe { std::env::set_var(name, value.as_str().expect("env text")) };
    }
    let fixture = fixture();
    let f = fixture.to_string_lossy().into_owned();
    let scratch =
        std::env::temp_dir().join(format!("mitorun-lookup-parity-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).expect("scratch dir");
    let t = scratch.to_string_lossy().into_owned();
    let templar = templar(&fixture);
    let base_vars = concrete(&data["vars"], &f, &t);
    let placeholders = |text: &str| text.replace(&f, "@F@").replace(&t, "@T@");

    let cases = data["cases"].as_array().expect("cases");
    let mut failures = Vec::new();
    let mut diverging = Vec::new();
    let mut passed = 0;
    for case in cases {
        let expr = case["expr"].as_str().expect("expr");
        let mut vars: Map = match Value::from_json(&base_vars) {
            Value::Map(m) => m,
            _ => Map::new(),
        };
        if let Some(extra) = case.get("vars")
            && let Value::Map(extra) = Value::from_json(&concrete(extra, &f, &t))
        {
            vars.extend(extra);
        }
        let template = format!("{{{{ {} }}}}", expr.replace("@F@", &f).replace("@T@", &t));
        let result = templar.template(&template, &vars);
        let warnings: Vec<String> = templar
            .services()
            .take_warnings()
            .iter()
            .map(|w| placeholders(w.lines().next().unwrap_or_default()))
            .collect();
        let ours = match &result {
            Ok(v) => format!("repr {}", placeholders(&v.python_repr())),
            Err(e) => format!("error {}", placeholders(&e.message)),
        };
        let theirs = match (case.get("repr"), case.get("error")) {
            (Some(r), _) => format!("repr {}", r.as_str().unwrap_or_default()),
            (None, Some(e)) => format!("error {}", normalize(e.as_str().unwrap_or_default())),
            _ => panic!("case without result: {expr}"),
        };
        let their_warnings: Vec<String> = case["warnings"]
            .as_array()
            .map(|w| {
                w.iter()
                    .filter_map(|s| s.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        let label = match case.get("vars") {
            Some(v) => format!("{expr}   (vars {v})"),
            None => expr.to_string(),
        };
        let mut diff = None;
        if ours != theirs {
            diff = Some(format!(
                "{label}\n    ansible: {theirs}\n    ours:    {ours}"
            ));
        } else if warnings != their_warnings {
            diff = Some(format!(
                "{label}\n    ansible warned: {their_warnings:?}\n    we warned:      {warnings:?}"
            ));
        }
        let known = KNOWN_DEVIATIONS.iter().find(|(e, _)| *e == expr);
        match (diff, known) {
            (Some(d), None) => failures.push(d),
            (None, Some(_)) => failures.push(format!(
                "{label}\n    listed in KNOWN_DEVIATIONS but now matches ansible"
            )),
            (Some(_), Some((_, why))) => diverging.push(format!("{label}: {why}")),
            (None, None) => passed += 1,
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    for d in &diverging {
        eprintln!("known deviation: {d}");
    }
    eprintln!("{passed} of {} lookup cases match ansible", cases.len());
    assert!(cases.len() >= 150, "only {} reference cases", cases.len());
    assert!(
        failures.is_empty(),
        "{} of {} cases differ from ansible:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
