//! Parity of the native user and group modules with ansible-core 2.19's
//! (MITORUN_REF_BIN): the same arguments from the same starting accounts
//! give the same result (changed, failed, msg, rc, stderr, the account's
//! fields, ssh key results, warnings, invocation with no_log masking) and
//! the same end state: the test accounts' lines in /etc/passwd,
//! /etc/shadow, /etc/group and /etc/gshadow, and their home directories.
//! The cases follow ansible-core's integration targets `user` and `group`
//! (the parts that apply to Linux with shadow-utils).
//!
//! Root only (it creates accounts): every account and group is named
//! `mrtu_*`, homes live under /home/mrtu_* or /tmp/mrtu-home, and a guard
//! removes them all before and after each run, also when a case panics.

#[path = "common/parity.rs"]
mod parity;
#[path = "common/sshd.rs"]
mod sshd;
#[path = "common/transport.rs"]
mod tr;

use mitorun::transport::{Context, ModuleCall};
use mitorun::value::{Map, Value};
use std::os::unix::fs::MetadataExt;
use tr::*;

const T: Value = Value::Bool(true);
const F: Value = Value::Bool(false);

/// A sha512 crypt hash (ansible's integration target's).
const HASH: &str = "$6$rounds=656000$TT4O7jz2M57npccl$33LF6FcUMSW11qrESXL1HX0BS.bsiT6aenFLLiVpsQh6hDtI9pJh5iY7x8J7ePkN4fP8hmElidHXaeD51pbGS.";
/// Where homes outside /home go (removed by the guard).
const HOME_BASE: &str = "/tmp/mrtu-home";

fn s(v: &str) -> Value {
    Value::str(v)
}

fn int(n: i64) -> Value {
    Value::Int(n)
}

fn list(items: &[&str]) -> Value {
    Value::List(items.iter().map(|i| s(i)).collect())
}

struct Case {
    module: &'static str,
    /// Shell commands that make the starting accounts.
    setup: &'static str,
    args: Vec<(&'static str, Value)>,
    check_mode: bool,
}

fn user(setup: &'static str, args: Vec<(&'static str, Value)>) -> Case {
    Case {
        module: "user",
        setup,
        args,
        check_mode: false,
    }
}

fn group(setup: &'static str, args: Vec<(&'static str, Value)>) -> Case {
    Case {
        module: "group",
        setup,
        args,
        check_mode: false,
    }
}

impl Case {
    fn check(mut self) -> Case {
        self.check_mode = true;
        self
    }
}

/// Removes every `mrtu_` account, group, home and mail spool; on drop too,
/// so a failing case leaves nothing behind. It also holds the lock that
/// keeps this file's tests (which share the `mrtu_` names) one at a time.
struct AccountGuard(#[allow(dead_code)] std::sync::MutexGuard<'static, ()>);

static ACCOUNTS: std::sync::Mutex<()> = std::sync::Mutex::new(());

impl AccountGuard {
    fn take() -> AccountGuard {
        AccountGuard(ACCOUNTS.lock().unwrap_or_else(|e| e.into_inner()))
    }

    fn clean() {
        let script = format!(
            "for u in $(cut -d: -f1 /etc/passwd | grep '^mrtu_'); do userdel -f -r \"$u\" >/dev/null 2>&1 || userdel -f \"$u\" >/dev/null 2>&1; done
             for g in $(cut -d: -f1 /etc/group | grep '^mrtu_'); do groupdel \"$g\" >/dev/null 2>&1; done
             rm -rf /home/mrtu_* /var/mail/mrtu_* /var/spool/mail/mrtu_* {HOME_BASE}
             exit 0"
        );
        let _ = std::process::Command::new("/bin/sh")
            .args(["-c", &script])
            .status();
    }
}

impl Drop for AccountGuard {
    fn drop(&mut self) {
        AccountGuard::clean();
    }
}

fn setup(script: &str) {
    AccountGuard::clean();
    let ok = std::process::Command::new("/bin/sh")
        .args(["-ec", script])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(ok, "setup failed: {script}");
}

/// The test accounts' lines of the account databases.
fn account_lines() -> Vec<String> {
    let mut out = Vec::new();
    for file in ["/etc/passwd", "/etc/shadow", "/etc/group", "/etc/gshadow"] {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        for line in text.lines().filter(|l| l.contains("mrtu_")) {
            out.push(format!("{file}: {line}"));
        }
    }
    out
}

/// Accounts and groups not made by this test (their ids decide what
/// useradd and groupadd allocate).
fn foreign_accounts() -> Vec<String> {
    let mut out = Vec::new();
    for file in ["/etc/passwd", "/etc/group"] {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        out.extend(
            text.lines()
                .filter(|l| !l.starts_with("mrtu_"))
                .map(|l| l.split(':').take(3).collect::<Vec<_>>().join(":")),
        );
    }
    out
}

/// The homes' trees: path, type, mode, owner, content (ssh keys only by
/// presence: they are random).
fn homes() -> Vec<String> {
    let mut roots: Vec<std::path::PathBuf> = std::fs::read_dir("/home")
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with("mrtu_"))
                })
                .collect()
        })
        .unwrap_or_default();
    roots.push(HOME_BASE.into());
    let mut out = Vec::new();
    let mut stack = roots;
    while let Some(p) = stack.pop() {
        let Ok(md) = std::fs::symlink_metadata(&p) else {
            continue;
        };
        let ft = md.file_type();
        let what = if ft.is_symlink() {
            format!("link->{:?}", std::fs::read_link(&p).ok())
        } else if ft.is_dir() {
            if let Ok(rd) = std::fs::read_dir(&p) {
                stack.extend(rd.flatten().map(|e| e.path()));
            }
            "dir".to_string()
        } else if p.to_string_lossy().contains("/.ssh/") {
            "file (key)".to_string()
        } else {
            format!(
                "file {:?}",
                String::from_utf8_lossy(&std::fs::read(&p).unwrap_or_default())
            )
        };
        out.push(format!(
            "{} {what} mode={:o} uid={} gid={}",
            p.display(),
            md.mode() & 0o7777,
            md.uid(),
            md.gid()
        ));
    }
    out.sort();
    out
}

