// Embedding example: the pnnkit core in a plain C++ program, no Python.
//
// Builds a 256x512 weight matrix, reads it on an analog crossbar with aihwkit's default
// periphery (7-bit DAC, 9-bit ADC, output noise 0.06, abs-max noise management, iterative
// bound management), then programs it as PCM conductances, drifts them to one day and reads
// again. Prints the read statistics, the error against the exact product and a checksum that
// is the same for any thread count (counter-based noise).
//
//   cmake -S . -B build/ex -DPNNKIT_BUILD_PYTHON=OFF -DPNNKIT_BUILD_EXAMPLES=ON -DPNNKIT_SUBSTRATES=crossbar
//   cmake --build build/ex && build/ex/crossbar_forward
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <vector>

#include "pnnkit/common/rng.hpp"
#include "pnnkit/common/threads.hpp"
#include "pnnkit/crossbar/pcm.hpp"
#include "pnnkit/crossbar/tile.hpp"

namespace xb = pnnkit::crossbar;

static double rms_error(const std::vector<float>& a, const std::vector<float>& b) {
    double s = 0.0;
    for (std::size_t i = 0; i < a.size(); ++i) s += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
    return std::sqrt(s / a.size());
}

static double checksum(const std::vector<float>& y) {
    double s = 0.0;
    for (std::size_t i = 0; i < y.size(); ++i) s += y[i] * double(1 + i % 7);
    return s;
}

int main() {
    const std::int64_t n_out = 256, n_in = 512, batch = 64;
    std::vector<float> W(n_out * n_in), X(batch * n_in), Y(batch * n_out), Yref(batch * n_out);
    pnnkit::fill_normal(pnnkit::CounterRng(42, 1), W.data(), static_cast<std::int64_t>(W.size()));
    for (float& w : W) w *= 0.05f;
    std::vector<double> u(X.size());
    pnnkit::fill_uniform(pnnkit::CounterRng(42, 2), u.data(), static_cast<std::int64_t>(u.size()));
    for (std::size_t i = 0; i < X.size(); ++i) X[i] = static_cast<float>(2.0 * u[i] - 1.0);

    xb::IOParams perfect;
    perfect.is_perfect = true;
    const xb::TileSplit split;  // 512 x 512 physical tiles
    const int threads = pnnkit::get_num_threads();
    xb::analog_mvm(W.data(), n_out, n_in, X.data(), batch, Yref.data(), false, perfect, split, 0.0f, 0, threads);

    const xb::IOParams io;  // aihwkit defaults
    const xb::ReadStats st = xb::analog_mvm(W.data(), n_out, n_in, X.data(), batch, Y.data(), false, io, split,
                                            0.0f, /*seed=*/7, threads);
    std::printf("kernel %s, %d thread(s)\n", xb::kernel_isa(), threads);
    std::printf("noisy read:      reads %lld, bound-management re-reads %lld, rms error %.4f\n",
                static_cast<long long>(st.reads), static_cast<long long>(st.bm_rereads), rms_error(Y, Yref));
    const double c1 = checksum(Y);

    // PCM: weights -> differential conductance pair, program, drift to one day.
    float w_max = 0.0f;
    for (float w : W) w_max = std::max(w_max, std::abs(w));
    const xb::PCMParams pcm;
    const std::int64_t n = n_out * n_in;
    std::vector<float> g_target(2 * n), g_prog(2 * n), nu(2 * n), g_t(2 * n), W_t(n);
    for (std::int64_t i = 0; i < n; ++i) {
        const float g = W[i] / w_max * static_cast<float>(pcm.g_max_uS);
        g_target[i] = g > 0 ? g : 0.0f;
        g_target[n + i] = g < 0 ? -g : 0.0f;
    }
    xb::pcm_program(g_target.data(), 2 * n, g_prog.data(), nu.data(), pcm, 11, threads);
    xb::pcm_drift(g_prog.data(), nu.data(), 2 * n, 86400.0, g_t.data(), pcm, 12, threads);
    for (std::int64_t i = 0; i < n; ++i) W_t[i] = (g_t[i] - g_t[n + i]) / static_cast<float>(pcm.g_max_uS) * w_max;
    xb::analog_mvm(W_t.data(), n_out, n_in, X.data(), batch, Y.data(), false, io, split, w_max, 8, threads);
    double mean_abs = 0.0, mean_ref = 0.0;
    for (std::size_t i = 0; i < Y.size(); ++i) {
        mean_abs += std::abs(Y[i]);
        mean_ref += std::abs(Yref[i]);
    }
    std::printf("PCM after 1 day: mean|y| / mean|W x| = %.3f (drift, before compensation)\n", mean_abs / mean_ref);
    std::printf("checksum %.6f\n", c1 + checksum(Y));
    return 0;
}
