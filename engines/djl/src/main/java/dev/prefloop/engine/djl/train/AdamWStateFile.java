package dev.prefloop.engine.djl.train;

import dev.prefloop.core.error.ModelException;
import dev.prefloop.engine.djl.model.HfParameterOrder;
import dev.prefloop.engine.djl.weights.HostTensor;
import dev.prefloop.engine.djl.weights.TorchArchive;
import dev.prefloop.engine.djl.weights.TorchSaveWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * AdamWStateFile writes and reads a checkpoint's {@code optimizer.pt} as transformers' Trainer saves
 * {@code optimizer.state_dict()} for torch.optim.AdamW: parameters numbered in two groups, the decayed
 * ones then the others, each in {@code named_parameters()} order, with {@code step}, {@code exp_avg} and
 * {@code exp_avg_sq} per parameter. A TRL run resuming from the checkpoint loads it as its own; prefloop
 * adds each group's {@code param_names} (which torch keeps and ignores) and checks them when it resumes.
 */
public final class AdamWStateFile {

    /** The file name transformers' Trainer uses. */
    public static final String FILE = "optimizer.pt";

    private AdamWStateFile() {}

    /** Writes {@code optimizer}'s state, its groups at learning rate {@code lr} (the next step's) scheduled from {@code initialLr}. */
    public static void write(Path file, AdamW optimizer, double lr, double initialLr) {
        List<List<String>> groups = groups(optimizer);
        Map<Object, Object> state = new LinkedHashMap<>();
        Map<Object, Object> root = new LinkedHashMap<>();
        List<Object> paramGroups = new ArrayList<>();
        long index = 0;
        for (int g = 0; g < groups.size(); g++) {
            List<Object> ids = new ArrayList<>();
            List<Object> names = new ArrayList<>();
            for (String name : groups.get(g)) {
                if (optimizer.steps() > 0) { // torch creates a parameter's state at its first update
                    Map<Object, Object> s = new LinkedHashMap<>();
                    s.put("step", stepTensor(optimizer.steps()));
                    s.put("exp_avg", new TorchSaveWriter.Tensor("F32", optimizer.shapeOf(name),
                            () -> optimizer.expAvg(name).data()));
                    s.put("exp_avg_sq", new TorchSaveWriter.Tensor("F32", optimizer.shapeOf(name),
                            () -> optimizer.expAvgSq(name).data()));
                    state.put(index, s);
                }
                ids.add(index++);
                names.add(HfParameterOrder.moduleName(name));
            }
            Map<Object, Object> group = new LinkedHashMap<>();
            group.put("weight_decay", g == 0 ? optimizer.weightDecay() : 0.0);
            group.put("lr", lr);
            group.put("betas", TorchSaveWriter.Tuple.of(optimizer.beta1(), optimizer.beta2()));
            group.put("eps", optimizer.eps());
            group.put("amsgrad", false);
            group.put("maximize", false);
            group.put("foreach", null);
            group.put("capturable", false);
            group.put("differentiable", false);
            group.put("fused", null);
            group.put("decoupled_weight_decay", true);
            group.put("initial_lr", initialLr);
            group.put("param_names", names);
            group.put("params", ids);
            paramGroups.add(group);
        }
        root.put("state", state);
        root.put("param_groups", paramGroups);
        TorchSaveWriter.write(file, root);
    }

    /**
     * Restores the moments and the update count from {@code file} into {@code optimizer}, checking that its
     * groups number the same parameters (by name, where the file names them) with the same shapes.
     */
    public static void restore(Path file, AdamW optimizer) {
        List<List<String>> groups = groups(optimizer);
        try (TorchArchive archive = TorchArchive.open(file)) {
            Map<?, ?> root = map(archive.root(), file + ": the pickle");
            Map<?, ?> state = map(root.get("state"), file + ": \"state\"");
            List<?> saved = list(root.get("param_groups"), file + ": \"param_groups\"");
            if (saved.size() != groups.size()) {
                throw new ModelException(file + ": " + saved.size() + " parameter groups, expected " + groups.size()
                        + " (decayed, not decayed)");
            }
            Long steps = null;
            for (int g = 0; g < groups.size(); g++) {
                String where = file + ": param_groups[" + g + "]";
                Map<?, ?> group = map(saved.get(g), where);
                List<?> ids = list(group.get("params"), where + "[\"params\"]");
                List<String> expected = groups.get(g);
                if (ids.size() != expected.size()) {
                    throw new ModelException(where + " holds " + ids.size() + " parameters, this run trains "
                            + expected.size() + " in that group");
                }
                Object names = group.get("param_names");
                for (int i = 0; i < ids.size(); i++) {
                    String name = expected.get(i);
                    if (names != null) {
                        Object savedName = list(names, where + "[\"param_names\"]").get(i);
                        if (!HfParameterOrder.moduleName(name).equals(savedName)) {
                            throw new ModelException(where + " parameter " + i + " is " + savedName + ", this run has "
                                    + HfParameterOrder.moduleName(name) + " there");
                        }
                    }
                    Object s = state.get(ids.get(i));
                    if (s == null) {
                        continue; // never updated: its moments stay zero
                    }
                    Map<?, ?> entry = map(s, file + ": state of " + name);
                    optimizer.restore(name, archive.tensor(entry.get("exp_avg"), "exp_avg of " + name),
                            archive.tensor(entry.get("exp_avg_sq"), "exp_avg_sq of " + name), file.toString());
                    long step = stepOf(archive.tensor(entry.get("step"), "step of " + name), file, name);
                    if (steps != null && steps != step) {
                        throw new ModelException(file + ": parameters were updated " + steps + " and " + step
                                + " times (" + name + "); prefloop's AdamW keeps one count");
                    }
                    steps = step;
                }
            }
            optimizer.restoreSteps(steps == null ? 0 : steps);
        }
    }

    /** HF's grouping: decayed tensors, then the rest, each in named_parameters() order. */
    private static List<List<String>> groups(AdamW optimizer) {
        List<String> ordered = HfParameterOrder.sorted(optimizer.names());
        List<String> decayed = new ArrayList<>();
        List<String> other = new ArrayList<>();
        for (String name : ordered) {
            (optimizer.decayed().contains(name) ? decayed : other).add(name);
        }
        return List.of(decayed, other);
    }

    /** torch keeps {@code step} as a 0-d float32 tensor, one per parameter (its own storage: foreach adds to each). */
    private static TorchSaveWriter.Tensor stepTensor(long steps) {
        return new TorchSaveWriter.Tensor("F32", new long[0],
                () -> ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(0, steps));
    }

    private static long stepOf(HostTensor t, Path file, String name) {
        double v = switch (t.dtype()) {
            case "F32" -> t.data().getFloat(0);
            case "F64" -> t.data().getDouble(0);
            case "I64" -> t.data().getLong(0);
            default -> throw new ModelException(file + ": step of " + name + " is " + t);
        };
        if (t.numel() != 1 || v < 0 || v != Math.rint(v)) {
            throw new ModelException(file + ": step of " + name + " is " + t + " = " + v + ", not a count");
        }
        return (long) v;
    }

    private static Map<?, ?> map(Object v, String what) {
        if (!(v instanceof Map<?, ?> m)) {
            throw new ModelException(what + " is not a dict");
        }
        return m;
    }

    private static List<?> list(Object v, String what) {
        if (!(v instanceof List<?> l)) {
            throw new ModelException(what + " is not a list");
        }
        return l;
    }
}
