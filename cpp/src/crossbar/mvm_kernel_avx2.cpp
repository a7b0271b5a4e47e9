// The crossbar read kernel compiled for AVX2 and chosen at run time (tile.cpp) when the CPU
// has it, so that portable builds (no -march=native) still get wide SIMD in the GEMM and the
// noise generator. GCC only: elsewhere this unit compiles to nothing and the dispatcher falls back.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "mvm_args.hpp"

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#include <immintrin.h>  // before the target pragma: GCC's intrinsic headers carry their own targets

#pragma GCC push_options
#pragma GCC target("avx2,fma")
// GCC's own intrinsic headers, inlined into Eigen's kernels, trip -Wmaybe-uninitialized.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
// GCC's C++ front end does not define the ISA macros for a target pragma, and Eigen picks its
// packet types from them. Standard headers were included above, so only Eigen and our kernel
// are compiled for this target.
#ifndef __SSE3__
#define __SSE3__ 1
#endif
#ifndef __SSSE3__
#define __SSSE3__ 1
#endif
#ifndef __SSE4_1__
#define __SSE4_1__ 1
#endif
#ifndef __SSE4_2__
#define __SSE4_2__ 1
#endif
#ifndef __AVX__
#define __AVX__ 1
#endif
#ifndef __AVX2__
#define __AVX2__ 1
#endif
#ifndef __FMA__
#define __FMA__ 1
#endif
// A distinct namespace for this copy of Eigen: its inline functions must not be merged (ODR)
// with the default-ISA instantiations of other translation units.
#define Eigen pnnkit_eigen_avx2
#include <Eigen/Dense>

#define PNNKIT_XBAR_NS isa_avx2
#include "mvm_kernel_impl.hpp"

namespace pnnkit {
namespace crossbar {
namespace detail {
bool has_mvm_avx2() { return true; }
MvmResult mvm_avx2(const MvmArgs& a) { return isa_avx2::mvm(a); }
}  // namespace detail
}  // namespace crossbar
}  // namespace pnnkit
#pragma GCC diagnostic pop
#pragma GCC pop_options

#else
#include <stdexcept>
namespace pnnkit {
namespace crossbar {
namespace detail {
bool has_mvm_avx2() { return false; }
MvmResult mvm_avx2(const MvmArgs&) { throw std::logic_error("avx2 kernel not compiled"); }
}  // namespace detail
}  // namespace crossbar
}  // namespace pnnkit
#endif
