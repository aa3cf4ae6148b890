//! Parity of the native service, systemd/systemd_service, sysvinit and
//! service_facts modules with ansible-core 2.19's (MITORUN_REF_BIN): the
//! same arguments from the same starting state give the same result
//! (changed, state, enabled, status, msg, warnings, check-mode answers,
//! invocation) and the same end state: which test daemons run, the
//! actions each init script was called with (in order, with their
//! arguments), the rc?.d links and the systemd unit links.
//! The cases follow ansible-core's integration targets `service`,
//! `systemd` and `service_facts`, the parts that apply to a Linux host
//! without a running systemd (this one: systemctl answers offline for
//! enable/disable/mask/is-enabled, and fails for show/start/daemon-reload,
//! which is compared too). A playbook with the `service` action runs
//! through mitorun and ansible-playbook with the same output.
//!
//! Root only: init scripts `/etc/init.d/mrts_*` manage dummy daemons (a
//! `sleep` under a link named after the service in /run/mrts, with a pid
//! file there); a guard removes the scripts, their rc?.d links, systemd
//! links and stops the daemons before and after each case.

#[path = "common/parity.rs"]
mod parity;
#[path = "common/sshd.rs"]
mod sshd;
#[path = "common/transport.rs"]
mod tr;

use mitorun::transport::{Context, ModuleCall};
use mitorun::value::{Map, Value};
use std::os::unix::fs::PermissionsExt;
use tr::*;

const T: Value = Value::Bool(true);
const F: Value = Value::Bool(false);

fn s(v: &str) -> Value {
    Value::str(v)
}

fn int(n: i64) -> Value {
    Value::Int(n)
}

fn list(items: &[&str]) -> Value {
    Value::List(items.iter().map(|i| s(i)).collect())
}

/// How a test script answers `status`.
#[derive(Clone, Copy)]
enum Status {
    /// "NAME is running" / "NAME is not running", 0 / 3 (LSB).
    Lsb,
    /// no words, only 0 / 3.
    Quiet,
    /// three lines (too many for the modules' keyword reading), 0 / 3.
    Verbose,
    /// no status action: usage on stderr, 2.
    Missing,
}

/// The test services: name, status style, whether `start` fails.
const SERVICES: &[(&str, Status, bool)] = &[
    ("mrts_lsb", Status::Lsb, false),
    ("mrts_quiet", Status::Quiet, false),
    ("mrts_verbose", Status::Verbose, false),
    ("mrts_nostatus", Status::Missing, false),
    ("mrts_broken", Status::Lsb, true),
];

/// A native systemd unit (systemctl enables and masks it offline).
const UNIT: &str = "[Unit]\nDescription=mitorun test unit\n\n[Service]\nExecStart=/bin/sleep 3600\n\n[Install]\nWantedBy=multi-user.target\n";

fn init_script(name: &str, status: Status, broken: bool) -> String {
    let status = match status {
        Status::Lsb => format!(
            "if running; then echo \"{name} is running\"; exit 0; else echo \"{name} is not running\"; exit 3; fi"
        ),
        Status::Quiet => "if running; then exit 0; else exit 3; fi".to_string(),
        Status::Verbose => format!(
            "echo \"{name} status report\"; echo \"pid file: $PIDFILE\"\n    if running; then echo active; exit 0; else echo inactive; exit 3; fi"
        ),
        Status::Missing => "echo \"Usage: $0 {start|stop|restart|reload}\" >&2; exit 2".to_string(),
    };
    let start_failure = if broken {
        format!("echo \"cannot start {name}: no configuration\" >&2; exit 1")
    } else {
        String::new()
    };
    format!(
        r#"#!/bin/sh
### BEGIN INIT INFO
# Provides:          {name}
# Required-Start:
# Required-Stop:
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: mitorun test daemon {name}
### END INIT INFO
PIDFILE=/run/mrts/{name}.pid
DAEMON=/run/mrts/{name}d
echo "$*" >> /run/mrts/{name}.log
running() {{ [ -f $PIDFILE ] && kill -0 "$(cat $PIDFILE)" 2>/dev/null; }}
case "$1" in
  start)
    {start_failure}
    if running; then echo "{name} already running"; exit 0; fi
    "$DAEMON" 3600 >/dev/null 2>&1 </dev/null &
    echo $! > $PIDFILE
    echo "Starting {name}"
    ;;
  stop)
    if running; then kill "$(cat $PIDFILE)"; fi
    rm -f $PIDFILE
    echo "Stopping {name}"
    ;;
  restart|force-reload)
    "$0" stop
    "$0" start
    ;;
  reload)
    echo "Reloading {name}"
    ;;
  status)
    {status}
    ;;
  *)
    echo "Usage: $0 {{start|stop|status|restart|reload}}" >&2
    exit 2
    ;;
