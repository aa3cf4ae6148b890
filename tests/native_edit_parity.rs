//! Parity of the native lineinfile, blockinfile, replace and find modules
//! with ansible-core 2.19's (MITORUN_REF_BIN): same arguments, same result
//! (changed, failed, msg, diff with its headers, backup presence, warnings,
//! invocation) and the same end state on disk, in normal and check mode.
//! The cases follow ansible-core's integration targets
//! (test/integration/targets/{lineinfile,blockinfile,replace,find}).

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

fn int(n: i64) -> Value {
    Value::Int(n)
}

fn list(items: &[&str]) -> Value {
    Value::List(items.iter().map(|i| s(i)).collect())
}

/// The lineinfile target's files/test.txt.
const TEST_TXT: &str = "printf 'This is line 1\\nThis is line 2\\nREF this is a line for backrefs REF\\nThis is line 4\\nThis is line 5\\n' > test.txt";
const TEST_CONF: &str =
    "printf '[section_one]\\n\\n[section_two]\\n\\n[section_three]\\n' > test.conf";
const MULTIPLE: &str = "printf 'This is line 1\\n\\nThis is line 2\\n\\nThis is line 3\\n\\nThis is line 4\\n' > m.txt";
const FIRSTMATCH: &str = "printf 'line1\\nline1\\nline1\\nline2\\nline3\\n' > fm.txt";
const T58923: &str = "printf '#!/bin/sh\\n\\ncase \"`uname`\" in\\n  Darwin*) if [ -z \"$JAVA_HOME\" ] ; then\\n' > t.sh";
const FISHEYE: &str = "export FISHEYE_OPTS=\"-Xmx4096m -Xms2048m\"";

