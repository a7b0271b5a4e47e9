// MZI meshes: geometry, per-MZI transfer matrices, forward / vjp / in-situ passes, decomposition.
// See mzi_mesh.hpp for the MZI convention.
#include "pnnkit/optics/mzi_mesh.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <deque>

#include "pnnkit/common/error.hpp"
#include "pnnkit/common/rng.hpp"

namespace pnnkit::optics {

namespace {

using cd = std::complex<double>;
constexpr double kPi = 3.141592653589793238462643383279502884;
constexpr std::uint64_t kStreamCoupler = 0x4D5A4901ull;   // coupler imbalance
constexpr std::uint64_t kStreamDetector = 0x4D5A4902ull;  // in-situ intensity monitors
constexpr std::int64_t kBlock = 16;                        // samples per reduction block (fixed => deterministic)

struct Mat2 {
    cd a, b, c, d;  // [[a, b], [c, d]]
};

// Plain complex product: std::complex's operator* calls __mulsc3 (C99 Annex G NaN recovery)
// unless -ffast-math, which is several times slower in these inner loops.
template <typename T>
inline std::complex<T> cmul(const std::complex<T>& a, const std::complex<T>& b) {
    return {a.real() * b.real() - a.imag() * b.imag(), a.real() * b.imag() + a.imag() * b.real()};
}
template <typename T>
inline std::complex<T> cmulc(const std::complex<T>& a, const std::complex<T>& b) {  // conj(a) * b
    return {a.real() * b.real() + a.imag() * b.imag(), a.real() * b.imag() - a.imag() * b.real()};
}

inline Mat2 mul(const Mat2& x, const Mat2& y) {
    return {x.a * y.a + x.b * y.c, x.a * y.b + x.b * y.d, x.c * y.a + x.d * y.c, x.c * y.b + x.d * y.d};
}
inline Mat2 coupler(double beta) {
    const cd cs(std::cos(beta), 0.0), is(0.0, std::sin(beta));
    return {cs, is, is, cs};
}

void validate(const MziNonideality& ni) {
    PNNKIT_CHECK(std::isfinite(ni.splitter_error_std_rad) && ni.splitter_error_std_rad >= 0.0,
                 "splitter_error_std_rad must be finite and >= 0, got " << ni.splitter_error_std_rad);
    PNNKIT_CHECK(std::isfinite(ni.loss_db_per_mzi) && ni.loss_db_per_mzi >= 0.0,
                 "loss_db_per_mzi must be finite and >= 0, got " << ni.loss_db_per_mzi);
    PNNKIT_CHECK(ni.phase_bits >= 0 && ni.phase_bits <= 30, "phase_bits must be in [0, 30], got " << ni.phase_bits);
    PNNKIT_CHECK(std::isfinite(ni.crosstalk) && std::abs(ni.crosstalk) < 0.5,
                 "crosstalk must be finite with |crosstalk| < 0.5, got " << ni.crosstalk);
}

// Everything the passes need about one MZI of the physical (or ideal) mesh.
struct MziStages {
    std::vector<Mat2> m;         // full 2x2 transfer
    std::vector<Mat2> dm_theta;  // dM/dtheta
    std::vector<Mat2> b1, b2;    // couplers
    std::vector<cd> e_theta, e_phi;
    std::vector<cd> e_delta;     // output phases (empty if none)
    double amp = 1.0;            // field transmission per MZI
};

MziStages build_stages(const MeshGeometry& g, const double* theta, const double* phi, const double* delta,
                       const MziNonideality* ni) {
    const int K = g.n_mzi(), N = g.n_modes;
    std::vector<double> th(theta, theta + K), ph(phi, phi + K), de;
    if (delta) de.assign(delta, delta + N);
    std::vector<double> beta(2 * static_cast<std::size_t>(K), kPi / 4);
    MziStages st;
    if (ni) {
        validate(*ni);
        effective_phases(g, *ni, theta, phi, delta, th.data(), ph.data(), delta ? de.data() : nullptr);
        beta = coupler_angles(g, *ni);
        st.amp = std::pow(10.0, -ni->loss_db_per_mzi / 20.0);
    }
    st.m.resize(K);
    st.dm_theta.resize(K);
    st.b1.resize(K);
    st.b2.resize(K);
    st.e_theta.resize(K);
    st.e_phi.resize(K);
    for (int k = 0; k < K; ++k) {
        PNNKIT_CHECK(std::isfinite(th[k]) && std::isfinite(ph[k]), "phases of MZI " << k << " are not finite");
        st.b1[k] = coupler(beta[2 * k]);
        st.b2[k] = coupler(beta[2 * k + 1]);
        st.e_theta[k] = std::polar(1.0, th[k]);
        st.e_phi[k] = std::polar(1.0, ph[k]);
        const Mat2 pt{st.e_theta[k], 0.0, 0.0, 1.0};
        const Mat2 dpt{cd(0.0, 1.0) * st.e_theta[k], 0.0, 0.0, 0.0};
        const Mat2 pp{st.e_phi[k], 0.0, 0.0, 1.0};
        const Mat2 L{st.amp, 0.0, 0.0, st.amp};
        st.m[k] = mul(L, mul(st.b2[k], mul(pt, mul(st.b1[k], pp))));
        st.dm_theta[k] = mul(L, mul(st.b2[k], mul(dpt, mul(st.b1[k], pp))));
    }
    if (delta) {
        st.e_delta.resize(N);
        for (int j = 0; j < N; ++j) {
            PNNKIT_CHECK(std::isfinite(de[j]), "output phase " << j << " is not finite");
            st.e_delta[j] = std::polar(1.0, de[j]);
        }
    }
    return st;
}

// Chain rule of the crosstalk: phase_eff[k] = q[k] + c (q[lo] + q[hi]) and the neighbour
// relation is symmetric, so d/dq[j] = g[j] + c (g[lo j] + g[hi j]).
void crosstalk_transpose(const MeshGeometry& g, double c, std::vector<double>& grad) {
    if (c == 0.0) return;
    const std::vector<double> in = grad;
    for (int k = 0; k < g.n_mzi(); ++k) {
        double s = in[k];
        if (g.neighbor_lo[k] >= 0) s += c * in[g.neighbor_lo[k]];
        if (g.neighbor_hi[k] >= 0) s += c * in[g.neighbor_hi[k]];
        grad[k] = s;
    }
}

void check_threads(int n_threads) { PNNKIT_CHECK(n_threads >= 1, "n_threads must be >= 1, got " << n_threads); }

}  // namespace

MeshLayout parse_mesh_layout(const std::string& name) {
    if (name == "clements") return MeshLayout::clements;
    if (name == "reck") return MeshLayout::reck;
    PNNKIT_CHECK(false, "layout must be 'clements' or 'reck', got '" << name << "'");
    return MeshLayout::clements;
}

MeshGeometry make_mesh_geometry(int n_modes, MeshLayout layout) {
    PNNKIT_CHECK(n_modes >= 1 && n_modes <= 4096, "n_modes must be in [1, 4096], got " << n_modes);
    MeshGeometry g;
    g.n_modes = n_modes;
    g.layout = layout;
    const int N = n_modes;
    if (layout == MeshLayout::clements) {
        for (int l = 0; l < N; ++l)
            for (int m = l % 2; m + 1 < N; m += 2) g.top.push_back(m);
    } else {
        for (int d = 0; d + 1 < N; ++d)
            for (int j = 0; j + 1 < N - d; ++j) g.top.push_back(j);
    }
    const int K = g.n_mzi();
    std::vector<int> last(N, -1);
    g.column.resize(K);
    for (int k = 0; k < K; ++k) {
        const int m = g.top[k];
        const int col = std::max(last[m], last[m + 1]) + 1;
        g.column[k] = col;
        last[m] = last[m + 1] = col;
        g.n_columns = std::max(g.n_columns, col + 1);
    }
    std::vector<int> at(static_cast<std::size_t>(g.n_columns) * N, -1);
    for (int k = 0; k < K; ++k) at[static_cast<std::size_t>(g.column[k]) * N + g.top[k]] = k;
    g.neighbor_lo.assign(K, -1);
    g.neighbor_hi.assign(K, -1);
    for (int k = 0; k < K; ++k) {
        const std::size_t row = static_cast<std::size_t>(g.column[k]) * N;
        if (g.top[k] >= 2) g.neighbor_lo[k] = at[row + g.top[k] - 2];
        if (g.top[k] + 3 < N) g.neighbor_hi[k] = at[row + g.top[k] + 2];
    }
    return g;
}

void effective_phases(const MeshGeometry& g, const MziNonideality& ni, const double* theta, const double* phi,
                      const double* delta, double* theta_eff, double* phi_eff, double* delta_eff) {
    validate(ni);
    const int K = g.n_mzi(), N = g.n_modes;
    const double step = ni.phase_bits > 0 ? 2.0 * kPi / std::ldexp(1.0, ni.phase_bits) : 0.0;
    auto quant = [step](double p) { return step > 0.0 ? step * std::nearbyint(p / step) : p; };
    std::vector<double> qt(K), qp(K);
    for (int k = 0; k < K; ++k) {
        qt[k] = quant(theta[k]);
        qp[k] = quant(phi[k]);
    }
    for (int k = 0; k < K; ++k) {
        double t = qt[k], p = qp[k];
        if (ni.crosstalk != 0.0) {
            for (int nb : {g.neighbor_lo[k], g.neighbor_hi[k]}) {
                if (nb < 0) continue;
                t += ni.crosstalk * qt[nb];
                p += ni.crosstalk * qp[nb];
            }
        }
        theta_eff[k] = t;
        phi_eff[k] = p;
    }
    if (delta && delta_eff)
        for (int j = 0; j < N; ++j) delta_eff[j] = quant(delta[j]);
}

std::vector<double> coupler_angles(const MeshGeometry& g, const MziNonideality& ni) {
    validate(ni);
    const std::size_t n = 2 * static_cast<std::size_t>(g.n_mzi());
    std::vector<double> beta(n, kPi / 4);
    if (ni.splitter_error_std_rad > 0.0) {
        const CounterRng rng(ni.seed, kStreamCoupler);
        for (std::size_t i = 0; i < n; ++i) beta[i] += ni.splitter_error_std_rad * rng.normal(i);
    }
    return beta;
}

template <typename Real>
void mesh_forward(const MeshGeometry& g, const double* theta, const double* phi, const double* delta,
                  const MziNonideality* ni, const std::complex<Real>* x, std::complex<Real>* y,
                  std::int64_t batch, int n_threads) {
    check_threads(n_threads);
    using C = std::complex<Real>;
    const MziStages st = build_stages(g, theta, phi, delta, ni);
    const int K = g.n_mzi(), N = g.n_modes;
    // Split real/imaginary matrix entries: the kernel works on blocks of L samples held as
    // separate re/im planes (mode-major), so each MZI update is a SIMD loop over the samples.
    std::vector<Real> mre(4 * static_cast<std::size_t>(K)), mim(4 * static_cast<std::size_t>(K));
    for (int k = 0; k < K; ++k) {
        const cd e[4] = {st.m[k].a, st.m[k].b, st.m[k].c, st.m[k].d};
        for (int q = 0; q < 4; ++q) {
            mre[4 * k + q] = static_cast<Real>(e[q].real());
            mim[4 * k + q] = static_cast<Real>(e[q].imag());
        }
    }
    std::vector<Real> dre(N, Real(1)), dim(N, Real(0));
    for (std::size_t j = 0; j < st.e_delta.size(); ++j) {
        dre[j] = static_cast<Real>(st.e_delta[j].real());
        dim[j] = static_cast<Real>(st.e_delta[j].imag());
    }
    const bool has_delta = !st.e_delta.empty();
    constexpr int L = 16;  // samples per SIMD block
    const std::int64_t nblk = (batch + L - 1) / L;
#pragma omp parallel for schedule(static) num_threads(n_threads)
    for (std::int64_t blk = 0; blk < nblk; ++blk) {
        std::vector<Real> re(static_cast<std::size_t>(N) * L, Real(0)), im(static_cast<std::size_t>(N) * L, Real(0));
        const std::int64_t s0 = blk * L;
        const int nb = static_cast<int>(std::min<std::int64_t>(L, batch - s0));
        for (int t = 0; t < nb; ++t)
            for (int j = 0; j < N; ++j) {
                const C v = x[(s0 + t) * N + j];
                re[static_cast<std::size_t>(j) * L + t] = v.real();
                im[static_cast<std::size_t>(j) * L + t] = v.imag();
            }
        for (int k = 0; k < K; ++k) {
            const std::size_t m = static_cast<std::size_t>(g.top[k]);
            Real* __restrict ar = re.data() + m * L;
            Real* __restrict ai = im.data() + m * L;
            Real* __restrict br = re.data() + (m + 1) * L;
            Real* __restrict bi = im.data() + (m + 1) * L;
            // coefficients in registers: the stores below may not alias them
            const Real r0 = mre[4 * k], r1 = mre[4 * k + 1], r2 = mre[4 * k + 2], r3 = mre[4 * k + 3];
            const Real i0 = mim[4 * k], i1 = mim[4 * k + 1], i2 = mim[4 * k + 2], i3 = mim[4 * k + 3];
            for (int t = 0; t < L; ++t) {
                const Real xr = ar[t], xi = ai[t], yr = br[t], yi = bi[t];
                ar[t] = r0 * xr - i0 * xi + r1 * yr - i1 * yi;
                ai[t] = r0 * xi + i0 * xr + r1 * yi + i1 * yr;
                br[t] = r2 * xr - i2 * xi + r3 * yr - i3 * yi;
                bi[t] = r2 * xi + i2 * xr + r3 * yi + i3 * yr;
            }
        }
        for (int t = 0; t < nb; ++t)
            for (int j = 0; j < N; ++j) {
                const Real vr = re[static_cast<std::size_t>(j) * L + t], vi = im[static_cast<std::size_t>(j) * L + t];
                y[(s0 + t) * N + j] =
                    has_delta ? C(dre[j] * vr - dim[j] * vi, dre[j] * vi + dim[j] * vr) : C(vr, vi);
            }
    }
}

template <typename Real>
void mesh_vjp(const MeshGeometry& g, const double* theta, const double* phi, const double* delta,
              const MziNonideality* ni, const std::complex<Real>* x, const std::complex<Real>* grad_y,
              std::complex<Real>* grad_x, double* grad_theta, double* grad_phi, double* grad_delta,
              std::int64_t batch, int n_threads) {
    check_threads(n_threads);
    const MziStages st = build_stages(g, theta, phi, delta, ni);
    const int K = g.n_mzi(), N = g.n_modes;
    const bool has_delta = delta != nullptr;
    const std::size_t P = 2 * static_cast<std::size_t>(K) + N;
    const std::int64_t nblk = (batch + kBlock - 1) / kBlock;
    std::vector<double> partial(static_cast<std::size_t>(nblk) * P, 0.0);
    // Per block of kBlock samples: split re/im planes (mode-major, one lane per sample), so each
    // MZI step is a SIMD loop over the samples; padded lanes carry zero gradient.
    constexpr int L = static_cast<int>(kBlock);
    const std::size_t NL = static_cast<std::size_t>(N) * L, KL = 2 * static_cast<std::size_t>(K) * L;
#pragma omp parallel for schedule(static) num_threads(n_threads)
    for (std::int64_t blk = 0; blk < nblk; ++blk) {
        std::vector<double> vr(NL, 0.0), vi(NL, 0.0), gr(NL, 0.0), gi(NL, 0.0), rr(KL), ri(KL);
        double* acc = partial.data() + static_cast<std::size_t>(blk) * P;
        const std::int64_t s0 = blk * kBlock;
        const int nb = static_cast<int>(std::min<std::int64_t>(kBlock, batch - s0));
        for (int t = 0; t < nb; ++t)
            for (int j = 0; j < N; ++j) {
                const std::size_t q = static_cast<std::size_t>(j) * L + t;
                const std::complex<Real> xv = x[(s0 + t) * N + j], gv = grad_y[(s0 + t) * N + j];
                vr[q] = xv.real();
                vi[q] = xv.imag();
                gr[q] = gv.real();
                gi[q] = gv.imag();
            }
        for (int k = 0; k < K; ++k) {
            const std::size_t m = static_cast<std::size_t>(g.top[k]) * L;
            double* __restrict ar = vr.data() + m;
            double* __restrict ai = vi.data() + m;
            double* __restrict br = vr.data() + m + L;
            double* __restrict bi = vi.data() + m + L;
            std::copy(ar, ar + L, rr.data() + 2 * k * L);
            std::copy(ai, ai + L, ri.data() + 2 * k * L);
            std::copy(br, br + L, rr.data() + (2 * k + 1) * L);
            std::copy(bi, bi + L, ri.data() + (2 * k + 1) * L);
            const Mat2& M = st.m[k];
            const double m0r = M.a.real(), m0i = M.a.imag(), m1r = M.b.real(), m1i = M.b.imag();
            const double m2r = M.c.real(), m2i = M.c.imag(), m3r = M.d.real(), m3i = M.d.imag();
            for (int t = 0; t < L; ++t) {
                const double xr = ar[t], xi = ai[t], yr = br[t], yi = bi[t];
                ar[t] = m0r * xr - m0i * xi + m1r * yr - m1i * yi;
                ai[t] = m0r * xi + m0i * xr + m1r * yi + m1i * yr;
                br[t] = m2r * xr - m2i * xi + m3r * yr - m3i * yi;
                bi[t] = m2r * xi + m2i * xr + m3r * yi + m3i * yr;
            }
        }
        if (has_delta) {
            for (int j = 0; j < N; ++j) {
                const double er = st.e_delta[j].real(), ei = st.e_delta[j].imag();
                double* __restrict g_r = gr.data() + static_cast<std::size_t>(j) * L;
                double* __restrict g_i = gi.data() + static_cast<std::size_t>(j) * L;
                const double* y_r = vr.data() + static_cast<std::size_t>(j) * L;
                const double* y_i = vi.data() + static_cast<std::size_t>(j) * L;
                double sum = 0.0;
                for (int t = 0; t < L; ++t) {
                    // y = e z; dL/ddelta = Re(conj(g) i y) = g_i y_r - g_r y_i
                    const double yr = er * y_r[t] - ei * y_i[t], yi = er * y_i[t] + ei * y_r[t];
                    sum += g_i[t] * yr - g_r[t] * yi;
                    const double nr = er * g_r[t] + ei * g_i[t], ni2 = er * g_i[t] - ei * g_r[t];  // conj(e) g
                    g_r[t] = nr;
                    g_i[t] = ni2;
                }
                acc[2 * K + j] += sum;
            }
        }
        for (int k = K - 1; k >= 0; --k) {
            const std::size_t m = static_cast<std::size_t>(g.top[k]) * L;
            double* __restrict gar = gr.data() + m;
            double* __restrict gai = gi.data() + m;
            double* __restrict gbr = gr.data() + m + L;
            double* __restrict gbi = gi.data() + m + L;
            const double* ar = rr.data() + 2 * k * L;
            const double* ai = ri.data() + 2 * k * L;
            const double* br = rr.data() + (2 * k + 1) * L;
            const double* bi = ri.data() + (2 * k + 1) * L;
            const Mat2& M = st.m[k];
            const Mat2& D = st.dm_theta[k];
            const double m0r = M.a.real(), m0i = M.a.imag(), m1r = M.b.real(), m1i = M.b.imag();
            const double m2r = M.c.real(), m2i = M.c.imag(), m3r = M.d.real(), m3i = M.d.imag();
            const double d0r = D.a.real(), d0i = D.a.imag(), d1r = D.b.real(), d1i = D.b.imag();
            const double d2r = D.c.real(), d2i = D.c.imag(), d3r = D.d.real(), d3i = D.d.imag();
            double st_theta = 0.0, st_phi = 0.0;
            for (int t = 0; t < L; ++t) {
                const double xr = ar[t], xi = ai[t], yr = br[t], yi = bi[t];
                const double g0r = gar[t], g0i = gai[t], g1r = gbr[t], g1i = gbi[t];
                // u = dM/dtheta [a; b]; dL/dtheta = Re(conj(ga) u0 + conj(gb) u1)
                const double u0r = d0r * xr - d0i * xi + d1r * yr - d1i * yi;
                const double u0i = d0r * xi + d0i * xr + d1r * yi + d1i * yr;
                const double u1r = d2r * xr - d2i * xi + d3r * yr - d3i * yi;
                const double u1i = d2r * xi + d2i * xr + d3r * yi + d3i * yr;
                st_theta += g0r * u0r + g0i * u0i + g1r * u1r + g1i * u1i;
                // dM/dphi = M diag(i, 0): dL/dphi = -Im((conj(ga) M.a + conj(gb) M.c) a)
                const double wr = g0r * m0r + g0i * m0i + g1r * m2r + g1i * m2i;
                const double wi = g0r * m0i - g0i * m0r + g1r * m2i - g1i * m2r;
                st_phi -= wr * xi + wi * xr;
                // g_in = M^H g_out
                gar[t] = m0r * g0r + m0i * g0i + m2r * g1r + m2i * g1i;
                gai[t] = m0r * g0i - m0i * g0r + m2r * g1i - m2i * g1r;
                gbr[t] = m1r * g0r + m1i * g0i + m3r * g1r + m3i * g1i;
                gbi[t] = m1r * g0i - m1i * g0r + m3r * g1i - m3i * g1r;
            }
            acc[k] += st_theta;
            acc[K + k] += st_phi;
        }
        if (grad_x)
            for (int t = 0; t < nb; ++t)
                for (int j = 0; j < N; ++j) {
                    const std::size_t q = static_cast<std::size_t>(j) * L + t;
                    grad_x[(s0 + t) * N + j] = std::complex<Real>(static_cast<Real>(gr[q]), static_cast<Real>(gi[q]));
                }
    }
    std::vector<double> gt(K, 0.0), gp(K, 0.0);
    std::vector<double> gd(N, 0.0);
    for (std::int64_t blk = 0; blk < nblk; ++blk) {
        const double* acc = partial.data() + static_cast<std::size_t>(blk) * P;
        for (int k = 0; k < K; ++k) {
            gt[k] += acc[k];
            gp[k] += acc[K + k];
        }
        for (int j = 0; j < N; ++j) gd[j] += acc[2 * K + j];
    }
    if (ni) {
        crosstalk_transpose(g, ni->crosstalk, gt);
        crosstalk_transpose(g, ni->crosstalk, gp);
    }
    std::copy(gt.begin(), gt.end(), grad_theta);
    std::copy(gp.begin(), gp.end(), grad_phi);
    if (has_delta && grad_delta) std::copy(gd.begin(), gd.end(), grad_delta);
}

namespace {

// One forward pass of a single sample through the physical mesh, stage by stage, recording the
// field just after every phase shifter: E[k] (theta_k), E[K+k] (phi_k), E[2K+j] (delta_j).
void insitu_forward(const MeshGeometry& g, const MziStages& st, std::vector<cd>& v, cd* E) {
    const int K = g.n_mzi(), N = g.n_modes;
    for (int k = 0; k < K; ++k) {
        const int m = g.top[k];
        const cd a1 = cmul(st.e_phi[k], v[m]), b = v[m + 1];
        E[K + k] = a1;
        const Mat2& B1 = st.b1[k];
        const cd a2 = cmul(B1.a, a1) + cmul(B1.b, b), b2 = cmul(B1.c, a1) + cmul(B1.d, b);
        const cd a3 = cmul(st.e_theta[k], a2);
        E[k] = a3;
        const Mat2& B2 = st.b2[k];
        v[m] = st.amp * (cmul(B2.a, a3) + cmul(B2.b, b2));
        v[m + 1] = st.amp * (cmul(B2.c, a3) + cmul(B2.d, b2));
    }
    for (int j = 0; j < N; ++j) {
        if (!st.e_delta.empty()) v[j] *= st.e_delta[j];
        E[2 * K + j] = v[j];
    }
}

// The adjoint pass: light injected at the outputs travels back; each element's reverse transfer
// is its transpose (reciprocity). Records at the same points as insitu_forward; v ends as the
// field leaving the input ports.
void insitu_adjoint(const MeshGeometry& g, const MziStages& st, std::vector<cd>& v, cd* E) {
    const int K = g.n_mzi(), N = g.n_modes;
    for (int j = 0; j < N; ++j) {
        E[2 * K + j] = v[j];
        if (!st.e_delta.empty()) v[j] *= st.e_delta[j];
    }
    for (int k = K - 1; k >= 0; --k) {
        const int m = g.top[k];
        const cd c = st.amp * v[m], d = st.amp * v[m + 1];
        const Mat2& B2 = st.b2[k];  // symmetric: B^T = B
        cd p = cmul(B2.a, c) + cmul(B2.c, d);
        const cd q = cmul(B2.b, c) + cmul(B2.d, d);
        E[k] = p;
        p = cmul(p, st.e_theta[k]);
        const Mat2& B1 = st.b1[k];
        cd r = cmul(B1.a, p) + cmul(B1.c, q);
        const cd t = cmul(B1.b, p) + cmul(B1.d, q);
        E[K + k] = r;
        r = cmul(r, st.e_phi[k]);
        v[m] = r;
        v[m + 1] = t;
    }
}

}  // namespace

template <typename Real>
void mesh_insitu_gradient(const MeshGeometry& g, const double* theta, const double* phi, const double* delta,
                          const MziNonideality* ni, const std::complex<Real>* x,
                          const std::complex<Real>* grad_y, double detector_noise, std::uint64_t noise_seed,
                          std::uint64_t noise_offset, bool conjugate_reference, std::complex<Real>* grad_x,
                          double* grad_theta, double* grad_phi, double* grad_delta, std::int64_t batch,
                          int n_threads) {
    check_threads(n_threads);
    PNNKIT_CHECK(std::isfinite(detector_noise) && detector_noise >= 0.0,
                 "detector_noise must be finite and >= 0, got " << detector_noise);
    const MziStages st = build_stages(g, theta, phi, delta, ni);
    const int K = g.n_mzi(), N = g.n_modes;
    const bool has_delta = delta != nullptr;
    const std::size_t P = 2 * static_cast<std::size_t>(K) + N;
    const std::int64_t nblk = (batch + kBlock - 1) / kBlock;
    std::vector<double> partial(static_cast<std::size_t>(nblk) * P, 0.0);
    const cd I(0.0, 1.0);
    const CounterRng rng(noise_seed, kStreamDetector);
#pragma omp parallel for schedule(static) num_threads(n_threads)
    for (std::int64_t blk = 0; blk < nblk; ++blk) {
        std::vector<cd> Ef(P), Ea(P), Ei(P), v(N), xa(N);
        double* acc = partial.data() + static_cast<std::size_t>(blk) * P;
        const std::int64_t s_end = std::min(batch, (blk + 1) * kBlock);
        for (std::int64_t s = blk * kBlock; s < s_end; ++s) {
            double px = 0.0, pg = 0.0;
            for (int j = 0; j < N; ++j) {
                px += std::norm(cd(x[s * N + j]));
                pg += std::norm(cd(grad_y[s * N + j]));
            }
            if (px == 0.0 || pg == 0.0) {
                if (grad_x)
                    for (int j = 0; j < N; ++j) grad_x[s * N + j] = 0;
                continue;
            }
            // The adjoint source gets the power of the input (same laser); undo the scale after.
            const double scale = std::sqrt(px / pg);
            // (1) forward pass
            for (int j = 0; j < N; ++j) v[j] = cd(x[s * N + j]);
            insitu_forward(g, st, v, Ef.data());
            // (2) adjoint pass with source i conj(grad_y)
            for (int j = 0; j < N; ++j) v[j] = I * std::conj(cd(grad_y[s * N + j])) * scale;
            insitu_adjoint(g, st, v, Ea.data());
            for (int j = 0; j < N; ++j) xa[j] = v[j];
            // (3) interference pass: input plus the phase-conjugated adjoint output
            for (int j = 0; j < N; ++j) v[j] = cd(x[s * N + j]) + std::conj(xa[j]);
            insitu_forward(g, st, v, Ei.data());
            // (4, optional) the phase-conjugated adjoint alone, read at the same points
            if (conjugate_reference) {
                for (int j = 0; j < N; ++j) v[j] = std::conj(xa[j]);
                insitu_forward(g, st, v, Ea.data());
            }
            const double sigma = detector_noise * px;
            const std::uint64_t base = (noise_offset + static_cast<std::uint64_t>(s)) * 3 * P;
            for (std::size_t i = 0; i < P; ++i) {
                double i_f = std::norm(Ef[i]), i_a = std::norm(Ea[i]), i_i = std::norm(Ei[i]);
                if (sigma > 0.0) {
                    i_f += sigma * rng.normal(base + i);
                    i_a += sigma * rng.normal(base + P + i);
                    i_i += sigma * rng.normal(base + 2 * P + i);
                }
                acc[i] += 0.5 * (i_i - i_f - i_a) / scale;
            }
            if (grad_x)
                for (int j = 0; j < N; ++j) grad_x[s * N + j] = std::complex<Real>(I * std::conj(xa[j]) / scale);
        }
    }
    std::fill(grad_theta, grad_theta + K, 0.0);
    std::fill(grad_phi, grad_phi + K, 0.0);
    if (has_delta && grad_delta) std::fill(grad_delta, grad_delta + N, 0.0);
    for (std::int64_t blk = 0; blk < nblk; ++blk) {
        const double* acc = partial.data() + static_cast<std::size_t>(blk) * P;
        for (int k = 0; k < K; ++k) {
            grad_theta[k] += acc[k];
            grad_phi[k] += acc[K + k];
        }
        if (has_delta && grad_delta)
            for (int j = 0; j < N; ++j) grad_delta[j] += acc[2 * K + j];
    }
}

// ---- decomposition -----------------------------------------------------------

namespace {

inline double wrap_2pi(double p) {
    double w = std::fmod(p, 2.0 * kPi);
    if (w < 0.0) w += 2.0 * kPi;
    return w;
}

// The ideal MZI block of mzi_mesh.hpp.
inline Mat2 ideal_mzi(double theta, double phi) {
    const cd pre = cd(0.0, 1.0) * std::polar(1.0, theta / 2);
    const cd ep = std::polar(1.0, phi);
    const double s = std::sin(theta / 2), c = std::cos(theta / 2);
    return {pre * ep * s, pre * c, pre * ep * c, -pre * s};
}

struct Nulled {
    int m;
    double theta, phi;
};

}  // namespace

void mesh_decompose(const MeshGeometry& g, const std::complex<double>* u, double* theta, double* phi,
                    double* delta, double tol) {
    const int N = g.n_modes, K = g.n_mzi();
    using Mat = Eigen::Matrix<cd, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    Mat U = Eigen::Map<const Mat>(u, N, N);
    PNNKIT_CHECK(U.allFinite(), "u contains NaN or Inf");
    const double err = (U.adjoint() * U - Mat::Identity(N, N)).cwiseAbs().maxCoeff();
    PNNKIT_CHECK(err <= tol, "u is not unitary: max |U^H U - I| = " << err << " > tol " << tol);

    std::vector<Nulled> right, left;
    // U <- U T^{-1} on columns (m, m+1), choosing T to null U(r, m).
    auto null_right = [&](int r, int m) {
        const cd u0 = U(r, m), u1 = U(r, m + 1);
        const double th = 2.0 * std::atan2(std::abs(u1), std::abs(u0));
        const double ph = wrap_2pi(std::arg(u0) - std::arg(u1) - kPi);
        const Mat2 M = ideal_mzi(th, ph);
        for (int i = 0; i < N; ++i) {
            const cd a = U(i, m), b = U(i, m + 1);
            U(i, m) = a * std::conj(M.a) + b * std::conj(M.b);
            U(i, m + 1) = a * std::conj(M.c) + b * std::conj(M.d);
        }
        U(r, m) = 0.0;
        right.push_back({m, th, ph});
    };
    // U <- T U on rows (m, m+1), choosing T to null U(m+1, c).
    auto null_left = [&](int m, int c) {
        const cd u0 = U(m, c), u1 = U(m + 1, c);
        const double th = 2.0 * std::atan2(std::abs(u0), std::abs(u1));
        const double ph = wrap_2pi(std::arg(u1) - std::arg(u0));
        const Mat2 M = ideal_mzi(th, ph);
        for (int j = 0; j < N; ++j) {
            const cd a = U(m, j), b = U(m + 1, j);
            U(m, j) = M.a * a + M.b * b;
            U(m + 1, j) = M.c * a + M.d * b;
        }
        U(m + 1, c) = 0.0;
        left.push_back({m, th, ph});
    };
    if (g.layout == MeshLayout::reck) {
        for (int i = N - 1; i >= 1; --i)
            for (int j = 0; j < i; ++j) null_right(i, j);
    } else {
        for (int i = 0; i + 1 < N; ++i) {
            if (i % 2 == 0) {
                for (int j = 0; j <= i; ++j) null_right(N - 1 - j, i - j);
            } else {
                for (int j = 0; j <= i; ++j) null_left(N - 2 - i + j, j);
            }
        }
    }
    std::vector<cd> D(N);
    for (int j = 0; j < N; ++j) D[j] = U(j, j);
    // U = L_1^{-1} ... L_n^{-1} D R_r ... R_1; move each L^{-1} through D, last-nulled first:
    // T^{-1}(theta, phi) diag(a, b) = diag(-e^{-i(theta+phi)} b, -e^{-i theta} b) T(theta, arg a - arg b).
    std::vector<Nulled> seq = right;  // application order: R_1 ... R_r, then the moved MZIs
    for (auto it = left.rbegin(); it != left.rend(); ++it) {
        const cd a = D[it->m], b = D[it->m + 1];
        const double phn = wrap_2pi(std::arg(a) - std::arg(b));
        D[it->m] = -std::polar(1.0, -(it->theta + it->phi)) * b;
        D[it->m + 1] = -std::polar(1.0, -it->theta) * b;
        seq.push_back({it->m, it->theta, phn});
    }
    PNNKIT_CHECK(static_cast<int>(seq.size()) == K, "internal: decomposition produced " << seq.size()
                                                                                        << " MZIs, mesh has " << K);
    // Map the k-th MZI on mode pair m of the sequence onto the k-th one of the mesh.
    std::vector<std::deque<int>> slots(N);
    for (int k = 0; k < K; ++k) slots[g.top[k]].push_back(k);
    for (const Nulled& z : seq) {
        PNNKIT_CHECK(!slots[z.m].empty(), "internal: decomposition does not match the mesh layout");
        const int k = slots[z.m].front();
        slots[z.m].pop_front();
        theta[k] = z.theta;
        phi[k] = z.phi;
    }
    for (int j = 0; j < N; ++j) delta[j] = wrap_2pi(std::arg(D[j]));
}

// ---- explicit instantiations ------------------------------------------------
#define PNNKIT_MZI_INSTANTIATE(Real)                                                                            \
    template void mesh_forward<Real>(const MeshGeometry&, const double*, const double*, const double*,            \
                                     const MziNonideality*, const std::complex<Real>*, std::complex<Real>*,       \
                                     std::int64_t, int);                                                          \
    template void mesh_vjp<Real>(const MeshGeometry&, const double*, const double*, const double*,                \
                                 const MziNonideality*, const std::complex<Real>*, const std::complex<Real>*,     \
                                 std::complex<Real>*, double*, double*, double*, std::int64_t, int);              \
    template void mesh_insitu_gradient<Real>(const MeshGeometry&, const double*, const double*, const double*,    \
                                             const MziNonideality*, const std::complex<Real>*,                    \
                                             const std::complex<Real>*, double, std::uint64_t, std::uint64_t,     \
                                             bool, std::complex<Real>*, double*, double*, double*, std::int64_t,  \
                                             int);
PNNKIT_MZI_INSTANTIATE(float)
PNNKIT_MZI_INSTANTIATE(double)
#undef PNNKIT_MZI_INSTANTIATE

}  // namespace pnnkit::optics
