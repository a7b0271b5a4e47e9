// Private: body of the batched crossbar read, compiled once per instruction set.
//
// Included by mvm_kernel_{generic,avx2,avx512}.cpp with PNNKIT_XBAR_NS set to a distinct
// namespace (and Eigen renamed by a macro in the SIMD units) so that the copies never clash.
// Layout of the work: threads take contiguous blocks of batch rows; per block and physical
// tile, one fused pass prepares the DAC inputs, one Eigen GEMM (noalias, preallocated
// buffers) does the MVM, and one fused pass applies noise, ADC and the digital rescale.
// Rows that clipped are re-read one by one (GEMV) by the bound management.
#ifndef PNNKIT_XBAR_NS
#error "define PNNKIT_XBAR_NS before including mvm_kernel_impl.hpp"
#endif

namespace pnnkit {
namespace crossbar {
namespace detail {
namespace PNNKIT_XBAR_NS {

using RowMat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using WMap = Eigen::Map<const RowMat, 0, Eigen::OuterStride<>>;
using VecMap = Eigen::Map<Eigen::VectorXf>;
using CVecMap = Eigen::Map<const Eigen::VectorXf>;

// Bit casts that the vectorizer understands (memcpy is the portable fallback).
static inline std::uint32_t float_to_bits(float f) {
#if defined(__GNUC__) && __GNUC__ >= 11
    return __builtin_bit_cast(std::uint32_t, f);
#else
    std::uint32_t b;
    std::memcpy(&b, &f, sizeof b);
    return b;
#endif
}
static inline float bits_to_float(std::uint32_t b) {
#if defined(__GNUC__) && __GNUC__ >= 11
    return __builtin_bit_cast(float, b);
#else
    float f;
    std::memcpy(&f, &b, sizeof f);
    return f;
#endif
}

// Natural log for positive, finite, normal floats, branch-free so that loops over it vectorize:
// v = m 2^e with m in [sqrt(1/2), sqrt(2)), ln v = e ln2 + ln(1 + f), f = m - 1, with the
// classic Cephes single-precision minimax polynomial for ln(1 + f) (no division; |rel err| ~ 1e-7).
static inline float log_pos(float v) {
    const std::uint32_t b = float_to_bits(v);
    std::int32_t e = static_cast<std::int32_t>(b >> 23) - 127;
    float m = bits_to_float((b & 0x007FFFFFu) | 0x3F800000u);
    const bool big = m > 1.41421356f;
    m = big ? 0.5f * m : m;
    e = big ? e + 1 : e;
    const float f = m - 1.0f;
    const float z = f * f;
    float p = 7.0376836292e-2f;
    p = p * f - 1.1514610310e-1f;
    p = p * f + 1.1676998740e-1f;
    p = p * f - 1.2420140846e-1f;
    p = p * f + 1.4249322787e-1f;
    p = p * f - 1.6668057665e-1f;
    p = p * f + 2.0000714765e-1f;
    p = p * f - 2.4999993993e-1f;
    p = p * f + 3.3333331174e-1f;
    const float fe = static_cast<float>(e);
    float y = f * z * p - 2.12194440e-4f * fe - 0.5f * z;
    return f + y + 0.693359375f * fe;
}

// sqrt for w in [0.5, 64] without libm (std::sqrt's errno path blocks vectorization): inverse
// square root from the bit-level first guess, three Newton steps (relative error < 1e-7).
static inline float sqrt_pos(float w) {
    w = std::max(w, 0.5f);
    float y = bits_to_float(0x5F3759DFu - (float_to_bits(w) >> 1));
    const float h = 0.5f * w;
    y = y * (1.5f - h * y * y);
    y = y * (1.5f - h * y * y);
    y = y * (1.5f - h * y * y);
    return w * y;
}

// Standard normal from a 24-bit uniform u in (0, 1) by the inverse error function,
// n = sqrt(2) erfinv(2u - 1), with the single-precision approximation of M. Giles
// ("Approximating the erfinv function", GPU Computing Gems, 2010): a polynomial in
// w = -ln(4u(1-u)) for the centre (w < 5) and one in sqrt(w) for the tails.
static inline float uniform24(std::uint32_t bits) {
    return (static_cast<float>(bits >> 8) + 0.5f) * (1.0f / 16777216.0f);
}
// 4u(1-u) below this is the tail (w >= 5); P(tail) = 0.34 %.
constexpr float kTailArg = 0.006737947f;  // exp(-5)

static inline float normal_central(std::uint32_t bits) {
    const float u = uniform24(bits);
    const float x = 2.0f * u - 1.0f;
    const float wc = -log_pos(4.0f * u * (1.0f - u)) - 2.5f;
    float p = 2.81022636e-08f;
    p = 3.43273939e-07f + p * wc;
    p = -3.5233877e-06f + p * wc;
    p = -4.39150654e-06f + p * wc;
    p = 0.00021858087f + p * wc;
    p = -0.00125372503f + p * wc;
    p = -0.00417768164f + p * wc;
    p = 0.246640727f + p * wc;
    p = 1.50140941f + p * wc;
    return 1.41421356237f * p * x;
}

static inline float normal_tail(std::uint32_t bits) {
    const float u = uniform24(bits);
    const float x = 2.0f * u - 1.0f;
    const float wt = sqrt_pos(-log_pos(4.0f * u * (1.0f - u))) - 3.0f;
    float p = -0.000200214257f;
    p = 0.000100950558f + p * wt;
    p = 0.00134934322f + p * wt;
    p = -0.00367342844f + p * wt;
    p = 0.00573950773f + p * wt;
    p = -0.0076224613f + p * wt;
    p = 0.00943887047f + p * wt;
    p = 1.00167406f + p * wt;
    p = 2.83297682f + p * wt;
    return 1.41421356237f * p * x;
}

// 16 normals from 16 words: the centre formula vectorized for all, the rare tails redone.
static inline void normals16(const std::uint32_t* __restrict w, float* __restrict out) {
    int tail = 0;
    for (int l = 0; l < 16; ++l) {
        out[l] = normal_central(w[l]);
        const float u = uniform24(w[l]);
        tail |= (4.0f * u * (1.0f - u) <= kTailArg) ? 1 : 0;
    }
    if (tail) {
        for (int l = 0; l < 16; ++l) {
            const float u = uniform24(w[l]);
            if (4.0f * u * (1.0f - u) <= kTailArg) out[l] = normal_tail(w[l]);
        }
    }
}

// One Philox4x32 round on 16 independent lanes. The 32x32->64 products use the even/odd-lane
// unsigned multiply of AVX-512/AVX2 explicitly (the auto-vectorizer picks the slow 64-bit
// vpmullq); the portable loop is the reference and the fallback.
#if defined(__AVX512F__)
static inline void mulhilo16(__m512i a, __m512i m, __m512i& hi, __m512i& lo) {
    const __m512i pe = _mm512_mul_epu32(a, m);                         // lanes 0, 2, 4, ...
    const __m512i po = _mm512_mul_epu32(_mm512_srli_epi64(a, 32), m);  // lanes 1, 3, 5, ...
    hi = _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(pe, 32), po);
    lo = _mm512_mask_blend_epi32(0xAAAA, pe, _mm512_slli_epi64(po, 32));
}
#elif defined(__AVX2__)
static inline void mulhilo8(__m256i a, __m256i m, __m256i& hi, __m256i& lo) {
    const __m256i pe = _mm256_mul_epu32(a, m);
    const __m256i po = _mm256_mul_epu32(_mm256_srli_epi64(a, 32), m);
    hi = _mm256_blend_epi32(_mm256_srli_epi64(pe, 32), po, 0xAA);
    lo = _mm256_blend_epi32(pe, _mm256_slli_epi64(po, 32), 0xAA);
}
#endif

// Philox4x32-10 of the 16 counters block*16 + l under (stream, seed): words -> c0..c3[l].
// block*16 is a multiple of 16, so adding l never carries into the high counter word.
static inline void philox10_16(std::uint64_t block, std::uint64_t stream, std::uint64_t seed,
                               std::uint32_t* __restrict c0, std::uint32_t* __restrict c1,
                               std::uint32_t* __restrict c2, std::uint32_t* __restrict c3) {
    std::uint32_t k0 = static_cast<std::uint32_t>(seed), k1 = static_cast<std::uint32_t>(seed >> 32);
    const std::uint64_t base = block * 16u;
#if defined(__AVX512F__)
    __m512i x0 = _mm512_add_epi32(_mm512_set1_epi32(static_cast<int>(static_cast<std::uint32_t>(base))),
                                  _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
    __m512i x1 = _mm512_set1_epi32(static_cast<int>(static_cast<std::uint32_t>(base >> 32)));
    __m512i x2 = _mm512_set1_epi32(static_cast<int>(static_cast<std::uint32_t>(stream)));
    __m512i x3 = _mm512_set1_epi32(static_cast<int>(static_cast<std::uint32_t>(stream >> 32)));
    const __m512i m0 = _mm512_set1_epi64(0xD2511F53), m1 = _mm512_set1_epi64(0xCD9E8D57);
    for (int r = 0; r < 10; ++r) {
        __m512i hi0, lo0, hi1, lo1;
        mulhilo16(x0, m0, hi0, lo0);
        mulhilo16(x2, m1, hi1, lo1);
        const __m512i kk0 = _mm512_set1_epi32(static_cast<int>(k0)), kk1 = _mm512_set1_epi32(static_cast<int>(k1));
        x0 = _mm512_xor_si512(_mm512_xor_si512(hi1, x1), kk0);
        x1 = lo1;
        x2 = _mm512_xor_si512(_mm512_xor_si512(hi0, x3), kk1);
        x3 = lo0;
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
    _mm512_storeu_si512(c0, x0);
    _mm512_storeu_si512(c1, x1);
    _mm512_storeu_si512(c2, x2);
    _mm512_storeu_si512(c3, x3);
#elif defined(__AVX2__)
    for (int l = 0; l < 16; ++l) {
        c0[l] = static_cast<std::uint32_t>(base + static_cast<std::uint64_t>(l));
        c1[l] = static_cast<std::uint32_t>(base >> 32);
        c2[l] = static_cast<std::uint32_t>(stream);
        c3[l] = static_cast<std::uint32_t>(stream >> 32);
    }
    for (int h = 0; h < 16; h += 8) {
        __m256i x0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(c0 + h));
        __m256i x1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(c1 + h));
        __m256i x2 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(c2 + h));
        __m256i x3 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(c3 + h));
        const __m256i m0 = _mm256_set1_epi64x(0xD2511F53), m1 = _mm256_set1_epi64x(0xCD9E8D57);
        std::uint32_t a0 = k0, a1 = k1;
        for (int r = 0; r < 10; ++r) {
            __m256i hi0, lo0, hi1, lo1;
            mulhilo8(x0, m0, hi0, lo0);
            mulhilo8(x2, m1, hi1, lo1);
            x0 = _mm256_xor_si256(_mm256_xor_si256(hi1, x1), _mm256_set1_epi32(static_cast<int>(a0)));
            x1 = lo1;
            x2 = _mm256_xor_si256(_mm256_xor_si256(hi0, x3), _mm256_set1_epi32(static_cast<int>(a1)));
            x3 = lo0;
            a0 += 0x9E3779B9u;
            a1 += 0xBB67AE85u;
        }
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(c0 + h), x0);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(c1 + h), x1);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(c2 + h), x2);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(c3 + h), x3);
    }
