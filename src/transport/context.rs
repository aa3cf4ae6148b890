//! `Context`: one remote interpreter (a root agent, or a become/via child
//! reached through it) and the calls the executor makes on it.

use super::connection::{Connection, Hello, PendingCall};
use super::error::{CallError, Unreachable, UnreachableKind};
use super::frame::{Frame, Kind};
use super::modules::{self, CodeItem, Prepared, SearchPaths};
use crate::value::{Map, Value};
use serde_json::{Value as Json, json};
use sha1::{Digest, Sha1};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Files at most this big travel inside the call (no extra round trip).
pub const INLINE_LIMIT: u64 = 124 * 1024;
const CHUNK: usize = 128 * 1024;
/// Unacknowledged chunks in flight per transfer (4 MiB): with 1 MiB a
/// 1 GiB fetch over loopback ssh on a loaded machine waited on
/// acknowledgements about half the time.
const WINDOW: usize = 32;

/// One module invocation.
#[derive(Debug, Clone, Default)]
pub struct ModuleCall {
    /// As written in the task: `ping`, `ansible.builtin.ping`, `ns.coll.mod`.
    pub name: String,
    pub args: Map,
    pub check_mode: bool,
    pub diff: bool,
    pub no_log: bool,
    pub verbosity: u8,
    /// `environment:`; a `Null` value unsets the variable.
    pub environment: Map,
    /// Playbook and role `library/` dirs, searched before ANSIBLE_LIBRARY.
    pub library_dirs: Vec<PathBuf>,
    /// Playbook and role `module_utils/` dirs.
    pub module_utils_dirs: Vec<PathBuf>,
    /// `mitogen_task_isolation=fork`.
    pub fork: bool,
    /// `ansible_<name>_interpreter` values for script shebangs, by name
    /// (`python`, `bash`, `ruby` ...).
    pub interpreters: Vec<(String, String)>,
    /// Use mitorun's native implementation when one exists (else the
    /// installed ansible-core module).
    pub prefer_native: bool,
    /// Overrides of the `_ansible_*` keys (`_ansible_remote_tmp` ...).
    pub internal: Map,
    /// Working directory for what the call runs (raw, script, program
    /// modules); ansible's local connection uses the playbook's dir, ssh
    /// the login dir (the default: the interpreter's own cwd).
    pub cwd: Option<String>,
    /// Run the module as a background job (the `async` keyword): the
    /// result is the job's start (`ansible_job_id`, `results_file`).
    pub async_job: Option<AsyncJob>,
    /// Run the module in a forked child that `Context::cancel(key)` can
    /// kill (a task `timeout`).
    pub cancel_key: Option<String>,
    /// Calls naming the same queue run on the target one after another,
    /// in the order they were sent (the items of one loop sent together);
    /// other calls run as they come.
    pub queue: Option<String>,
    /// With `queue`: not run (the call fails) when an earlier call of the
    /// queue that had to succeed failed (`run_module_with_files`).
    pub queue_after_ok: bool,
    /// The open-files soft limit the module runs under
    /// (`PYTHON_MODULE_RLIMIT_NOFILE`; 0 leaves it alone).
    pub rlimit_nofile: i64,
}

/// A background job's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AsyncJob {
    /// Seconds after which the job kills its module.
    pub time_limit: u64,
    /// Where the job keeps its status file (`~` expanded on the target).
    pub dir: String,
}

impl ModuleCall {
    pub fn new(name: &str, args: Map) -> ModuleCall {
        ModuleCall {
            name: name.to_string(),
            args,
            prefer_native: true,
            ..ModuleCall::default()
        }
    }
}

/// A small file `Context::run_module_with_files` writes into the task
/// temp dir before the module runs.
#[derive(Debug, Clone)]
pub struct StagedFile {
    /// Inside the task temp dir.
    pub path: String,
    pub data: Vec<u8>,
    pub mode: u32,
}

/// What `Context::run_module_with_files` could not do before the module
/// ran.
#[derive(Debug)]
pub enum StagingError {
    TaskTmp(CallError),
    Upload { path: String, error: CallError },
}

/// A module call sent by `Context::start_module`, its result still to
/// come.
pub struct StartedModule {
    pending: PendingCall,
    /// The interpreter a program module's shebang was rewritten to.
    used_interpreter: Option<String>,
    /// A native front's call (with its interpreter and short name), kept
    /// to hand it to ansible-core's module when the front asks for that.
    handover: Option<Box<(Context, ModuleCall, String)>>,
}

