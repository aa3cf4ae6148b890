//! The text layout of vaulted data: the `$ANSIBLE_VAULT;…` envelope and the
//! hex payload inside it.
//!
//! An envelope is a header line followed by hex lines:
//!
//! ```text
//! $ANSIBLE_VAULT;1.1;AES256            (1.1: no label)
//! $ANSIBLE_VAULT;1.2;AES256;LABEL      (1.2: the vault-id label)
//! 6139…                                (hex, 80 columns when we write it)
//! ```
//!
//! The hex lines are concatenated (line breaks dropped, nothing else) and
//! decoded; the result is itself three newline-separated fields: the salt
//! in hex, the HMAC in hex and the ciphertext in hex.
//!
//! Parsing is lenient exactly where ansible is (any line width, `\r\n` or
//! `\r` line ends, spaces around header fields, any version string,
//! upper-case hex) and strict where it is (no whitespace inside hex lines,
//! nothing but ASCII anywhere).

use super::VaultError;

/// The first bytes of every vaulted text.
pub const HEADER: &str = "$ANSIBLE_VAULT";

/// The only cipher ansible knows.
pub const CIPHER_AES256: &str = "AES256";

/// Width of the hex lines ansible-vault writes.
const LINE_WIDTH: usize = 80;

/// Whether `data` is vaulted text: pure ASCII that starts with
/// `$ANSIBLE_VAULT` (no leading whitespace allowed).
pub fn is_encrypted(data: impl AsRef<[u8]>) -> bool {
    let data = data.as_ref();
    data.is_ascii() && data.starts_with(HEADER.as_bytes())
}

/// Whether the file at `path` starts like vaulted text (only its first
/// bytes are read: the file may be large).
pub fn file_is_encrypted(path: &std::path::Path) -> std::io::Result<bool> {
    use std::io::Read;
    let mut head = Vec::with_capacity(HEADER.len());
    std::fs::File::open(path)?
        .take(HEADER.len() as u64)
        .read_to_end(&mut head)?;
    Ok(is_encrypted(&head))
}

/// The parsed header and the still-hex body of an envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// `1.1` or `1.2` in practice; any text is accepted.
    pub version: String,
    /// The cipher name, e.g. `AES256` (checked by the caller).
    pub cipher: String,
    /// The label of a 1.2 envelope (the 4th header field, trimmed; may be
    /// empty). `None` when the header has fewer than four fields.
    pub vault_id: Option<String>,
    /// The hex lines joined together.
    pub body: Vec<u8>,
}

/// The three fields inside an envelope's body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payload {
    pub salt: Vec<u8>,
    /// The HMAC as found (hex): it is decoded only when a secret is tried.
    pub hmac_hex: Vec<u8>,
    pub ciphertext: Vec<u8>,
}

/// Split `data` into header fields and body.
///
/// Errors as ansible's `parse_vaulttext_envelope`: a header with fewer than
/// three `;`-separated fields is an envelope format error.
pub fn parse_envelope(data: &[u8]) -> Result<Envelope, VaultError> {
    let mut lines = split_lines(data).into_iter();
    let Some(first) = lines.next() else {
        return Err(envelope_error());
    };
    let fields: Vec<&[u8]> = trim_ascii_ws(first).split(|&b| b == b';').collect();
    if fields.len() < 3 {
        return Err(envelope_error());
    }
    let text = |field: &[u8]| String::from_utf8_lossy(trim_ascii_ws(field)).into_owned();
    let version = text(fields[1]);
    let cipher = text(fields[2]);
    let vault_id = fields.get(3).map(|f| text(f));
    let body = lines.flatten().copied().collect();
    Ok(Envelope {
        version,
        cipher,
        vault_id,
        body,
    })
}

fn envelope_error() -> VaultError {
    VaultError::EnvelopeFormat {
        detail: "list index out of range".into(),
        origin: None,
    }
}

