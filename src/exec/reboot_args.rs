//! What the reboot action reads from its arguments and from the target's
//! distribution: the per-system command tables of ansible's `reboot`
//! action, the type checks it applies (`check_type_str` without
//! conversion, `check_type_list`, Python's `int()`), and the shutdown
//! command line built from them. Pure functions; `reboot.rs` runs them.

use crate::value::{Map, Value};

/// The arguments the action accepts; any other is "Invalid options".
pub(super) const VALID_ARGS: &[&str] = &[
    "boot_time_command",
    "connect_timeout",
    "msg",
    "post_reboot_delay",
    "pre_reboot_delay",
    "reboot_command",
    "reboot_timeout",
    "search_paths",
    "test_command",
];

pub(super) const DEFAULT_REBOOT_TIMEOUT: i64 = 600;
const DEFAULT_TEST_COMMAND: &str = "whoami";
const DEFAULT_BOOT_TIME_COMMAND: &str = "cat /proc/sys/kernel/random/boot_id";
const DEFAULT_REBOOT_MESSAGE: &str = "Reboot initiated by Ansible";
const DEFAULT_SHUTDOWN_COMMAND: &str = "shutdown";
const DEFAULT_SHUTDOWN_COMMAND_ARGS: &str = "-r {delay_min} \"{message}\"";
/// Where the shutdown program is looked for unless `search_paths` says.
const DEFAULT_SEARCH_PATHS: &[&str] =
    &["/sbin", "/bin", "/usr/sbin", "/usr/bin", "/usr/local/sbin"];

/// Per-system values, keyed as ansible keys them: distribution name plus
/// major version, distribution name, or OS family (all lowercased).
type Table = &'static [(&'static str, &'static str)];

const BOOT_TIME_COMMANDS: Table = &[
    ("freebsd", "/sbin/sysctl kern.boottime"),
    ("openbsd", "/sbin/sysctl kern.boottime"),
    ("macosx", "who -b"),
    ("solaris", "who -b"),
    ("sunos", "who -b"),
    (
        "vmkernel",
        "grep booted /var/log/vmksummary.log | tail -n 1",
    ),
    ("aix", "who -b"),
];

const SHUTDOWN_COMMANDS: Table = &[("alpine", "reboot"), ("vmkernel", "reboot")];

const SHUTDOWN_COMMAND_ARGS: Table = &[
    ("alpine", ""),
    ("void", "-r +{delay_min} \"{message}\""),
    ("freebsd", "-r +{delay_sec}s \"{message}\""),
    ("linux", DEFAULT_SHUTDOWN_COMMAND_ARGS),
    ("macosx", "-r +{delay_min} \"{message}\""),
    ("openbsd", "-r +{delay_min} \"{message}\""),
    ("solaris", "-y -g {delay_sec} -i 6 \"{message}\""),
    ("sunos", "-y -g {delay_sec} -i 6 \"{message}\""),
    ("vmkernel", "-d {delay_sec}"),
    ("aix", "-Fr"),
];

const TEST_COMMANDS: Table = &[("solaris", "who"), ("vmkernel", "who")];

/// The target's system as the tables are keyed: `ansible_distribution`
/// and `ansible_os_family` lowercased, the distribution version's major
/// part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Distribution {
    pub name: String,
    pub version: String,
    pub family: String,
}

impl Distribution {
    /// The table's value for this system: name + version first, then the
    /// name, then the family, else `default`.
    fn pick(&self, table: Table, default: &'static str) -> &'static str {
        let name_version = format!("{}{}", self.name, self.version);
        [name_version.as_str(), &self.name, &self.family]
            .into_iter()
            .find_map(|key| table.iter().find(|(k, _)| *k == key).map(|(_, v)| *v))
            .unwrap_or(default)
    }

    /// The distribution from a `setup` run's facts, or the name of the
    /// first fact missing from them.
    pub fn from_facts(facts: &Map) -> Result<Distribution, &'static str> {
        let fact = |name: &'static str| facts.get(name).map(Value::python_str).ok_or(name);
        let name = fact("ansible_distribution")?.to_lowercase();
        let version = fact("ansible_distribution_version")?;
        let major = version.split('.').next().unwrap_or_default().to_string();
        let family = fact("ansible_os_family")?.to_lowercase();
        Ok(Distribution {
            name,
            version: major,
            family,
        })
    }
}

