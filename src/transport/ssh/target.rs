//! Where and how to connect: ansible's connection variables turned into the
//! ssh command line ansible's ssh plugin would run, then resolved through
//! `ssh -G` so the user's ssh_config applies exactly as it would for ssh
//! (explicit `-o` options first, so they beat ssh_config, as in ansible).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use super::args::{self, SshCommandLine};
use super::error::SshError;

/// OpenSSH's `StrictHostKeyChecking`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostKeyChecking {
    /// Unknown and changed keys are refused (`yes`, and `ask`: we cannot ask).
    Strict,
    /// Unknown keys are added to known_hosts; changed keys are refused.
    AcceptNew,
    /// Any key is accepted; unknown keys are added to known_hosts
    /// (ansible's `host_key_checking = False`).
    Off,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressFamily {
    Any,
    Inet,
    Inet6,
}

/// Ansible's ssh connection settings for one host, as strings, already
/// templated. Field names are the ssh plugin's option names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AnsibleSshVars {
    pub inventory_hostname: String,
    /// `ansible_host` / `ansible_ssh_host`.
    pub host: Option<String>,
    pub port: Option<String>,
    pub remote_user: Option<String>,
    pub password: Option<String>,
    pub private_key_file: Option<String>,
    /// Key text (ansible 2.19's `ansible_private_key`).
    pub private_key: Option<String>,
    pub private_key_passphrase: Option<String>,
    pub ssh_args: Option<String>,
    pub ssh_common_args: Option<String>,
    pub ssh_extra_args: Option<String>,
    /// Connect timeout in seconds.
    pub timeout: Option<String>,
    /// A boolean in ansible's spelling (yes/no/true/false/1/0/on/off).
    pub host_key_checking: Option<String>,
    pub ssh_executable: Option<String>,
}

/// ansible-core 2.19's variable names for each ssh plugin option. When
/// several are defined the last one listed wins, as in ansible's
/// `_loop_entries`.
const VARIABLES: &[(&str, &[&str])] = &[
    ("host", &["ansible_host", "ansible_ssh_host"]),
    ("port", &["ansible_port", "ansible_ssh_port"]),
    ("remote_user", &["ansible_user", "ansible_ssh_user"]),
    (
        "password",
        &[
            "ansible_password",
            "ansible_ssh_pass",
            "ansible_ssh_password",
        ],
    ),
    (
        "private_key_file",
        &["ansible_private_key_file", "ansible_ssh_private_key_file"],
    ),
    (
        "private_key",
        &["ansible_private_key", "ansible_ssh_private_key"],
    ),
    (
        "private_key_passphrase",
        &[
            "ansible_private_key_passphrase",
            "ansible_ssh_private_key_passphrase",
        ],
    ),
    ("ssh_args", &["ansible_ssh_args"]),
    ("ssh_common_args", &["ansible_ssh_common_args"]),
    ("ssh_extra_args", &["ansible_ssh_extra_args"]),
    // The play context maps ansible_timeout too; the ssh-specific one wins.
    ("timeout", &["ansible_timeout", "ansible_ssh_timeout"]),
    (
        "host_key_checking",
        &["ansible_host_key_checking", "ansible_ssh_host_key_checking"],
    ),
    ("ssh_executable", &["ansible_ssh_executable"]),
];

/// The environment variables ansible reads for each option (after
/// variables, before ansible.cfg); the last one set wins.
const ENVIRONMENT: &[(&str, &[&str])] = &[
    ("port", &["ANSIBLE_REMOTE_PORT"]),
    ("remote_user", &["ANSIBLE_REMOTE_USER"]),
    ("private_key_file", &["ANSIBLE_PRIVATE_KEY_FILE"]),
    ("private_key", &["ANSIBLE_PRIVATE_KEY"]),
    (
        "private_key_passphrase",
        &["ANSIBLE_PRIVATE_KEY_PASSPHRASE"],
    ),
    ("ssh_args", &["ANSIBLE_SSH_ARGS"]),
    ("ssh_common_args", &["ANSIBLE_SSH_COMMON_ARGS"]),
    ("ssh_extra_args", &["ANSIBLE_SSH_EXTRA_ARGS"]),
    ("timeout", &["ANSIBLE_TIMEOUT", "ANSIBLE_SSH_TIMEOUT"]),
    (
        "host_key_checking",
        &["ANSIBLE_HOST_KEY_CHECKING", "ANSIBLE_SSH_HOST_KEY_CHECKING"],
    ),
    ("ssh_executable", &["ANSIBLE_SSH_EXECUTABLE"]),
];

