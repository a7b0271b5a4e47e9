// Internal interface of the free-space kernels (stack_kernel_*.cpp): the batched propagation
// step and the diffractive stack's forward / vjp / adjoint, compiled once per instruction set
// (generic, AVX2+FMA, AVX-512) and chosen at run time. Each copy carries its own renamed
// pocketfft, so no inline or template symbol is shared between copies.
#pragma once
#include <complex>
#include <cstdint>
#include <memory>

namespace pnnkit::optics::detail {

// Transfer functions packed by one kernel copy for its column pass, kept by the stack between
// calls (its H never changes): packing costs ~2 ms and fresh pages per call otherwise.
struct PackCache {
    std::shared_ptr<void> planes;  // the copy's packed planes
    const void* owner = nullptr;   // identity of the copy and dtype that packed them
};

// Geometry shared by every stack call; H is (L+1, W, py, px), transmissions (L, W, ny, nx).
// The caches (for H and conj(H)) may be null: then every call packs afresh.
template <typename T>
struct StackGeom {
    std::int64_t ny = 0, nx = 0, py = 0, px = 0, L = 0, W = 1;
    const std::complex<T>* H = nullptr;
    PackCache* h_cache = nullptr;
    PackCache* hconj_cache = nullptr;
};

template <typename T>
struct OpticsKernelSet {
    // out[b] = crop(IFFT2(H[b % n_h] (or conj) * FFT2(pad(fields[b])))); out may alias fields.
    void (*propagate)(const std::complex<T>* fields, std::int64_t batch, std::int64_t ny, std::int64_t nx,
                      const std::complex<T>* H, std::int64_t n_h, std::int64_t py, std::int64_t px, bool conj_h,
                      std::complex<T>* out, int n_threads);
    // Stack forward; fields (batch, L, ny, nx) receives u_l when not null.
    void (*forward)(const StackGeom<T>& g, const std::complex<T>* x, std::int64_t batch, const std::complex<T>* t,
                    std::complex<T>* out, std::complex<T>* fields, int n_threads);
    // Stack vjp from stored fields: acc (n_chunks, L, W, ny, nx) zeroed by the caller, summed into
    // grad_t (L, W, ny, nx) in fixed chunk order; grad_x may be null (input gradient not needed).
    void (*backward)(const StackGeom<T>& g, const std::complex<T>* grad_out, std::int64_t batch,
                     const std::complex<T>* t, const std::complex<T>* fields, std::int64_t n_chunks,
                     std::complex<T>* acc, std::complex<T>* grad_x, std::complex<T>* grad_t, int n_threads);
    // Linear adjoint A^H y of the stack with fixed masks.
    void (*adjoint)(const StackGeom<T>& g, const std::complex<T>* y, std::int64_t batch, const std::complex<T>* t,
                    std::complex<T>* x_out, int n_threads);
};

struct OpticsKernels {
    OpticsKernelSet<float> f32;
    OpticsKernelSet<double> f64;
    const char* isa;
};

template <typename T>
const OpticsKernelSet<T>& kernel_set(const OpticsKernels& k);
template <>
inline const OpticsKernelSet<float>& kernel_set<float>(const OpticsKernels& k) { return k.f32; }
template <>
inline const OpticsKernelSet<double>& kernel_set<double>(const OpticsKernels& k) { return k.f64; }

// The copy in use (see optics_kernel_isa in propagation.hpp for the choice).
const OpticsKernels& optics_kernels();

const OpticsKernels& optics_kernels_generic();
const OpticsKernels* optics_kernels_avx2();    // nullptr when not compiled (non-GCC, non-x86-64)
const OpticsKernels* optics_kernels_avx512();  // nullptr when not compiled

}  // namespace pnnkit::optics::detail
