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

#[path = "common/parity.rs"]
mod parity;
#[path = "common/sshd.rs"]
mod sshd;
#[path = "common/transport.rs"]
mod tr;

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

fn sh(script: &str) -> String {
    let out = Command::new("/bin/sh")
        .args(["-ec", script])
        .output()
        .expect("sh runs");
    assert!(
        out.status.success(),
        "{script}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
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
