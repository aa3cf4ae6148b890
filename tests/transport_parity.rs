//! Parity: native modules against ansible-core's real modules shipped by
//! mitorun, and real modules run by mitorun against `ansible` ad hoc
//! (ansible-core 2.19 from MITORUN_REF_BIN).

#[path = "common/sshd.rs"]
mod sshd;
#[path = "common/transport.rs"]
mod tr;

use mitorun::transport::{Context, ModuleCall};
use mitorun::value::{Map, Value};
use tr::*;

/// Fields that differ run to run.
const VOLATILE: [&str; 4] = ["start", "end", "delta", "invocation"];

fn stable(m: &Map) -> Map {
    m.iter()
        .filter(|(k, _)| !VOLATILE.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

async fn both(ctx: &Context, name: &str, a: Map) -> (Map, Map) {
    let mut native = ModuleCall::new(name, a.clone());
    native.prefer_native = true;
    let mut real = ModuleCall::new(name, a);
    real.prefer_native = false;
    let n = ctx.run_module(native).await.expect("native runs");
    let r = ctx.run_module(real).await.expect("real runs");
    (n, r)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn native_modules_match_ansible_core_modules() {
    let pool = ref_pool();
    let ctx = pool.context(&local_spec(&[])).await.expect("connect");
    let dir = tempdir("parity");
    let exists = dir.join("exists");
    std::fs::write(&exists, "x").unwrap();
    let raw = |s: &str| args(&[("_raw_params", Value::str(s))]);
    let cases: Vec<(&str, Map)> = vec![
        ("ping", Map::new()),
        ("ping", args(&[("data", Value::str("hello"))])),
        ("command", raw("echo hi there")),
        ("command", raw("false")),
        ("command", raw("/nonexistent/binary arg")),
        ("command", raw("printf 'a\\n\\n'")),
        (
            "command",
            args(&[
                ("_raw_params", Value::str("echo skipped")),
                ("creates", Value::str(exists.to_str().unwrap())),
            ]),
        ),
        (
            "command",
            args(&[
                ("_raw_params", Value::str("echo run")),
                ("removes", Value::str(exists.to_str().unwrap())),
            ]),
        ),
        (
            "command",
            args(&[(
                "argv",
                Value::List(vec![Value::str("echo"), Value::str("a b")]),
            )]),
        ),
        (
            "command",
            args(&[
                ("cmd", Value::str("cat")),
                ("stdin", Value::str("from stdin")),
            ]),
        ),
        (
            "command",
            args(&[
                ("_raw_params", Value::str("pwd")),
                ("chdir", Value::str(dir.to_str().unwrap())),
            ]),
        ),
        ("shell", raw("echo $((1+2)); echo err >&2; exit 3")),
        (
            "slurp",
            args(&[("src", Value::str(exists.to_str().unwrap()))]),
        ),
        ("slurp", args(&[("path", Value::str("/nonexistent/file"))])),
    ];
    for (name, a) in cases {
        let (n, r) = both(&ctx, name, a.clone()).await;
        let (sn, sr) = (stable(&n), stable(&r));
        // The real module adds `exception` tracebacks on some failures;
        // compare what both report.
        let keys: Vec<&String> = sr.keys().filter(|k| *k != "exception").collect();
        for k in &keys {
            assert_eq!(
                sn.get(*k),
                sr.get(*k),
                "{name} {a:?}: field {k}\nnative: {n:?}\nreal:   {r:?}"
            );
        }
        let extra: Vec<&String> = sn.keys().filter(|k| !sr.contains_key(*k)).collect();
        assert!(
            extra.is_empty(),
            "{name} {a:?}: native has extra keys {extra:?}"
        );
        // module_args after defaults are the same too.
        assert_eq!(
            n.get("invocation"),
            r.get("invocation"),
            "{name} {a:?}: invocation"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    pool.shutdown().await;
}

/// `ansible localhost -m NAME -a ARGS -o` from the reference venv, parsed.
fn ansible_adhoc(name: &str, a: &str) -> Map {
    let bin = ref_bin().expect("MITORUN_REF_BIN");
    let out = std::process::Command::new(format!("{bin}/ansible"))
        .args([
            "localhost",
            "-o",
            "-m",
            name,
            "-a",
            a,
            "-e",
            "ansible_python_interpreter=/usr/bin/python3",
        ])
        .env("ANSIBLE_NOCOLOR", "1")
        .output()
        .expect("ansible runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let json = text
        .split_once("=> ")
        .map(|(_, j)| j.trim())
        .unwrap_or_else(|| panic!("unexpected ansible output: {text}"));
    match mitorun::playbook::pyjson::parse(json).expect("json") {
        Value::Map(m) => m,
        other => panic!("not a map: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_modules_return_what_ansible_core_returns() {
    let pool = ref_pool();
    let ctx = pool
        .context(&local_spec(&[(
            "ansible_python_interpreter",
            "/usr/bin/python3",
        )]))
        .await
        .expect("connect");
    let dir = tempdir("adhoc");
    let f = dir.join("file.txt");
    std::fs::write(&f, "content\n").unwrap();
    let p = f.to_str().unwrap();
    let d = dir.to_str().unwrap();
    let cases: Vec<(&str, String, Map)> = vec![
        (
            "stat",
            format!("path={p}"),
            args(&[("path", Value::str(p))]),
        ),
        (
            "stat",
            "path=/nonexistent".into(),
            args(&[("path", Value::str("/nonexistent"))]),
        ),
        (
            "file",
            format!("path={d} state=directory"),
            args(&[("path", Value::str(d)), ("state", Value::str("directory"))]),
        ),
        ("ping", String::new(), Map::new()),
    ];
    for (name, adhoc_args, a) in cases {
        let theirs = ansible_adhoc(name, &adhoc_args);
        let mut call = ModuleCall::new(&format!("ansible.builtin.{name}"), a);
        call.prefer_native = false;
        let ours = ctx.run_module(call).await.expect("runs");
        for (k, v) in &ours {
            if VOLATILE.contains(&k.as_str()) {
                continue;
            }
            let mut v = v.clone();
            let mut t = theirs.get(k).cloned();
            // The stat of a file read by both runs differs only in atime.
            if let (Value::Map(a), Some(Value::Map(b))) = (&mut v, &mut t) {
                a.shift_remove("atime");
                b.shift_remove("atime");
            }
            assert_eq!(
                Some(&v),
                t.as_ref(),
                "{name}: field {k}\nours:   {ours:?}\ntheirs: {theirs:?}"
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    pool.shutdown().await;
}
