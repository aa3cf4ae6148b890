//! The Templar against `tests/tools/template_gaps.expected.jsonl`: each
//! case is a template, the variables, and what ansible-core 2.19's Templar
//! returned (value and Python type) or the message of the error it raised,
//! as written by `tests/tools/template_gaps_cases.py | ansible_template.py`.
//! Nothing in that file is written by hand.
//!
//! A case listed in `KNOWN_DEVIATIONS` is expected to differ (the reason
//! is given); the test fails once it matches, so the list stays true.

use crate::templating::render::Templar;
use crate::value::{Map, Value};

const CASES: &str = include_str!("../../../tests/tools/template_gaps.expected.jsonl");

const KNOWN_DEVIATIONS: &[(&str, &str)] = &[
    (
        "{{ 1 < 'a' }}",
        "minijinja orders values of different types and has no hook for comparisons",
    ),
    (
        "{{ omit }}",
        "our Templar returns the omit token and the executor drops the argument; ansible's \
         Templar raises and its executor catches that",
    ),
    ("{{ 'abc'.encode() }}", "templates have no bytes type here"),
    (
        "{{ lst.count(1) }}",
        "ansible's lazy list wrapper answers 0; we answer as Python's list.count",
    ),
    (
        "{{ 1 if false else (n | no_such_filter) }}",
        "Jinja2 checks filter names at compile time except inside conditional branches; \
         minijinja checks them when called, so we always use the compile-time wording",
    ),
    (
        "{{ foo( }}",
        "minijinja's parser words this syntax error differently",
    ),
    (
        "{{ 'abc }}",
        "minijinja's lexer words this syntax error differently",
    ),
];

/// ansible names its lazy containers where a value came from a template
/// literal or a variable; we name the Python type they stand for.
fn normalize(message: &str) -> String {
    message
        .replace("'_AnsibleLazyTemplateDict'", "'dict'")
        .replace("'_AnsibleLazyTemplateList'", "'list'")
}

/// Python type names as our values can tell them (tuples are lists here).
fn same_type(ours: &Value, theirs: &str) -> bool {
    let ours = ours.python_type_name();
    ours == theirs || (ours == "list" && theirs == "tuple")
}

#[test]
fn templar_matches_ansible() {
    let templar = Templar::new();
    let mut failures = Vec::new();
    let mut deviating = Vec::new();
    let mut count = 0;
    for line in CASES.lines().filter(|l| !l.trim().is_empty()) {
        count += 1;
        let case: serde_json::Value = serde_json::from_str(line).expect("case line");
        let template = case["template"].as_str().expect("template");
        let vars = match Value::from_json(&case["vars"]) {
            Value::Map(m) => m,
            _ => Map::new(),
        };
        let got = templar.template(template, &vars);
        let diff = match (&case.get("message"), &got) {
            (Some(want), Err(err)) => {
                let want = normalize(want.as_str().unwrap_or_default());
                (err.message != want).then(|| format!("error {want:?}, ours {:?}", err.message))
            }
            (Some(want), Ok(value)) => Some(format!("error {want}, ours {}", value.python_repr())),
            (None, Ok(value)) => {
                let want = Value::from_json(&case["value"]);
                let kind = case["type"].as_str().unwrap_or_default();
                (*value != want || !same_type(value, kind)).then(|| {
                    format!(
                        "{} ({kind}), ours {} ({})",
                        want.python_repr(),
                        value.python_repr(),
                        value.python_type_name()
                    )
                })
            }
            (None, Err(err)) => Some(format!("{}, ours error {:?}", case["value"], err.message)),
        };
        let known = KNOWN_DEVIATIONS.iter().any(|(t, _)| *t == template);
        match (diff, known) {
            (Some(diff), false) => failures.push(format!("{template}\n    ansible: {diff}")),
            (None, true) => failures.push(format!(
                "{template}\n    listed in KNOWN_DEVIATIONS but now matches ansible"
            )),
            (Some(_), true) => deviating.push(template.to_string()),
            (None, false) => {}
        }
    }
    assert!(count >= 140, "only {count} cases");
    assert!(
        failures.is_empty(),
        "{} of {count} cases differ from ansible:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(deviating.len(), KNOWN_DEVIATIONS.len());
}
