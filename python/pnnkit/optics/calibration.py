"""Calibrating a diffractive twin to its chip from detector measurements.

Physics-aware training (Wright et al. 2022) needs a twin whose Jacobian resembles the
device's; labs fit the twin's few unknown physical parameters to measurements of the device
first. For a diffractive stack the parameter that ruins the Jacobian is the lateral position
of each layer: a layer one pixel off sends every mask gradient to the wrong pixels (an
uncalibrated PAT run on a 1-px misaligned D2NN stays at chance).

:func:`calibrate_shifts` probes one layer at a time, as is done with SLM stacks: every other
layer is set flat (transmission 1, which a lateral shift leaves unchanged), the probed layer
shows a seeded random pattern (a diffuser: a one-pixel move decorrelates its speckle), the
chip's output is read on a calibration batch (training images or random probe patterns), and
the twin's shift of that layer is the candidate in ``[-k, k]^2`` whose output matches the
chip's best (the residual of an affine fit, which absorbs the contrast loss and
background that the fabrication phase error causes and any unknown source power or gain).
Layers are thus found independently:
``L (2k+1)^2`` twin evaluations and ``L x batch`` chip reads. A search over the deployed
masks instead (all layers random at once) has no useful landscape: unless every layer is
right the speckle is equally wrong, and coordinate sweeps stall in wrong shifts. The masks
are restored afterwards. The per-pixel fabrication phase error is not modelled and stays as
a residual mismatch.

The readout is the camera frame of the detector plane (``readout="camera"``, default) or the
ten integrated detector regions (``"regions"``). Both recover the shifts exactly without
fabrication error; with a 10 % (of 2 pi) phase error the regions average the speckle away
and the error's own scattered light drowns what is left (wrong shifts on the D2NN preset
even with 32 images), while one camera frame of 40,000 pixels separates the true shift
clearly from a handful of images.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product
from typing import Any

import numpy as np

from .diffractive import DiffractiveNetwork, _shift2d


@dataclass
class ShiftCalibration:
    """Result of :func:`calibrate_shifts`.

    shifts_px: (L, 2) estimated (dy, dx) of each layer, pixels.
    mismatch: per layer, the relative residual of the affine fit of the chip's power-normalised
        readout by the twin's (1 - squared correlation; that layer probed, the others
        flat) at the estimate; ``mismatch_aligned`` the same for the unshifted twin.
    physical_queries: chip forward passes used (layers x calibration images x repeats; one
        camera frame or one read of the detector regions each).
    twin_evaluations: twin forward passes over the calibration batch.
    """

    shifts_px: np.ndarray
    mismatch: list[float]
    mismatch_aligned: list[float]
    physical_queries: int
    twin_evaluations: int

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return {"shifts_px": self.shifts_px.tolist(), "mismatch": list(self.mismatch),
                "mismatch_aligned": list(self.mismatch_aligned), "physical_queries": self.physical_queries,
                "twin_evaluations": self.twin_evaluations}


def _normalised(net: DiffractiveNetwork, x: np.ndarray, sig: np.ndarray) -> np.ndarray:
    """Signals / input power (per image), so every calibration image weighs the same."""
    field_in = net.encode(x)
    p_in = (np.abs(field_in) ** 2).reshape(len(x), -1).sum(axis=1)
    return sig / np.where(p_in > 0, p_in, 1.0)[:, None]


def _affine_residual(s: np.ndarray, target: np.ndarray) -> float:
    """Relative residual of the best fit ``target ~ a s + b``: 1 - corr(s, target)^2.

    The fabrication phase error scatters part of the light of every layer: on the detectors it
    lowers the contrast of the designed pattern and adds a background; an unknown source power
    or detector gain scales it. An affine fit absorbs these, leaving the part that the shift
    of the probed layer decides.
    """
    sc, tc = s - s.mean(), target - target.mean()
    ss, tt = float(sc @ sc), float(tc @ tc)
    if ss <= 0:
        return 1.0
    return 1.0 - float(sc @ tc) ** 2 / (ss * tt)


def _probe_masks(net: DiffractiveNetwork, layer: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Parameter values: layer ``layer`` a random pattern, every other layer transmission 1."""
    L, (ny, nx) = net.n_layers, net.shape
    if net.mask == "phase":
        v = np.zeros((L, ny, nx))
        v[layer] = rng.uniform(0, 2 * np.pi, (ny, nx))
        return {"phase": v}
    if net.mask == "amplitude":
        v = np.ones((L, ny, nx))
        v[layer] = rng.uniform(0, 1, (ny, nx))
        return {"amplitude": v}
    v = np.zeros((L, 2, ny, nx))
    v[:, 0] = 1.0
    ph = rng.uniform(0, 2 * np.pi, (ny, nx))
    v[layer] = np.stack([np.cos(ph), np.sin(ph)])
    return {"transmission": v}


READOUTS = ("camera", "regions")


def _read(net: DiffractiveNetwork, x: np.ndarray, physical: bool, readout: str) -> np.ndarray:
    if readout == "camera":
        frame = net.output_intensity(x, physical=physical)
        p_in = (np.abs(net.encode(x)) ** 2).reshape(len(x), -1).sum(axis=1)
        return (frame / np.where(p_in > 0, p_in, 1.0)[:, None, None]).ravel()
    return _normalised(net, x, net.detector_signals(x, physical=physical)).ravel()