/// Key material differs run to run: fingerprints and public keys keep
/// their shape, not their value.
fn scrub(v: &Value) -> Value {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = RE.get_or_init(|| {
        regex::Regex::new(r"SHA256:[A-Za-z0-9+/]+|AAAA[A-Za-z0-9+/=]+").expect("regex")
    });
    match v {
        Value::Str(t) => Value::str(re.replace_all(t, "<key>").into_owned()),
        Value::List(items) => Value::List(items.iter().map(scrub).collect()),
        Value::Map(m) => Value::Map(m.iter().map(|(k, v)| (k.clone(), scrub(v))).collect()),
        other => other.clone(),
    }
}

async fn run(ctx: &Context, case: &Case, native: bool) -> (Value, Vec<String>, Vec<String>) {
    setup(case.setup);
    let args: Map = case
        .args
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    let mut call = ModuleCall::new(case.module, args);
    call.prefer_native = native;
    call.check_mode = case.check_mode;
    let r = ctx
        .run_module(call)
        .await
        .unwrap_or_else(|e| panic!("{} {:?}: {e}", case.module, case.args));
    let mut r = scrub(&Value::Map(r));
    // The real module's failures may carry exception details.
    if let Value::Map(m) = &mut r {
        m.shift_remove("exception");
    }
    (r, account_lines(), homes())
}

async fn run_cases(cases: Vec<Case>) {
    if !is_root() {
        eprintln!("skipped: needs root (creates accounts)");
        return;
    }
    let _guard = AccountGuard::take();
    let pool = ref_pool();
    let ctx = pool.context(&local_spec(&[])).await.expect("connect");
    let mut failures = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        eprintln!("parity case {i}: {} {:?}", case.module, case.args);
        // Other processes on the box may add or remove accounts while a
        // case runs, which moves the ids useradd/groupadd allocate: such a
        // pair of runs is repeated (a few times), never masked.
        let mut attempt = 0;
        let (native, real) = loop {
            let before = foreign_accounts();
            let native = run(&ctx, case, true).await;
            let real = run(&ctx, case, false).await;
            attempt += 1;
            if foreign_accounts() == before || attempt == 3 {
                break (native, real);
            }
            eprintln!("  accounts changed meanwhile, repeating");
        };
        if std::env::var_os("MITORUN_PARITY_SHOW").is_some() {
            eprintln!(
                "  native: {}",
                mitorun::transport::context::value_to_json(&native.0)
            );
        }
        if native.0 != real.0 {
            failures.push(format!(
                "case {i} {} {:?} check={}:\n  native: {}\n  real:   {}",
                case.module,
                case.args,
                case.check_mode,
                mitorun::transport::context::value_to_json(&native.0),
                mitorun::transport::context::value_to_json(&real.0)
            ));
        }
        if native.1 != real.1 || native.2 != real.2 {
            failures.push(format!(
                "case {i} {} {:?}: end state differs\n  native: {:#?}\n  real:   {:#?}",
                case.module,
                case.args,
                (&native.1, &native.2),
                (&real.1, &real.2)
            ));
        }
    }
    AccountGuard::clean();
    pool.shutdown().await;
    parity::assert_all_match(&failures, cases.len());
}

