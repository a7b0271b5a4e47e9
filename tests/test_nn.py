"""pnnkit.nn: every module's vjp against float64 central finite differences, losses, optimizers."""

from __future__ import annotations

import numpy as np
import pnnkit.nn as nn
import pytest
from conftest import numerical_grad


def _check_module_grads(model: nn.Module, x: np.ndarray, rtol: float = 1e-6) -> None:
    rng = np.random.default_rng(0)
    w_out = rng.normal(size=model.forward(x).shape)

    def f() -> float:
        return float(np.sum(model.forward(x) * w_out))

    model.zero_grad()
    model.forward(x)
    gx = model.backward(w_out)
    np.testing.assert_allclose(gx, numerical_grad(f, x), rtol=rtol, atol=1e-8)
    for name, p in model.named_parameters():
        np.testing.assert_allclose(p.grad, numerical_grad(f, p.value), rtol=rtol, atol=1e-8, err_msg=name)


@pytest.mark.parametrize("act", [nn.ReLU, nn.Tanh, nn.Sigmoid, nn.Identity])
def test_mlp_gradients_match_finite_differences(act: type) -> None:
    rng = np.random.default_rng(1)
    model = nn.Sequential(nn.Linear(5, 4, seed=1), act(), nn.Linear(4, 3, seed=2))
    x = rng.normal(size=(6, 5)) + 0.05  # keep ReLU inputs away from the kink
    _check_module_grads(model, x)


def test_linear_without_bias_and_grad_accumulation() -> None:
    lin = nn.Linear(3, 2, bias=False, seed=0)
    assert [n for n, _ in lin.named_parameters()] == ["weight"]
    x = np.ones((2, 3))
    lin.forward(x)
    lin.backward(np.ones((2, 2)))
    lin.forward(x)
    lin.backward(np.ones((2, 2)))
    np.testing.assert_allclose(lin.weight.grad, 4.0 * np.ones((2, 3)))


@pytest.mark.parametrize("loss_cls", [nn.SoftmaxCrossEntropy, nn.MSELoss])
def test_loss_gradients(loss_cls: type) -> None:
    rng = np.random.default_rng(2)
    logits = rng.normal(size=(5, 4))
    labels = np.array([0, 3, 1, 2, 3])
    loss = loss_cls()

    def f() -> float:
        return loss.forward(logits, labels)

    f()
    g = loss.backward()
    np.testing.assert_allclose(g, numerical_grad(f, logits), rtol=1e-6, atol=1e-9)


def test_cross_entropy_is_stable_for_huge_logits() -> None:
    loss = nn.SoftmaxCrossEntropy()
    value = loss.forward(np.array([[1e4, 0.0], [0.0, 1e4]]), np.array([0, 0]))
    assert np.isfinite(value) and value == pytest.approx(0.5e4)


def test_bad_inputs_name_the_argument() -> None:
    lin = nn.Linear(3, 2)
    with pytest.raises(ValueError, match="x must have shape"):
        lin.forward(np.zeros((4, 5)))
    with pytest.raises(ValueError, match="empty batch"):
        lin.forward(np.zeros((0, 3)))
    with pytest.raises(ValueError, match="NaN"):
        lin.forward(np.array([[0.0, np.nan, 1.0]]))
    with pytest.raises(TypeError, match="floating"):
        lin.forward(np.zeros((2, 3), dtype=np.int32))
    with pytest.raises(ValueError, match="in_features"):
        nn.Linear(0, 2)
    with pytest.raises(ValueError, match="labels must lie"):
        nn.SoftmaxCrossEntropy().forward(np.zeros((2, 3)), np.array([0, 3]))
    with pytest.raises(ValueError, match="lr must be"):
        nn.SGD(lin, lr=-1.0)
    with pytest.raises(ValueError, match="momentum"):
        nn.SGD(lin, lr=0.1, momentum=1.0)


def test_optimizers_minimise_a_quadratic() -> None:
    for opt_cls, kw in [(nn.SGD, {"lr": 0.1, "momentum": 0.9}), (nn.Adam, {"lr": 0.05})]:
        p = nn.Parameter(np.array([3.0, -2.0]))
        opt = opt_cls([p], **kw)
        for _ in range(500):
            opt.zero_grad()
            p.grad += 2 * p.value  # d/dp |p|^2
            opt.step()
        np.testing.assert_allclose(p.value, 0.0, atol=1e-3)


def test_optimizer_rejects_nonfinite_gradients() -> None:
    p = nn.Parameter(np.zeros(2))
    opt = nn.SGD([p], lr=0.1)
    p.grad[0] = np.nan
    with pytest.raises(FloatingPointError, match="non-finite gradient"):
        opt.step()


def test_fit_learns_blobs_and_is_seeded() -> None:
    from pnnkit.datasets import make_blobs

    d = make_blobs(seed=3)

    def run() -> nn.History:
        m = nn.Sequential(nn.Linear(d.n_features, 16, seed=0), nn.Tanh(), nn.Linear(16, d.n_classes, seed=1))
        return nn.fit(m, nn.SoftmaxCrossEntropy(), nn.Adam(m, lr=0.02), d.x_train, d.y_train, epochs=15,
                      batch_size=32, seed=5, x_val=d.x_test, y_val=d.y_test)

    h1, h2 = run(), run()
    assert h1.last["test_acc"] > 0.9
    assert h1["loss"][-1] < h1["loss"][0]
    assert h1["loss"] == h2["loss"]


def test_history_json_csv_round_trip(tmp_path) -> None:
    h = nn.History()
    h.record(epoch=1, loss=np.float32(0.5), acc=0.9)
    h.record(epoch=2, loss=0.25, acc=0.95)
    h.to_json(tmp_path / "m.json")
    h.to_csv(tmp_path / "m.csv")
    assert nn.History.from_json(tmp_path / "m.json").rows == h.rows
    assert (tmp_path / "m.csv").read_text().splitlines()[0] == "epoch,loss,acc"
