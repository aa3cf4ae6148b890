//! Shared harness for the ansible parity tests (`inventory_parity.rs`, `pattern_parity.rs`).
//!
//! Every case lives in a directory holding a `case.json` plus the inventory files it uses.
//! For every command of every case we run the reference program (ansible-core 2.19 from the
//! venv whose bin dir is `MITORUN_REF_BIN`) and `mitorun` with the same arguments, the same
//! cwd (the case directory: ansible treats the cwd as the playbook dir and loads its
//! group_vars/host_vars!) and the same scrubbed environment, then compare stdout (byte for
//! byte) and the exit code. stderr is only reported, unless a command asks for it to be
//! compared (`compare_stderr`).
//!
//! `case.json` fields (all optional except `commands`/`patterns`):
//! - `description`: what the case covers (documentation only).
//! - `sources`: inventory sources; each becomes `-i SRC` (in order).
//! - `env`: extra environment variables for every command of the case.
//! - `expect_error`: default for the commands of the case (see below).
//! - `executable` / `not_executable`: files (relative to the case dir) whose exec bit must be
//!   set / unset; checked before anything runs (git must keep the mode).
//! - `commands`: a list whose items are either an argument array, e.g. `["--graph", "--vars"]`,
//!   or an object `{"args": [...], "sources": [...], "env": {...}, "expect_error": bool}`
//!   (`sources` replaces the case-level sources). Pattern cases use `"pattern"` in the object.
//! - `patterns` (pattern cases only): shorthand list of patterns, each run as
//!   `ansible -i SRC PATTERN --list-hosts`.
//!
//! A command object may carry `"compare_stderr": true`: stderr must then match byte for
//! byte too (for commands whose warnings are what the case is about).
//!
//! A command object may carry `"known_deviation": "why"`: a difference we know about and
//! have not fixed. It is reported but does not fail the suite while it differs, and fails
//! once it matches, so the mark is removed with the fix.
//!
//! `expect_error: true` means the reference exits non-zero: then only the exit code is
//! compared, and both programs must print something on stderr.
//!
//! Knobs: `MITORUN_PARITY_JOBS` (worker threads, default 4), `MITORUN_PARITY_FILTER`
//! (only cases whose relative path contains this substring), `MITORUN_PARITY_TIMEOUT`
//! (seconds per process, default 120), `MITORUN_PARITY_STDERR=1` (compare stderr of every
//! command: a survey of the warnings that still differ).

#![allow(dead_code)]

pub mod sshd;
pub mod zygote;

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fmt::Write as _;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;

pub const REF_BIN_UNSET: &str =
    "MITORUN_REF_BIN is not set: run .ci/run, which installs ansible-core 2.19 into a venv";

/// Which kind of parity suite a case belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Suite {
    /// `ansible-inventory ARGS` vs `mitorun inventory ARGS`.
    Inventory,
    /// `ansible PATTERN --list-hosts ARGS` vs `mitorun PATTERN --list-hosts ARGS`.
    Patterns,
}

impl Suite {
    pub fn name(self) -> &'static str {
        match self {
            Suite::Inventory => "inventory",
            Suite::Patterns => "pattern",
        }
    }

    pub fn fixtures_dir(self) -> PathBuf {
        let sub = match self {
            Suite::Inventory => "inventory",
            Suite::Patterns => "patterns",
        };
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests")
            .join("fixtures")
            .join(sub)
    }

    fn ref_program(self) -> &'static str {
        match self {
            Suite::Inventory => "ansible-inventory",
            Suite::Patterns => "ansible",
        }
    }
}

/// One command to run through both programs.
#[derive(Clone, Debug)]
pub struct Job {
    pub suite: Suite,
    /// Case directory relative to the suite's fixture dir, e.g. `errors/03-ini-partial-parse`.
    pub case: String,
    pub cwd: PathBuf,
    /// Arguments after the program name (shared by the reference and mitorun, except for
    /// mitorun's `inventory` subcommand prefix in the inventory suite).
    pub args: Vec<String>,
    pub env: BTreeMap<String, String>,
    pub expect_error: bool,
    /// A difference we know and have not fixed yet (the reason). Such a job
    /// is reported but does not fail the suite while it still differs; it
    /// fails once it matches, so the mark gets removed.
    pub known_deviation: Option<String>,
    /// stderr must match too.
    pub compare_stderr: bool,
}

