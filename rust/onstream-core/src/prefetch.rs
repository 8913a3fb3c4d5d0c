//! Software prefetch for loops whose addresses are known ahead: batch simulations read arrays at
//! positions given by ids later in the trace, so the load for request t + d can be started while
//! request t is worked on (random reads into arrays of millions of entries otherwise wait on the
//! cache misses one after another).

/// Asks the CPU to bring `slice[i]` into cache; out-of-range `i` is a no-op (nothing is read).
#[inline(always)]
pub fn read<T>(slice: &[T], i: usize) {
    #[cfg(target_arch = "x86_64")]
    if let Some(item) = slice.get(i) {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        // SAFETY: a prefetch is a hint that never faults and changes no memory; the pointer comes
        // from a live reference, and SSE (which provides the instruction) is part of x86-64.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(std::ptr::from_ref(item).cast::<i8>()) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (slice, i);
}
