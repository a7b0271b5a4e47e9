"""The float32 pulsed-update kernels (``PulseConfig(precision="float32")``).

They apply the same pulses as the float64 kernels (the pulse trains come from the shared encode
step) with the same device steps, in float32 lanes, with their own random streams
(xoshiro128++ per crosspoint, normals by a polynomial quantile: of 16-bit values for the per-pulse noise,
of 32-bit words for aggregated ConstantStep). So: without cycle-to-cycle noise they equal the float64
scalar reference to float32 rounding; with it they agree in distribution.
"""

from __future__ import annotations

import math

import numpy as np
import pnnkit
import pytest
from conftest import STEP_MODELS, step_model_params
from pnnkit import _core
from pnnkit.crossbar import devices as D
from pnnkit.crossbar.pulsed import AnalogPulsedTile, PulseConfig

MODELS = STEP_MODELS
ISAS = [k for k in ("generic", "avx2", "avx512")
        if k == "generic" or _core.pulse_kernel_isa() in (k, "avx512")]
F32_ULP = 2.0 ** -24  # half an ulp of 1 in float32: one rounding of a weight |w| <= 1


def _run(p: _core.DeviceParams, kernel: str, precision: str, aggregate: bool = False, updates: int = 4,
         cols: int = 150, seed: int = 3) -> tuple[np.ndarray, int]:
    rng = np.random.default_rng(seed)
    # 150 columns: a full 4-block chunk and a partial chunk ending in a padded block
    t = _core.PulsedTile(p, 9, cols, 5)
    total = 0
    for _ in range(updates):
        x, d = rng.standard_normal((6, cols)), rng.standard_normal((6, 9))
        total += t.update(x, d, 0.5, 31, True, False, 0, aggregate, kernel, precision)["coincidences"]
    return t.get_weights(), total


@pytest.mark.parametrize("kernel", ISAS)
@pytest.mark.parametrize("model", MODELS)
def test_noise_free_float32_equals_float64_reference(model: str, kernel: str) -> None:
    p = step_model_params(model, dw_min_std=0.0)
    ref, n_ref = _run(p, "reference", "float64")
    f32, n_f32 = _run(p, kernel, "float32")
    assert n_ref == n_f32 > 9 * 150 * 4
    w0 = _core.PulsedTile(p, 9, 150, 5).get_weights()
    assert np.mean(ref != w0) > 0.9
    # each pulse rounds the weight once (and its step factor to a few ulp): the error grows at
    # most by a few float32 ulp per pulse; a crosspoint gets at most 31 pulses per sample
    max_pulses = 4 * 6 * 31
    np.testing.assert_allclose(f32, ref, rtol=0, atol=4 * max_pulses * F32_ULP)


@pytest.mark.parametrize("kernel", ISAS)
@pytest.mark.parametrize("dw_min", [0.002, 0.001])
def test_exp_step_carried_exponential_equals_reference(kernel: str, dw_min: float) -> None:
    # With aihwkit-sized steps the ExpStep kernel carries exp(p1 w + p3) along the pulse train
    # (updated by a Taylor series of exp(p1 dw)) instead of evaluating it every pulse (the large
    # steps of the tests above evaluate it every pulse). Driven up into the region where the
    # exponential term dominates the step, both equal the reference.
    p = step_model_params("Exp", dw_min_std=0.0)
    p.dw_min = dw_min
    p.dw_min_dtod = 0.0
    rng = np.random.default_rng(8)
    out = {}
    for k, prec in (("reference", "float64"), (kernel, "float32")):
        t = _core.PulsedTile(p, 9, 150, 5)
        for _ in range(3):
            x, d = rng.uniform(0.5, 1.0, (8, 150)), rng.uniform(0.5, 1.0, (8, 9))
            t.update(x, d, 0.03, 31, True, False, 0, False, k, prec)
        out[prec] = t.get_weights()
        rng = np.random.default_rng(8)
    ref, f32 = out["float64"], out["float32"]
    w_max = 0.6
    # the weights climbed to where A exp(...) is a sizeable part of the step, short of saturation
    assert 0.3 * w_max < ref.mean() < 0.9 * w_max
    # each of the <= 3 * 8 * 31 pulses rounds the weight once in float32
    np.testing.assert_allclose(f32, ref, rtol=0, atol=4 * 3 * 8 * 31 * F32_ULP)


