"""Equilibrium propagation for resistor and diode networks (Kendall et al. 2020; Scellier et al. 2024).

A resistive network's steady state minimizes its co-content ``E = 1/2 sum_e g_e dV_e^2`` (half the
dissipated power), so ``dE/dg_e = dV_e^2 / 2`` is read locally on each resistor. For the loss
``C = 1/2 ||V_out - y||^2`` (mean over the batch), EP estimates

    dC/dg_e ~ (1/(2 beta)) [dV_e(beta)^2 - dV_e(0)^2]                   (positive, one-sided, O(beta) bias)
    dC/dg_e ~ (1/(4 beta)) [dV_e(+beta)^2 - dV_e(-beta)^2]              (centered, O(beta^2) bias)

where ``V(beta)`` is the steady state with the outputs nudged towards ``y`` (cost ``beta C`` added to the
energy: for a diode network the coordinate descent includes it exactly; for a linear
:class:`~pnnkit.equilibrium.resistor.ResistorNetwork` the nudge is the current ``beta (y - V_out(0))``
injected into the outputs, which is the same to first order). The update is ``g -= lr * estimate``,
i.e. ``dG ∝ -(1/beta)[(dV^beta)^2 - (dV^0)^2]``, projected onto ``[g_min_S, g_max_S]``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from ..equilibrium.diode import DeepResistiveNetwork, DiodeNetwork
from ..equilibrium.resistor import ResistorNetwork
from ..nn.history import History

MODES = ("positive", "negative", "centered")


def _nudged(
    network: ResistorNetwork | DiodeNetwork,
    v_clamped: np.ndarray,
    nudge_nodes: np.ndarray,
    targets: np.ndarray,
    beta: float,
    v_free: np.ndarray,
) -> np.ndarray:
    if isinstance(network, ResistorNetwork):
        cur = np.zeros_like(v_free)
        cur[:, nudge_nodes] = beta * (targets - v_free[:, nudge_nodes])
        return network.solve(v_clamped, cur)
    return network.solve(v_clamped, nudge_nodes=nudge_nodes, beta=beta, targets=targets, v_init=v_free)


def ep_gradient(
    network: ResistorNetwork | DiodeNetwork,
    v_clamped: np.ndarray,
    nudge_nodes: np.ndarray,
    targets: np.ndarray,
    beta: float,
    mode: str = "centered",
    v_free: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """EP estimate of ``d/dg mean_batch 1/2 ||V_out - y||^2`` (per edge, units 1/siemens * V^2).

    Returns ``(estimate (n_edges,), free state (batch, n_nodes))``. ``mode``: ``"positive"`` (states at 0
    and +beta), ``"negative"`` (-beta and 0) or ``"centered"`` (-beta and +beta).
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    if not (np.isfinite(beta) and beta > 0):
        raise ValueError(f"beta must be finite and > 0, got {beta}")
    v_clamped = np.asarray(v_clamped, dtype=np.float64)
    nudge_nodes = np.asarray(nudge_nodes, dtype=np.int64)
    targets = np.asarray(targets, dtype=np.float64)
    if v_free is None:
        v_free = network.solve(v_clamped)
    b_hi, b_lo = {"positive": (beta, 0.0), "negative": (0.0, -beta), "centered": (beta, -beta)}[mode]
    v_hi = v_free if b_hi == 0.0 else _nudged(network, v_clamped, nudge_nodes, targets, b_hi, v_free)
    v_lo = v_free if b_lo == 0.0 else _nudged(network, v_clamped, nudge_nodes, targets, b_lo, v_free)
    d_hi, d_lo = network.voltage_drops(v_hi), network.voltage_drops(v_lo)
    est = 0.5 * (d_hi * d_hi - d_lo * d_lo).mean(axis=0) / (b_hi - b_lo)
    return est, v_free


def _one_hot(y: np.ndarray, n: int, on_V: float, off_V: float) -> np.ndarray:
    t = np.full((len(y), n), off_V)
    t[np.arange(len(y)), y] = on_V
    return t


