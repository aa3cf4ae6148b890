#!/usr/bin/env bash
# 100 sequential `command: hostname` calls over one connection, per host:
# mitorun's transport (examples/transport_bench.rs) vs ansible-core 2.19
# (a playbook looping 100 items) vs ansible-core + Mitogen 0.3.54
# (strategy mitogen_linear), on the lab hosts (loopback and +30 ms).
# mitorun runs twice: with the in-process russh client (the default) and
# with the ssh binary (mitorun_ssh_backend=binary).
#
# Env: REF (venv with ansible-core + mitogen, default /tmp/ref),
# LAB (default /tmp/lab), HOSTS (default "lo-target mr-t2"), N (100).
set -euo pipefail
cd "$(dirname "$0")/.."
REF=${REF:-/tmp/ref}
LAB=${LAB:-/tmp/lab}
HOSTS=${HOSTS:-lo-target mr-t2}
N=${N:-100}
INV=$LAB/inventory.ini
site=$("$REF/bin/python" -c 'import ansible_mitogen,os;print(os.path.dirname(ansible_mitogen.__file__))')

PROFILE=${PROFILE:-release}   # PROFILE=debug skips the long release build
if [ "$PROFILE" = release ]; then cargo build -q --release --example transport_bench; else cargo build -q --example transport_bench; fi
BENCH=${CARGO_TARGET_DIR:-target}/$PROFILE/examples/transport_bench

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/loop.yml" <<YML
- hosts: "{{ target }}"
  gather_facts: false
  tasks:
    - command: hostname
      loop: "{{ range($N) | list }}"
YML

# Host variables from the lab inventory, as VAR=VALUE arguments.
host_vars() {
    "$REF/bin/ansible-inventory" -i "$INV" --host "$1" |
        "$REF/bin/python" -c 'import json,sys; [print(f"{k}={v}") for k,v in json.load(sys.stdin).items() if k.startswith("ansible_")]'
}

secs() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null 2>&1; t1=$(date +%s.%N); echo "$t1 - $t0" | bc; }

# mitorun's total seconds (connect + N calls) and its connect ms.
mitorun() {
    local out total connect
    out=$("$BENCH" "$N" "$@")
    total=$(echo "$out" | sed -n 's/.*total_ms=\([0-9.]*\).*/\1/p')
    connect=$(echo "$out" | sed -n 's/.*connect_ms=\([0-9.]*\).*/\1/p')
    echo "$(echo "($total + $connect) / 1000" | bc -l) $connect"
}

printf '%-10s %10s %10s %10s %10s %10s %10s %10s %10s\n' host russh_s conn_ms binary_s conn_ms ansible_s mitogen_s vs_ansible vs_mitogen
for h in $HOSTS; do
    mapfile -t vars < <(host_vars "$h")
    read -r m m_conn < <(mitorun "${vars[@]}" mitorun_ssh_backend=russh)
    read -r mb mb_conn < <(mitorun "${vars[@]}" mitorun_ssh_backend=binary)
    a=$(secs env ANSIBLE_HOST_KEY_CHECKING=False "$REF/bin/ansible-playbook" -i "$INV" -e target="$h" "$work/loop.yml")
    g=$(secs env ANSIBLE_HOST_KEY_CHECKING=False ANSIBLE_STRATEGY_PLUGINS="$site/plugins/strategy" ANSIBLE_STRATEGY=mitogen_linear \
        "$REF/bin/ansible-playbook" -i "$INV" -e target="$h" "$work/loop.yml")
    printf '%-10s %10.2f %10.1f %10.2f %10.1f %10.2f %10.2f %9.1fx %9.1fx\n' "$h" "$m" "$m_conn" "$mb" "$mb_conn" "$a" "$g" \
        "$(echo "$a / $m" | bc -l)" "$(echo "$g / $m" | bc -l)"
done
echo "(mitorun: connect + $N calls, russh client and ssh binary; ansible: whole ansible-playbook run of a $N-item loop; ratios vs russh)"
