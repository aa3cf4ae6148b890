//! `password_hash`: crypt(3)-style password hashes as ansible makes them
//! through passlib: `sha512_crypt` (default), `sha256_crypt`, `md5_crypt`.
//!
//! The algorithms are the SHA-crypt specification and the FreeBSD MD5
//! crypt; the text follows passlib (`$6$rounds=N$salt$hash`, the rounds
//! field left out for 5000). Defaults are ansible's: 656000 rounds for
//! sha512, 535000 for sha256, a random 16-character salt (8 for md5).
//! `bcrypt` (`blowfish`) is not implemented. The reference install has no
//! passlib (there ansible fails with "Unable to encrypt nor hash, passlib
//! must be installed."); hashes were checked against glibc's crypt().
//!
//! Also `vault` and `unvault` (ansible's `encryption.py`).

use super::{Args, Num, add, py_str, type_name};
use minijinja::value::{Value as Jv, ValueKind};
use minijinja::{Environment, Error};
use sha2::Digest;

pub(super) fn register(env: &mut Environment<'static>) {
    add(env, "password_hash", password_hash);
    add(env, "vault", vault);
    add(env, "unvault", unvault);
}

/// The vault id the `vault` and `unvault` filters label their secret with.
const FILTER_VAULT_ID: &str = "filter_default";

/// Text or bytes as bytes; `None` for other types.
fn text_bytes(value: &Jv) -> Option<Vec<u8>> {
    match value.kind() {
        ValueKind::String => value.as_str().map(|s| s.as_bytes().to_vec()),
        ValueKind::Bytes => value.as_bytes().map(<[u8]>::to_vec),
        _ => None,
    }
}

/// The `vaultid` spelling is an undocumented alias of `vault_id`.
fn filter_vault_id(args: &mut Args, index: usize) -> String {
    let vault_id = args.opt(index, "vault_id");
    let legacy = args.kw("vaultid").filter(|v| !v.is_none());
    match (vault_id, legacy) {
        (Some(id), _) => py_str(&id),
        (None, Some(id)) => py_str(&id),
        (None, None) => FILTER_VAULT_ID.to_string(),
    }
}

/// `data | vault(secret, salt=None, vault_id='filter_default',
/// wrap_object=False)`: ansible-vault text of `data`.
fn vault(value: Jv, args: &mut Args) -> Result<Jv, Error> {
    let secret = args.get(0, "secret").unwrap_or_default();
    let salt = args.opt(1, "salt").filter(|s| !s.is_none());
    let vault_id = filter_vault_id(args, 2);
    let wrap_object = args.opt(3, "wrap_object").is_some_and(|w| w.is_true());
    let Some(secret_bytes) = text_bytes(&secret) else {
        return Err(args.fail(format!(
            "Secret passed is required to be a string, instead we got <class '{}'>.",
            type_name(&secret)
        )));
    };
    let Some(data) = text_bytes(&value) else {
        return Err(args.fail(format!(
            "Can only vault strings, instead we got <class '{}'>.",
            type_name(&value)
        )));
    };
    let encrypted = match salt {
        Some(salt) => crate::vault::encrypt_with_salt(
            &data,
            &secret_bytes,
            Some(&vault_id),
            py_str(&salt).as_bytes(),
        ),
        None => crate::vault::encrypt(&data, &secret_bytes, Some(&vault_id)),
    };
    let ciphertext = encrypted.map_err(|e| args.fail(format!("Unable to encrypt.: {e}")))?;
    if wrap_object {
        // ansible 2.19 tags the secret, not the ciphertext, as vaulted
        // and returns it.
        return Ok(crate::templating::vaulted::marked_plaintext(
            py_str(&secret),
            &ciphertext,
        ));
    }
    Ok(Jv::from(ciphertext))
}

