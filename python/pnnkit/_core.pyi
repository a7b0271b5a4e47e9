"""
pnnkit native core (C++17, OpenMP)
"""
from __future__ import annotations
import collections.abc
import numpy
import numpy.typing
import typing
__all__: list[str] = ['BoundManagement', 'CrossbarIOParams', 'CrossbarTileSplit', 'DeviceParams', 'DiffractiveStack128', 'DiffractiveStack64', 'DiodeNetwork', 'MziNonideality', 'NoiseManagement', 'PCMParams', 'PulsedTile', 'ResistorNetwork', 'StepModel', 'compiled_substrates', 'crossbar_kernel_isa', 'crossbar_read', 'crossbar_set_kernel_isa', 'eo_activation', 'eo_activation_vjp', 'get_num_threads', 'has_openmp', 'hopfield_energy', 'hopfield_param_grad', 'hopfield_relax', 'mzi_coupler_angles', 'mzi_decompose', 'mzi_effective_phases', 'mzi_forward', 'mzi_geometry', 'mzi_insitu_gradient', 'mzi_vjp', 'normal_from_bits', 'optics_band_limit_frequency', 'optics_detect', 'optics_detect_vjp', 'optics_detector_noise', 'optics_kernel_isa', 'optics_kernel_isas', 'optics_phase_transmissions', 'optics_propagate', 'optics_set_kernel_isa', 'optics_transfer_function', 'pcm_drift', 'pcm_program', 'philox4x32', 'philox_normal', 'philox_uniform', 'pulse_kernel_exp', 'pulse_kernel_isa', 'set_num_threads']
class NoiseManagement:
    """
    Input scaling before the DAC.
    
    Members:
    
      NONE
    
      ABS_MAX
    """
    ABS_MAX: typing.ClassVar[NoiseManagement]
    NONE: typing.ClassVar[NoiseManagement]
    __members__: typing.ClassVar[dict[str, NoiseManagement]]
    @typing.overload
    def __eq__(self, other: NoiseManagement) -> bool:
        ...
    @typing.overload
    def __eq__(self, other: typing.Any) -> bool:
        ...
    def __getstate__(self) -> int:
        ...
    def __hash__(self) -> int:
        ...
    def __index__(self) -> int:
        ...
    def __init__(self, value: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def __int__(self) -> int:
        ...
    @typing.overload
    def __ne__(self, other: NoiseManagement) -> bool:
        ...
    @typing.overload
    def __ne__(self, other: typing.Any) -> bool:
        ...
    def __repr__(self) -> str:
        ...
    def __setstate__(self, state: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def __str__(self) -> str:
        ...
    @property
    def name(self) -> str:
        ...
    @property
    def value(self) -> int:
        ...
class BoundManagement:
    """
    Handling of saturated outputs.
    
    Members:
    
      NONE
    
      ITERATIVE
    """
    ITERATIVE: typing.ClassVar[BoundManagement]
    NONE: typing.ClassVar[BoundManagement]
    __members__: typing.ClassVar[dict[str, BoundManagement]]
    @typing.overload
    def __eq__(self, other: BoundManagement) -> bool:
        ...
    @typing.overload
    def __eq__(self, other: typing.Any) -> bool:
        ...
    def __getstate__(self) -> int:
        ...
    def __hash__(self) -> int:
        ...
    def __index__(self) -> int:
        ...
    def __init__(self, value: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def __int__(self) -> int:
        ...
    @typing.overload
    def __ne__(self, other: BoundManagement) -> bool:
        ...
    @typing.overload
    def __ne__(self, other: typing.Any) -> bool:
        ...
    def __repr__(self) -> str:
        ...
    def __setstate__(self, state: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def __str__(self) -> str:
        ...
    @property
    def name(self) -> str:
        ...
    @property
    def value(self) -> int:
        ...
class CrossbarIOParams:
    """
    Periphery of one read direction (see crossbar/periphery.hpp).
    """
    bound_management: BoundManagement
    is_perfect: bool
    noise_management: NoiseManagement
    def __init__(self) -> None:
        ...
    def validate(self, which: str = 'io') -> None:
        ...
    @property
    def inp_bound(self) -> float:
        ...
    @inp_bound.setter
    def inp_bound(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def inp_res(self) -> float:
        ...
    @inp_res.setter
    def inp_res(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def ir_drop(self) -> float:
        ...
    @ir_drop.setter
    def ir_drop(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def max_bm_factor(self) -> float:
        ...
    @max_bm_factor.setter
    def max_bm_factor(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def out_bound(self) -> float:
        ...
    @out_bound.setter
    def out_bound(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def out_noise(self) -> float:
        ...
    @out_noise.setter
    def out_noise(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def out_res(self) -> float:
        ...
    @out_res.setter
    def out_res(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def w_noise(self) -> float:
        ...
    @w_noise.setter
    def w_noise(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
class CrossbarTileSplit:
    """
    Physical tile sizes of a large weight matrix.
    """
    def __init__(self) -> None:
        ...
    @property
    def max_input_size(self) -> int:
        ...
    @max_input_size.setter
    def max_input_size(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def max_output_size(self) -> int:
        ...
    @max_output_size.setter
    def max_output_size(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
class PCMParams:
    """
    PCM inference model of Joshi et al. 2020 (see crossbar/pcm.hpp).
    """
    def __init__(self) -> None:
        ...
    def validate(self) -> None:
        ...
    @property
    def drift_scale(self) -> float:
        ...
    @drift_scale.setter
    def drift_scale(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def g_max_uS(self) -> float:
        ...
    @g_max_uS.setter
    def g_max_uS(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def prog_c0_uS(self) -> float:
        ...
    @prog_c0_uS.setter
    def prog_c0_uS(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def prog_c1_uS(self) -> float:
        ...
    @prog_c1_uS.setter
    def prog_c1_uS(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def prog_c2_uS(self) -> float:
        ...
    @prog_c2_uS.setter
    def prog_c2_uS(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def prog_noise_scale(self) -> float:
        ...
    @prog_noise_scale.setter
    def prog_noise_scale(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def read_noise_scale(self) -> float:
        ...
    @read_noise_scale.setter
    def read_noise_scale(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def t0_s(self) -> float:
        ...
    @t0_s.setter
    def t0_s(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def t_read_s(self) -> float:
        ...
    @t_read_s.setter
    def t_read_s(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
class StepModel:
    """
    Members:
    
      Constant
    
      Linear
    
      SoftBounds
    
      Exp
    
      Pow
    
      Piecewise
    """
    Constant: typing.ClassVar[StepModel]
    Exp: typing.ClassVar[StepModel]
    Linear: typing.ClassVar[StepModel]
    Piecewise: typing.ClassVar[StepModel]
    Pow: typing.ClassVar[StepModel]
    SoftBounds: typing.ClassVar[StepModel]
    __members__: typing.ClassVar[dict[str, StepModel]]
    @typing.overload
    def __eq__(self, other: StepModel) -> bool:
        ...
    @typing.overload
    def __eq__(self, other: typing.Any) -> bool:
        ...
    def __getstate__(self) -> int:
        ...
    def __hash__(self) -> int:
        ...
    def __index__(self) -> int:
        ...
    def __init__(self, value: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def __int__(self) -> int:
        ...
    @typing.overload
    def __ne__(self, other: StepModel) -> bool:
        ...
    @typing.overload
    def __ne__(self, other: typing.Any) -> bool:
        ...
    def __repr__(self) -> str:
        ...
    def __setstate__(self, state: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def __str__(self) -> str:
        ...
    @property
    def name(self) -> str:
        ...
    @property
    def value(self) -> int:
        ...
class DeviceParams:
    """
    Pulsed device parameters (aihwkit names; see devices.hpp).
    """
    allow_increasing: bool
    dw_min_dtod_log_normal: bool
    mean_bound_reference: bool
    model: StepModel
    mult_noise: bool
    def __init__(self) -> None:
        ...
    def granularity(self) -> float:
        ...
    def validate(self) -> None:
        ...
    @property
    def A_down(self) -> float:
        ...
    @A_down.setter
    def A_down(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def A_up(self) -> float:
        ...
    @A_up.setter
    def A_up(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def diffusion(self) -> float:
        ...
    @diffusion.setter
    def diffusion(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def diffusion_dtod(self) -> float:
        ...
    @diffusion_dtod.setter
    def diffusion_dtod(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def dw_min(self) -> float:
        ...
    @dw_min.setter
    def dw_min(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def dw_min_dtod(self) -> float:
        ...
    @dw_min_dtod.setter
    def dw_min_dtod(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def dw_min_std(self) -> float:
        ...
    @dw_min_std.setter
    def dw_min_std(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def es_a(self) -> float:
        ...
    @es_a.setter
    def es_a(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def es_b(self) -> float:
        ...
    @es_b.setter
    def es_b(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def es_gamma_down(self) -> float:
        ...
    @es_gamma_down.setter
    def es_gamma_down(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def es_gamma_up(self) -> float:
        ...
    @es_gamma_up.setter
    def es_gamma_up(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def gamma_down(self) -> float:
        ...
    @gamma_down.setter
    def gamma_down(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def gamma_down_dtod(self) -> float:
        ...
    @gamma_down_dtod.setter
    def gamma_down_dtod(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def gamma_up(self) -> float:
        ...
    @gamma_up.setter
    def gamma_up(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def gamma_up_dtod(self) -> float:
        ...
    @gamma_up_dtod.setter
    def gamma_up_dtod(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def lifetime(self) -> float:
        ...
    @lifetime.setter
    def lifetime(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def lifetime_dtod(self) -> float:
        ...
    @lifetime_dtod.setter
    def lifetime_dtod(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def piecewise_down(self) -> list[float]:
        ...
    @piecewise_down.setter
    def piecewise_down(self, arg0: collections.abc.Sequence[typing.SupportsFloat | typing.SupportsIndex]) -> None:
        ...
    @property
    def piecewise_up(self) -> list[float]:
        ...
    @piecewise_up.setter
    def piecewise_up(self, arg0: collections.abc.Sequence[typing.SupportsFloat | typing.SupportsIndex]) -> None:
        ...
    @property
    def pow_gamma(self) -> float:
        ...
    @pow_gamma.setter
    def pow_gamma(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def pow_gamma_dtod(self) -> float:
        ...
    @pow_gamma_dtod.setter
    def pow_gamma_dtod(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def pow_up_down(self) -> float:
        ...
    @pow_up_down.setter
    def pow_up_down(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def pow_up_down_dtod(self) -> float:
        ...
    @pow_up_down_dtod.setter
    def pow_up_down_dtod(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def reset(self) -> float:
        ...
    @reset.setter
    def reset(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def reset_dtod(self) -> float:
        ...
    @reset_dtod.setter
    def reset_dtod(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def reset_std(self) -> float:
        ...
    @reset_std.setter
    def reset_std(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def up_down(self) -> float:
        ...
    @up_down.setter
    def up_down(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def up_down_dtod(self) -> float:
        ...
    @up_down_dtod.setter
    def up_down_dtod(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def w_max(self) -> float:
        ...
    @w_max.setter
    def w_max(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def w_max_dtod(self) -> float:
        ...
    @w_max_dtod.setter
    def w_max_dtod(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def w_min(self) -> float:
        ...
    @w_min.setter
    def w_min(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def w_min_dtod(self) -> float:
        ...
    @w_min_dtod.setter
    def w_min_dtod(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
class PulsedTile:
    """
    rows x cols analog tile whose weights change by device pulses.
    """
    def __init__(self, params: DeviceParams, rows: typing.SupportsInt | typing.SupportsIndex, cols: typing.SupportsInt | typing.SupportsIndex, seed: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def apply_pulses(self, counts: typing.Annotated[numpy.typing.ArrayLike, numpy.int32]) -> None:
        """
        Apply signed integer pulse counts (rows x cols) to the devices.
        """
    def decay(self, n_steps: typing.SupportsInt | typing.SupportsIndex = 1) -> None:
        ...
    def device_array(self, name: str) -> numpy.typing.NDArray[numpy.float64]:
        """
        Copy of one per-device (d2d) parameter array.
        """
    def diffuse(self) -> None:
        ...
    def get_weights(self) -> numpy.typing.NDArray[numpy.float64]:
        ...
    def reset_columns(self, cols: typing.Annotated[numpy.typing.ArrayLike, numpy.int64]) -> None:
        ...
    def set_weights(self, weights: typing.Annotated[numpy.typing.ArrayLike, numpy.float64]) -> None:
        ...
    def update(self, x: typing.Annotated[numpy.typing.ArrayLike, numpy.float64], d: typing.Annotated[numpy.typing.ArrayLike, numpy.float64], lr: typing.SupportsFloat | typing.SupportsIndex, desired_bl: typing.SupportsInt | typing.SupportsIndex = 31, update_management: bool = True, update_bl_management: bool = True, pulse_type: typing.SupportsInt | typing.SupportsIndex = 0, aggregate_constant: bool = True, kernel: str = 'auto', precision: str = 'float64') -> dict:
        """
        Pulsed update W += lr * d^T x (x: batch x cols, d: batch x rows). pulse_type 0 stochastic, 1 deterministic, 2 mean count. kernel: 'auto' (fastest), 'reference' (scalar, same random numbers), or one instruction-set copy 'generic', 'avx2', 'avx512'. precision: 'float64' or 'float32' (stochastic pulses only: float32 lanes, xoshiro128++ streams, quantile normals of 16-bit values per pulse).
        """
    @property
    def cols(self) -> int:
        ...
    @property
    def counter(self) -> int:
        ...
    @counter.setter
    def counter(self, arg1: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def rows(self) -> int:
        ...
class DiffractiveStack64:
    """
    Fused diffractive stack (masks + angular-spectrum steps) with stored-field vjp.
    """
    def __init__(self, ny: typing.SupportsInt | typing.SupportsIndex, nx: typing.SupportsInt | typing.SupportsIndex, H: typing.Annotated[numpy.typing.ArrayLike, numpy.complex64]) -> None:
        ...
    def adjoint(self, y: typing.Annotated[numpy.typing.ArrayLike, numpy.complex64], transmissions: typing.Annotated[numpy.typing.ArrayLike, numpy.complex64]) -> numpy.typing.NDArray[numpy.complex64]:
        ...
    def backward(self, grad_out: typing.Annotated[numpy.typing.ArrayLike, numpy.complex64], need_input_grad: bool = True) -> tuple:
        ...
    def forward(self, x: typing.Annotated[numpy.typing.ArrayLike, numpy.complex64], transmissions: typing.Annotated[numpy.typing.ArrayLike, numpy.complex64], store: bool = False) -> numpy.typing.NDArray[numpy.complex64]:
        ...
    @property
    def buffer_bytes(self) -> int:
        ...
    @property
    def n_layers(self) -> int:
        ...
    @property
    def n_wavelengths(self) -> int:
        ...
    @property
    def stored_batch(self) -> int:
        ...
class DiffractiveStack128:
    """
    Fused diffractive stack (masks + angular-spectrum steps) with stored-field vjp.
    """
    def __init__(self, ny: typing.SupportsInt | typing.SupportsIndex, nx: typing.SupportsInt | typing.SupportsIndex, H: typing.Annotated[numpy.typing.ArrayLike, numpy.complex128]) -> None:
        ...
    def adjoint(self, y: typing.Annotated[numpy.typing.ArrayLike, numpy.complex128], transmissions: typing.Annotated[numpy.typing.ArrayLike, numpy.complex128]) -> numpy.typing.NDArray[numpy.complex128]:
        ...
    def backward(self, grad_out: typing.Annotated[numpy.typing.ArrayLike, numpy.complex128], need_input_grad: bool = True) -> tuple:
        ...
    def forward(self, x: typing.Annotated[numpy.typing.ArrayLike, numpy.complex128], transmissions: typing.Annotated[numpy.typing.ArrayLike, numpy.complex128], store: bool = False) -> numpy.typing.NDArray[numpy.complex128]:
        ...
    @property
    def buffer_bytes(self) -> int:
        ...
    @property
    def n_layers(self) -> int:
        ...
    @property
    def n_wavelengths(self) -> int:
        ...
    @property
    def stored_batch(self) -> int:
        ...
class MziNonideality:
    """
    Seeded non-idealities of a fabricated MZI mesh (one seed is one chip).
    """
    def __init__(self, splitter_error_std_rad: typing.SupportsFloat | typing.SupportsIndex = 0.0, loss_db_per_mzi: typing.SupportsFloat | typing.SupportsIndex = 0.0, phase_bits: typing.SupportsInt | typing.SupportsIndex = 0, crosstalk: typing.SupportsFloat | typing.SupportsIndex = 0.0, seed: typing.SupportsInt | typing.SupportsIndex = 0) -> None:
        ...
    def ideal(self) -> bool:
        ...
    @property
    def crosstalk(self) -> float:
        ...
    @property
    def loss_db_per_mzi(self) -> float:
        ...
    @property
    def phase_bits(self) -> int:
        ...
    @property
    def seed(self) -> int:
        ...
    @property
    def splitter_error_std_rad(self) -> float:
        ...
class ResistorNetwork:
    """
    Linear resistor network: reduced Laplacian factorized once (sparse LDLT), batched solves for clamped voltages and injected currents. float64.
    """
    def __init__(self, n_nodes: typing.SupportsInt | typing.SupportsIndex, edges: typing.Annotated[numpy.typing.ArrayLike, numpy.int64], conductance_S: typing.Annotated[numpy.typing.ArrayLike, numpy.float64], clamped_nodes: typing.Annotated[numpy.typing.ArrayLike, numpy.int64]) -> None:
        ...
    def set_conductances(self, conductance_S: typing.Annotated[numpy.typing.ArrayLike, numpy.float64]) -> None:
        """
        Replace the conductances (siemens) and refactorize.
        """
    def solve(self, v_clamped: typing.Annotated[numpy.typing.ArrayLike, numpy.float64], currents: typing.Annotated[numpy.typing.ArrayLike, numpy.float64] | None = None) -> numpy.typing.NDArray[numpy.float64]:
        """
        Node potentials (batch, n_nodes) for clamped potentials (batch, n_clamped) in volts and optional injected currents (batch, n_nodes) in amperes.
        """
    @property
    def conductance_S(self) -> numpy.typing.NDArray[numpy.float64]:
        ...
    @property
    def free_nodes(self) -> numpy.typing.NDArray[numpy.int64]:
        ...
    @property
    def n_edges(self) -> int:
        ...
    @property
    def n_free(self) -> int:
        ...
    @property
    def n_nodes(self) -> int:
        ...
class DiodeNetwork:
    """
    Resistor network with ideal diodes bounding free-node potentials; steady state by exact coordinate descent on the co-content QP. float64.
    """
    def __init__(self, n_nodes: typing.SupportsInt | typing.SupportsIndex, edges: typing.Annotated[numpy.typing.ArrayLike, numpy.int64], conductance_S: typing.Annotated[numpy.typing.ArrayLike, numpy.float64], clamped_nodes: typing.Annotated[numpy.typing.ArrayLike, numpy.int64], lower_V: typing.Annotated[numpy.typing.ArrayLike, numpy.float64], upper_V: typing.Annotated[numpy.typing.ArrayLike, numpy.float64]) -> None:
        ...
    def set_conductances(self, conductance_S: typing.Annotated[numpy.typing.ArrayLike, numpy.float64]) -> None:
        """
        Replace the conductances (siemens).
        """
    def solve(self, v_clamped: typing.Annotated[numpy.typing.ArrayLike, numpy.float64], currents: typing.Annotated[numpy.typing.ArrayLike, numpy.float64] | None = None, nudge_nodes: typing.Annotated[numpy.typing.ArrayLike, numpy.int64] | None = None, beta: typing.SupportsFloat | typing.SupportsIndex = 0.0, targets: typing.Annotated[numpy.typing.ArrayLike, numpy.float64] | None = None, v_init: typing.Annotated[numpy.typing.ArrayLike, numpy.float64] | None = None, max_sweeps: typing.SupportsInt | typing.SupportsIndex = 1000, tol: typing.SupportsFloat | typing.SupportsIndex = 1e-10) -> tuple[numpy.typing.NDArray[numpy.float64], int, float, bool]:
        """
        Steady state: returns (v (batch, n_nodes) volts, sweeps, max_change_V, converged).
        """
    @property
    def conductance_S(self) -> numpy.typing.NDArray[numpy.float64]:
        ...
    @property
    def free_nodes(self) -> numpy.typing.NDArray[numpy.int64]:
        ...
    @property
    def n_edges(self) -> int:
        ...
    @property
    def n_nodes(self) -> int:
        ...
def crossbar_kernel_isa() -> str:
    """
    SIMD code path of the crossbar read kernel.
    """
def crossbar_read(weights: numpy.ndarray, x: numpy.ndarray, transposed: bool, io: CrossbarIOParams, split: CrossbarTileSplit, weight_scale: typing.SupportsFloat | typing.SupportsIndex, seed: typing.SupportsInt | typing.SupportsIndex) -> tuple:
    """
    Batched analog read: y = W x (transposed=False, x: (batch, n_in)) or W^T x (x: (batch, n_out)).
    weights: float32 (n_out, n_in); weight_scale <= 0 uses max|W| per physical tile.
    Returns (y float32, stats dict with reads, bm_rereads, clipped_outputs).
    """
def crossbar_set_kernel_isa(isa: str) -> None:
    """
    Force the crossbar kernel's code path: 'auto', 'avx512', 'avx2' or 'generic'.
    """
def eo_activation(z: numpy.ndarray, alpha: typing.SupportsFloat | typing.SupportsIndex = 0.1, g_phi: typing.SupportsFloat | typing.SupportsIndex = 0.15707963267948966, phi_b: typing.SupportsFloat | typing.SupportsIndex = 3.141592653589793) -> numpy.ndarray:
    """
    Electro-optic activation of Williamson et al. 2020, elementwise on complex z.
    """
def eo_activation_vjp(z: numpy.ndarray, grad_f: numpy.ndarray, alpha: typing.SupportsFloat | typing.SupportsIndex = 0.1, g_phi: typing.SupportsFloat | typing.SupportsIndex = 0.15707963267948966, phi_b: typing.SupportsFloat | typing.SupportsIndex = 3.141592653589793) -> numpy.ndarray:
    """
    vjp of eo_activation (real-loss complex gradient convention).
    """
def get_num_threads() -> int:
    """
    Number of threads pnnkit kernels use.
    """
def has_openmp() -> bool:
    """
    True when the core was compiled with OpenMP.
    """
def hopfield_energy(x: numpy.ndarray, weights: list, biases: list, states: typing.Any, y: typing.Any = None) -> tuple:
    """
    (E, C) per sample at the given states (clipped to [0, 1]).
    """
def hopfield_param_grad(x: numpy.ndarray, weights: list, biases: list, states: typing.Any) -> tuple:
    """
    Batch mean of dE/dW_l and dE/db_l at the given states: lists (gW, gb).
    """
def hopfield_relax(x: numpy.ndarray, weights: list, biases: list, states: typing.Any = None, y: typing.Any = None, beta: typing.SupportsFloat | typing.SupportsIndex = 0.0, method: str = 'gd', eps: typing.SupportsFloat | typing.SupportsIndex = 0.5, max_iter: typing.SupportsInt | typing.SupportsIndex = 20, tol: typing.SupportsFloat | typing.SupportsIndex = 0.0, record_trace: bool = False) -> dict:
    """
    Relax a layered Hopfield network (batch of inputs x) by projected gradient descent ('gd', step eps)
    or the fixed-point iteration ('fixed_point'). Returns a dict with states (list per free layer),
    energy E, cost |s_L - y|^2, residual (projected gradient, per sample), initial_free_energy
    (F = E + beta C at the initial state), n_updates, iterations and
    trace (F after each update, shape (max_iter + 1, batch)) when record_trace. float64 x -> float64.
    """
def mzi_coupler_angles(n_modes: typing.SupportsInt | typing.SupportsIndex, layout: str, nonideal: MziNonideality) -> numpy.typing.NDArray[numpy.float64]:
    """
    Coupler angles beta (rad; pi/4 = 50:50), two per MZI, of the seeded chip.
    """
def mzi_decompose(u: numpy.ndarray, layout: str = 'clements', tol: typing.SupportsFloat | typing.SupportsIndex = 1e-08) -> tuple[numpy.typing.NDArray[numpy.float64], numpy.typing.NDArray[numpy.float64], numpy.typing.NDArray[numpy.float64]]:
    """
    Phases (theta, phi, delta) of a mesh whose ideal transfer matrix is the unitary u.
    """
def mzi_effective_phases(n_modes: typing.SupportsInt | typing.SupportsIndex, layout: str, theta: typing.Any, phi: typing.Any, delta: typing.Any, nonideal: MziNonideality) -> tuple[numpy.typing.NDArray[numpy.float64], numpy.typing.NDArray[numpy.float64], typing.Any]:
    """
    Phases the physical mesh applies (quantization, then thermal crosstalk).
    """
def mzi_forward(x: numpy.ndarray, theta: typing.Any, phi: typing.Any, delta: typing.Any = None, layout: str = 'clements', nonideal: MziNonideality | None = None) -> numpy.ndarray:
    """
    y = U x for each row of x (batch, n_modes); nonideal=None is the ideal twin.
    """
def mzi_geometry(n_modes: typing.SupportsInt | typing.SupportsIndex, layout: str = 'clements') -> dict:
    """
    Mesh layout: top mode, column and same-column neighbours of every MZI (application order).
    """
def mzi_insitu_gradient(x: numpy.ndarray, grad_y: numpy.ndarray, theta: typing.Any, phi: typing.Any, delta: typing.Any = None, layout: str = 'clements', nonideal: MziNonideality | None = None, detector_noise: typing.SupportsFloat | typing.SupportsIndex = 0.0, noise_seed: typing.SupportsInt | typing.SupportsIndex = 0, noise_offset: typing.SupportsInt | typing.SupportsIndex = 0, conjugate_reference: bool = False) -> tuple:
    """
    In-situ gradient (Hughes et al. 2018) from forward, adjoint and interference intensity readings at every phase shifter of the physical mesh: (grad_x, grad_theta, grad_phi, grad_delta or None). conjugate_reference adds a 4th pass (the conjugated adjoint alone) that removes the loss bias.
    """
def mzi_vjp(x: numpy.ndarray, grad_y: numpy.ndarray, theta: typing.Any, phi: typing.Any, delta: typing.Any = None, layout: str = 'clements', nonideal: MziNonideality | None = None, detector_noise: typing.SupportsFloat | typing.SupportsIndex = 0.0, noise_seed: typing.SupportsInt | typing.SupportsIndex = 0, noise_offset: typing.SupportsInt | typing.SupportsIndex = 0, conjugate_reference: bool = False) -> tuple:
    """
    Exact vjp of mzi_forward: (grad_x, grad_theta, grad_phi, grad_delta or None); phase gradients are batch sums w.r.t. the set phases. detector_noise/noise_*/conjugate_reference are ignored.
    """
def normal_from_bits(words: typing.Annotated[numpy.typing.ArrayLike, numpy.uint32]) -> numpy.typing.NDArray[numpy.float64]:
    """
    Inverse-CDF standard normals used by the pulse kernel (for tests).
    """
def optics_band_limit_frequency(wavelength_m: typing.SupportsFloat | typing.SupportsIndex, distance_m: typing.SupportsFloat | typing.SupportsIndex, n: typing.SupportsInt | typing.SupportsIndex, pitch_m: typing.SupportsFloat | typing.SupportsIndex) -> float:
    """
    Matsushima-Shimobaba band-limit frequency (cycles/m).
    """
@typing.overload
def optics_detect(fields: typing.Annotated[numpy.typing.ArrayLike, numpy.complex64], regions: typing.Annotated[numpy.typing.ArrayLike, numpy.int64]) -> numpy.typing.NDArray[numpy.float32]:
    ...
@typing.overload
def optics_detect(fields: typing.Annotated[numpy.typing.ArrayLike, numpy.complex128], regions: typing.Annotated[numpy.typing.ArrayLike, numpy.int64]) -> numpy.typing.NDArray[numpy.float64]:
    """
    Integrated intensity over rectangular regions (y0, x0, h, w): (batch, n_regions).
    """
@typing.overload
def optics_detect_vjp(fields: typing.Annotated[numpy.typing.ArrayLike, numpy.complex64], regions: typing.Annotated[numpy.typing.ArrayLike, numpy.int64], grad_signals: typing.Annotated[numpy.typing.ArrayLike, numpy.float32]) -> numpy.typing.NDArray[numpy.complex64]:
    ...
@typing.overload
def optics_detect_vjp(fields: typing.Annotated[numpy.typing.ArrayLike, numpy.complex128], regions: typing.Annotated[numpy.typing.ArrayLike, numpy.int64], grad_signals: typing.Annotated[numpy.typing.ArrayLike, numpy.float64]) -> numpy.typing.NDArray[numpy.complex128]:
    ...
@typing.overload
def optics_detector_noise(signals: typing.Annotated[numpy.typing.ArrayLike, numpy.float32], read_std: typing.SupportsFloat | typing.SupportsIndex, shot_factor: typing.SupportsFloat | typing.SupportsIndex, seed: typing.SupportsInt | typing.SupportsIndex, counter: typing.SupportsInt | typing.SupportsIndex) -> numpy.typing.NDArray[numpy.float32]:
    ...
@typing.overload
def optics_detector_noise(signals: typing.Annotated[numpy.typing.ArrayLike, numpy.float64], read_std: typing.SupportsFloat | typing.SupportsIndex, shot_factor: typing.SupportsFloat | typing.SupportsIndex, seed: typing.SupportsInt | typing.SupportsIndex, counter: typing.SupportsInt | typing.SupportsIndex) -> numpy.typing.NDArray[numpy.float64]:
    """
    Camera noise: S + read_std*n1 + sqrt(shot_factor*max(S,0))*n2, Philox-seeded at (seed, counter+i).
    """
def optics_kernel_isa() -> str:
    """
    SIMD copy of the propagation/stack kernels in use: 'generic', 'avx2' or 'avx512' (default: the widest the CPU runs; PNNKIT_OPTICS_ISA=generic|avx2|avx512 chooses at start-up).
    """
def optics_kernel_isas() -> list[str]:
    """
    The kernel copies this CPU and build can run.
    """
def optics_phase_transmissions(phase: typing.Annotated[numpy.typing.ArrayLike, numpy.float64], scales: typing.Annotated[numpy.typing.ArrayLike, numpy.float64], complex128: bool = False) -> numpy.ndarray:
    """
    Phase-mask transmissions exp(i * scales[w] * phase[l]): phase (L, ny, nx) rad, scales (W,) -> (L, W, ny, nx) complex64 (complex128 if asked); the angle and cos/sin in double precision.
    """
@typing.overload
def optics_propagate(fields: typing.Annotated[numpy.typing.ArrayLike, numpy.complex64], H: typing.Annotated[numpy.typing.ArrayLike, numpy.complex64], adjoint: bool = False) -> numpy.typing.NDArray[numpy.complex64]:
    ...
@typing.overload
def optics_propagate(fields: typing.Annotated[numpy.typing.ArrayLike, numpy.complex128], H: typing.Annotated[numpy.typing.ArrayLike, numpy.complex128], adjoint: bool = False) -> numpy.typing.NDArray[numpy.complex128]:
    """
    Batched angular-spectrum step: crop(IFFT2(H[b % n_h] * FFT2(pad(fields[b])))); conj(H) if adjoint.
    """
def optics_set_kernel_isa(isa: str) -> None:
    """
    Force the propagation/stack kernels' copy: 'auto', 'generic', 'avx2' or 'avx512' (ValueError if this CPU or build lacks it). Not thread-safe against calls running in other threads.
    """
def optics_transfer_function(py: typing.SupportsInt | typing.SupportsIndex, px: typing.SupportsInt | typing.SupportsIndex, pitch_y_m: typing.SupportsFloat | typing.SupportsIndex, pitch_x_m: typing.SupportsFloat | typing.SupportsIndex, wavelength_m: typing.SupportsFloat | typing.SupportsIndex, distance_m: typing.SupportsFloat | typing.SupportsIndex, method: str = 'asm', band_limit: bool = True, evanescent: str = 'decay') -> numpy.typing.NDArray[numpy.complex128]:
    """
    Transfer function H (py, px) in FFT order, complex128: 'asm' (exact Rayleigh-Sommerfeld) or 'fresnel'.
    """
def pcm_drift(g_prog_uS: numpy.ndarray, nu: numpy.ndarray, t_s: typing.SupportsFloat | typing.SupportsIndex, params: PCMParams, seed: typing.SupportsInt | typing.SupportsIndex) -> numpy.typing.NDArray[numpy.float32]:
    """
    Conductances t_s seconds after programming (power-law drift + accumulated 1/f read noise).
    """
def pcm_program(g_target_uS: numpy.ndarray, params: PCMParams, seed: typing.SupportsInt | typing.SupportsIndex) -> tuple[numpy.typing.NDArray[numpy.float32], numpy.typing.NDArray[numpy.float32]]:
    """
    Program PCM devices: returns (g_prog_uS, nu), float32 arrays shaped like g_target_uS.
    """
def philox4x32(counter: typing.Annotated[collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex], "FixedSize(4)"], key: typing.Annotated[collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex], "FixedSize(2)"]) -> typing.Annotated[list[int], "FixedSize(4)"]:
    """
    Raw Philox4x32-10 block (for known-answer tests against Random123's vectors).
    """
def philox_normal(seed: typing.SupportsInt | typing.SupportsIndex, stream: typing.SupportsInt | typing.SupportsIndex, n: typing.SupportsInt | typing.SupportsIndex) -> numpy.typing.NDArray[numpy.float64]:
    """
    n standard normals from Philox4x32-10 keyed by (seed, stream); element i uses counter i.
    """
def philox_uniform(seed: typing.SupportsInt | typing.SupportsIndex, stream: typing.SupportsInt | typing.SupportsIndex, n: typing.SupportsInt | typing.SupportsIndex) -> numpy.typing.NDArray[numpy.float64]:
    """
    n uniforms in (0, 1) from Philox4x32-10 keyed by (seed, stream).
    """
def pulse_kernel_exp(x: typing.Annotated[numpy.typing.ArrayLike, numpy.float64], kernel: str = 'auto') -> numpy.typing.NDArray[numpy.float64]:
    """
    The row kernels' polynomial exp (for its accuracy test).
    """
def pulse_kernel_normals_f32(words: typing.Annotated[numpy.typing.ArrayLike, numpy.uint32], kernel: str = 'auto', bits: typing.SupportsInt = 32) -> numpy.typing.NDArray[numpy.float32]:
    """
    The float32 kernels' standard normals of 32-bit words, by their quantile (for the statistical tests):
    bits=32 uses the whole word (aggregated ConstantStep), bits=16 its high half (per-pulse noise).
    """
def pulse_kernel_isa() -> str:
    """
    Instruction set of the pulsed-update row kernels used by default (avx512, avx2 or generic).
    """
def set_num_threads(n: typing.SupportsInt | typing.SupportsIndex) -> None:
    """
    Set the number of OpenMP threads used by pnnkit kernels (n >= 1).
    """
__version__: str = '0.1.0'
compiled_substrates: list = ['crossbar', 'optics', 'equilibrium']