impl AnsibleSshVars {
    /// Reads the ssh plugin's variables through `vars` (a host variable's
    /// templated value as a string, None when undefined).
    pub fn from_vars(inventory_hostname: &str, vars: &dyn Fn(&str) -> Option<String>) -> Self {
        let mut out = AnsibleSshVars {
            inventory_hostname: inventory_hostname.to_string(),
            ..AnsibleSshVars::default()
        };
        for (option, names) in VARIABLES {
            let value = names.iter().filter_map(|n| vars(n)).next_back();
            if let Some(slot) = out.slot(option) {
                *slot = value;
            }
        }
        out
    }

    /// Fills options no variable set from `settings` (by ssh plugin option
    /// name: "timeout", "host_key_checking", "ssh_args", ...), e.g. the
    /// project's ansible.cfg + environment configuration.
    pub fn fill_unset_from(&mut self, settings: &dyn Fn(&str) -> Option<String>) {
        for (option, _) in VARIABLES {
            if let Some(slot) = self.slot(option)
                && slot.is_none()
            {
                *slot = settings(option);
            }
        }
    }

    /// Fills options no variable set from ansible's environment variables
    /// (`ANSIBLE_HOST_KEY_CHECKING`, `ANSIBLE_TIMEOUT`, ...).
    pub fn fill_unset_from_env(&mut self) {
        self.fill_unset_from(&|option| {
            let (_, names) = ENVIRONMENT.iter().find(|(o, _)| *o == option)?;
            names
                .iter()
                .filter_map(|n| std::env::var(n).ok())
                .next_back()
        });
    }

    fn slot(&mut self, option: &str) -> Option<&mut Option<String>> {
        Some(match option {
            "host" => &mut self.host,
            "port" => &mut self.port,
            "remote_user" => &mut self.remote_user,
            "password" => &mut self.password,
            "private_key_file" => &mut self.private_key_file,
            "private_key" => &mut self.private_key,
            "private_key_passphrase" => &mut self.private_key_passphrase,
            "ssh_args" => &mut self.ssh_args,
            "ssh_common_args" => &mut self.ssh_common_args,
            "ssh_extra_args" => &mut self.ssh_extra_args,
            "timeout" => &mut self.timeout,
            "host_key_checking" => &mut self.host_key_checking,
            "ssh_executable" => &mut self.ssh_executable,
            _ => return None,
        })
    }
}