@pytest.mark.parametrize("kernel", ISAS)
def test_noise_free_aggregated_constant_equals_reference(kernel: str) -> None:
    p = step_model_params("Constant", dw_min_std=0.0)
    ref, _ = _run(p, "reference", "float64", aggregate=True)
    f32, _ = _run(p, kernel, "float32", aggregate=True)
    np.testing.assert_allclose(f32, ref, rtol=0, atol=4 * 4 * 6 * F32_ULP)


@pytest.mark.parametrize("model", ["Constant", "Exp", "SoftBounds"])
def test_isa_copies_agree_with_noise(model: str) -> None:
    # Same words, same normals (the quantile polynomials are the same float32 operations on
    # every copy, up to FMA contraction): the copies agree to float32 rounding.
    p = step_model_params(model, dw_min_std=0.3)
    out = [_run(p, k, "float32")[0] for k in ISAS]
    for w in out[1:]:
        np.testing.assert_allclose(w, out[0], rtol=0, atol=4 * 4 * 6 * 31 * F32_ULP)


@pytest.mark.parametrize("model", ["Exp", "Piecewise"])
@pytest.mark.parametrize("aggregate", [False, True])
def test_float32_same_weights_with_one_or_two_threads(model: str, aggregate: bool) -> None:
    rng = np.random.default_rng(6)
    x, d = rng.standard_normal((16, 100)), rng.standard_normal((16, 80))  # above the one-thread cutoff
    out = []
    for nt in (1, 2):
        pnnkit.set_num_threads(nt)
        t = _core.PulsedTile(step_model_params(model, dw_min_std=0.3), 80, 100, 9)
        t.update(x, d, 0.2, 31, True, True, 0, aggregate, "auto", "float32")
        out.append(t.get_weights())
    pnnkit.set_num_threads(2)
    np.testing.assert_array_equal(out[0], out[1])


def _phi(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.vectorize(math.erf)(z / math.sqrt(2.0)))


@pytest.mark.parametrize("kernel", ISAS)
@pytest.mark.parametrize("bits", [32, 16])
def test_quantile_normals_statistics(kernel: str, bits: int) -> None:
    # bits 32: each word's quantile (aggregated ConstantStep); bits 16: its high half's (per-pulse
    # noise, 2^16 equiprobable values). Both must look like a standard normal sample.
    rng = np.random.default_rng(11 if bits == 32 else 13)
    n = 1 << 19
    words = rng.integers(0, 2**32, n, dtype=np.uint32)
    z = np.asarray(_core.pulse_kernel_normals_f32(words, kernel, bits), np.float64)
    se = 1.0 / math.sqrt(n)
    assert abs(z.mean()) < 5 * se
    assert abs(z.var() - 1.0) < 5 * math.sqrt(2.0) * se
    assert abs(np.mean(z**3)) < 5 * math.sqrt(15.0) * se  # skewness
    assert abs(np.mean(z**4) - 3.0) < 5 * math.sqrt(96.0) * se  # kurtosis
    for c in (1.0, 2.0, 3.0, 4.0):  # two-sided tail fractions
        pc = 2.0 * (1.0 - _phi(np.array([c]))[0])
        assert abs(np.mean(np.abs(z) > c) - pc) < 5 * math.sqrt(pc / n)
    # Kolmogorov-Smirnov distance to the standard normal (critical value 1.63/sqrt(m) at 1%)
    zs = np.sort(z[:20000])
    cdf = _phi(zs)
    m = zs.size
    ks = max(np.max(np.arange(1, m + 1) / m - cdf), np.max(cdf - np.arange(m) / m))
    assert ks < 1.63 / math.sqrt(m)


