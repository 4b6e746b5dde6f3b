/**
 * Chat templates rendered exactly as Hugging Face transformers renders them.
 *
 * <p>A small Jinja interpreter of our own ({@link dev.prefloop.engine.djl.text.template.JinjaTemplate}):
 * lexer, parser and renderer following jinja2 3.1 as transformers configures it
 * (ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks, loop controls, the generation tag,
 * json.dumps-style tojson, raise_exception, strftime_now), with Python value semantics (None/True
 * printing, float repr, insertion-ordered dicts, slicing, str methods, Undefined). Jinjava, the only
 * Java Jinja engine on Maven Central, matched 62 of 84 real cases at best and evaluates template
 * syntax inside message content (djl-notes.md section 5), so it is not used. Message content is
 * data: it is only ever printed, never lexed.
 *
 * <p>{@link dev.prefloop.engine.djl.text.template.ChatTemplate} loads a model directory's templates
 * and special tokens and renders a {@link dev.prefloop.engine.djl.text.template.ChatRequest}.
 * Parity is tested against stored jinja2 renderings (src/test/jinja2-reference explains them).
 */
package dev.prefloop.engine.djl.text.template;
