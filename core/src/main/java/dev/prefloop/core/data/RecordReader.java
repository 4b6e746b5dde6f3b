package dev.prefloop.core.data;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;

/**
 * A stream of records from one shard file, each a JSON object tree (unknown columns, nested ones
 * too, are kept as they are). Readers hold constant memory in the number of records and throw
 * {@link dev.prefloop.core.error.DataException} naming the file and record on bad input.
 */
public interface RecordReader extends Iterator<ObjectNode>, AutoCloseable {

    /** Where the record last returned by {@link #next()} came from, e.g. "data.jsonl, line 7". */
    String location();

    @Override
    void close();
}
