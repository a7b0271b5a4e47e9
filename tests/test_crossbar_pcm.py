"""The PCM inference model (Joshi et al. 2020) against its published formulas, and the
program -> drift_to workflow with global drift compensation."""

from __future__ import annotations

import math

import numpy as np
import pnnkit
import pytest
from pnnkit import _core
from pnnkit.crossbar import AnalogTile, InferenceConfig, IOParameters, PCMNoiseModel

G_MAX = 25.0


def mu_sigma(g):
    lg = math.log(g / G_MAX)
    mu = min(max(-0.0155 * lg + 0.0244, 0.049), 0.1)
    sigma = min(max(-0.0125 * lg - 0.0059, 0.008), 0.045)
    return mu, sigma


def folded_normal_mean(mu, sigma):
    """E|mu + sigma xi| for xi ~ N(0, 1)."""
    folded = mu * math.erf(mu / (sigma * math.sqrt(2)))
    return sigma * math.sqrt(2 / math.pi) * math.exp(-mu**2 / (2 * sigma**2)) + folded


def folded_normal_var(mu, sigma):
    return mu**2 + sigma**2 - folded_normal_mean(mu, sigma) ** 2


@pytest.mark.parametrize("g", [0.5, 5.0, 12.5, 25.0])
def test_drift_exponent_mean_and_spread(g):
    n = 200_000
    _, nu = _core.pcm_program(np.full(n, g, np.float32), PCMNoiseModel().to_core(), 11)
    mu, sigma = mu_sigma(g)
    m, v = folded_normal_mean(mu, sigma), folded_normal_var(mu, sigma)
    assert abs(nu.mean() - m) < 5 * math.sqrt(v / n)
    assert abs(nu.var() - v) < 5 * v * math.sqrt(2 / n) + 1e-9
    assert nu.min() >= 0


@pytest.mark.parametrize("g", [5.0, 12.5, 25.0])
def test_programming_noise_std_matches_polynomial(g):
    n = 200_000
    g_prog, _ = _core.pcm_program(np.full(n, g, np.float32), PCMNoiseModel().to_core(), 12)
    r = g / G_MAX
    std = 0.26348 + 1.9650 * r - 1.1731 * r * r
    d = g_prog.astype(np.float64) - g
    # far from zero: the clipping at g = 0 is negligible (g >= 2.5 std)
    assert abs(d.std() - std) < 5 * std / math.sqrt(2 * n)
    assert abs(d.mean()) < 5 * std / math.sqrt(n)


def test_programming_clips_at_zero():
    g_prog, _ = _core.pcm_program(np.zeros(10_000, np.float32), PCMNoiseModel().to_core(), 1)
    assert g_prog.min() == 0.0
    # half the devices would go negative: they are clipped to 0, the rest keep |N(0, c0)|
    assert abs(np.mean(g_prog == 0) - 0.5) < 5 * math.sqrt(0.25 / 10_000)


def test_drift_power_law_without_noise():
    model = PCMNoiseModel(read_noise_scale=0.0, prog_noise_scale=0.0).to_core()
    g = np.linspace(0.1, 25, 1000).astype(np.float32)
    g_prog, nu = _core.pcm_program(g, model, 3)
    np.testing.assert_array_equal(g_prog, g)
    for t in (0.0, 3600.0, 86400.0, 3.15e7):
        g_t = _core.pcm_drift(g_prog, nu, t, model, 4)
        expected = g_prog * ((t + 20.0) / 20.0) ** (-nu.astype(np.float64))
        np.testing.assert_allclose(g_t, expected, rtol=1e-5)


def test_read_noise_std_matches_formula():
    model = PCMNoiseModel(prog_noise_scale=0.0, drift_scale=0.0).to_core()
    n, t = 200_000, 86400.0
    for g in (2.0, 20.0):
        g_prog, nu = _core.pcm_program(np.full(n, g, np.float32), model, 5)
        g_t = _core.pcm_drift(g_prog, nu, t, model, 6)
        q = min(0.0088 / max((g / G_MAX) ** 0.65, 1e-3), 0.2)
        std = q * math.sqrt(math.log((t + 20.0 + 250e-9) / (2 * 250e-9)))
        rel = g_t.astype(np.float64) / g - 1
        assert abs(rel.std() - std) < 5 * std / math.sqrt(2 * n)


