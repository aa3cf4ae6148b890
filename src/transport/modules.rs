//! Finding a module on the controller and preparing it for the agent:
//! where it comes from (library dirs, ANSIBLE_LIBRARY, collections, the
//! installed ansible-core, or mitorun's native set), which style it is
//! (ansible's module_common rules), and for Python modules the closure of
//! module_utils it imports, found by scanning import statements.

use super::error::CallError;
use crate::value::{Map, Value};
use regex::Regex;
use sha1::{Digest, Sha1};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

/// One source file the agent imports from its cache.
#[derive(Debug, Clone)]
pub struct CodeItem {
    pub name: String,
    /// SHA-1 of name, kind and source: the cache key on every agent.
    pub digest: String,
    pub is_pkg: bool,
    pub source: Arc<Vec<u8>>,
}

impl CodeItem {
    fn new(name: &str, is_pkg: bool, source: Vec<u8>) -> CodeItem {
        let mut h = Sha1::new();
        h.update(name.as_bytes());
        h.update([0, is_pkg as u8, 0]);
        h.update(&source);
        CodeItem {
            name: name.to_string(),
            digest: hex(&h.finalize()),
            is_pkg,
            source: Arc::new(source),
        }
    }
}

/// A call's base arguments (the internal `_ansible_*` ones) as a code
/// item, so each distinct set crosses a connection once.
pub fn args_base_item(base: &serde_json::Value) -> CodeItem {
    CodeItem::new(
        "mitorun.args_base.json",
        false,
        base.to_string().into_bytes(),
    )
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Module styles as ansible's module_common classifies them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    NewPython,
    JsonArgs,
    WantJson,
    Old,
    Binary,
}

impl Style {
    pub fn wire_name(self) -> &'static str {
        match self {
            Style::NewPython => "new",
            Style::JsonArgs => "json_args",
            Style::WantJson => "want_json",
            Style::Old => "old",
            Style::Binary => "binary",
        }
    }
}

/// The native modules the agent implements, by short name.
pub const NATIVE: [&str; 53] = [
    "ping",
    "command",
    "shell",
    "slurp",
    "stat",
    "file",
    "tempfile",
    "copy",
    "raw",
    "script",
    "async_status",
    "setup",
    "lineinfile",
    "blockinfile",
    "replace",
    "find",
    "assemble",
    "uri",
    "get_url",
    "user",
    "group",
    "apt",
    "dpkg_selections",
    "unarchive",
    "wait_for",
    "getent",
    "known_hosts",
    "package_facts",
    "debconf",
    "service",
    "systemd",
    "systemd_service",
    "sysvinit",
    "service_facts",
    "validate_argument_spec",
    // A project's Python filter/test/lookup plugins, for the
    // controller-local agent (`templating::python_plugins`).
    PYTHON_PLUGIN_MODULE,
    // The `url` lookup, for the same agent (`templating::lookups::url`).
    URL_LOOKUP_MODULE,
    // A project's Python action plugins, for the controller-local agent
    // that runs them (`exec::action_plugins`).
    ACTION_PLUGIN_MODULE,
    // A project's Python callback plugins, for the controller-local agent
    // that runs them (`output::python_callbacks`).
    CALLBACK_PLUGIN_MODULE,
    "cron",
    "git",
    "pip",
    "expect",
    "apt_key",
    "apt_repository",
    "deb822_repository",
    "mount_facts",
    "hostname",
    "iptables",
    "yum_repository",
    "rpm_key",
    "dnf",
    "dnf5",
];

/// Native modules that are a front for ansible-core's: they validate the
/// arguments and fail as ansible's module does where the target lacks
/// what it needs (dnf's Python bindings), and where it has it they hand
/// the call over ([`NATIVE_WANTS_ANSIBLE_CORE`]); an async call, which
/// cannot be handed over once started, goes to ansible-core's module
/// from the start when it is installed.
pub const NATIVE_FRONT_ONLY: [&str; 2] = ["dnf", "dnf5"];

/// The result key by which a native module asks for ansible-core's module
/// instead (agent/native_rpm.py); removed from the result either way.
pub const NATIVE_WANTS_ANSIBLE_CORE: &str = "_mitorun_wants_ansible_core";

/// The native module that runs a project's Python plugins.
pub const PYTHON_PLUGIN_MODULE: &str = "mitorun_python_plugin";

/// The native module that fetches URLs for the `url` lookup, in the
/// controller's Python worker.
pub const URL_LOOKUP_MODULE: &str = "mitorun_url_lookup";
/// The native module that runs a project's Python action plugins.
pub const ACTION_PLUGIN_MODULE: &str = "mitorun_action_plugin";
/// The native module that runs a project's Python callback plugins.
pub const CALLBACK_PLUGIN_MODULE: &str = "mitorun_callback_plugin";

/// Native modules written for Linux targets only: on a host whose HELLO
/// names another system they run ansible-core's module when it is
/// installed (ansible's collectors for that platform).
pub const LINUX_ONLY: [&str; 11] = [
    "setup",
    "user",
    "group",
    "service",
    "systemd",
    "systemd_service",
    "sysvinit",
    "service_facts",
    "mount_facts",
    "hostname",
    "iptables",
];

