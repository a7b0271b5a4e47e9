// Linear resistor networks: graph validation, reduced-Laplacian factorization, batched solves.
#include "pnnkit/equilibrium/resistor_network.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "pnnkit/common/error.hpp"

namespace pnnkit {
namespace equilibrium {

namespace {

std::int64_t find_root(std::vector<std::int64_t>& parent, std::int64_t x) {
    while (parent[x] != x) {
        parent[x] = parent[parent[x]];  // path halving keeps the trees shallow
        x = parent[x];
    }
    return x;
}

// Right-hand sides are solved in blocks of this many columns. The block size is fixed (not
// derived from the thread count) so that every column sees the same arithmetic for any thread count.
constexpr std::int64_t kRhsBlock = 16;  // also the SIMD width of the block solves

}  // namespace

ResistorGraph::ResistorGraph(std::int64_t n_nodes_, const std::int64_t* ei, const std::int64_t* ej,
                             std::int64_t n_edges, const std::int64_t* cl, std::int64_t n_clamped)
    : n_nodes(n_nodes_) {
    PNNKIT_CHECK(n_nodes >= 2, "n_nodes must be >= 2, got " << n_nodes);
    PNNKIT_CHECK(n_edges >= 1, "edges must contain at least one edge");
    PNNKIT_CHECK(n_clamped >= 1, "clamped_nodes must contain at least one node (e.g. ground): without a "
                                 "voltage reference every potential floats");
    edge_i.assign(ei, ei + n_edges);
    edge_j.assign(ej, ej + n_edges);
    for (std::int64_t e = 0; e < n_edges; ++e) {
        PNNKIT_CHECK(edge_i[e] >= 0 && edge_i[e] < n_nodes && edge_j[e] >= 0 && edge_j[e] < n_nodes,
                     "edges[" << e << "] = (" << edge_i[e] << ", " << edge_j[e] << ") has a node id outside [0, "
                              << n_nodes << ")");
        PNNKIT_CHECK(edge_i[e] != edge_j[e], "edges[" << e << "] is a self-loop on node " << edge_i[e]);
    }
    clamped.assign(cl, cl + n_clamped);
    clamped_index.assign(n_nodes, -1);
    for (std::int64_t c = 0; c < n_clamped; ++c) {
        PNNKIT_CHECK(clamped[c] >= 0 && clamped[c] < n_nodes,
                     "clamped_nodes[" << c << "] = " << clamped[c] << " is outside [0, " << n_nodes << ")");
        PNNKIT_CHECK(clamped_index[clamped[c]] < 0, "clamped_nodes lists node " << clamped[c] << " twice");
        clamped_index[clamped[c]] = c;
    }
    free_index.assign(n_nodes, -1);
    for (std::int64_t v = 0; v < n_nodes; ++v) {
        if (clamped_index[v] < 0) {
            free_index[v] = static_cast<std::int64_t>(free_nodes.size());
            free_nodes.push_back(v);
        }
    }
    // Union-find: a connected component with no clamped node floats (its Laplacian block is singular).
    std::vector<std::int64_t> parent(n_nodes);
    std::iota(parent.begin(), parent.end(), 0);
    for (std::int64_t e = 0; e < n_edges; ++e) {
        std::int64_t a = find_root(parent, edge_i[e]), b = find_root(parent, edge_j[e]);
        if (a != b) parent[a] = b;
    }
    std::vector<char> anchored(n_nodes, 0);
    for (std::int64_t c : clamped) anchored[find_root(parent, c)] = 1;
    std::vector<std::int64_t> first_floating;  // nodes of the first floating component found
    std::int64_t n_floating_nodes = 0, floating_root = -1;
    std::vector<char> root_seen(n_nodes, 0);
    std::int64_t n_components = 0;
    for (std::int64_t v = 0; v < n_nodes; ++v) {
        const std::int64_t r = find_root(parent, v);
        if (anchored[r]) continue;
        ++n_floating_nodes;
        if (!root_seen[r]) {
            root_seen[r] = 1;
            ++n_components;
        }
        if (floating_root < 0) floating_root = r;
        if (r == floating_root) first_floating.push_back(v);
    }
    if (n_floating_nodes > 0) {
        std::ostringstream os;
        os << "disconnected graph: the Laplacian is singular because " << n_components
           << " connected component(s) (" << n_floating_nodes
           << " node(s) in all) have no path to a clamped node; floating component: nodes [";
        const std::size_t shown = std::min<std::size_t>(first_floating.size(), 20);
        for (std::size_t k = 0; k < shown; ++k) os << (k ? ", " : "") << first_floating[k];
        if (first_floating.size() > shown) os << ", ... (" << first_floating.size() << " nodes)";
        os << "]";
        fail_invalid(__FILE__, __LINE__, os.str());
    }
}

void check_conductances(const double* g, std::int64_t n_edges) {
    for (std::int64_t e = 0; e < n_edges; ++e) {
        PNNKIT_CHECK(std::isfinite(g[e]) && g[e] > 0.0,
                     "conductance_S[" << e << "] = " << g[e] << " must be finite and > 0 (a passive resistor)");
    }
}

ResistorNetwork::ResistorNetwork(std::int64_t n_nodes, const std::int64_t* edge_i, const std::int64_t* edge_j,
                                 std::int64_t n_edges, const double* conductance_S, const std::int64_t* clamped,
                                 std::int64_t n_clamped)
    : graph_(n_nodes, edge_i, edge_j, n_edges, clamped, n_clamped) {
    PNNKIT_CHECK(graph_.n_free() >= 1, "every node is clamped: nothing to solve");
    set_conductances(conductance_S);
}

void ResistorNetwork::set_conductances(const double* conductance_S) {
    check_conductances(conductance_S, graph_.n_edges());
    g_.assign(conductance_S, conductance_S + graph_.n_edges());
    factorize();
}

void ResistorNetwork::factorize() {
    const std::int64_t nf = graph_.n_free(), nc = graph_.n_clamped();
    std::vector<Eigen::Triplet<double>> tff, tfc;
    tff.reserve(4 * g_.size());
    for (std::size_t e = 0; e < g_.size(); ++e) {
        const std::int64_t a = graph_.edge_i[e], b = graph_.edge_j[e];
        const std::int64_t fa = graph_.free_index[a], fb = graph_.free_index[b];
        const double g = g_[e];
        if (fa >= 0) tff.emplace_back(fa, fa, g);
        if (fb >= 0) tff.emplace_back(fb, fb, g);
        if (fa >= 0 && fb >= 0) {
            tff.emplace_back(fa, fb, -g);
            tff.emplace_back(fb, fa, -g);
        } else if (fa >= 0) {
            tfc.emplace_back(fa, graph_.clamped_index[b], -g);
        } else if (fb >= 0) {
            tfc.emplace_back(fb, graph_.clamped_index[a], -g);
        }
    }
    L_ff_.resize(nf, nf);
    L_ff_.setFromTriplets(tff.begin(), tff.end());  // duplicates (parallel edges) are summed
    L_fc_.resize(nf, nc);
    L_fc_.setFromTriplets(tfc.begin(), tfc.end());
    if (!analyzed_) {
        ldlt_.analyzePattern(L_ff_);
        analyzed_ = true;
    }
    ldlt_.factorize(L_ff_);
    PNNKIT_CHECK_NUMERIC(ldlt_.info() == Eigen::Success,
                         "sparse LDLT factorization of the reduced Laplacian failed (numerically singular; "
                         "conductances spanning too many orders of magnitude?)");
    const double dmin = ldlt_.vectorD().minCoeff();
    PNNKIT_CHECK_NUMERIC(dmin > 0.0, "reduced Laplacian is not positive definite (min pivot " << dmin << ")");
}

void ResistorNetwork::solve(const double* v_clamped, const double* currents, std::int64_t batch, double* out,
                            int n_threads) const {
    const std::int64_t n = graph_.n_nodes, nf = graph_.n_free(), nc = graph_.n_clamped();
    const std::int64_t n_blocks = (batch + kRhsBlock - 1) / kRhsBlock;
    const auto& free_nodes = graph_.free_nodes;
    const auto& clamped = graph_.clamped;
    // The LDLT factor P A P^T = L D L^T (L unit lower, CSC). Solving a block of right-hand sides with
    // one pass over L (each row of the block contiguous) reads the factor once per block instead of
    // once per column, which is what makes the batched solve memory-efficient.
    const auto& Lm = ldlt_.matrixL().nestedExpression();
    const auto* Lp = Lm.outerIndexPtr();
    const auto* Li = Lm.innerIndexPtr();
    const double* Lx = Lm.valuePtr();
    const auto& D = ldlt_.vectorD();
    const auto& perm = ldlt_.permutationP().indices();
#pragma omp parallel for schedule(static) num_threads(n_threads) if (n_blocks > 1)
    for (std::int64_t blk = 0; blk < n_blocks; ++blk) {
        const std::int64_t b0 = blk * kRhsBlock, nb = std::min(kRhsBlock, batch - b0);
        // y[row * kRhsBlock + s]: permuted right-hand sides; padded columns stay zero.
        std::vector<double> y(nf * kRhsBlock, 0.0);
        for (std::int64_t s = 0; s < nb; ++s) {
            const double* vrow = v_clamped + (b0 + s) * nc;
            const double* irow = currents ? currents + (b0 + s) * n : nullptr;
            for (std::int64_t f = 0; f < nf; ++f) {
                double r = irow ? irow[free_nodes[f]] : 0.0;
                for (Eigen::SparseMatrix<double, Eigen::RowMajor>::InnerIterator it(L_fc_, f); it; ++it)
                    r -= it.value() * vrow[it.col()];
                y[perm[f] * kRhsBlock + s] = r;
            }
        }
        for (std::int64_t j = 0; j < nf; ++j) {  // L z = P b (forward, unit diagonal)
            const double* yj = &y[j * kRhsBlock];
            for (Eigen::Index k = Lp[j]; k < Lp[j + 1]; ++k) {
                const Eigen::Index i = Li[k];
                if (i <= j) continue;
                double* yi = &y[i * kRhsBlock];
                const double l = Lx[k];
                for (std::int64_t s = 0; s < kRhsBlock; ++s) yi[s] -= l * yj[s];
            }
        }
        for (std::int64_t j = 0; j < nf; ++j) {  // D w = z
            const double inv = 1.0 / D[j];
            double* yj = &y[j * kRhsBlock];
            for (std::int64_t s = 0; s < kRhsBlock; ++s) yj[s] *= inv;
        }
        for (std::int64_t j = nf - 1; j >= 0; --j) {  // L^T u = w (backward)
            double* yj = &y[j * kRhsBlock];
            for (Eigen::Index k = Lp[j]; k < Lp[j + 1]; ++k) {
                const Eigen::Index i = Li[k];
                if (i <= j) continue;
                const double* yi = &y[i * kRhsBlock];
                const double l = Lx[k];
                for (std::int64_t s = 0; s < kRhsBlock; ++s) yj[s] -= l * yi[s];
            }
        }
        for (std::int64_t s = 0; s < nb; ++s) {  // x = P^T u
            double* orow = out + (b0 + s) * n;
            const double* vrow = v_clamped + (b0 + s) * nc;
            for (std::int64_t f = 0; f < nf; ++f) orow[free_nodes[f]] = y[perm[f] * kRhsBlock + s];
            for (std::int64_t c = 0; c < nc; ++c) orow[clamped[c]] = vrow[c];
        }
    }
}

}  // namespace equilibrium
}  // namespace pnnkit
