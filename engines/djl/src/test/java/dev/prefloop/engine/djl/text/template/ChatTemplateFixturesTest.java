package dev.prefloop.engine.djl.text.template;

import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every shared chat-template case (real templates and the constructs template) renders byte for
 * byte as Python's jinja2, set up as transformers sets it up, rendered it.
 */
class ChatTemplateFixturesTest {

    static Stream<TemplateCase> sharedCases() {
        return TemplateCase.all("chat-templates");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("sharedCases")
    void rendersLikeJinja2(TemplateCase c) {
        assertNull(c.check(), c.toString());
    }
}
