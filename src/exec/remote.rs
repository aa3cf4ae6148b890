//! Module calls on targets through the transport: the executor's
//! `ModuleRunner` backed by a connection `Pool` on a tokio runtime. Task
//! threads block on their own call; the pool keeps one connection per
//! target for the whole run.

use super::{ModuleRequest, ModuleRunner, UploadData};
use crate::transport::{
    CallError, ConnectionSpec, ModuleCall, Pool, PoolOptions, StagedFile, StagingError,
    StartedModule, TransportKind, Unreachable, UnreachableKind,
};
use crate::value::{Map, Value};
use std::io::Write;

pub struct TransportRunner {
    runtime: tokio::runtime::Runtime,
    pool: std::sync::Arc<Pool>,
}

/// The controller's side of `MITOGEN_DUMP_THREAD_STACKS`: every `every`,
/// what each connection is still waiting for (the agents log their own
/// thread stacks). On stderr, so the callback's output stays whole.
async fn report_in_flight(pool: std::sync::Arc<Pool>, every: std::time::Duration) {
    loop {
        tokio::time::sleep(every).await;
        let waiting = pool.in_flight();
        let mut report = format!(
            "mitorun controller[{}]: {} request(s) waiting for a reply",
            std::process::id(),
            waiting.len()
        );
        for (connection, call) in waiting {
            report.push_str(&format!(
                "\n  {connection}: context {} request {} '{}' for {:.1}s",
                call.ctx,
                call.req,
                call.what,
                call.waiting.as_secs_f64()
            ));
        }
        // Not eprintln!, which panics when stderr is gone.
        let _ = writeln!(std::io::stderr(), "{report}");
    }
}

/// ansible's ssh connection runs raw and script command lines on a
/// terminal (`-tt`, unless `ansible_ssh_use_tty` is off): their output and
/// errors arrive merged on stdout with `\r\n` line ends, and ssh's "Shared
/// connection to HOST closed." is their stderr. Playbooks may expect text
/// where that puts it, so the agent emulates it (as Mitogen does): the
/// argument names the address ssh would name.
fn emulate_tty(spec: &ConnectionSpec, request: &ModuleRequest, args: &mut Map) {
    let runs_command_line = matches!(
        super::actions::short_name(&request.action),
        "raw" | "script"
    );
    let use_tty = request
        .connection
        .get("ansible_ssh_use_tty")
        .and_then(Value::ansible_bool)
        .unwrap_or(true);
    if runs_command_line && use_tty && spec.transport == TransportKind::Ssh {
        args.insert("_mitorun_tty_addr".into(), Value::str(spec.host.as_str()));
    }
}

fn failed(msg: impl Into<String>) -> Map {
    let mut result = Map::new();
    result.insert("failed".into(), Value::Bool(true));
    result.insert("msg".into(), Value::str(msg.into()));
    result
}

/// ansible's result for a host it could not reach; a become failure is a
/// task failure instead, as in ansible.
fn unreachable(u: &Unreachable) -> Map {
    if u.kind == UnreachableKind::Become {
        return failed(u.msg.as_str());
    }
    if u.kind == UnreachableKind::InterpreterNotFound {
        // ansible's result for a module whose interpreter the shell could
        // not run.
        let mut result = failed(u.msg.as_str());
        result.insert("changed".into(), Value::Bool(false));
        result.insert("module_stderr".into(), Value::str(u.stderr.as_str()));
        result.insert("module_stdout".into(), Value::str(""));
        result.insert("rc".into(), Value::Int(127));
        result.insert(
            super::ERROR_HELP.into(),
            Value::str(
                "Consider overriding the configured interpreter path for this host. \
                 See stdout/stderr for the returned output.",
            ),
        );
        return result;
    }
    let mut result = Map::new();
    result.insert("unreachable".into(), Value::Bool(true));
    result.insert("msg".into(), Value::str(u.msg.as_str()));
    result.insert("changed".into(), Value::Bool(false));
    result
}

/// Is this a raw task whose target has no Python for the agent? ansible's
/// raw never needs one.
fn raw_without_python(request: &ModuleRequest, u: &Unreachable) -> bool {
    super::actions::short_name(&request.action) == "raw"
        && matches!(
            u.kind,
            UnreachableKind::NoPython | UnreachableKind::InterpreterNotFound
        )
}

