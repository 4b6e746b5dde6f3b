package dev.prefloop.engine.djl.train;

import dev.prefloop.engine.djl.text.TokenizationOptions;
import java.nio.file.Path;

/**
 * SftTrainingSettings: everything {@code prefloop sft} was asked to do.
 *
 * @param model the starting model directory
 * @param data the prompt-completion dataset argument
 * @param out the output directory
 * @param device cpu, cuda[:N] or auto
 * @param args the optimisation settings
 * @param packing TRL's {@code packing}: records share rows (best-fit decreasing) without seeing each other
 * @param tokenization chat-template variables and clock for text records (no limits: max_length and
 *     max_prompt_length truncate)
 * @param resume continue from OUT's latest checkpoint
 * @param force replace a non-empty OUT
 * @param lora LoRA training instead of full fine-tuning, or {@link LoraSettings#NONE}
 */
public record SftTrainingSettings(Path model, String data, Path out, String device, TrainingArguments args,
        boolean packing, TokenizationOptions tokenization, boolean resume, boolean force, LoraSettings lora) {

    /** Full fine-tuning settings. */
    public SftTrainingSettings(Path model, String data, Path out, String device, TrainingArguments args,
            boolean packing, TokenizationOptions tokenization, boolean resume, boolean force) {
        this(model, data, out, device, args, packing, tokenization, resume, force, LoraSettings.NONE);
    }
}
