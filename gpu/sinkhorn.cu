// onstream-names: ot_lse_rows_dense<float> ot_lse_rows_dense<double> ot_lse_rows_sqeuclid<float> ot_lse_rows_sqeuclid<double> ot_lse_cols_dense<float> ot_lse_cols_dense<double> ot_lse_cols_finish<float> ot_lse_cols_finish<double> ot_moments_dense<float> ot_moments_dense<double> ot_moments_sqeuclid<float> ot_moments_sqeuclid<double> ot_sparsify_count<float> ot_sparsify_count<double> ot_sparsify_fill<float> ot_sparsify_fill<double>
// Fused log-domain Sinkhorn reductions, the CUDA twins of rust/onstream-core/src/ot/ground.rs and
// pass.rs. For potentials h and 1/eps = inv_eps:
//   ot_lse_rows_*: out[i] = LSE_j (h_j - C_ij) * inv_eps     (one block per row)
//   ot_lse_cols_dense: out[j] = LSE_i (h_i - C_ij) * inv_eps  (32 columns a block, rows in slabs)
//   ot_moments_*: for the plan P_ij = exp((f_i + g_j - C_ij) * inv_eps), per row
//                 mass[i] = sum_j P_ij and lin[i] = sum_j C_ij P_ij (one block per row)
// The *_sqeuclid kernels compute C_ij = |x_i - y_j|^2 on the fly (x: n x d, y: m x d, row-major),
// so a point-cloud problem never holds an n x m matrix on the device; a column update of a cloud
// problem is a row update with x and y swapped.
//   ot_sparsify_*: the per-row sparsification of the plan for the Newton matrix of
//                  Sinkhorn-Newton-Sparse (rust/onstream-core/src/ot/pass.rs, Keep), in two passes
//                  around a prefix sum of the counts (see the comment above them).
//
// Each thread keeps an online (max, sum) pair, so a row is read once; the block merges the pairs in
// shared memory. Launch the per-row kernels with blockDim.x a multiple of 32 up to 1024 and
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

// Adds four terms at once: one comparison with the running maximum, four independent loads and
// exponentials in flight (one at a time, each exponential waits on the comparison before it).
// With the shuffle merge below it made the dense passes 5-27% faster on an H200.
template <typename T>
__device__ __forceinline__ void ot_push4(T& m, T& s, T v0, T v1, T v2, T v3) {
    T top = fmax(fmax(v0, v1), fmax(v2, v3));
    if (top > m) {
        s = m == OtLim<T>::ninf() ? T(0) : s * exp(m - top);
        m = top;
    }
    if (m != OtLim<T>::ninf()) s += (exp(v0 - m) + exp(v1 - m)) + (exp(v2 - m) + exp(v3 - m));
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

// Merges the pairs of a warp's 32 lanes; lane 0 gets the result.
template <typename T>
__device__ __forceinline__ void ot_warp_merge(T& m, T& s) {
    for (int off = 16; off > 0; off >>= 1) {
        T m2 = __shfl_down_sync(0xffffffffu, m, off);
        T s2 = __shfl_down_sync(0xffffffffu, s, off);
        ot_merge(m, s, m2, s2);
    }
}

// Block-wide merge of every thread's pair, by shuffles within each warp and then over the warps'
// results (two barriers, where a tree in shared memory took one per level); every thread gets it.
template <typename T>
__device__ __forceinline__ void ot_block_merge(T& m, T& s) {
    extern __shared__ unsigned char ot_smem[];
    T* sm = reinterpret_cast<T*>(ot_smem);
    T* ss = sm + blockDim.x;
    unsigned lane = threadIdx.x % 32, warp = threadIdx.x / 32;
    ot_warp_merge(m, s);
    if (lane == 0) {
        sm[warp] = m;
        ss[warp] = s;
    }
    __syncthreads();
    if (warp == 0) {
        bool held = lane < blockDim.x / 32;
        m = held ? sm[lane] : OtLim<T>::ninf();
        s = held ? ss[lane] : T(0);
        ot_warp_merge(m, s);
        if (lane == 0) {
            sm[0] = m;
            ss[0] = s;
        }
    }
    __syncthreads();
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
        const long long b = blockDim.x;
        long long j = threadIdx.x;
        for (; j + 3 * b < m; j += 4 * b) {
            ot_push4(mx, s, (h[j] - row[j]) * inv_eps, (h[j + b] - row[j + b]) * inv_eps,
                     (h[j + 2 * b] - row[j + 2 * b]) * inv_eps,
                     (h[j + 3 * b] - row[j + 3 * b]) * inv_eps);
        }
        for (; j < m; j += b) ot_push(mx, s, (h[j] - row[j]) * inv_eps);
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
        // One term at a time: ot_push4 here made a sweep on clouds 10% slower on an H200 (the
        // cost is computed, not read, so there are no loads to overlap).
        for (long long j = threadIdx.x; j < m; j += blockDim.x) {
            ot_push(mx, s, (h[j] - ot_sqdist(p, y + j * d, d)) * inv_eps);
        }
        ot_block_merge(mx, s);
        if (threadIdx.x == 0) out[i] = ot_finish(mx, s);
    }
}

