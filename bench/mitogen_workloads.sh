#!/usr/bin/env bash
# Mitogen's benchmark workloads (our own playbooks in bench/workloads/),
# each run by mitorun, ansible-core 2.19 (pipelining on) and ansible-core +
# Mitogen 0.3.54 (strategy mitogen_linear) in the same run, on the lab's
# loopback host and its +30 ms host. For every workload x host x tool it
# records the wall time, the controller CPU time (user+sys of the run's
# whole process tree, bench/measure.py) and the bytes on the wire (TCP
# payload both ways through a counting relay, bench/wire_relay.py, in
# front of the host's sshd), checks that the run succeeded and that the
# tools' PLAY RECAPs agree, then prints medians and ratios
# (bench/workloads_report.py).
#
# mitorun runs with a PATH that has no ansible-core (and without
# MITORUN_ANSIBLE_*), so a workload that needed one of ansible's modules
# fails and is reported.
#
# Env:
#   REF           venv with ansible-core + mitogen (default /tmp/ref)
#   LAB           lab dir written by ../shared/lab/lab-up.sh (default /tmp/lab)
#   MITORUN_BIN   default ${CARGO_TARGET_DIR:-target}/release/mitorun
#   HOSTS         lab hosts (default "lo-target mr-t2")
#   TOOLS         any of "mitorun mitogen ansible" (default all three)
#   WORKLOADS     names of bench/workloads/*.yml (default: all but the
#                 included file)
#   RUNS          runs of mitorun per cell (default 5; the median is used)
#   REF_RUNS      runs of ansible-core and of Mitogen per cell (default 1)
#   ANSIBLE_HOSTS hosts on which plain ansible-core runs (default
#                 "lo-target": on the +30 ms host it adds ~4.5 minutes;
#                 ANSIBLE_HOSTS="$HOSTS" for the full matrix)
#   WIRE          relay (default) or off: off dials the hosts directly and
#                 reports no bytes
#   KEEP          1 keeps the work dir (outputs of every run)
# Exit status: 0 all runs succeeded and recaps agree, 1 otherwise, 2 setup.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
REF=${REF:-/tmp/ref}
LAB=${LAB:-/tmp/lab}
mito=${MITORUN_BIN:-${CARGO_TARGET_DIR:-$repo/target}/release/mitorun}
HOSTS=${HOSTS:-lo-target mr-t2}
TOOLS=${TOOLS:-mitorun mitogen ansible}
WORKLOADS=${WORKLOADS:-baseline loop-100-items loop-100-tasks loop-20-templates includes mixed-50 gather-facts}
RUNS=${RUNS:-5}
REF_RUNS=${REF_RUNS:-1}
ANSIBLE_HOSTS=${ANSIBLE_HOSTS:-lo-target}
WIRE=${WIRE:-relay}

[[ -x "$mito" ]] || { echo "no $mito (cargo build --release, or set MITORUN_BIN)" >&2; exit 2; }
[[ -x "$REF/bin/ansible-playbook" ]] || { echo "no ansible-playbook in $REF/bin" >&2; exit 2; }
[[ -f "$LAB/inventory.ini" ]] || { echo "no lab inventory in $LAB (run ../shared/lab/lab-up.sh)" >&2; exit 2; }
case $WIRE in relay | off) ;; *) echo "WIRE is relay or off" >&2; exit 2 ;; esac
for wl in $WORKLOADS; do
    [[ -f "$here/workloads/$wl.yml" ]] || { echo "no workload $here/workloads/$wl.yml" >&2; exit 2; }
done
mitogen_site=$("$REF/bin/python" -c 'import ansible_mitogen,os;print(os.path.dirname(ansible_mitogen.__file__))')