esac
exit 0
"#
    )
}

/// Stops the test daemons and removes every trace of the test services;
/// on drop too. It holds the lock that keeps this file's tests (which
/// share the names) one at a time.
struct ServiceGuard(#[allow(dead_code)] std::sync::MutexGuard<'static, ()>);

static SERVICES_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Killed daemons stay in the process table until pid 1 reaps them (a
/// container's init may take a while), and `ps` shows a zombie's name: the
/// next run's `pattern` would find it, so the guard waits them out.
const CLEAN: &str = r#"for p in /run/mrts/*.pid; do [ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null; done
i=0; while ps -eo comm= | grep -q '^mrts_' && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
rm -f /etc/rc?.d/*mrts_* /etc/init.d/mrts_*
rm -rf /run/mrts
find /etc/systemd -name '*mrts_*' -exec rm -f {} + 2>/dev/null
exit 0"#;

/// The killed test daemons wait in the process table until their parent
/// reaps them; orphans go to pid 1, which here (a VM's `process_api`, not
/// an init) takes about 1.5 s, and `CLEAN` waits that out before every
/// run. This test process makes itself their subreaper (prctl) and reaps
/// its `mrts_*` zombies at once; no other child of it is touched, so
/// `Command`s and agents keep their own exit statuses.
mod daemon_reaper {
    unsafe extern "C" {
        fn prctl(option: i32, arg2: u64, arg3: u64, arg4: u64, arg5: u64) -> i32;
        fn waitpid(pid: i32, status: *mut i32, options: i32) -> i32;
    }
    const PR_SET_CHILD_SUBREAPER: i32 = 36;
    const WNOHANG: i32 = 1;

    pub fn start() {
        static STARTED: std::sync::Once = std::sync::Once::new();
        STARTED.call_once(|| {
            // SAFETY: prctl with PR_SET_CHILD_SUBREAPER takes plain integers.
            if unsafe { prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) } != 0 {
                return;
            }
            std::thread::spawn(|| {
                loop {
                    reap_test_daemons();
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
            });
        });
    }

    /// `waitpid` every zombie child of ours named `mrts_*`.
    fn reap_test_daemons() {
        let me = std::process::id().to_string();
        let Ok(entries) = std::fs::read_dir("/proc") else {
            return;
        };
        for entry in entries.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<i32>().ok())
            else {
                continue;
            };
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                continue;
            };
            // "pid (comm) state ppid ...": comm may hold spaces.
            let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
                continue;
            };
            let comm = &stat[open + 1..close];
            let mut rest = stat[close + 1..].split_whitespace();
            let (Some(state), Some(ppid)) = (rest.next(), rest.next()) else {
                continue;
            };
            if state == "Z" && ppid == me && comm.starts_with("mrts_") {
                // SAFETY: reaps one zombie child by pid; no status is read.
                unsafe { waitpid(pid, std::ptr::null_mut(), WNOHANG) };
            }
        }
    }
}

impl ServiceGuard {
    fn take() -> ServiceGuard {
        daemon_reaper::start();
        let guard = ServiceGuard(SERVICES_LOCK.lock().unwrap_or_else(|e| e.into_inner()));
        ServiceGuard::clean();
        guard
    }

    fn clean() {
        let _ = std::process::Command::new("/bin/sh")
            .args(["-c", CLEAN])
            .status();
    }

    /// The test services installed (daemons stopped, not enabled), then
    /// the case's own setup.
    fn prepare(setup: &str) {
        ServiceGuard::clean();
        std::fs::create_dir_all("/run/mrts").expect("mkdir /run/mrts");
        for (name, status, broken) in SERVICES {
            let script = format!("/etc/init.d/{name}");
            std::fs::write(&script, init_script(name, *status, *broken)).expect("write script");
            std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755))
                .expect("chmod script");
            std::os::unix::fs::symlink("/bin/sleep", format!("/run/mrts/{name}d"))
                .expect("daemon link");
        }
        std::fs::write("/etc/systemd/system/mrts_unit.service", UNIT).expect("write unit");
        let ok = std::process::Command::new("/bin/sh")
            .args(["-ec", setup])
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        assert!(ok, "setup failed: {setup}");
        // What the setup did is not part of what the module did.
        let _ = std::process::Command::new("/bin/sh")
            .args(["-c", "rm -f /run/mrts/*.log"])
            .status();
    }
}

impl Drop for ServiceGuard {
    fn drop(&mut self) {
        ServiceGuard::clean();
    }
}

/// The end state: which daemons run, each script's calls other than
/// `status` (other sessions on the machine may ask every init script for
/// its status at any time: `service --status-all`), rc?.d links, systemd
/// links and units.
const PROBE: &str = r#"cd /run/mrts 2>/dev/null || exit 0
for p in *.pid; do [ -f "$p" ] || continue; if kill -0 "$(cat "$p")" 2>/dev/null; then echo "$p running"; else echo "$p stale"; fi; done
for l in *.log; do [ -f "$l" ] || continue; grep -v '^status$' "$l" | sed "s/^/$l: /"; done
ls -d /etc/rc?.d/*mrts_* 2>/dev/null
find /etc/systemd -name '*mrts_*' -printf '%p -> %l\n' | sort"#;

fn end_state() -> Vec<String> {
    let out = std::process::Command::new("/bin/sh")
        .args(["-c", PROBE])
        .output()
        .expect("probe runs");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

struct Case {
    module: &'static str,
    setup: &'static str,
    args: Vec<(&'static str, Value)>,
    check_mode: bool,
    environment: Vec<(&'static str, &'static str)>,
}

fn case(module: &'static str, setup: &'static str, args: Vec<(&'static str, Value)>) -> Case {
    Case {
        module,
        setup,
        args,
        check_mode: false,
        environment: Vec::new(),
    }
}

impl Case {
    fn check(mut self) -> Case {
        self.check_mode = true;
        self
    }
    fn env(mut self, key: &'static str, value: &'static str) -> Case {
        self.environment.push((key, value));
        self
    }
}

async fn run(ctx: &Context, case: &Case, native: bool) -> (Value, Vec<String>) {
    ServiceGuard::prepare(case.setup);
    let args: Map = case
        .args
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    let mut call = ModuleCall::new(case.module, args);
    call.prefer_native = native;
    call.check_mode = case.check_mode;
    for (k, v) in &case.environment {
        call.environment.insert(k.to_string(), s(v));
    }
    let r = ctx
        .run_module(call)
        .await
        .unwrap_or_else(|e| panic!("{} {:?}: {e}", case.module, case.args));
    let mut r = Value::Map(r);
    // The real module's failures may carry exception details.
    if let Value::Map(m) = &mut r {
        m.shift_remove("exception");
    }
    (r, end_state())
}

async fn run_cases(cases: Vec<Case>) {
    if !is_root() {
        eprintln!("skipped: needs root (installs init scripts)");
        return;
    }
    run_cases_on(&[], cases).await;
}

/// The cases through an agent started with these connection variables.
async fn run_cases_on(connection: &[(&str, &str)], cases: Vec<Case>) {
    let _guard = ServiceGuard::take();
    let pool = ref_pool();
    let ctx = pool
        .context(&local_spec(connection))
        .await
        .expect("connect");
    let mut failures = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        eprintln!("parity case {i}: {} {:?}", case.module, case.args);
        let native = run(&ctx, case, true).await;
        let real = run(&ctx, case, false).await;
        if std::env::var_os("MITORUN_PARITY_SHOW").is_some() {
            eprintln!(
                "  native: {}\n  state: {:?}",
                mitorun::transport::context::value_to_json(&native.0),
                native.1
            );
        }
        if native.0 != real.0 {
            failures.push(format!(
                "case {i} {} {:?} check={} env={:?}:\n  native: {}\n  real:   {}",
                case.module,
                case.args,
                case.check_mode,
                case.environment,
                mitorun::transport::context::value_to_json(&native.0),
                mitorun::transport::context::value_to_json(&real.0)
            ));
        }
        if native.1 != real.1 {
            failures.push(format!(
                "case {i} {} {:?}: end state differs\n  native: {:#?}\n  real:   {:#?}",
                case.module, case.args, native.1, real.1
            ));
        }
    }
    pool.shutdown().await;
    parity::assert_all_match(&failures, cases.len());
}

/// Starting states.
const STOPPED: &str = "true";
const RUNNING: &str = "/etc/init.d/mrts_lsb start >/dev/null";
const ALL_RUNNING: &str = "for s in mrts_lsb mrts_quiet mrts_verbose mrts_nostatus; do /etc/init.d/$s start >/dev/null; done";
const ENABLED: &str = "update-rc.d mrts_lsb defaults >/dev/null 2>&1";
const DISABLED: &str =
    "update-rc.d mrts_lsb defaults >/dev/null 2>&1 && update-rc.d mrts_lsb disable >/dev/null 2>&1";
const RUNNING_ENABLED: &str =
    "/etc/init.d/mrts_lsb start >/dev/null && update-rc.d mrts_lsb defaults >/dev/null 2>&1";
const UNIT_ENABLED: &str = "mkdir -p /etc/systemd/system/multi-user.target.wants && ln -s /etc/systemd/system/mrts_unit.service /etc/systemd/system/multi-user.target.wants/mrts_unit.service";
const UNIT_MASKED: &str = "rm /etc/systemd/system/mrts_unit.service && ln -s /dev/null /etc/systemd/system/mrts_unit.service";
const LSB_MASKED: &str = "ln -s /dev/null /etc/systemd/system/mrts_lsb.service";

fn name(n: &str) -> (&'static str, Value) {
    ("name", s(n))
}

fn state(v: &str) -> (&'static str, Value) {
    ("state", s(v))
}

fn service_cases() -> Vec<Case> {
    let svc = |setup, args| case("service", setup, args);
    let mut cases = vec![
        // the integration target's sequence: enable (check mode and for
        // real), start, start again, pattern, restart (with sleep),
        // reload, stop, disable
        svc(STOPPED, vec![name("mrts_lsb"), ("enabled", F)]),
        svc(STOPPED, vec![name("mrts_lsb"), ("enabled", T)]).check(),
        svc(STOPPED, vec![name("mrts_lsb"), ("enabled", T)]),
        svc(ENABLED, vec![name("mrts_lsb"), ("enabled", T)]),
        svc(DISABLED, vec![name("mrts_lsb"), ("enabled", T)]),
        svc(ENABLED, vec![name("mrts_lsb"), ("enabled", F)]),
        svc(ENABLED, vec![name("mrts_lsb"), ("enabled", F)]).check(),
        svc(STOPPED, vec![name("mrts_lsb"), state("started")]),
        svc(STOPPED, vec![name("mrts_lsb"), state("started")]).check(),
        svc(RUNNING, vec![name("mrts_lsb"), state("started")]),
        svc(
            RUNNING,
            vec![
                name("mrts_lsb"),
                ("pattern", s("mrts_lsbd")),
                state("started"),
            ],
        ),
        svc(
            STOPPED,
            vec![
                name("mrts_lsb"),
                ("pattern", s("mrts_lsbd")),
                state("started"),
            ],
        ),
        svc(
            RUNNING,
            vec![
                name("mrts_lsb"),
                ("pattern", s("mrts_lsbd")),
                state("stopped"),
            ],
        )
        .check(),
        svc(RUNNING, vec![name("mrts_lsb"), state("restarted")]),
        svc(STOPPED, vec![name("mrts_lsb"), state("restarted")]),
        svc(RUNNING, vec![name("mrts_lsb"), state("restarted")]).check(),
        svc(
            RUNNING,
            vec![name("mrts_lsb"), state("restarted"), ("sleep", int(1))],
        ),
        svc(RUNNING, vec![name("mrts_lsb"), state("reloaded")]),
        svc(STOPPED, vec![name("mrts_lsb"), state("reloaded")]),
        svc(RUNNING, vec![name("mrts_lsb"), state("stopped")]),
        svc(STOPPED, vec![name("mrts_lsb"), state("stopped")]),
        svc(RUNNING, vec![name("mrts_lsb"), state("stopped")]).check(),
        svc(
            RUNNING,
            vec![name("mrts_lsb"), state("stopped"), ("enabled", F)],
        ),
        svc(
            STOPPED,
            vec![name("mrts_lsb"), state("started"), ("enabled", T)],
        ),
        svc(
            RUNNING_ENABLED,
            vec![name("mrts_lsb"), state("started"), ("enabled", T)],
        ),
        svc(
            STOPPED,
            vec![name("mrts_lsb"), state("started"), ("enabled", T)],
        )
        .check(),
        // arguments reach the script (`args` is the alias)
        svc(
            STOPPED,
            vec![
                name("mrts_lsb"),
                state("started"),
                ("arguments", s("--fast -x")),
            ],
        ),
        svc(
            RUNNING,
            vec![name("mrts_lsb"), state("restarted"), ("args", s("--slow"))],
        ),
        // status read from codes alone, from too many lines, or missing
        svc(STOPPED, vec![name("mrts_quiet"), state("started")]),
        svc(ALL_RUNNING, vec![name("mrts_quiet"), state("started")]),
        svc(ALL_RUNNING, vec![name("mrts_quiet"), state("stopped")]),
        svc(STOPPED, vec![name("mrts_verbose"), state("started")]),
        svc(ALL_RUNNING, vec![name("mrts_verbose"), state("stopped")]),
        svc(ALL_RUNNING, vec![name("mrts_nostatus"), state("started")]),
        svc(ALL_RUNNING, vec![name("mrts_nostatus"), state("stopped")]),
        // a script whose start fails
        svc(STOPPED, vec![name("mrts_broken"), state("started")]),
        svc(STOPPED, vec![name("mrts_broken"), state("restarted")]),
        svc(STOPPED, vec![name("mrts_broken"), ("enabled", T)]),
        // no such service, also in check mode
        svc(STOPPED, vec![name("nonexisting"), state("stopped")]),
        svc(STOPPED, vec![name("nonexisting"), state("stopped")]).check(),
        svc(STOPPED, vec![name("nonexisting"), ("enabled", T)]),
        // argument errors
        svc(STOPPED, vec![name("mrts_lsb")]),
        svc(STOPPED, vec![state("started")]),
        svc(STOPPED, vec![name("mrts_lsb"), state("running")]),
        svc(STOPPED, vec![name("mrts_lsb"), ("enabled", s("maybe"))]),
        svc(
            STOPPED,
            vec![name("mrts_lsb"), state("started"), ("use", s("sysvinit"))],
        ),
    ];
    // a pattern nothing matches
    cases.push(svc(
        RUNNING,
        vec![
            name("mrts_lsb"),
            ("pattern", s("no-such-process-mrts")),
            state("stopped"),
        ],
    ));
    cases
}

fn sysvinit_cases() -> Vec<Case> {
    let sysv = |setup, args| case("sysvinit", setup, args);
    vec![
        sysv(STOPPED, vec![name("mrts_lsb"), state("started")]),
        sysv(RUNNING, vec![name("mrts_lsb"), state("started")]),
        sysv(STOPPED, vec![name("mrts_lsb"), state("started")]).check(),
        sysv(RUNNING, vec![name("mrts_lsb"), state("stopped")]),
        sysv(STOPPED, vec![name("mrts_lsb"), state("stopped")]),
        sysv(
            RUNNING,
            vec![name("mrts_lsb"), state("restarted"), ("sleep", int(0))],
        ),
        sysv(RUNNING, vec![name("mrts_lsb"), state("restarted")]).check(),
        sysv(RUNNING, vec![name("mrts_lsb"), state("reloaded")]),
        sysv(STOPPED, vec![name("mrts_lsb"), state("reloaded")]),
        // enabled alone: the result's status names no state
        sysv(STOPPED, vec![name("mrts_lsb"), ("enabled", T)]),
        sysv(ENABLED, vec![name("mrts_lsb"), ("enabled", T)]),
        sysv(ENABLED, vec![name("mrts_lsb"), ("enabled", F)]),
        sysv(STOPPED, vec![name("mrts_lsb"), ("enabled", T)]).check(),
        sysv(
            STOPPED,
            vec![name("mrts_lsb"), ("enabled", T), state("started")],
        ),
        sysv(
            STOPPED,
            vec![
                ("service", s("mrts_lsb")),
                ("enabled", T),
                ("runlevels", list(&["3", "5"])),
            ],
        ),
        sysv(
            ENABLED,
            vec![
                name("mrts_lsb"),
                ("enabled", F),
                ("runlevels", list(&["2", "3"])),
            ],
        ),
        sysv(
            ENABLED,
            vec![
                name("mrts_lsb"),
                ("enabled", T),
                ("runlevels", list(&["3", "5"])),
            ],
        ),
        sysv(
            STOPPED,
            vec![
                name("mrts_lsb"),
                state("started"),
                ("pattern", s("mrts_lsbd")),
            ],
        ),
        sysv(
            RUNNING,
            vec![
                name("mrts_lsb"),
                state("stopped"),
                ("pattern", s("mrts_lsbd")),
            ],
        ),
        sysv(
            STOPPED,
            vec![
                name("mrts_lsb"),
                state("started"),
                ("arguments", s("one two")),
            ],
        ),
        sysv(
            STOPPED,
            vec![name("mrts_lsb"), state("started"), ("daemonize", T)],
        ),
        sysv(STOPPED, vec![name("mrts_quiet"), state("started")]),
        sysv(ALL_RUNNING, vec![name("mrts_verbose"), state("stopped")]),
        sysv(ALL_RUNNING, vec![name("mrts_nostatus"), state("started")]),
        sysv(STOPPED, vec![name("mrts_nostatus"), state("stopped")]),
        sysv(STOPPED, vec![name("mrts_broken"), state("started")]),
        sysv(STOPPED, vec![name("nonexisting"), state("started")]),
        sysv(STOPPED, vec![name("mrts_lsb")]),
        sysv(
            STOPPED,
            vec![name("/etc/init.d/mrts_lsb"), state("started")],
        ),
    ]
}

fn systemd_cases(module: &'static str) -> Vec<Case> {
    let sd = move |setup, args| case(module, setup, args);
    vec![
        // enable/disable work offline: a unit file, and an init script
        // (systemctl hands that to update-rc.d)
        sd(STOPPED, vec![name("mrts_unit"), ("enabled", T)]),
        sd(UNIT_ENABLED, vec![name("mrts_unit"), ("enabled", T)]),
        sd(
            UNIT_ENABLED,
            vec![name("mrts_unit.service"), ("enabled", F)],
        ),
        sd(STOPPED, vec![name("mrts_unit"), ("enabled", T)]).check(),
        sd(STOPPED, vec![name("mrts_lsb"), ("enabled", T)]),
        sd(ENABLED, vec![name("mrts_lsb"), ("enabled", T)]),
        sd(ENABLED, vec![("unit", s("mrts_lsb")), ("enabled", F)]),
        // masking
        sd(STOPPED, vec![name("mrts_unit"), ("masked", T)]),
        sd(UNIT_MASKED, vec![name("mrts_unit"), ("masked", F)]),
        sd(UNIT_MASKED, vec![name("mrts_unit"), ("masked", T)]),
        sd(STOPPED, vec![name("mrts_unit"), ("masked", T)]).check(),
        sd(STOPPED, vec![name("mrts_lsb"), ("masked", T)]),
        sd(LSB_MASKED, vec![name("mrts_lsb"), ("masked", F)]),
        sd(
            STOPPED,
            vec![
                name("mrts_unit"),
                ("masked", T),
                ("no_block", T),
                ("force", T),
            ],
        ),
        sd(
            UNIT_MASKED,
            vec![name("mrts_unit"), ("masked", F), ("enabled", T)],
        ),
        // without a running systemd: states cannot be read
        sd(STOPPED, vec![name("mrts_unit"), state("started")]),
        sd(STOPPED, vec![name("mrts_lsb"), state("stopped")]),
        sd(STOPPED, vec![name("mrts_unit"), state("started")]).check(),
        sd(STOPPED, vec![name("mrts_unit"), state("started")]).env("SYSTEMD_OFFLINE", "1"),
        sd(STOPPED, vec![("daemon_reload", T)]),
        sd(STOPPED, vec![("daemon-reexec", T)]),
        sd(STOPPED, vec![("daemon_reload", T)]).check(),
        sd(
            STOPPED,
            vec![name("mrts_unit"), ("daemon_reload", T), ("enabled", T)],
        )
        .env("SYSTEMD_OFFLINE", "1"),
        sd(STOPPED, vec![name("mrts_unit"), ("daemon_reexec", T)]).env("SYSTEMD_OFFLINE", "1"),
        // units systemd does not know, user scope
        sd(STOPPED, vec![name("nonexisting"), ("enabled", T)]),
        sd(STOPPED, vec![name("nonexisting"), ("masked", T)]),
        sd(
            STOPPED,
            vec![name("mrts_unit"), state("started"), ("scope", s("user"))],
        ),
        sd(
            STOPPED,
            vec![name("mrts_unit"), ("enabled", T), ("scope", s("global"))],
        ),
        // argument errors
        sd(STOPPED, vec![name("mrts_*"), state("started")]),
        sd(STOPPED, vec![name("mrts_[ab]"), ("enabled", T)]),
        sd(STOPPED, vec![state("started")]),
        sd(STOPPED, vec![name("mrts_unit")]),
        sd(
            STOPPED,
            vec![name("mrts_unit"), ("scope", s("site")), ("enabled", T)],
        ),
    ]
}

fn service_facts_cases() -> Vec<Case> {
    vec![
        case("service_facts", STOPPED, vec![]),
        case("service_facts", ALL_RUNNING, vec![]),
        case("service_facts", RUNNING, vec![]).check(),
        case("service_facts", STOPPED, vec![("extra", s("x"))]),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_matches_ansible_core() {
    run_cases(service_cases()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sysvinit_matches_ansible_core() {
    run_cases(sysvinit_cases()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn systemd_matches_ansible_core() {
    run_cases(systemd_cases("systemd")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn systemd_service_matches_ansible_core() {
    // the same module under its newer name: a few cases are enough
    let cases: Vec<Case> = systemd_cases("systemd_service")
        .into_iter()
        .step_by(4)
        .collect();
    run_cases(cases).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_facts_matches_ansible_core() {
    run_cases(service_facts_cases()).await;
}

/// A host that looks booted with systemd (mount and pid namespaces: pid 1
/// is a shell, a fresh /run holds systemd's marker) but has no systemd to
/// answer: service and service_facts take their systemd paths, and fail
/// or warn with systemctl's words.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_matches_ansible_core_on_a_systemd_host() {
    let probe = std::process::Command::new("unshare")
        .args(["-m", "-p", "-f", "--mount-proc", "--propagation", "private"])
        .args(["/bin/sh", "-c", "mount -t tmpfs tmpfs /run"])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !is_root() || !probe {
        eprintln!("NOT RUN: needs root and mount/pid namespaces");
        return;
    }
    let python = "unshare -m -p -f --mount-proc --propagation private /bin/sh -c \
                  'mount -t tmpfs tmpfs /run && mkdir -p /run/systemd/system && \
                  /usr/bin/python3 \"$@\"' sh";
    let svc = |args| case("service", STOPPED, args);
    let cases = vec![
        svc(vec![name("mrts_lsb"), state("started")]),
        svc(vec![name("mrts_unit"), state("stopped")]),
        svc(vec![name("mrts_unit"), ("enabled", T)]),
        svc(vec![name("mrts_lsb"), ("enabled", T)]),
        svc(vec![name("mrts_unit"), ("enabled", F)]).check(),
        svc(vec![name("nonexisting"), ("enabled", T)]),
        case("service_facts", STOPPED, vec![]),
        case(
            "systemd",
            STOPPED,
            vec![name("mrts_unit"), state("started")],
        ),
    ];
    run_cases_on(&[("ansible_python_interpreter", python)], cases).await;
}

/// The parity cases compare two runs: here the native module must really
/// have started and stopped the daemon (both failing alike would pass).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn native_service_really_starts_and_stops() {
    if !is_root() {
        eprintln!("skipped: needs root (installs init scripts)");
        return;
    }
    let _guard = ServiceGuard::take();
    ServiceGuard::prepare(STOPPED);
    let pool = ref_pool();
    let ctx = pool.context(&local_spec(&[])).await.expect("connect");
    let call = |state: &str| {
        let mut call = ModuleCall::new(
            "service",
            args(&[name("mrts_lsb"), ("state", s(state)), ("enabled", T)]),
        );
        call.prefer_native = true;
        call
    };
    let started = ctx.run_module(call("started")).await.expect("service runs");
    let running = end_state();
    let stopped = ctx.run_module(call("stopped")).await.expect("service runs");
    let after = end_state();
    pool.shutdown().await;
    assert_eq!(started.get("changed"), Some(&T), "{started:?}");
    assert!(
        running.contains(&"mrts_lsb.pid running".to_string()),
        "{running:?}"
    );
    assert!(
        running
            .iter()
            .any(|l| l.starts_with("/etc/rc2.d/S") && l.ends_with("mrts_lsb")),
        "{running:?}"
    );
    assert_eq!(stopped.get("changed"), Some(&T), "{stopped:?}");
    assert!(
        !after.iter().any(|l| l.ends_with(".pid running")),
        "{after:?}"
    );
}

/// A playbook of service tasks (the action choosing the module from the
/// host's service manager, `use`, check mode, failures) through
/// ansible-playbook and through mitorun (no ansible-core to fall back on):
/// the same output and the same end state.
#[test]
fn service_playbook_runs_like_ansible() {
    if !is_root() {
        eprintln!("skipped: needs root (installs init scripts)");
        return;
    }
    let Some(bin) = ref_bin() else {
        panic!("MITORUN_REF_BIN must point at the ansible-core 2.19 venv's bin dir");
    };
    let _guard = ServiceGuard::take();
    let dir = tempdir("service-playbook");
    std::fs::write(dir.join("site.yml"), PLAYBOOK).expect("write playbook");
    std::fs::write(
        dir.join("hosts.ini"),
        "localhost ansible_connection=local ansible_python_interpreter=/usr/bin/python3\n",
    )
    .expect("write inventory");
    let run = |program: &std::path::Path| {
        ServiceGuard::prepare(STOPPED);
        let output = std::process::Command::new(program)
            .args(["-i", "hosts.ini", "site.yml"])
            .current_dir(&dir)
            .env("ANSIBLE_NOCOWS", "1")
            .env("ANSIBLE_FORKS", "1")
            .env_remove("MITORUN_ANSIBLE_PYTHON")
            .env_remove("MITORUN_ANSIBLE_CORE")
            .output()
            .expect("run the playbook");
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
            end_state(),
        )
    };
    let theirs = run(&std::path::Path::new(&bin).join("ansible-playbook"));
    let ours = run(std::path::Path::new(env!("CARGO_BIN_EXE_mitorun")));
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(theirs.0, Some(0), "ansible-playbook failed:\n{}", theirs.1);
    assert_eq!(
        ours.1, theirs.1,
        "output differs; mitorun's stderr:\n{}",
        ours.2
    );
    assert_eq!(ours.0, theirs.0);
    assert_eq!(ours.3, theirs.3, "end state differs");
}

const PLAYBOOK: &str = r#"- hosts: localhost
  gather_facts: false
  tasks:
    - name: start
      service: name=mrts_lsb state=started
      register: started
    - name: started again
      service: name=mrts_lsb state=started
      register: again
    - name: enable
      service: name=mrts_lsb enabled=yes
    - name: enable in check mode
      service: name=mrts_quiet enabled=yes
      check_mode: true
    - name: restart
      ansible.builtin.service:
        name: mrts_lsb
        state: restarted
    - name: stop
      service: name=mrts_lsb state=stopped
      register: stopped
    - assert:
        that:
          - started is changed
          - started.state == 'started'
          - again is not changed
          - stopped is changed
    - name: sysvinit chosen by use
      service: name=mrts_quiet state=started use=sysvinit
      register: by_use
    - debug: var=by_use.status
    - name: systemd chosen by use, without a running systemd
      service: name=mrts_quiet state=stopped use=systemd pattern=mrts sleep=1
      ignore_errors: true
    - name: systemd enables offline
      systemd: name=mrts_unit enabled=yes
    - name: a manager no module answers to means the service module
      service: name=mrts_quiet state=stopped use=no_such_manager
    - name: no such service
      service: name=nonexisting state=stopped
      ignore_errors: true
    - service_facts:
    - debug:
        msg: "{{ ansible_facts.services['mrts_lsb'] }} {{ ansible_facts.services['mrts_quiet'] }}"
"#;