impl StartedModule {
    /// Wait for the module's output and parse it as `run_module` does.
    /// A native front (dnf) that found what ansible-core's module needs on
    /// the target has that module do the work when it is installed; else
    /// the front's own failure stands.
    pub async fn result(self) -> Result<Map, CallError> {
        let reply = self.pending.reply().await?;
        let rc = reply.header.get("rc").and_then(Json::as_i64).unwrap_or(0);
        let stderr = reply.str_field("stderr").unwrap_or_default().to_string();
        let stdout = String::from_utf8_lossy(&reply.payload).into_owned();
        let mut result =
            parse_module_output(&stdout, &stderr, rc, self.used_interpreter.as_deref());
        if let Some(handover) = self.handover
            && result
                .shift_remove(modules::NATIVE_WANTS_ANSIBLE_CORE)
                .is_some()
        {
            let (context, call, short) = *handover;
            let real = context.prepare_module(&call, false).await?;
            if !matches!(real, Prepared::Native { .. }) {
                let started = context.start_prepared(&call, &short, real).await?;
                result = Box::pin(started.result()).await?;
            }
        }
        Ok(result)
    }

    /// The next thing the running module says: a question for the
    /// controller (a native module that asks mid-call, as the action
    /// plugin runner does), or its result, parsed as `result` parses it
    /// (without the native front's handover, which such modules never
    /// ask for).
    pub async fn next_event(&mut self) -> ModuleEvent {
        match self.pending.next_frame().await {
            Err(e) => ModuleEvent::Done(Err(e)),
            Ok(frame) if frame.kind == Kind::Data => ModuleEvent::Ask {
                header: frame.header,
                payload: frame.payload,
            },
            Ok(reply) => {
                let rc = reply.header.get("rc").and_then(Json::as_i64).unwrap_or(0);
                let stderr = reply.str_field("stderr").unwrap_or_default().to_string();
                let stdout = String::from_utf8_lossy(&reply.payload).into_owned();
                ModuleEvent::Done(Ok(parse_module_output(
                    &stdout,
                    &stderr,
                    rc,
                    self.used_interpreter.as_deref(),
                )))
            }
        }
    }

    /// Answer the module's last question.
    pub async fn answer(&self, header: Json, payload: Vec<u8>) -> Result<(), CallError> {
        self.pending
            .send_data(header, payload)
            .await
            .map_err(CallError::Unreachable)
    }
}

/// What a running module said (`StartedModule::next_event`).
#[derive(Debug)]
pub enum ModuleEvent {
    /// A question for the controller: its header and payload.
    Ask {
        header: serde_json::Map<String, Json>,
        payload: Vec<u8>,
    },
    /// The module ended: its result, or why there is none.
    Done(Result<Map, CallError>),
}

/// What a transfer wrote or read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileStat {
    pub size: u64,
    /// Hex SHA-1, as ansible's checksums.
    pub sha1: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecResult {
    pub rc: i64,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// Controller-side settings shared by every context of a pool.
#[derive(Debug, Clone, Default)]
pub struct ControllerPaths {
    pub search: SearchPaths,
    pub ansible_version: String,
}

#[derive(Clone)]
pub struct Context {
    inner: Arc<Inner>,
}

struct Inner {
    conn: Arc<Connection>,
    id: u32,
    hello: Hello,
    paths: Arc<ControllerPaths>,
    /// The `ansible_python_interpreter` argv when explicit (children
    /// started from this context reuse it).
    python_argv: Option<Vec<String>>,
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Context({} #{} {}@{})",
            self.inner.conn.name, self.inner.id, self.inner.hello.user, self.inner.hello.pid
        )
    }
}

impl Context {
    pub(crate) fn new(
        conn: Arc<Connection>,
        id: u32,
        hello: Hello,
        paths: Arc<ControllerPaths>,
        python_argv: Option<Vec<String>>,
    ) -> Context {
        Context {
            inner: Arc::new(Inner {
                conn,
                id,
                hello,
                paths,
                python_argv,
            }),
        }
    }

    pub(crate) fn connection(&self) -> &Arc<Connection> {
        &self.inner.conn
    }

    pub(crate) fn paths(&self) -> Arc<ControllerPaths> {
        self.inner.paths.clone()
    }

    pub fn id(&self) -> u32 {
        self.inner.id
    }

