//! Lookups over files on the controller: `file`, `fileglob`,
//! `first_found`, `unvault`.

use super::options::{BOOL, BOOLEAN, Default, Kind, OptionDef, Options, opt};
use super::search::{find_file, read_text, search_paths, unfrack};
use super::{Call, Failure};
use crate::pypath;
use crate::templating::filters::math::py;
use indexmap::IndexMap;
use minijinja::value::{Value as Jv, ValueKind};

pub(super) static FILE_OPTIONS: &[OptionDef] = &[
    opt("rstrip", BOOL, Default::Bool(true)),
    opt("lstrip", BOOL, Default::Bool(false)),
];

/// `file`: the contents of each file, found in `files/` subdirectories.
pub(crate) fn file(
    call: &Call,
    terms: Vec<Jv>,
    kwargs: &IndexMap<String, Jv>,
) -> Result<Vec<Jv>, Failure> {
    let options = Options::parse("file", FILE_OPTIONS, kwargs)?;
    let mut out = Vec::new();
    for term in terms {
        let unable =
            |reason: &str| format!("Unable to access the file {}: {reason}", py::repr(&term));
        let Some(found) = find_file(call, Some("files"), &term, true)? else {
            return Err(unable("File not found. Use -vvvvv to see paths searched."));
        };
        let mut contents = read_text(call, &found).map_err(|e| unable(&e))?;
        if options.bool("lstrip") {
            contents = contents.trim_start_matches(py::is_space).to_string();
        }
        if options.bool("rstrip") {
            contents = contents.trim_end_matches(py::is_space).to_string();
        }
        out.push(Jv::from(contents));
    }
    Ok(out)
}

/// `unvault`: the (decrypted) contents of each file.
pub(crate) fn unvault(
    call: &Call,
    terms: Vec<Jv>,
    _kwargs: &IndexMap<String, Jv>,
) -> Result<Vec<Jv>, Failure> {
    let mut out = Vec::new();
    for term in terms {
        match find_file(call, Some("files"), &term, false)? {
            Some(found) => out.push(Jv::from(read_text(call, &found)?)),
            None => {
                return Err(format!(
                    "Unable to find file matching \"{}\"",
                    py::to_str(&term)
                ));
            }
        }
    }
    Ok(out)
}

/// `fileglob`: files (not directories) matching each pattern, searched in
/// the directory the pattern names, or else in the search path (each
/// entry's `files/` first); the first directory with matches wins.
pub(crate) fn fileglob(
    call: &Call,
    terms: Vec<Jv>,
    _kwargs: &IndexMap<String, Jv>,
) -> Result<Vec<Jv>, Failure> {
    let mut out = Vec::new();
    for term in terms {
        let Some(text) = term.as_str() else {
            return Err(format!(
                "expected str, bytes or os.PathLike object, not {}",
                py::type_name(&term)
            ));
        };
        let term_file = pypath::basename(text);
        let mut dirs: Vec<Option<String>> = Vec::new();
        if term_file != text {
            let dir = Jv::from(pypath::dirname(text));
            dirs.push(find_file(call, Some("files"), &dir, false)?);
        } else {
            for p in search_paths(call) {
                dirs.push(Some(pypath::join(&[&p, "files"])));
                dirs.push(Some(p));
            }
        }
        for dir in dirs.into_iter().flatten() {
            let matches: Vec<String> = glob(&pypath::join(&[&dir, term_file]))
                .into_iter()
                .filter(|p| std::path::Path::new(p).is_file())
                .collect();
            if !matches.is_empty() {
                out.extend(matches.into_iter().map(Jv::from));
                break;
            }
        }
    }
    Ok(out)
}

pub(super) static FIRST_FOUND_OPTIONS: &[OptionDef] = &[
    opt("files", Kind::List, Default::List(&[])),
    opt("paths", Kind::List, Default::List(&[])),
    opt("skip", BOOLEAN, Default::Bool(false)),
];

/// `first_found`: the first file that exists among the candidates (terms
/// that are file names, lists of them, or `{files, paths, skip}` dicts).
pub(crate) fn first_found(
    call: &Call,
    terms: Vec<Jv>,
    kwargs: &IndexMap<String, Jv>,
) -> Result<Vec<Jv>, Failure> {
    if kwargs.values().any(Jv::is_undefined) {
        return Ok(vec![Jv::UNDEFINED]);
    }
    let (terms, subdir) = match call.with_action {
        // As `with_first_found`, undefined terms are dropped and the
        // subdirectory follows the task's action.
        Some(action) => {
            let subdir = ["template", "var", "file"]
                .into_iter()
                .find(|s| action.contains(s))
                .unwrap_or("file");
            (drop_undefined(terms), Some(format!("{subdir}s")))
        }
        None => {
            if terms.iter().any(contains_undefined) {
                return Ok(vec![Jv::UNDEFINED]);
            }
            (terms, None)
        }
    };
    let mut options = Options::parse("first_found", FIRST_FOUND_OPTIONS, kwargs)?;
    let terms = if terms.is_empty() {
        options.list("files")
    } else {
        terms
    };
    let candidates = candidates(&mut options, &terms)?;
    for candidate in candidates {
        let needle = Jv::from(candidate);
        if let Some(found) = find_file(call, subdir.as_deref(), &needle, true)? {
            return Ok(vec![Jv::from(unfrack(&found))]);
        }
    }
    if options.bool("skip") {
        return Ok(Vec::new());
    }
    Err("No file was found when using first_found.".into())
}

