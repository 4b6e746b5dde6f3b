package dev.prefloop.core.judge;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/** LocalServer is an HTTP server on 127.0.0.1 (a free port) for judge tests; it records requests and concurrency. */
public final class LocalServer implements AutoCloseable {

    /** What the handler answers: status, body, and optional Retry-After. */
    public record Reply(int status, String body, String retryAfter) {
        public static Reply ok(String body) {
            return new Reply(200, body, null);
        }
    }

    /** Computes a reply from the request number (0-based) and body. */
    public interface Handler {
        Reply handle(int n, String body, HttpExchange ex) throws Exception;
    }

    private final HttpServer server;
    public final AtomicInteger requests = new AtomicInteger();
    public final AtomicInteger inFlight = new AtomicInteger();
    public final AtomicInteger maxInFlight = new AtomicInteger();
    public final List<String> bodies = new CopyOnWriteArrayList<>();
    public final List<String> authorizations = new CopyOnWriteArrayList<>();

    public LocalServer(String path, Handler handler) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext(path, ex -> {
            int now = inFlight.incrementAndGet();
            maxInFlight.accumulateAndGet(now, Math::max);
            try {
                String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                int n = requests.getAndIncrement();
                bodies.add(body);
                String auth = ex.getRequestHeaders().getFirst("Authorization");
                authorizations.add(auth == null ? "" : auth);
                Reply r = handler.handle(n, body, ex);
                byte[] out = r.body().getBytes(StandardCharsets.UTF_8);
                if (r.retryAfter() != null) {
                    ex.getResponseHeaders().add("Retry-After", r.retryAfter());
                }
                ex.getResponseHeaders().add("Content-Type", "application/json");
                ex.sendResponseHeaders(r.status(), out.length);
                try (OutputStream o = ex.getResponseBody()) {
                    o.write(out);
                }
            } catch (Exception e) {
                ex.sendResponseHeaders(599, -1);
            } finally {
                inFlight.decrementAndGet();
                ex.close();
            }
        });
        server.start();
    }

    /** http://127.0.0.1:PORT */
    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
