//! The math/url filters and every test plugin against ansible-core 2.19:
//! `ref_cases.json` holds expressions and what ansible's Templar returned
//! for them (`repr()` of the native result, or the error it raised), as
//! written by `tests/tools/ansible_tests_ref.py`. Nothing in it is written
//! by hand.
//!
//! A case listed in `KNOWN_DIVERGENCES` is expected to differ (the reason
//! is given); the test fails if it starts to match, so the list stays true.

use std::os::unix::fs::symlink;
use std::path::Path;

use crate::templating::{bridge, environment};
use crate::value::Value;

const CASES: &str = include_str!("ref_cases.json");

/// Expressions whose result deliberately differs from ansible's.
const KNOWN_DIVERGENCES: &[(&str, &str)] = &[(
    "missing_var.x is defined",
    "attribute of an undefined variable: the environment (templating/mod.rs) does not use \
         chainable undefined yet, so the lookup fails before the test runs",
)];

/// The fixture tree the generator created, recreated here.
fn make_fixture(root: &str) {
    let root = Path::new(root);
    std::fs::create_dir_all(root.join("dir")).expect("fixture dir");
    std::fs::write(root.join("file"), "hi\n").expect("fixture file");
    std::fs::write(
        root.join("vault"),
        "$ANSIBLE_VAULT;1.1;AES256\n6162636465\n",
    )
    .expect("fixture vault");
    for (name, target) in [
        ("link", "file"),
        ("dangling", "missing"),
        ("dirlink", "dir"),
    ] {
        let path = root.join(name);
        let _ = std::fs::remove_file(&path);
        // Another test run may have just created it; either way it exists.
        let _ = symlink(target, &path);
    }
}

