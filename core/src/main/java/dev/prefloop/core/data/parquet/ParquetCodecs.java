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

    /** The codecs this factory handles; the others (brotli, Hadoop-framed lz4, lzo) are refused by name. */
    static boolean supports(CompressionCodecName codec) {
        switch (codec) {
            case UNCOMPRESSED:
            case SNAPPY:
            case GZIP:
            case ZSTD:
            case LZ4_RAW:
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
            throw new UnsupportedOperationException("compression codec " + codec + " is not supported");
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
        byte[] out = new byte[size];
        int n;
        switch (codec) {
            case UNCOMPRESSED:
                return in;
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
