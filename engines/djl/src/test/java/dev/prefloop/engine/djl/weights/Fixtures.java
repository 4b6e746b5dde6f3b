package dev.prefloop.engine.djl.weights;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/** Fixtures finds the copies of ../shared/fixtures/hf-parity in the test resources. */
final class Fixtures {

    private Fixtures() {}

    static Path dir(String name) {
        URL url = Fixtures.class.getResource("/hf-parity/" + name);
        if (url == null) {
            throw new IllegalStateException("missing test resource hf-parity/" + name);
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }
}
