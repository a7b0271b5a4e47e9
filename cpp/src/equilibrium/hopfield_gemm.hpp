// Private to hopfield.cpp: a small packed GEMM C = A * B (row-major) with an AVX2+FMA
// micro-kernel picked at run time, because the portable build compiles Eigen for SSE2 only
// and the input drive rho(x) W_1 dominates a relaxation. B (a weight matrix, constant
// during a relaxation) is packed once into zero-padded column panels; A rows stream.
// The summation order over k is fixed (p = 0..k-1 in fixed chunks), so results do not depend on
// how the rows of A are split between threads.
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

namespace pnnkit {
namespace equilibrium {
namespace detail {

// A SIMD vector of BYTES bytes of T (GCC/Clang vector extension); utype allows unaligned access.
template <typename T, int BYTES>
struct Vec {
    typedef T type __attribute__((vector_size(BYTES)));
    typedef T utype __attribute__((vector_size(BYTES), aligned(sizeof(T))));
    static constexpr int width = BYTES / static_cast<int>(sizeof(T));
};

// B (k x n, row-major, leading dimension ldb) packed into zero-padded panels of `nr` columns
// (nr = two SIMD vectors of the kernel that will consume it).
template <typename T>
struct PackedB {
    std::int64_t k = 0, n = 0, panels = 0, nr = 0;
    std::vector<T> data;  // panels x k x nr

    PackedB() = default;
    PackedB(const T* B, std::int64_t k_, std::int64_t n_, std::int64_t ldb, std::int64_t nr_, bool transposed = false) {
        pack(B, k_, n_, ldb, nr_, transposed);
    }

