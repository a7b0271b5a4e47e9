"""Exact gradient of an equilibrium's loss by implicit differentiation (recurrent backprop).

At a free equilibrium ``s*`` of a layered Hopfield network the units strictly inside ``(0, 1)``
satisfy ``dE/ds = s - h(s, theta) = 0`` with ``h_l = b_l + rho(s_{l-1}) W_l + rho(s_{l+1}) W_{l+1}^T``;
units clamped at 0 or 1 have ``ds/dtheta = 0``. Differentiating the stationarity condition on
the free set F gives ``ds_F/dtheta = (I - J_FF)^{-1} dh_F/dtheta`` with ``J`` the symmetric
coupling matrix (the Hessian of E is ``I - J``). For a loss ``L(s*)`` with ``g = dL/ds``::

    lambda_F = (I - J_FF)^{-1} g_F                 (the adjoint / recurrent-backprop state)
    dL/dW_l = rho(s_{l-1})^T lambda_l + lambda_{l-1}^T rho(s_l)      (lambda_0 = 0)
    dL/db_l = sum over the batch of lambda_l

``I - J_FF`` is symmetric positive definite at a strict minimum, so the adjoint system is
solved by conjugate gradients, batched over samples (each sample has its own free set).
This is the reference that equilibrium propagation's estimate is checked against.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ..equilibrium.hopfield import HopfieldNetwork


def _coupling(Ws: list[np.ndarray], v: list[np.ndarray]) -> list[np.ndarray]:
    """``J v`` per free layer: ``v_{l-1} W_l + v_{l+1} W_{l+1}^T`` (the input layer is clamped)."""
    L = len(v)
    out = []
    for l in range(L):
        t = v[l - 1] @ Ws[l] if l >= 1 else np.zeros_like(v[l])
        if l + 1 < L:
            t = t + v[l + 1] @ Ws[l + 1].T
        out.append(t)
    return out


def solve_adjoint(
    net: HopfieldNetwork,
    states: list[np.ndarray],
    g: list[np.ndarray],
    *,
    tol: float = 1e-12,
    max_iter: int = 1000,
    on_indefinite: str = "raise",
) -> list[np.ndarray]:
    """Solve ``(I - J_FF) lambda_F = g_F`` per sample by batched conjugate gradients (float64).

    ``states`` is the equilibrium (one ``(batch, n_l)`` array per free layer) and ``g`` the loss
    gradient with respect to it. Units at 0 or 1 are clamped (``lambda = 0`` there). Stops when
    every sample's residual norm is ``<= tol * |g|``; warns if ``max_iter`` is reached.
    If ``I - J_FF`` is not positive definite for a sample (the state is not a strict minimum,
    e.g. a relaxation stopped early), raises ``ValueError`` (``on_indefinite="raise"``) or stops
    that sample's iteration where it is (``"truncate"``, for training on approximate fixed points).
    """
    if on_indefinite not in ("raise", "truncate"):
        raise ValueError(f"on_indefinite must be 'raise' or 'truncate', got {on_indefinite!r}")
    Ws = [np.asarray(w, np.float64) for w in net.weights]
    mask = [((s > 0) & (s < 1)).astype(np.float64) for s in states]
    b = [np.asarray(gi, np.float64) * m for gi, m in zip(g, mask)]

    def apply(v: list[np.ndarray]) -> list[np.ndarray]:
        jv = _coupling(Ws, v)
        return [vi - m * ji for vi, m, ji in zip(v, mask, jv)]

    def dot(a: list[np.ndarray], c: list[np.ndarray]) -> np.ndarray:
        return sum(np.einsum("bi,bi->b", ai, ci) for ai, ci in zip(a, c))

    lam = [np.zeros_like(bi) for bi in b]
    r = [bi.copy() for bi in b]
    p = [ri.copy() for ri in r]
    rr = dot(r, r)
    stop = tol * tol * np.maximum(dot(b, b), 1e-300)
    alive = np.ones(rr.shape, dtype=bool)
    for _ in range(max_iter):
        active = alive & (rr > stop)
        if not np.any(active):
            return lam
        ap = apply(p)
        pap = dot(p, ap)
        bad = active & (pap <= 0)
        if np.any(bad):
            if on_indefinite == "raise":
                raise ValueError(
                    "I - J is not positive definite on the free units: the state is not a strict "
                    "energy minimum, so the implicit gradient is undefined"
                )
            alive &= ~bad
            active &= ~bad
        alpha = np.where(active, rr / np.where(active, pap, 1.0), 0.0)[:, None]
        lam = [li + alpha * pi for li, pi in zip(lam, p)]
        r = [ri - alpha * api for ri, api in zip(r, ap)]
        rr_new = dot(r, r)
        beta = np.where(active, rr_new / np.where(active, rr, 1.0), 0.0)[:, None]
        p = [ri + beta * pi for ri, pi in zip(r, p)]
        rr = rr_new
    if np.any(alive & (rr > stop)):
        worst = float(np.sqrt(np.max(rr / np.maximum(dot(b, b), 1e-300))))
        warnings.warn(
            f"implicit gradient: conjugate gradients did not reach tol {tol:g} in {max_iter} "
            f"iterations (worst relative residual {worst:.3g})",
            RuntimeWarning,
            stacklevel=2,
        )
    return lam


def implicit_gradient(
    net: HopfieldNetwork,
    x: np.ndarray,
    states: list[np.ndarray],
    grad_output: np.ndarray,
    *,
    tol: float = 1e-12,
    max_iter: int = 1000,
    on_indefinite: str = "raise",
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Gradient of a loss of the equilibrium output, ``L(s*_L)``, with respect to the parameters and x.

    ``states`` must be a (tightly converged) free equilibrium of ``x``; ``grad_output`` is
    ``dL/ds_L`` of shape ``(batch, n_L)`` (include any 1/batch of a mean loss in it).
    Returns ``({"W1": ..., "b1": ..., ...}, dL/dx)`` in float64. ``on_indefinite``: see
    :func:`solve_adjoint`.
    """
    x = np.asarray(x, np.float64)
    rho_x = np.clip(x, 0.0, 1.0)
    S = [np.asarray(s, np.float64) for s in states]
    L = len(S)
    g = [np.zeros_like(s) for s in S]
    g[-1] = np.asarray(grad_output, np.float64)
    if g[-1].shape != S[-1].shape:
        raise ValueError(f"grad_output must have shape {S[-1].shape}, got {g[-1].shape}")
    lam = solve_adjoint(net, S, g, tol=tol, max_iter=max_iter, on_indefinite=on_indefinite)
    Ws = [np.asarray(w, np.float64) for w in net.weights]
    grads: dict[str, np.ndarray] = {}
    for l in range(L):
        pre = rho_x if l == 0 else S[l - 1]
        gW = pre.T @ lam[l]
        if l >= 1:
            gW += lam[l - 1].T @ S[l]
        grads[f"W{l + 1}"] = gW
        grads[f"b{l + 1}"] = lam[l].sum(axis=0)
    grad_x = (lam[0] @ Ws[0].T) * ((x > 0) & (x < 1))
    return grads, grad_x


def equilibrium_loss_gradient(
    net: HopfieldNetwork,
    x: np.ndarray,
    y: np.ndarray,
    *,
    n_iter: int = 2000,
    tol: float = 1e-13,
    states: list[np.ndarray] | None = None,
) -> tuple[dict[str, np.ndarray], float, list[np.ndarray]]:
    """``dL/dtheta`` of the equilibrium loss ``L = mean_batch |s*_L - y|^2`` (EP's cost, beta = 0).

    Relaxes the free phase (from ``states`` or zero) to ``tol`` first. Returns
    ``(grads, loss, free_states)``.
    """
    res = net.relax(x, states=states, n_iter=n_iter, tol=tol)
    y = np.asarray(y, np.float64)
    batch = res.output.shape[0]
    grad_out = 2.0 * (res.output.astype(np.float64) - y) / batch
    grads, _ = implicit_gradient(net, x, res.states, grad_out)
    loss = float(np.mean(np.sum((res.output.astype(np.float64) - y) ** 2, axis=1)))
    return grads, loss, res.states
