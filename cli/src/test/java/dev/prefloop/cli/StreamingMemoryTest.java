package dev.prefloop.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 200,000 preference records (about 60 MB of JSON) go JSONL -> Arrow -> JSONL through a child JVM
 * capped at -Xmx256m: readers and writers must stream, not hold the dataset.
 */
@Tag("slow")
class StreamingMemoryTest {

    private static final int RECORDS = 200_000;

    @TempDir
    Path tmp;

    private int prefloop(Path log, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "--add-opens=java.base/java.nio=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                Prefloop.class.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("prefloop did not finish in 5 minutes");
        }
        return p.exitValue();
    }

    @Test
    void convertStreamsTwoHundredThousandRecordsIn256Megabytes() throws Exception {
        Path in = tmp.resolve("big.jsonl");
        String filler = "x".repeat(200);
        try (BufferedWriter w = Files.newBufferedWriter(in, StandardCharsets.UTF_8)) {
            for (int i = 0; i < RECORDS; i++) {
                w.write("{\"id\":" + i + ",\"prompt\":[{\"role\":\"user\",\"content\":\"question " + i + " " + filler
                        + "\"}],\"chosen\":[{\"role\":\"assistant\",\"content\":\"good " + i + "\"}],"
                        + "\"rejected\":[{\"role\":\"assistant\",\"content\":\"bad " + i + "\"}],\"meta\":{\"n\":" + i + "}}\n");
            }
        }
        Path log = tmp.resolve("log.txt");
        int a = prefloop(log, "convert", in.toString(), "--out", tmp.resolve("arrow").toString());
        assertEquals(0, a, Files.readString(log));
        int b = prefloop(log, "convert", tmp.resolve("arrow").toString(), "--out", tmp.resolve("back").toString(),
                "--format", "jsonl");
        assertEquals(0, b, Files.readString(log));
        try (var lines = Files.lines(tmp.resolve("back/part-00000.jsonl"))) {
            assertEquals(RECORDS, lines.count());
        }
    }
}
