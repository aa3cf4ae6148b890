//! The controller-side Python worker that runs a project's own filter,
//! test and lookup plugins (`templating::python_plugins`) and the `url`
//! lookup (`templating::lookups::url`): mitorun's agent,
//! started locally on first use over the local connection, kept for the
//! whole run, with its own small runtime so template code (plain threads)
//! can call it synchronously.

use crate::playbook::model::{BlockKind, Item, Playbook, Role};
use crate::templating::python_plugins::{PluginDirs, PluginWorker};
use crate::transport::modules::PYTHON_PLUGIN_MODULE;
use crate::transport::{
    ConnectionSpec, Context, ModuleCall, ModuleEvent, Pool, PoolOptions, StartedModule,
};
use crate::value::{Map, Value};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

/// The controller's Python worker: started on first use (a run that
/// never needs Python starts none), then kept for the whole run. It
/// serves the project's own plugins and the lookups written in Python's
/// standard library (`url`).
pub struct LocalPluginWorker {
    /// Interpreters to try, in order (the first that starts is kept).
    pythons: Vec<String>,
    started: OnceLock<Result<Started, String>>,
}

/// The worker's own runtime and connection, once started.
struct Started {
    runtime: tokio::runtime::Runtime,
    pool: Pool,
    context: Mutex<Option<Context>>,
}

impl LocalPluginWorker {
    pub fn new(pythons: Vec<String>) -> LocalPluginWorker {
        LocalPluginWorker {
            pythons,
            started: OnceLock::new(),
        }
    }

