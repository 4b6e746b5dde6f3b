package dev.prefloop.cli;

import dev.prefloop.engine.djl.train.SftTraining;
import dev.prefloop.engine.djl.train.TrainResult;
import dev.prefloop.engine.djl.train.TrainingOptions;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** SftCommand is {@code prefloop sft}: supervised fine-tuning on prompt-completion or messages records. */
@Command(name = "sft", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Fine-tune a model on prompt-completion or conversation records, loss on completions only.",
        description = {"Reads prompt-completion records (prompt and completion as strings or message lists, or"
                + " their token ids prompt_ids and completion_ids, which win where present) and trains --model to"
                + " predict the completion: the loss is the completion tokens' negative log-likelihood, a token mean"
                + " over each optimizer step; prompt and padding are masked. Text is tokenized with --model's"
                + " tokenizer and chat template exactly as prefloop tokenize does (TRL's SFTTrainer tokenisation).",
                "",
                "A messages record (a whole conversation) is one sequence whose loss reads its assistant turns only"
                + " (TRL's assistant_only_loss): the tokens inside the chat template's {%% generation %%} blocks when it"
                + " has them, else each assistant message's turn found by rendering the conversation up to it: the"
                + " text the conversation through that message adds after the conversation before it rendered with"
                + " the generation prompt (the assistant's words and the template's end-of-turn text, not the"
                + " header). A record whose turns do not fall on token boundaries is an error naming it. Records of"
                + " input_ids (prefloop tokenize's form of a conversation) train on every token, or on those"
                + " assistant_masks marks.",
                "",
                "The prompt keeps its last --max-prompt-length tokens and the completion is cut so that both fit"
                + " --max-length (a conversation is cut at --max-length). Options carry TRL's SFTConfig/TrainingArguments"
                + " names in kebab-case; --config FILE.yaml takes the same keys. OUT receives the final model"
                + " (Hugging Face layout), checkpoint-N directories, metrics.jsonl and _manifest.json, as for train"
                + " (the same run again does nothing). Records whose prompt fills --max-length or whose completion"
                + " (or every assistant token) is empty after truncation are skipped and counted.",
                ""})
public final class SftCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--packing", description = "Pack several records into each row of --max-length tokens (best-fit"
            + " decreasing, TRL's bfd); each record attends only to itself and restarts its positions, so only the"
            + " padding changes.")
    boolean packing;

    @Mixin
    TrainingMixin training;

    @Mixin
    LoraMixin lora;

    @Mixin
    ChatTemplateMixin template;

    @Mixin
    JsonMixin json;

    @Override
    public Integer call() {
        TrainResult r = new SftTraining(ConsoleProgressFactory.stderr()).run(TrainingOptions.sft(training.model,
                training.data, training.out, training.device, training.resume, training.force, template.options(0, 0),
                training.options(spec, TrainingOptions.sftNames()), lora.adapter, lora.dtype));
        json.print(spec.commandLine().getOut(), TrainingSummary.of("sft", r));
        return ExitCodes.OK;
    }
}