#else
    for (int l = 0; l < 16; ++l) {
        c0[l] = static_cast<std::uint32_t>(base + static_cast<std::uint64_t>(l));
        c1[l] = static_cast<std::uint32_t>(base >> 32);
        c2[l] = static_cast<std::uint32_t>(stream);
        c3[l] = static_cast<std::uint32_t>(stream >> 32);
    }
    for (int r = 0; r < 10; ++r) {
        for (int l = 0; l < 16; ++l) {
            const std::uint64_t p0 = static_cast<std::uint64_t>(c0[l]) * 0xD2511F53ull;
            const std::uint64_t p1 = static_cast<std::uint64_t>(c2[l]) * 0xCD9E8D57ull;
            const std::uint32_t n0 = static_cast<std::uint32_t>(p1 >> 32) ^ c1[l] ^ k0;
            const std::uint32_t n1 = static_cast<std::uint32_t>(p1);
            const std::uint32_t n2 = static_cast<std::uint32_t>(p0 >> 32) ^ c3[l] ^ k1;
            const std::uint32_t n3 = static_cast<std::uint32_t>(p0);
            c0[l] = n0;
            c1[l] = n1;
            c2[l] = n2;
            c3[l] = n3;
        }
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
#endif
}

// 64 standard normals for block `block` of stream (seed, stream): Philox4x32-10 on the 16
// counters block*16 + l (the same words as CounterRng::bits), word j of lane l -> out[16 j + l].
static inline void normal_block64(std::uint64_t seed, std::uint64_t stream, std::uint64_t block, float* out) {
    constexpr int L = 16;
    alignas(64) std::uint32_t c0[L], c1[L], c2[L], c3[L];
    philox10_16(block, stream, seed, c0, c1, c2, c3);
    normals16(c0, out);
    normals16(c1, out + L);
    normals16(c2, out + 2 * L);
    normals16(c3, out + 3 * L);
}

