//! Helpers for the transport tests: connection specs for the local
//! transport and for a fixture sshd, test users, a runtime.

#![allow(dead_code)]

use super::sshd::Sshd;
use mitorun::transport::{ConnectionSpec, ModuleCall};
use mitorun::value::{Map, Value};
use std::process::Command;

pub fn vars(pairs: &[(&str, &str)]) -> Map {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), Value::str(*v)))
        .collect()
}

/// The python the tests run agents with (the system one, found on PATH).
pub const PYTHON: &str = "python3";

pub fn local_spec(extra: &[(&str, &str)]) -> ConnectionSpec {
    let mut v = vars(&[
        ("ansible_connection", "local"),
        ("ansible_python_interpreter", PYTHON),
    ]);
    for (k, val) in extra {
        v.insert(k.to_string(), Value::str(*val));
    }
    ConnectionSpec::from_vars("localhost", &v).expect("local spec")
}

/// ssh to a fixture sshd as `user`, with its key and known_hosts, through
/// `backend` (`russh` or `binary`).
pub fn ssh_vars(backend: &str, sshd: &Sshd, user: &str) -> Map {
    let common: Vec<String> = vec![
        "-o".into(),
        format!("UserKnownHostsFile={}", sshd.known_hosts.display()),
        "-o".into(),
        "StrictHostKeyChecking=yes".into(),
        "-o".into(),
        "IdentitiesOnly=yes".into(),
    ];
    vars(&[
        ("ansible_connection", "ssh"),
        ("ansible_host", "127.0.0.1"),
        ("ansible_port", &sshd.port.to_string()),
        ("ansible_user", user),
        (
            "ansible_ssh_private_key_file",
            &sshd.client_key.display().to_string(),
        ),
        (
            "ansible_ssh_common_args",
            &shlex::try_join(common.iter().map(String::as_str)).expect("quote"),
        ),
        ("ansible_python_interpreter", "/usr/bin/python3"),
        ("mitorun_ssh_backend", backend),
    ])
}

pub fn ssh_spec(backend: &str, sshd: &Sshd, user: &str, extra: &[(&str, &str)]) -> ConnectionSpec {
    let mut v = ssh_vars(backend, sshd, user);
    for (k, val) in extra {
        v.insert(k.to_string(), Value::str(*val));
    }
    ConnectionSpec::from_vars("target", &v).expect("ssh spec")
}

pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout == b"0\n")
        .unwrap_or(false)
}

/// Create a local user (idempotent) with a password and a home; root only.
pub fn ensure_user(name: &str, password: &str) {
    let exists = Command::new("id")
        .arg(name)
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !exists {
        let st = Command::new("useradd")
            .args(["-m", "-s", "/bin/sh", name])
            .status()
            .expect("useradd");
        assert!(st.success(), "useradd {name}");
    }
    let mut child = Command::new("chpasswd")
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("chpasswd");
    use std::io::Write;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(format!("{name}:{password}\n").as_bytes())
        .expect("write");
    assert!(child.wait().expect("chpasswd").success());
}

/// Install a sudoers rule (root only); the file name is derived from `tag`.
pub fn sudoers(tag: &str, rule: &str) {
    let path = format!("/etc/sudoers.d/mitorun-test-{tag}");
    // Written beside it first (sudo skips names with a dot) and renamed:
    // a sudo that another test binary runs meanwhile never reads half a
    // rule, which would make it refuse to run at all.
    let staged = format!("{path}.{}", std::process::id());
    std::fs::write(&staged, format!("{rule}\n")).expect("write sudoers");
    let ok = Command::new("visudo")
        .args(["-cf", &staged])
        .status()
        .map(|s| s.success())
        .unwrap_or(true);
    assert!(ok, "bad sudoers rule {rule}");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&staged, std::fs::Permissions::from_mode(0o440)).expect("chmod");
    std::fs::rename(&staged, &path).expect("install sudoers rule");
}

pub fn command(cmd: &str) -> ModuleCall {
    let mut args = Map::new();
    args.insert("_raw_params".into(), Value::str(cmd));
    ModuleCall::new("command", args)
}

pub fn shell(cmd: &str) -> ModuleCall {
    let mut args = Map::new();
    args.insert("_raw_params".into(), Value::str(cmd));
    ModuleCall::new("shell", args)
}

pub fn field<'a>(m: &'a Map, k: &str) -> &'a Value {
    m.get(k).unwrap_or(&Value::Null)
}

/// The reference ansible-core venv's bin dir, when CI provides it.
pub fn ref_bin() -> Option<String> {
    std::env::var("MITORUN_REF_BIN")
        .ok()
        .filter(|p| std::path::Path::new(p).join("python").exists())
}

/// Resident set size of this process in KiB.
pub fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        })
        .unwrap_or(0)
}

/// A pool that finds ansible-core in the reference venv (required: CI
/// provides MITORUN_REF_BIN).
pub fn ref_pool() -> mitorun::transport::Pool {
    let bin =
        ref_bin().expect("MITORUN_REF_BIN must point at the ansible-core 2.19 venv's bin dir");
    let core = mitorun::transport::modules::ansible_dir_of(&format!("{bin}/python"))
        .expect("ansible-core importable");
    mitorun::transport::Pool::new(mitorun::transport::PoolOptions {
        ansible_core: Some(core),
        ..Default::default()
    })
}

pub fn tempdir(tag: &str) -> std::path::PathBuf {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let d = std::env::temp_dir().join(format!("mitorun-tr-{tag}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("mkdir");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    d
}

pub fn args(pairs: &[(&str, Value)]) -> Map {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

/// Put `rules` in /etc/doas.conf between markers named by `tag` (root
/// only), keeping the file's other lines; doas reads the file on every
/// run and refuses it unless root owns it and nobody else may write it.
pub fn doas_rules(tag: &str, rules: &[&str]) {
    let path = "/etc/doas.conf";
    let begin = format!("# mitorun-test {tag} begin");
    let end = format!("# mitorun-test {tag} end");
    let old = std::fs::read_to_string(path).unwrap_or_default();
    let mut kept = String::new();
    let mut inside = false;
    for line in old.lines() {
        if line == begin {
            inside = true;
        } else if line == end {
            inside = false;
        } else if !inside {
            kept.push_str(line);
            kept.push('\n');
        }
    }
    kept.push_str(&begin);
    kept.push('\n');
    for rule in rules {
        kept.push_str(rule);
        kept.push('\n');
    }
    kept.push_str(&end);
    kept.push('\n');
    // Replaced by a rename: a doas started meanwhile reads the old or the
    // new file, never a half-written one.
    let tmp = format!("{path}.mitorun-{}", std::process::id());
    std::fs::write(&tmp, kept).expect("write doas.conf");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o400)).expect("chmod");
    std::fs::rename(&tmp, path).expect("install /etc/doas.conf");
}
