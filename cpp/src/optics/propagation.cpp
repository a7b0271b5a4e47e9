// Transfer functions and the batched angular-spectrum step (see propagation.hpp).
#include "pnnkit/optics/propagation.hpp"

#include <cmath>

#include "pnnkit/common/error.hpp"
#include "stack_kernels.hpp"

namespace pnnkit::optics {

namespace {
constexpr double kPi = 3.14159265358979323846;

// numpy.fft.fftfreq(n, pitch)[k]
inline double fftfreq(std::int64_t k, std::int64_t n, double pitch) {
    const std::int64_t kk = (k < (n + 1) / 2) ? k : k - n;
    return static_cast<double>(kk) / (static_cast<double>(n) * pitch);
}
}  // namespace

void check_transfer_spec(const TransferSpec& s) {
    PNNKIT_CHECK(s.py >= 1 && s.px >= 1, "padded grid must be at least 1 x 1, got " << s.py << " x " << s.px);
    PNNKIT_CHECK(s.pitch_y_m > 0 && s.pitch_x_m > 0 && std::isfinite(s.pitch_y_m) && std::isfinite(s.pitch_x_m),
                 "pitch_m must be > 0 and finite, got (" << s.pitch_y_m << ", " << s.pitch_x_m << ")");
    PNNKIT_CHECK(s.wavelength_m > 0 && std::isfinite(s.wavelength_m),
                 "wavelength_m must be > 0 and finite, got " << s.wavelength_m);
    PNNKIT_CHECK(std::isfinite(s.distance_m), "distance_m must be finite, got " << s.distance_m);
}

double band_limit_frequency(double wavelength_m, double distance_m, std::int64_t n, double pitch_m) {
    const double df = 1.0 / (static_cast<double>(n) * pitch_m);
    const double a = 2.0 * df * distance_m;
    return 1.0 / (wavelength_m * std::sqrt(a * a + 1.0));
}

std::vector<std::complex<double>> transfer_function(const TransferSpec& s) {
    check_transfer_spec(s);
    std::vector<std::complex<double>> H(static_cast<std::size_t>(s.py * s.px));
    const double inv_l2 = 1.0 / (s.wavelength_m * s.wavelength_m);
    const double z = s.distance_m;
    const double fly = s.band_limit ? band_limit_frequency(s.wavelength_m, std::fabs(z), s.py, s.pitch_y_m) : 0.0;
    const double flx = s.band_limit ? band_limit_frequency(s.wavelength_m, std::fabs(z), s.px, s.pitch_x_m) : 0.0;
    const double kz_carrier = 2.0 * kPi * z / s.wavelength_m;
    for (std::int64_t iy = 0; iy < s.py; ++iy) {
        const double fy = fftfreq(iy, s.py, s.pitch_y_m);
        for (std::int64_t ix = 0; ix < s.px; ++ix) {
            const double fx = fftfreq(ix, s.px, s.pitch_x_m);
            std::complex<double> h;
            if (s.band_limit && (std::fabs(fx) >= flx || std::fabs(fy) >= fly)) {
                h = 0.0;
            } else if (s.kind == TransferKind::fresnel) {
                const double ph = kz_carrier - kPi * s.wavelength_m * z * (fx * fx + fy * fy);
                h = std::polar(1.0, ph);
            } else {
                const double arg = inv_l2 - fx * fx - fy * fy;
                if (arg >= 0) {
                    h = std::polar(1.0, 2.0 * kPi * z * std::sqrt(arg));
                } else if (s.evanescent == Evanescent::decay) {
                    // Decays for z > 0; for back-propagation (z < 0) evanescent waves are cut,
                    // since their growth exp(+...) is unphysical and unstable.
                    h = z >= 0 ? std::exp(-2.0 * kPi * z * std::sqrt(-arg)) : 0.0;
                } else {
                    h = 0.0;
                }
            }
            H[static_cast<std::size_t>(iy * s.px + ix)] = h;
        }
    }
    return H;
}

template <typename T>
void propagate_batch(const std::complex<T>* fields, std::int64_t batch, std::int64_t ny, std::int64_t nx,
                     const std::complex<T>* H, std::int64_t n_h, std::int64_t py, std::int64_t px, bool conj_h,
                     std::complex<T>* out, int n_threads) {
    PNNKIT_CHECK(batch >= 0 && ny >= 1 && nx >= 1, "fields must have shape (batch, ny>=1, nx>=1)");
    PNNKIT_CHECK(py >= ny && px >= nx,
                 "padded grid " << py << " x " << px << " is smaller than the field " << ny << " x " << nx);
    PNNKIT_CHECK(n_h >= 1, "need at least one transfer function");
    if (batch == 0) return;
    detail::kernel_set<T>(detail::optics_kernels())
        .propagate(fields, batch, ny, nx, H, n_h, py, px, conj_h, out, n_threads < 1 ? 1 : n_threads);
}

template void propagate_batch<float>(const std::complex<float>*, std::int64_t, std::int64_t, std::int64_t,
                                     const std::complex<float>*, std::int64_t, std::int64_t, std::int64_t, bool,
                                     std::complex<float>*, int);
template void propagate_batch<double>(const std::complex<double>*, std::int64_t, std::int64_t, std::int64_t,
                                      const std::complex<double>*, std::int64_t, std::int64_t, std::int64_t, bool,
                                      std::complex<double>*, int);

}  // namespace pnnkit::optics
