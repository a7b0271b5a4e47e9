"""PCM-like unipolar device pairs with refresh (aihwkit ``OneSidedUnitCell`` semantics).

A phase-change memory cell can only be *potentiated* gradually (partial SET pulses grow the
crystalline region, each step smaller than the last) and *depressed* only abruptly (a RESET
melts it back to the low-conductance state). A signed weight is therefore a pair of unipolar
devices, ``w = g+ - g-`` (Burr et al. 2015; Nandakumar et al. 2020):

* a pulsed update ``W += lr * d x^T`` potentiates g+ where ``d x^T > 0`` and g- where it is < 0.
  Both tiles receive the same rank-one update, g+ with ``(x, d)`` and g- with ``(x, -d)``; a
  unipolar device (:func:`pcm_unipolar`: a :class:`PiecewiseStepDevice` whose down steps are all
  zero) ignores the down pulses, so each device only sees its own sign.
* both devices only grow, so they saturate, and the saturating SET makes the update vanish.
  Every ``refresh_every`` mini-batches, both arrays are read (noisy reads); a crosspoint whose
  larger normalized conductance exceeds ``upper_thres`` while the smaller exceeds
  ``lower_thres`` (aihwkit's criterion; both normalized by the mean ``g_max``) is refreshed:
  its read weight ``w = g+ - g-`` is kept, both devices are RESET (abrupt, to the reset level
  with d2d and c2c reset noise), and ``|w|`` is re-programmed by SET pulses onto g+ (w > 0) or
  g- (w < 0). The pulse count comes from the nominal step curve (open loop, like aihwkit's
  refresh write); ``program_iters > 1`` adds read-verify rounds that top up with more pulses.

Units: conductances are normalized to the nominal ``g_max`` = the device's ``w_max`` (1.0 for
the preset), so weights lie in about [-1, 1] like the other presets.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .devices import PiecewiseStepDevice
from .pulsed import AnalogPulsedTile, PulseConfig, ReadConfig, analog_mvm, between_updates


def pcm_unipolar() -> PiecewiseStepDevice:
    """A PCM-like unipolar device on [0, 1] (g / g_max) with a gradual, saturating SET.

    The SET step decays as exp(-3 g/g_max) (sampled at 6 nodes: 1.0 at reset, 0.05 at g_max),
    ``dw_min = 0.004`` at the reset level, so about 700 pulses take a fresh device to 0.75 g_max;
    down steps are exactly zero (only a RESET lowers the conductance). d2d/c2c spreads follow
    aihwkit's PCM preset in spirit (step d2d 0.2, g_max d2d 0.1); reset to 0.01 with 0.005 d2d
    and 0.005 c2c spread. pnnkit's choice of numbers, not a fit to a particular device.
    """
    nodes = tuple(round(math.exp(-3.0 * t), 4) for t in np.linspace(0.0, 1.0, 6))
    return PiecewiseStepDevice(dw_min=0.004, dw_min_dtod=0.2, dw_min_std=0.3, w_max=1.0, w_min=0.0, w_max_dtod=0.1,
                               w_min_dtod=0.0, up_down=0.0, up_down_dtod=0.0, reset=0.01, reset_dtod=0.005,
                               reset_std=0.005, piecewise_up=nodes, piecewise_down=(0.0, 0.0))


def _check_unipolar(device: Any) -> PiecewiseStepDevice:
    if not isinstance(device, PiecewiseStepDevice) or any(v != 0.0 for v in device.piecewise_down):
        raise ValueError("device must be unipolar: a PiecewiseStepDevice whose piecewise_down nodes are all zero")
    if device.w_min < 0.0:
        raise ValueError(f"a unipolar device's w_min (its lowest conductance) must be >= 0, got {device.w_min}")
    return device


def _fraction(name: str, v: float) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0.0 <= v <= 1.0:
        raise ValueError(f"{name} must be in [0, 1], got {v!r}")
    return float(v)


class UnipolarPairCell:
    """Analog SGD on a pair of unipolar arrays ``W = G+ - G-`` with periodic refresh.

    Args:
        out_size, in_size: tile shape (rows = outputs, columns = inputs).
        device: a unipolar device (default :func:`pcm_unipolar`).
        refresh_every: mini-batches between refresh checks (0: never refresh).
        upper_thres, lower_thres: refresh criterion on the normalized conductances (aihwkit 0.75, 0.25).
        refresh_read: noise of the reads a refresh makes (default out_noise 0.01: a rare refresh can
            average repeated reads; aihwkit's default single read has 0.06).
        program_iters: write rounds when re-programming (1: open loop; more: read-verify top-ups).
        max_program_pulses: most SET pulses one device gets per write round.
        pulse, read: pulse trains of the update and noise of the forward/backward reads.
        seed: chip seed (g+ and g- arrays get distinct d2d variation).
    """

    name = "pcm-pair"

    def __init__(self, out_size: int, in_size: int, device: PiecewiseStepDevice | None = None, *,
                 refresh_every: int = 1, upper_thres: float = 0.75, lower_thres: float = 0.25,
                 refresh_read: ReadConfig | None = None, program_iters: int = 1, max_program_pulses: int = 4096,
                 pulse: PulseConfig | None = None, read: ReadConfig | None = None, seed: int = 0) -> None:
        self.device = _check_unipolar(device if device is not None else pcm_unipolar())
        for name, v, lo in (("refresh_every", refresh_every, 0), ("program_iters", program_iters, 1),
                            ("max_program_pulses", max_program_pulses, 1)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < lo:
                raise ValueError(f"{name} must be an int >= {lo}, got {v!r}")
        self.refresh_every, self.program_iters = int(refresh_every), int(program_iters)
        self.max_program_pulses = int(max_program_pulses)
        self.upper_thres = _fraction("upper_thres", upper_thres)
        self.lower_thres = _fraction("lower_thres", lower_thres)
        self.read = read if read is not None else ReadConfig()
        self.refresh_read = refresh_read if refresh_read is not None else ReadConfig(out_noise=0.01)
        self.gp = AnalogPulsedTile(out_size, in_size, self.device, pulse=pulse, read=self.read, seed=seed)
        self.gm = AnalogPulsedTile(out_size, in_size, self.device, pulse=pulse, read=self.read, seed=seed + 4099)
        self.out_size, self.in_size = int(out_size), int(in_size)
        self.g_max = float(self.device.w_max)
        self._rng = np.random.default_rng([int(seed), 0x9C3])
        self._n_updates = 0
        self.refresh_count = 0  # crosspoints refreshed so far
        self.refresh_events = 0  # refresh checks that refreshed at least one crosspoint
        self._pulses_to = self._nominal_pulse_table()

    # -- reads ----------------------------------------------------------------------------
    def _w(self) -> np.ndarray:
        return self.gp._weights() - self.gm._weights()

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Differential read: the two column currents are subtracted before the ADC (one output noise)."""
        x = np.asarray(x, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != self.in_size:
            raise ValueError(f"forward input must have shape (batch, {self.in_size}), got {x.shape}")
        self.gp.queries["forward"] += x.shape[0]
        return analog_mvm(x, self._w(), self.read, self._rng)

    def backward(self, d: np.ndarray) -> np.ndarray:
        d = np.asarray(d, dtype=np.float64)
        if d.ndim != 2 or d.shape[1] != self.out_size:
            raise ValueError(f"backward input must have shape (batch, {self.out_size}), got {d.shape}")
        self.gp.queries["backward"] += d.shape[0]
        return analog_mvm(d, self._w().T, self.read, self._rng)

    def effective_weights(self) -> np.ndarray:
        return self._w()

    def set_weights(self, w: np.ndarray) -> None:
        """Program w > 0 onto g+ and -w onto g- (the other device at 0), as aihwkit does."""
        w = np.asarray(w, dtype=np.float64)
        self.gp.set_weights(np.maximum(w, 0.0))
        self.gm.set_weights(np.maximum(-w, 0.0))

    # -- update and refresh ---------------------------------------------------------------
    def update(self, x: np.ndarray, grad_out: np.ndarray, lr: float) -> None:
        """``W -= lr * grad_out^T x``: g+ takes the positive part, g- the negative part (as potentiation)."""
        d = -np.asarray(grad_out, dtype=np.float64)
        self.gp.update(x, d, lr)
        self.gm.update(x, -d, lr)
        between_updates(self.gp)
        between_updates(self.gm)
        self._n_updates += 1
        if self.refresh_every and self._n_updates % self.refresh_every == 0:
            self.refresh()

    def _read_all(self, tile: AnalogPulsedTile) -> np.ndarray:
        """Every conductance of ``tile`` read by one-hot column reads (noise std out_noise per read).

        Computed as G + noise, which is what the one-hot reads give with abs-max noise management
        (max|x| = 1), without the in_size^2 * out_size cost of the identity product.
        """
        tile.queries["refresh_read"] += self.in_size
        g = tile._weights()
        if self.refresh_read.out_noise > 0:
            g = g + self.refresh_read.out_noise * self._rng.standard_normal(g.shape)
        return g

    def refresh(self) -> int:
        """Refresh the saturated crosspoints now; returns how many were refreshed."""
        gp_r, gm_r = self._read_all(self.gp), self._read_all(self.gm)
        p, m = gp_r / self.g_max, gm_r / self.g_max
        flag = ((p > self.upper_thres) & (m > self.lower_thres)) | ((m > self.upper_thres) & (p > self.lower_thres))
        n = int(np.count_nonzero(flag))
        if n == 0:
            return 0
        w_read = gp_r - gm_r
        self._reset(self.gp, flag)
        self._reset(self.gm, flag)
        self._program(self.gp, flag & (w_read > 0), np.maximum(w_read, 0.0))
        self._program(self.gm, flag & (w_read < 0), np.maximum(-w_read, 0.0))
        self.refresh_count += n
        self.refresh_events += 1
        return n

    def _reset(self, tile: AnalogPulsedTile, mask: np.ndarray) -> None:
        """RESET the masked devices: reset level (d2d) + reset_std (c2c), clipped to the device's range."""
        w = tile._weights()  # read only: np.where below builds the new array
        level = tile.device_array("reset").reshape(w.shape)
        new = level + tile.device.reset_std * self._rng.standard_normal(w.shape)
        new = np.clip(new, tile.device_array("w_min").reshape(w.shape), tile.device_array("w_max").reshape(w.shape))
        tile.set_weights(np.where(mask, new, w))
        tile.queries["reset"] += int(np.count_nonzero(mask))

    def _nominal_pulse_table(self) -> tuple[np.ndarray, np.ndarray]:
        """Cumulative nominal pulse count N(g) = integral dg / step(g) of the mean device (no d2d)."""
        dev = self.device
        g = np.linspace(dev.w_min, dev.w_max, 2049)
        nodes = np.asarray(dev.piecewise_up)
        rel = np.interp((g - dev.w_min) / (dev.w_max - dev.w_min), np.linspace(0.0, 1.0, len(nodes)), nodes)
        step = dev.dw_min * np.maximum(rel, 1e-12)
        inv = 1.0 / step
        cum = np.concatenate([[0.0], np.cumsum(0.5 * (inv[1:] + inv[:-1]) * np.diff(g))])
        return g, cum

    def _pulses(self, g_from: np.ndarray, g_to: np.ndarray) -> np.ndarray:
        g, cum = self._pulses_to
        n = np.interp(g_to, g, cum) - np.interp(g_from, g, cum)
        return np.clip(np.rint(n), 0, self.max_program_pulses).astype(np.int32)

    def _program(self, tile: AnalogPulsedTile, mask: np.ndarray, delta: np.ndarray) -> None:
        """Add ``delta`` of conductance to the masked (freshly reset) devices by SET pulses.

        Round 1 counts pulses on the nominal curve from the nominal reset level; each further
        round reads the device (refresh-read noise) and tops up the remaining difference.
        """
        if not np.any(mask):
            return
        g0 = np.full(delta.shape, float(self.device.reset))
        target = g0 + delta
        current = g0
        for it in range(self.program_iters):
            if it > 0:
                current = self._read_all(tile)
            counts = np.where(mask & (target > current), self._pulses(current, target), 0).astype(np.int32)
            if not np.any(counts):
                break
            tile.apply_pulses(counts)

    def state(self) -> dict[str, Any]:
        return {"gp": self.gp.state(), "gm": self.gm.state(), "n_updates": self._n_updates,
                "refresh_count": self.refresh_count}


__all__ = ["UnipolarPairCell", "pcm_unipolar"]
