#include "pnnkit/crossbar/pulsed_update.hpp"

#include <algorithm>
#include <cmath>

#include "pnnkit/common/error.hpp"
#include "pnnkit/common/rng.hpp"
#include "pnnkit/common/threads.hpp"
#include "pulsed_kernels.hpp"
#include "pulsed_normal.hpp"

namespace pnnkit {
namespace crossbar {

namespace {

// Stream for noise source `base` in random operation number `call` (40 bits of calls).
inline std::uint64_t stream_of(std::uint64_t base, std::uint64_t call) {
    return (base << 40) | (call & ((static_cast<std::uint64_t>(1) << 40) - 1));
}

// A 32-slot pulse-train word: slot t < bl fires when its uniform word is below p.
inline std::uint32_t pulse_word(const CounterRng& rng, std::uint64_t base_index, double p, int bl) {
    if (p <= 0.0) return 0u;
    const std::uint32_t mask = bl >= 32 ? 0xFFFFFFFFu : ((1u << bl) - 1u);
    if (p >= 1.0) return mask;
    const std::uint64_t thr = static_cast<std::uint64_t>(p * 4294967296.0);
    std::uint32_t word = 0;
    for (int q = 0; q * 4 < bl; ++q) {
        const auto r = rng.bits(base_index + static_cast<std::uint64_t>(q));
        for (int l = 0; l < 4; ++l) {
            const int t = 4 * q + l;
            if (t < bl && static_cast<std::uint64_t>(r[l]) < thr) word |= (1u << t);
        }
    }
    return word;
}

inline double clip(double w, double lo, double hi) { return w > hi ? hi : (w < lo ? lo : w); }

inline int popcount32(std::uint32_t v) {
    int n = 0;
    for (; v != 0u; v &= v - 1u) ++n;
    return n;
}

// The row kernels a call uses: the best for this CPU, or the one the caller named.
const detail::PulseKernels& kernels_for(UpdateKernel k) {
    const char* name = k == UpdateKernel::Generic ? "generic"
                       : k == UpdateKernel::Avx2  ? "avx2"
                       : k == UpdateKernel::Avx512 ? "avx512"
                                                   : nullptr;
    if (name == nullptr) return detail::pulse_kernels();
    const detail::PulseKernels* ks = detail::pulse_kernels_named(name);
    PNNKIT_CHECK(ks != nullptr, "kernel '" << name << "' is not available on this CPU/build");
    return *ks;
}

}  // namespace

double normal_from_bits(std::uint32_t w) { return acklam(w); }

const char* pulse_kernel_isa() { return detail::pulse_kernels().isa; }

double pulse_kernel_exp(double x, UpdateKernel k) { return kernels_for(k).exp(x); }

void pulse_kernel_normals_f32(const std::uint32_t* w, float* z, std::int64_t n, UpdateKernel k, int bits) {
    PNNKIT_CHECK(bits == 16 || bits == 32, "bits must be 16 or 32, got " << bits);
    kernels_for(k).normals_f32(w, z, n, bits);
}

void UpdateParams::validate() const {
    PNNKIT_CHECK(desired_bl >= 1 && desired_bl <= 32,
                 "desired_bl must be in [1, 32] (one 32-bit pulse word), got " << desired_bl);
    const int t = static_cast<int>(pulse_type);
    PNNKIT_CHECK(t >= 0 && t <= 2, "pulse_type must be 0 (stochastic), 1 (deterministic) or 2 (mean count), got " << t);
    const int kk = static_cast<int>(kernel);
    PNNKIT_CHECK(kk >= 0 && kk <= 4, "kernel must be 0 (auto), 1 (reference), 2 (generic), 3 (avx2) or 4 (avx512), got "
                                         << kk);
    const int pr = static_cast<int>(precision);
    PNNKIT_CHECK(pr == 0 || pr == 1, "precision must be 0 (float64) or 1 (float32), got " << pr);
    PNNKIT_CHECK(!(precision == UpdatePrecision::Float32 && kernel == UpdateKernel::Reference),
                 "the scalar reference kernel exists for float64 only (compare float32 with it in distribution)");
    PNNKIT_CHECK(!(precision == UpdatePrecision::Float32 && pulse_type != PulseType::Stochastic),
                 "precision float32 applies to stochastic pulses only; the deterministic and mean-count ablations "
                 "run in float64");
}

// Float32 device arrays, rows padded to a multiple of 32 columns with zeros (padding lanes get
// no step). Bounds are rounded inwards: clipping in float32 then never leaves the float64 bounds.
void PulsedTile::ensure_f32_arrays() {
    if (cols_padded_ != 0) return;
    const std::int64_t R = rows(), C = cols(), Cp = detail::pulse_blocks(C) * 32;
    const std::size_t n = static_cast<std::size_t>(R * Cp);
    for (auto* v : {&f_scale_up_, &f_scale_down_, &f_w_min_, &f_w_max_, &f_slope_up_, &f_slope_down_, &f_inv_range_})
        v->assign(n, 0.0f);
    for (std::int64_t i = 0; i < R; ++i) {
        for (std::int64_t j = 0; j < C; ++j) {
            const std::int64_t k = i * C + j;
            const std::size_t q = static_cast<std::size_t>(i * Cp + j);
            f_scale_up_[q] = static_cast<float>(dev_.scale_up[k]);
            f_scale_down_[q] = static_cast<float>(dev_.scale_down[k]);
            f_slope_up_[q] = static_cast<float>(dev_.slope_up[k]);
            f_slope_down_[q] = static_cast<float>(dev_.slope_down[k]);
            float lo = static_cast<float>(dev_.w_min[k]), hi = static_cast<float>(dev_.w_max[k]);
            if (static_cast<double>(lo) < dev_.w_min[k]) lo = std::nextafter(lo, HUGE_VALF);
            if (static_cast<double>(hi) > dev_.w_max[k]) hi = std::nextafter(hi, -HUGE_VALF);
            if (hi < lo) hi = lo;  // a range narrower than one float32 step
            f_w_min_[q] = lo;
            f_w_max_[q] = hi;
            const double range = dev_.w_max[k] - dev_.w_min[k];
            f_inv_range_[q] = range > 0.0 ? static_cast<float>(1.0 / range) : 0.0f;
        }
    }
    cols_padded_ = Cp;
}

PulsedTile::PulsedTile(const DeviceParams& p, std::int64_t rows, std::int64_t cols, std::uint64_t seed)
    : dev_(p, rows, cols, seed), w_(static_cast<std::size_t>(rows * cols), 0.0) {
    for (std::size_t k = 0; k < w_.size(); ++k) w_[k] = clip(0.0, dev_.w_min[k], dev_.w_max[k]);
}

void PulsedTile::set_weights(const double* w) {
    const std::int64_t n = rows() * cols();
    for (std::int64_t k = 0; k < n; ++k) {
        PNNKIT_CHECK(std::isfinite(w[k]), "weights must be finite (element " << k << " is " << w[k] << ")");
        w_[k] = clip(w[k], dev_.w_min[k], dev_.w_max[k]);
    }
}

// Scalar reference of the row kernels: the same random numbers (see pulsed_kernels.hpp), the
// device's own scalar step (std::exp, std::pow) one crosspoint and one pulse at a time.
std::int64_t PulsedTile::reference_rows(const detail::PulseRowArgs& a, bool aggregate, int nthreads) {
    const std::int64_t R = a.R, C = a.C, nblk = detail::pulse_blocks(C);
    const CounterRng rs(a.seed, a.stream);
    const DeviceArray& dev = dev_;
    std::int64_t total = 0;
#pragma omp parallel for schedule(static) num_threads(nthreads) reduction(+ : total)
    for (std::int64_t i = 0; i < R; ++i) {
        for (std::int64_t b = 0; b < a.batch; ++b) {
            const int sd = a.dsign[b * R + i];
            const std::uint32_t dword = a.dbits[b * R + i];
            if (a.bl[b] == 0 || sd == 0 || dword == 0u) continue;
            const std::uint64_t sample_row = static_cast<std::uint64_t>(b * R + i) * static_cast<std::uint64_t>(nblk);
            for (std::int64_t j = 0; j < C; ++j) {
                const int n = popcount32(a.xbits[b * C + j] & dword);
                const int dir = a.xsign[b * C + j] * sd;
                if (n == 0 || dir == 0) continue;
                total += n;
                const std::int64_t k = i * C + j;
                const std::uint64_t blk = sample_row + static_cast<std::uint64_t>(j / 32);
                const std::uint64_t lane = static_cast<std::uint64_t>(j % 32);
                if (aggregate) {
                    const std::uint64_t ctr = blk * 8u + lane % 8u;
                    const double z = a.std_c2c > 0.0 ? acklam(rs.bits(ctr)[lane / 8u]) : 0.0;
                    const double s = dir > 0 ? dev.scale_up[k] : dev.scale_down[k];
                    const double delta = s * (n + a.std_c2c * std::sqrt(static_cast<double>(n)) * z);
                    a.W[k] = clip(a.W[k] + (dir > 0 ? delta : -delta), dev.w_min[k], dev.w_max[k]);
                    continue;
                }
                double w = a.W[k];
                for (int s = 0; s < n; ++s) {
                    const std::uint64_t ctr = (blk * 32u + static_cast<std::uint64_t>(s)) * 8u + lane % 8u;
                    const double z = a.std_c2c > 0.0 ? acklam(rs.bits(ctr)[lane / 8u]) : 0.0;
                    w = dev.step(k, w, dir, z);
                }
                a.W[k] = w;
            }
        }
    }
    return total;
}

UpdateStats PulsedTile::update(const double* x, const double* d, std::int64_t batch, double lr,
                               const UpdateParams& up) {
    up.validate();
    PNNKIT_CHECK(std::isfinite(lr) && lr > 0.0, "lr must be finite and > 0, got " << lr);
    PNNKIT_CHECK(batch >= 1, "batch must be >= 1, got " << batch);
    const std::int64_t R = rows(), C = cols();
    for (std::int64_t k = 0; k < batch * C; ++k) PNNKIT_CHECK_NUMERIC(std::isfinite(x[k]), "x contains NaN or inf");
    for (std::int64_t k = 0; k < batch * R; ++k) PNNKIT_CHECK_NUMERIC(std::isfinite(d[k]), "d contains NaN or inf");

    const std::uint64_t call = calls_++;
    const DeviceParams& p = dev_.params();
    const double dw = p.granularity();
    const bool stochastic = up.pulse_type == PulseType::Stochastic;
    bl_.assign(static_cast<std::size_t>(batch), 0);
    if (stochastic) {
        xbits_.assign(static_cast<std::size_t>(batch * C), 0u);
        dbits_.assign(static_cast<std::size_t>(batch * R), 0u);
    } else {
        xprob_.assign(static_cast<std::size_t>(batch * C), 0.0);
        dprob_.assign(static_cast<std::size_t>(batch * R), 0.0);
    }
    xsign_.assign(static_cast<std::size_t>(batch * C), 0);
    dsign_.assign(static_cast<std::size_t>(batch * R), 0);
    // The float32 per-pulse kernel walks each sample's columns by decreasing pulse count.
    const bool sort_cols = stochastic && up.precision == UpdatePrecision::Float32 &&
                           !(up.aggregate_constant && p.weight_independent());
    // (rows of Cp entries, the float32 arrays' padded width: chunks read whole 32-lane blocks)
    const std::int64_t Cp = detail::pulse_blocks(C) * 32;
    if (sort_cols) {
        cols_.assign(static_cast<std::size_t>(batch * Cp), 0);
        ncols_.assign(static_cast<std::size_t>(batch), 0);
        cols_xw_.assign(static_cast<std::size_t>(batch * Cp), 0u);
        cols_xdir_.assign(static_cast<std::size_t>(batch * Cp), 0.0f);
    }
    const CounterRng rx(dev_.seed(), stream_of(kStreamUpdateX, call));
    const CounterRng rd(dev_.seed(), stream_of(kStreamUpdateD, call));
    // Small updates run on one thread: a parallel region costs more than it saves there
    // (results do not depend on the thread count either way).
    const int nthreads = batch * R * C < (std::int64_t{1} << 16) ? 1 : get_num_threads();

    // Phase 1: per-sample scales and pulse trains (parallel over samples).
#pragma omp parallel for schedule(static) num_threads(nthreads)
    for (std::int64_t b = 0; b < batch; ++b) {
        const double* xb = x + b * C;
        const double* db = d + b * R;
        double xmax = 0.0, dmax = 0.0;
        for (std::int64_t j = 0; j < C; ++j) xmax = std::max(xmax, std::fabs(xb[j]));
        for (std::int64_t i = 0; i < R; ++i) dmax = std::max(dmax, std::fabs(db[i]));
        if (xmax == 0.0 || dmax == 0.0) continue;  // no update from this sample
        int bl = up.desired_bl;
        if (up.update_bl_management) {
            const double need = std::ceil(lr * xmax * dmax / dw);
            bl = static_cast<int>(std::min(std::max(need, 1.0), static_cast<double>(up.desired_bl)));
        }
        bl_[b] = bl;
        const double ab = lr / (dw * bl);  // A * B
        double A = std::sqrt(ab), B = std::sqrt(ab);
        if (up.update_management) {
            A = std::sqrt(ab * dmax / xmax);
            B = std::sqrt(ab * xmax / dmax);
        }
        // Signs and firing probabilities (or pulse words) of the n entries of one side; entry k of
        // sample b uses the Philox counters (b*n + k)*8 .. +7 of that side's stream.
        auto encode = [&](const double* v, std::int64_t n, double scale, const CounterRng& rng, std::int8_t* sign,
                          std::uint32_t* bits, double* prob) {
            for (std::int64_t k = 0; k < n; ++k) {
                const std::int64_t e = b * n + k;
                sign[e] = static_cast<std::int8_t>(v[k] > 0.0 ? 1 : (v[k] < 0.0 ? -1 : 0));
                const double pr = std::min(std::fabs(v[k]) * scale, 1.0);
                if (stochastic) {
                    bits[e] = pulse_word(rng, static_cast<std::uint64_t>(e) * 8u, pr, bl);
                } else {
                    prob[e] = pr;
                }
            }
        };
        encode(xb, C, A, rx, xsign_.data(), xbits_.data(), xprob_.data());
        encode(db, R, B, rd, dsign_.data(), dbits_.data(), dprob_.data());
        if (sort_cols) {
            // counting sort of the columns with pulses by decreasing pulse count (stable)
            int start[34] = {};
            for (std::int64_t j = 0; j < C; ++j) {
                const std::int64_t e = b * C + j;
                if (xsign_[e] != 0) ++start[32 - popcount32(xbits_[e]) + 1];
            }
            for (int q = 1; q < 34; ++q) start[q] += start[q - 1];
            std::int32_t* cols = cols_.data() + b * Cp;
            std::uint32_t* cw = cols_xw_.data() + b * Cp;
            float* cdir = cols_xdir_.data() + b * Cp;
            for (std::int64_t j = 0; j < C; ++j) {
                const std::int64_t e = b * C + j;
                const int pc = popcount32(xbits_[e]);
                if (xsign_[e] != 0 && pc > 0) {
                    const int q = start[32 - pc]++;
                    cols[q] = static_cast<std::int32_t>(j);
                    cw[q] = xbits_[e];
                    cdir[q] = static_cast<float>(xsign_[e]);
                }
            }
            ncols_[b] = start[31];  // the columns with count 1..32 precede the count-0 bucket
        }
    }

    // Phase 2: apply the coincidences (parallel over rows; each row owns its weights).
    const CounterRng rs(dev_.seed(), stream_of(kStreamStep, call));
    const bool aggregate = up.aggregate_constant && p.weight_independent();
    const double std_c2c = p.dw_min_std;
    std::int64_t total = 0;
    double* W = w_.data();
    const DeviceArray& dev = dev_;
    if (stochastic) {
        detail::PulseRowArgs a;
        a.R = R;
        a.C = C;
        a.batch = batch;
        a.W = W;
        a.scale_up = dev.scale_up.data();
        a.scale_down = dev.scale_down.data();
        a.w_min = dev.w_min.data();
        a.w_max = dev.w_max.data();
        a.slope_up = dev.slope_up.data();
        a.slope_down = dev.slope_down.data();
        a.xbits = xbits_.data();
        a.dbits = dbits_.data();
        a.xsign = xsign_.data();
        a.dsign = dsign_.data();
        a.bl = bl_.data();
        a.seed = rs.seed();
        a.stream = rs.stream();
        a.std_c2c = std_c2c;
        a.model = static_cast<int>(p.model);
        a.mult_noise = p.mult_noise;
        a.A_up = p.A_up;
        a.A_down = p.A_down;
        a.g_up = p.es_gamma_up;
        a.g_down = p.es_gamma_down;
        a.es_a = p.es_a;
        a.es_b = p.es_b;
        a.pw_up = p.piecewise_up.data();
        a.pw_down = p.piecewise_down.data();
        a.n_pw_up = static_cast<int>(p.piecewise_up.size());
        a.n_pw_down = static_cast<int>(p.piecewise_down.size());
        const bool f32 = up.precision == UpdatePrecision::Float32;
        if (f32) {
            ensure_f32_arrays();
            a.Cp = cols_padded_;
            a.f_scale_up = f_scale_up_.data();
            a.f_scale_down = f_scale_down_.data();
            a.f_w_min = f_w_min_.data();
            a.f_w_max = f_w_max_.data();
            a.f_slope_up = f_slope_up_.data();
            a.f_slope_down = f_slope_down_.data();
            a.f_inv_range = f_inv_range_.data();
            a.f_cols = cols_.data();
            a.f_ncols = ncols_.data();
            a.f_xw = cols_xw_.data();
            a.f_xdir = cols_xdir_.data();
        }
        if (up.kernel == UpdateKernel::Reference) {
            total = reference_rows(a, aggregate, nthreads);
        } else {
            const detail::PulseKernels& ks = kernels_for(up.kernel);
            const detail::PulseRowFn fn = f32 ? (aggregate ? ks.constant_row_f32 : ks.per_pulse_row_f32)
                                              : (aggregate ? ks.constant_row : ks.per_pulse_row);
            // Rows in small dynamic chunks: a row's work grows with its |d| pulse counts, which a
            // trained layer's errors make uneven; each row draws from its own counters, so the
            // weights do not depend on which thread ran it.
#pragma omp parallel for schedule(dynamic, 4) num_threads(nthreads) reduction(+ : total)
            for (std::int64_t i = 0; i < R; ++i) total += fn(a, i);
        }
    } else {
        // Deterministic and mean-count ablations: counts from the probabilities, scalar steps.
#pragma omp parallel for schedule(static) num_threads(nthreads) reduction(+ : total)
        for (std::int64_t i = 0; i < R; ++i) {
            double xi[33];
            double* wrow = W + i * C;
            for (std::int64_t b = 0; b < batch; ++b) {
                const int bl = bl_[b];
                const int sd = dsign_[b * R + i];
                const double dpr = dprob_[b * R + i];
                if (bl == 0 || sd == 0 || dpr == 0.0) continue;
                const std::uint64_t base = static_cast<std::uint64_t>(b * R + i) * static_cast<std::uint64_t>(C);
                for (std::int64_t j = 0; j < C; ++j) {
                    const int sx = xsign_[b * C + j];
                    double n_real = bl * xprob_[b * C + j] * dpr;
                    const bool det = up.pulse_type == PulseType::Deterministic;
                    const int n = det ? static_cast<int>(std::lround(n_real)) : static_cast<int>(std::floor(n_real));
                    if (det) n_real = n;
                    if (n_real <= 0.0 || sx == 0) continue;
                    total += n;
                    const int dir = sx * sd;
                    const std::int64_t k = i * C + j;
                    const std::uint64_t idx = (base + static_cast<std::uint64_t>(j)) * 8u;
                    if (aggregate) {
                        const double z = std_c2c > 0.0 ? acklam(rs.bits(idx)[0]) : 0.0;
                        const double s = dir > 0 ? dev.scale_up[k] : dev.scale_down[k];
                        const double delta = s * (n_real + std_c2c * std::sqrt(n_real) * z);
                        wrow[j] = clip(wrow[j] + (dir > 0 ? delta : -delta), dev.w_min[k], dev.w_max[k]);
                    } else {
                        const double frac = n_real - n;  // > 0 only for the mean-count variant
                        const int n_draw = n + (frac > 0.0 ? 1 : 0);
                        for (int q = 0; q * 4 < n_draw; ++q) {
                            const auto r = rs.bits(idx + static_cast<std::uint64_t>(q));
                            for (int l = 0; l < 4 && 4 * q + l < n_draw; ++l) xi[4 * q + l] = acklam(r[l]);
                        }
                        double w = dev.steps(k, wrow[j], dir, n, xi);
                        if (frac > 0.0) w += frac * (dev.step(k, w, dir, xi[n]) - w);
                        wrow[j] = w;
                    }
                }
            }
        }
    }
    UpdateStats st;
    double blsum = 0.0;
    for (int v : bl_) blsum += v;
    st.mean_bl = blsum / static_cast<double>(batch);
    st.coincidences = total;
    return st;
}

void PulsedTile::apply_pulses(const std::int32_t* counts) {
    const std::int64_t R = rows(), C = cols();
    for (std::int64_t k = 0; k < R * C; ++k)
        PNNKIT_CHECK(counts[k] >= -(1 << 20) && counts[k] <= (1 << 20),
                     "pulse counts must be within +-2^20, got " << counts[k] << " at element " << k);
    const std::uint64_t call = calls_++;
    const CounterRng rs(dev_.seed(), stream_of(kStreamStep, call));
    const bool aggregate = dev_.params().weight_independent();
    const double std_c2c = dev_.params().dw_min_std;
    double* W = w_.data();
    const DeviceArray& dev = dev_;
#pragma omp parallel for schedule(static) num_threads(get_num_threads())
    for (std::int64_t i = 0; i < R; ++i) {
        for (std::int64_t j = 0; j < C; ++j) {
            const std::int64_t k = i * C + j;
            const std::int32_t c = counts[k];
            if (c == 0) continue;
            const int dir = c > 0 ? 1 : -1;
            const std::int64_t n = c > 0 ? c : -static_cast<std::int64_t>(c);
            const std::uint64_t idx = static_cast<std::uint64_t>(k) << 21;
            if (aggregate) {
                const double z = std_c2c > 0.0 ? acklam(rs.bits(idx)[0]) : 0.0;
                const double s = dir > 0 ? dev.scale_up[k] : dev.scale_down[k];
                const double delta = s * (static_cast<double>(n) + std_c2c * std::sqrt(static_cast<double>(n)) * z);
                W[k] = clip(W[k] + (dir > 0 ? delta : -delta), dev.w_min[k], dev.w_max[k]);
            } else {
                double w = W[k];
                for (std::int64_t q = 0; q * 4 < n; ++q) {
                    const auto r = rs.bits(idx + static_cast<std::uint64_t>(q));
                    for (int l = 0; l < 4 && 4 * q + l < n; ++l) w = dev.step(k, w, dir, acklam(r[l]));
                }
                W[k] = w;
            }
        }
    }
}

void PulsedTile::decay(int n_steps) {
    PNNKIT_CHECK(n_steps >= 0, "n_steps must be >= 0, got " << n_steps);
    if (dev_.params().lifetime <= 0.0 || n_steps == 0) return;
    const std::int64_t n = rows() * cols();
    double* W = w_.data();
    const DeviceArray& dev = dev_;
#pragma omp parallel for schedule(static) num_threads(get_num_threads())
    for (std::int64_t k = 0; k < n; ++k) {
        const double f = std::pow(dev.decay[k], n_steps);
        W[k] = clip(dev.reset[k] + (W[k] - dev.reset[k]) * f, dev.w_min[k], dev.w_max[k]);
    }
}

void PulsedTile::diffuse() {
    if (dev_.params().diffusion <= 0.0) return;
    const std::uint64_t call = calls_++;
    const CounterRng rng(dev_.seed(), stream_of(kStreamDiffusion, call));
    const std::int64_t n = rows() * cols();
    double* W = w_.data();
    const DeviceArray& dev = dev_;
#pragma omp parallel for schedule(static) num_threads(get_num_threads())
    for (std::int64_t k = 0; k < n; ++k) {
        const double z = acklam(rng.bits(static_cast<std::uint64_t>(k))[0]);
        W[k] = clip(W[k] + dev.diffusion[k] * z, dev.w_min[k], dev.w_max[k]);
    }
}

void PulsedTile::reset_columns(const std::int64_t* cols_idx, std::int64_t n) {
    const std::int64_t R = rows(), C = cols();
    for (std::int64_t q = 0; q < n; ++q)
        PNNKIT_CHECK(cols_idx[q] >= 0 && cols_idx[q] < C,
                     "reset column index " << cols_idx[q] << " out of range [0, " << C << ")");
    const std::uint64_t call = calls_++;
    const CounterRng rng(dev_.seed(), stream_of(kStreamReset, call));
    const double sd = dev_.params().reset_std;
    for (std::int64_t q = 0; q < n; ++q) {
        const std::int64_t j = cols_idx[q];
        for (std::int64_t i = 0; i < R; ++i) {
            const std::int64_t k = i * C + j;
            const double z = sd > 0.0 ? acklam(rng.bits(static_cast<std::uint64_t>(k))[0]) : 0.0;
            w_[k] = clip(dev_.reset[k] + sd * z, dev_.w_min[k], dev_.w_max[k]);
        }
    }
}

}  // namespace crossbar
}  // namespace pnnkit
