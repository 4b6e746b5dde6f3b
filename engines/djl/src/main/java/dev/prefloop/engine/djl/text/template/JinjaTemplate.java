package dev.prefloop.engine.djl.text.template;

import dev.prefloop.core.error.DataException;
import dev.prefloop.core.error.ModelException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A Jinja template compiled and rendered as transformers' chat-template environment does:
 * jinja2's ImmutableSandboxedEnvironment with trim_blocks, lstrip_blocks, loop controls, the
 * {@code generation} tag, {@code tojson} as json.dumps, {@code raise_exception} and {@code strftime_now}.
 */
public final class JinjaTemplate {

    private static final Filters FILTERS = new Filters();

    private final String sourceName;
    private final List<Stmt> body;

    private JinjaTemplate(String sourceName, List<Stmt> body) {
        this.sourceName = sourceName;
        this.body = body;
    }

    /**
     * Parses a template; {@code sourceName} names it in errors (e.g. {@code model/tokenizer_config.json}).
     *
     * @throws ModelException when jinja2 would refuse the template, naming the source and line
     */
    public static JinjaTemplate compile(String source, String sourceName) {
        try {
            List<Stmt> body = Parser.parse(source);
            FilterNameCheck.check(body, FILTERS);
            return new JinjaTemplate(sourceName, body);
        } catch (TemplateSyntaxException e) {
            throw new ModelException("chat template " + sourceName + ", line " + e.line() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Renders with the given variables (strings, Long/Integer, Double, Boolean, null, List, Map;
     * strings are data and never evaluated); {@code clock} feeds {@code strftime_now}.
     *
     * @throws DataException when the template calls {@code raise_exception} (its message as is) or
     *     fails on these values (jinja2's error, with the source and line)
     */
    public String render(Map<String, ?> variables, Clock clock) {
        return renderTracked(variables, clock).text();
    }

    /**
     * Renders as {@link #render} does and also returns the character spans of the {@code generation}
     * blocks in the output (transformers' return_assistant_tokens_mask reads them).
     */
    public TrackedRendering renderTracked(Map<String, ?> variables, Clock clock) {
        Scope globals = new Scope(null);
        Globals.create(clock).forEach(globals::set);
        Scope root = globals.child();
        variables.forEach((k, v) -> root.set(k, TemplateValues.normalize(v)));
        StringBuilder out = new StringBuilder();
        List<int[]> spans = new ArrayList<>();
        try {
            new Renderer(FILTERS, out, spans).execute(body, root, out);
        } catch (RenderException e) {
            if (e.raisedByTemplate()) {
                throw new DataException(e.getMessage(), e);
            }
            throw new DataException("chat template " + sourceName + ", line " + e.line() + ": " + e.getMessage(), e);
        } catch (StackOverflowError e) {
            throw new DataException("chat template " + sourceName + ": recursion too deep", null);
        }
        return new TrackedRendering(out.toString(), spans);
    }

    /** The name given at compile time, used in error messages. */
    public String sourceName() {
        return sourceName;
    }
}