def test_quantile_normals_invert_the_normal_cdf() -> None:
    # z = sign * Phi^-1(t)... checked through the CDF: for the word's tail probability
    # t = ((w mod 2^31) + 1/2) 2^-32 (float32, capped below 1/2), 0.5 erfc(|z|/sqrt 2) = t, i.e.
    # the error in z, (Phi(-|z|) - t) / phi(z), is below 1e-6 over every binade, tails included.
    rng = np.random.default_rng(12)
    low = (2 ** rng.uniform(0, 31, 6000)).astype(np.uint32)  # log-uniform: every binade of t
    w = np.concatenate([low, low | np.uint32(2**31), rng.integers(0, 2**32, 4000, dtype=np.uint32),
                        np.array([0, 1, 2**31 - 1, 2**31, 2**32 - 1], dtype=np.uint32)])
    t = ((w & 0x7FFFFFFF).astype(np.float32) * np.float32(2.0**-32) + np.float32(2.0**-33))
    t = np.minimum(t, np.float32(0.49999997)).astype(np.float64)
    erfc = np.vectorize(math.erfc)
    for k in ISAS:
        z = np.asarray(_core.pulse_kernel_normals_f32(w, k), np.float64)
        assert np.all(np.sign(z) == np.where(w >= 2**31, -1.0, 1.0))
        az = np.abs(z)
        err = (0.5 * erfc(az / math.sqrt(2.0)) - t) / (np.exp(-0.5 * az**2) / math.sqrt(2.0 * math.pi))
        assert np.abs(err).max() < 1e-6
        assert az.max() < 6.34


def test_quantile16_normals_are_the_quantiles_of_all_65536_values() -> None:
    # Per-pulse noise: each 16-bit value (the high half of a word; bit 31 the sign, m its 15-bit
    # magnitude) stands for the tail probability t = (m + 1/2) 2^-16, and its normal must be
    # -sign * Phi^-1(t): checked for every value through the CDF, as above, to the polynomials'
    # bound (gen_normal_poly.py: < 2.1e-6 with FMAs; the generic copy rounds twice per term).
    # Every value is then equiprobable, so the distribution is the normal's, discretized into
    # 2^16 equal-probability cells.
    v = np.arange(1 << 16, dtype=np.uint32)
    m = (v & 0x7FFF).astype(np.float64)
    t = (m + 0.5) / 65536.0
    erfc = np.vectorize(math.erfc)
    zs = []
    for k in ISAS:
        z = np.asarray(_core.pulse_kernel_normals_f32(v << np.uint32(16), k, 16), np.float64)
        assert np.all(np.sign(z) == np.where(v >= 2**15, -1.0, 1.0))
        az = np.abs(z)
        err = (0.5 * erfc(az / math.sqrt(2.0)) - t) / (np.exp(-0.5 * az**2) / math.sqrt(2.0 * math.pi))
        assert np.abs(err).max() < 2.5e-6
        assert np.all(np.diff(az[: 1 << 15]) < 0)  # |z| falls as t grows
        np.testing.assert_array_equal(z[: 1 << 15], -z[1 << 15 :])  # exact symmetry: mean 0
        assert az.max() < 4.33
        zs.append(z)
    for z in zs[1:]:  # the copies agree to float32 rounding (FMA contraction)
        np.testing.assert_allclose(z, zs[0], rtol=0, atol=1e-6)
    # the low half of the word does not enter
    z_low = np.asarray(_core.pulse_kernel_normals_f32((v << np.uint32(16)) | np.uint32(0x1234), "auto", 16))
    np.testing.assert_array_equal(z_low, np.asarray(_core.pulse_kernel_normals_f32(v << np.uint32(16), "auto", 16)))
    with pytest.raises(ValueError, match="bits must be 16 or 32"):
        _core.pulse_kernel_normals_f32(v[:4], "auto", 8)