/// Everything needed to open one SSH connection.
#[derive(Debug, Clone)]
pub struct SshTarget {
    /// The host as ansible names it to ssh (`ansible_host`), for messages.
    pub destination: String,
    /// Where to connect (ssh_config's HostName, else the destination).
    pub hostname: String,
    pub port: u16,
    pub user: String,
    pub password: Option<String>,
    /// IdentityFile entries in order (missing files are skipped at auth).
    pub identity_files: Vec<PathBuf>,
    /// Identity files the user named (not ssh's defaults): a missing one is
    /// worth mentioning when authentication fails.
    pub explicit_identity_files: Vec<PathBuf>,
    /// Private keys given as text (ansible_private_key), tried first.
    pub private_keys: Vec<String>,
    /// Unlocks encrypted keys (files and text).
    pub passphrase: Option<String>,
    pub identities_only: bool,
    /// The ssh-agent socket (SSH_AUTH_SOCK or IdentityAgent), if any.
    pub identity_agent: Option<PathBuf>,
    /// UserKnownHostsFile entries; new keys are added to the first.
    pub user_known_hosts_files: Vec<PathBuf>,
    pub global_known_hosts_files: Vec<PathBuf>,
    pub host_key_checking: HostKeyChecking,
    pub host_key_alias: Option<String>,
    pub hash_known_hosts: bool,
    /// Covers name resolution, TCP connect, handshake and authentication.
    pub connect_timeout: Option<Duration>,
    /// ServerAliveInterval (None: no keepalives).
    pub keepalive_interval: Option<Duration>,
    /// ServerAliveCountMax: unanswered keepalives before giving up (0: never).
    pub keepalive_count_max: u32,
    pub address_family: AddressFamily,
    /// PreferredAuthentications, lowercased.
    pub preferred_authentications: Vec<String>,
    pub pubkey_authentication: bool,
    pub password_authentication: bool,
    pub kbd_interactive_authentication: bool,
    /// Why this connection needs the system ssh binary, if it does.
    pub system_ssh_reasons: Vec<String>,
}

const DEFAULT_PREFERRED_AUTHENTICATIONS: &str =
    "gssapi-with-mic,hostbased,publickey,keyboard-interactive,password";
const DEFAULT_IDENTITY_FILES: &[&str] = &[
    "~/.ssh/id_rsa",
    "~/.ssh/id_ecdsa",
    "~/.ssh/id_ecdsa_sk",
    "~/.ssh/id_ed25519",
    "~/.ssh/id_ed25519_sk",
    "~/.ssh/id_xmss",
    "~/.ssh/id_dsa",
];

impl SshTarget {
    /// A target with ssh's defaults (no ssh_config read): the default
    /// identities, ~/.ssh/known_hosts, strict host key checking, the
    /// agent from SSH_AUTH_SOCK, ansible's 10 s connect timeout.
    pub fn new(hostname: &str, port: u16, user: &str) -> SshTarget {
        let resolved = Resolved::default();
        let mut target = resolved.into_target(hostname, None, None, None);
        target.port = port;
        target.user = user.to_string();
        target.connect_timeout = Some(Duration::from_secs(10));
        target
    }

    /// Resolves ansible's variables the way ansible's ssh plugin + ssh
    /// would: builds the plugin's command line, then asks `ssh -G` (when
    /// the ssh binary exists) what ssh_config makes of it.
    pub async fn from_ansible(vars: &AnsibleSshVars) -> Result<SshTarget, SshError> {
        let destination = vars
            .host
            .clone()
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| vars.inventory_hostname.clone());
        let argv = ansible_ssh_argv(vars)?;
        let command_line = args::parse_ssh_command_line(&argv)?;
        let executable = vars.ssh_executable.as_deref().unwrap_or("ssh");
        let resolved = match ssh_dash_g(executable, &argv, &destination).await? {
            Some(resolved) => resolved,
            None => Resolved::from_command_line(&command_line)?,
        };
        let explicit: Vec<PathBuf> = command_line
            .options
            .iter()
            .filter(|o| o.keyword == "identityfile")
            .flat_map(|o| args::config_words(&o.value))
            .map(|f| expand_path(&f, &TokenContext::default()))
            .collect();
        let mut target = resolved.into_target(
            &destination,
            vars.password.clone().filter(|p| !p.is_empty()),
            vars.private_key.clone().filter(|k| !k.is_empty()),
            vars.private_key_passphrase.clone(),
        );
        target.explicit_identity_files = explicit;
        Ok(target)
    }

    /// Why the in-process client cannot honour this configuration (a
    /// ProxyCommand, PKCS#11, ...), so the caller can use the ssh binary.
    pub fn needs_system_ssh(&self) -> Option<String> {
        if self.system_ssh_reasons.is_empty() {
            None
        } else {
            Some(self.system_ssh_reasons.join("; "))
        }
    }

    /// known_hosts files to read: the user's, then the global ones.
    pub fn known_hosts_files(&self) -> Vec<PathBuf> {
        let mut files = self.user_known_hosts_files.clone();
        files.extend(self.global_known_hosts_files.iter().cloned());
        files
    }
}

