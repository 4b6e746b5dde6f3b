package dev.prefloop.core.judge.exec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prefloop.core.judge.PointwiseJudge;
import dev.prefloop.core.judge.ScoreRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** ExecPointwiseJudge is {@code exec:COMMAND} with {@code --judge-pointwise}: {id, prompt, response} in, {id, score} out. */
public final class ExecPointwiseJudge implements PointwiseJudge {

    private final String command;
    private final ExecChannel channel;

    public ExecPointwiseJudge(String command, boolean perBatch, Duration timeout) {
        this.command = command;
        this.channel = new ExecChannel(command, perBatch, timeout);
    }

    @Override
    public double[] score(List<ScoreRequest> batch) {
        List<ObjectNode> lines = new ArrayList<>(batch.size());
        batch.forEach(r -> lines.add(ExecRequests.score(r)));
        Map<String, JsonNode> answers = channel.ask(lines);
        double[] s = new double[batch.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = ExecRequests.number(answers.get(batch.get(i).id()), "score", false, command);
        }
        return s;
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