// Round to nearest (ties to even) for |q| < 2^22, vectorizable (the bounds guarantee the range).
static inline float round_small(float q) {
    const float magic = 12582912.0f;  // 1.5 * 2^23
    return (q + magic) - magic;
}

// Clamp by value (std::min/max return references, which defeat "omp simd" vectorization).
static inline float clampf(float v, float lo, float hi) { return v < lo ? lo : (v > hi ? hi : v); }
static inline float maxf(float a, float b) { return a > b ? a : b; }

struct Periphery {
    float inp_bound, inp_step, inv_inp_step;  // step 0: no DAC
    float out_noise, w_noise, out_res, out_bound, max_bm;
    bool abs_max, iterative, ir_drop;
    float ir_scale;
};

// DAC side of one row: v = quantize(clip(x / (s f))), then IR drop. Returns |v|^2; sets s.
// `nonfinite` is raised when x holds NaN or Inf.
static inline float prepare_row(const float* x, std::int64_t n, const Periphery& P, float f, float gbar,
                                float* v, float& s, bool& nonfinite) {
    float amax = 0.0f, probe = 0.0f;
#pragma omp simd reduction(max : amax) reduction(+ : probe)
    for (std::int64_t j = 0; j < n; ++j) {
        amax = maxf(amax, std::abs(x[j]));
        probe += x[j] * 0.0f;  // NaN if any x is NaN or Inf
    }
    if (!(probe == 0.0f)) nonfinite = true;
    s = P.abs_max ? amax : 1.0f;
    if (s == 0.0f) {  // all-zero row: reads zero; keep the GEMM operand defined
        std::fill_n(v, n, 0.0f);
        return 0.0f;
    }
    const float inv = 1.0f / (s * f);
    const float b = P.inp_bound;
    float norm2 = 0.0f;
    if (P.inp_step > 0.0f) {
        const float st = P.inp_step, ist = P.inv_inp_step;
#pragma omp simd reduction(+ : norm2)
        for (std::int64_t j = 0; j < n; ++j) {
            float t = clampf(x[j] * inv, -b, b);
            t = round_small(t * ist) * st;
            v[j] = t;
            norm2 += t * t;
        }
    } else {
#pragma omp simd reduction(+ : norm2)
        for (std::int64_t j = 0; j < n; ++j) {
            const float t = clampf(x[j] * inv, -b, b);
            v[j] = t;
            norm2 += t * t;
        }
    }
    if (P.ir_drop && gbar > 0.0f) {
        // dV_j = c * (sum_{m<=j} v_m (m+1) + (j+1) sum_{m>j} v_m), c = ir_drop * gbar * 2 / n^2.
        const double c = static_cast<double>(P.ir_scale) * gbar * 2.0 / (static_cast<double>(n) * n);
        double total = 0.0;
        for (std::int64_t j = 0; j < n; ++j) total += v[j];
        double weighted = 0.0, below = 0.0;
        norm2 = 0.0f;
        for (std::int64_t j = 0; j < n; ++j) {
            const double vj = v[j];
            weighted += vj * static_cast<double>(j + 1);
            below += vj;
            const double drop = c * (weighted + static_cast<double>(j + 1) * (total - below));
            const float t = static_cast<float>(vj - drop);
            v[j] = t;
            norm2 += t * t;
        }
    }
    return norm2;
}