// Column LSEs of a dense cost over slabs of rows. A block is (32, Y) threads, Y a power of two:
// threadIdx.x picks one of 32 adjacent columns, so a warp reads 256 contiguous bytes of a row, and
// threadIdx.y one of Y row lanes; blockIdx.y picks a slab of `slab` rows. One thread per column
// walking all n rows would give m/256 blocks of n-long serial loops, too few to keep the memory
// system busy unless m is in the hundreds of thousands. With one slab (gridDim.y == 1) the block
// writes out[j]; otherwise it writes the slab's pair to pm/ps[blockIdx.y * m + j], and
// ot_lse_cols_finish merges the slabs. Needs 2 * 32 * Y * sizeof(T) bytes of dynamic shared
// memory.
template <typename T>
__global__ void ot_lse_cols_dense(const T* __restrict__ c, const T* __restrict__ h,
                                  T* __restrict__ out, T* __restrict__ pm, T* __restrict__ ps,
                                  long long n, long long m, long long slab, T inv_eps) {
    extern __shared__ unsigned char ot_smem[];
    T* sm = reinterpret_cast<T*>(ot_smem);
    T* ss = sm + blockDim.x * blockDim.y;
    long long j = blockIdx.x * (long long)blockDim.x + threadIdx.x;
    long long r0 = blockIdx.y * slab;
    long long r1 = r0 + slab < n ? r0 + slab : n;
    T mx = OtLim<T>::ninf(), s = T(0);
    if (j < m) {
        const long long b = blockDim.y;
        long long i = r0 + threadIdx.y;
        for (; i + 3 * b < r1; i += 4 * b) {
            ot_push4(mx, s, (h[i] - c[i * m + j]) * inv_eps,
                     (h[i + b] - c[(i + b) * m + j]) * inv_eps,
                     (h[i + 2 * b] - c[(i + 2 * b) * m + j]) * inv_eps,
                     (h[i + 3 * b] - c[(i + 3 * b) * m + j]) * inv_eps);
        }
        for (; i < r1; i += b) ot_push(mx, s, (h[i] - c[i * m + j]) * inv_eps);
    }
    unsigned t = threadIdx.y * blockDim.x + threadIdx.x;
    sm[t] = mx;
    ss[t] = s;
    __syncthreads();
    for (unsigned stride = blockDim.y / 2; stride > 0; stride >>= 1) {
        if (threadIdx.y < stride) {
            unsigned u = t + stride * blockDim.x;
            T m1 = sm[t], s1 = ss[t];
            ot_merge(m1, s1, sm[u], ss[u]);
            sm[t] = m1;
            ss[t] = s1;
        }
        __syncthreads();
    }
    if (threadIdx.y == 0 && j < m) {
        if (gridDim.y == 1) {
            out[j] = ot_finish(sm[t], ss[t]);
        } else {
            pm[blockIdx.y * m + j] = sm[t];
            ps[blockIdx.y * m + j] = ss[t];
        }
    }
}

