#!/usr/bin/env bash
# The longest I/O pause applications see while the metadata server restarts, by hand with bin/tarn.
# Starts `tarn meta` on a free loopback port, mounts a volume with --meta, runs through the mount
#   - PauseProbe.java: 4 KiB writes each followed by fsync, and create/stat/rename/mkdir, each op timed;
#   - a shell loop of `dd bs=4k count=1 conv=notrunc,fsync`, each dd timed with $EPOCHREALTIME;
# then stops the server with SIGTERM and starts it again on the same port and data folder, and once
# more with kill -9. Prints how long the server was away and the longest operation of each workload;
# any application error is printed and makes the script exit 1.
# Needs root and /dev/fuse. Usage: bench/meta/restart-pause.sh   (TARN=path/to/tarn to use another launcher)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
. "$root/bin/jdk25.sh"
tarn="${TARN:-$root/bin/tarn}"
work="$(mktemp -d /tmp/tarn-restart-pause.XXXXXX)"
mnt="$work/mnt"
meta_pid="" probe_pid="" dd_pid=""
cleanup() {
  touch "$work/stop"
  [ -n "$probe_pid" ] && kill "$probe_pid" 2>/dev/null || true
  [ -n "$dd_pid" ] && wait "$dd_pid" 2>/dev/null || true
  "$tarn" umount "$mnt" >/dev/null 2>&1 || umount -l "$mnt" 2>/dev/null || true
  [ -n "$meta_pid" ] && kill "$meta_pid" 2>/dev/null && wait "$meta_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

now_us() { local t=$EPOCHREALTIME; echo "${t/./}"; }

# start_meta PORT: starts the server, waits until it serves, sets meta_pid and addr.
start_meta() {
  local log="$work/meta-$(date +%s%N).log"
  "$tarn" meta --data "$work/meta" --listen "127.0.0.1:$1" >"$log" 2>&1 &
  meta_pid=$!
  for _ in $(seq 3000); do
    grep -q 'tarn meta: serving' "$log" && break
    kill -0 "$meta_pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
    sleep 0.01
  done
  addr="$(sed -n 's/^tarn meta: serving .* on \(.*\)$/\1/p' "$log")"
}

start_meta 0
port="${addr##*:}"
"$tarn" volume create pause --meta "$addr" --store "file://$work/objects" --block-size 256K >/dev/null
mkdir -p "$mnt"
"$tarn" mount --meta "$addr" --log "$work/mount.log" pause "$mnt" >/dev/null
echo "tarn meta on $addr, volume pause mounted at $mnt; load: $(cut -d' ' -f1-3 /proc/loadavg)"

java "$root/bench/meta/PauseProbe.java" --dir "$mnt/probe" --modes fsync,meta --seconds 20 >"$work/probe.out" 2>&1 &
probe_pid=$!
(
  i=0
  while [ ! -e "$work/stop" ]; do
    t0=$(now_us)
    dd if=/dev/zero of="$mnt/dd" bs=4k count=1 seek=$i conv=notrunc,fsync status=none || echo "error dd $i"
    t1=$(now_us)
    echo "$t0 $((t1 - t0))"
    i=$((i + 1))
  done
) >"$work/dd.out" 2>&1 &
dd_pid=$!
sleep 3

for how in TERM KILL; do
  t0=$(now_us)
  kill -"$how" "$meta_pid"
  wait "$meta_pid" 2>/dev/null || true
  t_down=$(now_us)
  start_meta "$port"
  t1=$(now_us)
  echo "SIG$how: server away $(( (t1 - t0) / 1000 )) ms (stopping $(( (t_down - t0) / 1000 )) ms, starting $(( (t1 - t_down) / 1000 )) ms)"
  sleep 3
done

wait "$probe_pid" || true # it stops by itself after 20 s
probe_pid=""
touch "$work/stop"
wait "$dd_pid" 2>/dev/null || true
dd_pid=""
status=0
if grep -h '^error' "$work/probe.out" "$work/dd.out"; then status=1; fi
sed -n 's/^done \([a-z]*\) ops=\([0-9]*\) longest_ms=\([0-9.]*\).*/longest \1 operation (PauseProbe, \2 ops): \3 ms/p' "$work/probe.out"
awk '$1 ~ /^[0-9]+$/ { n++; if ($2 > m) m = $2 } END { printf "longest dd (4 KiB + fsync, one process per op): %.0f ms over %d runs\n", m / 1000, n }' "$work/dd.out"
exit $status
