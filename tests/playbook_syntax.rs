//! Parity of playbook reading with ansible-core 2.19: the reference
//! `ansible-playbook` (from `MITORUN_REF_BIN`) and mitorun run with
//! `--syntax-check`, `--list-tasks`, `--list-tags` and `--list-hosts` over
//! the playbooks in `tests/fixtures/playbooks/`. Success cases must match
//! stdout byte for byte (see `normalize` for the one exception) and the exit
//! code; error cases (`errors/*.yml`) must fail with the same exit code and
//! the same `[ERROR]` line.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/playbooks")
}

fn ref_playbook() -> PathBuf {
    let bin = common::ref_bin_dir().join("ansible-playbook");
    assert!(
        bin.is_file(),
        "{} is missing: MITORUN_REF_BIN must hold ansible-playbook",
        bin.display()
    );
    bin
}

/// ansible prints a play's hosts from a Python `set`, whose order changes
/// from run to run: host lines are compared sorted within each play.
fn normalize(out: &[u8]) -> String {
    let text = String::from_utf8_lossy(out);
    let mut lines: Vec<String> = Vec::new();
    let mut run: Vec<String> = Vec::new();
    let mut in_hosts = false;
    for line in text.split_inclusive('\n') {
        if in_hosts && line.starts_with("      ") && !line.contains('\t') {
            run.push(line.to_string());
            continue;
        }
        run.sort();
        lines.append(&mut run);
        in_hosts = line.starts_with("    hosts (");
        lines.push(line.to_string());
    }
    run.sort();
    lines.append(&mut run);
    lines.concat()
}

struct Run {
    label: String,
    problems: Vec<String>,
}

fn compare(dir: &Path, args: &[String], expect_error: bool, env: &BTreeMap<String, String>) -> Run {
    let reference = common::run_controlled(&ref_playbook(), args, dir, env);
    let ours = common::run_controlled(&common::mitorun_bin(), args, dir, env);
    let label = format!(
        "(cd {} && ansible-playbook {})",
        dir.strip_prefix(fixtures()).unwrap_or(dir).display(),
        args.join(" ")
    );
    let mut problems = Vec::new();
    if let Some(f) = &reference.failure {
        problems.push(format!("reference did not run: {f}"));
    }
    if let Some(f) = &ours.failure {
        problems.push(format!("mitorun did not run: {f}"));
    }
    if reference.code != ours.code {
        problems.push(format!(
            "exit code: ansible {:?}, mitorun {:?}\n  mitorun stderr: {}",
            reference.code,
            ours.code,
            String::from_utf8_lossy(&ours.stderr)
                .lines()
                .next()
                .unwrap_or("")
        ));
    }
    if expect_error {
        if reference.code == Some(0) {
            problems.push("the reference accepted a case expected to fail".into());
        }
        // The error's first line (`[ERROR]: message`) is ansible's; the
        // source excerpt below it is miette's.
        // The per-run HOME (in role search paths) is masked.
        let first_line = |err: &[u8]| {
            let line = String::from_utf8_lossy(err)
                .lines()
                .find(|l| l.starts_with("[ERROR]"))
                .unwrap_or("")
                .to_string();
            let home = regex::Regex::new(r"/tmp/mitorun-parity-home-[0-9-]+/").expect("regex");
            home.replace_all(&line, "<HOME>/").into_owned()
        };
        let (theirs, mine) = (first_line(&reference.stderr), first_line(&ours.stderr));
        if theirs != mine {
            problems.push(format!(
                "error differs:\n  ansible: {theirs}\n  mitorun: {mine}"
            ));
        }
    } else {
        if reference.code != Some(0) {
            problems.push(format!(
                "the reference failed on a success case:\n{}",
                String::from_utf8_lossy(&reference.stderr)
            ));
        }
        let (a, b) = (normalize(&reference.stdout), normalize(&ours.stdout));
        if a != b {
            problems.push(format!(
                "stdout differs (- ansible, + mitorun):\n{}",
                common::line_diff(a.as_bytes(), b.as_bytes(), 40)
            ));
        }
    }
    Run { label, problems }
}

fn report(runs: Vec<Run>) {
    let total = runs.len();
    let failed: Vec<&Run> = runs.iter().filter(|r| !r.problems.is_empty()).collect();
    let mut msg = String::new();
    for r in &failed {
        msg.push_str(&format!(
            "FAIL {}\n  {}\n",
            r.label,
            r.problems.join("\n  ")
        ));
    }
    eprintln!(
        "{} of {total} commands match ansible-playbook",
        total - failed.len()
    );
    assert!(
        failed.is_empty(),
        "{} of {total} commands differ:\n{msg}",
        failed.len()
    );
}

