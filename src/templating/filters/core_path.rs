//! Path filters (`os.path` / `ntpath` semantics) and `fileglob`.

use super::{Args, add, is_sequence, items, py_str, tuple, type_name};
use minijinja::value::{Value as Jv, ValueKind};
use minijinja::{Environment, Error};
use std::path::Path;

pub(super) fn register(env: &mut Environment<'static>) {
    add(env, "basename", |v, a| {
        text_fn(v, a, |s| basename(s).to_string())
    });
    add(env, "dirname", |v, a| text_fn(v, a, dirname));
    add(env, "expanduser", |v, a| text_fn(v, a, expanduser));
    add(env, "expandvars", |v, a| text_fn(v, a, expandvars));
    add(env, "realpath", |v, a| text_fn(v, a, realpath));
    add(env, "normpath", |v, a| text_fn(v, a, normpath));
    add(env, "relpath", relpath_filter);
    add(env, "splitext", splitext_filter);
    add(env, "win_basename", |v, a| {
        text_fn(v, a, |s| win_split(s).1)
    });
    add(env, "win_dirname", |v, a| text_fn(v, a, |s| win_split(s).0));
    add(env, "win_splitdrive", win_splitdrive_filter);
    add(env, "path_join", path_join);
    add(env, "commonpath", commonpath);
    add(env, "fileglob", fileglob);
}

/// The input of an `os.path` function: `str` only, as Python insists.
pub(crate) use crate::pypath::{
    abspath, basename, dirname, expanduser, expandvars, join, normpath, realpath,
};

fn path_arg(value: &Jv, args: &Args) -> Result<String, Error> {
    match value.kind() {
        ValueKind::String => Ok(value.as_str().unwrap_or_default().to_string()),
        _ => Err(args.fail(format!(
            "expected str, bytes or os.PathLike object, not {}",
            type_name(value)
        ))),
    }
}

fn text_fn(value: Jv, args: &mut Args, f: impl Fn(&str) -> String) -> Result<Jv, Error> {
    let text = path_arg(&value, args)?;
    Ok(Jv::from(f(&text)))
}

/// `posixpath.relpath(path, start)`.
pub(crate) fn relpath(path: &str, start: &str) -> Result<String, String> {
    if path.is_empty() {
        return Err("no path specified".into());
    }
    let a = abspath(start);
    let b = abspath(path);
    let sa: Vec<&str> = a.split('/').filter(|s| !s.is_empty()).collect();
    let sb: Vec<&str> = b.split('/').filter(|s| !s.is_empty()).collect();
    let common = sa.iter().zip(&sb).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<&str> = vec![".."; sa.len() - common];
    parts.extend(&sb[common..]);
    if parts.is_empty() {
        Ok(".".into())
    } else {
        Ok(parts.join("/"))
    }
}

fn relpath_filter(value: Jv, args: &mut Args) -> Result<Jv, Error> {
    let path = path_arg(&value, args)?;
    let start = match args.opt(0, "start") {
        Some(s) => path_arg(&s, args)?,
        None => ".".into(),
    };
    relpath(&path, &start)
        .map(Jv::from)
        .map_err(|e| args.fail(e))
}

/// `posixpath.splitext`.
pub(crate) fn splitext(p: &str) -> (String, String) {
    let sep = p.rfind('/').map_or(0, |i| i + 1);
    if let Some(dot) = p.rfind('.').filter(|&d| d > sep) {
        // Leading dots of the file name do not start an extension.
        if p[sep..dot].chars().any(|c| c != '.') {
            return (p[..dot].to_string(), p[dot..].to_string());
        }
    }
    (p.to_string(), String::new())
}

fn splitext_filter(value: Jv, args: &mut Args) -> Result<Jv, Error> {
    let p = path_arg(&value, args)?;
    let (root, ext) = splitext(&p);
    Ok(tuple(vec![Jv::from(root), Jv::from(ext)]))
}

