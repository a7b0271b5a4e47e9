"""The crossbar read periphery against its definition (see cpp/include/pnnkit/crossbar/tile.hpp)."""

from __future__ import annotations

import math

import numpy as np
import pnnkit
import pytest
from pnnkit import _core
from pnnkit.crossbar import AnalogTile, InferenceConfig, IOParameters


def read(W, x, io: IOParameters, *, transposed=False, weight_scale=0.0, seed=0, max_in=512, max_out=512):
    split = InferenceConfig(max_input_size=max_in, max_output_size=max_out).split_to_core()
    y, stats = _core.crossbar_read(np.ascontiguousarray(W, np.float32), np.ascontiguousarray(x, np.float32),
                                   transposed, io.to_core(), split, weight_scale, seed)
    return y, stats


QUIET = dict(out_noise=0.0, inp_res=0.0, out_res=0.0, bound_management="none")


def test_dac_levels_match_definition():
    io = IOParameters(**{**QUIET, "inp_res": 1 / 126, "noise_management": "none"})
    x = (np.linspace(-1, 1, 2001) * 0.999371).astype(np.float32)[None, :]
    W = np.eye(2001, dtype=np.float32)
    y, _ = read(W, x, io, max_in=4096, max_out=4096)
    step = 2.0 / 126
    np.testing.assert_allclose(y[0], np.round(x[0] / step) * step, atol=1e-6)
    assert len(np.unique(np.round(y / step))) == 127  # 7-bit DAC: 127 levels on [-1, 1]


def test_adc_levels_match_definition():
    io = IOParameters(**{**QUIET, "out_res": 1 / 510, "noise_management": "none", "inp_bound": 12.0})
    # irrational-ish stretch: no input sits exactly on a rounding tie
    x = (np.linspace(-12, 12, 1001) * 0.999371).astype(np.float32)[None, :]
    W = np.eye(1001, dtype=np.float32)
    y, _ = read(W, x, io, max_in=2048, max_out=2048)
    step = 24.0 / 510
    np.testing.assert_allclose(y[0], np.round(x[0] / step) * step, atol=1e-5)
    assert len(np.unique(np.round(y / step))) == 511  # 9-bit ADC: 511 levels on [-12, 12]


def test_input_and_output_clipping_at_bounds():
    io = IOParameters(**{**QUIET, "noise_management": "none"})
    x = np.array([[2.0, -3.0, 0.5]], np.float32)
    y, _ = read(np.eye(3), x, io)
    np.testing.assert_allclose(y, [[1.0, -1.0, 0.5]], atol=1e-7)
    W = np.ones((2, 64), np.float32)
    y, stats = read(W, np.ones((1, 64)), io)
    np.testing.assert_allclose(y, 12.0)  # saturates at out_bound (w_scale 1, input scale 1)
    assert stats["clipped_outputs"] == 2


def test_output_noise_std_matches_out_noise():
    io = IOParameters(out_noise=0.06, out_res=0.0, inp_res=0.0, bound_management="none")
    n = 256 * 2000
    x = np.zeros((2000, 64), np.float32)
    x[:, 0] = 1.0  # abs-max scale 1
    y, _ = read(np.zeros((256, 64)), x, io, weight_scale=1.0, seed=3)
    se_std = 0.06 / math.sqrt(2 * n)
    assert abs(y.std() - 0.06) < 5 * se_std
    assert abs(y.mean()) < 5 * 0.06 / math.sqrt(n)
    # Gaussian tails: P(|xi| > 2) = 4.55 %
    frac = np.mean(np.abs(y) > 2 * 0.06)
    assert abs(frac - 0.0455) < 5 * math.sqrt(0.0455 * 0.9545 / n)
    # the noise scales with the input scale (undone after the ADC) and with w_scale
    y2, _ = read(np.zeros((256, 64)), 3 * x, io, weight_scale=0.5, seed=3)
    np.testing.assert_allclose(y2, 1.5 * y, rtol=1e-5, atol=1e-7)


def test_weight_noise_is_output_referred():
    io = IOParameters(out_noise=0.0, w_noise=0.02, out_res=0.0, inp_res=0.0, bound_management="none")
    n_in, n = 100, 128 * 2000
    y, _ = read(np.zeros((128, n_in)), np.ones((2000, n_in)), io, weight_scale=2.0, seed=5)
    expected = 0.02 * 2.0 * math.sqrt(n_in)  # w_noise * w_scale * |v|
    assert abs(y.std() - expected) < 5 * expected / math.sqrt(2 * n)


