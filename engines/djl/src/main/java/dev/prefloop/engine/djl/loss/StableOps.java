package dev.prefloop.engine.djl.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;

/** StableOps: the overflow-free forms of softplus, logsigmoid, sigmoid and expm1 that every loss uses. */
public final class StableOps {

    private StableOps() {}

    /**
     * softplus(z) = log(1 + e^z), by libtorch's kernel: log1p(exp(z)) up to z = 20 and z itself above
     * (error below 2e-9), so exp never overflows and the gradient at z = 0 is exactly 1/2.
     */
    public static NDArray softplus(NDArray z) {
        return Activation.softPlus(z);
    }

    /** logsigmoid(z) = -softplus(-z); never log(sigmoid(z)), which is -inf once sigmoid underflows. */
    public static NDArray logSigmoid(NDArray z) {
        return softplus(z.neg()).neg();
    }

    /** sigmoid(z) by libtorch's kernel, which saturates to 0 or 1 without NaN. */
    public static NDArray sigmoid(NDArray z) {
        return Activation.sigmoid(z);
    }

    /** max(z, 0); its gradient at 0 is 0, as PyTorch's relu. */
    public static NDArray relu(NDArray z) {
        return Activation.relu(z);
    }

    /**
     * expm1(y) = e^y - 1 = 2 e^(y/2) sinh(y/2): exact near 0, where exp(y) - 1 would cancel
     * (DJL's NDArray has no expm1).
     */
    public static NDArray expm1(NDArray y) {
        NDArray half = y.mul(NativeConstants.scalar(y, 0.5));
        return half.exp().mul(half.sinh()).mul(NativeConstants.scalar(y, 2.0));
    }

    /**
     * (1 - ls) softplus(-y) + ls softplus(y) = -(1 - ls) log sigma(y) - ls log sigma(-y): the logistic loss
     * with label smoothing ls (conservative DPO, aot, CPO, SimPO, SGDPO).
     */
    public static NDArray smoothedLogistic(NDArray y, double ls) {
        NDArray toward = softplus(y.neg());
        if (ls == 0) {
            return toward;
        }
        return toward.mul(NativeConstants.scalar(y, 1 - ls)).add(softplus(y).mul(NativeConstants.scalar(y, ls)));
    }
}
