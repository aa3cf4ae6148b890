//! Parity of the native apt and dpkg_selections modules with ansible-core
//! 2.19's (MITORUN_REF_BIN): the same arguments run natively and through
//! the real module, each from the same package state, must give the same
//! result key for key (apt's output included, with download speeds
//! masked) and the same end state (`dpkg-query -W` of the test packages,
//! their auto/manual marks, conffiles left behind).
//!
//! The packages (`mitorun-test-*`) are built with `dpkg-deb` into a local
//! flat repository with two suites like ansible's setup_deb_repo target
//! (`stable`, and `testing` with NotAutomatic/ButAutomaticUpgrades). apt
//! sees only that repository: every call runs with APT_CONFIG naming a
//! sources list, lists dir and cache of the test's own, so update_cache
//! stays offline and the system's lists are left alone. The cases follow
//! ansible-core's integration target `apt` where it can run offline.
//! Root only (it installs packages); skipped otherwise.

#[path = "common/parity.rs"]
mod parity;
#[path = "common/sshd.rs"]
mod sshd;
#[path = "common/transport.rs"]
mod tr;

use mitorun::transport::{Context, ModuleCall};
use mitorun::value::{Map, Value};
use std::path::PathBuf;
use std::process::Command;
use tokio::sync::Mutex;
use tr::*;

const T: Value = Value::Bool(true);
const F: Value = Value::Bool(false);

fn s(v: &str) -> Value {
    Value::str(v)
}

fn list(items: &[&str]) -> Value {
    Value::List(items.iter().map(|i| s(i)).collect())
}

fn int(n: i64) -> Value {
    Value::Int(n)
}

/// dpkg's database is one per machine: the tests take turns.
static DPKG: Mutex<()> = Mutex::const_new(());

/// Builds the packages and the repository under `root`.
const BUILD_REPO: &str = r#"
set -e
R=$1
mk() {
  d=$(mktemp -d)
  mkdir -p "$d/DEBIAN" "$d/usr/share/mitorun-test" "$R/dists/$3/main/binary-all"
  printf 'Package: %s\nVersion: %s\nArchitecture: all\nMaintainer: mitorun <test@example.com>\nDescription: mitorun test package\n%b' "$1" "$2" "$4" > "$d/DEBIAN/control"
  echo "$1 $2" > "$d/usr/share/mitorun-test/$1"
  if [ -n "$5" ]; then
    mkdir -p "$d/etc"; echo "setting=$2" > "$d/etc/$1.conf"; echo "/etc/$1.conf" > "$d/DEBIAN/conffiles"
  fi
  dpkg-deb --root-owner-group --build "$d" "${6:-$R/dists/$3/main/binary-all}/$1_$2_all.deb" >/dev/null
  rm -rf "$d"
}
mk mitorun-test-foo 1.0.0 stable ''
mk mitorun-test-foo 1.0.1 stable ''
mk mitorun-test-foo 2.0.0 testing ''
mk mitorun-test-foo 2.0.1 testing ''
mk mitorun-test-foobar 1.0.0 stable 'Depends: mitorun-test-foo\n'
mk mitorun-test-foobar 1.0.1 stable 'Depends: mitorun-test-foo\n'
mk mitorun-test-rec 1.0 stable ''
mk mitorun-test-baz 1.0.0 stable 'Recommends: mitorun-test-rec\n'
mk mitorun-test-lib 1.0 stable ''
mk mitorun-test-app 1.0 stable 'Depends: mitorun-test-lib\n'
mk mitorun-test-conf 1.0 stable '' conf
mk mitorun-test-virt 1.0 stable 'Provides: mitorun-test-virtual\n'
mkdir -p "$R/local"
mk mitorun-test-local 1.0 stable 'Depends: mitorun-test-lib\n' '' "$R/local"
mk mitorun-test-local 2.0 stable 'Depends: mitorun-test-lib\n' '' "$R/local"
mk mitorun-test-broken 1.0 stable 'Depends: mitorun-test-missing\n' '' "$R/local"
for suite in stable testing; do
  (cd "$R/dists/$suite/main/binary-all" &&
   dpkg-scanpackages --multiversion . /dev/null "dists/$suite/main/binary-all/" 2>/dev/null | gzip -9c > Packages.gz)
