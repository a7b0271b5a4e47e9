// Bindings of free-space diffractive optics: transfer functions, batched propagation, the
// diffractive stack (forward / vjp / adjoint) and detector planes. complex64 and complex128.
#include "pybind_common.hpp"

#include <pybind11/complex.h>
#include <pybind11/stl.h>

#include <complex>
#include <memory>

#include "pnnkit/common/threads.hpp"
#include "pnnkit/optics/detectors.hpp"
#include "pnnkit/optics/diffractive_stack.hpp"
#include "pnnkit/optics/masks.hpp"
#include "pnnkit/optics/propagation.hpp"

namespace {

using pnnkit_py::carray;
namespace po = pnnkit::optics;

po::TransferKind parse_kind(const std::string& s) {
    if (s == "asm") return po::TransferKind::asm_exact;
    if (s == "fresnel") return po::TransferKind::fresnel;
    throw std::invalid_argument("method must be 'asm' or 'fresnel', got '" + s + "'");
}

po::Evanescent parse_evanescent(const std::string& s) {
    if (s == "decay") return po::Evanescent::decay;
    if (s == "cut") return po::Evanescent::cut;
    throw std::invalid_argument("evanescent must be 'decay' or 'cut', got '" + s + "'");
}

template <typename T>
py::array_t<std::complex<T>> propagate(const carray<std::complex<T>>& fields, const carray<std::complex<T>>& H,
                                       bool adjoint) {
    pnnkit_py::require_ndim(fields, 3, "fields");
    pnnkit_py::require_ndim(H, 3, "H");
    const auto B = fields.shape(0), ny = fields.shape(1), nx = fields.shape(2);
    if (ny < 1 || nx < 1) throw std::invalid_argument("fields must have ny, nx >= 1");
    if (H.shape(1) < ny || H.shape(2) < nx)
        throw std::invalid_argument("H (padded grid) must be at least as large as the field grid");
    py::array_t<std::complex<T>> out({B, ny, nx});
    const auto* f = fields.data();
    const auto* h = H.data();
    auto* o = out.mutable_data();
    const int nt = pnnkit::get_num_threads();
    // Safe: reads the two input arrays (kept alive by the caller) and writes only `out`.
    py::gil_scoped_release release;
    po::propagate_batch<T>(f, B, ny, nx, h, H.shape(0), H.shape(1), H.shape(2), adjoint, o, nt);
    return out;
}

// The stack as a Python object; holds the stored fields between forward and backward.
template <typename T>
class PyStack {
   public:
    using cT = std::complex<T>;
    PyStack(py::ssize_t ny, py::ssize_t nx, const carray<cT>& H) {
        pnnkit_py::require_ndim(H, 4, "H");
        if (H.shape(0) < 1) throw std::invalid_argument("H needs n_layers + 1 >= 1 transfer functions");
        stack_ = std::make_unique<po::DiffractiveStack<T>>(ny, nx, H.shape(2), H.shape(3), H.shape(0) - 1,
                                                           H.shape(1), H.data());
    }

    void check_t(const carray<cT>& t) const {
        pnnkit_py::require_ndim(t, 4, "transmissions");
        pnnkit_py::require_dim(t, 0, stack_->n_layers(), "transmissions");
        pnnkit_py::require_dim(t, 1, stack_->n_wavelengths(), "transmissions");
        pnnkit_py::require_dim(t, 2, stack_->ny(), "transmissions");
        pnnkit_py::require_dim(t, 3, stack_->nx(), "transmissions");
    }
    void check_fields(const carray<cT>& x, const char* name) const {
        pnnkit_py::require_ndim(x, 3, name);
        pnnkit_py::require_dim(x, 1, stack_->ny(), name);
        pnnkit_py::require_dim(x, 2, stack_->nx(), name);
    }

