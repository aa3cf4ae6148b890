# mitorun agent: native ansible.builtin.iptables, result for result with
# ansible-core 2.19's module: one rule built from the options into the same
# iptables/ip6tables argv (option order, `!` negation, the implied
# `-m multiport/conntrack/iprange/set/limit/owner/comment` matches and
# `-j REJECT/DSCP/LOG` jumps), looked up with `-C` and then appended,
# inserted or deleted; or a whole chain flushed, its policy set, or the
# chain created/deleted (chain_management). Check mode runs only the
# lookups. Shipped with the first iptables call (modules::native_code)
# after native_dev_run.py, whose run_command it uses.

IPT_SPEC = ArgSpec({
    "table": {"type": "str", "default": "filter",
              "choices": ["filter", "nat", "mangle", "raw", "security"]},
    "state": {"type": "str", "default": "present", "choices": ["absent", "present"]},
    "action": {"type": "str", "default": "append", "choices": ["append", "insert"]},
    "ip_version": {"type": "str", "default": "ipv4", "choices": ["ipv4", "ipv6", "both"]},
    "chain": {"type": "str"},
    "rule_num": {"type": "str"},
    "protocol": {"type": "str"},
    "wait": {"type": "str"},
    "source": {"type": "str"},
    "to_source": {"type": "str"},
    "destination": {"type": "str"},
    "to_destination": {"type": "str"},
    "match": {"type": "list", "elements": "str", "default": []},
    "tcp_flags": {"type": "dict", "options": {
        "flags": {"type": "list", "elements": "str"},
        "flags_set": {"type": "list", "elements": "str"},
    }},
    "jump": {"type": "str"},
    "gateway": {"type": "str"},
    "log_prefix": {"type": "str"},
    "log_level": {"type": "str", "default": None,
                  "choices": ["0", "1", "2", "3", "4", "5", "6", "7", "emerg", "alert", "crit",
                              "error", "warning", "notice", "info", "debug"]},
    "goto": {"type": "str"},
    "in_interface": {"type": "str"},
    "out_interface": {"type": "str"},
    "fragment": {"type": "str"},
    "set_counters": {"type": "str"},
    "source_port": {"type": "str"},
    "destination_port": {"type": "str"},
    "destination_ports": {"type": "list", "elements": "str", "default": []},
    "to_ports": {"type": "str"},
    "set_dscp_mark": {"type": "str"},
    "set_dscp_mark_class": {"type": "str"},
    "comment": {"type": "str"},
    "ctstate": {"type": "list", "elements": "str", "default": []},
    "src_range": {"type": "str"},
    "dst_range": {"type": "str"},
    "match_set": {"type": "str"},
    "match_set_flags": {"type": "str",
                        "choices": ["src", "dst", "src,dst", "dst,src", "src,src", "dst,dst"]},
    "limit": {"type": "str"},
    "limit_burst": {"type": "str"},
    "uid_owner": {"type": "str"},
    "gid_owner": {"type": "str"},
    "reject_with": {"type": "str"},
    "icmp_type": {"type": "str"},
    "syn": {"type": "str", "default": "ignore", "choices": ["ignore", "match", "negate"]},
    "flush": {"type": "bool", "default": False},
    "policy": {"type": "str", "choices": ["ACCEPT", "DROP", "QUEUE", "RETURN"]},
    "chain_management": {"type": "bool", "default": False},
    "numeric": {"type": "bool", "default": False},
}, mutually_exclusive=[["set_dscp_mark", "set_dscp_mark_class"], ["flush", "policy"]],
    required_by={"set_dscp_mark": ("jump",), "set_dscp_mark_class": ("jump",)},
    required_if=[["jump", "TEE", ["gateway"]], ["jump", "tee", ["gateway"]],
                 ["flush", False, ["chain"]]])

IPT_BINARIES = {"ipv4": "iptables", "ipv6": "ip6tables"}
# ansible passes both ICMP options as one word for ip_version=both (which
# iptables then rejects); kept so the rule and the failure are the same.
IPT_ICMP_OPTION = {"ipv4": "--icmp-type", "ipv6": "--icmpv6-type",
                   "both": "--icmp-type --icmpv6-type"}
# `-w` exists from iptables 1.4.20, `-w SECONDS` from 1.6.0.
IPT_WAIT_SINCE = "1.4.20"
IPT_WAIT_SECONDS_SINCE = "1.6.0"
_IPT_VERSION_PART = re.compile(r"(\d+|[a-z]+|\.)")


