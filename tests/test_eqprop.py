"""Equilibrium propagation vs the exact implicit gradient; implicit gradient vs finite differences."""

from __future__ import annotations

import numpy as np
import pnnkit
import pytest
from pnnkit.equilibrium.hopfield import HopfieldNetwork
from pnnkit.training.eqprop import EPConfig, ep_gradient, one_hot, train_eqprop
from pnnkit.training.implicit import equilibrium_loss_gradient, implicit_gradient

TIGHT = {"n_nudged": 20000, "tol": 1e-13}


def interior_net(seed=1) -> HopfieldNetwork:
    """A float64 net whose equilibria lie strictly inside the box (no active constraint), so the
    equilibrium is a smooth function of theta and beta and the EP orders are exact."""
    net = HopfieldNetwork((6, 5, 4, 3), seed=seed, dtype=np.float64)
    for l in (1, 2, 3):
        net._params[f"W{l}"].value *= 0.3
        net._params[f"b{l}"].value[:] = 0.5
    return net


@pytest.fixture
def task():
    rng = np.random.default_rng(0)
    return rng.random((4, 6)), 0.25 + 0.5 * rng.random((4, 3))


def _max_err(est, exact):
    return max(float(np.max(np.abs(est[k] - exact[k]))) for k in exact)


def _slope(betas, errs):
    return float(np.polyfit(np.log(betas), np.log(errs), 1)[0])


def test_ep_bias_orders_one_sided_and_centered(task):
    x, y = task
    net = interior_net()
    exact, _, free_states = equilibrium_loss_gradient(net, x, y)
    assert all(np.all((s > 0) & (s < 1)) for s in free_states)
    free = net.relax(x, states=free_states, n_iter=10, tol=1e-13)
    betas = np.array([0.1, 0.05, 0.025, 0.0125])
    errs = {
        nud: [_max_err(ep_gradient(net, x, y, b, nud, free=free, **TIGHT).grads, exact) for b in betas]
        for nud in ("positive", "negative", "centered")
    }
    assert 0.85 < _slope(betas, errs["positive"]) < 1.15
    assert 0.85 < _slope(betas, errs["negative"]) < 1.15
    assert 1.8 < _slope(betas, errs["centered"]) < 2.2
    # and centered is the better estimator at every beta
    assert all(c < p for c, p in zip(errs["centered"], errs["positive"]))
    # the estimates converge to the exact gradient (not just at the right rate)
    scale = max(float(np.max(np.abs(g))) for g in exact.values())
    assert errs["centered"][-1] < 1e-3 * scale


def test_implicit_gradient_matches_finite_differences(task):
    x, y = task
    net = interior_net(seed=2)
    grads, _, _ = equilibrium_loss_gradient(net, x, y)
    rng = np.random.default_rng(1)
    h = 1e-6
    for name, p in net.named_parameters():
        for _ in range(3):
            idx = tuple(int(rng.integers(0, n)) for n in p.value.shape)
            old = p.value[idx]
            p.value[idx] = old + h
            lp = equilibrium_loss_gradient(net, x, y)[1]
            p.value[idx] = old - h
            lm = equilibrium_loss_gradient(net, x, y)[1]
            p.value[idx] = old
            fd = (lp - lm) / (2 * h)
            assert abs(fd - grads[name][idx]) < 1e-7 + 1e-5 * abs(fd), (name, idx, fd, grads[name][idx])


def test_implicit_gradient_with_clamped_units_matches_finite_differences():
    # strong couplings put some units at 0 or 1: they must be treated as fixed
    rng = np.random.default_rng(4)
    net = HopfieldNetwork((5, 6, 3), seed=3, dtype=np.float64)
    net._params["b1"].value[:] = rng.normal(0.3, 0.6, 6)
    x, y = rng.random((3, 5)), rng.random((3, 3))
    grads, _, states = equilibrium_loss_gradient(net, x, y)
    assert any(np.any((s == 0) | (s == 1)) for s in states)
    h = 1e-6
    W = net._params["W2"].value
    for idx in [(0, 0), (2, 1), (5, 2)]:
        old = W[idx]
        W[idx] = old + h
        lp = equilibrium_loss_gradient(net, x, y)[1]
        W[idx] = old - h
        lm = equilibrium_loss_gradient(net, x, y)[1]
        W[idx] = old
        assert abs((lp - lm) / (2 * h) - grads["W2"][idx]) < 1e-6


def test_module_backward_is_the_implicit_gradient(task):
    x, y = task
    net = interior_net()
    net.eval()
    net.n_iter = 20000
    out = net.forward(x)
    gout = 2 * (out - y) / len(x)
    gx = net.backward(gout)
    exact, _, _ = equilibrium_loss_gradient(net, x, y)
    for name, p in net.named_parameters():
        np.testing.assert_allclose(p.grad, exact[name], atol=1e-10)
    # dL/dx by finite differences of the equilibrium loss
    h = 1e-6
    xp = x.copy()
    xp[1, 2] += h
    xm = x.copy()
    xm[1, 2] -= h
    fd = (equilibrium_loss_gradient(net, xp, y)[1] - equilibrium_loss_gradient(net, xm, y)[1]) / (2 * h)
    assert abs(fd - gx[1, 2]) < 1e-7
    net.backward(gout)  # accumulates
    np.testing.assert_allclose(net._params["W1"].grad, 2 * exact["W1"], atol=1e-10)


