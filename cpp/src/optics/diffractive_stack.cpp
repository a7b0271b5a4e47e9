// The diffractive stack (see diffractive_stack.hpp): buffers and checks here, the fused loops in
// stack_kernel_impl.hpp, run in the instruction-set copy chosen at run time.
#include "pnnkit/optics/diffractive_stack.hpp"

#include <algorithm>

#include "pnnkit/common/error.hpp"
#include "stack_kernels.hpp"

namespace pnnkit::optics {

namespace {
template <typename T>
const detail::OpticsKernelSet<T>& kernels() {
    return detail::kernel_set<T>(detail::optics_kernels());
}
}  // namespace

template <typename T>
DiffractiveStack<T>::DiffractiveStack(std::int64_t ny, std::int64_t nx, std::int64_t py, std::int64_t px,
                                      std::int64_t n_layers, std::int64_t n_wavelengths, const cT* H)
    : ny_(ny), nx_(nx), py_(py), px_(px), n_layers_(n_layers), n_wl_(n_wavelengths) {
    PNNKIT_CHECK(ny >= 1 && nx >= 1, "grid must be at least 1 x 1, got " << ny << " x " << nx);
    PNNKIT_CHECK(py >= ny && px >= nx, "padded grid " << py << " x " << px << " smaller than " << ny << " x " << nx);
    PNNKIT_CHECK(n_layers >= 0, "n_layers must be >= 0, got " << n_layers);
    PNNKIT_CHECK(n_wavelengths >= 1, "n_wavelengths must be >= 1, got " << n_wavelengths);
    H_.assign(H, H + (n_layers + 1) * n_wavelengths * py * px);
    h_cache_ = std::make_shared<detail::PackCache>();
    hconj_cache_ = std::make_shared<detail::PackCache>();
}

template <typename T>
detail::StackGeom<T> DiffractiveStack<T>::geom() const {
    detail::StackGeom<T> g;
    g.ny = ny_;
    g.nx = nx_;
    g.py = py_;
    g.px = px_;
    g.L = n_layers_;
    g.W = n_wl_;
    g.H = H_.data();
    g.h_cache = h_cache_.get();
    g.hconj_cache = hconj_cache_.get();
    return g;
}

template <typename T>
void DiffractiveStack<T>::forward(const cT* x, std::int64_t batch, const cT* t, cT* out, bool store,
                                  int n_threads) {
    PNNKIT_CHECK(batch >= 0, "batch must be >= 0");
    const std::int64_t plane = ny_ * nx_, L = n_layers_, W = n_wl_;
    if (store) {
        t_.assign(t, t + L * W * plane);
        fields_.resize(static_cast<std::size_t>(batch * L * plane));
        stored_batch_ = batch;
    } else {
        stored_batch_ = -1;  // a later backward must not use fields of another batch
    }
    if (batch == 0) return;
    kernels<T>().forward(geom(), x, batch, t, out, store ? fields_.data() : nullptr, std::max(1, n_threads));
}

template <typename T>
void DiffractiveStack<T>::backward(const cT* grad_out, std::int64_t batch, cT* grad_x, cT* grad_t,
                                   int n_threads) {
    PNNKIT_CHECK(stored_batch_ >= 0, "backward needs a preceding forward(..., store=True)");
    PNNKIT_CHECK(batch == stored_batch_,
                 "backward batch " << batch << " differs from the stored forward batch " << stored_batch_);
    const std::int64_t tsize = n_layers_ * n_wl_ * ny_ * nx_;
    std::fill(grad_t, grad_t + tsize, cT(0));
    if (batch == 0) return;
    const std::int64_t n_chunks = reduction_chunks(batch);
    acc_.resize(static_cast<std::size_t>(n_chunks * tsize));  // every chunk writes all of its part
    kernels<T>().backward(geom(), grad_out, batch, t_.data(), fields_.data(), n_chunks, acc_.data(), grad_x, grad_t,
                          std::max(1, n_threads));
}

template <typename T>
void DiffractiveStack<T>::adjoint(const cT* y, std::int64_t batch, const cT* t, cT* x_out, int n_threads) const {
    PNNKIT_CHECK(batch >= 0, "batch must be >= 0");
    if (batch == 0) return;
    kernels<T>().adjoint(geom(), y, batch, t, x_out, std::max(1, n_threads));
}

template class DiffractiveStack<float>;
template class DiffractiveStack<double>;

}  // namespace pnnkit::optics