/// ansible's raw action's result for a command's output.
fn raw_result(out: crate::transport::ExecResult) -> Map {
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    let lines = |s: &str| {
        Value::List(
            super::execute::python_splitlines(s)
                .into_iter()
                .map(Value::str)
                .collect(),
        )
    };
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    let mut result = Map::new();
    result.insert("rc".into(), Value::Int(out.rc));
    result.insert("stdout".into(), Value::str(stdout.as_str()));
    result.insert("stdout_lines".into(), lines(&stdout));
    result.insert("stderr".into(), Value::str(stderr.as_str()));
    result.insert("stderr_lines".into(), lines(&stderr));
    result.insert("changed".into(), Value::Bool(true));
    if out.rc != 0 {
        result.insert("failed".into(), Value::Bool(true));
        result.insert("msg".into(), Value::str("non-zero return code"));
    }
    result
}

/// What ssh said about a failed connection is hidden under `no_log`, as
/// ansible's ssh plugin hides it (it may echo what the task passed).
fn censor_ssh_error(mut u: Unreachable, no_log: bool) -> Unreachable {
    const SSH_FAILED: &str = "Failed to connect to the host via ssh:";
    if no_log && u.msg.starts_with(SSH_FAILED) {
        u.msg = format!("{SSH_FAILED} <error censored due to no log>");
    }
    u
}

