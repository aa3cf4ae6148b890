//! A running remote command as tokio byte streams: stdin, stdout, stderr
//! and its exit status. A pump task moves the channel's messages into
//! per-stream queues so each part can live in a different task.
//!
//! Invariants: stdout is bounded (an unread stdout stops the SSH channel,
//! which stops the sender through SSH flow control); stderr is buffered up
//! to a limit and dropped beyond it, so an unread stderr never blocks
//! stdout. The connection lives until every part is dropped.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};

use russh::client::{Handle, Msg};
use russh::keys::ssh_encoding::bytes::Bytes;
use russh::{ChannelMsg, ChannelReadHalf, ChannelWriteHalf};
use russh::{Disconnect, Sig};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::{mpsc, watch};

use super::connect::{ClientHandler, DisconnectNote};

/// Chunks of stdout queued between the channel and the reader: with
/// russh's packets of at most 32 KiB this bounds it to about 2 MiB.
const STDOUT_QUEUE_CHUNKS: usize = 64;
/// Unread stderr kept before further stderr is dropped.
pub const STDERR_BUFFER_LIMIT: usize = 16 * 1024 * 1024;

/// How the remote command ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SshExitStatus {
    /// `exit-status`: the command's exit code.
    Exited(u32),
    /// `exit-signal`: the command was killed by a signal.
    Signaled {
        /// Without the SIG prefix, e.g. `KILL`.
        signal: String,
        core_dumped: bool,
        message: String,
    },
    /// The channel closed without reporting a status.
    NoStatus,
    /// The connection broke before the channel closed (keepalive timeout,
    /// server gone), with the reason.
    ConnectionLost(String),
}

/// A remote command started by [`super::exec`]. Its parts may be moved
/// apart (`let SshExec { stdin, stdout, .. } = exec;`); the connection is
/// closed when the last of them is dropped.
pub struct SshExec {
    pub stdin: SshStdin,
    pub stdout: SshStdout,
    pub stderr: SshStderr,
    pub exit: SshExitWaiter,
}

impl SshExec {
    /// Waits until the command has ended and the channel closed. Read
    /// stdout (and stderr) concurrently, or a chatty command never ends.
    pub async fn wait(&mut self) -> SshExitStatus {
        self.exit.wait().await
    }
}

/// Closes the connection once no part of the command needs it.
struct ConnectionGuard {
    handle: Option<Handle<ClientHandler>>,
    pump: tokio::task::AbortHandle,
}

impl Drop for ConnectionGuard {
    fn drop(&mut self) {
        self.pump.abort();
        if let (Some(handle), Ok(runtime)) =
            (self.handle.take(), tokio::runtime::Handle::try_current())
        {
            // Say goodbye properly when we can; dropping the handle alone
            // also ends the connection.
            runtime.spawn(async move {
                let _ = handle.disconnect(Disconnect::ByApplication, "", "en").await;
            });
        }
    }
}

impl SshExec {
    pub(crate) fn start(
        handle: Handle<ClientHandler>,
        disconnect: DisconnectNote,
        read: ChannelReadHalf,
        write: ChannelWriteHalf<Msg>,
        early: Vec<ChannelMsg>,
    ) -> SshExec {
        let (stdout_tx, stdout_rx) = mpsc::channel(STDOUT_QUEUE_CHUNKS);
        let (stderr_tx, stderr_rx) = mpsc::unbounded_channel();
        let stderr_buffered = Arc::new(AtomicUsize::new(0));
        let stderr_dropped = Arc::new(AtomicUsize::new(0));
        let (status_tx, status_rx) = watch::channel(None);
        let pump = Pump {
            stdout: Some(stdout_tx),
            stderr: Some(stderr_tx),
            stderr_buffered: stderr_buffered.clone(),
            stderr_dropped: stderr_dropped.clone(),
            status: None,
        };
        let task = tokio::spawn(pump.run(read, early, status_tx, disconnect.clone()));
        let guard = Arc::new(ConnectionGuard {
            handle: Some(handle),
            pump: task.abort_handle(),
        });
        SshExec {
            stdin: SshStdin {
                writer: Box::pin(write.make_writer()),
                write_half: Some(write),
                eof_sent: false,
                _connection: guard.clone(),
            },
            stdout: SshStdout {
                queue: ChunkQueue::new(Source::Bounded(stdout_rx), None),
                _connection: guard.clone(),
            },
            stderr: SshStderr {
                queue: ChunkQueue::new(Source::Unbounded(stderr_rx), Some(stderr_buffered)),
                dropped: stderr_dropped,
                _connection: guard.clone(),
            },
            exit: SshExitWaiter {
                status: status_rx,
                disconnect,
                _connection: guard,
            },
        }
    }
}

