// onstream-names: lse_rows<float> lse_rows<double> lse_cols<float> lse_cols<double>
// Row-wise and column-wise log-sum-exp of a dense row-major matrix.
// CPU twin: rust/onstream-core/src/dense/logsumexp.rs (same conventions for -inf/+inf).
//
// lse_rows<T>: one block per row; each thread keeps an online (max, sum) pair over a strided
// slice of the row, then the block merges the pairs in shared memory. One read of the row.
// lse_cols<T>: one thread per column walking down the rows, so a warp reads 32 consecutive
// elements of a row at each step (coalesced). Accumulation is in T: float stays float on the GPU.
//
// Launch: lse_rows with blockDim.x a power of two <= 1024 and blockDim.x * 2 * sizeof(T) bytes of
// dynamic shared memory; lse_cols with any 1-D grid covering n_cols threads.

// No #include: NVRTC has no header search path unless one is passed, and the kernel needs none.
template <typename T> struct Lim;
template <> struct Lim<float> {
    __device__ static float ninf() { return __int_as_float(0xff800000); }
};
template <> struct Lim<double> {
    __device__ static double ninf() { return __longlong_as_double(0xfff0000000000000ULL); }
};

// Merge (m2, s2) into (m, s); s is relative to m. Infinite maxima carry no sum.
template <typename T>
__device__ __forceinline__ void lse_merge(T& m, T& s, T m2, T s2) {
    if (m2 > m) {
        s = isinf(m2) || isinf(m) ? T(0) : s * exp(m - m2);
        m = m2;
    }
    if (isfinite(m) && !isinf(m2)) {
        s += s2 * exp(m2 - m);
    }
}

template <typename T>
__device__ __forceinline__ T lse_finish(T m, T s) {
    return isinf(m) ? m : m + log(s);
}

template <typename T>
__global__ void lse_rows(const T* __restrict__ x, T* __restrict__ out, long long n_rows,
                         long long n_cols) {
    extern __shared__ unsigned char smem_raw[];
    T* sm = reinterpret_cast<T*>(smem_raw);
    T* ss = sm + blockDim.x;
    for (long long row = blockIdx.x; row < n_rows; row += gridDim.x) {
        const T* r = x + row * n_cols;
        T m = Lim<T>::ninf();
        T s = T(0);
        for (long long j = threadIdx.x; j < n_cols; j += blockDim.x) {
            lse_merge(m, s, r[j], T(1));
        }
        sm[threadIdx.x] = m;
        ss[threadIdx.x] = s;
        __syncthreads();
        for (unsigned stride = blockDim.x / 2; stride > 0; stride >>= 1) {
            if (threadIdx.x < stride) {
                T m1 = sm[threadIdx.x], s1 = ss[threadIdx.x];
                lse_merge(m1, s1, sm[threadIdx.x + stride], ss[threadIdx.x + stride]);
                sm[threadIdx.x] = m1;
                ss[threadIdx.x] = s1;
            }
            __syncthreads();
        }
        if (threadIdx.x == 0) {
            out[row] = lse_finish(sm[0], ss[0]);
        }
        __syncthreads();
    }
}

template <typename T>
__global__ void lse_cols(const T* __restrict__ x, T* __restrict__ out, long long n_rows,
                         long long n_cols) {
    for (long long col = blockIdx.x * (long long)blockDim.x + threadIdx.x; col < n_cols;
         col += (long long)gridDim.x * blockDim.x) {
        T m = Lim<T>::ninf();
        T s = T(0);
        for (long long i = 0; i < n_rows; ++i) {
            lse_merge(m, s, x[i * n_cols + col], T(1));
        }
        out[col] = lse_finish(m, s);
    }
}
