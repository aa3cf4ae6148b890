//! The `assemble` action's controller side (ansible's action/assemble.py).
//! With `remote_src` true (the default) the module assembles on the target.
//! Otherwise the fragments come from a controller directory found under
//! `files/` of the search path: they are joined here, and the result goes
//! to the target the way `copy` sends a file (checksum compare, then the
//! `copy` or the `file` module).

use super::execute::{Outcome, TaskRun};
use super::package::action_failure;
use super::transfer::{Source, failed, find_needle, truthy};
use super::{Upload, UploadData};
use crate::value::{Map, Value};
use minijinja::value::Value as Jv;

/// The options only the action reads; `copy` and `file` never see them.
const ASSEMBLE_ONLY_ARGS: &[&str] = &[
    "remote_src",
    "regexp",
    "delimiter",
    "ignore_hidden",
    "decrypt",
];

impl TaskRun<'_> {
    pub(super) fn assemble_action(&self, mut args: Map, context: &Jv) -> Outcome {
        let decrypt = args
            .shift_remove("decrypt")
            .and_then(|v| v.ansible_bool())
            .unwrap_or(true);
        let text = |key: &str| {
            args.get(key)
                .filter(|v| !matches!(v, Value::Null))
                .map(Value::python_str)
        };
        let (Some(src), Some(dest)) = (text("src"), text("dest")) else {
            return action_failure("src and dest are required", &self.task.origin);
        };
        if truthy(&args, "remote_src", true) {
            let request = self.module_request("ansible.legacy.assemble", args, context);
            return Outcome {
                result: self.shared.modules.run(request),
                error: None,
            };
        }
        let Some(dir) = find_needle(self, "files", &src) else {
            return self.not_found_as(&src, "files", "");
        };
        if !dir.is_dir() {
            let msg = format!("Source ({}) is not a directory", dir.display());
            return action_failure(&msg, &self.task.origin);
        }
        let pattern = match text("regexp").map(|p| crate::pyre::compile(&p, Default::default())) {
            None => None,
            Some(Ok(re)) => Some(re),
            Some(Err(e)) => return failed(format!("Invalid regular expression: {e}")),
        };
        let options = FragmentOptions {
            delimiter: text("delimiter"),
            pattern,
            ignore_hidden: truthy(&args, "ignore_hidden", false),
            decrypt,
        };
        let data = match self.assemble_fragments(&dir, &options) {
            Ok(data) => data,
            Err(msg) => return failed(msg),
        };
        for key in ASSEMBLE_ONLY_ARGS {
            args.shift_remove(*key);
        }
        // ansible compares the checksum of the temp file's *path* with the
        // destination's, so the two always differ and `copy` always runs
        // (it reports no change when the content is the same).
        let source = Source {
            data: UploadData::Bytes(data),
            rel: ".".to_string(),
            mode: None,
            path: None,
        };
        let diff = if self.diff_mode(context) {
            let follow = truthy(&args, "follow", false);
            match self.remote_stat(&dest, follow, context) {
                Ok(status) => Some(self.diff_data(&dest, &status, &source, context)),
                Err(e) => return e.into_outcome(failed),
            }
        } else {
            None
        };
        args.insert("dest".into(), Value::str(dest.as_str()));
        let mut request = self.module_request("ansible.legacy.copy", args, context);
        request.uploads.push(Upload {
            within: Vec::new(),
            arg: "src".into(),
            name: "src".into(),
            data: source.data,
            mode: 0o600,
        });
        let mut result = self.shared.modules.run(request);
        if let Some(diff) = diff {
            result.insert("diff".into(), Value::Map(diff));
        }
        Outcome {
            result,
            error: None,
        }
    }

    /// `_assemble_from_fragments`: the regular files of `dir` in name
    /// order, a newline after any fragment that lacks one, the delimiter
    /// between fragments.
    fn assemble_fragments(
        &self,
        dir: &std::path::Path,
        options: &FragmentOptions,
    ) -> Result<Vec<u8>, String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .map_err(|e| format!("could not list {}: {e}", dir.display()))?
            .filter_map(Result::ok)
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        let mut out = Vec::new();
        let mut delimiter = options.delimiter.as_ref().map(|d| d.as_bytes().to_vec());
        let mut first = true;
        let mut add_newline = false;
        for name in names {
            if let Some(re) = &options.pattern
                && !re.is_search(&name)?
            {
                continue;
            }
            let path = dir.join(&name);
            if !path.is_file() || (options.ignore_hidden && name.starts_with('.')) {
                continue;
            }
            let content = if options.decrypt {
                self.read_controller_file(&path, &name)?
            } else {
                std::fs::read(&path)
                    .map_err(|e| format!("could not read {}: {e}", path.display()))?
            };
            if add_newline {
                out.push(b'\n');
            }
            if !first && let Some(delim) = delimiter.as_mut().filter(|d| !d.is_empty()) {
                // ansible decodes the delimiter's escapes again before each
                // use, and its "ends with a newline" check compares an int
                // with bytes, so a newline always follows.
                *delim = escape_decode(delim);
                out.extend_from_slice(delim);
                out.push(b'\n');
            }
            out.extend_from_slice(&content);
            first = false;
            add_newline = !content.ends_with(b"\n");
        }
        Ok(out)
    }
}

struct FragmentOptions {
    delimiter: Option<String>,
    pattern: Option<crate::pyre::Regex>,
    ignore_hidden: bool,
    decrypt: bool,
}

/// Python's `codecs.escape_decode`: backslash escapes of a bytes literal
/// (`\n`, `\t`, `\\`, `\xhh`, octal `\ooo`, ...); an unknown escape stays
/// as written.
fn escape_decode(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        let byte = input[i];
        i += 1;
        if byte != b'\\' || i >= input.len() {
            out.push(byte);
            continue;
        }
        let escape = input[i];
        i += 1;
        match escape {
            b'\n' => {}
            b'\\' | b'\'' | b'"' => out.push(escape),
            b'a' => out.push(0x07),
            b'b' => out.push(0x08),
            b'f' => out.push(0x0c),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'v' => out.push(0x0b),
            b'0'..=b'7' => {
                let mut value = u32::from(escape - b'0');
                for _ in 0..2 {
                    match input.get(i) {
                        Some(d @ b'0'..=b'7') => {
                            value = value * 8 + u32::from(d - b'0');
                            i += 1;
                        }
                        _ => break,
                    }
                }
                out.push((value & 0xff) as u8);
            }
            b'x' => {
                let hex = input
                    .get(i..i + 2)
                    .and_then(|h| std::str::from_utf8(h).ok());
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(value) => {
                        out.push(value);
                        i += 2;
                    }
                    None => out.extend_from_slice(b"\\x"),
                }
            }
            other => out.extend_from_slice(&[b'\\', other]),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape_decode;

    #[test]
    fn escapes_decode_as_python_bytes_literals() {
        assert_eq!(escape_decode(br"a\nb\tc"), b"a\nb\tc");
        assert_eq!(escape_decode(br"\\n"), br"\n");
        assert_eq!(escape_decode(br"\x41\101\0"), b"AA\0");
        assert_eq!(escape_decode(br"\q\x4"), br"\q\x4");
        assert_eq!(escape_decode(b"trailing\\"), b"trailing\\");
    }
}
