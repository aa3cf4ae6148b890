//! The transport over the local backend: bootstrap, discovery, native
//! and real modules, stream safety, concurrency, files, exec wrappers.

#[path = "common/sshd.rs"]
#[allow(dead_code)]
mod sshd;
#[path = "common/transport.rs"]
mod tr;

use mitorun::transport::{Pool, PoolOptions};
use mitorun::value::Value;
use tr::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_bootstrap_ping_and_command() {
    let pool = Pool::new(PoolOptions::default());
    let ctx = pool.context(&local_spec(&[])).await.expect("connect");
    ctx.ping().await.expect("ping");
    let r = ctx
        .run_module(mitorun::transport::ModuleCall::new(
            "ping",
            Default::default(),
        ))
        .await
        .unwrap();
    assert_eq!(field(&r, "ping"), &Value::str("pong"));
    let r = ctx.run_module(command("echo hello")).await.unwrap();
    assert_eq!(field(&r, "stdout"), &Value::str("hello"));
    assert_eq!(field(&r, "rc"), &Value::Int(0));
    assert_eq!(ctx.discovered_interpreter(), None);
    // The same spec gives the same interpreter.
    let again = pool.context(&local_spec(&[])).await.unwrap();
    assert_eq!(again.hello().pid, ctx.hello().pid);
    pool.shutdown().await;
}
