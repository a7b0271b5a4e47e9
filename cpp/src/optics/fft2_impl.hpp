// A single-threaded 2-D FFT engine on top of pocketfft's 1-D plans, specialised for the
// angular-spectrum step  out = crop(IFFT2(H * FFT2(pad(t * in)))).
//
// Why not pocketfft::c2c: the fused step skips the FFT of all-zero padding rows, multiplies
// by H inside the column pass (one pass over memory less), only inverse-transforms the rows
// that survive the crop, and reuses plans and buffers across a whole batch. Both passes
// process NV = VLEN rows/columns at once in SIMD lanes (pocketfft's own vector type), which is
// where pocketfft gets its 2-D speed. Threading lives outside (OpenMP over the batch), so
// pocketfft is compiled without its thread pool.
//
// Memory layout (why it is fast): between the passes the spectrum lives in "column blocks":
// block b holds columns b*NV .. b*NV+NV-1 as ps rows of lane vectors (real and imaginary parts
// apart), i.e. exactly what the column FFT works on. The column pass then runs pocketfft in
// place on contiguous memory, and H is packed the same way once per call (pack_h), so the
// H multiply is plain vector arithmetic (reading half of H when its rows are mirror-symmetric). A strided column gather (one cache line per row,
// rows a page apart: no hardware prefetch) cost more than the column FFTs themselves.
// The row passes move data between rows and lanes with NV x NV register transposes.
//
// Compiled once per instruction set: the including unit (stack_kernel_*.cpp) includes the
// standard headers, sets its target, may rename pocketfft (#define pocketfft pocketfft_<isa>)
// and defines PNNKIT_OPTICS_NS, so that each copy has its own symbols (one-definition rule).
#pragma once
#ifndef PNNKIT_OPTICS_NS
#error "define PNNKIT_OPTICS_NS before including fft2_impl.hpp"
#endif
#ifndef POCKETFFT_NO_MULTITHREADING
#define POCKETFFT_NO_MULTITHREADING
#endif
#include <pocketfft/pocketfft_hdronly.h>

#include <complex>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <utility>

// GCC's __builtin_shuffle for the lane shuffles; elsewhere (or with
// -DPNNKIT_OPTICS_SCALAR_SHUFFLES, to test that path) scalar loops with the same results.
#if !defined(POCKETFFT_NO_VECTORS) && defined(__GNUC__) && !defined(__clang__) && \
    !defined(PNNKIT_OPTICS_SCALAR_SHUFFLES)
#define PNNKIT_OPTICS_GCC_SHUFFLES 1
#else
#define PNNKIT_OPTICS_GCC_SHUFFLES 0
#endif

