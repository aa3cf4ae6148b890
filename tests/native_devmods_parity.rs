//! Parity of the native cron, git, pip and expect modules with
//! ansible-core 2.19's (MITORUN_REF_BIN): same arguments, same result
//! (changed, msg, rc, stdout, cron's jobs/envs, git's before/after/
//! remote_url_changed, pip's cmd/name/version/state, diff, invocation)
//! and the same end state: the crontab of a test account and files in
//! /etc/cron.d, the checked-out tree, refs and HEAD of a clone, the
//! packages in a test venv. The cases follow ansible-core's integration
//! targets for these modules, the parts that run offline: git against
//! repositories made by each case (fixed dates, so the same commits every
//! time), pip with wheels written here and `--no-index --find-links`,
//! expect with the target's test program. Root only (a test account's
//! crontab, /etc/cron.d).

#[path = "common/parity.rs"]
mod parity;
#[path = "common/sshd.rs"]
mod sshd;
#[path = "common/transport.rs"]
mod tr;

use mitorun::value::Value;
use parity::{Case, compare, s};
use tr::*;

const T: Value = Value::Bool(true);
const F: Value = Value::Bool(false);

fn int(n: i64) -> Value {
    Value::Int(n)
}

fn list(items: &[&str]) -> Value {
    Value::List(items.iter().map(|i| s(i)).collect())
}

fn map(pairs: &[(&str, Value)]) -> Value {
    Value::Map(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    )
}

fn leak(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

fn sh(script: &str) -> String {
    let out = std::process::Command::new("/bin/sh")
        .args(["-ec", script])
        .output()
        .expect("sh runs");
    assert!(
        out.status.success(),
        "{script}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Held by the tests that share the `mrtc_cron` crontab or the test venv
/// (the playbook uses both), so they do not run into each other; async,
/// as the parity tests hold it across their runs.
fn shared_state() -> &'static tokio::sync::Mutex<()> {
    static SHARED_STATE: std::sync::OnceLock<tokio::sync::Mutex<()>> = std::sync::OnceLock::new();
    SHARED_STATE.get_or_init(|| tokio::sync::Mutex::new(()))
}

async fn run_cases(tag: &str, cases: Vec<Case>, extra: &[(&str, &str)]) {
    let pool = ref_pool();
    let ctx = pool.context(&local_spec(extra)).await.expect("connect");
    let dir = tempdir(tag);
    let failures = compare(&ctx, &dir.join("s"), &cases).await;
    let _ = std::fs::remove_dir_all(&dir);
    pool.shutdown().await;
    parity::assert_all_match(&failures, cases.len());
}

// --- cron -------------------------------------------------------------------

const CRON_USER: &str = "mrtc_cron";

/// The test account's crontab and the test files in /etc/cron.d.
const CRON_STATE: &str = "crontab -u mrtc_cron -l | grep -v '^# (' || true; \
     for f in /etc/cron.d/mitorun_parity*; do [ -e \"$f\" ] && { echo \"== $f\"; cat \"$f\"; }; done; true";

fn cron_setup(table: &str) -> &'static str {
    let mut script = String::from(
        "crontab -u mrtc_cron -r 2>/dev/null || true\nrm -f /etc/cron.d/mitorun_parity*\n",
    );
    if !table.is_empty() {
        script.push_str(&format!("printf '{table}' | crontab -u mrtc_cron -\n"));
    }
    leak(script)
}

fn cron(setup: &'static str, args: Vec<(&'static str, Value)>) -> Case {
    let mut args = args;
    if !args.iter().any(|(k, _)| *k == "user" || *k == "cron_file") {
        args.push(("user", s(CRON_USER)));
    }
    Case::new("cron", setup, args).state(CRON_STATE)
}

const JOB: &str = "date > /tmp/mitorun_cron_canary";
const ONE_JOB: &str = "#Ansible: test cron task\\n* * * * * date > /tmp/mitorun_cron_canary\\n";

