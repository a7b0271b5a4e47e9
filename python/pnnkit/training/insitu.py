"""In-situ backpropagation: every physical layer's gradient is *measured* on the hardware.

Generic for any :class:`~pnnkit.substrate.PhysicalModule` with the ``"adjoint"`` capability
(e.g. MZI meshes, whose phase gradients are read from forward, adjoint and interference
intensity measurements, Hughes et al. 2018). Forward passes run on the physical model; the
backward pass walks the model in reverse, calling ``backward_adjoint`` on physical layers and the
ordinary (digital) vjp on everything else, so digital glue (encoders, activations computed
off-chip, readout) is differentiated exactly.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..nn.history import History
from ..nn.layers import Sequential
from ..nn.module import Module
from ..nn.optim import Optimizer
from ..nn.train import fit
from ..substrate import PhysicalModule, physical_modules, reset_queries, set_mode, total_queries
from .registry import register_method

register_method("insitu", requires={"adjoint"}, substrates=("mzi",))


def adjoint_backward(model: Module, grad_out: np.ndarray) -> np.ndarray:
    """Backward pass of ``model`` using physical adjoints wherever a layer has one.

    Physical layers with capability ``"adjoint"`` use :meth:`PhysicalModule.backward_adjoint`;
    a :class:`Sequential` is walked in reverse; any other module uses its own ``backward``.
    Raises ValueError for a physical layer without the ``"adjoint"`` capability (in-situ
    training would silently fall back to a twin, which is a different method).
    """
    if isinstance(model, PhysicalModule):
        if "adjoint" not in model.capabilities:
            raise ValueError(f"{type(model).__name__} has no physical adjoint; in-situ training needs the "
                             "'adjoint' capability (use 'pat' or 'insilico' for this layer)")
        return model.backward_adjoint(grad_out)
    if isinstance(model, Sequential):
        for m in reversed(model.layers):
            grad_out = adjoint_backward(m, grad_out)
        return grad_out
    if any(isinstance(m, PhysicalModule) for _, m in model.named_modules()):
        raise ValueError(f"{type(model).__name__} contains physical layers but is not a Sequential; "
                         "in-situ training cannot route its backward pass")
    return model.backward(grad_out)


def train_insitu(model: Module, loss: Any, optimizer: Optimizer, x: np.ndarray, y: np.ndarray, *,
                 epochs: int, batch_size: int, seed: int = 0, x_val: np.ndarray | None = None,
                 y_val: np.ndarray | None = None, callback: Any = None) -> History:
    """Fit with physical forward passes and physically measured gradients.

    Every physical layer is put in ``"physical"`` mode (forward on the seeded hardware) and its
    gradient comes from :func:`adjoint_backward`. Each history row gains ``physical_queries``
    (cumulative forward + adjoint + interference passes, in samples). The model is left in
    ``"physical"`` mode.
    """
    phys = physical_modules(model)
    if not phys:
        raise ValueError("in-situ training needs at least one PhysicalModule in the model")
    lacking = sorted({type(m).__name__ for m in phys if "adjoint" not in m.capabilities})
    if lacking:
        raise ValueError(f"in-situ training needs the 'adjoint' capability; {lacking} do not have it")
    reset_queries(model)

    def _cb(epoch: int, row: dict[str, Any]) -> None:
        row["physical_queries"] = sum(total_queries(model).values())
        if callback is not None:
            callback(epoch, row)

    set_mode(model, "physical")
    return fit(model, loss, optimizer, x, y, epochs=epochs, batch_size=batch_size, seed=seed, x_val=x_val,
               y_val=y_val, callback=_cb, backward=lambda m, g: adjoint_backward(m, g))
