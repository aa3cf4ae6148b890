//! Parity of the native iptables module with ansible-core 2.19's
//! (MITORUN_REF_BIN): same arguments, same result and the same rules after
//! (`iptables-save`/`ip6tables-save`, counters masked). Never this
//! machine's firewall: the agent runs under `unshare -n`, and the
//! iptables the modules find first in PATH is a shim that enters a network
//! namespace bound to a scratch file, made anew (empty) before every run.
//! The cases follow ansible-core's `iptables` integration target (chain
//! management) and go through every rule option, check mode and the
//! failures. Root only; skipped otherwise.

#[path = "common/parity.rs"]
mod parity;
#[path = "common/sshd.rs"]
mod sshd;
#[path = "common/transport.rs"]
mod tr;

use mitorun::value::{Map, Value};
use parity::{Case, compare, s};
use std::path::Path;
use std::process::Command;
use tr::*;

const T: Value = Value::Bool(true);
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

/// `bin/iptables`, `bin/ip6tables` (shims into the namespace at `ns`) and
/// `wrapper` (the agent under `unshare -n`, as an lxc-attach stand-in).
fn namespace_tools(dir: &Path) {
    let d = dir.display();
    sh(&format!(
        "mkdir -p {d}/bin && touch {d}/ns\n\
         for t in iptables ip6tables; do printf '#!/bin/sh\\nexec /usr/bin/nsenter --net={d}/ns /usr/sbin/%s \"$@\"\\n' $t > {d}/bin/$t; chmod +x {d}/bin/$t; done\n\
         cat > {d}/wrapper <<'EOF'\n#!/bin/sh\n\
         while [ $# -gt 0 ]; do case \"$1\" in --) shift; break;; esac; shift; done\n\
         exec unshare -n \"$@\"\n\
         EOF\n\
         chmod +x {d}/wrapper"
    ));
}

/// The cases' shared parts: a fresh namespace (plus `rules`, iptables
/// commands run in it) before each run, the rules after as state, the
/// shims first in PATH.
struct Cases {
    dir: String,
    path: &'static str,
    state: &'static str,
}

impl Cases {
    fn new(dir: &Path) -> Cases {
        let d = dir.display().to_string();
        let save = |tool: &str| {
            format!(
                "/usr/bin/nsenter --net={d}/ns {tool} | grep -v '^#' | sed -E 's/\\[[0-9]+:[0-9]+\\]/[0:0]/'"
            )
        };
        Cases {
            path: leak(format!("{d}/bin:/usr/local/bin:/usr/bin:/bin")),
            state: leak(format!(
                "{}; {}",
                save("iptables-save"),
                save("ip6tables-save")
            )),
            dir: d,
        }
    }

