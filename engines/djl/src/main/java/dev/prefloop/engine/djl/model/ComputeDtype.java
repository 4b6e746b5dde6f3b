package dev.prefloop.engine.djl.model;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.prefloop.core.error.UsageException;
import java.util.Locale;

/**
 * ComputeDtype is a parsed {@code --dtype auto|float32|float16}: the dtype weights and activations
 * are computed in (weights are converted to it as they load).
 *
 * <p>bfloat16 is refused: DJL 0.36 aborts the JVM on any bfloat16 array, so bf16 checkpoints are
 * upcast to float32 instead. float16 on the CPU is refused too: libtorch's CPU half matmul runs at
 * about 1 GFLOP/s, a hundred times slower than float32. {@code auto} is float16 only on a GPU for
 * a checkpoint stored in float16, float32 otherwise (a bf16-trained model can overflow float16).
 */
public enum ComputeDtype {
    AUTO, FLOAT32, FLOAT16;

    /** Parses an option value; bfloat16 and unknown names are usage errors that say why. */
    public static ComputeDtype parse(String value) {
        String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        return switch (v) {
            case "auto" -> AUTO;
            case "float32", "fp32" -> FLOAT32;
            case "float16", "fp16", "half" -> FLOAT16;
            case "bfloat16", "bf16" -> throw new UsageException("--dtype " + value + " is not supported: DJL 0.36's"
                    + " PyTorch engine aborts the JVM on any bfloat16 array. bfloat16 checkpoints load upcast to"
                    + " float32 (exact); use --dtype float32, or float16 on a GPU.");
            default -> throw new UsageException("--dtype \"" + value + "\": expected auto, float32 or float16");
        };
    }

    /** The DJL dtype on {@code device} for a checkpoint whose config.json dtype is {@code checkpointDtype}. */
    public DataType resolve(Device device, String checkpointDtype) {
        boolean gpu = device.isGpu();
        return switch (this) {
            case FLOAT32 -> DataType.FLOAT32;
            case FLOAT16 -> {
                if (!gpu) {
                    throw new UsageException("--dtype float16 on the CPU is not supported: libtorch's CPU half"
                            + " matmul runs at about 1 GFLOP/s; use --dtype float32 (or auto) on the CPU");
                }
                yield DataType.FLOAT16;
            }
            case AUTO -> gpu && "float16".equals(checkpointDtype) ? DataType.FLOAT16 : DataType.FLOAT32;
        };
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
