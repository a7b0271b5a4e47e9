// Ideal-diode resistor networks: exact coordinate descent on the co-content QP, batched.
#include "pnnkit/equilibrium/diode_network.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "pnnkit/common/error.hpp"

namespace pnnkit {
namespace equilibrium {

namespace {
// Samples per block: the inner loops run over the samples of a block (contiguous, vectorizable),
// and a fixed size keeps results independent of the thread count.
constexpr std::int64_t kBlock = 32;
// 8 doubles (GCC/Clang vector extension; unaligned access): kBlock samples are kVecs of them.
// Only ever inlined into the ISA builds below, so the note on the 64-byte vector ABI does not apply.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wpsabi"
#endif
typedef double V8 __attribute__((vector_size(64)));
typedef double V8u __attribute__((vector_size(64), aligned(8)));
constexpr int kVecs = int(kBlock / 8);
inline __attribute__((always_inline)) V8 load8(const double* p) { return *reinterpret_cast<const V8u*>(p); }
inline __attribute__((always_inline)) void store8(double* p, V8 v) { *reinterpret_cast<V8u*>(p) = v; }

// a[g] += sum_k w_g[k] V[nbr[k]] for the G nodes of a group (shared neighbour list nbr, len entries).
// The sums run in local copies (`a` may alias V as far as the compiler knows), the short loops are
// unrolled and the loaded neighbour is four named vectors: otherwise GCC kept sums or loads in memory.
template <int G>
inline __attribute__((always_inline)) void accumulate_group(const std::int64_t* nbr, std::int64_t len,
                                                            const double* const* w, const double* V,
                                                            V8 (*a)[kVecs]) {
    static_assert(kVecs == 4, "the neighbour loads below are written out for kVecs = 4");
    V8 acc[G][kVecs];
    const double* wl[G];
#pragma GCC unroll 4
    for (int gi = 0; gi < G; ++gi) {
        wl[gi] = w[gi];
        for (int i = 0; i < kVecs; ++i) acc[gi][i] = a[gi][i];
    }
    for (std::int64_t k = 0; k < len; ++k) {
        const double* vn = V + nbr[k] * kBlock;
        const V8 x0 = load8(vn), x1 = load8(vn + 8), x2 = load8(vn + 16), x3 = load8(vn + 24);
#pragma GCC unroll 4
        for (int gi = 0; gi < G; ++gi) {
            const double wk = wl[gi][k];
            acc[gi][0] += wk * x0;
            acc[gi][1] += wk * x1;
            acc[gi][2] += wk * x2;
            acc[gi][3] += wk * x3;
        }
    }
#pragma GCC unroll 4
    for (int gi = 0; gi < G; ++gi)
        for (int i = 0; i < kVecs; ++i) a[gi][i] = acc[gi][i];
}
// |d| by clearing the sign bit (a NaN stays a NaN): one AND where `d < 0 ? -d : d` took three ops.
typedef long long V8i __attribute__((vector_size(64)));
inline __attribute__((always_inline)) V8 abs8(V8 d) {
    return reinterpret_cast<V8>(reinterpret_cast<V8i>(d) & (V8i{} + 0x7fffffffffffffffLL));
}

// 8 x 8 transpose of doubles in registers (r[i][j] -> r[j][i]): three stages of two-vector
// shuffles. Moves a block between node-major (V) and sample-major (the caller's arrays) layouts
// eight values per store instead of one.
inline __attribute__((always_inline)) void transpose8(V8* r) {
    V8 t[8], u[8];
    for (int i = 0; i < 8; i += 2) {
        t[i] = __builtin_shuffle(r[i], r[i + 1], V8i{0, 8, 2, 10, 4, 12, 6, 14});
        t[i + 1] = __builtin_shuffle(r[i], r[i + 1], V8i{1, 9, 3, 11, 5, 13, 7, 15});
    }
    for (int i : {0, 1, 4, 5}) {
        u[i] = __builtin_shuffle(t[i], t[i + 2], V8i{0, 1, 8, 9, 4, 5, 12, 13});
        u[i + 2] = __builtin_shuffle(t[i], t[i + 2], V8i{2, 3, 10, 11, 6, 7, 14, 15});
    }
    for (int i = 0; i < 4; ++i) {
        r[i] = __builtin_shuffle(u[i], u[i + 4], V8i{0, 1, 2, 3, 8, 9, 10, 11});
        r[i + 4] = __builtin_shuffle(u[i], u[i + 4], V8i{4, 5, 6, 7, 12, 13, 14, 15});
    }
}

// Where one group's update reads and writes: G nodes that share their free-neighbour list.
struct GroupUpdate {
    const double* cst[4];  // constant current of each node (kBlock samples), amperes
    double* v[4];          // potential of each node in the block (kBlock samples), volts
    const double* w[4];    // conductances of each node towards the shared neighbours, siemens
    double lo[4], hi[4], inv_den[4];
};

// Exact coordinate update of a group: v = clip((cst + sum_k w[k] V[nbr[k]]) / den, lo, hi), written
// back, and chg[s] = max(chg[s], |v_new - v_old|). Accumulation, clip and change in one function,
// so the G x kVecs sums stay in registers (split in two, they went through the stack between them).
template <int G>
inline __attribute__((always_inline)) void update_group(const std::int64_t* nbr, std::int64_t len,
                                                        const GroupUpdate& u, const double* V, V8* chg) {
    V8 a[G][kVecs];
#pragma GCC unroll 4
    for (int gi = 0; gi < G; ++gi)
        for (int i = 0; i < kVecs; ++i) a[gi][i] = load8(u.cst[gi] + i * 8);
    accumulate_group<G>(nbr, len, u.w, V, a);
    V8 c[kVecs];
    for (int i = 0; i < kVecs; ++i) c[i] = chg[i];
#pragma GCC unroll 4
    for (int gi = 0; gi < G; ++gi) {
        const V8 lo = u.lo[gi] + V8{}, hi = u.hi[gi] + V8{};
        const double id = u.inv_den[gi];
        double* vf = u.v[gi];
        for (int i = 0; i < kVecs; ++i) {
            // std::min(std::max(a id, lo), hi) lane by lane (a NaN is kept, as std::max keeps it)
            V8 v = a[gi][i] * id;
            v = v < lo ? lo : v;
            v = hi < v ? hi : v;
            const V8 d = abs8(v - load8(vf + i * 8));
            c[i] = c[i] > d ? c[i] : d;
            store8(vf + i * 8, v);
        }
    }
    for (int i = 0; i < kVecs; ++i) chg[i] = c[i];
}

// One out-of-line copy per group size and instruction set (K): inlined into the large block
// solver, the register allocator spilled the loaded neighbours to the stack.
template <class K>
inline __attribute__((always_inline)) void accumulate_any(int G, const std::int64_t* nbr, std::int64_t len,
                                                          const double* const* w, const double* V,
                                                          V8 (*a)[kVecs]) {
    switch (G) {
        case 4: K::template acc<4>(nbr, len, w, V, a); break;
        case 3: K::template acc<3>(nbr, len, w, V, a); break;
        case 2: K::template acc<2>(nbr, len, w, V, a); break;
        default: K::template acc<1>(nbr, len, w, V, a); break;
    }
}

template <class K>
inline __attribute__((always_inline)) void update_any(int G, const std::int64_t* nbr, std::int64_t len,
                                                      const GroupUpdate& u, const double* V, V8* chg) {
    switch (G) {
        case 4: K::template upd<4>(nbr, len, u, V, chg); break;
        case 3: K::template upd<3>(nbr, len, u, V, chg); break;
        case 2: K::template upd<2>(nbr, len, u, V, chg); break;
        default: K::template upd<1>(nbr, len, u, V, chg); break;
    }
}

// Everything one block of samples needs (the solver's arrays and the call's arguments).
struct BlockJob {
    const ResistorGraph& g;
    const std::vector<std::int64_t>&row_ptr, &row_free_end, &nbr;
    const std::vector<double>&wt, &lower, &upper, &inv_den;
    const std::vector<std::int64_t>& nudge_of;
    const std::vector<int>&free_group, &clamped_group;
    const double* v_clamped;
    const double* currents;
    const std::int64_t* nudge_nodes;
    std::int64_t n_nudge;
    double beta;
    const double* targets;
    const double* v_init;
    std::int64_t batch, max_sweeps;
    double tol;
    double* out;
};

// Coordinate descent on samples [blk kBlock, ...) of a job; inlined into one build per vector ISA
// (K: that ISA's accumulate copies).
template <class K>
inline __attribute__((always_inline)) void solve_block_body(const BlockJob& job, std::int64_t blk,
                                                            std::int64_t& sweeps_out, double& change_out,
                                                            bool& finite) {
    const ResistorGraph& g = job.g;
    const auto& row_ptr = job.row_ptr;
    const auto& row_free_end = job.row_free_end;
    const auto& nbr = job.nbr;
    const auto& wt = job.wt;
    const auto& lower = job.lower;
    const auto& upper = job.upper;
    const auto& inv_den = job.inv_den;
    const auto& nudge_of = job.nudge_of;
    const double* v_clamped = job.v_clamped;
    const double* currents = job.currents;
    const std::int64_t n_nudge = job.n_nudge;
    const double beta = job.beta;
    const double* targets = job.targets;
    const double* v_init = job.v_init;
    const std::int64_t batch = job.batch, max_sweeps = job.max_sweeps;
    const double tol = job.tol;
    double* out = job.out;
    const std::int64_t n = g.n_nodes, nf = g.n_free(), nc = g.n_clamped();
        const std::int64_t b0 = blk * kBlock, nb = std::min(kBlock, batch - b0);
        // Node-major block: V[node * kBlock + s] so the per-edge update runs over contiguous samples.
        // A partial last block is padded with copies of its last sample (identical iterates, so the
        // stopping rule is unaffected) to keep every inner loop at the compile-time length kBlock.
        // Filled and read back node by node, so each node's kBlock samples are written as whole
        // vectors (sample-major loops strided through V and thrashed L1).
        // Per-thread workspace kept between blocks and calls: ~100 kB allocated per block came back
        // as fresh pages, and their faults cost more than the block's sweeps.
        static thread_local std::vector<double> V_ws, cst_ws;
        if (V_ws.size() < std::size_t(n * kBlock)) V_ws.resize(std::size_t(n * kBlock));
        if (cst_ws.size() < std::size_t(nf * kBlock)) cst_ws.resize(std::size_t(nf * kBlock));
        double* const V = V_ws.data();
        double* const cst = cst_ws.data();
        std::int64_t row[kBlock];
        for (std::int64_t s = 0; s < kBlock; ++s) row[s] = b0 + std::min(s, nb - 1);
        std::int64_t c0 = 0;
        for (; c0 + 8 <= nc; c0 += 8)  // 8 clamped nodes x 8 samples per register tile
            for (int sb = 0; sb < kVecs; ++sb) {
                V8 r[8];
                for (int s = 0; s < 8; ++s) r[s] = load8(v_clamped + row[sb * 8 + s] * nc + c0);
                transpose8(r);
                for (int j = 0; j < 8; ++j) store8(V + g.clamped[c0 + j] * kBlock + sb * 8, r[j]);
            }
        for (std::int64_t c = c0; c < nc; ++c) {
            double* vp = V + g.clamped[c] * kBlock;
            for (std::int64_t s = 0; s < kBlock; ++s) vp[s] = v_clamped[row[s] * nc + c];
        }
        for (std::int64_t f = 0; f < nf; ++f) {
            const std::int64_t node = g.free_nodes[f];
            const double lo = lower[node], hi = upper[node];
            double* vp = V + node * kBlock;
            double* cp = cst + f * kBlock;
            for (std::int64_t s = 0; s < kBlock; ++s) {
                const double v0 = v_init ? v_init[row[s] * n + node] : 0.0;
                vp[s] = std::min(std::max(v0, lo), hi);
            }
            if (currents) {
                for (std::int64_t s = 0; s < kBlock; ++s) cp[s] = currents[row[s] * n + node];
            } else {
                for (std::int64_t s = 0; s < kBlock; ++s) cp[s] = 0.0;
            }
            if (nudge_of[f] >= 0) {
                const std::int64_t k = nudge_of[f];
                for (std::int64_t s = 0; s < kBlock; ++s) cp[s] += beta * targets[row[s] * n_nudge + k];
            }
        }
        for (std::int64_t f = 0; f < nf;) {  // constant currents from the clamped neighbours
            const int G = std::max(1, job.clamped_group[f]);
            V8 a[4][kVecs];
            const double* w[4];
            for (int gi = 0; gi < G; ++gi) {
                w[gi] = &wt[row_free_end[f + gi]];
                for (int i = 0; i < kVecs; ++i) a[gi][i] = load8(cst + (f + gi) * kBlock + i * 8);
            }
            accumulate_any<K>(G, &nbr[row_free_end[f]], row_ptr[f + 1] - row_free_end[f], w, V, a);
            for (int gi = 0; gi < G; ++gi)
                for (int i = 0; i < kVecs; ++i) store8(cst + (f + gi) * kBlock + i * 8, a[gi][i]);
            f += G;
        }
        // The sweep's groups, with their pointers into this block, built once for all sweeps.
        struct SweepGroup {
            int G;
            const std::int64_t* nbr;
            std::int64_t len;
            GroupUpdate u;
        };
        static thread_local std::vector<SweepGroup> groups;
        groups.clear();
        for (std::int64_t f0 = 0; f0 < nf;) {
            SweepGroup sg;
            sg.G = std::max(1, job.free_group[f0]);
            sg.nbr = &nbr[row_ptr[f0]];
            sg.len = row_free_end[f0] - row_ptr[f0];
            for (int gi = 0; gi < sg.G; ++gi) {
                const std::int64_t f = f0 + gi, node = g.free_nodes[f];
                sg.u.cst[gi] = cst + f * kBlock;
                sg.u.v[gi] = V + node * kBlock;
                sg.u.w[gi] = &wt[row_ptr[f]];
                sg.u.lo[gi] = lower[node];
                sg.u.hi[gi] = upper[node];
                sg.u.inv_den[gi] = inv_den[f];
            }
            groups.push_back(sg);
            f0 += sg.G;
        }
        std::int64_t sweep = 0;
        double change = 0.0;
        while (sweep < max_sweeps) {
            ++sweep;
            V8 chgv[kVecs];  // per-sample largest change of this sweep
            for (int i = 0; i < kVecs; ++i) chgv[i] = V8{} * 0.0;
            for (const SweepGroup& sg : groups)
                update_any<K>(sg.G, sg.nbr, sg.len, sg.u, V, chgv);
            change = 0.0;
            alignas(64) double chg[kBlock];
            for (int i = 0; i < kVecs; ++i) store8(chg + i * 8, chgv[i]);
            for (std::int64_t s = 0; s < kBlock; ++s) {
                if (std::isnan(chg[s])) change = chg[s];
                if (change < chg[s]) change = chg[s];
            }
            if (change < tol || std::isnan(change)) break;  // NaN is reported below, never propagated
        }
        sweeps_out = sweep;
        change_out = change;
        // x * 0 is 0 for finite x and NaN otherwise: one multiply-add per entry instead of a branch.
        V8 nonfinite = V8{} * 0.0;
        std::int64_t node0 = 0;
        for (; node0 + 8 <= n; node0 += 8)  // 8 nodes x 8 samples per register tile
            for (int sb = 0; sb < kVecs; ++sb) {
                V8 r[8];
                for (int j = 0; j < 8; ++j) {
                    r[j] = load8(V + (node0 + j) * kBlock + sb * 8);
                    nonfinite += r[j] * 0.0;
                }
                transpose8(r);
                for (int s = 0; s < 8 && sb * 8 + s < nb; ++s) store8(out + (b0 + sb * 8 + s) * n + node0, r[s]);
            }
        for (std::int64_t node = node0; node < n; ++node) {  // the last n mod 8 nodes
            const double* vp = V + node * kBlock;
            for (int sb = 0; sb < kVecs; ++sb) nonfinite += load8(vp + sb * 8) * 0.0;
            for (std::int64_t s = 0; s < nb; ++s) out[(b0 + s) * n + node] = vp[s];
        }
        for (int i = 0; i < 8; ++i)
            if (nonfinite[i] != 0.0) finite = false;
        // a very large network's workspace is not kept after its solve (the kept one is for speed only)
        constexpr std::size_t kKeepDoubles = std::size_t(1) << 21;  // 16 MB
        if (V_ws.size() + cst_ws.size() > kKeepDoubles) {
            std::vector<double>().swap(V_ws);
            std::vector<double>().swap(cst_ws);
        }
}

enum class Isa { Baseline, Avx2, Avx512 };
#define PNNKIT_DIODE_ACC_COPY(NAME, ...)                                                                \
    struct NAME {                                                                                       \
        template <int G>                                                                                \
        static __attribute__((noinline, __VA_ARGS__)) void acc(const std::int64_t* nbr, std::int64_t len,     \
                                                         const double* const* w, const double* V,       \
                                                         V8 (*a)[kVecs]) {                              \
            accumulate_group<G>(nbr, len, w, V, a);                                                     \
        }                                                                                               \
        template <int G>                                                                                \
        static __attribute__((noinline, __VA_ARGS__)) void upd(const std::int64_t* nbr, std::int64_t len,     \
                                                         const GroupUpdate& u, const double* V, V8* chg) { \
            update_group<G>(nbr, len, u, V, chg);                                                       \
        }                                                                                               \
    };
// (the generic copy keeps the ISO default, no fused multiply-adds, like the rest of the core)
PNNKIT_DIODE_ACC_COPY(AccGeneric, optimize("fp-contract=off"))
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#define PNNKIT_DIODE_X86 1
// fp-contract: multiply-adds fused (rounding differs from the baseline build only in the last bits);
// 512-bit vectors: a block row of kBlock = 32 samples is 4 registers.
PNNKIT_DIODE_ACC_COPY(Acc512, target("avx512f,avx2,fma,prefer-vector-width=512"), optimize("fp-contract=fast"))
PNNKIT_DIODE_ACC_COPY(Acc256, target("avx2,fma"), optimize("fp-contract=fast"))
__attribute__((target("avx512f,avx2,fma,prefer-vector-width=512"), optimize("fp-contract=fast"))) void
solve_block_avx512(const BlockJob& job, std::int64_t blk, std::int64_t& sw, double& ch, bool& finite) {
    solve_block_body<Acc512>(job, blk, sw, ch, finite);
}
__attribute__((target("avx2,fma"), optimize("fp-contract=fast"))) void solve_block_avx2(
    const BlockJob& job, std::int64_t blk, std::int64_t& sw, double& ch, bool& finite) {
    solve_block_body<Acc256>(job, blk, sw, ch, finite);
}
Isa detect_isa() {
    __builtin_cpu_init();
    // PNNKIT_DIODE_ISA=baseline|avx2 caps the choice, so the tests can run every copy on one machine.
    const char* cap = std::getenv("PNNKIT_DIODE_ISA");
    if (cap && std::strcmp(cap, "baseline") == 0) return Isa::Baseline;
    if (cap && std::strcmp(cap, "avx2") == 0)
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? Isa::Avx2 : Isa::Baseline;
    if (__builtin_cpu_supports("avx512f")) return Isa::Avx512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Isa::Avx2;
    return Isa::Baseline;
}
#else
Isa detect_isa() { return Isa::Baseline; }
#endif
void solve_block_generic(const BlockJob& job, std::int64_t blk, std::int64_t& sw, double& ch, bool& finite) {
    solve_block_body<AccGeneric>(job, blk, sw, ch, finite);
}
Isa isa() {
    static const Isa value = detect_isa();
    return value;
}
}  // namespace

DiodeNetwork::DiodeNetwork(std::int64_t n_nodes, const std::int64_t* edge_i, const std::int64_t* edge_j,
                           std::int64_t n_edges, const double* conductance_S, const std::int64_t* clamped,
                           std::int64_t n_clamped, const double* lower_V, const double* upper_V)
    : graph_(n_nodes, edge_i, edge_j, n_edges, clamped, n_clamped) {
    PNNKIT_CHECK(graph_.n_free() >= 1, "every node is clamped: nothing to solve");
    lower_.assign(lower_V, lower_V + n_nodes);
    upper_.assign(upper_V, upper_V + n_nodes);
    for (std::int64_t f : graph_.free_nodes) {
        PNNKIT_CHECK(!std::isnan(lower_[f]) && !std::isnan(upper_[f]) && lower_[f] <= upper_[f],
                     "diode bounds of node " << f << " must satisfy lower_V <= upper_V, got [" << lower_[f] << ", "
                                             << upper_[f] << "]");
    }
    set_conductances(conductance_S);
}

void DiodeNetwork::set_conductances(const double* conductance_S) {
    check_conductances(conductance_S, graph_.n_edges());
    g_.assign(conductance_S, conductance_S + graph_.n_edges());
    build_rows();
}

void DiodeNetwork::build_rows() {
    const std::int64_t nf = graph_.n_free();
    std::vector<std::int64_t> count(nf + 1, 0);
    for (std::int64_t e = 0; e < graph_.n_edges(); ++e) {
        const std::int64_t fa = graph_.free_index[graph_.edge_i[e]], fb = graph_.free_index[graph_.edge_j[e]];
        if (fa >= 0) ++count[fa + 1];
        if (fb >= 0) ++count[fb + 1];
    }
    row_ptr_.assign(nf + 1, 0);
    for (std::int64_t f = 0; f < nf; ++f) row_ptr_[f + 1] = row_ptr_[f] + count[f + 1];
    nbr_.assign(row_ptr_[nf], 0);
    wt_.assign(row_ptr_[nf], 0.0);
    diag_.assign(nf, 0.0);
    // Each row lists its free neighbours first, then its clamped ones: the clamped part is a constant
    // current computed once per solve, so the sweeps only visit free-free couplings.
    std::vector<std::int64_t> n_free_nbr(nf, 0);
    for (std::int64_t e = 0; e < graph_.n_edges(); ++e) {
        const std::int64_t fa = graph_.free_index[graph_.edge_i[e]], fb = graph_.free_index[graph_.edge_j[e]];
        if (fa >= 0 && fb >= 0) {
            ++n_free_nbr[fa];
            ++n_free_nbr[fb];
        }
    }
    row_free_end_.assign(nf, 0);
    std::vector<std::int64_t> pos_free(nf), pos_cl(nf);
    for (std::int64_t f = 0; f < nf; ++f) {
        pos_free[f] = row_ptr_[f];
        row_free_end_[f] = pos_cl[f] = row_ptr_[f] + n_free_nbr[f];
    }
    auto put = [&](std::int64_t f, std::int64_t other, double g) {
        std::int64_t& p = graph_.free_index[other] >= 0 ? pos_free[f] : pos_cl[f];
        nbr_[p] = other;
        wt_[p++] = g;
        diag_[f] += g;
    };
    for (std::int64_t e = 0; e < graph_.n_edges(); ++e) {
        const std::int64_t a = graph_.edge_i[e], b = graph_.edge_j[e];
        const std::int64_t fa = graph_.free_index[a], fb = graph_.free_index[b];
        if (fa >= 0) put(fa, b, g_[e]);
        if (fb >= 0) put(fb, a, g_[e]);
    }
    // Groups of consecutive free nodes with identical neighbour lists (e.g. one layer of a DRN).
    auto same = [&](std::int64_t f, std::int64_t h, bool free_part) {
        const std::int64_t a0 = free_part ? row_ptr_[f] : row_free_end_[f];
        const std::int64_t a1 = free_part ? row_free_end_[f] : row_ptr_[f + 1];
        const std::int64_t c0 = free_part ? row_ptr_[h] : row_free_end_[h];
        const std::int64_t c1 = free_part ? row_free_end_[h] : row_ptr_[h + 1];
        if (a1 - a0 != c1 - c0) return false;
        for (std::int64_t k = 0; k < a1 - a0; ++k)
            if (nbr_[a0 + k] != nbr_[c0 + k]) return false;
        return true;
    };
    auto is_nbr = [&](std::int64_t f, std::int64_t node) {  // node among f's free neighbours
        for (std::int64_t k = row_ptr_[f]; k < row_free_end_[f]; ++k)
            if (nbr_[k] == node) return true;
        return false;
    };
    free_group_.assign(nf, 0);
    clamped_group_.assign(nf, 0);
    for (int part = 0; part < 2; ++part) {
        std::vector<int>& grp = part == 0 ? free_group_ : clamped_group_;
        for (std::int64_t f = 0; f < nf;) {
            int G = 1;
            while (G < 4 && f + G < nf && same(f, f + G, part == 0)) {
                bool coupled = false;  // never group two nodes that are neighbours (sweep order matters)
                for (int gi = 0; gi < G; ++gi) coupled = coupled || is_nbr(f + G, graph_.free_nodes[f + gi]);
                if (coupled) break;
                ++G;
            }
            grp[f] = G;
            f += G;
        }
    }
}

DiodeSolveStats DiodeNetwork::solve(const double* v_clamped, const double* currents, const std::int64_t* nudge_nodes,
                                    std::int64_t n_nudge, double beta, const double* targets, const double* v_init,
                                    std::int64_t batch, std::int64_t max_sweeps, double tol, double* out,
                                    int n_threads) const {
    const std::int64_t n = graph_.n_nodes, nf = graph_.n_free();
    PNNKIT_CHECK(max_sweeps >= 1, "max_sweeps must be >= 1, got " << max_sweeps);
    PNNKIT_CHECK(tol > 0.0 && std::isfinite(tol), "tol must be finite and > 0, got " << tol);
    PNNKIT_CHECK(std::isfinite(beta), "beta must be finite, got " << beta);
    // Per free node: index into the nudge targets (-1 = not nudged).
    std::vector<std::int64_t> nudge_of(nf, -1);
    for (std::int64_t k = 0; k < n_nudge; ++k) {
        const std::int64_t node = nudge_nodes[k];
        PNNKIT_CHECK(node >= 0 && node < n, "nudge_nodes[" << k << "] = " << node << " is outside [0, " << n << ")");
        const std::int64_t f = graph_.free_index[node];
        PNNKIT_CHECK(f >= 0, "nudge_nodes[" << k << "] = " << node << " is a clamped node; only free nodes can be nudged");
        PNNKIT_CHECK(nudge_of[f] < 0, "nudge_nodes lists node " << node << " twice");
        nudge_of[f] = k;
        // beta < 0 (negative nudging) keeps the QP convex only while the diagonal stays positive.
        PNNKIT_CHECK(diag_[f] + beta > 0.0, "beta = " << beta << " makes the energy non-convex at node " << node
                                                      << " (its total conductance is " << diag_[f]
                                                      << " S); use |beta| below it");
    }
    PNNKIT_CHECK(n_nudge == 0 || targets != nullptr, "targets are required when nudge_nodes is not empty");
    std::vector<double> inv_den(nf);
    for (std::int64_t f = 0; f < nf; ++f) inv_den[f] = 1.0 / (diag_[f] + (nudge_of[f] >= 0 ? beta : 0.0));

    const std::int64_t n_blocks = (batch + kBlock - 1) / kBlock;
    std::vector<std::int64_t> block_sweeps(n_blocks, 0);
    std::vector<double> block_change(n_blocks, 0.0);
    std::vector<char> block_finite(n_blocks, 1);
    BlockJob job{graph_,   row_ptr_,  row_free_end_, nbr_,          wt_,      lower_,      upper_,
                 inv_den,  nudge_of,  free_group_,   clamped_group_, v_clamped, currents,  nudge_nodes,
                 n_nudge,  beta,      targets,       v_init,         batch,    max_sweeps, tol, out};
    const Isa level = isa();
#pragma omp parallel for schedule(static) num_threads(n_threads) if (n_blocks > 1)
    for (std::int64_t blk = 0; blk < n_blocks; ++blk) {
        bool finite = true;
        switch (level) {
#ifdef PNNKIT_DIODE_X86
            case Isa::Avx512: solve_block_avx512(job, blk, block_sweeps[blk], block_change[blk], finite); break;
            case Isa::Avx2: solve_block_avx2(job, blk, block_sweeps[blk], block_change[blk], finite); break;
#endif
            default: solve_block_generic(job, blk, block_sweeps[blk], block_change[blk], finite); break;
        }
        block_finite[blk] = finite;
    }
    DiodeSolveStats st;
    st.converged = true;
    for (std::int64_t blk = 0; blk < n_blocks; ++blk) {
        PNNKIT_CHECK_NUMERIC(block_finite[blk], "diode network steady state is not finite (samples "
                                                    << blk * kBlock << ".." << std::min(batch, (blk + 1) * kBlock) - 1
                                                    << "): non-finite inputs, currents or targets?");
        st.sweeps = std::max(st.sweeps, block_sweeps[blk]);
        st.max_change = std::max(st.max_change, block_change[blk]);
        if (!(block_change[blk] < tol)) st.converged = false;
    }
    return st;
}

}  // namespace equilibrium
}  // namespace pnnkit