impl TransportRunner {
    pub fn new(options: PoolOptions) -> std::io::Result<TransportRunner> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        let dump_stacks = options.dump_stacks;
        let pool = {
            let _guard = runtime.enter();
            std::sync::Arc::new(Pool::new(options))
        };
        if let Some(every) = dump_stacks {
            runtime.spawn(report_in_flight(std::sync::Arc::clone(&pool), every));
        }
        Ok(TransportRunner { runtime, pool })
    }

    /// The request's target context, or the failed/unreachable result.
    async fn connect(&self, request: &ModuleRequest) -> Result<crate::transport::Context, Map> {
        let spec = Self::spec(request).map_err(failed)?;
        self.pool
            .context(&spec)
            .await
            .map_err(|u| unreachable(&censor_ssh_error(u, request.no_log)))
    }

    fn spec(request: &ModuleRequest) -> Result<ConnectionSpec, String> {
        let spec = ConnectionSpec::from_vars(&request.host, &request.connection)
            .map_err(|e| e.to_string())?;
        let mut hops = Vec::new();
        for (name, vars) in &request.via {
            hops.push(ConnectionSpec::from_vars(name, vars).map_err(|e| e.to_string())?);
        }
        Ok(if hops.is_empty() {
            spec
        } else {
            spec.with_via(hops)
        })
    }

    async fn call(&self, mut request: ModuleRequest, cancel_key: Option<String>) -> Map {
        let spec = match Self::spec(&request) {
            Ok(spec) => spec,
            Err(e) => return failed(e),
        };
        let context = match self.pool.context(&spec).await {
            Ok(c) => c,
            Err(u) if raw_without_python(&request, &u) => {
                return self.raw_without_agent(&spec, &request).await;
            }
            Err(u) => return unreachable(&censor_ssh_error(u, request.no_log)),
        };
        let mut args = std::mem::take(&mut request.args);
        emulate_tty(&spec, &request, &mut args);
        if let Some(staged) = Self::small_uploads(&request, &context).await {
            return Self::call_with_small_uploads(context, request, args, cancel_key, staged).await;
        }
        // Uploads go to a directory of this task alone (ansible's
        // `ansible-tmp-*`): hosts sharing one interpreter (local
        // connections) must not see each other's files.
        let mut task_tmp: Option<String> = None;
        if !request.uploads.is_empty() {
            match context.make_task_tmp().await {
                Ok(dir) => task_tmp = Some(dir),
                Err(CallError::Unreachable(u)) => return unreachable(&u),
                Err(e) => {
                    return failed(format!("could not create a temp dir for the transfer: {e}"));
                }
            }
        }
        for upload in std::mem::take(&mut request.uploads) {
            let Some(dir) = task_tmp.as_deref() else {
                break;
            };
            let remote = format!("{}/{}", dir.trim_end_matches('/'), upload.name);
            let sent = match upload.data {
                UploadData::Bytes(data) => {
                    context.put_bytes(data, &remote, Some(upload.mode)).await
                }
                UploadData::File(path) => context.put_file(&path, &remote, Some(upload.mode)).await,
            };
            if let Err(e) = sent {
                if let Some(dir) = &task_tmp {
                    let _ = context.remove_task_tmp(dir).await;
                }
                return match e {
                    CallError::Unreachable(u) => unreachable(&u),
                    other => failed(format!("failed to transfer file to {remote}: {other}")),
                };
            }
            place_upload(&mut args, &upload.arg, &upload.within, remote);
        }
        let report_interpreter = request.report_interpreter;
        let call = Self::module_call(request, args, cancel_key);
        let outcome = context.run_module(call).await;
        if let Some(dir) = &task_tmp {
            let _ = context.remove_task_tmp(dir).await;
        }
        Self::result_of(outcome, report_interpreter, &context)
    }

    /// raw on a target whose agent could not start for want of Python:
    /// the command runs straight over the transport, and the result is
    /// what ansible's raw action makes of `exec_command`'s.
    async fn raw_without_agent(&self, spec: &ConnectionSpec, request: &ModuleRequest) -> Map {
        if request.check_mode {
            let mut result = Map::new();
            result.insert("skipped".into(), Value::Bool(true));
            return result;
        }
        let Some(cmd) = request.args.get("_raw_params").map(Value::python_str) else {
            return failed("raw requires a command line (_raw_params)");
        };
        let shell = match request.args.get("executable") {
            Some(Value::Null) | None => "/bin/sh".to_string(),
            Some(v) => v.python_str(),
        };
        match self.pool.run_without_agent(spec, &shell, &cmd).await {
            Ok(out) => raw_result(out),
            Err(u) => unreachable(&censor_ssh_error(u, request.no_log)),
        }
    }

    /// A request's uploads read for `run_module_with_files` when each is
    /// small enough to ride inside its call (and the call is no async
    /// job, whose files must outlive the call): the task temp dir chosen
    /// here and the files with their paths in it. None otherwise.
    async fn small_uploads(
        request: &ModuleRequest,
        context: &crate::transport::Context,
    ) -> Option<(String, Vec<StagedFile>)> {
        if request.uploads.is_empty() || request.async_job.is_some() {
            return None;
        }
        let fits = |size: u64| size <= crate::transport::context::INLINE_LIMIT;
        let all_small = request.uploads.iter().all(|upload| match &upload.data {
            UploadData::Bytes(data) => fits(data.len() as u64),
            UploadData::File(path) => std::fs::metadata(path).is_ok_and(|m| fits(m.len())),
        });
        if !all_small {
            return None;
        }
        let dir = context.staged_task_tmp()?;
        let mut files = Vec::with_capacity(request.uploads.len());
        for upload in &request.uploads {
            let data = match &upload.data {
                UploadData::Bytes(data) => data.clone(),
                // Unreadable now: the one-by-one path reports it.
                UploadData::File(path) => tokio::fs::read(path).await.ok()?,
            };
            files.push(StagedFile {
                path: format!("{dir}/{}", upload.name),
                data,
                mode: upload.mode,
            });
        }
        Some((dir, files))
    }

    /// A request with small uploads in one round trip
    /// (`Context::run_module_with_files`), its failures reported as the
    /// one-by-one path reports them.
    async fn call_with_small_uploads(
        context: crate::transport::Context,
        mut request: ModuleRequest,
        mut args: Map,
        cancel_key: Option<String>,
        (dir, files): (String, Vec<StagedFile>),
    ) -> Map {
        for (upload, file) in std::mem::take(&mut request.uploads).iter().zip(&files) {
            place_upload(&mut args, &upload.arg, &upload.within, file.path.clone());
        }
        let report_interpreter = request.report_interpreter;
        let call = Self::module_call(request, args, cancel_key);
        match context.run_module_with_files(call, &dir, files).await {
            Ok(outcome) => Self::result_of(outcome, report_interpreter, &context),
            Err(StagingError::TaskTmp(CallError::Unreachable(u)))
            | Err(StagingError::Upload {
                error: CallError::Unreachable(u),
                ..
            }) => unreachable(&u),
            Err(StagingError::TaskTmp(e)) => {
                failed(format!("could not create a temp dir for the transfer: {e}"))
            }
            Err(StagingError::Upload { path, error }) => {
                failed(format!("failed to transfer file to {path}: {error}"))
            }
        }
    }

    /// The transport's call for a request (its uploads already placed in
    /// `args`).
    fn module_call(request: ModuleRequest, args: Map, cancel_key: Option<String>) -> ModuleCall {
        let mut call = ModuleCall::new(&request.action, args);
        call.check_mode = request.check_mode;
        call.diff = request.diff;
        call.no_log = request.no_log;
        call.verbosity = request.verbosity;
        call.environment = request.environment;
        call.library_dirs = request.library_dirs;
        call.module_utils_dirs = request.module_utils_dirs;
        call.fork = request.fork;
        call.interpreters = request.interpreters;
        call.async_job = request.async_job;
        call.cancel_key = cancel_key;
        call.rlimit_nofile = request.rlimit_nofile;
        call
    }

    /// The task's view of a module call's outcome.
    fn result_of(
        outcome: Result<Map, CallError>,
        report_interpreter: bool,
        context: &crate::transport::Context,
    ) -> Map {
        match outcome {
            Ok(mut result) => {
                if report_interpreter && let Some(python) = context.discovered_interpreter() {
                    let facts = result
                        .entry("ansible_facts".to_string())
                        .or_insert_with(|| Value::Map(Map::new()));
                    if let Value::Map(facts) = facts {
                        facts.insert("discovered_interpreter_python".into(), Value::str(python));
                    }
                }
                flatten_warnings(&mut result);
                flatten_deprecations(&mut result);
                // What a target returns is data, never trusted as template.
                result
                    .into_iter()
                    .map(|(k, v)| (k, v.into_data()))
                    .collect()
            }
            Err(CallError::Unreachable(u)) => unreachable(&u),
            Err(CallError::Failed {
                msg,
                stdout,
                stderr,
                rc,
            }) => {
                let mut result = failed(msg);
                result.insert("module_stdout".into(), Value::Str(stdout));
                result.insert("module_stderr".into(), Value::Str(stderr));
                if let Some(rc) = rc {
                    result.insert("rc".into(), Value::Int(rc));
                }
                result
            }
            Err(CallError::Module(msg)) => failed(msg),
        }
    }

    /// Send the requests of one loop one after another without waiting
    /// for results, in an agent queue of their own so they run in order
    /// on the target. The first request that needs more than one call
    /// (uploads), a deadline or an async job, and every request after it,
    /// is left to run in its turn.
    async fn start_in_order(&self, requests: Vec<ModuleRequest>) -> Vec<Ordered> {
        let queue = format!("items-{}", cancel_key());
        let mut started = Vec::with_capacity(requests.len());
        let mut requests = requests.into_iter();
        for mut request in requests.by_ref() {
            if !request.uploads.is_empty()
                || request.deadline.is_some()
                || request.async_job.is_some()
            {
                started.push(Ordered::InTurn(Box::new(request)));
                break;
            }
            let spec = match Self::spec(&request) {
                Ok(spec) => spec,
                Err(e) => {
                    started.push(Ordered::Done(failed(e)));
                    continue;
                }
            };
            let context = match self.pool.context(&spec).await {
                Ok(c) => c,
                Err(u) if raw_without_python(&request, &u) => {
                    started.push(Ordered::InTurn(Box::new(request)));
                    continue;
                }
                Err(u) => {
                    let u = censor_ssh_error(u, request.no_log);
                    started.push(Ordered::Done(unreachable(&u)));
                    continue;
                }
            };
            let report_interpreter = request.report_interpreter;
            let kept = Box::new(request.clone());
            let mut args = std::mem::take(&mut request.args);
            emulate_tty(&spec, &request, &mut args);
            let mut call = Self::module_call(request, args, None);
            call.queue = Some(queue.clone());
            started.push(match context.start_module(call).await {
                Ok(module) => Ordered::Sent {
                    module,
                    report_interpreter,
                    context,
                    request: kept,
                },
                Err(e) => Ordered::Done(Self::result_of(Err(e), report_interpreter, &context)),
            });
        }
        started.extend(requests.map(|r| Ordered::InTurn(Box::new(r))));
        started
    }
    /// A call abandoned at its deadline: its forked process on the target
    /// is killed (when the target is still reachable soon enough).
    async fn call_until(&self, request: ModuleRequest, deadline: std::time::Instant) -> Map {
        let key = cancel_key();
        let spec = Self::spec(&request);
        let call = self.call(request, Some(key.clone()));
        if let Ok(result) =
            tokio::time::timeout_at(tokio::time::Instant::from_std(deadline), call).await
        {
            return result;
        }
        if let Ok(spec) = spec {
            let cancel = async {
                if let Ok(context) = self.pool.context(&spec).await {
                    let _ = context.cancel(&key).await;
                }
            };
            let _ = tokio::time::timeout(CANCEL_TIMEOUT, cancel).await;
        }
        let mut result = failed("the task's timeout ran out");
        result.insert(super::TIMED_OUT.into(), Value::Bool(true));
        result
    }

    pub fn shutdown(&self) {
        self.runtime.block_on(self.pool.shutdown());
    }
}

