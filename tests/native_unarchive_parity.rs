//! Parity of the native unarchive module with ansible-core 2.19's
//! (MITORUN_REF_BIN): same arguments, same result (handler, changed,
//! failed, msg, extract_results with the tar/unzip command lines and their
//! output, the zip handler's prepared diff, files, path info, warnings,
//! invocation) and the same end state on disk (tree, modes, owners,
//! contents), in normal and check mode. The cases follow ansible-core's
//! integration target test/integration/targets/unarchive where it runs
//! offline: tar/tar.gz/bz2/xz/zst/zip, re-runs, list_files, include and
//! exclude, keep_newer, mode/owner/group, extra_opts, check mode, content
//! and size differences, non-ASCII names, missing handler, bad src/dest.

#[path = "common/parity.rs"]
mod parity;
#[path = "common/sshd.rs"]
mod sshd;
#[path = "common/transport.rs"]
mod tr;

use mitorun::transport::ModuleCall;
use mitorun::value::Value;
use parity::{Case, compare, s};
use tr::*;

const T: Value = Value::Bool(true);

fn list(items: &[&str]) -> Value {
    Value::List(items.iter().map(|i| s(i)).collect())
}

/// The archives of the integration target's prepare_tests.yml (times on
/// even seconds: unzip rounds odd ones), plus a non-archive and an empty
/// file, built once outside the scratch dir so they are the same bytes for
/// both runs of a case.
const ARCHIVES: &str = r#"
umask 022
mkdir -p src && cd src
printf 'foo\n' > foo-unarchive.txt
printf 'foo\n' > foo-unarchive-777.txt && chmod 777 foo-unarchive-777.txt
mkdir unarchive-dir && printf 'foo\n' > unarchive-dir/foo-unarchive.txt
mkdir -p created/include created/exclude created/other
for f in include/include-1.txt include/include-2.txt include/include-3.txt \
  exclude/exclude-1.txt exclude/exclude-2.txt other/include-1.ext other/other-1.ext; do
  printf '%s\n' "$f" > "created/$f"
done
mkdir 'くらとみ' && printf 'x\n' > 'くらとみ/ファイル.txt'
printf 'foo\n' > FOO-UNAR.TXT
mkdir linkdir && ln -s ../foo-unarchive.txt linkdir/link
mkdir dollar && printf 'x\n' > 'dollar/$HOME' && printf 'y\n' > 'dollar/~root'
find . -exec touch -h -t 201705111530.00 {} +
tar cf ../t.tar foo-unarchive.txt
tar czf ../t.tar.gz foo-unarchive.txt
tar cjf ../t.tar.bz2 foo-unarchive.txt
tar cJf ../t.tar.xz foo-unarchive.txt
tar --use-compress-program=zstd -cf ../t.tar.zst foo-unarchive.txt
zip -q ../t.zip foo-unarchive.txt foo-unarchive-777.txt
tar czf ../dir.tar.gz unarchive-dir
zip -qr ../dir.zip unarchive-dir
(cd created && tar czf ../../inc.tar.gz * && zip -qr ../../inc.zip *)
cp ../t.zip ../fat.zip && zip -qk ../fat.zip FOO-UNAR.TXT
tar czf ../link.tar.gz linkdir
tar czf ../dollar.tar.gz dollar
zip -qry ../link.zip linkdir
tar czf ../nonascii.tar.gz 'くらとみ'
zip -qr ../nonascii.zip 'くらとみ'
cd .. && rm -rf src
printf 'not an archive\n' > bad.txt
: > empty.tgz
"#;

fn leak(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

fn case(setup: &'static str, args: Vec<(&'static str, Value)>) -> Case {
    Case::new("unarchive", setup, args)
}

