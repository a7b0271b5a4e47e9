"""The physical-layer contract: a seeded physical model beside its ideal differentiable twin.

A :class:`PhysicalModule` runs in one of three modes:

``"twin"``
    forward and backward on the ideal twin (in-silico training, digital simulation);
``"physical"``
    forward on the seeded physical model (evaluation / deployment); ``backward`` uses the
    twin's vjp, and :meth:`PhysicalModule.backward_adjoint` the physical adjoint where the
    substrate declares the ``"adjoint"`` capability (in-situ training calls it explicitly);
``"pat"``
    physics-aware training (Wright et al. 2022): forward on the physical model, backward =
    the twin's vjp evaluated at the *measured* input of the layer.

Every call to the physical model is counted in ``self.queries`` so that training methods
can report the physical queries they used.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from .nn.module import Module

MODES = ("twin", "physical", "pat")
CAPABILITIES = frozenset({"twin", "adjoint", "energy", "time_reversal", "pulsed_update"})


class PhysicalModule(Module):
    """Base class of physical layers. Subclasses implement the ``_forward_*``/``_backward_*`` hooks."""

    capabilities: frozenset[str] = frozenset({"twin"})

    def __init__(self) -> None:
        super().__init__()
        self.mode = "twin"
        self.queries: Counter[str] = Counter()

    def set_mode(self, mode: str) -> PhysicalModule:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        self.mode = mode
        return self

    def forward(self, x: np.ndarray) -> np.ndarray:
        if self.mode == "twin":
            return self._forward_twin(x)
        return self._forward_physical(x)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        # In "pat" and "twin" the twin's vjp is used; _forward_physical must cache the
        # measured input so that the twin vjp is evaluated where the hardware actually was.
        return self._backward_twin(grad_out)

    def backward_adjoint(self, grad_out: np.ndarray) -> np.ndarray:
        """Gradient from the physical adjoint (in-situ); needs capability ``"adjoint"``."""
        if "adjoint" not in self.capabilities:
            raise NotImplementedError(f"{type(self).__name__} has no physical adjoint")
        return self._backward_adjoint(grad_out)

    # -- hooks for subclasses -----------------------------------------------
    def _forward_twin(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _forward_physical(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _backward_twin(self, grad_out: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _backward_adjoint(self, grad_out: np.ndarray) -> np.ndarray:
        raise NotImplementedError


def physical_modules(model: Module) -> list[PhysicalModule]:
    """All physical layers inside ``model`` (depth-first)."""
    return [m for _, m in model.named_modules() if isinstance(m, PhysicalModule)]


def set_mode(model: Module, mode: str) -> None:
    """Put every physical layer of ``model`` into ``mode``."""
    for m in physical_modules(model):
        m.set_mode(mode)


def total_queries(model: Module) -> dict[str, int]:
    """Physical queries summed over every physical layer of ``model``."""
    total: Counter[str] = Counter()
    for m in physical_modules(model):
        total.update(m.queries)
    return dict(total)


def reset_queries(model: Module) -> None:
    for m in physical_modules(model):
        m.queries.clear()
