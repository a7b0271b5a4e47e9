"""Pulsed device models: d2d statistics, single-step formulas, bounds, presets, validation."""

from __future__ import annotations

import math

import numpy as np
import pnnkit
import pytest
from pnnkit import _core
from pnnkit.crossbar import devices as D
from pnnkit.crossbar.pulsed import AnalogPulsedTile

QUIET = dict(dw_min_dtod=0.0, dw_min_std=0.0, w_max_dtod=0.0, w_min_dtod=0.0, up_down_dtod=0.0)


def _z_mean(sample: np.ndarray, mean: float, std: float) -> float:
    return abs(sample.mean() - mean) / (std / math.sqrt(sample.size))


def test_d2d_spreads_have_configured_statistics() -> None:
    dev = D.ConstantStepDevice(dw_min=0.001, dw_min_dtod=0.3, w_max=0.6, w_min=-0.6, w_max_dtod=0.3,
                               w_min_dtod=0.3, up_down=0.0, up_down_dtod=0.1)
    t = AnalogPulsedTile(100, 100, dev, seed=3)
    su, sd = t.device_array("scale_up") / 0.001, t.device_array("scale_down") / 0.001
    # scale_up - scale_down = gain * r with r ~ N(0, up_down_dtod); the larger of the two is the gain.
    gain = np.maximum(su, sd)
    n = gain.size
    assert _z_mean(gain, 1.0, 0.3) < 5
    assert abs(gain.std() - 0.3) < 5 * 0.3 / math.sqrt(2 * n)
    ok = gain > 0  # a gain below zero is clipped to a dead device (P = 4e-4 at 0.3 spread)
    r = (su[ok] - sd[ok]) / gain[ok]
    assert _z_mean(r, 0.0, 0.1) < 5
    assert abs(r.std() - 0.1) < 5 * 0.1 / math.sqrt(2 * n)
    for name, mean in (("w_max", 0.6), ("w_min", -0.6)):
        v = t.device_array(name)
        assert _z_mean(v, mean, 0.18) < 5
        assert abs(v.std() - 0.18) < 5 * 0.18 / math.sqrt(2 * n)


def test_linear_step_slope_and_lifetime_spreads() -> None:
    dev = D.LinearStepDevice(gamma_up=0.5, gamma_down=0.2, gamma_up_dtod=0.1, gamma_down_dtod=0.1,
                             w_max=1.0, w_min=-1.0, lifetime=100.0, lifetime_dtod=0.2)
    t = AnalogPulsedTile(80, 80, dev, seed=1)
    g_up = -t.device_array("slope_up") * 1.0  # mean bound reference 1.0
    g_dn = t.device_array("slope_down") * 1.0
    assert _z_mean(g_up, 0.5, 0.05) < 5 and _z_mean(g_dn, 0.2, 0.02) < 5
    life = 1.0 / (1.0 - t.device_array("decay"))
    assert _z_mean(life, 100.0, 20.0) < 5


def test_d2d_fixed_by_seed_and_thread_independent() -> None:
    a = AnalogPulsedTile(30, 20, "ecram", seed=5)
    pnnkit.set_num_threads(1)
    try:
        b = AnalogPulsedTile(30, 20, "ecram", seed=5)
    finally:
        pnnkit.set_num_threads(2)
    c = AnalogPulsedTile(30, 20, "ecram", seed=6)
    for name in ("scale_up", "w_max", "slope_down"):
        np.testing.assert_array_equal(a.device_array(name), b.device_array(name))
        assert not np.array_equal(a.device_array(name), c.device_array(name))


def _one_pulse(dev: D.PulsedDevice, w0: np.ndarray, sign: int) -> np.ndarray:
    t = AnalogPulsedTile(1, w0.size, dev, seed=0)
    t.set_weights(w0[None, :])
    t.apply_pulses(np.full((1, w0.size), sign, dtype=np.int32))
    return t.weights[0] - w0


W0 = np.linspace(-0.8, 0.8, 9)


@pytest.mark.parametrize("sign", [1, -1])
def test_single_step_formulas(sign: int) -> None:
    dw = 0.01
    cases = {
        "constant": (D.ConstantStepDevice(dw_min=dw, w_max=1, w_min=-1, **QUIET), lambda w: dw * np.ones_like(w)),
        "softbounds": (D.SoftBoundsDevice(dw_min=dw, w_max=1, w_min=-1, **QUIET),
                       lambda w: dw * (1 - w) if sign > 0 else dw * (1 + w)),
        "linear": (D.LinearStepDevice(dw_min=dw, w_max=1, w_min=-1, gamma_up=0.5, gamma_down=0.25,
                                      gamma_up_dtod=0, gamma_down_dtod=0, **QUIET),
                   lambda w: dw * (1 - 0.5 * w) if sign > 0 else dw * (1 + 0.25 * w)),
        "exp": (D.ExpStepDevice(dw_min=dw, w_max=1, w_min=-1, **QUIET),
                lambda w: dw * np.maximum(1 - 0.00081 * np.exp(12.44625 * (w * 0.244 + 0.2425)), 0) if sign > 0
                else dw * np.maximum(1 - 0.36833 * np.exp(-12.78785 * (w * 0.244 + 0.2425)), 0)),
        "pow": (D.PowStepDevice(dw_min=dw, w_max=1, w_min=-1, pow_gamma=2.0, pow_gamma_dtod=0, **QUIET),
                lambda w: dw * ((1 - w) / 2) ** 2 if sign > 0 else dw * ((w + 1) / 2) ** 2),
        "piecewise": (D.PiecewiseStepDevice(dw_min=dw, w_max=1, w_min=-1, piecewise_up=(1.0, 0.5, 0.0),
                                            piecewise_down=(0.0, 1.0, 1.0), **QUIET),
                      lambda w: dw * np.interp(w, [-1, 0, 1], [1.0, 0.5, 0.0]) if sign > 0
                      else dw * np.interp(w, [-1, 0, 1], [0.0, 1.0, 1.0])),
    }
    for name, (dev, expected) in cases.items():
        got = _one_pulse(dev, W0, sign)
        np.testing.assert_allclose(got, sign * expected(W0), rtol=1e-9, atol=1e-15, err_msg=name)


