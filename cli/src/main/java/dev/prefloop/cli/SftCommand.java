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

/** SftCommand is {@code prefloop sft}: supervised fine-tuning on prompt-completion records. */
@Command(name = "sft", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Fine-tune a model on prompt-completion records, loss on the completion tokens only.",
        description = {"Reads records with prompt_ids (optional) and completion_ids and trains --model to predict"
                + " the completion: the loss is the completion tokens' negative log-likelihood, a token mean over each"
                + " optimizer step; prompt and padding are masked. Options carry TRL's SFTConfig/TrainingArguments"
                + " names in kebab-case; --config FILE.yaml takes the same keys. OUT receives the final model"
                + " (Hugging Face layout), checkpoint-N directories and metrics.jsonl, as for train. Records whose"
                + " prompt fills --max-length or whose completion is empty are skipped and counted.",
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
    JsonMixin json;

    @Override
    public Integer call() {
        TrainResult r = new SftTraining(ConsoleProgressFactory.stderr()).run(TrainingOptions.sft(training.model,
                training.data, training.out, training.device, training.resume, training.force,
                training.options(spec, TrainingOptions.sftNames())));
        json.print(spec.commandLine().getOut(), TrainingSummary.of("sft", r));
        return ExitCodes.OK;
    }
}
