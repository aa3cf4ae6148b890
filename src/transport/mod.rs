//! The transport: persistent Python agents on targets, reached over one
//! connection each, driven through RPC frames (see ARCHITECTURE.md,
//! `src/transport/`).
//!
//! The executor's API:
//!
//! ```text
//! let spec = ConnectionSpec::from_vars(inventory_hostname, &host_vars)?;   // + with_via(...) for mitogen_via
//! let pool = Pool::new(PoolOptions::default());
//! let ctx: Context = pool.context(&spec).await?;              // Unreachable on failure
//! let result: Map = ctx.run_module(ModuleCall::new("ping", args)).await?;
//! ctx.put_file(src, "/dest", Some(0o644)).await?;  ctx.fetch_file("/src", dest).await?;
//! ctx.exec_command("uname -a", None).await?;       ctx.discovered_interpreter();
//! let started = ctx.start_module(call).await?;  started.result().await?; // send now, await later
//! call.queue = Some(name);                              // calls of one queue run in the order sent
//! call.async_job = Some(AsyncJob { time_limit, dir });  // run_module starts a background job
//! call.cancel_key = Some(key); ctx.cancel(&key).await?; // a call the task timeout can kill
//! ctx.expand_user("~/.ansible_async").await?;           // ~ as the target user sees it
//! pool.shutdown().await;
//! ```
//!
//! Action plugins with a controller-side `src` (copy, template, script;
//! what ansible's actions do around the module):
//!
//! ```text
//! // copy / template: the controller renders or reads the source, then
//! let tmp = ctx.make_task_tmp().await?;                 // inside ctx.remote_tmp()
//! let up = format!("{tmp}/source");                      // any name: the module moves it
//! ctx.put_file(local_src, &up, None).await?;             // or put_bytes(rendered, ...)
//! args: src=up, dest, _original_basename=<basename of the task's src>,
//!       checksum=<sha1 of local_src> (+ the task's mode/owner/group/backup/validate ...)
//! ctx.run_module(ModuleCall::new("copy", args)).await?; // native copy; check mode/diff via ModuleCall
//! ctx.remove_task_tmp(&tmp).await?;                      // always, also after a failure
//! // small files: the same four steps sent together, one round trip:
//! let dir = ctx.staged_task_tmp()?;                      // a name chosen here
//! ctx.run_module_with_files(call, &dir, vec![StagedFile { path, data, mode }]).await;
//! // ansible first stats dest (`stat` with get_checksum) to skip identical files
//! // and to build --diff (slurp dest for the before text); both are native.
//!
//! // script: upload `tmp/<basename>` with mode 0o700, replace the first word of
//! // the command line by that path, run native `script` with _raw_params (or cmd),
//! // creates, removes, chdir, executable; remove_task_tmp after.
//!
//! // fetch: `stat` (checksum_algorithm=sha1, follow=true) for the remote checksum
//! // and existence, then ctx.fetch_file(src, dest) (SHA-1 checked both ends);
//! // `slurp` when the file is readable only through become and fetch_file fails.
//!
//! // raw: native `raw` (the agent runs `executable -c CMD`); when the agent cannot
//! // start for want of Python, pool.run_without_agent(&spec, shell, cmd) runs the
//! // command straight over the transport (how raw installs Python).
//! ```
//!
//! Modules: `frame` (wire format), `bootstrap` (first stage, interpreter
//! discovery, agent source), `backend` (command lines per transport and the
//! `Backend` trait), `agentless` (a command without an agent), `ssh_backend` (the default backend: russh for ssh,
//! `mitorun_ssh_backend=auto|russh|binary`), `ssh` (the russh client), `become_` (sudo/su/doas command lines), `connection`
//! (reader/writer tasks and request demultiplexing), `context` (calls),
//! `modules` (finding and preparing modules), `pool`, `spec`, `secret_key`
//! (passwords in pool keys as salted hashes), `error`.
//! The agent's Python is in `agent/`.

pub mod agentless;
pub mod backend;
pub mod become_;
pub mod bootstrap;
pub mod connection;
pub mod context;
pub mod error;
pub mod frame;
pub mod modules;
pub mod pool;
pub mod secret_key;
pub mod spec;
pub mod ssh;
pub mod ssh_backend;

pub use backend::{Backend, Spawned};
pub use connection::{Hello, LogRecord, LogSink};
pub use context::{
    AsyncJob, Context, ExecResult, FileStat, ModuleCall, ModuleEvent, StagedFile, StagingError,
    StartedModule,
};
pub use error::{CallError, SpecError, Unreachable, UnreachableKind};
pub use pool::{Pool, PoolOptions};
pub use spec::{BecomeMethod, BecomeSpec, ConnectionSpec, SshBackend, TransportKind};
pub use ssh_backend::DefaultBackend;
