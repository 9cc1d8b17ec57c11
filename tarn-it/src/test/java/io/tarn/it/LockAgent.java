package io.tarn.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A child process (lockagent.py) that opens files and takes fcntl, OFD and flock locks on command, so
 * a test can hold locks in several processes at once and see the exact errno of each call. Every
 * command answers one line; {@link #answer} waits for it with a deadline.
 */
final class LockAgent implements AutoCloseable {
    private final Process process;
    private final Writer in;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    final long pid;

    private LockAgent(Process process) throws IOException, InterruptedException {
        this.process = process;
        this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        Thread.ofVirtual().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) lines.add(l);
            } catch (IOException ignored) {
                // the agent is gone; answer() reports the missing line
            }
            lines.add("<exited>");
        });
        this.pid = Long.parseLong(call("pid"));
    }

    static LockAgent start() throws IOException, InterruptedException {
        Path script;
        try {
            script = Path.of(LockAgent.class.getResource("/lockagent.py").toURI());
        } catch (URISyntaxException e) {
            throw new IOException(e);
        }
        return new LockAgent(new ProcessBuilder("python3", "-u", script.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start());
    }

    /** Sends a command without waiting for its answer (for calls that block). */
    void send(String command) throws IOException {
        in.write(command + "\n");
        in.flush();
    }

    /** The next answer, waiting at most {@code timeout}. */
    String answer(Duration timeout) throws InterruptedException {
        String l = lines.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (l == null) throw new AssertionError("lock agent " + pid + " gave no answer within " + timeout);
        return l;
    }

    /** The next answer if one comes within {@code window}, else null: for checking that a call still blocks. */
    String answerWithin(Duration window) throws InterruptedException {
        return lines.poll(window.toMillis(), TimeUnit.MILLISECONDS);
    }

    String call(String command) throws IOException, InterruptedException {
        send(command);
        return answer(Duration.ofSeconds(60));
    }

    /** Signals the agent (SIGUSR1 is caught, so a blocking call returns EINTR). */
    void signal(String name) throws IOException, InterruptedException {
        new ProcessBuilder("kill", "-" + name, Long.toString(pid)).inheritIO().start().waitFor(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }
}
