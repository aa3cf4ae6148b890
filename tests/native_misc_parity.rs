//! Parity of the native wait_for, getent, known_hosts, package_facts and
//! debconf modules with ansible-core 2.19's (MITORUN_REF_BIN): same
//! arguments, same result (changed, msg, facts, diff, elapsed where it
//! does not vary, invocation) and the same end state on disk. The cases
//! follow ansible-core's integration targets for these modules, the ones
//! that run offline: wait_for against files changed in the background and
//! a local TCP listener, known_hosts on a scratch file, debconf on
//! questions of installed packages (restored afterwards).

#[path = "common/parity.rs"]
mod parity;
#[path = "common/sshd.rs"]
mod sshd;
#[path = "common/transport.rs"]
mod tr;

use mitorun::value::Value;
use parity::{Case, compare, compare_across, s};
use tr::*;

const T: Value = Value::Bool(true);
const F: Value = Value::Bool(false);

fn int(n: i64) -> Value {
    Value::Int(n)
}

fn list(items: &[&str]) -> Value {
    Value::List(items.iter().map(|i| s(i)).collect())
}

fn leak(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

/// A TCP listener on 127.0.0.1:port started in the background by a case's
/// setup: after `delay` seconds it accepts connections for `life` seconds,
/// writing `banner` to each. The previous listener of the port (the other
/// run of the same case) is stopped first, through its pid file.
fn listener(port: u16, delay: f64, life: u32, banner: &str) -> String {
    let pid = format!("/tmp/mitorun-misc-parity-{port}.pid");
    let program = LISTENER
        .replace("DELAY", &delay.to_string())
        .replace("PORT", &port.to_string())
        .replace("LIFE", &life.to_string())
        .replace("BANNER", banner);
    format!(
        "if [ -f {pid} ]; then kill $(cat {pid}) 2>/dev/null || true; sleep 0.3; fi\n\
         python3 -c '{program}' >/dev/null 2>&1 &\n\
         echo $! > {pid}\n"
    )
}

/// The listener's program (no single quotes: it is passed single-quoted).
const LISTENER: &str = r#"import socket, time
time.sleep(DELAY)
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", PORT))
s.listen(16)
s.settimeout(0.2)
end = time.time() + LIFE
while time.time() < end:
    try:
        c, _ = s.accept()
    except OSError:
        continue
    c.sendall(b"BANNER")
    c.close()
"#;

/// A listener on the port and a client that keeps its connection to it
/// open for a few seconds.
fn held_connection(port: u16) -> String {
    format!(
        "{}sleep 0.8\n\
         python3 -c 'import socket,time; s=socket.create_connection((\"127.0.0.1\",{port})); time.sleep(4)' >/dev/null 2>&1 &\n\
         sleep 0.5\n",
        listener(port, 0.0, 8, "x")
    )
}

/// Stops a case's listener (it would end by itself, later).
fn stop_listener(port: u16) {
    let pid = format!("/tmp/mitorun-misc-parity-{port}.pid");
    let _ = std::process::Command::new("/bin/sh")
        .args([
            "-c",
            &format!("[ -f {pid} ] && kill $(cat {pid}) 2>/dev/null; rm -f {pid}"),
        ])
        .status();
}

const ELAPSED: &[&str] = &["elapsed"];

fn wait_for_cases() -> Vec<Case> {
    vec![
        // no port or path: sleeps for the timeout
        Case::new("wait_for", "", vec![("timeout", int(2))]),
        Case::new("wait_for", "", vec![("timeout", int(1)), ("delay", int(1))]),
        // a file removed after a while
        Case::new(
            "wait_for",
            "touch f; (sleep 2; rm -f f) >/dev/null 2>&1 &",
            vec![
                ("path", s("@/f")),
                ("state", s("absent")),
                ("timeout", int(20)),
            ],
        )
        .volatile(ELAPSED),
        // a file created after a while (its stat joins the result)
        Case::new(
            "wait_for",
            "(sleep 2; touch f) >/dev/null 2>&1 &",
            vec![("path", s("@/f")), ("timeout", int(5))],
        )
        .volatile(ELAPSED),
        Case::new(
            "wait_for",
            "(sleep 2; echo completed > k) >/dev/null 2>&1 &",
            vec![
                ("path", s("@/k")),
                ("search_regex", s("completed")),
                ("timeout", int(5)),
            ],
        )
        .volatile(ELAPSED),
        Case::new(
            "wait_for",
            "(sleep 1; echo 'completed data 123' > k) >/dev/null 2>&1 &",
            vec![
                ("path", s("@/k")),
                ("search_regex", s("completed (?P<foo>\\w+) ([0-9]+)")),
                ("timeout", int(25)),
            ],
        )
        .volatile(ELAPSED),
        // groups without names, and a file that is there already
        Case::new(
            "wait_for",
            "echo 'a=1 b=2' > k",
            vec![
                ("path", s("@/k")),
                ("search_regex", s("a=(\\d) b=(\\d)")),
                ("state", s("present")),
            ],
        ),
        // UTF-16 text never holds the ASCII bytes searched for
        Case::new(
            "wait_for",
            "python3 -c \"open('u','w',encoding='utf-16').write('completed')\"",
            vec![
                ("path", s("@/u")),
                ("search_regex", s("completed")),
                ("timeout", int(2)),
            ],
        ),
        // a file that cannot be mapped (sysfs)
        Case::new(
            "wait_for",
            "",
            vec![
                ("path", s("/sys/class/net/lo/mtu")),
                ("search_regex", s("[0-9]+")),
                ("timeout", int(5)),
            ],
        ),
        Case::new(
            "wait_for",
            "",
            vec![("path", s("@/never")), ("timeout", int(2))],
        ),
        Case::new(
            "wait_for",
            "touch f",
            vec![
                ("path", s("@/f")),
                ("state", s("absent")),
                ("timeout", int(2)),
            ],
        ),
        Case::new(
            "wait_for",
            "",
            vec![("path", s("@/f")), ("state", s("absent"))],
        ),
        // nothing listens
        Case::new(
            "wait_for",
            "",
            vec![("port", int(47121)), ("timeout", int(3))],
        ),
        Case::new(
            "wait_for",
            "",
            vec![
                ("port", int(47121)),
                ("msg", s("fail with custom message")),
                ("timeout", int(3)),
            ],
        ),
        Case::new(
            "wait_for",
            "",
            vec![("port", int(47121)), ("state", s("stopped"))],
        ),
        Case::new(
            "wait_for",
            "",
            vec![("port", int(47121)), ("state", s("drained"))],
        ),
        Case::new(
            "wait_for",
            "",
            vec![
                ("port", int(47121)),
                ("state", s("drained")),
                ("exclude_hosts", list(&["10.0.0.1", "localhost"])),
                ("active_connection_states", list(&["ESTABLISHED"])),
            ],
        ),
        // a listener that comes up later
        Case::new(
            "wait_for",
            leak(listener(47122, 1.5, 8, "hello")),
            vec![("port", int(47122)), ("sleep", int(1))],
        )
        .volatile(ELAPSED),
        Case::new(
            "wait_for",
            leak(listener(47123, 0.0, 8, "ready version 42")),
            vec![
                ("port", int(47123)),
                ("search_regex", s("version (\\d+)")),
                ("host", s("localhost")),
                ("timeout", int(6)),
            ],
        )
        .volatile(ELAPSED),
        Case::new(
            "wait_for",
            leak(listener(47124, 0.0, 8, "nothing here")),
            vec![
                ("port", int(47124)),
                ("search_regex", s("never")),
                ("timeout", int(2)),
            ],
        ),
        Case::new(
            "wait_for",
            leak(format!("{}sleep 0.8\n", listener(47125, 0.0, 6, "up"))),
            vec![
                ("port", int(47125)),
                ("state", s("stopped")),
                ("timeout", int(2)),
            ],
        ),
        // a connection still open on the port (the server closed its end:
        // FIN_WAIT2 there), then the same with its peer excluded
        Case::new(
            "wait_for",
            leak(held_connection(47127)),
            vec![
                ("port", int(47127)),
                ("state", s("drained")),
                ("timeout", int(1)),
            ],
        ),
        Case::new(
            "wait_for",
            leak(held_connection(47128)),
            vec![
                ("port", int(47128)),
                ("state", s("drained")),
                ("exclude_hosts", list(&["127.0.0.1"])),
                ("timeout", int(1)),
            ],
        ),
        // argument checks
        Case::new(
            "wait_for",
            "",
            vec![("port", int(47121)), ("path", s("@/f"))],
        ),
        Case::new(
            "wait_for",
            "",
            vec![("path", s("@/f")), ("state", s("stopped"))],
        ),
        Case::new(
            "wait_for",
            "",
            vec![("path", s("@/f")), ("state", s("drained"))],
        ),
        Case::new(
            "wait_for",
            "",
            vec![("port", int(47121)), ("exclude_hosts", list(&["h"]))],
        ),
        Case::new(
            "wait_for",
            "",
            vec![
                ("port", int(47121)),
                ("state", s("drained")),
                ("active_connection_states", list(&["LISTEN"])),
            ],
        ),
        Case::new(
            "wait_for",
            "",
            vec![("path", s("@/f")), ("search_regex", s("(unclosed"))],
        ),
        Case::new("wait_for", "", vec![("state", s("gone"))]),
        Case::new("wait_for", "", vec![("timeout", int(1))]).check(),
    ]
}

fn getent_cases() -> Vec<Case> {
    vec![
        Case::new(
            "getent",
            "",
            vec![
                ("database", s("passwd")),
                ("key", s("root")),
                ("service", s("files")),
            ],
        ),
        Case::new(
            "getent",
            "",
            vec![("database", s("passwd")), ("key", s("root"))],
        ),
        Case::new("getent", "", vec![("database", s("group"))]),
        Case::new(
            "getent",
            "",
            vec![("database", s("group")), ("split", s(","))],
        ),
        Case::new(
            "getent",
            "",
            vec![("database", s("hosts")), ("key", s("localhost"))],
        ),
        Case::new(
            "getent",
            "",
            vec![("database", s("shadow")), ("key", s("root"))],
        ),
        Case::new("getent", "", vec![("database", s("services"))]),
        Case::new(
            "getent",
            "",
            vec![("database", s("passwd")), ("key", s("no-such-user-here"))],
        ),
        Case::new(
            "getent",
            "",
            vec![
                ("database", s("passwd")),
                ("key", s("no-such-user-here")),
                ("fail_key", F),
            ],
        ),
        Case::new("getent", "", vec![("database", s("nosuchdb"))]),
        Case::new(
            "getent",
            "",
            vec![("database", s("passwd")), ("key", s("root"))],
        )
        .check(),
        Case::new("getent", "", vec![("key", s("root"))]),
    ]
}

/// Keys made for these tests (ssh-keygen), not secrets.
const ORG_RSA: &str = "example.org ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQCopKoGmaajDlTi013IuKyvK2RoE6lzclWV7vd2Jsnoy86kDNc36Gr5uGEi+sNoX2kmDPbseQzXDKDjoQvH2x74njfNBtrg3whOyMSWaMjKebL9O8BfzhXL42rBU8BVFXaw9p0DW316KVEtq2Mf3cl0UNgnVFG7UKvdIGHs/VjVew==\n";
const ORG_RSA_OTHER: &str = "example.org ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQCopKoGmaajDlTi013IuKyvK2RoE6lzclWV7vd2Jsnoy86kDNc36Gr5uGEi+sNoX2kmDPbseQzXDKDjoQvH2x74njfNBtrg3whOyMSWaMjKebL9O8BfzhXL42rBU8BVFXaw9p0DW316KVEtq2Mf3cl0UNgnVFG7UKvdIGHs/VjVeQ==";
const ORG_ED25519: &str = "example.org ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHY9TQLyMI7UukI1CACG0cGQHAfFaA2ghU/bbsmNzpxp\n";
const HOST_ED25519: &str = "host.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIETpbcShIRYFnZT54wA8bVpviEPKdUK9QojmtjpOKDsA\n";
const CA_ED25519: &str = "@cert-authority *.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGceYAT6FQMHhKOus3ThEczMxJjfVF9zBqsEgTIAgpEg\n";
const REVOKED_ED25519: &str = "@revoked host.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIETpbcShIRYFnZT54wA8bVpviEPKdUK9QojmtjpOKDsA";
/// Hashed lines for example.net (ed25519) and example.org (ecdsa).
const NET_HASHED: &str = "|1|EBtX+B2rss+JoDeS+CPc289KsiM=|LaxNkYrVAoymmOBqliZJgTfACfU= ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBpduWN2gMxm4271ccX422mqQTCpnR2R2HB/yM7xwrQm";
const ORG_HASHED_ECDSA: &str = "|1|3p/bfcGtrAq7jHFho3ZbC5DUNJ4=|FwHy9kKo8Ce55KgOARxm17cIEJM= ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBDpK1McShE1875YVM2udISI+0O2fFz9W83UxtYOppEdUU0+HsbMfe/nrTILmWH9qaUqje9wnn7MfOcpnhcydTyg=";

/// A known_hosts file with plain, hashed, marker and comment lines.
fn existing() -> String {
    format!(
        "example.com {}\n{NET_HASHED}\n{ORG_HASHED_ECDSA}\n{CA_ED25519}# example.net ssh-ed25519 AAAA root@x\n",
        &ORG_ED25519["example.org ".len()..].trim_end()
    )
}

fn write_file(name: &str, content: &str) -> &'static str {
    leak(format!(
        "cat > {name} <<'MITORUN_EOF'\n{content}MITORUN_EOF\n"
    ))
}

