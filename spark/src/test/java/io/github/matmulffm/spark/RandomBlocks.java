package io.github.matmulffm.spark;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.mllib.linalg.DenseMatrix;
import org.apache.spark.mllib.linalg.Matrix;
import org.apache.spark.mllib.linalg.SparseMatrix;
import org.apache.spark.mllib.linalg.distributed.BlockMatrix;
import scala.Tuple2;

import java.util.ArrayList;
import java.util.List;

/** Seeded random BlockMatrices (SplitMix64), with uneven edge blocks when the size asks for them. */
final class RandomBlocks {
    private RandomBlocks() {
    }

    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Uniform in [-1, 1), a pure function of (seed, i, j): the same entry whatever the blocking. */
    static double entry(long seed, long i, long j) {
        long z = mix(seed * 0x9E3779B97F4A7C15L + mix(i * 0x632BE59BD9B4E019L + j));
        return (z >>> 11) / (double) (1L << 53) * 2 - 1;
    }

    /**
     * A rows x cols matrix in blocks of rowsPerBlock x colsPerBlock over {@code partitions}
     * partitions; every {@code sparseEvery}-th block (0: none) is stored sparse, keeping
     * about one entry in a hundred (sparse enough to keep Spark's sparse product).
     */
    static BlockMatrix matrix(JavaSparkContext jsc, long seed, int rows, int cols, int rowsPerBlock, int colsPerBlock,
                              int partitions, int sparseEvery) {
        List<Tuple2<Tuple2<Object, Object>, Matrix>> blocks = new ArrayList<>();
        int count = 0;
        for (int bi = 0; bi * rowsPerBlock < rows; bi++) {
            for (int bj = 0; bj * colsPerBlock < cols; bj++) {
                int r = Math.min(rowsPerBlock, rows - bi * rowsPerBlock);
                int c = Math.min(colsPerBlock, cols - bj * colsPerBlock);
                double[] values = new double[r * c];
                for (int j = 0; j < c; j++) {
                    for (int i = 0; i < r; i++) {
                        values[j * r + i] = entry(seed, (long) bi * rowsPerBlock + i, (long) bj * colsPerBlock + j);
                    }
                }
                Matrix block;
                if (sparseEvery > 0 && count++ % sparseEvery == 0) {
                    for (int x = 0; x < values.length; x++) {
                        if (Math.abs(values[x]) > 0.01) {
                            values[x] = 0;
                        }
                    }
                    block = new DenseMatrix(r, c, values).toSparse();
                } else {
                    block = new DenseMatrix(r, c, values);
                }
                blocks.add(new Tuple2<>(new Tuple2<>(bi, bj), block));
            }
        }
        return new BlockMatrix(Rdds.blocks(jsc.parallelize(blocks, partitions)), rowsPerBlock, colsPerBlock, rows, cols);
    }

    static boolean isSparse(Matrix m) {
        return m instanceof SparseMatrix;
    }
}