fn lineinfile_cases() -> Vec<Case> {
    let li = |args: Vec<(&'static str, Value)>| {
        let mut a = vec![("path", s("@/test.txt"))];
        a.extend(args);
        a
    };
    vec![
        // create a missing file (and its dir) with diff
        Case::new(
            "lineinfile",
            "",
            vec![
                ("dest", s("@/a/a.txt")),
                ("state", s("present")),
                ("line", s("First line")),
                ("create", T),
            ],
        )
        .diff(),
        Case::new(
            "lineinfile",
            "",
            vec![
                ("path", s("@/nowhere/x.txt")),
                ("line", s("Doesn't matter")),
            ],
        ),
        Case::new(
            "lineinfile",
            TEST_TXT,
            li(vec![
                ("line", s("Doesn't matter")),
                ("validate", s("/some/path")),
            ]),
        ),
        Case::new(
            "lineinfile",
            TEST_TXT,
            li(vec![
                ("line", s("New line at the beginning")),
                ("insertbefore", s("BOF")),
                ("backup", T),
            ]),
        ),
        Case::new(
            "lineinfile",
            "printf 'New line at the beginning\\nThis is line 1\\n' > test.txt",
            li(vec![
                ("line", s("New line at the beginning")),
                ("insertbefore", s("BOF")),
            ]),
        ),
        Case::new(
            "lineinfile",
            TEST_TXT,
            li(vec![
                ("line", s("New line at the end")),
                ("insertafter", s("EOF")),
            ]),
        ),
        Case::new(
            "lineinfile",
            TEST_TXT,
            li(vec![
                ("line", s("New line after line 1")),
                ("insertafter", s("^This is line 1$")),
            ]),
        )
        .diff(),
        Case::new(
            "lineinfile",
            TEST_TXT,
            li(vec![
                ("line", s("New line before line 5")),
                ("insertbefore", s("^This is line 5$")),
            ]),
        ),
        Case::new(
            "lineinfile",
            TEST_TXT,
            li(vec![
                ("line", s("This is line 3")),
                ("backrefs", T),
                ("regexp", s("^(REF) .* \\1$")),
            ]),
        ),
        Case::new(
            "lineinfile",
            TEST_TXT,
            li(vec![
                ("line", s("nothing")),
                ("backrefs", T),
                ("regexp", s("^(XX) .*$")),
            ]),
        ),
        Case::new(
            "lineinfile",
            TEST_TXT,
            li(vec![
                ("line", s("New \\1 created with the backref")),
                ("backrefs", T),
                ("regexp", s("^This is (line 4)$")),
            ]),
        ),
        Case::new(
            "lineinfile",
            TEST_TXT,
            li(vec![
                ("line", s("\\g<name> again")),
                ("backrefs", s("yes")),
                ("regex", s("^This is (?P<name>line 2)$")),
            ]),
        ),
        Case::new(
            "lineinfile",
            TEST_TXT,
            li(vec![
                ("state", s("absent")),
                ("regexp", s("^This is line 3$")),
            ]),
        ),
        Case::new(
            "lineinfile",
            TEST_TXT,
            li(vec![
                ("state", s("absent")),
                ("regexp", s("^This is line")),
                ("backup", T),
            ]),
        )
        .diff(),
        Case::new(
            "lineinfile",
            TEST_TXT,
            li(vec![
                ("state", s("absent")),
                ("regexp", s("^This is line 5$")),
                ("validate", s("true %s")),
            ]),
        ),
        Case::new(
            "lineinfile",
            TEST_TXT,
            li(vec![
                ("state", s("absent")),
                ("regexp", s("^This is line 1$")),
                ("validate", s("/bin/false %s")),
            ]),
        ),
        // a validator that cannot run (the command line names the
        // random temp file, so `cmd` is not compared)
        Case::new(
            "lineinfile",
            TEST_TXT,
            li(vec![
                ("line", s("x")),
                ("validate", s("no-such-validator-x %s")),
            ]),
        )
        .volatile(&["cmd"]),
        Case::new(
            "lineinfile",
            TEST_TXT,
            li(vec![("line", s("x")), ("owner", s("no-such-user-x"))]),
        ),
        Case::new(
            "lineinfile",
            TEST_TXT,
            li(vec![("state", s("absent")), ("search_string", s("line 4"))]),
        ),
        Case::new(
            "lineinfile",
            TEST_TXT,
            li(vec![("state", s("absent")), ("line", s("This is line 2"))]),
        ),
        Case::new(
            "lineinfile",
            "",
            vec![
                ("path", s("@/missing.txt")),
                ("state", s("absent")),
                ("line", s("x")),
            ],
        ),
        Case::new(
            "lineinfile",
            "",
            vec![
                ("dest", s("@/new_test.txt")),
                ("create", T),
                ("insertbefore", s("BOF")),
                ("line", s("This is a new file")),
            ],
        ),
        // no newline at the end; empty file; a line with \n
        Case::new(
            "lineinfile",
            "printf 'This is line 1\\nThis is line 2' > test.txt",
            li(vec![
                ("line", s("New line at the end")),
                ("insertafter", s("EOF")),
            ]),
        ),
        Case::new(
            "lineinfile",
            ": > test.txt",
            li(vec![
                ("line", s("New line at the end")),
                ("insertafter", s("EOF")),
            ]),
        ),
        Case::new(
            "lineinfile",
            TEST_TXT,
            li(vec![("line", s("This is a line\nwith \\n character"))]),
        ),
        Case::new(
            "lineinfile",
            ": > test.txt",
            li(vec![("line", s("'foo'")), ("insertbefore", s("BOF"))]),
        ),
        // insertafter/insertbefore with the same line (issue 28721)
        Case::new(
            "lineinfile",
            MULTIPLE,
            vec![
                ("dest", s("@/m.txt")),
                ("insertafter", s("1")),
                ("line", s("bar")),
            ],
        ),
        Case::new(
            "lineinfile",
            "printf 'This is line 1\\nbar\\n\\nThis is line 2\\n' > m.txt",
            vec![
                ("dest", s("@/m.txt")),
                ("insertafter", s("2")),
                ("line", s("bar")),
            ],
        ),
        Case::new(
            "lineinfile",
            MULTIPLE,
            vec![
                ("dest", s("@/m.txt")),
                ("insertbefore", s("2")),
                ("line", s("bar")),
            ],
        ),
        Case::new(
            "lineinfile",
            "printf 'This is line 1\\n\\nbar\\nThis is line 2\\n' > m.txt",
            vec![
                ("dest", s("@/m.txt")),
                ("insertbefore", s("1")),
                ("line", s("bar")),
            ],
        ),
        // regexp with insertafter/insertbefore (issue 36156)
        Case::new(
            "lineinfile",
            TEST_CONF,
            vec![
                ("dest", s("@/test.conf")),
                ("regexp", s("option_one=")),
                ("line", s("option_one=1")),
                ("insertafter", s("section_one")),
            ],
        ),
        Case::new(
            "lineinfile",
            TEST_CONF,
            vec![
                ("dest", s("@/test.conf")),
                ("regexp", s("option_one=")),
                ("line", s("option_one=1")),
                ("insertbefore", s("section_three")),
            ],
        ),
        Case::new(
            "lineinfile",
            "printf '[section_one]\\noption_one=1\\n\\n[section_two]\\n' > test.conf",
            vec![
                ("dest", s("@/test.conf")),
                ("line", s("option_one=1")),
                ("insertafter", s("section_two")),
            ],
        ),
        Case::new(
            "lineinfile",
            ": > e.txt",
            vec![
                ("path", s("@/e.txt")),
                ("line", s("top")),
                ("insertbefore", s("^not in the file$")),
            ],
        ),
        Case::new(
            "lineinfile",
            "printf 'top\\n' > e.txt",
            vec![
                ("path", s("@/e.txt")),
                ("line", s("top")),
                ("insertbefore", s("^not in the file$")),
            ],
        ),
        Case::new(
            "lineinfile",
            "printf 'a\\ntop\\n' > e.txt",
            vec![
                ("path", s("@/e.txt")),
                ("line", s("top")),
                ("insertbefore", s("^a$")),
            ],
        ),
        // empty regexp / search string: warning (issue 29443)
        Case::new(
            "lineinfile",
            TEST_TXT,
            li(vec![("regexp", s("")), ("line", s("This is line 6"))]),
        ),
        Case::new(
            "lineinfile",
            TEST_TXT,
            li(vec![
                ("search_string", s("")),
                ("line", s("This is line 6")),
            ]),
        ),
        Case::new(
            "lineinfile",
            TEST_TXT,
            li(vec![
                ("search_string", s("REF this")),
                ("line", s("replaced literally")),
            ]),
        ),
        // firstmatch (issue 58923)
        Case::new(
            "lineinfile",
            FIRSTMATCH,
            vec![
                ("path", s("@/fm.txt")),
                ("line", s("INSERT")),
                ("insertafter", s("line1")),
                ("firstmatch", T),
            ],
        ),
        Case::new(
            "lineinfile",
            "printf 'line1\\nINSERT\\nline1\\nline1\\n' > fm.txt",
            vec![
                ("path", s("@/fm.txt")),
                ("line", s("INSERT")),
                ("insertafter", s("line1")),
                ("firstmatch", T),
            ],
        ),
        Case::new(
            "lineinfile",
            FIRSTMATCH,
            vec![
                ("path", s("@/fm.txt")),
                ("line", s("INSERT")),
                ("insertbefore", s("line1")),
            ],
        ),
        Case::new(
            "lineinfile",
            T58923,
            vec![
                ("path", s("@/t.sh")),
                ("insertafter", s("^#!/bin/sh")),
                ("regexp", s("^export FISHEYE_OPTS")),
                ("firstmatch", T),
                ("line", s(FISHEYE)),
            ],
        ),
        Case::new(
            "lineinfile",
            T58923,
            vec![
                ("path", s("@/t.sh")),
                ("insertbefore", s("^#!/bin/sh")),
                ("firstmatch", T),
                ("line", s(FISHEYE)),
            ],
        ),
        Case::new(
            "lineinfile",
            T58923,
            vec![
                ("path", s("@/t.sh")),
                (
                    "insertbefore",
                    s("  Darwin\\*\\) if \\[ -z \\\"\\$JAVA_HOME\\\" \\] ; then"),
                ),
                ("firstmatch", T),
                ("line", s(FISHEYE)),
            ],
        ),
        Case::new(
            "lineinfile",
            T58923,
            vec![
                ("path", s("@/t.sh")),
                ("insertafter", s("^#!/bin/sh")),
                ("search_string", s("export FISHEYE_OPTS")),
                ("firstmatch", T),
                ("line", s(FISHEYE)),
            ],
        ),
        // line ending handling, undecodable bytes, symlinks
        Case::new(
            "lineinfile",
            "printf 'one\\r\\ntwo\\r\\n' > test.txt",
            li(vec![("line", s("two"))]),
        )
        .diff(),
        Case::new(
            "lineinfile",
            // (no diff: mitorun's controller cannot yet parse the lone
            // surrogates such a diff carries, for either module)
            "printf 'caf\\351\\nx\\n' > test.txt",
            li(vec![("regexp", s("^x")), ("line", s("y"))]),
        ),
        Case::new(
            "lineinfile",
            "printf 'a\\n' > real.txt; ln -s real.txt link.txt",
            vec![("path", s("@/link.txt")), ("line", s("b"))],
        ),
        // check mode and diff
        Case::new(
            "lineinfile",
            TEST_TXT,
            li(vec![("line", s("checked")), ("insertafter", s("line 2"))]),
        )
        .check()
        .diff(),
        Case::new(
            "lineinfile",
            "",
            vec![
                ("path", s("@/sub/new.txt")),
                ("line", s("x")),
                ("create", T),
                ("backup", T),
            ],
        )
        .check()
        .diff(),
        Case::new(
            "lineinfile",
            TEST_TXT,
            li(vec![("state", s("absent")), ("regexp", s("line 1"))]),
        )
        .check(),
        // file attributes with and without a content change
        Case::new(
            "lineinfile",
            "printf 'a\\n' > test.txt; chmod 644 test.txt",
            li(vec![("line", s("b")), ("mode", s("0600"))]),
        )
        .diff(),
        Case::new(
            "lineinfile",
            "printf 'a\\n' > test.txt; chmod 644 test.txt",
            li(vec![
                ("line", s("a")),
                ("mode", s("u=rw,g=,o=")),
                ("owner", s("root")),
            ]),
        )
        .diff(),
        Case::new(
            "lineinfile",
            "printf 'a\\n' > test.txt",
            li(vec![("line", s("a")), ("unsafe_writes", T)]),
        ),
        // failures before any work
        Case::new(
            "lineinfile",
            "mkdir d",
            vec![("path", s("@/d")), ("line", s("x"))],
        ),
        Case::new("lineinfile", TEST_TXT, li(vec![("regexp", s("x"))])),
        Case::new(
            "lineinfile",
            TEST_TXT,
            li(vec![("backrefs", T), ("line", s("x"))]),
        ),
        Case::new("lineinfile", TEST_TXT, li(vec![("state", s("absent"))])),
        Case::new(
            "lineinfile",
            TEST_TXT,
            li(vec![
                ("line", s("x")),
                ("insertafter", s("a")),
                ("insertbefore", s("b")),
            ]),
        ),
        Case::new(
            "lineinfile",
            TEST_TXT,
            li(vec![
                ("line", s("x")),
                ("regexp", s("a")),
                ("search_string", s("b")),
                ("backrefs", T),
            ]),
        ),
        Case::new(
            "lineinfile",
            TEST_TXT,
            li(vec![("line", s("x")), ("bogus", s("1"))]),
        ),
        Case::new(
            "lineinfile",
            TEST_TXT,
            li(vec![("line", s("x")), ("state", s("gone"))]),
        ),
        Case::new(
            "lineinfile",
            TEST_TXT,
            vec![
                ("path", s("@/test.txt")),
                ("dest", s("@/test.txt")),
                ("value", s("x")),
            ],
        ),
        Case::new(
            "lineinfile",
            TEST_TXT,
            li(vec![("line", s("x")), ("regexp", s("("))]),
        ),
    ]
}