/// An argument that is not present, or present as null: ansible's
/// `args.get(key)` is None for both.
fn given<'a>(args: &'a Map, key: &str) -> Option<&'a Value> {
    args.get(key).filter(|v| !matches!(v, Value::Null))
}

/// `check_type_str(value, allow_conversion=False)` as the action words
/// its failure.
fn text_argument<'a>(args: &'a Map, key: &str) -> Result<Option<&'a str>, String> {
    match given(args, key) {
        None => Ok(None),
        Some(Value::Str(s) | Value::Unsafe(s)) => Ok(Some(s)),
        Some(other) => Err(format!(
            "Invalid value given for '{key}': '{}' is not a string and conversion is not allowed.",
            other.python_repr()
        )),
    }
}

/// The arguments the action does not know, in the task's order.
pub(super) fn invalid_options(args: &Map) -> Vec<&str> {
    args.keys()
        .map(String::as_str)
        .filter(|k| !VALID_ARGS.contains(k))
        .collect()
}

/// The command that reads the boot identity: `boot_time_command` when it
/// is set to something true, else the system's.
pub(super) fn boot_time_command(args: &Map, system: &Distribution) -> Result<String, String> {
    let wanted = args.get("boot_time_command").filter(|v| v.is_truthy());
    match wanted {
        Some(Value::Str(s) | Value::Unsafe(s)) => Ok(s.clone()),
        Some(other) => Err(format!(
            "Invalid value given for 'boot_time_command': '{}' is not a string and conversion is not allowed.",
            other.python_repr()
        )),
        None => Ok(system
            .pick(BOOT_TIME_COMMANDS, DEFAULT_BOOT_TIME_COMMAND)
            .to_string()),
    }
}

/// The command run after the reboot to prove the system works. ansible
/// does not check its type: a non-text value becomes its Python text.
pub(super) fn test_command(args: &Map, system: &Distribution) -> String {
    match args.get("test_command") {
        Some(value) => value.python_str(),
        None => system.pick(TEST_COMMANDS, DEFAULT_TEST_COMMAND).to_string(),
    }
}

/// How the shutdown program is named: a path, or a name looked up in the
/// search paths.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum ShutdownProgram {
    Path(String),
    /// Found by the `find` module in `paths` (as `check_type_list` made them).
    Search {
        name: String,
        paths: Vec<Value>,
    },
}

/// Why the shutdown program cannot be named. `Plain` is raised by itself
/// in ansible; `WhileHandling` while ansible handled a type error, which
/// its report shows as a cause of its own.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum ArgError {
    Plain(String),
    WhileHandling(String),
}

/// The shutdown program: the first word of `reboot_command`, else the
/// system's, searched for unless it is absolute.
pub(super) fn shutdown_program(
    args: &Map,
    system: &Distribution,
) -> Result<ShutdownProgram, ArgError> {
    let name = match text_argument(args, "reboot_command").map_err(ArgError::WhileHandling)? {
        Some(command) => command.split(' ').next().unwrap_or_default().to_string(),
        None => system
            .pick(SHUTDOWN_COMMANDS, DEFAULT_SHUTDOWN_COMMAND)
            .to_string(),
    };
    if name.is_empty() {
        // ansible indexes the name's first character.
        return Err(ArgError::Plain("string index out of range".into()));
    }
    if name.starts_with('/') {
        return Ok(ShutdownProgram::Path(name));
    }
    let paths = match args.get("search_paths") {
        None => DEFAULT_SEARCH_PATHS
            .iter()
            .map(|p| Value::str(*p))
            .collect(),
        Some(value) => search_path_list(value).ok_or_else(|| {
            ArgError::WhileHandling(format!(
                "'search_paths' must be a string or flat list of strings, got {}",
                value.python_str()
            ))
        })?,
    };
    Ok(ShutdownProgram::Search { name, paths })
}

