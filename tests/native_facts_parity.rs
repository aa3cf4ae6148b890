//! Parity of the native `setup` module (facts) with ansible-core 2.19's
//! (MITORUN_REF_BIN): both run through the same agent on the same host
//! (ansible-core's module shipped by mitorun with `prefer_native = false`),
//! on localhost and on a lab host over ssh (as the lab's `deploy` user, and
//! with become), and are compared key by key: the same fact names, and per
//! fact the same value and JSON type. Only values that change between two
//! runs are compared by shape (same keys, same JSON types): see `rule`.
//!
//! The lab host is `mr-t1` of /tmp/lab (a network namespace with its own
//! sshd); without the lab, a private sshd on 127.0.0.1 stands in for it.
//! Last, a playbook that gathers facts and prints them runs with no
//! ansible-core at all and must print what ansible-playbook prints.

mod common;
#[path = "common/transport.rs"]
mod tr;

use common::sshd;

use mitorun::transport::context::value_to_json;
use mitorun::transport::{ConnectionSpec, Context, ModuleCall, Pool};
use mitorun::value::{Map, Value};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};
use tr::*;

/// Fact name prefixes ansible-core may return that the native module does
/// not produce (ARCHITECTURE.md lists them): output of the `facter` and
/// `ohai` programs, when they are installed on the target.
const NOT_PRODUCED: &[&str] = &["facter_", "ohai_"];

/// Mount fields that move with every write to the filesystem.
const MOUNT_VOLATILE: &[&str] = &[
    "size_available",
    "block_available",
    "block_used",
    "inode_available",
    "inode_used",
];

/// How one fact is compared.
#[derive(Clone, Copy, PartialEq)]
enum Rule {
    Exact,
    /// Changes run to run: same keys and JSON types all the way down.
    Shape,
    /// A list ansible builds from a Python set (or set-like view): its
    /// order differs between two ansible runs, so compared sorted.
    Unordered,
    /// The mount list: ansible appends mounts as its worker threads
    /// finish, so compared by mount point; free-space fields by shape.
    Mounts,
    /// Totals exact, free/used/cached figures by shape.
    Memory,
}

fn rule(fact: &str) -> Rule {
    match fact {
        "ansible_date_time"
        | "ansible_uptime_seconds"
        | "ansible_loadavg"
        | "ansible_memfree_mb"
        | "ansible_swapfree_mb" => Rule::Shape,
        "ansible_interfaces"
        | "ansible_virtualization_tech_guest"
        | "ansible_virtualization_tech_host" => Rule::Unordered,
        "ansible_mounts" => Rule::Mounts,
        "ansible_memory_mb" => Rule::Memory,
        _ => Rule::Exact,
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Int(_) | Value::BigInt(_) => "int",
        Value::Float(_) => "float",
        Value::Str(_) | Value::Unsafe(_) | Value::Vault(_) => "str",
        Value::List(_) => "list",
        Value::Map(_) => "map",
    }
}

fn show(v: &Value) -> String {
    let text = value_to_json(v).to_string();
    if text.len() > 600 {
        format!("{}...", &text[..600])
    } else {
        text
    }
}

fn same_shape(path: &str, native: &Value, real: &Value, diffs: &mut Vec<String>) {
    if json_type(native) != json_type(real) {
        diffs.push(format!(
            "{path}: type {} (native) vs {} (ansible): {} vs {}",
            json_type(native),
            json_type(real),
            show(native),
            show(real)
        ));
        return;
    }
    if let (Value::Map(n), Value::Map(r)) = (native, real) {
        same_keys(path, n, r, diffs);
        for (k, nv) in n {
            if let Some(rv) = r.get(k) {
                same_shape(&format!("{path}.{k}"), nv, rv, diffs);
            }
        }
    }
}

fn same_keys(path: &str, native: &Map, real: &Map, diffs: &mut Vec<String>) {
    let missing: Vec<&String> = real.keys().filter(|k| !native.contains_key(*k)).collect();
    let extra: Vec<&String> = native.keys().filter(|k| !real.contains_key(*k)).collect();
    if !missing.is_empty() || !extra.is_empty() {
        diffs.push(format!(
            "{path}: keys only ansible has {missing:?}, only native has {extra:?}"
        ));
    }
}

fn exact(path: &str, native: &Value, real: &Value, diffs: &mut Vec<String>) {
    if native != real {
        diffs.push(format!(
            "{path}:\n    native: {}\n    ansible: {}",
            show(native),
            show(real)
        ));
    }
}

