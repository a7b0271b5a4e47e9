// Bindings of the pulsed-update core: device parameters, the pulsed tile and its update.
#include "pybind_common.hpp"

#include <cmath>
#include <string>

#include "pnnkit/crossbar/devices.hpp"
#include "pnnkit/crossbar/pulsed_update.hpp"

namespace {
using pnnkit::crossbar::DeviceParams;
using pnnkit::crossbar::PulsedTile;
using pnnkit::crossbar::PulseType;
using pnnkit::crossbar::StepModel;
using pnnkit::crossbar::UpdateParams;
using pnnkit_py::carray;

py::array_t<double> matrix_copy(const std::vector<double>& v, std::int64_t rows, std::int64_t cols) {
    py::array_t<double> out({static_cast<py::ssize_t>(rows), static_cast<py::ssize_t>(cols)});
    std::copy(v.begin(), v.end(), out.mutable_data());
    return out;
}

pnnkit::crossbar::UpdateKernel kernel_of(const std::string& name) {
    using pnnkit::crossbar::UpdateKernel;
    if (name == "auto") return UpdateKernel::Auto;
    if (name == "reference") return UpdateKernel::Reference;
    if (name == "generic") return UpdateKernel::Generic;
    if (name == "avx2") return UpdateKernel::Avx2;
    if (name == "avx512") return UpdateKernel::Avx512;
    throw std::invalid_argument("kernel must be one of auto, reference, generic, avx2, avx512; got '" + name + "'");
}
}  // namespace

