package dev.prefloop.engine.djl.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import dev.prefloop.core.error.UsageException;

/**
 * DeviceSpec is a parsed {@code --device auto|cpu|cuda[:N]}; {@code auto} is the first GPU when
 * libtorch sees one, else the CPU.
 *
 * @param kind "auto", "cpu" or "cuda"
 * @param index the GPU index for "cuda" (0 for plain "cuda"), -1 otherwise
 */
public record DeviceSpec(String kind, int index) {

    /** {@code auto}. */
    public static final DeviceSpec AUTO = new DeviceSpec("auto", -1);
    /** {@code cpu}. */
    public static final DeviceSpec CPU = new DeviceSpec("cpu", -1);

    /** Parses an option value; anything else is a usage error naming it. */
    public static DeviceSpec parse(String value) {
        String v = value == null ? "" : value.trim();
        if (v.equals("auto")) {
            return AUTO;
        }
        if (v.equals("cpu")) {
            return CPU;
        }
        if (v.equals("cuda")) {
            return new DeviceSpec("cuda", 0);
        }
        if (v.startsWith("cuda:")) {
            try {
                int i = Integer.parseInt(v.substring(5));
                if (i >= 0) {
                    return new DeviceSpec("cuda", i);
                }
            } catch (NumberFormatException e) {
                // falls through to the usage error
            }
        }
        throw new UsageException("--device \"" + value + "\": expected auto, cpu, cuda or cuda:N (N = 0, 1, ...)");
    }

    /** The DJL device; asking for a GPU libtorch does not see is a usage error. */
    public Device resolve(Engine engine) {
        int gpus = engine.getGpuCount();
        return switch (kind) {
            case "cpu" -> Device.cpu();
            case "auto" -> gpus > 0 ? Device.gpu(0) : Device.cpu();
            default -> {
                if (index >= gpus) {
                    throw new UsageException("--device " + this + ": libtorch sees " + gpus + " GPU(s)"
                            + (gpus == 0 ? " (is the CUDA flavour of libtorch installed? see README)" : ""));
                }
                yield Device.gpu(index);
            }
        };
    }

    @Override
    public String toString() {
        return kind.equals("cuda") ? "cuda:" + index : kind;
    }
}
