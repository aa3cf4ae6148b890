//! Opening an authenticated SSH connection: name resolution, TCP connect,
//! handshake with host key verification, authentication — all under one
//! deadline, each phase named when it runs out of time.

use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use russh::client::{self, DisconnectReason, Handle};
use russh::keys::PublicKeyOrCertificate;
use russh::keys::{Algorithm, PublicKey};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::Instant;

use super::auth;
use super::error::{SshError, TimeoutPhase};
use super::known_hosts::{self, KnownHosts, Verdict};
use super::target::{AddressFamily, HostKeyChecking, SshTarget};

/// Why the connection ended, when it ended on its own (keepalive timeout,
/// the server went away), for whoever is waiting on the command.
pub(crate) type DisconnectNote = Arc<Mutex<Option<String>>>;

/// russh's callbacks: host key verification and disconnect bookkeeping.
pub(crate) struct ClientHandler {
    host_key: HostKeyPolicy,
    disconnect: DisconnectNote,
}

struct HostKeyPolicy {
    /// The known_hosts name: `host`, `[host]:port` or the HostKeyAlias.
    lookup_name: String,
    known_hosts: KnownHosts,
    checking: HostKeyChecking,
    /// Where a new key is recorded (the first UserKnownHostsFile).
    record_in: Option<PathBuf>,
    hash_names: bool,
    /// Set when checking is off and a changed key was accepted: ssh then
    /// refuses to send passwords (they could go to a man in the middle).
    changed_key_accepted: Arc<AtomicBool>,
}

impl HostKeyPolicy {
    fn check(&self, key: &PublicKey) -> Result<bool, SshError> {
        let verdict = self.known_hosts.check(&self.lookup_name, key);
        let details = || {
            (
                self.lookup_name.clone(),
                known_hosts::key_type_name(key).to_string(),
                known_hosts::fingerprint(key),
            )
        };
        match (verdict, self.checking) {
            (Verdict::Known, _) => Ok(true),
            (Verdict::Revoked { file, line }, _) => {
                let (host, key_type, fingerprint) = details();
                Err(SshError::HostKeyRevoked {
                    host,
                    key_type,
                    fingerprint,
                    known_hosts: file,
                    line,
                })
            }
            // ssh with StrictHostKeyChecking=no connects to a changed host
            // too (ansible's host_key_checking=False relies on it).
            (Verdict::Changed { .. }, HostKeyChecking::Off) => {
                self.changed_key_accepted.store(true, Ordering::Relaxed);
                Ok(true)
            }
            (Verdict::Changed { file, line }, _) => {
                let (host, key_type, fingerprint) = details();
                Err(SshError::HostKeyChanged {
                    host,
                    key_type,
                    fingerprint,
                    known_hosts: file,
                    line,
                })
            }
            (Verdict::Unknown, HostKeyChecking::Strict) => {
                let (host, key_type, fingerprint) = details();
                Err(SshError::HostKeyUnknown {
                    host,
                    key_type,
                    fingerprint,
                })
            }
            (Verdict::Unknown, HostKeyChecking::AcceptNew | HostKeyChecking::Off) => {
                if let Some(file) = &self.record_in {
                    // ssh only warns when it cannot record the key; so do we
                    // (by not failing the connection).
                    let _ = known_hosts::append(file, &self.lookup_name, key, self.hash_names);
                }
                Ok(true)
            }
        }
    }
}

impl client::Handler for ClientHandler {
    type Error = SshError;

    async fn check_server_key(
        &mut self,
        server_key: &PublicKeyOrCertificate,
    ) -> Result<bool, SshError> {
        match server_key {
            PublicKeyOrCertificate::PublicKey { key, .. } => self.host_key.check(key),
            // We never advertise certificate host key algorithms.
            PublicKeyOrCertificate::Certificate(_) => Err(SshError::Protocol {
                message: "the server presented a host certificate, which is not supported"
                    .to_string(),
            }),
        }
    }