impl Job {
    pub fn ref_argv(&self) -> Vec<String> {
        let mut v = vec![self.suite.ref_program().to_string()];
        v.extend(self.args.iter().cloned());
        v
    }

    pub fn mitorun_argv(&self) -> Vec<String> {
        let mut v = vec!["mitorun".to_string()];
        if self.suite == Suite::Inventory {
            v.push("inventory".to_string());
        }
        v.extend(self.args.iter().cloned());
        v
    }

    /// Human-readable label: env overrides + the reference command line.
    pub fn label(&self) -> String {
        let mut s = String::new();
        for (k, v) in &self.env {
            let _ = write!(s, "{}={} ", k, shell_quote(v));
        }
        s.push_str(
            &self
                .ref_argv()
                .iter()
                .map(|a| shell_quote(a))
                .collect::<Vec<_>>()
                .join(" "),
        );
        s
    }
}

/// What one process did.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    pub code: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// Set when the process could not be run at all, was killed by a signal or timed out.
    pub failure: Option<String>,
}

impl Outcome {
    fn code_str(&self) -> String {
        match (&self.code, &self.failure) {
            (Some(c), _) => c.to_string(),
            (None, Some(f)) => format!("none ({f})"),
            (None, None) => "none".to_string(),
        }
    }
}

pub fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:@,+%".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// The reference bin dir from `MITORUN_REF_BIN`; panics (fails the test) when unset.
pub fn ref_bin_dir() -> PathBuf {
    match std::env::var_os("MITORUN_REF_BIN") {
        Some(v) if !v.is_empty() => {
            let p = PathBuf::from(v);
            for prog in ["ansible", "ansible-inventory"] {
                if !p.join(prog).is_file() {
                    panic!(
                        "MITORUN_REF_BIN={} does not contain `{}`: point it at the bin dir of \
                         the ansible-core 2.19 venv (run .ci/run, which installs it)",
                        p.display(),
                        prog
                    );
                }
            }
            p
        }
        _ => panic!("{}", REF_BIN_UNSET),
    }
}

pub fn mitorun_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_mitorun"))
}

/// All case directories (those holding a `case.json`) under `root`, sorted, recursing into
/// sub-directories that are not cases themselves (e.g. `errors/`).
pub fn discover_cases(root: &Path) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        if dir.join("case.json").is_file() {
            out.push(dir.to_path_buf());
            return;
        }
        let mut entries: Vec<PathBuf> = match std::fs::read_dir(dir) {
            Ok(rd) => rd.filter_map(|e| e.ok()).map(|e| e.path()).collect(),
            Err(_) => return,
        };
        entries.sort();
        for p in entries {
            let hidden = p
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.'));
            if p.is_dir() && !hidden {
                walk(&p, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(root, &mut out);
    out
}

fn str_list(v: Option<&Value>, what: &str, case: &str) -> Result<Vec<String>, String> {
    match v {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| {
                i.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| format!("{case}: `{what}` must be a list of strings, got {i}"))
            })
            .collect(),
        Some(other) => Err(format!(
            "{case}: `{what}` must be a list of strings, got {other}"
        )),
    }
}

fn str_map(v: Option<&Value>, what: &str, case: &str) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    match v {
        None => {}
        Some(Value::Object(m)) => {
            for (k, v) in m {
                let s = v
                    .as_str()
                    .ok_or_else(|| format!("{case}: `{what}.{k}` must be a string, got {v}"))?;
                out.insert(k.clone(), s.to_string());
            }
        }
        Some(other) => return Err(format!("{case}: `{what}` must be an object, got {other}")),
    }
    Ok(out)
}

fn source_args(sources: &[String]) -> Vec<String> {
    sources
        .iter()
        .flat_map(|s| ["-i".to_string(), s.clone()])
        .collect()
}

