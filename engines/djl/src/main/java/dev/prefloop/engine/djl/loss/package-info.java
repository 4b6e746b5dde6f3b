/**
 * Preference losses over per-sequence log-probabilities, one small class per loss (shared/specs/losses.md).
 *
 * <p>A {@link dev.prefloop.engine.djl.loss.PreferenceBatch} holds the summed log-probabilities of N pairs (policy
 * and reference, chosen and rejected, each of shape (N)) plus what some losses need (lengths, WPO weights, SGDPO
 * pilots, XPO's reference marker). A {@link dev.prefloop.engine.djl.loss.PreferenceLoss} turns it into per-pair
 * values whose mean is the batch loss, with the rewards and logps TRL logs
 * ({@link dev.prefloop.engine.djl.loss.LossOutput}). {@link dev.prefloop.engine.djl.loss.LossRegistry} maps each
 * {@code --loss} name (TRL's {@code loss_type} where one exists) to its class and combines DPOTrainer losses with
 * {@code loss_weights} and {@code use_weighting}; {@link dev.prefloop.engine.djl.loss.LossSettings} holds the
 * hyperparameters under TRL's names and defaults.
 *
 * <p>Semantics are TRL &gt;= 0.29's. Where prefloop deliberately differs: discopop's exponential term and AlphaPO's
 * reward shape use overflow-free forms (equal wherever TRL's are finite); option values TRL only warns about
 * (robust with label_smoothing &gt;= 0.5, label_smoothing outside [0, 0.5]) are usage errors; TRL &lt;= 0.28
 * behaviours live under names of their own ({@code cdpo}, {@code bco_pair_legacy}, {@code kto_pair}); CPOTrainer's
 * sigmoid/hinge/ipo are {@code cpo_sigmoid}/{@code cpo_hinge}/{@code cpo_ipo}, as DPOTrainer owns those names.
 *
 * <p>Every constant is a native tensor ({@link dev.prefloop.engine.djl.loss.NativeConstants}) and every log/exp a
 * stable form ({@link dev.prefloop.engine.djl.loss.StableOps}), so the losses may run inside a GradientCollector.
 */
package dev.prefloop.engine.djl.loss;
