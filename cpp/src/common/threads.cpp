#include "pnnkit/common/threads.hpp"

#include <atomic>

#include "pnnkit/common/error.hpp"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace pnnkit {

namespace {
int initial_threads() {
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}
std::atomic<int> g_num_threads{initial_threads()};
}  // namespace

void set_num_threads(int n) {
    PNNKIT_CHECK(n >= 1, "num_threads must be >= 1, got " << n);
#ifdef _OPENMP
    g_num_threads = n;
#else
    g_num_threads = 1;
#endif
}

int get_num_threads() { return g_num_threads.load(); }

bool has_openmp() {
#ifdef _OPENMP
    return true;
#else
    return false;
#endif
}

}  // namespace pnnkit