def calibrate_shifts(net: DiffractiveNetwork, x: np.ndarray, *, max_shift_px: int = 1, readout: str = "camera",
                     repeats: int = 1, seed: int = 0, apply: bool = True) -> ShiftCalibration:
    """Estimate each layer's lateral shift on the chip, one probed layer at a time.

    net: the network whose *physical* model is the chip (its masks must be programmable:
        they are set to probe patterns for the measurement and restored afterwards).
    x: calibration images (batch, h*w) or (batch, h, w): training images or probe patterns.
    max_shift_px: search range k, shifts in ``[-k, k]`` per axis (``(2k+1)^2`` per layer).
    readout: ``"camera"`` (frame of the detector plane) or ``"regions"`` (the detector signals).
    repeats: chip reads of each probe, averaged (camera noise).
    seed: seed of the random probe patterns.
    apply: set the estimate as the twin's shifts (:meth:`DiffractiveNetwork.set_twin_shifts`).

    Physical queries: ``n_layers * len(x) * repeats`` (also counted in ``net.queries["forward"]``).
    Candidates are visited by increasing ``|dy| + |dx|`` and ties keep the first, so a layer
    that leaves no trace on the detectors stays at 0.
    """
    if not isinstance(net, DiffractiveNetwork):
        raise TypeError(f"net must be a DiffractiveNetwork, got {type(net).__name__}")
    if int(max_shift_px) != max_shift_px or max_shift_px < 0:
        raise ValueError(f"max_shift_px must be an integer >= 0, got {max_shift_px}")
    if int(repeats) != repeats or repeats < 1:
        raise ValueError(f"repeats must be an integer >= 1, got {repeats}")
    if readout not in READOUTS:
        raise ValueError(f"readout must be one of {READOUTS}, got {readout!r}")
    k, repeats = int(max_shift_px), int(repeats)
    if np.any(2 * k >= np.array(net.shape)):
        raise ValueError(f"max_shift_px {k} is too large for the {net.shape} grid")
    x = np.asarray(x)
    net.encode(x)  # validates the shape before any chip query is spent
    if len(x) < 1:
        raise ValueError("x must hold at least one calibration image")

    L = net.n_layers
    candidates = sorted(product(range(-k, k + 1), repeat=2), key=lambda c: (abs(c[0]) + abs(c[1]), c))
    rng = np.random.default_rng(seed)
    params = dict(net.named_parameters())
    saved_values = {name: p.value.copy() for name, p in params.items()}
    saved_shifts = net.twin_shifts_px.copy()
    est = np.zeros((L, 2), dtype=np.int64)
    mismatches: list[float] = []
    aligned: list[float] = []
    n_eval = 0
    try:
        for layer in range(L):
            for name, v in _probe_masks(net, layer, rng).items():
                params[name].value[...] = v
            target = sum(_read(net, x, True, readout) for _ in range(repeats)) / repeats
            if np.ptp(target) <= 0:
                raise ValueError("the chip's output on x is constant: nothing to calibrate against")
            best, best_c = np.inf, (0, 0)
            for c in candidates:
                net.twin_shifts_px = np.zeros((L, 2), dtype=np.int64)
                net.twin_shifts_px[layer] = c
                s = _read(net, x, False, readout)
                n_eval += 1
                m = _affine_residual(s, target)
                if c == (0, 0):
                    aligned.append(m)
                if m < best:
                    best, best_c = m, c
            est[layer] = best_c
            mismatches.append(best)
    finally:
        for name, p in params.items():
            p.value[...] = saved_values[name]
        net.twin_shifts_px = saved_shifts
    if apply:
        net.set_twin_shifts(est)
    return ShiftCalibration(shifts_px=est, mismatch=mismatches, mismatch_aligned=aligned,
                            physical_queries=L * len(x) * repeats, twin_evaluations=n_eval)


def realign_masks(net: DiffractiveNetwork, shifts_px: np.ndarray | None = None) -> None:
    """Move each layer's mask parameters by ``-shifts_px`` (default: the twin's calibrated shifts).

    On a programmable stack this re-registers the design: the chip, which moves layer ``l`` by
    ``shifts_px[l]``, then shows every mask pixel where the aligned design had it (the
    ``|shift|``-wide band at the edge that falls off the grid is lost; the vacated band gets
    transmission 1). The twin's shifts are left alone: they still describe the chip.
    """
    s = net.twin_shifts_px if shifts_px is None else np.asarray(shifts_px, dtype=np.int64)
    if s.shape != (net.n_layers, 2):
        raise ValueError(f"shifts_px must have shape ({net.n_layers}, 2), got {s.shape}")
    fills = {"phase": (0.0,), "amplitude": (1.0,), "transmission": (1.0, 0.0)}
    for name, p in net.named_parameters():
        for layer, (dy, dx) in enumerate(s.tolist()):
            if name == "transmission":
                for part, fill in enumerate(fills[name]):
                    p.value[layer, part] = _shift2d(p.value[layer, part], -dy, -dx, fill)
            else:
                p.value[layer] = _shift2d(p.value[layer], -dy, -dx, fills[name][0])
