package io.github.matmulffm.examples.recommender;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.matmulffm.examples.recommender.loadgen.Agreement;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The case study's check of a backend's answer: true answers pass, wrong scores and items fail. */
class AgreementTest {
    static final Factors F = ScorerTest.random(40, 30, 12, 9);
    static final int[] USERS = {3, 17, 40};

    static ObjectNode answer(Scorer s) {
        ObjectNode body = Http.JSON.createObjectNode();
        ArrayNode recs = body.putArray("recommendations");
        for (Ranking r : s.recommend(USERS, 5)) {
            ObjectNode u = recs.addObject().put("user", r.user());
            ArrayNode items = u.putArray("items"), scores = u.putArray("scores");
            for (int i = 0; i < 5; i++) {
                items.add(r.items()[i]);
                scores.add(r.scores()[i]);
            }
        }
        return body;
    }

    @Test
    void everyBackendsAnswerAgrees() throws Exception {
        for (String backend : Scorer.BACKENDS) {
            try (Scorer s = Scorer.create(backend, F)) {
                assertEquals(List.of(), Agreement.check(F, USERS, 5, answer(s).toString()), backend);
            }
        }
    }

    @Test
    void aScoreOffByMoreThanTheGaugeFails() throws Exception {
        ObjectNode body = answer(Scorer.create("tuned", F));
        ArrayNode scores = (ArrayNode) body.get("recommendations").get(1).get("scores");
        scores.set(2, scores.get(2).asDouble() * (1 + 1e-9));
        List<String> problems = Agreement.check(F, USERS, 5, body.toString());
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.getFirst().startsWith("user 17 item"), problems.getFirst());
    }

    @Test
    void anItemOutsideTheTopKFails() throws Exception {
        ObjectNode body = answer(Scorer.create("tuned", F));
        // Replace user 3's last item by the worst item, with its true score.
        double[] all = new double[F.items()];
        int worst = 0;
        for (int j = 0; j < F.items(); j++) {
            all[j] = ScorerTest.reference(F, 3, j + 1);
            worst = all[j] < all[worst] ? j : worst;
        }
        ObjectNode rec = (ObjectNode) body.get("recommendations").get(0);
        ((ArrayNode) rec.get("items")).set(4, worst + 1);
        ((ArrayNode) rec.get("scores")).set(4, all[worst]);
        List<String> problems = Agreement.check(F, USERS, 5, body.toString());
        assertEquals(List.of("user 3: item " + (worst + 1) + " is not in the top 5"), problems);
    }

    @Test
    void aMissingUserFails() throws Exception {
        ObjectNode body = answer(Scorer.create("tuned", F));
        ((ArrayNode) body.get("recommendations")).remove(2);
        assertEquals(List.of("expected 3 users, got 2"), Agreement.check(F, USERS, 5, body.toString()));
    }
}