/// The cases, with the archives in `arch`; `{A}` in a setup command is
/// replaced by `arch`, and each setup starts with an empty dest `d`.
fn cases(arch: &str) -> Vec<Case> {
    let prep = |more: &str| leak(format!("umask 022; mkdir d\n{}", more.replace("{A}", arch)));
    let un = |src: &str, more: Vec<(&'static str, Value)>| {
        let mut a = vec![
            ("src", s(leak(format!("{arch}/{src}")))),
            ("dest", s("@/d")),
            ("remote_src", T),
        ];
        a.extend(more);
        a
    };
    let plain = prep("");
    let newer = prep("printf 'boo' > d/foo-unarchive.txt");
    let extracted_tgz = prep("tar xzf {A}/t.tar.gz -C d");
    let extracted_zip = prep("unzip -qo {A}/t.zip -d d");
    let extracted_dir = prep("tar xzf {A}/dir.tar.gz -C d");
    vec![
        // each tar flavour and zip
        case(plain, un("t.tar.gz", vec![])),
        case(plain, un("t.tar", vec![])),
        case(plain, un("t.tar.bz2", vec![])),
        case(plain, un("t.tar.xz", vec![])),
        case(plain, un("t.tar.zst", vec![])),
        case(plain, un("t.zip", vec![])),
        // re-runs are unchanged
        case(extracted_tgz, un("t.tar.gz", vec![])),
        case(extracted_zip, un("t.zip", vec![])),
        case(extracted_dir, un("dir.tar.gz", vec![("list_files", T)])),
        // content and size differences after extraction
        case(
            prep(
                "tar xzf {A}/t.tar.gz -C d && printf 'fox\\n' > d/foo-unarchive.txt && touch -t 201705111530.00 d/foo-unarchive.txt",
            ),
            un("t.tar.gz", vec![]),
        ),
        case(
            prep("tar xzf {A}/t.tar.gz -C d && printf 'foooo\\n' > d/foo-unarchive.txt"),
            un("t.tar.gz", vec![]),
        ),
        case(
            prep(
                "unzip -qo {A}/t.zip -d d && printf 'fox\\n' > d/foo-unarchive.txt && touch -t 201705111530.00 d/foo-unarchive.txt",
            ),
            un("t.zip", vec![]),
        ),
        case(
            prep("unzip -qo {A}/t.zip -d d && chmod 600 d/foo-unarchive-777.txt"),
            un("t.zip", vec![]),
        ),
        // list_files
        case(plain, un("t.tar.gz", vec![("list_files", T)])),
        case(plain, un("t.zip", vec![("list_files", T)])),
        case(plain, un("dir.zip", vec![("list_files", T)])),
        // creates is the action's: the module takes it and ignores it
        case(
            plain,
            un("t.tar.gz", vec![("creates", s("@/d/foo-unarchive.txt"))]),
        ),
        // include / exclude
        case(
            plain,
            un(
                "inc.zip",
                vec![("include", list(&["include/*"])), ("list_files", T)],
            ),
        ),
        case(
            plain,
            un(
                "inc.zip",
                vec![
                    ("exclude", list(&["exclude/*", "other/*"])),
                    ("list_files", T),
                ],
            ),
        ),
        case(
            plain,
            un(
                "inc.tar.gz",
                vec![
                    (
                        "include",
                        list(&["include/include-1.txt", "other/other-1.ext"]),
                    ),
                    ("list_files", T),
                ],
            ),
        ),
        case(
            plain,
            un(
                "inc.tar.gz",
                vec![("exclude", list(&["exclude/", "*.ext"])), ("list_files", T)],
            ),
        ),
        case(
            plain,
            un(
                "inc.zip",
                vec![("exclude", list(&["x"])), ("include", list(&["y"]))],
            ),
        ),
        // keep_newer (a newer file stays; without it the archive wins)
        case(newer, un("t.tar.gz", vec![("keep_newer", T)])),
        case(newer, un("t.tar.gz", vec![])),
        case(newer, un("t.zip", vec![("keep_newer", T)])),
        case(newer, un("t.zip", vec![])),
        // mode, owner, group
        case(plain, un("dir.tar.gz", vec![("mode", s("0700"))])),
        case(extracted_dir, un("dir.tar.gz", vec![("mode", s("0700"))])),
        case(plain, un("dir.tar.gz", vec![("mode", Value::Int(0o640))])),
        case(plain, un("dir.zip", vec![("mode", s("u+rwx,g-wx,o-wx"))])),
        case(plain, un("t.zip", vec![("mode", s("0600"))])),
        case(
            plain,
            un(
                "dir.tar.gz",
                vec![("owner", s("nobody")), ("group", s("nogroup"))],
            ),
        ),
        case(
            plain,
            un(
                "t.zip",
                vec![("owner", s("nobody")), ("group", s("nogroup"))],
            ),
        ),
        case(
            prep("unzip -qo {A}/t.zip -d d && chown nobody:nogroup d/*"),
            un(
                "t.zip",
                vec![("owner", s("nobody")), ("group", s("nogroup"))],
            ),
        ),
        // extra_opts
        case(
            plain,
            un(
                "dir.tar.gz",
                vec![
                    ("extra_opts", list(&["--strip-components=1"])),
                    ("list_files", T),
                ],
            ),
        ),
        case(plain, un("dir.zip", vec![("extra_opts", list(&["-j"]))])),
        // check mode: tar refuses it, zip answers from its comparison
        case(plain, un("t.tar.gz", vec![])).check(),
        case(plain, un("t.zip", vec![])).check(),
        case(extracted_zip, un("t.zip", vec![])).check(),
        // FAT permissions (zip -k): 666/777 under the umask
        case(plain, un("fat.zip", vec![("list_files", T)])),
        case(prep("unzip -qo {A}/fat.zip -d d"), un("fat.zip", vec![])),
        // symlinks in the archive, and dest through a symlink
        case(plain, un("link.tar.gz", vec![("list_files", T)])),
        case(
            prep("tar xzf {A}/link.tar.gz -C d"),
            un("link.tar.gz", vec![]),
        ),
        case(plain, un("link.zip", vec![("list_files", T)])),
        case(prep("unzip -qo {A}/link.zip -d d"), un("link.zip", vec![])),
        case(
            prep("ln -s d ld"),
            vec![
                ("src", s(leak(format!("{arch}/t.tar.gz")))),
                ("dest", s("@/ld")),
                ("remote_src", T),
                ("mode", s("u+rwX,go+rX")),
            ],
        ),
        case(
            prep("touch f && ln -s f lf"),
            vec![
                ("src", s(leak(format!("{arch}/t.tar.gz")))),
                ("dest", s("@/lf")),
                ("remote_src", T),
                ("mode", s("u+rwX,go+rX")),
            ],
        ),
        // a dest whose name needs quoting, twice
        case(
            prep("mkdir 'q~root x'"),
            vec![
                ("src", s(leak(format!("{arch}/t.tar.gz")))),
                ("dest", s("@/q~root x")),
                ("remote_src", T),
            ],
        ),
        case(
            prep("mkdir 'q~root x' && tar xzf {A}/t.tar.gz -C 'q~root x'"),
            vec![
                ("src", s(leak(format!("{arch}/t.tar.gz")))),
                ("dest", s("@/q~root x")),
                ("remote_src", T),
            ],
        ),
        // the top folder gets the owner too
        case(
            plain,
            un(
                "dir.tar.gz",
                vec![
                    ("owner", s("nobody")),
                    ("group", s("nogroup")),
                    ("list_files", T),
                ],
            ),
        ),
        // names with `$` and `~` are not expanded when their mode is set
        case(
            plain,
            un(
                "dollar.tar.gz",
                vec![("mode", s("0600")), ("list_files", T)],
            ),
        ),
        // a member matched by two include patterns is listed twice
        case(
            plain,
            un(
                "inc.zip",
                vec![
                    ("include", list(&["include/*", "*.txt"])),
                    ("list_files", T),
                ],
            ),
        ),
        // io_buffer_size only sizes the CRC reads
        case(
            extracted_zip,
            un("t.zip", vec![("io_buffer_size", Value::Int(7))]),
        ),
        // modes the module cannot read
        case(extracted_zip, un("t.zip", vec![("mode", s("u+rwz"))])),
        case(plain, un("t.tar.gz", vec![("mode", s("u+rwz"))])),
        // a relative dest (resolved from the module's cwd) with its warning
        case(
            plain,
            vec![
                ("src", s(leak(format!("{arch}/t.tar.gz")))),
                ("dest", s("no-such-relative-dir")),
            ],
        ),
        // non-ASCII names
        case(plain, un("nonascii.tar.gz", vec![("list_files", T)])),
        case(plain, un("nonascii.zip", vec![("list_files", T)])),
        // bad sources and destinations
        case(plain, un("empty.tgz", vec![])),
        case(plain, un("nowhere.tgz", vec![])),
        case(
            plain,
            vec![
                ("src", s("@/nowhere.tgz")),
                ("dest", s("@/d")),
                ("remote_src", Value::Bool(false)),
            ],
        ),
        case(
            plain,
            vec![
                ("src", s(leak(format!("{arch}/t.tar.gz")))),
                ("dest", s(leak(format!("{arch}/bad.txt")))),
            ],
        ),
        case(
            plain,
            vec![
                ("src", s(leak(format!("{arch}/t.tar.gz")))),
                ("dest", s("@/missing")),
            ],
        ),
        case(plain, vec![("src", s(leak(format!("{arch}/t.tar.gz"))))]),
    ]
}

