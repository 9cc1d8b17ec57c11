#!/usr/bin/env python3
"""Small-file workloads in DIR: create+write+close N files of 4 KiB, stat them, unlink them (combined
files/s and each phase), then create NLS empty files for the listing workload. Prints key=value lines."""
import os, sys, time

d, n = sys.argv[1], int(sys.argv[2])
os.makedirs(d, exist_ok=True)
data = os.urandom(4096)
names = [os.path.join(d, "s%06d" % i) for i in range(n)]
t0 = time.perf_counter()
for p in names:
    fd = os.open(p, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    os.write(fd, data)
    os.close(fd)
t1 = time.perf_counter()
for p in names:
    os.stat(p)
t2 = time.perf_counter()
for p in names:
    os.unlink(p)
t3 = time.perf_counter()
print("small_create_files_s=%.1f" % (n / (t1 - t0)))
print("small_stat_files_s=%.1f" % (n / (t2 - t1)))
print("small_unlink_files_s=%.1f" % (n / (t3 - t2)))
print("small_combined_files_s=%.1f" % (n / (t3 - t0)))
