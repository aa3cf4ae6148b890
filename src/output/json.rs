//! ansible.posix's `json` stdout callback (`stdout_callback = json`): the
//! whole run as one JSON document printed at the end — plays with their
//! tasks and each host's result, the recap counters and the custom
//! stats. Options: CALLBACK_JSON_INDENT (ANSIBLE_JSON_INDENT; 0 or less
//! is one line) and SHOW_CUSTOM_STATS.
//!
//! Under `linear` a task gets one entry when it starts, shared by its
//! hosts; under other strategies the plugin adds an entry per host when
//! the host starts the task. mitorun has no per-host start event, so that
//! entry is added when the host's result arrives (the same document when
//! hosts do not overlap, as with one fork).

use super::Stats;
use super::default::TaskInfo;
use crate::value::{JsonFormat, Map, Value};

/// What the json callback is told about a play when it starts.
#[derive(Debug, Clone)]
pub struct PlayInfo {
    pub name: String,
    /// `file:line` of the play.
    pub path: String,
    /// The play runs `linear` (the plugin's lockstep strategies).
    pub lockstep: bool,
    /// The play's `check_mode` (as written, else `--check`): the default
    /// callback's `[CHECK MODE]` marker.
    pub check_mode: bool,
}

/// How a result ended, as the event that reported it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    Failed,
    Skipped,
    Unreachable,
}

struct Entry {
    name: String,
    id: String,
    path: String,
    start: String,
    end: Option<String>,
    hosts: Map,
}

struct PlayRecord {
    entry: Entry,
    tasks: Vec<Entry>,
    lockstep: bool,
}

pub struct JsonCallback {
    indent: Option<usize>,
    show_custom_stats: bool,
    /// The first four groups of every id, as ansible's `get_unique_id`
    /// shares one prefix in a run.
    id_prefix: String,
    plays_seen: usize,
    plays: Vec<PlayRecord>,
}

impl JsonCallback {
    pub fn new(indent: i64, show_custom_stats: bool) -> Self {
        let mut random = [0u8; 6];
        let _ = getrandom::fill(&mut random);
        let hex: String = random.iter().map(|b| format!("{b:02x}")).collect();
        JsonCallback {
            indent: usize::try_from(indent).ok().filter(|n| *n > 0),
            show_custom_stats,
            id_prefix: format!("{}-{}-{}", &hex[..8], &hex[8..], "0000-0000"),
            plays_seen: 0,
            plays: Vec::new(),
        }
    }

    fn id(&self, kind: u32, number: usize) -> String {
        format!("{}-{kind:04x}{number:08x}", self.id_prefix)
    }

    pub fn play_start(&mut self, play: &PlayInfo) {
        self.plays_seen += 1;
        let entry = Entry {
            name: play.name.clone(),
            id: self.id(1, self.plays_seen),
            path: play.path.clone(),
            start: utc_now_iso(),
            end: None,
            hosts: Map::new(),
        };
        self.plays.push(PlayRecord {
            entry,
            tasks: Vec::new(),
            lockstep: play.lockstep,
        });
    }

    fn new_task(&self, task: &TaskInfo) -> Entry {
        Entry {
            name: task.name.clone(),
            id: self.id(0, task.uuid),
            path: task.path.clone(),
            start: utc_now_iso(),
            end: None,
            hosts: Map::new(),
        }
    }

    /// A task or handler starts on the play's hosts.
    pub fn task_start(&mut self, task: &TaskInfo) {
        let entry = self.new_task(task);
        if let Some(play) = self.plays.last_mut()
            && play.lockstep
        {
            play.tasks.push(entry);
        }
    }

