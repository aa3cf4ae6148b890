//! `ConnectionSpec`: everything that decides how to reach one interpreter,
//! read from a host's (already templated) variables with ansible's and
//! mitogen's variable names.

use super::bootstrap::Interpreter;
use super::error::SpecError;
use super::ssh::AnsibleSshVars;
use crate::value::{Map, Value};
use std::time::Duration;

/// How the first hop is reached.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TransportKind {
    Local,
    /// ssh: the in-process russh client or the system `ssh` binary, as
    /// `SshBackend` decides.
    Ssh,
    Docker,
    Podman,
    Kubectl,
    Lxc,
    Lxd,
    Jail,
    Machinectl,
    Setns,
    Buildah,
}

impl TransportKind {
    fn parse(name: &str) -> Result<TransportKind, SpecError> {
        let name = name.strip_prefix("ansible.builtin.").unwrap_or(name);
        let name = name.strip_prefix("community.docker.").unwrap_or(name);
        let name = name.strip_prefix("community.general.").unwrap_or(name);
        let name = name.strip_prefix("containers.podman.").unwrap_or(name);
        let name = name.strip_prefix("kubernetes.core.").unwrap_or(name);
        Ok(match name {
            "local" | "mitogen_local" => TransportKind::Local,
            "ssh" | "smart" | "paramiko" | "paramiko_ssh" | "mitogen_ssh" => TransportKind::Ssh,
            "docker" | "mitogen_docker" => TransportKind::Docker,
            "podman" | "mitogen_podman" => TransportKind::Podman,
            "kubectl" | "mitogen_kubectl" => TransportKind::Kubectl,
            "lxc" | "mitogen_lxc" => TransportKind::Lxc,
            "lxd" | "mitogen_lxd" => TransportKind::Lxd,
            "jail" | "mitogen_jail" => TransportKind::Jail,
            "machinectl" | "mitogen_machinectl" => TransportKind::Machinectl,
            "setns" | "mitogen_setns" => TransportKind::Setns,
            "buildah" | "mitogen_buildah" => TransportKind::Buildah,
            other => {
                return Err(SpecError(format!(
                    "the connection plugin '{other}' is not supported by mitorun"
                )));
            }
        })
    }
}

/// Which ssh client reaches an `ssh` target (`mitorun_ssh_backend`, else
/// `MITORUN_SSH_BACKEND`, else `auto`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SshBackend {
    /// The in-process client, unless the configuration needs something only
    /// the ssh binary does (ProxyCommand, PKCS#11, ...): then the binary.
    #[default]
    Auto,
    /// Always the in-process client; a configuration it cannot honour is
    /// an error rather than silently ignored.
    Russh,
    /// Always the system ssh binary.
    Binary,
}

