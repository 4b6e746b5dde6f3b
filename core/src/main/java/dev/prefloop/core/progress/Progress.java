package dev.prefloop.core.progress;

/** Progress receives how far a long piece of work has come; the CLI shows it as a bar or log lines. */
public interface Progress {

    /** Begins a task; {@code total} is the expected number of units, or -1 when unknown. */
    void start(String task, String unit, long total);

    /** Adds {@code n} finished units. */
    void advance(long n);

    /** Ends the task. */
    void finish();

    /** A Progress that shows nothing (for tests and --quiet runs). */
    Progress NONE = new Progress() {
        @Override
        public void start(String task, String unit, long total) {}

        @Override
        public void advance(long n) {}

        @Override
        public void finish() {}
    };
}
