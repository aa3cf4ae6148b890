//! Encoding filters: `quote`, `b64encode`/`b64decode`, `hash`, `checksum`,
//! `md5`, `sha1`, `to_uuid`.

use super::{Args, add, py_str};
use minijinja::value::{Value as Jv, ValueKind};
use minijinja::{Environment, Error};
use sha1::Digest;

pub(super) fn register(env: &mut Environment<'static>) {
    add(env, "quote", quote);
    add(env, "b64encode", b64encode);
    add(env, "b64decode", b64decode);
    add(env, "hash", hash);
    add(env, "checksum", sha1_filter);
    add(env, "sha1", sha1_filter);
    add(env, "md5", md5_filter);
    add(env, "to_uuid", to_uuid);
}

/// `shlex.quote`.
pub(crate) fn shell_quote(s: &str) -> String {
    if s.is_empty() {
        return "''".into();
    }
    let safe = s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_@%+=:,./-".contains(c));
    if safe {
        return s.to_string();
    }
    format!("'{}'", s.replace('\'', "'\"'\"'"))
}

fn quote(value: Jv, _args: &mut Args) -> Result<Jv, Error> {
    let text = if value.is_none() {
        String::new()
    } else {
        py_str(&value)
    };
    Ok(Jv::from(shell_quote(&text)))
}

/// Python's codec name normalisation, for the codecs we implement.
fn codec(name: &str) -> Option<&'static str> {
    let n = name.trim().to_ascii_lowercase().replace(['_', ' '], "-");
    Some(match n.as_str() {
        "utf-8" | "utf8" | "u8" | "utf" | "cp65001" => "utf-8",
        "utf-16" | "utf16" | "u16" => "utf-16",
        "utf-16-le" | "utf-16le" => "utf-16-le",
        "utf-16-be" | "utf-16be" => "utf-16-be",
        "utf-32" | "utf32" | "u32" => "utf-32",
        "utf-32-le" | "utf-32le" => "utf-32-le",
        "utf-32-be" | "utf-32be" => "utf-32-be",
        "latin-1" | "latin1" | "iso-8859-1" | "iso8859-1" | "8859" | "cp819" | "l1" | "latin" => {
            "latin-1"
        }
        "ascii" | "us-ascii" | "646" | "us" => "ascii",
        _ => return None,
    })
}

/// `text.encode(encoding)` (strict errors).
pub(super) fn encode(text: &str, encoding: &str) -> Result<Vec<u8>, String> {
    let Some(codec) = codec(encoding) else {
        return Err(format!("unknown encoding: {encoding}"));
    };
    let limit =
        |max: u32, name: &str| -> Result<Vec<u8>, String> {
            text.chars()
                .enumerate()
                .map(|(i, c)| {
                    u8::try_from(c as u32).ok().filter(|&b| u32::from(b) < max).ok_or_else(|| {
                    format!(
                        "'{name}' codec can't encode character {} in position {i}: ordinal not \
                         in range({max})",
                        char_escape(c)
                    )
                })
                })
                .collect()
        };
    let utf16 = |le: bool| -> Vec<u8> {
        text.encode_utf16()
            .flat_map(|u| if le { u.to_le_bytes() } else { u.to_be_bytes() })
            .collect()
    };
    let utf32 = |le: bool| -> Vec<u8> {
        text.chars()
            .flat_map(|c| {
                let u = c as u32;
                if le { u.to_le_bytes() } else { u.to_be_bytes() }
            })
            .collect()
    };
    Ok(match codec {
        "utf-8" => text.as_bytes().to_vec(),
        "utf-16" => [vec![0xff, 0xfe], utf16(true)].concat(),
        "utf-16-le" => utf16(true),
        "utf-16-be" => utf16(false),
        "utf-32" => [vec![0xff, 0xfe, 0, 0], utf32(true)].concat(),
        "utf-32-le" => utf32(true),
        "utf-32-be" => utf32(false),
        "latin-1" => limit(256, "latin-1")?,
        _ => limit(128, "ascii")?,
    })
}

/// Python's `'\xe9'` notation of a character in codec errors.
fn char_escape(c: char) -> String {
    let cp = c as u32;
    if cp < 0x100 {
        format!("'\\x{cp:02x}'")
    } else if cp < 0x10000 {
        format!("'\\u{cp:04x}'")
    } else {
        format!("'\\U{cp:08x}'")
    }
}

