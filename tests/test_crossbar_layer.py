"""AnalogLinear: twin gradients vs finite differences, physical/pat modes, HWA options,
checkpoint state, determinism and input validation."""

from __future__ import annotations

import numpy as np
import pnnkit
import pytest
from pnnkit.crossbar import AnalogLinear, InferenceConfig, IOParameters, rasch2023_hwa


def test_twin_gradients_match_finite_differences():
    rng = np.random.default_rng(0)
    layer = AnalogLinear(5, 3, seed=1)
    layer.weight.value[...] = rng.normal(0, 0.5, (3, 5))
    layer.bias.value[...] = rng.normal(0, 0.5, 3)
    x = rng.normal(0, 1, (4, 5))
    g = rng.normal(0, 1, (4, 3))

    def loss(xx):
        return float(np.sum(layer.forward(xx) * g))

    layer.zero_grad()
    loss(x)
    gx = layer.backward(g)
    eps = 1e-6
    for name, arr, grad in (("x", x, gx), ("weight", layer.weight.value, layer.weight.grad),
                            ("bias", layer.bias.value, layer.bias.grad)):
        num = np.zeros_like(arr)
        for idx in np.ndindex(arr.shape):
            old = arr[idx]
            arr[idx] = old + eps
            lp = loss(x)
            arr[idx] = old - eps
            lm = loss(x)
            arr[idx] = old
            num[idx] = (lp - lm) / (2 * eps)
        np.testing.assert_allclose(grad, num, rtol=1e-6, atol=1e-8, err_msg=name)


def test_gradients_accumulate():
    layer = AnalogLinear(3, 2, seed=0)
    x = np.ones((2, 3))
    layer.forward(x)
    layer.backward(np.ones((2, 2)))
    g1 = layer.weight.grad.copy()
    layer.forward(x)
    layer.backward(np.ones((2, 2)))
    np.testing.assert_allclose(layer.weight.grad, 2 * g1)


def test_pat_backward_is_twin_vjp_at_measured_input():
    rng = np.random.default_rng(1)
    layer = AnalogLinear(20, 10, seed=2).set_mode("pat")
    x = rng.uniform(-1, 1, (8, 20))
    y = layer.forward(x)
    y_twin = x @ layer.weight.value.T + layer.bias.value
    assert 0 < np.abs(y - y_twin).max() < 0.2  # noisy but close
    g = rng.normal(0, 1, (8, 10))
    layer.zero_grad()
    gx = layer.backward(g)
    np.testing.assert_allclose(layer.weight.grad, g.T @ x)
    np.testing.assert_allclose(layer.bias.grad, g.sum(0))
    np.testing.assert_allclose(gx, g @ layer.weight.value)
    assert layer.queries["forward"] == 8


def test_analog_backward_uses_transposed_read():
    rng = np.random.default_rng(2)
    cfg = InferenceConfig(analog_backward=True)
    layer = AnalogLinear(30, 20, config=cfg, seed=3).set_mode("pat")
    x = rng.uniform(-1, 1, (16, 30))
    layer.forward(x)
    g = rng.normal(0, 1, (16, 20))
    gx = layer.backward(g)
    exact = g @ layer.weight.value
    assert not np.allclose(gx, exact)
    assert np.abs(gx - exact).max() < 0.1 * np.abs(exact).max() + 0.1
    assert layer.queries["backward"] == 16


def test_physical_forward_reproducible_per_seed_and_fresh_per_read():
    x = np.random.default_rng(3).uniform(-1, 1, (6, 12))
    a = AnalogLinear(12, 7, seed=5).set_mode("physical")
    b = AnalogLinear(12, 7, seed=5).set_mode("physical")
    y1, y2 = a.forward(x), a.forward(x)
    assert not np.array_equal(y1, y2)
    np.testing.assert_array_equal(y1, b.forward(x))


def test_same_result_with_one_and_two_threads():
    x = np.random.default_rng(4).uniform(-1, 1, (33, 40))
    old = pnnkit.get_num_threads()
    outs = []
    try:
        for nt in (1, 2):
            pnnkit.set_num_threads(nt)
            layer = AnalogLinear(40, 25, seed=6, train_w_noise=0.05).set_mode("pat")
            outs.append(layer.forward(x))
            layer.program(seed=1)
            layer.drift_to(86400.0)
            outs.append(layer.forward(x))
    finally:
        pnnkit.set_num_threads(old)
    np.testing.assert_array_equal(outs[0], outs[2])
    np.testing.assert_array_equal(outs[1], outs[3])


