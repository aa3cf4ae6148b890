//! known_hosts files as OpenSSH reads them: plain and negated host
//! patterns with `*`/`?`, `[host]:port` names, hashed `|1|salt|hmac`
//! names, and `@cert-authority` / `@revoked` markers. Malformed lines are
//! skipped, as ssh skips them; a missing file is an empty file.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use hmac::{Hmac, KeyInit, Mac};
use russh::keys::ssh_encoding::base64::{Base64, Encoding};
use russh::keys::{Algorithm, HashAlg, PublicKey};
use sha1::Sha1;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marker {
    /// An ordinary `hosts key` line.
    Plain,
    /// `@cert-authority`: the key signs host certificates. Parsed so the
    /// line is not mistaken for a plain key; certificates are not used.
    CertAuthority,
    /// `@revoked`: the key must never be accepted.
    Revoked,
}

#[derive(Debug, Clone)]
enum HostNames {
    /// `|1|base64(salt)|base64(HMAC-SHA1(salt, name))`.
    Hashed { salt: Vec<u8>, hash: Vec<u8> },
    /// Comma-separated patterns, possibly negated with `!`.
    Patterns(String),
}

#[derive(Debug, Clone)]
struct Entry {
    file: Arc<Path>,
    /// 1-based, as ssh reports it.
    line: usize,
    marker: Marker,
    names: HostNames,
    key: PublicKey,
}

/// The outcome of looking a server's key up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// A matching line holds this very key.
    Known,
    /// The key is listed as `@revoked` for this host.
    Revoked { file: PathBuf, line: usize },
    /// The host has a different key of the same type: the first such line.
    Changed { file: PathBuf, line: usize },
    /// No key of this type is known for the host.
    Unknown,
}

/// Every usable line of some known_hosts files, in file order.
#[derive(Debug, Clone, Default)]
pub struct KnownHosts {
    entries: Vec<Entry>,
}

impl KnownHosts {
    /// Reads the files that exist and can be read; others count as empty
    /// (ssh only mentions them at debug level).
    pub fn load(files: &[PathBuf]) -> KnownHosts {
        let mut known = KnownHosts::default();
        for file in files {
            if let Ok(bytes) = fs::read(file) {
                known.add_text(file, &String::from_utf8_lossy(&bytes));
            }
        }
        known
    }

    /// Adds the lines of one file's text.
    pub fn add_text(&mut self, file: &Path, text: &str) {
        let file: Arc<Path> = Arc::from(file);
        for (index, line) in text.lines().enumerate() {
            if let Some(mut entry) = parse_line(line) {
                entry.file = file.clone();
                entry.line = index + 1;
                self.entries.push(entry);
            }
        }
    }

    /// Looks `key` up for `name` (see [`lookup_name`]) with OpenSSH's rules:
    /// revoked beats everything, then an exact match, then a different key
    /// of the same type means the key changed.
    pub fn check(&self, name: &str, key: &PublicKey) -> Verdict {
        let matching = || self.entries.iter().filter(|e| e.names.matches(name));
        if let Some(e) =
            matching().find(|e| e.marker == Marker::Revoked && e.key.key_data() == key.key_data())
        {
            return Verdict::Revoked {
                file: e.file.to_path_buf(),
                line: e.line,
            };
        }
        let plain = || matching().filter(|e| e.marker == Marker::Plain);
        if plain().any(|e| e.key.key_data() == key.key_data()) {
            return Verdict::Known;
        }
        match plain().find(|e| e.key.algorithm() == key.algorithm()) {
            Some(e) => Verdict::Changed {
                file: e.file.to_path_buf(),
                line: e.line,
            },
            None => Verdict::Unknown,
        }
    }

    /// The host key algorithms of the keys known for `name`, so the key
    /// exchange can ask for a key we can verify (OpenSSH orders its
    /// HostKeyAlgorithms the same way).
    pub fn known_algorithms(&self, name: &str) -> Vec<Algorithm> {
        let mut out: Vec<Algorithm> = Vec::new();
        for e in &self.entries {
            if e.marker != Marker::Plain || !e.names.matches(name) {
                continue;
            }
            let algorithms = match e.key.algorithm() {
                Algorithm::Rsa { .. } => vec![
                    Algorithm::Rsa {
                        hash: Some(HashAlg::Sha512),
                    },
                    Algorithm::Rsa {
                        hash: Some(HashAlg::Sha256),
                    },
                    Algorithm::Rsa { hash: None },
                ],
                other => vec![other],
            };
            for a in algorithms {
                if !out.contains(&a) {
                    out.push(a);
                }
            }
        }
        out
    }
}

