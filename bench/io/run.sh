#!/usr/bin/env bash
# Runs the same workloads through several mounted directories (a Tarn mount, a peer such as s3fs, a
# local disk...) and, optionally, against the raw object store with `tarn store bench`, then prints
# one table with a column per target and the ratio of the first target to each other one.
#
#   bench/io/run.sh [--store URI] LABEL=DIR [LABEL=DIR ...]
#
# Environment: SEQ_SIZE (1G) RAND_SIZE (256M) RAND_RUNTIME (20) NSMALL (2000) NLS (10000)
# NTRAIN (10000 files of TRAIN_SIZE 1M, read by 4 readers from a fresh mount; 0 skips) CKPT_SIZE (4G; 0 skips);
# REMOUNT_<LABEL>="command" runs before cold reads and the cold listing (fresh mount, cold caches);
# SETTLE_<LABEL>="command" runs after the sequential write and is timed with it (for mounts whose close
# returns before the data is in the store); TARN="path to bin/tarn" for --store.
# Needs fio and python3; drops the page cache before cold reads when run as root.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TARN="${TARN:-$here/../../bin/tarn}"
SEQ_SIZE="${SEQ_SIZE:-1G}" RAND_SIZE="${RAND_SIZE:-256M}" RAND_RUNTIME="${RAND_RUNTIME:-20}"
NSMALL="${NSMALL:-2000}" NLS="${NLS:-10000}"
NTRAIN="${NTRAIN:-10000}" TRAIN_SIZE="${TRAIN_SIZE:-1M}" CKPT_SIZE="${CKPT_SIZE:-4G}"
store=""
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --store) store="$2"; shift 2 ;;
    -h|--help) sed -n 2,14p "$0"; exit 0 ;;
    *=*) targets+=("$1"); shift ;;
    *) echo "run.sh: expected LABEL=DIR, got $1" >&2; exit 2 ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || { echo "run.sh: give at least one LABEL=DIR" >&2; exit 2; }
command -v fio >/dev/null || { echo "run.sh: needs fio" >&2; exit 1; }
out="$(mktemp -d)"; trap 'rm -rf "$out"' EXIT

now() { date +%s.%N; }
drop() { [ "$(id -u)" = 0 ] && sync && echo 3 > /proc/sys/vm/drop_caches || true; }
hook() { local v="$1_$2"; v="${v//-/_}"; [ -n "${!v:-}" ] && bash -c "${!v}" >/dev/null; true; }
fiojson() { SIZE="$2" DIR="$3" RUNTIME="$RAND_RUNTIME" fio --output-format=json "$here/$1" 2>/dev/null; }
jq_() { python3 -c "import json,sys; j=json.load(sys.stdin)['jobs'][0]; print($1)"; }
bytes() { python3 -c "import sys; s=sys.argv[1].upper(); m={'K':1<<10,'M':1<<20,'G':1<<30}; print(int(float(s[:-1])*m[s[-1]]) if s[-1] in m else int(s))" "$1"; }
put() { echo "$2" > "$out/$1.$3"; }

