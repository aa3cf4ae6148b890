//! The agent's argument-spec validator against ansible-core 2.19's, live:
//! every case of `tests/fixtures/argspec/cases.json` (spec, module-level
//! groups, parameters) goes through ansible's ModuleArgumentSpecValidator
//! and AnsibleModule (the reference venv's python, MITORUN_REF_BIN) and
//! through the agent's `validate_arguments` and `run_module_body` (the
//! agent source as embedded in mitorun, run by the system python3), both
//! driven by `tests/tools/argspec_driver.py`. Compared: the errors (kind and
//! message, in order), the validated parameters (with their order), no_log
//! values, unsupported names, warnings, deprecations, and the JSON the
//! module prints (failure message, invocation with no_log masking,
//! warnings, check-mode skip).

#[path = "common/sshd.rs"]
mod sshd;
#[path = "common/transport.rs"]
mod tr;

use std::path::{Path, PathBuf};
use std::process::Command;

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The embedded agent without its last line (`main()`), so a driver can
/// load its definitions without starting an agent.
fn agent_definitions(dir: &Path) -> PathBuf {
    let source = mitorun::transport::bootstrap::agent_source();
    let body = source
        .strip_suffix("\nmain()\n")
        .expect("the agent source ends by calling main()");
    let path = dir.join("agent_defs.py");
    std::fs::write(&path, body).expect("write agent definitions");
    path
}

/// Runs the driver; returns its output lines.
fn drive(python: &str, args: &[&str]) -> Vec<String> {
    let out = Command::new(python)
        .arg(manifest().join("tests/tools/argspec_driver.py"))
        .args(args)
        // Same hash seed on both sides: ansible lists its boolean spellings
        // in set order, and unsupported-parameter contexts are a set.
        .env("PYTHONHASHSEED", "0")
        .env("MITORUN_ARGSPEC_VAR", "var-value")
        .env("MITORUN_ARGSPEC_BOOL", "yes")
        .env_remove("MITORUN_ARGSPEC_UNSET")
        .env_remove("ANSIBLE_UNSAFE_WRITES")
        .output()
        .unwrap_or_else(|e| panic!("run {python}: {e}"));
    assert!(
        out.status.success(),
        "{python} driver failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn validator_matches_ansible_core() {
    let bin =
        tr::ref_bin().expect("MITORUN_REF_BIN must point at the ansible-core 2.19 venv's bin dir");
    let dir = tr::tempdir("argspec");
    let cases = manifest().join("tests/fixtures/argspec/cases.json");
    let cases_arg = cases.to_str().expect("utf-8 path");
    let agent = agent_definitions(&dir);
    let reference = drive(&format!("{bin}/python"), &["ref", cases_arg]);
    let ours = drive(
        "/usr/bin/python3",
        &["agent", cases_arg, agent.to_str().expect("utf-8 path")],
    );
    let n_cases = serde_json::from_str::<serde_json::Value>(
        &std::fs::read_to_string(&cases).expect("read cases"),
    )
    .ok()
    .and_then(|v| v.as_array().map(Vec::len))
    .expect("cases are a JSON list");
    assert_eq!(reference.len(), 3 * n_cases, "reference output lines");
    assert_eq!(ours.len(), 3 * n_cases, "agent output lines");
    let mut failures = Vec::new();
    for (i, (r, o)) in reference.chunks(3).zip(ours.chunks(3)).enumerate() {
        assert!(
            !r[1].contains("\"crash\"") && !r[2].contains("\"crash\""),
            "reference crashed on case {i} {}: {r:?}",
            r[0]
        );
        for (what, a, b) in [("validator", &r[1], &o[1]), ("module", &r[2], &o[2])] {
            if a != b {
                failures.push(format!(
                    "case {i} {} ({what}):\n  ansible: {a}\n  agent:   {b}",
                    r[0]
                ));
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        failures.is_empty(),
        "{} of {} comparisons differ:\n{}",
        failures.len(),
        2 * n_cases,
        failures.join("\n")
    );
}