// out[j] = the merge of the `slabs` pairs (pm, ps)[k * m + j] of ot_lse_cols_dense; any 1-D grid.
template <typename T>
__global__ void ot_lse_cols_finish(const T* __restrict__ pm, const T* __restrict__ ps,
                                   T* __restrict__ out, long long slabs, long long m) {
    for (long long j = blockIdx.x * (long long)blockDim.x + threadIdx.x; j < m;
         j += (long long)gridDim.x * blockDim.x) {
        T mx = OtLim<T>::ninf(), s = T(0);
        for (long long k = 0; k < slabs; ++k) ot_merge(mx, s, pm[k * m + j], ps[k * m + j]);
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

// ---------------------------------------------------------------------------------------------
// Per-row sparsification for Sinkhorn-Newton-Sparse. Row i of the plan at potentials (f, h) has
// entries P_ij = exp((f_i + h_j - C_ij) * inv_eps); with lse_i = LSE_j (h_j - C_ij) * inv_eps (from
// ot_lse_rows_*), rel_ij = (h_j - C_ij) * inv_eps - lse_i <= 0 is the log of the entry's share of
// its row. Each row keeps its heaviest entries until at most `drop` of the row's mass is left out
// (at most max_keep entries); as on the CPU, a histogram stands in for sorting the row, here of rel
// in OT_BINS bins of `width` nats:
//   ot_sparsify_count: per row, the mass and the count in each bin; whole bins are dropped from the
//       bottom while their mass fits in `drop` (never more, so the guarantee is the CPU's); then,
//       under max_keep, `cut` = the number of top bins that fit whole and `full` their entries.
//       Writes count[i] (entries to keep), cut[i], full[i].
//   ot_sparsify_fill: with indptr = prefix sum of count, writes every entry of the `cut` whole bins
//       and then entries of bin `cut` until the row holds count[i] (those are the one place the
//       choice is not by weight: within one bin, a factor exp(width) apart, any will do).
// The slots of a row are claimed with shared-memory atomics, so a row's order is arbitrary; the
// host sorts the indices. Slots no entry claims (possible only if the two passes put an entry in
// different bins, which the shared non-inlined ot_rel_bin rules out) stay as the host zeroed them.
// Dense costs pass d = 0 and c; point clouds pass d > 0, x and y (the other pointers are unused).

#define OT_BINS 256

template <typename T>
__device__ __noinline__ int ot_rel_bin(const T* __restrict__ c, const T* __restrict__ x,
                                      const T* __restrict__ y, int d, const T* __restrict__ h,
                                      T lse_i, long long i, long long j, long long m, T inv_eps,
                                      T width, T* z_out) {
    T cij = d == 0 ? c[i * m + j] : ot_sqdist(x + i * d, y + j * d, d);
    T z = (h[j] - cij) * inv_eps;
    T rel = z - lse_i;
    *z_out = z;
    if (!(rel > OtLim<T>::ninf())) return OT_BINS;  // zero mass (or NaN): never kept
    if (rel >= T(0)) return 0;
    T b = -rel / width;
    return b >= T(OT_BINS - 1) ? OT_BINS - 1 : (int)b;
}

template <typename T>
__global__ void ot_sparsify_count(const T* __restrict__ c, const T* __restrict__ x,
                                  const T* __restrict__ y, int d, const T* __restrict__ h,
                                  const T* __restrict__ lse, long long* __restrict__ count,
                                  int* __restrict__ cut, long long* __restrict__ full, long long n,
                                  long long m, T inv_eps, T width, T drop, long long max_keep) {
    __shared__ T mass[OT_BINS];
    __shared__ long long cnt[OT_BINS];
    for (long long i = blockIdx.x; i < n; i += gridDim.x) {
        for (int b = threadIdx.x; b < OT_BINS; b += blockDim.x) {
            mass[b] = T(0);
            cnt[b] = 0;
        }
        __syncthreads();
        T lse_i = lse[i];
        // Most of a row usually falls in the last bin (shares below e^-span): counted in registers
        // and added once per thread, so the threads do not queue on one shared-memory address.
        T tail_mass = T(0);
        unsigned long long tail_cnt = 0;
        if (lse_i > OtLim<T>::ninf()) {
            for (long long j = threadIdx.x; j < m; j += blockDim.x) {
                T z;
                int b = ot_rel_bin(c, x, y, d, h, lse_i, i, j, m, inv_eps, width, &z);
                if (b == OT_BINS - 1) {
                    tail_mass += exp(z - lse_i);
                    ++tail_cnt;
                } else if (b < OT_BINS) {
                    atomicAdd(&mass[b], exp(z - lse_i));
                    atomicAdd((unsigned long long*)&cnt[b], 1ULL);
                }
            }
        }
        if (tail_cnt > 0) {
            atomicAdd(&mass[OT_BINS - 1], tail_mass);
            atomicAdd((unsigned long long*)&cnt[OT_BINS - 1], tail_cnt);
        }
        __syncthreads();
        if (threadIdx.x == 0) {
            int kept_bins = OT_BINS;
            T dropped = T(0);
            while (kept_bins > 1 && dropped + mass[kept_bins - 1] <= drop) {
                dropped += mass[--kept_bins];
            }
            long long kept = 0;
            for (int b = 0; b < kept_bins; ++b) kept += cnt[b];
            long long k = kept < max_keep ? kept : max_keep;
            int whole = 0;
            long long in_whole = 0;
            while (whole < kept_bins && in_whole + cnt[whole] <= k) in_whole += cnt[whole++];
            count[i] = k;
            cut[i] = whole;
            full[i] = in_whole;
        }
        __syncthreads();
    }
}

template <typename T>
__global__ void ot_sparsify_fill(const T* __restrict__ c, const T* __restrict__ x,
                                 const T* __restrict__ y, int d, const T* __restrict__ f,
                                 const T* __restrict__ h, const T* __restrict__ lse,
                                 const long long* __restrict__ indptr,
                                 const int* __restrict__ cut, const long long* __restrict__ full,
                                 int* __restrict__ indices, T* __restrict__ data, long long n,
                                 long long m, T inv_eps, T width) {
    __shared__ unsigned long long whole_slots, part_slots;
    for (long long i = blockIdx.x; i < n; i += gridDim.x) {
        long long start = indptr[i], k = indptr[i + 1] - indptr[i];
        if (k == 0) continue;  // uniform across the block: no barrier is skipped by some threads
        if (threadIdx.x == 0) {
            whole_slots = 0;
            part_slots = 0;
        }
        __syncthreads();
        T lse_i = lse[i];
        int cut_i = cut[i];
        long long full_i = full[i];
        for (long long j = threadIdx.x; j < m; j += blockDim.x) {
            T z;
            int b = ot_rel_bin(c, x, y, d, h, lse_i, i, j, m, inv_eps, width, &z);
            long long slot = -1;
            if (b < cut_i) {
                unsigned long long s = atomicAdd(&whole_slots, 1ULL);
                if ((long long)s < full_i) slot = (long long)s;
            } else if (b == cut_i && full_i < k) {
                unsigned long long s = atomicAdd(&part_slots, 1ULL);
                if ((long long)s < k - full_i) slot = full_i + (long long)s;
            }
            if (slot >= 0) {
                indices[start + slot] = (int)j;
                data[start + slot] = exp(f[i] * inv_eps + z);
            }
        }
        __syncthreads();
    }
}
