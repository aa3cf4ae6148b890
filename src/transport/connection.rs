//! One stream to a root agent: a writer task, a reader task that
//! demultiplexes replies by request id, and the state shared by every
//! context (interpreter) reached through that stream.

use super::backend::Spawned;
use super::bootstrap::{HELLO_MAGIC, PY_OLD_MARKER, boot_payload};
use super::error::{CallError, Unreachable, UnreachableKind, classify_boot_failure};
use super::frame::{Frame, Kind, read_frame};
use serde_json::{Value as Json, json};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;

/// The root agent's context id; the controller is 0.
pub const ROOT: u32 = 1;
/// Keep this much of the transport's stderr for error messages.
const STDERR_TAIL: usize = 16 * 1024;

/// What an agent says when it starts.
#[derive(Debug, Clone, Default)]
pub struct Hello {
    pub pid: i64,
    pub uid: i64,
    pub user: String,
    pub home: String,
    pub python: String,
    pub version: Vec<i64>,
    /// The interpreter discovery chose, when it ran.
    pub discovered: Option<String>,
    pub tmpdir: Option<String>,
    /// SELinux is enabled (as AnsibleModule sees it): modules then manage
    /// security contexts, which the native file modules do not.
    pub selinux: bool,
    /// `platform.system()` of the target (`Linux`, `FreeBSD`, `Darwin` ...).
    pub system: String,
}

