//! User authentication in OpenSSH's order: ask the server which methods it
//! takes ("none"), then public keys (ssh-agent keys, then key files), then
//! keyboard-interactive and password with the configured password. Every
//! attempt is recorded so a refusal says what was tried.

use std::path::PathBuf;
use std::sync::Arc;

use russh::MethodSet;
use russh::client::{AuthResult, Handle, KeyboardInteractiveAuthResponse};
use russh::keys::agent::AgentIdentity;
use russh::keys::agent::client::AgentClient;
use russh::keys::{HashAlg, PrivateKey, PrivateKeyWithHashAlg, PublicKey};

use super::connect::ClientHandler;
use super::error::SshError;
use super::keyfile;
use super::known_hosts::{fingerprint, key_type_name};
use super::target::SshTarget;

/// Keyboard-interactive rounds we answer before giving up (a server that
/// keeps asking is not going to accept the password).
const MAX_KBD_INTERACTIVE_ROUNDS: usize = 5;

/// Where the server stands after the last attempt.
struct Progress {
    /// Methods the server says can continue; None until it told us.
    server_methods: Option<Vec<String>>,
    tried: Vec<String>,
}

impl Progress {
    fn allows(&self, method: &str) -> bool {
        self.server_methods
            .as_ref()
            .is_none_or(|m| m.iter().any(|x| x == method))
    }

    /// Records a failure reply; true when the server accepted the method as
    /// one step of several (partial success).
    fn failed(&mut self, remaining: &MethodSet, partial_success: bool) -> bool {
        self.server_methods = Some(method_names(remaining));
        partial_success
    }
}

fn method_names(set: &MethodSet) -> Vec<String> {
    set.iter().map(|m| <&str>::from(m).to_string()).collect()
}

enum Outcome {
    Authenticated,
    /// Refused, or the method did not apply; try the next one.
    Continue,
}

/// `passwords_allowed` is false when the host key changed and checking is
/// off: like ssh, we then only use keys.
pub(crate) async fn authenticate(
    handle: &mut Handle<ClientHandler>,
    target: &SshTarget,
    passwords_allowed: bool,
) -> Result<(), SshError> {
    let user = target.user.as_str();
    let mut progress = Progress {
        server_methods: None,
        tried: Vec::new(),
    };
    if !passwords_allowed && target.password.is_some() {
        progress.tried.push(
            "password and keyboard-interactive disabled: the host key changed \
             (as ssh does, to avoid man-in-the-middle attacks)"
                .to_string(),
        );
    }
    match handle.authenticate_none(user).await? {
        AuthResult::Success => return Ok(()),
        AuthResult::Failure {
            remaining_methods,
            partial_success,
        } => {
            progress.failed(&remaining_methods, partial_success);
        }
    }
    // A method can be needed more than once when the server asks for
    // several (e.g. publickey,password): loop until nothing more applies.
    let mut done_methods: Vec<&str> = Vec::new();
    loop {
        let next = target
            .preferred_authentications
            .iter()
            .map(String::as_str)
            .find(|m| {
                !done_methods.contains(m)
                    && progress.allows(m)
                    && enabled(target, m, passwords_allowed)
            });
        let Some(method) = next else { break };
        done_methods.push(method);
        let outcome = match method {
            "publickey" => publickey(handle, target, &mut progress).await?,
            "keyboard-interactive" => keyboard_interactive(handle, target, &mut progress).await?,
            "password" => password(handle, target, &mut progress).await?,
            _ => Outcome::Continue,
        };
        if let Outcome::Authenticated = outcome {
            return Ok(());
        }
    }
    Err(SshError::AuthFailed {
        user: user.to_string(),
        host: target.hostname.clone(),
        server_methods: progress.server_methods.unwrap_or_default(),
        tried: progress.tried,
    })
}

/// Methods this client can use with this configuration.
fn enabled(target: &SshTarget, method: &str, passwords_allowed: bool) -> bool {
    let has_password = passwords_allowed && target.password.is_some();
    match method {
        "publickey" => target.pubkey_authentication,
        "keyboard-interactive" => target.kbd_interactive_authentication && has_password,
        "password" => target.password_authentication && has_password,
        // gssapi-with-mic, hostbased: not implemented (see needs_system_ssh).
        _ => false,
    }
}

