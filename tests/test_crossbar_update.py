"""Pulsed update: mean = lr*d*x^T within sampling error, pulse management, asymmetry drift,
determinism across threads, ablation variants, bad inputs; and the training cells."""

from __future__ import annotations

import math

import numpy as np
import pnnkit
import pytest
from conftest import STEP_MODELS, step_model_params
from pnnkit import _core
from pnnkit.crossbar import devices as D
from pnnkit.crossbar.pulsed import AnalogPulsedTile, PulseConfig, ReadConfig

QUIET = dict(dw_min_dtod=0.0, w_max_dtod=0.0, w_min_dtod=0.0, up_down_dtod=0.0)


def _ideal(dw: float = 0.001, std: float = 0.3) -> D.ConstantStepDevice:
    return D.ConstantStepDevice(dw_min=dw, dw_min_std=std, w_max=100.0, w_min=-100.0, **QUIET)


def _xd(rng: np.random.Generator, n_out: int, n_in: int) -> tuple[np.ndarray, np.ndarray]:
    x = rng.uniform(-1, 1, size=(1, n_in))
    d = rng.uniform(-1, 1, size=(1, n_out))
    return x, d


@pytest.mark.parametrize("aggregate", [True, False])
@pytest.mark.parametrize("um", [True, False])
def test_mean_update_equals_lr_d_xT(aggregate: bool, um: bool) -> None:
    rng = np.random.default_rng(0)
    n_out, n_in, lr, dw, std, bl, K = 12, 10, 0.01, 0.001, 0.3, 31, 400
    x, d = _xd(rng, n_out, n_in)
    t = AnalogPulsedTile(n_out, n_in, _ideal(dw, std), seed=1,
                         pulse=PulseConfig(desired_bl=bl, update_management=um, update_bl_management=False,
                                           aggregate_constant=aggregate))
    for _ in range(K):
        t.update(x, d, lr)
    w = t.weights
    expected = K * lr * np.outer(d[0], x[0])
    # per update the count is Binomial(BL, q), q = px*pd, each step dw*(1 + std*xi)
    ab = lr / (dw * bl)
    if um:
        xm, dm = np.abs(x).max(), np.abs(d).max()
        a, b = math.sqrt(ab * dm / xm), math.sqrt(ab * xm / dm)
    else:
        a = b = math.sqrt(ab)
    q = np.outer(np.minimum(np.abs(d[0]) * b, 1), np.minimum(np.abs(x[0]) * a, 1))
    var = K * dw ** 2 * (bl * q * (1 - q) + std ** 2 * bl * q)
    z = (w - expected) / np.sqrt(var)
    assert abs(z.mean()) < 5 / math.sqrt(z.size)
    assert 0.6 < z.std() < 1.4
    assert np.max(np.abs(z)) < 5


def test_mean_count_and_deterministic_variants() -> None:
    rng = np.random.default_rng(1)
    x, d = _xd(rng, 6, 5)
    lr = 0.02
    t = AnalogPulsedTile(6, 5, _ideal(std=0.0), pulse=PulseConfig(pulse_type="mean-count"))
    t.update(x, d, lr)
    np.testing.assert_allclose(t.weights, lr * np.outer(d[0], x[0]), rtol=1e-9, atol=1e-15)
    t2 = AnalogPulsedTile(6, 5, _ideal(std=0.0), pulse=PulseConfig(pulse_type="deterministic"))
    t2.update(x, d, lr)
    np.testing.assert_allclose(t2.weights, 0.001 * np.round(lr * np.outer(d[0], x[0]) / 0.001), atol=1e-12)


def test_bl_management_shrinks_train() -> None:
    t = AnalogPulsedTile(4, 4, _ideal())
    x = np.array([[0.5, -0.2, 0.1, 0.0]])
    d = np.array([[0.3, 0.0, -0.1, 0.2]])
    st = t.update(x, d, 0.01)
    assert st["mean_bl"] == math.ceil(0.01 * 0.5 * 0.3 / 0.001)
    t_full = AnalogPulsedTile(4, 4, _ideal(), pulse=PulseConfig(update_bl_management=False))
    assert t_full.update(x, d, 0.01)["mean_bl"] == 31
    assert t.update(np.zeros((1, 4)), d, 0.01)["coincidences"] == 0


