"""Diffractive networks: stacks of thin masks in free space, read by detector regions.

:class:`DiffractiveNetwork` is a :class:`~pnnkit.substrate.PhysicalModule`: the *twin* is the
ideal stack; the *physical* model is the same stack built with seeded fabrication errors
(:class:`DiffractiveNonidealities`): additive phase error, quantized phase levels, lateral
misalignment of each layer, wavelength drift and camera noise. Forward and vjp run in the
fused C++ kernel (``pnnkit._core.DiffractiveStack64/128``), which stores only the field in
front of each mask.

The twin may carry *calibrated* lateral shifts (``twin_shifts_px``, set by
:func:`pnnkit.optics.calibration.calibrate_shifts` or :meth:`DiffractiveNetwork.set_twin_shifts`):
twin forward and vjp then use masks moved the way the chip's are measured to be, so that
physics-aware training differentiates a model that points at the right pixels.

Input: real images (batch, h*w) or (batch, h, w), amplitude-encoded (nearest-neighbour
upsampling by ``input_upsample``, centred on the grid). Output: detector signals (integrated
intensities, or differences of pairs), optionally divided by the input power and scaled by
``gain`` so they are usable as logits.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from .. import _core
from ..substrate import PhysicalModule
from .propagation import Propagator, _positive, check_grid_shape

MASKS = ("phase", "amplitude", "complex")
_STACKS = {np.dtype(np.complex64): "DiffractiveStack64", np.dtype(np.complex128): "DiffractiveStack128"}
# Philox streams of the chip's fabrication draws (distinct per non-ideality).
_STREAM_PHASE_ERROR = 0x0D1F0001
_STREAM_SHIFT = 0x0D1F0002


@dataclass
class DiffractiveNonidealities:
    """What makes the physical stack differ from its twin; one ``seed`` is one fabricated chip.

    phase_error: std of an additive Gaussian phase error per pixel, as a fraction of 2 pi
        (0.1 -> 0.2 pi rad), fixed at fabrication.
    phase_levels: number of fabricable phase levels in [0, 2 pi) (0 = continuous).
    misalignment_px: each layer is shifted laterally by integers drawn uniformly from
        [-misalignment_px, misalignment_px] per axis (0 = aligned); uncovered pixels transmit 1.
    wavelength_drift: relative change of the source wavelength (thin-element phase scales as
        lambda_0/lambda).
    detector_read_std: additive Gaussian read noise on each detector signal (signal units).
    detector_shot_factor: signal per photo-electron; shot noise std sqrt(factor * signal).
    """

    phase_error: float = 0.0
    phase_levels: int = 0
    misalignment_px: int = 0
    wavelength_drift: float = 0.0
    detector_read_std: float = 0.0
    detector_shot_factor: float = 0.0
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("phase_error", "detector_read_std", "detector_shot_factor"):
            v = float(getattr(self, name))
            if not math.isfinite(v) or v < 0:
                raise ValueError(f"{name} must be >= 0, got {v}")
        if int(self.phase_levels) < 0 or int(self.phase_levels) == 1:
            raise ValueError(f"phase_levels must be 0 (continuous) or >= 2, got {self.phase_levels}")
        if int(self.misalignment_px) < 0:
            raise ValueError(f"misalignment_px must be >= 0, got {self.misalignment_px}")
        if not (-0.5 < float(self.wavelength_drift) < 0.5):
            raise ValueError(f"wavelength_drift must be in (-0.5, 0.5), got {self.wavelength_drift}")


def _shift2d(a: np.ndarray, dy: int, dx: int, fill: float) -> np.ndarray:
    """``a`` (..., ny, nx) moved by (dy, dx) pixels; vacated pixels get ``fill``."""
    out = np.full_like(a, fill)
    ny, nx = a.shape[-2:]
    ys, yd = (slice(0, ny - dy), slice(dy, ny)) if dy >= 0 else (slice(-dy, ny), slice(0, ny + dy))
    xs, xd = (slice(0, nx - dx), slice(dx, nx)) if dx >= 0 else (slice(-dx, nx), slice(0, nx + dx))
    out[..., yd, xd] = a[..., ys, xs]
    return out


def _unshift2d(g: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """Adjoint of :func:`_shift2d` for the moved values (the fill carries no gradient)."""
    return _shift2d(g, -dy, -dx, 0.0)


def default_regions(shape: Sequence[int], size_px: int, spacing_px: int) -> np.ndarray:
    """Ten square detector regions in rows of 3-4-3 centred on the plane, (10, 4) ``(y0, x0, h, w)``."""
    ny, nx = check_grid_shape(shape)
    cy, cx = ny // 2, nx // 2
    regions = []
    for row, count in zip((-1, 0, 1), (3, 4, 3)):
        yc = cy + row * spacing_px
        for i in range(count):
            xc = cx + int(round((i - (count - 1) / 2) * spacing_px))
            regions.append((yc - size_px // 2, xc - size_px // 2, size_px, size_px))
    return np.asarray(regions, dtype=np.int64)


def check_regions(regions: np.ndarray | Sequence[Sequence[int]], shape: tuple[int, int]) -> np.ndarray:
    """Validate detector regions ``(k, 4)`` = (y0, x0, h, w) inside ``shape``; returns int64 array."""
    r = np.asarray(regions)
    if r.ndim != 2 or r.shape[1] != 4:
        raise ValueError(f"regions must have shape (n_regions, 4) = (y0, x0, h, w), got {r.shape}")
    if r.shape[0] < 1:
        raise ValueError("regions must hold at least one detector region")
    if not np.issubdtype(r.dtype, np.integer):
        raise TypeError(f"regions must be integer pixel indices, got dtype {r.dtype}")
    ny, nx = shape
    for k, (y0, x0, h, w) in enumerate(r.tolist()):
        if h < 1 or w < 1:
            raise ValueError(f"detector region {k} has size {h} x {w}; height and width must be >= 1")
        if y0 < 0 or x0 < 0 or y0 + h > ny or x0 + w > nx:
            raise ValueError(f"detector region {k} (y0={y0}, x0={x0}, h={h}, w={w}) lies outside the "
                             f"{ny} x {nx} detector plane")
    return np.ascontiguousarray(r, dtype=np.int64)


class DiffractiveNetwork(PhysicalModule):
    """A D2NN: input plane -> d_0 -> mask 1 -> d_1 -> ... -> mask L -> d_L -> detector regions.

    Parameters: ``phase`` (L, ny, nx) in rad for phase masks; ``amplitude`` (L, ny, nx) in
    [0, 1] for amplitude masks; ``transmission`` (L, 2, ny, nx) = (Re, Im) for complex masks.
    ``distances_m`` has L+1 entries. ``differential_pairs`` (k, 2) turns region signals into
    ``S[pos] - S[neg]`` (Li et al. 2019). ``wavelength_m`` may be a sequence (multi-wavelength
    as a batch axis: the output is the sum of the per-wavelength signals; phases scale as
    ``wavelength_m[0] / lambda``).

    ``input_grad`` (attribute, default True): whether :meth:`backward` computes the gradient
    with respect to the input images. Set it False when the network is the first layer (its
    input is data, not a parameter): backward then skips the adjoint propagation back to the
    input plane (one of the L + 1 steps) and returns a NaN-filled array in place of the gradient.

    One instance must not be used from two threads at once (it keeps the stored fields).
    """

    capabilities = frozenset({"twin", "adjoint"})

    def __init__(self, shape: Sequence[int], pitch_m: float, wavelength_m: float | Sequence[float],
                 distances_m: Sequence[float], regions: np.ndarray | Sequence[Sequence[int]], *,
                 mask: str = "phase", input_shape: Sequence[int] = (28, 28), input_upsample: int = 1,
                 differential_pairs: Sequence[Sequence[int]] | None = None, normalize: bool = True,
                 gain: float = 1.0, pad: bool = True, band_limit: bool = True,
                 nonideal: DiffractiveNonidealities | dict | None = None, dtype: type | np.dtype = np.complex64,
                 init_seed: int = 0, warn: bool = True) -> None:
        super().__init__()
        self.shape = check_grid_shape(shape)
        self.pitch_m = _positive("pitch_m", pitch_m)
        lams = (wavelength_m,) if np.isscalar(wavelength_m) else tuple(wavelength_m)  # type: ignore[arg-type]
        if not lams:
            raise ValueError("wavelength_m must not be empty")
        self.wavelengths_m = tuple(_positive("wavelength_m", w) for w in lams)
        self.distances_m = tuple(float(d) for d in distances_m)
        if len(self.distances_m) < 1:
            raise ValueError("distances_m needs n_layers + 1 >= 1 entries")
        if not all(math.isfinite(d) for d in self.distances_m):
            raise ValueError(f"distances_m must be finite, got {self.distances_m}")
        self.n_layers = len(self.distances_m) - 1
        if mask not in MASKS:
            raise ValueError(f"mask must be one of {MASKS}, got {mask!r}")
        self.mask = mask
        self.regions = check_regions(regions, self.shape)
        self.input_shape = check_grid_shape(input_shape, "input_shape")
        self.input_upsample = int(input_upsample)
        if self.input_upsample < 1:
            raise ValueError(f"input_upsample must be >= 1, got {input_upsample}")
        if (self.input_shape[0] * self.input_upsample > self.shape[0]
                or self.input_shape[1] * self.input_upsample > self.shape[1]):
            raise ValueError(f"input {self.input_shape} x{self.input_upsample} does not fit the {self.shape} grid")
        if differential_pairs is not None:
            dp = np.asarray(differential_pairs, dtype=np.int64)
            if dp.ndim != 2 or dp.shape[1] != 2 or dp.min() < 0 or dp.max() >= len(self.regions):
                raise ValueError(f"differential_pairs must be (k, 2) indices into the {len(self.regions)} regions")
            self.differential_pairs: np.ndarray | None = dp
        else:
            self.differential_pairs = None
        self.normalize, self.gain = bool(normalize), float(gain)
        self.pad, self.band_limit = bool(pad), bool(band_limit)
        self.dtype = np.dtype(dtype)
        if self.dtype not in _STACKS:
            raise TypeError(f"dtype must be complex64 or complex128, got {self.dtype}")
        self.rdtype = np.float32 if self.dtype == np.complex64 else np.float64
        if isinstance(nonideal, dict):
            nonideal = DiffractiveNonidealities(**nonideal)
        self.nonideal = nonideal if nonideal is not None else DiffractiveNonidealities()
        self.init_seed = int(init_seed)
        L, (ny, nx) = self.n_layers, self.shape
        rng = np.random.default_rng(self.init_seed)
        if mask == "phase":
            self.add_parameter("phase", rng.uniform(0, 2 * np.pi, (L, ny, nx)))
        elif mask == "amplitude":
            self.add_parameter("amplitude", rng.uniform(0.5, 1.0, (L, ny, nx)))
        else:
            ph = rng.uniform(0, 2 * np.pi, (L, ny, nx))
            self.add_parameter("transmission", np.stack([np.cos(ph), np.sin(ph)], axis=1))
        self._twin = self._build_stack(self.wavelengths_m, warn)
        nid = self.nonideal
        self.physical_wavelengths_m = tuple(w * (1 + nid.wavelength_drift) for w in self.wavelengths_m)
        self._phys = (self._build_stack(self.physical_wavelengths_m, False)
                      if nid.wavelength_drift != 0 else self._twin)
        self._draw_chip()
        self.twin_shifts_px = np.zeros((L, 2), dtype=np.int64)
        self._noise_counter = 0
        self._cache: dict[str, Any] = {}
        self.input_grad = True

    # -- construction helpers -------------------------------------------------
    def _build_stack(self, wavelengths: tuple[float, ...], warn: bool) -> Any:
        Hs = []
        for d in self.distances_m:
            prop = Propagator(self.shape, self.pitch_m, wavelengths, d, pad=self.pad, band_limit=self.band_limit,
                              dtype=self.dtype, warn=warn)
            Hs.append(prop.H)
        return getattr(_core, _STACKS[self.dtype])(self.shape[0], self.shape[1], np.ascontiguousarray(np.stack(Hs)))

    def _draw_chip(self) -> None:
        nid, L, (ny, nx) = self.nonideal, self.n_layers, self.shape
        n = L * ny * nx
        self.phase_error_rad_ = (2 * np.pi * nid.phase_error
                                 * _core.philox_normal(nid.seed, _STREAM_PHASE_ERROR, n).reshape(L, ny, nx))
        m = nid.misalignment_px
        if m > 0:
            u = _core.philox_uniform(nid.seed, _STREAM_SHIFT, 2 * L).reshape(L, 2)
            self.shifts_px_ = np.minimum(np.floor(u * (2 * m + 1)), 2 * m).astype(np.int64) - m
        else:
            self.shifts_px_ = np.zeros((L, 2), dtype=np.int64)

    def set_twin_shifts(self, shifts_px: np.ndarray | Sequence[Sequence[int]] | None) -> None:
        """Give the twin per-layer lateral shifts (L, 2) = (dy, dx) in pixels (None = aligned).

        Calibration sets these to the shifts estimated from the chip's measurements; the twin
        (forward, vjp, PAT backward) then models each mask where it actually sits.
        """
        if shifts_px is None:
            self.twin_shifts_px = np.zeros((self.n_layers, 2), dtype=np.int64)
            return
        s = np.asarray(shifts_px)
        if s.shape != (self.n_layers, 2):
            raise ValueError(f"shifts_px must have shape ({self.n_layers}, 2) = (dy, dx) per layer, got {s.shape}")
        if not np.issubdtype(s.dtype, np.integer):
            if not np.all(np.isfinite(s)) or not np.array_equal(s, np.round(s)):
                raise TypeError(f"shifts_px must be integer pixels, got {s.dtype} values {s.tolist()}")
        if np.any(np.abs(s) >= np.array(self.shape)[None, :]):
            raise ValueError(f"shifts_px {s.tolist()} move masks off the {self.shape} grid")
        self.twin_shifts_px = s.astype(np.int64)

    # -- masks ------------------------------------------------------------------
    def _phase_scales(self, wavelengths: tuple[float, ...]) -> np.ndarray:
        return np.array([self.wavelengths_m[0] / w for w in wavelengths])

    def _design_transmission(self) -> np.ndarray:
        """Ideal complex transmission (L, ny, nx) at the design wavelength (phase masks: exp(i phase))."""
        if self.mask == "phase":
            return np.exp(1j * self._params["phase"].value)
        if self.mask == "amplitude":
            return self._params["amplitude"].value.astype(np.complex128)
        t = self._params["transmission"].value
        return t[:, 0] + 1j * t[:, 1]

    def twin_transmissions(self) -> np.ndarray:
        """(L, W, ny, nx) transmissions of the ideal twin."""
        return self._transmissions(physical=False)

    def physical_transmissions(self) -> np.ndarray:
        """(L, W, ny, nx) transmissions of the fabricated chip (errors, levels, shifts, drift)."""
        return self._transmissions(physical=True)

    def _transmissions(self, physical: bool) -> np.ndarray:
        lams = self.physical_wavelengths_m if physical else self.wavelengths_m
        scales = self._phase_scales(lams)
        if self.mask == "phase":
            ph = self._params["phase"].value
            if physical:
                ph = self._quantize(ph) + self.phase_error_rad_
            # exp(i * phase * scale) in C++ (threads, no complex128 temporaries): numpy's complex
            # exp of (L, W, ny, nx) took more time than the Python rest of a D2NN step.
            t = _core.optics_phase_transmissions(np.ascontiguousarray(ph, dtype=np.float64), scales,
                                                 self.dtype == np.complex128)
        else:
            t0 = self._design_transmission()
            if physical and self.mask == "complex":
                t0 = np.abs(t0) * np.exp(1j * (self._quantize(np.angle(t0)) + self.phase_error_rad_))
            t = np.repeat(t0[:, None], len(lams), axis=1)
        shifts = self.shifts_px_ if physical else self.twin_shifts_px
        if np.any(shifts):
            t = np.stack([_shift2d(t[l], int(dy), int(dx), 1.0) for l, (dy, dx) in enumerate(shifts)])
        return np.ascontiguousarray(t, dtype=self.dtype)

    def _quantize(self, ph: np.ndarray) -> np.ndarray:
        levels = self.nonideal.phase_levels
        if not levels:
            return ph
        step = 2 * np.pi / levels
        return np.round(np.mod(ph, 2 * np.pi) / step) * step

    # -- input / output -------------------------------------------------------------
    def encode(self, x: np.ndarray) -> np.ndarray:
        """Amplitude-encode real images (batch, h*w) or (batch, h, w) on the grid -> (batch, ny, nx)."""
        x = np.asarray(x)
        h, w = self.input_shape
        if x.ndim == 2 and x.shape[1] == h * w:
            x = x.reshape(-1, h, w)
        if x.ndim != 3 or x.shape[1:] != (h, w):
            raise ValueError(f"input must be (batch, {h * w}) or (batch, {h}, {w}), got shape {x.shape}")
        if np.iscomplexobj(x):
            raise TypeError("input images must be real (amplitude encoding)")
        k = self.input_upsample
        img = np.repeat(np.repeat(x, k, axis=1), k, axis=2) if k > 1 else x
        ny, nx = self.shape
        y0, x0 = (ny - h * k) // 2, (nx - w * k) // 2
        W = len(self.wavelengths_m)
        field = np.zeros((x.shape[0], W, ny, nx), dtype=self.dtype)
        field[:, :, y0:y0 + h * k, x0:x0 + w * k] = img[:, None]
        return field.reshape(-1, ny, nx)

    def _encode_vjp(self, g_field: np.ndarray, batch: int) -> np.ndarray:
        h, w = self.input_shape
        k = self.input_upsample
        ny, nx = self.shape
        y0, x0 = (ny - h * k) // 2, (nx - w * k) // 2
        g = g_field.reshape(batch, -1, ny, nx).real.sum(axis=1)[:, y0:y0 + h * k, x0:x0 + w * k]
        g = g.reshape(batch, h, k, w, k).sum(axis=(2, 4))
        return g.reshape(batch, h * w)

    def _signals_to_output(self, sig: np.ndarray, p_in: np.ndarray) -> np.ndarray:
        s = sig if self.differential_pairs is None else sig[:, self.differential_pairs[:, 0]] - sig[
            :, self.differential_pairs[:, 1]]
        if self.normalize:
            s = s / p_in[:, None]
        return self.gain * s

    def _output_vjp(self, g_out: np.ndarray, p_in: np.ndarray, n_regions: int) -> np.ndarray:
        g = self.gain * np.asarray(g_out, dtype=np.float64)
        if self.normalize:
            g = g / p_in[:, None]
        if self.differential_pairs is None:
            return g
        gs = np.zeros((g.shape[0], n_regions))
        np.add.at(gs, (slice(None), self.differential_pairs[:, 0]), g)
        np.subtract.at(gs, (slice(None), self.differential_pairs[:, 1]), g)
        return gs

    def _run(self, stack: Any, t: np.ndarray, x: np.ndarray, store: bool) -> dict[str, Any]:
        batch = np.asarray(x).shape[0]
        field = self.encode(x)
        # Input power sum |field|^2 from the image itself: each pixel is repeated k^2 times per
        # wavelength (one pass over the small image instead of the padded complex field).
        xf = np.asarray(x, dtype=np.float64).reshape(batch, -1)
        p_in = np.einsum("bi,bi->b", xf, xf) * (self.input_upsample ** 2 * len(self.wavelengths_m))
        p_in = np.where(p_in > 0, p_in, 1.0)
        out = stack.forward(field, t, store)
        sig = _core.optics_detect(out, self.regions)
        W = len(self.wavelengths_m)
        sig = sig.reshape(batch, W, -1).sum(axis=1)
        return {"x": x, "batch": batch, "out": out, "p_in": p_in, "sig": sig, "t": t, "stack": stack}

    def detector_signals(self, x: np.ndarray, physical: bool = False) -> np.ndarray:
        """Raw region signals (batch, n_regions) of the twin or of the chip (with camera noise).

        A chip read counts ``batch`` physical forward queries.
        """
        if physical:
            r = self._run(self._phys, self.physical_transmissions(), x, False)
            self.queries["forward"] += r["batch"]
            return self._add_noise(r["sig"])
        return self._run(self._twin, self.twin_transmissions(), x, False)["sig"]

    def output_intensity(self, x: np.ndarray, physical: bool = False) -> np.ndarray:
        """Camera frame of the whole detector plane, (batch, ny, nx) intensities summed over wavelengths.

        The chip's frame carries the camera noise of the detector model, per pixel, and counts
        ``batch`` physical forward queries. Used for calibration, where the full speckle pattern
        says far more about the masks' positions than ten integrated regions.
        """
        stack, t = (self._phys, self.physical_transmissions()) if physical else (self._twin, self.twin_transmissions())
        r = self._run(stack, t, x, False)
        ny, nx = self.shape
        frame = (np.abs(r["out"]) ** 2).reshape(r["batch"], -1, ny, nx).sum(axis=1)
        if not physical:
            return frame
        self.queries["forward"] += r["batch"]
        return self._add_noise(frame)

    def _add_noise(self, sig: np.ndarray) -> np.ndarray:
        nid = self.nonideal
        if nid.detector_read_std == 0 and nid.detector_shot_factor == 0:
            return sig
        noisy = _core.optics_detector_noise(np.ascontiguousarray(sig, dtype=np.float64), nid.detector_read_std,
                                            nid.detector_shot_factor, nid.seed, self._noise_counter)
        self._noise_counter += sig.size
        return noisy

    # -- PhysicalModule hooks -----------------------------------------------------------
    def _forward_twin(self, x: np.ndarray) -> np.ndarray:
        r = self._run(self._twin, self.twin_transmissions(), x, self.training)
        self._cache = {"kind": "twin", **r}
        return self._signals_to_output(r["sig"], r["p_in"])

    def _forward_physical(self, x: np.ndarray) -> np.ndarray:
        # In training, keep the physical fields too: in-situ gradients read them (holography).
        r = self._run(self._phys, self.physical_transmissions(), x, self.training and self.mode == "physical")
        sig = self._add_noise(r["sig"])
        r["sig"] = sig
        self.queries["forward"] += r["batch"]
        self._cache = {"kind": "physical", **r}
        return self._signals_to_output(sig, r["p_in"])

    def _backward_twin(self, grad_out: np.ndarray) -> np.ndarray:
        c = self._cache
        if not c:
            raise RuntimeError("backward called before forward")
        if c["kind"] != "twin" or c["stack"].stored_batch != c["batch"] * len(self.wavelengths_m):
            # PAT: twin vjp at the *measured* input (and the measured signals for the
            # normalisation); the twin's internal fields are recomputed at that input.
            tw = self._run(self._twin, self.twin_transmissions(), c["x"], True)
            return self._vjp(grad_out, tw, c["p_in"], c["sig"], physical=False)
        return self._vjp(grad_out, c, c["p_in"], c["sig"], physical=False)

    def _backward_adjoint(self, grad_out: np.ndarray) -> np.ndarray:
        c = self._cache
        if not c or c["kind"] != "physical" or c["stack"].stored_batch != c["batch"] * len(self.wavelengths_m):
            raise RuntimeError("in-situ backward needs a preceding physical forward in training mode")
        b = c["batch"]
        # Measurements: the adjoint field is injected at the detector plane and sent back
        # through the (reciprocal) chip; forward and adjoint fields are read holographically
        # in front of every mask.
        self.queries["adjoint"] += b
        self.queries["field_readout"] += 2 * b * self.n_layers
        return self._vjp(grad_out, c, c["p_in"], c["sig"], physical=True)

    def _vjp(self, grad_out: np.ndarray, run: dict[str, Any], p_in: np.ndarray, sig_measured: np.ndarray,
             physical: bool) -> np.ndarray:
        b, W = run["batch"], len(self.wavelengths_m)
        g_sig = self._output_vjp(grad_out, p_in, len(self.regions))
        g_sig_w = np.ascontiguousarray(np.repeat(g_sig, W, axis=0), dtype=self.rdtype)
        g_field = _core.optics_detect_vjp(run["out"], self.regions, g_sig_w)
        g_in, g_t = run["stack"].backward(g_field, self.input_grad)
        self._accumulate(g_t, run["t"], physical)
        if not self.input_grad:
            return np.full((b, self.input_shape[0] * self.input_shape[1]), np.nan)
        g_x = self._encode_vjp(g_in, b)
        if self.normalize:
            # d(S/P)/dx through P = sum |x|^2 (upsampled): -(g.S/P^2) * 2 x k^2
            out_s = self._signals_to_output(sig_measured, np.ones_like(p_in)) / self.gain
            coef = -(self.gain * np.sum(np.asarray(grad_out) * out_s, axis=1) / p_in ** 2)
            x = np.asarray(run["x"], dtype=np.float64).reshape(b, -1)
            g_x = g_x + coef[:, None] * 2 * x * self.input_upsample ** 2 * W
        return g_x

    def _accumulate(self, g_t: np.ndarray, t: np.ndarray, physical: bool) -> None:
        """Chain rule from dL/dt (L, W, ny, nx) to the mask parameters (through the chip map if physical)."""
        shifts = self.shifts_px_ if physical else self.twin_shifts_px
        if np.any(shifts):
            g_t = np.stack([_unshift2d(g_t[l], int(dy), int(dx)) for l, (dy, dx) in enumerate(shifts)])
            t = np.stack([_unshift2d(t[l], int(dy), int(dx)) for l, (dy, dx) in enumerate(shifts)])
        lams = self.physical_wavelengths_m if physical else self.wavelengths_m
        if self.mask == "phase":
            # t = exp(i s_w phase): dL/dphase = sum_w s_w Re(conj(g_t) i t) = sum_w s_w Im(g_t conj(t));
            # quantization is passed straight through.
            scales = self._phase_scales(lams)[None, :, None, None]
            self._params["phase"].grad += np.sum(scales * np.imag(g_t * np.conj(t)), axis=1)
        elif self.mask == "amplitude":
            self._params["amplitude"].grad += np.sum(np.real(g_t), axis=1)
        else:
            if physical:
                # t_phys = |t| exp(i (q(angle t) + err)): undo the fabrication phase (quantization
                # passed straight through) so the gradient is with respect to the design t.
                g_t = g_t * np.exp(-1j * self.phase_error_rad_)[:, None]
            gs = np.sum(g_t, axis=1)
            self._params["transmission"].grad += np.stack([gs.real, gs.imag], axis=1)

    def post_step(self) -> None:
        if self.mask == "amplitude":
            np.clip(self._params["amplitude"].value, 0.0, 1.0, out=self._params["amplitude"].value)
        super().post_step()

    # -- serialisation -------------------------------------------------------------
    def config(self) -> dict[str, Any]:
        return {
            "shape": list(self.shape), "pitch_m": self.pitch_m, "wavelength_m": list(self.wavelengths_m),
            "distances_m": list(self.distances_m), "regions": self.regions.tolist(), "mask": self.mask,
            "input_shape": list(self.input_shape), "input_upsample": self.input_upsample,
            "differential_pairs": None if self.differential_pairs is None else self.differential_pairs.tolist(),
            "normalize": self.normalize, "gain": self.gain, "pad": self.pad, "band_limit": self.band_limit,
            "nonideal": asdict(self.nonideal), "dtype": self.dtype.name, "init_seed": self.init_seed,
        }

    def extra_state(self) -> dict[str, np.ndarray]:
        return {"noise_counter": np.array([self._noise_counter], dtype=np.int64),
                "twin_shifts_px": self.twin_shifts_px.copy()}

    def load_extra_state(self, state: dict[str, np.ndarray]) -> None:
        unknown = sorted(set(state) - {"noise_counter", "twin_shifts_px"})
        if unknown:
            raise ValueError(f"DiffractiveNetwork has no extra state {unknown}")
        if "noise_counter" in state:
            self._noise_counter = int(np.asarray(state["noise_counter"]).ravel()[0])
        if "twin_shifts_px" in state:  # older checkpoints have none: aligned twin
            self.set_twin_shifts(np.asarray(state["twin_shifts_px"], dtype=np.int64))