/// The ssh argv (options only) ansible-core 2.19's ssh plugin builds in
/// `_build_command`, in its order. ssh keeps the first value it sees for
/// most settings, so this order is the precedence.
fn ansible_ssh_argv(vars: &AnsibleSshVars) -> Result<Vec<String>, SshError> {
    let mut argv = Vec::new();
    if let Some(ssh_args) = &vars.ssh_args {
        argv.extend(args::split_ansible_args(ssh_args)?);
    }
    if let Some(text) = &vars.host_key_checking
        && !parse_ansible_bool(text, "host_key_checking")?
    {
        argv.extend(["-o".into(), "StrictHostKeyChecking=no".into()]);
    }
    if let Some(port) = vars.port.as_deref().filter(|p| !p.is_empty()) {
        let port: u16 = port.trim().parse().map_err(|_| SshError::Config {
            message: format!("invalid ssh port {port:?}: expected a number from 1 to 65535"),
        })?;
        argv.extend(["-o".into(), format!("Port={port}")]);
    }
    if vars.private_key.as_deref().is_some_and(|k| !k.is_empty()) {
        argv.extend(["-o".into(), "IdentitiesOnly=yes".into()]);
    } else if let Some(key) = vars.private_key_file.as_deref().filter(|k| !k.is_empty()) {
        let key = expand_user(key);
        argv.extend(["-o".into(), format!("IdentityFile=\"{}\"", key.display())]);
    }
    if vars.password.as_deref().is_none_or(str::is_empty) {
        argv.extend(
            [
                "-o",
                "KbdInteractiveAuthentication=no",
                "-o",
                "PreferredAuthentications=gssapi-with-mic,gssapi-keyex,hostbased,publickey",
                "-o",
                "PasswordAuthentication=no",
            ]
            .map(String::from),
        );
    }
    if let Some(user) = vars.remote_user.as_deref().filter(|u| !u.is_empty()) {
        argv.extend(["-o".into(), format!("User=\"{user}\"")]);
    }
    let timeout = match vars.timeout.as_deref().map(str::trim) {
        None | Some("") => 10,
        Some(t) => t.parse::<u64>().map_err(|_| SshError::Config {
            message: format!("invalid ssh timeout {t:?}: expected a number of seconds"),
        })?,
    };
    argv.extend(["-o".into(), format!("ConnectTimeout={timeout}")]);
    for text in [&vars.ssh_common_args, &vars.ssh_extra_args]
        .into_iter()
        .flatten()
    {
        argv.extend(args::split_ansible_args(text)?);
    }
    Ok(argv)
}

/// Ansible's `boolean()` for config values.
fn parse_ansible_bool(text: &str, what: &str) -> Result<bool, SshError> {
    match text.trim().to_ascii_lowercase().as_str() {
        "y" | "yes" | "on" | "1" | "true" | "t" | "1.0" => Ok(true),
        "n" | "no" | "off" | "0" | "false" | "f" | "0.0" | "" => Ok(false),
        _ => Err(SshError::Config {
            message: format!("invalid value for {what}: {text:?} is not a valid boolean"),
        }),
    }
}

/// ssh's settings after ssh_config, as `keyword value` pairs in the order
/// `ssh -G` prints them (multi-valued keywords repeat).
#[derive(Debug, Clone, Default)]
struct Resolved {
    settings: Vec<(String, String)>,
}

