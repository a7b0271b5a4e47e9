"""Diffractive stacks and the DiffractiveNetwork physical module: adjoints, vjp, chip model, detectors."""

from __future__ import annotations

import numpy as np
import pnnkit
import pytest
from pnnkit import _core
from pnnkit.optics.diffractive import (
    DiffractiveNetwork,
    DiffractiveNonidealities,
    check_regions,
    default_regions,
)
from pnnkit.optics.presets import D2NN_LIN2018, d2nn_lin2018
from pnnkit.optics.propagation import Propagator

LAM = 1.0e-6
SHAPE = (24, 20)


def _net(mask: str = "phase", nonideal: DiffractiveNonidealities | None = None, **kw) -> DiffractiveNetwork:
    kw.setdefault("differential_pairs", [(0, 1), (2, 3), (5, 9)])
    kw.setdefault("wavelength_m", [LAM, 1.1 * LAM])
    return DiffractiveNetwork(SHAPE, LAM, kw.pop("wavelength_m"), [5 * LAM, 6 * LAM, 4 * LAM],
                              default_regions(SHAPE, 3, 5), mask=mask, input_shape=(4, 4), input_upsample=2,
                              dtype=np.complex128, gain=3.0, nonideal=nonideal, warn=False, **kw)


def _stack_H(dtype: type, n_wl: int, pad: bool = True) -> np.ndarray:
    lams = [LAM * (1 + 0.2 * w) for w in range(n_wl)]
    Hs = [Propagator(SHAPE, LAM, lams, d, pad=pad, dtype=dtype, warn=False).H for d in (5e-6, 7e-6, 3e-6, 6e-6)]
    return np.ascontiguousarray(np.stack(Hs))


@pytest.mark.parametrize("dtype,tol", [(np.complex64, 2e-5), (np.complex128, 1e-12)])
@pytest.mark.parametrize("n_wl", [1, 2])
def test_stack_adjoint_identity(dtype: type, tol: float, n_wl: int) -> None:
    rng = np.random.default_rng(0)
    H = _stack_H(dtype, n_wl)
    stack = (_core.DiffractiveStack64 if dtype == np.complex64 else _core.DiffractiveStack128)(*SHAPE, H)
    t = (rng.uniform(0.3, 1, (3, n_wl, *SHAPE)) * np.exp(1j * rng.uniform(0, 6, (3, n_wl, *SHAPE)))).astype(dtype)
    x = (rng.normal(size=(4, *SHAPE)) + 1j * rng.normal(size=(4, *SHAPE))).astype(dtype)
    y = (rng.normal(size=(4, *SHAPE)) + 1j * rng.normal(size=(4, *SHAPE))).astype(dtype)
    Ax = stack.forward(x, t, True)
    AHy = stack.adjoint(y, t)
    lhs, rhs = np.vdot(y, Ax), np.vdot(AHy, x)
    assert abs(lhs - rhs) <= tol * abs(lhs)
    gx, _ = stack.backward(y, True)  # the vjp of a linear map is its adjoint
    np.testing.assert_allclose(gx, AHy, rtol=0, atol=tol * np.abs(AHy).max())


def test_stack_parseval_phase_only() -> None:
    rng = np.random.default_rng(1)
    H = np.stack([Propagator(SHAPE, LAM, LAM, d, pad=False, band_limit=False, dtype=np.complex128, warn=False).H
                  for d in (4e-6, 9e-6, 2e-6)])
    stack = _core.DiffractiveStack128(*SHAPE, H)
    t = np.exp(1j * rng.uniform(0, 2 * np.pi, (2, 1, *SHAPE)))
    x = rng.normal(size=(3, *SHAPE)) + 1j * rng.normal(size=(3, *SHAPE))
    out = stack.forward(x, t, False)
    np.testing.assert_allclose(np.sum(np.abs(out) ** 2, axis=(1, 2)), np.sum(np.abs(x) ** 2, axis=(1, 2)),
                               rtol=1e-12)