impl SshBackend {
    pub fn parse(text: &str) -> Result<SshBackend, SpecError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "" | "auto" => Ok(SshBackend::Auto),
            "russh" | "native" | "internal" => Ok(SshBackend::Russh),
            "binary" | "ssh" | "openssh" => Ok(SshBackend::Binary),
            other => Err(SpecError(format!(
                "mitorun_ssh_backend: {other:?} is not one of auto, russh, binary"
            ))),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum BecomeMethod {
    Sudo,
    Su,
    Doas,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BecomeSpec {
    pub method: BecomeMethod,
    pub user: String,
    pub password: Option<String>,
    /// `become_flags`, shlex-split.
    pub flags: Vec<String>,
    pub exe: Option<String>,
}

impl BecomeSpec {
    /// Identity of the child interpreter this become starts, appended to
    /// its parent's key: one interpreter per (method, user, flags, exe,
    /// password), as Mitogen keys its become contexts. Same user and same
    /// password reuse the child; another password for the same user gets
    /// its own attempt, which fails as ansible's per-task sudo would when
    /// the password is wrong, and leaves the child the right one started
    /// alone. The password appears only as a salted hash.
    pub fn key(&self) -> String {
        format!(
            "+become:{:?}:{}:{:?}:{:?}:{}",
            self.method,
            self.user,
            self.flags,
            self.exe,
            super::secret_key::password_part(self.password.as_deref())
        )
    }
}

/// Everything that identifies and configures one interpreter.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectionSpec {
    pub inventory_hostname: String,
    pub transport: TransportKind,
    /// `ansible_host` (the container name for exec wrappers).
    pub host: String,
    pub port: Option<u16>,
    pub user: Option<String>,
    pub password: Option<String>,
    pub private_key_file: Option<String>,
    pub ssh_executable: String,
    /// `ansible_ssh_args` (default: none; see `backend::ssh_argv`).
    pub ssh_args: Vec<String>,
    pub ssh_common_args: Vec<String>,
    pub ssh_extra_args: Vec<String>,
    /// Applies until the agent's first frame arrives.
    pub timeout: Duration,
    pub interpreter: Interpreter,
    pub become_: Option<BecomeSpec>,
    /// Hops from the controller outwards: `via[0]` is reached first.
    pub via: Vec<ConnectionSpec>,
    /// `mitogen_via` as written, for the caller to resolve into `via`.
    pub via_name: Option<String>,
    /// Transport-specific variables (`ansible_docker_extra_args`,
    /// `ansible_kubectl_namespace`, `mitogen_*_path` ...), as text.
    pub extra: Vec<(String, String)>,
    /// `remote_tmp` for the private temp dir search.
    pub remote_tmp: Option<String>,
    /// Which ssh client reaches this hop (ssh transport only).
    pub ssh_backend: SshBackend,
    /// The ssh plugin's options as ansible reads them (text, unparsed), for
    /// the in-process client; `apply_ssh_settings` fills the unset ones
    /// from the environment and ansible.cfg.
    pub ssh_vars: AnsibleSshVars,
}

fn text(vars: &Map, names: &[&str]) -> Option<String> {
    for n in names {
        match vars.get(*n) {
            Some(Value::Null) | None => continue,
            Some(v) => {
                let s = match v {
                    Value::Str(s) | Value::Unsafe(s) => s.clone(),
                    other => other.python_str(),
                };
                return Some(s);
            }
        }
    }
    None
}

fn truthy(vars: &Map, names: &[&str]) -> Result<bool, SpecError> {
    for n in names {
        match vars.get(*n) {
            None | Some(Value::Null) => continue,
            Some(Value::Bool(b)) => return Ok(*b),
            Some(Value::Int(i)) => return Ok(*i != 0),
            Some(v) => {
                let s = v.python_str().to_ascii_lowercase();
                return match s.as_str() {
                    "y" | "yes" | "on" | "1" | "true" | "t" | "1.0" => Ok(true),
                    "n" | "no" | "off" | "0" | "false" | "f" | "0.0" | "" => Ok(false),
                    _ => Err(SpecError(format!("{n}: '{s}' is not a valid boolean"))),
                };
            }
        }
    }
    Ok(false)
}

fn split(vars: &Map, names: &[&str]) -> Result<Vec<String>, SpecError> {
    match text(vars, names) {
        None => Ok(Vec::new()),
        Some(s) => {
            shlex::split(&s).ok_or_else(|| SpecError(format!("{}: cannot parse {s:?}", names[0])))
        }
    }
}

impl ConnectionSpec {
    /// Read a host's connection variables. `vars` are the host's templated
    /// variables; `mitogen_via` is kept in `via_name` for the caller to
    /// resolve (it needs the other host's variables) with `with_via`.
    pub fn from_vars(inventory_hostname: &str, vars: &Map) -> Result<ConnectionSpec, SpecError> {
        let transport = TransportKind::parse(
            &text(vars, &["ansible_connection"]).unwrap_or_else(|| "ssh".into()),
        )?;
        let default_host = if transport == TransportKind::Local {
            "localhost"
        } else {
            inventory_hostname
        };
        let host = text(vars, &["ansible_host", "ansible_ssh_host"])
            .unwrap_or_else(|| default_host.to_string());
        let port = match text(vars, &["ansible_port", "ansible_ssh_port"]) {
            None => None,
            Some(p) => Some(
                p.trim()
                    .parse::<u16>()
                    .map_err(|_| SpecError(format!("ansible_port: invalid port {p:?}")))?,
            ),
        };
        let timeout = match text(vars, &["ansible_ssh_timeout", "ansible_timeout"]) {
            None => Duration::from_secs(10),
            Some(t) => Duration::from_secs_f64(
                t.trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|t| *t > 0.0 && t.is_finite())
                    .ok_or_else(|| SpecError(format!("ansible_timeout: invalid timeout {t:?}")))?,
            ),
        };
        let fallback = match vars.get("ansible_interpreter_python_fallback") {
            Some(Value::List(items)) => Some(items.iter().map(Value::python_str).collect()),
            _ => None,
        };
        let interpreter = Interpreter::parse(
            text(vars, &["ansible_python_interpreter"]).as_deref(),
            fallback,
        )
        .map_err(SpecError)?;
        let become_ = if truthy(vars, &["ansible_become"])? {
            let method_name =
                text(vars, &["ansible_become_method"]).unwrap_or_else(|| "sudo".into());
            let method = match method_name
                .strip_prefix("ansible.builtin.")
                .unwrap_or(&method_name)
            {
                "sudo" => BecomeMethod::Sudo,
                "su" => BecomeMethod::Su,
                "doas" | "community.general.doas" => BecomeMethod::Doas,
                other => {
                    return Err(SpecError(format!(
                        "the become method '{other}' is not supported by mitorun"
                    )));
                }
            };
            let (pass_var, flags_var, exe_var, user_var) = match method {
                BecomeMethod::Sudo => (
                    "ansible_sudo_pass",
                    "ansible_sudo_flags",
                    "ansible_sudo_exe",
                    "ansible_sudo_user",
                ),
                BecomeMethod::Su => (
                    "ansible_su_pass",
                    "ansible_su_flags",
                    "ansible_su_exe",
                    "ansible_su_user",
                ),
                BecomeMethod::Doas => (
                    "ansible_doas_pass",
                    "ansible_doas_flags",
                    "ansible_doas_exe",
                    "ansible_doas_user",
                ),
            };
            let flags = if vars.contains_key("ansible_become_flags") || vars.contains_key(flags_var)
            {
                split(vars, &["ansible_become_flags", flags_var])?
            } else if method == BecomeMethod::Sudo {
                vec!["-H".into(), "-S".into(), "-n".into()]
            } else {
                Vec::new()
            };
            Some(BecomeSpec {
                method,
                user: text(vars, &["ansible_become_user", user_var])
                    .unwrap_or_else(|| "root".into()),
                password: text(
                    vars,
                    &["ansible_become_password", "ansible_become_pass", pass_var],
                ),
                flags,
                exe: text(vars, &["ansible_become_exe", exe_var]),
            })
        } else {
            None
        };
        let mut extra = Vec::new();
        for (k, v) in vars {
            let transport_var = k.starts_with("ansible_docker_")
                || k.starts_with("ansible_podman_")
                || k.starts_with("ansible_kubectl_")
                || k.starts_with("ansible_lxd_")
                || k.starts_with("ansible_buildah_")
                || (k.starts_with("mitogen_") && k != "mitogen_via");
            if transport_var && !matches!(v, Value::Null) {
                extra.push((
                    k.clone(),
                    v.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| v.python_str()),
                ));
            }
        }
        Ok(ConnectionSpec {
            inventory_hostname: inventory_hostname.to_string(),
            transport,
            host,
            port,
            user: text(vars, &["ansible_user", "ansible_ssh_user"]),
            password: text(
                vars,
                &[
                    "ansible_password",
                    "ansible_ssh_pass",
                    "ansible_ssh_password",
                ],
            ),
            private_key_file: text(
                vars,
                &["ansible_ssh_private_key_file", "ansible_private_key_file"],
            ),
            ssh_executable: text(vars, &["ansible_ssh_executable"]).unwrap_or_else(|| "ssh".into()),
            ssh_args: split(vars, &["ansible_ssh_args"])?,
            ssh_common_args: split(vars, &["ansible_ssh_common_args"])?,
            ssh_extra_args: split(vars, &["ansible_ssh_extra_args"])?,
            timeout,
            interpreter,
            become_,
            via: Vec::new(),
            via_name: text(vars, &["mitogen_via"]),
            extra,
            remote_tmp: text(vars, &["ansible_remote_tmp"]),
            ssh_backend: match text(vars, &["mitorun_ssh_backend"])
                .or_else(|| std::env::var("MITORUN_SSH_BACKEND").ok())
            {
                Some(t) => SshBackend::parse(&t)?,
                None => SshBackend::Auto,
            },
            ssh_vars: AnsibleSshVars::from_vars(inventory_hostname, &|name| text(vars, &[name])),
        })
    }

    /// Fill ssh options no host variable set: ansible's environment
    /// variables first (`ANSIBLE_HOST_KEY_CHECKING`, `ANSIBLE_TIMEOUT` ...),
    /// then `settings` (ssh plugin option name → value, from ansible.cfg).
    /// Both ssh clients see the result: the binary's command line is
    /// rebuilt from the filled options.
    pub fn apply_ssh_settings(&mut self, settings: &[(String, String)]) -> Result<(), SpecError> {
        if self.transport != TransportKind::Ssh {
            return Ok(());
        }
        self.ssh_vars.fill_unset_from_env();
        self.ssh_vars.fill_unset_from(&|option| {
            settings
                .iter()
                .find(|(k, _)| k == option)
                .map(|(_, v)| v.clone())
        });
        let v = &self.ssh_vars;
        let words = |name: &str, text: &Option<String>| -> Result<Vec<String>, SpecError> {
            match text {
                None => Ok(Vec::new()),
                Some(s) => {
                    shlex::split(s).ok_or_else(|| SpecError(format!("{name}: cannot parse {s:?}")))
                }
            }
        };
        if self.ssh_args.is_empty() {
            self.ssh_args = words("ssh_args", &v.ssh_args)?;
        }
        if self.ssh_common_args.is_empty() {
            self.ssh_common_args = words("ssh_common_args", &v.ssh_common_args)?;
        }
        if self.ssh_extra_args.is_empty() {
            self.ssh_extra_args = words("ssh_extra_args", &v.ssh_extra_args)?;
        }
        if self.user.is_none() {
            self.user = v.remote_user.clone().filter(|u| !u.is_empty());
        }
        if self.private_key_file.is_none() {
            self.private_key_file = v.private_key_file.clone().filter(|k| !k.is_empty());
        }
        if self.port.is_none()
            && let Some(p) = v.port.as_deref().filter(|p| !p.trim().is_empty())
        {
            self.port = Some(
                p.trim()
                    .parse()
                    .map_err(|_| SpecError(format!("ansible_port: invalid port {p:?}")))?,
            );
        }
        if let Some(t) = &v.timeout
            && let Ok(secs) = t.trim().parse::<f64>()
            && secs > 0.0
            && secs.is_finite()
        {
            self.timeout = Duration::from_secs_f64(secs);
        }
        if let Some(exe) = v.ssh_executable.clone().filter(|e| !e.is_empty()) {
            self.ssh_executable = exe;
        }
        Ok(())
    }

    /// `host_key_checking` as ansible's boolean (true when unset).
    pub fn host_key_checking(&self) -> bool {
        match self.ssh_vars.host_key_checking.as_deref() {
            None => true,
            Some(t) => !matches!(
                t.trim().to_ascii_lowercase().as_str(),
                "n" | "no" | "off" | "0" | "false" | "f" | "0.0"
            ),
        }
    }

    /// `mitogen_via` split into (user, inventory host): `user@host` or `host`.
    pub fn via_target(&self) -> Option<(Option<String>, String)> {
        let v = self.via_name.as_deref()?.trim();
        if v.is_empty() {
            return None;
        }
        Some(match v.rsplit_once('@') {
            Some((u, h)) => (Some(u.to_string()), h.to_string()),
            None => (None, v.to_string()),
        })
    }

    /// Route this connection through `hops` (nearest to the controller
    /// first). Become of a hop is kept: it runs on that hop.
    pub fn with_via(mut self, hops: Vec<ConnectionSpec>) -> ConnectionSpec {
        self.via = hops;
        self
    }

    /// A transport-specific variable.
    pub fn extra(&self, name: &str) -> Option<&str> {
        self.extra
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Identity of the connection to the first interpreter on this hop
    /// (no become): what the pool shares. The login password is part of
    /// it (as in Mitogen's context keys) so a wrong one gets its own
    /// attempt instead of riding on a connection the right one opened;
    /// it appears only as a salted hash.
    pub fn hop_key(&self) -> String {
        format!(
            "{:?}|{:?}|{}|{:?}|{:?}|{}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}",
            self.transport,
            self.ssh_backend,
            self.host,
            self.port,
            self.user,
            super::secret_key::password_part(self.password.as_deref()),
            self.private_key_file,
            self.ssh_args,
            self.ssh_common_args,
            self.ssh_extra_args,
            self.interpreter,
            self.extra
        )
    }

    /// Identity of the whole chain up to this hop's interpreter.
    pub fn chain_key(&self) -> String {
        let mut key = String::new();
        for hop in &self.via {
            key.push_str(&hop.hop_key());
            if let Some(b) = &hop.become_ {
                key.push_str(&b.key());
            }
            key.push_str(" -> ");
        }
        key.push_str(&self.hop_key());
        key
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, Value)]) -> Map {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    #[test]
    fn reads_ansible_variables() {
        let v = vars(&[
            ("ansible_host", Value::str("10.0.0.1")),
            ("ansible_port", Value::Int(2222)),
            ("ansible_user", Value::str("deploy")),
            (
                "ansible_ssh_common_args",
                Value::str("-o 'StrictHostKeyChecking=no'"),
            ),
            ("ansible_become", Value::Bool(true)),
            ("ansible_become_user", Value::str("postgres")),
            (
                "ansible_python_interpreter",
                Value::str("/usr/bin/env FOO=bar python3"),
            ),
            ("mitogen_via", Value::str("admin@bastion")),
        ]);
        let s = ConnectionSpec::from_vars("web1", &v).unwrap();
        assert_eq!(s.transport, TransportKind::Ssh);
        assert_eq!(
            (s.host.as_str(), s.port, s.user.as_deref()),
            ("10.0.0.1", Some(2222), Some("deploy"))
        );
        assert_eq!(s.ssh_common_args, vec!["-o", "StrictHostKeyChecking=no"]);
        let b = s.become_.clone().unwrap();
        assert_eq!(
            (b.method, b.user.as_str()),
            (BecomeMethod::Sudo, "postgres")
        );
        assert_eq!(b.flags, vec!["-H", "-S", "-n"]);
        assert_eq!(
            s.via_target(),
            Some((Some("admin".into()), "bastion".into()))
        );
        assert!(matches!(s.interpreter, Interpreter::Explicit(ref a) if a.len() == 3));
    }

    #[test]
    fn rejects_bad_values() {
        assert!(
            ConnectionSpec::from_vars("h", &vars(&[("ansible_port", Value::str("x"))])).is_err()
        );
        assert!(
            ConnectionSpec::from_vars("h", &vars(&[("ansible_connection", Value::str("winrm"))]))
                .is_err()
        );
        assert!(
            ConnectionSpec::from_vars("h", &vars(&[("ansible_become", Value::str("maybe"))]))
                .is_err()
        );
    }
}
