// Unitary meshes of Mach-Zehnder interferometers (MZIs): Reck (triangular) and Clements
// (rectangular) layouts, forward and exact vjp on batches of complex vectors, the
// decomposition unitary -> phases, a seeded physical model (coupler imbalance, insertion
// loss, phase quantization, thermal crosstalk) and the in-situ gradient measurement of
// Hughes et al. 2018 (forward, adjoint and interference passes read by intensity monitors).
//
// MZI convention. MZI k acts on the adjacent modes (m, m+1), m = top[k]. Physically it is
//     M(theta, phi) = L * B(beta2) * diag(e^{i theta}, 1) * B(beta1) * diag(e^{i phi}, 1)
// i.e. an external phase shifter phi on the top input arm, a coupler, an internal phase
// shifter theta on the top arm, a second coupler. B(beta) = [[cos b, i sin b], [i sin b, cos b]]
// (symmetric, reciprocal); ideal couplers are 50:50 (beta = pi/4), L = 1. The ideal MZI is
//     M = i e^{i theta/2} [[e^{i phi} sin(theta/2),  cos(theta/2)],
//                          [e^{i phi} cos(theta/2), -sin(theta/2)]].
// The mesh applies MZIs in order k = 0..K-1 (K = N(N-1)/2), then output phase shifters
// diag(e^{i delta_j}):  U = D * T_{K-1} ... T_0.  Vectors are rows of a (batch, N) array, y_b = U x_b.
//
// Complex gradients follow the "real-loss" convention: grad_z = dL/dRe z + i dL/dIm z, so for
// y = A x, grad_x = A^H grad_y, and for a real parameter p, dL/dp = Re sum conj(grad_y) dy/dp.
#pragma once
#include <complex>
#include <cstdint>
#include <string>
#include <vector>

namespace pnnkit::optics {

enum class MeshLayout { clements, reck };

// Parse "clements" / "reck" (throws std::invalid_argument otherwise).
MeshLayout parse_mesh_layout(const std::string& name);

// Where each MZI sits: top[k] is its upper mode, column[k] its column in the drawn layout
// (as-soon-as-possible placement). MZIs of one column act on disjoint modes.
// neighbor_lo/hi[k]: the MZI directly above/below in the same column (-1 if none); thermal
// crosstalk couples a heater to these neighbours.
struct MeshGeometry {
    int n_modes = 0;
    MeshLayout layout = MeshLayout::clements;
    std::vector<int> top;
    std::vector<int> column;
    std::vector<int> neighbor_lo;
    std::vector<int> neighbor_hi;
    int n_columns = 0;
    int n_mzi() const { return static_cast<int>(top.size()); }
};

MeshGeometry make_mesh_geometry(int n_modes, MeshLayout layout);

// Non-idealities of the fabricated mesh ("one seed is one chip").
struct MziNonideality {
    double splitter_error_std_rad = 0.0;  // std of each coupler's angle around pi/4 (rad); 2 couplers per MZI
    double loss_db_per_mzi = 0.0;         // insertion loss per MZI (dB, power), on both outputs
    int phase_bits = 0;                   // phase-shifter DAC resolution (0 = continuous)
    double crosstalk = 0.0;               // fraction of a heater's phase that leaks into neighbour MZIs' same shifter
    std::uint64_t seed = 0;
    bool ideal() const {
        return splitter_error_std_rad == 0.0 && loss_db_per_mzi == 0.0 && phase_bits == 0 && crosstalk == 0.0;
    }
};

// Phases actually applied: quantized to 2 pi / 2^bits (straight-through), then crosstalk
// phase_eff[k] = q[k] + crosstalk * (q[lo] + q[hi]). Output phases are only quantized.
void effective_phases(const MeshGeometry& g, const MziNonideality& ni, const double* theta, const double* phi,
                      const double* delta, double* theta_eff, double* phi_eff, double* delta_eff);

// Coupler angles beta (2 per MZI: [2k] first coupler, [2k+1] second), seeded.
std::vector<double> coupler_angles(const MeshGeometry& g, const MziNonideality& ni);

// Forward y = U x for `batch` rows of N complex values. theta/phi have K entries, delta has N
// entries or is nullptr (no output phases). ni == nullptr means the ideal twin.
template <typename Real>
void mesh_forward(const MeshGeometry& g, const double* theta, const double* phi, const double* delta,
                  const MziNonideality* ni, const std::complex<Real>* x, std::complex<Real>* y,
                  std::int64_t batch, int n_threads);

// Exact vjp of mesh_forward at input x for output gradient grad_y. grad_x may be nullptr.
// grad_theta/grad_phi (K) and grad_delta (N, ignored when delta == nullptr) are OVERWRITTEN with
// the batch sum, w.r.t. the *set* phases (crosstalk chain rule, quantization straight-through).
// Sums use fixed blocks of samples, so results do not depend on the thread count.
template <typename Real>
void mesh_vjp(const MeshGeometry& g, const double* theta, const double* phi, const double* delta,
              const MziNonideality* ni, const std::complex<Real>* x, const std::complex<Real>* grad_y,
              std::complex<Real>* grad_x, double* grad_theta, double* grad_phi, double* grad_delta,
              std::int64_t batch, int n_threads);

// In-situ gradient measurement (Hughes et al. 2018) on the physical mesh (ni may be nullptr):
// per sample, (1) forward pass of x recording |E|^2 just after every phase shifter;
// (2) adjoint pass: the source s = i conj(grad_y) (scaled to the power of x) injected at the
// outputs travels back through the reciprocal mesh, recording |E_adj|^2 at the same points and
// the field X_adj leaving the input ports; (3) interference pass of x + conj(X_adj), recording
// |E_int|^2. dL/dphase = (|E_int|^2 - |E|^2 - |E_adj|^2) / 2 (exact for a lossless mesh).
// Every intensity reading gets additive Gaussian noise of std detector_noise * |x|^2 (seeded by
// noise_seed and noise_offset, the index of the first sample). grad_x (may be nullptr) is read
// from X_adj: grad_x = i conj(X_adj). Gradients w.r.t. the applied phases (the hardware does not
// know its crosstalk). Outputs are overwritten with batch sums.
// With loss the interference pass sees kappa * conj(E_adj) (kappa < 1) instead of conj(E_adj), and
// the 3-measurement formula is biased by (kappa^2 - 1)|E_adj|^2 / 2. conjugate_reference = true adds
// a 4th pass (conj(X_adj) alone, forward) and subtracts its reading instead of |E_adj|^2, which
// removes that bias (the remaining error is the scale kappa and the non-uniformity of the loss).
template <typename Real>
void mesh_insitu_gradient(const MeshGeometry& g, const double* theta, const double* phi, const double* delta,
                          const MziNonideality* ni, const std::complex<Real>* x,
                          const std::complex<Real>* grad_y, double detector_noise, std::uint64_t noise_seed,
                          std::uint64_t noise_offset, bool conjugate_reference, std::complex<Real>* grad_x,
                          double* grad_theta,
                          double* grad_phi, double* grad_delta, std::int64_t batch, int n_threads);

// Decompose an N x N unitary (row-major complex128) into the mesh phases so that
// mesh_forward(ideal) reproduces it: theta, phi (K) and delta (N). Reck: nulling by right
// multiplications; Clements 2016: alternating right/left nulling, then the left MZIs are moved
// through the diagonal. Throws if u is not unitary to `tol` (max-abs of U^H U - I).
void mesh_decompose(const MeshGeometry& g, const std::complex<double>* u, double* theta, double* phi,
                    double* delta, double tol = 1e-8);

}  // namespace pnnkit::optics
