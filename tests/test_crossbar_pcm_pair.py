"""PCM-like unipolar pair with refresh (pnnkit.crossbar.unipolar)."""

from __future__ import annotations

import numpy as np
import pnnkit
import pytest
from pnnkit.crossbar.devices import PiecewiseStepDevice, SoftBoundsDevice
from pnnkit.crossbar.pulsed import AnalogPulsedTile, ReadConfig
from pnnkit.crossbar.unipolar import UnipolarPairCell, pcm_unipolar


def _flat_unipolar() -> PiecewiseStepDevice:
    """Unipolar device with a weight-independent step (the pair's linear regime, exactly)."""
    return pcm_unipolar().with_(piecewise_up=(1.0, 1.0))


def test_unipolar_device_never_moves_down() -> None:
    tile = AnalogPulsedTile(20, 30, pcm_unipolar(), seed=2)
    tile.set_weights(np.full((20, 30), 0.5))
    w0 = tile.weights
    tile.apply_pulses(np.full((20, 30), -25, dtype=np.int32))
    np.testing.assert_array_equal(tile.weights, w0)
    # a pulsed update whose every coincidence is a down step changes nothing either
    tile.update(np.ones((4, 30)), -np.ones((4, 20)), 0.05)
    np.testing.assert_array_equal(tile.weights, w0)
    # up pulses: 20 steps of mean s and c2c std 0.3 s cannot sum to a decrease (15 sigma)
    tile.apply_pulses(np.full((20, 30), 20, dtype=np.int32))
    assert np.all(tile.weights > w0)


def test_unipolar_set_saturates() -> None:
    tile = AnalogPulsedTile(10, 50, pcm_unipolar().with_(w_max_dtod=0.0), seed=4)
    tile.set_weights(np.zeros((10, 50)))
    gains = []
    for _ in range(4):
        before = tile.weights.mean()
        tile.apply_pulses(np.full((10, 50), 300, dtype=np.int32))
        gains.append(tile.weights.mean() - before)
    assert all(b < a for a, b in zip(gains, gains[1:]))  # each batch of pulses gains less
    assert tile.weights.max() <= 1.0 and tile.weights.mean() > 0.8


def test_pair_mean_update_matches_lr_d_x_in_linear_regime() -> None:
    rows, cols, lr = 64, 64, 0.02
    cell = UnipolarPairCell(rows, cols, _flat_unipolar(), refresh_every=0, seed=7)
    cell.set_weights(np.zeros((rows, cols)))
    rng = np.random.default_rng(0)
    x = rng.choice([-0.5, 0.5], size=(1, cols))
    d = rng.choice([-0.4, 0.4], size=(1, rows))
    gp0, gm0 = cell.gp.weights, cell.gm.weights
    cell.update(x, -d, lr)  # W -= lr * grad^T x with grad = -d
    expected = lr * d.T @ x  # +-0.004 = 1 dw_min per crosspoint
    dw = cell.effective_weights()
    pos = expected > 0
    # sign routing: g+ moved only where d x^T > 0, g- only where < 0
    assert np.all(cell.gp.weights[~pos] == gp0[~pos]) and np.all(cell.gm.weights[pos] == gm0[pos])
    for mask in (pos, ~pos):
        sample = dw[mask] / expected[mask]
        se = sample.std(ddof=1) / np.sqrt(sample.size)
        assert abs(sample.mean() - 1.0) < 5 * se, (sample.mean(), se)


