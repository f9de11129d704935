//! Per-call thread budgets (`mm_dgemm_budgeted`): many budgeted callers share the
//! process's slots and never run the kernel on more threads than the thread setting; a
//! budget never grows the pool; a bad budget is refused before anything is touched.
//!
//! The tests change the process-wide thread setting, so they run one at a time.
mod common;

use std::sync::{Barrier, Mutex, MutexGuard};

use common::SplitMix64;
use matmul_kernel::*;

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// A square product big enough to go parallel (well above MM_PARALLEL_MIN_MNK).
struct Square {
    n: usize,
    a: Vec<f64>,
    b: Vec<f64>,
}

impl Square {
    fn new(n: usize, seed: u64) -> Square {
        let mut rng = SplitMix64(seed);
        Square { n, a: (0..n * n).map(|_| rng.unit()).collect(), b: (0..n * n).map(|_| rng.unit()).collect() }
    }

    fn multiply(&self, budget: i32) -> (mm_status, Vec<f64>) {
        let n = self.n as i64;
        let mut c = vec![f64::NAN; self.n * self.n];
        // SAFETY: every pointer is valid for the length passed with it.
        let status = unsafe {
            mm_dgemm_budgeted(MM_ROW_MAJOR, MM_NO_TRANS, MM_NO_TRANS, n, n, n, 1.0, self.a.as_ptr(), n, n * n,
                self.b.as_ptr(), n, n * n, 0.0, c.as_mut_ptr(), n, n * n, budget)
        };
        (status, c)
    }
}

fn same_bits(x: &[f64], y: &[f64]) -> bool {
    x.len() == y.len() && x.iter().zip(y).all(|(p, q)| p.to_bits() == q.to_bits())
}

/// `callers` threads, started together, each multiplying `rounds` times with `budget`;
/// returns the most threads seen running the kernel at once.
fn concurrent_peak(callers: usize, rounds: usize, budget: i32, problems: &[Square], expected: &[Vec<f64>]) -> i32 {
    let start = Barrier::new(callers);
    mm_threads_peak(1);
    std::thread::scope(|scope| {
        for t in 0..callers {
            let start = &start;
            scope.spawn(move || {
                start.wait();
                for r in 0..rounds {
                    let i = (t + r) % problems.len();
                    let (status, c) = problems[i].multiply(budget);
                    assert_eq!(status, MM_OK, "caller {t} round {r}");
                    assert!(same_bits(&c, &expected[i]), "caller {t} round {r}: result differs from the 1-thread one");
                }
            });
        }
    });
    mm_threads_peak(1)
}

fn problems() -> (Vec<Square>, Vec<Vec<f64>>) {
    let problems: Vec<Square> = [(256, 1), (320, 2), (288, 3)].iter().map(|&(n, s)| Square::new(n, s)).collect();
    let expected = problems.iter().map(|p| p.multiply(1).1).collect();
    (problems, expected)
}

#[test]
fn eight_callers_with_budget_one_never_exceed_two_threads() {
    let _serial = serial();
    assert_eq!(mm_set_num_threads(2), MM_OK);
    let (problems, expected) = problems();
    let peak = concurrent_peak(8, 6, 1, &problems, &expected);
    assert!((1..=2).contains(&peak), "8 callers with budget 1 on 2 slots: {peak} threads ran the kernel at once");
    assert!(mm_pool_threads() <= 1, "the pool grew to {} workers", mm_pool_threads());
    assert_eq!(mm_threads_in_use(), 0, "slots left held after every call returned");
    assert_eq!(mm_set_num_threads(0), MM_OK);
}

#[test]
fn callers_with_budget_two_share_the_slots() {
    let _serial = serial();
    assert_eq!(mm_set_num_threads(3), MM_OK);
    let (problems, expected) = problems();
    let peak = concurrent_peak(5, 6, 2, &problems, &expected);
    assert!((1..=3).contains(&peak), "5 callers with budget 2 on 3 slots: {peak} threads at once");
    assert_eq!(mm_threads_in_use(), 0);
    assert_eq!(mm_set_num_threads(0), MM_OK);
}

