// The pulsed-update row kernels compiled for AVX-512 (512-bit lanes: 8 doubles, 16 words), chosen at run time by
// pulse_kernels() when the CPU has it. GCC on x86-64 only: elsewhere this unit compiles to
// nothing and the dispatcher falls back to the generic copy.
#include <cmath>
#include <cstdint>

#include "pnnkit/common/rng.hpp"
#include "pulsed_kernels.hpp"
#include "pulsed_normal.hpp"

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#include <immintrin.h>  // before the target pragma: GCC's intrinsic headers carry their own targets

#pragma GCC push_options
#pragma GCC target("avx2,fma,avx512f,avx512dq,avx512vl,avx512bw")
// GCC's own intrinsic headers trip -Wmaybe-uninitialized (their _mm*_undefined_* helpers).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#define PNNKIT_PULSE_AVX512 1  // the impl's explicit-intrinsic Philox
#define PNNKIT_PULSE_NS isa_avx512
#include "pulsed_kernel_impl.hpp"
#include "pulsed_kernel_f32_impl.hpp"

namespace pnnkit {
namespace crossbar {
namespace detail {
namespace {
double exp_avx512(double x) { return isa_avx512::exp_poly(x); }
std::int64_t constant_avx512(const PulseRowArgs& a, std::int64_t i) { return isa_avx512::constant_row(a, i); }
std::int64_t per_pulse_avx512(const PulseRowArgs& a, std::int64_t i) { return isa_avx512::per_pulse_row(a, i); }
std::int64_t constant_f32_avx512(const PulseRowArgs& a, std::int64_t i) { return isa_avx512::constant_row_f32(a, i); }
std::int64_t per_pulse_f32_avx512(const PulseRowArgs& a, std::int64_t i) { return isa_avx512::per_pulse_row_f32(a, i); }
void normals_f32_avx512(const std::uint32_t* w, float* z, std::int64_t n) { isa_avx512::normals_f32(w, z, n); }
}  // namespace
#pragma GCC diagnostic pop
#pragma GCC pop_options

const PulseKernels* pulse_kernels_avx512() {
    static const PulseKernels k{constant_avx512, per_pulse_avx512, exp_avx512, "avx512", constant_f32_avx512, per_pulse_f32_avx512,
                                normals_f32_avx512};
    return &k;
}
}  // namespace detail
}  // namespace crossbar
}  // namespace pnnkit

#else
namespace pnnkit {
namespace crossbar {
namespace detail {
const PulseKernels* pulse_kernels_avx512() { return nullptr; }
}  // namespace detail
}  // namespace crossbar
}  // namespace pnnkit
#endif