    /// A host's result: the callback's view of it, with `failed` or
    /// `skipped` for those events and the task's action.
    pub fn result(&mut self, host: &str, task: &TaskInfo, view: &Map, outcome: Outcome) {
        let mut result = view.clone();
        // ansible's executor marks every result (each item of a loop,
        // not the loop's) with the task's `no_log`; an unreachable host's
        // result carries the (hidden) traceback as its exception.
        match result.get_mut("results") {
            Some(Value::List(items)) if task.is_loop => {
                for item in items {
                    if let Value::Map(item) = item {
                        mark_no_log(item, task.no_log);
                    }
                }
            }
            _ => mark_no_log(&mut result, task.no_log),
        }
        if outcome == Outcome::Unreachable && !result.contains_key("exception") {
            result.insert("exception".into(), Value::str("(traceback unavailable)"));
        }
        match outcome {
            Outcome::Failed => {
                result.insert("failed".into(), Value::Bool(true));
            }
            Outcome::Skipped => {
                result.insert("skipped".into(), Value::Bool(true));
            }
            Outcome::Ok | Outcome::Unreachable => {}
        }
        result.insert("action".into(), Value::str(task.action.as_str()));
        let entry = self.new_task(task);
        let Some(play) = self.plays.last_mut() else {
            return;
        };
        if !play.lockstep {
            play.tasks.push(entry);
        }
        let Some(current) = play.tasks.last_mut() else {
            return;
        };
        current.hosts.insert(host.to_string(), Value::Map(result));
        let end = utc_now_iso();
        current.end = Some(end.clone());
        play.entry.end = Some(end);
    }

    /// The document, as the plugin prints it when the run ends.
    pub fn document(&self, stats: &Stats) -> String {
        let plays = self
            .plays
            .iter()
            .map(|play| {
                let tasks = play
                    .tasks
                    .iter()
                    .map(|task| {
                        let mut record = Map::new();
                        record.insert("hosts".into(), Value::Map(task.hosts.clone()));
                        record.insert("task".into(), entry_value(task));
                        Value::Map(record)
                    })
                    .collect();
                let mut record = Map::new();
                record.insert("play".into(), entry_value(&play.entry));
                record.insert("tasks".into(), Value::List(tasks));
                Value::Map(record)
            })
            .collect();
        let summary: Map = stats
            .hosts
            .iter()
            .map(|(host, s)| {
                let counts = [
                    ("ok", s.ok),
                    ("failures", s.failures),
                    ("unreachable", s.unreachable),
                    ("changed", s.changed),
                    ("skipped", s.skipped),
                    ("rescued", s.rescued),
                    ("ignored", s.ignored),
                ];
                let map: Map = counts
                    .iter()
                    .map(|(k, n)| {
                        (
                            k.to_string(),
                            Value::Int(i64::try_from(*n).unwrap_or(i64::MAX)),
                        )
                    })
                    .collect();
                (host.clone(), Value::Map(map))
            })
            .collect();
        let (custom, global) = self.custom_stats(stats);
        let mut output = Map::new();
        output.insert("plays".into(), Value::List(plays));
        output.insert("stats".into(), Value::Map(summary));
        output.insert("custom_stats".into(), Value::Map(custom));
        output.insert("global_custom_stats".into(), Value::Map(global));
        Value::Map(output).to_json_as(&JsonFormat {
            indent: self.indent,
            ascii: true,
            tag_unsafe: false,
        })
    }

    /// `custom_stats` by host and the run-wide ones (`_run`), only with
    /// SHOW_CUSTOM_STATS.
    fn custom_stats(&self, stats: &Stats) -> (Map, Map) {
        if !self.show_custom_stats || stats.custom.is_empty() {
            return (Map::new(), Map::new());
        }
        let mut custom = stats.custom.clone();
        let global = match custom.shift_remove("_run") {
            Some(Value::Map(m)) => m,
            _ => Map::new(),
        };
        (custom, global)
    }
}

fn mark_no_log(result: &mut Map, no_log: bool) {
    if !result.contains_key("_ansible_no_log") {
        result.insert("_ansible_no_log".into(), Value::Bool(no_log));
    }
}

