//! Which callbacks a run uses, by ansible's plugin names: the stdout
//! callback (DEFAULT_STDOUT_CALLBACK, or the ad hoc choice) and the
//! enabled ones (CALLBACKS_ENABLED). Names ansible-core redirects to
//! ansible.posix (`json`, `profile_tasks`, `timer`) are run natively.
//! Anything else is what ansible says of a plugin it cannot load: an
//! error for the stdout callback, a warning for an enabled one.

use crate::errors::{Exit, Fatal};

/// The callback that prints the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StdoutCallback {
    Default,
    Minimal,
    Oneline,
    Json,
    /// community.general.yaml (deprecated there, still in wide use): the
    /// default callback with its own YAML result dump.
    CommunityYaml,
    /// ansible.posix.debug: the default callback with output, errors and
    /// messages printed as text after the rest of the result.
    PosixDebug,
    /// A project's or collection's Python plugin (`Selection::python_stdout`
    /// names it): it prints the run (`python_callbacks.rs`).
    Python,
}

/// An enabled callback that prints to stdout besides the stdout callback,
/// in the order CALLBACKS_ENABLED lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timing {
    ProfileTasks,
    Timer,
}

/// The callbacks of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    pub stdout: StdoutCallback,
    pub junit: bool,
    pub tree: bool,
    pub timing: Vec<Timing>,
    /// Enabled names mitorun does not run itself but `is_python` found:
    /// the project's or a collection's Python callbacks.
    pub python: Vec<String>,
    /// The stdout callback's name when it is a Python plugin.
    pub python_stdout: Option<String>,
}

/// A callback ansible knows by this name, with the collection it lives in
/// when ansible-core only redirects to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Known {
    Stdout(StdoutCallback),
    Junit,
    Tree,
    Timing(Timing),
}

/// What a configured name refers to, and the collection ansible-core
/// redirects it to when it reaches it through its routing table (it says
/// so at -vv): ansible.posix's and community.general's callbacks are run
/// natively whether or not those collections are installed.
fn known(name: &str) -> Option<(Known, Option<&'static str>)> {
    // Where the name points: None for a bare name or ansible.builtin /
    // ansible.legacy (ansible-core's routing applies), else the collection.
    let (short, collection) = match name.split_once('.') {
        None => (name, None),
        Some(_) => ["ansible.builtin.", "ansible.legacy."]
            .iter()
            .find_map(|ns| name.strip_prefix(ns).map(|short| (short, None)))
            .or_else(|| {
                ["ansible.posix.", "community.general."]
                    .iter()
                    .find_map(|ns| {
                        name.strip_prefix(ns)
                            .map(|short| (short, Some(&ns[..ns.len() - 1])))
                    })
            })?,
    };
    let builtin = |k: Known| collection.is_none().then_some((k, None));
    // A callback that lives in `home`: reached directly, or redirected.
    let routed = |k: Known, home: &'static str, fq: &'static str| match collection {
        None => Some((k, Some(fq))),
        Some(c) if c == home => Some((k, None)),
        Some(_) => None,
    };
    match short {
        "default" => builtin(Known::Stdout(StdoutCallback::Default)),
        "minimal" => builtin(Known::Stdout(StdoutCallback::Minimal)),
        "oneline" => builtin(Known::Stdout(StdoutCallback::Oneline)),
        "junit" => builtin(Known::Junit),
        "tree" => builtin(Known::Tree),
        "json" => routed(
            Known::Stdout(StdoutCallback::Json),
            "ansible.posix",
            "ansible.posix.json",
        ),
        "profile_tasks" => routed(
            Known::Timing(Timing::ProfileTasks),
            "ansible.posix",
            "ansible.posix.profile_tasks",
        ),
        "timer" => routed(
            Known::Timing(Timing::Timer),
            "ansible.posix",
            "ansible.posix.timer",
        ),
        "debug" => routed(
            Known::Stdout(StdoutCallback::PosixDebug),
            "ansible.posix",
            "ansible.posix.debug",
        ),
        "yaml" => routed(
            Known::Stdout(StdoutCallback::CommunityYaml),
            "community.general",
            "community.general.yaml",
        ),
        _ => None,
    }
}

