// The pybind11 module pnnkit._core: only registers. Each bind_<substrate>[_<area>].cpp
// defines register_<substrate>[_<area>](m); CMake generates the list of calls.
#include "pybind_common.hpp"

#include "pnnkit_registry.inc"

#ifndef PNNKIT_VERSION
#define PNNKIT_VERSION "dev"
#endif

PYBIND11_MODULE(_core, m) {
    m.doc() = "pnnkit native core (C++17, OpenMP)";
    m.attr("__version__") = PNNKIT_VERSION;
    py::list substrates;
    pnnkit_register_all(m, substrates);
    m.attr("compiled_substrates") = substrates;
}
