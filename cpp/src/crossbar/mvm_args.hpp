// Private: the argument bundle handed from the dispatcher (tile.cpp) to the SIMD-specific
// read kernels (mvm_kernel_*.cpp). Plain data, no SIMD types, so it is safe to share
// between translation units compiled for different instruction sets.
#pragma once
#include <cstdint>
#include <vector>

#include "pnnkit/crossbar/periphery.hpp"

namespace pnnkit {
namespace crossbar {
namespace detail {

// One physical tile: W[o0:o0+no, i0:i0+ni] and its scales.
struct TileBlock {
    std::int64_t o0, no, i0, ni;
    float w_scale;  // weight that maps to g_max (max|W| of the block or the given weight_scale)
    float gbar;     // mean|W_block| / w_scale, used by the IR-drop model
};

struct MvmArgs {
    const float* W;
    std::int64_t n_out, n_in;
    const float* X;
    std::int64_t batch;
    float* Y;
    bool transposed;
    IOParams io;
    std::vector<TileBlock> tiles;  // row-major over (output block, input block) of W
    std::int64_t n_in_blocks;      // number of blocks along W's columns
    std::uint64_t seed;
    int num_threads;
};

struct MvmResult {
    ReadStats stats;
    bool nonfinite_input = false;
};

// Noise streams (distinct per source; the tile index and bound-management iteration are added).
constexpr std::uint64_t kStreamReadNoise = 0x5843'0000'0000ull;  // "XC": output + weight read noise

}  // namespace detail
}  // namespace crossbar
}  // namespace pnnkit
