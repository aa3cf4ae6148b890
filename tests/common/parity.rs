//! Native-vs-ansible-core parity harness: run the same module arguments
//! through mitorun's native implementation and through ansible-core's real
//! module (shipped by mitorun, run by the same agent), each on a freshly
//! prepared scratch dir at the same path, and compare the results and the
//! end state of the dir.

#![allow(dead_code)]

use mitorun::transport::{Context, ModuleCall};
use mitorun::value::{Map, Value};
use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// One parity case.
pub struct Case {
    pub name: &'static str,
    /// Shell commands run in the scratch dir before each run.
    pub setup: &'static str,
    /// Module arguments; `@` in a string value is replaced by the scratch dir.
    pub args: Vec<(&'static str, Value)>,
    pub check_mode: bool,
    pub diff: bool,
    /// Result keys (at any depth) whose values differ run to run.
    pub volatile: &'static [&'static str],
    /// Module arguments taken as written (no `@` substitution: URLs with
    /// credentials).
    pub literal: Vec<(&'static str, Value)>,
    /// The task's environment (`environment:`), `@` substituted.
    pub environment: Vec<(&'static str, &'static str)>,
    /// A shell command (run in the scratch dir) whose output is the end
    /// state compared instead of the dir's tree: for state kept elsewhere
    /// (a crontab, a venv) or in files that differ run to run (a git
    /// index).
    pub state: Option<&'static str>,
}

impl Case {
    pub fn new(name: &'static str, setup: &'static str, args: Vec<(&'static str, Value)>) -> Case {
        Case {
            name,
            setup,
            args,
            check_mode: false,
            diff: false,
            volatile: &[],
            literal: Vec::new(),
            environment: Vec::new(),
            state: None,
        }
    }
    pub fn state(mut self, command: &'static str) -> Case {
        self.state = Some(command);
        self
    }
    pub fn check(mut self) -> Case {
        self.check_mode = true;
        self
    }
    pub fn diff(mut self) -> Case {
        self.diff = true;
        self
    }
    pub fn volatile(mut self, keys: &'static [&'static str]) -> Case {
        self.volatile = keys;
        self
    }
    pub fn env(mut self, key: &'static str, value: &'static str) -> Case {
        self.environment.push((key, value));
        self
    }
    pub fn literal(mut self, key: &'static str, value: Value) -> Case {
        self.literal.push((key, value));
        self
    }
}

pub fn s(v: &str) -> Value {
    Value::str(v)
}

fn substitute(v: &Value, dir: &str) -> Value {
    match v {
        Value::Str(t) => Value::str(t.replace('@', dir)),
        Value::List(items) => Value::List(items.iter().map(|i| substitute(i, dir)).collect()),
        Value::Map(m) => Value::Map(
            m.iter()
                .map(|(k, v)| (k.clone(), substitute(v, dir)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Names made up at run time: tempfile's `tmpX...` (the tests' prefix),
/// mkstemp's `tmp........` (at the end or as a path part), backups' `.PID.DATE@TIME~`, the email
/// package's multipart boundaries, module temp dirs, cron's
/// `crontabXXXXXXXX` temp files.
fn random_names() -> &'static regex::Regex {
    // Compiled once: scrubbing walks every value of every result.
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        regex::Regex::new(
            r"tmpX[A-Za-z0-9_]+|tmp[a-z0-9_]{8}$|\.\d+\.\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d~|={15}\d+==|/tmp[a-z0-9_]{8}\b|ansible-(?:module)?tmp-[^/\s']+|/tmp/crontab[a-z0-9_]{8}\b",
        )
        .expect("regex")
    })
}

/// Drops volatile keys everywhere and names made up at random
/// (`tmpX...`, ansible's link temp names) so two runs compare.
fn scrub(v: &Value, volatile: &[&str]) -> Value {
    let random = random_names();
    match v {
        Value::Str(t) => Value::str(random.replace_all(t, "<random>").into_owned()),
        Value::List(items) => Value::List(items.iter().map(|i| scrub(i, volatile)).collect()),
        Value::Map(m) => Value::Map(
            m.iter()
                .filter(|(k, _)| !volatile.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), scrub(v, volatile)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn prepare(dir: &Path, setup: &str) {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).expect("mkdir scratch");
    let ok = std::process::Command::new("/bin/sh")
        .args(["-ec", setup])
        .current_dir(dir)
        .status()
        .expect("setup runs")
        .success();
    assert!(ok, "setup failed: {setup}");
}

/// The dir's tree: path, type, mode, owner, size, content digest or link
/// target (not times: they differ between two runs).
pub fn snapshot(dir: &Path) -> Vec<String> {
    let random = random_names();
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(p) = stack.pop() {
        let Ok(md) = std::fs::symlink_metadata(&p) else {
            continue;
        };
        let rel = p.strip_prefix(dir).unwrap_or(&p).display().to_string();
        let rel = random.replace_all(&rel, "<random>").into_owned();
        let ft = md.file_type();
        let what = if ft.is_symlink() {
            format!(
                "link->{}",
                std::fs::read_link(&p)
                    .map(|t| t.display().to_string())
                    .unwrap_or_default()
            )
        } else if ft.is_dir() {
            if let Ok(rd) = std::fs::read_dir(&p) {
                for e in rd.flatten() {
                    stack.push(e.path());
                }
            }
            "dir".to_string()
        } else if !ft.is_file() {
            "special".to_string()
        } else {
            let data = std::fs::read(&p).unwrap_or_default();
            format!(
                "file size={} nlink={} data={:?}",
                md.len(),
                md.nlink(),
                String::from_utf8_lossy(&data)
            )
        };
        out.push(format!(
            "{rel} {what} mode={:o} uid={} gid={}",
            md.mode() & 0o7777,
            md.uid(),
            md.gid()
        ));
    }
    out.sort();
    out
}

async fn run(ctx: &Context, case: &Case, dir: &Path, native: bool) -> (Map, Vec<String>) {
    prepare(dir, case.setup);
    let d = dir.to_str().expect("utf-8 path");
    let args: Map = case
        .args
        .iter()
        .map(|(k, v)| (k.to_string(), substitute(v, d)))
        .chain(case.literal.iter().map(|(k, v)| (k.to_string(), v.clone())))
        .collect();
    let mut call = ModuleCall::new(case.name, args);
    call.prefer_native = native;
    call.check_mode = case.check_mode;
    call.diff = case.diff;
    for (k, v) in &case.environment {
        call.environment
            .insert(k.to_string(), Value::str(v.replace('@', d)));
    }
    let r = ctx
        .run_module(call)
        .await
        .unwrap_or_else(|e| panic!("{} {:?}: {e}", case.name, case.args));
    let state = match case.state {
        Some(command) => state_of(dir, command),
        None => snapshot(dir),
    };
    (r, state)
}

/// The output lines (stdout and stderr) of `command` run in `dir`.
fn state_of(dir: &Path, command: &str) -> Vec<String> {
    let out = std::process::Command::new("/bin/sh")
        .args(["-c", &format!("{command} 2>&1")])
        .current_dir(dir)
        .output()
        .expect("state command runs");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

/// Runs every case both ways and compares; returns the differences.
pub async fn compare(ctx: &Context, dir: &Path, cases: &[Case]) -> Vec<String> {
    compare_across(ctx, ctx, dir, cases).await
}

/// [`compare`] with the native module run through one connection and
/// ansible-core's through another (other interpreters).
pub async fn compare_across(
    native_ctx: &Context,
    real_ctx: &Context,
    dir: &Path,
    cases: &[Case],
) -> Vec<String> {
    let mut failures = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        eprintln!("parity case {i}: {} {:?}", case.name, case.args);
        let (n, n_disk) = run(native_ctx, case, dir, true).await;
        let (r, r_disk) = run(real_ctx, case, dir, false).await;
        let (sn, sr) = (
            scrub(&Value::Map(n.clone()), case.volatile),
            scrub(&Value::Map(r.clone()), case.volatile),
        );
        // The real module adds `exception` details on some failures.
        let drop_exc = |v: Value| match v {
            Value::Map(mut m) => {
                m.shift_remove("exception");
                m.shift_remove("details");
                Value::Map(m)
            }
            other => other,
        };
        let (sn, sr) = (drop_exc(sn), drop_exc(sr));
        if std::env::var_os("MITORUN_PARITY_SHOW").is_some() {
            eprintln!(
                "  native: {}\n  disk: {n_disk:?}",
                mitorun::transport::context::value_to_json(&sn)
            );
        }
        if sn != sr {
            failures.push(format!(
                "case {i} {} {:?} check={} diff={}:\n  native: {}\n  real:   {}",
                case.name,
                case.args,
                case.check_mode,
                case.diff,
                mitorun::transport::context::value_to_json(&sn),
                mitorun::transport::context::value_to_json(&sr)
            ));
        }
        if n_disk != r_disk {
            failures.push(format!(
                "case {i} {} {:?}: disk differs\n  native: {n_disk:#?}\n  real:   {r_disk:#?}",
                case.name, case.args
            ));
        }
    }
    failures
}

/// Fails the test naming every case that differed from ansible-core's.
pub fn assert_all_match(failures: &[String], total: usize) {
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        total,
        failures.join("\n")
    );
}
