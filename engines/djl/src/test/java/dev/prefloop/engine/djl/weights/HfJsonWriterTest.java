package dev.prefloop.engine.djl.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import org.junit.jupiter.api.Test;

class HfJsonWriterTest {

    @Test
    void floatsAreWrittenAsPythonReprWritesThem() {
        String[][] cases = {
            {"1e-05", "1.0E-5"}, {"10000.0", "10000"}, {"0.02", "0.02"}, {"0.0001", "1.0E-4"},
            {"1e+16", "1.0E16"}, {"1234567890123456.0", "1234567890123456"}, {"0.1", "0.1"},
            {"5e-324", "4.9E-324"}, {"-0.0", "-0.0"}, {"1.7976931348623157e+308", "1.7976931348623157E308"},
            {"-3.14", "-3.14"}, {"500000.0", "5e5"}, {"2.5e-07", "2.5e-7"}, {"123.456", "123.456"},
            {"0.30000000000000004", "0.30000000000000004"},
        };
        for (String[] c : cases) {
            assertEquals(c[0], HfJsonWriter.pythonFloat(Double.parseDouble(c[1])), c[1]);
        }
    }

    @Test
    void objectsAreSortedIndentedAndAsciiEscaped() throws IOException {
        String json = "{\"b\": [1, {\"y\": null, \"x\": true}, []], \"a\": {}, \"é\\n\": \"\\u00e9\\\"\", \"c\": 2.0}";
        String expected = "{\n  \"a\": {},\n  \"b\": [\n    1,\n    {\n      \"x\": true,\n      \"y\": null\n    },\n"
                + "    []\n  ],\n  \"c\": 2.0,\n  \"\\u00e9\\n\": \"\\u00e9\\\"\"\n}\n";
        assertEquals(expected, HfJsonWriter.write(new ObjectMapper().readTree(json)));
    }
}
