#!/usr/bin/env bash
# Metadata benchmark through a real mount on loopback --meta: starts `tarn meta` on a free port, creates
# a volume, mounts it twice (the second mount's kernel has never seen the names the first creates, so a
# stat there is a real LOOKUP) and runs MountMetaBench.java. Prints ops/s and p50/p99 per operation.
# Needs root and /dev/fuse. Usage: bench/meta/mount-bench.sh [OPS]   (TARN=path/to/tarn to use another launcher)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
. "$root/bin/jdk25.sh"
tarn="${TARN:-$root/bin/tarn}"
ops="${1:-10000}"
work="$(mktemp -d /tmp/tarn-meta-bench.XXXXXX)"
meta_pid=""
cleanup() {
  for m in "$work/a" "$work/b"; do "$tarn" umount "$m" >/dev/null 2>&1 || umount -l "$m" 2>/dev/null || true; done
  [ -n "$meta_pid" ] && kill "$meta_pid" 2>/dev/null && wait "$meta_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

"$tarn" meta --data "$work/meta" --listen 127.0.0.1:0 >"$work/meta.log" 2>&1 &
meta_pid=$!
for _ in $(seq 600); do grep -q 'tarn meta: serving' "$work/meta.log" && break; sleep 0.1; done
addr="$(sed -n 's/^tarn meta: serving .* on \(.*\)$/\1/p' "$work/meta.log")"
[ -n "$addr" ] || { echo "tarn meta did not start:" >&2; cat "$work/meta.log" >&2; exit 1; }

"$tarn" volume create bench --meta "$addr" --store "file://$work/objects" >/dev/null
mkdir -p "$work/a" "$work/b"
"$tarn" mount --meta "$addr" --log "$work/mount-a.log" bench "$work/a" >/dev/null
"$tarn" mount --meta "$addr" --log "$work/mount-b.log" bench "$work/b" >/dev/null
echo "tarn meta on $addr, volume bench mounted at $work/a and $work/b; $ops ops per operation; load: $(cut -d' ' -f1-3 /proc/loadavg)"
java "$root/bench/meta/MountMetaBench.java" --dir "$work/a/bench" --other "$work/b/bench" --ops "$ops"
