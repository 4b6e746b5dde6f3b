package dev.prefloop.core.judge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.TextNode;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;

class BothOrdersTest {

    /** A pairwise judge computing p from each request; it records what it was asked. */
    static final class Fake implements PairwiseJudge {
        final List<PairRequest> asked = new ArrayList<>();
        final ToDoubleFunction<PairRequest> p;

        Fake(ToDoubleFunction<PairRequest> p) {
            this.p = p;
        }

        @Override
        public double[] compare(List<PairRequest> batch) {
            asked.addAll(batch);
            return batch.stream().mapToDouble(p).toArray();
        }

        @Override
        public String describe() {
            return "fake";
        }
    }

    static PairRequest pair(String a, String b) {
        return new PairRequest("r/0-1", new TextNode("q"), null, Response.text(a), Response.text(b));
    }

    @Test
    void asksBothOrdersInOneBatchWithSwappedIds() {
        Fake f = new Fake(r -> 0.7);
        new BothOrders(f).compare(List.of(pair("x", "y")));
        assertEquals(2, f.asked.size());
        assertEquals("x", f.asked.get(0).a().text());
        assertEquals("y", f.asked.get(1).a().text());
        assertEquals("r/0-1~swapped", f.asked.get(1).id());
    }

    @Test
    void aJudgeThatAlwaysPrefersTheFirstPositionGivesATie() {
        BothOrders j = new BothOrders(new Fake(r -> 1.0));
        assertArrayEquals(new double[] {0.5}, j.compare(List.of(pair("x", "y"))));
        assertArrayEquals(new double[] {1.0, 0.0}, j.compareBoth(List.of(pair("x", "y")))[0]);
    }

    @Test
    void aConsistentJudgeIsUnchangedAndABiasedOneIsAveraged() {
        // p(x > y) = 0.8 whatever the order: p(y, x) = 0.2.
        BothOrders consistent = new BothOrders(new Fake(r -> r.a().text().equals("x") ? 0.8 : 0.2));
        assertEquals(0.8, consistent.compare(List.of(pair("x", "y")))[0], 1e-12);
        // Position bias +0.1 on the first slot: p(x, y) = 0.9, p(y, x) = 0.3 -> (0.9 + 0.7) / 2 = 0.8.
        BothOrders biased = new BothOrders(new Fake(r -> r.a().text().equals("x") ? 0.9 : 0.3));
        assertEquals(0.8, biased.compare(List.of(pair("x", "y")))[0], 1e-12);
    }

    @Test
    void bradleyTerryIsStableAndLiftsScorers() {
        assertEquals(0.5, BradleyTerry.p(3, 3), 0);
        assertEquals(1 / (1 + Math.exp(-1)), BradleyTerry.p(2, 1), 1e-15);
        assertEquals(1.0, BradleyTerry.p(1000, -1000), 0);
        assertEquals(0.0, BradleyTerry.p(-1000, 1000), 0);
        PointwiseJudge len = new PointwiseJudge() {
            @Override
            public double[] score(List<ScoreRequest> batch) {
                return batch.stream().mapToDouble(r -> r.response().text().length()).toArray();
            }

            @Override
            public String describe() {
                return "len";
            }
        };
        assertArrayEquals(new double[] {BradleyTerry.p(3, 1), BradleyTerry.p(1, 2)},
                BradleyTerry.lift(len).compare(List.of(pair("abc", "a"), pair("a", "ab"))), 1e-15);
    }
}
