// Bindings of the analog crossbar tile reads (periphery, tiling) and the PCM inference model.
#include "pybind_common.hpp"

#include <cmath>
#include <cstdint>

#include "pnnkit/common/threads.hpp"
#include "pnnkit/crossbar/pcm.hpp"
#include "pnnkit/crossbar/periphery.hpp"
#include "pnnkit/crossbar/tile.hpp"

namespace {

using pnnkit_py::carray;
namespace xb = pnnkit::crossbar;

void require_float32(const py::array& a, const char* name) {
    if (!py::isinstance<py::array_t<float>>(a)) {
        throw py::type_error(std::string(name) + " must be a float32 array, got dtype " +
                             std::string(py::str(a.dtype())));
    }
}

py::tuple crossbar_read(const py::array& weights_in, const py::array& x_in, bool transposed, const xb::IOParams& io,
                        const xb::TileSplit& split, float weight_scale, std::uint64_t seed) {
    // float32 only: silently casting float64 would hide a 2x slowdown (the Python layer casts).
    require_float32(weights_in, "weights");
    require_float32(x_in, transposed ? "grad_out" : "x");
    const char* xname = transposed ? "grad_out" : "x";
    carray<float> w = py::cast<carray<float>>(weights_in);
    carray<float> x = py::cast<carray<float>>(x_in);
    pnnkit_py::require_ndim(w, 2, "weights");
    pnnkit_py::require_nonempty(w, "weights");
    pnnkit_py::require_ndim(x, 2, xname);
    const py::ssize_t n_out = w.shape(0), n_in = w.shape(1);
    pnnkit_py::require_dim(x, 1, transposed ? n_out : n_in, xname);
    if (x.shape(0) == 0) throw std::invalid_argument(std::string(xname) + " must hold at least one row (empty batch)");
    const py::ssize_t batch = x.shape(0);
    carray<float> y({batch, transposed ? n_in : n_out});
    const float* wp = w.data();
    const float* xp = x.data();
    float* yp = y.mutable_data();
    const int nt = pnnkit::get_num_threads();
    xb::ReadStats st;
    {
        // Safe: the kernel reads w and x (kept alive by this frame) and writes only y, which no
        // other Python thread can see yet.
        py::gil_scoped_release release;
        st = xb::analog_mvm(wp, n_out, n_in, xp, batch, yp, transposed, io, split, weight_scale, seed, nt);
    }
    py::dict stats;
    stats["reads"] = st.reads;
    stats["bm_rereads"] = st.bm_rereads;
    stats["clipped_outputs"] = st.clipped_outputs;
    return py::make_tuple(y, stats);
}

carray<float> as_conductances(const py::array& a, const char* name) {
    require_float32(a, name);
    return py::cast<carray<float>>(a);
}

}  // namespace

