//! Finding and reading files as ansible's lookups do.
//!
//! `find_file` is `LookupBase.find_file_in_search_path`: the directories
//! of `ansible_search_path` (else `role_path`, else the loader's base
//! directory), each tried with the lookup's subdirectory (`files`,
//! `templates`, `vars`) and without it, then the base directory the same
//! way — ansible's `DataLoader.path_dwim_relative_stack`, quirks included
//! (a `None` subdirectory is the directory named `None`).
//!
//! `read_text` is `DataLoader.get_text_file_contents`: the file's bytes,
//! decrypted when vaulted, decoded as UTF-8.

use super::{Call, Failure};
use crate::pypath;
use crate::templating::bridge::from_jinja;
use crate::value::Value;
use crate::vault::{Vault, is_encrypted};
use minijinja::value::Value as Jv;

/// `unfrackpath(path, follow=False)`: variables and `~` expanded, made
/// absolute against the working directory, normalised.
pub(crate) fn unfrack(path: &str) -> String {
    let expanded = pypath::expanduser(&pypath::expandvars(path));
    let absolute = if expanded.starts_with('/') {
        expanded
    } else {
        pypath::join(&[&pypath::cwd(), &expanded])
    };
    pypath::normpath(&absolute)
}

/// Why a file was not found; `Missing` is ansible's `AnsibleFileNotFound`.
#[derive(Debug)]
pub(crate) enum NotFound {
    /// The needle was `None` (ansible warns and finds nothing).
    Null,
    Missing,
}

/// The search path of a lookup call: `ansible_search_path`, or the base
/// directory (`role_path` or the loader's).
pub(crate) fn search_paths(call: &Call) -> Vec<String> {
    match call.vars.get("ansible_search_path").map(|v| from_jinja(&v)) {
        Some(Value::List(items)) => items.iter().map(Value::python_str).collect(),
        // ansible iterates whatever it is given: a string, by character.
        Some(Value::Str(s)) => s.chars().map(String::from).collect(),
        _ => vec![call.basedir()],
    }
}

/// `find_file_in_search_path(variables, subdir, needle, ignore_missing)`.
/// A missing file is `Ok(None)`, with ansible's warning unless
/// `ignore_missing`; a needle that is not text is the error Python raises.
pub(crate) fn find_file(
    call: &Call,
    subdir: Option<&str>,
    needle: &Jv,
    ignore_missing: bool,
) -> Result<Option<String>, Failure> {
    let paths = search_paths(call);
    let is_role = call.vars.get("role_path").is_some();
    match dwim_relative_stack(call, &paths, subdir, needle, is_role)? {
        Ok(found) => Ok(Some(found)),
        Err(NotFound::Null) => {
            call.services
                .warn("Invalid request to find a file that matches a \"null\" value");
            if !ignore_missing {
                call.services
                    .warn("Unable to find 'None' in expected paths (use -vvvvv to see paths)");
            }
            Ok(None)
        }
        Err(NotFound::Missing) => {
            if !ignore_missing {
                call.services.warn(format!(
                    "Unable to find '{}' in expected paths (use -vvvvv to see paths)",
                    crate::templating::filters::math::py::to_str(needle)
                ));
            }
            Ok(None)
        }
    }
}

