package io.github.matmulffm.examples.recommender;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FactorStoreTest {
    @TempDir
    Path dir;

    String url() {
        return "jdbc:h2:file:" + dir.resolve("factors");
    }

    @Test
    void generatesOnceFromTheSeedAndLoadsTheSame() throws SQLException {
        Factors first = FactorStore.open(url(), 40, 30, 8, 5);
        Factors again = FactorStore.open(url(), 40, 30, 8, 5);
        assertArrayEquals(first.userFactors(), again.userFactors());
        assertArrayEquals(first.itemFactors(), again.itemFactors());
        assertEquals(40, first.users());
        assertTrue(first.hasUser(1) && first.hasUser(40) && !first.hasUser(0) && !first.hasUser(41));
        double bound = 1 / Math.sqrt(8);
        for (double x : first.userFactors()) {
            assertTrue(Math.abs(x) <= bound, "factor " + x + " out of range");
        }
        // The first user's first factor is the seed's first draw, scaled.
        assertEquals(new SplitMix64(5).nextSigned() * bound, first.userFactors()[0]);
    }

    @Test
    void otherSizesOrSeedRegenerate() throws SQLException {
        Factors a = FactorStore.open(url(), 40, 30, 8, 5);
        Factors b = FactorStore.open(url(), 40, 30, 8, 6);
        assertFalse(java.util.Arrays.equals(a.userFactors(), b.userFactors()));
        Factors c = FactorStore.open(url(), 50, 20, 4, 6);
        assertEquals(50 * 4, c.userFactors().length);
        assertEquals(4 * 20, c.itemFactors().length);
    }

    @Test
    void aDamagedTableIsReportedNotGuessed() throws SQLException {
        FactorStore.open(url(), 40, 30, 8, 5);
        try (Connection db = DriverManager.getConnection(url()); Statement s = db.createStatement()) {
            s.execute("DELETE FROM item_factors WHERE id = 3");
        }
        SQLException e = assertThrows(SQLException.class, () -> FactorStore.open(url(), 40, 30, 8, 5));
        assertTrue(e.getMessage().contains("item_factors has 29 rows, expected 30"), e.getMessage());
    }
}