def test_up_down_drift_towards_symmetry_point() -> None:
    # Soft bounds with up_down = 0.3: up step dw*(1 - w), down step 0.7*dw*(1 + w);
    # zero-mean random updates drive w to the symmetry point w* = 0.3/1.7.
    dev = D.SoftBoundsDevice(dw_min=0.002, dw_min_std=0.0, up_down=0.3, w_max=1.0, w_min=-1.0, **QUIET)
    w_star = 0.3 / 1.7
    t = AnalogPulsedTile(1, 64, dev, seed=3)
    t.set_weights(np.linspace(-0.8, 0.8, 64)[None, :])
    rng = np.random.default_rng(2)
    for _ in range(800):  # independent random signs per column: 5 same-sign steps per update
        t.update(rng.choice([-1.0, 1.0], size=(1, 64)), np.ones((1, 1)), 0.01)
    w = t.weights[0]
    # Ornstein-Uhlenbeck estimate: relaxation ~1/120 per update, stationary std ~0.065 per device
    assert abs(w.mean() - w_star) < 5 * 0.065 / math.sqrt(64)
    assert np.all(np.abs(w - w_star) < 5 * 0.065)


def test_constant_step_asymmetric_drift_rate() -> None:
    # One up pulse then one down pulse: net drift dw*up_down per pair (up_down > 0 weakens down).
    dev = D.ConstantStepDevice(dw_min=0.001, dw_min_std=0.0, up_down=0.25, w_max=1, w_min=-1, **QUIET)
    t = AnalogPulsedTile(1, 3, dev)
    x = np.ones((1, 3))
    for _ in range(50):
        t.update(x, np.array([[1.0]]), 0.001)  # exactly one coincidence (p = 1, BL = 1)
        t.update(x, np.array([[-1.0]]), 0.001)
    np.testing.assert_allclose(t.weights, 50 * 0.001 * 0.25, rtol=1e-9)


@pytest.mark.parametrize("name", ["constant", "reram-es", "ecram", "reram-like"])
def test_same_weights_with_one_or_two_threads(name: str) -> None:
    rng = np.random.default_rng(5)
    # 32 x 64 x 48 crosspoint-samples: above the kernel's one-thread cutoff (2^16), so 2 threads run
    x = rng.standard_normal((32, 48))
    d = rng.standard_normal((32, 64)) * 0.1
    out = []
    for nt in (1, 2, 1):
        pnnkit.set_num_threads(nt)
        t = AnalogPulsedTile(64, 48, name, seed=11, pulse=PulseConfig(update_bl_management=False))
        for _ in range(3):
            t.update(x, d, 0.1)
        out.append(t.weights)
    pnnkit.set_num_threads(2)
    np.testing.assert_array_equal(out[0], out[1])
    np.testing.assert_array_equal(out[0], out[2])
    assert np.any(out[0] != 0)


def test_normal_from_bits_statistics() -> None:
    words = np.random.default_rng(0).integers(0, 2 ** 32, size=400_000, dtype=np.uint32)
    z = _core.normal_from_bits(words)
    n = z.size
    assert abs(z.mean()) < 5 / math.sqrt(n)
    assert abs(z.var() - 1) < 5 * math.sqrt(2 / n)
    assert abs(np.mean(z ** 4) - 3) < 5 * math.sqrt(96 / n)
    assert abs(np.mean(z < -1.959964) - 0.025) < 5 * math.sqrt(0.025 * 0.975 / n)


def test_bad_update_inputs() -> None:
    t = AnalogPulsedTile(3, 2, "constant")
    x, d = np.ones((1, 2)), np.ones((1, 3))
    for lr in (0.0, -1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="lr"):
            t.update(x, d, lr)
    with pytest.raises(ValueError, match="update needs"):
        t.update(np.ones((1, 3)), d, 0.1)
    with pytest.raises(ValueError, match="finite"):
        t.update(np.array([[np.nan, 0.0]]), d, 0.1)
    for bl in (0, 33):
        with pytest.raises(ValueError, match="desired_bl"):
            PulseConfig(desired_bl=bl)
    with pytest.raises(ValueError, match="pulse_type"):
        PulseConfig(pulse_type="random")
    with pytest.raises(TypeError, match="counts"):
        t.apply_pulses(np.ones((3, 2)))
    with pytest.raises(ValueError, match="counts"):
        t.apply_pulses(np.ones((2, 2), dtype=np.int32))
    with pytest.raises(ValueError, match="out_noise"):
        ReadConfig(out_noise=-1.0)
    with pytest.raises(ValueError, match="desired_bl"):  # the core checks too
        _core.PulsedTile(_core.DeviceParams(), 3, 2, 0).update(x, d, 0.1, 40)
    with pytest.raises(ValueError, match="column"):
        t.reset_columns([5])


