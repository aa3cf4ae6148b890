//! ansible's `files.py` tests (`os.path.isdir`, `isfile`, `islink`,
//! `exists`, `lexists`, `isabs`, `samefile`, `ismount`) and `vaulted_file`,
//! with Python's argument rules: paths are strings, an integer is a file
//! descriptor for the `stat`-based tests, anything else is a `TypeError`.

use std::fs::{self, Metadata};
use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::path::{Component, Path, PathBuf};

use minijinja::value::{Kwargs, Rest, Value, ValueKind};
use minijinja::{Environment, Error};

use crate::templating::filters::math::py::{self, Num, add_test, bind, require_defined};

pub(super) fn register(env: &mut Environment<'static>) {
    for name in ["directory", "is_dir"] {
        add_test(env, name, |v, r, k| {
            stat_test(v, r, k, "isdir", |m| m.is_dir())
        });
    }
    for name in ["file", "is_file"] {
        add_test(env, name, |v, r, k| {
            stat_test(v, r, k, "isfile", |m| m.is_file())
        });
    }
    add_test(env, "exists", |v, r, k| {
        stat_test(v, r, k, "exists", |_| true)
    });
    for name in ["link", "is_link"] {
        add_test(env, name, |v, r, k| {
            lstat_test(v, r, k, "islink", |m| m.file_type().is_symlink())
        });
    }
    add_test(env, "link_exists", |v, r, k| {
        lstat_test(v, r, k, "lexists", |_| true)
    });
    for name in ["abs", "is_abs"] {
        add_test(env, name, |v, r, k| {
            no_more_args(&v, &r, &k, "isabs")?;
            match v.as_str() {
                Some(path) if v.kind() == ValueKind::String => Ok(path.starts_with('/')),
                _ => Err(py::error(format!(
                    "expected str, bytes or os.PathLike object, not {}",
                    py::type_name(&v)
                ))),
            }
        });
    }
    for name in ["same_file", "is_same_file"] {
        add_test(env, name, same_file);
    }
    for name in ["mount", "is_mount"] {
        add_test(env, name, |v, r, k| {
            no_more_args(&v, &r, &k, "ismount")?;
            Ok(is_mount(&path_str(&v, "lstat")?))
        });
    }
}

fn no_more_args(value: &Value, rest: &[Value], kwargs: &Kwargs, name: &str) -> Result<(), Error> {
    require_defined(value)?;
    bind(name, rest, kwargs, &[])?;
    Ok(())
}

/// `os.fspath(value)` for the tests that need a path.
fn path_str(value: &Value, func: &str) -> Result<String, Error> {
    match value.as_str() {
        Some(s) if value.kind() == ValueKind::String => Ok(s.to_string()),
        _ => Err(py::error(format!(
            "{func}: path should be string, bytes or os.PathLike, not {}",
            py::type_name(value)
        ))),
    }
}

/// What `os.stat(value)` is called on: a path, or a file descriptor.
enum Target {
    Path(String),
    Fd(i128),
}

fn stat_target(value: &Value, func: &str) -> Result<Target, Error> {
    if let Some(Num::Int(fd)) = py::num(value) {
        return Ok(Target::Fd(fd));
    }
    match value.as_str() {
        Some(s) if value.kind() == ValueKind::String => Ok(Target::Path(s.to_string())),
        _ => Err(py::error(format!(
            "{func}: path should be string, bytes, os.PathLike or integer, not {}",
            py::type_name(value)
        ))),
    }
}

/// `os.stat`; `None` where Python raises `OSError`/`ValueError`.
fn stat(target: &Target) -> Option<Metadata> {
    match target {
        Target::Path(p) if p.contains('\0') => None,
        Target::Path(p) => fs::metadata(p).ok(),
        Target::Fd(fd) if *fd < 0 => None,
        Target::Fd(fd) => fs::metadata(format!("/proc/self/fd/{fd}")).ok(),
    }
}

fn lstat(path: &str) -> Option<Metadata> {
    if path.contains('\0') {
        return None;
    }
    fs::symlink_metadata(path).ok()
}

fn stat_test(
    value: Value,
    rest: Rest<Value>,
    kwargs: Kwargs,
    func: &str,
    f: fn(&Metadata) -> bool,
) -> Result<bool, Error> {
    no_more_args(&value, &rest, &kwargs, func)?;
    let target = stat_target(&value, "stat")?;
    Ok(stat(&target).is_some_and(|m| f(&m)))
}

