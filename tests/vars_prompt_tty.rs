//! `vars_prompt` on a terminal: mitorun and ansible-playbook 2.19 each run
//! on a pty (Python's `pty.fork`) and get the same answers typed after
//! each prompt — a private answer, an empty one taking the default, and a
//! confirmed one that is mistyped once. What the terminal shows must be
//! byte-identical (echo off for private answers, the "do not match" line,
//! the play using the answers).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

const PLAYBOOK: &str = "- hosts: localhost
  gather_facts: false
  vars_prompt:
    - name: secret
      prompt: Secret
      private: true
    - name: plain
      prompt: Plain
      private: false
      default: dflt
    - name: checked
      prompt: Checked
      private: true
      confirm: true
  tasks:
    - debug:
        msg: \"{{ secret }} {{ plain }} {{ checked }}\"
";

/// Types the next answer whenever the output since the last one ends in a
/// prompt (`...: `), then prints everything the terminal received.
const DRIVER: &str = "import os, pty, sys, time
answers = sys.argv[1].split(',')
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[2], sys.argv[2:])
out = b''
mark = 0
while True:
    try:
        chunk = os.read(fd, 65536)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
    if answers and out[mark:].rstrip(b' ').endswith(b':'):
        time.sleep(0.2)
        os.write(fd, (answers.pop(0) + '\\n').encode())
        mark = len(out)
os.waitpid(pid, 0)
sys.stdout.buffer.write(out)
";

fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mitorun-vars-prompt-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    std::fs::write(dir.join("pb.yml"), PLAYBOOK).expect("playbook");
    dir
}

fn on_pty(program: &Path, dir: &Path) -> String {
    let output = Command::new("/usr/bin/python3")
        .arg("-c")
        .arg(DRIVER)
        .arg("s3cret,,c1,c2,c1,c1")
        .arg(program)
        .args(["-i", "localhost,", "pb.yml"])
        .current_dir(dir)
        .env_remove("ANSIBLE_CONFIG")
        .env("HOME", dir)
        .env("ANSIBLE_NOCOWS", "1")
        .output()
        .expect("python3 runs the pty driver");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn prompts_on_a_terminal_as_ansible_does() {
    if !Path::new("/usr/bin/python3").exists() {
        eprintln!("skipped: no /usr/bin/python3 for the pty");
        return;
    }
    let dir = scratch();
    let want = on_pty(&common::ref_bin_dir().join("ansible-playbook"), &dir);
    let got = on_pty(Path::new(env!("CARGO_BIN_EXE_mitorun")), &dir);
    assert!(
        want.contains("VALUES ENTERED DO NOT MATCH"),
        "reference: {want}"
    );
    assert!(want.contains("s3cret dflt c1"), "reference: {want}");
    assert_eq!(got, want);
    let _ = std::fs::remove_dir_all(&dir);
}
