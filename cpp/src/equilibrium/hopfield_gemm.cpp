// Run-time dispatch of the packed GEMM of hopfield_gemm.hpp: the AVX-512 or AVX2+FMA build of
// the micro-kernel where the CPU has it, the portable (baseline ISA) build elsewhere.
#include "hopfield_gemm.hpp"
#include "hopfield_fused.hpp"

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#include <immintrin.h>
#endif

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace pnnkit {
namespace equilibrium {

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
// The two-layer fast path (hopfield_fused_kernels.inc), compiled for AVX-512 and for AVX2+FMA.
// GCC 12's own avx512fintrin.h trips -W(maybe-)uninitialized (its _mm512_undefined_* placeholders
// inside _mm512_max_pd/_mm512_min_pd); a false positive in the compiler's header, not in our code.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq,avx2,fma")
namespace fused512f {
using T = float;
struct S {
    typedef __m512 V;
    static constexpr int W = 16;
    static V aload(const T* p) { return _mm512_load_ps(p); }
    static V load(const T* p) { return _mm512_loadu_ps(p); }
    static unsigned nonzero(V a) { return _mm512_cmp_ps_mask(a, _mm512_setzero_ps(), _CMP_NEQ_UQ); }
    static void store(T* p, V v) { _mm512_store_ps(p, v); }
    static void storeu(T* p, V v) { _mm512_storeu_ps(p, v); }
    static V set1(T a) { return _mm512_set1_ps(a); }
    static V zero() { return _mm512_setzero_ps(); }
    static V fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
    static V fnma(V a, V b, V c) { return _mm512_fnmadd_ps(a, b, c); }
    static V mul(V a, V b) { return _mm512_mul_ps(a, b); }
    static V add(V a, V b) { return _mm512_add_ps(a, b); }
    static V sub(V a, V b) { return _mm512_sub_ps(a, b); }
    static V max(V a, V b) { return _mm512_max_ps(a, b); }
    static V min(V a, V b) { return _mm512_min_ps(a, b); }
    static V abs(V a) { return _mm512_abs_ps(a); }
    static T hsum(V a) { return _mm512_reduce_add_ps(a); }
    static T hmax(V a) { return _mm512_reduce_max_ps(a); }
};
#include "hopfield_fused_kernels.inc"
}  // namespace fused512f
namespace fused512d {
using T = double;
struct S {
    typedef __m512d V;
    static constexpr int W = 8;
    static V aload(const T* p) { return _mm512_load_pd(p); }
    static V load(const T* p) { return _mm512_loadu_pd(p); }
    static unsigned nonzero(V a) { return _mm512_cmp_pd_mask(a, _mm512_setzero_pd(), _CMP_NEQ_UQ); }
    static void store(T* p, V v) { _mm512_store_pd(p, v); }
    static void storeu(T* p, V v) { _mm512_storeu_pd(p, v); }
    static V set1(T a) { return _mm512_set1_pd(a); }
    static V zero() { return _mm512_setzero_pd(); }
    static V fma(V a, V b, V c) { return _mm512_fmadd_pd(a, b, c); }
    static V fnma(V a, V b, V c) { return _mm512_fnmadd_pd(a, b, c); }
    static V mul(V a, V b) { return _mm512_mul_pd(a, b); }
    static V add(V a, V b) { return _mm512_add_pd(a, b); }
    static V sub(V a, V b) { return _mm512_sub_pd(a, b); }
    static V max(V a, V b) { return _mm512_max_pd(a, b); }
    static V min(V a, V b) { return _mm512_min_pd(a, b); }
    static V abs(V a) { return _mm512_abs_pd(a); }
    static T hsum(V a) { return _mm512_reduce_add_pd(a); }
    static T hmax(V a) { return _mm512_reduce_max_pd(a); }
};
#include "hopfield_fused_kernels.inc"
}  // namespace fused512d
#pragma GCC pop_options
#pragma GCC push_options
#pragma GCC target("avx2,fma")
namespace fused256f {
using T = float;
struct S {
    typedef __m256 V;
    static constexpr int W = 8;
    static V aload(const T* p) { return _mm256_load_ps(p); }
    static V load(const T* p) { return _mm256_loadu_ps(p); }
    static unsigned nonzero(V a) {
        return unsigned(_mm256_movemask_ps(_mm256_cmp_ps(a, _mm256_setzero_ps(), _CMP_NEQ_UQ)));
    }
    static void store(T* p, V v) { _mm256_store_ps(p, v); }
    static void storeu(T* p, V v) { _mm256_storeu_ps(p, v); }
    static V set1(T a) { return _mm256_set1_ps(a); }
    static V zero() { return _mm256_setzero_ps(); }
    static V fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
    static V fnma(V a, V b, V c) { return _mm256_fnmadd_ps(a, b, c); }
    static V mul(V a, V b) { return _mm256_mul_ps(a, b); }
    static V add(V a, V b) { return _mm256_add_ps(a, b); }
    static V sub(V a, V b) { return _mm256_sub_ps(a, b); }
    static V max(V a, V b) { return _mm256_max_ps(a, b); }
    static V min(V a, V b) { return _mm256_min_ps(a, b); }
    static V abs(V a) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), a); }
    static T hsum(V a) {
        __m128 s = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
        s = _mm_add_ps(s, _mm_movehl_ps(s, s));
        s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
        return _mm_cvtss_f32(s);
    }
    static T hmax(V a) {
        __m128 s = _mm_max_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
        s = _mm_max_ps(s, _mm_movehl_ps(s, s));
        s = _mm_max_ss(s, _mm_shuffle_ps(s, s, 1));
        return _mm_cvtss_f32(s);
    }
};
#include "hopfield_fused_kernels.inc"
}  // namespace fused256f
namespace fused256d {
using T = double;
struct S {
    typedef __m256d V;
    static constexpr int W = 4;
    static V aload(const T* p) { return _mm256_load_pd(p); }
    static V load(const T* p) { return _mm256_loadu_pd(p); }
    static unsigned nonzero(V a) {
        return unsigned(_mm256_movemask_pd(_mm256_cmp_pd(a, _mm256_setzero_pd(), _CMP_NEQ_UQ)));
    }
    static void store(T* p, V v) { _mm256_store_pd(p, v); }
    static void storeu(T* p, V v) { _mm256_storeu_pd(p, v); }
    static V set1(T a) { return _mm256_set1_pd(a); }
    static V zero() { return _mm256_setzero_pd(); }
    static V fma(V a, V b, V c) { return _mm256_fmadd_pd(a, b, c); }
    static V fnma(V a, V b, V c) { return _mm256_fnmadd_pd(a, b, c); }
    static V mul(V a, V b) { return _mm256_mul_pd(a, b); }
    static V add(V a, V b) { return _mm256_add_pd(a, b); }
    static V sub(V a, V b) { return _mm256_sub_pd(a, b); }
    static V max(V a, V b) { return _mm256_max_pd(a, b); }
    static V min(V a, V b) { return _mm256_min_pd(a, b); }
    static V abs(V a) { return _mm256_andnot_pd(_mm256_set1_pd(-0.0), a); }
    static T hsum(V a) {
        __m128d s = _mm_add_pd(_mm256_castpd256_pd128(a), _mm256_extractf128_pd(a, 1));
        return _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)));
    }
    static T hmax(V a) {
        __m128d s = _mm_max_pd(_mm256_castpd256_pd128(a), _mm256_extractf128_pd(a, 1));
        return _mm_cvtsd_f64(_mm_max_sd(s, _mm_unpackhi_pd(s, s)));
    }
};
#include "hopfield_fused_kernels.inc"
}  // namespace fused256d
#pragma GCC pop_options
#pragma GCC diagnostic pop
#endif