/// `DataLoader.path_dwim_relative_stack(paths, dirname, source, is_role)`.
fn dwim_relative_stack(
    call: &Call,
    paths: &[String],
    subdir: Option<&str>,
    source: &Jv,
    is_role: bool,
) -> Result<Result<String, NotFound>, Failure> {
    if source.is_none() || source.is_undefined() {
        return Ok(Err(NotFound::Null));
    }
    let Some(source) = source.as_str() else {
        return Err(format!(
            "'{}' object has no attribute 'startswith'",
            crate::templating::filters::math::py::type_name(source)
        ));
    };
    // ansible turns the subdirectory into bytes with `to_bytes`, which
    // makes `None` the text "None".
    let subdir = subdir.unwrap_or("None");
    if !source.is_empty() && (source.starts_with('~') || source.starts_with('/')) {
        let test_path = unfrack(source);
        return Ok(if std::path::Path::new(&test_path).exists() {
            Ok(test_path)
        } else {
            Err(NotFound::Missing)
        });
    }
    let mut search: Vec<String> = Vec::new();
    for path in paths {
        let upath = unfrack(path);
        let pb_base_dir = pypath::dirname(&upath);
        if (is_role || looks_like_role(path)) && pb_base_dir.ends_with("/tasks") {
            search.push(pypath::join(&[
                &pypath::dirname(&pb_base_dir),
                subdir,
                source,
            ]));
            search.push(pypath::join(&[&pb_base_dir, source]));
        }
        // ansible compares bytes with text here, so the subdirectory is
        // always added, even when the source already starts with it.
        search.push(pypath::join(&[&upath, subdir, source]));
        search.push(pypath::join(&[&upath, source]));
    }
    let base = call.services.base_dir_text();
    search.push(pypath::join(&[&base, subdir, source]));
    search.push(pypath::join(&[&base, source]));
    Ok(search
        .into_iter()
        .find(|candidate| std::path::Path::new(candidate).exists())
        .ok_or(NotFound::Missing))
}

/// `DataLoader._is_role`: imperfect role detection from a path.
fn looks_like_role(path: &str) -> bool {
    let exists = |p: String| std::path::Path::new(&p).exists();
    let dir = pypath::dirname(path);
    let upath = unfrack(path);
    let untasked = ["main.yml", "main.yaml", "main"]
        .iter()
        .any(|m| exists(pypath::join(&[path, m])));
    let tasked = [
        "tasks/main.yml",
        "tasks/main.yaml",
        "tasks/main",
        "meta/main.yml",
    ]
    .iter()
    .chain(["meta/main.yaml", "meta/main"].iter())
    .any(|m| exists(pypath::join(&[&upath, m])) || exists(pypath::join(&[&dir, m])));
    (ends_with_tasks(path) && untasked) || tasked
}

/// ansible's `RE_TASKS`: `(?:^|/)+tasks/?$`.
fn ends_with_tasks(path: &str) -> bool {
    let trimmed = path.strip_suffix('/').unwrap_or(path);
    trimmed == "tasks" || trimmed.ends_with("/tasks")
}

/// `DataLoader.path_dwim`: relative paths are taken from the loader's
/// base directory.
pub(crate) fn path_dwim(call: &Call, given: &str) -> String {
    let given = crate::playbook::kv::unquote(given);
    if given.starts_with('/') || given.starts_with('~') {
        unfrack(given)
    } else {
        unfrack(&pypath::join(&[&call.services.base_dir_text(), given]))
    }
}

/// A file's bytes, decrypted if vaulted (`DataLoader._get_file_contents`).
pub(crate) fn read_bytes(call: &Call, file: &str) -> Result<Vec<u8>, Failure> {
    let path = path_dwim(call, file);
    let data = std::fs::read(&path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            format!("Could not find or access '{path}': Unable to retrieve file contents.")
        } else {
            format!(
                "An error occurred while trying to read the file {}: {}",
                crate::value::python_str_repr(&path),
                os_error(&e, &path)
            )
        }
    })?;
    if !is_encrypted(&data) {
        return Ok(data);
    }
    let no_secrets = Vault::new(Vec::new());
    let vault = call.services.vault.as_deref().unwrap_or(&no_secrets);
    vault.decrypt_bytes(&data, &path).map_err(|e| e.to_string())
}

/// A file's text (`get_text_file_contents`): invalid UTF-8 is replaced
/// (ansible escapes it with surrogates and warns).
pub(crate) fn read_text(call: &Call, file: &str) -> Result<String, Failure> {
    let bytes = read_bytes(call, file)?;
    Ok(match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    })
}

/// Python's text of an `OSError`: `[Errno 21] Is a directory: '/x'`.
pub(crate) fn os_error(e: &std::io::Error, path: &str) -> String {
    let text = e.to_string();
    let reason = match text.rfind(" (os error ") {
        Some(i) => text[..i].to_string(),
        None => text,
    };
    match e.raw_os_error() {
        Some(errno) => format!(
            "[Errno {errno}] {reason}: {}",
            crate::value::python_str_repr(path)
        ),
        None => reason,
    }
}
