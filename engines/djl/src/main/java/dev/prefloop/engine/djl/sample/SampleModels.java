package dev.prefloop.engine.djl.sample;

import dev.prefloop.engine.djl.model.LlamaModel;
import dev.prefloop.engine.djl.model.LoraAdapter;
import dev.prefloop.engine.djl.model.LoraAdapterFiles;
import java.util.ArrayList;
import java.util.List;

/**
 * SampleModels are the policy and the reference of a sample run: MODEL with --adapter, and --ref with --ref-adapter.
 * When the reference is MODEL's own weights (no --ref, or --ref naming MODEL) they are loaded once and both models are
 * adapter views over them ({@link LlamaModel#withAdapter}), so a LoRA policy and its reference cost one base in memory.
 *
 * <p>The views are immutable and decoding never sets an adapter's training flag, so the lockstep runner may run the two
 * on two threads over the shared weights.
 */
final class SampleModels implements AutoCloseable {

    private final List<AutoCloseable> owned; // in closing order: adapters before the models they sit on
    private final LlamaModel policy;
    private final LlamaModel ref;

    private SampleModels(List<AutoCloseable> owned, LlamaModel policy, LlamaModel ref) {
        this.owned = owned;
        this.policy = policy;
        this.ref = ref;
    }

    /** Loads what {@code s} names; on failure nothing stays loaded. */
    static SampleModels load(SampleSettings s) {
        List<AutoCloseable> owned = new ArrayList<>();
        try {
            LlamaModel base = LlamaModel.load(s.model(), s.device(), s.dtype());
            owned.add(0, base);
            LoraAdapter adapter = s.adapter() == null ? null : LoraAdapterFiles.load(s.adapter(), base);
            if (adapter != null) {
                owned.add(0, adapter);
            }
            LlamaModel ref = null;
            if (s.hasReference()) {
                LlamaModel refBase = base;
                if (!s.referenceSharesModel()) {
                    refBase = LlamaModel.load(s.ref(), s.device(), s.dtype());
                    owned.add(0, refBase);
                }
                LoraAdapter refAdapter = s.refAdapter() == null ? null : LoraAdapterFiles.load(s.refAdapter(), refBase);
                if (refAdapter != null) {
                    owned.add(0, refAdapter);
                }
                ref = refBase.withAdapter(refAdapter);
            }
            return new SampleModels(owned, adapter == null ? base : base.withAdapter(adapter), ref);
        } catch (RuntimeException e) {
            closeAll(owned);
            throw e;
        }
    }

    /** The policy: MODEL, with --adapter when given. */
    LlamaModel policy() {
        return policy;
    }

    /** The reference, or null when the run has none. */
    LlamaModel ref() {
        return ref;
    }

    /** Frees the adapters, then the models. */
    @Override
    public void close() {
        closeAll(owned);
    }

    private static void closeAll(List<AutoCloseable> owned) {
        RuntimeException failure = null;
        for (AutoCloseable c : owned) {
            try {
                c.close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = e instanceof RuntimeException r ? r : new IllegalStateException(e);
                }
            }
        }
        owned.clear();
        if (failure != null) {
            throw failure;
        }
    }
}