fn known_hosts_cases() -> Vec<Case> {
    let kh = |name: &str, key: &str, state: &str| {
        vec![
            ("name", s(name)),
            ("key", s(key)),
            ("state", s(state)),
            ("path", s("@/known_hosts")),
        ]
    };
    let marker = |name: &str, state: &str| {
        vec![
            ("name", s(name)),
            ("state", s(state)),
            ("path", s("@/known_hosts")),
        ]
    };
    let existing = write_file("known_hosts", &existing());
    let with_revoked = write_file(
        "known_hosts",
        &format!("{}{REVOKED_ED25519}\n", existing_text()),
    );
    let with_rsa = write_file("known_hosts", &format!("{}{ORG_RSA}", existing_text()));
    vec![
        // add to the existing file, with diff; then again (no change)
        Case::new(
            "known_hosts",
            existing,
            kh("example.org", ORG_RSA, "present"),
        )
        .diff(),
        Case::new(
            "known_hosts",
            existing,
            kh("example.org", ORG_RSA, "present"),
        )
        .check(),
        Case::new(
            "known_hosts",
            with_rsa,
            kh("example.org", ORG_RSA, "present"),
        ),
        Case::new(
            "known_hosts",
            with_rsa,
            kh("example.org", ORG_RSA, "present"),
        )
        .check(),
        // a missing file is created
        Case::new("known_hosts", "", kh("example.org", ORG_RSA, "present")).diff(),
        // remove a key that is not there
        Case::new(
            "known_hosts",
            with_rsa,
            kh("example.org", ORG_ED25519, "absent"),
        ),
        Case::new(
            "known_hosts",
            with_rsa,
            kh("example.org", ORG_ED25519, "absent"),
        )
        .check(),
        // remove the key, with diff; check mode; not there any more
        Case::new(
            "known_hosts",
            with_rsa,
            kh("example.org", ORG_RSA, "absent"),
        )
        .diff(),
        Case::new(
            "known_hosts",
            with_rsa,
            kh("example.org", ORG_RSA, "absent"),
        )
        .check(),
        Case::new(
            "known_hosts",
            existing,
            kh("example.org", ORG_RSA, "absent"),
        ),
        // a different key of the same type replaces it
        Case::new(
            "known_hosts",
            with_rsa,
            kh("example.org", ORG_RSA_OTHER, "present"),
        )
        .diff(),
        // a hashed entry of the same type is found by its hash
        Case::new(
            "known_hosts",
            existing,
            kh(
                "example.net",
                &NET_HASHED.replace(
                    "|1|EBtX+B2rss+JoDeS+CPc289KsiM=|LaxNkYrVAoymmOBqliZJgTfACfU=",
                    "example.net",
                ),
                "present",
            ),
        ),
        Case::new(
            "known_hosts",
            existing,
            vec![
                ("name", s("example.net")),
                (
                    "key",
                    s(&NET_HASHED.replace(
                        "|1|EBtX+B2rss+JoDeS+CPc289KsiM=|LaxNkYrVAoymmOBqliZJgTfACfU=",
                        "example.net",
                    )),
                ),
                ("path", s("@/known_hosts")),
                ("hash_host", T),
            ],
        ),
        // the whole host goes (ssh-keygen -R, which keeps known_hosts.old)
        Case::new(
            "known_hosts",
            existing,
            vec![
                ("name", s("example.com")),
                ("state", s("absent")),
                ("path", s("@/known_hosts")),
            ],
        ),
        Case::new(
            "known_hosts",
            existing,
            vec![
                ("name", s("EXAMPLE.com")),
                ("state", s("absent")),
                ("path", s("@/known_hosts")),
            ],
        )
        .check(),
        Case::new(
            "known_hosts",
            existing,
            vec![
                ("name", s("nowhere.example")),
                ("state", s("absent")),
                ("path", s("@/known_hosts")),
            ],
        ),
        Case::new(
            "known_hosts",
            existing,
            kh("host.example.com", HOST_ED25519, "present"),
        ),
        // markers (keys taken as written: `@` is not the scratch dir here)
        Case::new("known_hosts", existing, marker("*.example.com", "present"))
            .literal("key", s(CA_ED25519)),
        Case::new("known_hosts", existing, marker("*.example.com", "absent"))
            .literal("key", s(CA_ED25519))
            .diff(),
        Case::new(
            "known_hosts",
            existing,
            marker("host.example.com", "present"),
        )
        .literal("key", s(REVOKED_ED25519))
        .diff(),
        Case::new(
            "known_hosts",
            with_revoked,
            marker("host.example.com", "present"),
        )
        .literal("key", s(REVOKED_ED25519)),
        Case::new(
            "known_hosts",
            with_revoked,
            marker("host.example.com", "absent"),
        )
        .literal("key", s(REVOKED_ED25519)),
        // failures
        Case::new(
            "known_hosts",
            existing,
            kh("example.org,acme.com", ORG_RSA, "present"),
        ),
        Case::new("known_hosts", existing, kh("other.org", ORG_RSA, "present")),
        Case::new(
            "known_hosts",
            existing,
            vec![("name", s("example.org")), ("path", s("@/known_hosts"))],
        ),
        Case::new("known_hosts", existing, vec![("key", s(ORG_RSA))]),
    ]
}

