// Scalar free-space propagation of batches of complex fields on an ny x nx grid.
//
// Angular spectrum (ASM) with the exact Rayleigh-Sommerfeld transfer function
//     H(fx, fy) = exp(i 2 pi z sqrt(1/lambda^2 - fx^2 - fy^2))
// (evanescent components decay as exp(-2 pi z sqrt(fx^2 + fy^2 - 1/lambda^2)) or are cut),
// optionally band-limited after Matsushima & Shimobaba (2009):
//     |fx| < 1 / (lambda sqrt((2 dfx z)^2 + 1)),  dfx = 1/(px * pitch)  (same for y),
// and the Fresnel transfer function H = exp(i k z) exp(-i pi lambda z (fx^2 + fy^2)).
// Frequencies are in FFT order on the (possibly zero-padded) py x px grid: padding to
// py >= 2 ny - 1, px >= 2 nx - 1 makes the convolution linear instead of circular.
// Convention: fields carry exp(+i k z) (time dependence exp(-i omega t)).
// The adjoint of a propagation is the same step with conj(H).
#pragma once
#include <complex>
#include <cstdint>
#include <string>
#include <vector>

namespace pnnkit::optics {

enum class TransferKind { asm_exact, fresnel };
enum class Evanescent { decay, cut };

struct TransferSpec {
    std::int64_t py = 0, px = 0;  // padded grid (FFT size)
    double pitch_y_m = 0, pitch_x_m = 0;
    double wavelength_m = 0;
    double distance_m = 0;
    TransferKind kind = TransferKind::asm_exact;
    bool band_limit = true;
    Evanescent evanescent = Evanescent::decay;
};

// Validate a spec (throws std::invalid_argument naming the field).
void check_transfer_spec(const TransferSpec& s);

// H (py x px, FFT order) in double precision.
std::vector<std::complex<double>> transfer_function(const TransferSpec& s);

// Band-limit frequency (cycles/m) along an axis with FFT size n and pitch p.
double band_limit_frequency(double wavelength_m, double distance_m, std::int64_t n, double pitch_m);

// Batched propagation: fields (batch, ny, nx) -> out (batch, ny, nx) (may alias).
// H holds n_h transfer functions (n_h, py, px); sample b uses H[b % n_h] (multi-wavelength
// as a batch axis). conj_h applies the adjoint. OpenMP over the batch, n_threads threads.
template <typename T>
void propagate_batch(const std::complex<T>* fields, std::int64_t batch, std::int64_t ny, std::int64_t nx,
                     const std::complex<T>* H, std::int64_t n_h, std::int64_t py, std::int64_t px, bool conj_h,
                     std::complex<T>* out, int n_threads);

// SIMD copy of the propagation / stack kernels in use: "generic", "avx2" (AVX2+FMA) or "avx512"
// (AVX-512F); the default is the widest the CPU runs. PNNKIT_OPTICS_ISA=generic|avx2|avx512
// chooses at start-up.
const char* optics_kernel_isa();
// Force a copy ("auto" = the default choice); throws if the CPU or build lacks it.
void set_optics_kernel_isa(const std::string& isa);
// The copies this CPU and build can run.
std::vector<std::string> optics_kernel_isas();

}  // namespace pnnkit::optics