/// Moves channel messages to the stream queues until the channel closes.
struct Pump {
    /// None once the remote sent EOF (or the reader went away).
    stdout: Option<mpsc::Sender<Bytes>>,
    stderr: Option<mpsc::UnboundedSender<Bytes>>,
    stderr_buffered: Arc<AtomicUsize>,
    stderr_dropped: Arc<AtomicUsize>,
    status: Option<SshExitStatus>,
}

impl Pump {
    async fn run(
        mut self,
        mut read: ChannelReadHalf,
        early: Vec<ChannelMsg>,
        status_tx: watch::Sender<Option<SshExitStatus>>,
        disconnect: DisconnectNote,
    ) {
        let mut closed = false;
        for msg in early {
            closed |= self.handle(msg).await;
        }
        while !closed {
            match read.wait().await {
                Some(msg) => closed = self.handle(msg).await,
                None => {
                    // The session ended without closing the channel.
                    let reason = disconnect
                        .lock()
                        .ok()
                        .and_then(|n| n.clone())
                        .unwrap_or_else(|| "connection closed".to_string());
                    self.status
                        .get_or_insert(SshExitStatus::ConnectionLost(reason));
                    break;
                }
            }
        }
        // Readers see end-of-file once the senders are gone.
        self.stdout = None;
        self.stderr = None;
        let status = self.status.take().unwrap_or(SshExitStatus::NoStatus);
        let _ = status_tx.send(Some(status));
    }

    /// Handles one message; true when the channel is closed.
    async fn handle(&mut self, msg: ChannelMsg) -> bool {
        match msg {
            ChannelMsg::Data { data } => {
                if let Some(tx) = &self.stdout
                    && tx.send(data).await.is_err()
                {
                    // Nobody reads stdout any more: discard the rest.
                    self.stdout = None;
                }
            }
            ChannelMsg::ExtendedData { data, ext: 1 } => self.push_stderr(data),
            ChannelMsg::Eof => {
                self.stdout = None;
                self.stderr = None;
            }
            ChannelMsg::ExitStatus { exit_status } => {
                self.status = Some(SshExitStatus::Exited(exit_status));
            }
            ChannelMsg::ExitSignal {
                signal_name,
                core_dumped,
                error_message,
                ..
            } => {
                self.status = Some(SshExitStatus::Signaled {
                    signal: signal_text(&signal_name),
                    core_dumped,
                    message: error_message,
                });
            }
            ChannelMsg::Close => return true,
            _ => {}
        }
        false
    }

    fn push_stderr(&mut self, data: Bytes) {
        let Some(tx) = &self.stderr else { return };
        let len = data.len();
        if self.stderr_buffered.load(Ordering::Acquire) + len > STDERR_BUFFER_LIMIT {
            self.stderr_dropped.fetch_add(len, Ordering::AcqRel);
            return;
        }
        self.stderr_buffered.fetch_add(len, Ordering::AcqRel);
        if tx.send(data).is_err() {
            self.stderr = None;
        }
    }
}

fn signal_text(signal: &Sig) -> String {
    match signal {
        Sig::Custom(name) => name.clone(),
        other => format!("{other:?}"),
    }
}

enum Source {
    Bounded(mpsc::Receiver<Bytes>),
    Unbounded(mpsc::UnboundedReceiver<Bytes>),
}

