// Float32 row kernels of the pulsed update (UpdatePrecision::Float32), compiled once per
// instruction set like pulsed_kernel_impl.hpp (include it first: this file reuses its philox16,
// kLanes and PulseRowArgs inside the same PNNKIT_PULSE_NS namespace).
//
// Why a second set: aihwkit computes its pulsed update in float32, and most of the float64
// kernels' time goes to drawing one normal per pulse (Philox + an inverse CDF with a division).
// Here every pulse is still applied one at a time with its own device step and its own normal;
// what changes is the arithmetic and where the random words come from:
//  * float32 lanes (16 per AVX-512 register, 8 per AVX2 one); a row's weights are held in
//    float32 while its samples are applied, and only the crosspoints whose float32 value changed
//    are written back (the others keep their float64 value);
//  * per-pulse models: per sample, the columns with pulses are taken in order of decreasing
//    x pulse count (so that the lanes of a SIMD group have similar coincidence counts); position
//    p of that order in row i gets its own xoshiro128++ stream, whose four state words are an
//    integer hash of p and the four Philox words of counter b*R + i (lane_streams). The result
//    is still a pure function of (seed, call, sample, row, column, pulse index): it depends
//    neither on threads nor on the SIMD width;
//  * half a word per pulse: each 16-bit half is turned into a normal by its quantile, a table of
//    per-half-binade polynomials of the inverse normal CDF (pulsed_normal_poly.hpp), no
//    rejection, no log or sqrt. The cycle-to-cycle normal is thus one of 2^16 equiprobable values
//    (|z| <= 4.33), where aihwkit's CPU simulator draws from a list of 2^15 pre-drawn normals;
//  * aggregated ConstantStep: lane j's normal from word j mod 16 (j < 16) or word 1 (j >= 16) of
//    Philox counter blk*16 + j mod 16.
// Values agree with the float64 kernels to float rounding when there is no cycle-to-cycle
// noise; with noise they agree in distribution (the tests check both).
#ifndef PNNKIT_PULSE_NS
#error "define PNNKIT_PULSE_NS and include pulsed_kernel_impl.hpp before pulsed_kernel_f32_impl.hpp"
#endif

#include <vector>

#include "pulsed_normal_poly.hpp"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpsabi"

