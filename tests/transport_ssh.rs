//! The transport against real sshd fixtures: login as root and as an
//! unprivileged user, failure classification, a target dying mid-call,
//! become (sudo with and without password, su, doas), and via hops.

#[path = "common/sshd.rs"]
mod sshd;
#[path = "common/transport.rs"]
mod tr;

use mitorun::transport::{CallError, ConnectionSpec, Pool, PoolOptions, UnreachableKind};
use mitorun::value::Value;
use sshd::Sshd;
use std::time::{Duration, Instant};
use tr::*;

/// Each scenario runs once per ssh client (`russh`, `binary`).
macro_rules! with_both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn russh() {
                    super::$name("russh").await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn binary() {
                    super::$name("binary").await
                }
            }
        )*
    };
}

with_both_backends!(
    ssh_as_root_and_as_an_unprivileged_user,
    connection_failures_are_classified,
    target_killed_mid_call_fails_that_call_only,
    sudo_and_su_start_child_interpreters,
    doas_starts_child_interpreters,
    interpreters_per_target_are_capped_youngest_recycled,
    via_one_sshd_to_another,
    via_hop_to_a_password_login,
    host_key_checking_false_accepts_an_unknown_key,
    become_password_is_part_of_the_child_identity,
    raw_runs_without_python_on_the_target
);

const USER: &str = "mitorun-tr-u";
const OTHER: &str = "mitorun-tr-o";
const PWUSER: &str = "mitorun-tr-p";

fn whoami() -> String {
    std::env::var("USER").unwrap_or_else(|_| "root".into())
}

/// Test users and sudo rules (root only; CI runs as root).
fn setup_users() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        assert!(
            is_root(),
            "the ssh transport tests create users and need root (CI runs as root)"
        );
        ensure_user(USER, "unused-pw-1");
        ensure_user(OTHER, "other-secret");
        ensure_user(PWUSER, "pw-secret");
        sudoers("nopasswd", &format!("{USER} ALL=(ALL) NOPASSWD: ALL"));
        sudoers("passwd", &format!("{PWUSER} ALL=(ALL) ALL"));
        // A login dir the become users cannot read, as /root usually is.
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            format!("/home/{USER}"),
            std::fs::Permissions::from_mode(0o700),
        )
        .expect("chmod the login user's home");
    });
}

async fn ssh_as_root_and_as_an_unprivileged_user(b: &str) {
    setup_users();
    let sshd = Sshd::start();
    let pool = Pool::new(PoolOptions::default());
    let root = pool
        .context(&ssh_spec(b, &sshd, &whoami(), &[]))
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", sshd.log()));
    let r = root.run_module(command("id -un")).await.unwrap();
    assert_eq!(field(&r, "stdout"), &Value::str(whoami()));
    let user = pool
        .context(&ssh_spec(b, &sshd, USER, &[]))
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", sshd.log()));
    let r = user.run_module(command("id -un")).await.unwrap();
    assert_eq!(field(&r, "stdout"), &Value::str(USER));
    assert_eq!(user.hello().user, USER);
    // The private temp dir belongs to the user and goes away at shutdown.
    let tmp = user.hello().tmpdir.clone().expect("tmpdir");
    let r = user
        .run_module(shell(&format!("stat -c %U:%a {tmp}")))
        .await
        .unwrap();
    assert_eq!(field(&r, "stdout"), &Value::str(format!("{USER}:700")));
    // Discovery over ssh reports the remote path.
    let disc = pool
        .context(&ssh_spec(
            b,
            &sshd,
            USER,
            &[
                ("ansible_python_interpreter", "auto"),
                ("ansible_port", &sshd.port.to_string()),
            ],
        ))
        .await
        .unwrap();
    assert!(
        disc.discovered_interpreter()
            .is_some_and(|p| p.starts_with('/'))
    );
    pool.shutdown().await;
    let deadline = Instant::now() + Duration::from_secs(5);
    while std::path::Path::new(&tmp).exists() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(!std::path::Path::new(&tmp).exists(), "{tmp} left behind");
}

