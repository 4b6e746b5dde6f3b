package dev.prefloop.core.data.parquet;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Real files from other writers (Apache parquet-testing, see the resources' README) read as JSON. */
class ParquetCompatibilityTest {

    @Test
    void pyarrowLists() {
        assertRows("list_columns.parquet",
                "{\"int64_list\":[1,2,3],\"utf8_list\":[\"abc\",\"efg\",\"hij\"]}",
                "{\"int64_list\":[null,1]}",
                "{\"int64_list\":[4],\"utf8_list\":[\"efg\",null,\"hij\",\"xyz\"]}");
        assertRows("nested_lists.snappy.parquet",
                "{\"a\":[[[\"a\",\"b\"],[\"c\"]],[null,[\"d\"]]],\"b\":1}",
                "{\"a\":[[[\"a\",\"b\"],[\"c\",\"d\"]],[null,[\"e\"]]],\"b\":1}",
                "{\"a\":[[[\"a\",\"b\"],[\"c\",\"d\"],[\"e\"]],[null,[\"f\"]]],\"b\":1}");
    }

    @Test
    void arrowNullTypeAndEmptyList() {
        assertRows("null_list.parquet", "{\"emptylist\":[]}");
    }

    @Test
    void legacyAndUnannotatedRepeatedLayouts() {
        assertRows("old_list_structure.parquet", "{\"a\":[[1,2],[3,4]]}");
        assertRows("repeated_primitive_no_list.parquet",
                "{\"Int32_list\":[0,1,2,3],\"String_list\":[\"foo\",\"zero\",\"one\",\"two\"],\"group_of_lists\":"
                        + "{\"Int32_list_in_group\":[0,1,2,3],\"String_list_in_group\":[\"foo\",\"zero\",\"one\",\"two\"]}}",
                "{\"Int32_list\":[],\"String_list\":[\"three\"],\"group_of_lists\":"
                        + "{\"Int32_list_in_group\":[],\"String_list_in_group\":[\"three\"]}}",
                "{\"Int32_list\":[4],\"String_list\":[\"four\"],\"group_of_lists\":"
                        + "{\"Int32_list_in_group\":[4],\"String_list_in_group\":[\"four\"]}}",
                "{\"Int32_list\":[5,6,7,8],\"String_list\":[\"five\",\"six\",\"seven\",\"eight\"],\"group_of_lists\":"
                        + "{\"Int32_list_in_group\":[5,6,7,8],\"String_list_in_group\":[\"five\",\"six\",\"seven\",\"eight\"]}}");
    }

    @Test
    void deeplyNestedNullableListsMapsAndStructs() {
        List<String> rows = read("nullable.impala.parquet");
        assertEquals(7, rows.size());
        assertEquals("{\"id\":2,\"int_array\":[null,1,2,null,3,null],\"int_array_Array\":[[null,1,2,null],[3,null,4],[],null],"
                + "\"int_map\":{\"k1\":2,\"k2\":null},\"int_Map_Array\":[{\"k3\":null,\"k1\":1},null,{}],\"nested_struct\":"
                + "{\"b\":[null],\"C\":{\"d\":[[{},{\"E\":10,\"F\":\"aaa\"},{},{\"E\":-10,\"F\":\"bbb\"},{}],[{\"E\":11,\"F\":\"c\"},null],[],null]},"
                + "\"g\":{\"g1\":{\"H\":{\"i\":[2.2,null]}},\"g2\":{\"H\":{\"i\":[]}},\"g3\":null,\"g4\":{\"H\":{}},\"g5\":{}}}}", rows.get(1));
        assertEquals("{\"id\":6}", rows.get(5));
    }

    @Test
    void legacyCodecsAndPages() {
        String[] lz4Rows = {
            "{\"c0\":1593604800,\"c1\":\"YWJj\",\"v11\":42.0}",
            "{\"c0\":1593604800,\"c1\":\"ZGVm\",\"v11\":7.7}",
            "{\"c0\":1593604801,\"c1\":\"YWJj\",\"v11\":42.125}",
            "{\"c0\":1593604801,\"c1\":\"ZGVm\",\"v11\":7.7}",
        };
        assertRows("hadoop_lz4_compressed.parquet", lz4Rows);
        assertRows("non_hadoop_lz4_compressed.parquet", lz4Rows);
        assertRows("datapage_v2_empty_datapage.snappy.parquet", "{}");
        List<String> gzip = read("concatenated_gzip_members.parquet");
        assertEquals(513, gzip.size());
        for (int i = 0; i < gzip.size(); i++) {
            assertEquals("{\"long_col\":" + (i + 1) + "}", gzip.get(i));
        }
    }

    @Test
    void int96TimestampsFromSpark() {
        assertRows("int96_from_spark.parquet",
                "{\"a\":\"2024-01-01T20:34:56.123456\"}",
                "{\"a\":\"2024-01-01T01:00:00\"}",
                "{\"a\":\"9999-12-31T03:00:00\"}",
                "{\"a\":\"2024-12-30T23:00:00\"}",
                "{}",
                "{\"a\":\"-294554-12-13T14:58:10.448384\"}");
    }

    private static void assertRows(String name, String... expected) {
        assertEquals(List.of(expected), read(name), name);
    }

    private static List<String> read(String name) {
        List<String> rows = new ArrayList<>();
        try (ParquetRecordReader reader = new ParquetRecordReader(resource(name))) {
            reader.forEachRemaining(row -> rows.add(row.toString()));
        }
        return rows;
    }

    private static Path resource(String name) {
        try {
            return Path.of(ParquetCompatibilityTest.class.getResource("/parquet-testing/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
