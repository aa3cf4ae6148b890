#!/usr/bin/env python3
"""The tables of bench/mitogen_workloads.sh (stdlib only).

Usage: workloads_report.py RESULTS_TSV

RESULTS_TSV has one row per run: workload, host, tool, run, exit status,
wall s, user s, sys s, bytes sent, bytes received ('-' without the relay),
recap (the host's PLAY RECAP counters). Per workload x host x tool the
median of the runs is reported; ratios are tool / mitorun (how many times
mitorun is faster, cheaper, smaller). The per-call section is (mixed-50 -
baseline) / 49: the 49 calls mixed-50 makes beyond baseline's one.

The targets (issue 5) are checked against Mitogen: loop-100-items at least
10x faster on the loopback host (LOOPBACK_HOST, default lo-target) and 15x
on the 30 ms host (DELAYED_HOST, default mr-t2); every workload faster;
controller CPU at least 5x below. Exit status 1 when a run failed or the
recaps of one workload and host differ (between tools or runs); a missed
target is printed, not an error.
"""

import csv
import os
import statistics
import sys

TOOLS = ("mitorun", "mitogen", "ansible")
TOOL_TITLES = {"mitorun": "mitorun", "mitogen": "Mitogen", "ansible": "ansible-core"}
MIXED_EXTRA_CALLS = 49


def load(path):
    runs = {}
    order = []
    with open(path, newline="") as f:
        for row in csv.reader(f, delimiter="\t"):
            if len(row) != 11:
                continue
            wl, host, tool, _run, rc, wall, user, sys_, sent, recv, recap = row
            key = (wl, host)
            if key not in order:
                order.append(key)
            runs.setdefault(key, {}).setdefault(tool, []).append({
                "rc": int(rc),
                "wall": float(wall),
                "cpu": float(user) + float(sys_),
                "sent": None if sent == "-" else int(sent),
                "recv": None if recv == "-" else int(recv),
                "recap": recap.strip(),
            })
    return order, runs


def median_of(rows, field):
    values = [r[field] for r in rows if r[field] is not None]
    return statistics.median(values) if values else None


def summarize(rows):
    return {field: median_of(rows, field) for field in ("wall", "cpu", "sent", "recv")}


def ratio(other, mine):
    if other is None or mine is None or mine <= 0:
        return None
    return other / mine


def fmt(value, spec):
    return "-" if value is None else format(value, spec)


def fmt_ratio(value):
    return "-" if value is None else "x%.1f" % value


def header(tools, width):
    """The column titles: each tool's (`width` wide), then mitorun's ratio
    to each other tool. Returns the other tools."""
    head = "%-18s %-10s" % ("workload", "host")
    head += "".join(" %*s" % (width, TOOL_TITLES[t]) for t in tools)
    others = [t for t in tools if t != "mitorun"]
    if "mitorun" in tools:
        head += "".join(" %12s" % ("vs " + TOOL_TITLES[t]) for t in others)
    print(head)
    return others


def table(title, order, summaries, tools, field, spec, scale=1.0):
    print(title)
    others = header(tools, 12)
    for key in order:
        s = summaries[key]
        line = "%-18s %-10s" % key

        def value(tool):
            v = s.get(tool, {}).get(field)
            return None if v is None else v * scale

        line += "".join(" %12s" % fmt(value(t), spec) for t in tools)
        if "mitorun" in tools:
            line += "".join(" %12s" % fmt_ratio(ratio(value(t), value("mitorun"))) for t in others)
        print(line)
    print()


def bytes_table(order, summaries, tools):
    print("bytes on the wire (TCP payload through the relay), KB sent / KB received")
    others = header(tools, 17)
    for key in order:
        s = summaries[key]
        line = "%-18s %-10s" % key
        for t in tools:
            v = s.get(t)
            if v is None or v["sent"] is None:
                line += " %17s" % "-"
            else:
                line += " %17s" % ("%.1f / %.1f" % (v["sent"] / 1000, v["recv"] / 1000))

        def total(tool):
            v = s.get(tool)
            if v is None or v["sent"] is None:
                return None
            return v["sent"] + v["recv"]

        if "mitorun" in tools:
            line += "".join(" %12s" % fmt_ratio(ratio(total(t), total("mitorun"))) for t in others)
        print(line)
    print()


