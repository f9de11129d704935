//! A persistent thread pool for splitting one multiply into parts.
//!
//! * Workers are spawned lazily, once, and then wait between calls: no thread is
//!   created per call. They are OS threads from `os_thread`, which says why.
//! * Waiting is "spin, then park": after its last part a worker polls for new work for
//!   [`SPIN`] (yielding the core to any other runnable thread on every poll), then parks
//!   on a condition variable. On a virtual machine a parked worker's idle vCPU halts,
//!   and waking it costs more than a whole part of a mid-sized product; back-to-back
//!   calls find the worker awake.
//! * Several callers may publish jobs at once; workers serve the oldest job with parts
//!   left. How many threads a call may have is settled before it gets here, by `slots`
//!   (a call's parts are its granted threads), so together the jobs never ask for more
//!   workers than the thread setting allows.
//! * The caller works on its own job's parts too, and takes over any part no worker has
//!   claimed yet, so a slow wake-up (or no worker free) costs at most one part's time.
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
use crate::status::{mm_status, MM_ERR_INTERNAL, MM_OK};

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

/// One published job: its parts are claimed in order by its caller and any worker.
struct Entry {
    id: u64,
    job: JobPtr,
    parts: usize,
    next: usize,
    running: usize,
    failure: Option<mm_status>,
    /// The CPU its caller was on when it published it.
    caller_cpu: Option<usize>,
    /// The caller's count of parts not yet finished (running plus unclaimed), written
    /// under the lock and polled by the caller without it while it spins.
    outstanding: *const AtomicUsize,
}
// SAFETY: `outstanding` points into the publishing caller's frame, which removes the
// entry (under the lock) before it returns; it is only touched under the lock.
unsafe impl Send for Entry {}

struct State {
    /// Jobs in publication order: workers serve the oldest one with parts left.
    jobs: Vec<Entry>,
    next_id: u64,
    /// Bumped for every published job; parked workers wait for it to change.
    epoch: u64,
    parked_workers: usize,
    parked_callers: usize,
    /// Workers whose index is at least this exit when they next look for work.
    keep: usize,
}

struct Shared {
    state: Mutex<State>,
    work: Condvar,
    done: Condvar,
    /// Mirror of `State::epoch`, polled without the lock while spinning.
    epoch: AtomicU64,
}

pub struct Pool {
    /// Taken to spawn or stop workers.
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
                jobs: Vec::new(),
                next_id: 0,
                epoch: 0,
                parked_workers: 0,
                parked_callers: 0,
                keep: usize::MAX,
            }),
            work: Condvar::new(),
            done: Condvar::new(),
            epoch: AtomicU64::new(0),
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

/// A claimed part: which job, which part, and where that job's caller runs.
struct Claim {
    id: u64,
    job: JobPtr,
    index: usize,
    caller_cpu: Option<usize>,
}

/// Claims the next unclaimed part of the oldest job that has one, or of job `only`
/// (with `state` locked).
fn claim(st: &mut State, only: Option<u64>) -> Option<Claim> {
    let entry = st.jobs.iter_mut().find(|e| e.next < e.parts && only.is_none_or(|id| e.id == id))?;
    let index = entry.next;
    entry.next += 1;
    entry.running += 1;
    Some(Claim { id: entry.id, job: entry.job, index, caller_cpu: entry.caller_cpu })
}