done
printf 'Codename: stable\n' > "$R/dists/stable/Release"
printf 'Codename: testing\nNotAutomatic: yes\nButAutomaticUpgrades: yes\n' > "$R/dists/testing/Release"
mkdir -p "$R/sources.list.d" "$R/lists/partial" "$R/cache/archives/partial"
printf 'deb [trusted=yes arch=all] file:%s stable main\ndeb [trusted=yes arch=all] file:%s testing main\n' "$R" "$R" > "$R/sources.list"
cat > "$R/apt.conf" <<EOF
Dir::Etc::sourcelist "$R/sources.list";
Dir::Etc::sourceparts "$R/sources.list.d";
Dir::State::Lists "$R/lists";
Dir::Cache "$R/cache";
EOF
APT_CONFIG="$R/apt.conf" apt-get update -qq
"#;

/// Holds dpkg's frontend lock for eight seconds from a background process
/// (its output detached, so the setup does not wait for it): longer than
/// either module takes to reach apt-get on a busy machine.
const HOLD_DPKG_LOCK: &str = "/usr/bin/python3 -c 'import fcntl,time; f=open(\"/var/lib/dpkg/lock-frontend\",\"w\"); fcntl.lockf(f,fcntl.LOCK_EX); time.sleep(8)' </dev/null >/dev/null 2>&1 &\nsleep 0.5";

/// Removes every test package (and what it left: conffiles, selections).
const PURGE: &str = r#"
pkgs=$(dpkg-query -W -f '${Package}\n' 'mitorun-test-*' 2>/dev/null || true)
if [ -n "$pkgs" ]; then dpkg --purge --force-all $pkgs >/dev/null; fi
rm -f /etc/mitorun-test-*.conf
"#;

/// The test repository, built once per test binary.
struct Repo {
    root: PathBuf,
}

impl Repo {
    fn get() -> &'static Repo {
        static REPO: std::sync::OnceLock<Repo> = std::sync::OnceLock::new();
        REPO.get_or_init(|| {
            let root = tempdir("apt-repo");
            sh_ok(BUILD_REPO, &[root.to_str().expect("utf-8 path")]);
            Repo { root }
        })
    }

    fn apt_config(&self) -> String {
        self.root.join("apt.conf").display().to_string()
    }
}