    py::array_t<cT> forward(const carray<cT>& x, const carray<cT>& t, bool store) {
        check_fields(x, "x");
        check_t(t);
        const auto B = x.shape(0);
        py::array_t<cT> out({B, static_cast<py::ssize_t>(stack_->ny()), static_cast<py::ssize_t>(stack_->nx())});
        const cT* px = x.data();
        const cT* pt = t.data();
        cT* po_ = out.mutable_data();
        const int nt = pnnkit::get_num_threads();
        // Safe: pybind11 keeps x and t alive; `out` and the stack's own buffers are written,
        // and Python cannot call this object concurrently while we hold no GIL only because
        // callers serialise use of one stack (documented on the Python class).
        py::gil_scoped_release release;
        stack_->forward(px, B, pt, po_, store, nt);
        return out;
    }

    py::tuple backward(const carray<cT>& grad_out, bool need_input_grad) {
        check_fields(grad_out, "grad_out");
        const auto B = grad_out.shape(0);
        const auto ny = static_cast<py::ssize_t>(stack_->ny()), nx = static_cast<py::ssize_t>(stack_->nx());
        py::array_t<cT> gx = need_input_grad ? py::array_t<cT>({B, ny, nx}) : py::array_t<cT>({py::ssize_t(0)});
        py::array_t<cT> gt({static_cast<py::ssize_t>(stack_->n_layers()),
                            static_cast<py::ssize_t>(stack_->n_wavelengths()), ny, nx});
        const cT* pg = grad_out.data();
        cT* pgx = need_input_grad ? gx.mutable_data() : nullptr;
        cT* pgt = gt.mutable_data();
        const int nt = pnnkit::get_num_threads();
        {
            // Safe: reads grad_out (alive) and the stack's stored fields; writes only gx, gt.
            py::gil_scoped_release release;
            stack_->backward(pg, B, pgx, pgt, nt);
        }
        return py::make_tuple(need_input_grad ? py::object(gx) : py::object(py::none()), gt);
    }

    py::array_t<cT> adjoint(const carray<cT>& y, const carray<cT>& t) const {
        check_fields(y, "y");
        check_t(t);
        const auto B = y.shape(0);
        py::array_t<cT> out({B, static_cast<py::ssize_t>(stack_->ny()), static_cast<py::ssize_t>(stack_->nx())});
        const cT* py_ = y.data();
        const cT* pt = t.data();
        cT* po_ = out.mutable_data();
        const int nt = pnnkit::get_num_threads();
        // Safe: const method on the stack; reads y, t; writes only `out`.
        py::gil_scoped_release release;
        stack_->adjoint(py_, B, pt, po_, nt);
        return out;
    }

