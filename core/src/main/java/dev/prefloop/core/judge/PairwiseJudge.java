package dev.prefloop.core.judge;

import java.util.List;

/** PairwiseJudge gives p(a ≻ b) for each comparison of a batch. */
public interface PairwiseJudge extends Judge {

    /**
     * The probabilities p(a ≻ b) in [0, 1], one per request and in request order. A batch either
     * succeeds whole or throws {@link JudgeException} naming the request that failed.
     */
    double[] compare(List<PairRequest> batch);
}