    async fn disconnected(&mut self, reason: DisconnectReason<SshError>) -> Result<(), SshError> {
        let note = match &reason {
            DisconnectReason::ReceivedDisconnect(info) => {
                format!("disconnected by the server: {}", info.message)
            }
            DisconnectReason::Error(e) => e.to_string(),
        };
        if let Ok(mut slot) = self.disconnect.lock() {
            slot.get_or_insert(note);
        }
        match reason {
            DisconnectReason::ReceivedDisconnect(_) => Ok(()),
            DisconnectReason::Error(e) => Err(e),
        }
    }
}

/// An authenticated connection.
pub(crate) struct Connection {
    pub handle: Handle<ClientHandler>,
    pub disconnect: DisconnectNote,
    pub deadline: Option<Instant>,
}

/// Connects and authenticates within `target.connect_timeout`.
pub(crate) async fn connect(target: &SshTarget) -> Result<Connection, SshError> {
    let deadline = target.connect_timeout.map(|t| Instant::now() + t);
    let host = target.hostname.as_str();
    let port = target.port;
    let timeout = |phase| SshError::Timeout {
        host: host.to_string(),
        port,
        phase,
    };

    let addresses = within(deadline, resolve(target))
        .await
        .ok_or_else(|| timeout(TimeoutPhase::NameResolution))??;
    let stream = tcp_connect(target, &addresses, deadline).await?;
    let banner_seen = Arc::new(AtomicBool::new(false));
    let stream = WatchedStream {
        inner: stream,
        received: banner_seen.clone(),
    };

    let lookup_name = known_hosts::lookup_name(host, port, target.host_key_alias.as_deref());
    let known = KnownHosts::load(&target.known_hosts_files());
    let disconnect: DisconnectNote = Arc::new(Mutex::new(None));
    let changed_key_accepted = Arc::new(AtomicBool::new(false));
    let handler = ClientHandler {
        host_key: HostKeyPolicy {
            known_hosts: known.clone(),
            lookup_name: lookup_name.clone(),
            checking: target.host_key_checking,
            record_in: target.user_known_hosts_files.first().cloned(),
            hash_names: target.hash_known_hosts,
            changed_key_accepted: changed_key_accepted.clone(),
        },
        disconnect: disconnect.clone(),
    };
    let config = Arc::new(client_config(target, &known.known_algorithms(&lookup_name)));
    let handshake = client::connect_stream(config, stream, handler);
    let mut handle = match within(deadline, handshake).await {
        None => {
            let phase = if banner_seen.load(Ordering::Relaxed) {
                TimeoutPhase::KeyExchange
            } else {
                TimeoutPhase::Banner
            };
            return Err(timeout(phase));
        }
        Some(Err(e)) => return Err(handshake_error(e, host, port)),
        Some(Ok(handle)) => handle,
    };
    let passwords_allowed = !changed_key_accepted.load(Ordering::Relaxed);
    let authentication = auth::authenticate(&mut handle, target, passwords_allowed);
    match within(deadline, authentication).await {
        None => return Err(timeout(TimeoutPhase::Authentication)),
        Some(Err(SshError::Protocol { message })) => {
            return Err(SshError::Protocol {
                message: format!("{message}\nConnection closed by {host} port {port}"),
            });
        }
        Some(result) => result?,
    }
    Ok(Connection {
        handle,
        disconnect,
        deadline,
    })
}

/// Runs `f` until the deadline; None when time ran out.
pub(crate) async fn within<F: Future>(deadline: Option<Instant>, f: F) -> Option<F::Output> {
    match deadline {
        Some(d) => tokio::time::timeout_at(d, f).await.ok(),
        None => Some(f.await),
    }
}

fn client_config(target: &SshTarget, known_algorithms: &[Algorithm]) -> client::Config {
    let mut config = client::Config {
        keepalive_interval: target.keepalive_interval,
        keepalive_max: usize::try_from(target.keepalive_count_max).unwrap_or(usize::MAX),
        inactivity_timeout: None,
        nodelay: true,
        ..client::Config::default()
    };
    // Ask first for host key types known_hosts can vouch for, so a server
    // with several host keys shows the one we know (as OpenSSH does).
    let mut order: Vec<Algorithm> = known_algorithms
        .iter()
        .filter(|a| config.preferred.key.contains(a))
        .cloned()
        .collect();
    for a in config.preferred.key.iter() {
        if !order.contains(a) {
            order.push(a.clone());
        }
    }
    config.preferred.key = order.into();
    config
}