/// The archives, built once under `dir`.
fn make_archives(dir: &std::path::Path) -> String {
    let arch = dir.join("archives");
    std::fs::create_dir_all(&arch).expect("mkdir archives");
    let ok = std::process::Command::new("/bin/sh")
        .args(["-ec", ARCHIVES])
        .current_dir(&arch)
        .status()
        .expect("sh runs")
        .success();
    assert!(ok, "building the archives failed");
    arch.display().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unarchive_matches_ansible_core() {
    let pool = ref_pool();
    let ctx = pool.context(&local_spec(&[])).await.expect("connect");
    let dir = tempdir("unarchive");
    let arch = make_archives(&dir);
    let cases = cases(&arch);
    let failures = compare(&ctx, &dir.join("s"), &cases).await;
    parity::assert_all_match(&failures, cases.len());
    let _ = std::fs::remove_dir_all(&dir);
    pool.shutdown().await;
}

/// No handler reads the file: ansible lists each handler's reason once,
/// from a set (its order changes run to run), so the lines are compared
/// as sets and the rest of the result as it is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_handler_matches_ansible_core() {
    let pool = ref_pool();
    let ctx = pool.context(&local_spec(&[])).await.expect("connect");
    let dir = tempdir("unarchive-nohandler");
    let scratch = dir.join("s");
    std::fs::create_dir_all(scratch.join("d")).expect("mkdir");
    let bad = scratch.join("bad.txt");
    std::fs::write(&bad, "not an archive\n").expect("write");
    let mut results = Vec::new();
    for native in [true, false] {
        let call_args = args(&[
            ("src", s(&bad.display().to_string())),
            ("dest", s(&scratch.join("d").display().to_string())),
            ("remote_src", T),
        ]);
        let mut call = ModuleCall::new("unarchive", call_args);
        call.prefer_native = native;
        let mut result = ctx.run_module(call).await.expect("module runs");
        let msg = result.shift_remove("msg").map(|m| m.python_str());
        let mut lines: Vec<String> = msg
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect();
        lines.sort();
        results.push((result, lines));
    }
    let (native, real) = (&results[0], &results[1]);
    assert!(
        native
            .1
            .iter()
            .any(|l| l.contains("Failed to find handler")),
        "{:?}",
        native.1
    );
    assert_eq!(native.1, real.1, "msg lines differ");
    assert_eq!(native.0, real.0, "results differ");
    let _ = std::fs::remove_dir_all(&dir);
    pool.shutdown().await;
}

