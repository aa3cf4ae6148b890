//! Golden-output parity of running playbooks: every `*.yml` in
//! `tests/fixtures/run/` is run by ansible-playbook 2.19 (from
//! `MITORUN_REF_BIN`) and by mitorun, in that directory, with
//! `-i inventory.ini`; stdout must be byte-identical and the exit codes
//! equal. A first line `# args: ...` adds command-line arguments (split on
//! whitespace); `# env: K=V ...` sets environment variables (`{ref_bin}`
//! in a value is the reference venv's bin directory); `# stdin: A B ...`
//! gives the words as lines of stdin (answers to `--step`).
//!
//! `parallel/*.yml` run with several forks, where ansible's order of hosts
//! varies from run to run: what each host printed (its results under
//! their task banners), the play banners, the recap and the exit code must
//! match; the interleaving need not.
//!
//! `expressions.txt` is the templating differential corpus: one Jinja
//! expression per line, each becomes a `debug: msg="{{ expr }}"` task
//! (errors included: the tasks ignore errors) of a generated playbook.
//!
//! Knob: `MITORUN_RUN_FILTER` — only playbooks whose name contains it.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/run")
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

fn header_args(playbook: &Path) -> Vec<String> {
    header(playbook, "# args:")
}

/// Words of a `# NAME:` line among the first lines of a playbook.
fn header(playbook: &Path, prefix: &str) -> Vec<String> {
    let text = std::fs::read_to_string(playbook).unwrap_or_default();
    text.lines()
        .take(3)
        .find_map(|l| l.strip_prefix(prefix))
        .map(|rest| rest.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default()
}

/// `# env: K=V ...` of a playbook. `{ref_collections}` in a value is
/// MITORUN_REF_COLLECTIONS: a collections path holding ansible.posix (its
/// json, profile_tasks and timer callbacks are not in ansible-core) and
/// community.general (its yaml callback); `.ci/run` installs them.
fn header_env(playbook: &Path) -> Vec<(String, String)> {
    let ref_bin = common::ref_bin_dir().display().to_string();
    header(playbook, "# env:")
        .into_iter()
        .filter_map(|kv| {
            kv.split_once('=').map(|(k, v)| {
                let mut value = v.replace("{ref_bin}", &ref_bin);
                if value.contains("{ref_collections}") {
                    value = value.replace("{ref_collections}", &ref_collections());
                }
                (k.to_string(), value)
            })
        })
        .collect()
}

fn ref_collections() -> String {
    let dir = std::env::var("MITORUN_REF_COLLECTIONS").unwrap_or_default();
    for collection in ["ansible/posix", "community/general"] {
        assert!(
            Path::new(&dir)
                .join("ansible_collections")
                .join(collection)
                .is_dir(),
            "MITORUN_REF_COLLECTIONS ({dir:?}) must hold ansible_collections/{collection} (see .ci/run)"
        );
    }
    dir
}

struct Case {
    name: String,
    dir: PathBuf,
    args: Vec<String>,
    /// `# env: K=V ...` of the playbook.
    env: Vec<(String, String)>,
    /// `# stdin: ...` of the playbook: lines to type.
    stdin: Option<Vec<String>>,
    /// `# compare: stderr`: stderr must match too (for output an option
    /// moves there).
    compare_stderr: bool,
}

/// Values that differ from run to run get masked in both outputs: timings
/// of module results (`start`, `end`, `delta`, also the json callback's
/// durations), async job ids (`j` + random number + `.` + pid, also inside
/// `results_file` paths), the pid of a job killed at its time limit, the
/// json callback's play and task ids, and the times profile_tasks and
/// timer print.
fn mask_run_values(stdout: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(stdout);
    let ids = regex::Regex::new(
        r#""id": "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}""#,
    )
    .expect("valid regex");
    let text = ids.replace_all(&text, "\"id\": \"<masked>\"");
    let profile_line = regex::Regex::new(
        r"(?m)^[A-Z][a-z]+ \d\d [A-Z][a-z]+ \d{4}  \d\d:\d\d:\d\d [+-]\d{4} \(\d+:\d\d:\d\d\.\d{3}\) +\d+:\d\d:\d\d\.\d{3} \*+ $",
    )
    .expect("valid regex");
    let text = profile_line.replace_all(&text, "<profile_tasks time line>");
    let task_time = regex::Regex::new(r"(?m)-* \d+\.\d\ds$").expect("valid regex");
    let text = task_time.replace_all(&text, " <task time>");
    let run_took =
        regex::Regex::new(r"Playbook run took \d+ days, \d+ hours, \d+ minutes, \d+ seconds")
            .expect("valid regex");
    let text = run_took.replace_all(&text, "Playbook run took <masked>");
    let timings = regex::Regex::new(r#""(start|end|delta)": "[^"]*""#).expect("valid regex");
    let text = timings.replace_all(&text, "\"$1\": \"<masked>\"");
    // The same keys as result_format=yaml writes them.
    let yaml_timings =
        regex::Regex::new(r"(?m)^( +)(start|end|delta): '[^']*'$").expect("valid regex");
    let text = yaml_timings.replace_all(&text, "$1$2: <masked>");
    let job_ids = regex::Regex::new(r"\bj[0-9]+\.[0-9]+\b").expect("valid regex");
    let text = job_ids.replace_all(&text, "j<masked>");
    let pids = regex::Regex::new(r#""child_pid": [0-9]+"#).expect("valid regex");
    pids.replace_all(&text, "\"child_pid\": <masked>")
        .into_owned()
        .into_bytes()
}

fn compare(case: &Case) -> Option<String> {
    // One fork: ansible then reports hosts in inventory order, as mitorun
    // does; with more forks ansible's own order varies from run to run.
    let mut env = BTreeMap::from([
        ("ANSIBLE_NOCOWS".to_string(), "1".to_string()),
        ("ANSIBLE_FORKS".to_string(), "1".to_string()),
    ]);
    env.extend(case.env.iter().cloned());
    let input: Option<Vec<u8>> = case.stdin.as_ref().map(|words| {
        words
            .iter()
            .map(|w| format!("{w}\n"))
            .collect::<String>()
            .into_bytes()
    });
    let reference = common::run_controlled_with_input(
        &ref_playbook(),
        &case.args,
        &case.dir,
        &env,
        input.as_deref(),
    );
    // mitorun runs ansible-core's modules from the reference venv when it
    // has no native one.
    let mut our_env = env.clone();
    our_env.insert(
        "MITORUN_ANSIBLE_PYTHON".to_string(),
        common::ref_bin_dir().join("python").display().to_string(),
    );
    let mut ours = common::run_controlled_with_input(
        &common::mitorun_bin(),
        &case.args,
        &case.dir,
        &our_env,
        input.as_deref(),
    );
    let mut reference = reference;
    reference.stdout = mask_run_values(&reference.stdout);
    ours.stdout = mask_run_values(&ours.stdout);
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
        ));
    }
    if reference.stdout != ours.stdout {
        problems.push(format!(
            "stdout differs (- ansible, + mitorun):\n{}",
            common::line_diff(&reference.stdout, &ours.stdout, 60)
        ));
    }
    if case.compare_stderr {
        let (want, got) = (
            mask_run_values(&reference.stderr),
            mask_run_values(&ours.stderr),
        );
        if want != got {
            problems.push(format!(
                "stderr differs (- ansible, + mitorun):\n{}",
                common::line_diff(&want, &got, 60)
            ));
        }
    }
    if problems.is_empty() {
        None
    } else {
        Some(format!(
            "FAIL {}: ansible-playbook {}\n  {}",
            case.name,
            case.args.join(" "),
            problems.join("\n  ")
        ))
    }
}

