package dev.prefloop.engine.djl.train;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.IntStream;

/**
 * SftPacking puts SFT records into rows of at most max_length tokens by best-fit decreasing, TRL's {@code bfd}
 * packing strategy: longest record first, each into the fullest row it still fits. Deterministic.
 */
final class SftPacking {

    private SftPacking() {}

    /** Rows of record indices; every record lands in exactly one row. */
    static List<List<Integer>> pack(List<TokenizedCompletion> records, int maxLength) {
        int[] order = IntStream.range(0, records.size()).boxed()
                .sorted(Comparator.comparingInt((Integer i) -> -records.get(i).length()).thenComparingInt(i -> i))
                .mapToInt(Integer::intValue).toArray();
        List<List<Integer>> rows = new ArrayList<>();
        // remaining space -> rows with that much space left; best fit = the smallest space that is large enough
        TreeMap<Integer, List<Integer>> bySpace = new TreeMap<>();
        for (int i : order) {
            int len = records.get(i).length();
            var fit = bySpace.ceilingEntry(len);
            int row;
            if (fit == null) {
                row = rows.size();
                rows.add(new ArrayList<>());
                take(bySpace, Math.max(maxLength, len), row, -1);
                fit = bySpace.ceilingEntry(len);
            }
            row = fit.getValue().get(0);
            int space = fit.getKey();
            take(bySpace, space, row, row);
            rows.get(row).add(i);
            if (space - len > 0) {
                take(bySpace, space - len, row, -1);
            }
        }
        return rows;
    }

    /** Adds row to space's list (remove == -1) or removes it (remove == row). */
    private static void take(TreeMap<Integer, List<Integer>> bySpace, int space, int row, int remove) {
        List<Integer> rows = bySpace.computeIfAbsent(space, k -> new ArrayList<>());
        if (remove < 0) {
            rows.add(row);
        } else {
            rows.remove(Integer.valueOf(row));
            if (rows.isEmpty()) {
                bySpace.remove(space);
            }
        }
    }
}
