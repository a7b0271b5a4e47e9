"""Layered Hopfield network kernel: relaxation physics, energy, dE/dtheta, determinism, bad input."""

from __future__ import annotations

import numpy as np
import pnnkit
import pytest
from pnnkit.equilibrium.hopfield import HopfieldNetwork, RelaxationError, RelaxationWarning


def make_net(sizes=(6, 5, 4, 3), seed=1, dtype=np.float64, scale=0.5, bias=0.3) -> HopfieldNetwork:
    net = HopfieldNetwork(sizes, seed=seed, dtype=dtype)
    rng = np.random.default_rng(seed + 100)
    for l in range(1, len(sizes)):
        net._params[f"W{l}"].value *= scale
        net._params[f"b{l}"].value[:] = (bias + 0.2 * rng.standard_normal(sizes[l])).astype(dtype)
    return net


def np_drive(net, x, states):
    """h_l = b_l + rho(s_{l-1}) W_l + rho(s_{l+1}) W_{l+1}^T, numpy float64 reference."""
    Ws = [w.astype(np.float64) for w in net.weights]
    bs = [b.astype(np.float64) for b in net.biases]
    rho = [np.clip(x, 0, 1)] + [np.clip(s, 0, 1) for s in states]
    L = len(states)
    return [bs[l] + rho[l] @ Ws[l] + (rho[l + 2] @ Ws[l + 1].T if l + 1 < L else 0) for l in range(L)]


def np_energy(net, x, states, y=None, beta=0.0):
    Ws = [w.astype(np.float64) for w in net.weights]
    bs = [b.astype(np.float64) for b in net.biases]
    rho = [np.clip(x, 0, 1)] + [np.clip(s, 0, 1) for s in states]
    e = sum(0.5 * np.sum(r**2, 1) - r @ b for r, b in zip(rho[1:], bs))
    e = e - sum(np.einsum("bi,ij,bj->b", rho[l], Ws[l], rho[l + 1]) for l in range(len(Ws)))
    if y is not None:
        e = e + beta * np.sum((states[-1] - y) ** 2, 1)
    return e


def np_projected_residual(net, x, states, y=None, beta=0.0):
    h = np_drive(net, x, states)
    g = [s - hl for s, hl in zip(states, h)]
    if y is not None:
        g[-1] = g[-1] + 2 * beta * (states[-1] - y)
    return max(np.max(np.abs(s - np.clip(s - gl, 0, 1))) for s, gl in zip(states, g))


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    return rng.random((40, 6)), rng.random((40, 3))


def test_relax_matches_numpy_iteration(data):
    x, _ = data
    net = make_net()
    s = [np.zeros((len(x), n)) for n in net.sizes[1:]]
    for _ in range(7):
        h = np_drive(net, x, s)
        s = [np.clip(sl - 0.5 * (sl - hl), 0, 1) for sl, hl in zip(s, h)]
    res = net.relax(x, n_iter=7, eps=0.5)
    for a, b in zip(res.states, s):
        np.testing.assert_allclose(a, b, atol=1e-13)
    # fixed_point is s <- rho(dPhi/ds), i.e. the same map with eps = 1
    fp = net.relax(x, n_iter=5, method="fixed_point")
    gd1 = net.relax(x, n_iter=5, eps=1.0)
    for a, b in zip(fp.states, gd1.states):
        np.testing.assert_array_equal(a, b)
    h = np_drive(net, x, [np.zeros((len(x), n)) for n in net.sizes[1:]])
    one = net.relax(x, n_iter=1, method="fixed_point")
    for a, hl in zip(one.states, h):
        np.testing.assert_allclose(a, np.clip(hl, 0, 1), atol=1e-13)


@pytest.mark.parametrize("beta", [0.0, 0.3, -0.2])
@pytest.mark.parametrize("method", ["gd", "fixed_point"])
def test_converged_state_has_small_projected_gradient(data, beta, method):
    x, y = data
    # the synchronous fixed-point map is only guaranteed to converge when it contracts: small couplings
    net = make_net(scale=0.3 if method == "fixed_point" else 0.5)
    tol = 1e-10
    res = net.relax(x, y if beta else None, beta, n_iter=5000, tol=tol, method=method)
    assert np.all(res.residual <= tol)
    # independent numpy check of the KKT residual of F = E + beta C on the box
    assert np_projected_residual(net, x, res.states, y if beta else None, beta) <= 2 * tol
    assert res.iterations < 5000


