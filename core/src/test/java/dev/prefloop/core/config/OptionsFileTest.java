package dev.prefloop.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.prefloop.core.error.UsageException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OptionsFileTest {

    @TempDir
    Path tmp;

    @Test
    void readsTrlSnakeCaseAndKebabCaseKeysListsAndNulls() throws Exception {
        Path f = Files.writeString(tmp.resolve("c.yaml"), """
                # a TRL DPOConfig
                learning_rate: 5.0e-7
                num-train-epochs: 1
                loss_type: [sigmoid, sft]
                loss_weights:
                  - 1.0
                  - 0.5
                warmup_steps: ~
                use_weighting: true
                """);
        assertEquals(Map.of("learning_rate", "5.0E-7", "num_train_epochs", "1", "loss_type", "sigmoid,sft",
                "loss_weights", "1.0,0.5", "use_weighting", "true"), OptionsFile.read(f));
    }

    @Test
    void mappingsComeAsJsonAndDuplicateSpellingsAndBadYamlAreUsageErrorsNamingTheFile() throws Exception {
        Path nested = Files.writeString(tmp.resolve("n.yaml"), "chat_template_kwargs:\n  enable_thinking: false\n");
        assertEquals(Map.of("chat_template_kwargs", "{\"enable_thinking\":false}"), OptionsFile.read(nested));
        Path twice = Files.writeString(tmp.resolve("t.yaml"), "max-steps: 3\nmax_steps: 4\n");
        assertTrue(assertThrows(UsageException.class, () -> OptionsFile.read(twice)).getMessage()
                .endsWith("option 'max_steps' is given twice"));
        Path broken = Files.writeString(tmp.resolve("b.yaml"), "a: [1, 2\n");
        assertTrue(assertThrows(UsageException.class, () -> OptionsFile.read(broken)).getMessage()
                .contains("b.yaml: cannot read YAML"));
        Path list = Files.writeString(tmp.resolve("l.yaml"), "- 1\n- 2\n");
        assertTrue(assertThrows(UsageException.class, () -> OptionsFile.read(list)).getMessage()
                .endsWith("expected a mapping of option names to values"));
    }
}
