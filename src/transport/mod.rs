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
//! pool.shutdown().await;
//! ```
//!
//! Modules: `frame` (wire format), `bootstrap` (first stage, interpreter
//! discovery, agent source), `backend` (command lines per transport and the
//! `Backend` trait), `ssh_backend` (the default backend: russh for ssh,
//! `mitorun_ssh_backend=auto|russh|binary`), `ssh` (the russh client), `become_` (sudo/su/doas command lines), `connection`
//! (reader/writer tasks and request demultiplexing), `context` (calls),
//! `modules` (finding and preparing modules), `pool`, `spec`, `error`.
//! The agent's Python is in `agent/`.

pub mod backend;
pub mod become_;
pub mod bootstrap;
pub mod connection;
pub mod context;
pub mod error;
pub mod frame;
pub mod modules;
pub mod pool;
pub mod spec;
pub mod ssh;
pub mod ssh_backend;

pub use backend::{Backend, Spawned};
pub use connection::Hello;
pub use context::{Context, ExecResult, FileStat, ModuleCall};
pub use error::{CallError, SpecError, Unreachable, UnreachableKind};
pub use pool::{Pool, PoolOptions};
pub use spec::{BecomeMethod, BecomeSpec, ConnectionSpec, SshBackend, TransportKind};
pub use ssh_backend::DefaultBackend;
