#!/usr/bin/env bash
# Compares Tarn's FUSE transport serving the in-memory filesystem (MemfsMain) against tmpfs on this
# machine, in one run: sequential 1 MiB write and cold read, 4 KiB O_DIRECT random read at 1 and 4
# jobs, create/stat/unlink of 10,000 files. Needs root (mount, drop_caches), fio, python3, a built
# tree (mvn -q -o package -Dmaven.test.skip=true).
#
#   bench/fuse/run.sh [--reps N] [--runtime SECONDS] [--workers N] [--readahead-kb KB]
#                     [--modes kernel,own[,none]] [--other NAME=COMMAND]... [-- extra MemfsMain options]
#
# Modes (each a memfs daemon of its own, all mounted side by side):
#   kernel  default_permissions: the kernel checks permissions, and fetches the parent's attributes
#           again (GETATTR) before every create and unlink, since each one invalidates them.
#   own     no default_permissions: memfs makes the checks itself (ADR 0015). The kernel sends the same
#           requests as to a libfuse3 filesystem with its defaults, such as jfuse's in fuse-notes.md.
#   none    no default_permissions and no checks at all (anyone may do anything): what the checks cost.
# --other mounts another FUSE server to compare in the same run: COMMAND is run with the mountpoint
# appended, must print READY once serving, and is ended with SIGTERM (it must unmount then).
#
# Every workload runs on every target in turn within each rep (this machine is shared and the load
# moves). Prints a markdown table (median, min-max, ratio to tmpfs) and the CPU time each daemon
# process spent per unit of work (user+sys of all its threads: on a loaded machine the figure that
# moves least with the load); raw fio JSON goes to $OUT.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd); ROOT=$(cd "$HERE/../.." && pwd)
REPS=3; RUNTIME=5; WORKERS=2; READAHEAD_KB=1024; MODES=kernel,own; EXTRA=(); OTHERS=()
while [ $# -gt 0 ]; do
  case $1 in
    --reps) REPS=$2; shift 2;; --runtime) RUNTIME=$2; shift 2;; --workers) WORKERS=$2; shift 2;;
    --readahead-kb) READAHEAD_KB=$2; shift 2;; --modes) MODES=$2; shift 2;;
    --other) [[ $2 == *=* ]] || { echo "--other wants NAME=COMMAND, got: $2" >&2; exit 2; }; OTHERS+=("$2"); shift 2;;
    --) shift; EXTRA=("$@"); break;;
    *) echo "unknown option $1" >&2; exit 2;;
  esac
done
export SIZE=${SIZE:-1G}
JAVA=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
CP=$ROOT/tarn-testkit/target/classes:$ROOT/tarn-fuse/target/classes:$ROOT/tarn-api/target/classes
WORK=$(mktemp -d /tmp/tarn-fuse-bench.XXXXXX); OUT=${OUT:-$WORK/results}; mkdir -p "$OUT"
TARGETS=(tmpfs); declare -A DIR PID LABEL
DIR[tmpfs]=$WORK/tmpfs; LABEL[tmpfs]=tmpfs
cleanup() {
  for t in "${TARGETS[@]}"; do
    [ -n "${PID[$t]:-}" ] && kill "${PID[$t]}" 2>/dev/null && wait "${PID[$t]}" 2>/dev/null || true
  done
  for t in "${TARGETS[@]}"; do
    if grep -q " ${DIR[$t]} " /proc/self/mountinfo; then umount "${DIR[$t]}" 2>/dev/null || umount -l "${DIR[$t]}" || true; fi
    rmdir "${DIR[$t]}" 2>/dev/null || true
  done
}
trap cleanup EXIT

