"""Nonlinear resistor networks with ideal diodes (Kendall et al. 2020; Scellier et al. 2024), float64.

Free nodes may be tied through ideal diodes to voltage sources, which confines each free potential
to an interval ``[lower_V, upper_V]`` (a diode pair; a single diode gives a half-line). The steady
state minimizes the co-content (half the dissipated power) under these linear inequality constraints,

    E(v) = 1/2 sum_e g_e (v_i - v_j)^2 - sum_f I_f v_f + beta/2 sum_o (v_o - y_o)^2,

a convex QP solved in C++ by exact coordinate descent over the node potentials (Gauss-Seidel sweeps in
increasing node id; each step jumps to the exact constrained minimizer along one coordinate).
:class:`DeepResistiveNetwork` builds the layered "deep resistive network" of Scellier et al. 2024.
"""

from __future__ import annotations

import warnings

import numpy as np

from .. import _core
from .resistor import ConductanceGraph, _as_conductances, laplacian_dense, validate_graph


class DiodeNetwork(ConductanceGraph):
    """Resistor network with diode-bounded free nodes; batched steady states by exact coordinate descent.

    Parameters
    ----------
    n_nodes, edges, conductance_S, clamped_nodes : as :class:`pnnkit.equilibrium.resistor.ResistorNetwork`.
    lower_V, upper_V : (n_nodes,) diode source potentials (volts); ``-inf`` / ``+inf`` mean no diode.
        Entries of clamped nodes are ignored.
    max_sweeps, tol_V : default stopping rule: stop when a sweep changes no potential by ``tol_V`` volts.
    """

    def __init__(
        self,
        n_nodes: int,
        edges: object,
        conductance_S: object,
        clamped_nodes: object,
        lower_V: object | None = None,
        upper_V: object | None = None,
        *,
        max_sweeps: int = 10_000,
        tol_V: float = 1e-10,
    ) -> None:
        e, c = validate_graph(n_nodes, edges, clamped_nodes)
        g = _as_conductances(conductance_S, e.shape[0])
        lo = np.full(n_nodes, -np.inf) if lower_V is None else np.asarray(lower_V, dtype=np.float64)
        hi = np.full(n_nodes, np.inf) if upper_V is None else np.asarray(upper_V, dtype=np.float64)
        for name, arr in (("lower_V", lo), ("upper_V", hi)):
            if arr.shape != (n_nodes,):
                raise ValueError(f"{name} must have shape ({n_nodes},), got {arr.shape}")
        if max_sweeps < 1:
            raise ValueError(f"max_sweeps must be >= 1, got {max_sweeps}")
        if not (tol_V > 0 and np.isfinite(tol_V)):
            raise ValueError(f"tol_V must be finite and > 0, got {tol_V}")
        self.n_nodes = int(n_nodes)
        self.edges = e
        self.clamped_nodes = c
        self.lower_V = np.ascontiguousarray(lo)
        self.upper_V = np.ascontiguousarray(hi)
        self.max_sweeps = int(max_sweeps)
        self.tol_V = float(tol_V)
        self._core = _core.DiodeNetwork(self.n_nodes, e, g, c, self.lower_V, self.upper_V)
        self.free_nodes = np.asarray(self._core.free_nodes)
        self.last_stats_: dict = {}

    def solve(
        self,
        v_clamped: np.ndarray,
        currents: np.ndarray | None = None,
        *,
        nudge_nodes: np.ndarray | None = None,
        beta: float = 0.0,
        targets: np.ndarray | None = None,
        v_init: np.ndarray | None = None,
        max_sweeps: int | None = None,
        tol_V: float | None = None,
    ) -> np.ndarray:
        """Steady-state potentials (batch, n_nodes) in volts.

        ``v_clamped`` (batch, n_clamped); ``currents`` (batch, n_nodes) amperes; ``nudge_nodes`` free node
        ids with cost ``beta/2 (v - targets)^2`` (``targets`` (batch, len(nudge_nodes))); ``v_init`` warm
        start. Warns (RuntimeWarning, with the sweep count and the last change) if not converged.
        """
        vc = np.ascontiguousarray(np.asarray(v_clamped, dtype=np.float64))
        if vc.ndim != 2 or vc.shape[1] != self.clamped_nodes.size:
            raise ValueError(f"v_clamped must have shape (batch, {self.clamped_nodes.size}), got {vc.shape}")
        nn = None if nudge_nodes is None else np.ascontiguousarray(np.asarray(nudge_nodes, dtype=np.int64))
        tg = None if targets is None else np.ascontiguousarray(np.asarray(targets, dtype=np.float64))
        if tg is not None and not np.all(np.isfinite(tg)):
            raise ValueError("targets contains non-finite values")
        if not np.all(np.isfinite(vc)):
            raise ValueError("v_clamped contains non-finite values")
        sweeps_cap = self.max_sweeps if max_sweeps is None else int(max_sweeps)
        tol = self.tol_V if tol_V is None else float(tol_V)
        v, sweeps, change, ok = self._core.solve(vc, currents, nn, float(beta), tg, v_init, sweeps_cap, tol)
        self.last_stats_ = {"sweeps": int(sweeps), "max_change_V": float(change), "converged": bool(ok)}
        if not ok:
            warnings.warn(
                f"diode network did not converge: {sweeps} sweeps, last change {change:.3e} V "
                f"> tol {tol:.1e} V",
                RuntimeWarning,
                stacklevel=2,
            )
        return v

    def voltage_drops(self, v: np.ndarray) -> np.ndarray:
        """Edge voltage drops ``v[i] - v[j]`` (volts), shape (..., n_edges)."""
        return v[..., self.edges[:, 0]] - v[..., self.edges[:, 1]]

    def power_W(self, v: np.ndarray) -> np.ndarray:
        """Power dissipated in the resistors, ``sum_e g_e dv_e^2`` (watts)."""
        dv = self.voltage_drops(v)
        return (self.conductance_S * dv * dv).sum(axis=-1)

    def laplacian(self) -> np.ndarray:
        """Dense weighted Laplacian (siemens), for small graphs / checks."""
        return laplacian_dense(self.n_nodes, self.edges, self.conductance_S)


