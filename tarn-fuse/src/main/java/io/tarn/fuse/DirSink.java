package io.tarn.fuse;

/**
 * Collects directory entries for one READDIR or READDIRPLUS reply. Each entry carries the offset
 * the next call starts after. {@code add} returns false, adding nothing, once the reply is full.
 */
public interface DirSink {
    /** READDIR entry; {@code type} is the S_IFMT file type (e.g. 0040000) or 0 if unknown. */
    boolean add(String name, long ino, int type, long nextOffset);

    /** READDIRPLUS entry with attributes; for READDIR only the name, node id and type are used. */
    boolean add(String name, Entry entry, long nextOffset);

    /** True when the reply carries attributes (READDIRPLUS). */
    boolean plus();
}
