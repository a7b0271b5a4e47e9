"""Coupled learning on linear resistor networks (Stern et al. 2021) and its sign-only twin-network
variant with discrete resistance steps (Dillavou et al. 2022).

Free state ``p^F``: the source nodes (inputs, ground) are clamped, the outputs float. Clamped state
``p^C``: the outputs are also clamped, at ``p_O^F + eta (y - p_O^F)``. Each edge then updates from its
own two voltage drops,

    k_j += (alpha / eta) [(dp_j^F)^2 - (dp_j^C)^2],   projected onto [k_min_S, k_max_S].

As ``eta -> 0`` the update tends to ``-2 alpha`` times the gradient of ``1/2 e^T S e`` (``e = p_O - y``)
where ``S`` is the effective conductance matrix seen at the outputs (held fixed): a descent direction
of the output error that shares its minimum; :func:`coupled_learning_limit` gives this limit exactly and
:func:`output_error_gradient` the exact (adjoint) gradient of the plain squared error, for checks.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from ..equilibrium.resistor import ResistorNetwork, _as_conductances
from ..nn.history import History


class CoupledLearning:
    """Coupled learning on a linear resistor network.

    Parameters
    ----------
    n_nodes, edges, conductance_S : the network (conductances in siemens, > 0).
    source_nodes : nodes held by voltage sources in both states (inputs and ground); their potentials
        are the ``v_sources`` argument of every method, in this order.
    output_nodes : nodes read as outputs (free in the free state, clamped in the clamped state).
    eta : nudge amplitude in (0, 1]; alpha : learning rate (S / V^2).
    k_min_S, k_max_S : conductance bounds.
    """

    def __init__(
        self,
        n_nodes: int,
        edges: np.ndarray,
        conductance_S: np.ndarray,
        source_nodes: np.ndarray,
        output_nodes: np.ndarray,
        *,
        eta: float = 0.1,
        alpha: float = 0.05,
        k_min_S: float = 1e-3,
        k_max_S: float = 1e3,
    ) -> None:
        if not 0 < eta <= 1:
            raise ValueError(f"eta must be in (0, 1], got {eta}")
        if not alpha > 0:
            raise ValueError(f"alpha must be > 0, got {alpha}")
        if not 0 < k_min_S < k_max_S:
            raise ValueError(f"need 0 < k_min_S < k_max_S, got {k_min_S}, {k_max_S}")
        self.source_nodes = np.asarray(source_nodes, dtype=np.int64).reshape(-1)
        self.output_nodes = np.asarray(output_nodes, dtype=np.int64).reshape(-1)
        if np.intersect1d(self.source_nodes, self.output_nodes).size:
            raise ValueError("output_nodes and source_nodes must be disjoint")
        self.eta, self.alpha, self.k_min_S, self.k_max_S = (
            float(eta),
            float(alpha),
            float(k_min_S),
            float(k_max_S),
        )
        self.free_net = ResistorNetwork(n_nodes, edges, conductance_S, self.source_nodes)
        self.clamped_net = ResistorNetwork(
            n_nodes, edges, conductance_S, np.concatenate([self.source_nodes, self.output_nodes])
        )
        self.queries = {"equilibria": 0}

    @property
    def conductance_S(self) -> np.ndarray:
        return self.free_net.conductance_S

    @conductance_S.setter
    def conductance_S(self, g: np.ndarray) -> None:
        g = _as_conductances(g, self.free_net.n_edges)
        self.free_net.conductance_S = g
        self.clamped_net.conductance_S = g

    def free_state(self, v_sources: np.ndarray) -> np.ndarray:
        """Free steady state (batch, n_nodes)."""
        self.queries["equilibria"] += len(v_sources)
        return self.free_net.solve(v_sources)

    def clamped_state(
        self, v_sources: np.ndarray, targets: np.ndarray, v_free: np.ndarray, eta: float | None = None
    ) -> np.ndarray:
        """Clamped steady state: outputs held at ``p_O^F + eta (y - p_O^F)``."""
        eta = self.eta if eta is None else eta
        p_o = v_free[:, self.output_nodes]
        self.queries["equilibria"] += len(v_sources)
        return self.clamped_net.solve(np.concatenate([v_sources, p_o + eta * (targets - p_o)], axis=1))

    def update(self, v_sources: np.ndarray, targets: np.ndarray, eta: float | None = None) -> np.ndarray:
        """Coupled-learning increment ``(alpha/eta) mean_batch[(dp^F)^2 - (dp^C)^2]`` (siemens, per edge)."""
        eta = self.eta if eta is None else eta
        vf = self.free_state(v_sources)
        vcl = self.clamped_state(v_sources, targets, vf, eta)
        df, dc = self.free_net.voltage_drops(vf), self.free_net.voltage_drops(vcl)
        return (self.alpha / eta) * (df * df - dc * dc).mean(axis=0)

    def step(self, v_sources: np.ndarray, targets: np.ndarray) -> None:
        """Apply one update, projected onto the conductance bounds."""
        self.conductance_S = np.clip(
            self.conductance_S + self.update(v_sources, targets), self.k_min_S, self.k_max_S
        )

    def predict(self, v_sources: np.ndarray) -> np.ndarray:
        """Output potentials (batch, n_outputs) of the free state."""
        return self.free_net.solve(v_sources)[:, self.output_nodes]

    def relative_error(self, v_sources: np.ndarray, targets: np.ndarray) -> float:
        """``||p_O - y|| / ||y||`` over the whole set (Frobenius norms)."""
        return float(np.linalg.norm(self.predict(v_sources) - targets) / np.linalg.norm(targets))

    def fit(
        self,
        v_sources: np.ndarray,
        targets: np.ndarray,
        *,
        epochs: int,
        batch_size: int = 16,
        seed: int = 0,
        v_val: np.ndarray | None = None,
        y_val: np.ndarray | None = None,
        progress: Callable[[int, int, dict], None] | None = None,
    ) -> History:
        """Minibatch training; records the mean squared error and relative error per epoch."""
        rng = np.random.default_rng(seed)
        hist = History()
        for epoch in range(1, epochs + 1):
            t0 = time.perf_counter()
            order = rng.permutation(len(v_sources))
            for i in range(0, len(order), batch_size):
                idx = order[i : i + batch_size]
                self.step(v_sources[idx], targets[idx])
            row = {
                "epoch": epoch,
                "loss": float(np.mean((self.predict(v_sources) - targets) ** 2)),
                "rel_error": self.relative_error(v_sources, targets),
                "time_s": time.perf_counter() - t0,
                "equilibria": self.queries["equilibria"],
            }
            if v_val is not None and y_val is not None:
                row["test_rel_error"] = self.relative_error(v_val, y_val)
            hist.record(**row)
            if progress is not None:
                progress(epoch, epochs, row)
        return hist


class SignCoupledLearning(CoupledLearning):
    """Sign-only coupled learning with discrete resistances (Dillavou et al. 2022).

    Two twin networks (free and clamped) share one resistance setting; every edge compares its two voltage
    drops and moves its resistance one step down the ladder ``R_levels_ohm`` (conductance up) when
    ``(dp^F)^2 > (dp^C)^2`` (summed over the minibatch), one step up otherwise; edges whose difference is
    below ``deadband_V2`` stay.
    """

    def __init__(
        self,
        n_nodes: int,
        edges: np.ndarray,
        source_nodes: np.ndarray,
        output_nodes: np.ndarray,
        *,
        r_min_ohm: float = 0.1,
        r_max_ohm: float = 10.0,
        n_levels: int = 128,
        eta: float = 0.5,
        deadband_V2: float = 0.0,
        init_level: np.ndarray | None = None,
        seed: int = 0,
    ) -> None:
        if not 0 < r_min_ohm < r_max_ohm:
            raise ValueError(f"need 0 < r_min_ohm < r_max_ohm, got {r_min_ohm}, {r_max_ohm}")
        if n_levels < 2:
            raise ValueError(f"n_levels must be >= 2, got {n_levels}")
        self.r_levels_ohm = np.linspace(r_min_ohm, r_max_ohm, n_levels)
        n_edges = np.asarray(edges).shape[0]
        if init_level is None:
            init_level = np.random.default_rng(seed).integers(0, n_levels, n_edges)
        self.level = np.asarray(init_level, dtype=np.int64).copy()
        if self.level.shape != (n_edges,) or self.level.min() < 0 or self.level.max() >= n_levels:
            raise ValueError(f"init_level must be ({n_edges},) ints in [0, {n_levels})")
        self.deadband_V2 = float(deadband_V2)
        super().__init__(
            n_nodes,
            edges,
            1.0 / self.r_levels_ohm[self.level],
            source_nodes,
            output_nodes,
            eta=eta,
            alpha=1.0,
            k_min_S=1.0 / r_max_ohm,
            k_max_S=1.0 / r_min_ohm,
        )

    def step(self, v_sources: np.ndarray, targets: np.ndarray) -> None:
        """One discrete step per edge from the sign of the free/clamped power difference."""
        diff = self.update(v_sources, targets)  # alpha = 1: (1/eta) mean[(dp^F)^2 - (dp^C)^2]
        move = np.where(np.abs(diff) * self.eta > self.deadband_V2, np.sign(diff), 0.0).astype(np.int64)
        self.level = np.clip(self.level - move, 0, len(self.r_levels_ohm) - 1)
        self.conductance_S = 1.0 / self.r_levels_ohm[self.level]


def output_error_gradient(
    net: ResistorNetwork, v_clamped: np.ndarray, output_nodes: np.ndarray, targets: np.ndarray
) -> np.ndarray:
    """Exact gradient of ``mean_batch 1/2 ||p_O - y||^2`` w.r.t. the conductances (adjoint method).

    With ``lambda`` the response to the currents ``p_O - y`` injected at the outputs (sources at 0 V),
    ``dC/dk_j = -mean(dlambda_j dp_j)``.
    """
    v = net.solve(v_clamped)
    cur = np.zeros_like(v)
    cur[:, output_nodes] = v[:, output_nodes] - targets
    lam = net.solve(np.zeros_like(v_clamped), cur)
    return -(net.voltage_drops(lam) * net.voltage_drops(v)).mean(axis=0)


def coupled_learning_limit(cl: CoupledLearning, v_sources: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Exact ``eta -> 0`` limit of :meth:`CoupledLearning.update`: ``-2 alpha mean(dp_j du_j)``, ``u`` the
    response to raising the clamped outputs by ``y - p_O`` with the sources held."""
    vf = cl.free_net.solve(v_sources)
    zeros = np.zeros_like(v_sources)
    u = cl.clamped_net.solve(np.concatenate([zeros, targets - vf[:, cl.output_nodes]], axis=1))
    return -2.0 * cl.alpha * (cl.free_net.voltage_drops(vf) * cl.free_net.voltage_drops(u)).mean(axis=0)


__all__ = ["CoupledLearning", "SignCoupledLearning", "output_error_gradient", "coupled_learning_limit"]
