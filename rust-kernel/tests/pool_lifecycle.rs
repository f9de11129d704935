//! The pool's threads over the life of a host: retired above the thread setting, all
//! stopped by `mm_shutdown` (a host about to unload the library), started again by the
//! next call. One test function: the thread counts are process-wide.
mod common;

use common::{Case, Problem};
use matmul_kernel::*;

/// OS threads of this process named like the pool's workers (from /proc, so a thread
/// that the pool forgot but that still runs is counted too). Elsewhere (Windows under
/// Wine, macOS) there is no /proc: the pool's own count is checked alone.
#[cfg(target_os = "linux")]
fn os_worker_threads() -> Option<usize> {
    let tasks = std::fs::read_dir("/proc/self/task").expect("/proc/self/task");
    Some(tasks.filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok()).filter(|name| name.starts_with("matmul-w")).count())
}

#[cfg(not(target_os = "linux"))]
fn os_worker_threads() -> Option<usize> {
    None
}

/// The OS agrees with the pool's count, where the OS can be asked. A joined thread can
/// still be listed for a moment: join returns once the thread has cleared its tid, before
/// the kernel reaps it (under qemu-user the gap is wider, since qemu clears the guest's tid
/// itself and the host thread exits later). So the count may settle within a grace period;
/// a thread that the pool forgot keeps running and never does.
fn assert_os_threads(expected: usize, what: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while let Some(found) = os_worker_threads() {
        if found == expected {
            return;
        }
        if std::time::Instant::now() > deadline {
            panic!("{what}: {found} worker threads listed by the OS, {expected} expected");
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

fn set_threads(n: i32) {
    assert_eq!(mm_set_num_threads(n), MM_OK);
}

#[test]
fn workers_follow_the_setting_and_shutdown() {
    let kind = matmul_kernel::dispatch::best();
    let p = Problem::<f64>::new(Case::new(600, 600, 64), 11);
    let expected = p.run(kind, 1);
    let same = |got: &[f64]| got.iter().zip(&expected).all(|(x, y)| x.to_bits() == y.to_bits());

    set_threads(64);
    assert!(same(&p.run_default(kind)), "64 threads");
    let spawned = mm_pool_threads() as usize;
    assert!(spawned > 1 && spawned <= 63, "{spawned} workers for 64 threads");
    assert_os_threads(spawned, "64 threads");

    set_threads(4);
    assert!(mm_pool_threads() <= 3, "{} workers kept after set_num_threads(4)", mm_pool_threads());
    assert_os_threads(mm_pool_threads() as usize, "after set_num_threads(4)");

    // A call that read a higher setting before it was lowered spawns no more than the new one.
    assert!(same(&p.run(kind, 64)), "64 threads asked, 4 set");
    assert!(mm_pool_threads() <= 3, "{} workers after a 64-thread call under set_num_threads(4)", mm_pool_threads());

    set_threads(1);
    assert_eq!(mm_pool_threads(), 0, "workers kept after set_num_threads(1)");
    assert_os_threads(0, "after set_num_threads(1)");

    set_threads(3);
    assert!(same(&p.run_default(kind)), "3 threads");
    assert_eq!(mm_pool_threads(), 2);
    assert_eq!(mm_shutdown(), MM_OK);
    assert_eq!(mm_pool_threads(), 0);
    assert_os_threads(0, "threads left after mm_shutdown");

    // Usable after shutdown: the next parallel call starts the workers again.
    assert!(same(&p.run_default(kind)), "after shutdown");
    assert_eq!(mm_pool_threads(), 2);
    assert_eq!(mm_shutdown(), MM_OK);
    assert_eq!(mm_shutdown(), MM_OK, "shutdown twice");
    set_threads(0);
    shutdown_during_calls();
    assert_eq!(mm_shutdown(), MM_OK);
    assert_os_threads(0, "after shutdowns during calls");
}

/// Shutdown while other threads multiply: it waits for the call that owns the pool,
/// and every call still returns the right result.
fn shutdown_during_calls() {
    let kind = matmul_kernel::dispatch::best();
    let p = Problem::<f64>::new(Case::new(300, 300, 300), 12);
    let expected = p.run(kind, 1);
    std::thread::scope(|scope| {
        for _ in 0..3 {
            scope.spawn(|| {
                for _ in 0..10 {
                    let got = p.run(kind, 2);
                    assert!(got.iter().zip(&expected).all(|(x, y)| x.to_bits() == y.to_bits()));
                }
            });
        }
        scope.spawn(|| {
            for _ in 0..20 {
                assert_eq!(mm_shutdown(), MM_OK);
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
        });
    });
}