mkdir -p "${DIR[tmpfs]}"; mount -t tmpfs -o size=4g tarn-bench "${DIR[tmpfs]}"
start() { # target label command... (mountpoint appended)
  local t=$1 label=$2; shift 2
  local m=$WORK/$t; mkdir -p "$m"; DIR[$t]=$m; LABEL[$t]=$label; TARGETS+=("$t")
  "$@" "$m" > "$WORK/$t.out" 2> "$WORK/$t.err" &
  PID[$t]=$!
  for _ in $(seq 1 300); do grep -q READY "$WORK/$t.out" 2>/dev/null && break; sleep 0.1; done
  grep -q READY "$WORK/$t.out" || { echo "$label did not start: $(cat "$WORK/$t.err")" >&2; exit 1; }
  local dev; dev=$(awk -v m="$m" '$5 == m {print $3}' /proc/self/mountinfo)
  if [ "$READAHEAD_KB" -gt 0 ] && [ -w "/sys/class/bdi/$dev/read_ahead_kb" ]; then
    echo "$READAHEAD_KB" > "/sys/class/bdi/$dev/read_ahead_kb"   # INIT can only lower the kernel's 128 KiB
  fi
}
memfs() { # mountpoint last, as start() appends it: MemfsMain wants it first
  local m=${*: -1}; set -- "${@:1:$#-1}"
  exec "$JAVA" --enable-native-access=ALL-UNNAMED -Xmx1g -XX:MaxDirectMemorySize=16g -XX:+UseParallelGC -cp "$CP" \
    io.tarn.testkit.memfs.MemfsMain "$m" --workers "$WORKERS" "$@"
}
for mode in ${MODES//,/ }; do
  case $mode in
    kernel) start kernel "memfs, kernel checks" memfs "${EXTRA[@]}";;
    own) start own "memfs, own checks" memfs --no-default-permissions "${EXTRA[@]}";;
    none) start none "memfs, no checks" memfs --no-default-permissions --no-checks "${EXTRA[@]}";;
    *) echo "unknown mode $mode (kernel, own, none)" >&2; exit 2;;
  esac
