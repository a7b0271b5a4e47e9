"""Pulsed resistive device models for analog in-memory training (aihwkit names and defaults).

A device dataclass describes one *kind* of device; an :class:`~pnnkit.crossbar.pulsed.AnalogPulsedTile`
instantiates one device per crosspoint with device-to-device (d2d) variation drawn from its seed,
and every pulse adds cycle-to-cycle (c2c) noise. Weights are in normalized units (the tile's
weight range, typically about [-1, 1]); ``dw_min`` is the mean step of one pulse in those units.

Step models (see ``cpp/include/pnnkit/crossbar/devices.hpp`` for the exact formulas):
:class:`ConstantStepDevice`, :class:`LinearStepDevice`, :class:`SoftBoundsDevice`,
:class:`ExpStepDevice`, :class:`PowStepDevice`, :class:`PiecewiseStepDevice`. Presets of real
devices are in :data:`PRESETS` / :func:`preset`.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace
from typing import Any, ClassVar

from .. import _core


def _finite(name: str, v: float) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise ValueError(f"{name} must be a finite number, got {v!r}")
    return float(v)


def _nonneg(name: str, v: float) -> None:
    if _finite(name, v) < 0:
        raise ValueError(f"{name} must be >= 0, got {v}")


@dataclass
class PulsedDevice:
    """Base pulsed device (aihwkit ``PulsedDevice`` defaults).

    Attributes:
        dw_min: mean weight step of one pulse (normalized weight units), > 0.
        dw_min_dtod: relative d2d spread of the step size (gain ~ 1 + dw_min_dtod*N(0,1)).
        dw_min_dtod_log_normal: draw the d2d gain log-normally instead of normally.
        dw_min_std: relative c2c spread of each step.
        w_max, w_min: mean upper/lower weight bound.
        w_max_dtod, w_min_dtod: relative d2d spread of the bounds.
        up_down: systematic up/down asymmetry in (-1, 1): the weaker direction's step is
            scaled by (1 - |up_down|); > 0 weakens down-steps.
        up_down_dtod: d2d spread of the asymmetry (absolute).
        lifetime: decay time constant in mini-batches (0: none); lifetime_dtod its relative spread.
        diffusion: std of a random walk per ``diffuse()`` call; diffusion_dtod its relative spread.
        reset: value a reset sets and decay pulls towards; reset_dtod (d2d) and reset_std (c2c) spreads.
    """

    model: ClassVar[str] = "constant"

    dw_min: float = 0.001
    dw_min_dtod: float = 0.3
    dw_min_dtod_log_normal: bool = False
    dw_min_std: float = 0.3
    w_max: float = 0.6
    w_min: float = -0.6
    w_max_dtod: float = 0.3
    w_min_dtod: float = 0.3
    up_down: float = 0.0
    up_down_dtod: float = 0.01
    lifetime: float = 0.0
    lifetime_dtod: float = 0.0
    diffusion: float = 0.0
    diffusion_dtod: float = 0.0
    reset: float = 0.0
    reset_dtod: float = 0.0
    reset_std: float = 0.0

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Raise ValueError naming the first parameter outside its range."""
        if _finite("dw_min", self.dw_min) <= 0:
            raise ValueError(f"dw_min must be > 0, got {self.dw_min}")
        for name in ("dw_min_dtod", "dw_min_std", "w_max_dtod", "w_min_dtod", "up_down_dtod", "lifetime_dtod",
                     "diffusion", "diffusion_dtod", "reset_dtod", "reset_std"):
            _nonneg(name, getattr(self, name))
        if _finite("w_max", self.w_max) <= _finite("w_min", self.w_min):
            raise ValueError(f"w_max must be > w_min, got w_max={self.w_max}, w_min={self.w_min}")
        if not -1.0 < _finite("up_down", self.up_down) < 1.0:
            raise ValueError(f"up_down must be in (-1, 1), got {self.up_down}")
        life = _finite("lifetime", self.lifetime)
        if life != 0.0 and life < 1.0:
            raise ValueError(f"lifetime must be 0 (no decay) or >= 1 mini-batch, got {life}")
        _finite("reset", self.reset)

    def to_core(self) -> Any:
        """The C++ parameter struct (``pnnkit._core.DeviceParams``)."""
        p = _core.DeviceParams()
        p.model = _MODELS[self.model]
        for f in fields(PulsedDevice):
            setattr(p, f.name, getattr(self, f.name))
        self._fill_core(p)
        p.validate()
        return p

    def _fill_core(self, p: Any) -> None:
        """Model-specific fields (subclasses)."""

    def granularity(self) -> float:
        """Mean step near w = 0 used to scale the pulse trains (aihwkit's weight granularity)."""
        return float(self.to_core().granularity())

    def config(self) -> dict[str, Any]:
        """JSON-serialisable description (``{"model": ..., **fields}``)."""
        d = asdict(self)
        d = {k: (list(v) if isinstance(v, tuple) else v) for k, v in d.items()}
        return {"model": self.model, **d}

    def with_(self, **changes: Any) -> PulsedDevice:
        """A validated copy with some fields changed."""
        return replace(self, **changes)


