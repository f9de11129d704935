//! A persistent thread pool for splitting one multiply into parts.
//!
//! * Workers are spawned lazily, once, and then park on a condition variable between
//!   calls: no thread is created per call.
//! * One caller at a time owns the pool (`try_lock`). A caller that finds it busy gets
//!   `None` back and computes alone on its own thread: concurrent callers never wait on
//!   each other (no deadlock) and never stack more workers onto the cores.
//! * The caller works on the parts too, and takes over any part no worker has claimed
//!   yet, so a slow wake-up costs at most one part's time.
//! * Every part runs under `catch_unwind`: a panic is reported to the caller as a
//!   failure; the worker survives and no lock is poisoned.
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Condvar, Mutex, MutexGuard, OnceLock};

use crate::status::{mm_status, MM_ERR_INTERNAL};

/// What a part reports: Ok, or the status the whole call should fail with.
pub type PartResult = Result<(), mm_status>;
type Job = dyn Fn(usize) -> PartResult + Sync;

/// A borrowed job with its lifetime erased. The caller that publishes it does not return
/// before every claimed part has finished and the pointer has been withdrawn.
#[derive(Clone, Copy)]
struct JobPtr(*const Job);
// SAFETY: the pointee is Sync, and it outlives every use (see above).
unsafe impl Send for JobPtr {}

struct State {
    job: Option<JobPtr>,
    parts: usize,
    next: usize,
    running: usize,
    failure: Option<mm_status>,
}

struct Shared {
    state: Mutex<State>,
    work: Condvar,
    done: Condvar,
}

pub struct Pool {
    /// Held by the caller that owns the pool; counts the workers spawned so far.
    owner: Mutex<usize>,
    shared: Shared,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Nothing panics while these locks are held, but never turn poison into a deadlock.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn pool() -> &'static Pool {
    static POOL: OnceLock<Pool> = OnceLock::new();
    POOL.get_or_init(|| Pool {
        owner: Mutex::new(0),
        shared: Shared {
            state: Mutex::new(State { job: None, parts: 0, next: 0, running: 0, failure: None }),
            work: Condvar::new(),
            done: Condvar::new(),
        },
    })
}

fn run_part(job: JobPtr, index: usize) -> PartResult {
    // SAFETY: the job outlives this call (see JobPtr).
    let f = unsafe { &*job.0 };
    match catch_unwind(AssertUnwindSafe(|| f(index))) {
        Ok(result) => result,
        Err(_) => Err(MM_ERR_INTERNAL),
    }
}

/// Claims the next unclaimed part, if any (with `state` locked).
fn claim(st: &mut State) -> Option<(JobPtr, usize)> {
    match st.job {
        Some(job) if st.next < st.parts => {
            let index = st.next;
            st.next += 1;
            st.running += 1;
            Some((job, index))
        }
        _ => None,
    }
}

fn finish(shared: &Shared, st: &mut State, result: PartResult) {
    if let Err(status) = result {
        st.failure.get_or_insert(status);
    }
    st.running -= 1;
    if st.running == 0 && st.next >= st.parts {
        shared.done.notify_all();
    }
}

fn worker_loop(shared: &'static Shared) {
    let mut st = lock(&shared.state);
    loop {
        if let Some((job, index)) = claim(&mut st) {
            drop(st);
            let result = run_part(job, index);
            st = lock(&shared.state);
            finish(shared, &mut st, result);
        } else {
            st = shared.work.wait(st).unwrap_or_else(|e| e.into_inner());
        }
    }
}

/// Runs `job(0) .. job(parts - 1)` on the caller and up to `parts - 1` pool workers and
/// returns the first failure, or `None` without running anything if another caller
/// owns the pool.
pub fn run_parts<'a>(parts: usize, job: &'a (dyn Fn(usize) -> PartResult + Sync + 'a)) -> Option<PartResult> {
    let pool = pool();
    let mut workers = match pool.owner.try_lock() {
        Ok(guard) => guard,
        Err(std::sync::TryLockError::Poisoned(e)) => e.into_inner(),
        Err(std::sync::TryLockError::WouldBlock) => return None,
    };
    let shared: &'static Shared = &pool.shared;
    while *workers < parts - 1 {
        let spawned = std::thread::Builder::new()
            .name(format!("matmul-worker-{}", *workers))
            .spawn(move || worker_loop(shared));
        match spawned {
            Ok(_) => *workers += 1,
            // Fewer workers only means the caller takes more parts itself.
            Err(_) => break,
        }
    }

    // SAFETY: erases the borrow's lifetime; this function withdraws the pointer and
    // waits for every claimed part before it returns, panicking or not (parts are run
    // under catch_unwind), so no worker can touch `job` after it goes away.
    let erased: &'static Job = unsafe { std::mem::transmute::<&'a (dyn Fn(usize) -> PartResult + Sync + 'a), &'static Job>(job) };
    {
        let mut st = lock(&shared.state);
        *st = State { job: Some(JobPtr(erased)), parts, next: 0, running: 0, failure: None };
    }
    shared.work.notify_all();

    let mut st = lock(&shared.state);
    while let Some((job, index)) = claim(&mut st) {
        drop(st);
        let result = run_part(job, index);
        st = lock(&shared.state);
        finish(shared, &mut st, result);
    }
    while st.running > 0 {
        st = shared.done.wait(st).unwrap_or_else(|e| e.into_inner());
    }
    let failure = st.failure.take();
    st.job = None;
    drop(st);
    drop(workers);
    Some(match failure {
        Some(status) => Err(status),
        None => Ok(()),
    })
}