fn finish(shared: &Shared, st: &mut State, id: u64, result: PartResult) {
    let parked_callers = st.parked_callers;
    let Some(entry) = st.jobs.iter_mut().find(|e| e.id == id) else { return };
    if let Err(status) = result {
        entry.failure.get_or_insert(status);
    }
    entry.running -= 1;
    let outstanding = entry.running + (entry.parts - entry.next);
    // SAFETY: the entry is still published, so its caller's frame is alive (see Entry).
    unsafe { (*entry.outstanding).store(outstanding, Ordering::Release) };
    if outstanding == 0 && parked_callers > 0 {
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
        if let Some(part) = claim(&mut st, None) {
            drop(st);
            placement.avoid(part.caller_cpu);
            let result = run_part(part.job, part.index);
            st = lock(&shared.state);
            finish(shared, &mut st, part.id, result);
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

/// Stops and joins every worker numbered `keep` and above (each first finishes the part it
/// is running; the callers of jobs in flight run their unclaimed parts themselves), and
/// spawns no more than `keep` from now on; returns how many were stopped.
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
/// returns the first failure. Several callers may run jobs at once; how many threads
/// they may use together is decided before, by `slots`, so the workers serve them all.
pub fn run_parts<'a>(parts: usize, job: &'a (dyn Fn(usize) -> PartResult + Sync + 'a)) -> PartResult {
    let pool = pool();
    let shared: &'static Shared = &pool.shared;
    let outstanding = AtomicUsize::new(parts);

    // SAFETY: erases the borrow's lifetime; this function withdraws the entry and
    // waits for every claimed part before it returns, panicking or not (parts are run
    // under catch_unwind), so no worker can touch `job` after it goes away.
    let erased: &'static Job = unsafe { std::mem::transmute::<&'a (dyn Fn(usize) -> PartResult + Sync + 'a), &'static Job>(job) };
    let mut st = lock(&shared.state);
    let id = st.next_id;
    st.next_id += 1;
    st.jobs.push(Entry {
        id,
        job: JobPtr(erased),
        parts,
        next: 0,
        running: 0,
        failure: None,
        caller_cpu: placement::current_cpu(),
        outstanding: &outstanding,
    });
    let helpers: usize = st.jobs.iter().map(|e| e.parts - 1).sum();
    st.epoch += 1;
    shared.epoch.store(st.epoch, Ordering::Release);
    if st.parked_workers > 0 {
        shared.work.notify_all();
    }
    drop(st);
    spawn_up_to(pool, helpers);

    let mut st = lock(&shared.state);
    while let Some(part) = claim(&mut st, Some(id)) {
        drop(st);
        let result = run_part(part.job, part.index);
        st = lock(&shared.state);
        finish(shared, &mut st, id, result);
    }
    let running = |st: &State| st.jobs.iter().find(|e| e.id == id).map_or(0, |e| e.running);
    if running(&st) > 0 {
        drop(st);
        spin_until(|| outstanding.load(Ordering::Acquire) == 0);
        st = lock(&shared.state);
        while running(&st) > 0 {
            st.parked_callers += 1;
            st = shared.done.wait(st).unwrap_or_else(|e| e.into_inner());
            st.parked_callers -= 1;
        }
    }
    let at = st.jobs.iter().position(|e| e.id == id).expect("a caller's job stays published until it withdraws it");
    let failure = st.jobs.remove(at).failure;
    drop(st);
    match failure {
        Some(status) => Err(status),
        None => Ok(()),
    }
}

/// Runs `work(start, end)` over 0..count in runs of `chunk`, handed out through one counter
/// to `threads` threads (the caller and pool workers) as each finishes its run: a thread
/// slowed by other work takes fewer. Returns the first failure.
pub fn run_chunks(threads: usize, count: usize, chunk: usize, work: &(dyn Fn(usize, usize) -> mm_status + Sync)) -> mm_status {
    let chunk = chunk.max(1);
    let next = AtomicUsize::new(0);
    let job = |_thread: usize| -> PartResult {
        loop {
            let start = next.fetch_add(chunk, Ordering::Relaxed);
            if start >= count {
                return Ok(());
            }
            match work(start, (start + chunk).min(count)) {
                MM_OK => {}
                failure => return Err(failure),
            }
        }
    };
    run_parts(threads, &job).err().unwrap_or(MM_OK)
}

/// Spawns workers until there are `wanted` (at most the cap). Skipped while another
/// thread spawns or stops workers: the caller then takes more parts itself.
fn spawn_up_to(pool: &'static Pool, wanted: usize) {
    let mut workers = match pool.owner.try_lock() {
        Ok(guard) => guard,
        Err(std::sync::TryLockError::Poisoned(e)) => e.into_inner(),
        Err(std::sync::TryLockError::WouldBlock) => return,
    };
    let shared: &'static Shared = &pool.shared;
    while workers.handles.len() < wanted.min(workers.cap) {
        let me = workers.handles.len();
        match os_thread::spawn(&format!("matmul-w{me}"), move || worker_loop(shared, me)) {
            Some(handle) => workers.handles.push(handle),
            // Fewer workers only means the callers take more parts themselves.
            None => break,
        }
    }
}
