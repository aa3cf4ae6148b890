//! Task errors as ansible 2.19 reports them: a one-line message for the
//! result (`"msg": "Task failed: ..."`) and the `[ERROR]:` block with the
//! task's origin and, when known, the origin of the value that caused it.

use crate::playbook::model::Origin;
use crate::value::Value;

/// Why a task failed before or while its action ran: the cause, where
/// the offending value was written, and optionally the stage it failed in
/// (e.g. "Finalization of task args for 'ansible.builtin.debug' failed")
/// with the origin of that stage's data.
#[derive(Debug, Clone)]
pub struct TaskError {
    pub message: String,
    pub stage: Option<Box<(String, Option<Origin>)>>,
    pub origin: Option<Origin>,
    /// The error's cause where a variable's value failed to template: its
    /// message (which `message` ends with) and the variable's definition.
    pub cause: Option<Box<(String, Origin)>>,
    /// A cause that `message` ends with and that ansible prints as the
    /// last level, without an origin (an exception a lookup's library
    /// raised while handling another: urllib's `<urlopen error ...>`).
    pub bare_cause: Option<Box<BareCause>>,
    pub help: Option<String>,
}

impl TaskError {
    pub fn new(message: impl Into<String>) -> TaskError {
        TaskError {
            message: message.into(),
            stage: None,
            origin: None,
            cause: None,
            bare_cause: None,
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
            cause: None,
            bare_cause: None,
            help: None,
        }
    }

    pub fn at(message: impl Into<String>, origin: Option<Origin>) -> TaskError {
        TaskError {
            message: message.into(),
            stage: None,
            origin,
            cause: None,
            bare_cause: None,
            help: None,
        }
    }

    /// Point the error at the definition of the variable whose value
    /// failed to template with `cause` (the end of `message`): the cause
    /// becomes a level of its own, as ansible prints it.
    pub fn caused_by_variable(mut self, cause: &str, definition: Origin) -> TaskError {
        if self.message.ends_with(&format!(": {cause}")) {
            self.cause = Some(Box::new((cause.to_string(), definition)));
        }
        self
    }

    /// Print `cause`, which the message ends with, as a level of its own
    /// below the others (no origin), as ansible prints such a cause; with
    /// `help`, that level shows it after the cause.
    pub fn caused_by_bare(mut self, cause: &str, help: Option<&str>) -> TaskError {
        if self.cause.is_none() && self.message.ends_with(&format!(": {cause}")) {
            self.bare_cause = Some(Box::new(BareCause {
                message: cause.to_string(),
                help: help.map(str::to_string),
            }));
        }
        self
    }

    /// The message without its bare cause (see [`TaskError::caused_by_bare`]).
    fn message_above_bare_cause(&self) -> &str {
        match &self.bare_cause {
            Some(cause) => self
                .message
                .strip_suffix(&format!(": {}", cause.message))
                .unwrap_or(&self.message),
            None => &self.message,
        }
    }

    /// The chain of messages ansible prints, outermost first.
    fn chain(&self) -> Vec<(String, Option<Origin>)> {
        let mut chain = vec![("Task failed".to_string(), None)];
        if let Some(stage) = &self.stage {
            chain.push((stage.0.clone(), stage.1.clone()));
        }
        match &self.cause {
            Some(cause) => {
                let outer = self
                    .message
                    .strip_suffix(&format!(": {}", cause.0))
                    .unwrap_or(&self.message);
                chain.push((outer.to_string(), self.origin.clone()));
                chain.push((cause.0.clone(), Some(cause.1.clone())));
            }
            // An error that is only its bare cause has no level of its own.
            None if self
                .bare_cause
                .as_ref()
                .is_some_and(|c| c.message == self.message) => {}
            None => chain.push((
                self.message_above_bare_cause().to_string(),
                self.origin.clone(),
            )),
        }
        chain
    }

