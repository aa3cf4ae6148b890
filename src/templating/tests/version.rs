//! The `version`/`version_compare` test and the four version schemes it
//! offers: ansible's copies of distutils' `LooseVersion` (the default) and
//! `StrictVersion`, ansible's `SemanticVersion`, and `packaging`'s PEP 440
//! `Version`, each with Python's comparison rules (including LooseVersion's
//! `TypeError` when a number meets a word).

use std::cmp::Ordering;

use minijinja::Error;
use minijinja::value::{Kwargs, Rest, Value, ValueKind};

use crate::templating::filters::math::py::{self, bind, require_defined};

/// An arbitrary-size non-negative integer, compared numerically.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Digits(String);

impl Digits {
    fn new(text: &str) -> Digits {
        let t = text.trim_start_matches('0');
        Digits(t.to_string())
    }

    fn is_zero(&self) -> bool {
        self.0.is_empty()
    }
}

impl Ord for Digits {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0
            .len()
            .cmp(&other.0.len())
            .then_with(|| self.0.cmp(&other.0))
    }
}

impl PartialOrd for Digits {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

fn digits_prefix(s: &str) -> usize {
    s.bytes().take_while(u8::is_ascii_digit).count()
}

// ---------------------------------------------------------------- Loose

#[derive(Clone, Debug)]
enum Loose {
    Num(Digits),
    Str(String),
}

/// `LooseVersion.parse`: numbers, runs of `a-z`, and whatever lies between
/// them; dots dropped.
fn loose_parse(text: &str) -> Vec<Loose> {
    let mut out = Vec::new();
    let mut other = String::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    let flush = |other: &mut String, out: &mut Vec<Loose>| {
        if !other.is_empty() {
            out.push(Loose::Str(std::mem::take(other)));
        }
    };
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_digit() {
            flush(&mut other, &mut out);
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            let run: String = chars[start..i].iter().collect();
            out.push(Loose::Num(Digits::new(&run)));
        } else if c.is_ascii_lowercase() {
            flush(&mut other, &mut out);
            let start = i;
            while i < chars.len() && chars[i].is_ascii_lowercase() {
                i += 1;
            }
            out.push(Loose::Str(chars[start..i].iter().collect()));
        } else if c == '.' {
            flush(&mut other, &mut out);
            i += 1;
        } else {
            other.push(c);
            i += 1;
        }
    }
    flush(&mut other, &mut out);
    out
}

fn loose_type(c: &Loose) -> &'static str {
    match c {
        Loose::Num(_) => "int",
        Loose::Str(_) => "str",
    }
}

fn loose_eq(a: &Loose, b: &Loose) -> bool {
    match (a, b) {
        (Loose::Num(x), Loose::Num(y)) => x == y,
        (Loose::Str(x), Loose::Str(y)) => x == y,
        _ => false,
    }
}

/// `LooseVersion._cmp`.
fn loose_cmp(a: &[Loose], b: &[Loose]) -> Result<Ordering, String> {
    for (x, y) in a.iter().zip(b) {
        if loose_eq(x, y) {
            continue;
        }
        return match (x, y) {
            (Loose::Num(p), Loose::Num(q)) => Ok(p.cmp(q)),
            (Loose::Str(p), Loose::Str(q)) => Ok(p.cmp(q)),
            _ => Err(format!(
                "'<' not supported between instances of '{}' and '{}'",
                loose_type(x),
                loose_type(y)
            )),
        };
    }
    Ok(a.len().cmp(&b.len()))
}

// ---------------------------------------------------------------- Strict

#[derive(Debug)]
struct Strict {
    version: [Digits; 3],
    prerelease: Option<(char, Digits)>,
}

/// `^(\d+)\.(\d+)(\.(\d+))?([ab](\d+))?$` (ASCII digits; `$` also before a
/// final newline).
fn strict_parse(text: &str) -> Result<Strict, String> {
    let invalid = || format!("invalid version number '{text}'");
    let s = text.strip_suffix('\n').unwrap_or(text);
    let mut rest = s;
    let take_num = |rest: &mut &str| -> Option<Digits> {
        let n = digits_prefix(rest);
        if n == 0 {
            return None;
        }
        let d = Digits::new(&rest[..n]);
        *rest = &rest[n..];
        Some(d)
    };
    let major = take_num(&mut rest).ok_or_else(invalid)?;
    rest = rest.strip_prefix('.').ok_or_else(invalid)?;
    let minor = take_num(&mut rest).ok_or_else(invalid)?;
    let mut patch = Digits::new("0");
    if let Some(r) = rest.strip_prefix('.') {
        rest = r;
        patch = take_num(&mut rest).ok_or_else(invalid)?;
    }
    let mut prerelease = None;
    if let Some(letter) = rest.chars().next().filter(|c| matches!(c, 'a' | 'b')) {
        rest = &rest[1..];
        let n = take_num(&mut rest).ok_or_else(invalid)?;
        prerelease = Some((letter, n));
    }
    if !rest.is_empty() {
        return Err(invalid());
    }
    Ok(Strict {
        version: [major, minor, patch],
        prerelease,
    })
}

