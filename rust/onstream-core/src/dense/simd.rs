//! One function, two builds: portable (SSE2 on x86-64) and AVX2, chosen at run time.
//!
//! The hot loops are written as plain Rust that LLVM vectorizes; compiling the same body again with
//! AVX2 enabled doubles the vector width. Both builds do the same arithmetic in the same order
//! (there is no FMA anywhere), so they return the same bits.

/// Defines `fn name(args) -> ret { body }` that runs `body` compiled with AVX2 when the CPU has
/// it, and compiled portably otherwise. Generic parameters take one bound each.
macro_rules! multiversion {
    (
        $(#[$meta:meta])*
        $vis:vis fn $name:ident $(<$($g:ident : $bound:path),*>)?
        ($($arg:ident : $ty:ty),* $(,)?) $(-> $ret:ty)? $body:block
    ) => {
        $(#[$meta])*
        #[allow(clippy::too_many_arguments)]
        $vis fn $name $(<$($g: $bound),*>)? ($($arg: $ty),*) $(-> $ret)? {
            #[inline(always)]
            #[allow(clippy::too_many_arguments)]
            fn portable $(<$($g: $bound),*>)? ($($arg: $ty),*) $(-> $ret)? $body

            #[cfg(target_arch = "x86_64")]
            #[target_feature(enable = "avx2")]
            #[allow(clippy::too_many_arguments)]
            unsafe fn avx2 $(<$($g: $bound),*>)? ($($arg: $ty),*) $(-> $ret)? {
                portable($($arg),*)
            }

            #[cfg(target_arch = "x86_64")]
            if std::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU supports AVX2, checked just above.
                return unsafe { avx2($($arg),*) };
            }
            portable($($arg),*)
        }
    };
}

pub(crate) use multiversion;
