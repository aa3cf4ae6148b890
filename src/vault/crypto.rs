//! The `AES256` vault cipher: PBKDF2-HMAC-SHA256 (10000 rounds) derives
//! 80 bytes from the password and salt — an AES-256 key, an HMAC-SHA256 key
//! and a 16-byte initial counter block, in that order. The plaintext is
//! PKCS#7-padded to the AES block size and encrypted with AES-256 in CTR
//! mode (128-bit big-endian counter); the HMAC authenticates the ciphertext.

use aes::Aes256;
use ctr::Ctr128BE;
use ctr::cipher::{KeyIvInit, StreamCipher};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

const KDF_ROUNDS: u32 = 10_000;
const KEY_LEN: usize = 32;
const IV_LEN: usize = 16;
const BLOCK_LEN: usize = 16;

/// The key material for one (password, salt) pair.
#[derive(Clone, PartialEq, Eq)]
pub struct DerivedKeys {
    pub cipher_key: [u8; KEY_LEN],
    pub hmac_key: [u8; KEY_LEN],
    pub iv: [u8; IV_LEN],
}

impl std::fmt::Debug for DerivedKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DerivedKeys(..)")
    }
}

/// Why a payload did not decrypt with some keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecryptFailure {
    /// The HMAC does not match: wrong password (or tampered data).
    BadHmac,
    /// The HMAC matched but the plaintext is not PKCS#7-padded.
    BadPadding,
}

/// PBKDF2-HMAC-SHA256 of `password` and `salt`, split into the three keys.
pub fn derive_keys(password: &[u8], salt: &[u8]) -> DerivedKeys {
    let mut material = [0u8; 2 * KEY_LEN + IV_LEN];
    pbkdf2::pbkdf2_hmac::<Sha256>(password, salt, KDF_ROUNDS, &mut material);
    let mut keys = DerivedKeys {
        cipher_key: [0; KEY_LEN],
        hmac_key: [0; KEY_LEN],
        iv: [0; IV_LEN],
    };
    keys.cipher_key.copy_from_slice(&material[..KEY_LEN]);
    keys.hmac_key
        .copy_from_slice(&material[KEY_LEN..2 * KEY_LEN]);
    keys.iv.copy_from_slice(&material[2 * KEY_LEN..]);
    keys
}

/// HMAC-SHA256 of `data` under `key`.
fn mac(key: &[u8; KEY_LEN], data: &[u8]) -> [u8; 32] {
    // HMAC zero-pads keys shorter than the hash block (64 bytes): padding it
    // here gives the same MAC through the infallible fixed-size constructor.
    let mut block_key = [0u8; 64];
    block_key[..KEY_LEN].copy_from_slice(key);
    let mut mac = <Hmac<Sha256> as KeyInit>::new(&block_key.into());
    mac.update(data);
    let mut out = [0u8; 32];
    out.copy_from_slice(&mac.finalize().into_bytes());
    out
}

/// AES-256-CTR in place (encryption and decryption are the same).
fn apply_ctr(keys: &DerivedKeys, buf: &mut [u8]) {
    let mut cipher = Ctr128BE::<Aes256>::new((&keys.cipher_key).into(), (&keys.iv).into());
    // A 128-bit counter cannot run out on any input that fits in memory;
    // `try_` keeps that from ever being a panic path.
    let _ = cipher.try_apply_keystream(buf);
}

/// Pad, encrypt and authenticate: returns `(hmac, ciphertext)`.
pub fn encrypt(keys: &DerivedKeys, plaintext: &[u8]) -> ([u8; 32], Vec<u8>) {
    let pad = BLOCK_LEN - plaintext.len() % BLOCK_LEN;
    let mut buf = Vec::with_capacity(plaintext.len() + pad);
    buf.extend_from_slice(plaintext);
    // `pad` is 1..=16.
    buf.resize(plaintext.len() + pad, pad as u8);
    apply_ctr(keys, &mut buf);
    (mac(&keys.hmac_key, &buf), buf)
}

/// Check the HMAC in constant time, then decrypt and unpad.
pub fn decrypt(
    keys: &DerivedKeys,
    expected_hmac: &[u8],
    ciphertext: &[u8],
) -> Result<Vec<u8>, DecryptFailure> {
    let actual = mac(&keys.hmac_key, ciphertext);
    // Slices of different lengths compare unequal.
    if !bool::from(actual.as_slice().ct_eq(expected_hmac)) {
        return Err(DecryptFailure::BadHmac);
    }
    let mut buf = ciphertext.to_vec();
    apply_ctr(keys, &mut buf);
    let len = unpadded_len(&buf).ok_or(DecryptFailure::BadPadding)?;
    buf.truncate(len);
    Ok(buf)
}

/// PKCS#7 as the `cryptography` unpadder checks it: a whole number of
/// blocks (at least one), a last byte `n` in 1..=16 and `n` copies of it.
fn unpadded_len(buf: &[u8]) -> Option<usize> {
    if buf.is_empty() || !buf.len().is_multiple_of(BLOCK_LEN) {
        return None;
    }
    let n = usize::from(*buf.last()?);
    if n == 0 || n > BLOCK_LEN {
        return None;
    }
    let start = buf.len() - n;
    buf[start..]
        .iter()
        .all(|&b| usize::from(b) == n)
        .then_some(start)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkcs7_rules() {
        assert_eq!(unpadded_len(&[]), None);
        assert_eq!(unpadded_len(&[1; 15]), None);
        assert_eq!(unpadded_len(&[16; 16]), Some(0));
        assert_eq!(unpadded_len(&[0; 16]), None);
        assert_eq!(unpadded_len(&[17; 16]), None);
        let mut b = [7u8; 16];
        b[15] = 2;
        assert_eq!(unpadded_len(&b), None);
        b[14] = 2;
        assert_eq!(unpadded_len(&b), Some(14));
    }

    #[test]
    fn encrypt_then_decrypt() {
        let keys = derive_keys(b"pw", b"salt");
        for len in [0usize, 1, 15, 16, 17, 100] {
            let plain: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let (hmac, ct) = encrypt(&keys, &plain);
            assert_eq!(ct.len() % 16, 0);
            assert!(ct.len() > plain.len());
            assert_eq!(decrypt(&keys, &hmac, &ct), Ok(plain));
            assert_eq!(
                decrypt(&keys, &hmac[..31], &ct),
                Err(DecryptFailure::BadHmac)
            );
        }
    }
}
