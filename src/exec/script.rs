//! The `script` action's controller side (ansible's action/script.py): the
//! first word of the command line names a script under `files/` of the
//! search path; it travels to the task's temp dir on the target, and the
//! agent's `script` module runs the command line with that word replaced
//! by the uploaded path.

use super::execute::{Outcome, TaskRun};
use super::transfer::find_needle;
use super::{Upload, UploadData};
use crate::value::{Map, Value};
use minijinja::value::Value as Jv;

impl TaskRun<'_> {
    pub(super) fn script_action(&self, mut args: Map, context: &Jv) -> Outcome {
        let line = match (args.get("_raw_params"), args.get("cmd")) {
            (Some(raw), None) | (None, Some(raw)) => raw.python_str(),
            // The agent reports the missing or conflicting arguments.
            _ => return self.run_module_request(args, context, None),
        };
        let Some(first) = shlex::split(line.trim()).and_then(|p| p.into_iter().next()) else {
            return self.run_module_request(args, context, None);
        };
        let Some(path) = find_needle(self, "files", &first) else {
            return self.not_found_as(&first, "files", "");
        };
        let data = match self.read_controller_file(&path, &first) {
            Ok(d) => d,
            Err(msg) => {
                let mut result = Map::new();
                result.insert("failed".into(), Value::Bool(true));
                result.insert("msg".into(), Value::str(msg.as_str()));
                return Outcome {
                    result,
                    error: None,
                };
            }
        };
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "script".into());
        args.insert("_mitorun_script_word".into(), Value::str(first.as_str()));
        let upload = Upload {
            within: Vec::new(),
            arg: "_mitorun_script_path".into(),
            name,
            data: UploadData::Bytes(data),
            mode: 0o700,
        };
        self.run_module_request(args, context, Some(upload))
    }

    fn run_module_request(&self, args: Map, context: &Jv, upload: Option<Upload>) -> Outcome {
        let mut request = self.module_request("ansible.builtin.script", args, context);
        request.uploads.extend(upload);
        let mut result = self.shared.modules.run(request);
        super::execute::add_output_lines(&mut result);
        Outcome {
            result,
            error: None,
        }
    }
}
