/**
 * Training: {@code prefloop sft} and {@code prefloop train}.
 *
 * <p>Data: a {@link dev.prefloop.engine.djl.train.TrainingRecordSource} turns records into token ids
 * ({@link dev.prefloop.engine.djl.train.IdsRecordSource} reads them; a text tokenizer plugs in there),
 * {@link dev.prefloop.engine.djl.train.TrainingSet} truncates as TRL and counts what it skips. A
 * {@link dev.prefloop.engine.djl.train.TrainingObjective} (SFT, packed SFT, preference) computes a micro-batch's
 * summed loss; {@link dev.prefloop.engine.djl.train.Trainer} runs the steps of a
 * {@link dev.prefloop.engine.djl.train.StepPlan} (seeded shuffling, batch x accumulation, token budget) with
 * {@link dev.prefloop.engine.djl.train.AdamW}, {@link dev.prefloop.engine.djl.train.GradientClipping} and an
 * {@link dev.prefloop.engine.djl.train.LrSchedule}, writing {@link dev.prefloop.engine.djl.train.MetricsLog} lines
 * and {@link dev.prefloop.engine.djl.train.TrainerCheckpoint}s that resume exactly.
 *
 * <p>Native memory: each step runs in an NDScope plus a sub-manager, each micro-batch in its own
 * GradientCollector; constants inside autograd are native scalars, never Java numbers (djl-notes.md 2.3).
 */
package dev.prefloop.engine.djl.train;