void register_crossbar(py::module_& m) {
    py::enum_<xb::NoiseManagement>(m, "NoiseManagement", "Input scaling before the DAC.")
        .value("NONE", xb::NoiseManagement::None)
        .value("ABS_MAX", xb::NoiseManagement::AbsMax);
    py::enum_<xb::BoundManagement>(m, "BoundManagement", "Handling of saturated outputs.")
        .value("NONE", xb::BoundManagement::None)
        .value("ITERATIVE", xb::BoundManagement::Iterative);

    py::class_<xb::IOParams>(m, "CrossbarIOParams", "Periphery of one read direction (see crossbar/periphery.hpp).")
        .def(py::init<>())
        .def_readwrite("is_perfect", &xb::IOParams::is_perfect)
        .def_readwrite("inp_res", &xb::IOParams::inp_res)
        .def_readwrite("inp_bound", &xb::IOParams::inp_bound)
        .def_readwrite("out_res", &xb::IOParams::out_res)
        .def_readwrite("out_bound", &xb::IOParams::out_bound)
        .def_readwrite("out_noise", &xb::IOParams::out_noise)
        .def_readwrite("w_noise", &xb::IOParams::w_noise)
        .def_readwrite("ir_drop", &xb::IOParams::ir_drop)
        .def_readwrite("noise_management", &xb::IOParams::noise_management)
        .def_readwrite("bound_management", &xb::IOParams::bound_management)
        .def_readwrite("max_bm_factor", &xb::IOParams::max_bm_factor)
        .def("validate", [](const xb::IOParams& io, const std::string& which) { xb::validate(io, which.c_str()); },
             py::arg("which") = "io");

    py::class_<xb::TileSplit>(m, "CrossbarTileSplit", "Physical tile sizes of a large weight matrix.")
        .def(py::init<>())
        .def_readwrite("max_input_size", &xb::TileSplit::max_input_size)
        .def_readwrite("max_output_size", &xb::TileSplit::max_output_size);

    py::class_<xb::PCMParams>(m, "PCMParams", "PCM inference model of Joshi et al. 2020 (see crossbar/pcm.hpp).")
        .def(py::init<>())
        .def_readwrite("g_max_uS", &xb::PCMParams::g_max_uS)
        .def_readwrite("t0_s", &xb::PCMParams::t0_s)
        .def_readwrite("t_read_s", &xb::PCMParams::t_read_s)
        .def_readwrite("prog_c0_uS", &xb::PCMParams::prog_c0_uS)
        .def_readwrite("prog_c1_uS", &xb::PCMParams::prog_c1_uS)
        .def_readwrite("prog_c2_uS", &xb::PCMParams::prog_c2_uS)
        .def_readwrite("prog_noise_scale", &xb::PCMParams::prog_noise_scale)
        .def_readwrite("read_noise_scale", &xb::PCMParams::read_noise_scale)
        .def_readwrite("drift_scale", &xb::PCMParams::drift_scale)
        .def("validate", [](const xb::PCMParams& p) { xb::validate(p); });

    m.def("crossbar_read", &crossbar_read, py::arg("weights"), py::arg("x"), py::arg("transposed"), py::arg("io"),
          py::arg("split"), py::arg("weight_scale"), py::arg("seed"),
          "Batched analog read: y = W x (transposed=False, x: (batch, n_in)) or W^T x (x: (batch, n_out)).\n"
          "weights: float32 (n_out, n_in); weight_scale <= 0 uses max|W| per physical tile.\n"
          "Returns (y float32, stats dict with reads, bm_rereads, clipped_outputs).");
    m.def("crossbar_kernel_isa", &xb::kernel_isa, "SIMD code path of the crossbar read kernel.");
    m.def(
        "crossbar_set_kernel_isa", [](const std::string& isa) { xb::set_kernel_isa(isa.c_str()); }, py::arg("isa"),
        "Force the crossbar kernel's code path: 'auto', 'avx512', 'avx2' or 'generic'.");

    m.def(
        "pcm_program",
        [](const py::array& g_target_in, const xb::PCMParams& p, std::uint64_t seed) {
            carray<float> g = as_conductances(g_target_in, "g_target_uS");
            carray<float> g_prog(g.request().shape), nu(g.request().shape);
            const float* gp = g.data();
            float* op = g_prog.mutable_data();
            float* np_ = nu.mutable_data();
            const std::int64_t n = g.size();
            const int nt = pnnkit::get_num_threads();
            {
                // Safe: reads g (alive in this frame), writes only the new arrays g_prog and nu.
                py::gil_scoped_release release;
                xb::pcm_program(gp, n, op, np_, p, seed, nt);
            }
            return py::make_tuple(g_prog, nu);
        },
        py::arg("g_target_uS"), py::arg("params"), py::arg("seed"),
        "Program PCM devices: returns (g_prog_uS, nu), float32 arrays shaped like g_target_uS.");
    m.def(
        "pcm_drift",
        [](const py::array& g_prog_in, const py::array& nu_in, double t_s, const xb::PCMParams& p,
           std::uint64_t seed) {
            carray<float> g = as_conductances(g_prog_in, "g_prog_uS");
            carray<float> nu = as_conductances(nu_in, "nu");
            if (g.size() != nu.size()) throw std::invalid_argument("nu must have the same size as g_prog_uS");
            carray<float> out(g.request().shape);
            const float* gp = g.data();
            const float* nup = nu.data();
            float* op = out.mutable_data();
            const std::int64_t n = g.size();
            const int nt = pnnkit::get_num_threads();
            {
                // Safe: reads g and nu (alive in this frame), writes only the new array out.
                py::gil_scoped_release release;
                xb::pcm_drift(gp, nup, n, t_s, op, p, seed, nt);
            }
            return out;
        },
        py::arg("g_prog_uS"), py::arg("nu"), py::arg("t_s"), py::arg("params"), py::arg("seed"),
        "Conductances t_s seconds after programming (power-law drift + accumulated 1/f read noise).");
}