namespace pnnkit::optics::PNNKIT_OPTICS_NS {

namespace pfd = pocketfft::detail;

// SIMD lane type for T (a GCC/Clang vector of n values, or T itself when unavailable), with the
// register shuffles the engine needs. GCC gets them as __builtin_shuffle with constant masks;
// other compilers use the scalar loops (same results: shuffles only move values).
template <typename T>
struct Lanes {
#ifndef POCKETFFT_NO_VECTORS
    using type = pfd::vtype_t<T>;
    static constexpr std::size_t n = pfd::VLEN<T>::val;
    static inline T get(const type& v, std::size_t j) { return v[j]; }
    static inline void set(type& v, std::size_t j, T x) { v[j] = x; }
#else
    using type = T;
    static constexpr std::size_t n = 1;
    static inline T get(const type& v, std::size_t) { return v; }
    static inline void set(type& v, std::size_t, T x) { v = x; }
#endif
    using V = type;

#if PNNKIT_OPTICS_GCC_SHUFFLES
    // Integer lanes of T's width: the shuffle mask type.
    using I = std::conditional_t<sizeof(T) == 4, std::int32_t, std::int64_t>;
    typedef I M __attribute__((vector_size(sizeof(V))));
    template <std::size_t... k>
    static constexpr M zip_lo_mask(std::index_sequence<k...>) {
        return M{static_cast<I>(k % 2 ? n + k / 2 : k / 2)...};
    }
    template <std::size_t... k>
    static constexpr M zip_hi_mask(std::index_sequence<k...>) {
        return M{static_cast<I>(k % 2 ? n + n / 2 + k / 2 : n / 2 + k / 2)...};
    }
    template <std::size_t... k>
    static constexpr M even_mask(std::index_sequence<k...>) {
        return M{static_cast<I>(2 * k)...};
    }
    template <std::size_t... k>
    static constexpr M odd_mask(std::index_sequence<k...>) {
        return M{static_cast<I>(2 * k + 1)...};
    }
    // [a0 b0 a1 b1 ...] (first halves) and [a_{n/2} b_{n/2} ...] (second halves).
    static inline V zip_lo(V a, V b) { return __builtin_shuffle(a, b, zip_lo_mask(std::make_index_sequence<n>{})); }
    static inline V zip_hi(V a, V b) { return __builtin_shuffle(a, b, zip_hi_mask(std::make_index_sequence<n>{})); }
    // Even / odd elements of the 2n values a ++ b.
    static inline V evens(V a, V b) { return __builtin_shuffle(a, b, even_mask(std::make_index_sequence<n>{})); }
    static inline V odds(V a, V b) { return __builtin_shuffle(a, b, odd_mask(std::make_index_sequence<n>{})); }
#else
    static inline V zip_lo(V a, V b) {
        V r{};
        for (std::size_t k = 0; k < n; ++k) set(r, k, k % 2 ? get(b, k / 2) : get(a, k / 2));
        return r;
    }
    static inline V zip_hi(V a, V b) {
        V r{};
        for (std::size_t k = 0; k < n; ++k) set(r, k, k % 2 ? get(b, n / 2 + k / 2) : get(a, n / 2 + k / 2));
        return r;
    }
    static inline V evens(V a, V b) {
        V r{};
        for (std::size_t k = 0; k < n; ++k) set(r, k, 2 * k < n ? get(a, 2 * k) : get(b, 2 * k - n));
        return r;
    }
    static inline V odds(V a, V b) {
        V r{};
        for (std::size_t k = 0; k < n; ++k) set(r, k, 2 * k + 1 < n ? get(a, 2 * k + 1) : get(b, 2 * k + 1 - n));
        return r;
    }
#endif

#if PNNKIT_OPTICS_GCC_SHUFFLES
    // 8 x 8 in three rounds that stay inside 128-bit lanes until the last (unpack, pair
    // shuffle, lane-half swap): one instruction per shuffle on AVX/AVX2, where the generic
    // zips below cross lanes in every round (two instructions each).
    static inline void transpose8(V* a) {
        const M lo1{0, 8, 1, 9, 4, 12, 5, 13}, hi1{2, 10, 3, 11, 6, 14, 7, 15};
        const M lo2{0, 1, 8, 9, 4, 5, 12, 13}, hi2{2, 3, 10, 11, 6, 7, 14, 15};
        const M lo3{0, 1, 2, 3, 8, 9, 10, 11}, hi3{4, 5, 6, 7, 12, 13, 14, 15};
        V t[8], u[8];
        for (int i = 0; i < 4; ++i) {
            t[2 * i] = __builtin_shuffle(a[2 * i], a[2 * i + 1], lo1);
            t[2 * i + 1] = __builtin_shuffle(a[2 * i], a[2 * i + 1], hi1);
        }
        for (int h = 0; h < 8; h += 4) {
            u[h] = __builtin_shuffle(t[h], t[h + 2], lo2);
            u[h + 1] = __builtin_shuffle(t[h], t[h + 2], hi2);
            u[h + 2] = __builtin_shuffle(t[h + 1], t[h + 3], lo2);
            u[h + 3] = __builtin_shuffle(t[h + 1], t[h + 3], hi2);
        }
        for (int i = 0; i < 4; ++i) {
            a[i] = __builtin_shuffle(u[i], u[i + 4], lo3);
            a[i + 4] = __builtin_shuffle(u[i], u[i + 4], hi3);
        }
    }
#endif

