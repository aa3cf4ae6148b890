//! The connection pool: one connection per (transport, host, port, user,
//! login password, via chain), child interpreters per (become user,
//! password) on it (passwords only as salted hashes, `secret_key`), at most
//! `max_interpreters` per target (the youngest is recycled), setup bounded
//! by `forks`.

use super::backend::{Backend, transport_argv};
use super::become_::become_argv;
use super::bootstrap::Interpreter;
use super::connection::{Connection, Hello, ROOT};
use super::context::{Context, ControllerPaths};
use super::error::{Unreachable, UnreachableKind};
use super::modules::{SearchPaths, ansible_version, default_collections_paths, find_ansible_core};
use super::spec::{ConnectionSpec, TransportKind};
use serde_json::json;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tokio::sync::{OnceCell, Semaphore};

pub struct PoolOptions {
    /// Connections set up in parallel (ansible's `forks`).
    pub forks: usize,
    /// Interpreters per target (MITOGEN_MAX_INTERPRETERS, default 20).
    pub max_interpreters: usize,
    /// ansible-core's package dir; found with `find_ansible_core` if unset.
    pub ansible_core: Option<PathBuf>,
    /// Dirs holding `ansible_collections/`; ansible's defaults if unset.
    pub collections_paths: Option<Vec<PathBuf>>,
    /// ANSIBLE_LIBRARY (searched after the call's own library dirs).
    pub library: Vec<PathBuf>,
    /// `remote_tmp` / `system_tmpdirs` for the private temp dir search.
    pub remote_tmp: Option<String>,
    pub system_tmpdirs: Vec<String>,
    /// How the first hop is reached (`DefaultBackend`: russh for ssh,
    /// command lines for the rest).
    pub backend: Arc<dyn Backend>,
    /// ansible.cfg values of the ssh plugin's options, by option name
    /// (`host_key_checking`, `timeout`, `ssh_args`, `ssh_common_args`,
    /// `ssh_extra_args`, `private_key_file`, `remote_user`, `port`,
    /// `ssh_executable`), used when neither a host variable nor an
    /// `ANSIBLE_*` environment variable sets them.
    pub ssh_settings: Vec<(String, String)>,
    /// pam_env-style files whose edits each interpreter applies to its
    /// environment before every module run (None: `~/.pam_environment`
    /// and `/etc/environment`, as sshd/sudo would re-read them).
    pub environment_files: Option<Vec<String>>,
    /// Where agents' LOG frames go (the executor's `-vvv` display); None:
    /// agents do not send them.
    pub log: Option<super::connection::LogSink>,
    /// `MITOGEN_DUMP_THREAD_STACKS=<secs>` (or `MITORUN_DUMP_THREAD_STACKS`):
    /// every agent logs the stack of each of its threads this often
    /// (through `log`), and `Pool::in_flight` is there for the controller's
    /// own report. For hangs.
    pub dump_stacks: Option<std::time::Duration>,
    /// Where interpreters of local connections start: ansible runs local
    /// commands and modules in the playbook's dir (None: mitorun's own
    /// working dir).
    pub local_cwd: Option<PathBuf>,
}

/// The dump interval from the environment (positive seconds).
fn dump_stacks_interval() -> Option<std::time::Duration> {
    ["MITORUN_DUMP_THREAD_STACKS", "MITOGEN_DUMP_THREAD_STACKS"]
        .iter()
        .find_map(|name| std::env::var(name).ok())
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|secs| secs.is_finite() && *secs > 0.0)
        .map(std::time::Duration::from_secs_f64)
}

impl Default for PoolOptions {
    fn default() -> PoolOptions {
        let max_interpreters = std::env::var("MITOGEN_MAX_INTERPRETERS")
            .ok()
            .and_then(|v| v.parse().ok())
            .filter(|n: &usize| *n > 0)
            .unwrap_or(20);
        let library = std::env::var("ANSIBLE_LIBRARY")
            .map(|v| {
                v.split(':')
                    .filter(|s| !s.is_empty())
                    .map(|s| PathBuf::from(crate::pypath::expanduser(s)))
                    .collect()
            })
            .unwrap_or_default();
        PoolOptions {
            forks: 5,
            max_interpreters,
            ansible_core: None,
            collections_paths: None,
            library,
            remote_tmp: None,
            system_tmpdirs: Vec::new(),
            backend: Arc::new(super::ssh_backend::DefaultBackend),
            ssh_settings: Vec::new(),
            environment_files: None,
            log: None,
            dump_stacks: dump_stacks_interval(),
            local_cwd: None,
        }
    }
}