def test_weight_noise_injection_only_in_training():
    x = np.random.default_rng(5).uniform(-1, 1, (64, 20))
    quiet = InferenceConfig(forward=IOParameters(out_noise=0.0, inp_res=0.0, out_res=0.0))
    noisy = AnalogLinear(20, 10, config=quiet, seed=7, train_w_noise=0.1).set_mode("pat")
    y_train = noisy.forward(x)
    noisy.eval()
    y_eval = noisy.forward(x)
    ideal = x @ noisy.weight.value.T + noisy.bias.value
    np.testing.assert_allclose(y_eval, ideal, rtol=1e-4, atol=1e-4)
    assert np.abs(y_train - ideal).max() > 0.05


def test_post_step_clips_weights():
    layer = AnalogLinear(50, 40, seed=8, clip_sigma=2.0)
    layer.weight.value[0, 0] = 10.0
    std = layer.weight.value.std()
    layer.post_step()
    assert np.abs(layer.weight.value).max() <= 2.0 * std + 1e-12
    fixed = AnalogLinear(5, 4, seed=8, clip_bound=0.1)
    fixed.weight.value[...] = 1.0
    fixed.post_step()
    assert np.all(fixed.weight.value == 0.1)


def test_programmed_layer_reads_conductances_and_checkpoint_round_trips(tmp_path):
    from pnnkit import io, nn

    rng = np.random.default_rng(6)
    model = nn.Sequential(AnalogLinear(16, 8, seed=1, config=rasch2023_hwa()), nn.ReLU(), AnalogLinear(8, 4, seed=2))
    for m in (model[0], model[2]):
        m.set_mode("physical")
        m.program(seed=3)
        m.drift_to(3600.0)
    x = rng.uniform(-1, 1, (5, 16))
    model.forward(x)  # advance the read counters
    path = tmp_path / "analog.npz"
    io.save(path, model)
    loaded, _ = io.load(path)
    for m in (loaded[0], loaded[2]):
        m.set_mode("physical")
        assert m.tile.programmed and m.tile.t_s == 3600.0
    np.testing.assert_array_equal(loaded[0].tile.g_uS, model[0].tile.g_uS)
    np.testing.assert_array_equal(loaded[0].tile.nu, model[0].tile.nu)
    assert loaded[0].config_ == model[0].config_
    np.testing.assert_array_equal(loaded.forward(x), model.forward(x))


def test_config_round_trip_rebuilds_layer():
    layer = AnalogLinear(4, 3, bias=False, config=rasch2023_hwa(), seed=9, train_w_noise=0.02, clip_sigma=2.5)
    clone = AnalogLinear(**layer.config())
    assert clone.config() == layer.config()
    assert clone.bias is None
    assert clone.config_.forward.out_noise == 0.04


def test_rasch_preset_values():
    cfg = rasch2023_hwa()
    assert cfg.forward.inp_res == pytest.approx(1 / 254) and cfg.forward.out_res == pytest.approx(1 / 254)
    assert cfg.forward.out_noise == 0.04 and cfg.forward.w_noise == 0.0175 and cfg.forward.ir_drop > 0
    assert cfg.max_input_size == 512 and cfg.drift_compensation


def test_bad_inputs_raise_naming_argument():
    layer = AnalogLinear(4, 3)
    for mode in ("twin", "physical"):
        layer.set_mode(mode)
        with pytest.raises(ValueError, match="x"):
            layer.forward(np.ones((2, 5)))
        with pytest.raises(TypeError, match="x"):
            layer.forward(np.ones((2, 4), np.int32))
        with pytest.raises(ValueError, match="x"):
            layer.forward(np.full((2, 4), np.nan))
        with pytest.raises(ValueError, match="empty"):
            layer.forward(np.ones((0, 4)))
    layer.forward(np.ones((2, 4)))
    with pytest.raises(ValueError, match="grad_out"):
        layer.backward(np.ones((2, 4)))
    with pytest.raises(ValueError, match="grad_out"):
        layer.backward(np.ones((3, 3)))
    with pytest.raises(ValueError, match="in_features"):
        AnalogLinear(0, 3)
    with pytest.raises(TypeError, match="out_features"):
        AnalogLinear(3, 2.5)
    with pytest.raises(ValueError, match="train_w_noise"):
        AnalogLinear(3, 2, train_w_noise=-0.1)
    with pytest.raises(ValueError, match="clip_sigma"):
        AnalogLinear(3, 2, clip_sigma=0.0)
    with pytest.raises(ValueError, match="unknown"):
        AnalogLinear(3, 2, config={"forward": {"bogus": 1}})
    with pytest.raises(TypeError, match="max_input_size"):
        InferenceConfig(max_input_size=1.5)
