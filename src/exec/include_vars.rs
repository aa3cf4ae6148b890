//! The `include_vars` action (ansible's `plugins/action/include_vars.py`):
//! one file found like any action's file (`_find_needle('vars', ...)`), or
//! every file of a directory tree (sorted, depth-limited, filtered by name
//! and extension). The result's `ansible_facts` go to the include_vars
//! layer of the host's variables.

use super::actions::ActionInput;
use super::report::TaskError;
use crate::inventory::vars::{HashBehaviour, combine_into};
use crate::templating::bridge::from_jinja;
use crate::value::{Map, Value};
use std::path::{Path, PathBuf};

const DIR_ARGS: &[&str] = &[
    "dir",
    "depth",
    "files_matching",
    "ignore_files",
    "extensions",
    "ignore_unknown_extensions",
];
const FILE_ARGS: &[&str] = &["file", "_raw_params"];
const ALL_ARGS: &[&str] = &["name", "hash_behaviour"];

/// Options of a directory include.
struct DirOptions {
    depth: usize,
    matcher: Option<crate::pyre::Regex>,
    ignore: Vec<String>,
    extensions: Vec<String>,
    ignore_unknown_extensions: bool,
    role_path: Option<PathBuf>,
}

/// What loading produced: the variables and the files read, or ansible's
/// failure message (reported as `message`, not `msg`).
struct Loaded {
    vars: Map,
    files: Vec<PathBuf>,
}

fn text(value: Option<&Value>) -> Option<String> {
    match value {
        None | Some(Value::Null) => None,
        Some(v) => Some(v.python_str()).filter(|s| !s.is_empty()),
    }
}

pub fn run(input: ActionInput) -> Result<Map, TaskError> {
    let args = &input.args;
    let mut dirs = 0;
    let mut files = 0;
    for name in args.keys() {
        if DIR_ARGS.contains(&name.as_str()) {
            dirs += 1;
        } else if FILE_ARGS.contains(&name.as_str()) {
            files += 1;
        } else if !ALL_ARGS.contains(&name.as_str()) {
            return Err(TaskError::new(format!(
                "{name} is not a valid option in include_vars"
            )));
        }
    }
    if dirs > 0 && files > 0 {
        return Err(TaskError::new(
            "You are mixing file only and dir only arguments, these are incompatible",
        ));
    }
    let hash_behaviour = text(args.get("hash_behaviour"));
    let name = text(args.get("name"));
    let source_dir = text(args.get("dir"));
    let mut source_file = text(args.get("file"));
    if source_dir.is_none() && source_file.is_none() {
        source_file = text(args.get("_raw_params")).map(|s| s.trim_end_matches('\n').to_string());
    }

    let outcome = match &source_dir {
        Some(dir) => load_dir(&input, dir),
        None => load_file(&input, source_file.as_deref()),
    };
    let mut result = Map::new();
    let (mut vars, included, failure) = match outcome {
        Ok(Ok(loaded)) => (loaded.vars, loaded.files, None),
        Ok(Err((partial, message))) => (Map::new(), partial, Some(message)),
        Err(e) => return Err(e),
    };
    if let Some(name) = name {
        let mut wrapped = Map::new();
        wrapped.insert(name, Value::Map(vars));
        vars = wrapped;
    }
    if let Some(message) = failure {
        result.insert("failed".into(), Value::Bool(true));
        result.insert("message".into(), Value::str(message));
    } else if let Some(how) = hash_behaviour
        && how != hash_name(input.hash)
    {
        // Combine with the values the task already sees, so that `merge`
        // (or `replace`) applies to this include alone.
        let mut existing = Map::new();
        for key in vars.keys() {
            if let Ok(v) = input.context.get_attr(key)
                && !v.is_undefined()
            {
                existing.insert(key.clone(), from_jinja(&v));
            }
        }
        let behaviour = if how == "merge" {
            HashBehaviour::Merge
        } else {
            HashBehaviour::Replace
        };
        combine_into(&mut existing, &vars, behaviour);
        vars = existing;
    }
    // A file vault-encrypted as a whole hides the whole result, as
    // ansible's `show_content` (`SourceWasEncrypted`) does.
    if included
        .iter()
        .any(|f| crate::vault::file_is_encrypted(f).unwrap_or(false))
    {
        result.insert("_ansible_no_log".into(), Value::Bool(true));
    }
    result.insert(
        "ansible_included_var_files".into(),
        Value::List(
            included
                .iter()
                .map(|f| Value::str(f.to_string_lossy().as_ref()))
                .collect(),
        ),
    );
    result.insert("ansible_facts".into(), Value::Map(vars));
    result.insert("changed".into(), Value::Bool(false));
    Ok(result)
}

