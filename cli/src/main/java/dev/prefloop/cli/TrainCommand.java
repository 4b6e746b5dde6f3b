package dev.prefloop.cli;

import dev.prefloop.engine.djl.loss.LossRegistry;
import dev.prefloop.engine.djl.train.IopoSchedule;
import dev.prefloop.engine.djl.train.IopoTraining;
import dev.prefloop.engine.djl.train.PreferenceTraining;
import dev.prefloop.engine.djl.train.PreferenceTrainingSettings;
import dev.prefloop.engine.djl.train.TrainResult;
import dev.prefloop.engine.djl.train.TrainingOptions;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** TrainCommand is {@code prefloop train}: preference training with TRL's losses. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Train a policy on preference pairs with DPO or another of TRL's preference losses.",
        description = {"Reads pairs (prompt, chosen, rejected as strings or message lists, or their token ids"
                + " prompt_ids, chosen_ids, rejected_ids, which win where present; optional ref_chosen_logps and"
                + " ref_rejected_logps as prefloop score writes them) and trains --model with --loss. Text is"
                + " tokenized with --model's tokenizer and chat template exactly as prefloop tokenize does (TRL's"
                + " DPOTrainer tokenisation); then the prompt keeps its last --max-prompt-length tokens and each"
                + " completion is cut so that prompt + completion fit --max-length. Reference"
                + " log-probabilities come from the data, else from one pass of --ref (or of --model itself) before"
                + " training, cached in OUT/ref_logps.safetensors, so no reference model stays in memory. Chosen and"
                + " rejected go through the model in one concatenated pass; sums run over completion tokens only.",
                "",
                "Options carry TRL's DPOConfig/TrainingArguments names in kebab-case; --config FILE.yaml takes the"
                + " same keys (snake_case too). A loss option the chosen losses do not read is an error, never"
                + " ignored: --label-smoothing with sigmoid gives conservative DPO (the cdpo loss), as TRL <= 0.28"
                + " did. --list-losses prints every loss.",
                "",
                "OUT receives the final model (Hugging Face layout), checkpoint-N directories as TRL's Trainer lays them"
                + " out (weights, optimizer, scheduler, RNG, trainer_state.json) and metrics.jsonl (step, epoch, loss,"
                + " learning_rate, grad_norm, tokens_per_second, rewards/chosen|rejected|margins|accuracies,"
                + " logps/chosen|rejected), one line per --logging-steps window. Records whose prompt fills"
                + " --max-length, whose completion is empty, or whose two completions are identical are skipped and"
                + " counted. OUT/_manifest.json, written last, records options, data, model, tokenizer and reference"
                + " fingerprints: the same run again does nothing.",
                "",
                "Seed methods: --loss sgdpo (--r1, --r2) draws pilot sub-sequences each step and caches the reference's"
                + " per-token log-probabilities in OUT/ref_token_logps.safetensors; --loss xpo (--xpo-alpha) needs"
                + " pairs whose generator_chosen/generator_rejected (or generators) name one side 'ref'; --loss iopo"
                + " plays protagonist against adversary in alternating phases (--iopo-steps-mu, --iopo-steps-nu,"
                + " --iopo-rounds), the frozen player as reference, phases under OUT/iopo, the protagonist at OUT and"
                + " the adversary at OUT/adversary.",
                ""})