def per_call(order, summaries, tools):
    hosts = [h for (wl, h) in order if wl == "mixed-50" and ("baseline", h) in summaries]
    if not hosts:
        return
    print("per call, mixed-50 less baseline over %d calls: ms wall, ms CPU, bytes sent / received"
          % MIXED_EXTRA_CALLS)
    print("%-10s %-14s %10s %10s %18s" % ("host", "tool", "wall ms", "cpu ms", "bytes"))
    for h in hosts:
        mixed, base = summaries[("mixed-50", h)], summaries[("baseline", h)]
        for t in tools:
            if t not in mixed or t not in base:
                continue
            m, b = mixed[t], base[t]
            wall = (m["wall"] - b["wall"]) * 1000 / MIXED_EXTRA_CALLS
            cpu = (m["cpu"] - b["cpu"]) * 1000 / MIXED_EXTRA_CALLS
            if m["sent"] is None or b["sent"] is None:
                wire = "-"
            else:
                wire = "%d / %d" % ((m["sent"] - b["sent"]) / MIXED_EXTRA_CALLS,
                                    (m["recv"] - b["recv"]) / MIXED_EXTRA_CALLS)
            print("%-10s %-14s %10.1f %10.1f %18s" % (h, TOOL_TITLES[t], wall, cpu, wire))
    print()


def check_targets(order, summaries):
    loopback = os.environ.get("LOOPBACK_HOST", "lo-target")
    delayed = os.environ.get("DELAYED_HOST", "mr-t2")
    lines = []

    def wall_ratio(key):
        s = summaries.get(key, {})
        if "mitorun" not in s or "mitogen" not in s:
            return None
        return ratio(s["mitogen"]["wall"], s["mitorun"]["wall"])

    for host, need in ((loopback, 10.0), (delayed, 15.0)):
        r = wall_ratio(("loop-100-items", host))
        if r is not None:
            lines.append((r >= need, "loop-100-items on %s: x%.1f faster than Mitogen (target x%d)"
                          % (host, r, need)))
    for key in order:
        r = wall_ratio(key)
        if r is not None:
            lines.append((r > 1.0, "%s on %s: faster than Mitogen (x%.1f)" % (key[0], key[1], r)))
    for key in order:
        s = summaries[key]
        if "mitorun" in s and "mitogen" in s:
            r = ratio(s["mitogen"]["cpu"], s["mitorun"]["cpu"])
            if r is not None:
                lines.append((r >= 5.0, "%s on %s: controller CPU x%.1f below Mitogen's (target x5)"
                              % (key[0], key[1], r)))
    if lines:
        print("targets (issue 5):")
        for ok, text in lines:
            print("  %-4s %s" % ("ok" if ok else "MISS", text))
        print()


def check_runs(order, runs):
    """Failed runs and recaps that differ; True when all is well."""
    good = True
    for key in order:
        recaps = {}
        for tool, rows in runs[key].items():
            for r in rows:
                if r["rc"] != 0:
                    print("FAILED run: %s %s on %s (exit %d)" % (tool, key[0], key[1], r["rc"]))
                    good = False
                recaps.setdefault(r["recap"], set()).add(tool)
        if len(recaps) > 1:
            good = False
            print("PLAY RECAPs differ for %s on %s:" % key)
            for recap, tools in recaps.items():
                print("  %-30s %s" % (",".join(sorted(tools)), recap))
    if good:
        print("every run succeeded; the PLAY RECAPs agree (per workload and host, across tools and runs)")
    print()
    return good


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    order, runs = load(sys.argv[1])
    if not order:
        sys.exit("no results in %s" % sys.argv[1])
    present = {t for per_tool in runs.values() for t in per_tool}
    tools = [t for t in TOOLS if t in present]
    summaries = {key: {t: summarize(rows) for t, rows in runs[key].items()} for key in order}
    counts = sorted({(t, len(rows)) for per_tool in runs.values() for t, rows in per_tool.items()})
    print("medians of %s runs" % ", ".join("%s %d" % (TOOL_TITLES[t], n) for t, n in counts))
    print()
    table("wall time, s", order, summaries, tools, "wall", ".2f")
    table("controller CPU (user+sys of the whole process tree), s", order, summaries, tools, "cpu", ".3f")
    if any(s.get(t, {}).get("sent") is not None for s in summaries.values() for t in tools):
        bytes_table(order, summaries, tools)
    per_call(order, summaries, tools)
    check_targets(order, summaries)
    good = check_runs(order, runs)
    sys.exit(0 if good else 1)


if __name__ == "__main__":
    main()
