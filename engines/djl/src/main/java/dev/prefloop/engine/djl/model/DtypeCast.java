package dev.prefloop.engine.djl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.jni.JniUtils;

/**
 * DtypeCast changes an array's dtype without cutting autograd's graph. DJL 0.36's {@code toType} runs libtorch's
 * {@code to()} under a NoGradGuard (its torchTo JNI function), so a cast inside a training forward pass silently
 * detaches everything before it: with a float16 base, no gradient would reach a LoRA factor. While autograd records
 * (libtorch's grad mode, on inside a GradientCollector) the cast is an in-place add into a zero array of the target
 * dtype, which autograd records and casts back in the backward pass; otherwise (inference) the plain, cheaper cast.
 */
public final class DtypeCast {

    private DtypeCast() {}

    /** {@code x} as {@code dtype}, on x's manager, differentiable while autograd records. */
    public static NDArray to(NDArray x, DataType dtype) {
        if (x.getDataType() == dtype) {
            return x;
        }
        if (JniUtils.isGradMode()) {
            NDArray out = x.getManager().zeros(x.getShape(), dtype, x.getDevice());
            out.addi(x);
            return out;
        }
        return x.toType(dtype, false);
    }
}
