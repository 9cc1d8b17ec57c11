#!/usr/bin/env python3
"""Per-operation latency (p50/p90 ms) of N files, one at a time: create+close, open+close, stat,
O_TRUNC write 4 KiB + close, open+read+close, rename, unlink, mkdir.  Usage: metaops.py DIR [N]"""
import os, sys, time
d = sys.argv[1]; n = int(sys.argv[2]) if len(sys.argv) > 2 else 300
os.makedirs(d, exist_ok=True)
def t(f):
    a = time.perf_counter(); f(); return (time.perf_counter() - a) * 1e3
res = {}
names = [os.path.join(d, "f%d" % i) for i in range(n)]
res['create+close'] = [t(lambda p=p: os.close(os.open(p, os.O_CREAT|os.O_WRONLY, 0o644))) for p in names]
res['open+close'] = [t(lambda p=p: os.close(os.open(p, os.O_RDONLY))) for p in names]
res['stat'] = [t(lambda p=p: os.stat(p)) for p in names]
def w(p):
    fd = os.open(p, os.O_WRONLY|os.O_TRUNC); os.write(fd, b'x'*4096); os.close(fd)
res['write4k+close'] = [t(lambda p=p: w(p)) for p in names]
def r(p):
    fd = os.open(p, os.O_RDONLY); os.read(fd, 8192); os.close(fd)
res['read4k'] = [t(lambda p=p: r(p)) for p in names]
res['rename'] = [t(lambda p=p: os.rename(p, p + "r")) for p in names]
res['unlink'] = [t(lambda p=p: os.unlink(p + "r")) for p in names]
res['mkdir'] = [t(lambda p=p: os.mkdir(p)) for p in names[:100]]
for p in names[:100]: os.rmdir(p)
for k, v in res.items():
    v = sorted(v); print("%-14s p50 %7.3f ms  p90 %7.3f ms" % (k, v[len(v)//2], v[int(len(v)*.9)]))
