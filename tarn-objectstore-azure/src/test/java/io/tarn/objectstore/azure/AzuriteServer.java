package io.tarn.objectstore.azure;

import com.azure.storage.blob.BlobServiceClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import org.junit.jupiter.api.Assumptions;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Azurite (the Azure Storage emulator from npm) as a child process on a free loopback port, in memory.
 * Found at {@code $AZURITE_BLOB}, else {@code .tools/node_modules/.bin/azurite-blob} in the repository
 * (what {@code .ci/run} installs), else {@code azurite-blob} on the PATH. When it is missing, the tests
 * are skipped with the install command as the reason, except under CI (or TARN_REQUIRE_AZURITE=1),
 * where a missing emulator fails them: CI installs it, so its absence there is a broken setup.
 */
public final class AzuriteServer implements AutoCloseable {
    public static final String INSTALL = "npm install --prefix .tools azurite@3.37.0   (run in the repository root; needs node)";
    /** Azurite's fixed development account: public and documented, not a secret. */
    static final String ACCOUNT = "devstoreaccount1";
    static final String DEV_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private static final Pattern LISTENING = Pattern.compile("listens on http://127\\.0\\.0\\.1:(\\d+)");

    private final Process process;
    private final int port;

    private AzuriteServer(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    private static AzuriteServer shared;

    /**
     * One Azurite for every test class of this JVM (starting node costs seconds on a loaded machine),
     * stopped when the JVM exits. Tests isolate themselves with fresh containers.
     */
    public static synchronized AzuriteServer shared() throws Exception {
        if (shared == null) {
            Path dir = java.nio.file.Files.createTempDirectory("azurite-");
            AzuriteServer s = start(dir);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    s.close();
                } catch (InterruptedException ignored) {
                    // the JVM is ending anyway
                }
            }));
            shared = s;
        }
        return shared;
    }

    /** Starts Azurite, or skips/fails the calling test as the class comment says. */
    public static AzuriteServer start(Path workDir) throws Exception {
        Optional<Path> exe = find();
        if (exe.isEmpty()) {
            String why = "Azurite is not installed, so the Azure Blob tests cannot run: " + INSTALL;
            if (System.getenv("CI") != null || System.getenv("TARN_REQUIRE_AZURITE") != null) throw new IllegalStateException(why);
            System.err.println("WARNING: " + why);
            Assumptions.abort(why);
        }
        ProcessBuilder pb = new ProcessBuilder(exe.get().toString(), "--blobHost", "127.0.0.1", "--blobPort", "0",
                "--inMemoryPersistence", "--skipApiVersionCheck", "--loose")
                .directory(workDir.toFile()).redirectErrorStream(true);
        Process p = pb.start();
        BlockingQueue<Integer> ports = new ArrayBlockingQueue<>(1);
        StringBuilder seen = new StringBuilder();
        Thread.ofVirtual().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    synchronized (seen) {
                        if (seen.length() < 4000) seen.append(line).append('\n');
                    }
                    Matcher m = LISTENING.matcher(line);
                    if (m.find()) ports.offer(Integer.parseInt(m.group(1)));
                }
            } catch (IOException ignored) {
                // the process ended; start() notices through the missing port
            }
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        Integer port = null;
        while (port == null && p.isAlive() && System.nanoTime() < deadline) port = ports.poll(100, TimeUnit.MILLISECONDS);
        if (port == null) port = ports.poll(1, TimeUnit.SECONDS); // it may have printed the port just before the check
        if (port == null) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            synchronized (seen) {
                throw new IllegalStateException((p.isAlive() ? "Azurite did not start within 30 s" : "Azurite exited with " + p.exitValue()) + "; it said:\n" + seen);
            }
        }
        return new AzuriteServer(p, port);
    }

    private static Optional<Path> find() {
        String env = System.getenv("AZURITE_BLOB");
        if (env != null && Files.isExecutable(Path.of(env))) return Optional.of(Path.of(env));
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path c = d.resolve(".tools/node_modules/.bin/azurite-blob");
            if (Files.isExecutable(c)) return Optional.of(c);
            if (Files.exists(d.resolve(".git"))) break;
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (dir.isEmpty()) continue;
            Path c = Path.of(dir, "azurite-blob");
            if (Files.isExecutable(c)) return Optional.of(c);
        }
        return Optional.empty();
    }

    public String blobEndpoint() {
        return "http://127.0.0.1:" + port + "/" + ACCOUNT;
    }

    public String connectionString() {
        return "DefaultEndpointsProtocol=http;AccountName=" + ACCOUNT + ";AccountKey=" + DEV_KEY + ";BlobEndpoint=" + blobEndpoint() + ";";
    }

    /** A new empty container with a random name. */
    public String createContainer() {
        String name = "tarn-" + UUID.randomUUID().toString().substring(0, 13);
        BlobServiceClient c = new BlobServiceClientBuilder().connectionString(connectionString()).buildClient();
        c.createBlobContainer(name);
        return name;
    }

    /** A credentials file holding the connection string, or a wrong account key. */
    public Path writeCredentials(Path dir, boolean correct) throws IOException {
        Path f = dir.resolve(correct ? "az-credentials.properties" : "az-wrong.properties");
        // Properties files treat '\' specially; the key is base64 so only '=' and '/' occur, which are fine in values.
        Files.writeString(f, correct ? "connection_string=" + connectionString() + "\n"
                : "account_key=" + "AAAA" + DEV_KEY.substring(4) + "\n");
        return f;
    }

    @Override
    public void close() throws InterruptedException {
        List<ProcessHandle> kids = process.descendants().toList();
        process.destroy();
        kids.forEach(ProcessHandle::destroy);
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        kids.forEach(ProcessHandle::destroyForcibly);
    }
}
