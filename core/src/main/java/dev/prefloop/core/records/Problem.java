package dev.prefloop.core.records;

/** Problem is one finding about one record: an error (the record is unusable) or a warning. */
public record Problem(Severity severity, String field, String message) {

    /** How bad a problem is. */
    public enum Severity { ERROR, WARNING }

    static Problem error(String field, String message) {
        return new Problem(Severity.ERROR, field, message);
    }

    static Problem warning(String field, String message) {
        return new Problem(Severity.WARNING, field, message);
    }

    /** "field \"chosen\": expected ..." (or the message alone when no field applies). */
    public String describe() {
        return field == null ? message : "field \"" + field + "\": " + message;
    }
}
