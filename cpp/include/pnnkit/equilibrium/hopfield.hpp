// Layered continuous Hopfield network (Scellier & Bengio 2017): relaxation and
// energy gradients for equilibrium propagation.
//
// Layers 0..L with sizes n_0..n_L; layer 0 is the clamped input x, layers 1..L are
// free. W_l (l = 1..L) couples layer l-1 to layer l and is stored row-major with
// shape (n_{l-1}, n_l); b_l has n_l entries. With the hard sigmoid rho = clip(., 0, 1)
//
//   E(s) = 1/2 sum_l |rho(s_l)|^2 - sum_l b_l . rho(s_l) - sum_l rho(s_{l-1})^T W_l rho(s_l)
//   C(s) = |s_L - y|^2,          F = E + beta * C            (per sample)
//
// States are kept in the box [0, 1], where rho(s) = s, so on the box E is a smooth
// quadratic and dE/ds_l = s_l - h_l with h_l = b_l + rho(s_{l-1}) W_l + rho(s_{l+1}) W_{l+1}^T.
// Relaxation is projected gradient descent s <- clip(s - eps dF/ds, 0, 1) with
// synchronous updates of all layers; the fixed-point iteration s <- rho(dPhi/ds) of
// Laborieux et al. 2021 is the same map with eps = 1.
//
// The residual of a sample is max_i |s_i - clip(s_i - dF/ds_i, 0, 1)| (the projected
// gradient; zero exactly at a KKT point of F on the box), independent of eps.
#pragma once
#include <cstdint>
#include <vector>

namespace pnnkit {
namespace equilibrium {

enum class RelaxMethod { GradientDescent = 0, FixedPoint = 1 };

// Non-owning view of the parameters of a layered Hopfield network.
template <typename T>
struct HopfieldNet {
    std::vector<std::int64_t> sizes;  // n_0..n_L (L + 1 entries, L >= 1)
    std::vector<const T*> W;          // W[l-1] = W_l, shape (n_{l-1}, n_l), row-major
    std::vector<const T*> b;          // b[l-1] = b_l, n_l entries

    int n_layers() const { return static_cast<int>(sizes.size()) - 1; }
    // Validates sizes and pointer counts (std::invalid_argument naming the problem).
    void check() const;
};

// Options of one relaxation.
template <typename T>
struct RelaxOptions {
    RelaxMethod method = RelaxMethod::GradientDescent;
    T eps = T(0.5);       // step of gradient descent (ignored by FixedPoint)
    int max_iter = 20;    // number of updates at most
    T tol = T(0);         // a sample stops updating once its residual <= tol (0: never stop early)
    T beta = T(0);        // nudging strength (any sign); needs y when non-zero
};

// Outputs of one relaxation; buffers are owned by the caller.
template <typename T>
struct RelaxOutputs {
    T* energy = nullptr;     // (batch) E at the final state
    T* cost = nullptr;       // (batch) C at the final state (0 when y is null)
    T* residual = nullptr;   // (batch) projected-gradient residual at the final state
    T* trace = nullptr;      // optional ((max_iter + 1) x batch): F after 0..max_iter updates
    T* initial = nullptr;    // optional (batch): F = E + beta C at the (clipped) initial state
    std::int32_t* n_updates = nullptr;  // optional (batch): updates applied to each sample
};

// Relax `batch` samples in place. x: (batch, n_0). states[l-1]: (batch, n_l) for l = 1..L,
// the initial state on entry (clipped to [0, 1]) and the final state on exit. y: (batch, n_L)
// or null. Returns the largest number of updates applied to a sample. Rows are processed
// in fixed blocks, so results do not depend on n_threads. Throws std::domain_error if a
// state or drive becomes non-finite.
template <typename T>
int hopfield_relax(const HopfieldNet<T>& net, const T* x, std::int64_t batch, const std::vector<T*>& states,
                   const T* y, const RelaxOptions<T>& opt, const RelaxOutputs<T>& out, int n_threads);

// E (and C when y is non-null, else 0) per sample at the given states (clipped to [0, 1]).
template <typename T>
void hopfield_energy(const HopfieldNet<T>& net, const T* x, std::int64_t batch, const std::vector<const T*>& states,
                     const T* y, T* energy, T* cost, int n_threads);

// Batch mean of dE/dtheta at the given states: gW[l-1] (n_{l-1} x n_l) = -mean rho(s_{l-1})^T rho(s_l),
// gb[l-1] (n_l) = -mean rho(s_l). Deterministic for any n_threads.
template <typename T>
void hopfield_param_grad(const HopfieldNet<T>& net, const T* x, std::int64_t batch,
                         const std::vector<const T*>& states, const std::vector<T*>& gW, const std::vector<T*>& gb,
                         int n_threads);

}  // namespace equilibrium
}  // namespace pnnkit