@dataclass
class ConstantStepDevice(PulsedDevice):
    """Every pulse moves the weight by the same (noisy) step until a hard bound."""

    model: ClassVar[str] = "constant"


@dataclass
class LinearStepDevice(PulsedDevice):
    """Step size linear in the weight: dw_up = s*(1 - gamma_up*w/w_max), dw_down = s*(1 + gamma_down*w/|w_min|).

    ``gamma_*`` is the relative decrease of the step at the bound (0: constant step, 1: soft
    bounds); ``mean_bound_reference`` uses the mean bounds rather than each device's own;
    ``mult_noise`` makes the c2c noise multiplicative (else additive of size dw_min_std*s).
    """

    model: ClassVar[str] = "linear"
    gamma_up: float = 0.0
    gamma_down: float = 0.0
    gamma_up_dtod: float = 0.05
    gamma_down_dtod: float = 0.05
    mult_noise: bool = True
    mean_bound_reference: bool = True
    allow_increasing: bool = False

    def validate(self) -> None:
        super().validate()
        for name in ("gamma_up", "gamma_down", "gamma_up_dtod", "gamma_down_dtod"):
            _nonneg(name, getattr(self, name))

    def _fill_core(self, p: Any) -> None:
        for name in ("gamma_up", "gamma_down", "gamma_up_dtod", "gamma_down_dtod", "mult_noise",
                     "mean_bound_reference", "allow_increasing"):
            setattr(p, name, getattr(self, name))


@dataclass
class SoftBoundsDevice(PulsedDevice):
    """Step shrinks linearly to zero at each device's own bound: dw_up = s*(1 - w/w_max)."""

    model: ClassVar[str] = "softbounds"
    mult_noise: bool = True

    def _fill_core(self, p: Any) -> None:
        p.mult_noise = self.mult_noise


@dataclass
class ExpStepDevice(PulsedDevice):
    """Exponential step model (fit to ReRAM data, Gong et al. 2018).

    With z = 2*w/(w_max - w_min)*a + b: dw_up = s*max(1 - A_up*exp(gamma_up*z), 0),
    dw_down = s*max(1 - A_down*exp(-gamma_down*z), 0).
    """

    model: ClassVar[str] = "exp"
    A_up: float = 0.00081
    A_down: float = 0.36833
    gamma_up: float = 12.44625
    gamma_down: float = 12.78785
    a: float = 0.244
    b: float = 0.2425

    def validate(self) -> None:
        super().validate()
        for name in ("A_up", "A_down", "gamma_up", "gamma_down", "a", "b"):
            _finite(name, getattr(self, name))

    def _fill_core(self, p: Any) -> None:
        p.A_up, p.A_down = self.A_up, self.A_down
        p.es_gamma_up, p.es_gamma_down = self.gamma_up, self.gamma_down
        p.es_a, p.es_b = self.a, self.b


