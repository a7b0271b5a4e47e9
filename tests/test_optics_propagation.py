"""Free-space propagation: analytic Gaussian beam, Parseval, band limit, adjoints, bad inputs."""

from __future__ import annotations

import numpy as np
import pnnkit
import pytest
from pnnkit.optics.propagation import (
    Propagator,
    UndersamplingWarning,
    propagate,
    sampling_report,
    transfer_function,
)

LAM = 1.0e-6


def _gaussian_run(z_over_zr: float) -> tuple[float, float, float, float]:
    """Propagate a waist-w0 Gaussian by z; return (measured w, analytic w, measured Gouy, analytic Gouy)."""
    w0, p, n = 40 * LAM, 5 * LAM, 256
    zr = np.pi * w0**2 / LAM
    z = z_over_zr * zr
    c = (np.arange(n) - n // 2) * p
    X, Y = np.meshgrid(c, c)
    u0 = np.exp(-(X**2 + Y**2) / w0**2).astype(np.complex128)
    u = propagate(u0[None], p, LAM, z, pad=True, band_limit=True, warn=False)[0]
    inten = np.abs(u) ** 2
    w_meas = 2 * np.sqrt(np.sum(X**2 * inten) / np.sum(inten))
    w_true = w0 * np.sqrt(1 + z_over_zr**2)
    gouy_meas = np.angle(u[n // 2, n // 2] * np.exp(-1j * 2 * np.pi * z / LAM))
    return w_meas, w_true, gouy_meas, -np.arctan(z_over_zr)


@pytest.mark.parametrize("z_over_zr", [0.5, 1.0, 2.0, 3.0])
def test_gaussian_beam_matches_analytic(z_over_zr: float) -> None:
    w_meas, w_true, g_meas, g_true = _gaussian_run(z_over_zr)
    assert abs(w_meas - w_true) / w_true < 1e-4
    assert abs(g_meas - g_true) / abs(g_true) < 1e-4


@pytest.mark.parametrize("dtype,tol", [(np.complex64, 1e-5), (np.complex128, 1e-12)])
def test_parseval_through_phase_layers(dtype: type, tol: float) -> None:
    # pitch = lambda: every grid frequency propagates, no band limit, circular: |H| = 1, unitary.
    rng = np.random.default_rng(0)
    shape = (48, 40)
    prop = Propagator(shape, LAM, LAM, 30 * LAM, pad=False, band_limit=False, dtype=dtype, warn=False)
    u = (rng.normal(size=(3, *shape)) + 1j * rng.normal(size=(3, *shape))).astype(dtype)
    e0 = np.sum(np.abs(u) ** 2, axis=(1, 2))
    for _ in range(4):
        u = prop(u * np.exp(1j * rng.uniform(0, 2 * np.pi, shape)).astype(dtype))
    e1 = np.sum(np.abs(u) ** 2, axis=(1, 2))
    np.testing.assert_allclose(e1, e0, rtol=tol)


def _rs_reference(src: np.ndarray, p: float, z: float, out_coords: np.ndarray) -> np.ndarray:
    """Direct first Rayleigh-Sommerfeld integral of a small sampled source (midpoint rule)."""
    n = src.shape[0]
    s = (np.arange(n) - n // 2) * p
    SX, SY = np.meshgrid(s, s)
    k = 2 * np.pi / LAM
    OX, OY = np.meshgrid(out_coords, out_coords)
    dx = OX[..., None, None] - SX
    dy = OY[..., None, None] - SY
    r = np.sqrt(dx**2 + dy**2 + z**2)
    h = z / (2 * np.pi * r**2) * (1 / r - 1j * k) * np.exp(1j * k * r)
    return np.sum(h * src, axis=(-2, -1)) * p * p


def test_band_limit_suppresses_aliasing_at_long_distance() -> None:
    # An 8-lambda square aperture on a 64 x 64 grid of lambda/2, propagated 200 lambda: far beyond
    # n p^2 / lambda = 16 lambda, so the plain ASM transfer function is undersampled and aliases.
    n, p, a = 64, LAM / 2, 16
    z = 200 * LAM
    src = np.zeros((n, n), complex)
    sl = slice(n // 2 - a // 2, n // 2 + a // 2)
    src[sl, sl] = 1.0
    coords = (np.arange(n) - n // 2)[::4] * p
    ref = _rs_reference(src[sl, sl], p, z, coords)
    errs = {}
    for bl in (False, True):
        u = Propagator((n, n), p, LAM, z, pad=True, band_limit=bl, dtype=np.complex128, warn=False)(src[None])[0]
        errs[bl] = np.linalg.norm(u[::4, ::4] - ref) / np.linalg.norm(ref)
    # measured: plain 0.27, band-limited 0.064 (the rest is the finite window, not aliasing)
    assert errs[True] < 0.3 * errs[False]
    assert errs[True] < 0.1


@pytest.mark.parametrize("method,bl,pad", [("asm", True, True), ("asm", False, False), ("fresnel", True, True),
                                           ("fresnel", False, False)])
@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
def test_propagator_adjoint_identity(method: str, bl: bool, pad: bool, dtype: type) -> None:
    rng = np.random.default_rng(1)
    shape = (20, 27)
    prop = Propagator(shape, 0.7 * LAM, [LAM, 1.3 * LAM], 9 * LAM, method=method, band_limit=bl, pad=pad,
                      dtype=dtype, warn=False)
    x = (rng.normal(size=(2, 2, *shape)) + 1j * rng.normal(size=(2, 2, *shape))).astype(dtype)
    y = (rng.normal(size=(2, 2, *shape)) + 1j * rng.normal(size=(2, 2, *shape))).astype(dtype)
    lhs = np.vdot(y, prop.forward(x))
    rhs = np.vdot(prop.adjoint(y), x)
    tol = 1e-5 if dtype == np.complex64 else 1e-12
    assert abs(lhs - rhs) <= tol * abs(lhs)


@pytest.mark.parametrize("shape", [(16, 24), (53, 61), (1, 7)])  # (53, 61): Bluestein lengths
def test_propagation_matches_numpy_fft_and_wavelength_axis(shape: tuple[int, int]) -> None:
    rng = np.random.default_rng(2)
    ny, nx = shape
    lams = [LAM, 1.5 * LAM]
    x = rng.normal(size=(3, 2, *shape)) + 1j * rng.normal(size=(3, 2, *shape))
    out = Propagator(shape, LAM, lams, 20 * LAM, pad=True, dtype=np.complex128, warn=False)(x)
    for w, lam in enumerate(lams):
        H = transfer_function((2 * ny, 2 * nx), LAM, lam, 20 * LAM)
        P = np.zeros((3, 2 * ny, 2 * nx), complex)
        P[:, :ny, :nx] = x[:, w]
        ref = np.fft.ifft2(np.fft.fft2(P) * H)[:, :ny, :nx]
        np.testing.assert_allclose(out[:, w], ref, rtol=0, atol=1e-12 * np.abs(ref).max())


def test_transfer_function_physics() -> None:
    H = transfer_function((64, 64), 0.4 * LAM, LAM, 3 * LAM, band_limit=False, evanescent="decay")
    f = np.fft.fftfreq(64, 0.4 * LAM)
    FX, FY = np.meshgrid(f, f)
    evan = FX**2 + FY**2 > 1 / LAM**2
    assert np.all(np.abs(H[evan]) < 1) and np.allclose(np.abs(H[~evan]), 1)
    np.testing.assert_allclose(np.abs(H[evan]), np.exp(-2 * np.pi * 3 * LAM * np.sqrt(FX[evan]**2 + FY[evan]**2
                                                                                       - 1 / LAM**2)))
    Hc = transfer_function((64, 64), 0.4 * LAM, LAM, 3 * LAM, band_limit=False, evanescent="cut")
    assert np.all(Hc[evan] == 0)
    # cached and read-only
    assert transfer_function((64, 64), 0.4 * LAM, LAM, 3 * LAM, band_limit=False) is H
    assert not H.flags.writeable


def test_determinism_one_vs_two_threads() -> None:
    rng = np.random.default_rng(3)
    x = (rng.normal(size=(7, 33, 30)) + 1j * rng.normal(size=(7, 33, 30))).astype(np.complex64)
    prop = Propagator((33, 30), LAM, LAM, 10 * LAM, warn=False)
    old = pnnkit.get_num_threads()
    try:
        pnnkit.set_num_threads(1)
        a = prop(x)
        pnnkit.set_num_threads(2)
        b = prop(x)
    finally:
        pnnkit.set_num_threads(old)
    assert np.array_equal(a, b)


def test_bad_inputs_raise() -> None:
    with pytest.raises(ValueError, match="pitch_m"):
        Propagator((8, 8), 0.0, LAM, 1e-6)
    with pytest.raises(ValueError, match="pitch_m"):
        Propagator((8, 8), -1e-6, LAM, 1e-6)
    with pytest.raises(ValueError, match="wavelength_m"):
        Propagator((8, 8), 1e-6, 0.0, 1e-6)
    with pytest.raises(ValueError, match="wavelength_m"):
        transfer_function((8, 8), 1e-6, -1.0, 1e-6)
    with pytest.raises(ValueError, match="2-D"):
        Propagator((8, 8, 8), 1e-6, LAM, 1e-6)
    with pytest.raises(ValueError, match="at least 2 dims"):
        propagate(np.ones(8, complex), 1e-6, LAM, 1e-6)
    prop = Propagator((8, 8), 1e-6, LAM, 1e-6, warn=False)
    with pytest.raises(ValueError, match="grid"):
        prop(np.ones((2, 8, 9), np.complex64))
    with pytest.raises(ValueError, match="method"):
        transfer_function((8, 8), 1e-6, LAM, 1e-6, method="rayleigh")
    with pytest.raises(TypeError, match="dtype"):
        Propagator((8, 8), 1e-6, LAM, 1e-6, dtype=np.float32)


def test_undersampled_setups_warn_with_a_fix() -> None:
    # pitch > lambda/2 with an aperture seen at a wide angle: say to reduce the pitch or move away
    with pytest.warns(UndersamplingWarning, match="pitch_m <="):
        Propagator((64, 64), 2 * LAM, LAM, 10 * LAM)
    # very long distance: the band limit keeps almost nothing of the bandwidth
    with pytest.warns(UndersamplingWarning, match="too long"):
        Propagator((32, 32), LAM / 2, LAM, 1e5 * LAM)
    with pytest.warns(UndersamplingWarning, match="Fresnel"):
        Propagator((32, 32), LAM, LAM, 1e4 * LAM, method="fresnel", band_limit=False)
    # the D2NN geometry (0.4 mm pitch at 0.75 mm, 8 cm aperture, 3 cm) is just inside both limits
    assert sampling_report((200, 200), 0.4e-3, 0.75e-3, 0.03) == []