fn hash_name(how: HashBehaviour) -> &'static str {
    match how {
        HashBehaviour::Replace => "replace",
        HashBehaviour::Merge => "merge",
    }
}

type Outcome = Result<Result<Loaded, (Vec<PathBuf>, String)>, TaskError>;

/// One file, looked up in the task's search path.
fn load_file(input: &ActionInput, source: Option<&str>) -> Outcome {
    let path = match find_needle(input.search_path, "vars", source) {
        Ok(p) => p,
        Err(message) => return Ok(Err((Vec::new(), message))),
    };
    let mut loaded = Loaded {
        vars: Map::new(),
        files: Vec::new(),
    };
    // A file that does not load fails the task with the error's text as
    // `message` (ansible catches the AnsibleError here, not for dirs).
    let vars = match load_vars_file(&path, input.vault) {
        Ok(vars) => vars,
        Err(e) => return Ok(Err((Vec::new(), load_failure_text(&e)))),
    };
    match vars {
        Ok(vars) => {
            loaded.vars = vars;
            loaded.files.push(path);
            Ok(Ok(loaded))
        }
        Err(message) => Ok(Err((Vec::new(), message))),
    }
}

/// `str()` of ansible's load error: the message without its origin.
fn load_failure_text(e: &crate::playbook::loader::DataError) -> String {
    match e {
        crate::playbook::loader::DataError::Yaml(yaml) => {
            format!("YAML parsing failed: {}", yaml.message)
        }
        other => other.to_string(),
    }
}

/// Parse a file; `Ok(Err(..))` when it is not a mapping. YAML warnings
/// (duplicate keys) are shown as the file loads, as ansible does.
fn load_vars_file(
    path: &Path,
    vault: Option<&crate::vault::Vault>,
) -> Result<Result<Map, String>, crate::playbook::loader::DataError> {
    let (value, warnings) = crate::playbook::loader::load_data_file(path, vault)?;
    for warning in &warnings {
        crate::cli::display::warning(warning);
    }
    Ok(match value {
        Some(Value::Map(m)) => Ok(m),
        None | Some(Value::Null) => Ok(Map::new()),
        Some(_) => Err(format!(
            "{} must be stored as a dictionary/hash",
            path.display()
        )),
    })
}

/// `DataLoader.path_dwim_relative_stack(search_path, dirname, source)`.
pub fn find_needle(
    search_path: &[PathBuf],
    dirname: &str,
    source: Option<&str>,
) -> Result<PathBuf, String> {
    let tail = " on the Ansible Controller.\nIf you are using a module and expect the file to exist on the remote, see the remote_src option";
    let Some(source) = source else {
        crate::cli::display::warning(
            "Invalid request to find a file that matches a \"null\" value",
        );
        return Err(format!("Could not find file{tail}"));
    };
    let mut search: Vec<PathBuf> = Vec::new();
    if source.starts_with('~') || source.starts_with('/') {
        let path = PathBuf::from(crate::pypath::expanduser(source));
        if path.exists() {
            return Ok(path);
        }
    } else {
        let first = source.split('/').next().unwrap_or("");
        for dir in search_path {
            if first != dirname {
                search.push(dir.join(dirname).join(source));
            }
            search.push(dir.join(source));
        }
        if let Some(found) = search.iter().find(|p| p.exists()) {
            return Ok(found.clone());
        }
    }
    let mut message = format!("Could not find or access '{source}'");
    if !search.is_empty() {
        let searched: Vec<String> = search
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        message.push_str(&format!("\nSearched in:\n\t{}", searched.join("\n\t")));
    }
    message.push_str(tail);
    Err(message)
}

