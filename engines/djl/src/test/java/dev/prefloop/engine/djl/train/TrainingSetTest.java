package dev.prefloop.engine.djl.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.prefloop.core.data.DatasetLocator;
import dev.prefloop.core.error.DataException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Truncation as TRL does it, bad records counted and skipped, malformed records named. */
class TrainingSetTest {

    @TempDir
    Path tmp;

    private List<TokenizedPair> pairs(String jsonl, Truncation t, SkippedRecords skipped) {
        Path f = SyntheticData.write(tmp.resolve("pairs.jsonl"), jsonl);
        return TrainingSet.pairs(DatasetLocator.locate(f.toString()), new IdsRecordSource(50), t, skipped);
    }

    @Test
    void thePromptKeepsItsEndAndTheCompletionItsStart() {
        SkippedRecords skipped = new SkippedRecords();
        List<TokenizedPair> p = pairs("""
                {"prompt_ids": [1, 2, 3, 4, 5], "chosen_ids": [6, 7, 8, 9], "rejected_ids": [10], "ref_chosen_logps": -1.5, "ref_rejected_logps": -2}
                {"prompt_ids": [1, 2], "chosen_ids": [6], "rejected_ids": [7], "ref_chosen_logps": -1.5, "ref_rejected_logps": -2}
                """, new Truncation(6, 3), skipped);
        assertArrayEquals(new long[] {3, 4, 5}, p.get(0).prompt());
        assertArrayEquals(new long[] {6, 7, 8}, p.get(0).chosen());
        assertArrayEquals(new long[] {10}, p.get(0).rejected());
        // Truncated records lose their reference logps (they described other tokens); whole ones keep them.
        assertEquals(Double.NaN, p.get(0).refChosen());
        assertEquals(-1.5, p.get(1).refChosen());
        assertEquals(0, skipped.total());
    }

    @Test
    void emptyResponsesIdenticalPairsAndOverlongPromptsAreCountedNotFatal() {
        SkippedRecords skipped = new SkippedRecords();
        List<TokenizedPair> p = pairs("""
                {"prompt_ids": [1, 2, 3, 4, 5, 6], "chosen_ids": [6], "rejected_ids": [7]}
                {"prompt_ids": [1], "chosen_ids": [], "rejected_ids": [7]}
                {"prompt_ids": [1], "chosen_ids": [4, 5], "rejected_ids": [4, 5]}
                {"prompt_ids": [1], "chosen_ids": [4, 5], "rejected_ids": [4, 6]}
                """, new Truncation(6, 0), skipped);
        assertEquals(1, p.size());
        assertEquals(1, skipped.count(Truncation.Skip.OVERLONG_PROMPT));
        assertEquals(1, skipped.count(Truncation.Skip.EMPTY_RESPONSE));
        assertEquals(1, skipped.count(Truncation.Skip.MISMATCHED_PAIR));
        assertEquals(3, skipped.total());
    }

    @Test
    void aDatasetWithNothingUsableIsADataErrorSayingWhy() {
        DataException e = assertThrows(DataException.class, () -> pairs("""
                {"prompt_ids": [1], "chosen_ids": [], "rejected_ids": [7]}
                """, new Truncation(0, 0), new SkippedRecords()));
        assertEquals("pairs.jsonl: no usable records (skipped: {empty response=1})", e.getMessage().replaceAll(".*/", ""));
    }

    @Test
    void malformedRecordsNameFileRecordAndField() {
        DataException missing = assertThrows(DataException.class, () -> pairs("""
                {"prompt_ids": [1], "chosen_ids": [2]}
                """, new Truncation(0, 0), new SkippedRecords()));
        assertEquals("pairs.jsonl, line 1: field 'rejected_ids' is missing", missing.getMessage().replaceAll(".*/", ""));
        DataException range = assertThrows(DataException.class, () -> pairs("""
                {"prompt_ids": [1], "chosen_ids": [2], "rejected_ids": [3, 50]}
                """, new Truncation(0, 0), new SkippedRecords()));
        assertEquals("pairs.jsonl, line 1: field 'rejected_ids'[1]: expected a token id in [0, 50), got 50",
                range.getMessage().replaceAll(".*/", ""));
        DataException text = assertThrows(DataException.class, () -> pairs("""
                {"prompt": "hi", "chosen": "a", "rejected": "b"}
                """, new Truncation(0, 0), new SkippedRecords()));
        assertEquals("pairs.jsonl, line 1: field 'prompt_ids' is missing (text fields need a tokenizer; give token ids)",
                text.getMessage().replaceAll(".*/", ""));
    }

    @Test
    void sftRecordsTruncateTheSameWay() {
        Path f = SyntheticData.write(tmp.resolve("sft.jsonl"), """
                {"prompt_ids": [1, 2, 3], "completion_ids": [4, 5, 6]}
                {"completion_ids": [7, 8]}
                {"prompt_ids": [1, 2, 3, 4], "completion_ids": [5]}
                {"completion_ids": [9]}
                """);
        SkippedRecords skipped = new SkippedRecords();
        List<TokenizedCompletion> c = TrainingSet.completions(DatasetLocator.locate(f.toString()),
                new IdsRecordSource(50), new Truncation(4, 0), skipped);
        assertEquals(2, c.size());
        assertArrayEquals(new long[] {4}, c.get(0).completion());
        // Without a prompt the first token is context, not a target: nothing predicts it.
        assertArrayEquals(new long[] {7}, c.get(1).prompt());
        assertArrayEquals(new long[] {8}, c.get(1).completion());
        assertEquals(1, skipped.count(Truncation.Skip.OVERLONG_PROMPT));
        assertEquals(1, skipped.count(Truncation.Skip.EMPTY_RESPONSE));
    }
}
