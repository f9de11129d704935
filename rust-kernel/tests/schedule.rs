//! The plan and the hand-out: pieces cover C exactly once in whole tiles, and the result
//! is bit-identical to the serial path whatever order the pieces are computed in (the
//! hand-out gives them to threads in whatever order they come free).
mod common;

use common::{kinds, Case, Problem};
use matmul_kernel::blocking::Blocking;
use matmul_kernel::dispatch::{resolve, KernelKind};
use matmul_kernel::gemm::plan;
use matmul_kernel::microkernel::Kernels;
use matmul_kernel::schedule::{run_in_order, Pieces, Run};
use matmul_kernel::MM_OK;

fn blocking_of<T: Kernels>(kind: KernelKind) -> Blocking {
    common::blocking::<T>(kind)
}

#[test]
fn pieces_cover_c_once_in_whole_tiles() {
    let bl = blocking_of::<f64>(matmul_kernel::dispatch::best());
    for (m, n, k) in [(128, 128, 128), (512, 512, 512), (1000, 37, 500), (37, 4000, 300), (2048, 2048, 64), (97, 1001, 120)] {
        for threads in [2, 3, 4, 16] {
            let pieces = plan::<f64>(m, n, k, bl, threads).expect("parallel plan");
            let runs = pieces.runs.clone();
            assert!(runs.len() >= pieces.threads && pieces.threads > 1 && pieces.threads <= threads, "{m}x{n}: {pieces:?}");
            // Factoring: no piece is wider than one handed out before it (band ends aside).
            for pair in runs.windows(2) {
                let width = |r: &Run| r.t1 - r.t0;
                assert!(width(&pair[1]) <= width(&pair[0]) || pair[0].t1 == pieces.col_tiles, "{m}x{n}: {runs:?}");
            }
            let mut seen = vec![0u8; m * n];
            for (i, &run) in runs.iter().enumerate() {
                let ((r0, r1), (c0, c1)) = pieces.bounds(run, m, n);
                assert!(r0 < r1 && c0 < c1, "empty piece {i} of {pieces:?} for {m}x{n}");
                assert!(r0 % bl.mc == 0 && c0 % bl.nr == 0 && c1 - c0 <= bl.nc, "piece {i} of {pieces:?}: not whole blocks");
                for r in r0..r1 {
                    for c in c0..c1 {
                        seen[r * n + c] += 1;
                    }
                }
            }
            assert!(seen.iter().all(|&s| s == 1), "{m}x{n}, {threads} threads: {pieces:?}");
        }
    }
    assert_eq!(plan::<f64>(512, 512, 512, bl, 1), None, "one thread runs serially");
    assert_eq!(plan::<f64>(20, 20, 20, bl, 4), None, "tiny products run serially");
    let many = plan::<f64>(512, 512, 512, bl, 1024).unwrap();
    assert!(many.threads <= many.runs.len(), "no more threads than pieces: {many:?}");
    // Equal rounds: with two threads of equal speed taking pieces in turn, each gets half.
    let even = plan::<f64>(1000, 1000, 1000, bl, 2).unwrap();
    let share = |parity: usize| even.runs.iter().skip(parity).step_by(2).map(|r| r.t1 - r.t0).sum::<usize>();
    assert!(share(0).abs_diff(share(1)) <= 1, "{:?}", even.runs);
    // The last pieces are narrow: a thread whose core is taken from it while it holds the
    // last piece holds the call up for that piece only.
    for n in [768, 1000, 1536, 2048] {
        let pieces = plan::<f64>(n, n, n, bl, 2).unwrap();
        let last = pieces.runs.last().unwrap();
        assert!((last.t1 - last.t0) * bl.nr <= 32usize.next_multiple_of(bl.nr), "n = {n}: {:?}", pieces.runs);
    }
}

/// Ways to cut and order: the plan's pieces in turn, reversed and shuffled, and every
/// tile a piece of its own, shuffled.
fn orders(pieces: &Pieces) -> Vec<Vec<Run>> {
    let forward = pieces.runs.clone();
    let reversed: Vec<Run> = forward.iter().rev().copied().collect();
    let tiles = Pieces::new(pieces.mc, pieces.row_blocks, pieces.bands, pieces.nr, pieces.col_tiles, 1, (1, 1)).runs;
    let mut rng = common::SplitMix64(forward.len() as u64);
    let mut shuffle = |mut runs: Vec<Run>| {
        for i in (1..runs.len()).rev() {
            let j = (rng.next_u64() % (i as u64 + 1)) as usize;
            runs.swap(i, j);
        }
        runs
    };
    let shuffled = shuffle(forward.clone());
    let tiles_shuffled = shuffle(tiles);
    vec![forward, reversed, shuffled, tiles_shuffled]
}

fn order_does_not_matter<T: Kernels>() {
    let cases = [
        Case::new(300, 200, 600).scalars(1.0, 0.0),
        Case::new(193, 257, 131).variant(3).padded(2, 1, 3).scalars(-0.5, 2.0),
        Case::new(401, 75, 520).variant(5).padded(0, 4, 0).scalars(0.7, 1.0),
        Case::new(1000, 6, 520).padded(2, 0, 1).scalars(1.0, -0.5),
    ];
    for kind in kinds() {
        for (s, case) in cases.into_iter().enumerate() {
            let problem = Problem::<T>::new(case, 100 + s as u64);
            let serial = problem.run(kind, 1);
            let bl = blocking_of::<T>(kind);
            // A column-major C is computed as its row-major transpose: plan on that shape.
            let mut probe = problem.c.data.clone();
            let shape = matmul_kernel::gemm::row_major_c(&problem.gemm_over(&mut probe));
            let pieces: Pieces = plan::<T>(shape.m, shape.n, shape.k, bl, 3).expect("parallel plan");
            for order in orders(&pieces) {
                let mut c = problem.c.data.clone();
                let status = run_ordered::<T>(kind, &problem.gemm_over(&mut c), &pieces, &order);
                assert_eq!(status, MM_OK);
                let same = serial.iter().zip(&c).all(|(x, y)| x.to_f64().to_bits() == y.to_f64().to_bits());
                assert!(same, "{}: {case:?}: pieces in order {order:?} differ from the serial result", kind.name());
            }
        }
    }
}

/// run_in_order with the kernel of `kind`, on the row-major view the planner uses.
fn run_ordered<T: Kernels>(kind: KernelKind, g: &matmul_kernel::problem::Gemm<T>, pieces: &Pieces, order: &[Run]) -> i32 {
    let g = matmul_kernel::gemm::row_major_c(g);
    match resolve(kind) {
        KernelKind::Avx512 => run_in_order::<T, T::Avx512>(&g, pieces, order),
        KernelKind::Avx2 => run_in_order::<T, T::Avx2>(&g, pieces, order),
        KernelKind::Neon => run_in_order::<T, T::Neon>(&g, pieces, order),
        KernelKind::Generic => run_in_order::<T, T::Generic>(&g, pieces, order),
    }
}

#[test]
fn piece_order_does_not_change_a_bit_f64() {
    order_does_not_matter::<f64>();
}

#[test]
fn piece_order_does_not_change_a_bit_f32() {
    order_does_not_matter::<f32>();
}
