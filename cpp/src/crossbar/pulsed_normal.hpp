// Standard normal from one 32-bit uniform word by the inverse CDF (Acklam's rational
// approximation, relative error < 1.2e-9). Internal linkage on purpose: every instruction-set
// unit (pulsed_kernel_*.cpp) gets its own copy compiled for its own target.
#pragma once
#include <cmath>
#include <cstdint>

namespace pnnkit {
namespace crossbar {
namespace {

// Central-region coefficients (p in [kAcklamLow, 1 - kAcklamLow]) and tail coefficients.
constexpr double kA1 = -3.969683028665376e+01, kA2 = 2.209460984245205e+02, kA3 = -2.759285104469687e+02,
                 kA4 = 1.383577518672690e+02, kA5 = -3.066479806614716e+01, kA6 = 2.506628277459239e+00;
constexpr double kB1 = -5.447609879822406e+01, kB2 = 1.615858368580409e+02, kB3 = -1.556989798598866e+02,
                 kB4 = 6.680131188771972e+01, kB5 = -1.328068155288572e+01;
constexpr double kC1 = -7.784894002430293e-03, kC2 = -3.223964580411365e-01, kC3 = -2.400758277161838e+00,
                 kC4 = -2.549732539343734e+00, kC5 = 4.374664141464968e+00, kC6 = 2.938163982698783e+00;
constexpr double kD1 = 7.784695709041462e-03, kD2 = 3.224671290700398e-01, kD3 = 2.445134137142996e+00,
                 kD4 = 3.754408661907416e+00;
constexpr double kAcklamLow = 0.02425;

// The uniform in (0, 1) of a word: (w + 0.5) / 2^32.
inline double open01(std::uint32_t w) { return (static_cast<double>(w) + 0.5) * (1.0 / 4294967296.0); }

// Central rational: valid for p in [kAcklamLow, 1 - kAcklamLow].
inline double acklam_central(double p) {
    const double q = p - 0.5, r = q * q;
    return (((((kA1 * r + kA2) * r + kA3) * r + kA4) * r + kA5) * r + kA6) * q /
           (((((kB1 * r + kB2) * r + kB3) * r + kB4) * r + kB5) * r + 1.0);
}

// Tail rational in q = sqrt(-2 log(min(p, 1-p))), sign by the side.
inline double acklam_tail(double q, bool lower) {
    const double x = (((((kC1 * q + kC2) * q + kC3) * q + kC4) * q + kC5) * q + kC6) /
                     ((((kD1 * q + kD2) * q + kD3) * q + kD4) * q + 1.0);
    return lower ? x : -x;
}

inline double acklam(std::uint32_t w) {
    const double p = open01(w);
    if (p < kAcklamLow || p > 1.0 - kAcklamLow) {
        const bool lower = p < kAcklamLow;
        return acklam_tail(std::sqrt(-2.0 * std::log(lower ? p : 1.0 - p)), lower);
    }
    return acklam_central(p);
}

}  // namespace
}  // namespace crossbar
}  // namespace pnnkit
