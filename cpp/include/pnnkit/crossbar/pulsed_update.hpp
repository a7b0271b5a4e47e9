// Pulsed (in-memory) weight update of an analog tile: dW = lr * d x^T applied as
// stochastic pulse trains, the way an RPU crossbar updates itself (Gokmen & Vlasov 2016;
// aihwkit's StochasticCompressed update).
//
// For each sample b of the batch:
//   * BL = desired_bl, or with BL management clamp(ceil(lr*max|x|*max|d|/dw), 1, desired_bl);
//   * column j fires in each of the BL slots with probability px_j = min(A*|x_j|, 1), row i with
//     pd_i = min(B*|d_i|, 1), with A*B = lr/(dw*BL) (A = B without update management; with it
//     A*max|x| = B*max|d|), so that E[coincidences]*dw = lr*|x_j|*|d_i|;
//   * each coincidence of a row pulse and a column pulse moves the device at (i, j) by one step
//     of its model in direction sign(x_j*d_i), with cycle-to-cycle noise, clipped to its bounds.
//
// Method (exact, no per-pulse allocation): a pulse train of BL <= 32 slots is one 32-bit word,
// drawn per column and per row with Philox; the number of coincidences at (i, j) is
// popcount(xbits_j & dbits_i). Within one sample all steps of a crosspoint go the same way,
// so the device takes n sequential steps, each with its own c2c normal; the row kernels
// (pulsed_kernel_*.cpp, AVX-512/AVX2/generic chosen at run time) run 32 columns in SIMD lanes
// with the pulse loop outside the lanes. For the weight-independent ConstantStep device the
// n noisy steps are summed into one Gaussian draw, n*s + s*std*sqrt(n)*xi, then clipped once
// (`aggregate_constant`, default on): this is exact in distribution except when a noisy step
// of negative size (probability P(xi < -1/std), 4e-4 at std 0.3) occurs at a bound.
// Rows are independent, so the update runs in parallel over rows; every random number is a
// function of (seed, call counter, sample, row, column), so 1 or 2 threads give identical weights.
#pragma once
#include <cstdint>
#include <vector>

#include "pnnkit/crossbar/devices.hpp"

namespace pnnkit {
namespace crossbar {

enum class PulseType : int {
    Stochastic = 0,     // stochastic pulse trains (the physical update)
    Deterministic = 1,  // coincidences = round(E[coincidences]) (ablation: no count noise)
    MeanCount = 2,      // coincidences = E[coincidences], fractional (ablation: mean update)
};

// Which implementation applies the pulses (all draw the same random numbers, so they agree to
// rounding): the fastest for this CPU, the scalar reference (one crosspoint and one pulse at a
// time through DeviceArray::step), or a named instruction-set copy of the row kernels.
enum class UpdateKernel : int { Auto = 0, Reference = 1, Generic = 2, Avx2 = 3, Avx512 = 4 };

// Arithmetic of the stochastic pulse kernels. Float64: Philox + inverse-CDF normals, float64
// weights (the scalar reference exists for it). Float32: the same pulses and device steps in
// float32 lanes, per-lane xoshiro128++ streams keyed by Philox and normals by a polynomial
// quantile (as aihwkit, which computes in float32); 6-12x faster for weight-dependent devices.
// Equal to Float64 to float rounding without cycle-to-cycle noise, equal in distribution with it.
enum class UpdatePrecision : int { Float64 = 0, Float32 = 1 };

namespace detail {
struct PulseRowArgs;
}

struct UpdateParams {
    int desired_bl = 31;
    bool update_management = true;
    bool update_bl_management = true;
    PulseType pulse_type = PulseType::Stochastic;
    bool aggregate_constant = true;
    UpdateKernel kernel = UpdateKernel::Auto;
    UpdatePrecision precision = UpdatePrecision::Float64;
    void validate() const;
};

struct UpdateStats {
    double mean_bl = 0.0;             // mean pulse-train length over the batch
    std::int64_t coincidences = 0;    // total device steps requested (stochastic/deterministic)
};

class PulsedTile {
   public:
    PulsedTile(const DeviceParams& p, std::int64_t rows, std::int64_t cols, std::uint64_t seed);

    std::int64_t rows() const { return dev_.rows(); }
    std::int64_t cols() const { return dev_.cols(); }
    const DeviceArray& device() const { return dev_; }
    const std::vector<double>& weights() const { return w_; }
    // Set all weights (rows*cols, row-major); each is clipped to its device's bounds.
    void set_weights(const double* w);

    // Pulsed update with x (batch x cols) and d (batch x rows), row-major: W += lr * sum_b d_b x_b^T.
    UpdateStats update(const double* x, const double* d, std::int64_t batch, double lr, const UpdateParams& up);
    // counts[i*cols + j] signed integer pulses applied at each crosspoint (|count| <= 2^20).
    void apply_pulses(const std::int32_t* counts);
    // Lifetime decay towards the reset value, n_steps times (mini-batches).
    void decay(int n_steps);
    // One diffusion step (random walk with the device's diffusion std), clipped.
    void diffuse();
    // Reset the listed columns to the reset value (+ reset_std c2c noise), clipped.
    void reset_columns(const std::int64_t* cols, std::int64_t n);

    // Number of random operations so far (part of the state: same counter -> same noise).
    std::uint64_t counter() const { return calls_; }
    void set_counter(std::uint64_t c) { calls_ = c; }

   private:
    std::int64_t reference_rows(const detail::PulseRowArgs& a, bool aggregate, int nthreads);
    // The float32 copies of the device arrays (built on the first float32 update; the d2d
    // parameters never change after construction).
    void ensure_f32_arrays();

    DeviceArray dev_;
    std::vector<double> w_;
    std::uint64_t calls_ = 0;
    // Buffers reused across calls (no allocation in the pulse loop).
    std::vector<std::uint32_t> xbits_, dbits_;
    std::vector<double> xprob_, dprob_;
    std::vector<std::int8_t> xsign_, dsign_;
    std::vector<int> bl_;
    // float32 per-pulse kernel: per sample, columns by pulse count, their words and signs
    std::vector<std::int32_t> cols_;
    std::vector<int> ncols_;
    std::vector<std::uint32_t> cols_xw_;
    std::vector<float> cols_xdir_;
    std::int64_t cols_padded_ = 0;
    std::vector<float> f_scale_up_, f_scale_down_, f_w_min_, f_w_max_, f_slope_up_, f_slope_down_, f_inv_range_;
};

// Standard normal from one 32-bit uniform word (inverse CDF, Acklam's rational
// approximation, relative error < 1.2e-9): cheaper than Box-Muller in the pulse loop.
double normal_from_bits(std::uint32_t w);

// Instruction set of the row kernels an Auto update uses ("avx512", "avx2" or "generic").
const char* pulse_kernel_isa();
// The row kernels' branch-free exp, of the given copy (for the accuracy test); throws when
// that copy is not available here.
double pulse_kernel_exp(double x, UpdateKernel k);
// The float32 kernels' standard normals of words (by their quantile), of the given copy (for
// the statistical tests).
void pulse_kernel_normals_f32(const std::uint32_t* w, float* z, std::int64_t n, UpdateKernel k, int bits = 32);

}  // namespace crossbar
}  // namespace pnnkit
