package dev.prefloop.engine.djl.train;

import dev.prefloop.engine.djl.loss.LossSettings;
import dev.prefloop.engine.djl.text.TokenizationOptions;
import java.nio.file.Path;
import java.util.List;

/**
 * PreferenceTrainingSettings: everything {@code prefloop train} was asked to do.
 *
 * @param model the policy's starting model directory
 * @param reference the reference model directory, or null: the starting policy is the reference
 * @param data the pairs dataset argument (file, directory, glob)
 * @param out the output directory
 * @param device cpu, cuda[:N] or auto
 * @param args the optimisation settings
 * @param losses loss names (several are summed with lossWeights, as DPOTrainer's loss_type list)
 * @param lossWeights one weight per loss, or null for 1.0 each
 * @param useWeighting WPO's pair weights (TRL use_weighting)
 * @param rpoAlpha RPO's NLL weight (TRL rpo_alpha), or NaN for none: adds the sft loss with this weight
 * @param ldAlpha LD-DPO's weight of the tokens past the shared length (TRL ld_alpha), or NaN for none
 * @param lossSettings the loss hyperparameters
 * @param tokenization chat-template variables and clock for text records (no limits: max_length and
 *     max_prompt_length truncate)
 * @param resume continue from OUT's latest checkpoint
 * @param force replace a non-empty OUT
 * @param lora LoRA training instead of full fine-tuning, or {@link LoraSettings#NONE}
 */
public record PreferenceTrainingSettings(Path model, Path reference, String data, Path out, String device,
        TrainingArguments args, List<String> losses, double[] lossWeights, boolean useWeighting, double rpoAlpha,
        double ldAlpha, LossSettings lossSettings, TokenizationOptions tokenization, boolean resume, boolean force,
        LoraSettings lora) {

    /** Full fine-tuning settings. */
    public PreferenceTrainingSettings(Path model, Path reference, String data, Path out, String device,
            TrainingArguments args, List<String> losses, double[] lossWeights, boolean useWeighting, double rpoAlpha,
            double ldAlpha, LossSettings lossSettings, TokenizationOptions tokenization, boolean resume, boolean force) {
        this(model, reference, data, out, device, args, losses, lossWeights, useWeighting, rpoAlpha, ldAlpha,
                lossSettings, tokenization, resume, force, LoraSettings.NONE);
    }
}
