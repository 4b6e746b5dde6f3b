package dev.prefloop.core.data.parquet;

import com.github.luben.zstd.Zstd;
import io.airlift.compress.lz4.Lz4Compressor;
import io.airlift.compress.lz4.Lz4Decompressor;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.xerial.snappy.Snappy;

/**
 * Parquet page codecs (snappy, zstd, gzip, lz4_raw) called directly, so that reading never needs
 * Hadoop's codec classes or a Hadoop Configuration and their runtime dependencies.
 */
final class ParquetCodecs implements CompressionCodecFactory {

    /** The codecs this factory reads; the others (brotli, lzo) are refused by name. */
    static boolean supports(CompressionCodecName codec) {
        switch (codec) {
            case UNCOMPRESSED:
            case SNAPPY:
            case GZIP:
            case ZSTD:
            case LZ4_RAW:
            case LZ4:
                return true;
            default:
                return false;
        }
    }

    @Override
    public BytesInputDecompressor getDecompressor(CompressionCodecName codec) {
        return new Decompressor(checked(codec));
    }

    /** Compression is here for tests that write fixtures without Hadoop; prefloop itself does not write Parquet. */
    @Override
    public BytesInputCompressor getCompressor(CompressionCodecName codec) {
        CompressionCodecName name = checked(codec);
        return new BytesInputCompressor() {
            @Override
            public BytesInput compress(BytesInput bytes) throws IOException {
                return BytesInput.from(ParquetCodecs.compress(name, bytes.toByteArray()));
            }

            @Override
            public CompressionCodecName getCodecName() {
                return name;
            }

            @Override
            public void release() {}
        };
    }

    @Override
    public void release() {}

    private static CompressionCodecName checked(CompressionCodecName codec) {
        if (!supports(codec)) {
            throw new IllegalArgumentException("compression codec " + codec + " is not supported");
        }
        return codec;
    }

    private static final class Decompressor implements BytesInputDecompressor {
        private final CompressionCodecName codec;

        Decompressor(CompressionCodecName codec) {
            this.codec = codec;
        }

        @Override
        public BytesInput decompress(BytesInput bytes, int decompressedSize) throws IOException {
            return BytesInput.from(ParquetCodecs.decompress(codec, bytes.toByteArray(), decompressedSize));
        }

        @Override
        public void decompress(ByteBuffer input, int compressedSize, ByteBuffer output, int decompressedSize)
                throws IOException {
            byte[] in = new byte[compressedSize];
            input.duplicate().get(in);
            output.put(ParquetCodecs.decompress(codec, in, decompressedSize));
        }

        @Override
        public void release() {}
    }

    static byte[] decompress(CompressionCodecName codec, byte[] in, int size) throws IOException {
        if (codec == CompressionCodecName.UNCOMPRESSED) {
            return in;
        }
        byte[] out = new byte[size];
        if (size == 0) {
            // Empty v2 data pages may carry zero bytes that are not a valid stream of their codec.
            return out;
        }
        int n;
        switch (codec) {
            case SNAPPY:
                n = Snappy.uncompress(in, 0, in.length, out, 0);
                break;
            case ZSTD:
                n = (int) Zstd.decompressByteArray(out, 0, size, in, 0, in.length);
                if (Zstd.isError(n)) {
                    throw new IOException("zstd: " + Zstd.getErrorName(n));
                }
                break;
            case LZ4_RAW:
                n = new Lz4Decompressor().decompress(in, 0, in.length, out, 0, size);
                break;
            case LZ4:
                n = lz4Legacy(in, out);
                break;
            case GZIP:
                try (InputStream gz = new GZIPInputStream(new ByteArrayInputStream(in))) {
                    n = gz.readNBytes(out, 0, size);
                    if (gz.read() != -1) {
                        throw new IOException("gzip page is longer than its header says (" + size + " bytes)");
                    }
                }
                break;
            default:
                throw new IOException("compression codec " + codec + " is not supported");
        }
        if (n != size) {
            throw new IOException(codec + " page decompressed to " + n + " bytes, header says " + size);
        }
        return out;
    }

    /**
     * The deprecated LZ4 codec: Hadoop writers frame the blocks (big-endian sizes before each), older
     * parquet-cpp wrote one bare block. Like Arrow, try the framing first and fall back to a bare block.
     */
    private static int lz4Legacy(byte[] in, byte[] out) {
        int n = lz4Hadoop(in, out);
        return n >= 0 ? n : new Lz4Decompressor().decompress(in, 0, in.length, out, 0, out.length);
    }

    /** Decompresses Hadoop-framed LZ4, or returns -1 when the input does not look framed. */
    private static int lz4Hadoop(byte[] in, byte[] out) {
        ByteBuffer frames = ByteBuffer.wrap(in);
        int produced = 0;
        try {
            while (frames.remaining() >= 8) {
                int blockSize = frames.getInt();
                int end = produced + blockSize;
                if (blockSize < 0 || end > out.length) {
                    return -1;
                }
                while (produced < end) {
                    int chunk = frames.getInt();
                    if (chunk < 0 || chunk > frames.remaining()) {
                        return -1;
                    }
                    produced += new Lz4Decompressor().decompress(in, frames.position(), chunk, out, produced, end - produced);
                    frames.position(frames.position() + chunk);
                }
            }
        } catch (RuntimeException notFramed) {
            return -1;
        }
        return frames.hasRemaining() || produced != out.length ? -1 : produced;
    }

    static byte[] compress(CompressionCodecName codec, byte[] in) throws IOException {
        switch (codec) {
            case UNCOMPRESSED:
                return in;
            case SNAPPY:
                return Snappy.compress(in);
            case ZSTD:
                return Zstd.compress(in, 3);
            case LZ4_RAW: {
                Lz4Compressor lz4 = new Lz4Compressor();
                byte[] out = new byte[lz4.maxCompressedLength(in.length)];
                int n = lz4.compress(in, 0, in.length, out, 0, out.length);
                return java.util.Arrays.copyOf(out, n);
            }
            case GZIP: {
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
                    gz.write(in);
                }
                return bytes.toByteArray();
            }
            default:
                throw new IOException("compression codec " + codec + " is not supported");
        }
    }
}
