//! Starting an agent: the command line that runs a tiny first stage under
//! the target's Python (found by `ansible_python_interpreter` or by
//! discovery in the same round trip), and the bytes that follow it on
//! stdin (the compressed agent source, then the agent's configuration).

use std::sync::OnceLock;

/// The agent's Python source files, concatenated in this order. Each file
/// may use names from the files before it at import time, and any name at
/// call time.
const AGENT_FILES: [&str; 18] = [
    include_str!("agent/core.py"),
    include_str!("agent/spawn.py"),
    include_str!("agent/runner.py"),
    include_str!("agent/argspec.py"),
    include_str!("agent/native.py"),
    include_str!("agent/fsmod.py"),
    include_str!("agent/native_file.py"),
    include_str!("agent/native_copy.py"),
    include_str!("agent/native_lineinfile.py"),
    include_str!("agent/native_blockinfile.py"),
    include_str!("agent/native_replace.py"),
    include_str!("agent/native_find.py"),
    include_str!("agent/native_assemble.py"),
    include_str!("agent/native_exec.py"),
    include_str!("agent/jobs.py"),
    include_str!("agent/envwatch.py"),
    include_str!("agent/files.py"),
    include_str!("agent/main.py"),
];

/// The native `setup` module, concatenated in this order and run in the
/// agent's namespace when the first `setup` call brings it (it is as big
/// as the rest of the agent, which connections that gather no facts
/// should not pay for).
const FACTS_FILES: [&str; 7] = [
    include_str!("agent/native_facts.py"),
    include_str!("agent/native_facts_distro.py"),
    include_str!("agent/native_facts_system.py"),
    include_str!("agent/native_facts_virtual.py"),
    include_str!("agent/native_facts_hardware.py"),
    include_str!("agent/native_facts_network.py"),
    include_str!("agent/native_facts_setup.py"),
];

/// The native `uri` and `get_url` modules, run in the agent's namespace
/// when the first of them is called (they import ssl and urllib).
const NET_FILE: &str = include_str!("agent/native_net.py");

/// The native `user` and `group` modules, run in the agent's namespace
/// when the first of them is called (most connections manage no accounts).
const USER_FILE: &str = include_str!("agent/native_user.py");

/// The native `apt` and `dpkg_selections` modules, run in the agent's
/// namespace when the first of them is called: the engine (a standalone
/// program the agent runs in a child interpreter) and the agent side.
const APT_ENGINE_FILE: &str = include_str!("agent/apt_engine.py");
const APT_AGENT_FILE: &str = include_str!("agent/native_apt.py");
const APT_REPO_FILE: &str = include_str!("agent/native_aptrepo.py");

/// The native `unarchive` module, run in the agent's namespace when the
/// first unarchive call brings it (most connections unpack nothing).
const UNARCHIVE_FILE: &str = include_str!("agent/native_unarchive.py");

/// The `url` lookup's request, run in the controller's Python worker
/// after the net modules' source (it sends requests with their
/// `open_request`).
const URL_LOOKUP_FILE: &str = include_str!("agent/native_url_lookup.py");

/// The native `wait_for`, `getent`, `known_hosts`, `package_facts` and
/// `debconf` modules, run in the agent's namespace when the first of them
/// is called (few connections use any of them).
const MISC_FILE: &str = include_str!("agent/native_misc.py");

/// The runner of a project's Python filter, test and lookup plugins, only
/// ever sent to the controller-local agent that runs them.
const PLUGINS_FILE: &str = include_str!("agent/native_plugins.py");

/// The runner of a project's Python action plugins (ansible-core's own
/// `ActionBase` subclasses), only ever sent to the controller-local agent
/// that runs them.
const ACTION_PLUGINS_FILE: &str = include_str!("agent/native_action_plugins.py");

/// The runner of a project's Python callback plugins, shipped with the
/// action plugins' runner (it shares its ansible-core import).
const CALLBACK_PLUGINS_FILE: &str = include_str!("agent/native_callback_plugins.py");

/// The native `service`, `systemd`/`systemd_service`, `sysvinit` and
/// `service_facts` modules, run in the agent's namespace when the first of
/// them is called (most connections manage no services).
const SERVICE_FILE: &str = include_str!("agent/native_service.py");
const HOST_FILE: &str = include_str!("agent/native_host.py");

/// AnsibleModule.run_command as the cron, git, pip and expect modules use
/// it, shipped in front of each of them.
const DEV_RUN_FILE: &str = include_str!("agent/native_dev_run.py");

/// The native `cron`, `git`, `pip` and `expect` modules, each run in the
/// agent's namespace when its first call brings it (few connections use
/// any of them).
const CRON_FILE: &str = include_str!("agent/native_cron.py");
const GIT_FILE: &str = include_str!("agent/native_git.py");
const PIP_FILE: &str = include_str!("agent/native_pip.py");
const EXPECT_FILE: &str = include_str!("agent/native_expect.py");
/// The native `iptables` module, which drives iptables through the same
/// run_command (few connections manage a firewall).
const IPTABLES_FILE: &str = include_str!("agent/native_iptables.py");
/// The native `yum_repository`, `rpm_key`, `dnf` and `dnf5` modules, run
/// in the agent's namespace when the first of them is called (only RPM
/// hosts use them).
const RPM_FILE: &str = include_str!("agent/native_rpm.py");