fn existing_text() -> String {
    existing()
}

/// The debconf answers the cases change, as they are before the test, so
/// each run starts from them and the test leaves them so.
const DEBCONF_RESET: &str = "printf 'tzdata tzdata/Areas select Etc\\ntzdata tzdata/Zones/Etc select UTC\\n' | debconf-set-selections";

fn debconf_cases() -> Vec<Case> {
    let q = |question: &str, vtype: &str, value: Value| {
        vec![
            ("name", s("tzdata")),
            ("question", s(question)),
            ("vtype", s(vtype)),
            ("value", value),
        ]
    };
    vec![
        Case::new("debconf", DEBCONF_RESET, vec![("name", s("tzdata"))]),
        Case::new(
            "debconf",
            DEBCONF_RESET,
            vec![("name", s("no-such-package-here"))],
        ),
        Case::new(
            "debconf",
            DEBCONF_RESET,
            q("tzdata/Zones/Etc", "select", s("UTC")),
        ),
        Case::new(
            "debconf",
            DEBCONF_RESET,
            q("tzdata/Zones/Etc", "select", s("UTC")),
        )
        .diff(),
        Case::new(
            "debconf",
            DEBCONF_RESET,
            q("tzdata/Zones/Etc", "select", s("GMT")),
        )
        .diff(),
        Case::new(
            "debconf",
            DEBCONF_RESET,
            q("tzdata/Areas", "select", s("Europe")),
        )
        .check()
        .diff(),
        Case::new(
            "debconf",
            DEBCONF_RESET,
            vec![
                ("name", s("tzdata")),
                ("question", s("tzdata/Areas")),
                ("vtype", s("select")),
                ("value", s("America")),
                ("unseen", T),
            ],
        ),
        Case::new(
            "debconf",
            DEBCONF_RESET,
            q("tzdata/mitorun-none", "string", s("x")),
        )
        .check()
        .diff(),
        Case::new(
            "debconf",
            DEBCONF_RESET,
            q("tzdata/Zones/Etc", "boolean", T),
        )
        .check(),
        Case::new(
            "debconf",
            DEBCONF_RESET,
            q("tzdata/Zones/Etc", "multiselect", list(&["UTC"])),
        ),
        Case::new(
            "debconf",
            DEBCONF_RESET,
            q("tzdata/Zones/Etc", "multiselect", list(&["UTC", "GMT"])),
        )
        .check(),
        Case::new(
            "debconf",
            DEBCONF_RESET,
            q(
                "tzdata/Zones/Etc",
                "multiselect",
                Value::List(vec![s("UTC"), int(1)]),
            ),
        ),
        // debconf-get-selections (debconf-utils) is not installed here
        Case::new(
            "debconf",
            DEBCONF_RESET,
            q("tzdata/Zones/Etc", "password", s("secret")),
        ),
        Case::new(
            "debconf",
            DEBCONF_RESET,
            vec![("name", s("tzdata")), ("question", s("tzdata/Areas"))],
        ),
        Case::new(
            "debconf",
            DEBCONF_RESET,
            q("tzdata/Areas", "nonsense", s("x")),
        ),
    ]
}

