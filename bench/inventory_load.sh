#!/usr/bin/env bash
# Inventory load benchmark: `ansible-inventory --list` vs `mitorun inventory --list` on a
# generated 5,000-host / 200-group INI inventory with a group_vars/ file per group.
#
#   MITORUN_REF_BIN  bin dir of the ansible-core 2.19 venv (required; .ci/run installs it)
#   MITORUN_BIN      mitorun binary (default: target/release/mitorun)
#   RUNS             timed runs per program (default: 3); the best wall time is reported
#   KEEP=1           keep the generated inventory dir (its path is printed)
#
# Exit status: 0 when both outputs are identical, 1 when they differ, 2 on setup errors.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)

if [[ -z "${MITORUN_REF_BIN:-}" ]]; then
    echo "MITORUN_REF_BIN is not set: run .ci/run, which installs ansible-core 2.19 into a venv" >&2
    exit 2
fi
ref="$MITORUN_REF_BIN/ansible-inventory"
mito="${MITORUN_BIN:-$repo/target/release/mitorun}"
runs="${RUNS:-3}"
[[ -x "$ref" ]] || { echo "no executable $ref" >&2; exit 2; }
[[ -x "$mito" ]] || { echo "no executable $mito (build it: cargo build --release, or set MITORUN_BIN)" >&2; exit 2; }
case "$mito" in /*) ;; *) mito="$PWD/$mito" ;; esac

work=$(mktemp -d "${TMPDIR:-/tmp}/mitorun-bench.XXXXXX")
if [[ "${KEEP:-0}" != 1 ]]; then
    trap 'rm -rf "$work"' EXIT
fi
inv="$work/inventory"
home="$work/home"
mkdir -p "$inv/group_vars" "$home"

# ---------------------------------------------------------------------------- generate
# 200 groups g000..g199; hosts h00000..h04999, host i goes to group i % 200 and every 7th host
# also to group (i*7) % 200; every 10th host carries inline vars. 10 parent groups p0..p9
# each have 20 groups as children, and "region" has p0..p4 as children.
generate() {
    local n_hosts=5000 n_groups=200
    awk -v H="$n_hosts" -v G="$n_groups" -v dir="$inv" 'BEGIN {
        ini = dir "/hosts.ini"
        for (i = 0; i < H; i++) {
            g = i % G
            line = sprintf("h%05d", i)
            if (i % 10 == 0) line = line sprintf(" ansible_host=10.%d.%d.%d idx=%d role=r%d", int(i / 65536) % 256, int(i / 256) % 256, i % 256, i, i % 5)
            members[g] = members[g] line "\n"
            if (i % 7 == 0) {
                g2 = (i * 7) % G
                if (g2 != g) members[g2] = members[g2] sprintf("h%05d\n", i)
            }
        }
        for (g = 0; g < G; g++) {
            printf("[g%03d]\n%s\n", g, members[g]) > ini
            printf("[g%03d:vars]\ngroup_index=%d\ntier=t%d\n\n", g, g, g % 3) > ini
        }
        for (p = 0; p < 10; p++) {
            printf("[p%d:children]\n", p) > ini
            for (g = p * 20; g < p * 20 + 20; g++) printf("g%03d\n", g) > ini
            printf("\n") > ini
        }
        printf("[region:children]\np0\np1\np2\np3\np4\n\n[region:vars]\nregion=eu-west\n") > ini
        for (g = 0; g < G; g++) {
            f = sprintf("%s/group_vars/g%03d.yml", dir, g)
            printf("---\ngv_name: g%03d\ngv_port: %d\ngv_list: [a, b, %d]\ngv_map:\n  k: v%d\n  n: %d\n", g, 8000 + g, g, g, g) > f
            close(f)
        }
        printf("---\nall_var: everywhere\nntp: [ntp1, ntp2]\n") > (dir "/group_vars/all.yml")
    }'
}
generate
echo "generated: $(grep -c '^h' "$inv/hosts.ini") host lines, $(grep -c '^\[g[0-9]*\]' "$inv/hosts.ini") groups (+ parents), $(ls "$inv/group_vars" | wc -l) group_vars files in $inv"

# Same controlled environment as the parity tests.
run_env() {
    env -i PATH="$PATH" HOME="$home" ANSIBLE_HOME="$home/.ansible" ANSIBLE_LOCAL_TEMP="$home/tmp" \
        LC_ALL=C.UTF-8 ANSIBLE_NOCOLOR=1 "$@"
}

# ---------------------------------------------------------------------------- correctness
cd "$work"
run_env "$ref" -i "$inv/hosts.ini" --list >"$work/ref.json" 2>"$work/ref.err" || true
run_env "$mito" inventory -i "$inv/hosts.ini" --list >"$work/mito.json" 2>"$work/mito.err" || true
if cmp -s "$work/ref.json" "$work/mito.json"; then
    identical=yes
    echo "outputs: IDENTICAL ($(wc -c <"$work/ref.json") bytes)"
else
    identical=no
    echo "outputs: DIFFERENT (reference $(wc -c <"$work/ref.json") bytes, mitorun $(wc -c <"$work/mito.json") bytes); first differences:"
    diff -u "$work/ref.json" "$work/mito.json" | head -40 || true
fi

# ---------------------------------------------------------------------------- timing
ref_cmd="$ref -i $inv/hosts.ini --list"
mito_cmd="$mito inventory -i $inv/hosts.ini --list"

best_of() { # prints the best wall time in seconds of $runs runs of "$@"
    local best="" t0 t1 dt
    for ((r = 0; r < runs; r++)); do
        t0=$(date +%s.%N)
        run_env "$@" >/dev/null 2>&1 || true
        t1=$(date +%s.%N)
        dt=$(echo "$t1 - $t0" | bc -l 2>/dev/null || awk -v a="$t1" -v b="$t0" 'BEGIN{print a-b}')
        if [[ -z "$best" ]] || awk -v a="$dt" -v b="$best" 'BEGIN{exit !(a<b)}'; then best=$dt; fi
    done
    printf '%.3f' "$best"
}

if command -v hyperfine >/dev/null 2>&1; then
    hyperfine --runs "$runs" --warmup 1 --export-json "$work/hf.json" \
        -n ansible-inventory "env -i PATH=$PATH HOME=$home ANSIBLE_HOME=$home/.ansible ANSIBLE_LOCAL_TEMP=$home/tmp LC_ALL=C.UTF-8 ANSIBLE_NOCOLOR=1 $ref_cmd" \
        -n mitorun "env -i PATH=$PATH HOME=$home LC_ALL=C.UTF-8 ANSIBLE_NOCOLOR=1 $mito_cmd" >&2
    read -r ref_best mito_best < <(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"]; print(" ".join("%.3f" % min(x["times"]) for x in r))' "$work/hf.json")
else
    ref_best=$(best_of "$ref" -i "$inv/hosts.ini" --list)
    mito_best=$(best_of "$mito" inventory -i "$inv/hosts.ini" --list)
fi
ratio=$(awk -v a="$ref_best" -v b="$mito_best" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "inf" }')

echo "best of $runs: ansible-inventory ${ref_best}s, mitorun ${mito_best}s, speedup x${ratio}"
echo "identical output: $identical"
[[ "${KEEP:-0}" == 1 ]] && echo "kept: $work"
[[ "$identical" == yes ]]
