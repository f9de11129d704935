package io.github.matmulffm.examples.recommender;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.InputStream;
import java.net.http.HttpRequest;


import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The service on an ephemeral loopback port, with the off-heap backend, against good and bad requests. */
class ServiceTest {
    static RecommenderService service;
    static int port;

    @BeforeAll
    static void start() throws Exception {
        service = RecommenderService.start(Options.parse("--port", "0", "--users", "200", "--items", "50", "--rank", "16",
                "--jdbc-url", "jdbc:h2:mem:service-test", "--max-cohort", "100", "--max-body-bytes", "4096"));
        port = service.port();
    }

    @AfterAll
    static void stop() {
        service.close();
    }

    @Test
    void recommendsTheTopKOfEachUser() {
        Http.Reply r = Http.post(port, "application/json; charset=utf-8", "{\"users\": [3, 1, 3, 200], \"k\": 5}");
        assertEquals(200, r.status(), r.response().body());
        JsonNode json = r.json();
        assertEquals("off-heap", json.get("backend").asText());
        JsonNode recs = json.get("recommendations");
        assertEquals(4, recs.size());
        int[] expectedUsers = {3, 1, 3, 200};
        for (int i = 0; i < 4; i++) {
            JsonNode user = recs.get(i);
            assertEquals(expectedUsers[i], user.get("user").asInt());
            assertEquals(5, user.get("items").size());
            assertEquals(5, user.get("scores").size());
            for (int t = 1; t < 5; t++) {
                assertTrue(user.get("scores").get(t - 1).asDouble() >= user.get("scores").get(t).asDouble(), "best first");
            }
        }
        // The same user twice in a cohort gets the same answer.
        assertEquals(recs.get(0), recs.get(2));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            unknown user                 | {"users": [1, 201], "k": 3}         | 404 | users | 201
            user id zero                 | {"users": [0], "k": 3}              | 404 | users | 0
            user id past int             | {"users": [99999999999], "k": 3}    | 404 | users | 99999999999
            user id not an integer       | {"users": [1.5], "k": 3}            | 400 | users | users[0]
            user id a string             | {"users": ["7"], "k": 3}            | 400 | users | users[0]
            users missing                | {"k": 3}                            | 400 | users | users
            users empty                  | {"users": [], "k": 3}               | 400 | users | non-empty
            users not an array           | {"users": 5, "k": 3}                | 400 | users | array
            cohort over the limit        | {"users": [%s], "k": 3}             | 413 | users | limit of 100
            k zero                       | {"users": [1], "k": 0}              | 400 | k     | got 0
            k negative                   | {"users": [1], "k": -4}             | 400 | k     | got -4
            k past the item count        | {"users": [1], "k": 51}             | 400 | k     | [1, 50]
            k missing                    | {"users": [1]}                      | 400 | k     | integer
            k a string                   | {"users": [1], "k": "3"}            | 400 | k     | integer
            k fractional                 | {"users": [1], "k": 2.5}            | 400 | k     | integer
            k past int                   | {"users": [1], "k": 4294967296}     | 400 | k     | integer
            unknown field                | {"users": [1], "k": 3, "x": 1}      | 400 | x     | unknown field x
            malformed JSON               | {"users": [1], "k": 3               | 400 | body  | malformed JSON
            not an object                | [1, 2, 3]                           | 400 | body  | JSON object
            a bare string                | "hello"                             | 400 | body  | JSON object
            body over the limit          | {"users": [1], "k": 3, "pad": "%s"} | 413 | body  | limit of 4096
            """)
    void badRequestsGetAJsonErrorNamingTheField(String what, String body, int status, String field, String says) {
        String filled = body.replace("%s", what.equals("cohort over the limit") ? "1,".repeat(100) + "1" : "x".repeat(5000));
        Http.Reply r = Http.post(port, "application/json", filled);
        assertEquals(status, r.status(), what + ": " + r.response().body());
        assertEquals("application/json", r.header("Content-Type"));
        JsonNode json = r.json();
        assertEquals(field, json.get("field").asText(), what);
        assertTrue(json.get("error").asText().contains(says), what + ": " + json);
        assertServiceStillAnswers();
    }

    @ParameterizedTest(name = "content type {0}")
    @CsvSource(value = {"text/plain", "application/x-www-form-urlencoded", "application/jsonx", "NONE"})
    void wrongContentTypesGet415(String type) {
        Http.Reply r = Http.post(port, type.equals("NONE") ? null : type, "{\"users\": [1], \"k\": 3}");
        assertEquals(415, r.status());
        assertEquals("Content-Type", r.json().get("field").asText());
        assertServiceStillAnswers();
    }

    @Test
    void aHugeBodyWithoutContentLengthIsCutOffAtTheLimit() {
        // Chunked: the server cannot refuse on the header and must stop reading at the limit.
        byte[] chunk = "x".repeat(1024).getBytes();
        HttpRequest r = Http.request(port, "/recommend").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(() -> new InputStream() {
                    long left = 64L << 20; // 64 MiB, far past the 4 KiB limit

                    @Override
                    public int read() {
                        return left-- > 0 ? 'x' : -1;
                    }

                    @Override
                    public int read(byte[] b, int off, int len) {
                        if (left <= 0) {
                            return -1;
                        }
                        int n = (int) Math.min(Math.min(len, chunk.length), left);
                        System.arraycopy(chunk, 0, b, off, n);
                        left -= n;
                        return n;
                    }
                }))).build();
        int status;
        try {
            status = Http.send(r).status();
        } catch (RuntimeException e) {
            status = -1; // the server may close the connection after answering 413
        }
        assertTrue(status == 413 || status == -1, "status " + status);
        assertServiceStillAnswers();
    }

    @Test
    void healthAndMetrics() {
        Http.post(port, "application/json", "{\"users\": [1], \"k\": 3}");
        Http.Reply health = Http.get(port, "/health");
        assertEquals(200, health.status());
        assertEquals("UP", health.json().get("status").asText());
        Http.Reply metrics = Http.get(port, "/metrics");
        assertEquals(200, metrics.status());
        assertTrue(metrics.header("Content-Type").startsWith("text/plain"), metrics.header("Content-Type"));
        String text = metrics.response().body();
        for (String name : new String[]{"recommender_request_latency_seconds_bucket{backend=\"off-heap\"",
                "recommender_request_latency_seconds_count", "recommender_requests_in_flight",
                "recommender_requests_rejected_total{backend=\"off-heap\"}", "recommender_backend{backend=\"off-heap\"} 1.0",
                "recommender_scoring_queue", "process_cpu_usage"}) {
            assertTrue(text.contains(name), "no " + name + " in /metrics");
        }
    }

    static void assertServiceStillAnswers() {
        Http.Reply r = Http.post(port, "application/json", "{\"users\": [2], \"k\": 1}");
        assertEquals(200, r.status(), r.response().body());
    }

}
