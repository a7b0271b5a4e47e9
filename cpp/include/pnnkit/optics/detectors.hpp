// Detector planes: intensity integrated over rectangular regions, its vjp, and camera noise.
//
// A region is (y0, x0, height, width) in pixels of the ny x nx output plane; the signal of
// region k is S_k = sum over its pixels of |u|^2 (units: |field|^2 x pixels). Regions may
// overlap. Differential pairs (S_pos - S_neg) are a linear map on these signals.
#pragma once
#include <complex>
#include <cstdint>

namespace pnnkit::optics {

// Throws std::invalid_argument unless every region lies inside the ny x nx plane.
void check_regions(const std::int64_t* regions, std::int64_t n_regions, std::int64_t ny, std::int64_t nx);

// signals (batch, n_regions) = integrated intensities of fields (batch, ny, nx).
template <typename T>
void detect_regions(const std::complex<T>* fields, std::int64_t batch, std::int64_t ny, std::int64_t nx,
                    const std::int64_t* regions, std::int64_t n_regions, T* signals, int n_threads);

// grad_fields (batch, ny, nx) = 2 u sum_k grad_signals[k] 1_k  (overwritten).
template <typename T>
void detect_regions_vjp(const std::complex<T>* fields, std::int64_t batch, std::int64_t ny, std::int64_t nx,
                        const std::int64_t* regions, std::int64_t n_regions, const T* grad_signals,
                        std::complex<T>* grad_fields, int n_threads);

// Camera noise in place: S += read_std * n1 + sqrt(shot_factor * max(S, 0)) * n2, with
// standard normals n1, n2 from Philox keyed by (seed, stream) at counter (counter0 + element).
// shot_factor is the signal per photo-electron (Gaussian approximation of shot noise).
template <typename T>
void add_detector_noise(T* signals, std::int64_t n, double read_std, double shot_factor, std::uint64_t seed,
                        std::uint64_t counter0, int n_threads);

}  // namespace pnnkit::optics
