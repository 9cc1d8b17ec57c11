package io.tarn.rpc;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** Collects the formatted log lines of a few loggers (System.Logger goes to java.util.logging here). */
final class LogCapture extends Handler implements AutoCloseable {
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final List<Logger> loggers;

    LogCapture(Class<?>... sources) {
        loggers = java.util.Arrays.stream(sources).map(c -> Logger.getLogger(c.getName())).toList();
        for (Logger l : loggers) l.addHandler(this);
    }

    @Override
    public void publish(LogRecord r) {
        Object[] p = r.getParameters();
        String m = r.getMessage();
        if (p != null) for (int i = 0; i < p.length; i++) m = m.replace("{" + i + "}", String.valueOf(p[i]));
        lines.add(m);
        synchronized (this) {
            notifyAll();
        }
    }

    /** Waits up to 10 s for a line containing every fragment; the line, or an AssertionError listing what was logged. */
    String await(String... fragments) throws InterruptedException {
        long end = System.nanoTime() + 10_000_000_000L;
        while (true) {
            for (String l : lines) if (java.util.Arrays.stream(fragments).allMatch(l::contains)) return l;
            if (System.nanoTime() > end) throw new AssertionError("no log line with " + List.of(fragments) + " in " + lines);
            synchronized (this) {
                wait(Math.max(1, (end - System.nanoTime()) / 1_000_000));
            }
        }
    }

    List<String> lines() {
        return List.copyOf(lines);
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        for (Logger l : loggers) l.removeHandler(this);
    }
}
