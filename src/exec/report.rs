//! Task errors as ansible 2.19 reports them: a one-line message for the
//! result (`"msg": "Task failed: ..."`) and the `[ERROR]:` block with the
//! task's origin and, when known, the origin of the value that caused it.

use crate::playbook::model::Origin;

/// Why a task failed before or while its action ran.
#[derive(Debug, Clone)]
pub struct TaskError {
    pub message: String,
    /// What failed, when the message is "what failed: why" (e.g.
    /// "Finalization of task args for 'ansible.builtin.debug' failed"):
    /// ansible shows it under the task's origin and the cause under the
    /// value's origin.
    pub stage: Option<String>,
    /// Where the offending value was written (a `when`, an argument).
    pub origin: Option<Origin>,
    pub help: Option<String>,
}

impl TaskError {
    pub fn new(message: impl Into<String>) -> TaskError {
        TaskError {
            message: message.into(),
            stage: None,
            origin: None,
            help: None,
        }
    }

    /// An error of a stage of the task (`stage: cause`).
    pub fn in_stage(
        stage: impl Into<String>,
        cause: impl Into<String>,
        origin: Option<Origin>,
    ) -> TaskError {
        let stage = stage.into();
        let cause = cause.into();
        TaskError {
            message: format!("{stage}: {cause}"),
            stage: Some(stage),
            origin,
            help: None,
        }
    }

    pub fn at(message: impl Into<String>, origin: Option<Origin>) -> TaskError {
        TaskError {
            message: message.into(),
            stage: None,
            origin,
            help: None,
        }
    }

    /// The result's `msg`.
    pub fn result_message(&self) -> String {
        format!("Task failed: {}", self.message)
    }

    /// The `[ERROR]:` text (without the prefix), as ansible prints it for
    /// an error raised while running a task on a host.
    pub fn report(&self, task_origin: &Origin) -> String {
        if self.stage.is_none() && self.origin.is_none() && self.help.is_none() {
            return format!("Task failed: {}\n{}", self.message, task_origin.context());
        }
        let (heading, cause) = match &self.stage {
            Some(stage) => (
                format!("Task failed: {stage}."),
                self.message
                    .strip_prefix(&format!("{stage}: "))
                    .unwrap_or(&self.message)
                    .to_string(),
            ),
            None => ("Task failed.".to_string(), self.message.clone()),
        };
        let mut out = format!(
            "Task failed: {}\n\n{heading}\n{}\n\n<<< caused by >>>\n\n{cause}",
            self.message,
            task_origin.context(),
        );
        if let Some(origin) = &self.origin {
            out.push('\n');
            out.push_str(&origin.context());
        }
        if let Some(help) = &self.help {
            out.push_str("\n\n");
            out.push_str(help);
        }
        out
    }
}

/// The `[ERROR]:` text for a failed result: `Task failed: Module failed:
/// msg` (or `Action failed:` for controller actions) and the task origin.
pub fn failed_result_report(kind: &str, msg: &str, task_origin: &Origin) -> String {
    format!(
        "Task failed: {kind} failed: {msg}\n{}",
        task_origin.context()
    )
}
