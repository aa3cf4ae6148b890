#!/usr/bin/env python3
"""Run a command and report its wall time and the CPU time of its whole
process tree (stdlib only; Linux).

Usage: measure.py STATS_FILE COMMAND [ARG...]

The command inherits stdin/stdout/stderr. When it exits, one JSON line is
written to STATS_FILE:

    {"rc": N, "wall_s": S, "user_s": S, "sys_s": S}

wall_s runs from the command's start to its exit. user_s and sys_s are the
CPU time of every process the command started, however it started them.
getrusage(RUSAGE_CHILDREN) only counts processes that were waited for, and
tools leave processes behind (ansible's ssh ControlMaster daemonizes with
ControlPersist; Mitogen's multiplexer and its ssh): this process makes
itself a child subreaper, so orphaned descendants become its children, and
after the command exits it stops and reaps whatever is left, so their CPU
time is counted too. What they do after the command's exit is only their
shutdown. The exit status is the command's (128 + signal if killed).
"""

import ctypes
import json
import os
import resource
import signal
import subprocess
import sys
import time

PR_SET_CHILD_SUBREAPER = 36


def become_subreaper():
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        err = ctypes.get_errno()
        raise OSError(err, "prctl(PR_SET_CHILD_SUBREAPER): " + os.strerror(err))


def children_of(pid):
    """PIDs whose parent is pid, from /proc (a process may vanish while we
    read: skip it)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                stat = f.read()
        except OSError:
            continue
        # The command name is in parentheses and may hold spaces: the
        # fields after the last ')' are state, ppid, ...
        fields = stat[stat.rfind(")") + 2:].split()
        if len(fields) > 1 and fields[1] == str(pid):
            found.append(int(entry))
    return found


def reap_leftovers():
    """Stop and reap every remaining descendant (they have been reparented
    to this process). SIGTERM first, SIGKILL for those that linger."""
    me = os.getpid()
    for sig in (signal.SIGTERM, signal.SIGKILL):
        deadline = time.monotonic() + 3.0
        while True:
            left = children_of(me)
            if not left:
                return
            for pid in left:
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    pass
            # Reap what has exited; children it had come to us next round.
            while True:
                try:
                    pid, _ = os.waitpid(-1, os.WNOHANG)
                except ChildProcessError:
                    break
                if pid == 0:
                    break
            if time.monotonic() > deadline:
                break
            time.sleep(0.05)


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    stats_file, command = sys.argv[1], sys.argv[2:]
    become_subreaper()
    start = time.monotonic()
    try:
        child = subprocess.Popen(command)
    except OSError as e:
        sys.exit("measure.py: cannot run %s: %s" % (command[0], e))
    rc = child.wait()
    wall = time.monotonic() - start
    reap_leftovers()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    if rc < 0:
        rc = 128 - rc
    with open(stats_file, "w") as f:
        json.dump({"rc": rc, "wall_s": round(wall, 4), "user_s": round(usage.ru_utime, 4),
                   "sys_s": round(usage.ru_stime, 4)}, f)
        f.write("\n")
    sys.exit(rc)


if __name__ == "__main__":
    main()
