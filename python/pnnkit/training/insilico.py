"""In-silico training: train the ideal twin, then deploy the parameters to the physical model."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..nn.history import History
from ..nn.module import Module
from ..nn.optim import Optimizer
from ..nn.train import accuracy, fit
from ..substrate import reset_queries, set_mode, total_queries
from .registry import register_method

register_method("insilico", requires={"twin"}, substrates=())


def train_insilico(model: Module, loss: Any, optimizer: Optimizer, x: np.ndarray, y: np.ndarray, *,
                   epochs: int, batch_size: int, seed: int = 0, x_val: np.ndarray | None = None,
                   y_val: np.ndarray | None = None, callback: Any = None) -> History:
    """Fit every physical layer in ``"twin"`` mode; afterwards the model is left in ``"physical"`` mode.

    Validation accuracy during training is the twin's; the returned history's last row also
    carries ``physical_test_acc``, the deployed accuracy (when validation data is given).
    No physical queries are spent on training.
    """
    set_mode(model, "twin")
    reset_queries(model)
    hist = fit(model, loss, optimizer, x, y, epochs=epochs, batch_size=batch_size, seed=seed,
               x_val=x_val, y_val=y_val, callback=callback)
    set_mode(model, "physical")
    if x_val is not None and y_val is not None:
        hist.rows[-1]["physical_test_acc"] = accuracy(model, x_val, y_val)
        hist.rows[-1]["physical_queries"] = sum(total_queries(model).values())
    return hist
