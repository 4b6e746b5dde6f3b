package dev.prefloop.core.judge;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.prefloop.core.judge.http.VerdictParser;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class VerdictParserTest {

    @Test
    void readsTheLetterInTheDocumentedForms() {
        for (String a : new String[] {"A", " a ", "A.", "\"A\"", "**A**", "[A]", "Response A", "Answer: A", "[[A]]",
                "After weighing both, my verdict is [[A]].", "I prefer A because it is correct."}) {
            assertEquals(Optional.of('A'), VerdictParser.parse(a), a);
        }
        for (String b : new String[] {"B", "b", "(B)", "[[B]]", "Response B is better."}) {
            assertEquals(Optional.of('B'), VerdictParser.parse(b), b);
        }
    }

    @Test
    void refusesAnswersWithBothOrNeither() {
        for (String s : new String[] {"", "tie", "Both are fine", "A and B are equal", "[[A]] or [[B]]", "C"}) {
            assertEquals(Optional.empty(), VerdictParser.parse(s), s);
        }
        assertEquals(Optional.empty(), VerdictParser.parse(null));
    }
}
