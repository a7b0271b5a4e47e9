// Phase-mask transmissions (see masks.hpp).
#include "pnnkit/optics/masks.hpp"

#include <cmath>

namespace pnnkit::optics {

template <typename T>
void phase_transmissions(const double* phase, std::int64_t L, std::int64_t n, const double* scales, std::int64_t W,
                         std::complex<T>* out, int n_threads) {
    // Blocks of 4096 values: enough work per task to amortise the schedule, enough tasks for
    // every thread even with one mask.
    constexpr std::int64_t kBlock = 4096;
    const std::int64_t nblk = (n + kBlock - 1) / kBlock, tasks = L * W * nblk;
#pragma omp parallel for schedule(static) num_threads(n_threads < 1 ? 1 : n_threads)
    for (std::int64_t task = 0; task < tasks; ++task) {
        const std::int64_t lw = task / nblk, i0 = (task % nblk) * kBlock;
        const std::int64_t l = lw / W, w = lw % W, i1 = i0 + kBlock < n ? i0 + kBlock : n;
        const double s = scales[w];
        const double* ph = phase + l * n;
        std::complex<T>* o = out + lw * n;
        for (std::int64_t i = i0; i < i1; ++i) {
            const double a = ph[i] * s;
            o[i] = std::complex<T>(static_cast<T>(std::cos(a)), static_cast<T>(std::sin(a)));
        }
    }
}

template void phase_transmissions<float>(const double*, std::int64_t, std::int64_t, const double*, std::int64_t,
                                         std::complex<float>*, int);
template void phase_transmissions<double>(const double*, std::int64_t, std::int64_t, const double*, std::int64_t,
                                          std::complex<double>*, int);

}  // namespace pnnkit::optics
