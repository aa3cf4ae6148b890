//! Ansible Vault: reading and writing `$ANSIBLE_VAULT` data exactly as
//! ansible-core 2.19 does, and collecting the vault secrets of a run.
//!
//! - [`format`](mod@format): the envelope (`$ANSIBLE_VAULT;1.1;AES256` /
//!   `$ANSIBLE_VAULT;1.2;AES256;LABEL` + hex lines) and the payload inside
//!   it (salt, HMAC, ciphertext).
//! - [`crypto`]: the `AES256` cipher (PBKDF2-SHA256 → AES-256-CTR +
//!   HMAC-SHA256, PKCS#7).
//! - [`secrets`]: [`VaultSecret`] and [`SecretOptions::load`] /
//!   [`load_secrets`] for `--vault-id`, `--vault-password-file`,
//!   `--ask-vault-pass`.
//! - here: [`Vault`], which holds the secrets and decrypts (trying them as
//!   ansible does), [`encrypt`] / [`encrypt_with_salt`], and [`VaultError`]
//!   with ansible's messages.

pub mod crypto;
pub mod format;
pub mod secrets;

#[cfg(test)]
mod tests;

pub use format::{file_is_encrypted, is_encrypted, parse_envelope, parse_payload};
pub use secrets::{
    DEFAULT_IDENTITY, PromptFn, SecretOptions, VaultSecret, load_secrets, split_vault_id,
};

use crate::value::{Value, python_str_repr};
use std::collections::HashMap;
use std::sync::Mutex;

/// A vault failure, worded as ansible words it (`Display` is the exact
/// text ansible prints after `[ERROR]: `, causes included).
///
/// Decryption errors carry the origin of the vaulted text (a file path,
/// or `file:line:col` of a `!vault` value) when the caller gave one; ansible
/// shows it on an `Origin: ...` line (ansible-playbook) or appends
/// ` for FILE` (ansible-vault). See [`VaultError::origin`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
pub enum VaultError {
    // --- decrypting ------------------------------------------------------
    #[error("Input is not vault encrypted data.")]
    NotEncrypted { origin: Option<String> },
    /// The header has fewer than three `;`-separated fields.
    #[error("Vault envelope format error: {detail}")]
    EnvelopeFormat {
        detail: String,
        origin: Option<String>,
    },
    /// The body, salt, HMAC or ciphertext is not hex.
    #[error("Vault format unhexlify error: {detail}")]
    UnhexlifyFormat {
        detail: &'static str,
        origin: Option<String>,
    },
    /// The decoded body does not hold salt, HMAC and ciphertext.
    #[error("Vault vaulttext format error: {detail}")]
    VaulttextFormat {
        detail: String,
        origin: Option<String>,
    },
    #[error("Cipher {} could not be found.", python_str_repr(.name))]
    UnknownCipher {
        name: String,
        origin: Option<String>,
    },
    /// A vaulted password file met before any secret was loaded.
    #[error("A vault password must be specified to decrypt data.")]
    NoVaultPassword { origin: Option<String> },
    #[error("Attempting to decrypt but no vault secrets found.")]
    NoSecrets { origin: Option<String> },
    #[error("Decryption failed (no vault secrets were found that could decrypt).")]
    DecryptionFailed { origin: Option<String> },
    /// The HMAC matched but the plaintext is not PKCS#7-padded (only a
    /// forged envelope can do that). ansible does not catch this one: the
    /// remaining secrets are not tried, ansible-vault reports "Unexpected
    /// Exception, this is probably a bug: Invalid padding bytes." (exit 250)
    /// and a `!vault` value in a play is "undecryptable".
    #[error("Invalid padding bytes.")]
    InvalidPadding { origin: Option<String> },

