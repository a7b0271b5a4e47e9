"""Analog training cells: the Tiki-Taka transfer's one-hot pulse path."""

from __future__ import annotations

import numpy as np
import pytest
from pnnkit.crossbar.devices import ConstantStepDevice
from pnnkit.crossbar.pulsed import AnalogPulsedTile, PulseConfig
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