    /// The one-line message (the result's `msg`).
    pub fn result_message(&self) -> String {
        let mut levels: Vec<String> = self.chain().into_iter().map(|(m, _)| m).collect();
        levels.extend(self.bare_cause.as_ref().map(|c| c.message.clone()));
        levels.join(": ")
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
                // A stage written where the task starts (the action's key
                // of a task that starts with it) is merged into the task's
                // level too; deeper levels stay apart even at one origin.
                (Some(origin), Some(last))
                    if index == 1 && origin.location() == last.1.location() =>
                {
                    last.0 = format!("{}: {message}", last.0)
                }
                (Some(origin), _) => sections.push((message, origin)),
                (None, Some(last)) => last.0 = format!("{}: {message}", last.0),
                (None, None) => {}
            }
        }
        let joined = self.result_message();
        if sections.len() == 1 && self.bare_cause.is_none() {
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
                // An error with help text hangs below the lookup's own
                // "The lookup plugin 'x' failed." (with its period); a
                // library's error ends a level of the lookup's message.
                let period = match &self.bare_cause {
                    Some(cause) if cause.help.is_some() && !message.ends_with('.') => ".",
                    _ => "",
                };
                out.push_str(&format!("{message}{period}\n{}", origin.context()));
            }
        }
        if let Some(cause) = &self.bare_cause {
            out.push_str("\n\n<<< caused by >>>\n\n");
            out.push_str(&cause.message);
            if let Some(help) = &cause.help {
                out.push(' ');
                out.push_str(help);
            }
        }
        if let Some(help) = &self.help {
            out.push_str("\n\n");
            out.push_str(help);
        }
        out
    }
}

/// A cause ansible prints as the last level of a task error, without an
/// origin (see [`TaskError::caused_by_bare`]).
#[derive(Debug, Clone)]
pub struct BareCause {
    pub message: String,
    pub help: Option<String>,
}

/// The `[ERROR]:` text for a failed result: `Task failed: Module failed:
/// msg` (or `Action failed:` for controller actions) and the task origin.
pub fn failed_result_report(kind: &str, msg: &str, task_origin: &Origin) -> String {
    // An empty message leaves ansible's default text ("Action failed.").
    if msg.is_empty() {
        return format!("Task failed: {kind} failed.\n{}", task_origin.context());
    }
    format!(
        "{}\n{}",
        failed_result_message(kind, msg),
        task_origin.context()
    )
}

/// The `[ERROR]:` text of an action's failure that gathers others (the
/// gather_facts action's failed modules): the joined message, the task's
/// origin, then the action's message with each failure as a sub-event.
pub fn failed_with_sub_events(msg: &str, sub_events: &[String], task_origin: &Origin) -> String {
    let mut out = format!(
        "Task failed: Action failed: {msg}\n\nTask failed: Action failed.\n{}\n\n<<< caused by >>>\n\n{msg}\n",
        task_origin.context()
    );
    let count = sub_events.len();
    for (index, event) in sub_events.iter().enumerate() {
        out.push_str(&format!(
            "\n+--[ Sub-Event {} of {count} ]---\n| \n",
            index + 1
        ));
        for line in event.lines() {
            out.push_str(&format!("| {line}\n"));
        }
        out.push_str("| ");
    }
    if count > 0 {
        out.push_str("\n+--[ End Sub-Event ]---");
    }
    out
}

/// `Task failed: Module failed: msg`, or `Task failed: Module failed.`
/// when the result's message is empty.
pub fn failed_result_message(kind: &str, msg: &str) -> String {
    if msg.is_empty() {
        format!("Task failed: {kind} failed.")
    } else {
        format!("Task failed: {kind} failed: {msg}")
    }
}

/// The brief message of a serialized 2.19 `ErrorSummary` (what a module's
/// `fail_json(exception=...)` or an uncaught exception puts in the result's
/// `exception`): the event's message and those of the causes it follows,
/// each joined to the next as ansible's `concat_message` does, a cause
/// already ending the text above it counted once.
pub fn error_summary_message(exception: &Value) -> Option<String> {
    let summary = exception.as_map()?;
    if summary.get("__ansible_type").and_then(Value::as_str) != Some("ErrorSummary") {
        return None;
    }
    event_brief_message(summary.get("event")?.as_map()?)
}