const SSHD: &str = "printf 'Port 22\\nPermitRootLogin no\\n' > sshd_config";
const LINES3: &str = "printf 'line1\\nline2\\nline3\\n' > f.txt";
const BLOCK: &str = "Match User ansible-agent\nPasswordAuthentication no\n";
const LISTENER: &str = "printf 'SID_LIST_LISTENER_DG =\\n  (SID_LIST =\\n    (SID_DESC =\\n      (GLOBAL_DBNAME = DB)\\n    )\\n  )\\n' > l.ora";

fn blockinfile_cases() -> Vec<Case> {
    let bf = |args: Vec<(&'static str, Value)>| {
        let mut a = vec![("path", s("@/f.txt"))];
        a.extend(args);
        a
    };
    vec![
        Case::new(
            "blockinfile",
            SSHD,
            vec![
                ("path", s("@/sshd_config")),
                ("block", s(BLOCK)),
                ("backup", T),
            ],
        )
        .diff(),
        Case::new(
            "blockinfile",
            "printf 'Port 22\\n# BEGIN ANSIBLE MANAGED BLOCK\\nMatch User ansible-agent\\nPasswordAuthentication no\\n# END ANSIBLE MANAGED BLOCK\\n' > sshd_config",
            vec![("path", s("@/sshd_config")), ("block", s(BLOCK))],
        ),
        Case::new(
            "blockinfile",
            "printf 'Port 22\\n# BEGIN ANSIBLE MANAGED BLOCK\\nold\\n# END ANSIBLE MANAGED BLOCK\\ntail\\n' > sshd_config",
            vec![
                ("path", s("@/sshd_config")),
                ("block", s(BLOCK)),
                ("backup", T),
            ],
        )
        .diff(),
        // append_newline / prepend_newline
        Case::new(
            "blockinfile",
            LINES3,
            bf(vec![
                ("append_newline", T),
                ("insertafter", s("line1")),
                ("block", s("line1.5\n")),
            ]),
        ),
        Case::new(
            "blockinfile",
            "printf 'line1\\n# BEGIN ANSIBLE MANAGED BLOCK\\nline1.5\\n# END ANSIBLE MANAGED BLOCK\\n\\nline2\\n' > f.txt",
            bf(vec![
                ("append_newline", T),
                ("insertafter", s("line1")),
                ("block", s("line1.5\n")),
            ]),
        ),
        Case::new(
            "blockinfile",
            LINES3,
            bf(vec![
                ("marker", s("#{mark} UNWRAPPED TEXT")),
                ("insertafter", s("line2")),
                ("block", s("line2.5\n")),
            ]),
        ),
        Case::new(
            "blockinfile",
            "printf 'line1\\nline2\\n#BEGIN UNWRAPPED TEXT\\nline2.5\\n#END UNWRAPPED TEXT\\nline3\\n' > f.txt",
            bf(vec![
                ("append_newline", T),
                ("marker", s("#{mark} UNWRAPPED TEXT")),
                ("insertafter", s("line2")),
                ("block", s("line2.5\n")),
            ]),
        ),
        Case::new(
            "blockinfile",
            LINES3,
            bf(vec![
                ("append_newline", T),
                ("marker", s("#{mark} END OF FILE TEXT")),
                ("insertafter", s("line3")),
                ("block", s("line3.5\n")),
            ]),
        ),
        Case::new(
            "blockinfile",
            LINES3,
            bf(vec![
                ("prepend_newline", T),
                ("insertbefore", s("line1")),
                ("block", s("line0.5\n")),
            ]),
        ),
        Case::new(
            "blockinfile",
            LINES3,
            bf(vec![
                ("prepend_newline", T),
                ("marker", s("#{mark} WRAPPED TEXT")),
                ("insertafter", s("line1")),
                ("block", s("line1.5\n")),
            ]),
        ),
        Case::new(
            "blockinfile",
            "printf 'line1\\n\\n#BEGIN WRAPPED TEXT\\nline1.5\\n#END WRAPPED TEXT\\nline2\\n' > f.txt",
            bf(vec![
                ("prepend_newline", T),
                ("marker", s("#{mark} WRAPPED TEXT")),
                ("insertafter", s("line1")),
                ("block", s("line1.5\n")),
            ]),
        ),
        // blocks without / files without a trailing newline
        Case::new(
            "blockinfile",
            "",
            bf(vec![("create", T), ("content", s("one\ntwo\nthree"))]),
        ),
        Case::new(
            "blockinfile",
            "printf 'one' > f.txt",
            bf(vec![("content", s("one\ntwo\nthree\n"))]),
        ),
        // create: a file, a dir, an impossible dir, absent with create
        Case::new(
            "blockinfile",
            "",
            vec![
                ("path", s("@/sub/dir/f.txt")),
                ("block", s("Hey\nthere\n")),
                ("create", T),
            ],
        )
        .diff(),
        Case::new(
            "blockinfile",
            ": > plain",
            vec![
                ("path", s("@/plain/sub/f.txt")),
                ("block", s("x\n")),
                ("create", T),
            ],
        ),
        Case::new(
            "blockinfile",
            "printf '# BEGIN ANSIBLE MANAGED BLOCK\\nHey\\nthere\\n# END ANSIBLE MANAGED BLOCK\\n' > f.txt",
            bf(vec![
                ("block", s("Hey\nthere\n")),
                ("state", s("absent")),
                ("create", T),
            ]),
        )
        .diff(),
        Case::new(
            "blockinfile",
            "",
            bf(vec![("state", s("absent")), ("create", T)]),
        ),
        Case::new("blockinfile", "", bf(vec![("block", s("x"))])),
        Case::new(
            "blockinfile",
            "",
            bf(vec![("block", s("x")), ("create", T)]),
        )
        .check()
        .diff(),
        Case::new(
            "blockinfile",
            LINES3,
            bf(vec![("block", s("x")), ("backup", T)]),
        )
        .check()
        .diff(),
        // insertafter / insertbefore, BOF/EOF, multiline anchors
        Case::new(
            "blockinfile",
            LINES3,
            bf(vec![
                ("insertafter", s("line2")),
                ("block", s("block1\nblock2\n")),
            ]),
        ),
        Case::new(
            "blockinfile",
            LINES3,
            bf(vec![
                ("insertbefore", s("line2")),
                ("block", s("block1\nblock2\n")),
            ]),
        ),
        Case::new(
            "blockinfile",
            LINES3,
            bf(vec![("insertbefore", s("BOF")), ("block", s("top\n"))]),
        ),
        Case::new(
            "blockinfile",
            LINES3,
            bf(vec![("insertafter", s("nomatch")), ("block", s("b\n"))]),
        ),
        Case::new(
            "blockinfile",
            LISTENER,
            vec![
                ("path", s("@/l.ora")),
                ("block", s("      (SID_DESC = (SID_NAME = DB1))")),
                ("insertafter", s("(?m)SID_LIST_LISTENER_DG =\\n.*\\(SID_LIST =")),
                ("marker", s("    <!-- {mark} ANSIBLE MANAGED BLOCK 1-->")),
            ],
        )
        .diff(),
        Case::new(
            "blockinfile",
            LISTENER,
            vec![
                ("path", s("@/l.ora")),
                ("block", s("x")),
                ("insertafter", s("SID_LIST_LISTENER_DG =\\n.*\\(SID_LIST =")),
                ("marker", s("    <!-- {mark} ANSIBLE MANAGED BLOCK 2-->")),
            ],
        ),
        Case::new(
            "blockinfile",
            LISTENER,
            vec![
                ("path", s("@/l.ora")),
                ("block", s("x")),
                ("insertbefore", s("(?m)^  \\(SID_LIST")),
            ],
        ),
        // markers, removal, line endings
        Case::new(
            "blockinfile",
            LINES3,
            bf(vec![
                ("block", s("b\n")),
                ("marker", s("// {mark}")),
                ("marker_begin", s("start")),
                ("marker_end", s("stop")),
            ]),
        ),
        Case::new(
            "blockinfile",
            "printf 'a\\n# BEGIN ANSIBLE MANAGED BLOCK\\nb\\n# END ANSIBLE MANAGED BLOCK\\nc\\n' > f.txt",
            bf(vec![("state", s("absent"))]),
        )
        .diff(),
        Case::new(
            "blockinfile",
            "printf 'a\\n# BEGIN ANSIBLE MANAGED BLOCK\\nb\\n# END ANSIBLE MANAGED BLOCK\\nc\\n' > f.txt",
            bf(vec![("block", s(""))]),
        ),
        Case::new(
            "blockinfile",
            "printf 'a\\n# END ANSIBLE MANAGED BLOCK\\nb\\n# BEGIN ANSIBLE MANAGED BLOCK\\nc\\n' > f.txt",
            bf(vec![("block", s("new\n"))]),
        ),
        Case::new(
            "blockinfile",
            "printf 'dos\\r\\n' > f.txt",
            bf(vec![("block", s("dos\r\ndos\r\ndos\r\n"))]),
        ),
        // validate
        Case::new(
            "blockinfile",
            "",
            bf(vec![
                ("block", s("line1\nline2\n")),
                ("create", T),
                ("validate", s("grep")),
            ]),
        ),
        Case::new(
            "blockinfile",
            "",
            bf(vec![
                ("block", s("line1\nline2\n")),
                ("create", T),
                ("validate", s("grep -q line47 %s")),
            ]),
        ),
        Case::new(
            "blockinfile",
            "",
            bf(vec![
                ("block", s("line1\nline2\n")),
                ("create", T),
                ("validate", s("grep -q line1 %s")),
            ]),
        ),
        // attributes, symlinks, errors
        Case::new(
            "blockinfile",
            "printf 'x\\n' > f.txt; chmod 640 f.txt",
            bf(vec![("block", s("b\n")), ("mode", s("0600"))]),
        )
        .diff(),
        Case::new(
            "blockinfile",
            "printf 'x\\n' > real; ln -s real link",
            vec![("path", s("@/link")), ("block", s("b\n"))],
        ),
        Case::new(
            "blockinfile",
            "mkdir d",
            vec![("path", s("@/d")), ("block", s("b\n"))],
        ),
        Case::new(
            "blockinfile",
            LINES3,
            bf(vec![
                ("block", s("b\n")),
                ("insertafter", s("a")),
                ("insertbefore", s("b")),
            ]),
        ),
    ]
}

