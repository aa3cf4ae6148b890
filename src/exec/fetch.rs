//! The fetch action (ansible's `fetch` plugin): a target's file copied to
//! the controller, under `dest/<inventory_hostname>/<src path>` or, with
//! `flat`, at `dest` itself; `changed` when the local copy's SHA-1
//! differs from the remote one. The remote checksum comes from `stat`
//! (without become, as ansible) and the data streams over the connection;
//! `slurp` stands in where ansible uses it (become, unreadable files), so
//! failures read as ansible's.

use super::execute::{Outcome, TaskRun};
use super::report::failed_result_report;
use crate::value::{Map, Value};
use md5::Digest as _;
use minijinja::value::Value as Jv;
use std::path::{Path, PathBuf};

impl TaskRun<'_> {
    /// fetch in check mode: skipped, as ansible's action raises it (no
    /// `failed` key, no retries).
    pub(super) fn fetch_check_mode_skip(&self, context: &Jv) -> Option<Outcome> {
        if !self.check_mode(context) {
            return None;
        }
        let mut result = Map::new();
        result.insert("changed".into(), Value::Bool(false));
        result.insert("skipped".into(), Value::Bool(true));
        result.insert(
            "msg".into(),
            Value::str("check mode not (yet) supported for this module"),
        );
        Some(Outcome::plain(result))
    }

    pub(super) fn fetch_action(&self, args: Map, context: &Jv) -> Outcome {
        if let Some(skipped) = self.fetch_check_mode_skip(context) {
            return skipped;
        }
        let text = |key: &str| match args.get(key) {
            Some(Value::Str(s) | Value::Unsafe(s)) => Some(s.clone()),
            _ => None,
        };
        let given = |key: &str| args.get(key).is_some_and(|v| !matches!(v, Value::Null));
        let mut problem = None;
        if text("src").is_none() {
            problem = Some("Invalid type supplied for source option, it must be a string");
        }
        if text("dest").is_none() {
            problem = Some("Invalid type supplied for dest option, it must be a string");
        }
        if !given("src") || !given("dest") {
            problem = Some("src and dest are required");
        }
        let (Some(source), Some(dest), None) = (text("src"), text("dest"), problem) else {
            return self.action_failure(problem.unwrap_or_default().to_string());
        };
        let flag = |key: &str, default: bool| {
            args.get(key)
                .filter(|v| !matches!(v, Value::Null))
                .map(|v| v.ansible_bool().unwrap_or(false))
                .unwrap_or(default)
        };
        let flat = flag("flat", false);
        let fail_on_missing = flag("fail_on_missing", true);
        let validate_checksum = flag("validate_checksum", true);

        let request = self.module_request("ansible.legacy.slurp", Map::new(), context);
        let source = match self.remote_expand_user(&request, &source) {
            Ok(s) => s,
            Err(outcome) => return outcome,
        };
        let with_become = request
            .connection
            .get("ansible_become")
            .and_then(Value::ansible_bool)
            .unwrap_or(false);
        let mut result = Map::new();
        let mut remote_checksum: Option<String> = None;
        let stat = match self.remote_stat(&source, true, context) {
            Err(super::transfer::StatError::Unreachable(result)) => return Outcome::plain(result),
            Err(super::transfer::StatError::Failed(msg)) => Err(msg),
            Ok(stat) => Ok(stat),
        };
        if with_become {
            // ansible slurps under become; the same file streams here when
            // stat shows a readable regular file (slurp still gives the
            // failures their words).
            if let Ok(stat) = &stat
                && stat_flag(stat, "exists")
                && !stat_flag(stat, "isdir")
            {
                remote_checksum = stat
                    .get("checksum")
                    .map(Value::python_str)
                    .filter(|c| !c.is_empty());
            }
        } else {
            let stat = match stat {
                Ok(stat) => stat,
                Err(msg) => {
                    result.insert("changed".into(), Value::Bool(false));
                    result.insert("file".into(), Value::str(source.as_str()));
                    return if fail_on_missing {
                        result.insert("failed".into(), Value::Bool(true));
                        result.insert("msg".into(), Value::str(msg.as_str()));
                        self.fetch_failure(result, &msg)
                    } else {
                        result.insert("msg".into(), Value::str(format!("{msg}, ignored")));
                        Outcome::plain(result)
                    };
                }
            };
            remote_checksum = stat.get("checksum").map(Value::python_str);
            if stat_flag(&stat, "exists") && stat_flag(&stat, "isdir") {
                let msg = "remote file is a directory, fetch cannot work on directories";
                if fail_on_missing {
                    result.insert("failed".into(), Value::Bool(true));
                    result.insert("changed".into(), Value::Bool(false));
                    result.insert("msg".into(), Value::str(msg));
                    return self.fetch_failure(result, msg);
                }
                result.insert(
                    "msg".into(),
                    Value::str(format!("{msg}, not transferring, ignored")),
                );
                return Outcome::plain(result);
            }
        }

        let mut remote_data: Option<Vec<u8>> = None;
        if matches!(remote_checksum.as_deref(), None | Some("1") | Some("")) {
            let mut slurp_args = Map::new();
            slurp_args.insert("src".into(), Value::str(source.as_str()));
            let mut slurp = request.clone();
            slurp.args = slurp_args;
            let slurped = self.shared.modules.run(slurp);
            if slurped.get("failed").is_some_and(Value::is_truthy) {
                let slurp_msg = slurped
                    .get("msg")
                    .map(Value::python_str)
                    .unwrap_or_default();
                if fail_on_missing {
                    result.extend(slurped);
                } else {
                    result.insert("file".into(), Value::str(source.as_str()));
                    result.insert("changed".into(), Value::Bool(false));
                }
                if slurp_msg.contains("not found") {
                    result.insert(
                        "msg".into(),
                        Value::str("the remote file does not exist, not transferring, ignored"),
                    );
                } else if slurp_msg
                    .to_lowercase()
                    .starts_with("source is a directory")
                {
                    result.insert(
                        "msg".into(),
                        Value::str("remote file is a directory, fetch cannot work on directories"),
                    );
                }
                // A module's failure: its error tells the report.
                return Outcome::plain(result);
            }
            if slurped.get("encoding").and_then(Value::as_str) == Some("base64") {
                let content = slurped
                    .get("content")
                    .map(Value::python_str)
                    .unwrap_or_default();
                match crate::templating::filters::core::base64_decode(content.as_bytes()) {
                    Ok(data) => {
                        remote_checksum = Some(sha1_hex(&data));
                        remote_data = Some(data);
                    }
                    Err(e) => {
                        return self.action_failure(format!("Failed to fetch the file: {e}"));
                    }
                }
            }
        }

        let dest = match self.fetch_dest(&dest, &source, flat, context) {
            Ok(dest) => dest,
            Err(msg) => return self.action_failure(msg),
        };
        let dest_text = dest.to_string_lossy().into_owned();
        let local_checksum = local_hash::<sha1::Sha1>(&dest);
        if remote_checksum.is_some() && remote_checksum == local_checksum {
            result.insert("changed".into(), Value::Bool(false));
            result.insert("md5sum".into(), opt_str(local_hash::<md5::Md5>(&dest)));
            result.insert("file".into(), Value::str(source.as_str()));
            result.insert("dest".into(), Value::str(dest_text.as_str()));
            result.insert("checksum".into(), opt_str(local_checksum));
            return Outcome::plain(result);
        }
        if let Some(dir) = dest.parent()
            && let Err(e) = std::fs::create_dir_all(dir)
        {
            return self.action_failure(format!(
                "Failed to create the directory {}: {e}",
                dir.display()
            ));
        }
        match remote_data {
            Some(data) => {
                if std::fs::write(&dest, data).is_err() {
                    return self.action_failure("Failed to fetch the file.".to_string());
                }
            }
            None => {
                if let Err(failure) = self.shared.modules.fetch_file(&request, &source, &dest) {
                    return Outcome::plain(failure);
                }
            }
        }
        let new_checksum = local_hash::<sha1::Sha1>(&dest);
        let new_md5 = local_hash::<md5::Md5>(&dest);
        if validate_checksum && new_checksum != remote_checksum {
            result.insert("failed".into(), Value::Bool(true));
            result.insert("md5sum".into(), opt_str(new_md5));
            result.insert("msg".into(), Value::str("checksum mismatch"));
            result.insert("file".into(), Value::str(source.as_str()));
            result.insert("dest".into(), Value::str(dest_text.as_str()));
            result.insert("remote_md5sum".into(), Value::Null);
            result.insert("checksum".into(), opt_str(new_checksum));
            result.insert("remote_checksum".into(), opt_str(remote_checksum));
            return self.fetch_failure(result, "checksum mismatch");
        }
        result.insert("changed".into(), Value::Bool(true));
        result.insert("md5sum".into(), opt_str(new_md5));
        result.insert("dest".into(), Value::str(dest_text.as_str()));
        result.insert("remote_md5sum".into(), Value::Null);
        result.insert("checksum".into(), opt_str(new_checksum));
        result.insert("remote_checksum".into(), opt_str(remote_checksum));
        Outcome::plain(result)
    }

    /// Where the file goes on the controller: `dest/<host>/<src>`, or with
    /// `flat` `dest` itself (a trailing slash adds the source's name);
    /// relative paths from the playbook's directory (`path_dwim`).
    fn fetch_dest(
        &self,
        dest: &str,
        source: &str,
        flat: bool,
        context: &Jv,
    ) -> Result<PathBuf, String> {
        let playbook_dir = context
            .get_attr("playbook_dir")
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_else(|| ".".to_string());
        let dwim = |given: &str| -> String {
            let path = if given.starts_with('/') || given.starts_with('~') {
                given.to_string()
            } else {
                crate::pypath::join(&[&playbook_dir, given])
            };
            crate::pypath::abspath(&crate::pypath::expandvars(&crate::pypath::expanduser(
                &path,
            )))
        };
        let path = if flat {
            // ansible checks these relative to its working directory.
            let mut dest = dest.to_string();
            if Path::new(&dest).is_dir() && !dest.ends_with('/') {
                return Err("dest is an existing directory, use a trailing slash if you want to fetch src into that directory".to_string());
            }
            if dest.ends_with('/') {
                dest = crate::pypath::join(&[&dest, crate::pypath::basename(source)]);
                if Path::new(&dest).is_dir() {
                    return Err(format!(
                        "calculated dest '{dest}' is an existing directory, use another path that does not point to an existing directory"
                    ));
                }
            }
            if dest.starts_with('/') {
                dest
            } else {
                dwim(&dest)
            }
        } else {
            format!("{}/{}/{source}", dwim(dest), self.host)
        };
        Ok(PathBuf::from(crate::pypath::normpath(&path)))
    }

    /// A failure of the action's own making (ansible's "Action failed").
    fn fetch_failure(&self, result: Map, msg: &str) -> Outcome {
        Outcome {
            result,
            error: Some(failed_result_report("Action", msg, &self.task.origin)),
        }
    }
}

fn stat_flag(stat: &Map, key: &str) -> bool {
    matches!(stat.get(key), Some(Value::Bool(true)))
}

fn opt_str(value: Option<String>) -> Value {
    value.map(Value::Str).unwrap_or(Value::Null)
}

fn sha1_hex(data: &[u8]) -> String {
    crate::transport::modules::hex(&sha1::Sha1::digest(data))
}

/// A local file's digest in hex, `None` for a missing file or a directory
/// (ansible's `secure_hash`).
fn local_hash<D: md5::Digest>(path: &Path) -> Option<String> {
    use std::io::Read;
    if !path.is_file() {
        return None;
    }
    let mut file = std::fs::File::open(path).ok()?;
    let mut digest = D::new();
    let mut block = vec![0u8; 64 * 1024];
    loop {
        let n = file.read(&mut block).ok()?;
        if n == 0 {
            break;
        }
        digest.update(&block[..n]);
    }
    Some(crate::transport::modules::hex(&digest.finalize()))
}