fn run_cases(cases: Vec<Case>) {
    let total = cases.len();
    let queue = Mutex::new(cases);
    let failures = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                loop {
                    let case = match queue.lock() {
                        Ok(mut q) => q.pop(),
                        Err(_) => None,
                    };
                    let Some(case) = case else { break };
                    if let Some(problem) = compare(&case)
                        && let Ok(mut f) = failures.lock()
                    {
                        f.push(problem);
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap_or_default();
    eprintln!(
        "{} of {total} playbooks print what ansible-playbook prints",
        total - failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {total} playbooks differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn filter() -> Option<String> {
    std::env::var("MITORUN_RUN_FILTER").ok()
}

/// The fixtures work in fixed /tmp/mitorun-golden-* paths (async dirs,
/// copy destinations): two checkouts running this suite at once on one
/// machine would clean up each other's files, so runs take turns.
fn golden_paths_lock() -> std::fs::File {
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(std::env::temp_dir().join("mitorun-golden.lock"))
        .expect("open the golden fixtures' lock file");
    lock.lock().expect("lock the golden fixtures' paths");
    lock
}

/// The golden cases of the playbooks (`*.yml`) directly in `dir`, named
/// `prefix` + file name, run with `-i inventory`, their `# args:`,
/// `# env:` and `# stdin:` headers (and the name filter) applied.
fn golden_cases(dir: &Path, prefix: &str, inventory: &str) -> Vec<Case> {
    let mut cases = Vec::new();
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries.flatten() {
        let path = entry.path();
        let Some(name) = path
            .file_name()
            .and_then(|n| n.to_str())
            .map(str::to_string)
        else {
            continue;
        };
        if !name.ends_with(".yml") || filter().is_some_and(|f| !name.contains(&f)) {
            continue;
        }
        let mut args = vec!["-i".to_string(), inventory.to_string()];
        args.extend(header_args(&path));
        args.push(name.clone());
        let stdin = Some(header(&path, "# stdin:")).filter(|w| !w.is_empty());
        cases.push(Case {
            name: format!("{prefix}{name}"),
            dir: dir.to_path_buf(),
            args,
            env: header_env(&path),
            stdin,
            compare_stderr: header(&path, "# compare:").iter().any(|w| w == "stderr"),
        });
    }
    cases
}

#[test]
fn playbooks_print_what_ansible_prints() {
    let _turn = golden_paths_lock();
    let mut cases = golden_cases(&fixtures(), "", "inventory.ini");
    cases.sort_by(|a, b| b.name.cmp(&a.name));
    assert!(
        filter().is_some() || cases.len() >= 30,
        "the corpus should have at least 30 playbooks"
    );
    run_cases(cases);
}

/// A project with its own Python filter, test and lookup plugins (beside
/// the playbook and in a role), kept in its own directory so the other
/// golden playbooks run without them, as they would in their own projects.
#[test]
fn project_python_plugins_print_what_ansible_prints() {
    let dir = fixtures().join("python_plugins");
    let cases = golden_cases(&dir, "python_plugins/", "../inventory.ini");
    assert!(
        filter().is_some() || !cases.is_empty(),
        "fixtures/run/python_plugins holds no playbooks"
    );
    run_cases(cases);
}

/// A project with its own Python action plugins (`action_plugins/`, and a
/// `library/` module one of them shadows), in its own directory so the
/// other golden playbooks run without them.
#[test]
fn project_action_plugins_print_what_ansible_prints() {
    let dir = fixtures().join("action_project");
    let cases = golden_cases(&dir, "action_project/", "../inventory.ini");
    assert!(
        filter().is_some() || !cases.is_empty(),
        "fixtures/run/action_project holds no playbooks"
    );
    run_cases(cases);
}

/// A project with its own Python callback plugins (`callback_plugins/`,
/// and a collection's, enabled by full name), in its own directory: a
/// callback that needs no enabling loads for every playbook beside it.
#[test]
fn project_callback_plugins_print_what_ansible_prints() {
    let dir = fixtures().join("callback_project");
    let cases = golden_cases(&dir, "callback_project/", "../inventory.ini");
    assert!(
        filter().is_some() || !cases.is_empty(),
        "fixtures/run/callback_project holds no playbooks"
    );
    run_cases(cases);
}

/// Without a controller Python that imports ansible-core, a task whose
/// action is a Python action plugin fails saying so (the interpreter named
/// by MITORUN_ANSIBLE_PYTHON here is /usr/bin/python3 without its site
/// packages, so it cannot import ansible wherever the test runs).
#[test]
fn action_plugin_without_ansible_core_fails_clearly() {
    use std::os::unix::fs::PermissionsExt;
    if filter().is_some() {
        return;
    }
    let scratch = common::ScratchDir::new("no-ansible-python");
    let python = scratch.0.join("python3");
    std::fs::write(&python, "#!/bin/sh\nexec /usr/bin/python3 -S \"$@\"\n")
        .expect("write the interpreter wrapper");
    std::fs::set_permissions(&python, std::fs::Permissions::from_mode(0o755))
        .expect("make the wrapper executable");
    let env = BTreeMap::from([
        ("ANSIBLE_NOCOWS".to_string(), "1".to_string()),
        ("ANSIBLE_FORKS".to_string(), "1".to_string()),
        (
            "MITORUN_ANSIBLE_PYTHON".to_string(),
            python.display().to_string(),
        ),
    ]);
    let args: Vec<String> = ["-i", "../inventory.ini", "01_computed.yml"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let ours = common::run_controlled(
        &common::mitorun_bin(),
        &args,
        &fixtures().join("action_project"),
        &env,
    );
    let stdout = String::from_utf8_lossy(&ours.stdout);
    assert_eq!(ours.code, Some(2), "{stdout}");
    let want = format!(
        "fatal: [h1]: FAILED! => {{\"changed\": false, \"msg\": \"The action plugin \
         'ansible.legacy.compute' needs ansible-core: MITORUN_ANSIBLE_PYTHON ({}) cannot \
         import ansible-core\"}}",
        python.display()
    );
    assert!(stdout.contains(&want), "no {want:?} in:\n{stdout}");
}

/// A YAML double-quoted scalar holding `text`.
fn yaml_quoted(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Output of each `eNNN` task of an expressions run, by task number.
fn split_tasks(stdout: &[u8]) -> BTreeMap<usize, String> {
    let text = String::from_utf8_lossy(stdout);
    let mut out = BTreeMap::new();
    let mut current: Option<(usize, String)> = None;
    for line in text.split_inclusive('\n') {
        let number = line
            .strip_prefix("TASK [e")
            .and_then(|rest| rest.split(']').next())
            .and_then(|n| n.parse::<usize>().ok());
        if let Some(number) = number {
            if let Some((n, body)) = current.take() {
                out.insert(n, body);
            }
            current = Some((number, String::new()));
            continue;
        }
        if line.starts_with("PLAY RECAP") {
            break;
        }
        if let Some((_, body)) = current.as_mut() {
            body.push_str(line);
        }
    }
    if let Some((n, body)) = current {
        out.insert(n, body);
    }
    out
}

/// The expressions corpus. A line starting with `!! ` is a known
/// deviation: reported, and the test fails once it matches (so the mark is
/// removed with the fix).
#[test]
fn template_expressions_evaluate_as_in_ansible() {
    if filter().is_some() {
        return;
    }
    let corpus = std::fs::read_to_string(fixtures().join("expressions.txt")).expect("corpus");
    let expressions: Vec<(bool, &str)> = corpus
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| match l.strip_prefix("!! ") {
            Some(expr) => (true, expr),
            None => (false, l),
        })
        .collect();
    assert!(
        expressions.len() >= 300,
        "the corpus should have at least 300 expressions"
    );
    let mut playbook = String::from(
        "- hosts: h1\n  gather_facts: false\n  vars:\n    n: 3\n    s: 'Hello World'\n    lst: [3, 1, 2]\n    d: {b: 2, a: 1}\n    nested: {x: {y: [1, {z: 'deep'}]}}\n    empty: ''\n    none_value: null\n  tasks:\n",
    );
    for (n, (_, expr)) in expressions.iter().enumerate() {
        let msg = format!("{{{{ {expr} }}}}");
        playbook.push_str(&format!(
            "    - name: e{n:03}\n      debug:\n        msg: {}\n      ignore_errors: true\n",
            yaml_quoted(&msg)
        ));
    }
    let dir = std::env::temp_dir().join(format!("mitorun-expr-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let _ = std::fs::write(dir.join("site.yml"), playbook);
    let _ = std::fs::copy(fixtures().join("inventory.ini"), dir.join("inventory.ini"));
    let args: Vec<String> = ["-i", "inventory.ini", "site.yml"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let env = BTreeMap::from([
        ("ANSIBLE_NOCOWS".to_string(), "1".to_string()),
        ("ANSIBLE_FORKS".to_string(), "1".to_string()),
    ]);
    let reference = common::run_controlled(&ref_playbook(), &args, &dir, &env);
    let ours = common::run_controlled(&common::mitorun_bin(), &args, &dir, &env);
    let (want, got) = (split_tasks(&reference.stdout), split_tasks(&ours.stdout));
    assert_eq!(
        want.len(),
        expressions.len(),
        "the reference ran every expression"
    );
    let mut problems = Vec::new();
    let mut known = 0;
    for (n, (deviation, expr)) in expressions.iter().enumerate() {
        let same = want.get(&n) == got.get(&n);
        match (same, deviation) {
            (true, false) => {}
            (false, true) => known += 1,
            (true, true) => problems.push(format!(
                "{expr}: marked as a known deviation but now matches: remove the mark"
            )),
            (false, false) => problems.push(format!(
                "{expr}\n--- ansible\n{}--- mitorun\n{}",
                want.get(&n).map(String::as_str).unwrap_or(""),
                got.get(&n).map(String::as_str).unwrap_or("")
            )),
        }
    }
    eprintln!(
        "{} of {} expressions match ansible ({known} known deviations)",
        expressions.len() - known - problems.len(),
        expressions.len()
    );
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        problems.is_empty(),
        "{} expressions differ:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// The README's example project (`examples/site`) prints what
/// ansible-playbook prints, and mitorun runs it with no ansible-core
/// anywhere (only native modules).
#[test]
fn example_project_runs_like_ansible_without_ansible_core() {
    if filter().is_some() {
        return;
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/site");
    let args: Vec<String> = [
        "-i",
        "inventory.ini",
        "site.yml",
        "--vault-password-file",
        "vault_pass.txt",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let env = BTreeMap::from([
        ("ANSIBLE_NOCOWS".to_string(), "1".to_string()),
        ("ANSIBLE_FORKS".to_string(), "1".to_string()),
    ]);
    let app_root = Path::new("/tmp/mitorun-example");
    let _ = std::fs::remove_dir_all(app_root);
    let reference = common::run_controlled(&ref_playbook(), &args, &dir, &env);
    let _ = std::fs::remove_dir_all(app_root);
    // No MITORUN_ANSIBLE_PYTHON: the python3 on PATH has no ansible.
    let ours = common::run_controlled(&common::mitorun_bin(), &args, &dir, &env);
    let _ = std::fs::remove_dir_all(app_root);
    assert_eq!(
        reference.code,
        Some(0),
        "{}",
        String::from_utf8_lossy(&reference.stderr)
    );
    assert_eq!(
        ours.code,
        Some(0),
        "{}",
        String::from_utf8_lossy(&ours.stderr)
    );
    let (want, got) = (
        mask_run_values(&reference.stdout),
        mask_run_values(&ours.stdout),
    );
    assert!(
        want == got,
        "stdout differs (- ansible, + mitorun):\n{}",
        common::line_diff(&want, &got, 60)
    );
}

/// Ad hoc async (`-B`, `-P`), `--task-timeout`, JSON arguments, an unknown module and a
/// module found through `-M` print what `ansible` prints.
#[test]
fn adhoc_async_and_timeout_print_what_ansible_prints() {
    if filter().is_some() {
        return;
    }
    let _turn = golden_paths_lock();
    let env = BTreeMap::from([
        ("ANSIBLE_NOCOWS".to_string(), "1".to_string()),
        ("ANSIBLE_FORKS".to_string(), "1".to_string()),
        (
            "ANSIBLE_ASYNC_DIR".to_string(),
            "/tmp/mitorun-golden-adhoc-async".to_string(),
        ),
    ]);
    let cases: [&[&str]; 8] = [
        &["h1", "-a", "echo polled", "-B", "5", "-P", "2"],
        // Arguments written as a JSON object (typed values kept).
        &["h1", "-a", r#"{"cmd": "echo from json"}"#],
        &["h1", "-m", "debug", "-a", r#"{"msg": [1, true, null]}"#],
        &["web", "-a", "echo started", "-B", "5", "-P", "0"],
        &["h1", "-a", "sleep 10", "--task-timeout", "1"],
        &["h1", "-m", "debug", "-a", "msg=x", "-B", "3"],
        // A module nobody has fails every host before connecting.
        &["web", "-m", "no_such_module_here"],
        // -M directories are searched by the run, not only the loader.
        &["h1", "-M", "adhoc_modules", "-m", "fixture_hello"],
    ];
    let problems = compare_adhoc_runs(&cases, &env, &env);
    let _ = std::fs::remove_dir_all("/tmp/mitorun-golden-adhoc-async");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Runs each case (`ansible -i inventory.ini CASE...` in the fixtures dir)
/// with `ansible` (in `env`) and mitorun (in `our_env`); the differences in
/// exit code or masked stdout, described.
fn compare_adhoc_runs(
    cases: &[&[&str]],
    env: &BTreeMap<String, String>,
    our_env: &BTreeMap<String, String>,
) -> Vec<String> {
    let ansible = common::ref_bin_dir().join("ansible");
    let mut problems = Vec::new();
    for case in cases {
        let mut args = vec!["-i".to_string(), "inventory.ini".to_string()];
        args.extend(case.iter().map(|s| s.to_string()));
        let reference = common::run_controlled(&ansible, &args, &fixtures(), env);
        let ours = common::run_controlled(&common::mitorun_bin(), &args, &fixtures(), our_env);
        let (want, got) = (
            mask_run_values(&reference.stdout),
            mask_run_values(&ours.stdout),
        );
        if reference.code != ours.code || want != got {
            problems.push(format!(
                "ansible {}: exit {:?} vs {:?}\n{}\n  mitorun stderr: {}",
                args.join(" "),
                reference.code,
                ours.code,
                common::line_diff(&want, &got, 40),
                String::from_utf8_lossy(&ours.stderr)
            ));
        }
    }
    problems
}

/// Ad hoc static imports (`-m import_role`, `-m import_tasks`, loaded as a
/// playbook's would be), templated patterns and module names, and
/// `--playbook-dir` (its `collections/` searched, as ansible's basedir)
/// print what `ansible` prints, with the same exit codes.
#[test]
fn adhoc_imports_and_templates_print_what_ansible_prints() {
    if filter().is_some() {
        return;
    }
    let env = BTreeMap::from([
        ("ANSIBLE_NOCOWS".to_string(), "1".to_string()),
        ("ANSIBLE_FORKS".to_string(), "1".to_string()),
    ]);
    let cases: [&[&str]; 10] = [
        &["h1", "-m", "import_role", "-a", "name=base"],
        &[
            "web",
            "-m",
            "import_role",
            "-a",
            "role=libinc tasks_from=use_module.yml",
        ],
        &["h1", "-m", "import_role", "-a", "name=no_such_role_here"],
        &[
            "h1",
            "-m",
            "import_tasks",
            "-a",
            "tasks/included.yml",
            "-e",
            "import_var=cli",
        ],
        &[
            "h1",
            "-m",
            "import_tasks",
            "-a",
            "file=tasks/free_steps.yml",
        ],
        &["{{ 'h' ~ '1' }}", "-m", "debug", "-a", "msg=templated"],
        &["h1", "-m", "{{ m }}", "-e", "m=ping"],
        &["h1", "-m", "{{ m }}", "-e", "m=debug", "-a", "msg=hi"],
        &[
            "h1",
            "-m",
            "mitons.routed.echo",
            "-a",
            "given=1",
            "--playbook-dir",
            ".",
        ],
        &["h1", "-m", "mitons.routed.echo", "-a", "given=1"],
    ];
    let mut our_env = env.clone();
    our_env.insert(
        "MITORUN_ANSIBLE_PYTHON".to_string(),
        common::ref_bin_dir().join("python").display().to_string(),
    );
    let problems = compare_adhoc_runs(&cases, &env, &our_env);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Ad hoc `-o` (oneline) and `-t/--tree DIR` (one JSON file per host)
/// print and write what `ansible` does; so does a playbook with
/// `callbacks_enabled = tree` and ANSIBLE_CALLBACK_TREE_DIR.
#[test]
fn tree_files_and_adhoc_oneline_match_ansible() {
    if filter().is_some() {
        return;
    }
    let scratch = std::env::temp_dir().join(format!("mitorun-tree-{}", std::process::id()));
    let read_tree = |dir: &Path| -> Vec<(String, String)> {
        let mut files: Vec<(String, String)> = std::fs::read_dir(dir)
            .map(|rd| {
                rd.flatten()
                    .map(|e| {
                        let text = std::fs::read(e.path()).unwrap_or_default();
                        (
                            e.file_name().to_string_lossy().into_owned(),
                            String::from_utf8_lossy(&mask_run_values(&text)).into_owned(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        files
    };
    let ansible = common::ref_bin_dir().join("ansible");
    let cases: [(&Path, &[&str]); 5] = [
        (
            &ansible,
            &["h1", "-m", "debug", "-a", "msg=x", "-t", "TREE"],
        ),
        (&ansible, &["h1", "-a", "echo hi", "-o", "--tree", "TREE"]),
        (&ansible, &["h1", "-a", "false", "-o", "-t", "TREE"]),
        (
            &ansible,
            &[
                "h3",
                "-m",
                "ping",
                "-e",
                "ansible_connection=ssh",
                "-e",
                "ansible_port=1",
                "-e",
                "ansible_host=127.0.0.1",
                "-o",
                "-t",
                "TREE",
            ],
        ),
        (&ref_playbook(), &["01_debug.yml"]),
    ];
    let mut problems = Vec::new();
    for (tool, case) in cases {
        let (ref_dir, our_dir) = (scratch.join("ref"), scratch.join("ours"));
        let _ = std::fs::remove_dir_all(&scratch);
        let run = |bin: &Path, dir: &Path| {
            let mut args = vec!["-i".to_string(), "inventory.ini".to_string()];
            args.extend(
                case.iter()
                    .map(|a| a.replace("TREE", &dir.display().to_string())),
            );
            let env = BTreeMap::from([
                ("ANSIBLE_NOCOWS".to_string(), "1".to_string()),
                ("ANSIBLE_FORKS".to_string(), "1".to_string()),
                ("ANSIBLE_CALLBACKS_ENABLED".to_string(), "tree".to_string()),
                (
                    "ANSIBLE_CALLBACK_TREE_DIR".to_string(),
                    dir.display().to_string(),
                ),
            ]);
            common::run_controlled(bin, &args, &fixtures(), &env)
        };
        let reference = run(tool, &ref_dir);
        let ours = run(&common::mitorun_bin(), &our_dir);
        let (want, got) = (
            mask_run_values(&reference.stdout),
            mask_run_values(&ours.stdout),
        );
        let (want_files, got_files) = (read_tree(&ref_dir), read_tree(&our_dir));
        if want_files.is_empty() {
            problems.push(format!("{case:?}: ansible wrote no tree files"));
        }
        if reference.code != ours.code || want != got || want_files != got_files {
            problems.push(format!(
                "{case:?}: exit {:?} vs {:?}\n{}\ntree files:\n  ansible {want_files:?}\n  mitorun {got_files:?}",
                reference.code,
                ours.code,
                common::line_diff(&want, &got, 40)
            ));
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// With `log_path` (ANSIBLE_LOG_PATH) the log file holds what ansible's
/// holds: each displayed message as one record at its level (warnings,
/// errors, deprecations included; the recap without colours; blank screen
/// lines left out), once times, pids and result timings are masked.
#[test]
fn log_files_match_ansible() {
    if filter().is_some() {
        return;
    }
    let scratch = std::env::temp_dir().join(format!("mitorun-log-{}", std::process::id()));
    let stamp = regex::Regex::new(r"(?m)^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} p=\d+ ")
        .expect("valid regex");
    let mut problems = Vec::new();
    let cases: [(&str, &[(&str, &str)]); 3] = [
        ("08_failure_exit.yml", &[("ANSIBLE_FORCE_COLOR", "1")]),
        ("01_debug.yml", &[]),
        ("50_colors.yml", &[("ANSIBLE_STDOUT_CALLBACK", "oneline")]),
    ];
    for (playbook, extra_env) in cases {
        let _ = std::fs::remove_dir_all(&scratch);
        let _ = std::fs::create_dir_all(&scratch);
        let run = |bin: &Path, log: &Path| {
            let args: Vec<String> = ["-v", "-i", "inventory.ini", playbook]
                .iter()
                .map(|s| s.to_string())
                .collect();
            let mut env = BTreeMap::from([
                ("ANSIBLE_NOCOWS".to_string(), "1".to_string()),
                ("ANSIBLE_FORKS".to_string(), "1".to_string()),
                ("ANSIBLE_LOG_PATH".to_string(), log.display().to_string()),
            ]);
            env.extend(
                extra_env
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string())),
            );
            let outcome = common::run_controlled(bin, &args, &fixtures(), &env);
            let text = std::fs::read(log).unwrap_or_default();
            let text = String::from_utf8_lossy(&mask_run_values(&text)).into_owned();
            (
                outcome.code,
                stamp.replace_all(&text, "<time> ").into_owned(),
            )
        };
        let (ref_code, want) = run(&ref_playbook(), &scratch.join("ref.log"));
        let (our_code, got) = run(&common::mitorun_bin(), &scratch.join("ours.log"));
        if want.is_empty() {
            problems.push(format!("{playbook}: ansible wrote no log"));
        }
        if ref_code != our_code || want != got {
            problems.push(format!(
                "{playbook}: exit {ref_code:?} vs {our_code:?}\n{}",
                common::line_diff(want.as_bytes(), got.as_bytes(), 40)
            ));
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The junit callback's XML report equals ansible's (times masked).
#[test]
fn junit_reports_match_ansible() {
    if filter().is_some() {
        return;
    }
    let mask = |xml: &str| -> String {
        let time = regex::Regex::new(r#"time="[^"]*""#).expect("valid regex");
        let stamp = regex::Regex::new(r#"&quot;(start|end|delta)&quot;: &quot;[^&]*&quot;"#)
            .expect("valid regex");
        stamp
            .replace_all(&time.replace_all(xml, "time=\"\""), "")
            .into_owned()
    };
    let read_report = |dir: &Path| -> String {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .map(|rd| rd.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        files.sort();
        files
            .first()
            .and_then(|f| std::fs::read_to_string(f).ok())
            .unwrap_or_default()
    };
    let scratch = std::env::temp_dir().join(format!("mitorun-junit-{}", std::process::id()));
    for playbook in ["50_colors.yml", "06_blocks.yml", "43_modules.yml"] {
        let (ref_dir, our_dir) = (scratch.join("ref"), scratch.join("ours"));
        let _ = std::fs::remove_dir_all(&scratch);
        let env = |dir: &Path| {
            BTreeMap::from([
                ("ANSIBLE_FORKS".to_string(), "1".to_string()),
                ("ANSIBLE_CALLBACKS_ENABLED".to_string(), "junit".to_string()),
                ("JUNIT_OUTPUT_DIR".to_string(), dir.display().to_string()),
                (
                    "MITORUN_ANSIBLE_PYTHON".to_string(),
                    common::ref_bin_dir().join("python").display().to_string(),
                ),
            ])
        };
        let args: Vec<String> = ["-i", "inventory.ini", playbook]
            .iter()
            .map(|s| s.to_string())
            .collect();
        common::run_controlled(&ref_playbook(), &args, &fixtures(), &env(&ref_dir));
        common::run_controlled(&common::mitorun_bin(), &args, &fixtures(), &env(&our_dir));
        let (want, got) = (mask(&read_report(&ref_dir)), mask(&read_report(&our_dir)));
        assert!(
            !want.is_empty(),
            "{playbook}: ansible wrote no junit report"
        );
        assert!(
            want == got,
            "{playbook}: junit report differs (- ansible, + mitorun):\n{}",
            common::line_diff(want.as_bytes(), got.as_bytes(), 40)
        );
    }
    let _ = std::fs::remove_dir_all(&scratch);
}

/// What one host printed, in order: each result (its first line and the
/// lines that continue it) with the banner it came under; `included:`
/// lines count for every host they name (without a banner: ansible prints
/// them after all results of a round, under the last one's banner).
type HostLines = BTreeMap<String, Vec<(String, String)>>;

/// The parts of a run's output that do not depend on which host's task
/// finished first: per-host results, play banners, the recap, the set of
/// `[ERROR]` texts.
#[derive(Debug, PartialEq)]
struct PerHost {
    hosts: HostLines,
    plays: Vec<String>,
    recap: Vec<String>,
    errors: std::collections::BTreeSet<String>,
}

fn per_host(stdout: &[u8]) -> PerHost {
    let text = String::from_utf8_lossy(stdout).into_owned();
    let result_line = regex::Regex::new(r"^(ok|changed|skipping|fatal|failed): \[([^\]]+)\]")
        .expect("valid regex");
    let mut out = PerHost {
        hosts: BTreeMap::new(),
        plays: Vec::new(),
        recap: Vec::new(),
        errors: Default::default(),
    };
    let mut banner = String::new();
    // Where continuation lines go: a host's last result, or an error.
    enum Open {
        None,
        Host(String),
        Error(String),
    }
    let mut open = Open::None;
    let mut in_recap = false;
    for line in text.lines() {
        if in_recap {
            if !line.is_empty() {
                out.recap.push(line.to_string());
            }
            continue;
        }
        let continues = line.starts_with(' ') || line.starts_with('}') || line == "...ignoring";
        if continues || (matches!(open, Open::Error(_)) && !line.is_empty()) {
            match &mut open {
                Open::Host(host) => {
                    if let Some(last) = out.hosts.get_mut(host).and_then(|v| v.last_mut()) {
                        last.1.push('\n');
                        last.1.push_str(line);
                    }
                }
                Open::Error(text) => {
                    text.push('\n');
                    text.push_str(line);
                }
                Open::None => {}
            }
            continue;
        }
        if let Open::Error(text) = std::mem::replace(&mut open, Open::None) {
            out.errors.insert(text);
        }
        if line.starts_with("PLAY RECAP") {
            in_recap = true;
        } else if line.starts_with("PLAY [") {
            out.plays.push(line.to_string());
        } else if line.starts_with("TASK [") || line.starts_with("RUNNING HANDLER [") {
            banner = line.to_string();
        } else if let Some(rest) = line.strip_prefix("[ERROR]: ") {
            open = Open::Error(rest.to_string());
        } else if let Some(rest) = line.strip_prefix("included: ") {
            // `included: FILE for h1, h2 => (item=x)`, printed after the
            // round's results: under whichever banner came last.
            let (file, hosts) = rest.split_once(" for ").unwrap_or((rest, ""));
            let (hosts, item) = hosts.split_once(" => ").unwrap_or((hosts, ""));
            for host in hosts.split(", ") {
                out.hosts
                    .entry(host.to_string())
                    .or_default()
                    .push((String::new(), format!("included: {file} {item}")));
            }
        } else if let Some(captures) = result_line.captures(line) {
            let host = captures[2].to_string();
            out.hosts
                .entry(host.clone())
                .or_default()
                .push((banner.clone(), line.to_string()));
            open = Open::Host(host);
        }
    }
    if let Open::Error(text) = open {
        out.errors.insert(text);
    }
    out
}

/// Several forks under `free`/`host_pinned`: every host's results match
/// ansible's, whatever order the hosts finish in.
#[test]
fn parallel_runs_match_ansible_per_host() {
    let dir = fixtures();
    let mut playbooks: Vec<PathBuf> = std::fs::read_dir(dir.join("parallel"))
        .expect("fixtures/run/parallel")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml"))
        .filter(|p| {
            filter().is_none_or(|f| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().contains(&f))
            })
        })
        .collect();
    playbooks.sort();
    let mut failures = Vec::new();
    for playbook in &playbooks {
        let name = format!(
            "parallel/{}",
            playbook
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        );
        let mut args = vec!["-i".to_string(), "inventory.ini".to_string()];
        args.extend(header_args(playbook));
        args.push(name.clone());
        let mut env = BTreeMap::from([
            ("ANSIBLE_NOCOWS".to_string(), "1".to_string()),
            ("ANSIBLE_FORKS".to_string(), "3".to_string()),
        ]);
        env.extend(header_env(playbook));
        let reference = common::run_controlled(&ref_playbook(), &args, &dir, &env);
        let mut our_env = env.clone();
        our_env.insert(
            "MITORUN_ANSIBLE_PYTHON".to_string(),
            common::ref_bin_dir().join("python").display().to_string(),
        );
        let ours = common::run_controlled(&common::mitorun_bin(), &args, &dir, &our_env);
        let want = per_host(&mask_run_values(&reference.stdout));
        let got = per_host(&mask_run_values(&ours.stdout));
        assert!(
            !want.hosts.is_empty(),
            "{name}: the reference printed no results:\n{}",
            String::from_utf8_lossy(&reference.stderr)
        );
        if reference.code != ours.code || want != got {
            failures.push(format!(
                "{name}: exit codes ansible {:?}, mitorun {:?}\n  ansible: {want:#?}\n  mitorun: {got:#?}",
                reference.code, ours.code
            ));
        }
    }
    eprintln!(
        "{} of {} parallel playbooks match ansible host by host",
        playbooks.len() - failures.len(),
        playbooks.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// One step of a fact cache sequence (`fact_cache/*.steps`).
enum CacheStep {
    /// `env: K=V ...`: environment for the later steps (`{cache}` is the
    /// sequence's scratch directory).
    Env(Vec<(String, String)>),
    /// `run: ARGS`: the program under test, `-i inventory.ini ARGS`.
    Run(Vec<String>),
    /// `ref: ARGS`: ansible-playbook in both sequences, so the next steps
    /// of mitorun's read what ansible wrote.
    Ref(Vec<String>),
    /// `sh: COMMAND`: a shell command with `$CACHE` set; its exit code and
    /// stdout are compared.
    Sh(String),
    /// `cache:`: the names and bytes of every file under `{cache}`.
    Cache,
}

fn parse_cache_steps(text: &str) -> Result<Vec<CacheStep>, String> {
    let mut steps = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (kind, rest) = line
            .split_once(':')
            .ok_or(format!("no step kind: {line}"))?;
        let words = || rest.split_whitespace().map(str::to_string).collect();
        steps.push(match kind {
            "env" => CacheStep::Env(
                rest.split_whitespace()
                    .filter_map(|kv| kv.split_once('='))
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            ),
            "run" => CacheStep::Run(words()),
            "ref" => CacheStep::Ref(words()),
            "sh" => CacheStep::Sh(rest.trim().to_string()),
            "cache" => CacheStep::Cache,
            other => return Err(format!("unknown step kind {other:?}")),
        });
    }
    Ok(steps)
}

/// Every file under `dir` (sorted), with its bytes.
fn cache_listing(dir: &Path) -> Vec<u8> {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, root, out);
            } else {
                let name = path
                    .strip_prefix(root)
                    .unwrap_or(&path)
                    .display()
                    .to_string();
                out.push((name, std::fs::read(&path).unwrap_or_default()));
            }
        }
    }
    let mut files = Vec::new();
    walk(dir, dir, &mut files);
    files.sort();
    let mut out = Vec::new();
    for (name, bytes) in files {
        out.extend_from_slice(format!("== {name}\n").as_bytes());
        out.extend_from_slice(&bytes);
        out.push(b'\n');
    }
    out
}

/// Runs a sequence with `program` as the tool under test in a fresh cache
/// directory; what each step showed, in order.
fn run_cache_sequence(steps: &[CacheStep], program: &Path, dir: &Path) -> Vec<(String, Vec<u8>)> {
    let scratch = std::env::temp_dir().join(format!(
        "mitorun-golden-cache-{}-{}",
        std::process::id(),
        program
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    ));
    let _ = std::fs::remove_dir_all(&scratch);
    let _ = std::fs::create_dir_all(&scratch);
    let cache = scratch.display().to_string();
    let mut env = BTreeMap::from([
        ("ANSIBLE_NOCOWS".to_string(), "1".to_string()),
        ("ANSIBLE_FORKS".to_string(), "1".to_string()),
        (
            "MITORUN_ANSIBLE_PYTHON".to_string(),
            common::ref_bin_dir().join("python").display().to_string(),
        ),
    ]);
    let mut seen = Vec::new();
    for step in steps {
        let playbook_run = |tool: &Path, args: &[String], env: &BTreeMap<String, String>| {
            let mut argv = vec!["-i".to_string(), "inventory.ini".to_string()];
            argv.extend(args.iter().cloned());
            let outcome = common::run_controlled(tool, &argv, dir, env);
            let mut shown = format!("exit {:?}\n", outcome.code).into_bytes();
            shown.extend(mask_run_values(&outcome.stdout));
            (format!("{} {}", tool.display(), args.join(" ")), shown)
        };
        match step {
            CacheStep::Env(pairs) => {
                for (k, v) in pairs {
                    env.insert(k.clone(), v.replace("{cache}", &cache));
                }
            }
            CacheStep::Run(args) => seen.push(playbook_run(program, args, &env)),
            CacheStep::Ref(args) => seen.push(playbook_run(&ref_playbook(), args, &env)),
            CacheStep::Sh(command) => {
                let out = std::process::Command::new("sh")
                    .arg("-c")
                    .arg(command)
                    .current_dir(dir)
                    .env("CACHE", &cache)
                    .output();
                let shown = match out {
                    Ok(o) => {
                        let mut s = format!("exit {:?}\n", o.status.code()).into_bytes();
                        s.extend(o.stdout);
                        s
                    }
                    Err(e) => format!("cannot run sh: {e}").into_bytes(),
                };
                seen.push((format!("sh: {command}"), shown));
            }
            CacheStep::Cache => seen.push(("cache:".to_string(), cache_listing(&scratch))),
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    seen
}

/// Fact caching across runs: each `fact_cache/*.steps` runs its steps once
/// with ansible-playbook and once with mitorun (each in its own cache
/// directory); every step must show the same (stdout and exit code of
/// runs, shell command results, cache file bytes).
#[test]
fn fact_cache_sequences_match_ansible() {
    let dir = fixtures().join("fact_cache");
    let mut sequences: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("fixtures/run/fact_cache")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "steps"))
        .filter(|p| {
            filter().is_none_or(|f| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().contains(&f))
            })
        })
        .collect();
    sequences.sort();
    let mut failures = Vec::new();
    for sequence in &sequences {
        let name = sequence
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text = std::fs::read_to_string(sequence).unwrap_or_default();
        let steps = match parse_cache_steps(&text) {
            Ok(steps) => steps,
            Err(e) => {
                failures.push(format!("{name}: {e}"));
                continue;
            }
        };
        let want = run_cache_sequence(&steps, &ref_playbook(), &dir);
        let got = run_cache_sequence(&steps, &common::mitorun_bin(), &dir);
        for (n, ((label, want), (_, got))) in want.iter().zip(&got).enumerate() {
            if want != got {
                failures.push(format!(
                    "{name}: step {} ({label}) differs (- ansible, + mitorun):\n{}",
                    n + 1,
                    common::line_diff(want, got, 40)
                ));
                break;
            }
        }
    }
    eprintln!(
        "{} of {} fact cache sequences match ansible",
        sequences.len() - failures.len(),
        sequences.len()
    );
    // A name filter may leave none to run; unfiltered, there must be some.
    assert!(
        !sequences.is_empty() || filter().is_some(),
        "fixtures/run/fact_cache holds no sequences"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `--step` under `free` asks per host ("... on h1 ..."): ansible-core
/// hangs there with piped answers, so this is checked on mitorun alone —
/// the host answered `y` runs the task, the one answered `n` does not.
#[test]
fn step_under_free_asks_per_host() {
    if filter().is_some() {
        return;
    }
    let dir = common::ScratchDir::new("step-free");
    let playbook = dir.0.join("pb.yml");
    std::fs::write(
        &playbook,
        "- hosts: h1,h2\n  gather_facts: false\n  strategy: free\n  tasks:\n    - debug:\n        msg: \"ran on {{ inventory_hostname }}\"\n",
    )
    .expect("playbook");
    let args = vec![
        "-i".to_string(),
        fixtures().join("inventory.ini").display().to_string(),
        playbook.display().to_string(),
        "--step".to_string(),
    ];
    let out = common::run_controlled_with_input(
        &common::mitorun_bin(),
        &args,
        &fixtures(),
        &BTreeMap::new(),
        Some(b"y\nn\n"),
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.code, Some(0), "{text}");
    assert!(
        text.contains("Perform task: TASK: debug on h1 (N)o/(y)es/(c)ontinue: "),
        "{text}"
    );
    assert!(
        text.contains("Perform task: TASK: debug on h2 (N)o/(y)es/(c)ontinue: "),
        "{text}"
    );
    assert!(
        text.contains("ran on h1") && !text.contains("ran on h2"),
        "{text}"
    );
}
