package dev.prefloop.engine.djl.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.prefloop.core.error.ModelException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HfWeightsReaderTest {

    @Test
    void everyStoredLayoutOfTheFixtureGivesTheSameTensors() {
        Map<String, HostTensor> expected = HfWeightsReader.read(Fixtures.dir("llama-gqa"));
        assertEquals(21, expected.size());
        SafetensorsWriterTest.assertSameTensors(expected, HfWeightsReader.read(Fixtures.dir("llama-gqa-sharded")));
        SafetensorsWriterTest.assertSameTensors(expected, HfWeightsReader.read(Fixtures.dir("llama-gqa-bin")));
    }

    @Test
    void aDirectoryWithoutWeightsNamesWhatWasExpected(@TempDir Path dir) {
        ModelException e = assertThrows(ModelException.class, () -> HfWeightsReader.read(dir));
        assertTrue(e.getMessage().contains("expected model.safetensors, model.safetensors.index.json,"
                + " pytorch_model.bin or pytorch_model.bin.index.json"), e.getMessage());
    }
}
