//! Actions that send a controller file to the target (ansible's `copy`
//! and `template` action plugins, single files): find or render the
//! source, compare its SHA-1 with the remote file's (`stat`), and either
//! transfer it into the interpreter's temp dir and run the `copy` module on
//! it, or run the `file` module for the metadata only.
//!
//! Not yet: directory sources (recursive copy), `--diff` output.

use super::execute::{Outcome, TaskRun};
use super::report::TaskError;
use super::{Upload, UploadData};
use crate::value::{Map, Value};
use minijinja::value::Value as Jv;

/// `FILE_COMMON_ARGUMENTS` plus the file module's own (`REAL_FILE_ARGS`).
/// The template action's own arguments, not passed on to `copy`.
const TEMPLATE_ONLY_ARGS: &[&str] = &[
    "newline_sequence",
    "variable_start_string",
    "variable_end_string",
    "block_start_string",
    "block_end_string",
    "comment_start_string",
    "comment_end_string",
    "trim_blocks",
    "lstrip_blocks",
    "output_encoding",
];

pub(super) const FILE_ARGS: &[&str] = &[
    "mode",
    "owner",
    "group",
    "seuser",
    "serole",
    "selevel",
    "setype",
    "attributes",
    "attr",
    "unsafe_writes",
    "state",
    "path",
    "_original_basename",
    "recurse",
    "force",
    "_diff_peek",
    "src",
];

pub(super) fn failed(msg: impl Into<String>) -> Outcome {
    let mut result = Map::new();
    result.insert("failed".into(), Value::Bool(true));
    result.insert("msg".into(), Value::str(msg.into()));
    Outcome {
        result,
        error: None,
    }
}

pub(super) fn truthy(args: &Map, key: &str, default: bool) -> bool {
    args.get(key)
        .and_then(Value::ansible_bool)
        .unwrap_or(default)
}

/// A source found under `files/` (or `templates/`) of the search path, as
/// ansible's `_find_needle`.
pub fn find_needle(run: &TaskRun, subdir: &str, name: &str) -> Option<std::path::PathBuf> {
    let path = std::path::Path::new(name);
    if path.is_absolute() {
        return path.exists().then(|| path.to_path_buf());
    }
    run.search_path()
        .iter()
        .flat_map(|dir| [dir.join(subdir).join(name), dir.join(name)])
        .find(|p| p.exists())
}

/// Why the remote `stat` an action makes gave no answer.
pub(super) enum StatError {
    /// The connection failed: the action's result is this one.
    Unreachable(Map),
    /// The stat module failed, with ansible's message.
    Failed(String),
}

impl StatError {
    /// The action's result: the unreachable one as it came, a failure as
    /// `fail` words it.
    pub(super) fn into_outcome(self, fail: impl FnOnce(String) -> Outcome) -> Outcome {
        match self {
            StatError::Unreachable(result) => Outcome {
                result,
                error: None,
            },
            StatError::Failed(msg) => fail(msg),
        }
    }
}

