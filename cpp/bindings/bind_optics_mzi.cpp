// Bindings of the MZI meshes (pnnkit/optics/mzi_mesh.hpp) and the electro-optic activation.
// Fields are (batch, n_modes) complex64 (default) or complex128 arrays; phases are float64.
#include "pybind_common.hpp"

#include <complex>
#include <optional>

#include "pnnkit/common/threads.hpp"
#include "pnnkit/optics/mesh_activation.hpp"
#include "pnnkit/optics/mzi_mesh.hpp"

namespace {

using namespace pnnkit::optics;
using pnnkit_py::carray;

// 8 -> complex64, 16 -> complex128; TypeError for anything else.
int complex_width(const py::array& a, const char* name) {
    if (a.dtype().kind() != 'c' || (a.itemsize() != 8 && a.itemsize() != 16))
        throw py::type_error(std::string(name) + " must be complex64 or complex128, got " +
                             py::str(a.dtype()).cast<std::string>());
    return static_cast<int>(a.itemsize());
}

carray<double> phases(const py::object& obj, py::ssize_t n, const char* name, const char* what) {
    carray<double> a = carray<double>::ensure(obj);
    if (!a) throw py::type_error(std::string(name) + " must be a float array");
    pnnkit_py::require_ndim(a, 1, name);
    if (a.shape(0) != n) {
        std::ostringstream os;
        os << name << " has " << a.shape(0) << " entries but the mesh has " << n << " " << what;
        throw std::invalid_argument(os.str());
    }
    return a;
}

struct MeshArgs {
    MeshGeometry geom;
    carray<double> theta, phi;
    std::optional<carray<double>> delta;
    const double* delta_ptr() const { return delta ? delta->data() : nullptr; }
};

MeshArgs mesh_args(int n_modes, const std::string& layout, const py::object& theta, const py::object& phi,
                   const py::object& delta) {
    MeshArgs a;
    a.geom = make_mesh_geometry(n_modes, parse_mesh_layout(layout));
    const py::ssize_t K = a.geom.n_mzi();
    a.theta = phases(theta, K, "theta", "MZIs");
    a.phi = phases(phi, K, "phi", "MZIs");
    if (!delta.is_none()) a.delta = phases(delta, n_modes, "delta", "output phase shifters");
    return a;
}

const MziNonideality* ni_ptr(const std::optional<MziNonideality>& ni) {
    return ni && !ni->ideal() ? &*ni : nullptr;
}

template <typename Real>
py::array forward_impl(const py::array& x_in, const MeshArgs& a, const MziNonideality* ni) {
    carray<std::complex<Real>> x = carray<std::complex<Real>>::ensure(x_in);
    carray<std::complex<Real>> y({x.shape(0), x.shape(1)});
    const std::complex<Real>* xp = x.data();
    std::complex<Real>* yp = y.mutable_data();
    const std::int64_t batch = x.shape(0);
    const int nt = pnnkit::get_num_threads();
    // Safe: reads x and the phase arrays (kept alive by this frame), writes only the new y.
    py::gil_scoped_release release;
    mesh_forward<Real>(a.geom, a.theta.data(), a.phi.data(), a.delta_ptr(), ni, xp, yp, batch, nt);
    return std::move(y);
}

template <typename Real>
py::tuple grad_impl(bool insitu, const py::array& x_in, const py::array& gy_in, const MeshArgs& a,
                    const MziNonideality* ni, double detector_noise, std::uint64_t noise_seed,
                    std::uint64_t noise_offset, bool conjugate_reference) {
    carray<std::complex<Real>> x = carray<std::complex<Real>>::ensure(x_in);
    carray<std::complex<Real>> gy = carray<std::complex<Real>>::ensure(gy_in);
    carray<std::complex<Real>> gx({x.shape(0), x.shape(1)});
    const py::ssize_t K = a.geom.n_mzi(), N = a.geom.n_modes;
    py::array_t<double> gt(K), gp(K), gd(N);
    const std::int64_t batch = x.shape(0);
    const int nt = pnnkit::get_num_threads();
    {
        // Safe: reads x, grad_y and phases (alive in this frame), writes only freshly created arrays.
        py::gil_scoped_release release;
        if (insitu)
            mesh_insitu_gradient<Real>(a.geom, a.theta.data(), a.phi.data(), a.delta_ptr(), ni, x.data(), gy.data(),
                                       detector_noise, noise_seed, noise_offset, conjugate_reference,
                                       gx.mutable_data(),
                                       gt.mutable_data(), gp.mutable_data(), gd.mutable_data(), batch, nt);
        else
            mesh_vjp<Real>(a.geom, a.theta.data(), a.phi.data(), a.delta_ptr(), ni, x.data(), gy.data(),
                           gx.mutable_data(), gt.mutable_data(), gp.mutable_data(), gd.mutable_data(), batch, nt);
    }
    py::object gdo = a.delta ? py::object(gd) : py::object(py::none());
    return py::make_tuple(gx, gt, gp, gdo);
}

void check_fields(const py::array& x, const char* name) {
    pnnkit_py::require_ndim(x, 2, name);
    if (x.shape(1) < 1) throw std::invalid_argument(std::string(name) + " must have at least one mode (axis 1)");
}

py::array act_impl(const py::array& z_in, const py::object& gf_obj, const EoActivation& p) {
    const int w = complex_width(z_in, "z");
    const bool vjp = !gf_obj.is_none();
    py::array gf_in;
    if (vjp) {
        gf_in = py::array::ensure(gf_obj);
        if (!gf_in) throw py::type_error("grad_f must be an array");
        complex_width(gf_in, "grad_f");
        if (gf_in.ndim() != z_in.ndim() ||
            !std::equal(z_in.shape(), z_in.shape() + z_in.ndim(), gf_in.shape()))
            throw std::invalid_argument("grad_f must have the shape of z");
    }
    const int nt = pnnkit::get_num_threads();
    auto run = [&](auto tag) -> py::array {
        using Real = decltype(tag);
        using C = std::complex<Real>;
        carray<C> z = carray<C>::ensure(z_in);
        std::vector<py::ssize_t> shape(z.shape(), z.shape() + z.ndim());
        carray<C> out(shape);
        const std::int64_t n = z.size();
        if (vjp) {
            carray<C> gf = carray<C>::ensure(gf_in);
            // Safe: reads z and grad_f, writes only the new output array.
            py::gil_scoped_release release;
            eo_activation_vjp<Real>(p, z.data(), gf.data(), out.mutable_data(), n, nt);
        } else {
            // Safe: reads z, writes only the new output array.
            py::gil_scoped_release release;
            eo_activation_forward<Real>(p, z.data(), out.mutable_data(), n, nt);
        }
        return std::move(out);
    };
    return w == 8 ? run(float{}) : run(double{});
}

}  // namespace

