// onstream-names: ot_lse_rows_dense<float> ot_lse_rows_dense<double> ot_lse_rows_sqeuclid<float> ot_lse_rows_sqeuclid<double> ot_lse_cols_dense<float> ot_lse_cols_dense<double> ot_moments_dense<float> ot_moments_dense<double> ot_moments_sqeuclid<float> ot_moments_sqeuclid<double>
// Fused log-domain Sinkhorn reductions, the CUDA twins of rust/onstream-core/src/ot/ground.rs and
// pass.rs. For potentials h and 1/eps = inv_eps:
//   ot_lse_rows_*: out[i] = LSE_j (h_j - C_ij) * inv_eps     (one block per row)
//   ot_lse_cols_dense: out[j] = LSE_i (h_i - C_ij) * inv_eps  (one thread per column, coalesced)
//   ot_moments_*: for the plan P_ij = exp((f_i + g_j - C_ij) * inv_eps), per row
//                 mass[i] = sum_j P_ij and lin[i] = sum_j C_ij P_ij (one block per row)
// The *_sqeuclid kernels compute C_ij = |x_i - y_j|^2 on the fly (x: n x d, y: m x d, row-major),
// so a point-cloud problem never holds an n x m matrix on the device; a column update of a cloud
// problem is a row update with x and y swapped.
//
// Each thread keeps an online (max, sum) pair, so a row is read once; the block merges the pairs in
// shared memory. Launch the per-row kernels with blockDim.x a power of two <= 1024 and
// 2 * blockDim.x * sizeof(T) bytes of dynamic shared memory.

// No #include: NVRTC has no header search path unless one is passed, and the kernels need none.
template <typename T> struct OtLim;
template <> struct OtLim<float> {
    __device__ static float ninf() { return __int_as_float(0xff800000); }
};
template <> struct OtLim<double> {
    __device__ static double ninf() { return __longlong_as_double(0xfff0000000000000ULL); }
};

// Adds one term exp(v) to the pair (m, s), s relative to m.
template <typename T>
__device__ __forceinline__ void ot_push(T& m, T& s, T v) {
    if (v > m) {
        s = (m == OtLim<T>::ninf() ? T(0) : s * exp(m - v)) + T(1);
        m = v;
    } else if (v != OtLim<T>::ninf()) {
        s += exp(v - m);
    }
}

// Merges the pair (m2, s2) into (m, s).
template <typename T>
__device__ __forceinline__ void ot_merge(T& m, T& s, T m2, T s2) {
    if (m2 == OtLim<T>::ninf()) return;
    if (m == OtLim<T>::ninf()) {
        m = m2;
        s = s2;
    } else if (m2 > m) {
        s = s * exp(m - m2) + s2;
        m = m2;
    } else {
        s += s2 * exp(m2 - m);
    }
}

// Block-wide merge of every thread's pair; thread 0 gets the result.
template <typename T>
__device__ __forceinline__ void ot_block_merge(T& m, T& s) {
    extern __shared__ unsigned char ot_smem[];
    T* sm = reinterpret_cast<T*>(ot_smem);
    T* ss = sm + blockDim.x;
    sm[threadIdx.x] = m;
    ss[threadIdx.x] = s;
    __syncthreads();
    for (unsigned stride = blockDim.x / 2; stride > 0; stride >>= 1) {
        if (threadIdx.x < stride) {
            T m1 = sm[threadIdx.x], s1 = ss[threadIdx.x];
            ot_merge(m1, s1, sm[threadIdx.x + stride], ss[threadIdx.x + stride]);
            sm[threadIdx.x] = m1;
            ss[threadIdx.x] = s1;
        }
        __syncthreads();
    }
    m = sm[0];
    s = ss[0];
    __syncthreads();
}

template <typename T>
__device__ __forceinline__ T ot_finish(T m, T s) {
    return m == OtLim<T>::ninf() ? m : m + log(s);
}

template <typename T>
__device__ __forceinline__ T ot_sqdist(const T* __restrict__ p, const T* __restrict__ q, int d) {
    T acc = T(0);
    for (int k = 0; k < d; ++k) {
        T diff = p[k] - q[k];
        acc += diff * diff;
    }
    return acc;
}