fn sorted_by_text(v: &Value) -> Vec<String> {
    let mut items: Vec<String> = match v {
        Value::List(items) => items.iter().map(|i| value_to_json(i).to_string()).collect(),
        other => vec![value_to_json(other).to_string()],
    };
    items.sort();
    items
}

fn mount_point(v: &Value) -> String {
    match v {
        Value::Map(m) => m.get("mount").map(Value::python_str).unwrap_or_default(),
        _ => String::new(),
    }
}

fn compare_mounts(native: &Value, real: &Value, diffs: &mut Vec<String>) {
    let (Value::List(n), Value::List(r)) = (native, real) else {
        return exact("ansible_mounts", native, real, diffs);
    };
    let mut n: Vec<&Value> = n.iter().collect();
    let mut r: Vec<&Value> = r.iter().collect();
    n.sort_by_key(|m| mount_point(m));
    r.sort_by_key(|m| mount_point(m));
    if n.len() != r.len() {
        diffs.push(format!(
            "ansible_mounts: {} mounts (native) vs {} (ansible): {:?} vs {:?}",
            n.len(),
            r.len(),
            n.iter().map(|m| mount_point(m)).collect::<Vec<_>>(),
            r.iter().map(|m| mount_point(m)).collect::<Vec<_>>()
        ));
        return;
    }
    for (nm, rm) in n.iter().zip(r.iter()) {
        let path = format!("ansible_mounts[{}]", mount_point(nm));
        let (Value::Map(nm), Value::Map(rm)) = (nm, rm) else {
            exact(&path, nm, rm, diffs);
            continue;
        };
        same_keys(&path, nm, rm, diffs);
        for (k, nv) in nm {
            let Some(rv) = rm.get(k) else { continue };
            let p = format!("{path}.{k}");
            if MOUNT_VOLATILE.contains(&k.as_str()) {
                same_shape(&p, nv, rv, diffs);
            } else {
                exact(&p, nv, rv, diffs);
            }
        }
    }
}

fn compare_memory(native: &Value, real: &Value, diffs: &mut Vec<String>) {
    same_shape("ansible_memory_mb", native, real, diffs);
    for (group, key) in [("real", "total"), ("swap", "total")] {
        let pick = |v: &Value| match v {
            Value::Map(m) => match m.get(group) {
                Some(Value::Map(g)) => g.get(key).cloned().unwrap_or(Value::Null),
                _ => Value::Null,
            },
            _ => Value::Null,
        };
        exact(
            &format!("ansible_memory_mb.{group}.{key}"),
            &pick(native),
            &pick(real),
            diffs,
        );
    }
}

/// Every difference between the native result and ansible-core's.
fn compare_results(native: &Map, real: &Map) -> Vec<String> {
    let mut diffs = Vec::new();
    let empty = Map::new();
    let facts = |m: &Map| -> Map {
        match m.get("ansible_facts") {
            Some(Value::Map(f)) => f.clone(),
            _ => empty.clone(),
        }
    };
    let (nf, mut rf) = (facts(native), facts(real));
    rf.retain(|k, _| !NOT_PRODUCED.iter().any(|p| k.starts_with(p)));
    same_keys("ansible_facts", &nf, &rf, &mut diffs);
    for (k, nv) in &nf {
        let Some(rv) = rf.get(k) else { continue };
        match rule(k) {
            Rule::Exact => exact(k, nv, rv, &mut diffs),
            Rule::Shape => same_shape(k, nv, rv, &mut diffs),
            Rule::Unordered => {
                if json_type(nv) != json_type(rv) || sorted_by_text(nv) != sorted_by_text(rv) {
                    exact(k, nv, rv, &mut diffs);
                }
            }
            Rule::Mounts => compare_mounts(nv, rv, &mut diffs),
            Rule::Memory => compare_memory(nv, rv, &mut diffs),
        }
    }
    // Everything beside the facts (invocation, warnings, failed, msg ...)
    // must be identical.
    let rest = |m: &Map| -> Map {
        m.iter()
            .filter(|(k, _)| k.as_str() != "ansible_facts")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    };
    exact(
        "result",
        &Value::Map(rest(native)),
        &Value::Map(rest(real)),
        &mut diffs,
    );
    diffs
}

async fn setup(ctx: &Context, args: &Map, native: bool) -> (Map, Duration) {
    setup_in(ctx, args, &Map::new(), native).await
}

/// `setup` with `environment:` set to `env`. (mitorun runs ansible-core's
/// setup in a forked child by itself: `lsb_cases` fail if it does not.)
async fn setup_in(ctx: &Context, args: &Map, env: &Map, native: bool) -> (Map, Duration) {
    let mut call = ModuleCall::new("setup", args.clone());
    call.prefer_native = native;
    call.environment = env.clone();
    let started = Instant::now();
    let result = ctx
        .run_module(call)
        .await
        .unwrap_or_else(|e| panic!("setup {args:?} (native={native}): {e}"));
    (result, started.elapsed())
}

