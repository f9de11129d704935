//! Threads for the pool, created with the operating system's own call rather than
//! `std::thread::spawn`.
//!
//! `std::thread::spawn` touches thread-locals with destructors on the *calling* thread
//! (its spawn hooks). The caller is the host's thread (a JVM thread calling in), and on
//! glibc a thread-local destructor registered by a library keeps that library mapped
//! until the thread exits: `dlclose` after `mm_shutdown` would then unload nothing, and
//! every redeploy of a JVM application would leak one copy of the library. A thread
//! made here runs Rust code as usual; whatever it registers goes when it exits, which
//! `mm_shutdown` waits for.
use std::panic::{catch_unwind, AssertUnwindSafe};

type Body = Box<dyn FnOnce() + Send + 'static>;

/// Stack of each worker: the kernel's buffers are on the heap, a tile's spill is a few KiB.
const STACK_BYTES: usize = 2 << 20;

/// Runs the boxed body; a panic is caught here, never unwound into the OS's thread start.
fn run(body: *mut Body) {
    // SAFETY: `spawn` leaked exactly one Body for this thread; it is reclaimed once.
    let body = unsafe { Box::from_raw(body) };
    let _ = catch_unwind(AssertUnwindSafe(*body));
}

#[cfg(unix)]
mod imp {
    use super::{run, Body, STACK_BYTES};
    use std::ffi::{c_int, c_void, CString};

    #[allow(non_camel_case_types)]
    type pthread_t = usize;
    /// Opaque and at most 64 bytes on Linux and macOS; over-sized and aligned to be safe.
    #[repr(C, align(16))]
    struct PthreadAttr([u8; 128]);

    extern "C" {
        fn pthread_attr_init(attr: *mut PthreadAttr) -> c_int;
        fn pthread_attr_setstacksize(attr: *mut PthreadAttr, size: usize) -> c_int;
        fn pthread_attr_destroy(attr: *mut PthreadAttr) -> c_int;
        fn pthread_create(
            thread: *mut pthread_t,
            attr: *const PthreadAttr,
            start: extern "C" fn(*mut c_void) -> *mut c_void,
            arg: *mut c_void,
        ) -> c_int;
        fn pthread_join(thread: pthread_t, result: *mut *mut c_void) -> c_int;
        #[cfg(target_os = "linux")]
        fn pthread_setname_np(thread: pthread_t, name: *const std::ffi::c_char) -> c_int;
        #[cfg(target_os = "macos")]
        fn pthread_setname_np(name: *const std::ffi::c_char) -> c_int;
    }

    pub struct Handle(pthread_t);

    struct Start {
        name: CString,
        body: *mut Body,
    }

    extern "C" fn start(arg: *mut c_void) -> *mut c_void {
        // SAFETY: `spawn` passed a leaked Box<Start>, reclaimed once here.
        let start = unsafe { Box::from_raw(arg as *mut Start) };
        // SAFETY: the name is NUL-terminated and outlives the call; naming is best effort.
        // (On Linux the creator names the thread, so it has its name from the start.)
        #[cfg(target_os = "macos")]
        unsafe {
            pthread_setname_np(start.name.as_ptr());
        }
        #[cfg(not(target_os = "macos"))]
        let _ = &start.name;
        run(start.body);
        std::ptr::null_mut()
    }

    pub fn spawn(name: &str, body: Body) -> Option<Handle> {
        // Linux limits names to 15 bytes plus the NUL.
        let name = CString::new(name.bytes().take(15).collect::<Vec<u8>>()).ok()?;
        let body = Box::into_raw(Box::new(body));
        #[cfg(target_os = "linux")]
        let linux_name = name.clone();
        let arg = Box::into_raw(Box::new(Start { name, body }));
        let mut thread: pthread_t = 0;
        let mut attr = PthreadAttr([0; 128]);
        // SAFETY: attr is initialised before use and destroyed after; `start` takes
        // ownership of `arg` only when the thread was created.
        let created = unsafe {
            pthread_attr_init(&mut attr);
            pthread_attr_setstacksize(&mut attr, STACK_BYTES);
            let status = pthread_create(&mut thread, &attr, start, arg as *mut c_void);
            pthread_attr_destroy(&mut attr);
            status == 0
        };
        if created {
            // SAFETY: a live thread of ours and a NUL-terminated name of at most 15 bytes.
            #[cfg(target_os = "linux")]
            unsafe {
                pthread_setname_np(thread, linux_name.as_ptr());
            }
            Some(Handle(thread))
        } else {
            // SAFETY: no thread took them: reclaim both boxes.
            unsafe {
                let start = Box::from_raw(arg);
                drop(Box::from_raw(start.body));
            }
            None
        }
    }

    pub fn join(handle: Handle) {
        // SAFETY: a thread created by `spawn`, joined once.
        unsafe { pthread_join(handle.0, std::ptr::null_mut()) };
    }
}

#[cfg(windows)]
mod imp {
    use super::{run, Body, STACK_BYTES};
    use std::ffi::c_void;

    type HANDLE = *mut c_void;
    const INFINITE: u32 = 0xFFFF_FFFF;
    /// The stack size is reserved, not committed up front.
    const STACK_SIZE_PARAM_IS_A_RESERVATION: u32 = 0x0001_0000;

    #[link(name = "kernel32")]
    extern "system" {
        fn CreateThread(
            attributes: *mut c_void,
            stack: usize,
            start: extern "system" fn(*mut c_void) -> u32,
            arg: *mut c_void,
            flags: u32,
            id: *mut u32,
        ) -> HANDLE;
        fn WaitForSingleObject(handle: HANDLE, millis: u32) -> u32;
        fn CloseHandle(handle: HANDLE) -> i32;
    }

    pub struct Handle(HANDLE);
    // SAFETY: a thread handle may be waited on and closed from any thread.
    unsafe impl Send for Handle {}

    extern "system" fn start(arg: *mut c_void) -> u32 {
        run(arg as *mut Body);
        0
    }

    pub fn spawn(_name: &str, body: Body) -> Option<Handle> {
        let body = Box::into_raw(Box::new(body));
        // SAFETY: `start` takes ownership of `body` only when the thread was created.
        let handle = unsafe { CreateThread(std::ptr::null_mut(), STACK_BYTES, start, body as *mut c_void, STACK_SIZE_PARAM_IS_A_RESERVATION, std::ptr::null_mut()) };
        if handle.is_null() {
            // SAFETY: no thread took it.
            unsafe { drop(Box::from_raw(body)) };
            None
        } else {
            Some(Handle(handle))
        }
    }

    pub fn join(handle: Handle) {
        // SAFETY: a live handle from CreateThread, closed once.
        unsafe {
            WaitForSingleObject(handle.0, INFINITE);
            CloseHandle(handle.0);
        }
    }
}

pub use imp::Handle;

/// Starts `body` on a new OS thread named `name` (best effort); None if the OS refused.
pub fn spawn(name: &str, body: impl FnOnce() + Send + 'static) -> Option<Handle> {
    imp::spawn(name, Box::new(body))
}

/// Waits for the thread to finish.
pub fn join(handle: Handle) {
    imp::join(handle)
}
