"""Physics-aware training (Wright et al. 2022), written once for every substrate with a twin.

Forward passes run on the physical model (the "hardware"), so the loss is the real system's;
each layer's backward is its twin's vjp evaluated at the activations actually measured.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..nn.history import History
from ..nn.module import Module
from ..nn.optim import Optimizer
from ..nn.train import fit
from ..substrate import physical_modules, reset_queries, set_mode, total_queries
from .registry import register_method

register_method("pat", requires={"twin", "forward"})


def train_pat(model: Module, loss: Any, optimizer: Optimizer, x: np.ndarray, y: np.ndarray, *,
              epochs: int, batch_size: int, seed: int = 0, x_val: np.ndarray | None = None,
              y_val: np.ndarray | None = None, callback: Any = None) -> History:
    """Fit with every physical layer in ``"pat"`` mode; validation runs on the physical model.

    Each history row gains ``physical_queries`` (cumulative forward calls to the hardware).
    """
    if not physical_modules(model):
        raise ValueError("physics-aware training needs at least one PhysicalModule in the model")
    reset_queries(model)

    def _cb(epoch: int, row: dict[str, Any]) -> None:
        row["physical_queries"] = sum(total_queries(model).values())
        if callback is not None:
            callback(epoch, row)

    set_mode(model, "pat")
    hist = fit(model, loss, optimizer, x, y, epochs=epochs, batch_size=batch_size, seed=seed,
               x_val=x_val, y_val=y_val, callback=_cb)
    set_mode(model, "physical")
    return hist