/// The directory of a `dir` include (`_set_root_dir`): in a role, under
/// its `vars/` (unless the name starts there); else beside the task file.
fn root_dir(input: &ActionInput, dir: &str) -> PathBuf {
    match input.role_path {
        Some(role) => {
            if dir.split('/').next() == Some("vars") {
                let candidate = role.join(dir);
                if candidate.exists() {
                    return candidate;
                }
                PathBuf::from(dir)
            } else {
                role.join("vars").join(dir)
            }
        }
        None => input
            .origin
            .file
            .path
            .parent()
            .map(|p| p.join(dir))
            .unwrap_or_else(|| PathBuf::from(dir)),
    }
}

fn load_dir(input: &ActionInput, dir: &str) -> Outcome {
    let args = &input.args;
    let root = root_dir(input, dir);
    if !root.exists() {
        return Ok(Err((
            Vec::new(),
            format!("{} directory does not exist", root.display()),
        )));
    }
    if !root.is_dir() {
        return Ok(Err((
            Vec::new(),
            format!("{} is not a directory", root.display()),
        )));
    }
    let depth = match args.get("depth") {
        Some(Value::Int(n)) if *n > 0 => *n as usize,
        Some(v @ (Value::Str(_) | Value::Unsafe(_))) => {
            v.python_str().trim().parse::<usize>().unwrap_or(0)
        }
        _ => 0,
    };
    let matcher = match text(args.get("files_matching")) {
        Some(p) => Some(
            crate::pyre::compile(&p, crate::pyre::Flags::default())
                .map_err(|e| TaskError::new(format!("Invalid regular expression: {p}: {e}")))?,
        ),
        None => None,
    };
    let ignore = match args.get("ignore_files") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::List(items)) => items.iter().map(Value::python_str).collect(),
        Some(Value::Map(m)) => {
            return Ok(Err((
                Vec::new(),
                format!("{} must be a list", Value::Map(m.clone()).python_str()),
            )));
        }
        Some(other) => other
            .python_str()
            .split_whitespace()
            .map(str::to_string)
            .collect(),
    };
    let extensions = match args.get("extensions") {
        None => vec!["yaml".into(), "yml".into(), "json".into()],
        Some(Value::List(items)) => items.iter().map(Value::python_str).collect(),
        // ansible turns a string into the list of its characters.
        Some(Value::Str(s) | Value::Unsafe(s)) => s.chars().map(String::from).collect(),
        Some(_) => {
            return Err(TaskError::new(
                "Invalid type for \"extensions\" option, it must be a list",
            ));
        }
    };
    let options = DirOptions {
        depth,
        matcher,
        ignore,
        extensions,
        ignore_unknown_extensions: args
            .get("ignore_unknown_extensions")
            .and_then(Value::ansible_bool)
            .unwrap_or(false),
        role_path: input.role_path.map(Path::to_path_buf),
    };
    let mut loaded = Loaded {
        vars: Map::new(),
        files: Vec::new(),
    };
    for (dir, names) in walk_sorted(&root) {
        let level = dir
            .strip_prefix(&root)
            .map(|rel| rel.components().count())
            .unwrap_or(0)
            + 1;
        if options.depth != 0 && level > options.depth {
            continue;
        }
        for name in names {
            if let Some(message) = load_dir_file(&options, &dir, &name, input, &mut loaded)? {
                return Ok(Err((loaded.files, message)));
            }
        }
    }
    Ok(Ok(loaded))
}

