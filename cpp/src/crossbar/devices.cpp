#include "pnnkit/crossbar/devices.hpp"

#include <algorithm>
#include <cmath>

#include "pnnkit/common/error.hpp"
#include "pnnkit/common/rng.hpp"
#include "pnnkit/common/threads.hpp"

namespace pnnkit {
namespace crossbar {

namespace {
bool finite(double v) { return std::isfinite(v); }

void check_nonneg(double v, const char* name) {
    PNNKIT_CHECK(finite(v) && v >= 0.0, name << " must be finite and >= 0, got " << v);
}
}  // namespace

void DeviceParams::validate() const {
    const int m = static_cast<int>(model);
    PNNKIT_CHECK(m >= 0 && m <= 5, "device model must be one of 0..5, got " << m);
    PNNKIT_CHECK(finite(dw_min) && dw_min > 0.0, "dw_min must be finite and > 0, got " << dw_min);
    check_nonneg(dw_min_dtod, "dw_min_dtod");
    check_nonneg(dw_min_std, "dw_min_std");
    PNNKIT_CHECK(finite(w_max) && finite(w_min) && w_max > w_min,
                 "w_max must be > w_min (both finite), got w_max=" << w_max << ", w_min=" << w_min);
    check_nonneg(w_max_dtod, "w_max_dtod");
    check_nonneg(w_min_dtod, "w_min_dtod");
    PNNKIT_CHECK(finite(up_down) && up_down > -1.0 && up_down < 1.0, "up_down must be in (-1, 1), got " << up_down);
    check_nonneg(up_down_dtod, "up_down_dtod");
    check_nonneg(gamma_up, "gamma_up");
    check_nonneg(gamma_down, "gamma_down");
    check_nonneg(gamma_up_dtod, "gamma_up_dtod");
    check_nonneg(gamma_down_dtod, "gamma_down_dtod");
    PNNKIT_CHECK(finite(A_up) && finite(A_down) && finite(es_gamma_up) && finite(es_gamma_down) && finite(es_a) &&
                     finite(es_b),
                 "ExpStep parameters (A_up, A_down, gamma_up, gamma_down, a, b) must be finite");
    PNNKIT_CHECK(finite(pow_gamma) && pow_gamma > 0.0, "pow_gamma must be finite and > 0, got " << pow_gamma);
    check_nonneg(pow_gamma_dtod, "pow_gamma_dtod");
    PNNKIT_CHECK(finite(pow_up_down) && pow_up_down > -1.0 && pow_up_down < 1.0,
                 "pow_up_down must be in (-1, 1), got " << pow_up_down);
    check_nonneg(pow_up_down_dtod, "pow_up_down_dtod");
    if (model == StepModel::Piecewise) {
        PNNKIT_CHECK(piecewise_up.size() >= 2 && piecewise_down.size() >= 2,
                     "piecewise_up and piecewise_down need at least 2 nodes each");
    }
    for (double v : piecewise_up) PNNKIT_CHECK(finite(v) && v >= 0.0, "piecewise_up nodes must be finite and >= 0");
    for (double v : piecewise_down)
        PNNKIT_CHECK(finite(v) && v >= 0.0, "piecewise_down nodes must be finite and >= 0");
    PNNKIT_CHECK(finite(lifetime) && (lifetime == 0.0 || lifetime >= 1.0),
                 "lifetime must be 0 (no decay) or >= 1 mini-batch, got " << lifetime);
    check_nonneg(lifetime_dtod, "lifetime_dtod");
    check_nonneg(diffusion, "diffusion");
    check_nonneg(diffusion_dtod, "diffusion_dtod");
    PNNKIT_CHECK(finite(reset), "reset must be finite");
    check_nonneg(reset_dtod, "reset_dtod");
    check_nonneg(reset_std, "reset_std");
}

double DeviceParams::granularity() const {
    const double up_bias = up_down > 0.0 ? 0.0 : up_down;
    const double down_bias = up_down > 0.0 ? -up_down : 0.0;
    switch (model) {
        case StepModel::Exp: {
            // mean of the up and down step at w = 0
            const double up = (1.0 + up_bias) * dw_min * std::max(1.0 - A_up * std::exp(es_gamma_up * es_b), 0.0);
            const double dn =
                (1.0 + down_bias) * dw_min * std::max(1.0 - A_down * std::exp(-es_gamma_down * es_b), 0.0);
            const double g = 0.5 * (up + dn);
            return g > 0.0 ? g : dw_min;
        }
        case StepModel::Pow:
            return dw_min * std::pow(0.5, pow_gamma);
        default:
            return dw_min;
    }
}

DeviceArray::DeviceArray(const DeviceParams& p, std::int64_t rows, std::int64_t cols, std::uint64_t seed)
    : p_(p), rows_(rows), cols_(cols), seed_(seed) {
    p.validate();
    PNNKIT_CHECK(rows >= 1 && cols >= 1, "device array shape must be >= 1 x 1, got " << rows << " x " << cols);
    const std::int64_t n = rows * cols;
    scale_up.resize(n);
    scale_down.resize(n);
    w_max.resize(n);
    w_min.resize(n);
    slope_up.assign(n, 0.0);
    slope_down.assign(n, 0.0);
    decay.assign(n, 1.0);
    diffusion.assign(n, 0.0);
    reset.assign(n, p.reset);
    const CounterRng rng(seed, kStreamDtod);
    const double mean_w_max = p.w_max, mean_w_min_abs = std::fabs(p.w_min);
    // Eight normals per device: counters 2k and 2k+1 (independent of thread count).
#pragma omp parallel for schedule(static) num_threads(get_num_threads())
    for (std::int64_t k = 0; k < n; ++k) {
        const auto a = rng.normal4(2 * static_cast<std::uint64_t>(k));
        const auto b = rng.normal4(2 * static_cast<std::uint64_t>(k) + 1);
        const double gain = p.dw_min_dtod_log_normal ? std::exp(p.dw_min_dtod * a[0] - 0.5 * p.dw_min_dtod * p.dw_min_dtod)
                                                     : std::max(1.0 + p.dw_min_dtod * a[0], 0.0);
        double r = p.up_down + p.up_down_dtod * a[1];
        r = std::min(std::max(r, -1.0), 1.0);
        const double up_bias = r > 0.0 ? 0.0 : r;
        const double down_bias = r > 0.0 ? -r : 0.0;
        scale_up[k] = (1.0 + up_bias) * gain * p.dw_min;
        scale_down[k] = (1.0 + down_bias) * gain * p.dw_min;
        double wmax = p.w_max + p.w_max_dtod * std::fabs(p.w_max) * a[2];
        double wmin = p.w_min + p.w_min_dtod * std::fabs(p.w_min) * a[3];
        // A device's range keeps the sign of the nominal bounds around zero.
        if (p.w_max >= 0.0) wmax = std::max(wmax, 0.0);
        if (p.w_min <= 0.0) wmin = std::min(wmin, 0.0);
        if (wmax < wmin) std::swap(wmax, wmin);
        w_max[k] = wmax;
        w_min[k] = wmin;
        switch (p.model) {
            case StepModel::Linear: {
                double gu = p.gamma_up * (1.0 + p.gamma_up_dtod * b[0]);
                double gd = p.gamma_down * (1.0 + p.gamma_down_dtod * b[1]);
                if (!p.allow_increasing) {
                    gu = std::max(gu, 0.0);
                    gd = std::max(gd, 0.0);
                }
                const double ref_up = p.mean_bound_reference ? mean_w_max : std::fabs(wmax);
                const double ref_dn = p.mean_bound_reference ? mean_w_min_abs : std::fabs(wmin);
                slope_up[k] = ref_up > 0.0 ? -gu / ref_up : 0.0;
                slope_down[k] = ref_dn > 0.0 ? gd / ref_dn : 0.0;
                break;
            }
            case StepModel::SoftBounds:
                slope_up[k] = wmax > 0.0 ? -1.0 / wmax : 0.0;
                slope_down[k] = wmin < 0.0 ? 1.0 / -wmin : 0.0;
                break;
            case StepModel::Pow: {
                const double g = std::max(p.pow_gamma * (1.0 + p.pow_gamma_dtod * b[0]), 1e-6);
                double ud = p.pow_up_down + p.pow_up_down_dtod * b[1];
                ud = std::min(std::max(ud, -0.999), 0.999);
                slope_up[k] = g * (1.0 + ud);
                slope_down[k] = g * (1.0 - ud);
                break;
            }
            default:
                break;
        }
        if (p.lifetime > 0.0) {
            const double life = std::max(p.lifetime * (1.0 + p.lifetime_dtod * b[2]), 1.0);
            decay[k] = 1.0 - 1.0 / life;
        }
        diffusion[k] = std::max(p.diffusion * (1.0 + p.diffusion_dtod * b[3]), 0.0);
        if (p.reset_dtod > 0.0) {
            const auto c = rng.normal4((static_cast<std::uint64_t>(1) << 62) + static_cast<std::uint64_t>(k));
            reset[k] = p.reset + p.reset_dtod * c[0];
        }
    }
}

}  // namespace crossbar
}  // namespace pnnkit
