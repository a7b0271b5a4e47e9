#include "pnnkit/equilibrium/hopfield.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>

#include "pnnkit/common/error.hpp"
#include "pnnkit/common/target_clones.hpp"
#include "pnnkit/common/threads.hpp"
#include "hopfield_fused.hpp"
#include "hopfield_gemm.hpp"

namespace pnnkit {
namespace equilibrium {

namespace {

// Rows per work item. Fixed (not derived from the thread count) so that every GEMM
// sees the same shapes, hence the same summation order, whatever n_threads is.
constexpr std::int64_t kRowBlock = 32;
// Rows of a weight gradient per work item (same reason).
constexpr std::int64_t kGradBlock = 64;

// Relaxes the batch in blocks of kRowBlock samples, in parallel: relax_block(r0, rows, updates)
// handles samples [r0, r0 + rows) and returns false on a non-finite value. Raises if any block
// did; returns the most iterations any block took.
template <typename RelaxBlock>
int relax_row_blocks(std::int64_t batch, int n_threads, RelaxBlock&& relax_block) {
    const std::int64_t n_blocks = (batch + kRowBlock - 1) / kRowBlock;
    std::atomic<bool> finite{true};
    std::vector<int> block_updates(n_blocks, 0);
#pragma omp parallel for schedule(static) num_threads(n_threads)
    for (std::int64_t k = 0; k < n_blocks; ++k) {
        const std::int64_t r0 = k * kRowBlock;
        if (!relax_block(r0, std::min(kRowBlock, batch - r0), block_updates[k])) finite = false;
    }
    PNNKIT_CHECK_NUMERIC(finite.load(), "Hopfield relaxation produced a non-finite energy or residual "
                                        "(non-finite x, y, weights or biases?)");
    return *std::max_element(block_updates.begin(), block_updates.end());
}

template <typename T>
using RowMat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <typename T>
using MapC = Eigen::Map<const RowMat<T>>;
template <typename T>
using MapM = Eigen::Map<RowMat<T>>;

template <typename T>
inline T clip01(T v) {
    return v < T(0) ? T(0) : (v > T(1) ? T(1) : v);
}

// Relax rows [r0, r0 + rows) of the batch. Returns false if a non-finite value appeared.
template <typename T>
bool relax_block(const HopfieldNet<T>& net, const T* x, std::int64_t batch, std::int64_t r0, std::int64_t rows,
                 const std::vector<T*>& states, const T* y, const RelaxOptions<T>& opt, const RelaxOutputs<T>& out,
                 const std::vector<detail::PackedB<T>>& Wp, const std::vector<detail::PackedB<T>>& Wtp,
                 int& max_updates) {
    const int L = net.n_layers();
    const auto& n = net.sizes;
    const T eps = opt.method == RelaxMethod::FixedPoint ? T(1) : opt.eps;
    const T two_beta = T(2) * opt.beta;

    // Workspace for this block, allocated once before the iterations.
    RowMat<T> xin = MapC<T>(x + r0 * n[0], rows, n[0]).unaryExpr([](T v) { return clip01(v); });
    std::vector<RowMat<T>> P(L + 1), Q(L + 1);  // P_l = rho(s_{l-1}) W_l, Q_l = rho(s_{l+1}) W_{l+1}^T
    for (int l = 1; l <= L; ++l) {
        P[l].resize(rows, n[l]);
        if (l < L) Q[l].resize(rows, n[l]);
    }
    std::vector<T*> s(L + 1, nullptr);
    for (int l = 1; l <= L; ++l) {
        s[l] = states[l - 1] + r0 * n[l];
        for (std::int64_t i = 0; i < rows * n[l]; ++i) s[l][i] = clip01(s[l][i]);
    }
    // The input drive of layer 1 does not change during the relaxation: compute it once.
    packed_gemm(xin.data(), rows, n[0], Wp[1], P[1].data(), n[1]);

    std::vector<char> active(rows, 1);
    std::vector<std::int32_t> updates(rows, 0);
    std::vector<double> resid(rows, 0.0), energy(rows, 0.0), cost(rows, 0.0);
    const bool has_y = y != nullptr;
    std::vector<RowMat<T>> G(L + 1);  // dF/ds_l of the current state
    for (int l = 1; l <= L; ++l) G[l].resize(rows, n[l]);
    using Arr = Eigen::Array<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    using MapA = Eigen::Map<Arr>;
    using MapCA = Eigen::Map<const Arr>;
    const bool need_resid = opt.tol > T(0);

    for (int t = 0;; ++t) {
        const bool last = t == opt.max_iter;
        for (int l = 2; l <= L; ++l) packed_gemm(s[l - 1], rows, n[l - 1], Wp[l], P[l].data(), n[l]);
        for (int l = 1; l < L; ++l) packed_gemm(s[l + 1], rows, n[l + 1], Wtp[l], Q[l].data(), n[l]);

        // Energy, cost and residual are only needed at the end, for a trace or for early stopping;
        // otherwise the gradient is fused into the update below.
        const bool need_stats = last || out.trace || need_resid || (t == 0 && out.initial);
        if (need_stats) {
            // dF/ds_l = s_l - b_l - P_l - Q_l (+ 2 beta (s_L - y) on the output layer), vectorised.
            for (int l = 1; l <= L; ++l) {
                MapA S(s[l], rows, n[l]);
                const auto bl = Eigen::Map<const Eigen::Array<T, 1, Eigen::Dynamic>>(net.b[l - 1], n[l]);
                auto g = G[l].array();
                if (l < L) g = S - P[l].array() - Q[l].array();
                else g = S - P[l].array();
                g.rowwise() -= bl;
                if (l == L && has_y) g += two_beta * (S - MapCA(y + r0 * n[L], rows, n[L]));
            }
            std::fill(energy.begin(), energy.end(), 0.0);
            std::fill(cost.begin(), cost.end(), 0.0);
            std::fill(resid.begin(), resid.end(), 0.0);
            for (int l = 1; l <= L; ++l) {
                MapA S(s[l], rows, n[l]);
                const auto bl = Eigen::Map<const Eigen::Array<T, 1, Eigen::Dynamic>>(net.b[l - 1], n[l]);
                Arr e = S * (T(0.5) * S - P[l].array());
                const Arr sb = S.rowwise() * bl;
                const Arr pr = (S - (S - G[l].array()).cwiseMax(T(0)).cwiseMin(T(1))).abs();
                for (std::int64_t r = 0; r < rows; ++r) {
                    energy[r] += double(e.row(r).sum()) - double(sb.row(r).sum());
                    resid[r] = std::max(resid[r], double(pr.row(r).maxCoeff()));
                }
                if (l == L && has_y) {
                    const Arr d = S - MapCA(y + r0 * n[L], rows, n[L]);
                    for (std::int64_t r = 0; r < rows; ++r) cost[r] = double(d.row(r).square().sum());
                }
            }
            bool finite = true;
            for (std::int64_t r = 0; r < rows; ++r) {
                if (!std::isfinite(energy[r]) || !std::isfinite(resid[r])) finite = false;
                if (out.trace) out.trace[std::int64_t(t) * batch + r0 + r] = T(energy[r] + double(opt.beta) * cost[r]);
                if (t == 0 && out.initial) out.initial[r0 + r] = T(energy[r] + double(opt.beta) * cost[r]);
            }
            if (!finite) return false;
        }
        if (last) break;

        // Synchronous projected-gradient step for every still-active row.
        bool all = true, any = false;
        for (std::int64_t r = 0; r < rows; ++r) {
            if (active[r] && need_resid && resid[r] <= double(opt.tol)) active[r] = 0;
            all = all && active[r];
            any = any || active[r];
        }
        if (!any) {
            // Every row has converged: the state no longer changes, so neither does F.
            if (out.trace)
                for (int u = t + 1; u <= opt.max_iter; ++u)
                    for (std::int64_t r = 0; r < rows; ++r)
                        out.trace[std::int64_t(u) * batch + r0 + r] = out.trace[std::int64_t(t) * batch + r0 + r];
            break;
        }
        for (int l = 1; l <= L; ++l) {
            MapA S(s[l], rows, n[l]);
            if (!need_stats) {
                // fused: s <- clip(s - eps (s - P - Q - b [+ 2 beta (s - y)]), 0, 1), widest SIMD of the CPU
                fused_step(s[l], P[l].data(), l < L ? Q[l].data() : nullptr, net.b[l - 1],
                           (l == L && has_y) ? y + r0 * n[L] : nullptr, rows, n[l], eps, two_beta);
            } else if (all) {
                S = (S - eps * G[l].array()).cwiseMax(T(0)).cwiseMin(T(1));
            } else {
                for (std::int64_t r = 0; r < rows; ++r)
                    if (active[r])
                        S.row(r) = (S.row(r) - eps * G[l].array().row(r)).cwiseMax(T(0)).cwiseMin(T(1));
            }
        }
        for (std::int64_t r = 0; r < rows; ++r) updates[r] += active[r];
    }
    int mx = 0;
    for (std::int64_t r = 0; r < rows; ++r) {
        if (out.energy) out.energy[r0 + r] = T(energy[r]);
        if (out.cost) out.cost[r0 + r] = T(cost[r]);
        if (out.residual) out.residual[r0 + r] = T(resid[r]);
        if (out.n_updates) out.n_updates[r0 + r] = updates[r];
        mx = std::max(mx, int(updates[r]));
    }
    max_updates = mx;
    return true;
}

// W (k x n, row-major) and bias (n) into aligned column panels of nr (zero-padded). Serial: a copy
// of ~1.5 MB is cheap, and one parallel region less is one barrier less on a busy machine.
// (Compiled for AVX-512, AVX2 and the baseline, chosen at load time: the baseline's 16-byte copies
// made this 1.5 MB pack cost about as much as a batch-32 relaxation.)
template <typename T>
PNNKIT_TARGET_CLONES void pack_panels(const T* W, const T* bias, std::int64_t k, std::int64_t n, std::int64_t nr,
                                      detail::Panels<T>& P) {
    P.k = k;
    P.n = n;
    P.nr = nr;
    P.panels = (n + nr - 1) / nr;
    P.data.reset(P.panels * k * nr);
    P.bias.reset(P.panels * nr);
    T* dst0 = P.data.data();
    // Row by row (W is read once, in order), each row's slices copied by plain loops: a memcpy call
    // per slice of nr values cost more than the copy itself.
    for (std::int64_t p = 0; p < k; ++p) {
        const T* src = W + p * n;
        for (std::int64_t jp = 0; jp < P.panels; ++jp) {
            const std::int64_t j0 = jp * nr, nj = std::min(nr, n - j0);
            T* dst = dst0 + (jp * k + p) * nr;
            for (std::int64_t j = 0; j < nj; ++j) dst[j] = src[j0 + j];
            for (std::int64_t j = nj; j < nr; ++j) dst[j] = T(0);
        }
    }
    for (std::int64_t j = 0; j < P.panels * nr; ++j) P.bias.data()[j] = j < n ? bias[j] : T(0);
}

// The fast path for a network input -> hidden -> output with at most kRelax2MaxOut outputs
// (hopfield_fused.hpp): same iteration, statistics and early stopping as relax_block.
template <typename T>
int relax_two_layer(const HopfieldNet<T>& net, const T* x, std::int64_t batch, const std::vector<T*>& states,
                    const T* y, const RelaxOptions<T>& opt, const RelaxOutputs<T>& out, int n_threads) {
    // The packed weights of the previous call on this thread: their pages stay mapped.
    static thread_local detail::Panels<T> w1_cache;
    static thread_local detail::AlignedBuf<T> wt_cache;
    detail::Relax2Job<T> job;
    job.w1 = std::move(w1_cache);
    job.wt = std::move(wt_cache);
    job.x = x;
    job.batch = batch;
    job.n0 = net.sizes[0];
    job.n1 = net.sizes[1];
    job.n2 = net.sizes[2];
    pack_panels(net.W[0], net.b[0], job.n0, job.n1, relax2_panel_width<T>(), job.w1);
    const std::int64_t ld = job.w1.padded_n();
    job.wt.reset(job.n2 * ld);
    for (std::int64_t j = 0; j < job.n2; ++j)
        for (std::int64_t i = 0; i < ld; ++i) job.wt.data()[j * ld + i] = i < job.n1 ? net.W[1][i * job.n2 + j] : T(0);
    job.w2 = net.W[1];
    job.b2 = net.b[1];
    job.s1 = states[0];
    job.s2 = states[1];
    job.y = y;
    job.eps = opt.method == RelaxMethod::FixedPoint ? T(1) : opt.eps;
    job.beta = opt.beta;
    job.two_beta = T(2) * opt.beta;
    job.tol = opt.tol;
    job.max_iter = opt.max_iter;
    job.energy = out.energy;
    job.cost = out.cost;
    job.residual = out.residual;
    job.trace = out.trace;
    job.initial = out.initial;
    job.n_updates = out.n_updates;
    const int updates = relax_row_blocks(batch, n_threads, [&](std::int64_t r0, std::int64_t rows, int& n) {
        return relax2_block(job, r0, rows, n);
    });
    // (If the relaxation raised, the caches start empty next call and are packed anew, as on a first call.)
    w1_cache = std::move(job.w1);
    wt_cache = std::move(job.wt);
    return updates;
}

}  // namespace

template <typename T>
void HopfieldNet<T>::check() const {
    PNNKIT_CHECK(sizes.size() >= 2, "a Hopfield network needs at least an input and one free layer, got "
                                        << sizes.size() << " layer sizes");
    for (std::size_t l = 0; l < sizes.size(); ++l)
        PNNKIT_CHECK(sizes[l] >= 1, "layer " << l << " has size " << sizes[l] << ", expected >= 1");
    PNNKIT_CHECK(W.size() == sizes.size() - 1, "expected " << sizes.size() - 1 << " weight matrices, got " << W.size());
    PNNKIT_CHECK(b.size() == sizes.size() - 1, "expected " << sizes.size() - 1 << " bias vectors, got " << b.size());
    for (std::size_t l = 0; l < W.size(); ++l)
        PNNKIT_CHECK(W[l] != nullptr && b[l] != nullptr, "null parameter pointer for layer " << l + 1);
}

template <typename T>
int hopfield_relax(const HopfieldNet<T>& net, const T* x, std::int64_t batch, const std::vector<T*>& states,
                   const T* y, const RelaxOptions<T>& opt, const RelaxOutputs<T>& out, int n_threads) {
    net.check();
    PNNKIT_CHECK(batch >= 1, "batch must be >= 1, got " << batch);
    PNNKIT_CHECK(x != nullptr, "x must not be null");
    PNNKIT_CHECK(states.size() == std::size_t(net.n_layers()),
                 "expected " << net.n_layers() << " state buffers, got " << states.size());
    PNNKIT_CHECK(opt.max_iter >= 0, "max_iter must be >= 0, got " << opt.max_iter);
    PNNKIT_CHECK(std::isfinite(double(opt.eps)) && opt.eps > T(0), "eps must be finite and > 0, got " << opt.eps);
    PNNKIT_CHECK(std::isfinite(double(opt.tol)) && opt.tol >= T(0), "tol must be finite and >= 0, got " << opt.tol);
    PNNKIT_CHECK(std::isfinite(double(opt.beta)), "beta must be finite, got " << opt.beta);
    PNNKIT_CHECK(opt.beta == T(0) || y != nullptr, "beta = " << opt.beta << " needs a target y");
    PNNKIT_CHECK(n_threads >= 1, "n_threads must be >= 1, got " << n_threads);

    const int L = net.n_layers();
    if (L == 2 && net.sizes[2] <= kRelax2MaxOut && relax2_available()) return relax_two_layer(net, x, batch, states, y, opt, out, n_threads);
    // Pack W_l (for rho(s_{l-1}) W_l) and W_{l+1}^T (for rho(s_{l+1}) W_{l+1}^T) once per call.
    std::vector<detail::PackedB<T>> Wp(L + 1), Wtp(L + 1);
    for (int l = 1; l <= L; ++l)
        Wp[l].pack(net.W[l - 1], net.sizes[l - 1], net.sizes[l], net.sizes[l], packed_nr<T>(net.sizes[l]));
    for (int l = 1; l < L; ++l)
        Wtp[l].pack(net.W[l], net.sizes[l + 1], net.sizes[l], net.sizes[l + 1], packed_nr<T>(net.sizes[l]), true);
    return relax_row_blocks(batch, n_threads, [&](std::int64_t r0, std::int64_t rows, int& updates) {
        return relax_block(net, x, batch, r0, rows, states, y, opt, out, Wp, Wtp, updates);
    });
}

template <typename T>
void hopfield_energy(const HopfieldNet<T>& net, const T* x, std::int64_t batch, const std::vector<const T*>& states,
                     const T* y, T* energy, T* cost, int n_threads) {
    net.check();
    PNNKIT_CHECK(states.size() == std::size_t(net.n_layers()),
                 "expected " << net.n_layers() << " state buffers, got " << states.size());
    // Evaluate through a zero-update relaxation of a copy (the states are only read).
    std::vector<std::vector<T>> copy(states.size());
    std::vector<T*> ptrs(states.size());
    for (std::size_t l = 0; l < states.size(); ++l) {
        copy[l].assign(states[l], states[l] + batch * net.sizes[l + 1]);
        ptrs[l] = copy[l].data();
    }
    RelaxOptions<T> opt;
    opt.max_iter = 0;
    RelaxOutputs<T> out;
    out.energy = energy;
    out.cost = cost;
    hopfield_relax(net, x, batch, ptrs, y, opt, out, n_threads);
}

template <typename T>
void hopfield_param_grad(const HopfieldNet<T>& net, const T* x, std::int64_t batch,
                         const std::vector<const T*>& states, const std::vector<T*>& gW, const std::vector<T*>& gb,
                         int n_threads) {
    net.check();
    const int L = net.n_layers();
    const auto& n = net.sizes;
    PNNKIT_CHECK(batch >= 1, "batch must be >= 1, got " << batch);
    PNNKIT_CHECK(states.size() == std::size_t(L), "expected " << L << " state buffers, got " << states.size());
    PNNKIT_CHECK(gW.size() == std::size_t(L) && gb.size() == std::size_t(L),
                 "expected " << L << " gradient buffers for W and b");
    // rho of every layer, input included.
    std::vector<RowMat<T>> rho(L + 1);
    rho[0] = MapC<T>(x, batch, n[0]).unaryExpr([](T v) { return clip01(v); });
    for (int l = 1; l <= L; ++l) rho[l] = MapC<T>(states[l - 1], batch, n[l]).unaryExpr([](T v) { return clip01(v); });
    const T scale = T(-1) / T(batch);
    for (int l = 1; l <= L; ++l) {
        const std::int64_t n_blocks = (n[l - 1] + kGradBlock - 1) / kGradBlock;
        const RowMat<T> At = rho[l - 1].transpose();  // (n_{l-1} x batch), rows split across threads
        const detail::PackedB<T> Sp(rho[l].data(), batch, n[l], n[l], packed_nr<T>(n[l]));
        T* g = gW[l - 1];
#pragma omp parallel for schedule(static) num_threads(n_threads)
        for (std::int64_t k = 0; k < n_blocks; ++k) {
            const std::int64_t c0 = k * kGradBlock;
            const std::int64_t nc = std::min(kGradBlock, n[l - 1] - c0);
            packed_gemm(At.data() + c0 * batch, nc, batch, Sp, g + c0 * n[l], n[l]);
            for (std::int64_t i = c0 * n[l]; i < (c0 + nc) * n[l]; ++i) g[i] *= scale;
        }
        for (std::int64_t j = 0; j < n[l]; ++j) gb[l - 1][j] = scale * rho[l].col(j).sum();
    }
}

template struct HopfieldNet<float>;
template struct HopfieldNet<double>;
template int hopfield_relax<float>(const HopfieldNet<float>&, const float*, std::int64_t, const std::vector<float*>&,
                                   const float*, const RelaxOptions<float>&, const RelaxOutputs<float>&, int);
template int hopfield_relax<double>(const HopfieldNet<double>&, const double*, std::int64_t,
                                    const std::vector<double*>&, const double*, const RelaxOptions<double>&,
                                    const RelaxOutputs<double>&, int);
template void hopfield_energy<float>(const HopfieldNet<float>&, const float*, std::int64_t,
                                     const std::vector<const float*>&, const float*, float*, float*, int);
template void hopfield_energy<double>(const HopfieldNet<double>&, const double*, std::int64_t,
                                      const std::vector<const double*>&, const double*, double*, double*, int);
template void hopfield_param_grad<float>(const HopfieldNet<float>&, const float*, std::int64_t,
                                         const std::vector<const float*>&, const std::vector<float*>&,
                                         const std::vector<float*>&, int);
template void hopfield_param_grad<double>(const HopfieldNet<double>&, const double*, std::int64_t,
                                          const std::vector<const double*>&, const std::vector<double*>&,
                                          const std::vector<double*>&, int);

}  // namespace equilibrium
}  // namespace pnnkit
