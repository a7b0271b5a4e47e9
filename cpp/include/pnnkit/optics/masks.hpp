// Transmissions of thin phase masks: t[l, w] = exp(i * scale_w * phase_l), the thin-element
// phase at wavelength w scaled by lambda_0 / lambda_w. Computed in double precision (the same
// cos/sin of the same double angle as numpy's exp(1j * phase * scale)), stored as complex<T>.
#pragma once
#include <complex>
#include <cstdint>

namespace pnnkit::optics {

// phase: (L, n) in rad; scales: (W,); out: (L, W, n). OpenMP over (l, w, blocks of n).
template <typename T>
void phase_transmissions(const double* phase, std::int64_t L, std::int64_t n, const double* scales, std::int64_t W,
                         std::complex<T>* out, int n_threads);

}  // namespace pnnkit::optics
