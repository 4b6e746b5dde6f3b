package dev.prefloop.engine.djl.loss;

import ai.djl.ndarray.NDArray;
import java.util.Map;

/**
 * CpoTerms: what the reference-free CPO family shares: the policy scores x (sums or token means), AlphaPO's
 * reward shape rho, the NLL term weighted by cpo_alpha, and CPOTrainer's logged values.
 */
final class CpoTerms {

    private final LossSettings s;
    private final NDArray chosen;
    private final NDArray rejected;
    private final NDArray shapedChosen;
    private final NDArray shapedRejected;

    private CpoTerms(LossSettings s, NDArray chosen, NDArray rejected) {
        this.s = s;
        this.chosen = chosen;
        this.rejected = rejected;
        this.shapedChosen = shape(chosen);
        this.shapedRejected = shape(rejected);
    }

    /** x = S (sigmoid, hinge) or x = S / n with n not clamped (ipo, simpo), as CPOTrainer averages. */
    static CpoTerms of(PreferenceBatch batch, LossSettings s, boolean tokenMeans) {
        if (!tokenMeans) {
            return new CpoTerms(s, batch.policyChosen(), batch.policyRejected());
        }
        return new CpoTerms(s, batch.policyChosen().div(batch.requireChosenLengths()),
                batch.policyRejected().div(batch.requireRejectedLengths()));
    }

    /** z = rho(x_c) - rho(x_r). */
    NDArray margin() {
        return shapedChosen.sub(shapedRejected);
    }

    /** l_i + cpo_alpha * NLL, with rewards beta * rho(x), logps x and nll_loss as CPOTrainer logs them. */
    LossOutput output(NDArray preference, PreferenceBatch batch) {
        NDArray nll = SftLoss.tokenMeanNll(batch);
        NDArray perPair = preference;
        if (s.cpoAlpha() != 0) {
            // CPOTrainer adds the NLL for every loss type whenever cpo_alpha != 0 (pure SimPO needs cpo_alpha 0).
            perPair = preference.add(nll.mul(NativeConstants.scalar(nll, s.cpoAlpha())));
        }
        NDArray beta = NativeConstants.scalar(chosen, s.beta());
        NDArray loggedNll = s.cpoAlpha() != 0 ? nll.stopGradient() : NativeConstants.scalar(nll, 0.0);
        return new LossOutput(perPair,
                shapedChosen.stopGradient().mul(beta),
                shapedRejected.stopGradient().mul(beta),
                chosen.stopGradient(),
                rejected.stopGradient(),
                Map.of()).withExtra("nll_loss", loggedNll);
    }

    private NDArray shape(NDArray x) {
        if (s.alpha() == 0) {
            return x;
        }
        // rho(x) = (1 - e^(-alpha x)) / alpha; TRL's exp(x)^(-alpha) overflows for summed logps.
        NDArray e = StableOps.expm1(x.mul(NativeConstants.scalar(x, -s.alpha())));
        return e.mul(NativeConstants.scalar(x, -1.0 / s.alpha()));
    }
}