    // --- encrypting ------------------------------------------------------
    #[error("input is already encrypted")]
    AlreadyEncrypted,
    #[error("Empty or invalid salt passed to encrypt()")]
    EmptySalt,
    #[error("A vault password must be specified to encrypt data")]
    NoEncryptSecret,
    #[error(
        "Did not find a match for --encrypt-vault-id={vault_id} in the known vault-ids {}",
        python_list_repr(.known)
    )]
    NoEncryptIdMatch {
        vault_id: String,
        known: Vec<String>,
    },
    /// The operating system's random source failed (not an ansible text).
    #[error("Unable to get random bytes for the vault salt: {detail}")]
    Random { detail: String },

    // --- reading secrets -------------------------------------------------
    #[error("The vault password file {path} was not found")]
    PasswordFileNotFound { path: String },
    #[error("The vault password file provided '{path}' can not be a directory")]
    PasswordFileIsDirectory { path: String },
    #[error("Could not read vault password file {}: {detail}", python_str_repr(.path))]
    PasswordFileUnreadable { path: String, detail: String },
    #[error("Invalid vault password was provided from file ({path})")]
    EmptyPasswordFile { path: String },
    #[error("Invalid vault password was provided from script ({path})")]
    EmptyPasswordScript { path: String },
    #[error(
        "Problem running vault password {}script {path} ({detail}). If this is not a script, remove the executable bit from the file.",
        if *.client { "client " } else { "" }
    )]
    ScriptNotRunnable {
        path: String,
        detail: String,
        client: bool,
    },
    /// A plain script's stderr is not captured: ansible prints `None`.
    #[error("Vault password script {path} returned non-zero ({code}): None")]
    ScriptFailed { path: String, code: i32 },
    /// Exit code 2 of a `*-client` script. `stderr` is Python's bytes repr.
    #[error(
        "Vault password client script {path} did not find a secret for vault-id={vault_id}: {stderr}"
    )]
    ClientScriptUnknownId {
        path: String,
        vault_id: String,
        stderr: String,
    },
    #[error(
        "Vault password client script {path} returned non-zero ({code}) when getting secret for vault-id={vault_id}: {stderr}"
    )]
    ClientScriptFailed {
        path: String,
        code: i32,
        vault_id: String,
        stderr: String,
    },
    #[error("EOFError (ctrl-d) on prompt for ({vault_id})")]
    PromptEof { vault_id: String },
    /// Any other failure of the prompt (not an ansible text).
    #[error("{detail}")]
    Prompt { detail: String },
    #[error("Invalid vault password was provided")]
    EmptyPassword,
    #[error("Passwords do not match")]
    PasswordsDoNotMatch,
}

impl VaultError {
    /// Where the undecryptable text came from, when known.
    pub fn origin(&self) -> Option<&str> {
        match self {
            VaultError::NotEncrypted { origin }
            | VaultError::EnvelopeFormat { origin, .. }
            | VaultError::UnhexlifyFormat { origin, .. }
            | VaultError::VaulttextFormat { origin, .. }
            | VaultError::UnknownCipher { origin, .. }
            | VaultError::NoVaultPassword { origin }
            | VaultError::NoSecrets { origin }
            | VaultError::DecryptionFailed { origin }
            | VaultError::InvalidPadding { origin } => origin.as_deref(),
            _ => None,
        }
    }

    /// The same error, attributed to `origin` (ignored when empty, and by
    /// errors that are not about vaulted text).
    pub fn with_origin(mut self, new: &str) -> VaultError {
        match &mut self {
            VaultError::NotEncrypted { origin }
            | VaultError::EnvelopeFormat { origin, .. }
            | VaultError::UnhexlifyFormat { origin, .. }
            | VaultError::VaulttextFormat { origin, .. }
            | VaultError::UnknownCipher { origin, .. }
            | VaultError::NoVaultPassword { origin }
            | VaultError::NoSecrets { origin }
            | VaultError::DecryptionFailed { origin }
            | VaultError::InvalidPadding { origin } => {
                *origin = (!new.is_empty()).then(|| new.to_string());
            }
            _ => {}
        }
        self
    }

    /// Whether ansible reports this as a malformed vault (these stop the
    /// search for a working secret) rather than a wrong password.
    pub fn is_format_error(&self) -> bool {
        matches!(
            self,
            VaultError::EnvelopeFormat { .. }
                | VaultError::UnhexlifyFormat { .. }
                | VaultError::VaulttextFormat { .. }
        )
    }
}

fn python_list_repr(items: &[String]) -> String {
    let inner: Vec<String> = items.iter().map(|s| python_str_repr(s)).collect();
    format!("[{}]", inner.join(", "))
}

/// Encrypt `plaintext` with `secret` (a fresh random 32-byte salt), in
/// ansible-vault's layout: `1.2` with the label when `vault_id` is given and
/// is not `default`, `1.1` otherwise.
pub fn encrypt(
    plaintext: &[u8],
    secret: &[u8],
    vault_id: Option<&str>,
) -> Result<String, VaultError> {
    let mut salt = [0u8; 32];
    getrandom::fill(&mut salt).map_err(|e| VaultError::Random {
        detail: e.to_string(),
    })?;
    encrypt_with_salt(plaintext, secret, vault_id, &salt)
}

