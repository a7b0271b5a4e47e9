// A stack of thin diffractive masks separated by free-space propagation, with its exact vjp.
//
//     u_0 = P_0 x,     u_{l+1} = P_{l+1}(t_l .* u_l)  (l = 0..L-1),     out = u_L
//
// P_s is the angular-spectrum step s (transfer function H_s, see propagation.hpp) and t_l the
// complex transmission of mask l. With W wavelengths, sample b uses wavelength w = b % W:
// H_s[w] and t_l[w] (the caller scales phases by lambda_0/lambda_w). The fused kernel does
// mask -> FFT -> H -> IFFT per layer in per-thread buffers, OpenMP over the batch.
//
// Gradients use the real-loss convention grad_z = dL/dRe z + i dL/dIm z. The backward pass
// needs only the fields u_l in front of each mask (O(layers) fields per sample):
//     grad_v = P_{l+1}^H grad_{u_{l+1}},  grad_t_l += conj(u_l) .* grad_v,  grad_{u_l} = conj(t_l) .* grad_v,
//     grad_x = P_0^H grad_{u_0}.
// grad_t is summed over the batch in fixed chunks of samples (independent of the thread
// count) and then over chunks in order, so results do not depend on the number of threads.
#pragma once
#include <complex>
#include <cstdint>
#include <memory>
#include <vector>

namespace pnnkit::optics {

namespace detail {
template <typename T>
struct StackGeom;
struct PackCache;
}  // namespace detail

template <typename T>
class DiffractiveStack {
   public:
    using cT = std::complex<T>;

    // H: (n_layers + 1, n_wavelengths, py, px) transfer functions, copied.
    DiffractiveStack(std::int64_t ny, std::int64_t nx, std::int64_t py, std::int64_t px, std::int64_t n_layers,
                     std::int64_t n_wavelengths, const cT* H);

    // x: (batch, ny, nx) input fields; t: (n_layers, n_wavelengths, ny, nx) transmissions;
    // out: (batch, ny, nx) fields at the last plane. store=true keeps what backward needs.
    void forward(const cT* x, std::int64_t batch, const cT* t, cT* out, bool store, int n_threads);

    // grad_out: (batch, ny, nx); grad_x: (batch, ny, nx) or null; grad_t: (n_layers, n_wavelengths,
    // ny, nx), overwritten. Needs a preceding forward(..., store=true) with the same batch.
    void backward(const cT* grad_out, std::int64_t batch, cT* grad_x, cT* grad_t, int n_threads);

    // Linear adjoint of the whole stack (masks fixed): grad_x = A^H y. Needs no stored fields.
    void adjoint(const cT* y, std::int64_t batch, const cT* t, cT* x_out, int n_threads) const;

    std::int64_t ny() const { return ny_; }
    std::int64_t nx() const { return nx_; }
    std::int64_t py() const { return py_; }
    std::int64_t px() const { return px_; }
    std::int64_t n_layers() const { return n_layers_; }
    std::int64_t n_wavelengths() const { return n_wl_; }
    std::int64_t stored_batch() const { return stored_batch_; }
    // Bytes held by stored fields and gradient accumulators (preallocated, reused); the packed
    // copies of H and conj(H) (each about the size of H) come on top.
    std::int64_t buffer_bytes() const {
        return static_cast<std::int64_t>((fields_.capacity() + t_.capacity() + acc_.capacity()) * sizeof(cT));
    }

   private:
    detail::StackGeom<T> geom() const;

    std::int64_t ny_, nx_, py_, px_, n_layers_, n_wl_;
    std::vector<cT> H_;       // (L+1, W, py, px)
    std::vector<cT> t_;       // transmissions used by the stored forward
    std::vector<cT> fields_;  // (batch, L, ny, nx): u_l in front of mask l
    std::vector<cT> acc_;     // (chunks, L, W, ny, nx) gradient accumulators
    std::int64_t stored_batch_ = -1;
    // H and conj(H) packed by the kernel copy in use, reused across calls (H never changes).
    std::shared_ptr<detail::PackCache> h_cache_, hconj_cache_;
};

// Number of fixed sample chunks for deterministic reductions over a batch.
inline std::int64_t reduction_chunks(std::int64_t batch) { return batch < 16 ? batch : 16; }

}  // namespace pnnkit::optics