    fn started(&self) -> Result<&Started, String> {
        self.started
            .get_or_init(|| {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(1)
                    .enable_all()
                    .build()
                    .map_err(|e| format!("cannot start the controller's Python worker: {e}"))?;
                let pool = {
                    let _guard = runtime.enter();
                    Pool::new(PoolOptions::default())
                };
                Ok(Started {
                    runtime,
                    pool,
                    context: Mutex::new(None),
                })
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    async fn connect(&self, started: &Started) -> Result<Context, String> {
        if let Ok(slot) = started.context.lock()
            && let Some(context) = slot.as_ref()
            && context.is_alive()
        {
            return Ok(context.clone());
        }
        let mut last = String::from("no Python interpreter to try");
        for python in &self.pythons {
            let mut vars = Map::new();
            vars.insert("ansible_connection".into(), Value::str("local"));
            vars.insert("ansible_python_interpreter".into(), Value::str(python));
            let spec = ConnectionSpec::from_vars("localhost", &vars).map_err(|e| e.to_string())?;
            match started.pool.context(&spec).await {
                Ok(context) => {
                    if let Ok(mut slot) = started.context.lock() {
                        *slot = Some(context.clone());
                    }
                    return Ok(context);
                }
                Err(u) => last = u.msg,
            }
        }
        Err(format!("cannot start Python on the controller: {last}"))
    }

    async fn call_async(&self, started: &Started, module: &str, args: Map) -> Result<Map, String> {
        let context = self.connect(started).await?;
        let mut call = ModuleCall::new(module, args);
        call.no_log = true;
        context
            .run_module(call)
            .await
            .map_err(|e| format!("the controller's Python worker failed: {e}"))
    }
}

/// Answers a worker call's question (its header and payload): the answer's
/// header and payload. Runs on the calling thread, outside any runtime.
pub type Answerer<'a> = dyn FnMut(Map, Vec<u8>) -> (Map, Vec<u8>) + 'a;

impl LocalPluginWorker {
    /// Run the native module `module` in the worker, answering what it
    /// asks while it runs with `answer` (on this thread: the worker's
    /// runtime only carries the frames), until its result comes.
    pub fn call_answering(
        &self,
        module: &str,
        args: Map,
        answer: &mut Answerer<'_>,
    ) -> Result<Map, String> {
        // Blocking on the worker's runtime from inside another runtime
        // would panic; task threads are plain threads.
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err("the Python plugin worker cannot be called from an async task".into());
        }
        let worker = self.started()?;
        let mut started: StartedModule = worker.runtime.block_on(async {
            let context = self.connect(worker).await?;
            let mut call = ModuleCall::new(module, args);
            call.no_log = true;
            context
                .start_module(call)
                .await
                .map_err(|e| format!("the Python plugin worker failed: {e}"))
        })?;
        loop {
            match worker.runtime.block_on(started.next_event()) {
                ModuleEvent::Done(result) => {
                    return result.map_err(|e| format!("the Python plugin worker failed: {e}"));
                }
                ModuleEvent::Ask { header, payload } => {
                    let question = match Value::from_json(&serde_json::Value::Object(header)) {
                        Value::Map(m) => m,
                        _ => Map::new(),
                    };
                    let (reply, data) = answer(question, payload);
                    let reply = crate::transport::context::value_to_json(&Value::Map(reply));
                    worker
                        .runtime
                        .block_on(started.answer(reply, data))
                        .map_err(|e| format!("the Python plugin worker failed: {e}"))?;
                }
            }
        }
    }
}

impl PluginWorker for LocalPluginWorker {
    fn call(&self, args: Map) -> Result<Map, String> {
        self.call_module(PYTHON_PLUGIN_MODULE, args)
    }

    fn call_module(&self, module: &str, args: Map) -> Result<Map, String> {
        let started = self.started()?;
        // A thread already inside a runtime cannot block on another one.
        if tokio::runtime::Handle::try_current().is_ok() {
            return std::thread::scope(|scope| {
                scope
                    .spawn(|| {
                        started
                            .runtime
                            .block_on(self.call_async(started, module, args))
                    })
                    .join()
                    .unwrap_or_else(|_| Err("the controller's Python worker panicked".into()))
            });
        }
        started
            .runtime
            .block_on(self.call_async(started, module, args))
    }
}

impl Drop for Started {
    fn drop(&mut self) {
        // The agent exits with its connection; stop it cleanly when this
        // thread may block (it is not inside another runtime).
        if tokio::runtime::Handle::try_current().is_err() {
            self.runtime.block_on(self.pool.shutdown());
        }
    }
}

/// Where a run's Python plugins may be: the configured plugin paths, the
/// directory of each playbook and play, each role the playbooks use, and
/// every role under the role search path (include_role may load any).
pub fn plugin_dirs(
    playbooks: &[Playbook],
    configured: &PluginDirs,
    roles_path: &[PathBuf],
) -> PluginDirs {
    let mut dirs = configured.clone();
    let mut role_bases: Vec<PathBuf> = roles_path.to_vec();
    for playbook in playbooks {
        if let Some(dir) = playbook.path.parent() {
            let dir = absolute(dir);
            dirs.add_adjacent(&dir);
            role_bases.push(dir.join("roles"));
        }
        for play in &playbook.plays {
            dirs.add_adjacent(&play.basedir);
            if let Some(included) = &play.included_path {
                dirs.add_adjacent(included);
            }
            for role in &play.roles {
                add_role(&mut dirs, role);
            }
            for items in [
                &play.pre_tasks,
                &play.tasks,
                &play.post_tasks,
                &play.handlers,
            ] {
                add_item_roles(&mut dirs, items);
            }
        }
    }
    for base in role_bases {
        for role in crate::templating::python_plugins::sorted_dirs(&base) {
            dirs.add_adjacent(&role);
        }
    }
    dirs
}

fn absolute(dir: &Path) -> PathBuf {
    PathBuf::from(crate::pypath::abspath(&dir.to_string_lossy()))
}

fn add_role(dirs: &mut PluginDirs, role: &Role) {
    dirs.add_adjacent(&role.path);
    for dependency in &role.dependencies {
        add_role(dirs, dependency);
    }
    add_item_roles(dirs, &role.tasks);
    add_item_roles(dirs, &role.handlers);
}

fn add_item_roles(dirs: &mut PluginDirs, items: &[Item]) {
    for item in items {
        if let Item::Block(block) = item {
            if let BlockKind::Role(info) = &block.kind {
                dirs.add_adjacent(&info.path);
            }
            for list in [&block.block, &block.rescue, &block.always] {
                add_item_roles(dirs, list);
            }
        }
    }
}
