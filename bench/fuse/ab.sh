#!/usr/bin/env bash
# A/B of two builds of the transport on a machine too busy for wall-clock comparisons: mounts the
# in-memory filesystem of both trees side by side (A and B), alternates the same fio jobs between
# them for ROUNDS rounds, and prints the medians of the worker threads' CPU time per GiB written /
# read cold and per 4 KiB O_DIRECT read (1 and 4 jobs), with the throughput seen.
#
#   bench/fuse/ab.sh TREE_A TREE_B [ROUNDS] [-- MemfsMain options for both]
#
# Per side, through the environment: JVM_A / JVM_B (JVM options), ARGS_A / ARGS_B (MemfsMain
# options), W_A / W_B (workers, default 2),
# RA_A / RA_B (read_ahead_kb, default 1024). NOSEQ=1 or NORAND=1 skip job groups; RT = runtime of
# the random-read jobs (default 5 s). Each tree must be built (mvn -q -o package -Dmaven.test.skip=true).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
TREE_A=$1; TREE_B=$2; ROUNDS=${3:-3}; shift $(( $# >= 3 ? 3 : 2 )); [ "${1:-}" = -- ] && shift
JAVA=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
WORK=$(mktemp -d /tmp/tarn-fuse-ab.XXXXXX); export SIZE=1G
cleanup() {
  for s in A B; do
    [ -f "$WORK/$s.pid" ] && kill "$(cat "$WORK/$s.pid")" 2>/dev/null || true
  done
  sleep 1
  for s in A B; do grep -q " $WORK/$s " /proc/self/mountinfo && umount -l "$WORK/$s" || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
start() { # side tree [MemfsMain options]
  local side=$1 tree=$2; shift 2
  local m=$WORK/$side jvm=JVM_$side w=W_$side ra=RA_$side args=ARGS_$side
  mkdir -p "$m"
  # shellcheck disable=SC2086 # JVM options are words
  "$JAVA" --enable-native-access=ALL-UNNAMED -Xmx1g -XX:MaxDirectMemorySize=16g -XX:+UseParallelGC ${!jvm:-} \
    -cp "$tree/tarn-testkit/target/classes:$tree/tarn-fuse/target/classes:$tree/tarn-api/target/classes" \
    io.tarn.testkit.memfs.MemfsMain "$m" --workers "${!w:-2}" ${!args:-} "$@" > "$m.out" 2> "$m.err" &
  echo $! > "$WORK/$side.pid"
  for _ in $(seq 1 300); do grep -q READY "$m.out" 2>/dev/null && break; sleep 0.1; done
  grep -q READY "$m.out" || { echo "memfs $side did not start: $(cat "$m.err")" >&2; exit 1; }
  echo "${!ra:-1024}" > "/sys/class/bdi/$(awk -v m="$m" '$5 == m {print $3}' /proc/self/mountinfo)/read_ahead_kb"
}
cpu() { # pid -> user sys (us) of the worker threads
  cat $(grep -l '^fuse-worker' /proc/"$1"/task/*/comm | sed 's/comm$/stat/') | sed 's/^.*) //' \
    | awk -v t="$(getconf CLK_TCK)" '{u += $12; s += $13} END {printf "%d %d\n", u * 1e6 / t, s * 1e6 / t}'
}
run() { # job side fio-args...
  local job=$1 side=$2; shift 2; local pid; pid=$(cat "$WORK/$side.pid")
  read -r u0 s0 < <(cpu "$pid")
  DIR=$WORK/$side fio --output-format=json --output="$WORK/out.json" "$@" > /dev/null
  read -r u1 s1 < <(cpu "$pid")
  python3 -c "import json,sys; j=json.load(open(sys.argv[1]))['jobs'][0]; r,w=j['read'],j['write']; print(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), r['total_ios']+w['total_ios'], (r['bw']+w['bw'])/1024, r['iops']+w['iops'])" \
    "$WORK/out.json" "$job" "$side" $((u1 - u0)) $((s1 - s0)) >> "$WORK/results"
}
start A "$TREE_A" "$@"; start B "$TREE_B" "$@"
for s in A B; do # warm-up: the JIT needs about a GiB of traffic
  for _ in 1 2; do
    DIR=$WORK/$s fio --output=/dev/null "$HERE/seqwrite.fio"; DIR=$WORK/$s fio --output=/dev/null "$HERE/seqread.fio"; rm -f "$WORK/$s/seq.bin"
  done
  DIR=$WORK/$s RUNTIME=3 NUMJOBS=4 fio --output=/dev/null "$HERE/randread.fio"
done
echo "load average at start $(cut -d' ' -f1-3 /proc/loadavg)"
for _ in $(seq 1 "$ROUNDS"); do
  for s in A B; do
    if [ -z "${NOSEQ:-}" ]; then
      run write $s "$HERE/seqwrite.fio"; sync; echo 3 > /proc/sys/vm/drop_caches
      run read $s "$HERE/seqread.fio"; rm -f "$WORK/$s/seq.bin"
    fi
    if [ -z "${NORAND:-}" ]; then
      RUNTIME=${RT:-5} NUMJOBS=1 run rand1 $s "$HERE/randread.fio"
      RUNTIME=${RT:-5} NUMJOBS=4 run rand4 $s "$HERE/randread.fio"
    fi
  done
done
echo "load average at end $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$WORK/results" <<'PY'
import collections, statistics, sys
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    job, side, u, s, ios, bw, iops = line.split()
    rows[job, side].append((int(u), int(s), float(ios), float(bw), float(iops)))
names = {"write": ("seq write 1M", "ms/GiB", "MiB/s"), "read": ("seq read 1M cold", "ms/GiB", "MiB/s"),
         "rand1": ("4k O_DIRECT nj=1", "us/read", "IOPS"), "rand4": ("4k O_DIRECT nj=4", "us/read", "IOPS")}
print("| job | side | worker CPU (median) | user part | throughput (median) | CPU per round |")
print("|---|---|---|---|---|---|")
for job in ("write", "read", "rand1", "rand4"):
    for side in ("A", "B"):
        v = rows.get((job, side))
        if not v: continue
        name, unit, tunit = names[job]
        seq = job in ("write", "read")  # 1 GiB per run
        per = [(u + s) / 1000 if seq else (u + s) / n for u, s, n, bw, io in v]
        usr = [u / 1000 if seq else u / n for u, s, n, bw, io in v]
        thr = [bw if seq else io for u, s, n, bw, io in v]
        print(f"| {name} | {side} | {statistics.median(per):.1f} {unit} | {statistics.median(usr):.1f} | "
              f"{statistics.median(thr):.0f} {tunit} | {' '.join(f'{x:.1f}' for x in per)} |")
PY