class CoordinateDescentReference:
    """Vectorized numpy reference of the same exact coordinate descent (fixed sweep count, no nudging).

    Gauss-Seidel over free nodes in increasing id, each update vectorized over the batch; the
    adjacency is built once here (as the C++ network does in its constructor). Used by the tests and
    the benchmark.
    """

    def __init__(
        self,
        n_nodes: int,
        edges: np.ndarray,
        conductance_S: np.ndarray,
        clamped_nodes: np.ndarray,
        lower_V: np.ndarray,
        upper_V: np.ndarray,
    ) -> None:
        self.n_nodes, self.clamped_nodes = n_nodes, np.asarray(clamped_nodes)
        self.lower_V, self.upper_V = np.asarray(lower_V, float), np.asarray(upper_V, float)
        is_free = np.ones(n_nodes, bool)
        is_free[self.clamped_nodes] = False
        nbrs: list[list[int]] = [[] for _ in range(n_nodes)]
        wts: list[list[float]] = [[] for _ in range(n_nodes)]
        for (a, b), g in zip(np.asarray(edges).tolist(), np.asarray(conductance_S).tolist()):
            nbrs[a].append(b)
            wts[a].append(g)
            nbrs[b].append(a)
            wts[b].append(g)
        self.free = np.flatnonzero(is_free)
        self.rows = []
        for f in self.free:
            nb, w = np.array(nbrs[f], dtype=np.int64), np.array(wts[f])
            fr = is_free[nb]
            self.rows.append(
                (int(f), nb[fr], w[fr], nb[~fr], w[~fr], 1.0 / w.sum(), self.lower_V[f], self.upper_V[f])
            )

    def solve(self, v_clamped: np.ndarray, n_sweeps: int) -> np.ndarray:
        """Potentials (batch, n_nodes) after ``n_sweeps`` sweeps from clip(0, lower, upper)."""
        vt = np.zeros((self.n_nodes, v_clamped.shape[0]))  # node-major: each update reads contiguous rows
        vt[self.clamped_nodes] = v_clamped.T
        vt[self.free] = np.clip(0.0, self.lower_V[self.free, None], self.upper_V[self.free, None])
        # Clamped neighbours give a constant current, computed once per solve (as in the C++ kernel).
        rows = [(f, nb, w, wc @ vt[nc], inv, lo, hi) for f, nb, w, nc, wc, inv, lo, hi in self.rows]
        for _ in range(n_sweeps):
            for f, nb, w, const, inv, lo, hi in rows:
                # minimum/maximum: same result as np.clip with a fraction of its call overhead
                vt[f] = np.minimum(np.maximum((const + w @ vt[nb]) * inv, lo), hi)
        return vt.T.copy()


