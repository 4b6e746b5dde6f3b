package dev.prefloop.engine.djl.sample;

import dev.prefloop.engine.djl.generate.Detokenizer;
import dev.prefloop.engine.djl.generate.Generation;
import dev.prefloop.engine.djl.generate.GenerationRequest;
import dev.prefloop.engine.djl.generate.Generator;
import dev.prefloop.engine.djl.generate.LinearMixing;
import dev.prefloop.engine.djl.generate.PerRequestMixing;
import dev.prefloop.engine.djl.generate.SamplingSettings;
import dev.prefloop.engine.djl.model.LlamaModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * SchemeSampler draws each prompt's responses under a {@link SampleScheme}. Every response is a
 * request (prompt id, sample index) to one of a few generators over the same loaded models; the
 * requests of a group of prompts are gathered per generator and decoded in batches, so what a
 * response samples depends only on the seed, iteration, prompt id and sample index. A group's
 * requests to one generator are decoded as one batch, and all responses that need both models
 * (PILAF's pi+ and pi-, hybrid's pair) share one lockstep batch with per-row weights
 * ({@link PerRequestMixing}), so PILAF's interpolated half costs one pass of each model per step.
 *
 * <p>With a reference loaded for ref_logps, policy responses run the two models in lockstep with
 * weights (1, 0): h_theta * 1 + h_ref * 0 is h_theta exactly, so the tokens equal those of the
 * policy alone, and the reference's log-probability comes with the same pass. Without it, policy
 * responses cost one forward pass per token, which is what makes PILAF's vanilla half cheap.
 */
final class SchemeSampler {

    private final SampleScheme scheme;
    private final int n;
    private final double beta;
    private final long iteration;
    private final long seed;
    private final boolean refLogps;
    private final Generator policy;
    private final List<LlamaModel> both;
    private final SamplingSettings decoding;
    private final Set<Long> eos;
    private final Detokenizer detok;

    SchemeSampler(SampleSettings s, LlamaModel policyModel, LlamaModel refModel, Set<Long> eos, Detokenizer detok) {
        this.scheme = s.scheme();
        this.n = s.n();
        this.beta = s.beta();
        this.iteration = s.iteration();
        this.seed = s.decoding().seed();
        this.refLogps = s.writesRefLogps();
        SamplingSettings d = withSeed(s.decoding(), SampleSeeds.iterationSeed(seed, iteration));
        this.both = refModel == null ? null : List.of(policyModel, refModel);
        this.decoding = d;
        this.eos = eos;
        this.detok = detok;
        this.policy = refLogps ? new Generator(both, new LinearMixing(1, 0), d, eos, detok)
                : Generator.single(policyModel, d, eos, detok);
    }

    private static SamplingSettings withSeed(SamplingSettings d, long seed) {
        return new SamplingSettings(d.temperature(), d.top_k(), d.top_p(), d.min_p(), d.repetition_penalty(),
                d.max_new_tokens(), d.stop_strings(), seed);
    }

    /** The responses of every prompt, in prompt order; each list in the order the record writes them. */
    List<List<SampledResponse>> sample(List<SamplePrompt> prompts) {
        Plan plan = new Plan(prompts.size());
        for (int p = 0; p < prompts.size(); p++) {
            SamplePrompt q = prompts.get(p);
            switch (scheme) {
                case VANILLA, BEST_OF_N -> {
                    for (int k = 0; k < n; k++) {
                        plan.add(policy, "pi", p, q, k);
                    }
                }
                case PILAF -> {
                    if (SampleSeeds.interpolated(seed, iteration, q.id())) {
                        plan.mixed(LinearMixing.pilafOptimistic(beta), "pi+", p, q, 0);
                        plan.mixed(LinearMixing.pilafConservative(beta), "pi-", p, q, 1);
                    } else if (refLogps) {
                        // policy rows in the lockstep batch: the reference pass they need anyway is shared
                        plan.mixed(new LinearMixing(1, 0), "pi", p, q, 0);
                        plan.mixed(new LinearMixing(1, 0), "pi", p, q, 1);
                    } else {
                        plan.add(policy, "pi", p, q, 0);
                        plan.add(policy, "pi", p, q, 1);
                    }
                }
                case HYBRID -> {
                    plan.mixed(new LinearMixing(1, 0), "pi", p, q, 0);
                    plan.mixed(new LinearMixing(0, 1), "ref", p, q, 1);
                }
            }
        }
        List<List<SampledResponse>> out = plan.run();
        if (scheme == SampleScheme.BEST_OF_N) {
            out.replaceAll(this::bestAndWorst);
        }
        return out;
    }