/// [`encrypt`] with a chosen salt (the `vault` filter's `salt=`, or
/// `VAULT_ENCRYPT_SALT`): any non-empty bytes, used as given. Equal inputs
/// give byte-identical output to ansible's.
pub fn encrypt_with_salt(
    plaintext: &[u8],
    secret: &[u8],
    vault_id: Option<&str>,
    salt: &[u8],
) -> Result<String, VaultError> {
    if is_encrypted(plaintext) {
        return Err(VaultError::AlreadyEncrypted);
    }
    if salt.is_empty() {
        return Err(VaultError::EmptySalt);
    }
    let keys = crypto::derive_keys(secret, salt);
    let (hmac, ciphertext) = crypto::encrypt(&keys, plaintext);
    let mut inner = format::hexlify(salt);
    inner.push(b'\n');
    inner.extend(format::hexlify(&hmac));
    inner.push(b'\n');
    inner.extend(format::hexlify(&ciphertext));
    Ok(format::format_envelope(&format::hexlify(&inner), vault_id))
}

/// ansible's `to_text` of decrypted bytes: UTF-8, where each byte that is
/// not part of valid UTF-8 stands for one character. (Python keeps such a
/// byte as a lone surrogate, which Rust strings cannot hold; we use U+FFFD,
/// one per byte, so lengths agree. ansible prints those as `?` anyway.)
pub fn plaintext_to_string(bytes: Vec<u8>) -> String {
    match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let bytes = e.into_bytes();
            let mut out = String::with_capacity(bytes.len() + 8);
            let mut rest = bytes.as_slice();
            loop {
                match std::str::from_utf8(rest) {
                    Ok(valid) => {
                        out.push_str(valid);
                        break;
                    }
                    Err(e) => {
                        let (valid, after) = rest.split_at(e.valid_up_to());
                        out.push_str(std::str::from_utf8(valid).unwrap_or_default());
                        let bad = e.error_len().unwrap_or(after.len());
                        for _ in 0..bad {
                            out.push(char::REPLACEMENT_CHARACTER);
                        }
                        rest = &after[bad..];
                    }
                }
            }
            out
        }
    }
}

type KeyCache = HashMap<(Vec<u8>, Vec<u8>), crypto::DerivedKeys>;

/// The secrets of a run and the rules to apply them, ready to decrypt.
pub struct Vault {
    secrets: Vec<VaultSecret>,
    id_match: bool,
    default_identity: String,
    /// Key derivation is deliberately slow; like ansible we remember it per
    /// (password, salt), so a value used on many hosts is derived once.
    keys: Mutex<KeyCache>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("secrets", &self.secrets)
            .field("id_match", &self.id_match)
            .field("default_identity", &self.default_identity)
            .finish_non_exhaustive()
    }
}

impl Vault {
    pub fn new(secrets: Vec<VaultSecret>) -> Vault {
        Vault {
            secrets,
            id_match: false,
            default_identity: DEFAULT_IDENTITY.to_string(),
            keys: Mutex::new(HashMap::new()),
        }
    }

    /// `DEFAULT_VAULT_ID_MATCH`: only secrets whose label is the envelope's
    /// label are tried (see [`id_match_setting`] for reading the setting).
    pub fn with_id_match(mut self, id_match: bool) -> Vault {
        self.id_match = id_match;
        self
    }

    /// `DEFAULT_VAULT_IDENTITY`: the label a 1.1 envelope is taken to have.
    pub fn with_default_identity(mut self, identity: impl Into<String>) -> Vault {
        self.default_identity = identity.into();
        self
    }

    pub fn secrets(&self) -> &[VaultSecret] {
        &self.secrets
    }

    /// Decrypt vaulted text. `origin` names it in errors ("" if unknown).
    pub fn decrypt(&self, text: &str, origin: &str) -> Result<Vec<u8>, VaultError> {
        self.decrypt_bytes(text.as_bytes(), origin)
    }

    /// [`Vault::decrypt`] for raw file content.
    pub fn decrypt_bytes(&self, data: &[u8], origin: &str) -> Result<Vec<u8>, VaultError> {
        self.decrypt_and_get_secret(data, origin)
            .map(|(plain, _)| plain)
    }

    /// [`Vault::decrypt`], as text (see [`plaintext_to_string`]).
    pub fn decrypt_to_string(&self, text: &str, origin: &str) -> Result<String, VaultError> {
        self.decrypt(text, origin).map(plaintext_to_string)
    }