async fn resolve(target: &SshTarget) -> Result<Vec<SocketAddr>, SshError> {
    let host = target.hostname.as_str();
    let found = tokio::net::lookup_host((host, target.port))
        .await
        .map_err(|e| SshError::NameResolution {
            host: host.to_string(),
            reason: resolver_reason(&e),
        })?;
    let addresses: Vec<SocketAddr> = found
        .filter(|a| match target.address_family {
            AddressFamily::Any => true,
            AddressFamily::Inet => a.is_ipv4(),
            AddressFamily::Inet6 => a.is_ipv6(),
        })
        .collect();
    if addresses.is_empty() {
        return Err(SshError::NameResolution {
            host: host.to_string(),
            reason: "Address family for hostname not supported".to_string(),
        });
    }
    Ok(addresses)
}

/// getaddrinfo's own words ("Name or service not known"), without the
/// prefix Rust's standard library adds.
fn resolver_reason(e: &io::Error) -> String {
    let text = e.to_string();
    text.strip_prefix("failed to lookup address information: ")
        .unwrap_or(&text)
        .to_string()
}

/// Tries each address in turn, as ssh does; the last failure is reported.
async fn tcp_connect(
    target: &SshTarget,
    addresses: &[SocketAddr],
    deadline: Option<Instant>,
) -> Result<TcpStream, SshError> {
    let host = target.hostname.as_str();
    let port = target.port;
    let mut last = None;
    for address in addresses {
        match within(deadline, TcpStream::connect(address)).await {
            None => {
                return Err(SshError::Timeout {
                    host: host.to_string(),
                    port,
                    phase: TimeoutPhase::Connect,
                });
            }
            Some(Ok(stream)) => {
                // Small frames must not wait for Nagle: the agent protocol
                // is request/response.
                let _ = stream.set_nodelay(true);
                return Ok(stream);
            }
            Some(Err(e)) => last = Some(e),
        }
    }
    Err(match last {
        Some(e) if e.kind() == io::ErrorKind::ConnectionRefused => SshError::Refused {
            host: host.to_string(),
            port,
        },
        Some(e) if e.kind() == io::ErrorKind::TimedOut => SshError::Timeout {
            host: host.to_string(),
            port,
            phase: TimeoutPhase::Connect,
        },
        Some(e) => SshError::Connect {
            host: host.to_string(),
            port,
            reason: os_reason(&e),
        },
        None => SshError::NameResolution {
            host: host.to_string(),
            reason: "no address".to_string(),
        },
    })
}

/// strerror's text without Rust's " (os error N)" suffix, as ssh prints it.
fn os_reason(e: &io::Error) -> String {
    let text = e.to_string();
    match text.rfind(" (os error ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

/// Words the errors of the handshake like ssh does; our own host key
/// verdicts pass through unchanged.
fn handshake_error(e: SshError, host: &str, port: u16) -> SshError {
    match e {
        SshError::Protocol { message } => {
            let message = if message == russh::Error::Disconnect.to_string()
                || message.contains("Connection reset")
                || message.contains("early eof")
            {
                "kex_exchange_identification: Connection closed by remote host".to_string()
            } else {
                message
            };
            SshError::Protocol {
                message: format!("{message}\nConnection closed by {host} port {port}"),
            }
        }
        other => other,
    }
}

/// A stream that notes when the first byte arrives, so a timeout can say
/// whether the server never spoke (banner) or stalled later (key exchange).
struct WatchedStream {
    inner: TcpStream,
    received: Arc<AtomicBool>,
}

impl AsyncRead for WatchedStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let result = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.received.store(true, Ordering::Relaxed);
        }
        result
    }
}

impl AsyncWrite for WatchedStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, data)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}
