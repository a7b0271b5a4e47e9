// Bindings of the layered Hopfield network kernels (relaxation, energy, dE/dtheta).
// float64 inputs run in double precision; everything else is cast to float32.
#include "pybind_common.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "pnnkit/common/target_clones.hpp"
#include "pnnkit/common/threads.hpp"
#include "pnnkit/equilibrium/hopfield.hpp"

namespace {

using pnnkit_py::carray;
namespace eq = pnnkit::equilibrium;

// Non-zero if any of p[0..n) is not finite: a branch-free OR over 32-bit lanes (NaN fails the
// comparison), compiled for AVX-512, AVX2 and the baseline (chosen at load time), and split over
// the library's threads for large arrays. These scans run before every relaxation (inputs and
// weights, ~0.6 M values for a 784-500-10 network at batch 256), serially otherwise.
template <typename T>
PNNKIT_TARGET_CLONES unsigned nonfinite_flags(const T* p, std::int64_t n) {
    const T big = std::numeric_limits<T>::max();
    unsigned bad = 0;
    for (std::int64_t i = 0; i < n; ++i) bad |= unsigned(!(std::abs(p[i]) <= big));
    return bad;
}

template <typename T>
void require_finite(const carray<T>& a, const std::string& name) {
    const T* p = a.data();
    const py::ssize_t n = a.size();
    constexpr std::int64_t kChunk = std::int64_t(1) << 16;
    const std::int64_t n_chunks = (std::int64_t(n) + kChunk - 1) / kChunk;
    unsigned bad = 0;
#pragma omp parallel for schedule(static) num_threads(pnnkit::get_num_threads()) reduction(| : bad) if (n_chunks > 1)
    for (std::int64_t c = 0; c < n_chunks; ++c)
        bad |= nonfinite_flags(p + c * kChunk, std::min<std::int64_t>(kChunk, std::int64_t(n) - c * kChunk));
    if (bad == 0) return;
    for (py::ssize_t i = 0; i < n; ++i)
        if (!std::isfinite(p[i]))
            throw std::invalid_argument(name + " contains a non-finite value at flat index " + std::to_string(i));
}

// Parameters converted to T and checked against each other; keeps the arrays alive.
template <typename T>
struct Params {
    std::vector<carray<T>> W, b;
    eq::HopfieldNet<T> net;

