//! Parity of the native RPM family (yum_repository, rpm_key, dnf, dnf5)
//! with ansible-core 2.19's modules (MITORUN_REF_BIN): same arguments,
//! same result and the same end state.
//!
//! yum_repository runs anywhere (it only edits `.repo` files): the cases
//! are those of ansible-core's integration target `yum_repository` that
//! do not install packages, every option, check and diff mode, file
//! modes and owners, argument errors, broken files, all under a scratch
//! `reposdir`, whose files (bytes, modes, owners) are the state compared.
//!
//! This machine has no rpm and no dnf. rpm_key runs against an `rpm`
//! stand-in first in PATH (a shell script keeping imported keys as files,
//! answering the queries the module makes) with real gpg and keys made
//! here, a local http.server for URLs, and without rpm in PATH for the
//! "not available" failure. dnf and dnf5 are compared where the target
//! lacks their Python bindings: argument errors, the checks made before
//! looking for dnf, and the failures ansible's modules give then (dnf5's
//! attempt to install python3-libdnf5 with and without a `dnf` command,
//! a failing one, a succeeding one that still leaves no bindings). No
//! package is installed anywhere: there is no RPM system here.

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
use std::process::Command;
use tr::*;

const T: Value = Value::Bool(true);
const F: Value = Value::Bool(false);
const SYSTEM_PYTHON: &str = "/usr/bin/python3";

fn list(items: &[&str]) -> Value {
    Value::List(items.iter().map(|i| s(i)).collect())
}

fn leak(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

async fn system_context(pool: &mitorun::transport::Pool) -> mitorun::transport::Context {
    pool.context(&local_spec(&[(
        "ansible_python_interpreter",
        SYSTEM_PYTHON,
    )]))
    .await
    .expect("connect")
}

// --- yum_repository ----------------------------------------------------------

fn yum_case(setup: &'static str, args: Vec<(&'static str, Value)>) -> Case {
    let mut case = Case::new("yum_repository", setup, args);
    if !case.args.iter().any(|(k, _)| *k == "reposdir") {
        case.args.push(("reposdir", s("@")));
    }
    case
}

/// The integration target's repository.
fn fakerepo() -> Vec<(&'static str, Value)> {
    vec![
        ("name", s("fakerepo")),
        ("description", s("Fake Repo")),
        ("baseurl", s("file:///tmp/mrtr-fakerepo")),
    ]
}

