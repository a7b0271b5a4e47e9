"""Layered continuous Hopfield network (Scellier & Bengio 2017), the substrate of equilibrium propagation.

Layers ``0..L`` with sizes ``sizes = (n_0, ..., n_L)``: layer 0 is the clamped input, layers
``1..L`` are free and the last one is the output. With the hard sigmoid ``rho = clip(., 0, 1)``::

    E(s) = 1/2 sum_l |rho(s_l)|^2 - sum_l b_l . rho(s_l) - sum_l rho(s_{l-1})^T W_l rho(s_l)
    C(s) = |s_L - y|^2                 F = E + beta * C       (per sample)

The network *computes* by relaxing to a minimum of ``F`` on the box ``[0, 1]``. Relaxation
runs in the C++ core (:func:`pnnkit._core.hopfield_relax`): projected gradient descent
``s <- clip(s - eps dF/ds, 0, 1)`` or the fixed-point iteration ``s <- rho(dPhi/ds)`` of
Laborieux et al. 2021. float32 by default; float64 when the network's dtype is float64.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import _core
from ..substrate import PhysicalModule

RELAX_METHODS = ("gd", "fixed_point")


class RelaxationWarning(RuntimeWarning):
    """A relaxation did not reach its tolerance or increased the energy (step too large)."""


class RelaxationError(RuntimeError):
    """Raised instead of :class:`RelaxationWarning` when ``on_nonconvergence="raise"``."""


@dataclass
class Relaxation:
    """Result of one relaxation of a batch.

    ``states`` holds one ``(batch, n_l)`` array per free layer; ``energy`` is ``E`` and ``cost``
    is ``|s_L - y|^2`` (0 without target) at the final state, ``residual`` the projected-gradient
    residual ``max_i |s_i - clip(s_i - dF/ds_i, 0, 1)|`` per sample (0 exactly at an equilibrium),
    ``initial_free_energy`` is ``F`` at the starting state, ``iterations`` the largest number of
    updates applied to a sample and ``trace`` (optional) ``F`` after each update,
    shape ``(n_iter + 1, batch)``.
    """

    states: list[np.ndarray]
    energy: np.ndarray
    cost: np.ndarray
    residual: np.ndarray
    initial_free_energy: np.ndarray
    iterations: int
    beta: float
    trace: np.ndarray | None = None

    @property
    def output(self) -> np.ndarray:
        """State of the output layer, ``(batch, n_L)``."""
        return self.states[-1]

    @property
    def free_energy(self) -> np.ndarray:
        """``F = E + beta C`` per sample at the final state."""
        return self.energy + self.beta * self.cost


def glorot_uniform(n_in: int, n_out: int, rng: np.random.Generator) -> np.ndarray:
    """Glorot/Xavier uniform init ``U(-sqrt(6/(n_in+n_out)), +...)``, as in Scellier & Bengio's code."""
    a = np.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(-a, a, size=(n_in, n_out))


