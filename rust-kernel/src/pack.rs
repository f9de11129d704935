//! Packing: copies a block of op(A) or op(B) into the contiguous, zero-padded panels the
//! microkernel streams. The strides of `MatrixRef` already encode layout, transposes and
//! leading dimensions, so one packing routine per operand serves every case; only the
//! loop order changes so that the source is walked along its contiguous direction.
use std::alloc::{alloc, dealloc, Layout};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Mutex, MutexGuard};

use crate::element::Element;
use crate::problem::MatrixRef;

/// Packed panels are aligned to a cache line (and so to any vector load).
pub(crate) const ALIGN: usize = 64;

/// A growable, 64-byte aligned scratch buffer that never shrinks: after the largest
/// problem a thread has seen, packing allocates nothing more.
pub struct AlignedBuf {
    ptr: *mut u8,
    bytes: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AllocError;

impl AlignedBuf {
    pub const fn new() -> Self {
        AlignedBuf { ptr: std::ptr::null_mut(), bytes: 0 }
    }

    /// Room for `len` elements of `T`; the old contents are not kept.
    pub fn get<T>(&mut self, len: usize) -> Result<*mut T, AllocError> {
        let need = len.checked_mul(std::mem::size_of::<T>()).ok_or(AllocError)?.max(ALIGN);
        if need > self.bytes {
            self.release();
            // Round up so that slowly growing sizes do not reallocate every call.
            let bytes = need.checked_next_power_of_two().ok_or(AllocError)?;
            let layout = Layout::from_size_align(bytes, ALIGN).map_err(|_| AllocError)?;
            // SAFETY: layout has a non-zero size.
            let ptr = unsafe { alloc(layout) };
            if ptr.is_null() {
                return Err(AllocError);
            }
            self.ptr = ptr;
            self.bytes = bytes;
        }
        Ok(self.ptr as *mut T)
    }

    pub(crate) fn release(&mut self) {
        if !self.ptr.is_null() {
            // SAFETY: ptr came from `alloc` with exactly this size and alignment.
            unsafe { dealloc(self.ptr, Layout::from_size_align_unchecked(self.bytes, ALIGN)) };
            self.ptr = std::ptr::null_mut();
            self.bytes = 0;
        }
    }
}

impl Drop for AlignedBuf {
    fn drop(&mut self) {
        self.release();
    }
}

/// One thread's packing buffers for one call.
pub struct PackBuffers {
    pub a: AlignedBuf,
    pub b: AlignedBuf,
}

// SAFETY: the buffers are plain heap memory owned by this value; whoever holds it is
// the only one touching them.
unsafe impl Send for PackBuffers {}
// SAFETY: as for PackBuffers: the buffer is only touched by its holder.
unsafe impl Send for AlignedBuf {}

/// Buffers between calls, shared by every thread. Not thread-locals: a thread-local with
/// a destructor, touched by a host's thread (a JVM thread calling in), pins the library
/// in memory until that thread exits and frees nothing before; here they are freed by
/// [`release_cached`] when the host is done with the library.
static CACHED: Mutex<Vec<PackBuffers>> = Mutex::new(Vec::new());

fn cached() -> MutexGuard<'static, Vec<PackBuffers>> {
    CACHED.lock().unwrap_or_else(|e| e.into_inner())
}

/// Runs `f` with a pair of packing buffers of its own, reused from an earlier call when
/// one is free: after the largest problem seen, packing allocates nothing more. At most
/// one pair per thread that ever computed at once is kept.
pub fn with_buffers<R>(f: impl FnOnce(&mut PackBuffers) -> R) -> R {
    let taken = cached().pop();
    let mut bufs = taken.unwrap_or(PackBuffers { a: AlignedBuf::new(), b: AlignedBuf::new() });
    let result = f(&mut bufs);
    cached().push(bufs);
    result
}

/// Frees cached buffers beyond the first `keep` (and the shared slab, when `keep` is 0);
/// returns how many pairs were freed.
pub fn release_cached(keep: usize) -> usize {
    let released: Vec<PackBuffers> = {
        let mut cache = cached();
        let keep = keep.min(cache.len());
        cache.drain(keep..).collect()
    };
    if keep == 0 {
        SLAB.lock().unwrap_or_else(|e| e.into_inner()).release();
    }
    released.len()
}

/// The one buffer for the A blocks that the threads of a parallel call share
/// ([`SharedBlocks`]): one parallel call at a time has the pool, so one slab serves the
/// process, however many threads call in.
static SLAB: Mutex<AlignedBuf> = Mutex::new(AlignedBuf::new());

