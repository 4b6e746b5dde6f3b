package dev.prefloop.cli;

import dev.prefloop.engine.djl.model.ComputeDtype;
import dev.prefloop.engine.djl.model.DeviceSpec;
import picocli.CommandLine.Option;

/** DeviceMixin holds {@code --device} and {@code --dtype} of verbs that run a model forward. */
public final class DeviceMixin {

    @Option(names = "--device", paramLabel = "DEVICE", defaultValue = "auto",
            description = "auto, cpu, cuda or cuda:N (default: ${DEFAULT-VALUE}: the first GPU if libtorch sees one).")
    String device = "auto";

    @Option(names = "--dtype", paramLabel = "DTYPE", defaultValue = "auto",
            description = "auto, float32 or float16 (GPU only); bfloat16 weights are upcast to float32"
                    + " (default: ${DEFAULT-VALUE}).")
    String dtype = "auto";

    /** The parsed device. */
    DeviceSpec device() {
        return DeviceSpec.parse(device);
    }

    /** The parsed compute dtype. */
    ComputeDtype dtype() {
        return ComputeDtype.parse(dtype);
    }
}
