package dev.prefloop.engine.djl.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import dev.prefloop.engine.djl.loss.LdWeighting;
import dev.prefloop.engine.djl.loss.LossOutput;
import dev.prefloop.engine.djl.loss.LossSettings;
import dev.prefloop.engine.djl.loss.PreferenceBatch;
import dev.prefloop.engine.djl.loss.PreferenceLoss;
import dev.prefloop.engine.djl.loss.WpoWeights;
import dev.prefloop.engine.djl.model.LlamaModel;
import dev.prefloop.engine.djl.model.PaddedBatch;
import java.util.List;

/**
 * PreferenceObjective: a {@link PreferenceLoss} over pairs, the policy's chosen and rejected log-probabilities
 * (summed over completion tokens, prompt and padding masked) from one forward pass ({@link PairLayout}) and the
 * reference's from a table computed before training (or the data), so no reference model is resident.
 */
public final class PreferenceObjective implements TrainingObjective {

    private final List<TokenizedPair> pairs;
    private final ReferenceTable reference;
    private final PreferenceLoss loss;
    private final boolean useWeighting;
    private final long padId;
    private final PairLayout layout;
    private final LdWeighting ldWeighting;
    private SgdpoPilotSource pilots;
    private float[] chosenFromReference;
    private long step;

    /**
     * @param pairs the training pairs
     * @param reference reference log-probabilities per pair, or null for reference-free losses
     * @param loss the loss (a {@code LossRegistry.mix} result for several)
     * @param useWeighting WPO's pair weights (TRL {@code use_weighting}), from the policy's own logits
     * @param padId the id written into pad columns (they are masked)
     * @param layout how chosen and rejected share the forward pass
     * @param ldWeighting LD-DPO's weighting of the sums (TRL {@code ld_alpha}), or null; the reference table must
     *     hold sums weighted the same way
     */
    public PreferenceObjective(List<TokenizedPair> pairs, ReferenceTable reference, PreferenceLoss loss,
            boolean useWeighting, long padId, PairLayout layout, LdWeighting ldWeighting) {
        this.pairs = pairs;
        this.reference = reference;
        this.loss = loss;
        this.useWeighting = useWeighting;
        this.padId = padId;
        this.layout = layout;
        this.ldWeighting = ldWeighting;
    }

    /** Without LD weighting. */
    public PreferenceObjective(List<TokenizedPair> pairs, ReferenceTable reference, PreferenceLoss loss,
            boolean useWeighting, long padId, PairLayout layout) {
        this(pairs, reference, loss, useWeighting, padId, layout, null);
    }

    /** Adds SGDPO's pilot sums, drawn per step with {@code seed}, the reference's from its token logps; returns this. */
    PreferenceObjective drawSgdpoPilots(ReferenceTokenLogps reference, LossSettings settings, long seed) {
        this.pilots = new SgdpoPilotSource(pairs, reference, settings, seed);
        return this;
    }

    /** Adds XPO's marker per pair, 1 where the chosen completion is the reference model's, else 0; returns this. */
    PreferenceObjective markReferenceResponses(float[] marker) {
        this.chosenFromReference = marker;
        return this;
    }

    @Override
    public void beginStep(long globalStep) {
        this.step = globalStep;
    }

    @Override
    public int size() {
        return pairs.size();
    }

    @Override
    public int longestRow(int example) {
        return pairs.get(example).longestRow();
    }

    @Override
    public int rowsPerExample() {
        return 2;
    }

    @Override
    public double normaliser(int[] stepExamples) {
        return stepExamples.length;
    }

    @Override
    public Micro compute(LlamaModel model, int[] examples, NDManager manager) {
        int n = examples.length;
        float[] chosenLengths = new float[n];
        float[] rejectedLengths = new float[n];
        for (int i = 0; i < n; i++) {
            chosenLengths[i] = pairs.get(examples[i]).chosen().length;
            rejectedLengths[i] = pairs.get(examples[i]).rejected().length;
        }
        NDArray refChosen = reference == null ? null : manager.create(reference.chosen(examples));
        NDArray refRejected = reference == null ? null : manager.create(reference.rejected(examples));
        NDArray omega = null;
        PairTokens tokens;
        if (layout == PairLayout.SHARED_PROMPT) {
            // WPO's weights read the logits; otherwise the head runs on the real completion tokens only.
            SharedPromptPairs.Result r = SharedPromptPairs.forward(model, manager, pairs, examples, padId,
                    useWeighting);
            tokens = new PairTokens(r.chosen(), r.rejected(), r.chosenTokens(), r.rejectedTokens(), r.chosenMask(),
                    r.rejectedMask());
            if (useWeighting) {
                omega = WpoWeights.sequenceFactors(r.chosenLogits(), r.chosenTargets(), r.chosenMask())
                        .mul(WpoWeights.sequenceFactors(r.rejectedLogits(), r.rejectedTargets(), r.rejectedMask()));
            }
        } else {
            PaddedBatch rows = PairRows.of(manager, pairs, examples, padId);
            NDArray logits = model.logits(rows.inputIds(), rows.attentionMask(), null); // (2N, T, V)
            tokens = PairTokens.ofRows(logits, rows, n);
            if (useWeighting) {
                long t = rows.inputIds().getShape().get(1);
                NDArray factors = WpoWeights.sequenceFactors(logits.get(new NDIndex(":, 0:{}", t - 1)),
                        rows.inputIds().get(new NDIndex(":, 1:")), rows.responseMask().get(new NDIndex(":, 1:")));
                omega = factors.get(new NDIndex("0:{}", n)).mul(factors.get(new NDIndex("{}:", n)));
            }
        }
        PreferenceBatch batch;
        if (ldWeighting == null) {
            batch = PreferenceBatch.of(tokens.chosen(), tokens.rejected(), refChosen, refRejected,
                    manager.create(chosenLengths), manager.create(rejectedLengths));
        } else {
            NDArray[] weighted = tokens.ldSums(ldWeighting);
            batch = PreferenceBatch.of(weighted[0], weighted[1], refChosen, refRejected,
                    manager.create(chosenLengths), manager.create(rejectedLengths))
                    .withUnweightedPolicyChosen(tokens.chosen());
        }
        if (omega != null) {
            batch = batch.withPairWeights(omega);
        }
        if (chosenFromReference != null) {
            float[] m = new float[n];
            for (int i = 0; i < n; i++) {
                m[i] = chosenFromReference[examples[i]];
            }
            batch = batch.withChosenFromReference(manager.create(m));
        }
        if (pilots != null) {
            batch = batch.withPilots(pilots.draw(tokens, examples, step, manager));
        }
        LossOutput result = loss.compute(batch);
        return new Micro(result.perPair().sum(), result.metrics(), PairRows.tokens(pairs, examples));
    }
}
