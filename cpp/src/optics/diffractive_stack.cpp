// The fused diffractive-stack kernel and its vjp (see diffractive_stack.hpp).
#include "pnnkit/optics/diffractive_stack.hpp"

#include <algorithm>

#include "pnnkit/common/error.hpp"
#include "pnnkit/optics/fft2.hpp"

namespace pnnkit::optics {

template <typename T>
DiffractiveStack<T>::DiffractiveStack(std::int64_t ny, std::int64_t nx, std::int64_t py, std::int64_t px,
                                      std::int64_t n_layers, std::int64_t n_wavelengths, const cT* H)
    : ny_(ny), nx_(nx), py_(py), px_(px), n_layers_(n_layers), n_wl_(n_wavelengths) {
    PNNKIT_CHECK(ny >= 1 && nx >= 1, "grid must be at least 1 x 1, got " << ny << " x " << nx);
    PNNKIT_CHECK(py >= ny && px >= nx, "padded grid " << py << " x " << px << " smaller than " << ny << " x " << nx);
    PNNKIT_CHECK(n_layers >= 0, "n_layers must be >= 0, got " << n_layers);
    PNNKIT_CHECK(n_wavelengths >= 1, "n_wavelengths must be >= 1, got " << n_wavelengths);
    H_.assign(H, H + (n_layers + 1) * n_wavelengths * py * px);
}

template <typename T>
void DiffractiveStack<T>::forward(const cT* x, std::int64_t batch, const cT* t, cT* out, bool store,
                                  int n_threads) {
    PNNKIT_CHECK(batch >= 0, "batch must be >= 0");
    const std::int64_t plane = ny_ * nx_, hplane = py_ * px_, L = n_layers_, W = n_wl_;
    if (store) {
        t_.assign(t, t + L * W * plane);
        fields_.resize(static_cast<std::size_t>(batch * L * plane));
        stored_batch_ = batch;
    } else {
        stored_batch_ = -1;  // a later backward must not use fields of another batch
    }
    if (batch == 0) return;
    const Fft2<T> fft(static_cast<std::size_t>(py_), static_cast<std::size_t>(px_));
    cT* fields = fields_.data();
    const cT* Hs = H_.data();
    const std::size_t ny = static_cast<std::size_t>(ny_), nx = static_cast<std::size_t>(nx_);
    const int nt = std::max(1, n_threads);
#pragma omp parallel num_threads(nt)
    {
        auto work = fft.make_work();
#pragma omp for schedule(static)
        for (std::int64_t b = 0; b < batch; ++b) {
            const std::int64_t w = b % W;
            cT* cur = out + b * plane;
            fft.propagate(x + b * plane, nullptr, Hs + (0 * W + w) * hplane, false, cur, ny, nx, work);
            for (std::int64_t l = 0; l < L; ++l) {
                if (store) std::copy(cur, cur + plane, fields + (b * L + l) * plane);
                fft.propagate(cur, t + (l * W + w) * plane, Hs + ((l + 1) * W + w) * hplane, false, cur, ny, nx,
                              work);
            }
        }
    }
}

template <typename T>
void DiffractiveStack<T>::backward(const cT* grad_out, std::int64_t batch, cT* grad_x, cT* grad_t,
                                   int n_threads) {
    PNNKIT_CHECK(stored_batch_ >= 0, "backward needs a preceding forward(..., store=True)");
    PNNKIT_CHECK(batch == stored_batch_,
                 "backward batch " << batch << " differs from the stored forward batch " << stored_batch_);
    const std::int64_t plane = ny_ * nx_, hplane = py_ * px_, L = n_layers_, W = n_wl_;
    const std::int64_t tsize = L * W * plane;
    std::fill(grad_t, grad_t + tsize, cT(0));
    if (batch == 0) return;
    const std::int64_t n_chunks = reduction_chunks(batch);
    acc_.assign(static_cast<std::size_t>(n_chunks * tsize), cT(0));
    const Fft2<T> fft(static_cast<std::size_t>(py_), static_cast<std::size_t>(px_));
    const cT* fields = fields_.data();
    const cT* t = t_.data();
    const cT* Hs = H_.data();
    cT* acc = acc_.data();
    const std::size_t ny = static_cast<std::size_t>(ny_), nx = static_cast<std::size_t>(nx_);
    const int nt = std::max(1, n_threads);
#pragma omp parallel num_threads(nt)
    {
        auto work = fft.make_work();
        std::vector<cT> cur(static_cast<std::size_t>(plane));
#pragma omp for schedule(static)
        for (std::int64_t c = 0; c < n_chunks; ++c) {
            const std::int64_t b0 = c * batch / n_chunks, b1 = (c + 1) * batch / n_chunks;
            cT* a = acc + c * tsize;
            for (std::int64_t b = b0; b < b1; ++b) {
                const std::int64_t w = b % W;
                std::copy(grad_out + b * plane, grad_out + (b + 1) * plane, cur.begin());
                for (std::int64_t l = L - 1; l >= 0; --l) {
                    fft.propagate(cur.data(), nullptr, Hs + ((l + 1) * W + w) * hplane, true, cur.data(), ny, nx,
                                  work);
                    const cT* u = fields + (b * L + l) * plane;
                    const cT* tl = t + (l * W + w) * plane;
                    cT* al = a + (l * W + w) * plane;
                    for (std::int64_t i = 0; i < plane; ++i) {
                        const cT g = cur[static_cast<std::size_t>(i)];
                        al[i] += std::conj(u[i]) * g;
                        cur[static_cast<std::size_t>(i)] = std::conj(tl[i]) * g;
                    }
                }
                if (grad_x) {
                    fft.propagate(cur.data(), nullptr, Hs + (0 * W + w) * hplane, true, grad_x + b * plane, ny, nx,
                                  work);
                }
            }
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
void DiffractiveStack<T>::adjoint(const cT* y, std::int64_t batch, const cT* t, cT* x_out, int n_threads) const {
    PNNKIT_CHECK(batch >= 0, "batch must be >= 0");
    if (batch == 0) return;
    const std::int64_t plane = ny_ * nx_, hplane = py_ * px_, L = n_layers_, W = n_wl_;
    const Fft2<T> fft(static_cast<std::size_t>(py_), static_cast<std::size_t>(px_));
    const cT* Hs = H_.data();
    const std::size_t ny = static_cast<std::size_t>(ny_), nx = static_cast<std::size_t>(nx_);
    const int nt = std::max(1, n_threads);
#pragma omp parallel num_threads(nt)
    {
        auto work = fft.make_work();
#pragma omp for schedule(static)
        for (std::int64_t b = 0; b < batch; ++b) {
            const std::int64_t w = b % W;
            cT* cur = x_out + b * plane;
            std::copy(y + b * plane, y + (b + 1) * plane, cur);
            for (std::int64_t l = L - 1; l >= 0; --l) {
                fft.propagate(cur, nullptr, Hs + ((l + 1) * W + w) * hplane, true, cur, ny, nx, work);
                const cT* tl = t + (l * W + w) * plane;
                for (std::int64_t i = 0; i < plane; ++i) cur[i] *= std::conj(tl[i]);
            }
            fft.propagate(cur, nullptr, Hs + (0 * W + w) * hplane, true, cur, ny, nx, work);
        }
    }
}

template class DiffractiveStack<float>;
template class DiffractiveStack<double>;

}  // namespace pnnkit::optics