for t in "${targets[@]}"; do
  label="${t%%=*}" dir="${t#*=}"
  w="$dir/tarn-io-$$"; mkdir -p "$w"
  echo "== $label ($dir)" >&2
  s=$(now); SIZE="$SEQ_SIZE" DIR="$w" fio "$here/seqwrite.fio" >/dev/null 2>&1; hook SETTLE "$label"; e=$(now)
  put "$label" "$(python3 -c "print('%.1f' % ($(bytes "$SEQ_SIZE")/1048576/($e-$s)))")" seq_write_mib_s
  hook REMOUNT "$label"; drop
  put "$label" "$(fiojson seqread.fio "$SEQ_SIZE" "$w" | jq_ "'%.1f' % (j['read']['bw_bytes']/1048576)")" seq_read_cold_mib_s
  put "$label" "$(fiojson seqread.fio "$SEQ_SIZE" "$w" | jq_ "'%.1f' % (j['read']['bw_bytes']/1048576)")" seq_reread_mib_s
  # Read once more keeping the page cache, then again: the second pass is what a program re-reading sees.
  fiojson seqread-kept.fio "$SEQ_SIZE" "$w" >/dev/null
  put "$label" "$(fiojson seqread-kept.fio "$SEQ_SIZE" "$w" | jq_ "'%.1f' % (j['read']['bw_bytes']/1048576)")" seq_reread_kept_mib_s
  rm -f "$w/tarn-io-seq"
  put "$label" "$(fiojson randread.fio "$RAND_SIZE" "$w" | jq_ "'%.0f' % j['read']['iops']")" rand_read_4k_iops
  rm -f "$w/tarn-io-rand"
  python3 "$here/smallfiles.py" "$w/small" "$NSMALL" | while IFS== read -r k v; do put "$label" "$v" "$k"; done
  mkdir -p "$w/ls"; python3 -c "import os,sys; [os.close(os.open(os.path.join(sys.argv[1],'e%06d'%i), os.O_CREAT|os.O_WRONLY, 0o644)) for i in range(int(sys.argv[2]))]" "$w/ls" "$NLS"
  hook REMOUNT "$label"; drop
  s=$(now); ls -l "$w/ls" >/dev/null; e=$(now)
  put "$label" "$(python3 -c "print('%.3f' % ($e-$s))")" ls_l_cold_s
  s=$(now); ls -l "$w/ls" >/dev/null; e=$(now)
  put "$label" "$(python3 -c "print('%.3f' % ($e-$s))")" ls_l_warm_s
  if [ "$NTRAIN" -gt 0 ]; then
    python3 "$here/training.py" write "$w/train" "$NTRAIN" "$(bytes "$TRAIN_SIZE")"
    hook REMOUNT "$label"; drop
    python3 "$here/training.py" read "$w/train" 4 | while IFS== read -r k v; do put "$label" "$v" "$k"; done
    rm -rf "$w/train"
  fi
  if [ "$CKPT_SIZE" != 0 ]; then
    # A checkpoint: one large file written and fsynced, timed until durable (with the settle hook).
    s=$(now); SIZE="$CKPT_SIZE" DIR="$w" fio "$here/seqwrite.fio" >/dev/null 2>&1; hook SETTLE "$label"; e=$(now)
    put "$label" "$(python3 -c "print('%.1f' % ($(bytes "$CKPT_SIZE")/1048576/($e-$s)))")" checkpoint_write_mib_s
    rm -f "$w/tarn-io-seq"
  fi
  rm -rf "$w"
done

labels=()
for t in "${targets[@]}"; do labels+=("${t%%=*}"); done
if [ -n "$store" ]; then
  echo "== store ($store)" >&2
  # As root the GETs come after a cache drop, as the mounts' cold reads do: a store on this machine then
  # reads from its disk for both, not from the page cache for one of them.
  cold=(); [ "$(id -u)" = 0 ] && cold=(--drop-caches)
  "$TARN" store bench "$store" --concurrency 16 --objects 64 "${cold[@]}" > "$out/store.txt"
  awk '$1=="PUT" && $2==16 {print $4}' "$out/store.txt" > "$out/store.seq_write_mib_s"
  awk '$1=="GET" && $2==16 {print $4}' "$out/store.txt" > "$out/store.seq_read_cold_mib_s"
  labels+=("store")
fi

metrics="seq_write_mib_s seq_read_cold_mib_s seq_reread_mib_s seq_reread_kept_mib_s rand_read_4k_iops small_create_files_s small_stat_files_s small_unlink_files_s small_combined_files_s ls_l_cold_s ls_l_warm_s train_read_files_s train_read_mib_s checkpoint_write_mib_s"
first="${labels[0]}"
printf '%-24s' workload; for l in "${labels[@]}"; do printf ' %12s' "$l"; done
for l in "${labels[@]:1}"; do printf ' %12s' "$first/$l"; done; echo
for m in $metrics; do
  printf '%-24s' "$m"
  for l in "${labels[@]}"; do printf ' %12s' "$(cat "$out/$l.$m" 2>/dev/null || echo -)"; done
  a="$(cat "$out/$first.$m" 2>/dev/null || true)"
  for l in "${labels[@]:1}"; do
    b="$(cat "$out/$l.$m" 2>/dev/null || true)"
    # Times (seconds): smaller is better, so the ratio is inverted to read "how many times better".
    r=$(python3 -c "import sys
a,b,m=sys.argv[1],sys.argv[2],sys.argv[3]
try:
  a,b=float(a),float(b); print('%.2fx' % ((b/a) if m.endswith('_s') and not m.endswith('files_s') and not m.endswith('mib_s') else (a/b)))
except Exception: print('-')" "$a" "$b" "$m")
    printf ' %12s' "$r"
  done
  echo
done