/// Argument values a native module leaves to ansible-core's module:
/// hostname's strategies for other systems (FreeBSD's rc.conf.d, macOS's
/// scutil, Solaris's) are not in the native one.
pub const ANSIBLE_CORE_WHEN_VALUE: [(&str, &str, &[&str]); 1] = [(
    "hostname",
    "use",
    &["freebsd", "macos", "macosx", "darwin", "solaris"],
)];

/// Whether these arguments of module `short` need ansible-core's module
/// (see [`ANSIBLE_CORE_WHEN_VALUE`]).
pub fn needs_ansible_core(short: &str, args: &Map) -> bool {
    ANSIBLE_CORE_WHEN_VALUE.iter().any(|(module, arg, values)| {
        *module == short
            && args
                .get(*arg)
                .and_then(Value::as_str)
                .is_some_and(|v| values.contains(&v))
    })
}

/// The code a native module needs beyond the agent, shipped with its
/// calls like module_utils (once per connection, cached by every agent):
/// zlib-compressed source the agent runs in its own namespace. The item's
/// name ends in `.z` to say so.
pub fn native_code(name: &str) -> Option<CodeItem> {
    static FACTS: OnceLock<CodeItem> = OnceLock::new();
    static NET: OnceLock<CodeItem> = OnceLock::new();
    static USER: OnceLock<CodeItem> = OnceLock::new();
    static APT: OnceLock<CodeItem> = OnceLock::new();
    static UNARCHIVE: OnceLock<CodeItem> = OnceLock::new();
    static MISC: OnceLock<CodeItem> = OnceLock::new();
    static PLUGINS: OnceLock<CodeItem> = OnceLock::new();
    static URL_LOOKUP: OnceLock<CodeItem> = OnceLock::new();
    static ACTION_PLUGINS: OnceLock<CodeItem> = OnceLock::new();
    static SERVICE: OnceLock<CodeItem> = OnceLock::new();
    static CRON: OnceLock<CodeItem> = OnceLock::new();
    static GIT: OnceLock<CodeItem> = OnceLock::new();
    static PIP: OnceLock<CodeItem> = OnceLock::new();
    static EXPECT: OnceLock<CodeItem> = OnceLock::new();
    static HOST: OnceLock<CodeItem> = OnceLock::new();
    static IPTABLES: OnceLock<CodeItem> = OnceLock::new();
    static RPM: OnceLock<CodeItem> = OnceLock::new();
    let (cell, item, source): (_, _, fn() -> String) = match name {
        "setup" => (&FACTS, "setup", super::bootstrap::facts_source),
        "uri" | "get_url" => (&NET, "net", || super::bootstrap::net_source().to_string()),
        "user" | "group" => (&USER, "user", || {
            super::bootstrap::user_source().to_string()
        }),
        "apt" | "dpkg_selections" | "apt_key" | "apt_repository" | "deb822_repository" => {
            (&APT, "apt", super::bootstrap::apt_source)
        }
        "mount_facts" | "hostname" => (&HOST, "host", || {
            super::bootstrap::host_source().to_string()
        }),
        "unarchive" => (&UNARCHIVE, "unarchive", super::bootstrap::unarchive_source),
        "wait_for" | "getent" | "known_hosts" | "package_facts" | "debconf" => {
            (&MISC, "misc", || {
                super::bootstrap::misc_source().to_string()
            })
        }
        PYTHON_PLUGIN_MODULE => (&PLUGINS, "plugins", || {
            super::bootstrap::plugins_source().to_string()
        }),
        URL_LOOKUP_MODULE => (
            &URL_LOOKUP,
            "url_lookup",
            super::bootstrap::url_lookup_source,
        ),
        ACTION_PLUGIN_MODULE | CALLBACK_PLUGIN_MODULE => (
            &ACTION_PLUGINS,
            "action_plugins",
            super::bootstrap::action_plugins_source,
        ),
        "service" | "systemd" | "systemd_service" | "sysvinit" | "service_facts" => {
            (&SERVICE, "service", || {
                super::bootstrap::service_source().to_string()
            })
        }
        "cron" => (&CRON, "cron", || {
            super::bootstrap::dev_module_source("cron")
        }),
        "git" => (&GIT, "git", || super::bootstrap::dev_module_source("git")),
        "pip" => (&PIP, "pip", || super::bootstrap::dev_module_source("pip")),
        "expect" => (&EXPECT, "expect", || {
            super::bootstrap::dev_module_source("expect")
        }),
        "iptables" => (&IPTABLES, "iptables", || {
            super::bootstrap::dev_module_source("iptables")
        }),
        "yum_repository" | "rpm_key" | "dnf" | "dnf5" => {
            (&RPM, "rpm", || super::bootstrap::dev_module_source("rpm"))
        }
        _ => return None,
    };
    let code = cell.get_or_init(|| {
        let packed = miniz_oxide::deflate::compress_to_vec_zlib(source().as_bytes(), 9);
        CodeItem::new(&format!("mitorun.native.{item}.z"), false, packed)
    });
    Some(code.clone())
}