impl Hello {
    pub fn from_header(h: &serde_json::Map<String, Json>) -> Hello {
        let s = |k: &str| {
            h.get(k)
                .and_then(Json::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let i = |k: &str| h.get(k).and_then(Json::as_i64).unwrap_or(-1);
        Hello {
            pid: i("pid"),
            uid: i("uid"),
            user: s("user"),
            home: s("home"),
            python: s("python"),
            version: h
                .get("version")
                .and_then(Json::as_array)
                .map(|v| v.iter().filter_map(Json::as_i64).collect())
                .unwrap_or_default(),
            discovered: h
                .get("discovered")
                .and_then(Json::as_str)
                .map(str::to_string),
            tmpdir: h.get("tmpdir").and_then(Json::as_str).map(str::to_string),
            selinux: h.get("selinux").and_then(Json::as_bool).unwrap_or(false),
            system: s("system"),
        }
    }
}

struct Pending {
    ctx: u32,
    tx: mpsc::UnboundedSender<Frame>,
    /// What was asked and when, for the stack-dump diagnostics.
    what: String,
    since: std::time::Instant,
}

/// A request still waiting for its reply (see `Connection::in_flight`).
#[derive(Debug, Clone)]
pub struct InFlight {
    pub req: u32,
    pub ctx: u32,
    pub what: String,
    pub waiting: std::time::Duration,
}

#[derive(Default)]
struct State {
    pending: HashMap<u32, Pending>,
    dead: Option<Unreachable>,
    dead_ctx: HashMap<u32, Unreachable>,
    parents: HashMap<u32, u32>,
    code_sent: HashSet<String>,
}

/// One LOG frame from an agent: what the agent logged (module runs,
/// environment file changes, warnings), for the `-vvv` display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRecord {
    /// The inventory host of the connection (set by the pool).
    pub host: String,
    /// The interpreter that logged (1: the login interpreter, higher:
    /// become/via children).
    pub context: u32,
    pub pid: i64,
    /// `debug` or `warning`.
    pub level: String,
    pub msg: String,
}

/// Receives LOG frames (`PoolOptions::log`); called on the connection's
/// reader task, so it must not block.
pub type LogSink = Arc<dyn Fn(LogRecord) + Send + Sync>;

pub struct Connection {
    pub name: String,
    log: Mutex<Option<(String, LogSink)>>,
    writer: mpsc::Sender<Vec<u8>>,
    state: Mutex<State>,
    next_req: AtomicU32,
    next_ctx: AtomicU32,
    stderr_tail: Arc<Mutex<Vec<u8>>>,
    guard: Mutex<Option<Box<dyn super::backend::TransportProcess>>>,
    /// Becomes true when the reader sees the end of the stream.
    closed: tokio::sync::watch::Sender<bool>,
}

type Reader = Box<dyn AsyncRead + Send + Unpin>;

impl Connection {
    /// Start the agent on a freshly spawned transport: send the agent and
    /// its configuration at once (no round trip), then wait for HELLO.
    pub async fn boot(
        spawned: Spawned,
        config: Json,
        timeout: Duration,
    ) -> Result<(Arc<Connection>, Hello), Unreachable> {
        let Spawned {
            mut stdin,
            stdout,
            stderr,
            guard,
            name,
        } = spawned;
        let stderr_tail = Arc::new(Mutex::new(Vec::new()));
        let stderr_done = tokio::spawn(collect_stderr(stderr, stderr_tail.clone()));
        let payload = boot_payload(&config);
        let handshake = async {
            // A transport that dies at once closes stdin; the stdout EOF
            // below then carries the reason.
            let _ = stdin.write_all(&payload).await;
            let _ = stdin.flush().await;
            wait_hello(stdout).await
        };
        let outcome = tokio::time::timeout(timeout, handshake).await;
        let tail = |t: &Arc<Mutex<Vec<u8>>>| {
            String::from_utf8_lossy(&t.lock().map(|v| v.clone()).unwrap_or_default()).into_owned()
        };
        let (reader, hello) = match outcome {
            Ok(Ok(ok)) => ok,
            Ok(Err(BootEnd::PythonTooOld(v))) => {
                return Err(Unreachable::new(
                    UnreachableKind::PythonTooOld,
                    format!(
                        "the target's Python is too old for mitorun (3.6 or later is needed): {v}"
                    ),
                ));
            }
            Ok(Err(BootEnd::Closed(out))) => {
                drop(guard);
                let _ = tokio::time::timeout(Duration::from_secs(2), stderr_done).await;
                let mut text = tail(&stderr_tail);
                if text.trim().is_empty() {
                    text = out;
                }
                return Err(classify_boot_failure(&text, None, &name));
            }
            Ok(Err(BootEnd::Io(e))) => {
                return Err(Unreachable::new(
                    UnreachableKind::Other,
                    format!("{name}: {e}"),
                ));
            }
            Err(_) => {
                let text = tail(&stderr_tail);
                let mut u = classify_boot_failure(&text, None, &name);
                if !matches!(
                    u.kind,
                    UnreachableKind::Auth | UnreachableKind::HostKey | UnreachableKind::Refused
                ) {
                    u = Unreachable::new(
                        UnreachableKind::Timeout,
                        format!(
                            "Failed to connect to the host via {name}: timed out after {:?} waiting for the agent{}",
                            timeout,
                            if text.trim().is_empty() {
                                String::new()
                            } else {
                                format!(": {}", text.trim())
                            }
                        ),
                    );
                }
                return Err(u);
            }
        };
        let (wtx, wrx) = mpsc::channel::<Vec<u8>>(256);
        let conn = Arc::new(Connection {
            name,
            log: Mutex::new(None),
            writer: wtx,
            state: Mutex::new(State::default()),
            next_req: AtomicU32::new(1),
            next_ctx: AtomicU32::new(ROOT + 1),
            stderr_tail,
            guard: Mutex::new(Some(guard)),
            closed: tokio::sync::watch::channel(false).0,
        });
        tokio::spawn(write_loop(stdin, wrx));
        tokio::spawn(read_loop(Arc::downgrade(&conn), reader));
        Ok((conn, hello))
    }

    /// Deliver this connection's LOG frames to `sink`, labelled `host`.
    pub fn set_log_sink(&self, host: &str, sink: LogSink) {
        *self.log.lock().unwrap_or_else(|p| p.into_inner()) = Some((host.to_string(), sink));
    }