const FAKE_RPM: &str = "mkdir bin; printf '#!/bin/sh\\nexit 1\\n' > bin/rpm; chmod 700 bin/rpm";
const PATH_WITH_RPM: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:@/bin";

fn package_facts_cases() -> Vec<Case> {
    vec![
        Case::new("package_facts", "", vec![("manager", s("apt"))]),
        Case::new("package_facts", "", vec![]),
        Case::new(
            "package_facts",
            "",
            vec![("manager", s("auto")), ("strategy", s("all"))],
        ),
        Case::new("package_facts", FAKE_RPM, vec![]).env("PATH", PATH_WITH_RPM),
        Case::new(
            "package_facts",
            FAKE_RPM,
            vec![("manager", list(&["rpm", "apt"]))],
        )
        .env("PATH", PATH_WITH_RPM),
        Case::new(
            "package_facts",
            FAKE_RPM,
            vec![("manager", list(&["yum"])), ("strategy", s("all"))],
        )
        .env("PATH", PATH_WITH_RPM),
        Case::new(
            "package_facts",
            "",
            vec![("manager", list(&["pacman", "APK"]))],
        ),
        Case::new("package_facts", "", vec![("manager", list(&["nosuch"]))]),
        Case::new(
            "package_facts",
            "",
            vec![("manager", list(&["auto", "nosuch"]))],
        ),
        Case::new("package_facts", "", vec![("strategy", s("some"))]),
        Case::new("package_facts", "", vec![("manager", s("apt"))]).check(),
    ]
}

