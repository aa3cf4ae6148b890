//! Two signing keys made with gpg in a throwaway home, exported armored
//! (`www/key1.asc`), binary (`www/key2.gpg`) and together
//! (`www/both.asc`), a file that is no key (`www/junk.txt`), their
//! fingerprints, and a local http.server serving `www/` (stopped on
//! drop). Used by the apt_key and rpm_key parity tests.

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct GpgKeys {
    pub dir: PathBuf,
    pub fpr1: String,
    pub fpr2: String,
    pub port: u16,
    server: std::process::Child,
}

/// Run a shell script that must succeed; its stdout.
pub fn sh(script: &str) -> String {
    let out = Command::new("/bin/sh")
        .args(["-ec", script])
        .output()
        .expect("sh runs");
    assert!(
        out.status.success(),
        "{script}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl GpgKeys {
    pub fn make(dir: &Path) -> GpgKeys {
        let d = dir.display();
        sh(&format!(
            "mkdir -p {d}/gnupg {d}/www && chmod 700 {d}/gnupg\n\
             for n in 1 2; do printf '%s\\n' '%no-protection' 'Key-Type: eddsa' 'Key-Curve: ed25519' \
               'Name-Real: mrtr key '$n 'Name-Email: mrtr'$n'@example.test' 'Expire-Date: 0' '%commit' \
               | gpg --homedir {d}/gnupg --batch --quiet --gen-key 2>/dev/null; done\n\
             gpg --homedir {d}/gnupg --armor --export mrtr1@example.test > {d}/www/key1.asc\n\
             gpg --homedir {d}/gnupg --export mrtr2@example.test > {d}/www/key2.gpg\n\
             gpg --homedir {d}/gnupg --armor --export mrtr1@example.test mrtr2@example.test > {d}/www/both.asc\n\
             printf 'not a key\\n' > {d}/www/junk.txt"
        ));
        let fpr = |email: &str| -> String {
            sh(&format!(
                "gpg --homedir {d}/gnupg --with-colons --fingerprint {email} | awk -F: '/^fpr/ {{print $10; exit}}'"
            ))
            .trim()
            .to_string()
        };
        let (fpr1, fpr2) = (fpr("mrtr1@example.test"), fpr("mrtr2@example.test"));
        // The agent gpg started is not needed any more.
        sh(&format!(
            "gpgconf --homedir {d}/gnupg --kill all 2>/dev/null || true"
        ));
        let port = free_port();
        let server = Command::new("/usr/bin/python3")
            .args([
                "-m",
                "http.server",
                "--bind",
                "127.0.0.1",
                &port.to_string(),
            ])
            .current_dir(dir.join("www"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("http.server starts");
        for _ in 0..50 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        GpgKeys {
            dir: dir.to_path_buf(),
            fpr1,
            fpr2,
            port,
            server,
        }
    }
}

impl Drop for GpgKeys {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}
