// Batched crossbar reads: argument checks, physical-tile layout, and the run-time choice of
// the SIMD kernel (mvm_kernel_*.cpp).
#include "pnnkit/crossbar/tile.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <string>

#include "mvm_args.hpp"
#include "pnnkit/common/error.hpp"

namespace pnnkit {
namespace crossbar {
namespace detail {
MvmResult mvm_generic(const MvmArgs& a);
MvmResult mvm_avx2(const MvmArgs& a);
MvmResult mvm_avx512(const MvmArgs& a);
bool has_mvm_avx2();
bool has_mvm_avx512();
}  // namespace detail

namespace {

enum class Isa { Generic = 0, Avx2 = 1, Avx512 = 2 };

bool cpu_has(Isa isa) {
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
    // __builtin_cpu_supports also checks that the OS saves the wide registers (XCR0).
    switch (isa) {
        case Isa::Avx512:
            return detail::has_mvm_avx512() && __builtin_cpu_supports("avx512f") &&
                   __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
                   __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx2") &&
                   __builtin_cpu_supports("fma");
        case Isa::Avx2:
            return detail::has_mvm_avx2() && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
        case Isa::Generic:
            return true;
    }
    return false;
#else
    return isa == Isa::Generic;
#endif
}

Isa best_isa() {
    if (cpu_has(Isa::Avx512)) return Isa::Avx512;
    if (cpu_has(Isa::Avx2)) return Isa::Avx2;
    return Isa::Generic;
}

std::atomic<int>& chosen_isa() {
    static std::atomic<int> isa{static_cast<int>(best_isa())};
    return isa;
}

void check_res(float res, const char* name, const char* which) {
    PNNKIT_CHECK(std::isfinite(res) && res >= 0.0f && (res == 0.0f || (res >= 1e-6f && res < 1.0f)),
                 which << "." << name << " must be 0 (off) or a step fraction in [1e-6, 1), got " << res);
}

}  // namespace

void validate(const IOParams& io, const char* which) {
    check_res(io.inp_res, "inp_res", which);
    check_res(io.out_res, "out_res", which);
    PNNKIT_CHECK(std::isfinite(io.inp_bound) && io.inp_bound > 0.0f,
                 which << ".inp_bound must be > 0, got " << io.inp_bound);
    PNNKIT_CHECK(std::isfinite(io.out_bound) && io.out_bound >= 0.0f,
                 which << ".out_bound must be >= 0 (0: unbounded), got " << io.out_bound);
    PNNKIT_CHECK(!(io.out_res > 0.0f && io.out_bound == 0.0f),
                 which << ".out_res needs a finite out_bound > 0 (the ADC step is out_res * 2 * out_bound)");
    PNNKIT_CHECK(std::isfinite(io.out_noise) && io.out_noise >= 0.0f,
                 which << ".out_noise must be >= 0, got " << io.out_noise);
    PNNKIT_CHECK(std::isfinite(io.w_noise) && io.w_noise >= 0.0f, which << ".w_noise must be >= 0, got " << io.w_noise);
    PNNKIT_CHECK(std::isfinite(io.ir_drop) && io.ir_drop >= 0.0f, which << ".ir_drop must be >= 0, got " << io.ir_drop);
    PNNKIT_CHECK(std::isfinite(io.max_bm_factor) && io.max_bm_factor >= 1.0f,
                 which << ".max_bm_factor must be >= 1, got " << io.max_bm_factor);
    const int nm = static_cast<int>(io.noise_management), bm = static_cast<int>(io.bound_management);
    PNNKIT_CHECK(nm == 0 || nm == 1, which << ".noise_management must be None or AbsMax");
    PNNKIT_CHECK(bm == 0 || bm == 1, which << ".bound_management must be None or Iterative");
}

void validate(const TileSplit& split) {
    PNNKIT_CHECK(split.max_input_size >= 1, "max_input_size must be >= 1, got " << split.max_input_size);
    PNNKIT_CHECK(split.max_output_size >= 1, "max_output_size must be >= 1, got " << split.max_output_size);
}

ReadStats analog_mvm(const float* W, std::int64_t n_out, std::int64_t n_in, const float* X, std::int64_t batch,
                     float* Y, bool transposed, const IOParams& io, const TileSplit& split, float weight_scale,
                     std::uint64_t seed, int num_threads) {
    PNNKIT_CHECK(n_out >= 1 && n_in >= 1, "weights must have shape (n_out >= 1, n_in >= 1), got (" << n_out << ", "
                                                                                                   << n_in << ")");
    PNNKIT_CHECK(batch >= 1, "x must hold at least one row, got batch " << batch);
    PNNKIT_CHECK(W != nullptr && X != nullptr && Y != nullptr, "null array pointer");
    PNNKIT_CHECK(num_threads >= 1, "num_threads must be >= 1, got " << num_threads);
    PNNKIT_CHECK(std::isfinite(weight_scale), "weight_scale must be finite, got " << weight_scale);
    validate(io, transposed ? "backward" : "forward");
    validate(split);

    detail::MvmArgs a;
    a.W = W;
    a.n_out = n_out;
    a.n_in = n_in;
    a.X = X;
    a.batch = batch;
    a.Y = Y;
    a.transposed = transposed;
    a.io = io;
    a.seed = seed;
    a.num_threads = num_threads;
    a.n_in_blocks = (n_in + split.max_input_size - 1) / split.max_input_size;
    for (std::int64_t o0 = 0; o0 < n_out; o0 += split.max_output_size) {
        for (std::int64_t i0 = 0; i0 < n_in; i0 += split.max_input_size) {
            detail::TileBlock tb;
            tb.o0 = o0;
            tb.no = std::min(split.max_output_size, n_out - o0);
            tb.i0 = i0;
            tb.ni = std::min(split.max_input_size, n_in - i0);
            // One vectorized pass over the block: max|W| (mapped to g_max), mean|W| (IR drop), finiteness.
            float amax = 0.0f, probe = 0.0f;
            double asum = 0.0;
            const std::int64_t no = tb.no, ni = tb.ni;
#pragma omp parallel for schedule(static) num_threads(num_threads) reduction(max : amax) reduction(+ : asum, probe)
            for (std::int64_t o = 0; o < no; ++o) {
                const float* w = W + (o0 + o) * n_in + i0;
                float rmax = 0.0f, rsum = 0.0f;
#pragma omp simd reduction(max : rmax) reduction(+ : rsum, probe)
                for (std::int64_t i = 0; i < ni; ++i) {
                    const float v = std::abs(w[i]);
                    rmax = rmax > v ? rmax : v;  // by value: std::max's references defeat omp simd
                    rsum += v;
                    probe += w[i] * 0.0f;  // NaN if any weight is NaN or Inf
                }
                amax = amax > rmax ? amax : rmax;
                asum += rsum;
            }
            PNNKIT_CHECK_NUMERIC(probe == 0.0f, "weights contain NaN or Inf");
            tb.w_scale = weight_scale > 0.0f ? weight_scale : amax;
            if (!(tb.w_scale > 0.0f)) tb.w_scale = 1.0f;  // all-zero block: any scale reads zero
            tb.gbar = static_cast<float>(asum / (static_cast<double>(tb.no) * tb.ni)) / tb.w_scale;
            a.tiles.push_back(tb);
        }
    }

    detail::MvmResult r;
    switch (static_cast<Isa>(chosen_isa().load())) {
        case Isa::Avx512:
            r = detail::mvm_avx512(a);
            break;
        case Isa::Avx2:
            r = detail::mvm_avx2(a);
            break;
        default:
            r = detail::mvm_generic(a);
    }
    PNNKIT_CHECK_NUMERIC(!r.nonfinite_input, (transposed ? "grad_out" : "x") << " contains NaN or Inf");
    return r.stats;
}

const char* kernel_isa() {
    switch (static_cast<Isa>(chosen_isa().load())) {
        case Isa::Avx512:
            return "avx512";
        case Isa::Avx2:
            return "avx2";
        default:
            return "generic";
    }
}

void set_kernel_isa(const char* isa) {
    const std::string s = isa ? isa : "";
    Isa want;
    if (s == "auto")
        want = best_isa();
    else if (s == "avx512")
        want = Isa::Avx512;
    else if (s == "avx2")
        want = Isa::Avx2;
    else if (s == "generic")
        want = Isa::Generic;
    else
        PNNKIT_CHECK(false, "isa must be 'auto', 'avx512', 'avx2' or 'generic', got '" << s << "'");
    PNNKIT_CHECK(cpu_has(want), "this CPU or build does not support the '" << s << "' kernel");
    chosen_isa().store(static_cast<int>(want));
}

}  // namespace crossbar
}  // namespace pnnkit