    fn on_log(&self, frame: &Frame) {
        let sink = self.log.lock().unwrap_or_else(|p| p.into_inner()).clone();
        if let Some((host, sink)) = sink {
            sink(LogRecord {
                host,
                context: frame.src,
                pid: frame.header.get("pid").and_then(Json::as_i64).unwrap_or(-1),
                level: frame.str_field("level").unwrap_or("debug").to_string(),
                msg: frame.str_field("msg").unwrap_or_default().to_string(),
            });
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Why calls to `ctx` cannot be made, if they cannot.
    pub fn dead_reason(&self, ctx: u32) -> Option<Unreachable> {
        let st = self.lock();
        st.dead.clone().or_else(|| st.dead_ctx.get(&ctx).cloned())
    }

    pub fn is_alive(&self, ctx: u32) -> bool {
        self.dead_reason(ctx).is_none()
    }

    fn gone(&self, ctx: u32) -> Unreachable {
        self.dead_reason(ctx).unwrap_or_else(|| {
            Unreachable::new(
                UnreachableKind::Disconnected,
                format!("connection to {} was lost", self.name),
            )
        })
    }

    /// Register a request to `ctx` (`what` says what it asks, for
    /// diagnostics); frames for it arrive on the receiver.
    pub fn register(
        &self,
        ctx: u32,
        what: impl Into<String>,
    ) -> Result<(u32, mpsc::UnboundedReceiver<Frame>), Unreachable> {
        let mut st = self.lock();
        if let Some(d) = st.dead.clone().or_else(|| st.dead_ctx.get(&ctx).cloned()) {
            return Err(d);
        }
        let req = self.next_req.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = mpsc::unbounded_channel();
        st.pending.insert(
            req,
            Pending {
                ctx,
                tx,
                what: what.into(),
                since: std::time::Instant::now(),
            },
        );
        Ok((req, rx))
    }

    /// The requests still waiting for a reply, oldest first.
    pub fn in_flight(&self) -> Vec<InFlight> {
        let st = self.lock();
        let mut waiting: Vec<InFlight> = st
            .pending
            .iter()
            .map(|(req, p)| InFlight {
                req: *req,
                ctx: p.ctx,
                what: p.what.clone(),
                waiting: p.since.elapsed(),
            })
            .collect();
        waiting.sort_by_key(|w| std::cmp::Reverse(w.waiting));
        waiting
    }

    pub fn unregister(&self, req: u32) {
        self.lock().pending.remove(&req);
    }

    pub async fn send(&self, frame: Frame) -> Result<(), Unreachable> {
        let dst = frame.dst;
        self.writer
            .send(frame.encode())
            .await
            .map_err(|_| self.gone(dst))
    }

    /// One request, one reply.
    /// A caller that gives up (a task timeout drops the future) leaves
    /// no pending entry behind.
    pub async fn call(&self, ctx: u32, header: Json, payload: Vec<u8>) -> Result<Frame, CallError> {
        let (req, mut rx) = self.register(ctx, call_description(&header))?;
        let _registered = Registered { conn: self, req };
        self.send(Frame::new(ctx, req, Kind::Call, header, payload))
            .await?;
        loop {
            match rx.recv().await {
                None => return Err(CallError::Unreachable(self.gone(ctx))),
                Some(f) if f.kind == Kind::Reply => return reply_result(f),
                Some(_) => continue,
            }
        }
    }

    /// Send a request without waiting for its reply: requests started one
    /// after another reach the agent in that order (an agent queue can
    /// then run them in order while their replies are awaited together).
    /// Dropping the returned call before its reply unregisters it.
    pub async fn start_call(
        self: &Arc<Self>,
        ctx: u32,
        header: Json,
        payload: Vec<u8>,
    ) -> Result<PendingCall, CallError> {
        let (req, rx) = self.register(ctx, call_description(&header))?;
        let pending = PendingCall {
            conn: Arc::clone(self),
            ctx,
            req,
            rx,
        };
        self.send(Frame::new(ctx, req, Kind::Call, header, payload))
            .await?;
        Ok(pending)
    }

    /// Send module code the connection has not carried yet, as one CODE
    /// frame to `ctx` (every agent it passes caches it). Holding the lock
    /// while queueing keeps a later call from overtaking its code.
    pub async fn ship_code(
        &self,
        ctx: u32,
        items: &[super::modules::CodeItem],
    ) -> Result<(), Unreachable> {
        let frame = {
            let mut st = self.lock();
            let fresh: Vec<&super::modules::CodeItem> = items
                .iter()
                .filter(|i| !st.code_sent.contains(&i.digest))
                .collect();
            if fresh.is_empty() {
                return Ok(());
            }
            let mut payload = Vec::new();
            let mut list = Vec::new();
            for it in &fresh {
                list.push(json!([it.name, it.digest, it.is_pkg, it.source.len()]));
                payload.extend_from_slice(&it.source);
            }
            let frame = Frame::new(ctx, 0, Kind::Code, json!({ "items": list }), payload).encode();
            // try_send keeps the lock scope synchronous; on a full queue
            // fall back to an awaited send after marking (ordering is kept
            // because later callers see the digest as sent only after this
            // frame is queued, below).
            match self.writer.try_send(frame) {
                Ok(()) => {
                    for it in fresh {
                        st.code_sent.insert(it.digest.clone());
                    }
                    return Ok(());
                }
                Err(mpsc::error::TrySendError::Closed(_)) => {
                    return Err(st.dead.clone().unwrap_or_else(|| self.gone(ctx)));
                }
                Err(mpsc::error::TrySendError::Full(f)) => f,
            }
        };
        // Queue full: wait for room without the lock, then mark. A racing
        // call may ship the same code twice, which is harmless.
        self.writer.send(frame).await.map_err(|_| self.gone(ctx))?;
        let mut st = self.lock();
        for it in items {
            st.code_sent.insert(it.digest.clone());
        }
        Ok(())
    }

    /// Ask `parent` to start a child agent; returns its id and HELLO.
    pub async fn spawn_child(
        &self,
        parent: u32,
        mut header: Json,
    ) -> Result<(u32, Hello), Unreachable> {
        let id = self.next_ctx.fetch_add(1, Ordering::Relaxed);
        if let Json::Object(m) = &mut header {
            m.insert("id".into(), json!(id));
        }
        let (req, mut rx) = self.register(parent, format!("spawn context {id}"))?;
        let sent = self
            .send(Frame::new(parent, req, Kind::Spawn, header, Vec::new()))
            .await;
        let reply = match sent {
            Ok(()) => rx.recv().await,
            Err(e) => {
                self.unregister(req);
                return Err(e);
            }
        };
        self.unregister(req);
        let f = reply.ok_or_else(|| self.gone(parent))?;
        if !f.is_ok() {
            let msg = f
                .str_field("error")
                .unwrap_or("child failed to start")
                .to_string();
            return Err(Unreachable::new(UnreachableKind::Other, msg));
        }
        let hello = f
            .header
            .get("hello")
            .and_then(Json::as_object)
            .map(Hello::from_header)
            .unwrap_or_default();
        self.lock().parents.insert(id, parent);
        Ok((id, hello))
    }

    /// Stop one child context (interpreter recycling); its parent reports
    /// the disconnect.
    pub async fn shutdown_context(&self, ctx: u32) {
        let _ = self
            .send(Frame::new(ctx, 0, Kind::Shutdown, json!({}), Vec::new()))
            .await;
        self.forget_context(ctx);
    }

    /// Stop the child interpreter `ctx` that `parent` started, and return
    /// once its process has exited (where [`Connection::shutdown_context`]
    /// only asks it to exit).
    pub async fn stop_child_context(&self, parent: u32, ctx: u32) {
        let header = json!({"fn": "stop_child", "ctx": ctx});
        if self.call(parent, header, Vec::new()).await.is_err() {
            self.shutdown_context(ctx).await;
        } else {
            self.forget_context(ctx);
        }
    }

    /// Calls to `ctx` from now on fail: it was shut down.
    fn forget_context(&self, ctx: u32) {
        let mut st = self.lock();
        st.dead_ctx.insert(
            ctx,
            Unreachable::new(
                UnreachableKind::Disconnected,
                format!("interpreter {ctx} was shut down"),
            ),
        );
    }

    /// Ask the root agent to exit (it stops its children and removes its
    /// temp dir), then stop the transport.
    pub async fn shutdown(&self) {
        let _ = self
            .send(Frame::new(ROOT, 0, Kind::Shutdown, json!({}), Vec::new()))
            .await;
        {
            let mut st = self.lock();
            if st.dead.is_none() {
                st.dead = Some(Unreachable::new(
                    UnreachableKind::Disconnected,
                    format!("connection to {} was closed", self.name),
                ));
            }
        }
        // Let the agent stop its children and remove its temp dir (it then
        // closes the stream) before the transport is killed.
        let mut closed = self.closed.subscribe();
        let _ = tokio::time::timeout(Duration::from_secs(3), closed.wait_for(|c| *c)).await;
        let guard = self.guard.lock().map(|mut g| g.take()).unwrap_or(None);
        drop(guard);
    }

    fn on_disconnect(&self, ctx: u32) {
        let tail = self.stderr_excerpt();
        let mut st = self.lock();
        // The context and everything reached through it are gone.
        let mut gone = vec![ctx];
        let mut i = 0;
        while i < gone.len() {
            let p = gone[i];
            for (c, parent) in st.parents.iter() {
                if *parent == p && !gone.contains(c) {
                    gone.push(*c);
                }
            }
            i += 1;
        }
        for c in &gone {
            st.dead_ctx.entry(*c).or_insert_with(|| {
                Unreachable::new(
                    UnreachableKind::Disconnected,
                    format!("interpreter {c} on {} exited{tail}", self.name),
                )
            });
        }
        st.pending.retain(|_, p| !gone.contains(&p.ctx));
    }

    /// The end of the transport's stderr (where agents log), for messages.
    fn stderr_excerpt(&self) -> String {
        let text = self
            .stderr_tail
            .lock()
            .map(|v| String::from_utf8_lossy(&v).trim().to_string())
            .unwrap_or_default();
        if text.is_empty() {
            return String::new();
        }
        let start = text.char_indices().rev().nth(600).map_or(0, |(i, _)| i);
        format!(": {}", &text[start..])
    }

    fn on_closed(&self, why: String) {
        self.closed.send_replace(true);
        let tail = self
            .stderr_tail
            .lock()
            .map(|v| String::from_utf8_lossy(&v).trim().to_string())
            .unwrap_or_default();
        let mut st = self.lock();
        if st.dead.is_none() {
            let msg = if tail.is_empty() {
                format!("connection to {} was lost: {why}", self.name)
            } else {
                format!("connection to {} was lost: {why}: {tail}", self.name)
            };
            st.dead = Some(Unreachable::new(UnreachableKind::Disconnected, msg));
        }
        st.pending.clear();
    }

    fn deliver(&self, frame: Frame) {
        let st = self.lock();
        if let Some(p) = st.pending.get(&frame.req) {
            let _ = p.tx.send(frame);
        }
    }
}

/// What a call asks, for diagnostics: its function and module names,
/// never its arguments (they may hold secrets).
fn call_description(header: &Json) -> String {
    ["fn", "native", "fqn", "short", "path"]
        .iter()
        .filter_map(|k| header.get(*k).and_then(Json::as_str))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A pending request, unregistered when its caller is done or gone.
struct Registered<'a> {
    conn: &'a Connection,
    req: u32,
}

impl Drop for Registered<'_> {
    fn drop(&mut self) {
        self.conn.unregister(self.req);
    }
}

/// A request sent by `Connection::start_call`, its reply still to come.
pub struct PendingCall {
    conn: Arc<Connection>,
    ctx: u32,
    req: u32,
    rx: mpsc::UnboundedReceiver<Frame>,
}

impl PendingCall {
    /// The reply (or why none will come).
    pub async fn reply(mut self) -> Result<Frame, CallError> {
        loop {
            match self.rx.recv().await {
                None => return Err(CallError::Unreachable(self.conn.gone(self.ctx))),
                Some(f) if f.kind == Kind::Reply => return reply_result(f),
                Some(_) => continue,
            }
        }
    }
}

impl PendingCall {
    /// The next frame of the call: a DATA frame the agent sent while the
    /// call runs (a question for the controller), or the reply (whose
    /// failure is the error), or why neither will come.
    pub async fn next_frame(&mut self) -> Result<Frame, CallError> {
        loop {
            match self.rx.recv().await {
                None => return Err(CallError::Unreachable(self.conn.gone(self.ctx))),
                Some(f) if f.kind == Kind::Reply => return reply_result(f),
                Some(f) if f.kind == Kind::Data => return Ok(f),
                Some(_) => continue,
            }
        }
    }

