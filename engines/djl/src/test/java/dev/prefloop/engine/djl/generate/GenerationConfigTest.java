package dev.prefloop.engine.djl.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.prefloop.core.error.ModelException;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** generation_config.json: eos_token_id as an int or a list, absent file, bad values named. */
class GenerationConfigTest {

    private static GenerationConfig parse(String json) throws Exception {
        return GenerationConfig.parse(new ObjectMapper().readTree(json), "generation_config.json");
    }

    @Test
    void eosIsAnIntOrAList() throws Exception {
        assertEquals(Set.of(2L), parse("{\"eos_token_id\": 2, \"bos_token_id\": 1}").eos_token_ids());
        GenerationConfig llama3 = parse("{\"eos_token_id\": [128001, 128008, 128009], \"pad_token_id\": 0}");
        assertEquals(Set.of(128001L, 128008L, 128009L), llama3.eos_token_ids());
        assertEquals(0L, llama3.pad_token_id());
        assertEquals(Set.of(), parse("{\"eos_token_id\": null}").eos_token_ids());
        assertNull(parse("{}").bos_token_id());
    }

    @Test
    void anAbsentFileMeansNoEosIds(@TempDir Path dir) {
        assertEquals(Set.of(), GenerationConfig.read(dir).eos_token_ids());
    }

    @Test
    void aBadIdNamesTheFileAndKey() {
        ModelException e = assertThrows(ModelException.class, () -> parse("{\"eos_token_id\": [2, \"</s>\"]}"));
        assertTrue(e.getMessage().startsWith("generation_config.json: eos_token_id must be a non-negative integer"),
                e.getMessage());
        assertThrows(ModelException.class, () -> parse("{\"pad_token_id\": -1}"));
    }
}