/// An `AsyncRead` over a queue of byte chunks; end of file when the queue's
/// sender is gone and everything was read.
struct ChunkQueue {
    source: Source,
    current: Bytes,
    /// Shared count of queued bytes (stderr's limit), decremented as read.
    buffered: Option<Arc<AtomicUsize>>,
}

impl ChunkQueue {
    fn new(source: Source, buffered: Option<Arc<AtomicUsize>>) -> ChunkQueue {
        ChunkQueue {
            source,
            current: Bytes::new(),
            buffered,
        }
    }

    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        while self.current.is_empty() {
            let next = match &mut self.source {
                Source::Bounded(rx) => rx.poll_recv(cx),
                Source::Unbounded(rx) => rx.poll_recv(cx),
            };
            match next {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => return Poll::Ready(Ok(())),
                Poll::Ready(Some(chunk)) => self.current = chunk,
            }
        }
        let n = self.current.len().min(buf.remaining());
        buf.put_slice(&self.current.split_to(n));
        if let Some(buffered) = &self.buffered {
            buffered.fetch_sub(n, Ordering::AcqRel);
        }
        Poll::Ready(Ok(()))
    }
}

/// The command's stdout.
pub struct SshStdout {
    queue: ChunkQueue,
    _connection: Arc<ConnectionGuard>,
}

impl AsyncRead for SshStdout {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.queue.poll_read(cx, buf)
    }
}

/// The command's stderr (buffered up to [`STDERR_BUFFER_LIMIT`] unread bytes).
pub struct SshStderr {
    queue: ChunkQueue,
    dropped: Arc<AtomicUsize>,
    _connection: Arc<ConnectionGuard>,
}

impl SshStderr {
    /// Bytes of stderr discarded because too much was left unread.
    pub fn dropped_bytes(&self) -> usize {
        self.dropped.load(Ordering::Acquire)
    }
}

impl AsyncRead for SshStderr {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.queue.poll_read(cx, buf)
    }
}

/// The command's stdin. `shutdown()` sends EOF; dropping it without
/// shutting down sends EOF too (from a spawned task).
pub struct SshStdin {
    writer: Pin<Box<dyn AsyncWrite + Send>>,
    write_half: Option<ChannelWriteHalf<Msg>>,
    eof_sent: bool,
    _connection: Arc<ConnectionGuard>,
}

impl AsyncWrite for SshStdin {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.eof_sent {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "stdin of the remote command was already closed",
            )));
        }
        // russh refuses empty writes; an empty write is a no-op here.
        if data.is_empty() {
            return Poll::Ready(Ok(0));
        }
        self.writer.as_mut().poll_write(cx, data)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.writer.as_mut().poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.eof_sent {
            return Poll::Ready(Ok(()));
        }
        let result = std::task::ready!(self.writer.as_mut().poll_shutdown(cx));
        self.eof_sent = true;
        Poll::Ready(result)
    }
}

impl Drop for SshStdin {
    fn drop(&mut self) {
        if self.eof_sent {
            return;
        }
        if let (Some(write), Ok(runtime)) = (
            self.write_half.take(),
            tokio::runtime::Handle::try_current(),
        ) {
            runtime.spawn(async move {
                let _ = write.eof().await;
            });
        }
    }
}

/// Resolves to the command's exit status.
pub struct SshExitWaiter {
    status: watch::Receiver<Option<SshExitStatus>>,
    disconnect: DisconnectNote,
    _connection: Arc<ConnectionGuard>,
}

impl SshExitWaiter {
    /// Waits until the channel has closed (after the command ended and its
    /// output was sent).
    pub async fn wait(&mut self) -> SshExitStatus {
        match self.status.wait_for(Option::is_some).await {
            Ok(status) => status.clone().unwrap_or(SshExitStatus::NoStatus),
            Err(_) => SshExitStatus::ConnectionLost(
                self.disconnect
                    .lock()
                    .ok()
                    .and_then(|n| n.clone())
                    .unwrap_or_else(|| "connection closed".to_string()),
            ),
        }
    }

    /// The status if the command has already ended.
    pub fn try_status(&self) -> Option<SshExitStatus> {
        self.status.borrow().clone()
    }
}