#[cfg(unix)]
fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p)
        .map(|m| m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

#[cfg(not(unix))]
fn is_executable(_p: &Path) -> bool {
    true
}

/// Parses one case directory into jobs. Errors describe a broken corpus.
pub fn load_case(suite: Suite, root: &Path, dir: &Path) -> Result<Vec<Job>, String> {
    let case = dir
        .strip_prefix(root)
        .unwrap_or(dir)
        .to_string_lossy()
        .into_owned();
    let text = std::fs::read_to_string(dir.join("case.json"))
        .map_err(|e| format!("{case}: cannot read case.json: {e}"))?;
    let v: Value =
        serde_json::from_str(&text).map_err(|e| format!("{case}: invalid case.json: {e}"))?;
    let obj = v
        .as_object()
        .ok_or_else(|| format!("{case}: case.json must be an object"))?;

    for (field, want) in [("executable", true), ("not_executable", false)] {
        for f in str_list(obj.get(field), field, &case)? {
            let p = dir.join(&f);
            if !p.is_file() {
                return Err(format!("{case}: `{field}` lists {f}, which does not exist"));
            }
            if is_executable(&p) != want {
                return Err(if want {
                    format!(
                        "{case}: {f} lost its exec bit; it must be committed with mode 100755 \
                         (git update-index --chmod=+x)"
                    )
                } else {
                    format!("{case}: {f} must NOT be executable (mode 100644)")
                });
            }
        }
    }

    let sources = str_list(obj.get("sources"), "sources", &case)?;
    let case_env = str_map(obj.get("env"), "env", &case)?;
    let case_expect_error = obj
        .get("expect_error")
        .and_then(Value::as_bool)
        .unwrap_or(false);

    let mut jobs = Vec::new();
    let mk = |args_tail: Vec<String>,
              pattern: Option<String>,
              srcs: &[String],
              env: BTreeMap<String, String>,
              expect_error: bool| {
        let mut args = source_args(srcs);
        if let Some(p) = pattern {
            args.push(p);
            args.push("--list-hosts".to_string());
        }
        args.extend(args_tail);
        Job {
            suite,
            case: case.clone(),
            cwd: dir.to_path_buf(),
            args,
            env,
            expect_error,
            known_deviation: None,
            compare_stderr: false,
        }
    };

    if suite == Suite::Patterns {
        for p in str_list(obj.get("patterns"), "patterns", &case)? {
            jobs.push(mk(
                Vec::new(),
                Some(p),
                &sources,
                case_env.clone(),
                case_expect_error,
            ));
        }
    } else if obj.contains_key("patterns") {
        return Err(format!("{case}: `patterns` is only valid in pattern cases"));
    }

    let commands = match obj.get("commands") {
        None => Vec::new(),
        Some(Value::Array(c)) => c.clone(),
        Some(other) => return Err(format!("{case}: `commands` must be a list, got {other}")),
    };
    for (i, c) in commands.iter().enumerate() {
        let what = format!("commands[{i}]");
        match c {
            Value::Array(_) => {
                if suite == Suite::Patterns {
                    return Err(format!(
                        "{case}: {what}: pattern commands must be objects with `pattern`"
                    ));
                }
                let args = str_list(Some(c), &what, &case)?;
                jobs.push(mk(
                    args,
                    None,
                    &sources,
                    case_env.clone(),
                    case_expect_error,
                ));
            }
            Value::Object(o) => {
                let args = str_list(o.get("args"), &format!("{what}.args"), &case)?;
                let srcs = match o.get("sources") {
                    Some(s) => str_list(Some(s), &format!("{what}.sources"), &case)?,
                    None => sources.clone(),
                };
                let mut env = case_env.clone();
                env.extend(str_map(o.get("env"), &format!("{what}.env"), &case)?);
                let expect_error = o
                    .get("expect_error")
                    .and_then(Value::as_bool)
                    .unwrap_or(case_expect_error);
                let pattern = match (suite, o.get("pattern")) {
                    (Suite::Patterns, Some(Value::String(p))) => Some(p.clone()),
                    (Suite::Patterns, _) => {
                        return Err(format!("{case}: {what}: missing string `pattern`"));
                    }
                    (Suite::Inventory, None) => None,
                    (Suite::Inventory, Some(_)) => {
                        return Err(format!(
                            "{case}: {what}: `pattern` is only valid in pattern cases"
                        ));
                    }
                };
                let mut job = mk(args, pattern, &srcs, env, expect_error);
                job.known_deviation = o
                    .get("known_deviation")
                    .and_then(Value::as_str)
                    .map(str::to_string);
                job.compare_stderr = o
                    .get("compare_stderr")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                jobs.push(job);
            }
            other => {
                return Err(format!(
                    "{case}: {what} must be a list or an object, got {other}"
                ));
            }
        }
    }
    if jobs.is_empty() {
        return Err(format!("{case}: no commands"));
    }
    Ok(jobs)
}

/// Loads the cases of a suite, honouring `MITORUN_PARITY_FILTER`.
pub fn load_suite(suite: Suite) -> Result<Vec<Job>, Vec<String>> {
    let filter = std::env::var("MITORUN_PARITY_FILTER")
        .ok()
        .filter(|f| !f.is_empty());
    load_suite_filtered(suite, filter.as_deref())
}

/// Loads the cases of a suite whose relative path contains `filter` (all when `None`).
pub fn load_suite_filtered(suite: Suite, filter: Option<&str>) -> Result<Vec<Job>, Vec<String>> {
    let root = suite.fixtures_dir();
    let mut jobs = Vec::new();
    let mut errors = Vec::new();
    let cases = discover_cases(&root);
    if cases.is_empty() {
        errors.push(format!("no cases found under {}", root.display()));
    }
    for dir in cases {
        let rel = dir
            .strip_prefix(&root)
            .unwrap_or(&dir)
            .to_string_lossy()
            .into_owned();
        if filter.is_some_and(|f| !rel.contains(f)) {
            continue;
        }
        match load_case(suite, &root, &dir) {
            Ok(j) => jobs.extend(j),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(jobs)
    } else {
        Err(errors)
    }
}

static SCRATCH_COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A fresh, empty directory under the system temp dir; removed on drop.
pub struct ScratchDir(pub PathBuf);

impl ScratchDir {
    pub fn new(tag: &str) -> ScratchDir {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let n = SCRATCH_COUNTER.fetch_add(1, Ordering::SeqCst);
        let p = std::env::temp_dir().join(format!(
            "mitorun-parity-{}-{}-{}-{}",
            tag,
            std::process::id(),
            n,
            nanos
        ));
        std::fs::create_dir_all(&p).expect("cannot create scratch dir");
        ScratchDir(p)
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn timeout() -> Duration {
    let secs = std::env::var("MITORUN_PARITY_TIMEOUT")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or(120);
    Duration::from_secs(secs)
}

/// Runs `program args` in `cwd` with the controlled environment: env cleared, then PATH (the
/// caller's), HOME = a fresh empty dir (so no ~/.ansible.cfg), ANSIBLE_HOME and
/// ANSIBLE_LOCAL_TEMP inside it, LC_ALL=C.UTF-8, ANSIBLE_NOCOLOR=1, then `extra_env`.
pub fn run_controlled(
    program: &Path,
    args: &[String],
    cwd: &Path,
    extra_env: &BTreeMap<String, String>,
) -> Outcome {
    run_controlled_with_input(program, args, cwd, extra_env, None)
}

/// [`run_controlled`] with `input` as the program's stdin (it is empty
/// otherwise).
pub fn run_controlled_with_input(
    program: &Path,
    args: &[String],
    cwd: &Path,
    extra_env: &BTreeMap<String, String>,
    input: Option<&[u8]>,
) -> Outcome {
    let scratch = ScratchDir::new("home");
    let home = scratch.0.join("home");
    let _ = std::fs::create_dir_all(&home);
    let path = std::env::var_os("PATH").unwrap_or_else(|| OsString::from("/usr/bin:/bin"));

    let mut env: BTreeMap<String, String> = BTreeMap::new();
    env.insert("PATH".into(), path.to_string_lossy().into_owned());
    env.insert("HOME".into(), home.display().to_string());
    env.insert(
        "ANSIBLE_HOME".into(),
        home.join(".ansible").display().to_string(),
    );
    env.insert(
        "ANSIBLE_LOCAL_TEMP".into(),
        scratch.0.join("tmp").display().to_string(),
    );
    env.insert("LC_ALL".into(), "C.UTF-8".into());
    env.insert("ANSIBLE_NOCOLOR".into(), "1".into());
    env.extend(extra_env.iter().map(|(k, v)| (k.clone(), v.clone())));

    if let Some(socket) = zygote::serves(program) {
        let invocation = zygote::Invocation {
            program,
            args,
            cwd,
            env: &env,
            input,
        };
        let run = zygote::run(socket, &invocation, &scratch.0, timeout());
        return Outcome {
            code: run.code,
            stdout: run.stdout,
            stderr: run.stderr,
            failure: run.failure,
        };
    }

    let mut cmd = Command::new(program);
    cmd.args(args)
        .current_dir(cwd)
        .env_clear()
        .envs(&env)
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());

    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            return Outcome {
                failure: Some(format!("cannot run {}: {e}", program.display())),
                ..Outcome::default()
            };
        }
    };
    if let (Some(input), Some(mut stdin)) = (input, child.stdin.take()) {
        let input = input.to_vec();
        std::thread::spawn(move || {
            use std::io::Write;
            let _ = stdin.write_all(&input);
        });
    }
    let mut out_pipe = child.stdout.take().expect("stdout piped");
    let mut err_pipe = child.stderr.take().expect("stderr piped");
    let out_t = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = out_pipe.read_to_end(&mut b);
        b
    });
    let err_t = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = err_pipe.read_to_end(&mut b);
        b
    });

    let deadline = Instant::now() + timeout();
    let mut failure = None;
    let status = loop {
        match child.try_wait() {
            Ok(Some(st)) => break Some(st),
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                failure = Some(format!(
                    "timed out after {}s and was killed",
                    timeout().as_secs()
                ));
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => {
                failure = Some(format!("wait failed: {e}"));
                break None;
            }
        }
    };
    let stdout = out_t.join().unwrap_or_default();
    let stderr = err_t.join().unwrap_or_default();
    let code = status.and_then(|s| s.code());
    if failure.is_none() && code.is_none() {
        failure = Some(format!("killed by signal ({status:?})"));
    }
    Outcome {
        code,
        stdout,
        stderr,
        failure,
    }
}

