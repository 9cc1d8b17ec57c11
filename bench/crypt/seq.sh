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
# file after a remount (no client block cache, no kernel page cache). Besides throughput it reports the
# mount daemon's CPU seconds per GiB (utime+stime from /proc), which a loaded machine disturbs less.
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

pid=""
mount_() {
  local out
  if [ "$1" = enc ]; then out=$("$TARN" mount enc "$work/enc" --data "$data" -o "key-file=$work/key")
  else out=$("$TARN" mount plain "$work/plain" --data "$data"); fi
  pid=$(sed -n 's/.*daemon pid \([0-9]*\).*/\1/p' <<< "$out" | head -1)
}
tick=$(getconf CLK_TCK)
cpu() { awk -v t="$tick" '{ sub(/^.*\) /, ""); print ($12 + $13) / t }' "/proc/$pid/stat"; }
per_gib() { python3 -c "print('%.2f' % (($2-$1) * 1073741824 / $bytes))"; }
now() { date +%s.%N; }
mibs() { python3 -c "print('%.1f' % ($bytes/1048576/($2-$1)))" ; }

run() { # variant -> "write-MiB/s read-MiB/s write-cpu-s/GiB read-cpu-s/GiB"
  local v="$1" s e w r c0 c1 wc rc
  mount_ "$v"
  cat "$work/src" > /dev/null # the source from the page cache, so its disk does not take part
  c0=$(cpu); s=$(now); dd if="$work/src" of="$work/$v/f" bs=1M count="$count" conv=fsync status=none; e=$(now); c1=$(cpu)
  w=$(python3 -c "print('%.1f' % ($bytes/1048576/($e-$s)))"); wc=$(per_gib "$c0" "$c1")
  "$TARN" umount "$work/$v" >/dev/null; mount_ "$v"
  c0=$(cpu); s=$(now); dd if="$work/$v/f" of=/dev/null bs="$BS" status=none; e=$(now); c1=$(cpu)
  r=$(python3 -c "print('%.1f' % ($bytes/1048576/($e-$s)))"); rc=$(per_gib "$c0" "$c1")
  rm -f "$work/$v/f"
  "$TARN" umount "$work/$v" >/dev/null
  echo "$w $r $wc $rc"
}

results="$work/results"; : > "$results"
for round in $(seq 1 "$ROUNDS"); do
  if [ $((round % 2)) = 1 ]; then order="plain enc"; else order="enc plain"; fi
  for v in $order; do
    read -r w r wc rc < <(run "$v")
    echo "round $round $v write $w MiB/s ($wc CPU-s/GiB) read $r MiB/s ($rc CPU-s/GiB) (load $(cut -d' ' -f1 /proc/loadavg))" >&2
    echo "$v $w $r $wc $rc" >> "$results"
  done
done
python3 - "$results" "$SIZE" "$ROUNDS" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
med, cpu = {}, {}
for v in ("plain", "enc"):
    ws = [float(r[1]) for r in rows if r[0] == v]; rs = [float(r[2]) for r in rows if r[0] == v]
    med[v] = (statistics.median(ws), statistics.median(rs), ws, rs)
    cpu[v] = (statistics.median(float(r[3]) for r in rows if r[0] == v), statistics.median(float(r[4]) for r in rows if r[0] == v))
print(f"sequential {sys.argv[2]} through the mount, median of {sys.argv[3]} interleaved rounds (MiB/s)")
print(f"{'variant':8} {'write':>8} {'read':>8}   all writes / all reads")
for v in ("plain", "enc"):
    w, r, ws, rs = med[v]
    print(f"{v:8} {w:8.1f} {r:8.1f}   {ws} / {rs}")
for i, name in ((0, "write"), (1, "read")):
    p, e = med["plain"][i], med["enc"][i]
    print(f"encryption cost, {name}: {100 * (1 - e / p):+.1f} % of plain throughput (enc/plain = {e / p:.3f})")
print("daemon CPU seconds per GiB (median): " + ", ".join(f"{v} write {cpu[v][0]:.2f} read {cpu[v][1]:.2f}" for v in ("plain", "enc")))
for i, name in ((0, "write"), (1, "read")):
    print(f"encryption CPU cost, {name}: {100 * (cpu['enc'][i] / cpu['plain'][i] - 1):+.1f} % daemon CPU per byte")
PY
