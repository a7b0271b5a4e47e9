// The batch loops of the free-space kernels (see stack_kernels.hpp), compiled once per
// instruction set. The including unit defines PNNKIT_OPTICS_NS (a distinct namespace per copy)
// after including the standard headers and setting its target.
//
// Threading: OpenMP over the batch (forward, adjoint, propagate) or over fixed sample chunks
// (backward), each thread with its own FFT scratch; pocketfft is single-threaded inside. The
// gradient of the masks is summed per chunk and then over chunks in a fixed order, so every
// result is independent of the number of threads.
#pragma once
#ifndef PNNKIT_OPTICS_NS
#error "define PNNKIT_OPTICS_NS before including stack_kernel_impl.hpp"
#endif

#include "fft2_impl.hpp"
#include "stack_kernels.hpp"

namespace pnnkit::optics::PNNKIT_OPTICS_NS {

// n_planes transfer functions (py x px each) packed for the column pass (Fft2::pack_h).
template <typename T>
struct PackedPlanes {
    pfd::arr<typename Fft2<T>::cV> data;
    std::vector<char> mirror;
    std::size_t stride = 0;
    typename Fft2<T>::PackedH operator[](std::int64_t i) const {
        return {data.data() + static_cast<std::size_t>(i) * stride, mirror[static_cast<std::size_t>(i)] != 0};
    }
};

template <typename T>
PackedPlanes<T> pack_planes(const Fft2<T>& fft, const std::complex<T>* H, std::int64_t n_planes, bool conj_h,
                            int n_threads) {
    const std::size_t ps = fft.packed_size(), hplane = fft.py() * fft.px();
    PackedPlanes<T> out{pfd::arr<typename Fft2<T>::cV>(static_cast<std::size_t>(n_planes) * ps),
                        std::vector<char>(static_cast<std::size_t>(n_planes)), ps};
#pragma omp parallel for schedule(static) num_threads(n_threads)
    for (std::int64_t i = 0; i < n_planes; ++i) {
        const std::complex<T>* Hi = H + static_cast<std::size_t>(i) * hplane;
        fft.pack_h(Hi, conj_h, out.data.data() + static_cast<std::size_t>(i) * ps);
        out.mirror[static_cast<std::size_t>(i)] = fft.mirror_rows(Hi) ? 1 : 0;
    }
    return out;
}

// This copy's identity for PackCache (one per dtype).
template <typename T>
inline const char copy_tag = 0;

// The packed planes of g.H (or conj) from the stack's cache, packing them on first use.
template <typename T>
const PackedPlanes<T>& cached_planes(const detail::StackGeom<T>& g, const Fft2<T>& fft, bool conj_h, int n_threads,
                                     std::unique_ptr<PackedPlanes<T>>& local) {
    detail::PackCache* cache = conj_h ? g.hconj_cache : g.h_cache;
    const std::int64_t n_planes = (g.L + 1) * g.W;
    if (cache == nullptr) {
        local = std::make_unique<PackedPlanes<T>>(pack_planes(fft, g.H, n_planes, conj_h, n_threads));
        return *local;
    }
    if (cache->owner != &copy_tag<T> || !cache->planes) {
        cache->planes = std::make_shared<PackedPlanes<T>>(pack_planes(fft, g.H, n_planes, conj_h, n_threads));
        cache->owner = &copy_tag<T>;
    }
    return *static_cast<const PackedPlanes<T>*>(cache->planes.get());
}

template <typename T>
void propagate_batch(const std::complex<T>* fields, std::int64_t batch, std::int64_t ny, std::int64_t nx,
                     const std::complex<T>* H, std::int64_t n_h, std::int64_t py, std::int64_t px, bool conj_h,
                     std::complex<T>* out, int n_threads) {
    const Fft2<T> fft(static_cast<std::size_t>(py), static_cast<std::size_t>(px));
    const std::int64_t plane = ny * nx;
    const auto Hp = pack_planes(fft, H, n_h, conj_h, n_threads);
#pragma omp parallel num_threads(n_threads)
    {
        auto work = fft.make_work();
#pragma omp for schedule(static)
        for (std::int64_t b = 0; b < batch; ++b) {
            fft.propagate(fields + b * plane, nullptr, Hp[b % n_h], out + b * plane, static_cast<std::size_t>(ny),
                          static_cast<std::size_t>(nx), work);
        }
    }
}

// Through mask l backwards: acc (=, or += unless first) conj(u) .* g, then g <- conj(t) .* g,
// on interleaved (re, im) pairs so that the compiler vectorises it (std::complex products keep
// a NaN-recovery branch that blocks vectorisation).
template <typename T>
inline void mask_vjp(std::complex<T>* g, const std::complex<T>* u, const std::complex<T>* t, std::complex<T>* acc,
                     std::int64_t n, bool first) {
    T* gp = reinterpret_cast<T*>(g);
    const T* up = reinterpret_cast<const T*>(u);
    const T* tp = reinterpret_cast<const T*>(t);
    T* ap = reinterpret_cast<T*>(acc);
    if (first) {
        for (std::int64_t i = 0; i < 2 * n; i += 2) {
            ap[i] = up[i] * gp[i] + up[i + 1] * gp[i + 1];
            ap[i + 1] = up[i] * gp[i + 1] - up[i + 1] * gp[i];
        }
    } else {
        for (std::int64_t i = 0; i < 2 * n; i += 2) {
            ap[i] += up[i] * gp[i] + up[i + 1] * gp[i + 1];
            ap[i + 1] += up[i] * gp[i + 1] - up[i + 1] * gp[i];
        }
    }
    for (std::int64_t i = 0; i < 2 * n; i += 2) {
        const T gr = gp[i], gi = gp[i + 1];
        gp[i] = tp[i] * gr + tp[i + 1] * gi;
        gp[i + 1] = tp[i] * gi - tp[i + 1] * gr;
    }
}

template <typename T>
void stack_forward(const detail::StackGeom<T>& g, const std::complex<T>* x, std::int64_t batch,
                   const std::complex<T>* t, std::complex<T>* out, std::complex<T>* fields, int n_threads) {
    using cT = std::complex<T>;
    const std::int64_t plane = g.ny * g.nx, L = g.L, W = g.W;
    const Fft2<T> fft(static_cast<std::size_t>(g.py), static_cast<std::size_t>(g.px));
    const std::size_t ny = static_cast<std::size_t>(g.ny), nx = static_cast<std::size_t>(g.nx);
    std::unique_ptr<PackedPlanes<T>> local;
    const auto& Hs = cached_planes(g, fft, false, n_threads, local);
    // Two samples at a time through each step when they share H (one wavelength): see
    // Fft2::propagate_n. Pairs are fixed by the sample index, not by the thread.
    const std::int64_t G = W == 1 ? 2 : 1, n_groups = (batch + G - 1) / G;
#pragma omp parallel num_threads(n_threads)
    {
        typename Fft2<T>::Work works[2] = {fft.make_work(), G > 1 ? fft.make_work() : typename Fft2<T>::Work{}};
        typename Fft2<T>::Work* wp[2] = {&works[0], &works[1]};
#pragma omp for schedule(static)
        for (std::int64_t gi = 0; gi < n_groups; ++gi) {
            const std::int64_t b0 = gi * G, ns = std::min(G, batch - b0), w = b0 % W;
            // Each step writes straight into the next stored field (no copies); without storage
            // the stack runs in place in `out`.
            const cT* in[2] = {nullptr, nullptr};
            const cT* tl[2] = {nullptr, nullptr};
            cT* u[2] = {nullptr, nullptr};
            cT* dst[2] = {nullptr, nullptr};
            for (std::int64_t s = 0; s < ns; ++s) {
                const std::int64_t b = b0 + s;
                in[s] = x + b * plane;
                u[s] = fields ? fields + b * L * plane : out + b * plane;
                dst[s] = L > 0 ? u[s] : out + b * plane;
            }
            fft.propagate_n(static_cast<std::size_t>(ns), in, tl, Hs[0 * W + w], dst, ny, nx, wp);
            for (std::int64_t l = 0; l < L; ++l) {
                for (std::int64_t s = 0; s < ns; ++s) {
                    in[s] = u[s];
                    tl[s] = t + (l * W + w) * plane;
                    dst[s] = (fields && l + 1 < L) ? u[s] + plane : out + (b0 + s) * plane;
                }
                fft.propagate_n(static_cast<std::size_t>(ns), in, tl, Hs[(l + 1) * W + w], dst, ny, nx, wp);
                for (std::int64_t s = 0; s < ns; ++s) u[s] = dst[s];
            }
        }
    }
}

template <typename T>
void stack_backward(const detail::StackGeom<T>& g, const std::complex<T>* grad_out, std::int64_t batch,
                    const std::complex<T>* t, const std::complex<T>* fields, std::int64_t n_chunks,
                    std::complex<T>* acc, std::complex<T>* grad_x, std::complex<T>* grad_t, int n_threads) {
    using cT = std::complex<T>;
    const std::int64_t plane = g.ny * g.nx, L = g.L, W = g.W;
    const std::int64_t tsize = L * W * plane;
    const Fft2<T> fft(static_cast<std::size_t>(g.py), static_cast<std::size_t>(g.px));
    const std::size_t ny = static_cast<std::size_t>(g.ny), nx = static_cast<std::size_t>(g.nx);
    std::unique_ptr<PackedPlanes<T>> local;
    const auto& Hs = cached_planes(g, fft, true, n_threads, local);
    const std::int64_t G = W == 1 ? 2 : 1;  // samples per propagate_n call, as in stack_forward
#pragma omp parallel num_threads(n_threads)
    {
        typename Fft2<T>::Work works[2] = {fft.make_work(), G > 1 ? fft.make_work() : typename Fft2<T>::Work{}};
        typename Fft2<T>::Work* wp[2] = {&works[0], &works[1]};
        std::vector<cT> cur(static_cast<std::size_t>(G * plane));
        std::vector<char> seen(static_cast<std::size_t>(W));
#pragma omp for schedule(static)
        for (std::int64_t c = 0; c < n_chunks; ++c) {
            const std::int64_t b0 = c * batch / n_chunks, b1 = (c + 1) * batch / n_chunks;
            cT* a = acc + c * tsize;
            std::fill(seen.begin(), seen.end(), 0);
            for (std::int64_t bg = b0; bg < b1; bg += G) {
                const std::int64_t ns = std::min(G, b1 - bg), w = bg % W;
                // The chunk's first sample of wavelength w writes the accumulator, later ones add
                // (no zero fill of n_chunks gradient-sized buffers). Within a group, sample s
                // adds after sample s - 1: the same order as one sample at a time.
                const bool first = !seen[static_cast<std::size_t>(w)];
                seen[static_cast<std::size_t>(w)] = 1;
                const cT* src[2] = {nullptr, nullptr};
                const cT* none[2] = {nullptr, nullptr};
                cT* dst[2] = {nullptr, nullptr};
                for (std::int64_t s = 0; s < ns; ++s) {
                    src[s] = grad_out + (bg + s) * plane;
                    dst[s] = cur.data() + s * plane;
                }
                for (std::int64_t l = L - 1; l >= 0; --l) {
                    fft.propagate_n(static_cast<std::size_t>(ns), src, none, Hs[(l + 1) * W + w], dst, ny, nx, wp);
                    for (std::int64_t s = 0; s < ns; ++s) {
                        src[s] = dst[s];
                        mask_vjp(dst[s], fields + ((bg + s) * L + l) * plane, t + (l * W + w) * plane,
                                 a + (l * W + w) * plane, plane, first && s == 0);
                    }
                }
                if (grad_x) {
                    cT* gx[2] = {grad_x + bg * plane, grad_x + (bg + 1) * plane};
                    fft.propagate_n(static_cast<std::size_t>(ns), src, none, Hs[0 * W + w], gx, ny, nx, wp);
                }
            }
            for (std::int64_t w = 0; w < W; ++w)  // wavelengths this chunk never saw contribute zero
                if (!seen[static_cast<std::size_t>(w)])
                    for (std::int64_t l = 0; l < L; ++l)
                        std::fill(a + (l * W + w) * plane, a + (l * W + w + 1) * plane, cT(0));
        }
        // Fixed-order reduction over chunks, parallel over elements: thread-count independent.
#pragma omp for schedule(static)
        for (std::int64_t i = 0; i < tsize; ++i) {
            cT s(0);
            for (std::int64_t c = 0; c < n_chunks; ++c) s += acc[c * tsize + i];
            grad_t[i] = s;
        }
    }
}

template <typename T>
void stack_adjoint(const detail::StackGeom<T>& g, const std::complex<T>* y, std::int64_t batch,
                   const std::complex<T>* t, std::complex<T>* x_out, int n_threads) {
    using cT = std::complex<T>;
    const std::int64_t plane = g.ny * g.nx, L = g.L, W = g.W;
    const Fft2<T> fft(static_cast<std::size_t>(g.py), static_cast<std::size_t>(g.px));
    const std::size_t ny = static_cast<std::size_t>(g.ny), nx = static_cast<std::size_t>(g.nx);
    std::unique_ptr<PackedPlanes<T>> local;
    const auto& Hs = cached_planes(g, fft, true, n_threads, local);
#pragma omp parallel num_threads(n_threads)
    {
        auto work = fft.make_work();
#pragma omp for schedule(static)
        for (std::int64_t b = 0; b < batch; ++b) {
            const std::int64_t w = b % W;
            cT* cur = x_out + b * plane;
            std::copy(y + b * plane, y + (b + 1) * plane, cur);
            for (std::int64_t l = L - 1; l >= 0; --l) {
                fft.propagate(cur, nullptr, Hs[(l + 1) * W + w], cur, ny, nx, work);
                const cT* tl = t + (l * W + w) * plane;
                for (std::int64_t i = 0; i < plane; ++i) cur[i] *= std::conj(tl[i]);
            }
            fft.propagate(cur, nullptr, Hs[0 * W + w], cur, ny, nx, work);
        }
    }
}

// The kernel table of this copy: a constant expression (addresses only), so that no code of a
// wide-target copy runs at load time on a CPU that may lack its instructions.
constexpr detail::OpticsKernels make_kernels(const char* isa) {
    return {{propagate_batch<float>, stack_forward<float>, stack_backward<float>, stack_adjoint<float>},
            {propagate_batch<double>, stack_forward<double>, stack_backward<double>, stack_adjoint<double>},
            isa};
}

}  // namespace pnnkit::optics::PNNKIT_OPTICS_NS
