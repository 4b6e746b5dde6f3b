package dev.prefloop.core.progress;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * ConsoleProgress draws a one-line bar (count, rate, ETA) on a terminal, or, when stderr is not a
 * terminal, prints a plain line at most every {@code logEveryMillis} so logs stay readable.
 */
public final class ConsoleProgress implements Progress {

    private final PrintStream err;
    private final boolean terminal;
    private final long logEveryMillis;
    private final LongSupplier clock;
    private String task;
    private String unit;
    private long total;
    private long done;
    private long startedAt;
    private long lastShown;

    public ConsoleProgress(PrintStream err, boolean terminal, long logEveryMillis, LongSupplier clockMillis) {
        this.err = err;
        this.terminal = terminal;
        this.logEveryMillis = logEveryMillis;
        this.clock = clockMillis;
    }

    @Override
    public void start(String task, String unit, long total) {
        this.task = task;
        this.unit = unit;
        this.total = total;
        this.done = 0;
        this.startedAt = clock.getAsLong();
        this.lastShown = startedAt;
    }

    @Override
    public void advance(long n) {
        done += n;
        long now = clock.getAsLong();
        long every = terminal ? 200 : logEveryMillis;
        if (now - lastShown >= every) {
            lastShown = now;
            show(now, false);
        }
    }

    @Override
    public void finish() {
        long now = clock.getAsLong();
        // In logs a summary line is only worth it for work that took a while.
        if (task != null && (terminal || now - startedAt >= 1000)) {
            show(now, true);
        }
        task = null;
    }

    private void show(long now, boolean last) {
        double secs = Math.max(1e-3, (now - startedAt) / 1000.0);
        double rate = done / secs;
        StringBuilder line = new StringBuilder(task).append(": ");
        if (total > 0) {
            double frac = Math.min(1.0, (double) done / total);
            if (terminal) {
                int width = 24;
                int filled = (int) Math.round(frac * width);
                line.append('[').append("#".repeat(filled)).append(" ".repeat(width - filled)).append("] ");
            }
            line.append(String.format(Locale.ROOT, "%d/%d %s (%.0f%%)", done, total, unit, 100 * frac));
        } else {
            line.append(done).append(' ').append(unit);
        }
        line.append(String.format(Locale.ROOT, ", %.1f %s/s", rate, unit));
        if (total > 0 && !last && rate > 0) {
            line.append(", ETA ").append(duration((total - done) / rate));
        } else if (last) {
            line.append(", ").append(duration(secs));
        }
        if (terminal) {
            err.print("\r\033[K" + line + (last ? "\n" : ""));
        } else {
            err.println(line);
        }
        err.flush();
    }

    private static String duration(double secs) {
        long s = Math.round(secs);
        return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60)
                : s >= 60 ? String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60)
                : String.format(Locale.ROOT, "%.1fs", secs);
    }
}
