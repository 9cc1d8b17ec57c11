#!/usr/bin/env python3
"""AI-training-shaped reads: `training.py write DIR N SIZE` makes N files of SIZE bytes (random data) in
DIR; `training.py read DIR READERS [SEED]` reads every file of DIR whole, in a shuffled order shared
out to READERS threads (as data-loader workers do), and prints key=value lines: files/s and MiB/s."""
import os, random, sys, threading, time

def write(d, n, size):
    os.makedirs(d, exist_ok=True)
    block = os.urandom(size)
    for i in range(n):
        # Vary the first bytes so no two files are equal (a store or cache could dedupe them otherwise).
        with open(os.path.join(d, "t%06d" % i), "wb") as f:
            f.write(i.to_bytes(8, "little") + block[8:])

def read(d, readers, seed):
    names = sorted(os.listdir(d))
    random.Random(seed).shuffle(names)
    total = [0] * readers
    def worker(k):
        for name in names[k::readers]:
            with open(os.path.join(d, name), "rb", buffering=0) as f:
                while True:
                    b = f.read(1 << 20)
                    if not b:
                        break
                    total[k] += len(b)
    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(readers)]
    for t in threads: t.start()
    for t in threads: t.join()
    dt = time.perf_counter() - t0
    print("train_read_files_s=%.1f" % (len(names) / dt))
    print("train_read_mib_s=%.1f" % (sum(total) / 1048576 / dt))

if __name__ == "__main__":
    if sys.argv[1] == "write":
        write(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        read(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]) if len(sys.argv) > 4 else 1)
