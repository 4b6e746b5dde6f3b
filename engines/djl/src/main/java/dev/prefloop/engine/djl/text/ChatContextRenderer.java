package dev.prefloop.engine.djl.text;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prefloop.core.data.JsonCodec;
import dev.prefloop.core.data.jsonl.JsonlRecordReader;
import dev.prefloop.core.error.DataException;
import dev.prefloop.core.error.UsageException;
import dev.prefloop.engine.djl.text.template.ChatRequest;
import dev.prefloop.engine.djl.text.template.ChatTemplate;
import dev.prefloop.engine.djl.text.template.TemplateValues;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code apply_chat_template(tokenize=False)} on context files: a context is the JSON object
 * transformers' arguments make ({@code messages}, {@code add_generation_prompt}, {@code tools},
 * {@code documents}, {@code continue_final_message}, any other key a template keyword argument).
 */
public final class ChatContextRenderer {

    private final ChatTemplate template;
    private final String templateName;
    private final Clock clock;
    private final ObjectMapper json = JsonCodec.mapper();

    /**
     * @param templateName a named template of the model, or null to choose as transformers does
     * @param clock what {@code strftime_now} reads
     * @throws UsageException when the model has no template of that name
     */
    public ChatContextRenderer(ChatTemplate template, String templateName, Clock clock) {
        if (templateName != null && !template.names().contains(templateName)) {
            throw new UsageException("--template " + templateName + ": the model has no chat template of that name;"
                    + " it has " + (template.names().isEmpty() ? "none" : template.names()));
        }
        this.template = template;
        this.templateName = templateName;
        this.clock = clock;
    }

    /**
     * The rendering of the context in a JSON file.
     *
     * @throws DataException when the file is not a JSON object, the context is malformed or the
     *     template fails on it (the message names the file)
     */
    public String renderFile(Path contextFile) {
        requireFile("--context", contextFile);
        JsonNode node;
        try {
            node = json.readTree(contextFile.toFile());
        } catch (JsonProcessingException e) {
            throw new DataException(contextFile + ", line " + e.getLocation().getLineNr() + ": not valid JSON: "
                    + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new DataException(contextFile + ": cannot read: " + e.getMessage(), e);
        }
        if (node == null || !node.isObject()) {
            throw new DataException(contextFile + ": expected a JSON object {\"messages\": [...], ...}, got "
                    + (node == null ? "an empty file" : node.getNodeType().toString().toLowerCase()));
        }
        try {
            return render((ObjectNode) node);
        } catch (DataException | UsageException e) {
            throw new DataException(contextFile + ": " + e.getMessage(), e);
        }
    }

    /**
     * One JSON line per context of a JSON Lines file, {@code {"text": ...}} or {@code {"error": ...}}
     * when the context is malformed or the template fails on it.
     *
     * @throws DataException when a line is not a JSON object (nothing is rendered then)
     */
    public List<String> renderLines(Path contextsFile) {
        requireFile("--contexts", contextsFile);
        List<ObjectNode> contexts = new ArrayList<>();
        try (InputStream in = Files.newInputStream(contextsFile);
             JsonlRecordReader reader = new JsonlRecordReader(in, contextsFile.toString(),
                     contextsFile.toString().endsWith(".gz"), json)) {
            while (reader.hasNext()) {
                contexts.add(reader.next());
            }
        } catch (IOException e) {
            throw new DataException(contextsFile + ": cannot read: " + e.getMessage(), e);
        }
        List<String> lines = new ArrayList<>(contexts.size());
        for (ObjectNode c : contexts) {
            ObjectNode out = json.createObjectNode();
            try {
                out.put("text", render(c));
            } catch (DataException | UsageException e) {
                out.put("error", e.getMessage());
            }
            lines.add(write(out));
        }
        return lines;
    }

    private static void requireFile(String option, Path file) {
        if (!Files.isRegularFile(file)) {
            throw new UsageException(option + " " + file + ": no such file");
        }
    }

    private String render(ObjectNode context) {
        @SuppressWarnings("unchecked")
        Map<String, Object> values = (Map<String, Object>) TemplateValues.fromJson(context);
        return template.render(ChatRequest.fromContext(values, templateName), clock);
    }

    private String write(ObjectNode node) {
        try {
            return json.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
