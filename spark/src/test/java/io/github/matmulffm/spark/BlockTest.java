package io.github.matmulffm.spark;

import org.apache.spark.mllib.linalg.DenseMatrix;
import org.apache.spark.mllib.linalg.Matrix;
import org.apache.spark.mllib.linalg.SparseMatrix;
import org.apache.spark.serializer.JavaSerializer;
import org.apache.spark.serializer.SerializerInstance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import scala.Tuple2;
import scala.reflect.ClassTag$;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A block survives Spark's serializer bit for bit, dense (across chunk edges), transposed or sparse. */
class BlockTest {
    private static Block roundTrip(Block block) {
        SerializerInstance serializer = new JavaSerializer(new org.apache.spark.SparkConf(false)).newInstance();
        var tag = ClassTag$.MODULE$.<Block>apply(Block.class);
        return serializer.deserialize(serializer.serialize(block, tag), tag);
    }

    private static Tuple2<Tuple2<Object, Object>, Matrix> entry(int i, int j, Matrix m) {
        return new Tuple2<>(new Tuple2<>(i, j), m);
    }

    @ParameterizedTest(name = "{0} x {1}")
    @CsvSource({"1, 1", "3, 5", "8192, 1", "1, 8193", "300, 301"})
    void denseBlocksKeepEveryBit(int rows, int cols) {
        double[] values = new double[rows * cols];
        for (int x = 0; x < values.length; x++) {
            values[x] = RandomBlocks.entry(5, x, rows) * Math.pow(10, x % 40 - 20);
        }
        values[values.length - 1] = Double.NaN;
        values[0] = -0.0;
        Block back = roundTrip(Block.of(entry(7, 9, new DenseMatrix(rows, cols, values))));
        assertEquals(7, back.row());
        assertEquals(9, back.col());
        assertEquals(rows, back.rows());
        assertEquals(cols, back.cols());
        assertFalse(back.isSparse());
        assertEquals(values.length, back.dense().length);
        for (int x = 0; x < values.length; x++) {
            assertEquals(Double.doubleToRawLongBits(values[x]), Double.doubleToRawLongBits(back.dense()[x]), "element " + x);
        }
    }

    @Test
    void aTransposedDenseBlockTravelsColumnMajor() {
        // Row-major storage of [[1, 2, 3], [4, 5, 6]] (isTransposed = true).
        DenseMatrix transposed = new DenseMatrix(2, 3, new double[] {1, 2, 3, 4, 5, 6}, true);
        Block back = roundTrip(Block.of(entry(0, 1, transposed)));
        assertArrayEquals(new double[] {1, 4, 2, 5, 3, 6}, back.dense());
    }

    @Test
    void aDenseEnoughSparseBlockTravelsDense() {
        // What CoordinateMatrix.toBlockMatrix makes of dense data: sparse storage, every entry set.
        SparseMatrix full = new DenseMatrix(2, 2, new double[] {1, 2, 3, 4}).toSparse();
        Block back = roundTrip(Block.of(entry(0, 0, full)));
        assertFalse(back.isSparse());
        assertArrayEquals(new double[] {1, 2, 3, 4}, back.dense());
    }

    @Test
    void aSparseBlockStaysSparkSparse() {
        double[] values = new double[40 * 10];
        values[7] = 1;
        values[123] = 2;
        SparseMatrix sparse = new DenseMatrix(40, 10, values).toSparse();
        Block back = roundTrip(Block.of(entry(2, 3, sparse)));
        assertTrue(back.isSparse());
        assertNull(back.dense());
        assertArrayEquals(sparse.toArray(), back.sparse().toArray());
        assertEquals(40, back.rows());
        assertEquals(10, back.cols());
    }
}
