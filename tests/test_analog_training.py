"""Analog training cells: the Tiki-Taka transfer's one-hot pulse path; reads through the periphery model."""

from __future__ import annotations

import numpy as np
import pytest
from pnnkit.crossbar.config import IOParameters
from pnnkit.crossbar.devices import ConstantStepDevice
from pnnkit.crossbar.pulsed import AnalogPulsedTile, PulseConfig, ReadConfig, analog_mvm
from pnnkit.training.tiki_taka import one_hot_pulse_counts


@pytest.mark.parametrize("update_management", [True, False])
def test_one_hot_pulse_counts_match_the_tile_update_in_distribution(update_management: bool) -> None:
    dw = 0.01
    # noiseless constant step with wide bounds: weight change / dw = signed coincidence count
    dev = ConstantStepDevice(dw_min=dw, dw_min_dtod=0.0, dw_min_std=0.0, w_max=100.0, w_min=-100.0, w_max_dtod=0.0,
                             w_min_dtod=0.0, up_down_dtod=0.0)
    rows, cols, reps, lr = 60, 4, 300, 0.3
    rng = np.random.default_rng(0)
    v = rng.standard_normal((cols, rows)) * 0.05
    pulse = PulseConfig(update_management=update_management)
    tile = AnalogPulsedTile(rows, cols, dev, pulse=pulse, seed=1)
    tile.set_weights(np.zeros((rows, cols)))
    ref, ours = [], []
    for _ in range(reps):
        w0 = tile.weights
        tile.update(np.eye(cols), v, lr)
        ref.append((tile.weights - w0) / dw)
        ours.append(one_hot_pulse_counts(v, lr, dw, pulse, rng).T)
    ref_a, ours_a = np.array(ref), np.array(ours)
    assert np.all(np.sign(ours_a) * np.sign(v.T) >= 0)  # every count has the sign of v
    # means: per element difference within 5 standard errors of the difference
    se = np.sqrt((ref_a.var(0, ddof=1) + ours_a.var(0, ddof=1)) / reps) + 1e-9
    z = np.abs(ref_a.mean(0) - ours_a.mean(0)) / se
    assert np.max(z) < 5.0
    # variances agree on average (relative error of a mean of 240 variance estimates)
    assert abs(ours_a.var(0).mean() / ref_a.var(0).mean() - 1.0) < 0.1


def test_pulsed_read_through_the_periphery_model() -> None:
    rng = np.random.default_rng(0)
    w = rng.uniform(-0.5, 0.5, (30, 40))
    x = rng.uniform(-2.0, 2.0, (2000, 40))
    exact = x @ w.T
    # ideal periphery: exact (float32 arithmetic)
    y = analog_mvm(x, w, ReadConfig(periphery=IOParameters.perfect()), rng)
    np.testing.assert_allclose(y, exact, rtol=1e-5, atol=1e-5)
    # output noise only: same statistics as the simple model (std out_noise * max|x|, weight units)
    only_noise = IOParameters(inp_res=0.0, out_res=0.0, out_bound=0.0, bound_management="none", out_noise=0.06)
    for read in (ReadConfig(out_noise=0.06), ReadConfig(periphery=only_noise)):
        e = (analog_mvm(x, w, read, rng) - exact) / np.max(np.abs(x), axis=1, keepdims=True)
        n = e.size
        assert abs(e.mean()) < 5 * 0.06 / np.sqrt(n)
        assert abs(e.std() / 0.06 - 1.0) < 5 / np.sqrt(2 * n)
    # the tile uses it for forward and backward
    tile = AnalogPulsedTile(30, 40, "idealized", read=ReadConfig(periphery=IOParameters.perfect()), seed=0)
    tile.set_weights(w)
    np.testing.assert_allclose(tile.forward(x[:5]), x[:5] @ tile.weights.T, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(tile.backward(exact[:5]), exact[:5] @ tile.weights, rtol=1e-5, atol=1e-5)
    with pytest.raises(TypeError, match="periphery"):
        ReadConfig(periphery={"out_noise": 0.06})


def test_fast_lr_sets_the_learning_rate_onto_the_fast_array() -> None:
    from pnnkit.training.tiki_taka import TTv2Cell

    rng = np.random.default_rng(3)
    x, g = rng.random((5, 12)), rng.standard_normal((5, 6))
    cell = TTv2Cell(6, 12, "reram-like", fast_lr=0.7, transfer_every=1000, seed=4)
    cell.update(x, g, 0.01)  # the SGD lr 0.01 must not reach A
    ref = AnalogPulsedTile(6, 12, "reram-like", seed=4)
    ref.set_weights(np.zeros((6, 12)))
    ref.update(x, -g, 0.7)
    np.testing.assert_array_equal(cell.A.weights, ref.weights)
    with pytest.raises(ValueError, match="fast_lr"):
        TTv2Cell(6, 12, "reram-like", fast_lr=-1.0)
