"""Scalar free-space propagation of batches of complex fields (angular spectrum / Fresnel).

The heavy lifting (pocketfft, OpenMP over the batch) is in ``pnnkit._core``; this module
validates arguments, caches transfer functions and warns about undersampled set-ups.

Convention: fields carry ``exp(+i k z)``; frequencies follow ``numpy.fft.fftfreq``; complex
gradients follow ``grad_z = dL/dRe z + i dL/dIm z`` so the vjp of a propagation is its adjoint,
the same step with ``conj(H)``.
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Sequence

import numpy as np

from .. import _core

METHODS = ("asm", "fresnel")
EVANESCENT = ("decay", "cut")
_COMPLEX = {np.dtype(np.complex64), np.dtype(np.complex128)}


class UndersamplingWarning(UserWarning):
    """A propagation set-up whose grid cannot represent the physics well (says what to change)."""


def _positive(name: str, value: float) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}") from exc
    if not math.isfinite(v) or v <= 0:
        raise ValueError(f"{name} must be > 0 and finite, got {value!r}")
    return v


def check_grid_shape(shape: Sequence[int], name: str = "shape") -> tuple[int, int]:
    """Validate a 2-D grid shape ``(ny, nx)`` with positive sizes."""
    try:
        dims = tuple(int(s) for s in shape)
    except TypeError as exc:
        raise TypeError(f"{name} must be a pair (ny, nx), got {shape!r}") from exc
    if len(dims) != 2:
        raise ValueError(f"{name} must be 2-D (ny, nx), got {len(dims)}-D {dims}")
    if min(dims) < 1:
        raise ValueError(f"{name} sizes must be >= 1, got {dims}")
    return dims  # type: ignore[return-value]


def padded_shape(shape: tuple[int, int], pad: bool) -> tuple[int, int]:
    """FFT grid: ``2n`` per axis when padding (linear convolution), else the grid itself."""
    return (2 * shape[0], 2 * shape[1]) if pad else shape


def band_limit_frequency(wavelength_m: float, distance_m: float, n: int, pitch_m: float) -> float:
    """Matsushima-Shimobaba band limit (cycles/m) for an FFT of ``n`` samples at ``pitch_m``."""
    return float(_core.optics_band_limit_frequency(_positive("wavelength_m", wavelength_m), abs(float(distance_m)),
                                                   int(n), _positive("pitch_m", pitch_m)))


def sampling_report(shape: Sequence[int], pitch_m: float, wavelength_m: float, distance_m: float, *,
                    pad: bool = True, method: str = "asm", band_limit: bool = True) -> list[str]:
    """Problems of a set-up, each a sentence saying what to change (empty when well sampled).

    Checks (per axis): the band limit keeps less than half of the grid's bandwidth (distance
    too long for the grid: enlarge it or pad); pitch > lambda/2 *where it matters*, i.e. when
    the largest angle the grid represents, asin(lambda / (2 pitch)), is smaller than the angle
    at which the aperture is seen over ``distance_m``; for Fresnel, distances beyond the
    transfer-function critical distance ``N pitch^2 / lambda``.
    """
    ny, nx = check_grid_shape(shape)
    p = _positive("pitch_m", pitch_m)
    lam = _positive("wavelength_m", wavelength_m)
    z = abs(float(distance_m))
    out: list[str] = []
    nyq = 1.0 / (2.0 * p)
    for axis, n in (("y", ny), ("x", nx)):
        npad = 2 * n if pad else n
        if band_limit and method == "asm" and z > 0:
            fl = band_limit_frequency(lam, z, npad, p)
            if fl < 0.5 * min(nyq, 1.0 / lam):
                out.append(f"distance_m={z:g} is too long for a {npad}-sample {axis} grid: the band limit keeps "
                           f"only {100 * fl / min(nyq, 1 / lam):.0f}% of the bandwidth; enlarge the grid "
                           f"(n*pitch_m >= {2 * z * lam / p:.3g} m) or shorten the distance")
        if p > lam / 2 and z > 0:
            theta_grid = math.asin(min(1.0, lam / (2 * p)))
            theta_geom = math.atan(n * p / z)
            if theta_grid < theta_geom - 1e-12:
                need_z = n * p / math.tan(theta_grid)
                out.append(f"pitch_m={p:g} > wavelength/2 limits the {axis} grid to angles below "
                           f"{math.degrees(theta_grid):.1f} deg, but the aperture spans "
                           f"{math.degrees(theta_geom):.1f} deg at distance_m={z:g}; use pitch_m <= {lam / 2:g} "
                           f"or distance_m >= {need_z:.3g}")
        if method == "fresnel" and z > npad * p * p / lam:
            out.append(f"Fresnel transfer function is undersampled along {axis}: distance_m={z:g} exceeds "
                       f"N*pitch^2/lambda = {npad * p * p / lam:.3g} m; use method='asm' with band_limit=True "
                       "or a larger grid")
    return out


@functools.lru_cache(maxsize=64)
def _cached_tf(py: int, px: int, pitch_m: float, wavelength_m: float, distance_m: float, method: str,
               band_limit: bool, evanescent: str) -> np.ndarray:
    H = _core.optics_transfer_function(py, px, pitch_m, pitch_m, wavelength_m, distance_m, method, band_limit,
                                       evanescent)
    H.setflags(write=False)
    return H


def transfer_function(padded: Sequence[int], pitch_m: float, wavelength_m: float, distance_m: float, *,
                      method: str = "asm", band_limit: bool = True, evanescent: str = "decay") -> np.ndarray:
    """Transfer function ``H`` (py, px) in FFT order, complex128, read-only and cached.

    ``method="asm"``: exact Rayleigh-Sommerfeld ``exp(i 2 pi z sqrt(1/lambda^2 - fx^2 - fy^2))``;
    evanescent components ``"decay"`` (``exp(-2 pi z sqrt(f^2 - 1/lambda^2))``) or are ``"cut"``.
    ``method="fresnel"``: ``exp(i k z) exp(-i pi lambda z (fx^2 + fy^2))``. ``band_limit`` zeroes
    ``|f| >= 1/(lambda sqrt((2 df z)^2 + 1))`` per axis, ``df = 1/(n pitch)`` (Matsushima 2009).
    Cached per (padded shape, pitch, wavelength, distance, method, band limit, evanescent).
    """
    py, px = check_grid_shape(padded, "padded")
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if evanescent not in EVANESCENT:
        raise ValueError(f"evanescent must be one of {EVANESCENT}, got {evanescent!r}")
    z = float(distance_m)
    if not math.isfinite(z):
        raise ValueError(f"distance_m must be finite, got {distance_m!r}")
    return _cached_tf(py, px, _positive("pitch_m", pitch_m), _positive("wavelength_m", wavelength_m), z, method,
                      bool(band_limit), evanescent)


def _as_wavelengths(wavelength_m: float | Sequence[float]) -> tuple[float, ...]:
    lams = (wavelength_m,) if np.isscalar(wavelength_m) else tuple(wavelength_m)  # type: ignore[arg-type]
    if not lams:
        raise ValueError("wavelength_m must not be empty")
    return tuple(_positive("wavelength_m", w) for w in lams)


class Propagator:
    """One free-space step on an ``(ny, nx)`` grid, applied to batches of fields.

    ``wavelength_m`` may be a sequence of W wavelengths: then fields are shaped
    ``(..., W, ny, nx)`` (the wavelength is the last batch axis) and each slice uses its own
    transfer function. ``dtype`` is complex64 (default, throughput) or complex128.
    ``pad=True`` zero-pads to ``2n`` per axis so the convolution is linear, not circular.
    Warns (:class:`UndersamplingWarning`) when the set-up is undersampled, saying what to change.
    """

    def __init__(self, shape: Sequence[int], pitch_m: float, wavelength_m: float | Sequence[float],
                 distance_m: float, *, method: str = "asm", band_limit: bool = True, pad: bool = True,
                 evanescent: str = "decay", dtype: type | np.dtype = np.complex64, warn: bool = True) -> None:
        self.shape = check_grid_shape(shape)
        self.pitch_m = _positive("pitch_m", pitch_m)
        self.wavelengths_m = _as_wavelengths(wavelength_m)
        self.distance_m = float(distance_m)
        self.method, self.band_limit, self.pad, self.evanescent = method, bool(band_limit), bool(pad), evanescent
        self.dtype = np.dtype(dtype)
        if self.dtype not in _COMPLEX:
            raise TypeError(f"dtype must be complex64 or complex128, got {self.dtype}")
        self.padded = padded_shape(self.shape, self.pad)
        self.H = np.stack([transfer_function(self.padded, self.pitch_m, w, self.distance_m, method=method,
                                             band_limit=band_limit, evanescent=evanescent)
                           for w in self.wavelengths_m]).astype(self.dtype)
        if warn:
            for w in self.wavelengths_m:
                for msg in sampling_report(self.shape, self.pitch_m, w, self.distance_m, pad=self.pad,
                                           method=method, band_limit=band_limit):
                    warnings.warn(msg, UndersamplingWarning, stacklevel=2)

    def _flat(self, fields: np.ndarray, name: str) -> tuple[np.ndarray, tuple[int, ...]]:
        f = np.asarray(fields)
        if f.ndim < 2:
            raise ValueError(f"{name} must have at least 2 dims (..., ny, nx), got shape {f.shape}")
        if f.shape[-2:] != self.shape:
            raise ValueError(f"{name} grid {f.shape[-2:]} does not match the propagator's {self.shape}")
        W = len(self.wavelengths_m)
        if W > 1 and (f.ndim < 3 or f.shape[-3] != W):
            raise ValueError(f"{name} must be shaped (..., {W}, ny, nx) for {W} wavelengths, got {f.shape}")
        return np.ascontiguousarray(f.reshape((-1,) + self.shape), dtype=self.dtype), f.shape

    def forward(self, fields: np.ndarray) -> np.ndarray:
        """Propagate ``fields`` (..., ny, nx) by ``distance_m``; returns the same shape, ``dtype``."""
        flat, shape = self._flat(fields, "fields")
        return _core.optics_propagate(flat, self.H, False).reshape(shape)

    def adjoint(self, fields: np.ndarray) -> np.ndarray:
        """Adjoint step (``conj(H)``): the vjp of :meth:`forward`."""
        flat, shape = self._flat(fields, "fields")
        return _core.optics_propagate(flat, self.H, True).reshape(shape)

    __call__ = forward


def propagate(fields: np.ndarray, pitch_m: float, wavelength_m: float, distance_m: float, **kwargs) -> np.ndarray:
    """One-shot propagation of ``fields`` (..., ny, nx); keyword arguments as :class:`Propagator`.

    The dtype defaults to the fields' own (complex128 stays complex128; anything else is complex64).
    """
    f = np.asarray(fields)
    if f.ndim < 2:
        raise ValueError(f"fields must have at least 2 dims (..., ny, nx), got shape {f.shape}")
    kwargs.setdefault("dtype", np.complex128 if f.dtype == np.complex128 else np.complex64)
    return Propagator(f.shape[-2:], pitch_m, wavelength_m, distance_m, **kwargs).forward(f)
