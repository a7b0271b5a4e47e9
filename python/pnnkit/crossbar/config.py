"""Configuration of analog crossbar tiles: dataclasses mapped one-to-one onto the C++ structs.

Names and defaults follow IBM aihwkit so that configurations translate directly:

* :class:`IOParameters` — the periphery of one read direction (``forward`` / ``backward``):
  DAC (``inp_res``, ``inp_bound``), ADC (``out_res``, ``out_bound``), ``out_noise``, per-read
  ``w_noise``, ``ir_drop``, noise management (``"abs_max"``) and iterative bound management.
  All values are dimensionless: inputs in units of the DAC range, outputs in units where the
  largest |weight| of a tile (mapped to ``g_max``) is 1.
* :class:`PCMNoiseModel` — the statistical PCM model of Joshi et al. 2020 (conductances in µS,
  times in seconds) used by ``program`` / ``drift_to``.
* :class:`InferenceConfig` (alias :data:`RPUConfig`) — both directions, the tile size and the
  inference model.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from .. import _core

_NOISE_MANAGEMENT = {"none": "NONE", "abs_max": "ABS_MAX"}
_BOUND_MANAGEMENT = {"none": "NONE", "iterative": "ITERATIVE"}


def _check_number(name: str, value: Any, *, low: float | None = None, high: float | None = None,
                  low_open: bool = False, high_open: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    v = float(value)
    if not math.isfinite(v):
        raise ValueError(f"{name} must be finite, got {value}")
    if low is not None and (v < low or (low_open and v == low)):
        raise ValueError(f"{name} must be {'>' if low_open else '>='} {low}, got {value}")
    if high is not None and (v > high or (high_open and v == high)):
        raise ValueError(f"{name} must be {'<' if high_open else '<='} {high}, got {value}")
    return v


def _check_resolution(name: str, value: Any) -> float:
    v = _check_number(name, value, low=0.0, high=1.0, high_open=True)
    if 0.0 < v < 1e-6:
        raise ValueError(f"{name} must be 0 (no quantization) or a step fraction in [1e-6, 1), got {value}")
    return v


@dataclass
class IOParameters:
    """Periphery of one read direction of an analog tile (aihwkit ``IOParameters`` names).

    Attributes:
        is_perfect: ideal read ``y = W x`` (no DAC/ADC, noise, bounds or IR drop).
        inp_res: DAC step as a fraction of the input range ``2*inp_bound``; 1/126 is a 7-bit DAC.
            0 disables input quantization.
        inp_bound: inputs are clipped to ``[-inp_bound, inp_bound]`` (after noise management).
        out_res: ADC step as a fraction of the output range ``2*out_bound``; 1/510 is a 9-bit ADC.
            0 disables output quantization.
        out_bound: outputs saturate at ``±out_bound`` (units: max|W| of the tile times full-scale
            input); 0 means unbounded.
        out_noise: std of additive Gaussian output noise per read (same units as ``out_bound``).
        w_noise: std of per-read additive weight noise relative to the tile's max|W|.
        ir_drop: first-order IR-drop scale (0: off): the fraction of its drive lost by the row
            farthest from the ADC when all inputs are 1 and all devices at ``g_max``.
        noise_management: ``"abs_max"`` (scale each input row by max|x|) or ``"none"``.
        bound_management: ``"iterative"`` (halve the input scale and re-read while outputs clip)
            or ``"none"``.
        max_bm_factor: largest input down-scaling factor of the bound management.
    """

    is_perfect: bool = False
    inp_res: float = 1.0 / 126.0
    inp_bound: float = 1.0
    out_res: float = 1.0 / 510.0
    out_bound: float = 12.0
    out_noise: float = 0.06
    w_noise: float = 0.0
    ir_drop: float = 0.0
    noise_management: str = "abs_max"
    bound_management: str = "iterative"
    max_bm_factor: float = 1000.0

    def __post_init__(self) -> None:
        if not isinstance(self.is_perfect, bool):
            raise TypeError(f"is_perfect must be a bool, got {type(self.is_perfect).__name__}")
        self.inp_res = _check_resolution("inp_res", self.inp_res)
        self.out_res = _check_resolution("out_res", self.out_res)
        self.inp_bound = _check_number("inp_bound", self.inp_bound, low=0.0, low_open=True)
        self.out_bound = _check_number("out_bound", self.out_bound, low=0.0)
        if self.out_res > 0 and self.out_bound == 0:
            raise ValueError("out_res needs out_bound > 0 (the ADC step is out_res * 2 * out_bound)")
        self.out_noise = _check_number("out_noise", self.out_noise, low=0.0)
        self.w_noise = _check_number("w_noise", self.w_noise, low=0.0)
        self.ir_drop = _check_number("ir_drop", self.ir_drop, low=0.0)
        self.max_bm_factor = _check_number("max_bm_factor", self.max_bm_factor, low=1.0)
        if self.noise_management not in _NOISE_MANAGEMENT:
            raise ValueError(f"noise_management must be one of {sorted(_NOISE_MANAGEMENT)}, "
                             f"got {self.noise_management!r}")
        if self.bound_management not in _BOUND_MANAGEMENT:
            raise ValueError(f"bound_management must be one of {sorted(_BOUND_MANAGEMENT)}, "
                             f"got {self.bound_management!r}")

    @classmethod
    def perfect(cls) -> IOParameters:
        """An ideal periphery (exact ``W x``)."""
        return cls(is_perfect=True)

    def to_core(self) -> Any:
        """The matching ``pnnkit._core.CrossbarIOParams``."""
        p = _core.CrossbarIOParams()
        for f in fields(self):
            if f.name == "noise_management":
                p.noise_management = getattr(_core.NoiseManagement, _NOISE_MANAGEMENT[self.noise_management])
            elif f.name == "bound_management":
                p.bound_management = getattr(_core.BoundManagement, _BOUND_MANAGEMENT[self.bound_management])
            else:
                setattr(p, f.name, getattr(self, f.name))
        return p


@dataclass
class PCMNoiseModel:
    """Statistical PCM inference model (Joshi et al., Nat. Commun. 11, 2473, 2020).

    Attributes:
        g_max_uS: conductance (µS) that the largest |weight| maps to.
        t0_s: time (s) of the first read after programming; drift is ``((t + t0)/t0)^-nu``.
        t_read_s: duration (s) of one read, bounding the accumulated 1/f noise.
        prog_coeff_uS: (c0, c1, c2) of the programming-noise polynomial in ``g_T/g_max`` (µS).
        prog_noise_scale, read_noise_scale, drift_scale: multipliers of the programming noise,
            the 1/f read noise and the drift exponents (0 switches a non-ideality off).
    """

    g_max_uS: float = 25.0
    t0_s: float = 20.0
    t_read_s: float = 250e-9
    prog_coeff_uS: tuple[float, float, float] = (0.26348, 1.9650, -1.1731)
    prog_noise_scale: float = 1.0
    read_noise_scale: float = 1.0
    drift_scale: float = 1.0

    def __post_init__(self) -> None:
        self.g_max_uS = _check_number("g_max_uS", self.g_max_uS, low=0.0, low_open=True)
        self.t0_s = _check_number("t0_s", self.t0_s, low=0.0, low_open=True)
        self.t_read_s = _check_number("t_read_s", self.t_read_s, low=0.0, low_open=True)
        coeff = tuple(self.prog_coeff_uS)
        if len(coeff) != 3:
            raise ValueError(f"prog_coeff_uS must have 3 entries (c0, c1, c2), got {len(coeff)}")
        self.prog_coeff_uS = tuple(_check_number(f"prog_coeff_uS[{i}]", c) for i, c in enumerate(coeff))
        self.prog_noise_scale = _check_number("prog_noise_scale", self.prog_noise_scale, low=0.0)
        self.read_noise_scale = _check_number("read_noise_scale", self.read_noise_scale, low=0.0)
        self.drift_scale = _check_number("drift_scale", self.drift_scale, low=0.0)

    def to_core(self) -> Any:
        """The matching ``pnnkit._core.PCMParams``."""
        p = _core.PCMParams()
        p.g_max_uS, p.t0_s, p.t_read_s = self.g_max_uS, self.t0_s, self.t_read_s
        p.prog_c0_uS, p.prog_c1_uS, p.prog_c2_uS = self.prog_coeff_uS
        p.prog_noise_scale, p.read_noise_scale, p.drift_scale = (
            self.prog_noise_scale, self.read_noise_scale, self.drift_scale)
        return p


@dataclass
class InferenceConfig:
    """Everything an analog inference tile needs (aihwkit ``InferenceRPUConfig`` in spirit).

    Attributes:
        forward: periphery of the forward read ``y = W x``.
        backward: periphery of the transposed read ``d = W^T g`` (used when ``analog_backward``).
        noise_model: PCM programming/drift/read-noise model used by ``program`` and ``drift_to``.
        max_input_size, max_output_size: physical tile size; larger layers are split into tiles
            whose digital partial sums add.
        drift_compensation: global drift compensation (rescale outputs by the ratio of the mean
            |output| of a fixed probe read after programming and at the current time).
        w_max: weight that maps to ``g_max`` when programming; ``None`` takes max|W| of the layer.
        analog_backward: compute input gradients by the noisy transposed read instead of digitally.
    """

    forward: IOParameters = field(default_factory=IOParameters)
    backward: IOParameters = field(default_factory=IOParameters)
    noise_model: PCMNoiseModel = field(default_factory=PCMNoiseModel)
    max_input_size: int = 512
    max_output_size: int = 512
    drift_compensation: bool = True
    w_max: float | None = None
    analog_backward: bool = False

    def __post_init__(self) -> None:
        for name, cls in (("forward", IOParameters), ("backward", IOParameters), ("noise_model", PCMNoiseModel)):
            if not isinstance(getattr(self, name), cls):
                raise TypeError(f"{name} must be a {cls.__name__}, got {type(getattr(self, name)).__name__}")
        for name in ("max_input_size", "max_output_size"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int):
                raise TypeError(f"{name} must be an int, got {type(v).__name__}")
            if v < 1:
                raise ValueError(f"{name} must be >= 1, got {v}")
        if self.w_max is not None:
            self.w_max = _check_number("w_max", self.w_max, low=0.0, low_open=True)
        for name in ("drift_compensation", "analog_backward"):
            if not isinstance(getattr(self, name), bool):
                raise TypeError(f"{name} must be a bool, got {type(getattr(self, name)).__name__}")

    def split_to_core(self) -> Any:
        """The matching ``pnnkit._core.CrossbarTileSplit``."""
        s = _core.CrossbarTileSplit()
        s.max_input_size, s.max_output_size = self.max_input_size, self.max_output_size
        return s

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form (for checkpoints and run folders)."""
        d = asdict(self)
        d["noise_model"]["prog_coeff_uS"] = list(self.noise_model.prog_coeff_uS)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> InferenceConfig:
        """Inverse of :meth:`to_dict`; unknown keys raise ``ValueError``."""
        if not isinstance(d, dict):
            raise TypeError(f"config must be a dict, got {type(d).__name__}")
        known = {f.name for f in fields(cls)}
        extra = sorted(set(d) - known)
        if extra:
            raise ValueError(f"unknown InferenceConfig keys: {extra}")
        kw = dict(d)
        for name, sub in (("forward", IOParameters), ("backward", IOParameters), ("noise_model", PCMNoiseModel)):
            if name in kw and isinstance(kw[name], dict):
                sub_known = {f.name for f in fields(sub)}
                bad = sorted(set(kw[name]) - sub_known)
                if bad:
                    raise ValueError(f"unknown {sub.__name__} keys in {name}: {bad}")
                kw[name] = sub(**kw[name])
        return cls(**kw)


#: aihwkit's name for the tile configuration.
RPUConfig = InferenceConfig


def rasch2023_hwa() -> InferenceConfig:
    """Hardware-aware-training preset after Rasch et al., Nat. Commun. 14, 5282 (2023).

    8-bit DAC and ADC (steps 1/254 of the range), output noise 0.04, per-read weight (PCM read)
    noise 0.0175 of max|W|, IR drop on (``ir_drop = 0.1`` in pnnkit's first-order model), 512-row
    tiles, PCM drift model with global drift compensation. Deviation: the paper learns input
    ranges; pnnkit uses abs-max noise management instead.
    """
    io = IOParameters(inp_res=1.0 / 254.0, out_res=1.0 / 254.0, out_noise=0.04, w_noise=0.0175, ir_drop=0.1)
    return InferenceConfig(forward=io, backward=IOParameters(inp_res=1.0 / 254.0, out_res=1.0 / 254.0,
                                                             out_noise=0.04, w_noise=0.0175),
                           max_input_size=512, max_output_size=512, drift_compensation=True)
