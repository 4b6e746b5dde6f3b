package dev.prefloop.core.judge.exec;

import dev.prefloop.core.judge.Judge;
import dev.prefloop.core.judge.JudgeFactory;
import dev.prefloop.core.judge.JudgeOptions;
import dev.prefloop.core.judge.JudgeSpec;
import java.util.LinkedHashMap;
import java.util.Map;

/** ExecJudgeFactory opens {@code exec:COMMAND} judges. */
public final class ExecJudgeFactory implements JudgeFactory {

    @Override
    public String kind() {
        return "exec";
    }

    @Override
    public String usage() {
        return "'COMMAND ...' (run by /bin/sh -c; JSON Lines requests on stdin, answers on stdout)";
    }

    @Override
    public Judge open(JudgeSpec spec, JudgeOptions o) {
        return o.pointwise() ? new ExecPointwiseJudge(spec.target(), o.perBatch(), o.timeout())
                : new ExecPairwiseJudge(spec.target(), o.perBatch(), o.timeout());
    }

    @Override
    public Map<String, Object> identity(JudgeSpec spec, JudgeOptions o) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("judge", spec.toString());
        m.put("judge_pointwise", o.pointwise());
        return m;
    }
}