async fn connection_failures_are_classified(b: &str) {
    let sshd = Sshd::start();
    let pool = Pool::new(PoolOptions::default());
    let user = whoami();

    // Nothing listens on this port.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let err = pool
        .context(&ssh_spec(
            b,
            &sshd,
            &user,
            &[("ansible_port", &port.to_string())],
        ))
        .await
        .unwrap_err();
    assert_eq!(err.kind, UnreachableKind::Refused, "{err}");

    // A key the server does not know.
    let dir = tempdir("wrongkey");
    let key = dir.join("id");
    assert!(
        std::process::Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-f"])
            .arg(&key)
            .status()
            .unwrap()
            .success()
    );
    let err = pool
        .context(&ssh_spec(
            b,
            &sshd,
            &user,
            &[("ansible_ssh_private_key_file", key.to_str().unwrap())],
        ))
        .await
        .unwrap_err();
    assert_eq!(err.kind, UnreachableKind::Auth, "{err}");

    // known_hosts lists another key for this server.
    let other = Sshd::start();
    let mut v = ssh_vars(b, &sshd, &user);
    v.insert(
        "ansible_ssh_common_args".into(),
        Value::str(format!(
            "-o UserKnownHostsFile={} -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes",
            wrong_known_hosts(&sshd, &other).display()
        )),
    );
    let err = pool
        .context(&ConnectionSpec::from_vars("t", &v).unwrap())
        .await
        .unwrap_err();
    assert_eq!(err.kind, UnreachableKind::HostKey, "{err}");

    // No python at that path on the target.
    let err = pool
        .context(&ssh_spec(
            b,
            &sshd,
            &user,
            &[("ansible_python_interpreter", "/nonexistent/bin/python3")],
        ))
        .await
        .unwrap_err();
    assert_eq!(err.kind, UnreachableKind::InterpreterNotFound, "{err}");
    assert_eq!(
        err.msg,
        "The module interpreter '/nonexistent/bin/python3' was not found."
    );
    assert!(err.stderr.contains("/nonexistent/bin/python3"), "{err:?}");

    // A server that accepts the TCP connection and never speaks: timeout.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let sport = silent.local_addr().unwrap().port();
    let t = Instant::now();
    let err = pool
        .context(&ssh_spec(
            b,
            &sshd,
            &user,
            &[
                ("ansible_port", &sport.to_string()),
                ("ansible_timeout", "2"),
            ],
        ))
        .await
        .unwrap_err();
    assert_eq!(err.kind, UnreachableKind::Timeout, "{err}");
    assert!(t.elapsed() < Duration::from_secs(10));
    drop(silent);
}

fn wrong_known_hosts(sshd: &Sshd, other: &Sshd) -> std::path::PathBuf {
    let path = sshd.dir.join("wrong_known_hosts");
    std::fs::write(
        &path,
        format!("[127.0.0.1]:{} {}\n", sshd.port, other.host_public_key),
    )
    .unwrap();
    path
}