/// The name ssh looks a host up by: the HostKeyAlias as it is, else the
/// host name, as `[host]:port` when the port is not 22.
pub fn lookup_name(host: &str, port: u16, alias: Option<&str>) -> String {
    match alias {
        Some(alias) => alias.to_string(),
        None if port == 22 => host.to_string(),
        None => format!("[{host}]:{port}"),
    }
}

/// OpenSSH's short key type name used in its messages.
pub fn key_type_name(key: &PublicKey) -> &'static str {
    match key.algorithm() {
        Algorithm::Rsa { .. } => "RSA",
        Algorithm::Dsa => "DSA",
        Algorithm::Ecdsa { .. } => "ECDSA",
        Algorithm::Ed25519 => "ED25519",
        Algorithm::SkEcdsaSha2NistP256 => "ECDSA-SK",
        Algorithm::SkEd25519 => "ED25519-SK",
        _ => "UNKNOWN",
    }
}

/// `SHA256:...`, as ssh prints fingerprints.
pub fn fingerprint(key: &PublicKey) -> String {
    key.fingerprint(HashAlg::Sha256).to_string()
}

/// Appends `name key` to `file` (creating it and its directory), hashing
/// the name when `hash` is set, as ssh does for new hosts under
/// `StrictHostKeyChecking accept-new|no`.
pub fn append(file: &Path, name: &str, key: &PublicKey, hash: bool) -> std::io::Result<()> {
    let openssh = key.to_openssh().map_err(std::io::Error::other)?;
    let key_text: Vec<&str> = openssh.split_whitespace().take(2).collect();
    let host_field = if hash {
        let mut salt = [0u8; 20];
        getrandom::fill(&mut salt).map_err(std::io::Error::other)?;
        let digest = hmac_sha1(&salt, name)?;
        format!(
            "|1|{}|{}",
            Base64::encode_string(&salt),
            Base64::encode_string(&digest)
        )
    } else {
        name.to_string()
    };
    if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.exists()
    {
        use std::os::unix::fs::DirBuilderExt;
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?;
    }
    // Start on a fresh line if the file does not end with one.
    let needs_newline = fs::read(file)
        .map(|b| b.last().is_some_and(|&c| c != b'\n'))
        .unwrap_or(false);
    let mut out = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(file)?;
    let line = format!(
        "{}{host_field} {}\n",
        if needs_newline { "\n" } else { "" },
        key_text.join(" ")
    );
    // One write, so concurrent appends by other connections do not interleave.
    out.write_all(line.as_bytes())
}

fn hmac_sha1(salt: &[u8], name: &str) -> std::io::Result<Vec<u8>> {
    let mut mac = <Hmac<Sha1> as KeyInit>::new_from_slice(salt).map_err(std::io::Error::other)?;
    mac.update(name.as_bytes());
    Ok(mac.finalize().into_bytes().to_vec())
}

fn parse_line(line: &str) -> Option<Entry> {
    let line = line.trim_start();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let mut fields = line.split_whitespace();
    let mut first = fields.next()?;
    let marker = match first {
        "@cert-authority" => Marker::CertAuthority,
        "@revoked" => Marker::Revoked,
        m if m.starts_with('@') => return None,
        _ => Marker::Plain,
    };
    if marker != Marker::Plain {
        first = fields.next()?;
    }
    let names = parse_host_names(first)?;
    let _key_type = fields.next()?;
    let key = russh::keys::parse_public_key_base64(fields.next()?).ok()?;
    Some(Entry {
        file: Arc::from(Path::new("")),
        line: 0,
        marker,
        names,
        key,
    })
}

fn parse_host_names(field: &str) -> Option<HostNames> {
    match field.strip_prefix("|1|") {
        Some(hashed) => {
            let (salt, hash) = hashed.split_once('|')?;
            Some(HostNames::Hashed {
                salt: Base64::decode_vec(salt).ok()?,
                hash: Base64::decode_vec(hash).ok()?,
            })
        }
        None => Some(HostNames::Patterns(field.to_string())),
    }
}

impl HostNames {
    fn matches(&self, name: &str) -> bool {
        match self {
            HostNames::Hashed { salt, hash } => {
                let Ok(mut mac) = <Hmac<Sha1> as KeyInit>::new_from_slice(salt) else {
                    return false;
                };
                mac.update(name.as_bytes());
                mac.verify_slice(hash).is_ok()
            }
            HostNames::Patterns(patterns) => match_pattern_list(name, patterns),
        }
    }
}

/// OpenSSH's `match_hostname`: case-insensitive; a matching negated
/// pattern vetoes the line; otherwise any positive match matches.
fn match_pattern_list(name: &str, patterns: &str) -> bool {
    let name = name.to_ascii_lowercase();
    let mut positive = false;
    for pattern in patterns.split(',') {
        let pattern = pattern.to_ascii_lowercase();
        match pattern.strip_prefix('!') {
            Some(negated) => {
                if wildcard_match(name.as_bytes(), negated.as_bytes()) {
                    return false;
                }
            }
            None => positive |= wildcard_match(name.as_bytes(), pattern.as_bytes()),
        }
    }
    positive
}

