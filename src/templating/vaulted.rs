//! Plaintext of `!vault` values that still knows it was encrypted.
//!
//! ansible decrypts a vaulted variable lazily into an `EncryptedString`,
//! which behaves as its plaintext everywhere but answers `is
//! vault_encrypted`. A minijinja string has no room for that mark, so the
//! plaintext of each ciphertext is made once per process, as one shared
//! string, and the mark is that string's identity: a value whose text is
//! that very allocation came from the vault.

use crate::vault::{Vault, VaultError};
use minijinja::value::Value as Jv;
use minijinja::{Error, ErrorKind};
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

#[derive(Default)]
struct Plaintexts {
    /// ciphertext → its plaintext value (kept alive so its address is
    /// never reused by another string).
    by_ciphertext: HashMap<String, Jv>,
    /// Addresses of those plaintexts' text → their ciphertext.
    addresses: HashMap<usize, String>,
}

static PLAINTEXTS: LazyLock<Mutex<Plaintexts>> = LazyLock::new(Mutex::default);

/// The plaintext of `ciphertext` as a template value marked as decrypted.
pub fn decrypt(vault: &Vault, ciphertext: &str) -> Result<Jv, VaultError> {
    // Always through `vault`, so only its secrets open the value (its key
    // cache makes a repeated decryption cheap).
    let plain = vault.decrypt_to_string(ciphertext, "")?;
    Ok(marked_plaintext(plain, ciphertext))
}

/// `plain` as a template value marked as the plaintext of `ciphertext`.
pub fn marked_plaintext(plain: String, ciphertext: &str) -> Jv {
    let Ok(mut known) = PLAINTEXTS.lock() else {
        return Jv::from(plain);
    };
    if let Some(value) = known.by_ciphertext.get(ciphertext)
        && value.as_str() == Some(plain.as_str())
    {
        return value.clone();
    }
    // An `Arc<str>` value keeps its allocation through clones (short text
    // given as `&str` would be stored inline and copied).
    let value = Jv::from(Arc::<str>::from(plain));
    if let Some(address) = text_address(&value) {
        known.addresses.insert(address, ciphertext.to_string());
    }
    known
        .by_ciphertext
        .insert(ciphertext.to_string(), value.clone());
    value
}

/// Was `value` decrypted from a vault (and not derived from it)?
pub fn is_decrypted(value: &Jv) -> bool {
    text_address(value).is_some_and(|address| {
        PLAINTEXTS
            .lock()
            .is_ok_and(|known| known.addresses.contains_key(&address))
    })
}

/// The ciphertext behind `value`: a plaintext decrypted from a vault, or
/// a vaulted value the run's secrets could not open (see [`undecryptable`]).
pub fn ciphertext_of(value: &Jv) -> Option<String> {
    if let Some(sealed) = super::bridge::with_invalid_error(value, sealed_ciphertext) {
        return sealed;
    }
    let address = text_address(value)?;
    PLAINTEXTS.lock().ok()?.addresses.get(&address).cloned()
}

/// The ciphertext of the undecryptable value whose use raised `error`.
pub fn sealed_ciphertext(error: &Error) -> Option<String> {
    let mut cause = std::error::Error::source(error);
    while let Some(err) = cause {
        if let Some(sealed) = err.downcast_ref::<Sealed>() {
            return Some(sealed.ciphertext.clone());
        }
        cause = err.source();
    }
    None
}

/// How the message of an undecryptable value's error starts (after the
/// render error prefix).
pub const UNDECRYPTABLE: &str = "Attempt to use undecryptable variable: ";

/// A vaulted value the run's secrets cannot open: any use of it fails
/// with `message`, as ansible's undecryptable marker does, but the
/// `unvault` filter can still open it with a secret of its own.
pub fn undecryptable(message: String, ciphertext: &str) -> Jv {
    let sealed = Sealed {
        ciphertext: ciphertext.to_string(),
    };
    Jv::from(Error::new(ErrorKind::InvalidOperation, message).with_source(sealed))
}

/// The ciphertext an undecryptable value keeps (as its error's source).
#[derive(Debug)]
struct Sealed {
    ciphertext: String,
}

impl std::fmt::Display for Sealed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("vault-encrypted value")
    }
}

impl std::error::Error for Sealed {}

fn text_address(value: &Jv) -> Option<usize> {
    value.as_str().map(|text| text.as_ptr() as usize)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vault::VaultSecret;

    #[test]
    fn decrypted_values_are_marked_and_copies_of_their_text_are_not() {
        let secret = VaultSecret::new("default", b"pw".to_vec());
        let vault = Vault::new(vec![secret]);
        let ciphertext = crate::vault::encrypt(b"hi", b"pw", None).expect("encrypt");
        let value = decrypt(&vault, &ciphertext).expect("decrypt");
        assert_eq!(value.as_str(), Some("hi"));
        assert!(is_decrypted(&value));
        assert!(is_decrypted(&value.clone()));
        assert!(!is_decrypted(&Jv::from("hi")));
        assert!(!is_decrypted(&Jv::from(Arc::<str>::from("hi"))));
        let again = decrypt(&vault, &ciphertext).expect("decrypt");
        assert!(is_decrypted(&again));
        assert!(decrypt(&Vault::new(Vec::new()), &ciphertext).is_err());
        assert_eq!(ciphertext_of(&value), Some(ciphertext.clone()));
        assert_eq!(ciphertext_of(&Jv::from("hi")), None);
        let sealed = undecryptable("no secrets".into(), &ciphertext);
        assert_eq!(ciphertext_of(&sealed), Some(ciphertext));
    }
}