/// One key to offer: held by the agent, or a private key we hold.
enum Candidate {
    Agent(PublicKey),
    Private {
        key: Arc<PrivateKey>,
        origin: String,
    },
}

fn describe(key: &PublicKey) -> String {
    format!("{} {}", key_type_name(key), fingerprint(key))
}

/// OpenSSH's order (sshconnect2.c `pubkey_prepare`): agent keys in the
/// agent's order (only those matching an IdentityFile when IdentitiesOnly),
/// then the remaining identity files. Keys given as text come first: ansible
/// adds them to an agent and sets IdentitiesOnly.
async fn publickey(
    handle: &mut Handle<ClientHandler>,
    target: &SshTarget,
    progress: &mut Progress,
) -> Result<Outcome, SshError> {
    let passphrase = target.passphrase.as_deref();
    let mut candidates: Vec<Candidate> = Vec::new();
    for (index, text) in target.private_keys.iter().enumerate() {
        match keyfile::unlock_key(text, passphrase) {
            Ok(key) => candidates.push(Candidate::Private {
                key: Arc::new(key),
                origin: format!("ansible_private_key #{}", index + 1),
            }),
            Err(why) => progress
                .tried
                .push(format!("skipped ansible_private_key #{}: {why}", index + 1)),
        }
    }

    // (file, its public key if we could read it)
    let mut files: Vec<(PathBuf, Option<PublicKey>)> = Vec::new();
    for file in &target.identity_files {
        if !file.exists() {
            if target.explicit_identity_files.contains(file) {
                progress
                    .tried
                    .push(format!("no such identity: {}", file.display()));
            }
            continue;
        }
        files.push((file.clone(), keyfile::public_key(file)));
    }

    let mut agent = None;
    if let Some(socket) = &target.identity_agent {
        match AgentClient::connect_uds(socket).await {
            Ok(mut client) => match client.request_identities().await {
                Ok(identities) => {
                    for identity in identities {
                        let AgentIdentity::PublicKey { key, .. } = identity else {
                            continue; // certificates are not used
                        };
                        let file_index = files.iter().position(|(_, public)| {
                            public
                                .as_ref()
                                .is_some_and(|p| p.key_data() == key.key_data())
                        });
                        match file_index {
                            Some(i) => {
                                files.remove(i);
                                candidates.push(Candidate::Agent(key));
                            }
                            None if !target.identities_only => {
                                candidates.push(Candidate::Agent(key))
                            }
                            None => {}
                        }
                    }
                    agent = Some(client);
                }
                Err(e) => progress.tried.push(format!(
                    "ssh-agent at {} did not list keys: {e}",
                    socket.display()
                )),
            },
            Err(e) => progress.tried.push(format!(
                "cannot connect to ssh-agent at {}: {e}",
                socket.display()
            )),
        }
    }

    let rsa_hash = rsa_hash(handle).await;
    let user = target.user.as_str();
    // Files are decrypted only when their turn comes: earlier keys may
    // already be accepted.
    let mut queue: Vec<QueuedKey> = candidates.into_iter().map(QueuedKey::Ready).collect();
    queue.extend(files.into_iter().map(|(file, _)| QueuedKey::File(file)));
    for queued in queue {
        let candidate = match queued {
            QueuedKey::Ready(c) => c,
            QueuedKey::File(file) => match keyfile::load_private_key(&file, passphrase).await {
                Ok(key) => Candidate::Private {
                    key,
                    origin: file.display().to_string(),
                },
                Err(why) => {
                    progress
                        .tried
                        .push(format!("skipped key {}: {why}", file.display()));
                    continue;
                }
            },
        };
        if !progress.allows("publickey") {
            break;
        }
        let result = match candidate {
            Candidate::Agent(key) => {
                progress
                    .tried
                    .push(format!("publickey from ssh-agent ({})", describe(&key)));
                let Some(client) = agent.as_mut() else {
                    continue;
                };
                let hash = if key.algorithm().is_rsa() {
                    rsa_hash
                } else {
                    None
                };
                match handle
                    .authenticate_publickey_with(user, key, hash, client)
                    .await
                {
                    Ok(result) => result,
                    Err(e) => {
                        progress
                            .tried
                            .push(format!("ssh-agent refused to sign: {e}"));
                        continue;
                    }
                }
            }
            Candidate::Private { key, origin } => {
                progress.tried.push(format!(
                    "publickey {origin} ({})",
                    describe(key.public_key())
                ));
                let key = PrivateKeyWithHashAlg::new(key, rsa_hash);
                handle.authenticate_publickey(user, key).await?
            }
        };
        match result {
            AuthResult::Success => return Ok(Outcome::Authenticated),
            AuthResult::Failure {
                remaining_methods,
                partial_success,
            } => {
                if progress.failed(&remaining_methods, partial_success) {
                    // This key was one factor of several: go on with the
                    // other methods the server now asks for.
                    return Ok(Outcome::Continue);
                }
            }
        }
    }
    Ok(Outcome::Continue)
}

