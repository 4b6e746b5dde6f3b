package dev.prefloop.core.judge.exec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prefloop.core.data.JsonCodec;
import dev.prefloop.core.judge.JudgeException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.Writer;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * ExecChannel talks JSON Lines with a judge command run by {@code /bin/sh -c}: requests on its
 * stdin, answers (any order, one per request, each with the request's {@code id}) on its stdout,
 * diagnostics on its stderr (the tail is kept for error messages). The command runs once for the
 * whole run, or once per batch with stdin closed after the batch for scripts that read to the end.
 */
final class ExecChannel implements AutoCloseable {

    /** Marks the end of the command's stdout in the line queue. */
    private static final String EOF = new String("<eof>");
    private static final int STDERR_LINES = 20;

    private final String command;
    private final boolean perBatch;
    private final Duration timeout;
    private final ObjectMapper json = JsonCodec.mapper();

    private Process process;
    private Writer stdin;
    private BlockingQueue<String> stdout;
    private Deque<String> stderrTail;
    private Thread stderrReader;
    private long answerLine;

    ExecChannel(String command, boolean perBatch, Duration timeout) {
        this.command = command;
        this.perBatch = perBatch;
        this.timeout = timeout;
    }

    /** Sends the requests (each with a unique string {@code id}) and returns every answer by id. */
    Map<String, JsonNode> ask(List<ObjectNode> requests) {
        Set<String> pending = new LinkedHashSet<>();
        for (ObjectNode r : requests) {
            pending.add(r.get("id").asText());
        }
        Map<String, JsonNode> answers = new HashMap<>();
        if (requests.isEmpty()) {
            return answers;
        }
        if (process != null && !process.isAlive()) {
            // A long-lived judge that went away between batches crashed or quit early: say so, do not restart it.
            throw failure("exited between batches", pending, true);
        }
        if (process == null) {
            start();
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            for (ObjectNode r : requests) {
                stdin.write(json.writeValueAsString(r));
                stdin.write('\n');
            }
            stdin.flush();
            if (perBatch) {
                stdin.close();
            }
        } catch (IOException e) {
            // The command stopped reading: usually it died; its exit status and stderr say why.
            throw failure("stopped reading its requests (" + e.getMessage() + ")", pending, true);
        }
        while (!pending.isEmpty()) {
            String line = poll(deadline, pending);
            if (line == EOF) {
                throw failure("closed its output before answering", pending, true);
            }
            answerLine++;
            if (line.isBlank()) {
                continue;
            }
            JsonNode a;
            try {
                a = json.readTree(line);
            } catch (JsonProcessingException e) {
                throw failure("wrote a malformed answer on stdout line " + answerLine + ": " + clip(line)
                        + " (expected one JSON object per line; write diagnostics to stderr)", pending, false);
            }
            if (a == null || !a.isObject() || !a.has("id") || !(a.get("id").isTextual() || a.get("id").isNumber())) {
                throw failure("wrote an answer without an id on stdout line " + answerLine + ": " + clip(line), pending, false);
            }
            String id = a.get("id").asText();
            if (answers.containsKey(id)) {
                throw failure("answered request '" + id + "' twice (stdout line " + answerLine + ")", pending, false);
            }
            if (!pending.remove(id)) {
                throw failure("answered request '" + id + "', which was not asked in this batch (stdout line "
                        + answerLine + ")", pending, false);
            }
            answers.put(id, a);
        }
        if (perBatch) {
            finishBatchProcess(deadline);
        }
        return answers;
    }

    private void start() {
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", command);
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new JudgeException("exec judge '" + command + "': cannot start: " + e.getMessage(), e);
        }
        stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        stdout = new LinkedBlockingQueue<>();
        stderrTail = new ArrayDeque<>();
        answerLine = 0;
        BlockingQueue<String> out = stdout;
        Deque<String> err = stderrTail;
        Process p = process;
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) {
                    out.add(l);
                }
            } catch (IOException e) {
                // the process went away; EOF below says so
            }
            out.add(EOF);
        }, "exec-judge-stdout");
        Thread errReader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) {
                    synchronized (err) {
                        err.addLast(l);
                        if (err.size() > STDERR_LINES) {
                            err.removeFirst();
                        }
                    }
                }
            } catch (IOException e) {
                // nothing more to keep
            }
        }, "exec-judge-stderr");
        reader.setDaemon(true);
        errReader.setDaemon(true);
        stderrReader = errReader;
        reader.start();
        errReader.start();
    }

    private String poll(long deadline, Set<String> pending) {
        try {
            String line = stdout.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (line == null) {
                String hint = stderrHint();
                kill();
                throw new JudgeException("exec judge '" + command + "': no answer within " + timeout.toSeconds()
                        + " s (--judge-timeout) for request '" + pending.iterator().next() + "'"
                        + (pending.size() > 1 ? " and " + (pending.size() - 1) + " more of this batch" : "") + hint);
            }
            return line;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill();
            throw new JudgeException("exec judge '" + command + "': interrupted", e);
        }
    }

    private void finishBatchProcess(long deadline) {
        try {
            if (!process.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                String hint = stderrHint();
                kill();
                throw new JudgeException("exec judge '" + command + "': answered but did not exit within "
                        + timeout.toSeconds() + " s (--judge-timeout)" + hint);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill();
            throw new JudgeException("exec judge '" + command + "': interrupted", e);
        }
        if (process.exitValue() != 0) {
            throw new JudgeException("exec judge '" + command + "': exited with status " + process.exitValue()
                    + " after answering the batch" + stderrHint());
        }
        process = null;
    }

    /** The error for a failed batch; {@code ending} when the process is going away by itself (its status is worth a wait). */
    private JudgeException failure(String what, Set<String> pending, boolean ending) {
        String status = "";
        try {
            if (ending && process.waitFor(2, TimeUnit.SECONDS)) {
                status = " (exit status " + process.exitValue() + ")";
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        String hint = stderrHint();
        kill();
        String first = pending.isEmpty() ? "" : "; first unanswered request: '" + pending.iterator().next() + "'"
                + (pending.size() > 1 ? " (" + pending.size() + " unanswered in this batch)" : "");
        return new JudgeException("exec judge '" + command + "' " + what + status + first + hint);
    }

    /** The tail of stderr; taken before {@link #kill}, since destroying a process closes its streams. */
    private String stderrHint() {
        // The reader may still be collecting the last lines of a process that just ended.
        try {
            if (stderrReader != null && process != null && !process.isAlive()) {
                stderrReader.join(1000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (stderrTail) {
            return stderrTail.isEmpty() ? "" : "; its stderr ends with:\n  " + String.join("\n  ", stderrTail);
        }
    }

    private static String clip(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }

    private void kill() {
        if (process != null && process.isAlive()) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
    }

    @Override
    public void close() {
        if (process == null) {
            return;
        }
        try {
            OutputStream in = process.getOutputStream();
            in.close(); // a long-lived judge sees EOF and may exit cleanly
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                kill();
            }
        } catch (IOException e) {
            kill();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill();
        }
        process = null;
    }
}
