//! `password`: a password stored in a file on the controller, generated
//! (and written, with its salt when `encrypt` is asked) the first time.
//!
//! As ansible: the term is `PATH [k=v ...]`; the file holds
//! `PASSWORD[ salt=SALT[ ident=IDENT]]`; `/dev/null` is never written; a
//! `<sha1 of path>.ansible_lockfile` next to the file serialises writers;
//! a `seed` makes the password reproducible (Python's `random.Random(seed)`
//! replayed); `encrypt` hashes with the `password_hash` filter.

use super::options::{Default, INTEGER, Kind, OptionDef, Options, STR, STRING, opt};
use super::{Call, Failure};
use crate::playbook::kv::{RAW_PARAMS, parse_kv};
use crate::templating::filters::core::Mt;
use crate::templating::filters::math::py;
use indexmap::IndexMap;
use minijinja::value::Value as Jv;
use sha1::Digest;
use std::path::Path;

pub(super) static OPTIONS: &[OptionDef] = &[
    opt("encrypt", Kind::Raw, Default::None),
    opt("ident", STRING, Default::None),
    opt(
        "chars",
        Kind::List,
        Default::List(&["ascii_letters", "digits", ".,:-_"]),
    ),
    opt("length", INTEGER, Default::Int(20)),
    opt("seed", STR, Default::None),
];

const VALID_PARAMS: [&str; 5] = ["length", "encrypt", "chars", "ident", "seed"];

const DEV_NULL: &str = "/dev/null";

/// Salt sizes and implicit idents of the algorithms ansible knows.
fn algorithm(name: &str) -> Option<(usize, Option<&'static str>)> {
    match name {
        "md5_crypt" => Some((8, None)),
        "bcrypt" => Some((22, Some("2b"))),
        "sha256_crypt" | "sha512_crypt" => Some((16, None)),
        _ => None,
    }
}

pub(crate) fn password(
    call: &Call,
    terms: Vec<Jv>,
    kwargs: &IndexMap<String, Jv>,
) -> Result<Vec<Jv>, Failure> {
    let mut out = Vec::new();
    for term in terms {
        let options = Options::parse("password", OPTIONS, kwargs)?;
        let Some(text) = term.as_str() else {
            return Err(format!(
                "'{}' object has no attribute 'split'",
                py::type_name(&term)
            ));
        };
        let (relpath, options) = parse_parameters(text, options)?;
        let path = super::search::path_dwim(call, &relpath);
        let chars = candidate_chars(&options.list("chars"));
        out.push(Jv::from(one_password(call, &path, &options, &chars)?));
    }
    Ok(out)
}

/// `_parse_parameters`: the path and the options of `PATH k=v ...`.
fn parse_parameters(term: &str, mut options: Options) -> Result<(String, Options), Failure> {
    let Some((first, rest)) = term.split_once(' ') else {
        return Ok((term.to_string(), options));
    };
    let mut relpath = first.to_string();
    let mut params = parse_kv(rest, false).map_err(|e| e.to_string())?;
    if let Some(raw) = params.shift_remove(RAW_PARAMS) {
        relpath = format!("{relpath} {raw}");
        if !term.starts_with(&relpath) {
            return Err(
                "Unrecognized value after key=value parameters given to password lookup".into(),
            );
        }
    }
    let invalid: Vec<&str> = params
        .keys()
        .map(String::as_str)
        .filter(|k| !VALID_PARAMS.contains(k))
        .collect();
    if !invalid.is_empty() {
        return Err(format!(
            "Unrecognized parameter(s) given to password lookup: {}",
            invalid.join(", ")
        ));
    }
    if !params.is_empty() {
        // ansible replaces the options by these (keywords are dropped).
        let direct: IndexMap<String, Jv> = params
            .iter()
            .map(|(k, v)| (k.clone(), Jv::from(v.as_str())))
            .collect();
        options = Options::parse("password", OPTIONS, &direct)?;
    }
    // `chars` given inline keeps its commas: `,,` is a comma.
    if let Some(chars) = params.get("chars") {
        let mut list = Vec::new();
        if chars.contains(",,") {
            list.push(Jv::from(","));
        }
        list.extend(
            chars
                .replace(",,", ",")
                .split(',')
                .filter(|c| !c.is_empty())
                .map(Jv::from),
        );
        options.set("chars", Jv::from(list))?;
    }
    Ok((relpath, options))
}

/// `_gen_candidate_chars`: names of `string` constants expanded, other
/// specs taken literally, quotes removed.
fn candidate_chars(specs: &[Jv]) -> String {
    let mut out = String::new();
    for spec in specs {
        let text = py::to_str(spec);
        out.push_str(match text.as_str() {
            "ascii_letters" => "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
            "ascii_lowercase" => "abcdefghijklmnopqrstuvwxyz",
            "ascii_uppercase" => "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
            "digits" => "0123456789",
            "hexdigits" => "0123456789abcdefABCDEF",
            "octdigits" => "01234567",
            "punctuation" => PUNCTUATION,
            "whitespace" => " \t\n\r\x0b\x0c",
            "printable" => PRINTABLE,
            other => other,
        });
    }
    out.replace(['"', '\''], "")
}

