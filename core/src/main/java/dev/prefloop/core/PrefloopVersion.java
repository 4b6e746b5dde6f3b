package dev.prefloop.core;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** PrefloopVersion is the version of this build, recorded in every manifest. */
public final class PrefloopVersion {

    private static final String VERSION = load();

    private PrefloopVersion() {}

    /** The version, e.g. "0.1.0-SNAPSHOT". */
    public static String get() {
        return VERSION;
    }

    private static String load() {
        try (InputStream in = PrefloopVersion.class.getResourceAsStream("version.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
