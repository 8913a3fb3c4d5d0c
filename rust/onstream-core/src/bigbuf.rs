//! Large buffers whose first writes fault in 2 MiB pages instead of 4 KiB ones.
//!
//! A batch call allocates arrays the size of its input (a trace's next-use times, hit flags,
//! dense ids). Allocations that large come fresh from the kernel, and on a VM each 4 KiB page
//! fault costs microseconds: filling a new 40 MB array took 18 ms here, longer than reading the
//! trace that needed it. Where transparent huge pages are enabled on request (`madvise`, the
//! usual Linux default), asking for them on the buffer before it is written brings that to 3 ms.
//! NumPy asks the same for its own arrays of 4 MiB and more.

/// Buffers smaller than this are left alone (they mostly come from memory the allocator already
/// holds, and a huge page would round them up).
const ADVISE_FROM: usize = 4 << 20;

/// `n` copies of `value`, in a buffer advised as above.
pub fn filled<T: Clone>(n: usize, value: T) -> Vec<T> {
    let mut v = with_capacity(n);
    v.resize(n, value);
    v
}

/// An empty vector with room for `n`, advised as above.
pub fn with_capacity<T>(n: usize) -> Vec<T> {
    let v = Vec::with_capacity(n);
    advise(&v);
    v
}

#[cfg(target_os = "linux")]
fn advise<T>(v: &Vec<T>) {
    let bytes = v.capacity() * std::mem::size_of::<T>();
    if bytes < ADVISE_FROM {
        return;
    }
    const PAGE: usize = 4096;
    let start = v.as_ptr() as usize;
    let (first, end) = (
        (start + PAGE - 1) & !(PAGE - 1),
        (start + bytes) & !(PAGE - 1),
    );
    if end > first {
        // SAFETY: the range lies inside this vector's own allocation, and MADV_HUGEPAGE only
        // tells the kernel how to back those pages: it neither reads nor changes their contents
        // and never invalidates the mapping. A failure (no THP support) leaves things as they
        // were, so the result is ignored.
        unsafe {
            libc::madvise(first as *mut libc::c_void, end - first, libc::MADV_HUGEPAGE);
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn advise<T>(_v: &Vec<T>) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_what_vec_would() {
        for n in [0usize, 3, 1 << 21] {
            assert_eq!(filled(n, 7u32), vec![7u32; n]);
            let mut v = with_capacity::<u64>(n);
            assert!(v.capacity() >= n && v.is_empty());
            v.extend(0..n as u64);
            assert!(v.iter().enumerate().all(|(i, &x)| x == i as u64));
        }
    }
}
