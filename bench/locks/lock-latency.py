#!/usr/bin/env python3
"""Latency of uncontended lock/unlock pairs on one file: fcntl F_SETLK (write lock, then unlock) and
flock (LOCK_EX, then LOCK_UN), called through libc. Prints p50/p99/max in microseconds.

    python3 bench/locks/lock-latency.py /mnt/tarn/some-file [pairs]

Run it on a Tarn mount and on a local directory to compare (ADR 0110).
"""
import ctypes
import os
import sys
import time

libc = ctypes.CDLL(None, use_errno=True)


class Flock(ctypes.Structure):
    _fields_ = [("l_type", ctypes.c_short), ("l_whence", ctypes.c_short), ("l_start", ctypes.c_int64),
                ("l_len", ctypes.c_int64), ("l_pid", ctypes.c_int32)]


libc.fcntl.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.POINTER(Flock)]
F_SETLK, F_WRLCK, F_UNLCK, LOCK_EX, LOCK_UN = 6, 1, 2, 2, 8


def check(rc):
    if rc != 0:
        e = ctypes.get_errno()
        sys.exit("lock call failed: %s" % os.strerror(e))


def measure(fd, pairs, take, drop):
    out = []
    for _ in range(pairs):
        t0 = time.perf_counter_ns()
        check(take(fd))
        check(drop(fd))
        out.append((time.perf_counter_ns() - t0) / 1000)
    out.sort()
    return out[len(out) // 2], out[len(out) * 99 // 100], out[-1]


def main():
    path = sys.argv[1]
    pairs = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    wr, un = Flock(F_WRLCK, 0, 0, 0, 0), Flock(F_UNLCK, 0, 0, 0, 0)
    results = {
        "fcntl F_SETLK wr+un": measure(fd, pairs, lambda f: libc.fcntl(f, F_SETLK, ctypes.byref(wr)),
                                       lambda f: libc.fcntl(f, F_SETLK, ctypes.byref(un))),
        "flock LOCK_EX+LOCK_UN": measure(fd, pairs, lambda f: libc.flock(f, LOCK_EX), lambda f: libc.flock(f, LOCK_UN)),
    }
    os.close(fd)
    for name, (p50, p99, worst) in results.items():
        print("%-24s pairs %d  p50 %.0f us  p99 %.0f us  max %.0f us" % (name, pairs, p50, p99, worst))


if __name__ == "__main__":
    main()
