"""Optimizers over ``Parameter`` lists: SGD with momentum and Adam (Kingma & Ba 2015)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .module import Module, Parameter


def _check_lr(lr: float) -> float:
    if not np.isfinite(lr) or lr <= 0:
        raise ValueError(f"lr must be a positive finite number, got {lr}")
    return float(lr)


class Optimizer:
    """Base: holds parameters; ``step()`` updates them, then calls the model's ``post_step``."""

    def __init__(self, params: Iterable[Parameter] | Module, lr: float) -> None:
        self.model = params if isinstance(params, Module) else None
        self.params = params.parameters() if isinstance(params, Module) else list(params)
        if not self.params:
            raise ValueError("optimizer got an empty parameter list")
        self.lr = _check_lr(lr)

    def zero_grad(self) -> None:
        for p in self.params:
            p.zero_grad()

    def step(self) -> None:
        for i, p in enumerate(self.params):
            if not np.all(np.isfinite(p.grad)):
                raise FloatingPointError(f"non-finite gradient in parameter #{i} {p!r}")
            self._update(i, p)
        if self.model is not None:
            self.model.post_step()

    def _update(self, i: int, p: Parameter) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent with (heavy-ball) momentum."""

    def __init__(self, params: Iterable[Parameter] | Module, lr: float, momentum: float = 0.0) -> None:
        super().__init__(params, lr)
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f"momentum must be in [0, 1), got {momentum}")
        self.momentum = momentum
        self._vel = [np.zeros_like(p.value) for p in self.params]

    def _update(self, i: int, p: Parameter) -> None:
        if self.momentum:
            self._vel[i] = self.momentum * self._vel[i] + p.grad
            p.value -= (self.lr * self._vel[i]).astype(p.value.dtype, copy=False)
        else:
            p.value -= (self.lr * p.grad).astype(p.value.dtype, copy=False)


class Adam(Optimizer):
    """Adam with bias correction."""

    def __init__(self, params: Iterable[Parameter] | Module, lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8) -> None:
        super().__init__(params, lr)
        if not (0.0 <= betas[0] < 1.0 and 0.0 <= betas[1] < 1.0):
            raise ValueError(f"betas must be in [0, 1), got {betas}")
        self.betas, self.eps, self.t = betas, eps, 0
        self._m = [np.zeros_like(p.value) for p in self.params]
        self._v = [np.zeros_like(p.value) for p in self.params]

    def step(self) -> None:
        self.t += 1
        super().step()

    def _update(self, i: int, p: Parameter) -> None:
        b1, b2 = self.betas
        self._m[i] = b1 * self._m[i] + (1 - b1) * p.grad
        self._v[i] = b2 * self._v[i] + (1 - b2) * p.grad * p.grad
        mhat = self._m[i] / (1 - b1 ** self.t)
        vhat = self._v[i] / (1 - b2 ** self.t)
        p.value -= (self.lr * mhat / (np.sqrt(vhat) + self.eps)).astype(p.value.dtype, copy=False)
