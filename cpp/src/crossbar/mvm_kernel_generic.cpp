// The crossbar read kernel for the compiler's default instruction set (always available).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#if defined(__AVX2__) || defined(__AVX512F__)
#include <immintrin.h>  // the Philox lanes use intrinsics when this unit is built for AVX2+
#endif
#include <Eigen/Dense>

#include "mvm_args.hpp"

#define PNNKIT_XBAR_NS isa_generic
#include "mvm_kernel_impl.hpp"

namespace pnnkit {
namespace crossbar {
namespace detail {
MvmResult mvm_generic(const MvmArgs& a) { return isa_generic::mvm(a); }
}  // namespace detail
}  // namespace crossbar
}  // namespace pnnkit
