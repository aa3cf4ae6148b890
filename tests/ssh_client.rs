//! The in-process SSH client against real sshd servers (tests/common/sshd.rs):
//! streams, exit status, every authentication method, host key checking,
//! failure classification, ssh_config through `ssh -G`, concurrency.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use common::sshd::{Sshd, SshdOptions};
use mitorun::transport::ssh::{
    self, AnsibleSshVars, HostKeyChecking, SshError, SshExec, SshExitStatus, SshTarget,
    TimeoutPhase,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The unprivileged account the tests log in as when running as root.
const TEST_USER: &str = "mitorun-ssh-t";
const TEST_PASSWORD: &str = "Pw-mitorun-ssh-1";

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn current_user() -> String {
    let out = Command::new("id").arg("-un").output().expect("id runs");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Creates TEST_USER with TEST_PASSWORD once per test run (root only).
fn ensure_test_user() {
    static DONE: OnceLock<()> = OnceLock::new();
    DONE.get_or_init(|| {
        let exists = Command::new("id")
            .arg(TEST_USER)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !exists {
            let status = Command::new("useradd")
                .args(["-m", "-s", "/bin/sh", TEST_USER])
                .status()
                .expect("useradd runs");
            assert!(status.success(), "useradd {TEST_USER} failed");
        }
        // A password also unlocks the account (sshd refuses locked ones).
        let mut chpasswd = Command::new("chpasswd")
            .stdin(Stdio::piped())
            .spawn()
            .expect("chpasswd runs");
        chpasswd
            .stdin
            .take()
            .expect("stdin")
            .write_all_sync(format!("{TEST_USER}:{TEST_PASSWORD}\n").as_bytes());
        assert!(chpasswd.wait().expect("chpasswd").success());
    });
}

trait WriteAllSync {
    fn write_all_sync(self, data: &[u8]);
}

impl WriteAllSync for std::process::ChildStdin {
    fn write_all_sync(mut self, data: &[u8]) {
        use std::io::Write;
        self.write_all(data).expect("write to child");
    }
}

/// A target for the fixture with its client key and known_hosts only (no
/// agent, no default identities, no global known_hosts).
fn target(sshd: &Sshd, user: &str) -> SshTarget {
    let mut t = SshTarget::new("127.0.0.1", sshd.port, user);
    t.identity_files = vec![sshd.client_key.clone()];
    t.user_known_hosts_files = vec![sshd.known_hosts.clone()];
    t.global_known_hosts_files = vec![];
    t.identity_agent = None;
    t
}

struct Ran {
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    status: SshExitStatus,
}

/// Feeds `input` to the command's stdin (then EOF) while reading its
/// stdout and stderr, and waits for its exit status.
async fn run(exec: SshExec, input: Vec<u8>) -> Ran {
    let SshExec {
        mut stdin,
        mut stdout,
        mut stderr,
        mut exit,
    } = exec;
    let writer = tokio::spawn(async move {
        stdin.write_all(&input).await.expect("write stdin");
        stdin.shutdown().await.expect("close stdin");
    });
    let mut out = Vec::new();
    let mut err = Vec::new();
    let (r1, r2) = tokio::join!(stdout.read_to_end(&mut out), stderr.read_to_end(&mut err));
    r1.expect("read stdout");
    r2.expect("read stderr");
    writer.await.expect("stdin writer");
    Ran {
        stdout: out,
        stderr: err,
        status: exit.wait().await,
    }
}

async fn run_ok(target: &SshTarget, command: &str, input: &[u8]) -> Ran {
    match ssh::exec(target, command).await {
        Ok(exec) => run(exec, input.to_vec()).await,
        Err(e) => panic!("exec {command:?} failed: {e}"),
    }
}

async fn exec_err(target: &SshTarget) -> SshError {
    match ssh::exec(target, "true").await {
        Ok(_) => panic!(
            "connecting to {}:{} succeeded",
            target.hostname, target.port
        ),
        Err(e) => e,
    }
}

fn keygen(path: &Path, kind: &str, passphrase: &str) {
    let mut cmd = Command::new("ssh-keygen");
    cmd.args(["-q", "-t", kind, "-N", passphrase, "-C", "t", "-f"])
        .arg(path);
    if kind == "rsa" {
        cmd.args(["-b", "2048"]);
    }
    let out = cmd.stdin(Stdio::null()).output().expect("ssh-keygen runs");
    assert!(
        out.status.success(),
        "ssh-keygen: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Lets `key` log in to the fixture (its authorized_keys serves every user).
fn authorize(sshd: &Sshd, key: &Path) {
    let public = std::fs::read_to_string(key.with_extension("pub")).expect("read .pub");
    let file = sshd.dir.join("authorized_keys");
    let mut text = std::fs::read_to_string(&file).expect("read authorized_keys");
    text.push_str(&public);
    std::fs::write(&file, text).expect("write authorized_keys");
}

fn pseudo_random(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_gives_stdout_stderr_and_exit_status() {
    let sshd = Sshd::start();
    let t = target(&sshd, &current_user());
    let ran = run_ok(&t, "echo out; echo err >&2; exit 3", b"").await;
    assert_eq!(ran.stdout, b"out\n");
    assert_eq!(ran.stderr, b"err\n");
    assert_eq!(ran.status, SshExitStatus::Exited(3));

    let ran = run_ok(&t, "kill -KILL $$", b"").await;
    match ran.status {
        SshExitStatus::Signaled { signal, .. } => assert_eq!(signal, "KILL"),
        other => panic!("expected a signal, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stdin_and_stdout_stream_megabytes_intact() {
    let sshd = Sshd::start();
    let t = target(&sshd, &current_user());
    let data = pseudo_random(6 * 1024 * 1024 + 123, 42);
    // `cat` ends only when it sees EOF on stdin: this also proves that
    // shutting stdin down sends EOF.
    let ran = run_ok(&t, "cat", &data).await;
    assert_eq!(ran.status, SshExitStatus::Exited(0));
    assert_eq!(ran.stdout.len(), data.len());
    assert!(ran.stdout == data, "bytes differ after the round trip");

    // Remote-generated data arrives intact too (count and checksum there).
    let ran = run_ok(
        &t,
        "head -c 3000000 /dev/zero | tr '\\0' 'x'; echo; wc -c >&2",
        &data[..1_000_000],
    )
    .await;
    assert_eq!(ran.stdout.len(), 3_000_001);
    assert!(ran.stdout[..3_000_000].iter().all(|&b| b == b'x'));
    assert_eq!(String::from_utf8_lossy(&ran.stderr).trim(), "1000000");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_in_as_root_and_as_an_unprivileged_user() {
    let sshd = Sshd::start();
    let me = current_user();
    let ran = run_ok(&target(&sshd, &me), "id -un", b"").await;
    assert_eq!(String::from_utf8_lossy(&ran.stdout).trim(), me);
    if !is_root() {
        eprintln!("not root: only the current user can log in to the fixture");
        return;
    }
    ensure_test_user();
    let ran = run_ok(&target(&sshd, TEST_USER), "id -un; id -u", b"").await;
    let text = String::from_utf8_lossy(&ran.stdout).to_string();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.first().copied(), Some(TEST_USER));
    assert_ne!(lines.get(1).copied(), Some("0"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_and_keyboard_interactive_authentication() {
    if !is_root() {
        eprintln!("skipped: setting a password needs root (CI runs as root)");
        return;
    }
    ensure_test_user();
    let sshd = Sshd::start_with(SshdOptions {
        password_auth: true,
        ..SshdOptions::default()
    });
    for method in ["password", "keyboard-interactive"] {
        let mut t = target(&sshd, TEST_USER);
        t.identity_files = vec![];
        t.password = Some(TEST_PASSWORD.to_string());
        t.preferred_authentications = vec![method.to_string()];
        let ran = run_ok(&t, "id -un", b"").await;
        assert_eq!(
            String::from_utf8_lossy(&ran.stdout).trim(),
            TEST_USER,
            "{method}"
        );

        t.password = Some("wrong".to_string());
        match exec_err(&t).await {
            SshError::AuthFailed { tried, .. } => {
                assert!(tried.iter().any(|m| m == method), "{tried:?}")
            }
            other => panic!("{method} with a wrong password: {other}"),
        }
    }

    // A changed host key with checking off: ssh sends no password then.
    let other = sshd.dir.join("other_host_key");
    keygen(&other, "ed25519", "");
    let other_public = std::fs::read_to_string(other.with_extension("pub")).expect("read");
    let other_public: Vec<&str> = other_public.split_whitespace().take(2).collect();
    let known = sshd.dir.join("known_hosts_changed");
    std::fs::write(
        &known,
        format!("[127.0.0.1]:{} {}\n", sshd.port, other_public.join(" ")),
    )
    .expect("write");
    let mut t = target(&sshd, TEST_USER);
    t.identity_files = vec![];
    t.password = Some(TEST_PASSWORD.to_string());
    t.user_known_hosts_files = vec![known];
    t.host_key_checking = HostKeyChecking::Off;
    match exec_err(&t).await {
        SshError::AuthFailed { tried, .. } => assert!(
            tried.iter().any(|m| m.contains("host key changed")),
            "{tried:?}"
        ),
        other => panic!("password sent to a changed host: {other}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn encrypted_ed25519_and_rsa_keys_with_passphrase() {
    let sshd = Sshd::start();
    let me = current_user();
    for kind in ["ed25519", "rsa"] {
        let key = sshd.dir.join(format!("enc_{kind}"));
        keygen(&key, kind, "sesame");
        authorize(&sshd, &key);
        // No .pub beside the key: the public half must come from the key.
        std::fs::remove_file(key.with_extension("pub")).expect("rm .pub");
        let mut t = target(&sshd, &me);
        t.identity_files = vec![key.clone()];
        t.passphrase = Some("sesame".to_string());
        let ran = run_ok(&t, "echo ok", b"").await;
        assert_eq!(ran.stdout, b"ok\n", "{kind}");

        t.passphrase = None;
        match exec_err(&t).await {
            SshError::AuthFailed { tried, .. } => assert!(
                tried.iter().any(|m| m.contains("no passphrase")),
                "{kind}: {tried:?}"
            ),
            other => panic!("{kind} without passphrase: {other}"),
        }
        t.passphrase = Some("wrong".to_string());
        match exec_err(&t).await {
            SshError::AuthFailed { tried, .. } => assert!(
                tried.iter().any(|m| m.contains("wrong passphrase")),
                "{kind}: {tried:?}"
            ),
            other => panic!("{kind} with a wrong passphrase: {other}"),
        }
    }
}

/// A private ssh-agent, killed on drop.
struct Agent {
    child: Child,
    socket: PathBuf,
}

impl Agent {
    fn start(dir: &Path) -> Agent {
        let socket = dir.join("agent.sock");
        let child = Command::new("ssh-agent")
            .args(["-D", "-a"])
            .arg(&socket)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("ssh-agent runs");
        let deadline = Instant::now() + Duration::from_secs(5);
        while !socket.exists() {
            assert!(Instant::now() < deadline, "ssh-agent did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        Agent { child, socket }
    }

    fn add(&self, key: &Path) {
        let out = Command::new("ssh-add")
            .arg(key)
            .env("SSH_AUTH_SOCK", &self.socket)
            .stdin(Stdio::null())
            .output()
            .expect("ssh-add runs");
        assert!(
            out.status.success(),
            "ssh-add: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ssh_agent_keys_authenticate() {
    let sshd = Sshd::start();
    let agent = Agent::start(&sshd.dir);
    let key = sshd.dir.join("agent_rsa");
    keygen(&key, "rsa", "");
    authorize(&sshd, &key);
    agent.add(&key);
    std::fs::remove_file(&key).expect("only the agent holds the key now");

    let mut t = target(&sshd, &current_user());
    t.identity_files = vec![];
    t.identity_agent = Some(agent.socket.clone());
    let ran = run_ok(&t, "echo via-agent", b"").await;
    assert_eq!(ran.stdout, b"via-agent\n");

    // IdentitiesOnly: agent keys that match no IdentityFile are not used.
    t.identities_only = true;
    assert!(matches!(exec_err(&t).await, SshError::AuthFailed { .. }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hashed_known_hosts_entry_is_accepted() {
    let sshd = Sshd::start();
    let hashed = sshd.dir.join("known_hosts_hashed");
    std::fs::copy(&sshd.known_hosts, &hashed).expect("copy");
    let out = Command::new("ssh-keygen")
        .args(["-q", "-H", "-f"])
        .arg(&hashed)
        .output()
        .expect("ssh-keygen -H runs");
    assert!(out.status.success());
    let text = std::fs::read_to_string(&hashed).expect("read");
    assert!(
        text.starts_with("|1|") && !text.contains("127.0.0.1"),
        "{text}"
    );

    let mut t = target(&sshd, &current_user());
    t.user_known_hosts_files = vec![hashed];
    let ran = run_ok(&t, "echo hashed", b"").await;
    assert_eq!(ran.stdout, b"hashed\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changed_host_key_is_refused_naming_file_and_line() {
    let sshd = Sshd::start();
    let other = sshd.dir.join("other_host_key");
    keygen(&other, "ed25519", "");
    let other_public = std::fs::read_to_string(other.with_extension("pub")).expect("read");
    let other_public: Vec<&str> = other_public.split_whitespace().take(2).collect();
    let known = sshd.dir.join("known_hosts_changed");
    std::fs::write(
        &known,
        format!(
            "# first line\n[127.0.0.1]:{} {}\n",
            sshd.port,
            other_public.join(" ")
        ),
    )
    .expect("write");
    let mut t = target(&sshd, &current_user());
    t.user_known_hosts_files = vec![known.clone()];
    let err = exec_err(&t).await;
    let message = err.unreachable_message();
    match err {
        SshError::HostKeyChanged {
            known_hosts, line, ..
        } => {
            assert_eq!(known_hosts, known);
            assert_eq!(line, 2);
        }
        other => panic!("expected HostKeyChanged, got {other}"),
    }
    assert!(message.starts_with("Failed to connect to the host via ssh: @@@"));
    assert!(message.contains("REMOTE HOST IDENTIFICATION HAS CHANGED"));
    assert!(message.contains(&format!("{}:2", known.display())));

    // Checking off (ansible's host_key_checking=False): ssh still connects
    // with keys, and does not replace the recorded key.
    t.host_key_checking = HostKeyChecking::Off;
    let ran = run_ok(&t, "echo changed-but-off", b"").await;
    assert_eq!(ran.stdout, b"changed-but-off\n");
    let text = std::fs::read_to_string(&known).expect("read");
    assert_eq!(text.lines().count(), 2, "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_host_key_refused_when_checking_accepted_when_off() {
    let sshd = Sshd::start();
    let empty = sshd.dir.join("known_hosts_empty");
    std::fs::write(&empty, "").expect("write");
    let mut t = target(&sshd, &current_user());
    t.user_known_hosts_files = vec![empty.clone()];
    let err = exec_err(&t).await;
    assert!(
        matches!(err, SshError::HostKeyUnknown { .. }),
        "expected HostKeyUnknown, got {err}"
    );
    assert!(
        err.to_string().starts_with(&format!(
            "No ED25519 host key is known for [127.0.0.1]:{} and you have requested strict checking.",
            sshd.port
        )),
        "{err}"
    );

    t.host_key_checking = HostKeyChecking::Off;
    let ran = run_ok(&t, "echo off", b"").await;
    assert_eq!(ran.stdout, b"off\n");
    // Like ssh, the new key was recorded: strict checking now passes.
    t.host_key_checking = HostKeyChecking::Strict;
    let ran = run_ok(&t, "echo recorded", b"").await;
    assert_eq!(ran.stdout, b"recorded\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_key_is_an_authentication_failure() {
    let sshd = Sshd::start();
    let wrong = sshd.dir.join("wrong_key");
    keygen(&wrong, "ed25519", "");
    let mut t = target(&sshd, &current_user());
    t.identity_files = vec![wrong.clone()];
    let err = exec_err(&t).await;
    match &err {
        SshError::AuthFailed {
            server_methods,
            tried,
            ..
        } => {
            assert_eq!(server_methods, &vec!["publickey".to_string()]);
            assert!(
                tried
                    .iter()
                    .any(|m| m.contains(&wrong.display().to_string())),
                "{tried:?}"
            );
        }
        other => panic!("expected AuthFailed, got {other}"),
    }
    assert!(
        err.to_string().starts_with(&format!(
            "{}@127.0.0.1: Permission denied (publickey).",
            current_user()
        )),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_port_and_unresolvable_name() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let t = SshTarget::new("127.0.0.1", port, "root");
    let err = exec_err(&t).await;
    assert!(matches!(err, SshError::Refused { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        format!("ssh: connect to host 127.0.0.1 port {port}: Connection refused")
    );

    let t = SshTarget::new("no-such-host.invalid", 22, "root");
    let err = exec_err(&t).await;
    assert!(matches!(err, SshError::NameResolution { .. }), "{err}");
    assert!(
        err.to_string()
            .starts_with("ssh: Could not resolve hostname no-such-host.invalid: "),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_server_times_out_within_the_connect_timeout() {
    // Accepts connections and never says a word.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let holder = std::thread::spawn(move || {
        let (conn, _) = listener.accept().expect("accept");
        std::thread::sleep(Duration::from_secs(4));
        drop(conn);
    });
    let mut t = SshTarget::new("127.0.0.1", port, "root");
    t.connect_timeout = Some(Duration::from_secs(1));
    let started = Instant::now();
    let err = exec_err(&t).await;
    let took = started.elapsed();
    assert!(
        matches!(
            err,
            SshError::Timeout {
                phase: TimeoutPhase::Banner,
                ..
            }
        ),
        "{err}"
    );
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_millis(2500),
        "took {took:?}"
    );
    assert!(
        err.to_string()
            .starts_with("Connection timed out during banner exchange")
    );
    let _ = holder.join();
}

fn write_ssh_config(sshd: &Sshd, body: &str) -> PathBuf {
    let path = sshd.dir.join("ssh_config");
    std::fs::write(&path, body).expect("write ssh_config");
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ssh_config_is_honoured_through_ssh_dash_g() {
    let sshd = Sshd::start();
    let me = current_user();
    let config = write_ssh_config(
        &sshd,
        &format!(
            "Host myalias\n  HostName 127.0.0.1\n  Port {}\n  User {me}\n  IdentityFile {}\n  \
             UserKnownHostsFile {}\n  ServerAliveInterval 7\n  ServerAliveCountMax 2\n  \
             IdentityAgent none\n",
            sshd.port,
            sshd.client_key.display(),
            sshd.known_hosts.display()
        ),
    );
    let vars = AnsibleSshVars {
        inventory_hostname: "myalias".into(),
        ssh_common_args: Some(format!("-F {}", config.display())),
        ..AnsibleSshVars::default()
    };
    let t = SshTarget::from_ansible(&vars).await.expect("resolves");
    assert_eq!(t.hostname, "127.0.0.1");
    assert_eq!(t.port, sshd.port);
    assert_eq!(t.user, me);
    assert_eq!(t.identity_files, vec![sshd.client_key.clone()]);
    assert_eq!(t.user_known_hosts_files, vec![sshd.known_hosts.clone()]);
    assert_eq!(t.keepalive_interval, Some(Duration::from_secs(7)));
    assert_eq!(t.keepalive_count_max, 2);
    assert_eq!(t.connect_timeout, Some(Duration::from_secs(10)));
    assert_eq!(t.identity_agent, None);
    assert_eq!(t.needs_system_ssh(), None);
    let ran = run_ok(&t, "echo via-config", b"").await;
    assert_eq!(ran.stdout, b"via-config\n");

    // Ansible's variables come first on the command line, so they beat
    // ssh_config, while -o in ssh_common_args loses to them as well.
    let vars = AnsibleSshVars {
        inventory_hostname: "myalias".into(),
        port: Some("1".into()),
        timeout: Some("3".into()),
        ssh_common_args: Some(format!("-F {} -o Port=2", config.display())),
        ..AnsibleSshVars::default()
    };
    let t = SshTarget::from_ansible(&vars).await.expect("resolves");
    assert_eq!(t.port, 1);
    assert_eq!(t.connect_timeout, Some(Duration::from_secs(3)));
    assert!(matches!(exec_err(&t).await, SshError::Refused { .. }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proxy_settings_need_the_system_ssh() {
    let sshd = Sshd::start();
    let config = write_ssh_config(
        &sshd,
        "Host behind-proxy\n  ProxyCommand nc %h %p\nHost behind-jump\n  ProxyJump bastion\n",
    );
    for (host, reason) in [
        ("behind-proxy", "ProxyCommand nc"),
        ("behind-jump", "ProxyJump bastion"),
    ] {
        let vars = AnsibleSshVars {
            inventory_hostname: host.into(),
            ssh_common_args: Some(format!("-F {}", config.display())),
            ..AnsibleSshVars::default()
        };
        let t = SshTarget::from_ansible(&vars).await.expect("resolves");
        let why = t.needs_system_ssh().unwrap_or_default();
        assert!(why.contains(reason), "{host}: {why:?}");
    }
    let vars = AnsibleSshVars {
        inventory_hostname: "plain".into(),
        ssh_common_args: Some(format!("-F {} -o BogusOption=1", config.display())),
        ..AnsibleSshVars::default()
    };
    let err = SshTarget::from_ansible(&vars)
        .await
        .expect_err("ssh -G rejects an unknown option");
    assert!(
        err.to_string().to_lowercase().contains("bogusoption"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_five_concurrent_execs_to_one_server() {
    let sshd = Sshd::start_with(SshdOptions {
        extra_config: vec!["MaxStartups 100".into(), "MaxSessions 100".into()],
        ..SshdOptions::default()
    });
    let t = target(&sshd, &current_user());
    let mut tasks = Vec::new();
    for i in 0..25 {
        let t = t.clone();
        tasks.push(tokio::spawn(async move {
            let ran = run_ok(&t, &format!("echo {i}; cat"), format!("in-{i}").as_bytes()).await;
            (i, ran)
        }));
    }
    for task in tasks {
        let (i, ran) = task.await.expect("task");
        assert_eq!(ran.status, SshExitStatus::Exited(0), "exec {i}");
        assert_eq!(String::from_utf8_lossy(&ran.stdout), format!("{i}\nin-{i}"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_exec_closes_the_connection() {
    let sshd = Sshd::start();
    let t = target(&sshd, &current_user());
    let mut exec = ssh::exec(&t, "echo ready; cat").await.expect("exec");
    let mut first = [0u8; 6];
    exec.stdout.read_exact(&mut first).await.expect("read");
    assert_eq!(&first, b"ready\n");
    drop(exec);
    // The connection is closed once sshd logs the goodbye or, under load
    // when the log line lags, once sshd's per-connection processes are gone.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let log = sshd.log();
        if log.contains("Received disconnect") || log.contains("Disconnected from") {
            break;
        }
        let still_serving = descendants(sshd.pid());
        if still_serving.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "sshd saw no disconnect; still serving {still_serving:?}:\n{log}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Every process below `pid` (sshd's per-connection processes).
fn descendants(pid: u32) -> Vec<String> {
    let out = Command::new("pgrep")
        .args(["-P", &pid.to_string()])
        .output()
        .expect("pgrep runs");
    let mut all = Vec::new();
    for child in String::from_utf8_lossy(&out.stdout).split_whitespace() {
        if let Ok(child_pid) = child.parse::<u32>() {
            all.push(child.to_string());
            all.extend(descendants(child_pid));
        }
    }
    all
}

fn signal_all(signal: &str, pids: &[String]) {
    if !pids.is_empty() {
        let _ = Command::new("kill").arg(signal).args(pids).status();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unanswered_keepalives_end_the_connection() {
    let sshd = Sshd::start();
    let mut t = target(&sshd, &current_user());
    t.keepalive_interval = Some(Duration::from_secs(1));
    t.keepalive_count_max = 2;
    let mut exec = ssh::exec(&t, "echo ready; cat").await.expect("exec");
    let mut first = [0u8; 6];
    exec.stdout.read_exact(&mut first).await.expect("read");
    // Idle but answering: keepalives must not end a healthy connection.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(exec.exit.try_status(), None);

    // Freeze the server side of this connection: keepalives go unanswered.
    let frozen = descendants(sshd.pid());
    assert!(!frozen.is_empty(), "no per-connection sshd processes");
    signal_all("-STOP", &frozen);
    let started = Instant::now();
    let status = tokio::time::timeout(Duration::from_secs(10), exec.wait()).await;
    signal_all("-CONT", &frozen);
    match status {
        Ok(SshExitStatus::ConnectionLost(reason)) => {
            assert!(reason.to_lowercase().contains("keepalive"), "{reason}")
        }
        other => panic!("expected ConnectionLost after unanswered keepalives, got {other:?}"),
    }
    // interval × (count + 1), give or take a tick.
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_ssh_binary_the_command_line_alone_is_used() {
    let sshd = Sshd::start();
    let vars = AnsibleSshVars {
        inventory_hostname: "127.0.0.1".into(),
        remote_user: Some(current_user()),
        private_key_file: Some(sshd.client_key.display().to_string()),
        ssh_common_args: Some(format!(
            "-p {} -o UserKnownHostsFile={} -o GlobalKnownHostsFile=none -o IdentityAgent=none",
            sshd.port,
            sshd.known_hosts.display()
        )),
        ssh_executable: Some("/nonexistent/ssh".into()),
        ..AnsibleSshVars::default()
    };
    let t = SshTarget::from_ansible(&vars).await.expect("resolves");
    assert_eq!(t.port, sshd.port);
    assert_eq!(t.identity_files, vec![sshd.client_key.clone()]);
    assert_eq!(t.identity_agent, None);
    let ran = run_ok(&t, "echo no-ssh-binary", b"").await;
    assert_eq!(ran.stdout, b"no-ssh-binary\n");

    // -F cannot be honoured without ssh: an error, not a silent ignore.
    let vars = AnsibleSshVars {
        ssh_common_args: Some("-F /some/config".into()),
        ..vars
    };
    assert!(SshTarget::from_ansible(&vars).await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_stdin_sends_eof() {
    let sshd = Sshd::start();
    let t = target(&sshd, &current_user());
    let SshExec {
        mut stdin,
        mut stdout,
        mut exit,
        ..
    } = ssh::exec(&t, "cat; echo done").await.expect("exec");
    stdin.write_all(b"x").await.expect("write");
    drop(stdin);
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stdout.read_to_end(&mut out))
        .await
        .expect("cat saw EOF")
        .expect("read");
    assert_eq!(out, b"xdone\n");
    assert_eq!(exit.wait().await, SshExitStatus::Exited(0));
}
