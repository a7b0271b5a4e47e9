"""Tiki-Taka family: gradient accumulation on a fast analog array, transfer to a slow one.

* :class:`TikiTakaCell` (TTv1, Gokmen & Haensch 2020): the gradient is pulsed onto the fast
  array A; every ``transfer_every`` mini-batches the next ``columns_per_transfer`` columns of A
  are read with one-hot inputs (analog reads) and pulsed onto the slow array C
  (``C += transfer_lr * A e_k e_k^T``). The network uses ``W = gamma*A + C``. Because A
  is driven towards its devices' symmetry point, the asymmetry that biases analog SGD acts
  as a decay on A instead of a drift of the weights.
* :class:`TTv2Cell` (Gokmen 2021): the column reads of A accumulate in a digital buffer H;
  whole pulses ``n = trunc(H/dw)`` (at most ``max_pulses``) are written to C and removed
  from H; W = C. With ``chopped=True`` it is c-TTv2 (Rasch et al. 2023): the input to A is
  multiplied by a per-column chopper c_k = +/-1 that flips (with ``chop_prob``) after each
  transfer of its column, and the reads are multiplied by c_k, which cancels A's offsets.
"""

from __future__ import annotations

import numpy as np

from ..crossbar.devices import PulsedDevice
from ..crossbar.pulsed import AnalogPulsedTile, PulseConfig, ReadConfig, between_updates


def _positive(name: str, v: float) -> float:
    if not np.isfinite(v) or v <= 0:
        raise ValueError(f"{name} must be a positive finite number, got {v}")
    return float(v)


def _count(name: str, v: int) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
        raise ValueError(f"{name} must be an int >= 1, got {v!r}")
    return int(v)


