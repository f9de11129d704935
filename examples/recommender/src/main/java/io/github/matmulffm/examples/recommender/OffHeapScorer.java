package io.github.matmulffm.examples.recommender;

import io.github.matmulffm.Layout;
import io.github.matmulffm.Matmul;
import io.github.matmulffm.Transpose;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * This library over memory the service keeps off-heap: the factors are copied off-heap
 * once at start-up, each scoring thread keeps its own off-heap cohort and score buffers,
 * and the top-k reads the scores where the kernel wrote them. Nothing is copied per call
 * but the cohort's rows.
 */
final class OffHeapScorer implements Scorer {
    private static final ValueLayout.OfDouble D = ValueLayout.JAVA_DOUBLE;

    private final Arena arena = Arena.ofShared();
    private final MemorySegment users;
    private final MemorySegment itemFactors;
    private final int rank;
    private final int items;
    /** Per scoring thread; freed by the GC with the thread's buffers once the thread is gone. */
    private final ThreadLocal<Buffers> buffers = ThreadLocal.withInitial(Buffers::new);

    private static final class Buffers {
        final Arena arena = Arena.ofAuto();
        MemorySegment cohort = MemorySegment.NULL;
        MemorySegment scores = MemorySegment.NULL;
    }

    OffHeapScorer(Factors f) {
        rank = f.rank();
        items = f.items();
        users = arena.allocateFrom(D, f.userFactors());
        itemFactors = arena.allocateFrom(D, f.itemFactors());
    }

    @Override
    public String name() {
        return "off-heap";
    }

    @Override
    public List<Ranking> recommend(int[] userIds, int k) {
        int c = userIds.length;
        Buffers b = buffers.get();
        if (b.cohort.byteSize() < (long) c * rank * Double.BYTES) {
            b.cohort = b.arena.allocate(D, (long) c * rank);
            b.scores = b.arena.allocate(D, (long) c * items);
        }
        long rowBytes = (long) rank * Double.BYTES;
        for (int i = 0; i < c; i++) {
            MemorySegment.copy(users, (userIds[i] - 1) * rowBytes, b.cohort, i * rowBytes, rowBytes);
        }
        Matmul.dgemm(Layout.ROW_MAJOR, Transpose.NO_TRANS, Transpose.NO_TRANS, c, items, rank,
                1.0, b.cohort, rank, itemFactors, items, 0.0, b.scores, items);
        MemorySegment scores = b.scores;
        TopK top = new TopK(k);
        List<Ranking> out = new ArrayList<>(c);
        for (int i = 0; i < c; i++) {
            long row = (long) i * items;
            out.add(top.rank(userIds[i], scores, row, items));
        }
        return out;
    }

    @Override
    public void close() {
        arena.close();
    }
}
