#!/usr/bin/env bash
# Bytes on the wire per `command: hostname` call: mitorun (russh client and
# ssh binary) vs ansible-core 2.19 vs ansible-core + Mitogen 0.3.54
# (mitogen_linear), over ssh to a private sshd on a loopback port.
#
# Each tool runs the same playbook (a loop of N `command: hostname` items,
# no facts) twice, with N=LOW and N=HIGH; the ssh connections go through a
# counting TCP relay (bench/wire_relay.py, one per run) that totals the TCP
# payload in each direction. Per call = (bytes at HIGH - bytes at LOW) /
# (HIGH - LOW), so the connection's set-up and the play's fixed cost drop
# out; "setup" is the LOW run minus LOW calls.
#
# Env: REF (venv with ansible-core + mitogen, default /tmp/ref),
# MITORUN_BIN (default ${CARGO_TARGET_DIR:-target}/release/mitorun),
# LOW (default 1), HIGH (default 51), TOOLS (default: all of
# mitorun_russh mitorun_binary mitorun_binary_zlib ansible mitogen).
# Needs /usr/sbin/sshd, ssh, ssh-keygen, python3.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
REF=${REF:-/tmp/ref}
mito=${MITORUN_BIN:-${CARGO_TARGET_DIR:-$repo/target}/release/mitorun}
LOW=${LOW:-1}
HIGH=${HIGH:-51}
[[ -x "$mito" ]] || { echo "no $mito (cargo build --release, or set MITORUN_BIN)" >&2; exit 2; }
[[ -x "$REF/bin/ansible-playbook" ]] || { echo "no ansible-playbook in $REF/bin" >&2; exit 2; }
site=$("$REF/bin/python" -c 'import ansible_mitogen,os;print(os.path.dirname(ansible_mitogen.__file__))')

work=$(mktemp -d "${TMPDIR:-/tmp}/mitorun-wire.XXXXXX")
sshd_pid=
relay_pid=
cleanup() {
    [[ -n "$relay_pid" ]] && kill "$relay_pid" 2>/dev/null || true
    [[ -n "$sshd_pid" ]] && kill "$sshd_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() {
    for _ in $(seq 200); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.05
    done
    echo "nothing listens on $1" >&2
    return 1
}

# A private sshd, as tests/common/sshd.rs starts them.
ssh-keygen -q -t ed25519 -N '' -f "$work/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$work/client_key"
cp "$work/client_key.pub" "$work/authorized_keys"
sshd_port=$(free_port)
mkdir -p /run/sshd
cat > "$work/sshd_config" <<CONF
Port $sshd_port
ListenAddress 127.0.0.1
HostKey $work/host_key
PidFile $work/sshd.pid
AuthorizedKeysFile $work/authorized_keys
StrictModes no
PermitRootLogin yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
UseDNS no
CONF
/usr/sbin/sshd -D -e -f "$work/sshd_config" 2>"$work/sshd.log" &
sshd_pid=$!
wait_port "$sshd_port"

# The inventory names the relay's port; known_hosts lists the host key for
# it (ssh checks the key against the port it dials).
relay_port=$(free_port)
echo "[127.0.0.1]:$relay_port $(cut -d' ' -f1,2 "$work/host_key.pub")" > "$work/known_hosts"
cat > "$work/inventory.ini" <<INV
target ansible_host=127.0.0.1 ansible_port=$relay_port ansible_user=$(id -un) ansible_ssh_private_key_file=$work/client_key ansible_python_interpreter=/usr/bin/python3 ansible_ssh_common_args='-o UserKnownHostsFile=$work/known_hosts -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes'
INV
for n in "$LOW" "$HIGH"; do
    cat > "$work/loop$n.yml" <<YML
- hosts: target
  gather_facts: false
  tasks:
    - command: hostname
      loop: "{{ range($n) | list }}"
YML
done

fail() {
    echo "$1:" >&2
    tail -n 20 "$work/run.$tool.$n.out" >&2
    kill "$relay_pid" 2>/dev/null || true
}

# bytes TOOL N: run TOOL's playbook of N calls through a fresh relay and
# print "to_target from_target connections". ansible's ssh ControlMaster
# outlives the run: a private ControlPath dir per run, and stopping the
# relay ends it.
bytes() {
    local tool=$1 n=$2 stats="$work/stats.$1.$2"
    rm -rf "$work/cp" && mkdir -p "$work/cp"
    python3 "$here/wire_relay.py" "$relay_port" "$sshd_port" "$stats" > "$work/relay.out" &
    relay_pid=$!
    # Wait for its "ready" line, not by dialling it (that would count).
    for _ in $(seq 200); do grep -q ready "$work/relay.out" 2>/dev/null && break; sleep 0.05; done
    local -a env_args=(ANSIBLE_SSH_CONTROL_PATH_DIR="$work/cp" ANSIBLE_NOCOLOR=1)
    case $tool in
        mitorun_russh) env "${env_args[@]}" MITORUN_SSH_BACKEND=russh "$mito" -i "$work/inventory.ini" "$work/loop$n.yml" ;;
        mitorun_binary) env "${env_args[@]}" MITORUN_SSH_BACKEND=binary "$mito" -i "$work/inventory.ini" "$work/loop$n.yml" ;;
        # The ssh binary with zlib compression, as Mitogen runs ssh.
        mitorun_binary_zlib) env "${env_args[@]}" MITORUN_SSH_BACKEND=binary ANSIBLE_SSH_EXTRA_ARGS='-o Compression=yes' \
            "$mito" -i "$work/inventory.ini" "$work/loop$n.yml" ;;
        ansible) env "${env_args[@]}" "$REF/bin/ansible-playbook" -i "$work/inventory.ini" "$work/loop$n.yml" ;;
        mitogen) env "${env_args[@]}" ANSIBLE_STRATEGY_PLUGINS="$site/plugins/strategy" ANSIBLE_STRATEGY=mitogen_linear \
            "$REF/bin/ansible-playbook" -i "$work/inventory.ini" "$work/loop$n.yml" ;;
    esac > "$work/run.$tool.$n.out" 2>&1 || { fail "$tool N=$n failed"; return 1; }
    grep -q "ok=1 " "$work/run.$tool.$n.out" || { fail "$tool N=$n: no ok=1 in the recap"; return 1; }
    sleep 0.5   # let the last replies and the connection's close cross the relay
    kill "$relay_pid"
    wait "$relay_pid" 2>/dev/null || true
    relay_pid=
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["to_target"], d["from_target"], d["connections"])' "$stats"
}

span=$((HIGH - LOW))
printf '%-20s %12s %12s %12s %12s %6s\n' tool sent/call recv/call setup_sent setup_recv conns
for tool in ${TOOLS:-mitorun_russh mitorun_binary mitorun_binary_zlib ansible mitogen}; do
    read -r lo_s lo_r lo_c < <(bytes "$tool" "$LOW")
    read -r hi_s hi_r hi_c < <(bytes "$tool" "$HIGH")
    per_s=$(( (hi_s - lo_s) / span ))
    per_r=$(( (hi_r - lo_r) / span ))
    printf '%-20s %12d %12d %12d %12d %6s\n' "$tool" "$per_s" "$per_r" \
        $(( lo_s - LOW * per_s )) $(( lo_r - LOW * per_r )) "$lo_c/$hi_c"
done
echo "(bytes of TCP payload through the relay; per call from N=$LOW and N=$HIGH runs of a 'command: hostname' loop;"
echo " setup = the N=$LOW run less its calls; conns = TCP connections in the N=$LOW / N=$HIGH runs)"
