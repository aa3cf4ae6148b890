//! The test sshd fixture itself works: a key login runs a command, and a
//! client that does not trust the host key is refused.

mod common;

use common::sshd::Sshd;
use std::process::Command;

#[test]
fn key_login_runs_a_command_and_host_key_is_checked() {
    let sshd = Sshd::start();
    let user = std::env::var("USER").unwrap_or_else(|_| "root".into());
    let out = Command::new("ssh")
        .args(sshd.ssh_args())
        .arg(format!("{user}@127.0.0.1"))
        .arg("echo hello-from-sshd")
        .output()
        .expect("ssh runs");
    assert!(
        out.status.success(),
        "ssh failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        sshd.log()
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "hello-from-sshd\n");

    let empty_known_hosts = sshd.dir.join("empty_known_hosts");
    std::fs::write(&empty_known_hosts, "").expect("write");
    let refused = Command::new("ssh")
        .args([
            "-o",
            &format!("UserKnownHostsFile={}", empty_known_hosts.display()),
        ])
        .args(sshd.ssh_args())
        .arg(format!("{user}@127.0.0.1"))
        .arg("true")
        .output()
        .expect("ssh runs");
    assert!(!refused.status.success(), "unknown host key was accepted");
}
