package dev.prefloop.engine.djl.text;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prefloop.core.error.DataException;
import dev.prefloop.core.error.UsageException;
import dev.prefloop.engine.djl.text.template.ChatRequest;
import dev.prefloop.engine.djl.text.template.ChatTemplate;
import dev.prefloop.engine.djl.text.template.TemplateValues;
import dev.prefloop.engine.djl.text.template.TrackedRendering;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a record into token ids with the exact prompt/completion boundary, as TRL's DPOTrainer and
 * SFTTrainer tokenize it.
 *
 * <p>Standard (text) records: eos is appended to each completion that does not already end with it;
 * the prompt is tokenized with the tokenizer's own special tokens (bos where it adds one), then
 * prompt + completion is tokenized the same way and the completion's ids are what follows the
 * prompt's. Conversational records (message lists): the prompt is the chat template applied to the
 * prompt messages with the generation prompt, the completion the rest of the rendering of prompt +
 * completion messages; renderings are tokenized without added special tokens (the template writes
 * them). Where TRL only warns, a prompt whose text or tokens are not a prefix of the full
 * sequence's is a {@link DataException} naming the record. Preference records without a prompt get
 * TRL's extracted shared prefix. Ids a record already carries ({@code prompt_ids}, {@code chosen_ids},
 * ...) are used as they are. Truncation keeps the prompt's last and each completion's first tokens.
 */
public final class RecordTokenizer {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> PAIRED = List.of("completion", "chosen", "rejected");

    private final Tokenizer tokenizer;
    private final ChatTemplate template;
    private final Map<String, ?> chatTemplateKwargs;
    private final int maxPromptTokens;
    private final int maxCompletionTokens;
    private final Clock clock;
    private final String eos;

    /**
     * @param chatTemplateKwargs extra template variables for every record (a record's own
     *     {@code chat_template_kwargs} override them), TRL's chat_template_kwargs
     * @param maxPromptTokens keep at most this many prompt tokens (the last ones); 0 for no limit
     * @param maxCompletionTokens keep at most this many tokens of each completion (the first ones); 0 for no limit
     * @param clock what the template's {@code strftime_now} reads
     */
    public RecordTokenizer(Tokenizer tokenizer, ChatTemplate template, Map<String, ?> chatTemplateKwargs,
                           int maxPromptTokens, int maxCompletionTokens, Clock clock) {
        if (maxPromptTokens < 0 || maxCompletionTokens < 0) {
            throw new UsageException("--max-prompt-tokens and --max-completion-tokens take 0 (no limit) or more, got "
                    + maxPromptTokens + " and " + maxCompletionTokens);
        }
        this.tokenizer = tokenizer;
        this.template = template;
        this.chatTemplateKwargs = chatTemplateKwargs == null ? Map.of() : chatTemplateKwargs;
        this.maxPromptTokens = maxPromptTokens;
        this.maxCompletionTokens = maxCompletionTokens;
        this.clock = clock;
        this.eos = template.specialTokens().get("eos_token");
    }