def test_up_down_asymmetry_steps() -> None:
    # up_down > 0 weakens the down step by (1 - up_down).
    dev = D.ConstantStepDevice(dw_min=0.01, up_down=0.2, w_max=1, w_min=-1, **QUIET)
    t = AnalogPulsedTile(1, 1, dev)
    t.apply_pulses(np.array([[1]], dtype=np.int32))
    t.apply_pulses(np.array([[-1]], dtype=np.int32))
    assert t.weights[0, 0] == pytest.approx(0.01 * 0.2, rel=1e-9)


def test_soft_bounds_saturate_at_bound() -> None:
    dev = D.SoftBoundsDevice(dw_min=0.01, w_max=0.8, w_min=-1.0, **QUIET)
    t = AnalogPulsedTile(1, 4, dev)
    t.set_weights(np.zeros((1, 4)))
    for _ in range(20):
        t.apply_pulses(np.full((1, 4), 50, dtype=np.int32))
    w = t.weights
    # w_n = w_max * (1 - (1 - dw/w_max)^n) -> w_max, never beyond
    n = 1000
    np.testing.assert_allclose(w, 0.8 * (1 - (1 - 0.01 / 0.8) ** n), rtol=1e-9)
    assert np.all(w <= 0.8) and np.all(0.8 - w < 1e-5)


def test_pulses_from_w_min_to_w_max() -> None:
    # Constant step with c2c noise: first-passage pulse count ~ (w_max - w_min)/dw_min.
    dw, n_dev = 0.004, 200
    dev = D.ConstantStepDevice(dw_min=dw, w_max=0.6, w_min=-0.6, dw_min_std=0.3, dw_min_dtod=0.0,
                               w_max_dtod=0.0, w_min_dtod=0.0, up_down_dtod=0.0)
    t = AnalogPulsedTile(1, n_dev, dev, seed=2)
    t.set_weights(np.full((1, n_dev), -0.6))
    hit = np.zeros(n_dev)
    ones = np.ones((1, n_dev), dtype=np.int32)
    for k in range(1, 400):
        t.apply_pulses(ones)
        hit[(hit == 0) & (t.weights[0] >= 0.6)] = k
    assert np.all(hit > 0)
    n_expected = 1.2 / dw
    # per-device std of the passage count ~ 0.3*sqrt(N); allow 5 standard errors + 1 pulse overshoot
    tol = 5 * 0.3 * math.sqrt(n_expected) / math.sqrt(n_dev) + 1.0
    assert abs(hit.mean() - n_expected) < tol


def test_decay_diffusion_reset() -> None:
    dev = D.ConstantStepDevice(lifetime=10.0, diffusion=0.01, reset=0.1, reset_std=0.0, w_max=1, w_min=-1,
                               **QUIET)
    t = AnalogPulsedTile(50, 40, dev, seed=4)
    t.set_weights(np.full((50, 40), 0.5))
    t.decay(2)
    np.testing.assert_allclose(t.weights, 0.1 + 0.4 * 0.9 ** 2)
    before = t.weights
    t.diffuse()
    step = t.weights - before
    assert abs(step.std() - 0.01) < 5 * 0.01 / math.sqrt(2 * step.size)
    t.reset_columns([3, 7])
    np.testing.assert_allclose(t.weights[:, [3, 7]], 0.1)


def test_presets_construct() -> None:
    for name in D.PRESETS:
        dev = D.preset(name)
        assert dev.granularity() > 0
        assert D.device_from_config(dev.config()) == dev
        AnalogPulsedTile(3, 4, name)


@pytest.mark.parametrize("kwargs, match", [
    (dict(dw_min=0.0), "dw_min"),
    (dict(dw_min=float("nan")), "dw_min"),
    (dict(w_max=-1.0, w_min=0.0), "w_max"),
    (dict(up_down=1.0), "up_down"),
    (dict(dw_min_std=-0.1), "dw_min_std"),
    (dict(lifetime=0.5), "lifetime"),
    (dict(w_max_dtod=-1), "w_max_dtod"),
])
def test_bad_device_parameters(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        D.ConstantStepDevice(**kwargs)


def test_bad_model_parameters() -> None:
    with pytest.raises(ValueError, match="gamma_up"):
        D.LinearStepDevice(gamma_up=-1)
    with pytest.raises(ValueError, match="piecewise_up"):
        D.PiecewiseStepDevice(piecewise_up=(1.0,))
    with pytest.raises(ValueError, match="pow_gamma"):
        D.PowStepDevice(pow_gamma=0.0)
    with pytest.raises(ValueError, match="preset"):
        D.preset("nope")
    with pytest.raises(ValueError, match="dw_min"):  # the C++ core checks too
        p = _core.DeviceParams()
        p.dw_min = -1.0
        _core.PulsedTile(p, 2, 2, 0)
    with pytest.raises(ValueError):
        AnalogPulsedTile(0, 3)