/// Modules that leave process-wide state behind (dbus connections, C
/// library singletons, terminal handling) and so always run in a forked
/// child, whatever `mitogen_task_isolation` says: Mitogen 0.3's
/// `ALWAYS_FORK_MODULES`, with `ansible.builtin.`/`ansible.legacy.` names
/// folded into the short ones.
pub const ALWAYS_FORK: &[&str] = &[
    "dnf",
    "firewalld",
    "dnf5",
    "freeipa.ansible_freeipa.ipaautomember",
    "freeipa.ansible_freeipa.ipaautomountkey",
    "freeipa.ansible_freeipa.ipaautomountlocation",
    "freeipa.ansible_freeipa.ipaautomountmap",
    "freeipa.ansible_freeipa.ipacert",
    "freeipa.ansible_freeipa.ipaclient_api",
    "freeipa.ansible_freeipa.ipaclient_fix_ca",
    "freeipa.ansible_freeipa.ipaclient_fstore",
    "freeipa.ansible_freeipa.ipaclient_get_otp",
    "freeipa.ansible_freeipa.ipaclient_ipa_conf",
    "freeipa.ansible_freeipa.ipaclient_join",
    "freeipa.ansible_freeipa.ipaclient_set_hostname",
    "freeipa.ansible_freeipa.ipaclient_setup_automount",
    "freeipa.ansible_freeipa.ipaclient_setup_certmonger",
    "freeipa.ansible_freeipa.ipaclient_setup_firefox",
    "freeipa.ansible_freeipa.ipaclient_setup_krb5",
    "freeipa.ansible_freeipa.ipaclient_setup_nis",
    "freeipa.ansible_freeipa.ipaclient_setup_nss",
    "freeipa.ansible_freeipa.ipaclient_setup_ntp",
    "freeipa.ansible_freeipa.ipaclient_setup_ssh",
    "freeipa.ansible_freeipa.ipaclient_setup_sshd",
    "freeipa.ansible_freeipa.ipaclient_temp_krb5",
    "freeipa.ansible_freeipa.ipaclient_test",
    "freeipa.ansible_freeipa.ipaclient_test_keytab",
    "freeipa.ansible_freeipa.ipaconfig",
    "freeipa.ansible_freeipa.ipadelegation",
    "freeipa.ansible_freeipa.ipadnsconfig",
    "freeipa.ansible_freeipa.ipadnsforwardzone",
    "freeipa.ansible_freeipa.ipadnsrecord",
    "freeipa.ansible_freeipa.ipadnszone",
    "freeipa.ansible_freeipa.ipagroup",
    "freeipa.ansible_freeipa.ipahbacrule",
    "freeipa.ansible_freeipa.ipahbacsvc",
    "freeipa.ansible_freeipa.ipahbacsvcgroup",
    "freeipa.ansible_freeipa.ipahost",
    "freeipa.ansible_freeipa.ipahostgroup",
    "freeipa.ansible_freeipa.idoverridegroup",
    "freeipa.ansible_freeipa.idoverrideuser",
    "freeipa.ansible_freeipa.idp",
    "freeipa.ansible_freeipa.idrange",
    "freeipa.ansible_freeipa.idview",
    "freeipa.ansible_freeipa.ipalocation",
    "freeipa.ansible_freeipa.ipanetgroup",
    "freeipa.ansible_freeipa.ipapermission",
    "freeipa.ansible_freeipa.ipaprivilege",
    "freeipa.ansible_freeipa.ipapwpolicy",
    "freeipa.ansible_freeipa.iparole",
    "freeipa.ansible_freeipa.ipaselfservice",
    "freeipa.ansible_freeipa.ipaserver",
    "freeipa.ansible_freeipa.ipaservice",
    "freeipa.ansible_freeipa.ipaservicedelegationrule",
    "freeipa.ansible_freeipa.ipaservicedelegationtarget",
    "freeipa.ansible_freeipa.ipasudocmd",
    "freeipa.ansible_freeipa.ipasudocmdgroup",
    "freeipa.ansible_freeipa.ipasudorule",
    "freeipa.ansible_freeipa.ipatopologysegment",
    "freeipa.ansible_freeipa.ipatopologysuffix",
    "freeipa.ansible_freeipa.ipatrust",
    "freeipa.ansible_freeipa.ipauser",
    "freeipa.ansible_freeipa.ipavault",
];

/// ansible-core modules whose module_utils keep answers at module level
/// that a later run in the same interpreter must not see: setup's bundled
/// `distro` library caches os-release and `lsb_release` output for the
/// life of the process, so a second in-process run would report what the
/// first one read (after an upgrade, or under another `environment:`).
/// apt's python3-apt keeps `apt_pkg.config` (a `default_release` would
/// pin every later apt task to that release) and the locale it sets.
/// Native implementations do not fork.
pub const FORK_FOR_FRESH_STATE: &[&str] = &["setup", "apt"];

/// Whether `name` (as written in the task) is in [`ALWAYS_FORK`] or
/// [`FORK_FOR_FRESH_STATE`].
pub fn always_forked(name: &str) -> bool {
    let short = name
        .strip_prefix("ansible.builtin.")
        .or_else(|| name.strip_prefix("ansible.legacy."))
        .unwrap_or(name);
    ALWAYS_FORK.contains(&short) || FORK_FOR_FRESH_STATE.contains(&short)
}

/// Native modules that leave SELinux contexts to ansible-core's module:
/// on a host with SELinux enabled they run the real module instead.
pub const SELINUX_AWARE: [&str; 13] = [
    "file",
    "copy",
    "assemble",
    "tempfile",
    "lineinfile",
    "blockinfile",
    "replace",
    "uri",
    "get_url",
    "unarchive",
    "known_hosts",
    "cron",
    "yum_repository",
];