async fn target_killed_mid_call_fails_that_call_only(b: &str) {
    let sshd = Sshd::start();
    let pool = Pool::new(PoolOptions::default());
    let victim = pool
        .context(&ssh_spec(b, &sshd, &whoami(), &[]))
        .await
        .unwrap();
    let survivor = pool.context(&local_spec(&[])).await.unwrap();
    let pid = victim.hello().pid;
    let long = {
        let v = victim.clone();
        tokio::spawn(async move { v.run_module(command("sleep 30")).await })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    // Kill the agent and its session on the target.
    assert!(
        std::process::Command::new("kill")
            .args(["-9", &pid.to_string()])
            .status()
            .unwrap()
            .success()
    );
    let t = Instant::now();
    let err = tokio::time::timeout(Duration::from_secs(10), long)
        .await
        .expect("no hang")
        .unwrap()
        .unwrap_err();
    assert!(matches!(err, CallError::Unreachable(_)), "{err:?}");
    assert!(t.elapsed() < Duration::from_secs(10));
    // Later calls on the dead context fail the same way, at once.
    assert!(matches!(
        victim.run_module(command("true")).await,
        Err(CallError::Unreachable(_))
    ));
    // Another connection is unaffected.
    let r = survivor.run_module(command("echo alive")).await.unwrap();
    assert_eq!(field(&r, "stdout"), &Value::str("alive"));
    // The pool reconnects the dead target on the next request.
    let again = pool
        .context(&ssh_spec(b, &sshd, &whoami(), &[]))
        .await
        .unwrap();
    assert_ne!(again.hello().pid, pid);
    pool.shutdown().await;
}

fn become_spec(
    b: &str,
    sshd: &Sshd,
    login: &str,
    method: &str,
    user: &str,
    password: Option<&str>,
) -> ConnectionSpec {
    let mut v = ssh_vars(b, sshd, login);
    v.insert("ansible_become".into(), Value::Bool(true));
    v.insert("ansible_become_method".into(), Value::str(method));
    v.insert("ansible_become_user".into(), Value::str(user));
    if let Some(p) = password {
        v.insert("ansible_become_password".into(), Value::str(p));
    }
    ConnectionSpec::from_vars("target", &v).unwrap()
}

async fn sudo_and_su_start_child_interpreters(b: &str) {
    setup_users();
    let sshd = Sshd::start();
    let pool = Pool::new(PoolOptions::default());
    // sudo to root and to another user, no password needed.
    for target in ["root", OTHER] {
        let ctx = pool
            .context(&become_spec(b, &sshd, USER, "sudo", target, None))
            .await
            .unwrap_or_else(|e| panic!("sudo {target}: {e}"));
        let r = ctx.run_module(command("id -un")).await.unwrap();
        assert_eq!(field(&r, "stdout"), &Value::str(target));
        assert_ne!(ctx.id(), 1, "a child of the login interpreter");
        // The child starts in the login dir, which OTHER cannot read; it
        // moves to one it can (as AnsibleModule does), so commands start.
        let raw = ctx.exec_command("pwd", None).await.unwrap();
        assert_eq!(raw.rc, 0, "{}", String::from_utf8_lossy(&raw.stderr));
        let r = ctx.run_module(command("pwd")).await.unwrap();
        let dir = field(&r, "stdout").python_str();
        if target == OTHER {
            assert_ne!(dir, format!("/home/{USER}"));
        }
        assert_eq!(String::from_utf8_lossy(&raw.stdout).trim(), dir);
    }
    // The login interpreter is shared: both children hang off it.
    let login = pool.context(&ssh_spec(b, &sshd, USER, &[])).await.unwrap();
    let r = login.run_module(command("id -un")).await.unwrap();
    assert_eq!(field(&r, "stdout"), &Value::str(USER));

    // sudo with a password typed on a pty.
    let ctx = pool
        .context(&become_spec(
            b,
            &sshd,
            PWUSER,
            "sudo",
            "root",
            Some("pw-secret"),
        ))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let r = ctx.run_module(command("id -u")).await.unwrap();
    assert_eq!(field(&r, "stdout"), &Value::str("0"));
    // Wrong password: a clear failure, quickly.
    let t = Instant::now();
    let err = pool
        .context(&become_spec(b, &sshd, PWUSER, "sudo", OTHER, Some("wrong")))
        .await
        .unwrap_err();
    assert_eq!(err.kind, UnreachableKind::Become, "{err}");
    assert_eq!(err.msg, "Incorrect sudo password");
    assert!(t.elapsed() < Duration::from_secs(15));
    // Password needed, none given.
    let err = pool
        .context(&become_spec(b, &sshd, PWUSER, "sudo", OTHER, None))
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind, err.msg.as_str()),
        (UnreachableKind::Become, "Missing sudo password"),
        "{err}"
    );
    // No sudo rights at all.
    let err = pool
        .context(&become_spec(b, &sshd, OTHER, "sudo", "root", None))
        .await
        .unwrap_err();
    assert_eq!(err.kind, UnreachableKind::Become, "{err}");

    // su with a password.
    let ctx = pool
        .context(&become_spec(
            b,
            &sshd,
            USER,
            "su",
            OTHER,
            Some("other-secret"),
        ))
        .await
        .unwrap_or_else(|e| panic!("su: {e}"));
    let r = ctx.run_module(command("id -un")).await.unwrap();
    assert_eq!(field(&r, "stdout"), &Value::str(OTHER));
    let err = pool
        .context(&become_spec(b, &sshd, USER, "su", PWUSER, Some("nope")))
        .await
        .unwrap_err();
    assert_eq!(err.kind, UnreachableKind::Become, "{err}");
    pool.shutdown().await;
}