/// The short name ansible's `-vv` lines use for a stdout callback.
fn stdout_name(callback: StdoutCallback) -> &'static str {
    match callback {
        StdoutCallback::Default => "default",
        StdoutCallback::Minimal => "minimal",
        StdoutCallback::Oneline => "oneline",
        StdoutCallback::Json => "json",
        StdoutCallback::CommunityYaml => "yaml",
        StdoutCallback::PosixDebug => "debug",
        StdoutCallback::Python => "python",
    }
}

/// Resolves the stdout callback `stdout_name` and the enabled list.
/// `extra_enabled` are callbacks the command line enables (ad hoc
/// `--tree`); `run_enabled` is false for ad hoc runs without
/// `bin_ansible_callbacks`, which load no enabled callback. `is_python`
/// says whether another name is a Python callback plugin that can be found.
/// Returns the selection and the lines ansible prints at `-vv` while
/// loading them.
pub fn select(
    stdout_name_wanted: &str,
    enabled: &[String],
    tree_from_cli: bool,
    run_enabled: bool,
    is_python: impl Fn(&str) -> bool,
    mut warn: impl FnMut(&str),
) -> Result<(Selection, Vec<String>), Fatal> {
    let mut verbose_lines = Vec::new();
    let stdout = match known(stdout_name_wanted) {
        Some((Known::Stdout(kind), redirect)) => {
            if let Some(target) = redirect {
                verbose_lines.push(redirect_line(stdout_name_wanted, target));
            }
            kind
        }
        Some(_) => {
            return Err(Fatal::unsupported(format!(
                "the '{stdout_name_wanted}' callback as the stdout callback"
            )));
        }
        None if is_python(stdout_name_wanted) => StdoutCallback::Python,
        None => {
            return Err(Fatal::msg(
                Exit::Error,
                format!("Could not load '{stdout_name_wanted}' callback plugin."),
            ));
        }
    };
    let mut selection = Selection {
        stdout,
        junit: false,
        tree: tree_from_cli,
        timing: Vec::new(),
        python: Vec::new(),
        python_stdout: (stdout == StdoutCallback::Python).then(|| stdout_name_wanted.to_string()),
    };
    // ansible loads every enabled name first (warning about the ones it
    // cannot find), then walks the builtin callbacks and the loaded ones.
    let mut loaded = Vec::new();
    for name in enabled {
        match known(name) {
            Some((kind, redirect)) => {
                if let Some(target) = redirect {
                    verbose_lines.push(redirect_line(name, target));
                }
                if !loaded.contains(&kind) {
                    loaded.push(kind);
                }
            }
            None if is_python(name) => {
                if !selection.python.contains(name) {
                    selection.python.push(name.clone());
                }
            }
            None => warn(&format!(
                "Skipping callback plugin '{name}', unable to load"
            )),
        }
    }
    let builtin_stdout = [
        StdoutCallback::Default,
        StdoutCallback::Minimal,
        StdoutCallback::Oneline,
    ];
    for other in builtin_stdout.iter().filter(|c| **c != stdout) {
        verbose_lines.push(skipping_line(stdout_name(*other)));
    }
    for kind in loaded {
        match kind {
            Known::Stdout(StdoutCallback::Json) if stdout != StdoutCallback::Json => {
                verbose_lines.push(skipping_line("json"));
            }
            Known::Stdout(_) => {}
            _ if !run_enabled => {}
            Known::Junit => selection.junit = true,
            Known::Tree => selection.tree = true,
            Known::Timing(t) => selection.timing.push(t),
        }
    }
    Ok((selection, verbose_lines))
}

fn redirect_line(name: &str, target: &str) -> String {
    let short = name.rsplit('.').next().unwrap_or(name);
    format!("redirecting (type: callback) ansible.builtin.{short} to {target}")
}