/// `check_type_list`: a list as it is, text split at commas, a number as
/// its text; anything else is refused.
fn search_path_list(value: &Value) -> Option<Vec<Value>> {
    match value {
        Value::List(items) => Some(items.clone()),
        Value::Str(s) | Value::Unsafe(s) => Some(s.split(',').map(Value::str).collect()),
        Value::Int(_) | Value::BigInt(_) | Value::Float(_) | Value::Bool(_) => {
            Some(vec![Value::str(value.python_str())])
        }
        _ => None,
    }
}

/// The shutdown program's arguments: what follows the first space of
/// `reboot_command`, else the system's template filled with the delay and
/// the message.
pub(super) fn shutdown_arguments(args: &Map, system: &Distribution) -> Result<String, ArgError> {
    if let Some(command) = text_argument(args, "reboot_command").map_err(ArgError::WhileHandling)? {
        return Ok(command
            .split_once(' ')
            .map(|(_, rest)| rest.to_string())
            .unwrap_or_default());
    }
    let template = system.pick(SHUTDOWN_COMMAND_ARGS, DEFAULT_SHUTDOWN_COMMAND_ARGS);
    let delay = delay_argument(args, "pre_reboot_delay").map_err(ArgError::Plain)?;
    let message = args
        .get("msg")
        .map(Value::python_str)
        .unwrap_or_else(|| DEFAULT_REBOOT_MESSAGE.to_string());
    Ok(fill_template(template, delay, &message))
}

