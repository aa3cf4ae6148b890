//! The default backend: `ssh` targets through the in-process russh client
//! (unless the configuration or the user asks for the ssh binary), every
//! other transport through its command line (`CommandBackend`).
//!
//! Only the controller's first hop uses this: a `via` hop runs the ssh
//! binary on the hop itself (the agent there spawns `transport_argv`).

use super::backend::{Backend, CommandBackend, SpawnFuture, Spawned, TransportProcess};
use super::bootstrap::shell_join;
use super::error::{Unreachable, UnreachableKind};
use super::spec::{ConnectionSpec, SshBackend, TransportKind};
use super::ssh::{self, SshError, SshTarget};
use std::future::Future;
use std::pin::Pin;

/// Chooses the client per spec: russh for `ssh` by default, the ssh binary
/// when `mitorun_ssh_backend=binary` or when `SshTarget::needs_system_ssh`
/// gives a reason (ProxyCommand, ProxyJump, PKCS#11 ...).
pub struct DefaultBackend;

impl Backend for DefaultBackend {
    fn spawn<'a>(&'a self, spec: &'a ConnectionSpec, boot_argv: &'a [String]) -> SpawnFuture<'a> {
        Box::pin(async move {
            if spec.transport != TransportKind::Ssh || spec.ssh_backend == SshBackend::Binary {
                return CommandBackend.spawn(spec, boot_argv).await;
            }
            let target = SshTarget::from_ansible(&spec.ssh_vars)
                .await
                .map_err(|e| unreachable_from(&e))?;
            if let Some(reason) = target.needs_system_ssh() {
                if spec.ssh_backend == SshBackend::Russh {
                    return Err(Unreachable::new(
                        UnreachableKind::Other,
                        format!(
                            "Failed to connect to the host via ssh: mitorun_ssh_backend=russh, \
                             but this configuration needs the ssh binary: {reason}"
                        ),
                    ));
                }
                return CommandBackend.spawn(spec, boot_argv).await;
            }
            spawn_russh(&target, boot_argv).await
        })
    }
}

/// Runs the boot command over an in-process SSH connection.
pub async fn spawn_russh(target: &SshTarget, boot_argv: &[String]) -> Result<Spawned, Unreachable> {
    let exec = ssh::exec(target, &shell_join(boot_argv))
        .await
        .map_err(|e| unreachable_from(&e))?;
    let ssh::SshExec {
        stdin,
        stdout,
        stderr,
        exit,
    } = exec;
    Ok(Spawned {
        stdin: Box::new(stdin),
        stdout: Box::new(stdout),
        stderr: Box::new(stderr),
        // The exit waiter holds the connection: dropping it (after the
        // streams) closes the session, as killing ssh would.
        guard: Box::new(exit),
        name: "ssh".to_string(),
    })
}

impl TransportProcess for ssh::SshExitWaiter {
    fn wait(&mut self) -> Pin<Box<dyn Future<Output = Option<i32>> + Send + '_>> {
        Box::pin(async move {
            match ssh::SshExitWaiter::wait(self).await {
                // ssh's own convention: a status beyond i32 cannot happen.
                ssh::SshExitStatus::Exited(code) => i32::try_from(code).ok(),
                _ => None,
            }
        })
    }
}

/// The cause class of a client error, for UNREACHABLE reporting.
pub fn unreachable_kind(e: &SshError) -> UnreachableKind {
    match e {
        SshError::Refused { .. } => UnreachableKind::Refused,
        SshError::Timeout { .. } => UnreachableKind::Timeout,
        SshError::HostKeyUnknown { .. }
        | SshError::HostKeyChanged { .. }
        | SshError::HostKeyRevoked { .. } => UnreachableKind::HostKey,
        SshError::AuthFailed { .. } => UnreachableKind::Auth,
        SshError::Config { .. }
        | SshError::NameResolution { .. }
        | SshError::Connect { .. }
        | SshError::Protocol { .. }
        | SshError::Channel { .. } => UnreachableKind::Other,
    }
}

pub fn unreachable_from(e: &SshError) -> Unreachable {
    Unreachable::new(unreachable_kind(e), e.unreachable_message())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::ssh::TimeoutPhase;

    #[test]
    fn client_errors_map_to_unreachable_kinds() {
        let cases = [
            (
                SshError::Refused {
                    host: "h".into(),
                    port: 22,
                },
                UnreachableKind::Refused,
            ),
            (
                SshError::Timeout {
                    host: "h".into(),
                    port: 22,
                    phase: TimeoutPhase::Banner,
                },
                UnreachableKind::Timeout,
            ),
            (
                SshError::AuthFailed {
                    user: "u".into(),
                    host: "h".into(),
                    server_methods: vec!["publickey".into()],
                    tried: vec![],
                },
                UnreachableKind::Auth,
            ),
            (
                SshError::HostKeyUnknown {
                    host: "h".into(),
                    key_type: "ED25519".into(),
                    fingerprint: "SHA256:x".into(),
                },
                UnreachableKind::HostKey,
            ),
            (
                SshError::NameResolution {
                    host: "h".into(),
                    reason: "Name or service not known".into(),
                },
                UnreachableKind::Other,
            ),
        ];
        for (e, kind) in cases {
            let u = unreachable_from(&e);
            assert_eq!(u.kind, kind, "{e}");
            assert!(
                u.msg.starts_with("Failed to connect to the host via ssh: "),
                "{}",
                u.msg
            );
        }
    }
}
