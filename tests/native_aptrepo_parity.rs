//! Parity of the native apt_key, apt_repository, deb822_repository,
//! mount_facts and hostname modules with ansible-core 2.19's
//! (MITORUN_REF_BIN): same arguments, same result and the same end state.
//! The cases follow ansible-core's integration targets for these modules,
//! the parts that run offline: keys made here with gpg (served by a local
//! http.server for `url`), apt sources under a scratch APT_CONFIG, deb822
//! files named `mrtr-*` (removed before and after), this machine's mounts
//! and scratch fstab-like files, and hostname inside a UTS + mount
//! namespace where /etc/hostname and /etc/hosts are scratch files.
//! Root only (they write /etc/apt and mount); skipped otherwise.

#[path = "common/gpg_keys.rs"]
mod gpg_keys;
#[path = "common/parity.rs"]
mod parity;
#[path = "common/sshd.rs"]
mod sshd;
#[path = "common/transport.rs"]
mod tr;

use gpg_keys::{GpgKeys as Keys, sh};
use mitorun::value::Value;
use parity::{Case, compare, s};
use std::path::{Path, PathBuf};
use tr::*;

const T: Value = Value::Bool(true);
const F: Value = Value::Bool(false);
const SYSTEM_PYTHON: &str = "/usr/bin/python3";

fn list(items: &[&str]) -> Value {
    Value::List(items.iter().map(|i| s(i)).collect())
}

fn skip_unless_root(what: &str) -> bool {
    if !is_root() {
        eprintln!("skipped: {what} (root only)");
        return true;
    }
    false
}

async fn system_context(pool: &mitorun::transport::Pool) -> mitorun::transport::Context {
    pool.context(&local_spec(&[(
        "ansible_python_interpreter",
        SYSTEM_PYTHON,
    )]))
    .await
    .expect("connect")
}

fn assert_none(failures: Vec<String>, total: usize) {
    parity::assert_all_match(&failures, total);
}

// --- apt_key -------------------------------------------------------------

