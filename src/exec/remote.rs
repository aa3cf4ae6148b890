//! Module calls on targets through the transport: the executor's
//! `ModuleRunner` backed by a connection `Pool` on a tokio runtime. Task
//! threads block on their own call; the pool keeps one connection per
//! target for the whole run.

use super::{ModuleRequest, ModuleRunner, UploadData};
use crate::transport::{
    CallError, ConnectionSpec, ModuleCall, Pool, PoolOptions, Unreachable, UnreachableKind,
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
    let mut result = Map::new();
    result.insert("unreachable".into(), Value::Bool(true));
    result.insert("msg".into(), Value::str(u.msg.as_str()));
    result.insert("changed".into(), Value::Bool(false));
    result
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
        self.pool.context(&spec).await.map_err(|u| unreachable(&u))
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

    async fn call(&self, request: ModuleRequest, cancel_key: Option<String>) -> Map {
        let spec = match Self::spec(&request) {
            Ok(spec) => spec,
            Err(e) => return failed(e),
        };
        let context = match self.pool.context(&spec).await {
            Ok(c) => c,
            Err(u) => return unreachable(&u),
        };
        let mut args = request.args;
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
        for upload in request.uploads {
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
        let outcome = context.run_module(call).await;
        if let Some(dir) = &task_tmp {
            let _ = context.remove_task_tmp(dir).await;
        }
        match outcome {
            Ok(mut result) => {
                if request.report_interpreter
                    && let Some(python) = context.discovered_interpreter()
                {
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

    fn reset_connection(&self, request: &ModuleRequest) {
        // A request whose connection settings do not parse has no
        // interpreter to forget.
        if let Ok(spec) = Self::spec(request) {
            self.runtime.block_on(self.pool.reset(&spec));
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