fn list(items: &[&str]) -> Value {
    Value::List(items.iter().map(|s| Value::str(*s)).collect())
}

/// A fact_path dir with every kind of fact file: JSON, INI, an executable
/// printing JSON, and the broken kinds ansible reports with a warning.
fn fact_dir(dir: &Path) -> String {
    let d = dir.join("facts.d");
    std::fs::create_dir_all(&d).expect("mkdir facts.d");
    let write = |name: &str, text: &str, mode: u32| {
        let p = d.join(name);
        std::fs::write(&p, text).expect("write fact");
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).expect("chmod");
    };
    write(
        "app.fact",
        "{\"port\": 8080, \"tags\": [\"a\", \"b\"], \"on\": true}\n",
        0o644,
    );
    write(
        "site.fact",
        "[general]\nName = web\npath = /srv/%(name)s\n[db]\nhost=db1\n",
        0o644,
    );
    write(
        "dynamic.fact",
        "#!/bin/sh\nprintf '{\"user\": \"%s\", \"n\": [1, 2]}\\n' \"$(id -un)\"\n",
        0o755,
    );
    write("broken.fact", "neither json [ nor ini\n", 0o644);
    write(
        "failing.fact",
        "#!/bin/sh\necho 'no luck' >&2\nexit 3\n",
        0o755,
    );
    write(".hidden.fact", "{\"never\": 1}\n", 0o644);
    write("empty.fact", "", 0o644);
    d.to_str().expect("utf-8 path").to_string()
}

/// One comparison: setup's arguments and the task's environment.
struct Case {
    label: &'static str,
    args: Map,
    env: Map,
}

/// The argument sets compared: the default (everything), subsets, filters,
/// local facts and invalid arguments (whose errors must match).
fn cases(fact_path: &str) -> Vec<Case> {
    let subset = |s: Value| args(&[("gather_subset", s)]);
    let plain: Vec<(&'static str, Map)> = vec![
        ("all (defaults)", Map::new()),
        ("min", subset(list(&["min"]))),
        ("!all", subset(list(&["!all"]))),
        ("network", subset(list(&["network"]))),
        (
            "!all,!min,hardware",
            subset(list(&["!all", "!min", "hardware"])),
        ),
        (
            "virtual + !network, text subset",
            subset(Value::str("virtual,!network")),
        ),
        (
            "filter ansible_distribution*",
            args(&[("filter", Value::str("ansible_distribution*"))]),
        ),
        (
            "filter list",
            args(&[
                ("gather_subset", list(&["!all", "network"])),
                (
                    "filter",
                    list(&["ansible_distribution*", "*ipv4*", "dns", "gather_subset"]),
                ),
            ]),
        ),
        (
            "fact_path",
            args(&[
                ("gather_subset", list(&["!all"])),
                ("fact_path", Value::str(fact_path)),
                ("filter", list(&["ansible_local"])),
            ]),
        ),
        (
            "missing fact_path",
            args(&[
                ("gather_subset", list(&["!all", "local"])),
                ("fact_path", Value::str("/nonexistent/facts.d")),
            ]),
        ),
        ("bad subset", subset(list(&["network", "bogus"]))),
        (
            "bad subset from text",
            subset(Value::str("network, hardware")),
        ),
        (
            "bad gather_timeout",
            args(&[("gather_timeout", Value::str("soon"))]),
        ),
        ("unknown argument", args(&[("colour", Value::str("blue"))])),
    ];
    plain
        .into_iter()
        .map(|(label, args)| Case {
            label,
            args,
            env: Map::new(),
        })
        .collect()
}