fn cron_cases() -> Vec<Case> {
    let task = |extra: Vec<(&'static str, Value)>| {
        let mut a = vec![("name", s("test cron task")), ("job", s(JOB))];
        a.extend(extra);
        a
    };
    let file_setup = |content: &str| {
        leak(format!(
            "{}printf '{content}' > /etc/cron.d/mitorun_parity_file\n",
            cron_setup("")
        ))
    };
    vec![
        cron(cron_setup(""), task(vec![])).check(),
        cron(cron_setup(""), task(vec![])),
        cron(cron_setup(""), task(vec![])).diff(),
        cron(cron_setup(ONE_JOB), task(vec![])).check(),
        cron(cron_setup(ONE_JOB), task(vec![])),
        cron(cron_setup(ONE_JOB), task(vec![("minute", s("5"))])).diff(),
        cron(cron_setup(ONE_JOB), task(vec![("state", s("absent"))])).check(),
        cron(cron_setup(ONE_JOB), task(vec![("state", s("absent"))])).diff(),
        cron(cron_setup(""), task(vec![("state", s("absent"))])),
        // a job line written by hand gets its name comment
        cron(
            cron_setup("* * * * * date > /tmp/mitorun_cron_canary\\n"),
            task(vec![]),
        ),
        cron(
            cron_setup("#Ansible: None\\n* * * * * date > /tmp/mitorun_cron_canary\\n"),
            task(vec![]),
        ),
        cron(
            cron_setup(""),
            task(vec![
                ("minute", s("0")),
                ("hour", s("5,2")),
                ("day", s("1")),
                ("month", s("*/2")),
                ("weekday", s("1-5")),
            ]),
        ),
        cron(cron_setup(""), task(vec![("special_time", s("reboot"))])),
        cron(
            cron_setup(""),
            task(vec![("special_time", s("daily")), ("minute", s("1"))]),
        ),
        cron(cron_setup(""), task(vec![("special_time", s("sometimes"))])),
        cron(cron_setup(ONE_JOB), task(vec![("disabled", T)])),
        cron(cron_setup(""), task(vec![("job", s("echo a\necho b"))])),
        cron(cron_setup(""), vec![("name", s("no job"))]),
        // environment lines
        cron(
            cron_setup(ONE_JOB),
            vec![("name", s("FOO")), ("env", T), ("job", s("bar"))],
        )
        .diff(),
        cron(
            cron_setup("FOO=\"bar\"\\n"),
            vec![("name", s("FOO")), ("env", T), ("value", s("bar"))],
        ),
        cron(
            cron_setup("FOO=\"old\"\\nBAR=\"x\"\\n"),
            vec![("name", s("FOO")), ("env", T), ("value", s("new"))],
        ),
        cron(
            cron_setup("FOO=\"1\"\\nBAR=\"2\"\\n"),
            vec![
                ("name", s("BAZ")),
                ("env", T),
                ("job", s("3")),
                ("insertafter", s("FOO")),
            ],
        ),
        cron(
            cron_setup("FOO=\"1\"\\nBAR=\"2\"\\n"),
            vec![
                ("name", s("BAZ")),
                ("env", T),
                ("job", s("3")),
                ("insertbefore", s("BAR")),
            ],
        ),
        cron(
            cron_setup("FOO=\"1\"\\n"),
            vec![
                ("name", s("BAZ")),
                ("env", T),
                ("job", s("3")),
                ("insertbefore", s("NOPE")),
            ],
        ),
        cron(
            cron_setup(""),
            vec![
                ("name", s("BAZ")),
                ("job", s("3")),
                ("insertafter", s("FOO")),
            ],
        ),
        cron(
            cron_setup(""),
            vec![
                ("name", s("BAZ")),
                ("env", T),
                ("job", s("3")),
                ("insertafter", s("FOO")),
                ("insertbefore", s("BAR")),
            ],
        ),
        cron(
            cron_setup(""),
            vec![("name", s("BAD NAME")), ("env", T), ("job", s("3"))],
        ),
        cron(
            cron_setup("FOO=\"1\"\\nBAR=\"2\"\\n"),
            vec![("name", s("FOO")), ("env", T), ("state", s("absent"))],
        )
        .diff(),
        // backups are kept only when something changed
        cron(
            cron_setup(ONE_JOB),
            task(vec![("backup", T), ("hour", s("3"))]),
        )
        .volatile(&["backup_file"]),
        cron(cron_setup(ONE_JOB), task(vec![("backup", T)])),
        // /etc/cron.d files
        Case::new(
            "cron",
            cron_setup(""),
            vec![
                ("name", s("test cron task")),
                ("cron_file", s("mitorun_parity_unexistent")),
                ("state", s("absent")),
            ],
        )
        .state(CRON_STATE),
        Case::new(
            "cron",
            cron_setup(""),
            vec![
                ("name", s("simple cron job")),
                ("cron_file", s("mitorun_parity_file")),
                ("job", s("echo \"_o/\"")),
                ("user", s("root")),
            ],
        )
        .diff()
        .state(CRON_STATE),
        Case::new(
            "cron",
            file_setup("#Ansible: simple cron job\\n* * * * * root echo \"_o/\"\\n"),
            vec![
                ("name", s("FOO")),
                ("cron_file", s("mitorun_parity_file")),
                ("env", T),
                ("value", s("bar")),
                ("user", s("root")),
            ],
        )
        .state(CRON_STATE),
        Case::new(
            "cron",
            file_setup("#Ansible: integration test cron\\n* * * * * root ls\\n\\n    \\n\\t\\n"),
            vec![
                ("name", s("integration test cron")),
                ("cron_file", s("mitorun_parity_file")),
                ("state", s("absent")),
            ],
        )
        .diff()
        .state(CRON_STATE),
        Case::new(
            "cron",
            file_setup("#Ansible: integration test cron\\n* * * * * root ls\\n"),
            vec![
                ("name", s("integration test cron")),
                ("cron_file", s("mitorun_parity_file")),
                ("state", s("absent")),
            ],
        )
        .check()
        .state(CRON_STATE),
        // no final newline: rewritten (crontab refuses such a table, a
        // cron.d file can be one)
        Case::new(
            "cron",
            file_setup("MAILTO=root"),
            vec![
                ("name", s("x")),
                ("cron_file", s("mitorun_parity_file")),
                ("state", s("absent")),
            ],
        )
        .state(CRON_STATE),
        Case::new(
            "cron",
            file_setup("#Ansible: a\\n* * * * * root ls\\n#Ansible: b\\n* * * * * root pwd\\n"),
            vec![
                ("name", s("a")),
                ("cron_file", s("mitorun_parity_file")),
                ("state", s("absent")),
            ],
        )
        .state(CRON_STATE),
        Case::new(
            "cron",
            cron_setup(""),
            vec![
                ("name", s("x")),
                ("cron_file", s("mitorun_parity_file")),
                ("job", s("ls")),
            ],
        )
        .state(CRON_STATE),
        Case::new(
            "cron",
            cron_setup(""),
            vec![
                ("name", s("x")),
                ("cron_file", s("/etc/crontab")),
                ("job", s("ls")),
                ("user", s("root")),
            ],
        )
        .state(CRON_STATE),
        Case::new(
            "cron",
            cron_setup(""),
            vec![
                ("name", s("x")),
                ("cron_file", s("/etc/cron.d/mitorun_parity.bad")),
                ("job", s("ls")),
                ("user", s("root")),
                ("special_time", s("hourly")),
            ],
        )
        .state(CRON_STATE),
        cron(cron_setup(""), vec![("job", s("ls"))]),
        Case::new(
            "cron",
            cron_setup(""),
            vec![
                ("name", s("x")),
                ("job", s("ls")),
                ("user", s("mrtc_no_such_user")),
            ],
        )
        .state(CRON_STATE),
    ]
}