/// `bytes.decode(encoding)`; undecodable bytes become U+FFFD (ansible
/// keeps them as surrogate escapes, which Rust strings cannot hold).
pub(super) fn decode(bytes: &[u8], encoding: &str) -> Result<String, String> {
    let Some(codec) = codec(encoding) else {
        return Err(format!("unknown encoding: {encoding}"));
    };
    let utf16 = |b: &[u8], le: bool| -> String {
        let units: Vec<u16> = b
            .chunks(2)
            .map(|p| {
                let pair = [p[0], *p.get(1).unwrap_or(&0)];
                if le {
                    u16::from_le_bytes(pair)
                } else {
                    u16::from_be_bytes(pair)
                }
            })
            .collect();
        String::from_utf16_lossy(&units)
    };
    let utf32 = |b: &[u8], le: bool| -> String {
        b.chunks(4)
            .map(|p| {
                let mut q = [0u8; 4];
                q[..p.len()].copy_from_slice(p);
                let u = if le {
                    u32::from_le_bytes(q)
                } else {
                    u32::from_be_bytes(q)
                };
                char::from_u32(u).unwrap_or('\u{fffd}')
            })
            .collect()
    };
    Ok(match codec {
        "utf-8" => String::from_utf8_lossy(bytes).into_owned(),
        "utf-16" => match bytes {
            [0xfe, 0xff, rest @ ..] => utf16(rest, false),
            [0xff, 0xfe, rest @ ..] => utf16(rest, true),
            _ => utf16(bytes, true),
        },
        "utf-16-le" => utf16(bytes, true),
        "utf-16-be" => utf16(bytes, false),
        "utf-32" => match bytes {
            [0, 0, 0xfe, 0xff, rest @ ..] => utf32(rest, false),
            [0xff, 0xfe, 0, 0, rest @ ..] => utf32(rest, true),
            _ => utf32(bytes, true),
        },
        "utf-32-le" => utf32(bytes, true),
        "utf-32-be" => utf32(bytes, false),
        "latin-1" => bytes.iter().map(|&b| char::from(b)).collect(),
        _ => bytes
            .iter()
            .map(|&b| if b < 128 { char::from(b) } else { '\u{fffd}' })
            .collect(),
    })
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

pub(crate) fn base64_encode(data: &[u8], urlsafe: bool) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    let sym = |i: u32| -> char {
        let c = B64[(i & 63) as usize];
        match (urlsafe, c) {
            (true, b'+') => '-',
            (true, b'/') => '_',
            _ => char::from(c),
        }
    };
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        out.push(sym(n >> 18));
        out.push(sym(n >> 12));
        out.push(if chunk.len() > 1 { sym(n >> 6) } else { '=' });
        out.push(if chunk.len() > 2 { sym(n) } else { '=' });
    }
    out
}

/// `binascii.a2b_base64` in its default (non-strict) mode: characters
/// outside the alphabet are skipped, a complete pad sequence ends the data.
pub(crate) fn base64_decode(data: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(data.len() / 4 * 3);
    let (mut quad_pos, mut left, mut pads) = (0u8, 0u8, 0usize);
    for &ch in data {
        if ch == b'=' {
            pads += 1;
            if quad_pos >= 2 && usize::from(quad_pos) + pads >= 4 {
                return Ok(out);
            }
            continue;
        }
        let Some(v) = B64.iter().position(|&c| c == ch).map(|p| p as u8) else {
            continue;
        };
        pads = 0;
        match quad_pos {
            0 => {
                quad_pos = 1;
                left = v;
            }
            1 => {
                quad_pos = 2;
                out.push((left << 2) | (v >> 4));
                left = v & 0x0f;
            }
            2 => {
                quad_pos = 3;
                out.push((left << 4) | (v >> 2));
                left = v & 0x03;
            }
            _ => {
                quad_pos = 0;
                out.push((left << 6) | v);
                left = 0;
            }
        }
    }
    match quad_pos {
        0 => Ok(out),
        1 => Err(format!(
            "Invalid base64-encoded string: number of data characters ({}) cannot be 1 more \
             than a multiple of 4",
            out.len() / 3 * 4 + 1
        )),
        _ => Err("Incorrect padding".into()),
    }
}

