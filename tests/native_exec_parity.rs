//! raw and script (remote side) against ansible-core 2.19's actions
//! (MITORUN_REF_BIN): the same task run by ansible-playbook on localhost,
//! its registered result compared with the native module's. For script
//! the test does the controller's part (upload into the interpreter's
//! private temp dir, path substituted in the command line), as the
//! executor's script action will.

#[path = "common/sshd.rs"]
mod sshd;
#[path = "common/transport.rs"]
mod tr;

use mitorun::transport::{Context, ModuleCall};
use mitorun::value::{Map, Value};
use tr::*;

/// Runs one task with ansible-playbook and returns its registered result.
fn ansible_task(module: &str, args: &serde_json::Value, check: bool, dir: &std::path::Path) -> Map {
    let bin = ref_bin().expect("MITORUN_REF_BIN");
    let out = dir.join("result.json");
    let play = format!(
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n    - {module}: {args}\n      register: r\n      ignore_errors: true\n      check_mode: {check}\n    - copy:\n        content: \"{{{{ r | to_json }}}}\"\n        dest: {out}\n      check_mode: false\n",
        out = out.display()
    );
    let pb = dir.join("play.yml");
    std::fs::write(&pb, play).expect("write playbook");
    let run = std::process::Command::new(format!("{bin}/ansible-playbook"))
        .arg(&pb)
        .args(["-e", "ansible_python_interpreter=/usr/bin/python3"])
        .env("ANSIBLE_NOCOLOR", "1")
        .output()
        .expect("ansible-playbook runs");
    let text = std::fs::read_to_string(&out).unwrap_or_else(|_| {
        panic!(
            "no result: {}\n{}",
            String::from_utf8_lossy(&run.stdout),
            String::from_utf8_lossy(&run.stderr)
        )
    });
    match mitorun::playbook::pyjson::parse(&text).expect("json") {
        Value::Map(m) => m,
        other => panic!("not a map: {other:?}"),
    }
}

/// `cwd`: ansible's local connection runs commands in the playbook's dir.
async fn native(
    ctx: &Context,
    module: &str,
    args: &serde_json::Value,
    check: bool,
    cwd: &str,
) -> Map {
    let Value::Map(a) = Value::from_json(args) else {
        panic!("args must be a map")
    };
    let mut call = ModuleCall::new(module, a);
    call.check_mode = check;
    call.cwd = Some(cwd.to_string());
    ctx.run_module(call).await.expect("native runs")
}

/// The keys ansible's registered result has that the module/action
/// decides (the executor adds none of these).
fn compare(module: &str, args: &serde_json::Value, ours: &Map, theirs: &Map) -> Option<String> {
    let keys = [
        "changed",
        "failed",
        "skipped",
        "msg",
        "rc",
        "stdout",
        "stdout_lines",
        "stderr",
        "stderr_lines",
    ];
    let mut diffs = Vec::new();
    for k in keys {
        // ansible adds failed=false / changed=false to every registered
        // result; the executor does the same for ours.
        let norm = |m: &Map| match (k, m.get(k)) {
            ("failed" | "changed" | "skipped", None) => Some(Value::Bool(false)),
            (_, v) => v.cloned(),
        };
        if norm(ours) != norm(theirs) {
            diffs.push(format!(
                "{k}: ours {:?} theirs {:?}",
                ours.get(k),
                theirs.get(k)
            ));
        }
    }
    (!diffs.is_empty()).then(|| format!("{module} {args}: {}", diffs.join("; ")))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raw_and_script_match_ansible_core_actions() {
    let pool = ref_pool();
    let ctx = pool.context(&local_spec(&[])).await.expect("connect");
    let dir = tempdir("native-exec");
    let script = dir.join("show.sh");
    std::fs::write(
        &script,
        "#!/bin/sh\necho \"args: $*\"; pwd; echo to-stderr >&2; [ \"$1\" != fail ] || exit 4\n",
    )
    .unwrap();
    let d = dir.display().to_string();
    let sp = script.display().to_string();
    use serde_json::json;
    let raw_cases = [
        (json!({"_raw_params": "echo hi; echo err >&2"}), false),
        (json!({"_raw_params": "echo out; exit 3"}), false),
        (json!({"_raw_params": "printf 'a\\n\\nb'"}), false),
        (
            json!({"_raw_params": "echo $0", "executable": "/bin/bash"}),
            false,
        ),
        (json!({"_raw_params": "echo checked"}), true),
        (json!({"_raw_params": "pwd"}), false),
    ];
    let script_cases = [
        (json!({"_raw_params": format!("{sp} a 'b c'")}), false),
        (json!({"_raw_params": format!("{sp} fail")}), false),
        (json!({"cmd": sp.clone(), "chdir": "/usr"}), false),
        (
            json!({"_raw_params": sp.clone(), "creates": d.clone()}),
            false,
        ),
        (
            json!({"_raw_params": sp.clone(), "removes": format!("{d}/nope")}),
            false,
        ),
        (
            json!({"_raw_params": format!("{sp} x"), "executable": "/bin/bash"}),
            false,
        ),
        (
            json!({"_raw_params": sp.clone(), "chdir": "relative"}),
            false,
        ),
        (json!({"_raw_params": sp.clone()}), true),
        (
            json!({"_raw_params": sp.clone(), "removes": d.clone()}),
            true,
        ),
    ];
    let mut failures = Vec::new();
    for (args, check) in &raw_cases {
        let theirs = ansible_task("raw", args, *check, &dir);
        let ours = native(&ctx, "raw", args, *check, &d).await;
        failures.extend(compare("raw", args, &ours, &theirs));
    }
    let private = ctx.remote_tmp().expect("private temp dir").to_string();
    for (args, check) in &script_cases {
        let theirs = ansible_task("script", args, *check, &dir);
        // The controller's part: a task temp dir, the upload, the remote
        // copy named in the command line.
        let tmp = ctx.make_task_tmp().await.expect("task tmp");
        assert!(tmp.starts_with(&format!("{private}/ansible-tmp-")), "{tmp}");
        let remote = format!("{tmp}/show.sh");
        ctx.put_file(&script, &remote, Some(0o700)).await.unwrap();
        let mut ours_args = args.clone();
        for key in ["_raw_params", "cmd"] {
            if let Some(serde_json::Value::String(line)) = ours_args.get_mut(key) {
                *line = line.replacen(&sp, &remote, 1);
            }
        }
        let mut ours = native(&ctx, "script", &ours_args, *check, &d).await;
        // The script prints its own path in no case; stdout is comparable.
        ours.shift_remove("invocation");
        failures.extend(compare("script", args, &ours, &theirs));
        ctx.remove_task_tmp(&tmp).await.expect("remove task tmp");
        assert!(!std::path::Path::new(&tmp).exists(), "{tmp} left behind");
    }
    // Nothing outside the private temp dir can be removed that way.
    assert!(ctx.remove_task_tmp(&d).await.is_err());
    assert!(ctx.remove_task_tmp(&private).await.is_err());
    assert!(dir.exists());
    assert!(
        failures.is_empty(),
        "{} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
    let _ = std::fs::remove_dir_all(&dir);
    pool.shutdown().await;
}