fn lstat_test(
    value: Value,
    rest: Rest<Value>,
    kwargs: Kwargs,
    func: &str,
    f: fn(&Metadata) -> bool,
) -> Result<bool, Error> {
    no_more_args(&value, &rest, &kwargs, func)?;
    let path = path_str(&value, "lstat")?;
    Ok(lstat(&path).is_some_and(|m| f(&m)))
}

fn same_file(value: Value, rest: Rest<Value>, kwargs: Kwargs) -> Result<bool, Error> {
    require_defined(&value)?;
    let args = bind("samefile", &rest, &kwargs, &["f2"])?;
    let Some(other) = args[0].clone() else {
        return Err(py::error(
            "samefile() missing 1 required positional argument: 'f2'",
        ));
    };
    let mut stats = Vec::new();
    for v in [&value, &other] {
        let target = stat_target(v, "stat")?;
        let meta = stat(&target).ok_or_else(|| match &target {
            Target::Path(p) => py::error(format!(
                "[Errno 2] No such file or directory: {}",
                crate::value::python_str_repr(p)
            )),
            Target::Fd(_) => py::error("[Errno 9] Bad file descriptor"),
        })?;
        stats.push(meta);
    }
    Ok(stats[0].dev() == stats[1].dev() && stats[0].ino() == stats[1].ino())
}

/// `os.path.realpath` (non-strict): symlinks resolved where they exist,
/// `..` applied after resolving what precedes it.
fn realpath(path: &str) -> PathBuf {
    let mut resolved = if path.starts_with('/') {
        PathBuf::from("/")
    } else {
        std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"))
    };
    let mut budget = 40;
    resolve_into(&mut resolved, Path::new(path), &mut budget);
    resolved
}

fn resolve_into(resolved: &mut PathBuf, path: &Path, budget: &mut u32) {
    for component in path.components() {
        match component {
            Component::RootDir => *resolved = PathBuf::from("/"),
            Component::CurDir | Component::Prefix(_) => {}
            Component::ParentDir => {
                resolved.pop();
            }
            Component::Normal(name) => {
                let candidate = resolved.join(name);
                let is_link = fs::symlink_metadata(&candidate)
                    .map(|m| m.file_type().is_symlink())
                    .unwrap_or(false);
                if is_link && *budget > 0 {
                    *budget -= 1;
                    if let Ok(target) = fs::read_link(&candidate) {
                        resolve_into(resolved, &target, budget);
                        continue;
                    }
                }
                *resolved = candidate;
            }
        }
    }
}

/// `os.path.ismount`.
fn is_mount(path: &str) -> bool {
    let Some(s1) = lstat(path) else {
        return false;
    };
    if s1.file_type().is_symlink() {
        return false;
    }
    let parent = realpath(&format!("{}/..", path.trim_end_matches('/')));
    let parent = if path.chars().all(|c| c == '/') && !path.is_empty() {
        PathBuf::from("/")
    } else {
        parent
    };
    let Ok(s2) = fs::symlink_metadata(&parent) else {
        return false;
    };
    s1.dev() != s2.dev() || s1.ino() == s2.ino()
}

/// `vaulted_file`: does the file start with the vault header?
pub(super) fn vaulted_file(value: Value, rest: Rest<Value>, kwargs: Kwargs) -> Result<bool, Error> {
    no_more_args(&value, &rest, &kwargs, "vaulted_file")?;
    let path = py::to_str(&value);
    let fail = |e: &std::io::Error| {
        py::error(format!(
            "Cannot test if the file {} is a vault: {}",
            py::repr(&value),
            os_error(e, &path)
        ))
    };
    let mut file = fs::File::open(&path).map_err(|e| fail(&e))?;
    let mut head = [0u8; 14];
    let mut read = 0;
    while read < head.len() {
        match file.read(&mut head[read..]) {
            Ok(0) => break,
            Ok(n) => read += n,
            Err(e) => return Err(fail(&e)),
        }
    }
    Ok(head[..read].is_ascii() && head[..read].starts_with(b"$ANSIBLE_VAULT"))
}

/// Python's `OSError` text: `[Errno 2] No such file or directory: b'path'`.
fn os_error(e: &std::io::Error, path: &str) -> String {
    let text = e.to_string();
    let strerror = text.split(" (os error").next().unwrap_or(&text);
    match e.raw_os_error() {
        Some(code) => format!(
            "[Errno {code}] {strerror}: b{}",
            crate::value::python_str_repr(path)
        ),
        None => strerror.to_string(),
    }
}
