// Run-time dispatch of the packed GEMM of hopfield_gemm.hpp: the AVX2+FMA build of the
// micro-kernel where the CPU has it, the portable (baseline ISA) build elsewhere.
#include "hopfield_gemm.hpp"

namespace pnnkit {
namespace equilibrium {

namespace {

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#define PNNKIT_HOPFIELD_X86 1
template <typename T>
// fp-contract: let the compiler fuse multiply-adds (the ISO -std=c++17 default forbids it).
__attribute__((target("avx2,fma"), optimize("fp-contract=fast"))) void gemm_avx2(const T* A, std::int64_t m, std::int64_t lda,
                                                   const detail::PackedB<T>& B, T* C, std::int64_t ldc) {
    detail::gemm_body<T>(A, m, lda, B, C, ldc);
}
bool cpu_has_avx2() {
    static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    return has;
}
#endif

template <typename T>
void gemm_dispatch(const T* A, std::int64_t m, std::int64_t lda, const detail::PackedB<T>& B, T* C, std::int64_t ldc) {
#ifdef PNNKIT_HOPFIELD_X86
    if (cpu_has_avx2()) {
        gemm_avx2<T>(A, m, lda, B, C, ldc);
        return;
    }
#endif
    detail::gemm_body<T>(A, m, lda, B, C, ldc);
}

}  // namespace

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
