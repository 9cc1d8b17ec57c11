package io.tarn.rpc;

/**
 * The opcodes of protocol version 1, one per {@link io.tarn.api.MetaService} method. Codes are
 * part of the wire format: never renumber, only append. {@code retry} says how the client may
 * resend a call whose reply was lost.
 */
enum Op {
    CREATE_VOLUME(1, Retry.RECONCILE), LIST_VOLUMES(2, Retry.SAFE), VOLUME(3, Retry.SAFE),
    DELETE_VOLUME(4, Retry.RECONCILE), OPEN_SESSION(5, Retry.RECONCILE), HEARTBEAT(6, Retry.SAFE),
    CLOSE_SESSION(7, Retry.RECONCILE),
    LOOKUP(10, Retry.SAFE), GET_ATTR(11, Retry.SAFE), SET_ATTR(12, Retry.REQUEST_ID),
    MKNOD(13, Retry.REQUEST_ID), CREATE(14, Retry.REQUEST_ID), MKDIR(15, Retry.REQUEST_ID),
    SYMLINK(16, Retry.REQUEST_ID), READLINK(17, Retry.SAFE), LINK(18, Retry.REQUEST_ID),
    UNLINK(19, Retry.REQUEST_ID), RMDIR(20, Retry.REQUEST_ID), RENAME(21, Retry.REQUEST_ID),
    READ_DIR(22, Retry.SAFE), ACCESS(23, Retry.SAFE), OPEN(24, Retry.REQUEST_ID),
    RELEASE(25, Retry.REQUEST_ID), STAT_FS(26, Retry.SAFE),
    BLOCKS(30, Retry.SAFE), COMMIT_BLOCKS(31, Retry.REQUEST_ID), RESERVE_BLOCK_IDS(32, Retry.REQUEST_ID),
    GET_XATTR(40, Retry.SAFE), SET_XATTR(41, Retry.REQUEST_ID), LIST_XATTR(42, Retry.SAFE),
    REMOVE_XATTR(43, Retry.REQUEST_ID),
    OPEN_VIEW(50, Retry.RECONCILE), SET_RETENTION(51, Retry.SAFE), VOLUME_USAGE(52, Retry.SAFE),
    /** Idempotent: resending the generation already added returns the volume unchanged. */
    ADD_VOLUME_KEY(60, Retry.SAFE),
    GC_HORIZON(53, Retry.SAFE), GARBAGE(54, Retry.SAFE), FORGET_GARBAGE(55, Retry.SAFE), LIVE_BLOCKS(56, Retry.SAFE),
    GC_CLIENTS(57, Retry.SAFE),
    // Version 2 (ADR 0100). AUTHENTICATE is sent by the connection itself, right after the hello.
    AUTHENTICATE(70, Retry.SAFE), CREATE_TOKEN(71, Retry.RECONCILE), LIST_TOKENS(72, Retry.SAFE), REVOKE_TOKEN(73, Retry.SAFE),
    // Locks live in server memory, not in the KV store, so they cannot use request-id replay. Each is
    // idempotent for its owner instead: the same lock again is a no-op, a wait resumes by its wait id.
    TEST_LOCK(80, Retry.SAFE), SET_LOCK(81, Retry.SAFE), CANCEL_LOCK_WAIT(82, Retry.SAFE),
    RELEASE_LOCKS(83, Retry.SAFE), RECLAIM_LOCKS(84, Retry.SAFE),
    // Coherence (ADR 0120): a long poll of the change feed, asked on a connection of its own.
    CHANGES(90, Retry.SAFE), XATTR_HOLDERS(91, Retry.SAFE),
    PUNCH_BLOCKS(100, Retry.REQUEST_ID),
    // Volume quotas (ADR 0133). Setting is idempotent: the limits are absolute values (or -1: keep).
    SET_VOLUME_QUOTA(120, Retry.SAFE), VOLUME_QUOTA(121, Retry.SAFE),
    // The object store calls a proxy serves (ADR 0140): no MetaService method behind them. A put replaces the
    // whole object and a delete of an absent key is fine, so every one of them may be resent as is.
    OBJECT_GET(110, Retry.SAFE), OBJECT_PUT(111, Retry.SAFE), OBJECT_DELETE(112, Retry.SAFE),
    OBJECT_LIST(113, Retry.SAFE), OBJECT_HEAD(114, Retry.SAFE),
    // Setting a volume's proxy group (ADR 0140) is idempotent: the group is an absolute value.
    SET_VOLUME_PROXY(115, Retry.SAFE);

    /** How a call may be sent again after a lost reply. */
    enum Retry {
        /** Reads and idempotent calls: resend as is. */
        SAFE,
        /** Namespace mutations: resend with the same ctx.requestId; the server applies it at most once. */
        REQUEST_ID,
        /** Calls without a Ctx: resend, then the client reconciles an EEXIST/ENOENT caused by its own first try. */
        RECONCILE
    }

    private static final Op[] BY_CODE = new Op[256];
    static {
        for (Op op : values()) BY_CODE[op.code] = op;
    }

    final int code;
    final Retry retry;
    Op(int code, Retry retry) {
        this.code = code;
        this.retry = retry;
    }

    /** A read of one key or a few that normally waits on nothing: the server runs it on the connection's reader. */
    boolean pointRead() {
        return switch (this) {
            case VOLUME, HEARTBEAT, LOOKUP, GET_ATTR, READLINK, ACCESS, GET_XATTR -> true;
            default -> false;
        };
    }

    /** One of the object store calls a proxy serves (ADR 0140). */
    boolean objectStore() {
        return code >= 110 && code <= 114;
    }

    /** The op for a wire code, or null if this version does not know it. */
    static Op of(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }

    /** The MetaService method name, for messages. */
    String method() {
        StringBuilder b = new StringBuilder();
        boolean up = false;
        for (char c : name().toCharArray()) {
            if (c == '_') up = true;
            else {
                b.append(up ? c : Character.toLowerCase(c));
                up = false;
            }
        }
        return b.toString();
    }
}
