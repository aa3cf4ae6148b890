//! Backends: how the first stage's command is run for each transport.
//!
//! Every backend here is "a command line": local runs the boot command,
//! ssh wraps it in `ssh ... host 'quoted command'`, and the exec wrappers
//! (docker, podman, kubectl, lxc, lxd, jail, machinectl, setns, buildah)
//! wrap it in their tool's exec form. The same argv is used when the
//! controller runs it and when an agent runs it for a `via` hop.
//!
//! A backend that is not a command (the in-process russh client) implements
//! `Backend` and yields the same `Spawned` streams.

use super::bootstrap::shell_join;
use super::error::{SpecError, Unreachable, UnreachableKind};
use super::spec::{ConnectionSpec, TransportKind};
use std::future::Future;
use std::pin::Pin;
use std::process::Stdio;
use tokio::io::{AsyncRead, AsyncWrite};

/// A running transport: the agent's stdin and stdout, the transport's
/// stderr (for failure classification), and a guard that stops it when
/// dropped.
pub struct Spawned {
    pub stdin: Box<dyn AsyncWrite + Send + Unpin>,
    pub stdout: Box<dyn AsyncRead + Send + Unpin>,
    pub stderr: Box<dyn AsyncRead + Send + Unpin>,
    pub guard: Box<dyn TransportProcess>,
    /// What to call it in messages ("ssh", "docker", ...).
    pub name: String,
}

/// The process (or remote command) behind a `Spawned`: stopped when
/// dropped, and able to say how it ended (a command run without an agent,
/// as raw does on a target without Python, needs its exit code).
pub trait TransportProcess: Send + Sync {
    /// Waits for the command to end: its exit code, or None when it was
    /// killed by a signal or the connection was lost.
    fn wait(&mut self) -> Pin<Box<dyn Future<Output = Option<i32>> + Send + '_>>;
}

pub type SpawnFuture<'a> = Pin<Box<dyn Future<Output = Result<Spawned, Unreachable>> + Send + 'a>>;

/// Something that runs the boot command on a target.
pub trait Backend: Send + Sync {
    fn spawn<'a>(&'a self, spec: &'a ConnectionSpec, boot_argv: &'a [String]) -> SpawnFuture<'a>;
}

/// Runs `transport_argv` as a local subprocess: local, the system ssh
/// binary, and every exec wrapper.
pub struct CommandBackend;

impl Backend for CommandBackend {
    fn spawn<'a>(&'a self, spec: &'a ConnectionSpec, boot_argv: &'a [String]) -> SpawnFuture<'a> {
        Box::pin(async move {
            let argv = transport_argv(spec, boot_argv)
                .map_err(|e| Unreachable::new(UnreachableKind::Other, e.0))?;
            let env =
                transport_env(spec).map_err(|e| Unreachable::new(UnreachableKind::Other, e))?;
            spawn_command(&argv, &env, transport_name(&spec.transport))
        })
    }
}

pub fn transport_name(t: &TransportKind) -> &'static str {
    match t {
        TransportKind::Local => "local",
        TransportKind::Ssh => "ssh",
        TransportKind::Docker => "docker",
        TransportKind::Podman => "podman",
        TransportKind::Kubectl => "kubectl",
        TransportKind::Lxc => "lxc",
        TransportKind::Lxd => "lxd",
        TransportKind::Jail => "jail",
        TransportKind::Machinectl => "machinectl",
        TransportKind::Setns => "setns",
        TransportKind::Buildah => "buildah",
    }
}

/// Held by `Spawned::guard`: the child is killed when this is dropped.
struct ChildGuard(tokio::process::Child);

impl TransportProcess for ChildGuard {
    fn wait(&mut self) -> Pin<Box<dyn Future<Output = Option<i32>> + Send + '_>> {
        Box::pin(async move { self.0.wait().await.ok().and_then(|s| s.code()) })
    }
}

