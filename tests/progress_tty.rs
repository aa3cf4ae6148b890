//! The live progress line: on a terminal (a pty here), a task running
//! over two seconds gets a "… TASK [name]: running for Ns" line that is
//! erased before the next output; with stdout not a terminal nothing of
//! it is printed.

use std::path::{Path, PathBuf};
use std::process::Command;

const PLAYBOOK: &str = "- hosts: localhost
  gather_facts: false
  tasks:
    - name: slow
      command: sleep 3
    - debug:
        msg: after
";

fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mitorun-progress-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    std::fs::write(dir.join("pb.yml"), PLAYBOOK).expect("playbook");
    dir
}

fn args(dir: &Path) -> Vec<String> {
    vec![
        env!("CARGO_BIN_EXE_mitorun").to_string(),
        "-i".into(),
        "localhost,".into(),
        "-c".into(),
        "local".into(),
        "-e".into(),
        "ansible_python_interpreter=/usr/bin/python3".into(),
        dir.join("pb.yml").display().to_string(),
    ]
}

/// Runs mitorun on a pty (Python's `pty.fork`) and returns what the
/// terminal received.
fn run_on_pty(dir: &Path) -> Option<String> {
    let script = "import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
out = b''
while True:
    try:
        chunk = os.read(fd, 65536)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
os.waitpid(pid, 0)
sys.stdout.buffer.write(out)
";
    let output = Command::new("/usr/bin/python3")
        .arg("-c")
        .arg(script)
        .args(args(dir))
        .env_remove("ANSIBLE_CONFIG")
        .env_remove("MITORUN_PROGRESS")
        .env("ANSIBLE_NOCOLOR", "1")
        .env("HOME", dir)
        .output()
        .ok()?;
    Some(String::from_utf8_lossy(&output.stdout).into_owned())
}

#[test]
fn a_slow_task_shows_a_progress_line_on_a_terminal_only() {
    if !Path::new("/usr/bin/python3").exists() {
        eprintln!("skipped: no /usr/bin/python3 for the pty");
        return;
    }
    let dir = scratch();
    let Some(tty) = run_on_pty(&dir) else {
        panic!("could not run mitorun on a pty");
    };
    assert!(
        tty.contains("… TASK [slow]: running for 2s, 0 hosts done"),
        "no progress line on the terminal:\n{tty}"
    );
    // Erased before the task's result is printed.
    let line_at = tty.find("… TASK [slow]").unwrap_or(0);
    let result_at = tty.find("changed: [localhost]").unwrap_or(0);
    assert!(
        result_at > line_at,
        "result printed before the line:\n{tty}"
    );
    assert!(
        tty[line_at..result_at].contains("\r\x1b[K"),
        "line not erased:\n{tty}"
    );
    assert!(tty.contains("\"msg\": \"after\""), "{tty}");

    let piped = Command::new(env!("CARGO_BIN_EXE_mitorun"))
        .args(&args(&dir)[1..])
        .env_remove("ANSIBLE_CONFIG")
        .env("HOME", &dir)
        .output()
        .expect("mitorun runs");
    let text = String::from_utf8_lossy(&piped.stdout);
    assert!(
        !text.contains("running for") && !text.contains('\x1b'),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