fn strict_cmp(a: &Strict, b: &Strict) -> Ordering {
    if a.version != b.version {
        return a.version.cmp(&b.version);
    }
    match (&a.prerelease, &b.prerelease) {
        (None, None) => Ordering::Equal,
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (Some(x), Some(y)) => x.cmp(y),
    }
}

// ---------------------------------------------------------------- Semantic

#[derive(Debug, Clone, PartialEq, Eq)]
enum Ident {
    Num(Digits),
    Alpha(String),
}

impl Ord for Ident {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Ident::Num(a), Ident::Num(b)) => a.cmp(b),
            (Ident::Alpha(a), Ident::Alpha(b)) => a.cmp(b),
            (Ident::Num(_), Ident::Alpha(_)) => Ordering::Less,
            (Ident::Alpha(_), Ident::Num(_)) => Ordering::Greater,
        }
    }
}

impl PartialOrd for Ident {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[derive(Debug)]
struct Semantic {
    core: [Digits; 3],
    prerelease: Vec<Ident>,
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-'
}

/// A numeric core part: `0|[1-9]\d*`.
fn semver_number(part: &str) -> Option<Digits> {
    let ok = !part.is_empty()
        && part.bytes().all(|b| b.is_ascii_digit())
        && (part == "0" || !part.starts_with('0'));
    ok.then(|| Digits::new(part))
}

/// A pre-release identifier: `0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*`.
fn semver_ident(part: &str) -> Option<Ident> {
    if part.is_empty() || !part.chars().all(is_ident_char) {
        return None;
    }
    if part.bytes().all(|b| b.is_ascii_digit()) {
        return semver_number(part).map(Ident::Num);
    }
    Some(Ident::Alpha(part.to_string()))
}

/// ansible's `SEMVER_RE`.
fn semver_parse(text: &str) -> Result<Semantic, String> {
    let invalid = || format!("invalid semantic version '{text}'");
    let s = text.strip_suffix('\n').unwrap_or(text);
    let (s, build) = match s.split_once('+') {
        Some((v, b)) => (v, Some(b)),
        None => (s, None),
    };
    if let Some(build) = build
        && build
            .split('.')
            .any(|p| p.is_empty() || !p.chars().all(is_ident_char))
    {
        return Err(invalid());
    }
    let (core, pre) = match s.split_once('-') {
        Some((c, p)) => (c, Some(p)),
        None => (s, None),
    };
    let parts: Vec<&str> = core.split('.').collect();
    if parts.len() != 3 {
        return Err(invalid());
    }
    let mut nums = Vec::new();
    for part in parts {
        nums.push(semver_number(part).ok_or_else(invalid)?);
    }
    let mut prerelease = Vec::new();
    if let Some(pre) = pre {
        for part in pre.split('.') {
            prerelease.push(semver_ident(part).ok_or_else(invalid)?);
        }
    }
    let [major, minor, patch]: [Digits; 3] = nums.try_into().map_err(|_| invalid())?;
    Ok(Semantic {
        core: [major, minor, patch],
        prerelease,
    })
}

fn semver_cmp(a: &Semantic, b: &Semantic) -> Ordering {
    if a.core != b.core {
        return a.core.cmp(&b.core);
    }
    match (a.prerelease.is_empty(), b.prerelease.is_empty()) {
        (true, true) => Ordering::Equal,
        (false, true) => Ordering::Less,
        (true, false) => Ordering::Greater,
        (false, false) => a.prerelease.cmp(&b.prerelease),
    }
}

// ---------------------------------------------------------------- PEP 440

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum LocalSeg {
    // Strings sort before numbers.
    Str(String),
    Num(Digits),
}

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Pep440Key {
    epoch: Digits,
    release: Vec<Digits>,
    suffix: (i8, Digits, i8, Digits, i8, Digits),
    local: Option<Vec<LocalSeg>>,
}

struct Cursor<'a> {
    s: &'a str,
    pos: usize,
}