namespace {

enum class Isa { Baseline, Avx2, Avx512 };

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#define PNNKIT_HOPFIELD_X86 1
// fp-contract: let the compiler fuse multiply-adds (the ISO -std=c++17 default forbids it).
template <typename T>
__attribute__((target("avx2,fma"), optimize("fp-contract=fast"))) void gemm_avx2(
    const T* A, std::int64_t m, std::int64_t lda, const detail::PackedB<T>& B, T* C, std::int64_t ldc) {
    detail::gemm_body<T, 32>(A, m, lda, B, C, ldc);
}
template <typename T>
__attribute__((target("avx512f,avx2,fma"), optimize("fp-contract=fast"))) void gemm_avx512(
    const T* A, std::int64_t m, std::int64_t lda, const detail::PackedB<T>& B, T* C, std::int64_t ldc) {
    detail::gemm_body<T, 64>(A, m, lda, B, C, ldc);
}
// PNNKIT_HOPFIELD_ISA=baseline|avx2 caps the kernel (to test every code path on one machine).
template <typename T>
__attribute__((target("avx2,fma"), optimize("fp-contract=fast"))) void step_avx2(
    T* s, const T* P, const T* Q, const T* b, const T* y, std::int64_t rows, std::int64_t n, T eps, T tb) {
    detail::step_any<T>(s, P, Q, b, y, rows, n, eps, tb);
}
template <typename T>
__attribute__((target("avx512f,avx2,fma"), optimize("fp-contract=fast"))) void step_avx512(
    T* s, const T* P, const T* Q, const T* b, const T* y, std::int64_t rows, std::int64_t n, T eps, T tb) {
    detail::step_any<T>(s, P, Q, b, y, rows, n, eps, tb);
}
Isa detect() {
    __builtin_cpu_init();
    const char* cap = std::getenv("PNNKIT_HOPFIELD_ISA");
    if (cap && std::strcmp(cap, "baseline") == 0) return Isa::Baseline;
    if (cap && std::strcmp(cap, "avx2") == 0)
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? Isa::Avx2 : Isa::Baseline;
    if (__builtin_cpu_supports("avx512f")) return Isa::Avx512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Isa::Avx2;
    return Isa::Baseline;
}
#else
Isa detect() { return Isa::Baseline; }
#endif

Isa isa() {
    static const Isa value = detect();
    return value;
}

// The kernel is chosen by the panel width B was packed with (two vectors of 64, 32 or 16 bytes).
template <typename T>
void gemm_dispatch(const T* A, std::int64_t m, std::int64_t lda, const detail::PackedB<T>& B, T* C, std::int64_t ldc) {
    const std::int64_t vec_bytes = B.nr * static_cast<std::int64_t>(sizeof(T)) / 2;
#ifdef PNNKIT_HOPFIELD_X86
    if (vec_bytes == 64) {
        gemm_avx512<T>(A, m, lda, B, C, ldc);
        return;
    }
    if (vec_bytes == 32) {
        gemm_avx2<T>(A, m, lda, B, C, ldc);
        return;
    }
#endif
    (void)vec_bytes;
    detail::gemm_body<T, 16>(A, m, lda, B, C, ldc);
}

template <typename T>
bool relax2_any(const detail::Relax2Job<T>& job, std::int64_t r0, std::int64_t rows, int& mx);
// Rows x vectors of the drive's register block: AVX-512 has 32 vector registers, AVX2 16.
#ifndef PNNKIT_R2_MR512
#define PNNKIT_R2_MR512 8
#define PNNKIT_R2_NV512 3
#endif
constexpr int kMr512 = PNNKIT_R2_MR512, kNv512 = PNNKIT_R2_NV512, kMr256 = 4, kNv256 = 2;
#ifdef PNNKIT_HOPFIELD_X86
// n2 (run time) -> NJ (compile time), 1..kRelax2MaxOut, for the kernels of namespace NS.
#define PNNKIT_RELAX2_SWITCH(NS, MR, NV)                                                          \
    switch (job.n2) {                                                                             \
        case 1: return NS::relax2_rows<MR, NV, 1>(job, r0, rows, mx);                             \
        case 2: return NS::relax2_rows<MR, NV, 2>(job, r0, rows, mx);                             \
        case 3: return NS::relax2_rows<MR, NV, 3>(job, r0, rows, mx);                             \
        case 4: return NS::relax2_rows<MR, NV, 4>(job, r0, rows, mx);                             \
        case 5: return NS::relax2_rows<MR, NV, 5>(job, r0, rows, mx);                             \
        case 6: return NS::relax2_rows<MR, NV, 6>(job, r0, rows, mx);                             \
        case 7: return NS::relax2_rows<MR, NV, 7>(job, r0, rows, mx);                             \
        case 8: return NS::relax2_rows<MR, NV, 8>(job, r0, rows, mx);                             \
        case 9: return NS::relax2_rows<MR, NV, 9>(job, r0, rows, mx);                             \
        case 10: return NS::relax2_rows<MR, NV, 10>(job, r0, rows, mx);                           \
        case 11: return NS::relax2_rows<MR, NV, 11>(job, r0, rows, mx);                           \
        case 12: return NS::relax2_rows<MR, NV, 12>(job, r0, rows, mx);                           \
        case 13: return NS::relax2_rows<MR, NV, 13>(job, r0, rows, mx);                           \
        case 14: return NS::relax2_rows<MR, NV, 14>(job, r0, rows, mx);                           \
        case 15: return NS::relax2_rows<MR, NV, 15>(job, r0, rows, mx);                           \
        case 16: return NS::relax2_rows<MR, NV, 16>(job, r0, rows, mx);                           \
        default: throw std::logic_error("relax2: output layer too wide for the fast path");      \
    }
template <>
bool relax2_any<float>(const detail::Relax2Job<float>& job, std::int64_t r0, std::int64_t rows, int& mx) {
    if (isa() == Isa::Avx512) {
        PNNKIT_RELAX2_SWITCH(fused512f, kMr512, kNv512)
    }
    PNNKIT_RELAX2_SWITCH(fused256f, kMr256, kNv256)
}
template <>
bool relax2_any<double>(const detail::Relax2Job<double>& job, std::int64_t r0, std::int64_t rows, int& mx) {
    if (isa() == Isa::Avx512) {
        PNNKIT_RELAX2_SWITCH(fused512d, kMr512, kNv512)
    }
    PNNKIT_RELAX2_SWITCH(fused256d, kMr256, kNv256)
}
#undef PNNKIT_RELAX2_SWITCH
#else
template <typename T>
bool relax2_any(const detail::Relax2Job<T>&, std::int64_t, std::int64_t, int&) {
    throw std::logic_error("relax2: no fast path on this CPU");
}
#endif

template <typename T>
void step_dispatch(T* s, const T* P, const T* Q, const T* b, const T* y, std::int64_t rows, std::int64_t n, T eps,
                   T tb) {
#ifdef PNNKIT_HOPFIELD_X86
    switch (isa()) {
        case Isa::Avx512: step_avx512<T>(s, P, Q, b, y, rows, n, eps, tb); return;
        case Isa::Avx2: step_avx2<T>(s, P, Q, b, y, rows, n, eps, tb); return;
        default: break;
    }
#endif
    detail::step_any<T>(s, P, Q, b, y, rows, n, eps, tb);
}

}  // namespace