def test_refresh_fires_above_threshold_and_preserves_weight() -> None:
    dev = pcm_unipolar().with_(w_max_dtod=0.0)
    noise = 0.01
    cell = UnipolarPairCell(40, 50, dev, refresh_every=0, refresh_read=ReadConfig(out_noise=noise), seed=3)
    gp = np.full((40, 50), 0.8)
    gm = np.full((40, 50), 0.5)
    gp[20:], gm[20:] = 0.5, 0.2  # below the upper threshold: left alone
    cell.gp.set_weights(gp)
    cell.gm.set_weights(gm)
    w0 = cell.effective_weights()
    assert cell.refresh() == 20 * 50
    assert cell.refresh_count == 1000 and cell.refresh_events == 1
    np.testing.assert_array_equal(cell.gp.weights[20:], gp[20:])
    np.testing.assert_array_equal(cell.gm.weights[20:], gm[20:])
    # refreshed: g- back at its reset level, g+ holds the weight
    assert np.all(cell.gm.weights[:20] < dev.reset + 6 * (dev.reset_std + dev.reset_dtod))
    err = (cell.effective_weights() - w0)[:20].ravel()
    # error budget: two reads, two resets, open-loop programming with 20% d2d step spread on |w| = 0.3
    budget = np.sqrt(2 * noise**2 + 2 * (dev.reset_std**2 + dev.reset_dtod**2) + (dev.dw_min_dtod * 0.3) ** 2)
    assert err.std() < 1.5 * budget
    assert abs(err.mean()) < 5 * err.std() / np.sqrt(err.size) + 0.01 * 0.3  # allow 1% model bias of the count
    assert cell.refresh() == 0  # nothing is saturated any more


def test_refresh_keeps_training_going_where_the_pair_saturates() -> None:
    moved = {}
    for every in (1, 0):
        cell = UnipolarPairCell(4, 8, refresh_every=every, seed=5)
        cell.set_weights(np.zeros((4, 8)))
        rng = np.random.default_rng(1)
        x = np.full((1, 8), 0.5)
        for _ in range(1500):  # zero-mean updates: both devices of every pair climb
            cell.update(x, 0.5 * rng.choice([-1.0, 1.0], size=(1, 4)), 0.05)
        w0 = cell.effective_weights()
        for _ in range(40):  # consistent gradient: dW = +0.5 in total
            cell.update(x, np.full((1, 4), -0.5), 0.05)
        moved[every] = float(np.mean(cell.effective_weights() - w0))
        assert (cell.refresh_count > 0) == (every == 1)
    assert moved[1] > 0.1
    assert moved[0] < 0.05 * moved[1]


def test_pair_determinism_across_threads() -> None:
    out = []
    for threads in (1, 2):
        pnnkit.set_num_threads(threads)
        try:
            cell = UnipolarPairCell(64, 128, seed=11)
            cell.set_weights(np.random.default_rng(0).uniform(-0.2, 0.2, (64, 128)))
            rng = np.random.default_rng(2)
            for _ in range(5):
                cell.update(rng.random((10, 128)), rng.standard_normal((10, 64)), 0.1)
            cell.refresh()
            out.append(cell.effective_weights())
        finally:
            pnnkit.set_num_threads(1)
    np.testing.assert_array_equal(out[0], out[1])


def test_pair_bad_input() -> None:
    with pytest.raises(ValueError, match="unipolar"):
        UnipolarPairCell(2, 3, SoftBoundsDevice())
    with pytest.raises(ValueError, match="unipolar"):
        UnipolarPairCell(2, 3, pcm_unipolar().with_(piecewise_down=(0.0, 0.5)))
    with pytest.raises(ValueError, match="w_min"):
        UnipolarPairCell(2, 3, pcm_unipolar().with_(w_min=-0.5))
    with pytest.raises(ValueError, match="upper_thres"):
        UnipolarPairCell(2, 3, upper_thres=1.5)
    with pytest.raises(ValueError, match="refresh_every"):
        UnipolarPairCell(2, 3, refresh_every=-1)
    with pytest.raises(ValueError, match="program_iters"):
        UnipolarPairCell(2, 3, program_iters=0)
    cell = UnipolarPairCell(2, 3)
    with pytest.raises(ValueError, match="forward input"):
        cell.forward(np.ones((1, 2)))
    with pytest.raises(ValueError, match="lr"):
        cell.update(np.ones((1, 3)), np.ones((1, 2)), -0.1)


def test_pcm_pair_from_the_job_factory() -> None:
    from pnnkit.jobs.crossbar_pulsed import make_cell_factory

    cell = make_cell_factory("analog-sgd", "pcm-pair", refresh_every=3, refresh_noise=0.0)(5, 7, 0)
    assert isinstance(cell, UnipolarPairCell) and cell.refresh_every == 3 and cell.refresh_read.out_noise == 0.0
    with pytest.raises(ValueError, match="pcm-pair"):
        make_cell_factory("tiki-taka", "pcm-pair")
