package dev.prefloop.engine.djl.model;

import com.fasterxml.jackson.databind.JsonNode;
import dev.prefloop.core.error.ModelException;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * RopeConfig is the rotary embedding's settings under transformers' names: {@code rope_type}
 * (default, linear, dynamic, llama3, yarn) with {@code rope_theta} and the type's parameters.
 *
 * <p>Three config.json styles are read: top-level {@code rope_theta} + {@code rope_scaling}
 * (with {@code rope_type} or the legacy {@code type} key, transformers up to 4.57), and
 * transformers 5's {@code rope_parameters} holding {@code rope_theta} and {@code rope_type}.
 * A null optional parameter means "not given" (transformers' {@code .get(...)}).
 */
public record RopeConfig(
        String rope_type,
        double rope_theta,
        Double factor,
        Integer original_max_position_embeddings,
        Double low_freq_factor,
        Double high_freq_factor,
        Double attention_factor,
        Double beta_fast,
        Double beta_slow,
        Double mscale,
        Double mscale_all_dim,
        boolean truncate) {

    /** The rope types transformers' ROPE_INIT_FUNCTIONS has that prefloop implements. */
    public static final Set<String> SUPPORTED = Set.of("default", "linear", "dynamic", "llama3", "yarn");

    /** Plain RoPE with base {@code theta}. */
    public static RopeConfig plain(double theta) {
        return new RopeConfig("default", theta, null, null, null, null, null, null, null, null, null, true);
    }

    /** Reads the rope settings of a config.json root; {@code where} names the file in errors. */
    static RopeConfig parse(JsonNode root, String where) {
        JsonNode params = root.get("rope_parameters");
        if (params != null && !params.isNull()) {
            if (!params.isObject()) {
                throw new ModelException(where + ": \"rope_parameters\" must be an object");
            }
            if (!params.has("rope_type") && !params.has("rope_theta")) {
                throw new ModelException(where + ": \"rope_parameters\" per layer type ("
                        + fieldNames(params) + ") is not supported; expected one {rope_type, rope_theta, ...}");
            }
            double theta = number(params, "rope_theta", where, root.path("rope_theta").asDouble(10000.0));
            return fromScaling(params, theta, where + " rope_parameters");
        }
        double theta = number(root, "rope_theta", where, 10000.0);
        JsonNode scaling = root.get("rope_scaling");
        if (scaling == null || scaling.isNull()) {
            return plain(theta);
        }
        if (!scaling.isObject()) {
            throw new ModelException(where + ": \"rope_scaling\" must be null or an object");
        }
        return fromScaling(scaling, theta, where + " rope_scaling");
    }

    private static RopeConfig fromScaling(JsonNode s, double theta, String where) {
        JsonNode typeNode = s.has("rope_type") ? s.get("rope_type") : s.get("type");
        if (typeNode == null || !typeNode.isTextual()) {
            throw new ModelException(where + ": needs \"rope_type\" (or the legacy \"type\")");
        }
        String type = typeNode.asText();
        if (!SUPPORTED.contains(type)) {
            throw new ModelException(where + ": rope_type \"" + type + "\" is not supported (supported: "
                    + String.join(", ", SUPPORTED.stream().sorted().toList()) + ")");
        }
        boolean needsFactor = !type.equals("default");
        Double factor = optional(s, "factor", where);
        if (needsFactor && factor == null) {
            throw new ModelException(where + ": rope_type \"" + type + "\" needs \"factor\"");
        }
        Integer originalMax = s.hasNonNull("original_max_position_embeddings")
                ? s.get("original_max_position_embeddings").asInt() : null;
        Double low = optional(s, "low_freq_factor", where);
        Double high = optional(s, "high_freq_factor", where);
        if (type.equals("llama3") && (low == null || high == null || originalMax == null)) {
            throw new ModelException(where + ": rope_type \"llama3\" needs \"low_freq_factor\", \"high_freq_factor\""
                    + " and \"original_max_position_embeddings\"");
        }
        JsonNode truncate = s.get("truncate");
        return new RopeConfig(type, theta, factor, originalMax, low, high,
                optional(s, "attention_factor", where), optional(s, "beta_fast", where),
                optional(s, "beta_slow", where), optional(s, "mscale", where), optional(s, "mscale_all_dim", where),
                truncate == null || truncate.isNull() || truncate.asBoolean());
    }

    private static double number(JsonNode node, String key, String where, double absent) {
        Double v = optional(node, key, where);
        return v == null ? absent : v;
    }

    private static Double optional(JsonNode node, String key, String where) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isNumber()) {
            throw new ModelException(where + ": \"" + key + "\" must be a number, got " + v);
        }
        return v.asDouble();
    }

    private static String fieldNames(JsonNode n) {
        StringBuilder sb = new StringBuilder();
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            sb.append(sb.length() == 0 ? "" : ", ").append(it.next().getKey());
        }
        return sb.toString();
    }
}
