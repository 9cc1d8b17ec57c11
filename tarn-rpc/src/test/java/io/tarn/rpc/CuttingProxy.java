package io.tarn.rpc;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback TCP relay between a client and a server that can lose a reply on purpose: after
 * {@link #cutNextReply()}, the next bytes the server sends past its handshake are dropped and both
 * sides of that connection are closed, as when a network or a server dies after committing.
 */
final class CuttingProxy implements AutoCloseable {
    private final ServerSocket listener;
    private final InetSocketAddress target;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean cutArmed = new AtomicBoolean();
    private volatile boolean cutAlways;
    final AtomicInteger cuts = new AtomicInteger();

    CuttingProxy(InetSocketAddress target) throws IOException {
        this.target = target;
        this.listener = new ServerSocket(0, 50, target.getAddress());
        Thread.ofVirtual().start(this::accept);
    }

    int port() {
        return listener.getLocalPort();
    }

    void cutNextReply() {
        cutArmed.set(true);
    }

    /** While on, every reply is cut, as if the server died of each request. */
    void cutEveryReply(boolean on) {
        cutAlways = on;
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket();
                server.connect(target);
                sockets.add(client);
                sockets.add(server);
                Thread.ofVirtual().start(() -> pump(client, server, false));
                Thread.ofVirtual().start(() -> pump(server, client, true));
            } catch (IOException e) {
                // listener closed, or the server is down: the client sees a closed connection and retries
            }
        }
    }

    private void pump(Socket from, Socket to, boolean fromServer) {
        byte[] buf = new byte[64 * 1024];
        long passed = 0;
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int n;
            while ((n = in.read(buf)) > 0) {
                if (fromServer && passed >= Wire.SERVER_HELLO_LENGTH && (cutAlways || cutArmed.compareAndSet(true, false))) {
                    cuts.incrementAndGet();
                    break;
                }
                out.write(buf, 0, n);
                passed += n;
            }
        } catch (IOException e) {
            // one side went away; close both below
        } finally {
            RpcServer.closeQuietly(from);
            RpcServer.closeQuietly(to);
        }
    }

    @Override
    public void close() {
        RpcServer.closeQuietly(listener);
        for (Socket s : sockets) RpcServer.closeQuietly(s);
    }
}
