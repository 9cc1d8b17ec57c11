package io.tarn.meta;

import io.tarn.api.VolumeEncryption;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Volume records of format 1 (before encryption settings) read as unencrypted; format 2 round-trips them. */
class VolumeRecordTest {
    @Test
    void formatOneRecordReadsAsUnencrypted() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeByte(1);
        out.writeLong(7);
        out.writeUTF("old");
        out.writeUTF("uuid-old");
        out.writeUTF("file:///x");
        out.writeInt(1 << 22);
        out.writeUTF("lz4");
        out.writeLong(0);
        out.writeLong(123);
        VolumeRecord r = VolumeRecord.decode(bytes.toByteArray());
        assertEquals(new VolumeRecord(7, "old", "uuid-old", "file:///x", 1 << 22, "lz4", 0, 123, VolumeEncryption.NONE), r);
        assertEquals(VolumeEncryption.NONE, r.info().encryption());
        assertEquals("lz4", r.info().compression());
    }

    @Test
    void encryptionRoundTrips() {
        byte[] check = new byte[VolumeEncryption.KEY_CHECK_BYTES];
        check[5] = 9;
        VolumeEncryption e = new VolumeEncryption(VolumeEncryption.AES_GCM, true, List.of(
                new VolumeEncryption.KeyGeneration(1, check, null, new VolumeEncryption.Kdf("argon2id", new byte[16], 1024, 2, 1)),
                new VolumeEncryption.KeyGeneration(2, check, new byte[VolumeEncryption.WRAPPED_KEY_BYTES], null)));
        VolumeRecord r = new VolumeRecord(3, "v", "u", "mem://", 1 << 20, "zstd", -1, 5, e);
        assertEquals(r, VolumeRecord.decode(r.encode()));
    }
}
