//! A persistent thread pool for splitting one multiply into parts.
//!
//! * Workers are spawned lazily, once, and then wait between calls: no thread is
//!   created per call. They are OS threads from `os_thread`, which says why.
//! * Waiting is "spin, then park": after its last part a worker polls for new work for
//!   [`SPIN`] (yielding the core to any other runnable thread on every poll), then parks
//!   on a condition variable. On a virtual machine a parked worker's idle vCPU halts,
//!   and waking it costs more than a whole part of a mid-sized product; back-to-back
//!   calls find the worker awake.
//! * One caller at a time owns the pool (`try_lock`). A caller that finds it busy gets
//!   `None` back and computes alone on its own thread: concurrent callers never wait on
//!   each other (no deadlock) and never stack more workers onto the cores.
//! * The caller works on the parts too, and takes over any part no worker has claimed
//!   yet, so a slow wake-up costs at most one part's time.
//! * A worker that finds itself on its caller's CPU moves off it for the call
//!   (`placement` says why); it takes back its whole mask before it parks.
//! * Every part runs under `catch_unwind`: a panic is reported to the caller as a
//!   failure; the worker survives and no lock is poisoned.
//! * Workers above the thread setting are retired ([`retire_above`]), and [`shutdown`]
//!   stops and joins them all: a host that unloads the library (a JVM class loader that
//!   goes away) must not leave threads parked in code that is about to be unmapped. A
//!   later call simply spawns workers again.
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use crate::os_thread::{self, Handle};
use crate::placement::{self, Placement};
use crate::status::{mm_status, MM_ERR_INTERNAL};

/// How long an idle worker (or a caller waiting for the last part) polls before it
/// blocks in the kernel.
pub(crate) const SPIN: Duration = Duration::from_millis(2);

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
    /// Bumped for every published job; parked workers wait for it to change.
    epoch: u64,
    parked_workers: usize,
    caller_parked: bool,
    /// Workers whose index is at least this exit when they next look for work.
    keep: usize,
    /// The CPU the caller of the job in flight was on when it published it.
    caller_cpu: Option<usize>,
}

struct Shared {
    state: Mutex<State>,
    work: Condvar,
    done: Condvar,
    /// Mirrors of `State::epoch` and of the parts not yet finished (running plus
    /// unclaimed), written under the lock and polled without it while spinning.
    epoch: AtomicU64,
    outstanding: AtomicUsize,
}

pub struct Pool {
    /// Held by the caller that owns the pool.
    owner: Mutex<Workers>,
    shared: Shared,
}

struct Workers {
    /// Worker i is `handles[i]`.
    handles: Vec<Handle>,
    /// At most this many workers: set by `retire_above` under the owner lock, so a call
    /// that read an older, higher thread setting cannot spawn past the new one.
    cap: usize,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Nothing panics while these locks are held, but never turn poison into a deadlock.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

static POOL: OnceLock<Pool> = OnceLock::new();

fn pool() -> &'static Pool {
    POOL.get_or_init(|| Pool {
        owner: Mutex::new(Workers { handles: Vec::new(), cap: usize::MAX }),
        shared: Shared {
            state: Mutex::new(State {
                job: None,
                parts: 0,
                next: 0,
                running: 0,
                failure: None,
                epoch: 0,
                parked_workers: 0,
                caller_parked: false,
                keep: usize::MAX,
                caller_cpu: None,
            }),
            work: Condvar::new(),
            done: Condvar::new(),
            epoch: AtomicU64::new(0),
            outstanding: AtomicUsize::new(0),
        },
    })
}

/// Polls `ready` for up to [`SPIN`], yielding between polls; true once it holds.
fn spin_until(ready: impl Fn() -> bool) -> bool {
    let start = Instant::now();
    loop {
        if ready() {
            return true;
        }
        if start.elapsed() >= SPIN {
            return false;
        }
        std::hint::spin_loop();
        std::thread::yield_now();
    }
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
    let outstanding = st.running + (st.parts - st.next);
    shared.outstanding.store(outstanding, Ordering::Release);
    if outstanding == 0 && st.caller_parked {
        shared.done.notify_all();
    }
}