pub fn spawn_command(
    argv: &[String],
    env: &[(String, String)],
    name: &str,
) -> Result<Spawned, Unreachable> {
    let (prog, args) = argv
        .split_first()
        .ok_or_else(|| Unreachable::new(UnreachableKind::Other, "empty transport command"))?;
    let mut cmd = tokio::process::Command::new(prog);
    cmd.args(args)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = cmd.spawn().map_err(|e| {
        let missing_interpreter = e.kind() == std::io::ErrorKind::NotFound && name == "local";
        let kind = if missing_interpreter {
            UnreachableKind::NoPython
        } else {
            UnreachableKind::Other
        };
        let stderr = if missing_interpreter {
            shell_says_not_found(prog)
        } else {
            None
        };
        Unreachable::new(
            kind,
            format!("Failed to connect to the host via {name}: {prog}: {e}"),
        )
        .with_stderr(stderr.unwrap_or_else(|| format!("{prog}: {e}\n")))
    })?;
    let missing = || Unreachable::new(UnreachableKind::Other, "transport stdio missing");
    let stdin = child.stdin.take().ok_or_else(missing)?;
    let stdout = child.stdout.take().ok_or_else(missing)?;
    let stderr = child.stderr.take().ok_or_else(missing)?;
    Ok(Spawned {
        stdin: Box::new(stdin),
        stdout: Box::new(stdout),
        stderr: Box::new(stderr),
        guard: Box::new(ChildGuard(child)),
        name: name.to_string(),
    })
}

/// What /bin/sh says when asked to run `prog` that is not there: the
/// text ansible shows for a missing local interpreter, whose modules it
/// starts through the shell (ours start without one).
fn shell_says_not_found(prog: &str) -> Option<String> {
    let out = std::process::Command::new("/bin/sh")
        .arg("-c")
        .arg(shell_join(&[prog.to_string()]))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stderr).into_owned();
    (!out.status.success() && !text.is_empty()).then_some(text)
}

fn split_extra(spec: &ConnectionSpec, name: &str) -> Result<Vec<String>, SpecError> {
    match spec.extra(name) {
        None => Ok(Vec::new()),
        Some(s) => shlex::split(s).ok_or_else(|| SpecError(format!("{name}: cannot parse {s:?}"))),
    }
}

fn tool(spec: &ConnectionSpec, vars: &[&str], default: &str) -> String {
    vars.iter()
        .find_map(|v| spec.extra(v))
        .unwrap_or(default)
        .to_string()
}

/// Environment for the transport command: ssh password auth goes through
/// SSH_ASKPASS (a helper that prints `$MITORUN_SSH_PASS`), so the password
/// never appears in an argv.
pub fn transport_env(spec: &ConnectionSpec) -> Result<Vec<(String, String)>, String> {
    match (&spec.transport, &spec.password) {
        (TransportKind::Ssh, Some(pw)) => {
            let helper = askpass_helper()?;
            Ok(vec![
                ("SSH_ASKPASS".into(), helper),
                ("SSH_ASKPASS_REQUIRE".into(), "force".into()),
                (
                    "DISPLAY".into(),
                    std::env::var("DISPLAY").unwrap_or_else(|_| "mitorun:0".into()),
                ),
                ("MITORUN_SSH_PASS".into(), pw.clone()),
            ])
        }
        _ => Ok(Vec::new()),
    }
}

fn askpass_helper() -> Result<String, String> {
    use std::os::unix::fs::PermissionsExt;
    static PATH: std::sync::OnceLock<Result<String, String>> = std::sync::OnceLock::new();
    PATH.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("mitorun-askpass-{}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| e.to_string())?;
        let path = dir.join("askpass");
        std::fs::write(&path, "#!/bin/sh\nprintf '%s\\n' \"$MITORUN_SSH_PASS\"\n")
            .map_err(|e| e.to_string())?;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| e.to_string())?;
        Ok(path.display().to_string())
    })
    .clone()
}

