//! Keeping a pool worker off its caller's CPU while the two compute one call.
//!
//! When every CPU is busy (another process spins on one of them), Linux wakes a worker
//! on the CPU of the thread that woke it: our caller. The two then share one CPU at half
//! speed each while the other CPU is shared with the competitor, and the load balancer
//! sees nothing to fix (two tasks on one CPU, two on the other). The call gets one core
//! where 1.5 are there for the taking: the caller's CPU whole and half of the busy one,
//! which the hand-out (`schedule`) turns into work because the slower thread simply takes
//! fewer pieces.
//!
//! So a worker that finds itself on its caller's CPU as it starts a call narrows its own
//! affinity to the CPUs it was allowed minus that one, and the kernel moves it at once.
//! It widens the mask back to what it was given before it parks, so an idle worker never
//! holds a narrowed mask, and a worker that was never on its caller's CPU never makes a
//! system call. Only the worker's own mask is ever touched, never the caller's (a host's
//! thread), and never beyond the CPUs the process was given: a `taskset` or cgroup
//! cpuset still has the last word. Elsewhere than on Linux this is a no-op.

/// The CPU the calling thread runs on now, if the OS says.
pub fn current_cpu() -> Option<usize> {
    imp::current_cpu()
}

/// The CPUs the calling thread may run on now, if the OS says.
pub fn allowed_cpus() -> Option<Vec<usize>> {
    imp::allowed_cpus()
}

/// One worker's placement: the CPUs it was given and whether it has narrowed them.
pub struct Placement(imp::State);

impl Placement {
    /// The calling (worker) thread's placement as it is now.
    pub fn of_this_thread() -> Placement {
        Placement(imp::State::capture())
    }

    /// Leaves `caller_cpu` to the caller if this thread is on it now and may run elsewhere.
    pub fn avoid(&mut self, caller_cpu: Option<usize>) {
        if let (Some(caller), Some(here)) = (caller_cpu, current_cpu()) {
            if caller == here {
                self.0.narrow(caller);
            }
        }
    }

    /// Gives the thread back every CPU it was given.
    pub fn release(&mut self) {
        self.0.widen();
    }
}

#[cfg(target_os = "linux")]
mod imp {
    use std::ffi::c_int;

    /// 1024 CPUs, glibc's `cpu_set_t`.
    type Mask = [u64; 16];

    extern "C" {
        fn sched_getcpu() -> c_int;
        fn sched_getaffinity(pid: c_int, size: usize, mask: *mut Mask) -> c_int;
        fn sched_setaffinity(pid: c_int, size: usize, mask: *const Mask) -> c_int;
    }

    pub fn current_cpu() -> Option<usize> {
        // SAFETY: no arguments; -1 on failure.
        let cpu = unsafe { sched_getcpu() };
        usize::try_from(cpu).ok()
    }

    fn read_mask() -> Option<Mask> {
        let mut mask: Mask = [0; 16];
        // SAFETY: pid 0 is this thread; the buffer is exactly `size` bytes.
        let read = unsafe { sched_getaffinity(0, std::mem::size_of::<Mask>(), &mut mask) } == 0;
        read.then_some(mask)
    }

    pub fn allowed_cpus() -> Option<Vec<usize>> {
        let mask = read_mask()?;
        Some((0..1024).filter(|&cpu| mask[cpu / 64] & (1u64 << (cpu % 64)) != 0).collect())
    }

    pub struct State {
        /// None if the mask could not be read: then the thread is never narrowed.
        given: Option<Mask>,
        narrowed: bool,
    }

    impl State {
        pub fn capture() -> State {
            State { given: read_mask(), narrowed: false }
        }

        pub fn narrow(&mut self, cpu: usize) {
            let Some(given) = self.given else { return };
            if cpu >= 1024 {
                return;
            }
            let mut mask = given;
            mask[cpu / 64] &= !(1u64 << (cpu % 64));
            if mask.iter().all(|&w| w == 0) {
                return; // the caller's CPU is the only one this thread may use
            }
            // SAFETY: pid 0 is this thread; a non-empty subset of the mask it was given.
            if unsafe { sched_setaffinity(0, std::mem::size_of::<Mask>(), &mask) } == 0 {
                self.narrowed = true;
            }
        }

        pub fn widen(&mut self) {
            if !self.narrowed {
                return;
            }
            if let Some(given) = self.given {
                // SAFETY: pid 0 is this thread; the mask it had before narrowing.
                unsafe { sched_setaffinity(0, std::mem::size_of::<Mask>(), &given) };
            }
            self.narrowed = false;
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod imp {
    pub fn current_cpu() -> Option<usize> {
        None
    }

    pub fn allowed_cpus() -> Option<Vec<usize>> {
        None
    }

    pub struct State;

    impl State {
        pub fn capture() -> State {
            State
        }
        pub fn narrow(&mut self, _cpu: usize) {}
        pub fn widen(&mut self) {}
    }
}