/// Result of one job.
pub struct Compared {
    pub job: Job,
    pub reference: Outcome,
    pub mitorun: Outcome,
    /// Human-readable reasons; empty when the job passed.
    pub problems: Vec<String>,
}

pub fn compare(job: Job, reference: Outcome, mitorun: Outcome) -> Compared {
    let mut problems = Vec::new();
    if let Some(f) = &reference.failure {
        problems.push(format!("reference did not run properly: {f}"));
    }
    if job.expect_error {
        if reference.code == Some(0) {
            problems.push(
                "corpus: the case says expect_error but the reference exited 0 (fix case.json)"
                    .to_string(),
            );
        }
        if reference.code != mitorun.code {
            problems.push("exit codes differ".to_string());
        }
        if reference.stderr.iter().all(u8::is_ascii_whitespace) {
            problems.push("reference printed nothing on stderr".to_string());
        }
        if mitorun.stderr.iter().all(u8::is_ascii_whitespace) {
            problems.push("mitorun printed nothing on stderr".to_string());
        }
    } else {
        if reference.code != mitorun.code {
            problems.push("exit codes differ".to_string());
        }
        if reference.stdout != mitorun.stdout {
            problems.push("stdout differs".to_string());
        }
    }
    let all_stderr = std::env::var_os("MITORUN_PARITY_STDERR").is_some_and(|v| v == "1");
    if (job.compare_stderr || all_stderr) && reference.stderr != mitorun.stderr {
        problems.push("stderr differs".to_string());
    }
    if let Some(why) = &job.known_deviation {
        if problems.is_empty() {
            problems.push(format!(
                "marked as a known deviation ({why}) but now matches: remove the mark"
            ));
        } else {
            // The real stderr, not the captured print macros: visible in CI logs.
            use std::io::Write as _;
            let _ = writeln!(
                std::io::stderr(),
                "known deviation still present: {} :: {} ({why})",
                job.case,
                job.label()
            );
            problems.clear();
        }
    }
    Compared {
        job,
        reference,
        mitorun,
        problems,
    }
}

