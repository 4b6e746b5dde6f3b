package dev.prefloop.core.judge;

import dev.prefloop.core.error.UsageException;

/** JudgeSpec is a parsed {@code --judge KIND:TARGET}, e.g. {@code exec:'python3 judge.py'} or {@code rm-http:http://gpu:5000}. */
public record JudgeSpec(String kind, String target) {

    public JudgeSpec {
        if (kind.isEmpty() || target.isEmpty()) {
            throw new UsageException("--judge " + kind + ":" + target + ": expected KIND:TARGET, e.g. exec:'python3 judge.py',"
                    + " http:URL, rm-http:URL or rm:DIR");
        }
    }

    /** Splits at the first colon. */
    public static JudgeSpec parse(String text) {
        int colon = text.indexOf(':');
        if (colon <= 0) {
            throw new UsageException("--judge " + text + ": expected KIND:TARGET, e.g. exec:'python3 judge.py',"
                    + " http:URL, rm-http:URL or rm:DIR");
        }
        return new JudgeSpec(text.substring(0, colon).trim(), text.substring(colon + 1).trim());
    }

    @Override
    public String toString() {
        return kind + ":" + target;
    }
}