void register_crossbar_update(py::module_& m) {
    py::enum_<StepModel>(m, "StepModel")
        .value("Constant", StepModel::Constant)
        .value("Linear", StepModel::Linear)
        .value("SoftBounds", StepModel::SoftBounds)
        .value("Exp", StepModel::Exp)
        .value("Pow", StepModel::Pow)
        .value("Piecewise", StepModel::Piecewise);

    py::class_<DeviceParams>(m, "DeviceParams", "Pulsed device parameters (aihwkit names; see devices.hpp).")
        .def(py::init<>())
        .def_readwrite("model", &DeviceParams::model)
        .def_readwrite("dw_min", &DeviceParams::dw_min)
        .def_readwrite("dw_min_dtod", &DeviceParams::dw_min_dtod)
        .def_readwrite("dw_min_dtod_log_normal", &DeviceParams::dw_min_dtod_log_normal)
        .def_readwrite("dw_min_std", &DeviceParams::dw_min_std)
        .def_readwrite("w_max", &DeviceParams::w_max)
        .def_readwrite("w_min", &DeviceParams::w_min)
        .def_readwrite("w_max_dtod", &DeviceParams::w_max_dtod)
        .def_readwrite("w_min_dtod", &DeviceParams::w_min_dtod)
        .def_readwrite("up_down", &DeviceParams::up_down)
        .def_readwrite("up_down_dtod", &DeviceParams::up_down_dtod)
        .def_readwrite("gamma_up", &DeviceParams::gamma_up)
        .def_readwrite("gamma_down", &DeviceParams::gamma_down)
        .def_readwrite("gamma_up_dtod", &DeviceParams::gamma_up_dtod)
        .def_readwrite("gamma_down_dtod", &DeviceParams::gamma_down_dtod)
        .def_readwrite("mult_noise", &DeviceParams::mult_noise)
        .def_readwrite("mean_bound_reference", &DeviceParams::mean_bound_reference)
        .def_readwrite("allow_increasing", &DeviceParams::allow_increasing)
        .def_readwrite("A_up", &DeviceParams::A_up)
        .def_readwrite("A_down", &DeviceParams::A_down)
        .def_readwrite("es_gamma_up", &DeviceParams::es_gamma_up)
        .def_readwrite("es_gamma_down", &DeviceParams::es_gamma_down)
        .def_readwrite("es_a", &DeviceParams::es_a)
        .def_readwrite("es_b", &DeviceParams::es_b)
        .def_readwrite("pow_gamma", &DeviceParams::pow_gamma)
        .def_readwrite("pow_gamma_dtod", &DeviceParams::pow_gamma_dtod)
        .def_readwrite("pow_up_down", &DeviceParams::pow_up_down)
        .def_readwrite("pow_up_down_dtod", &DeviceParams::pow_up_down_dtod)
        .def_readwrite("piecewise_up", &DeviceParams::piecewise_up)
        .def_readwrite("piecewise_down", &DeviceParams::piecewise_down)
        .def_readwrite("lifetime", &DeviceParams::lifetime)
        .def_readwrite("lifetime_dtod", &DeviceParams::lifetime_dtod)
        .def_readwrite("diffusion", &DeviceParams::diffusion)
        .def_readwrite("diffusion_dtod", &DeviceParams::diffusion_dtod)
        .def_readwrite("reset", &DeviceParams::reset)
        .def_readwrite("reset_dtod", &DeviceParams::reset_dtod)
        .def_readwrite("reset_std", &DeviceParams::reset_std)
        .def("validate", &DeviceParams::validate)
        .def("granularity", &DeviceParams::granularity);

    py::class_<PulsedTile>(m, "PulsedTile", "rows x cols analog tile whose weights change by device pulses.")
        .def(py::init([](const DeviceParams& p, std::int64_t rows, std::int64_t cols, std::uint64_t seed) {
                 if (rows < 1 || cols < 1) throw std::invalid_argument("rows and cols must be >= 1");
                 return new PulsedTile(p, rows, cols, seed);
             }),
             py::arg("params"), py::arg("rows"), py::arg("cols"), py::arg("seed"))
        .def_property_readonly("rows", &PulsedTile::rows)
        .def_property_readonly("cols", &PulsedTile::cols)
        .def_property("counter", &PulsedTile::counter, &PulsedTile::set_counter)
        .def("get_weights", [](const PulsedTile& t) { return matrix_copy(t.weights(), t.rows(), t.cols()); })
        .def(
            "set_weights",
            [](PulsedTile& t, const carray<double>& w) {
                pnnkit_py::require_ndim(w, 2, "weights");
                pnnkit_py::require_dim(w, 0, t.rows(), "weights");
                pnnkit_py::require_dim(w, 1, t.cols(), "weights");
                t.set_weights(w.data());
            },
            py::arg("weights"))
        .def(
            "device_array",
            [](const PulsedTile& t, const std::string& name) {
                const auto& d = t.device();
                const std::vector<double>* v = nullptr;
                if (name == "scale_up") v = &d.scale_up;
                else if (name == "scale_down") v = &d.scale_down;
                else if (name == "w_max") v = &d.w_max;
                else if (name == "w_min") v = &d.w_min;
                else if (name == "slope_up") v = &d.slope_up;
                else if (name == "slope_down") v = &d.slope_down;
                else if (name == "decay") v = &d.decay;
                else if (name == "diffusion") v = &d.diffusion;
                else if (name == "reset") v = &d.reset;
                else
                    throw std::invalid_argument("name must be one of scale_up, scale_down, w_max, w_min, slope_up, "
                                                "slope_down, decay, diffusion, reset; got '" + name + "'");
                return matrix_copy(*v, t.rows(), t.cols());
            },
            py::arg("name"), "Copy of one per-device (d2d) parameter array.")
        .def(
            "update",
            [](PulsedTile& t, const carray<double>& x, const carray<double>& d, double lr, int desired_bl,
               bool update_management, bool update_bl_management, int pulse_type, bool aggregate_constant,
               const std::string& kernel, const std::string& precision) {
                pnnkit_py::require_ndim(x, 2, "x");
                pnnkit_py::require_ndim(d, 2, "d");
                pnnkit_py::require_nonempty(x, "x");
                pnnkit_py::require_dim(x, 1, t.cols(), "x");
                pnnkit_py::require_dim(d, 1, t.rows(), "d");
                pnnkit_py::require_dim(d, 0, x.shape(0), "d");
                if (!(std::isfinite(lr) && lr > 0.0)) throw std::invalid_argument("lr must be finite and > 0");
                UpdateParams up;
                up.desired_bl = desired_bl;
                up.update_management = update_management;
                up.update_bl_management = update_bl_management;
                up.pulse_type = static_cast<PulseType>(pulse_type);
                up.aggregate_constant = aggregate_constant;
                up.kernel = kernel_of(kernel);
                if (precision == "float32") {
                    up.precision = pnnkit::crossbar::UpdatePrecision::Float32;
                } else if (precision != "float64") {
                    throw std::invalid_argument("precision must be 'float64' or 'float32', got '" + precision + "'");
                }
                up.validate();
                pnnkit::crossbar::UpdateStats st;
                {
                    // Safe: the kernel reads x, d (held alive by this frame) and writes only the tile's own
                    // buffers; Python code cannot touch the tile until this call returns.
                    py::gil_scoped_release release;
                    st = t.update(x.data(), d.data(), x.shape(0), lr, up);
                }
                py::dict out;
                out["mean_bl"] = st.mean_bl;
                out["coincidences"] = st.coincidences;
                return out;
            },
            py::arg("x"), py::arg("d"), py::arg("lr"), py::arg("desired_bl") = 31,
            py::arg("update_management") = true, py::arg("update_bl_management") = true, py::arg("pulse_type") = 0,
            py::arg("aggregate_constant") = true, py::arg("kernel") = "auto", py::arg("precision") = "float64",
            "Pulsed update W += lr * d^T x (x: batch x cols, d: batch x rows). pulse_type 0 stochastic, "
            "1 deterministic, 2 mean count. kernel: 'auto' (fastest), 'reference' (scalar, same random "
            "numbers), or one instruction-set copy 'generic', 'avx2', 'avx512'. precision: 'float64' or "
            "'float32' (stochastic pulses only: float32 lanes, xoshiro128++ streams, quantile normals).")
        .def(
            "apply_pulses",
            [](PulsedTile& t, const carray<std::int32_t>& counts) {
                pnnkit_py::require_ndim(counts, 2, "counts");
                pnnkit_py::require_dim(counts, 0, t.rows(), "counts");
                pnnkit_py::require_dim(counts, 1, t.cols(), "counts");
                // Safe: reads `counts` (alive in this frame), writes only the tile's weights.
                py::gil_scoped_release release;
                t.apply_pulses(counts.data());
            },
            py::arg("counts"), "Apply signed integer pulse counts (rows x cols) to the devices.")
        .def(
            "decay",
            [](PulsedTile& t, int n_steps) {
                // Safe: touches only the tile's own weights.
                py::gil_scoped_release release;
                t.decay(n_steps);
            },
            py::arg("n_steps") = 1)
        .def("diffuse",
             [](PulsedTile& t) {
                 // Safe: touches only the tile's own weights.
                 py::gil_scoped_release release;
                 t.diffuse();
             })
        .def(
            "reset_columns",
            [](PulsedTile& t, const carray<std::int64_t>& cols) {
                pnnkit_py::require_ndim(cols, 1, "cols");
                t.reset_columns(cols.data(), cols.shape(0));
            },
            py::arg("cols"));

    m.def(
        "normal_from_bits",
        [](const carray<std::uint32_t>& words) {
            pnnkit_py::require_ndim(words, 1, "words");
            py::array_t<double> out(words.shape(0));
            for (py::ssize_t k = 0; k < words.shape(0); ++k)
                out.mutable_data()[k] = pnnkit::crossbar::normal_from_bits(words.data()[k]);
            return out;
        },
        py::arg("words"), "Inverse-CDF standard normals used by the pulse kernel (for tests).");

    m.def("pulse_kernel_isa", &pnnkit::crossbar::pulse_kernel_isa,
          "Instruction set of the pulsed-update row kernels used by default (avx512, avx2 or generic).");
    m.def(
        "pulse_kernel_exp",
        [](const carray<double>& x, const std::string& kernel) {
            pnnkit_py::require_ndim(x, 1, "x");
            const auto k = kernel_of(kernel);
            if (k == pnnkit::crossbar::UpdateKernel::Reference)
                throw std::invalid_argument("kernel must name a row-kernel copy (auto, generic, avx2, avx512)");
            py::array_t<double> out(x.shape(0));
            for (py::ssize_t q = 0; q < x.shape(0); ++q)
                out.mutable_data()[q] = pnnkit::crossbar::pulse_kernel_exp(x.data()[q], k);
            return out;
        },
        py::arg("x"), py::arg("kernel") = "auto", "The row kernels' polynomial exp (for its accuracy test).");
    m.def(
        "pulse_kernel_normals_f32",
        [](const carray<std::uint32_t>& words, const std::string& kernel, int bits) {
            pnnkit_py::require_ndim(words, 1, "words");
            const auto k = kernel_of(kernel);
            if (k == pnnkit::crossbar::UpdateKernel::Reference)
                throw std::invalid_argument("kernel must name a row-kernel copy (auto, generic, avx2, avx512)");
            py::array_t<float> z(words.shape(0));
            pnnkit::crossbar::pulse_kernel_normals_f32(words.data(), z.mutable_data(), words.shape(0), k, bits);
            return z;
        },
        py::arg("words"), py::arg("kernel") = "auto", py::arg("bits") = 32,
        "The float32 kernels' standard normals of 32-bit words, by their quantile (for the statistical tests):\n"
        "bits=32 uses the whole word (aggregated ConstantStep), bits=16 its high half (per-pulse noise).");
}
