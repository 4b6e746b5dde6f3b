package dev.prefloop.engine.djl.text.tiny;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Learns byte-level BPE merges from a corpus, deterministically: text is split as the ByteLevel
 * pre-tokenizer splits it (GPT-2's pattern), each piece becomes its byte symbols, and the most
 * frequent adjacent pair is merged until the merge budget is spent or no pair occurs twice; ties go
 * to the pair whose "left right" string sorts first.
 */
final class BytePairTrainer {

    /** GPT-2's pre-tokenizer pattern, as the ByteLevel pre-tokenizer applies it (use_regex true). */
    private static final Pattern PIECES = Pattern.compile(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+");

    private BytePairTrainer() {}

    /** At most {@code maxMerges} merges, as pairs of symbols, in the order they were learned. */
    static List<String[]> learn(Iterable<String> corpus, int maxMerges) {
        // A word is a distinct pre-token; merges only ever happen inside one.
        Map<String, Integer> wordCounts = new TreeMap<>();
        for (String text : corpus) {
            Matcher m = PIECES.matcher(text);
            while (m.find()) {
                wordCounts.merge(ByteLevelAlphabet.encode(m.group()), 1, Integer::sum);
            }
        }
        List<List<String>> words = new ArrayList<>();
        List<Integer> counts = new ArrayList<>();
        wordCounts.forEach((w, c) -> {
            List<String> symbols = new ArrayList<>(w.length());
            w.chars().forEach(ch -> symbols.add(String.valueOf((char) ch)));
            words.add(symbols);
            counts.add(c);
        });
        List<String[]> merges = new ArrayList<>();
        while (merges.size() < maxMerges) {
            String[] best = mostFrequentPair(words, counts);
            if (best == null) {
                break;
            }
            merges.add(best);
            for (List<String> w : words) {
                mergeInPlace(w, best[0], best[1]);
            }
        }
        return merges;
    }

    private static String[] mostFrequentPair(List<List<String>> words, List<Integer> counts) {
        Map<String, Integer> pairs = new HashMap<>();
        Map<String, String[]> parts = new HashMap<>();
        for (int i = 0; i < words.size(); i++) {
            List<String> w = words.get(i);
            for (int j = 0; j + 1 < w.size(); j++) {
                String key = w.get(j) + " " + w.get(j + 1);
                pairs.merge(key, counts.get(i), Integer::sum);
                parts.putIfAbsent(key, new String[] {w.get(j), w.get(j + 1)});
            }
        }
        String bestKey = null;
        int bestCount = 1; // a pair seen once teaches nothing
        for (Map.Entry<String, Integer> e : pairs.entrySet()) {
            int c = e.getValue();
            if (c > bestCount || (c == bestCount && bestKey != null && e.getKey().compareTo(bestKey) < 0)) {
                bestKey = e.getKey();
                bestCount = c;
            }
        }
        return bestKey == null ? null : parts.get(bestKey);
    }

    private static void mergeInPlace(List<String> w, String left, String right) {
        for (int j = 0; j + 1 < w.size(); j++) {
            if (w.get(j).equals(left) && w.get(j + 1).equals(right)) {
                w.set(j, left + right);
                w.remove(j + 1);
            }
        }
    }
}
