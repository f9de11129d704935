//! A pool worker moves off its caller's CPU for a call and takes its whole mask back
//! before it parks; it never leaves the CPUs it was given.
#![cfg(target_os = "linux")]
mod common;

use std::ffi::c_int;

use common::{Case, Problem};
use matmul_kernel::placement::{allowed_cpus, current_cpu, Placement};
use matmul_kernel::*;

extern "C" {
    fn sched_setaffinity(pid: c_int, size: usize, mask: *const [u64; 16]) -> c_int;
}

fn pin_this_thread(cpu: usize) {
    let mut mask = [0u64; 16];
    mask[cpu / 64] |= 1 << (cpu % 64);
    // SAFETY: pid 0 is this thread; a one-CPU mask of the right size.
    assert_eq!(unsafe { sched_setaffinity(0, std::mem::size_of_val(&mask), &mask) }, 0);
}

fn own_mask() -> String {
    let status = std::fs::read_to_string("/proc/thread-self/status").unwrap();
    status.lines().find_map(|l| l.strip_prefix("Cpus_allowed_list:")).unwrap().trim().to_string()
}

#[test]
fn a_thread_on_the_callers_cpu_moves_off_it_and_back() {
    std::thread::spawn(|| {
        let given = allowed_cpus().expect("the affinity mask");
        assert!(given.len() >= 2, "this test needs two CPUs, the process has {given:?}");
        let mut placement = Placement::of_this_thread();
        let here = current_cpu().expect("the current CPU");

        // Another thread's CPU: nothing to avoid, nothing changes.
        let elsewhere = *given.iter().find(|&&c| c != here).unwrap();
        placement.avoid(Some(elsewhere));
        assert_eq!(allowed_cpus().unwrap(), given);
        placement.avoid(None);
        assert_eq!(allowed_cpus().unwrap(), given);

        placement.avoid(Some(here));
        let narrowed = allowed_cpus().unwrap();
        assert_eq!(narrowed, given.iter().copied().filter(|&c| c != here).collect::<Vec<_>>());
        assert_ne!(current_cpu(), Some(here), "still on the caller's CPU after narrowing");

        placement.release();
        assert_eq!(allowed_cpus().unwrap(), given, "the whole mask after release");
        placement.release();
        assert_eq!(allowed_cpus().unwrap(), given, "release twice");
    })
    .join()
    .unwrap();
}

#[test]
fn a_thread_given_one_cpu_stays_on_it() {
    std::thread::spawn(|| {
        let cpu = current_cpu().unwrap();
        pin_this_thread(cpu);
        let mut placement = Placement::of_this_thread();
        placement.avoid(Some(cpu));
        assert_eq!(allowed_cpus().unwrap(), vec![cpu], "a one-CPU thread was moved");
        assert_eq!(current_cpu(), Some(cpu));
        placement.release();
        assert_eq!(allowed_cpus().unwrap(), vec![cpu], "release widened past what was given");
    })
    .join()
    .unwrap();
}

/// A worker on its caller's CPU (put there from outside, as the kernel's wake-up does
/// on a busy machine) moves off it during a parallel call, computes the 1-thread bits,
/// and once it parks holds the mask it was started with again.
#[test]
fn a_worker_leaves_the_callers_cpu_and_parks_with_its_whole_mask() {
    let given = own_mask();
    let kind = matmul_kernel::dispatch::best();
    let p = Problem::<f64>::new(Case::new(600, 600, 600), 5);
    let expected = p.run(kind, 1);
    assert_eq!(mm_set_num_threads(2), MM_OK);
    // The first parallel call spawns the worker with this thread's (whole) mask.
    assert!(p.run_default(kind).iter().zip(&expected).all(|(x, y)| x.to_bits() == y.to_bits()));
    let workers = worker_tids();
    assert_eq!(workers.len(), 1, "one worker for 2 threads");
    let worker = workers[0];
    let whole = given.clone();
    let narrowed_rounds = std::thread::spawn(move || {
        let caller = current_cpu().unwrap();
        pin_this_thread(caller);
        let narrowed = given_without(&whole, caller);
        let whole_mask = whole.clone();
        let mut narrowed_rounds = 0;
        // Rounds until the worker is caught narrowed a few times: on a loaded host this
        // thread may read too late, after the worker has parked (and widened) again.
        for round in 0..100 {
            pin_thread(worker, caller);
            let got = p.run_default(kind);
            // Read while the worker still spins after the call (it parks after 2 ms).
            let during = task_mask(worker);
            assert!(got.iter().zip(&expected).all(|(x, y)| x.to_bits() == y.to_bits()), "round {round}");
            // {caller}: the worker got no part this round. The whole mask: it already
            // parked. Anything else must be the narrowed mask.
            if during != caller.to_string() && during != whole_mask {
                assert_eq!(during, narrowed, "round {round}: narrowed to the wrong CPUs");
                narrowed_rounds += 1;
                if narrowed_rounds == 3 {
                    break;
                }
            }
        }
        narrowed_rounds
    })
    .join()
    .unwrap();
    assert!(narrowed_rounds > 0, "the worker was never seen off its caller's CPU in 100 calls");
    // Past the workers' spin: they have parked.
    std::thread::sleep(std::time::Duration::from_millis(50));
    assert_eq!(task_mask(worker), given, "the worker parked with a narrowed mask");
    assert_eq!(mm_shutdown(), MM_OK);
    assert_eq!(mm_set_num_threads(0), MM_OK);
}

fn worker_tids() -> Vec<c_int> {
    let tasks = std::fs::read_dir("/proc/self/task").expect("/proc/self/task");
    tasks
        .filter_map(|t| {
            let dir = t.ok()?.path();
            let name = std::fs::read_to_string(dir.join("comm")).ok()?;
            name.starts_with("matmul-w").then(|| dir.file_name()?.to_str()?.parse().ok())?
        })
        .collect()
}

fn task_mask(tid: c_int) -> String {
    let status = std::fs::read_to_string(format!("/proc/self/task/{tid}/status")).unwrap();
    status.lines().find_map(|l| l.strip_prefix("Cpus_allowed_list:")).unwrap().trim().to_string()
}

fn pin_thread(tid: c_int, cpu: usize) {
    let mut mask = [0u64; 16];
    mask[cpu / 64] |= 1 << (cpu % 64);
    // SAFETY: a thread of this process; a one-CPU mask of the right size.
    assert_eq!(unsafe { sched_setaffinity(tid, std::mem::size_of_val(&mask), &mask) }, 0);
}

/// `list` (a Cpus_allowed_list) less `cpu`, in the same notation, for lists of single
/// CPUs and ranges.
fn given_without(list: &str, cpu: usize) -> String {
    let cpus: Vec<usize> = list
        .split(',')
        .flat_map(|part| match part.split_once('-') {
            Some((a, b)) => (a.parse::<usize>().unwrap()..=b.parse().unwrap()).collect::<Vec<_>>(),
            None => vec![part.parse().unwrap()],
        })
        .filter(|&c| c != cpu)
        .collect();
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < cpus.len() {
        let mut j = i;
        while j + 1 < cpus.len() && cpus[j + 1] == cpus[j] + 1 {
            j += 1;
        }
        out.push(if j == i { cpus[i].to_string() } else { format!("{}-{}", cpus[i], cpus[j]) });
        i = j + 1;
    }
    out.join(",")
}