void fused_step(float* s, const float* P, const float* Q, const float* b, const float* y, std::int64_t rows,
                std::int64_t n, float eps, float two_beta) {
    step_dispatch<float>(s, P, Q, b, y, rows, n, eps, two_beta);
}
void fused_step(double* s, const double* P, const double* Q, const double* b, const double* y, std::int64_t rows,
                std::int64_t n, double eps, double two_beta) {
    step_dispatch<double>(s, P, Q, b, y, rows, n, eps, two_beta);
}

bool relax2_block(const detail::Relax2Job<float>& job, std::int64_t r0, std::int64_t rows, int& max_updates) {
    return relax2_any<float>(job, r0, rows, max_updates);
}
bool relax2_block(const detail::Relax2Job<double>& job, std::int64_t r0, std::int64_t rows, int& max_updates) {
    return relax2_any<double>(job, r0, rows, max_updates);
}
bool relax2_available() { return isa() == Isa::Avx512 || isa() == Isa::Avx2; }
template <typename T>
std::int64_t relax2_panel_width() {
    // NV vectors of the register block of relax2_any
    return isa() == Isa::Avx512 ? kNv512 * 64 / static_cast<std::int64_t>(sizeof(T))
                                : kNv256 * 32 / static_cast<std::int64_t>(sizeof(T));
}
template std::int64_t relax2_panel_width<float>();
template std::int64_t relax2_panel_width<double>();

template <typename T>
std::int64_t packed_nr(std::int64_t n) {
    int bytes = isa() == Isa::Avx512 ? 64 : (isa() == Isa::Avx2 ? 32 : 16);
    // Narrow outputs (e.g. 10 classes) waste most of a wide panel: use half-width vectors there.
    if (bytes == 64 && 2 * 32 / static_cast<std::int64_t>(sizeof(T)) >= n) bytes = 32;
    return 2 * bytes / static_cast<std::int64_t>(sizeof(T));
}
template std::int64_t packed_nr<float>(std::int64_t);
template std::int64_t packed_nr<double>(std::int64_t);

void packed_gemm(const float* A, std::int64_t m, std::int64_t lda, const detail::PackedB<float>& B, float* C,
                 std::int64_t ldc) {
    gemm_dispatch<float>(A, m, lda, B, C, ldc);
}
void packed_gemm(const double* A, std::int64_t m, std::int64_t lda, const detail::PackedB<double>& B, double* C,
                 std::int64_t ldc) {
    gemm_dispatch<double>(A, m, lda, B, C, ldc);
}

}  // namespace equilibrium
}  // namespace pnnkit
