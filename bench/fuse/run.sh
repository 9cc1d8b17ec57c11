#!/usr/bin/env bash
# Compares Tarn's FUSE transport serving the in-memory filesystem (MemfsMain) against tmpfs on this
# machine, in one run: sequential 1 MiB write and cold read, 4 KiB O_DIRECT random read at 1 and 4
# jobs, create/stat/unlink of 10,000 files. Needs root (mount, drop_caches), fio, python3, a built
# tree (mvn -q -o package -Dmaven.test.skip=true).
#
#   bench/fuse/run.sh [--reps N] [--runtime SECONDS] [--workers N] [--readahead-kb KB] [-- extra MemfsMain options]
#
# Prints a markdown table (medians of N reps) with the ratio to tmpfs; raw fio JSON goes to $OUT.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd); ROOT=$(cd "$HERE/../.." && pwd)
REPS=3; RUNTIME=5; WORKERS=2; READAHEAD_KB=1024; EXTRA=()
while [ $# -gt 0 ]; do
  case $1 in
    --reps) REPS=$2; shift 2;; --runtime) RUNTIME=$2; shift 2;; --workers) WORKERS=$2; shift 2;;
    --readahead-kb) READAHEAD_KB=$2; shift 2;; --) shift; EXTRA=("$@"); break;;
    *) echo "unknown option $1" >&2; exit 2;;
  esac
done
export SIZE=${SIZE:-1G}
JAVA=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
CP=$ROOT/tarn-testkit/target/classes:$ROOT/tarn-fuse/target/classes:$ROOT/tarn-api/target/classes
WORK=$(mktemp -d /tmp/tarn-fuse-bench.XXXXXX); OUT=${OUT:-$WORK/results}; mkdir -p "$OUT"
FUSE=$WORK/fuse; TMPFS=$WORK/tmpfs; mkdir -p "$FUSE" "$TMPFS"
DAEMON=""
cleanup() {
  [ -n "$DAEMON" ] && kill "$DAEMON" 2>/dev/null && wait "$DAEMON" 2>/dev/null || true
  grep -q " $FUSE " /proc/self/mountinfo && umount -l "$FUSE" || true
  grep -q " $TMPFS " /proc/self/mountinfo && umount "$TMPFS" || true
  rm -rf "$WORK/fuse" "$WORK/tmpfs"
}
trap cleanup EXIT

mount -t tmpfs -o size=4g tarn-bench "$TMPFS"
"$JAVA" --enable-native-access=ALL-UNNAMED -Xmx1g -XX:MaxDirectMemorySize=16g -XX:+UseParallelGC -cp "$CP" io.tarn.testkit.memfs.MemfsMain \
  "$FUSE" --workers "$WORKERS" "${EXTRA[@]}" > "$WORK/daemon.out" 2> "$WORK/daemon.err" &
DAEMON=$!
for _ in $(seq 1 200); do grep -q READY "$WORK/daemon.out" 2>/dev/null && break; sleep 0.1; done
grep -q READY "$WORK/daemon.out" || { echo "memfs did not start: $(cat "$WORK/daemon.err")" >&2; exit 1; }
DEV=$(awk -v m="$FUSE" '$5 == m {print $3}' /proc/self/mountinfo)
if [ "$READAHEAD_KB" -gt 0 ] && [ -w "/sys/class/bdi/$DEV/read_ahead_kb" ]; then
  echo "$READAHEAD_KB" > "/sys/class/bdi/$DEV/read_ahead_kb"   # INIT can only lower the kernel's 128 KiB