const PUNCTUATION: &str = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
const PRINTABLE: &str = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ \t\n\r\x0b\x0c";

fn one_password(
    call: &Call,
    path: &str,
    options: &Options,
    chars: &str,
) -> Result<String, Failure> {
    let lock = Lock::acquire(path)?;
    let result = read_or_create(call, path, options, chars);
    drop(lock);
    result
}

fn read_or_create(
    call: &Call,
    path: &str,
    options: &Options,
    chars: &str,
) -> Result<String, Failure> {
    let content = read_password_file(path)?;
    let mut changed = false;
    let (plaintext, mut salt, mut ident) = match content {
        Some(content) if path != DEV_NULL => parse_content(&content),
        _ => {
            changed = true;
            let length = options.int("length").unwrap_or(20);
            (
                random_password(length, chars, options.text("seed").as_deref())?,
                None,
                None,
            )
        }
    };
    let encrypt = options.get("encrypt");
    let encrypt = (!encrypt.is_none() && py::truthy(&encrypt)).then(|| py::to_str(&encrypt));
    if let Some(algo) = &encrypt
        && salt.is_none()
    {
        changed = true;
        let size = algorithm(algo).map_or(8, |(size, _)| size);
        salt = Some(random_password(size as i128, SALT_CHARS, None)?);
    }
    let wanted_ident = options.text("ident");
    match (&ident, &wanted_ident) {
        (None, _) => ident = wanted_ident.clone(),
        (Some(stored), Some(given)) if stored != given => {
            return Err(format!(
                "The ident parameter provided ({stored}) does not match the stored one ({given})."
            ));
        }
        _ => {}
    }
    if let Some(algo) = &encrypt
        && ident.is_none()
    {
        ident = algorithm(algo)
            .and_then(|(_, implicit)| implicit)
            .map(str::to_string);
        if ident.is_some() {
            changed = true;
        }
    }
    if changed && path != DEV_NULL {
        let content = format_content(
            &plaintext,
            salt.as_deref(),
            encrypt.is_some(),
            ident.as_deref(),
        );
        write_password_file(path, &content)?;
    }
    match encrypt {
        Some(algo) => hash(call, &plaintext, &algo, salt.as_deref().unwrap_or_default()),
        None => Ok(plaintext),
    }
}

const SALT_CHARS: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789./";

/// The password hashed by the `password_hash` filter.
fn hash(call: &Call, plaintext: &str, algo: &str, salt: &str) -> Result<String, Failure> {
    let expr = call
        .env
        .compile_expression("pw | password_hash(algo, salt)")
        .map_err(|e| e.to_string())?;
    let hashed = expr
        .eval(minijinja::context! { pw => plaintext, algo => algo, salt => salt })
        .map_err(|e| e.detail().unwrap_or_default().to_string())?;
    Ok(py::to_str(&hashed))
}

/// `random_password(length, chars, seed)`: `SystemRandom().choice`, or
/// `random.Random(seed).choice` replayed exactly for a seed.
fn random_password(length: i128, chars: &str, seed: Option<&str>) -> Result<String, Failure> {
    let candidates: Vec<char> = chars.chars().collect();
    if length <= 0 {
        return Ok(String::new());
    }
    if candidates.is_empty() {
        return Err("Cannot choose from an empty sequence".into());
    }
    if length > 1_000_000 {
        return Err(format!(
            "mitorun refuses to generate a password of {length} characters"
        ));
    }
    let n = candidates.len();
    let mut mt = seed.map(Mt::from_str);
    Ok((0..length)
        .map(|_| {
            let index = match &mut mt {
                Some(mt) => below(mt, n as u32),
                None => super::data::random_below(n),
            };
            candidates[index]
        })
        .collect())
}

/// CPython's `Random._randbelow(n)`: `getrandbits(n.bit_length())` until
/// below `n`.
fn below(mt: &mut Mt, n: u32) -> usize {
    let k = 32 - n.leading_zeros();
    loop {
        let r = mt.next_u32() >> (32 - k);
        if r < n {
            return r as usize;
        }
    }
}

fn read_password_file(path: &str) -> Result<Option<String>, Failure> {
    if !Path::new(path).exists() {
        return Ok(None);
    }
    let bytes = std::fs::read(path).map_err(|e| super::search::os_error(&e, path))?;
    let end = bytes
        .iter()
        .rposition(|b| !b" \t\n\r\x0b\x0c".contains(b))
        .map_or(0, |i| i + 1);
    String::from_utf8(bytes[..end].to_vec())
        .map(Some)
        .map_err(|e| format!("'utf-8' codec can't decode bytes: {e}"))
}