/// Modules that exist in ansible-core only as action plugins (the module
/// file is documentation): always the native implementation.
/// `validate_argument_spec` is the validator step of that action (see
/// `exec/argspec_action.rs`), never a module a task names itself.
pub const ACTION_ONLY: [&str; 3] = ["raw", "script", "validate_argument_spec"];

/// A module ready to send.
#[derive(Debug, Clone)]
pub enum Prepared {
    Native {
        name: &'static str,
    },
    Python {
        fqn: String,
        module: CodeItem,
        utils: Vec<CodeItem>,
    },
    Program {
        style: Style,
        short: String,
        module: CodeItem,
    },
}

/// Where modules and module_utils are looked up on the controller.
#[derive(Debug, Clone, Default)]
pub struct SearchPaths {
    /// Playbook/role `library/` dirs then ANSIBLE_LIBRARY.
    pub library: Vec<PathBuf>,
    /// Playbook/role `module_utils/` dirs.
    pub module_utils: Vec<PathBuf>,
    /// Dirs that contain `ansible_collections/`.
    pub collections: Vec<PathBuf>,
    /// The installed ansible-core package dir (`.../site-packages/ansible`).
    pub ansible_core: Option<PathBuf>,
}

/// Locate ansible-core on the controller: `MITORUN_ANSIBLE_CORE` (the
/// package dir), `MITORUN_ANSIBLE_PYTHON` (an interpreter that imports
/// it), else the first of python3/python on PATH that can import it.
pub fn find_ansible_core() -> Option<PathBuf> {
    static FOUND: OnceLock<Option<PathBuf>> = OnceLock::new();
    FOUND
        .get_or_init(|| {
            if let Ok(dir) = std::env::var("MITORUN_ANSIBLE_CORE") {
                return Some(PathBuf::from(dir));
            }
            let mut pythons = Vec::new();
            if let Ok(py) = std::env::var("MITORUN_ANSIBLE_PYTHON") {
                pythons.push(py);
            }
            pythons.extend(["python3".to_string(), "python".to_string()]);
            pythons.iter().find_map(|py| ansible_dir_of(py))
        })
        .clone()
}

pub fn ansible_dir_of(python: &str) -> Option<PathBuf> {
    let out = std::process::Command::new(python)
        .args([
            "-c",
            "import ansible,os;print(os.path.dirname(ansible.__file__))",
        ])
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    let dir = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && Path::new(&dir).join("modules").is_dir()).then(|| PathBuf::from(dir))
}

/// A configured collections path as the dir holding `ansible_collections/`:
/// a path naming that dir itself stands for its parent (ansible accepts both).
pub fn collection_root(path: PathBuf) -> PathBuf {
    match (path.file_name(), path.parent()) {
        (Some(name), Some(parent)) if name == "ansible_collections" => parent.to_path_buf(),
        _ => path,
    }
}

/// Collections dirs: ANSIBLE_COLLECTIONS_PATH(S), else ansible's defaults,
/// plus the site-packages holding ansible-core.
pub fn default_collections_paths(ansible_core: Option<&Path>) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = Vec::new();
    let env = std::env::var("ANSIBLE_COLLECTIONS_PATH")
        .or_else(|_| std::env::var("ANSIBLE_COLLECTIONS_PATHS"));
    match env {
        Ok(v) => out.extend(
            v.split(':')
                .filter(|s| !s.is_empty())
                .map(|s| collection_root(PathBuf::from(crate::pypath::expanduser(s)))),
        ),
        Err(_) => {
            out.push(PathBuf::from(crate::pypath::expanduser(
                "~/.ansible/collections",
            )));
            out.push(PathBuf::from("/usr/share/ansible/collections"));
        }
    }
    if let Some(site) = ansible_core.and_then(Path::parent) {
        out.push(site.to_path_buf());
    }
    out
}

