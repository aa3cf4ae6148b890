#!/usr/bin/env bash
# Playbook load benchmark: `ansible-playbook --syntax-check` vs `mitorun --syntax-check` on a
# generated project of 200 roles / 5,000 tasks (role dependencies, defaults, vars, handlers,
# import_tasks, blocks, loops, k=v and dict arguments). Correctness check: `--list-tasks`
# output must be identical.
#
#   MITORUN_REF_BIN  bin dir of the ansible-core 2.19 venv (required; .ci/run installs it)
#   MITORUN_BIN      mitorun binary (default: target/release/mitorun)
#   RUNS             timed runs per program (default: 3); the best wall time is reported
#   KEEP=1           keep the generated project (its path is printed)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
if [[ -z "${MITORUN_REF_BIN:-}" ]]; then
    echo "MITORUN_REF_BIN is not set: run .ci/run, which installs ansible-core 2.19 into a venv" >&2
    exit 2
fi
ref="$MITORUN_REF_BIN/ansible-playbook"
mito="${MITORUN_BIN:-$repo/target/release/mitorun}"
runs="${RUNS:-3}"
[[ -x "$ref" ]] || { echo "no executable $ref" >&2; exit 2; }
[[ -x "$mito" ]] || { echo "no executable $mito (cargo build --release, or set MITORUN_BIN)" >&2; exit 2; }
case "$mito" in /*) ;; *) mito="$PWD/$mito" ;; esac

work=$(mktemp -d "${TMPDIR:-/tmp}/mitorun-pbbench.XXXXXX")
[[ "${KEEP:-0}" == 1 ]] || trap 'rm -rf "$work"' EXIT
home="$work/home"
mkdir -p "$home"

python3 - "$work/project" <<'PY'
import os, sys
root = sys.argv[1]
roles, tasks_per_role = 200, 25
os.makedirs(os.path.join(root, "roles"), exist_ok=True)
for r in range(roles):
    base = os.path.join(root, "roles", "role%03d" % r)
    for d in ("tasks", "defaults", "vars", "handlers", "meta"):
        os.makedirs(os.path.join(base, d), exist_ok=True)
    deps = ["role%03d" % (r - 1)] if r % 10 and r > 0 else []
    with open(os.path.join(base, "meta", "main.yml"), "w") as f:
        f.write("dependencies:\n" + "".join("  - role: %s\n" % d for d in deps) if deps else "dependencies: []\n")
    with open(os.path.join(base, "defaults", "main.yml"), "w") as f:
        f.write("---\nr%03d_port: %d\nr%03d_list: [a, b, c]\nr%03d_map: {k: v, n: %d}\n" % (r, 8000 + r, r, r, r))
    with open(os.path.join(base, "vars", "main.yml"), "w") as f:
        f.write("---\nr%03d_name: \"role {{ r%03d_port }}\"\n" % (r, r))
    with open(os.path.join(base, "handlers", "main.yml"), "w") as f:
        f.write("- name: restart r%03d\n  debug: msg=restart\n" % r)
    with open(os.path.join(base, "tasks", "extra.yml"), "w") as f:
        f.write("- name: extra task of r%03d\n  debug:\n    msg: \"{{ r%03d_name }}\"\n" % (r, r))
    lines = []
    n = 0
    while n < tasks_per_role - 1:
        k = n % 5
        if k == 0:
            lines.append("- name: task %d of r%03d\n  debug:\n    msg: \"{{ r%03d_port }} {{ item }}\"\n  loop: \"{{ r%03d_list }}\"\n  tags: [t%d]\n" % (n, r, r, r, n % 7))
            n += 1
        elif k == 1:
            lines.append("- name: task %d of r%03d\n  set_fact: fact_%d=\"{{ r%03d_map.n + %d }}\"\n  when: r%03d_port > 0\n" % (n, r, n, r, n, r))
            n += 1
        elif k == 2:
            lines.append("- block:\n    - name: task %d of r%03d\n      debug: var=r%03d_map\n  rescue:\n    - name: task %d of r%03d\n      debug: msg=rescued\n  always:\n    - name: task %d of r%03d\n      command: /bin/true\n      changed_when: false\n      notify: restart r%03d\n" % (n, r, r, n + 1, r, n + 2, r, r))
            n += 3
        elif k == 3:
            lines.append("- name: task %d of r%03d\n  ansible.builtin.copy:\n    content: \"x\"\n    dest: /tmp/x%d\n    mode: '0644'\n  check_mode: true\n" % (n, r, n))
            n += 1
        else:
            lines.append("- name: task %d of r%03d\n  shell: echo {{ r%03d_port }} && true\n  args:\n    chdir: /tmp\n  register: out_%d\n" % (n, r, r, n))
            n += 1
    lines.append("- import_tasks: extra.yml\n")
    with open(os.path.join(base, "tasks", "main.yml"), "w") as f:
        f.write("---\n" + "".join(lines))
with open(os.path.join(root, "site.yml"), "w") as f:
    for p in range(4):
        f.write("- name: play %d\n  hosts: all\n  gather_facts: false\n  roles:\n" % p)
        for r in range(p * 50, p * 50 + 50):
            f.write("    - role%03d\n" % r)
        f.write("  tasks:\n    - debug: msg=done\n")
with open(os.path.join(root, "hosts.ini"), "w") as f:
    f.write("[all]\n" + "".join("host%02d ansible_connection=local\n" % i for i in range(20)))
PY
proj="$work/project"
tasks=$(grep -c "^- name\|^    - name" -r "$proj/roles" | awk -F: '{s+=$2} END {print s}')
echo "generated: 200 roles, $tasks named tasks in $proj"

run_env() {
    (cd "$proj" && env -i PATH="$PATH" HOME="$home" ANSIBLE_HOME="$home/.ansible" ANSIBLE_LOCAL_TEMP="$home/tmp" \
        LC_ALL=C.UTF-8 ANSIBLE_NOCOLOR=1 "$@")
}

run_env "$ref" -i hosts.ini --list-tasks site.yml >"$work/ref.txt" 2>"$work/ref.err" || true
run_env "$mito" -i hosts.ini --list-tasks site.yml >"$work/mito.txt" 2>"$work/mito.err" || true
if cmp -s "$work/ref.txt" "$work/mito.txt"; then
    identical=yes
    echo "--list-tasks: IDENTICAL ($(wc -l <"$work/ref.txt") lines)"
else
    identical=no
    echo "--list-tasks: DIFFERENT; first differences:"
    diff -u "$work/ref.txt" "$work/mito.txt" | head -30 || true
fi

best_of() {
    local best="" t0 t1 dt
    for ((r = 0; r < runs; r++)); do
        t0=$(date +%s.%N)
        run_env "$@" >/dev/null 2>&1 || true
        t1=$(date +%s.%N)
        dt=$(awk -v a="$t1" -v b="$t0" 'BEGIN{print a-b}')
        if [[ -z "$best" ]] || awk -v a="$dt" -v b="$best" 'BEGIN{exit !(a<b)}'; then best=$dt; fi
    done
    printf '%.3f' "$best"
}
ref_best=$(best_of "$ref" -i hosts.ini --syntax-check site.yml)
mito_best=$(best_of "$mito" -i hosts.ini --syntax-check site.yml)
ratio=$(awk -v a="$ref_best" -v b="$mito_best" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "inf" }')
echo "best of $runs --syntax-check: ansible-playbook ${ref_best}s, mitorun ${mito_best}s, speedup x${ratio}"
[[ "${KEEP:-0}" == 1 ]] && echo "kept: $work"
[[ "$identical" == yes ]]