def test_energy_never_increases_along_gradient_descent(data):
    x, y = data
    net = make_net(scale=1.0)
    for beta, target in ((0.0, None), (0.5, y)):
        res = net.relax(x, target, beta, n_iter=60, eps=0.5, record_trace=True)
        tr = res.trace
        assert tr.shape == (61, len(x))
        assert np.all(np.diff(tr, axis=0) <= 1e-12 * (1 + np.abs(tr[:-1])))
        assert np.all(tr[-1] < tr[0])  # it did move
        np.testing.assert_allclose(
            tr[0], np_energy(net, x, [np.zeros((len(x), n)) for n in net.sizes[1:]], target, beta), atol=1e-12
        )
        np.testing.assert_allclose(tr[-1], res.free_energy, atol=1e-12)


def test_energy_and_param_grad_match_numpy(data):
    x, y = data
    net = make_net()
    rng = np.random.default_rng(3)
    states = [rng.random((len(x), n)) for n in net.sizes[1:]]
    np.testing.assert_allclose(net.energy(x, states), np_energy(net, x, states), atol=1e-12)
    np.testing.assert_allclose(net.energy(x, states, y, 0.3), np_energy(net, x, states, y, 0.3), atol=1e-12)
    g = net.param_grad_at(x, states)
    rho = [x] + states
    for l in range(1, net.n_layers + 1):
        np.testing.assert_allclose(g[f"W{l}"], -rho[l - 1].T @ rho[l] / len(x), atol=1e-13)
        np.testing.assert_allclose(g[f"b{l}"], -rho[l].mean(0), atol=1e-13)
    # and against finite differences of the mean energy in W2[1, 2] (E is linear in theta)
    W = net._params["W2"].value
    h = 1e-4
    W[1, 2] += h
    ep = net.energy(x, states).mean()
    W[1, 2] -= 2 * h
    em = net.energy(x, states).mean()
    W[1, 2] += h
    assert abs((ep - em) / (2 * h) - g["W2"][1, 2]) < 1e-8


def test_float32_agrees_with_float64(data):
    x, _ = data
    n64 = make_net()
    n32 = make_net(dtype=np.float32)
    r64 = n64.relax(x, n_iter=30)
    r32 = n32.relax(x.astype(np.float32), n_iter=30)
    assert r32.states[0].dtype == np.float32 and r64.states[0].dtype == np.float64
    for a, b in zip(r32.states, r64.states):
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_early_stop_is_per_sample_and_reported(data):
    x, _ = data
    net = make_net()
    res = net.relax(x, n_iter=5000, tol=1e-8)
    assert np.all(res.residual <= 1e-8)
    # samples stop on their own; states never modified after the stop
    out = pnnkit._core.hopfield_relax(
        x, net.weights, net.biases, None, None, 0.0, "gd", 0.5, 5000, 1e-8, False
    )
    assert out["iterations"] == int(out["n_updates"].max()) == res.iterations


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_thread_count_does_not_change_results(dtype):
    rng = np.random.default_rng(5)
    net = make_net(sizes=(30, 40, 20, 5), dtype=dtype)
    x = rng.random((100, 30))  # > one row block of 32, with a partial last block
    y = rng.random((100, 5))
    before = pnnkit.get_num_threads()
    outs = []
    try:
        for nt in (1, 2):
            pnnkit.set_num_threads(nt)
            r = net.relax(x, y, 0.5, n_iter=25, tol=1e-6, on_nonconvergence="ignore")
            g = net.param_grad_at(x, r.states)
            outs.append((r, g))
    finally:
        pnnkit.set_num_threads(before)
    (r1, g1), (r2, g2) = outs
    for a, b in zip(r1.states, r2.states):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(r1.energy, r2.energy)
    np.testing.assert_array_equal(r1.residual, r2.residual)
    for k in g1:
        np.testing.assert_array_equal(g1[k], g2[k])


def test_initial_states_are_not_modified(data):
    x, _ = data
    net = make_net()
    s0 = [np.full((len(x), n), 0.5) for n in net.sizes[1:]]
    copy = [s.copy() for s in s0]
    net.relax(x, states=s0, n_iter=10)
    for a, b in zip(s0, copy):
        np.testing.assert_array_equal(a, b)


def test_too_large_step_warns_with_iterations_and_residual(data):
    x, _ = data
    net = make_net(scale=1.0)
    with pytest.warns(
        RelaxationWarning, match=r"after \d+ iterations.*residual|residual.*after \d+ iterations"
    ):
        net.relax(x, n_iter=40, eps=3.5)
    with pytest.raises(RelaxationError, match="iterations"):
        net.relax(x, n_iter=40, eps=3.5, on_nonconvergence="raise")
    with pytest.warns(RelaxationWarning, match=r"did not converge: max residual .* after 3 iterations"):
        net.relax(x, n_iter=3, tol=1e-12)
    res = net.relax(x, n_iter=40, eps=3.5, on_nonconvergence="ignore")
    assert all(np.all(np.isfinite(s)) for s in res.states)  # clipped, never NaN