impl TaskRun<'_> {
    /// The remote `stat` of `path` as `_execute_remote_stat` returns it.
    pub(super) fn remote_stat(
        &self,
        path: &str,
        follow: bool,
        context: &Jv,
    ) -> Result<Map, StatError> {
        let mut args = Map::new();
        args.insert("path".into(), Value::str(path));
        args.insert("follow".into(), Value::Bool(follow));
        args.insert("get_checksum".into(), Value::Bool(true));
        args.insert("checksum_algorithm".into(), Value::str("sha1"));
        let request = self.module_request("ansible.legacy.stat", args, context);
        let result = self.shared.modules.run(request);
        if matches!(result.get("unreachable"), Some(Value::Bool(true))) {
            return Err(StatError::Unreachable(result));
        }
        if matches!(result.get("failed"), Some(Value::Bool(true))) {
            let msg = ["module_stderr", "module_stdout", "msg"]
                .iter()
                .filter_map(|k| result.get(*k).map(Value::python_str))
                .find(|m| !m.is_empty())
                .unwrap_or_default();
            return Err(StatError::Failed(format!(
                "Failed to get information on remote file ({path}): {msg}"
            )));
        }
        let mut stat = match result.get("stat") {
            Some(Value::Map(m)) => m.clone(),
            _ => Map::new(),
        };
        let exists = matches!(stat.get("exists"), Some(Value::Bool(true)));
        if !exists {
            stat.insert("checksum".into(), Value::str("1"));
        } else if !stat.contains_key("checksum") {
            stat.insert("checksum".into(), Value::str(""));
        }
        Ok(stat)
    }

    /// `copy` with a controller `src` or `content`, and `template` (whose
    /// rendered text is the content).
    pub fn transfer_action(&self, action: &str, mut args: Map, context: &Jv) -> Outcome {
        let short = super::actions::short_name(action);
        if short == "copy" && truthy(&args, "remote_src", false) {
            let request = self.module_request("ansible.legacy.copy", args, context);
            return Outcome {
                result: self.shared.modules.run(request),
                error: None,
            };
        }
        let dest = match args.get("dest") {
            Some(d) if !d.python_str().is_empty() => d.python_str(),
            _ => return failed("dest is required"),
        };
        let (data, source_rel, source_mode, source_path) = if short == "template" {
            match self.render_template(&args, context) {
                Ok((data, name, path)) => {
                    // `mode: preserve` takes the template file's mode.
                    let mode = std::fs::metadata(&path).ok().map(|m| {
                        use std::os::unix::fs::PermissionsExt;
                        m.permissions().mode() & 0o7777
                    });
                    (UploadData::Bytes(data), name, mode, Some(path))
                }
                Err(e) => return Outcome::from_error(&e, &self.task.origin),
            }
        } else {
            let content = args.shift_remove("content");
            // An empty `src` counts as none, as in ansible's copy action.
            let src = args
                .get("src")
                .map(Value::python_str)
                .filter(|s| !s.is_empty());
            match (src, content) {
                (None, None) => return failed("src (or content) is required"),
                (Some(_), Some(_)) => return failed("src and content are mutually exclusive"),
                (None, Some(content)) => {
                    if dest.ends_with('/') {
                        return failed("can not use content with a dir as dest");
                    }
                    let text = match &content {
                        Value::Map(_) | Value::List(_) => content.to_python_json_compact(),
                        other => other.python_str(),
                    };
                    // ansible names the content's temp file `.source...`.
                    (
                        UploadData::Bytes(text.into_bytes()),
                        ".".to_string(),
                        None,
                        None,
                    )
                }
                (Some(src), None) => {
                    let Some(path) = find_needle(self, "files", &src) else {
                        return self.not_found(&src, "files");
                    };
                    if path.is_dir() {
                        return self.copy_directory(args, dest, &src, &path, context);
                    }
                    let data = match self.controller_source(&path, &src) {
                        Ok(d) => d,
                        Err(msg) => return failed(msg),
                    };
                    let mode = std::fs::metadata(&path).ok().map(|m| {
                        use std::os::unix::fs::PermissionsExt;
                        m.permissions().mode() & 0o7777
                    });
                    let rel = path
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    (data, rel, mode, Some(path))
                }
            }
        };
        let source = Source {
            data,
            rel: source_rel,
            mode: source_mode,
            path: source_path,
        };
        self.copy_bytes(short, args, dest, source, context)
    }

    /// `_get_diff_data`: the destination's current text (slurped) and the
    /// new text, with ansible's headers and size/binary limits.
    pub(super) fn diff_data(
        &self,
        dest_file: &str,
        status: &Map,
        source: &Source,
        context: &Jv,
    ) -> Map {
        const MAX_FILE_SIZE_FOR_DIFF: i64 = 104448;
        let mut diff = Map::new();
        let exists = matches!(status.get("exists"), Some(Value::Bool(true)));
        let size = match status.get("size") {
            Some(Value::Int(n)) => *n,
            _ => 0,
        };
        if !exists {
            diff.insert("before".into(), Value::str(""));
        } else if size > MAX_FILE_SIZE_FOR_DIFF {
            diff.insert("dst_larger".into(), Value::Int(MAX_FILE_SIZE_FOR_DIFF));
        } else {
            let mut args = Map::new();
            args.insert("path".into(), Value::str(dest_file));
            let request = self.module_request("ansible.legacy.slurp", args, context);
            let result = self.shared.modules.run(request);
            if let Some(content) = result.get("content").map(Value::python_str) {
                let bytes = crate::templating::filters::core::base64_decode(content.as_bytes())
                    .unwrap_or_default();
                if bytes.contains(&0) {
                    diff.insert("dst_binary".into(), Value::Int(1));
                } else {
                    diff.insert("before_header".into(), Value::str(dest_file));
                    diff.insert(
                        "before".into(),
                        Value::str(String::from_utf8_lossy(&bytes).as_ref()),
                    );
                }
            }
        }
        // Only a source small enough to show is read (a file source may be
        // gigabytes).
        let source_bytes = match source.data.len() {
            Ok(n) if n as i64 > MAX_FILE_SIZE_FOR_DIFF => None,
            _ => Some(source.data.read_all().unwrap_or_default()),
        };
        match source_bytes {
            None => {
                diff.insert("src_larger".into(), Value::Int(MAX_FILE_SIZE_FOR_DIFF));
            }
            Some(bytes) if bytes.contains(&0) => {
                diff.insert("src_binary".into(), Value::Int(1));
            }
            Some(bytes) => {
                // Content is shown under the destination's name, a file
                // under its own path (ansible shows a rendered template's
                // temp file there; mitorun shows the template).
                let header = match &source.path {
                    Some(p) => p.to_string_lossy().into_owned(),
                    None => dest_file.to_string(),
                };
                diff.insert("after_header".into(), Value::str(header));
                diff.insert(
                    "after".into(),
                    Value::str(String::from_utf8_lossy(&bytes).as_ref()),
                );
            }
        }
        diff
    }

    /// `_copy_file` for one file.
    pub(super) fn copy_bytes(
        &self,
        action: &str,
        args: Map,
        dest: String,
        source: Source,
        context: &Jv,
    ) -> Outcome {
        let diff_mode = self.diff_mode(context);
        let source_rel = source.rel.clone();
        let source_mode = source.mode;
        let force = truthy(&args, "force", true);
        let follow = truthy(&args, "follow", false);
        let lmode = (args.get("mode").map(Value::python_str).as_deref() == Some("preserve"))
            .then(|| source_mode.map(|m| format!("0{m:03o}")))
            .flatten();
        let mut dest_file = if dest.ends_with('/') {
            format!("{dest}{source_rel}")
        } else {
            dest.clone()
        };
        let mut status = match self.remote_stat(&dest_file, follow, context) {
            Ok(s) => s,
            Err(e) => return e.into_outcome(failed),
        };
        let is = |s: &Map, k: &str| matches!(s.get(k), Some(Value::Bool(true)));
        if is(&status, "exists") && is(&status, "isdir") {
            if action == "copy" && source_rel == "." {
                return failed("can not use content with a dir as dest");
            }
            dest_file = format!("{}/{source_rel}", dest.trim_end_matches('/'));
            status = match self.remote_stat(&dest_file, follow, context) {
                Ok(s) => s,
                Err(e) => return e.into_outcome(failed),
            };
        }
        if is(&status, "exists") && !force {
            let mut result = Map::new();
            result.insert("changed".into(), Value::Bool(false));
            return Outcome {
                result,
                error: None,
            };
        }
        let local_checksum = match source.data.sha1_hex() {
            Ok(sum) => sum,
            Err(e) => return failed(e),
        };
        let remote_checksum = status
            .get("checksum")
            .map(Value::python_str)
            .unwrap_or_default();
        let original_basename = if source_rel == "." {
            Value::Null
        } else {
            Value::str(source_rel.as_str())
        };
        let diffs = if diff_mode && local_checksum != remote_checksum {
            vec![Value::Map(
                self.diff_data(&dest_file, &status, &source, context),
            )]
        } else {
            Vec::new()
        };
        let mut result = if local_checksum != remote_checksum {
            if self.check_mode(context) {
                let mut result = Map::new();
                result.insert("changed".into(), Value::Bool(true));
                if !diffs.is_empty() {
                    result.insert("diff".into(), Value::List(diffs));
                }
                return Outcome {
                    result,
                    error: None,
                };
            }
            let mut module_args: Map = args
                .iter()
                .filter(|(k, _)| {
                    !matches!(k.as_str(), "content" | "decrypt" | "src")
                        && !TEMPLATE_ONLY_ARGS.contains(&k.as_str())
                })
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            module_args.insert("dest".into(), Value::str(dest.as_str()));
            module_args.insert("_original_basename".into(), original_basename);
            module_args.insert("follow".into(), Value::Bool(follow));
            if !module_args.contains_key("checksum") {
                module_args.insert("checksum".into(), Value::str(local_checksum.as_str()));
            }
            if let Some(mode) = &lmode {
                module_args.insert("mode".into(), Value::str(mode.as_str()));
            }
            let suffix = std::path::Path::new(&dest_file)
                .extension()
                .map(|e| format!(".{}", e.to_string_lossy()))
                .unwrap_or_default();
            let mut request = self.module_request("ansible.legacy.copy", module_args, context);
            request.uploads.push(Upload {
                within: Vec::new(),
                arg: "src".into(),
                name: format!(".source{suffix}"),
                data: source.data,
                mode: 0o600,
            });
            self.shared.modules.run(request)
        } else {
            let mut module_args: Map = args
                .iter()
                .filter(|(k, _)| FILE_ARGS.contains(&k.as_str()) && k.as_str() != "src")
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            module_args.insert("dest".into(), Value::str(dest.as_str()));
            module_args.insert("_original_basename".into(), original_basename);
            module_args.insert("recurse".into(), Value::Bool(false));
            module_args.insert("state".into(), Value::str("file"));
            if let Some(mode) = &lmode {
                module_args.insert("mode".into(), Value::str(mode.as_str()));
            }
            let request = self.module_request("ansible.legacy.file", module_args, context);
            self.shared.modules.run(request)
        };
        if !result.contains_key("checksum") {
            result.insert("checksum".into(), Value::str(local_checksum.as_str()));
        }
        if !diffs.is_empty() {
            result.insert("diff".into(), Value::List(diffs));
        }
        if let Some(path) = result.get("path").cloned()
            && !result.contains_key("dest")
        {
            result.insert("dest".into(), path);
        }
        Outcome {
            result,
            error: None,
        }
    }

    /// A controller file as an upload: streamed from disk, unless it is
    /// vault-encrypted (then decrypted into memory, as ansible's loader's
    /// `get_real_file` writes a decrypted copy).
    pub(super) fn controller_source(
        &self,
        path: &std::path::Path,
        src: &str,
    ) -> Result<UploadData, String> {
        let encrypted = crate::vault::file_is_encrypted(path)
            .map_err(|e| format!("could not read src={src}: {e}"))?;
        if encrypted {
            self.read_controller_file(path, src).map(UploadData::Bytes)
        } else {
            Ok(UploadData::File(path.to_path_buf()))
        }
    }

    /// A controller file's bytes; vaulted files are decrypted, as ansible's
    /// loader (`get_real_file`) does.
    pub(super) fn read_controller_file(
        &self,
        path: &std::path::Path,
        src: &str,
    ) -> Result<Vec<u8>, String> {
        let data = std::fs::read(path).map_err(|e| format!("could not read src={src}: {e}"))?;
        if !data.starts_with(b"$ANSIBLE_VAULT;") {
            return Ok(data);
        }
        let no_secret = || {
            format!(
                "Task failed: A vault password or secret must be specified to decrypt {}",
                path.display()
            )
        };
        match &self.shared.factory.vault {
            // ansible's get_real_file writes the decrypted bytes as they
            // are (archives, binaries): no text conversion.
            Some(vault) => vault.decrypt_bytes(&data, "").map_err(|e| match e {
                crate::vault::VaultError::NoSecrets { .. } => no_secret(),
                other => other.to_string(),
            }),
            None => Err(no_secret()),
        }
    }

    /// ansible's failure for a source it cannot find: every place it
    /// looked (the task file's directory, then the search path).
    fn not_found(&self, src: &str, subdir: &str) -> Outcome {
        self.not_found_as(src, subdir, "Unexpected AnsibleActionFail error: ")
    }

    /// [`Self::not_found`] with the prefix the action puts before the
    /// loader's message (copy and template wrap it, script does not).
    pub(super) fn not_found_as(&self, src: &str, subdir: &str, prefix: &str) -> Outcome {
        let mut dirs = self.scope.role_search_path(&self.task.origin.file.path);
        dirs.extend(self.scope.basedir().cloned());
        let searched: Vec<String> = dirs
            .iter()
            .flat_map(|d| [d.join(subdir).join(src), d.join(src)])
            .map(|p| format!("\t{}", p.display()))
            .collect();
        let msg = format!(
            "{prefix}Could not find or access '{src}'\nSearched in:\n{} on the Ansible Controller.\nIf you are using a module and expect the file to exist on the remote, see the remote_src option",
            searched.join("\n")
        );
        let mut result = Map::new();
        result.insert("changed".into(), Value::Bool(false));
        result.insert("failed".into(), Value::Bool(true));
        result.insert("msg".into(), Value::str(msg.as_str()));
        Outcome {
            result,
            error: Some(format!(
                "Task failed: {msg}\n{}",
                self.task.origin.context()
            )),
        }
    }

    /// The `template` action's text: the template file found under
    /// `templates/`, rendered with the task's variables plus ansible's
    /// template variables.
    fn render_template(
        &self,
        args: &Map,
        context: &Jv,
    ) -> Result<(Vec<u8>, String, std::path::PathBuf), TaskError> {
        let Some(src) = args.get("src").map(Value::python_str) else {
            return Err(TaskError::new("Action failed: src and dest are required"));
        };
        let Some(path) = find_needle(self, "templates", &src) else {
            return Err(TaskError::new(format!(
                "Action failed: Could not find or access '{src}'"
            )));
        };
        let text = std::fs::read_to_string(&path)
            .map_err(|e| TaskError::new(format!("Action failed: {}: {e}", path.display())))?;
        // The template's metadata is data (ansible does not trust it), so a
        // file name holding `{{ }}` is never templated; only
        // `ansible_managed` is trusted.
        let mut extra = Map::new();
        let full = path.to_string_lossy().into_owned();
        extra.insert("template_path".into(), Value::Unsafe(src.clone()));
        extra.insert("template_fullpath".into(), Value::Unsafe(full.clone()));
        extra.insert(
            "template_destpath".into(),
            args.get("dest").cloned().unwrap_or(Value::Null),
        );
        extra.insert(
            "template_host".into(),
            Value::Unsafe(
                std::fs::read_to_string("/proc/sys/kernel/hostname")
                    .unwrap_or_default()
                    .trim()
                    .to_string(),
            ),
        );
        // generate_ansible_template_vars: the template file's owner and
        // times (datetimes shown as `str()` gives them), and
        // `ansible_managed` from DEFAULT_MANAGED_STR, strftime'd with the
        // file's mtime; its `{{ }}` render when used.
        let meta = std::fs::metadata(&path).ok();
        let mtime = meta
            .as_ref()
            .and_then(|m| m.modified().ok())
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .unwrap_or_default();
        let owner = meta
            .as_ref()
            .map(|m| {
                use std::os::unix::fs::MetadataExt;
                user_name(m.uid()).unwrap_or_else(|| m.uid().to_string())
            })
            .unwrap_or_else(whoami);
        extra.insert("template_uid".into(), Value::Unsafe(owner));
        extra.insert(
            "template_mtime".into(),
            Value::Unsafe(crate::templating::filters::core::local_datetime_text(mtime)),
        );
        extra.insert(
            "template_run_date".into(),
            Value::Unsafe(crate::templating::filters::core::local_now_text()),
        );
        let managed = self
            .shared
            .templar
            .services()
            .config
            .as_ref()
            .and_then(|c| c.str("DEFAULT_MANAGED_STR").map(str::to_string))
            .unwrap_or_else(|| "Ansible managed".into());
        let managed = managed_format(&managed);
        // Only when the play does not set its own.
        let user_set = context
            .get_attr("ansible_managed")
            .is_ok_and(|v| !v.is_undefined());
        if !user_set {
            extra.insert(
                "ansible_managed".into(),
                Value::str(crate::templating::filters::core::local_time_text(
                    mtime, &managed,
                )),
            );
        }
        let template_context = self.context(extra);
        // The template action's search path: ansible_search_path, the base
        // directory and the template's own directory, each with its
        // `templates/` first.
        let mut dirs = self.search_path();
        dirs.extend(self.scope.basedir().cloned());
        dirs.extend(path.parent().map(std::path::Path::to_path_buf));
        let searchpath: Vec<std::path::PathBuf> = dirs
            .into_iter()
            .flat_map(|d| [d.join("templates"), d])
            .collect();
        let rendered = crate::templating::render::render_template_file(
            &self.shared.templar,
            &text,
            &template_context,
            args,
            &searchpath,
        )
        .map_err(|e| {
            TaskError::new(format!(
                "Action failed: Error rendering template {}: {}",
                path.display(),
                e.message
            ))
        })?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        // An empty value means the default, as ansible's `or 'utf-8'`.
        let encoding = args
            .get("output_encoding")
            .map(Value::python_str)
            .filter(|e| !e.trim().is_empty())
            .unwrap_or_else(|| "utf-8".into());
        let bytes = encode_text(&rendered, &encoding).map_err(TaskError::new)?;
        Ok((bytes, name, path))
    }
}