    // In-place n x n transpose of a[0..n): a[k][j] <- a[j][k]. log2(n) rounds of zips: each
    // round rotates the (row, column) bit string of every element's index by one bit, so after
    // log2(n) rounds row and column bits have swapped.
    static inline void transpose(V* a) {
#if PNNKIT_OPTICS_GCC_SHUFFLES
        if constexpr (n == 8) {
            transpose8(a);
            return;
        }
#endif
        if constexpr (n > 1) {
            for (std::size_t s = 1; s < n; s *= 2) {
                V b[n];
                for (std::size_t i = 0; i < n / 2; ++i) {
                    b[2 * i] = zip_lo(a[i], a[i + n / 2]);
                    b[2 * i + 1] = zip_hi(a[i], a[i + n / 2]);
                }
                for (std::size_t i = 0; i < n; ++i) a[i] = b[i];
            }
        }
    }
    static inline V load(const T* p) {
        V v;
        std::memcpy(&v, p, sizeof(V));
        return v;
    }
    static inline void store(T* p, const V& v) { std::memcpy(p, &v, sizeof(V)); }
};

// Plans for a py x px grid (row-major, x fastest). Immutable after construction, so one
// object is shared by all threads; each thread brings its own Work.
template <typename T>
class Fft2 {
   public:
    using cT = std::complex<T>;
    using L = Lanes<T>;
    using V = typename L::type;
    using cV = pfd::cmplx<V>;
    static constexpr std::size_t NV = L::n;

    Fft2(std::size_t py, std::size_t px)
        : py_(py),
          px_(px),
          nb_((px + NV - 1) / NV),
          ps_((py + NV - 1) / NV * NV),
          plan_y_(new pfd::pocketfft_c<T>(py)),
          plan_x_(new pfd::pocketfft_c<T>(px)) {}

    std::size_t py() const { return py_; }
    std::size_t px() const { return px_; }

    // Lane vectors in one packed transfer function (see pack_h).
    std::size_t packed_size() const { return nb_ * ps_; }

    // A packed transfer function; mirror: its rows y and py - y are equal (see mirror_rows).
    struct PackedH {
        const cV* h;
        bool mirror;
    };

    // Whether H (py x px) has rows y and py - y equal for every y, exactly. True for every
    // transfer function of propagation.hpp (they depend on fy^2, and fftfreq gives k and py - k
    // frequencies of exactly opposite sign); the column pass then reads only rows 0..py/2 of
    // the packed H, which halves the H memory traffic (the H multiply is memory-bound).
    bool mirror_rows(const cT* H) const {
        for (std::size_t y = 1; y <= py_ / 2; ++y)
            for (std::size_t x = 0; x < px_; ++x)
                if (H[y * px_ + x] != H[(py_ - y) * px_ + x]) return false;
        return true;
    }

    // H (py x px, FFT order; conj(H) when conj_h) in the column-block layout: out[b*ps + y]
    // lane k = H[y, b*NV + k]; columns >= px and rows >= py are zero.
    void pack_h(const cT* H, bool conj_h, cV* out) const {
        const T sgn = conj_h ? T(-1) : T(1);
        for (std::size_t b = 0; b < nb_; ++b) {
            for (std::size_t y = 0; y < ps_; ++y) {
                V re{}, im{};
                for (std::size_t k = 0; k < NV && y < py_; ++k) {
                    const std::size_t x = b * NV + k;
                    if (x >= px_) break;
                    L::set(re, k, H[y * px_ + x].real());
                    L::set(im, k, sgn * H[y * px_ + x].imag());
                }
                out[b * ps_ + y] = cV(re, im);
            }
        }
    }

    // Per-thread scratch: the spectrum in column blocks and one row-lane buffer, both in
    // pocketfft's 64-byte aligned arrays (a std::vector of wide vectors is only as aligned as
    // the allocator's default target believes, and the wide copies use aligned vector moves).
    // Zeroed once: lanes beyond the grid only ever hold zeros or finite values.
    struct Work {
        pfd::arr<cV> blk;
        pfd::arr<cV> rows;
    };
    Work make_work() const {
        Work w{pfd::arr<cV>(nb_ * ps_), pfd::arr<cV>(nb_ * NV)};
        for (std::size_t i = 0; i < nb_ * ps_; ++i) w.blk[i] = cV(V{}, V{});
        for (std::size_t i = 0; i < nb_ * NV; ++i) w.rows[i] = cV(V{}, V{});
        return w;
    }

    // out (ny x nx) = crop(IFFT2(Hp .* FFT2(pad(t .* in)))); Hp from pack_h. t may be null
    // (no mask). in and out may alias.
    void propagate(const cT* in, const cT* t, PackedH Hp, cT* out, std::size_t ny, std::size_t nx, Work& w) const {
        Work* ws[1] = {&w};
        propagate_n(1, &in, &t, Hp, &out, ny, nx, ws);
    }