namespace pnnkit {
namespace crossbar {
namespace PNNKIT_PULSE_NS {

#if defined(PNNKIT_PULSE_AVX512)
constexpr int kF = 16;
#else
constexpr int kF = 8;
#endif
constexpr int kFG = kLanes / kF;  // float groups in a 32-lane block
typedef float vf __attribute__((vector_size(4 * kF)));
typedef std::int32_t vfm __attribute__((vector_size(4 * kF)));
typedef std::uint32_t vfu __attribute__((vector_size(4 * kF)));

// (load_as, store_as, splat_as, select_as: pulsed_kernel_impl.hpp)
inline vf loadf(const float* p) { return load_as<vf>(p); }
inline void storef(float* p, vf v) { store_as(p, v); }
inline vfu loadu(const std::uint32_t* p) { return load_as<vfu>(p); }
inline vf splatf(float x) { return splat_as<vf>(x); }
inline vf fsel(vfm m, vf a, vf b) { return select_as(m, a, b); }
// max / min per lane (one instruction on the SIMD targets; operands are never NaN here).
inline vf fmaxv(vf a, vf b) {
#if defined(PNNKIT_PULSE_AVX512)
    return reinterpret_cast<vf>(_mm512_max_ps(reinterpret_cast<__m512>(a), reinterpret_cast<__m512>(b)));
#elif defined(PNNKIT_PULSE_AVX2)
    return reinterpret_cast<vf>(_mm256_max_ps(reinterpret_cast<__m256>(a), reinterpret_cast<__m256>(b)));
#else
    return fsel(a > b, a, b);
#endif
}
inline vf fminv(vf a, vf b) {
#if defined(PNNKIT_PULSE_AVX512)
    return reinterpret_cast<vf>(_mm512_min_ps(reinterpret_cast<__m512>(a), reinterpret_cast<__m512>(b)));
#elif defined(PNNKIT_PULSE_AVX2)
    return reinterpret_cast<vf>(_mm256_min_ps(reinterpret_cast<__m256>(a), reinterpret_cast<__m256>(b)));
#else
    return fsel(a < b, a, b);
#endif
}
inline vf fclip(vf v, vf lo, vf hi) { return fmaxv(fminv(v, hi), lo); }

// sqrt(x) for x >= 0 and 1 / d for d > 0 to float32 accuracy without the divider: the hardware
// estimate (14 bits on AVX-512, 12 on AVX2) and one Newton step (about 23 bits), so the SIMD
// copies agree with the generic one (exact sqrt and division) to a few float32 ulp. The divider
// delivers one 16-lane result per ~10 cycles.
inline vf fsqrt(vf x) {
#if defined(PNNKIT_PULSE_AVX512) || defined(PNNKIT_PULSE_AVX2)
    const vfm pos = x > 1e-30f;
    const vf xs = fsel(pos, x, splatf(1.0f));  // rsqrt(0) = inf
#if defined(PNNKIT_PULSE_AVX512)
    vf y = reinterpret_cast<vf>(_mm512_rsqrt14_ps(reinterpret_cast<__m512>(xs)));
#else
    vf y = reinterpret_cast<vf>(_mm256_rsqrt_ps(reinterpret_cast<__m256>(xs)));
#endif
    y = y * (1.5f - (0.5f * xs) * y * y);
    return fsel(pos, xs * y, splatf(0.0f));
#else
    for (int t = 0; t < kF; ++t) x[t] = std::sqrt(x[t]);
    return x;
#endif
}
inline vf frcp(vf d) {
#if defined(PNNKIT_PULSE_AVX512)
    const vf y = reinterpret_cast<vf>(_mm512_rcp14_ps(reinterpret_cast<__m512>(d)));
    return y * (2.0f - d * y);
#elif defined(PNNKIT_PULSE_AVX2)
    const vf y = reinterpret_cast<vf>(_mm256_rcp_ps(reinterpret_cast<__m256>(d)));
    return y * (2.0f - d * y);
#else
    return 1.0f / d;
#endif
}

// exp(x) in float32, x clamped to [-87, 87]: x = k ln2 + r, |r| <= ln2/2, e^r by Taylor to r^7
// (truncation < 6e-9 relative) evaluated in Estrin's scheme (half the dependent steps of
// Horner's: exp sits on the weight's dependency chain), 2^k in the exponent bits.
inline vf fexp(vf x) {
    x = fclip(x, splatf(-87.0f), splatf(87.0f));
    const vf big = splatf(12582912.0f);  // 1.5 * 2^23: adding it rounds to an integer
    const vf t = x * 1.44269504088896341f + big;
    const vf k = t - big;
    const vf r = (x - k * 0.693145751953125f) - k * 1.428606765330187e-06f;  // ln2 split, hi part exact
    const vf r2 = r * r, r4 = r2 * r2;
    const vf p01 = r + 1.0f, p23 = r * (1.0f / 6.0f) + 0.5f;
    const vf p45 = r * (1.0f / 120.0f) + 1.0f / 24.0f, p67 = r * (1.0f / 5040.0f) + 1.0f / 720.0f;
    const vf p = (p01 + r2 * p23) + r4 * (p45 + r2 * p67);
    const vfu eb = (reinterpret_cast<vfu>(t) - 0x4B400000u + 127u) << 23;  // low bits of t hold k
    return p * reinterpret_cast<vf>(eb);
}

// log(x) for normal positive float32 x (absolute error ~1e-7): x = m 2^e, m in [sqrt(1/2),
// sqrt(2)), log m = 2 atanh(s) with s = (m-1)/(m+1), |s| <= 0.172, by its series to s^9
// (truncation < 1e-9). Used by the PowStep model.
inline vf flog(vf x) {
#if defined(PNNKIT_PULSE_AVX512)
    vf m = reinterpret_cast<vf>(_mm512_getmant_ps(reinterpret_cast<__m512>(x), _MM_MANT_NORM_1_2, _MM_MANT_SIGN_zero));
    vf e = reinterpret_cast<vf>(_mm512_getexp_ps(reinterpret_cast<__m512>(x)));
#else
    const vfu bits = reinterpret_cast<vfu>(x);
    vf m = reinterpret_cast<vf>((bits & 0x007FFFFFu) | 0x3F800000u);
    vf e = __builtin_convertvector(reinterpret_cast<vfm>(bits >> 23) - 127, vf);
#endif
    const vfm big = m > 1.41421356f;
    m = fsel(big, m * 0.5f, m);
    e = fsel(big, e + 1.0f, e);
    const vf s = (m - 1.0f) * frcp(m + 1.0f), s2 = s * s;
    vf p = splatf(1.0f / 9.0f);
    p = p * s2 + 1.0f / 7.0f;
    p = p * s2 + 1.0f / 5.0f;
    p = p * s2 + 1.0f / 3.0f;
    p = p * s2 + 1.0f;
    return e * 0.693147182464599609f + (2.0f * s) * p;
}

// -Phi^-1(t) for one tail probability t in (0, 1/2), from a table of per-binade polynomials
// (poly[j][k]: coefficient of y^(Terms-1-j) for binade k = -2 - floor(log2 t)) in
// y = mantissa(t) - 1.5. Scalar; the vector form is binade_poly below.
template <int Terms, int Binades>
inline float binade_poly_scalar(float t, const float (&poly)[Terms][Binades]) {
    std::uint32_t tb;
    __builtin_memcpy(&tb, &t, 4);
    const std::uint32_t mb = (tb & 0x007FFFFFu) | 0x3F800000u;
    float y;
    __builtin_memcpy(&y, &mb, 4);
    y -= 1.5f;
    const int k = static_cast<int>(125u - (tb >> 23));
    float z = poly[0][k];
    for (int j = 1; j < Terms; ++j) z = z * y + poly[j][k];
    return z;
}

// -Phi^-1(t) of one word's tail probability t (see normal_quantile; no sign), one lane at a time.
inline float quantile_magnitude(std::uint32_t w) {
    float t = static_cast<float>(static_cast<std::int32_t>(w & 0x7FFFFFFFu)) * 2.3283064365386963e-10f +
              1.1641532182693481e-10f;
    t = t < 0.49999997f ? t : 0.49999997f;
    return binade_poly_scalar(t, kNormPoly);
}

// A standard normal per lane from one word, by its quantile (no rejection, no log or sqrt):
// bit 31 is the sign; t = ((w mod 2^31) + 1/2) 2^-32 in float32, capped below 1/2, is the tail
// probability, uniform on (0, 1/2) (t >= 2^-33: the tails reach 6.34 sigma); its binade
// k = -2 - floor(log2 t) in 0..31 picks a degree-6 polynomial in y = mantissa(t) - 1.5 that gives
// z = -Phi^-1(t) to < 8e-7 (pulsed_normal_poly.hpp, generated by gen_normal_poly.py).
// The SIMD copies look the coefficients of binades 0..15 up in registers (one permute per
// coefficient); the lanes in binades 16..31 (t < 2^-17, |z| > 4.2: probability 1.5e-5 per lane)
// are redone one at a time.
// Integer constants of normal_quantile as vectors in memory: loaded by the load ports inside
// the loop, where GCC would otherwise rebuild each one from a general register (mov + broadcast,
// two ALU operations per constant and iteration).
struct QuantileConsts {
    std::uint32_t abs_mask[kF], exp_bias[kF], mant_mask[kF], one_bits[kF], sign_mask[kF];
};
alignas(64) inline constexpr QuantileConsts kQc = [] {
    QuantileConsts c{};
    for (int l = 0; l < kF; ++l) {
        c.abs_mask[l] = 0x7FFFFFFFu;
        c.exp_bias[l] = 125u;
        c.mant_mask[l] = 0x007FFFFFu;
        c.one_bits[l] = 0x3F800000u;
        c.sign_mask[l] = 0x80000000u;
    }
    return c;
}();

// The lanes of z in binades 16..31 (t < 2^-17), recomputed one at a time (rare: out of line).
__attribute__((noinline, cold)) inline vf quantile_deep_lanes(vf z, vfu w) {
    for (int l = 0; l < kF; ++l)
        if ((w[l] & 0x7FFFFFFFu) < (1u << 15)) z[l] = quantile_magnitude(w[l]);
    return z;
}

#if defined(PNNKIT_PULSE_AVX512) || defined(PNNKIT_PULSE_AVX2)
// binade_poly_scalar on every lane of t. On AVX-512 each coefficient row's binades 0..15 are one
// register, looked up by a permute (which uses k mod 16: a table of more binades must redo the
// lanes with k > 15; *k_out returns k for that); on AVX2 the rows are gathered from memory.
template <int Terms, int Binades>
inline vf binade_poly(vf t, const float (&poly)[Terms][Binades], vfm* k_out = nullptr) {
    const vfu tb = reinterpret_cast<vfu>(t);
    const vfm k = reinterpret_cast<vfm>(loadu(kQc.exp_bias) - (tb >> 23));
    const vf y = reinterpret_cast<vf>((tb & loadu(kQc.mant_mask)) | loadu(kQc.one_bits)) - 1.5f;
    if (k_out) *k_out = k;
#if defined(PNNKIT_PULSE_AVX512)
    const __m512i ki = reinterpret_cast<__m512i>(k);
    vf z = reinterpret_cast<vf>(_mm512_permutexvar_ps(ki, _mm512_load_ps(poly[0])));
    for (int j = 1; j < Terms; ++j) z = z * y + reinterpret_cast<vf>(_mm512_permutexvar_ps(ki, _mm512_load_ps(poly[j])));
#else
    const __m256i ki = reinterpret_cast<__m256i>(k);
    vf z = reinterpret_cast<vf>(_mm256_i32gather_ps(poly[0], ki, 4));
    for (int j = 1; j < Terms; ++j) z = z * y + reinterpret_cast<vf>(_mm256_i32gather_ps(poly[j], ki, 4));
#endif
    return z;
}
#endif

inline vf normal_quantile(vfu w) {
#if defined(PNNKIT_PULSE_AVX512) || defined(PNNKIT_PULSE_AVX2)
    vf t = __builtin_convertvector(reinterpret_cast<vfm>(w & loadu(kQc.abs_mask)), vf) * 2.3283064365386963e-10f +
           1.1641532182693481e-10f;
    t = fminv(t, splatf(0.49999997f));
    vfm k;
    vf z = binade_poly(t, kNormPoly, &k);
#if defined(PNNKIT_PULSE_AVX512)
    // binades 16..31: the permute used k mod 16; those lanes are redone (|z| > 4.2, rare)
    if (__builtin_expect(_mm512_cmpgt_epi32_mask(reinterpret_cast<__m512i>(k), _mm512_set1_epi32(15)) != 0, 0))
        z = quantile_deep_lanes(z, w);
#endif
#else
    vf z;
    for (int l = 0; l < kF; ++l) z[l] = quantile_magnitude(w[l]);
#endif
    return reinterpret_cast<vf>(reinterpret_cast<vfu>(z) ^ (w & loadu(kQc.sign_mask)));
}

// A standard normal per lane from the 16-bit value in the high half of each lane of h (the low
// half is ignored): bit 31 is the sign, bits 16..30 the magnitude m, whose tail probability
// t = (m + 1/2) 2^-16 lies in one of 16 binades. v = t 2^32 = (m + 1/2) 2^16 is exact in float32;
// bits 22..26 of v (the low four bits of its exponent and its top mantissa bit) pick one of 32
// half-binades, whose degree-4 polynomial in the raw mantissa y in [1, 1.5) (v's mantissa with
// its top bit masked) gives z = -Phi^-1(t) to < 2.1e-6 (kNormPoly16). On AVX-512 the 32
// coefficients of each term fill two registers: one two-table permute per term, and the whole
// normal is about a dozen instructions. The 2^16 values are equiprobable, so z takes 2^16 values
// with |z| <= 4.33 (-Phi^-1 of 2^-17).
inline vf normal_quantile16(vfu h) {
    const vf v = __builtin_convertvector(reinterpret_cast<vfm>((h & 0x7FFF0000u) | 0x8000u), vf);
    const vfu vb = reinterpret_cast<vfu>(v);
    const vf y = reinterpret_cast<vf>((vb & 0x003FFFFFu) | 0x3F800000u);
    const vfu k = vb >> 22;  // (table position mod 32)
#if defined(PNNKIT_PULSE_AVX512)
    const __m512i ki = reinterpret_cast<__m512i>(k);
    const auto term = [&](int j) {
        return reinterpret_cast<vf>(
            _mm512_permutex2var_ps(_mm512_load_ps(kNormPoly16[j]), ki, _mm512_load_ps(kNormPoly16[j] + 16)));
    };
#elif defined(PNNKIT_PULSE_AVX2)
    const __m256i ki = reinterpret_cast<__m256i>(k & 31u);
    const auto term = [&](int j) { return reinterpret_cast<vf>(_mm256_i32gather_ps(kNormPoly16[j], ki, 4)); };
#else
    const auto term = [&](int j) {
        vf c;
        for (int l = 0; l < kF; ++l) c[l] = kNormPoly16[j][k[l] & 31u];
        return c;
    };
#endif
    vf z = term(0);
    for (int j = 1; j < kNormPoly16Terms; ++j) z = z * y + term(j);
    return reinterpret_cast<vf>(reinterpret_cast<vfu>(z) ^ (h & 0x80000000u));
}

// The quantile normals of a word array, exposed for the generator's statistical tests: bits 32
// (normal_quantile of each word) or 16 (normal_quantile16 of each word's high half).
inline void normals_f32(const std::uint32_t* w, float* z, std::int64_t n, int bits) {
    for (std::int64_t o = 0; o < n; o += kF) {
        std::uint32_t a[kF] = {};
        float c[kF];
        const std::int64_t len = n - o < kF ? n - o : kF;
        for (std::int64_t t = 0; t < len; ++t) a[t] = w[o + t];
        const vfu wv = loadu(a);
        storef(c, bits == 16 ? normal_quantile16(wv) : normal_quantile(wv));
        for (std::int64_t t = 0; t < len; ++t) z[o + t] = c[t];
    }
}

// xoshiro128++ on kF lanes (Blackman & Vigna): 32-bit output, 128-bit state per lane.
struct Xoshiro {
    vfu s0, s1, s2, s3;
};
inline vfu rotl(vfu x, int k) { return (x << k) | (x >> (32 - k)); }
// The state update written as three-way XORs (one vpternlogd each on AVX-512) instead of the
// reference's six sequential ones; the same function.
inline vfu next_words(Xoshiro& x) {
    const vfu r = rotl(x.s0 + x.s3, 7) + x.s0;
    const vfu t = x.s1 << 9;
    const vfu s0 = x.s0 ^ x.s3 ^ x.s1, s1 = x.s1 ^ x.s2 ^ x.s0, s2 = x.s2 ^ x.s0 ^ t;
    x.s3 = rotl(x.s3 ^ x.s1, 11);
    x.s0 = s0;
    x.s1 = s1;
    x.s2 = s2;
    return r;
}

alignas(64) inline constexpr std::uint32_t kLaneIndex[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

// The streams of the kF lanes at positions p0 .. p0 + kF - 1 of one (sample, row): state word j
// of position p is lowbias32(key[j] + p), key = the four Philox words of that (sample, row).
// lowbias32 (C. Wellons' integer hash: two multiplies, three xor-shifts) is a bijection with
// near-ideal avalanche, so the positions' 128-bit states are distinct and look independent,
// and the four words of one state come from four unrelated keys. It replaces a Philox call per
// 16 lanes (seeding took about 15% of the kernel's time); Philox still makes the keys.
inline vfu lowbias32(vfu x) {
    x ^= x >> 16;
    x *= 0x7FEB352Du;
    x ^= x >> 15;
    x *= 0x846CA68Bu;
    return x ^ (x >> 16);
}
inline Xoshiro lane_streams(const std::uint32_t* key, int p0) {
    // (0, 1, ..., kF - 1 from memory: a per-lane fill compiles to a masked broadcast per lane)
    const vfu pos = loadu(kLaneIndex) + static_cast<std::uint32_t>(p0);
    Xoshiro x;
    x.s0 = lowbias32(pos + key[0]);
    x.s1 = lowbias32(pos + key[1]);
    x.s2 = lowbias32(pos + key[2]);
    x.s3 = lowbias32(pos + key[3]);
    // the all-zero state is xoshiro's only fixed point (probability 2^-128 per lane)
    x.s0 |= reinterpret_cast<vfu>((x.s0 | x.s1 | x.s2 | x.s3) == 0u) & 1u;
    return x;
}

// Coincidence counts of kF columns as floats; largest lane and lane sum (pulsed_kernel_impl.hpp).
inline vf countsf(const std::uint32_t* xw, std::uint32_t dword) { return counts_as<vf, vfm, vfu>(xw, dword); }
// (the counts are small integers, exact in float32 in any summation order: a reduction tree on AVX-512)
inline float hmaxf(vf v) {
#if defined(PNNKIT_PULSE_AVX512)
    return _mm512_reduce_max_ps(reinterpret_cast<__m512>(v));
#else
    return hmax_as<kF>(v);
#endif
}
inline float hsumf(vf v) {
#if defined(PNNKIT_PULSE_AVX512)
    return _mm512_reduce_add_ps(reinterpret_cast<__m512>(v));
#else
    return hsum_as<kF>(v);
#endif
}

// One (sample, row) block of 32 lanes in float32: weights, signs and the lanes' device data.
// The float device arrays (PulseRowArgs::f_*) have rows padded to a multiple of 32 columns
// with zeros, so every block reads 32 lanes in bounds; padding lanes have no pulses.
struct BlockF {
    float w[kLanes];
    float dir[kLanes];  // +1 up, -1 down, 0 none
    std::uint32_t xw[kLanes];
};

inline void load_block(BlockF& blk, const PulseRowArgs& a, std::int64_t b, std::int64_t i, std::int64_t j0, int len,
                       int sd) {
    const double* W = a.W + i * a.C + j0;
    const std::uint32_t* xb = a.xbits + b * a.C + j0;
    const std::int8_t* xs = a.xsign + b * a.C + j0;
    for (int l = 0; l < kLanes; ++l) {
        const bool in = l < len;
        blk.w[l] = in ? static_cast<float>(W[in ? l : 0]) : 0.0f;
        blk.xw[l] = in ? xb[in ? l : 0] : 0u;
        blk.dir[l] = in ? static_cast<float>(xs[in ? l : 0] * sd) : 0.0f;
    }
}

// Writes back the lanes that had pulses (the others keep their float64 value).
inline void store_block(const BlockF& blk, const PulseRowArgs& a, std::int64_t i, std::int64_t j0, int len,
                        const vf* n) {
    double* W = a.W + i * a.C + j0;
    float nn[kLanes];
    for (int g = 0; g < kFG; ++g) storef(nn + kF * g, n[g]);
    for (int l = 0; l < len; ++l)
        if (nn[l] > 0.0f && blk.dir[l] != 0.0f) W[l] = static_cast<double>(blk.w[l]);
}

// ---- aggregated ConstantStep ------------------------------------------------------------
inline std::int64_t constant_row_f32(const PulseRowArgs& a, std::int64_t i) {
    return for_each_block(a, i, [&](std::int64_t b, int sd, std::uint32_t dword, std::int64_t j0, int len,
                                    std::uint64_t blkid) -> std::int64_t {
        BlockF blk;
        load_block(blk, a, b, i, j0, len, sd);
        vf n[kFG];
        float tot = 0.0f;
        for (int g = 0; g < kFG; ++g) {
            n[g] = countsf(blk.xw + kF * g, dword);
            tot += hsumf(n[g]);
        }
        if (tot == 0.0f) return 0;
        const float stdc = static_cast<float>(a.std_c2c);
        vf z[kFG];
        if (stdc > 0.0f) {
            std::uint32_t buf[64];
            philox16(a.seed, a.stream, blkid * 16u, buf, 2);
            for (int g = 0; g < kFG; ++g) z[g] = normal_quantile(loadu(buf + kF * g));
        } else {
            for (int g = 0; g < kFG; ++g) z[g] = splatf(0.0f);
        }
        const std::int64_t k0 = i * a.Cp + j0;
        for (int g = 0; g < kFG; ++g) {
            const int o = kF * g;
            const vf dir = loadf(blk.dir + o);
            const vf s = fsel(dir > 0.0f, loadf(a.f_scale_up + k0 + o), loadf(a.f_scale_down + k0 + o));
            const vf delta = s * (n[g] + stdc * fsqrt(n[g]) * z[g]);
            const vf v = loadf(blk.w + o) + dir * delta;
            storef(blk.w + o, fclip(v, loadf(a.f_w_min + k0 + o), loadf(a.f_w_max + k0 + o)));
        }
        store_block(blk, a, i, j0, len, n);
        return static_cast<std::int64_t>(tot);
    });
}

// ---- per-pulse models -------------------------------------------------------------------
// A chunk is kChunkBlocks consecutive 32-column blocks of one (sample, row): blocks are
// independent, so their lanes give the pulse loop kChunkGroups independent dependency chains
// (one device step is a chain of ~20 dependent operations; two chains leave the core idle).
// The random numbers stay per block (blkid), so results do not depend on the chunking.
constexpr int kChunkBlocks = 4;
constexpr int kChunkLanes = kChunkBlocks * kLanes;
constexpr int kChunkGroups = kChunkLanes / kF;

struct ChunkF {
    float w[kChunkLanes];
    // the lanes' x pulse words and x signs (+1, -1, 0), in the sample's column order
    // (PulseRowArgs::f_xw, f_xdir), and the row's d sign: a lane's direction is xdir * sd
    const std::uint32_t* xw;
    const float* xdir;
    float sd;
    // per-lane constants in the lanes' directions (see step_factorf)
    float sdir[kChunkLanes];  // dir * step scale (0: no step)
    float lo[kChunkLanes], hi[kChunkLanes];
    float p1[kChunkLanes], p2[kChunkLanes], p3[kChunkLanes];
    // PiecewiseStep: the node tables in float32, zero-padded to 16 (vector lookups when both have
    // at most 16 nodes)
    alignas(64) float nodes_up[16], nodes_dn[16];
    bool nodes_in_registers;
};

// The float32 device parameters of a chunk's lanes, gathered in the chunk's column order.
struct DevF {
    float su[kChunkLanes], sdn[kChunkLanes], lo[kChunkLanes], hi[kChunkLanes], inv[kChunkLanes];
    float slu[kChunkLanes], sld[kChunkLanes];
};

// cl: the chunk's columns, padded to its lane count with a valid column (padding lanes have
// dir = 0 and no pulses). Unconditional loops, so the compiler can use vector gathers.
template <int M>
inline void gather_dev(DevF& v, const PulseRowArgs& a, std::int64_t i, const std::int32_t* cl, int lanes) {
    const float *su = a.f_scale_up + i * a.Cp, *sdn = a.f_scale_down + i * a.Cp;
    const float *lo = a.f_w_min + i * a.Cp, *hi = a.f_w_max + i * a.Cp, *inv = a.f_inv_range + i * a.Cp;
#if defined(PNNKIT_PULSE_AVX512)
    // one gather instruction per parameter and 16 lanes (GCC emulates the loop below with a
    // load and an insert per lane)
    for (int o = 0; o < lanes; o += kF) {
        const __m512i ix = _mm512_loadu_si512(cl + o);
        _mm512_storeu_ps(v.su + o, _mm512_i32gather_ps(ix, su, 4));
        _mm512_storeu_ps(v.sdn + o, _mm512_i32gather_ps(ix, sdn, 4));
        _mm512_storeu_ps(v.lo + o, _mm512_i32gather_ps(ix, lo, 4));
        _mm512_storeu_ps(v.hi + o, _mm512_i32gather_ps(ix, hi, 4));
        _mm512_storeu_ps(v.inv + o, _mm512_i32gather_ps(ix, inv, 4));
        if constexpr (M == 1 || M == 2 || M == 4) {
            _mm512_storeu_ps(v.slu + o, _mm512_i32gather_ps(ix, a.f_slope_up + i * a.Cp, 4));
            _mm512_storeu_ps(v.sld + o, _mm512_i32gather_ps(ix, a.f_slope_down + i * a.Cp, 4));
        }
    }
#else
    for (int l = 0; l < lanes; ++l) {
        v.su[l] = su[cl[l]];
        v.sdn[l] = sdn[cl[l]];
        v.lo[l] = lo[cl[l]];
        v.hi[l] = hi[cl[l]];
        v.inv[l] = inv[cl[l]];
    }
    if constexpr (M == 1 || M == 2 || M == 4) {
        const float *slu = a.f_slope_up + i * a.Cp, *sld = a.f_slope_down + i * a.Cp;
        for (int l = 0; l < lanes; ++l) {
            v.slu[l] = slu[cl[l]];
            v.sld[l] = sld[cl[l]];
        }
    }
#endif
}

template <int M>
inline void prepare_lanes_f32(ChunkF& c, const DevF& dv, const PulseRowArgs& a, int ngroups) {
    if constexpr (M == 5) {
        c.nodes_in_registers = a.n_pw_up <= 16 && a.n_pw_down <= 16;
        for (int q = 0; q < 16; ++q) {
            c.nodes_up[q] = q < a.n_pw_up ? static_cast<float>(a.pw_up[q]) : 0.0f;
            c.nodes_dn[q] = q < a.n_pw_down ? static_cast<float>(a.pw_down[q]) : 0.0f;
        }
    }
    for (int g = 0; g < ngroups; ++g) {
        const int o = kF * g;
        const vf dir = loadf(c.xdir + o) * c.sd;
        const vfm up = dir > 0.0f;
        const vf lo = loadf(dv.lo + o), hi = loadf(dv.hi + o);
        const vf inv_range = loadf(dv.inv + o);
        vf sc = fsel(up, loadf(dv.su + o), loadf(dv.sdn + o));
        vf p1 = splatf(0.0f), p2 = splatf(0.0f), p3 = splatf(0.0f);
        if constexpr (M == 1 || M == 2) {
            p1 = fsel(up, loadf(dv.slu + o), loadf(dv.sld + o));
        } else if constexpr (M == 3) {  // exp(gamma * (2 a w / range + b)) = exp(w * p1 + p3)
            const vf gam = fsel(up, splatf(static_cast<float>(a.g_up)), splatf(static_cast<float>(-a.g_down)));
            p1 = gam * (2.0f * static_cast<float>(a.es_a)) * inv_range;
            p2 = fsel(up, splatf(static_cast<float>(a.A_up)), splatf(static_cast<float>(a.A_down)));
            p3 = gam * static_cast<float>(a.es_b);
        } else if constexpr (M == 4) {
            p1 = fsel(up, hi, lo);
            p2 = fsel(up, -inv_range, inv_range);
            p3 = fsel(up, loadf(dv.slu + o), loadf(dv.sld + o));
        } else if constexpr (M == 5) {
            const vf nn = fsel(up, splatf(static_cast<float>(a.n_pw_up)), splatf(static_cast<float>(a.n_pw_down)));
            p1 = (nn - 1.0f) * inv_range;
            p3 = nn;
            sc = fsel(nn > 0.0f, sc, splatf(0.0f));
        }
        if constexpr (M >= 3) sc = fsel(inv_range > 0.0f, sc, splatf(0.0f));  // a collapsed range: no step
        storef(c.sdir + o, sc * dir);
        storef(c.lo + o, lo);
        storef(c.hi + o, hi);
        storef(c.p1 + o, p1);
        storef(c.p2 + o, p2);
        storef(c.p3 + o, p3);
    }
}

// Piecewise interpolation factor of one lane (scalar table lookup).
inline float piecewise_factor(const ChunkF& c, int l, float w, const PulseRowArgs& a) {
    const int n = static_cast<int>(c.p3[l]);
    if (n <= 0) return 0.0f;
    const double* nodes = c.sdir[l] > 0.0f ? a.pw_up : a.pw_down;
    float t = (w - c.lo[l]) * c.p1[l];
    t = t < 0.0f ? 0.0f : (t > static_cast<float>(n - 1) ? static_cast<float>(n - 1) : t);
    int i0 = static_cast<int>(t);
    if (i0 >= n - 1) i0 = n - 2 < 0 ? 0 : n - 2;
    const float frac = t - static_cast<float>(i0);
    const float v = n == 1 ? static_cast<float>(nodes[0])
                           : static_cast<float>(nodes[i0]) * (1.0f - frac) + static_cast<float>(nodes[i0 + 1]) * frac;
    return v > 0.0f ? v : 0.0f;
}

// Model factor (step / scale, >= 0) of model M at weights w for lanes o..o+kF-1.
template <int M>
inline vf step_factorf(const ChunkF& c, int o, vf w, const PulseRowArgs& a) {
    if constexpr (M == 0) {
        return splatf(1.0f);
    } else if constexpr (M == 1 || M == 2) {  // max(1 + slope * w, 0)
        return fmaxv(1.0f + loadf(c.p1 + o) * w, splatf(0.0f));
    } else if constexpr (M == 3) {  // max(1 - A exp(w p1 + p3), 0)
        return fmaxv(1.0f - loadf(c.p2 + o) * fexp(w * loadf(c.p1 + o) + loadf(c.p3 + o)), splatf(0.0f));
    } else if constexpr (M == 4) {  // clamp((w - edge) * (+-1/range), 0, 1)^gamma
        const vf r = fclip((w - loadf(c.p1 + o)) * loadf(c.p2 + o), splatf(0.0f), splatf(1.0f));
        const vf gexp = loadf(c.p3 + o);
        const vf pw = fexp(gexp * flog(fmaxv(r, splatf(1e-30f))));
        const vf at0 = fsel(gexp == 0.0f, splatf(1.0f), splatf(0.0f));
        return fsel(r > 0.0f, pw, at0);
    } else {
#if defined(PNNKIT_PULSE_AVX512) || defined(PNNKIT_PULSE_AVX2)
        if (c.nodes_in_registers) {  // the scalar piecewise_factor, lane-parallel
            const vf nn = loadf(c.p3 + o);
            const vf t = fclip((w - loadf(c.lo + o)) * loadf(c.p1 + o), splatf(0.0f), fmaxv(nn - 1.0f, splatf(0.0f)));
            vfm i0 = __builtin_convertvector(t, vfm);  // truncation: t >= 0
            const vfm top = __builtin_convertvector(fmaxv(nn - 2.0f, splatf(0.0f)), vfm);
            i0 = i0 > top ? top : i0;
            const vf frac = t - __builtin_convertvector(i0, vf);
            const vfm i1 = i0 + 1;
            const vfm up = loadf(c.sdir + o) > 0.0f;
#if defined(PNNKIT_PULSE_AVX512)
            const __m512 tu = _mm512_load_ps(c.nodes_up), td = _mm512_load_ps(c.nodes_dn);
            const __m512i j0 = reinterpret_cast<__m512i>(i0), j1 = reinterpret_cast<__m512i>(i1 & 15);
            const vf v0 = fsel(up, reinterpret_cast<vf>(_mm512_permutexvar_ps(j0, tu)),
                               reinterpret_cast<vf>(_mm512_permutexvar_ps(j0, td)));
            const vf v1 = fsel(up, reinterpret_cast<vf>(_mm512_permutexvar_ps(j1, tu)),
                               reinterpret_cast<vf>(_mm512_permutexvar_ps(j1, td)));
#else
            const __m256i j0 = reinterpret_cast<__m256i>(i0), j1 = reinterpret_cast<__m256i>(i1 & 15);
            const vf v0 = fsel(up, reinterpret_cast<vf>(_mm256_i32gather_ps(c.nodes_up, j0, 4)),
                               reinterpret_cast<vf>(_mm256_i32gather_ps(c.nodes_dn, j0, 4)));
            const vf v1 = fsel(up, reinterpret_cast<vf>(_mm256_i32gather_ps(c.nodes_up, j1, 4)),
                               reinterpret_cast<vf>(_mm256_i32gather_ps(c.nodes_dn, j1, 4)));
#endif
            // one node: the table's first value (frac is 0 there, v1 is a zero pad)
            return fmaxv(v0 * (1.0f - frac) + v1 * frac, splatf(0.0f));
        }
#endif
        vf f;
        for (int t = 0; t < kF; ++t) f[t] = piecewise_factor(c, o + t, w[t], a);
        return f;
    }
}

// ExpStep with the exponential carried along the pulse train: E = exp(p1 w + p3) is evaluated
// once per lane and chunk, then after each step w -> w + d updated as E exp(p1 d), exp(x) for
// the small |x| = |p1 d| by its Taylor series to x^5. Used only when every lane's largest
// possible |p1 d| (step scale * (1 + 4.34 std), 4.34 > the largest |z| of normal_quantile16) is
// at most 0.1: the truncation (< 1.4e-9 relative per step) is then below float32 rounding, and
// so is the drift over a train of at most 32 steps (~32 roundings of E, < 2e-6 relative in the
// step size, i.e. < 2e-9 of a 0.001 step). Otherwise the full exp runs every pulse. (With
// aihwkit's ExpStep defaults and their device-to-device spreads, the largest |p1 d| of a chunk
// of 128 devices is about 0.05: the bound is met.)
inline bool exp_incremental_ok(const ChunkF& c, int ngroups, float stdc) {
    const float lim = 0.1f / (1.0f + 4.34f * stdc);
    vf m = splatf(0.0f);
    for (int g = 0; g < ngroups; ++g) {
        const vf x = loadf(c.p1 + kF * g) * loadf(c.sdir + kF * g);
        m = fmaxv(m, reinterpret_cast<vf>(reinterpret_cast<vfu>(x) & 0x7FFFFFFFu));  // |x|
    }
    return hmaxf(m) <= lim;
}

// The groups run in a loop unrolled over all kChunkGroups slots (idle slots and finished groups
// skipped by a test on constants), so each group's weights and carried exponential stay in
// registers: through an index list they lived on the stack, and a store and reload lengthened
// every step's dependency chain. With noise, qbuf is 0 in a lane's slots after its last pulse:
// the step is then w + 0, which the clip keeps (w is inside its bounds after its first pulse),
// so no per-lane test is needed. E e^x as E + (E x) p(x) with p by Horner's rule: E x runs
// beside p, and the correction is added to E (13 vector operations per step: the step is bound
// by the vector ports' throughput, with eight groups' chains in flight). The group tests are
// integer compares against step counts (0 for idle slots): a float compare would take a slot
// on the vector ports.
template <bool Noisy>
inline void pulse_loop_exp_incremental(const ChunkF& c, vf* wv_io, const vf* n, const int* steps, int smax,
                                       const float* qbuf) {
    vf E[kChunkGroups], wv[kChunkGroups];
#pragma GCC unroll 16
    for (int g = 0; g < kChunkGroups; ++g) {
        const int o = kF * g;
        const bool on = steps[g] > 0;
        wv[g] = on ? wv_io[g] : splatf(0.0f);
        E[g] = on ? fexp(wv[g] * loadf(c.p1 + o) + loadf(c.p3 + o)) : splatf(0.0f);
    }
    for (int s = 0; s < smax; ++s) {
        const float sf = static_cast<float>(s);
        const float* qs = qbuf + s * kChunkGroups * kF;
#pragma GCC unroll 16
        for (int g = 0; g < kChunkGroups; ++g) {
            if (steps[g] <= s) continue;
            const int o = kF * g;
            const vf wl = wv[g];
            const vf f = fmaxv(1.0f - loadf(c.p2 + o) * E[g], splatf(0.0f));
            const vf v = wl + f * (Noisy ? loadf(qs + o) : loadf(c.sdir + o));
            const vf wc = fclip(v, loadf(c.lo + o), loadf(c.hi + o));
            const vf wn = Noisy ? wc : fsel(n[g] > sf, wc, wl);
            const vf x = (wn - wl) * loadf(c.p1 + o);
            const vf p = 1.0f + x * (0.5f + x * (1.0f / 6.0f + x * (1.0f / 24.0f + x * (1.0f / 120.0f))));
            E[g] = E[g] + (E[g] * x) * p;  // E e^x = E + (E x)(e^x - 1)/x
            wv[g] = wn;
        }
    }
#pragma GCC unroll 16
    for (int g = 0; g < kChunkGroups; ++g)
        if (steps[g] > 0) wv_io[g] = wv[g];
}

// Slot indices as integers in memory (a compare against one becomes a broadcast operand).
alignas(64) inline constexpr std::int32_t kSlotIndex[kLanes] = {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10,
                                                                11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21,
                                                                22, 23, 24, 25, 26, 27, 28, 29, 30, 31};

// The pulses of one chunk: lanes l < ncols are the columns at positions p0 + l of sample b's
// column order (PulseRowArgs::f_cols) in row i, nb blocks of 32 lanes; lane l draws from
// stream lane_streams(key, .) of its position. Lane l takes n_l sequential steps, pulse s with
// its own normal.
template <int M, bool Additive>
inline std::int64_t pulse_chunk_f32(const PulseRowArgs& a, float* wrow, std::int64_t b, std::int64_t i, int sd,
                                    std::uint32_t dword, [[maybe_unused]] int ncols, int nb,
                                    const std::uint32_t* key, int p0) {
    ChunkF c;
    const int lanes = nb * kLanes, ngroups = lanes / kF;
    // the chunk's columns, x words and signs; past the sample's last column with pulses they
    // hold column 0, word 0 and sign 0 (lanes without pulses)
    const std::int64_t q0 = b * a.Cp + p0;
    const std::int32_t* cl = a.f_cols + q0;
    c.xw = a.f_xw + q0;
    c.xdir = a.f_xdir + q0;
    c.sd = static_cast<float>(sd);
#if defined(PNNKIT_PULSE_AVX512)
    // vector gathers, as in gather_dev
    for (int o = 0; o < lanes; o += kF)
        _mm512_storeu_ps(c.w + o, _mm512_i32gather_ps(_mm512_loadu_si512(cl + o), wrow, 4));
#else
    for (int l = 0; l < lanes; ++l) c.w[l] = wrow[cl[l]];
#endif
    // steps[g]: the longest pulse train of group g (0 for the chunk's idle group slots)
    vf n[kChunkGroups], nsum = splatf(0.0f);
    int steps[kChunkGroups] = {}, smax = 0;
    int act[kChunkGroups], nact = 0;
    for (int g = 0; g < ngroups; ++g) {
        n[g] = countsf(c.xw + kF * g, dword);
        steps[g] = static_cast<int>(hmaxf(n[g]));
        smax = steps[g] > smax ? steps[g] : smax;
        nsum += n[g];
        if (steps[g] > 0) act[nact++] = g;
    }
    if (nact == 0) return 0;
    DevF dv;
    gather_dev<M>(dv, a, i, cl, lanes);
    prepare_lanes_f32<M>(c, dv, a, ngroups);
    const float stdc = static_cast<float>(a.std_c2c);
    const bool noisy = stdc > 0.0f;
    // The noise of every pulse, drawn before the pulse loop (a throughput-bound pass that keeps
    // the normals' latency off the weights' dependency chains): per (pulse s, group g)
    // the factor sdir (1 + std z) of the multiplicative noise, or sdir std z of the additive one.
    alignas(64) float qbuf[kLanes * kChunkLanes];
    if (noisy) {
        // Each group's stream word by word, each word turned into its normal and noise factor at
        // once (pulse s of group g at slot s*kChunkGroups + g): the stream's short dependency chain
        // and the independent quantile polynomials overlap, and no word is stored in between.
        for (int g = 0; g < ngroups; ++g) {
            const int np = steps[g];
            if (np == 0) continue;
            Xoshiro x = lane_streams(key, p0 + kF * g);
            const vf sdir = loadf(c.sdir + kF * g), sstd = sdir * stdc;
            // a lane's slots after its last pulse hold 0 (no step): the ExpStep loop then needs
            // no per-lane test (the compare against the slot's count is folded into the FMA's
            // zero-masking on AVX-512)
            const vfm ng = __builtin_convertvector(n[g], vfm);
            const auto noise = [&](vf z, int slot) {
                return fsel(ng > kSlotIndex[slot], Additive ? sstd * z : sstd * z + sdir, splatf(0.0f));
            };
            for (int t = 0; t < np; t += 2) {  // pulses t and t + 1 from the two halves of a word
                const vfu wd = next_words(x);
                storef(qbuf + (t * kChunkGroups + g) * kF, noise(normal_quantile16(wd), t));
                if (t + 1 < np)
                    storef(qbuf + ((t + 1) * kChunkGroups + g) * kF, noise(normal_quantile16(wd << 16), t + 1));
            }
        }
    }
    vf wv[kChunkGroups];
    for (int g = 0; g < ngroups; ++g) wv[g] = loadf(c.w + kF * g);
    if constexpr (M == 3) {
        if (exp_incremental_ok(c, ngroups, stdc)) {
            if (noisy)
                pulse_loop_exp_incremental<true>(c, wv, n, steps, smax, qbuf);
            else
                pulse_loop_exp_incremental<false>(c, wv, n, steps, smax, qbuf);
            nact = 0;
        }
    }
    for (int s = 0; nact > 0; ++s) {
        const float sf = static_cast<float>(s);
        const float* qs = qbuf + s * kChunkGroups * kF;
        for (int q = 0; q < nact; ++q) {
            const int g = act[q];
            const int o = kF * g;
            const vf wl = wv[g];
            const vf f = step_factorf<M>(c, o, wl, a);
            const vf sdir = loadf(c.sdir + o);
            vf v;
            if constexpr (Additive) {
                v = wl + sdir * f;
                if (noisy) v = v + loadf(qs + o);
            } else {
                v = wl + f * (noisy ? loadf(qs + o) : sdir);
            }
            wv[g] = fsel(n[g] > sf, fclip(v, loadf(c.lo + o), loadf(c.hi + o)), wl);
        }
        int keep = 0;  // groups whose lanes are all done leave the loop
        for (int q = 0; q < nact; ++q)
            if (steps[act[q]] > s + 1) act[keep++] = act[q];
        nact = keep;
    }
#if defined(PNNKIT_PULSE_AVX512)
    // only lanes that had pulses are written back; padding lanes have no pulses, and the real
    // lanes' columns are distinct, so a masked scatter
    for (int g = 0; g < ngroups; ++g) {
        const __mmask16 had = _mm512_cmp_ps_mask(reinterpret_cast<__m512>(n[g]), _mm512_setzero_ps(), _CMP_GT_OQ);
        _mm512_mask_i32scatter_ps(wrow, had, _mm512_loadu_si512(cl + kF * g), reinterpret_cast<__m512>(wv[g]), 4);
    }
#else
    float nn[kChunkLanes];
    for (int g = 0; g < ngroups; ++g) {
        storef(c.w + kF * g, wv[g]);
        storef(nn + kF * g, n[g]);
    }
    for (int l = 0; l < ncols; ++l) {  // only lanes that had pulses
        float& wd = wrow[cl[l]];
        wd = nn[l] > 0.0f ? c.w[l] : wd;  // a select, not a branch
    }
#endif
    return static_cast<std::int64_t>(hsumf(nsum));
}

// Row i: per sample, the columns with pulses in the sample's order (by decreasing pulse count
// of x, PulseRowArgs::f_cols), chunk by chunk: lanes of a SIMD group then have similar
// coincidence counts, so few lanes idle while their group finishes its longest pulse train.
template <int M, bool Additive>
inline std::int64_t per_pulse_row_f32_t(const PulseRowArgs& a, std::int64_t i) {
    const std::int64_t R = a.R, C = a.C;
    // The row's weights in float32 while its samples are applied (a float32 gather and scatter
    // per chunk instead of float64 ones with conversions); at the end, the crosspoints whose
    // float32 value changed are written back, the others keep their float64 value.
    thread_local std::vector<float> row_buf;
    if (row_buf.size() < static_cast<std::size_t>(C)) row_buf.resize(static_cast<std::size_t>(C));
    float* wrow = row_buf.data();
    double* W = a.W + i * C;
    for (std::int64_t j = 0; j < C; ++j) wrow[j] = static_cast<float>(W[j]);
    std::int64_t total = 0;
    for (std::int64_t b = 0; b < a.batch; ++b) {
        if (a.bl[b] == 0) continue;
        const int sd = a.dsign[b * R + i];
        const std::uint32_t dword = a.dbits[b * R + i];
        if (sd == 0 || dword == 0u) continue;
        // the (sample, row)'s four stream keys: Philox counter b*R + i
        const auto key = CounterRng(a.seed, a.stream).bits(static_cast<std::uint64_t>(b * R + i));
        const int ncols = a.f_ncols[b];
        for (int p0 = 0; p0 < ncols; p0 += kChunkLanes) {
            const int nc = ncols - p0 < kChunkLanes ? ncols - p0 : kChunkLanes;
            const int nb = (nc + kLanes - 1) / kLanes;
            total += pulse_chunk_f32<M, Additive>(a, wrow, b, i, sd, dword, nc, nb, key.data(), p0);
        }
    }
    for (std::int64_t j = 0; j < C; ++j) W[j] = wrow[j] != static_cast<float>(W[j]) ? static_cast<double>(wrow[j]) : W[j];
    return total;
}

inline std::int64_t per_pulse_row_f32(const PulseRowArgs& a, std::int64_t i) {
    const bool additive = (a.model == 1 || a.model == 2) && !a.mult_noise;
    switch (a.model) {
        case 0: return per_pulse_row_f32_t<0, false>(a, i);
        case 1: return additive ? per_pulse_row_f32_t<1, true>(a, i) : per_pulse_row_f32_t<1, false>(a, i);
        case 2: return additive ? per_pulse_row_f32_t<2, true>(a, i) : per_pulse_row_f32_t<2, false>(a, i);
        case 3: return per_pulse_row_f32_t<3, false>(a, i);
        case 4: return per_pulse_row_f32_t<4, false>(a, i);
        default: return per_pulse_row_f32_t<5, false>(a, i);
    }
}

// The kernel table of this copy (both impl headers included): a constant expression (addresses
// only), so that no code of a wide-target copy runs at load time on a CPU that may lack it.
constexpr detail::PulseKernels make_kernels(const char* isa) {
    return {constant_row, per_pulse_row, exp_poly, isa, constant_row_f32, per_pulse_row_f32, normals_f32};
}

}  // namespace PNNKIT_PULSE_NS
}  // namespace crossbar
}  // namespace pnnkit

#pragma GCC diagnostic pop
