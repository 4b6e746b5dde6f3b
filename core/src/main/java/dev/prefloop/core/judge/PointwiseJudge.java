package dev.prefloop.core.judge;

import java.util.List;

/** PointwiseJudge scores each response on its own (a reward); higher is better. */
public interface PointwiseJudge extends Judge {

    /**
     * The finite scores, one per request and in request order. A batch either succeeds whole or
     * throws {@link JudgeException} naming the request that failed.
     */
    double[] score(List<ScoreRequest> batch);
}
