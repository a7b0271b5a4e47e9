// The free-space kernels compiled for AVX2+FMA (256-bit lanes: 8 floats, 4 doubles), chosen at run time
// by stack_kernel_generic.cpp when the CPU has it. GCC on x86-64 only: elsewhere this unit
// compiles to nothing and the dispatcher keeps the generic copy.
//
// ODR: everything this copy defines lives in its own namespaces, pocketfft included (renamed to
// pocketfft_avx2 below), so the linker cannot merge one of its inline or template functions with
// the generic copy's. The standard headers are included before the target pragma, so their
// templates keep the default target.
#include <algorithm>
#include <cmath>
#include <complex>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

#include "stack_kernels.hpp"

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#define pocketfft pocketfft_avx2
#define PNNKIT_OPTICS_NS isa_avx2
// g++ (unlike gcc for C) does not define the ISA macros inside a target region: the C++ front end
// preprocesses before it parses the pragma. pocketfft sizes its SIMD lanes from them, so they are
// set by hand around its inclusion (and only here: no other header follows).
#ifndef __AVX__
#define __AVX__ 1
#define PNNKIT_OPTICS_DEFINED__AVX__
#endif
#ifndef __AVX2__
#define __AVX2__ 1
#define PNNKIT_OPTICS_DEFINED__AVX2__
#endif
#include "stack_kernel_impl.hpp"
#ifdef PNNKIT_OPTICS_DEFINED__AVX__
#undef __AVX__
#undef PNNKIT_OPTICS_DEFINED__AVX__
#endif
#ifdef PNNKIT_OPTICS_DEFINED__AVX2__
#undef __AVX2__
#undef PNNKIT_OPTICS_DEFINED__AVX2__
#endif

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