    // The same step for ns samples with the same H, each with its own Work: the column pass
    // visits each block of H once for all of them (the later samples find it in cache), which
    // divides the H traffic by ns. Results are those of ns separate propagate calls.
    void propagate_n(std::size_t ns, const cT* const* in, const cT* const* t, PackedH Hp, cT* const* out,
                     std::size_t ny, std::size_t nx, Work* const* w) const {
        for (std::size_t s = 0; s < ns; ++s) rows_forward(in[s], t[s], ny, nx, *w[s]);
        // 2) columns, in place per block: rows >= ny are zero padding; forward FFT along y,
        //    multiply by H, inverse FFT.
        const std::size_t half = Hp.mirror ? py_ / 2 + 1 : py_;
        for (std::size_t xb = 0; xb < nb_; ++xb) {
            const cV* h = Hp.h + xb * ps_;
#if defined(__GNUC__)
            // H streams from L3 (a plane per layer, too many for L2): request this block's rows
            // now, so they arrive during the forward column FFT instead of stalling the multiply.
            const char* hb = reinterpret_cast<const char*>(h);
            for (std::size_t off = 0; off < half * sizeof(cV); off += 64) __builtin_prefetch(hb + off, 0, 2);
#endif
            for (std::size_t s = 0; s < ns; ++s) {
                cV* c = w[s]->blk.data() + xb * ps_;
                for (std::size_t y = ny; y < py_; ++y) c[y] = cV(V{}, V{});
                plan_y_->exec(c, T(1), true);
                for (std::size_t y = 0; y < half; ++y) cmul(c[y], h[y]);
                for (std::size_t y = half; y < py_; ++y) cmul(c[y], h[py_ - y]);
                plan_y_->exec(c, T(1), false);
            }
        }
        for (std::size_t s = 0; s < ns; ++s) rows_inverse(*w[s], ny, nx, out[s]);
    }

   private:
    // 1) rows 0..ny-1 (NV at a time, one per lane): load (masked) input, zero-pad in x, forward
    //    FFT along x, transpose into the column blocks.
    void rows_forward(const cT* in, const cT* t, std::size_t ny, std::size_t nx, Work& w) const {
        cV* blk = w.blk.data();
        cV* b = w.rows.data();
        for (std::size_t r0 = 0; r0 < ny; r0 += NV) {
            const std::size_t nr = (ny - r0 < NV) ? ny - r0 : NV;
            if (!load_rows(in + r0 * nx, t ? t + r0 * nx : nullptr, nx, nr, b)) {
                // All-zero rows (outside an input aperture, or outside the detector regions
                // of an adjoint source): their spectrum is zero, no FFT needed.
                for (std::size_t xb = 0; xb < nb_; ++xb)
                    for (std::size_t k = 0; k < NV; ++k) blk[xb * ps_ + r0 + k] = cV(V{}, V{});
                continue;
            }
            for (std::size_t x = nx; x < px_; ++x) b[x] = cV(V{}, V{});
            plan_x_->exec(b, T(1), true);
            for (std::size_t xb = 0; xb < nb_; ++xb) rows_to_block(b + xb * NV, blk + xb * ps_ + r0);
        }
    }

    // 3) rows 0..ny-1: back to row lanes, inverse FFT along x with the 1/(py*px) normalisation,
    //    crop to nx.
    void rows_inverse(Work& w, std::size_t ny, std::size_t nx, cT* out) const {
        cV* blk = w.blk.data();
        cV* b = w.rows.data();
        const T fct = T(1) / (static_cast<T>(py_) * static_cast<T>(px_));
        for (std::size_t r0 = 0; r0 < ny; r0 += NV) {
            const std::size_t nr = (ny - r0 < NV) ? ny - r0 : NV;
            for (std::size_t xb = 0; xb < nb_; ++xb) rows_to_block(blk + xb * ps_ + r0, b + xb * NV);
            plan_x_->exec(b, fct, false);
            store_rows(b, nx, nr, out + r0 * nx);
        }
    }

    static inline void cmul(cV& c, const cV& h) {
        const V ar = c.r, ai = c.i;
        c.r = ar * h.r - ai * h.i;
        c.i = ar * h.i + ai * h.r;
    }

