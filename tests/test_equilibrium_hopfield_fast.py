"""Two-layer Hopfield fast path (input -> hidden -> <= 16 outputs, e.g. 784-500-10): the zero-skipping
drive and the per-sample fused relaxation against float64 numpy, grouping/threads invariance,
early stopping and traces on that path."""

from __future__ import annotations

import numpy as np
import pnnkit
import pytest
from pnnkit.equilibrium.hopfield import HopfieldNetwork


def make_net(sizes=(53, 37, 7), dtype=np.float64, seed=3) -> HopfieldNetwork:
    net = HopfieldNetwork(sizes, seed=seed, dtype=dtype)
    rng = np.random.default_rng(seed + 1)
    for l in range(1, len(sizes)):
        net._params[f"b{l}"].value[:] = (0.2 + 0.2 * rng.standard_normal(sizes[l])).astype(dtype)
    return net


def sparse_input(n, d, zero_frac, seed=0):
    """Inputs in [0, 1] with exact zeros (like MNIST), some entries outside [0, 1] to exercise the clip."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-0.2, 1.2, (n, d))
    x[rng.random((n, d)) < zero_frac] = 0.0
    x[:, : d // 5] = 0.0  # columns zero in every sample (skipped by whole groups)
    return x


def np_relax(net, x, n_iter, eps, y=None, beta=0.0):
    """float64 reference of the synchronous projected-gradient iteration."""
    W1, W2 = (w.astype(np.float64) for w in net.weights)
    b1, b2 = (b.astype(np.float64) for b in net.biases)
    s1 = np.zeros((len(x), W1.shape[1]))
    s2 = np.zeros((len(x), W2.shape[1]))
    d = b1 + np.clip(x, 0, 1) @ W1
    for _ in range(n_iter):
        g1 = s1 - d - s2 @ W2.T
        g2 = s2 - b2 - s1 @ W2
        if y is not None:
            g2 = g2 + 2 * beta * (s2 - y)
        s1, s2 = np.clip(s1 - eps * g1, 0, 1), np.clip(s2 - eps * g2, 0, 1)
    e = 0.5 * (s1**2).sum(1) + 0.5 * (s2**2).sum(1) - s1 @ b1 - s2 @ b2
    e = e - np.einsum("bi,ij,bj->b", np.clip(x, 0, 1), W1, s1) - np.einsum("bi,ij,bj->b", s1, W2, s2)
    h1 = d + s2 @ W2.T
    g2 = s2 - b2 - s1 @ W2 + (2 * beta * (s2 - y) if y is not None else 0)
    resid = np.maximum(np.abs(s1 - np.clip(h1, 0, 1)).max(1), np.abs(s2 - np.clip(s2 - g2, 0, 1)).max(1))
    return [s1, s2], e, resid


@pytest.mark.parametrize("zero_frac", [0.0, 0.8])
@pytest.mark.parametrize("n_out", [1, 10, 16])
def test_fast_path_matches_float64_numpy(zero_frac, n_out):
    net = make_net(sizes=(53, 37, n_out))
    x = sparse_input(45, 53, zero_frac)
    y = np.random.default_rng(9).random((45, n_out))
    for beta, yy in ((0.0, None), (0.7, y), (-0.4, y)):
        res = net.relax(x, yy, beta, n_iter=30, eps=0.4, on_nonconvergence="ignore")
        ref, e, resid = np_relax(net, x, 30, 0.4, yy, beta)
        for a, b in zip(res.states, ref):
            np.testing.assert_allclose(a, b, atol=1e-12)
        np.testing.assert_allclose(res.energy, e, atol=1e-11)
        np.testing.assert_allclose(res.residual, resid, atol=1e-11)
        if yy is not None:
            np.testing.assert_allclose(res.cost, ((ref[1] - yy) ** 2).sum(1), atol=1e-11)


def test_fast_path_float32_agrees_with_float64():
    x = sparse_input(70, 53, 0.6)
    n64, n32 = make_net(), make_net(dtype=np.float32)
    r64 = n64.relax(x, n_iter=25)
    r32 = n32.relax(x.astype(np.float32), n_iter=25)
    for a, b in zip(r32.states, r64.states):
        assert a.dtype == np.float32
        np.testing.assert_allclose(a, b, atol=2e-5)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_grouping_and_threads_do_not_change_any_bit(dtype):
    # A sample relaxed alone skips other input columns than inside a batch (the skipped set is per
    # group of rows), and 1 vs 2 threads split the batch differently: results must be identical.
    net = make_net(dtype=dtype)
    x = sparse_input(75, 53, 0.7, seed=4).astype(dtype)
    before = pnnkit.get_num_threads()
    try:
        outs = []
        for nt in (1, 2):
            pnnkit.set_num_threads(nt)
            outs.append(net.relax(x, n_iter=15))
        single = [net.relax(x[i : i + 1], n_iter=15) for i in (0, 9, 33, 74)]
    finally:
        pnnkit.set_num_threads(before)
    for a, b in zip(outs[0].states, outs[1].states):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(outs[0].energy, outs[1].energy)
    for k, i in enumerate((0, 9, 33, 74)):
        for a, b in zip(single[k].states, outs[0].states):
            np.testing.assert_array_equal(a[0], b[i])


def test_fast_path_early_stop_and_trace():
    net = make_net()
    x = sparse_input(40, 53, 0.5)
    res = net.relax(x, n_iter=3000, tol=1e-9, record_trace=True)
    assert np.all(res.residual <= 1e-9)
    out = pnnkit._core.hopfield_relax(x, net.weights, net.biases, None, None, 0.0, "gd", 0.5, 3000, 1e-9, False)
    n_up = out["n_updates"]
    assert n_up.min() < n_up.max() <= 3000  # samples stop on their own
    # F never increases along gradient descent and stays constant after a sample stopped
    tr = res.trace
    assert np.all(np.diff(tr, axis=0) <= 1e-12 * (1 + np.abs(tr[1:])))
    for i in range(len(x)):
        assert np.all(tr[n_up[i] :, i] == tr[n_up[i], i])
    np.testing.assert_allclose(tr[-1], res.energy, rtol=1e-12)
    # a trace does not change the states
    plain = net.relax(x, n_iter=3000, tol=1e-9)
    for a, b in zip(plain.states, res.states):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fast_path_fixed_steps_trace_matches_plain_run(dtype):
    # Without a tolerance the fast path relaxes samples across SIMD lanes; a trace or the initial F
    # (computed per sample on rows) must not change the states, and F must never increase.
    net = make_net(dtype=dtype)
    x = sparse_input(37, 53, 0.5, seed=5).astype(dtype)  # 37: a partial group of lanes
    y = np.random.default_rng(1).random((37, 7)).astype(dtype)
    res = net.relax(x, y, 0.3, n_iter=40, eps=0.3, record_trace=True)
    plain = net.relax(x, y, 0.3, n_iter=40, eps=0.3)
    for a, b in zip(res.states, plain.states):
        np.testing.assert_array_equal(a, b)
    tr = res.trace.astype(np.float64)
    assert tr.shape == (41, 37)
    np.testing.assert_array_equal(tr[0], res.initial_free_energy)
    np.testing.assert_allclose(tr[-1], res.energy.astype(np.float64) + 0.3 * res.cost, rtol=1e-6)
    tol = 1e-12 if dtype == np.float64 else 2e-6
    assert np.all(np.diff(tr, axis=0) <= tol * (1 + np.abs(tr[1:])))
    ref, _, _ = np_relax(net, x.astype(np.float64), 40, 0.3, y.astype(np.float64), 0.3)
    for a, b in zip(res.states, ref):
        np.testing.assert_allclose(a, b, atol=1e-12 if dtype == np.float64 else 2e-5)


def test_fast_path_starts_from_given_states_and_fixed_point_method():
    net = make_net()
    x = sparse_input(30, 53, 0.5)
    rng = np.random.default_rng(2)
    s0 = [rng.uniform(-0.5, 1.5, (30, 37)), rng.uniform(-0.5, 1.5, (30, 7))]
    res = net.relax(x, states=s0, n_iter=1, eps=1.0, method="fixed_point")
    W1, W2 = net.weights
    b1, b2 = net.biases
    c = [np.clip(s, 0, 1) for s in s0]
    expect = [np.clip(b1 + np.clip(x, 0, 1) @ W1 + c[1] @ W2.T, 0, 1), np.clip(b2 + c[0] @ W2, 0, 1)]
    for a, b in zip(res.states, expect):
        np.testing.assert_allclose(a, b, atol=1e-12)
