package dev.prefloop.core.label;

import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.SplittableRandom;

/**
 * RecordSeed derives a record's random stream from (run seed, record id, purpose), so draws do not
 * depend on batch size, shard split or the order records are read in.
 */
public final class RecordSeed {

    private RecordSeed() {}

    /** The stream for one purpose ("pairing", "label") of one record. */
    public static SplittableRandom stream(long seed, String recordId, String purpose) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(ByteBuffer.allocate(8).putLong(seed).array());
            md.update(recordId.getBytes(StandardCharsets.UTF_8));
            md.update((byte) 0);
            md.update(purpose.getBytes(StandardCharsets.UTF_8));
            return new SplittableRandom(ByteBuffer.wrap(md.digest()).getLong());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
