package dev.prefloop.engine.djl.sample;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * CandidatesRecord writes a prompt's sampled responses into a copy of its record: the candidates
 * fields label and score read ({@code completions}, {@code completions_ids}, {@code logps},
 * {@code ref_logps}) and the provenance of each response, every other input field carried through.
 */
final class CandidatesRecord {

    private CandidatesRecord() {}

    /**
     * The output record.
     *
     * @param withText whether {@code completions} (decoded text) is written; false for ids-only models
     * @param refLogps whether {@code ref_logps} is written
     * @param sampler gives best-of-n's implicit rewards
     */
    static ObjectNode of(SamplePrompt p, List<SampledResponse> responses, SampleSettings s, boolean withText,
            boolean refLogps, SchemeSampler sampler) {
        ObjectNode r = p.record().deepCopy();
        if (!r.hasNonNull("id")) {
            r.put("id", p.id());
        }
        ArrayNode promptIds = r.putArray("prompt_ids");
        for (long id : p.ids()) {
            promptIds.add(id);
        }
        if (withText) {
            ArrayNode texts = r.putArray("completions");
            responses.forEach(x -> texts.add(x.generation().text()));
        } else {
            r.remove("completions");
        }
        ArrayNode ids = r.putArray("completions_ids");
        for (SampledResponse x : responses) {
            ArrayNode one = ids.addArray();
            for (long t : x.generation().tokens()) {
                one.add(t);
            }
        }
        ArrayNode generators = r.putArray("generators");
        responses.forEach(x -> generators.add(x.generator()));
        r.put("scheme", s.scheme().label());
        r.put("iteration", s.iteration());
        ArrayNode tokens = r.putArray("num_tokens");
        responses.forEach(x -> tokens.add(x.generation().tokens().length));
        ArrayNode finish = r.putArray("finish_reasons");
        responses.forEach(x -> finish.add(x.generation().finish().toString()));
        ArrayNode logps = r.putArray("logps");
        responses.forEach(x -> logps.add(x.logp()));
        if (refLogps) {
            ArrayNode ref = r.putArray("ref_logps");
            responses.forEach(x -> ref.add(x.refLogp()));
        } else {
            r.remove("ref_logps");
        }
        if (s.scheme() == SampleScheme.BEST_OF_N) {
            ArrayNode rewards = r.putArray("implicit_rewards");
            responses.forEach(x -> rewards.add(sampler.implicitReward(x)));
        }
        return r;
    }
}