/// The template's text in `output_encoding`, for the codecs templates are
/// written in besides UTF-8 (Latin-1, Windows-1252, ASCII); Python's
/// codec names and its error for a character the codec lacks.
fn encode_text(text: &str, encoding: &str) -> Result<Vec<u8>, String> {
    let name = encoding.trim().to_ascii_lowercase().replace('_', "-");
    let single_byte: fn(char) -> Option<u8> = match name.as_str() {
        "utf-8" | "utf8" | "u8" => return Ok(text.as_bytes().to_vec()),
        "latin-1" | "latin1" | "iso-8859-1" | "iso8859-1" | "l1" | "8859" => {
            |c| u8::try_from(u32::from(c)).ok()
        }
        "ascii" | "us-ascii" | "646" => |c| u8::try_from(u32::from(c)).ok().filter(u8::is_ascii),
        "windows-1252" | "cp1252" => cp1252_byte,
        _ => return Err(format!("LookupError: unknown encoding: {encoding}")),
    };
    let mut out = Vec::with_capacity(text.len());
    for (position, c) in text.chars().enumerate() {
        match single_byte(c) {
            Some(b) => out.push(b),
            None => {
                return Err(format!(
                    "UnicodeEncodeError: '{name}' codec can't encode character '\\u{:04x}' in position {position}",
                    u32::from(c)
                ));
            }
        }
    }
    Ok(out)
}