    /// What the agent reported when it started (user, pid, python, tmpdir).
    pub fn hello(&self) -> &Hello {
        &self.inner.hello
    }

    /// The interpreter discovery chose (for `discovered_interpreter_python`);
    /// `None` when `ansible_python_interpreter` was explicit.
    pub fn discovered_interpreter(&self) -> Option<&str> {
        self.inner.hello.discovered.as_deref()
    }

    pub fn is_alive(&self) -> bool {
        self.inner.conn.is_alive(self.inner.id)
    }

    /// The argv children of this context start Python with.
    pub(crate) fn python_argv(&self) -> Vec<String> {
        self.inner
            .python_argv
            .clone()
            .unwrap_or_else(|| vec![self.inner.hello.python.clone()])
    }

    /// The interpreter's private temp dir (created at start, removed when
    /// it exits; owned by the interpreter's user, 0700). `None` only when
    /// no candidate dir was writable.
    pub fn remote_tmp(&self) -> Option<&str> {
        self.inner.hello.tmpdir.as_deref()
    }

    /// A new directory inside `remote_tmp()` for one task's files (ansible's
    /// per-task `ansible-tmp-*`): put the action's files there, run the
    /// module on them, then `remove_task_tmp`.
    pub async fn make_task_tmp(&self) -> Result<String, CallError> {
        let reply = self
            .inner
            .conn
            .call(self.inner.id, json!({"fn": "task_tmp"}), Vec::new())
            .await?;
        reply
            .str_field("path")
            .map(str::to_string)
            .ok_or_else(|| CallError::failed("task_tmp: the agent named no directory"))
    }

    /// Remove a directory made by `make_task_tmp` (the agent refuses paths
    /// outside its private temp dir).
    pub async fn remove_task_tmp(&self, path: &str) -> Result<(), CallError> {
        self.inner
            .conn
            .call(
                self.inner.id,
                json!({"fn": "remove_task_tmp", "path": path}),
                Vec::new(),
            )
            .await
            .map(|_| ())
    }

    /// A path for a task temp dir chosen here (unique in this process),
    /// for `run_module_with_files`; None when the interpreter has no
    /// private temp dir.
    pub fn staged_task_tmp(&self) -> Option<String> {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let tmpdir = self.remote_tmp()?;
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Some(format!(
            "{}/ansible-tmp-{}-{n}",
            tmpdir.trim_end_matches('/'),
            std::process::id()
        ))
    }

    /// `make_task_tmp` (as `dir`, from `staged_task_tmp`), `put_bytes` of
    /// each small file into it, `run_module` and `remove_task_tmp`, sent
    /// together in one agent queue: one round trip where they took four.
    /// The uploads and the module do not run once the dir or an upload
    /// failed; the dir is removed in any case. The outer error is what
    /// failed before the module ran.
    pub async fn run_module_with_files(
        &self,
        mut call: ModuleCall,
        dir: &str,
        files: Vec<StagedFile>,
    ) -> Result<Result<Map, CallError>, StagingError> {
        let conn = &self.inner.conn;
        let ctx = self.inner.id;
        let name = dir.rsplit('/').next().unwrap_or(dir);
        let queue = format!("staged-{name}");
        let made = conn
            .start_call(
                ctx,
                json!({"fn": "task_tmp", "name": name, "queue": queue, "must_succeed": true}),
                Vec::new(),
            )
            .await
            .map_err(StagingError::TaskTmp)?;
        let mut puts = Vec::with_capacity(files.len());
        for file in files {
            let sha1 = modules::hex(&Sha1::digest(&file.data));
            let header = json!({
                "fn": "put_file", "path": file.path, "mode": file.mode, "inline": true,
                "queue": queue, "after_ok": true, "must_succeed": true,
            });
            let pending = conn.start_call(ctx, header, file.data).await;
            puts.push((file.path, sha1, pending));
        }
        call.queue = Some(queue.clone());
        call.queue_after_ok = true;
        let module = self.start_module(call).await;
        let removed = conn
            .start_call(
                ctx,
                json!({"fn": "remove_task_tmp", "path": dir, "queue": queue, "queue_end": true}),
                Vec::new(),
            )
            .await;
        // Replies come in queue order; the removal is awaited last, so the
        // dir is gone when this returns, as with the four calls apart.
        let outcome = async {
            made.reply().await.map_err(StagingError::TaskTmp)?;
            for (path, sha1, pending) in puts {
                let stat = match pending {
                    Ok(pending) => pending.reply().await.and_then(|f| check_stat(&f, &sha1)),
                    Err(e) => Err(e),
                };
                if let Err(error) = stat {
                    return Err(StagingError::Upload { path, error });
                }
            }
            Ok(match module {
                Ok(module) => module.result().await,
                Err(e) => Err(e),
            })
        }
        .await;
        if let Ok(removed) = removed {
            let _ = removed.reply().await;
        }
        outcome
    }

