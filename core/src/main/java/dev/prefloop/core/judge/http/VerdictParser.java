package dev.prefloop.core.judge.http;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * VerdictParser reads "A" or "B" out of an LLM judge's answer, in this order: the answer is the
 * letter alone (quotes, brackets, markdown and a trailing period allowed); it holds MT-Bench's
 * {@code [[A]]} / {@code [[B]]}; exactly one of the standalone capital letters A and B occurs in it.
 * Anything else (both letters, neither) is not a verdict.
 */
public final class VerdictParser {

    private static final Pattern BARE = Pattern.compile("^[\\s\"'`*\\[\\](){}<>]*(?:response\\s+|answer:?\\s*)?([AaBb])[\\s\"'`*\\[\\](){}<>.!]*$",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern MT_BENCH = Pattern.compile("\\[\\[([AB])]]");
    private static final Pattern LETTER = Pattern.compile("\\b([AB])\\b");

    private VerdictParser() {}

    /** 'A' or 'B', or empty when the answer is not a verdict. */
    public static Optional<Character> parse(String answer) {
        if (answer == null) {
            return Optional.empty();
        }
        Matcher bare = BARE.matcher(answer.strip());
        if (bare.matches()) {
            return Optional.of(Character.toUpperCase(bare.group(1).charAt(0)));
        }
        Matcher mt = MT_BENCH.matcher(answer);
        Character found = null;
        while (mt.find()) {
            char c = mt.group(1).charAt(0);
            if (found != null && found != c) {
                return Optional.empty();
            }
            found = c;
        }
        if (found != null) {
            return Optional.of(found);
        }
        Matcher l = LETTER.matcher(answer);
        while (l.find()) {
            char c = l.group(1).charAt(0);
            if (found != null && found != c) {
                return Optional.empty();
            }
            found = c;
        }
        return Optional.ofNullable(found);
    }
}