    Params(const py::list& weights, const py::list& biases, py::ssize_t n_in) {
        const py::ssize_t L = static_cast<py::ssize_t>(weights.size());
        if (L < 1) throw std::invalid_argument("weights must hold at least one matrix");
        if (static_cast<py::ssize_t>(biases.size()) != L)
            throw std::invalid_argument("biases has " + std::to_string(biases.size()) + " entries, expected " +
                                        std::to_string(L) + " (one per weight matrix)");
        net.sizes.push_back(n_in);
        for (py::ssize_t l = 0; l < L; ++l) {
            const std::string wn = "weights[" + std::to_string(l) + "]", bn = "biases[" + std::to_string(l) + "]";
            carray<T> w = py::cast<carray<T>>(weights[l]);
            carray<T> bb = py::cast<carray<T>>(biases[l]);
            pnnkit_py::require_ndim(w, 2, wn.c_str());
            pnnkit_py::require_dim(w, 0, net.sizes.back(), wn.c_str());
            pnnkit_py::require_nonempty(w, wn.c_str());
            pnnkit_py::require_ndim(bb, 1, bn.c_str());
            pnnkit_py::require_dim(bb, 0, w.shape(1), bn.c_str());
            require_finite(w, wn);
            require_finite(bb, bn);
            net.sizes.push_back(w.shape(1));
            net.W.push_back(w.data());
            net.b.push_back(bb.data());
            W.push_back(std::move(w));
            b.push_back(std::move(bb));
        }
    }
    int L() const { return net.n_layers(); }
};

template <typename T>
carray<T> checked_x(const py::array& x_obj, const char* name) {
    carray<T> x = py::cast<carray<T>>(x_obj);
    pnnkit_py::require_ndim(x, 2, name);
    pnnkit_py::require_nonempty(x, name);
    require_finite(x, name);
    return x;
}

// Optional target y of shape (batch, n_L).
template <typename T>
carray<T> checked_y(const py::object& y_obj, py::ssize_t batch, py::ssize_t n_out, bool& has_y) {
    has_y = !y_obj.is_none();
    if (!has_y) return carray<T>(0);
    carray<T> y = py::cast<carray<T>>(y_obj);
    pnnkit_py::require_ndim(y, 2, "y");
    pnnkit_py::require_dim(y, 0, batch, "y");
    pnnkit_py::require_dim(y, 1, n_out, "y");
    require_finite(y, "y");
    return y;
}

// Fresh copies of the states (zeros when None) so that the caller's arrays are never modified.
template <typename T>
std::vector<carray<T>> copied_states(const py::object& states_obj, const Params<T>& p, py::ssize_t batch) {
    std::vector<carray<T>> out;
    const int L = p.L();
    py::list given;
    if (!states_obj.is_none()) {
        given = py::list(states_obj);
        if (static_cast<int>(given.size()) != L)
            throw std::invalid_argument("states has " + std::to_string(given.size()) + " arrays, expected " +
                                        std::to_string(L) + " (one per free layer)");
    }
    for (int l = 0; l < L; ++l) {
        const py::ssize_t nl = p.net.sizes[l + 1];
        carray<T> s({batch, nl});
        T* d = s.mutable_data();
        if (states_obj.is_none()) {
            std::fill(d, d + batch * nl, T(0));
        } else {
            const std::string sn = "states[" + std::to_string(l) + "]";
            carray<T> g = py::cast<carray<T>>(given[l]);
            pnnkit_py::require_ndim(g, 2, sn.c_str());
            pnnkit_py::require_dim(g, 0, batch, sn.c_str());
            pnnkit_py::require_dim(g, 1, nl, sn.c_str());
            require_finite(g, sn);
            std::copy(g.data(), g.data() + batch * nl, d);
        }
        out.push_back(std::move(s));
    }
    return out;
}

template <typename T>
py::dict relax_impl(const py::array& x_obj, const py::list& weights, const py::list& biases,
                    const py::object& states_obj, const py::object& y_obj, double beta, const std::string& method,
                    double eps, int max_iter, double tol, bool record_trace) {
    carray<T> x = checked_x<T>(x_obj, "x");
    const py::ssize_t batch = x.shape(0);
    Params<T> p(weights, biases, x.shape(1));
    bool has_y = false;
    carray<T> y = checked_y<T>(y_obj, batch, p.net.sizes.back(), has_y);
    if (!std::isfinite(beta)) throw std::invalid_argument("beta must be finite");
    if (beta != 0.0 && !has_y) throw std::invalid_argument("beta = " + std::to_string(beta) + " needs a target y");
    if (!(std::isfinite(eps) && eps > 0)) throw std::invalid_argument("eps must be finite and > 0, got " + std::to_string(eps));
    if (max_iter < 0) throw std::invalid_argument("max_iter must be >= 0, got " + std::to_string(max_iter));
    if (!(std::isfinite(tol) && tol >= 0)) throw std::invalid_argument("tol must be finite and >= 0");
    eq::RelaxOptions<T> opt;
    if (method == "gd") opt.method = eq::RelaxMethod::GradientDescent;
    else if (method == "fixed_point") opt.method = eq::RelaxMethod::FixedPoint;
    else throw std::invalid_argument("method must be 'gd' or 'fixed_point', got '" + method + "'");
    opt.eps = T(eps);
    opt.max_iter = max_iter;
    opt.tol = T(tol);
    opt.beta = T(beta);

    std::vector<carray<T>> states = copied_states<T>(states_obj, p, batch);
    std::vector<T*> sp;
    for (auto& s : states) sp.push_back(s.mutable_data());
    carray<T> energy(batch), cost(batch), residual(batch), initial(batch);
    py::array_t<std::int32_t> n_updates(batch);
    carray<T> trace = record_trace ? carray<T>({static_cast<py::ssize_t>(max_iter) + 1, batch}) : carray<T>(0);
    eq::RelaxOutputs<T> out;
    out.energy = energy.mutable_data();
    out.cost = cost.mutable_data();
    out.residual = residual.mutable_data();
    out.initial = initial.mutable_data();
    out.n_updates = n_updates.mutable_data();
    out.trace = record_trace ? trace.mutable_data() : nullptr;
    const T* yp = has_y ? y.data() : nullptr;
    int iters = 0;
    {
        // Safe: the kernel reads arrays held alive by this frame and writes only to fresh
        // arrays that no other Python thread can see yet.
        py::gil_scoped_release release;
        iters = eq::hopfield_relax<T>(p.net, x.data(), batch, sp, yp, opt, out, pnnkit::get_num_threads());
    }
    py::list st;
    for (auto& s : states) st.append(s);
    py::dict d;
    d["states"] = st;
    d["energy"] = energy;
    d["cost"] = cost;
    d["residual"] = residual;
    d["initial_free_energy"] = initial;
    d["n_updates"] = n_updates;
    d["iterations"] = iters;
    d["trace"] = record_trace ? py::object(trace) : py::object(py::none());
    return d;
}

template <typename T>
py::tuple energy_impl(const py::array& x_obj, const py::list& weights, const py::list& biases,
                      const py::object& states_obj, const py::object& y_obj) {
    carray<T> x = checked_x<T>(x_obj, "x");
    const py::ssize_t batch = x.shape(0);
    Params<T> p(weights, biases, x.shape(1));
    if (states_obj.is_none()) throw std::invalid_argument("states must be given");
    bool has_y = false;
    carray<T> y = checked_y<T>(y_obj, batch, p.net.sizes.back(), has_y);
    std::vector<carray<T>> states = copied_states<T>(states_obj, p, batch);
    std::vector<const T*> sp;
    for (auto& s : states) sp.push_back(s.data());
    carray<T> energy(batch), cost(batch);
    T* e = energy.mutable_data();
    T* c = cost.mutable_data();
    const T* yp = has_y ? y.data() : nullptr;
    {
        // Safe: reads arrays held alive by this frame, writes only to fresh arrays.
        py::gil_scoped_release release;
        eq::hopfield_energy<T>(p.net, x.data(), batch, sp, yp, e, c, pnnkit::get_num_threads());
    }
    return py::make_tuple(energy, cost);
}

template <typename T>
py::tuple grad_impl(const py::array& x_obj, const py::list& weights, const py::list& biases,
                    const py::object& states_obj) {
    carray<T> x = checked_x<T>(x_obj, "x");
    const py::ssize_t batch = x.shape(0);
    Params<T> p(weights, biases, x.shape(1));
    if (states_obj.is_none()) throw std::invalid_argument("states must be given");
    std::vector<carray<T>> states = copied_states<T>(states_obj, p, batch);
    std::vector<const T*> sp;
    for (auto& s : states) sp.push_back(s.data());
    std::vector<carray<T>> gW, gb;
    std::vector<T*> gWp, gbp;
    for (int l = 0; l < p.L(); ++l) {
        gW.emplace_back(std::vector<py::ssize_t>{p.net.sizes[l], p.net.sizes[l + 1]});
        gb.emplace_back(std::vector<py::ssize_t>{p.net.sizes[l + 1]});
        gWp.push_back(gW.back().mutable_data());
        gbp.push_back(gb.back().mutable_data());
    }
    {
        // Safe: reads arrays held alive by this frame, writes only to fresh arrays.
        py::gil_scoped_release release;
        eq::hopfield_param_grad<T>(p.net, x.data(), batch, sp, gWp, gbp, pnnkit::get_num_threads());
    }
    py::list lw, lb;
    for (auto& a : gW) lw.append(a);
    for (auto& a : gb) lb.append(a);
    return py::make_tuple(lw, lb);
}

bool is_double(const py::array& x) { return x.dtype().is(py::dtype::of<double>()); }

}  // namespace

