//! The reboot action against ansible-core 2.19's (MITORUN_REF_BIN), on a
//! target that really goes away: a private sshd on a loopback port whose
//! "reboot" (`tests/fixtures/reboot/bin/fake-reboot`) kills the sshd and
//! every session — the connection running the reboot command drops
//! mid-command, and with it mitorun's agent — then writes a new boot id
//! and starts the sshd again a second later. Nothing on this machine
//! reboots.
//!
//! `tests/fixtures/reboot/site.yml` (the real distribution: a reboot, the
//! default `shutdown` line found in `search_paths` with pre/post delays
//! and connect_timeout, the boot-id timeout, a failing test command,
//! check mode, the local-connection refusal, an unknown option, async)
//! and `distro/site.yml` (a library/setup.py stand-in makes the target
//! Alpine, FreeBSD, Solaris, or a failing setup; and the failures that
//! need no real setup: failing reboot and boot time commands, a program
//! not in `search_paths`, arguments of the wrong type) run through
//! ansible-playbook and mitorun, each run on its own sshd and fixture dir
//! at the same time. Compared: stdout byte for byte once the fixture dir,
//! `elapsed` and `start` are masked (the playbooks assert `elapsed`'s type
//! and bounds), exit codes, and how the stand-in programs were called.
//!
//! `tty.yml` (raw and script on ssh's terminal, not a reboot) runs through
//! both on one target.
//!
//! `frozen.yml` runs through mitorun alone: a target whose sessions freeze
//! instead of closing (ansible's ControlPersist master would wait on them
//! for ever).

#[path = "common/sshd.rs"]
mod sshd;

use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture_source() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/reboot")
}

