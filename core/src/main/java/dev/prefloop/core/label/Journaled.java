package dev.prefloop.core.label;

import dev.prefloop.core.judge.PairRequest;
import dev.prefloop.core.judge.PairwiseJudge;
import dev.prefloop.core.judge.PointwiseJudge;
import dev.prefloop.core.judge.Response;
import dev.prefloop.core.judge.ScoreRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * Journaled puts a {@link VerdictJournal} in front of a judge: requests the journal answers are
 * not asked again, the rest are asked as one batch and journaled only once the whole batch came back.
 */
final class Journaled {

    private final VerdictJournal journal;
    private final String identity;
    long asked;
    long reused;

    Journaled(VerdictJournal journal, String identity) {
        this.journal = journal;
        this.identity = identity;
    }

    /** The pointwise judge behind the journal. */
    PointwiseJudge pointwise(PointwiseJudge judge) {
        return new PointwiseJudge() {
            @Override
            public double[] score(List<ScoreRequest> batch) {
                List<String> keys = new ArrayList<>(batch.size());
                batch.forEach(r -> keys.add(key("score", String.valueOf(r.prompt()), r.promptIds(), r.response())));
                return through(keys, batch, judge::score);
            }

            @Override
            public String describe() {
                return judge.describe();
            }
        };
    }

    /** The pairwise judge behind the journal. */
    PairwiseJudge pairwise(PairwiseJudge judge) {
        return new PairwiseJudge() {
            @Override
            public double[] compare(List<PairRequest> batch) {
                List<String> keys = new ArrayList<>(batch.size());
                batch.forEach(r -> keys.add(key("pair", String.valueOf(r.prompt()), r.promptIds(), r.a(), r.b())));
                return through(keys, batch, judge::compare);
            }

            @Override
            public String describe() {
                return judge.describe();
            }
        };
    }

    private <R> double[] through(List<String> keys, List<R> batch, java.util.function.Function<List<R>, double[]> ask) {
        double[] out = new double[batch.size()];
        List<R> missing = new ArrayList<>();
        List<Integer> where = new ArrayList<>();
        for (int i = 0; i < out.length; i++) {
            OptionalDouble v = journal.get(keys.get(i));
            if (v.isPresent()) {
                out[i] = v.getAsDouble();
                reused++;
            } else {
                missing.add(batch.get(i));
                where.add(i);
            }
        }
        if (!missing.isEmpty()) {
            double[] got = ask.apply(missing);
            Map<String, Double> answers = new LinkedHashMap<>();
            for (int k = 0; k < got.length; k++) {
                out[where.get(k)] = got[k];
                answers.put(keys.get(where.get(k)), got[k]);
            }
            journal.append(answers);
            asked += missing.size();
        }
        return out;
    }

    private String key(String kind, String prompt, long[] promptIds, Response... responses) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            update(md, identity);
            update(md, kind);
            update(md, prompt);
            update(md, Arrays.toString(promptIds));
            for (Response r : responses) {
                update(md, r.text());
                update(md, Arrays.toString(r.ids()));
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void update(MessageDigest md, String s) {
        md.update(s.getBytes(StandardCharsets.UTF_8));
        md.update((byte) 0);
    }
}
