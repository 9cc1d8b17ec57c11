#!/usr/bin/env bash
# Daemon CPU cost of the FUSE transport serving the in-memory filesystem, mostly independent of how
# busy the machine is: CPU time (user + system, /proc/PID/task/*/stat) of the memfs worker threads per
# GiB written, per GiB read cold, per 4 KiB O_DIRECT read (1 and 4 jobs), and per
# create+stat+unlink. On a loaded machine wall-clock throughput is noise; these figures are what a
# change to the transport can move.
#
#   bench/fuse/cpu.sh [--gib N] [--runtime SECONDS] [--workers N] [--readahead-kb KB] [-- extra MemfsMain options]
#
# WHOLE=1 counts the whole process (JIT and GC threads too); JFR=file.jfr records a JFR profile;
# ROOT=dir measures the build in another tree.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd); ROOT=${ROOT:-$(cd "$HERE/../.." && pwd)}
GIB=2; RUNTIME=5; WORKERS=2; READAHEAD_KB=1024; EXTRA=()
while [ $# -gt 0 ]; do
  case $1 in
    --gib) GIB=$2; shift 2;; --runtime) RUNTIME=$2; shift 2;; --workers) WORKERS=$2; shift 2;;
    --readahead-kb) READAHEAD_KB=$2; shift 2;; --) shift; EXTRA=("$@"); break;;
    *) echo "unknown option $1" >&2; exit 2;;
  esac
done
JAVA=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
CP=$ROOT/tarn-testkit/target/classes:$ROOT/tarn-fuse/target/classes:$ROOT/tarn-api/target/classes
WORK=$(mktemp -d /tmp/tarn-fuse-cpu.XXXXXX); FUSE=$WORK/fuse; mkdir -p "$FUSE"
DAEMON=""
cleanup() {
  [ -n "$DAEMON" ] && kill "$DAEMON" 2>/dev/null && wait "$DAEMON" 2>/dev/null || true
  grep -q " $FUSE " /proc/self/mountinfo && umount -l "$FUSE" || true
  rm -rf "$WORK"
}
trap cleanup EXIT
JVMOPTS=()
[ -n "${JFR:-}" ] && JVMOPTS+=("-XX:StartFlightRecording=filename=$JFR,settings=profile")
"$JAVA" --enable-native-access=ALL-UNNAMED -Xmx1g -XX:MaxDirectMemorySize=16g -XX:+UseParallelGC "${JVMOPTS[@]}" \
  -cp "$CP" io.tarn.testkit.memfs.MemfsMain "$FUSE" --workers "$WORKERS" "${EXTRA[@]}" > "$WORK/daemon.out" 2> "$WORK/daemon.err" &
DAEMON=$!
for _ in $(seq 1 300); do grep -q READY "$WORK/daemon.out" 2>/dev/null && break; sleep 0.1; done
grep -q READY "$WORK/daemon.out" || { echo "memfs did not start: $(cat "$WORK/daemon.err")" >&2; exit 1; }
DEV=$(awk -v m="$FUSE" '$5 == m {print $3}' /proc/self/mountinfo)
[ "$READAHEAD_KB" -gt 0 ] && echo "$READAHEAD_KB" > "/sys/class/bdi/$DEV/read_ahead_kb"
TCK=$(getconf CLK_TCK)
# user and sys time in us of the worker threads only (JIT compiler and GC threads would add noise);
# WHOLE=1 counts the whole process.
cpu() {
  local files
  if [ -n "${WHOLE:-}" ]; then files=/proc/$DAEMON/stat
  else files=$(grep -l '^fuse-worker' /proc/$DAEMON/task/*/comm | sed 's/comm$/stat/'); fi
  # comm may hold spaces: count fields from the end of "(comm)"
  cat $files | sed 's/^.*) //' | awk -v t="$TCK" '{u += $12; s += $13} END {printf "%d %d\n", u * 1e6 / t, s * 1e6 / t}'
}
measure() { # label unit-count unit-name command...
  local label=$1 units=$2 uname=$3; shift 3
  read -r u0 s0 < <(cpu); local t0; t0=$(date +%s.%N)
  "$@" > "$WORK/cmd.out"
  read -r u1 s1 < <(cpu); local t1; t1=$(date +%s.%N)
  [ "$units" = fio ] && units=$(python3 -c "import json,sys; j=json.load(open(sys.argv[1]))['jobs'][0]; print(j['read']['total_ios']+j['write']['total_ios'])" "$WORK/cmd.out")
  awk -v l="$label" -v u=$((u1 - u0)) -v s=$((s1 - s0)) -v n="$units" -v un="$uname" -v w="$(echo "$t1 - $t0" | bc)" \
    'BEGIN {printf "%-24s %8.1f ms user %8.1f ms sys  %9.2f us/%s (user %.2f, sys %.2f) over %d, %.1f s wall\n", l, u/1000, s/1000, (u+s)/n, un, u/n, s/n, n, w}'
}
F="--output-format=json"
export SIZE=1G
# Warm-up: the JIT needs about a GiB of traffic.
for _ in 1 2; do DIR=$FUSE fio --output=/dev/null "$HERE/seqwrite.fio"; DIR=$FUSE fio --output=/dev/null "$HERE/seqread.fio"; rm -f "$FUSE/seq.bin"; done
DIR=$FUSE RUNTIME=3 NUMJOBS=2 fio --output=/dev/null "$HERE/randread.fio"
python3 "$HERE/meta.py" "$FUSE/warm" 2000 > /dev/null
rm -f "$FUSE/seq.bin"
echo "load average $(cut -d' ' -f1-3 /proc/loadavg)"
# 1 GiB files as in run.sh (memfs recycles the chunks of the deleted file), GIB times.
for i in $(seq 1 "$GIB"); do
  measure "seq write 1M" 1 GiB env DIR=$FUSE fio $F "$HERE/seqwrite.fio"
  sync; echo 3 > /proc/sys/vm/drop_caches
  measure "seq read 1M cold" 1 GiB env DIR=$FUSE fio $F "$HERE/seqread.fio"
  rm -f "$FUSE/seq.bin"
done
measure "4k O_DIRECT nj=1" fio read env DIR=$FUSE RUNTIME=$RUNTIME NUMJOBS=1 fio $F "$HERE/randread.fio"
measure "4k O_DIRECT nj=4" fio read env DIR=$FUSE RUNTIME=$RUNTIME NUMJOBS=4 fio $F "$HERE/randread.fio"
measure "create+stat+unlink" 10000 file python3 "$HERE/meta.py" "$FUSE/meta" 10000
echo "load average $(cut -d' ' -f1-3 /proc/loadavg)"