/// `template.format(delay_sec=..., delay_min=..., message=...)`: each
/// field replaced once (a message holding `{delay_sec}` stays as it is).
fn fill_template(template: &str, delay_sec: i64, message: &str) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            out.push_str(&rest[open..]);
            return out;
        };
        match &after[..close] {
            "delay_sec" => out.push_str(&delay_sec.to_string()),
            // Floor division: the delay is never negative here.
            "delay_min" => out.push_str(&(delay_sec / 60).to_string()),
            "message" => out.push_str(message),
            other => {
                out.push('{');
                out.push_str(other);
                out.push('}');
            }
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

/// `pre_reboot_delay`/`post_reboot_delay` in seconds: Python's `int()`
/// of the value (0 when unset), negative values as 0.
pub(super) fn delay_argument(args: &Map, key: &str) -> Result<i64, String> {
    match args.get(key) {
        None => Ok(0),
        Some(value) => super::strategy::python_int(value).map(|n| n.max(0)),
    }
}

/// `reboot_timeout` in seconds: Python's `int()` of the value.
pub(super) fn reboot_timeout(args: &Map) -> Result<i64, String> {
    match args.get("reboot_timeout") {
        None => Ok(DEFAULT_REBOOT_TIMEOUT),
        Some(value) => super::strategy::python_int(value),
    }
}

/// `connect_timeout` when it is set to something true: the connection's
/// timeout while the action waits for the system to come back.
pub(super) fn connect_timeout(args: &Map) -> Option<&Value> {
    args.get("connect_timeout").filter(|v| v.is_truthy())
}

/// Python's `isoformat()` of an aware UTC datetime: the fraction only
/// when it is not zero, then `+00:00`.
pub(super) fn utc_isoformat(time: std::time::SystemTime) -> String {
    let since = time
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let secs = i64::try_from(since.as_secs()).unwrap_or(i64::MAX);
    let (y, m, d) = crate::templating::filters::core::civil_from_days(secs.div_euclid(86_400));
    let of_day = secs.rem_euclid(86_400);
    let mut text = format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        of_day / 3600,
        (of_day / 60) % 60,
        of_day % 60
    );
    let micros = since.subsec_micros();
    if micros != 0 {
        text.push_str(&format!(".{micros:06}"));
    }
    text.push_str("+00:00");
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(pairs: &[(&str, Value)]) -> Map {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    fn system(name: &str, version: &str, family: &str) -> Distribution {
        Distribution {
            name: name.into(),
            version: version.into(),
            family: family.into(),
        }
    }

    #[test]
    fn tables_are_read_by_version_then_name_then_family() {
        let debian = system("debian", "12", "debian");
        assert_eq!(debian.pick(SHUTDOWN_COMMANDS, "shutdown"), "shutdown");
        let alpine = system("alpine", "3", "alpine");
        assert_eq!(alpine.pick(SHUTDOWN_COMMANDS, "shutdown"), "reboot");
        // A family entry answers for a distribution without its own.
        let derived = system("ghostbsd", "23", "freebsd");
        assert_eq!(
            derived.pick(BOOT_TIME_COMMANDS, DEFAULT_BOOT_TIME_COMMAND),
            "/sbin/sysctl kern.boottime"
        );
        assert_eq!(
            shutdown_arguments(&args(&[]), &derived),
            Ok("-r +0s \"Reboot initiated by Ansible\"".to_string())
        );
    }

    #[test]
    fn facts_give_the_lowercased_system_and_major_version() {
        let facts = args(&[
            ("ansible_distribution", Value::str("Debian")),
            ("ansible_distribution_version", Value::str("12.5")),
            ("ansible_os_family", Value::str("Debian")),
        ]);
        assert_eq!(
            Distribution::from_facts(&facts),
            Ok(system("debian", "12", "debian"))
        );
        let mut missing = facts.clone();
        missing.shift_remove("ansible_os_family");
        assert_eq!(Distribution::from_facts(&missing), Err("ansible_os_family"));
    }

    #[test]
    fn default_shutdown_line_fills_delay_and_message_once() {
        let linux = system("debian", "12", "debian");
        let given = args(&[
            ("pre_reboot_delay", Value::Int(150)),
            ("msg", Value::str("bye {delay_sec}")),
        ]);
        assert_eq!(
            shutdown_arguments(&given, &linux),
            Ok("-r 2 \"bye {delay_sec}\"".to_string())
        );
        let solaris = system("solaris", "11", "solaris");
        assert_eq!(
            shutdown_arguments(&given, &solaris),
            Ok("-y -g 150 -i 6 \"bye {delay_sec}\"".to_string())
        );
        let negative = args(&[("pre_reboot_delay", Value::str("-5"))]);
        assert_eq!(
            shutdown_arguments(&negative, &solaris),
            Ok("-y -g 0 -i 6 \"Reboot initiated by Ansible\"".to_string())
        );
        assert_eq!(
            shutdown_arguments(&args(&[("pre_reboot_delay", Value::str("x"))]), &linux),
            Err(ArgError::Plain(
                "invalid literal for int() with base 10: 'x'".into()
            ))
        );
    }

    #[test]
    fn reboot_command_splits_at_the_first_space() {
        let linux = system("debian", "12", "debian");
        let given = args(&[("reboot_command", Value::str("/sbin/reboot  -f now"))]);
        assert_eq!(
            shutdown_program(&given, &linux),
            Ok(ShutdownProgram::Path("/sbin/reboot".into()))
        );
        assert_eq!(shutdown_arguments(&given, &linux), Ok(" -f now".into()));
        let bare = args(&[("reboot_command", Value::str("reboot"))]);
        assert_eq!(shutdown_arguments(&bare, &linux), Ok(String::new()));
        assert_eq!(
            shutdown_program(&bare, &linux),
            Ok(ShutdownProgram::Search {
                name: "reboot".into(),
                paths: DEFAULT_SEARCH_PATHS
                    .iter()
                    .map(|p| Value::str(*p))
                    .collect(),
            })
        );
        for empty in ["", " now"] {
            assert_eq!(
                shutdown_program(&args(&[("reboot_command", Value::str(empty))]), &linux),
                Err(ArgError::Plain("string index out of range".into()))
            );
        }
        assert_eq!(
            shutdown_program(&args(&[("reboot_command", Value::Int(123))]), &linux),
            Err(ArgError::WhileHandling(
                "Invalid value given for 'reboot_command': '123' is not a string and conversion is not allowed.".into()
            ))
        );
    }

    #[test]
    fn search_paths_follow_check_type_list() {
        let linux = system("debian", "12", "debian");
        let paths = |value: Value| match shutdown_program(&args(&[("search_paths", value)]), &linux)
        {
            Ok(ShutdownProgram::Search { paths, .. }) => Ok(Value::List(paths).python_repr()),
            Ok(other) => panic!("{other:?}"),
            Err(e) => Err(e),
        };
        assert_eq!(paths(Value::str("/a,/b")), Ok("['/a', '/b']".into()));
        assert_eq!(paths(Value::Int(5)), Ok("['5']".into()));
        let mut mapping = Map::new();
        mapping.insert("a".into(), Value::Int(1));
        assert_eq!(
            paths(Value::Map(mapping)),
            Err(ArgError::WhileHandling(
                "'search_paths' must be a string or flat list of strings, got {'a': 1}".into()
            ))
        );
        assert!(
            matches!(paths(Value::Null), Err(ArgError::WhileHandling(m)) if m.ends_with("got None"))
        );
    }

    #[test]
    fn boot_time_and_test_commands() {
        let linux = system("debian", "12", "debian");
        assert_eq!(
            boot_time_command(&args(&[("boot_time_command", Value::str(""))]), &linux),
            Ok(DEFAULT_BOOT_TIME_COMMAND.to_string())
        );
        assert_eq!(
            boot_time_command(
                &args(&[(
                    "boot_time_command",
                    Value::List(vec![Value::str("cat"), Value::str("x")])
                )]),
                &linux
            ),
            Err("Invalid value given for 'boot_time_command': '['cat', 'x']' is not a string and conversion is not allowed.".into())
        );
        assert_eq!(test_command(&args(&[]), &linux), "whoami");
        assert_eq!(
            test_command(&args(&[]), &system("solaris", "11", "solaris")),
            "who"
        );
        assert_eq!(
            test_command(&args(&[("test_command", Value::Null)]), &linux),
            "None"
        );
    }

    #[test]
    fn invalid_options_keep_the_task_order() {
        let given = args(&[
            ("zeta", Value::Int(1)),
            ("msg", Value::str("m")),
            ("alpha", Value::Int(2)),
        ]);
        assert_eq!(invalid_options(&given), ["zeta", "alpha"]);
    }

    #[test]
    fn timeouts_and_delays_are_python_ints() {
        assert_eq!(reboot_timeout(&args(&[])), Ok(600));
        assert_eq!(
            reboot_timeout(&args(&[("reboot_timeout", Value::Float(2.9))])),
            Ok(2)
        );
        assert_eq!(
            reboot_timeout(&args(&[("reboot_timeout", Value::str("abc"))])),
            Err("invalid literal for int() with base 10: 'abc'".into())
        );
        assert_eq!(
            delay_argument(
                &args(&[("post_reboot_delay", Value::Int(-3))]),
                "post_reboot_delay"
            ),
            Ok(0)
        );
        assert!(connect_timeout(&args(&[("connect_timeout", Value::Int(0))])).is_none());
    }

    #[test]
    fn start_time_is_python_isoformat() {
        let at = std::time::UNIX_EPOCH + std::time::Duration::new(1_700_000_000, 5_000);
        assert_eq!(utc_isoformat(at), "2023-11-14T22:13:20.000005+00:00");
        let whole = std::time::UNIX_EPOCH + std::time::Duration::from_secs(86_400);
        assert_eq!(utc_isoformat(whole), "1970-01-02T00:00:00+00:00");
    }
}
