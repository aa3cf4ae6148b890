//! The transport over the local backend: bootstrap, discovery, native
//! and real modules, stream safety, concurrency, files, exec wrappers.

#[path = "common/sshd.rs"]
mod sshd;
#[path = "common/transport.rs"]
mod tr;

use mitorun::transport::{Pool, PoolOptions};
use mitorun::value::Value;
use tr::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_bootstrap_ping_and_command() {
    let pool = Pool::new(PoolOptions::default());
    let ctx = pool.context(&local_spec(&[])).await.expect("connect");
    ctx.ping().await.expect("ping");
    let r = ctx
        .run_module(mitorun::transport::ModuleCall::new(
            "ping",
            Default::default(),
        ))
        .await
        .unwrap();
    assert_eq!(field(&r, "ping"), &Value::str("pong"));
    let r = ctx.run_module(command("echo hello")).await.unwrap();
    assert_eq!(field(&r, "stdout"), &Value::str("hello"));
    assert_eq!(field(&r, "rc"), &Value::Int(0));
    assert_eq!(ctx.discovered_interpreter(), None);
    // The same spec gives the same interpreter.
    let again = pool.context(&local_spec(&[])).await.unwrap();
    assert_eq!(again.hello().pid, ctx.hello().pid);
    pool.shutdown().await;
}