fn contains_undefined(v: &Jv) -> bool {
    match v.kind() {
        ValueKind::Undefined => true,
        ValueKind::Seq => v
            .try_iter()
            .is_ok_and(|mut items| items.any(|i| contains_undefined(&i))),
        ValueKind::Map => v.try_iter().is_ok_and(|mut keys| {
            keys.any(|k| contains_undefined(&v.get_item(&k).unwrap_or_default()))
        }),
        _ => false,
    }
}

fn drop_undefined(terms: Vec<Jv>) -> Vec<Jv> {
    terms
        .into_iter()
        .filter(|t| !t.is_undefined())
        .map(|t| match t.kind() {
            ValueKind::Seq => Jv::from(drop_undefined(
                t.try_iter().map(|i| i.collect()).unwrap_or_default(),
            )),
            ValueKind::Map => {
                let mut map = IndexMap::new();
                if let Ok(keys) = t.try_iter() {
                    for k in keys {
                        let v = t.get_item(&k).unwrap_or_default();
                        if !v.is_undefined() {
                            map.insert(k, v);
                        }
                    }
                }
                Jv::from_object(map)
            }
            _ => t,
        })
        .collect()
}

/// `_process_terms`: every path to try, in order.
fn candidates(options: &mut Options, terms: &[Jv]) -> Result<Vec<String>, Failure> {
    let mut out = Vec::new();
    for term in terms {
        let files: Vec<Jv> = match term.kind() {
            ValueKind::Map => {
                let mut direct = IndexMap::new();
                if let Ok(keys) = term.try_iter() {
                    for k in keys {
                        let v = term.get_item(&k).unwrap_or_default();
                        direct.insert(py::to_str(&k), v);
                    }
                }
                *options = Options::parse("first_found", FIRST_FOUND_OPTIONS, &direct)?;
                options.list("files")
            }
            ValueKind::String => vec![term.clone()],
            ValueKind::Seq | ValueKind::Iterable => {
                let items: Vec<Jv> = term.try_iter().map(|i| i.collect()).unwrap_or_default();
                out.extend(candidates(options, &items)?);
                continue;
            }
            _ => {
                return Err(format!(
                    "Invalid term supplied. A string, dict or list is required, not {}).",
                    py::repr(&Jv::from(py::type_name(term)))
                ));
            }
        };
        let files = split_on(&files, &[',', ';'])?;
        let paths = split_on(&options.list("paths"), &[',', ':', ';'])?;
        if paths.is_empty() {
            out.extend(files);
        } else {
            for path in &paths {
                for f in &files {
                    out.push(pypath::join(&[path, f]));
                }
            }
        }
    }
    Ok(out)
}