/// One file of a directory include (`_load_files_in_dir`); `Some(message)`
/// stops the include with a failure.
fn load_dir_file(
    options: &DirOptions,
    dir: &Path,
    name: &str,
    input: &ActionInput,
    loaded: &mut Loaded,
) -> Result<Option<String>, TaskError> {
    // A role's own vars/main.yml is never included again.
    if let Some(role) = &options.role_path
        && role.join(name) == dir.join("vars").join("main.yml")
    {
        return Ok(None);
    }
    if let Some(m) = &options.matcher
        && !m.is_search(name).map_err(TaskError::new)?
    {
        return Ok(None);
    }
    let path = dir.join(name);
    if !path.exists() || ignored(&options.ignore, name)? {
        return Ok(None);
    }
    let valid_ext = options
        .extensions
        .iter()
        .any(|e| *e == python_extension(name));
    if options.ignore_unknown_extensions && !valid_ext {
        return Ok(None);
    }
    if !valid_ext {
        return Ok(Some(format!(
            "{} does not have a valid extension: {}",
            path.display(),
            options.extensions.join(", ")
        )));
    }
    match load_vars_file(&path, input.vault).map_err(|e| TaskError::new(e.to_string()))? {
        Ok(vars) => {
            for (k, v) in vars {
                loaded.vars.insert(k, v);
            }
            loaded.files.push(path);
            Ok(None)
        }
        Err(message) => Ok(Some(message)),
    }
}

/// `_ignore_file`: `re.search(pattern + '$', name)` for each pattern (the
/// text is appended as ansible does, so `a|b` ends up as `a|b$`).
fn ignored(patterns: &[String], name: &str) -> Result<bool, TaskError> {
    for p in patterns {
        let re = crate::pyre::compile(&format!("{p}$"), crate::pyre::Flags::default())
            .map_err(|_| TaskError::new(format!("Invalid regular expression: {p}")))?;
        if re.is_search(name).map_err(TaskError::new)? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The extension as `os.path.splitext` finds it, without the dot
/// (leading dots of a name do not start an extension).
fn python_extension(name: &str) -> &str {
    let stem_start = name.len() - name.trim_start_matches('.').len();
    match name[stem_start..].rfind('.') {
        Some(i) => &name[stem_start + i + 1..],
        None => "",
    }
}

/// `os.walk(root, followlinks=True)` sorted by directory, each directory's
/// file names sorted.
fn walk_sorted(root: &Path) -> Vec<(PathBuf, Vec<String>)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    let mut seen = 0usize;
    while let Some(dir) = stack.pop() {
        // A symlink loop must not walk forever.
        seen += 1;
        if seen > 10_000 {
            break;
        }
        let mut names = Vec::new();
        if let Ok(entries) = std::fs::read_dir(&dir) {
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    names.push(entry.file_name().to_string_lossy().into_owned());
                }
            }
        }
        names.sort();
        out.push((dir, names));
    }
    out.sort_by(|a, b| a.0.as_os_str().cmp(b.0.as_os_str()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions_follow_splitext() {
        assert_eq!(python_extension("a.yml"), "yml");
        assert_eq!(python_extension("file_without_extension"), "");
        assert_eq!(python_extension(".hidden"), "");
        assert_eq!(python_extension("a.b.json"), "json");
    }

    #[test]
    fn missing_file_names_the_search() {
        let err = find_needle(&[PathBuf::from("/nonexistent")], "vars", Some("x.yml")).unwrap_err();
        assert!(err.starts_with(
            "Could not find or access 'x.yml'\nSearched in:\n\t/nonexistent/vars/x.yml\n\t/nonexistent/x.yml on the Ansible Controller."
        ));
        let err = find_needle(&[PathBuf::from("/n")], "vars", Some("vars/x.yml")).unwrap_err();
        assert!(err.contains("Searched in:\n\t/n/vars/x.yml on"));
    }
}
