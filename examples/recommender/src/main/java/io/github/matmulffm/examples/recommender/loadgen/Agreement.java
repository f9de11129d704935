package io.github.matmulffm.examples.recommender.loadgen;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.matmulffm.examples.recommender.Factors;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Checks one backend's answer against the factors themselves, with the project's parity
 * gauge: a score s of user u and item i agrees when |s - ref| < 16 eps sum_p |u_p v_pi|
 * (ref summed in order in double, dblat3's measure), and every item returned is among
 * the reference's top k, up to scores that tie within that tolerance.
 */
public final class Agreement {
    /** The project's parity threshold, in units of the dblat3 gauge. */
    public static final double GAUGE_LIMIT = 16;
    private static final ObjectMapper JSON = new ObjectMapper();

    private Agreement() {
    }

    /** The problems found in {@code responseBody} (empty when it agrees). */
    public static List<String> check(Factors f, int[] users, int k, String responseBody) throws IOException {
        List<String> problems = new ArrayList<>();
        JsonNode recs = JSON.readTree(responseBody).get("recommendations");
        if (recs == null || recs.size() != users.length) {
            problems.add("expected " + users.length + " users, got " + (recs == null ? "none" : recs.size()));
            return problems;
        }
        double worst = 0;
        for (int i = 0; i < users.length && problems.size() < 10; i++) {
            JsonNode rec = recs.get(i);
            if (rec.get("user").asInt() != users[i] || rec.get("items").size() != k) {
                problems.add("user " + users[i] + ": answer " + rec);
                continue;
            }
            double[] all = new double[f.items()], gauge = new double[f.items()];
            for (int j = 0; j < f.items(); j++) {
                for (int p = 0; p < f.rank(); p++) {
                    double term = f.userFactors()[(users[i] - 1) * f.rank() + p] * f.itemFactors()[p * f.items() + j];
                    all[j] += term;
                    gauge[j] += Math.abs(term);
                }
            }
            double[] sorted = all.clone();
            Arrays.sort(sorted);
            double kth = sorted[sorted.length - k];
            for (int t = 0; t < k; t++) {
                int item = rec.get("items").get(t).asInt();
                double score = rec.get("scores").get(t).asDouble();
                double tolerance = GAUGE_LIMIT * Math.ulp(1.0) * gauge[item - 1];
                double ratio = Math.abs(score - all[item - 1]) / (Math.ulp(1.0) * gauge[item - 1]);
                worst = Math.max(worst, ratio);
                if (!(ratio < GAUGE_LIMIT)) {
                    problems.add(String.format("user %d item %d: score %s, reference %s (%.1f x the gauge)", users[i], item, score, all[item - 1], ratio));
                } else if (all[item - 1] < kth - 2 * tolerance) {
                    problems.add("user " + users[i] + ": item " + item + " is not in the top " + k);
                }
            }
        }
        return problems;
    }
}