/// Decode an envelope body into salt, HMAC (hex) and ciphertext.
///
/// Errors, in ansible's order: the body is not hex; it does not hold three
/// newline-separated fields; the salt is not hex; the ciphertext is not hex.
pub fn parse_payload(body: &[u8]) -> Result<Payload, VaultError> {
    let inner = unhexlify(body)?;
    let mut parts = inner.splitn(3, |&b| b == b'\n');
    let (Some(salt), Some(hmac), Some(ciphertext)) = (parts.next(), parts.next(), parts.next())
    else {
        let got = inner.splitn(3, |&b| b == b'\n').count();
        return Err(VaultError::VaulttextFormat {
            detail: format!("not enough values to unpack (expected 3, got {got})"),
            origin: None,
        });
    };
    let salt = unhexlify(salt)?;
    let ciphertext = unhexlify(ciphertext)?;
    Ok(Payload {
        salt,
        hmac_hex: hmac.to_vec(),
        ciphertext,
    })
}

/// The armoured text ansible-vault writes: header (`1.2` with the label
/// when `vault_id` is set and not `default`, else `1.1`), the hex body in
/// 80-column lines, and a final newline.
pub fn format_envelope(hex_body: &[u8], vault_id: Option<&str>) -> String {
    let mut out = String::with_capacity(hex_body.len() + hex_body.len() / LINE_WIDTH + 64);
    out.push_str(HEADER);
    match vault_id {
        Some(label) if !label.is_empty() && label != "default" => {
            out.push_str(";1.2;");
            out.push_str(CIPHER_AES256);
            out.push(';');
            out.push_str(label);
        }
        _ => {
            out.push_str(";1.1;");
            out.push_str(CIPHER_AES256);
        }
    }
    out.push('\n');
    for chunk in hex_body.chunks(LINE_WIDTH) {
        // The body is our own lower-case hex, hence ASCII.
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out
}

/// Lower-case hex, as Python's `binascii.hexlify`.
pub fn hexlify(data: &[u8]) -> Vec<u8> {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = Vec::with_capacity(data.len() * 2);
    for &b in data {
        out.push(DIGITS[usize::from(b >> 4)]);
        out.push(DIGITS[usize::from(b & 0x0f)]);
    }
    out
}

/// Python's `binascii.unhexlify`: the length is checked before the digits,
/// both cases are accepted, nothing else is.
pub fn unhexlify(hex: &[u8]) -> Result<Vec<u8>, VaultError> {
    let error = |detail: &'static str| VaultError::UnhexlifyFormat {
        detail,
        origin: None,
    };
    if !hex.len().is_multiple_of(2) {
        return Err(error("Odd-length string"));
    }
    hex.chunks_exact(2)
        .map(|pair| match (hex_digit(pair[0]), hex_digit(pair[1])) {
            (Some(hi), Some(lo)) => Ok(hi << 4 | lo),
            _ => Err(error("Non-hexadecimal digit found")),
        })
        .collect()
}

fn hex_digit(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Python's `bytes.splitlines()`: breaks at `\n`, `\r\n` and `\r`; no empty
/// last line for a trailing break.
pub(crate) fn split_lines(data: &[u8]) -> Vec<&[u8]> {
    let mut lines = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < data.len() {
        match data[i] {
            b'\n' => {
                lines.push(&data[start..i]);
                i += 1;
                start = i;
            }
            b'\r' => {
                lines.push(&data[start..i]);
                i += if data.get(i + 1) == Some(&b'\n') {
                    2
                } else {
                    1
                };
                start = i;
            }
            _ => i += 1,
        }
    }
    if start < data.len() {
        lines.push(&data[start..]);
    }
    lines
}

/// Python's `bytes.isspace` characters.
pub(crate) fn is_py_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// Python's `bytes.strip()`.
pub(crate) fn trim_ascii_ws(data: &[u8]) -> &[u8] {
    trim_with(data, is_py_space)
}

/// Python's `bytes.strip(chars)` with a predicate for the chars.
pub(crate) fn trim_with(data: &[u8], strip: impl Fn(u8) -> bool) -> &[u8] {
    let start = data.iter().position(|&b| !strip(b)).unwrap_or(data.len());
    let end = data
        .iter()
        .rposition(|&b| !strip(b))
        .map_or(start, |i| i + 1);
    &data[start..end]
}
