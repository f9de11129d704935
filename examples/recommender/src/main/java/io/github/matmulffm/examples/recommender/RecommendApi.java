package io.github.matmulffm.examples.recommender;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.HttpMediaType;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The HTTP surface: {@code POST /recommend}, {@code GET /health}, {@code GET /metrics}.
 * Every refusal is a 4xx (or 503) with a JSON body {@code {"error": ..., "field": ...}}
 * that names what was wrong; nothing a client sends reaches the scorer unchecked.
 */
final class RecommendApi {
    private static final HeaderName RETRY_AFTER = HeaderNames.create("Retry-After");
    /** Doubles written with Schubfach (the fast writer): a response carries k scores per user. */
    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER).build());

    private final Scorer scorer;
    private final Factors factors;
    private final Options options;
    private final ScoringPool pool;
    private final ServiceMetrics metrics;
    final AtomicBoolean draining = new AtomicBoolean();

    RecommendApi(Scorer scorer, Factors factors, Options options, ScoringPool pool, ServiceMetrics metrics) {
        this.scorer = scorer;
        this.factors = factors;
        this.options = options;
        this.pool = pool;
        this.metrics = metrics;
    }

    void routes(HttpRouting.Builder routing) {
        routing.post("/recommend", this::recommend)
                .get("/health", this::health)
                .get("/metrics", (req, res) -> {
                    res.header(HeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
                    res.send(metrics.scrape());
                });
    }

    private void health(ServerRequest req, ServerResponse res) {
        boolean up = !draining.get();
        ObjectNode body = JSON.createObjectNode().put("status", up ? "UP" : "DRAINING").put("backend", scorer.name());
        send(res, up ? 200 : 503, body);
    }

    private record Request(int[] users, int k) {
    }

    private void recommend(ServerRequest req, ServerResponse res) {
        long arrived = System.nanoTime();
        metrics.inFlight.incrementAndGet();
        try {
            if (draining.get()) {
                throw new ScoringPool.Overloaded("the service is shutting down");
            }
            Request r = parse(req);
            Future<List<Ranking>> scored = pool.submit(() -> scorer.recommend(r.users, r.k));
            List<Ranking> rankings = await(scored);
            send(res, 200, render(rankings));
        } catch (ApiError e) {
            sendError(res, e.status, e.field, e.getMessage());
        } catch (ScoringPool.Overloaded e) {
            metrics.recordRejection();
            res.header(RETRY_AFTER, "1");
            sendError(res, 503, null, e.getMessage());
        } catch (RuntimeException e) {
            sendError(res, 500, null, "internal error: " + e);
        } finally {
            metrics.recordLatency(System.nanoTime() - arrived);
            metrics.inFlight.decrementAndGet();
        }
    }

    private static <T> T await(Future<T> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while scoring", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
        }
    }

    private Request parse(ServerRequest req) {
        boolean json = req.headers().contentType()
                .map(HttpMediaType::mediaType)
                .map(t -> t.type().equals("application") && t.subtype().equals("json"))
                .orElse(false);
        if (!json) {
            throw new ApiError(415, "Content-Type", "the body must be application/json");
        }
        JsonNode body = readJson(req);
        if (!body.isObject()) {
            throw new ApiError(400, "body", "the body must be a JSON object {\"users\": [ids], \"k\": n}");
        }
        for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!name.equals("users") && !name.equals("k")) {
                throw new ApiError(400, name, "unknown field " + name + "; the fields are users and k");
            }
        }
        return new Request(users(body.get("users")), k(body.get("k")));
    }

    private JsonNode readJson(ServerRequest req) {
        int limit = options.maxBodyBytes();
        OptionalLong declared = req.headers().contentLength();
        if (declared.isPresent() && declared.getAsLong() > limit) {
            throw new ApiError(413, "body", "the body is " + declared.getAsLong() + " bytes, more than the limit of " + limit);
        }
        byte[] bytes;
        try (InputStream in = req.content().inputStream()) {
            bytes = in.readNBytes(limit + 1);
            if (bytes.length > limit) {
                throw new ApiError(413, "body", "the body is more than the limit of " + limit + " bytes");
            }
        } catch (IOException e) {
            throw new ApiError(400, "body", "the body could not be read: " + e.getMessage());
        }
        if (bytes.length == 0) {
            throw new ApiError(400, "body", "the body is empty");
        }
        try {
            return JSON.readTree(bytes);
        } catch (JacksonException e) {
            throw new ApiError(400, "body", "malformed JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ApiError(400, "body", "the body could not be read: " + e.getMessage());
        }
    }

    private int[] users(JsonNode users) {
        if (users == null || !users.isArray() || users.isEmpty()) {
            throw new ApiError(400, "users", "users must be a non-empty array of user ids");
        }
        if (users.size() > options.maxCohort()) {
            throw new ApiError(413, "users", users.size() + " users, more than the limit of " + options.maxCohort() + " per request");
        }
        int[] ids = new int[users.size()];
        List<String> unknown = new ArrayList<>();
        for (int i = 0; i < ids.length; i++) {
            JsonNode id = users.get(i);
            if (!id.isIntegralNumber()) {
                throw new ApiError(400, "users", "users[" + i + "] is " + id + ", not an integer id");
            }
            if (!factors.hasUser(id.asLong()) || !id.canConvertToInt()) {
                if (unknown.size() < 10) {
                    unknown.add(id.asText());
                }
                continue;
            }
            ids[i] = id.asInt();
        }
        if (!unknown.isEmpty()) {
            throw new ApiError(404, "users", "unknown user id(s) " + String.join(", ", unknown)
                    + "; ids run from 1 to " + factors.users());
        }
        return ids;
    }

    private int k(JsonNode k) {
        if (k == null || !k.isIntegralNumber() || !k.canConvertToInt()) {
            throw new ApiError(400, "k", "k must be an integer");
        }
        int value = k.asInt();
        if (value <= 0 || value > factors.items()) {
            throw new ApiError(400, "k", "k must be in [1, " + factors.items() + "], got " + value);
        }
        return value;
    }

    /** Streamed straight to bytes: no tree of a few thousand nodes per response. */
    private byte[] render(List<Ranking> rankings) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 + rankings.size() * 32 * (1 + rankings.getFirst().items().length));
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("backend", scorer.name());
            g.writeArrayFieldStart("recommendations");
            for (Ranking r : rankings) {
                g.writeStartObject();
                g.writeNumberField("user", r.user());
                g.writeFieldName("items");
                g.writeArray(r.items(), 0, r.items().length);
                g.writeFieldName("scores");
                g.writeArray(r.scores(), 0, r.scores().length);
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static void sendError(ServerResponse res, int status, String field, String message) {
        ObjectNode body = JSON.createObjectNode().put("error", message);
        if (field != null) {
            body.put("field", field);
        }
        send(res, status, body);
    }

    private static void send(ServerResponse res, int status, JsonNode body) {
        try {
            send(res, status, JSON.writeValueAsBytes(body));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void send(ServerResponse res, int status, byte[] body) {
        res.status(Status.create(status));
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(body);
    }
}