/// A user's crontab without `user` is root's own: saved and put back.
struct RootCrontab(Option<String>);

impl RootCrontab {
    fn save() -> RootCrontab {
        let out = std::process::Command::new("crontab")
            .arg("-l")
            .output()
            .expect("crontab runs");
        RootCrontab(
            out.status
                .success()
                .then(|| String::from_utf8_lossy(&out.stdout).into_owned()),
        )
    }
}

impl Drop for RootCrontab {
    fn drop(&mut self) {
        match &self.0 {
            Some(table) => {
                use std::io::Write;
                if let Ok(mut child) = std::process::Command::new("crontab")
                    .arg("-")
                    .stdin(std::process::Stdio::piped())
                    .spawn()
                {
                    if let Some(mut stdin) = child.stdin.take() {
                        let _ = stdin.write_all(table.as_bytes());
                    }
                    let _ = child.wait();
                }
            }
            None => {
                let _ = std::process::Command::new("crontab").arg("-r").status();
            }
        }
    }
}

fn has_crontab() -> bool {
    std::process::Command::new("sh")
        .args(["-c", "command -v crontab"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cron_matches_ansible_core() {
    if !is_root() || !has_crontab() {
        eprintln!("skipped: needs root and crontab");
        return;
    }
    sh(&format!(
        "id {CRON_USER} >/dev/null 2>&1 || useradd -M -s /bin/sh {CRON_USER}"
    ));
    let mut cases = cron_cases();
    // root's own crontab (no `user`), restored afterwards
    let root_state: &'static str = "crontab -l 2>&1 | grep -v '^# (' || true";
    let root_setup: &'static str =
        "crontab -r 2>/dev/null || true; printf 'MAILTO=\"\"\\n' | crontab -";
    cases.push(
        Case::new(
            "cron",
            root_setup,
            vec![("name", s("mitorun root job")), ("job", s("true"))],
        )
        .diff()
        .state(root_state),
    );
    cases.push(
        Case::new(
            "cron",
            root_setup,
            vec![
                ("name", s("mitorun root job")),
                ("job", s("true")),
                ("user", s("root")),
            ],
        )
        .state(root_state),
    );
    let _shared = shared_state().lock().await;
    let saved = RootCrontab::save();
    run_cases("cron", cases, &[]).await;
    drop(saved);
    sh("crontab -u mrtc_cron -r 2>/dev/null || true; rm -f /etc/cron.d/mitorun_parity*");
}

// --- expect -----------------------------------------------------------------

/// ansible-core's integration target's program: UTF-8 lines, then each
/// prompt with the answer echoed back.
const EXPECT_PROGRAM: &str = "cat > prog.py <<'EOF'
import sys
prompts = sys.argv[1:] or ['foo']
sys.stdout.buffer.write('line one 汉语\\nline two\\nline three\\nline four\\n'.encode())
print()
for prompt in prompts:
    answer = input(prompt)
    print(answer)
EOF
echo foo > foo.txt
";

const PY: &str = "/usr/bin/python3";
const TIMES: &[&str] = &["start", "end", "delta"];

fn expect(command: &str, responses: Value, extra: Vec<(&'static str, Value)>) -> Case {
    let mut args = vec![
        ("command", s(leak(command.to_string()))),
        ("responses", responses),
    ];
    args.extend(extra);
    Case::new("expect", EXPECT_PROGRAM, args).volatile(TIMES)
}

fn expect_cases() -> Vec<Case> {
    let prog = format!("{PY} @/prog.py");
    let foo_bar = || map(&[("foo", s("bar"))]);
    vec![
        expect(&prog, foo_bar(), vec![]),
        expect(&prog, foo_bar(), vec![("creates", s("@/foo.txt"))]),
        expect(&prog, foo_bar(), vec![("creates", s("@/none.txt"))]),
        expect(&prog, foo_bar(), vec![("removes", s("@/foo.txt"))]),
        expect(&prog, foo_bar(), vec![("removes", s("@/none.txt"))]),
        // relative to chdir
        expect(
            &prog,
            foo_bar(),
            vec![("chdir", s("@")), ("creates", s("foo.txt"))],
        ),
        expect(
            "/bin/sh -c 'pwd && sleep 1'",
            foo_bar(),
            vec![("chdir", s("@"))],
        ),
        expect(
            "/bin/sh -c 'pwd'",
            foo_bar(),
            vec![("chdir", s("@/nowhere"))],
        ),
        expect("sleep 10", foo_bar(), vec![("timeout", int(1))]),
        expect(&prog, foo_bar(), vec![("echo", T)]),
        expect(
            &prog,
            foo_bar(),
            vec![("echo", T), ("timeout", Value::Null)],
        ),
        expect(&prog, foo_bar(), vec![("timeout", s("5"))]),
        expect(&prog, foo_bar(), vec![("timeout", s("soon"))]),
        expect(&prog, foo_bar(), vec![("timeout", Value::Float(2.5))]),
        expect(
            &format!("{prog} foo foo"),
            map(&[("foo", list(&["bar", "baz"]))]),
            vec![],
        ),
        expect(
            &format!("{prog} foo foo"),
            map(&[("foo", list(&["bar"]))]),
            vec![],
        ),
        // regex keys; the earliest match in the output wins
        expect(
            &format!("{prog} 'Name? ' 'Age? '"),
            map(&[("(?i)AGE", int(42)), ("Na.e\\? ", s("Anna\n"))]),
            vec![],
        ),
        expect(&prog, map(&[("[", s("x"))]), vec![]),
        expect(&prog, map(&[]), vec![("timeout", int(2))]),
        expect("", foo_bar(), vec![]),
        expect("   ", foo_bar(), vec![]),
        expect("ls /does-not-exist", foo_bar(), vec![]),
        expect("mitorun-no-such-command", foo_bar(), vec![]),
        expect("/bin/sh -c 'exit 3'", foo_bar(), vec![]),
        expect("/bin/sh -c 'kill -TERM $$'", foo_bar(), vec![]),
        expect("/bin/sh -c 'echo \"$MITORUN_EXPECT\"'", foo_bar(), vec![])
            .env("MITORUN_EXPECT", "from the task"),
        expect(&prog, foo_bar(), vec![]).check(),
        Case::new("expect", "", vec![("command", s("true"))]),
    ]
}

/// ansible-core's expect needs pexpect on the target: the system
/// interpreter with python3-pexpect runs both.
fn has_pexpect() -> bool {
    std::process::Command::new(PY)
        .args(["-c", "import pexpect"])
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expect_matches_ansible_core() {
    if !has_pexpect() {
        eprintln!("skipped: {PY} has no pexpect (python3-pexpect)");
        return;
    }
    run_cases(
        "expect",
        expect_cases(),
        &[("ansible_python_interpreter", PY)],
    )
    .await;
}

// --- git --------------------------------------------------------------------

/// Fixed names and dates: every case's repositories have the same commits.
const GIT_ENV: &str = "export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com \
     GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com \
     GIT_AUTHOR_DATE='2020-01-01T00:00:00Z' GIT_COMMITTER_DATE='2020-01-01T00:00:00Z' \
     GIT_CONFIG_NOSYSTEM=1 HOME=$PWD\n";

/// `src`: main (one, two; tags v1 and annotated v1a on one), dev (three).
const GIT_SOURCE: &str = "git init -q -b main src
cd src
echo 1 > a; git add a; git commit -qm one
git tag v1; git tag -a v1a -m annotated
echo 2 > a; git commit -qam two
git checkout -q -b dev; echo 3 > b; git add b; git commit -qm three
git checkout -q main
cd ..
";

fn git_setup(more: &str) -> &'static str {
    leak(format!("{GIT_ENV}{GIT_SOURCE}{more}"))
}

/// Refs, HEAD, status, remotes and files of each clone, and archives.
const GIT_STATE: &str = "for d in co co.git; do [ -d $d ] || continue; echo \"== $d\"; \
     git -C $d for-each-ref --format='%(refname) %(objectname)'; git -C $d rev-parse HEAD; \
     git -C $d symbolic-ref -q HEAD; git -C $d status --porcelain 2>&1; \
     git -C $d config --get-regexp '^remote\\.'; ls -A $d; cat $d/a $d/b 2>/dev/null; \
     [ -f $d/.git ] && cat $d/.git; done; ls -A; \
     for f in *.tar *.tgz *.tar.gz; do [ -f \"$f\" ] && tar -tzf \"$f\" 2>/dev/null || tar -tf \"$f\" 2>/dev/null; done; \
     for f in *.zip; do [ -f \"$f\" ] && python3 -m zipfile -l \"$f\"; done; true";

fn git(setup: &'static str, args: Vec<(&'static str, Value)>) -> Case {
    Case::new("git", setup, args)
        .state(GIT_STATE)
        .env("HOME", "@")
        .env("GIT_CONFIG_NOSYSTEM", "1")
}

/// Clones src into co (origin, main checked out) before the case.
const CLONED: &str = "git clone -q src co\n";

/// The sha of src's first commit (the same in every case).
fn first_commit() -> &'static str {
    static SHA: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SHA.get_or_init(|| {
        let dir = tempdir("git-sha");
        let out = sh(&format!(
            "cd {}\n{GIT_ENV}{GIT_SOURCE}git -C src rev-parse v1",
            dir.display()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        out.trim().to_string()
    })
}

fn git_cases() -> Vec<Case> {
    let to = |repo: &str, extra: Vec<(&'static str, Value)>| {
        let mut a = vec![("repo", s(leak(repo.to_string()))), ("dest", s("@/co"))];
        a.extend(extra);
        a
    };
    let sha = first_commit();
    vec![
        git(git_setup(""), to("@/src", vec![])),
        git(git_setup(""), to("file://@/src", vec![])).diff(),
        git(git_setup(""), to("@/src", vec![])).check().diff(),
        git(git_setup(""), to("@/src", vec![("version", s("v1"))])),
        git(git_setup(""), to("@/src", vec![("version", s("v1a"))])),
        git(git_setup(""), to("@/src", vec![("version", s("dev"))])),
        git(git_setup(""), to("@/src", vec![("version", s(sha))])),
        git(git_setup(""), to("@/src", vec![("version", s("nope"))])),
        git(git_setup(""), to("@/src", vec![("depth", int(1))])),
        git(
            git_setup(""),
            to("@/src", vec![("depth", int(1)), ("version", s("dev"))]),
        ),
        git(
            git_setup(""),
            to("@/src", vec![("depth", int(1)), ("version", s(sha))]),
        ),
        git(
            git_setup(""),
            to("@/src", vec![("single_branch", T), ("version", s("dev"))]),
        ),
        git(
            git_setup(""),
            vec![("repo", s("@/src")), ("dest", s("@/co.git")), ("bare", T)],
        ),
        git(
            git_setup(""),
            vec![
                ("repo", s("@/src")),
                ("dest", s("@/co.git")),
                ("bare", T),
                ("remote", s("upstream")),
            ],
        ),
        git(git_setup(""), to("@/src", vec![("remote", s("upstream"))])),
        git(git_setup(""), to("@/src", vec![("accept_hostkey", T)])),
        git(
            git_setup(""),
            to("@/src", vec![("refspec", s("refs/heads/dev"))]),
        ),
        git(git_setup(""), to("@/missing", vec![])),
        git(
            git_setup(""),
            to("@/src", vec![("separate_git_dir", s("@/sep"))]),
        ),
        // an existing clone
        git(git_setup(CLONED), to("@/src", vec![])),
        git(git_setup(CLONED), to("@/src", vec![("version", s("dev"))])),
        git(git_setup(CLONED), to("@/src", vec![("version", s("v1"))])).diff(),
        git(git_setup(CLONED), to("@/src", vec![("update", F)])),
        git(
            git_setup("git clone -q src co\ncd src; echo 4 > a; git commit -qam four; cd ..\n"),
            to("@/src", vec![]),
        )
        .diff(),
        git(
            git_setup("git clone -q src co\ncd src; echo 4 > a; git commit -qam four; cd ..\n"),
            to("@/src", vec![]),
        )
        .check()
        .diff(),
        git(
            git_setup("git clone -q src co\ncd src; echo 4 > a; git commit -qam four; cd ..\n"),
            to("@/src", vec![("update", F)]),
        ),
        // local modifications
        git(
            git_setup("git clone -q src co\necho 3 > co/a\n"),
            to("@/src", vec![]),
        ),
        git(
            git_setup("git clone -q src co\necho 3 > co/a\n"),
            to("@/src", vec![("force", T)]),
        ),
        git(
            git_setup("git clone -q src co\necho 3 > co/a\n"),
            to("@/src", vec![("force", T)]),
        )
        .check(),
        git(
            git_setup("git clone -q src co\necho new > co/untracked\n"),
            to("@/src", vec![]),
        ),
        // the repository moved
        git(
            git_setup("git clone -q src co\ncp -a src src2\n"),
            to("@/src2", vec![]),
        ),
        git(
            git_setup("git clone -q src co\ncp -a src src2\n"),
            to("@/src2", vec![]),
        )
        .check(),
        // a tag moved on the remote: fetched with force
        git(
            git_setup("git clone -q src co\ncd src; git tag -f v1 HEAD; cd ..\n"),
            to("@/src", vec![("version", s("v1")), ("force", T)]),
        ),
        // no destination
        git(git_setup(""), vec![("repo", s("@/src")), ("clone", F)]),
        git(
            git_setup(""),
            vec![("repo", s("@/src")), ("clone", F), ("version", s("v1a"))],
        ),
        git(git_setup(""), vec![("repo", s("@/src"))]),
        git(git_setup(""), to("@/src", vec![("clone", F)])),
        // archives
        git(
            git_setup(""),
            to("@/src", vec![("archive", s("@/out.tar"))]),
        ),
        git(
            git_setup(""),
            to(
                "@/src",
                vec![("archive", s("@/out.zip")), ("archive_prefix", s("pfx/"))],
            ),
        ),
        git(
            git_setup(
                "git clone -q src co\ngit -C co archive --format tar --output ../out.tar HEAD\n",
            ),
            to("@/src", vec![("archive", s("@/out.tar"))]),
        ),
        git(
            git_setup(""),
            to("@/src", vec![("archive", s("@/out.rar"))]),
        ),
        git(
            git_setup(""),
            to("@/src", vec![("archive_prefix", s("p/"))]),
        ),
        git(git_setup(""), to("@/src", vec![("umask", s("0077"))])),
        git(git_setup(""), to("@/src", vec![("umask", s("nine"))])),
        git(git_setup(""), to("@/src", vec![("umask", int(18))])),
        git(
            git_setup(""),
            to("@/src", vec![("bare", T), ("separate_git_dir", s("@/sep"))]),
        ),
        git(
            git_setup(""),
            to("@/src", vec![("executable", s("/nonexistent/git"))]),
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn git_matches_ansible_core() {
    run_cases("git", git_cases(), &[]).await;
}

// --- pip --------------------------------------------------------------------

const VENV: &str = "/tmp/mitorun-devmods-parity-venv";
const WHEELS: &str = "/tmp/mitorun-devmods-parity-wheels";

/// Writes a wheel by hand: a zip of the package and its dist-info
/// (METADATA, WHEEL, RECORD with each file's sha256 and size).
const WHEEL_WRITER: &str = r#"
import base64, hashlib, sys, zipfile
out, name, version = sys.argv[1:4]
dist = "%s-%s.dist-info" % (name, version)
files = {
    "%s/__init__.py" % name: "VERSION = %r\n" % version,
    dist + "/METADATA": "Metadata-Version: 2.1\nName: %s\nVersion: %s\n" % (name.replace("_", "-"), version),
    dist + "/WHEEL": "Wheel-Version: 1.0\nGenerator: mitorun-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
}
record = []
for path, text in files.items():
    data = text.encode()
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    record.append("%s,sha256=%s,%d" % (path, digest, len(data)))
record.append(dist + "/RECORD,,")
files[dist + "/RECORD"] = "\n".join(record) + "\n"
with zipfile.ZipFile("%s/%s-%s-py3-none-any.whl" % (out, name, version), "w") as z:
    for path, text in files.items():
        z.writestr(path, text)
"#;

/// The venv and wheels every pip case uses, made once per run.
fn pip_fixture() {
    static DONE: std::sync::OnceLock<()> = std::sync::OnceLock::new();
    DONE.get_or_init(|| {
        let _ = std::fs::remove_dir_all(WHEELS);
        std::fs::create_dir_all(WHEELS).expect("mkdir wheels");
        let writer = format!("{WHEELS}/write_wheel.py");
        std::fs::write(&writer, WHEEL_WRITER).expect("write wheel writer");
        for (name, version) in [
            ("mrtpkg_a", "1.0"),
            ("mrtpkg_a", "2.0"),
            ("mrtpkg_b", "1.0"),
        ] {
            sh(&format!("python3 {writer} {WHEELS} {name} {version}"));
        }
        std::fs::remove_file(&writer).expect("rm writer");
        if !std::path::Path::new(VENV).join("bin/pip").exists() {
            let _ = std::fs::remove_dir_all(VENV);
            sh(&format!("python3 -m venv {VENV}"));
        }
    });
}

fn pip_setup(installed: &str) -> &'static str {
    let mut script = format!(
        "rm -rf {VENV}/lib/python3*/site-packages/mrtpkg*\nprintf 'mrtpkg_b\\n' > reqs.txt\n"
    );
    // a pure wheel installed by unpacking it (what pip does, without
    // pip's second of start-up per case)
    if let Some((name, version)) = installed.split_once("==") {
        script.push_str(&format!(
            "python3 -m zipfile -e {WHEELS}/{name}-{version}-py3-none-any.whl {VENV}/lib/python3*/site-packages/\n"
        ));
    }
    leak(script)
}

const PIP_STATE: &str =
    "ls /tmp/mitorun-devmods-parity-venv/lib/python3*/site-packages | grep -i mrtpkg; ls -A; true";

fn pip(installed: &str, args: Vec<(&'static str, Value)>) -> Case {
    let mut a = vec![
        ("virtualenv", s(VENV)),
        (
            "extra_args",
            s(leak(format!("--no-index --find-links {WHEELS}"))),
        ),
    ];
    for (k, v) in args {
        if let Some(slot) = a.iter_mut().find(|(name, _)| *name == k) {
            slot.1 = v;
        } else {
            a.push((k, v));
        }
    }
    Case::new("pip", pip_setup(installed), a)
        .state(PIP_STATE)
        .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
}

fn pip_cases() -> Vec<Case> {
    let venv_check = |a: Vec<(&'static str, Value)>| {
        let mut all = vec![("virtualenv", s(VENV))];
        all.extend(a);
        Case::new("pip", pip_setup("mrtpkg_a==1.0"), all)
            .state(PIP_STATE)
            .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
            .check()
    };
    vec![
        pip("", vec![("name", list(&["mrtpkg_a"]))]),
        pip("mrtpkg_a==2.0", vec![("name", list(&["mrtpkg_a"]))]),
        pip(
            "",
            vec![("name", list(&["mrtpkg_a"])), ("version", s("1.0"))],
        ),
        pip("", vec![("name", list(&["mrtpkg-a==1.0", "mrtpkg_b"]))]),
        pip("", vec![("name", list(&["mrtpkg_a>=1.0", "<2"]))]),
        pip(
            "mrtpkg_a==1.0",
            vec![("name", list(&["mrtpkg_a"])), ("state", s("latest"))],
        ),
        pip(
            "mrtpkg_a==1.0",
            vec![
                ("name", list(&["mrtpkg_a"])),
                ("state", s("forcereinstall")),
            ],
        ),
        // pip uninstall takes no --find-links
        pip(
            "mrtpkg_a==1.0",
            vec![
                ("name", list(&["mrtpkg_a"])),
                ("state", s("absent")),
                ("extra_args", Value::Null),
            ],
        ),
        pip(
            "",
            vec![
                ("name", list(&["mrtpkg_a"])),
                ("state", s("absent")),
                ("extra_args", Value::Null),
            ],
        ),
        pip(
            "",
            vec![
                ("requirements", s("reqs.txt")),
                ("chdir", s("@")),
                ("umask", s("0022")),
            ],
        ),
        pip("", vec![("name", list(&["mrtpkg_nowhere"]))]),
        // check mode reads `pip list`
        venv_check(vec![("name", list(&["mrtpkg_a"]))]),
        venv_check(vec![("name", list(&["mrtpkg-A>=1.0,<2"]))]),
        venv_check(vec![("name", list(&["mrtpkg_a"])), ("version", s("2.0"))]),
        venv_check(vec![("name", list(&["mrtpkg_b"]))]),
        venv_check(vec![("name", list(&["mrtpkg_b"])), ("state", s("absent"))]),
        venv_check(vec![("name", list(&["mrtpkg_a"])), ("state", s("absent"))]),
        venv_check(vec![("name", list(&["mrtpkg_a"])), ("state", s("latest"))]),
        // mistakes
        pip(
            "",
            vec![
                ("name", list(&["mrtpkg_a"])),
                ("version", s("1.0")),
                ("state", s("latest")),
            ],
        ),
        pip(
            "",
            vec![
                ("name", list(&["mrtpkg_a", "mrtpkg_b"])),
                ("version", s("1.0")),
            ],
        ),
        pip(
            "",
            vec![("name", list(&["mrtpkg_a==1.0"])), ("version", s("1.0"))],
        ),
        pip(
            "",
            vec![("name", list(&["mrtpkg_a"])), ("requirements", s("r.txt"))],
        ),
        pip(
            "",
            vec![
                ("name", list(&["mrtpkg_a"])),
                ("executable", s(leak(format!("{VENV}/bin/pip")))),
            ],
        ),
        pip(
            "",
            vec![("name", list(&["mrtpkg_a"])), ("umask", s("nine"))],
        ),
        pip("", vec![("extra_args", s("-q"))]),
        // new virtualenvs
        Case::new(
            "pip",
            "",
            vec![
                ("name", list(&["mrtpkg_a"])),
                ("virtualenv", s("@/venv")),
                ("virtualenv_command", s("python3 -m venv --without-pip")),
            ],
        )
        .state(PIP_STATE),
        Case::new(
            "pip",
            "",
            vec![
                ("name", list(&["mrtpkg_a"])),
                ("virtualenv", s("venv")),
                ("chdir", s("@")),
                ("virtualenv_command", s("python3 -m venv")),
                ("virtualenv_python", s("python3")),
            ],
        )
        .state(PIP_STATE),
        Case::new(
            "pip",
            "",
            vec![("name", list(&["mrtpkg_a"])), ("virtualenv", s("@/venv"))],
        )
        .check()
        .state(PIP_STATE),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pip_matches_ansible_core() {
    let _shared = shared_state().lock().await;
    pip_fixture();
    run_cases("pip", pip_cases(), &[]).await;
    sh(&format!("rm -rf {VENV}/lib/python3*/site-packages/mrtpkg*"));
}

/// One venv made with pip inside by virtualenv_command, natively and by
/// ansible-core: the same result and the same packages in it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pip_makes_a_virtualenv_as_ansible_core() {
    pip_fixture();
    let case = Case::new(
        "pip",
        "",
        vec![
            ("name", list(&["mrtpkg_b"])),
            ("virtualenv", s("@/venv")),
            ("virtualenv_command", s("python3 -m venv")),
            (
                "extra_args",
                s(leak(format!("--no-index --find-links {WHEELS}"))),
            ),
        ],
    )
    .state("ls venv/lib/python3*/site-packages | grep -i mrtpkg")
    .env("PIP_DISABLE_PIP_VERSION_CHECK", "1");
    run_cases("pip-venv", vec![case], &[]).await;
}

// --- a playbook -------------------------------------------------------------

/// The four modules in a playbook through the mitorun binary against
/// localhost, natively end to end (lazy code shipped with the first call,
/// results registered and checked by assert).
#[test]
fn devmods_playbook_runs_natively() {
    if !is_root() || !has_crontab() || !has_pexpect() {
        eprintln!("skipped: needs root, crontab and pexpect");
        return;
    }
    let _shared = shared_state().blocking_lock();
    pip_fixture();
    sh(&format!(
        "id {CRON_USER} >/dev/null 2>&1 || useradd -M -s /bin/sh {CRON_USER}; crontab -u {CRON_USER} -r 2>/dev/null || true"
    ));
    let dir = tempdir("devmods-playbook");
    let d = dir.display();
    sh(&format!("cd {d}\n{GIT_ENV}{GIT_SOURCE}"));
    let playbook = dir.join("pb.yml");
    std::fs::write(
        &playbook,
        format!(
            "- hosts: localhost
  gather_facts: false
  environment:
    PIP_DISABLE_PIP_VERSION_CHECK: '1'
  tasks:
    - cron: {{name: nightly, job: /bin/true, hour: '3', user: {CRON_USER}}}
      register: job
    - cron: {{name: nightly, job: /bin/true, hour: '3', user: {CRON_USER}}}
      register: job_again
    - git: {{repo: {d}/src, dest: {d}/co, version: dev}}
      register: clone
    - pip:
        name: mrtpkg_a==1.0
        virtualenv: {VENV}
        extra_args: --no-index --find-links {WHEELS}
      register: installed
    - expect:
        command: /bin/sh -c 'printf \"Name? \"; read n; echo \"hi $n\"'
        responses: {{'Name\\?': mitorun}}
      register: talk
    - cron: {{name: nightly, state: absent, user: {CRON_USER}}}
    - assert:
        that:
          - job is changed and job.jobs == ['nightly']
          - job_again is not changed
          - clone is changed and clone.before is none and clone.after | length == 40
          - installed is changed and 'mrtpkg_a==1.0' in installed.cmd
          - talk.stdout == 'Name? hi mitorun'
"
        ),
    )
    .expect("write playbook");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mitorun"))
        .arg(&playbook)
        .args(["-i", "localhost,", "-c", "local"])
        .args(["-e", &format!("ansible_python_interpreter={PY}")])
        .output()
        .expect("mitorun runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    sh(&format!(
        "crontab -u {CRON_USER} -r 2>/dev/null || true; rm -rf {VENV}/lib/python3*/site-packages/mrtpkg*"
    ));
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        out.status.success(),
        "playbook failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("ok=7    changed=5"), "{stdout}");
}
