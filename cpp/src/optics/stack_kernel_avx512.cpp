// The free-space kernels compiled for AVX-512F (512-bit lanes: 16 floats, 8 doubles), chosen at run time
// by stack_kernel_generic.cpp when the CPU has it. GCC on x86-64 only: elsewhere this unit
// compiles to nothing and the dispatcher keeps the generic copy.
//
// ODR: everything this copy defines lives in its own namespaces, pocketfft included (renamed to
// pocketfft_avx512 below), so the linker cannot merge one of its inline or template functions with
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
#pragma GCC target("avx512f,avx2,fma")
#define pocketfft pocketfft_avx512
#define PNNKIT_OPTICS_NS isa_avx512
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
#ifndef __AVX512F__
#define __AVX512F__ 1
#define PNNKIT_OPTICS_DEFINED__AVX512F__
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
#ifdef PNNKIT_OPTICS_DEFINED__AVX512F__
#undef __AVX512F__
#undef PNNKIT_OPTICS_DEFINED__AVX512F__
#endif

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
