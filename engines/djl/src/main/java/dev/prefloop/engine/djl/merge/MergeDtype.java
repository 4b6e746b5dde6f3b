package dev.prefloop.engine.djl.merge;

import dev.prefloop.core.error.UsageException;
import java.util.Locale;

/**
 * MergeDtype is {@code merge --dtype}: the storage dtype of the merged checkpoint's floating tensors. {@code auto} keeps
 * each tensor's own (a bfloat16 checkpoint stays bfloat16); the others convert every floating tensor, rounding to
 * nearest even as torch does. bfloat16 is fine here: merging converts on the host and never makes a bfloat16 array.
 */
public enum MergeDtype {
    AUTO(null), FLOAT32("F32"), FLOAT16("F16"), BFLOAT16("BF16");

    private final String storage;

    MergeDtype(String storage) {
        this.storage = storage;
    }

    /** Parses an option value. */
    public static MergeDtype parse(String value) {
        String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        return switch (v) {
            case "auto" -> AUTO;
            case "float32", "fp32" -> FLOAT32;
            case "float16", "fp16", "half" -> FLOAT16;
            case "bfloat16", "bf16" -> BFLOAT16;
            default -> throw new UsageException("--dtype \"" + value + "\": expected auto, float32, float16 or bfloat16");
        };
    }

    /** The safetensors dtype a floating tensor stored as {@code stored} is written as. */
    String storageOf(String stored) {
        return storage == null ? stored : storage;
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
