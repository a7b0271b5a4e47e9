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
// GCC's own intrinsic headers trip -W(maybe-)uninitialized (their _mm*_undefined_* helpers, e.g.
// inside _mm512_reduce_add_ps): a false positive in the compiler's header, not in our code.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#define PNNKIT_PULSE_AVX512 1  // the impl's explicit-intrinsic Philox
#define PNNKIT_PULSE_NS isa_avx512
#include "pulsed_kernel_impl.hpp"
#include "pulsed_kernel_f32_impl.hpp"

namespace pnnkit {
namespace crossbar {
namespace detail {
namespace {
constexpr PulseKernels kKernels = isa_avx512::make_kernels("avx512");
}  // namespace
#pragma GCC diagnostic pop
#pragma GCC pop_options

const PulseKernels* pulse_kernels_avx512() { return &kKernels; }
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
