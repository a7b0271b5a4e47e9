#include "pnnkit/common/rng.hpp"

#include "pnnkit/common/threads.hpp"

namespace pnnkit {

namespace {
template <typename T>
void fill_normal_impl(const CounterRng& rng, T* out, std::int64_t n) {
    const std::int64_t blocks = (n + 3) / 4;
#pragma omp parallel for schedule(static) num_threads(get_num_threads())
    for (std::int64_t b = 0; b < blocks; ++b) {
        const auto z = rng.normal4(static_cast<std::uint64_t>(b));
        for (int l = 0; l < 4; ++l) {
            const std::int64_t i = 4 * b + l;
            if (i < n) out[i] = static_cast<T>(z[l]);
        }
    }
}
}  // namespace

void fill_normal(const CounterRng& rng, double* out, std::int64_t n) { fill_normal_impl(rng, out, n); }
void fill_normal(const CounterRng& rng, float* out, std::int64_t n) { fill_normal_impl(rng, out, n); }

void fill_uniform(const CounterRng& rng, double* out, std::int64_t n) {
    const std::int64_t blocks = (n + 3) / 4;
#pragma omp parallel for schedule(static) num_threads(get_num_threads())
    for (std::int64_t b = 0; b < blocks; ++b) {
        const auto u = rng.uniform4(static_cast<std::uint64_t>(b));
        for (int l = 0; l < 4; ++l) {
            const std::int64_t i = 4 * b + l;
            if (i < n) out[i] = u[l];
        }
    }
}

}  // namespace pnnkit
