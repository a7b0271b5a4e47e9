// Internal interface of the pulsed-update row kernels (pulsed_kernel_*.cpp), one copy per
// instruction set, chosen at run time by pulsed_update.cpp.
//
// A row kernel applies every sample of the batch to one row i of the tile: for each sample b
// with a row pulse word, the coincidence counts n_j = popcount(xbits_bj & dbits_bi), then the
// device steps. Columns are processed in blocks of 32 lanes (one philox8 call = 32 words).
//
// Random numbers (all from Philox4x32-10 with key `seed` and stream `stream`):
//  * aggregated ConstantStep: one normal per (b, i, j), from word (j%32)/8 of counter
//    ((b*R + i)*nblk + j/32)*8 + j%8, nblk = ceil(C/32);
//  * per-pulse models: pulse s (0-based) of crosspoint (b, i, j) from word (j%32)/8 of counter
//    (((b*R + i)*nblk + j/32)*32 + s)*8 + j%8.
// (Word-major within a block so that 8 lanes of one word are 8 consecutive SIMD counters.)
// The float32 kernels use their own layout, documented in pulsed_kernel_f32_impl.hpp.
// Every number is a pure function of (seed, call, sample, row, column, pulse index), so the
// result does not depend on the number of threads. pulsed_update.cpp has the scalar reference
// path that draws exactly the same numbers.
#pragma once
#include <cstdint>

namespace pnnkit {
namespace crossbar {
namespace detail {

struct PulseRowArgs {
    std::int64_t R = 0, C = 0, batch = 0;
    double* W = nullptr;  // rows x cols, row-major
    // per-device (d2d) arrays, rows x cols
    const double *scale_up = nullptr, *scale_down = nullptr, *w_min = nullptr, *w_max = nullptr;
    const double *slope_up = nullptr, *slope_down = nullptr;
    // pulse trains and signs: xbits/xsign batch x cols, dbits/dsign batch x rows; bl per sample
    const std::uint32_t *xbits = nullptr, *dbits = nullptr;
    const std::int8_t *xsign = nullptr, *dsign = nullptr;
    const int* bl = nullptr;
    std::uint64_t seed = 0, stream = 0;
    double std_c2c = 0.0;
    // step model (StepModel as int) and its global parameters
    int model = 0;
    bool mult_noise = true;
    double A_up = 0, A_down = 0, g_up = 0, g_down = 0, es_a = 0, es_b = 0;
    const double *pw_up = nullptr, *pw_down = nullptr;
    int n_pw_up = 0, n_pw_down = 0;
    // Float32 kernels only: the per-device arrays as float32, rows padded with zeros to Cp (a
    // multiple of 32) columns; bounds rounded inwards so that a float32 weight never leaves the
    // float64 bounds; inv_range = 1 / (w_max - w_min), 0 for a collapsed range.
    std::int64_t Cp = 0;
    const float *f_scale_up = nullptr, *f_scale_down = nullptr, *f_w_min = nullptr, *f_w_max = nullptr;
    const float *f_slope_up = nullptr, *f_slope_down = nullptr, *f_inv_range = nullptr;
    // Float32 per-pulse kernel only: per sample b, the f_ncols[b] columns with x pulses, by
    // decreasing pulse count of x (ties by column), at f_cols[b*Cp ...], and their pulse words
    // and signs (+1.0f, -1.0f) in that order at f_xw[b*Cp ...] and f_xdir[b*Cp ...]; positions
    // f_ncols[b] .. Cp - 1 hold column 0, word 0 and sign 0 (so a 32-lane block reads them as
    // lanes without pulses).
    const std::int32_t* f_cols = nullptr;
    const int* f_ncols = nullptr;
    const std::uint32_t* f_xw = nullptr;
    const float* f_xdir = nullptr;
};

// Number of 32-column blocks of a row.
inline std::int64_t pulse_blocks(std::int64_t C) { return (C + 31) / 32; }

// Both return the number of coincidences (device steps requested) in row i.
using PulseRowFn = std::int64_t (*)(const PulseRowArgs&, std::int64_t i);

struct PulseKernels {
    PulseRowFn constant_row;   // ConstantStep, n steps summed into one Gaussian
    PulseRowFn per_pulse_row;  // any model, n sequential steps with one normal each
    double (*exp)(double);     // the kernels' exp (exposed for the accuracy test)
    const char* isa;
    // float32 copies (pulsed_kernel_f32_impl.hpp: xoshiro128++ streams seeded by Philox,
    // normals by their quantile)
    PulseRowFn constant_row_f32;
    PulseRowFn per_pulse_row_f32;
    // the float32 kernels' normals of words (exposed for the statistical tests): bits 32, each
    // word's quantile (aggregated ConstantStep); bits 16, its high half's (per-pulse noise)
    void (*normals_f32)(const std::uint32_t* w, float* z, std::int64_t n, int bits);
};

// The kernels for the best instruction set of this CPU (avx512, avx2 or generic).
const PulseKernels& pulse_kernels();
// A specific set by name ("avx512", "avx2", "generic"); nullptr when not available here.
const PulseKernels* pulse_kernels_named(const char* isa);

const PulseKernels& pulse_kernels_generic();
const PulseKernels* pulse_kernels_avx2();    // nullptr when not compiled
const PulseKernels* pulse_kernels_avx512();  // nullptr when not compiled

}  // namespace detail
}  // namespace crossbar
}  // namespace pnnkit