    /// Decrypt and tell which secret worked.
    ///
    /// Checks in ansible's order: vaulted at all, header, cipher, any
    /// secrets. Then the candidate secrets are tried in the order they were
    /// loaded — all of them, or with id matching only those labelled like
    /// the envelope (a 1.1 envelope counts as the default identity). A wrong
    /// password moves on to the next secret; a malformed payload stops at
    /// the first attempt.
    pub fn decrypt_and_get_secret(
        &self,
        data: &[u8],
        origin: &str,
    ) -> Result<(Vec<u8>, &VaultSecret), VaultError> {
        self.try_decrypt(data).map_err(|e| e.with_origin(origin))
    }

    fn try_decrypt(&self, data: &[u8]) -> Result<(Vec<u8>, &VaultSecret), VaultError> {
        if !is_encrypted(data) {
            return Err(VaultError::NotEncrypted { origin: None });
        }
        let envelope = parse_envelope(data)?;
        if envelope.cipher != format::CIPHER_AES256 {
            return Err(VaultError::UnknownCipher {
                name: envelope.cipher,
                origin: None,
            });
        }
        if self.secrets.is_empty() {
            return Err(VaultError::NoSecrets { origin: None });
        }
        let envelope_id = envelope
            .vault_id
            .unwrap_or_else(|| self.default_identity.clone());
        let mut payload: Option<format::Payload> = None;
        // ansible lists the envelope's label (when not empty), plus without id
        // matching every other label, then keeps the secrets (in their own
        // order) whose label is listed.
        let candidates = self.secrets.iter().filter(|s| {
            let labelled_like_envelope = !envelope_id.is_empty() && s.label == envelope_id;
            labelled_like_envelope || (!self.id_match && s.label != envelope_id)
        });
        for secret in candidates {
            let payload = match &payload {
                Some(p) => p,
                None => payload.insert(parse_payload(&envelope.body)?),
            };
            let keys = self.keys_for(&secret.bytes, &payload.salt);
            let expected = format::unhexlify(&payload.hmac_hex)?;
            match crypto::decrypt(&keys, &expected, &payload.ciphertext) {
                Ok(plain) => return Ok((plain, secret)),
                Err(crypto::DecryptFailure::BadHmac) => continue,
                Err(crypto::DecryptFailure::BadPadding) => {
                    return Err(VaultError::InvalidPadding { origin: None });
                }
            }
        }
        Err(VaultError::DecryptionFailed { origin: None })
    }

    fn keys_for(&self, password: &[u8], salt: &[u8]) -> crypto::DerivedKeys {
        let key = (password.to_vec(), salt.to_vec());
        if let Ok(cache) = self.keys.lock()
            && let Some(keys) = cache.get(&key)
        {
            return keys.clone();
        }
        let keys = crypto::derive_keys(password, salt);
        if let Ok(mut cache) = self.keys.lock() {
            cache.insert(key, keys.clone());
        }
        keys
    }

    /// `Value::Vault` ciphertext becomes `Value::Str` plaintext, inside
    /// lists and maps too; everything else is returned as it was.
    pub fn decrypt_value(&self, value: &Value) -> Result<Value, VaultError> {
        Ok(match value {
            Value::Vault(ciphertext) => Value::Str(self.decrypt_to_string(ciphertext, "")?),
            Value::List(items) => Value::List(
                items
                    .iter()
                    .map(|v| self.decrypt_value(v))
                    .collect::<Result<_, _>>()?,
            ),
            Value::Map(map) => Value::Map(
                map.iter()
                    .map(|(k, v)| Ok((k.clone(), self.decrypt_value(v)?)))
                    .collect::<Result<_, VaultError>>()?,
            ),
            other => other.clone(),
        })
    }

    /// The secret ansible-vault encrypts with: the first one, or with
    /// `--encrypt-vault-id` the first with that label.
    pub fn encrypt_secret(
        &self,
        encrypt_vault_id: Option<&str>,
    ) -> Result<&VaultSecret, VaultError> {
        match encrypt_vault_id.filter(|id| !id.is_empty()) {
            Some(id) => self.secrets.iter().find(|s| s.label == id).ok_or_else(|| {
                VaultError::NoEncryptIdMatch {
                    vault_id: id.to_string(),
                    known: self.secrets.iter().map(|s| s.label.clone()).collect(),
                }
            }),
            None => self.secrets.first().ok_or(VaultError::NoEncryptSecret),
        }
    }
}

/// `DEFAULT_VAULT_ID_MATCH` as ansible reads it: the setting has no type,
/// so any non-empty text — even `False` or `0` — turns matching on.
pub fn id_match_setting(raw: Option<&str>) -> bool {
    raw.is_some_and(|text| !text.is_empty())
}
