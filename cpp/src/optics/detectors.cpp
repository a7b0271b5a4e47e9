// Detector regions, their vjp and camera noise (see detectors.hpp).
#include "pnnkit/optics/detectors.hpp"

#include <algorithm>
#include <cmath>

#include "pnnkit/common/error.hpp"
#include "pnnkit/common/rng.hpp"

namespace pnnkit::optics {

namespace {
// Philox stream of detector noise (distinct from every other noise source of the optics).
constexpr std::uint64_t kDetectorNoiseStream = 0x0D37EC70ull;
}  // namespace

void check_regions(const std::int64_t* regions, std::int64_t n_regions, std::int64_t ny, std::int64_t nx) {
    PNNKIT_CHECK(n_regions >= 1, "detector needs at least one region");
    for (std::int64_t k = 0; k < n_regions; ++k) {
        const std::int64_t* r = regions + 4 * k;
        PNNKIT_CHECK(r[2] >= 1 && r[3] >= 1, "detector region " << k << " has size " << r[2] << " x " << r[3]
                                                                << " (height and width must be >= 1)");
        PNNKIT_CHECK(r[0] >= 0 && r[1] >= 0 && r[0] + r[2] <= ny && r[1] + r[3] <= nx,
                     "detector region " << k << " (y0=" << r[0] << ", x0=" << r[1] << ", h=" << r[2] << ", w=" << r[3]
                                        << ") lies outside the " << ny << " x " << nx << " plane");
    }
}

template <typename T>
void detect_regions(const std::complex<T>* fields, std::int64_t batch, std::int64_t ny, std::int64_t nx,
                    const std::int64_t* regions, std::int64_t n_regions, T* signals, int n_threads) {
    check_regions(regions, n_regions, ny, nx);
    const std::int64_t plane = ny * nx;
#pragma omp parallel for schedule(static) num_threads(std::max(1, n_threads))
    for (std::int64_t b = 0; b < batch; ++b) {
        const std::complex<T>* u = fields + b * plane;
        for (std::int64_t k = 0; k < n_regions; ++k) {
            const std::int64_t* r = regions + 4 * k;
            double s = 0;
            for (std::int64_t y = r[0]; y < r[0] + r[2]; ++y)
                for (std::int64_t x = r[1]; x < r[1] + r[3]; ++x) s += std::norm(u[y * nx + x]);
            signals[b * n_regions + k] = static_cast<T>(s);
        }
    }
}

template <typename T>
void detect_regions_vjp(const std::complex<T>* fields, std::int64_t batch, std::int64_t ny, std::int64_t nx,
                        const std::int64_t* regions, std::int64_t n_regions, const T* grad_signals,
                        std::complex<T>* grad_fields, int n_threads) {
    check_regions(regions, n_regions, ny, nx);
    const std::int64_t plane = ny * nx;
#pragma omp parallel for schedule(static) num_threads(std::max(1, n_threads))
    for (std::int64_t b = 0; b < batch; ++b) {
        const std::complex<T>* u = fields + b * plane;
        std::complex<T>* g = grad_fields + b * plane;
        std::fill(g, g + plane, std::complex<T>(0));
        for (std::int64_t k = 0; k < n_regions; ++k) {
            const std::int64_t* r = regions + 4 * k;
            const T gk = T(2) * grad_signals[b * n_regions + k];
            for (std::int64_t y = r[0]; y < r[0] + r[2]; ++y)
                for (std::int64_t x = r[1]; x < r[1] + r[3]; ++x) g[y * nx + x] += gk * u[y * nx + x];
        }
    }
}

template <typename T>
void add_detector_noise(T* signals, std::int64_t n, double read_std, double shot_factor, std::uint64_t seed,
                        std::uint64_t counter0, int n_threads) {
    PNNKIT_CHECK(read_std >= 0 && std::isfinite(read_std), "read_std must be >= 0, got " << read_std);
    PNNKIT_CHECK(shot_factor >= 0 && std::isfinite(shot_factor), "shot_factor must be >= 0, got " << shot_factor);
    const CounterRng rng(seed, kDetectorNoiseStream);
#pragma omp parallel for schedule(static) num_threads(std::max(1, n_threads))
    for (std::int64_t i = 0; i < n; ++i) {
        const auto z = rng.normal4(counter0 + static_cast<std::uint64_t>(i));
        const double s = static_cast<double>(signals[i]);
        signals[i] = static_cast<T>(s + read_std * z[0] + std::sqrt(shot_factor * std::max(s, 0.0)) * z[1]);
    }
}

template void detect_regions<float>(const std::complex<float>*, std::int64_t, std::int64_t, std::int64_t,
                                    const std::int64_t*, std::int64_t, float*, int);
template void detect_regions<double>(const std::complex<double>*, std::int64_t, std::int64_t, std::int64_t,
                                     const std::int64_t*, std::int64_t, double*, int);
template void detect_regions_vjp<float>(const std::complex<float>*, std::int64_t, std::int64_t, std::int64_t,
                                        const std::int64_t*, std::int64_t, const float*, std::complex<float>*, int);
template void detect_regions_vjp<double>(const std::complex<double>*, std::int64_t, std::int64_t, std::int64_t,
                                         const std::int64_t*, std::int64_t, const double*, std::complex<double>*,
                                         int);
template void add_detector_noise<float>(float*, std::int64_t, double, double, std::uint64_t, std::uint64_t, int);
template void add_detector_noise<double>(double*, std::int64_t, double, double, std::uint64_t, std::uint64_t, int);

}  // namespace pnnkit::optics
