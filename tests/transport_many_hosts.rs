//! Many targets at once over ssh: 22 private sshd instances on loopback
//! ports, one ad hoc run of the mitorun binary against all of them.
//!
//! What is observed, not timed: each target's python is a wrapper script
//! that records, in a shared directory, how many interpreter starts are in
//! progress at the moment it begins (each start holds a marker file until
//! it execs python). Connection setup is the part `forks` bounds: after it
//! the connection stays open for the rest of the run (one per target, the
//! Mitogen model), so "at most N at a time" is a statement about setups
//! in flight. Each sshd's log proves one login per target.

#[path = "common/sshd.rs"]
mod sshd;

use sshd::Sshd;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

const HOSTS: usize = 22;

fn whoami() -> String {
    std::env::var("USER").unwrap_or_else(|_| "root".into())
}

fn scratch(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("mitorun-many-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("mkdir scratch");
    d
}

/// A python wrapper that counts concurrent interpreter starts: it leaves a
/// marker in `active/`, appends how many markers it sees to `seen`, waits
/// until `barrier` starts are in progress together (or `barrier_wait`
/// seconds pass), then removes its marker and execs python. The barrier
/// turns "they overlap" into something the wrapper itself can witness.
fn counting_python(dir: &Path, barrier: usize, barrier_wait: f64) -> PathBuf {
    let active = dir.join("active");
    std::fs::create_dir_all(&active).expect("mkdir active");
    let script = format!(
        r#"#!/bin/sh
d='{dir}'
marker="$d/active/$$"
# Counted with a glob in this shell (no child processes: 22 of these
# poll at once); a function's `set --` leaves the script's "$@" alone.
count() {{ set -- "$d"/active/*; n=$#; }}
: > "$marker"
count
echo "$n" >> "$d/seen"
i=0
limit={barrier_wait_tenths}
while [ "$n" -lt {barrier} ] && [ "$i" -lt "$limit" ]; do
    sleep 0.1
    i=$((i + 1))
    count
done
echo "$n" >> "$d/seen"
rm -f "$marker"
exec /usr/bin/python3 "$@"
"#,
        dir = dir.display(),
        barrier_wait_tenths = (barrier_wait * 10.0) as u64,
    );
    let path = dir.join("python-counting");
    std::fs::write(&path, script).expect("write wrapper");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    path
}

/// The largest number of concurrent starts any wrapper saw.
fn max_seen(dir: &Path) -> usize {
    std::fs::read_to_string(dir.join("seen"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.trim().parse::<usize>().ok())
        .max()
        .unwrap_or(0)
}

/// A YAML inventory with one host per sshd (`h01`..), each with its own
/// port, key and known_hosts, and `python` as its interpreter.
fn inventory(dir: &Path, servers: &[Sshd], python: &Path) -> PathBuf {
    let mut text = String::from("all:\n  hosts:\n");
    for (i, s) in servers.iter().enumerate() {
        let common = format!(
            "-o UserKnownHostsFile={} -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes",
            s.known_hosts.display()
        );
        let _ = write!(
            text,
            "    h{n:02}:\n      ansible_host: 127.0.0.1\n      ansible_port: {port}\n      \
             ansible_user: {user}\n      ansible_ssh_private_key_file: '{key}'\n      \
             ansible_ssh_common_args: '{common}'\n      ansible_python_interpreter: '{py}'\n      \
             ansible_timeout: 30\n",
            n = i + 1,
            port = s.port,
            user = whoami(),
            key = s.client_key.display(),
            py = python.display(),
        );
    }
    let path = dir.join("inventory.yml");
    std::fs::write(&path, text).expect("write inventory");
    path
}

/// Ad hoc output `HOST | CHANGED | rc=0 >>` followed by the command's
/// stdout, per host.
fn results_by_host(stdout: &str) -> BTreeMap<String, (String, Vec<String>)> {
    let mut hosts = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in stdout.lines() {
        let mut parts = line.splitn(3, " | ");
        if let (Some(host), Some(status), Some(_)) = (parts.next(), parts.next(), parts.next())
            && !host.contains(' ')
        {
            hosts.insert(host.to_string(), (status.to_string(), Vec::new()));
            current = Some(host.to_string());
            continue;
        }
        if let Some(h) = &current
            && let Some((_, lines)) = hosts.get_mut(h)
        {
            lines.push(line.to_string());
        }
    }
    hosts
}

fn run_adhoc(inventory: &Path, forks: usize) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_mitorun"))
        .args(["-i"])
        .arg(inventory)
        .args(["all", "-f", &forks.to_string(), "-m", "shell", "-a"])
        .arg("echo \"$SSH_CONNECTION\"; id -un")
        .env("ANSIBLE_NOCOLOR", "1")
        .output()
        .expect("run mitorun")
}

fn logins(s: &Sshd) -> usize {
    s.log().matches("Accepted publickey").count()
}

#[test]
fn twenty_two_hosts_in_parallel_and_setup_bounded_by_forks() {
    let started = std::time::Instant::now();
    let servers: Vec<Sshd> = (0..HOSTS).map(|_| Sshd::start()).collect();
    eprintln!("{HOSTS} sshd started in {:?}", started.elapsed());

    // forks = 22: every connection is set up at once. The barrier holds
    // each start until all 22 are in progress; serial setup would leave
    // each wrapper alone until its wait ran out.
    let dir = scratch("f22");
    let python = counting_python(&dir, HOSTS, 15.0);
    let inv = inventory(&dir, &servers, &python);
    let started = std::time::Instant::now();
    let out = run_adhoc(&inv, HOSTS);
    eprintln!("forks={HOSTS}: {:?}", started.elapsed());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "mitorun failed:\n{stdout}\n{stderr}");
    let results = results_by_host(&stdout);
    assert_eq!(results.len(), HOSTS, "one result per host:\n{stdout}");
    for (i, s) in servers.iter().enumerate() {
        let host = format!("h{:02}", i + 1);
        let Some((status, lines)) = results.get(&host) else {
            panic!("no result for {host}:\n{stdout}");
        };
        assert_eq!(status, "CHANGED", "{host}:\n{stdout}");
        // SSH_CONNECTION = client ip, client port, server ip, server port:
        // the command ran behind this host's own sshd.
        let conn: Vec<&str> = lines.first().map_or(vec![], |l| l.split(' ').collect());
        assert_eq!(
            conn.get(3).copied(),
            Some(s.port.to_string().as_str()),
            "{host} answered from the wrong server: {lines:?}"
        );
        assert_eq!(lines.get(1), Some(&whoami()), "{host}: {lines:?}");
        assert_eq!(logins(s), 1, "{host}: one connection\n{}", s.log());
    }
    assert_eq!(
        max_seen(&dir),
        HOSTS,
        "all {HOSTS} setups should have been in progress together"
    );

    // forks = 5: a barrier of 5 is reached (setups do overlap), and no
    // start ever sees a sixth in progress. The last two hosts cannot fill
    // the barrier and wait its 2 s out.
    let dir5 = scratch("f5");
    let python5 = counting_python(&dir5, 5, 2.0);
    let inv5 = inventory(&dir5, &servers, &python5);
    let started = std::time::Instant::now();
    let out = run_adhoc(&inv5, 5);
    eprintln!("forks=5: {:?}", started.elapsed());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "mitorun -f 5 failed:\n{stdout}\n{stderr}"
    );
    let results = results_by_host(&stdout);
    assert_eq!(results.len(), HOSTS, "one result per host:\n{stdout}");
    assert!(
        results.values().all(|(status, _)| status == "CHANGED"),
        "{stdout}"
    );
    let seen = std::fs::read_to_string(dir5.join("seen")).unwrap_or_default();
    assert_eq!(
        max_seen(&dir5),
        5,
        "forks=5 must bound setups in flight to exactly 5; counts seen:\n{seen}"
    );
    for s in &servers {
        assert_eq!(logins(s), 2, "one connection per host per run\n{}", s.log());
    }
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&dir5);
}
