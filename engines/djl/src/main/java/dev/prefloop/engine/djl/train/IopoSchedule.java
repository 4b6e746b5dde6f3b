package dev.prefloop.engine.djl.train;

import dev.prefloop.core.error.UsageException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * IopoSchedule: IOPO's game (Alg. 1): N_iter rounds of N_mu protagonist steps against the frozen adversary, then
 * N_nu adversary steps against the frozen protagonist; the last adversary phase, which cannot change the
 * protagonist, is skipped unless asked.
 *
 * @param stepsMu N_mu, optimizer steps per protagonist phase (0: one epoch of the pairs)
 * @param stepsNu N_nu, optimizer steps per adversary phase (0: one epoch)
 * @param rounds N_iter (2)
 * @param finalAdversaryPhase whether the last round's adversary phase runs
 * @param zeroSum whether the adversary trains on swapped preferences (y_l preferred) instead of mirroring
 * @param adversaryModel the adversary's initial checkpoint (null: the protagonist's, --model)
 * @param given the options that were given (snake_case), to refuse them when the loss is not iopo
 */
public record IopoSchedule(long stepsMu, long stepsNu, int rounds, boolean finalAdversaryPhase, boolean zeroSum,
        Path adversaryModel, Set<String> given) {

    /** The two players. */
    public enum Player {
        /** mu, the deliverable. */
        PROTAGONIST,
        /** nu. */
        ADVERSARY;

        /** The name in metrics and directories. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** One phase: its index from 0, the player that trains and its optimizer steps. */
    public record Phase(int index, Player player, long steps) {

        /** The phase's directory name under OUT/iopo. */
        public String dirName() {
            return "phase-" + index + "-" + player.label();
        }
    }

    private static final Set<String> NAMES = Set.of("iopo_steps_mu", "iopo_steps_nu", "iopo_rounds",
            "iopo_final_adversary_phase", "adversary_objective");

    /** The schedule as a run's manifest records it (the phases it plays decide the output). */
    public Map<String, Object> manifestOptions() {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("iopo_steps_mu", stepsMu);
        m.put("iopo_steps_nu", stepsNu);
        m.put("iopo_rounds", rounds);
        m.put("iopo_final_adversary_phase", finalAdversaryPhase);
        m.put("adversary_objective", zeroSum ? "zero-sum" : "mirror");
        return m;
    }

    /** The option names (snake_case) this schedule reads. */
    public static Set<String> names() {
        return NAMES;
    }

    /** Takes this schedule's options out of {@code options}; a UsageException for a bad value. */
    public static IopoSchedule take(Map<String, String> options, Path adversaryModel) {
        Set<String> given = given(options, adversaryModel);
        long mu = count(options.remove("iopo_steps_mu"), "iopo_steps_mu");
        long nu = count(options.remove("iopo_steps_nu"), "iopo_steps_nu");
        String roundsText = options.remove("iopo_rounds");
        int rounds = roundsText == null ? 2 : (int) count(roundsText, "iopo_rounds");
        if (rounds < 1) {
            throw new UsageException("iopo_rounds: must be >= 1, got " + roundsText);
        }
        String last = options.remove("iopo_final_adversary_phase");
        boolean finalPhase = last != null && switch (last.trim().toLowerCase(Locale.ROOT)) {
            case "true", "" -> true;
            case "false" -> false;
            default -> throw new UsageException("iopo_final_adversary_phase: expected true or false, got '" + last + "'");
        };
        String objective = options.remove("adversary_objective");
        boolean zeroSum = switch (objective == null ? "mirror" : objective.trim()) {
            case "mirror" -> false;
            case "zero-sum" -> true;
            default -> throw new UsageException("adversary_objective: unknown value '" + objective
                    + "'; expected mirror or zero-sum");
        };
        return new IopoSchedule(mu, nu, rounds, finalPhase, zeroSum, adversaryModel, Set.copyOf(given));
    }

    /** A UsageException when an IOPO option was given for another loss. */
    public void requireUnused(List<String> losses) {
        if (!given.isEmpty()) {
            throw new UsageException("--" + given.iterator().next().replace('_', '-') + " is read by --loss iopo only,"
                    + " not by --loss " + String.join(",", losses));
        }
    }

    private static Set<String> given(Map<String, String> options, Path adversaryModel) {
        Set<String> g = new LinkedHashSet<>();
        for (String n : NAMES) {
            if (options.containsKey(n)) {
                g.add(n);
            }
        }
        if (adversaryModel != null) {
            g.add("adversary_model");
        }
        return g;
    }

    /** The phases in order, with 0 step counts resolved to {@code stepsPerEpoch}. */
    public List<Phase> phases(long stepsPerEpoch) {
        List<Phase> out = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            out.add(new Phase(out.size(), Player.PROTAGONIST, stepsMu > 0 ? stepsMu : stepsPerEpoch));
            if (round < rounds - 1 || finalAdversaryPhase) {
                out.add(new Phase(out.size(), Player.ADVERSARY, stepsNu > 0 ? stepsNu : stepsPerEpoch));
            }
        }
        return out;
    }

    private static long count(String text, String name) {
        if (text == null) {
            return 0;
        }
        try {
            long v = Long.parseLong(text.trim());
            if (v < 0) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new UsageException(name + ": expected a whole number >= 0, got '" + text + "'");
        }
    }
}
