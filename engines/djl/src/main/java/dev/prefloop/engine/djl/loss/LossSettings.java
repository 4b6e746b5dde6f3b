package dev.prefloop.engine.djl.loss;

import dev.prefloop.core.error.UsageException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * LossSettings: every preference-loss hyperparameter under TRL's name, with TRL's default, checked once.
 *
 * @param beta TRL {@code beta} (0.1): the KL strength; DPO's beta, IPO's tau, 1/margin for hinge
 * @param labelSmoothing TRL {@code label_smoothing} (0.0): robust/cDPO/aot/CPO epsilon, exo_pair's eps
 * @param discopopTau TRL {@code discopop_tau} (0.05): temperature of discopop's sigmoid mix
 * @param fDivergenceType TRL {@code f_divergence_type} (reverse_kl): the score map phi
 * @param fAlphaDivergenceCoef TRL {@code f_alpha_divergence_coef} (0.5): a of alpha_divergence
 * @param simpoGamma TRL CPOConfig {@code simpo_gamma} (0.5): SimPO's target reward margin gamma
 * @param cpoAlpha TRL CPOConfig {@code cpo_alpha} (1.0): weight of the NLL term of the CPO family
 * @param alpha TRL CPOConfig {@code alpha} (0.0): AlphaPO's reward-shape parameter
 * @param xpoAlpha TRL XPOConfig {@code alpha} as {@code xpo_alpha} (5e-6, PILAF's; TRL's is 1e-5)
 * @param epsilon IOPO's clip epsilon (0.3, the paper's)
 * @param iopoWeight IOPO's weight source (adversary)
 * @param iopoRatio IOPO's ratio level (sequence)
 * @param iopoResetLow IOPO resets r to 1 below this log-ratio (-103.97: float32 exp gives 0)
 * @param iopoResetHigh IOPO resets r to 1 above this log-ratio (88.72: float32 exp gives infinity)
 * @param r1 SGDPO's chosen pilot fraction (0.6)
 * @param r2 SGDPO's rejected pilot fraction (0.9)
 */
