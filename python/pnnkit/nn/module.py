"""The layer contract of pnnkit: a numpy ``Module`` with named parameters and a vjp.

Every layer — digital or physical — implements ``forward(x)`` (which caches what the
backward pass needs) and ``backward(grad_out)`` (which returns the gradient with respect
to its input and *accumulates* gradients into its parameters' ``.grad``). Physical layers
run their forward on the physical model and their backward through the twin's vjp.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np


class Parameter:
    """A trainable array and its accumulated gradient (same shape and dtype)."""

    def __init__(self, value: np.ndarray) -> None:
        self.value = np.ascontiguousarray(value)
        self.grad = np.zeros_like(self.value)

    @property
    def shape(self) -> tuple[int, ...]:
        return self.value.shape

    def zero_grad(self) -> None:
        self.grad[...] = 0

    def __repr__(self) -> str:
        return f"Parameter(shape={self.value.shape}, dtype={self.value.dtype})"


class Module:
    """Base class of every layer.

    Subclasses register parameters with :meth:`add_parameter` and sub-modules with
    :meth:`add_module`, and implement :meth:`forward` and :meth:`backward`.
    ``config()`` returns the JSON-serialisable constructor arguments, which lets
    :mod:`pnnkit.io` rebuild the module without pickle; ``extra_state()`` /
    ``load_extra_state()`` carry non-trainable arrays (e.g. programmed conductances).
    """

    def __init__(self) -> None:
        self._params: dict[str, Parameter] = {}
        self._modules: dict[str, Module] = {}
        self.training = True

    # -- registration -------------------------------------------------------
    def add_parameter(self, name: str, value: np.ndarray) -> Parameter:
        p = Parameter(value)
        self._params[name] = p
        return p

    def add_module(self, name: str, module: Module) -> Module:
        if not isinstance(module, Module):
            raise TypeError(f"module {name!r} must be a pnnkit.nn.Module, got {type(module).__name__}")
        self._modules[name] = module
        return module

    # -- traversal ----------------------------------------------------------
    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Parameter]]:
        for name, p in self._params.items():
            yield prefix + name, p
        for mname, m in self._modules.items():
            yield from m.named_parameters(prefix + mname + ".")

    def parameters(self) -> list[Parameter]:
        return [p for _, p in self.named_parameters()]

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        yield prefix.rstrip("."), self
        for mname, m in self._modules.items():
            yield from m.named_modules(prefix + mname + ".")

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.zero_grad()

    def train(self, mode: bool = True) -> Module:
        for _, m in self.named_modules():
            m.training = mode
        return self

    def eval(self) -> Module:
        return self.train(False)

    # -- computation --------------------------------------------------------
    def forward(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.forward(x)

    def post_step(self) -> None:
        """Called by optimizers after each update (e.g. weight clipping); recursive."""
        for m in self._modules.values():
            m.post_step()

    # -- serialisation ------------------------------------------------------
    def config(self) -> dict[str, Any]:
        """JSON-serialisable constructor arguments (override in subclasses)."""
        return {}

    def extra_state(self) -> dict[str, np.ndarray]:
        """Non-trainable arrays to checkpoint (e.g. programmed device state)."""
        return {}

    def load_extra_state(self, state: dict[str, np.ndarray]) -> None:
        if state:
            raise ValueError(f"{type(self).__name__} has no extra state, got keys {sorted(state)}")

    def state_dict(self) -> dict[str, np.ndarray]:
        """All trainable parameters by dotted name (copies)."""
        return {name: p.value.copy() for name, p in self.named_parameters()}

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        """Load parameters by dotted name; shapes and the set of names must match exactly."""
        own = dict(self.named_parameters())
        missing = sorted(set(own) - set(state))
        extra = sorted(set(state) - set(own))
        if missing or extra:
            raise ValueError(f"state mismatch: missing {missing}, unexpected {extra}")
        for name, p in own.items():
            v = np.asarray(state[name])
            if v.shape != p.value.shape:
                raise ValueError(f"parameter {name!r}: shape {v.shape} != expected {p.value.shape}")
            p.value[...] = v

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self.config().items())
        return f"{type(self).__name__}({inner})"
