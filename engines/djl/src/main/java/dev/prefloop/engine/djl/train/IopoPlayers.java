package dev.prefloop.engine.djl.train;

import dev.prefloop.engine.djl.model.ComputeDtype;
import dev.prefloop.engine.djl.model.DeviceSpec;
import dev.prefloop.engine.djl.model.LlamaModel;
import java.nio.file.Path;
import java.util.Optional;

/**
 * IopoPlayers loads IOPO's two players: two whole models (full fine-tuning; the adversary may start elsewhere), or
 * two LoRA adapters over one frozen base held for the whole game. A player comes from a finished phase or a
 * checkpoint when there is one, else from its start.
 */
abstract class IopoPlayers implements AutoCloseable {

    /** The player's model: from {@code dir} (a phase's output or a checkpoint) when present, else its start. */
    abstract LlamaModel open(IopoSchedule.Player player, Optional<Path> dir);

    /** Frees what {@link #open} loaded for a player that is being replaced. */
    abstract void release(LlamaModel player);

    /** Frees everything still held. */
    @Override
    public abstract void close();

    /** Players as whole float32 models. */
    static IopoPlayers models(Path protagonistStart, Path adversaryStart, DeviceSpec device) {
        return new IopoPlayers() {
            private final java.util.List<LlamaModel> open = new java.util.ArrayList<>();

            @Override
            LlamaModel open(IopoSchedule.Player player, Optional<Path> dir) {
                Path start = player == IopoSchedule.Player.PROTAGONIST ? protagonistStart : adversaryStart;
                LlamaModel m = LlamaModel.load(dir.orElse(start), device, ComputeDtype.FLOAT32);
                open.add(m);
                return m;
            }

            @Override
            void release(LlamaModel player) {
                open.remove(player);
                player.close();
            }

            @Override
            public void close() {
                open.forEach(LlamaModel::close);
                open.clear();
            }
        };
    }

    /**
     * Players as adapters on one base: each starts from {@code lora.adapter()} when given, else from a new adapter
     * (the protagonist drawn from {@code seed}, the adversary from seed + 1; both start equal to the base, B = 0).
     */
    static IopoPlayers adapters(Path model, LoraSettings lora, DeviceSpec device, long seed) {
        LlamaModel base = PolicyModel.loadBase(model, lora, device);
        return new IopoPlayers() {
            private final java.util.List<LlamaModel> open = new java.util.ArrayList<>();

            @Override
            LlamaModel open(IopoSchedule.Player player, Optional<Path> dir) {
                long playerSeed = seed + (player == IopoSchedule.Player.ADVERSARY ? 1 : 0);
                LlamaModel m = base.withAdapter(PolicyModel.adapter(base, lora, dir, playerSeed));
                open.add(m);
                return m;
            }

            @Override
            void release(LlamaModel player) {
                open.remove(player);
                player.adapter().close();
            }

            @Override
            public void close() {
                open.forEach(m -> m.adapter().close());
                open.clear();
                base.close();
            }
        };
    }
}
