package dev.prefloop.core.convert;

import dev.prefloop.core.records.RecordKind;
import java.util.Locale;

/**
 * KindRule is {@code --kind}: {@code auto} checks every record as the kind of the first one,
 * a named kind checks every record as that kind, {@code any} checks nothing (other data).
 */
public record KindRule(String name, RecordKind kind) {

    /** Detect from the first record. */
    public static final KindRule AUTO = new KindRule("auto", null);
    /** No record checks. */
    public static final KindRule ANY = new KindRule("any", null);

    /** Parses auto | any | prompt | sft | candidates | preference. */
    public static KindRule parse(String s) {
        String n = s.trim().toLowerCase(Locale.ROOT);
        if (n.equals("auto")) {
            return AUTO;
        }
        if (n.equals("any")) {
            return ANY;
        }
        try {
            return new KindRule(n, RecordKind.parse(n));
        } catch (IllegalArgumentException e) {
            throw new dev.prefloop.core.error.UsageException("--kind " + s
                    + ": expected auto, any, prompt, sft, candidates or preference");
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
