package dev.prefloop.core.data.parquet;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prefloop.core.data.RecordReader;
import dev.prefloop.core.error.DataException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.NoSuchElementException;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.MessageColumnIO;
import org.apache.parquet.schema.MessageType;

/**
 * Reads a {@code .parquet} file (as Hugging Face datasets publish them, written by pyarrow) one row
 * group at a time, each row as a JSON object; see the package documentation for the type mapping.
 */
public final class ParquetRecordReader implements RecordReader {

    private static final String MAGIC = "PAR1";
    private static final String ENCRYPTED_MAGIC = "PARE";

    private final String file;
    private final ParquetFileReader parquet;
    private final MessageColumnIO columns;
    private final RowMaterializer materializer;
    private org.apache.parquet.io.RecordReader<ObjectNode> rows;
    private long rowsLeftInGroup;
    private long record;
    private int rowGroupsLoaded;

    /** Opens the file and checks its schema; throws DataException for a file that is not readable Parquet. */
    public ParquetRecordReader(Path path) {
        this.file = path.toString();
        ParquetReadOptions options = ParquetReadOptions.builder(new PlainParquetConfiguration())
                .withCodecFactory(new ParquetCodecs())
                .build();
        checkMagic(path, file);
        try {
            parquet = ParquetFileReader.open(new NamedInputFile(path), options);
        } catch (IOException | RuntimeException e) {
            throw new DataException(file + ": corrupt Parquet footer (" + reason(e) + ")", e);
        }
        try {
            MessageType schema = parquet.getFooter().getFileMetaData().getSchema();
            checkCodecs();
            materializer = new RowMaterializer(schema, file);
            columns = new ColumnIOFactory().getColumnIO(schema);
        } catch (RuntimeException e) {
            closeQuietly();
            throw e instanceof DataException ? e : new DataException(file + ": unreadable Parquet schema (" + reason(e) + ")", e);
        }
    }

    @Override
    public boolean hasNext() {
        while (rowsLeftInGroup == 0) {
            if (!loadNextRowGroup()) {
                return false;
            }
        }
        return true;
    }

    @Override
    public ObjectNode next() {
        if (!hasNext()) {
            throw new NoSuchElementException(file + ": no more records");
        }
        record++;
        rowsLeftInGroup--;
        try {
            return rows.read();
        } catch (RuntimeException e) {
            throw new DataException(location() + ": corrupt Parquet data (" + reason(e) + ")", e);
        }
    }

    @Override
    public String location() {
        return file + ", record " + record;
    }

    /** How many row groups have been read from disk so far: the reader never reads one ahead of need. */
    public int rowGroupsLoaded() {
        return rowGroupsLoaded;
    }

    @Override
    public void close() {
        try {
            parquet.close();
        } catch (IOException e) {
            throw new DataException(file + ": could not close (" + reason(e) + ")", e);
        }
    }

    private boolean loadNextRowGroup() {
        try {
            // Replaces (and releases) the previous row group: only one is held at a time.
            PageReadStore pages = parquet.readNextRowGroup();
            if (pages == null) {
                rows = null;
                return false;
            }
            rows = columns.getRecordReader(pages, materializer);
            rowsLeftInGroup = pages.getRowCount();
            rowGroupsLoaded++;
            return true;
        } catch (IOException | RuntimeException e) {
            long rowsInGroup = parquet.getRowGroups().get(rowGroupsLoaded).getRowCount();
            throw new DataException(file + ", row group " + (rowGroupsLoaded + 1) + " (records " + (record + 1) + "-"
                    + (record + rowsInGroup) + "): corrupt Parquet data (" + reason(e) + ")", e);
        }
    }

    /**
     * Checks the magic bytes at both ends first: the commonest bad inputs (a file of another format, a
     * truncated download, an encrypted file) then get a plain message instead of a footer-parsing error.
     */
    private static void checkMagic(Path path, String file) {
        try (FileChannel channel = FileChannel.open(path)) {
            long size = channel.size();
            if (size < 12) {
                throw new DataException(file + ": not a Parquet file (" + size + " bytes, too short to be one)");
            }
            String head = magic(channel, 0);
            String tail = magic(channel, size - 4);
            if (head.equals(ENCRYPTED_MAGIC) || tail.equals(ENCRYPTED_MAGIC)) {
                throw new DataException(file + ": encrypted Parquet files are not supported");
            }
            if (!head.equals(MAGIC)) {
                throw new DataException(file + ": not a Parquet file (it does not start with the magic bytes PAR1)");
            }
            if (!tail.equals(MAGIC)) {
                throw new DataException(file + ": truncated or not a Parquet file (it does not end with the magic bytes PAR1)");
            }
        } catch (NoSuchFileException e) {
            throw new DataException(file + ": no such file", e);
        } catch (IOException e) {
            throw new DataException(file + ": cannot read the file (" + e + ")", e);
        }
    }

    private static String magic(FileChannel channel, long position) throws IOException {
        ByteBuffer bytes = ByteBuffer.allocate(4);
        while (bytes.hasRemaining() && channel.read(bytes, position + bytes.position()) >= 0) {
            // Positional reads may return fewer bytes than asked for.
        }
        return new String(bytes.array(), 0, bytes.position(), StandardCharsets.ISO_8859_1);
    }

    /** Refuses an unsupported codec before any row is read, naming it rather than failing mid-file. */
    private void checkCodecs() {
        for (BlockMetaData block : parquet.getFooter().getBlocks()) {
            for (ColumnChunkMetaData column : block.getColumns()) {
                if (!ParquetCodecs.supports(column.getCodec())) {
                    throw new DataException(file + ", column \"" + column.getPath().toDotString() + "\": compression codec "
                            + column.getCodec() + " is not supported (supported: snappy, zstd, gzip, lz4_raw, lz4, uncompressed)");
                }
            }
        }
    }

    private void closeQuietly() {
        try {
            parquet.close();
        } catch (IOException | RuntimeException ignored) {
            // Already failing with a more useful error.
        }
    }

    /** parquet-java puts the InputFile's toString in some messages; make that the path, not an object id. */
    private static final class NamedInputFile extends LocalInputFile {
        private final Path path;

        NamedInputFile(Path path) {
            super(path);
            this.path = path;
        }

        @Override
        public String toString() {
            return path.toString();
        }
    }

    private static String reason(Throwable e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
    }
}