class HopfieldNetwork(PhysicalModule):
    """A layered continuous Hopfield network with hard-sigmoid units.

    Parameters
    ----------
    sizes:
        Layer sizes ``(n_0, n_1, ..., n_L)``, input first, output last (at least two).
    seed:
        Seed of the Glorot-uniform weight initialisation (biases start at 0).
    dtype:
        ``np.float32`` (default, throughput) or ``np.float64`` (gradient checks).
    eps, n_iter, method:
        Default step size, number of updates and relaxation method (``"gd"`` or
        ``"fixed_point"``) of :meth:`forward` / :meth:`relax`.

    The parameters are ``W1, b1, ..., WL, bL`` with ``W_l`` of shape ``(n_{l-1}, n_l)``.
    ``forward(x)`` runs the free phase from zero and returns the output state; ``backward``
    is the exact gradient by implicit differentiation at that fixed point
    (:func:`pnnkit.training.implicit.implicit_gradient`). Every relaxation is counted in
    ``queries["relaxations"]`` (phases) and ``queries["samples"]`` (phases x batch).
    """

    capabilities = frozenset({"twin", "energy"})

    def __init__(
        self,
        sizes: tuple[int, ...] | list[int],
        seed: int = 0,
        dtype: Any = np.float32,
        eps: float = 0.5,
        n_iter: int = 20,
        method: str = "gd",
    ) -> None:
        super().__init__()
        sizes = tuple(int(n) for n in sizes)
        if len(sizes) < 2:
            raise ValueError(f"sizes must list at least an input and an output layer, got {sizes}")
        if any(n < 1 for n in sizes):
            raise ValueError(f"every layer size must be >= 1, got {sizes}")
        dt = np.dtype(dtype)
        if dt not in (np.dtype(np.float32), np.dtype(np.float64)):
            raise TypeError(f"dtype must be float32 or float64, got {dt}")
        _check_relax_options(eps, n_iter, method)
        self.sizes = sizes
        self.seed = int(seed)
        self.dtype = dt
        self.eps = float(eps)
        self.n_iter = int(n_iter)
        self.method = method
        rng = np.random.default_rng(seed)
        for l in range(1, len(sizes)):
            self.add_parameter(f"W{l}", glorot_uniform(sizes[l - 1], sizes[l], rng).astype(dt))
            self.add_parameter(f"b{l}", np.zeros(sizes[l], dtype=dt))
        self._cache: tuple[np.ndarray, list[np.ndarray]] | None = None

    # -- parameters -----------------------------------------------------------
    @property
    def n_layers(self) -> int:
        """Number of free layers ``L`` (= number of weight matrices)."""
        return len(self.sizes) - 1

    @property
    def weights(self) -> list[np.ndarray]:
        """``[W_1, ..., W_L]`` (the parameter arrays themselves)."""
        return [self._params[f"W{l}"].value for l in range(1, self.n_layers + 1)]

    @property
    def biases(self) -> list[np.ndarray]:
        """``[b_1, ..., b_L]``."""
        return [self._params[f"b{l}"].value for l in range(1, self.n_layers + 1)]

    def config(self) -> dict[str, Any]:
        return {
            "sizes": list(self.sizes),
            "seed": self.seed,
            "dtype": self.dtype.name,
            "eps": self.eps,
            "n_iter": self.n_iter,
            "method": self.method,
        }

    # -- physics --------------------------------------------------------------
    def _check_x(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        if x.ndim != 2 or x.shape[1] != self.sizes[0]:
            raise ValueError(f"x must have shape (batch, {self.sizes[0]}), got {x.shape}")
        if x.shape[0] == 0:
            raise ValueError("x must hold at least one sample")
        return np.ascontiguousarray(x, dtype=self.dtype)

    def _check_y(self, y: np.ndarray | None, batch: int) -> np.ndarray | None:
        if y is None:
            return None
        y = np.asarray(y)
        if y.shape != (batch, self.sizes[-1]):
            raise ValueError(f"y must have shape ({batch}, {self.sizes[-1]}), got {y.shape}")
        return np.ascontiguousarray(y, dtype=self.dtype)

    def relax(
        self,
        x: np.ndarray,
        y: np.ndarray | None = None,
        beta: float = 0.0,
        states: list[np.ndarray] | None = None,
        *,
        n_iter: int | None = None,
        eps: float | None = None,
        method: str | None = None,
        tol: float | None = None,
        on_nonconvergence: str = "warn",
        record_trace: bool = False,
    ) -> Relaxation:
        """Relax the batch ``x`` (``(batch, n_0)``) to a minimum of ``F = E + beta C``.

        ``states`` is the starting state (default zeros; never modified). With ``tol`` the
        relaxation stops early for each sample whose residual is ``<= tol`` and a batch that
        still has a residual above ``tol`` after ``n_iter`` updates is reported. Independently of
        ``tol``, a relaxation whose final ``F`` exceeds its initial ``F`` (a step too large for
        gradient descent to descend) is reported. Reporting is a :class:`RelaxationWarning`, or a
        :class:`RelaxationError` with ``on_nonconvergence="raise"``, or nothing with ``"ignore"``;
        the message names the iteration count and residual.
        """
        n_iter = self.n_iter if n_iter is None else n_iter
        eps = self.eps if eps is None else eps
        method = self.method if method is None else method
        _check_relax_options(eps, n_iter, method)
        if on_nonconvergence not in ("warn", "raise", "ignore"):
            raise ValueError(
                f"on_nonconvergence must be 'warn', 'raise' or 'ignore', got {on_nonconvergence!r}"
            )
        if tol is not None and not (np.isfinite(tol) and tol > 0):
            raise ValueError(f"tol must be a finite number > 0 (or None), got {tol}")
        if not np.isfinite(beta):
            raise ValueError(f"beta must be finite, got {beta}")
        x = self._check_x(x)
        y = self._check_y(y, x.shape[0])
        if beta != 0 and y is None:
            raise ValueError("a non-zero beta needs a target y")
        if states is not None:
            if len(states) != self.n_layers:
                raise ValueError(
                    f"states must hold {self.n_layers} arrays (one per free layer), got {len(states)}"
                )
            states = [np.asarray(s, dtype=self.dtype) for s in states]
        out = _core.hopfield_relax(
            x,
            self.weights,
            self.biases,
            states,
            y,
            float(beta),
            method,
            float(eps),
            int(n_iter),
            0.0 if tol is None else float(tol),
            bool(record_trace),
        )
        self.queries["relaxations"] += 1
        self.queries["samples"] += x.shape[0]
        res = Relaxation(
            states=list(out["states"]),
            energy=out["energy"],
            cost=out["cost"],
            residual=out["residual"],
            initial_free_energy=out["initial_free_energy"],
            iterations=int(out["iterations"]),
            beta=float(beta),
            trace=out["trace"],
        )
        if on_nonconvergence != "ignore":
            self._report(res, tol, eps, method, on_nonconvergence)
        return res

    def _report(self, res: Relaxation, tol: float | None, eps: float, method: str, action: str) -> None:
        worst = float(res.residual.max())
        msg = None
        if tol is not None and worst > tol:
            msg = (
                f"Hopfield relaxation did not converge: max residual {worst:.3g} > tol {tol:.3g} after "
                f"{res.iterations} iterations ({method}, eps={eps})"
            )
        else:
            f0, f1 = res.initial_free_energy.astype(np.float64), res.free_energy.astype(np.float64)
            slack = (1e-4 if self.dtype == np.float32 else 1e-9) * (1.0 + np.abs(f0))
            bad = f1 > f0 + slack
            if np.any(bad):
                i = int(np.argmax(f1 - f0))
                msg = (
                    f"Hopfield relaxation increased the energy of {int(bad.sum())} sample(s) (sample {i}: "
                    f"F {f0[i]:.6g} -> {f1[i]:.6g}) after {res.iterations} iterations, max residual "
                    f"{worst:.3g}: the step eps={eps} is too large for {method} to descend"
                )
        if msg is None:
            return
        if action == "raise":
            raise RelaxationError(msg)
        warnings.warn(msg, RelaxationWarning, stacklevel=3)

    def energy(
        self, x: np.ndarray, states: list[np.ndarray], y: np.ndarray | None = None, beta: float = 0.0
    ) -> np.ndarray:
        """``F = E + beta C`` per sample at ``states`` (clipped to ``[0, 1]``); ``C`` needs ``y``."""
        x = self._check_x(x)
        y = self._check_y(y, x.shape[0])
        if beta != 0 and y is None:
            raise ValueError("a non-zero beta needs a target y")
        if len(states) != self.n_layers:
            raise ValueError(
                f"states must hold {self.n_layers} arrays (one per free layer), got {len(states)}"
            )
        e, c = _core.hopfield_energy(
            x, self.weights, self.biases, [np.asarray(s, self.dtype) for s in states], y
        )
        return e + beta * c

    def param_grad_at(self, x: np.ndarray, states: list[np.ndarray]) -> dict[str, np.ndarray]:
        """Batch mean of ``dE/dtheta`` at ``states``.

        Returns ``{"W1": -mean rho(x)^T rho(s_1), "b1": -mean rho(s_1), ...}``.
        """
        x = self._check_x(x)
        if len(states) != self.n_layers:
            raise ValueError(
                f"states must hold {self.n_layers} arrays (one per free layer), got {len(states)}"
            )
        gW, gb = _core.hopfield_param_grad(
            x, self.weights, self.biases, [np.asarray(s, self.dtype) for s in states]
        )
        out: dict[str, np.ndarray] = {}
        for l in range(1, self.n_layers + 1):
            out[f"W{l}"] = gW[l - 1]
            out[f"b{l}"] = gb[l - 1]
        return out

    # -- Module contract ----------------------------------------------------------
    def _forward_twin(self, x: np.ndarray) -> np.ndarray:
        res = self.relax(x)
        self._cache = (self._check_x(x), res.states)
        return res.output

    _forward_physical = _forward_twin

    def _backward_twin(self, grad_out: np.ndarray) -> np.ndarray:
        """Exact gradient at the cached free fixed point (implicit differentiation); accumulates ``.grad``."""
        if self._cache is None:
            raise RuntimeError("backward called before forward")
        from ..training.implicit import implicit_gradient  # late import: training depends on this module

        x, states = self._cache
        grads, grad_x = implicit_gradient(self, x, states, np.asarray(grad_out, np.float64))
        for name, g in grads.items():
            self._params[name].grad += g.astype(self.dtype)
        return grad_x.astype(self.dtype)

    def predict(self, x: np.ndarray, n_iter: int | None = None) -> np.ndarray:
        """Class = index of the most active output unit after a free relaxation from zero."""
        return np.argmax(self.relax(x, n_iter=n_iter).output, axis=1)


def _check_relax_options(eps: float, n_iter: int, method: str) -> None:
    if method not in RELAX_METHODS:
        raise ValueError(f"method must be one of {RELAX_METHODS}, got {method!r}")
    if isinstance(n_iter, bool) or not isinstance(n_iter, (int, np.integer)) or n_iter < 0:
        raise ValueError(f"n_iter must be an int >= 0, got {n_iter!r}")
    if not (np.isfinite(eps) and eps > 0):
        raise ValueError(f"eps must be a finite number > 0, got {eps}")
