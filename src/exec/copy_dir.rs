//! `copy` of a controller directory (ansible's copy action with a
//! directory `src`): every file is copied like a single file, every
//! directory is made with the `file` module (`directory_mode`), symlinks
//! that are not followed become links. `src/` copies the directory's
//! contents, `src` the directory itself.

use super::execute::{Outcome, TaskRun};
use super::transfer::{FILE_ARGS, Source, failed, truthy};
use crate::value::{Map, Value};
use minijinja::value::Value as Jv;
use std::path::{Path, PathBuf};

/// What a walk of the source tree finds, with paths relative to the
/// destination directory.
#[derive(Default)]
struct Tree {
    files: Vec<(PathBuf, String)>,
    directories: Vec<String>,
    /// (link target as written, relative destination)
    symlinks: Vec<(String, String)>,
}

/// A directory's identity (device, inode).
fn identity(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

/// Is the directory a link points to one of the directories being copied
/// around it, or an ancestor of the link itself? Then following it would
/// never end, and ansible keeps it a link.
fn is_circular(link: &Path, ancestors: &[(u64, u64)]) -> bool {
    let Some(target) = identity(link) else {
        return true;
    };
    if ancestors.contains(&target) {
        return true;
    }
    let (Ok(real_target), Some(Ok(real_parent))) = (
        std::fs::canonicalize(link),
        link.parent().map(std::fs::canonicalize),
    ) else {
        return false;
    };
    real_parent.starts_with(&real_target)
}

fn walk(
    dir: &Path,
    rel: &str,
    local_follow: bool,
    tree: &mut Tree,
    ancestors: &mut Vec<(u64, u64)>,
) {
    // Deep trees end here rather than overflow the stack.
    if ancestors.len() > 64 {
        return;
    }
    let pushed = identity(dir).map(|id| ancestors.push(id)).is_some();
    walk_entries(dir, rel, local_follow, tree, ancestors);
    if pushed {
        ancestors.pop();
    }
}

fn walk_entries(
    dir: &Path,
    rel: &str,
    local_follow: bool,
    tree: &mut Tree,
    ancestors: &mut Vec<(u64, u64)>,
) {
    let mut entries: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(rd) => rd.flatten().map(|e| e.path()).collect(),
        Err(_) => return,
    };
    entries.sort();
    let join = |name: &str| {
        if rel.is_empty() {
            name.to_string()
        } else {
            format!("{rel}/{name}")
        }
    };
    let mut subdirs = Vec::new();
    for path in entries {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let is_link = path
            .symlink_metadata()
            .is_ok_and(|m| m.file_type().is_symlink());
        if path.is_dir() && (!is_link || (local_follow && !is_circular(&path, ancestors))) {
            subdirs.push((path, join(&name)));
        } else if is_link && !(local_follow && path.is_file()) {
            let target = std::fs::read_link(&path)
                .map(|t| t.to_string_lossy().into_owned())
                .unwrap_or_default();
            tree.symlinks.push((target, join(&name)));
        } else {
            tree.files.push((path, join(&name)));
        }
    }
    for (path, rel) in subdirs {
        tree.directories.push(rel.clone());
        walk(&path, &rel, local_follow, tree, ancestors);
    }
}

impl TaskRun<'_> {
    pub(super) fn copy_directory(
        &self,
        args: Map,
        dest: String,
        src: &str,
        source: &Path,
        context: &Jv,
    ) -> Outcome {
        let local_follow = truthy(&args, "local_follow", true);
        let mut tree = Tree::default();
        let base = if src.ends_with('/') {
            String::new()
        } else {
            // The directory itself is made by its files' copies (an empty
            // one is not made at all, as in ansible).
            source
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        };
        walk(source, &base, local_follow, &mut tree, &mut Vec::new());
        let dest = if dest.ends_with('/') {
            dest
        } else {
            format!("{dest}/")
        };
        let mut changed = false;
        let mut last = Map::new();
        let mut executed = false;
        for (path, rel) in &tree.files {
            let data = match self.controller_source(path, rel) {
                Ok(d) => d,
                Err(msg) => return failed(msg),
            };
            let mode = std::fs::metadata(path).ok().map(|m| {
                use std::os::unix::fs::PermissionsExt;
                m.permissions().mode() & 0o7777
            });
            let mut file_args = args.clone();
            file_args.insert("follow".into(), Value::Bool(false));
            let source = Source {
                data,
                rel: rel.clone(),
                mode,
                path: Some(path.clone()),
            };
            let outcome = self.copy_bytes("copy", file_args, dest.clone(), source, context);
            if outcome.result.get("failed").is_some_and(Value::is_truthy) {
                return outcome;
            }
            record(outcome.result, &mut changed, &mut last, &mut executed);
        }
        for rel in &tree.directories {
            let mut module_args = remote_file_args(&args);
            module_args.insert("path".into(), Value::str(format!("{dest}{rel}")));
            module_args.insert("state".into(), Value::str("directory"));
            module_args.insert(
                "mode".into(),
                args.get("directory_mode").cloned().unwrap_or(Value::Null),
            );
            module_args.insert("recurse".into(), Value::Bool(false));
            module_args.shift_remove("src");
            match self.run_file_module(module_args, context) {
                Ok(result) => record(result, &mut changed, &mut last, &mut executed),
                Err(outcome) => return outcome,
            }
        }
        for (target, rel) in &tree.symlinks {
            let mut module_args = remote_file_args(&args);
            module_args.insert("path".into(), Value::str(format!("{dest}{rel}")));
            module_args.insert("src".into(), Value::str(target.as_str()));
            module_args.insert("state".into(), Value::str("link"));
            module_args.insert("force".into(), Value::Bool(true));
            module_args.insert("follow".into(), Value::Bool(false));
            if module_args.get("mode").map(Value::python_str).as_deref() == Some("preserve") {
                module_args.shift_remove("mode");
            }
            match self.run_file_module(module_args, context) {
                Ok(result) => record(result, &mut changed, &mut last, &mut executed),
                Err(outcome) => return outcome,
            }
        }
        let mut result = Map::new();
        if executed && tree.files.len() == 1 {
            result = last;
            if let Some(path) = result.get("path").cloned()
                && !result.contains_key("dest")
            {
                result.insert("dest".into(), path);
            }
        } else {
            result.insert("dest".into(), Value::str(dest.as_str()));
            let mut shown = std::path::absolute(source)
                .unwrap_or_else(|_| source.to_path_buf())
                .to_string_lossy()
                .trim_end_matches('/')
                .to_string();
            if src.ends_with('/') {
                shown.push('/');
            }
            result.insert("src".into(), Value::str(shown));
            result.insert("changed".into(), Value::Bool(changed));
        }
        Outcome {
            result,
            error: None,
        }
    }

    /// The `file` module; a failed result comes back as the task's outcome.
    fn run_file_module(&self, args: Map, context: &Jv) -> Result<Map, Outcome> {
        let request = self.module_request("ansible.legacy.file", args, context);
        let result = self.shared.modules.run(request);
        if result.get("failed").is_some_and(Value::is_truthy) {
            return Err(Outcome {
                result,
                error: None,
            });
        }
        Ok(result)
    }
}

/// One module call of the copy done: its change counts, its result is the
/// latest.
fn record(result: Map, changed: &mut bool, last: &mut Map, executed: &mut bool) {
    *changed |= result.get("changed").is_some_and(Value::is_truthy);
    *last = result;
    *executed = true;
}

/// `_create_remote_file_args`: the arguments the `file` module knows.
fn remote_file_args(args: &Map) -> Map {
    args.iter()
        .filter(|(k, _)| FILE_ARGS.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}
