//! Parity of the native assemble module with ansible-core 2.19's
//! (MITORUN_REF_BIN): same arguments, same result (changed, failed, msg,
//! checksums, validation, backup_file, path info, invocation) and the same
//! end state on disk, in normal and check mode. The cases cover what
//! ansible-core's integration target (test/integration/targets/assemble)
//! runs with remote_src (all fragments, decrypt, regexp, delimiter, check
//! mode, an unchanged second run), then the delimiter's escape and newline
//! rules, hidden files, backup, validate, the common file arguments and
//! the failures.

#[path = "common/parity.rs"]
mod parity;
#[path = "common/sshd.rs"]
mod sshd;
#[path = "common/transport.rs"]
mod tr;

use mitorun::value::Value;
use parity::{Case, compare, s};
use tr::*;

const T: Value = Value::Bool(true);
const F: Value = Value::Bool(false);

/// The integration target's files/ (fragment1..5) plus the unicode file
/// its tasks add, in `src/`.
const FRAGMENTS: &str = "mkdir src; for n in 1 2 3 4 5; do printf 'this is fragment %s\\n' $n > src/fragment$n; done; echo 'π' > 'src/ßΩ.txt'";

/// FRAGMENTS with `out` already holding their assembly (the target's
/// second, unchanged run).
const ASSEMBLED: &str = "mkdir src; for n in 1 2 3 4 5; do printf 'this is fragment %s\\n' $n > src/fragment$n; done; echo 'π' > 'src/ßΩ.txt'; cat src/fragment1 src/fragment2 src/fragment3 src/fragment4 src/fragment5 'src/ßΩ.txt' > out";

/// Fragments without a final newline, a hidden one, a subdirectory and
/// links (to a file, to a directory, dangling).
const MIXED: &str = "mkdir src src/sub; printf a > src/1; printf 'b\\n' > src/2; printf c > src/3; printf h > src/.hidden; echo sub > src/sub/x; ln -s 2 src/4-link; ln -s sub src/5-dirlink; ln -s nowhere src/6-dangling";

/// FRAGMENTS and an older `out`, mode 0640.
const STALE: &str = "mkdir src; for n in 1 2 3 4 5; do printf 'this is fragment %s\\n' $n > src/fragment$n; done; echo 'π' > 'src/ßΩ.txt'; echo old > out; chmod 640 out";

