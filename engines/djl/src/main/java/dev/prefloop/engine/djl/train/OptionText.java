package dev.prefloop.engine.djl.train;

import dev.prefloop.core.error.UsageException;
import java.util.Locale;

/** OptionText parses the text of a training option (command line or --config) into a value, naming the option on error. */
final class OptionText {

    private OptionText() {}

    /** A number; "1e-6" and "5.0e-7" as YAML and the command line write them. */
    static double number(String name, String v) {
        try {
            return Double.parseDouble(v.trim());
        } catch (NumberFormatException e) {
            throw new UsageException(name + ": not a number: '" + v + "'");
        }
    }

    /** A whole number in int range. */
    static int integer(String name, String v) {
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new UsageException(name + ": not an integer: '" + v + "'");
        }
    }

    /** true or false; an empty value (a bare flag) is true. */
    static boolean bool(String name, String v) {
        return switch (v.trim().toLowerCase(Locale.ROOT)) {
            case "true", "" -> true;
            case "false" -> false;
            default -> throw new UsageException(name + ": expected true or false, got '" + v + "'");
        };
    }
}
