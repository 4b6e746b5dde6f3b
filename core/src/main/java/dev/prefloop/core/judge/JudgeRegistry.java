package dev.prefloop.core.judge;

import dev.prefloop.core.error.UsageException;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

/** JudgeRegistry maps {@code --judge} kinds to the factories on the class path. */
public final class JudgeRegistry {

    private final Map<String, JudgeFactory> factories = new TreeMap<>();

    private JudgeRegistry() {}

    /** The factories registered with {@link ServiceLoader} (core's exec, http, rm-http; engines' more). */
    public static JudgeRegistry load() {
        JudgeRegistry r = new JudgeRegistry();
        for (JudgeFactory f : ServiceLoader.load(JudgeFactory.class, JudgeRegistry.class.getClassLoader())) {
            r.factories.putIfAbsent(f.kind(), f);
        }
        return r;
    }

    /** The factory of the spec's kind; an unknown kind is a usage error listing the known ones. */
    public JudgeFactory factory(JudgeSpec spec) {
        JudgeFactory f = factories.get(spec.kind());
        if (f == null) {
            StringBuilder known = new StringBuilder();
            factories.values().forEach(k -> known.append("\n  ").append(k.kind()).append(":").append(k.usage()));
            throw new UsageException("--judge " + spec + ": unknown judge kind '" + spec.kind() + "'; known kinds:" + known);
        }
        return f;
    }

    /** Opens the judge {@code spec} names. */
    public Judge open(JudgeSpec spec, JudgeOptions options) {
        return factory(spec).open(spec, options);
    }
}