fn worker_loop(shared: &'static Shared, me: usize) {
    let mut placement = Placement::of_this_thread();
    let mut st = lock(&shared.state);
    loop {
        if me >= st.keep {
            return;
        }
        if let Some((job, index)) = claim(&mut st) {
            let caller_cpu = st.caller_cpu;
            drop(st);
            placement.avoid(caller_cpu);
            let result = run_part(job, index);
            st = lock(&shared.state);
            finish(shared, &mut st, result);
            continue;
        }
        let seen = st.epoch;
        drop(st);
        if !spin_until(|| shared.epoch.load(Ordering::Acquire) != seen) {
            placement.release();
        }
        st = lock(&shared.state);
        while st.epoch == seen {
            st.parked_workers += 1;
            st = shared.work.wait(st).unwrap_or_else(|e| e.into_inner());
            st.parked_workers -= 1;
        }
    }
}

/// Stops and joins every worker numbered `keep` and above (waiting for a parallel call in
/// flight to finish first), and spawns no more than `keep` from now on; returns how many
/// were stopped.
pub fn retire_above(keep: usize) -> usize {
    let Some(pool) = POOL.get() else { return 0 };
    let mut workers = lock(&pool.owner);
    workers.cap = keep;
    stop_from(&pool.shared, &mut workers, keep)
}

/// Stops and joins every worker (the cap stays: the next parallel call spawns them again).
pub fn shutdown() -> usize {
    let Some(pool) = POOL.get() else { return 0 };
    let mut workers = lock(&pool.owner);
    stop_from(&pool.shared, &mut workers, 0)
}

fn stop_from(shared: &Shared, workers: &mut Workers, keep: usize) -> usize {
    if workers.handles.len() <= keep {
        return 0;
    }
    {
        let mut st = lock(&shared.state);
        st.keep = keep;
        // A new epoch with no job wakes spinning and parked workers alike.
        st.epoch += 1;
        shared.epoch.store(st.epoch, Ordering::Release);
        shared.work.notify_all();
    }
    let retired: Vec<Handle> = workers.handles.drain(keep..).collect();
    let count = retired.len();
    for handle in retired {
        os_thread::join(handle);
    }
    lock(&shared.state).keep = usize::MAX;
    count
}

/// How many workers are running now.
pub fn worker_count() -> usize {
    POOL.get().map_or(0, |pool| lock(&pool.owner).handles.len())
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
    while workers.handles.len() < (parts - 1).min(workers.cap) {
        let me = workers.handles.len();
        match os_thread::spawn(&format!("matmul-w{me}"), move || worker_loop(shared, me)) {
            Some(handle) => workers.handles.push(handle),
            // Fewer workers only means the caller takes more parts itself.
            None => break,
        }
    }

    // SAFETY: erases the borrow's lifetime; this function withdraws the pointer and
    // waits for every claimed part before it returns, panicking or not (parts are run
    // under catch_unwind), so no worker can touch `job` after it goes away.
    let erased: &'static Job = unsafe { std::mem::transmute::<&'a (dyn Fn(usize) -> PartResult + Sync + 'a), &'static Job>(job) };
    let mut st = lock(&shared.state);
    st.job = Some(JobPtr(erased));
    st.parts = parts;
    st.next = 0;
    st.running = 0;
    st.failure = None;
    st.caller_cpu = placement::current_cpu();
    st.epoch += 1;
    shared.outstanding.store(parts, Ordering::Release);
    shared.epoch.store(st.epoch, Ordering::Release);
    if st.parked_workers > 0 {
        shared.work.notify_all();
    }

    while let Some((job, index)) = claim(&mut st) {
        drop(st);
        let result = run_part(job, index);
        st = lock(&shared.state);
        finish(shared, &mut st, result);
    }
    if st.running > 0 {
        drop(st);
        spin_until(|| shared.outstanding.load(Ordering::Acquire) == 0);
        st = lock(&shared.state);
        while st.running > 0 {
            st.caller_parked = true;
            st = shared.done.wait(st).unwrap_or_else(|e| e.into_inner());
        }
        st.caller_parked = false;
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