@dataclass
class PowStepDevice(PulsedDevice):
    """Power-law step (Fusi & Abbott 2007): dw_up = s*((w_max - w)/(w_max - w_min))^gamma_up.

    gamma_up/down = pow_gamma*(1 +/- pow_up_down), each with d2d spreads.
    """

    model: ClassVar[str] = "pow"
    pow_gamma: float = 1.0
    pow_gamma_dtod: float = 0.1
    pow_up_down: float = 0.0
    pow_up_down_dtod: float = 0.0

    def validate(self) -> None:
        super().validate()
        if _finite("pow_gamma", self.pow_gamma) <= 0:
            raise ValueError(f"pow_gamma must be > 0, got {self.pow_gamma}")
        _nonneg("pow_gamma_dtod", self.pow_gamma_dtod)
        _nonneg("pow_up_down_dtod", self.pow_up_down_dtod)
        if not -1.0 < _finite("pow_up_down", self.pow_up_down) < 1.0:
            raise ValueError(f"pow_up_down must be in (-1, 1), got {self.pow_up_down}")

    def _fill_core(self, p: Any) -> None:
        for name in ("pow_gamma", "pow_gamma_dtod", "pow_up_down", "pow_up_down_dtod"):
            setattr(p, name, getattr(self, name))


@dataclass
class PiecewiseStepDevice(PulsedDevice):
    """Relative step size interpolated linearly between nodes equally spaced over [w_min, w_max]."""

    model: ClassVar[str] = "piecewise"
    piecewise_up: tuple[float, ...] = (1.0, 1.0)
    piecewise_down: tuple[float, ...] = (1.0, 1.0)

    def validate(self) -> None:
        super().validate()
        for name in ("piecewise_up", "piecewise_down"):
            nodes = tuple(getattr(self, name))
            if len(nodes) < 2:
                raise ValueError(f"{name} needs at least 2 nodes, got {len(nodes)}")
            for v in nodes:
                _nonneg(name + " node", v)
            object.__setattr__(self, name, tuple(float(v) for v in nodes))

    def _fill_core(self, p: Any) -> None:
        p.piecewise_up = list(self.piecewise_up)
        p.piecewise_down = list(self.piecewise_down)


_MODELS = {
    "constant": _core.StepModel.Constant,
    "linear": _core.StepModel.Linear,
    "softbounds": _core.StepModel.SoftBounds,
    "exp": _core.StepModel.Exp,
    "pow": _core.StepModel.Pow,
    "piecewise": _core.StepModel.Piecewise,
}
_CLASSES: dict[str, type[PulsedDevice]] = {
    "constant": ConstantStepDevice,
    "linear": LinearStepDevice,
    "softbounds": SoftBoundsDevice,
    "exp": ExpStepDevice,
    "pow": PowStepDevice,
    "piecewise": PiecewiseStepDevice,
}


def device_from_config(cfg: dict[str, Any]) -> PulsedDevice:
    """Rebuild a device from :meth:`PulsedDevice.config` output."""
    cfg = dict(cfg)
    model = cfg.pop("model", None)
    if model not in _CLASSES:
        raise ValueError(f"device model must be one of {sorted(_CLASSES)}, got {model!r}")
    return _CLASSES[model](**cfg)


# ---- presets (aihwkit values) --------------------------------------------------------------


def idealized() -> ConstantStepDevice:
    """Idealized symmetric device with about 10,000 states (aihwkit ``IdealizedPresetDevice``)."""
    return ConstantStepDevice(dw_min=0.0002, dw_min_dtod=0.3, dw_min_std=0.3, up_down=0.0, up_down_dtod=0.0,
                              w_max=1.0, w_min=-1.0, w_max_dtod=0.3, w_min_dtod=0.3)


def gokmen_vlasov() -> ConstantStepDevice:
    """Constant step with about 1,200 states (Gokmen & Vlasov 2016 specification)."""
    return ConstantStepDevice(dw_min=0.0016, dw_min_dtod=0.3, dw_min_std=0.3, up_down=0.0, up_down_dtod=0.01,
                              w_max=1.0, w_min=-1.0, w_max_dtod=0.3, w_min_dtod=0.3)