/// Runs `ssh -G ARGV DESTINATION`. None when the ssh binary is missing.
async fn ssh_dash_g(
    executable: &str,
    argv: &[String],
    destination: &str,
) -> Result<Option<Resolved>, SshError> {
    let output = tokio::process::Command::new(executable)
        .arg("-G")
        .args(argv)
        // `--` so a destination starting with '-' is not read as an option.
        .arg("--")
        .arg(destination)
        .stdin(Stdio::null())
        .output()
        .await;
    let output = match output {
        Ok(o) => o,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(SshError::Config {
                message: format!("cannot run {executable} -G: {e}"),
            });
        }
    };
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let stderr: Vec<&str> = stderr
            .lines()
            .filter(|l| !l.starts_with("Pseudo-terminal will not be allocated"))
            .collect();
        return Err(SshError::Config {
            message: format!(
                "ssh_config or ssh arguments rejected by `{executable} -G`: {}",
                stderr.join("\n").trim()
            ),
        });
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let settings = stdout
        .lines()
        .filter_map(|line| {
            let (key, value) = line.split_once(' ')?;
            Some((key.to_ascii_lowercase(), value.to_string()))
        })
        .collect();
    Ok(Some(Resolved { settings }))
}

/// Keywords that may be given several times, each adding to a list.
const MULTI_VALUED: &[&str] = &[
    "identityfile",
    "certificatefile",
    "localforward",
    "remoteforward",
    "dynamicforward",
    "sendenv",
    "setenv",
];

impl Resolved {
    /// Without the ssh binary: the command line alone, first value wins
    /// (ssh_config files are not read; -F is refused rather than ignored).
    fn from_command_line(line: &SshCommandLine) -> Result<Resolved, SshError> {
        if let Some(file) = &line.config_file {
            return Err(SshError::Config {
                message: format!(
                    "-F {file}: reading an ssh_config file needs the ssh binary, which is not installed"
                ),
            });
        }
        let mut settings: Vec<(String, String)> = Vec::new();
        for option in &line.options {
            let seen = settings.iter().any(|(k, _)| *k == option.keyword);
            if seen && !MULTI_VALUED.contains(&option.keyword.as_str()) {
                continue;
            }
            let value = match option.keyword.as_str() {
                // ssh -G prints single-word values unquoted.
                "identityfile" | "user" | "hostname" | "hostkeyalias" | "controlpath" => {
                    args::config_words(&option.value).join(" ")
                }
                _ => option.value.clone(),
            };
            settings.push((option.keyword.clone(), value));
        }
        Ok(Resolved { settings })
    }

    fn first(&self, keyword: &str) -> Option<&str> {
        self.settings
            .iter()
            .find(|(k, _)| k == keyword)
            .map(|(_, v)| v.as_str())
    }

    fn all(&self, keyword: &str) -> impl Iterator<Item = &str> {
        self.settings
            .iter()
            .filter(move |(k, _)| k == keyword)
            .map(|(_, v)| v.as_str())
    }

    fn flag(&self, keyword: &str, default: bool) -> bool {
        match self.first(keyword).map(str::to_ascii_lowercase).as_deref() {
            Some("yes" | "true") => true,
            Some("no" | "false") => false,
            // pubkeyauthentication: unbound / host-bound both mean yes.
            Some("unbound" | "host-bound") => true,
            _ => default,
        }
    }

    fn seconds(&self, keyword: &str) -> Option<Duration> {
        match self.first(keyword) {
            None | Some("none") => None,
            Some(s) => s
                .parse::<u64>()
                .ok()
                .filter(|&n| n > 0)
                .map(Duration::from_secs),
        }
    }

