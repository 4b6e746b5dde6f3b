package dev.prefloop.engine.djl.text;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** TruncationTally counts the tokens of tokenized records and what truncation dropped, for summaries and manifests. */
public final class TruncationTally {

    private long records;
    private long promptTokens;
    private long completionTokens;
    private long promptsTruncated;
    private long promptTokensDropped;
    private long completionsTruncated;
    private long completionTokensDropped;

    /** Counts one tokenized record. */
    public void add(TokenizedRecord t) {
        records++;
        if (t.prompt() != null) {
            promptTokens += t.prompt().ids().length;
            if (t.prompt().dropped() > 0) {
                promptsTruncated++;
                promptTokensDropped += t.prompt().dropped();
            }
        }
        for (TokenizedRecord.Completion c : t.completions()) {
            completionTokens += c.segment().ids().length;
            if (c.segment().dropped() > 0) {
                completionsTruncated++;
                completionTokensDropped += c.segment().dropped();
            }
        }
    }

    /** Records counted so far. */
    public long records() {
        return records;
    }

    /** The counts by name: records, prompt_tokens, completion_tokens, prompts_truncated, ... */
    public Map<String, Long> asMap() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("records", records);
        m.put("prompt_tokens", promptTokens);
        m.put("completion_tokens", completionTokens);
        m.put("prompts_truncated", promptsTruncated);
        m.put("prompt_tokens_dropped", promptTokensDropped);
        m.put("completions_truncated", completionsTruncated);
        m.put("completion_tokens_dropped", completionTokensDropped);
        return m;
    }

    /** One warning per kind of truncation that happened. */
    public List<String> warnings() {
        List<String> w = new ArrayList<>();
        if (promptsTruncated > 0) {
            w.add(promptsTruncated + " prompts truncated from the left to --max-prompt-tokens (" + promptTokensDropped
                    + " tokens dropped)");
        }
        if (completionsTruncated > 0) {
            w.add(completionsTruncated + " completions truncated from the right to --max-completion-tokens ("
                    + completionTokensDropped + " tokens dropped)");
        }
        return w;
    }
}