// ADC side of one row: z += noise, clip, quantize. Returns how many outputs hit the bound.
static inline std::int64_t finish_row(float* z, std::int64_t n, const Periphery& P, float w_scale, float norm2,
                              std::uint64_t seed, std::uint64_t stream, std::uint64_t row, float* noise) {
    const float sigma = w_scale * std::sqrt(P.out_noise * P.out_noise + P.w_noise * P.w_noise * norm2);
    if (sigma > 0.0f) {
        const std::uint64_t nblk = static_cast<std::uint64_t>((n + 63) / 64);
        for (std::uint64_t b = 0; b < nblk; ++b) normal_block64(seed, stream, row * nblk + b, noise + 64 * b);
#pragma omp simd
        for (std::int64_t o = 0; o < n; ++o) z[o] += sigma * noise[o];
    }
    if (!(P.out_bound > 0.0f)) return 0;
    const float bound = P.out_bound * w_scale;
    const float step = P.out_res * 2.0f * bound;
    std::int64_t hit = 0;
    // one fused pass: saturation test, clip, ADC rounding
    if (step > 0.0f) {
        const float ist = 1.0f / step;
#pragma omp simd reduction(+ : hit)
        for (std::int64_t o = 0; o < n; ++o) {
            const float v = z[o];
            hit += (std::abs(v) >= bound) ? 1 : 0;
            z[o] = round_small(clampf(v, -bound, bound) * ist) * step;
        }
    } else {
#pragma omp simd reduction(+ : hit)
        for (std::int64_t o = 0; o < n; ++o) {
            const float v = z[o];
            hit += (std::abs(v) >= bound) ? 1 : 0;
            z[o] = clampf(v, -bound, bound);
        }
    }
    return hit;
}

