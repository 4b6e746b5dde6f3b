package dev.prefloop.engine.djl.loss;

import dev.prefloop.core.error.UsageException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/** LossRegistry: the loss names {@code --loss} accepts (TRL's {@code loss_type} where one exists), each mapped to its class. */
public final class LossRegistry {

    /**
     * Entry: one loss name.
     *
     * @param name the option value, e.g. {@code sigmoid}
     * @param summary one line for {@code --list-losses}
     * @param uses the LossSettings names this loss reads; any other option given with it is unused
     * @param dpoTrainer whether DPOTrainer accepts it in a loss_type list (so it can be mixed and weighted)
     * @param factory builds the loss from checked settings
     */
    public record Entry(String name, String summary, Set<String> uses, boolean dpoTrainer,
            Function<LossSettings, PreferenceLoss> factory) {}

    private static final Map<String, Entry> ENTRIES = new LinkedHashMap<>();
    private static final Map<String, String> ALIASES = Map.of("aot_pair", "aot_unpaired");

    static {
        // The product decision (issue 7): no flag is silently ignored, so label_smoothing > 0 with sigmoid gives the
        // conservative-DPO mix of TRL <= 0.28 rather than TRL >= 0.29's silent no-op.
        dpo("sigmoid", "DPO: -log sigma(beta Delta); label_smoothing > 0 makes it cdpo's conservative mix",
                s -> s.labelSmoothing() > 0 ? new CdpoLoss(s) : new SigmoidLoss(s), "f", "label_smoothing");
        dpo("hinge", "SLiC hinge: max(0, 1 - beta Delta)", HingeLoss::new, "f");
        dpo("ipo", "IPO on per-token log-ratios: (Dbar - 1/(2 beta))^2", IpoLoss::new, "f");
        dpo("exo_pair", "EXO (K=2): KL to Bernoulli(1 - eps), eps = label_smoothing > 0", ExoPairLoss::new, "f",
                "label_smoothing");
        dpo("nca_pair", "NCA: -log sigma(beta c) - (log sigma(-beta c) + log sigma(-beta r))/2", NcaPairLoss::new, "f");
        dpo("robust", "rDPO: noise-robust DPO, eps = label_smoothing in [0, 0.5)", RobustLoss::new, "f",
                "label_smoothing");
        dpo("bco_pair", "BCO paired: -log sigma(beta c) - log sigma(-beta r)", BcoPairLoss::new, "f");
        dpo("sppo_hard", "SPPO hard label: (c - 1/(2 beta))^2 + (r + 1/(2 beta))^2", SppoHardLoss::new, "f");
        dpo("aot", "AOT paired: DPO on sorted policy vs sorted reference margins", AotLoss::new, "label_smoothing");
        dpo("aot_unpaired", "AOT unpaired (alias aot_pair): DPO on sorted u vs sorted v", AotUnpairedLoss::new,
                "label_smoothing");
        dpo("apo_zero", "APO-zero: 1 - sigma(beta u) + sigma(beta v)", ApoZeroLoss::new);
        dpo("apo_down", "APO-down: sigma(beta u) + 1 - sigma(beta Delta)", ApoDownLoss::new, "f");
        dpo("discopop", "DiscoPOP: logistic/exponential mix by sigma(beta Delta / tau)", DiscopopLoss::new, "f",
                "discopop_tau");
        dpo("sft", "NLL of the chosen completions, token mean over the batch", SftLoss::new);
        dpo("sigmoid_norm", "length-normalised DPO with reference: -log sigma(beta Dbar)", SigmoidNormLoss::new, "f");
        dpo("cdpo", "conservative DPO (TRL <= 0.28 sigmoid + label_smoothing)", CdpoLoss::new, "f", "label_smoothing");
        dpo("bco_pair_legacy", "TRL <= 0.28 bco_pair with the running reward shift delta", BcoPairLegacyLoss::new);
        dpo("kto_pair", "TRL <= 0.8.6 kto_pair (paired KTO approximation)", KtoPairLoss::new);
        other("cpo_sigmoid", "CPO: reference-free sigmoid on summed logps + cpo_alpha NLL", CpoSigmoidLoss::new,
                "label_smoothing", "cpo_alpha", "alpha");
        other("cpo_hinge", "CPO hinge on summed logps + cpo_alpha NLL", CpoHingeLoss::new, "cpo_alpha", "alpha");
        other("cpo_ipo", "CPO ipo on token-mean logps + cpo_alpha NLL", CpoIpoLoss::new, "cpo_alpha", "alpha");
        other("simpo", "SimPO: -log sigma(beta z - gamma) on token means (+ cpo_alpha NLL, set 0 for pure SimPO)",
                SimpoLoss::new, "label_smoothing", "simpo_gamma", "cpo_alpha", "alpha");
        other("alphapo", "AlphaPO: SimPO with reward shape (1 - e^(-alpha x))/alpha, alpha != 0, no NLL",
                LossRegistry::alphapo, "label_smoothing", "simpo_gamma", "alpha");
        other("sgdpo", "SGDPO: DPO steered by pilot sub-sequence sums redrawn each step (--r1 0.6, --r2 0.9)",
                SgdpoLoss::new, "label_smoothing", "r1", "r2");
        other("xpo", "XPO: DPO + xpo_alpha * policy logp of the reference's response (pairs name one side 'ref';"
                + " 5e-6, TRL 1e-5)", s -> new XpoLoss(s, false), "xpo_alpha");
        other("xpo_ipo", "XPO with IPO on summed log-ratios (pairs name one side 'ref')", s -> new XpoLoss(s, true),
                "xpo_alpha");
        other("iopo", "IOPO: protagonist and adversary in alternating phases, each against the frozen other"
                + " (--iopo-*)", IopoLoss::new, "epsilon",
                "iopo_weight", "iopo_ratio", "iopo_reset_nats");
    }

