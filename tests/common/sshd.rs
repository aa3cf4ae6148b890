//! A private sshd on a loopback port for tests that need a real SSH server.
//!
//! Each `Sshd` gets its own directory (host key, client key, authorized_keys,
//! known_hosts, config, log) and its own free port on 127.0.0.1, so tests can
//! run in parallel and shape the server (password auth, a changed host key,
//! ...) without touching the machine's sshd. Dropping it stops the server.
//!
//! Any local account may log in with `client_key` (AuthorizedKeysFile is an
//! absolute path shared by all users). Running as root is expected in CI
//! (`.ci/run`); as another user only that user can log in.

#![allow(dead_code)]

use std::fs;
use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

pub const SSHD: &str = "/usr/sbin/sshd";

static NEXT_ID: AtomicUsize = AtomicUsize::new(0);

/// Options that change the server's configuration.
#[derive(Debug, Clone, Default)]
pub struct SshdOptions {
    /// Allow password (and keyboard-interactive) authentication.
    pub password_auth: bool,
    /// Extra sshd_config lines, appended verbatim.
    pub extra_config: Vec<String>,
}

#[derive(Debug)]
pub struct Sshd {
    pub port: u16,
    pub dir: PathBuf,
    /// Private key (ed25519, no passphrase) accepted for every user.
    pub client_key: PathBuf,
    /// A known_hosts file that lists this server's host key for
    /// `[127.0.0.1]:PORT`.
    pub known_hosts: PathBuf,
    /// The server's public host key line (`ssh-ed25519 AAAA...`).
    pub host_public_key: String,
    child: Child,
}

fn run(cmd: &mut Command) -> Result<(), String> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{cmd:?}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{cmd:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn keygen(path: &Path) -> Result<(), String> {
    run(Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "mitorun-test", "-f"])
        .arg(path))
}

fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| e.to_string())
}

impl Sshd {
    pub fn start() -> Sshd {
        Sshd::start_with(SshdOptions::default())
    }

    /// Start a server; panics with the server log when it does not come up
    /// (a test fixture, so failing loudly is the point).
    pub fn start_with(options: SshdOptions) -> Sshd {
        match Sshd::try_start(&options) {
            Ok(sshd) => sshd,
            Err(e) => panic!("could not start a test sshd: {e}"),
        }
    }

    fn try_start(options: &SshdOptions) -> Result<Sshd, String> {
        let id = NEXT_ID.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("mitorun-sshd-{}-{id}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        // sshd's privilege separation directory.
        let _ = fs::create_dir_all("/run/sshd");

        let host_key = dir.join("host_ed25519");
        let client_key = dir.join("client_ed25519");
        keygen(&host_key)?;
        keygen(&client_key)?;
        let read = |p: PathBuf| fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()));
        let host_public_key = read(host_key.with_extension("pub"))?;
        let host_public_key = host_public_key
            .split_whitespace()
            .take(2)
            .collect::<Vec<_>>()
            .join(" ");
        let authorized_keys = dir.join("authorized_keys");
        fs::write(&authorized_keys, read(client_key.with_extension("pub"))?)
            .map_err(|e| e.to_string())?;

        let port = free_port()?;
        let known_hosts = dir.join("known_hosts");
        fs::write(
            &known_hosts,
            format!("[127.0.0.1]:{port} {host_public_key}\n"),
        )
        .map_err(|e| e.to_string())?;

        let yes_no = |b: bool| if b { "yes" } else { "no" };
        let mut config = format!(
            "Port {port}\n\
             ListenAddress 127.0.0.1\n\
             HostKey {host_key}\n\
             PidFile {pid}\n\
             AuthorizedKeysFile {authorized_keys}\n\
             StrictModes no\n\
             PermitRootLogin yes\n\
             PubkeyAuthentication yes\n\
             PasswordAuthentication {pw}\n\
             KbdInteractiveAuthentication {pw}\n\
             UsePAM {pw}\n\
             UseDNS no\n\
             LogLevel VERBOSE\n\
             Subsystem sftp internal-sftp\n",
            host_key = host_key.display(),
            pid = dir.join("sshd.pid").display(),
            authorized_keys = authorized_keys.display(),
            pw = yes_no(options.password_auth),
        );
        for line in &options.extra_config {
            config.push_str(line);
            config.push('\n');
        }
        let config_path = dir.join("sshd_config");
        fs::write(&config_path, config).map_err(|e| e.to_string())?;

        let log = fs::File::create(dir.join("sshd.log")).map_err(|e| e.to_string())?;
        let child = Command::new(SSHD)
            .args(["-D", "-e", "-f"])
            .arg(&config_path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .map_err(|e| format!("{SSHD}: {e}"))?;
        let mut sshd = Sshd {
            port,
            dir,
            client_key,
            known_hosts,
            host_public_key,
            child,
        };
        sshd.wait_until_listening()?;
        Ok(sshd)
    }

    fn wait_until_listening(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("sshd exited ({status}): {}", self.log()));
            }
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!("sshd did not listen in 10 s: {}", self.log()));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The listening sshd's process id (its children serve the connections).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The server's log so far (for failure messages).
    pub fn log(&self) -> String {
        let mut text = String::new();
        if let Ok(mut f) = fs::File::open(self.dir.join("sshd.log")) {
            let _ = f.read_to_string(&mut text);
        }
        text
    }

    /// `ssh` arguments (before the destination) that reach this server with
    /// the client key and its known_hosts, non-interactively.
    pub fn ssh_args(&self) -> Vec<String> {
        vec![
            "-p".into(),
            self.port.to_string(),
            "-i".into(),
            self.client_key.display().to_string(),
            "-o".into(),
            format!("UserKnownHostsFile={}", self.known_hosts.display()),
            "-o".into(),
            "StrictHostKeyChecking=yes".into(),
            "-o".into(),
            "IdentitiesOnly=yes".into(),
            "-o".into(),
            "BatchMode=yes".into(),
        ]
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = fs::remove_dir_all(&self.dir);
    }
}