fn success_cases() -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(fixtures())
        .expect("fixtures dir")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("site.yml").is_file())
        .collect();
    cases.sort();
    cases
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// Extra command lines for some cases (tag selection, limits).
fn extra_commands(case: &str) -> Vec<Vec<String>> {
    let run = |l: &[&str]| args(l);
    match case {
        "basic" => vec![
            run(&["--list-tasks", "--tags", "shell"]),
            run(&["--list-tasks", "--skip-tags", "raw,loop"]),
            run(&["--list-tags", "--tags", "raw"]),
            run(&["--list-hosts", "--limit", "web1"]),
        ],
        "roles_deps" => vec![
            run(&["--list-tasks", "--tags", "apptag"]),
            run(&["--list-tasks", "--skip-tags", "fromapp"]),
            run(&["--list-tags", "--tags", "basetag,fromapp"]),
        ],
        // The validation tasks are tagged `always`.
        "role_argspecs" => vec![
            run(&["--list-tasks", "--tags", "spectag"]),
            run(&["--list-tasks", "--skip-tags", "always"]),
            run(&["--list-tasks", "-e", "asked=given"]),
        ],
        "tasks_from" => vec![run(&[
            "--list-tasks",
            "--tags",
            "imported",
            "--tags",
            "inc",
        ])],
        "import_playbook" => vec![
            run(&["--list-tasks", "--tags", "second"]),
            run(&["--list-hosts", "--limit", "db"]),
        ],
        "import_tasks" => vec![
            run(&["--list-tasks", "--tags", "nested"]),
            run(&["--list-tasks", "--skip-tags", "outer"]),
        ],
        "blocks" => vec![
            run(&["--list-tasks", "--tags", "nestedtag"]),
            run(&["--list-tasks", "--skip-tags", "blocktag"]),
            run(&["--list-tags", "--tags", "rescuetag"]),
        ],
        "special_tags" => vec![
            run(&["--list-tasks", "--tags", "debugonly"]),
            run(&["--list-tasks", "--tags", "tagged"]),
            run(&["--list-tasks", "--tags", "untagged"]),
            run(&["--list-tasks", "--skip-tags", "always"]),
            run(&["--list-tasks", "--skip-tags", "all"]),
            run(&["--list-tasks", "--tags", "all", "--skip-tags", "one"]),
            run(&["--list-tags", "--tags", "never"]),
        ],
        "multi_hosts" => vec![
            run(&["--list-hosts", "--limit", "web"]),
            run(&["--list-hosts", "--limit", "nothere"]),
        ],
        _ => Vec::new(),
    }
}

#[test]
fn success_cases_match_ansible() {
    let mut runs = Vec::new();
    let cases = success_cases();
    assert!(
        cases.len() >= 20,
        "expected at least 20 playbooks, found {}",
        cases.len()
    );
    for dir in cases {
        let case = dir.file_name().unwrap().to_string_lossy().into_owned();
        let mut commands: Vec<Vec<String>> = [
            "--syntax-check",
            "--list-tasks",
            "--list-tags",
            "--list-hosts",
        ]
        .iter()
        .map(|m| vec![m.to_string()])
        .collect();
        commands.push(args(&["--list-tasks", "--list-tags", "--list-hosts"]));
        commands.extend(extra_commands(&case));
        for mut cmd in commands {
            let mut full = args(&["-i", "../hosts.ini", "site.yml"]);
            full.append(&mut cmd);
            let expect_error = full.iter().any(|a| a == "nothere");
            runs.push(compare(&dir, &full, expect_error, &BTreeMap::new()));
        }
    }
    report(runs);
}

#[test]
fn error_cases_match_ansible_exit_codes() {
    let dir = fixtures().join("errors");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .expect("errors dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yml"))
        .collect();
    files.sort();
    assert!(files.len() >= 5);
    let mut runs = Vec::new();
    // One mode per file: a playbook that does not load fails the same way
    // (same message, same exit code) whatever is asked of it, so a second
    // mode doubled the suite's slowest part (an ansible-playbook start
    // each) without covering more. One file keeps both, as a check of that.
    for f in files {
        let modes: &[&str] = if f == "bad_yaml.yml" {
            &["--syntax-check", "--list-tasks"]
        } else {
            &["--syntax-check"]
        };
        for mode in modes {
            let a = args(&["-i", "localhost,", &f, mode]);
            runs.push(compare(&dir, &a, true, &BTreeMap::new()));
        }
    }
    report(runs);
}

#[test]
fn several_playbooks_and_roles_path() {
    let root = fixtures();
    let mut env = BTreeMap::new();
    env.insert(
        "ANSIBLE_ROLES_PATH".to_string(),
        root.join("roles_deps/roles").display().to_string(),
    );
    let runs = vec![
        compare(
            &root,
            &args(&[
                "-i",
                "hosts.ini",
                "basic/site.yml",
                "blocks/site.yml",
                "--list-tasks",
            ]),
            false,
            &BTreeMap::new(),
        ),
        // `common` is found through ANSIBLE_ROLES_PATH from another dir.
        compare(
            &root.join("role_path"),
            &args(&[
                "-i",
                "../hosts.ini",
                "../roles_deps/site.yml",
                "--list-tasks",
            ]),
            false,
            &env,
        ),
    ];
    report(runs);
}
