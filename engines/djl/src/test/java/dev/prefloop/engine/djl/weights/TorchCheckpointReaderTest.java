package dev.prefloop.engine.djl.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.prefloop.core.error.ModelException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TorchCheckpointReaderTest {

    @TempDir
    Path tmp;

    @Test
    void pytorchModelBinHoldsTheSameTensorsAsTheSafetensorsFile() {
        Map<String, HostTensor> bin = TorchCheckpointReader.read(Fixtures.dir("llama-gqa-bin").resolve("pytorch_model.bin"));
        Map<String, HostTensor> st = SafetensorsReader.read(Fixtures.dir("llama-gqa").resolve("model.safetensors"));
        assertEquals(st.keySet(), bin.keySet());
        for (String name : st.keySet()) {
            HostTensor a = st.get(name);
            HostTensor b = bin.get(name);
            assertEquals(a.dtype(), b.dtype(), name);
            assertArrayEquals(a.shape(), b.shape(), name);
            assertArrayEquals(Fixtures.bytes(a.data()), Fixtures.bytes(b.data()), name);
        }
    }

    @Test
    void theFixturesNonTensorGlobalIsRefusedByName() {
        Path bin = Fixtures.dir("negative/unsafe-pickle-bin").resolve("pytorch_model.bin");
        ModelException e = assertThrows(ModelException.class, () -> TorchCheckpointReader.read(bin));
        assertTrue(e.getMessage().startsWith("refusing pickle global __builtin__.print in "), e.getMessage());
        assertTrue(e.getMessage().contains("only tensors can be loaded"), e.getMessage());
        assertEquals(4, e.exitCode());
    }

    @Test
    void codeRunningGlobalsAreRefusedBeforeTheyAreCalled() throws IOException {
        // {'w': builtins.eval("__import__('os').system('touch pwned')")}
        byte[] viaGlobal = new PickleBytes().proto2().op('}', '(').unicode("w").global("builtins", "eval")
                .unicode("__import__('os').system('touch " + tmp.resolve("pwned") + "')").op(0x85, 'R', 'u', '.')
                .bytes();
        assertRefused(viaGlobal, "refusing pickle global builtins.eval in ");

        // protocol 4: STACK_GLOBAL takes the names from the stack
        byte[] viaStackGlobal = new PickleBytes().op(0x80, 4).op('}').shortUnicode("w").shortUnicode("os")
                .shortUnicode("system").op(0x93).shortUnicode("touch pwned").op(0x85, 'R', 's', '.').bytes();
        assertRefused(viaStackGlobal, "refusing pickle global os.system in ");

        // the global alone is refused even if nothing calls it
        byte[] uncalled = new PickleBytes().proto2().global("posix", "system").op('.').bytes();
        assertRefused(uncalled, "refusing pickle global posix.system in ");

        // a torch global that is not a tensor rebuilder
        byte[] torchLoad = new PickleBytes().proto2().global("torch", "load").op('.').bytes();
        assertRefused(torchLoad, "refusing pickle global torch.load in ");

        // INST builds "os.system" from the mark's arguments without any GLOBAL opcode
        byte[] instFull = concat(new PickleBytes().proto2().op('(').unicode("touch pwned").bytes(),
                "ios\nsystem\n.".getBytes(StandardCharsets.US_ASCII));
        assertRefused(instFull, "refusing pickle opcode INST (instantiating os.system) at byte ");

        // OBJ calls whatever sits after the mark; the opcode itself is refused
        byte[] obj = new PickleBytes().proto2().op('(', ')', 'o', '.').bytes();
        assertRefused(obj, "refusing pickle opcode OBJ at byte ");

        assertTrue(Files.notExists(tmp.resolve("pwned")));
    }

    @Test
    void stridedViewsOfASharedStorageAreMaterialisedInRowMajorOrder() throws IOException {
        // one storage [0, 1, 2, 3, 4, 5] viewed four ways
        byte[] pickle = new PickleBytes().proto2().global("collections", "OrderedDict").op(')', 'R', '(')
                .unicode("full").floatTensor("0", 6, 0, new int[] {2, 3}, new int[] {3, 1})
                .unicode("transposed").floatTensor("0", 6, 0, new int[] {3, 2}, new int[] {1, 3})
                .unicode("column").floatTensor("0", 6, 1, new int[] {2}, new int[] {3})
                .unicode("row").floatTensor("0", 6, 3, new int[] {1, 3}, new int[] {7, 1})
                .op('u', '.').bytes();
        Path file = tmp.resolve("pytorch_model.bin");
        PickleBytes.writeCheckpoint(file, pickle, Map.of("0", floats(0, 1, 2, 3, 4, 5)));

        Map<String, HostTensor> t = TorchCheckpointReader.read(file);
        assertEquals(List.of("full", "transposed", "column", "row"), List.copyOf(t.keySet()));
        assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5}, floats(t.get("full")));
        assertArrayEquals(new long[] {3, 2}, t.get("transposed").shape());
        assertArrayEquals(new float[] {0, 3, 1, 4, 2, 5}, floats(t.get("transposed")));
        assertArrayEquals(new float[] {1, 4}, floats(t.get("column")));
        assertArrayEquals(new float[] {3, 4, 5}, floats(t.get("row")));
    }

    @Test
    void stateDictMetadataParametersAndProtocol4FramingAreRead() throws IOException {
        PickleBytes p = new PickleBytes().op(0x80, 4, 0x95, 0, 0, 0, 0, 0, 0, 0, 0) // PROTO 4, FRAME
                .shortUnicode("collections").shortUnicode("OrderedDict").op(0x93, 0x94, ')', 'R', 0x94) // MEMOIZE
                .shortUnicode("w");
        // Parameter(_rebuild_tensor_v2(...), requires_grad=True, OrderedDict())
        p.global("torch._utils", "_rebuild_parameter").op('(')
                .floatTensor("7", 2, 0, new int[] {2}, new int[] {1}).op(0x88).op('h', 0, ')', 'R', 't', 'R', 's');
        // state_dict()'s _metadata attribute: BUILD with {'_metadata': OrderedDict({'': {'version': 1}})},
        // plus a LONG1, a BINFLOAT and a list, none of which may disturb the tensors
        p.op('}').unicode("_metadata").op('h', 0, ')', 'R', '(').unicode("").op('}').unicode("version")
                .op(0x8a, 2, 0x01, 0xff).op('s').op('u').op('s');
        p.unicode("extra").op(']', '(', 'G', 0x3f, 0xf8, 0, 0, 0, 0, 0, 0, 'N', 'e').op('s', 'b', '.');
        Path file = tmp.resolve("pytorch_model.bin");
        PickleBytes.writeCheckpoint(file, p.bytes(), Map.of("7", floats(0.5f, -1f)));

        Map<String, HostTensor> t = TorchCheckpointReader.read(file);
        assertEquals(List.of("w"), List.copyOf(t.keySet()));
        assertArrayEquals(new float[] {0.5f, -1f}, floats(t.get("w")));
    }

    @Test
    void bigEndianStoragesAreSwappedToLittleEndian() throws IOException {
        byte[] pickle = new PickleBytes().proto2().op('}').unicode("w")
                .floatTensor("0", 2, 0, new int[] {2}, new int[] {1}).op('s', '.').bytes();
        ByteBuffer big = ByteBuffer.allocate(8).order(ByteOrder.BIG_ENDIAN).putFloat(1.25f).putFloat(-3f);
        Path file = tmp.resolve("pytorch_model.bin");
        PickleBytes.writeCheckpoint(file, pickle, Map.of("0", big.array()), "big");
        assertArrayEquals(new float[] {1.25f, -3f}, floats(TorchCheckpointReader.read(file).get("w")));
    }

    @Test
    void aViewPastTheEndOfItsStorageIsRefused() throws IOException {
        byte[] pickle = new PickleBytes().proto2().op('}').unicode("w")
                .floatTensor("0", 4, 2, new int[] {2, 2}, new int[] {2, 1}).op('s', '.').bytes();
        Path file = tmp.resolve("pytorch_model.bin");
        PickleBytes.writeCheckpoint(file, pickle, Map.of("0", floats(0, 1, 2, 3)));
        ModelException e = assertThrows(ModelException.class, () -> TorchCheckpointReader.read(file));
        assertTrue(e.getMessage().contains("reads element 5 of a storage of 4"), e.getMessage());
    }

    @Test
    void malformedPicklesAreModelErrors() throws IOException {
        byte[][] pickles = {
            new PickleBytes().proto2().op('}').unicode("w").bytes(), // truncated before STOP
            new PickleBytes().proto2().op(']', 'q', 0, 'h', 0, 'a', '}', 'h', 0, 'K', 1, 's', '.').bytes(), // list key
            new PickleBytes().proto2().op('}', 'q', 0, 'h', 0, 'h', 0, 's', '.').bytes(), // a dict keyed by itself
            new PickleBytes().proto2().op('}', '(', 's', '.').bytes(), // SETITEM reaching into a MARK
            new PickleBytes().proto2().op('h', 9, '.').bytes(), // memo key never stored
            new PickleBytes().proto2().op('I').bytes(), // a text opcode torch never writes
        };
        for (byte[] pickle : pickles) {
            Path file = tmp.resolve("pytorch_model.bin");
            PickleBytes.writeCheckpoint(file, pickle, Map.of());
            ModelException e = assertThrows(ModelException.class, () -> TorchCheckpointReader.read(file));
            assertTrue(e.getMessage().contains("malformed pickle at byte "), e.getMessage());
        }
    }

    @Test
    void legacyFormatsAreRefusedWithAWayOut() throws IOException {
        Path legacy = tmp.resolve("legacy.bin");
        Files.write(legacy, concat(new byte[] {(byte) 0x80, 2, (byte) 0x8a, 0x0a, 0x6c, (byte) 0xfc, (byte) 0x9c,
            0x46, (byte) 0xf9, 0x20, 0x6a, (byte) 0xa8, 0x50, 0x19}, new byte[] {'.'}));
        ModelException e = assertThrows(ModelException.class, () -> TorchCheckpointReader.read(legacy));
        assertTrue(e.getMessage().contains("legacy pickle format of torch < 1.6"), e.getMessage());
        assertTrue(e.getMessage().contains("convert it to model.safetensors"), e.getMessage());

        Path text = tmp.resolve("text.bin");
        Files.writeString(text, "hello");
        e = assertThrows(ModelException.class, () -> TorchCheckpointReader.read(text));
        assertTrue(e.getMessage().contains("is not a PyTorch checkpoint"), e.getMessage());
    }

    @Test
    void shardedCheckpointsAreReadThroughTheirIndex() throws IOException {
        PickleBytes.writeCheckpoint(tmp.resolve("pytorch_model-00001-of-00002.bin"), new PickleBytes().proto2()
                .op('}').unicode("a").floatTensor("0", 2, 0, new int[] {2}, new int[] {1}).op('s', '.').bytes(),
                Map.of("0", floats(1, 2)));
        PickleBytes.writeCheckpoint(tmp.resolve("pytorch_model-00002-of-00002.bin"), new PickleBytes().proto2()
                .op('}').unicode("b").floatTensor("0", 1, 0, new int[] {}, new int[] {}).op('s', '.').bytes(),
                Map.of("0", floats(3)));
        Path index = tmp.resolve("pytorch_model.bin.index.json");
        Files.writeString(index, "{\"metadata\": {\"total_size\": 12}, \"weight_map\": {"
                + "\"a\": \"pytorch_model-00001-of-00002.bin\", \"b\": \"pytorch_model-00002-of-00002.bin\"}}");
        Map<String, HostTensor> t = TorchCheckpointReader.readSharded(index);
        assertArrayEquals(new float[] {1, 2}, floats(t.get("a")));
        assertArrayEquals(new long[] {}, t.get("b").shape());
        assertArrayEquals(new float[] {3}, floats(t.get("b")));

        Files.writeString(index, "{\"weight_map\": {\"a\": \"../pytorch_model-00001-of-00002.bin\"}}");
        ModelException e = assertThrows(ModelException.class, () -> TorchCheckpointReader.readSharded(index));
        assertTrue(e.getMessage().contains("not a file name beside the index"), e.getMessage());
    }

    private void assertRefused(byte[] pickle, String messageStart) throws IOException {
        Path file = tmp.resolve("pytorch_model.bin");
        PickleBytes.writeCheckpoint(file, pickle, Map.of());
        ModelException e = assertThrows(ModelException.class, () -> TorchCheckpointReader.read(file));
        assertTrue(e.getMessage().startsWith(messageStart), e.getMessage());
    }

    static byte[] floats(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            b.putFloat(f);
        }
        return b.array();
    }

    static float[] floats(HostTensor t) {
        assertEquals("F32", t.dtype());
        float[] out = new float[(int) t.numel()];
        t.data().duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