/// A request of `run_in_order` after `start_in_order`.
enum Ordered {
    /// Sent; its result is awaited in its turn. The request is kept for
    /// running it again alone if the connection was lost before it ran.
    Sent {
        module: StartedModule,
        report_interpreter: bool,
        context: crate::transport::Context,
        request: Box<ModuleRequest>,
    },
    /// Settled without reaching the target (bad connection variables,
    /// unreachable, module not found).
    Done(Map),
    /// Not sent: runs alone when its turn comes.
    InTurn(Box<ModuleRequest>),
}

/// How long killing an abandoned call may take before the run goes on.
const CANCEL_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// A key naming one cancellable call in this run.
fn cancel_key() -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{}-{n}", std::process::id())
}

impl ModuleRunner for TransportRunner {
    fn run(&self, request: ModuleRequest) -> Map {
        match request.deadline {
            Some(deadline) => self.runtime.block_on(self.call_until(request, deadline)),
            None => self.runtime.block_on(self.call(request, None)),
        }
    }

    fn run_in_order(&self, requests: Vec<ModuleRequest>) -> Box<dyn Iterator<Item = Map> + '_> {
        let started = self.runtime.block_on(self.start_in_order(requests));
        // Once a call comes back unreachable, the calls queued behind it
        // never ran: each of them runs alone in its turn, connecting
        // again as the one-by-one path would.
        let mut lost = false;
        Box::new(started.into_iter().map(move |ordered| match ordered {
            Ordered::Sent {
                module,
                report_interpreter,
                context,
                request,
            } => {
                let result = self.runtime.block_on(async {
                    Self::result_of(module.result().await, report_interpreter, &context)
                });
                let unreachable = matches!(result.get("unreachable"), Some(Value::Bool(true)));
                if lost && unreachable {
                    return ModuleRunner::run(self, *request);
                }
                lost |= unreachable;
                result
            }
            Ordered::Done(result) => result,
            Ordered::InTurn(request) => ModuleRunner::run(self, *request),
        }))
    }

    fn fetch_file(
        &self,
        request: &ModuleRequest,
        src: &str,
        dest: &std::path::Path,
    ) -> Result<(), Map> {
        self.runtime.block_on(async {
            let context = self.connect(request).await?;
            context
                .fetch_file(src, dest)
                .await
                .map(|_| ())
                .map_err(|e| match e {
                    CallError::Unreachable(u) => unreachable(&u),
                    other => failed(format!("failed to transfer file from {src}: {other}")),
                })
        })
    }

    fn expand_user(&self, request: &ModuleRequest, path: &str) -> Result<String, Map> {
        if !path.starts_with('~') {
            return Ok(path.to_string());
        }
        self.runtime.block_on(async {
            let context = self.connect(request).await?;
            context.expand_user(path).await.map_err(|e| match e {
                CallError::Unreachable(u) => unreachable(&u),
                other => failed(format!("could not expand {path} on the target: {other}")),
            })
        })
    }

    fn exec_command(
        &self,
        request: &ModuleRequest,
        cmd: &str,
        stdin: Vec<u8>,
    ) -> Result<crate::transport::ExecResult, Map> {
        self.runtime.block_on(async {
            let context = self.connect(request).await?;
            context
                .exec_command(cmd, Some(stdin))
                .await
                .map_err(|e| match e {
                    CallError::Unreachable(u) => unreachable(&u),
                    other => failed(format!("failed to run a command: {other}")),
                })
        })
    }

    fn put_bytes(&self, request: &ModuleRequest, data: Vec<u8>, dest: &str) -> Result<(), Map> {
        self.runtime.block_on(async {
            let context = self.connect(request).await?;
            context
                .put_bytes(data, dest, None)
                .await
                .map(|_| ())
                .map_err(|e| match e {
                    CallError::Unreachable(u) => unreachable(&u),
                    other => failed(format!("failed to transfer file to {dest}: {other}")),
                })
        })
    }

    fn reset_connection(&self, request: &ModuleRequest) {
        // A request whose connection settings do not parse has no
        // interpreter to forget.
        if let Ok(spec) = Self::spec(request) {
            self.runtime.block_on(self.pool.reset(&spec));
        }
    }

    fn retire_account(&self, request: &ModuleRequest, user: &str) {
        if let Ok(spec) = Self::spec(request) {
            self.runtime.block_on(self.pool.retire_account(&spec, user));
        }
    }

    fn shutdown(&self) {
        TransportRunner::shutdown(self);
    }
}

