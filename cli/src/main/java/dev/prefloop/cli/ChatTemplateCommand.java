package dev.prefloop.cli;

import dev.prefloop.core.error.UsageException;
import dev.prefloop.engine.djl.text.ChatContextRenderer;
import dev.prefloop.engine.djl.text.template.ChatTemplate;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** ChatTemplateCommand is {@code prefloop chat-template}: a model's chat template applied to contexts. */
@Command(name = "chat-template", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Render chat contexts with a model's chat template, as apply_chat_template(tokenize=False) does.",
        description = "Loads the chat template(s) and special tokens of DIR (chat_template.jinja, additional_chat_templates/, or tokenizer_config.json's chat_template) and renders them as transformers does. A context is a JSON object: messages (required), add_generation_prompt, continue_final_message, tools, documents; every other key is passed to the template as a keyword argument (bos_token there overrides the tokenizer's). Message content is data: template syntax inside it is printed, never evaluated.%n%n"
                + "--context prints the rendering of one context exactly (no newline is added). --contexts prints one JSON line per context, {\"text\": ...} or {\"error\": ...} when the template raises or the context is malformed; a line that is not a JSON object stops the run before anything is printed.%n")
public final class ChatTemplateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "DIR",
            description = "Model (or tokenizer) directory holding tokenizer_config.json and/or chat_template.jinja.")
    Path model;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    /** One context or a file of them. */
    static final class Input {
        @Option(names = "--context", paramLabel = "FILE.json", description = "One context as a JSON object.")
        Path context;

        @Option(names = "--contexts", paramLabel = "FILE.jsonl",
                description = "Contexts as JSON Lines (.jsonl or .jsonl.gz), one object per line.")
        Path contexts;
    }

    @Option(names = "--template", paramLabel = "NAME",
            description = "Use the model's template of this name (default: as transformers chooses: 'tool_use' when"
                    + " the context has tools and the model has one, else 'default').")
    String templateName;

    @Option(names = "--now", paramLabel = "ISO-TIME", converter = ClockConverter.class,
            description = "Pin the time strftime_now reads, e.g. 2025-01-15T09:30:00 (default: the system clock).")
    Clock now;

    @Override
    public Integer call() {
        if (!Files.isDirectory(model)) {
            throw new UsageException("--model " + model + ": not a directory");
        }
        ChatContextRenderer renderer = new ChatContextRenderer(ChatTemplate.load(model), templateName,
                now != null ? now : Clock.systemDefaultZone());
        PrintWriter out = spec.commandLine().getOut();
        if (input.context != null) {
            out.print(renderer.renderFile(input.context));
        } else {
            List<String> lines = renderer.renderLines(input.contexts);
            lines.forEach(out::println);
        }
        out.flush();
        return ExitCodes.OK;
    }
}