/// A target without Python: the agent cannot start, and raw's command
/// runs straight over the connection instead (as the user, through sudo
/// with and without a password); su, which reads a password only from a
/// terminal, is refused with a reason.
async fn raw_runs_without_python_on_the_target(b: &str) {
    setup_users();
    let sshd = Sshd::start();
    let pool = Pool::new(PoolOptions::default());
    let no_python = |mut spec: ConnectionSpec| {
        spec.interpreter = mitorun::transport::bootstrap::Interpreter::Explicit(vec![
            "/nonexistent/python3".into(),
        ]);
        spec
    };
    let plain = no_python(ssh_spec(b, &sshd, USER, &[]));
    let err = pool
        .context(&plain)
        .await
        .expect_err("no agent without Python");
    assert_eq!(err.kind, UnreachableKind::InterpreterNotFound, "{err}");
    let out = pool
        .run_without_agent(&plain, "/bin/sh", "id -un; echo err >&2; exit 3")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (out.rc, out.stdout, out.stderr),
        (3, format!("{USER}\n").into_bytes(), b"err\n".to_vec())
    );
    let out = pool
        .run_without_agent(&plain, "/bin/bash", "echo $BASH_VERSION | cut -c1")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        out.stdout.first().is_some_and(u8::is_ascii_digit),
        "{out:?}"
    );

    let sudo = no_python(become_spec(b, &sshd, USER, "sudo", "root", None));
    let out = pool
        .run_without_agent(&sudo, "/bin/sh", "id -un")
        .await
        .unwrap();
    assert_eq!((out.rc, out.stdout), (0, b"root\n".to_vec()));
    let sudo_pw = no_python(become_spec(
        b,
        &sshd,
        PWUSER,
        "sudo",
        "root",
        Some("pw-secret"),
    ));
    let out = pool
        .run_without_agent(&sudo_pw, "/bin/sh", "id -un")
        .await
        .unwrap();
    assert_eq!(
        (out.rc, out.stdout, out.stderr),
        (0, b"root\n".to_vec(), Vec::new())
    );
    let wrong = no_python(become_spec(b, &sshd, PWUSER, "sudo", "root", Some("wrong")));
    let out = pool
        .run_without_agent(&wrong, "/bin/sh", "id -un")
        .await
        .unwrap();
    assert_ne!(out.rc, 0, "a wrong sudo password fails the command");
    assert!(out.stdout.is_empty());
    let su = no_python(become_spec(
        b,
        &sshd,
        USER,
        "su",
        OTHER,
        Some("other-secret"),
    ));
    let err = pool
        .run_without_agent(&su, "/bin/sh", "id -un")
        .await
        .unwrap_err();
    assert_eq!(err.kind, UnreachableKind::Become, "{err}");
    pool.shutdown().await;
}

/// The become password is part of a child interpreter's identity, as in
/// Mitogen's context keys: the same user and password reuse the child; a
/// wrong password for the same user gets its own attempt, which fails as
/// ansible's per-task sudo does, and leaves the good child alone.
async fn become_password_is_part_of_the_child_identity(b: &str) {
    setup_users();
    let sshd = Sshd::start();
    let spec = |password: &str| become_spec(b, &sshd, PWUSER, "sudo", "root", Some(password));
    check_become_password_identity(spec).await;
}

/// The same with the local connection: its agent runs as root, which sudo
/// never asks for a password, so `become_exe` is a wrapper that runs the
/// real sudo as the password-rule user.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn become_password_is_part_of_the_child_identity_local() {
    setup_users();
    let dir = tempdir("sudo-as-pwuser");
    let wrapper = dir.join("sudo");
    std::fs::write(
        &wrapper,
        format!("#!/bin/sh\nexec runuser -u {PWUSER} -- sudo \"$@\"\n"),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let exe = wrapper.to_string_lossy().into_owned();
    let spec = |password: &str| {
        local_spec(&[
            ("ansible_become", "true"),
            ("ansible_become_user", "root"),
            ("ansible_become_exe", &exe),
            ("ansible_become_password", password),
        ])
    };
    check_become_password_identity(spec).await;
    let _ = std::fs::remove_dir_all(&dir);
}

async fn check_become_password_identity(spec: impl Fn(&str) -> ConnectionSpec) {
    let right = spec("pw-secret");
    let key = right.become_.as_ref().map(|b| b.key()).unwrap_or_default();
    assert!(!key.contains("pw-secret"), "password in clear in {key}");
    let pool = Pool::new(PoolOptions::default());
    let good = pool
        .context(&right)
        .await
        .unwrap_or_else(|e| panic!("sudo with the right password: {e}"));
    let r = good.run_module(command("id -u")).await.unwrap();
    assert_eq!(field(&r, "stdout"), &Value::str("0"));

    // A wrong password for the same user: that request fails, with
    // ansible's words, instead of reusing the child started above.
    let err = pool.context(&spec("wrong")).await.unwrap_err();
    assert_eq!(
        (err.kind, err.msg.as_str()),
        (UnreachableKind::Become, "Incorrect sudo password"),
        "{err}"
    );
    assert!(!err.to_string().contains("wrong"), "{err}");

    // The good child is unharmed, and the right password finds it again.
    assert!(good.run_module(command("true")).await.is_ok());
    let again = pool.context(&right).await.unwrap();
    assert_eq!(
        (again.id(), again.hello().pid),
        (good.id(), good.hello().pid),
        "same user and password reuse the child"
    );
    // A second wrong attempt fails the same way (no cached failure, no
    // cached success).
    let err = pool.context(&spec("wrong")).await.unwrap_err();
    assert_eq!(err.msg, "Incorrect sudo password", "{err}");
    pool.shutdown().await;
}

