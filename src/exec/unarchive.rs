//! The `unarchive` action's controller side (ansible's action/unarchive.py):
//! `copy` folded into `remote_src`, `creates` checked on the target, `dest`
//! required to be a directory there, and unless `remote_src` the archive
//! found under `files/` of the search path (vault-decrypted unless
//! `decrypt: false`) uploaded to the task's temp dir as `source`; then the
//! `unarchive` module runs with `src` pointing at it.

use super::execute::{Outcome, TaskRun, add_output_lines};
use super::transfer::find_needle;
use super::{Upload, UploadData};
use crate::value::{Map, Value};
use minijinja::value::Value as Jv;

impl TaskRun<'_> {
    pub(super) fn unarchive_action(&self, action: &str, mut args: Map, context: &Jv) -> Outcome {
        // ansible reads these with `boolean(strict=False)`: anything it
        // does not know is false.
        let lenient_bool = |v: &Value| v.ansible_bool().unwrap_or(false);
        let mut remote_src = args.get("remote_src").is_some_and(lenient_bool);
        if let Some(copy) = args.get("copy") {
            if args.contains_key("remote_src") {
                return self.action_failure(
                    "parameters are mutually exclusive: ('copy', 'remote_src')".into(),
                );
            }
            remote_src = !lenient_bool(copy);
            args.shift_remove("copy");
            args.insert("remote_src".into(), Value::Bool(remote_src));
        }
        let source = args
            .get("src")
            .filter(|v| !matches!(v, Value::Null))
            .map(Value::python_str);
        let dest = args
            .get("dest")
            .filter(|v| !matches!(v, Value::Null))
            .map(Value::python_str);
        let (Some(source), Some(dest)) = (source, dest) else {
            return self.action_failure("src (or content) and dest are required".into());
        };
        let decrypt = args.get("decrypt").is_none_or(Value::is_truthy);
        // The probe request (stat) carries the task's connection settings.
        let probe = self.module_request(action, Map::new(), context);

        if let Some(creates) = args.get("creates").filter(|v| v.is_truthy()) {
            let creates = match self.remote_expand_user(&probe, &creates.python_str()) {
                Ok(path) => path,
                Err(outcome) => return outcome,
            };
            match self.remote_path_exists(&creates, context) {
                Ok(true) => return skipped(format!("skipped, since {creates} exists")),
                Ok(false) => {}
                Err(msg) => return self.action_failure(msg),
            }
        }
        let dest = match self.remote_expand_user(&probe, &dest) {
            Ok(path) => path,
            Err(outcome) => return outcome,
        };

        let mut upload = None;
        if !remote_src {
            if source.contains("://") {
                return self.action_failure(format!(
                    "Unsupported option, an URI src ({}) is only supported when remote_src is True",
                    mask_url(&source)
                ));
            }
            let name = crate::pypath::expanduser(&source);
            let Some(path) = find_needle(self, "files", &name) else {
                // The not-found error escapes ansible's action: the
                // result's msg carries the "Task failed: " of a raised
                // error, as for uri.
                let mut outcome = self.not_found_as(&name, "files", "");
                if let Some(Value::Str(msg)) = outcome.result.get_mut("msg") {
                    *msg = format!("Task failed: {msg}");
                }
                return outcome;
            };
            let data = if decrypt {
                self.read_controller_file(&path, &name)
            } else {
                std::fs::read(&path).map_err(|e| format!("could not read src={name}: {e}"))
            };
            let data = match data {
                Ok(data) => data,
                Err(msg) => return self.action_failure(msg),
            };
            upload = Some(Upload {
                arg: "src".into(),
                within: Vec::new(),
                name: "source".into(),
                data: UploadData::Bytes(data),
                mode: 0o600,
            });
        }

        match self.remote_stat(&dest, true, context) {
            Ok(stat) => {
                let is = |key: &str| stat.get(key).is_some_and(Value::is_truthy);
                if !is("exists") || !is("isdir") {
                    return self.action_failure(format!("dest '{dest}' must be an existing dir"));
                }
            }
            Err(e) => return e.into_outcome(|msg| self.action_failure(msg)),
        }

        args.shift_remove("decrypt");
        let mut request = self.module_request("ansible.legacy.unarchive", args, context);
        request.uploads.extend(upload);
        let mut result = self.shared.modules.run(request);
        add_output_lines(&mut result);
        Outcome {
            result,
            error: None,
        }
    }

    /// ansible's `_remote_file_exists` (`test -e`: links followed).
    fn remote_path_exists(&self, path: &str, context: &Jv) -> Result<bool, String> {
        let mut args = Map::new();
        args.insert("path".into(), Value::str(path));
        args.insert("follow".into(), Value::Bool(true));
        args.insert("get_checksum".into(), Value::Bool(false));
        args.insert("get_mime".into(), Value::Bool(false));
        args.insert("get_attributes".into(), Value::Bool(false));
        let request = self.module_request("ansible.legacy.stat", args, context);
        let result = self.shared.modules.run(request);
        if result.get("failed").is_some_and(Value::is_truthy) {
            let msg = result.get("msg").map(Value::python_str).unwrap_or_default();
            return Err(format!(
                "Failed to get information on remote file ({path}): {msg}"
            ));
        }
        Ok(result
            .get("stat")
            .and_then(Value::as_map)
            .and_then(|s| s.get("exists"))
            .is_some_and(Value::is_truthy))
    }
}

/// What an `AnsibleActionSkip` raised by the action gives.
fn skipped(msg: String) -> Outcome {
    let mut result = Map::new();
    result.insert("changed".into(), Value::Bool(false));
    result.insert("msg".into(), Value::str(msg.as_str()));
    result.insert("skipped".into(), Value::Bool(true));
    Outcome::plain(result)
}

/// ansible's `mask_url`: the credentials of a URL replaced by `****`.
fn mask_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let netloc_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (netloc, tail) = rest.split_at(netloc_end);
    let Some((userinfo, host)) = netloc.rsplit_once('@') else {
        return url.to_string();
    };
    let masked = match userinfo.split_once(':') {
        Some((_, password)) if !password.is_empty() => "****:****".to_string(),
        Some((user, _)) if !user.is_empty() => "****".to_string(),
        None if !userinfo.is_empty() => "****".to_string(),
        _ => return url.to_string(),
    };
    format!("{scheme}://{masked}@{host}{tail}")
}

#[cfg(test)]
mod tests {
    use super::mask_url;

    #[test]
    fn mask_url_hides_credentials_as_ansible() {
        assert_eq!(mask_url("https://h/a.tgz"), "https://h/a.tgz");
        assert_eq!(
            mask_url("https://u:p@h/a.tgz?x=1"),
            "https://****:****@h/a.tgz?x=1"
        );
        assert_eq!(mask_url("ftp://u@h/a.zip"), "ftp://****@h/a.zip");
        assert_eq!(mask_url("not a url"), "not a url");
    }
}