/// Runs `f` with the shared slab, or returns `None` at once if another call holds it.
pub fn with_shared_slab<R>(f: impl FnOnce(&mut AlignedBuf) -> R) -> Option<R> {
    match SLAB.try_lock() {
        Ok(mut slab) => Some(f(&mut slab)),
        Err(std::sync::TryLockError::Poisoned(e)) => Some(f(&mut e.into_inner())),
        Err(std::sync::TryLockError::WouldBlock) => None,
    }
}

/// Packed blocks that the threads of one call share, each packed once by the first
/// thread that needs it. Nobody waits: a thread that finds a block being packed by
/// another gets `None` and packs a private copy instead.
pub struct SharedBlocks<T> {
    base: *mut T,
    block_len: usize,
    states: Vec<AtomicU8>,
}

const FREE: u8 = 0;
const PACKING: u8 = 1;
const READY: u8 = 2;

// SAFETY: a block is written only by the thread that won its FREE -> PACKING exchange,
// and read only after its READY store (release) has been seen (acquire).
unsafe impl<T: Send> Sync for SharedBlocks<T> {}

impl<T> SharedBlocks<T> {
    /// `blocks` blocks of `block_len` elements each, from `base`.
    ///
    /// # Safety
    /// `base` is writable for `blocks * block_len` elements for as long as this lives.
    pub unsafe fn new(base: *mut T, block_len: usize, blocks: usize) -> Self {
        SharedBlocks { base, block_len, states: (0..blocks).map(|_| AtomicU8::new(FREE)).collect() }
    }

    /// Block `i`, packed by `pack` (given the block's memory) if nobody has yet; `None`
    /// while another thread is packing it.
    pub fn get_or_pack(&self, i: usize, pack: impl FnOnce(*mut T)) -> Option<*const T> {
        let state = &self.states[i];
        // SAFETY (pointer arithmetic): i < blocks, so the block is inside the buffer.
        let block = unsafe { self.base.add(i * self.block_len) };
        match state.load(Ordering::Acquire) {
            READY => Some(block),
            FREE if state.compare_exchange(FREE, PACKING, Ordering::Acquire, Ordering::Relaxed).is_ok() => {
                pack(block);
                state.store(READY, Ordering::Release);
                Some(block)
            }
            _ => (state.load(Ordering::Acquire) == READY).then_some(block as *const T),
        }
    }
}

/// Packs the `mc x kc` block of op(A) whose (0, 0) is `a.ptr` into ceil(mc / mr) panels;
/// panel `r` holds, for each l < kc, the `mr` values A[r*mr + i, l] (zero past mc).
///
/// # Safety
/// `a` is readable over mc x kc; `dst` writable for ceil(mc / mr) * mr * kc elements.
pub unsafe fn pack_a<T: Element>(mr: usize, a: MatrixRef<T>, mc: usize, kc: usize, dst: *mut T) {
    // Monomorphise the common tile heights so the inner copies have constant length.
    match mr {
        8 => pack_a_fixed::<T, 8>(a, mc, kc, dst),
        6 => pack_a_fixed::<T, 6>(a, mc, kc, dst),
        4 => pack_a_fixed::<T, 4>(a, mc, kc, dst),
        _ => pack_panels(mr, a, mc, kc, dst),
    }
}

/// Packs the `kc x nc` block of op(B) whose (0, 0) is `b.ptr` into ceil(nc / nr) panels;
/// panel `s` holds, for each l < kc, the `nr` values B[l, s*nr + j] (zero past nc).
///
/// # Safety
/// `b` is readable over kc x nc; `dst` writable for ceil(nc / nr) * nr * kc elements.
pub unsafe fn pack_b<T: Element>(nr: usize, b: MatrixRef<T>, kc: usize, nc: usize, dst: *mut T) {
    // B's panels run along its columns: the same routine as A on the transposed view.
    let bt = MatrixRef { ptr: b.ptr, row_stride: b.col_stride, col_stride: b.row_stride };
    match nr {
        48 => pack_a_fixed::<T, 48>(bt, nc, kc, dst),
        24 => pack_a_fixed::<T, 24>(bt, nc, kc, dst),
        16 => pack_a_fixed::<T, 16>(bt, nc, kc, dst),
        8 => pack_a_fixed::<T, 8>(bt, nc, kc, dst),
        _ => pack_panels(nr, bt, nc, kc, dst),
    }
}

