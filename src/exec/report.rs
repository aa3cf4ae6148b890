//! Task errors as ansible 2.19 reports them: a one-line message for the
//! result (`"msg": "Task failed: ..."`) and the `[ERROR]:` block with the
//! task's origin and, when known, the origin of the value that caused it.

use crate::playbook::model::Origin;

/// Why a task failed before or while its action ran: the cause, where
/// the offending value was written, and optionally the stage it failed in
/// (e.g. "Finalization of task args for 'ansible.builtin.debug' failed")
/// with the origin of that stage's data.
#[derive(Debug, Clone)]
pub struct TaskError {
    pub message: String,
    pub stage: Option<Box<(String, Option<Origin>)>>,
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
        stage_origin: Option<Origin>,
        cause: impl Into<String>,
        origin: Option<Origin>,
    ) -> TaskError {
        TaskError {
            message: cause.into(),
            stage: Some(Box::new((stage.into(), stage_origin))),
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

    /// The chain of messages ansible prints, outermost first.
    fn chain(&self) -> Vec<(String, Option<Origin>)> {
        let mut chain = vec![("Task failed".to_string(), None)];
        if let Some(stage) = &self.stage {
            chain.push((stage.0.clone(), stage.1.clone()));
        }
        chain.push((self.message.clone(), self.origin.clone()));
        chain
    }

    /// The one-line message (the result's `msg`).
    pub fn result_message(&self) -> String {
        self.chain()
            .into_iter()
            .map(|(m, _)| m)
            .collect::<Vec<_>>()
            .join(": ")
    }

    /// The `[ERROR]:` text (without the prefix), as ansible prints it for
    /// an error raised while running a task on a host: the joined message,
    /// then each level with its origin, "<<< caused by >>>" between them.
    /// A level whose data has no origin of its own is merged into the level
    /// above it.
    pub fn report(&self, task_origin: &Origin) -> String {
        let mut sections: Vec<(String, Origin)> = Vec::new();
        for (index, (message, origin)) in self.chain().into_iter().enumerate() {
            let origin = if index == 0 {
                Some(task_origin.clone())
            } else {
                origin
            };
            match (origin, sections.last_mut()) {
                (Some(origin), _) => sections.push((message, origin)),
                (None, Some(last)) => last.0 = format!("{}: {message}", last.0),
                (None, None) => {}
            }
        }
        let joined = self.result_message();
        if sections.len() == 1 {
            let mut out = format!("{joined}\n{}", task_origin.context());
            if let Some(help) = &self.help {
                out.push_str("\n\n");
                out.push_str(help);
            }
            return out;
        }
        let mut out = format!("{joined}\n");
        let last = sections.len() - 1;
        for (index, (message, origin)) in sections.iter().enumerate() {
            out.push('\n');
            if index < last {
                let period = if message.ends_with('.') { "" } else { "." };
                out.push_str(&format!(
                    "{message}{period}\n{}\n\n<<< caused by >>>\n",
                    origin.context()
                ));
            } else {
                out.push_str(&format!("{message}\n{}", origin.context()));
            }
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
    // An empty message leaves ansible's default text ("Action failed.").
    if msg.is_empty() {
        return format!("Task failed: {kind} failed.\n{}", task_origin.context());
    }
    format!(
        "Task failed: {kind} failed: {msg}\n{}",
        task_origin.context()
    )
}
