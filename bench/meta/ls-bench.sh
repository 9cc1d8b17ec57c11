#!/usr/bin/env bash
# Cold `ls -l` of a large directory through a fresh mount over the embedded metadata store (the default
# `tarn mount --data DIR`): creates N empty files, unmounts, drops the page cache, mounts again and times
# `ls -l` (cold), then again (warm). With STRACE=1 also prints `strace -c` of a second cold run, which
# shows the per-entry calls ls makes (statx, lgetxattr). Needs root and /dev/fuse.
# Usage: bench/meta/ls-bench.sh [N]   (TARN=path/to/tarn to use another launcher)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
tarn="${TARN:-$root/bin/tarn}"
n="${1:-10000}"
work="$(mktemp -d /tmp/tarn-ls-bench.XXXXXX)"
cleanup() {
  "$tarn" umount "$work/mnt" >/dev/null 2>&1 || umount -l "$work/mnt" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/mnt"
mount_() { "$tarn" mount --data "$work/data" --log "$work/mount.log" bench "$work/mnt" >/dev/null; }
remount() { "$tarn" umount "$work/mnt" >/dev/null; mount_; sync; echo 3 >/proc/sys/vm/drop_caches 2>/dev/null || true; }
now() { date +%s.%N; }
mount_
mkdir "$work/mnt/ls"
python3 -c "import os,sys; [os.close(os.open(os.path.join(sys.argv[1],'e%06d'%i), os.O_CREAT|os.O_WRONLY, 0o644)) for i in range(int(sys.argv[2]))]" "$work/mnt/ls" "$n"
remount
s=$(now); ls -l "$work/mnt/ls" >/dev/null; e=$(now)
cold=$(python3 -c "print('%.3f' % ($e-$s))")
s=$(now); ls -l "$work/mnt/ls" >/dev/null; e=$(now)
warm=$(python3 -c "print('%.3f' % ($e-$s))")
echo "ls -l of $n entries through a fresh mount: cold ${cold} s, warm ${warm} s (load: $(cut -d' ' -f1-3 /proc/loadavg))"
if [ "${STRACE:-0}" = 1 ]; then
  remount
  strace -c -w -f -e trace=getdents64,statx,newfstatat,lstat,lgetxattr,getxattr,listxattr,llistxattr ls -l "$work/mnt/ls" >/dev/null
fi
