// Included first by every binding file: pybind11 headers and array helpers that
// validate shape/dtype at the boundary with messages naming the argument.
#pragma once
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace py = pybind11;

namespace pnnkit_py {

template <typename T>
using carray = py::array_t<T, py::array::c_style | py::array::forcecast>;

// Throw ValueError unless `a` has exactly `ndim` dimensions.
inline void require_ndim(const py::array& a, int ndim, const char* name) {
    if (a.ndim() != ndim) {
        std::ostringstream os;
        os << name << " must be a " << ndim << "-D array, got " << a.ndim() << "-D";
        throw std::invalid_argument(os.str());
    }
}

// Throw ValueError unless dimension `axis` of `a` equals `expected`.
inline void require_dim(const py::array& a, int axis, py::ssize_t expected, const char* name) {
    if (a.shape(axis) != expected) {
        std::ostringstream os;
        os << name << " has size " << a.shape(axis) << " along axis " << axis << ", expected " << expected;
        throw std::invalid_argument(os.str());
    }
}

// Throw ValueError if the array has zero elements.
inline void require_nonempty(const py::array& a, const char* name) {
    if (a.size() == 0) throw std::invalid_argument(std::string(name) + " must not be empty");
}

}  // namespace pnnkit_py