class EPResistiveTrainer:
    """Train a :class:`DeepResistiveNetwork` classifier with EP (targets: one-hot output potentials).

    Parameters
    ----------
    lr : learning rate (S^2 / V^2 per unit gradient), one for all conductances or a tuple per block
        (layer-to-layer blocks, then the bias block).
    beta : nudge strength (S); ``mode`` as in :func:`ep_gradient`; ``random_sign`` flips the sign of the
        one-sided nudge at random per minibatch (Scellier & Bengio 2017).
    on_V / off_V : target potential of the correct / the other outputs.
    g_min_S / g_max_S : conductance bounds (the update is projected onto them).
    """

    def __init__(
        self,
        model: DeepResistiveNetwork,
        *,
        lr: float | tuple[float, ...] = 0.05,
        beta: float = 0.5,
        mode: str = "centered",
        random_sign: bool = False,
        on_V: float = 1.0,
        off_V: float = 0.0,
        g_min_S: float = 1e-6,
        g_max_S: float = 10.0,
        seed: int = 0,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        nb = len(model.blocks)
        lrs = (lr,) * nb if np.isscalar(lr) else tuple(lr)
        if len(lrs) != nb or min(lrs) <= 0:
            raise ValueError(f"lr must be > 0, a scalar or {nb} values (one per conductance block)")
        if not 0 < g_min_S < g_max_S:
            raise ValueError(f"need 0 < g_min_S < g_max_S, got {g_min_S}, {g_max_S}")
        self.model, self.beta, self.mode, self.random_sign = model, float(beta), mode, bool(random_sign)
        self.on_V, self.off_V, self.g_min_S, self.g_max_S = (
            float(on_V),
            float(off_V),
            float(g_min_S),
            float(g_max_S),
        )
        self.lr_per_edge = np.concatenate([np.full(cnt, r) for (_, cnt), r in zip(model.blocks, lrs)])
        self.rng = np.random.default_rng(seed)
        self.queries = {"equilibria": 0}

    def step(self, x: np.ndarray, y: np.ndarray) -> float:
        """One EP update on a minibatch; returns the minibatch loss 1/2 ||V_out - y||^2 (free state)."""
        m = self.model
        vc = m.input_voltages(x)
        t = _one_hot(y, m.layer_sizes[-1], self.on_V, self.off_V)
        mode = self.mode
        if self.random_sign and mode != "centered":
            mode = "positive" if self.rng.random() < 0.5 else "negative"
        grad, v0 = ep_gradient(m.network, vc, m.output_nodes, t, self.beta, mode)
        self.queries["equilibria"] += len(x) * (3 if mode == "centered" else 2)
        m.conductance_S = np.clip(m.conductance_S - self.lr_per_edge * grad, self.g_min_S, self.g_max_S)
        return float(0.5 * ((m.outputs(v0) - t) ** 2).sum(axis=1).mean())

    def fit(
        self,
        x: np.ndarray,
        y: np.ndarray,
        *,
        epochs: int,
        batch_size: int = 32,
        x_val: np.ndarray | None = None,
        y_val: np.ndarray | None = None,
        progress: Callable[[int, int, dict], None] | None = None,
    ) -> History:
        """Train for ``epochs``; records loss, train accuracy (free states seen), val accuracy, wall time."""
        hist = History()
        for epoch in range(1, epochs + 1):
            t0 = time.perf_counter()
            order = self.rng.permutation(len(x))
            losses = []
            for i in range(0, len(x), batch_size):
                idx = order[i : i + batch_size]
                losses.append(self.step(x[idx], y[idx]) * len(idx))
            row = {
                "epoch": epoch,
                "loss": float(np.sum(losses) / len(x)),
                "train_acc": accuracy(self.model, x, y),
                "time_s": time.perf_counter() - t0,
                "equilibria": self.queries["equilibria"],
            }
            if x_val is not None and y_val is not None:
                row["test_acc"] = accuracy(self.model, x_val, y_val)
            hist.record(**row)
            if progress is not None:
                progress(epoch, epochs, row)
        return hist


def accuracy(model: DeepResistiveNetwork, x: np.ndarray, y: np.ndarray) -> float:
    """Fraction of samples whose largest output potential is the label."""
    return float(np.mean(np.argmax(model.predict(x), axis=1) == np.asarray(y)))


__all__ = ["ep_gradient", "EPResistiveTrainer", "accuracy", "MODES"]
