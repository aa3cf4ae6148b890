//! Drives the transport for `bench/transport.sh`: connect to one host and
//! run `command: hostname` N times in sequence over the one connection.
//!
//! Usage: transport_bench N VAR=VALUE... (host variables as in an
//! inventory: ansible_host, ansible_port, ansible_user, ...).
//! Prints `connect_ms=.. calls=N total_ms=.. per_call_ms=..`.

use mitorun::transport::{ConnectionSpec, ModuleCall, Pool, PoolOptions};
use mitorun::value::{Map, Value};
use std::time::Instant;

fn main() {
    let mut argv = std::env::args().skip(1);
    let n: usize = argv.next().and_then(|s| s.parse().ok()).unwrap_or(100);
    let mut vars = Map::new();
    for kv in argv {
        if let Some((k, v)) = kv.split_once('=') {
            vars.insert(k.to_string(), Value::str(v));
        }
    }
    let spec = match ConnectionSpec::from_vars("bench", &vars) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("bad variables: {e}");
            std::process::exit(2);
        }
    };
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("runtime: {e}");
            std::process::exit(2);
        }
    };
    let code = rt.block_on(async move {
        let pool = Pool::new(PoolOptions::default());
        let t0 = Instant::now();
        let ctx = match pool.context(&spec).await {
            Ok(c) => c,
            Err(e) => {
                eprintln!("UNREACHABLE: {e}");
                return 4;
            }
        };
        let connect = t0.elapsed();
        let t1 = Instant::now();
        for _ in 0..n {
            let mut args = Map::new();
            args.insert("_raw_params".into(), Value::str("hostname"));
            match ctx.run_module(ModuleCall::new("command", args)).await {
                Ok(r) if r.get("rc") == Some(&Value::Int(0)) => {}
                other => {
                    eprintln!("call failed: {other:?}");
                    return 2;
                }
            }
        }
        let total = t1.elapsed();
        println!(
            "connect_ms={:.1} calls={n} total_ms={:.1} per_call_ms={:.2}",
            connect.as_secs_f64() * 1e3,
            total.as_secs_f64() * 1e3,
            total.as_secs_f64() * 1e3 / n as f64
        );
        pool.shutdown().await;
        0
    });
    std::process::exit(code);
}
