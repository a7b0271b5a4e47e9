// Pulsed resistive device models for analog in-memory training (aihwkit conventions).
//
// A DeviceArray holds one device per crosspoint of a rows x cols tile. Device-to-device
// (d2d) variation is drawn once at construction from (seed, stream, element index), so one
// seed is one chip. Cycle-to-cycle (c2c) noise is drawn per step by the caller from a
// counter-based generator, which keeps results independent of the thread count.
//
// Step models (w is the weight in normalized units, each step moves w up or down):
//   Constant   : dw = s * (1 + std*xi)
//   Linear     : dw_up = s_up * (1 + slope_up*w), dw_down = s_down * (1 + slope_down*w),
//                slope_up = -gamma_up/w_max_ref, slope_down = gamma_down/|w_min_ref|,
//                noise multiplicative (mult_noise) or additive s*std*xi
//   SoftBounds : Linear with gamma = 1 against the device's own bounds (step -> 0 at the bound)
//   Exp        : z = 2*w/(w_max-w_min)*a + b, dw_up = s_up*max(1 - A_up*exp(gamma_up*z), 0),
//                dw_down = s_down*max(1 - A_down*exp(-gamma_down*z), 0)   (Gong et al. 2018 fit)
//   Pow        : dw_up = s_up*((w_max-w)/(w_max-w_min))^g_up, dw_down = s_down*((w-w_min)/(w_max-w_min))^g_down
//   Piecewise  : dw = s * interp(nodes over [w_min, w_max], w)
// Every step is clipped to the device's own [w_min, w_max].
// Up/down asymmetry: with r = up_down + up_down_dtod*xi, the larger direction keeps the
// full step and the other is scaled by (1 - |r|) (aihwkit's convention).
#pragma once
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace pnnkit {
namespace crossbar {

enum class StepModel : int { Constant = 0, Linear = 1, SoftBounds = 2, Exp = 3, Pow = 4, Piecewise = 5 };

struct DeviceParams {
    StepModel model = StepModel::Constant;
    // base pulsed device (aihwkit PulsedDevice defaults)
    double dw_min = 0.001;
    double dw_min_dtod = 0.3;
    bool dw_min_dtod_log_normal = false;
    double dw_min_std = 0.3;
    double w_max = 0.6;
    double w_min = -0.6;
    double w_max_dtod = 0.3;  // relative spread of the upper bound
    double w_min_dtod = 0.3;  // relative spread of the lower bound
    double up_down = 0.0;
    double up_down_dtod = 0.01;
    // LinearStep / SoftBounds
    double gamma_up = 0.0;
    double gamma_down = 0.0;
    double gamma_up_dtod = 0.05;
    double gamma_down_dtod = 0.05;
    bool mult_noise = true;
    bool mean_bound_reference = true;
    bool allow_increasing = false;
    // ExpStep
    double A_up = 0.00081;
    double A_down = 0.36833;
    double es_gamma_up = 12.44625;
    double es_gamma_down = 12.78785;
    double es_a = 0.244;
    double es_b = 0.2425;
    // PowStep
    double pow_gamma = 1.0;
    double pow_gamma_dtod = 0.1;
    double pow_up_down = 0.0;
    double pow_up_down_dtod = 0.0;
    // PiecewiseStep: relative step size at equally spaced nodes over [w_min, w_max]
    std::vector<double> piecewise_up;
    std::vector<double> piecewise_down;
    // processes between updates
    double lifetime = 0.0;       // decay time constant in mini-batches (0: no decay)
    double lifetime_dtod = 0.0;  // relative spread of the lifetime
    double diffusion = 0.0;      // std of the random walk per diffuse() call
    double diffusion_dtod = 0.0;
    double reset = 0.0;          // value a reset sets (and decay pulls towards)
    double reset_dtod = 0.0;     // d2d spread of the reset value (absolute)
    double reset_std = 0.0;      // c2c spread of a reset (absolute)

    // Throws std::invalid_argument naming the first parameter out of range.
    void validate() const;
    // True when the step size does not depend on the weight (only ConstantStep).
    bool weight_independent() const { return model == StepModel::Constant; }
    // Mean step size near w = 0 used to scale the pulse trains (aihwkit's granularity).
    double granularity() const;
};

// Noise streams of the device array and of the updater (distinct Philox streams).
enum : std::uint64_t {
    kStreamDtod = 0x5101,
    kStreamUpdateX = 0x5201,
    kStreamUpdateD = 0x5202,
    kStreamStep = 0x5203,
    kStreamDiffusion = 0x5204,
    kStreamReset = 0x5205,
};

// One device per crosspoint; d2d parameters stored structure-of-arrays (row-major).
class DeviceArray {
   public:
    DeviceArray(const DeviceParams& p, std::int64_t rows, std::int64_t cols, std::uint64_t seed);

    const DeviceParams& params() const { return p_; }
    std::int64_t rows() const { return rows_; }
    std::int64_t cols() const { return cols_; }
    std::uint64_t seed() const { return seed_; }

    // Step size (before c2c noise) at weight w for element k; dir > 0 up, dir < 0 down.
    // Returns the magnitude (>= 0).
    inline double step_mean(std::int64_t k, double w, int dir) const;

    // Apply one noisy step to w (element k, direction dir, standard normal xi); clipped.
    inline double step(std::int64_t k, double w, int dir, double xi) const;

    // n sequential steps, noise xi[0..n) (n <= 32).
    inline double steps(std::int64_t k, double w, int dir, int n, const double* xi) const {
        for (int s = 0; s < n; ++s) w = step(k, w, dir, xi[s]);
        return w;
    }

    // Per-device arrays (exposed for tests of the d2d statistics).
    std::vector<double> scale_up, scale_down, w_max, w_min;
    std::vector<double> slope_up, slope_down;  // Linear/SoftBounds slopes; Pow exponents
    std::vector<double> decay, diffusion, reset;

   private:
    DeviceParams p_;
    std::int64_t rows_, cols_;
    std::uint64_t seed_;
};

// ---- inline step models -----------------------------------------------------------
inline double DeviceArray::step_mean(std::int64_t k, double w, int dir) const {
    const double s = dir > 0 ? scale_up[k] : scale_down[k];
    switch (p_.model) {
        case StepModel::Constant:
            return s;
        case StepModel::Linear:
        case StepModel::SoftBounds: {
            const double f = dir > 0 ? 1.0 + slope_up[k] * w : 1.0 + slope_down[k] * w;
            return s * (f > 0.0 ? f : 0.0);
        }
        case StepModel::Exp: {
            const double range = w_max[k] - w_min[k];
            if (range <= 0.0) return 0.0;
            const double z = 2.0 * w / range * p_.es_a + p_.es_b;
            const double y = dir > 0 ? 1.0 - p_.A_up * std::exp(p_.es_gamma_up * z)
                                     : 1.0 - p_.A_down * std::exp(-p_.es_gamma_down * z);
            return s * (y > 0.0 ? y : 0.0);
        }
        case StepModel::Pow: {
            const double range = w_max[k] - w_min[k];
            if (range <= 0.0) return 0.0;
            double r = dir > 0 ? (w_max[k] - w) / range : (w - w_min[k]) / range;
            r = r < 0.0 ? 0.0 : (r > 1.0 ? 1.0 : r);
            return s * std::pow(r, dir > 0 ? slope_up[k] : slope_down[k]);
        }
        case StepModel::Piecewise: {
            const std::vector<double>& nodes = dir > 0 ? p_.piecewise_up : p_.piecewise_down;
            const double range = w_max[k] - w_min[k];
            const std::int64_t n = static_cast<std::int64_t>(nodes.size());
            if (range <= 0.0 || n == 0) return 0.0;
            double t = (w - w_min[k]) / range * static_cast<double>(n - 1);
            t = t < 0.0 ? 0.0 : (t > static_cast<double>(n - 1) ? static_cast<double>(n - 1) : t);
            std::int64_t i0 = static_cast<std::int64_t>(t);
            if (i0 >= n - 1) i0 = n - 2 < 0 ? 0 : n - 2;
            const double frac = t - static_cast<double>(i0);
            const double v = n == 1 ? nodes[0] : nodes[i0] * (1.0 - frac) + nodes[i0 + 1] * frac;
            return s * (v > 0.0 ? v : 0.0);
        }
    }
    return s;
}

inline double DeviceArray::step(std::int64_t k, double w, int dir, double xi) const {
    const double m = step_mean(k, w, dir);
    double dw;
    const bool additive = (p_.model == StepModel::Linear || p_.model == StepModel::SoftBounds) && !p_.mult_noise;
    if (additive) {
        dw = m + (dir > 0 ? scale_up[k] : scale_down[k]) * p_.dw_min_std * xi;
    } else {
        dw = m * (1.0 + p_.dw_min_std * xi);
    }
    w += dir > 0 ? dw : -dw;
    return w > w_max[k] ? w_max[k] : (w < w_min[k] ? w_min[k] : w);
}

}  // namespace crossbar
}  // namespace pnnkit