/// ansible-core's version string, for `_ansible_version`.
pub fn ansible_version(ansible_core: Option<&Path>) -> String {
    let text = ansible_core
        .and_then(|d| std::fs::read_to_string(d.join("release.py")).ok())
        .unwrap_or_default();
    let re = Regex::new(r#"__version__\s*=\s*['"]([^'"]+)['"]"#).ok();
    re.and_then(|re| re.captures(&text).map(|c| c[1].to_string()))
        .unwrap_or_else(|| "2.19.0".to_string())
}

/// Resolve `name` (short, `ansible.builtin.x`, `ansible.legacy.x` or
/// `ns.coll.x`) and prepare it.
pub fn prepare(
    name: &str,
    paths: &SearchPaths,
    prefer_native: bool,
) -> Result<Prepared, CallError> {
    let parts: Vec<&str> = name.split('.').collect();
    let (collection, short) = if parts.len() >= 3 {
        (Some((parts[0], parts[1])), parts[2..].join("."))
    } else {
        (None, name.to_string())
    };
    let builtin = matches!(
        collection,
        None | Some(("ansible", "builtin")) | Some(("ansible", "legacy"))
    );
    let legacy = matches!(collection, None | Some(("ansible", "legacy")));
    if legacy {
        for dir in &paths.library {
            if let Some(path) = find_in_dir(dir, &short) {
                return prepare_file(&path, &format!("ansible.modules.{short}"), &short, paths);
            }
        }
    }
    if builtin {
        if let Some(n) = NATIVE
            .iter()
            .find(|n| (prefer_native || ACTION_ONLY.contains(n)) && **n == short)
        {
            return Ok(Prepared::Native { name: n });
        }
        if let Some(core) = &paths.ansible_core {
            // `shell` is an action that runs the command module with
            // `_uses_shell` (set by the caller); modules/shell.py is docs.
            let module = if short == "shell" {
                "command"
            } else {
                short.as_str()
            };
            let path = core.join("modules").join(format!("{module}.py"));
            if path.is_file() {
                return prepare_file(&path, &format!("ansible.modules.{module}"), module, paths);
            }
        }
        if let Some(n) = NATIVE.iter().find(|n| **n == short) {
            return Ok(Prepared::Native { name: n });
        }
    } else if let Some((ns, coll)) = collection {
        for cp in &paths.collections {
            let dir = cp
                .join("ansible_collections")
                .join(ns)
                .join(coll)
                .join("plugins")
                .join("modules");
            if let Some(path) = find_in_dir(&dir, &short) {
                let fqn = format!("ansible_collections.{ns}.{coll}.plugins.modules.{short}");
                return prepare_file(&path, &fqn, &short, paths);
            }
        }
    }
    Err(CallError::Module(format!(
        "The module {name} was not found in configured module paths"
    )))
}

fn find_in_dir(dir: &Path, short: &str) -> Option<PathBuf> {
    let py = dir.join(format!("{short}.py"));
    if py.is_file() {
        return Some(py);
    }
    let bare = dir.join(short);
    if bare.is_file() {
        return Some(bare);
    }
    // Scripts in other languages keep their extension (foo.sh, foo.rb).
    let entries = std::fs::read_dir(dir).ok()?;
    let mut found: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file()
                && p.file_stem().and_then(|s| s.to_str()) == Some(short)
                && !matches!(
                    p.extension().and_then(|e| e.to_str()),
                    Some("ps1" | "yml" | "yaml" | "md" | "pyc")
                )
        })
        .collect();
    found.sort();
    found.into_iter().next()
}

type BundleKey = (PathBuf, Option<std::time::SystemTime>, u64, Vec<PathBuf>);

fn bundle_cache() -> &'static Mutex<HashMap<BundleKey, Prepared>> {
    static CACHE: OnceLock<Mutex<HashMap<BundleKey, Prepared>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

fn prepare_file(
    path: &Path,
    fqn: &str,
    short: &str,
    paths: &SearchPaths,
) -> Result<Prepared, CallError> {
    let meta = std::fs::metadata(path)
        .map_err(|e| CallError::Module(format!("{}: {e}", path.display())))?;
    let key = (
        path.to_path_buf(),
        meta.modified().ok(),
        meta.len(),
        paths.module_utils.clone(),
    );
    if let Some(p) = bundle_cache()
        .lock()
        .ok()
        .and_then(|c| c.get(&key).cloned())
    {
        return Ok(p);
    }
    let source =
        std::fs::read(path).map_err(|e| CallError::Module(format!("{}: {e}", path.display())))?;
    let style = classify(&source)?;
    let prepared = if style == Style::NewPython {
        let utils = closure(fqn, &source, paths);
        if !utils.iter().any(|u| u.name == "ansible.module_utils.basic") {
            // Without it the module would die on its first import.
            return Err(CallError::Module(format!(
                "{short} is written for ansible (it imports ansible.module_utils), and no \
                 ansible-core was found on the controller to provide ansible.module_utils.basic: \
                 install ansible-core for the python3 on PATH, or name one with \
                 MITORUN_ANSIBLE_PYTHON (an interpreter) or MITORUN_ANSIBLE_CORE (its package dir)"
            )));
        }
        let module = CodeItem::new(fqn, false, source);
        Prepared::Python {
            fqn: fqn.to_string(),
            module,
            utils,
        }
    } else {
        Prepared::Program {
            style,
            short: short.to_string(),
            module: CodeItem::new(&format!("program:{short}"), false, source),
        }
    };
    if let Ok(mut c) = bundle_cache().lock() {
        c.insert(key, prepared.clone());
    }
    Ok(prepared)
}

/// ansible's module_common style rules.
pub fn classify(source: &[u8]) -> Result<Style, CallError> {
    static NEW_STYLE: OnceLock<Option<regex::bytes::Regex>> = OnceLock::new();
    let head = &source[..source.len().min(1024)];
    let is_text = |b: u8| matches!(b, 7 | 8 | 9 | 10 | 12 | 13 | 27) || (b >= 0x20 && b != 0x7f);
    if !head.iter().all(|b| is_text(*b)) {
        return Ok(Style::Binary);
    }
    let contains = |needle: &[u8]| source.windows(needle.len()).any(|w| w == needle);
    if contains(b"#<<INCLUDE_ANSIBLE_MODULE_COMMON>>") {
        return Err(CallError::Module(
            "module replacer style modules are not supported".into(),
        ));
    }
    let re = NEW_STYLE.get_or_init(|| {
        regex::bytes::Regex::new(
            r"(?:from +\.{2,} *module_utils.* +import |from +ansible_collections\.[^.]+\.[^.]+\.plugins\.module_utils.* +import |import +ansible_collections\.[^.]+\.[^.]+\.plugins\.module_utils.*|from +ansible\.module_utils.* +import |import +ansible\.module_utils\.)",
        )
        .ok()
    });
    if re.as_ref().is_some_and(|re| re.is_match(source)) {
        return Ok(Style::NewPython);
    }
    if contains(b"# POWERSHELL_COMMON")
        || contains(b"#Requires -Module")
        || contains(b"#AnsibleRequires -")
    {
        return Err(CallError::Module(
            "PowerShell modules are not supported".into(),
        ));
    }
    if contains(b"<<INCLUDE_ANSIBLE_MODULE_JSON_ARGS>>") {
        return Ok(Style::JsonArgs);
    }
    if contains(b"WANT_JSON") {
        return Ok(Style::WantJson);
    }
    Ok(Style::Old)
}

