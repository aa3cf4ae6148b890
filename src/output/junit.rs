//! ansible's `junit` callback (enabled with `callbacks_enabled = junit`):
//! one JUnit XML file per playbook in JUNIT_OUTPUT_DIR, one test case per
//! task and host, laid out as ansible's minidom pretty printer writes it.
//! Honours JUNIT_FAIL_ON_CHANGE, JUNIT_FAIL_ON_IGNORE,
//! JUNIT_INCLUDE_SETUP_TASKS_IN_REPORT, JUNIT_HIDE_TASK_ARGUMENTS,
//! JUNIT_TEST_CASE_PREFIX, JUNIT_TASK_CLASS and JUNIT_TASK_RELATIVE_PATH.

use super::default::TaskInfo;
use crate::value::{Map, Value};
use indexmap::IndexMap;
use std::path::PathBuf;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Status {
    Ok,
    Failed,
    Skipped,
    Included,
}

struct HostData {
    name: String,
    status: Status,
    result: Map,
    /// The error's one-line message when the failure came with an
    /// exception (an error test case rather than a failure).
    error: Option<String>,
    finish: Instant,
}

struct TaskData {
    name: String,
    path: String,
    play: String,
    action: String,
    start: Instant,
    hosts: IndexMap<String, HostData>,
}

pub struct Junit {
    dir: PathBuf,
    playbook_name: String,
    play: String,
    tasks: IndexMap<usize, TaskData>,
    fail_on_change: bool,
    fail_on_ignore: bool,
    include_setup: bool,
    hide_args: bool,
    prefix: String,
    task_class: bool,
    relative_path: String,
}

fn env_flag(name: &str, default: &str) -> bool {
    std::env::var(name)
        .unwrap_or_else(|_| default.to_string())
        .to_lowercase()
        == "true"
}

/// Text escaped as minidom writes text and attribute values.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('"', "&quot;")
        .replace('>', "&gt;")
}

