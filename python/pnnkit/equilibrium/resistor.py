"""Linear resistor networks: Kirchhoff steady states on any graph, batched (float64).

A network is a graph whose edges are resistors of conductance ``conductance_S`` (siemens, > 0).
*Clamped* nodes are tied to ideal voltage sources (inputs, biases, ground); the other nodes are free.
The free potentials solve Kirchhoff's current law ``L_ff v_f = I_f - L_fc v_c`` with the reduced
Laplacian factorized once in C++ (sparse LDLT) and reused for every right-hand side. Currents
``I`` injected into free nodes (amperes, positive = into the node) implement nudging.
"""

from __future__ import annotations

import numpy as np

from .. import _core


def _as_index_array(a: object, name: str) -> np.ndarray:
    arr = np.asarray(a)
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"{name} must hold integer node ids, got dtype {arr.dtype}")
    return np.ascontiguousarray(arr, dtype=np.int64)


def _as_conductances(g: object, n_edges: int, name: str = "conductance_S") -> np.ndarray:
    arr = np.ascontiguousarray(np.asarray(g, dtype=np.float64))
    if arr.shape != (n_edges,):
        raise ValueError(f"{name} must have shape ({n_edges},), got {arr.shape}")
    bad = np.flatnonzero(~(np.isfinite(arr) & (arr > 0)))
    if bad.size:
        raise ValueError(
            f"{name}[{bad[0]}] = {arr[bad[0]]} must be finite and > 0 (negative or zero "
            f"conductances are not passive resistors); {bad.size} bad value(s)"
        )
    return arr


def validate_graph(n_nodes: int, edges: object, clamped_nodes: object) -> tuple[np.ndarray, np.ndarray]:
    """Check types/shapes of a graph description; returns (edges (E, 2) int64, clamped (C,) int64)."""
    if isinstance(n_nodes, bool) or not isinstance(n_nodes, (int, np.integer)):
        raise TypeError(f"n_nodes must be an int, got {type(n_nodes).__name__}")
    e = _as_index_array(edges, "edges")
    if e.ndim != 2 or e.shape[1] != 2 or e.shape[0] == 0:
        raise ValueError(f"edges must have shape (n_edges >= 1, 2), got {e.shape}")
    c = _as_index_array(clamped_nodes, "clamped_nodes").reshape(-1)
    return e, c


def random_connected_graph(n_nodes: int, n_edges: int, seed: int = 0) -> np.ndarray:
    """A random simple connected graph: a random spanning tree plus distinct random extra edges.

    Returns edges (n_edges, 2) int64 with i < j. Requires n_nodes - 1 <= n_edges <= n_nodes (n_nodes - 1) / 2.
    """
    if n_nodes < 2:
        raise ValueError(f"n_nodes must be >= 2, got {n_nodes}")
    max_edges = n_nodes * (n_nodes - 1) // 2
    if not n_nodes - 1 <= n_edges <= max_edges:
        raise ValueError(
            f"n_edges must be in [{n_nodes - 1}, {max_edges}] for {n_nodes} nodes, got {n_edges}"
        )
    rng = np.random.default_rng(seed)
    order = rng.permutation(n_nodes)
    chosen: set[tuple[int, int]] = set()
    for k in range(1, n_nodes):  # attach each node to a random earlier one: a spanning tree
        a, b = int(order[k]), int(order[rng.integers(k)])
        chosen.add((min(a, b), max(a, b)))
    while len(chosen) < n_edges:
        a, b = (int(v) for v in rng.choice(n_nodes, size=2, replace=False))
        chosen.add((min(a, b), max(a, b)))
    return np.array(sorted(chosen), dtype=np.int64)


class ConductanceGraph:
    """Shared edge/conductance accessors of the graph networks (``edges``, ``_core`` set by subclasses)."""

    edges: np.ndarray

    @property
    def n_edges(self) -> int:
        return int(self.edges.shape[0])

    @property
    def conductance_S(self) -> np.ndarray:
        """Copy of the conductances (siemens)."""
        return np.asarray(self._core.conductance_S)

    @conductance_S.setter
    def conductance_S(self, g: object) -> None:
        self._core.set_conductances(_as_conductances(g, self.n_edges))