fn skipping_line(name: &str) -> String {
    format!("Skipping callback '{name}', as we already have a stdout callback.")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pick(
        stdout: &str,
        enabled: &[&str],
    ) -> Result<(Selection, Vec<String>, Vec<String>), Fatal> {
        let enabled: Vec<String> = enabled.iter().map(|s| s.to_string()).collect();
        let mut warnings = Vec::new();
        let (selection, lines) = select(
            stdout,
            &enabled,
            false,
            true,
            |n| n == "mine",
            |w| warnings.push(w.to_string()),
        )?;
        Ok((selection, lines, warnings))
    }

    #[test]
    fn names_with_and_without_their_collection_are_the_same_callback() {
        for name in ["json", "ansible.posix.json", "ansible.builtin.json"] {
            let (s, _, _) = pick(name, &[]).expect("json loads");
            assert_eq!(s.stdout, StdoutCallback::Json, "{name}");
        }
        for name in [
            "minimal",
            "ansible.builtin.minimal",
            "ansible.legacy.minimal",
        ] {
            let (s, _, _) = pick(name, &[]).expect("minimal loads");
            assert_eq!(s.stdout, StdoutCallback::Minimal, "{name}");
        }
        assert!(pick("ansible.posix.minimal", &[]).is_err());
    }

    #[test]
    fn yaml_is_community_generals_callback_reached_by_ansibles_redirect() {
        let (s, lines, _) = pick("yaml", &[]).expect("yaml loads");
        assert_eq!(s.stdout, StdoutCallback::CommunityYaml);
        assert_eq!(
            lines[0],
            "redirecting (type: callback) ansible.builtin.yaml to community.general.yaml"
        );
        let (s, lines, _) = pick("community.general.yaml", &[]).expect("loads");
        assert_eq!(s.stdout, StdoutCallback::CommunityYaml);
        assert!(
            !lines.iter().any(|l| l.starts_with("redirecting")),
            "{lines:?}"
        );
        assert!(pick("ansible.posix.yaml", &[]).is_err());
        for name in ["debug", "ansible.posix.debug"] {
            let (s, _, _) = pick(name, &[]).expect("debug loads");
            assert_eq!(s.stdout, StdoutCallback::PosixDebug, "{name}");
        }
        assert!(pick("community.general.debug", &[]).is_err());
        assert!(pick("community.general.json", &[]).is_err());
    }

    #[test]
    fn a_python_plugin_may_be_the_stdout_callback() {
        let (s, _, _) = pick("mine", &[]).expect("mine loads");
        assert_eq!(s.stdout, StdoutCallback::Python);
        assert_eq!(s.python_stdout.as_deref(), Some("mine"));
        let (s, _, _) = pick("default", &[]).expect("default loads");
        assert_eq!(s.python_stdout, None);
    }

    #[test]
    fn an_unknown_stdout_callback_is_ansibles_error() {
        let err = pick("nosuch", &[]).expect_err("nosuch is no callback");
        assert_eq!(err.exit, Exit::Error);
        assert!(format!("{:?}", err.report).contains("Could not load 'nosuch' callback plugin."));
    }

    #[test]
    fn unknown_enabled_callbacks_are_warned_about_and_the_rest_kept_in_order() {
        let (s, lines, warnings) = pick(
            "default",
            &[
                "timer",
                "nosuch",
                "ansible.posix.profile_tasks",
                "mine",
                "junit",
            ],
        )
        .expect("loads");
        assert_eq!(s.timing, vec![Timing::Timer, Timing::ProfileTasks]);
        assert!(s.junit);
        assert_eq!(s.python, vec!["mine"]);
        assert_eq!(
            warnings,
            vec!["Skipping callback plugin 'nosuch', unable to load"]
        );
        assert_eq!(
            lines,
            vec![
                "redirecting (type: callback) ansible.builtin.timer to ansible.posix.timer",
                "Skipping callback 'minimal', as we already have a stdout callback.",
                "Skipping callback 'oneline', as we already have a stdout callback.",
            ]
        );
    }

    #[test]
    fn ad_hoc_runs_load_enabled_callbacks_only_when_asked() {
        let enabled = vec!["timer".to_string()];
        let (s, _) = select("minimal", &enabled, true, false, |_| false, |_| {}).expect("loads");
        assert!(s.timing.is_empty());
        assert!(s.tree);
    }
}