def test_bound_management_recovers_clipped_outputs():
    W = np.ones((4, 64), np.float32)
    x = np.ones((3, 64), np.float32)
    y_none, st_none = read(W, x, IOParameters(**QUIET))
    y_bm, st_bm = read(W, x, IOParameters(**{**QUIET, "bound_management": "iterative"}))
    np.testing.assert_allclose(y_none, 12.0)
    np.testing.assert_allclose(y_bm, 64.0, rtol=1e-6)  # true value, found after re-reads at 1/2, 1/4, 1/8
    assert st_bm["bm_rereads"] == 3 * 3 and st_bm["clipped_outputs"] == 0
    assert st_bm["reads"] == 3 + 9
    # with the default noisy periphery the recovered value is right up to noise and ADC step
    y, st = read(W, x, IOParameters(), seed=1)
    assert st["clipped_outputs"] == 0
    np.testing.assert_allclose(y, 64.0, atol=8 * (0.06 + 24 / 510) * 8)
    # the factor is capped by max_bm_factor
    y, st = read(W, x, IOParameters(**{**QUIET, "bound_management": "iterative", "max_bm_factor": 2.0}))
    np.testing.assert_allclose(y, 24.0)
    assert st["clipped_outputs"] == 12


def test_noise_management_abs_max_is_scale_invariant():
    rng = np.random.default_rng(0)
    W = rng.normal(0, 0.1, (32, 50))
    x = rng.uniform(-1, 1, (8, 50))
    io = IOParameters(out_noise=0.0, bound_management="none")
    y1, _ = read(W, x, io)
    y2, _ = read(W, 100 * x, io)
    np.testing.assert_allclose(y2, 100 * y1, rtol=1e-5)
    # without noise management, large inputs saturate the DAC
    y3, _ = read(W, 100 * x, IOParameters(out_noise=0.0, noise_management="none", bound_management="none"))
    assert np.abs(y3 - 100 * y1).max() > 1.0


def test_zero_input_row_reads_zero():
    y, _ = read(np.ones((5, 7)), np.zeros((2, 7)), IOParameters())
    assert np.all(y == 0)


def test_tiles_add_digital_partial_sums():
    rng = np.random.default_rng(1)
    W = rng.normal(0, 0.2, (70, 250)).astype(np.float32)
    x = rng.uniform(-1, 1, (6, 250)).astype(np.float32)
    io = IOParameters(out_noise=0.0, bound_management="none")
    y, st = read(W, x, io, max_in=100, max_out=30)
    assert st["reads"] == 6 * 3 * 3
    expected = np.zeros((6, 70), np.float32)
    for o0 in range(0, 70, 30):
        for i0 in range(0, 250, 100):
            blk, _ = read(W[o0:o0 + 30, i0:i0 + 100], x[:, i0:i0 + 100], io)
            expected[:, o0:o0 + 30] += blk
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-6)
    yp, _ = read(W, x, IOParameters.perfect(), max_in=100, max_out=30)
    np.testing.assert_allclose(yp, x @ W.T, rtol=1e-5, atol=1e-5)


def test_transposed_read_is_forward_read_of_transpose():
    rng = np.random.default_rng(2)
    W = rng.normal(0, 0.2, (40, 30)).astype(np.float32)
    g = rng.normal(0, 1, (5, 40)).astype(np.float32)
    io = IOParameters(out_noise=0.0, bound_management="none")
    d, _ = read(W, g, io, transposed=True)
    d_ref, _ = read(W.T.copy(), g, io)
    np.testing.assert_allclose(d, d_ref, rtol=1e-6, atol=1e-6)
    dp, _ = read(W, g, IOParameters.perfect(), transposed=True)
    np.testing.assert_allclose(dp, g @ W, rtol=1e-5, atol=1e-5)


def test_ir_drop_first_order_formula():
    rng = np.random.default_rng(3)
    n = 64
    W = rng.normal(0, 0.2, (16, n)).astype(np.float32)
    x = rng.uniform(-1, 1, (4, n)).astype(np.float32)
    io = IOParameters(out_noise=0.0, inp_res=0.0, out_res=0.0, bound_management="none", ir_drop=0.3)
    y, _ = read(W, x, io)
    w_scale = np.abs(W).max()
    gbar = np.abs(W).mean() / w_scale
    s = np.abs(x).max(axis=1, keepdims=True)
    v = x / s
    p = np.arange(1, n + 1)
    dv = 0.3 * gbar * 2 / n**2 * (v @ np.minimum.outer(p, p).astype(np.float64))
    expected = ((v - dv) @ W.T) * s
    np.testing.assert_allclose(y, expected, rtol=1e-4, atol=1e-5)
    y0, _ = read(W, x, IOParameters(out_noise=0.0, inp_res=0.0, out_res=0.0, bound_management="none"))
    assert np.abs(y - y0).max() > 1e-3