/// `ntpath.splitdrive` (Python 3.11).
pub(crate) fn win_splitdrive(p: &str) -> (String, String) {
    let norm: Vec<char> = p.chars().map(|c| if c == '/' { '\\' } else { c }).collect();
    let chars: Vec<char> = p.chars().collect();
    let cut = |i: usize| -> (String, String) {
        (chars[..i].iter().collect(), chars[i..].iter().collect())
    };
    if norm.len() >= 2 {
        if norm[0] == '\\' && norm[1] == '\\' && norm.get(2) != Some(&'\\') {
            let Some(index) = norm[2..].iter().position(|&c| c == '\\').map(|i| i + 2) else {
                return (String::new(), p.to_string());
            };
            let index2 = norm[index + 1..]
                .iter()
                .position(|&c| c == '\\')
                .map(|i| i + index + 1);
            if index2 == Some(index + 1) {
                return (String::new(), p.to_string());
            }
            return cut(index2.unwrap_or(chars.len()));
        }
        if norm[1] == ':' {
            return cut(2);
        }
    }
    (String::new(), p.to_string())
}

/// `ntpath.split`.
pub(crate) fn win_split(p: &str) -> (String, String) {
    let (drive, rest) = win_splitdrive(p);
    let chars: Vec<char> = rest.chars().collect();
    let mut i = chars.len();
    while i > 0 && !matches!(chars[i - 1], '/' | '\\') {
        i -= 1;
    }
    let head: String = chars[..i].iter().collect();
    let tail: String = chars[i..].iter().collect();
    let trimmed = head.trim_end_matches(['/', '\\']);
    let head = if trimmed.is_empty() {
        head.clone()
    } else {
        trimmed.to_string()
    };
    (format!("{drive}{head}"), tail)
}

fn win_splitdrive_filter(value: Jv, args: &mut Args) -> Result<Jv, Error> {
    let p = path_arg(&value, args)?;
    let (drive, rest) = win_splitdrive(&p);
    Ok(tuple(vec![Jv::from(drive), Jv::from(rest)]))
}

fn path_join(value: Jv, args: &mut Args) -> Result<Jv, Error> {
    if value.kind() == ValueKind::String {
        return Ok(value);
    }
    if !is_sequence(&value) {
        return Err(args.fail(format!(
            "|path_join expects string or sequence, got <class '{}'> instead.",
            type_name(&value)
        )));
    }
    let parts = items(&value);
    if parts.is_empty() {
        return Err(args.fail("join() missing 1 required positional argument: 'a'"));
    }
    let mut texts = Vec::with_capacity(parts.len());
    for (i, part) in parts.iter().enumerate() {
        match part.as_str().filter(|_| part.kind() == ValueKind::String) {
            Some(s) => texts.push(s.to_string()),
            None if i == 0 => {
                return Err(args.fail(format!(
                    "expected str, bytes or os.PathLike object, not {}",
                    type_name(part)
                )));
            }
            None => {
                return Err(args.fail(format!(
                    "join() argument must be str, bytes, or os.PathLike object, not '{}'",
                    type_name(part)
                )));
            }
        }
    }
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    Ok(Jv::from(join(&refs)))
}

fn commonpath(value: Jv, args: &mut Args) -> Result<Jv, Error> {
    if !is_sequence(&value) {
        return Err(args.fail(format!(
            "|commonpath expects sequence, got <class '{}'> instead.",
            type_name(&value)
        )));
    }
    let mut paths = Vec::new();
    for p in items(&value) {
        paths.push(path_arg(&p, args)?);
    }
    if paths.is_empty() {
        return Err(args.fail("commonpath() arg is an empty sequence"));
    }
    let absolute = paths[0].starts_with('/');
    if paths.iter().any(|p| p.starts_with('/') != absolute) {
        return Err(args.fail("Can't mix absolute and relative paths"));
    }
    let split: Vec<Vec<&str>> = paths
        .iter()
        .map(|p| {
            p.split('/')
                .filter(|c| !c.is_empty() && *c != ".")
                .collect()
        })
        .collect();
    let first = &split[0];
    let common = (0..first.len())
        .take_while(|&i| split.iter().all(|s| s.get(i) == Some(&first[i])))
        .count();
    let prefix = if absolute { "/" } else { "" };
    Ok(Jv::from(format!("{prefix}{}", first[..common].join("/"))))
}

/// One element of a glob pattern component.
enum Token {
    Star,
    Any,
    Set(Vec<(char, char)>, bool),
    Lit(char),
}

