package dev.prefloop.engine.djl.text.tokenize;

import java.util.List;
import java.util.Map;

/**
 * TokenizeResult says what a tokenize run did.
 *
 * @param upToDate the output already held this run's result; nothing was done
 * @param records records written
 * @param shards the shard files written
 * @param counts token and truncation counts (prompt_tokens, completion_tokens, prompts_truncated,
 *     prompt_tokens_dropped, completions_truncated, completion_tokens_dropped)
 * @param seconds wall time
 */
public record TokenizeResult(boolean upToDate, long records, List<String> shards, Map<String, Long> counts,
        double seconds) {}
