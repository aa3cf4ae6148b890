//! Why an SSH connection failed, classified, worded like OpenSSH's own
//! messages: ansible shows ssh's stderr after "Failed to connect to the host
//! via ssh: " for UNREACHABLE hosts, and users search for those words.

use std::path::PathBuf;

/// The phase a connection attempt was in when its timeout expired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeoutPhase {
    /// Resolving the host name.
    NameResolution,
    /// TCP connect.
    Connect,
    /// Waiting for the server's `SSH-2.0-...` identification.
    Banner,
    /// Key exchange and host key verification.
    KeyExchange,
    /// User authentication.
    Authentication,
    /// Opening the session channel and starting the command.
    Session,
}

#[derive(Debug, thiserror::Error)]
pub enum SshError {
    /// The connection settings cannot be used: bad ssh arguments, an
    /// ssh_config that `ssh -G` rejects, an unknown option value.
    #[error("{message}")]
    Config { message: String },

    #[error("ssh: Could not resolve hostname {host}: {reason}")]
    NameResolution { host: String, reason: String },

    #[error("ssh: connect to host {host} port {port}: Connection refused")]
    Refused { host: String, port: u16 },

    #[error("{}", timeout_message(host, *port, *phase))]
    Timeout {
        host: String,
        port: u16,
        phase: TimeoutPhase,
    },

    /// Any other TCP-level failure (no route to host, network unreachable).
    #[error("ssh: connect to host {host} port {port}: {reason}")]
    Connect {
        host: String,
        port: u16,
        reason: String,
    },

    /// Strict checking is on and no key of the offered type is known.
    #[error(
        "No {key_type} host key is known for {host} and you have requested strict checking.\n\
         Host key verification failed."
    )]
    HostKeyUnknown {
        /// The name looked up in known_hosts (`[host]:port`, or the alias).
        host: String,
        /// OpenSSH's short type name: ED25519, RSA, ECDSA, DSA.
        key_type: String,
        fingerprint: String,
    },

    /// known_hosts holds a different key of the same type for this host.
    #[error("{}", host_key_changed_message(host, key_type, fingerprint, known_hosts, *line))]
    HostKeyChanged {
        host: String,
        key_type: String,
        fingerprint: String,
        /// The file and 1-based line of the offending (old) key.
        known_hosts: PathBuf,
        line: usize,
    },

    /// The server's key is listed under `@revoked`.
    #[error(
        "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n\
         @       WARNING: REVOKED HOST KEY DETECTED!               @\n\
         @@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n\
         The {key_type} host key for {host} is marked as revoked ({}:{line}).\n\
         This could mean that a stolen key is being used to\n\
         impersonate this host.\n\
         Host key verification failed.",
        known_hosts.display()
    )]
    HostKeyRevoked {
        host: String,
        key_type: String,
        fingerprint: String,
        known_hosts: PathBuf,
        line: usize,
    },

    /// Every authentication method we could use was refused.
    #[error("{}", auth_failed_message(user, host, server_methods, tried))]
    AuthFailed {
        user: String,
        host: String,
        /// The methods the server said could continue (OpenSSH prints these).
        server_methods: Vec<String>,
        /// What we tried, in order, e.g. `publickey /root/.ssh/id_ed25519
        /// (ED25519 SHA256:...)`, `password`, and keys we had to skip.
        tried: Vec<String>,
    },

    /// The SSH conversation itself failed: no common algorithm, the server
    /// closed the connection, a bad packet.
    #[error("{message}")]
    Protocol { message: String },

    /// Connected and authenticated, but the server refused the session
    /// channel or the command.
    #[error("{message}")]
    Channel { message: String },
}

impl SshError {
    /// The message ansible prints for an UNREACHABLE host when its ssh
    /// connection fails this way.
    pub fn unreachable_message(&self) -> String {
        format!("Failed to connect to the host via ssh: {self}")
    }
}

impl From<russh::Error> for SshError {
    fn from(e: russh::Error) -> Self {
        SshError::Protocol {
            message: e.to_string(),
        }
    }
}

fn timeout_message(host: &str, port: u16, phase: TimeoutPhase) -> String {
    match phase {
        TimeoutPhase::NameResolution => {
            format!("ssh: Could not resolve hostname {host}: Timed out")
        }
        TimeoutPhase::Connect => {
            format!("ssh: connect to host {host} port {port}: Connection timed out")
        }
        TimeoutPhase::Banner => format!(
            "Connection timed out during banner exchange\nConnection to {host} port {port} timed out"
        ),
        TimeoutPhase::KeyExchange => format!(
            "Connection timed out during key exchange\nConnection to {host} port {port} timed out"
        ),
        TimeoutPhase::Authentication => format!(
            "Connection timed out during authentication\nConnection to {host} port {port} timed out"
        ),
        TimeoutPhase::Session => format!(
            "Connection timed out while starting the remote command\n\
             Connection to {host} port {port} timed out"
        ),
    }
}

fn host_key_changed_message(
    host: &str,
    key_type: &str,
    fingerprint: &str,
    known_hosts: &std::path::Path,
    line: usize,
) -> String {
    let file = known_hosts.display();
    format!(
        "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n\
         @    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\n\
         @@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n\
         IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!\n\
         Someone could be eavesdropping on you right now (man-in-the-middle attack)!\n\
         It is also possible that a host key has just been changed.\n\
         The fingerprint for the {key_type} key sent by the remote host is\n\
         {fingerprint}.\n\
         Please contact your system administrator.\n\
         Add correct host key in {file} to get rid of this message.\n\
         Offending {key_type} key in {file}:{line}\n  \
         remove with:\n  \
         ssh-keygen -f \"{file}\" -R \"{host}\"\n\
         Host key for {host} has changed and you have requested strict checking.\n\
         Host key verification failed."
    )
}

fn auth_failed_message(
    user: &str,
    host: &str,
    server_methods: &[String],
    tried: &[String],
) -> String {
    let mut text = format!(
        "{user}@{host}: Permission denied ({}).",
        server_methods.join(",")
    );
    if !tried.is_empty() {
        text.push_str("\nTried: ");
        text.push_str(&tried.join("; "));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_read_like_openssh() {
        let refused = SshError::Refused {
            host: "127.0.0.1".into(),
            port: 1,
        };
        assert_eq!(
            refused.unreachable_message(),
            "Failed to connect to the host via ssh: ssh: connect to host 127.0.0.1 port 1: Connection refused"
        );
        let auth = SshError::AuthFailed {
            user: "root".into(),
            host: "127.0.0.1".into(),
            server_methods: vec!["publickey".into(), "password".into()],
            tried: vec![],
        };
        assert_eq!(
            auth.to_string(),
            "root@127.0.0.1: Permission denied (publickey,password)."
        );
        let changed = SshError::HostKeyChanged {
            host: "[127.0.0.1]:2299".into(),
            key_type: "ED25519".into(),
            fingerprint: "SHA256:abc".into(),
            known_hosts: PathBuf::from("/tmp/kh"),
            line: 3,
        };
        let text = changed.to_string();
        assert!(text.contains("REMOTE HOST IDENTIFICATION HAS CHANGED"));
        assert!(text.contains("Offending ED25519 key in /tmp/kh:3\n"));
        assert!(text.contains("ssh-keygen -f \"/tmp/kh\" -R \"[127.0.0.1]:2299\""));
        assert!(text.ends_with("Host key verification failed."));
    }
}