    /**
     * Tokenizes one record; {@code where} names it in errors (file and line or record number).
     *
     * @throws DataException when the record's fields are missing or mixed (text and messages), the
     *     template fails on it, or the prompt is not a prefix of the full sequence
     */
    public TokenizedRecord tokenize(ObjectNode record, String where) {
        String name = where + idSuffix(record);
        if (record.hasNonNull("messages") && !record.has("prompt")) {
            return wholeConversation(record, name);
        }
        JsonNode prompt = record.get("prompt");
        Map<String, JsonNode> completions = new LinkedHashMap<>();
        for (String f : PAIRED) {
            if (record.hasNonNull(f) || record.hasNonNull(f + "_ids")) {
                completions.put(f, record.get(f));
            }
        }
        if (prompt == null && record.hasNonNull("chosen") && record.hasNonNull("rejected")
                && !record.has("prompt_ids")) {
            ImplicitPrompt split = ImplicitPrompt.extract(sameKind(name, completions.get("chosen"),
                    completions.get("rejected")), completions.get("rejected"));
            prompt = split.prompt();
            completions.put("chosen", split.chosen());
            completions.put("rejected", split.rejected());
        }
        if (prompt != null && !prompt.isNull() && !prompt.isTextual() && !prompt.isArray()) {
            throw new DataException(name + ", field prompt: expected a string or a list of messages, got "
                    + prompt.getNodeType().toString().toLowerCase());
        }
        boolean conversational = prompt != null && prompt.isArray();
        Rendered renderedPrompt = prompt == null || prompt.isNull() ? null
                : renderPrompt(prompt, conversational, !completions.isEmpty() || record.hasNonNull("completions")
                        || record.hasNonNull("completions_ids"), record, name);

        List<TokenizedRecord.Completion> out = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : completions.entrySet()) {
            String f = e.getKey();
            JsonNode ids = record.get(f + "_ids");
            out.add(new TokenizedRecord.Completion(f, -1, ids != null && !ids.isNull() ? given(ids, name, f + "_ids", false)
                    : completion(renderedPrompt, prompt, e.getValue(), conversational, record, name, f)));
        }
        JsonNode candidates = list(record, "completions", name);
        JsonNode idsList = list(record, "completions_ids", name);
        int n = Math.max(candidates == null ? 0 : candidates.size(), idsList == null ? 0 : idsList.size());
        for (int i = 0; i < n; i++) {
            JsonNode ids = idsList != null && i < idsList.size() ? idsList.get(i) : null;
            JsonNode text = candidates != null && i < candidates.size() ? candidates.get(i) : null;
            String f = "completions[" + i + "]";
            if ((ids == null || ids.isNull()) && (text == null || text.isNull())) {
                throw new DataException(name + ", field " + f + ": neither a completion nor its ids");
            }
            out.add(new TokenizedRecord.Completion("completions", i, ids != null && !ids.isNull()
                    ? given(ids, name, "completions_ids[" + i + "]", false)
                    : completion(renderedPrompt, prompt, text, conversational, record, name, f)));
        }
        JsonNode promptIds = record.get("prompt_ids");
        TokenizedRecord.Segment promptSegment;
        if (promptIds != null && !promptIds.isNull()) {
            promptSegment = given(promptIds, name, "prompt_ids", true);
        } else if (renderedPrompt != null) {
            promptSegment = truncated(renderedPrompt.text, renderedPrompt.ids, true);
        } else {
            throw new DataException(name + ": no prompt: expected a prompt (string or messages), prompt_ids, or "
                    + "chosen and rejected that share one");
        }
        return new TokenizedRecord(promptSegment, out, conversational);
    }

    private static JsonNode list(ObjectNode record, String field, String name) {
        JsonNode v = record.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isArray()) {
            throw new DataException(name + ", field " + field + ": expected a list, got "
                    + v.getNodeType().toString().toLowerCase());
        }
        return v;
    }

    /** A {@code messages} record: the whole conversation, no prompt (TRL's language-modelling case). */
    private TokenizedRecord wholeConversation(ObjectNode record, String name) {
        JsonNode messages = record.get("messages");
        if (!messages.isArray()) {
            throw new DataException(name + ", field messages: expected a list of messages, got "
                    + messages.getNodeType().toString().toLowerCase());
        }
        String text = render(messages, false, record, name);
        long[] ids = tokenizer.encode(text, false);
        return new TokenizedRecord(null, List.of(new TokenizedRecord.Completion("messages", -1,
                truncated(text, ids, false))), true);
    }

    /**
     * A {@code messages} record (a whole conversation) as ids with TRL's assistant_only_loss mask: 1 on the
     * tokens of assistant turns. A template with {@code {% generation %}} blocks marks them itself (every token
     * overlapping a block, as transformers' return_assistant_tokens_mask). Otherwise each assistant message's
     * turn is the text the conversation up to it adds after the rendering of the messages before it with the
     * generation prompt: what the model writes once prompted, its end-of-turn text included, the header not.
     * No truncation here; training truncates.
     *
     * @throws DataException when the record has no message list, the template fails, a prefix rendering is not
     *     a prefix of the whole conversation's, or a token straddles a turn's boundary (naming the record)
     */
    public MaskedConversation assistantMasked(ObjectNode record, String where) {
        String name = where + idSuffix(record);
        JsonNode messages = record.get("messages");
        if (messages == null || !messages.isArray()) {
            throw new DataException(name + ", field messages: expected a list of messages, got "
                    + (messages == null ? "nothing" : messages.getNodeType().toString().toLowerCase()));
        }
        ChatRequest whole = request(messages, false, false, record, name);
        if (template.hasGenerationBlocks(whole)) {
            TrackedRendering r = renderTracked(whole, name);
            TokenizedText tokens = tokenizer.tokenize(r.text(), false);
            int[] mask = new int[tokens.size()];
            for (int[] span : r.generationSpans()) {
                for (int i = 0; i < mask.length; i++) {
                    if (tokens.starts()[i] < span[1] && tokens.ends()[i] > span[0]) {
                        mask[i] = 1;
                    }
                }
            }
            return new MaskedConversation(r.text(), tokens.ids(), mask, true);
        }
        String text = renderTracked(whole, name).text();
        TokenizedText tokens = tokenizer.tokenize(text, false);
        int[] mask = new int[tokens.size()];
        for (int turn = 0; turn < messages.size(); turn++) {
            if (!"assistant".equals(messages.get(turn).path("role").asText(null))) {
                continue;
            }
            ArrayNode before = JsonNodeFactory.instance.arrayNode();
            for (int k = 0; k < turn; k++) {
                before.add(messages.get(k));
            }
            ArrayNode through = before.deepCopy().add(messages.get(turn));
            int start = turnBoundary(text, render(before, true, record, name), tokens, name, turn, "start");
            int end = turnBoundary(text, render(through, false, record, name), tokens, name, turn, "end");
            for (int i = 0; i < mask.length; i++) {
                if (tokens.starts()[i] >= start && tokens.starts()[i] < end) {
                    mask[i] = 1;
                }
            }
        }
        return new MaskedConversation(text, tokens.ids(), mask, false);
    }

    /** The character index where {@code prefix} ends in {@code text}, checked to fall between two tokens. */
    private static int turnBoundary(String text, String prefix, TokenizedText tokens, String name, int turn,
                                    String which) {
        if (!text.startsWith(prefix)) {
            throw new DataException(name + ", field messages[" + turn + "]: the chat template's rendering of the"
                    + " conversation up to this assistant turn's " + which + " is not a prefix of the whole"
                    + " conversation's (they differ at character " + commonPrefix(prefix, text) + ": "
                    + snippet(prefix, text) + "); the template rewrites earlier turns, so assistant tokens cannot be"
                    + " found by prefixes: give the template {% generation %} blocks");
        }
        int at = prefix.length();
        for (int i = 0; i < tokens.size(); i++) {
            if (tokens.starts()[i] < at && tokens.ends()[i] > at) {
                throw new DataException(name + ", field messages[" + turn + "]: token " + i + " spans the " + which
                        + " of the assistant turn (character " + at + "): the tokenizer merges text across the"
                        + " boundary, so the turn cannot be masked exactly");
            }
        }
        return at;
    }

    /**
     * A whole conversation as ids with its assistant mask.
     *
     * @param text the rendered conversation
     * @param ids its token ids (T)
     * @param assistantMask 1 on assistant tokens, 0 elsewhere (T)
     * @param fromGenerationBlocks whether the template's generation blocks gave the mask (else prefix renderings)
     */
    public record MaskedConversation(String text, long[] ids, int[] assistantMask, boolean fromGenerationBlocks) {}

    private Rendered renderPrompt(JsonNode prompt, boolean conversational, boolean hasCompletions, ObjectNode record,
                                  String name) {
        if (!conversational) {
            return new Rendered(prompt.textValue(), tokenizer.encode(prompt.textValue(), true));
        }
        String text;
        if (hasCompletions || prompt.isEmpty()) {
            text = render(prompt, true, record, name);
        } else {
            // a prompt-only record: TRL continues a final assistant message instead of starting a new turn
            String lastRole = prompt.get(prompt.size() - 1).path("role").asText("");
            text = lastRole.equals("assistant") ? render(prompt, false, true, record, name)
                    : render(prompt, true, record, name);
        }
        return new Rendered(text, tokenizer.encode(text, false));
    }

    private TokenizedRecord.Segment completion(Rendered prompt, JsonNode promptValue, JsonNode value,
                                               boolean conversational, ObjectNode record, String name, String field) {
        if (prompt == null) {
            throw new DataException(name + ", field " + field + ": a completion needs a prompt (string or messages)"
                    + " to be tokenized after; the record has neither prompt nor prompt text");
        }
        if (conversational != value.isArray() || (!conversational && !value.isTextual())) {
            throw new DataException(name + ", field " + field + ": expected " + (conversational
                    ? "a list of messages, as the prompt is" : "a string, as the prompt is") + ", got "
                    + value.getNodeType().toString().toLowerCase());
        }
        String fullText;
        long[] fullIds;
        String completionText;
        if (conversational) {
            ArrayNode all = JsonNodeFactory.instance.arrayNode();
            all.addAll((ArrayNode) promptValue);
            all.addAll((ArrayNode) value);
            fullText = render(all, false, record, name);
            if (!fullText.startsWith(prompt.text)) {
                throw new DataException(name + ", field " + field + ": the chat template's rendering of the prompt is"
                        + " not a prefix of its rendering of prompt + " + field + " (they differ at character "
                        + commonPrefix(prompt.text, fullText) + ": " + snippet(prompt.text, fullText)
                        + "): the template renders the prompt differently once a completion follows (it rewrites earlier"
                        + " turns, or its generation prompt is not how it opens an assistant turn), so the completion"
                        + " cannot be cut out exactly");
            }
            completionText = fullText.substring(prompt.text.length());
            fullIds = tokenizer.encode(fullText, false);
        } else {
            completionText = value.textValue();
            if (eos != null && !completionText.endsWith(eos)) {
                completionText += eos;
            }
            fullText = prompt.text + completionText;
            fullIds = tokenizer.encode(fullText, true);
        }
        if (fullIds.length < prompt.ids.length
                || !Arrays.equals(fullIds, 0, prompt.ids.length, prompt.ids, 0, prompt.ids.length)) {
            int at = 0;
            while (at < prompt.ids.length && at < fullIds.length && fullIds[at] == prompt.ids[at]) {
                at++;
            }
            throw new DataException(name + ", field " + field + ": the prompt's " + prompt.ids.length + " tokens are"
                    + " not a prefix of the tokens of prompt + " + field + " (they differ at token " + at
                    + "): the tokenizer merges text across the boundary, so the completion cannot be cut out exactly");
        }
        long[] ids = Arrays.copyOfRange(fullIds, prompt.ids.length, fullIds.length);
        return truncated(completionText, ids, false);
    }

    private String render(JsonNode messages, boolean addGenerationPrompt, ObjectNode record, String name) {
        return render(messages, addGenerationPrompt, false, record, name);
    }

    private String render(JsonNode messages, boolean addGenerationPrompt, boolean continueFinal, ObjectNode record,
                          String name) {
        return renderTracked(request(messages, addGenerationPrompt, continueFinal, record, name), name).text();
    }

    private TrackedRendering renderTracked(ChatRequest request, String name) {
        try {
            return template.renderTracked(request, clock);
        } catch (DataException e) {
            throw new DataException(name + ": the chat template failed: " + e.getMessage(), e);
        }
    }

    private ChatRequest request(JsonNode messages, boolean addGenerationPrompt, boolean continueFinal,
                                ObjectNode record, String name) {
        Map<String, Object> kwargs = new LinkedHashMap<>(chatTemplateKwargs);
        JsonNode own = record.get("chat_template_kwargs");
        if (own != null && !own.isNull()) {
            if (!own.isObject()) {
                throw new DataException(name + ", field chat_template_kwargs: expected an object, got "
                        + own.getNodeType().toString().toLowerCase());
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> m = (Map<String, Object>) TemplateValues.fromJson(own);
            kwargs.putAll(m);
        }
        return new ChatRequest((List<?>) TemplateValues.fromJson(messages), tools(record, name), null,
                addGenerationPrompt, continueFinal, null, kwargs);
    }

    /** A record's {@code tools}: a list, or a JSON string of one (as TRL accepts); an empty list is None. */
    private static List<?> tools(ObjectNode record, String name) {
        JsonNode tools = record.get("tools");
        if (tools == null || tools.isNull()) {
            return null;
        }
        if (tools.isTextual()) {
            try {
                tools = JSON.readTree(tools.textValue());
            } catch (JsonProcessingException e) {
                throw new DataException(name + ", field tools: a string that is not JSON: " + e.getOriginalMessage());
            }
        }
        if (!tools.isArray()) {
            throw new DataException(name + ", field tools: expected a list of tool schemas, got "
                    + tools.getNodeType().toString().toLowerCase());
        }
        // TRL passes `tools or None`: Llama's template renders tool boilerplate for an empty list
        return tools.isEmpty() ? null : (List<?>) TemplateValues.fromJson(tools);
    }

    private TokenizedRecord.Segment given(JsonNode ids, String name, String field, boolean isPrompt) {
        if (!ids.isArray()) {
            throw new DataException(name + ", field " + field + ": expected a list of token ids, got "
                    + ids.getNodeType().toString().toLowerCase());
        }
        long[] out = new long[ids.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode v = ids.get(i);
            if (!v.canConvertToLong() || !v.isIntegralNumber() || v.asLong() < 0) {
                throw new DataException(name + ", field " + field + "[" + i + "]: expected a token id (an integer"
                        + " >= 0), got " + v);
            }
            out[i] = v.asLong();
        }
        return truncated(tokenizer.decode(out, false), out, isPrompt);
    }

    private TokenizedRecord.Segment truncated(String text, long[] ids, boolean isPrompt) {
        int max = isPrompt ? maxPromptTokens : maxCompletionTokens;
        if (max == 0 || ids.length <= max) {
            return new TokenizedRecord.Segment(text, ids, 0);
        }
        // the prompt keeps its end (next to the completion), a completion its start
        long[] kept = isPrompt ? Arrays.copyOfRange(ids, ids.length - max, ids.length) : Arrays.copyOf(ids, max);
        return new TokenizedRecord.Segment(text, kept, ids.length - max);
    }

    private static JsonNode sameKind(String name, JsonNode chosen, JsonNode rejected) {
        boolean ok = (chosen.isTextual() && rejected.isTextual()) || (chosen.isArray() && rejected.isArray());
        if (!ok) {
            throw new DataException(name + ": chosen and rejected must both be strings or both be message lists"
                    + " to extract their shared prompt, got " + chosen.getNodeType().toString().toLowerCase() + " and "
                    + rejected.getNodeType().toString().toLowerCase());
        }
        return chosen;
    }

    private static String idSuffix(JsonNode record) {
        JsonNode id = record.get("id");
        return id == null || id.isNull() ? "" : " (id " + (id.isTextual() ? id.textValue() : id.toString()) + ")";
    }

    private static int commonPrefix(String a, String b) {
        int i = 0;
        while (i < a.length() && i < b.length() && a.charAt(i) == b.charAt(i)) {
            i++;
        }
        return i;
    }

    private static String snippet(String prompt, String full) {
        int at = commonPrefix(prompt, full);
        return "prompt has " + quote(prompt.substring(at, Math.min(prompt.length(), at + 30))) + ", prompt + completion has "
                + quote(full.substring(at, Math.min(full.length(), at + 30)));
    }

    private static String quote(String s) {
        return "\"" + s.replace("\n", "\\n") + "\"";
    }

    /** A rendered prompt and its ids, before truncation. */
    private record Rendered(String text, long[] ids) {}
}
