package dev.prefloop.engine.djl.train;

import dev.prefloop.core.error.UsageException;
import dev.prefloop.engine.djl.loss.LossRegistry;
import dev.prefloop.engine.djl.loss.LossSettings;
import dev.prefloop.engine.djl.text.TokenizationOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * TrainingOptions turns the options of {@code train} and {@code sft} (snake_case name to text, the command line
 * over {@code --config}) into settings: training arguments, losses and loss hyperparameters, with TRL's names.
 * No option is silently ignored: an unknown name, or a loss hyperparameter no chosen loss reads, is a usage error.
 */
public final class TrainingOptions {

    /** Preference options beside the loss hyperparameters of LossSettings. */
    private static final Set<String> LOSS_CHOICE = Set.of("loss", "loss_type", "loss_weights", "use_weighting",
            "rpo_alpha", "ld_alpha");

    /** TRL's name of the extra chat-template variables, --config's and the command line's. */
    private static final String CHAT_TEMPLATE_KWARGS = "chat_template_kwargs";

    private TrainingOptions() {}

    /** {@code prefloop train}'s settings. */
    public static PreferenceTrainingSettings preference(Path model, Path reference, String data, Path out,
            String device, boolean resume, boolean force, TokenizationOptions tokenization, Map<String, String> options) {
        return preference(model, reference, data, out, device, resume, force, tokenization, options, null, null, null);
    }

    /**
     * {@code prefloop train}'s settings with LoRA's path and dtype options: {@code adapter} continues an adapter,
     * {@code refAdapter} is the reference's, {@code dtype} the --dtype text (each null when not given).
     */
    public static PreferenceTrainingSettings preference(Path model, Path reference, String data, Path out,
            String device, boolean resume, boolean force, TokenizationOptions tokenization, Map<String, String> options,
            Path adapter, Path refAdapter, String dtype) {
        Map<String, String> rest = new LinkedHashMap<>(options);
        tokenization = withKwargs(tokenization, rest);
        LoraSettings lora = LoraSettings.take(rest, adapter, refAdapter, dtype);
        String lossText = firstOf(rest, "loss", "loss_type");
        List<String> losses = lossText == null ? List.of("sigmoid") : split(lossText);
        String weightsText = rest.remove("loss_weights");
        double[] weights = weightsText == null ? null : split(weightsText).stream()
                .mapToDouble(v -> OptionText.number("loss_weights", v)).toArray();
        String weighting = rest.remove("use_weighting");
        boolean useWeighting = weighting != null && OptionText.bool("use_weighting", weighting);
        String rpo = rest.remove("rpo_alpha");
        double rpoAlpha = rpo == null ? Double.NaN : OptionText.number("rpo_alpha", rpo);
        String ld = rest.remove("ld_alpha");
        double ldAlpha = ld == null ? Double.NaN : OptionText.number("ld_alpha", ld);
        LossSettings.Builder b = new LossSettings.Builder();
        Set<String> given = new LinkedHashSet<>();
        for (String name : LossSettings.names()) {
            String v = rest.remove(name);
            if (v != null) {
                b.set(name, v);
                given.add(name);
            }
        }
        requireUsed(losses, given);
        TrainingArguments args = TrainingArguments.from(requireKnown(rest, "train"), false);
        return new PreferenceTrainingSettings(require(model, "--model"), reference, require(data, "--data"),
                require(out, "--out"), device, args, losses, weights, useWeighting, rpoAlpha, ldAlpha, b.build(),
                tokenization, resume, force, lora);
    }

    /** {@code prefloop sft}'s settings. */
    public static SftTrainingSettings sft(Path model, String data, Path out, String device, boolean resume,
            boolean force, TokenizationOptions tokenization, Map<String, String> options) {
        return sft(model, data, out, device, resume, force, tokenization, options, null, null);
    }

    /** {@code prefloop sft}'s settings with LoRA's --adapter and --dtype (null when not given). */
    public static SftTrainingSettings sft(Path model, String data, Path out, String device, boolean resume,
            boolean force, TokenizationOptions tokenization, Map<String, String> options, Path adapter, String dtype) {
        Map<String, String> rest = new LinkedHashMap<>(options);
        tokenization = withKwargs(tokenization, rest);
        LoraSettings lora = LoraSettings.take(rest, adapter, null, dtype);
        String packingText = rest.remove("packing");
        boolean packing = packingText != null && OptionText.bool("packing", packingText);
        TrainingArguments args = TrainingArguments.from(requireKnown(rest, "sft"), true);
        if (packing && args.maxLength() <= 0) {
            throw new UsageException("--packing needs --max-length > 0 (the packed row length)");
        }
        return new SftTrainingSettings(require(model, "--model"), require(data, "--data"), require(out, "--out"),
                device, args, packing, tokenization, resume, force, lora);
    }

    /** chat_template_kwargs from --config (or the command line, which wins) in place of the mixin's. */
    private static TokenizationOptions withKwargs(TokenizationOptions t, Map<String, String> rest) {
        String kwargs = rest.remove(CHAT_TEMPLATE_KWARGS);
        return kwargs == null ? t : new TokenizationOptions(t.maxPromptTokens(), t.maxCompletionTokens(), kwargs,
                t.now());
    }

    /** Every option name sft accepts in snake_case. */
    public static Set<String> sftNames() {
        Set<String> s = new LinkedHashSet<>(TrainingArguments.names());
        s.add("packing");
        s.add(CHAT_TEMPLATE_KWARGS);
        s.addAll(LoraSettings.names());
        return s;
    }

    /** Every option name train accepts in snake_case (for --config checks and help). */
    public static Set<String> preferenceNames() {
        Set<String> s = new LinkedHashSet<>(LOSS_CHOICE);
        s.addAll(LossSettings.names());
        s.addAll(IopoSchedule.names());
        s.addAll(TrainingArguments.names());
        s.add(CHAT_TEMPLATE_KWARGS);
        s.addAll(LoraSettings.names());
        return s;
    }

    /** A UsageException for a given loss hyperparameter that none of the losses reads (beta is read by all). */
    static void requireUsed(List<String> losses, Set<String> given) {
        Set<String> used = new LinkedHashSet<>();
        for (String l : losses) {
            used.addAll(LossRegistry.entry(l).uses());
        }
        for (String g : given) {
            if (!used.contains(g)) {
                throw new UsageException("--" + g.replace('_', '-') + " is not used by --loss " + String.join(",", losses)
                        + " (it reads: " + String.join(", ", used).replace('_', '-') + ")");
            }
        }
    }

    private static Map<String, String> requireKnown(Map<String, String> rest, String verb) {
        for (String k : rest.keySet()) {
            if (!TrainingArguments.names().contains(k)) {
                throw new UsageException(verb + ": unknown option '" + k + "' (from --config or the command line)");
            }
        }
        return rest;
    }

    private static String firstOf(Map<String, String> m, String a, String b) {
        String x = m.remove(a);
        String y = m.remove(b);
        if (x != null && y != null) {
            throw new UsageException("give the losses once: --loss or loss_type, not both");
        }
        return x != null ? x : y;
    }

    private static List<String> split(String text) {
        List<String> out = new ArrayList<>();
        for (String s : text.split(",")) {
            if (!s.isBlank()) {
                out.add(s.trim());
            }
        }
        if (out.isEmpty()) {
            throw new UsageException("--loss: at least one loss name is required");
        }
        return out;
    }

    private static <T> T require(T value, String option) {
        if (value == null) {
            throw new UsageException(option + " is required");
        }
        return value;
    }
}