/// Modules report 2.19 `WarningSummary` objects; the controller keeps a
/// result's `warnings` as their message texts, as ansible does.
fn flatten_warnings(result: &mut Map) {
    if let Some(Value::List(items)) = result.get_mut("warnings") {
        for item in items.iter_mut() {
            if let Value::Map(summary) = item
                && let Some(Value::Map(event)) = summary.get("event")
                && let Some(msg) = event.get("msg")
            {
                *item = msg.clone();
            }
        }
    }
}

/// Modules report 2.19 `DeprecationSummary` objects; the controller keeps
/// a result's `deprecations` in the form playbooks see
/// (`deprecation_as_dict` plus the deprecator): `msg`, `collection_name`,
/// `date` or `version`, `deprecator` as `{resolved_name, type}`.
fn flatten_deprecations(result: &mut Map) {
    let Some(Value::List(items)) = result.get_mut("deprecations") else {
        return;
    };
    for item in items.iter_mut() {
        let Value::Map(summary) = item else {
            continue;
        };
        let Some(Value::Map(event)) = summary.get("event") else {
            continue;
        };
        let msg = super::report::event_brief_message(event).unwrap_or_default();
        let deprecator = summary.get("deprecator").and_then(Value::as_map);
        let resolved_name = deprecator
            .and_then(|d| d.get("resolved_name"))
            .and_then(Value::as_str);
        let plugin_type = deprecator
            .and_then(|d| d.get("type"))
            .and_then(|t| match t {
                Value::Map(m) => m.get("value").cloned(),
                Value::Null => None,
                other => Some(other.clone()),
            })
            .unwrap_or(Value::Null);
        let collection_name = resolved_name
            .map(|name| Value::str(name.split('.').take(2).collect::<Vec<_>>().join(".")))
            .unwrap_or(Value::Null);
        let mut flat = Map::new();
        flat.insert("msg".into(), Value::str(msg));
        flat.insert("collection_name".into(), collection_name);
        match summary.get("date").filter(|d| !matches!(d, Value::Null)) {
            Some(date) => flat.insert("date".into(), date.clone()),
            None => flat.insert(
                "version".into(),
                summary.get("version").cloned().unwrap_or(Value::Null),
            ),
        };
        let deprecator = deprecator.map(|_| {
            let mut d = Map::new();
            d.insert(
                "resolved_name".into(),
                resolved_name.map(Value::str).unwrap_or(Value::Null),
            );
            d.insert("type".into(), plugin_type);
            Value::Map(d)
        });
        flat.insert("deprecator".into(), deprecator.unwrap_or(Value::Null));
        *item = Value::Map(flat);
    }
}

/// Puts an uploaded file's remote path into the module arguments: `arg`
/// itself, or a value inside its mapping (`within` names the keys).
fn place_upload(args: &mut Map, arg: &str, within: &[String], remote: String) {
    let Some((last, parents)) = within.split_last() else {
        args.insert(arg.to_string(), Value::str(remote));
        return;
    };
    let mut slot = args.get_mut(arg);
    for key in parents {
        slot = match slot {
            Some(Value::Map(m)) => m.get_mut(key.as_str()),
            _ => None,
        };
    }
    if let Some(Value::Map(m)) = slot {
        m.insert(last.clone(), Value::str(remote));
    }
}
