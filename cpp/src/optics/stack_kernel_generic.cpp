// The free-space kernels for the compiler's default instruction set (always available), and the
// run-time choice between the instruction-set copies (stack_kernel_avx2.cpp, _avx512.cpp).
#include <atomic>
#include <string>

#include "pnnkit/common/error.hpp"
#include "pnnkit/optics/propagation.hpp"
#include "stack_kernel_std.hpp"
#include "stack_kernels.hpp"

#define PNNKIT_OPTICS_NS isa_generic
#include "stack_kernel_impl.hpp"

namespace pnnkit::optics {
namespace detail {

const OpticsKernels& optics_kernels_generic() {
    static constexpr OpticsKernels k = isa_generic::make_kernels("generic");
    return k;
}

namespace {

bool cpu_has(const std::string& isa) {
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
    // __builtin_cpu_supports also checks that the OS saves the wide registers.
    if (isa == "avx512")
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    if (isa == "avx2") return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
    return isa == "generic";
}

const OpticsKernels* named(const std::string& isa) {
    if (!cpu_has(isa)) return nullptr;
    if (isa == "avx512") return optics_kernels_avx512();
    if (isa == "avx2") return optics_kernels_avx2();
    return &optics_kernels_generic();
}

// The widest copy the CPU runs. Measured on the D2NN stack (bench/optics.py --only isa, quiet
// 2-core Xeon): AVX-512 13-16% faster than AVX2 at 1 and 2 threads, equal under contention.
const OpticsKernels* best() {
    for (const char* isa : {"avx512", "avx2"})
        if (const OpticsKernels* k = named(isa)) return k;
    return &optics_kernels_generic();
}

std::atomic<const OpticsKernels*>& chosen() {
    static std::atomic<const OpticsKernels*> c{[] {
        const char* env = std::getenv("PNNKIT_OPTICS_ISA");
        if (env != nullptr && *env != '\0' && std::strcmp(env, "auto") != 0) {
            if (const OpticsKernels* k = named(env)) return k;
        }
        return best();
    }()};
    return c;
}

}  // namespace

const OpticsKernels& optics_kernels() { return *chosen().load(std::memory_order_acquire); }

}  // namespace detail

const char* optics_kernel_isa() { return detail::optics_kernels().isa; }

void set_optics_kernel_isa(const std::string& isa) {
    PNNKIT_CHECK(isa == "auto" || isa == "generic" || isa == "avx2" || isa == "avx512",
                 "isa must be 'auto', 'generic', 'avx2' or 'avx512', got '" << isa << "'");
    const detail::OpticsKernels* k = isa == "auto" ? detail::best() : detail::named(isa);
    PNNKIT_CHECK(k != nullptr, "isa '" << isa << "' is not available on this CPU or build");
    detail::chosen().store(k, std::memory_order_release);
}

std::vector<std::string> optics_kernel_isas() {
    std::vector<std::string> out;
    for (const char* isa : {"generic", "avx2", "avx512"})
        if (detail::named(isa)) out.emplace_back(isa);
    return out;
}

}  // namespace pnnkit::optics