    /// Kill a running call started with `ModuleCall::cancel_key` (its
    /// process group); true when it was running. A key not seen yet is
    /// remembered, so a call that arrives after its cancel dies at once.
    pub async fn cancel(&self, key: &str) -> Result<bool, CallError> {
        let reply = self
            .inner
            .conn
            .call(
                self.inner.id,
                json!({"fn": "cancel", "key": key}),
                Vec::new(),
            )
            .await?;
        Ok(reply.header.get("killed").and_then(Json::as_bool) == Some(true))
    }

    /// `~` and `~user` at the start of `path` expanded on the target, as
    /// the interpreter's user sees them (ansible's `_remote_expand_user`).
    pub async fn expand_user(&self, path: &str) -> Result<String, CallError> {
        if !path.starts_with('~') {
            return Ok(path.to_string());
        }
        let home = &self.inner.hello.home;
        if let Some(rest) = path.strip_prefix('~')
            && (rest.is_empty() || rest.starts_with('/'))
            && home.starts_with('/')
        {
            let home = if home == "/" { "" } else { home.as_str() };
            return Ok(format!("{home}{rest}"));
        }
        let reply = self
            .inner
            .conn
            .call(
                self.inner.id,
                json!({"fn": "expand_user", "path": path}),
                Vec::new(),
            )
            .await?;
        reply
            .str_field("path")
            .map(str::to_string)
            .ok_or_else(|| CallError::failed("expand_user: the agent named no path"))
    }

    /// Round trip with no work: liveness and latency.
    pub async fn ping(&self) -> Result<(), CallError> {
        self.inner
            .conn
            .call(self.inner.id, json!({"fn": "ping"}), Vec::new())
            .await
            .map(|_| ())
    }

    /// Run a module and return the JSON it printed, as ansible parses it
    /// (a module that prints no JSON gives ansible's MODULE FAILURE result).
    pub async fn run_module(&self, call: ModuleCall) -> Result<Map, CallError> {
        self.start_module(call).await?.result().await
    }

    /// Send a module call (its code first when the connection has not
    /// carried it) without waiting for the result: `StartedModule::result`
    /// waits. Calls started one after another with the same
    /// `ModuleCall::queue` run on the target in that order.
    pub async fn start_module(&self, call: ModuleCall) -> Result<StartedModule, CallError> {
        let short = call
            .name
            .rsplit('.')
            .next()
            .unwrap_or(&call.name)
            .to_string();
        // On SELinux hosts file-handling modules must set and report
        // security contexts: ansible-core's modules do, the native ones
        // do not.
        let prefer_native = call.prefer_native
            && !(self.inner.hello.selinux && modules::SELINUX_AWARE.contains(&short.as_str()))
            && !(!self.inner.hello.system.is_empty()
                && self.inner.hello.system != "Linux"
                && modules::LINUX_ONLY.contains(&short.as_str()))
            && !modules::needs_ansible_core(&short, &call.args)
            && !(call.async_job.is_some() && modules::NATIVE_FRONT_ONLY.contains(&short.as_str()));
        let prepared = self.prepare_module(&call, prefer_native).await?;
        let native = matches!(prepared, Prepared::Native { .. });
        let mut started = self.start_prepared(&call, &short, prepared).await?;
        if native {
            started.handover = Some(Box::new((self.clone(), call, short)));
        }
        Ok(started)
    }

    /// Find and prepare the module a call names (off the async runtime:
    /// it reads files).
    async fn prepare_module(
        &self,
        call: &ModuleCall,
        prefer_native: bool,
    ) -> Result<Prepared, CallError> {
        let mut search = self.inner.paths.search.clone();
        let mut library = call.library_dirs.clone();
        library.append(&mut search.library);
        search.library = library;
        search.module_utils = call.module_utils_dirs.clone();
        let name = call.name.clone();
        tokio::task::spawn_blocking(move || modules::prepare(&name, &search, prefer_native))
            .await
            .map_err(|e| CallError::Module(format!("module preparation panicked: {e}")))?
    }

