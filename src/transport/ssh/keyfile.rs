//! Private key files: their public half without decrypting them, and the
//! unlocked key. Decrypting an OpenSSH key runs bcrypt (deliberately slow),
//! so it happens off the async workers and once per file and passphrase for
//! the whole run — twenty hosts sharing a key must not pay twenty times.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::SystemTime;

use russh::keys::{PrivateKey, PublicKey};

/// A file as it was when it was unlocked: a changed file is read again.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct FileVersion {
    path: PathBuf,
    modified: Option<SystemTime>,
    len: u64,
}

struct Unlocked {
    passphrase: Option<String>,
    key: Arc<PrivateKey>,
}

/// Held while decrypting, so concurrent connections wait for the first
/// decryption of a key instead of each running bcrypt.
fn cache() -> &'static tokio::sync::Mutex<HashMap<FileVersion, Unlocked>> {
    static CACHE: OnceLock<tokio::sync::Mutex<HashMap<FileVersion, Unlocked>>> = OnceLock::new();
    CACHE.get_or_init(|| tokio::sync::Mutex::new(HashMap::new()))
}

/// The public half of a key file: `FILE.pub`, else the clear-text public
/// part of an OpenSSH private key (encrypted or not).
pub fn public_key(file: &Path) -> Option<PublicKey> {
    let public_file = PathBuf::from(format!("{}.pub", file.display()));
    if let Ok(key) = russh::keys::load_public_key(&public_file) {
        return Some(key);
    }
    let text = std::fs::read_to_string(file).ok()?;
    PrivateKey::from_openssh(&text)
        .ok()
        .map(|k| k.public_key().clone())
}

/// The unlocked private key of `file`; Err says why it cannot be used.
pub async fn load_private_key(
    file: &Path,
    passphrase: Option<&str>,
) -> Result<Arc<PrivateKey>, String> {
    let metadata = std::fs::metadata(file).map_err(|e| format!("cannot be read: {e}"))?;
    let version = FileVersion {
        path: file.to_path_buf(),
        modified: metadata.modified().ok(),
        len: metadata.len(),
    };
    let mut cache = cache().lock().await;
    if let Some(hit) = cache.get(&version)
        && hit.passphrase.as_deref() == passphrase
    {
        return Ok(hit.key.clone());
    }
    let text = std::fs::read_to_string(file).map_err(|e| format!("cannot be read: {e}"))?;
    let owned_passphrase = passphrase.map(str::to_string);
    let for_worker = owned_passphrase.clone();
    let key = tokio::task::spawn_blocking(move || unlock_key(&text, for_worker.as_deref()))
        .await
        .map_err(|e| format!("could not be decrypted: {e}"))??;
    let key = Arc::new(key);
    cache.insert(
        version,
        Unlocked {
            passphrase: owned_passphrase,
            key: key.clone(),
        },
    );
    Ok(key)
}

/// Decodes a private key in any format russh reads, decrypting it with the
/// passphrase when it is encrypted. Err says why the key was skipped.
pub fn unlock_key(text: &str, passphrase: Option<&str>) -> Result<PrivateKey, String> {
    match russh::keys::decode_secret_key(text, passphrase) {
        Ok(key) => Ok(key),
        Err(russh::keys::Error::KeyIsEncrypted) => {
            Err("encrypted and no passphrase was given".to_string())
        }
        Err(e) if passphrase.is_some() && is_encrypted_openssh(text) => {
            Err(format!("wrong passphrase or unreadable key ({e})"))
        }
        Err(e) => Err(format!("cannot be read: {e}")),
    }
}

fn is_encrypted_openssh(text: &str) -> bool {
    PrivateKey::from_openssh(text).is_ok_and(|k| k.is_encrypted())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreadable_keys_say_why() {
        assert!(unlock_key("not a key", None).is_err());
        assert_eq!(public_key(Path::new("/nonexistent/key")), None);
    }
}
