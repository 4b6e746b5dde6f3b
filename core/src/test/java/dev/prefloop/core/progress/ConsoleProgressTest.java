package dev.prefloop.core.progress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ConsoleProgressTest {

    @Test
    void logModePrintsAPlainLineAtMostEveryIntervalWithRateAndEta() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        AtomicLong now = new AtomicLong(0);
        ConsoleProgress p = new ConsoleProgress(new PrintStream(buf, true, StandardCharsets.UTF_8), false, 10_000, now::get);
        p.start("convert", "records", 1000);
        for (int i = 0; i < 100; i++) {
            now.addAndGet(1000);
            p.advance(5);
        }
        p.finish();
        String[] lines = buf.toString(StandardCharsets.UTF_8).split("\n");
        assertEquals(11, lines.length, buf.toString(StandardCharsets.UTF_8));
        assertEquals("convert: 50/1000 records (5%), 5.0 records/s, ETA 3m10s", lines[0]);
        assertTrue(lines[10].startsWith("convert: 500/1000 records (50%), 5.0 records/s, 1m40s"), lines[10]);
    }

    @Test
    void terminalModeRedrawsOneLineWithABar() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        AtomicLong now = new AtomicLong(0);
        ConsoleProgress p = new ConsoleProgress(new PrintStream(buf, true, StandardCharsets.UTF_8), true, 10_000, now::get);
        p.start("inspect", "records", -1);
        now.set(500);
        p.advance(10);
        p.finish();
        String out = buf.toString(StandardCharsets.UTF_8);
        assertTrue(out.startsWith("\r\033[Kinspect: 10 records, 20.0 records/s"), out);
        assertTrue(out.endsWith("\n"));
    }
}
