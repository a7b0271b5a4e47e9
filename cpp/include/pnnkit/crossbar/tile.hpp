// Batched analog reads of a crossbar tile: y = W x (forward) and d = W^T g (backward).
//
// Pipeline of one read of one physical tile, per batch row (aihwkit's order):
//   1. noise management: s = max|x| (ABS_MAX) or 1; v = x / (s * f), f = bound-management factor (1, 2, 4, ...)
//   2. DAC: v = clip(v, +-inp_bound), rounded to the step inp_res * 2 * inp_bound
//   3. IR drop (first order, see below): v_j <- v_j - ir_drop * gbar * (2/n^2) * sum_m v_m * min(j+1, m+1)
//   4. MVM on the array: z = W_tile v (or W_tile^T v)
//   5. noise: z += w_scale * sqrt(out_noise^2 + w_noise^2 * |v|^2) * xi, xi ~ N(0, 1) per output.
//      The w_noise term is the exact output-referred distribution of independent per-read weight
//      noise N(0, (w_noise*w_scale)^2) on every device, so no noisy weight copy is needed.
//   6. ADC: clip at +-out_bound*w_scale (bound management re-reads the row with f *= 2 while any
//      output clipped and f*2 <= max_bm_factor), round to the step out_res * 2 * out_bound * w_scale
//   7. y += z * s * f (digital: tiles along the input dimension add their partial sums)
//
// IR-drop model (ours, first order, input-line mean-field as in aihwkit's spirit): the output wire
// of a column is grounded by the ADC next to row 0; the wire current between rows k-1 and k carries
// the currents of all devices at rows >= k. Replacing each device's conductance by the tile's mean
// gbar = mean|W_tile| / w_scale (in units of g_max), the voltage lost at row j is
//   dV_j = ir_drop * gbar * (2/n^2) * sum_m v_m * min(j+1, m+1),
// so that with all n inputs at 1 and every device at g_max the far row loses a fraction ir_drop
// of its drive. `ir_drop` is thus the relative wire resistance r_wire * g_max * n^2 / 2. It only
// depends on the input vector, so it is applied to the DAC output and costs O(n) per row.
//
// Noise is keyed by (seed, stream, element index): the result does not depend on num_threads.
#pragma once
#include <cstdint>

#include "pnnkit/crossbar/periphery.hpp"

namespace pnnkit {
namespace crossbar {

// One batched read. W is row-major (n_out, n_in). Forward (transposed = false): X is (batch, n_in),
// Y is (batch, n_out). Backward (transposed = true): X is (batch, n_out), Y is (batch, n_in).
// weight_scale > 0 fixes w_scale for every physical tile (e.g. the w_max used at programming);
// weight_scale <= 0 takes max|W| of each physical tile. Throws std::invalid_argument for bad
// sizes/parameters and std::domain_error when X holds NaN or Inf.
ReadStats analog_mvm(const float* W, std::int64_t n_out, std::int64_t n_in, const float* X, std::int64_t batch,
                     float* Y, bool transposed, const IOParams& io, const TileSplit& split, float weight_scale,
                     std::uint64_t seed, int num_threads);

// Name of the SIMD code path chosen at run time ("avx512", "avx2" or "generic").
const char* kernel_isa();

// Force a code path ("avx512", "avx2", "generic", or "auto"); throws if the CPU lacks it.
void set_kernel_isa(const char* isa);

}  // namespace crossbar
}  // namespace pnnkit