    /// Send a prepared module with the call's arguments; its result is
    /// read by `StartedModule::result`.
    async fn start_prepared(
        &self,
        call: &ModuleCall,
        short: &str,
        prepared: Prepared,
    ) -> Result<StartedModule, CallError> {
        // The `_ansible_*` internal arguments are nearly the same on every
        // call and were most of a call's bytes: they travel once per
        // connection as a code item (keyed by content), and each call
        // carries the rest; the agent lays the rest over them in order,
        // which gives the very mapping a single `args` would have.
        let base = modules::internal_args(call, short, &self.inner.paths.ansible_version);
        let base_item = modules::args_base_item(&value_to_json(&Value::Map(base)));
        self.inner
            .conn
            .ship_code(self.inner.id, std::slice::from_ref(&base_item))
            .await?;
        let mut args = Map::new();
        for (k, v) in &call.internal {
            args.insert(k.clone(), v.clone());
        }
        for (k, v) in &call.args {
            args.insert(k.clone(), v.clone());
        }
        let env: serde_json::Map<String, Json> = call
            .environment
            .iter()
            .map(|(k, v)| {
                let v = match v {
                    Value::Null => Json::Null,
                    other => Json::String(
                        other
                            .as_str()
                            .map(str::to_string)
                            .unwrap_or_else(|| other.python_str()),
                    ),
                };
                (k.clone(), v)
            })
            .collect();
        let fork = call.fork || modules::always_forked(&call.name);
        let mut header = json!({"fn": "run_module", "env": env, "fork": fork});
        if let Some(cwd) = &call.cwd {
            header["cwd"] = json!(cwd);
        }
        if let Some(job) = &call.async_job {
            header["async"] = json!({"limit": job.time_limit, "dir": job.dir});
        }
        if let Some(key) = &call.cancel_key {
            header["cancel_key"] = json!(key);
        }
        if call.rlimit_nofile != 0 {
            header["rlimit_nofile"] = json!(call.rlimit_nofile);
        }
        if let Some(queue) = &call.queue {
            header["queue"] = json!(queue);
            header["after_ok"] = json!(call.queue_after_ok);
        }
        let h = header
            .as_object_mut()
            .ok_or_else(|| CallError::failed("header"))?;
        let mut used_interpreter: Option<String> = None;
        match &prepared {
            Prepared::Native { name } => {
                if *name == "shell" {
                    args.insert("_uses_shell".into(), Value::Bool(true));
                }
                let native = if *name == "shell" { "command" } else { name };
                if let Some(code) = modules::native_code(native) {
                    self.inner
                        .conn
                        .ship_code(self.inner.id, std::slice::from_ref(&code))
                        .await?;
                    h.insert("native_code".into(), json!(code.digest));
                }
                h.insert("style".into(), json!("native"));
                h.insert("native".into(), json!(native));
            }
            Prepared::Python { fqn, module, utils } => {
                let mut items: Vec<CodeItem> = utils.clone();
                items.push(module.clone());
                self.inner.conn.ship_code(self.inner.id, &items).await?;
                h.insert("style".into(), json!("new"));
                h.insert("fqn".into(), json!(fqn));
                h.insert("module".into(), json!(module.digest));
                h.insert(
                    "code".into(),
                    json!(utils.iter().map(|u| u.digest.clone()).collect::<Vec<_>>()),
                );
            }
            Prepared::Program {
                style,
                short,
                module,
            } => {
                self.inner
                    .conn
                    .ship_code(self.inner.id, std::slice::from_ref(module))
                    .await?;
                let shebang = self.rewrite_shebang(&module.source, &call.interpreters);
                used_interpreter = shebang.clone();
                h.insert("style".into(), json!(style.wire_name()));
                h.insert("short".into(), json!(short));
                h.insert("module".into(), json!(module.digest));
                h.insert("shebang".into(), json!(shebang));
            }
        }
        if short == "shell" && matches!(prepared, Prepared::Python { .. }) {
            // ansible's shell action runs the command module with this flag.
            args.insert("_uses_shell".into(), Value::Bool(true));
        }
        h.insert("args_base".into(), json!(base_item.digest));
        h.insert("args".into(), value_to_json(&Value::Map(args)));
        let pending = self
            .inner
            .conn
            .start_call(self.inner.id, header, Vec::new())
            .await?;
        Ok(StartedModule {
            pending,
            used_interpreter,
            handover: None,
        })
    }