def test_reads_are_the_weights_plus_output_noise() -> None:
    t = AnalogPulsedTile(20, 30, "idealized", read=ReadConfig(out_noise=0.05), seed=2)
    w = np.random.default_rng(0).uniform(-0.3, 0.3, (20, 30))
    t.set_weights(w)
    w = t.weights
    x = np.random.default_rng(1).uniform(-2, 2, (400, 30))
    err = (t.forward(x) - x @ w.T) / np.abs(x).max(axis=1, keepdims=True)
    assert abs(err.std() - 0.05) < 5 * 0.05 / math.sqrt(2 * err.size)
    exact = AnalogPulsedTile(20, 30, "idealized", read=ReadConfig(out_noise=0.0), seed=2)
    exact.set_weights(w)
    dd = np.ones((2, 20))
    np.testing.assert_allclose(exact.backward(dd), dd @ w)


# (method, options, required loss reduction): the Tiki-Taka family converges more slowly on an
# ideal symmetric device (A is an undamped integrator there), so it gets a looser bound.
CELLS = [
    ("analog-sgd", {}, 0.05),
    ("mixed-precision", dict(max_pulses=31), 0.05),
    ("tiki-taka", dict(columns_per_transfer=9), 0.4),
    ("ttv2", dict(columns_per_transfer=9, max_pulses=5), 0.4),
    ("chopped-ttv2", dict(columns_per_transfer=9, max_pulses=5, chop_prob=0.02), 0.8),
]


@pytest.mark.parametrize("precision", ["float64", "float32"])
@pytest.mark.parametrize("method, opts, factor", CELLS)
def test_training_cells_learn_a_linear_map(method: str, opts: dict, factor: float, precision: str) -> None:
    from pnnkit import nn
    from pnnkit.jobs.crossbar_pulsed import make_cell_factory
    from pnnkit.training.analog_sgd import AnalogOptimizer, analog_mlp

    rng = np.random.default_rng(0)
    w_true = rng.uniform(-0.5, 0.5, (4, 8))
    x = rng.uniform(-1, 1, (512, 8))
    y = x @ w_true.T
    factory = make_cell_factory(method, "idealized", out_noise=0.0, pulse=PulseConfig(precision=precision), **opts)
    model = analog_mlp([8, 4], factory, seed=1)
    loss = nn.MSELoss()
    initial = loss.forward(model.forward(x), y)
    nn.fit(model, loss, AnalogOptimizer(model, 0.1), x, y, epochs=4, batch_size=8, seed=0)
    final = loss.forward(model.forward(x), y)
    assert final < factor * initial, (method, initial, final)


def test_job_rejects_unknown_method() -> None:
    from pnnkit.jobs.crossbar_pulsed import make_cell_factory

    with pytest.raises(ValueError, match="method"):
        make_cell_factory("adam", "idealized")


def test_tiki_taka_zero_shift_finds_symmetry_point() -> None:
    from pnnkit.training.tiki_taka import TikiTakaCell

    dev = D.SoftBoundsDevice(dw_min=0.002, dw_min_std=0.0, up_down=0.3, w_max=1.0, w_min=-1.0, **QUIET)
    cell = TikiTakaCell(3, 4, dev, zero_shift=True, seed=0)
    # alternating bursts of 5 pulses settle within a burst's reach of w* = 0.3/1.7
    np.testing.assert_allclose(cell.A_ref, 0.3 / 1.7, atol=5 * 0.002)
    e, v = cell._read_columns([0, 2])
    assert v.shape == (2, 3) and np.all(np.abs(v) < 5 * 0.06)  # reads of a zero-shifted A: noise only


# ---- fast row kernels vs the scalar reference --------------------------------------------------
MODELS = STEP_MODELS
KERNELS = [k for k in ("auto", "generic", "avx2", "avx512")
           if k == "auto" or k == "generic" or k in ("avx2", "avx512") and _core.pulse_kernel_isa() in (k, "avx512")]


