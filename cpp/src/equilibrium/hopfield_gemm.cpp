// Run-time dispatch of the packed GEMM of hopfield_gemm.hpp: the AVX-512 or AVX2+FMA build of
// the micro-kernel where the CPU has it, the portable (baseline ISA) build elsewhere.
#include "hopfield_gemm.hpp"

#include <cstdlib>
#include <cstring>

namespace pnnkit {
namespace equilibrium {

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