fn current_user() -> String {
    let out = Command::new("id").arg("-un").output().expect("id runs");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// One target: a test sshd and a fixture dir holding the stand-in
/// programs, the boot id, the playbooks and the inventory. Dropping it
/// stops whatever the fake reboots started (the restarter, the restarted
/// sshd and its sessions).
struct Target {
    dir: PathBuf,
    pidfile: PathBuf,
    sshd: Option<sshd::Sshd>,
}

impl Target {
    fn new(tag: &str) -> Target {
        let sshd = sshd::Sshd::start();
        let dir = std::env::temp_dir().join(format!("mitorun-reboot-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        copy_tree(&fixture_source(), &dir);
        for (link, to) in [("shutdown", "fake-reboot"), ("reboot", "fake-reboot")] {
            std::os::unix::fs::symlink(to, dir.join("bin").join(link)).expect("link stand-in");
        }
        let pidfile = sshd.dir.join("sshd.pid");
        std::fs::write(
            dir.join("sshd.env"),
            format!(
                "SSHD_PIDFILE={}\nSSHD_CONFIG={}\n",
                pidfile.display(),
                sshd.dir.join("sshd_config").display()
            ),
        )
        .expect("write sshd.env");
        std::fs::write(dir.join("boot_id"), "first-boot\n").expect("write boot id");
        std::fs::write(dir.join("calls.log"), "").expect("write calls log");
        let common_args = format!(
            "-o UserKnownHostsFile={} -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes",
            sshd.known_hosts.display()
        );
        // ansible's ssh plugin runs commands on a pty unless told not to:
        // stderr then arrives inside stdout with CRLFs, plus the client's
        // "Shared connection ... closed." (mitorun's agent emulates that,
        // see tty.yml). The reboot playbooks read plain streams, as
        // `ansible_ssh_use_tty=false` gives them.
        let inventory = format!(
            "target ansible_host=127.0.0.1 ansible_port={port} ansible_user={user} \
             ansible_ssh_private_key_file={key} ansible_ssh_common_args='{common_args}' \
             ansible_python_interpreter=/usr/bin/python3 ansible_ssh_use_tty=false dir={dir}\n",
            port = sshd.port,
            user = current_user(),
            key = sshd.client_key.display(),
            dir = dir.display(),
        );
        std::fs::write(dir.join("hosts.ini"), inventory).expect("write inventory");
        Target {
            dir,
            pidfile,
            sshd: Some(sshd),
        }
    }

    /// Run `playbook` (relative to the fixture dir, from its own dir) with
    /// `program`: exit code, stdout, stderr.
    fn run(&self, program: &Path, playbook: &str) -> (Option<i32>, String, String) {
        let output = self
            .command(program, playbook)
            .output()
            .expect("run the playbook");
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }

    fn command(&self, program: &Path, playbook: &str) -> Command {
        let path = self.dir.join(playbook);
        let cwd = path.parent().unwrap_or(&self.dir).to_path_buf();
        let mut command = Command::new(program);
        command
            .arg("-i")
            .arg(self.dir.join("hosts.ini"))
            .arg(&path)
            .current_dir(cwd)
            .env("ANSIBLE_NOCOWS", "1")
            .env("ANSIBLE_FORKS", "1")
            .env("ANSIBLE_NOCOLOR", "1")
            // ControlPersist masters of this fixture only.
            .env("ANSIBLE_SSH_CONTROL_PATH_DIR", self.dir.join("cp"))
            .env_remove("MITORUN_ANSIBLE_PYTHON")
            .env_remove("MITORUN_ANSIBLE_CORE");
        command
    }

    /// How the stand-in programs were called, in order.
    fn calls(&self) -> String {
        std::fs::read_to_string(self.dir.join("calls.log")).unwrap_or_default()
    }

    /// Output with this fixture's dir, `elapsed` and `start` masked.
    fn masked(&self, text: &str) -> String {
        let text = text.replace(&self.dir.display().to_string(), "<DIR>");
        let elapsed = regex::Regex::new(r#""elapsed": \d+"#).expect("regex");
        let start =
            regex::Regex::new(r#""start": "\d{4}-\d\d-\d\dT[0-9:.]+\+00:00""#).expect("regex");
        let text = elapsed.replace_all(&text, r#""elapsed": N"#);
        start.replace_all(&text, r#""start": "T""#).into_owned()
    }

    fn sshd_logs(&self) -> String {
        let mut logs = self.sshd.as_ref().map(sshd::Sshd::log).unwrap_or_default();
        logs.push_str(
            &std::fs::read_to_string(self.dir.join("sshd-restarted.log")).unwrap_or_default(),
        );
        logs
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        // A restarter still waiting, then the listening sshd (the first
        // or a restarted one) and its sessions.
        let read_pid = |path: &Path| {
            std::fs::read_to_string(path)
                .ok()
                .and_then(|t| t.trim().parse::<i32>().ok())
                .filter(|pid| *pid > 1)
        };
        // Sessions a reboot froze: SIGKILL ends stopped processes too.
        if let Ok(frozen) = std::fs::read_to_string(self.dir.join("frozen.pids")) {
            let pids: Vec<&str> = frozen
                .split_whitespace()
                .filter(|p| p.parse::<i32>().is_ok_and(|pid| pid > 1))
                .collect();
            if !pids.is_empty() {
                let _ = Command::new("kill").arg("-KILL").args(pids).status();
            }
        }
        if let Some(restarter) = read_pid(&self.dir.join("restarter.pid")) {
            let _ = Command::new("kill")
                .arg("--")
                .arg(format!("-{restarter}"))
                .status();
        }
        if let Some(listener) = read_pid(&self.pidfile) {
            let sessions = Command::new("ps")
                .args(["-o", "pid=", "--ppid", &listener.to_string()])
                .output()
                .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
                .unwrap_or_default();
            let mut kill = Command::new("kill");
            kill.arg(listener.to_string());
            kill.args(sessions.split_whitespace());
            let _ = kill.status();
        }
        drop(self.sshd.take());
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create fixture dir");
    for entry in std::fs::read_dir(from).expect("read fixture dir").flatten() {
        let path = entry.path();
        let dest = to.join(entry.file_name());
        if path.is_dir() {
            copy_tree(&path, &dest);
        } else {
            // fs::copy keeps the permission bits (the scripts' exec bit).
            std::fs::copy(&path, &dest).expect("copy fixture file");
        }
    }
}

/// `playbooks` in turn on `target`: (exit code, masked stdout, stderr)
/// of each.
fn run_playbooks(
    target: &Target,
    program: &Path,
    playbooks: &[&str],
) -> Vec<(Option<i32>, String, String)> {
    playbooks
        .iter()
        .map(|playbook| {
            let (code, stdout, stderr) = target.run(program, playbook);
            (code, target.masked(&stdout), stderr)
        })
        .collect()
}

#[test]
fn reboot_matches_ansible_against_a_target_that_goes_away() {
    let Some(bin) = std::env::var_os("MITORUN_REF_BIN") else {
        panic!("MITORUN_REF_BIN must point at the ansible-core 2.19 venv's bin dir");
    };
    let ansible = PathBuf::from(bin).join("ansible-playbook");
    let mitorun = PathBuf::from(env!("CARGO_BIN_EXE_mitorun"));
    const PLAYBOOKS: [&str; 2] = ["site.yml", "distro/site.yml"];
    // ansible-playbook is the slow one: each of its playbooks gets a
    // target of its own, and all three runs wait at the same time.
    let theirs_main = Target::new("ansible");
    let theirs_distro = Target::new("ansible-distro");
    let ours_target = Target::new("mitorun");
    let (theirs, ours) = std::thread::scope(|scope| {
        let main = scope.spawn(|| run_playbooks(&theirs_main, &ansible, &PLAYBOOKS[..1]));
        let distro = scope.spawn(|| run_playbooks(&theirs_distro, &ansible, &PLAYBOOKS[1..]));
        let ours = run_playbooks(&ours_target, &mitorun, &PLAYBOOKS);
        let mut theirs = main.join().expect("ansible-playbook run");
        theirs.extend(distro.join().expect("ansible-playbook run"));
        (theirs, ours)
    });
    let their_targets = [&theirs_main, &theirs_distro];
    for (index, playbook) in PLAYBOOKS.iter().enumerate() {
        let (their_run, our_run) = (&theirs[index], &ours[index]);
        assert_eq!(
            their_run.0,
            Some(0),
            "ansible-playbook failed on {playbook}:\n{}\n{}\nsshd:\n{}",
            their_run.1,
            their_run.2,
            their_targets[index].sshd_logs()
        );
        assert_eq!(
            our_run.1,
            their_run.1,
            "{playbook}: output differs; mitorun's stderr:\n{}\nsshd:\n{}",
            our_run.2,
            ours_target.sshd_logs()
        );
        assert_eq!(our_run.0, their_run.0, "{playbook}: exit code");
    }
    let their_calls =
        theirs_main.masked(&theirs_main.calls()) + &theirs_distro.masked(&theirs_distro.calls());
    let our_calls = ours_target.masked(&ours_target.calls());
    // Every reboot went through the stand-ins, with the arguments the
    // action built.
    let expected_calls = "fake-reboot [now]\n\
         shutdown [-r] [2] [Rebooting for parity]\n\
         new-boot-id\n\
         reboot\n\
         refused shutdown [-r] [+45s] [bye]\n\
         refused shutdown [-y] [-g] [45] [-i] [6] [Reboot initiated by Ansible]\n";
    assert_eq!(their_calls, expected_calls);
    assert_eq!(
        our_calls, their_calls,
        "the stand-ins were called differently"
    );
}

/// A target that goes away without closing its connections (its sessions
/// freeze, as a host that loses power leaves them): mitorun must not wait
/// on the connection that ran the reboot command, nor on one made while
/// the target was going down, but start each boot-time check on a new
/// connection and agent. Bounded: a hang is a failure, not a stuck test.
/// raw and script over ssh (tty.yml): the terminal ansible's ssh
/// connection runs them on, emulated by mitorun's agent.
#[test]
fn raw_and_script_over_ssh_print_what_ansibles_terminal_gives() {
    let Some(bin) = std::env::var_os("MITORUN_REF_BIN") else {
        panic!("MITORUN_REF_BIN must point at the ansible-core 2.19 venv's bin dir");
    };
    let target = Target::new("tty");
    let theirs = target.run(&PathBuf::from(bin).join("ansible-playbook"), "tty.yml");
    let ours = target.run(Path::new(env!("CARGO_BIN_EXE_mitorun")), "tty.yml");
    assert_eq!(
        theirs.0,
        Some(0),
        "ansible-playbook failed:\n{}\n{}",
        theirs.1,
        theirs.2
    );
    assert_eq!(
        ours.0, theirs.0,
        "exit codes differ:\n{}\n{}",
        ours.1, ours.2
    );
    assert_eq!(target.masked(&ours.1), target.masked(&theirs.1));
}

#[test]
fn reboot_does_not_wait_on_connections_that_hang() {
    let target = Target::new("frozen");
    let mut child = target
        .command(Path::new(env!("CARGO_BIN_EXE_mitorun")), "frozen.yml")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start mitorun");
    let limit = std::time::Instant::now() + std::time::Duration::from_secs(40);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for mitorun") {
            break Some(status);
        }
        if std::time::Instant::now() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    let output = child.wait_with_output().expect("mitorun's output");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        status.is_some(),
        "mitorun hung on the frozen connection:\n{stdout}\n{stderr}"
    );
    assert_eq!(
        status.and_then(|s| s.code()),
        Some(0),
        "{stdout}\n{stderr}\nsshd:\n{}",
        target.sshd_logs()
    );
    assert!(stdout.contains("changed: [target]"), "{stdout}");
    assert_eq!(target.calls(), "freeze-reboot\n");
}
