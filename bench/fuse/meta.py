#!/usr/bin/env python3
"""create / stat / unlink of N empty files in one directory; prints ops/s per phase as JSON."""
import json, os, sys, time

d, n = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 10000
os.makedirs(d, exist_ok=True)
names = [os.path.join(d, "f%05d" % i) for i in range(n)]
out = {}
t = time.perf_counter()
for p in names:
    os.close(os.open(p, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
out["create"] = n / (time.perf_counter() - t)
t = time.perf_counter()
for p in names:
    os.stat(p)
out["stat"] = n / (time.perf_counter() - t)
t = time.perf_counter()
for p in names:
    os.unlink(p)
out["unlink"] = n / (time.perf_counter() - t)
os.rmdir(d)
print(json.dumps(out))