/// doas (opendoas): `-n` without a password, the password typed on the
/// pty prompt "doas (user@host) password:" otherwise. opendoas allows one
/// try, then says "Authentication failed" and exits.
async fn doas_starts_child_interpreters(b: &str) {
    setup_users();
    assert!(
        std::path::Path::new("/usr/bin/doas").exists(),
        "doas is not installed (.ci/run installs the doas package)"
    );
    static RULES: std::sync::Once = std::sync::Once::new();
    RULES.call_once(|| {
        doas_rules(
            "transport-ssh",
            &[
                &format!("permit nopass {USER} as root"),
                &format!("permit nopass {USER} as {OTHER}"),
                // No `persist`: every start asks for the password.
                &format!("permit {PWUSER} as root"),
            ],
        )
    });
    let sshd = Sshd::start();
    let pool = Pool::new(PoolOptions::default());
    // nopass rules: to root and to another user.
    for target in ["root", OTHER] {
        let ctx = pool
            .context(&become_spec(b, &sshd, USER, "doas", target, None))
            .await
            .unwrap_or_else(|e| panic!("doas {target}: {e}"));
        let r = ctx.run_module(command("id -un")).await.unwrap();
        assert_eq!(field(&r, "stdout"), &Value::str(target));
        assert_ne!(ctx.id(), 1, "a child of the login interpreter");
    }
    // The collection name selects the same method.
    let ctx = pool
        .context(&become_spec(
            b,
            &sshd,
            USER,
            "community.general.doas",
            "root",
            None,
        ))
        .await
        .unwrap_or_else(|e| panic!("community.general.doas: {e}"));
    let r = ctx.run_module(command("id -u")).await.unwrap();
    assert_eq!(field(&r, "stdout"), &Value::str("0"));

    // A rule that wants the password: typed on the pty.
    let ctx = pool
        .context(&become_spec(
            b,
            &sshd,
            PWUSER,
            "doas",
            "root",
            Some("pw-secret"),
        ))
        .await
        .unwrap_or_else(|e| panic!("doas with password: {e}"));
    let r = ctx.run_module(command("id -un")).await.unwrap();
    assert_eq!(field(&r, "stdout"), &Value::str("root"));
    // Its HOME and USER are root's, as doas sets them.
    let r = ctx.run_module(shell("echo $USER:$HOME")).await.unwrap();
    assert_eq!(field(&r, "stdout"), &Value::str("root:/root"));

    // Wrong password: that context fails clearly, quickly (PAM's delay).
    // A fresh pool: this one keeps the child the right password started.
    let pool = Pool::new(PoolOptions::default());
    let t = Instant::now();
    let err = pool
        .context(&become_spec(
            b,
            &sshd,
            PWUSER,
            "doas",
            "root",
            Some("wrong"),
        ))
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind, err.msg.as_str()),
        (UnreachableKind::Become, "Incorrect doas password"),
        "{err}"
    );
    assert!(t.elapsed() < Duration::from_secs(15));
    // The login interpreter it hung off is unharmed.
    let login = pool
        .context(&ssh_spec(b, &sshd, PWUSER, &[]))
        .await
        .unwrap();
    let r = login.run_module(command("id -un")).await.unwrap();
    assert_eq!(field(&r, "stdout"), &Value::str(PWUSER));
    // Password needed, none given: doas -n refuses at once.
    let err = pool
        .context(&become_spec(b, &sshd, PWUSER, "doas", "root", None))
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind, err.msg.as_str()),
        (UnreachableKind::Become, "Missing doas password"),
        "{err}"
    );
    // No rule for this user: not permitted.
    let err = pool
        .context(&become_spec(b, &sshd, OTHER, "doas", "root", None))
        .await
        .unwrap_err();
    assert_eq!(err.kind, UnreachableKind::Become, "{err}");
    assert!(err.msg.contains("Operation not permitted"), "{err}");
    // Flags doas does not have are refused before anything runs.
    let mut v = ssh_vars(b, &sshd, USER);
    v.insert("ansible_become".into(), Value::Bool(true));
    v.insert("ansible_become_method".into(), Value::str("doas"));
    v.insert("ansible_become_flags".into(), Value::str("-H"));
    let err = pool
        .context(&ConnectionSpec::from_vars("target", &v).unwrap())
        .await
        .unwrap_err();
    assert!(err.msg.contains("unsupported option"), "{err}");
    pool.shutdown().await;
}

