// The free-space kernels compiled for AVX2+FMA (256-bit lanes: 8 floats, 4 doubles), chosen at run time
// by stack_kernel_generic.cpp when the CPU has it. GCC on x86-64 only: elsewhere this unit
// compiles to nothing and the dispatcher keeps the generic copy.
//
// ODR: everything this copy defines lives in its own namespaces, pocketfft included (renamed to
// pocketfft_avx2 below), so the linker cannot merge one of its inline or template functions with
// the generic copy's. The standard headers (stack_kernel_std.hpp) come before the target pragma.
#include "stack_kernel_std.hpp"
#include "stack_kernels.hpp"

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#define pocketfft pocketfft_avx2
#define PNNKIT_OPTICS_NS isa_avx2
#define PNNKIT_OPTICS_WIDE_AVX512 0
#include "stack_kernel_wide.inc"

// pocketfft picked the wide lanes.
static_assert(pocketfft_avx2::detail::VLEN<float>::val == 8, "pocketfft lanes are not avx2-wide");
static_assert(pocketfft_avx2::detail::VLEN<double>::val == 4, "pocketfft lanes are not avx2-wide");

namespace pnnkit::optics::detail {
namespace {
constexpr OpticsKernels kKernels = isa_avx2::make_kernels("avx2");
}  // namespace
#pragma GCC pop_options

const OpticsKernels* optics_kernels_avx2() { return &kKernels; }
}  // namespace pnnkit::optics::detail

#else
namespace pnnkit::optics::detail {
const OpticsKernels* optics_kernels_avx2() { return nullptr; }
}  // namespace pnnkit::optics::detail
#endif
