package dev.prefloop.engine.djl.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.prefloop.engine.djl.loss.LossSettings;
import dev.prefloop.engine.djl.loss.SgdpoPilotSizes;
import dev.prefloop.engine.djl.loss.SgdpoPilots;
import java.util.List;

/**
 * SgdpoPilotSource makes SGDPO's pilot sums for a micro-batch: per pair, k_w positions of y_w and k_l of y_l
 * ({@link SgdpoPilotSizes}) drawn afresh each optimizer step ({@link SgdpoPilotDraw}), the policy's token logps
 * summed over them without gradient, and the reference's over the same positions from its cached token logps.
 */
final class SgdpoPilotSource {

    private final List<TokenizedPair> pairs;
    private final ReferenceTokenLogps reference;
    private final LossSettings settings;
    private final long seed;

    SgdpoPilotSource(List<TokenizedPair> pairs, ReferenceTokenLogps reference, LossSettings settings, long seed) {
        this.pairs = pairs;
        this.reference = reference;
        this.settings = settings;
        this.seed = seed;
    }

    /** The pilots of {@code examples} at optimizer step {@code step}, from the policy's token logps {@code tokens}. */
    SgdpoPilots draw(PairTokens tokens, int[] examples, long step, NDManager manager) {
        int n = examples.length;
        int[][] chosenColumns = CompletionColumns.of(tokens.chosenMask());
        int[][] rejectedColumns = CompletionColumns.of(tokens.rejectedMask());
        float[][] chosenPick = new float[n][(int) tokens.chosenTokens().getShape().get(1)];
        float[][] rejectedPick = new float[n][(int) tokens.rejectedTokens().getShape().get(1)];
        float[] refChosen = new float[n];
        float[] refRejected = new float[n];
        for (int i = 0; i < n; i++) {
            int e = examples[i];
            int nw = pairs.get(e).chosen().length;
            int nl = pairs.get(e).rejected().length;
            if (chosenColumns[i].length != nw || rejectedColumns[i].length != nl) {
                throw new IllegalStateException("pair " + e + ": completion masks hold " + chosenColumns[i].length + "/"
                        + rejectedColumns[i].length + " tokens, the pair " + nw + "/" + nl);
            }
            SgdpoPilotSizes k = SgdpoPilotSizes.of(nw, nl, settings);
            for (int j : SgdpoPilotDraw.positions(seed, step, e, SgdpoPilotDraw.CHOSEN, nw, k.chosen())) {
                chosenPick[i][chosenColumns[i][j]] = 1f;
                refChosen[i] += reference.chosen()[e][j];
            }
            for (int j : SgdpoPilotDraw.positions(seed, step, e, SgdpoPilotDraw.REJECTED, nl, k.rejected())) {
                rejectedPick[i][rejectedColumns[i][j]] = 1f;
                refRejected[i] += reference.rejected()[e][j];
            }
        }
        // (N, L) token logps times a 0/1 selection, summed over L: (N); detached, the pilots are constants.
        NDArray policyChosen = tokens.chosenTokens().stopGradient().mul(manager.create(chosenPick)).sum(new int[] {1});
        NDArray policyRejected = tokens.rejectedTokens().stopGradient().mul(manager.create(rejectedPick))
                .sum(new int[] {1});
        return new SgdpoPilots(policyChosen, manager.create(refChosen), policyRejected, manager.create(refRejected));
    }
}