/// A pattern component as `fnmatch` reads it: `*`, `?`, `[...]`/`[!...]`
/// (an unclosed `[` is a literal).
fn tokens(pat: &[char]) -> Vec<Token> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < pat.len() {
        match pat[i] {
            '*' => {
                if !matches!(out.last(), Some(Token::Star)) {
                    out.push(Token::Star);
                }
            }
            '?' => out.push(Token::Any),
            '[' => {
                let mut j = i + 1;
                if pat.get(j) == Some(&'!') {
                    j += 1;
                }
                if pat.get(j) == Some(&']') {
                    j += 1;
                }
                while j < pat.len() && pat[j] != ']' {
                    j += 1;
                }
                if j >= pat.len() {
                    out.push(Token::Lit('['));
                } else {
                    let body = &pat[i + 1..j];
                    let (negate, body) = match body.split_first() {
                        Some(('!', b)) => (true, b),
                        _ => (false, body),
                    };
                    let mut ranges = Vec::new();
                    let mut k = 0;
                    while k < body.len() {
                        if k + 2 < body.len() && body[k + 1] == '-' {
                            ranges.push((body[k], body[k + 2]));
                            k += 3;
                        } else {
                            ranges.push((body[k], body[k]));
                            k += 1;
                        }
                    }
                    out.push(Token::Set(ranges, negate));
                    i = j;
                }
            }
            c => out.push(Token::Lit(c)),
        }
        i += 1;
    }
    out
}

fn token_matches(t: &Token, c: char) -> bool {
    match t {
        Token::Star | Token::Any => true,
        Token::Lit(l) => *l == c,
        Token::Set(ranges, negate) => ranges.iter().any(|(a, b)| *a <= c && c <= *b) != *negate,
    }
}

/// `fnmatch` of one name against one pattern component (linear-time
/// wildcard matching: backtrack only to the last `*`).
fn fnmatch(name: &[char], pat: &[char]) -> bool {
    let toks = tokens(pat);
    let (mut n, mut p) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        match toks.get(p) {
            Some(Token::Star) => {
                star = Some((p, n));
                p += 1;
            }
            Some(t) if token_matches(t, name[n]) => {
                n += 1;
                p += 1;
            }
            _ => match star {
                Some((sp, sn)) => {
                    p = sp + 1;
                    n = sn + 1;
                    star = Some((sp, sn + 1));
                }
                None => return false,
            },
        }
    }
    toks[p.min(toks.len())..]
        .iter()
        .all(|t| matches!(t, Token::Star))
}

fn has_magic(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

/// `glob.glob(pattern)` (non-recursive), in directory order.
pub(crate) fn glob(pattern: &str) -> Vec<String> {
    let (dir, base) = match pattern.rfind('/') {
        Some(i) => (&pattern[..i.max(usize::from(i == 0))], &pattern[i + 1..]),
        None => ("", pattern),
    };
    let dir = if pattern.starts_with('/') && dir.is_empty() {
        "/"
    } else {
        dir
    };
    if !has_magic(pattern) {
        let exists = !pattern.is_empty() && std::fs::symlink_metadata(pattern).is_ok();
        return if exists {
            vec![pattern.to_string()]
        } else {
            Vec::new()
        };
    }
    let dirs: Vec<String> = if dir.is_empty() {
        vec![String::new()]
    } else if dir != pattern && has_magic(dir) {
        glob(dir)
    } else {
        vec![dir.to_string()]
    };
    let mut out = Vec::new();
    for d in dirs {
        if !has_magic(base) {
            let candidate = if d.is_empty() {
                base.to_string()
            } else {
                join(&[&d, base])
            };
            if (base.is_empty() && Path::new(&d).is_dir())
                || (!base.is_empty() && std::fs::symlink_metadata(&candidate).is_ok())
            {
                out.push(candidate);
            }
            continue;
        }
        let listing = if d.is_empty() { "." } else { d.as_str() };
        let Ok(entries) = std::fs::read_dir(listing) else {
            continue;
        };
        let pat: Vec<char> = base.chars().collect();
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') && !base.starts_with('.') {
                continue;
            }
            let chars: Vec<char> = name.chars().collect();
            if fnmatch(&chars, &pat) {
                out.push(if d.is_empty() {
                    name
                } else {
                    join(&[&d, &name])
                });
            }
        }
    }
    out
}

fn fileglob(value: Jv, args: &mut Args) -> Result<Jv, Error> {
    let pattern = path_arg(&value, args)?;
    let files: Vec<Jv> = glob(&pattern)
        .into_iter()
        .filter(|p| Path::new(p).is_file())
        .map(|p| Jv::from(py_str(&Jv::from(p))))
        .collect();
    Ok(Jv::from(files))
}
