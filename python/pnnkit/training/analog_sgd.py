"""Analog SGD: forward and backward are analog reads, the update is a pulsed in-memory update.

Every :class:`~pnnkit.crossbar.pulsed.AnalogPulsedLinear` layer holds a *cell* (the training
rule on its tiles). :class:`SGDCell` is plain analog SGD (Gokmen & Vlasov 2016): the tile's
weights change by ``-lr * grad_out^T x`` delivered as stochastic pulse trains, so the device
non-idealities (asymmetry, bounds, noise) act on every step. :class:`AnalogOptimizer` drives
the cells from :func:`pnnkit.nn.fit` and updates any digital parameters with SGD.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..crossbar.devices import PulsedDevice
from ..crossbar.pulsed import AnalogPulsedLinear, AnalogPulsedTile, PulseConfig, ReadConfig, between_updates
from ..nn.module import Module
from ..nn.optim import SGD


class SGDCell:
    """Analog SGD on one tile: ``W <- W - lr * grad_out^T x`` as pulses; decay/diffusion after each step."""

    name = "analog-sgd"

    def __init__(self, out_size: int, in_size: int, device: PulsedDevice | str, *, pulse: PulseConfig | None = None,
                 read: ReadConfig | None = None, seed: int = 0) -> None:
        self.tile = AnalogPulsedTile(out_size, in_size, device, pulse=pulse, read=read, seed=seed)

    def forward(self, x: np.ndarray) -> np.ndarray:
        return self.tile.forward(x)

    def backward(self, d: np.ndarray) -> np.ndarray:
        return self.tile.backward(d)

    def update(self, x: np.ndarray, grad_out: np.ndarray, lr: float) -> None:
        self.tile.update(x, -grad_out, lr)
        between_updates(self.tile)

    def effective_weights(self) -> np.ndarray:
        return self.tile.weights

    def set_weights(self, w: np.ndarray) -> None:
        self.tile.set_weights(w)


class AnalogOptimizer:
    """Optimizer for models with :class:`AnalogPulsedLinear` layers (plugs into :func:`pnnkit.nn.fit`).

    ``step()`` calls every analog layer's in-memory update with ``lr`` and applies digital SGD
    (``digital_lr``, default ``lr``) to the remaining parameters.
    """

    def __init__(self, model: Module, lr: float, digital_lr: float | None = None) -> None:
        if not np.isfinite(lr) or lr <= 0:
            raise ValueError(f"lr must be a positive finite number, got {lr}")
        self.model, self.lr = model, float(lr)
        self.analog = [m for _, m in model.named_modules() if isinstance(m, AnalogPulsedLinear)]
        if not self.analog:
            raise ValueError("model has no AnalogPulsedLinear layer")
        mirrored = {id(p) for m in self.analog for p in m.parameters()}
        digital = [p for p in model.parameters() if id(p) not in mirrored]
        self.digital = SGD(digital, digital_lr or lr) if digital else None

    def zero_grad(self) -> None:
        self.model.zero_grad()

    def step(self) -> None:
        for layer in self.analog:
            layer.analog_step(self.lr)
        if self.digital is not None:
            self.digital.step()
        self.model.post_step()


def analog_mlp(sizes: list[int] | tuple[int, ...], make_cell: Any, *, seed: int = 0) -> Module:
    """A ReLU MLP of analog layers; ``make_cell(out, in, seed)`` builds each layer's cell."""
    from ..nn import ReLU, Sequential

    if len(sizes) < 2:
        raise ValueError(f"sizes needs at least an input and an output size, got {sizes}")
    layers: list[Module] = []
    for k, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        cell = make_cell(n_out, n_in + 1, seed + 101 * k)
        layers.append(AnalogPulsedLinear(n_in, n_out, cell, init_seed=seed + k))
        if k < len(sizes) - 2:
            layers.append(ReLU())
    return Sequential(*layers)


__all__ = ["SGDCell", "AnalogOptimizer", "analog_mlp"]
