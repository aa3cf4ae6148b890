//! Background jobs (the `async` keyword) and cancellable calls (the
//! `timeout` keyword) in the agent: a job outlives its connection, keeps
//! its status in async_wrapper's file format (ansible-core's async_status
//! module reads it as the native one does), and dies at its time limit; a
//! cancelled call's whole process group is killed and the interpreter
//! goes on serving.

#[path = "common/sshd.rs"]
mod sshd;
#[path = "common/transport.rs"]
mod tr;

use mitorun::transport::{AsyncJob, Context, ModuleCall, Pool, PoolOptions};
use mitorun::value::{Map, Value};
use serde_json::Value as Json;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tr::*;

/// How long a test waits for a job's file to change before it gives up
/// (a safety net against hangs, not a timing assertion).
const PATIENCE: Duration = Duration::from_secs(60);

fn as_job(mut call: ModuleCall, time_limit: u64, dir: &Path) -> ModuleCall {
    call.async_job = Some(AsyncJob {
        time_limit,
        dir: dir.display().to_string(),
    });
    call
}

fn text<'a>(m: &'a Map, k: &str) -> &'a str {
    field(m, k).as_str().unwrap_or("")
}

fn read_json(path: &Path) -> Option<Json> {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
}

/// Wait until the JSON in `path` satisfies `done`.
async fn wait_for_json(path: &Path, done: impl Fn(&Json) -> bool) -> Json {
    let give_up = std::time::Instant::now() + PATIENCE;
    loop {
        if let Some(j) = read_json(path).filter(|j| done(j)) {
            return j;
        }
        assert!(
            std::time::Instant::now() < give_up,
            "{} never reached the expected state: {:?}",
            path.display(),
            read_json(path)
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn wait_for_file(path: &Path) -> String {
    let give_up = std::time::Instant::now() + PATIENCE;
    loop {
        if let Ok(t) = std::fs::read_to_string(path)
            && t.ends_with('\n')
        {
            return t.trim().to_string();
        }
        assert!(
            std::time::Instant::now() < give_up,
            "{} never appeared",
            path.display()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A process that is gone (or a zombie nobody reaped yet).
fn gone(pid: &str) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(") ")
            .is_some_and(|(_, rest)| rest.starts_with('Z')),
    }
}

async fn wait_until_gone(pid: &str) {
    let give_up = std::time::Instant::now() + PATIENCE;
    while !gone(pid) {
        assert!(
            std::time::Instant::now() < give_up,
            "process {pid} is still alive"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Start `cmd` as a job and check the start result as ansible gives it.
async fn start(ctx: &Context, cmd: &str, time_limit: u64, dir: &Path) -> (String, PathBuf) {
    let r = ctx
        .run_module(as_job(shell(cmd), time_limit, dir))
        .await
        .expect("job starts");
    assert_eq!(field(&r, "started"), &Value::Bool(true), "{r:?}");
    assert_eq!(field(&r, "finished"), &Value::Bool(false), "{r:?}");
    assert_eq!(field(&r, "failed"), &Value::Bool(false), "{r:?}");
    let jid = text(&r, "ansible_job_id").to_string();
    let re = regex::Regex::new(r"^j[0-9]+\.[0-9]+$").expect("regex");
    assert!(re.is_match(&jid), "job id {jid}");
    let results_file = PathBuf::from(text(&r, "results_file"));
    assert_eq!(results_file, dir.join(&jid));
    (jid, results_file)
}

/// The job's status while it runs, then its module result, in the file;
/// the job goes on after the connection is gone.
async fn job_outlives_its_connection(pool: Pool, ctx: Context, tag: &str) {
    let dir = tempdir(tag);
    let flag = dir.join("flag");
    let cmd = format!(
        "while [ ! -e {} ]; do sleep 0.05; done; echo done; echo oops >&2",
        flag.display()
    );
    let (jid, results_file) = start(&ctx, &cmd, 60, &dir).await;
    let status = read_json(&results_file).expect("status file written before the reply");
    assert_eq!(
        status,
        serde_json::json!({"started": true, "finished": false, "ansible_job_id": jid})
    );
    pool.shutdown().await;
    drop(ctx);
    std::fs::write(&flag, "").expect("flag");
    let result = wait_for_json(&results_file, |j| j.get("rc").is_some()).await;
    assert_eq!(result["rc"], 0, "{result}");
    assert_eq!(result["stdout"], "done", "{result}");
    assert_eq!(result["stderr"], "oops", "{result}");
    assert!(result.get("started").is_none(), "{result}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_outlives_a_local_connection() {
    let pool = Pool::new(PoolOptions::default());
    let ctx = pool.context(&local_spec(&[])).await.expect("connect");
    job_outlives_its_connection(pool, ctx, "job-local").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_outlives_an_ssh_connection() {
    let sshd = sshd::Sshd::start();
    let user = std::env::var("USER").unwrap_or_else(|_| "root".into());
    let pool = Pool::new(PoolOptions::default());
    let ctx = pool
        .context(&ssh_spec("russh", &sshd, &user, &[]))
        .await
        .expect("connect");
    job_outlives_its_connection(pool, ctx, "job-ssh").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_is_killed_at_its_time_limit() {
    let pool = Pool::new(PoolOptions::default());
    let ctx = pool.context(&local_spec(&[])).await.expect("connect");
    let dir = tempdir("job-limit");
    let pidfile = dir.join("pid");
    let cmd = format!("sleep 600 & echo $! > {}; wait", pidfile.display());
    let (_, results_file) = start(&ctx, &cmd, 1, &dir).await;
    let sleeper = wait_for_file(&pidfile).await;
    let verdict = wait_for_json(&results_file, |j| j.get("msg").is_some()).await;
    assert_eq!(verdict["msg"], "Timeout exceeded", "{verdict}");
    assert_eq!(verdict["failed"], true, "{verdict}");
    assert!(verdict["child_pid"].is_i64(), "{verdict}");
    // The whole process group went, the module's children too.
    wait_until_gone(&sleeper).await;
    pool.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_that_cannot_make_its_dir_fails_to_start() {
    let pool = Pool::new(PoolOptions::default());
    let ctx = pool.context(&local_spec(&[])).await.expect("connect");
    let dir = tempdir("job-nodir");
    let file = dir.join("a-file");
    std::fs::write(&file, "").expect("file");
    let r = ctx
        .run_module(as_job(command("true"), 5, &file.join("sub")))
        .await
        .expect("reply");
    assert_eq!(field(&r, "failed"), &Value::Bool(true), "{r:?}");
    assert!(
        text(&r, "msg").starts_with(&format!(
            "could not create directory: {}",
            file.join("sub").display()
        )),
        "{r:?}"
    );
    pool.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

async fn async_status(ctx: &Context, jid: &str, mode: &str, dir: &Path, native: bool) -> Map {
    let mut call = ModuleCall::new(
        "async_status",
        args(&[
            ("jid", Value::str(jid)),
            ("mode", Value::str(mode)),
            ("_async_dir", Value::str(dir.display().to_string())),
        ]),
    );
    call.prefer_native = native;
    let mut r = ctx.run_module(call).await.expect("async_status runs");
    r.shift_remove("invocation");
    r
}

/// The native async_status and ansible-core's read the same files alike:
/// a running job, a finished one, a missing one, and cleanup.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ansible_core_async_status_reads_the_jobs_files() {
    let pool = ref_pool();
    let ctx = pool.context(&local_spec(&[])).await.expect("connect");
    let dir = tempdir("job-status");
    let flag = dir.join("flag");
    let cmd = format!(
        "while [ ! -e {} ]; do sleep 0.05; done; echo released",
        flag.display()
    );
    let (jid, results_file) = start(&ctx, &cmd, 60, &dir).await;
    let running = async_status(&ctx, &jid, "status", &dir, true).await;
    assert_eq!(
        running,
        async_status(&ctx, &jid, "status", &dir, false).await
    );
    assert_eq!(field(&running, "finished"), &Value::Bool(false));
    assert_eq!(field(&running, "started"), &Value::Bool(true));
    std::fs::write(&flag, "").expect("flag");
    wait_for_json(&results_file, |j| j.get("rc").is_some()).await;
    let finished = async_status(&ctx, &jid, "status", &dir, true).await;
    assert_eq!(
        finished,
        async_status(&ctx, &jid, "status", &dir, false).await
    );
    assert_eq!(field(&finished, "finished"), &Value::Bool(true));
    assert_eq!(field(&finished, "stdout"), &Value::str("released"));
    assert_eq!(
        field(&finished, "ansible_job_id"),
        &Value::str(jid.as_str())
    );
    let missing = async_status(&ctx, "j1.2", "status", &dir, true).await;
    assert_eq!(
        missing,
        async_status(&ctx, "j1.2", "status", &dir, false).await
    );
    assert_eq!(field(&missing, "msg"), &Value::str("could not find job"));
    let erased = async_status(&ctx, &jid, "cleanup", &dir, false).await;
    assert_eq!(
        field(&erased, "erased"),
        &Value::str(results_file.display().to_string())
    );
    assert!(!results_file.exists());
    // A job of ansible-core's own module (a new-style module in the job).
    let mut real_command = shell("echo from-core");
    real_command.prefer_native = false;
    let r = ctx
        .run_module(as_job(real_command, 30, &dir))
        .await
        .expect("job starts");
    let path = PathBuf::from(text(&r, "results_file"));
    let result = wait_for_json(&path, |j| j.get("rc").is_some()).await;
    assert_eq!(result["stdout"], "from-core", "{result}");
    assert!(result.get("invocation").is_some(), "{result}");
    pool.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_call_dies_with_its_children() {
    let pool = Pool::new(PoolOptions::default());
    let ctx = pool.context(&local_spec(&[])).await.expect("connect");
    let dir = tempdir("cancel");
    let pidfile = dir.join("pid");
    let mut call = shell(&format!(
        "sleep 600 & echo $! > {}; wait",
        pidfile.display()
    ));
    call.cancel_key = Some("cancel-1".into());
    let running = {
        let ctx = ctx.clone();
        tokio::spawn(async move { ctx.run_module(call).await })
    };
    let sleeper = wait_for_file(&pidfile).await;
    assert!(ctx.cancel("cancel-1").await.expect("cancel call"));
    let outcome = tokio::time::timeout(PATIENCE, running)
        .await
        .expect("the cancelled call returns")
        .expect("task");
    assert!(outcome.is_err(), "{outcome:?}");
    wait_until_gone(&sleeper).await;
    // A cancel that comes first kills the call as soon as it starts.
    assert!(!ctx.cancel("cancel-2").await.expect("cancel call"));
    let mut early = shell("sleep 600");
    early.cancel_key = Some("cancel-2".into());
    let outcome = tokio::time::timeout(PATIENCE, ctx.run_module(early))
        .await
        .expect("the early-cancelled call returns");
    assert!(outcome.is_err(), "{outcome:?}");
    // The interpreter serves on.
    let r = ctx
        .run_module(command("echo still here"))
        .await
        .expect("runs");
    assert_eq!(field(&r, "stdout"), &Value::str("still here"));
    pool.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tilde_paths_expand_as_the_target_user_sees_them() {
    let pool = Pool::new(PoolOptions::default());
    let ctx = pool.context(&local_spec(&[])).await.expect("connect");
    let home = ctx.hello().home.clone();
    assert_eq!(ctx.expand_user("~").await.expect("~"), home);
    assert_eq!(
        ctx.expand_user("~/.ansible_async").await.expect("~/"),
        format!("{home}/.ansible_async")
    );
    assert_eq!(ctx.expand_user("~root/x").await.expect("~root"), "/root/x");
    assert_eq!(ctx.expand_user("/abs/~x").await.expect("abs"), "/abs/~x");
    pool.shutdown().await;
}