/// `vaulted | unvault(secret, vault_id='filter_default')`: the plaintext,
/// opened with `secret`; text that is not vaulted comes back as it is.
/// A vaulted variable (decrypted by the run's secrets or not) is opened
/// from its ciphertext.
fn unvault(value: Jv, args: &mut Args) -> Result<Jv, Error> {
    let secret = args.get(0, "secret").unwrap_or_default();
    let vault_id = filter_vault_id(args, 1);
    let ciphertext = crate::templating::vaulted::ciphertext_of(&value);
    // Any other failed value fails the filter with its own error.
    if ciphertext.is_none()
        && let Some(error) = crate::templating::bridge::with_invalid_error(&value, |e| {
            Error::new(e.kind(), e.detail().unwrap_or_default().to_string())
        })
    {
        return Err(error);
    }
    let Some(secret_bytes) = text_bytes(&secret) else {
        return Err(args.fail(format!(
            "Secret passed is required to be as string, instead we got <class '{}'>.",
            type_name(&secret)
        )));
    };
    let text = match ciphertext {
        Some(ciphertext) => ciphertext,
        None => match text_bytes(&value) {
            Some(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            None => {
                return Err(args.fail(format!(
                    "Vault should be in the form of a string, instead we got <class '{}'>.",
                    type_name(&value)
                )));
            }
        },
    };
    if !crate::vault::is_encrypted(&text) {
        return Ok(Jv::from(text));
    }
    let vault =
        crate::vault::Vault::new(vec![crate::vault::VaultSecret::new(vault_id, secret_bytes)]);
    vault
        .decrypt_to_string(&text, "")
        .map(Jv::from)
        .map_err(|e| args.fail(format!("Unable to decrypt: {e}")))
}

const ITOA64: &[u8; 64] = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

fn b64_from_24bit(out: &mut String, b2: u8, b1: u8, b0: u8, n: usize) {
    let mut w = (u32::from(b2) << 16) | (u32::from(b1) << 8) | u32::from(b0);
    for _ in 0..n {
        out.push(char::from(ITOA64[(w & 0x3f) as usize]));
        w >>= 6;
    }
}

fn digest<D: Digest>(parts: &[&[u8]]) -> Vec<u8> {
    let mut h = D::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().to_vec()
}

/// `len` bytes of `block` repeated.
fn repeat_to(block: &[u8], len: usize) -> Vec<u8> {
    block.iter().copied().cycle().take(len).collect()
}

/// The SHA-crypt core (Drepper's specification), returning the raw digest.
fn sha_crypt_raw<D: Digest>(pw: &[u8], salt: &[u8], rounds: u32) -> Vec<u8> {
    let b = digest::<D>(&[pw, salt, pw]);
    let mut a = D::new();
    a.update(pw);
    a.update(salt);
    a.update(repeat_to(&b, pw.len()));
    let mut n = pw.len();
    while n > 0 {
        if n & 1 == 1 {
            a.update(&b);
        } else {
            a.update(pw);
        }
        n >>= 1;
    }
    let a = a.finalize().to_vec();
    let dp = {
        let mut h = D::new();
        for _ in 0..pw.len() {
            h.update(pw);
        }
        h.finalize().to_vec()
    };
    let p = repeat_to(&dp, pw.len());
    let ds = {
        let mut h = D::new();
        for _ in 0..16 + usize::from(a[0]) {
            h.update(salt);
        }
        h.finalize().to_vec()
    };
    let s = repeat_to(&ds, salt.len());
    let mut c = a;
    for i in 0..rounds {
        let mut h = D::new();
        if i % 2 == 1 {
            h.update(&p);
        } else {
            h.update(&c);
        }
        if i % 3 != 0 {
            h.update(&s);
        }
        if i % 7 != 0 {
            h.update(&p);
        }
        if i % 2 == 1 {
            h.update(&c);
        } else {
            h.update(&p);
        }
        c = h.finalize().to_vec();
    }
    c
}

/// `$6$[rounds=N$]salt$hash`.
pub(crate) fn sha512_crypt(pw: &[u8], salt: &str, rounds: u32) -> String {
    let c = sha_crypt_raw::<sha2::Sha512>(pw, salt.as_bytes(), rounds);
    let mut out = header("6", salt, rounds);
    let mut k = 0;
    for _ in 0..21 {
        let (x, y, z) = (k, (k + 21) % 63, (k + 42) % 63);
        b64_from_24bit(&mut out, c[x], c[y], c[z], 4);
        k = (k + 22) % 63;
    }
    b64_from_24bit(&mut out, 0, 0, c[63], 2);
    out
}

/// `$5$[rounds=N$]salt$hash`.
pub(crate) fn sha256_crypt(pw: &[u8], salt: &str, rounds: u32) -> String {
    let c = sha_crypt_raw::<sha2::Sha256>(pw, salt.as_bytes(), rounds);
    let mut out = header("5", salt, rounds);
    let mut k = 0;
    for _ in 0..10 {
        let (x, y, z) = (k, (k + 10) % 30, (k + 20) % 30);
        b64_from_24bit(&mut out, c[x], c[y], c[z], 4);
        k = (k + 21) % 30;
    }
    b64_from_24bit(&mut out, 0, c[31], c[30], 3);
    out
}

fn header(id: &str, salt: &str, rounds: u32) -> String {
    if rounds == 5000 {
        format!("${id}${salt}$")
    } else {
        format!("${id}$rounds={rounds}${salt}$")
    }
}

/// `$1$salt$hash` (FreeBSD MD5 crypt).
pub(crate) fn md5_crypt(pw: &[u8], salt: &str) -> String {
    let salt_b = salt.as_bytes();
    let alt = digest::<md5::Md5>(&[pw, salt_b, pw]);
    let mut ctx = md5::Md5::new();
    ctx.update(pw);
    ctx.update(b"$1$");
    ctx.update(salt_b);
    let mut pl = pw.len();
    while pl > 0 {
        let n = pl.min(16);
        ctx.update(&alt[..n]);
        pl -= n;
    }
    let mut i = pw.len();
    while i > 0 {
        if i & 1 == 1 {
            ctx.update([0u8]);
        } else {
            ctx.update(&pw[..1]);
        }
        i >>= 1;
    }
    let mut fin = ctx.finalize().to_vec();
    for i in 0..1000 {
        let mut h = md5::Md5::new();
        if i % 2 == 1 {
            h.update(pw);
        } else {
            h.update(&fin);
        }
        if i % 3 != 0 {
            h.update(salt_b);
        }
        if i % 7 != 0 {
            h.update(pw);
        }
        if i % 2 == 1 {
            h.update(&fin);
        } else {
            h.update(pw);
        }
        fin = h.finalize().to_vec();
    }
    let mut out = format!("$1${salt}$");
    for (a, b, c) in [(0, 6, 12), (1, 7, 13), (2, 8, 14), (3, 9, 15), (4, 10, 5)] {
        b64_from_24bit(&mut out, fin[a], fin[b], fin[c], 4);
    }
    b64_from_24bit(&mut out, 0, 0, fin[11], 2);
    out
}

/// A random salt from passlib's alphabet.
fn random_salt(len: usize) -> String {
    let mut buf = vec![0u8; len];
    let _ = getrandom::fill(&mut buf);
    buf.iter()
        .map(|b| char::from(ITOA64[usize::from(b & 63)]))
        .collect()
}

fn password_hash(value: Jv, args: &mut Args) -> Result<Jv, Error> {
    let hashtype = args.string(0, "hashtype", "sha512");
    let salt = args
        .opt(1, "salt")
        .filter(|s| s.is_true())
        .map(|s| py_str(&s));
    let salt_size = args.opt(2, "salt_size");
    let rounds = args.opt(3, "rounds").filter(|r| r.is_true());
    let _ident = args.opt(4, "ident");
    let algorithm = match hashtype.as_str() {
        "md5" | "md5_crypt" => "md5_crypt",
        "sha256" | "sha256_crypt" => "sha256_crypt",
        "sha512" | "sha512_crypt" => "sha512_crypt",
        "blowfish" | "bcrypt" => {
            return Err(args.fail("mitorun does not implement the 'bcrypt' algorithm"));
        }
        other => {
            return Err(args.fail(format!(
                "{other} is not in the list of supported passlib algorithms: md5, blowfish, \
                 sha256, sha512"
            )));
        }
    };
    let (max_salt, default_rounds) = match algorithm {
        "md5_crypt" => (8, 0),
        "sha256_crypt" => (16, 535_000),
        _ => (16, 656_000),
    };
    let could_not = || args.fail("Could not hash the secret.");
    let salt = match salt {
        Some(s) => {
            if s.len() > max_salt || !s.bytes().all(|b| ITOA64.contains(&b)) {
                return Err(could_not());
            }
            s
        }
        None => {
            let size = match salt_size {
                Some(n) => match Num::of(&n) {
                    Some(Num::Int(n)) if (0..=max_salt as i128).contains(&n) => n as usize,
                    Some(Num::Int(_)) => return Err(could_not()),
                    _ => return Err(args.fail("salt_size must be an integer")),
                },
                None => max_salt,
            };
            random_salt(size)
        }
    };
    let rounds = match rounds {
        Some(r) => match Num::of(&r) {
            Some(Num::Int(r)) if (1000..=999_999_999).contains(&r) => r as u32,
            _ => return Err(could_not()),
        },
        None => default_rounds,
    };
    let pw = py_str(&value);
    Ok(Jv::from(match algorithm {
        "md5_crypt" => md5_crypt(pw.as_bytes(), &salt),
        "sha256_crypt" => sha256_crypt(pw.as_bytes(), &salt, rounds),
        _ => sha512_crypt(pw.as_bytes(), &salt, rounds),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Expected values printed by CPython 3.11's `crypt.crypt` (glibc) for
    /// the same password, salt and rounds.
    #[test]
    fn matches_glibc_crypt() {
        assert_eq!(
            sha512_crypt(b"password", "saltsalt", 5000),
            "$6$saltsalt$qFmFH.bQmmtXzyBY0s9v7Oicd2z4XSIecDzlB5KiA2/jctKu9YterLp8wwnSq.qc.\
             eoxqOmSuNp2xS0ktL3nh/"
        );
        assert_eq!(
            sha256_crypt(b"password", "saltsalt", 535_000),
            "$5$rounds=535000$saltsalt$afPgsNYaxnjNbWo2MAQX7Gd7BM4FWjGxMJv4Ph8TVr9"
        );
        assert_eq!(
            md5_crypt(b"password", "saltsalt"),
            "$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/"
        );
    }
}