@pytest.mark.parametrize("model,aggregate", [("Constant", False), ("Constant", True), ("Exp", False)])
def test_noisy_float32_update_matches_float64_in_distribution(model: str, aggregate: bool) -> None:
    # One single-sample update of a 64 x 256 tile from the same pulse trains: the per-crosspoint
    # weight changes of the two precisions have the same mean and spread (the noise differs draw
    # by draw). One sample: every crosspoint steps in one direction, |dW| ~ n dw.
    p = step_model_params(model, dw_min_std=0.3)
    p.dw_min = 0.002
    p.dw_min_dtod = 0.0  # every device steps by dw_min: the noise variance is (0.3 dw_min)^2 n
    rng = np.random.default_rng(13)
    x, d = rng.standard_normal((1, 256)), rng.standard_normal((1, 64))
    dws = {}
    for prec in ("float64", "float32"):
        t = _core.PulsedTile(p, 64, 256, 21)
        w0 = t.get_weights()
        t.update(x, d, 0.05, 31, True, True, 0, aggregate, "auto", prec)
        dws[prec] = t.get_weights() - w0
    a, b = dws["float64"].ravel(), dws["float32"].ravel()
    # the deterministic part (counts, device steps) is shared: the difference is the noise only,
    # whose per-crosspoint std is 0.3 * dw * sqrt(n) for both; compare mean and variance
    moved = a != 0
    assert moved.mean() > 0.7
    diff = (b - a)[moved]
    sd = diff.std()
    assert abs(diff.mean()) < 5 * sd / math.sqrt(diff.size)
    # the noise of the two is independent: var(b - a) = 2 var(noise); var(noise) from float64
    steps = np.abs(a[moved]) / p.dw_min  # ~ n (pulse count) for a weight-independent step
    expected = 2.0 * (0.3 * p.dw_min) ** 2 * steps.mean() if model == "Constant" else None
    if expected is not None:
        assert abs(diff.var() / expected - 1.0) < 0.1
    assert np.corrcoef(a[moved], b[moved])[0, 1] > 0.95  # same pulses: the changes track each other


def test_float32_noise_streams_are_uncorrelated_across_crosspoints() -> None:
    # Each crosspoint's pulses draw from its own xoshiro stream, keyed per (sample, row) by Philox
    # and per position of the sample's column order by an integer hash. The noise part of one
    # update, (dW_noisy - dW_noise_free) / (dw sqrt(n)) ~ N(0, 0.3^2), must show no correlation
    # between neighbouring rows, neighbouring columns, or neighbouring positions of the column
    # order (adjacent lanes of a SIMD group), and must average out.
    rows, cols = 96, 320
    rng = np.random.default_rng(17)
    x, d = rng.standard_normal((1, cols)), rng.standard_normal((1, rows))
    dws, at_bound = {}, np.zeros((rows, cols), bool)
    for std in (0.0, 0.3):
        p = step_model_params("Constant", dw_min_std=std)
        p.dw_min = 0.002
        p.dw_min_dtod = 0.0
        t = _core.PulsedTile(p, rows, cols, 29)
        w0 = t.get_weights()
        t.update(x, d, 0.05, 31, True, True, 0, False, "auto", "float32")
        dws[std] = t.get_weights() - w0
        # (the bounds' device-to-device spread puts a few near 0: those crosspoints are left out)
        at_bound |= np.minimum(np.abs(t.get_weights() - t.device_array("w_max")),
                               np.abs(t.get_weights() - t.device_array("w_min"))) < 1e-6
    up = np.outer(d[0], x[0]) > 0
    step = np.where(up, t.device_array("scale_up"), t.device_array("scale_down"))
    n = np.where(at_bound, 0.0, np.abs(dws[0.0]) / step)  # coincidences of each crosspoint
    assert np.allclose(n, np.round(n), atol=0.05) and n.mean() > 5  # (float32 weights)
    assert at_bound.mean() < 0.01
    n = np.round(n)
    moved = n > 0
    r = np.where(moved, (dws[0.3] - dws[0.0]) / (step * np.sqrt(np.maximum(n, 1))), 0.0) / 0.3
    assert abs(r[moved].mean()) < 5 / math.sqrt(moved.sum())
    assert abs(r[moved].var() - 1.0) < 0.1

    def corr(a: np.ndarray, b: np.ndarray) -> float:
        both = (a != 0) & (b != 0)
        return float(np.corrcoef(a[both], b[both])[0, 1]), int(both.sum())

    order = np.argsort(-np.abs(x[0]), kind="stable")  # ~ the kernel's order (by x pulse count)
    for a, b in ((r[:-1], r[1:]), (r[:, :-1], r[:, 1:]), (r[:, order[:-1]], r[:, order[1:]])):
        c, m = corr(a, b)
        assert abs(c) < 4.5 / math.sqrt(m)


