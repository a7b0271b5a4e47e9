// Electro-optic activation of photonic meshes (see mesh_activation.hpp for the equations).
#include "pnnkit/optics/mesh_activation.hpp"

#include <cmath>

#include "pnnkit/common/error.hpp"

namespace pnnkit::optics {

namespace {
void validate(const EoActivation& p, int n_threads) {
    PNNKIT_CHECK(std::isfinite(p.alpha) && p.alpha >= 0.0 && p.alpha < 1.0, "alpha must be in [0, 1), got " << p.alpha);
    PNNKIT_CHECK(std::isfinite(p.g_phi), "g_phi must be finite, got " << p.g_phi);
    PNNKIT_CHECK(std::isfinite(p.phi_b), "phi_b must be finite, got " << p.phi_b);
    PNNKIT_CHECK(n_threads >= 1, "n_threads must be >= 1, got " << n_threads);
}
}  // namespace

template <typename Real>
void eo_activation_forward(const EoActivation& p, const std::complex<Real>* z, std::complex<Real>* f, std::int64_t n,
                           int n_threads) {
    validate(p, n_threads);
    using cd = std::complex<double>;
    const double amp = std::sqrt(1.0 - p.alpha);
#pragma omp parallel for schedule(static) num_threads(n_threads)
    for (std::int64_t i = 0; i < n; ++i) {
        const cd zi(z[i]);
        const double th = 0.5 * (p.g_phi * std::norm(zi) + p.phi_b);
        const cd h = cd(0.0, amp) * std::polar(std::cos(th), -th);
        f[i] = std::complex<Real>(h * zi);
    }
}

template <typename Real>
void eo_activation_vjp(const EoActivation& p, const std::complex<Real>* z, const std::complex<Real>* grad_f,
                       std::complex<Real>* grad_z, std::int64_t n, int n_threads) {
    validate(p, n_threads);
    using cd = std::complex<double>;
    const double amp = std::sqrt(1.0 - p.alpha);
#pragma omp parallel for schedule(static) num_threads(n_threads)
    for (std::int64_t i = 0; i < n; ++i) {
        const cd zi(z[i]), gf(grad_f[i]);
        const double pw = std::norm(zi);
        const double th = 0.5 * (p.g_phi * pw + p.phi_b);
        const cd h = cd(0.0, amp) * std::polar(std::cos(th), -th);
        const cd dh = 0.5 * p.g_phi * amp * std::polar(1.0, -2.0 * th);
        grad_z[i] = std::complex<Real>(std::conj(gf) * zi * zi * dh + gf * std::conj(h + pw * dh));
    }
}

template void eo_activation_forward<float>(const EoActivation&, const std::complex<float>*, std::complex<float>*,
                                           std::int64_t, int);
template void eo_activation_forward<double>(const EoActivation&, const std::complex<double>*, std::complex<double>*,
                                            std::int64_t, int);
template void eo_activation_vjp<float>(const EoActivation&, const std::complex<float>*, const std::complex<float>*,
                                       std::complex<float>*, std::int64_t, int);
template void eo_activation_vjp<double>(const EoActivation&, const std::complex<double>*, const std::complex<double>*,
                                        std::complex<double>*, std::int64_t, int);

}  // namespace pnnkit::optics
