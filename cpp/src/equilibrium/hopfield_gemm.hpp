// Private to hopfield.cpp: a small packed GEMM C = A * B (row-major) with an AVX2+FMA
// micro-kernel picked at run time, because the portable build compiles Eigen for SSE2 only
// and the input drive rho(x) W_1 dominates a relaxation. B (a weight matrix, constant
// during a relaxation) is packed once into zero-padded column panels; A rows stream.
// The summation order over k is fixed (p = 0..k-1), so results do not depend on how the
// rows of A are split between threads.
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

namespace pnnkit {
namespace equilibrium {
namespace detail {

template <typename T>
struct Vec;
template <>
struct Vec<float> {
    typedef float type __attribute__((vector_size(32)));
    typedef float utype __attribute__((vector_size(32), aligned(4)));
    static constexpr int width = 8;
};
template <>
struct Vec<double> {
    typedef double type __attribute__((vector_size(32)));
    typedef double utype __attribute__((vector_size(32), aligned(8)));
    static constexpr int width = 4;
};

// B (k x n, row-major, leading dimension ldb) packed into panels of NR = 2 vectors of columns.
template <typename T>
struct PackedB {
    static constexpr int NR = 2 * Vec<T>::width;
    std::int64_t k = 0, n = 0, panels = 0;
    std::vector<T> data;  // panels x k x NR

    PackedB() = default;
    PackedB(const T* B, std::int64_t k_, std::int64_t n_, std::int64_t ldb, bool transposed = false) { pack(B, k_, n_, ldb, transposed); }

    // transposed: B is given as its transpose Bt (n x k, row-major, leading dimension ldb).
    void pack(const T* B, std::int64_t k_, std::int64_t n_, std::int64_t ldb, bool transposed = false) {
        k = k_;
        n = n_;
        panels = (n + NR - 1) / NR;
        data.assign(static_cast<std::size_t>(panels * k * NR), T(0));
        for (std::int64_t jp = 0; jp < panels; ++jp) {
            const std::int64_t j0 = jp * NR, nj = std::min<std::int64_t>(NR, n - j0);
            T* dst = data.data() + jp * k * NR;
            for (std::int64_t p = 0; p < k; ++p)
                for (std::int64_t j = 0; j < nj; ++j)
                    dst[p * NR + j] = transposed ? B[(j0 + j) * ldb + p] : B[p * ldb + j0 + j];
        }
    }
};

// MR rows of C (columns [j0, j0 + nj) of one panel) = A rows * panel.
template <typename T, int MR>
inline __attribute__((always_inline)) void micro_kernel(const T* A, std::int64_t lda, const T* panel, std::int64_t k,
                                                        T* C, std::int64_t ldc, std::int64_t nj) {
    typedef typename Vec<T>::type V;
    typedef typename Vec<T>::utype VU;
    constexpr int W = Vec<T>::width;
    V acc0[MR], acc1[MR];
    for (int r = 0; r < MR; ++r) {
        acc0[r] = V{};
        acc1[r] = V{};
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
        alignas(32) T tmp[2 * W];
        for (int r = 0; r < MR; ++r) {
            *reinterpret_cast<V*>(tmp) = acc0[r];
            *reinterpret_cast<V*>(tmp + W) = acc1[r];
            std::memcpy(C + r * ldc, tmp, sizeof(T) * static_cast<std::size_t>(nj));
        }
    }
}

template <typename T>
inline __attribute__((always_inline)) void gemm_body(const T* A, std::int64_t m, std::int64_t lda, const PackedB<T>& B,
                                                     T* C, std::int64_t ldc) {
    constexpr int NR = PackedB<T>::NR;
    for (std::int64_t jp = 0; jp < B.panels; ++jp) {
        const std::int64_t j0 = jp * NR, nj = std::min<std::int64_t>(NR, B.n - j0);
        const T* panel = B.data.data() + jp * B.k * NR;
        std::int64_t i = 0;
        for (; i + 4 <= m; i += 4) micro_kernel<T, 4>(A + i * lda, lda, panel, B.k, C + i * ldc + j0, ldc, nj);
        switch (m - i) {
            case 3: micro_kernel<T, 3>(A + i * lda, lda, panel, B.k, C + i * ldc + j0, ldc, nj); break;
            case 2: micro_kernel<T, 2>(A + i * lda, lda, panel, B.k, C + i * ldc + j0, ldc, nj); break;
            case 1: micro_kernel<T, 1>(A + i * lda, lda, panel, B.k, C + i * ldc + j0, ldc, nj); break;
            default: break;
        }
    }
}

}  // namespace detail

// C (m x B.n, row-major, ldc) = A (m x B.k, row-major, lda) * B. Defined in hopfield_gemm.cpp.
void packed_gemm(const float* A, std::int64_t m, std::int64_t lda, const detail::PackedB<float>& B, float* C,
                 std::int64_t ldc);
void packed_gemm(const double* A, std::int64_t m, std::int64_t lda, const detail::PackedB<double>& B, double* C,
                 std::int64_t ldc);

}  // namespace equilibrium
}  // namespace pnnkit