const PANGRAMS: &str = "printf 'The quick brown fox jumps over the lazy dog.\\nWe promptly judged antique ivory buckles for the next prize.\\nJinxed wizards pluck ivy from the big quilt.\\nJaded zombies acted quaintly but kept driving their oxen forward.' > p.txt";
const ADDRESSES: &str = "printf '# start of group\\n0.0.0.0\\n127.0.0.1\\n127.0.1.1\\n# end of group\\n\\n# start of group\\n0.0.0.0\\n127.0.0.1\\n127.0.1.1\\n# end of group\\n' > addr.txt";

fn replace_cases() -> Vec<Case> {
    let rp = |args: Vec<(&'static str, Value)>| {
        let mut a = vec![("path", s("@/p.txt"))];
        a.extend(args);
        a
    };
    vec![
        Case::new(
            "replace",
            PANGRAMS,
            rp(vec![("before", s("quilt")), ("regexp", s(" "))]),
        ),
        Case::new(
            "replace",
            PANGRAMS,
            rp(vec![("after", s("promptly")), ("regexp", s(" "))]),
        ),
        Case::new(
            "replace",
            PANGRAMS,
            rp(vec![
                ("before", s("promptly")),
                ("after", s("quilt")),
                ("regexp", s("e")),
                ("replace", s("3")),
            ]),
        ),
        Case::new(
            "replace",
            PANGRAMS,
            rp(vec![
                ("before", s("quilt")),
                ("after", s("promptly")),
                ("regexp", s("e")),
                ("replace", s("3")),
            ]),
        )
        .diff(),
        Case::new(
            "replace",
            PANGRAMS,
            rp(vec![
                ("regexp", s("^([\\S\\s]+)$")),
                ("replace", s("\"\\1\"")),
            ]),
        ),
        Case::new(
            "replace",
            PANGRAMS,
            rp(vec![("regexp", s("^(.+)$")), ("replace", s("\"\\1\""))]),
        )
        .diff(),
        Case::new(
            "replace",
            PANGRAMS,
            rp(vec![("regexp", s("\\b(.+)\\b")), ("replace", s("\"\\1\""))]),
        ),
        Case::new(
            "replace",
            PANGRAMS,
            rp(vec![
                ("regexp", s("\\\\b(.+)\\\\b")),
                ("replace", s("\"\\1\"")),
            ]),
        ),
        Case::new(
            "replace",
            PANGRAMS,
            rp(vec![
                ("regexp", s("^(.+)$")),
                ("replace", s("\"\\1\"")),
                ("backup", T),
            ]),
        ),
        Case::new("replace", "", rp(vec![("regexp", s("^(.+)$"))])),
        Case::new(
            "replace",
            "mkdir d",
            vec![("path", s("@/d")), ("regexp", s("^(.+)$"))],
        ),
        Case::new(
            "replace",
            ADDRESSES,
            vec![
                ("path", s("@/addr.txt")),
                ("after", s("# start of group")),
                ("before", s("# end of group")),
                ("regexp", s("0")),
                ("replace", s("9")),
            ],
        ),
        Case::new(
            "replace",
            ": > empty",
            vec![
                ("path", s("@/empty")),
                ("after", s("^")),
                ("before", s("$")),
                ("regexp", s("\\.")),
                ("replace", s("\\D")),
            ],
        ),
        Case::new(
            "replace",
            PANGRAMS,
            rp(vec![("regexp", s("nomatch")), ("replace", s("x"))]),
        )
        .diff(),
        Case::new(
            "replace",
            PANGRAMS,
            rp(vec![("regexp", s("dog")), ("replace", s("dog"))]),
        ),
        Case::new(
            "replace",
            PANGRAMS,
            rp(vec![("regexp", s("fox")), ("replace", s("cat"))]),
        )
        .check()
        .diff(),
        Case::new(
            "replace",
            "printf 'caf\\351 cr\\350me\\n' > l1.txt",
            vec![
                ("path", s("@/l1.txt")),
                ("regexp", s("café")),
                ("replace", s("thé €")),
                ("encoding", s("latin-1")),
            ],
        )
        .diff(),
        Case::new(
            "replace",
            "printf 'caf\\351\\n' > u.txt",
            vec![
                ("path", s("@/u.txt")),
                ("regexp", s("caf")),
                ("replace", s("CAF")),
            ],
        ),
        Case::new(
            "replace",
            PANGRAMS,
            rp(vec![("regexp", s("(")), ("replace", s("x"))]),
        ),
        Case::new(
            "replace",
            PANGRAMS,
            rp(vec![
                ("regexp", s("fox")),
                ("replace", s("cat")),
                ("validate", s("grep -q cat %s")),
            ]),
        ),
        Case::new(
            "replace",
            PANGRAMS,
            rp(vec![
                ("regexp", s("fox")),
                ("replace", s("cat")),
                ("validate", s("grep -q fox %s")),
            ]),
        ),
        Case::new(
            "replace",
            "printf 'a\\n' > p.txt; chmod 644 p.txt",
            rp(vec![("regexp", s("zzz")), ("mode", s("0600"))]),
        ),
        Case::new(
            "replace",
            "printf 'a\\n' > real; ln -s real p.txt",
            rp(vec![("regexp", s("a")), ("replace", s("b"))]),
        ),
        Case::new("replace", PANGRAMS, rp(vec![("replace", s("x"))])),
        Case::new(
            "replace",
            PANGRAMS,
            rp(vec![("regexp", s("x")), ("encoding", s("no-such-codec"))]),
        ),
    ]
}