    private LossRegistry() {}

    /** Every entry in {@code --list-losses} order. */
    public static List<Entry> entries() {
        return List.copyOf(ENTRIES.values());
    }

    /** One line per loss, name then summary, for {@code --help} and {@code --list-losses}. */
    public static List<String> helpLines() {
        List<String> lines = new ArrayList<>();
        int width = ENTRIES.keySet().stream().mapToInt(String::length).max().orElse(0);
        for (Entry e : ENTRIES.values()) {
            lines.add(String.format("%-" + width + "s  %s", e.name(), e.summary()));
        }
        lines.add(String.format("%-" + width + "s  %s", "aot_pair", "old name of aot_unpaired"));
        return lines;
    }

    /** The entry for a name (aliases resolved); a UsageException listing the names otherwise. */
    public static Entry entry(String name) {
        Entry e = ENTRIES.get(ALIASES.getOrDefault(name, name));
        if (e == null) {
            throw new UsageException("unknown loss '" + name + "'; expected one of " + String.join(", ", ENTRIES.keySet())
                    + " (or aot_pair)");
        }
        return e;
    }

    /** The loss of that name under these settings. */
    public static PreferenceLoss create(String name, LossSettings settings) {
        return entry(name).factory().apply(settings);
    }

    /**
     * DPOTrainer's combination: several loss types with {@code loss_weights} (null: 1.0 each) and WPO's
     * {@code use_weighting}; a single unweighted loss comes back as it is.
     */
    public static PreferenceLoss mix(List<String> names, double[] lossWeights, boolean useWeighting,
            LossSettings settings) {
        if (names.isEmpty()) {
            throw new UsageException("loss_type: at least one loss is required");
        }
        double[] weights = lossWeights == null ? ones(names.size()) : lossWeights;
        if (weights.length != names.size()) {
            throw new UsageException("loss_weights has " + weights.length + " values but loss_type has " + names.size()
                    + " (" + String.join(", ", names) + ")");
        }
        List<PreferenceLoss> losses = new ArrayList<>();
        for (int k = 0; k < names.size(); k++) {
            Entry e = entry(names.get(k));
            if (!Double.isFinite(weights[k])) {
                throw new UsageException("loss_weights: value " + weights[k] + " for " + e.name() + " is not finite");
            }
            if ((names.size() > 1 || useWeighting || weights[k] != 1.0) && !e.dpoTrainer()) {
                throw new UsageException(e.name() + " cannot be combined with other losses, loss_weights or use_weighting");
            }
            if (useWeighting && e.name().startsWith("aot")) {
                // Its values are per sorted rank, so a per-pair weight has no pair to apply to (TRL rejects it too).
                throw new UsageException("use_weighting cannot be used with " + e.name());
            }
            losses.add(e.factory().apply(settings));
        }
        if (losses.size() == 1 && weights[0] == 1.0 && !useWeighting) {
            return losses.get(0);
        }
        return new LossMix(losses, weights, useWeighting);
    }

    private static PreferenceLoss alphapo(LossSettings s) {
        if (s.alpha() == 0) {
            throw new UsageException("alphapo needs alpha != 0 (with alpha 0 it is simpo), got alpha " + s.alpha());
        }
        // TRL: loss_type "alphapo" is simpo with cpo_alpha = 0.
        return new SimpoLoss(s.with("cpo_alpha", "0"));
    }

    private static void dpo(String name, String summary, Function<LossSettings, PreferenceLoss> f, String... uses) {
        put(name, summary, true, f, uses);
    }

    private static void other(String name, String summary, Function<LossSettings, PreferenceLoss> f, String... uses) {
        put(name, summary, false, f, uses);
    }

    private static void put(String name, String summary, boolean dpoTrainer, Function<LossSettings, PreferenceLoss> f,
            String... uses) {
        Set<String> names = new LinkedHashSet<>();
        names.add("beta");
        for (String u : uses) {
            if (u.equals("f")) {
                names.add("f_divergence_type");
                names.add("f_alpha_divergence_coef");
            } else {
                names.add(u);
            }
        }
        ENTRIES.put(name, new Entry(name, summary, Collections.unmodifiableSet(names), dpoTrainer, f));
    }

    private static double[] ones(int n) {
        double[] w = new double[n];
        java.util.Arrays.fill(w, 1.0);
        return w;
    }
}