    /// `#!interpreter` of a script, replaced by `ansible_<name>_interpreter`
    /// (python: the context's own interpreter unless one is given).
    fn rewrite_shebang(&self, source: &[u8], interpreters: &[(String, String)]) -> Option<String> {
        let first = source.split(|b| *b == b'\n').next()?;
        let line = std::str::from_utf8(first).ok()?.strip_prefix("#!")?;
        let mut words = shlex::split(line.trim())?;
        if words.is_empty() {
            return None;
        }
        let interp = words.remove(0);
        let base = Path::new(&interp).file_name()?.to_str()?.to_string();
        let (lookup, args) = if base == "env" && !words.is_empty() {
            (words.remove(0), words)
        } else {
            (base, words)
        };
        let replacement = interpreters
            .iter()
            .find(|(n, _)| *n == lookup)
            .map(|(_, v)| v.clone())
            .or_else(|| {
                lookup
                    .starts_with("python")
                    .then(|| self.python_argv().join(" "))
            })?;
        let mut out = format!("#!{replacement}");
        for a in args {
            out.push(' ');
            out.push_str(&a);
        }
        Some(out)
    }

    /// Run a command line with /bin/sh on the target (`raw`, ansible's
    /// `exec_command`); `cmd` as a list skips the shell.
    pub async fn exec_command(
        &self,
        cmd: &str,
        stdin: Option<Vec<u8>>,
    ) -> Result<ExecResult, CallError> {
        let reply = self
            .inner
            .conn
            .call(
                self.inner.id,
                json!({"fn": "exec_command", "cmd": cmd}),
                stdin.unwrap_or_default(),
            )
            .await?;
        let rc = reply.header.get("rc").and_then(Json::as_i64).unwrap_or(-1);
        let err_len = reply
            .header
            .get("stderr_len")
            .and_then(Json::as_u64)
            .unwrap_or(0) as usize;
        let mut stdout = reply.payload;
        let cut = stdout.len().saturating_sub(err_len);
        let stderr = stdout.split_off(cut);
        Ok(ExecResult { rc, stdout, stderr })
    }

    /// Write `data` to `dest` atomically (temp file beside it, fsync, rename).
    pub async fn put_bytes(
        &self,
        data: Vec<u8>,
        dest: &str,
        mode: Option<u32>,
    ) -> Result<FileStat, CallError> {
        if data.len() as u64 <= INLINE_LIMIT {
            let sha1 = modules::hex(&Sha1::digest(&data));
            let reply = self
                .inner
                .conn
                .call(
                    self.inner.id,
                    json!({"fn": "put_file", "path": dest, "mode": mode, "inline": true}),
                    data,
                )
                .await?;
            return check_stat(&reply, &sha1);
        }
        self.put_stream(std::io::Cursor::new(data), dest, mode)
            .await
    }

    /// Copy a controller file to `dest` on the target, streaming big files
    /// with a bounded window, so memory stays flat whatever the size.
    pub async fn put_file(
        &self,
        src: &Path,
        dest: &str,
        mode: Option<u32>,
    ) -> Result<FileStat, CallError> {
        let file = tokio::fs::File::open(src)
            .await
            .map_err(|e| CallError::failed(format!("could not read {}: {e}", src.display())))?;
        let size = file.metadata().await.map(|m| m.len()).unwrap_or(u64::MAX);
        if size <= INLINE_LIMIT {
            let data = tokio::fs::read(src)
                .await
                .map_err(|e| CallError::failed(format!("could not read {}: {e}", src.display())))?;
            return self.put_bytes(data, dest, mode).await;
        }
        self.put_stream(file, dest, mode).await
    }

