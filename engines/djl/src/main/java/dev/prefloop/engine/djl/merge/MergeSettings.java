package dev.prefloop.engine.djl.merge;

import dev.prefloop.core.error.UsageException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * MergeSettings is everything {@code prefloop merge} needs: the base model, the PEFT LoRA adapter, the output
 * directory, the output dtype, the shard size and --force.
 *
 * @param maxShardBytes weights files are split at this many bytes by transformers' rule (default 5 GB)
 */
public record MergeSettings(Path model, Path adapter, Path out, MergeDtype dtype, long maxShardBytes, boolean force) {

    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|KB|MB|GB|TB|KIB|MIB|GIB|TIB)?");

    public MergeSettings {
        if (maxShardBytes <= 0) {
            throw new UsageException("--max-shard-size must be positive, got " + maxShardBytes + " bytes");
        }
        Path o = out.toAbsolutePath().normalize();
        if (o.equals(model.toAbsolutePath().normalize()) || o.equals(adapter.toAbsolutePath().normalize())) {
            throw new UsageException("--out " + out + " is the " + (o.equals(model.toAbsolutePath().normalize())
                    ? "--model" : "--adapter") + " directory; the merged checkpoint needs a directory of its own");
        }
    }

    /**
     * A size as transformers' max_shard_size spells it: bytes, or a number with KB/MB/GB/TB (powers of 1000) or
     * KiB/MiB/GiB/TiB (powers of 1024).
     */
    public static long parseSize(String text) {
        Matcher m = SIZE.matcher(text == null ? "" : text.trim().toUpperCase(Locale.ROOT));
        if (!m.matches()) {
            throw new UsageException("--max-shard-size \"" + text + "\": expected bytes or a size such as 5GB or 500MB");
        }
        String unit = m.group(2) == null ? "B" : m.group(2);
        long scale = switch (unit) {
            case "KB" -> 1_000L;
            case "MB" -> 1_000_000L;
            case "GB" -> 1_000_000_000L;
            case "TB" -> 1_000_000_000_000L;
            case "KIB" -> 1L << 10;
            case "MIB" -> 1L << 20;
            case "GIB" -> 1L << 30;
            case "TIB" -> 1L << 40;
            default -> 1L;
        };
        try {
            return Math.multiplyExact(Long.parseLong(m.group(1)), scale);
        } catch (ArithmeticException | NumberFormatException e) {
            throw new UsageException("--max-shard-size \"" + text + "\" is too large");
        }
    }

    /** The options that decide the output, as the manifest records them. */
    public Map<String, Object> manifestOptions() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("dtype", dtype.toString());
        m.put("max_shard_bytes", maxShardBytes);
        return m;
    }
}
