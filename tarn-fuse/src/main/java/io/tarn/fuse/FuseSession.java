package io.tarn.fuse;

import io.tarn.api.Errno;
import io.tarn.api.FsException;
import io.tarn.fuse.mount.MountTable;
import io.tarn.fuse.mount.Mounter;
import io.tarn.fuse.proto.Opcode;
import io.tarn.fuse.proto.Proto;
import io.tarn.fuse.sys.Libc;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * One FUSE connection served by a {@link FuseFilesystem}: mount (or take over) a connection,
 * {@link #start()} the workers, then {@link #join()} until unmounted, or {@link #close()} to
 * unmount, or {@link #handOff} to a successor process. Thread-safe.
 */
public final class FuseSession implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(FuseSession.class.getName());

    /** How serving ended, as {@link #join()} reports it. */
    public enum Outcome { UNMOUNTED, CLOSED, HANDED_OFF }

    final FuseConfig config;
    final FuseFilesystem fs;
    final Replier replier;
    final Dispatcher dispatcher;
    private final Path mountpoint;
    private final int devFd;
    private final int connectionNumber;
    private final boolean ownsMount;
    private volatile Connection connection;
    private final CountDownLatch initialised = new CountDownLatch(1);
    private final CountDownLatch ended = new CountDownLatch(1);
    private final LongAdder[] served = new LongAdder[64];
    private final ConcurrentHashMap<Long, Request> inflight = new ConcurrentHashMap<>();
    private final List<Worker> workers = new CopyOnWriteArrayList<>();
    private final List<Queue> parked = new CopyOnWriteArrayList<>();
    private final Object lock = new Object();
    private int stopFd = -1;
    private volatile boolean started, stopping;
    private volatile Outcome outcome;
    private volatile Thread handoffListener;
    private volatile Path handoffSocket;
    private Notifier notifier;

    FuseSession(Path mountpoint, int devFd, int connectionNumber, FuseFilesystem fs, FuseConfig config,
                Connection taken, boolean ownsMount) {
        this.mountpoint = mountpoint;
        this.devFd = devFd;
        this.connectionNumber = connectionNumber;
        this.fs = fs;
        this.config = config;
        this.ownsMount = ownsMount;
        for (int i = 0; i < served.length; i++) served[i] = new LongAdder();
        this.replier = new Replier(this);
        this.dispatcher = new Dispatcher(this, fs);
        if (taken != null) {
            connection = taken;
            initialised.countDown();
        }
    }

    /**
     * Mounts {@code fs} at {@code options.mountpoint()} and returns the session, not yet serving
     * (call {@link #start()}). Fails with a one-line IOException if the mountpoint or /dev/fuse is
     * missing or the mount is refused.
     */
    public static FuseSession mount(MountOptions options, FuseFilesystem fs, FuseConfig config) throws IOException {
        Mounter.Mounted m = Mounter.mount(options);
        return new FuseSession(options.mountpoint(), m.fd(), m.connection(), fs, config, null, true);
    }

    /**
     * Takes over the live connection of the daemon listening on {@code controlSocket} (see
     * {@link ControlSocket}): receives its /dev/fuse fd and state, imports the state into {@code fs},
     * and starts serving. The mount never goes away.
     */
    public static FuseSession takeOver(Path controlSocket, FuseFilesystem fs, FuseConfig config) throws IOException {
        return Handoff.receive(controlSocket, fs, config);
    }

    /**
     * Ends whatever FUSE mount is at {@code mountpoint}, even one whose daemon hangs or died: aborts
     * its connection and detaches it lazily. Returns false if there was no FUSE mount there.
     */
    public static boolean forceUnmount(Path mountpoint) {
        return Mounter.forceUnmount(mountpoint);
    }

    static FuseSession adopt(Path mountpoint, int devFd, int connectionNumber, FuseFilesystem fs, FuseConfig config,
                             Connection c) {
        return new FuseSession(mountpoint, devFd, connectionNumber, fs, config, c, true);
    }

    /** Starts the worker threads; returns this. */
    public FuseSession start() throws IOException {
        synchronized (lock) {
            if (started) throw new IllegalStateException("already started");
            started = true;
            boolean poll = (config.handoffReady() || config.spinMicros() > 0) && config.cloneQueues();
            if (poll) {
                stopFd = Libc.eventfd(0, Libc.O_CLOEXEC);
                if (stopFd < 0) throw new IOException("eventfd: " + Libc.describe(-stopFd));
            }
            for (int i = 0; i < config.workers(); i++) {
                int fd = devFd;
                if (config.cloneQueues()) {
                    fd = cloneQueue(poll);
                }
                spawn(new Queue(this, fd));
            }
        }
        return this;
    }

    private void spawn(Queue q) {
        int inCap = config.maxWrite() + 64 * 1024;
        int outCap = config.maxWrite() + 4096;
        Worker w = new Worker(this, q, inCap, outCap, stopFd);
        workers.add(w);
        Thread.ofPlatform().name("fuse-worker-" + workers.size()).daemon(true).start(w);
    }

    /** After a failed handoff: the stopped workers serve again on their queues. */
    void resume() {
        synchronized (lock) {
            if (ended.getCount() == 0) return;
            if (stopFd >= 0) {
                try (var a = Arena.ofConfined()) {
                    Libc.read(stopFd, a.allocate(8), 8);
                }
            }
            stopping = false;
            for (Queue q : parked) spawn(q);
            parked.clear();
        }
    }

    private int cloneQueue(boolean nonBlocking) throws IOException {
        int fd = Libc.open("/dev/fuse", Libc.O_RDWR | Libc.O_CLOEXEC | (nonBlocking ? Libc.O_NONBLOCK : 0));
        if (fd < 0) throw new IOException("cannot open /dev/fuse for a cloned queue: " + Libc.describe(-fd));
        try (var a = Arena.ofConfined()) {
            MemorySegment arg = a.allocate(4);
            arg.set(ValueLayout.JAVA_INT, 0, devFd);
            int r = Libc.ioctl(fd, Proto.DEV_IOC_CLONE, arg);
            if (r < 0) {
                Libc.close(fd);
                throw new IOException("FUSE_DEV_IOC_CLONE failed: " + Libc.describe(-r));
            }
        }
        return fd;
    }

    /** Waits until INIT has been answered; false on timeout. */
    public boolean awaitInit(Duration timeout) throws InterruptedException {
        return initialised.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Blocks until the session ends (unmounted, closed, or handed off). */
    public Outcome join() throws InterruptedException {
        ended.await();
        return outcome;
    }

    /** Like {@link #join()} with a deadline; null on timeout. */
    public Outcome join(Duration timeout) throws InterruptedException {
        return ended.await(timeout.toNanos(), TimeUnit.NANOSECONDS) ? outcome : null;
    }

    public Path mountpoint() {
        return mountpoint;
    }

    /** The negotiated parameters; null before INIT. */
    public Connection connection() {
        return connection;
    }

    /** The kernel's number for this connection (/sys/fs/fuse/connections/N), or -1 if unknown. */
    public int connectionNumber() {
        return connectionNumber;
    }

    /** Cache invalidation and store messages to the kernel for this connection. */
    public synchronized Notifier notifier() {
        if (notifier == null) notifier = new Notifier(this, devFd);
        return notifier;
    }

    /** Requests read so far, by opcode name (for metrics and benchmarks). */
    public Map<String, Long> requestCounts() {
        Map<String, Long> m = new TreeMap<>();
        for (int i = 0; i < served.length; i++) {
            long n = served[i].sum();
            if (n > 0) m.put(Opcode.name(i), n);
        }
        return m;
    }

    void count(int opcode) {
        served[opcode & 63].increment();
    }

    /** Deferred requests (and those waiting for interrupts) not answered yet. */
    public int inflight() {
        return inflight.size();
    }

    int maxRead() {
        return config.maxWrite();
    }

    int devFd() {
        return devFd;
    }

    boolean isStopping() {
        return stopping;
    }

    /**
     * Requests that outlive their worker's call (deferred) or want interrupts are tracked by unique;
     * the rest need no bookkeeping: a handoff drains them by waiting for the workers.
     */
    void track(Request r) {
        inflight.putIfAbsent(r.unique, r);
    }

    void finished(Request r) {
        inflight.remove(r.unique, r);
    }

    void interrupt(long unique) {
        Request r = inflight.get(unique);
        if (r != null) r.interrupt();
    }

    Connection negotiate(Request r, MemorySegment in, int end) {
        int major = Wire.i32(in, Proto.IN_HEADER), minor = Wire.i32(in, Proto.IN_HEADER + 4);
        int readahead = end >= Proto.IN_HEADER + 12 ? Wire.i32(in, Proto.IN_HEADER + 8) : 0;
        long kflags = end >= Proto.IN_HEADER + 16 ? Integer.toUnsignedLong(Wire.i32(in, Proto.IN_HEADER + 12)) : 0;
        if ((kflags & Proto.INIT_EXT) != 0 && end >= Proto.IN_HEADER + 20) {
            kflags |= Integer.toUnsignedLong(Wire.i32(in, Proto.IN_HEADER + 16)) << 32;
        }
        if (major != Proto.KERNEL_MAJOR || minor < 12) {
            throw new FsException(Errno.EIO, "unsupported FUSE protocol " + major + "." + minor);
        }
        FuseConfig c = config;
        long want = Proto.BIG_WRITES | Proto.MAX_PAGES | Proto.INIT_EXT | Proto.HAS_RESEND;
        if (c.asyncRead()) want |= Proto.ASYNC_READ;
        if (c.parallelDirops()) want |= Proto.PARALLEL_DIROPS;
        if (c.readdirplus()) want |= Proto.DO_READDIRPLUS | (c.readdirplusAuto() ? Proto.READDIRPLUS_AUTO : 0);
        if (c.writebackCache()) want |= Proto.WRITEBACK_CACHE;
        if (c.posixLocks()) want |= Proto.POSIX_LOCKS;
        if (c.flockLocks()) want |= Proto.FLOCK_LOCKS;
        if (c.atomicOTrunc()) want |= Proto.ATOMIC_O_TRUNC;
        if (c.exportSupport()) want |= Proto.EXPORT_SUPPORT;
        if (c.cacheSymlinks()) want |= Proto.CACHE_SYMLINKS;
        if (c.autoInvalData()) want |= Proto.AUTO_INVAL_DATA;
        if (c.handleKillpriv()) want |= Proto.HANDLE_KILLPRIV;
        if (c.handleKillprivV2()) want |= Proto.HANDLE_KILLPRIV_V2;
        if (c.supplementaryGroups()) want |= Proto.CREATE_SUPP_GROUP;
        if (c.noOpenSupport()) want |= Proto.NO_OPEN_SUPPORT;
        if (c.dontMask()) want |= Proto.DONT_MASK;
        want |= Proto.ASYNC_DIO;
        long flags = want & kflags;
        int maxPages = Math.min(256, (c.maxWrite() + 4095) / 4096);
        int ra = c.maxReadahead() > 0 ? Math.min(c.maxReadahead(), readahead) : readahead;
        Connection conn = new Connection(Proto.KERNEL_MAJOR, Math.min(minor, Proto.KERNEL_MINOR), kflags, flags,
                Math.min(c.maxWrite(), maxPages * 4096), ra, maxPages, c.maxBackground(), c.congestionThreshold(), 1);
        connection = conn;
        fs.init(conn);
        initialised.countDown();
        LOG.log(System.Logger.Level.DEBUG, "INIT: kernel {0}.{1} flags {2}, agreed {3}", major, minor,
                Long.toHexString(kflags), conn);
        return conn;
    }

    void connectionEnded() {
        if (outcome == null && !stopping) outcome = Outcome.UNMOUNTED;
    }

    void workerEnded(Worker w) {
        workers.remove(w);
        if (stopping && !w.queue.closed) {
            parked.add(w.queue);
            return;
        }
        if (!w.queue.closed && w.queue.fd != devFd && !stopping) {
            w.queue.closed = true;
            Libc.close(w.queue.fd);
        }
        if (workers.isEmpty() && !stopping) finish(outcome == null ? Outcome.UNMOUNTED : outcome);
    }

    /** Releases everything; after a handoff the mount stays (the successor holds the connection). */
    void finish(Outcome how) {
        synchronized (lock) {
            if (ended.getCount() == 0) return;
            outcome = how;
            stopListening();
            // After a handoff the path belongs to the successor, who listens there now.
            if (how != Outcome.HANDED_OFF && handoffSocket != null) {
                try {
                    Files.deleteIfExists(handoffSocket);
                } catch (IOException e) {
                    LOG.log(System.Logger.Level.DEBUG, "cannot remove {0}: {1}", handoffSocket, e);
                }
            }
            for (Worker w : workers) {
                w.queue.closed = true;
                if (w.queue.fd != devFd) Libc.close(w.queue.fd);
            }
            for (Queue q : parked) {
                q.closed = true;
                if (q.fd != devFd) Libc.close(q.fd);
            }
            parked.clear();
            Libc.close(devFd);
            if (stopFd >= 0) Libc.close(stopFd);
            ended.countDown();
        }
    }

    /**
     * Stops every worker without ending the connection; false if some did not stop in time. In
     * poll mode ({@link FuseConfig#handoffReady}) the stop eventfd wakes them. Otherwise each worker
     * sits in a blocking read, so we wake it with a request of our own: a lookup of a fresh hidden
     * name in the mount, from a virtual thread. A worker ends after the request it is serving;
     * pokes left over wait in the kernel's queue and are answered (ENOENT) by the successor.
     */
    boolean stopWorkers(Duration timeout) throws InterruptedException {
        stopping = true;
        if (stopFd >= 0) {
            try (var a = Arena.ofConfined()) {
                MemorySegment one = a.allocate(8);
                one.set(ValueLayout.JAVA_LONG, 0, 1);
                Libc.write(stopFd, one, 8);
            }
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        long nextPoke = 0;
        while (!workers.isEmpty()) {
            long now = System.nanoTime();
            if (now > deadline) return false;
            if (stopFd < 0 && now >= nextPoke) {
                for (int i = 0; i < workers.size(); i++) {
                    Path wake = mountpoint.resolve(".tarn-wake-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
                    Thread.ofVirtual().start(() -> Files.exists(wake));
                }
                nextPoke = now + 200_000_000L;
            }
            // Workers leave a blocking read(2) only when a request arrives (the pokes above), so this
            // waits by polling their count; it runs once per handoff, never on the request path.
            Thread.sleep(1);
        }
        return true;
    }

    /** Waits up to {@code timeout} for deferred replies; true when none is left. */
    boolean drainDeferred(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!inflight.isEmpty()) {
            if (System.nanoTime() > deadline) return false;
            Thread.sleep(1); // polls during a handoff only; deferred replies complete on other threads
        }
        return true;
    }

    /** Serves handoff requests arriving on {@code controlSocket} in a background thread until the session ends. */
    public void listenForHandoff(Path controlSocket) throws IOException {
        handoffListener = Handoff.listen(this, controlSocket);
        handoffSocket = controlSocket;
    }

    private void stopListening() {
        Thread t = handoffListener;
        if (t != null && t != Thread.currentThread()) Handoff.stopListener(t);
    }

    /**
     * Listens at {@code controlSocket} and hands the live connection to the first successor that
     * calls {@link #takeOver} there within {@code timeout}: stops reading, drains deferred replies
     * (re-queueing any still pending through FUSE_NOTIFY_RESEND), sends the fd and state, and ends
     * this session without unmounting ({@link #join()} then reports HANDED_OFF). Returns false, still
     * serving, if no successor took over.
     */
    public boolean handOff(Path controlSocket, Duration timeout) throws IOException, InterruptedException {
        return Handoff.handOffTo(this, controlSocket, timeout, Handoff.DRAIN);
    }

    /** As {@link #handOff(Path, Duration)}, re-queueing deferred requests not answered within {@code drain}. */
    public boolean handOff(Path controlSocket, Duration timeout, Duration drain) throws IOException, InterruptedException {
        return Handoff.handOffTo(this, controlSocket, timeout, drain);
    }

    /** Unmounts (lazily if busy) and stops; aborts the connection if the workers do not end promptly. */
    @Override
    public void close() {
        if (ended.getCount() == 0) return;
        boolean gone = !ownsMount || Mounter.unmount(mountpoint, false) || Mounter.unmount(mountpoint, true);
        try {
            if (!started || join(Duration.ofSeconds(gone ? 2 : 0)) == null) {
                abort();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            abort();
        }
    }

    /** Aborts the connection: every pending and future request fails; the workers end; the mount is detached. */
    public void abort() {
        stopping = true;
        int conn = connectionNumber >= 0 ? connectionNumber
                : MountTable.find(mountpoint).map(MountTable.MountInfo::minor).orElse(-1);
        Mounter.abortConnection(conn);
        if (ownsMount) Mounter.unmount(mountpoint, true);
        finish(Outcome.CLOSED);
    }

    int stopFd() {
        return stopFd;
    }

    List<Worker> workers() {
        return workers;
    }

    FuseFilesystem filesystem() {
        return fs;
    }
}
