import io.tarn.api.*;
import io.tarn.meta.*;
import java.util.*;

/**
 * What a volume quota costs a growing mutation (ADR 0133): create and commit latency on the in-process
 * memory engine, in alternating rounds without and with a quota (the check reads the limits and sums 16
 * usage stripes in the transaction). Run from a built tree:
 * {@code java -cp tarn-meta/target/classes:tarn-api/target/classes bench/meta/QuotaCost.java}
 */
public class QuotaCost {
    public static void main(String[] a) {
        try (LocalMetaService m = new LocalMetaService(new MemoryKvStore())) {
            m.createVolume(new VolumeSpec("q", "mem://q", VolumeSpec.MIN_BLOCK_SIZE, "none", 0));
            Ctx c = new Ctx(m.openSession("q", "b").session(), 0, Caller.ROOT);
            int n = 20_000;
            for (int round = 0; round < 6; round++) {
                boolean quota = round % 2 == 1;
                m.setVolumeQuota("q", quota ? 1L << 50 : 0, quota ? 1L << 40 : 0);
                long[] create = new long[n], commit = new long[n];
                long id = m.reserveBlockIds(c, n);
                for (int i = 0; i < n; i++) {
                    long t0 = System.nanoTime();
                    Attr f = m.create(c, 1, "r" + round + "-" + i, 0644, 2);
                    long t1 = System.nanoTime();
                    m.commitBlocks(c, f.ino(), List.of(new BlockRef(0, id + i, 4096, 100, 0)), 4096, 0);
                    long t2 = System.nanoTime();
                    m.release(c, f.ino());
                    create[i] = t1 - t0; commit[i] = t2 - t1;
                }
                Arrays.sort(create); Arrays.sort(commit);
                System.out.printf("round %d quota=%-5s create p50 %5.1f us p99 %6.1f us | commit p50 %5.1f us p99 %6.1f us%n", round, quota,
                        create[n/2]/1e3, create[n*99/100]/1e3, commit[n/2]/1e3, commit[n*99/100]/1e3);
            }
        }
    }
}
