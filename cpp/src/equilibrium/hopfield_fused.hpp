// Private to hopfield.cpp / hopfield_gemm.cpp: the fast path of a two-layer Hopfield relaxation
// (input -> hidden -> narrow output, e.g. 784-500-10), where a generic GEMM per layer wastes
// most of its time on the skinny products with the output layer.
//
// 1. The input drive D = b_1 + rho(x) W_1 of a group of MR rows is one register-blocked product
//    (MR rows x NV vectors of columns) over W_1 packed into aligned column panels. Input columns that
//    are exactly zero in every row of the group are skipped: they contribute nothing, and every
//    output keeps its summation order (bias, then p = 0, 1, ... over the remaining columns), so the
//    result is bit-identical to the dense product and independent of how rows are grouped.
// 2. A fixed number of updates (no tolerance) runs W samples at a time across the SIMD lanes:
//    hidden states and drives unit-major (moved in and out by register tile transposes), the
//    output states and their sums p_j = sum_k W_2[k, j] s_k in registers, each W_2 row broadcast
//    once per unit for both products. F of the initial state, traces and the final statistics
//    come from a pass over each sample's row (pass2).
// 3. With a tolerance, each sample is relaxed on its own (it stops on its own residual), its
//    hidden state (padded to whole vectors), drive and W_2^T in L1: one pass over the hidden units
//    per iteration computes Q = W_2 s_2 (axpy form), the hidden update and the lane sums of
//    P = s_1 W_2, each W_2^T load feeding both products.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

#include "hopfield_gemm.hpp"

namespace pnnkit {
namespace equilibrium {
namespace detail {

// 64-byte aligned, uninitialised buffer of T (packed panels, padded rows).
template <typename T>
struct AlignedBuf {
    struct Free {
        void operator()(T* p) const { std::free(p); }
    };
    std::unique_ptr<T, Free> ptr;
    std::int64_t size = 0;
    void reset(std::int64_t n) {
        if (ptr && n <= size) return;  // (a moved-from buffer has no ptr)
        const std::size_t bytes = ((static_cast<std::size_t>(n) * sizeof(T) + 63) / 64) * 64;
        void* p = std::aligned_alloc(64, bytes);
        if (!p) throw std::bad_alloc();
        ptr.reset(static_cast<T*>(p));
        size = n;
    }
    T* data() const { return ptr.get(); }
};

// W (k x n, row-major) packed into panels of nr columns: panel jp holds rows p = 0..k-1 of
// columns [jp nr, jp nr + nr), zero-padded past n; bias likewise padded to panels x nr.
template <typename T>
struct Panels {
    std::int64_t k = 0, n = 0, nr = 0, panels = 0;
    AlignedBuf<T> data, bias;
    const T* panel(std::int64_t jp) const { return data.data() + jp * k * nr; }
    std::int64_t padded_n() const { return panels * nr; }
};

// Per-sample statistics of one pass (state before the update).
struct PassStats {
    double energy = 0, cost = 0, resid = 0;
};

// Everything a two-layer fast-path relaxation needs (built once per call by hopfield_relax).
template <typename T>
struct Relax2Job {
    const T* x = nullptr;           // (batch, n0)
    std::int64_t batch = 0, n0 = 0, n1 = 0, n2 = 0;
    Panels<T> w1;                   // W_1 in panels, bias b_1 padded
    AlignedBuf<T> wt;               // W_2^T, n2 rows of ld = w1.padded_n(), zero-padded
    const T* w2 = nullptr;          // W_2 as given, (n1, n2) row-major
    const T* b2 = nullptr;
    T* s1 = nullptr;                // (batch, n1) in/out
    T* s2 = nullptr;                // (batch, n2) in/out
    const T* y = nullptr;           // (batch, n2) or null
    T eps = T(0.5), two_beta = T(0), beta = T(0), tol = T(0);
    int max_iter = 0;
    T* energy = nullptr;
    T* cost = nullptr;
    T* residual = nullptr;
    T* trace = nullptr;
    T* initial = nullptr;
    std::int32_t* n_updates = nullptr;
};

}  // namespace detail

// Largest output layer the fast path handles (its lane sums live in registers).
constexpr std::int64_t kRelax2MaxOut = 16;
// Whether this CPU runs the fast path (AVX2+FMA or AVX-512; elsewhere the generic relaxation).
bool relax2_available();
// Panel width (columns of W_1) the fast path of this CPU wants.
template <typename T>
std::int64_t relax2_panel_width();
// Relax rows [r0, r0 + rows) (rows <= 32) with the widest vector ISA of this CPU.
bool relax2_block(const detail::Relax2Job<float>& job, std::int64_t r0, std::int64_t rows, int& max_updates);
bool relax2_block(const detail::Relax2Job<double>& job, std::int64_t r0, std::int64_t rows, int& max_updates);

}  // namespace equilibrium
}  // namespace pnnkit