def coordinate_descent_reference(
    n_nodes: int,
    edges: np.ndarray,
    conductance_S: np.ndarray,
    clamped_nodes: np.ndarray,
    lower_V: np.ndarray,
    upper_V: np.ndarray,
    v_clamped: np.ndarray,
    *,
    n_sweeps: int,
) -> np.ndarray:
    """One-shot :class:`CoordinateDescentReference` solve: (batch, n_nodes) after ``n_sweeps`` sweeps."""
    ref = CoordinateDescentReference(n_nodes, edges, conductance_S, clamped_nodes, lower_V, upper_V)
    return ref.solve(v_clamped, n_sweeps)


class DeepResistiveNetwork:
    """Layered deep resistive network (DRN) of Scellier et al. 2024.

    Nodes, in sweep order: the ``2 n_in`` input sources (``gain*x`` and ``-gain*x``: conductances are
    positive, so the inverted copy provides negative weights), two bias sources at ``+bias_V`` and
    ``-bias_V``, the hidden layers, then the outputs. Consecutive layers are densely connected by
    resistors; both bias sources connect to every hidden and output node. Hidden nodes carry diodes:
    ``activation="relu_pair"`` splits each hidden layer into excitatory units (one diode, ``v >= 0``) and
    inhibitory units (``v <= 0``); ``activation="clip"`` gives every hidden node a diode pair bounding it to
    ``[-clip_V, clip_V]``. Output nodes are plain (no diode); the prediction is the output potentials.

    Parameters
    ----------
    layer_sizes : (n_in, hidden..., n_out), at least one hidden layer.
    gain : input amplification (volts per unit input).
    init_scale_S : conductances start uniform in ``[g_min_S, g_min_S + init_scale_S * 2 / fan_in]``.
    seed : initialization seed.
    """

    def __init__(
        self,
        layer_sizes: tuple[int, ...],
        *,
        gain: float = 4.0,
        bias_V: float = 1.0,
        activation: str = "relu_pair",
        clip_V: float = 1.0,
        init_scale_S: float = 1.0,
        g_min_S: float = 1e-6,
        seed: int = 0,
        max_sweeps: int = 2000,
        tol_V: float = 1e-7,
    ) -> None:
        sizes = tuple(int(s) for s in layer_sizes)
        if len(sizes) < 3 or min(sizes) < 1:
            raise ValueError(
                f"layer_sizes needs (n_in, >= 1 hidden, n_out) positive sizes, got {layer_sizes}"
            )
        if activation not in ("relu_pair", "clip"):
            raise ValueError(f"activation must be 'relu_pair' or 'clip', got {activation!r}")
        if activation == "relu_pair" and any(h < 2 for h in sizes[1:-1]):
            raise ValueError("activation='relu_pair' needs hidden layers of >= 2 units")
        if not (gain > 0 and bias_V >= 0 and clip_V > 0 and init_scale_S > 0 and g_min_S > 0):
            raise ValueError("gain, clip_V, init_scale_S, g_min_S must be > 0 and bias_V >= 0")
        self.layer_sizes = sizes
        self.gain, self.bias_V, self.activation, self.clip_V = (
            float(gain),
            float(bias_V),
            activation,
            float(clip_V),
        )
        self.init_scale_S, self.g_min_S, self.seed = float(init_scale_S), float(g_min_S), int(seed)
        n_in = sizes[0]
        # Node ids per layer, in sweep order.
        layers = [np.arange(2 * n_in)]
        bias = np.array([2 * n_in, 2 * n_in + 1])
        start = 2 * n_in + 2
        for s in sizes[1:]:
            layers.append(np.arange(start, start + s))
            start += s
        self.n_nodes = start
        self.layer_nodes = layers
        self.bias_nodes = bias
        self.output_nodes = layers[-1]
        clamped = np.concatenate([layers[0], bias])
        edges, blocks = [], []
        for a, b in zip(layers[:-1], layers[1:]):
            blocks.append((sum(len(e) for e in edges), len(a) * len(b)))
            edges.append(np.stack(np.meshgrid(a, b, indexing="ij"), -1).reshape(-1, 2))
        targets = np.concatenate(layers[1:])
        blocks.append((sum(len(e) for e in edges), 2 * len(targets)))
        edges.append(np.stack(np.meshgrid(bias, targets, indexing="ij"), -1).reshape(-1, 2))
        self.edges = np.concatenate(edges).astype(np.int64)
        #: (start, count) of each conductance block: layer k -> k+1 weights, then the bias block.
        self.blocks = blocks
        rng = np.random.default_rng(seed)
        g = np.empty(len(self.edges))
        fan_in = [2 * n_in] + list(sizes[1:-1])
        for (s0, cnt), fi in zip(blocks[:-1], fan_in):
            g[s0 : s0 + cnt] = rng.uniform(0.0, 2.0 * init_scale_S / fi, cnt)
        s0, cnt = blocks[-1]
        g[s0 : s0 + cnt] = rng.uniform(0.0, 2.0 * init_scale_S / max(fan_in), cnt)
        g += g_min_S
        lower = np.full(self.n_nodes, -np.inf)
        upper = np.full(self.n_nodes, np.inf)
        for h in layers[1:-1]:
            if activation == "relu_pair":
                half = len(h) // 2
                lower[h[:half]] = 0.0  # excitatory: a diode to ground stops the potential going negative
                upper[h[half:]] = 0.0  # inhibitory: the reversed diode stops it going positive
            else:
                lower[h], upper[h] = -clip_V, clip_V
        self.network = DiodeNetwork(
            self.n_nodes, self.edges, g, clamped, lower, upper, max_sweeps=max_sweeps, tol_V=tol_V
        )

    @property
    def conductance_S(self) -> np.ndarray:
        return self.network.conductance_S

    @conductance_S.setter
    def conductance_S(self, g: np.ndarray) -> None:
        self.network.conductance_S = g

    def input_voltages(self, x: np.ndarray) -> np.ndarray:
        """Clamped source potentials (batch, 2 n_in + 2): ``gain*x``, ``-gain*x``, ``bias_V``, ``-bias_V``."""
        x = np.asarray(x, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != self.layer_sizes[0]:
            raise ValueError(f"x must have shape (batch, {self.layer_sizes[0]}), got {x.shape}")
        b = np.broadcast_to([self.bias_V, -self.bias_V], (x.shape[0], 2))
        return np.concatenate([self.gain * x, -self.gain * x, b], axis=1)

    def free_state(self, x: np.ndarray, v_init: np.ndarray | None = None) -> np.ndarray:
        """Steady state (batch, n_nodes) with the inputs applied and no nudging."""
        return self.network.solve(self.input_voltages(x), v_init=v_init)

    def nudged_state(
        self, x: np.ndarray, targets: np.ndarray, beta: float, v_init: np.ndarray | None = None
    ) -> np.ndarray:
        """Steady state with the outputs nudged by the cost ``beta/2 ||v_out - targets||^2``."""
        return self.network.solve(
            self.input_voltages(x), nudge_nodes=self.output_nodes, beta=beta, targets=targets, v_init=v_init
        )

    def outputs(self, v: np.ndarray) -> np.ndarray:
        """Output potentials (batch, n_out) of a state."""
        return v[:, self.output_nodes]

    def predict(self, x: np.ndarray, batch_size: int = 512) -> np.ndarray:
        """Output potentials (batch, n_out) of the free state."""
        return np.concatenate(
            [self.outputs(self.free_state(x[i : i + batch_size])) for i in range(0, len(x), batch_size)]
        )

    def config(self) -> dict:
        """JSON-serializable constructor arguments."""
        return {
            "layer_sizes": list(self.layer_sizes),
            "gain": self.gain,
            "bias_V": self.bias_V,
            "activation": self.activation,
            "clip_V": self.clip_V,
            "init_scale_S": self.init_scale_S,
            "g_min_S": self.g_min_S,
            "seed": self.seed,
        }


__all__ = [
    "DiodeNetwork",
    "DeepResistiveNetwork",
    "CoordinateDescentReference",
    "coordinate_descent_reference",
]
