package io.tarn.server.gc;

/** Progress of a collection, for a progress bar: phases with a known or unknown amount of work. */
public interface GcProgress {
    GcProgress NONE = new GcProgress() {
        @Override
        public void phase(String name, long total) {}

        @Override
        public void advance(long n) {}
    };

    /** A new phase; {@code total} < 0 when unknown. */
    void phase(String name, long total);

    void advance(long n);
}