/// tests/fixtures/net/http_server.py serving `root` under /files/,
/// killed when dropped.
struct Server {
    child: std::process::Child,
    port: u16,
}

impl Server {
    fn start(root: &str) -> Server {
        use std::io::BufRead;
        let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/net/http_server.py");
        let mut child = std::process::Command::new(PYTHON)
            .arg(script)
            .arg(root)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::inherit())
            .spawn()
            .expect("start the test HTTP server");
        let mut line = String::new();
        let stdout = child.stdout.take().expect("server stdout");
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .expect("server port");
        let port = line.trim().parse().expect("server printed its port");
        Server { child, port }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A `remote_src` URL is downloaded first (fetch_file): the archive is
/// then handled as any other; download failures read as ansible's. The
/// download's temp path (in `src` and the command lines) is random.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn downloads_match_ansible_core() {
    let pool = ref_pool();
    let ctx = pool.context(&local_spec(&[])).await.expect("connect");
    let dir = tempdir("unarchive-url");
    let arch = make_archives(&dir);
    let server = Server::start(&arch);
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let url = |path: &str| Value::str(format!("http://127.0.0.1:{}{path}", server.port));
    let fetch = |src: Value, more: Vec<(&'static str, Value)>| {
        let mut args = vec![("dest", s("@/d")), ("remote_src", T)];
        args.extend(more);
        case(leak("umask 022; mkdir d".to_string()), args)
            .literal("src", src)
            .volatile(&["src", "cmd"])
    };
    let cases = vec![
        fetch(url("/files/t.tar.gz"), vec![("list_files", T)]),
        // unzip names the downloaded file in its output
        fetch(url("/files/t.zip"), vec![]).volatile(&["src", "cmd", "out"]),
        fetch(
            url("/files/dir.tar.gz"),
            vec![("validate_certs", Value::Bool(false))],
        ),
        fetch(url("/files/missing.tgz"), vec![]),
        fetch(
            Value::str(format!(
                "http://user:secret@127.0.0.1:{}/files/missing.tgz",
                server.port
            )),
            vec![],
        ),
        fetch(url("/files/bad.txt"), vec![]).volatile(&["src", "cmd", "msg"]),
        fetch(
            Value::str(format!("http://127.0.0.1:{closed}/files/t.tar.gz")),
            vec![],
        ),
    ];
    let failures = compare(&ctx, &dir.join("s"), &cases).await;
    parity::assert_all_match(&failures, cases.len());
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
    pool.shutdown().await;
}

