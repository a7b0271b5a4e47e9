"""Mixed-precision training (Nandakumar et al. 2018/2020): digital gradient accumulation, whole pulses.

The outer product ``-lr * grad_out^T x`` is accumulated exactly in a digital matrix chi;
wherever |chi| reaches the device granularity dw, ``n = trunc(chi/dw)`` whole pulses (at most
``max_pulses``) are applied to the analog tile and ``n*dw`` is removed from chi. Forward and
backward remain analog reads; only the update is digital-assisted.
"""

from __future__ import annotations

import numpy as np

from ..crossbar.devices import PulsedDevice
from ..crossbar.pulsed import AnalogPulsedTile, PulseConfig, ReadConfig, between_updates


class MixedPrecisionCell:
    """One tile plus a digital accumulator chi (``out x in``, float64)."""

    name = "mixed-precision"

    def __init__(self, out_size: int, in_size: int, device: PulsedDevice | str, *, max_pulses: int = 31,
                 pulse: PulseConfig | None = None, read: ReadConfig | None = None, seed: int = 0) -> None:
        if isinstance(max_pulses, bool) or not isinstance(max_pulses, (int, np.integer)) or max_pulses < 1:
            raise ValueError(f"max_pulses must be an int >= 1, got {max_pulses!r}")
        self.tile = AnalogPulsedTile(out_size, in_size, device, pulse=pulse, read=read, seed=seed)
        self.max_pulses = int(max_pulses)
        self.chi = np.zeros((out_size, in_size))
        self.dw = self.tile.granularity

    def forward(self, x: np.ndarray) -> np.ndarray:
        return self.tile.forward(x)

    def backward(self, d: np.ndarray) -> np.ndarray:
        return self.tile.backward(d)

    def update(self, x: np.ndarray, grad_out: np.ndarray, lr: float) -> None:
        if not np.isfinite(lr) or lr <= 0:
            raise ValueError(f"lr must be a positive finite number, got {lr}")
        self.chi -= lr * (grad_out.T @ x)
        n = np.clip(np.trunc(self.chi / self.dw), -self.max_pulses, self.max_pulses).astype(np.int32)
        if np.any(n):
            self.tile.apply_pulses(n)
            self.chi -= n * self.dw
        between_updates(self.tile)

    def effective_weights(self) -> np.ndarray:
        return self.tile.weights

    def set_weights(self, w: np.ndarray) -> None:
        self.tile.set_weights(w)


__all__ = ["MixedPrecisionCell"]
