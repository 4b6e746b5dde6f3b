package dev.prefloop.engine.djl.judge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.prefloop.core.error.DataException;
import dev.prefloop.core.error.ModelException;
import dev.prefloop.core.judge.JudgeException;
import dev.prefloop.core.judge.ScoreRequest;
import dev.prefloop.engine.djl.text.Tokenizer;
import dev.prefloop.engine.djl.text.template.ChatRequest;
import dev.prefloop.engine.djl.text.template.ChatTemplate;
import dev.prefloop.engine.djl.text.template.TemplateValues;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;

/**
 * RewardModelInput turns a text request into the token ids a reward model reads, as TRL and
 * OpenRLHF score text with a reward model. A conversation (the prompt is a message list) becomes
 * prompt messages + {@code {"role": "assistant", "content": response}} rendered with the reward
 * model's chat template without a generation prompt and tokenized without added special tokens
 * (the template writes them; TRL's GRPOTrainer and OpenRLHF's reward datasets do this). Plain text
 * is prompt + response tokenized with the tokenizer's special tokens (bos where it adds one), as
 * TRL's RewardTrainer tokenizes its text pairs. The tokenizer is loaded at the first text request.
 */
final class RewardModelInput implements AutoCloseable {

    private final String name;
    private final Path dir;
    private final long vocab;
    private Tokenizer tokenizer;
    private ChatTemplate template;

    /** Input for the reward model {@code rm:name} in {@code dir}; ids must be below {@code vocab}. */
    RewardModelInput(String name, Path dir, long vocab) {
        this.name = name;
        this.dir = dir;
        this.vocab = vocab;
    }

    /** The whole sequence the model scores: prompt then response. (T) */
    long[] ids(ScoreRequest r) {
        JsonNode prompt = r.prompt();
        if (r.response().text() == null || prompt == null || prompt.isNull()
                || !(prompt.isTextual() || prompt.isArray())) {
            throw new JudgeException(name + ": request '" + r.id() + "' has neither token ids (prompt_ids and"
                    + " completions_ids) nor a prompt (string or messages) and response text to tokenize");
        }
        load(r.id());
        long[] ids;
        if (prompt.isArray()) {
            ArrayNode messages = JsonNodeFactory.instance.arrayNode();
            messages.addAll((ArrayNode) prompt);
            messages.addObject().put("role", "assistant").put("content", r.response().text());
            String text;
            try {
                text = template.render(new ChatRequest((List<?>) TemplateValues.fromJson(messages), null, null, false,
                        false, null, null), Clock.systemDefaultZone());
            } catch (DataException e) {
                throw new JudgeException(name + ": request '" + r.id() + "': the reward model's chat template failed: "
                        + e.getMessage());
            }
            ids = tokenizer.encode(text, false);
        } else {
            ids = tokenizer.encode(prompt.textValue() + r.response().text(), true);
        }
        if (ids.length == 0) {
            throw new JudgeException(name + ": request '" + r.id() + "': prompt and response tokenize to nothing");
        }
        for (long id : ids) {
            if (id >= vocab) {
                throw new ModelException(name + ": request '" + r.id() + "': the tokenizer gave token id " + id
                        + ", outside the model's vocabulary [0, " + vocab + "): the tokenizer does not belong to the"
                        + " model");
            }
        }
        return ids;
    }

    private void load(String requestId) {
        if (tokenizer != null) {
            return;
        }
        if (!Files.isRegularFile(dir.resolve("tokenizer.json"))) {
            throw new ModelException(name + ": request '" + requestId + "' is text (no token ids) and " + dir
                    + " has no tokenizer.json to tokenize it: give the reward model's tokenizer files, or candidates"
                    + " with prompt_ids and completions_ids");
        }
        template = ChatTemplate.load(dir);
        tokenizer = Tokenizer.load(dir);
    }

    @Override
    public void close() {
        if (tokenizer != null) {
            tokenizer.close();
        }
    }
}