/// Windows-1252: Latin-1 but for 0x80-0x9F, which hold typographic
/// characters (five of those bytes are undefined).
fn cp1252_byte(c: char) -> Option<u8> {
    const HIGH: [(u32, u8); 27] = [
        (0x20AC, 0x80),
        (0x201A, 0x82),
        (0x0192, 0x83),
        (0x201E, 0x84),
        (0x2026, 0x85),
        (0x2020, 0x86),
        (0x2021, 0x87),
        (0x02C6, 0x88),
        (0x2030, 0x89),
        (0x0160, 0x8A),
        (0x2039, 0x8B),
        (0x0152, 0x8C),
        (0x017D, 0x8E),
        (0x2018, 0x91),
        (0x2019, 0x92),
        (0x201C, 0x93),
        (0x201D, 0x94),
        (0x2022, 0x95),
        (0x2013, 0x96),
        (0x2014, 0x97),
        (0x02DC, 0x98),
        (0x2122, 0x99),
        (0x0161, 0x9A),
        (0x203A, 0x9B),
        (0x0153, 0x9C),
        (0x017E, 0x9E),
        (0x0178, 0x9F),
    ];
    let code = u32::from(c);
    if code < 0x80 || (0xA0..=0xFF).contains(&code) {
        return u8::try_from(code).ok();
    }
    HIGH.iter().find(|(cp, _)| *cp == code).map(|(_, b)| *b)
}