fn assemble(args: Vec<(&'static str, Value)>) -> Vec<(&'static str, Value)> {
    let mut all = vec![("src", s("@/src")), ("dest", s("@/out"))];
    all.extend(args);
    all
}

fn cases() -> Vec<Case> {
    vec![
        // The integration target, remote_src cases in order.
        Case::new("assemble", FRAGMENTS, assemble(vec![])).check(),
        Case::new("assemble", FRAGMENTS, assemble(vec![])),
        Case::new("assemble", ASSEMBLED, assemble(vec![])),
        Case::new("assemble", FRAGMENTS, assemble(vec![("decrypt", T)])),
        Case::new("assemble", ASSEMBLED, assemble(vec![("decrypt", s("yes"))])),
        Case::new(
            "assemble",
            FRAGMENTS,
            assemble(vec![("regexp", s("^fragment[1-3]$"))]),
        ),
        Case::new(
            "assemble",
            FRAGMENTS,
            assemble(vec![("regexp", s("^fragment[1-3]$")), ("decrypt", T)]),
        ),
        Case::new(
            "assemble",
            FRAGMENTS,
            assemble(vec![("delimiter", s("#--- delimiter ---#"))]),
        ),
        Case::new(
            "assemble",
            FRAGMENTS,
            assemble(vec![
                ("delimiter", s("#--- delimiter ---#")),
                ("decrypt", T),
            ]),
        ),
        // remote_src as the action passes it through; diff gives none.
        Case::new("assemble", FRAGMENTS, assemble(vec![("remote_src", T)])).diff(),
        Case::new("assemble", ASSEMBLED, assemble(vec![])).diff(),
        // regexp is a search, not a match
        Case::new(
            "assemble",
            FRAGMENTS,
            assemble(vec![("regexp", s("ment[24]"))]),
        ),
        Case::new("assemble", FRAGMENTS, assemble(vec![("regexp", s("(["))])),
        // delimiters: escapes, a final newline, decoded again per fragment
        Case::new(
            "assemble",
            FRAGMENTS,
            assemble(vec![("delimiter", s("\\n---\\t---\\n"))]),
        ),
        Case::new(
            "assemble",
            FRAGMENTS,
            assemble(vec![("delimiter", s("\\\\n#"))]),
        ),
        Case::new("assemble", FRAGMENTS, assemble(vec![("delimiter", s(""))])),
        Case::new(
            "assemble",
            FRAGMENTS,
            assemble(vec![("delimiter", s("\\x"))]),
        ),
        Case::new("assemble", MIXED, assemble(vec![("delimiter", s("--"))])),
        // newlines between fragments that lack one, hidden files, links,
        // subdirectories
        Case::new("assemble", MIXED, assemble(vec![])),
        Case::new("assemble", MIXED, assemble(vec![("ignore_hidden", T)])),
        Case::new("assemble", "mkdir src", assemble(vec![])),
        // backup
        Case::new("assemble", STALE, assemble(vec![("backup", T)])),
        Case::new("assemble", STALE, assemble(vec![("backup", T)])).check(),
        Case::new("assemble", FRAGMENTS, assemble(vec![("backup", T)])),
        Case::new("assemble", ASSEMBLED, assemble(vec![("backup", T)])),
        // validate
        Case::new(
            "assemble",
            FRAGMENTS,
            assemble(vec![("validate", s("true %s"))]),
        ),
        Case::new(
            "assemble",
            FRAGMENTS,
            assemble(vec![("validate", s("grep -q 'fragment 5' %s"))]),
        ),
        Case::new(
            "assemble",
            STALE,
            assemble(vec![("validate", s("sh -c 'echo bad >&2; exit 3' %s"))]),
        ),
        Case::new(
            "assemble",
            FRAGMENTS,
            assemble(vec![("validate", s("true"))]),
        ),
        Case::new(
            "assemble",
            ASSEMBLED,
            assemble(vec![("validate", s("false %s"))]),
        ),
        Case::new(
            "assemble",
            FRAGMENTS,
            assemble(vec![("validate", s("true %s")), ("backup", T)]),
        )
        .check(),
        Case::new(
            "assemble",
            FRAGMENTS,
            assemble(vec![("validate", s("no-such-validator-x %s"))]),
        )
        .volatile(&["cmd"]),
        // the common file arguments
        Case::new("assemble", FRAGMENTS, assemble(vec![("mode", s("0600"))])),
        Case::new(
            "assemble",
            ASSEMBLED,
            assemble(vec![("mode", s("u=rw,g=,o="))]),
        ),
        Case::new("assemble", ASSEMBLED, assemble(vec![("mode", s("0600"))])).check(),
        Case::new("assemble", FRAGMENTS, assemble(vec![("mode", s("0600"))])).check(),
        Case::new(
            "assemble",
            STALE,
            assemble(vec![("owner", s("nobody")), ("group", s("nogroup"))]),
        ),
        Case::new(
            "assemble",
            ASSEMBLED,
            assemble(vec![("owner", s("no-such-user-x"))]),
        ),
        Case::new("assemble", STALE, assemble(vec![("unsafe_writes", T)])),
        // dest: an older file keeps its mode, a link is replaced, a
        // directory cannot be checksummed, a missing parent
        Case::new("assemble", STALE, assemble(vec![])),
        Case::new(
            "assemble",
            "mkdir src; echo a > src/a; echo b > target; ln -s target out",
            assemble(vec![]),
        ),
        Case::new(
            "assemble",
            "mkdir src out; echo a > src/a",
            assemble(vec![]),
        ),
        Case::new(
            "assemble",
            "mkdir src; echo a > src/a",
            vec![("src", s("@/src")), ("dest", s("@/no/dir/out"))],
        ),
        // failures
        Case::new("assemble", "", assemble(vec![])),
        Case::new("assemble", "echo a > src", assemble(vec![])),
        Case::new("assemble", FRAGMENTS, vec![("src", s("@/src"))]),
        Case::new("assemble", FRAGMENTS, vec![("dest", s("@/out"))]),
        Case::new("assemble", FRAGMENTS, assemble(vec![("follow", T)])),
        Case::new(
            "assemble",
            FRAGMENTS,
            assemble(vec![("backup", s("maybe"))]),
        ),
        Case::new("assemble", FRAGMENTS, assemble(vec![("ignore_hidden", F)])),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assemble_matches_ansible_core() {
    let pool = ref_pool();
    let ctx = pool.context(&local_spec(&[])).await.expect("connect");
    let dir = tempdir("native-assemble");
    let cases = cases();
    let failures = compare(&ctx, &dir.join("s"), &cases).await;
    parity::assert_all_match(&failures, cases.len());
    let _ = std::fs::remove_dir_all(&dir);
    pool.shutdown().await;
}
