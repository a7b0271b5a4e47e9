// Error reporting for the pnnkit core: a check macro that records file and line.
// The core throws std::invalid_argument for bad arguments and std::domain_error for
// numerical failures (NaN, non-convergence); pybind11 maps them to ValueError.
#pragma once
#include <sstream>
#include <stdexcept>
#include <string>

namespace pnnkit {

[[noreturn]] inline void fail_invalid(const char* file, int line, const std::string& msg) {
    std::ostringstream os;
    os << msg << " [" << file << ":" << line << "]";
    throw std::invalid_argument(os.str());
}

[[noreturn]] inline void fail_domain(const char* file, int line, const std::string& msg) {
    std::ostringstream os;
    os << msg << " [" << file << ":" << line << "]";
    throw std::domain_error(os.str());
}

}  // namespace pnnkit

// PNNKIT_CHECK(cond, stream-expression): throw std::invalid_argument naming the problem.
#define PNNKIT_CHECK(cond, msg)                                            \
    do {                                                                   \
        if (!(cond)) {                                                     \
            std::ostringstream pnnkit_os_;                                 \
            pnnkit_os_ << msg;                                             \
            ::pnnkit::fail_invalid(__FILE__, __LINE__, pnnkit_os_.str());  \
        }                                                                  \
    } while (0)

// PNNKIT_CHECK_NUMERIC(cond, msg): throw std::domain_error (NaN, divergence).
#define PNNKIT_CHECK_NUMERIC(cond, msg)                                    \
    do {                                                                   \
        if (!(cond)) {                                                     \
            std::ostringstream pnnkit_os_;                                 \
            pnnkit_os_ << msg;                                             \
            ::pnnkit::fail_domain(__FILE__, __LINE__, pnnkit_os_.str());   \
        }                                                                  \
    } while (0)
