package dev.prefloop.core.judge.exec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prefloop.core.judge.PairRequest;
import dev.prefloop.core.judge.PairwiseJudge;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** ExecPairwiseJudge is {@code exec:COMMAND}: {id, prompt, response_a, response_b} in, {id, p_a} out. */
public final class ExecPairwiseJudge implements PairwiseJudge {

    private final String command;
    private final ExecChannel channel;

    public ExecPairwiseJudge(String command, boolean perBatch, Duration timeout) {
        this.command = command;
        this.channel = new ExecChannel(command, perBatch, timeout);
    }

    @Override
    public double[] compare(List<PairRequest> batch) {
        List<ObjectNode> lines = new ArrayList<>(batch.size());
        batch.forEach(r -> lines.add(ExecRequests.pair(r)));
        Map<String, JsonNode> answers = channel.ask(lines);
        double[] p = new double[batch.size()];
        for (int i = 0; i < p.length; i++) {
            p[i] = ExecRequests.number(answers.get(batch.get(i).id()), "p_a", true, command);
        }
        return p;
    }

    @Override
    public String describe() {
        return "exec:" + command;
    }

    @Override
    public void close() {
        channel.close();
    }
}