    fn into_target(
        self,
        destination: &str,
        password: Option<String>,
        private_key: Option<String>,
        passphrase: Option<String>,
    ) -> SshTarget {
        let hostname = self
            .first("hostname")
            .filter(|h| !h.is_empty())
            .unwrap_or(destination)
            .to_string();
        let port = self
            .first("port")
            .and_then(|p| p.parse::<u16>().ok())
            .unwrap_or(22);
        let user = self
            .first("user")
            .map(str::to_string)
            .unwrap_or_else(local_user);
        let tokens = TokenContext {
            host: hostname.clone(),
            port,
            remote_user: user.clone(),
        };
        let mut identity_files: Vec<PathBuf> = self
            .all("identityfile")
            .flat_map(args::config_words)
            .map(|f| expand_path(&f, &tokens))
            .collect();
        if identity_files.is_empty() {
            identity_files = DEFAULT_IDENTITY_FILES
                .iter()
                .map(|f| expand_path(f, &tokens))
                .collect();
        }
        let files = |keyword: &str, defaults: &[&str]| -> Vec<PathBuf> {
            let words: Vec<String> = match self.first(keyword) {
                Some(v) => args::config_words(v),
                None => defaults.iter().map(|s| s.to_string()).collect(),
            };
            words
                .iter()
                .filter(|w| !w.eq_ignore_ascii_case("none"))
                .map(|w| expand_path(w, &tokens))
                .collect()
        };
        let user_known_hosts_files = files(
            "userknownhostsfile",
            &["~/.ssh/known_hosts", "~/.ssh/known_hosts2"],
        );
        let global_known_hosts_files = files(
            "globalknownhostsfile",
            &["/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2"],
        );
        let host_key_checking = match self
            .first("stricthostkeychecking")
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("no" | "false" | "off") => HostKeyChecking::Off,
            Some("accept-new") => HostKeyChecking::AcceptNew,
            // yes, ask (nobody can answer a prompt here), unset.
            _ => HostKeyChecking::Strict,
        };
        let identity_agent = match self.first("identityagent") {
            Some(v) if v.eq_ignore_ascii_case("none") => None,
            Some("SSH_AUTH_SOCK") | None => std::env::var_os("SSH_AUTH_SOCK")
                .filter(|s| !s.is_empty())
                .map(PathBuf::from),
            Some(v) => match v.strip_prefix('$') {
                Some(var) => std::env::var_os(var).map(PathBuf::from),
                None => Some(expand_path(v, &tokens)),
            },
        };
        let address_family = match self.first("addressfamily") {
            Some("inet") => AddressFamily::Inet,
            Some("inet6") => AddressFamily::Inet6,
            _ => AddressFamily::Any,
        };
        let preferred_authentications = self
            .first("preferredauthentications")
            .unwrap_or(DEFAULT_PREFERRED_AUTHENTICATIONS)
            .split(',')
            .map(|m| m.trim().to_ascii_lowercase())
            .filter(|m| !m.is_empty())
            .collect();
        let system_ssh_reasons = self.system_ssh_reasons();
        SshTarget {
            destination: destination.to_string(),
            hostname,
            port,
            user,
            password,
            identity_files,
            explicit_identity_files: Vec::new(),
            identities_only: self.flag("identitiesonly", false) || private_key.is_some(),
            private_keys: private_key.into_iter().collect(),
            passphrase,
            identity_agent,
            user_known_hosts_files,
            global_known_hosts_files,
            host_key_checking,
            host_key_alias: self
                .first("hostkeyalias")
                .filter(|a| !a.eq_ignore_ascii_case("none"))
                .map(str::to_string),
            hash_known_hosts: self.flag("hashknownhosts", false),
            connect_timeout: self.seconds("connecttimeout"),
            keepalive_interval: self.seconds("serveraliveinterval"),
            keepalive_count_max: self
                .first("serveralivecountmax")
                .and_then(|c| c.parse().ok())
                .unwrap_or(3),
            address_family,
            preferred_authentications,
            pubkey_authentication: self.flag("pubkeyauthentication", true),
            password_authentication: self.flag("passwordauthentication", true),
            kbd_interactive_authentication: self.flag("kbdinteractiveauthentication", true),
            system_ssh_reasons,
        }
    }

    /// Settings only the ssh binary can honour.
    fn system_ssh_reasons(&self) -> Vec<String> {
        let mut reasons = Vec::new();
        let set = |keyword: &str| {
            self.first(keyword)
                .filter(|v| !v.is_empty() && !v.eq_ignore_ascii_case("none"))
        };
        for (keyword, name) in [
            ("proxycommand", "ProxyCommand"),
            ("proxyjump", "ProxyJump"),
            ("pkcs11provider", "PKCS11Provider"),
            ("knownhostscommand", "KnownHostsCommand"),
            ("stdioforward", "-W (stdio forwarding)"),
            ("bindaddress", "BindAddress"),
            ("bindinterface", "BindInterface"),
        ] {
            if let Some(value) = set(keyword) {
                reasons.push(format!("{name} {value}"));
            }
        }
        if let Some(value) = self.first("securitykeyprovider")
            && value != "internal"
        {
            reasons.push(format!("SecurityKeyProvider {value}"));
        }
        if self.all("certificatefile").next().is_some() {
            reasons.push("CertificateFile (certificate authentication)".into());
        }
        for (keyword, name) in [
            ("localforward", "LocalForward"),
            ("remoteforward", "RemoteForward"),
            ("dynamicforward", "DynamicForward"),
        ] {
            if self.all(keyword).next().is_some() {
                reasons.push(format!("{name} (port forwarding)"));
            }
        }
        if self.flag("forwardagent", false) {
            reasons.push("ForwardAgent yes (agent forwarding)".into());
        }
        if self.flag("permitlocalcommand", false) && set("localcommand").is_some() {
            reasons.push("LocalCommand".into());
        }
        // Debian's ssh_config turns GSSAPI on for everyone; it only matters
        // when there is a Kerberos ticket to authenticate with.
        if self.flag("gssapiauthentication", false) && kerberos_ticket_present() {
            reasons.push("GSSAPIAuthentication yes with a Kerberos ticket".into());
        }
        if let Some(path) = set("controlpath") {
            let path = expand_user(path);
            if is_socket(&path) {
                reasons.push(format!(
                    "ControlPath {} (a running ControlMaster)",
                    path.display()
                ));
            }
        }
        reasons
    }
}