def reram_es() -> ExpStepDevice:
    """ReRAM fit of the exponential step model (Gong et al. 2018; aihwkit ``ReRamESPresetDevice``).

    aihwkit's extra write (read-out) noise of this preset is not modelled.
    """
    return ExpStepDevice(dw_min=0.00135, up_down=0.259359, w_max=1.0, w_min=-1.0, a=-0.5, b=-0.5, gamma_up=5.0,
                         gamma_down=5.0, A_up=-1.18445, A_down=-0.081404, dw_min_dtod=0.2, up_down_dtod=0.05,
                         w_max_dtod=0.3, w_min_dtod=0.3, dw_min_std=5.0)


def reram_sb() -> SoftBoundsDevice:
    """ReRAM as a soft-bounds device calibrated to its symmetry point (aihwkit ``ReRamSBPresetDevice``)."""
    return SoftBoundsDevice(dw_min=0.002, up_down=0.0, w_max=1.25, w_min=-0.75, mult_noise=False, dw_min_dtod=0.3,
                            up_down_dtod=0.01, w_max_dtod=0.3 / 1.25, w_min_dtod=0.3 / 0.75, dw_min_std=3.75)


def ecram() -> LinearStepDevice:
    """Li-ion ECRAM (Tang et al. 2018) as a linear-step device (aihwkit ``EcRamPresetDevice``)."""
    return LinearStepDevice(dw_min=0.002, up_down=0.0, w_max=1.1724, w_min=-0.8276, mult_noise=True,
                            gamma_up=0.1153, gamma_down=0.5085, dw_min_dtod=0.1, up_down_dtod=0.01, w_max_dtod=0.05,
                            w_min_dtod=0.05, gamma_up_dtod=0.05, gamma_down_dtod=0.05, dw_min_std=0.3,
                            mean_bound_reference=True)


def capacitor() -> LinearStepDevice:
    """Capacitor-based cell with leakage (Li et al. 2018; aihwkit ``CapacitorPresetDevice``)."""
    return LinearStepDevice(dw_min=0.005, up_down=0.0, w_max=1.0, w_min=-1.0, mult_noise=False, gamma_up=0.05,
                            gamma_down=0.05, dw_min_dtod=0.1, up_down_dtod=0.06, w_max_dtod=0.07, w_min_dtod=0.07,
                            gamma_up_dtod=0.01, gamma_down_dtod=0.01, dw_min_std=0.3, mean_bound_reference=True,
                            lifetime=1.0e6, lifetime_dtod=0.3)


def reram_like() -> SoftBoundsDevice:
    """An asymmetric ReRAM-like soft-bounds device for the Tiki-Taka comparison.

    Soft bounds with a strong up/down asymmetry (``up_down = 0.3``) and d2d spread of it, the
    regime where analog SGD is biased towards each device's symmetry point (Gokmen & Haensch 2020).
    """
    return SoftBoundsDevice(dw_min=0.001, up_down=0.3, up_down_dtod=0.1, w_max=1.0, w_min=-1.0, dw_min_dtod=0.3,
                            dw_min_std=0.3, w_max_dtod=0.1, w_min_dtod=0.1)


PRESETS = {
    "constant": ConstantStepDevice,
    "idealized": idealized,
    "gokmen-vlasov": gokmen_vlasov,
    "reram-es": reram_es,
    "reram-sb": reram_sb,
    "reram-like": reram_like,
    "ecram": ecram,
    "capacitor": capacitor,
}


def preset(name: str) -> PulsedDevice:
    """A fresh device of preset ``name`` (one of :data:`PRESETS`)."""
    if name not in PRESETS:
        raise ValueError(f"device preset must be one of {sorted(PRESETS)}, got {name!r}")
    return PRESETS[name]()


__all__ = ["PulsedDevice", "ConstantStepDevice", "LinearStepDevice", "SoftBoundsDevice", "ExpStepDevice",
           "PowStepDevice", "PiecewiseStepDevice", "PRESETS", "preset", "device_from_config", "idealized",
           "gokmen_vlasov", "reram_es", "reram_sb", "reram_like", "ecram", "capacitor"]
