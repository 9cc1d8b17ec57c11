package io.tarn.cli;

import io.tarn.server.gc.GcProgress;

import java.io.PrintWriter;

/**
 * A one-line progress bar on stderr, redrawn at most ten times a second, when stderr is a terminal.
 * Pipes and logs get one line per finished phase instead (a cron job's log shows how far a long run got).
 */
final class ProgressBar implements GcProgress, AutoCloseable {
    private final PrintWriter err;
    private final boolean tty, quiet;
    private String phase = "";
    private long total = -1, done;
    private long lastDraw;

    ProgressBar(PrintWriter err) {
        this.err = err;
        this.quiet = System.getenv("TARN_NO_PROGRESS") != null;
        // Since JDK 22 System.console() is not null when redirected: ask whether it is a terminal.
        this.tty = !quiet && System.console() != null && System.console().isTerminal();
    }

    @Override
    public synchronized void phase(String name, long total) {
        finishPhase();
        this.phase = name;
        this.total = total;
        this.done = 0;
    }

    @Override
    public synchronized void advance(long n) {
        done += n;
        if (tty && System.nanoTime() - lastDraw > 100_000_000L) draw(false);
    }

    private void draw(boolean last) {
        lastDraw = System.nanoTime();
        String line;
        if (total > 0) {
            int width = 30, filled = (int) Math.min(width, done * width / total);
            line = String.format("%-22s [%s%s] %d/%d", phase, "#".repeat(filled), " ".repeat(width - filled), done, total);
        } else {
            line = String.format("%-22s %d", phase, done);
        }
        err.print("\r" + line + (last ? "\n" : ""));
        err.flush();
    }

    private void finishPhase() {
        if (phase.isEmpty() || quiet) return;
        if (tty) {
            draw(true);
        } else {
            err.println(phase + ": " + done + (total >= 0 ? "/" + total : "") + " done");
            err.flush();
        }
    }

    @Override
    public synchronized void close() {
        finishPhase();
        phase = "";
    }
}
