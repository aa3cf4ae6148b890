//! Parity of the native stat, file and tempfile modules with ansible-core
//! 2.19's (MITORUN_REF_BIN): same arguments, same result, same end state on
//! disk, including check mode and diff. Several cases follow ansible-core's
//! integration targets (test/integration/targets/{file,stat,tempfile}).

#[path = "common/parity.rs"]
mod parity;
#[path = "common/sshd.rs"]
mod sshd;
#[path = "common/transport.rs"]
mod tr;

use mitorun::value::Value;
use parity::{Case, compare, s};
use tr::*;

const STAT_VOLATILE: &[&str] = &["atime", "mtime", "ctime", "inode", "version"];
const TIME_VOLATILE: &[&str] = &["atime", "mtime"];

fn stat_cases() -> Vec<Case> {
    let p = |path: &'static str| vec![("path", s(path))];
    vec![
        Case::new("stat", "printf 'hello\\n' > f; chmod 640 f", p("@/f")),
        Case::new("stat", "", p("@/missing")),
        Case::new("stat", "mkdir d; chmod 2755 d", p("@/d")),
        Case::new("stat", "echo x > f; ln -s f l", p("@/l")),
        Case::new(
            "stat",
            "echo x > f; ln -s f l",
            vec![("path", s("@/l")), ("follow", Value::Bool(true))],
        ),
        Case::new("stat", "ln -s nowhere dangling", p("@/dangling")),
        Case::new("stat", "mkfifo p", p("@/p")),
        Case::new(
            "stat",
            "echo data > f",
            vec![
                ("path", s("@/f")),
                ("checksum_algorithm", s("sha256")),
                ("get_mime", Value::Bool(false)),
            ],
        ),
        Case::new(
            "stat",
            "echo data > f",
            vec![
                ("dest", s("@/f")),
                ("checksum", s("md5")),
                ("get_checksum", s("yes")),
                ("get_attributes", Value::Bool(false)),
            ],
        ),
        Case::new(
            "stat",
            "echo data > f",
            vec![("path", s("@/f")), ("checksum_algorithm", s("crc32"))],
        ),
        Case::new("stat", "", vec![("follow", Value::Bool(true))]),
        Case::new("stat", "echo x > f", p("@/f")).check(),
    ]
    .into_iter()
    .map(|c| c.volatile(STAT_VOLATILE))
    .collect()
}