inline MvmResult mvm(const MvmArgs& a) {
    const std::int64_t batch = a.batch;
    const std::int64_t ld_x = a.transposed ? a.n_out : a.n_in;
    const std::int64_t ld_y = a.transposed ? a.n_in : a.n_out;
    const int nt = static_cast<int>(std::max<std::int64_t>(1, std::min<std::int64_t>(a.num_threads, batch)));
    const std::int64_t per_thread = (batch + nt - 1) / nt;
    constexpr std::int64_t kMaxChunk = 256;  // bounds the per-thread buffers

    const IOParams& io = a.io;
    Periphery P;
    P.inp_bound = io.inp_bound;
    P.inp_step = io.inp_res > 0.0f ? io.inp_res * 2.0f * io.inp_bound : 0.0f;
    P.inv_inp_step = P.inp_step > 0.0f ? 1.0f / P.inp_step : 0.0f;
    P.out_noise = io.out_noise;
    P.w_noise = io.w_noise;
    P.out_res = io.out_res;
    P.out_bound = io.out_bound;
    P.max_bm = io.max_bm_factor;
    P.abs_max = io.noise_management == NoiseManagement::AbsMax;
    P.iterative = io.bound_management == BoundManagement::Iterative && io.out_bound > 0.0f;
    P.ir_drop = io.ir_drop > 0.0f;
    P.ir_scale = io.ir_drop;

    std::vector<MvmResult> part(static_cast<std::size_t>(nt));
#pragma omp parallel for schedule(static) num_threads(nt)
    for (int t = 0; t < nt; ++t) {
        MvmResult& res = part[static_cast<std::size_t>(t)];
        const std::int64_t r_begin = std::min(batch, t * per_thread);
        const std::int64_t r_end = std::min(batch, r_begin + per_thread);
        // Buffers persist per thread across calls: large fresh allocations would be mmap'ed and
        // page-faulted on every read.
        static thread_local std::vector<float> xq_buf, z_buf, scale, norm2, noise, xrow, zrow;
        for (std::int64_t c0 = r_begin; c0 < r_end; c0 += kMaxChunk) {
            const std::int64_t rows = std::min(kMaxChunk, r_end - c0);
            if (io.is_perfect) {
                Eigen::Map<const RowMat> Xm(a.X + c0 * ld_x, rows, ld_x);
                Eigen::Map<RowMat> Ym(a.Y + c0 * ld_y, rows, ld_y);
                Eigen::Map<const RowMat> Wm(a.W, a.n_out, a.n_in);
                if (a.transposed)
                    Ym.noalias() = Xm * Wm;
                else
                    Ym.noalias() = Xm * Wm.transpose();
                res.stats.reads += rows * static_cast<std::int64_t>(a.tiles.size());
                continue;
            }
            for (std::size_t ti = 0; ti < a.tiles.size(); ++ti) {
                const TileBlock& tb = a.tiles[ti];
                const std::int64_t nin = a.transposed ? tb.no : tb.ni;
                const std::int64_t nout = a.transposed ? tb.ni : tb.no;
                const std::int64_t in_off = a.transposed ? tb.o0 : tb.i0;
                const std::int64_t out_off = a.transposed ? tb.i0 : tb.o0;
                // The first tile along the input dimension writes the output slice, later ones add.
                const bool first = a.transposed ? tb.o0 == 0 : tb.i0 == 0;
                WMap Wt(a.W + tb.o0 * a.n_in + tb.i0, tb.no, tb.ni, Eigen::OuterStride<>(a.n_in));
                if (xq_buf.size() < static_cast<std::size_t>(rows * nin)) xq_buf.resize(rows * nin);
                if (z_buf.size() < static_cast<std::size_t>(rows * nout)) z_buf.resize(rows * nout);
                Eigen::Map<RowMat> xq(xq_buf.data(), rows, nin), z(z_buf.data(), rows, nout);
                scale.resize(static_cast<std::size_t>(rows));
                norm2.resize(static_cast<std::size_t>(rows));
                noise.resize(static_cast<std::size_t>((nout + 63) / 64 * 64));
                xrow.resize(static_cast<std::size_t>(nin));
                zrow.resize(static_cast<std::size_t>(nout));
                for (std::int64_t r = 0; r < rows; ++r)
                    norm2[r] = prepare_row(a.X + (c0 + r) * ld_x + in_off, nin, P, 1.0f, tb.gbar, xq.data() + r * nin,
                                           scale[r], res.nonfinite_input);
                if (a.transposed)
                    z.noalias() = xq * Wt;
                else
                    z.noalias() = xq * Wt.transpose();
                const std::uint64_t stream0 = kStreamReadNoise + static_cast<std::uint64_t>(ti) * 1024u;
                for (std::int64_t r = 0; r < rows; ++r) {
                    const std::uint64_t row = static_cast<std::uint64_t>(c0 + r);
                    res.stats.reads += 1;
                    float* yr = a.Y + (c0 + r) * ld_y + out_off;
                    if (scale[r] == 0.0f) {  // an all-zero input row reads zero
                        if (first) std::fill_n(yr, nout, 0.0f);
                        continue;
                    }
                    float* zr = z.data() + r * nout;
                    std::int64_t clipped = finish_row(zr, nout, P, tb.w_scale, norm2[r], a.seed, stream0, row, noise.data());
                    float f = 1.0f;
                    std::uint64_t k = 0;
                    while (clipped > 0 && P.iterative && 2.0f * f <= P.max_bm) {
                        f *= 2.0f;
                        ++k;
                        float s_unused;
                        bool dummy = false;
                        const float n2 = prepare_row(a.X + (c0 + r) * ld_x + in_off, nin, P, f, tb.gbar, xrow.data(),
                                                     s_unused, dummy);
                        CVecMap xv(xrow.data(), nin);
                        VecMap zv(zrow.data(), nout);
                        if (a.transposed)
                            zv.noalias() = Wt.transpose() * xv;
                        else
                            zv.noalias() = Wt * xv;
                        clipped = finish_row(zrow.data(), nout, P, tb.w_scale, n2, a.seed, stream0 + k, row, noise.data());
                        std::copy_n(zrow.data(), nout, zr);
                        res.stats.reads += 1;
                        res.stats.bm_rereads += 1;
                    }
                    res.stats.clipped_outputs += clipped;
                    const float back = scale[r] * f;
                    if (first) {
#pragma omp simd
                        for (std::int64_t o = 0; o < nout; ++o) yr[o] = back * zr[o];
                    } else {
#pragma omp simd
                        for (std::int64_t o = 0; o < nout; ++o) yr[o] += back * zr[o];
                    }
                }
            }
        }
    }
    MvmResult total;
    for (const MvmResult& p : part) {
        total.stats.reads += p.stats.reads;
        total.stats.bm_rereads += p.stats.bm_rereads;
        total.stats.clipped_outputs += p.stats.clipped_outputs;
        total.nonfinite_input = total.nonfinite_input || p.nonfinite_input;
    }
    return total;
}

}  // namespace PNNKIT_XBAR_NS
}  // namespace detail
}  // namespace crossbar
}  // namespace pnnkit
