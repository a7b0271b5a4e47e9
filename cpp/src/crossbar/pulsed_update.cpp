#include "pnnkit/crossbar/pulsed_update.hpp"

#include <algorithm>
#include <cmath>

#include "pnnkit/common/error.hpp"
#include "pnnkit/common/rng.hpp"
#include "pnnkit/common/threads.hpp"

namespace pnnkit {
namespace crossbar {

namespace {

inline double acklam(std::uint32_t w) {
    static constexpr double a1 = -3.969683028665376e+01, a2 = 2.209460984245205e+02, a3 = -2.759285104469687e+02,
                            a4 = 1.383577518672690e+02, a5 = -3.066479806614716e+01, a6 = 2.506628277459239e+00;
    static constexpr double b1 = -5.447609879822406e+01, b2 = 1.615858368580409e+02, b3 = -1.556989798598866e+02,
                            b4 = 6.680131188771972e+01, b5 = -1.328068155288572e+01;
    static constexpr double c1 = -7.784894002430293e-03, c2 = -3.223964580411365e-01, c3 = -2.400758277161838e+00,
                            c4 = -2.549732539343734e+00, c5 = 4.374664141464968e+00, c6 = 2.938163982698783e+00;
    static constexpr double d1 = 7.784695709041462e-03, d2 = 3.224671290700398e-01, d3 = 2.445134137142996e+00,
                            d4 = 3.754408661907416e+00;
    const double p = CounterRng::to_open01(w);
    constexpr double plow = 0.02425;
    if (p < plow || p > 1.0 - plow) {
        const double q = std::sqrt(-2.0 * std::log(p < plow ? p : 1.0 - p));
        const double x = (((((c1 * q + c2) * q + c3) * q + c4) * q + c5) * q + c6) /
                         ((((d1 * q + d2) * q + d3) * q + d4) * q + 1.0);
        return p < plow ? x : -x;
    }
    const double q = p - 0.5, r = q * q;
    return (((((a1 * r + a2) * r + a3) * r + a4) * r + a5) * r + a6) * q /
           (((((b1 * r + b2) * r + b3) * r + b4) * r + b5) * r + 1.0);
}

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

// Portable popcount written so that compilers can vectorize it (no POPCNT needed).
inline std::uint32_t popcount32(std::uint32_t v) {
    v = v - ((v >> 1) & 0x55555555u);
    v = (v & 0x33333333u) + ((v >> 2) & 0x33333333u);
    v = (v + (v >> 4)) & 0x0F0F0F0Fu;
    return (v + (v >> 8) + (v >> 16) + (v >> 24)) & 0x3Fu;
}

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define PNNKIT_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define PNNKIT_CLONES
#endif


// Philox4x32-10 for 8 consecutive counters at once, in structure-of-arrays form so that the
// compiler vectorizes the 32x32->64-bit multiplies; identical to CounterRng::bits(index + l).
PNNKIT_CLONES
void philox8(std::uint64_t seed, std::uint64_t stream, std::uint64_t index, std::uint32_t* out /*32*/) {
    std::uint32_t c0[8], c1[8], c2[8], c3[8];
    for (int l = 0; l < 8; ++l) {
        const std::uint64_t ix = index + static_cast<std::uint64_t>(l);
        c0[l] = static_cast<std::uint32_t>(ix);
        c1[l] = static_cast<std::uint32_t>(ix >> 32);
        c2[l] = static_cast<std::uint32_t>(stream);
        c3[l] = static_cast<std::uint32_t>(stream >> 32);
    }
    std::uint32_t k0 = static_cast<std::uint32_t>(seed), k1 = static_cast<std::uint32_t>(seed >> 32);
    for (int r = 0; r < 10; ++r) {
        for (int l = 0; l < 8; ++l) {
            const std::uint64_t p0 = static_cast<std::uint64_t>(Philox4x32::M0) * c0[l];
            const std::uint64_t p1 = static_cast<std::uint64_t>(Philox4x32::M1) * c2[l];
            const std::uint32_t n0 = static_cast<std::uint32_t>(p1 >> 32) ^ c1[l] ^ k0;
            const std::uint32_t n2 = static_cast<std::uint32_t>(p0 >> 32) ^ c3[l] ^ k1;
            c1[l] = static_cast<std::uint32_t>(p1);
            c3[l] = static_cast<std::uint32_t>(p0);
            c0[l] = n0;
            c2[l] = n2;
        }
        k0 += Philox4x32::W0;
        k1 += Philox4x32::W1;
    }
    for (int l = 0; l < 8; ++l) {
        out[4 * l + 0] = c0[l];
        out[4 * l + 1] = c1[l];
        out[4 * l + 2] = c2[l];
        out[4 * l + 3] = c3[l];
    }
}

// 32 standard normals from 32 words: the central rational of acklam() for every lane
// (vectorizable), then the rare tail lanes (4.85%) recomputed exactly.
PNNKIT_CLONES
void normals32(const std::uint32_t* words, double* z) {
    static constexpr double a1 = -3.969683028665376e+01, a2 = 2.209460984245205e+02, a3 = -2.759285104469687e+02,
                            a4 = 1.383577518672690e+02, a5 = -3.066479806614716e+01, a6 = 2.506628277459239e+00;
    static constexpr double b1 = -5.447609879822406e+01, b2 = 1.615858368580409e+02, b3 = -1.556989798598866e+02,
                            b4 = 6.680131188771972e+01, b5 = -1.328068155288572e+01;
    int tails = 0;
    for (int l = 0; l < 32; ++l) {
        const double p = (static_cast<double>(words[l]) + 0.5) * (1.0 / 4294967296.0);
        const double q = p - 0.5, r = q * q;
        z[l] = (((((a1 * r + a2) * r + a3) * r + a4) * r + a5) * r + a6) * q /
               (((((b1 * r + b2) * r + b3) * r + b4) * r + b5) * r + 1.0);
        tails |= static_cast<int>(p < 0.02425) | static_cast<int>(p > 1.0 - 0.02425);
    }
    if (tails) {
        for (int l = 0; l < 32; ++l) {
            const double p = (static_cast<double>(words[l]) + 0.5) * (1.0 / 4294967296.0);
            if (p < 0.02425 || p > 1.0 - 0.02425) z[l] = acklam(words[l]);
        }
    }
}

// sqrt(n) for n = 0..32 from a table: std::sqrt may set errno, which blocks vectorization.
constexpr double kSqrtTab[33] = {
    0.0, 1.0, 1.4142135623730951, 1.7320508075688772, 2.0, 2.23606797749979, 2.449489742783178,
    2.6457513110645907, 2.8284271247461903, 3.0, 3.1622776601683795, 3.3166247903554, 3.4641016151377544,
    3.605551275463989, 3.7416573867739413, 3.872983346207417, 4.0, 4.123105625617661, 4.242640687119285,
    4.358898943540674, 4.47213595499958, 4.58257569495584, 4.69041575982343, 4.795831523312719,
    4.898979485566356, 5.0, 5.0990195135927845, 5.196152422706632, 5.291502622129181, 5.385164807134504,
    5.477225575051661, 5.5677643628300215, 5.656854249492381};

// One (sample, row) of the ConstantStep update with aggregated steps: counts, then the
// normals only for blocks of 4 columns that have a coincidence, then a branch-free update.
PNNKIT_CLONES
void constant_row(double* wrow, const double* su, const double* sdn, const double* wmin, const double* wmax,
                  const std::uint32_t* xbits, const std::int8_t* xsign, std::uint32_t dword, int sd, std::int64_t C,
                  double std_c2c, const CounterRng& rs, std::uint64_t blk0, std::int32_t* cnt, double* z,
                  double* scratch, std::int64_t& total) {
    std::int64_t tot = 0;
    for (std::int64_t j = 0; j < C; ++j) {
        const std::int32_t n = static_cast<std::int32_t>(popcount32(xbits[j] & dword));
        cnt[j] = n;
        tot += n;
    }
    total += tot;
    if (tot == 0) return;
    if (std_c2c > 0.0) {
        std::uint32_t words[32];
        double zz[32];
        for (std::int64_t j0 = 0; j0 < C; j0 += 32) {
            const std::int64_t len = C - j0 < 32 ? C - j0 : 32;
            std::int32_t any = 0;
            for (std::int64_t l = 0; l < len; ++l) any |= cnt[j0 + l];
            if (!any) {
                for (std::int64_t l = 0; l < len; ++l) z[j0 + l] = 0.0;
                continue;
            }
            philox8(rs.seed(), rs.stream(), blk0 + static_cast<std::uint64_t>(j0 / 4), words);
            normals32(words, zz);
            for (std::int64_t l = 0; l < len; ++l) z[j0 + l] = zz[l];
        }
    } else {
        for (std::int64_t j = 0; j < C; ++j) z[j] = 0.0;
    }
    // Separate loops per element type so that each one vectorizes.
    double* nd = scratch;
    double* sq = scratch + C;
    double* dird = scratch + 2 * C;
    for (std::int64_t j = 0; j < C; ++j) {
        nd[j] = static_cast<double>(cnt[j]);
        sq[j] = kSqrtTab[cnt[j]];
    }
    const double sdd = static_cast<double>(sd);
    for (std::int64_t j = 0; j < C; ++j) dird[j] = static_cast<double>(xsign[j]) * sdd;
    for (std::int64_t j = 0; j < C; ++j) {
        const double dir = dird[j];
        const double su_j = su[j], sd_j = sdn[j], lo = wmin[j], hi = wmax[j];
        const double s = dir > 0.0 ? su_j : sd_j;
        const double delta = s * (nd[j] + std_c2c * sq[j] * z[j]);
        const double w = wrow[j] + dir * delta;
        wrow[j] = std::max(std::min(w, hi), lo);
    }
}

}  // namespace

double normal_from_bits(std::uint32_t w) { return acklam(w); }

void UpdateParams::validate() const {
    PNNKIT_CHECK(desired_bl >= 1 && desired_bl <= 32,
                 "desired_bl must be in [1, 32] (one 32-bit pulse word), got " << desired_bl);
    const int t = static_cast<int>(pulse_type);
    PNNKIT_CHECK(t >= 0 && t <= 2, "pulse_type must be 0 (stochastic), 1 (deterministic) or 2 (mean count), got " << t);
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
        for (std::int64_t j = 0; j < C; ++j) {
            const double v = xb[j];
            xsign_[b * C + j] = static_cast<std::int8_t>(v > 0.0 ? 1 : (v < 0.0 ? -1 : 0));
            const double pr = std::min(std::fabs(v) * A, 1.0);
            if (stochastic) {
                xbits_[b * C + j] = pulse_word(rx, static_cast<std::uint64_t>(b * C + j) * 8u, pr, bl);
            } else {
                xprob_[b * C + j] = pr;
            }
        }
        for (std::int64_t i = 0; i < R; ++i) {
            const double v = db[i];
            dsign_[b * R + i] = static_cast<std::int8_t>(v > 0.0 ? 1 : (v < 0.0 ? -1 : 0));
            const double pr = std::min(std::fabs(v) * B, 1.0);
            if (stochastic) {
                dbits_[b * R + i] = pulse_word(rd, static_cast<std::uint64_t>(b * R + i) * 8u, pr, bl);
            } else {
                dprob_[b * R + i] = pr;
            }
        }
    }

