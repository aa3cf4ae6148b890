//! The in-process SSH client (russh): from ansible's connection variables
//! to a running remote command whose stdin/stdout carry the agent protocol.
//!
//! - `target` — [`SshTarget`]: ansible's variables → ssh's command line →
//!   `ssh -G` (ssh_config honoured) → connection settings; and whether only
//!   the ssh binary can do it ([`SshTarget::needs_system_ssh`]).
//! - `args` — ansible's shlex splitting and ssh's getopt reading.
//! - `known_hosts` — OpenSSH's known_hosts matching and recording.
//! - `connect` — resolve, TCP, handshake, host key check, under one deadline.
//! - `auth` — none → publickey (agent, files) → keyboard-interactive → password.
//! - `keyfile` — key files: public half, unlocking (off the async workers, cached).
//! - `exec` — [`SshExec`]: the command's streams and exit status.
//! - `error` — [`SshError`], classified and worded like ssh.

mod args;
mod auth;
mod connect;
mod error;
mod exec;
mod keyfile;
mod known_hosts;
mod target;

pub use error::{SshError, TimeoutPhase};
pub use exec::{
    STDERR_BUFFER_LIMIT, SshExec, SshExitStatus, SshExitWaiter, SshStderr, SshStdin, SshStdout,
};
pub use target::{AddressFamily, AnsibleSshVars, HostKeyChecking, SshTarget};

use russh::ChannelMsg;

/// Connects to `target` (the connect timeout covers resolution, TCP, the
/// handshake, authentication and starting the command), runs `command`
/// (a shell command line, as ssh sends it) and returns its streams.
pub async fn exec(target: &SshTarget, command: &str) -> Result<SshExec, SshError> {
    let connection = connect::connect(target).await?;
    let start = async {
        let channel = connection
            .handle
            .channel_open_session()
            .await
            .map_err(|e| SshError::Channel {
                message: format!("cannot open a session channel: {e}"),
            })?;
        channel
            .exec(true, command)
            .await
            .map_err(|e| SshError::Channel {
                message: format!("cannot start the remote command: {e}"),
            })?;
        let (mut read, write) = channel.split();
        // Wait for the server's answer to the exec request; anything that
        // comes before it goes to the streams.
        let mut early = Vec::new();
        loop {
            match read.wait().await {
                Some(ChannelMsg::Success) => break,
                Some(ChannelMsg::Failure) => {
                    return Err(SshError::Channel {
                        message: "the server refused to run the command".to_string(),
                    });
                }
                Some(other) => early.push(other),
                None => {
                    return Err(SshError::Channel {
                        message: "the connection closed while starting the command".to_string(),
                    });
                }
            }
        }
        Ok((read, write, early))
    };
    let (read, write, early) = connect::within(connection.deadline, start)
        .await
        .ok_or_else(|| SshError::Timeout {
            host: target.hostname.clone(),
            port: target.port,
            phase: TimeoutPhase::Session,
        })??;
    Ok(SshExec::start(
        connection.handle,
        connection.disconnect,
        read,
        write,
        early,
    ))
}