/// module_utils every 2.19 module needs, imported dynamically by ansible.
const ALWAYS: [&str; 4] = [
    "ansible.module_utils.basic",
    "ansible.module_utils._internal._ansiballz._loader",
    "ansible.module_utils._internal._json._profiles._module_legacy_c2m",
    "ansible.module_utils._internal._json._profiles._module_legacy_m2c",
];

/// The module_utils closure of a module: every `ansible.module_utils.*` and
/// `ansible_collections.*` module it imports, recursively, with their
/// parent packages (synthesized empty when they have no `__init__.py`).
pub fn closure(fqn: &str, source: &[u8], paths: &SearchPaths) -> Vec<CodeItem> {
    let mut found: BTreeMap<String, CodeItem> = BTreeMap::new();
    let mut queue: Vec<String> = ALWAYS.iter().map(|s| s.to_string()).collect();
    queue.extend(imports_of(fqn, false, &String::from_utf8_lossy(source)));
    while let Some(name) = queue.pop() {
        if found.contains_key(&name) {
            continue;
        }
        let Some((path, is_pkg)) = locate(&name, paths) else {
            continue;
        };
        let Ok(src) = std::fs::read(&path) else {
            continue;
        };
        queue.extend(imports_of(&name, is_pkg, &String::from_utf8_lossy(&src)));
        found.insert(name.clone(), CodeItem::new(&name, is_pkg, src));
        // Parents are packages that must import too.
        let mut parent = name.as_str();
        while let Some((p, _)) = parent.rsplit_once('.') {
            parent = p;
            if !found.contains_key(p) {
                queue.push(p.to_string());
            }
        }
    }
    // Packages we serve but do not ship from disk.
    let version = ansible_version(paths.ansible_core.as_deref());
    let stubs: [(&str, String); 3] = [
        (
            "ansible",
            format!("__version__ = {version:?}\n__author__ = 'Ansible, Inc.'\n"),
        ),
        ("ansible.module_utils", String::new()),
        ("ansible.modules", String::new()),
    ];
    for (name, src) in stubs {
        found.insert(
            name.to_string(),
            CodeItem::new(name, true, src.into_bytes()),
        );
    }
    // Every parent package must import; namespace packages (no
    // `__init__.py`, as in collections) are served empty.
    let mut names: Vec<String> = found.keys().cloned().collect();
    names.push(fqn.to_string());
    for name in names {
        let parts: Vec<&str> = name.split('.').collect();
        for i in 1..parts.len() {
            let pkg = parts[..i].join(".");
            found
                .entry(pkg.clone())
                .or_insert_with(|| CodeItem::new(&pkg, true, Vec::new()));
        }
    }
    found.into_values().collect()
}

/// Where a module_utils (or collection) module lives on the controller.
fn locate(name: &str, paths: &SearchPaths) -> Option<(PathBuf, bool)> {
    let try_dir = |base: &Path, rest: &[&str]| -> Option<(PathBuf, bool)> {
        let mut p = base.to_path_buf();
        for r in rest {
            p.push(r);
        }
        let pkg = p.join("__init__.py");
        if pkg.is_file() {
            return Some((pkg, true));
        }
        let file = p.with_extension("py");
        if file.is_file() {
            return Some((file, false));
        }
        if p.is_dir() && !rest.is_empty() {
            // A namespace package: serve it empty.
            return None;
        }
        None
    };
    let parts: Vec<&str> = name.split('.').collect();
    match parts.as_slice() {
        ["ansible", "module_utils", rest @ ..] if !rest.is_empty() => {
            for d in &paths.module_utils {
                if let Some(hit) = try_dir(d, rest) {
                    return Some(hit);
                }
            }
            let core = paths.ansible_core.as_ref()?;
            try_dir(&core.join("module_utils"), rest)
        }
        ["ansible_collections", ns, coll, rest @ ..] if !rest.is_empty() => {
            for cp in &paths.collections {
                let base = cp.join("ansible_collections").join(ns).join(coll);
                if let Some(hit) = try_dir(&base, rest) {
                    return Some(hit);
                }
            }
            None
        }
        _ => None,
    }
}

