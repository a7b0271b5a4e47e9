// The pulsed-update row kernels for the compiler's default instruction set (always available),
// and the run-time choice between the instruction-set copies.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "pnnkit/common/rng.hpp"
#include "pulsed_kernels.hpp"
#include "pulsed_normal.hpp"

#define PNNKIT_PULSE_NS isa_generic
#include "pulsed_kernel_impl.hpp"
#include "pulsed_kernel_f32_impl.hpp"

namespace pnnkit {
namespace crossbar {
namespace detail {
namespace {
constexpr PulseKernels kGenericKernels = isa_generic::make_kernels("generic");

bool cpu_has(const char* isa) {
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
    // __builtin_cpu_supports also checks that the OS saves the wide registers.
    if (std::strcmp(isa, "avx512") == 0)
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
               __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    if (std::strcmp(isa, "avx2") == 0) return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
    return std::strcmp(isa, "generic") == 0;
}
}  // namespace

const PulseKernels& pulse_kernels_generic() { return kGenericKernels; }

const PulseKernels* pulse_kernels_named(const char* isa) {
    if (!cpu_has(isa)) return nullptr;
    if (std::strcmp(isa, "avx512") == 0) return pulse_kernels_avx512();
    if (std::strcmp(isa, "avx2") == 0) return pulse_kernels_avx2();
    return &pulse_kernels_generic();
}

// The widest available set; PNNKIT_PULSE_ISA=avx2|generic|avx512 overrides (for measuring).
const PulseKernels& pulse_kernels() {
    static const PulseKernels* chosen = [] {
        const char* env = std::getenv("PNNKIT_PULSE_ISA");
        if (env != nullptr && *env != '\0') {
            if (const PulseKernels* k = pulse_kernels_named(env)) return k;
        }
        for (const char* isa : {"avx512", "avx2"})
            if (const PulseKernels* k = pulse_kernels_named(isa)) return k;
        return &pulse_kernels_generic();
    }();
    return *chosen;
}

}  // namespace detail
}  // namespace crossbar
}  // namespace pnnkit