fn is_socket(path: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::metadata(path).is_ok_and(|m| m.file_type().is_socket())
}

fn kerberos_ticket_present() -> bool {
    if std::env::var_os("KRB5CCNAME").is_some_and(|v| !v.is_empty()) {
        return true;
    }
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self")
        .map(|m| Path::new(&format!("/tmp/krb5cc_{}", m.uid())).exists())
        .unwrap_or(false)
}

fn local_user() -> String {
    ["USER", "LOGNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|u| !u.is_empty()))
        .unwrap_or_else(|| "root".to_string())
}

fn home_dir() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
}

/// Values for ssh's `%` tokens in file names.
#[derive(Debug, Clone, Default)]
struct TokenContext {
    host: String,
    port: u16,
    remote_user: String,
}

fn expand_user(path: &str) -> PathBuf {
    match (path.strip_prefix('~'), home_dir()) {
        (Some(rest), Some(home)) if rest.is_empty() || rest.starts_with('/') => {
            PathBuf::from(format!("{}{rest}", home.display()))
        }
        _ => PathBuf::from(path),
    }
}

/// `~` and the common `%` tokens (%d %u %h %p %r %%) in IdentityFile and
/// known_hosts paths, as ssh expands them.
fn expand_path(path: &str, tokens: &TokenContext) -> PathBuf {
    let home = home_dir()
        .map(|h| h.display().to_string())
        .unwrap_or_default();
    let mut out = String::new();
    let mut chars = path.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('d') => out.push_str(&home),
            Some('u') => out.push_str(&local_user()),
            Some('h') => out.push_str(&tokens.host),
            Some('p') => out.push_str(&tokens.port.to_string()),
            Some('r') => out.push_str(&tokens.remote_user),
            Some('%') => out.push('%'),
            Some(other) => {
                out.push('%');
                out.push(other);
            }
            None => out.push('%'),
        }
    }
    expand_user(&out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> AnsibleSshVars {
        let owned: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        AnsibleSshVars::from_vars("inv", &move |name: &str| {
            owned
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn later_variable_names_win_like_ansible() {
        let v = vars(&[
            ("ansible_host", "a"),
            ("ansible_ssh_host", "b"),
            ("ansible_password", "p1"),
            ("ansible_ssh_pass", "p2"),
            ("ansible_timeout", "5"),
        ]);
        assert_eq!(v.host.as_deref(), Some("b"));
        assert_eq!(v.password.as_deref(), Some("p2"));
        assert_eq!(v.timeout.as_deref(), Some("5"));
        let mut v = v;
        v.fill_unset_from(&|o| (o == "timeout" || o == "remote_user").then(|| "x".to_string()));
        assert_eq!(v.timeout.as_deref(), Some("5"));
        assert_eq!(v.remote_user.as_deref(), Some("x"));
    }

    #[test]
    fn argv_follows_ansible_build_command_order() {
        let v = vars(&[
            ("ansible_port", "2222"),
            ("ansible_user", "bob"),
            ("ansible_host_key_checking", "False"),
            ("ansible_ssh_private_key_file", "/k"),
            ("ansible_ssh_common_args", "-o Port=1 -o 'User x'"),
            ("ansible_ssh_timeout", "7"),
        ]);
        let argv = ansible_ssh_argv(&v).unwrap_or_default();
        assert_eq!(
            argv.join(" "),
            "-o StrictHostKeyChecking=no -o Port=2222 -o IdentityFile=\"/k\" \
             -o KbdInteractiveAuthentication=no -o PreferredAuthentications=gssapi-with-mic,gssapi-keyex,hostbased,publickey \
             -o PasswordAuthentication=no -o User=\"bob\" -o ConnectTimeout=7 -o Port=1 -o User x"
        );
        assert!(ansible_ssh_argv(&vars(&[("ansible_port", "ssh")])).is_err());
        assert!(ansible_ssh_argv(&vars(&[("ansible_host_key_checking", "maybe")])).is_err());
    }

    #[test]
    fn command_line_alone_resolves_first_value_wins() {
        let v = vars(&[
            ("ansible_port", "2222"),
            ("ansible_user", "bob"),
            ("ansible_ssh_private_key_file", "/k1"),
            (
                "ansible_ssh_common_args",
                "-p 1 -i /k2 -o 'UserKnownHostsFile=\"/a b\"' -o ServerAliveInterval=5 -J jump",
            ),
        ]);
        let argv = ansible_ssh_argv(&v).unwrap_or_default();
        let line = args::parse_ssh_command_line(&argv).unwrap_or_default();
        let resolved = Resolved::from_command_line(&line).unwrap_or_default();
        let t = resolved.into_target("h", None, None, None);
        assert_eq!(
            (t.hostname.as_str(), t.port, t.user.as_str()),
            ("h", 2222, "bob")
        );
        assert_eq!(
            t.identity_files,
            vec![PathBuf::from("/k1"), PathBuf::from("/k2")]
        );
        assert_eq!(t.user_known_hosts_files, vec![PathBuf::from("/a b")]);
        assert_eq!(t.keepalive_interval, Some(Duration::from_secs(5)));
        assert_eq!(t.connect_timeout, Some(Duration::from_secs(10)));
        assert_eq!(t.host_key_checking, HostKeyChecking::Strict);
        assert_eq!(
            t.preferred_authentications.last().map(String::as_str),
            Some("publickey")
        );
        assert_eq!(t.needs_system_ssh().as_deref(), Some("ProxyJump jump"));
        let with_f =
            args::parse_ssh_command_line(&["-F".to_string(), "/c".to_string()]).unwrap_or_default();
        assert!(Resolved::from_command_line(&with_f).is_err());
    }

    #[test]
    fn tokens_expand_in_paths() {
        let t = TokenContext {
            host: "h".into(),
            port: 22,
            remote_user: "r".into(),
        };
        assert_eq!(
            expand_path("/k/%h-%p-%r%%", &t),
            PathBuf::from("/k/h-22-r%")
        );
    }
}