    std::unique_ptr<po::DiffractiveStack<T>> stack_;
};

template <typename T>
void bind_stack(py::module_& m, const char* name) {
    py::class_<PyStack<T>>(m, name,
                           "Fused diffractive stack (masks + angular-spectrum steps) with stored-field vjp.")
        .def(py::init<py::ssize_t, py::ssize_t, const carray<std::complex<T>>&>(), py::arg("ny"), py::arg("nx"),
             py::arg("H"))
        .def("forward", &PyStack<T>::forward, py::arg("x"), py::arg("transmissions"), py::arg("store") = false)
        .def("backward", &PyStack<T>::backward, py::arg("grad_out"), py::arg("need_input_grad") = true)
        .def("adjoint", &PyStack<T>::adjoint, py::arg("y"), py::arg("transmissions"))
        .def_property_readonly("n_layers", [](const PyStack<T>& s) { return s.stack_->n_layers(); })
        .def_property_readonly("n_wavelengths", [](const PyStack<T>& s) { return s.stack_->n_wavelengths(); })
        .def_property_readonly("buffer_bytes", [](const PyStack<T>& s) { return s.stack_->buffer_bytes(); })
        .def_property_readonly("stored_batch", [](const PyStack<T>& s) { return s.stack_->stored_batch(); });
}

carray<std::int64_t> check_regions_arg(const carray<std::int64_t>& regions, py::ssize_t ny, py::ssize_t nx) {
    pnnkit_py::require_ndim(regions, 2, "regions");
    pnnkit_py::require_dim(regions, 1, 4, "regions");
    po::check_regions(regions.data(), regions.shape(0), ny, nx);
    return regions;
}

template <typename T>
py::array_t<T> detect(const carray<std::complex<T>>& fields, const carray<std::int64_t>& regions) {
    pnnkit_py::require_ndim(fields, 3, "fields");
    check_regions_arg(regions, fields.shape(1), fields.shape(2));
    const auto B = fields.shape(0), K = regions.shape(0);
    py::array_t<T> out({B, K});
    const auto* f = fields.data();
    const auto* r = regions.data();
    T* o = out.mutable_data();
    const int nt = pnnkit::get_num_threads();
    // Safe: reads fields/regions, writes only `out`.
    py::gil_scoped_release release;
    po::detect_regions<T>(f, B, fields.shape(1), fields.shape(2), r, K, o, nt);
    return out;
}

template <typename T>
py::array_t<std::complex<T>> detect_vjp(const carray<std::complex<T>>& fields, const carray<std::int64_t>& regions,
                                        const carray<T>& grad_signals) {
    pnnkit_py::require_ndim(fields, 3, "fields");
    check_regions_arg(regions, fields.shape(1), fields.shape(2));
    pnnkit_py::require_ndim(grad_signals, 2, "grad_signals");
    pnnkit_py::require_dim(grad_signals, 0, fields.shape(0), "grad_signals");
    pnnkit_py::require_dim(grad_signals, 1, regions.shape(0), "grad_signals");
    py::array_t<std::complex<T>> out({fields.shape(0), fields.shape(1), fields.shape(2)});
    const auto* f = fields.data();
    const auto* r = regions.data();
    const T* g = grad_signals.data();
    auto* o = out.mutable_data();
    const int nt = pnnkit::get_num_threads();
    // Safe: reads the inputs, writes only `out`.
    py::gil_scoped_release release;
    po::detect_regions_vjp<T>(f, fields.shape(0), fields.shape(1), fields.shape(2), r, regions.shape(0), g, o, nt);
    return out;
}

template <typename T>
py::array_t<T> detector_noise(const carray<T>& signals, double read_std, double shot_factor, std::uint64_t seed,
                              std::uint64_t counter) {
    py::array_t<T> out(std::vector<py::ssize_t>(signals.shape(), signals.shape() + signals.ndim()));
    std::copy(signals.data(), signals.data() + signals.size(), out.mutable_data());
    T* o = out.mutable_data();
    const auto n = out.size();
    const int nt = pnnkit::get_num_threads();
    // Safe: writes only `out`, a fresh array.
    py::gil_scoped_release release;
    po::add_detector_noise<T>(o, n, read_std, shot_factor, seed, counter, nt);
    return out;
}

template <typename T>
py::array_t<std::complex<T>> phase_transmissions(const carray<double>& phase, const carray<double>& scales) {
    pnnkit_py::require_ndim(phase, 3, "phase");
    pnnkit_py::require_ndim(scales, 1, "scales");
    const auto L = phase.shape(0), W = scales.shape(0), ny = phase.shape(1), nx = phase.shape(2);
    py::array_t<std::complex<T>> out({L, W, ny, nx});
    const double* ph = phase.data();
    const double* sc = scales.data();
    auto* o = out.mutable_data();
    const int nt = pnnkit::get_num_threads();
    // Safe: reads phase/scales, writes only `out`, a fresh array.
    py::gil_scoped_release release;
    po::phase_transmissions<T>(ph, L, ny * nx, sc, W, o, nt);
    return out;
}

}  // namespace

