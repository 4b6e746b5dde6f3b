package dev.prefloop.cli;

import dev.prefloop.core.progress.ConsoleProgress;
import dev.prefloop.core.progress.Progress;

/** ConsoleProgressFactory picks the progress display: a bar on a terminal, log lines every 10 s otherwise. */
final class ConsoleProgressFactory {

    private ConsoleProgressFactory() {}

    static Progress stderr() {
        return new ConsoleProgress(System.err, System.console() != null, 10_000, System::currentTimeMillis);
    }
}
