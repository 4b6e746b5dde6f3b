package dev.prefloop.engine.djl.loss;

import ai.djl.ndarray.NDArray;
import dev.prefloop.core.error.UsageException;
import java.util.Arrays;
import java.util.stream.Collectors;

/** FDivergence: TRL's {@code f_divergence_type}, the score map phi(t) applied to each log-ratio t. */
public enum FDivergence {

    /** phi(t) = t. */
    REVERSE_KL("reverse_kl") {
        @Override
        NDArray score(NDArray t, double coef) {
            return t;
        }
    },
    /** phi(t) = -exp(-t). */
    FORWARD_KL("forward_kl") {
        @Override
        NDArray score(NDArray t, double coef) {
            return t.neg().exp().neg();
        }
    },
    /** phi(t) = logsigmoid(t). */
    JS_DIVERGENCE("js_divergence") {
        @Override
        NDArray score(NDArray t, double coef) {
            return StableOps.logSigmoid(t);
        }
    },
    /** phi(t) = exp((a-1) t) / (a-1), a = f_alpha_divergence_coef; the identity when |a-1| < 1e-6. */
    ALPHA_DIVERGENCE("alpha_divergence") {
        @Override
        NDArray score(NDArray t, double coef) {
            double am1 = coef - 1.0;
            if (Math.abs(am1) < 1e-6) {
                return t;
            }
            // TRL clamps the exponent at 80 (float32/bfloat16) so that exp stays finite.
            NDArray exponent = t.mul(NativeConstants.scalar(t, am1)).minimum(NativeConstants.scalar(t, 80.0));
            return exponent.exp().mul(NativeConstants.scalar(t, 1.0 / am1));
        }
    };

    private final String trlName;

    FDivergence(String trlName) {
        this.trlName = trlName;
    }

    /** phi(t) elementwise; coef is f_alpha_divergence_coef (only alpha_divergence reads it). */
    abstract NDArray score(NDArray t, double coef);

    /** TRL's name, e.g. {@code reverse_kl}. */
    public String trlName() {
        return trlName;
    }

    /** The divergence named as TRL names it; a UsageException listing the names otherwise. */
    public static FDivergence of(String name) {
        for (FDivergence f : values()) {
            if (f.trlName.equals(name)) {
                return f;
            }
        }
        throw new UsageException("f_divergence_type: unknown value '" + name + "'; expected one of "
                + Arrays.stream(values()).map(FDivergence::trlName).collect(Collectors.joining(", ")));
    }
}
