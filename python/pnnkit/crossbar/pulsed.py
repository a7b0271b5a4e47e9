"""An analog tile trained in memory: reads (forward/backward) plus the pulsed update.

:class:`AnalogPulsedTile` holds an ``out_size x in_size`` array of pulsed devices (one seed =
one chip). ``update(x, d, lr)`` applies ``W += lr * d^T x`` as stochastic pulse trains in C++
(see ``pulsed_update.hpp``); ``forward``/``backward`` are analog reads ``x W^T`` / ``d W``
with abs-max noise management and additive output noise (``out_noise`` in units of the
normalized output range, aihwkit default 0.06). :class:`AnalogPulsedLinear` is a
:mod:`pnnkit.nn` layer built on tiles; the training rule (analog SGD, Tiki-Taka, ...) is its
``cell`` (see :mod:`pnnkit.training.analog_sgd`, :mod:`~pnnkit.training.tiki_taka`,
:mod:`~pnnkit.training.mixed_precision`).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from .. import _core
from ..nn.module import Module
from .devices import PulsedDevice, preset

PULSE_TYPES = {"stochastic": 0, "deterministic": 1, "mean-count": 2}
PULSE_PRECISIONS = ("float64", "float32")


@dataclass(frozen=True)
class PulseConfig:
    """How ``W += lr * d^T x`` is turned into pulses (aihwkit ``UpdateParameters`` names).

    Attributes:
        desired_bl: pulse-train length (time slots), 1..32 (aihwkit default 31).
        update_management: balance the x and d scales so max|x| and max|d| fire equally often.
        update_bl_management: shrink the train to ceil(lr*max|x|*max|d|/dw_min) slots.
        pulse_type: "stochastic" (physical), "deterministic" (round the expected count) or
            "mean-count" (expected, fractional count) — the last two are ablations.
        aggregate_constant: for ConstantStep devices, sum the n steps of a crosspoint into
            one Gaussian draw (exact except for negative noisy steps at a bound).
        precision: arithmetic of the stochastic pulse kernels. "float64" (default): Philox
            normals by inverse CDF, float64 weights, with a scalar reference kernel.
            "float32": every pulse is still one device step with its own normal, computed in
            float32 SIMD lanes (per-crosspoint xoshiro128++ streams keyed by Philox; each pulse's
            normal is the polynomial quantile of a 16-bit value, i.e. one of 2^16 equiprobable
            values with |z| <= 4.33, where "float64" draws full-resolution normals); a row's
            weights are held in float32 while the batch is applied, and those whose float32 value
            changed are written back. It is what aihwkit computes, and 6-12x faster for
            weight-dependent devices (ExpStep, SoftBounds, Pow).
            Equal to "float64" to float32 rounding without cycle-to-cycle noise and equal in
            distribution with it. The deterministic and mean-count ablations are float64 only.
    """

    desired_bl: int = 31
    update_management: bool = True
    update_bl_management: bool = True
    pulse_type: str = "stochastic"
    aggregate_constant: bool = True
    precision: str = "float64"

    def __post_init__(self) -> None:
        if isinstance(self.desired_bl, bool) or not isinstance(self.desired_bl, (int, np.integer)):
            raise TypeError(f"desired_bl must be an int, got {type(self.desired_bl).__name__}")
        if not 1 <= int(self.desired_bl) <= 32:
            raise ValueError(f"desired_bl must be in [1, 32] (one 32-bit pulse word), got {self.desired_bl}")
        if self.pulse_type not in PULSE_TYPES:
            raise ValueError(f"pulse_type must be one of {sorted(PULSE_TYPES)}, got {self.pulse_type!r}")
        if self.precision not in PULSE_PRECISIONS:
            raise ValueError(f"precision must be one of {PULSE_PRECISIONS}, got {self.precision!r}")
        if self.precision == "float32" and self.pulse_type != "stochastic":
            raise ValueError("precision 'float32' applies to stochastic pulses only; the deterministic and mean-count "
                             "ablations run in float64")


@dataclass(frozen=True)
class ReadConfig:
    """Analog read (forward/backward MVM) non-idealities of the pulsed tile.

    Attributes:
        out_noise: additive Gaussian output noise, std in units of the normalized output
            (inputs scaled to max|x| = 1 before the read; aihwkit default 0.06). 0 = exact read.
        periphery: optional full periphery model of the inference tile
            (:class:`~pnnkit.crossbar.config.IOParameters`: DAC/ADC resolution and bounds,
            output and weight noise, noise and bound management, IR drop), used instead of the
            simple ``out_noise`` model when given. Outputs are in device weight units
            (weight scale 1: a device at weight 1 with a full-scale input gives output 1).
    """

    out_noise: float = 0.06
    periphery: Any = None

    def __post_init__(self) -> None:
        if not (math.isfinite(self.out_noise) and self.out_noise >= 0):
            raise ValueError(f"out_noise must be finite and >= 0, got {self.out_noise}")
        if self.periphery is not None:
            from .config import IOParameters

            if not isinstance(self.periphery, IOParameters):
                raise TypeError(f"periphery must be an IOParameters or None, got {type(self.periphery).__name__}")
            # one C++ parameter struct and one unsplit tile per config (built once, not per read)
            split = _core.CrossbarTileSplit()
            split.max_input_size = split.max_output_size = 1 << 30
            object.__setattr__(self, "_io_core", self.periphery.to_core())
            object.__setattr__(self, "_split_core", split)


def analog_mvm(x: np.ndarray, w: np.ndarray, read: ReadConfig, rng: np.random.Generator) -> np.ndarray:
    """One analog read ``x W^T`` (x: batch x in, w: out x in) with the non-idealities of ``read``.

    Abs-max noise management: the crossbar sees x/max|x| per sample and the output noise is
    added in that scale, so its std in output units is ``out_noise * max|x|``. With
    ``read.periphery`` the read goes through the inference tile's C++ periphery model instead.
    """
    if read.periphery is not None:
        seed = int(rng.integers(0, 2**63 - 1))
        y32, _ = _core.crossbar_read(np.ascontiguousarray(w, dtype=np.float32),
                                     np.ascontiguousarray(x, dtype=np.float32), False,
                                     read._io_core, read._split_core, 1.0, seed)
        return np.asarray(y32, dtype=np.float64)
    y = x @ w.T
    if read.out_noise > 0:
        scale = np.max(np.abs(x), axis=1, keepdims=True)
        y += read.out_noise * scale * rng.standard_normal(y.shape)
    return y


def _check_lr(lr: float) -> float:
    if isinstance(lr, bool) or not isinstance(lr, (int, float, np.floating)) or not math.isfinite(lr) or lr <= 0:
        raise ValueError(f"lr must be a positive finite number, got {lr!r}")
    return float(lr)


class AnalogPulsedTile:
    """``out_size x in_size`` crossbar of pulsed devices with analog reads and in-memory update.

    Args:
        out_size: rows (outputs, d side).
        in_size: columns (inputs, x side).
        device: a :class:`~pnnkit.crossbar.devices.PulsedDevice` or a preset name.
        pulse: :class:`PulseConfig` of the update.
        read: :class:`ReadConfig` of the reads.
        seed: chip seed (d2d variation, pulse and read noise).
    """

    def __init__(self, out_size: int, in_size: int, device: PulsedDevice | str = "constant", *,
                 pulse: PulseConfig | None = None, read: ReadConfig | None = None, seed: int = 0) -> None:
        for name, v in (("out_size", out_size), ("in_size", in_size)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
                raise TypeError(f"{name} must be an int, got {type(v).__name__}")
            if v < 1:
                raise ValueError(f"{name} must be >= 1, got {v}")
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"seed must be a non-negative int, got {seed!r}")
        self.device = preset(device) if isinstance(device, str) else device
        if not isinstance(self.device, PulsedDevice):
            raise TypeError(f"device must be a PulsedDevice or preset name, got {type(device).__name__}")
        self.pulse = pulse if pulse is not None else PulseConfig()
        self.read = read if read is not None else ReadConfig()
        self.out_size, self.in_size, self.seed = int(out_size), int(in_size), int(seed)
        self._core = _core.PulsedTile(self.device.to_core(), self.out_size, self.in_size, self.seed)
        self._rng = np.random.default_rng([self.seed, 0x5EAD])
        self._w: np.ndarray | None = None
        self.queries: Counter[str] = Counter()
        self.granularity = self.device.granularity()

    # -- weights --------------------------------------------------------------------------
    @property
    def weights(self) -> np.ndarray:
        """Current weights (copy, ``out_size x in_size``)."""
        return self._weights().copy()

    def _weights(self) -> np.ndarray:
        if self._w is None:
            self._w = self._core.get_weights()
        return self._w

    def set_weights(self, w: np.ndarray) -> None:
        """Program the weights (each clipped to its device's bounds); not a pulsed operation."""
        w = np.asarray(w, dtype=np.float64)
        if w.shape != (self.out_size, self.in_size):
            raise ValueError(f"weights must have shape {(self.out_size, self.in_size)}, got {w.shape}")
        if not np.all(np.isfinite(w)):
            raise ValueError("weights must be finite")
        self._core.set_weights(w)
        self._w = None

    def device_array(self, name: str) -> np.ndarray:
        """Per-device (d2d) parameters: scale_up, scale_down, w_max, w_min, slope_up, slope_down, decay, ..."""
        return self._core.device_array(name)

    # -- reads ----------------------------------------------------------------------------
    def _read(self, x: np.ndarray, w: np.ndarray, name: str) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != w.shape[1]:
            raise ValueError(f"{name} input must have shape (batch, {w.shape[1]}), got {x.shape}")
        if not np.all(np.isfinite(x)):
            raise ValueError(f"{name} input contains NaN or inf")
        self.queries[name] += x.shape[0]
        return analog_mvm(x, w, self.read, self._rng)

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Analog forward read ``x W^T`` (batch x in -> batch x out)."""
        return self._read(x, self._weights(), "forward")

    def backward(self, d: np.ndarray) -> np.ndarray:
        """Analog transposed read ``d W`` (batch x out -> batch x in)."""
        return self._read(d, self._weights().T, "backward")

    # -- in-memory updates ----------------------------------------------------------------
    def update(self, x: np.ndarray, d: np.ndarray, lr: float) -> dict[str, float]:
        """Pulsed update ``W += lr * d^T x`` (x: batch x in, d: batch x out); returns pulse statistics."""
        lr = _check_lr(lr)
        x = np.atleast_2d(np.asarray(x, dtype=np.float64))
        d = np.atleast_2d(np.asarray(d, dtype=np.float64))
        if x.shape[1] != self.in_size or d.shape[1] != self.out_size or x.shape[0] != d.shape[0]:
            raise ValueError(f"update needs x (batch, {self.in_size}) and d (batch, {self.out_size}), "
                             f"got {x.shape} and {d.shape}")
        if not (np.all(np.isfinite(x)) and np.all(np.isfinite(d))):
            raise ValueError("update inputs x and d must be finite")
        p = self.pulse
        st = self._core.update(x, d, lr, int(p.desired_bl), p.update_management, p.update_bl_management,
                               PULSE_TYPES[p.pulse_type], p.aggregate_constant, precision=p.precision)
        self.queries["update"] += x.shape[0]
        self._w = None
        return dict(st)

    def apply_pulses(self, counts: np.ndarray) -> None:
        """Apply signed integer pulse counts (``out_size x in_size``) to the devices."""
        counts = np.asarray(counts)
        if counts.shape != (self.out_size, self.in_size):
            raise ValueError(f"counts must have shape {(self.out_size, self.in_size)}, got {counts.shape}")
        if not np.issubdtype(counts.dtype, np.integer):
            raise TypeError(f"counts must be integers, got dtype {counts.dtype}")
        self._core.apply_pulses(counts.astype(np.int32))
        self.queries["pulses"] += 1
        self._w = None

    def decay(self, n_steps: int = 1) -> None:
        """Lifetime decay of every device towards its reset value (n_steps mini-batches)."""
        self._core.decay(int(n_steps))
        self._w = None

    def diffuse(self) -> None:
        """One random-walk step of every device (``diffusion`` std)."""
        self._core.diffuse()
        self._w = None

    def reset_columns(self, cols: np.ndarray | list[int]) -> None:
        """Reset the listed columns to the devices' reset value (+ reset_std noise)."""
        self._core.reset_columns(np.asarray(cols, dtype=np.int64).ravel())
        self._w = None

    # -- state ----------------------------------------------------------------------------
    def state(self) -> dict[str, np.ndarray]:
        """Weights and the noise counter (the device d2d state is rebuilt from the seed)."""
        return {"weights": self.weights, "counter": np.array(self._core.counter, dtype=np.uint64)}

    def load_state(self, state: dict[str, np.ndarray]) -> None:
        self.set_weights(state["weights"])
        self._core.counter = int(state["counter"])


class Cell(Protocol):
    """A training rule on analog tiles: reads and the update of one layer's weights."""

    def forward(self, x: np.ndarray) -> np.ndarray: ...
    def backward(self, d: np.ndarray) -> np.ndarray: ...
    def update(self, x: np.ndarray, grad_out: np.ndarray, lr: float) -> None: ...
    def effective_weights(self) -> np.ndarray: ...
    def set_weights(self, w: np.ndarray) -> None: ...


class AnalogPulsedLinear(Module):
    """A linear layer on analog tiles trained in memory: ``y = W [x, 1]`` (bias as a tile column).

    The forward and backward passes are analog reads of the cell's tiles; the weight update
    is not a digital ``Parameter`` step but ``cell.update(x, grad_out, lr)`` called by
    :class:`~pnnkit.training.analog_sgd.AnalogOptimizer`. The ``weight``/``bias`` parameters
    mirror the effective analog weights (for inspection and checkpoints).
    """

    capabilities = frozenset({"pulsed_update"})

    def __init__(self, in_features: int, out_features: int, cell: Any, *, bias: bool = True,
                 init_seed: int = 0) -> None:
        super().__init__()
        self.in_features, self.out_features, self.bias = int(in_features), int(out_features), bool(bias)
        self.cell = cell
        rng = np.random.default_rng(init_seed)
        bound = 1.0 / math.sqrt(in_features)
        w = rng.uniform(-bound, bound, size=(out_features, in_features + int(bias)))
        if bias:
            w[:, -1] = 0.0
        self.cell.set_weights(w)
        self.add_parameter("weight", np.zeros((out_features, in_features)))
        if bias:
            self.add_parameter("bias", np.zeros(out_features))
        self._sync()
        self._x: np.ndarray | None = None
        self._grad: np.ndarray | None = None

    def _sync(self) -> None:
        w = self.cell.effective_weights()
        self._params["weight"].value[...] = w[:, : self.in_features]
        if self.bias:
            self._params["bias"].value[...] = w[:, -1]

    def _augment(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != self.in_features:
            raise ValueError(f"x must have shape (batch, {self.in_features}), got {x.shape}")
        return np.hstack([x, np.ones((x.shape[0], 1))]) if self.bias else x

    def forward(self, x: np.ndarray) -> np.ndarray:
        xa = self._augment(x)
        self._x = xa
        return self.cell.forward(xa)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        if self._x is None:
            raise RuntimeError("backward called before forward")
        grad_out = np.asarray(grad_out, dtype=np.float64)
        self._grad = grad_out
        g = self.cell.backward(grad_out)
        return g[:, : self.in_features] if self.bias else g

    def analog_step(self, lr: float) -> None:
        """Apply the cell's in-memory update with the cached input and output gradient."""
        if self._x is None or self._grad is None:
            raise RuntimeError("analog_step needs a forward and a backward pass first")
        self.cell.update(self._x, self._grad, lr)
        self._sync()

    def config(self) -> dict[str, Any]:
        return {"in_features": self.in_features, "out_features": self.out_features, "bias": self.bias}


def between_updates(tile: AnalogPulsedTile) -> None:
    """Lifetime decay and diffusion once per mini-batch (aihwkit applies them per update)."""
    if tile.device.lifetime > 0:
        tile.decay(1)
    if tile.device.diffusion > 0:
        tile.diffuse()


__all__ = ["PulseConfig", "ReadConfig", "AnalogPulsedTile", "AnalogPulsedLinear", "Cell", "PULSE_TYPES", "analog_mvm"]
