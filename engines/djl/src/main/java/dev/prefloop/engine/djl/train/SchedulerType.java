package dev.prefloop.engine.djl.train;

import dev.prefloop.core.error.UsageException;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** SchedulerType is transformers' {@code lr_scheduler_type}: the shape of the learning-rate multiplier over steps. */
public enum SchedulerType {
    /** 1 throughout; warmup is ignored, as transformers' get_constant_schedule ignores it. */
    CONSTANT,
    /** Linear warmup from 0, then 1. */
    CONSTANT_WITH_WARMUP,
    /** Linear warmup from 0, then linear decay to 0 at the last step (the transformers default). */
    LINEAR,
    /** Linear warmup from 0, then half a cosine wave down to 0. */
    COSINE;

    /** The type of a name such as {@code cosine}; a UsageException listing the names otherwise. */
    public static SchedulerType of(String name) {
        for (SchedulerType t : values()) {
            if (t.optionName().equals(name.trim().toLowerCase(Locale.ROOT))) {
                return t;
            }
        }
        throw new UsageException("lr_scheduler_type: unknown '" + name + "'; expected one of "
                + Arrays.stream(values()).map(SchedulerType::optionName).collect(Collectors.joining(", ")));
    }

    /** The name as transformers spells it. */
    public String optionName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
