package io.tarn.fuse.proto;

/** FUSE request opcodes (enum fuse_opcode in linux/fuse.h) and their names for logs. */
public final class Opcode {
    public static final int LOOKUP = 1, FORGET = 2, GETATTR = 3, SETATTR = 4, READLINK = 5, SYMLINK = 6,
            MKNOD = 8, MKDIR = 9, UNLINK = 10, RMDIR = 11, RENAME = 12, LINK = 13, OPEN = 14, READ = 15,
            WRITE = 16, STATFS = 17, RELEASE = 18, FSYNC = 20, SETXATTR = 21, GETXATTR = 22, LISTXATTR = 23,
            REMOVEXATTR = 24, FLUSH = 25, INIT = 26, OPENDIR = 27, READDIR = 28, RELEASEDIR = 29,
            FSYNCDIR = 30, GETLK = 31, SETLK = 32, SETLKW = 33, ACCESS = 34, CREATE = 35, INTERRUPT = 36,
            BMAP = 37, DESTROY = 38, IOCTL = 39, POLL = 40, NOTIFY_REPLY = 41, BATCH_FORGET = 42,
            FALLOCATE = 43, READDIRPLUS = 44, RENAME2 = 45, LSEEK = 46, COPY_FILE_RANGE = 47,
            SETUPMAPPING = 48, REMOVEMAPPING = 49, SYNCFS = 50, TMPFILE = 51, STATX = 52;

    private static final String[] NAMES = new String[53];
    static {
        try {
            for (var f : Opcode.class.getFields()) {
                if (f.getType() == int.class) NAMES[f.getInt(null)] = f.getName();
            }
        } catch (IllegalAccessException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private Opcode() {}

    public static String name(int opcode) {
        return opcode > 0 && opcode < NAMES.length && NAMES[opcode] != null ? NAMES[opcode] : "OP_" + opcode;
    }
}
