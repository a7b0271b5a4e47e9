// The free-space kernels compiled for AVX-512F (512-bit lanes: 16 floats, 8 doubles), chosen at run time
// by stack_kernel_generic.cpp when the CPU has it. GCC on x86-64 only: elsewhere this unit
// compiles to nothing and the dispatcher keeps the generic copy.
//
// ODR: everything this copy defines lives in its own namespaces, pocketfft included (renamed to
// pocketfft_avx512 below), so the linker cannot merge one of its inline or template functions with
// the generic copy's. The standard headers (stack_kernel_std.hpp) come before the target pragma.
#include "stack_kernel_std.hpp"
#include "stack_kernels.hpp"

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#pragma GCC push_options
#pragma GCC target("avx512f,avx2,fma")
#define pocketfft pocketfft_avx512
#define PNNKIT_OPTICS_NS isa_avx512
#define PNNKIT_OPTICS_WIDE_AVX512 1
#include "stack_kernel_wide.inc"

// pocketfft picked the wide lanes.
static_assert(pocketfft_avx512::detail::VLEN<float>::val == 16, "pocketfft lanes are not avx512-wide");
static_assert(pocketfft_avx512::detail::VLEN<double>::val == 8, "pocketfft lanes are not avx512-wide");

namespace pnnkit::optics::detail {
namespace {
constexpr OpticsKernels kKernels = isa_avx512::make_kernels("avx512");
}  // namespace
#pragma GCC pop_options

const OpticsKernels* optics_kernels_avx512() { return &kKernels; }
}  // namespace pnnkit::optics::detail

#else
namespace pnnkit::optics::detail {
const OpticsKernels* optics_kernels_avx512() { return nullptr; }
}  // namespace pnnkit::optics::detail
#endif