fn file_cases() -> Vec<Case> {
    let mut v = vec![
        // state=file
        Case::new("file", "echo x > f", vec![("path", s("@/f"))]),
        Case::new(
            "file",
            "",
            vec![("path", s("@/missing")), ("state", s("file"))],
        ),
        Case::new(
            "file",
            "echo x > f; chmod 600 f",
            vec![("path", s("@/f")), ("mode", s("0644"))],
        )
        .diff(),
        Case::new(
            "file",
            "echo x > f; chmod 600 f",
            vec![("path", s("@/f")), ("mode", Value::Int(0o755))],
        )
        .check()
        .diff(),
        Case::new(
            "file",
            "echo x > f; chmod 600 f",
            vec![("path", s("@/f")), ("mode", s("u+x,g=r,o-rwx"))],
        ),
        Case::new(
            "file",
            "echo x > f",
            vec![("path", s("@/f")), ("mode", s("u=rwZ"))],
        ),
        Case::new(
            "file",
            "echo x > f",
            vec![("path", s("@/f")), ("owner", s("root")), ("group", s("0"))],
        ),
        Case::new(
            "file",
            "echo x > f",
            vec![("path", s("@/f")), ("owner", s("no-such-user-x"))],
        ),
        Case::new(
            "file",
            "echo x > f",
            vec![("path", s("@/f")), ("group", s("no-such-group-x"))],
        )
        .check(),
        Case::new(
            "file",
            "mkdir d",
            vec![("path", s("@/d")), ("state", s("file"))],
        ),
        // state=directory (integration: "create a directory", nested,
        // symbolic modes, recurse)
        Case::new(
            "file",
            "",
            vec![("path", s("@/a/b/c")), ("state", s("directory"))],
        )
        .diff(),
        Case::new(
            "file",
            "",
            vec![
                ("path", s("@/a/b")),
                ("state", s("directory")),
                ("mode", s("0700")),
            ],
        )
        .check()
        .diff(),
        Case::new(
            "file",
            "mkdir d",
            vec![
                ("path", s("@/d")),
                ("state", s("directory")),
                ("mode", s("u=rwx,g=rx,o=")),
            ],
        )
        .diff(),
        Case::new(
            "file",
            "echo x > f",
            vec![("path", s("@/f")), ("state", s("directory"))],
        ),
        Case::new(
            "file",
            "mkdir -p d/sub; echo x > d/sub/f; echo y > d/g; chmod 600 d/g; ln -s g d/l",
            vec![
                ("path", s("@/d")),
                ("state", s("directory")),
                ("recurse", Value::Bool(true)),
                ("mode", s("u=rwX,g=rX,o=rX")),
            ],
        ),
        Case::new(
            "file",
            "echo x > f",
            vec![("path", s("@/f")), ("recurse", Value::Bool(true))],
        ),
        Case::new(
            "file",
            "",
            vec![("path", s("@/new")), ("recurse", Value::Bool(true))],
        ),
        // state=touch
        Case::new("file", "", vec![("path", s("@/t")), ("state", s("touch"))])
            .diff()
            .volatile(TIME_VOLATILE),
        Case::new("file", "", vec![("path", s("@/t")), ("state", s("touch"))]).check(),
        Case::new(
            "file",
            "echo x > t",
            vec![
                ("path", s("@/t")),
                ("state", s("touch")),
                ("mode", s("0600")),
                ("modification_time", s("202001011200.00")),
                ("access_time", s("preserve")),
            ],
        )
        .diff()
        .volatile(TIME_VOLATILE),
        Case::new(
            "file",
            "echo x > t",
            vec![
                ("path", s("@/t")),
                ("state", s("touch")),
                ("modification_time", s("yesterday")),
            ],
        ),
        Case::new(
            "file",
            "echo x > f",
            vec![
                ("path", s("@/f")),
                ("access_time", s("202001011200.00")),
                ("modification_time", s("202001011200.00")),
            ],
        )
        .diff()
        .volatile(TIME_VOLATILE),
        // state=absent
        Case::new(
            "file",
            "mkdir -p d/e; echo x > d/e/f",
            vec![("path", s("@/d")), ("state", s("absent"))],
        )
        .diff(),
        Case::new(
            "file",
            "echo x > f",
            vec![("path", s("@/f")), ("state", s("absent"))],
        )
        .check()
        .diff(),
        Case::new(
            "file",
            "",
            vec![("path", s("@/nothing")), ("state", s("absent"))],
        ),
        // state=link
        Case::new(
            "file",
            "echo x > f",
            vec![("path", s("@/l")), ("src", s("f")), ("state", s("link"))],
        )
        .diff(),
        Case::new(
            "file",
            "echo x > f; ln -s f l",
            vec![("path", s("@/l")), ("src", s("f")), ("state", s("link"))],
        ),
        Case::new(
            "file",
            "echo x > f; echo y > g; ln -s f l",
            vec![("path", s("@/l")), ("src", s("@/g")), ("state", s("link"))],
        )
        .diff(),
        Case::new(
            "file",
            "",
            vec![
                ("path", s("@/l")),
                ("src", s("@/nowhere")),
                ("state", s("link")),
            ],
        ),
        Case::new(
            "file",
            "",
            vec![
                ("path", s("@/l")),
                ("src", s("@/nowhere")),
                ("state", s("link")),
                ("force", Value::Bool(true)),
            ],
        ),
        Case::new(
            "file",
            "echo x > f; echo y > g",
            vec![("path", s("@/g")), ("src", s("f")), ("state", s("link"))],
        ),
        Case::new(
            "file",
            "echo x > f; echo y > g",
            vec![
                ("path", s("@/g")),
                ("src", s("f")),
                ("state", s("link")),
                ("force", Value::Bool(true)),
            ],
        )
        .check(),
        Case::new(
            "file",
            "echo x > f; mkdir d",
            vec![
                ("path", s("@/d")),
                ("src", s("@/f")),
                ("state", s("link")),
                ("force", Value::Bool(true)),
            ],
        ),
        Case::new(
            "file",
            "echo x > f",
            vec![("path", s("@/l")), ("state", s("link"))],
        ),
        Case::new(
            "file",
            "echo x > f; chmod 600 f; ln -s f l",
            vec![("path", s("@/l")), ("mode", s("0640"))],
        ),
        Case::new(
            "file",
            "echo x > f; chmod 600 f; ln -s f l",
            vec![
                ("path", s("@/l")),
                ("mode", s("0640")),
                ("follow", Value::Bool(false)),
                ("state", s("link")),
            ],
        ),
        // state=hard
        Case::new(
            "file",
            "echo x > f",
            vec![("path", s("@/h")), ("src", s("@/f")), ("state", s("hard"))],
        )
        .diff(),
        Case::new(
            "file",
            "echo x > f; ln f h",
            vec![("path", s("@/h")), ("src", s("@/f")), ("state", s("hard"))],
        ),
        Case::new(
            "file",
            "echo x > f; echo y > h",
            vec![("path", s("@/h")), ("src", s("@/f")), ("state", s("hard"))],
        ),
        Case::new(
            "file",
            "echo x > f; echo y > h",
            vec![
                ("path", s("@/h")),
                ("src", s("@/f")),
                ("state", s("hard")),
                ("force", Value::Bool(true)),
            ],
        ),
        Case::new(
            "file",
            "",
            vec![
                ("path", s("@/h")),
                ("src", s("@/missing")),
                ("state", s("hard")),
            ],
        ),
        // argument errors
        Case::new("file", "", vec![("path", s("@/x")), ("state", s("bogus"))]),
        Case::new("file", "", vec![("state", s("file"))]),
        Case::new("file", "", vec![("path", s("@/x")), ("colour", s("blue"))]),
        Case::new(
            "file",
            "",
            vec![("path", s("@/x")), ("force", s("perhaps"))],
        ),
        Case::new(
            "file",
            "echo x > f",
            vec![("path", s("@/f")), ("src", s("@/f"))],
        ),
        Case::new(
            "file",
            "mkdir d",
            vec![
                ("path", s("@/d")),
                ("_original_basename", s("inner")),
                ("state", s("touch")),
            ],
        )
        .volatile(TIME_VOLATILE),
        Case::new(
            "file",
            "printf 'a\\0b' > bin",
            vec![("path", s("@/bin")), ("_diff_peek", Value::Bool(true))],
        ),
    ];
    // The diff key exists only with --diff; the same cases without it.
    v.push(
        Case::new(
            "file",
            "echo x > f; chmod 600 f",
            vec![("dest", s("@/f")), ("mode", s("0644"))],
        )
        .check(),
    );
    v
}

