//! Client of `tests/tools/ansible_zygote.py`: runs the reference CLIs
//! (ansible-playbook, ansible, ansible-inventory) as forks of one
//! interpreter that has already imported what every run imports, instead of
//! a fresh `python` per run. The parity suites start the reference some
//! thousand times; its imports were a third of their CPU time.
//!
//! The run itself is the CLI's own entry point with the request's cwd,
//! environment, argv and stdio, so outputs are those of `ansible-playbook
//! ARGS`. `MITORUN_REF_ZYGOTE=0` turns it off (every run spawns the venv's
//! script, as before), to check that a difference is not the zygote's.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

const PROGRAMS: &[&str] = &["ansible-playbook", "ansible", "ansible-inventory"];

struct Server {
    socket: PathBuf,
    /// Kept so the server is not reaped early; it exits when this process
    /// (its parent) is gone.
    _process: Mutex<Child>,
}

/// The zygote for the reference venv's bin dir, started on first use; None
/// when it is turned off or could not start (runs then spawn the program).
fn server(bin_dir: &Path) -> Option<&'static Server> {
    static SERVER: OnceLock<Option<Server>> = OnceLock::new();
    SERVER
        .get_or_init(|| {
            if std::env::var("MITORUN_REF_ZYGOTE").as_deref() == Ok("0") {
                return None;
            }
            match start(bin_dir) {
                Ok(server) => Some(server),
                Err(e) => {
                    eprintln!("ansible zygote not started ({e}): spawning each run");
                    None
                }
            }
        })
        .as_ref()
}

fn start(bin_dir: &Path) -> Result<Server, String> {
    let dir = super::ScratchDir::new("zygote");
    let socket = dir.0.join("socket");
    // The scratch dir must outlive this function: the socket lives in it.
    // The zygote removes it when it exits (after this test binary).
    let dir = std::mem::ManuallyDrop::new(dir);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tools/ansible_zygote.py");
    let mut child = Command::new(bin_dir.join("python"))
        .arg(&script)
        .arg(&socket)
        .current_dir(&dir.0)
        .env("LC_ALL", "C.UTF-8")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut ready = String::new();
    let _ = BufReader::new(stdout).read_line(&mut ready);
    if ready.trim() != "ready" {
        let _ = child.kill();
        let _ = child.wait();
        return Err("it exited before it was ready".to_string());
    }
    Ok(Server {
        socket,
        _process: Mutex::new(child),
    })
}

/// Whether `program` is a reference CLI the zygote can run.
pub fn serves(program: &Path) -> Option<&'static Path> {
    let name = program.file_name()?.to_str()?;
    if !PROGRAMS.contains(&name) {
        return None;
    }
    let bin_dir = program.parent()?;
    if bin_dir != super::ref_bin_dir() {
        return None;
    }
    server(bin_dir).map(|s| s.socket.as_path())
}

/// What a run through the zygote produced.
pub struct ZygoteRun {
    pub code: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub failure: Option<String>,
}

/// One run of a reference CLI: `env` is its whole environment.
pub struct Invocation<'a> {
    pub program: &'a Path,
    pub args: &'a [String],
    pub cwd: &'a Path,
    pub env: &'a BTreeMap<String, String>,
    pub input: Option<&'a [u8]>,
}

/// Runs `invocation` through the zygote at `socket`, with its stdio in
/// files under `scratch`.
pub fn run(socket: &Path, invocation: &Invocation, scratch: &Path, timeout: Duration) -> ZygoteRun {
    let mut run = ZygoteRun {
        code: None,
        stdout: Vec::new(),
        stderr: Vec::new(),
        failure: None,
    };
    let stdin = scratch.join("zygote.stdin");
    let stdout = scratch.join("zygote.stdout");
    let stderr = scratch.join("zygote.stderr");
    let stdin_path = match invocation.input {
        Some(bytes) => {
            if let Err(e) = std::fs::write(&stdin, bytes) {
                run.failure = Some(format!("cannot write stdin file: {e}"));
                return run;
            }
            stdin.display().to_string()
        }
        None => "/dev/null".to_string(),
    };
    let request = serde_json::json!({
        "prog": invocation.program.display().to_string(),
        "args": invocation.args,
        "cwd": invocation.cwd.display().to_string(),
        "env": invocation.env,
        "stdin": stdin_path,
        "stdout": stdout.display().to_string(),
        "stderr": stderr.display().to_string(),
    });
    let outcome = exchange(socket, &request, timeout);
    run.stdout = std::fs::read(&stdout).unwrap_or_default();
    run.stderr = std::fs::read(&stderr).unwrap_or_default();
    match outcome {
        Ok(code) => run.code = Some(code),
        Err(e) => run.failure = Some(e),
    }
    run
}

/// Sends the request and waits for the exit code; kills the run's process
/// group when it outlives `timeout`.
fn exchange(socket: &Path, request: &serde_json::Value, timeout: Duration) -> Result<i32, String> {
    let mut stream =
        UnixStream::connect(socket).map_err(|e| format!("cannot reach the zygote: {e}"))?;
    stream
        .write_all(format!("{request}\n").as_bytes())
        .map_err(|e| format!("cannot send the request: {e}"))?;
    let deadline = Instant::now() + timeout;
    let mut reader = BufReader::new(stream.try_clone().map_err(|e| e.to_string())?);
    let mut pid = None;
    // Kept across reads: a read that times out mid-line keeps what it got.
    let mut line = String::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            if let Some(pid) = pid {
                kill_group(pid);
            }
            return Err(format!(
                "timed out after {}s and was killed",
                timeout.as_secs()
            ));
        }
        stream
            .set_read_timeout(Some(left.min(Duration::from_secs(1))))
            .map_err(|e| e.to_string())?;
        match reader.read_line(&mut line) {
            Ok(0) => return Err("killed before it reported its exit code".to_string()),
            Ok(_) => {
                let msg: serde_json::Value =
                    serde_json::from_str(&line).map_err(|e| format!("bad reply {line:?}: {e}"))?;
                line.clear();
                if let Some(n) = msg.get("pid").and_then(serde_json::Value::as_i64) {
                    pid = Some(n);
                } else if let Some(code) = msg.get("exit").and_then(serde_json::Value::as_i64) {
                    return Ok(code as i32);
                }
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(e) => return Err(format!("lost the zygote: {e}")),
        }
    }
}

fn kill_group(pid: i64) {
    let _ = Command::new("kill")
        .arg("-KILL")
        .arg("--")
        .arg(format!("-{pid}"))
        .status();
}
