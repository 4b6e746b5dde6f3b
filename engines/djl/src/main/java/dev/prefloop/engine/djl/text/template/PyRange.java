package dev.prefloop.engine.djl.text.template;

import java.util.AbstractList;
import java.util.List;

/** Python's {@code range(start, stop, step)}: a lazy sequence of integers. */
final class PyRange extends AbstractList<Object> {

    /** The sandbox's limit on range sizes ({@code MAX_RANGE} in jinja2.sandbox). */
    static final long MAX_RANGE = 100_000;

    private final long start;
    private final long stop;
    private final long step;
    private final int size;

    PyRange(long start, long stop, long step) {
        if (step == 0) {
            throw RenderException.of("range() arg 3 must not be zero");
        }
        this.start = start;
        this.stop = stop;
        this.step = step;
        long n = step > 0 ? (stop - start + step - 1) / step : (start - stop - step - 1) / -step;
        if (n > MAX_RANGE) {
            throw RenderException.of("Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).");
        }
        this.size = (int) Math.max(0, n);
    }

    long start() {
        return start;
    }

    long stop() {
        return stop;
    }

    long step() {
        return step;
    }

    /** {@code range[a:b:c]} is again a range, as in Python. */
    PyRange slice(Attributes.SliceValue s) {
        List<Object> picked = Attributes.sliceIndices(size, s);
        long first = (Long) picked.get(0);
        long last = (Long) picked.get(1);
        long by = (Long) picked.get(2);
        return new PyRange(start + first * step, start + last * step, step * by);
    }

    @Override
    public Object get(int index) {
        if (index < 0 || index >= size) {
            throw new IndexOutOfBoundsException(index);
        }
        return start + step * index;
    }

    @Override
    public int size() {
        return size;
    }
}