work=$(mktemp -d "${TMPDIR:-/tmp}/mitorun-workloads.XXXXXX")
relay_pid=
cleanup() {
    [[ -n "$relay_pid" ]] && kill "$relay_pid" 2>/dev/null || true
    if [[ "${KEEP:-}" == 1 ]]; then echo "outputs kept in $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
mkdir -p "$work/home" "$work/cwd"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Per host: an inventory with the host's own variables, dialling either
# the relay (127.0.0.1:RELAY_PORT, with a known_hosts entry for that
# address holding the host's key from the lab's known_hosts) or the host.
declare -A relay_port target_addr
for h in $HOSTS; do
    vars_json=$("$REF/bin/ansible-inventory" -i "$LAB/inventory.ini" --host "$h")
    read -r addr port < <("$REF/bin/python" -c 'import json,sys; v=json.loads(sys.argv[1]); print(v.get("ansible_host", sys.argv[2]), v.get("ansible_port", 22))' "$vars_json" "$h")
    target_addr[$h]="$addr:$port"
    if [[ $port == 22 ]]; then lookup=$addr; else lookup="[$addr]:$port"; fi
    key=$(ssh-keygen -F "$lookup" -f "$LAB/ssh/known_hosts" | grep -v '^#' | head -n1 | cut -d' ' -f2,3)
    [[ -n "$key" ]] || { echo "no host key for $lookup in $LAB/ssh/known_hosts" >&2; exit 2; }
    if [[ $WIRE == relay ]]; then
        relay_port[$h]=$(free_port)
        dial_host=127.0.0.1 dial_port=${relay_port[$h]}
    else
        dial_host=$addr dial_port=$port
    fi
    if [[ $dial_port == 22 ]]; then echo "$dial_host $key"; else echo "[$dial_host]:$dial_port $key"; fi >"$work/known_hosts.$h"
    "$REF/bin/python" - "$vars_json" "$h" "$dial_host" "$dial_port" "$work/known_hosts.$h" >"$work/inventory.$h.ini" <<'PY'
import json, shlex, sys
hostvars, name, host, port, known = json.loads(sys.argv[1]), *sys.argv[2:]
hostvars.update(ansible_host=host, ansible_port=int(port), ansible_ssh_common_args=(
    "-o UserKnownHostsFile=%s -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes" % known))
words = [name] + ["%s=%s" % (k, shlex.quote(str(v))) for k, v in sorted(hostvars.items())
                  if k.startswith("ansible_")]
print(" ".join(words))
PY
done

# The environment of every tool: nothing from the caller's ANSIBLE_* or
# ansible.cfg (an empty HOME and cwd), a private ssh ControlPath dir per
# run, plain output.
base_env() {
    echo HOME="$work/home" LC_ALL=C.UTF-8 ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 \
        ANSIBLE_SSH_CONTROL_PATH_DIR="$work/cp" ANSIBLE_PIPELINING=True
}

# run_tool TOOL HOST WORKLOAD OUT STATS: one measured run.
run_tool() {
    local tool=$1 host=$2 wl=$3 out=$4 stats=$5
    local -a cmd
    case $tool in
        # No ansible-core anywhere mitorun looks (PATH, MITORUN_ANSIBLE_*).
        mitorun) cmd=(env -i $(base_env) PATH=/usr/local/bin:/usr/bin:/bin "$mito") ;;
        ansible) cmd=(env -i $(base_env) PATH="$REF/bin:/usr/bin:/bin" "$REF/bin/ansible-playbook") ;;
        mitogen) cmd=(env -i $(base_env) PATH="$REF/bin:/usr/bin:/bin"
            ANSIBLE_STRATEGY_PLUGINS="$mitogen_site/plugins/strategy" ANSIBLE_STRATEGY=mitogen_linear
            "$REF/bin/ansible-playbook") ;;
    esac
    rm -rf "$work/cp" && mkdir -p "$work/cp"
    (cd "$work/cwd" && python3 "$here/measure.py" "$stats" "${cmd[@]}" \
        -i "$work/inventory.$host.ini" "$here/workloads/$wl.yml") >"$out" 2>&1 || true
}

start_relay() {
    local host=$1 stats=$2
    python3 "$here/wire_relay.py" "${relay_port[$host]}" "${target_addr[$host]}" "$stats" >"$work/relay.out" &
    relay_pid=$!
    # Wait for its "ready" line, not by dialling it (that would count).
    for _ in $(seq 200); do grep -q ready "$work/relay.out" 2>/dev/null && return 0; sleep 0.02; done
    echo "the relay for $host did not start" >&2
    return 1
}

stop_relay() {
    sleep 0.2   # the connection's last bytes cross the relay after the tool exits
    kill "$relay_pid" 2>/dev/null || true
    wait "$relay_pid" 2>/dev/null || true
    relay_pid=
}

# One row per run: workload host tool run rc wall user sys sent recv recap
results="$work/results.tsv"
: >"$results"
failures=0
echo "machine: $(nproc) cores, load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "mitorun: $mito; ansible-core $("$REF/bin/python" -c 'import ansible.release as r; print(r.__version__)'), mitogen $("$REF/bin/python" -c 'import ansible_mitogen, mitogen; print(".".join(map(str, mitogen.__version__)))')"
echo "wire: $WIRE; runs per cell: mitorun $RUNS, ansible-core and Mitogen $REF_RUNS; plain ansible-core on: $ANSIBLE_HOSTS"
started=$(date +%s)
for wl in $WORKLOADS; do
    for host in $HOSTS; do
        for tool in $TOOLS; do
            runs=$RUNS
            [[ $tool != mitorun ]] && runs=$REF_RUNS
            [[ $tool == ansible && " $ANSIBLE_HOSTS " != *" $host "* ]] && continue
            for ((run = 1; run <= runs; run++)); do
                out="$work/out.$wl.$host.$tool.$run"
                stats="$work/time.$wl.$host.$tool.$run"
                wire="$work/wire.$wl.$host.$tool.$run"
                [[ $WIRE == relay ]] && start_relay "$host" "$wire"
                run_tool "$tool" "$host" "$wl" "$out" "$stats"
                [[ $WIRE == relay ]] && stop_relay
                read -r rc wall user sys < <(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["rc"], d["wall_s"], d["user_s"], d["sys_s"])' "$stats")
                sent=- recv=-
                if [[ $WIRE == relay ]]; then
                    read -r sent recv < <(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["to_target"], d["from_target"])' "$wire")
                fi
                recap=$(sed -n "/^PLAY RECAP/,\$p" "$out" | grep -E "^$host +:" | tr -s ' ' || true)
                if [[ $rc != 0 || -z $recap || $recap != *" unreachable=0 failed=0 "* ]]; then
                    echo "FAILED: $tool $wl on $host (run $run, exit $rc):" >&2
                    tail -n 15 "$out" >&2
                    failures=$((failures + 1))
                fi
                printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$wl" "$host" "$tool" "$run" "$rc" \
                    "$wall" "$user" "$sys" "$sent" "$recv" "${recap#"$host : "}" >>"$results"
                printf '  %-18s %-10s %-8s run %d: %7.2fs wall, %6.2fs cpu\n' "$wl" "$host" "$tool" "$run" \
                    "$wall" "$(echo "$user + $sys" | bc -l)" >&2
            done
        done
    done
done
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg); bench took $(( $(date +%s) - started ))s"
echo
python3 "$here/workloads_report.py" "$results" || failures=$((failures + 1))
[[ $failures == 0 ]]