async fn interpreters_per_target_are_capped_youngest_recycled(b: &str) {
    setup_users();
    let sshd = Sshd::start();
    let pool = Pool::new(PoolOptions {
        max_interpreters: 3,
        ..Default::default()
    });
    let first = pool
        .context(&become_spec(b, &sshd, USER, "sudo", "root", None))
        .await
        .unwrap();
    let second = pool
        .context(&become_spec(b, &sshd, USER, "sudo", OTHER, None))
        .await
        .unwrap();
    // A third become user exceeds 3 interpreters (login + 2): the
    // youngest (OTHER) is stopped, root survives.
    let third = pool
        .context(&become_spec(b, &sshd, USER, "sudo", PWUSER, None))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(first.run_module(command("true")).await.is_ok());
    assert!(matches!(
        second.run_module(command("true")).await,
        Err(CallError::Unreachable(_))
    ));
    assert!(third.run_module(command("true")).await.is_ok());
    pool.shutdown().await;
}

async fn via_one_sshd_to_another(b: &str) {
    setup_users();
    let bastion = Sshd::start();
    let target = Sshd::start();
    let pool = Pool::new(PoolOptions::default());
    let hop = ssh_spec(b, &bastion, USER, &[]);
    // The hop runs ssh itself: the key and known_hosts must be readable by
    // the hop user.
    let keydir = tempdir("viakeys");
    let key = keydir.join("id");
    std::fs::copy(&target.client_key, &key).unwrap();
    let kh = keydir.join("known_hosts");
    std::fs::copy(&target.known_hosts, &kh).unwrap();
    assert!(
        std::process::Command::new("chown")
            .args(["-R", USER])
            .arg(&keydir)
            .status()
            .unwrap()
            .success()
    );
    let mut v = ssh_vars(b, &target, &whoami());
    v.insert(
        "ansible_ssh_private_key_file".into(),
        Value::str(key.to_str().unwrap()),
    );
    v.insert(
        "ansible_ssh_common_args".into(),
        Value::str(format!(
            "-o UserKnownHostsFile={} -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes",
            kh.display()
        )),
    );
    v.insert("mitogen_via".into(), Value::str(format!("{USER}@bastion")));
    let spec = ConnectionSpec::from_vars("target", &v).unwrap();
    assert_eq!(
        spec.via_target(),
        Some((Some(USER.into()), "bastion".into()))
    );
    let spec = spec.with_via(vec![hop.clone()]);
    let ctx = pool
        .context(&spec)
        .await
        .unwrap_or_else(|e| panic!("via: {e}\n{}", target.log()));
    let r = ctx.run_module(command("id -un")).await.unwrap();
    assert_eq!(field(&r, "stdout"), &Value::str(whoami()));
    let hop_ctx = pool.context(&hop).await.unwrap();
    assert_ne!(ctx.hello().pid, hop_ctx.hello().pid);
    // Files stream through the hop too.
    let dest = tempdir("viafile").join("f");
    let data: Vec<u8> = (0..600_000u32).map(|i| (i % 251) as u8).collect();
    let st = ctx
        .put_bytes(data.clone(), dest.to_str().unwrap(), None)
        .await
        .unwrap();
    assert_eq!(st.size, data.len() as u64);
    assert_eq!(std::fs::read(&dest).unwrap(), data);
    // Become on top of a via chain.
    let mut bv = v.clone();
    bv.insert("ansible_become".into(), Value::Bool(true));
    bv.insert("ansible_become_user".into(), Value::str(OTHER));
    let bspec = ConnectionSpec::from_vars("target", &bv)
        .unwrap()
        .with_via(vec![hop]);
    let b = pool
        .context(&bspec)
        .await
        .unwrap_or_else(|e| panic!("via+become: {e}"));
    let r = b.run_module(command("id -un")).await.unwrap();
    assert_eq!(field(&r, "stdout"), &Value::str(OTHER));
    pool.shutdown().await;
}