def _fd_check(net: DiffractiveNetwork, adjoint: bool) -> None:
    rng = np.random.default_rng(2)
    x = rng.uniform(0.1, 1, (3, 16))
    g = rng.normal(size=(3, 3))
    net.zero_grad()
    net.forward(x)
    gx = net.backward_adjoint(g) if adjoint else net.backward(g)
    name, p = next(iter(net.named_parameters()))
    eps = 1e-6
    for idx in [(1,) + (0,) * (p.value.ndim - 3) + (11, 9), (0,) + (0,) * (p.value.ndim - 3) + (13, 7)]:
        v0 = p.value[idx]
        p.value[idx] = v0 + eps
        fp = np.sum(net.forward(x) * g)
        p.value[idx] = v0 - eps
        fm = np.sum(net.forward(x) * g)
        p.value[idx] = v0
        fd = (fp - fm) / (2 * eps)
        assert abs(p.grad[idx] - fd) <= 1e-6 * max(abs(fd), 1e-3), (name, idx, p.grad[idx], fd)
    for j in (5, 10):
        x2 = x.copy()
        x2[2, j] += eps
        fp = np.sum(net.forward(x2) * g)
        x2[2, j] -= 2 * eps
        fm = np.sum(net.forward(x2) * g)
        fd = (fp - fm) / (2 * eps)
        assert abs(gx[2, j] - fd) <= 1e-6 * max(abs(fd), 1e-3)


@pytest.mark.parametrize("mask", ["phase", "amplitude", "complex"])
def test_twin_vjp_matches_finite_differences(mask: str) -> None:
    _fd_check(_net(mask).set_mode("twin"), adjoint=False)


@pytest.mark.parametrize("mask", ["phase", "amplitude", "complex"])
def test_insitu_gradient_is_the_physical_gradient(mask: str) -> None:
    # Reciprocity: the adjoint sent back through the flawed chip gives the exact gradient of the chip.
    nid = DiffractiveNonidealities(phase_error=0.1, misalignment_px=1, wavelength_drift=0.02, seed=3)
    net = _net(mask, nid).set_mode("physical")
    _fd_check(net, adjoint=True)
    assert net.queries["adjoint"] > 0 and net.queries["forward"] > net.queries["adjoint"]


