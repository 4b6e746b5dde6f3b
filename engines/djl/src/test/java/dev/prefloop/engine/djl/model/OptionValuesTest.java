package dev.prefloop.engine.djl.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.prefloop.core.error.UsageException;
import dev.prefloop.engine.djl.TorchRuntime;
import org.junit.jupiter.api.Test;

/** --device and --dtype values. */
class OptionValuesTest {

    @Test
    void bfloat16IsAUsageErrorThatSaysWhy() {
        UsageException e = assertThrows(UsageException.class, () -> ComputeDtype.parse("bfloat16"));
        assertEquals(2, e.exitCode());
        assertTrue(e.getMessage().contains("aborts the JVM"), e.getMessage());
        assertThrows(UsageException.class, () -> ComputeDtype.parse("bf16"));
        assertThrows(UsageException.class, () -> ComputeDtype.parse("float64"));
    }

    @Test
    void float16IsRefusedOnTheCpuAndAutoStaysFloat32There() {
        assertEquals(DataType.FLOAT32, ComputeDtype.AUTO.resolve(Device.cpu(), "float16"));
        assertEquals(DataType.FLOAT32, ComputeDtype.parse("float32").resolve(Device.cpu(), "bfloat16"));
        UsageException e = assertThrows(UsageException.class, () -> ComputeDtype.FLOAT16.resolve(Device.cpu(), null));
        assertTrue(e.getMessage().contains("GFLOP/s"), e.getMessage());
        assertEquals(DataType.FLOAT16, ComputeDtype.FLOAT16.resolve(Device.gpu(0), null));
        assertEquals(DataType.FLOAT16, ComputeDtype.AUTO.resolve(Device.gpu(0), "float16"));
        assertEquals(DataType.FLOAT32, ComputeDtype.AUTO.resolve(Device.gpu(0), "bfloat16"));
    }

    @Test
    void devicesParse() {
        assertEquals(DeviceSpec.AUTO, DeviceSpec.parse("auto"));
        assertEquals(DeviceSpec.CPU, DeviceSpec.parse("cpu"));
        assertEquals(new DeviceSpec("cuda", 0), DeviceSpec.parse("cuda"));
        assertEquals(new DeviceSpec("cuda", 3), DeviceSpec.parse("cuda:3"));
        assertEquals("cuda:3", DeviceSpec.parse("cuda:3").toString());
        for (String bad : new String[] {"gpu", "cuda:", "cuda:-1", "cuda:x", "CPU0"}) {
            assertEquals(2, assertThrows(UsageException.class, () -> DeviceSpec.parse(bad)).exitCode(), bad);
        }
    }

    @Test
    void aGpuLibtorchDoesNotSeeIsAUsageError() {
        int gpus = TorchRuntime.engine().getGpuCount();
        assertEquals(gpus > 0 ? Device.gpu(0) : Device.cpu(), DeviceSpec.AUTO.resolve(TorchRuntime.engine()));
        DeviceSpec beyond = new DeviceSpec("cuda", gpus);
        assertThrows(UsageException.class, () -> beyond.resolve(TorchRuntime.engine()));
    }
}