/// Starting states.
const NONE: &str = "true";
const U: &str = "useradd -m mrtu_u";
const U_HASH: &str = "useradd -m -p '$6$rounds=656000$TT4O7jz2M57npccl$33LF6FcUMSW11qrESXL1HX0BS.bsiT6aenFLLiVpsQh6hDtI9pJh5iY7x8J7ePkN4fP8hmElidHXaeD51pbGS.' mrtu_u";
const U_LOCKED: &str = "useradd -m -p '!$6$rounds=656000$TT4O7jz2M57npccl$33LF6FcUMSW11qrESXL1HX0BS.bsiT6aenFLLiVpsQh6hDtI9pJh5iY7x8J7ePkN4fP8hmElidHXaeD51pbGS.' mrtu_u";
const U_EXPIRES: &str = "useradd -m -e 2050-03-01 mrtu_u";
const GROUPS: &str = "groupadd mrtu_g1 && groupadd mrtu_g2 && groupadd mrtu_g3";
const U_IN_G1: &str =
    "groupadd mrtu_g1 && groupadd mrtu_g2 && groupadd mrtu_g3 && useradd -m -G mrtu_g1 mrtu_u";
const U_NOHOME: &str = "useradd -M mrtu_u";
const U_KEY: &str = "useradd -m mrtu_u && mkdir -m 700 /home/mrtu_u/.ssh && ssh-keygen -q -t ed25519 -N '' -C old -f /home/mrtu_u/.ssh/id_ed25519";

fn name() -> (&'static str, Value) {
    ("name", s("mrtu_u"))
}

