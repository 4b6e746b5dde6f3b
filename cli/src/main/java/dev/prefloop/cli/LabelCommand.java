package dev.prefloop.cli;

import dev.prefloop.core.data.ShardFormat;
import dev.prefloop.core.judge.JudgeRegistry;
import dev.prefloop.core.label.LabelMode;
import dev.prefloop.core.label.LabelResult;
import dev.prefloop.core.label.LabelService;
import dev.prefloop.core.label.LabelSettings;
import dev.prefloop.core.label.Pairing;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** LabelCommand is {@code prefloop label}: judge candidates into preference pairs. */
@Command(name = "label", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Judge candidates into preference pairs (chosen, rejected) with a judge.",
        description = "Reads candidates records (prompt, completions, optional completions_ids, generators, scheme,"
                + " iteration) from CANDIDATES and writes one preference pair per record (or per pair of completions with"
                + " --pairing all) to DIR: prompt, chosen, rejected, chosen_ids/rejected_ids when the candidates carry"
                + " completions_ids, score_chosen/score_rejected (pointwise judges), p_chosen, the judge, the rule"
                + " combining both orders, the generators of each side, source and the candidates' other fields."
                + " Pairwise judges are asked both orders, (a, b) and (b, a), and p(a > b) is the mean of p(a, b) and"
                + " 1 - p(b, a), unless --single-order. Tied pairs (|p - 0.5| <= --tie-margin) are skipped and counted."
                + " The whole input is checked before the judge is asked anything; output is written atomically with a"
                + " manifest; an interrupted run resumes with --resume without asking the judge again.%n")
public final class LabelCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(LabelCommand.class);

    @Spec
    CommandSpec spec;

    @Option(names = {"-i", "--in"}, required = true, paramLabel = "CANDIDATES",
            description = "Candidates dataset: file, directory, glob, or - (JSON Lines on stdin).")
    String input;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "DIR",
            description = "Output directory of preference shards plus _manifest.json, written atomically.")
    String out;

    @Mixin
    JudgeMixin judge;

    @Option(names = "--pairing", paramLabel = "RULE", defaultValue = "best-worst",
            description = "Pairs from a record with more than two completions: best-worst (one pair: the highest"
                    + " against the lowest score, or mean win probability for pairwise judges, which are asked every"
                    + " pair), all (every pair), random (one seeded pair). Default: ${DEFAULT-VALUE}.")
    String pairing;

    @Option(names = "--mode", paramLabel = "MODE", defaultValue = "argmax",
            description = "argmax: the side with p > 0.5 is chosen; bt-sample: a is chosen with probability p(a > b),"
                    + " drawn from a stream seeded by (--seed, record id), like simulated annotators."
                    + " Default: ${DEFAULT-VALUE}.")
    String mode;

    @Option(names = "--tie-margin", paramLabel = "M", defaultValue = "0",
            description = "Pairs with |p - 0.5| <= M are ties and skipped (counted in the manifest). With argmax and"
                    + " M = 0 only p = 0.5 is a tie; bt-sample with M = 0 draws even at 0.5. Default: ${DEFAULT-VALUE}.")
    double tieMargin;

    @Option(names = "--single-order",
            description = "Ask pairwise judges one order only (half the requests; position bias stays).")
    boolean singleOrder;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0",
            description = "Seed of --pairing random and --mode bt-sample (per record: seed, id). Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "16",
            description = "Records per judge batch (one exec exchange, one journal append). Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(names = "--resume",
            description = "Reuse the judge answers an interrupted run of this slice journaled in DIR (hidden"
                    + " .label-journal*.jsonl), asking only what is missing.")
    boolean resume;

    @Mixin
    ShardOutputMixin output;

    @Mixin
    ShardMixin shard;

    @Mixin
    JsonMixin json;

    @Override
    public Integer call() {
        ShardFormat fmt = output.format();
        Map<String, String> env = System.getenv();
        LabelSettings settings = new LabelSettings(input, out, fmt, judge.spec(), judge.options(env),
                Pairing.parse(pairing), LabelMode.parse(mode), tieMargin, !singleOrder, seed, batchSize, shard.slice(),
                output.force, resume);
        LabelResult r = new LabelService(ConsoleProgressFactory.stderr(), JudgeRegistry.load()).run(settings);
        if (!r.upToDate()) {
            LOG.info("wrote {} pairs from {} records to {} ({} ties skipped; {} judge requests, {} answered by the journal: repeats of an identical request or, with --resume, earlier runs) in {}s",
                    r.pairs(), r.records(), out, r.ties(), r.asked(), r.reused(), String.format("%.2f", r.seconds()));
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("verb", "label");
        summary.put("status", r.upToDate() ? "up-to-date" : "done");
        summary.put("out", out);
        summary.put("records", r.records());
        summary.put("pairs", r.pairs());
        summary.put("ties_skipped", r.ties());
        summary.put("judge_requests", r.asked());
        summary.put("judge_requests_resumed", r.reused());
        summary.put("shards", r.shards());
        summary.put("seconds", r.seconds());
        json.print(spec.commandLine().getOut(), summary);
        return ExitCodes.OK;
    }
}
