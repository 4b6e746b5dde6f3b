package dev.prefloop.core.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.prefloop.core.error.UsageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetLocatorTest {

    @TempDir
    Path tmp;

    private List<String> names(String arg) {
        return DatasetLocator.locate(arg).stream().map(s -> tmp.relativize(s.path()).toString()).toList();
    }

    @Test
    void directoriesListDataFilesInNameOrderSkippingHiddenAndMetadata() throws IOException {
        Files.createDirectories(tmp.resolve("d/sub"));
        for (String f : List.of("d/part-00001.jsonl", "d/part-00000.arrow", "d/sub/x.parquet", "d/_manifest.json",
                "d/.part-00002.jsonl.tmp-1", "d/dataset_info.json", "d/README.md", "d/b.jsonl.gz")) {
            Files.writeString(tmp.resolve(f), "");
        }
        assertEquals(List.of("d/b.jsonl.gz", "d/part-00000.arrow", "d/part-00001.jsonl", "d/sub/x.parquet"),
                names(tmp.resolve("d").toString()));
    }

    @Test
    void globsMatchBelowTheirFixedPrefix() throws IOException {
        Files.createDirectories(tmp.resolve("data"));
        for (String f : List.of("data/train-0.parquet", "data/train-1.parquet", "data/test-0.parquet")) {
            Files.writeString(tmp.resolve(f), "");
        }
        assertEquals(List.of("data/train-0.parquet", "data/train-1.parquet"), names(tmp + "/data/train-*.parquet"));
        UsageException e = assertThrows(UsageException.class, () -> DatasetLocator.locate(tmp + "/data/dev-*.parquet"));
        assertTrue(e.getMessage().endsWith("the pattern matches no data files"));
    }

    @Test
    void missingUnknownAndEmptyInputsAreUsageErrors() throws IOException {
        assertEquals(2, assertThrows(UsageException.class, () -> DatasetLocator.locate(tmp + "/nope.jsonl")).exitCode());
        Files.writeString(tmp.resolve("x.csv"), "a,b");
        assertTrue(assertThrows(UsageException.class, () -> DatasetLocator.locate(tmp + "/x.csv")).getMessage()
                .contains("unknown data file type"));
        Files.createDirectories(tmp.resolve("empty"));
        assertTrue(assertThrows(UsageException.class, () -> DatasetLocator.locate(tmp + "/empty")).getMessage()
                .contains("holds no data files"));
    }

    @Test
    void sliceSpecParsesAndReadsSchedulerEnvironments() {
        assertEquals(new SliceSpec(2, 4), SliceSpec.parse("2/4", Map.of()));
        assertEquals(new SliceSpec(1, 3), SliceSpec.parse("auto",
                Map.of("SLURM_ARRAY_TASK_ID", "2", "SLURM_ARRAY_TASK_COUNT", "3", "SLURM_ARRAY_TASK_MIN", "1")));
        assertEquals(new SliceSpec(0, 2), SliceSpec.parse("auto", Map.of("JOB_COMPLETION_INDEX", "0",
                "PREFLOOP_SHARD_COUNT", "2")));
        assertThrows(UsageException.class, () -> SliceSpec.parse("4/4", Map.of()));
        assertThrows(UsageException.class, () -> SliceSpec.parse("x", Map.of()));
        assertThrows(UsageException.class, () -> SliceSpec.parse("auto", Map.of()));
    }
}