/// What a transfer sends: the bytes, the name the destination gets in a
/// directory, the local mode (`mode: preserve`) and the local file.
pub(super) struct Source {
    pub data: UploadData,
    pub rel: String,
    pub mode: Option<u32>,
    pub path: Option<std::path::PathBuf>,
}

/// The user name of `uid` from /etc/passwd (`pwd.getpwuid`).
fn user_name(uid: u32) -> Option<String> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let mut fields = line.split(':');
        let name = fields.next()?;
        let id = fields.nth(1)?;
        (id.parse::<u32>().ok()? == uid).then(|| name.to_string())
    })
}

fn whoami() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "root".into())
}

#[cfg(test)]
mod encoding_tests {
    use super::encode_text;

    #[test]
    fn windows_1252_and_latin_1_encode_as_python_does() {
        assert_eq!(
            encode_text("a€é", "windows-1252").unwrap(),
            vec![b'a', 0x80, 0xE9]
        );
        assert_eq!(encode_text("é", "latin-1").unwrap(), vec![0xE9]);
        assert_eq!(encode_text("é", "UTF_8").unwrap(), "é".as_bytes());
        assert!(encode_text("€", "latin-1").is_err());
        assert!(encode_text("x", "no-such-codec").is_err());
    }
}

/// DEFAULT_MANAGED_STR through Python's `str.format` as ansible applies
/// it: `{host}`, `{uid}` and `{file}` become template expressions, `{{`
/// and `}}` single braces; any other field is left as written.
fn managed_format(format: &str) -> String {
    let mut out = String::with_capacity(format.len() + 32);
    let mut rest = format;
    while let Some(pos) = rest.find(['{', '}']) {
        out.push_str(&rest[..pos]);
        let tail = &rest[pos..];
        if let Some(after) = tail.strip_prefix("{{") {
            out.push('{');
            rest = after;
        } else if let Some(after) = tail.strip_prefix("}}") {
            out.push('}');
            rest = after;
        } else if let Some(after) = tail.strip_prefix('{')
            && let Some(end) = after.find('}')
        {
            match &after[..end] {
                "host" => out.push_str("{{ template_host }}"),
                "uid" => out.push_str("{{ template_uid }}"),
                "file" => out.push_str("{{ template_path }}"),
                other => {
                    out.push('{');
                    out.push_str(other);
                    out.push('}');
                }
            }
            rest = &after[end + 1..];
        } else {
            out.push_str(&tail[..1]);
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod managed_tests {
    use super::managed_format;

    #[test]
    fn managed_string_is_formatted_as_python_does() {
        assert_eq!(
            managed_format("Ansible managed: {file} by {uid} on {host}({{{{q('pipe', 'x')}}}})"),
            "Ansible managed: {{ template_path }} by {{ template_uid }} on {{ template_host }}({{q('pipe', 'x')}})"
        );
        assert_eq!(managed_format("plain"), "plain");
    }
}
