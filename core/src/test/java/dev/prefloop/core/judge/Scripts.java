package dev.prefloop.core.judge;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Scripts writes small Python judge programs for tests and returns the command that runs them. */
public final class Scripts {

    private Scripts() {}

    /** Writes {@code body} (Python 3) to {@code dir/name} and returns "python3 -u PATH". */
    public static String python(Path dir, String name, String body) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, "import sys, json, os, time\n" + body);
        return "python3 -u '" + p + "'";
    }

    /**
     * A pairwise judge that prefers the longer response (p_a = 0.9, 0.1, or 0.5 for equal lengths),
     * answers each batch in reverse order, and appends every request id to {@code log} and its pid
     * to {@code starts} when it starts.
     */
    public static String longerWins(Path dir, Path log, Path starts) throws IOException {
        return python(dir, "longer.py", """
                open(%s, 'a').write(str(os.getpid()) + '\\n')
                for line in sys.stdin:
                    r = json.loads(line)
                    open(%s, 'a').write(r['id'] + '\\n')
                    a, b = len(r['response_a']), len(r['response_b'])
                    p = 0.5 if a == b else (0.9 if a > b else 0.1)
                    print(json.dumps({'id': r['id'], 'p_a': p}), flush=True)
                """.formatted(pyStr(starts), pyStr(log)));
    }

    /** A pointwise judge scoring len(response) * scale. */
    public static String lengthScore(Path dir, double scale) throws IOException {
        return python(dir, "score.py", """
                for line in sys.stdin:
                    r = json.loads(line)
                    print(json.dumps({'id': r['id'], 'score': len(r['response']) * %s}), flush=True)
                """.formatted(scale));
    }

    /** A Python string literal of a path. */
    public static String pyStr(Path p) {
        return "'" + p.toString().replace("\\", "\\\\").replace("'", "\\'") + "'";
    }
}
