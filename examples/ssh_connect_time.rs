//! Connect time of the in-process SSH client vs the ssh binary.
//!
//! `ssh_connect_time HOST PORT USER KEY KNOWN_HOSTS [RUNS]` times RUNS
//! (default 20) rounds of "connect, authenticate, run `true`, wait for its
//! exit" with mitorun's client and with `ssh -o ControlMaster=no ... true`,
//! and prints each median. Used by bench/ssh_connect.sh.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use mitorun::transport::ssh::{self, SshExitStatus, SshTarget};

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times.get(times.len() / 2).copied().unwrap_or_default()
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [host, port, user, key, known_hosts, rest @ ..] = args.as_slice() else {
        return Err("usage: ssh_connect_time HOST PORT USER KEY KNOWN_HOSTS [RUNS]".into());
    };
    let port: u16 = port.parse().map_err(|e| format!("port: {e}"))?;
    let runs: usize = match rest.first() {
        Some(r) => r.parse().map_err(|e| format!("runs: {e}"))?,
        None => 20,
    };

    let mut target = SshTarget::new(host, port, user);
    target.identity_files = vec![PathBuf::from(key)];
    target.user_known_hosts_files = vec![PathBuf::from(known_hosts)];
    target.global_known_hosts_files = vec![];
    target.identity_agent = None;

    let mut ours = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        let mut exec = ssh::exec(&target, "true")
            .await
            .map_err(|e| e.unreachable_message())?;
        let status = exec.wait().await;
        ours.push(started.elapsed());
        if status != SshExitStatus::Exited(0) {
            return Err(format!("`true` ended with {status:?}"));
        }
    }

    let mut theirs = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        let status = Command::new("ssh")
            .args(["-o", "ControlMaster=no", "-o", "BatchMode=yes"])
            .args([
                "-o",
                "IdentitiesOnly=yes",
                "-o",
                "StrictHostKeyChecking=yes",
            ])
            .args(["-o", &format!("UserKnownHostsFile={known_hosts}")])
            .args(["-i", key, "-p", &port.to_string(), "-l", user, host, "true"])
            .stdin(Stdio::null())
            .status()
            .map_err(|e| format!("ssh: {e}"))?;
        theirs.push(started.elapsed());
        if !status.success() {
            return Err(format!("ssh failed: {status}"));
        }
    }

    println!("runs: {runs}");
    println!(
        "mitorun (russh) connect+auth+exec true: median {}",
        ms(median(ours))
    );
    println!(
        "ssh -o ControlMaster=no ... true:        median {}",
        ms(median(theirs))
    );
    Ok(())
}