public final class TrainCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--list-losses", description = "Print every loss, one line each, and exit.")
    boolean listLosses;

    @Option(names = "--loss", paramLabel = "L[,L...]", description = "The loss (default sigmoid = DPO); several, comma-separated, are summed with --loss-weights as DPOTrainer's loss_type list.")
    String loss;

    @Option(names = "--loss-weights", paramLabel = "W[,W...]", description = "One weight per --loss (default 1 each).")
    String lossWeights;

    @Option(names = "--use-weighting", description = "WPO: weight each pair by its policy probability factor (TRL use_weighting).")
    boolean useWeighting;

    @Option(names = "--rpo-alpha", paramLabel = "A", description = "RPO: add A x the chosen completions' NLL (the sft loss) to the loss.")
    String rpoAlpha;

    @Option(names = "--ld-alpha", paramLabel = "A", description = "LD-DPO: past the shorter completion's length,"
            + " tokens count A times in the policy's and the reference's sums (TRL ld_alpha, in [0, 1]).")
    String ldAlpha;

    @Option(names = "--ref", paramLabel = "DIR", description = "Reference model directory (default: --model, the starting policy).")
    Path ref;

    @Option(names = "--beta", paramLabel = "B", description = "KL strength beta (default 0.1); every loss reads it.")
    String beta;

    @Option(names = "--label-smoothing", paramLabel = "EPS", description = "Label noise eps in [0, 0.5] (default 0): sigmoid -> conservative DPO (cdpo), robust, exo_pair, aot, cpo_sigmoid, simpo.")
    String labelSmoothing;

    @Option(names = "--discopop-tau", paramLabel = "TAU", description = "discopop's temperature (default 0.05).")
    String discopopTau;

    @Option(names = "--f-divergence-type", paramLabel = "F", description = "reverse_kl (default), forward_kl, js_divergence or alpha_divergence, for the losses on Delta.")
    String fDivergenceType;

    @Option(names = "--f-alpha-divergence-coef", paramLabel = "A", description = "alpha_divergence's coefficient (default 0.5).")
    String fAlphaDivergenceCoef;

    @Option(names = "--simpo-gamma", paramLabel = "G", description = "SimPO/AlphaPO target margin gamma (default 0.5).")
    String simpoGamma;

    @Option(names = "--cpo-alpha", paramLabel = "A", description = "Weight of the CPO family's NLL term (default 1.0).")
    String cpoAlpha;

    @Option(names = "--alpha", paramLabel = "A", description = "AlphaPO's reward shape alpha (default 0; alphapo needs != 0).")
    String alpha;

    @Option(names = "--r1", paramLabel = "R", description = "SGDPO: chosen pilot fraction r1 in (0, 1] (default 0.6): k_w = max(floor(m r1), 1) positions of y_w, m the shorter completion's length.")
    String r1;

    @Option(names = "--r2", paramLabel = "R", description = "SGDPO: rejected pilot fraction r2 in (0, 1] (default 0.9): k_l = max(floor(m r2), 1) positions of y_l.")
    String r2;

    @Option(names = "--xpo-alpha", paramLabel = "A", description = "XPO: weight alpha of the optimism term alpha x logp(policy, y_ref) on the reference model's completion (default 5e-6, PILAF's experiments; TRL's XPOConfig default is 1e-5). Pairs must say which side is the reference's: generator_chosen/generator_rejected (or generators) with one 'ref'.")
    String xpoAlpha;

    @Option(names = "--epsilon", paramLabel = "EPS", description = "IOPO: clip epsilon of the importance weight w = min(r, clip(r, 1-eps, 1+eps)) (default 0.3, the paper's).")
    String epsilon;

    @Option(names = "--iopo-weight", paramLabel = "W", description = "IOPO: the ratio r (Eq. 11): adversary (default) = frozen(y_w)/frozen(y_l), constant in a phase; learner = learner(y_l)/frozen(y_l), detached.")
    String iopoWeight;

    @Option(names = "--iopo-ratio", paramLabel = "R", description = "IOPO: sequence (default, the paper): log r over whole sequences, so |log r| < eps is rare and w acts as a filter (about 0 where the frozen player strongly prefers y_l, else 1+eps); mean-token: log r divided by the mean completion length, so the clip bites.")
    String iopoRatio;

    @Option(names = "--iopo-reset-nats", paramLabel = "LO,HI", description = "IOPO: r is reset to 1 (never clamped) when log r < LO or > HI or NaN (default -103.97,88.72: where float32 exp gives 0 or infinity).")
    String iopoResetNats;

    @Option(names = "--adversary-objective", paramLabel = "O", description = "IOPO: mirror (default; the adversary trains on the same preferences against the frozen protagonist) or zero-sum (on swapped preferences, y_l preferred, r swapped too).")
    String adversaryObjective;

    @Option(names = "--iopo-steps-mu", paramLabel = "N", description = "IOPO: N_mu, optimizer steps per protagonist phase (default: one epoch of the pairs).")
    String iopoStepsMu;

    @Option(names = "--iopo-steps-nu", paramLabel = "N", description = "IOPO: N_nu, optimizer steps per adversary phase (default: one epoch).")
    String iopoStepsNu;

    @Option(names = "--iopo-rounds", paramLabel = "N", description = "IOPO: N_iter, rounds of a protagonist then an adversary phase (default 2).")
    String iopoRounds;

    @Option(names = "--iopo-final-adversary-phase", description = "IOPO: also run the last round's adversary phase (skipped by default: it cannot change the protagonist).")
    boolean iopoFinalAdversaryPhase;

    @Option(names = "--adversary-model", paramLabel = "DIR", description = "IOPO: the adversary's initial checkpoint (default: --model).")
    Path adversaryModel;

    @Option(names = "--ref-adapter", paramLabel = "DIR", description = "With LoRA: the reference is the base carrying this PEFT adapter (TRL ref_adapter_name) instead of the base with the trained adapter disabled.")
    Path refAdapter;

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
        if (listLosses) {
            LossRegistry.helpLines().forEach(spec.commandLine().getOut()::println);
            spec.commandLine().getOut().flush();
            return ExitCodes.OK;
        }
        Map<String, String> options = training.options(spec, TrainingOptions.preferenceNames());
        IopoSchedule iopo = IopoSchedule.take(options, adversaryModel);
        PreferenceTrainingSettings settings = TrainingOptions.preference(training.model, ref, training.data,
                training.out, training.device, training.resume, training.force, template.options(0, 0), options,
                lora.adapter, refAdapter, lora.dtype);
        TrainResult r;
        if (IopoTraining.isIopo(settings)) {
            r = new IopoTraining(ConsoleProgressFactory.stderr()).run(settings, iopo);
        } else {
            iopo.requireUnused(settings.losses());
            r = new PreferenceTraining(ConsoleProgressFactory.stderr()).run(settings);
        }
        json.print(spec.commandLine().getOut(), TrainingSummary.of("train", r));
        return ExitCodes.OK;
    }
}
