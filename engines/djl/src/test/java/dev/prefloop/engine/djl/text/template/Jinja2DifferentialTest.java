package dev.prefloop.engine.djl.text.template;

import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Cases beyond the shared fixtures, each rendered beforehand by Python's jinja2 3.1.6 set up as
 * transformers does (resources/jinja2-cases): single constructs, errors, and further real templates.
 */
class Jinja2DifferentialTest {

    static Stream<TemplateCase> jinja2Cases() {
        return TemplateCase.all("jinja2-cases");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("jinja2Cases")
    void rendersLikeJinja2(TemplateCase c) {
        assertNull(c.check(), c.toString());
    }
}