/// An unprivileged user (become from root, no password): extraction
/// works; asking for another owner fails as ansible's handlers do
/// ("Cannot change ownership ..." for zip, tar's own refusal).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unprivileged_user_matches_ansible_core() {
    if !is_root() {
        eprintln!("skipped: needs root to create the test user");
        return;
    }
    const USER: &str = "mrtu_unarch";
    ensure_user(USER, "unused-pw-ua");
    let pool = ref_pool();
    let spec = local_spec(&[("ansible_become", "true"), ("ansible_become_user", USER)]);
    let ctx = pool.context(&spec).await.expect("connect");
    let dir = tempdir("unarchive-user");
    let arch = make_archives(&dir);
    let setup = leak(format!("umask 022; mkdir d && chown {USER} d"));
    let extracted = leak(format!(
        "umask 022; mkdir d && unzip -qo {arch}/t.zip -d d && chown -R {USER} d"
    ));
    let un = |src: &str, more: Vec<(&'static str, Value)>| {
        let mut a = vec![
            ("src", s(leak(format!("{arch}/{src}")))),
            ("dest", s("@/d")),
            ("remote_src", T),
        ];
        a.extend(more);
        case(setup, a)
    };
    let cases = vec![
        un("t.zip", vec![("list_files", T)]),
        un("t.tar.gz", vec![]),
        un("t.zip", vec![("owner", s("root"))]),
        un("t.zip", vec![("group", s("root"))]),
        un("t.tar.gz", vec![("owner", s("root"))]),
        un("dir.tar.gz", vec![("mode", s("0700"))]),
        // an extracted zip compared as a user who may not give it away:
        // the handler's UnarchiveError escapes the module
        case(
            extracted,
            vec![
                ("src", s(leak(format!("{arch}/t.zip")))),
                ("dest", s("@/d")),
                ("remote_src", T),
                ("owner", s("root")),
            ],
        ),
    ];
    let failures = compare(&ctx, &dir.join("s"), &cases).await;
    parity::assert_all_match(&failures, cases.len());
    let _ = std::fs::remove_dir_all(&dir);
    pool.shutdown().await;
}