fn user_cases() -> Vec<Case> {
    vec![
        // test_create_user: create, again, absent, check mode both ways
        user(NONE, vec![name()]),
        user(U, vec![name(), ("state", s("present"))]),
        user(NONE, vec![name()]).check(),
        user(U, vec![name(), ("comment", s("changed"))]).check(),
        user(NONE, vec![name(), ("create_home", F)]),
        user(NONE, vec![("user", s("mrtu_u")), ("createhome", s("no"))]),
        user(NONE, vec![name(), ("shell", s("~/custom_shell"))]),
        user(
            "useradd -m -s /root/custom_shell mrtu_u",
            vec![name(), ("shell", s("~/custom_shell"))],
        ),
        user(U, vec![name(), ("comment", s("A $HOME comment"))]),
        // test_create_system_user
        user(NONE, vec![name(), ("system", T)]),
        // test_create_user_uid, uid in use, non_unique, uid change
        user(NONE, vec![name(), ("uid", int(47572))]),
        user("useradd -u 47572 mrtu_u", vec![name(), ("uid", int(47572))]),
        user("useradd -u 47572 mrtu_o", vec![name(), ("uid", int(47572))]),
        user(
            "useradd -u 47572 mrtu_o",
            vec![name(), ("uid", int(47572)), ("non_unique", T)],
        ),
        user(U, vec![name(), ("uid", int(47573))]),
        user(U, vec![name(), ("uid", int(47573))]).check(),
        // test_create_user_password
        user(
            NONE,
            vec![
                name(),
                ("password", s(HASH)),
                ("update_password", s("always")),
            ],
        ),
        user(U_HASH, vec![name(), ("password", s(HASH))]),
        user(
            U_HASH,
            vec![
                name(),
                ("password", s("*")),
                ("update_password", s("on_create")),
            ],
        ),
        user(U, vec![name(), ("password", s("plaintextpassword"))]),
        user(
            U,
            vec![
                name(),
                (
                    "password",
                    s(
                        "$6$rounds=656000$tgK3gYTyRLUmhyv2$lAFrYUQwn7E6VsjPOwQwoSx30lmpiU9r/E0Al7tzKrR9mkodcMEZGe9OXD0H/clOn6qdsUnaL4zefy5fG+++++",
                    ),
                ),
            ],
        ),
        user(U, vec![name(), ("password", s("!"))]),
        user(U, vec![name(), ("password", s("*"))]),
        user(U, vec![name(), ("password", s("*************"))]),
        user(
            U,
            vec![
                name(),
                (
                    "password",
                    s("$y$jCT$ZiF3ZV39/maUl9Lzt2Hk80$Ih6bI4OXU52OnWWqt3T1BAmVn8eH.4qlcP.8/NOjGN5"),
                ),
            ],
        ),
        user(U, vec![name(), ("password", s(HASH))]).check(),
        // test_create_user_home: home, move_home, parents, no create_home,
        // /dev/null skeleton, a skeleton dir
        user(NONE, vec![name(), ("home", s("/tmp/mrtu-home/mrtu_u"))]),
        user(U, vec![name(), ("home", s("/tmp/mrtu-home/mrtu_u-mod"))]),
        user(
            U,
            vec![
                name(),
                ("home", s("/tmp/mrtu-home/mrtu_u-mod")),
                ("move_home", T),
            ],
        ),
        user(
            NONE,
            vec![name(), ("home", s("/tmp/mrtu-home/in2deep/mrtu_u"))],
        ),
        user(
            NONE,
            vec![
                name(),
                ("home", s("/tmp/mrtu-home/nosuchdir")),
                ("createhome", F),
            ],
        ),
        user(
            NONE,
            vec![name(), ("skeleton", s("/dev/null")), ("createhome", T)],
        ),
        user(
            "mkdir -p /tmp/mrtu-home/skel/sub && echo hi > /tmp/mrtu-home/skel/.profile && ln -s .profile /tmp/mrtu-home/skel/link",
            vec![
                name(),
                ("skeleton", s("/tmp/mrtu-home/skel")),
                ("home", s("/tmp/mrtu-home/in/mrtu_u")),
            ],
        ),
        user(
            "mkdir -p /tmp/mrtu-home && useradd -m mrtu_u",
            vec![
                name(),
                ("home", s("/tmp/mrtu-home/mrtu_u-mod")),
                ("move_home", T),
            ],
        ),
        // a missing home is created for an existing user
        user(U_NOHOME, vec![name()]),
        user(U_NOHOME, vec![name(), ("create_home", F)]),
        // test_remove_user: remove/force, absent again, check mode
        user(U, vec![name(), ("state", s("absent"))]),
        user(
            U,
            vec![name(), ("state", s("absent")), ("remove", T), ("force", T)],
        ),
        user(NONE, vec![name(), ("state", s("absent"))]),
        user(U, vec![name(), ("state", s("absent"))]).check(),
        // test_expires*: set, same day, clear, clear again, on a new
        // account, epoch-negative, invalid
        user(U, vec![name(), ("expires", Value::Float(2529881062.0))]),
        user(
            "useradd -m -e 2050-03-02 mrtu_u",
            vec![name(), ("expires", Value::Float(2529881062.0))],
        ),
        user(U_EXPIRES, vec![name(), ("expires", int(-1))]),
        user(U, vec![name(), ("expires", int(-1))]),
        user(NONE, vec![name(), ("expires", int(2529881062))]),
        user(NONE, vec![name(), ("expires", int(-1))]),
        user(NONE, vec![name(), ("expires", int(-100000))]),
        user(U, vec![name(), ("expires", s("later"))]),
        user(U, vec![name(), ("expires", Value::Float(1e30))]),
        // test_expires_min_max / warn
        user(
            U,
            vec![
                name(),
                ("password_expire_min", int(5)),
                ("password_expire_max", int(10)),
            ],
        ),
        user(
            "useradd -m -K PASS_MIN_DAYS=5 -K PASS_MAX_DAYS=10 mrtu_u",
            vec![
                name(),
                ("password_expire_min", int(5)),
                ("password_expire_max", int(10)),
            ],
        ),
        user(U, vec![name(), ("password_expire_warn", int(15))]),
        user(NONE, vec![name(), ("password_expire_warn", int(15))]),
        user(U, vec![name(), ("password_expire_max", int(20))]).check(),
        // test_inactive_new_account
        user(
            NONE,
            vec![name(), ("password_expire_account_disable", int(15))],
        ),
        // test_password_lock(_new_user)
        user(U_HASH, vec![name(), ("password_lock", T)]),
        user(U_LOCKED, vec![name(), ("password_lock", T)]),
        user(U_LOCKED, vec![name(), ("password_lock", F)]),
        user(U_HASH, vec![name(), ("password_lock", F)]),
        user(
            U_HASH,
            vec![name(), ("password_lock", T), ("password", s(HASH))],
        ),
        user(
            U_LOCKED,
            vec![name(), ("password_lock", F), ("password", s(HASH))],
        ),
        user(U, vec![name(), ("password_lock", F)]),
        user(
            NONE,
            vec![name(), ("password_lock", T), ("password", s(HASH))],
        ),
        // groups: create with, add, append, replace, clear, unknown group,
        // primary group, append without groups
        user(
            GROUPS,
            vec![name(), ("groups", list(&["mrtu_g1", "mrtu_g2"]))],
        ),
        user(U_IN_G1, vec![name(), ("groups", list(&["mrtu_g1"]))]),
        user(
            U_IN_G1,
            vec![name(), ("groups", list(&["mrtu_g2"])), ("append", T)],
        ),
        user(
            U_IN_G1,
            vec![name(), ("groups", list(&["mrtu_g1"])), ("append", T)],
        ),
        user(U_IN_G1, vec![name(), ("groups", list(&["mrtu_g3"]))]),
        user(U_IN_G1, vec![name(), ("groups", list(&[]))]),
        user(U_IN_G1, vec![name(), ("groups", s(""))]),
        user(U_IN_G1, vec![name(), ("groups", list(&["mrtu_nosuch"]))]),
        user(GROUPS, vec![name(), ("groups", list(&["mrtu_nosuch"]))]),
        user(U, vec![name(), ("append", T)]),
        user(GROUPS, vec![name(), ("group", s("mrtu_g2"))]),
        user(U_IN_G1, vec![name(), ("group", s("mrtu_g2"))]),
        user(U, vec![name(), ("group", s("mrtu_nosuch"))]),
        user(NONE, vec![name(), ("group", s("mrtu_nosuch"))]),
        // a group named like the user already exists (-N)
        user("groupadd mrtu_u", vec![name()]),
        // comment/shell changes
        user(
            U,
            vec![
                name(),
                ("comment", s("Test User")),
                ("shell", s("/bin/bash")),
            ],
        ),
        // test_umask
        user(NONE, vec![name(), ("umask", s("0027"))]),
        // test_create_user_min_max
        user(
            NONE,
            vec![name(), ("uid_min", int(47600)), ("uid_max", int(47700))],
        ),
        // ssh keys: generate, existing key kept, forced, check mode,
        // passphrase, absolute path, type/bits/comment
        user(U, vec![name(), ("generate_ssh_key", T)]),
        user(
            U,
            vec![
                name(),
                ("generate_ssh_key", T),
                ("ssh_key_type", s("ed25519")),
                ("ssh_key_comment", s("mrtu key")),
            ],
        ),
        user(
            U_KEY,
            vec![
                name(),
                ("generate_ssh_key", T),
                ("ssh_key_type", s("ed25519")),
            ],
        ),
        user(
            U_KEY,
            vec![
                name(),
                ("generate_ssh_key", T),
                ("ssh_key_type", s("ed25519")),
                ("force", T),
            ],
        ),
        user(
            U,
            vec![
                name(),
                ("generate_ssh_key", T),
                ("ssh_key_type", s("ed25519")),
            ],
        )
        .check(),
        user(
            U,
            vec![
                name(),
                ("generate_ssh_key", T),
                ("ssh_key_type", s("ed25519")),
                ("ssh_key_passphrase", s("Secretpass!")),
            ],
        ),
        user(
            U,
            vec![
                name(),
                ("generate_ssh_key", T),
                ("ssh_key_bits", int(2048)),
                ("ssh_key_file", s("/tmp/mrtu-home/keys/id_rsa")),
            ],
        ),
        user(
            U_NOHOME,
            vec![name(), ("generate_ssh_key", T), ("create_home", F)],
        ),
        // seuser on a host without SELinux: useradd's own refusal
        user(NONE, vec![name(), ("seuser", s("user_u"))]),
        // local: true drives libuser (luseradd, lusermod, luserdel,
        // lchage, lgroupmod) and reads /etc/passwd itself
        user(NONE, vec![name(), ("local", T)]),
        user(NONE, vec![name(), ("local", s("yes")), ("umask", s("077"))]),
        user(NONE, vec![name(), ("local", T), ("uid_min", int(47000))]),
        user(NONE, vec![name(), ("local", T)]).check(),
        user(
            GROUPS,
            vec![
                name(),
                ("local", T),
                ("uid", int(47573)),
                ("comment", s("Local User")),
                ("shell", s("/bin/bash")),
                ("groups", list(&["mrtu_g1", "mrtu_g2"])),
                ("expires", int(2529881062)),
                ("password", s(HASH)),
            ],
        ),
        user(NONE, vec![name(), ("local", T), ("create_home", F)]),
        user(
            NONE,
            vec![
                name(),
                ("local", T),
                ("home", s("/tmp/mrtu-home/deep/mrtu_u")),
            ],
        ),
        user("groupadd mrtu_u", vec![name(), ("local", T)]),
        user(NONE, vec![name(), ("local", T), ("group", s("mrtu_nope"))]),
        user(
            NONE,
            vec![name(), ("local", T), ("groups", list(&["mrtu_nope"]))],
        ),
        user(NONE, vec![name(), ("local", T), ("expires", int(-1))]),
        // luseradd has no -f: its own refusal
        user(
            NONE,
            vec![
                name(),
                ("local", T),
                ("password_expire_account_disable", int(5)),
            ],
        ),
        user(U, vec![name(), ("local", T)]),
        user(U, vec![name(), ("local", T), ("comment", s("changed"))]),
        user(U, vec![name(), ("local", T), ("comment", s("changed"))]).check(),
        user(U, vec![name(), ("local", T), ("shell", s("/bin/bash"))]),
        user(
            U_IN_G1,
            vec![
                name(),
                ("local", T),
                ("groups", list(&["mrtu_g2", "mrtu_g3"])),
            ],
        ),
        user(
            U_IN_G1,
            vec![
                name(),
                ("local", T),
                ("groups", list(&["mrtu_g2"])),
                ("append", T),
            ],
        ),
        user(
            U_IN_G1,
            vec![name(), ("local", T), ("groups", list(&["mrtu_g1"]))],
        ),
        user(U_IN_G1, vec![name(), ("local", T), ("groups", list(&[]))]),
        user(U, vec![name(), ("local", T), ("expires", int(2529881062))]),
        user(
            U_EXPIRES,
            vec![name(), ("local", T), ("expires", int(2529881062))],
        ),
        user(U_EXPIRES, vec![name(), ("local", T), ("expires", int(-1))]),
        user(U_HASH, vec![name(), ("local", T), ("password_lock", T)]),
        user(U_LOCKED, vec![name(), ("local", T), ("password_lock", F)]),
        user(U, vec![name(), ("local", T), ("password", s(HASH))]),
        user(U, vec![name(), ("local", T), ("uid", int(47574))]),
        user(U, vec![name(), ("local", T), ("state", s("absent"))]),
        user(
            U,
            vec![
                name(),
                ("local", T),
                ("state", s("absent")),
                ("remove", T),
                ("force", T),
            ],
        ),
        user(U, vec![name(), ("local", T), ("state", s("absent"))]).check(),
        user(NONE, vec![name(), ("local", T), ("state", s("absent"))]),
        // argument mistakes
        user(NONE, vec![name(), ("state", s("gone"))]),
        user(NONE, vec![("uid", int(5))]),
        user(NONE, vec![name(), ("local", F), ("umask", s("077"))]),
    ]
}