/// Names imported by one source file (absolute and relative imports),
/// limited to module_utils and collections. `from X import a` yields X and
/// X.a (a may be a submodule; `locate` drops the ones that are not).
fn imports_of(module: &str, is_pkg: bool, source: &str) -> Vec<String> {
    static RES: OnceLock<Option<(Regex, Regex)>> = OnceLock::new();
    let Some((from_re, import_re)) = RES
        .get_or_init(|| {
            let from = Regex::new(
                r"(?m)^[ \t]*from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#;]*)",
            )
            .ok()?;
            let import = Regex::new(r"(?m)^[ \t]*import[ \t]+([^\n#;]+)").ok()?;
            Some((from, import))
        })
        .as_ref()
    else {
        return Vec::new();
    };
    let package: Vec<&str> = {
        let mut p: Vec<&str> = module.split('.').collect();
        if !is_pkg {
            p.pop();
        }
        p
    };
    let wanted =
        |n: &str| n.starts_with("ansible.module_utils") || n.starts_with("ansible_collections.");
    let mut out = Vec::new();
    for c in from_re.captures_iter(source) {
        let target = &c[1];
        let dots = target.chars().take_while(|c| *c == '.').count();
        let base = if dots > 0 {
            if dots > package.len() + 1 {
                continue;
            }
            let mut b: Vec<&str> = package[..package.len() + 1 - dots].to_vec();
            let rest = &target[dots..];
            if !rest.is_empty() {
                b.extend(rest.split('.'));
            }
            b.join(".")
        } else {
            target.to_string()
        };
        if !wanted(&base) {
            continue;
        }
        out.push(base.clone());
        let names = c[2].trim_matches(|c: char| c == '(' || c == ')' || c.is_whitespace());
        for item in names.split(',') {
            let item = item.trim().trim_end_matches('\\').trim();
            let n = item.split_whitespace().next().unwrap_or("");
            if !n.is_empty() && n != "*" && n.chars().all(|c| c.is_alphanumeric() || c == '_') {
                out.push(format!("{base}.{n}"));
            }
        }
    }
    for c in import_re.captures_iter(source) {
        for item in c[1].split(',') {
            let n = item.split_whitespace().next().unwrap_or("");
            if wanted(n) {
                out.push(n.to_string());
            }
        }
    }
    out
}

