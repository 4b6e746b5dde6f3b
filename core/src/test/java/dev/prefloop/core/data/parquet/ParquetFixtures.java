package dev.prefloop.core.data.parquet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroup;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.apache.parquet.schema.Type;

/**
 * Writes Parquet test files with parquet-java's example writer (no Hadoop runtime), laid out as
 * pyarrow lays them out; JSON rows are turned into groups following the schema's 3-level lists.
 */
final class ParquetFixtures {

    static final ObjectMapper JSON = new ObjectMapper();

    static {
        // parquet-java logs every group it builds at DEBUG; that would drown the test logs.
        ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("org.apache.parquet"))
                .setLevel(ch.qos.logback.classic.Level.INFO);
    }

    private ParquetFixtures() {}

    static MessageType schema(String text) {
        return MessageTypeParser.parseMessageType(text);
    }

    /** Writes the groups; a new row group starts every {@code rowsPerGroup} rows. */
    static void write(Path file, MessageType schema, CompressionCodecName codec, int rowsPerGroup, List<Group> rows) {
        write(file, schema, codec, rowsPerGroup, ParquetProperties.WriterVersion.PARQUET_1_0, rows);
    }

    /** pyarrow writes v1 data pages by default and v2 ones with {@code data_page_version="2.0"}. */
    static void write(Path file, MessageType schema, CompressionCodecName codec, int rowsPerGroup,
            ParquetProperties.WriterVersion pages, List<Group> rows) {
        try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(file))
                .withType(schema)
                .withConf(new PlainParquetConfiguration())
                .withCodecFactory(new ParquetCodecs())
                .withCompressionCodec(codec)
                .withRowGroupRowCountLimit(rowsPerGroup)
                .withWriterVersion(pages)
                .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
                .build()) {
            for (Group row : rows) {
                writer.write(row);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes JSON rows (one JSON object per string); a JSON null or missing key is a Parquet null. */
    static void writeJson(Path file, MessageType schema, CompressionCodecName codec, int rowsPerGroup, String... rows) {
        List<Group> groups = new ArrayList<>();
        for (String row : rows) {
            groups.add(group(schema, json(row)));
        }
        write(file, schema, codec, rowsPerGroup, groups);
    }

    static ObjectNode json(String text) {
        try {
            return (ObjectNode) JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Group group(MessageType schema, ObjectNode row) {
        Group group = new SimpleGroup(schema);
        fill(group, schema, row);
        return group;
    }

    private static void fill(Group group, GroupType type, JsonNode object) {
        for (Type field : type.getFields()) {
            JsonNode value = object.get(field.getName());
            if (value != null && !value.isNull()) {
                add(group, field, value);
            }
        }
    }

    private static void add(Group group, Type field, JsonNode value) {
        String name = field.getName();
        if (field.isPrimitive()) {
            switch (field.asPrimitiveType().getPrimitiveTypeName()) {
                case BINARY:
                    group.append(name, value.asText());
                    break;
                case INT32:
                    group.append(name, value.asInt());
                    break;
                case INT64:
                    group.append(name, value.asLong());
                    break;
                case FLOAT:
                    group.append(name, (float) value.asDouble());
                    break;
                case DOUBLE:
                    group.append(name, value.asDouble());
                    break;
                case BOOLEAN:
                    group.append(name, value.asBoolean());
                    break;
                default:
                    throw new IllegalArgumentException("fixture cannot write " + field);
            }
            return;
        }
        GroupType groupType = field.asGroupType();
        if (groupType.getLogicalTypeAnnotation() instanceof LogicalTypeAnnotation.ListLogicalTypeAnnotation) {
            // pyarrow: optional group f (LIST) { repeated group list { optional T element; } }
            Group list = group.addGroup(name);
            GroupType repeated = groupType.getType(0).asGroupType();
            for (JsonNode element : value) {
                Group item = list.addGroup(repeated.getName());
                if (!element.isNull()) {
                    add(item, repeated.getType(0), element);
                }
            }
            return;
        }
        fill(group.addGroup(name), groupType, value);
    }
}