type Slot = Arc<OnceCell<Result<Context, Unreachable>>>;

/// An interpreter a target's interpreter started for a become user.
struct BecomeChild {
    /// Its slot's key.
    key: String,
    /// The account it runs as.
    user: String,
    context: Context,
}

pub struct Pool {
    options: PoolOptions,
    setup: Semaphore,
    slots: Mutex<HashMap<String, Slot>>,
    /// Become children per target key, oldest first, for recycling.
    children: Mutex<HashMap<String, Vec<BecomeChild>>>,
    paths: OnceCell<Arc<ControllerPaths>>,
}

impl Pool {
    pub fn new(options: PoolOptions) -> Pool {
        Pool {
            setup: Semaphore::new(options.forks.max(1)),
            options,
            slots: Mutex::new(HashMap::new()),
            children: Mutex::new(HashMap::new()),
            paths: OnceCell::new(),
        }
    }

    async fn controller_paths(&self) -> Arc<ControllerPaths> {
        self.paths
            .get_or_init(|| async {
                let explicit = self.options.ansible_core.clone();
                let collections = self.options.collections_paths.clone();
                let library = self.options.library.clone();
                tokio::task::spawn_blocking(move || {
                    let core = explicit.or_else(find_ansible_core);
                    let collections = match collections {
                        // The configured roots, then the site-packages
                        // holding ansible-core (ansible scans sys.path too).
                        Some(mut roots) => {
                            if let Some(site) = core.as_deref().and_then(std::path::Path::parent)
                                && !roots.iter().any(|r| r == site)
                            {
                                roots.push(site.to_path_buf());
                            }
                            roots
                        }
                        None => default_collections_paths(core.as_deref()),
                    };
                    Arc::new(ControllerPaths {
                        ansible_version: ansible_version(core.as_deref()),
                        search: SearchPaths {
                            library,
                            module_utils: Vec::new(),
                            collections,
                            ansible_core: core,
                        },
                    })
                })
                .await
                .unwrap_or_default()
            })
            .await
            .clone()
    }

    /// Requests still waiting for a reply on every live connection, with
    /// the connection's name, oldest first.
    pub fn in_flight(&self) -> Vec<(String, super::connection::InFlight)> {
        let slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        let mut seen: Vec<*const Connection> = Vec::new();
        let mut waiting = Vec::new();
        for cell in slots.values() {
            let Some(Ok(context)) = cell.get() else {
                continue;
            };
            let conn = context.connection();
            if seen.contains(&Arc::as_ptr(conn)) {
                continue;
            }
            seen.push(Arc::as_ptr(conn));
            waiting.extend(conn.in_flight().into_iter().map(|r| (conn.name.clone(), r)));
        }
        waiting.sort_by_key(|w| std::cmp::Reverse(w.1.waiting));
        waiting
    }

    /// The interpreter for `spec` (through its via hops, then become),
    /// started on first use and reused after.
    pub async fn context(&self, spec: &ConnectionSpec) -> Result<Context, Unreachable> {
        let mut parent: Option<Context> = None;
        let mut key = String::new();
        for hop in spec.via.iter().chain(std::iter::once(spec)) {
            key.push_str(&hop.hop_key());
            let hop_ctx = self
                .slot(&key, || self.connect_hop(hop, parent.clone()))
                .await?;
            parent = Some(match &hop.become_ {
                Some(b) => {
                    let target_key = key.clone();
                    key.push_str(&b.key());
                    self.slot(&key, || {
                        self.become_child(hop, hop_ctx.clone(), target_key.clone(), key.clone())
                    })
                    .await?
                }
                None => hop_ctx,
            });
            key.push_str(" -> ");
        }
        parent.ok_or_else(|| Unreachable::new(UnreachableKind::Other, "empty connection chain"))
    }