/// Panels of `W` rows of `x` (rows x cols): dst[panel][l][i] = x[panel*W + i, l].
#[inline(always)]
unsafe fn pack_a_fixed<T: Element, const W: usize>(x: MatrixRef<T>, rows: usize, cols: usize, dst: *mut T) {
    let (rs, cs) = (x.row_stride, x.col_stride);
    let mut d = dst;
    let mut r0 = 0;
    if rs == 1 {
        // Each step's values are contiguous in the source (B's rows, A's columns), and the
        // steps lie `cs` apart, often pages apart. Panel by panel, each W-value copy would
        // read a line on another page: 4000 x 4 x 1000 col-major spent 72% of its 5.4 ms
        // here (AVX2). So the whole panels are filled `STEPS` steps at a time, which reads
        // that many source runs front to back.
        const STEPS: usize = 8;
        let whole = rows / W;
        let mut l0 = 0;
        while l0 < cols {
            let steps = STEPS.min(cols - l0);
            for panel in 0..whole {
                let src = x.ptr.add(panel * W + l0 * cs);
                let out = dst.add(panel * W * cols + l0 * W);
                for l in 0..steps {
                    // SAFETY: rows panel*W..+W and column l0 + l are inside x; the panel
                    // has W slots for step l0 + l.
                    std::ptr::copy_nonoverlapping(src.add(l * cs), out.add(l * W), W);
                }
            }
            l0 += steps;
        }
        r0 = whole * W;
        d = dst.add(r0 * cols);
    }
    while r0 < rows {
        let h = W.min(rows - r0);
        let base = x.ptr.add(r0 * rs);
        if h == W {
            // Walk W source rows side by side so every destination line is written once.
            for l in 0..cols {
                let src = base.add(l * cs);
                let out = d.add(l * W);
                for i in 0..W {
                    // SAFETY: (r0 + i, l) is inside x.
                    *out.add(i) = *src.add(i * rs);
                }
            }
        } else {
            for l in 0..cols {
                let src = base.add(l * cs);
                let out = d.add(l * W);
                for i in 0..W {
                    // SAFETY: (r0 + i, l) is inside x for i < h; past h we write padding.
                    *out.add(i) = if i < h { *src.add(i * rs) } else { T::ZERO };
                }
            }
        }
        d = d.add(W * cols);
        r0 += W;
    }
}

/// Any panel width, for blockings that the fixed versions do not cover.
unsafe fn pack_panels<T: Element>(w: usize, x: MatrixRef<T>, rows: usize, cols: usize, dst: *mut T) {
    let mut d = dst;
    let mut r0 = 0;
    while r0 < rows {
        let h = w.min(rows - r0);
        for l in 0..cols {
            for i in 0..w {
                // SAFETY: (r0 + i, l) is inside x for i < h; past h we write padding.
                *d.add(l * w + i) = if i < h { x.at(r0 + i, l) } else { T::ZERO };
            }
        }
        d = d.add(w * cols);
        r0 += w;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every panel width the kernels use (and one they do not), over sources whose steps are
    /// contiguous (B's rows, A's columns: the step-blocked copy) and strided, with rows that
    /// end in a partial panel and step counts that end in a partial run of steps: every
    /// panel holds x[panel * w + i, l] at [l * w + i], and zeros past the last row.
    #[test]
    fn panels_hold_the_source_in_step_order() {
        for w in [4usize, 5, 6, 8, 16, 24, 48] {
            for (rows, cols) in [(w, 1), (3 * w, 9), (2 * w + 1, 17), (w - 1, 8), (5 * w + 3, 1000)] {
                for contiguous_steps in [true, false] {
                    let pad = 3;
                    // The source: rows x cols, each step (column) contiguous, or each row.
                    let (rs, cs) = if contiguous_steps { (1, rows + pad) } else { (cols + pad, 1) };
                    let len = (rows - 1) * rs + (cols - 1) * cs + 1;
                    let src: Vec<f64> = (0..len).map(|i| i as f64 + 0.5).collect();
                    let x = MatrixRef { ptr: src.as_ptr(), row_stride: rs, col_stride: cs };
                    let panels = rows.div_ceil(w);
                    let mut dst = vec![f64::NAN; panels * w * cols];
                    // SAFETY: x covers rows x cols of src; dst holds panels * w * cols.
                    unsafe { pack_a(w, x, rows, cols, dst.as_mut_ptr()) };
                    let mut packed_b = vec![f64::NAN; panels * w * cols];
                    // pack_b of the transposed view is the same packing.
                    let xt = MatrixRef { ptr: src.as_ptr(), row_stride: cs, col_stride: rs };
                    // SAFETY: as above, the view transposed.
                    unsafe { pack_b(w, xt, cols, rows, packed_b.as_mut_ptr()) };
                    for panel in 0..panels {
                        for l in 0..cols {
                            for i in 0..w {
                                let r = panel * w + i;
                                let want = if r < rows { src[r * rs + l * cs] } else { 0.0 };
                                let at = panel * w * cols + l * w + i;
                                assert_eq!(dst[at].to_bits(), want.to_bits(), "pack_a w {w} {rows}x{cols} contiguous {contiguous_steps}: ({r}, {l})");
                                assert_eq!(packed_b[at].to_bits(), want.to_bits(), "pack_b w {w} {rows}x{cols} contiguous {contiguous_steps}: ({r}, {l})");
                            }
                        }
                    }
                }
            }
        }
    }
}
