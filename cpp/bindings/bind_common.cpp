// Bindings of the common infrastructure: thread control and the counter-based RNG.
#include "pybind_common.hpp"

#include "pnnkit/common/rng.hpp"
#include "pnnkit/common/threads.hpp"

void register_common(py::module_& m) {
    m.def("set_num_threads", &pnnkit::set_num_threads, py::arg("n"),
          "Set the number of OpenMP threads used by pnnkit kernels (n >= 1).");
    m.def("get_num_threads", &pnnkit::get_num_threads, "Number of threads pnnkit kernels use.");
    m.def("has_openmp", &pnnkit::has_openmp, "True when the core was compiled with OpenMP.");
    m.def(
        "philox4x32",
        [](std::array<std::uint32_t, 4> counter, std::array<std::uint32_t, 2> key) {
            return pnnkit::Philox4x32::generate(counter, key);
        },
        py::arg("counter"), py::arg("key"),
        "Raw Philox4x32-10 block (for known-answer tests against Random123's vectors).");
    m.def(
        "philox_normal",
        [](std::uint64_t seed, std::uint64_t stream, py::ssize_t n) {
            if (n < 0) throw std::invalid_argument("n must be >= 0");
            py::array_t<double> out(n);
            double* p = out.mutable_data();
            // Safe: writes only to `out`, which no other Python thread can see yet.
            py::gil_scoped_release release;
            pnnkit::fill_normal(pnnkit::CounterRng(seed, stream), p, n);
            return out;
        },
        py::arg("seed"), py::arg("stream"), py::arg("n"),
        "n standard normals from Philox4x32-10 keyed by (seed, stream); element i uses counter i.");
    m.def(
        "philox_uniform",
        [](std::uint64_t seed, std::uint64_t stream, py::ssize_t n) {
            if (n < 0) throw std::invalid_argument("n must be >= 0");
            py::array_t<double> out(n);
            double* p = out.mutable_data();
            // Safe: writes only to `out`, which no other Python thread can see yet.
            py::gil_scoped_release release;
            pnnkit::fill_uniform(pnnkit::CounterRng(seed, stream), p, n);
            return out;
        },
        py::arg("seed"), py::arg("stream"), py::arg("n"),
        "n uniforms in (0, 1) from Philox4x32-10 keyed by (seed, stream).");
}