    /// Single-flight get-or-create; a failed or dead entry is replaced on
    /// the next request.
    async fn slot<F, Fut>(&self, key: &str, make: F) -> Result<Context, Unreachable>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<Context, Unreachable>>,
    {
        let cell = {
            let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
            let stale = slots
                .get(key)
                .and_then(|c| c.get())
                .is_some_and(|r| r.as_ref().map_or(true, |c| !c.is_alive()));
            if stale {
                slots.remove(key);
            }
            slots.entry(key.to_string()).or_default().clone()
        };
        let result = cell.get_or_init(make).await.clone();
        if result.is_err() {
            let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
            if slots.get(key).is_some_and(|c| Arc::ptr_eq(c, &cell)) {
                slots.remove(key);
            }
        }
        result
    }

    fn agent_config(&self, spec: &ConnectionSpec) -> serde_json::Value {
        let remote_tmp: Vec<String> = spec
            .remote_tmp
            .iter()
            .chain(self.options.remote_tmp.iter())
            .cloned()
            .collect();
        let cwd = match spec.transport {
            TransportKind::Local => self.options.local_cwd.as_ref(),
            _ => None,
        };
        json!({
            "remote_tmp": remote_tmp,
            "system_tmpdirs": self.options.system_tmpdirs,
            "env_files": self.options.environment_files,
            "log": self.options.log.is_some(),
            "dump_stacks": self.options.dump_stacks.map(|d| d.as_secs_f64()),
            "cwd": cwd,
        })
    }

    fn explicit_python(spec: &ConnectionSpec) -> Option<Vec<String>> {
        match &spec.interpreter {
            Interpreter::Explicit(argv) => Some(argv.clone()),
            Interpreter::Discover { .. } => None,
        }
    }

    async fn connect_hop(
        &self,
        spec: &ConnectionSpec,
        parent: Option<Context>,
    ) -> Result<Context, Unreachable> {
        let _permit = self
            .setup
            .acquire()
            .await
            .map_err(|_| Unreachable::new(UnreachableKind::Other, "pool closed"))?;
        let mut spec = spec.clone();
        spec.apply_ssh_settings(&self.options.ssh_settings)
            .map_err(|e| Unreachable::new(UnreachableKind::Other, e.0))?;
        let spec = &spec;
        // Finding ansible-core on the controller starts a Python (100-300
        // ms): it runs while the connection is made, not before it.
        let (paths, started) =
            tokio::join!(self.controller_paths(), self.start_hop_agent(spec, parent));
        let (conn, id, hello) = started.map_err(|u| match Self::explicit_python(spec) {
            Some(argv) => u.for_configured_interpreter(&argv),
            None => u,
        })?;
        Ok(Context::new(
            conn,
            id,
            hello,
            paths,
            Self::explicit_python(spec),
        ))
    }

    /// Start the agent of one hop: over a new connection (the first hop)
    /// or as a child of the previous hop's agent. Returns the connection,
    /// the agent's context id and its HELLO.
    async fn start_hop_agent(
        &self,
        spec: &ConnectionSpec,
        parent: Option<Context>,
    ) -> Result<(Arc<Connection>, u32, Hello), Unreachable> {
        let boot = spec.interpreter.boot_argv();
        let mut config = self.agent_config(spec);
        match parent {
            None => {
                let spawned = self.options.backend.spawn(spec, &boot).await?;
                config["id"] = json!(ROOT);
                config["parent"] = json!(0);
                let (conn, hello) = Connection::boot(spawned, config, spec.timeout).await?;
                if let Some(sink) = &self.options.log {
                    conn.set_log_sink(&spec.inventory_hostname, sink.clone());
                }
                Ok((conn, ROOT, hello))
            }
            Some(parent) => {
                let argv = transport_argv(spec, &boot)
                    .map_err(|e| Unreachable::new(UnreachableKind::Other, e.0))?;
                let conn = parent.connection().clone();
                // With ansible_password the hop's ssh runs on a pty and the
                // hop's agent types the password at its prompt, as for
                // become (transport_argv leaves BatchMode off then); the
                // password crosses the connection in this frame, never argv.
                let header = json!({
                    "argv": argv,
                    "password": spec.password,
                    "timeout": spec.timeout.as_secs_f64(),
                    "config": config,
                });
                let (id, hello) = conn.spawn_child(parent.id(), header).await.map_err(|u| {
                    let kind = if u.msg.contains("Permission denied")
                        || u.msg.starts_with("incorrect password")
                        || u.msg.starts_with("a password is required")
                    {
                        UnreachableKind::Auth
                    } else {
                        u.kind
                    };
                    Unreachable::new(
                        kind,
                        format!("{} via {}: {}", spec.inventory_hostname, conn.name, u.msg),
                    )
                })?;
                Ok((conn, id, hello))
            }
        }
    }

