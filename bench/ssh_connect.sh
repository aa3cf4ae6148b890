#!/usr/bin/env bash
# SSH connect time: mitorun's in-process client (russh) vs the ssh binary,
# against a private sshd on a loopback port (its own host key and client
# key). Prints the median of RUNS rounds of "connect, authenticate, run
# `true`, wait for its exit" for each.
#
#   RUNS  rounds per client (default: 20)
#
# Needs /usr/sbin/sshd, ssh, ssh-keygen; builds the example in release.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
runs="${RUNS:-20}"

work=$(mktemp -d "${TMPDIR:-/tmp}/mitorun-ssh-bench.XXXXXX")
sshd_pid=
cleanup() {
    [[ -n "$sshd_pid" ]] && kill "$sshd_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

ssh-keygen -q -t ed25519 -N '' -f "$work/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$work/client_key"
cp "$work/client_key.pub" "$work/authorized_keys"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$work/host_key.pub")" > "$work/known_hosts"
mkdir -p /run/sshd
cat > "$work/sshd_config" <<CONF
Port $port
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
for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.05
done

cd "$repo"
cargo build --quiet --release --example ssh_connect_time
bin="${CARGO_TARGET_DIR:-$repo/target}/release/examples/ssh_connect_time"
"$bin" 127.0.0.1 "$port" "$(id -un)" "$work/client_key" "$work/known_hosts" "$runs"