fi

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
fio_bw() { # job dir tag -> MiB/s
  DIR=$2 RUNTIME=$RUNTIME NUMJOBS=1 fio --output-format=json --output="$OUT/$3.json" "$HERE/$1" > /dev/null
  python3 -c "import json,sys; j=json.load(open(sys.argv[1]))['jobs'][0]; print((j['write']['bw']+j['read']['bw'])/1024)" "$OUT/$3.json"
}
fio_iops() { # dir numjobs tag -> IOPS
  DIR=$1 RUNTIME=$RUNTIME NUMJOBS=$2 fio --output-format=json --output="$OUT/$3.json" "$HERE/randread.fio" > /dev/null
  python3 -c "import json,sys; j=json.load(open(sys.argv[1]))['jobs'][0]; print(j['read']['iops'])" "$OUT/$3.json"
}
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
dir_of() { [ "$1" = fuse ] && echo "$FUSE" || echo "$TMPFS"; }
for target in tmpfs fuse; do
  dir=$(dir_of $target)
  # Warm-up: the JIT needs about a GiB of traffic before the daemon runs at steady state, and every
  # job once more after that: the daemon's C2 compiler kept recompiling (0.1-0.4 s of CPU on a
  # 2-CPU machine) the first time each job ran after the others.
  for _ in $([ $target = fuse ] && echo 1 2 || echo 1); do
    DIR=$dir fio --output=/dev/null "$HERE/seqwrite.fio"; DIR=$dir fio --output=/dev/null "$HERE/seqread.fio"
    DIR=$dir RUNTIME=2 NUMJOBS=1 fio --output=/dev/null "$HERE/randread.fio"
    DIR=$dir RUNTIME=2 NUMJOBS=4 fio --output=/dev/null "$HERE/randread.fio"
    python3 "$HERE/meta.py" "$dir/warm" 2000 > /dev/null
    rm -f "$dir/seq.bin"
  done
done
# Reps alternate between the two targets so both see the same machine (other tenants come and go).
declare -A V
for i in $(seq 1 "$REPS"); do
  for target in tmpfs fuse; do
    dir=$(dir_of $target)
    V[$target,w]+="$(fio_bw seqwrite.fio "$dir" "$target-seqwrite-$i") "
    sync; echo 3 > /proc/sys/vm/drop_caches
    V[$target,r]+="$(fio_bw seqread.fio "$dir" "$target-seqread-$i") "
    rm -f "$dir/seq.bin"
    V[$target,1]+="$(fio_iops "$dir" 1 "$target-rand1-$i") "
    V[$target,4]+="$(fio_iops "$dir" 4 "$target-rand4-$i") "
    m=$(python3 "$HERE/meta.py" "$dir/meta" 10000)
    for k in c:create s:stat u:unlink; do
      V[$target,${k%%:*}]+="$(echo "$m" | python3 -c "import json,sys; print(json.load(sys.stdin)['${k#*:}'])") "
    done
  done
done
declare -A R
for target in tmpfs fuse; do
  for key in w r 1 4 c s u; do R[$target,$key]=$(printf '%s\n' ${V[$target,$key]} | median); done
  rm -f "$(dir_of $target)/rand.bin"
done
echo
echo "| metric | tmpfs | tarn-fuse memfs | fuse/tmpfs |"
echo "|---|---|---|---|"
for k in "w:seq write 1M (MiB/s)" "r:seq read 1M cold (MiB/s)" "1:4k rand O_DIRECT nj=1 (IOPS)" \
         "4:4k rand O_DIRECT nj=4 (IOPS)" "c:create (ops/s)" "s:stat (ops/s)" "u:unlink (ops/s)"; do
  key=${k%%:*}; name=${k#*:}
  awk -v n="$name" -v a="${R[tmpfs,$key]}" -v b="${R[fuse,$key]}" 'BEGIN {printf "| %s | %.0f | %.0f | %.2f |\n", n, a, b, b/a}'
done
echo
echo "memfs: workers=$WORKERS readahead_kb=$READAHEAD_KB extra=${EXTRA[*]:-none}; reps=$REPS runtime=${RUNTIME}s;"
echo "load average at start $LOAD_START, at end $(cut -d' ' -f1-3 /proc/loadavg); raw fio JSON in $OUT"