def ipt_version_key(text):
    """LooseVersion's parts: numbers as ints, letter runs and other text as
    strings (comparing an int with a string raises, as there)."""
    parts = []
    for piece in _IPT_VERSION_PART.split(text):
        if not piece or piece == ".":
            continue
        try:
            parts.append(int(piece))
        except ValueError:
            parts.append(piece)
    return parts


class IptRule(object):
    """The rule's words in the order ansible puts them."""

    def __init__(self):
        self.words = []

    def option(self, value, flag):
        """`flag value`, or `! flag rest` for a value starting with `!`."""
        if value is None:
            return
        if value[0] == "!":
            self.words.extend(["!", flag, value[1:]])
        else:
            self.words.extend([flag, value])

    def options(self, values, flag):
        for value in values:
            self.option(value, flag)

    def flag(self, setting, flag, negatable):
        """A bare flag for `match`, `! flag` for `negate` when allowed."""
        if setting == "match":
            self.words.append(flag)
        elif negatable and setting == "negate":
            self.words.extend(["!", flag])

    def joined(self, values, flag):
        if values:
            self.words.extend([flag, ",".join(values)])

    def module(self, wanted, name):
        if wanted:
            self.words.extend(["-m", name])

    def jump(self, wanted, target):
        if wanted:
            self.words.extend(["-j", target])


def ipt_rule(p):
    """The rule part of the command line (a list of words)."""
    r = IptRule()
    r.option(p["protocol"], "-p")
    r.option(p["source"], "-s")
    r.option(p["destination"], "-d")
    r.options(p["match"], "-m")
    flags = p["tcp_flags"]
    if flags and "flags" in flags and "flags_set" in flags:
        r.words.extend(["--tcp-flags", ",".join(flags["flags"]), ",".join(flags["flags_set"])])
    r.option(p["jump"], "-j")
    if p.get("jump") and p["jump"].lower() == "tee":
        r.option(p["gateway"], "--gateway")
    r.option(p["log_prefix"], "--log-prefix")
    r.option(p["log_level"], "--log-level")
    r.option(p["to_destination"], "--to-destination")
    r.module(p["destination_ports"], "multiport")
    r.joined(p["destination_ports"], "--dports")
    r.option(p["to_source"], "--to-source")
    r.option(p["goto"], "-g")
    r.option(p["in_interface"], "-i")
    r.option(p["out_interface"], "-o")
    r.option(p["fragment"], "-f")
    r.option(p["set_counters"], "-c")
    r.option(p["source_port"], "--source-port")
    r.option(p["destination_port"], "--destination-port")
    r.option(p["to_ports"], "--to-ports")
    r.option(p["set_dscp_mark"], "--set-dscp")
    if p.get("set_dscp_mark") and p.get("jump").lower() != "dscp":
        r.jump(p["set_dscp_mark"], "DSCP")
    r.option(p["set_dscp_mark_class"], "--set-dscp-class")
    if p.get("set_dscp_mark_class") and p.get("jump").lower() != "dscp":
        r.jump(p["set_dscp_mark_class"], "DSCP")
    r.flag(p["syn"], "--syn", True)
    # ctstate goes with an explicit conntrack or state match, else brings
    # its own conntrack match; the same for ranges and sets below.
    if "conntrack" in p["match"]:
        r.joined(p["ctstate"], "--ctstate")
    elif "state" in p["match"]:
        r.joined(p["ctstate"], "--state")
    elif p["ctstate"]:
        r.module(p["ctstate"], "conntrack")
        r.joined(p["ctstate"], "--ctstate")
    if "iprange" not in p["match"]:
        r.module(p["src_range"] or p["dst_range"], "iprange")
    r.option(p["src_range"], "--src-range")
    r.option(p["dst_range"], "--dst-range")
    if "set" in p["match"] or p["match_set"]:
        if "set" not in p["match"]:
            r.module(p["match_set"], "set")
        r.option(p["match_set"], "--match-set")
        # The set's direction flags follow the set name as a bare word
        # (None when unset, which fails joining the rule as in ansible).
        r.words.append(p["match_set_flags"])
    r.module(p["limit"] or p["limit_burst"], "limit")
    r.option(p["limit"], "--limit")
    r.option(p["limit_burst"], "--limit-burst")
    for owner, flag in (("uid_owner", "--uid-owner"), ("gid_owner", "--gid-owner")):
        r.module(p[owner], "owner")
        r.flag(p[owner], flag, True)
        r.option(p[owner], flag)
    if p["jump"] is None:
        r.jump(p["reject_with"], "REJECT")
        r.jump(p["set_dscp_mark_class"], "DSCP")
        r.jump(p["set_dscp_mark"], "DSCP")
    r.option(p["reject_with"], "--reject-with")
    r.option(p["icmp_type"], IPT_ICMP_OPTION[p["ip_version"]])
    r.module(p["comment"], "comment")
    r.option(p["comment"], "--comment")
    return r.words