/// `mitogen_via` to a target reached with `ansible_password`: the hop's
/// ssh runs on a pty and the hop's agent types the password; a wrong one
/// is an authentication failure, not a hang.
async fn via_hop_to_a_password_login(b: &str) {
    setup_users();
    let bastion = Sshd::start();
    let target = Sshd::start_with(sshd::SshdOptions {
        password_auth: true,
        // Only the password may log in (the hop user has no key there).
        extra_config: vec!["PubkeyAuthentication no".into()],
    });
    let pool = Pool::new(PoolOptions::default());
    let hop = ssh_spec(b, &bastion, USER, &[]);
    // The hop runs ssh as USER: known_hosts must be readable by it.
    let keydir = tempdir("viapw");
    let kh = keydir.join("known_hosts");
    std::fs::copy(&target.known_hosts, &kh).unwrap();
    assert!(
        std::process::Command::new("chown")
            .args(["-R", USER])
            .arg(&keydir)
            .status()
            .unwrap()
            .success()
    );
    let spec_with = |password: &str| {
        let mut v = ssh_vars(b, &target, PWUSER);
        v.shift_remove("ansible_ssh_private_key_file");
        v.insert("ansible_password".into(), Value::str(password));
        v.insert(
            "ansible_ssh_common_args".into(),
            Value::str(format!(
                "-o UserKnownHostsFile={} -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes",
                kh.display()
            )),
        );
        v.insert("mitogen_via".into(), Value::str(format!("{USER}@bastion")));
        ConnectionSpec::from_vars("target", &v)
            .unwrap()
            .with_via(vec![hop.clone()])
    };
    let ctx = pool
        .context(&spec_with("pw-secret"))
        .await
        .unwrap_or_else(|e| panic!("via with password: {e}\n{}", target.log()));
    let r = ctx.run_module(command("id -un")).await.unwrap();
    assert_eq!(field(&r, "stdout"), &Value::str(PWUSER));
    assert!(
        target
            .log()
            .contains(&format!("Accepted keyboard-interactive/pam for {PWUSER}"))
            || target
                .log()
                .contains(&format!("Accepted password for {PWUSER}")),
        "the target saw a password login:\n{}",
        target.log()
    );
    // A wrong password: an authentication failure, quickly.
    let fresh = Pool::new(PoolOptions::default());
    let t = Instant::now();
    let err = fresh.context(&spec_with("wrong")).await.unwrap_err();
    assert_eq!(err.kind, UnreachableKind::Auth, "{err}");
    assert!(t.elapsed() < Duration::from_secs(20), "{:?}", t.elapsed());
    pool.shutdown().await;
    fresh.shutdown().await;
}

async fn host_key_checking_false_accepts_an_unknown_key(b: &str) {
    let sshd = Sshd::start();
    let pool = Pool::new(PoolOptions::default());
    let empty = sshd.dir.join("empty_known_hosts");
    std::fs::write(&empty, "").unwrap();
    let common = format!(
        "-o UserKnownHostsFile={} -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes",
        empty.display()
    );
    let mut v = ssh_vars(b, &sshd, &whoami());
    v.insert("ansible_ssh_common_args".into(), Value::str(&common));
    // Strict checking (the fixture's common args) refuses the unknown key.
    let err = pool
        .context(&ConnectionSpec::from_vars("t", &v).unwrap())
        .await
        .unwrap_err();
    assert_eq!(err.kind, UnreachableKind::HostKey, "{err}");
    // ansible's host_key_checking=False wins over the common args, as in
    // ansible's ssh plugin (its -o comes first), for both clients.
    v.insert("ansible_host_key_checking".into(), Value::str("False"));
    let ctx = pool
        .context(&ConnectionSpec::from_vars("t", &v).unwrap())
        .await
        .unwrap_or_else(|e| panic!("{b}: {e}"));
    let r = ctx.run_module(command("echo ok")).await.unwrap();
    assert_eq!(field(&r, "stdout"), &Value::str("ok"));
    pool.shutdown().await;
}

/// russh is the default client: it connects where there is no ssh binary
/// at all, which the binary backend cannot.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn russh_is_the_default_ssh_client() {
    let sshd = Sshd::start();
    let pool = Pool::new(PoolOptions::default());
    let mut v = ssh_vars("auto", &sshd, &whoami());
    v.shift_remove("mitorun_ssh_backend");
    v.insert(
        "ansible_ssh_executable".into(),
        Value::str("/nonexistent/bin/ssh"),
    );
    let ctx = pool
        .context(&ConnectionSpec::from_vars("t", &v).unwrap())
        .await
        .unwrap_or_else(|e| panic!("default backend: {e}\n{}", sshd.log()));
    let r = ctx.run_module(command("echo russh")).await.unwrap();
    assert_eq!(field(&r, "stdout"), &Value::str("russh"));
    v.insert("mitorun_ssh_backend".into(), Value::str("binary"));
    let err = pool
        .context(&ConnectionSpec::from_vars("t", &v).unwrap())
        .await
        .unwrap_err();
    assert!(err.msg.contains("/nonexistent/bin/ssh"), "{err}");
    pool.shutdown().await;
}

