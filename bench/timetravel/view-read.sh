#!/bin/bash
# Read throughput of a time-travel view mount vs a fresh live mount, same 512 MiB file.
set -u
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
T=$(mktemp -d /tmp/vr.XXXX)
D=$T/data
tarn() { "$root/bin/tarn" "$@"; }
tarn volume create vr --data $D >/dev/null
mkdir -p $T/live $T/view
tarn mount vr $T/live --data $D >/dev/null
dd if=/dev/urandom of=$T/live/big bs=1M count=512 status=none conv=fsync
sleep 2
AT=$(date -u +%Y-%m-%dT%H:%M:%SZ)
sleep 1.2
tarn umount $T/live >/dev/null
tarn mount vr $T/live --data $D >/dev/null
tarn mount --at $AT vr $T/view --data $D >/dev/null
echo "view at $AT:"; dd if=$T/view/big of=/dev/null bs=1M 2>&1 | tail -1
echo "live (fresh mount):"; dd if=$T/live/big of=/dev/null bs=1M 2>&1 | tail -1
echo "view again (cached):"; dd if=$T/view/big of=/dev/null bs=1M 2>&1 | tail -1
cmp $T/view/big $T/live/big && echo same-bytes
tarn umount $T/view; tarn umount $T/live
rm -rf $T