/// `_split_on`: strings split on any of `splitters`, lists flattened.
fn split_on(terms: &[Jv], splitters: &[char]) -> Result<Vec<String>, Failure> {
    let mut out = Vec::new();
    for term in terms {
        match term.kind() {
            ValueKind::String => out.extend(
                term.as_str()
                    .unwrap_or_default()
                    .split(splitters)
                    .map(str::to_string),
            ),
            ValueKind::Seq | ValueKind::Iterable => {
                let items: Vec<Jv> = term.try_iter().map(|i| i.collect()).unwrap_or_default();
                out.extend(split_on(&items, splitters)?);
            }
            // Entries that could not be templated (an undefined variable
            // inside a lazily templated list) are left out, as ansible
            // omits undefined markers from the terms.
            ValueKind::Undefined | ValueKind::Invalid => {}
            _ => {
                return Err(format!("'{}' object is not iterable", py::type_name(term)));
            }
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------
// Python's glob.glob (non-recursive) and fnmatch

/// `glob.glob(pattern)`: matches in directory order, hidden names only
/// for patterns that start with a dot.
pub(crate) fn glob(pattern: &str) -> Vec<String> {
    if !has_magic(pattern) {
        let exists = if pattern.ends_with('/') {
            std::path::Path::new(pattern).is_dir()
        } else {
            std::fs::symlink_metadata(pattern).is_ok()
        };
        return if exists {
            vec![pattern.to_string()]
        } else {
            Vec::new()
        };
    }
    let (dir, base) = match pattern.rfind('/') {
        Some(i) => (&pattern[..i + 1], &pattern[i + 1..]),
        None => ("", pattern),
    };
    let dir_trimmed = if dir.len() > 1 {
        dir.trim_end_matches('/')
    } else {
        dir
    };
    let dirs: Vec<String> = if dir.is_empty() {
        vec![String::new()]
    } else if has_magic(dir_trimmed) {
        glob(dir_trimmed)
    } else {
        vec![dir_trimmed.to_string()]
    };
    let mut out = Vec::new();
    for d in dirs {
        let names = if has_magic(base) {
            glob_in_dir(&d, base)
        } else if base.is_empty() {
            if std::path::Path::new(&d).is_dir() {
                vec![String::new()]
            } else {
                Vec::new()
            }
        } else {
            let p = pypath::join(&[&d, base]);
            if std::fs::symlink_metadata(&p).is_ok() {
                vec![base.to_string()]
            } else {
                Vec::new()
            }
        };
        for name in names {
            out.push(if d.is_empty() {
                name
            } else {
                pypath::join(&[&d, &name])
            });
        }
    }
    out
}

fn has_magic(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

fn glob_in_dir(dir: &str, pattern: &str) -> Vec<String> {
    let read = if dir.is_empty() {
        std::fs::read_dir(".")
    } else {
        std::fs::read_dir(dir)
    };
    let Ok(entries) = read else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|name| !name.starts_with('.') || pattern.starts_with('.'))
        .filter(|name| fnmatch(name, pattern))
        .collect()
}

/// `fnmatch.fnmatchcase(name, pattern)`.
pub(crate) fn fnmatch(name: &str, pattern: &str) -> bool {
    let name: Vec<char> = name.chars().collect();
    let pat: Vec<char> = pattern.chars().collect();
    match_from(&name, 0, &pat, 0)
}

fn match_from(name: &[char], mut n: usize, pat: &[char], mut p: usize) -> bool {
    while p < pat.len() {
        match pat[p] {
            '*' => {
                while p < pat.len() && pat[p] == '*' {
                    p += 1;
                }
                if p == pat.len() {
                    return true;
                }
                return (n..=name.len()).any(|start| match_from(name, start, pat, p));
            }
            '?' => {
                if n >= name.len() {
                    return false;
                }
                n += 1;
                p += 1;
            }
            '[' => match bracket(pat, p) {
                Some((set, negate, next)) => {
                    let Some(&c) = name.get(n) else {
                        return false;
                    };
                    if set.iter().any(|&(lo, hi)| lo <= c && c <= hi) == negate {
                        return false;
                    }
                    n += 1;
                    p = next;
                }
                // An unclosed `[` is a literal.
                None => {
                    if name.get(n) != Some(&'[') {
                        return false;
                    }
                    n += 1;
                    p += 1;
                }
            },
            c => {
                if name.get(n) != Some(&c) {
                    return false;
                }
                n += 1;
                p += 1;
            }
        }
    }
    n == name.len()
}

/// A `[...]` set at `pat[p]`: its ranges, whether negated, and the index
/// after it; `None` when it is not closed.
type CharSet = (Vec<(char, char)>, bool, usize);

fn bracket(pat: &[char], p: usize) -> Option<CharSet> {
    let mut i = p + 1;
    let negate = pat.get(i) == Some(&'!');
    if negate {
        i += 1;
    }
    // A `]` right after the opening is part of the set.
    if pat.get(i) == Some(&']') {
        i += 1;
    }
    while i < pat.len() && pat[i] != ']' {
        i += 1;
    }
    if i >= pat.len() {
        return None;
    }
    let body = &pat[p + 1 + usize::from(negate)..i];
    let mut set = Vec::new();
    let mut k = 0;
    while k < body.len() {
        if k + 2 < body.len() && body[k + 1] == '-' {
            if body[k] <= body[k + 2] {
                set.push((body[k], body[k + 2]));
            }
            k += 3;
        } else {
            set.push((body[k], body[k]));
            k += 1;
        }
    }
    Some((set, negate, i + 1))
}

#[cfg(test)]
mod tests {
    use super::fnmatch;

    #[test]
    fn fnmatch_follows_python() {
        assert!(fnmatch("a.txt", "*.txt"));
        assert!(!fnmatch("a.txt", "*.csv"));
        assert!(fnmatch("a1", "a[0-9]"));
        assert!(!fnmatch("a1", "a[!0-9]"));
        assert!(fnmatch("]", "[]]"));
        assert!(fnmatch("[x", "[x"));
        assert!(fnmatch("abc", "a?c"));
        assert!(fnmatch("", "*"));
        assert!(!fnmatch("ab", "a"));
    }
}
