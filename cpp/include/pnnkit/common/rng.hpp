// Counter-based random numbers (Philox4x32-10, Salmon et al. SC'11).
//
// Every random number is a pure function of (seed, stream, counter), so a kernel
// that derives the counter from the element index gives the same result whatever
// the number of threads and the order in which they run. Streams separate the
// independent noise sources of one object (e.g. output noise vs weight noise).
#pragma once
#include <array>
#include <cmath>
#include <cstdint>

namespace pnnkit {

struct Philox4x32 {
    static constexpr std::uint32_t M0 = 0xD2511F53u, M1 = 0xCD9E8D57u;
    static constexpr std::uint32_t W0 = 0x9E3779B9u, W1 = 0xBB67AE85u;

    static inline void mulhilo(std::uint32_t a, std::uint32_t b, std::uint32_t& hi, std::uint32_t& lo) {
        const std::uint64_t p = static_cast<std::uint64_t>(a) * b;
        hi = static_cast<std::uint32_t>(p >> 32);
        lo = static_cast<std::uint32_t>(p);
    }

    // 10 rounds on counter c with key k.
    static inline std::array<std::uint32_t, 4> generate(std::array<std::uint32_t, 4> c,
                                                        std::array<std::uint32_t, 2> k) {
        for (int r = 0; r < 10; ++r) {
            std::uint32_t hi0, lo0, hi1, lo1;
            mulhilo(M0, c[0], hi0, lo0);
            mulhilo(M1, c[2], hi1, lo1);
            c = {hi1 ^ c[1] ^ k[0], lo1, hi0 ^ c[3] ^ k[1], lo0};
            k[0] += W0;
            k[1] += W1;
        }
        return c;
    }
};

// A keyed generator: (seed, stream) is the key/high counter, index the low counter.
class CounterRng {
   public:
    CounterRng(std::uint64_t seed, std::uint64_t stream) : seed_(seed), stream_(stream) {}

    // Four independent 32-bit words for counter `index`.
    inline std::array<std::uint32_t, 4> bits(std::uint64_t index) const {
        const std::array<std::uint32_t, 4> ctr = {static_cast<std::uint32_t>(index),
                                                  static_cast<std::uint32_t>(index >> 32),
                                                  static_cast<std::uint32_t>(stream_),
                                                  static_cast<std::uint32_t>(stream_ >> 32)};
        const std::array<std::uint32_t, 2> key = {static_cast<std::uint32_t>(seed_),
                                                  static_cast<std::uint32_t>(seed_ >> 32)};
        return Philox4x32::generate(ctr, key);
    }

    // Uniform in the open interval (0, 1) from one 32-bit word (never 0, never 1).
    static inline double to_open01(std::uint32_t w) { return (static_cast<double>(w) + 0.5) * (1.0 / 4294967296.0); }

    // Four uniforms in (0, 1) for counter `index`.
    inline std::array<double, 4> uniform4(std::uint64_t index) const {
        const auto b = bits(index);
        return {to_open01(b[0]), to_open01(b[1]), to_open01(b[2]), to_open01(b[3])};
    }

    // Four standard normals for counter `index` (two Box-Muller pairs).
    inline std::array<double, 4> normal4(std::uint64_t index) const {
        const auto u = uniform4(index);
        constexpr double two_pi = 6.283185307179586476925286766559;
        const double r0 = std::sqrt(-2.0 * std::log(u[0]));
        const double r1 = std::sqrt(-2.0 * std::log(u[2]));
        return {r0 * std::cos(two_pi * u[1]), r0 * std::sin(two_pi * u[1]),
                r1 * std::cos(two_pi * u[3]), r1 * std::sin(two_pi * u[3])};
    }

    // One standard normal for element `i` (uses counter i/4, lane i%4).
    inline double normal(std::uint64_t i) const { return normal4(i >> 2)[i & 3u]; }
    // One uniform in (0,1) for element `i`.
    inline double uniform(std::uint64_t i) const { return uniform4(i >> 2)[i & 3u]; }

    std::uint64_t seed() const { return seed_; }
    std::uint64_t stream() const { return stream_; }

   private:
    std::uint64_t seed_;
    std::uint64_t stream_;
};

// Fill out[0..n) with standard normals, element i from counter i (thread-count independent).
void fill_normal(const CounterRng& rng, double* out, std::int64_t n);
void fill_normal(const CounterRng& rng, float* out, std::int64_t n);
void fill_uniform(const CounterRng& rng, double* out, std::int64_t n);

}  // namespace pnnkit
