package dev.prefloop.core.judge.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.prefloop.core.data.JsonCodec;
import dev.prefloop.core.judge.JudgeException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JsonPoster POSTs a JSON body and reads a JSON answer, retrying what may pass: 429 and 5xx
 * answers and failed connections, after a Retry-After header's delay or an exponential backoff
 * (base, 2 base, 4 base, ...; at most 60 s). Other 4xx answers fail at once. Header values are
 * never logged (one of them is the API key).
 */
final class JsonPoster {

    private static final Logger LOG = LoggerFactory.getLogger(JsonPoster.class);
    private static final long MAX_WAIT_MS = 60_000;

    private final HttpClient client;
    private final URI uri;
    private final Duration timeout;
    private final int maxRetries;
    private final Duration backoff;
    private final Map<String, String> headers;
    private final ObjectMapper json = JsonCodec.mapper();

    JsonPoster(URI uri, Duration timeout, int maxRetries, Duration backoff, Map<String, String> headers) {
        this.client = HttpClient.newBuilder().connectTimeout(timeout).version(HttpClient.Version.HTTP_1_1).build();
        this.uri = uri;
        this.timeout = timeout;
        this.maxRetries = maxRetries;
        this.backoff = backoff;
        this.headers = Map.copyOf(headers);
    }

    /** The answer to {@code body}; {@code what} names the request in errors, e.g. "request 'r7/0-1'". */
    JsonNode post(JsonNode body, String what) {
        String payload;
        try {
            payload = json.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        for (int attempt = 0; ; attempt++) {
            HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(timeout)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(payload, StandardCharsets.UTF_8));
            headers.forEach(b::header);
            String problem;
            Optional<String> retryAfter = Optional.empty();
            try {
                HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                int code = r.statusCode();
                if (code / 100 == 2) {
                    return parse(r.body(), what);
                }
                problem = "HTTP " + code + ": " + clip(r.body());
                if (code != 429 && code / 100 != 5) {
                    throw new JudgeException(uri + " answered " + what + " with " + problem);
                }
                retryAfter = r.headers().firstValue("Retry-After");
            } catch (IOException e) {
                problem = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new JudgeException(uri + ": interrupted while sending " + what, e);
            }
            if (attempt >= maxRetries) {
                throw new JudgeException(uri + ": " + what + " failed after " + (attempt + 1) + " attempt(s)"
                        + " (--judge-retries " + maxRetries + "); last: " + problem);
            }
            long waitMs = waitMillis(attempt, retryAfter);
            LOG.warn("{}: {} got {}; retry {} of {} in {} ms", uri, what, problem, attempt + 1, maxRetries, waitMs);
            try {
                Thread.sleep(waitMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new JudgeException(uri + ": interrupted while waiting to retry " + what, e);
            }
        }
    }

    /** Retry-After in seconds when the server gives one, else base * 2^attempt; capped at 60 s. */
    long waitMillis(int attempt, Optional<String> retryAfter) {
        if (retryAfter.isPresent()) {
            try {
                return Math.min(MAX_WAIT_MS, Math.max(0, Long.parseLong(retryAfter.get().trim())) * 1000);
            } catch (NumberFormatException e) {
                // an HTTP date: fall back to the backoff
            }
        }
        return Math.min(MAX_WAIT_MS, backoff.toMillis() << Math.min(attempt, 20));
    }

    private JsonNode parse(String body, String what) {
        try {
            return json.readTree(body);
        } catch (JsonProcessingException e) {
            throw new JudgeException(uri + " answered " + what + " with a body that is not JSON: " + clip(body));
        }
    }

    static String clip(String s) {
        String one = s == null ? "" : s.replace('\n', ' ');
        return one.length() <= 300 ? one : one.substring(0, 300) + "...";
    }
}
