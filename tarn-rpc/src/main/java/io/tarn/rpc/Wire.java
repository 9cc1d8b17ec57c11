package io.tarn.rpc;

/**
 * Constants of the frame layout (docs/adr/0030-rpc-protocol.md). Every frame is a big-endian u32
 * payload length followed by the payload. A request payload is {@code u64 callId, u8 opcode,
 * u32 deadlineMillis, args}; a response payload is {@code u64 callId, u8 status, body} where the
 * body is the result for {@link #OK} or {@code errno name, message} for {@link #ERROR}.
 */
final class Wire {
    /** "TRPC": the first four bytes each side sends on a new connection. */
    static final int MAGIC = 0x54525043;
    /**
     * Version 2 (ADR 0100): TLS refusal in the server hello, token flag, AUTHENTICATE and token opcodes,
     * and the encryption fields of VolumeSpec/VolumeInfo (ADR 0091). Version 1 peers are refused at the
     * hello: this side no longer speaks the version 1 volume layout. Version 3 (ADR 0140): VolumeSpec and
     * VolumeInfo end with the volume's proxy group; version 2 peers are refused likewise. Version 4 (ADR 0141):
     * a BlockRef ends with its inline payload and a LiveBlock with its inline flag; version 3 peers are refused
     * likewise (a version 3 client would drop inline payloads it cannot see).
     */
    static final int VERSION_MIN = 4, VERSION_MAX = 4;
    /** Client hello: magic, u16 min version, u16 max version, u32 largest reply frame it accepts. */
    static final int HELLO_LENGTH = 12;
    /**
     * Server hello: magic, u16 chosen version (0: refused), u16 detail, u64 server epoch, u32 largest
     * request frame it accepts. The detail is a refusal reason when the version is 0, flags otherwise
     * (version 2 on; version 1 sends 0).
     */
    static final int SERVER_HELLO_LENGTH = 20;
    static final int REFUSED_NO_COMMON_VERSION = 1, REFUSED_TLS_REQUIRED = 2;
    /** Hello flag: every call needs an access token (AUTHENTICATE first). */
    static final int FLAG_TOKEN_REQUIRED = 1;

    static final int LENGTH_FIELD = 4;
    static final int REQUEST_HEADER = 8 + 1 + 4;
    static final int RESPONSE_HEADER = 8 + 1;
    /** Offsets inside a whole frame (length field included), patched per attempt. */
    static final int CALL_ID_AT = LENGTH_FIELD, OPCODE_AT = LENGTH_FIELD + 8, DEADLINE_AT = LENGTH_FIELD + 9;

    static final byte OK = 0, ERROR = 1;

    /** Call id 0 is never used by a client: a response with it reports a connection-level error. */
    static final long NO_CALL = 0;

    static final int DEFAULT_MAX_FRAME = 16 << 20;

    private Wire() {}
}