/// The `_ansible_*` keys ansible-core 2.19 adds to every module's args
/// (`ActionBase._update_module_args`).
pub fn internal_args(call: &super::ModuleCall, short: &str, version: &str) -> Map {
    let mut m = Map::new();
    let b = Value::Bool;
    m.insert("_ansible_check_mode".into(), b(call.check_mode));
    m.insert("_ansible_no_log".into(), b(call.no_log));
    m.insert("_ansible_debug".into(), b(false));
    m.insert("_ansible_diff".into(), b(call.diff));
    m.insert(
        "_ansible_verbosity".into(),
        Value::Int(call.verbosity as i64),
    );
    m.insert("_ansible_version".into(), Value::str(version));
    m.insert("_ansible_module_name".into(), Value::str(short));
    m.insert("_ansible_syslog_facility".into(), Value::str("LOG_USER"));
    m.insert(
        "_ansible_selinux_special_fs".into(),
        Value::List(
            ["fuse", "nfs", "vboxsf", "ramfs", "9p", "vfat"]
                .iter()
                .map(|s| Value::str(*s))
                .collect(),
        ),
    );
    m.insert("_ansible_socket".into(), Value::Null);
    m.insert("_ansible_shell_executable".into(), Value::str("/bin/sh"));
    m.insert("_ansible_keep_remote_files".into(), b(false));
    m.insert("_ansible_tmpdir".into(), Value::Null);
    m.insert("_ansible_remote_tmp".into(), Value::str("~/.ansible/tmp"));
    m.insert("_ansible_ignore_unknown_opts".into(), b(false));
    m.insert("_ansible_target_log_info".into(), Value::Null);
    m.insert(
        "_ansible_tracebacks_for".into(),
        Value::List(
            crate::config::tracebacks::enabled()
                .into_iter()
                .map(Value::str)
                .collect(),
        ),
    );
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_collections_path_may_name_its_ansible_collections_dir() {
        assert_eq!(
            collection_root(PathBuf::from("/srv/root/ansible_collections")),
            PathBuf::from("/srv/root")
        );
        assert_eq!(
            collection_root(PathBuf::from("/srv/root")),
            PathBuf::from("/srv/root")
        );
        assert_eq!(
            collection_root(PathBuf::from("ansible_collections")),
            PathBuf::from("")
        );
    }

    #[test]
    fn other_systems_hostname_strategies_need_ansible_core() {
        let args = |k: &str, v: Value| -> Map { [(k.to_string(), v)].into_iter().collect() };
        assert!(needs_ansible_core(
            "hostname",
            &args("use", Value::str("freebsd"))
        ));
        assert!(!needs_ansible_core(
            "hostname",
            &args("use", Value::str("systemd"))
        ));
        assert!(!needs_ansible_core("hostname", &Map::new()));
        // libuser accounts are the native user and group modules' own.
        assert!(!needs_ansible_core(
            "user",
            &args("local", Value::Bool(true))
        ));
        assert!(!needs_ansible_core(
            "group",
            &args("local", Value::str("yes"))
        ));
    }

    #[test]
    fn user_and_group_code_ships_with_their_calls() {
        let user = native_code("user").map(|c| c.name);
        assert_eq!(user.as_deref(), Some("mitorun.native.user.z"));
        assert_eq!(
            native_code("group").map(|c| c.digest),
            native_code("user").map(|c| c.digest)
        );
    }

    #[test]
    fn unarchive_code_ships_with_its_calls() {
        let code = native_code("unarchive").map(|c| c.name);
        assert_eq!(code.as_deref(), Some("mitorun.native.unarchive.z"));
    }

    #[test]
    fn service_modules_share_one_code_item() {
        let service = native_code("service").map(|c| c.name);
        assert_eq!(service.as_deref(), Some("mitorun.native.service.z"));
        for other in ["systemd", "systemd_service", "sysvinit", "service_facts"] {
            assert!(NATIVE.contains(&other));
            assert!(LINUX_ONLY.contains(&other));
            assert_eq!(
                native_code(other).map(|c| c.digest),
                native_code("service").map(|c| c.digest)
            );
        }
    }

    #[test]
    fn misc_modules_share_one_code_item() {
        let wait_for = native_code("wait_for").map(|c| c.name);
        assert_eq!(wait_for.as_deref(), Some("mitorun.native.misc.z"));
        for other in ["getent", "known_hosts", "package_facts", "debconf"] {
            assert!(NATIVE.contains(&other));
            assert_eq!(
                native_code(other).map(|c| c.digest),
                native_code("wait_for").map(|c| c.digest)
            );
        }
    }

    #[test]
    fn developer_tool_modules_ship_their_own_code_with_the_shared_runner() {
        for name in ["cron", "git", "pip", "expect", "iptables"] {
            assert!(NATIVE.contains(&name));
            let code = native_code(name).map(|c| c.name);
            assert_eq!(code, Some(format!("mitorun.native.{name}.z")));
            let source = super::super::bootstrap::dev_module_source(name);
            assert!(source.contains("class DevRunner"), "{name}");
            assert!(source.contains(&format!("@native(\"{name}\")")), "{name}");
        }
    }

    #[test]
    fn rpm_family_shares_one_code_item_with_the_shared_runner() {
        let code = native_code("yum_repository").map(|c| c.name);
        assert_eq!(code.as_deref(), Some("mitorun.native.rpm.z"));
        let source = super::super::bootstrap::dev_module_source("rpm");
        assert!(source.contains("class DevRunner"));
        for name in ["yum_repository", "rpm_key", "dnf", "dnf5"] {
            assert!(NATIVE.contains(&name));
            assert!(source.contains(&format!("@native(\"{name}\")")), "{name}");
            assert_eq!(
                native_code(name).map(|c| c.digest),
                native_code("yum_repository").map(|c| c.digest)
            );
        }
        assert!(source.contains(&format!(
            "RPM_WANTS_ANSIBLE_CORE = \"{NATIVE_WANTS_ANSIBLE_CORE}\""
        )));
        for name in NATIVE_FRONT_ONLY {
            assert!(NATIVE.contains(&name));
        }
    }

    #[test]
    fn always_forked_modules_match_by_any_spelling() {
        assert!(always_forked("dnf"));
        assert!(always_forked("ansible.builtin.dnf5"));
        assert!(always_forked("ansible.legacy.firewalld"));
        assert!(always_forked("freeipa.ansible_freeipa.ipauser"));
        assert!(always_forked("ansible.builtin.setup"));
        assert!(!always_forked("command"));
        assert!(!always_forked("ipauser"));
    }

    #[test]
    fn a_project_module_needing_module_utils_without_ansible_core_says_so() {
        let dir = std::env::temp_dir().join(format!("mitorun-modutils-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("library dir");
        std::fs::write(
            dir.join("needs_basic.py"),
            "from ansible.module_utils.basic import AnsibleModule\nAnsibleModule({}).exit_json()\n",
        )
        .expect("module");
        std::fs::write(
            dir.join("plain.py"),
            "#!/usr/bin/python\n# WANT_JSON\nprint('{}')\n",
        )
        .expect("module");
        let paths = SearchPaths {
            library: vec![dir.clone()],
            ..Default::default()
        };
        let err = match prepare("needs_basic", &paths, true) {
            Err(CallError::Module(msg)) => msg,
            other => panic!("expected a module error, got {other:?}"),
        };
        assert!(
            err.starts_with("needs_basic is written for ansible"),
            "{err}"
        );
        assert!(err.contains("no ansible-core was found"), "{err}");
        // A module that needs nothing of ansible still runs.
        assert!(prepare("plain", &paths, true).is_ok());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn scans_absolute_relative_and_parenthesised_imports() {
        let src = "from ansible.module_utils.basic import AnsibleModule\n\
                   try:\n    from ansible.module_utils.common import (\n        text,\n        warnings as w,\n    )\nexcept ImportError:\n    pass\n\
                   import ansible.module_utils.six.moves\n\
                   from ..module_utils.helper import thing\n\
                   import os, json\n";
        let got = imports_of("ansible_collections.ns.c.plugins.modules.m", false, src);
        for want in [
            "ansible.module_utils.basic",
            "ansible.module_utils.common.text",
            "ansible.module_utils.common.warnings",
            "ansible.module_utils.six.moves",
            "ansible_collections.ns.c.plugins.module_utils.helper",
        ] {
            assert!(got.iter().any(|g| g == want), "{want} missing from {got:?}");
        }
        assert!(!got.iter().any(|g| g == "os"));
    }

    #[test]
    fn classifies_styles() {
        assert_eq!(
            classify(b"#!/usr/bin/python\nfrom ansible.module_utils.basic import *\n").unwrap(),
            Style::NewPython
        );
        assert_eq!(
            classify(b"#!/bin/sh\n# WANT_JSON\n").unwrap(),
            Style::WantJson
        );
        assert_eq!(
            classify(b"#!/usr/bin/python\nj='<<INCLUDE_ANSIBLE_MODULE_JSON_ARGS>>'\n").unwrap(),
            Style::JsonArgs
        );
        assert_eq!(classify(b"#!/bin/sh\necho '{}'\n").unwrap(), Style::Old);
        assert_eq!(classify(b"\x7fELF\x02\x01\x01\0\0").unwrap(), Style::Binary);
    }
}