done
for o in "${OTHERS[@]}"; do
  name=${o%%=*}; # shellcheck disable=SC2206 # the command is words
  cmd=(${o#*=}); start "other-$name" "$name" "${cmd[@]}"
done

TCK=$(getconf CLK_TCK)
ticks() { # target -> CPU ticks of its daemon so far (0 for tmpfs)
  if [ -n "${PID[$1]:-}" ]; then sed 's/^.*) //' "/proc/${PID[$1]}/stat" | awk '{print $12 + $13}'; else echo 0; fi
}
declare -A C
cpu_add() { # target key ticks units -> appends us of daemon CPU per unit
  C[$1,$2]+="$(awk -v t="$3" -v n="$4" -v k="$TCK" 'BEGIN {printf "%.2f", (n > 0 ? t * 1e6 / k / n : 0)}') "
}
fio_units() { # json field -> GiB moved or I/Os done
  python3 -c "import json,sys; j=json.load(open(sys.argv[1]))['jobs'][0]; r,w=j['read'],j['write']
print((r['io_bytes']+w['io_bytes'])/2**30 if sys.argv[2] == 'gib' else r['total_ios']+w['total_ios'])" "$1" "$2"
}
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
for t in "${TARGETS[@]}"; do
  dir=${DIR[$t]}
  # Warm-up: a JVM needs about a GiB of traffic before it runs at steady state, and every job once
  # more after that: the C2 compiler kept recompiling (0.1-0.4 s of CPU on a 2-CPU machine) the
  # first time each job ran after the others.
  for _ in $([ "$t" = tmpfs ] && echo 1 || echo 1 2); do
    DIR=$dir fio --output=/dev/null "$HERE/seqwrite.fio"; DIR=$dir fio --output=/dev/null "$HERE/seqread.fio"
    DIR=$dir RUNTIME=2 NUMJOBS=1 fio --output=/dev/null "$HERE/randread.fio"
    DIR=$dir RUNTIME=2 NUMJOBS=4 fio --output=/dev/null "$HERE/randread.fio"
    python3 "$HERE/meta.py" "$dir/warm" 2000 > /dev/null
    rm -f "$dir/seq.bin"
  done
done
# Within each rep every workload runs on every target before the next workload starts, so all targets
# see the same minutes of this shared machine.
declare -A V
for i in $(seq 1 "$REPS"); do
  for t in "${TARGETS[@]}"; do
    dir=${DIR[$t]}
    c0=$(ticks "$t"); V[$t,w]+="$(fio_bw seqwrite.fio "$dir" "$t-seqwrite-$i") "
    sync; c1=$(ticks "$t"); echo 3 > /proc/sys/vm/drop_caches
    cpu_add "$t" w $((c1 - c0)) "$(fio_units "$OUT/$t-seqwrite-$i.json" gib)"
    c0=$(ticks "$t"); V[$t,r]+="$(fio_bw seqread.fio "$dir" "$t-seqread-$i") "; c1=$(ticks "$t")
    cpu_add "$t" r $((c1 - c0)) "$(fio_units "$OUT/$t-seqread-$i.json" gib)"
    rm -f "$dir/seq.bin"
  done
  for n in 1 4; do
    for t in "${TARGETS[@]}"; do
      c0=$(ticks "$t"); V[$t,$n]+="$(fio_iops "${DIR[$t]}" $n "$t-rand$n-$i") "; c1=$(ticks "$t")
      cpu_add "$t" $n $((c1 - c0)) "$(fio_units "$OUT/$t-rand$n-$i.json" ios)"
    done
  done
  for t in "${TARGETS[@]}"; do
    c0=$(ticks "$t"); m=$(python3 "$HERE/meta.py" "${DIR[$t]}/meta" 10000); c1=$(ticks "$t")
    cpu_add "$t" c $((c1 - c0)) 10000
    for k in c:create s:stat u:unlink; do
      V[$t,${k%%:*}]+="$(echo "$m" | python3 -c "import json,sys; print(json.load(sys.stdin)['${k#*:}'])") "
    done
  done
  echo "rep $i done, load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
done
for t in "${TARGETS[@]}"; do rm -f "${DIR[$t]}/rand.bin"; done
echo
header="| metric |"; rule="|---|"
for t in "${TARGETS[@]}"; do header+=" ${LABEL[$t]} |"; rule+="---|"; done
echo "$header"; echo "$rule"
for k in "w:seq write 1M (MiB/s)" "r:seq read 1M cold (MiB/s)" "1:4k rand O_DIRECT nj=1 (IOPS)" \
         "4:4k rand O_DIRECT nj=4 (IOPS)" "c:create (ops/s)" "s:stat (ops/s)" "u:unlink (ops/s)"; do
  key=${k%%:*}; line="| ${k#*:} |"
  base=$(printf '%s\n' ${V[tmpfs,$key]} | median)
  for t in "${TARGETS[@]}"; do
    line+=$(printf '%s\n' ${V[$t,$key]} | sort -g | awk -v b="$base" -v t="$t" '{a[NR]=$1}
      END {m = NR % 2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2;
           printf " %.0f (%.0f-%.0f)%s |", m, a[1], a[NR], t == "tmpfs" ? "" : sprintf(" x%.2f", m/b)}')
  done
  echo "$line"
done
echo
header="| daemon CPU per unit (median) |"; rule="|---|"
for t in "${TARGETS[@]}"; do [ "$t" = tmpfs ] && continue; header+=" ${LABEL[$t]} |"; rule+="---|"; done
echo "$header"; echo "$rule"
for k in "w:seq write, ms per GiB:1000" "r:seq read cold, ms per GiB:1000" "1:4k read nj=1, us per read:1" \
         "4:4k read nj=4, us per read:1" "c:create+stat+unlink, us per file:1"; do
  IFS=: read -r key name div <<< "$k"; line="| $name |"
  for t in "${TARGETS[@]}"; do
    [ "$t" = tmpfs ] && continue
    line+=$(printf '%s\n' ${C[$t,$key]} | median | awk -v d="$div" '{printf " %.1f |", $1 / d}')
  done
  echo "$line"
done
echo
echo "median (min-max) of $REPS reps, xN = ratio to tmpfs. memfs: workers=$WORKERS extra=${EXTRA[*]:-none};"
echo "read_ahead_kb=$READAHEAD_KB on every FUSE mount; runtime=${RUNTIME}s per random-read job."
if [[ " ${TARGETS[*]} " == *" own "* ]]; then
  echo "Like-for-like with jfuse in fuse-notes.md (libfuse3 defaults: no default_permissions, so no extra"
  echo "GETATTR per create/unlink): 'memfs, own checks'. 'memfs, kernel checks' pays those round trips."
fi
echo "load average at start $LOAD_START, at end $(cut -d' ' -f1-3 /proc/loadavg); raw fio JSON in $OUT"