    /// A DATA frame to the running call (an answer to its question): the
    /// agent delivers it to the call's stream.
    pub async fn send_data(&self, header: Json, payload: Vec<u8>) -> Result<(), Unreachable> {
        self.conn
            .send(Frame::new(self.ctx, self.req, Kind::Data, header, payload))
            .await
    }
}

impl Drop for PendingCall {
    fn drop(&mut self) {
        self.conn.unregister(self.req);
    }
}

fn reply_result(f: Frame) -> Result<Frame, CallError> {
    if f.is_ok() {
        return Ok(f);
    }
    if f.header.get("unreachable").and_then(Json::as_bool) == Some(true) {
        return Err(CallError::Unreachable(Unreachable::new(
            UnreachableKind::Disconnected,
            f.str_field("error").unwrap_or("unreachable").to_string(),
        )));
    }
    let mut msg = f.str_field("error").unwrap_or("call failed").to_string();
    if let Some(tb) = f.str_field("traceback") {
        msg = format!("{msg}\n{tb}");
    }
    Err(CallError::failed(msg))
}

enum BootEnd {
    Closed(String),
    PythonTooOld(String),
    Io(std::io::Error),
}

/// Read up to the HELLO magic (skipping the first stage's marker and any
/// login noise) and the HELLO frame; return the rest of the stream.
async fn wait_hello(mut stdout: Reader) -> Result<(Reader, Hello), BootEnd> {
    let mut seen: Vec<u8> = Vec::new();
    let mut chunk = vec![0u8; 8192];
    loop {
        if let Some(pos) = find(&seen, HELLO_MAGIC) {
            let rest = seen.split_off(pos + HELLO_MAGIC.len());
            let mut reader: Reader = Box::new(std::io::Cursor::new(rest).chain(stdout));
            return match read_frame(&mut reader).await {
                Ok(Some(f)) if f.kind == Kind::Hello => Ok((reader, Hello::from_header(&f.header))),
                Ok(Some(_)) => Err(BootEnd::Io(std::io::Error::other(
                    "agent sent something before HELLO",
                ))),
                Ok(None) => Err(BootEnd::Closed(String::new())),
                Err(e) => Err(BootEnd::Io(e)),
            };
        }
        if let Some(pos) = find(&seen, PY_OLD_MARKER) {
            let line = String::from_utf8_lossy(&seen[pos..])
                .lines()
                .next()
                .unwrap_or_default()
                .to_string();
            return Err(BootEnd::PythonTooOld(line));
        }
        let n = stdout.read(&mut chunk).await.map_err(BootEnd::Io)?;
        if n == 0 {
            return Err(BootEnd::Closed(String::from_utf8_lossy(&seen).into_owned()));
        }
        seen.extend_from_slice(&chunk[..n]);
        if seen.len() > 1 << 20 {
            return Err(BootEnd::Io(std::io::Error::other(
                "no agent greeting in the first MiB of output",
            )));
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

async fn collect_stderr(mut stderr: Reader, tail: Arc<Mutex<Vec<u8>>>) {
    let mut buf = vec![0u8; 4096];
    loop {
        match stderr.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if let Ok(mut t) = tail.lock() {
                    t.extend_from_slice(&buf[..n]);
                    if t.len() > STDERR_TAIL {
                        let cut = t.len() - STDERR_TAIL;
                        t.drain(..cut);
                    }
                }
            }
        }
    }
}

async fn write_loop(
    mut stdin: Box<dyn tokio::io::AsyncWrite + Send + Unpin>,
    mut rx: mpsc::Receiver<Vec<u8>>,
) {
    while let Some(buf) = rx.recv().await {
        if stdin.write_all(&buf).await.is_err() {
            break;
        }
        // Flush only when nothing else is queued: batches small frames.
        if rx.is_empty() && stdin.flush().await.is_err() {
            break;
        }
    }
    let _ = stdin.shutdown().await;
}

async fn read_loop(conn: std::sync::Weak<Connection>, mut reader: Reader) {
    let why = loop {
        let frame = match read_frame(&mut reader).await {
            Ok(Some(f)) => f,
            Ok(None) => break "the agent closed the stream".to_string(),
            Err(e) => break format!("protocol error: {e}"),
        };
        let Some(conn) = conn.upgrade() else { return };
        match frame.kind {
            Kind::Reply | Kind::Data | Kind::Ack => conn.deliver(frame),
            Kind::Log => conn.on_log(&frame),
            Kind::Disconnect => {
                if let Some(id) = frame.header.get("id").and_then(Json::as_u64) {
                    conn.on_disconnect(id as u32);
                }
            }
            Kind::GetCode => {
                // Every CODE frame passes the root agent, so only it could
                // ask us, and it never needs to: answer with an error
                // rather than leave it waiting.
                let f = Frame::new(
                    frame.src,
                    frame.req,
                    Kind::Reply,
                    json!({"ok": false, "error": "the controller does not serve code by hash"}),
                    Vec::new(),
                );
                let _ = conn.writer.try_send(f.encode());
            }
            _ => {}
        }
    };
    if let Some(conn) = conn.upgrade() {
        conn.on_closed(why);
    }
}
