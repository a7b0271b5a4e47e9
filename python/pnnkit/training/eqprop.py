"""Equilibrium propagation (Scellier & Bengio 2017; Laborieux et al. 2021; Scellier et al. 2023).

For a network that relaxes to a minimum ``s^beta`` of ``F = E + beta C``, the gradient of the
equilibrium loss ``L = C(s^0)`` is ``dL/dtheta = d/dbeta dE/dtheta(s^beta) at beta = 0``. EP
estimates it from two or three equilibria with a *local* rule::

    positive   (dE/dtheta(s^{+beta}) - dE/dtheta(s^0))      / beta        bias O(beta)
    negative   (dE/dtheta(s^0)      - dE/dtheta(s^{-beta})) / beta        bias O(beta)
    centered   (dE/dtheta(s^{+beta}) - dE/dtheta(s^{-beta})) / (2 beta)   bias O(beta^2)
    random     positive or negative, sign drawn per minibatch (Scellier & Bengio's choice)

and the update is ``theta -= alpha_l * estimate`` with one learning rate per layer. For the
Hopfield network ``dE/dW_l = -mean rho(s_{l-1})^T rho(s_l)``, so the update is the contrastive
Hebbian rule ``dW = (alpha/beta)(rho^beta rho^beta^T - rho^0 rho^0^T)``. Every relaxation phase
is a *physical query* (the hardware relaxing once); the history reports them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from ..equilibrium.hopfield import HopfieldNetwork, Relaxation
from ..nn.history import History
from .implicit import implicit_gradient
from .registry import register_method

NUDGINGS = ("positive", "negative", "centered", "random")
GRADIENTS = ("ep", "implicit")

register_method(
    "ep",
    requires={"energy"},
    substrates=("hopfield",),
    summary="equilibrium propagation (two nudged equilibria)",
)
register_method(
    "ep-centered",
    requires={"energy"},
    substrates=("hopfield",),
    summary="equilibrium propagation with centered (+-beta) nudging, O(beta^2) bias",
)


@dataclass
class EPConfig:
    """Hyper-parameters of EP training; defaults are Scellier & Bengio's 784-500-10 MNIST set-up.

    ``lrs`` holds one learning rate per weight layer (applied to ``W_l`` and ``b_l``) or a single
    value for all. ``persistent`` keeps each training example's free state between epochs and
    starts its next free phase there. ``n_eval`` is the number of iterations of the free phase
    from zero used to evaluate accuracy.
    """

    beta: float = 0.5
    nudging: str = "random"
    n_free: int = 20
    n_nudged: int = 4
    eps: float = 0.5
    lrs: tuple[float, ...] | float = (0.1, 0.05)
    persistent: bool = True
    n_eval: int = 100
    method: str = "gd"

    def validate(self, n_layers: int) -> tuple[float, ...]:
        """Check every field; returns the per-layer learning rates."""
        if not (np.isfinite(self.beta) and self.beta > 0):
            raise ValueError(
                f"beta must be a finite number > 0 (its sign is set by nudging), got {self.beta}"
            )
        if self.nudging not in NUDGINGS:
            raise ValueError(f"nudging must be one of {NUDGINGS}, got {self.nudging!r}")
        for name in ("n_free", "n_nudged", "n_eval"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
                raise ValueError(f"{name} must be an int >= 1, got {v!r}")
        if not (np.isfinite(self.eps) and self.eps > 0):
            raise ValueError(f"eps must be a finite number > 0, got {self.eps}")
        lrs = (float(self.lrs),) * n_layers if np.isscalar(self.lrs) else tuple(float(a) for a in self.lrs)
        if len(lrs) != n_layers:
            raise ValueError(f"lrs must hold {n_layers} learning rates (one per layer), got {len(lrs)}")
        if any(not (np.isfinite(a) and a >= 0) for a in lrs):
            raise ValueError(f"learning rates must be finite and >= 0, got {lrs}")
        return lrs


@dataclass
class EPEstimate:
    """An EP gradient estimate: ``grads`` (batch mean, keyed like the parameters), the free
    relaxation, the signed betas used and the number of relaxation phases run."""

    grads: dict[str, np.ndarray]
    free: Relaxation
    betas: tuple[float, ...]
    phases: int


def ep_gradient(
    net: HopfieldNetwork,
    x: np.ndarray,
    y: np.ndarray,
    beta: float,
    nudging: str = "positive",
    *,
    free: Relaxation | None = None,
    free_states: list[np.ndarray] | None = None,
    n_free: int | None = None,
    n_nudged: int = 4,
    eps: float | None = None,
    method: str | None = None,
    tol: float | None = None,
    rng: np.random.Generator | None = None,
) -> EPEstimate:
    """EP estimate of ``dL/dtheta`` for ``L = mean_batch |s*_L - y|^2`` (see module docstring).

    The free phase is ``free`` if given, else a relaxation of ``n_free`` iterations (from
    ``free_states`` or zero); each nudged phase starts from the free state and runs ``n_nudged``
    iterations (to ``tol`` when given). ``nudging="random"`` needs ``rng``.
    """
    if nudging not in NUDGINGS:
        raise ValueError(f"nudging must be one of {NUDGINGS}, got {nudging!r}")
    if not (np.isfinite(beta) and beta > 0):
        raise ValueError(f"beta must be a finite number > 0, got {beta}")
    phases = 0
    if free is None:
        free = net.relax(x, states=free_states, n_iter=n_free, eps=eps, method=method, tol=tol)
        phases += 1
    kw: dict[str, Any] = {"n_iter": n_nudged, "eps": eps, "method": method, "tol": tol}
    if nudging == "random":
        if rng is None:
            raise ValueError("nudging='random' needs rng")
        nudging = "positive" if rng.random() < 0.5 else "negative"
    g0 = None
    if nudging in ("positive", "negative"):
        b = beta if nudging == "positive" else -beta
        nudged = net.relax(x, y, b, states=free.states, **kw)
        phases += 1
        g0 = net.param_grad_at(x, free.states)
        g1 = net.param_grad_at(x, nudged.states)
        grads = {k: (g1[k] - g0[k]) / b for k in g1}
        betas: tuple[float, ...] = (0.0, b)
    else:
        plus = net.relax(x, y, beta, states=free.states, **kw)
        minus = net.relax(x, y, -beta, states=free.states, **kw)
        phases += 2
        gp = net.param_grad_at(x, plus.states)
        gm = net.param_grad_at(x, minus.states)
        grads = {k: (gp[k] - gm[k]) / (2.0 * beta) for k in gp}
        betas = (-beta, beta)
    return EPEstimate(grads=grads, free=free, betas=betas, phases=phases)


def one_hot(labels: np.ndarray, n_classes: int) -> np.ndarray:
    """``(n, n_classes)`` float64 one-hot targets of integer ``labels``."""
    labels = np.asarray(labels)
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels must be a 1-D integer array, got {labels.dtype} with shape {labels.shape}")
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(f"labels must lie in [0, {n_classes}), got range [{labels.min()}, {labels.max()}]")
    out = np.zeros((labels.size, n_classes))
    out[np.arange(labels.size), labels] = 1.0
    return out


def evaluate_accuracy(
    net: HopfieldNetwork, x: np.ndarray, y: np.ndarray, n_iter: int, batch_size: int = 1000
) -> float:
    """Fraction of ``x`` whose free relaxation from zero (``n_iter`` updates) peaks on the label."""
    correct = 0
    for i in range(0, len(x), batch_size):
        correct += int(np.sum(net.predict(x[i : i + batch_size], n_iter=n_iter) == y[i : i + batch_size]))
    return correct / max(len(x), 1)


def train_eqprop(
    net: HopfieldNetwork,
    x: np.ndarray,
    y: np.ndarray,
    *,
    epochs: int,
    batch_size: int = 20,
    config: EPConfig | None = None,
    gradient: str = "ep",
    seed: int = 0,
    x_test: np.ndarray | None = None,
    y_test: np.ndarray | None = None,
    callback: Callable[[int, int, dict[str, Any]], None] | None = None,
) -> History:
    """Train ``net`` on a classification set (integer labels ``y``, one-hot targets) by EP.

    ``gradient="ep"`` uses :func:`ep_gradient` with ``config.nudging``; ``gradient="implicit"``
    is recurrent backprop: the exact gradient by implicit differentiation at the free state
    (the digital reference that EP approximates), with the same learning rates. Returns a
    :class:`~pnnkit.nn.history.History` with, per epoch: ``train_cost`` (mean ``|s_L - y|^2`` of the
    free phases), ``train_acc`` (their argmax accuracy), ``test_acc`` (free phase from zero, when a
    test set is given), ``physical_queries`` (relaxation phases run so far), ``relaxed_samples``
    and ``wall_time_s``. ``callback(epoch, epochs, row)`` is called after each epoch.
    """
    config = config or EPConfig()
    lrs = config.validate(net.n_layers)
    if gradient not in GRADIENTS:
        raise ValueError(f"gradient must be one of {GRADIENTS}, got {gradient!r}")
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 0:
        raise ValueError(f"epochs must be an int >= 0, got {epochs!r}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be an int >= 1, got {batch_size!r}")
    x = np.asarray(x)
    if x.ndim != 2 or x.shape[1] != net.sizes[0]:
        raise ValueError(f"x must have shape (n, {net.sizes[0]}), got {x.shape}")
    n_out = net.sizes[-1]
    targets = one_hot(np.asarray(y), n_out)
    if len(targets) != len(x):
        raise ValueError(f"x has {len(x)} samples but y has {len(targets)}")
    rng = np.random.default_rng(seed)
    particles = [np.zeros((len(x), n), dtype=net.dtype) for n in net.sizes[1:]] if config.persistent else None
    params = {name: p for name, p in net.named_parameters()}
    lr_of = {f"{kind}{l}": lrs[l - 1] for l in range(1, net.n_layers + 1) for kind in ("W", "b")}
    history = History()
    queries = 0
    samples = 0
    t0 = time.perf_counter()
    relax_kw = {"eps": config.eps, "method": config.method}
    for epoch in range(1, epochs + 1):
        order = rng.permutation(len(x))
        cost_sum = 0.0
        correct = 0
        for start in range(0, len(x), batch_size):
            idx = order[start : start + batch_size]
            xb, tb = x[idx], targets[idx]
            init = [p[idx] for p in particles] if particles is not None else None
            free = net.relax(xb, states=init, n_iter=config.n_free, **relax_kw)
            queries += 1
            samples += len(idx)
            if particles is not None:
                for p, s in zip(particles, free.states):
                    p[idx] = s
            out = free.output.astype(np.float64)
            cost_sum += float(np.sum((out - tb) ** 2))
            correct += int(np.sum(np.argmax(out, axis=1) == np.argmax(tb, axis=1)))
            if gradient == "ep":
                est = ep_gradient(
                    net,
                    xb,
                    tb,
                    config.beta,
                    config.nudging,
                    free=free,
                    n_nudged=config.n_nudged,
                    rng=rng,
                    **relax_kw,
                )
                queries += est.phases
                samples += est.phases * len(idx)
                grads = est.grads
            else:
                # the free state after n_free steps is only near a minimum: truncate the adjoint
                # solve of a sample where the curvature is not positive (recurrent backprop does the same)
                grads, _ = implicit_gradient(
                    net,
                    xb,
                    free.states,
                    2.0 * (out - tb) / len(idx),
                    tol=1e-6,
                    max_iter=200,
                    on_indefinite="truncate",
                )
            for name, g in grads.items():
                p = params[name]
                p.value -= (lr_of[name] * g).astype(p.value.dtype)
        row: dict[str, Any] = {"epoch": epoch, "train_cost": cost_sum / len(x), "train_acc": correct / len(x)}
        if x_test is not None and y_test is not None:
            row["test_acc"] = evaluate_accuracy(net, np.asarray(x_test), np.asarray(y_test), config.n_eval)
        row.update(physical_queries=queries, relaxed_samples=samples, wall_time_s=time.perf_counter() - t0)
        history.record(**row)
        if callback is not None:
            callback(epoch, epochs, row)
    return history


def config_dict(config: EPConfig) -> dict[str, Any]:
    """JSON-friendly view of an :class:`EPConfig`."""
    d = asdict(config)
    d["lrs"] = list(d["lrs"]) if not np.isscalar(d["lrs"]) else d["lrs"]
    return d