    async fn become_child(
        &self,
        spec: &ConnectionSpec,
        parent: Context,
        target_key: String,
        key: String,
    ) -> Result<Context, Unreachable> {
        let Some(b) = &spec.become_ else {
            return Ok(parent);
        };
        self.recycle(&target_key).await;
        let python = parent.python_argv();
        let mut boot = python.clone();
        boot.push("-c".into());
        boot.push(super::bootstrap::STAGE1.into());
        let argv =
            become_argv(b, &boot).map_err(|e| Unreachable::new(UnreachableKind::Other, e.0))?;
        // What the agent logs (-vvv) of the command it runs: every
        // argument but the first stage's source, which is long and the
        // same for every child.
        let shown: Vec<String> = argv
            .iter()
            .map(|a| {
                if a == super::bootstrap::STAGE1 {
                    "<mitorun first stage>".to_string()
                } else {
                    a.clone()
                }
            })
            .collect();
        let conn = parent.connection().clone();
        let header = json!({
            "argv": argv,
            "shown": super::bootstrap::shell_join(&shown),
            "password": b.password,
            "timeout": spec.timeout.as_secs_f64(),
            "config": self.agent_config(spec),
        });
        let (id, hello) = conn
            .spawn_child(parent.id(), header)
            .await
            .map_err(|u| become_failure(b, u))?;
        let ctx = Context::new(conn, id, hello, parent_paths(&parent), Some(python));
        self.children
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(target_key)
            .or_default()
            .push(BecomeChild {
                key,
                user: b.user.clone(),
                context: ctx.clone(),
            });
        Ok(ctx)
    }

    /// Before a new interpreter on a target: if the limit is reached, stop
    /// the youngest (keeping early, long-lived accounts like root).
    async fn recycle(&self, target_key: &str) {
        let victim = {
            let mut children = self.children.lock().unwrap_or_else(|p| p.into_inner());
            let list = children.entry(target_key.to_string()).or_default();
            list.retain(|child| child.context.is_alive());
            // The target's own interpreter counts too.
            if list.len() + 1 >= self.options.max_interpreters {
                list.pop()
            } else {
                None
            }
        };
        if let Some(victim) = victim {
            self.slots
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(&victim.key);
            let ctx = victim.context;
            ctx.connection().shutdown_context(ctx.id()).await;
        }
    }

    /// Stop the interpreters that `spec`'s target runs as `user` for
    /// become, and wait until they have exited: the account is about to be
    /// removed, which fails while it has processes (ansible's become
    /// processes end with each task; these would live on).
    pub async fn retire_account(&self, spec: &ConnectionSpec, user: &str) {
        let target_key = spec.chain_key();
        let retired: Vec<BecomeChild> = {
            let mut children = self.children.lock().unwrap_or_else(|p| p.into_inner());
            let Some(list) = children.get_mut(&target_key) else {
                return;
            };
            let (gone, kept) = std::mem::take(list)
                .into_iter()
                .partition(|child| child.user == user);
            *list = kept;
            gone
        };
        if retired.is_empty() {
            return;
        }
        let target = {
            let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
            for child in &retired {
                slots.remove(&child.key);
            }
            slots
                .get(&target_key)
                .and_then(|cell| cell.get())
                .and_then(|r| r.as_ref().ok())
                .cloned()
        };
        for child in retired {
            let ctx = child.context;
            match &target {
                Some(target) => {
                    ctx.connection()
                        .stop_child_context(target.id(), ctx.id())
                        .await
                }
                None => ctx.connection().shutdown_context(ctx.id()).await,
            }
        }
    }