    // transposed: B is given as its transpose Bt (n x k, row-major, leading dimension ldb).
    void pack(const T* B, std::int64_t k_, std::int64_t n_, std::int64_t ldb, std::int64_t nr_, bool transposed = false) {
        k = k_;
        n = n_;
        nr = nr_;
        panels = (n + nr - 1) / nr;
        data.assign(static_cast<std::size_t>(panels * k * nr), T(0));
        for (std::int64_t jp = 0; jp < panels; ++jp) {
            const std::int64_t j0 = jp * nr, nj = std::min<std::int64_t>(nr, n - j0);
            T* dst = data.data() + jp * k * nr;
            if (transposed) {
                for (std::int64_t j = 0; j < nj; ++j)
                    for (std::int64_t p = 0; p < k; ++p) dst[p * nr + j] = B[(j0 + j) * ldb + p];
            } else {
                for (std::int64_t p = 0; p < k; ++p)
                    std::memcpy(dst + p * nr, B + p * ldb + j0, sizeof(T) * static_cast<std::size_t>(nj));
            }
        }
    }
};

// MR rows of C (columns [j0, j0 + nj) of one panel) (+)= A rows * panel rows [0, k); two vectors per row.
template <typename T, int MR, int BYTES>
inline __attribute__((always_inline)) void micro_kernel(const T* A, std::int64_t lda, const T* panel, std::int64_t k,
                                                        T* C, std::int64_t ldc, std::int64_t nj, bool accumulate) {
    typedef typename Vec<T, BYTES>::type V;
    typedef typename Vec<T, BYTES>::utype VU;
    constexpr int W = Vec<T, BYTES>::width;
    V acc0[MR], acc1[MR];
    T tmp[2 * W];
    for (int r = 0; r < MR; ++r) {
        if (!accumulate) {
            acc0[r] = V{};
            acc1[r] = V{};
        } else if (nj == 2 * W) {
            acc0[r] = *reinterpret_cast<const VU*>(C + r * ldc);
            acc1[r] = *reinterpret_cast<const VU*>(C + r * ldc + W);
        } else {
            for (int j = 0; j < 2 * W; ++j) tmp[j] = j < nj ? C[r * ldc + j] : T(0);
            acc0[r] = *reinterpret_cast<const VU*>(tmp);
            acc1[r] = *reinterpret_cast<const VU*>(tmp + W);
        }
    }
    for (std::int64_t p = 0; p < k; ++p) {
        const V b0 = *reinterpret_cast<const VU*>(panel + p * 2 * W);
        const V b1 = *reinterpret_cast<const VU*>(panel + p * 2 * W + W);
        for (int r = 0; r < MR; ++r) {
            const T a = A[r * lda + p];
            acc0[r] += a * b0;
            acc1[r] += a * b1;
        }
    }
    if (nj == 2 * W) {
        for (int r = 0; r < MR; ++r) {
            *reinterpret_cast<VU*>(C + r * ldc) = acc0[r];
            *reinterpret_cast<VU*>(C + r * ldc + W) = acc1[r];
        }
    } else {
        for (int r = 0; r < MR; ++r) {
            *reinterpret_cast<VU*>(tmp) = acc0[r];
            *reinterpret_cast<VU*>(tmp + W) = acc1[r];
            std::memcpy(C + r * ldc, tmp, sizeof(T) * static_cast<std::size_t>(nj));
        }
    }
}

// Rows of A per micro-kernel call: as many as the vector registers allow (2 accumulators per row).
template <int BYTES>
constexpr int rows_per_kernel() { return BYTES == 64 ? 8 : 4; }
// k is split in chunks so that the slice of a panel in use stays in L1 across row groups.
constexpr std::int64_t kKChunk = 256;

template <typename T, int BYTES>
inline __attribute__((always_inline)) void gemm_body(const T* A, std::int64_t m, std::int64_t lda, const PackedB<T>& B,
                                                     T* C, std::int64_t ldc) {
    constexpr int MR = rows_per_kernel<BYTES>();
    const std::int64_t NR = B.nr;
    for (std::int64_t jp = 0; jp < B.panels; ++jp) {
        const std::int64_t j0 = jp * NR, nj = std::min<std::int64_t>(NR, B.n - j0);
        for (std::int64_t p0 = 0; p0 < B.k; p0 += kKChunk) {
            const std::int64_t kc = std::min<std::int64_t>(kKChunk, B.k - p0);
            const T* panel = B.data.data() + jp * B.k * NR + p0 * NR;
            const bool acc = p0 > 0;
            const T* Ap = A + p0;
            std::int64_t i = 0;
            for (; i + MR <= m; i += MR)
                micro_kernel<T, MR, BYTES>(Ap + i * lda, lda, panel, kc, C + i * ldc + j0, ldc, nj, acc);
            for (; i + 4 <= m; i += 4)
                micro_kernel<T, 4, BYTES>(Ap + i * lda, lda, panel, kc, C + i * ldc + j0, ldc, nj, acc);
            switch (m - i) {
                case 3: micro_kernel<T, 3, BYTES>(Ap + i * lda, lda, panel, kc, C + i * ldc + j0, ldc, nj, acc); break;
                case 2: micro_kernel<T, 2, BYTES>(Ap + i * lda, lda, panel, kc, C + i * ldc + j0, ldc, nj, acc); break;
                case 1: micro_kernel<T, 1, BYTES>(Ap + i * lda, lda, panel, kc, C + i * ldc + j0, ldc, nj, acc); break;
                default: break;
            }
        }
    }
}

// One synchronous projected-gradient step on `rows` rows of one layer (row-major, n columns):
// s <- clip(s - eps (s - P - Q - b + two_beta (s - y)), 0, 1); Q and y may be null.
template <typename T, bool HAS_Q, bool HAS_Y>
inline __attribute__((always_inline)) void step_body(T* s, const T* P, const T* Q, const T* b, const T* y,
                                                     std::int64_t rows, std::int64_t n, T eps, T two_beta) {
    for (std::int64_t r = 0; r < rows; ++r) {
        // distinct buffers: restrict lets the loop vectorise without run-time alias checks
        T* __restrict sr = s + r * n;
        const T* __restrict pr = P + r * n;
        const T* __restrict qr = HAS_Q ? Q + r * n : nullptr;
        const T* __restrict yr = HAS_Y ? y + r * n : nullptr;
        const T* __restrict br = b;
        for (std::int64_t i = 0; i < n; ++i) {
            const T v = sr[i];
            T g = v - pr[i];
            if (HAS_Q) g -= qr[i];
            g -= br[i];
            if (HAS_Y) g += two_beta * (v - yr[i]);
            const T u = v - eps * g;
            sr[i] = std::min(std::max(u, T(0)), T(1));
        }
    }
}

template <typename T>
inline __attribute__((always_inline)) void step_any(T* s, const T* P, const T* Q, const T* b, const T* y,
                                                    std::int64_t rows, std::int64_t n, T eps, T two_beta) {
    if (Q && y) step_body<T, true, true>(s, P, Q, b, y, rows, n, eps, two_beta);
    else if (Q) step_body<T, true, false>(s, P, Q, b, y, rows, n, eps, two_beta);
    else if (y) step_body<T, false, true>(s, P, Q, b, y, rows, n, eps, two_beta);
    else step_body<T, false, false>(s, P, Q, b, y, rows, n, eps, two_beta);
}

}  // namespace detail

// Panel width (columns) to pack a B with n columns for packed_gemm on this CPU.
template <typename T>
std::int64_t packed_nr(std::int64_t n);
// C (m x B.n, row-major, ldc) = A (m x B.k, row-major, lda) * B, B packed with packed_nr<T>(B.n).
void packed_gemm(const float* A, std::int64_t m, std::int64_t lda, const detail::PackedB<float>& B, float* C,
                 std::int64_t ldc);
// detail::step_body with the widest vector ISA of this CPU (Q, y may be null).
void fused_step(float* s, const float* P, const float* Q, const float* b, const float* y, std::int64_t rows,
                std::int64_t n, float eps, float two_beta);
void fused_step(double* s, const double* P, const double* Q, const double* b, const double* y, std::int64_t rows,
                std::int64_t n, double eps, double two_beta);
void packed_gemm(const double* A, std::int64_t m, std::int64_t lda, const detail::PackedB<double>& B, double* C,
                 std::int64_t ldc);

}  // namespace equilibrium
}  // namespace pnnkit