    fn case(&self, rules: &str, args: Vec<(&'static str, Value)>) -> Case {
        let d = &self.dir;
        let setup = leak(format!(
            "umount {d}/ns 2>/dev/null || true\n\
             /usr/bin/unshare --net={d}/ns true\n\
             /usr/bin/nsenter --net={d}/ns sh -ec 'PATH=/usr/sbin:/usr/bin:/sbin:/bin; {rules}'"
        ));
        Case::new("iptables", setup, args)
            .state(self.state)
            .env("PATH", self.path)
    }
}

fn cases(c: &Cases) -> Vec<Case> {
    let chain = |n: &'static str| ("chain", s(n));
    let jump = |n: &'static str| ("jump", s(n));
    let ssh = || {
        vec![
            chain("INPUT"),
            ("protocol", s("tcp")),
            ("destination_port", s("22")),
            ("ctstate", list(&["NEW"])),
            ("syn", s("match")),
            jump("ACCEPT"),
            ("comment", s("ssh")),
        ]
    };
    let ssh_rule = "iptables -A INPUT -p tcp --destination-port 22 --syn -m conntrack --ctstate NEW -m comment --comment ssh -j ACCEPT";
    let foobar = "iptables -N FOOBAR-CHAIN; iptables -A FOOBAR-CHAIN -s 0.0.0.0 -d 0.0.0.0 -m comment --comment \"FOOBAR-CHAIN RULE\" -j DROP";
    let with = |mut args: Vec<(&'static str, Value)>, more: Vec<(&'static str, Value)>| {
        args.extend(more);
        args
    };
    vec![
        // The integration target: chain management.
        c.case("", vec![chain("FOOBAR-CHAIN"), ("chain_management", T)]),
        c.case("", vec![chain("FOOBAR-CHAIN"), ("chain_management", T)])
            .check(),
        c.case("", vec![chain("FOOBAR-CHAIN")]),
        c.case(
            "iptables -N FOOBAR-CHAIN",
            vec![chain("FOOBAR-CHAIN"), ("chain_management", T)],
        ),
        c.case(
            "iptables -N FOOBAR-CHAIN",
            vec![
                chain("FOOBAR-CHAIN"),
                ("source", s("0.0.0.0")),
                ("destination", s("0.0.0.0")),
                jump("DROP"),
                ("comment", s("FOOBAR-CHAIN RULE")),
            ],
        ),
        c.case(foobar, vec![chain("FOOBAR-CHAIN"), ("flush", T)]),
        c.case(foobar, vec![chain("FOOBAR-CHAIN"), ("flush", T)])
            .check(),
        c.case("", vec![("flush", T)]),
        c.case("", vec![("flush", T), ("table", s("nat"))]),
        c.case(
            "iptables -N FOOBAR-CHAIN",
            vec![
                chain("FOOBAR-CHAIN"),
                ("chain_management", T),
                ("state", s("absent")),
            ],
        ),
        c.case(
            "iptables -N FOOBAR-CHAIN",
            vec![
                chain("FOOBAR-CHAIN"),
                ("chain_management", T),
                ("state", s("absent")),
            ],
        )
        .check(),
        c.case(
            "iptables -N FOOBAR-CHAIN",
            vec![chain("FOOBAR-CHAIN"), ("state", s("absent"))],
        ),
        c.case(
            "",
            vec![
                chain("FOOBAR-CHAIN"),
                ("state", s("absent")),
                ("chain_management", T),
            ],
        ),
        c.case(
            foobar,
            vec![
                chain("FOOBAR-CHAIN"),
                ("chain_management", T),
                ("state", s("absent")),
            ],
        ),
        // Rules: append, present already, check mode, insert, delete.
        c.case("", ssh()),
        c.case(ssh_rule, ssh()),
        c.case("", ssh()).check(),
        c.case(ssh_rule, with(ssh(), vec![("state", s("absent"))])),
        c.case(ssh_rule, with(ssh(), vec![("state", s("absent"))]))
            .check(),
        c.case("", with(ssh(), vec![("state", s("absent"))])),
        c.case(
            "iptables -A INPUT -j ACCEPT; iptables -A INPUT -j DROP",
            vec![
                chain("INPUT"),
                ("action", s("insert")),
                ("rule_num", s("2")),
                ("source", s("192.0.2.1")),
                jump("REJECT"),
            ],
        ),
        c.case(
            "iptables -A INPUT -j ACCEPT",
            vec![
                chain("INPUT"),
                ("action", s("insert")),
                ("source", s("!192.0.2.0/24")),
                jump("DROP"),
                ("wait", s("5")),
            ],
        ),
        // Every option.
        c.case(
            "",
            vec![
                chain("INPUT"),
                ("protocol", s("!udp")),
                ("source_port", s("53")),
                ("in_interface", s("lo")),
                jump("ACCEPT"),
            ],
        ),
        c.case(
            "",
            vec![
                chain("OUTPUT"),
                ("out_interface", s("!lo")),
                ("destination", s("198.51.100.0/24")),
                ("fragment", s("!")),
                jump("DROP"),
            ],
        ),
        c.case(
            "",
            vec![
                chain("INPUT"),
                ("protocol", s("tcp")),
                ("destination_ports", list(&["80", "443", "8000:8080"])),
                jump("ACCEPT"),
            ],
        ),
        c.case(
            "",
            vec![
                chain("INPUT"),
                ("protocol", s("tcp")),
                ("match", list(&["tcp"])),
                (
                    "tcp_flags",
                    Value::Map(Map::from_iter([
                        ("flags".to_string(), list(&["ALL"])),
                        ("flags_set".to_string(), list(&["ACK", "RST", "SYN", "FIN"])),
                    ])),
                ),
                jump("DROP"),
            ],
        ),
        c.case(
            "",
            vec![
                chain("INPUT"),
                ("match", list(&["state"])),
                ("ctstate", list(&["ESTABLISHED", "RELATED"])),
                jump("ACCEPT"),
            ],
        ),
        c.case(
            "",
            vec![
                chain("INPUT"),
                ("match", list(&["conntrack"])),
                ("ctstate", list(&["INVALID"])),
                jump("DROP"),
            ],
        ),
        c.case(
            "",
            vec![
                chain("INPUT"),
                ("src_range", s("192.0.2.1-192.0.2.9")),
                ("dst_range", s("192.0.2.10-192.0.2.20")),
                jump("ACCEPT"),
            ],
        ),
        c.case(
            "",
            vec![
                chain("INPUT"),
                ("match", list(&["iprange"])),
                ("src_range", s("!192.0.2.1-192.0.2.9")),
                jump("ACCEPT"),
            ],
        ),
        c.case(
            "",
            vec![
                chain("INPUT"),
                ("limit", s("10/second")),
                ("limit_burst", s("20")),
                jump("ACCEPT"),
            ],
        ),
        c.case(
            "",
            vec![chain("INPUT"), ("limit_burst", s("5")), jump("ACCEPT")],
        ),
        c.case(
            "",
            vec![chain("OUTPUT"), ("uid_owner", s("0")), jump("ACCEPT")],
        ),
        c.case(
            "",
            vec![
                chain("OUTPUT"),
                ("uid_owner", s("!0")),
                ("gid_owner", s("0")),
                jump("DROP"),
            ],
        ),
        c.case(
            "",
            vec![
                chain("INPUT"),
                ("protocol", s("icmp")),
                ("icmp_type", s("echo-request")),
                jump("ACCEPT"),
            ],
        ),
        c.case(
            "",
            vec![
                chain("INPUT"),
                ("protocol", s("tcp")),
                ("reject_with", s("tcp-reset")),
            ],
        ),
        c.case(
            "",
            vec![
                chain("INPUT"),
                ("protocol", s("tcp")),
                ("syn", s("negate")),
                jump("ACCEPT"),
            ],
        ),
        c.case("", vec![chain("INPUT"), ("goto", s("FOOBAR-CHAIN"))]),
        c.case(
            "iptables -N FOOBAR-CHAIN",
            vec![chain("INPUT"), ("goto", s("FOOBAR-CHAIN"))],
        ),
        c.case(
            "",
            vec![
                chain("INPUT"),
                ("set_counters", s("10 100")),
                jump("ACCEPT"),
            ],
        ),
        c.case(
            "",
            vec![
                chain("OUTPUT"),
                ("log_prefix", s("mrti: ")),
                ("log_level", s("warning")),
            ],
        ),
        c.case(
            "",
            vec![chain("OUTPUT"), ("log_level", s("4")), jump("LOG")],
        ),
        c.case(
            "",
            vec![chain("OUTPUT"), ("log_prefix", s("x")), jump("ACCEPT")],
        ),
        c.case(
            "",
            vec![
                ("table", s("nat")),
                chain("PREROUTING"),
                ("protocol", s("tcp")),
                ("destination_port", s("80")),
                jump("REDIRECT"),
                ("to_ports", s("8600")),
            ],
        ),
        c.case(
            "",
            vec![
                ("table", s("nat")),
                chain("PREROUTING"),
                ("protocol", s("tcp")),
                jump("DNAT"),
                ("to_destination", s("192.0.2.5:8080")),
            ],
        ),
        c.case(
            "",
            vec![
                ("table", s("nat")),
                chain("POSTROUTING"),
                ("out_interface", s("eth9")),
                jump("SNAT"),
                ("to_source", s("192.0.2.7")),
            ],
        ),
        c.case(
            "",
            vec![
                ("table", s("mangle")),
                chain("OUTPUT"),
                jump("DSCP"),
                ("set_dscp_mark", s("10")),
            ],
        ),
        c.case(
            "",
            vec![
                ("table", s("mangle")),
                chain("OUTPUT"),
                jump("MARK"),
                ("set_dscp_mark_class", s("CS1")),
            ],
        ),
        c.case(
            "",
            vec![
                ("table", s("mangle")),
                chain("PREROUTING"),
                jump("TEE"),
                ("gateway", s("192.0.2.1")),
            ],
        ),
        c.case(
            "",
            vec![
                ("table", s("raw")),
                chain("PREROUTING"),
                ("protocol", s("udp")),
                jump("NOTRACK"),
            ],
        ),
        c.case(
            "",
            vec![
                chain("INPUT"),
                ("match_set", s("mrti-set")),
                ("match_set_flags", s("src")),
                jump("DROP"),
            ],
        ),
        c.case(
            "",
            vec![
                chain("INPUT"),
                ("match", list(&["set"])),
                ("match_set", s("mrti-set")),
                ("match_set_flags", s("src,dst")),
                jump("DROP"),
            ],
        ),
        c.case(
            "",
            vec![
                chain("INPUT"),
                ("comment", s("just a comment")),
                ("numeric", T),
            ],
        ),
        // Policies.
        c.case("", vec![chain("FORWARD"), ("policy", s("DROP"))]),
        c.case(
            "iptables -P FORWARD DROP",
            vec![chain("FORWARD"), ("policy", s("DROP"))],
        ),
        c.case("", vec![chain("INPUT"), ("policy", s("DROP"))])
            .check(),
        c.case(
            "",
            vec![chain("INPUT"), ("policy", s("ACCEPT")), ("numeric", T)],
        ),
        c.case("", vec![chain("NOPE"), ("policy", s("DROP"))]),
        // IPv6 and both.
        c.case(
            "",
            vec![
                chain("INPUT"),
                ("ip_version", s("ipv6")),
                ("source", s("2001:db8::/32")),
                jump("DROP"),
            ],
        ),
        c.case(
            "",
            vec![
                chain("INPUT"),
                ("ip_version", s("ipv6")),
                ("protocol", s("ipv6-icmp")),
                ("icmp_type", s("echo-request")),
                jump("ACCEPT"),
            ],
        ),
        c.case(
            "",
            vec![
                chain("INPUT"),
                ("ip_version", s("both")),
                ("protocol", s("tcp")),
                ("destination_port", s("22")),
                jump("ACCEPT"),
            ],
        ),
        c.case(
            "ip6tables -A INPUT -p tcp --dport 22 -j ACCEPT",
            vec![
                chain("INPUT"),
                ("ip_version", s("both")),
                ("protocol", s("tcp")),
                ("destination_port", s("22")),
                jump("ACCEPT"),
            ],
        ),
        c.case(
            "",
            vec![
                chain("INPUT"),
                ("ip_version", s("both")),
                ("policy", s("DROP")),
            ],
        ),
        c.case(
            "",
            vec![
                chain("MRTI"),
                ("ip_version", s("both")),
                ("chain_management", T),
            ],
        ),
        // Failures.
        // ansible's module raises on these two (a None joined into the
        // rule); both end as an unhandled exception.
        c.case(
            "",
            vec![chain("INPUT"), ("match_set", s("mrti-set")), jump("DROP")],
        ),
        c.case(
            "",
            vec![
                chain("INPUT"),
                (
                    "tcp_flags",
                    Value::Map(Map::from_iter([("flags".to_string(), list(&["ALL"]))])),
                ),
                jump("DROP"),
            ],
        ),
        c.case("", vec![chain("INPUT"), jump("NO_SUCH_TARGET")]),
        c.case(
            "",
            vec![
                chain("INPUT"),
                ("source", s("not an address")),
                jump("DROP"),
            ],
        ),
        c.case(
            "",
            vec![
                chain("INPUT"),
                ("state", s("absent")),
                ("source", s("192.0.2.1")),
            ],
        )
        .check(),
        c.case("", vec![jump("DROP")]),
        c.case(
            "",
            vec![chain("INPUT"), ("flush", T), ("policy", s("DROP"))],
        ),
        c.case("", vec![chain("INPUT"), ("set_dscp_mark", s("1"))]),
        c.case("", vec![chain("INPUT"), jump("TEE")]),
        c.case("", vec![chain("INPUT"), ("table", s("bogus"))]),
        c.case("", vec![chain("INPUT"), ("log_level", s("loud"))]),
        c.case(
            "",
            vec![chain("INPUT"), ("rule_num", s("1")), ("nonsense", s("x"))],
        ),
        c.case("", vec![chain("INPUT"), ("table", s("nat")), jump("DROP")]),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn iptables_matches_ansible_core() {
    if !is_root() {
        eprintln!("skipped: iptables parity (network namespaces, root only)");
        return;
    }
    let pool = ref_pool();
    let dir = tempdir("iptables");
    namespace_tools(&dir);
    let wrapper = dir.join("wrapper");
    let v = vars(&[
        ("ansible_connection", "lxc"),
        ("ansible_host", "mrti-ns"),
        ("ansible_python_interpreter", SYSTEM_PYTHON),
        (
            "mitogen_lxc_attach_path",
            wrapper.to_str().expect("utf-8 path"),
        ),
    ]);
    let spec = mitorun::transport::ConnectionSpec::from_vars("mrti-ns", &v).expect("spec");
    let ctx = pool
        .context(&spec)
        .await
        .expect("connect through unshare -n");
    let shared = Cases::new(&dir);
    let cases = cases(&shared);
    let failures = compare(&ctx, &dir.join("s"), &cases).await;
    pool.shutdown().await;
    let _ = Command::new("umount").arg(dir.join("ns")).status();
    let _ = std::fs::remove_dir_all(&dir);
    parity::assert_all_match(&failures, cases.len());
}

/// `command` (a playbook run) in a network namespace of its own, then the
/// namespace's rules: what the run printed and what it left.
fn playbook_in_namespace(command: &str) -> String {
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/iptables");
    let out = Command::new("unshare")
        .args([
            "-n",
            "sh",
            "-c",
            &format!("{command} site.yml 2>&1; echo rc=$?; iptables-save | grep -v '^#'"),
        ])
        .current_dir(fixture)
        .env("ANSIBLE_NOCOLOR", "1")
        .output()
        .expect("unshare runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn iptables_playbook_matches_ansible_playbook() {
    if !is_root() {
        eprintln!("skipped: iptables playbook (network namespaces, root only)");
        return;
    }
    let Some(bin) = ref_bin() else {
        panic!("MITORUN_REF_BIN must point at the ansible-core 2.19 venv's bin dir");
    };
    let mine = playbook_in_namespace(env!("CARGO_BIN_EXE_mitorun"));
    let theirs = playbook_in_namespace(&format!("{bin}/ansible-playbook"));
    assert!(mine.contains("-A OUTPUT -j LOG"), "{mine}");
    assert_eq!(mine, theirs);
}
