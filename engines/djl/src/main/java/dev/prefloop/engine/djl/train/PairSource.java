package dev.prefloop.engine.djl.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.prefloop.core.error.DataException;

/**
 * PairSource: which generator made each completion of a pair, as {@code label} writes it
 * ({@code generator_chosen}, {@code generator_rejected}) or as a two-element {@code generators} list
 * (chosen, rejected); {@code ref} names the reference model (PILAF's {@code hybrid} pairs).
 *
 * @param chosen the chosen completion's generator, or null when the record does not say
 * @param rejected the rejected completion's generator, or null
 * @param location the record's file and line, for errors
 */
public record PairSource(String chosen, String rejected, String location) {

    /** The generator name of the reference model. */
    public static final String REFERENCE = "ref";

    /** The record's generators; a DataException naming the field when they are malformed. */
    public static PairSource of(ObjectNode record, String location) {
        String c = text(record, "generator_chosen", location);
        String r = text(record, "generator_rejected", location);
        JsonNode g = record.get("generators");
        if (c == null && r == null && g != null && !g.isNull()) {
            if (!g.isArray() || g.size() != 2 || !g.get(0).isTextual() || !g.get(1).isTextual()) {
                throw new DataException(location + ": field 'generators': expected two generator names (chosen,"
                        + " rejected) on a pair, got " + g);
            }
            c = g.get(0).asText();
            r = g.get(1).asText();
        }
        return new PairSource(c, r, location);
    }

    /** 1 when the chosen completion is the reference's, 0 when the rejected one is; a DataException otherwise. */
    public float chosenFromReference() {
        if (chosen == null || rejected == null) {
            throw new DataException(location + ": --loss xpo needs to know which completion the reference model"
                    + " generated: fields 'generator_chosen' and 'generator_rejected' (or 'generators') are missing");
        }
        boolean c = REFERENCE.equals(chosen);
        boolean r = REFERENCE.equals(rejected);
        if (c == r) {
            throw new DataException(location + ": --loss xpo needs exactly one completion from the reference model"
                    + " (generator 'ref'); field 'generator_chosen' is '" + chosen + "', 'generator_rejected' is '"
                    + rejected + "'");
        }
        return c ? 1f : 0f;
    }

    private static String text(ObjectNode record, String field, String location) {
        JsonNode v = record.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw new DataException(location + ": field '" + field + "': expected a generator name, got " + v);
        }
        return v.asText();
    }
}
