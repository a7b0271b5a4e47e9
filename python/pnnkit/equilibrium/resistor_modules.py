"""pnnkit.nn.Module wrappers of resistor networks, so that trained networks checkpoint with pnnkit.io.

The conductances are the single trainable parameter ``conductance_S``; the energy-based trainers
(:mod:`pnnkit.training.eqprop_resistive`, :mod:`pnnkit.training.coupled_learning`) update the wrapped
network and :meth:`pull` copies the result into the parameter. ``forward`` is the physical free
state; there is no ``backward`` (these networks are trained by their own equilibria).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..nn.module import Module
from .diode import DeepResistiveNetwork
from .resistor import ResistorNetwork, random_connected_graph


class DeepResistiveClassifier(Module):
    """A :class:`DeepResistiveNetwork` as a Module: ``forward(x)`` = output potentials (batch, n_out)."""

    capabilities = frozenset({"energy"})

    def __init__(
        self,
        layer_sizes: list[int],
        gain: float = 4.0,
        bias_V: float = 1.0,
        activation: str = "relu_pair",
        clip_V: float = 1.0,
        init_scale_S: float = 1.0,
        g_min_S: float = 1e-6,
        seed: int = 0,
    ) -> None:
        super().__init__()
        self.net = DeepResistiveNetwork(
            tuple(layer_sizes),
            gain=gain,
            bias_V=bias_V,
            activation=activation,
            clip_V=clip_V,
            init_scale_S=init_scale_S,
            g_min_S=g_min_S,
            seed=seed,
        )
        self.conductance = self.add_parameter("conductance_S", self.net.conductance_S)

    def pull(self) -> None:
        """Copy the network's conductances into the parameter (after training)."""
        self.conductance.value[...] = self.net.conductance_S

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.net.conductance_S = self.conductance.value  # the parameter is authoritative (e.g. after loading)
        return self.net.predict(np.asarray(x, dtype=np.float64))

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        raise NotImplementedError(
            "DeepResistiveClassifier is trained by equilibrium propagation (no backward)"
        )

    def config(self) -> dict[str, Any]:
        return self.net.config()


def pm_ground_sources(x: np.ndarray) -> np.ndarray:
    """Source potentials ``[x, -x, 0]`` (inputs, inverted inputs, ground) for a passive network."""
    x = np.asarray(x, dtype=np.float64)
    return np.concatenate([x, -x, np.zeros((len(x), 1))], axis=1)


class ResistorRegressor(Module):
    """A random linear resistor network as a Module: sources ``[x, -x, ground]`` on nodes ``0..2 n_in``,
    outputs on the next ``n_out`` nodes; ``forward(x)`` = output potentials (batch, n_out)."""

    capabilities = frozenset({"energy"})

    def __init__(
        self,
        n_in: int,
        n_out: int,
        n_nodes: int = 64,
        n_edges: int = 200,
        g_low_S: float = 0.5,
        g_high_S: float = 1.5,
        seed: int = 0,
    ) -> None:
        super().__init__()
        if n_nodes < 2 * n_in + 1 + n_out + 1:
            raise ValueError(
                f"n_nodes = {n_nodes} is too small for {n_in} inputs (x2), ground and {n_out} outputs"
            )
        self.n_in, self.n_out, self.n_nodes, self.n_edges = int(n_in), int(n_out), int(n_nodes), int(n_edges)
        self.g_low_S, self.g_high_S, self.seed = float(g_low_S), float(g_high_S), int(seed)
        self.edges = random_connected_graph(n_nodes, n_edges, seed=seed)
        g = np.random.default_rng(seed + 1).uniform(g_low_S, g_high_S, n_edges)
        self.source_nodes = np.arange(2 * n_in + 1)
        self.output_nodes = np.arange(2 * n_in + 1, 2 * n_in + 1 + n_out)
        self.conductance = self.add_parameter("conductance_S", g)
        self.net = ResistorNetwork(n_nodes, self.edges, g, self.source_nodes)

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.net.conductance_S = self.conductance.value
        return self.net.solve(pm_ground_sources(x))[:, self.output_nodes]

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        raise NotImplementedError("ResistorRegressor is trained by coupled learning (no backward)")

    def config(self) -> dict[str, Any]:
        return {
            "n_in": self.n_in,
            "n_out": self.n_out,
            "n_nodes": self.n_nodes,
            "n_edges": self.n_edges,
            "g_low_S": self.g_low_S,
            "g_high_S": self.g_high_S,
            "seed": self.seed,
        }


__all__ = ["DeepResistiveClassifier", "ResistorRegressor", "pm_ground_sources"]