/// ansible's `format_event_traceback` of a module's `ErrorSummary`: each
/// event's traceback, causes first, joined by their chains' reasons.
pub fn error_summary_traceback(exception: &Value) -> Option<String> {
    let summary = exception.as_map()?;
    if summary.get("__ansible_type").and_then(Value::as_str) != Some("ErrorSummary") {
        return None;
    }
    let mut segments = Vec::new();
    let mut event = summary.get("event").and_then(Value::as_map);
    while let Some(current) = event {
        segments.push(
            match current.get("formatted_traceback").and_then(Value::as_str) {
                Some(text) if !text.is_empty() => text.to_string(),
                _ => "(traceback missing)\n".to_string(),
            },
        );
        let chain = current.get("chain").and_then(Value::as_map);
        if let Some(chain) = chain {
            let reason = chain
                .get("traceback_reason")
                .map(Value::python_str)
                .unwrap_or_default();
            segments.push(format!("\n{reason}\n\n"));
        }
        event = chain.and_then(|c| c.get("event")).and_then(Value::as_map);
    }
    segments.reverse();
    Some(segments.concat())
}

/// The brief message of a serialized 2.19 `Event`
/// (`format_event_brief_message`): its message and those of the causes
/// it follows (see [`error_summary_message`]).
pub fn event_brief_message(event: &crate::value::Map) -> Option<String> {
    let mut parts = Vec::new();
    let mut event = event;
    loop {
        parts.push(event.get("msg").map(Value::python_str).unwrap_or_default());
        let Some(chain) = event.get("chain").and_then(Value::as_map) else {
            break;
        };
        if !chain.get("follow").is_some_and(Value::is_truthy) {
            break;
        }
        match chain.get("event").and_then(Value::as_map) {
            Some(next) => event = next,
            None => break,
        }
    }
    let mut parts = parts.into_iter().rev();
    let mut message = parts.next()?;
    for part in parts {
        message = if part.ends_with(&message) {
            part
        } else {
            format!("{}: {message}", part.trim_end_matches(['.', ' ']))
        };
    }
    Some(message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::playbook::model::SourceFile;
    use crate::playbook::yaml::Span;
    use crate::value::Map;
    use std::sync::Arc;

    fn at(file: &Arc<SourceFile>, line: usize, col: usize) -> Origin {
        let span = Span {
            line,
            col,
            ..Span::default()
        };
        Origin::new(file, span)
    }

    #[test]
    fn a_failed_variable_becomes_the_last_level_at_its_definition() {
        let file = Arc::new(SourceFile {
            path: "p.yml".into(),
            text: "- x: \"{{ u }}\"\n- debug: msg={{ x }}\n".into(),
        });
        let error = TaskError::in_stage(
            "Finalization of task args for 'ansible.builtin.debug' failed",
            None,
            "Error while resolving value for 'msg': 'u' is undefined",
            Some(at(&file, 2, 10)),
        )
        .caused_by_variable("'u' is undefined", at(&file, 1, 6));
        assert_eq!(
            error.result_message(),
            "Task failed: Finalization of task args for 'ansible.builtin.debug' failed: Error while resolving value for 'msg': 'u' is undefined"
        );
        let report = error.report(&at(&file, 2, 3));
        let levels: Vec<&str> = report.split("<<< caused by >>>").collect();
        assert_eq!(levels.len(), 3, "{report}");
        assert!(levels[1].contains("Error while resolving value for 'msg'.\nOrigin: p.yml:2:10"));
        assert!(levels[2].contains("'u' is undefined\nOrigin: p.yml:1:6"));
        // A cause that is not the end of the message is not split off.
        let other = TaskError::at("boom: x", None).caused_by_variable("y", at(&file, 1, 1));
        assert!(other.cause.is_none());
    }

    /// ansible 2.19 for `lookup('url', ...)` on a refused connection: the
    /// urllib error is the last level, without an origin, and the level
    /// above it ends without a period.
    #[test]
    fn a_bare_cause_is_the_last_level_without_origin() {
        let file = Arc::new(SourceFile {
            path: "p.yml".into(),
            text: "- debug:\n    msg: \"{{ lookup('url', u) }}\"\n".into(),
        });
        let error = TaskError::in_stage(
            "Finalization of task args for 'ansible.builtin.debug' failed",
            Some(at(&file, 1, 3)),
            "Error while resolving value for 'msg': The lookup plugin 'url' failed: \
             Failed lookup url for u: <urlopen error refused>",
            Some(at(&file, 2, 10)),
        )
        .caused_by_bare("<urlopen error refused>", None);
        assert_eq!(
            error.result_message(),
            "Task failed: Finalization of task args for 'ansible.builtin.debug' failed: \
             Error while resolving value for 'msg': The lookup plugin 'url' failed: \
             Failed lookup url for u: <urlopen error refused>"
        );
        let report = error.report(&at(&file, 1, 3));
        let levels: Vec<&str> = report.split("\n\n<<< caused by >>>\n\n").collect();
        assert_eq!(levels.len(), 3, "{report}");
        assert!(
            levels[1].starts_with(
                "Error while resolving value for 'msg': The lookup plugin 'url' failed: \
                 Failed lookup url for u\nOrigin: p.yml:2:10"
            ),
            "{report}"
        );
        assert_eq!(levels[2], "<urlopen error refused>");
        // An option's invalid choice: its help follows it in the last
        // level, the lookup's level above keeps its period.
        let choice = TaskError::at(
            "The lookup plugin 'url' failed: Invalid value 'x' for config 'f'.",
            Some(at(&file, 2, 10)),
        )
        .caused_by_bare(
            "Invalid value 'x' for config 'f'.",
            Some("Valid values are: a, b"),
        );
        let report = choice.report(&at(&file, 1, 3));
        assert!(
            report.ends_with(
                "<<< caused by >>>\n\nInvalid value 'x' for config 'f'. Valid values are: a, b"
            ),
            "{report}"
        );
        assert!(
            report.contains("The lookup plugin 'url' failed.\nOrigin: p.yml:2:10"),
            "{report}"
        );
        assert_eq!(
            choice.result_message(),
            "Task failed: The lookup plugin 'url' failed: Invalid value 'x' for config 'f'."
        );
        // A cause the message does not end with stays in the message.
        let other = TaskError::at("boom: x", None).caused_by_bare("y", None);
        assert!(other.bare_cause.is_none());
        assert_eq!(other.result_message(), "Task failed: boom: x");
    }

    fn event(msg: &str, cause: Option<Value>) -> Value {
        let mut e = Map::new();
        e.insert("msg".into(), Value::str(msg));
        if let Some(cause) = cause {
            let mut chain = Map::new();
            chain.insert("follow".into(), Value::Bool(true));
            chain.insert("event".into(), cause);
            e.insert("chain".into(), Value::Map(chain));
        }
        Value::Map(e)
    }

    fn summary(event: Value) -> Value {
        let mut s = Map::new();
        s.insert("event".into(), event);
        s.insert("__ansible_type".into(), Value::str("ErrorSummary"));
        Value::Map(s)
    }

    #[test]
    fn error_summaries_read_as_ansible_words_them() {
        let one = summary(event("failing via exception", None));
        assert_eq!(
            error_summary_message(&one).as_deref(),
            Some("failing via exception")
        );
        let chained = summary(event(
            "Error executing command.",
            Some(event("[Errno 2] No such file", None)),
        ));
        assert_eq!(
            error_summary_message(&chained).as_deref(),
            Some("Error executing command: [Errno 2] No such file")
        );
        let repeated = summary(event("outer: inner", Some(event("inner", None))));
        assert_eq!(
            error_summary_message(&repeated).as_deref(),
            Some("outer: inner")
        );
        assert_eq!(error_summary_message(&Value::str("Traceback ...")), None);
    }
}