fn with(
    mut base: Vec<(&'static str, Value)>,
    more: &[(&'static str, Value)],
) -> Vec<(&'static str, Value)> {
    base.extend(more.iter().cloned());
    base
}

const FAKEREPO_FILE: &str = "printf '[fakerepo]\\nbaseurl = file:///tmp/mrtr-fakerepo\\nname = Fake Repo\\n\\n' > fakerepo.repo\n";

const TWO_SECTIONS: &str = "printf '[fakerepo]\\nbaseurl = file:///tmp/mrtr-fakerepo\\nname = Fake Repo\\n\\n[other]\\nbaseurl = http://mrtr.example.test/other\\n\\thttp://mrtr.example.test/other2\\nname = Other\\nenabled = 0\\n\\n' > fakerepo.repo\n";

/// A hand-written file: comments, upper-case keys, `:` separators, a
/// DEFAULT section, continuation lines, odd spacing.
const HAND_WRITTEN: &str = "printf '# managed by hand\\n[DEFAULT]\\nenabled=1\\n\\n[fakerepo]\\nNAME=Fake Repo\\nbaseurl : file:///tmp/mrtr-fakerepo\\n  file:///tmp/mrtr-second\\n; note\\ngpgcheck   =   0\\n\\n[zzz]\\nname=Last\\nbaseurl=http://mrtr.example.test/z\\n' > fakerepo.repo\n";

fn yum_repository_cases() -> Vec<Case> {
    let absent = || ("state", s("absent"));
    let every_option: Vec<(&'static str, Value)> = vec![
        ("name", s("everything")),
        ("description", s("Every option")),
        ("async", F),
        ("bandwidth", s("1M")),
        (
            "baseurl",
            list(&["http://mrtr.example.test/a", "http://mrtr.example.test/b"]),
        ),
        ("cost", s("500")),
        ("countme", T),
        ("deltarpm_metadata_percentage", s("90")),
        ("deltarpm_percentage", s("80")),
        ("enabled", F),
        ("enablegroups", T),
        ("exclude", list(&["kernel*", "glibc"])),
        ("failovermethod", s("priority")),
        ("gpgcakey", s("file:///etc/pki/ca.key")),
        ("gpgcheck", T),
        ("gpgkey", list(&["file:///k1", "file:///k2"])),
        ("module_hotfixes", F),
        ("http_caching", s("packages")),
        ("include", s("file:///etc/mrtr-include.repo")),
        ("includepkgs", list(&["a", "b"])),
        ("ip_resolve", s("IPv6")),
        ("keepalive", T),
        ("keepcache", s("1")),
        ("metadata_expire", s("7d")),
        ("metadata_expire_filter", s("read-only:present")),
        ("metalink", s("https://mrtr.example.test/metalink")),
        ("mirrorlist", s("https://mrtr.example.test/mirrorlist")),
        ("mirrorlist_expire", s("3600")),
        ("password", s("s3cret-pw")),
        ("priority", s("10")),
        ("protect", T),
        ("proxy", s("http://proxy.mrtr.example.test:3128")),
        ("proxy_password", s("proxy-pw")),
        ("proxy_username", s("puser")),
        ("repo_gpgcheck", F),
        ("retries", s("3")),
        ("s3_enabled", F),
        ("skip_if_unavailable", T),
        ("sslcacert", s("/etc/pki/ca.pem")),
        ("ssl_check_cert_permissions", T),
        ("sslclientcert", s("/etc/pki/client.pem")),
        ("sslclientkey", s("/etc/pki/client.key")),
        ("sslverify", F),
        ("throttle", s("50%")),
        ("timeout", s("30")),
        ("ui_repoid_vars", s("releasever basearch")),
        ("username", s("user")),
    ];
    vec![
        // the integration target: absent twice (nothing there)
        yum_case("", vec![("name", s("fakerepo")), absent()]),
        yum_case(FAKEREPO_FILE, vec![("name", s("fakerepo")), absent()]).diff(),
        // re-added with gpgcheck off, then again (no change)
        yum_case("", with(fakerepo(), &[("gpgcheck", F)])),
        yum_case(FAKEREPO_FILE, with(fakerepo(), &[("gpgcheck", F)])).diff(),
        yum_case(FAKEREPO_FILE, fakerepo()),
        // configuration changed into another file, then the same again
        yum_case(
            FAKEREPO_FILE,
            vec![
                ("name", s("fakerepo")),
                ("baseurl", s("file:///tmp/mrtr-fakerepo")),
                ("description", s("New description")),
                ("async", F),
                ("countme", T),
                ("enablegroups", F),
                ("file", s("fakerepo2")),
                ("ip_resolve", Value::Int(4)),
                ("keepalive", F),
                ("module_hotfixes", F),
            ],
        ),
        yum_case(
            "printf '[fakerepo]\\nasync = 0\\nbaseurl = file:///tmp/mrtr-fakerepo\\ncountme = 1\\nenablegroups = 0\\nip_resolve = 4\\nkeepalive = 0\\nmodule_hotfixes = 0\\nname = New description\\n\\n' > fakerepo2.repo\n",
            vec![
                ("name", s("fakerepo")),
                ("baseurl", s("file:///tmp/mrtr-fakerepo")),
                ("description", s("New description")),
                ("async", s("no")),
                ("countme", s("yes")),
                ("enablegroups", F),
                ("file", s("fakerepo2")),
                ("ip_resolve", s("4")),
                ("keepalive", F),
                ("module_hotfixes", F),
            ],
        ),
        // list options, then the handler's removal (the last section:
        // the file goes)
        yum_case(
            "",
            vec![
                ("name", s("listtest")),
                ("description", s("Testing list feature")),
                (
                    "baseurl",
                    list(&[
                        "file:///tmp/mrtr-fakerepo",
                        "file:///tmp/mrtr-fakerepoanother_baseurl",
                    ]),
                ),
                (
                    "gpgkey",
                    list(&[
                        "gpgkey=file:///etc/pki/rpm-gpg/RPM-GPG-KEY-EPEL-9",
                        "gpgkey=file:///etc/pki/rpm-gpg/RPM-GPG2-KEY-EPEL-9",
                    ]),
                ),
                ("exclude", list(&["aaa", "bbb"])),
                ("includepkgs", list(&["ccc", "ddd"])),
            ],
        )
        .diff(),
        yum_case(
            "printf '[listtest]\\nbaseurl = file:///a\\n\\tfile:///b\\nname = Testing list feature\\n\\n' > listtest.repo\n",
            vec![("name", s("listtest")), absent()],
        )
        .diff(),
        // every option (deprecations, no_log values masked in the diff)
        yum_case("", every_option.clone()).diff(),
        yum_case("", every_option.clone()).check().diff(),
        // check mode: new, changed, removed, unchanged
        yum_case("", fakerepo()).check().diff(),
        yum_case(FAKEREPO_FILE, with(fakerepo(), &[("enabled", F)]))
            .check()
            .diff(),
        yum_case(FAKEREPO_FILE, vec![("name", s("fakerepo")), absent()]).check(),
        yum_case(FAKEREPO_FILE, fakerepo()).check(),
        // two sections: one changed, one removed (the file stays)
        yum_case(TWO_SECTIONS, with(fakerepo(), &[("priority", s("5"))])).diff(),
        yum_case(TWO_SECTIONS, vec![("name", s("fakerepo")), absent()]).diff(),
        yum_case(
            TWO_SECTIONS,
            vec![("name", s("other")), absent(), ("file", s("fakerepo"))],
        )
        .diff(),
        // a new section in another repo's file
        yum_case(
            TWO_SECTIONS,
            vec![
                ("name", s("third")),
                ("description", s("Third")),
                ("mirrorlist", s("http://mrtr.example.test/ml")),
                ("file", s("fakerepo")),
            ],
        )
        .diff(),
        // a hand-written file is read as configparser reads it and
        // written back normalised
        yum_case(HAND_WRITTEN, fakerepo()).diff(),
        yum_case(
            HAND_WRITTEN,
            with(fakerepo(), &[("baseurl", list(&["file:///tmp/mrtr-fakerepo", "file:///tmp/mrtr-second"]))]),
        )
        .diff(),
        yum_case(HAND_WRITTEN, vec![("name", s("zzz")), absent()]).diff(),
        // metalink or mirrorlist instead of baseurl
        yum_case(
            "",
            vec![
                ("name", s("ml")),
                ("description", s("ML")),
                ("metalink", s("https://mrtr.example.test/metalink?repo=x&arch=$basearch")),
            ],
        ),
        // aliases (and an alias given with its option)
        yum_case(
            "",
            with(
                fakerepo(),
                &[
                    ("validate_certs", F),
                    ("ca_cert", s("/ca.pem")),
                    ("client_cert", s("/c.pem")),
                    ("client_key", s("/c.key")),
                    ("excludepkgs", list(&["x"])),
                ],
            ),
        ),
        yum_case(
            "",
            with(fakerepo(), &[("sslverify", T), ("validate_certs", F)]),
        ),
        // file mode, owner and group; a mode change alone is a change
        yum_case(
            "",
            with(
                fakerepo(),
                &[("mode", s("0600")), ("owner", s("nobody")), ("group", s("nogroup"))],
            ),
        ),
        yum_case(FAKEREPO_FILE, with(fakerepo(), &[("mode", s("0640"))])),
        yum_case(FAKEREPO_FILE, with(fakerepo(), &[("mode", s("u=rw,g=,o="))])).check(),
        yum_case(
            "printf '[fakerepo]\\nbaseurl = file:///tmp/mrtr-fakerepo\\nname = Fake Repo\\n\\n' > fakerepo.repo && chmod 0600 fakerepo.repo\n",
            with(fakerepo(), &[("mode", s("0600"))]),
        ),
        yum_case(FAKEREPO_FILE, with(fakerepo(), &[("owner", s("mrtr-no-such-user"))])),
        yum_case(FAKEREPO_FILE, with(fakerepo(), &[("mode", s("u=bogus"))])),
        // bad arguments
        yum_case("", vec![("name", s("x")), ("description", s("X"))]),
        yum_case("", vec![("name", s("x")), ("baseurl", s("http://x"))]),
        yum_case("", vec![("name", s("x"))]),
        yum_case("", vec![("description", s("X")), ("baseurl", s("http://x"))]),
        yum_case("", with(fakerepo(), &[("failovermethod", s("random"))])),
        yum_case("", with(fakerepo(), &[("keepcache", s("2"))])),
        yum_case("", with(fakerepo(), &[("ip_resolve", Value::Int(5))])),
        yum_case("", with(fakerepo(), &[("gpgcheck", s("maybe"))])),
        yum_case("", with(fakerepo(), &[("state", s("gone"))])),
        yum_case("", with(fakerepo(), &[("bogus", s("x"))])),
        yum_case("", with(fakerepo(), &[("reposdir", s("@/missing"))])),
        // files the module cannot use: no section header, a duplicate
        // section, a directory where the file goes, a DEFAULT repo
        yum_case("printf 'name = x\\n' > fakerepo.repo\n", fakerepo()),
        yum_case("printf '[a]\\nname = 1\\n[a]\\nname = 2\\n' > fakerepo.repo\n", fakerepo()),
        yum_case("mkdir fakerepo.repo\n", fakerepo()),
        yum_case(
            "",
            vec![
                ("name", s("DEFAULT")),
                ("description", s("D")),
                ("baseurl", s("http://x")),
            ],
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn yum_repository_matches_ansible_core() {
    let pool = ref_pool();
    let ctx = system_context(&pool).await;
    let dir = tempdir("yum_repository");
    let cases = yum_repository_cases();
    let failures = compare(&ctx, &dir.join("s"), &cases).await;
    let _ = std::fs::remove_dir_all(&dir);
    pool.shutdown().await;
    parity::assert_all_match(&failures, cases.len());
}

// --- rpm_key -------------------------------------------------------------------

/// An `rpm` stand-in: `--import` keeps the key (armored, as rpm keeps it
/// in the gpg-pubkey package's description) under ../rpmdb/keys named
/// by its short id, `-q gpg-pubkey [--qf %{description}]` lists the
/// packages or prints the keys, `--erase --allmatches gpg-pubkey-ID`
/// drops one; rpm's messages for what is not there.
const RPM_STAND_IN: &str = r#"#!/bin/sh
db="$(dirname "$0")/../rpmdb"
mkdir -p "$db/keys" "$db/gnupg" && chmod 700 "$db/gnupg"
g() { /usr/bin/gpg --homedir "$db/gnupg" --batch --quiet --no-tty "$@"; }
case "$1" in
-q)
  if [ -z "$(ls "$db/keys")" ]; then echo "package $2 is not installed"; exit 1; fi
  if [ "$3" = "--qf" ]; then cat "$db"/keys/*; exit 0; fi
  for k in "$db"/keys/*; do echo "gpg-pubkey-$(basename "$k")-5f000000"; done
  ;;
--import)
  id=$(g --with-colons --import-options show-only --import "$2" 2>/dev/null | awk -F: '/^pub:/ {print tolower(substr($5, 9)); exit}')
  if [ -z "$id" ]; then echo "error: $2: key 1 import failed." >&2; exit 1; fi
  g --import "$2" 2>/dev/null
  g --armor --export "$id" > "$db/keys/$id"
  ;;
--erase)
  id="${3#gpg-pubkey-}"
  if [ ! -f "$db/keys/$id" ]; then echo "error: package $3 is not installed" >&2; exit 1; fi
  rm "$db/keys/$id"
  ;;
*) echo "rpm stand-in: unexpected arguments: $*" >&2; exit 2 ;;
esac
"#;

/// The shared gpg keys, and the rpm stand-in beside them.
fn make_keys(dir: &Path) -> Keys {
    let keys = Keys::make(dir);
    std::fs::write(dir.join("rpm"), RPM_STAND_IN).expect("write the rpm stand-in");
    keys
}

fn rpm_key_cases(k: &Keys) -> Vec<Case> {
    let keys = k.dir.display().to_string();
    let www = k.dir.join("www").display().to_string();
    let url = |f: &str| s(leak(format!("http://127.0.0.1:{}/{f}", k.port)));
    let file = |f: &str| s(leak(format!("{www}/{f}")));
    // Every case: the stand-in first in PATH, a home for gpg.
    let base = leak(format!(
        "mkdir -p bin home && cp {keys}/rpm bin/rpm && chmod 755 bin/rpm\n"
    ));
    let with_key1 = leak(format!("{base}$PWD/bin/rpm --import {www}/key1.asc\n"));
    let with_both = leak(format!("{with_key1}$PWD/bin/rpm --import {www}/key2.gpg\n"));
    let state = "ls rpmdb/keys 2>/dev/null; true";
    let case = |setup: &'static str, args: Vec<(&'static str, Value)>| {
        Case::new("rpm_key", setup, args)
            .state(state)
            .env("PATH", "@/bin:/usr/bin:/bin")
            .env("HOME", "@/home")
    };
    let key = |v: Value| ("key", v);
    let absent = || ("state", s("absent"));
    let (fpr1, fpr2) = (k.fpr1.as_str(), k.fpr2.as_str());
    let short1 = leak(fpr1[fpr1.len() - 8..].to_string());
    let long2 = leak(fpr2[fpr2.len() - 16..].to_lowercase());
    let spaced1 = leak(
        fpr1.as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).to_lowercase())
            .collect::<Vec<_>>()
            .join(" "),
    );
    vec![
        // a key file (armored, binary): imported, then already there
        case(base, vec![key(file("key1.asc"))]),
        case(base, vec![key(file("key1.asc"))]).check(),
        case(with_key1, vec![key(file("key1.asc"))]),
        case(with_key1, vec![key(file("key2.gpg"))]),
        // by id: there (any case, 0x), not there and no file to import
        case(with_key1, vec![key(s(leak(format!("0x{short1}"))))]),
        case(with_key1, vec![key(s(leak(short1.to_lowercase())))]),
        case(with_key1, vec![key(s(long2))]),
        // removal by id and by file, check mode, nothing to remove
        case(with_both, vec![key(s(short1)), absent()]),
        case(with_both, vec![key(s(short1)), absent()]).check(),
        case(with_both, vec![key(file("key2.gpg")), absent()]),
        case(base, vec![key(file("key1.asc")), absent()]),
        case(with_key1, vec![key(s(long2)), absent()]),
        // fingerprints: matching (spaced, lower case), several, wrong
        case(
            base,
            vec![key(file("key1.asc")), ("fingerprint", s(spaced1))],
        ),
        case(
            base,
            vec![key(file("both.asc")), ("fingerprint", list(&[fpr1, fpr2]))],
        ),
        case(
            base,
            vec![key(file("key1.asc")), ("fingerprint", list(&[fpr2]))],
        ),
        // from a URL: imported, there, 404, not a key, refused,
        // credentials masked
        case(base, vec![key(url("key1.asc"))]),
        case(with_key1, vec![key(url("key1.asc"))]),
        case(base, vec![key(url("key2.gpg"))]),
        case(base, vec![key(url("missing.asc"))]),
        case(base, vec![key(url("junk.txt"))]),
        case(
            base,
            vec![key(s("http://127.0.0.1:1/key.asc")), ("validate_certs", F)],
        ),
        case(base, vec![]).literal(
            "key",
            s(leak(format!(
                "http://user:pw@127.0.0.1:{}/missing.asc",
                k.port
            ))),
        ),
        case(base, vec![]).literal(
            "key",
            s(leak(format!("http://user@127.0.0.1:{}/key1.asc", k.port))),
        ),
        case(base, vec![key(s("://mrtr-no-scheme"))]),
        // not a key: no such file (not an id), a file gpg cannot read
        case(base, vec![key(s("/nonexistent/mrtr.asc"))]),
        case(base, vec![key(file("junk.txt"))]),
        case(base, vec![key(s("deadbeef-and-more"))]),
        // bad arguments
        case(base, vec![]),
        case(base, vec![key(file("key1.asc")), ("state", s("gone"))]),
        case(base, vec![key(file("key1.asc")), ("bogus", T)]),
        case(
            base,
            vec![key(file("key1.asc")), ("validate_certs", s("maybe"))],
        ),
        // no rpm here (this machine), no gpg
        case(base, vec![key(file("key1.asc"))]).env("PATH", "/usr/bin:/bin"),
        case(base, vec![key(file("key1.asc"))]).env("PATH", "@/bin"),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rpm_key_matches_ansible_core() {
    let pool = ref_pool();
    let ctx = system_context(&pool).await;
    let dir = tempdir("rpm_key");
    let keys = make_keys(&dir.join("keys"));
    let cases = rpm_key_cases(&keys);
    let failures = compare(&ctx, &dir.join("s"), &cases).await;
    drop(keys);
    let _ = std::fs::remove_dir_all(&dir);
    pool.shutdown().await;
    parity::assert_all_match(&failures, cases.len());
}

// --- dnf, dnf5 -----------------------------------------------------------------

/// A `dnf` command that cannot install python3-libdnf5 (it says what
/// locale it was given, as the module sets one before running it).
const DNF_FAILING: &str = "mkdir -p bin && printf '#!/bin/sh\\necho \"LANG=$LANG LC_ALL=$LC_ALL args=$*\"\\necho \"Error: Unable to find a match: python3-libdnf5\" >&2\\nexit 1\\n' > bin/dnf && chmod 755 bin/dnf\n";
/// A `dnf` command that says it installed it (no bindings appear).
const DNF_SUCCEEDING: &str =
    "mkdir -p bin && printf '#!/bin/sh\\necho \"Complete!\"\\n' > bin/dnf && chmod 755 bin/dnf\n";

fn dnf_cases() -> Vec<Case> {
    let case = |module: &'static str, args: Vec<(&'static str, Value)>| {
        Case::new(module, "", args).env("PATH", "@/bin:/usr/bin:/bin")
    };
    let name = |v: Value| ("name", v);
    let mut cases = Vec::new();
    for module in ["dnf", "dnf5"] {
        cases.extend([
            // no bindings here: the module's failure, in check mode too
            case(module, vec![name(s("mrtr-pkg"))]),
            case(module, vec![name(s("mrtr-pkg"))]).check(),
            case(module, vec![("list", s("installed"))]),
            case(module, vec![("update_cache", T)]),
            case(
                module,
                vec![("expire-cache", T), ("pkg", list(&["a", "b"]))],
            ),
            // what YumDnf checks first: comma lists (changed in place in
            // the invocation), spaces, autoremove with a state
            case(
                module,
                vec![
                    name(list(&["a,b", " c "])),
                    ("disablerepo", s("r1,r2")),
                    ("enablerepo", list(&["e1,e2", "e3"])),
                    ("exclude", list(&[""])),
                ],
            ),
            case(module, vec![name(s("a b"))]),
            case(module, vec![name(s("a >= 1.0"))]),
            case(module, vec![]).literal("name", list(&["@group one"])),
            case(module, vec![name(s("a")), ("autoremove", T)]),
            case(
                module,
                vec![name(s("a")), ("autoremove", T), ("state", s("latest"))],
            ),
            case(module, vec![("autoremove", T), ("update_cache", T)]),
            case(
                module,
                vec![
                    name(s("a")),
                    ("state", s("removed")),
                    ("install_repoquery", F),
                ],
            ),
            // argument errors
            case(module, vec![]),
            case(module, vec![name(s("a")), ("list", s("updates"))]),
            case(module, vec![name(s("a")), ("best", T), ("nobest", T)]),
            case(module, vec![name(s("a")), ("state", s("gone"))]),
            case(module, vec![name(s("a")), ("lock_timeout", s("soon"))]),
            case(module, vec![name(s("a")), ("bogus", T)]),
            case(module, vec![name(s("a")), ("update_only", s("maybe"))]),
        ]);
    }
    let mut dnf5_only = |setup: &'static str, args: Vec<(&'static str, Value)>| {
        let mut c = case("dnf5", args);
        c.setup = setup;
        cases.push(c);
    };
    // dnf5 installs python3-libdnf5 with dnf: none here, one that fails,
    // one that succeeds without bindings appearing; or is told not to
    dnf5_only(DNF_FAILING, vec![name(s("a"))]);
    dnf5_only(DNF_SUCCEEDING, vec![name(s("a"))]);
    dnf5_only(
        DNF_FAILING,
        vec![name(s("a")), ("auto_install_module_deps", F)],
    );
    dnf5_only("", vec![name(s("a")), ("use_backend", s("dnf5"))]);
    cases.extend([
        case("dnf", vec![name(s("a")), ("use_backend", s("dnf4"))]),
        case("dnf", vec![name(s("a")), ("use_backend", s("zypper"))]),
        case("dnf", vec![name(s("a")), ("auto_install_module_deps", F)]),
    ]);
    cases
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dnf_and_dnf5_match_ansible_core_without_bindings() {
    let pool = ref_pool();
    let ctx = system_context(&pool).await;
    let dir = tempdir("dnf");
    let cases = dnf_cases();
    let failures = compare(&ctx, &dir.join("s"), &cases).await;
    let _ = std::fs::remove_dir_all(&dir);
    pool.shutdown().await;
    parity::assert_all_match(&failures, cases.len());
}

// --- dnf, dnf5 where the bindings are there --------------------------------------

/// Stand-ins for the dnf and libdnf5 Python bindings, importable by an
/// interpreter wrapper that puts them on PYTHONPATH: enough for the
/// modules to get past their imports and fail at their first real step
/// (dnf: "not root" from dnf.util; dnf5: an error from libdnf5's Base).
fn fake_bindings(dir: &Path) -> PathBuf {
    let d = dir.display();
    sh(&format!(
        "mkdir -p {d}/site/dnf {d}/site/libdnf5\n\
         printf 'from . import base, const, exceptions, package, subject, util\\n' > {d}/site/dnf/__init__.py\n\
         printf 'WITH_MODULES = False\\n' > {d}/site/dnf/base.py\n\
         for m in const package subject; do : > {d}/site/dnf/$m.py; done\n\
         printf 'class Error(Exception):\\n    pass\\nclass RepoError(Error):\\n    pass\\n' > {d}/site/dnf/exceptions.py\n\
         printf 'def am_i_root():\\n    return False\\n' > {d}/site/dnf/util.py\n\
         printf 'from . import base\\n' > {d}/site/libdnf5/__init__.py\n\
         printf 'class Base(object):\\n    def __init__(self):\\n        raise RuntimeError(\"mrtr stand-in: no package work here\")\\n' > {d}/site/libdnf5/base.py\n\
         printf '#!/bin/sh\\nPYTHONPATH={d}/site exec {SYSTEM_PYTHON} \"$@\"\\n' > {d}/python && chmod 755 {d}/python"
    ));
    dir.join("python")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dnf_hands_over_to_ansible_core_where_the_bindings_are() {
    let dir = tempdir("dnf_bindings");
    let python = fake_bindings(&dir);
    let python = python.to_str().expect("utf-8 path");
    let cases = vec![
        Case::new("dnf", "", vec![("name", s("mrtr-pkg"))]),
        Case::new("dnf", "", vec![("name", s("mrtr-pkg"))]).check(),
        Case::new(
            "dnf5",
            "",
            vec![("name", s("mrtr-pkg")), ("state", s("latest"))],
        ),
    ];
    // With ansible-core: its module does the work (here: fails at its
    // first step, past the imports) for both.
    let pool = ref_pool();
    let ctx = pool
        .context(&local_spec(&[("ansible_python_interpreter", python)]))
        .await
        .expect("connect");
    let failures = compare(&ctx, &dir.join("s"), &cases).await;
    pool.shutdown().await;
    // Without it: the native front's own failure, naming the bindings.
    let pool = mitorun::transport::Pool::new(mitorun::transport::PoolOptions {
        ansible_core: Some(dir.join("no-ansible-core")),
        ..Default::default()
    });
    let ctx = pool
        .context(&local_spec(&[("ansible_python_interpreter", python)]))
        .await
        .expect("connect");
    let mut alone = Vec::new();
    for module in ["dnf", "dnf5"] {
        let call = mitorun::transport::ModuleCall::new(
            module,
            [("name".to_string(), s("mrtr-pkg"))].into_iter().collect(),
        );
        alone.push(ctx.run_module(call).await.expect("module runs"));
    }
    pool.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
    parity::assert_all_match(&failures, cases.len());
    for (module, result) in ["dnf", "dnf5"].iter().zip(&alone) {
        let msg = result.get("msg").map(Value::python_str).unwrap_or_default();
        assert_eq!(result.get("failed"), Some(&T), "{module}: {result:?}");
        assert!(
            msg.starts_with(&format!(
                "{module} found its Python bindings ({SYSTEM_PYTHON})"
            )) && msg.ends_with("ansible-core is not installed on the controller."),
            "{module}: {msg}"
        );
        assert!(
            !result.contains_key(mitorun::transport::modules::NATIVE_WANTS_ANSIBLE_CORE),
            "{module}: the hand-over key stays inside mitorun: {result:?}"
        );
    }
}

// --- a playbook ------------------------------------------------------------------

/// The play the end-to-end test runs with ansible-playbook and mitorun:
/// yum_repository with diffs and check mode, how `yum`, `dnf`, `dnf5` and
/// `package` pick their module on a host without dnf, and rpm_key here.
const PLAYBOOK: &str = r#"- hosts: localhost
  gather_facts: false
  tasks:
    - name: a repository
      yum_repository:
        name: mrtr-play
        description: mitorun play
        baseurl: [http://mrtr.example.test/a, http://mrtr.example.test/b]
        gpgcheck: false
        reposdir: "{{ reposdir }}"
        mode: "0600"
      diff: true
      register: added
    - name: again, in check mode, changed
      yum_repository:
        name: mrtr-play
        description: mitorun play (changed)
        baseurl: http://mrtr.example.test/a
        reposdir: "{{ reposdir }}"
      check_mode: true
      diff: true
      register: would
    - name: a second repository in the same file
      ansible.builtin.yum_repository:
        name: mrtr-second
        file: mrtr-play
        description: second
        metalink: https://mrtr.example.test/metalink
        keepcache: "1"
        reposdir: "{{ reposdir }}"
      register: second
    - name: deprecations as playbooks see them
      debug:
        var: second.deprecations
    - name: bad arguments
      yum_repository:
        name: mrtr-bad
        reposdir: "{{ reposdir }}"
      ignore_errors: true
    - name: the first one goes
      yum_repository:
        name: mrtr-play
        state: absent
        reposdir: "{{ reposdir }}"
      diff: true
    - assert:
        that:
          - added is changed
          - would is changed
    - name: yum without facts
      yum: name=mrtr-pkg
      ignore_errors: true
    - ansible.legacy.yum: name=mrtr-pkg use_backend=dnf4
      ignore_errors: true
    - ansible.builtin.yum: name=mrtr-pkg use_backend=yum
      ignore_errors: true
    - dnf: name=mrtr-pkg use=dnf5 use_backend=dnf
      ignore_errors: true
    - dnf: name=mrtr-pkg use_backend=dnf5 state=latest
      ignore_errors: true
    - dnf5: name=mrtr-pkg use_backend=dnf
      ignore_errors: true
    - name: a deprecated argument through the action
      dnf: name=mrtr-pkg use_backend=dnf4 install_repoquery=false
      ignore_errors: true
      register: deprecated
    - debug: var=deprecated.deprecations
    - name: a bad argument through the action
      dnf: name=mrtr-pkg use_backend=dnf4 state=gone
      ignore_errors: true
    - package: name=mrtr-pkg use=dnf
      ignore_errors: true
    - package: name=mrtr-pkg use=dnf5
      ignore_errors: true
    - package: name=mrtr-pkg use=yum
      ignore_errors: true
    - rpm_key: key=/nonexistent/mrtr.asc
      ignore_errors: true
    - name: the pkg_mgr fact
      setup:
        gather_subset: "!all"
        filter: ansible_pkg_mgr
    - name: yum with facts
      yum: name=mrtr-pkg
      ignore_errors: true
    - dnf: name=mrtr-pkg use_backend=yum
      ignore_errors: true
"#;

/// The play prints the same with mitorun as with ansible-playbook (with
/// `-v`) and leaves the same repository files.
#[test]
fn rpm_playbook_matches_ansible_playbook() {
    let dir = tempdir("rpm-play");
    std::fs::write(dir.join("site.yml"), PLAYBOOK).expect("write playbook");
    std::fs::write(
        dir.join("hosts"),
        format!("localhost ansible_connection=local ansible_python_interpreter={SYSTEM_PYTHON}\n"),
    )
    .expect("write inventory");
    let bin =
        ref_bin().expect("MITORUN_REF_BIN must point at the ansible-core 2.19 venv's bin dir");
    let repos = dir.join("repos");
    let run = |program: &str| {
        let _ = std::fs::remove_dir_all(&repos);
        std::fs::create_dir_all(&repos).expect("mkdir repos");
        let out = Command::new(program)
            .args(["-v", "-i", "hosts", "site.yml", "-e"])
            .arg(format!("reposdir={}", repos.display()))
            .current_dir(&dir)
            .env("ANSIBLE_NOCOLOR", "1")
            .env("ANSIBLE_FORCE_COLOR", "0")
            .output()
            .expect("playbook runs");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
            parity::snapshot(&repos),
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