/// Written by the first stage before it reads anything: parents wait for it
/// before they send the agent (a password prompt may come first).
pub const S1_MARKER: &[u8] = b"MITORUN-S1\n";
/// Written by the first stage instead of S1_MARKER on a Python older than 3.6.
pub const PY_OLD_MARKER: &[u8] = b"MITORUN-PY-OLD";
/// Precedes the agent's HELLO frame, so noise printed by login scripts
/// before it can be skipped.
pub const HELLO_MAGIC: &[u8] = b"\x00MITORUN-HELLO\x00";

/// The first stage, passed with `python -c`. It must stay free of single
/// quotes (it is single-quoted inside the discovery script) and valid
/// Python 2 up to the version check, so old interpreters are reported.
/// It reads `%010d` length + zlib(agent) from stdin, keeps the compressed
/// bytes as `Z` (re-sent to children) and executes the agent.
pub const STAGE1: &str = "import os,sys,zlib
if sys.version_info<(3,6):
 os.write(1,(\"MITORUN-PY-OLD %d.%d\\n\"%sys.version_info[:2]).encode());sys.exit(1)
os.write(1,b\"MITORUN-S1\\n\")
def R(n):
 b=b\"\"
 while len(b)<n:
  c=os.read(0,n-len(b))
  if not c:sys.exit(1)
  b+=c
 return b
Z=R(int(R(10)))
exec(compile(zlib.decompress(Z),\"<mitorun-agent>\",\"exec\"))
";

/// ansible-core 2.19's INTERPRETER_PYTHON_FALLBACK.
pub const PYTHON_FALLBACK: [&str; 8] = [
    "python3.13",
    "python3.12",
    "python3.11",
    "python3.10",
    "python3.9",
    "python3.8",
    "/usr/bin/python3",
    "python3",
];

/// What ansible uses when discovery finds nothing.
pub const DISCOVERY_DEFAULT: &str = "/usr/bin/python3";

/// The agent source, for tests and `python -c` debugging.
pub fn agent_source() -> String {
    AGENT_FILES.concat()
}

/// The native `setup` module's source (see FACTS_FILES).
pub fn facts_source() -> String {
    FACTS_FILES.concat()
}

/// The native `uri` and `get_url` modules' source (see NET_FILE).
pub fn net_source() -> &'static str {
    NET_FILE
}

/// The native `user` and `group` modules' source (see USER_FILE).
pub fn user_source() -> &'static str {
    USER_FILE
}

/// The native `unarchive` module's source (see UNARCHIVE_FILE), after the
/// net modules' (its URL downloads use their `fetch`).
pub fn unarchive_source() -> String {
    format!("{NET_FILE}\n{UNARCHIVE_FILE}")
}

/// The `url` lookup's source (see URL_LOOKUP_FILE), after the net
/// modules'.
pub fn url_lookup_source() -> String {
    format!("{NET_FILE}\n{URL_LOOKUP_FILE}")
}

/// The native `apt` and `dpkg_selections` modules' source: the engine's
/// text as the Python raw string `APT_ENGINE_SOURCE` (the agent side
/// hands it to the child), then the agent side. The engine never holds
/// `'''`, so the raw string ends where it should (checked by a test).
pub fn apt_source() -> String {
    format!("APT_ENGINE_SOURCE = r'''{APT_ENGINE_FILE}'''\n{APT_AGENT_FILE}\n{APT_REPO_FILE}")
}

/// The native mount_facts and hostname modules' source (see HOST_FILE).
pub fn host_source() -> &'static str {
    HOST_FILE
}

/// The native wait_for, getent, known_hosts, package_facts and debconf
/// modules' source (see MISC_FILE).
pub fn misc_source() -> &'static str {
    MISC_FILE
}

/// The project Python plugin runner's source (see PLUGINS_FILE).
pub fn plugins_source() -> &'static str {
    PLUGINS_FILE
}

/// The project action plugin runner's source (see ACTION_PLUGINS_FILE).
pub fn action_plugins_source() -> String {
    format!("{ACTION_PLUGINS_FILE}\n{CALLBACK_PLUGINS_FILE}")
}

/// The native service modules' source (see SERVICE_FILE).
pub fn service_source() -> &'static str {
    SERVICE_FILE
}

/// The source shipped with the first call of the native cron, git, pip,
/// expect or iptables module, or of one of the RPM family (`rpm`): the
/// shared run_command, then the module (empty for other names).
pub fn dev_module_source(name: &str) -> String {
    let module = match name {
        "cron" => CRON_FILE,
        "git" => GIT_FILE,
        "pip" => PIP_FILE,
        "expect" => EXPECT_FILE,
        "iptables" => IPTABLES_FILE,
        "rpm" => RPM_FILE,
        _ => return String::new(),
    };
    format!("{DEV_RUN_FILE}\n{module}")
}

