// Bindings of the linear and the ideal-diode resistor networks (pnnkit::equilibrium).
#include "pybind_common.hpp"

#include <memory>

#include "pnnkit/common/threads.hpp"
#include "pnnkit/equilibrium/diode_network.hpp"
#include "pnnkit/equilibrium/resistor_network.hpp"

namespace {

using pnnkit_py::carray;
using pnnkit::equilibrium::DiodeNetwork;
using pnnkit::equilibrium::ResistorGraph;
using pnnkit::equilibrium::ResistorNetwork;

struct GraphArgs {
    carray<std::int64_t> ei, ej;
    carray<double> g;
    carray<std::int64_t> cl;
};

GraphArgs check_graph_args(py::ssize_t n_nodes, const carray<std::int64_t>& edges, const carray<double>& g,
                           const carray<std::int64_t>& clamped) {
    if (n_nodes < 2) throw std::invalid_argument("n_nodes must be >= 2, got " + std::to_string(n_nodes));
    pnnkit_py::require_ndim(edges, 2, "edges");
    pnnkit_py::require_dim(edges, 1, 2, "edges");
    pnnkit_py::require_nonempty(edges, "edges");
    pnnkit_py::require_ndim(g, 1, "conductance_S");
    pnnkit_py::require_dim(g, 0, edges.shape(0), "conductance_S");
    pnnkit_py::require_ndim(clamped, 1, "clamped_nodes");
    pnnkit_py::require_nonempty(clamped, "clamped_nodes");
    const py::ssize_t E = edges.shape(0);
    GraphArgs a{carray<std::int64_t>(E), carray<std::int64_t>(E), g, clamped};
    auto e = edges.unchecked<2>();
    auto* pi = a.ei.mutable_data();
    auto* pj = a.ej.mutable_data();
    for (py::ssize_t k = 0; k < E; ++k) {
        pi[k] = e(k, 0);
        pj[k] = e(k, 1);
    }
    return a;
}

void check_batch(const py::array& a, py::ssize_t cols, const char* name) {
    pnnkit_py::require_ndim(a, 2, name);
    pnnkit_py::require_dim(a, 1, cols, name);
}

}  // namespace