def test_pat_backward_is_twin_vjp_at_measured_input() -> None:
    nid = DiffractiveNonidealities(phase_error=0.2, misalignment_px=1, seed=5)
    rng = np.random.default_rng(3)
    x, g = rng.uniform(0, 1, (4, 16)), rng.normal(size=(4, 3))
    net = _net(nonideal=nid, normalize=False)
    net.set_mode("pat")
    y_pat = net.forward(x)
    net.zero_grad()
    gx_pat = net.backward(g)
    grad_pat = net._params["phase"].grad.copy()
    assert net.queries["forward"] == 4
    net.set_mode("twin")
    y_twin = net.forward(x)
    net.zero_grad()
    gx_twin = net.backward(g)
    assert not np.allclose(y_pat, y_twin)  # the chip really differs
    np.testing.assert_allclose(grad_pat, net._params["phase"].grad, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(gx_pat, gx_twin, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("mode", ["twin", "physical"])
def test_input_grad_off_skips_only_the_input_gradient(mode: str) -> None:
    # The mask gradients do not depend on the input-plane step that input_grad=False skips.
    nid = DiffractiveNonidealities(phase_error=0.1, misalignment_px=1, seed=2)
    rng = np.random.default_rng(6)
    x, g = rng.uniform(0, 1, (3, 16)), rng.normal(size=(3, 3))
    net = _net("complex", nid).set_mode(mode)
    grads, gxs = [], []
    for flag in (True, False):
        net.input_grad = flag
        net.zero_grad()
        net.forward(x)
        gxs.append(net.backward_adjoint(g) if mode == "physical" else net.backward(g))
        grads.append(net._params["transmission"].grad.copy())
    assert np.array_equal(grads[0], grads[1]) and np.any(grads[0] != 0)
    assert np.all(np.isfinite(gxs[0])) and gxs[1].shape == gxs[0].shape and np.all(np.isnan(gxs[1]))


def test_stack_gradients_deterministic_across_threads() -> None:
    rng = np.random.default_rng(4)
    net = d2nn_lin2018(pad=False, input_upsample=2)
    x = rng.uniform(0, 1, (18, 784)).astype(np.float32)
    g = rng.normal(size=(18, 10))
    old = pnnkit.get_num_threads()
    grads = []
    try:
        for n in (1, 2):
            pnnkit.set_num_threads(n)
            net.zero_grad()
            net.forward(x)
            gx = net.backward(g)
            grads.append((net._params["phase"].grad.copy(), gx))
    finally:
        pnnkit.set_num_threads(old)
    assert np.array_equal(grads[0][0], grads[1][0]) and np.array_equal(grads[0][1], grads[1][1])


def test_chip_nonidealities_are_seeded_with_the_right_statistics() -> None:
    nid = DiffractiveNonidealities(phase_error=0.1, misalignment_px=2, phase_levels=8, seed=11)
    a, b = _net(nonideal=nid), _net(nonideal=nid)
    c = _net(nonideal=DiffractiveNonidealities(phase_error=0.1, misalignment_px=2, seed=12))
    assert np.array_equal(a.phase_error_rad_, b.phase_error_rad_) and np.array_equal(a.shifts_px_, b.shifts_px_)
    assert not np.array_equal(a.phase_error_rad_, c.phase_error_rad_)
    e = a.phase_error_rad_.ravel()
    sigma = 2 * np.pi * 0.1
    # sample std within 5 standard errors (se of the std of n normals ~ sigma / sqrt(2n))
    assert abs(e.std() - sigma) < 5 * sigma / np.sqrt(2 * e.size)
    assert abs(e.mean()) < 5 * sigma / np.sqrt(e.size)
    assert np.all(np.abs(a.shifts_px_) <= 2)
    # quantized levels: without phase error, physical phases sit on multiples of 2 pi / 8
    q = _net(nonideal=DiffractiveNonidealities(phase_levels=8), wavelength_m=LAM)
    ph = np.angle(q.physical_transmissions()[:, 0])
    k = np.mod(ph, 2 * np.pi) / (2 * np.pi / 8)
    np.testing.assert_allclose(k, np.round(k), atol=1e-9)


def test_detector_noise_statistics_and_determinism() -> None:
    n = 20000
    s = np.full(n, 100.0)
    noisy = _core.optics_detector_noise(s, 0.5, 0.04, 9, 0)
    # variance = read^2 + shot_factor * S = 0.25 + 4
    var = 0.25 + 0.04 * 100
    assert abs(noisy.mean() - 100) < 5 * np.sqrt(var / n)
    assert abs(noisy.var() / var - 1) < 5 * np.sqrt(2 / n)
    assert np.array_equal(noisy, _core.optics_detector_noise(s, 0.5, 0.04, 9, 0))
    assert not np.array_equal(noisy, _core.optics_detector_noise(s, 0.5, 0.04, 9, n))


def test_detector_regions_and_vjp() -> None:
    rng = np.random.default_rng(5)
    u = rng.normal(size=(2, 10, 12)) + 1j * rng.normal(size=(2, 10, 12))
    regions = np.array([[0, 0, 3, 4], [5, 6, 5, 6], [1, 2, 4, 4]])
    s = _core.optics_detect(u, regions)
    I = np.abs(u) ** 2
    ref = np.stack([I[:, y:y + h, x:x + w].sum(axis=(1, 2)) for y, x, h, w in regions], axis=1)
    np.testing.assert_allclose(s, ref, rtol=1e-12)
    g = rng.normal(size=(2, 3))
    gu = _core.optics_detect_vjp(u, regions, g)
    # d/d eps sum g*S(u + eps v) = Re <gu, v>
    v = rng.normal(size=u.shape) + 1j * rng.normal(size=u.shape)
    eps = 1e-6
    fd = (np.sum(g * _core.optics_detect(u + eps * v, regions)) - np.sum(g * _core.optics_detect(u - eps * v,
                                                                                                  regions))) / (2 * eps)
    assert abs(fd - np.real(np.vdot(gu, v))) < 1e-6 * abs(fd)


def test_bad_inputs_raise() -> None:
    with pytest.raises(ValueError, match="outside"):
        check_regions([[0, 0, 5, 5], [18, 0, 10, 3]], (24, 20))
    with pytest.raises(ValueError, match="outside"):
        _core.optics_detect(np.zeros((1, 8, 8), np.complex64), np.array([[6, 6, 4, 1]]))
    with pytest.raises(ValueError, match="regions"):
        check_regions([[0, 0, 5]], (24, 20))
    with pytest.raises(ValueError, match="pitch_m"):
        DiffractiveNetwork(SHAPE, 0.0, LAM, [1e-6, 1e-6], default_regions(SHAPE, 3, 5))
    with pytest.raises(ValueError, match="wavelength_m"):
        DiffractiveNetwork(SHAPE, LAM, -LAM, [1e-6, 1e-6], default_regions(SHAPE, 3, 5))
    with pytest.raises(ValueError, match="2-D"):
        DiffractiveNetwork((24, 20, 2), LAM, LAM, [1e-6, 1e-6], default_regions(SHAPE, 3, 5))
    with pytest.raises(ValueError, match="mask"):
        _net("binary")
    with pytest.raises(ValueError, match="phase_levels"):
        DiffractiveNonidealities(phase_levels=1)
    net = _net()
    with pytest.raises(ValueError, match="input"):
        net.forward(np.zeros((2, 15)))
    with pytest.raises(ValueError, match="n_layers"):
        _core.DiffractiveStack64(4, 4, np.zeros((0, 1, 8, 8), np.complex64))


def test_d2nn_preset_matches_lin2018_and_roundtrips_config() -> None:
    net = d2nn_lin2018()
    assert net.n_layers == D2NN_LIN2018["n_layers"] == 5
    assert net.shape == (200, 200) and net.pitch_m == 0.4e-3 and net.wavelengths_m == (0.75e-3,)
    assert net.distances_m == (0.03,) * 6 and len(net.regions) == 10
    assert net._params["phase"].value.shape == (5, 200, 200)
    twin = DiffractiveNetwork(**{**net.config(), "init_seed": 1})
    assert twin.config()["distances_m"] == list(net.distances_m)
    diff = d2nn_lin2018(differential=True)
    assert len(diff.regions) == 20 and diff.differential_pairs.shape == (10, 2)


def test_diffractive_job_builds_the_preset_for_each_dataset() -> None:
    import argparse

    from pnnkit.jobs import diffractive as job

    assert job.METHODS == ("insilico", "pat", "insitu")
    parser = argparse.ArgumentParser()
    job.add_arguments(parser)
    args = parser.parse_args(["--phase-error", "0.05", "--misalignment", "2", "--no-pad"])
    for name, value in {"epochs": None, "batch_size": None, "lr": None, "seed": 3}.items():
        setattr(args, name, value)
    cfg = job.config_from_args(args)
    assert cfg.phase_error == 0.05 and cfg.misalignment_px == 2 and not cfg.pad and cfg.seed == 3
    digits = job.build_model(64, cfg)
    assert digits.input_shape == (8, 8) and digits.input_upsample == 14 and digits.nonideal.misalignment_px == 2
    assert job.build_model(784, cfg, ideal_chip=True).nonideal.phase_error == 0
    with pytest.raises(ValueError, match="square"):
        job.build_model(60, cfg)
    args = parser.parse_args(["--calibrate", "--calibration-images", "3"])
    for name, value in {"epochs": None, "batch_size": None, "lr": None, "seed": 0}.items():
        setattr(args, name, value)
    cal_cfg = job.config_from_args(args)
    assert cal_cfg.calibrate and cal_cfg.calibration_images == 3
    from pnnkit.datasets.split import DataSplit

    data = DataSplit(np.zeros((2, 64)), np.zeros(2, dtype=np.int64), np.zeros((2, 64)), np.zeros(2, dtype=np.int64),
                     10, "zeros")
    with pytest.raises(ValueError, match="calibrate"):
        job.train("insitu", data, cal_cfg)


def test_phase_transmissions_kernel_matches_numpy(restore_threads: None) -> None:
    # Same double angle, cos/sin in double: numpy's exp(1j * phase * scale) to within one rounding
    # of a unit-modulus value (bit-equal with glibc), then rounded to the dtype.
    rng = np.random.default_rng(8)
    ph, sc = rng.uniform(-50, 50, (3, 37, 41)), np.array([1.0, 0.93, 1.2])
    ref = np.exp(1j * ph[:, None] * sc[None, :, None, None])
    out = {}
    for n in (1, 2):
        pnnkit.set_num_threads(n)
        out[n] = (_core.optics_phase_transmissions(ph, sc, True), _core.optics_phase_transmissions(ph, sc))
        assert out[n][0].dtype == np.complex128 and out[n][1].dtype == np.complex64
        np.testing.assert_allclose(out[n][0], ref, rtol=0, atol=2 * np.finfo(np.float64).eps)
        np.testing.assert_allclose(out[n][1], ref, rtol=0, atol=np.finfo(np.float32).eps)
    np.testing.assert_array_equal(out[1][0], out[2][0])
    np.testing.assert_array_equal(out[1][1], out[2][1])
    with pytest.raises(ValueError, match="phase"):
        _core.optics_phase_transmissions(ph[0], sc)
    with pytest.raises(ValueError, match="scales"):
        _core.optics_phase_transmissions(ph, sc[:, None])


def test_input_power_is_the_encoded_field_power() -> None:
    # The normalisation's input power comes from the image (k^2 copies per pixel per wavelength).
    net = _net()
    x = np.random.default_rng(9).uniform(0, 1, (3, 16))
    field = net.encode(x).astype(np.complex128)
    p_ref = (np.abs(field) ** 2).reshape(3, -1).sum(axis=1)
    np.testing.assert_allclose(net._run(net._twin, net.twin_transmissions(), x, False)["p_in"], p_ref, rtol=1e-12)