enum QueuedKey {
    Ready(Candidate),
    File(PathBuf),
}

/// The RSA signature hash the server takes (server-sig-algs); SHA-1
/// (`ssh-rsa`) when it does not say, as OpenSSH does.
async fn rsa_hash(handle: &Handle<ClientHandler>) -> Option<HashAlg> {
    handle
        .best_supported_rsa_hash()
        .await
        .ok()
        .flatten()
        .flatten()
}

async fn keyboard_interactive(
    handle: &mut Handle<ClientHandler>,
    target: &SshTarget,
    progress: &mut Progress,
) -> Result<Outcome, SshError> {
    let Some(password) = target.password.as_deref() else {
        return Ok(Outcome::Continue);
    };
    progress.tried.push("keyboard-interactive".to_string());
    let mut reply = handle
        .authenticate_keyboard_interactive_start(target.user.as_str(), None)
        .await?;
    for _ in 0..MAX_KBD_INTERACTIVE_ROUNDS {
        match reply {
            KeyboardInteractiveAuthResponse::Success => return Ok(Outcome::Authenticated),
            KeyboardInteractiveAuthResponse::Failure {
                remaining_methods,
                partial_success,
            } => {
                progress.failed(&remaining_methods, partial_success);
                return Ok(Outcome::Continue);
            }
            KeyboardInteractiveAuthResponse::InfoRequest { prompts, .. } => {
                // Hidden prompts get the password (PAM's "Password: "); echoed
                // ones are questions we have no answer for.
                let answers = prompts
                    .iter()
                    .map(|p| {
                        if p.echo {
                            String::new()
                        } else {
                            password.to_string()
                        }
                    })
                    .collect();
                reply = handle
                    .authenticate_keyboard_interactive_respond(answers)
                    .await?;
            }
        }
    }
    progress
        .tried
        .push("keyboard-interactive: too many prompts".to_string());
    Ok(Outcome::Continue)
}

async fn password(
    handle: &mut Handle<ClientHandler>,
    target: &SshTarget,
    progress: &mut Progress,
) -> Result<Outcome, SshError> {
    let Some(password) = target.password.as_deref() else {
        return Ok(Outcome::Continue);
    };
    progress.tried.push("password".to_string());
    match handle
        .authenticate_password(target.user.as_str(), password)
        .await?
    {
        AuthResult::Success => Ok(Outcome::Authenticated),
        AuthResult::Failure {
            remaining_methods,
            partial_success,
        } => {
            progress.failed(&remaining_methods, partial_success);
            Ok(Outcome::Continue)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use russh::MethodKind;

    #[test]
    fn method_kinds_have_openssh_names() {
        let set = MethodSet::from(&[MethodKind::PublicKey, MethodKind::Password][..]);
        assert_eq!(method_names(&set), vec!["publickey", "password"]);
    }
}
