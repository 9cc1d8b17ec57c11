#!/usr/bin/env python3
"""A process that takes file locks on command, for Tarn's lock tests.

Reads one command per line on stdin and answers one line on stdout:
  open NAME PATH                         -> ok | err ERRNO
  close NAME                             -> ok
  fcntl NAME CMD TYPE START LEN          -> ok | err ERRNO | TYPE START LEN PID (for the GETLK commands)
      CMD: setlk setlkw getlk ofd_setlk ofd_setlkw ofd_getlk; TYPE: rd wr un
  flock NAME ex|sh|un [nb]               -> ok | err ERRNO
  pwrite NAME OFFSET TEXT                -> ok | err ERRNO
  pread NAME OFFSET LEN                  -> the bytes read, as text ("" at the end of the file)
  pid                                    -> the process id
  exit                                   -> (exits)
fcntl and flock are called through libc, not Python's wrappers, so an interrupted call reports EINTR
instead of being retried. SIGUSR1 is caught (and does nothing) so it interrupts a blocking call.
"""
import ctypes
import errno
import os
import signal
import sys

libc = ctypes.CDLL(None, use_errno=True)
F_GETLK, F_SETLK, F_SETLKW = 5, 6, 7
F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW = 36, 37, 38
CMDS = {"getlk": F_GETLK, "setlk": F_SETLK, "setlkw": F_SETLKW,
        "ofd_getlk": F_OFD_GETLK, "ofd_setlk": F_OFD_SETLK, "ofd_setlkw": F_OFD_SETLKW}
TYPES = {"rd": 0, "wr": 1, "un": 2}
NAMES = {0: "rd", 1: "wr", 2: "un"}
LOCK_SH, LOCK_EX, LOCK_NB, LOCK_UN = 1, 2, 4, 8


class Flock(ctypes.Structure):
    _fields_ = [("l_type", ctypes.c_short), ("l_whence", ctypes.c_short), ("l_start", ctypes.c_int64),
                ("l_len", ctypes.c_int64), ("l_pid", ctypes.c_int32)]


libc.fcntl.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.POINTER(Flock)]
libc.flock.argtypes = [ctypes.c_int, ctypes.c_int]
signal.signal(signal.SIGUSR1, lambda *_: None)
signal.siginterrupt(signal.SIGUSR1, True)
fds = {}


def name(code):
    # errno.errorcode maps 35 to the alias EDEADLOCK; say EDEADLK as the man pages do.
    return "EDEADLK" if code == errno.EDEADLK else errno.errorcode.get(code, str(code))


def err():
    return "err " + name(ctypes.get_errno())


def do(words):
    op = words[0]
    if op == "open":
        try:
            fds[words[1]] = os.open(words[2], os.O_RDWR | os.O_CREAT, 0o644)
            return "ok"
        except OSError as e:
            return "err " + name(e.errno)
    if op == "close":
        os.close(fds.pop(words[1]))
        return "ok"
    if op == "fcntl":
        cmd = CMDS[words[2]]
        fl = Flock(TYPES[words[3]], 0, int(words[4]), int(words[5]), 0)
        if libc.fcntl(fds[words[1]], cmd, ctypes.byref(fl)) != 0:
            return err()
        if cmd in (F_GETLK, F_OFD_GETLK):
            return "%s %d %d %d" % (NAMES.get(fl.l_type, str(fl.l_type)), fl.l_start, fl.l_len, fl.l_pid)
        return "ok"
    if op == "flock":
        how = {"ex": LOCK_EX, "sh": LOCK_SH, "un": LOCK_UN}[words[2]]
        if len(words) > 3 and words[3] == "nb":
            how |= LOCK_NB
        return "ok" if libc.flock(fds[words[1]], how) == 0 else err()
    if op == "pwrite":
        try:
            os.pwrite(fds[words[1]], words[3].encode(), int(words[2]))
            return "ok"
        except OSError as e:
            return "err " + name(e.errno)
    if op == "pread":
        return os.pread(fds[words[1]], int(words[3]), int(words[2])).decode(errors="replace")
    if op == "pid":
        return str(os.getpid())
    if op == "exit":
        sys.exit(0)
    return "bad command " + op


for line in sys.stdin:
    words = line.split()
    if not words:
        continue
    print(do(words), flush=True)