    async fn put_stream<R: tokio::io::AsyncRead + Unpin>(
        &self,
        mut src: R,
        dest: &str,
        mode: Option<u32>,
    ) -> Result<FileStat, CallError> {
        let conn = &self.inner.conn;
        let ctx = self.inner.id;
        let (req, mut rx) = conn.register(ctx, format!("put {dest}"))?;
        let result = async {
            conn.send(Frame::new(
                ctx,
                req,
                Kind::Call,
                json!({"fn": "put_file", "path": dest, "mode": mode}),
                Vec::new(),
            ))
            .await?;
            let mut hasher = Sha1::new();
            let mut credit = WINDOW;
            loop {
                while credit == 0 {
                    match rx.recv().await {
                        None => return Err(CallError::Unreachable(gone(conn, ctx))),
                        Some(f) if f.kind == Kind::Ack => {
                            credit += f.header.get("n").and_then(Json::as_u64).unwrap_or(1) as usize
                        }
                        Some(f) if f.kind == Kind::Reply => return reply_error(f),
                        Some(_) => {}
                    }
                }
                let mut buf = vec![0u8; CHUNK];
                let n = read_full(&mut src, &mut buf)
                    .await
                    .map_err(|e| CallError::failed(format!("read error: {e}")))?;
                buf.truncate(n);
                if n == 0 {
                    break;
                }
                hasher.update(&buf);
                conn.send(Frame::new(ctx, req, Kind::Data, json!({}), buf))
                    .await?;
                credit -= 1;
            }
            conn.send(Frame::new(
                ctx,
                req,
                Kind::Data,
                json!({"eof": true}),
                Vec::new(),
            ))
            .await?;
            let sha1 = modules::hex(&hasher.finalize());
            loop {
                match rx.recv().await {
                    None => return Err(CallError::Unreachable(gone(conn, ctx))),
                    Some(f) if f.kind == Kind::Reply => return check_stat(&f, &sha1),
                    Some(_) => {}
                }
            }
        }
        .await;
        conn.unregister(req);
        result
    }

    /// Copy a target file to `dest` on the controller (temp file, fsync,
    /// rename), acknowledging chunks as they are written.
    pub async fn fetch_file(&self, src: &str, dest: &Path) -> Result<FileStat, CallError> {
        let conn = &self.inner.conn;
        let ctx = self.inner.id;
        let dir = dest
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let tmp = dir.join(format!(
            ".{}.{}.mitorun",
            dest.file_name().and_then(|n| n.to_str()).unwrap_or("fetch"),
            std::process::id()
        ));
        let mut out = tokio::fs::File::create(&tmp)
            .await
            .map_err(|e| CallError::failed(format!("could not write {}: {e}", tmp.display())))?;
        let (req, mut rx) = conn.register(ctx, "fetch")?;
        let result = async {
            conn.send(Frame::new(
                ctx,
                req,
                Kind::Call,
                json!({"fn": "fetch_file", "path": src}),
                Vec::new(),
            ))
            .await?;
            let mut hasher = Sha1::new();
            let mut size = 0u64;
            loop {
                match rx.recv().await {
                    None => return Err(CallError::Unreachable(gone(conn, ctx))),
                    Some(f) if f.kind == Kind::Data => {
                        hasher.update(&f.payload);
                        size += f.payload.len() as u64;
                        out.write_all(&f.payload).await.map_err(|e| {
                            CallError::failed(format!("could not write {}: {e}", tmp.display()))
                        })?;
                        conn.send(Frame::new(ctx, req, Kind::Ack, json!({"n": 1}), Vec::new()))
                            .await?;
                    }
                    Some(f) if f.kind == Kind::Reply => {
                        let stat = check_stat(&f, &modules::hex(&hasher.finalize()))?;
                        if stat.size != size {
                            return Err(CallError::failed(format!(
                                "fetched {size} bytes, the target sent {}",
                                stat.size
                            )));
                        }
                        out.sync_all()
                            .await
                            .map_err(|e| CallError::failed(format!("fsync: {e}")))?;
                        tokio::fs::rename(&tmp, dest).await.map_err(|e| {
                            CallError::failed(format!(
                                "could not rename to {}: {e}",
                                dest.display()
                            ))
                        })?;
                        return Ok(stat);
                    }
                    Some(_) => {}
                }
            }
        }
        .await;
        conn.unregister(req);
        if result.is_err() {
            let _ = tokio::fs::remove_file(&tmp).await;
        }
        result
    }
}

fn gone(conn: &Connection, ctx: u32) -> Unreachable {
    conn.dead_reason(ctx).unwrap_or_else(|| {
        Unreachable::new(
            UnreachableKind::Disconnected,
            format!("connection to {} was lost", conn.name),
        )
    })
}

fn reply_error<T>(f: Frame) -> Result<T, CallError> {
    Err(CallError::failed(
        f.str_field("error").unwrap_or("call failed").to_string(),
    ))
}

