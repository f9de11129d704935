package io.github.matmulffm.examples.recommender;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The factors in a relational database, read through JDBC at start-up. Generated once from
 * a seed (SplitMix64, uniform in [-1, 1) scaled by 1/sqrt(rank)) when the tables are empty
 * or were made for other sizes. Plain SQL that H2 and PostgreSQL both take: a vector is one
 * {@code BYTEA} of little-endian doubles.
 */
public final class FactorStore {
    private FactorStore() {
    }

    /** Loads the factors at {@code jdbcUrl}, generating them first if they are missing or of other sizes. */
    public static Factors open(String jdbcUrl, int users, int items, int rank, long seed) throws SQLException {
        try (Connection db = DriverManager.getConnection(jdbcUrl)) {
            try (Statement s = db.createStatement()) {
                s.execute("CREATE TABLE IF NOT EXISTS model_info (users INTEGER NOT NULL, items INTEGER NOT NULL, "
                        + "model_rank INTEGER NOT NULL, seed BIGINT NOT NULL)");
                s.execute("CREATE TABLE IF NOT EXISTS user_factors (id INTEGER PRIMARY KEY, factors BYTEA NOT NULL)");
                s.execute("CREATE TABLE IF NOT EXISTS item_factors (id INTEGER PRIMARY KEY, factors BYTEA NOT NULL)");
            }
            if (!matches(db, users, items, rank, seed)) {
                generate(db, users, items, rank, seed);
            }
            return load(db, users, items, rank);
        }
    }

    private static boolean matches(Connection db, int users, int items, int rank, long seed) throws SQLException {
        try (Statement s = db.createStatement();
             ResultSet r = s.executeQuery("SELECT users, items, model_rank, seed FROM model_info")) {
            return r.next() && r.getInt(1) == users && r.getInt(2) == items && r.getInt(3) == rank && r.getLong(4) == seed;
        }
    }

    private static void generate(Connection db, int users, int items, int rank, long seed) throws SQLException {
        boolean autoCommit = db.getAutoCommit();
        db.setAutoCommit(false);
        try (Statement s = db.createStatement()) {
            s.execute("DELETE FROM model_info");
            s.execute("DELETE FROM user_factors");
            s.execute("DELETE FROM item_factors");
            SplitMix64 random = new SplitMix64(seed);
            insert(db, "user_factors", users, rank, random);
            insert(db, "item_factors", items, rank, random);
            try (PreparedStatement p = db.prepareStatement("INSERT INTO model_info VALUES (?, ?, ?, ?)")) {
                p.setInt(1, users);
                p.setInt(2, items);
                p.setInt(3, rank);
                p.setLong(4, seed);
                p.executeUpdate();
            }
            db.commit();
        } catch (SQLException e) {
            db.rollback();
            throw e;
        } finally {
            db.setAutoCommit(autoCommit);
        }
    }

    private static void insert(Connection db, String table, int rows, int rank, SplitMix64 random) throws SQLException {
        double scale = 1 / Math.sqrt(rank);
        try (PreparedStatement p = db.prepareStatement("INSERT INTO " + table + " (id, factors) VALUES (?, ?)")) {
            ByteBuffer vector = ByteBuffer.allocate(rank * Double.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            for (int id = 1; id <= rows; id++) {
                vector.clear();
                for (int f = 0; f < rank; f++) {
                    vector.putDouble(random.nextSigned() * scale);
                }
                p.setInt(1, id);
                p.setBytes(2, vector.array());
                p.addBatch();
                if (id % 500 == 0) {
                    p.executeBatch();
                }
            }
            p.executeBatch();
        }
    }

    private static Factors load(Connection db, int users, int items, int rank) throws SQLException {
        double[] userFactors = new double[users * rank];
        double[] itemFactors = new double[rank * items];
        read(db, "user_factors", users, rank, (id, f, value) -> userFactors[(id - 1) * rank + f] = value);
        // Items are stored one vector per item; the product wants them as the columns of V.
        read(db, "item_factors", items, rank, (id, f, value) -> itemFactors[f * items + (id - 1)] = value);
        return new Factors(users, items, rank, userFactors, itemFactors);
    }

    private interface Sink {
        void put(int id, int factor, double value);
    }

    private static void read(Connection db, String table, int rows, int rank, Sink sink) throws SQLException {
        int seen = 0;
        try (Statement s = db.createStatement(); ResultSet r = s.executeQuery("SELECT id, factors FROM " + table)) {
            while (r.next()) {
                int id = r.getInt(1);
                ByteBuffer vector = ByteBuffer.wrap(r.getBytes(2)).order(ByteOrder.LITTLE_ENDIAN);
                if (id < 1 || id > rows || vector.remaining() != rank * Double.BYTES) {
                    throw new SQLException(table + " row " + id + " does not fit " + rows + " rows of rank " + rank);
                }
                for (int f = 0; f < rank; f++) {
                    sink.put(id, f, vector.getDouble());
                }
                seen++;
            }
        }
        if (seen != rows) {
            throw new SQLException(table + " has " + seen + " rows, expected " + rows);
        }
    }
}