impl Junit {
    pub fn new() -> Junit {
        let dir = std::env::var("JUNIT_OUTPUT_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|_| {
                std::env::home_dir()
                    .unwrap_or_else(|| PathBuf::from("/"))
                    .join(".ansible.log")
            });
        let _ = std::fs::create_dir_all(&dir);
        Junit {
            dir,
            playbook_name: String::new(),
            play: String::new(),
            tasks: IndexMap::new(),
            fail_on_change: env_flag("JUNIT_FAIL_ON_CHANGE", "False"),
            fail_on_ignore: env_flag("JUNIT_FAIL_ON_IGNORE", "False"),
            include_setup: env_flag("JUNIT_INCLUDE_SETUP_TASKS_IN_REPORT", "True"),
            hide_args: env_flag("JUNIT_HIDE_TASK_ARGUMENTS", "False"),
            prefix: std::env::var("JUNIT_TEST_CASE_PREFIX").unwrap_or_default(),
            task_class: env_flag("JUNIT_TASK_CLASS", "False"),
            relative_path: std::env::var("JUNIT_TASK_RELATIVE_PATH").unwrap_or_default(),
        }
    }

    pub fn playbook_start(&mut self, file_name: &str) {
        let base = file_name.rsplit('/').next().unwrap_or(file_name);
        self.playbook_name = match base.rfind('.') {
            Some(dot) if dot > 0 => base[..dot].to_string(),
            _ => base.to_string(),
        };
    }

    pub fn play_start(&mut self, name: &str) {
        self.play = name.to_string();
    }

    pub fn task_start(&mut self, task: &TaskInfo) {
        if self.tasks.contains_key(&task.uuid) {
            return;
        }
        let mut name = task.name.trim().to_string();
        if !task.no_log && !self.hide_args && !task.args_text.is_empty() {
            name.push(' ');
            name.push_str(&task.args_text);
        }
        self.tasks.insert(
            task.uuid,
            TaskData {
                name,
                path: task.path.clone(),
                play: self.play.clone(),
                action: task.action.clone(),
                start: Instant::now(),
                hosts: IndexMap::new(),
            },
        );
    }

    fn finish(
        &mut self,
        task: &TaskInfo,
        host: &str,
        status: Status,
        result: Map,
        error: Option<String>,
    ) {
        self.task_start(task);
        let fail_on_change = self.fail_on_change;
        let prefix = self.prefix.clone();
        let Some(data) = self.tasks.get_mut(&task.uuid) else {
            return;
        };
        let mut status = status;
        if fail_on_change
            && status == Status::Ok
            && matches!(result.get("changed"), Some(Value::Bool(true)))
        {
            status = Status::Failed;
        }
        if status == Status::Failed && data.name.contains("EXPECTED FAILURE") {
            status = Status::Ok;
        } else if data.name.contains("TOGGLE RESULT") {
            status = match status {
                Status::Failed => Status::Ok,
                Status::Ok => Status::Failed,
                other => other,
            };
        }
        if data.name.starts_with(&prefix) || status == Status::Failed {
            data.hosts.insert(
                host.to_string(),
                HostData {
                    name: host.to_string(),
                    status,
                    result,
                    error,
                    finish: Instant::now(),
                },
            );
        }
    }

    pub fn on_ok(&mut self, task: &TaskInfo, host: &str, result: Map) {
        self.finish(task, host, Status::Ok, result, None);
    }

    pub fn on_failed(
        &mut self,
        task: &TaskInfo,
        host: &str,
        result: Map,
        ignore_errors: bool,
        error: Option<String>,
    ) {
        let status = if ignore_errors && !self.fail_on_ignore {
            Status::Ok
        } else {
            Status::Failed
        };
        self.finish(task, host, status, result, error);
    }

    pub fn on_skipped(&mut self, task: &TaskInfo, host: &str, result: Map) {
        self.finish(task, host, Status::Skipped, result, None);
    }

    pub fn on_include(&mut self, task: &TaskInfo, text: &str) {
        self.task_start(task);
        if let Some(data) = self.tasks.get_mut(&task.uuid) {
            let result = match data.hosts.get("include") {
                Some(previous) => format!("{}\n{text}", previous.result_text()),
                None => text.to_string(),
            };
            let mut map = Map::new();
            map.insert("text".into(), Value::Str(result));
            data.hosts.insert(
                "include".into(),
                HostData {
                    name: "include".into(),
                    status: Status::Included,
                    result: map,
                    error: None,
                    finish: Instant::now(),
                },
            );
        }
    }

    fn classname(&self, path: &str) -> String {
        let mut name = if !self.relative_path.is_empty() && !path.is_empty() {
            crate::pypath::relpath(path, &self.relative_path)
        } else {
            path.to_string()
        };
        if self.task_class
            && let Some(pos) = name.rfind(".yml:")
            && name[pos + 5..].chars().all(|c| c.is_ascii_digit())
        {
            name.truncate(pos);
        }
        name
    }

    /// Write the report (`v2_playbook_on_stats`).
    pub fn write(&self, dump: &dyn Fn(&Map) -> String) {
        let mut cases = Vec::new();
        let (mut errors, mut failures, mut skipped) = (0, 0, 0);
        let mut total_time = 0.0f64;
        for task in self.tasks.values() {
            let is_setup = matches!(
                task.action.as_str(),
                "setup"
                    | "ansible.builtin.setup"
                    | "ansible.legacy.setup"
                    | "gather_facts"
                    | "ansible.builtin.gather_facts"
            );
            if is_setup && !self.include_setup {
                continue;
            }
            for host in task.hosts.values() {
                let seconds = host.finish.duration_since(task.start).as_secs_f64();
                total_time += seconds;
                let name = format!("[{}] {}: {}", host.name, task.play, task.name);
                let mut case = format!(
                    "\t\t<testcase classname=\"{}\" name=\"{}\" time=\"{seconds}\">",
                    escape(&self.classname(&task.path)),
                    escape(&name)
                );
                let body = match host.status {
                    Status::Included => Some(format!(
                        "\t\t\t<system-out>{}</system-out>",
                        escape(&host.result_text())
                    )),
                    Status::Ok => Some(format!(
                        "\t\t\t<system-out>{}</system-out>",
                        escape(&dump(&host.result))
                    )),
                    Status::Skipped => {
                        skipped += 1;
                        let reason = host
                            .result
                            .get("skip_reason")
                            .map(Value::python_str)
                            .unwrap_or_else(|| "skipped".into());
                        Some(format!("\t\t\t<skipped>{}</skipped>", escape(&reason)))
                    }
                    Status::Failed => match &host.error {
                        Some(message) => {
                            errors += 1;
                            // ansible's traceback text of an action error
                            // (tracebacks themselves are not kept).
                            let trace = if message.starts_with("Task failed: Action failed") {
                                "(traceback missing)\n\nThe above action exception was the direct cause of the following controller exception:\n\n(traceback missing)\n\nThe above exception was the direct cause of the following exception:\n\n(traceback missing)\n"
                            } else {
                                "(traceback missing)\n"
                            };
                            Some(format!(
                                "\t\t\t<error message=\"{}\" type=\"error\">{trace}</error>",
                                escape(message)
                            ))
                        }
                        None => {
                            failures += 1;
                            let message = host
                                .result
                                .get("msg")
                                .map(Value::python_str)
                                .unwrap_or_else(|| {
                                    format!(
                                        "rc={}",
                                        host.result
                                            .get("rc")
                                            .map(Value::python_str)
                                            .unwrap_or_else(|| "0".into())
                                    )
                                });
                            Some(format!(
                                "\t\t\t<failure message=\"{}\" type=\"failure\">{}</failure>",
                                escape(&message),
                                escape(&dump(&host.result))
                            ))
                        }
                    },
                };
                match body {
                    Some(body) => {
                        case.push('\n');
                        case.push_str(&body);
                        case.push_str("\n\t\t</testcase>");
                    }
                    None => {
                        case = case.trim_end_matches('>').to_string() + "/>";
                    }
                }
                cases.push(case);
            }
        }
        let tests = cases.len();
        let mut xml = String::from("<?xml version=\"1.0\" ?>\n");
        xml.push_str(&format!(
            "<testsuites disabled=\"0\" errors=\"{errors}\" failures=\"{failures}\" tests=\"{tests}\" time=\"{total_time}\">\n"
        ));
        xml.push_str(&format!(
            "\t<testsuite disabled=\"0\" errors=\"{errors}\" failures=\"{failures}\" name=\"{}\" skipped=\"{skipped}\" tests=\"{tests}\" time=\"{total_time}\">\n",
            escape(&self.playbook_name)
        ));
        for case in cases {
            xml.push_str(&case);
            xml.push('\n');
        }
        xml.push_str("\t</testsuite>\n</testsuites>\n");
        let stamp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0);
        let file = self.dir.join(format!("{}-{stamp}.xml", self.playbook_name));
        if let Err(e) = std::fs::write(&file, xml) {
            crate::cli::display::warning(&format!(
                "could not write the junit report {}: {e}",
                file.display()
            ));
        }
    }
}

impl Default for Junit {
    fn default() -> Self {
        Junit::new()
    }
}

impl HostData {
    fn result_text(&self) -> String {
        self.result
            .get("text")
            .map(Value::python_str)
            .unwrap_or_default()
    }
}
