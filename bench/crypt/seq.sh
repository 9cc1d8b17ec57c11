#!/usr/bin/env bash
# End-to-end cost of client-side encryption (issue 8, ADR 0094): the same sequential write and read
# through a FUSE mount of a plain and of an encrypted volume (AES-256-GCM, key file) on the same
# local object store, both lz4, with incompressible data (the worst case for the cipher: nothing is
# saved by compression, every byte is encrypted). The variants run interleaved, ROUNDS times, the
# order alternating per round, so a load change on a shared machine hits both; medians are reported.
#
#   bench/crypt/seq.sh [WORKDIR]          (default: a new directory under /tmp)
#
# Environment: SIZE (1G) ROUNDS (3) BS (1M) TARN (bin/tarn of this tree).
# Write = dd of SIZE with conv=fsync (the data is in the store when it returns); read = dd of the
# file after a remount (no client block cache, no kernel page cache).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TARN="${TARN:-$here/../../bin/tarn}"
SIZE="${SIZE:-1G}" ROUNDS="${ROUNDS:-3}" BS="${BS:-1M}"
work="${1:-$(mktemp -d /tmp/tarn-crypt-bench.XXXXXX)}"
data="$work/data"
mkdir -p "$work/plain" "$work/enc"
bytes=$(python3 -c "import sys; s=sys.argv[1].upper(); m={'K':1<<10,'M':1<<20,'G':1<<30}; print(int(float(s[:-1])*m[s[-1]]) if s[-1] in m else int(s))" "$SIZE")
count=$((bytes / 1048576))

cleanup() {
  for v in plain enc; do "$TARN" umount "$work/$v" >/dev/null 2>&1 || true; done
}
trap cleanup EXIT

[ -f "$work/key" ] || "$TARN" key create "$work/key"
[ -f "$work/src" ] || head -c "$bytes" /dev/urandom > "$work/src"
"$TARN" volume create plain --data "$data" >/dev/null 2>&1 || true
"$TARN" volume create enc --data "$data" --encrypt --key-file "$work/key" >/dev/null 2>&1 || true

mount_() {
  if [ "$1" = enc ]; then "$TARN" mount enc "$work/enc" --data "$data" -o "key-file=$work/key" >/dev/null
  else "$TARN" mount plain "$work/plain" --data "$data" >/dev/null; fi
}
now() { date +%s.%N; }
mibs() { python3 -c "print('%.1f' % ($bytes/1048576/($2-$1)))" ; }

run() { # variant round -> "write read" MiB/s
  local v="$1" s e w r
  mount_ "$v"
  cat "$work/src" > /dev/null # the source from the page cache, so its disk does not take part
  s=$(now); dd if="$work/src" of="$work/$v/f" bs=1M count="$count" conv=fsync status=none; e=$(now)
  w=$(python3 -c "print('%.1f' % ($bytes/1048576/($e-$s)))")
  "$TARN" umount "$work/$v" >/dev/null; mount_ "$v"
  s=$(now); dd if="$work/$v/f" of=/dev/null bs="$BS" status=none; e=$(now)
  r=$(python3 -c "print('%.1f' % ($bytes/1048576/($e-$s)))")
  rm -f "$work/$v/f"
  "$TARN" umount "$work/$v" >/dev/null
  echo "$w $r"
}

results="$work/results"; : > "$results"
for round in $(seq 1 "$ROUNDS"); do
  if [ $((round % 2)) = 1 ]; then order="plain enc"; else order="enc plain"; fi
  for v in $order; do
    read -r w r < <(run "$v")
    echo "round $round $v write $w MiB/s read $r MiB/s (load $(cut -d' ' -f1 /proc/loadavg))" >&2
    echo "$v $w $r" >> "$results"
  done
done
python3 - "$results" "$SIZE" "$ROUNDS" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
med = {}
for v in ("plain", "enc"):
    ws = [float(r[1]) for r in rows if r[0] == v]; rs = [float(r[2]) for r in rows if r[0] == v]
    med[v] = (statistics.median(ws), statistics.median(rs), ws, rs)
print(f"sequential {sys.argv[2]} through the mount, median of {sys.argv[3]} interleaved rounds (MiB/s)")
print(f"{'variant':8} {'write':>8} {'read':>8}   all writes / all reads")
for v in ("plain", "enc"):
    w, r, ws, rs = med[v]
    print(f"{v:8} {w:8.1f} {r:8.1f}   {ws} / {rs}")
for i, name in ((0, "write"), (1, "read")):
    p, e = med["plain"][i], med["enc"][i]
    print(f"encryption cost, {name}: {100 * (1 - e / p):+.1f} % of plain throughput (enc/plain = {e / p:.3f})")
PY
