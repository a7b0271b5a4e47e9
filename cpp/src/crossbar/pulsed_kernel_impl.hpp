// Row kernels of the pulsed update, compiled once per instruction set: the including unit
// defines PNNKIT_PULSE_NS (a distinct namespace per copy, so that nothing is merged across
// targets) after including the standard and pnnkit headers and setting its target.
//
// Structure: a (sample, row) pair is processed in blocks of 32 columns held in local arrays.
// Every inner loop runs over the 32 lanes with no branches (selects instead), so that the
// compiler vectorizes it for the unit's target. For per-pulse models the pulse loop
// s = 0..max(n)-1 is outside the lane loop; lane j takes step s only while n_j > s, so every
// crosspoint gets exactly its own number of sequential steps. The model is a template
// parameter: no dispatch inside the pulse loop.
#ifndef PNNKIT_PULSE_NS
#error "define PNNKIT_PULSE_NS before including pulsed_kernel_impl.hpp"
#endif

// 64-byte vector arguments/returns without AVX-512 "change the ABI": irrelevant here, all of
// these functions are internal to one unit.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpsabi"

namespace pnnkit {
namespace crossbar {
namespace PNNKIT_PULSE_NS {

using detail::pulse_blocks;
using detail::PulseRowArgs;

constexpr int kLanes = 32;

// Philox4x32-10 of the 16 counters index + l (l < 16): buf[16*c + l] == CounterRng(seed,
// stream).bits(index + l)[c]. Structure-of-arrays output, so that the 8 words of counters
// index + 8h .. index + 8h + 7 for one c are contiguous. The 32x32->64-bit products use the
// even/odd-lane unsigned multiply explicitly (the auto-vectorizer would pick slow 64-bit ones).
#if defined(PNNKIT_PULSE_AVX512)
inline void mulhilo16(__m512i a, __m512i m, __m512i& hi, __m512i& lo) {
    const __m512i pe = _mm512_mul_epu32(a, m);                         // lanes 0, 2, 4, ...
    const __m512i po = _mm512_mul_epu32(_mm512_srli_epi64(a, 32), m);  // lanes 1, 3, 5, ...
    hi = _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(pe, 32), po);
    lo = _mm512_mask_blend_epi32(0xAAAA, pe, _mm512_slli_epi64(po, 32));
}
inline void philox16(std::uint64_t seed, std::uint64_t stream, std::uint64_t index, std::uint32_t* buf,
                     int /*halves: both are free in one 512-bit pass*/ = 2) {
    const __m512i lane = _mm512_setr_epi64(0, 1, 2, 3, 4, 5, 6, 7);
    const __m512i base = _mm512_set1_epi64(static_cast<long long>(index));
    const __m512i ixa = _mm512_add_epi64(base, lane);                                 // counters 0..7
    const __m512i ixb = _mm512_add_epi64(ixa, _mm512_set1_epi64(8));                   // counters 8..15
    const __m512i lo_idx = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i hi_idx = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    __m512i x0 = _mm512_permutex2var_epi32(ixa, lo_idx, ixb);  // low words of the 16 counters
    __m512i x1 = _mm512_permutex2var_epi32(ixa, hi_idx, ixb);  // high words (carries handled)
    __m512i x2 = _mm512_set1_epi32(static_cast<int>(static_cast<std::uint32_t>(stream)));
    __m512i x3 = _mm512_set1_epi32(static_cast<int>(static_cast<std::uint32_t>(stream >> 32)));
    const __m512i m0 = _mm512_set1_epi64(0xD2511F53), m1 = _mm512_set1_epi64(0xCD9E8D57);
    std::uint32_t k0 = static_cast<std::uint32_t>(seed), k1 = static_cast<std::uint32_t>(seed >> 32);
    for (int r = 0; r < 10; ++r) {
        __m512i hi0, lo0, hi1, lo1;
        mulhilo16(x0, m0, hi0, lo0);
        mulhilo16(x2, m1, hi1, lo1);
        x0 = _mm512_xor_si512(_mm512_xor_si512(hi1, x1), _mm512_set1_epi32(static_cast<int>(k0)));
        x1 = lo1;
        x2 = _mm512_xor_si512(_mm512_xor_si512(hi0, x3), _mm512_set1_epi32(static_cast<int>(k1)));
        x3 = lo0;
        k0 += Philox4x32::W0;
        k1 += Philox4x32::W1;
    }
    _mm512_storeu_si512(buf, x0);
    _mm512_storeu_si512(buf + 16, x1);
    _mm512_storeu_si512(buf + 32, x2);
    _mm512_storeu_si512(buf + 48, x3);
}
#elif defined(PNNKIT_PULSE_AVX2)
inline void mulhilo8(__m256i a, __m256i m, __m256i& hi, __m256i& lo) {
    const __m256i pe = _mm256_mul_epu32(a, m);
    const __m256i po = _mm256_mul_epu32(_mm256_srli_epi64(a, 32), m);
    hi = _mm256_blend_epi32(_mm256_srli_epi64(pe, 32), po, 0xAA);
    lo = _mm256_blend_epi32(pe, _mm256_slli_epi64(po, 32), 0xAA);
}
inline void philox16(std::uint64_t seed, std::uint64_t stream, std::uint64_t index, std::uint32_t* buf,
                     int halves = 2) {
    for (int h = 0; h < 8 * halves; h += 8) {
        // counters index + h + l (l < 8) as low and high words, built in registers: the low
        // word wraps (carry into the high one) where it ends below its start (unsigned compare
        // by flipping the sign bits)
        const std::uint64_t ix0 = index + static_cast<std::uint64_t>(h);
        const __m256i lo0 = _mm256_set1_epi32(static_cast<int>(static_cast<std::uint32_t>(ix0)));
        __m256i x0 = _mm256_add_epi32(lo0, _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
        const __m256i sign = _mm256_set1_epi32(static_cast<int>(0x80000000u));
        const __m256i wrapped = _mm256_cmpgt_epi32(_mm256_xor_si256(lo0, sign), _mm256_xor_si256(x0, sign));
        __m256i x1 = _mm256_sub_epi32(_mm256_set1_epi32(static_cast<int>(static_cast<std::uint32_t>(ix0 >> 32))),
                                      wrapped);
        __m256i x2 = _mm256_set1_epi32(static_cast<int>(static_cast<std::uint32_t>(stream)));
        __m256i x3 = _mm256_set1_epi32(static_cast<int>(static_cast<std::uint32_t>(stream >> 32)));
        const __m256i m0 = _mm256_set1_epi64x(0xD2511F53), m1 = _mm256_set1_epi64x(0xCD9E8D57);
        std::uint32_t k0 = static_cast<std::uint32_t>(seed), k1 = static_cast<std::uint32_t>(seed >> 32);
        for (int r = 0; r < 10; ++r) {
            __m256i hi0, lo0, hi1, lo1;
            mulhilo8(x0, m0, hi0, lo0);
            mulhilo8(x2, m1, hi1, lo1);
            x0 = _mm256_xor_si256(_mm256_xor_si256(hi1, x1), _mm256_set1_epi32(static_cast<int>(k0)));
            x1 = lo1;
            x2 = _mm256_xor_si256(_mm256_xor_si256(hi0, x3), _mm256_set1_epi32(static_cast<int>(k1)));
            x3 = lo0;
            k0 += Philox4x32::W0;
            k1 += Philox4x32::W1;
        }
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(buf + h), x0);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(buf + 16 + h), x1);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(buf + 32 + h), x2);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(buf + 48 + h), x3);
    }
}
#else
inline void philox16(std::uint64_t seed, std::uint64_t stream, std::uint64_t index, std::uint32_t* buf,
                     int /*halves*/ = 2) {
    std::uint32_t c0[16], c1[16], c2[16], c3[16];
    for (int l = 0; l < 16; ++l) {
        const std::uint64_t ix = index + static_cast<std::uint64_t>(l);
        c0[l] = static_cast<std::uint32_t>(ix);
        c1[l] = static_cast<std::uint32_t>(ix >> 32);
        c2[l] = static_cast<std::uint32_t>(stream);
        c3[l] = static_cast<std::uint32_t>(stream >> 32);
    }
    std::uint32_t k0 = static_cast<std::uint32_t>(seed), k1 = static_cast<std::uint32_t>(seed >> 32);
    for (int r = 0; r < 10; ++r) {
        for (int l = 0; l < 16; ++l) {
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
    for (int l = 0; l < 16; ++l) {
        buf[l] = c0[l];
        buf[16 + l] = c1[l];
        buf[32 + l] = c2[l];
        buf[48 + l] = c3[l];
    }
}
#endif

// Lane j (< 32) of half h (0 or 1) of a philox16 buffer: word j/8 of counter 8h + j%8.
inline std::uint32_t lane_word(const std::uint32_t* buf, int h, int j) { return buf[16 * (j >> 3) + 8 * h + (j & 7)]; }

// ---- kV-lane vectors ------------------------------------------------------------------------
// GCC vector extensions of the unit's native width: kV = 8 doubles (one zmm) with AVX-512,
// 4 (one ymm) with AVX2, 8 for the generic copy. Native width matters: GCC splits wider
// vectors without AVX-512 badly (scalar compares, spills). Every operation is per lane, so
// the values do not depend on kV; a 32-lane block is kG = 32 / kV groups.
#if defined(PNNKIT_PULSE_AVX2)
constexpr int kV = 4;
#else
constexpr int kV = 8;
#endif
constexpr int kG = kLanes / kV;
// Offset in a philox16 buffer (half 0) of the word of lane kV*g, the first lane of group g.
inline int group_word(int g) { return 16 * ((kV * g) >> 3) + ((kV * g) & 7); }
typedef double vd __attribute__((vector_size(8 * kV)));
typedef std::int64_t vl __attribute__((vector_size(8 * kV)));
typedef std::uint64_t vu __attribute__((vector_size(8 * kV)));
typedef std::int32_t vi __attribute__((vector_size(4 * kV)));
typedef std::uint32_t vw __attribute__((vector_size(4 * kV)));

// Primitives for any vector type V (here and in the float32 kernels): unaligned load / store of
// its lanes, a splat, and m ? a : b per lane (m all-ones or zero, a vector of integers M of the
// lanes' width). GCC scalarizes the vector ternary where the vector is wider than the target's
// registers (the generic copy), so there the select is bit operations.
template <class V, class E>
inline V load_as(const E* p) {
    V v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
}
template <class V, class E>
inline void store_as(E* p, V v) {
    __builtin_memcpy(p, &v, sizeof v);
}
template <class V, class E>
inline V splat_as(E x) {
    V v = {};
    return v + x;
}
template <class M, class V>
inline V select_as(M m, V a, V b) {
#if defined(PNNKIT_PULSE_AVX512) || defined(PNNKIT_PULSE_AVX2)
    return m ? a : b;
#else
    return reinterpret_cast<V>((reinterpret_cast<M>(a) & m) | (reinterpret_cast<M>(b) & ~m));
#endif
}
inline vd loadv(const double* p) { return load_as<vd>(p); }
inline void storev(double* p, vd v) { store_as(p, v); }
inline vw loadw(const std::uint32_t* p) { return load_as<vw>(p); }
inline vd splat(double x) { return splat_as<vd>(x); }
inline vd vsel(vl m, vd a, vd b) { return select_as(m, a, b); }
// Lane comparisons as all-ones/zero masks.
inline vl vlt(vd a, vd b) { return a < b; }
inline vl vgt(vd a, vd b) { return a > b; }
inline vl veq(vd a, vd b) { return a == b; }
inline vl vlt(vd a, double b) { return vlt(a, splat(b)); }
inline vl vgt(vd a, double b) { return vgt(a, splat(b)); }
inline vl veq(vd a, double b) { return veq(a, splat(b)); }
inline bool anyv(vl m) {
#if defined(PNNKIT_PULSE_AVX2)
    return _mm256_movemask_pd(reinterpret_cast<__m256d>(m)) != 0;
#else
    std::int64_t r = 0;
    for (int t = 0; t < kV; ++t) r |= m[t];
    return r != 0;
#endif
}

// sqrt of kV non-negative doubles (correctly rounded, as std::sqrt). Explicit for the SIMD
// targets: std::sqrt may set errno, which stops the compiler from vectorizing it.
inline vd sqrtv(vd x) {
#if defined(PNNKIT_PULSE_AVX512)
    return reinterpret_cast<vd>(_mm512_sqrt_pd(reinterpret_cast<__m512d>(x)));
#elif defined(PNNKIT_PULSE_AVX2)
    return reinterpret_cast<vd>(_mm256_sqrt_pd(reinterpret_cast<__m256d>(x)));
#else
    for (int t = 0; t < kV; ++t) x[t] = std::sqrt(x[t]);
    return x;
#endif
}

// exp(x), branch-free: x = k*ln2 + r with |r| <= ln2/2 (Cody-Waite split of ln2, k*ln2_hi
// exact), e^r by its Taylor polynomial of degree 13 (truncation < 5e-18 relative), times 2^k
// assembled in the exponent bits. Within a few ulp of the correctly rounded exp (tested to
// 1e-15 relative). x is clamped to [-708, 708] (the step models only use |x| < 50).
inline vd expv(vd x) {
    x = vsel(vlt(x, -708.0), splat(-708.0), x);
    x = vsel(vgt(x, 708.0), splat(708.0), x);
    const vd shift = splat(6755399441055744.0);  // 1.5 * 2^52: adding it rounds to an integer
    const vd t = x * 1.4426950408889634 + shift;
    const vd k = t - shift;
    const vd r = (x - k * 6.93147180369123816490e-01) - k * 1.90821492927058770002e-10;
    vd p = splat(1.0 / 6227020800.0);  // 1/13!
    p = p * r + 1.0 / 479001600.0;
    p = p * r + 1.0 / 39916800.0;
    p = p * r + 1.0 / 3628800.0;
    p = p * r + 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    // the low bits of t hold k (two's complement); k + 1023 in [1, 2045] is a normal exponent
    const vu eb = (reinterpret_cast<vu>(t) - 0x4338000000000000ull + 1023ull) << 52;
    return p * reinterpret_cast<vd>(eb);
}

inline double exp_poly(double x) { return expv(splat(x))[0]; }

// log(x) for normal positive x, branch-free: x = m * 2^e with m in [sqrt(1/2), sqrt(2)),
// log(m) = 2 atanh(s), s = (m-1)/(m+1), |s| <= 0.172, by its series to s^23 (truncation
// < 1e-18 relative), e*ln2 with the Cody-Waite split. Within a few ulp of std::log.
inline vd logv(vd x) {
    const vu bits = reinterpret_cast<vu>(x);
    vd m = reinterpret_cast<vd>((bits & 0x000FFFFFFFFFFFFFull) | 0x3FF0000000000000ull);
    // the biased exponent as a double without a 64-bit integer conversion (none in AVX2)
    vd e = reinterpret_cast<vd>((bits >> 52) | 0x4330000000000000ull) - 4503599627371519.0;  // 2^52 + 1023
    const vl big = vgt(m, 1.4142135623730951);
    m = vsel(big, m * 0.5, m);
    e = vsel(big, e + 1.0, e);
    const vd s = (m - 1.0) / (m + 1.0), s2 = s * s;
    vd p = splat(1.0 / 23.0);
    p = p * s2 + 1.0 / 21.0;
    p = p * s2 + 1.0 / 19.0;
    p = p * s2 + 1.0 / 17.0;
    p = p * s2 + 1.0 / 15.0;
    p = p * s2 + 1.0 / 13.0;
    p = p * s2 + 1.0 / 11.0;
    p = p * s2 + 1.0 / 9.0;
    p = p * s2 + 1.0 / 7.0;
    p = p * s2 + 1.0 / 5.0;
    p = p * s2 + 1.0 / 3.0;
    p = p * s2 + 1.0;
    return e * 6.93147180369123816490e-01 + (2.0 * s * p + e * 1.90821492927058770002e-10);
}

// kV standard normals from kV words: Acklam's inverse CDF as acklam(), all of it vectorized: the
// central rational for every lane, and only when one of the kV lanes is in a tail (p < 0.02425
// or p > 0.97575; 33% of 8-lane groups, 18% of 4-lane ones) the tail rational with logv and
// sqrtv. Equal to acklam() of the same words in the central region, within a few ulp of it in
// the tails (the same values whatever kV: every lane computes both and selects).
inline vd normalsv(const std::uint32_t* words) {
    // word -> double through a signed conversion (AVX2 has no unsigned one): w - 2^31 is exact
    const vi sw = reinterpret_cast<vi>(loadw(words) ^ 0x80000000u);
    const vd p = ((__builtin_convertvector(sw, vd) + 2147483648.0) + 0.5) * (1.0 / 4294967296.0);
    const vd q = p - 0.5, r = q * q;
    const vd num = (((((kA1 * r + kA2) * r + kA3) * r + kA4) * r + kA5) * r + kA6) * q;
    const vd den = (((((kB1 * r + kB2) * r + kB3) * r + kB4) * r + kB5) * r + 1.0);
    const vl lower = vlt(p, kAcklamLow);
    const vl tail = lower | vgt(p, 1.0 - kAcklamLow);
    if (!anyv(tail)) return num / den;
    const vd pt = vsel(vlt(p, 0.5), p, 1.0 - p);
    const vd qt = sqrtv(-2.0 * logv(pt));
    const vd num_t = (((((kC1 * qt + kC2) * qt + kC3) * qt + kC4) * qt + kC5) * qt + kC6);
    const vd den_t = ((((kD1 * qt + kD2) * qt + kD3) * qt + kD4) * qt + 1.0);
    // one division for both regions (divisions are the slow part of this function)
    const vd z = vsel(tail, num_t, num) / vsel(tail, den_t, den);
    return vsel(tail & ~lower, -z, z);
}

// Per-lane popcount of a vector of 32-bit words (SWAR: no popcount instruction needed).
template <class VU>
inline VU popcount_lanes(VU v) {
    v = v - ((v >> 1) & 0x55555555u);
    v = (v & 0x33333333u) + ((v >> 2) & 0x33333333u);
    v = (v + (v >> 4)) & 0x0F0F0F0Fu;
    return (v + (v >> 8) + (v >> 16) + (v >> 24)) & 0x3Fu;
}

// Coincidence counts of the columns of one vector VF: popcount(xbits & dword) as VF's lanes (VU:
// 32-bit unsigned words, VI: 32-bit signed ones, as many lanes as VF).
template <class VF, class VI, class VU>
inline VF counts_as(const std::uint32_t* xw, std::uint32_t dword) {
    return __builtin_convertvector(reinterpret_cast<VI>(popcount_lanes(load_as<VU>(xw) & dword)), VF);
}
inline vd countsv(const std::uint32_t* xw, std::uint32_t dword) { return counts_as<vd, vi, vw>(xw, dword); }

// Largest lane and sum of the lanes (in lane order) of an N-lane vector.
template <int N, class V>
inline auto hmax_as(V v) {
    auto m = v[0];
    for (int t = 1; t < N; ++t) m = v[t] > m ? v[t] : m;
    return m;
}
template <int N, class V>
inline auto hsum_as(V v) {
    decltype(v[0] + v[0]) s = 0;
    for (int t = 0; t < N; ++t) s += v[t];
    return s;
}
inline double hmaxv(vd v) { return hmax_as<kV>(v); }
inline double hsumv(vd v) { return hsum_as<kV>(v); }

// ---- aggregated ConstantStep -------------------------------------------------------------
// One 32-column block of one (sample, row): n steps summed into one Gaussian, then clipped.
// xs holds the lanes' signs as doubles (+1, -1, 0).
inline std::int64_t constant_block(double* w, const double* su, const double* sdn, const double* lo,
                                   const double* hi, const std::uint32_t* xw, const double* xs, std::uint32_t dword,
                                   int sd, double std_c2c, std::uint64_t seed, std::uint64_t stream,
                                   std::uint64_t ctr) {
    vd n[kG];
    double tot = 0.0;
    for (int c = 0; c < kG; ++c) {
        n[c] = countsv(xw + kV * c, dword);
        tot += hsumv(n[c]);
    }
    if (tot == 0.0) return 0;
    std::uint32_t buf[64];
    const bool noisy = std_c2c > 0.0;
    if (noisy) philox16(seed, stream, ctr, buf, 1);
    const double sdd = static_cast<double>(sd);
    for (int c = 0; c < kG; ++c) {
        const vd z = noisy ? normalsv(buf + group_word(c)) : splat(0.0);
        const vd dir = loadv(xs + kV * c) * sdd;
        const vd s = vsel(vgt(dir, 0.0), loadv(su + kV * c), loadv(sdn + kV * c));
        const vd delta = s * (n[c] + std_c2c * sqrtv(n[c]) * z);
        vd v = loadv(w + kV * c) + dir * delta;
        const vd h = loadv(hi + kV * c), l = loadv(lo + kV * c);
        v = vsel(vgt(v, h), h, v);
        v = vsel(vlt(v, l), l, v);
        storev(w + kV * c, v);
    }
    return static_cast<std::int64_t>(tot);
}

// ---- per-pulse models -------------------------------------------------------------------
// Per-lane constants of one block, fixed while its pulses are applied.
struct Lanes {
    double dirf[kLanes];   // +1 up, -1 down, 0 no update
    double sc[kLanes];     // step scale of the lane's direction (0 when the model gives no step)
    double scstd[kLanes];  // sc * std (additive noise)
    double lo[kLanes], hi[kLanes];
    double p1[kLanes], p2[kLanes], p3[kLanes];  // model-specific
    const double* nodes[kLanes];               // Piecewise: node table of the lane's direction (p3: its size)
};

// Piecewise interpolation of one lane (scalar: a table lookup per lane).
inline double piecewise_mean(const Lanes& c, int l, double w) {
    const int n = static_cast<int>(c.p3[l]);
    if (n <= 0) return 0.0;
    const double* nodes = c.nodes[l];
    double t = (w - c.lo[l]) * c.p1[l];
    t = t < 0.0 ? 0.0 : (t > static_cast<double>(n - 1) ? static_cast<double>(n - 1) : t);
    int i0 = static_cast<int>(t);
    if (i0 >= n - 1) i0 = n - 2 < 0 ? 0 : n - 2;
    const double frac = t - static_cast<double>(i0);
    const double v = n == 1 ? nodes[0] : nodes[i0] * (1.0 - frac) + nodes[i0 + 1] * frac;
    return c.sc[l] * (v > 0.0 ? v : 0.0);
}

// Mean step magnitude of model M (StepModel numbering) for lanes kV*g..kV*g+kV-1 at weights w.
template <int M>
inline vd step_meanv(const Lanes& c, int g, vd w, const PulseRowArgs& a) {
    const int o = kV * g;
    const vd sc = loadv(c.sc + o);
    if constexpr (M == 0) {  // Constant
        return sc;
    } else if constexpr (M == 1 || M == 2) {  // Linear, SoftBounds: s * max(1 + slope*w, 0)
        const vd f = 1.0 + loadv(c.p1 + o) * w;
        return sc * vsel(vgt(f, 0.0), f, splat(0.0));
    } else if constexpr (M == 3) {  // Exp: s * max(1 - A*exp(g*(2*w/range*a + b)), 0)
        const vd zz = w * loadv(c.p1 + o) + a.es_b;
        const vd y = 1.0 - loadv(c.p2 + o) * expv(loadv(c.p3 + o) * zz);
        return sc * vsel(vgt(y, 0.0), y, splat(0.0));
    } else if constexpr (M == 4) {  // Pow: s * clamp((w - edge)*(+-1/range), 0, 1)^gamma
        vd r = (w - loadv(c.p1 + o)) * loadv(c.p2 + o);
        r = vsel(vlt(r, 0.0), splat(0.0), r);
        r = vsel(vgt(r, 1.0), splat(1.0), r);
        const vd gexp = loadv(c.p3 + o);
        const vd pw = expv(gexp * logv(vsel(vgt(r, 1e-300), r, splat(1e-300))));
        // pow(0, g) = 0 for g > 0 and 1 for g == 0
        const vd at0 = vsel(veq(gexp, 0.0), splat(1.0), splat(0.0));
        return sc * vsel(vgt(r, 0.0), pw, at0);
    } else {  // Piecewise: s * interp(nodes, (w - w_min)/range*(n-1))
        vd m;
        for (int t = 0; t < kV; ++t) m[t] = piecewise_mean(c, o + t, w[t]);
        return m;
    }
}

template <int M>
inline void prepare_lanes(Lanes& c, const PulseRowArgs& a, std::int64_t k0, const std::int8_t* xs, int sd,
                          int len) {
    for (int l = 0; l < kLanes; ++l) {
        if (l >= len) {  // padding lanes: no step, no bound movement
            c.dirf[l] = 0.0;
            c.sc[l] = c.scstd[l] = c.lo[l] = c.hi[l] = c.p1[l] = c.p2[l] = c.p3[l] = 0.0;
            c.nodes[l] = a.pw_up;
            continue;
        }
        const std::int64_t k = k0 + l;
        const int dir = xs[l] * sd;
        const bool up = dir > 0;
        c.dirf[l] = static_cast<double>(dir);
        c.sc[l] = up ? a.scale_up[k] : a.scale_down[k];
        c.scstd[l] = c.sc[l] * a.std_c2c;
        c.lo[l] = a.w_min[k];
        c.hi[l] = a.w_max[k];
        const double range = c.hi[l] - c.lo[l];
        c.p1[l] = c.p2[l] = c.p3[l] = 0.0;
        c.nodes[l] = up ? a.pw_up : a.pw_down;
        if constexpr (M == 1 || M == 2) {
            c.p1[l] = up ? a.slope_up[k] : a.slope_down[k];
        } else if constexpr (M == 3) {
            if (range > 0.0) {
                c.p1[l] = 2.0 / range * a.es_a;
                c.p2[l] = up ? a.A_up : a.A_down;
                c.p3[l] = up ? a.g_up : -a.g_down;
            } else {
                c.sc[l] = 0.0;
            }
        } else if constexpr (M == 4) {
            if (range > 0.0) {
                c.p1[l] = up ? c.hi[l] : c.lo[l];
                c.p2[l] = up ? -1.0 / range : 1.0 / range;
                c.p3[l] = up ? a.slope_up[k] : a.slope_down[k];
            } else {
                c.sc[l] = 0.0;
            }
        } else if constexpr (M == 5) {
            const int nn = up ? a.n_pw_up : a.n_pw_down;
            if (range > 0.0 && nn > 0) {
                c.p1[l] = static_cast<double>(nn - 1) / range;
                c.p3[l] = static_cast<double>(nn);
            } else {
                c.sc[l] = 0.0;
            }
        }
    }
}

// The pulses of one 32-column block of one (sample, row); w[0..32) is updated in place. Each
// group of kV lanes runs its own pulse loop up to its own largest count, so a group stops
// (and draws no more normals) as soon as its lanes are done.
template <int M, bool Additive>
inline std::int64_t pulse_block(double* w, const std::uint32_t* xw, const std::int8_t* xs, std::uint32_t dword,
                                int sd, const PulseRowArgs& a, std::int64_t k0, int len, std::uint64_t ctr) {
    vd n[kG];
    double nmaxg[kG], tot = 0.0, nmax = 0.0;
    for (int g = 0; g < kG; ++g) {
        n[g] = countsv(xw + kV * g, dword);
        nmaxg[g] = hmaxv(n[g]);
        nmax = nmaxg[g] > nmax ? nmaxg[g] : nmax;
        tot += hsumv(n[g]);
    }
    if (nmax == 0.0) return 0;
    Lanes c;
    prepare_lanes<M>(c, a, k0, xs, sd, len);
    const double stdc = a.std_c2c;
    vd wv[kG];
    for (int g = 0; g < kG; ++g) wv[g] = loadv(w + kV * g);
    std::uint32_t buf[64];  // words of pulses s (half 0) and s + 1 (half 1)
    const int ns = static_cast<int>(nmax);
    for (int s = 0; s < ns; ++s) {
        const int h = s & 1;
        if (stdc > 0.0 && h == 0) philox16(a.seed, a.stream, ctr + static_cast<std::uint64_t>(s) * 8u, buf);
        const double sd_ = static_cast<double>(s);
        for (int g = 0; g < kG; ++g) {
            if (nmaxg[g] <= sd_) continue;
            const int o = kV * g;
            const vd z = stdc > 0.0 ? normalsv(buf + group_word(g) + 8 * h) : splat(0.0);
            const vd wl = wv[g];
            const vd m = step_meanv<M>(c, g, wl, a);
            const vd dw = Additive ? m + loadv(c.scstd + o) * z : m * (1.0 + stdc * z);
            vd v = wl + loadv(c.dirf + o) * dw;
            const vd hi = loadv(c.hi + o), lo = loadv(c.lo + o);
            v = vsel(vgt(v, hi), hi, v);
            v = vsel(vlt(v, lo), lo, v);
            wv[g] = vsel(vgt(n[g], sd_), v, wl);
        }
    }
    for (int g = 0; g < kG; ++g) storev(w + kV * g, wv[g]);
    return static_cast<std::int64_t>(tot);
}

// ---- row drivers ------------------------------------------------------------------------
// Walks the samples and 32-column blocks of row i; full blocks work on the tile's memory in
// place, the last partial block on zero-padded copies (padding lanes have no pulses).
template <class Block>
inline std::int64_t for_each_block(const PulseRowArgs& a, std::int64_t i, Block&& block) {
    const std::int64_t C = a.C, R = a.R, nblk = pulse_blocks(C);
    std::int64_t total = 0;
    for (std::int64_t b = 0; b < a.batch; ++b) {
        if (a.bl[b] == 0) continue;
        const int sd = a.dsign[b * R + i];
        const std::uint32_t dword = a.dbits[b * R + i];
        if (sd == 0 || dword == 0u) continue;
        const std::uint64_t sample_row = static_cast<std::uint64_t>(b * R + i) * static_cast<std::uint64_t>(nblk);
        for (std::int64_t jb = 0; jb < nblk; ++jb) {
            const std::int64_t j0 = jb * kLanes;
            const int len = C - j0 < kLanes ? static_cast<int>(C - j0) : kLanes;
            total += block(b, sd, dword, j0, len, sample_row + static_cast<std::uint64_t>(jb));
        }
    }
    return total;
}

inline std::int64_t constant_row(const PulseRowArgs& a, std::int64_t i) {
    const std::int64_t C = a.C;
    return for_each_block(a, i, [&](std::int64_t b, int sd, std::uint32_t dword, std::int64_t j0, int len,
                                    std::uint64_t blk) -> std::int64_t {
        const std::int64_t k0 = i * C + j0;
        const std::uint32_t* xw = a.xbits + b * C + j0;
        const std::int8_t* xs = a.xsign + b * C + j0;
        const std::uint64_t ctr = blk * 8u;
        double sgn[kLanes];
        if (len == kLanes) {
            for (int l = 0; l < kLanes; ++l) sgn[l] = static_cast<double>(xs[l]);
            return constant_block(a.W + k0, a.scale_up + k0, a.scale_down + k0, a.w_min + k0, a.w_max + k0, xw, sgn,
                                  dword, sd, a.std_c2c, a.seed, a.stream, ctr);
        }
        double w[kLanes], su[kLanes], sdn[kLanes], lo[kLanes], hi[kLanes];
        std::uint32_t xp[kLanes];
        for (int l = 0; l < kLanes; ++l) {
            const bool in = l < len;
            w[l] = in ? a.W[k0 + l] : 0.0;
            su[l] = in ? a.scale_up[k0 + l] : 0.0;
            sdn[l] = in ? a.scale_down[k0 + l] : 0.0;
            lo[l] = in ? a.w_min[k0 + l] : 0.0;
            hi[l] = in ? a.w_max[k0 + l] : 0.0;
            xp[l] = in ? xw[l] : 0u;
            sgn[l] = in ? static_cast<double>(xs[l]) : 0.0;
        }
        const std::int64_t t = constant_block(w, su, sdn, lo, hi, xp, sgn, dword, sd, a.std_c2c, a.seed, a.stream, ctr);
        for (int l = 0; l < len; ++l) a.W[k0 + l] = w[l];
        return t;
    });
}

template <int M, bool Additive>
inline std::int64_t per_pulse_row_t(const PulseRowArgs& a, std::int64_t i) {
    const std::int64_t C = a.C;
    return for_each_block(a, i, [&](std::int64_t b, int sd, std::uint32_t dword, std::int64_t j0, int len,
                                    std::uint64_t blk) -> std::int64_t {
        const std::int64_t k0 = i * C + j0;
        const std::uint64_t ctr = blk * static_cast<std::uint64_t>(kLanes) * 8u;
        double w[kLanes];
        std::uint32_t xp[kLanes];
        std::int8_t sp[kLanes];
        for (int l = 0; l < kLanes; ++l) {
            const bool in = l < len;
            w[l] = in ? a.W[k0 + l] : 0.0;
            xp[l] = in ? a.xbits[b * C + j0 + l] : 0u;
            sp[l] = in ? a.xsign[b * C + j0 + l] : std::int8_t{0};
        }
        const std::int64_t t = pulse_block<M, Additive>(w, xp, sp, dword, sd, a, k0, len, ctr);
        for (int l = 0; l < len; ++l) a.W[k0 + l] = w[l];
        return t;
    });
}

inline std::int64_t per_pulse_row(const PulseRowArgs& a, std::int64_t i) {
    const bool additive = (a.model == 1 || a.model == 2) && !a.mult_noise;
    switch (a.model) {
        case 0: return per_pulse_row_t<0, false>(a, i);
        case 1: return additive ? per_pulse_row_t<1, true>(a, i) : per_pulse_row_t<1, false>(a, i);
        case 2: return additive ? per_pulse_row_t<2, true>(a, i) : per_pulse_row_t<2, false>(a, i);
        case 3: return per_pulse_row_t<3, false>(a, i);
        case 4: return per_pulse_row_t<4, false>(a, i);
        default: return per_pulse_row_t<5, false>(a, i);
    }
}

}  // namespace PNNKIT_PULSE_NS
}  // namespace crossbar
}  // namespace pnnkit

#pragma GCC diagnostic pop
