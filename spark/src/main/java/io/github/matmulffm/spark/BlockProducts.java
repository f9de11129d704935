package io.github.matmulffm.spark;

import io.github.matmulffm.Layout;
import io.github.matmulffm.Matmul;
import io.github.matmulffm.Transpose;
import org.apache.spark.mllib.linalg.DenseMatrix;
import org.apache.spark.mllib.linalg.Matrix;
import scala.Tuple2;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The dense work of one task: C(i, j) = sum over k of A(i, k) B(k, j) for the C blocks the
 * task owns, on the kernel. Each C block is accumulated off-heap with beta = 1 and copied
 * out once; each A and B block is copied off-heap once per task, however many C blocks use
 * it, so no product pays the heap path's staging copies. A product with a block too sparse
 * for the kernel ({@link Block#DENSE_ENOUGH}) keeps Spark's own path
 * ({@code Matrix.multiply}, Spark's local BLAS).
 */
final class BlockProducts {
    private BlockProducts() {
    }

    /**
     * The C blocks of rows {@code aRows} (A's blocks by (i, k)) times columns {@code bCols}
     * (B's blocks by (k, j)): every (i, j) for which some k has both A(i, k) and B(k, j).
     */
    static List<Tuple2<Tuple2<Object, Object>, Matrix>> multiply(Map<Integer, Map<Integer, Block>> aByRow,
                                                                 Map<Integer, Map<Integer, Block>> bByCol) {
        List<Tuple2<Tuple2<Object, Object>, Matrix>> out = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            Map<Block, MemorySegment> offHeap = new IdentityHashMap<>();
            for (var aRow : new TreeMap<>(aByRow).entrySet()) {
                for (var bCol : new TreeMap<>(bByCol).entrySet()) {
                    Matrix c = blockOfC(aRow.getKey(), bCol.getKey(), aRow.getValue(), bCol.getValue(), arena, offHeap);
                    if (c != null) {
                        out.add(new Tuple2<>(new Tuple2<>(aRow.getKey(), bCol.getKey()), c));
                    }
                }
            }
        }
        return out;
    }

    private static Matrix blockOfC(int i, int j, Map<Integer, Block> aRow, Map<Integer, Block> bCol, Arena arena,
                                   Map<Block, MemorySegment> offHeap) {
        MemorySegment c = null;
        double[] sparseSum = null;
        int m = -1, n = -1;
        // k in order: the sum's order, and so its rounding, does not depend on the shuffle.
        for (var entry : new TreeMap<>(aRow).entrySet()) {
            Block a = entry.getValue();
            Block b = bCol.get(entry.getKey());
            if (b == null) {
                continue;
            }
            if (a.cols() != b.rows()) {
                throw new IllegalArgumentException("the blocks don't line up: A block (" + i + ", " + a.col() + ") is "
                        + a.rows() + "x" + a.cols() + " but B block (" + b.row() + ", " + j + ") is " + b.rows() + "x"
                        + b.cols());
            }
            if (m < 0) {
                m = a.rows();
                n = b.cols();
            } else if (a.rows() != m || b.cols() != n) {
                throw new IllegalArgumentException("the blocks don't line up: C block (" + i + ", " + j + ") would be "
                        + m + "x" + n + " from one k and " + a.rows() + "x" + b.cols() + " from k = " + a.col());
            }
            if (a.isSparse() || b.isSparse()) {
                DenseMatrix partial = a.asSpark().multiply(b.isSparse() ? b.sparse().toDense() : (DenseMatrix) b.asSpark());
                if (sparseSum == null) {
                    sparseSum = new double[m * n];
                }
                double[] values = partial.isTransposed() ? partial.toArray() : partial.values();
                for (int x = 0; x < values.length; x++) {
                    sparseSum[x] += values[x];
                }
                continue;
            }
            MemorySegment aSegment = offHeap.computeIfAbsent(a, block -> copy(arena, block.dense()));
            MemorySegment bSegment = offHeap.computeIfAbsent(b, block -> copy(arena, block.dense()));
            boolean first = c == null;
            if (first) {
                c = arena.allocate((long) m * n * Double.BYTES, 64);
            }
            Matmul.dgemm(Layout.COL_MAJOR, Transpose.NO_TRANS, Transpose.NO_TRANS, m, n, a.cols(), 1.0,
                    aSegment, m, bSegment, b.rows(), first ? 0.0 : 1.0, c, m);
        }
        if (m < 0) {
            return null;
        }
        double[] values = c == null ? new double[m * n] : c.toArray(ValueLayout.JAVA_DOUBLE);
        if (sparseSum != null) {
            for (int x = 0; x < values.length; x++) {
                values[x] += sparseSum[x];
            }
        }
        return new DenseMatrix(m, n, values);
    }

    private static MemorySegment copy(Arena arena, double[] values) {
        MemorySegment segment = arena.allocate((long) values.length * Double.BYTES, 64);
        MemorySegment.copy(values, 0, segment, ValueLayout.JAVA_DOUBLE, 0, values.length);
        return segment;
    }
}