void register_equilibrium(py::module_& m) {
    m.def(
        "hopfield_relax",
        [](const py::array& x, const py::list& weights, const py::list& biases, const py::object& states,
           const py::object& y, double beta, const std::string& method, double eps, int max_iter, double tol,
           bool record_trace) {
            if (is_double(x))
                return relax_impl<double>(x, weights, biases, states, y, beta, method, eps, max_iter, tol, record_trace);
            return relax_impl<float>(x, weights, biases, states, y, beta, method, eps, max_iter, tol, record_trace);
        },
        py::arg("x"), py::arg("weights"), py::arg("biases"), py::arg("states") = py::none(),
        py::arg("y") = py::none(), py::arg("beta") = 0.0, py::arg("method") = "gd", py::arg("eps") = 0.5,
        py::arg("max_iter") = 20, py::arg("tol") = 0.0, py::arg("record_trace") = false,
        "Relax a layered Hopfield network (batch of inputs x) by projected gradient descent ('gd', step eps)\n"
        "or the fixed-point iteration ('fixed_point'). Returns a dict with states (list per free layer),\n"
        "energy E, cost |s_L - y|^2, residual (projected gradient, per sample), initial_free_energy\n"
        "(F = E + beta C at the initial state), n_updates, iterations and\n"
        "trace (F after each update, shape (max_iter + 1, batch)) when record_trace. float64 x -> float64.");
    m.def(
        "hopfield_energy",
        [](const py::array& x, const py::list& weights, const py::list& biases, const py::object& states,
           const py::object& y) {
            if (is_double(x)) return energy_impl<double>(x, weights, biases, states, y);
            return energy_impl<float>(x, weights, biases, states, y);
        },
        py::arg("x"), py::arg("weights"), py::arg("biases"), py::arg("states"), py::arg("y") = py::none(),
        "(E, C) per sample at the given states (clipped to [0, 1]).");
    m.def(
        "hopfield_param_grad",
        [](const py::array& x, const py::list& weights, const py::list& biases, const py::object& states) {
            if (is_double(x)) return grad_impl<double>(x, weights, biases, states);
            return grad_impl<float>(x, weights, biases, states);
        },
        py::arg("x"), py::arg("weights"), py::arg("biases"), py::arg("states"),
        "Batch mean of dE/dW_l and dE/db_l at the given states: lists (gW, gb).");
}