/// Cases where `lsb_release` reads another os-release (LSB_OS_RELEASE,
/// which Debian's shell lsb_release honours): its output feeds the lsb
/// facts and the distribution version, whether run or computed natively.
fn lsb_cases(dir: &Path) -> Vec<Case> {
    let releases: [(&'static str, &str); 4] = [
        (
            "lsb_release: Ubuntu os-release",
            "ID=ubuntu\nNAME=\"Ubuntu\"\nVERSION_ID=\"24.04\"\nVERSION_CODENAME=noble\n\
             PRETTY_NAME=\"Ubuntu 24.04.1 LTS\"\n",
        ),
        (
            "lsb_release: openSUSE os-release",
            "ID=\"opensuse-leap\"\nNAME=\"openSUSE Leap\"\nVERSION_ID=\"15.5.1\"\n\
             PRETTY_NAME=\"openSUSE Leap 15.5\"\n",
        ),
        ("lsb_release: empty os-release", "# nothing here\nFOO=bar\n"),
        (
            "lsb_release: quoting",
            "ID=arch\nNAME='Arch Linux'\nPRETTY_NAME=\"Arch \\\"Linux\\\" (rolling)\"\n",
        ),
    ];
    releases
        .iter()
        .enumerate()
        .map(|(i, (label, text))| {
            let path = dir.join(format!("os-release-{i}"));
            std::fs::write(&path, text).expect("write os-release");
            Case {
                label,
                args: args(&[("gather_subset", list(&["!all", "distribution", "lsb"]))]),
                env: args(&[(
                    "LSB_OS_RELEASE",
                    Value::str(path.to_str().expect("utf-8 path")),
                )]),
            }
        })
        .collect()
}

async fn compare_on(ctx: &Context, host: &str, cases: &[Case]) -> Vec<String> {
    let mut failures = Vec::new();
    for Case {
        label,
        args: a,
        env,
    } in cases
    {
        let (native, _) = setup_in(ctx, a, env, true).await;
        let (real, _) = setup_in(ctx, a, env, false).await;
        let facts = match native.get("ansible_facts") {
            Some(Value::Map(f)) => f.len(),
            _ => 0,
        };
        eprintln!("{host}: {label}: {facts} facts");
        if std::env::var_os("MITORUN_PARITY_SHOW").is_some() {
            eprintln!("  native: {}", value_to_json(&Value::Map(native.clone())));
        }
        let diffs = compare_results(&native, &real);
        if !diffs.is_empty() {
            failures.push(format!(
                "{host}: {label} {}:\n  {}",
                value_to_json(&Value::Map(a.clone())),
                diffs.join("\n  ")
            ));
        }
    }
    failures
}

fn report(failures: Vec<String>, n: usize) {
    assert!(
        failures.is_empty(),
        "{} of {n} comparisons differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn setup_matches_ansible_core_on_localhost() {
    let pool = ref_pool();
    let ctx = pool.context(&local_spec(&[])).await.expect("connect");
    let dir = tempdir("facts");
    let mut cases = cases(&fact_dir(&dir));
    cases.extend(lsb_cases(&dir));
    let failures = compare_on(&ctx, "localhost", &cases).await;
    let _ = std::fs::remove_dir_all(&dir);
    pool.shutdown().await;
    report(failures, cases.len());
}

/// mr-t1 of the lab when its sshd answers, else a private sshd as this user.
fn ssh_host() -> (String, Map, Option<sshd::Sshd>) {
    let lab = Path::new("/tmp/lab");
    // The lab's files can outlive its namespaces (a reboot, a torn-down
    // lab): use it only when its sshd answers.
    let lab_up = std::net::TcpStream::connect_timeout(
        &std::net::SocketAddr::from(([10, 77, 0, 11], 22)),
        std::time::Duration::from_secs(2),
    )
    .is_ok();
    if lab_up && lab.join("inventory.ini").is_file() && lab.join("ssh/id_ed25519").is_file() {
        let v = vars(&[
            ("ansible_connection", "ssh"),
            ("ansible_host", "10.77.0.11"),
            ("ansible_user", "deploy"),
            ("ansible_ssh_private_key_file", "/tmp/lab/ssh/id_ed25519"),
            (
                "ansible_ssh_common_args",
                "-o UserKnownHostsFile=/tmp/lab/ssh/known_hosts -o StrictHostKeyChecking=no \
                 -o IdentitiesOnly=yes",
            ),
            ("ansible_python_interpreter", "/usr/bin/python3"),
        ]);
        return ("mr-t1".to_string(), v, None);
    }
    let server = sshd::Sshd::start();
    let user = String::from_utf8(
        std::process::Command::new("id")
            .arg("-un")
            .output()
            .expect("id -un")
            .stdout,
    )
    .expect("utf-8 user name");
    let v = ssh_vars("russh", &server, user.trim());
    ("fixture sshd".to_string(), v, Some(server))
}

async fn ssh_context(pool: &Pool, host: &str, v: &Map, r#become: bool) -> Context {
    let mut v = v.clone();
    if r#become {
        v.insert("ansible_become".into(), Value::Bool(true));
    }
    let spec = ConnectionSpec::from_vars(host, &v).expect("ssh spec");
    pool.context(&spec)
        .await
        .unwrap_or_else(|e| panic!("connect to {host}: {e:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn setup_matches_ansible_core_over_ssh() {
    let pool = ref_pool();
    let (host, v, _server) = ssh_host();
    let dir = tempdir("facts-ssh");
    let all = cases(&fact_dir(&dir));
    // Over ssh: everything, a subset with a filter, and local facts (read
    // and run as the remote user).
    let picked: Vec<Case> = all
        .into_iter()
        .filter(|c| matches!(c.label, "all (defaults)" | "filter list" | "fact_path"))
        .collect();
    let ctx = ssh_context(&pool, &host, &v, false).await;
    let mut failures = compare_on(&ctx, &host, &picked).await;
    let mut n = picked.len();
    if host == "mr-t1" {
        // The lab's deploy user has passwordless sudo.
        let root = ssh_context(&pool, &host, &v, true).await;
        let everything = &picked[..1];
        failures.extend(compare_on(&root, "mr-t1 (become)", everything).await);
        n += everything.len();
    }
    let _ = std::fs::remove_dir_all(&dir);
    pool.shutdown().await;
    report(failures, n);
}

/// Not an assertion (timings vary with the machine's load): prints how
/// long `setup` with gather_subset=all takes, native and ansible-core's,
/// each measured on a warm connection as the median of 5 calls; the
/// first native call includes shipping and compiling the facts code.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn setup_timing_report() {
    let pool = ref_pool();
    let (host, v, _server) = ssh_host();
    for (label, ctx) in [
        (
            "localhost".to_string(),
            pool.context(&local_spec(&[])).await.expect("connect"),
        ),
        (host.clone(), ssh_context(&pool, &host, &v, false).await),
    ] {
        let mut line = format!("setup gather_subset=all on {label}:");
        for native in [true, false] {
            let (first, first_time) = setup(&ctx, &Map::new(), native).await;
            assert!(
                matches!(first.get("ansible_facts"), Some(Value::Map(f)) if !f.is_empty()),
                "setup gathered nothing: {first:?}"
            );
            let mut times = Vec::new();
            for _ in 0..5 {
                times.push(setup(&ctx, &Map::new(), native).await.1);
            }
            times.sort();
            line.push_str(&format!(
                " {} first {:.1} ms, median {:.1} ms;",
                if native { "native" } else { "ansible-core" },
                first_time.as_secs_f64() * 1000.0,
                times[2].as_secs_f64() * 1000.0
            ));
        }
        eprintln!("{line}");
    }
    pool.shutdown().await;
}

/// tests/fixtures/facts/site.yml (facts read by templates, ansible_local,
/// every fact name, a gather_subset play) run by ansible-playbook and by
/// mitorun without ansible-core (MITORUN_ANSIBLE_CORE names no install):
/// the same output, byte for byte.
#[test]
fn gathered_facts_print_as_in_ansible_without_ansible_core() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/facts");
    let args: Vec<String> = ["-i", "inventory.ini", "site.yml"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let env = BTreeMap::from([
        ("ANSIBLE_NOCOWS".to_string(), "1".to_string()),
        ("ANSIBLE_FORKS".to_string(), "1".to_string()),
    ]);
    let playbook = common::ref_bin_dir().join("ansible-playbook");
    let reference = common::run_controlled(&playbook, &args, &dir, &env);
    let mut ours_env = env.clone();
    ours_env.insert(
        "MITORUN_ANSIBLE_CORE".to_string(),
        "/nonexistent/ansible".to_string(),
    );
    let ours = common::run_controlled(&common::mitorun_bin(), &args, &dir, &ours_env);
    assert_eq!(
        reference.code,
        Some(0),
        "ansible-playbook failed: {}",
        String::from_utf8_lossy(&reference.stderr)
    );
    assert_eq!(
        ours.code,
        Some(0),
        "mitorun failed: {}",
        String::from_utf8_lossy(&ours.stderr)
    );
    assert!(
        reference.stdout == ours.stdout,
        "stdout differs (- ansible, + mitorun):\n{}",
        common::line_diff(&reference.stdout, &ours.stdout, 80)
    );
}

/// A distribution's release files, as it ships them.
struct Distro {
    name: &'static str,
    /// Files for /etc: (name, content).
    files: Vec<(&'static str, &'static str)>,
    /// Debian's /etc/debian_version stays visible.
    keep_debian: bool,
}

fn distributions() -> Vec<Distro> {
    let d = |name, files, keep_debian| Distro {
        name,
        files,
        keep_debian,
    };
    vec![
        d(
            "Ubuntu 22.04",
            vec![
                (
                    "os-release",
                    "PRETTY_NAME=\"Ubuntu 22.04.4 LTS\"\nNAME=\"Ubuntu\"\nVERSION_ID=\"22.04\"\n\
                     VERSION=\"22.04.4 LTS (Jammy Jellyfish)\"\nVERSION_CODENAME=jammy\nID=ubuntu\n\
                     ID_LIKE=debian\nHOME_URL=\"https://www.ubuntu.com/\"\nUBUNTU_CODENAME=jammy\n",
                ),
                (
                    "lsb-release",
                    "DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=22.04\nDISTRIB_CODENAME=jammy\n\
                     DISTRIB_DESCRIPTION=\"Ubuntu 22.04.4 LTS\"\n",
                ),
                ("debian_version", "bookworm/sid\n"),
            ],
            true,
        ),
        d(
            "Debian 11",
            vec![
                (
                    "os-release",
                    "PRETTY_NAME=\"Debian GNU/Linux 11 (bullseye)\"\nNAME=\"Debian GNU/Linux\"\n\
                     VERSION_ID=\"11\"\nVERSION=\"11 (bullseye)\"\nVERSION_CODENAME=bullseye\n\
                     ID=debian\n",
                ),
                ("debian_version", "11.9\n"),
            ],
            true,
        ),
        d(
            "Linux Mint 21.3",
            vec![
                (
                    "os-release",
                    "NAME=\"Linux Mint\"\nVERSION=\"21.3 (Virginia)\"\nID=linuxmint\n\
                     ID_LIKE=\"ubuntu debian\"\nPRETTY_NAME=\"Linux Mint 21.3\"\nVERSION_ID=\"21.3\"\n\
                     VERSION_CODENAME=virginia\nUBUNTU_CODENAME=jammy\n",
                ),
                (
                    "lsb-release",
                    "DISTRIB_ID=LinuxMint\nDISTRIB_RELEASE=21.3\nDISTRIB_CODENAME=virginia\n\
                     DISTRIB_DESCRIPTION=\"Linux Mint 21.3 Virginia\"\n",
                ),
                ("debian_version", "bookworm/sid\n"),
            ],
            true,
        ),
        d(
            "Rocky Linux 9.3",
            vec![
                (
                    "os-release",
                    "NAME=\"Rocky Linux\"\nVERSION=\"9.3 (Blue Onyx)\"\nID=\"rocky\"\n\
                     ID_LIKE=\"rhel centos fedora\"\nVERSION_ID=\"9.3\"\nPLATFORM_ID=\"platform:el9\"\n\
                     PRETTY_NAME=\"Rocky Linux 9.3 (Blue Onyx)\"\nANSI_COLOR=\"0;32\"\n",
                ),
                ("redhat-release", "Rocky Linux release 9.3 (Blue Onyx)\n"),
                ("rocky-release", "Rocky Linux release 9.3 (Blue Onyx)\n"),
                ("system-release", "Rocky Linux release 9.3 (Blue Onyx)\n"),
            ],
            false,
        ),
        d(
            "CentOS 7",
            vec![
                (
                    "os-release",
                    "NAME=\"CentOS Linux\"\nVERSION=\"7 (Core)\"\nID=\"centos\"\nID_LIKE=\"rhel fedora\"\n\
                     VERSION_ID=\"7\"\nPRETTY_NAME=\"CentOS Linux 7 (Core)\"\n",
                ),
                ("centos-release", "CentOS Linux release 7.9.2009 (Core)\n"),
                ("redhat-release", "CentOS Linux release 7.9.2009 (Core)\n"),
                ("system-release", "CentOS Linux release 7.9.2009 (Core)\n"),
            ],
            false,
        ),
        d(
            "CentOS Stream 9",
            vec![
                (
                    "os-release",
                    "NAME=\"CentOS Stream\"\nVERSION=\"9\"\nID=\"centos\"\nID_LIKE=\"rhel fedora\"\n\
                     VERSION_ID=\"9\"\nPRETTY_NAME=\"CentOS Stream 9\"\n",
                ),
                ("centos-release", "CentOS Stream release 9\n"),
                ("redhat-release", "CentOS Stream release 9\n"),
            ],
            false,
        ),
        d(
            "RHEL 8.9",
            vec![
                (
                    "os-release",
                    "NAME=\"Red Hat Enterprise Linux\"\nVERSION=\"8.9 (Ootpa)\"\nID=\"rhel\"\n\
                     ID_LIKE=\"fedora\"\nVERSION_ID=\"8.9\"\n\
                     PRETTY_NAME=\"Red Hat Enterprise Linux 8.9 (Ootpa)\"\n",
                ),
                (
                    "redhat-release",
                    "Red Hat Enterprise Linux release 8.9 (Ootpa)\n",
                ),
                (
                    "system-release",
                    "Red Hat Enterprise Linux release 8.9 (Ootpa)\n",
                ),
            ],
            false,
        ),
        d(
            "Oracle Linux 8.9",
            vec![
                (
                    "os-release",
                    "NAME=\"Oracle Linux Server\"\nVERSION=\"8.9\"\nID=\"ol\"\nID_LIKE=\"fedora\"\n\
                     VARIANT=\"Server\"\nVERSION_ID=\"8.9\"\nPRETTY_NAME=\"Oracle Linux Server 8.9\"\n",
                ),
                ("oracle-release", "Oracle Linux Server release 8.9\n"),
                (
                    "redhat-release",
                    "Red Hat Enterprise Linux release 8.9 (Ootpa)\n",
                ),
            ],
            false,
        ),
        d(
            "Fedora 39",
            vec![
                (
                    "os-release",
                    "NAME=\"Fedora Linux\"\nVERSION=\"39 (Server Edition)\"\nID=fedora\nVERSION_ID=39\n\
                     VERSION_CODENAME=\"\"\nPRETTY_NAME=\"Fedora Linux 39 (Server Edition)\"\n\
                     VARIANT=\"Server Edition\"\nVARIANT_ID=server\n",
                ),
                ("fedora-release", "Fedora release 39 (Thirty Nine)\n"),
                ("redhat-release", "Fedora release 39 (Thirty Nine)\n"),
                ("system-release", "Fedora release 39 (Thirty Nine)\n"),
            ],
            false,
        ),
        d(
            "Amazon Linux 2023",
            vec![
                (
                    "os-release",
                    "NAME=\"Amazon Linux\"\nVERSION=\"2023\"\nID=\"amzn\"\nID_LIKE=\"fedora\"\n\
                     VERSION_ID=\"2023\"\nPLATFORM_ID=\"platform:al2023\"\n\
                     PRETTY_NAME=\"Amazon Linux 2023\"\n",
                ),
                (
                    "system-release",
                    "Amazon Linux release 2023 (Amazon Linux)\n",
                ),
            ],
            false,
        ),
        d(
            "Amazon Linux 2",
            vec![
                (
                    "os-release",
                    "NAME=\"Amazon Linux\"\nVERSION=\"2\"\nID=\"amzn\"\nID_LIKE=\"centos rhel fedora\"\n\
                     VERSION_ID=\"2\"\nPRETTY_NAME=\"Amazon Linux 2\"\n",
                ),
                ("system-release", "Amazon Linux release 2 (Karoo)\n"),
            ],
            false,
        ),
        d(
            "Alpine 3.19",
            vec![
                (
                    "os-release",
                    "NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.19.1\n\
                     PRETTY_NAME=\"Alpine Linux v3.19\"\n",
                ),
                ("alpine-release", "3.19.1\n"),
            ],
            false,
        ),
        d(
            "openSUSE Leap 15.5",
            vec![(
                "os-release",
                "NAME=\"openSUSE Leap\"\nVERSION=\"15.5\"\nID=\"opensuse-leap\"\n\
                 ID_LIKE=\"suse opensuse\"\nVERSION_ID=\"15.5\"\nPRETTY_NAME=\"openSUSE Leap 15.5\"\n",
            )],
            false,
        ),
        d(
            "SLES 15 SP5",
            vec![(
                "os-release",
                "NAME=\"SLES\"\nVERSION=\"15-SP5\"\nVERSION_ID=\"15.5\"\n\
                 PRETTY_NAME=\"SUSE Linux Enterprise Server 15 SP5\"\nID=\"sles\"\nID_LIKE=\"suse\"\n",
            )],
            false,
        ),
        d(
            "Arch Linux",
            vec![
                (
                    "os-release",
                    "NAME=\"Arch Linux\"\nPRETTY_NAME=\"Arch Linux\"\nID=arch\nBUILD_ID=rolling\n",
                ),
                ("arch-release", ""),
            ],
            false,
        ),
        d(
            "Gentoo",
            vec![
                (
                    "os-release",
                    "NAME=Gentoo\nID=gentoo\nPRETTY_NAME=\"Gentoo Linux\"\nVERSION_ID=\"2.14\"\n",
                ),
                ("gentoo-release", "Gentoo Base System release 2.14\n"),
            ],
            false,
        ),
    ]
}

/// Whether this process may make mount namespaces with an overlay on /etc.
fn can_overlay_etc(dir: &Path) -> bool {
    let probe = dir.join("probe");
    let _ = std::fs::create_dir_all(&probe);
    is_root()
        && std::process::Command::new("unshare")
            .args(["-m", "--propagation", "private", "/bin/sh", "-c"])
            .arg(format!(
                "mount -t overlay overlay -o lowerdir={}:/etc /etc",
                probe.display()
            ))
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
}

/// The minimal fact set (distribution, lsb, os_family, pkg_mgr ...) on
/// other distributions: the agent runs in a mount namespace whose /etc is
/// an overlay holding that distribution's release files (and hiding
/// Debian's where it would not exist), so both modules read them. Needs
/// root and overlayfs; says so and does nothing without them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn setup_matches_ansible_core_on_other_distributions() {
    let dir = tempdir("facts-distros");
    if !can_overlay_etc(&dir) {
        eprintln!("NOT RUN: needs root and an overlay mount on /etc in a mount namespace");
        return;
    }
    let pool = ref_pool();
    // With and without lsb_release (only /usr/bin has it here): most of
    // these distributions do not install it.
    let cases = vec![
        Case {
            label: "min",
            args: args(&[("gather_subset", list(&["min"]))]),
            env: Map::new(),
        },
        Case {
            label: "min, no lsb_release",
            args: args(&[("gather_subset", list(&["min"]))]),
            env: args(&[("PATH", Value::str("/usr/sbin:/sbin"))]),
        },
    ];
    let mut failures = Vec::new();
    let distros = distributions();
    for (
        i,
        Distro {
            name,
            files,
            keep_debian,
        },
    ) in distros.iter().enumerate()
    {
        let etc = dir.join(format!("etc-{i}"));
        std::fs::create_dir_all(&etc).expect("mkdir");
        for (file, text) in files {
            std::fs::write(etc.join(file), text).expect("write release file");
        }
        if !keep_debian {
            // An overlay whiteout: /etc/debian_version is gone.
            let ok = std::process::Command::new("mknod")
                .arg(etc.join("debian_version"))
                .args(["c", "0", "0"])
                .status()
                .map(|s| s.success())
                .unwrap_or(false);
            assert!(ok, "mknod whiteout");
        }
        let python = format!(
            "unshare -m --propagation private /bin/sh -c 'mount -t overlay overlay -o \
             lowerdir={}:/etc /etc && exec /usr/bin/python3 \"$@\"' sh",
            etc.display()
        );
        let spec = local_spec(&[("ansible_python_interpreter", &python)]);
        let ctx = pool
            .context(&spec)
            .await
            .unwrap_or_else(|e| panic!("agent for {name}: {e:?}"));
        failures.extend(compare_on(&ctx, name, &cases).await);
    }
    let _ = std::fs::remove_dir_all(&dir);
    pool.shutdown().await;
    report(failures, distros.len() * cases.len());
}

/// A host that looks booted with systemd: in new mount and pid namespaces
/// pid 1 is a shell (which says nothing about the init system) and a
/// fresh /run holds systemd's marker, so service_mgr goes through the
/// systemd checks and the `systemd` collector asks `systemctl --version`.
/// Needs root; says so and does nothing without it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn setup_matches_ansible_core_on_a_systemd_host() {
    let probe = std::process::Command::new("unshare")
        .args(["-m", "-p", "-f", "--mount-proc", "--propagation", "private"])
        .args(["/bin/sh", "-c", "mount -t tmpfs tmpfs /run"])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !is_root() || !probe || !Path::new("/usr/bin/systemctl").exists() {
        eprintln!("NOT RUN: needs root, mount/pid namespaces and systemctl");
        return;
    }
    let pool = ref_pool();
    let python = "unshare -m -p -f --mount-proc --propagation private /bin/sh -c \
                  'mount -t tmpfs tmpfs /run && mkdir -p /run/systemd/system && \
                  /usr/bin/python3 \"$@\"' sh";
    let ctx = pool
        .context(&local_spec(&[("ansible_python_interpreter", python)]))
        .await
        .expect("agent under a shell as pid 1");
    let cases = vec![Case {
        label: "min + systemd",
        args: args(&[("gather_subset", list(&["min", "systemd"]))]),
        env: Map::new(),
    }];
    let (native, _) = setup(&ctx, &cases[0].args, true).await;
    let facts = match native.get("ansible_facts") {
        Some(Value::Map(f)) => f.clone(),
        _ => Map::new(),
    };
    assert_eq!(
        facts.get("ansible_service_mgr"),
        Some(&Value::str("systemd")),
        "the namespace should look booted with systemd: {native:?}"
    );
    let failures = compare_on(&ctx, "systemd host", &cases).await;
    pool.shutdown().await;
    report(failures, cases.len());
}