/// `*` matches any run of bytes, `?` any single byte.
fn wildcard_match(text: &[u8], pattern: &[u8]) -> bool {
    let (mut t, mut p) = (0, 0);
    // Where the last `*` was and which text position it now covers up to.
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(b'*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(&c) if c == b'?' || c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p.min(pattern.len())..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    // Two ed25519 public keys (generated with ssh-keygen for these tests).
    const KEY_A: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIPHxAftPvASeKYZZ3UnRa0FN4TCl/+vtAtGI81zTOZuA";
    const KEY_B: &str = "AAAAC3NzaC1lZDI1NTE5AAAAICxhPbfiln6LaeAVdokXBXdZuaMKDsqHdykytrjiPYDL";

    fn key(b64: &str) -> PublicKey {
        match russh::keys::parse_public_key_base64(b64) {
            Ok(k) => k,
            Err(e) => panic!("test key does not parse: {e}"),
        }
    }

    fn known(text: &str) -> KnownHosts {
        let mut k = KnownHosts::default();
        k.add_text(Path::new("/kh"), text);
        k
    }

    #[test]
    fn patterns_ports_and_negation() {
        let kh = known(&format!(
            "# comment\n\n*.example.com,!bad.example.com ssh-ed25519 {KEY_A}\n[10.0.0.?]:2222 ssh-ed25519 {KEY_A}\n"
        ));
        let a = key(KEY_A);
        assert_eq!(kh.check("web.EXAMPLE.com", &a), Verdict::Known);
        assert_eq!(kh.check("bad.example.com", &a), Verdict::Unknown);
        assert_eq!(kh.check("[10.0.0.7]:2222", &a), Verdict::Known);
        assert_eq!(kh.check("10.0.0.7", &a), Verdict::Unknown);
        assert_eq!(lookup_name("h", 22, None), "h");
        assert_eq!(lookup_name("h", 2222, None), "[h]:2222");
        assert_eq!(lookup_name("h", 2222, Some("alias")), "alias");
    }

    #[test]
    fn changed_and_revoked_name_the_line() {
        let kh = known(&format!(
            "host ssh-ed25519 {KEY_A}\n@revoked * ssh-ed25519 {KEY_B}\n@cert-authority * ssh-ed25519 {KEY_A}\n@bogus x y z\n"
        ));
        assert_eq!(
            kh.check("other", &key(KEY_A)),
            Verdict::Unknown,
            "a CA key is not a host key"
        );
        assert_eq!(
            kh.check("host", &key(KEY_B)),
            Verdict::Revoked {
                file: PathBuf::from("/kh"),
                line: 2
            }
        );
        let kh = known(&format!(
            "x ssh-ed25519 {KEY_B}\nhost ssh-ed25519 {KEY_B}\n"
        ));
        assert_eq!(
            kh.check("host", &key(KEY_A)),
            Verdict::Changed {
                file: PathBuf::from("/kh"),
                line: 2
            }
        );
    }

    #[test]
    fn hashed_names_round_trip() {
        let dir = std::env::temp_dir().join(format!("mitorun-kh-{}", std::process::id()));
        let file = dir.join("sub").join("known_hosts");
        let a = key(KEY_A);
        assert!(append(&file, "[127.0.0.1]:2200", &a, true).is_ok());
        assert!(append(&file, "plain", &a, false).is_ok());
        let text = fs::read_to_string(&file).unwrap_or_default();
        assert!(text.starts_with("|1|"), "{text}");
        assert!(!text.contains("127.0.0.1"));
        let kh = KnownHosts::load(std::slice::from_ref(&file));
        assert_eq!(kh.check("[127.0.0.1]:2200", &a), Verdict::Known);
        assert_eq!(kh.check("[127.0.0.1]:2201", &a), Verdict::Unknown);
        assert_eq!(kh.check("plain", &a), Verdict::Known);
        assert_eq!(kh.known_algorithms("plain"), vec![Algorithm::Ed25519]);
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn wildcards() {
        assert!(wildcard_match(b"abc", b"a*"));
        assert!(wildcard_match(b"abc", b"*c"));
        assert!(wildcard_match(b"abc", b"a?c"));
        assert!(wildcard_match(b"", b"*"));
        assert!(!wildcard_match(b"abc", b"a?"));
        assert!(wildcard_match(b"a.b.c", b"*.*.c"));
        assert!(!wildcard_match(b"abc", b"abcd"));
    }
}