use mitorun::transport::{CallError, ModuleCall, UnreachableKind};
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_reports_the_interpreter_it_chose() {
    let pool = Pool::new(PoolOptions::default());
    // (The default list would find pyenv's python3.13 shim first on a
    // machine with pyenv, as ansible would; list candidates explicitly.)
    let mut v = vars(&[
        ("ansible_connection", "local"),
        ("ansible_python_interpreter", "auto_silent"),
    ]);
    v.insert(
        "ansible_interpreter_python_fallback".into(),
        Value::List(vec![Value::str("python3.99"), Value::str("python3")]),
    );
    let spec = mitorun::transport::ConnectionSpec::from_vars("localhost", &v).unwrap();
    let ctx = pool.context(&spec).await.expect("connect");
    let found = ctx
        .discovered_interpreter()
        .expect("discovered")
        .to_string();
    assert!(found.starts_with('/'), "{found}");
    assert!(!ctx.hello().python.is_empty());
    // A fallback list is honoured in order: the first that exists wins.
    let mut v = vars(&[("ansible_connection", "local")]);
    v.insert(
        "ansible_interpreter_python_fallback".into(),
        Value::List(vec![
            Value::str("/nonexistent/python9"),
            Value::str("/usr/bin/python3"),
        ]),
    );
    let spec = mitorun::transport::ConnectionSpec::from_vars("localhost", &v).unwrap();
    let ctx = pool.context(&spec).await.expect("connect");
    assert_eq!(ctx.discovered_interpreter(), Some("/usr/bin/python3"));
    pool.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interpreter_with_env_prefix_is_not_shell_interpolated() {
    let pool = Pool::new(PoolOptions::default());
    let spec = local_spec(&[(
        "ansible_python_interpreter",
        "/usr/bin/env MITORUN_T='a b;$(echo x)' python3",
    )]);
    let ctx = pool.context(&spec).await.expect("connect");
    let r = ctx
        .run_module(shell("printf %s \"$MITORUN_T\""))
        .await
        .unwrap();
    assert_eq!(field(&r, "stdout"), &Value::str("a b;$(echo x)"));
    pool.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_python_is_unreachable_no_python() {
    let pool = Pool::new(PoolOptions::default());
    let err = pool
        .context(&local_spec(&[(
            "ansible_python_interpreter",
            "/nonexistent/python3",
        )]))
        .await
        .expect_err("no python");
    // A configured interpreter that is missing fails the task in ansible's
    // words, with what starting it said.
    assert_eq!(err.kind, UnreachableKind::InterpreterNotFound, "{err}");
    assert_eq!(
        err.msg,
        "The module interpreter '/nonexistent/python3' was not found."
    );
    assert!(err.stderr.contains("/nonexistent/python3"), "{err:?}");
    // Discovery that finds nothing falls back to /usr/bin/python3 like
    // ansible; a python too old is classified by the first stage.
    let dir = tempdir("oldpy");
    let fake = dir.join("python2");
    std::fs::write(&fake, "#!/bin/sh\necho 'MITORUN-PY-OLD 2.7'\nexit 1\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let err = pool
        .context(&local_spec(&[(
            "ansible_python_interpreter",
            fake.to_str().unwrap(),
        )]))
        .await
        .expect_err("too old");
    assert_eq!(err.kind, UnreachableKind::PythonTooOld, "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_calls_in_flight_on_one_connection() {
    let pool = Pool::new(PoolOptions::default());
    let ctx = pool.context(&local_spec(&[])).await.expect("connect");
    let start = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    for i in 0..40 {
        let ctx = ctx.clone();
        set.spawn(async move {
            (
                i,
                ctx.run_module(shell(&format!("sleep 0.3; echo {i}"))).await,
            )
        });
    }
    let mut seen = 0;
    while let Some(done) = set.join_next().await {
        let (i, r) = done.unwrap();
        assert_eq!(field(&r.unwrap(), "stdout"), &Value::str(i.to_string()));
        seen += 1;
    }
    assert_eq!(seen, 40);
    // Sequentially this is 12 s; concurrently it is a fraction.
    assert!(
        start.elapsed() < Duration::from_secs(6),
        "{:?}",
        start.elapsed()
    );
    pool.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn module_output_cannot_corrupt_the_stream() {
    let pool = ref_pool();
    let lib = tempdir("noisy");
    std::fs::write(
        lib.join("noisy.py"),
        "#!/usr/bin/python\nimport os, sys\nfrom ansible.module_utils.basic import AnsibleModule\n\
         os.write(1, b'\\x00\\x00\\x00\\x10garbage on fd 1\\n')\nos.write(2, b'noise on fd 2\\n')\n\
         sys.stdout.buffer.write(b'\\xff\\xfe not json\\n')\nprint('printed junk')\n\
         m = AnsibleModule(argument_spec=dict(x=dict(type='int')))\nm.exit_json(changed=False, x=m.params['x'])\n",
    )
    .unwrap();
    let ctx = pool.context(&local_spec(&[])).await.expect("connect");
    for i in 0..3 {
        let mut call = ModuleCall::new("noisy", args(&[("x", Value::Int(i))]));
        call.library_dirs = vec![lib.clone()];
        let r = ctx.run_module(call).await.expect("module runs");
        assert_eq!(field(&r, "x"), &Value::Int(i), "{r:?}");
    }
    ctx.ping().await.expect("stream still framed");
    // A native command writing to its stdout goes to the result only.
    let r = ctx
        .run_module(shell(
            "head -c 4096 /dev/urandom | base64 >&1; echo done >&2",
        ))
        .await
        .unwrap();
    assert_eq!(field(&r, "stderr"), &Value::str("done"));
    ctx.ping().await.expect("stream still framed");
    pool.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn module_styles_run_with_their_conventions() {
    let pool = Pool::new(PoolOptions::default());
    let lib = tempdir("styles");
    let write = |name: &str, text: &str| {
        let p = lib.join(name);
        std::fs::write(&p, text).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    };
    write(
        "wantjson.py",
        "#!/usr/bin/python\n# WANT_JSON\nimport json, sys\na = json.load(open(sys.argv[1]))\nprint(json.dumps({'got': a['msg'], 'style': 'want_json'}))\n",
    );
    write(
        "jsonargs.py",
        "#!/usr/bin/python\nimport json\na = json.loads('<<INCLUDE_ANSIBLE_MODULE_JSON_ARGS>>')\nprint(json.dumps({'got': a['msg']}))\n",
    );
    write(
        "oldstyle.sh",
        "#!/bin/sh\n. \"$1\"\nprintf '{\"got\": \"%s\"}\\n' \"$msg\"\n",
    );
    write(
        "interp.rb",
        "#!/usr/bin/ruby-not-installed\nprint '{\"shebang\": \"rewritten\"}'\n",
    );
    let ctx = pool.context(&local_spec(&[])).await.expect("connect");
    let run = |name: &str, interp: Vec<(String, String)>| {
        let mut call = ModuleCall::new(name, args(&[("msg", Value::str("hi there"))]));
        call.library_dirs = vec![lib.clone()];
        call.interpreters = interp;
        let ctx = ctx.clone();
        async move { ctx.run_module(call).await.expect("runs") }
    };
    assert_eq!(
        field(&run("wantjson", vec![]).await, "got"),
        &Value::str("hi there")
    );
    assert_eq!(
        field(&run("jsonargs", vec![]).await, "got"),
        &Value::str("hi there")
    );
    assert_eq!(
        field(&run("oldstyle", vec![]).await, "got"),
        &Value::str("hi there")
    );
    // ansible_ruby_interpreter replaces the shebang: here by a shell that
    // prints what the "ruby" script would.
    let r = run(
        "interp",
        vec![(
            "ruby-not-installed".into(),
            "/bin/sh -c 'echo {\\\"shebang\\\": \\\"rewritten\\\"}'".into(),
        )],
    )
    .await;
    assert_eq!(field(&r, "shebang"), &Value::str("rewritten"), "{r:?}");
    // Unknown modules are a module error, not a hang.
    let err = ctx
        .run_module(ModuleCall::new("no_such_module_xyz", Default::default()))
        .await
        .unwrap_err();
    assert!(matches!(err, CallError::Module(_)), "{err:?}");
    pool.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn task_isolation_fork_leaves_no_state_behind() {
    let pool = ref_pool();
    let lib = tempdir("fork");
    std::fs::write(
        lib.join("stateful.py"),
        "#!/usr/bin/python\nimport os, sys\nfrom ansible.module_utils.basic import AnsibleModule\n\
         m = AnsibleModule(argument_spec={})\nimport builtins\nn = getattr(builtins, 'mitorun_count', 0) + 1\n\
         builtins.mitorun_count = n\nm.exit_json(changed=False, count=n, pid=os.getpid())\n",
    )
    .unwrap();
    let ctx = pool.context(&local_spec(&[])).await.expect("connect");
    let run = |fork: bool| {
        let mut call = ModuleCall::new("stateful", Default::default());
        call.library_dirs = vec![lib.clone()];
        call.fork = fork;
        let ctx = ctx.clone();
        async move { ctx.run_module(call).await.expect("runs") }
    };
    let a = run(true).await;
    let b = run(true).await;
    assert_eq!(
        (field(&a, "count"), field(&b, "count")),
        (&Value::Int(1), &Value::Int(1))
    );
    assert_ne!(field(&a, "pid"), &Value::Int(ctx.hello().pid));
    // In-process the interpreter persists (which is why fork exists).
    let c = run(false).await;
    let d = run(false).await;
    assert_eq!(field(&c, "pid"), &Value::Int(ctx.hello().pid));
    assert_eq!(
        (field(&c, "count"), field(&d, "count")),
        (&Value::Int(1), &Value::Int(2))
    );
    // Modules known to leave state behind (Mitogen's list) always fork.
    std::fs::copy(lib.join("stateful.py"), lib.join("firewalld.py")).unwrap();
    let mut call = ModuleCall::new("firewalld", Default::default());
    call.library_dirs = vec![lib.clone()];
    let e = ctx.run_module(call).await.expect("runs");
    assert_ne!(field(&e, "pid"), &Value::Int(ctx.hello().pid), "{e:?}");
    pool.shutdown().await;
}

fn sha1_file(path: &std::path::Path) -> String {
    let out = std::process::Command::new("sha1sum")
        .arg(path)
        .output()
        .expect("sha1sum");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_put_and_fetch_stream_with_flat_memory() {
    let mib: u64 = std::env::var("MITORUN_TEST_BIG_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    let dir = tempdir("big");
    let src = dir.join("src.bin");
    let st = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "head -c {}M /dev/urandom > '{}'",
            mib,
            src.display()
        ))
        .status()
        .unwrap();
    assert!(st.success());
    let pool = Pool::new(PoolOptions::default());
    let ctx = pool.context(&local_spec(&[])).await.expect("connect");
    let before = rss_kib();
    let dest = dir.join("dest.bin");
    let t = Instant::now();
    let put = ctx
        .put_file(&src, dest.to_str().unwrap(), Some(0o600))
        .await
        .expect("put");
    let put_time = t.elapsed();
    assert_eq!(put.size, mib << 20);
    assert_eq!(put.sha1, sha1_file(&src));
    assert_eq!(sha1_file(&dest), put.sha1);
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&dest).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let back = dir.join("back.bin");
    let t = Instant::now();
    let got = ctx
        .fetch_file(dest.to_str().unwrap(), &back)
        .await
        .expect("fetch");
    let fetch_time = t.elapsed();
    assert_eq!(got.sha1, put.sha1);
    assert_eq!(sha1_file(&back), put.sha1);
    let grown = rss_kib().saturating_sub(before);
    eprintln!("{mib} MiB: put {put_time:?}, fetch {fetch_time:?}, controller RSS grew {grown} KiB");
    // Flat: a window of chunks, never the file.
    assert!(
        grown < 32 * 1024,
        "controller RSS grew {grown} KiB for a {mib} MiB transfer"
    );
    // No temp file is left beside the destination.
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    // Small files ride inside the call.
    let small = ctx
        .put_bytes(b"tiny".to_vec(), dir.join("small").to_str().unwrap(), None)
        .await
        .unwrap();
    assert_eq!(small.sha1, "d4927dda05af693bff7dfd4c7b40eafb0ef92a78"); // sha1("tiny")
    assert_eq!(std::fs::read(dir.join("small")).unwrap(), b"tiny");
    // A destination in a missing directory is a call failure.
    let err = ctx
        .put_bytes(vec![0; 10], "/nonexistent-dir/x", None)
        .await
        .unwrap_err();
    assert!(matches!(err, CallError::Failed { .. }), "{err:?}");
    let err = ctx
        .fetch_file("/nonexistent-file", &dir.join("nf"))
        .await
        .unwrap_err();
    assert!(matches!(err, CallError::Failed { .. }), "{err:?}");
    ctx.ping().await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    pool.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_puts_to_one_path_never_leave_a_mixed_file() {
    let dir = tempdir("race");
    let dest = dir.join("target.bin");
    let size = 2 * 1024 * 1024;
    let pool = Pool::new(PoolOptions::default());
    let a = pool.context(&local_spec(&[])).await.expect("connect");
    // A second, separate interpreter writes the other content.
    let b = pool
        .context(&local_spec(&[(
            "ansible_python_interpreter",
            "/usr/bin/env python3",
        )]))
        .await
        .expect("connect");
    assert_ne!(a.hello().pid, b.hello().pid);
    std::fs::write(&dest, vec![b'a'; size]).unwrap();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let stop = stop.clone();
        let dest = dest.clone();
        std::thread::spawn(move || {
            let mut reads = 0;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                let data = std::fs::read(&dest).expect("always present");
                assert_eq!(data.len(), size, "truncated file seen");
                assert!(data.iter().all(|c| *c == data[0]), "mixed file seen");
                reads += 1;
            }
            reads
        })
    };
    for _ in 0..8 {
        let (ra, rb) = tokio::join!(
            a.put_bytes(vec![b'a'; size], dest.to_str().unwrap(), None),
            b.put_bytes(vec![b'b'; size], dest.to_str().unwrap(), None)
        );
        ra.unwrap();
        rb.unwrap();
    }
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let reads = reader.join().expect("reader saw only whole files");
    assert!(reads > 0);
    let _ = std::fs::remove_dir_all(&dir);
    pool.shutdown().await;
}

/// A stub for an exec-wrapper tool: logs its argv, then runs what follows
/// the container name (after a `--` if there is one) locally, as mitogen's
/// tests/data/stubs do.
fn write_stub(dir: &std::path::Path, name: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(
        &path,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" > '{log}'\n\
             while [ $# -gt 0 ]; do case \"$1\" in *stub-target) shift; break;; esac; shift; done\n\
             for a in \"$@\"; do if [ \"$a\" = -- ]; then while [ \"$1\" != -- ]; do shift; done; shift; break; fi; done\n\
             exec \"$@\"\n",
            log = dir.join(format!("{name}.log")).display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_wrappers_run_the_agent_through_their_tool() {
    let dir = tempdir("stubs");
    let pool = Pool::new(PoolOptions::default());
    let cases: [(&str, &str, &[&str]); 8] = [
        (
            "docker",
            "mitogen_docker_path",
            &["exec", "-i", "--user", "app", "stub-target"],
        ),
        (
            "podman",
            "mitogen_podman_path",
            &["exec", "-i", "--user", "app", "stub-target"],
        ),
        (
            "kubectl",
            "mitogen_kubectl_path",
            &["--namespace", "ns1", "exec", "-i", "stub-target", "--"],
        ),
        (
            "lxc",
            "mitogen_lxc_attach_path",
            &["--clear-env", "-n", "stub-target", "--"],
        ),
        (
            "lxd",
            "mitogen_lxc_path",
            &["exec", "--mode=noninteractive", "stub-target", "--"],
        ),
        ("jail", "mitogen_jexec_path", &["-U", "app", "stub-target"]),
        (
            "machinectl",
            "mitogen_machinectl_path",
            &["shell", "--quiet", "app@stub-target"],
        ),
        (
            "buildah",
            "mitogen_buildah_path",
            &["run", "--user", "app", "stub-target", "--"],
        ),
    ];
    for (kind, path_var, expect_prefix) in cases {
        let stub = write_stub(&dir, kind);
        let mut v = vars(&[
            ("ansible_connection", kind),
            ("ansible_host", "stub-target"),
            ("ansible_python_interpreter", PYTHON),
            (path_var, stub.to_str().unwrap()),
            ("ansible_kubectl_namespace", "ns1"),
        ]);
        if !matches!(kind, "kubectl" | "lxc" | "lxd") {
            v.insert("ansible_user".into(), Value::str("app"));
        }
        let spec = mitorun::transport::ConnectionSpec::from_vars("stub-target", &v).unwrap();
        let ctx = pool
            .context(&spec)
            .await
            .unwrap_or_else(|e| panic!("{kind}: {e}"));
        let r = ctx.run_module(command("echo via-stub")).await.unwrap();
        assert_eq!(field(&r, "stdout"), &Value::str("via-stub"), "{kind}");
        let log = std::fs::read_to_string(dir.join(format!("{kind}.log"))).unwrap();
        let argv: Vec<&str> = log.lines().collect();
        assert_eq!(
            &argv[..expect_prefix.len()],
            expect_prefix,
            "{kind} argv {argv:?}"
        );
    }
    pool.shutdown().await;
}

/// Edits to pam_env files show in later tasks, by the seed's rules: new
/// keys appear, keys from the old file go, keys set elsewhere stay.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn environment_file_edits_reach_later_tasks() {
    let dir = tempdir("pamenv");
    let envfile = dir.join("environment");
    std::fs::write(&envfile, "MR_ENV_OLD=from-file\n").unwrap();
    let pool = mitorun::transport::Pool::new(mitorun::transport::PoolOptions {
        environment_files: Some(vec![envfile.display().to_string()]),
        ..Default::default()
    });
    let ctx = pool.context(&local_spec(&[])).await.expect("connect");
    let show = |var: &'static str| {
        let ctx = ctx.clone();
        async move {
            let r = ctx
                .run_module(shell(&format!("printf %s \"${{{var}-unset}}\"")))
                .await
                .expect("runs");
            field(&r, "stdout").clone()
        }
    };
    // Present at start but not inherited: not applied until the file changes.
    assert_eq!(show("MR_ENV_OLD").await, Value::str("unset"));
    std::fs::write(
        &envfile,
        "# comment\nexport MR_ENV_NEW=\"a b\"\nPATH=/nowhere\n",
    )
    .unwrap();
    assert_eq!(show("MR_ENV_NEW").await, Value::str("a b"));
    // PATH came from elsewhere: left alone.
    let path = show("PATH").await;
    assert_ne!(path, Value::str("/nowhere"));
    std::fs::write(&envfile, "MR_ENV_OTHER=1\n").unwrap();
    assert_eq!(show("MR_ENV_NEW").await, Value::str("unset"));
    assert_eq!(show("MR_ENV_OTHER").await, Value::str("1"));
    std::fs::remove_file(&envfile).unwrap();
    assert_eq!(show("MR_ENV_OTHER").await, Value::str("unset"));
    pool.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// Agents' LOG frames reach the controller's sink (the -vvv display),
/// labelled with the host and the interpreter.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agent_logs_reach_the_controller() {
    use std::sync::{Arc, Mutex};
    let seen: Arc<Mutex<Vec<mitorun::transport::LogRecord>>> = Arc::default();
    let sink = seen.clone();
    let pool = mitorun::transport::Pool::new(mitorun::transport::PoolOptions {
        log: Some(Arc::new(move |r| sink.lock().unwrap().push(r))),
        environment_files: Some(Vec::new()),
        ..Default::default()
    });
    let ctx = pool.context(&local_spec(&[])).await.expect("connect");
    ctx.run_module(command("true")).await.expect("runs");
    // LOG frames are sent before the reply, on the same stream.
    let records = seen.lock().unwrap().clone();
    let run = records
        .iter()
        .find(|r| r.msg.contains("run_module command"))
        .unwrap_or_else(|| panic!("no run_module record in {records:?}"));
    assert_eq!(
        (run.host.as_str(), run.context, run.pid),
        ("localhost", 1, ctx.hello().pid)
    );
    pool.shutdown().await;
    // Without a sink the agent sends none (nothing to check but that it
    // still works).
    let quiet = mitorun::transport::Pool::new(Default::default());
    let q = quiet.context(&local_spec(&[])).await.expect("connect");
    q.run_module(command("true")).await.expect("runs");
    quiet.shutdown().await;
}

/// `Pool::reset` (ansible's `connection.reset()`): the target's
/// interpreter is stopped and forgotten, the next request bootstraps a
/// new one; resetting what is not connected connects nothing. Behind a
/// `via` hop only the target's interpreter goes, the hop stays.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reset_forgets_the_interpreter_and_the_next_call_starts_a_new_one() {
    let pool = Pool::new(PoolOptions::default());
    let spec = local_spec(&[]);
    let first = pool.context(&spec).await.expect("connect");
    let first_pid = first.hello().pid;
    pool.reset(&spec).await;
    assert!(!first.is_alive(), "the reset interpreter is still in use");
    let second = pool.context(&spec).await.expect("connect again");
    assert_ne!(second.hello().pid, first_pid);
    second.ping().await.expect("the new interpreter answers");
    // The old agent process is gone (it exits when told to, or with its
    // connection).
    let gone = Instant::now() + Duration::from_secs(5);
    while std::path::Path::new(&format!("/proc/{first_pid}")).exists() && Instant::now() < gone {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(!std::path::Path::new(&format!("/proc/{first_pid}")).exists());

    // Behind a hop: the target's interpreter is replaced, the hop's kept.
    let hop = local_spec(&[]);
    let behind = local_spec(&[("ansible_host", "behind")]).with_via(vec![hop.clone()]);
    let target = pool.context(&behind).await.expect("connect via the hop");
    let hop_pid = pool.context(&hop).await.expect("hop").hello().pid;
    pool.reset(&behind).await;
    assert!(!target.is_alive());
    let again = pool
        .context(&behind)
        .await
        .expect("connect via the hop again");
    assert_ne!(again.hello().pid, target.hello().pid);
    assert_eq!(pool.context(&hop).await.expect("hop").hello().pid, hop_pid);

    // Nothing pooled: nothing happens, nothing is connected.
    let never = local_spec(&[("ansible_host", "never-used")]);
    let started = Instant::now();
    pool.reset(&never).await;
    assert!(started.elapsed() < Duration::from_secs(1));
    pool.shutdown().await;
}

/// `meta: reset_connection` through the binary: the tasks before it share
/// one interpreter, the task after it runs in a new one (the parent of a
/// module's shell is the agent that ran it).
#[test]
fn meta_reset_connection_gives_the_next_task_a_new_interpreter() {
    let dir = tempdir("reset-connection");
    std::fs::write(
        dir.join("site.yml"),
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n\
         \x20   - shell: echo $PPID\n      register: before\n\
         \x20   - shell: echo $PPID\n      register: again\n\
         \x20   - meta: reset_connection\n\
         \x20   - shell: echo $PPID\n      register: after\n\
         \x20   - assert:\n        that:\n\
         \x20         - before.stdout == again.stdout\n\
         \x20         - after.stdout != before.stdout\n",
    )
    .unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_mitorun"))
        .args(["-i", "localhost,", "-c", "local", "-e"])
        .arg(format!("ansible_python_interpreter={PYTHON}"))
        .arg(dir.join("site.yml"))
        .output()
        .expect("run mitorun");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("All assertions passed"), "{stdout}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A module call with small files: the task temp dir, the uploads, the
/// module and the removal go together; the module sees the files, the
/// dir is gone afterwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn module_with_small_files_in_one_queue() {
    use mitorun::transport::StagedFile;
    let pool = Pool::new(PoolOptions::default());
    let ctx = pool.context(&local_spec(&[])).await.expect("connect");
    let dir = ctx
        .staged_task_tmp()
        .expect("the agent has a private temp dir");
    let files = vec![
        StagedFile {
            path: format!("{dir}/a"),
            data: b"first\n".to_vec(),
            mode: 0o600,
        },
        StagedFile {
            path: format!("{dir}/b"),
            data: b"second\n".to_vec(),
            mode: 0o700,
        },
    ];
    let call = shell(&format!("cat {dir}/a {dir}/b; stat -c %a {dir}/b"));
    let result = ctx
        .run_module_with_files(call, &dir, files)
        .await
        .expect("staged")
        .expect("module ran");
    assert_eq!(field(&result, "stdout"), &Value::str("first\nsecond\n700"));
    assert!(!std::path::Path::new(&dir).exists(), "{dir} was removed");
    pool.shutdown().await;
}

/// When an upload fails, the module queued behind it does not run (and
/// the dir is still removed); a bad dir name stops everything too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn module_with_files_does_not_run_after_a_failed_upload() {
    use mitorun::transport::{StagedFile, StagingError};
    let pool = Pool::new(PoolOptions::default());
    let ctx = pool.context(&local_spec(&[])).await.expect("connect");
    let marker = tempdir("staged").join("module-ran");
    let dir = ctx.staged_task_tmp().expect("private temp dir");
    let files = vec![StagedFile {
        path: "/nonexistent-mitorun-dir/x".into(),
        data: b"x".to_vec(),
        mode: 0o600,
    }];
    let call = command(&format!("touch {}", marker.display()));
    match ctx.run_module_with_files(call, &dir, files).await {
        Err(StagingError::Upload { path, error }) => {
            assert_eq!(path, "/nonexistent-mitorun-dir/x");
            assert!(error.to_string().contains("could not write"), "{error}");
        }
        other => panic!("expected an upload failure, got {other:?}"),
    }
    assert!(!marker.exists(), "the module ran after the failed upload");
    assert!(!std::path::Path::new(&dir).exists(), "{dir} was removed");

    // The queue's failure does not outlive its group: the next group runs.
    let dir = ctx.staged_task_tmp().expect("private temp dir");
    let call = command(&format!("touch {}", marker.display()));
    let result = ctx
        .run_module_with_files(call, &dir, Vec::new())
        .await
        .expect("staged")
        .expect("module ran");
    assert_eq!(field(&result, "rc"), &Value::Int(0));
    assert!(marker.exists());
    std::fs::remove_file(&marker).expect("remove marker");

    let bad = format!("{}/not-a-task-dir", ctx.remote_tmp().expect("tmp"));
    let call = command(&format!("touch {}", marker.display()));
    match ctx.run_module_with_files(call, &bad, Vec::new()).await {
        Err(StagingError::TaskTmp(e)) => {
            assert!(e.to_string().contains("not a task temp dir name"), "{e}")
        }
        other => panic!("expected a temp dir failure, got {other:?}"),
    }
    assert!(!marker.exists(), "the module ran without its temp dir");
    pool.shutdown().await;
}

/// Calls sent together in one queue run in the order sent, though the
/// earlier ones take longer; without a queue they overlap.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queued_calls_run_in_the_order_sent() {
    let pool = Pool::new(PoolOptions::default());
    let ctx = pool.context(&local_spec(&[])).await.expect("connect");
    let log = tempdir("queue").join("order");
    let mut started = Vec::new();
    for i in 0..4 {
        let mut call = shell(&format!("sleep 0.{}; echo {i} >> {}", 3 - i, log.display()));
        call.queue = Some("order-test".into());
        started.push(ctx.start_module(call).await.expect("sent"));
    }
    for s in started {
        s.result().await.expect("ran");
    }
    let order = std::fs::read_to_string(&log).expect("log");
    assert_eq!(order, "0\n1\n2\n3\n");
    pool.shutdown().await;
}