#[test]
fn filters_and_tests_match_ansible() {
    let data: serde_json::Value = serde_json::from_str(CASES).expect("ref_cases.json");
    make_fixture(data["fixture"].as_str().expect("fixture"));
    let vars = bridge::to_jinja(&Value::from_json(&data["vars"]));
    let env = environment();
    let cases = data["cases"].as_array().expect("cases");
    assert!(cases.len() >= 120, "only {} reference cases", cases.len());

    let mut failures = Vec::new();
    let mut diverging = Vec::new();
    for case in cases {
        let expr = case["expr"].as_str().expect("expr");
        let got = env
            .compile_expression(expr)
            .and_then(|compiled| compiled.eval(&vars));
        let outcome = match (case.get("repr").and_then(|r| r.as_str()), &got) {
            (Some(want), Ok(value)) => {
                let ours = bridge::from_jinja(value).python_repr();
                (ours != want).then(|| format!("{expr}\n    ansible: {want}\n    ours:    {ours}"))
            }
            (Some(want), Err(err)) => Some(format!(
                "{expr}\n    ansible: {want}\n    ours:    error {err:#}"
            )),
            (None, Ok(value)) => Some(format!(
                "{expr}\n    ansible: {}\n    ours:    {}",
                case["error"],
                bridge::from_jinja(value).python_repr()
            )),
            (None, Err(err)) => {
                if std::env::var_os("MITORUN_PARITY_VERBOSE").is_some() {
                    eprintln!(
                        "{expr}\n    ansible: {}\n    ours:    {}",
                        case["error"],
                        err.detail()
                            .map_or_else(|| err.kind().to_string(), str::to_string)
                    );
                }
                None
            }
        };
        let known = KNOWN_DIVERGENCES.iter().any(|(e, _)| *e == expr);
        match (outcome, known) {
            (Some(diff), false) => failures.push(diff),
            (None, true) => failures.push(format!(
                "{expr}\n    listed in KNOWN_DIVERGENCES but now matches ansible"
            )),
            (Some(_), true) => diverging.push(expr),
            (None, false) => {}
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ from ansible:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    assert_eq!(diverging.len(), KNOWN_DIVERGENCES.len());
}

/// Arbitrary input never panics: every filter and test is called with
/// values of every kind, with and without odd arguments.
#[test]
fn no_input_panics() {
    let env = environment();
    let values = [
        "none",
        "true",
        "0",
        "-1",
        "1.5",
        "('nan'|float)",
        "''",
        "'a%'",
        "'http://[x'",
        "[]",
        "[1, 'a', none]",
        "[[1]]",
        "{}",
        "{'k': [1]}",
        "(1, 2)",
        "missing_var",
        "range(3)",
    ];
    let filters = [
        "unique",
        "intersect",
        "difference",
        "symmetric_difference",
        "union",
        "min",
        "max",
        "log",
        "pow",
        "root",
        "human_readable",
        "human_to_bytes",
        "rekey_on_member",
        "zip",
        "zip_longest",
        "product",
        "permutations",
        "combinations",
        "urldecode",
        "urlencode",
        "urlsplit",
    ];
    let tests = [
        "none",
        "boolean",
        "true",
        "false",
        "integer",
        "float",
        "number",
        "string",
        "mapping",
        "iterable",
        "sequence",
        "callable",
        "escaped",
        "lower",
        "upper",
        "odd",
        "even",
        "divisibleby",
        "sameas",
        "in",
        "eq",
        "ne",
        "lt",
        "le",
        "gt",
        "ge",
        "failed",
        "success",
        "unreachable",
        "reachable",
        "timedout",
        "changed",
        "skipped",
        "finished",
        "started",
        "match",
        "search",
        "regex",
        "version",
        "any",
        "all",
        "truthy",
        "falsy",
        "vault_encrypted",
        "vaulted_file",
        "subset",
        "superset",
        "contains",
        "nan",
        "directory",
        "file",
        "link",
        "exists",
        "link_exists",
        "abs",
        "same_file",
        "mount",
        "uri",
        "url",
        "urn",
    ];
    let ctx = minijinja::context! {};
    let adversarial = [
        "[1] | product(repeat=100000000)",
        "[] | product(repeat=100000000)",
        "range(30) | permutations",
        "range(60) | combinations(30)",
        "'1' | human_to_bytes('')",
        "'99999999999999999999999999999999999999999Y' | human_to_bytes",
        "1e308 | human_readable",
        "170141183460469231731687303715884105727 | human_readable",
        "-170141183460469231731687303715884105727 | union([1.5])",
        "[1e308, -1e308, 5e-324] | union([0.0, -0.0])",
        "'(((((' is match('(((((')",
        "'a' is match('[')",
        "'a' is match('\\')",
        "'a' is match('a{99999999999}')",
        "'http://[' | urlsplit",
        "'http://[]' | urlsplit",
        "'http://[v1.]' | urlsplit",
        "'::' | urlsplit",
        "'1!' is version('1', version_type='pep440')",
        "'+' is version('1', version_type='pep440')",
        "'1.0-' is version('1', version_type='semver')",
        "'..' is version('.', version_type='strict')",
        "'9999999999999999999999999999999' is version('1')",
    ];
    for expr in adversarial {
        if let Ok(e) = env.compile_expression(expr) {
            let _ = e.eval(&ctx);
        }
    }
    // Every value as an input and as an argument, through variables so
    // each expression is compiled once.
    let inputs: Vec<minijinja::Value> = values
        .iter()
        .map(|v| {
            env.compile_expression(v)
                .and_then(|e| e.eval(&ctx))
                .unwrap_or_default()
        })
        .collect();
    let mut exprs = Vec::new();
    for f in filters {
        exprs.push(format!("v | {f}"));
        exprs.push(format!("v | {f}(a)"));
        exprs.push(format!("v | {f}(a, a)"));
    }
    for t in tests {
        exprs.push(format!("v is {t}"));
        exprs.push(format!("v is {t}(a)"));
    }
    for expr in &exprs {
        let compiled = env.compile_expression(expr).expect("compiles");
        for v in &inputs {
            // Arguments: a few kinds suffice (`none`, a number, a string,
            // a list, a mapping, undefined).
            for a in [0, 4, 7, 10, 13, 15].map(|i| &inputs[i]) {
                let _ = compiled.eval(minijinja::context! { v => v.clone(), a => a.clone() });
            }
        }
    }
}