fn entry_value(entry: &Entry) -> Value {
    let mut duration = Map::new();
    duration.insert("start".into(), Value::str(entry.start.as_str()));
    if let Some(end) = &entry.end {
        duration.insert("end".into(), Value::str(end.as_str()));
    }
    let mut map = Map::new();
    map.insert("name".into(), Value::str(entry.name.as_str()));
    map.insert("id".into(), Value::str(entry.id.as_str()));
    map.insert("path".into(), Value::str(entry.path.as_str()));
    map.insert("duration".into(), Value::Map(duration));
    Value::Map(map)
}

/// `'%sZ' % datetime.utcnow().isoformat()`.
fn utc_now_iso() -> String {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    iso_utc(since)
}

fn iso_utc(since: std::time::Duration) -> String {
    let secs = i64::try_from(since.as_secs()).unwrap_or(i64::MAX);
    let (y, m, d) = crate::templating::filters::core::civil_from_days(secs.div_euclid(86_400));
    let rest = secs.rem_euclid(86_400);
    let micros = since.subsec_micros();
    let time = format!(
        "{:02}:{:02}:{:02}",
        rest / 3600,
        (rest / 60) % 60,
        rest % 60
    );
    // isoformat leaves out the fraction when it is zero.
    if micros == 0 {
        format!("{y:04}-{m:02}-{d:02}T{time}Z")
    } else {
        format!("{y:04}-{m:02}-{d:02}T{time}.{micros:06}Z")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_utc_isoformat_with_a_z() {
        let t = std::time::Duration::new(1_700_000_000, 123_456_000);
        assert_eq!(iso_utc(t), "2023-11-14T22:13:20.123456Z");
        let whole = std::time::Duration::new(86_400, 0);
        assert_eq!(iso_utc(whole), "1970-01-02T00:00:00Z");
    }

    fn task(uuid: usize, name: &str) -> TaskInfo {
        TaskInfo {
            uuid,
            prefix: "TASK",
            name: name.into(),
            own_name: name.into(),
            action: "debug".into(),
            is_loop: false,
            is_include: false,
            delegate_to: None,
            path: "/p.yml:3".into(),
            args_text: String::new(),
            no_log: false,
            check_mode: false,
        }
    }

    fn play(lockstep: bool) -> PlayInfo {
        PlayInfo {
            check_mode: false,
            name: "p".into(),
            path: "/p.yml:1".into(),
            lockstep,
        }
    }

    #[test]
    fn linear_plays_share_one_task_entry_and_others_get_one_per_host() {
        let mut json = JsonCallback::new(0, false);
        json.play_start(&play(true));
        json.task_start(&task(1, "t"));
        let view = Map::from_iter([("msg".to_string(), Value::str("é"))]);
        json.result("h1", &task(1, "t"), &view, Outcome::Ok);
        json.result("h2", &task(1, "t"), &view, Outcome::Failed);
        json.play_start(&play(false));
        json.task_start(&task(2, "u"));
        json.result("h1", &task(2, "u"), &view, Outcome::Skipped);
        json.result("h2", &task(2, "u"), &view, Outcome::Ok);
        let mut stats = Stats::default();
        stats.host("h1").ok = 1;
        let text = json.document(&stats);
        let doc: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        assert!(!text.contains('\n'), "indent 0 is one line");
        assert!(text.contains("\\u00e9"), "ASCII escapes as json.dumps");
        let first = &doc["plays"][0]["tasks"];
        assert_eq!(first.as_array().map(Vec::len), Some(1));
        assert_eq!(first[0]["hosts"]["h2"]["failed"], true);
        assert_eq!(first[0]["hosts"]["h1"]["action"], "debug");
        let second = &doc["plays"][1]["tasks"];
        assert_eq!(second.as_array().map(Vec::len), Some(2));
        assert_eq!(second[0]["hosts"]["h1"]["skipped"], true);
        assert_eq!(doc["stats"]["h1"]["ok"], 1);
        assert_eq!(doc["custom_stats"], serde_json::json!({}));
    }
}