    // Phase 2: apply the coincidences (parallel over rows; each row owns its weights).
    const CounterRng rs(dev_.seed(), stream_of(kStreamStep, call));
    const bool aggregate = up.aggregate_constant && p.weight_independent();
    const double std_c2c = p.dw_min_std;
    std::int64_t total = 0;
    double* W = w_.data();
    const DeviceArray& dev = dev_;
    const std::uint64_t C4 = static_cast<std::uint64_t>((C + 31) / 32) * 8u;  // counters per (sample, row)
#pragma omp parallel num_threads(nthreads) reduction(+ : total)
    {
        // Per-thread scratch, allocated once per call (not per pulse).
        std::vector<std::int32_t> cnt(static_cast<std::size_t>(C));
        std::vector<double> zbuf(static_cast<std::size_t>(C));
        std::vector<double> scratch(static_cast<std::size_t>(3 * C));
#pragma omp for schedule(static)
        for (std::int64_t i = 0; i < R; ++i) {
            double xi[33];
            double* wrow = W + i * C;
            for (std::int64_t b = 0; b < batch; ++b) {
                const int bl = bl_[b];
                if (bl == 0) continue;
                const int sd = dsign_[b * R + i];
                if (sd == 0) continue;
                const std::uint32_t dword = stochastic ? dbits_[b * R + i] : 0u;
                const double dpr = stochastic ? 0.0 : dprob_[b * R + i];
                if (stochastic ? dword == 0u : dpr == 0.0) continue;
                if (stochastic && aggregate) {
                    const std::int64_t k0 = i * C;
                    constant_row(wrow, dev.scale_up.data() + k0, dev.scale_down.data() + k0, dev.w_min.data() + k0,
                                 dev.w_max.data() + k0, xbits_.data() + b * C, xsign_.data() + b * C, dword, sd, C,
                                 std_c2c, rs, static_cast<std::uint64_t>(b * R + i) * C4, cnt.data(), zbuf.data(), scratch.data(),
                                 total);
                    continue;
                }
                const std::uint64_t base = static_cast<std::uint64_t>(b * R + i) * C4 * 4u;
                for (std::int64_t j = 0; j < C; ++j) {
                    const int sx = xsign_[b * C + j];
                    double n_real;
                    int n;
                    if (stochastic) {
                        n = static_cast<int>(popcount32(xbits_[b * C + j] & dword));
                        n_real = n;
                    } else {
                        n_real = bl * xprob_[b * C + j] * dpr;
                        n = up.pulse_type == PulseType::Deterministic ? static_cast<int>(std::lround(n_real))
                                                                      : static_cast<int>(std::floor(n_real));
                        if (up.pulse_type == PulseType::Deterministic) n_real = n;
                    }
                    if (n_real <= 0.0 || sx == 0) continue;
                    total += n;
                    const int dir = sx * sd;
                    const std::int64_t k = i * C + j;
                    const std::uint64_t idx = base + static_cast<std::uint64_t>(j);
                    if (aggregate) {
                        const double z = std_c2c > 0.0 ? acklam(rs.bits(idx * 8u)[0]) : 0.0;
                        const double s = dir > 0 ? dev.scale_up[k] : dev.scale_down[k];
                        const double delta = s * (n_real + std_c2c * std::sqrt(n_real) * z);
                        wrow[j] = clip(wrow[j] + (dir > 0 ? delta : -delta), dev.w_min[k], dev.w_max[k]);
                    } else {
                        const double frac = n_real - n;  // > 0 only for the mean-count variant
                        const int n_draw = n + (frac > 0.0 ? 1 : 0);
                        if (n_draw > 8) {
                            // the 8 counters idx*8 .. idx*8+7 at once (vectorized); same values as rs.bits
                            std::uint32_t words[32];
                            philox8(rs.seed(), rs.stream(), idx * 8u, words);
                            normals32(words, xi);
                        } else {
                            for (int q = 0; q * 4 < n_draw; ++q) {
                                const auto r = rs.bits(idx * 8u + static_cast<std::uint64_t>(q));
                                for (int l = 0; l < 4 && 4 * q + l < n_draw; ++l) xi[4 * q + l] = acklam(r[l]);
                            }
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