async fn run_cases(tag: &str, cases: Vec<Case>) {
    let pool = ref_pool();
    let ctx = pool.context(&local_spec(&[])).await.expect("connect");
    let dir = tempdir(tag);
    let failures = compare(&ctx, &dir.join("s"), &cases).await;
    let _ = std::fs::remove_dir_all(&dir);
    pool.shutdown().await;
    parity::assert_all_match(&failures, cases.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_for_matches_ansible_core() {
    let cases = wait_for_cases();
    run_cases("wait_for", cases).await;
    for port in 47122..=47128 {
        stop_listener(port);
    }
}

/// The listener cases prove something only when the listener is up: the
/// native module must find it (both modules timing out alike would also
/// pass the comparison).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_for_finds_the_test_listener() {
    let ok = std::process::Command::new("/bin/sh")
        .args(["-ec", &listener(47126, 0.5, 6, "ready version 42")])
        .status()
        .expect("setup runs")
        .success();
    assert!(ok);
    let pool = ref_pool();
    let ctx = pool.context(&local_spec(&[])).await.expect("connect");
    let call = mitorun::transport::ModuleCall::new(
        "wait_for",
        args(&[
            ("port", int(47126)),
            ("search_regex", s("version (\\d+)")),
            ("timeout", int(5)),
        ]),
    );
    let result = ctx.run_module(call).await.expect("wait_for runs");
    pool.shutdown().await;
    stop_listener(47126);
    assert_eq!(result.get("failed"), None, "{result:?}");
    assert_eq!(result.get("port"), Some(&int(47126)), "{result:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn getent_matches_ansible_core() {
    run_cases("getent", getent_cases()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn known_hosts_matches_ansible_core() {
    run_cases("known_hosts", known_hosts_cases()).await;
}

/// ansible-core's package_facts runs under the system interpreter: from
/// one without python3-apt it respawns, and its respawn probe imports
/// `ansible.module_utils.basic` from disk, which a module shipped by
/// mitorun's agent does not have (tests/native_apt_parity.rs says the
/// same). The native module runs under both: the tests' interpreter
/// (python3-apt in a child under /usr/bin/python3, as ansible's respawn,
/// after which the missing-library warnings name that interpreter) for
/// the first cases, the system one for all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn package_facts_matches_ansible_core() {
    let pool = ref_pool();
    let own = pool.context(&local_spec(&[])).await.expect("connect");
    let system = pool
        .context(&local_spec(&[(
            "ansible_python_interpreter",
            "/usr/bin/python3",
        )]))
        .await
        .expect("connect");
    let dir = tempdir("package_facts");
    let mut failures = compare(&system, &dir.join("s"), &package_facts_cases()).await;
    let respawned: Vec<Case> = package_facts_cases().into_iter().take(6).collect();
    failures.extend(compare_across(&own, &system, &dir.join("s"), &respawned).await);
    let _ = std::fs::remove_dir_all(&dir);
    pool.shutdown().await;
    assert!(
        failures.is_empty(),
        "{} cases differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn debconf_matches_ansible_core() {
    let cases = debconf_cases();
    run_cases("debconf", cases).await;
    // The last run set the answers again; make sure they are as before.
    let _ = std::process::Command::new("/bin/sh")
        .args(["-c", DEBCONF_RESET])
        .status();
}

/// `hash_host` on a host the file lacks writes a line under a fresh random
/// salt, which the parity cases cannot compare: here both modules add
/// example.org to the same file, the `|1|salt|hash` fields are masked in
/// the results and files, and ssh-keygen must find the host in each file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn known_hosts_hashes_a_new_host_as_ansible_core() {
    let hashed = regex::Regex::new(r"\|1\|[A-Za-z0-9+/=]+\|[A-Za-z0-9+/=]+").expect("regex");
    let pool = ref_pool();
    let ctx = pool.context(&local_spec(&[])).await.expect("connect");
    let dir = tempdir("known_hosts_hash");
    let mut outcomes = Vec::new();
    for native in [true, false] {
        let file = dir.join("known_hosts");
        std::fs::write(&file, existing()).expect("write known_hosts");
        let path = file.to_str().expect("utf-8 path");
        let mut call = mitorun::transport::ModuleCall::new(
            "known_hosts",
            args(&[
                ("name", s("Example.ORG")),
                ("key", s(ORG_RSA)),
                ("path", s(path)),
                ("hash_host", T),
            ]),
        );
        call.prefer_native = native;
        call.diff = true;
        let result = ctx.run_module(call).await.expect("known_hosts runs");
        let found = std::process::Command::new("ssh-keygen")
            .args(["-F", "example.org", "-f", path])
            .output()
            .expect("ssh-keygen runs");
        let listing = String::from_utf8_lossy(&found.stdout).into_owned();
        assert!(
            listing.contains("ssh-rsa"),
            "native={native}: ssh-keygen does not find the new key:\n{listing}"
        );
        let content = std::fs::read_to_string(&file).expect("read known_hosts");
        let result = mitorun::transport::context::value_to_json(&Value::Map(result)).to_string();
        outcomes.push((
            hashed.replace_all(&result, "|1|<hash>").into_owned(),
            hashed.replace_all(&content, "|1|<hash>").into_owned(),
        ));
    }
    let _ = std::fs::remove_dir_all(&dir);
    pool.shutdown().await;
    assert_eq!(
        outcomes[0], outcomes[1],
        "native (left) and ansible-core (right) differ"
    );
    assert!(
        outcomes[0].0.contains("\"changed\":true"),
        "{}",
        outcomes[0].0
    );
}