fn b64encode(value: Jv, args: &mut Args) -> Result<Jv, Error> {
    let encoding = args.string(0, "encoding", "utf-8");
    let urlsafe = args.flag(1, "urlsafe");
    let bytes = encode(&py_str(&value), &encoding).map_err(|e| args.fail(e))?;
    Ok(Jv::from(base64_encode(&bytes, urlsafe)))
}

fn b64decode(value: Jv, args: &mut Args) -> Result<Jv, Error> {
    let encoding = args.string(0, "encoding", "utf-8");
    let urlsafe = args.flag(1, "urlsafe");
    let mut bytes = match value.kind() {
        ValueKind::Bytes => value.as_bytes().unwrap_or_default().to_vec(),
        _ => py_str(&value).into_bytes(),
    };
    if urlsafe {
        for b in &mut bytes {
            *b = match *b {
                b'-' => b'+',
                b'_' => b'/',
                other => other,
            };
        }
    }
    let data = base64_decode(&bytes).map_err(|e| args.fail(e))?;
    Ok(Jv::from(
        decode(&data, &encoding).map_err(|e| args.fail(e))?,
    ))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `hashlib.new(name).update(data).hexdigest()` for the algorithms we have.
pub(crate) fn hexdigest(algorithm: &str, data: &[u8]) -> Option<String> {
    Some(match algorithm.to_ascii_lowercase().as_str() {
        "md5" => hex(&md5::Md5::digest(data)),
        "sha1" => hex(&sha1::Sha1::digest(data)),
        "sha224" => hex(&sha2::Sha224::digest(data)),
        "sha256" => hex(&sha2::Sha256::digest(data)),
        "sha384" => hex(&sha2::Sha384::digest(data)),
        "sha512" => hex(&sha2::Sha512::digest(data)),
        "sha512_224" => hex(&sha2::Sha512_224::digest(data)),
        "sha512_256" => hex(&sha2::Sha512_256::digest(data)),
        _ => return None,
    })
}

fn hash(value: Jv, args: &mut Args) -> Result<Jv, Error> {
    let algorithm = args.string(0, "hashtype", "sha1");
    match hexdigest(&algorithm, py_str(&value).as_bytes()) {
        Some(h) => Ok(Jv::from(h)),
        None => Err(args.fail(format!("unsupported hash type {algorithm}"))),
    }
}

fn sha1_filter(value: Jv, _args: &mut Args) -> Result<Jv, Error> {
    Ok(Jv::from(hex(&sha1::Sha1::digest(
        py_str(&value).as_bytes(),
    ))))
}

fn md5_filter(value: Jv, _args: &mut Args) -> Result<Jv, Error> {
    Ok(Jv::from(hex(&md5::Md5::digest(py_str(&value).as_bytes()))))
}

/// ansible's namespace for `to_uuid`: 361E6D51-FAEC-444A-9079-341386DA8E2E.
const ANSIBLE_NAMESPACE: [u8; 16] = [
    0x36, 0x1e, 0x6d, 0x51, 0xfa, 0xec, 0x44, 0x4a, 0x90, 0x79, 0x34, 0x13, 0x86, 0xda, 0x8e, 0x2e,
];

/// `uuid.UUID(text)`.
fn parse_uuid(text: &str) -> Option<[u8; 16]> {
    let t = text.replace("urn:", "").replace("uuid:", "");
    let t = t.trim_matches(['{', '}']).replace('-', "");
    if t.len() != 32 || !t.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let mut out = [0u8; 16];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&t[i * 2..i * 2 + 2], 16).ok()?;
    }
    Some(out)
}

/// `uuid.uuid5(namespace, name)` as text.
pub(crate) fn uuid5(namespace: &[u8; 16], name: &str) -> String {
    let mut h = sha1::Sha1::new();
    h.update(namespace);
    h.update(name.as_bytes());
    let d = h.finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex(&b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

fn to_uuid(value: Jv, args: &mut Args) -> Result<Jv, Error> {
    let namespace = match args.get(0, "namespace") {
        None => ANSIBLE_NAMESPACE,
        Some(ns) => {
            let text = py_str(&ns);
            parse_uuid(&text).ok_or_else(|| {
                args.fail(format!(
                    "Invalid value '{text}' for 'namespace': badly formed hexadecimal UUID string"
                ))
            })?
        }
    };
    Ok(Jv::from(uuid5(&namespace, &py_str(&value))))
}
