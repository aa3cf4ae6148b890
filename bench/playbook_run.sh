#!/usr/bin/env bash
# Playbook run benchmark on the lab hosts: the same playbook (command, shell,
# a 10-item loop, set_fact/debug, stat, file, a become task; TASKS rounds of
# them) run by ansible-core 2.19, ansible-core + Mitogen 0.3.54
# (mitogen_linear) and mitorun, on all lab hosts at once (forks 10).
# Reports wall times and ratios; checks that mitorun's PLAY RECAP equals
# ansible-core's.
#
# Env: REF (venv with ansible-core + mitogen, default /tmp/ref), LAB
# (default /tmp/lab; run ../shared/lab/lab-up.sh first), MITORUN_BIN
# (default target/release/mitorun), ROUNDS (default 5), LIMIT (host pattern,
# default all).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
REF=${REF:-/tmp/ref}
LAB=${LAB:-/tmp/lab}
mito=${MITORUN_BIN:-$repo/target/release/mitorun}
rounds=${ROUNDS:-5}
limit=${LIMIT:-all}
[[ -f "$LAB/inventory.ini" ]] || { echo "no lab inventory at $LAB (run lab-up.sh)" >&2; exit 2; }
[[ -x "$mito" ]] || { echo "no $mito (cargo build --release)" >&2; exit 2; }
site=$("$REF/bin/python" -c 'import ansible_mitogen,os;print(os.path.dirname(ansible_mitogen.__file__))')
work=$(mktemp -d "${TMPDIR:-/tmp}/mitorun-runbench.XXXXXX")
trap 'rm -rf "$work"' EXIT
{
    echo "- hosts: $limit"
    echo "  gather_facts: false"
    echo "  tasks:"
    for ((r = 0; r < rounds; r++)); do
        cat <<YAML
    - command: hostname
      register: h$r
    - shell: echo {{ h$r.stdout }} | wc -c
      changed_when: false
    - command: echo {{ item }}
      loop: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
      changed_when: false
    - set_fact:
        f$r: "{{ h$r.stdout | upper }}"
    - debug: var=f$r
    - stat:
        path: /etc/hostname
    - file:
        path: /tmp/mitorun-bench-{{ inventory_hostname }}-$r
        state: touch
        modification_time: preserve
        access_time: preserve
    - command: id -un
      become: true
      changed_when: false
YAML
    done
} >"$work/site.yml"
# The lab hosts share this machine's filesystem: every run starts clean.
secs() { rm -f /tmp/mitorun-bench-*; local t0 t1; t0=$(date +%s.%N); "$@" >"$work/last.out" 2>&1 || true; t1=$(date +%s.%N); awk -v a="$t1" -v b="$t0" 'BEGIN{printf "%.2f", a-b}'; }
recap() { sed -n '/PLAY RECAP/,$p' "$1"; }
export ANSIBLE_HOST_KEY_CHECKING=False ANSIBLE_FORKS=10
a=$(secs "$REF/bin/ansible-playbook" -i "$LAB/inventory.ini" "$work/site.yml"); cp "$work/last.out" "$work/ansible.out"
g=$(secs env ANSIBLE_STRATEGY_PLUGINS="$site/plugins/strategy" ANSIBLE_STRATEGY=mitogen_linear \
    "$REF/bin/ansible-playbook" -i "$LAB/inventory.ini" "$work/site.yml"); cp "$work/last.out" "$work/mitogen.out"
m=$(secs env MITORUN_ANSIBLE_PYTHON="$REF/bin/python" "$mito" -i "$LAB/inventory.ini" "$work/site.yml"); cp "$work/last.out" "$work/mitorun.out"
tasks=$(grep -c '^TASK' "$work/ansible.out" || true)
echo "$tasks tasks on '$limit' (lab $LAB), forks 10"
printf '%-22s %8s\n' "ansible-core" "${a}s" "ansible-core+mitogen" "${g}s" "mitorun" "${m}s"
awk -v a="$a" -v g="$g" -v m="$m" 'BEGIN { printf "mitorun vs ansible-core x%.1f, vs mitogen x%.1f\n", a/m, g/m }'
if diff <(recap "$work/ansible.out") <(recap "$work/mitorun.out") >/dev/null; then
    echo "PLAY RECAP: identical to ansible-core"
else
    echo "PLAY RECAP differs:"; diff <(recap "$work/ansible.out") <(recap "$work/mitorun.out") || true
    exit 1
fi