public record LossSettings(
        double beta,
        double labelSmoothing,
        double discopopTau,
        FDivergence fDivergenceType,
        double fAlphaDivergenceCoef,
        double simpoGamma,
        double cpoAlpha,
        double alpha,
        double xpoAlpha,
        double epsilon,
        IopoWeight iopoWeight,
        IopoRatio iopoRatio,
        double iopoResetLow,
        double iopoResetHigh,
        double r1,
        double r2) {

    /** Checks each value against its documented range, naming the option and the value. */
    public LossSettings {
        require(Double.isFinite(beta) && beta > 0, "beta", beta, "a finite number > 0");
        require(labelSmoothing >= 0 && labelSmoothing <= 0.5, "label_smoothing", labelSmoothing, "in [0, 0.5]");
        require(Double.isFinite(discopopTau) && discopopTau > 0, "discopop_tau", discopopTau, "a finite number > 0");
        if (fDivergenceType == null) {
            throw new UsageException("f_divergence_type: a value is required");
        }
        require(Double.isFinite(fAlphaDivergenceCoef), "f_alpha_divergence_coef", fAlphaDivergenceCoef, "finite");
        require(Double.isFinite(simpoGamma), "simpo_gamma", simpoGamma, "finite");
        require(Double.isFinite(cpoAlpha) && cpoAlpha >= 0, "cpo_alpha", cpoAlpha, "a finite number >= 0");
        require(Double.isFinite(alpha), "alpha", alpha, "finite");
        require(Double.isFinite(xpoAlpha) && xpoAlpha >= 0, "xpo_alpha", xpoAlpha, "a finite number >= 0");
        require(epsilon >= 0 && epsilon < 1, "epsilon", epsilon, "in [0, 1)");
        if (iopoWeight == null || iopoRatio == null) {
            throw new UsageException("iopo_weight and iopo_ratio: a value is required");
        }
        if (!(Double.isFinite(iopoResetLow) && Double.isFinite(iopoResetHigh) && iopoResetLow < 0
                && iopoResetHigh > 0)) {
            throw new UsageException("iopo_reset_nats: must be two finite numbers LO,HI with LO < 0 < HI, got "
                    + iopoResetLow + "," + iopoResetHigh);
        }
        require(r1 > 0 && r1 <= 1, "r1", r1, "in (0, 1]");
        require(r2 > 0 && r2 <= 1, "r2", r2, "in (0, 1]");
    }

    /** TRL's defaults (DPOConfig, CPOConfig) and the project's for IOPO, SGDPO and XPO. */
    public static LossSettings defaults() {
        return new Builder().build();
    }

    /** The option names {@link Builder#set} accepts, TRL's snake_case spelling, in a stable order. */
    public static Set<String> names() {
        return Collections.unmodifiableSet(Builder.SETTERS.keySet());
    }

    /** A builder starting from these values. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Shorthand for {@code toBuilder().set(name, value).build()}. */
    public LossSettings with(String name, String value) {
        return toBuilder().set(name, value).build();
    }

    private static void require(boolean ok, String name, double value, String range) {
        if (!ok) {
            throw new UsageException(name + " must be " + range + ", got " + value);
        }
    }

    /** Builder: sets options by their TRL names from text, as a command line or YAML config gives them. */
    public static final class Builder {

        private static final Map<String, BiConsumer<Builder, String>> SETTERS = new LinkedHashMap<>();

        static {
            SETTERS.put("beta", (b, v) -> b.beta = number("beta", v));
            SETTERS.put("label_smoothing", (b, v) -> b.labelSmoothing = number("label_smoothing", v));
            SETTERS.put("discopop_tau", (b, v) -> b.discopopTau = number("discopop_tau", v));
            SETTERS.put("f_divergence_type", (b, v) -> b.fDivergenceType = FDivergence.of(v));
            SETTERS.put("f_alpha_divergence_coef",
                    (b, v) -> b.fAlphaDivergenceCoef = number("f_alpha_divergence_coef", v));
            SETTERS.put("simpo_gamma", (b, v) -> b.simpoGamma = number("simpo_gamma", v));
            SETTERS.put("cpo_alpha", (b, v) -> b.cpoAlpha = number("cpo_alpha", v));
            SETTERS.put("alpha", (b, v) -> b.alpha = number("alpha", v));
            SETTERS.put("xpo_alpha", (b, v) -> b.xpoAlpha = number("xpo_alpha", v));
            SETTERS.put("epsilon", (b, v) -> b.epsilon = number("epsilon", v));
            SETTERS.put("iopo_weight", (b, v) -> b.iopoWeight = IopoWeight.of(v));
            SETTERS.put("iopo_ratio", (b, v) -> b.iopoRatio = IopoRatio.of(v));
            SETTERS.put("iopo_reset_nats", Builder::resetNats);
            SETTERS.put("r1", (b, v) -> b.r1 = number("r1", v));
            SETTERS.put("r2", (b, v) -> b.r2 = number("r2", v));
        }

        private double beta = 0.1;
        private double labelSmoothing = 0.0;
        private double discopopTau = 0.05;
        private FDivergence fDivergenceType = FDivergence.REVERSE_KL;
        private double fAlphaDivergenceCoef = 0.5;
        private double simpoGamma = 0.5;
        private double cpoAlpha = 1.0;
        private double alpha = 0.0;
        private double xpoAlpha = 5e-6;
        private double epsilon = 0.3;
        private IopoWeight iopoWeight = IopoWeight.ADVERSARY;
        private IopoRatio iopoRatio = IopoRatio.SEQUENCE;
        private double iopoResetLow = -103.97;
        private double iopoResetHigh = 88.72;
        private double r1 = 0.6;
        private double r2 = 0.9;

        /** A builder holding the defaults. */
        public Builder() {}

        private Builder(LossSettings s) {
            beta = s.beta;
            labelSmoothing = s.labelSmoothing;
            discopopTau = s.discopopTau;
            fDivergenceType = s.fDivergenceType;
            fAlphaDivergenceCoef = s.fAlphaDivergenceCoef;
            simpoGamma = s.simpoGamma;
            cpoAlpha = s.cpoAlpha;
            alpha = s.alpha;
            xpoAlpha = s.xpoAlpha;
            epsilon = s.epsilon;
            iopoWeight = s.iopoWeight;
            iopoRatio = s.iopoRatio;
            iopoResetLow = s.iopoResetLow;
            iopoResetHigh = s.iopoResetHigh;
            r1 = s.r1;
            r2 = s.r2;
        }

        /** Sets the option with TRL's snake_case name from its text; a UsageException for an unknown name or bad value. */
        public Builder set(String name, String value) {
            BiConsumer<Builder, String> setter = SETTERS.get(name);
            if (setter == null) {
                throw new UsageException("unknown loss option '" + name + "'; known: " + String.join(", ", SETTERS.keySet()));
            }
            setter.accept(this, value.trim());
            return this;
        }

        /** The checked settings. */
        public LossSettings build() {
            return new LossSettings(beta, labelSmoothing, discopopTau, fDivergenceType, fAlphaDivergenceCoef,
                    simpoGamma, cpoAlpha, alpha, xpoAlpha, epsilon, iopoWeight, iopoRatio, iopoResetLow,
                    iopoResetHigh, r1, r2);
        }

        private static void resetNats(Builder b, String v) {
            String[] parts = v.split(",");
            if (parts.length != 2) {
                throw new UsageException("iopo_reset_nats: expected LO,HI (two numbers), got '" + v + "'");
            }
            b.iopoResetLow = number("iopo_reset_nats", parts[0].trim());
            b.iopoResetHigh = number("iopo_reset_nats", parts[1].trim());
        }

        private static double number(String name, String v) {
            try {
                return Double.parseDouble(v);
            } catch (NumberFormatException e) {
                throw new UsageException(name + ": not a number: '" + v + "'");
            }
        }
    }
}