@pytest.mark.parametrize("std", [0.0, 0.3])
def test_float32_weights_stay_within_float64_bounds(std: float) -> None:
    # float32 bounds are rounded inwards, so a float32 weight never leaves its float64 bounds;
    # without c2c noise a driven device saturates at its bound to float32 rounding
    dev = D.ConstantStepDevice(dw_min=0.05, dw_min_std=std, dw_min_dtod=0.0, w_max=0.6, w_min=-0.6)
    t = AnalogPulsedTile(20, 40, dev, seed=3, pulse=PulseConfig(precision="float32"))
    wmax, wmin = t.device_array("w_max"), t.device_array("w_min")
    x = np.ones((8, 40))
    for sign in (1.0, -1.0):
        for _ in range(10):
            t.update(x, sign * np.ones((8, 20)), 1.0)
        w = t.weights
        assert np.all(w <= wmax) and np.all(w >= wmin)
        if std == 0.0:
            np.testing.assert_allclose(w, wmax if sign > 0 else wmin, rtol=0, atol=2 * F32_ULP)


def test_float32_pulsed_tile_learns_like_float64() -> None:
    # The same analog SGD run on a small regression task ends at the same loss in both precisions.
    rng = np.random.default_rng(5)
    target = rng.uniform(-0.3, 0.3, (4, 8))
    xs = rng.standard_normal((400, 8))
    losses = {}
    for prec in ("float64", "float32"):
        t = AnalogPulsedTile(4, 8, D.ExpStepDevice(), seed=1, pulse=PulseConfig(precision=prec))
        for k in range(0, 400, 10):
            xb = xs[k:k + 10]
            err = xb @ t.weights.T - xb @ target.T
            t.update(xb, -err, 0.05)
        losses[prec] = float(np.mean((t.weights - target) ** 2))
    assert losses["float32"] < 0.2 * np.mean(target**2)
    assert abs(losses["float32"] - losses["float64"]) < 0.5 * losses["float64"] + 1e-4


def test_bad_precision_is_rejected() -> None:
    with pytest.raises(ValueError, match="precision"):
        PulseConfig(precision="float16")
    with pytest.raises(ValueError, match="float64"):
        PulseConfig(precision="float32", pulse_type="deterministic")
    t = _core.PulsedTile(_core.DeviceParams(), 2, 2, 0)
    with pytest.raises(ValueError, match="precision"):
        t.update(np.ones((1, 2)), np.ones((1, 2)), 0.1, precision="half")
    with pytest.raises(ValueError, match="reference"):
        t.update(np.ones((1, 2)), np.ones((1, 2)), 0.1, kernel="reference", precision="float32")
    with pytest.raises(ValueError, match="stochastic"):  # the core rejects it too, not only PulseConfig
        t.update(np.ones((1, 2)), np.ones((1, 2)), 0.1, pulse_type=1, precision="float32")
    with pytest.raises(ValueError, match="kernel"):
        _core.pulse_kernel_normals_f32(np.zeros(2, np.uint32), "reference")