class ResistorNetwork(ConductanceGraph):
    """A linear resistor network with voltage-clamped nodes; batched steady states.

    Parameters
    ----------
    n_nodes : number of nodes.
    edges : (n_edges, 2) int node ids; parallel edges add up, self-loops are rejected.
    conductance_S : (n_edges,) conductances in siemens, finite and > 0.
    clamped_nodes : ids of the nodes held by voltage sources (include ground); every other node must
        have a path to one of them, otherwise ValueError names the floating component.
    """

    def __init__(self, n_nodes: int, edges: object, conductance_S: object, clamped_nodes: object) -> None:
        e, c = validate_graph(n_nodes, edges, clamped_nodes)
        g = _as_conductances(conductance_S, e.shape[0])
        self.n_nodes = int(n_nodes)
        self.edges = e
        self.clamped_nodes = c
        self._core = _core.ResistorNetwork(self.n_nodes, e, g, c)
        self.free_nodes = np.asarray(self._core.free_nodes)

    def solve(self, v_clamped: object, currents: object | None = None) -> np.ndarray:
        """Node potentials (volts) for clamped potentials ``v_clamped`` (batch, n_clamped) or (n_clamped,)
        and optional injected currents (batch, n_nodes) in amperes; returns (batch, n_nodes)
        (or (n_nodes,))."""
        vc = np.asarray(v_clamped, dtype=np.float64)
        single = vc.ndim == 1
        vc2 = np.ascontiguousarray(vc.reshape(1, -1) if single else vc)
        if vc2.ndim != 2 or vc2.shape[1] != self.clamped_nodes.size:
            raise ValueError(f"v_clamped must have shape (batch, {self.clamped_nodes.size}), got {vc.shape}")
        if not np.all(np.isfinite(vc2)):
            raise ValueError("v_clamped contains non-finite values")
        cur = None
        if currents is not None:
            cur = np.asarray(currents, dtype=np.float64)
            cur = np.ascontiguousarray(cur.reshape(1, -1) if cur.ndim == 1 else cur)
            if cur.shape != (vc2.shape[0], self.n_nodes):
                raise ValueError(
                    f"currents must have shape ({vc2.shape[0]}, {self.n_nodes}), got {cur.shape}"
                )
            if not np.all(np.isfinite(cur)):
                raise ValueError("currents contains non-finite values")
        v = self._core.solve(vc2, cur)
        return v[0] if single else v

    def voltage_drops(self, v: np.ndarray) -> np.ndarray:
        """Edge voltage drops ``v[i] - v[j]`` (volts), shape (..., n_edges)."""
        return v[..., self.edges[:, 0]] - v[..., self.edges[:, 1]]

    def edge_currents(self, v: np.ndarray) -> np.ndarray:
        """Edge currents from i to j (amperes), shape (..., n_edges)."""
        return self.conductance_S * self.voltage_drops(v)

    def power_W(self, v: np.ndarray) -> np.ndarray:
        """Power dissipated in the resistors, ``sum_e g_e dv_e^2`` (watts), shape (...)."""
        dv = self.voltage_drops(v)
        return (self.conductance_S * dv * dv).sum(axis=-1)

    def laplacian(self) -> np.ndarray:
        """Dense weighted Laplacian (n_nodes, n_nodes) in siemens (for small graphs / checks)."""
        return laplacian_dense(self.n_nodes, self.edges, self.conductance_S)


def laplacian_dense(n_nodes: int, edges: np.ndarray, conductance_S: np.ndarray) -> np.ndarray:
    """Dense weighted graph Laplacian (n_nodes, n_nodes)."""
    lap = np.zeros((n_nodes, n_nodes))
    i, j = edges[:, 0], edges[:, 1]
    np.add.at(lap, (i, j), -conductance_S)
    np.add.at(lap, (j, i), -conductance_S)
    np.add.at(lap, (i, i), conductance_S)
    np.add.at(lap, (j, j), conductance_S)
    return lap


__all__ = ["ResistorNetwork", "random_connected_graph", "laplacian_dense", "validate_graph"]