/// A ProxyCommand needs the ssh binary: `auto` uses it, `russh` refuses
/// plainly instead of ignoring the setting.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proxy_command_falls_back_to_the_ssh_binary() {
    let sshd = Sshd::start();
    let pool = Pool::new(PoolOptions::default());
    // The proxy is an inetd-mode sshd on the fixture's config: no network.
    let proxy = format!(
        "ProxyCommand={} -i -e -f {} 2>>{}",
        sshd::SSHD,
        sshd.dir.join("sshd_config").display(),
        sshd.dir.join("proxy.log").display()
    );
    let common = shlex::try_join([
        "-o",
        &format!("UserKnownHostsFile={}", sshd.known_hosts.display()),
        "-o",
        "StrictHostKeyChecking=yes",
        "-o",
        "IdentitiesOnly=yes",
        "-o",
        &proxy,
    ])
    .unwrap();
    let mut v = ssh_vars("auto", &sshd, &whoami());
    v.insert("ansible_ssh_common_args".into(), Value::str(&common));
    let ctx = pool
        .context(&ConnectionSpec::from_vars("t", &v).unwrap())
        .await
        .unwrap_or_else(|e| panic!("auto with ProxyCommand: {e}\n{}", sshd.log()));
    let r = ctx.run_module(command("echo proxied")).await.unwrap();
    assert_eq!(field(&r, "stdout"), &Value::str("proxied"));
    let proxy_log = std::fs::read_to_string(sshd.dir.join("proxy.log")).unwrap_or_default();
    assert!(
        proxy_log.contains("Accepted publickey"),
        "the connection went through the proxy: {proxy_log}"
    );
    v.insert("mitorun_ssh_backend".into(), Value::str("russh"));
    let err = pool
        .context(&ConnectionSpec::from_vars("t2", &v).unwrap())
        .await
        .unwrap_err();
    assert_eq!(err.kind, UnreachableKind::Other, "{err}");
    assert!(err.msg.contains("ProxyCommand"), "{err}");
    pool.shutdown().await;
}

/// Removing an account that tasks became, over ssh: the playbook's
/// `user: state=absent` must first stop the become interpreter running as
/// that account on the target (userdel refuses while it lives). Runs the
/// mitorun binary, as the retirement is the executor's.
#[test]
fn removing_an_account_stops_its_interpreters_over_ssh() {
    const RETIRED: &str = "mitorun-tr-r";
    struct Cleanup;
    impl Drop for Cleanup {
        fn drop(&mut self) {
            let _ = std::process::Command::new("userdel")
                .args(["-f", "-r", RETIRED])
                .output();
        }
    }
    let _cleanup = Cleanup;
    let sshd = Sshd::start();
    let dir = sshd.dir.join("retire");
    std::fs::create_dir_all(&dir).unwrap();
    let common = format!(
        "-o UserKnownHostsFile={} -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes",
        sshd.known_hosts.display()
    );
    std::fs::write(
        dir.join("hosts.ini"),
        format!(
            "t ansible_connection=ssh ansible_host=127.0.0.1 ansible_port={} ansible_user={} \
             ansible_ssh_private_key_file={} ansible_ssh_common_args='{common}' \
             ansible_python_interpreter=/usr/bin/python3\n",
            sshd.port,
            whoami(),
            sshd.client_key.display()
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("retire.yml"),
        format!(
            "- hosts: t\n  gather_facts: false\n  become: true\n  tasks:\n\
             \x20   - user: name={RETIRED} state=present\n\
             \x20   - command: id -un\n      become_user: {RETIRED}\n      register: who\n\
             \x20   - assert: {{that: who.stdout == '{RETIRED}'}}\n\
             \x20   - user: name={RETIRED} state=absent remove=true\n      register: removed\n\
             \x20   - assert: {{that: [removed is changed, removed.state == 'absent']}}\n"
        ),
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mitorun"))
        .args(["-i", "hosts.ini", "retire.yml"])
        .current_dir(&dir)
        .env("ANSIBLE_NOCOLOR", "1")
        .output()
        .expect("run mitorun");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}\n{}",
        String::from_utf8_lossy(&out.stderr),
        sshd.log()
    );
    assert!(
        stdout.contains("ok=5") && stdout.contains("changed=3"),
        "{stdout}"
    );
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    assert!(
        !passwd
            .lines()
            .any(|l| l.starts_with(&format!("{RETIRED}:"))),
        "{RETIRED} is still in /etc/passwd"
    );
}
