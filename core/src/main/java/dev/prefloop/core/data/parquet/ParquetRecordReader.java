package dev.prefloop.core.data.parquet;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prefloop.core.data.RecordReader;
import dev.prefloop.core.error.DataException;
import java.io.IOException;
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
        try {
            parquet = ParquetFileReader.open(new LocalInputFile(path), options);
        } catch (IOException | RuntimeException e) {
            throw new DataException(file + ": not a readable Parquet file (" + reason(e) + ")", e);
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
        PageReadStore pages;
        try {
            // Replaces (and releases) the previous row group: only one is held at a time.
            pages = parquet.readNextRowGroup();
        } catch (IOException | RuntimeException e) {
            throw new DataException(file + ", row group " + (rowGroupsLoaded + 1) + " (after record " + record
                    + "): corrupt Parquet data (" + reason(e) + ")", e);
        }
        if (pages == null) {
            rows = null;
            return false;
        }
        rowGroupsLoaded++;
        rowsLeftInGroup = pages.getRowCount();
        rows = columns.getRecordReader(pages, materializer);
        return true;
    }

    /** Refuses an unsupported codec before any row is read, naming it rather than failing mid-file. */
    private void checkCodecs() {
        for (BlockMetaData block : parquet.getFooter().getBlocks()) {
            for (ColumnChunkMetaData column : block.getColumns()) {
                if (!ParquetCodecs.supports(column.getCodec())) {
                    throw new DataException(file + ", column \"" + column.getPath().toDotString() + "\": compression codec "
                            + column.getCodec() + " is not supported (supported: snappy, zstd, gzip, lz4_raw, uncompressed)");
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

    private static String reason(Throwable e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
    }
}
