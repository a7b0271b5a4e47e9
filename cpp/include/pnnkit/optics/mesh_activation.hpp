// Electro-optic activation for photonic meshes (Williamson et al. 2020, IEEE JSTQE 26, 7700412):
// a fraction alpha of the power is tapped to a photodiode whose signal drives a phase modulator
// in an MZI on the remaining light. For input field z (power |z|^2):
//     f(z) = i sqrt(1 - alpha) exp(-i Theta) cos(Theta) z,   Theta = (g_phi |z|^2 + phi_b) / 2,
// g_phi: phase shift per unit detected power (rad), phi_b: bias phase (rad). With phi_b = pi the
// transmission is ~0 at low power and rises with power (a ReLU-like saturable response).
// The vjp uses the real-loss convention of mzi_mesh.hpp (grad_z = dL/dRe z + i dL/dIm z):
//     grad_z = conj(grad_f) z^2 h'(p) + grad_f conj(h + p h'(p)),  h(p) = f/z,  p = |z|^2,
//     h'(p) = (g_phi / 2) sqrt(1 - alpha) exp(-2 i Theta).
#pragma once
#include <complex>
#include <cstdint>

namespace pnnkit::optics {

struct EoActivation {
    double alpha = 0.1;                 // tapped power fraction, in [0, 1)
    double g_phi = 0.05 * 3.14159265358979323846;  // rad per unit power
    double phi_b = 3.14159265358979323846;         // rad
};

template <typename Real>
void eo_activation_forward(const EoActivation& p, const std::complex<Real>* z, std::complex<Real>* f, std::int64_t n,
                           int n_threads);

template <typename Real>
void eo_activation_vjp(const EoActivation& p, const std::complex<Real>* z, const std::complex<Real>* grad_f,
                       std::complex<Real>* grad_z, std::int64_t n, int n_threads);

}  // namespace pnnkit::optics