void register_optics_mzi(py::module_& m) {
    py::class_<MziNonideality>(m, "MziNonideality",
                               "Seeded non-idealities of a fabricated MZI mesh (one seed is one chip).")
        .def(py::init([](double splitter_error_std_rad, double loss_db_per_mzi, int phase_bits, double crosstalk,
                         std::uint64_t seed) {
                 MziNonideality ni{splitter_error_std_rad, loss_db_per_mzi, phase_bits, crosstalk, seed};
                 // Validate eagerly so the error names the argument at construction.
                 MeshGeometry g = make_mesh_geometry(2, MeshLayout::clements);
                 coupler_angles(g, ni);
                 return ni;
             }),
             py::arg("splitter_error_std_rad") = 0.0, py::arg("loss_db_per_mzi") = 0.0, py::arg("phase_bits") = 0,
             py::arg("crosstalk") = 0.0, py::arg("seed") = 0)
        .def_readonly("splitter_error_std_rad", &MziNonideality::splitter_error_std_rad)
        .def_readonly("loss_db_per_mzi", &MziNonideality::loss_db_per_mzi)
        .def_readonly("phase_bits", &MziNonideality::phase_bits)
        .def_readonly("crosstalk", &MziNonideality::crosstalk)
        .def_readonly("seed", &MziNonideality::seed)
        .def("ideal", &MziNonideality::ideal);

    m.def(
        "mzi_geometry",
        [](int n_modes, const std::string& layout) {
            const MeshGeometry g = make_mesh_geometry(n_modes, parse_mesh_layout(layout));
            py::dict d;
            d["top"] = py::array_t<int>(g.top.size(), g.top.data());
            d["column"] = py::array_t<int>(g.column.size(), g.column.data());
            d["neighbor_lo"] = py::array_t<int>(g.neighbor_lo.size(), g.neighbor_lo.data());
            d["neighbor_hi"] = py::array_t<int>(g.neighbor_hi.size(), g.neighbor_hi.data());
            d["n_columns"] = g.n_columns;
            return d;
        },
        py::arg("n_modes"), py::arg("layout") = "clements",
        "Mesh layout: top mode, column and same-column neighbours of every MZI (application order).");

    m.def(
        "mzi_forward",
        [](const py::array& x, const py::object& theta, const py::object& phi, const py::object& delta,
           const std::string& layout, const std::optional<MziNonideality>& nonideal) -> py::array {
            const int w = complex_width(x, "x");
            check_fields(x, "x");
            const MeshArgs a = mesh_args(static_cast<int>(x.shape(1)), layout, theta, phi, delta);
            return w == 8 ? forward_impl<float>(x, a, ni_ptr(nonideal)) : forward_impl<double>(x, a, ni_ptr(nonideal));
        },
        py::arg("x"), py::arg("theta"), py::arg("phi"), py::arg("delta") = py::none(), py::arg("layout") = "clements",
        py::arg("nonideal") = py::none(),
        "y = U x for each row of x (batch, n_modes); nonideal=None is the ideal twin.");

    auto grad_fn = [](bool insitu) {
        return [insitu](const py::array& x, const py::array& grad_y, const py::object& theta, const py::object& phi,
                        const py::object& delta, const std::string& layout,
                        const std::optional<MziNonideality>& nonideal, double detector_noise,
                        std::uint64_t noise_seed, std::uint64_t noise_offset,
                        bool conjugate_reference) -> py::tuple {
            const int w = complex_width(x, "x");
            const int wg = complex_width(grad_y, "grad_y");
            if (w != wg) throw py::type_error("x and grad_y must have the same dtype");
            check_fields(x, "x");
            pnnkit_py::require_ndim(grad_y, 2, "grad_y");
            pnnkit_py::require_dim(grad_y, 0, x.shape(0), "grad_y");
            pnnkit_py::require_dim(grad_y, 1, x.shape(1), "grad_y");
            const MeshArgs a = mesh_args(static_cast<int>(x.shape(1)), layout, theta, phi, delta);
            const MziNonideality* ni = ni_ptr(nonideal);
            return w == 8 ? grad_impl<float>(insitu, x, grad_y, a, ni, detector_noise, noise_seed, noise_offset,
                                             conjugate_reference)
                          : grad_impl<double>(insitu, x, grad_y, a, ni, detector_noise, noise_seed, noise_offset,
                                              conjugate_reference);
        };
    };
    m.def("mzi_vjp", grad_fn(false), py::arg("x"), py::arg("grad_y"), py::arg("theta"), py::arg("phi"),
          py::arg("delta") = py::none(), py::arg("layout") = "clements", py::arg("nonideal") = py::none(),
          py::arg("detector_noise") = 0.0, py::arg("noise_seed") = 0, py::arg("noise_offset") = 0,
          py::arg("conjugate_reference") = false,
          "Exact vjp of mzi_forward: (grad_x, grad_theta, grad_phi, grad_delta or None); phase gradients are "
          "batch sums w.r.t. the set phases. detector_noise/noise_*/conjugate_reference are ignored.");
    m.def("mzi_insitu_gradient", grad_fn(true), py::arg("x"), py::arg("grad_y"), py::arg("theta"), py::arg("phi"),
          py::arg("delta") = py::none(), py::arg("layout") = "clements", py::arg("nonideal") = py::none(),
          py::arg("detector_noise") = 0.0, py::arg("noise_seed") = 0, py::arg("noise_offset") = 0,
          py::arg("conjugate_reference") = false,
          "In-situ gradient (Hughes et al. 2018) from forward, adjoint and interference intensity readings at "
          "every phase shifter of the physical mesh: (grad_x, grad_theta, grad_phi, grad_delta or None). "
          "conjugate_reference adds a 4th pass (the conjugated adjoint alone) that removes the loss bias.");

    m.def(
        "mzi_decompose",
        [](const py::array& u_in, const std::string& layout, double tol) {
            carray<std::complex<double>> u = carray<std::complex<double>>::ensure(u_in);
            if (!u) throw py::type_error("u must be a complex array");
            pnnkit_py::require_ndim(u, 2, "u");
            if (u.shape(0) != u.shape(1)) throw std::invalid_argument("u must be square");
            const MeshGeometry g = make_mesh_geometry(static_cast<int>(u.shape(0)), parse_mesh_layout(layout));
            py::array_t<double> th(g.n_mzi()), ph(g.n_mzi()), de(g.n_modes);
            mesh_decompose(g, u.data(), th.mutable_data(), ph.mutable_data(), de.mutable_data(), tol);
            return py::make_tuple(th, ph, de);
        },
        py::arg("u"), py::arg("layout") = "clements", py::arg("tol") = 1e-8,
        "Phases (theta, phi, delta) of a mesh whose ideal transfer matrix is the unitary u.");

    m.def(
        "mzi_effective_phases",
        [](int n_modes, const std::string& layout, const py::object& theta, const py::object& phi,
           const py::object& delta, const MziNonideality& nonideal) {
            const MeshArgs a = mesh_args(n_modes, layout, theta, phi, delta);
            const py::ssize_t K = a.geom.n_mzi();
            py::array_t<double> te(K), pe(K), de(n_modes);
            effective_phases(a.geom, nonideal, a.theta.data(), a.phi.data(), a.delta_ptr(), te.mutable_data(),
                             pe.mutable_data(), de.mutable_data());
            py::object dout = a.delta ? py::object(de) : py::object(py::none());
            return py::make_tuple(te, pe, dout);
        },
        py::arg("n_modes"), py::arg("layout"), py::arg("theta"), py::arg("phi"), py::arg("delta"),
        py::arg("nonideal"), "Phases the physical mesh applies (quantization, then thermal crosstalk).");
    m.def(
        "mzi_coupler_angles",
        [](int n_modes, const std::string& layout, const MziNonideality& nonideal) {
            const MeshGeometry g = make_mesh_geometry(n_modes, parse_mesh_layout(layout));
            const std::vector<double> b = coupler_angles(g, nonideal);
            return py::array_t<double>(b.size(), b.data());
        },
        py::arg("n_modes"), py::arg("layout"), py::arg("nonideal"),
        "Coupler angles beta (rad; pi/4 = 50:50), two per MZI, of the seeded chip.");

    m.def(
        "eo_activation",
        [](const py::array& z, double alpha, double g_phi, double phi_b) {
            return act_impl(z, py::none(), EoActivation{alpha, g_phi, phi_b});
        },
        py::arg("z"), py::arg("alpha") = 0.1, py::arg("g_phi") = 0.05 * 3.14159265358979323846,
        py::arg("phi_b") = 3.14159265358979323846,
        "Electro-optic activation of Williamson et al. 2020, elementwise on complex z.");
    m.def(
        "eo_activation_vjp",
        [](const py::array& z, const py::array& grad_f, double alpha, double g_phi, double phi_b) {
            return act_impl(z, grad_f, EoActivation{alpha, g_phi, phi_b});
        },
        py::arg("z"), py::arg("grad_f"), py::arg("alpha") = 0.1, py::arg("g_phi") = 0.05 * 3.14159265358979323846,
        py::arg("phi_b") = 3.14159265358979323846, "vjp of eo_activation (real-loss complex gradient convention).");
}
