package dev.prefloop.engine.djl.train;

import dev.prefloop.engine.djl.model.ComputeDtype;
import dev.prefloop.engine.djl.model.DeviceSpec;
import dev.prefloop.engine.djl.model.LlamaModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * IopoPlayers loads IOPO's two players: two whole models (full fine-tuning; the adversary may start elsewhere), or
 * two LoRA adapters over one frozen base held for the whole game. A player comes from a finished phase or a
 * checkpoint when there is one, else from its start.
 */
final class IopoPlayers implements AutoCloseable {

    /** Makes a player's model from {@code dir} (a phase's output or a checkpoint) when present, else from its start. */
    private interface Loader {
        LlamaModel load(IopoSchedule.Player player, Optional<Path> dir);
    }

    private final Loader loader;
    private final Consumer<LlamaModel> free;
    private final LlamaModel sharedBase; // the LoRA players' base, or null
    private final List<LlamaModel> open = new ArrayList<>();

    private IopoPlayers(Loader loader, Consumer<LlamaModel> free, LlamaModel sharedBase) {
        this.loader = loader;
        this.free = free;
        this.sharedBase = sharedBase;
    }

    /** Players as whole float32 models. */
    static IopoPlayers models(Path protagonistStart, Path adversaryStart, DeviceSpec device) {
        return new IopoPlayers((player, dir) -> LlamaModel.load(dir.orElse(
                player == IopoSchedule.Player.PROTAGONIST ? protagonistStart : adversaryStart), device,
                ComputeDtype.FLOAT32), LlamaModel::close, null);
    }

    /**
     * Players as adapters on one base: each starts from {@code lora.adapter()} when given, else from a new adapter
     * (the protagonist drawn from {@code seed}, the adversary from seed + 1; both start equal to the base, B = 0).
     */
    static IopoPlayers adapters(Path model, LoraSettings lora, DeviceSpec device, long seed) {
        LlamaModel base = PolicyModel.loadBase(model, lora, device);
        return new IopoPlayers((player, dir) -> base.withAdapter(PolicyModel.adapter(base, lora, dir,
                seed + (player == IopoSchedule.Player.ADVERSARY ? 1 : 0))), view -> view.adapter().close(), base);
    }

    /** The player's model, held until {@link #release} or {@link #close}. */
    LlamaModel open(IopoSchedule.Player player, Optional<Path> dir) {
        LlamaModel m = loader.load(player, dir);
        open.add(m);
        return m;
    }

    /** Frees what {@link #open} loaded for a player that is being replaced. */
    void release(LlamaModel player) {
        open.remove(player);
        free.accept(player);
    }

    /** Frees everything still held. */
    @Override
    public void close() {
        open.forEach(free);
        open.clear();
        if (sharedBase != null) {
            sharedBase.close();
        }
    }
}