fn leak(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

fn apt_key_cases(k: &Keys) -> Vec<Case> {
    let www = k.dir.join("www").display().to_string();
    let url = |f: &str| format!("http://127.0.0.1:{}/{f}", k.port);
    let asc = std::fs::read_to_string(k.dir.join("www/key1.asc")).expect("key1.asc");
    let add1 = leak(format!(
        "apt-key --keyring $PWD/k.gpg add {www}/key1.asc >/dev/null 2>&1"
    ));
    let keyring = || ("keyring", s("@/k.gpg"));
    let state = "apt-key --keyring ./k.gpg adv --list-public-keys --keyid-format=long 2>/dev/null | grep -E '^(pub|uid)' || true";
    let case = |setup: &'static str, args: Vec<(&'static str, Value)>| {
        Case::new("apt_key", setup, args).state(state)
    };
    let fpr1 = k.fpr1.clone();
    let short1 = fpr1[fpr1.len() - 8..].to_string();
    let long1 = fpr1[fpr1.len() - 16..].to_string();
    vec![
        // a key from a file on the target, again (no change), in check mode
        case(
            "",
            vec![("file", s(leak(format!("{www}/key1.asc")))), keyring()],
        ),
        case(
            add1,
            vec![("file", s(leak(format!("{www}/key1.asc")))), keyring()],
        ),
        case(
            "",
            vec![("file", s(leak(format!("{www}/key1.asc")))), keyring()],
        )
        .check(),
        // binary key file, with its id
        case(
            "",
            vec![("file", s(leak(format!("{www}/key2.gpg")))), keyring()],
        ),
        case(
            "",
            vec![
                ("file", s(leak(format!("{www}/key2.gpg")))),
                ("id", s(leak(k.fpr2.clone()))),
                keyring(),
            ],
        ),
        // inline armored data, with and without the id
        case("", vec![("data", s(leak(asc.clone()))), keyring()]),
        case(
            "",
            vec![
                ("data", s(leak(asc.clone()))),
                ("id", s(leak(fpr1.clone()))),
                keyring(),
            ],
        ),
        // from a URL (armored, binary), id given and already there
        case("", vec![("url", s(leak(url("key1.asc")))), keyring()]),
        case("", vec![("url", s(leak(url("key2.gpg")))), keyring()]),
        case(
            add1,
            vec![
                ("url", s(leak(url("key1.asc")))),
                ("id", s(leak(fpr1.clone()))),
                keyring(),
            ],
        ),
        case("", vec![("url", s(leak(url("missing.asc")))), keyring()]),
        case("", vec![("url", s(leak(url("junk.txt")))), keyring()]),
        // short and long ids, 0x prefix
        case(
            add1,
            vec![
                ("id", s(leak(short1.clone()))),
                ("state", s("absent")),
                keyring(),
            ],
        ),
        case(
            add1,
            vec![
                ("id", s(leak(format!("0x{long1}")))),
                ("state", s("absent")),
                keyring(),
            ],
        ),
        case(
            add1,
            vec![
                ("id", s(leak(fpr1.clone()))),
                ("state", s("absent")),
                keyring(),
            ],
        )
        .check(),
        case(
            "",
            vec![
                ("id", s(leak(fpr1.clone()))),
                ("state", s("absent")),
                keyring(),
            ],
        ),
        // common mistakes
        case("", vec![("state", s("absent")), keyring()]),
        case(
            "",
            vec![("id", s("12345")), ("state", s("absent")), keyring()],
        ),
        case("", vec![("id", s("XYZXYZXY")), keyring()]),
        case("", vec![("keyserver", s("127.0.0.1")), keyring()]),
        case(
            "",
            vec![("data", s("x")), ("file", s("/nonexistent")), keyring()],
        ),
        case("", vec![("file", s("/nonexistent/key.asc")), keyring()]),
        case("", vec![("data", s("not a key")), keyring()]),
        case("", vec![("bogus", T), keyring()]),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apt_key_matches_ansible_core() {
    if skip_unless_root("apt_key parity") {
        return;
    }
    let pool = ref_pool();
    let ctx = system_context(&pool).await;
    let dir = tempdir("apt_key");
    let keys = Keys::make(&dir.join("keys"));
    let cases = apt_key_cases(&keys);
    let failures = compare(&ctx, &dir.join("s"), &cases).await;
    drop(keys);
    let _ = std::fs::remove_dir_all(&dir);
    pool.shutdown().await;
    assert_none(failures, cases.len());
}

// --- apt_repository --------------------------------------------------------

/// A scratch apt configuration: sources.list and sources.list.d in the
/// case's dir (APT_CONFIG), with lines of every kind the module reads.
const APT_CONF: &str = "mkdir -p sl.d state/lists/partial cache/archives/partial\n\
printf 'Dir::Etc::sourcelist \"%s/sources.list\";\\nDir::Etc::sourceparts \"%s/sl.d\";\\nDir::State \"%s/state\";\\nDir::Cache \"%s/cache\";\\nDir::Etc::trusted \"%s/trusted.gpg\";\\nDir::Etc::trustedparts \"%s/trusted.d\";\\n' $PWD $PWD $PWD $PWD $PWD $PWD > apt.conf\n\
printf '# a comment\\n\\ndeb file:///nonexistent-mrtr bookworm main\\n#deb-src  file:///nonexistent-mrtr   bookworm main # old\\n' > sources.list\n\
printf 'deb [trusted=yes] file:///nonexistent-mrtr/other ./\\n' > sl.d/other.list\n";

fn repo_case(setup: &'static str, args: Vec<(&'static str, Value)>) -> Case {
    let setup = leak(format!("{APT_CONF}{setup}"));
    let mut case = Case::new("apt_repository", setup, args).env("APT_CONFIG", "@/apt.conf");
    case.args.push(("update_cache", F));
    case
}

fn apt_repository_cases() -> Vec<Case> {
    let repo = |r: &'static str| ("repo", s(r));
    let absent = || ("state", s("absent"));
    vec![
        // a new source: its own file (named from the URL), diff, check mode
        repo_case("", vec![repo("deb http://mrtr.example.test/debian bookworm main")]),
        repo_case("", vec![repo("deb http://mrtr.example.test/debian bookworm main")]).diff(),
        repo_case("", vec![repo("deb http://mrtr.example.test/debian bookworm main")])
            .check()
            .diff(),
        // filename and mode
        repo_case(
            "",
            vec![
                repo("deb http://mrtr.example.test/debian bookworm main"),
                ("filename", s("mrtr_named")),
                ("mode", s("0600")),
            ],
        ),
        repo_case(
            "",
            vec![
                repo("deb-src [arch=amd64 signed-by=/x.gpg] https://user:pw@mrtr.example.test/deb ./"),
                ("mode", Value::Int(0o640)),
            ],
        )
        .diff(),
        // already there (spaces normalised), disabled (enabled again)
        repo_case("", vec![repo("deb   file:///nonexistent-mrtr  bookworm main")]),
        repo_case("", vec![repo("deb-src file:///nonexistent-mrtr bookworm main")]).diff(),
        // into an existing file named by filename
        repo_case(
            "",
            vec![repo("deb http://mrtr.example.test/x y z"), ("filename", s("other"))],
        ),
        // removal: from sources.list, the last line of a file (file removed)
        repo_case("", vec![repo("deb file:///nonexistent-mrtr bookworm main"), absent()]),
        repo_case(
            "",
            vec![repo("deb [trusted=yes] file:///nonexistent-mrtr/other ./"), absent()],
        )
        .diff(),
        repo_case(
            "",
            vec![repo("deb [trusted=yes] file:///nonexistent-mrtr/other ./"), absent()],
        )
        .check(),
        repo_case("", vec![repo("deb http://not.there.example.test/ x y"), absent()]),
        // the same line twice in one file
        repo_case(
            "printf 'deb http://d.example.test/a b c\\ndeb http://d.example.test/a b c\\ndeb http://d.example.test/z b c\\n' > sl.d/dup.list\n",
            vec![repo("deb http://d.example.test/a b c"), absent()],
        ),
        // a symlinked list file is written through its link
        repo_case(
            "printf 'deb http://l.example.test/a b c\\n' > real.list && ln -s $PWD/real.list sl.d/link.list\n",
            vec![repo("deb http://l.example.test/q b c"), ("filename", s("link"))],
        ),
        // ppa already present (no network needed)
        repo_case(
            "printf 'deb https://ppa.launchpadcontent.net/mrtr/ppa/ubuntu jammy main\\n' > sl.d/ppa.list\n",
            vec![repo("ppa:mrtr/ppa"), ("codename", s("jammy"))],
        ),
        repo_case(
            "printf 'deb https://ppa.launchpadcontent.net/mrtr/ppa/ubuntu jammy main\\n' > sl.d/ppa.list\n",
            vec![repo("ppa:mrtr/ppa"), ("codename", s("jammy")), absent()],
        ),
        // mistakes
        repo_case("", vec![repo("")]),
        repo_case("", vec![repo("http://mrtr.example.test/debian bookworm main")]),
        repo_case("", vec![repo("# deb http://mrtr.example.test/debian bookworm main")]),
        repo_case("", vec![repo("deb http://x y"), ("state", s("gone"))]),
        repo_case("", vec![]),
    ]
}

/// update_cache through a local file: repository (a Release-less flat
/// repo with trusted=yes), and a failing one (nothing there).
fn apt_repository_cache_cases() -> Vec<Case> {
    let setup = ": > sources.list; rm -f sl.d/other.list\n\
                 mkdir -p flat && (cd flat && : > Packages && gzip -k Packages)\n";
    let mut ok = repo_case(setup, vec![("repo", s("deb [trusted=yes] file:@/flat ./"))]);
    ok.args.retain(|(k, _)| *k != "update_cache");
    ok = ok.state("cat sl.d/*.list; ls state/lists | grep -c flat || true");
    let mut bad = repo_case(
        "",
        vec![
            ("repo", s("deb [trusted=yes] file:@/missing ./")),
            ("update_cache_retries", Value::Int(1)),
            ("update_cache_retry_max_delay", Value::Int(0)),
        ],
    );
    bad.args.retain(|(k, _)| *k != "update_cache");
    // The backoff message rounds a random delay (0 or 1 s here): the
    // warnings differ run to run; msg and the reverted files do not.
    bad = bad
        .state("ls sl.d; cat sources.list")
        .volatile(&["warnings"]);
    vec![ok, bad]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apt_repository_matches_ansible_core() {
    if skip_unless_root("apt_repository parity") {
        return;
    }
    let pool = ref_pool();
    let ctx = system_context(&pool).await;
    let dir = tempdir("apt_repository");
    let mut cases = apt_repository_cases();
    cases.extend(apt_repository_cache_cases());
    let failures = compare(&ctx, &dir.join("s"), &cases).await;
    let _ = std::fs::remove_dir_all(&dir);
    pool.shutdown().await;
    assert_none(failures, cases.len());
}

// --- deb822_repository -----------------------------------------------------

const DEB822_CLEAN: &str =
    "rm -f /etc/apt/sources.list.d/mrtr-* /etc/apt/keyrings/mrtr-*; mkdir -p /etc/apt/keyrings\n";
const DEB822_STATE: &str = "for f in /etc/apt/sources.list.d/mrtr-* /etc/apt/keyrings/mrtr-*; do [ -e \"$f\" ] || continue; stat -c '%n %a %U' \"$f\"; cat \"$f\"; done";

fn deb822_case(setup: &'static str, args: Vec<(&'static str, Value)>) -> Case {
    Case::new(
        "deb822_repository",
        leak(format!("{DEB822_CLEAN}{setup}")),
        args,
    )
    .state(DEB822_STATE)
}

fn deb822_cases(keys: &Keys) -> Vec<Case> {
    let focal = || {
        vec![
            ("name", s("mrtr focal archive")),
            ("uris", s("http://us.archive.ubuntu.com/ubuntu")),
            ("suites", list(&["focal", "focal-updates"])),
            ("components", list(&["main", "restricted"])),
        ]
    };
    let with = |extra: Vec<(&'static str, Value)>| {
        let mut a = focal();
        a.extend(extra);
        a
    };
    let url = |f: &str| s(leak(format!("http://127.0.0.1:{}/{f}", keys.port)));
    let asc = std::fs::read_to_string(keys.dir.join("www/key1.asc")).expect("key1.asc");
    let existing = leak(format!(
        "{DEB822_CLEAN}printf 'Components: main restricted\\nDate-Max-Future: 10\\nX-Repolib-Name: mrtr focal archive\\nSuites: focal focal-updates\\nTypes: deb\\nURIs: http://us.archive.ubuntu.com/ubuntu\\n' > /etc/apt/sources.list.d/mrtr-focal-archive.sources\n"
    ));
    let existing_case = |args: Vec<(&'static str, Value)>| {
        Case::new("deb822_repository", existing, args).state(DEB822_STATE)
    };
    vec![
        deb822_case("", focal()).check(),
        deb822_case("", with(vec![("date_max_future", Value::Int(10))])),
        existing_case(with(vec![("date_max_future", Value::Int(10))])),
        existing_case(with(vec![("date_max_future", Value::Int(10))])).check(),
        existing_case(with(vec![
            ("date_max_future", Value::Int(10)),
            ("mode", s("0600")),
        ])),
        existing_case(with(vec![])),
        // every kind of field
        deb822_case(
            "",
            with(vec![
                ("types", list(&["deb", "deb-src"])),
                ("architectures", list(&["amd64", "i386"])),
                ("allow_insecure", T),
                ("allow_weak", F),
                ("allow_downgrade_to_insecure", F),
                ("by_hash", T),
                ("check_date", F),
                ("check_valid_until", T),
                ("enabled", F),
                ("inrelease_path", s("x/InRelease")),
                ("languages", list(&["en", "de"])),
                ("pdiffs", T),
                ("targets", list(&["Packages"])),
                ("trusted", T),
            ]),
        ),
        // signed_by: a path, inline key text, URLs (armored, binary), again
        deb822_case(
            "",
            with(vec![(
                "signed_by",
                s("/usr/share/keyrings/debian-archive-keyring.gpg"),
            )]),
        ),
        deb822_case("", with(vec![("signed_by", s(leak(asc.clone())))])),
        deb822_case("", with(vec![("signed_by", url("key1.asc"))])),
        deb822_case("", with(vec![("signed_by", url("key2.gpg"))])),
        deb822_case("", with(vec![("signed_by", url("key1.asc"))])).check(),
        deb822_case("", with(vec![("signed_by", s("/nonexistent/mrtr.gpg"))])),
        deb822_case("", with(vec![("signed_by", url("missing.asc"))])),
        deb822_case(
            "",
            with(vec![("signed_by", s("http://127.0.0.1:1/key.asc"))]),
        ),
        // removal (with its key), twice, check mode
        Case::new(
            "deb822_repository",
            leak(format!(
                "{existing}printf x > /etc/apt/keyrings/mrtr-focal-archive.asc\n"
            )),
            vec![("name", s("mrtr focal archive")), ("state", s("absent"))],
        )
        .state(DEB822_STATE),
        deb822_case(
            "",
            vec![("name", s("mrtr focal archive")), ("state", s("absent"))],
        ),
        existing_case(vec![
            ("name", s("mrtr focal archive")),
            ("state", s("absent")),
        ])
        .check(),
        // names that slug oddly, mistakes
        deb822_case(
            "",
            vec![
                ("name", s("mrtr Ünïcode_and  spaces!")),
                ("uris", s("http://x")),
            ],
        ),
        deb822_case("", vec![("uris", s("http://x"))]),
        deb822_case("", vec![("name", s("mrtr x")), ("types", list(&["rpm"]))]),
        deb822_case(
            "",
            vec![("name", s("mrtr x")), ("date_max_future", s("soon"))],
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deb822_repository_matches_ansible_core() {
    if skip_unless_root("deb822_repository parity") {
        return;
    }
    let pool = ref_pool();
    let ctx = system_context(&pool).await;
    let dir = tempdir("deb822");
    let keys = Keys::make(&dir.join("keys"));
    let cases = deb822_cases(&keys);
    let failures = compare(&ctx, &dir.join("s"), &cases).await;
    sh(DEB822_CLEAN);
    drop(keys);
    let _ = std::fs::remove_dir_all(&dir);
    pool.shutdown().await;
    assert_none(failures, cases.len());
}

// --- mount_facts -----------------------------------------------------------

/// Mount sizes and free counts move between two runs.
const MOUNT_VOLATILE: &[&str] = &[
    "size_available",
    "block_available",
    "block_used",
    "inode_available",
    "inode_used",
];

fn mount_case(setup: &'static str, args: Vec<(&'static str, Value)>) -> Case {
    Case::new("mount_facts", setup, args).volatile(MOUNT_VOLATILE)
}

const MOUNT_FILES: &str = "printf '# fstab\\n\\nUUID=0000-mrtr /boot/efi vfat umask=0077 0 1\\n/dev/mrtr\\\\040x /mnt/a\\\\040b ext4 defaults 0 2\\ntmpfs /tmp/mrtr tmpfs rw\\n' > fstab\n\
printf '#device device mount FS fsck mount mount\\n/dev/dsk/c0 /dev/rdsk/c0 / ufs 1 no -\\nswap - - swap - no -\\n' > vfstab\n\
printf '/dev/dsk/c0 / ufs rw,intr 1729000000\\nproc /proc proc rw 1729000000\\n' > mnttab\n\
printf '* comment\\n/:\\n\\tdev = /dev/hd4\\n\\tvfs = jfs2\\n\\n/home:\\n\\tdev = /dev/hd1\\n\\tnodename = srv\\n' > filesystems\n\
printf '#!/bin/sh\\necho \"/dev/ada0p2 on / (ufs, local, soft-updates)\"\\necho \"devfs on /dev (devfs)\"\\n' > bsd-mount && chmod +x bsd-mount\n\
printf '#!/bin/sh\\nsleep 3\\n' > slow-mount && chmod +x slow-mount\n\
printf '#!/bin/sh\\nexit 3\\n' > bad-mount && chmod +x bad-mount\n";

fn mount_facts_cases() -> Vec<Case> {
    let files = |names: &[&str]| -> Value {
        Value::List(names.iter().map(|n| s(leak(format!("@/{n}")))).collect())
    };
    vec![
        mount_case("", vec![]),
        mount_case("", vec![("sources", list(&["/proc/mounts"]))]),
        mount_case("", vec![("sources", list(&["dynamic"]))]),
        mount_case("", vec![("sources", list(&["static"]))]),
        mount_case("", vec![("sources", list(&["mount"]))]),
        mount_case("", vec![("include_aggregate_mounts", T)]),
        mount_case("", vec![("include_aggregate_mounts", F)]),
        mount_case("", vec![("fstypes", list(&["proc", "sys*"]))]),
        mount_case(
            "",
            vec![
                ("devices", list(&["/dev/*"])),
                ("include_aggregate_mounts", T),
            ],
        ),
        mount_case(
            "",
            vec![(
                "sources",
                list(&["/proc/mounts", "/proc/mounts", "/etc/mtab"]),
            )],
        ),
        mount_case(MOUNT_FILES, vec![("sources", files(&["fstab"]))]),
        mount_case(MOUNT_FILES, vec![("sources", files(&["vfstab"]))]),
        mount_case(MOUNT_FILES, vec![("sources", files(&["mnttab"]))]),
        mount_case(MOUNT_FILES, vec![("sources", files(&["filesystems"]))]),
        mount_case(
            MOUNT_FILES,
            vec![
                ("sources", list(&["mount"])),
                ("mount_binary", s("@/bsd-mount")),
            ],
        ),
        mount_case(
            MOUNT_FILES,
            vec![
                ("sources", list(&["mount"])),
                ("mount_binary", s("@/slow-mount")),
                ("timeout", Value::Float(0.5)),
                ("on_timeout", s("warn")),
            ],
        ),
        mount_case(
            MOUNT_FILES,
            vec![
                ("sources", list(&["mount"])),
                ("mount_binary", s("@/slow-mount")),
                ("timeout", Value::Int(1)),
            ],
        ),
        mount_case(
            MOUNT_FILES,
            vec![
                ("sources", list(&["mount"])),
                ("mount_binary", s("@/slow-mount")),
                ("timeout", Value::Float(0.5)),
                ("on_timeout", s("ignore")),
            ],
        ),
        mount_case(
            MOUNT_FILES,
            vec![
                ("sources", list(&["mount"])),
                ("mount_binary", s("@/bad-mount")),
            ],
        ),
        // a dynamic source with nothing in it falls back to `mount`
        mount_case(
            MOUNT_FILES,
            vec![
                ("sources", list(&["/etc/mnttab"])),
                ("mount_binary", s("@/bsd-mount")),
            ],
        ),
        mount_case("", vec![("sources", list(&["@/none"]))]),
        mount_case("", vec![("sources", list(&[""]))]),
        mount_case("", vec![("timeout", Value::Int(0))]),
        mount_case("", vec![("timeout", Value::Int(-2))]),
        mount_case("", vec![("mount_binary", Value::Int(1))]),
        mount_case(
            "",
            vec![
                ("sources", list(&["mount"])),
                ("mount_binary", s("mrtr-none")),
            ],
        ),
        mount_case("", vec![("on_timeout", s("later"))]),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mount_facts_matches_ansible_core() {
    let pool = ref_pool();
    let ctx = system_context(&pool).await;
    let dir = tempdir("mount_facts");
    let cases = mount_facts_cases();
    let failures = compare(&ctx, &dir.join("s"), &cases).await;
    let _ = std::fs::remove_dir_all(&dir);
    pool.shutdown().await;
    assert_none(failures, cases.len());
}

// --- hostname --------------------------------------------------------------

/// An exec wrapper (run as an lxc-attach stand-in) that starts the agent
/// in new UTS and mount namespaces, /etc/hostname and /etc/hosts bound
/// from scratch copies: nothing the modules do reaches this machine's
/// names.
fn namespace_wrapper(dir: &Path) -> PathBuf {
    let d = dir.display();
    sh(&format!(
        "printf 'mrtr-start\\n' > {d}/hostname\n\
         printf '127.0.0.1 localhost\\n127.0.1.1 mrtr-start.example.test mrtr-start\\n127.0.1.2 mrtr-old.example.test mrtr-old\\n127.0.1.3 mrtr-new.example.test mrtr-new\\n' > {d}/hosts\n\
         cat > {d}/wrapper <<'EOF'\n#!/bin/sh\n\
         while [ $# -gt 0 ]; do case \"$1\" in --) shift; break;; esac; shift; done\n\
         exec unshare --uts --mount sh -c 'mount --bind {d}/hostname /etc/hostname && mount --bind {d}/hosts /etc/hosts && hostname mrtr-start && exec \"$@\"' sh \"$@\"\n\
         EOF\n\
         chmod +x {d}/wrapper"
    ));
    dir.join("wrapper")
}

fn hostname_cases(dir: &Path) -> Vec<Case> {
    let file = dir.join("hostname").display().to_string();
    let reset = leak(format!("printf 'mrtr-old\\n' > {file}\n"));
    let state = leak(format!("cat {file}"));
    let case = |args: Vec<(&'static str, Value)>| Case::new("hostname", reset, args).state(state);
    let name = |n: &'static str| ("name", s(n));
    let use_ = |u: &'static str| ("use", s(u));
    vec![
        case(vec![name("mrtr-new")]),
        case(vec![name("mrtr-new")]).check(),
        case(vec![name("mrtr-old")]),
        case(vec![name("mrtr-new.example.test")]),
        case(vec![name("mrtr-new"), use_("alpine")]),
        case(vec![name("mrtr-old"), use_("alpine")]),
        case(vec![name("mrtr-new"), use_("systemd")]),
        case(vec![name("mrtr-new"), use_("debian")]),
        case(vec![name("mrtr-new"), use_("generic")]),
        case(vec![name("mrtr-new"), use_("redhat")]),
        case(vec![name("mrtr-new"), use_("openrc")]).check(),
        case(vec![name("mrtr-new"), use_("sles")]).check(),
        case(vec![name("mrtr-new"), use_("plan9")]),
        case(vec![]),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostname_matches_ansible_core() {
    if skip_unless_root("hostname parity (mount and UTS namespaces)") {
        return;
    }
    let pool = ref_pool();
    let dir = tempdir("hostname");
    let wrapper = namespace_wrapper(&dir);
    let v = vars(&[
        ("ansible_connection", "lxc"),
        ("ansible_host", "mrtr-ns"),
        ("ansible_python_interpreter", SYSTEM_PYTHON),
        (
            "mitogen_lxc_attach_path",
            wrapper.to_str().expect("utf-8 path"),
        ),
    ]);
    let spec = mitorun::transport::ConnectionSpec::from_vars("mrtr-ns", &v).expect("spec");
    let ctx = pool.context(&spec).await.expect("connect through unshare");
    let cases = hostname_cases(&dir);
    let failures = compare(&ctx, &dir.join("s"), &cases).await;
    let host_name = sh("cat /etc/hostname");
    pool.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        !host_name.contains("mrtr"),
        "the machine's /etc/hostname was changed: {host_name}"
    );
    assert_none(failures, cases.len());
}