/// zlib(agent source), computed once per process.
pub fn agent_blob() -> &'static [u8] {
    static BLOB: OnceLock<Vec<u8>> = OnceLock::new();
    BLOB.get_or_init(|| miniz_oxide::deflate::compress_to_vec_zlib(agent_source().as_bytes(), 9))
}

/// How the interpreter is chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Interpreter {
    /// `ansible_python_interpreter` as an argv (shlex-split, never given
    /// to a shell unquoted).
    Explicit(Vec<String>),
    /// `auto`, `auto_silent`, `auto_legacy`, `auto_legacy_silent`: try the
    /// candidates with `command -v` in order, as ansible does.
    Discover {
        mode: String,
        candidates: Vec<String>,
    },
}

impl Interpreter {
    pub fn parse(
        value: Option<&str>,
        fallback: Option<Vec<String>>,
    ) -> Result<Interpreter, String> {
        let value = value.map(str::trim).unwrap_or("auto");
        if value.starts_with("auto") {
            if !matches!(
                value,
                "auto" | "auto_silent" | "auto_legacy" | "auto_legacy_silent"
            ) {
                return Err(format!("unknown interpreter discovery mode {value:?}"));
            }
            let candidates =
                fallback.unwrap_or_else(|| PYTHON_FALLBACK.iter().map(|s| s.to_string()).collect());
            return Ok(Interpreter::Discover {
                mode: value.to_string(),
                candidates,
            });
        }
        match shlex::split(value) {
            Some(argv) if !argv.is_empty() => Ok(Interpreter::Explicit(argv)),
            _ => Err(format!("cannot parse ansible_python_interpreter {value:?}")),
        }
    }

    /// The command (argv) that starts the first stage.
    pub fn boot_argv(&self) -> Vec<String> {
        match self {
            Interpreter::Explicit(argv) => {
                let mut v = argv.clone();
                v.push("-c".into());
                v.push(STAGE1.into());
                v
            }
            Interpreter::Discover { candidates, .. } => {
                vec!["/bin/sh".into(), "-c".into(), discovery_script(candidates)]
            }
        }
    }
}

/// A POSIX sh script that execs the first candidate `command -v` finds as
/// an absolute path, passing that path as argv[1] so the agent reports it.
fn discovery_script(candidates: &[String]) -> String {
    let quoted: Vec<String> = candidates
        .iter()
        .map(|c| {
            shlex::try_quote(c)
                .map(|q| q.into_owned())
                .unwrap_or_default()
        })
        .filter(|q| !q.is_empty())
        .collect();
    format!(
        "for p in {list}; do x=$(command -v \"$p\" 2>/dev/null) || continue; \
         case \"$x\" in /*) exec \"$x\" -c '{s1}' \"$x\";; esac; done; \
         exec {def} -c '{s1}' {def}",
        list = quoted.join(" "),
        s1 = STAGE1,
        def = DISCOVERY_DEFAULT,
    )
}

/// Quote an argv for a remote POSIX shell (ssh passes one string).
pub fn shell_join(argv: &[String]) -> String {
    argv.iter()
        .map(|a| {
            shlex::try_quote(a)
                .map(|q| q.into_owned())
                .unwrap_or_else(|_| format!("'{}'", a.replace('\0', "").replace('\'', "'\\''")))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The bytes written to a new agent's stdin: the compressed source and the
/// JSON configuration, each with a 10-digit decimal length.
pub fn boot_payload(config: &serde_json::Value) -> Vec<u8> {
    let blob = agent_blob();
    let cfg = config.to_string();
    let mut out = Vec::with_capacity(blob.len() + cfg.len() + 20);
    out.extend_from_slice(format!("{:010}", blob.len()).as_bytes());
    out.extend_from_slice(blob);
    out.extend_from_slice(format!("{:010}", cfg.len()).as_bytes());
    out.extend_from_slice(cfg.as_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apt_engine_fits_in_a_raw_string() {
        assert!(!APT_ENGINE_FILE.contains("'''"));
        assert!(!APT_ENGINE_FILE.ends_with('\\'));
        assert!(apt_source().starts_with("APT_ENGINE_SOURCE = r'''# mitorun"));
    }

    #[test]
    fn stage1_has_no_single_quote() {
        assert!(!STAGE1.contains('\''));
    }

    #[test]
    fn interpreter_is_shlex_split_not_shell() {
        let i = Interpreter::parse(Some("/usr/bin/env FOO='a b' python3"), None).unwrap();
        assert_eq!(
            i,
            Interpreter::Explicit(vec![
                "/usr/bin/env".into(),
                "FOO=a b".into(),
                "python3".into()
            ])
        );
        let argv = i.boot_argv();
        assert_eq!(argv[3], "-c");
        assert!(matches!(
            Interpreter::parse(None, None),
            Ok(Interpreter::Discover { .. })
        ));
        assert!(Interpreter::parse(Some("auto_bogus"), None).is_err());
    }
}