void register_optics(py::module_& m) {
    m.def(
        "optics_transfer_function",
        [](py::ssize_t py_, py::ssize_t px, double pitch_y_m, double pitch_x_m, double wavelength_m,
           double distance_m, const std::string& method, bool band_limit, const std::string& evanescent) {
            po::TransferSpec s;
            s.py = py_;
            s.px = px;
            s.pitch_y_m = pitch_y_m;
            s.pitch_x_m = pitch_x_m;
            s.wavelength_m = wavelength_m;
            s.distance_m = distance_m;
            s.kind = parse_kind(method);
            s.band_limit = band_limit;
            s.evanescent = parse_evanescent(evanescent);
            po::check_transfer_spec(s);
            py::array_t<std::complex<double>> out({py_, px});
            auto* o = out.mutable_data();
            {
                // Safe: pure computation into the fresh array `out`.
                py::gil_scoped_release release;
                const auto H = po::transfer_function(s);
                std::copy(H.begin(), H.end(), o);
            }
            return out;
        },
        py::arg("py"), py::arg("px"), py::arg("pitch_y_m"), py::arg("pitch_x_m"), py::arg("wavelength_m"),
        py::arg("distance_m"), py::arg("method") = "asm", py::arg("band_limit") = true,
        py::arg("evanescent") = "decay",
        "Transfer function H (py, px) in FFT order, complex128: 'asm' (exact Rayleigh-Sommerfeld) or 'fresnel'.");
    m.def("optics_band_limit_frequency", &po::band_limit_frequency, py::arg("wavelength_m"), py::arg("distance_m"),
          py::arg("n"), py::arg("pitch_m"), "Matsushima-Shimobaba band-limit frequency (cycles/m).");
    m.def("optics_kernel_isa", &po::optics_kernel_isa,
          "SIMD copy of the propagation/stack kernels in use: 'generic', 'avx2' or 'avx512' (default: the widest "
          "the CPU runs; PNNKIT_OPTICS_ISA=generic|avx2|avx512 chooses at start-up).");
    m.def(
        "optics_set_kernel_isa", [](const std::string& isa) { po::set_optics_kernel_isa(isa); }, py::arg("isa"),
        "Force the propagation/stack kernels' copy: 'auto', 'generic', 'avx2' or 'avx512' (ValueError if this CPU "
        "or build lacks it). Not thread-safe against calls running in other threads.");
    m.def("optics_kernel_isas", &po::optics_kernel_isas, "The kernel copies this CPU and build can run.");
    m.def("optics_propagate", &propagate<float>, py::arg("fields"), py::arg("H"), py::arg("adjoint") = false);
    m.def("optics_propagate", &propagate<double>, py::arg("fields"), py::arg("H"), py::arg("adjoint") = false,
          "Batched angular-spectrum step: crop(IFFT2(H[b % n_h] * FFT2(pad(fields[b])))); conj(H) if adjoint.");
    bind_stack<float>(m, "DiffractiveStack64");
    bind_stack<double>(m, "DiffractiveStack128");
    m.def(
        "optics_phase_transmissions",
        [](const carray<double>& phase, const carray<double>& scales, bool complex128) -> py::array {
            if (complex128) return phase_transmissions<double>(phase, scales);
            return phase_transmissions<float>(phase, scales);
        },
        py::arg("phase"), py::arg("scales"), py::arg("complex128") = false,
        "Phase-mask transmissions exp(i * scales[w] * phase[l]): phase (L, ny, nx) rad, scales (W,) -> "
        "(L, W, ny, nx) complex64 (complex128 if asked); the angle and cos/sin in double precision.");
    m.def("optics_detect", &detect<float>, py::arg("fields"), py::arg("regions"));
    m.def("optics_detect", &detect<double>, py::arg("fields"), py::arg("regions"),
          "Integrated intensity over rectangular regions (y0, x0, h, w): (batch, n_regions).");
    m.def("optics_detect_vjp", &detect_vjp<float>, py::arg("fields"), py::arg("regions"), py::arg("grad_signals"));
    m.def("optics_detect_vjp", &detect_vjp<double>, py::arg("fields"), py::arg("regions"), py::arg("grad_signals"));
    m.def("optics_detector_noise", &detector_noise<float>, py::arg("signals"), py::arg("read_std"),
          py::arg("shot_factor"), py::arg("seed"), py::arg("counter"));
    m.def("optics_detector_noise", &detector_noise<double>, py::arg("signals"), py::arg("read_std"),
          py::arg("shot_factor"), py::arg("seed"), py::arg("counter"),
          "Camera noise: S + read_std*n1 + sqrt(shot_factor*max(S,0))*n2, Philox-seeded at (seed, counter+i).");
}
