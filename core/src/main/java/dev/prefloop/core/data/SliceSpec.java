package dev.prefloop.core.data;

import dev.prefloop.core.error.UsageException;
import java.util.Map;

/**
 * SliceSpec is {@code --shard i/n}: process the records whose position in the input modulo n is i
 * (0 &lt;= i &lt; n), so n processes share a dataset without a coordinator. {@code auto} reads the
 * index and count from a Slurm job array or a Kubernetes Indexed Job.
 */
public record SliceSpec(int index, int count) {

    /** The whole input. */
    public static final SliceSpec ALL = new SliceSpec(0, 1);

    public SliceSpec {
        if (count < 1 || index < 0 || index >= count) {
            throw new UsageException("--shard " + index + "/" + count + ": expected i/n with 0 <= i < n");
        }
    }

    /** Whether this is the whole input. */
    public boolean isAll() {
        return count == 1;
    }

    /** Whether the record at 0-based position {@code position} belongs to this slice. */
    public boolean contains(long position) {
        return position % count == index;
    }

    /** A file-name tag such as "shard-2-of-4", empty for the whole input. */
    public String tag() {
        return isAll() ? "" : "shard-" + index + "-of-" + count;
    }

    @Override
    public String toString() {
        return index + "/" + count;
    }

    /** Parses "i/n" or "auto" (environment: Slurm, Kubernetes, or PREFLOOP_SHARD=i/n). */
    public static SliceSpec parse(String text, Map<String, String> env) {
        if (text.equals("auto")) {
            return fromEnvironment(env);
        }
        int slash = text.indexOf('/');
        try {
            if (slash > 0) {
                return new SliceSpec(Integer.parseInt(text.substring(0, slash).trim()),
                        Integer.parseInt(text.substring(slash + 1).trim()));
            }
        } catch (NumberFormatException e) {
            // falls through to the usage error
        }
        throw new UsageException("--shard " + text + ": expected i/n (e.g. 0/4) or auto");
    }

    private static SliceSpec fromEnvironment(Map<String, String> env) {
        if (env.containsKey("PREFLOOP_SHARD")) {
            return parse(env.get("PREFLOOP_SHARD"), Map.of());
        }
        String slurmId = env.get("SLURM_ARRAY_TASK_ID");
        String slurmCount = env.get("SLURM_ARRAY_TASK_COUNT");
        if (slurmId != null && slurmCount != null) {
            int min = Integer.parseInt(env.getOrDefault("SLURM_ARRAY_TASK_MIN", "0"));
            return new SliceSpec(Integer.parseInt(slurmId) - min, Integer.parseInt(slurmCount));
        }
        String k8sIndex = env.get("JOB_COMPLETION_INDEX");
        String k8sCount = env.get("PREFLOOP_SHARD_COUNT");
        if (k8sIndex != null && k8sCount != null) {
            return new SliceSpec(Integer.parseInt(k8sIndex), Integer.parseInt(k8sCount));
        }
        throw new UsageException("--shard auto: found no slice in the environment; expected PREFLOOP_SHARD=i/n,"
                + " SLURM_ARRAY_TASK_ID with SLURM_ARRAY_TASK_COUNT, or JOB_COMPLETION_INDEX with PREFLOOP_SHARD_COUNT");
    }
}