def _tiny_task():
    rng = np.random.default_rng(7)
    centers = rng.random((3, 12))
    labels = rng.integers(0, 3, 240)
    xs = np.clip(centers[labels] + 0.15 * rng.standard_normal((240, 12)), 0, 1).astype(np.float32)
    return xs, labels


@pytest.mark.parametrize("nudging,phases", [("random", 1), ("centered", 2)])
def test_training_learns_and_counts_queries(nudging, phases):
    x, labels = _tiny_task()
    net = HopfieldNetwork((12, 16, 3), seed=0)
    cfg = EPConfig(beta=0.5, nudging=nudging, lrs=(0.2, 0.1), n_eval=40)
    hist = train_eqprop(
        net,
        x[:200],
        labels[:200],
        epochs=6,
        batch_size=20,
        config=cfg,
        seed=1,
        x_test=x[200:],
        y_test=labels[200:],
    )
    assert len(hist) == 6
    assert hist["train_cost"][-1] < 0.6 * hist["train_cost"][0]
    assert max(hist["test_acc"]) >= 0.9
    # one free phase + the nudged phases per minibatch of 20
    assert hist["physical_queries"][-1] == 6 * 10 * (1 + phases)


def test_implicit_training_runs_free_phases_only_and_exact_gradient_vanishes_at_saturation():
    x, labels = _tiny_task()
    net = HopfieldNetwork((12, 16, 3), seed=0)
    hist = train_eqprop(
        net,
        x[:200],
        labels[:200],
        epochs=2,
        batch_size=20,
        gradient="implicit",
        config=EPConfig(lrs=(0.2, 0.1), n_eval=40),
    )
    assert hist["physical_queries"][-1] == 2 * 10  # only the free phases
    # With every output unit clamped at 0 or 1 the exact gradient is zero (hard-sigmoid saturation),
    # while EP with a finite beta still moves the weights: the nudge pulls units off the bound.
    net = HopfieldNetwork((12, 16, 3), seed=0, dtype=np.float64)
    xb, tb = x[:20].astype(np.float64), one_hot(labels[:20], 3)
    free = net.relax(xb, n_iter=3000, tol=1e-13)
    assert np.all((free.output == 0) | (free.output == 1))
    exact, _ = implicit_gradient(net, xb, free.states, 2 * (free.output - tb) / 20)
    assert all(np.all(g == 0) for g in exact.values())
    ep = ep_gradient(net, xb, tb, 0.5, "positive", free=free, n_nudged=3000, tol=1e-13).grads
    assert np.max(np.abs(ep["W2"])) > 1e-2


def test_training_is_deterministic_across_threads():
    x, labels = _tiny_task()
    x = np.repeat(x, 1, axis=0)
    results = []
    before = pnnkit.get_num_threads()
    try:
        for nt in (1, 2):
            pnnkit.set_num_threads(nt)
            net = HopfieldNetwork((12, 16, 3), seed=0)
            train_eqprop(net, x, labels, epochs=1, batch_size=80, config=EPConfig(nudging="centered"), seed=3)
            results.append([p.value.copy() for p in net.parameters()])
    finally:
        pnnkit.set_num_threads(before)
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)


def test_bad_inputs():
    x, labels = _tiny_task()
    net = HopfieldNetwork((12, 16, 3), seed=0)
    with pytest.raises(ValueError, match="lrs must hold 2"):
        train_eqprop(net, x, labels, epochs=1, config=EPConfig(lrs=(0.1, 0.1, 0.1)))
    with pytest.raises(ValueError, match="nudging"):
        train_eqprop(net, x, labels, epochs=1, config=EPConfig(nudging="both"))
    with pytest.raises(ValueError, match="beta"):
        train_eqprop(net, x, labels, epochs=1, config=EPConfig(beta=0.0))
    with pytest.raises(ValueError, match="gradient"):
        train_eqprop(net, x, labels, epochs=1, gradient="spsa")
    with pytest.raises(ValueError, match="labels must lie"):
        train_eqprop(net, x, labels + 5, epochs=1)
    with pytest.raises(ValueError, match="x must have shape"):
        train_eqprop(net, x[:, :5], labels, epochs=1)
    with pytest.raises(ValueError, match="needs rng"):
        ep_gradient(net, x[:4], one_hot(labels[:4], 3), 0.5, "random")
    with pytest.raises(ValueError, match="grad_output"):
        implicit_gradient(net, x[:4], net.relax(x[:4]).states, np.zeros((4, 2)))


@pytest.mark.parametrize("method", ["ep", "ep-centered", "backprop"])
def test_job_runs_every_method(method):
    import argparse

    from pnnkit.datasets import load_digits
    from pnnkit.jobs import hopfield as job

    parser = argparse.ArgumentParser()
    job.add_arguments(parser)
    args = parser.parse_args(["--hidden", "32", "--n-eval", "30"])
    args.method, args.epochs, args.batch_size, args.lr, args.seed = method, 2, None, None, 0
    data = load_digits().subset(n_train=400, n_test=200)
    calls = []
    out = job.run(args, data, lambda e, n, row: calls.append((e, n)))
    assert calls == [(1, 2), (2, 2)]
    assert len(out["history"]) == 2 and 0.0 <= out["results"]["test_acc"] <= 1.0
    if method != "backprop":
        per_batch = 3 if method == "ep-centered" else 2
        assert out["results"]["physical_queries"] == 2 * per_batch * 20  # 400 samples / batch 20
        assert isinstance(out["model"], HopfieldNetwork) and out["model"].sizes == (64, 32, 10)