template <typename T>
__global__ void ot_lse_rows_dense(const T* __restrict__ c, const T* __restrict__ h,
                                  T* __restrict__ out, long long n, long long m, T inv_eps) {
    for (long long i = blockIdx.x; i < n; i += gridDim.x) {
        const T* row = c + i * m;
        T mx = OtLim<T>::ninf(), s = T(0);
        for (long long j = threadIdx.x; j < m; j += blockDim.x) {
            ot_push(mx, s, (h[j] - row[j]) * inv_eps);
        }
        ot_block_merge(mx, s);
        if (threadIdx.x == 0) out[i] = ot_finish(mx, s);
    }
}

template <typename T>
__global__ void ot_lse_rows_sqeuclid(const T* __restrict__ x, const T* __restrict__ y,
                                     const T* __restrict__ h, T* __restrict__ out, long long n,
                                     long long m, int d, T inv_eps) {
    for (long long i = blockIdx.x; i < n; i += gridDim.x) {
        const T* p = x + i * d;
        T mx = OtLim<T>::ninf(), s = T(0);
        for (long long j = threadIdx.x; j < m; j += blockDim.x) {
            ot_push(mx, s, (h[j] - ot_sqdist(p, y + j * d, d)) * inv_eps);
        }
        ot_block_merge(mx, s);
        if (threadIdx.x == 0) out[i] = ot_finish(mx, s);
    }
}

template <typename T>
__global__ void ot_lse_cols_dense(const T* __restrict__ c, const T* __restrict__ h,
                                  T* __restrict__ out, long long n, long long m, T inv_eps) {
    for (long long j = blockIdx.x * (long long)blockDim.x + threadIdx.x; j < m;
         j += (long long)gridDim.x * blockDim.x) {
        T mx = OtLim<T>::ninf(), s = T(0);
        for (long long i = 0; i < n; ++i) {
            ot_push(mx, s, (h[i] - c[i * m + j]) * inv_eps);
        }
        out[j] = ot_finish(mx, s);
    }
}

// Sums a pair of per-thread values over the block; thread 0 gets the totals.
template <typename T>
__device__ __forceinline__ void ot_block_sum2(T& a, T& b) {
    extern __shared__ unsigned char ot_smem[];
    T* sa = reinterpret_cast<T*>(ot_smem);
    T* sb = sa + blockDim.x;
    sa[threadIdx.x] = a;
    sb[threadIdx.x] = b;
    __syncthreads();
    for (unsigned stride = blockDim.x / 2; stride > 0; stride >>= 1) {
        if (threadIdx.x < stride) {
            sa[threadIdx.x] += sa[threadIdx.x + stride];
            sb[threadIdx.x] += sb[threadIdx.x + stride];
        }
        __syncthreads();
    }
    a = sa[0];
    b = sb[0];
    __syncthreads();
}

template <typename T>
__global__ void ot_moments_dense(const T* __restrict__ c, const T* __restrict__ f,
                                 const T* __restrict__ g, T* __restrict__ mass,
                                 T* __restrict__ lin, long long n, long long m, T inv_eps) {
    for (long long i = blockIdx.x; i < n; i += gridDim.x) {
        const T* row = c + i * m;
        T s = T(0), l = T(0);
        for (long long j = threadIdx.x; j < m; j += blockDim.x) {
            T p = exp((f[i] + g[j] - row[j]) * inv_eps);
            s += p;
            l += p * row[j];
        }
        ot_block_sum2(s, l);
        if (threadIdx.x == 0) {
            mass[i] = s;
            lin[i] = l;
        }
    }
}

template <typename T>
__global__ void ot_moments_sqeuclid(const T* __restrict__ x, const T* __restrict__ y,
                                    const T* __restrict__ f, const T* __restrict__ g,
                                    T* __restrict__ mass, T* __restrict__ lin, long long n,
                                    long long m, int d, T inv_eps) {
    for (long long i = blockIdx.x; i < n; i += gridDim.x) {
        const T* p = x + i * d;
        T s = T(0), l = T(0);
        for (long long j = threadIdx.x; j < m; j += blockDim.x) {
            T cij = ot_sqdist(p, y + j * d, d);
            T pij = exp((f[i] + g[j] - cij) * inv_eps);
            s += pij;
            l += pij * cij;
        }
        ot_block_sum2(s, l);
        if (threadIdx.x == 0) {
            mass[i] = s;
            lin[i] = l;
        }
    }
}