/// Runs all jobs on `MITORUN_PARITY_JOBS` threads (default 4); results keep the job order.
pub fn run_all(jobs: Vec<Job>) -> Vec<Compared> {
    let ref_dir = ref_bin_dir();
    let mito = mitorun_bin();
    let workers = std::env::var("MITORUN_PARITY_JOBS")
        .ok()
        .and_then(|s| s.parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or(4);
    let n = jobs.len();
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Compared>>> = Mutex::new((0..n).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..workers.min(n.max(1)) {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= n {
                        break;
                    }
                    let job = jobs[i].clone();
                    let ref_argv = job.ref_argv();
                    let reference = run_controlled(
                        &ref_dir.join(&ref_argv[0]),
                        &ref_argv[1..],
                        &job.cwd,
                        &job.env,
                    );
                    let mito_argv = job.mitorun_argv();
                    let mitorun = run_controlled(&mito, &mito_argv[1..], &job.cwd, &job.env);
                    let c = compare(job, reference, mitorun);
                    results.lock().unwrap()[i] = Some(c);
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap()
        .into_iter()
        .map(|c| c.expect("job not run"))
        .collect()
}

// ---------------------------------------------------------------------------------------
// Reporting

fn split_lines(b: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(b)
        .split_inclusive('\n')
        .map(str::to_string)
        .collect()
}

fn show_line(prefix: char, l: &str, out: &mut String) {
    let (body, nl) = match l.strip_suffix('\n') {
        Some(b) => (b, true),
        None => (l, false),
    };
    let body = body.replace('\r', "\\r");
    let _ = writeln!(out, "{prefix}{body}");
    if !nl {
        out.push_str("\\ No newline at end of output\n");
    }
}

/// A small unified-style line diff (LCS based) with 3 lines of context.
pub fn line_diff(a: &[u8], b: &[u8], max_lines: usize) -> String {
    let a = split_lines(a);
    let b = split_lines(b);
    let (n, m) = (a.len(), b.len());
    let mut out = String::new();
    if n.saturating_mul(m) > 25_000_000 {
        let _ = writeln!(out, "(outputs too large for a diff: {n} vs {m} lines)");
        return out;
    }
    // lcs[i][j] = LCS length of a[i..], b[j..]
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    // Edit script: (' ', i, j) keep, ('-', i) delete, ('+', j) insert.
    let mut ops: Vec<(char, usize, usize)> = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            ops.push((' ', i, j));
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) {
            ops.push(('-', i, j));
            i += 1;
        } else {
            ops.push(('+', i, j));
            j += 1;
        }
    }
    const CTX: usize = 3;
    let changed: Vec<usize> = ops
        .iter()
        .enumerate()
        .filter(|(_, o)| o.0 != ' ')
        .map(|(k, _)| k)
        .collect();
    let mut printed = 0usize;
    let mut k = 0;
    while k < changed.len() {
        let start = changed[k].saturating_sub(CTX);
        let mut end = changed[k] + CTX + 1;
        while k + 1 < changed.len() && changed[k + 1] <= end + CTX {
            k += 1;
            end = changed[k] + CTX + 1;
        }
        let end = end.min(ops.len());
        let (a0, b0) = (ops[start].1, ops[start].2);
        let a_len = ops[start..end].iter().filter(|o| o.0 != '+').count();
        let b_len = ops[start..end].iter().filter(|o| o.0 != '-').count();
        let _ = writeln!(out, "@@ -{},{} +{},{} @@", a0 + 1, a_len, b0 + 1, b_len);
        for op in &ops[start..end] {
            if printed >= max_lines {
                let _ = writeln!(out, "... (diff truncated)");
                return out;
            }
            match op.0 {
                ' ' => show_line(' ', &a[op.1], &mut out),
                '-' => show_line('-', &a[op.1], &mut out),
                _ => show_line('+', &b[op.2], &mut out),
            }
            printed += 1;
        }
        k += 1;
    }
    out
}

fn indent_block(b: &[u8], max_lines: usize) -> String {
    let text = String::from_utf8_lossy(b);
    if text.trim().is_empty() {
        return "    (empty)\n".to_string();
    }
    let mut out = String::new();
    let lines: Vec<&str> = text.lines().collect();
    for l in lines.iter().take(max_lines) {
        let _ = writeln!(out, "    {l}");
    }
    if lines.len() > max_lines {
        let _ = writeln!(out, "    ... ({} more lines)", lines.len() - max_lines);
    }
    out
}

/// Builds the report for all mismatches of a run.
pub fn report(suite: Suite, results: &[Compared]) -> (String, usize) {
    let mut out = String::new();
    let mut mismatches = 0;
    for c in results.iter().filter(|c| !c.problems.is_empty()) {
        mismatches += 1;
        let _ = writeln!(
            out,
            "\n=== [{}] {} :: {}",
            suite.name(),
            c.job.case,
            c.job.label()
        );
        let _ = writeln!(out, "    cwd: {}", c.job.cwd.display());
        let _ = writeln!(
            out,
            "    mitorun: {}",
            c.job
                .mitorun_argv()
                .iter()
                .map(|a| shell_quote(a))
                .collect::<Vec<_>>()
                .join(" ")
        );
        let _ = writeln!(out, "    problems: {}", c.problems.join("; "));
        let _ = writeln!(
            out,
            "    exit code: reference={} mitorun={}{}",
            c.reference.code_str(),
            c.mitorun.code_str(),
            if c.job.expect_error {
                " (expect_error: stdout not compared)"
            } else {
                ""
            }
        );
        if !c.job.expect_error && c.reference.stdout != c.mitorun.stdout {
            let _ = writeln!(out, "--- stdout diff (- reference, + mitorun):");
            out.push_str(&line_diff(&c.reference.stdout, &c.mitorun.stdout, 120));
        }
        let same_err = c.reference.stderr == c.mitorun.stderr;
        let _ = writeln!(
            out,
            "--- stderr identical: {}",
            if same_err { "yes" } else { "no" }
        );
        if !same_err {
            let _ = writeln!(out, "--- stderr (reference):");
            out.push_str(&indent_block(&c.reference.stderr, 40));
            let _ = writeln!(out, "--- stderr (mitorun):");
            out.push_str(&indent_block(&c.mitorun.stderr, 40));
        }
    }
    (out, mismatches)
}

/// Entry point used by both test files.
pub fn run_suite(suite: Suite) {
    // Fail loudly (never pass silently) when the reference is missing.
    let _ = ref_bin_dir();
    let jobs = match load_suite(suite) {
        Ok(j) => j,
        Err(errs) => panic!(
            "broken {} parity corpus:\n  {}",
            suite.name(),
            errs.join("\n  ")
        ),
    };
    let started = Instant::now();
    let results = run_all(jobs);
    let stderr_diffs = results
        .iter()
        .filter(|c| c.reference.stderr != c.mitorun.stderr)
        .count();
    let (text, mismatches) = report(suite, &results);
    let summary = format!(
        "{} parity: {} commands compared, {} mismatches ({} with differing stderr, not asserted; {:.1}s)",
        suite.name(),
        results.len(),
        mismatches,
        stderr_diffs,
        started.elapsed().as_secs_f64()
    );
    // Written to the real stderr (not the captured print macros) so it shows in CI logs.
    {
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), "{summary}");
    }
    if mismatches > 0 {
        panic!("{text}\n{summary}");
    }
}
