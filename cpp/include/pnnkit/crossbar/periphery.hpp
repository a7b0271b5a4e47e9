// Periphery of an analog crossbar read (DAC, ADC, noise, bounds), in IBM aihwkit's terms.
//
// A read of a tile computes y = W x (forward) or d = W^T g (backward, transposed read)
// in normalised units: weights are divided by the tile's weight scale `w_scale` (max|W|
// maps to the maximal conductance), inputs are scaled by the noise management into
// [-inp_bound, inp_bound]. In these units the defaults below are aihwkit's.
#pragma once
#include <cstdint>

namespace pnnkit {
namespace crossbar {

// How inputs are scaled before the DAC (undone digitally after the ADC).
enum class NoiseManagement : int {
    None = 0,    // inputs are used as they are (clipped at inp_bound)
    AbsMax = 1,  // each input row is divided by its max|x| (aihwkit ABS_MAX)
};

// What happens when an output hits out_bound.
enum class BoundManagement : int {
    None = 0,       // outputs saturate
    Iterative = 1,  // halve the input scale and read again, up to max_bm_factor (aihwkit ITERATIVE)
};

// Parameters of one read direction (forward or backward); all dimensionless.
struct IOParams {
    bool is_perfect = false;         // ideal y = W x: no quantization, noise, bounds or IR drop
    float inp_res = 1.0f / 126.0f;   // DAC step as a fraction of the input range 2*inp_bound (0: no DAC)
    float inp_bound = 1.0f;          // inputs clipped to [-inp_bound, inp_bound]
    float out_res = 1.0f / 510.0f;   // ADC step as a fraction of the output range 2*out_bound (0: no ADC)
    float out_bound = 12.0f;         // outputs clipped to [-out_bound, out_bound] (0: unbounded)
    float out_noise = 0.06f;         // std of additive Gaussian output noise
    float w_noise = 0.0f;            // std of per-read additive weight noise (relative to w_scale)
    float ir_drop = 0.0f;            // first-order IR-drop scale (see tile.hpp), 0: off
    NoiseManagement noise_management = NoiseManagement::AbsMax;
    BoundManagement bound_management = BoundManagement::Iterative;
    float max_bm_factor = 1000.0f;   // largest input down-scaling factor of bound management
};

// Splitting of a large weight matrix into physical tiles whose digital partial sums add.
struct TileSplit {
    std::int64_t max_input_size = 512;   // rows of one physical array (inputs of the forward read)
    std::int64_t max_output_size = 512;  // columns of one physical array (outputs of the forward read)
};

// What a batched read did (for query accounting).
struct ReadStats {
    std::int64_t reads = 0;            // analog MVMs, one per (batch row, physical tile), re-reads included
    std::int64_t bm_rereads = 0;       // additional reads triggered by bound management
    std::int64_t clipped_outputs = 0;  // outputs still saturated after bound management
};

// Throws std::invalid_argument naming the field when a parameter is out of range.
void validate(const IOParams& io, const char* which);
void validate(const TileSplit& split);

}  // namespace crossbar
}  // namespace pnnkit
