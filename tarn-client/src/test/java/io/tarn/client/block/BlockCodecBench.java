package io.tarn.client.block;

import java.nio.ByteBuffer;

/**
 * Encode / decode throughput of one thread (so per core), with and without AES-256-GCM, for 4 MiB
 * blocks (ADR 0090). A plain main, not JMH: run it with the test classpath, e.g.
 * {@code java -cp tarn-client/target/classes:tarn-client/target/test-classes:$(cat cp.txt) io.tarn.client.block.BlockCodecBench [seconds]}.
 */
public final class BlockCodecBench {
    private static final int SIZE = 4 << 20;
    private static final byte[] KEY = BlockCodecTest.random(32, 1);

    public static void main(String[] args) {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 1.5;
        // A first silent pass: with 4 MiB per call the GCM and CRC intrinsics are compiled only after
        // a few calls, which would otherwise penalise whichever configuration happens to run first.
        for (int pass = 0; pass < 2; pass++) {
            if (pass == 1) System.out.printf("%-5s %-6s %-9s %8s %14s %14s%n", "codec", "data", "cipher", "stored", "encode MiB/s", "decode MiB/s");
            for (Compression c : new Compression[]{Compression.NONE, Compression.LZ4, Compression.ZSTD})
                for (String data : new String[]{"text", "random"})
                    for (boolean enc : new boolean[]{false, true})
                        run(c, data, enc, pass == 0 ? seconds / 4 : seconds, pass == 1);
        }
    }

    private static void run(Compression c, String data, boolean enc, double seconds, boolean print) {
        byte[] plain = data.equals("text") ? BlockCodecTest.compressible(SIZE) : BlockCodecTest.random(SIZE, 2);
        BlockCodec codec = enc ? new BlockCodec(c, new BlockCipher(KEY, "bench-volume")) : new BlockCodec(c);
        byte[] out = new byte[codec.maxEncodedLength(SIZE)];
        measure(() -> codec.encode(7, plain, 0, SIZE, out), seconds / 3); // warm-up
        double encode = measure(() -> codec.encode(7, plain, 0, SIZE, out), seconds);
        BlockCodec.Encoded e = codec.encode(7, plain, 0, SIZE, out);
        ByteBuffer obj = e.bytes();
        measure(() -> codec.decode("bench", 7, obj), seconds / 3);
        double decode = measure(() -> codec.decode("bench", 7, obj), seconds);
        if (print) System.out.printf("%-5s %-6s %-9s %7.1f%% %14.0f %14.0f%n", c.volumeName(), data, enc ? "aes-gcm" : "none",
                100.0 * e.storedLength() / SIZE, encode, decode);
    }

    /** MiB/s of plain bytes over at least {@code seconds}. */
    private static double measure(Runnable r, double seconds) {
        long end = System.nanoTime() + (long) (seconds * 1e9), start = System.nanoTime();
        long n = 0;
        while (System.nanoTime() < end || n == 0) {
            r.run();
            n++;
        }
        return n * (double) SIZE / (1 << 20) / ((System.nanoTime() - start) / 1e9);
    }
}
