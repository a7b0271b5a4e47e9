// PCM inference model of Joshi et al. 2020 (see pcm.hpp for the formulas).
#include "pnnkit/crossbar/pcm.hpp"

#include <algorithm>
#include <cmath>

#include "pnnkit/common/error.hpp"
#include "pnnkit/common/rng.hpp"
#include "pnnkit/common/threads.hpp"

namespace pnnkit {
namespace crossbar {

namespace {
constexpr std::uint64_t kStreamProg = 0x50434d'01ull;   // programming noise
constexpr std::uint64_t kStreamNu = 0x50434d'02ull;     // drift-exponent spread
constexpr std::uint64_t kStreamRead = 0x50434d'03ull;   // 1/f read noise

void check_pos(double v, const char* name) {
    PNNKIT_CHECK(std::isfinite(v) && v > 0.0, name << " must be > 0, got " << v);
}
void check_nonneg(double v, const char* name) {
    PNNKIT_CHECK(std::isfinite(v) && v >= 0.0, name << " must be >= 0, got " << v);
}
}  // namespace

void validate(const PCMParams& p) {
    check_pos(p.g_max_uS, "g_max_uS");
    check_pos(p.t0_s, "t0_s");
    check_pos(p.t_read_s, "t_read_s");
    PNNKIT_CHECK(std::isfinite(p.prog_c0_uS) && std::isfinite(p.prog_c1_uS) && std::isfinite(p.prog_c2_uS),
                 "prog_c0_uS, prog_c1_uS, prog_c2_uS must be finite");
    check_nonneg(p.prog_noise_scale, "prog_noise_scale");
    check_nonneg(p.read_noise_scale, "read_noise_scale");
    check_nonneg(p.drift_scale, "drift_scale");
}

void pcm_drift_mu_sigma(double g_target_uS, const PCMParams& p, double& mu, double& sigma) {
    const double rel = std::max(g_target_uS / p.g_max_uS, 1e-6);  // the log needs g_T > 0
    const double lg = std::log(rel);
    mu = std::min(std::max(-0.0155 * lg + 0.0244, 0.049), 0.1);
    sigma = std::min(std::max(-0.0125 * lg - 0.0059, 0.008), 0.045);
}

double pcm_prog_std_uS(double g_target_uS, const PCMParams& p) {
    const double r = g_target_uS / p.g_max_uS;
    return std::max(p.prog_c0_uS + p.prog_c1_uS * r + p.prog_c2_uS * r * r, 0.0) * p.prog_noise_scale;
}

void pcm_program(const float* g_target_uS, std::int64_t n, float* g_prog_uS, float* nu, const PCMParams& p,
                 std::uint64_t seed, int num_threads) {
    validate(p);
    PNNKIT_CHECK(n >= 0, "n must be >= 0");
    PNNKIT_CHECK(num_threads >= 1, "num_threads must be >= 1");
    bool bad = false;
    for (std::int64_t i = 0; i < n; ++i) {
        const float g = g_target_uS[i];
        bad = bad || !(g >= 0.0f && g <= static_cast<float>(p.g_max_uS) * 1.000001f);
    }
    PNNKIT_CHECK(!bad, "g_target_uS must lie in [0, g_max_uS = " << p.g_max_uS << "]");
    const CounterRng rng_prog(seed, kStreamProg), rng_nu(seed, kStreamNu);
    const std::int64_t nq = (n + 3) / 4;  // groups of four devices share one Philox call per stream
#pragma omp parallel for schedule(static) num_threads(num_threads)
    for (std::int64_t q = 0; q < nq; ++q) {
        const auto xp = rng_prog.normal4(static_cast<std::uint64_t>(q));
        const auto xn = rng_nu.normal4(static_cast<std::uint64_t>(q));
        for (int l = 0; l < 4; ++l) {
            const std::int64_t i = 4 * q + l;
            if (i >= n) break;
            const double gt = g_target_uS[i];
            g_prog_uS[i] = static_cast<float>(std::max(gt + pcm_prog_std_uS(gt, p) * xp[l], 0.0));
            double mu, sigma;
            pcm_drift_mu_sigma(gt, p, mu, sigma);
            nu[i] = static_cast<float>(std::abs(mu + sigma * xn[l]) * p.drift_scale);
        }
    }
}

void pcm_drift(const float* g_prog_uS, const float* nu, std::int64_t n, double t_s, float* g_t_uS,
               const PCMParams& p, std::uint64_t seed, int num_threads) {
    validate(p);
    PNNKIT_CHECK(std::isfinite(t_s) && t_s >= 0.0, "t_s must be >= 0 seconds, got " << t_s);
    PNNKIT_CHECK(n >= 0, "n must be >= 0");
    PNNKIT_CHECK(num_threads >= 1, "num_threads must be >= 1");
    const double ratio = (t_s + p.t0_s) / p.t0_s;
    const double log_ratio = std::log(ratio);
    const double acc = std::sqrt(std::log((t_s + p.t0_s + p.t_read_s) / (2.0 * p.t_read_s)));
    const CounterRng rng(seed, kStreamRead);
    const std::int64_t nq = (n + 3) / 4;
#pragma omp parallel for schedule(static) num_threads(num_threads)
    for (std::int64_t q = 0; q < nq; ++q) {
        const auto xi = rng.normal4(static_cast<std::uint64_t>(q));
        for (int l = 0; l < 4; ++l) {
            const std::int64_t i = 4 * q + l;
            if (i >= n) break;
            const double gp = g_prog_uS[i];
            const double g = gp * std::exp(-static_cast<double>(nu[i]) * log_ratio);
            const double rel = std::max(std::pow(std::max(gp, 0.0) / p.g_max_uS, 0.65), 1e-3);
            const double Q = std::min(0.0088 / rel, 0.2) * p.read_noise_scale;
            g_t_uS[i] = static_cast<float>(std::max(g * (1.0 + Q * acc * xi[l]), 0.0));
        }
    }
}

}  // namespace crossbar
}  // namespace pnnkit
