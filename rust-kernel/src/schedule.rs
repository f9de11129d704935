//! The hand-out: the second of the three steps of a parallel call (the plan in `gemm`,
//! the hand-out here, one piece in `driver`). A call's pieces are numbered; every thread
//! of the pool that joins, the caller included, takes the next piece with one atomic
//! `fetch_add` until none are left. A thread on a busy core simply takes fewer pieces:
//! nobody waits for anybody but at the end of the call, for the last pieces in flight.
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::driver;
use crate::element::Element;
use crate::microkernel::Microkernel;
use crate::pack::{with_shared_slab, AllocError, SharedBlocks};
use crate::pool;
use crate::problem::Gemm;
use crate::status::{mm_status, MM_ERR_ALLOCATION, MM_OK};

/// Above this many bytes the shared A slab is not used: every piece packs its own A
/// blocks (as each thread did before pieces were shared), so a huge A costs no more
/// memory. 64 MiB: every MC x KC block of a 2900 x 2900 f64 A.
const MAX_SHARED_BYTES: usize = 64 << 20;

/// Whether the pieces of an m x k A share its packed blocks (see `MAX_SHARED_BYTES`).
pub fn shares_a<T>(m: usize, k: usize, bl: crate::blocking::Blocking) -> bool {
    let (block_len, blocks) = driver::shared_a_len(m, k, bl);
    slab_fits::<T>(block_len, blocks)
}

fn slab_fits<T>(block_len: usize, blocks: usize) -> bool {
    block_len.saturating_mul(blocks).saturating_mul(std::mem::size_of::<T>()) <= MAX_SHARED_BYTES
}

/// How a call's C is cut. Rows: its `row_blocks` blocks of `mc` rows, split evenly into
/// `bands`. Columns: its `col_tiles` tiles of `nr` columns, cut into runs of consecutive
/// tiles of one band; a run is one piece. Runs come in rounds of one per thread, each
/// round's runs a share of the work left (factoring: half of it over the threads, from
/// `max_run` tiles, at most NC columns, down to `min_run`, and the last round splits what
/// is left evenly): early pieces are wide and
/// cheap to run, the last ones small, so a thread slow on its last piece holds the call
/// up for a small piece only, and threads of equal speed finish together.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pieces {
    pub mc: usize,
    pub row_blocks: usize,
    pub bands: usize,
    pub nr: usize,
    pub col_tiles: usize,
    pub threads: usize,
    /// In hand-out order.
    pub runs: Vec<Run>,
}

/// One piece: tiles `t0..t1` of band `band`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Run {
    pub band: usize,
    pub t0: usize,
    pub t1: usize,
}

impl Pieces {
    /// The runs of `bands` x `col_tiles` units for `threads` threads (see the type).
    pub fn new(mc: usize, row_blocks: usize, bands: usize, nr: usize, col_tiles: usize, threads: usize,
               (min_run, max_run): (usize, usize)) -> Pieces {
        let units = bands * col_tiles;
        let mut runs = Vec::new();
        let mut at = 0;
        while at < units {
            let left = units - at;
            let mut size = left.div_ceil(2 * threads).clamp(min_run, max_run);
            if size * threads > left {
                // The last round: what is left, evenly, below min_run if need be.
                size = left.div_ceil(threads);
            }
            for _ in 0..threads {
                if at >= units {
                    break;
                }
                let (band, t0) = (at / col_tiles, at % col_tiles);
                let t1 = (t0 + size).min(col_tiles);
                runs.push(Run { band, t0, t1 });
                at += t1 - t0;
            }
        }
        Pieces { mc, row_blocks, bands, nr, col_tiles, threads, runs }
    }

    /// Rows and columns of a piece of an m x n C.
    pub fn bounds(&self, run: Run, m: usize, n: usize) -> ((usize, usize), (usize, usize)) {
        let row_edge = |band: usize| (band * self.row_blocks / self.bands * self.mc).min(m);
        ((row_edge(run.band), row_edge(run.band + 1)), ((run.t0 * self.nr).min(n), (run.t1 * self.nr).min(n)))
    }
}

fn status(r: Result<(), AllocError>) -> mm_status {
    match r {
        Ok(()) => MM_OK,
        Err(_) => MM_ERR_ALLOCATION,
    }
}

/// Runs every piece on up to `pieces.threads` threads of the pool (the slots for them are
/// already granted).
pub fn run<T: Element, K: Microkernel<T>>(p: &Gemm<T>, pieces: &Pieces) -> mm_status {
    let threads = pieces.threads;
    let (block_len, blocks) = driver::shared_a_len(p.m, p.k, K::BLOCKING);
    let share = slab_fits::<T>(block_len, blocks);
    // One call at a time shares its A blocks through the slab; a call that finds it held
    // (another parallel call is running) has each piece pack its own, as a huge A does.
    let run_with = |slab: Option<&mut crate::pack::AlignedBuf>| -> mm_status {
        let shared = match slab {
            Some(slab) if share => match slab.get::<T>(block_len * blocks) {
                // SAFETY: the slab holds blocks * block_len elements and outlives `shared`.
                Ok(base) => Some(unsafe { SharedBlocks::new(base, block_len, blocks) }),
                Err(_) => return MM_ERR_ALLOCATION,
            },
            _ => None,
        };
        let next = AtomicUsize::new(0);
        let job = |thread: usize| -> pool::PartResult {
            // Taking a piece is one fetch_add on the shared counter.
            while let Some(&run) = pieces.runs.get(next.fetch_add(1, Ordering::Relaxed)) {
                let (rows, cols) = pieces.bounds(run, p.m, p.n);
                let row_blocks = (rows.1 - rows.0).div_ceil(K::BLOCKING.mc);
                match status(driver::piece::<T, K>(p, rows, cols, shared.as_ref(), thread * row_blocks / threads)) {
                    MM_OK => {}
                    failure => return Err(failure),
                }
            }
            Ok(())
        };
        pool::run_parts(threads, &job).err().unwrap_or(MM_OK)
    };
    if !share {
        return run_with(None);
    }
    with_shared_slab(|slab| run_with(Some(slab))).unwrap_or_else(|| run_with(None))
}

/// The given pieces on the calling thread in the given order, for tests: the result must
/// not depend on how C is cut into pieces nor on the order they are computed in.
pub fn run_in_order<T: Element, K: Microkernel<T>>(p: &Gemm<T>, pieces: &Pieces, order: &[Run]) -> mm_status {
    let (block_len, blocks) = driver::shared_a_len(p.m, p.k, K::BLOCKING);
    let mut slab = crate::pack::AlignedBuf::new();
    {
        let Ok(base) = slab.get::<T>(block_len * blocks) else { return MM_ERR_ALLOCATION };
        // SAFETY: the slab holds blocks * block_len elements and outlives `shared`.
        let shared = unsafe { SharedBlocks::new(base, block_len, blocks) };
        for (turn, &run) in order.iter().enumerate() {
            let (rows, cols) = pieces.bounds(run, p.m, p.n);
            let first = turn % (rows.1 - rows.0).div_ceil(K::BLOCKING.mc);
            let failure = status(driver::piece::<T, K>(p, rows, cols, Some(&shared), first));
            if failure != MM_OK {
                return failure;
            }
        }
        MM_OK
    }
}
