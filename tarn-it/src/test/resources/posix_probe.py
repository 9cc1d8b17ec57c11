#!/usr/bin/python3
"""Runs a list of file-system calls in a directory and prints one line per call: what it returned or
the errno name it failed with. Tarn's conformance tests run the same list on a Tarn mount and on a
local (ext4) directory and compare the lines; they also check chosen lines against the errno POSIX
names. Usage: posix_probe.py ROOT JSON, JSON being a list of calls [op, args...]; paths are relative
to ROOT. ["as", uid, gid, [groups], umask_or_null, call] runs one call in a child process with those
credentials. Times are never printed as values, only compared, so the two runs can be compared."""
import ctypes
import errno
import hashlib
import json
import mmap
import os
import socket
import stat
import sys

libc = ctypes.CDLL(None, use_errno=True)
libc.fallocate.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_long, ctypes.c_long]
libc.renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
libc.getxattr.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_void_p, ctypes.c_size_t]
libc.getxattr.restype = ctypes.c_ssize_t
libc.listxattr.argtypes = [ctypes.c_char_p, ctypes.c_void_p, ctypes.c_size_t]
libc.listxattr.restype = ctypes.c_ssize_t


class Timespec(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]


UTIME_NOW, UTIME_OMIT = (1 << 30) - 1, (1 << 30) - 2
AT_FDCWD = -100
FLAGS = {n: getattr(os, n) for n in ("O_RDONLY", "O_WRONLY", "O_RDWR", "O_CREAT", "O_EXCL", "O_TRUNC", "O_APPEND",
                                     "O_DIRECTORY", "O_NOFOLLOW", "O_NOATIME", "O_SYNC", "O_DSYNC", "O_DIRECT")}


class Raw:
    """An outcome already formatted (by a child that ran the call as another user)."""
    def __init__(self, text):
        self.text = text


def check(r):
    if r < 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))
    return r


def flags(names):
    f = 0
    for n in names:
        f |= FLAGS[n]
    return f


def kind(m):
    for test, name in ((stat.S_ISREG, "file"), (stat.S_ISDIR, "dir"), (stat.S_ISLNK, "link"), (stat.S_ISFIFO, "fifo"),
                       (stat.S_ISSOCK, "sock"), (stat.S_ISCHR, "chr"), (stat.S_ISBLK, "blk")):
        if test(m):
            return name
    return "?"


def describe(st, what):
    out = []
    for w in what.split(","):
        if w == "type": out.append(kind(st.st_mode))
        elif w == "mode": out.append("%o" % stat.S_IMODE(st.st_mode))
        elif w == "nlink": out.append(str(st.st_nlink))
        elif w == "size": out.append(str(st.st_size))
        elif w == "uid": out.append(str(st.st_uid))
        elif w == "gid": out.append(str(st.st_gid))
        elif w == "rdev": out.append("%d,%d" % (os.major(st.st_rdev), os.minor(st.st_rdev)))
        else: raise ValueError("unknown stat field " + w)
    return " ".join(out)


def read_all(path, off, n):
    fd = os.open(path, os.O_RDONLY)
    try:
        return os.pread(fd, n, off)
    finally:
        os.close(fd)


def with_fd(path, fl, fn, mode=0o644):
    fd = os.open(path, fl, mode)
    try:
        return fn(fd)
    finally:
        os.close(fd)