class _TransferBase:
    """Fast array A, slow array C, column pointer and transfer schedule."""

    def __init__(self, out_size: int, in_size: int, device: PulsedDevice | str, *,
                 slow_device: PulsedDevice | str | None = None, transfer_lr: float = 1.0, transfer_every: int = 1,
                 columns_per_transfer: int = 1, pulse: PulseConfig | None = None, read: ReadConfig | None = None,
                 zero_shift: bool = False, fast_lr: float | None = None, seed: int = 0) -> None:
        self.A = AnalogPulsedTile(out_size, in_size, device, pulse=pulse, read=read, seed=seed)
        self.C = AnalogPulsedTile(out_size, in_size, slow_device if slow_device is not None else device,
                                  pulse=pulse, read=read, seed=seed + 7919)
        self.transfer_lr = _positive("transfer_lr", transfer_lr)
        self.transfer_every = _count("transfer_every", transfer_every)
        self.columns_per_transfer = _count("columns_per_transfer", columns_per_transfer)
        # aihwkit's fast_lr: the learning rate of the gradient onto A, independent of the SGD lr
        self.fast_lr = None if fast_lr is None else _positive("fast_lr", fast_lr)
        self.in_size, self.out_size = in_size, out_size
        self._col = 0
        self._n_updates = 0
        # A starts at the reset point (aihwkit resets the fast array before training).
        self.A.set_weights(np.zeros((out_size, in_size)))
        self.A_ref = np.zeros((out_size, in_size))
        if zero_shift:
            self._zero_shift()

    def _zero_shift(self, pairs: int = 400, burst: int = 5) -> None:
        """Symmetry-point zero-shifting (Kim et al. 2019): drive A to its devices' symmetry points
        by alternating up/down pulse bursts and keep that state as the (reference-array) zero of
        A's reads, so that A's asymmetry decays it towards zero rather than towards an offset."""
        up = np.full((self.out_size, self.in_size), burst, dtype=np.int32)
        for _ in range(pairs):
            self.A.apply_pulses(up)
            self.A.apply_pulses(-up)
        self.A_ref = self.A.weights

    def _next_columns(self) -> list[int]:
        cols = [(self._col + q) % self.in_size for q in range(self.columns_per_transfer)]
        self._col = (self._col + self.columns_per_transfer) % self.in_size
        return cols

    def _read_columns(self, cols: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """One-hot inputs E (len(cols) x in) and the analog reads A e_k (len(cols) x out) in one call."""
        e = np.zeros((len(cols), self.in_size))
        e[np.arange(len(cols)), cols] = 1.0
        return e, self.A.forward(e) - self.A_ref[:, cols].T

    def _fast_update(self, x: np.ndarray, grad_out: np.ndarray, lr: float) -> None:
        self.A.update(x, -grad_out, self.fast_lr if self.fast_lr is not None else lr)
        between_updates(self.A)
        between_updates(self.C)

    def update(self, x: np.ndarray, grad_out: np.ndarray, lr: float) -> None:
        self._fast_update(x, grad_out, lr)
        self._n_updates += 1
        if self._n_updates % self.transfer_every == 0:
            self._transfer(self._next_columns())

    def _transfer(self, cols: list[int]) -> None:
        raise NotImplementedError

    def set_weights(self, w: np.ndarray) -> None:
        self.C.set_weights(w)


def one_hot_pulse_counts(v: np.ndarray, lr: float, dw: float, pulse: PulseConfig,
                         rng: np.random.Generator) -> np.ndarray:
    """Signed coincidence counts of stochastic pulse trains for one-hot inputs (x = e_k, d = v_k).

    The same pulse trains as the tile's stochastic update (BL management, update management,
    P(column pulse) = min(A, 1), P(row i pulse) = min(B*|v_i|, 1) in each of BL slots, count =
    number of slots where both fire), drawn in numpy for the len(v) touched columns only: the
    C++ update visits every crosspoint of the tile for every sample, which for the one-hot
    samples of a transfer is almost all wasted work. Applied with ``apply_pulses`` the devices
    take the same sequential noisy steps, so this is the same update in distribution.

    Args:
        v: (n, out) the values written to the n columns (the d side).
        lr: learning rate of the write; dw: the tile's granularity; pulse: its PulseConfig.
    Returns:
        (n, out) int32 signed pulse counts.
    """
    v = np.asarray(v, dtype=np.float64)
    vmax = np.max(np.abs(v), axis=1)
    safe = np.where(vmax > 0, vmax, 1.0)
    bl = np.full(len(v), pulse.desired_bl, dtype=np.int64)
    if pulse.update_bl_management:
        bl = np.clip(np.ceil(lr * vmax / dw), 1, pulse.desired_bl).astype(np.int64)
    ab = lr / (dw * bl)
    if pulse.update_management:  # A * max|x| = B * max|d| with max|x| = 1
        a, b = np.sqrt(ab * safe), np.sqrt(ab / safe)
    else:
        a = b = np.sqrt(ab)
    px = np.minimum(a, 1.0)
    pd = np.minimum(np.abs(v) * b[:, None], 1.0)
    slots = np.arange(pulse.desired_bl)[None, :] < bl[:, None]  # (n, BL)
    xb = (rng.random(slots.shape) < px[:, None]) & slots
    db = rng.random((*v.shape, pulse.desired_bl)) < pd[..., None]
    counts = np.count_nonzero(db & xb[:, None, :], axis=2)
    return (np.sign(v) * counts).astype(np.int32)


class TikiTakaCell(_TransferBase):
    """TTv1: W = gamma*A + C; column reads of A pulsed onto C with ``transfer_lr``."""

    name = "tiki-taka"

    def __init__(self, out_size: int, in_size: int, device: PulsedDevice | str, *, gamma: float = 0.0,
                 **kwargs: object) -> None:
        super().__init__(out_size, in_size, device, **kwargs)  # type: ignore[arg-type]
        if not np.isfinite(gamma) or gamma < 0:
            raise ValueError(f"gamma must be finite and >= 0, got {gamma}")
        self.gamma = float(gamma)
        self._rng = np.random.default_rng([self.A.seed, 0x77A])

    def forward(self, x: np.ndarray) -> np.ndarray:
        y = self.C.forward(x)
        return y + self.gamma * (self.A.forward(x) - x @ self.A_ref.T) if self.gamma else y

    def backward(self, d: np.ndarray) -> np.ndarray:
        g = self.C.backward(d)
        return g + self.gamma * (self.A.backward(d) - d @ self.A_ref) if self.gamma else g

    def _transfer(self, cols: list[int]) -> None:
        # One pulsed update with one one-hot sample per column: the samples touch disjoint
        # columns, so this equals transferring the columns one after the other.
        e, v = self._read_columns(cols)
        if not np.any(v != 0):
            return
        if self.C.pulse.pulse_type != "stochastic":
            self.C.update(e, v, self.transfer_lr)
            return
        counts = np.zeros((self.out_size, self.in_size), dtype=np.int32)
        counts[:, cols] = one_hot_pulse_counts(v, self.transfer_lr, self.C.granularity, self.C.pulse, self._rng).T
        self.C.apply_pulses(counts)
        self.C.queries["update"] += len(cols)

    def effective_weights(self) -> np.ndarray:
        return self.C.weights + self.gamma * (self.A.weights - self.A_ref)


class TTv2Cell(_TransferBase):
    """TTv2 / chopped TTv2: digital buffer H between A and C; whole pulses written to C; W = C."""

    def __init__(self, out_size: int, in_size: int, device: PulsedDevice | str, *, max_pulses: int = 1,
                 forget_buffer: bool = True, chopped: bool = False, chop_prob: float = 0.5,
                 **kwargs: object) -> None:
        super().__init__(out_size, in_size, device, **kwargs)  # type: ignore[arg-type]
        self.max_pulses = _count("max_pulses", max_pulses)
        if not 0.0 <= chop_prob <= 1.0:
            raise ValueError(f"chop_prob must be in [0, 1], got {chop_prob}")
        self.forget_buffer, self.chopped, self.chop_prob = bool(forget_buffer), bool(chopped), float(chop_prob)
        self.name = "chopped-ttv2" if chopped else "ttv2"
        self.H = np.zeros((out_size, in_size))
        self.chopper = np.ones(in_size)
        self._rng = np.random.default_rng([self.A.seed, 0xC40B])
        self.dw_slow = self.C.granularity

    def forward(self, x: np.ndarray) -> np.ndarray:
        return self.C.forward(x)

    def backward(self, d: np.ndarray) -> np.ndarray:
        return self.C.backward(d)

    def _fast_update(self, x: np.ndarray, grad_out: np.ndarray, lr: float) -> None:
        super()._fast_update(x * self.chopper if self.chopped else x, grad_out, lr)

    def _transfer(self, cols: list[int]) -> None:
        _, v = self._read_columns(cols)  # len(cols) x out
        idx = np.asarray(cols)
        if self.chopped:
            v = v * self.chopper[idx][:, None]
        h = self.H[:, idx] + self.transfer_lr * v.T / self.dw_slow  # in units of slow-device pulses
        n = np.clip(np.trunc(h), -self.max_pulses, self.max_pulses).astype(np.int32)
        if np.any(n):
            counts = np.zeros((self.out_size, self.in_size), dtype=np.int32)
            counts[:, idx] = n
            self.C.apply_pulses(counts)
        # aihwkit's forget_buffer: an element that fired restarts from zero, else keeps its residue.
        self.H[:, idx] = np.where(n != 0, 0.0, h) if self.forget_buffer else h - n
        if self.chopped:
            flip = self._rng.random(len(cols)) < self.chop_prob
            self.chopper[idx[flip]] *= -1.0

    def effective_weights(self) -> np.ndarray:
        return self.C.weights


def chopped_ttv2_cell(out_size: int, in_size: int, device: PulsedDevice | str, **kwargs: object) -> TTv2Cell:
    """c-TTv2 (Rasch et al. 2023): :class:`TTv2Cell` with the chopper on."""
    return TTv2Cell(out_size, in_size, device, chopped=True, **kwargs)  # type: ignore[arg-type]


__all__ = ["TikiTakaCell", "TTv2Cell", "chopped_ttv2_cell", "one_hot_pulse_counts"]