fn tempfile_cases() -> Vec<Case> {
    vec![
        Case::new(
            "tempfile",
            "",
            vec![("path", s("@")), ("prefix", s("tmpX"))],
        ),
        Case::new(
            "tempfile",
            "",
            vec![
                ("path", s("@")),
                ("prefix", s("tmpX")),
                ("suffix", s(".d")),
                ("state", s("directory")),
            ],
        ),
        Case::new("tempfile", "", vec![("path", s("@")), ("prefix", s("a/b"))]),
        Case::new(
            "tempfile",
            "",
            vec![("path", s("@/missing")), ("prefix", s("tmpX"))],
        ),
        Case::new("tempfile", "", vec![("path", s("@"))]).check(),
    ]
}

/// The copy module as ansible's copy action calls it: `src` is the file
/// the action uploaded (here `up/tmpsrc`, consumed by the move), with
/// `_original_basename` and the controller's checksum; or `remote_src`.
fn copy_cases() -> Vec<Case> {
    const UP: &str = "mkdir up; printf 'hello\\n' > up/tmpsrc";
    const HELLO_SHA1: &str = "f572d396fae9206628714fb2ce00f72e94f2258f";
    let up = |extra: Vec<(&'static str, Value)>| {
        let mut a = vec![
            ("src", s("@/up/tmpsrc")),
            ("_original_basename", s("foo.txt")),
        ];
        a.extend(extra);
        a
    };
    vec![
        Case::new("copy", UP, up(vec![("dest", s("@/out.txt"))])),
        Case::new(
            "copy",
            UP,
            up(vec![("dest", s("@/out.txt")), ("checksum", s(HELLO_SHA1))]),
        ),
        Case::new(
            "copy",
            UP,
            up(vec![("dest", s("@/out.txt")), ("checksum", s("0000"))]),
        ),
        Case::new(
            "copy",
            "mkdir up; printf 'hello\\n' > up/tmpsrc; printf 'hello\\n' > out.txt; chmod 640 out.txt",
            up(vec![("dest", s("@/out.txt"))]),
        ),
        Case::new(
            "copy",
            "mkdir up; printf 'hello\\n' > up/tmpsrc; echo old > out.txt; chmod 640 out.txt",
            up(vec![("dest", s("@/out.txt"))]),
        ),
        Case::new(
            "copy",
            "mkdir up; printf 'hello\\n' > up/tmpsrc; echo old > out.txt",
            up(vec![
                ("dest", s("@/out.txt")),
                ("backup", Value::Bool(true)),
            ]),
        ),
        Case::new(
            "copy",
            "mkdir up; printf 'hello\\n' > up/tmpsrc; echo old > out.txt",
            up(vec![
                ("dest", s("@/out.txt")),
                ("force", Value::Bool(false)),
            ]),
        ),
        Case::new(
            "copy",
            UP,
            up(vec![("dest", s("@/out.txt")), ("mode", s("0600"))]),
        ),
        Case::new(
            "copy",
            UP,
            up(vec![("dest", s("@/out.txt")), ("mode", s("u=rw,g=r,o="))]),
        ),
        Case::new(
            "copy",
            "mkdir up; printf 'hello\\n' > up/tmpsrc; chmod 751 up/tmpsrc",
            up(vec![("dest", s("@/out.txt")), ("mode", s("preserve"))]),
        ),
        Case::new(
            "copy",
            UP,
            up(vec![
                ("dest", s("@/out.txt")),
                ("owner", s("root")),
                ("group", s("root")),
            ]),
        ),
        // dest is a directory: with and without the trailing slash.
        Case::new(
            "copy",
            "mkdir up d; printf 'hello\\n' > up/tmpsrc",
            up(vec![("dest", s("@/d"))]),
        ),
        Case::new(
            "copy",
            UP,
            up(vec![
                ("dest", s("@/new/deeper/")),
                ("directory_mode", s("0750")),
            ]),
        ),
        Case::new("copy", UP, up(vec![("dest", s("@/new/deeper/"))])).check(),
        Case::new("copy", UP, up(vec![("dest", s("@/missing/out.txt"))])),
        Case::new("copy", UP, up(vec![("dest", s("@/out.txt"))])).check(),
        Case::new(
            "copy",
            "mkdir up; printf 'hello\\n' > up/tmpsrc; echo old > out.txt",
            up(vec![("dest", s("@/out.txt"))]),
        )
        .check(),
        // validate (integration: "validate with %s").
        Case::new(
            "copy",
            UP,
            up(vec![
                ("dest", s("@/out.txt")),
                ("validate", s("grep -q hello %s")),
            ]),
        ),
        Case::new(
            "copy",
            UP,
            up(vec![
                ("dest", s("@/out.txt")),
                ("validate", s("grep -q nothere %s")),
            ]),
        ),
        Case::new(
            "copy",
            UP,
            up(vec![("dest", s("@/out.txt")), ("validate", s("true"))]),
        ),
        // dest is a symlink.
        Case::new(
            "copy",
            "mkdir up; printf 'hello\\n' > up/tmpsrc; echo old > real; ln -s real link",
            up(vec![("dest", s("@/link"))]),
        ),
        Case::new(
            "copy",
            "mkdir up; printf 'hello\\n' > up/tmpsrc; echo old > real; ln -s real link",
            up(vec![("dest", s("@/link")), ("follow", Value::Bool(true))]),
        ),
        Case::new("copy", "", vec![("src", s("@/nope")), ("dest", s("@/x"))]),
        // remote_src: a file, a directory (with and without trailing
        // slash), into an existing tree.
        Case::new(
            "copy",
            "echo data > orig; chmod 604 orig",
            vec![
                ("src", s("@/orig")),
                ("dest", s("@/copy")),
                ("remote_src", Value::Bool(true)),
            ],
        ),
        Case::new(
            "copy",
            "mkdir -p sd/sub; echo a > sd/a; echo b > sd/sub/b; ln -s a sd/la",
            vec![
                ("src", s("@/sd")),
                ("dest", s("@/dd")),
                ("remote_src", Value::Bool(true)),
            ],
        ),
        Case::new(
            "copy",
            "mkdir -p sd/sub dd/sub; echo a > sd/a; echo b > sd/sub/b; echo c > sd/sub/c; echo old > dd/a; echo b > dd/sub/b",
            vec![
                ("src", s("@/sd/")),
                ("dest", s("@/dd")),
                ("remote_src", Value::Bool(true)),
            ],
        ),
        Case::new(
            "copy",
            "mkdir -p sd; echo a > sd/a",
            vec![
                ("src", s("@/sd/")),
                ("dest", s("@/dd")),
                ("remote_src", Value::Bool(true)),
            ],
        )
        .check(),
        Case::new(
            "copy",
            "mkfifo f",
            vec![
                ("src", s("@/f")),
                ("dest", s("@/g")),
                ("remote_src", Value::Bool(true)),
            ],
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copy_matches_ansible_core() {
    let pool = ref_pool();
    let ctx = pool.context(&local_spec(&[])).await.expect("connect");
    let dir = tempdir("native-copy");
    let cases = copy_cases();
    let failures = compare(&ctx, &dir.join("s"), &cases).await;
    parity::assert_all_match(&failures, cases.len());
    let _ = std::fs::remove_dir_all(&dir);
    pool.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stat_file_tempfile_match_ansible_core() {
    let pool = ref_pool();
    let ctx = pool.context(&local_spec(&[])).await.expect("connect");
    let dir = tempdir("native-file");
    let scratch = dir.join("s");
    let mut failures = Vec::new();
    let mut n = 0;
    for cases in [stat_cases(), file_cases(), tempfile_cases()] {
        n += cases.len();
        failures.extend(compare(&ctx, &scratch, &cases).await);
    }
    parity::assert_all_match(&failures, n);
    let _ = std::fs::remove_dir_all(&dir);
    pool.shutdown().await;
}