def run(c):
    op, a = c[0], c[1:]
    if op == "mkdir": os.mkdir(a[0], a[1]); return ""
    if op == "rmdir": os.rmdir(a[0]); return ""
    if op == "unlink": os.unlink(a[0]); return ""
    if op == "create": os.close(os.open(a[0], os.O_CREAT | os.O_EXCL | os.O_WRONLY, a[1])); return ""
    if op == "open": os.close(os.open(a[0], flags(a[1]), a[2] if len(a) > 2 else 0o644)); return ""
    if op == "write":  # path, offset, text[, open flags]
        return str(with_fd(a[0], flags(a[3]) if len(a) > 3 else os.O_WRONLY | os.O_CREAT,
                           lambda fd: os.pwrite(fd, a[2].encode(), a[1])))
    if op == "append":  # path, text: write(2) through O_APPEND, returns the offset after
        def app(fd):
            os.write(fd, a[1].encode())
            return os.lseek(fd, 0, os.SEEK_CUR)
        return str(with_fd(a[0], os.O_WRONLY | os.O_APPEND, app))
    if op == "writeat": return str(with_fd(a[0], os.O_WRONLY | os.O_CREAT, lambda fd: os.pwrite(fd, b"z" * a[2], a[1])))
    if op == "read": return read_all(a[0], a[1], a[2]).decode("latin-1")
    if op == "readzero": b = read_all(a[0], a[1], a[2]); return "%d %s" % (len(b), "zeros" if b.count(0) == len(b) else "data")
    if op == "sha":
        h = hashlib.sha256()
        with open(a[0], "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        return h.hexdigest()[:16]
    if op == "stat": return describe(os.lstat(a[0]), a[1])
    if op == "fstatat": return describe(os.stat(a[0]), a[1])
    if op == "chmod": os.chmod(a[0], a[1]); return ""
    if op == "chown": os.lchown(a[0], a[1], a[2]); return ""
    if op == "truncate": os.truncate(a[0], a[1]); return ""
    if op == "link": os.link(a[0], a[1]); return ""
    if op == "symlink": os.symlink(a[0], a[1]); return ""
    if op == "readlink": return os.readlink(a[0])
    if op == "rename": os.rename(a[0], a[1]); return ""
    if op == "rename2":
        check(libc.renameat2(AT_FDCWD, a[0].encode(), AT_FDCWD, a[1].encode(), a[2])); return ""
    if op == "access": return "" if os.access(a[0], a[1]) else "denied"
    if op == "access_errno":
        check(libc.access(a[0].encode(), a[1])); return ""
    if op == "mkfifo": os.mkfifo(a[0], a[1]); return ""
    if op == "mknod": os.mknod(a[0], a[1], os.makedev(a[2], a[3])); return ""
    if op == "socket":
        s = socket.socket(socket.AF_UNIX); s.bind(a[0]); s.close(); return ""
    if op == "setxattr": os.setxattr(a[0], a[1], a[2].encode("latin-1"), a[3] if len(a) > 3 else 0); return ""
    if op == "setxattr_n": os.setxattr(a[0], a[1], b"v" * a[2]); return ""
    if op == "getxattr": return os.getxattr(a[0], a[1]).decode("latin-1")
    if op == "getxattr_buf":  # path, name, buffer size: the raw getxattr(2) with a caller's buffer
        buf = ctypes.create_string_buffer(max(1, a[2]))
        return str(check(libc.getxattr(a[0].encode(), a[1].encode(), buf if a[2] else None, a[2])))
    if op == "listxattr": return ",".join(sorted(n for n in os.listxattr(a[0]) if not n.startswith("security.")))
    if op == "listxattr_buf":
        buf = ctypes.create_string_buffer(max(1, a[1]))
        return str(check(libc.listxattr(a[0].encode(), buf if a[1] else None, a[1])))
    if op == "removexattr": os.removexattr(a[0], a[1]); return ""
    if op == "listdir": return ",".join(sorted(os.listdir(a[0])))
    if op == "fallocate":
        with_fd(a[0], os.O_RDWR, lambda fd: check(libc.fallocate(fd, a[1], a[2], a[3]))); return ""
    if op == "fallocate_ro":
        with_fd(a[0], os.O_RDONLY, lambda fd: check(libc.fallocate(fd, a[1], a[2], a[3]))); return ""
    if op == "seek":  # path, offset, "data" | "hole"
        return str(with_fd(a[0], os.O_RDONLY, lambda fd: os.lseek(fd, a[1], os.SEEK_DATA if a[2] == "data" else os.SEEK_HOLE)))
    if op == "copy":  # src, dst, src offset, dst offset, count, dst open flags
        def cp(fi):
            return with_fd(a[1], flags(a[5]), lambda fo: os.copy_file_range(fi, fo, a[4], a[2], a[3]))
        return str(with_fd(a[0], os.O_RDONLY, cp))
    if op == "copy_same":  # path, src offset, dst offset, count (one fd for both)
        return str(with_fd(a[0], os.O_RDWR, lambda fd: os.copy_file_range(fd, fd, a[3], a[1], a[2])))
    if op == "utimens":  # path, atime, mtime: each [sec, nsec] or "now" or "omit"
        def ts(v):
            if v == "now": return Timespec(0, UTIME_NOW)
            if v == "omit": return Timespec(0, UTIME_OMIT)
            return Timespec(v[0], v[1])
        arr = (Timespec * 2)(ts(a[1]), ts(a[2]))
        check(libc.utimensat(AT_FDCWD, a[0].encode(), arr, 0)); return ""
    if op == "times":  # path: atime and mtime in ns since the epoch (only for tests that set them)
        st = os.stat(a[0]); return "%d %d" % (st.st_atime_ns, st.st_mtime_ns)
    if op == "atime_after_read":  # path, atime_ns to set first: "updated" or "kept" after one read
        st = os.stat(a[0])
        os.utime(a[0], ns=(a[1], st.st_mtime_ns))
        read_all(a[0], 0, 1)
        return "updated" if os.stat(a[0]).st_atime_ns != a[1] else "kept"
    if op == "noatime_open": os.close(os.open(a[0], os.O_RDONLY | os.O_NOATIME)); return ""
    if op == "mmap_write":  # path, offset, text: MAP_SHARED write, msync, close
        def mw(fd):
            m = mmap.mmap(fd, os.fstat(fd).st_size, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
            m[a[1]:a[1] + len(a[2])] = a[2].encode()
            m.flush()
            m.close()
        with_fd(a[0], os.O_RDWR, mw); return ""
    if op == "direct_rw":  # path: O_DIRECT aligned write of 8 KiB and read back
        buf = mmap.mmap(-1, 8192)
        buf.write(b"d" * 8192)
        def dw(fd):
            n = os.pwritev(fd, [buf], 0)
            back = mmap.mmap(-1, 8192)
            m = os.preadv(fd, [back], 0)
            return "%d %d %s" % (n, m, "same" if back[:] == buf[:] else "differs")
        return with_fd(a[0], os.O_RDWR | os.O_CREAT | os.O_DIRECT, dw)
    if op == "statfs":
        s = os.statvfs(a[0]); return "%d %d" % (s.f_namemax, s.f_bsize)
    if op == "as":  # uid, gid, groups, umask (or None), call
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            try:
                os.setgroups(a[2]); os.setgid(a[1]); os.setuid(a[0])
                if a[3] is not None: os.umask(a[3])
                out = outcome(a[4])
            except BaseException as e:  # noqa: the child must always answer
                out = "crash:%r" % (e,)
            os.write(w, out.encode()); os._exit(0)
        os.close(w)
        data = b""
        while True:
            chunk = os.read(r, 65536)
            if not chunk: break
            data += chunk
        os.close(r); os.waitpid(pid, 0)
        return Raw(data.decode())
    if op == "umask": os.umask(a[0]); return ""
    raise ValueError("unknown op " + op)


def outcome(c):
    try:
        r = run(c)
        if isinstance(r, Raw): return r.text
        return "ok " + r if r else "ok"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))
    except ValueError as e:
        return "ValueError"


def main():
    os.chdir(sys.argv[1])
    calls = json.loads(sys.argv[2])
    os.umask(0o022)
    for i, c in enumerate(calls):
        label = c[0] if c[0] != "as" else "as %d %s" % (c[1], c[5][0])
        print("%d %s -> %s" % (i, label, outcome(c)))


main()