    /** The DPO implicit reward beta * (logp_pi - logp_ref) of a response. */
    double implicitReward(SampledResponse r) {
        return beta * (r.logp() - r.refLogp());
    }

    private List<SampledResponse> bestAndWorst(List<SampledResponse> all) {
        // ties keep the earlier sample, so the choice is reproducible
        Comparator<SampledResponse> byReward = Comparator.comparingDouble(this::implicitReward);
        SampledResponse best = all.get(0);
        SampledResponse worst = all.get(0);
        for (SampledResponse r : all) {
            if (byReward.compare(r, best) > 0) {
                best = r;
            }
            if (byReward.compare(r, worst) < 0) {
                worst = r;
            }
        }
        return List.of(best, worst);
    }

    /** The requests of a group, per generator, with where each response goes. */
    private final class Plan {
        final List<Generator> generators = new ArrayList<>();
        final List<List<GenerationRequest>> requests = new ArrayList<>();
        final List<List<int[]>> slots = new ArrayList<>();
        final List<List<String>> labels = new ArrayList<>();
        final SampledResponse[][] responses;
        final List<double[]> mixedWeights = new ArrayList<>();

        Plan(int prompts) {
            responses = new SampledResponse[prompts][];
        }

        /** A response of the group's one lockstep batch, its logits mixed by {@code mixing}'s weights. */
        void mixed(LinearMixing mixing, String label, int prompt, SamplePrompt q, int index) {
            add(null, label, prompt, q, index);
            mixedWeights.add(mixing.weights());
        }

        /** A response of generator {@code g}; null for the lockstep batch. */
        void add(Generator g, String label, int prompt, SamplePrompt q, int index) {
            int i = generators.indexOf(g);
            if (i < 0) {
                generators.add(g);
                requests.add(new ArrayList<>());
                slots.add(new ArrayList<>());
                labels.add(new ArrayList<>());
                i = generators.size() - 1;
            }
            if (responses[prompt] == null) {
                responses[prompt] = new SampledResponse[scheme == SampleScheme.VANILLA
                        || scheme == SampleScheme.BEST_OF_N ? n : 2];
            }
            requests.get(i).add(new GenerationRequest(q.id(), index, q.ids()));
            slots.get(i).add(new int[] {prompt, index});
            labels.get(i).add(label);
        }

        List<List<SampledResponse>> run() {
            for (int i = 0; i < generators.size(); i++) {
                // one batch per generator: chunking a generator's share again would leave the smaller
                // shares in extra, emptier forward passes
                Generator lane = generators.get(i) != null ? generators.get(i)
                        : new Generator(both, new PerRequestMixing(mixedWeights), decoding, eos, detok);
                List<Generation> got = lane.generate(requests.get(i));
                for (int k = 0; k < got.size(); k++) {
                    Generation g = got.get(k);
                    int[] at = slots.get(i).get(k);
                    double ref = refLogps || generators.get(i) != policy ? g.modelLogps()[1] : Double.NaN;
                    responses[at[0]][at[1]] = new SampledResponse(labels.get(i).get(k), g, ref);
                }
            }
            List<List<SampledResponse>> out = new ArrayList<>(responses.length);
            for (SampledResponse[] r : responses) {
                out.add(new ArrayList<>(Arrays.asList(r)));
            }
            return out;
        }
    }
}