/// `_parse_content`: password, salt and ident of the stored text.
fn parse_content(content: &str) -> (String, Option<String>, Option<String>) {
    let Some(sep) = content.rfind(" salt=") else {
        return (content.to_string(), None, None);
    };
    let password = content[..sep].to_string();
    let rest = &content[sep + " salt=".len()..];
    if rest.is_empty() {
        return (password, None, None);
    }
    match rest.rfind(" ident=") {
        Some(i) => (
            password,
            Some(rest[..i].to_string()),
            Some(rest[i + " ident=".len()..].to_string()),
        ),
        None => (password, Some(rest.to_string()), None),
    }
}

fn format_content(
    password: &str,
    salt: Option<&str>,
    encrypt: bool,
    ident: Option<&str>,
) -> String {
    let salt = salt.filter(|s| !s.is_empty());
    match (salt, encrypt) {
        (None, false) => password.to_string(),
        (None, true) => password.to_string(),
        (Some(salt), _) => match ident.filter(|i| !i.is_empty()) {
            Some(ident) => format!("{password} salt={salt} ident={ident}"),
            None => format!("{password} salt={salt}"),
        },
    }
}

fn makedirs(dir: &str) -> Result<(), Failure> {
    if dir.is_empty() || Path::new(dir).is_dir() {
        return Ok(());
    }
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| super::search::os_error(&e, dir))
}

fn write_password_file(path: &str, content: &str) -> Result<(), Failure> {
    use std::io::Write;
    use std::os::unix::fs::PermissionsExt;
    makedirs(&crate::pypath::dirname(path))?;
    let mut file = std::fs::File::create(path).map_err(|e| super::search::os_error(&e, path))?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
        .map_err(|e| super::search::os_error(&e, path))?;
    file.write_all(format!("{content}\n").as_bytes())
        .map_err(|e| super::search::os_error(&e, path))
}

/// ansible's lock: a file created exclusively next to the password file;
/// others wait up to 7 seconds for it to go away.
struct Lock {
    path: Option<String>,
}

impl Lock {
    fn acquire(path: &str) -> Result<Lock, Failure> {
        let dir = crate::pypath::dirname(path);
        let digest = sha1::Sha1::digest(path.as_bytes());
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        let lockfile = crate::pypath::join(&[&dir, &format!("{hex}.ansible_lockfile")]);
        let mut first = false;
        if path != DEV_NULL {
            makedirs(&dir)?;
            first = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&lockfile)
                .is_ok();
        }
        let mut counter = 0u32;
        while !first && Path::new(&lockfile).exists() {
            std::thread::sleep(std::time::Duration::from_secs(1 << counter));
            if counter >= 2 {
                return Err(format!(
                    "Password lookup cannot get the lock in 7 seconds, abort...This may caused by un-removed lockfileyou can manually remove it from controller machine at {lockfile} and try again"
                ));
            }
            counter += 1;
        }
        Ok(Lock {
            path: first.then_some(lockfile),
        })
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        if let Some(path) = &self.path {
            let _ = std::fs::remove_file(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Expected passwords printed by CPython 3.11:
    /// `''.join(random.Random(seed).choice(chars) for _ in range(n))`.
    #[test]
    fn seeded_passwords_replay_python_random() {
        let chars = candidate_chars(&[
            Jv::from("ascii_letters"),
            Jv::from("digits"),
            Jv::from(".,:-_"),
        ]);
        assert_eq!(
            random_password(20, &chars, Some("myseed")).ok().as_deref(),
            Some(PYTHON_MYSEED_20)
        );
        assert_eq!(
            random_password(8, "ab", Some("1")).ok().as_deref(),
            Some(PYTHON_AB_SEED1_8)
        );
    }

    #[test]
    fn stored_content_is_parsed_like_ansible() {
        assert_eq!(
            parse_content("pw salt=abc ident=2b"),
            ("pw".into(), Some("abc".into()), Some("2b".into()))
        );
        assert_eq!(parse_content("a b"), ("a b".into(), None, None));
        assert_eq!(parse_content("p salt="), ("p".into(), None, None));
        assert_eq!(format_content("p", Some("s"), true, None), "p salt=s");
        assert_eq!(format_content("p", None, false, None), "p");
    }

    #[test]
    fn inline_chars_keep_doubled_commas() {
        let opts = Options::parse("password", OPTIONS, &IndexMap::new()).expect("options");
        let (path, opts) = parse_parameters("/tmp/x chars=a,,b length=3", opts).expect("parse");
        assert_eq!(path, "/tmp/x");
        assert_eq!(candidate_chars(&opts.list("chars")), ",ab");
        assert_eq!(opts.int("length"), Some(3));
        let opts = Options::parse("password", OPTIONS, &IndexMap::new()).expect("options");
        assert!(parse_parameters("/tmp/x bogus=1", opts).is_err());
    }

    const PYTHON_MYSEED_20: &str = "0MuyBT:n9PJ04hAgLZXx";
    const PYTHON_AB_SEED1_8: &str = "bbaabbba";
}