def test_bad_inputs(data):
    x, y = data
    net = make_net()
    with pytest.raises(ValueError, match="x must have shape"):
        net.relax(x[:, :5])
    with pytest.raises(ValueError, match="y must have shape"):
        net.relax(x, y[:, :2], 0.5)
    with pytest.raises(ValueError, match="needs a target"):
        net.relax(x, None, 0.5)
    with pytest.raises(ValueError, match="eps"):
        net.relax(x, eps=0.0)
    with pytest.raises(ValueError, match="method"):
        net.relax(x, method="newton")
    with pytest.raises(ValueError, match="n_iter"):
        net.relax(x, n_iter=-1)
    with pytest.raises(ValueError, match="states must hold"):
        net.relax(x, states=[np.zeros((40, 5))])
    with pytest.raises(ValueError, match=r"states\[1\]"):
        net.relax(x, states=[np.zeros((40, 5)), np.zeros((40, 3)), np.zeros((40, 3))])
    bad = x.copy()
    bad[3, 2] = np.nan
    with pytest.raises(ValueError, match="x contains a non-finite"):
        net.relax(bad)
    net._params["W2"].value[0, 0] = np.inf
    with pytest.raises(ValueError, match=r"weights\[1\] contains a non-finite"):
        net.relax(x)
    with pytest.raises(ValueError, match="sizes"):
        HopfieldNetwork((5,))
    with pytest.raises(TypeError, match="dtype"):
        HopfieldNetwork((5, 3), dtype=np.int32)
    with pytest.raises(ValueError, match=r"weights\[1\] has size"):
        pnnkit._core.hopfield_relax(x, [np.zeros((6, 5)), np.zeros((4, 3))], [np.zeros(5), np.zeros(3)])
    with pytest.raises(ValueError, match="biases has"):
        pnnkit._core.hopfield_relax(x, [np.zeros((6, 5))], [])


def test_module_contract_forward_counts_queries(data):
    x, _ = data
    net = make_net()
    out = net.forward(x)
    assert out.shape == (len(x), 3)
    assert net.queries["relaxations"] == 1 and net.queries["samples"] == len(x)
    assert net.config()["sizes"] == [6, 5, 4, 3]
    rebuilt = HopfieldNetwork(**net.config())
    assert [n for n, _ in rebuilt.named_parameters()] == ["W1", "b1", "W2", "b2", "W3", "b3"]


def test_every_gemm_code_path_gives_the_same_relaxation(tmp_path):
    # The packed GEMM picks AVX-512 / AVX2 / baseline at run time; PNNKIT_HOPFIELD_ISA caps it.
    import os
    import subprocess
    import sys

    script = (
        "import numpy as np, sys\n"
        "from pnnkit.equilibrium.hopfield import HopfieldNetwork\n"
        "net = HopfieldNetwork((37, 29, 11), seed=2, dtype=np.float64)\n"
        "x = np.random.default_rng(0).random((45, 37))\n"
        "r = net.relax(x, n_iter=15)\n"
        "g = net.param_grad_at(x, r.states)\n"
        "n32 = HopfieldNetwork((37, 29, 11), seed=2, dtype=np.float32)\n"
        "r32 = n32.relax(x[:21].astype(np.float32), n_iter=15)\n"
        "parts = [s.ravel() for s in r.states + r32.states] + [g['W1'].ravel(), g['W2'].ravel()]\n"
        "np.save(sys.argv[1], np.concatenate(parts))\n"
    )
    outs = []
    for isa in ("baseline", "avx2", "native"):
        env = dict(os.environ, PNNKIT_HOPFIELD_ISA=isa)
        path = tmp_path / f"{isa}.npy"
        subprocess.run([sys.executable, "-c", script, str(path)], check=True, env=env)
        outs.append(np.load(path))
    # float64 parts to 1e-12; the float32 states (also on the samples-across-lanes fast path) to 1e-5
    np.testing.assert_allclose(outs[0], outs[1], atol=1e-5)
    np.testing.assert_allclose(outs[0], outs[2], atol=1e-5)
    n64 = 45 * (29 + 11)
    np.testing.assert_allclose(outs[0][:n64], outs[1][:n64], atol=1e-12)
    np.testing.assert_allclose(outs[0][:n64], outs[2][:n64], atol=1e-12)
    g0 = n64 + 21 * (29 + 11)
    np.testing.assert_allclose(outs[0][g0:], outs[1][g0:], atol=1e-12)
    np.testing.assert_allclose(outs[0][g0:], outs[2][g0:], atol=1e-12)