/// The argv that runs `boot` (the first stage's command) over `spec`'s
/// transport.
pub fn transport_argv(spec: &ConnectionSpec, boot: &[String]) -> Result<Vec<String>, SpecError> {
    let user = spec.user.clone();
    let host = spec.host.clone();
    let mut argv: Vec<String> = Vec::new();
    let push_boot = |argv: &mut Vec<String>| argv.extend(boot.iter().cloned());
    match spec.transport {
        TransportKind::Local => push_boot(&mut argv),
        TransportKind::Ssh => {
            argv.push(spec.ssh_executable.clone());
            // Our connection is persistent, so multiplexing buys nothing,
            // and a ControlPersist master would inherit our pipes and hide
            // the end of the stream. ssh keeps the first value of an option,
            // so these win over the user's ssh_args.
            argv.extend(["-o", "ControlMaster=no", "-o", "ControlPath=none"].map(String::from));
            argv.extend(spec.ssh_args.iter().cloned());
            // ansible's ssh plugin: host_key_checking=False right after
            // ssh_args, so the user's common/extra args cannot undo it.
            if !spec.host_key_checking() {
                argv.extend(["-o", "StrictHostKeyChecking=no"].map(String::from));
            }
            argv.extend(spec.ssh_common_args.iter().cloned());
            argv.extend(spec.ssh_extra_args.iter().cloned());
            argv.push("-o".into());
            argv.push(format!("ConnectTimeout={}", spec.timeout.as_secs().max(1)));
            if spec.password.is_none() {
                argv.extend(["-o", "BatchMode=yes"].map(String::from));
            } else {
                argv.extend(["-o", "NumberOfPasswordPrompts=1"].map(String::from));
            }
            if let Some(key) = &spec.private_key_file {
                argv.push("-i".into());
                argv.push(crate::pypath::expanduser(key));
            }
            if let Some(port) = spec.port {
                argv.push("-p".into());
                argv.push(port.to_string());
            }
            if let Some(u) = &user {
                argv.push("-l".into());
                argv.push(u.clone());
            }
            argv.push(host);
            argv.push(shell_join(boot));
        }
        TransportKind::Docker | TransportKind::Podman => {
            let (vars, default, extra) = if spec.transport == TransportKind::Docker {
                (
                    &["mitogen_docker_path", "ansible_docker_path"][..],
                    "docker",
                    "ansible_docker_extra_args",
                )
            } else {
                (
                    &["mitogen_podman_path", "ansible_podman_executable"][..],
                    "podman",
                    "ansible_podman_extra_args",
                )
            };
            argv.push(tool(spec, vars, default));
            argv.push("exec".into());
            argv.push("-i".into());
            argv.extend(split_extra(spec, extra)?);
            if let Some(u) = &user {
                argv.push("--user".into());
                argv.push(u.clone());
            }
            argv.push(host);
            push_boot(&mut argv);
        }
        TransportKind::Kubectl => {
            argv.push(tool(
                spec,
                &["mitogen_kubectl_path", "ansible_kubectl_path"],
                "kubectl",
            ));
            argv.extend(split_extra(spec, "ansible_kubectl_extra_args")?);
            for (var, flag) in [
                ("ansible_kubectl_kubeconfig", "--kubeconfig"),
                ("ansible_kubectl_context", "--context"),
                ("ansible_kubectl_namespace", "--namespace"),
            ] {
                if let Some(v) = spec.extra(var) {
                    argv.push(flag.into());
                    argv.push(v.into());
                }
            }
            argv.push("exec".into());
            argv.push("-i".into());
            argv.push(
                spec.extra("ansible_kubectl_pod")
                    .map(str::to_string)
                    .unwrap_or(host),
            );
            if let Some(c) = spec.extra("ansible_kubectl_container") {
                argv.push("-c".into());
                argv.push(c.into());
            }
            argv.push("--".into());
            push_boot(&mut argv);
        }
        TransportKind::Lxc => {
            argv.push(tool(spec, &["mitogen_lxc_attach_path"], "lxc-attach"));
            argv.extend(["--clear-env", "-n"].map(String::from));
            argv.push(host);
            argv.push("--".into());
            push_boot(&mut argv);
        }
        TransportKind::Lxd => {
            argv.push(tool(spec, &["mitogen_lxc_path"], "lxc"));
            argv.extend(["exec", "--mode=noninteractive"].map(String::from));
            argv.push(host);
            argv.push("--".into());
            push_boot(&mut argv);
        }
        TransportKind::Jail => {
            argv.push(tool(spec, &["mitogen_jexec_path"], "jexec"));
            if let Some(u) = &user {
                argv.push("-U".into());
                argv.push(u.clone());
            }
            argv.push(host);
            push_boot(&mut argv);
        }
        TransportKind::Machinectl => {
            argv.push(tool(spec, &["mitogen_machinectl_path"], "machinectl"));
            argv.extend(["shell", "--quiet"].map(String::from));
            argv.push(match &user {
                Some(u) => format!("{u}@{host}"),
                None => host,
            });
            push_boot(&mut argv);
        }
        TransportKind::Buildah => {
            argv.push(tool(spec, &["mitogen_buildah_path"], "buildah"));
            argv.push("run".into());
            if let Some(u) = &user {
                argv.push("--user".into());
                argv.push(u.clone());
            }
            argv.push(host);
            argv.push("--".into());
            push_boot(&mut argv);
        }
        TransportKind::Setns => {
            // Find the container's init pid with its tool, then enter its
            // namespaces with nsenter.
            let kind = spec.extra("mitogen_kind").unwrap_or("docker");
            let q = |s: &str| shell_join(&[s.to_string()]);
            let pid_cmd = match kind {
                "docker" => format!(
                    "{} inspect --format '{{{{.State.Pid}}}}' {}",
                    q(&tool(spec, &["mitogen_docker_path"], "docker")),
                    q(&host)
                ),
                "lxc" => format!(
                    "{} -n {} -pH",
                    q(&tool(spec, &["mitogen_lxc_info_path"], "lxc-info")),
                    q(&host)
                ),
                "lxd" => format!(
                    "{} info {} | sed -n 's/^P[Ii][Dd]: *//p'",
                    q(&tool(spec, &["mitogen_lxc_path"], "lxc")),
                    q(&host)
                ),
                "machinectl" => format!(
                    "{} show -p Leader --value {}",
                    q(&tool(spec, &["mitogen_machinectl_path"], "machinectl")),
                    q(&host)
                ),
                other => {
                    return Err(SpecError(format!(
                        "mitogen_kind: unsupported container kind {other:?}"
                    )));
                }
            };
            argv.extend(["/bin/sh".to_string(), "-c".to_string()]);
            argv.push(format!(
                "pid=$({pid_cmd}) && exec nsenter --target \"$pid\" --mount --uts --ipc --net --pid -- {}",
                shell_join(boot)
            ));
        }
    }
    Ok(argv)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::{Map, Value};

    fn spec(pairs: &[(&str, &str)]) -> ConnectionSpec {
        let vars: Map = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), Value::str(*v)))
            .collect();
        ConnectionSpec::from_vars("c1", &vars).unwrap()
    }

    #[test]
    fn exec_wrappers_put_the_boot_command_last() {
        let boot = vec!["python3".to_string(), "-c".to_string(), "x".to_string()];
        let d = transport_argv(
            &spec(&[
                ("ansible_connection", "docker"),
                ("ansible_user", "app"),
                ("ansible_docker_extra_args", "--privileged"),
            ]),
            &boot,
        )
        .unwrap();
        assert_eq!(
            d,
            [
                "docker",
                "exec",
                "-i",
                "--privileged",
                "--user",
                "app",
                "c1",
                "python3",
                "-c",
                "x"
            ]
        );
        let k = transport_argv(
            &spec(&[
                ("ansible_connection", "kubectl"),
                ("ansible_kubectl_namespace", "ns"),
                ("ansible_kubectl_container", "web"),
            ]),
            &boot,
        )
        .unwrap();
        assert_eq!(
            k,
            [
                "kubectl",
                "--namespace",
                "ns",
                "exec",
                "-i",
                "c1",
                "-c",
                "web",
                "--",
                "python3",
                "-c",
                "x"
            ]
        );
    }

    #[test]
    fn ssh_quotes_the_remote_command() {
        let boot = vec![
            "/usr/bin/env".to_string(),
            "A=b c".to_string(),
            "python3".to_string(),
        ];
        let s = transport_argv(
            &spec(&[
                ("ansible_host", "h"),
                ("ansible_port", "2200"),
                ("ansible_user", "u"),
            ]),
            &boot,
        )
        .unwrap();
        assert_eq!(s.last().unwrap(), "/usr/bin/env 'A=b c' python3");
        assert!(s.windows(2).any(|w| w == ["-p", "2200"]));
        assert!(s.contains(&"BatchMode=yes".to_string()));
    }
}
