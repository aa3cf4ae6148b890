//! A 1 GiB file to and from a target over ssh (the in-process russh
//! client against a loopback sshd), through the mitorun binary's `copy`
//! and `fetch` modules: the checksum is verified on the target, and the
//! controller's peak RSS (VmHWM of the mitorun process, sampled from
//! /proc while it runs) stays under 64 MiB both ways.

#[path = "common/sshd.rs"]
mod sshd;

use sshd::Sshd;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Size of the file; `MITORUN_TEST_BIG_MIB` overrides it for a quick run.
fn size_mib() -> u64 {
    std::env::var("MITORUN_TEST_BIG_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1024)
}

const RSS_LIMIT_KIB: u64 = 64 * 1024;

fn whoami() -> String {
    std::env::var("USER").unwrap_or_else(|_| "root".into())
}

fn sha1sum(path: &Path) -> String {
    let out = Command::new("sha1sum")
        .arg(path)
        .output()
        .expect("run sha1sum");
    assert!(out.status.success(), "sha1sum {}", path.display());
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string()
}

fn vm_hwm_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

struct Run {
    stdout: String,
    stderr: String,
    ok: bool,
    peak_rss_kib: u64,
    elapsed: Duration,
}

/// Run mitorun to completion, sampling its VmHWM (the kernel's peak RSS,
/// so a sample taken late still covers earlier peaks).
fn run_sampled(args: &[String]) -> Run {
    let start = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_mitorun"))
        .args(args)
        .env("ANSIBLE_NOCOLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start mitorun");
    let pid = child.id();
    // Pipes are drained by threads so a chatty child never blocks.
    let mut out_pipe = child.stdout.take().expect("stdout piped");
    let mut err_pipe = child.stderr.take().expect("stderr piped");
    let out_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut out_pipe, &mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut err_pipe, &mut s);
        s
    });
    let mut peak = 0;
    let status = loop {
        if let Some(kib) = vm_hwm_kib(pid) {
            peak = peak.max(kib);
        }
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => panic!("waiting for mitorun: {e}"),
        }
    };
    Run {
        stdout: out_reader.join().unwrap_or_default(),
        stderr: err_reader.join().unwrap_or_default(),
        ok: status.success(),
        peak_rss_kib: peak,
        elapsed: start.elapsed(),
    }
}

fn inventory(dir: &Path, sshd: &Sshd) -> PathBuf {
    let text = format!(
        "all:\n  hosts:\n    target:\n      ansible_host: 127.0.0.1\n      ansible_port: {port}\n      \
         ansible_user: {user}\n      ansible_ssh_private_key_file: '{key}'\n      \
         ansible_ssh_common_args: '-o UserKnownHostsFile={kh} -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes'\n      \
         ansible_python_interpreter: /usr/bin/python3\n      mitorun_ssh_backend: russh\n",
        port = sshd.port,
        user = whoami(),
        key = sshd.client_key.display(),
        kh = sshd.known_hosts.display(),
    );
    let path = dir.join("inventory.yml");
    std::fs::write(&path, text).expect("write inventory");
    path
}

fn adhoc(inv: &Path, module: &str, args: &str) -> Vec<String> {
    vec![
        "-i".into(),
        inv.display().to_string(),
        "target".into(),
        "-m".into(),
        module.into(),
        "-a".into(),
        args.into(),
    ]
}

#[test]
fn one_gib_copy_and_fetch_over_ssh_with_flat_controller_memory() {
    let mib = size_mib();
    let dir = std::env::temp_dir().join(format!("mitorun-big-ssh-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("mkdir");
    let sshd = Sshd::start();
    let inv = inventory(&dir, &sshd);

    let src = dir.join("src.bin");
    let made = Command::new("sh")
        .arg("-c")
        .arg(format!("head -c {mib}M /dev/urandom > '{}'", src.display()))
        .status()
        .expect("sh");
    assert!(made.success());
    let want = sha1sum(&src);

    // controller → target
    let dest = dir.join("dest.bin");
    let put = run_sampled(&adhoc(
        &inv,
        "copy",
        &format!("src={} dest={} mode=0600", src.display(), dest.display()),
    ));
    assert!(put.ok, "copy failed:\n{}\n{}", put.stdout, put.stderr);
    assert!(
        put.stdout.contains(&format!("\"checksum\": \"{want}\"")),
        "the target's checksum is the source's:\n{}",
        put.stdout
    );
    // Checked again on the target, by a command run there.
    let check = run_sampled(&adhoc(
        &inv,
        "command",
        &format!("sha1sum {}", dest.display()),
    ));
    assert!(
        check.ok && check.stdout.contains(&want),
        "sha1sum on the target:\n{}\n{}",
        check.stdout,
        check.stderr
    );
    std::fs::remove_file(&src).expect("remove src");

    // target → controller
    let back_dir = dir.join("back");
    std::fs::create_dir_all(&back_dir).expect("mkdir back");
    let back = back_dir.join("back.bin");
    let fetch = run_sampled(&adhoc(
        &inv,
        "fetch",
        &format!("src={} dest={} flat=yes", dest.display(), back.display()),
    ));
    assert!(
        fetch.ok,
        "fetch failed:\n{}\n{}",
        fetch.stdout, fetch.stderr
    );
    assert_eq!(sha1sum(&back), want, "fetched file differs");
    assert!(
        fetch.stdout.contains(&format!("\"checksum\": \"{want}\"")),
        "{}",
        fetch.stdout
    );

    eprintln!(
        "{mib} MiB over ssh: copy {:?} (peak RSS {} KiB), fetch {:?} (peak RSS {} KiB)",
        put.elapsed, put.peak_rss_kib, fetch.elapsed, fetch.peak_rss_kib
    );
    assert!(
        put.peak_rss_kib > 0 && fetch.peak_rss_kib > 0,
        "RSS was sampled"
    );
    assert!(
        put.peak_rss_kib < RSS_LIMIT_KIB,
        "copy: controller peak RSS {} KiB",
        put.peak_rss_kib
    );
    assert!(
        fetch.peak_rss_kib < RSS_LIMIT_KIB,
        "fetch: controller peak RSS {} KiB",
        fetch.peak_rss_kib
    );
    let _ = std::fs::remove_dir_all(&dir);
}