class IptTool(object):
    """One iptables/ip6tables binary driven through run_command."""

    def __init__(self, run, path, p):
        self.run = run
        self.path = path
        self.p = p

    def command(self, action, with_rule=True):
        p = self.p
        cmd = [self.path, "-t", p["table"], action, p["chain"]]
        if action == "-I" and p["rule_num"]:
            cmd.append(p["rule_num"])
        if p["wait"]:
            cmd.extend(["-w", p["wait"]])
        if with_rule:
            cmd.extend(ipt_rule(p))
        return cmd

    def must(self, cmd):
        return self.run.run(cmd, check_rc=True)

    def listing(self, check_rc):
        cmd = self.command("-L", with_rule=False)
        if self.p["numeric"]:
            cmd.append("--numeric")
        return self.run.run(cmd, check_rc=check_rc)

    def version(self):
        _rc, out, _err = self.must([self.path, "--version"])
        return out.split("v")[1].rstrip("\n")

    def rule_present(self):
        rc, _out, _err = self.run.run(self.command("-C"))
        return rc == 0

    def chain_present(self):
        rc, _out, _err = self.listing(check_rc=False)
        return rc == 0

    def policy(self):
        _rc, out, _err = self.listing(check_rc=True)
        found = re.search(r"\(policy ([A-Z]+)\)", out.split("\n")[0])
        return found.group(1) if found else None


def ipt_adjust_wait(p, version):
    """Drop `-w` for an iptables without it, or its seconds for one
    without those."""
    key = ipt_version_key(version)
    if key >= ipt_version_key(IPT_WAIT_SINCE):
        if key < ipt_version_key(IPT_WAIT_SECONDS_SINCE):
            p["wait"] = ""
    else:
        p["wait"] = None


def ipt_apply(tool, p, m, result):
    """One binary's work; returns whether it changed (or would change)
    anything."""
    if result["flush"] is True:
        if not m.check_mode:
            tool.must(tool.command("-F", with_rule=False))
        return True
    if p["policy"]:
        current = tool.policy()
        if not current:
            m.fail("Can't detect current policy")
        changed = current != p["policy"]
        if changed and not m.check_mode:
            tool.must(tool.command("-P", with_rule=False) + [p["policy"]])
        return changed
    if not result["rule"]:
        # No rule options: the task is about the chain itself.
        present = tool.chain_present()
        if result["state"] == "absent":
            if present and result["chain_management"] and not m.check_mode:
                tool.must(tool.command("-X", with_rule=False))
            return present
        if not present and result["chain_management"] and not m.check_mode:
            tool.must(tool.command("-N", with_rule=False))
        return not present
    wanted = result["state"] == "present"
    changed = tool.rule_present() != wanted
    if changed and not m.check_mode:
        if not wanted:
            action = "-D"
        elif p["action"] == "insert":
            action = "-I"
        else:
            action = "-A"
        tool.must(tool.command(action))
    return changed


def iptables_body(p, m, run):
    result = {
        "changed": False,
        "failed": False,
        "ip_version": p["ip_version"],
        "table": p["table"],
        "chain": p["chain"],
        "flush": p["flush"],
        "rule": " ".join(ipt_rule(p)),
        "state": p["state"],
        "chain_management": p["chain_management"],
        "wait": p["wait"],
    }
    versions = ["ipv4", "ipv6"] if p["ip_version"] == "both" else [p["ip_version"]]
    paths = [run.bin_path(IPT_BINARIES[v], required=True) for v in versions]
    changed = False
    for path in paths:
        # The logging options imply the LOG target, after the rule shown
        # in the result was made (so it lacks the `-j LOG`).
        if p.get("log_prefix") or p.get("log_level"):
            if p["jump"] is None:
                p["jump"] = "LOG"
            elif p["jump"] != "LOG":
                m.fail("Logging options can only be used with the LOG jump target.")
        tool = IptTool(run, path, p)
        ipt_adjust_wait(p, tool.version())
        changed = ipt_apply(tool, p, m, result) or changed
    result["changed"] = changed
    return result


@native("iptables")
def native_iptables(agent, args, header):
    def body(p, m):
        return iptables_body(p, m, DevRunner(m, args))
    return run_module_body("iptables", IPT_SPEC, args, header, body)
