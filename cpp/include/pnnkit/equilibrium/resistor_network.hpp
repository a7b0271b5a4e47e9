// Linear resistor networks on an arbitrary graph (pure C++17, no Python).
//
// Nodes are either *clamped* (ideal voltage sources to ground: inputs, biases, the ground
// node itself) or *free*. Free-node potentials follow from Kirchhoff's current law
//     L_ff v_f = I_f - L_fc v_c,
// where L is the weighted graph Laplacian (conductances in siemens) and I_f the currents
// injected into free nodes (amperes, positive = into the node). L_ff is symmetric positive
// definite exactly when every free node has a path to a clamped node; it is factorized once
// (sparse LDLT with a fill-reducing ordering) and the factor is reused for every right-hand side.
#pragma once
#include <Eigen/Sparse>
#include <Eigen/SparseCholesky>

#include <cstdint>
#include <vector>

namespace pnnkit {
namespace equilibrium {

// Edge list + clamped-node set shared by the linear and the diode network.
struct ResistorGraph {
    std::int64_t n_nodes = 0;
    std::vector<std::int64_t> edge_i, edge_j;  // endpoints of each edge (i != j)
    std::vector<std::int64_t> clamped;         // ids of voltage-clamped nodes, in source order
    std::vector<std::int64_t> free_index;      // node -> index among free nodes, -1 if clamped
    std::vector<std::int64_t> clamped_index;   // node -> index among clamped nodes, -1 if free
    std::vector<std::int64_t> free_nodes;      // free node ids in increasing order

    // Validates ids (range, self-loops, duplicate clamps) and that every free node reaches a
    // clamped node; otherwise throws std::invalid_argument naming the floating component.
    ResistorGraph(std::int64_t n_nodes, const std::int64_t* edge_i, const std::int64_t* edge_j,
                  std::int64_t n_edges, const std::int64_t* clamped, std::int64_t n_clamped);
    std::int64_t n_edges() const { return static_cast<std::int64_t>(edge_i.size()); }
    std::int64_t n_free() const { return static_cast<std::int64_t>(free_nodes.size()); }
    std::int64_t n_clamped() const { return static_cast<std::int64_t>(clamped.size()); }
};

// Throws std::invalid_argument unless every conductance is finite and > 0 (names the edge).
void check_conductances(const double* conductance_S, std::int64_t n_edges);

class ResistorNetwork {
public:
    ResistorNetwork(std::int64_t n_nodes, const std::int64_t* edge_i, const std::int64_t* edge_j,
                    std::int64_t n_edges, const double* conductance_S, const std::int64_t* clamped,
                    std::int64_t n_clamped);

    // Replace the conductances (same graph) and refactorize numerically (symbolic analysis reused).
    void set_conductances(const double* conductance_S);

    // Batched steady state. v_clamped: (batch, n_clamped) volts, row-major; currents: (batch,
    // n_nodes) amperes injected per node (nullptr = none; entries at clamped nodes are ignored);
    // out: (batch, n_nodes) node potentials. OpenMP over fixed-size blocks of right-hand sides,
    // so the result does not depend on the thread count.
    void solve(const double* v_clamped, const double* currents, std::int64_t batch, double* out,
               int n_threads) const;

    const ResistorGraph& graph() const { return graph_; }
    const std::vector<double>& conductances() const { return g_; }

private:
    void factorize();

    ResistorGraph graph_;
    std::vector<double> g_;
    Eigen::SparseMatrix<double> L_ff_;   // free-free block of the Laplacian
    Eigen::SparseMatrix<double, Eigen::RowMajor> L_fc_;  // free-clamped block
    Eigen::SimplicialLDLT<Eigen::SparseMatrix<double>> ldlt_;
    bool analyzed_ = false;
};

}  // namespace equilibrium
}  // namespace pnnkit