fn check_stat(f: &Frame, expected_sha1: &str) -> Result<FileStat, CallError> {
    if !f.is_ok() {
        return Err(CallError::failed(
            f.str_field("error")
                .unwrap_or("transfer failed")
                .to_string(),
        ));
    }
    let sha1 = f.str_field("sha1").unwrap_or_default().to_string();
    if sha1 != expected_sha1 {
        return Err(CallError::failed(format!(
            "checksum mismatch: sent {expected_sha1}, target has {sha1}"
        )));
    }
    let size = f.header.get("size").and_then(Json::as_u64).unwrap_or(0);
    Ok(FileStat { size, sha1 })
}

async fn read_full<R: tokio::io::AsyncRead + Unpin>(
    r: &mut R,
    buf: &mut [u8],
) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        let m = r.read(&mut buf[n..]).await?;
        if m == 0 {
            break;
        }
        n += m;
    }
    Ok(n)
}

/// `Value` as JSON for the agent (tags dropped: vault text must already be
/// decrypted by the caller).
pub fn value_to_json(v: &Value) -> Json {
    match v {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => json!(i),
        Value::BigInt(i) => serde_json::Number::from_i128(*i)
            .map(Json::Number)
            .unwrap_or_else(|| json!(*i as f64)),
        Value::Float(f) => serde_json::Number::from_f64(*f)
            .map(Json::Number)
            .unwrap_or(Json::Null),
        Value::Str(s) | Value::Unsafe(s) | Value::Vault(s) => Json::String(s.clone()),
        Value::List(items) => Json::Array(items.iter().map(value_to_json).collect()),
        Value::Map(m) => Json::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), value_to_json(v)))
                .collect(),
        ),
    }
}

/// ansible's handling of module stdout: drop lines before the first line
/// starting a JSON object and after the last one ending it, parse with
/// Python's json rules; otherwise a MODULE FAILURE result.
pub fn parse_module_output(stdout: &str, stderr: &str, rc: i64, interpreter: Option<&str>) -> Map {
    if let Some(json) = filter_non_json_lines(stdout) {
        // Python's rules first (NaN, big ints); module results may also
        // carry 2.19's serialized objects (`__ansible_type`: error
        // summaries), which the data-file decoder refuses, so then plain
        // JSON (the executor renders those objects).
        if let Some(Value::Map(m)) = crate::playbook::pyjson::parse(&json) {
            return m;
        }
        if let Ok(v @ Json::Object(_)) = serde_json::from_str::<Json>(&json)
            && let Value::Map(m) = Value::from_json(&v)
        {
            return m;
        }
    }
    let mut m = Map::new();
    m.insert("failed".into(), Value::Bool(true));
    m.insert("_ansible_parsed".into(), Value::Bool(false));
    m.insert("module_stdout".into(), Value::str(stdout));
    m.insert("module_stderr".into(), Value::str(stderr));
    if stderr.starts_with("Traceback") {
        m.insert("exception".into(), Value::str(stderr));
    } else if stdout.starts_with("Traceback") {
        m.insert("exception".into(), Value::str(stdout));
    }
    let mut msg = "MODULE FAILURE".to_string();
    if let Some(i) = interpreter {
        let i = i.trim_start_matches(['#', '!']);
        let missing = [
            format!("{i}: No such file or directory"),
            format!("{i}: not found"),
        ];
        if missing
            .iter()
            .any(|p| stderr.contains(p.as_str()) || stdout.contains(p.as_str()))
        {
            msg =
                "The module failed to execute correctly, you probably need to set the interpreter."
                    .into();
        }
    }
    msg.push_str("\nSee stdout/stderr for the exact error");
    m.insert("msg".into(), Value::str(msg));
    m.insert("rc".into(), Value::Int(rc));
    m
}

fn filter_non_json_lines(data: &str) -> Option<String> {
    let lines: Vec<&str> = data.split('\n').collect();
    let start = lines.iter().position(|l| l.trim_start().starts_with('{'))?;
    let rest = &lines[start..];
    let end = rest.iter().rposition(|l| l.trim_end().ends_with('}'))?;
    Some(rest[..=end].join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_output_with_noise_parses() {
        let m = parse_module_output(
            "motd line\n{\"changed\": false, \"ping\": \"pong\"}\nbye\n",
            "",
            0,
            None,
        );
        assert_eq!(m.get("ping"), Some(&Value::str("pong")));
        let f = parse_module_output("oops", "Traceback (most recent call last):", 1, None);
        assert_eq!(f.get("failed"), Some(&Value::Bool(true)));
        assert!(
            f.get("msg")
                .and_then(Value::as_str)
                .unwrap()
                .starts_with("MODULE FAILURE")
        );
    }
}