    // dst[k] lane j = src[j] lane k (j, k < NV), real and imaginary parts alike. Its own inverse.
    static inline void rows_to_block(const cV* src, cV* dst) {
        V re[NV], im[NV];
        for (std::size_t j = 0; j < NV; ++j) {
            re[j] = src[j].r;
            im[j] = src[j].i;
        }
        L::transpose(re);
        L::transpose(im);
        for (std::size_t k = 0; k < NV; ++k) dst[k] = cV(re[k], im[k]);
    }

    // b[x] lane j = (t .* in)[j, x] for x < nx, j < nr (rows nx apart); lanes j >= nr are zero.
    // Returns whether any loaded value is nonzero (NaN counts as nonzero).
    static inline bool load_rows(const cT* in, const cT* t, std::size_t nx, std::size_t nr, cV* b) {
        std::size_t x = 0;
        bool nonzero = false;
        if constexpr (NV > 1) {
#if PNNKIT_OPTICS_GCC_SHUFFLES
            typename L::M nz{};
#endif
            // Whole NV-column tiles: per row, NV complex values as two vectors, split into real
            // and imaginary parts, masked, then transposed into lanes.
            for (; x + NV <= nx; x += NV) {
                V re[NV], im[NV];
                for (std::size_t j = 0; j < NV; ++j) {
                    if (j < nr) {
                        const T* p = reinterpret_cast<const T*>(in + j * nx + x);
                        const V a0 = L::load(p), a1 = L::load(p + NV);
                        re[j] = L::evens(a0, a1);
                        im[j] = L::odds(a0, a1);
                        if (t) {
                            const T* q = reinterpret_cast<const T*>(t + j * nx + x);
                            const V t0 = L::load(q), t1 = L::load(q + NV);
                            const V tr = L::evens(t0, t1), ti = L::odds(t0, t1);
                            const V r = re[j] * tr - im[j] * ti;
                            im[j] = re[j] * ti + im[j] * tr;
                            re[j] = r;
                        }
#if PNNKIT_OPTICS_GCC_SHUFFLES
                        nz |= (re[j] != V{}) | (im[j] != V{});
#else
                        for (std::size_t k = 0; k < NV; ++k)
                            nonzero = nonzero || L::get(re[j], k) != T(0) || L::get(im[j], k) != T(0);
#endif
                    } else {
                        re[j] = V{};
                        im[j] = V{};
                    }
                }
                L::transpose(re);
                L::transpose(im);
                for (std::size_t k = 0; k < NV; ++k) b[x + k] = cV(re[k], im[k]);
            }
#if PNNKIT_OPTICS_GCC_SHUFFLES
            for (std::size_t k = 0; k < NV; ++k) nonzero = nonzero || nz[k] != 0;
#endif
        }
        for (; x < nx; ++x) {
            V re{}, im{};
            for (std::size_t j = 0; j < nr; ++j) {
                cT v = in[j * nx + x];
                if (t) v *= t[j * nx + x];
                nonzero = nonzero || v.real() != T(0) || v.imag() != T(0);
                L::set(re, j, v.real());
                L::set(im, j, v.imag());
            }
            b[x] = cV(re, im);
        }
        return nonzero;
    }

    // out[j, x] = b[x] lane j for x < nx, j < nr (rows nx apart).
    static inline void store_rows(const cV* b, std::size_t nx, std::size_t nr, cT* out) {
        std::size_t x = 0;
        if constexpr (NV > 1) {
            for (; x + NV <= nx; x += NV) {
                V re[NV], im[NV];
                for (std::size_t k = 0; k < NV; ++k) {
                    re[k] = b[x + k].r;
                    im[k] = b[x + k].i;
                }
                L::transpose(re);
                L::transpose(im);
                for (std::size_t j = 0; j < nr; ++j) {
                    T* p = reinterpret_cast<T*>(out + j * nx + x);
                    L::store(p, L::zip_lo(re[j], im[j]));
                    L::store(p + NV, L::zip_hi(re[j], im[j]));
                }
            }
        }
        for (; x < nx; ++x)
            for (std::size_t j = 0; j < nr; ++j) out[j * nx + x] = cT(L::get(b[x].r, j), L::get(b[x].i, j));
    }

    std::size_t py_, px_;
    std::size_t nb_;  // column blocks of NV
    std::size_t ps_;  // rows per block: py rounded up to NV (row groups of NV never overrun)
    std::unique_ptr<pfd::pocketfft_c<T>> plan_y_, plan_x_;
};

}  // namespace pnnkit::optics::PNNKIT_OPTICS_NS