def test_pcm_same_with_one_and_two_threads():
    g = np.random.default_rng(0).uniform(0, 25, 10_001).astype(np.float32)
    model = PCMNoiseModel().to_core()
    old = pnnkit.get_num_threads()
    try:
        out = []
        for nt in (1, 2):
            pnnkit.set_num_threads(nt)
            gp, nu = _core.pcm_program(g, model, 9)
            out.append((gp, nu, _core.pcm_drift(gp, nu, 1e5, model, 10)))
    finally:
        pnnkit.set_num_threads(old)
    for a, b in zip(out[0], out[1]):
        np.testing.assert_array_equal(a, b)


def _drift_tile(drift_compensation: bool):
    rng = np.random.default_rng(1)
    cfg = InferenceConfig(drift_compensation=drift_compensation,
                          forward=IOParameters(out_noise=0.0))
    tile = AnalogTile(64, 128, config=cfg, seed=2)
    tile.set_weights(rng.normal(0, 0.1, (64, 128)))
    x = rng.uniform(-1, 1, (512, 128))
    tile.program(seed=3)
    ref = np.abs(tile.forward(x)).mean()
    tile.drift_to(3.15e7)  # one year
    return tile, np.abs(tile.forward(x)).mean() / ref


def test_drift_compensation_restores_mean_output_scale():
    _, raw = _drift_tile(False)
    tile, comp = _drift_tile(True)
    assert raw < 0.7  # a year of drift (nu ~ 0.05) shrinks outputs by ~ (1.6e6)^-0.05
    assert abs(comp - 1.0) < 0.05
    assert tile.alpha > 1.3


def test_program_maps_weights_to_differential_pair():
    tile = AnalogTile(2, 3, config=InferenceConfig(w_max=0.5), seed=0)
    tile.program(np.array([[0.5, -0.25, 0.0], [1.0, -1.0, 0.1]]), seed=1)
    np.testing.assert_allclose(tile.g_target_uS[0], [[25, 0, 0], [25, 0, 5]], atol=1e-5)
    np.testing.assert_allclose(tile.g_target_uS[1], [[0, 12.5, 0], [0, 25, 0]], atol=1e-5)
    assert tile.w_max == 0.5 and tile.t_s == 0.0


def test_drift_is_reproducible_and_state_round_trips():
    rng = np.random.default_rng(2)
    tile = AnalogTile(8, 16, seed=4)
    tile.program(rng.normal(0, 0.2, (8, 16)), seed=5)
    tile.drift_to(3600.0)
    g1 = tile.g_uS.copy()
    tile.drift_to(3600.0)
    np.testing.assert_array_equal(tile.g_uS, g1)  # same programming seed and time: same chip state
    x = rng.uniform(-1, 1, (4, 16))
    state = {k: np.array(v, copy=True) for k, v in tile.state().items()}
    y = tile.forward(x)
    clone = AnalogTile(8, 16, seed=4)
    clone.load_state(state)
    np.testing.assert_array_equal(clone.forward(x), y)


def test_pcm_bad_inputs():
    model = PCMNoiseModel().to_core()
    with pytest.raises(ValueError, match="g_target_uS"):
        _core.pcm_program(np.array([30.0], np.float32), model, 0)
    with pytest.raises(ValueError, match="g_target_uS"):
        _core.pcm_program(np.array([np.nan], np.float32), model, 0)
    with pytest.raises(TypeError, match="g_target_uS"):
        _core.pcm_program(np.array([1.0]), model, 0)
    g, nu = _core.pcm_program(np.ones(4, np.float32), model, 0)
    with pytest.raises(ValueError, match="t_s"):
        _core.pcm_drift(g, nu, -1.0, model, 0)
    with pytest.raises(ValueError, match="nu"):
        _core.pcm_drift(g, nu[:2], 1.0, model, 0)
    with pytest.raises(ValueError, match="g_max_uS"):
        PCMNoiseModel(g_max_uS=-1.0)
    with pytest.raises(ValueError, match="prog_coeff_uS"):
        PCMNoiseModel(prog_coeff_uS=(1.0, 2.0))
    tile = AnalogTile(2, 2)
    with pytest.raises(RuntimeError, match="program"):
        tile.drift_to(10.0)
    tile.program(np.ones((2, 2)))
    with pytest.raises(ValueError, match="t_s"):
        tile.drift_to(-5.0)
    with pytest.raises(TypeError, match="t_s"):
        tile.drift_to("1h")
