package dev.prefloop.engine.djl.merge;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.prefloop.engine.djl.model.LoraAdapter;
import dev.prefloop.engine.djl.weights.DtypeConversion;
import dev.prefloop.engine.djl.weights.HostTensor;
import dev.prefloop.engine.djl.weights.SafetensorsDtype;
import dev.prefloop.engine.djl.weights.StorageDecoder;
import java.io.IOException;
import java.nio.channels.FileChannel;

/**
 * LoraMerge writes one adapted weight merged, W + s (B A) as PEFT's merge_and_unload adds it (get_delta_weight: the
 * product, then the scaling), computed in float32 by libtorch a block of rows at a time and rounded once to the output
 * dtype on the host. Each block lives in its own scope, so native memory stays at two blocks (at most
 * {@value #BLOCK_BYTES} bytes of W and as many of the product) whatever the weight's size, and nothing is left after.
 */
final class LoraMerge {

    /** float32 bytes of W per block: 64 MiB, e.g. 4096 rows of a 4096-wide projection. */
    static final long BLOCK_BYTES = 64L << 20;

    private LoraMerge() {}

    /**
     * Writes W + s B A for {@code w} (out, in) as stored in the base checkpoint and the module's factors
     * A (r, in), B (out, r), as {@code outDtype} at {@code out}'s position; {@code manager} (CPU) is where blocks live.
     */
    static void write(String name, HostTensor w, LoraAdapter.Factors f, String outDtype, NDManager manager,
            FileChannel out) throws IOException {
        write(name, w, f, outDtype, manager, out, BLOCK_BYTES);
    }

    /** {@link #write} with blocks of {@code blockBytes} (tests use small ones to cross block boundaries). */
    static void write(String name, HostTensor w, LoraAdapter.Factors f, String outDtype, NDManager manager,
            FileChannel out, long blockBytes) throws IOException {
        long rows = w.shape()[0];
        long in = w.shape()[1];
        int elem = SafetensorsDtype.of(w.dtype()).byteSize();
        long step = Math.max(1, blockBytes / (4 * in));
        for (long r0 = 0; r0 < rows; r0 += step) {
            long n = Math.min(step, rows - r0);
            try (NDManager block = manager.newSubManager(); NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                HostTensor stored = new HostTensor(w.dtype(), new long[] {n, in},
                        w.data().slice(Math.toIntExact(r0 * in * elem), Math.toIntExact(n * in * elem)));
                NDArray wb = block.create(new Shape(n, in), DataType.FLOAT32); // (n, in), filled in place
                StorageDecoder.writeFloat32(name, stored, wb.toByteBuffer(true));
                NDArray b = f.b().get(new NDIndex("{}:{}", r0, r0 + n)); // (n, r)
                // in place: two blocks of native memory, not four
                NDArray delta = b.matMul(f.a()).muli(f.scaling()); // (n, r) x (r, in) -> (n, in)
                wb.addi(delta); // (n, in): W + s B A
                DtypeConversion.write(new HostTensor("F32", new long[] {n, in}, wb.toByteBuffer(true)), outDtype, out);
            }
        }
    }
}