#[test]
fn one_slot_runs_budgeted_callers_one_at_a_time() {
    let _serial = serial();
    assert_eq!(mm_set_num_threads(1), MM_OK);
    let (problems, expected) = problems();
    let peak = concurrent_peak(4, 4, 4, &problems, &expected);
    assert_eq!(peak, 1, "one slot: budgeted calls must run one at a time");
    assert_eq!(mm_set_num_threads(0), MM_OK);
}

/// What the budget buys: the same callers without one compute alone when the pool is
/// taken, so the check above would see more threads than slots if budgets were ignored.
#[test]
fn callers_without_a_budget_may_exceed_the_slots() {
    let _serial = serial();
    assert_eq!(mm_set_num_threads(2), MM_OK);
    let (problems, expected) = problems();
    let peak = concurrent_peak(8, 6, 0, &problems, &expected);
    assert!(peak > 2, "8 unbudgeted callers: expected them to compute alone side by side, saw {peak}");
    assert_eq!(mm_set_num_threads(0), MM_OK);
}

#[test]
fn a_budget_above_the_setting_does_not_grow_the_pool() {
    let _serial = serial();
    assert_eq!(mm_shutdown(), MM_OK);
    assert_eq!(mm_set_num_threads(2), MM_OK);
    let p = Square::new(384, 9);
    let (status, wide) = p.multiply(MM_MAX_THREADS);
    assert_eq!(status, MM_OK);
    assert!(same_bits(&wide, &p.multiply(1).1), "a budget of {MM_MAX_THREADS} changed the result");
    assert!(mm_pool_threads() <= 1, "budget {MM_MAX_THREADS} on a setting of 2 spawned {} workers", mm_pool_threads());
    assert!(mm_threads_peak(1) <= 2);
    assert_eq!(mm_set_num_threads(0), MM_OK);
}

#[test]
fn no_budget_is_plain_dgemm() {
    let _serial = serial();
    let p = Square::new(300, 4);
    let (status, budgetless) = p.multiply(0);
    assert_eq!(status, MM_OK);
    let n = p.n as i64;
    let mut c = vec![0.0; p.n * p.n];
    // SAFETY: every pointer is valid for the length passed with it.
    let status = unsafe {
        mm_dgemm(MM_ROW_MAJOR, MM_NO_TRANS, MM_NO_TRANS, n, n, n, 1.0, p.a.as_ptr(), n, n * n, p.b.as_ptr(), n, n * n,
            0.0, c.as_mut_ptr(), n, n * n)
    };
    assert_eq!(status, MM_OK);
    assert!(same_bits(&budgetless, &c));
}

#[test]
fn a_bad_budget_is_refused_before_c_is_touched() {
    let _serial = serial();
    let (m, n, k) = (4i64, 3i64, 2i64);
    let a = vec![1.0f32; 8];
    let b = vec![1.0f32; 6];
    for budget in [-1, i32::MIN, MM_MAX_THREADS + 1, i32::MAX] {
        let mut c = vec![7.0f32; 12];
        // SAFETY: every pointer is valid for the length passed with it.
        let status = unsafe {
            mm_sgemm_budgeted(MM_ROW_MAJOR, MM_NO_TRANS, MM_NO_TRANS, m, n, k, 1.0, a.as_ptr(), k, 8, b.as_ptr(), n, 6,
                0.0, c.as_mut_ptr(), n, 12, budget)
        };
        assert_eq!(status, MM_ERR_INVALID_ARGUMENT, "budget {budget}");
        assert!(c.iter().all(|&x| x == 7.0), "budget {budget}: C was written");
    }
    // The other checks still apply with a good budget.
    let mut c = vec![7.0f32; 12];
    // SAFETY: as above; c_len is deliberately short.
    let status = unsafe {
        mm_sgemm_budgeted(MM_ROW_MAJOR, MM_NO_TRANS, MM_NO_TRANS, m, n, k, 1.0, a.as_ptr(), k, 8, b.as_ptr(), n, 6,
            0.0, c.as_mut_ptr(), n, 11, 1)
    };
    assert_eq!(status, MM_ERR_BUFFER_TOO_SMALL);
}