/// The find target's tree: directories, files of several kinds, a GBK
/// file, hidden files, old and new timestamps, modes, links.
const TREE: &str = "mkdir -p a/b/c/d e/f/g/h; \
    for f in a/1.txt a/b/2.jpg a/b/c/3.wav a/b/c/d/4.xml e/5.json e/f/6.swp e/f/g/7.img e/f/g/h/8.ogg; do echo data > $f; done; \
    printf 'this is a file that has\\na few lines in it\\n' > a.txt; \
    printf '01/01- OK\\n01/02- OK\\n01/03- KO\\n01/04- OK' > log.txt; \
    printf '\\304\\343\\272\\303\\312\\300\\275\\347\\n' > hello_world.gbk; \
    echo hidden > .hidden.txt; \
    touch -d '2020-01-01 12:00' a/1.txt; \
    echo hello world > big.txt; \
    for m in 0644 0444 0400 0700 0666; do : > mode_$m; chmod $m mode_$m; done; \
    ln -s e linkdir; ln -s a.txt link.txt";

fn find_cases() -> Vec<Case> {
    let fd = |args: Vec<(&'static str, Value)>| {
        let mut a = vec![("paths", s("@"))];
        a.extend(args);
        a
    };
    let mut v = vec![
        Case::new(
            "find",
            TREE,
            fd(vec![("file_type", s("directory")), ("recurse", T)]),
        ),
        Case::new(
            "find",
            TREE,
            fd(vec![
                ("file_type", s("file")),
                ("patterns", s("*.xml,*.img")),
                ("recurse", T),
            ]),
        ),
        Case::new(
            "find",
            TREE,
            fd(vec![
                ("patterns", s("*.xml")),
                ("recurse", T),
                ("excludes", list(&[])),
            ]),
        ),
        Case::new(
            "find",
            TREE,
            fd(vec![
                ("patterns", s("*.txt")),
                ("contains", s("KO$")),
                ("read_whole_file", T),
            ]),
        ),
        Case::new(
            "find",
            TREE,
            fd(vec![
                ("patterns", s("*.txt")),
                ("contains", s("OK$")),
                ("read_whole_file", T),
            ]),
        ),
        Case::new(
            "find",
            TREE,
            fd(vec![("patterns", s("*.txt")), ("contains", s(".*KO$"))]),
        ),
        Case::new(
            "find",
            TREE,
            fd(vec![
                ("patterns", s("*.txt")),
                ("contains", s("has\na few")),
                ("read_whole_file", T),
            ]),
        ),
        Case::new(
            "find",
            TREE,
            fd(vec![
                ("patterns", s("*.txt")),
                ("contains", s("has\na few")),
            ]),
        ),
        Case::new(
            "find",
            TREE,
            fd(vec![
                ("patterns", s("*.gbk")),
                ("contains", s("你好世界")),
                ("encoding", s("utf-8")),
            ]),
        ),
        Case::new(
            "find",
            TREE,
            fd(vec![
                ("patterns", s("*.gbk")),
                ("contains", s("你好世界")),
                ("encoding", s("gbk")),
            ]),
        ),
        Case::new(
            "find",
            TREE,
            fd(vec![
                ("patterns", s("*.gbk")),
                ("contains", s("你好世界")),
                ("encoding", s("idontexist")),
            ]),
        ),
        Case::new(
            "find",
            TREE,
            fd(vec![("get_checksum", T), ("checksum_algorithm", s("md5"))]),
        ),
        Case::new(
            "find",
            TREE,
            fd(vec![("get_checksum", T), ("checksum", s("sha256"))]),
        ),
        Case::new("find", "", vec![("paths", s("@/idontexist"))]),
        Case::new(
            "find",
            TREE,
            vec![("paths", s("@/a.txt,@/a")), ("recurse", T)],
        ),
        Case::new(
            "find",
            TREE,
            fd(vec![("recurse", T), ("file_type", s("any"))]),
        ),
        Case::new(
            "find",
            TREE,
            fd(vec![
                ("recurse", T),
                ("file_type", s("any")),
                ("depth", int(2)),
            ]),
        ),
        Case::new("find", TREE, fd(vec![("recurse", T), ("depth", int(2))])),
        Case::new(
            "find",
            TREE,
            fd(vec![
                ("recurse", T),
                ("use_regex", T),
                ("exclude", s(".*\\.ogg")),
            ]),
        ),
        Case::new(
            "find",
            TREE,
            fd(vec![
                ("recurse", T),
                ("use_regex", T),
                ("patterns", s(".*\\.ogg")),
            ]),
        ),
        Case::new(
            "find",
            TREE,
            fd(vec![
                ("recurse", T),
                ("use_regex", T),
                ("patterns", s("([")),
            ]),
        ),
        Case::new(
            "find",
            TREE,
            fd(vec![("patterns", s("*.txt")), ("contains", s("(["))]),
        ),
        // age and size
        Case::new(
            "find",
            TREE,
            fd(vec![("recurse", T), ("age", s("1w")), ("hidden", T)]),
        ),
        Case::new(
            "find",
            TREE,
            fd(vec![("age", s("-1w")), ("age_stamp", s("ctime"))]),
        ),
        Case::new(
            "find",
            TREE,
            fd(vec![("size", s("10")), ("hidden", T), ("get_checksum", T)]),
        ),
        Case::new(
            "find",
            TREE,
            fd(vec![
                ("size", s("-5")),
                ("hidden", T),
                ("file_type", s("any")),
            ]),
        ),
        Case::new("find", TREE, fd(vec![("size", s("1k"))])),
        Case::new("find", TREE, fd(vec![("age", s("soon"))])),
        Case::new("find", TREE, fd(vec![("size", s("big"))])),
        // modes (mode.yml)
        Case::new(
            "find",
            TREE,
            fd(vec![
                ("pattern", s("mode_*")),
                ("mode", s("0644")),
                ("exact_mode", T),
            ]),
        ),
        Case::new(
            "find",
            TREE,
            fd(vec![("pattern", s("mode_*")), ("mode", s("u=rw,g=r,o=r"))]),
        ),
        Case::new(
            "find",
            TREE,
            fd(vec![
                ("pattern", s("mode_*")),
                ("mode", s("0400")),
                ("exact_mode", F),
            ]),
        ),
        Case::new(
            "find",
            TREE,
            fd(vec![
                ("pattern", s("mode_*")),
                ("mode", s("o=r")),
                ("exact_mode", F),
            ]),
        ),
        Case::new("find", TREE, fd(vec![("mode", int(420))])),
        Case::new("find", TREE, fd(vec![("mode", s("u=rZ"))])),
        // limit, links, hidden, follow
        Case::new(
            "find",
            TREE,
            fd(vec![
                ("recurse", T),
                ("limit", int(1)),
                ("patterns", s("*.ogg")),
            ]),
        ),
        Case::new(
            "find",
            TREE,
            vec![("paths", s("@/a,@/e")), ("recurse", T), ("limit", int(2))],
        ),
        Case::new("find", TREE, fd(vec![("limit", int(0))])),
        Case::new("find", TREE, fd(vec![("file_type", s("link"))])),
        Case::new("find", TREE, fd(vec![("hidden", T)])),
        Case::new(
            "find",
            TREE,
            fd(vec![
                ("recurse", T),
                ("follow", T),
                ("patterns", s("*.ogg")),
            ]),
        ),
        Case::new(
            "find",
            TREE,
            vec![
                ("path", list(&["@/a", "@/e"])),
                ("recurse", T),
                ("file_type", s("any")),
                ("excludes", s("b,f")),
            ],
        ),
        Case::new("find", TREE, fd(vec![("file_type", s("socket"))])),
        Case::new("find", TREE, fd(vec![])).check(),
    ];
    for c in &mut v {
        c.volatile = FIND_VOLATILE;
    }
    v
}

/// Stat values that differ between two fresh copies of the tree.
const FIND_VOLATILE: &[&str] = &["atime", "mtime", "ctime", "inode"];

async fn run_cases(tag: &str, cases: Vec<Case>) {
    let pool = ref_pool();
    let ctx = pool.context(&local_spec(&[])).await.expect("connect");
    let dir = tempdir(tag);
    let failures = compare(&ctx, &dir.join("s"), &cases).await;
    parity::assert_all_match(&failures, cases.len());
    let _ = std::fs::remove_dir_all(&dir);
    pool.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lineinfile_matches_ansible_core() {
    run_cases("lineinfile", lineinfile_cases()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blockinfile_matches_ansible_core() {
    run_cases("blockinfile", blockinfile_cases()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replace_matches_ansible_core() {
    run_cases("replace", replace_cases()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn find_matches_ansible_core() {
    run_cases("find", find_cases()).await;
}
