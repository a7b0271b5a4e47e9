// A single-threaded 2-D FFT engine on top of pocketfft's 1-D plans, specialised for the
// angular-spectrum step  out = crop(IFFT2(H * FFT2(pad(t * in)))).
//
// Why not pocketfft::c2c: the fused step skips the FFT of all-zero padding rows, multiplies
// by H inside the column pass (one pass over memory less), only inverse-transforms the rows
// that survive the crop, and reuses plans and buffers across a whole batch. Both passes
// process VLEN rows/columns at once in SIMD lanes (pocketfft's own vector type), which is
// where pocketfft gets its 2-D speed. Threading lives outside (OpenMP over the batch), so
// pocketfft is compiled without its thread pool.
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
#include <memory>
#include <vector>

namespace pnnkit::optics::PNNKIT_OPTICS_NS {

namespace pfd = pocketfft::detail;

// SIMD lane type for T (a GCC/Clang vector of VLEN values, or T itself when unavailable).
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
};

// Plans for a py x px grid (row-major, x fastest). Immutable after construction, so one
// object is shared by all threads; each thread brings its own Fft2Work.
template <typename T>
class Fft2 {
   public:
    using cT = std::complex<T>;
    using L = Lanes<T>;
    using V = typename L::type;
    using cV = pfd::cmplx<V>;

    Fft2(std::size_t py, std::size_t px)
        : py_(py), px_(px), plan_y_(new pfd::pocketfft_c<T>(py)), plan_x_(new pfd::pocketfft_c<T>(px)) {}

    std::size_t py() const { return py_; }
    std::size_t px() const { return px_; }

    // Per-thread scratch: the padded grid and one lane buffer. The lanes live in pocketfft's
    // 64-byte aligned array: a std::vector of wide vectors is only as aligned as the allocator's
    // default target believes (16 bytes here), and the wide copies use aligned vector moves.
    struct Work {
        std::vector<cT> grid;
        pfd::arr<cV> lanes;
    };
    Work make_work() const { return Work{std::vector<cT>(py_ * px_), pfd::arr<cV>(py_ > px_ ? py_ : px_)}; }

    // out (ny x nx) = crop(IFFT2(H .* FFT2(pad(t .* in)))); H is py x px in FFT order,
    // conj(H) when conj_h. t may be null (no mask). in and out may alias.
    void propagate(const cT* in, const cT* t, const cT* H, bool conj_h, cT* out, std::size_t ny, std::size_t nx,
                   Work& w) const {
        const std::size_t NV = L::n;
        cT* g = w.grid.data();
        cV* b = w.lanes.data();
        // 1) rows 0..ny-1: load (masked) input, zero-pad in x, forward FFT along x.
        for (std::size_t r0 = 0; r0 < ny; r0 += NV) {
            const std::size_t nr = (ny - r0 < NV) ? ny - r0 : NV;
            for (std::size_t x = 0; x < px_; ++x) {
                V re{}, im{};
                if (x < nx) {
                    for (std::size_t j = 0; j < nr; ++j) {
                        const std::size_t idx = (r0 + j) * nx + x;
                        cT v = in[idx];
                        if (t) v *= t[idx];
                        L::set(re, j, v.real());
                        L::set(im, j, v.imag());
                    }
                }
                b[x].r = re;
                b[x].i = im;
            }
            plan_x_->exec(b, T(1), true);
            for (std::size_t j = 0; j < nr; ++j) {
                cT* row = g + (r0 + j) * px_;
                for (std::size_t x = 0; x < px_; ++x) row[x] = cT(L::get(b[x].r, j), L::get(b[x].i, j));
            }
        }
        // 2) columns: forward FFT along y (rows >= ny are zero), multiply by H, inverse FFT,
        //    keep rows < ny only.
        for (std::size_t c0 = 0; c0 < px_; c0 += NV) {
            const std::size_t nc = (px_ - c0 < NV) ? px_ - c0 : NV;
            for (std::size_t y = 0; y < ny; ++y) {
                const cT* row = g + y * px_ + c0;
                V re{}, im{};
                for (std::size_t j = 0; j < nc; ++j) {
                    L::set(re, j, row[j].real());
                    L::set(im, j, row[j].imag());
                }
                b[y].r = re;
                b[y].i = im;
            }
            for (std::size_t y = ny; y < py_; ++y) {
                b[y].r = V{};
                b[y].i = V{};
            }
            plan_y_->exec(b, T(1), true);
            for (std::size_t y = 0; y < py_; ++y) {
                const cT* hrow = H + y * px_ + c0;
                V hr{}, hi{};
                for (std::size_t j = 0; j < nc; ++j) {
                    L::set(hr, j, hrow[j].real());
                    L::set(hi, j, conj_h ? -hrow[j].imag() : hrow[j].imag());
                }
                const V ar = b[y].r, ai = b[y].i;
                b[y].r = ar * hr - ai * hi;
                b[y].i = ar * hi + ai * hr;
            }
            plan_y_->exec(b, T(1), false);
            for (std::size_t y = 0; y < ny; ++y) {
                cT* row = g + y * px_ + c0;
                for (std::size_t j = 0; j < nc; ++j) row[j] = cT(L::get(b[y].r, j), L::get(b[y].i, j));
            }
        }
        // 3) rows 0..ny-1: inverse FFT along x with the 1/(py*px) normalisation, crop to nx.
        const T fct = T(1) / (static_cast<T>(py_) * static_cast<T>(px_));
        for (std::size_t r0 = 0; r0 < ny; r0 += NV) {
            const std::size_t nr = (ny - r0 < NV) ? ny - r0 : NV;
            for (std::size_t x = 0; x < px_; ++x) {
                V re{}, im{};
                for (std::size_t j = 0; j < nr; ++j) {
                    const cT v = g[(r0 + j) * px_ + x];
                    L::set(re, j, v.real());
                    L::set(im, j, v.imag());
                }
                b[x].r = re;
                b[x].i = im;
            }
            plan_x_->exec(b, fct, false);
            for (std::size_t j = 0; j < nr; ++j) {
                cT* orow = out + (r0 + j) * nx;
                for (std::size_t x = 0; x < nx; ++x) orow[x] = cT(L::get(b[x].r, j), L::get(b[x].i, j));
            }
        }
    }

   private:
    std::size_t py_, px_;
    std::unique_ptr<pfd::pocketfft_c<T>> plan_y_, plan_x_;
};

}  // namespace pnnkit::optics::PNNKIT_OPTICS_NS
