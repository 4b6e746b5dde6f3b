package dev.prefloop.engine.djl.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prefloop.core.error.ModelException;
import java.util.List;
import org.junit.jupiter.api.Test;

class DecoderConfigTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static ObjectNode config(String json) throws Exception {
        return (ObjectNode) JSON.readTree(json);
    }

    private static DecoderConfig parse(String json) throws Exception {
        return DecoderConfig.parse(config(json), "config.json");
    }

    private static ModelException refused(String json) {
        ModelException e = assertThrows(ModelException.class, () -> parse(json));
        assertEquals(4, e.exitCode());
        return e;
    }

    @Test
    void unsupportedModelTypeIsAModelErrorNamingIt() {
        ModelException e = refused("{\"model_type\": \"gemma2\"}");
        assertTrue(e.getMessage().contains("\"gemma2\""), e.getMessage());
    }

    @Test
    void unsupportedOptionsAreNamed() {
        assertTrue(refused("{\"model_type\": \"llama\", \"rope_scaling\": {\"rope_type\": \"longrope\", \"factor\": 2}}")
                .getMessage().contains("longrope"));
        assertTrue(refused("{\"model_type\": \"llama\", \"hidden_act\": \"gelu\"}").getMessage().contains("gelu"));
        assertTrue(refused("{\"model_type\": \"llama\", \"architectures\": [\"LlamaForQuestionAnswering\"]}")
                .getMessage().contains("LlamaForQuestionAnswering"));
        assertTrue(refused("{\"model_type\": \"llama\", \"rope_scaling\": {\"type\": \"llama3\", \"factor\": 8}}")
                .getMessage().contains("low_freq_factor"));
        assertTrue(refused("{\"model_type\": \"llama\", \"rope_scaling\": {\"type\": \"linear\"}}")
                .getMessage().contains("factor"));
        assertTrue(refused("{\"model_type\": \"mistral\", \"quantization_config\": {\"bits\": 4}}")
                .getMessage().contains("quantization_config"));
        assertTrue(refused("{\"model_type\": \"llama\", \"num_attention_heads\": 6, \"num_key_value_heads\": 4}")
                .getMessage().contains("num_key_value_heads 4"));
    }

    @Test
    void familyDefaultsFillAbsentKeys() throws Exception {
        DecoderConfig llama = parse("{\"model_type\": \"llama\", \"hidden_size\": 64, \"num_attention_heads\": 4}");
        assertEquals(4, llama.num_key_value_heads());
        assertEquals(16, llama.head_dim());
        assertEquals(ModelHead.CAUSAL_LM, llama.head());
        assertEquals("LlamaForCausalLM", llama.architecture());
        assertFalse(llama.tie_word_embeddings());
        assertEquals("default", llama.rope().rope_type());
        assertEquals(10000.0, llama.rope().rope_theta());
        assertNull(llama.sliding_window());

        assertEquals(32, parse("{\"model_type\": \"qwen2\"}").num_key_value_heads());
        assertEquals(8, parse("{\"model_type\": \"mistral\"}").num_key_value_heads());
        // An explicit null means as many kv heads as query heads.
        assertEquals(32, parse("{\"model_type\": \"mistral\", \"num_key_value_heads\": null}").num_key_value_heads());
    }

    @Test
    void biasesFollowEachFamily() throws Exception {
        DecoderConfig llama = parse("{\"model_type\": \"llama\", \"attention_bias\": true, \"mlp_bias\": true}");
        assertTrue(llama.attention_bias() && llama.o_proj_bias() && llama.mlp_bias());
        DecoderConfig qwen = parse("{\"model_type\": \"qwen2\"}");
        assertTrue(qwen.attention_bias());
        assertFalse(qwen.o_proj_bias() || qwen.mlp_bias());
        DecoderConfig mistral = parse("{\"model_type\": \"mistral\", \"attention_bias\": true}");
        assertFalse(mistral.attention_bias() || mistral.o_proj_bias());
    }

    @Test
    void mistralSlidesEveryLayer() throws Exception {
        DecoderConfig absent = parse("{\"model_type\": \"mistral\", \"num_hidden_layers\": 2}");
        assertEquals(4096, absent.sliding_window());
        assertEquals(4096, absent.windowOf(1));
        DecoderConfig off = parse("{\"model_type\": \"mistral\", \"num_hidden_layers\": 2, \"sliding_window\": null}");
        assertNull(off.sliding_window());
        assertEquals(0, off.windowOf(0));
    }

    @Test
    void qwen2SlidesOnlyWhenAskedAndFromMaxWindowLayers() throws Exception {
        DecoderConfig ignored = parse("{\"model_type\": \"qwen2\", \"num_hidden_layers\": 3, \"sliding_window\": 8,"
                + " \"use_sliding_window\": false, \"max_window_layers\": 1}");
        assertNull(ignored.sliding_window());
        assertEquals(List.of("full_attention", "full_attention", "full_attention"), ignored.layer_types());

        DecoderConfig on = parse("{\"model_type\": \"qwen2\", \"num_hidden_layers\": 3, \"sliding_window\": 8,"
                + " \"use_sliding_window\": true, \"max_window_layers\": 1}");
        assertEquals(List.of("full_attention", "sliding_attention", "sliding_attention"), on.layer_types());
        assertEquals(0, on.windowOf(0));
        assertEquals(8, on.windowOf(2));

        DecoderConfig listed = parse("{\"model_type\": \"qwen2\", \"num_hidden_layers\": 2, \"sliding_window\": 8,"
                + " \"use_sliding_window\": true, \"layer_types\": [\"sliding_attention\", \"full_attention\"]}");
        assertEquals(8, listed.windowOf(0));
        assertEquals(0, listed.windowOf(1));

        refused("{\"model_type\": \"qwen2\", \"num_hidden_layers\": 1, \"sliding_window\": 8,"
                + " \"use_sliding_window\": false, \"layer_types\": [\"sliding_attention\"]}");
    }

    @Test
    void ropeReadsLegacyCurrentAndV5Styles() throws Exception {
        RopeConfig legacy = parse("{\"model_type\": \"llama\", \"rope_theta\": 500000.0,"
                + " \"rope_scaling\": {\"type\": \"linear\", \"factor\": 4.0}}").rope();
        assertEquals("linear", legacy.rope_type());
        assertEquals(4.0, legacy.factor());
        assertEquals(500000.0, legacy.rope_theta());

        RopeConfig llama3 = parse("{\"model_type\": \"llama\", \"rope_scaling\": {\"rope_type\": \"llama3\","
                + " \"factor\": 8.0, \"low_freq_factor\": 1.0, \"high_freq_factor\": 4.0,"
                + " \"original_max_position_embeddings\": 8192}}").rope();
        assertEquals(8192, llama3.original_max_position_embeddings());

        RopeConfig v5 = parse("{\"model_type\": \"qwen2\", \"dtype\": \"bfloat16\", \"rope_parameters\":"
                + " {\"rope_type\": \"yarn\", \"rope_theta\": 1000000.0, \"factor\": 4.0,"
                + " \"original_max_position_embeddings\": 32768}}").rope();
        assertEquals("yarn", v5.rope_type());
        assertEquals(1e6, v5.rope_theta());
        assertEquals(32768, v5.original_max_position_embeddings());
        assertTrue(v5.truncate());
    }

    @Test
    void dtypeComesFromEitherKey() throws Exception {
        assertEquals("bfloat16", parse("{\"model_type\": \"llama\", \"torch_dtype\": \"bfloat16\"}").torch_dtype());
        assertEquals("float16", parse("{\"model_type\": \"llama\", \"dtype\": \"float16\"}").torch_dtype());
    }

    @Test
    void sequenceClassificationCountsLabelsFromId2label() throws Exception {
        DecoderConfig rm = parse("{\"model_type\": \"llama\", \"architectures\": [\"LlamaForSequenceClassification\"],"
                + " \"id2label\": {\"0\": \"LABEL_0\"}, \"pad_token_id\": 3}");
        assertEquals(ModelHead.SEQUENCE_CLASSIFICATION, rm.head());
        assertEquals(1, rm.num_labels());
        assertEquals(3L, rm.pad_token_id());
        assertEquals(2, parse("{\"model_type\": \"llama\"}").num_labels());
    }
}
