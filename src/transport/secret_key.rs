//! Secrets as parts of pool keys: a password decides which interpreter a
//! request may reuse (Mitogen keys its contexts by every connection
//! argument, passwords included), but pool keys must never hold it in
//! clear. A hash keyed with a random per-process salt identifies the
//! password within this run and is useless to anyone reading a key or a
//! log line (no precomputed table matches it, and it differs every run).

use sha2::{Digest, Sha256};
use std::fmt::Write as _;
use std::hash::BuildHasher;
use std::sync::OnceLock;

const SALT_LEN: usize = 32;

fn process_salt() -> &'static [u8; SALT_LEN] {
    static SALT: OnceLock<[u8; SALT_LEN]> = OnceLock::new();
    SALT.get_or_init(|| {
        let mut salt = [0u8; SALT_LEN];
        if getrandom::fill(&mut salt).is_err() {
            // No OS randomness: std's randomly seeded hasher keys are the
            // next best per-process secret (still never the password).
            let seed = std::collections::hash_map::RandomState::new();
            for (i, chunk) in salt.chunks_mut(8).enumerate() {
                let bits = seed.hash_one((i, std::process::id()));
                chunk.copy_from_slice(&bits.to_le_bytes()[..chunk.len()]);
            }
        }
        salt
    })
}

/// The pool-key part for an optional password: `none` without one, else
/// `pw:` and the hex SHA-256 of the process salt and the password.
/// Equal passwords give equal parts within one process; the password
/// cannot be read back from it.
pub fn password_part(password: Option<&str>) -> String {
    let Some(password) = password else {
        return "none".into();
    };
    // The salt is secret and fixed-length, so salt-then-password under
    // SHA-256 is a keyed hash no one outside this process can recompute.
    let mut hasher = Sha256::new();
    hasher.update(process_salt());
    hasher.update(password.as_bytes());
    let digest = hasher.finalize();
    let mut out = String::with_capacity(3 + digest.len() * 2);
    out.push_str("pw:");
    for byte in digest.iter() {
        let _ = write!(out, "{byte:02x}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_passwords_match_and_different_ones_do_not() {
        let right = password_part(Some("pw-secret"));
        assert_eq!(right, password_part(Some("pw-secret")));
        assert_ne!(right, password_part(Some("wrong")));
        assert_ne!(right, password_part(Some("")));
        assert_ne!(password_part(Some("")), password_part(None));
        assert_eq!(password_part(None), "none");
    }

    #[test]
    fn the_password_is_not_in_the_part() {
        let part = password_part(Some("pw-secret"));
        assert!(!part.contains("pw-secret"), "{part}");
        assert!(part.starts_with("pw:") && part.len() == 3 + 64, "{part}");
    }
}
