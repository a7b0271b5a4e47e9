"""Coupled learning (Stern 2021) and its sign-only variant (Dillavou 2022) on linear resistor networks."""

from __future__ import annotations

import numpy as np
import pnnkit
import pytest
from pnnkit.datasets import make_linear_regression
from pnnkit.equilibrium.resistor import ResistorNetwork, laplacian_dense, random_connected_graph
from pnnkit.training.coupled_learning import (
    CoupledLearning,
    SignCoupledLearning,
    coupled_learning_limit,
    output_error_gradient,
)

SOURCES = np.array([0, 1, 2])  # two inputs and ground


def _cl(n=20, m=50, outputs=(5, 6), seed=0, **kw):
    edges = random_connected_graph(n, m, seed=seed)
    g = np.random.default_rng(seed + 1).uniform(0.5, 2.0, m)
    return CoupledLearning(n, edges, g, SOURCES, np.array(outputs), **kw), edges, g


def _data(batch=6, n_out=2, seed=3):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (batch, 2))
    return np.concatenate([x, np.zeros((batch, 1))], axis=1), rng.uniform(-0.3, 0.3, (batch, n_out))


def _order(errors, etas):
    return np.polyfit(np.log(etas), np.log(errors), 1)[0]


def test_update_converges_linearly_to_its_eta_zero_limit():
    cl, _, _ = _cl(alpha=0.3)
    vs, y = _data()
    limit = coupled_learning_limit(cl, vs, y)
    etas = np.array([0.2, 0.1, 0.05, 0.025])
    err = [np.linalg.norm(cl.update(vs, y, eta=e) - limit) for e in etas]
    assert 0.95 < _order(err, etas) < 1.05
    assert err[-1] < 0.05 * np.linalg.norm(limit)


def test_limit_is_the_gradient_of_the_output_error_in_the_output_metric():
    """eta -> 0: update = -2 alpha grad_k [1/2 e^T S e] with S (output conductance matrix) held fixed."""
    n = 16
    cl, edges, g = _cl(n=n, m=36, alpha=0.5, seed=4)
    vs, y = _data(batch=4)
    free = np.setdiff1d(np.arange(n), SOURCES)
    hid = np.setdiff1d(free, cl.output_nodes)
    lap = laplacian_dense(n, edges, g)
    s = lap[np.ix_(cl.output_nodes, cl.output_nodes)] - lap[np.ix_(cl.output_nodes, hid)] @ np.linalg.solve(
        lap[np.ix_(hid, hid)], lap[np.ix_(hid, cl.output_nodes)]
    )

    def c_s(gg):
        e = ResistorNetwork(n, edges, gg, SOURCES).solve(vs)[:, cl.output_nodes] - y
        return 0.5 * np.einsum("bi,ij,bj->b", e, s, e).mean()

    h = 1e-6
    fd = np.array([(c_s(g + h * d) - c_s(g - h * d)) / (2 * h) for d in np.eye(g.size)])
    np.testing.assert_allclose(
        coupled_learning_limit(cl, vs, y), -2 * cl.alpha * fd, rtol=1e-6, atol=1e-8 * np.abs(fd).max()
    )


def test_single_output_update_tends_to_the_exact_output_error_gradient():
    cl, edges, g = _cl(outputs=(7,), alpha=1.0, seed=5)
    vs, y = _data(n_out=1, seed=6)
    exact = output_error_gradient(cl.free_net, vs, cl.output_nodes, y)

    # The adjoint gradient itself against finite differences.
    def loss(gg):
        return 0.5 * ((ResistorNetwork(20, edges, gg, SOURCES).solve(vs)[:, [7]] - y) ** 2).sum(1).mean()

    h = 1e-6
    fd = np.array([(loss(g + h * d) - loss(g - h * d)) / (2 * h) for d in np.eye(g.size)])
    np.testing.assert_allclose(exact, fd, rtol=1e-5, atol=1e-7 * np.abs(fd).max())
    # With one output S is a positive scalar: the eta -> 0 update is exactly -(2 alpha S) * gradient.
    etas = np.array([0.1, 0.05, 0.025, 0.0125])
    cos = [
        np.dot(cl.update(vs, y, eta=e), exact)
        / np.linalg.norm(cl.update(vs, y, eta=e))
        / np.linalg.norm(exact)
        for e in etas
    ]
    dist = 1.0 + np.array(cos)
    assert cos[-1] < -0.999 and np.all(np.diff(dist) < 0)
    lim = coupled_learning_limit(cl, vs, y)
    big = np.abs(exact) > 1e-6 * np.abs(exact).max()  # edges carrying no current have 0 = 0
    ratio = lim[big] / exact[big]
    np.testing.assert_allclose(lim[~big], 0.0, atol=1e-12)
    assert np.all(ratio < 0) and np.ptp(ratio) < 1e-8 * np.abs(ratio).max()


