"""Twin calibration of diffractive stacks: recovered layer shifts, calibrated twin and PAT gradients."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from pnnkit import io as pnnkit_io
from pnnkit.optics.calibration import calibrate_shifts, realign_masks
from pnnkit.optics.diffractive import DiffractiveNetwork, DiffractiveNonidealities, default_regions

LAM = 1.0e-6
SHAPE = (32, 32)


def _net(nonideal: DiffractiveNonidealities | None = None, n_layers: int = 3, **kw) -> DiffractiveNetwork:
    return DiffractiveNetwork(SHAPE, LAM, LAM, [60 * LAM] * (n_layers + 1), default_regions(SHAPE, 4, 8),
                              input_shape=(8, 8), input_upsample=2, dtype=np.complex128, pad=False,
                              nonideal=nonideal, warn=False, **kw)


def _images(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0, 1, (n, 64))


@pytest.mark.parametrize("readout", ["camera", "regions"])
@pytest.mark.parametrize("chip_seed,max_shift", [(0, 1), (3, 1), (5, 2)])
def test_calibration_recovers_known_shifts_noise_free(readout: str, chip_seed: int, max_shift: int) -> None:
    net = _net(DiffractiveNonidealities(misalignment_px=max_shift, seed=chip_seed))
    assert np.any(net.shifts_px_)  # the chip really is misaligned
    phase0 = net._params["phase"].value.copy()
    x = _images(4)
    cal = calibrate_shifts(net, x, max_shift_px=max_shift, readout=readout)
    np.testing.assert_array_equal(cal.shifts_px, net.shifts_px_)
    np.testing.assert_array_equal(net.twin_shifts_px, net.shifts_px_)
    assert max(cal.mismatch) < 1e-10  # the twin now *is* the chip
    assert cal.physical_queries == net.n_layers * len(x) == net.queries["forward"]
    assert cal.twin_evaluations == net.n_layers * (2 * max_shift + 1) ** 2
    np.testing.assert_array_equal(net._params["phase"].value, phase0)  # the deployed masks are restored
    # Twin and chip agree on the deployed masks too, not only on the probes.
    y = _images(3, seed=1)
    np.testing.assert_allclose(net.set_mode("twin").forward(y), net.set_mode("physical").forward(y), rtol=1e-10)


@pytest.mark.parametrize("chip_seed", [0, 1, 2, 3])
def test_calibration_is_robust_to_the_fabrication_phase_error(chip_seed: int) -> None:
    # 10 % of 2 pi per pixel: 0.63 rad of unmodelled error on every layer of the chip.
    net = _net(DiffractiveNonidealities(phase_error=0.1, misalignment_px=1, seed=chip_seed))
    cal = calibrate_shifts(net, _images(4), readout="camera")
    np.testing.assert_array_equal(cal.shifts_px, net.shifts_px_)
    # The error leaves a residual, but the estimate fits better than the aligned twin wherever a layer moved.
    moved = np.any(net.shifts_px_ != 0, axis=1)
    assert np.all(np.array(cal.mismatch)[moved] < np.array(cal.mismatch_aligned)[moved])
    assert min(cal.mismatch) > 1e-3


def test_calibration_with_camera_noise_averages_repeats() -> None:
    nid = DiffractiveNonidealities(phase_error=0.05, misalignment_px=1, detector_read_std=1e-3, seed=4)
    net = _net(nid)
    cal = calibrate_shifts(net, _images(4), repeats=2)
    np.testing.assert_array_equal(cal.shifts_px, net.shifts_px_)
    assert cal.physical_queries == 2 * 4 * net.n_layers == net.queries["forward"]


def test_calibrated_pat_gradient_is_the_chip_gradient() -> None:
    # Without fabrication phase error the calibrated twin equals the chip, so PAT (physical
    # forward, twin vjp) must give the in-situ gradient exactly; the uncalibrated twin does not.
    net = _net(DiffractiveNonidealities(misalignment_px=1, seed=3))
    rng = np.random.default_rng(7)
    x, g = _images(5, seed=2), rng.normal(size=(5, 10))

    def grads(mode: str, adjoint: bool = False) -> tuple[np.ndarray, np.ndarray]:
        net.set_mode(mode)
        net.zero_grad()
        net.forward(x)
        gx = net.backward_adjoint(g) if adjoint else net.backward(g)
        return net._params["phase"].grad.copy(), gx

    net.train()
    exact, gx_exact = grads("physical", adjoint=True)
    plain, _ = grads("pat")
    calibrate_shifts(net, _images(4))
    calibrated, gx_cal = grads("pat")
    scale = np.abs(exact).max()
    np.testing.assert_allclose(calibrated, exact, rtol=0, atol=1e-10 * scale)
    np.testing.assert_allclose(gx_cal, gx_exact, rtol=0, atol=1e-10 * np.abs(gx_exact).max())
    cos = np.sum(plain * exact) / (np.linalg.norm(plain) * np.linalg.norm(exact))
    assert cos < 0.5  # the misaligned twin's gradient points elsewhere


def test_shifted_twin_vjp_matches_finite_differences() -> None:
    net = _net(n_layers=2)
    net.set_twin_shifts([[1, -2], [0, 1]])
    net.set_mode("twin").train()
    rng = np.random.default_rng(8)
    x, g = _images(2, seed=3), rng.normal(size=(2, 10))
    net.zero_grad()
    net.forward(x)
    net.backward(g)
    p = net._params["phase"]
    eps = 1e-6
    # Layer 0 moves one row down and two columns left: its pixel (31, 0) falls off the grid.
    for idx in [(0, 14, 9), (1, 20, 13), (1, 3, 30), (0, 31, 0)]:
        v0 = p.value[idx]
        p.value[idx] = v0 + eps
        fp = np.sum(net.forward(x) * g)
        p.value[idx] = v0 - eps
        fm = np.sum(net.forward(x) * g)
        p.value[idx] = v0
        fd = (fp - fm) / (2 * eps)
        assert abs(p.grad[idx] - fd) <= 1e-6 * max(abs(fd), 1e-4), (idx, p.grad[idx], fd)
    assert p.grad[0, 31, 0] == 0.0


def test_camera_frame_integrates_to_the_detector_signals() -> None:
    net = _net(DiffractiveNonidealities(phase_error=0.1, misalignment_px=1, seed=1))
    x = _images(3)
    for physical in (False, True):
        frame = net.output_intensity(x, physical=physical)
        sig = net.detector_signals(x, physical=physical)
        ref = np.stack([frame[:, y:y + h, x0:x0 + w].sum(axis=(1, 2)) for y, x0, h, w in net.regions], axis=1)
        np.testing.assert_allclose(ref, sig, rtol=1e-10)
    assert net.queries["forward"] == 6


def test_twin_shifts_survive_a_checkpoint(tmp_path: Path) -> None:
    net = _net(DiffractiveNonidealities(misalignment_px=1, seed=0))
    calibrate_shifts(net, _images(2))
    path = tmp_path / "cal.npz"
    pnnkit_io.save(str(path), net)
    back, _ = pnnkit_io.load(str(path))
    np.testing.assert_array_equal(back.twin_shifts_px, net.shifts_px_)
    x = _images(2, seed=5)
    np.testing.assert_allclose(back.set_mode("twin").forward(x), net.set_mode("twin").forward(x), rtol=1e-12)


def test_bad_inputs_raise() -> None:
    net = _net()
    with pytest.raises(ValueError, match="readout"):
        calibrate_shifts(net, _images(2), readout="scan")
    with pytest.raises(ValueError, match="max_shift_px"):
        calibrate_shifts(net, _images(2), max_shift_px=-1)
    with pytest.raises(ValueError, match="max_shift_px"):
        calibrate_shifts(net, _images(2), max_shift_px=16)
    with pytest.raises(ValueError, match="repeats"):
        calibrate_shifts(net, _images(2), repeats=0)
    with pytest.raises(ValueError, match="input"):
        calibrate_shifts(net, np.zeros((2, 63)))
    with pytest.raises(TypeError, match="net"):
        calibrate_shifts(object(), _images(2))  # type: ignore[arg-type]
    assert net.queries["forward"] == 0  # nothing was spent on rejected calls
    with pytest.raises(ValueError, match="shifts_px"):
        net.set_twin_shifts(np.zeros((2, 2), dtype=int))
    with pytest.raises(TypeError, match="shifts_px"):
        net.set_twin_shifts(np.full((3, 2), 0.5))
    with pytest.raises(ValueError, match="shifts_px"):
        net.set_twin_shifts(np.full((3, 2), 40))


@pytest.mark.parametrize("mask", ["phase", "amplitude", "complex"])
def test_realigned_masks_put_the_design_back_in_place(mask: str) -> None:
    # After calibration and re-registration the chip shows the aligned design on every pixel that
    # stays on the grid: its transmissions equal the aligned twin's away from the lost edge band.
    net = _net(DiffractiveNonidealities(misalignment_px=1, seed=3), mask=mask)
    design = net.twin_transmissions()  # aligned (twin shifts still zero)
    calibrate_shifts(net, _images(4))
    realign_masks(net)
    chip = net.physical_transmissions()
    np.testing.assert_allclose(chip[:, :, 1:-1, 1:-1], design[:, :, 1:-1, 1:-1], rtol=0, atol=1e-12)
    assert not np.allclose(chip, design)  # the edge band really is lost
    with pytest.raises(ValueError, match="shifts_px"):
        realign_masks(net, np.zeros((2, 2)))


def test_diffractive_job_calibrates_before_pat(monkeypatch: pytest.MonkeyPatch) -> None:
    from pnnkit.datasets.split import DataSplit
    from pnnkit.jobs import diffractive as job

    # The preset is 200 x 200; the job's calibration path is exercised on the small stack.
    monkeypatch.setattr(job, "build_model", lambda n, cfg, ideal_chip=False: _net(cfg.nonideal(ideal_chip)))
    rng = np.random.default_rng(9)
    data = DataSplit(rng.uniform(0, 1, (12, 64)), rng.integers(0, 10, 12), rng.uniform(0, 1, (6, 64)),
                     rng.integers(0, 10, 6), 10, "noise")
    cfg = job.DiffractiveJobConfig(phase_error=0.0, misalignment_px=1, chip_seed=3, epochs=1, batch_size=6,
                                   calibrate=True, calibration_images=4, pad=False)
    out = job.train("pat", data, cfg)
    model = out["model"]
    np.testing.assert_array_equal(model.twin_shifts_px, model.shifts_px_)
    assert out["results"]["calibration_exact"] == 1.0
    assert out["results"]["calibration_physical_queries"] == 4 * model.n_layers
    assert out["config"]["calibration"]["shifts_px"] == model.shifts_px_.tolist()