void register_equilibrium_resistor(py::module_& m) {
    py::class_<ResistorNetwork>(m, "ResistorNetwork",
                                "Linear resistor network: reduced Laplacian factorized once (sparse LDLT), batched "
                                "solves for clamped voltages and injected currents. float64.")
        .def(py::init([](py::ssize_t n_nodes, const carray<std::int64_t>& edges, const carray<double>& g,
                         const carray<std::int64_t>& clamped) {
                 GraphArgs a = check_graph_args(n_nodes, edges, g, clamped);
                 return std::make_unique<ResistorNetwork>(n_nodes, a.ei.data(), a.ej.data(), a.ei.shape(0),
                                                          a.g.data(), a.cl.data(), a.cl.shape(0));
             }),
             py::arg("n_nodes"), py::arg("edges"), py::arg("conductance_S"), py::arg("clamped_nodes"))
        .def(
            "set_conductances",
            [](ResistorNetwork& self, const carray<double>& g) {
                pnnkit_py::require_ndim(g, 1, "conductance_S");
                pnnkit_py::require_dim(g, 0, self.graph().n_edges(), "conductance_S");
                self.set_conductances(g.data());
            },
            py::arg("conductance_S"), "Replace the conductances (siemens) and refactorize.")
        .def(
            "solve",
            [](const ResistorNetwork& self, const carray<double>& v_clamped, std::optional<carray<double>> currents) {
                const auto& G = self.graph();
                check_batch(v_clamped, G.n_clamped(), "v_clamped");
                const py::ssize_t B = v_clamped.shape(0);
                const double* pc = nullptr;
                if (currents) {
                    check_batch(*currents, G.n_nodes, "currents");
                    pnnkit_py::require_dim(*currents, 0, B, "currents");
                    pc = currents->data();
                }
                carray<double> out({B, static_cast<py::ssize_t>(G.n_nodes)});
                double* po = out.mutable_data();
                const double* pv = v_clamped.data();
                const int nt = pnnkit::get_num_threads();
                // Safe: reads the immutable factor and the input buffers, writes only the fresh `out`.
                py::gil_scoped_release release;
                self.solve(pv, pc, B, po, nt);
                return out;
            },
            py::arg("v_clamped"), py::arg("currents") = py::none(),
            "Node potentials (batch, n_nodes) for clamped potentials (batch, n_clamped) in volts and optional "
            "injected currents (batch, n_nodes) in amperes.")
        .def_property_readonly("n_nodes", [](const ResistorNetwork& s) { return s.graph().n_nodes; })
        .def_property_readonly("n_edges", [](const ResistorNetwork& s) { return s.graph().n_edges(); })
        .def_property_readonly("n_free", [](const ResistorNetwork& s) { return s.graph().n_free(); })
        .def_property_readonly("free_nodes", [](const ResistorNetwork& s) {
            return carray<std::int64_t>(s.graph().n_free(), s.graph().free_nodes.data());
        })
        .def_property_readonly("conductance_S", [](const ResistorNetwork& s) {
            return carray<double>(static_cast<py::ssize_t>(s.conductances().size()), s.conductances().data());
        });

    py::class_<DiodeNetwork>(m, "DiodeNetwork",
                             "Resistor network with ideal diodes bounding free-node potentials; steady state by "
                             "exact coordinate descent on the co-content QP. float64.")
        .def(py::init([](py::ssize_t n_nodes, const carray<std::int64_t>& edges, const carray<double>& g,
                         const carray<std::int64_t>& clamped, const carray<double>& lower,
                         const carray<double>& upper) {
                 GraphArgs a = check_graph_args(n_nodes, edges, g, clamped);
                 pnnkit_py::require_ndim(lower, 1, "lower_V");
                 pnnkit_py::require_dim(lower, 0, n_nodes, "lower_V");
                 pnnkit_py::require_ndim(upper, 1, "upper_V");
                 pnnkit_py::require_dim(upper, 0, n_nodes, "upper_V");
                 return std::make_unique<DiodeNetwork>(n_nodes, a.ei.data(), a.ej.data(), a.ei.shape(0),
                                                       a.g.data(), a.cl.data(), a.cl.shape(0), lower.data(),
                                                       upper.data());
             }),
             py::arg("n_nodes"), py::arg("edges"), py::arg("conductance_S"), py::arg("clamped_nodes"),
             py::arg("lower_V"), py::arg("upper_V"))
        .def(
            "set_conductances",
            [](DiodeNetwork& self, const carray<double>& g) {
                pnnkit_py::require_ndim(g, 1, "conductance_S");
                pnnkit_py::require_dim(g, 0, self.graph().n_edges(), "conductance_S");
                self.set_conductances(g.data());
            },
            py::arg("conductance_S"), "Replace the conductances (siemens).")
        .def(
            "solve",
            [](const DiodeNetwork& self, const carray<double>& v_clamped, std::optional<carray<double>> currents,
               std::optional<carray<std::int64_t>> nudge_nodes, double beta, std::optional<carray<double>> targets,
               std::optional<carray<double>> v_init, std::int64_t max_sweeps, double tol) {
                const auto& G = self.graph();
                check_batch(v_clamped, G.n_clamped(), "v_clamped");
                const py::ssize_t B = v_clamped.shape(0);
                const double *pc = nullptr, *pt = nullptr, *pi = nullptr;
                const std::int64_t* pn = nullptr;
                std::int64_t K = 0;
                if (currents) {
                    check_batch(*currents, G.n_nodes, "currents");
                    pnnkit_py::require_dim(*currents, 0, B, "currents");
                    pc = currents->data();
                }
                if (nudge_nodes) {
                    pnnkit_py::require_ndim(*nudge_nodes, 1, "nudge_nodes");
                    K = nudge_nodes->shape(0);
                    pn = nudge_nodes->data();
                    if (K > 0) {
                        if (!targets) throw std::invalid_argument("targets are required with nudge_nodes");
                        check_batch(*targets, K, "targets");
                        pnnkit_py::require_dim(*targets, 0, B, "targets");
                        pt = targets->data();
                    }
                }
                if (v_init) {
                    check_batch(*v_init, G.n_nodes, "v_init");
                    pnnkit_py::require_dim(*v_init, 0, B, "v_init");
                    pi = v_init->data();
                }
                carray<double> out({B, static_cast<py::ssize_t>(G.n_nodes)});
                double* po = out.mutable_data();
                const double* pv = v_clamped.data();
                const int nt = pnnkit::get_num_threads();
                pnnkit::equilibrium::DiodeSolveStats st;
                {
                    // Safe: reads the network and the input buffers (kept alive by this frame), writes `out`.
                    py::gil_scoped_release release;
                    st = self.solve(pv, pc, pn, K, beta, pt, pi, B, max_sweeps, tol, po, nt);
                }
                return py::make_tuple(out, st.sweeps, st.max_change, st.converged);
            },
            py::arg("v_clamped"), py::arg("currents") = py::none(), py::arg("nudge_nodes") = py::none(),
            py::arg("beta") = 0.0, py::arg("targets") = py::none(), py::arg("v_init") = py::none(),
            py::arg("max_sweeps") = 1000, py::arg("tol") = 1e-10,
            "Steady state: returns (v (batch, n_nodes) volts, sweeps, max_change_V, converged).")
        .def_property_readonly("n_nodes", [](const DiodeNetwork& s) { return s.graph().n_nodes; })
        .def_property_readonly("n_edges", [](const DiodeNetwork& s) { return s.graph().n_edges(); })
        .def_property_readonly("free_nodes", [](const DiodeNetwork& s) {
            return carray<std::int64_t>(s.graph().n_free(), s.graph().free_nodes.data());
        })
        .def_property_readonly("conductance_S", [](const DiodeNetwork& s) {
            return carray<double>(static_cast<py::ssize_t>(s.conductances().size()), s.conductances().data());
        });
}
