//! The `uri` action's controller side (ansible's action/uri.py): it has no
//! check mode, and unless `remote_src` the files it sends are the
//! controller's — `src`, and form-multipart fields that name a `filename`
//! without `content` — found under `files/` of the search path and
//! uploaded to the task's temp dir, their remote paths put in the
//! arguments the module gets.

use super::execute::{Outcome, TaskRun, add_output_lines};
use super::report::failed_result_report;
use super::transfer::{find_needle, truthy};
use super::{Upload, UploadData};
use crate::value::{Map, Value};
use minijinja::value::Value as Jv;

impl TaskRun<'_> {
    /// ansible's action refuses check mode before it does anything (the
    /// result then gets no `failed` default, as a raised skip).
    pub(super) fn uri_check_mode_skip(&self, context: &Jv) -> Option<Outcome> {
        if !self.check_mode(context) {
            return None;
        }
        let mut result = Map::new();
        result.insert("changed".into(), Value::Bool(false));
        result.insert(
            "msg".into(),
            Value::str(format!(
                "This action ({}) does not support check mode.",
                self.task.action
            )),
        );
        result.insert("skipped".into(), Value::Bool(true));
        Some(Outcome::plain(result))
    }

    pub(super) fn uri_action(&self, action: &str, args: Map, context: &Jv) -> Outcome {
        let mut request = self.module_request(action, args, context);
        if !truthy(&request.args, "remote_src", false) {
            match self.uri_uploads(&request.args) {
                Ok(uploads) => request.uploads.extend(uploads),
                Err(outcome) => return outcome,
            }
        }
        let mut result = self.shared.modules.run(request);
        add_output_lines(&mut result);
        Outcome {
            result,
            error: None,
        }
    }

    /// The controller files the module needs, or the failed outcome.
    fn uri_uploads(&self, args: &Map) -> Result<Vec<Upload>, Outcome> {
        let src = args
            .get("src")
            .filter(|v| v.is_truthy())
            .map(Value::python_str);
        if let Some(src) = src {
            return Ok(vec![self.uri_upload(&src, "src", Vec::new())?]);
        }
        let multipart = args.get("body_format").and_then(Value::as_str) == Some("form-multipart");
        if !multipart {
            return Ok(Vec::new());
        }
        let body = args.get("body").unwrap_or(&Value::Null);
        let Value::Map(fields) = body else {
            let msg = format!(
                "body must be mapping, cannot be type {}",
                body.python_type_name()
            );
            let mut result = Map::new();
            result.insert("failed".into(), Value::Bool(true));
            result.insert("msg".into(), Value::str(msg.as_str()));
            return Err(Outcome {
                result,
                error: Some(failed_result_report("Action", &msg, &self.task.origin)),
            });
        };
        let mut uploads = Vec::new();
        for (field, value) in fields {
            let Value::Map(part) = value else { continue };
            let filename = part.get("filename").filter(|v| v.is_truthy());
            let has_content = part.get("content").is_some_and(Value::is_truthy);
            let Some(filename) = filename.filter(|_| !has_content) else {
                continue;
            };
            let within = vec![field.clone(), "filename".to_string()];
            uploads.push(self.uri_upload(&filename.python_str(), "body", within)?);
        }
        Ok(uploads)
    }

    fn uri_upload(&self, name: &str, arg: &str, within: Vec<String>) -> Result<Upload, Outcome> {
        let Some(path) = find_needle(self, "files", name) else {
            // ansible's action lets the not-found error escape: the
            // result's msg carries the "Task failed: " of a raised error.
            let mut outcome = self.not_found_as(name, "files", "");
            if let Some(Value::Str(msg)) = outcome.result.get_mut("msg") {
                *msg = format!("Task failed: {msg}");
            }
            return Err(outcome);
        };
        let data = self.read_controller_file(&path, name).map_err(|msg| {
            let mut result = Map::new();
            result.insert("failed".into(), Value::Bool(true));
            result.insert("msg".into(), Value::str(msg.as_str()));
            Outcome {
                result,
                error: None,
            }
        })?;
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "src".into());
        Ok(Upload {
            arg: arg.to_string(),
            within,
            name: file_name,
            data: UploadData::Bytes(data),
            mode: 0o600,
        })
    }
}