/// Runs a shell script that must succeed; a script that meets dpkg's
/// lock (held by something else on the machine for a moment) is run
/// again, for up to a minute.
fn sh_ok(script: &str, args: &[&str]) -> String {
    let mut tries = 0;
    let out = loop {
        let out = Command::new("/bin/sh")
            .arg("-c")
            .arg(script)
            .arg("sh")
            .args(args)
            .output()
            .expect("sh runs");
        tries += 1;
        let locked = String::from_utf8_lossy(&out.stderr).contains("lock");
        if out.status.success() || !locked || tries >= 60 {
            break out;
        }
        std::thread::sleep(std::time::Duration::from_secs(1));
    };
    assert!(
        out.status.success(),
        "script failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// What the tests look at after a run: package states and versions,
/// auto marks, conffiles on disk, selections, policy-rc.d.
fn package_state(repo: &Repo) -> Vec<String> {
    let script = r#"
dpkg-query -W -f '${Package} ${Version} ${db:Status-Abbrev} ${Status}\n' 'mitorun-test-*' 2>/dev/null | sort
APT_CONFIG="$1" apt-mark showauto 2>/dev/null | grep '^mitorun-test' | sed 's/^/auto /' | sort
ls /etc/mitorun-test-*.conf 2>/dev/null | sed 's/^/conffile /'
dpkg --get-selections 'mitorun-test-*' 2>/dev/null | sort | sed 's/^/selection /'
md5sum /usr/sbin/policy-rc.d 2>/dev/null || echo 'no policy-rc.d'
"#;
    sh_ok(script, &[&repo.apt_config()])
        .lines()
        .map(str::to_string)
        .collect()
}

/// Resets the packages and runs the case's setup (shell, `$1` = repo root).
fn prepare(repo: &Repo, setup: &str) {
    sh_ok(PURGE, &[]);
    if !setup.is_empty() {
        let script = format!("set -e\nexport APT_CONFIG=\"$1/apt.conf\"\n{setup}");
        sh_ok(&script, &[repo.root.to_str().expect("utf-8 path")]);
    }
}

/// Installs packages of the repository at the given versions.
fn dpkg_install(debs: &[&str]) -> String {
    let paths: Vec<String> = debs
        .iter()
        .map(|d| {
            let (name, version) = d.split_once('=').expect("name=version");
            format!("\"$1\"/dists/*/main/binary-all/{name}_{version}_all.deb")
        })
        .collect();
    format!("dpkg -i {} >/dev/null", paths.join(" "))
}

struct Case {
    name: &'static str,
    setup: String,
    args: Vec<(&'static str, Value)>,
    check_mode: bool,
    diff: bool,
    /// Run the native module under the tests' interpreter, which lacks
    /// python3-apt, so that it respawns under the system one. The real
    /// module always runs under the system interpreter: its respawn
    /// probe imports `ansible.module_utils.basic` from disk, which a
    /// module shipped by mitorun's agent does not have.
    respawn: bool,
}

impl Case {
    fn new(name: &'static str, setup: String, args: Vec<(&'static str, Value)>) -> Case {
        Case {
            name,
            setup,
            args,
            check_mode: false,
            diff: false,
            respawn: false,
        }
    }
    fn apt(setup: String, args: Vec<(&'static str, Value)>) -> Case {
        Case::new("apt", setup, args)
    }
    fn check(mut self) -> Case {
        self.check_mode = true;
        self
    }
    fn diff(mut self) -> Case {
        self.diff = true;
        self
    }
    fn respawn(mut self) -> Case {
        self.respawn = true;
        self
    }
}

/// `@` in string arguments stands for the repository root.
fn substitute(v: &Value, root: &str) -> Value {
    match v {
        Value::Str(t) => Value::str(t.replace('@', root)),
        Value::List(items) => Value::List(items.iter().map(|i| substitute(i, root)).collect()),
        other => other.clone(),
    }
}

/// What legitimately differs between two runs: apt's transfer speed and
/// timing, how many times it said it waits for a lock, dpkg's count of
/// installed files (our own runs change it).
fn scrub(v: &Value) -> Value {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = RE.get_or_init(|| {
        regex::Regex::new(
            r"Fetched [^\n]*|(?:Waiting for cache lock: [^\n]*\n)+|\(Reading database \.\.\. [^\n]*\)|/tmp/ansible[a-z0-9_]+",
        )
        .expect("regex")
    });
    match v {
        Value::Str(t) => Value::str(re.replace_all(t, "<varies>").into_owned()),
        Value::List(items) => Value::List(items.iter().map(scrub).collect()),
        Value::Map(m) => Value::Map(
            m.iter()
                .filter(|(k, _)| k.as_str() != "exception")
                .map(|(k, v)| (k.clone(), scrub(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Whether the case is an autoremove that would take packages other than
/// the test's with it (a machine with orphans of its own): not run then.
fn removes_system_packages(repo: &Repo, case: &Case) -> bool {
    let autoremove = case
        .args
        .iter()
        .any(|(k, v)| *k == "autoremove" && v.is_truthy());
    if !autoremove {
        return false;
    }
    prepare(repo, &case.setup);
    let planned = sh_ok(
        "APT_CONFIG=\"$1\" apt-get -s autoremove | grep '^Remv' || true",
        &[&repo.apt_config()],
    );
    planned
        .lines()
        .any(|l| !l.starts_with("Remv mitorun-test-"))
}

async fn run_one(ctx: &Context, repo: &Repo, case: &Case, native: bool) -> (Value, Vec<String>) {
    prepare(repo, &case.setup);
    let root = repo.root.to_str().expect("utf-8 path");
    let args: Map = case
        .args
        .iter()
        .map(|(k, v)| (k.to_string(), substitute(v, root)))
        .collect();
    let mut call = ModuleCall::new(case.name, args);
    call.prefer_native = native;
    call.check_mode = case.check_mode;
    call.diff = case.diff;
    call.environment
        .insert("APT_CONFIG".into(), Value::str(repo.apt_config()));
    let result = ctx
        .run_module(call)
        .await
        .unwrap_or_else(|e| panic!("{} {:?}: {e}", case.name, case.args));
    (scrub(&Value::Map(result)), package_state(repo))
}

async fn compare_cases(cases: Vec<Case>) {
    if !is_root() {
        eprintln!("skipped: the apt parity test installs packages (root only)");
        return;
    }
    let _turn = DPKG.lock().await;
    // Declared after the lock: dropped (purging) while it is still held.
    let _purge = PurgeOnDrop;
    let repo = Repo::get();
    let pool = ref_pool();
    let own = pool.context(&local_spec(&[])).await.expect("connect");
    let system = pool
        .context(&local_spec(&[(
            "ansible_python_interpreter",
            "/usr/bin/python3",
        )]))
        .await
        .expect("connect");
    let mut failures = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        eprintln!("apt parity case {i}: {} {:?}", case.name, case.args);
        if removes_system_packages(repo, case) {
            eprintln!("  skipped: autoremove would remove packages of this machine");
            continue;
        }
        let native_ctx = if case.respawn { &own } else { &system };
        let (native, native_state) = run_one(native_ctx, repo, case, true).await;
        let (real, real_state) = run_one(&system, repo, case, false).await;
        if std::env::var_os("MITORUN_PARITY_SHOW").is_some() {
            eprintln!(
                "  native: {}\n  state: {native_state:?}",
                mitorun::transport::context::value_to_json(&native)
            );
        }
        if native != real {
            failures.push(format!(
                "case {i} {} {:?} check={} diff={}:\n  native: {}\n  real:   {}",
                case.name,
                case.args,
                case.check_mode,
                case.diff,
                mitorun::transport::context::value_to_json(&native),
                mitorun::transport::context::value_to_json(&real)
            ));
        }
        if native_state != real_state {
            failures.push(format!(
                "case {i} {} {:?}: package state differs\n  native: {native_state:#?}\n  real:   {real_state:#?}",
                case.name, case.args
            ));
        }
    }
    sh_ok(PURGE, &[]);
    pool.shutdown().await;
    parity::assert_all_match(&failures, cases.len());
}

/// Purges the test packages when a test ends, even by a panic.
struct PurgeOnDrop;

impl Drop for PurgeOnDrop {
    fn drop(&mut self) {
        if is_root() {
            let _ = Command::new("/bin/sh").arg("-c").arg(PURGE).status();
        }
    }
}

fn none() -> String {
    String::new()
}

fn install_cases() -> Vec<Case> {
    vec![
        // install, again, then with check and diff
        Case::apt(none(), vec![("name", s("mitorun-test-foo"))]),
        Case::apt(
            dpkg_install(&["mitorun-test-foo=1.0.1"]),
            vec![("name", s("mitorun-test-foo"))],
        ),
        Case::apt(none(), vec![("name", s("mitorun-test-foo"))]).check(),
        Case::apt(none(), vec![("name", s("mitorun-test-foo"))])
            .check()
            .diff(),
        Case::apt(none(), vec![("name", s("mitorun-test-foo"))]).diff(),
        // dependencies are installed and marked automatic
        Case::apt(none(), vec![("pkg", s("mitorun-test-foobar"))]),
        // a list, a version, a minimum version, a wildcard version
        Case::apt(
            none(),
            vec![(
                "name",
                list(&["mitorun-test-foo=1.0.0", "mitorun-test-rec"]),
            )],
        ),
        Case::apt(none(), vec![("name", s("mitorun-test-foo>=1.0.1"))]),
        Case::apt(
            dpkg_install(&["mitorun-test-foo=1.0.0"]),
            vec![("name", s("mitorun-test-foo>=1.0.1"))],
        ),
        Case::apt(
            dpkg_install(&["mitorun-test-foo=1.0.1"]),
            vec![("name", s("mitorun-test-foo>=1.0.0"))],
        ),
        Case::apt(none(), vec![("name", s("mitorun-test-foo=1.0.*"))]),
        Case::apt(
            dpkg_install(&["mitorun-test-foo=1.0.0"]),
            vec![("name", s("mitorun-test-foo=1.0.*"))],
        ),
        // a version that does not exist, a package that does not exist
        Case::apt(none(), vec![("name", s("mitorun-test-foo=9.9"))]),
        Case::apt(none(), vec![("name", s("mitorun-test-nothere"))]),
        Case::apt(none(), vec![("name", s("mitorun-test-foo=1=2"))]),
        // package name wildcards
        Case::apt(none(), vec![("name", s("mitorun-test-fooba*"))]),
        Case::apt(none(), vec![("name", s("mitorun-test-nomatch*"))]),
        // a virtual package, with one provider
        Case::apt(none(), vec![("name", s("mitorun-test-virtual"))]),
        Case::apt(
            dpkg_install(&["mitorun-test-virt=1.0"]),
            vec![("name", s("mitorun-test-virtual"))],
        ),
        // recommends on and off
        Case::apt(
            none(),
            vec![("name", s("mitorun-test-baz")), ("install_recommends", T)],
        ),
        Case::apt(
            none(),
            vec![("name", s("mitorun-test-baz")), ("install_recommends", F)],
        ),
        // latest upgrades, present does not; only_upgrade skips what is absent
        Case::apt(
            dpkg_install(&["mitorun-test-foo=1.0.0"]),
            vec![("name", s("mitorun-test-foo")), ("state", s("latest"))],
        ),
        Case::apt(
            dpkg_install(&["mitorun-test-foo=1.0.0"]),
            vec![("name", s("mitorun-test-foo")), ("state", s("present"))],
        ),
        Case::apt(
            none(),
            vec![
                ("name", s("mitorun-test-foo")),
                ("state", s("latest")),
                ("only_upgrade", T),
            ],
        ),
        Case::apt(
            dpkg_install(&["mitorun-test-foo=1.0.0"]),
            vec![
                ("name", s("mitorun-test-foo")),
                ("state", s("latest")),
                ("only_upgrade", T),
            ],
        )
        .check(),
        // default_release picks the NotAutomatic suite
        Case::apt(
            none(),
            vec![
                ("name", s("mitorun-test-foo")),
                ("default_release", s("testing")),
            ],
        ),
        Case::apt(
            dpkg_install(&["mitorun-test-foo=1.0.1"]),
            vec![
                ("name", s("mitorun-test-foo")),
                ("state", s("latest")),
                ("default_release", s("testing")),
            ],
        ),
        // downgrades need allow_downgrade
        Case::apt(
            dpkg_install(&["mitorun-test-foo=1.0.1"]),
            vec![("name", s("mitorun-test-foo=1.0.0"))],
        ),
        Case::apt(
            dpkg_install(&["mitorun-test-foo=1.0.1"]),
            vec![
                ("name", s("mitorun-test-foo=1.0.0")),
                ("allow_downgrade", T),
            ],
        ),
        // options that only reach apt-get's command line
        Case::apt(
            none(),
            vec![
                ("name", s("mitorun-test-foo")),
                ("force", T),
                ("allow_unauthenticated", T),
                ("allow_change_held_packages", T),
                ("dpkg_options", s("force-confdef")),
                ("lock_timeout", int(5)),
            ],
        ),
        Case::apt(
            none(),
            vec![("name", s("mitorun-test-foo")), ("policy_rc_d", int(101))],
        ),
        // dpkg's lock held by another process for a while: apt-get waits
        // (lock_timeout becomes DPkg::Lock::Timeout)
        Case::apt(
            HOLD_DPKG_LOCK.into(),
            vec![("name", s("mitorun-test-foo")), ("lock_timeout", int(30))],
        ),
        Case::apt(
            none(),
            vec![("name", s("mitorun-test-foo")), ("state", s("fixed"))],
        ),
        Case::apt(
            none(),
            vec![("name", s("mitorun-test-foo")), ("state", s("build-dep"))],
        ),
        // argument errors as AnsibleModule words them
        Case::apt(none(), vec![("state", s("present"))]),
        Case::apt(
            none(),
            vec![("name", s("mitorun-test-foo")), ("upgrade", s("dist"))],
        ),
        Case::apt(
            none(),
            vec![("name", s("mitorun-test-foo")), ("state", s("sideways"))],
        ),
        // from an interpreter without python3-apt (respawned)
        Case::apt(none(), vec![("name", s("mitorun-test-foobar"))]).respawn(),
        Case::apt(none(), vec![("name", s("mitorun-test-foo"))])
            .check()
            .respawn(),
    ]
}

fn remove_cases() -> Vec<Case> {
    let foobar = dpkg_install(&["mitorun-test-foo=1.0.1", "mitorun-test-foobar=1.0.1"]);
    let conf = dpkg_install(&["mitorun-test-conf=1.0"]);
    vec![
        Case::apt(
            foobar.clone(),
            vec![("name", s("mitorun-test-foobar")), ("state", s("absent"))],
        ),
        Case::apt(
            none(),
            vec![("name", s("mitorun-test-foobar")), ("state", s("absent"))],
        ),
        Case::apt(
            foobar.clone(),
            vec![("name", s("mitorun-test-foo*")), ("state", s("absent"))],
        )
        .diff(),
        Case::apt(
            foobar.clone(),
            vec![("name", s("mitorun-test-foobar")), ("state", s("absent"))],
        )
        .check(),
        // purge: a removed package with conffiles left is purged
        Case::apt(
            conf.clone(),
            vec![("name", s("mitorun-test-conf")), ("state", s("absent"))],
        ),
        Case::apt(
            conf.clone(),
            vec![
                ("name", s("mitorun-test-conf")),
                ("state", s("absent")),
                ("purge", T),
            ],
        ),
        Case::apt(
            format!("{conf}\ndpkg --remove mitorun-test-conf >/dev/null"),
            vec![
                ("name", s("mitorun-test-conf")),
                ("state", s("absent")),
                ("purge", T),
            ],
        ),
        // a version spec only removes that version
        Case::apt(
            dpkg_install(&["mitorun-test-foo=1.0.1"]),
            vec![("name", s("mitorun-test-foo=1.0.0")), ("state", s("absent"))],
        ),
        // autoremove with a package, and on its own
        Case::apt(
            "apt-get install -y -qq mitorun-test-app >/dev/null".into(),
            vec![
                ("name", s("mitorun-test-app")),
                ("state", s("absent")),
                ("autoremove", T),
            ],
        ),
        Case::apt(
            "apt-get install -y -qq mitorun-test-app >/dev/null\napt-get remove -y -qq mitorun-test-app >/dev/null".into(),
            vec![("autoremove", T)],
        ),
        Case::apt(
            "apt-get install -y -qq mitorun-test-app >/dev/null\napt-get remove -y -qq mitorun-test-app >/dev/null".into(),
            vec![("autoremove", T)],
        )
        .check(),
        Case::apt(none(), vec![("autoremove", T), ("purge", T)]),
        // fail_on_autoremove refuses an install that would remove
        Case::apt(
            none(),
            vec![("name", s("mitorun-test-foo")), ("fail_on_autoremove", T)],
        ),
    ]
}

fn cache_and_upgrade_cases() -> Vec<Case> {
    vec![
        // update_cache alone, with cache_valid_time, in check mode
        Case::apt(none(), vec![("update_cache", T)]),
        Case::apt(
            none(),
            vec![
                ("update_cache", T),
                ("cache_valid_time", int(1_000_000_000)),
            ],
        ),
        Case::apt(none(), vec![("update_cache", T)]).check(),
        Case::apt(
            none(),
            vec![("update_cache", T), ("name", s("mitorun-test-foo"))],
        ),
        // clean, autoclean
        Case::apt(none(), vec![("clean", T)]),
        Case::apt(none(), vec![("autoclean", T)]),
        // upgrades with apt-get (no aptitude here)
        Case::apt(
            dpkg_install(&["mitorun-test-foo=1.0.0"]),
            vec![("upgrade", s("dist"))],
        ),
        Case::apt(
            dpkg_install(&["mitorun-test-foo=1.0.0"]),
            vec![("upgrade", s("yes")), ("force_apt_get", T)],
        ),
        Case::apt(
            dpkg_install(&["mitorun-test-foo=1.0.0"]),
            vec![("upgrade", s("safe"))],
        )
        .check(),
        Case::apt(
            dpkg_install(&["mitorun-test-foo=1.0.0"]),
            vec![("upgrade", s("full")), ("allow_downgrade", T)],
        ),
        Case::apt(none(), vec![("upgrade", s("yes"))]).diff(),
        Case::apt(
            dpkg_install(&["mitorun-test-foo=1.0.0"]),
            vec![
                ("upgrade", s("dist")),
                ("default_release", s("testing")),
                ("fail_on_autoremove", T),
            ],
        ),
        Case::apt(
            dpkg_install(&["mitorun-test-foo=1.0.0"]),
            vec![("name", s("*")), ("state", s("latest"))],
        ),
        Case::apt(
            none(),
            vec![
                ("name", list(&["*", "mitorun-test-foo"])),
                ("state", s("latest")),
            ],
        ),
    ]
}

fn deb_cases() -> Vec<Case> {
    vec![
        Case::apt(none(), vec![("deb", s("@/local/mitorun-test-local_1.0_all.deb"))]),
        Case::apt(
            none(),
            vec![("deb", s("@/local/mitorun-test-local_1.0_all.deb"))],
        )
        .check(),
        Case::apt(
            "dpkg -i \"$1\"/dists/stable/main/binary-all/mitorun-test-lib_1.0_all.deb \"$1\"/local/mitorun-test-local_1.0_all.deb >/dev/null".into(),
            vec![("deb", s("@/local/mitorun-test-local_1.0_all.deb"))],
        ),
        Case::apt(
            "dpkg -i \"$1\"/dists/stable/main/binary-all/mitorun-test-lib_1.0_all.deb \"$1\"/local/mitorun-test-local_2.0_all.deb >/dev/null".into(),
            vec![("deb", s("@/local/mitorun-test-local_1.0_all.deb"))],
        ),
        Case::apt(
            "dpkg -i \"$1\"/dists/stable/main/binary-all/mitorun-test-lib_1.0_all.deb \"$1\"/local/mitorun-test-local_2.0_all.deb >/dev/null".into(),
            vec![
                ("deb", s("@/local/mitorun-test-local_1.0_all.deb")),
                ("allow_downgrade", T),
            ],
        ),
        Case::apt(none(), vec![("deb", s("@/local/mitorun-test-broken_1.0_all.deb"))]),
        Case::apt(none(), vec![("deb", s("@/local/nothere.deb"))]),
        // Download failures are worded as fetch_url words them, with the
        // URL's credentials masked.
        Case::apt(none(), vec![("deb", s("http://127.0.0.1:1/pkg_1.0_all.deb"))]),
        Case::apt(
            none(),
            vec![("deb", s("http://someone:secret@127.0.0.1:1/pkg_1.0_all.deb"))],
        ),
        Case::apt(
            none(),
            vec![
                ("deb", s("@/local/mitorun-test-local_1.0_all.deb")),
                ("state", s("absent")),
            ],
        ),
    ]
}

fn dpkg_selections_cases() -> Vec<Case> {
    let installed = dpkg_install(&["mitorun-test-foo=1.0.1"]);
    let sel = |name: &str, selection: &str| vec![("name", s(name)), ("selection", s(selection))];
    vec![
        Case::new(
            "dpkg_selections",
            installed.clone(),
            sel("mitorun-test-foo", "hold"),
        ),
        Case::new(
            "dpkg_selections",
            installed.clone(),
            sel("mitorun-test-foo", "hold"),
        )
        .check(),
        Case::new(
            "dpkg_selections",
            installed.clone(),
            sel("mitorun-test-foo", "install"),
        ),
        Case::new(
            "dpkg_selections",
            format!("{installed}\necho 'mitorun-test-foo hold' | dpkg --set-selections"),
            sel("mitorun-test-foo", "install"),
        ),
        Case::new(
            "dpkg_selections",
            installed.clone(),
            sel("mitorun-test-foo", "deinstall"),
        ),
        Case::new("dpkg_selections", none(), sel("mitorun-test-foo", "purge")),
        Case::new(
            "dpkg_selections",
            none(),
            sel("mitorun-test-nothere", "hold"),
        ),
        Case::new(
            "dpkg_selections",
            none(),
            sel("mitorun-test-foo", "sideways"),
        ),
        // a held package is not upgraded unless asked
        Case::apt(
            format!(
                "{}\necho 'mitorun-test-foo hold' | dpkg --set-selections",
                dpkg_install(&["mitorun-test-foo=1.0.0"])
            ),
            vec![("name", s("mitorun-test-foo")), ("state", s("latest"))],
        ),
        Case::apt(
            format!(
                "{}\necho 'mitorun-test-foo hold' | dpkg --set-selections",
                dpkg_install(&["mitorun-test-foo=1.0.0"])
            ),
            vec![
                ("name", s("mitorun-test-foo")),
                ("state", s("latest")),
                ("allow_change_held_packages", T),
            ],
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apt_install_matches_ansible_core() {
    compare_cases(install_cases()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apt_remove_matches_ansible_core() {
    compare_cases(remove_cases()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apt_cache_and_upgrade_match_ansible_core() {
    compare_cases(cache_and_upgrade_cases()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apt_deb_matches_ansible_core() {
    compare_cases(deb_cases()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dpkg_selections_matches_ansible_core() {
    compare_cases(dpkg_selections_cases()).await;
}

/// The play the end-to-end test runs with ansible-playbook and mitorun.
const PLAYBOOK: &str = r#"- hosts: localhost
  gather_facts: false
  environment:
    APT_CONFIG: "{{ apt_config }}"
  tasks:
    - name: package picks apt
      package:
        name: mitorun-test-foobar
      register: installed
    - name: again, directly
      apt:
        name: mitorun-test-foobar
      register: again
    - name: hold foo
      dpkg_selections:
        name: mitorun-test-foo
        selection: hold
    - name: latest does not move a held package
      apt:
        name: mitorun-test-foo
        state: latest
      check_mode: true
      register: held
    - name: purge both, the held one too
      apt:
        name: [mitorun-test-foobar, mitorun-test-foo]
        state: absent
        purge: true
        allow_change_held_packages: true
      register: removed
    - name: an unknown package manager
      package:
        name: mitorun-test-foo
        use: nosuchmgr
      ignore_errors: true
    - assert:
        that:
          - installed is changed
          - again is not changed
          - removed is changed
          - installed.cache_updated == false
"#;

/// A play of package, apt and dpkg_selections tasks prints the same with
/// mitorun as with ansible-playbook and leaves the same packages.
#[test]
fn apt_playbook_matches_ansible_playbook() {
    if !is_root() {
        eprintln!("skipped: the apt playbook test installs packages (root only)");
        return;
    }
    let _turn = DPKG.blocking_lock();
    let _purge = PurgeOnDrop;
    let repo = Repo::get();
    let dir = tempdir("apt-play");
    std::fs::write(dir.join("site.yml"), PLAYBOOK).expect("write playbook");
    std::fs::write(
        dir.join("hosts"),
        "localhost ansible_connection=local ansible_python_interpreter=python3\n",
    )
    .expect("write inventory");
    let bin =
        ref_bin().expect("MITORUN_REF_BIN must point at the ansible-core 2.19 venv's bin dir");
    let run = |program: &str| {
        sh_ok(PURGE, &[]);
        let out = Command::new(program)
            .args(["-i", "hosts", "site.yml", "-e"])
            .arg(format!("apt_config={}", repo.apt_config()))
            .current_dir(&dir)
            .env("ANSIBLE_NOCOLOR", "1")
            .env("ANSIBLE_FORCE_COLOR", "0")
            .output()
            .expect("playbook runs");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
            package_state(repo),
        )
    };
    let real = run(&format!("{bin}/ansible-playbook"));
    let ours = run(env!("CARGO_BIN_EXE_mitorun"));
    assert_eq!(
        real.0,
        Some(0),
        "ansible-playbook failed: {}{}",
        real.1,
        real.2
    );
    assert_eq!(ours, real, "mitorun differs from ansible-playbook");
    let _ = std::fs::remove_dir_all(&dir);
}
