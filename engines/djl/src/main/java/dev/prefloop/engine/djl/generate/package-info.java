/**
 * Generation: batched decoding with a KV cache, one model or several in lockstep.
 *
 * <p>{@link dev.prefloop.engine.djl.generate.Generator} is the decoding loop: left-padded prompts
 * are prefilled ({@code LlamaModel.prefill}), then each step mixes the models' raw logits
 * ({@link dev.prefloop.engine.djl.generate.LogitsMixing}; PILAF's pi+ and pi- are
 * {@link dev.prefloop.engine.djl.generate.LinearMixing}), runs the
 * {@link dev.prefloop.engine.djl.generate.LogitsPipeline} (repetition penalty, temperature, top-k,
 * top-p, min-p, in transformers' order), takes the argmax or draws by inverse CDF with one uniform
 * per row from the row's own stream ({@link dev.prefloop.engine.djl.generate.SequenceRandom}: seed,
 * record id, sample index), and feeds the token back ({@code LlamaModel.decodeStep}). Rows stop on
 * an EOS id ({@link dev.prefloop.engine.djl.generate.GenerationConfig}), a stop string (through a
 * {@link dev.prefloop.engine.djl.generate.Detokenizer}; unavailable for ids-only models) or
 * max_new_tokens, and leave the batch at once.
 *
 * <p>Not here: the sampling schemes (vanilla, pilaf, best-of-n, hybrid) and the {@code sample}
 * verb, which build on this; refilling freed batch slots with waiting prompts (finished rows are
 * dropped instead); typical/epsilon/eta warpers and no-repeat n-grams.
 */
package dev.prefloop.engine.djl.generate;
