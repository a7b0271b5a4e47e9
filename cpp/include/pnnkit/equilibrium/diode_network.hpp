// Nonlinear resistor networks with ideal diodes (pure C++17, no Python).
//
// Following Kendall et al. 2020 and Scellier et al. 2024, every free node may be tied to voltage
// sources through ideal diodes: a diode from the node to a source at `upper` volts conducts as soon
// as v > upper, a diode from a source at `lower` volts into the node as soon as v < lower. A pair of
// them confines the node potential to [lower, upper] (one diode: a half-line). The steady state
// minimizes the co-content (half the dissipated power)
//     E(v) = 1/2 sum_e g_e (v_i(e) - v_j(e))^2 - sum_f I_f v_f + beta/2 sum_{o in nudged} (v_o - y_o)^2
// over free potentials under lower <= v_f <= upper and fixed clamped potentials: a convex QP with
// linear inequality constraints. It is solved by exact coordinate descent: each node in turn jumps
// to the exact minimizer along its coordinate,
//     v_f = clip((sum_j g_fj v_j + I_f + beta y_f) / (sum_j g_fj + beta), lower_f, upper_f),
// sweeping free nodes in increasing id (Gauss-Seidel). The constraints are separable (one interval per
// node), so the iteration converges to the global minimum. Diodes between two free nodes (coupled
// constraints) are not modelled: coordinate descent can stall on them.
#pragma once
#include <cstdint>
#include <vector>

#include "pnnkit/equilibrium/resistor_network.hpp"

namespace pnnkit {
namespace equilibrium {

struct DiodeSolveStats {
    std::int64_t sweeps = 0;    // largest number of sweeps any block of the batch used
    double max_change = 0.0;    // largest |delta v| (volts) in the last sweep of any block
    bool converged = false;     // every block reached max_change < tol
};

class DiodeNetwork {
public:
    // lower_V / upper_V: (n_nodes,) diode source potentials (may be -inf / +inf = no diode); entries
    // of clamped nodes are ignored.
    DiodeNetwork(std::int64_t n_nodes, const std::int64_t* edge_i, const std::int64_t* edge_j, std::int64_t n_edges,
                 const double* conductance_S, const std::int64_t* clamped, std::int64_t n_clamped,
                 const double* lower_V, const double* upper_V);

    void set_conductances(const double* conductance_S);

    // Batched steady state (all arrays row-major):
    //   v_clamped (batch, n_clamped) volts; currents (batch, n_nodes) amperes or nullptr;
    //   nudge_nodes (n_nudge,) free node ids with cost beta/2 (v - target)^2, targets (batch, n_nudge);
    //   v_init (batch, n_nodes) warm start or nullptr (then free nodes start at clip(0, lower, upper));
    //   out (batch, n_nodes). Stops a block of samples when the largest change of a sweep < tol volts.
    // Blocks have a fixed size, so results are identical for any thread count.
    DiodeSolveStats solve(const double* v_clamped, const double* currents, const std::int64_t* nudge_nodes,
                          std::int64_t n_nudge, double beta, const double* targets, const double* v_init,
                          std::int64_t batch, std::int64_t max_sweeps, double tol, double* out,
                          int n_threads) const;

    const ResistorGraph& graph() const { return graph_; }
    const std::vector<double>& conductances() const { return g_; }
    const std::vector<double>& lower() const { return lower_; }
    const std::vector<double>& upper() const { return upper_; }

private:
    void build_rows();

    ResistorGraph graph_;
    std::vector<double> g_, lower_, upper_;
    // Adjacency of the free nodes (CSR over free index): neighbour node id and conductance.
    std::vector<std::int64_t> row_ptr_, row_free_end_, nbr_;
    std::vector<double> wt_, diag_;
    // Free nodes f..f+G-1 with the same free (resp. clamped) neighbours in the same order: G at f
    // (<= 4), 0 inside a group. Their sums share each neighbour load; none neighbours another, so
    // updating them together is still the Gauss-Seidel sweep, with the same arithmetic per node.
    std::vector<int> free_group_, clamped_group_;
};

}  // namespace equilibrium
}  // namespace pnnkit