def test_same_result_with_one_and_two_threads():
    rng = np.random.default_rng(4)
    W = rng.normal(0, 0.05, (300, 200)).astype(np.float32)
    x = rng.uniform(-1, 1, (37, 200)).astype(np.float32)
    io = IOParameters(w_noise=0.01)
    old = pnnkit.get_num_threads()
    try:
        pnnkit.set_num_threads(1)
        y1, s1 = read(W, x, io, seed=9, max_in=128, max_out=128)
        pnnkit.set_num_threads(2)
        y2, s2 = read(W, x, io, seed=9, max_in=128, max_out=128)
    finally:
        pnnkit.set_num_threads(old)
    np.testing.assert_array_equal(y1, y2)
    assert s1 == s2
    y3, _ = read(W, x, io, seed=10, max_in=128, max_out=128)
    assert not np.array_equal(y1, y3)  # another seed is another read


def test_simd_code_paths_agree():
    rng = np.random.default_rng(5)
    W = rng.normal(0, 0.05, (64, 96)).astype(np.float32)
    x = rng.uniform(-1, 1, (16, 96)).astype(np.float32)
    chosen = _core.crossbar_kernel_isa()
    results = {}
    try:
        for isa in ("generic", "avx2", "avx512"):
            try:
                _core.crossbar_set_kernel_isa(isa)
            except ValueError:
                continue
            results[isa] = read(W, x, IOParameters(), seed=2)[0]
    finally:
        _core.crossbar_set_kernel_isa(chosen)
    ref = results["generic"]
    step = 24 / 510 * np.abs(W).max()
    for isa, y in results.items():
        # same noise; GEMM rounding may flip an ADC step
        assert np.abs(y - ref).max() <= 1.01 * step * np.abs(x).max(), isa


def test_tile_read_counter_gives_fresh_reproducible_noise():
    rng = np.random.default_rng(6)
    W = rng.normal(0, 0.1, (10, 20))
    x = rng.uniform(-1, 1, (4, 20))
    a, b = AnalogTile(10, 20, seed=1), AnalogTile(10, 20, seed=1)
    a.set_weights(W)
    b.set_weights(W)
    ya1, ya2 = a.forward(x), a.forward(x)
    assert not np.array_equal(ya1, ya2)
    np.testing.assert_array_equal(ya1, b.forward(x))
    assert a.read_counter == 2 and a.reads == 8


@pytest.mark.parametrize("field,value", [("inp_res", -0.1), ("out_res", -1.0), ("out_noise", -0.01),
                                         ("inp_bound", 0.0), ("max_bm_factor", 0.5), ("inp_res", 1.5),
                                         ("w_noise", float("nan")), ("noise_management", "max")])
def test_bad_io_parameters_raise_naming_field(field, value):
    with pytest.raises(ValueError, match=field):
        IOParameters(**{field: value})


def test_core_validates_parameters_too():
    io = _core.CrossbarIOParams()
    io.inp_res = -0.5
    split = InferenceConfig().split_to_core()
    with pytest.raises(ValueError, match="inp_res"):
        _core.crossbar_read(np.ones((2, 2), np.float32), np.ones((1, 2), np.float32), False, io, split, 0.0, 0)


def test_bad_arrays_raise_naming_argument():
    io, split = IOParameters().to_core(), InferenceConfig().split_to_core()
    W, x = np.ones((3, 4), np.float32), np.ones((2, 4), np.float32)
    with pytest.raises(TypeError, match="x"):
        _core.crossbar_read(W, x.astype(np.float64), False, io, split, 0.0, 0)
    with pytest.raises(TypeError, match="weights"):
        _core.crossbar_read(W.astype(np.int32), x, False, io, split, 0.0, 0)
    with pytest.raises(ValueError, match="x"):
        _core.crossbar_read(W, np.ones((2, 5), np.float32), False, io, split, 0.0, 0)
    with pytest.raises(ValueError, match="grad_out"):
        _core.crossbar_read(W, x, True, io, split, 0.0, 0)
    with pytest.raises(ValueError, match="empty"):
        _core.crossbar_read(W, np.ones((0, 4), np.float32), False, io, split, 0.0, 0)
    with pytest.raises(ValueError, match="weights"):
        _core.crossbar_read(np.ones(4, np.float32), x, False, io, split, 0.0, 0)
    bad = x.copy()
    bad[1, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        _core.crossbar_read(W, bad, False, io, split, 0.0, 0)
    tile = AnalogTile(3, 4)
    with pytest.raises(ValueError, match="x"):
        tile.forward(bad)
    with pytest.raises(TypeError, match="x"):
        tile.forward(np.ones((2, 4), np.int64))
    with pytest.raises(TypeError, match="x"):
        tile.forward([[1.0, 2.0, 3.0, 4.0]])
    with pytest.raises(ValueError, match="empty"):
        tile.forward(np.ones((0, 4)))
    with pytest.raises(ValueError, match="weights"):
        tile.set_weights(np.ones((4, 3)))