fn group_cases() -> Vec<Case> {
    let gname = || ("name", s("mrtu_g"));
    vec![
        group(NONE, vec![gname()]),
        group("groupadd mrtu_g", vec![gname()]),
        group(NONE, vec![gname()]).check(),
        group(NONE, vec![gname(), ("gid", int(47800))]),
        group(
            "groupadd -g 47800 mrtu_g",
            vec![gname(), ("gid", int(47800))],
        ),
        group("groupadd mrtu_g", vec![gname(), ("gid", int(47801))]),
        group("groupadd mrtu_g", vec![gname(), ("gid", int(47801))]).check(),
        group(
            "groupadd -g 47800 mrtu_o",
            vec![gname(), ("gid", int(47800))],
        ),
        group(
            "groupadd -g 47800 mrtu_o",
            vec![gname(), ("gid", int(47800)), ("non_unique", T)],
        ),
        group(
            "groupadd -g 47800 mrtu_o && groupadd mrtu_g",
            vec![gname(), ("gid", int(47800)), ("non_unique", T)],
        ),
        group(NONE, vec![gname(), ("non_unique", T)]),
        group(NONE, vec![gname(), ("system", T)]),
        group(
            NONE,
            vec![gname(), ("gid_min", int(47900)), ("gid_max", int(47950))],
        ),
        group("groupadd mrtu_g", vec![gname(), ("state", s("absent"))]),
        group("groupadd mrtu_g", vec![gname(), ("state", s("absent"))]).check(),
        group(NONE, vec![gname(), ("state", s("absent"))]),
        // a user's primary group: groupdel refuses, force removes it
        group(
            "groupadd mrtu_g && useradd -M -g mrtu_g mrtu_u",
            vec![gname(), ("state", s("absent"))],
        ),
        group(
            "groupadd mrtu_g && useradd -M -g mrtu_g mrtu_u",
            vec![gname(), ("state", s("absent")), ("force", T)],
        ),
        group(NONE, vec![gname(), ("local", T), ("force", T)]),
        // local: true drives libuser (lgroupadd, lgroupmod, lgroupdel)
        // and reads /etc/group itself
        group(NONE, vec![gname(), ("local", T)]),
        group(NONE, vec![gname(), ("local", T)]).check(),
        group(NONE, vec![gname(), ("local", T), ("gid", int(47802))]),
        group(NONE, vec![gname(), ("local", T), ("system", T)]),
        group(NONE, vec![gname(), ("local", T), ("gid_max", int(47950))]),
        group("groupadd mrtu_g", vec![gname(), ("local", T)]),
        group(
            "groupadd mrtu_g",
            vec![gname(), ("local", T), ("gid", int(47801))],
        ),
        group(
            "groupadd -g 47800 mrtu_o",
            vec![gname(), ("local", T), ("gid", int(47800))],
        ),
        group(
            "groupadd -g 47800 mrtu_o && groupadd mrtu_g",
            vec![gname(), ("local", T), ("gid", int(47800))],
        ),
        group(
            "groupadd mrtu_g",
            vec![gname(), ("local", T), ("state", s("absent"))],
        ),
        group(
            "groupadd mrtu_g",
            vec![gname(), ("local", T), ("state", s("absent"))],
        )
        .check(),
        group(NONE, vec![gname(), ("local", T), ("state", s("absent"))]),
        group(NONE, vec![gname(), ("gid", s("abc"))]),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_matches_ansible_core() {
    run_cases(user_cases()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn group_matches_ansible_core() {
    run_cases(group_cases()).await;
}

/// A playbook of account tasks through the mitorun binary against
/// localhost: native modules end to end (connection, shipping the lazy
/// code, results in registered variables).
#[test]
fn account_playbook_runs_natively() {
    if !is_root() {
        eprintln!("skipped: needs root (creates accounts)");
        return;
    }
    let _guard = AccountGuard::take();
    AccountGuard::clean();
    let dir = tempdir("user-playbook");
    let playbook = dir.join("pb.yml");
    std::fs::write(
        &playbook,
        format!(
            "- hosts: localhost
  gather_facts: false
  tasks:
    - group: {{name: mrtu_pg, gid: 47990}}
    - user:
        name: mrtu_pu
        groups: [mrtu_pg]
        home: {HOME_BASE}/mrtu_pu
        password: '{HASH}'
        expires: 2529881062
      register: created
    - user: {{name: mrtu_pu, groups: [mrtu_pg], expires: 2529881062}}
      register: again
    - user: {{name: mrtu_pu, state: absent, remove: true}}
      register: removed
    - group: {{name: mrtu_pg, state: absent}}
    - assert:
        that:
          - created is changed
          - created.password == 'NOT_LOGGING_PASSWORD'
          - created.groups == 'mrtu_pg'
          - created.home == '{HOME_BASE}/mrtu_pu'
          - again is not changed
          - removed is changed
          - removed.remove
"
        ),
    )
    .expect("write playbook");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mitorun"))
        .arg(&playbook)
        .args(["-i", "localhost,", "-c", "local"])
        .args(["-e", &format!("ansible_python_interpreter={PYTHON}")])
        .output()
        .expect("mitorun runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "playbook failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("ok=6    changed=4"), "{stdout}");
    assert!(!account_lines().iter().any(|l| l.contains("mrtu_p")));
    let _ = std::fs::remove_dir_all(&dir);
}