impl Cursor<'_> {
    fn rest(&self) -> &str {
        &self.s[self.pos..]
    }

    fn eat(&mut self, lit: &str) -> bool {
        if self.rest().starts_with(lit) {
            self.pos += lit.len();
            true
        } else {
            false
        }
    }

    fn eat_sep(&mut self) -> bool {
        self.eat(".") || self.eat("_") || self.eat("-")
    }

    fn digits(&mut self) -> Option<Digits> {
        let n = digits_prefix(self.rest());
        if n == 0 {
            return None;
        }
        let d = Digits::new(&self.rest()[..n]);
        self.pos += n;
        Some(d)
    }

    fn word(&mut self, words: &[&'static str]) -> Option<&'static str> {
        words.iter().copied().find(|w| self.eat(w))
    }
}

/// `packaging.version.Version` (packaging 26).
fn pep440_parse(text: &str) -> Result<Pep440Key, String> {
    let invalid = || format!("Invalid version: {}", crate::value::python_str_repr(text));
    let lowered = text.trim_matches(py::is_space).to_ascii_lowercase();
    let mut c = Cursor {
        s: &lowered,
        pos: 0,
    };
    c.eat("v");
    // Epoch.
    let save = c.pos;
    let mut epoch = Digits::new("0");
    match c.digits() {
        Some(d) if c.eat("!") => epoch = d,
        _ => c.pos = save,
    }
    // Release.
    let mut release = vec![c.digits().ok_or_else(invalid)?];
    while c.rest().starts_with('.') && c.rest()[1..].starts_with(|ch: char| ch.is_ascii_digit()) {
        c.pos += 1;
        release.push(c.digits().ok_or_else(invalid)?);
    }
    // Pre-release.
    let save = c.pos;
    c.eat_sep();
    let pre = match c.word(&["alpha", "a", "beta", "b", "preview", "pre", "c", "rc"]) {
        Some(letter) => {
            c.eat_sep();
            let n = c.digits().unwrap_or_else(|| Digits::new("0"));
            let rank = match letter {
                "alpha" | "a" => 0,
                "beta" | "b" => 1,
                _ => 2,
            };
            Some((rank, n))
        }
        None => {
            c.pos = save;
            None
        }
    };
    // Post-release.
    let save = c.pos;
    let mut post = None;
    if c.eat("-")
        && let Some(n) = c.digits()
    {
        post = Some(n);
    } else {
        c.pos = save;
        c.eat_sep();
        if c.word(&["post", "rev", "r"]).is_some() {
            c.eat_sep();
            post = Some(c.digits().unwrap_or_else(|| Digits::new("0")));
        } else {
            c.pos = save;
        }
    }
    // Development release.
    let save = c.pos;
    c.eat_sep();
    let dev = if c.eat("dev") {
        c.eat_sep();
        Some(c.digits().unwrap_or_else(|| Digits::new("0")))
    } else {
        c.pos = save;
        None
    };
    // Local version.
    let mut local = None;
    if c.eat("+") {
        let rest = c.rest();
        let n = rest
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
            .count();
        let text_local = &rest[..n];
        let segments: Vec<&str> = text_local.split(['.', '_', '-']).collect();
        if segments.iter().any(|s| s.is_empty()) {
            return Err(invalid());
        }
        local = Some(
            segments
                .iter()
                .map(|s| {
                    if s.bytes().all(|b| b.is_ascii_digit()) {
                        LocalSeg::Num(Digits::new(s))
                    } else {
                        LocalSeg::Str(s.to_string())
                    }
                })
                .collect(),
        );
        c.pos += n;
    }
    if !c.rest().is_empty() {
        return Err(invalid());
    }
    while release.len() > 1 && release.last().is_some_and(Digits::is_zero) {
        release.pop();
    }
    if release.len() == 1 && release[0].is_zero() {
        release.clear();
    }
    let zero = || Digits::new("0");
    let (pre_rank, pre_n) = match (&pre, &post, &dev) {
        (None, None, Some(_)) => (-1, zero()),
        (None, _, _) => (3, zero()),
        (Some((rank, n)), _, _) => (*rank, n.clone()),
    };
    let (post_rank, post_n) = match post {
        Some(n) => (1, n),
        None => (0, zero()),
    };
    let (dev_rank, dev_n) = match dev {
        Some(n) => (0, n),
        None => (1, zero()),
    };
    Ok(Pep440Key {
        epoch,
        release,
        suffix: (pre_rank, pre_n, post_rank, post_n, dev_rank, dev_n),
        local,
    })
}

// ---------------------------------------------------------------- the test

fn compare(kind: &str, a: &str, b: &str) -> Result<Ordering, String> {
    match kind {
        "strict" => Ok(strict_cmp(&strict_parse(a)?, &strict_parse(b)?)),
        "semver" | "semantic" => Ok(semver_cmp(&semver_parse(a)?, &semver_parse(b)?)),
        "pep440" => Ok(pep440_parse(a)?.cmp(&pep440_parse(b)?)),
        _ => loose_cmp(&loose_parse(a), &loose_parse(b)),
    }
}

const OPERATORS: [(&str, &str); 14] = [
    ("==", "eq"),
    ("=", "eq"),
    ("eq", "eq"),
    ("<", "lt"),
    ("lt", "lt"),
    ("<=", "le"),
    ("le", "le"),
    (">", "gt"),
    ("gt", "gt"),
    (">=", "ge"),
    ("ge", "ge"),
    ("!=", "ne"),
    ("<>", "ne"),
    ("ne", "ne"),
];

/// ansible's `version_compare(value, version, operator='eq', strict=None,
/// version_type=None)`.
pub(super) fn version_compare(
    value: Value,
    rest: Rest<Value>,
    kwargs: Kwargs,
) -> Result<bool, Error> {
    require_defined(&value)?;
    let args = bind(
        "version_compare",
        &rest,
        &kwargs,
        &["version", "operator", "strict", "version_type"],
    )?;
    let Some(version) = args[0].clone() else {
        return Err(py::error(
            "version_compare() missing 1 required positional argument: 'version'",
        ));
    };
    let strict = args[2].clone().filter(|v| !v.is_none());
    let version_type = args[3].clone().filter(|v| !v.is_none());
    if strict.is_some() && version_type.is_some() {
        return Err(py::error("Cannot specify both 'strict' and 'version_type'"));
    }
    if !py::truthy(&value) {
        return Err(py::error("Input version value cannot be empty"));
    }
    if !py::truthy(&version) {
        return Err(py::error(
            "Version parameter to compare against cannot be empty",
        ));
    }
    let kind = if strict.as_ref().is_some_and(py::truthy) {
        "strict".to_string()
    } else {
        match version_type.filter(py::truthy) {
            None => "loose".to_string(),
            Some(t) => {
                let name = py::to_str(&t);
                let known = ["loose", "strict", "semver", "semantic", "pep440"];
                if t.kind() != ValueKind::String || !known.contains(&name.as_str()) {
                    return Err(py::error(format!(
                        "Invalid version type ({name}). Must be one of 'loose', 'strict', \
                         'semver', 'semantic', 'pep440'"
                    )));
                }
                name
            }
        }
    };
    let operator = args[1].clone().unwrap_or_else(|| Value::from("eq"));
    let op = OPERATORS
        .iter()
        .find(|(k, _)| operator.kind() == ValueKind::String && operator.as_str() == Some(*k))
        .map(|(_, v)| *v)
        .ok_or_else(|| {
            py::error(format!(
                "Invalid operator type ({}). Must be one of '==', '=', 'eq', '<', 'lt', '<=', \
                 'le', '>', 'gt', '>=', 'ge', '!=', '<>', 'ne'",
                py::to_str(&operator)
            ))
        })?;
    let ordering = compare(&kind, &py::to_str(&value), &py::to_str(&version))
        .map_err(|e| py::error(format!("Version comparison failed: {e}")))?;
    Ok(match op {
        "eq" => ordering == Ordering::Equal,
        "ne" => ordering != Ordering::Equal,
        "lt" => ordering == Ordering::Less,
        "le" => ordering != Ordering::Greater,
        "gt" => ordering == Ordering::Greater,
        _ => ordering != Ordering::Less,
    })
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn loose_splits_like_distutils() {
        let v = loose_parse("2.0-RC1");
        assert_eq!(v.len(), 4);
        assert!(matches!(&v[2], Loose::Str(s) if s == "-RC"));
        assert!(loose_cmp(&loose_parse("1.a"), &loose_parse("1.1")).is_err());
        assert_eq!(
            loose_cmp(&loose_parse("1.10"), &loose_parse("1.9")),
            Ok(Ordering::Greater)
        );
    }

    #[test]
    fn pep440_orders_suffixes() {
        let order = [
            "1.0.dev1",
            "1.0a1",
            "1.0a2.dev1",
            "1.0b1",
            "1.0rc1",
            "1.0",
            "1.0+local",
            "1.0.post1",
            "1!0.1",
        ];
        for pair in order.windows(2) {
            let a = pep440_parse(pair[0]).unwrap();
            let b = pep440_parse(pair[1]).unwrap();
            assert!(a < b, "{} < {}", pair[0], pair[1]);
        }
        assert_eq!(
            pep440_parse("1.0").unwrap(),
            pep440_parse("v1.0.0").unwrap()
        );
        assert!(pep440_parse("1.x").is_err());
    }
}