def _task(n=64, m=200, seed=1):
    x, y, _ = make_linear_regression(n_samples=200, seed=0)
    y = 0.5 * y  # inside what a passive network with +-x sources can produce (sum |a| < 1 per row)
    vs = np.concatenate([x, -x, np.zeros((len(x), 1))], axis=1)
    edges = random_connected_graph(n, m, seed=seed)
    return vs, y, edges


def test_coupled_learning_learns_linear_task_below_one_percent():
    vs, y, edges = _task()
    g = np.random.default_rng(2).uniform(0.5, 1.5, len(edges))
    cl = CoupledLearning(64, edges, g, np.arange(5), np.array([5, 6]), eta=0.1, alpha=1.0)
    before = cl.relative_error(vs, y)
    hist = cl.fit(vs, y, epochs=35, batch_size=8)
    assert before > 0.3 and hist.last["rel_error"] < 0.01


def test_sign_only_variant_converges():
    vs, y, edges = _task(n=32, m=90)
    cl = SignCoupledLearning(32, edges, np.arange(5), np.array([5, 6]), eta=0.5, n_levels=512, seed=3)
    before = cl.relative_error(vs, y)
    hist = cl.fit(vs, y, epochs=25, batch_size=8)
    np.testing.assert_allclose(1.0 / cl.conductance_S, cl.r_levels_ohm[cl.level], rtol=1e-12)  # discrete
    assert hist.last["rel_error"] < 0.15 * before


def test_determinism_one_vs_two_threads():
    vs, y, edges = _task(n=40, m=120)
    before = pnnkit.get_num_threads()
    out = []
    try:
        for t in (1, 2):
            pnnkit.set_num_threads(t)
            cl = CoupledLearning(40, edges, np.ones(len(edges)), np.arange(5), np.array([5, 6]), alpha=0.5)
            cl.fit(vs, y, epochs=2, batch_size=50)
            out.append(cl.conductance_S)
    finally:
        pnnkit.set_num_threads(before)
    np.testing.assert_array_equal(out[0], out[1])


def test_bad_arguments():
    edges = random_connected_graph(10, 20, seed=0)
    g = np.ones(20)
    with pytest.raises(ValueError, match="eta"):
        CoupledLearning(10, edges, g, SOURCES, [5], eta=0.0)
    with pytest.raises(ValueError, match="alpha"):
        CoupledLearning(10, edges, g, SOURCES, [5], alpha=-1.0)
    with pytest.raises(ValueError, match="disjoint"):
        CoupledLearning(10, edges, g, SOURCES, [2])
    with pytest.raises(ValueError, match="r_min_ohm"):
        SignCoupledLearning(10, edges, SOURCES, [5], r_min_ohm=2.0, r_max_ohm=1.0)
    cl = CoupledLearning(10, edges, g, SOURCES, [5])
    with pytest.raises(ValueError, match="conductance_S"):
        cl.conductance_S = -g


def test_resistor_job_and_checkpoint(tmp_path):
    import argparse

    from pnnkit import io
    from pnnkit.datasets import load_digits
    from pnnkit.jobs import resistor

    parser = argparse.ArgumentParser()
    for name in ("--method", "--dataset"):
        parser.add_argument(name)
    for name in ("--epochs", "--batch-size", "--seed"):
        parser.add_argument(name, type=int, default=None)
    parser.add_argument("--lr", type=float, default=None)
    resistor.add_arguments(parser)
    data = load_digits().subset(200, 100)
    seen = []
    for method in ("coupled-learning", "coupled-learning-sign"):
        args = parser.parse_args(["--method", method, "--epochs", "3", "--seed", "0"])
        out = resistor.run(args, data, lambda e, n, r, m=method: seen.append((m, e)))
        assert out["results"]["test_rel_error"] < out["history"].rows[0]["test_rel_error"] * 1.5
        io.save(tmp_path / f"{method}.npz", out["model"])
        model, _ = io.load(tmp_path / f"{method}.npz")
        x = np.array([[0.3, -0.7]])
        np.testing.assert_allclose(model(x), out["model"](x))
        ev = resistor.evaluate(model, data, args, {"config": {"seed": 0, "job_config": out["config"]}})
        assert ev["test_rel_error"] == pytest.approx(out["results"]["test_rel_error"], rel=1e-9)
    args = parser.parse_args(["--method", "ep", "--epochs", "1", "--seed", "0", "--hidden", "8"])
    out = resistor.run(args, data, lambda e, n, r: seen.append(("ep", e)))
    assert 0.0 <= out["results"]["test_acc"] <= 1.0 and out["model"](data.x_test[:4]).shape == (4, 10)
    assert ("ep", 1) in seen and ("coupled-learning", 3) in seen
