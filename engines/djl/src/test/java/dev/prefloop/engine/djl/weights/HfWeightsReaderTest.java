package dev.prefloop.engine.djl.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.prefloop.core.error.ModelException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
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

    @Test
    void aSafetensorsShardNameOutsideTheDirectoryIsRefused(@TempDir Path tmp) throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("model"));
        Files.copy(Fixtures.dir("llama-gqa").resolve("model.safetensors"), tmp.resolve("outside.safetensors"));
        Files.writeString(dir.resolve("model.safetensors.index.json"),
                "{\"weight_map\": {\"model.norm.weight\": \"../outside.safetensors\"}}");
        ModelException e = assertThrows(ModelException.class, () -> HfWeightsReader.read(dir));
        assertTrue(e.getMessage().contains("not a file name beside the index"), e.getMessage());
    }

    @Test
    void anUnknownSafetensorsDtypeIsNamed(@TempDir Path dir) throws Exception {
        byte[] header = "{\"w\":{\"dtype\":\"Q4\",\"shape\":[1],\"data_offsets\":[0,1]}}".getBytes();
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + 1).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(header.length).put(header).put((byte) 0);
        Files.write(dir.resolve("model.safetensors"), b.array());
        ModelException e = assertThrows(ModelException.class, () -> HfWeightsReader.read(dir));
        assertTrue(e.getMessage().contains("tensor \"w\" has unknown dtype \"Q4\""), e.getMessage());
    }
}