def _run_kernel(model: str, kernel: str, mult_noise: bool = True) -> tuple[np.ndarray, int]:
    rng = np.random.default_rng(3)
    p = step_model_params(model)
    p.mult_noise = mult_noise
    # 70 columns: two full 32-lane blocks and a padded one
    t = _core.PulsedTile(p, 9, 70, 5)
    total = 0
    for _ in range(4):
        x = rng.standard_normal((6, 70))
        d = rng.standard_normal((6, 9))
        st = t.update(x, d, 0.5, 31, True, False, 0, False, kernel)
        total += st["coincidences"]
    return t.get_weights(), total


@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize("model", MODELS)
def test_fast_kernels_equal_scalar_reference(model: str, kernel: str) -> None:
    # Same random numbers (a pure function of seed, call, sample, row, column, pulse); the fast
    # path differs only by its polynomial exp/log (a few ulp) and evaluation order.
    ref, n_ref = _run_kernel(model, "reference")
    fast, n_fast = _run_kernel(model, kernel)
    assert n_ref == n_fast > 9 * 70 * 4
    w0 = _core.PulsedTile(step_model_params(model), 9, 70, 5).get_weights()
    assert np.mean(ref != w0) > 0.9  # the update moved (almost) every device
    np.testing.assert_allclose(fast, ref, rtol=0, atol=1e-12)


@pytest.mark.parametrize("model", ["Linear", "SoftBounds"])
def test_additive_noise_kernels_equal_reference(model: str) -> None:
    ref, _ = _run_kernel(model, "reference", mult_noise=False)
    fast, _ = _run_kernel(model, "auto", mult_noise=False)
    np.testing.assert_allclose(fast, ref, rtol=0, atol=1e-12)


def test_aggregated_constant_kernel_equals_reference() -> None:
    rng = np.random.default_rng(4)
    x, d = rng.standard_normal((5, 45)), rng.standard_normal((5, 7))
    out = {}
    for k in ("reference", "auto"):
        t = _core.PulsedTile(_core.DeviceParams(), 7, 45, 2)
        t.update(x, d, 0.3, 31, True, True, 0, True, k)
        out[k] = t.get_weights()
    np.testing.assert_allclose(out["auto"], out["reference"], rtol=0, atol=1e-14)
    assert np.all(out["auto"] != 0)


@pytest.mark.parametrize("model", ["Exp", "Pow", "Piecewise"])
def test_fast_kernel_same_weights_with_one_or_two_threads(model: str) -> None:
    rng = np.random.default_rng(6)
    x, d = rng.standard_normal((16, 64)), rng.standard_normal((16, 80))  # above the one-thread cutoff
    out = []
    for nt in (1, 2):
        pnnkit.set_num_threads(nt)
        t = _core.PulsedTile(step_model_params(model), 80, 64, 9)
        t.update(x, d, 0.2, 31, True, True, 0, False, "auto")
        out.append(t.get_weights())
    pnnkit.set_num_threads(2)
    np.testing.assert_array_equal(out[0], out[1])


@pytest.mark.parametrize("kernel", [k for k in KERNELS if k != "auto"])
def test_kernel_exp_is_accurate(kernel: str) -> None:
    x = np.concatenate([np.linspace(-60.0, 60.0, 100_001), [-700.0, -1e-300, 0.0, 1e-300, 700.0]])
    rel = np.abs(_core.pulse_kernel_exp(x, kernel) / np.exp(x) - 1.0)
    assert rel.max() < 1e-15


def test_unknown_kernel_is_rejected() -> None:
    t = _core.PulsedTile(_core.DeviceParams(), 2, 2, 0)
    with pytest.raises(ValueError, match="kernel"):
        t.update(np.ones((1, 2)), np.ones((1, 2)), 0.1, kernel="cuda")
    with pytest.raises(ValueError, match="kernel"):
        _core.pulse_kernel_exp(np.zeros(2), "reference")


@pytest.mark.skipif(_core.pulse_kernel_isa() != "avx512", reason="needs a CPU with both AVX2 and AVX-512")
@pytest.mark.parametrize("model", MODELS)
def test_avx2_and_avx512_kernels_bit_identical(model: str) -> None:
    # The AVX2 copy works in 4-lane groups, the AVX-512 one in 8-lane groups: every operation is
    # per lane with the same FMA contractions and the same random words, so the weights are equal.
    a, n_a = _run_kernel(model, "avx2")
    b, n_b = _run_kernel(model, "avx512")
    assert n_a == n_b
    assert np.array_equal(a, b)