    /// Runs `shell -c cmd` on the target of `spec` with no agent: raw on a
    /// target that has no Python yet. Reached directly only: a `via` chain
    /// needs agents on its hops, and is refused as the agent's failure was.
    pub async fn run_without_agent(
        &self,
        spec: &ConnectionSpec,
        shell: &str,
        cmd: &str,
    ) -> Result<super::context::ExecResult, Unreachable> {
        if !spec.via.is_empty() {
            return Err(Unreachable::new(
                UnreachableKind::NoPython,
                "raw without Python on the target is not available through mitogen_via hops",
            ));
        }
        let mut spec = spec.clone();
        spec.apply_ssh_settings(&self.options.ssh_settings)
            .map_err(|e| Unreachable::new(UnreachableKind::Other, e.0))?;
        let (argv, stdin) = super::agentless::command_argv(&spec, shell, cmd)?;
        super::agentless::run(self.options.backend.as_ref(), &spec, &argv, stdin).await
    }

    /// ansible's `connection.reset()`: forget the interpreter of `spec`'s
    /// target (its become children and whatever was reached through it go
    /// with it) and stop it, without connecting: the next `context` call
    /// connects and bootstraps a new agent. A target reached directly
    /// loses its whole connection; one behind `via` hops only its own
    /// interpreter, the hops stay.
    pub async fn reset(&self, spec: &ConnectionSpec) {
        let key = spec.chain_key();
        let reached_from = |k: &str| {
            k == key
                || k.strip_prefix(key.as_str())
                    .is_some_and(|rest| rest.starts_with("+become:") || rest.starts_with(" -> "))
        };
        let target = {
            let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
            let target = slots
                .get(&key)
                .and_then(|cell| cell.get())
                .and_then(|r| r.as_ref().ok())
                .cloned();
            slots.retain(|k, _| !reached_from(k));
            target
        };
        self.children
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|k, _| !reached_from(k));
        let Some(target) = target else {
            return;
        };
        if target.id() == ROOT {
            target.connection().shutdown().await;
        } else {
            target.connection().shutdown_context(target.id()).await;
        }
    }

    /// Stop every agent (they remove their temp dirs) and transport.
    pub async fn shutdown(&self) {
        let conns: Vec<Arc<Connection>> = {
            let slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
            let mut v: Vec<Arc<Connection>> = Vec::new();
            for cell in slots.values() {
                if let Some(Ok(c)) = cell.get()
                    && c.id() == ROOT
                    && !v.iter().any(|x| Arc::ptr_eq(x, c.connection()))
                {
                    v.push(c.connection().clone());
                }
            }
            v
        };
        for c in conns {
            c.shutdown().await;
        }
        self.slots.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}

fn parent_paths(parent: &Context) -> Arc<ControllerPaths> {
    parent.paths()
}

/// ansible's wording for become failures ("Missing sudo password",
/// "Incorrect sudo password"), other causes verbatim.
fn become_failure(b: &super::spec::BecomeSpec, u: Unreachable) -> Unreachable {
    if u.kind == UnreachableKind::Disconnected {
        return u;
    }
    let method = match b.method {
        super::spec::BecomeMethod::Sudo => "sudo",
        super::spec::BecomeMethod::Su => "su",
        super::spec::BecomeMethod::Doas => "doas",
    };
    let lower = u.msg.to_ascii_lowercase();
    let msg = if lower.contains("a password is required") {
        format!("Missing {method} password")
    } else if lower.starts_with("incorrect password") || lower.contains("sorry, try again") {
        format!("Incorrect {method} password")
    } else {
        format!("{method} to {} failed: {}", b.user, u.msg)
    };
    Unreachable::new(UnreachableKind::Become, msg)
}
