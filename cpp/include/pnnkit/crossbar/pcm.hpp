// Statistical PCM inference model (Joshi et al., Nature Communications 11, 2473, 2020), as in
// IBM aihwkit's PCMLikeNoiseModel. Conductances in microsiemens, times in seconds.
//
//   programming: g_prog = max(g_T + sigma_p(g_T) xi, 0),
//                sigma_p = prog_noise_scale * (c0 + c1 (g_T/g_max) + c2 (g_T/g_max)^2)  [uS]
//   drift:       nu = |mu + sigma_nu xi| * drift_scale, with (g_T clipped to >= 1e-6 g_max for the log)
//                mu       = clip(-0.0155 ln(g_T/g_max) + 0.0244, 0.049, 0.1)
//                sigma_nu = clip(-0.0125 ln(g_T/g_max) - 0.0059, 0.008, 0.045)
//                g(t) = g_prog ((t + t0) / t0)^(-nu)
//   read noise:  Q = min(0.0088 / max((g_prog/g_max)^0.65, 1e-3), 0.2) * read_noise_scale,
//                g <- max(g(t) (1 + Q sqrt(ln((t + t0 + t_read) / (2 t_read))) xi), 0)
// Every xi is N(0,1) from a counter-based stream keyed by (seed, device index).
#pragma once
#include <cstdint>

namespace pnnkit {
namespace crossbar {

struct PCMParams {
    double g_max_uS = 25.0;     // conductance that the largest |weight| maps to
    double t0_s = 20.0;         // time of the first read after programming
    double t_read_s = 250e-9;   // duration of one read (1/f noise integration bound)
    double prog_c0_uS = 0.26348;
    double prog_c1_uS = 1.9650;
    double prog_c2_uS = -1.1731;
    double prog_noise_scale = 1.0;  // multiplies sigma_p (0: exact programming)
    double read_noise_scale = 1.0;  // multiplies Q (0: no 1/f read noise)
    double drift_scale = 1.0;       // multiplies nu (0: no drift)
};

// Throws std::invalid_argument naming the field when a parameter is out of range.
void validate(const PCMParams& p);

// Mean and std of the drift exponent for a target conductance (the clipped formulas above).
void pcm_drift_mu_sigma(double g_target_uS, const PCMParams& p, double& mu, double& sigma);
// Std of the programming noise (uS) for a target conductance.
double pcm_prog_std_uS(double g_target_uS, const PCMParams& p);

// Program n devices: g_prog[i] and nu[i] from g_target[i] (uS, in [0, g_max]).
void pcm_program(const float* g_target_uS, std::int64_t n, float* g_prog_uS, float* nu, const PCMParams& p,
                 std::uint64_t seed, int num_threads);

// Conductances t_s seconds after programming (drift + accumulated 1/f read noise).
void pcm_drift(const float* g_prog_uS, const float* nu, std::int64_t n, double t_s, float* g_t_uS,
               const PCMParams& p, std::uint64_t seed, int num_threads);

}  // namespace crossbar
}  // namespace pnnkit
